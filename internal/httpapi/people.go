package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"parley/internal/chat"
)

type (
	profileRequest struct {
		DisplayName   *string         `json:"display_name"`
		StatusMessage *string         `json:"status_message"`
		WhoMayAdd     *chat.AddPolicy `json:"who_may_add"`
	}
	usernameRequest struct {
		Username string `json:"username" required:"true"`
	}
	typingRequest struct {
		Typing bool `json:"typing" required:"true"`
	}
	usersResponse struct {
		Users []chat.UserHit `json:"users"`
	}
	friendsResponse struct {
		Friends []chat.Friend `json:"friends"`
	}
	blocksResponse struct {
		Blocks []chat.BlockedUser `json:"blocks"`
	}
)

func userParam(c *gin.Context) chat.UserID { return chat.UserID(c.Param("user")) }

func handleUpdateProfile(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := bind[profileRequest](c, d)
		if !ok {
			return
		}
		me, err := d.Chat.UpdateMe(c.Request.Context(), caller(c),
			chat.ProfileUpdate{DisplayName: req.DisplayName, StatusMessage: req.StatusMessage}, req.WhoMayAdd)
		reply(c, d, http.StatusOK, me, err)
	}
}

func handleSearchUsers(d Deps) gin.HandlerFunc {
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
		hits, err := d.Chat.SearchUsers(c.Request.Context(), caller(c), c.Query("q"), limit)
		reply(c, d, http.StatusOK, usersResponse{hits}, err)
	}
}

func handleListFriends(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		fs, err := d.Chat.Friends(c.Request.Context(), caller(c))
		reply(c, d, http.StatusOK, friendsResponse{fs}, err)
	}
}

func handleRemoveFriend(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		reply(c, d, http.StatusNoContent, nil, d.Chat.RemoveFriend(c.Request.Context(), caller(c), userParam(c)))
	}
}

func handleListFriendRequests(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		lists, err := d.Chat.FriendRequests(c.Request.Context(), caller(c))
		reply(c, d, http.StatusOK, lists, err)
	}
}

func handleRequestFriend(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := bind[usernameRequest](c, d)
		if !ok {
			return
		}
		res, err := d.Chat.RequestFriend(c.Request.Context(), caller(c), req.Username)
		reply(c, d, http.StatusCreated, res, err)
	}
}

func handleAcceptFriend(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		f, err := d.Chat.AcceptFriend(c.Request.Context(), caller(c), userParam(c))
		reply(c, d, http.StatusOK, f, err)
	}
}

func handleDeclineFriend(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		reply(c, d, http.StatusNoContent, nil, d.Chat.DeclineFriend(c.Request.Context(), caller(c), userParam(c)))
	}
}

func handleCancelFriendRequest(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		reply(c, d, http.StatusNoContent, nil, d.Chat.CancelFriendRequest(c.Request.Context(), caller(c), userParam(c)))
	}
}

func handleListBlocks(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		bs, err := d.Chat.Blocks(c.Request.Context(), caller(c))
		reply(c, d, http.StatusOK, blocksResponse{bs}, err)
	}
}

func handleBlock(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := bind[usernameRequest](c, d)
		if !ok {
			return
		}
		b, err := d.Chat.Block(c.Request.Context(), caller(c), req.Username)
		reply(c, d, http.StatusCreated, b, err)
	}
}

func handleUnblock(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		reply(c, d, http.StatusNoContent, nil, d.Chat.Unblock(c.Request.Context(), caller(c), userParam(c)))
	}
}

func handleTyping(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := bind[typingRequest](c, d)
		if !ok {
			return
		}
		reply(c, d, http.StatusNoContent, nil, d.Chat.Typing(c.Request.Context(), caller(c), roomParam(c), req.Typing))
	}
}

func handleRoomPresence(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, err := d.Chat.RoomPresence(c.Request.Context(), caller(c), roomParam(c))
		reply(c, d, http.StatusOK, p, err)
	}
}
