package httpapi

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"parley/internal/chat"
)

// bind decodes the request body into a T, answering the error itself. A
// body must be declared application/json: a browser sends text/plain and
// form bodies across origins without asking (no CORS preflight), so taking
// only JSON keeps those out even if a credential ever rides along.
func bind[T any](c *gin.Context, d Deps) (T, bool) {
	var v T
	if c.Request.ContentLength != 0 && !isJSON(c.ContentType()) {
		fail(c, d.Log, chat.Errorf(chat.UnsupportedMediaType, "the body must be JSON, sent with Content-Type: application/json"))
		return v, false
	}
	if err := decodeJSON(c.Request.Body, &v); err != nil {
		fail(c, d.Log, err)
		return v, false
	}
	return v, true
}

// reply answers with status and v, or with err in the error shape.
func reply(c *gin.Context, d Deps, status int, v any, err error) {
	if err != nil {
		fail(c, d.Log, err)
		return
	}
	if v == nil {
		c.Status(status)
		return
	}
	c.JSON(status, v)
}

func roomParam(c *gin.Context) chat.RoomID { return chat.RoomID(c.Param("room")) }

func handleHealth() gin.HandlerFunc {
	return func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }
}

func handleReady(ready func(ctx context.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if ready != nil {
			if err := ready(c.Request.Context()); err != nil {
				c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "reason": chat.ErrorMessage(err)})
				return
			}
		}
		c.JSON(http.StatusOK, gin.H{"status": "ready"})
	}
}

func handleMetrics(h http.Handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		if h == nil {
			c.AbortWithStatusJSON(http.StatusNotFound, errorBody(chat.Errorf(chat.NotFound, "no such endpoint")))
			return
		}
		h.ServeHTTP(c.Writer, c.Request)
	}
}

func handleSignup(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := bind[chat.SignupRequest](c, d)
		if !ok {
			return
		}
		req.Addr = c.ClientIP()
		u, err := d.Accounts.Signup(c.Request.Context(), req)
		reply(c, d, http.StatusCreated, u, err)
	}
}

func handleLogin(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		req, ok := bind[chat.LoginRequest](c, d)
		if !ok {
			return
		}
		req.Addr, req.UserAgent = c.ClientIP(), c.GetHeader("User-Agent")
		res, err := d.Accounts.Login(c.Request.Context(), req)
		reply(c, d, http.StatusOK, res, err)
	}
}

func handleLogout(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		reply(c, d, http.StatusNoContent, nil, d.Accounts.Logout(c.Request.Context(), session(c)))
	}
}

func handleMe(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		me, err := d.Chat.Me(c.Request.Context(), caller(c))
		reply(c, d, http.StatusOK, me, err)
	}
}

func handleUser(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		u, err := d.Chat.UserByUsername(c.Request.Context(), caller(c), c.Param("username"))
		reply(c, d, http.StatusOK, u, err)
	}
}

func handleWebSocket(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if s, u, ok := sessionUser(c, d); ok {
			d.Realtime.Serve(c.Writer, c.Request, s, u)
		}
	}
}

// sessionUser is the caller's session and user, for the transports that
// carry the user's live events; on failure it has answered.
func sessionUser(c *gin.Context, d Deps) (chat.Session, chat.User, bool) {
	s := session(c)
	var u chat.User
	err := held(c, d, func(ctx context.Context) (err error) {
		u, err = d.Accounts.User(ctx, s.UserID)
		return err
	})
	if err != nil {
		fail(c, d.Log, err)
		return s, u, false
	}
	return s, u, true
}
