package realtime

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"time"

	"parley/internal/chat"
)

// Long-poll is the fallback transport for clients that cannot hold a
// WebSocket (docs/protocol.md, "Long-poll"). A poll session is a connection
// without a socket: the hub fills its bounded queue exactly as it fills a
// WebSocket's, and HTTP polls take what is queued. Every batch a poll returns
// gets a cursor; the next poll names the last cursor the client processed, so
// a response lost on the way is sent again and nothing is missed between
// polls. A session nobody polls for PollIdle ends like a silent WebSocket.
type pollSession struct {
	id      string
	session string // the login that opened it; only that login may poll it
	c       *Conn

	mu       sync.Mutex
	next     int64      // cursor of the next batch
	unacked  []pollItem // returned by a poll, not yet confirmed by the next one
	wake     chan struct{}
	lastPoll time.Time
	polling  bool // a poll is waiting; a second one for the same session is refused
}

type pollItem struct {
	cursor int64
	out    outFrame
}

// PollBatch is one poll's answer.
type PollBatch struct {
	Session string `json:"session"`
	// Cursor is the cursor of the last batch in Events; send it with the next
	// poll. It is the same as the request's when Events is empty.
	Cursor int64             `json:"cursor"`
	Events []json.RawMessage `json:"events"`
	// Closed is set when the session has ended, with the close code a
	// WebSocket would have received (4000–4499: open a new session and
	// resume); the end of the login is a 401 instead.
	Closed *PollClosed `json:"closed,omitempty"`
}

type PollClosed struct {
	Code   int    `json:"code"`
	Reason string `json:"reason"`
}

// Bounds of a poll's wait.
const (
	DefaultPollWait = 25 * time.Second
	MaxPollWait     = 55 * time.Second
)

// OpenPoll starts the poll session id; its first batch holds the ready
// event. The client picks the id, so that a load balancer can route the
// session's every request, this first one included, to the same node by
// hashing the path.
func (s *Server) OpenPoll(ctx context.Context, sess chat.Session, user chat.User, id string) (PollBatch, error) {
	if s.closing.Load() {
		return PollBatch{}, chat.Errorf(chat.Unavailable, "server is shutting down")
	}
	if !validPollID(id) {
		return PollBatch{}, chat.Errorf(chat.Invalid, "a session id is 16 to 64 of A-Z a-z 0-9 _ -")
	}
	ps := &pollSession{id: id, session: sess.ID, wake: make(chan struct{}, 1), lastPoll: time.Now()}
	c := newConn(nil, user.ID, ps.session, s.cfg)
	c.tokenHash = sess.TokenHash
	c.poll = ps
	ps.c = c
	c.onEnd = func(c *Conn) {
		s.polls.Delete(ps.id)
		s.ended(c)
	}
	if _, taken := s.polls.LoadOrStore(ps.id, ps); taken {
		return PollBatch{}, chat.Errorf(chat.Conflict, "that session id is taken: pick another")
	}
	if err := s.admit(user.ID); err != nil {
		s.polls.Delete(ps.id)
		return PollBatch{}, err
	}
	snap, err := s.attach(ctx, c, user)
	if err != nil {
		c.closeSocket() // detaches it and forgets the session
		return PollBatch{}, err
	}
	s.setup(c, user, snap)
	return s.Poll(ctx, sess, ps.id, 0, 0)
}

// Poll returns what the session queued after cursor, waiting up to wait for
// something to arrive.
func (s *Server) Poll(ctx context.Context, sess chat.Session, id string, cursor int64, wait time.Duration) (PollBatch, error) {
	v, ok := s.polls.Load(id)
	if !ok || v.(*pollSession).session != sess.ID {
		return PollBatch{}, chat.Errorf(chat.NotFound, "no such poll session: open a new one and resume")
	}
	ps := v.(*pollSession)
	ps.mu.Lock()
	if ps.polling {
		ps.mu.Unlock()
		return PollBatch{}, chat.Errorf(chat.Conflict, "this session is being polled already")
	}
	ps.polling, ps.lastPoll = true, time.Now()
	ps.c.lastFrame.Store(time.Now().UnixNano())
	// Confirmed batches are done with; unconfirmed ones are sent again.
	i := 0
	for i < len(ps.unacked) && ps.unacked[i].cursor <= cursor {
		ps.c.unacked.Add(-int64(len(ps.unacked[i].out.b)))
		i++
	}
	ps.unacked = append(ps.unacked[:0], ps.unacked[i:]...)
	ps.mu.Unlock()
	defer func() {
		ps.mu.Lock()
		ps.polling, ps.lastPoll = false, time.Now()
		ps.mu.Unlock()
	}()

	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		ps.mu.Lock()
		if code, msg, ended := ps.c.closedWith(); ended && code == CloseTooSlow {
			// Queued and unconfirmed events passed the bound: the session
			// is over, whatever it still holds (the client resumes by seq).
			ps.mu.Unlock()
			ps.c.closeSocket()
			return PollBatch{Session: id, Cursor: cursor, Events: []json.RawMessage{}, Closed: &PollClosed{code, msg}}, nil
		}
		if len(ps.unacked) == 0 {
			ps.take()
		}
		if len(ps.unacked) > 0 {
			out := ps.batch(cursor)
			ps.mu.Unlock()
			return out, nil
		}
		ps.mu.Unlock()
		if code, msg, ended := ps.c.closedWith(); ended {
			ps.c.closeSocket()
			if code == CloseSessionEnded {
				// The login is gone: the poll answers as every request with
				// its token now does, so a REST client needs one rule for it.
				return PollBatch{}, chat.Errorf(chat.Unauthorized, "session ended: log in again")
			}
			return PollBatch{Session: id, Cursor: cursor, Events: []json.RawMessage{}, Closed: &PollClosed{code, msg}}, nil
		}
		select {
		case <-ps.wake:
		case <-timer.C:
			return PollBatch{Session: id, Cursor: cursor, Events: []json.RawMessage{}}, nil
		case <-ctx.Done(): // the client went away; what is queued waits for its next poll
			return PollBatch{Session: id, Cursor: cursor, Events: []json.RawMessage{}}, nil
		}
	}
}

// take moves the connection's queue into unacked, one cursor per queued
// payload. Called with ps.mu held.
func (ps *pollSession) take() {
	c := ps.c
	c.mu.Lock()
	q := c.queue
	c.queue, c.queued = nil, 0
	c.mu.Unlock()
	for _, f := range q {
		if f.control {
			continue
		}
		ps.next++
		ps.unacked = append(ps.unacked, pollItem{cursor: ps.next, out: f})
		c.unacked.Add(int64(len(f.b)))
		c.cfg.Metrics.Wrote(f.events)
	}
}

// batch renders unacked as a poll answer. Called with ps.mu held.
func (ps *pollSession) batch(cursor int64) PollBatch {
	out := PollBatch{Session: ps.id, Cursor: cursor, Events: []json.RawMessage{}}
	for _, it := range ps.unacked {
		// A batched payload holds events joined by newlines.
		for line := range bytes.SplitSeq(it.out.b, []byte{'\n'}) {
			if len(line) > 0 {
				out.Events = append(out.Events, json.RawMessage(line))
			}
		}
		out.Cursor = it.cursor
	}
	return out
}

// ClosePoll ends a session at the client's request.
func (s *Server) ClosePoll(sess chat.Session, id string) error {
	v, ok := s.polls.Load(id)
	if !ok || v.(*pollSession).session != sess.ID {
		return chat.Errorf(chat.NotFound, "no such poll session")
	}
	v.(*pollSession).c.closeSocket()
	return nil
}

func validPollID(id string) bool {
	if len(id) < 16 || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// signal wakes a waiting poll; called with c.mu held when something is queued.
func (ps *pollSession) signal() {
	select {
	case ps.wake <- struct{}{}:
	default:
	}
}

// reapPolls ends the sessions nobody polled for idle.
func (s *Server) reapPolls(idle time.Duration) {
	cutoff := time.Now().Add(-idle)
	s.polls.Range(func(_, v any) bool {
		ps := v.(*pollSession)
		ps.mu.Lock()
		stale := !ps.polling && ps.lastPoll.Before(cutoff)
		ps.mu.Unlock()
		if stale {
			ps.c.closeSocket()
		}
		return true
	})
}
