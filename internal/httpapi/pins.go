package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"parley/internal/chat"
)

type pinsResponse struct {
	Pins []chat.Pin `json:"pins"`
}

func handleListPins(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		pins, err := d.Chat.Pins(c.Request.Context(), caller(c), roomParam(c))
		if pins == nil {
			pins = []chat.Pin{}
		}
		reply(c, d, http.StatusOK, pinsResponse{pins}, err)
	}
}

// handlePin answers 200 with the pin, new or as it already was: pinning is
// idempotent.
func handlePin(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := bind[chat.PinRequest](c, d)
		if !ok {
			return
		}
		p, err := d.Chat.Pin(c.Request.Context(), caller(c), roomParam(c), req.Seq)
		reply(c, d, http.StatusOK, p, err)
	}
}

func handleUnpin(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		seq, err := seqParam(c)
		if err != nil {
			fail(c, d.Log, err)
			return
		}
		reply(c, d, http.StatusNoContent, nil, d.Chat.Unpin(c.Request.Context(), caller(c), roomParam(c), seq))
	}
}
