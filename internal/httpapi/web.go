package httpapi

import (
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"parley/internal/chat"
)

// webHeaders protect the web client's pages: no inline script or style, no
// framing, nothing fetched from other origins. connect-src 'self' covers the
// page's own WebSocket too: CSP Level 3 matches ws: and wss: of the page's
// host to 'self', so no other host can be reached by script.
var webHeaders = [][2]string{
	{"Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; " +
		"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Frame-Options", "DENY"},
}

// handleNoRoute serves the web client for every GET or HEAD outside /api:
// a file of the build when one matches, else index.html so the client's own
// routes (/rooms/…) survive a reload. Everything under /api, and every other
// method, keeps the JSON 404 of the API.
func handleNoRoute(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := c.Request.URL.Path
		isGet := c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead
		if d.Web == nil || !isGet || p == "/api" || strings.HasPrefix(p, "/api/") {
			fail(c, d.Log, chat.Errorf(chat.NotFound, "no such endpoint"))
			return
		}
		for _, h := range webHeaders {
			c.Header(h[0], h[1])
		}
		name := strings.TrimPrefix(path.Clean(p), "/")
		if name == "" {
			name = "index.html"
		}
		if serveWebFile(c, d.Web, name) {
			return
		}
		// A missing asset is a 404, not the index page: a browser that asked
		// for a script must not get HTML back.
		if strings.HasPrefix(name, "assets/") || path.Ext(name) != "" {
			c.Header("Cache-Control", "no-cache")
			c.String(http.StatusNotFound, "not found")
			return
		}
		if !serveWebFile(c, d.Web, "index.html") {
			c.String(http.StatusNotFound, "not found")
		}
	}
}

// serveWebFile writes one file of the build, and reports whether it exists.
// Vite names every file under assets/ by a hash of its content, so those are
// cached for a year; anything else (index.html above all) is revalidated on
// each load, so a new build is picked up at once.
func serveWebFile(c *gin.Context, files fs.FS, name string) bool {
	f, err := files.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		return false
	}
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		return false
	}
	if strings.HasPrefix(name, "assets/") {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "no-cache")
	}
	http.ServeContent(c.Writer, c.Request, name, time.Time{}, rs)
	return true
}
