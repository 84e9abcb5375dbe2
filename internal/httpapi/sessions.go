package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"parley/internal/chat"
)

func handleChangePassword(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := bind[chat.ChangePasswordRequest](c, d)
		if !ok {
			return
		}
		req.Addr = c.ClientIP()
		reply(c, d, http.StatusNoContent, nil, d.Accounts.ChangePassword(c.Request.Context(), session(c), req))
	}
}

type sessionsResponse struct {
	Sessions []chat.SessionInfo `json:"sessions"`
}

func handleListSessions(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := d.Accounts.Sessions(c.Request.Context(), session(c))
		reply(c, d, http.StatusOK, sessionsResponse{Sessions: list}, err)
	}
}

func handleEndSession(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		reply(c, d, http.StatusNoContent, nil, d.Accounts.EndSession(c.Request.Context(), session(c), c.Param("id")))
	}
}

type endedResponse struct {
	Ended int `json:"ended"`
}

func handleEndOtherSessions(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		n, err := d.Accounts.EndOtherSessions(c.Request.Context(), session(c))
		reply(c, d, http.StatusOK, endedResponse{Ended: n}, err)
	}
}

type ticketResponse struct {
	Ticket    string    `json:"ticket"`
	ExpiresAt chat.Time `json:"expires_at"`
}

func handleWSTicket(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		t, exp, err := d.Accounts.IssueTicket(c.Request.Context(), session(c))
		c.Header("Cache-Control", "no-store")
		reply(c, d, http.StatusCreated, ticketResponse{Ticket: t, ExpiresAt: chat.TimeOf(exp)}, err)
	}
}
