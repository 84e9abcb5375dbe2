package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"parley/internal/chat"
)

type (
	roomsResponse struct {
		Rooms []chat.RoomSummary `json:"rooms"`
	}
	createRoomRequest struct {
		Name       string          `json:"name" required:"true"`
		Members    []string        `json:"members"` // usernames
		Visibility chat.Visibility `json:"visibility"`
	}
	directRequest struct {
		Username string `json:"username" required:"true"`
	}
	updateRoomRequest struct {
		Name         *string          `json:"name"`
		Announcement *string          `json:"announcement"`
		Visibility   *chat.Visibility `json:"visibility"`
	}
	membersResponse struct {
		Members []chat.Member `json:"members"`
	}
	inviteRequest struct {
		Members []string `json:"members" required:"true"` // usernames
	}
	roleRequest struct {
		Role chat.Role `json:"role" required:"true"`
	}
)

func handleListRooms(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		rooms, err := d.Chat.Rooms(c.Request.Context(), caller(c))
		if rooms == nil {
			rooms = []chat.RoomSummary{}
		}
		reply(c, d, http.StatusOK, roomsResponse{rooms}, err)
	}
}

func handleCreateRoom(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := bind[createRoomRequest](c, d)
		if !ok {
			return
		}
		room, err := d.Chat.CreateGroup(c.Request.Context(), caller(c), req.Name, req.Members, req.Visibility)
		reply(c, d, http.StatusCreated, room, err)
	}
}

func handleOpenDirect(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := bind[directRequest](c, d)
		if !ok {
			return
		}
		room, created, err := d.Chat.OpenDirect(c.Request.Context(), caller(c), req.Username)
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		reply(c, d, status, room, err)
	}
}

func handleGetRoom(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		room, err := d.Chat.Room(c.Request.Context(), caller(c), roomParam(c))
		reply(c, d, http.StatusOK, room, err)
	}
}

func handleUpdateRoom(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := bind[updateRoomRequest](c, d)
		if !ok {
			return
		}
		room, err := d.Chat.UpdateRoom(c.Request.Context(), caller(c), roomParam(c),
			chat.RoomUpdate{Name: req.Name, Announcement: req.Announcement, Visibility: req.Visibility})
		reply(c, d, http.StatusOK, room, err)
	}
}

func handleLeave(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		reply(c, d, http.StatusNoContent, nil, d.Chat.Leave(c.Request.Context(), caller(c), roomParam(c)))
	}
}

func handleListMembers(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		ms, err := d.Chat.Members(c.Request.Context(), caller(c), roomParam(c))
		reply(c, d, http.StatusOK, membersResponse{ms}, err)
	}
}

func handleInvite(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := bind[inviteRequest](c, d)
		if !ok {
			return
		}
		res, err := d.Chat.Invite(c.Request.Context(), caller(c), roomParam(c), req.Members)
		reply(c, d, http.StatusCreated, res, err)
	}
}

func handleRemoveMember(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		err := d.Chat.RemoveMember(c.Request.Context(), caller(c), roomParam(c), chat.UserID(c.Param("user")))
		reply(c, d, http.StatusNoContent, nil, err)
	}
}

func handleSetRole(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := bind[roleRequest](c, d)
		if !ok {
			return
		}
		msg, err := d.Chat.SetRole(c.Request.Context(), caller(c), roomParam(c), chat.UserID(c.Param("user")), req.Role)
		reply(c, d, http.StatusOK, msg, err)
	}
}
