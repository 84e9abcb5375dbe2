package client

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"parley/internal/chat"
)

// Message search's types, under the client's name.
type (
	MessageHit     = chat.MessageHit
	MessageResults = chat.MessageResults
	Snippet        = chat.Snippet
	Highlight      = chat.Highlight
)

// MessageSearch is a message search: Text is required, the rest narrows it;
// Cursor is the Next of the page before.
type MessageSearch struct {
	Text          string
	Room          RoomID
	From          UserID
	After, Before time.Time // sent as RFC 3339; zero = unbounded
	HasAttachment bool
	Cursor        string
	Limit         int
}

// SearchMessages finds messages in the caller's rooms, newest first.
func (c *Client) SearchMessages(ctx context.Context, s MessageSearch) (MessageResults, error) {
	v := url.Values{"q": {s.Text}}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("room", string(s.Room))
	set("from", string(s.From))
	set("cursor", s.Cursor)
	if !s.After.IsZero() {
		v.Set("after", s.After.Format(time.RFC3339Nano))
	}
	if !s.Before.IsZero() {
		v.Set("before", s.Before.Format(time.RFC3339Nano))
	}
	if s.HasAttachment {
		v.Set("has", "attachment")
	}
	if s.Limit != 0 {
		v.Set("limit", strconv.Itoa(s.Limit))
	}
	var r MessageResults
	return r, c.Do(ctx, "GET", "/api/v1/search?"+v.Encode(), nil, &r)
}
