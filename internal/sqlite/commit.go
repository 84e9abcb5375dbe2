package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"parley/internal/chat"
)

// Group commit. Concurrent AppendMessage calls queue here and one goroutine
// stores them in shared transactions: a commit (the WAL write and its
// bookkeeping) costs about as much as the inserts it covers, so sharing it
// across a batch multiplies throughput under load. Each message still gets its
// own seq, and its caller its answer only after the commit that made it
// durable. Alone, a send commits by itself with no added wait.

const maxBatch = 256

type appendReq struct {
	ctx  context.Context
	m    chat.NewMessage
	done chan appendRes // buffered: the committer never blocks on a caller
}

type appendRes struct {
	msg chat.Message
	dup bool
	err error
}

var errClosed = chat.Errorf(chat.Unavailable, "database closed")

func (s *Store) AppendMessage(ctx context.Context, m chat.NewMessage) (chat.Message, bool, error) {
	req := &appendReq{ctx: ctx, m: m, done: make(chan appendRes, 1)}
	select {
	case s.appends <- req:
	case <-s.stopping:
		return chat.Message{}, false, errClosed
	case <-ctx.Done():
		return chat.Message{}, false, translate(ctx.Err(), "message")
	}
	// Once queued, wait for the outcome even if ctx ends: the message may be
	// committed, and the caller's retry with the same client_id will find it.
	r := <-req.done
	return r.msg, r.dup, r.err
}

func (s *Store) commitLoop() {
	defer close(s.committed)
	batch := make([]*appendReq, 0, maxBatch)
	for {
		select {
		case req := <-s.appends:
			batch = append(batch[:0], req)
		case <-s.stopping:
			s.failQueued()
			return
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case req := <-s.appends:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		s.commitBatch(batch)
	}
}

// failQueued answers requests still queued at Close.
func (s *Store) failQueued() {
	for {
		select {
		case req := <-s.appends:
			req.done <- appendRes{err: errClosed}
		default:
			return
		}
	}
}

func (s *Store) commitBatch(batch []*appendReq) {
	live := batch[:0]
	for _, req := range batch {
		if err := req.ctx.Err(); err != nil {
			req.done <- appendRes{err: translate(err, "message")}
			continue
		}
		live = append(live, req)
	}
	if len(live) == 0 {
		return
	}
	// The batch runs under its own deadline: one caller's cancellation must
	// not roll back everyone else's messages.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	results := make([]appendRes, len(live))
	err := s.write(ctx, func(tx *sql.Tx) error {
		for i, req := range live {
			msg, dup, err := s.appendMessage(ctx, tx, req.m)
			if err != nil {
				return errBatch{err}
			}
			results[i] = appendRes{msg: msg, dup: dup}
		}
		return nil
	})
	var be errBatch
	switch {
	case err == nil:
		for i, req := range live {
			req.done <- results[i]
		}
	case errors.As(err, &be) && len(live) > 1:
		// One message failed (its room is gone, say): store the others, and
		// give that one its own error, by committing each alone.
		for _, req := range live {
			s.commitBatch([]*appendReq{req})
		}
	default:
		if errors.As(err, &be) {
			err = be.err
		}
		for _, req := range live {
			req.done <- appendRes{err: err}
		}
	}
}

// errBatch marks a failure of one message inside a batch transaction.
type errBatch struct{ err error }

func (e errBatch) Error() string { return e.err.Error() }
func (e errBatch) Unwrap() error { return e.err }
