// Package httpapi is Parley's REST API on Gin: the routes, the handlers that
// turn requests into domain calls, authentication, and the one map from
// domain errors to HTTP statuses.
package httpapi

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"parley/internal/chat"
	"parley/internal/push"
	"parley/internal/realtime"
)

// Deps is everything the API needs, passed in by the server that builds it.
type Deps struct {
	Accounts     *chat.Accounts
	Chat         *chat.Service
	Realtime     *realtime.Server
	Push         *push.Service
	Log          *slog.Logger
	MaxBodyBytes int64
	// BodyTimeout and MinBodyRate cut a trickled request body: after
	// BodyTimeout it must average MinBodyRate bytes a second.
	BodyTimeout time.Duration
	MinBodyRate int64
	// Ready reports whether the node can serve (store reachable).
	Ready          func(ctx context.Context) error
	TrustedProxies []string // addresses whose X-Forwarded-For is believed
	// Metrics is the Prometheus exposition, served at /metrics; nil when it
	// is served on its own address (--metrics-addr) instead.
	Metrics http.Handler
	// Web is the web client's build, served at / outside /api; nil = none.
	Web fs.FS
}

// New returns the HTTP handler with every route.
func New(d Deps) (*gin.Engine, error) {
	// Debug mode would print the route table at every start, a test's
	// included. The mode is gin's one global; setting it is atomic, so every
	// node a test process starts may set it alike.
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	if err := r.SetTrustedProxies(d.TrustedProxies); err != nil {
		return nil, err
	}
	r.HandleMethodNotAllowed = true
	r.NoRoute(handleNoRoute(d))
	r.NoMethod(func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, errorBody(chat.Errorf(chat.Invalid, "method not allowed")))
	})
	r.Use(recoverer(d.Log), logRequests(d.Log), noSniff, paceBody(d.BodyTimeout, d.MinBodyRate), limitBody(d.MaxBodyBytes))
	addRoutes(r, d)
	return r, nil
}

func addRoutes(r *gin.Engine, d Deps) {
	r.GET("/healthz", handleHealth())
	r.GET("/readyz", handleReady(d.Ready))
	r.GET("/metrics", handleMetrics(d.Metrics))

	api := r.Group("/api/v1", checkParams(d))
	api.POST("/auth/signup", handleSignup(d))
	api.POST("/auth/login", handleLogin(d))
	api.GET("/ws", holdConnect(d), requireSession(d, true), handleWebSocket(d))

	authed := api.Group("", requireSession(d, false))
	authed.POST("/auth/logout", handleLogout(d))
	authed.POST("/poll/:session", handleOpenPoll(d))
	authed.GET("/poll/:session", handlePoll(d))
	authed.DELETE("/poll/:session", handleClosePoll(d))
	authed.GET("/me", handleMe(d))
	authed.GET("/users/:username", handleUser(d))

	authed.GET("/rooms", handleListRooms(d))
	authed.POST("/rooms", handleCreateRoom(d))
	authed.POST("/rooms/direct", handleOpenDirect(d))
	authed.GET("/rooms/:room", handleGetRoom(d))
	authed.PATCH("/rooms/:room", handleUpdateRoom(d))
	authed.POST("/rooms/:room/leave", handleLeave(d))
	authed.GET("/rooms/:room/members", handleListMembers(d))
	authed.POST("/rooms/:room/members", handleInvite(d))
	authed.DELETE("/rooms/:room/members/:user", handleRemoveMember(d))
	authed.PUT("/rooms/:room/members/:user/role", handleSetRole(d))

	authed.GET("/rooms/:room/messages", handleHistory(d))
	authed.POST("/rooms/:room/messages", handleSend(d))
	authed.PATCH("/rooms/:room/messages/:seq", handleEdit(d))
	authed.DELETE("/rooms/:room/messages/:seq", handleDelete(d))
	authed.POST("/rooms/:room/read", handleMarkRead(d))
	authed.GET("/rooms/:room/receipts", handleReceipts(d))

	authed.GET("/rooms/:room/messages/:seq/reactions", handleReactors(d))
	authed.PUT("/rooms/:room/messages/:seq/reactions/:emoji", handleReact(d, true))
	authed.DELETE("/rooms/:room/messages/:seq/reactions/:emoji", handleReact(d, false))
	authed.GET("/rooms/:room/pins", handleListPins(d))
	authed.POST("/rooms/:room/pins", handlePin(d))
	authed.DELETE("/rooms/:room/pins/:seq", handleUnpin(d))
	// People (people.go).
	authed.PATCH("/me", handleUpdateProfile(d))
	authed.GET("/users", handleSearchUsers(d))
	authed.GET("/friends", handleListFriends(d))
	authed.DELETE("/friends/:user", handleRemoveFriend(d))
	authed.GET("/friends/requests", handleListFriendRequests(d))
	authed.POST("/friends/requests", handleRequestFriend(d))
	authed.POST("/friends/requests/:user/accept", handleAcceptFriend(d))
	authed.POST("/friends/requests/:user/decline", handleDeclineFriend(d))
	authed.DELETE("/friends/requests/:user", handleCancelFriendRequest(d))
	authed.GET("/blocks", handleListBlocks(d))
	authed.POST("/blocks", handleBlock(d))
	authed.DELETE("/blocks/:user", handleUnblock(d))
	authed.POST("/rooms/:room/typing", handleTyping(d))
	authed.GET("/rooms/:room/presence", handleRoomPresence(d))
	authed.POST("/attachments", handleUpload(d))
	authed.GET("/attachments/:id", handleDownload(d, false))
	authed.GET("/attachments/:id/thumbnail", handleDownload(d, true))
	authed.PUT("/me/avatar", handleSetAvatar(d))
	authed.DELETE("/me/avatar", handleDeleteAvatar(d))
	// Consent: pending invites, public rooms, invite links (consent.go).
	authed.GET("/invites", handleListInvites(d))
	authed.POST("/invites/:invite/accept", handleAcceptInvite(d))
	authed.POST("/invites/:invite/decline", handleDeclineInvite(d))
	authed.GET("/rooms/directory", handleDirectory(d))
	authed.POST("/rooms/:room/join", handleJoinRoom(d))
	authed.GET("/rooms/:room/links", handleListLinks(d))
	authed.POST("/rooms/:room/links", handleCreateLink(d))
	authed.DELETE("/rooms/:room/links/:link", handleRevokeLink(d))
	authed.GET("/links/:code", handlePreviewLink(d))
	authed.POST("/links/:code/join", handleJoinLink(d))
	// Account security (sessions.go).
	authed.POST("/me/password", handleChangePassword(d))
	authed.GET("/sessions", handleListSessions(d))
	authed.DELETE("/sessions", handleEndOtherSessions(d))
	authed.DELETE("/sessions/:id", handleEndSession(d))
	authed.POST("/ws/ticket", handleWSTicket(d))
	// Message search (message_search.go).
	authed.GET("/search", handleSearchMessages(d))
	// Web Push (push.go).
	api.GET("/push/key", handlePushKey(d))
	authed.GET("/push/subscriptions", handleListSubscriptions(d))
	authed.POST("/push/subscriptions", handleSubscribe(d))
	authed.DELETE("/push/subscriptions", handleUnsubscribe(d))
	// Notification levels, settings and focus (notify.go).
	authed.PUT("/rooms/:room/notifications", handleSetNotifyLevel(d))
	authed.GET("/me/notifications", handleNotifySettings(d))
	authed.PATCH("/me/notifications", handleUpdateNotifySettings(d))
	authed.POST("/me/focus", handleFocus(d))
}
