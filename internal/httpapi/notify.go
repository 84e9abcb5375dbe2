package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"parley/internal/chat"
)

type (
	notifyLevelRequest struct {
		Level chat.NotifyLevel `json:"level" required:"true"`
	}
	focusRequest struct {
		Focused bool `json:"focused" required:"true"`
	}
)

func handleSetNotifyLevel(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := bind[notifyLevelRequest](c, d)
		if !ok {
			return
		}
		out, err := d.Chat.SetNotifyLevel(c.Request.Context(), caller(c), roomParam(c), req.Level)
		reply(c, d, http.StatusOK, out, err)
	}
}

func handleNotifySettings(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		out, err := d.Chat.NotifySettings(c.Request.Context(), caller(c))
		reply(c, d, http.StatusOK, out, err)
	}
}

func handleUpdateNotifySettings(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := bind[chat.NotifySettingsPatch](c, d)
		if !ok {
			return
		}
		out, err := d.Chat.UpdateNotifySettings(c.Request.Context(), caller(c), req)
		reply(c, d, http.StatusOK, out, err)
	}
}

// handleFocus is the focus frame of long-poll clients: the report belongs
// to the session, as a REST request belongs to no connection.
func handleFocus(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := bind[focusRequest](c, d)
		if !ok {
			return
		}
		se := session(c)
		reply(c, d, http.StatusNoContent, nil, d.Chat.Focus(c.Request.Context(), se.UserID, "s:"+se.ID, req.Focused, true))
	}
}
