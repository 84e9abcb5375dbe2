package httpapi

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"parley/internal/chat"
)

// statusOf is the one map from domain error codes to HTTP statuses.
func statusOf(code chat.Code) int {
	switch code {
	case chat.Invalid:
		return http.StatusBadRequest
	case chat.Unauthorized:
		return http.StatusUnauthorized
	case chat.Forbidden, chat.Unreachable:
		return http.StatusForbidden
	case chat.NotFound:
		return http.StatusNotFound
	case chat.Conflict:
		return http.StatusConflict
	case chat.TooLarge, chat.QuotaExceeded:
		return http.StatusRequestEntityTooLarge
	case chat.UnsupportedMediaType:
		return http.StatusUnsupportedMediaType
	case chat.RateLimited:
		return http.StatusTooManyRequests
	case chat.Unavailable, chat.TimedOut:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// ErrorBody is the shape of every REST error.
type ErrorBody struct {
	Error struct {
		Code    chat.Code `json:"code"`
		Message string    `json:"message"`
	} `json:"error"`
}

func errorBody(err error) ErrorBody {
	var b ErrorBody
	b.Error.Code = chat.ErrorCode(err)
	b.Error.Message = chat.ErrorMessage(err)
	return b
}

// fail writes err in the one error shape. Only internal errors are logged with
// their detail; the client sees a generic message for those.
func fail(c *gin.Context, log *slog.Logger, err error) {
	code := chat.ErrorCode(err)
	if code == chat.Internal {
		log.Error("request failed", "method", c.Request.Method, "path", c.FullPath(), "err", err)
	}
	switch code {
	case chat.RateLimited, chat.Unavailable:
		c.Header("Retry-After", "1")
	case chat.Unauthorized:
		c.Header("WWW-Authenticate", `Bearer realm="parley"`)
	}
	c.AbortWithStatusJSON(statusOf(code), errorBody(err))
}

var errTooLarge = errors.New("request body too large")
