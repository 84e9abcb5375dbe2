package client

import (
	"context"
	"strconv"

	"parley/internal/chat"
)

type (
	// Pin is a pinned message as pin lists show it (the text cut to a preview).
	Pin = chat.Pin
	// PinChange is the payload of pin events: a pin added (On, with Pin) or removed.
	PinChange = chat.PinData
)

// Pin pins message seq of room (the owner and admins of a group, either
// person of a 1:1). Pinning a pinned message returns its pin unchanged.
func (c *Client) Pin(ctx context.Context, room RoomID, seq int64) (Pin, error) {
	var p Pin
	return p, c.Do(ctx, "POST", roomPath(room, "/pins"), chat.PinRequest{Seq: seq}, &p)
}

// Unpin removes the pin of message seq, if it is pinned.
func (c *Client) Unpin(ctx context.Context, room RoomID, seq int64) error {
	return c.Do(ctx, "DELETE", roomPath(room, "/pins/", strconv.FormatInt(seq, 10)), nil, nil)
}

// Pins returns the room's pins, the newest pin first.
func (c *Client) Pins(ctx context.Context, room RoomID) ([]Pin, error) {
	var r struct {
		Pins []Pin `json:"pins"`
	}
	return r.Pins, c.Do(ctx, "GET", roomPath(room, "/pins"), nil, &r)
}
