package httpapi

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"parley/internal/chat"
	"parley/internal/media"
)

// multipartSlack is what an upload's body may hold besides the file: part
// headers, boundaries, a few small fields.
const multipartSlack = 64 << 10

// maxParts bounds the parts read looking for the file.
const maxParts = 8

func handleUpload(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		part, err := uploadPart(c, d.Chat.Limits().MaxUploadBytes)
		if err != nil {
			fail(c, d.Log, err)
			return
		}
		a, err := d.Chat.Upload(c.Request.Context(), caller(c), part.FileName(), partReader{part})
		reply(c, d, http.StatusCreated, a, err)
	}
}

func handleSetAvatar(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		part, err := uploadPart(c, d.Chat.Limits().MaxUploadBytes)
		if err != nil {
			fail(c, d.Log, err)
			return
		}
		u, err := d.Chat.SetAvatar(c.Request.Context(), caller(c), partReader{part})
		reply(c, d, http.StatusOK, u, err)
	}
}

func handleDeleteAvatar(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		u, err := d.Chat.DeleteAvatar(c.Request.Context(), caller(c))
		reply(c, d, http.StatusOK, u, err)
	}
}

// uploadPart replaces the global body limit with the upload limit and
// returns the multipart part named "file", ready to stream: the body is
// never buffered.
func uploadPart(c *gin.Context, maxFile int64) (*multipart.Part, error) {
	limit := maxFile + multipartSlack
	if c.Request.ContentLength > limit {
		return nil, chat.Errorf(chat.TooLarge, "files are at most %d bytes", maxFile)
	}
	setBodyLimit(c, limit)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, chat.Errorf(chat.Invalid, "the body must be multipart/form-data with a file field")
	}
	return filePart(mr)
}

// filePart returns the first part named "file", skipping a few others.
func filePart(mr *multipart.Reader) (*multipart.Part, error) {
	for range maxParts {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, chat.Errorf(chat.Invalid, "the body has no file field")
		}
		if err != nil {
			return nil, bodyError(err)
		}
		if p.FormName() == "file" {
			return p, nil
		}
	}
	return nil, chat.Errorf(chat.Invalid, "the file field must be among the first %d parts", maxParts)
}

// partReader reports a body over its limit as the domain's TooLarge, so the
// service can tell it from a broken upload.
type partReader struct{ p *multipart.Part }

func (r partReader) Read(b []byte) (int, error) {
	n, err := r.p.Read(b)
	if err != nil && !errors.Is(err, io.EOF) {
		return n, bodyError(err)
	}
	return n, err
}

func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return chat.Wrap(chat.TooLarge, err, "request body too large")
	}
	if errors.Is(err, errBodyTooSlow) {
		return chat.Wrap(chat.Invalid, err, errBodyTooSlow.Error())
	}
	return chat.Wrap(chat.Invalid, err, "malformed multipart body")
}

// handleDownload serves an attachment or its thumbnail, with Range
// requests. Nothing from our origin is ever rendered as a document: the
// served type is a raster image Parley decoded, or audio, video or plain
// text, or else application/octet-stream; nosniff keeps browsers to it, and
// the sandbox CSP strips script and origin from anything opened directly.
func handleDownload(d Deps, thumbnail bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		a, blob, err := d.Chat.OpenAttachment(c.Request.Context(), caller(c), c.Param("id"), thumbnail)
		if err != nil {
			fail(c, d.Log, err)
			return
		}
		defer blob.Close()
		typ, inline := servedAs(a, thumbnail)
		disposition := "attachment"
		if inline {
			disposition = "inline"
		}
		if v := mime.FormatMediaType(disposition, map[string]string{"filename": a.Name}); v != "" {
			disposition = v
		}
		etag := `"` + a.SHA256 + `"`
		if thumbnail {
			etag = `"` + a.SHA256 + `.thumbnail"`
		}
		h := c.Writer.Header()
		h.Set("Content-Type", typ)
		h.Set("Content-Disposition", disposition)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "sandbox")
		h.Set("ETag", etag)
		// Revalidated every time (cheaply, by ETag), so a member who leaves
		// the room stops getting it from the cache too.
		h.Set("Cache-Control", "private, no-cache")
		http.ServeContent(c.Writer, c.Request, "", a.CreatedAt.Time, blob)
	}
}

// servedAs is the Content-Type an attachment is served with, and whether it
// may be shown inline (only raster images that Parley decoded itself).
func servedAs(a chat.Attachment, thumbnail bool) (contentType string, inline bool) {
	if thumbnail {
		return a.ThumbType, true
	}
	if media.IsImage(a.ContentType) && a.Width > 0 {
		return a.ContentType, true
	}
	base, _, err := mime.ParseMediaType(a.ContentType)
	switch {
	case err != nil:
	case strings.HasPrefix(base, "audio/"), strings.HasPrefix(base, "video/"):
		return base, false
	case base == "text/plain":
		return a.ContentType, false
	}
	return "application/octet-stream", false
}
