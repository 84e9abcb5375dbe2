package postgres

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"parley/internal/chat"
	"parley/internal/groupcommit"
)

// Group commit (decision 0041), as in the SQLite store: concurrent appends
// queue in a groupcommit.Queue and its one goroutine stores them here, many rooms' messages in one
// transaction sent as one pipelined batch of appendSQL statements — one round
// trip and one WAL flush for the lot instead of one per message. Seqs are
// assigned exactly as for a message alone: each statement's UPDATE of its
// room row takes the row lock until commit, so concurrent writers on every
// node take turns per room and each reads the last_seq committed before it.
// Within a batch the statements go in room order (stable, so one room's
// messages keep their queue order): every batch, on every node, then locks
// rooms in the same order and two batches cannot deadlock. Callers get their
// answer only after the commit. One committer per store keeps the queue's
// order: a caller's messages get their seqs in the order it queued them.

var errClosed = chat.Errorf(chat.Unavailable, "database closed")

// QueueAppend queues m behind every message queued before it.
func (s *Store) QueueAppend(ctx context.Context, m chat.NewMessage) func() (chat.Message, bool, error) {
	return s.appends.Add(ctx, m)
}

// commitQueued stores a batch in queue order: runs of plain messages share a
// transaction; a message with mentions or attachments, whose rows must
// commit with it, has a transaction of its own, in its turn.
func (s *Store) commitQueued(batch []*groupcommit.Append) {
	for len(batch) > 0 {
		n := slices.IndexFunc(batch, func(r *groupcommit.Append) bool { return len(r.M.Mentions) > 0 || len(r.M.Attachments) > 0 })
		switch n {
		case -1:
			n = len(batch)
		case 0:
			req := batch[0]
			msg, dup, err := s.appendAlone(req.Ctx, req.M)
			req.Answer(groupcommit.Result{Msg: msg, Dup: dup, Err: err})
			batch = batch[1:]
			continue
		}
		s.commitBatch(batch[:n])
		batch = batch[n:]
	}
}

func (s *Store) commitBatch(batch []*groupcommit.Append) {
	live := s.appends.Live(batch)
	if len(live) == 0 {
		return
	}
	if len(live) == 1 {
		req := live[0]
		msg, dup, err := s.appendAlone(req.Ctx, req.M)
		req.Answer(groupcommit.Result{Msg: msg, Dup: dup, Err: err})
		return
	}
	slices.SortStableFunc(live, func(a, b *groupcommit.Append) int { return cmp.Compare(a.M.RoomID, b.M.RoomID) })
	// The batch runs under its own deadline: one caller's cancellation must
	// not roll back everyone else's messages.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	results, err := s.appendBatch(ctx, live)
	if err != nil {
		// A statement failed (a concurrent resend of the same client_id on
		// another node, say) and took the transaction with it: store each
		// message alone, so each gets its own answer.
		for _, req := range live {
			msg, dup, err := s.appendAlone(req.Ctx, req.M)
			req.Answer(groupcommit.Result{Msg: msg, Dup: dup, Err: err})
		}
		return
	}
	for i, req := range live {
		r := results[i]
		if chat.ErrorCode(r.Err) == chat.NotFound {
			r.Err = refusal(ctx, s.pool, req.M, r.Err)
		}
		if r.Dup && r.Err == nil {
			// A resend: its mentions and attachments, read after the commit.
			if r.Msg.Mentions, r.Err = mentionsOf(ctx, s.pool, r.Msg.RoomID, r.Msg.Seq); r.Err == nil {
				r.Msg, r.Err = withAttachments(ctx, s.pool, r.Msg)
			}
		}
		req.Answer(r)
	}
}

// appendBatch runs appendSQL for each request in one transaction. A room
// that does not exist is that request's NotFound; any other failure is the
// batch's error, and nothing of it is committed.
func (s *Store) appendBatch(ctx context.Context, live []*groupcommit.Append) ([]groupcommit.Result, error) {
	b := &pgx.Batch{}
	results := make([]groupcommit.Result, len(live))
	for i, req := range live {
		args, err := appendArgs(&req.M)
		if err != nil {
			return nil, err
		}
		b.Queue(appendSQL, args...).QueryRow(func(row pgx.Row) error {
			msg, dup, err := scanAppend(row, &req.M)
			if err != nil && chat.ErrorCode(err) != chat.NotFound {
				return err
			}
			results[i] = groupcommit.Result{Msg: msg, Dup: dup, Err: err}
			return nil
		})
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		if errors.Is(err, errRaced) {
			return nil, err
		}
		return nil, translate(err, "message")
	}
	return results, nil
}
