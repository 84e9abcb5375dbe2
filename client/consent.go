package client

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"parley/internal/chat"
)

// Consent's types, under the client's name (docs/protocol.md, "Consent").
type (
	Me            = chat.Me
	AddPolicy     = chat.AddPolicy
	Settings      = chat.Settings
	Invite        = chat.Invite
	InviteRef     = chat.InviteRef
	CreatedRoom   = chat.CreatedRoom
	InviteResult  = chat.InviteResult
	Visibility    = chat.Visibility
	DirectoryRoom = chat.DirectoryRoom
	DirectoryPage = chat.DirectoryPage
	Link          = chat.Link
	LinkPreview   = chat.LinkPreview
)

// Account returns the caller's own account: profile, private settings and
// how much of their storage quota their files take.
func (c *Client) Account(ctx context.Context) (Me, error) {
	var m Me
	return m, c.Do(ctx, "GET", "/api/v1/me", nil, &m)
}

// SetWhoMayAdd changes the caller's "who may add me" setting.
func (c *Client) SetWhoMayAdd(ctx context.Context, p AddPolicy) (Me, error) {
	var m Me
	return m, c.Do(ctx, "PATCH", "/api/v1/me", map[string]AddPolicy{"who_may_add": p}, &m)
}

// CreateRoomWith creates a group room of the given visibility; Invited in
// the answer are the named users who were asked rather than added.
func (c *Client) CreateRoomWith(ctx context.Context, name string, vis Visibility, members ...string) (CreatedRoom, error) {
	var r CreatedRoom
	if members == nil {
		members = []string{}
	}
	return r, c.Do(ctx, "POST", "/api/v1/rooms", map[string]any{"name": name, "members": members, "visibility": vis}, &r)
}

// Invites lists the caller's pending invites, newest first.
func (c *Client) Invites(ctx context.Context) ([]Invite, error) {
	var r struct{ Invites []Invite }
	return r.Invites, c.Do(ctx, "GET", "/api/v1/invites", nil, &r)
}

func invitePath(id, action string) string {
	return "/api/v1/invites/" + url.PathEscape(id) + "/" + action
}

// AcceptInvite joins the room of a pending invite and returns it.
func (c *Client) AcceptInvite(ctx context.Context, id string) (RoomSummary, error) {
	var r RoomSummary
	return r, c.Do(ctx, "POST", invitePath(id, "accept"), nil, &r)
}

// DeclineInvite turns a pending invite down; the inviter is not told.
func (c *Client) DeclineInvite(ctx context.Context, id string) error {
	return c.Do(ctx, "POST", invitePath(id, "decline"), nil, nil)
}

// Directory lists public rooms whose name starts with q; cursor is the
// previous page's Next ("" for the first page), limit 0 the server's default.
func (c *Client) Directory(ctx context.Context, q, cursor string, limit int) (DirectoryPage, error) {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if limit != 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	var p DirectoryPage
	return p, c.Do(ctx, "GET", "/api/v1/rooms/directory?"+v.Encode(), nil, &p)
}

// JoinRoom joins a public room.
func (c *Client) JoinRoom(ctx context.Context, id RoomID) (RoomSummary, error) {
	var r RoomSummary
	return r, c.Do(ctx, "POST", roomPath(id, "/join"), nil, &r)
}

// SetVisibility makes a group room public or private (owner and admins).
func (c *Client) SetVisibility(ctx context.Context, id RoomID, v Visibility) (RoomSummary, error) {
	var r RoomSummary
	return r, c.Do(ctx, "PATCH", roomPath(id), map[string]Visibility{"visibility": v}, &r)
}

// CreateLink makes an invite link of a room (owner and admins); expiresIn 0
// never expires, maxUses 0 is unlimited.
func (c *Client) CreateLink(ctx context.Context, room RoomID, expiresIn time.Duration, maxUses int) (Link, error) {
	body := map[string]int{}
	if expiresIn != 0 {
		body["expires_in"] = int(expiresIn / time.Second)
	}
	if maxUses != 0 {
		body["max_uses"] = maxUses
	}
	var l Link
	return l, c.Do(ctx, "POST", roomPath(room, "/links"), body, &l)
}

// Links lists a room's invite links (owner and admins).
func (c *Client) Links(ctx context.Context, room RoomID) ([]Link, error) {
	var r struct{ Links []Link }
	return r.Links, c.Do(ctx, "GET", roomPath(room, "/links"), nil, &r)
}

// RevokeLink deletes an invite link of a room (owner and admins).
func (c *Client) RevokeLink(ctx context.Context, room RoomID, id string) error {
	return c.Do(ctx, "DELETE", roomPath(room, "/links/", url.PathEscape(id)), nil, nil)
}

// PreviewLink shows the room an invite link's code leads to.
func (c *Client) PreviewLink(ctx context.Context, code string) (LinkPreview, error) {
	var p LinkPreview
	return p, c.Do(ctx, "GET", "/api/v1/links/"+url.PathEscape(code), nil, &p)
}

// JoinLink joins the room of an invite link, spending one of its uses.
func (c *Client) JoinLink(ctx context.Context, code string) (RoomSummary, error) {
	var r RoomSummary
	return r, c.Do(ctx, "POST", "/api/v1/links/"+url.PathEscape(code)+"/join", nil, &r)
}
