// Package groupcommit is the queue in front of a store's message appends
// (decisions 0017, 0041): concurrent appends wait here and one goroutine
// hands them to the store in batches, so many messages share a transaction
// and its commit. The store decides how a batch is written; the queue keeps
// the order (a caller's messages get their seqs in the order it queued
// them) and the rule that a caller is answered once, after the commit.
package groupcommit

import (
	"context"

	"parley/internal/chat"
)

// MaxBatch is the most appends one batch holds.
const MaxBatch = 256

// Append is one message waiting for its commit.
type Append struct {
	Ctx  context.Context
	M    chat.NewMessage
	done chan Result // buffered: the committer never blocks on a caller
}

// Result is what an append's caller is told.
type Result struct {
	Msg chat.Message
	Dup bool
	Err error
}

// Answer tells the append's caller its outcome; once per append.
func (a *Append) Answer(r Result) { a.done <- r }

// Queue holds appends for one committer goroutine.
type Queue struct {
	reqs      chan *Append
	stopping  <-chan struct{}
	committed chan struct{}
	closed    error
	ctxErr    func(error) error
}

// Start runs commit on the queue's batches, in queue order, until stopping
// is closed; appends still queued then are answered with closed. ctxErr
// turns a caller's context error into the store's error.
func Start(stopping <-chan struct{}, closed error, ctxErr func(error) error, commit func([]*Append)) *Queue {
	q := &Queue{reqs: make(chan *Append, MaxBatch), stopping: stopping, committed: make(chan struct{}), closed: closed, ctxErr: ctxErr}
	go q.run(commit)
	return q
}

// Done is closed when the committer has finished its last batch.
func (q *Queue) Done() <-chan struct{} { return q.committed }

// Add queues m behind every message queued before it and returns the wait
// for its outcome.
func (q *Queue) Add(ctx context.Context, m chat.NewMessage) func() (chat.Message, bool, error) {
	req := &Append{Ctx: ctx, M: m, done: make(chan Result, 1)}
	select {
	case q.reqs <- req:
	case <-q.stopping:
		return func() (chat.Message, bool, error) { return chat.Message{}, false, q.closed }
	case <-ctx.Done():
		err := q.ctxErr(ctx.Err())
		return func() (chat.Message, bool, error) { return chat.Message{}, false, err }
	}
	// Once queued, wait for the outcome even if ctx ends: the message may be
	// committed, and the caller's retry with the same client_id will find it.
	// A request that slipped into the queue as the committer stopped is
	// never taken: once the committer is done, an answer is there or never
	// comes.
	return func() (chat.Message, bool, error) {
		var r Result
		select {
		case r = <-req.done:
		case <-q.committed:
			select {
			case r = <-req.done:
			default:
				r = Result{Err: q.closed}
			}
		}
		return r.Msg, r.Dup, r.Err
	}
}

// Live answers the appends whose callers have gone with their context's
// error and returns the rest: a batch writes only what someone waits for.
func (q *Queue) Live(batch []*Append) []*Append {
	live := make([]*Append, 0, len(batch))
	for _, req := range batch {
		if err := req.Ctx.Err(); err != nil {
			req.Answer(Result{Err: q.ctxErr(err)})
			continue
		}
		live = append(live, req)
	}
	return live
}

func (q *Queue) run(commit func([]*Append)) {
	defer close(q.committed)
	batch := make([]*Append, 0, MaxBatch)
	for {
		select {
		case req := <-q.reqs:
			batch = append(batch[:0], req)
		case <-q.stopping:
			q.failQueued()
			return
		}
	fill:
		for len(batch) < MaxBatch {
			select {
			case req := <-q.reqs:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		commit(batch)
		clear(batch)
	}
}

// failQueued answers appends still queued at the stop.
func (q *Queue) failQueued() {
	for {
		select {
		case req := <-q.reqs:
			req.Answer(Result{Err: q.closed})
		default:
			return
		}
	}
}
