package httpapi

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/gin-gonic/gin"
)

// paceBody cuts a request body that arrives too slowly: it must keep up an
// average of minRate bytes a second after a grace of timeout, or the read
// fails, the request gets 400 and the connection is closed. A trickled body
// otherwise holds a connection, a goroutine and a buffer as long as its
// sender likes, for a few bytes a minute. The deadline sits on the socket,
// so a read blocked on a silent peer ends too, not only a slow one.
func paceBody(timeout time.Duration, minRate int64) gin.HandlerFunc {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	if minRate <= 0 {
		minRate = 8 << 10
	}
	return func(c *gin.Context) {
		if c.Request.Body == nil || c.Request.Body == http.NoBody || c.Request.ContentLength == 0 {
			c.Next()
			return
		}
		b := &pacedBody{ReadCloser: c.Request.Body, rc: http.NewResponseController(c.Writer),
			start: time.Now(), grace: timeout, rate: float64(minRate)}
		if b.rc.SetReadDeadline(b.start.Add(timeout)) != nil {
			c.Next() // the writer cannot set deadlines (a test recorder)
			return
		}
		c.Request.Body = b
		c.Next()
		b.clear()
	}
}

var errBodyTooSlow = errors.New("request body arrived too slowly")

type pacedBody struct {
	io.ReadCloser
	rc    *http.ResponseController
	start time.Time
	grace time.Duration
	rate  float64 // bytes a second
	read  int64
	done  bool
}

func (b *pacedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		// The deadline stays: whatever reads the socket next fails at once
		// and the server closes the connection.
		b.done = true
		return n, errBodyTooSlow
	case err != nil:
		// At the end of the body the server starts its own read to notice a
		// client going away; it must not inherit a deadline that then
		// cancels a handler still at work.
		b.clear()
	case n > 0:
		b.rc.SetReadDeadline(b.start.Add(b.grace + time.Duration(float64(b.read)/b.rate*float64(time.Second))))
	}
	return n, err
}

func (b *pacedBody) clear() {
	if !b.done {
		b.done = true
		b.rc.SetReadDeadline(time.Time{})
	}
}
