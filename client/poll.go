package client

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"time"
)

// Long-poll: with ConnectOptions.LongPoll the Conn takes its events from a
// poll session (docs/protocol.md, "Long-poll") instead of a WebSocket, with
// the same guarantees: events in order, each message once, resumed from the
// store after a lost session or a server restart. Requests (Send, MarkRead,
// Request) need the WebSocket; over long-poll use the Client's REST methods.

// PollBatch is one answer of the poll endpoints.
type PollBatch struct {
	Session string            `json:"session"`
	Cursor  int64             `json:"cursor"`
	Events  []json.RawMessage `json:"events"`
	Closed  *struct {
		Code   int    `json:"code"`
		Reason string `json:"reason"`
	} `json:"closed"`
}

// OpenPoll opens a long-poll session with a new random id; the first batch
// starts with ready.
func (c *Client) OpenPoll(ctx context.Context) (PollBatch, error) {
	return c.OpenPollID(ctx, randomID()+randomID())
}

// OpenPollID opens the long-poll session id (16–64 of A-Z a-z 0-9 _ -).
func (c *Client) OpenPollID(ctx context.Context, id string) (PollBatch, error) {
	var b PollBatch
	err := c.Do(ctx, "POST", "/api/v1/poll/"+url.PathEscape(id), nil, &b)
	return b, err
}

// Poll waits up to wait for the events after cursor.
func (c *Client) Poll(ctx context.Context, session string, cursor int64, wait time.Duration) (PollBatch, error) {
	var b PollBatch
	q := url.Values{"cursor": {strconv.FormatInt(cursor, 10)}, "wait": {strconv.Itoa(int(wait / time.Second))}}
	err := c.Do(ctx, "GET", "/api/v1/poll/"+url.PathEscape(session)+"?"+q.Encode(), nil, &b)
	return b, err
}

// ClosePoll ends a long-poll session.
func (c *Client) ClosePoll(ctx context.Context, session string) error {
	return c.Do(ctx, "DELETE", "/api/v1/poll/"+url.PathEscape(session), nil, nil)
}

var errPollSessionLost = errors.New("parley: poll session lost")

// closedError is a session's end, with the code a WebSocket would have got.
type closedError struct {
	code   int
	reason string
}

func (e *closedError) Error() string {
	return "parley: session closed " + strconv.Itoa(e.code) + " " + e.reason
}

// pollSession handles batch b, then polls its session until it ends.
func (cn *Conn) pollSession(b PollBatch) error {
	ctx, cancel := context.WithCancel(cn.ctx)
	cn.mu.Lock()
	cn.dropPoll = cancel
	cn.mu.Unlock()
	defer cancel()
	for {
		for _, ev := range b.Events {
			if err := cn.handle(nil, ev); err != nil {
				return err
			}
		}
		if b.Closed != nil {
			return &closedError{b.Closed.Code, b.Closed.Reason}
		}
		next, err := cn.c.Poll(ctx, b.Session, b.Cursor, cn.opts.PollWait)
		if err != nil {
			if ctx.Err() != nil && cn.ctx.Err() == nil {
				return errPollSessionLost // Drop
			}
			return err
		}
		b = next
	}
}

// runPoll is run for long-poll: sessions, one after another, until Close or
// a close code that forbids reconnecting.
func (cn *Conn) runPoll(first PollBatch) {
	defer close(cn.done)
	defer cn.closeQueue()
	b := first
	for {
		err := cn.pollSession(b)
		if cn.ctx.Err() != nil {
			cn.finish(nil)
			return
		}
		var ce *closedError
		if errors.As(err, &ce) && ce.code >= 4500 && ce.code <= 4999 {
			cn.finish(&Error{Code: "closed", Message: strconv.Itoa(ce.code) + " " + ce.reason})
			return
		}
		if ErrorCode(err) == "unauthorized" { // the login ended: no new session would open
			cn.finish(err)
			return
		}
		if !cn.reconnect(func(ctx context.Context) (err error) { b, err = cn.c.OpenPoll(ctx); return err }) {
			return
		}
	}
}
