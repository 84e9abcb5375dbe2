package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"parley/internal/chat"
	"parley/internal/realtime"
)

// The long-poll transport (docs/protocol.md, "Long-poll"): the same events as
// the WebSocket, in the same order, for clients that cannot hold one.

func handleOpenPoll(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		s, u, ok := sessionUser(c, d)
		if !ok {
			return
		}
		b, err := d.Realtime.OpenPoll(c.Request.Context(), s, u, c.Param("session"))
		reply(c, d, http.StatusCreated, b, err)
	}
}

func handlePoll(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		cursor, err := parseSeq("cursor", c.Query("cursor"))
		if err != nil {
			fail(c, d.Log, err)
			return
		}
		wait := realtime.DefaultPollWait
		if q := c.Query("wait"); q != "" {
			secs, err := parseSeq("wait", q)
			if err != nil {
				fail(c, d.Log, err)
				return
			}
			if wait = time.Duration(secs) * time.Second; wait > realtime.MaxPollWait {
				fail(c, d.Log, chat.Errorf(chat.Invalid, "wait is at most %d seconds", int(realtime.MaxPollWait/time.Second)))
				return
			}
		}
		b, err := d.Realtime.Poll(c.Request.Context(), session(c), c.Param("session"), cursor, wait)
		reply(c, d, http.StatusOK, b, err)
	}
}

func handleClosePoll(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := d.Realtime.ClosePoll(session(c), c.Param("session")); err != nil {
			fail(c, d.Log, err)
			return
		}
		c.Status(http.StatusNoContent)
	}
}
