package client

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"

	"parley/internal/chat"
)

type (
	// Reaction is a reaction change: the answer to React and Unreact, and
	// the payload of reaction events.
	Reaction = chat.ReactionData
	// ReactionCount is one emoji on a message in a history page.
	ReactionCount = chat.ReactionCount
	// Reactors is one emoji on a message and who added it.
	Reactors = chat.Reactors
)

func reactionPath(id RoomID, seq int64, emoji string) string {
	return roomPath(id, "/messages/", strconv.FormatInt(seq, 10), "/reactions/", url.PathEscape(emoji))
}

// Reactors lists who added each emoji on message seq, earliest first (at
// most chat.MaxReactorsListed people per emoji; Count has them all).
func (c *Client) Reactors(ctx context.Context, id RoomID, seq int64) ([]Reactors, error) {
	var r struct {
		Reactions []Reactors `json:"reactions"`
	}
	err := c.Do(ctx, "GET", roomPath(id, "/messages/", strconv.FormatInt(seq, 10), "/reactions"), nil, &r)
	return r.Reactions, err
}

// React adds the caller's emoji to message seq. Adding it twice is one reaction.
func (c *Client) React(ctx context.Context, id RoomID, seq int64, emoji string) (Reaction, error) {
	var r Reaction
	return r, c.Do(ctx, "PUT", reactionPath(id, seq, emoji), nil, &r)
}

// Unreact removes the caller's emoji from message seq, if it is there.
func (c *Client) Unreact(ctx context.Context, id RoomID, seq int64, emoji string) (Reaction, error) {
	var r Reaction
	return r, c.Do(ctx, "DELETE", reactionPath(id, seq, emoji), nil, &r)
}

// React adds (on) or removes the caller's emoji on message seq over the
// live connection. Safe to resend: the change is absolute.
func (cn *Conn) React(ctx context.Context, room RoomID, seq int64, emoji string, on bool) (Reaction, error) {
	var r Reaction
	data, err := cn.Request(ctx, "react", chat.ReactRequest{RoomID: room, Seq: seq, Emoji: emoji, On: on})
	if err == nil {
		err = json.Unmarshal(data, &r)
	}
	return r, err
}
