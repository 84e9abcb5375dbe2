package client

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"path/filepath"
	"strings"
)

// Upload streams r to the server as a file named name and returns its
// metadata; send it with a message by its ID. The file is never held in
// memory whole. The part's declared type is guessed from the name's
// extension, as browsers do; the server ignores it and sniffs the content.
func (c *Client) Upload(ctx context.Context, name string, r io.Reader) (Attachment, error) {
	var a Attachment
	return a, c.upload(ctx, "POST", "/api/v1/attachments", name, r, &a)
}

// SetAvatar uploads an image as the caller's avatar and returns the user
// with its new avatar_url.
func (c *Client) SetAvatar(ctx context.Context, name string, r io.Reader) (User, error) {
	var u User
	return u, c.upload(ctx, "PUT", "/api/v1/me/avatar", name, r, &u)
}

// DeleteAvatar removes the caller's avatar.
func (c *Client) DeleteAvatar(ctx context.Context) (User, error) {
	var u User
	return u, c.Do(ctx, "DELETE", "/api/v1/me/avatar", nil, &u)
}

func (c *Client) upload(ctx context.Context, method, path, name string, r io.Reader, out any) error {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": "file", "filename": name}))
		declared := mime.TypeByExtension(filepath.Ext(name))
		if declared == "" {
			declared = "application/octet-stream"
		}
		h.Set("Content-Type", declared)
		part, err := mw.CreatePart(h)
		if err == nil {
			_, err = io.Copy(part, r)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, pr)
	if err != nil {
		pr.Close()
		return err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	// The transport closes pr when the request ends, however it ends, which
	// ends the writer above.
	return c.send(req, out)
}

// Send sends a message over REST with every field of r: attachments,
// reply_to, client_id (reusing one returns the original message).
func (c *Client) Send(ctx context.Context, r SendRequest) (Message, error) {
	var m Message
	return m, c.Do(ctx, "POST", roomPath(r.RoomID, "/messages"), r, &m)
}

// Fetch GETs an attachment, thumbnail or avatar URL (the paths in
// Attachment.URL, Attachment.ThumbnailURL and User.AvatarURL) with the
// client's token; header adds request headers such as Range or
// If-None-Match. The caller closes the body. An error status is an *Error.
func (c *Client) Fetch(ctx context.Context, path string, header http.Header) (*http.Response, error) {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
	if err != nil {
		return nil, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 400 {
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return nil, apiError(resp.StatusCode, body)
	}
	return resp, nil
}

// Download reads a whole attachment, thumbnail or avatar, returning its
// bytes and the response headers (Content-Type, Content-Disposition, ETag).
func (c *Client) Download(ctx context.Context, path string) ([]byte, http.Header, error) {
	resp, err := c.Fetch(ctx, path, nil)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return data, resp.Header, err
}
