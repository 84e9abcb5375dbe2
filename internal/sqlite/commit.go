package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"parley/internal/chat"
	"parley/internal/groupcommit"
)

// Group commit. Concurrent AppendMessage calls queue in a groupcommit.Queue,
// whose one goroutine hands them to commitBatch to store in shared
// transactions: a commit (the WAL write and its
// bookkeeping) costs about as much as the inserts it covers, so sharing it
// across a batch multiplies throughput under load. Each message still gets its
// own seq, and its caller its answer only after the commit that made it
// durable. Alone, a send commits by itself with no added wait.

var errClosed = chat.Errorf(chat.Unavailable, "database closed")

func (s *Store) AppendMessage(ctx context.Context, m chat.NewMessage) (chat.Message, bool, error) {
	return s.QueueAppend(ctx, m)()
}

// QueueAppend queues m behind every message queued before it; the committer
// takes the queue in order, so one caller's messages get their seqs in the
// order it queued them.
func (s *Store) QueueAppend(ctx context.Context, m chat.NewMessage) func() (chat.Message, bool, error) {
	return s.appends.Add(ctx, m)
}

func (s *Store) commitBatch(batch []*groupcommit.Append) {
	live := s.appends.Live(batch)
	if len(live) == 0 {
		return
	}
	// The batch runs under its own deadline: one caller's cancellation must
	// not roll back everyone else's messages.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	results := make([]groupcommit.Result, len(live))
	err := s.write(ctx, func(tx *sql.Tx) error {
		stored := make([]chat.Message, 0, len(live))
		for i, req := range live {
			msg, dup, err := s.appendMessage(ctx, tx, req.M)
			var refused errRefused
			if errors.As(err, &refused) {
				results[i] = groupcommit.Result{Err: refused.err}
				continue
			}
			if err != nil {
				return errBatch{err}
			}
			results[i] = groupcommit.Result{Msg: msg, Dup: dup}
			if !dup {
				stored = append(stored, msg)
			}
		}
		return s.indexTexts(ctx, tx, stored...)
	})
	var be errBatch
	switch {
	case err == nil:
		for i, req := range live {
			req.Answer(results[i])
		}
	case errors.As(err, &be) && len(live) > 1:
		// One message failed (its room is gone, say): store the others, and
		// give that one its own error, by committing each alone.
		for _, req := range live {
			s.commitBatch([]*groupcommit.Append{req})
		}
	default:
		if errors.As(err, &be) {
			err = be.err
		}
		for _, req := range live {
			req.Answer(groupcommit.Result{Err: err})
		}
	}
}

// errRefused is a message appendMessage refused before writing anything of
// it (its sender is no member): the transaction goes on without it.
type errRefused struct{ err error }

func (e errRefused) Error() string { return e.err.Error() }
func (e errRefused) Unwrap() error { return e.err }

// errBatch marks a failure of one message inside a batch transaction.
type errBatch struct{ err error }

func (e errBatch) Error() string { return e.err.Error() }
func (e errBatch) Unwrap() error { return e.err }
