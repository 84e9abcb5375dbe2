package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"parley/internal/chat"
)

func handleSearchMessages(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		r := chat.MessageSearch{
			Text: c.Query("q"), Room: chat.RoomID(c.Query("room")), From: chat.UserID(c.Query("from")),
			Cursor: c.Query("cursor"),
		}
		var err error
		if r.Since, err = searchTime("after", c.Query("after")); err != nil {
			fail(c, d.Log, err)
			return
		}
		if r.Until, err = searchTime("before", c.Query("before")); err != nil {
			fail(c, d.Log, err)
			return
		}
		switch c.Query("has") {
		case "":
		case "attachment":
			r.Files = true
		default:
			fail(c, d.Log, chat.Errorf(chat.Invalid, "has must be attachment"))
			return
		}
		if s := c.Query("limit"); s != "" {
			if r.Limit, err = strconv.Atoi(s); err != nil || r.Limit < 1 {
				fail(c, d.Log, chat.Errorf(chat.Invalid, "limit must be a positive integer"))
				return
			}
		}
		res, err := d.Chat.SearchMessages(c.Request.Context(), caller(c), r)
		reply(c, d, http.StatusOK, res, err)
	}
}

// searchTime reads a date (a UTC day, 2006-01-02) or an RFC 3339 time.
func searchTime(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, chat.Errorf(chat.Invalid, "%s must be a date (2006-01-02) or an RFC 3339 time", name)
	}
	return t, nil
}
