package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"parley/internal/chat"
)

// handleReact adds (on) or removes the caller's reaction; the emoji is the
// last path segment, percent-encoded by the client.
func handleReact(d Deps, on bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		seq, err := seqParam(c)
		if err != nil {
			fail(c, d.Log, err)
			return
		}
		r, err := d.Chat.React(c.Request.Context(), caller(c), chat.ReactRequest{
			RoomID: roomParam(c), Seq: seq, Emoji: c.Param("emoji"), On: on,
		})
		reply(c, d, http.StatusOK, r, err)
	}
}

// handleReactors answers who reacted to a message, per emoji.
func handleReactors(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		seq, err := seqParam(c)
		if err != nil {
			fail(c, d.Log, err)
			return
		}
		r, err := d.Chat.Reactors(c.Request.Context(), caller(c), roomParam(c), seq)
		reply(c, d, http.StatusOK, gin.H{"reactions": r}, err)
	}
}
