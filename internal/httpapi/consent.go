package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"parley/internal/chat"
)

type (
	invitesResponse struct {
		Invites []chat.Invite `json:"invites"`
	}
	linksResponse struct {
		Links []chat.Link `json:"links"`
	}
	linkRequest struct {
		ExpiresIn *int `json:"expires_in"` // seconds; absent or 0: never
		MaxUses   *int `json:"max_uses"`   // absent or 0: unlimited
	}
)

func handleListInvites(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		invs, err := d.Chat.Invites(c.Request.Context(), caller(c))
		reply(c, d, http.StatusOK, invitesResponse{invs}, err)
	}
}

func handleAcceptInvite(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		room, err := d.Chat.AcceptInvite(c.Request.Context(), caller(c), c.Param("invite"))
		reply(c, d, http.StatusOK, room, err)
	}
}

func handleDeclineInvite(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		reply(c, d, http.StatusNoContent, nil, d.Chat.DeclineInvite(c.Request.Context(), caller(c), c.Param("invite")))
	}
}

func handleDirectory(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		limit := 0
		if s := c.Query("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				fail(c, d.Log, chat.Errorf(chat.Invalid, "limit must be a positive integer"))
				return
			}
			limit = n
		}
		page, err := d.Chat.Directory(c.Request.Context(), caller(c), c.Query("q"), c.Query("cursor"), limit)
		reply(c, d, http.StatusOK, page, err)
	}
}

// joined answers a join: 201 when the caller joined now, 200 when they were
// a member already.
func joined(c *gin.Context, d Deps, room chat.RoomSummary, now bool, err error) {
	status := http.StatusOK
	if now {
		status = http.StatusCreated
	}
	reply(c, d, status, room, err)
}

func handleJoinRoom(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		room, now, err := d.Chat.JoinPublic(c.Request.Context(), caller(c), roomParam(c))
		joined(c, d, room, now, err)
	}
}

func handleListLinks(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		ls, err := d.Chat.Links(c.Request.Context(), caller(c), roomParam(c))
		reply(c, d, http.StatusOK, linksResponse{ls}, err)
	}
}

func handleCreateLink(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := bind[linkRequest](c, d)
		if !ok {
			return
		}
		var r chat.LinkRequest
		if req.ExpiresIn != nil {
			if *req.ExpiresIn < 0 {
				fail(c, d.Log, chat.Errorf(chat.Invalid, "expires_in must not be negative"))
				return
			}
			// Capped before the conversion, so a huge value cannot wrap
			// around into the accepted range; the service refuses it.
			r.ExpiresIn = time.Duration(min(*req.ExpiresIn, 1<<32)) * time.Second
		}
		if req.MaxUses != nil {
			r.MaxUses = *req.MaxUses
		}
		l, err := d.Chat.CreateLink(c.Request.Context(), caller(c), roomParam(c), r)
		reply(c, d, http.StatusCreated, l, err)
	}
}

func handleRevokeLink(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		reply(c, d, http.StatusNoContent, nil, d.Chat.RevokeLink(c.Request.Context(), caller(c), roomParam(c), c.Param("link")))
	}
}

func handlePreviewLink(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, err := d.Chat.PreviewLink(c.Request.Context(), caller(c), c.Param("code"))
		reply(c, d, http.StatusOK, p, err)
	}
}

func handleJoinLink(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		room, now, err := d.Chat.JoinLink(c.Request.Context(), caller(c), c.Param("code"))
		joined(c, d, room, now, err)
	}
}
