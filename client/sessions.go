package client

import (
	"context"
	"net/url"

	"parley/internal/chat"
)

// Session is one of the user's logins as the sessions list shows it.
type Session = chat.SessionInfo

// WithDevice returns a copy of c whose logins present device, the device
// token of an earlier login on this device (DeviceToken).
func (c *Client) WithDevice(device string) *Client {
	cp := *c
	cp.device = device
	return &cp
}

// DeviceToken is the device token of the login that made c; keep it across
// logouts and give it to WithDevice for the next login.
func (c *Client) DeviceToken() string { return c.device }

// WithUserAgent returns a copy of c that sends ua as its User-Agent, which
// the sessions list shows.
func (c *Client) WithUserAgent(ua string) *Client {
	cp := *c
	cp.agent = ua
	return &cp
}

// ChangePassword sets a new password; it ends every other session of the
// user (their live connections close with 4500), this one goes on.
func (c *Client) ChangePassword(ctx context.Context, current, next string) error {
	return c.Do(ctx, "POST", "/api/v1/me/password", chat.ChangePasswordRequest{CurrentPassword: current, NewPassword: next}, nil)
}

// Sessions lists the user's sessions, most recently used first; Current
// marks this client's.
func (c *Client) Sessions(ctx context.Context) ([]Session, error) {
	var r struct{ Sessions []Session }
	return r.Sessions, c.Do(ctx, "GET", "/api/v1/sessions", nil, &r)
}

// EndSession ends one of the user's sessions and closes its live connections.
func (c *Client) EndSession(ctx context.Context, id string) error {
	return c.Do(ctx, "DELETE", "/api/v1/sessions/"+url.PathEscape(id), nil, nil)
}

// EndOtherSessions ends every session of the user but this one and returns
// how many ended.
func (c *Client) EndOtherSessions(ctx context.Context) (int, error) {
	var r struct{ Ended int }
	return r.Ended, c.Do(ctx, "DELETE", "/api/v1/sessions", nil, &r)
}

// Ticket is a single-use pass for one WebSocket handshake.
type Ticket struct {
	Ticket    string `json:"ticket"`
	ExpiresAt Time   `json:"expires_at"`
}

// WSTicket asks for a WebSocket ticket: what a browser puts in the
// WebSocket URL instead of its token (docs/protocol.md, "Connecting").
func (c *Client) WSTicket(ctx context.Context) (Ticket, error) {
	var t Ticket
	return t, c.Do(ctx, "POST", "/api/v1/ws/ticket", nil, &t)
}

// WebSocketURL is the URL a handshake with ticket opens.
func (c *Client) WebSocketURL(ticket string) string {
	u := c.base + "/api/v1/ws?ticket=" + url.QueryEscape(ticket)
	if len(u) > 4 && u[:4] == "http" {
		u = "ws" + u[4:]
	}
	return u
}
