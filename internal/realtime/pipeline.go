package realtime

import (
	"context"
	"sync"
	"time"

	"parley/internal/chat"
)

// The work of a connection's frames (decision 0041). The reader parses and
// decodes frames and hands them here, so it is free at once for the next
// frame, a ping or a close. Two goroutines, each alive only while it has
// something to do, take the frames in order: the starter begins each one's
// work — a send is checked and queued for the store's group commit without
// waiting for the commit — and the answerer waits for each in turn and
// queues its reply. So a client that sends without waiting for acks has its
// sends committed together, in the order sent, and gets its acks in that
// order. At most MaxInFlight frames are read and not yet answered; at the
// bound the reader waits, and the socket is not read (backpressure) until
// answers go out.

type pipeline struct {
	mu        sync.Mutex
	frames    []inFrame     // read, not started
	answers   []answer      // started, not answered, in frame order
	inFlight  int           // frames read and not answered
	starting  bool          // the starter goroutine runs
	answering bool          // the answerer goroutine runs
	changed   chan struct{} // closed when inFlight falls, if someone waits for it
}

// inFrame is a decoded frame, or the error decoding it, to answer in turn.
type inFrame struct {
	f   ClientFrame
	err error
}

type answer struct {
	f      ClientFrame
	reply  any
	err    error
	wait   func() (chat.Message, error) // a queued send's outcome
	cancel context.CancelFunc
}

// frameTimeout bounds the work of one frame, the wait for its commit included.
const frameTimeout = 10 * time.Second

// submit hands a frame to c's pipeline, first waiting, if MaxInFlight frames
// are in flight, until one is answered.
func (s *Server) submit(c *Conn, in inFrame) {
	p := &c.work
	p.waitBelow(s.cfg.MaxInFlight)
	p.mu.Lock()
	p.frames = append(p.frames, in)
	p.inFlight++
	if !p.starting {
		p.starting = true
		go s.startFrames(c)
	}
	p.mu.Unlock()
}

// waitBelow returns once fewer than n frames are in flight.
func (p *pipeline) waitBelow(n int) {
	p.mu.Lock()
	for p.inFlight >= n {
		if p.changed == nil {
			p.changed = make(chan struct{})
		}
		ch := p.changed
		p.mu.Unlock()
		<-ch
		p.mu.Lock()
	}
	p.mu.Unlock()
}

// idle reports whether every frame read has been answered.
func (p *pipeline) idle() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inFlight == 0
}

func (s *Server) startFrames(c *Conn) {
	p := &c.work
	for {
		p.mu.Lock()
		frames := p.frames
		p.frames = nil
		if len(frames) == 0 {
			p.starting = false
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		for _, in := range frames {
			a := s.start(c, in)
			p.mu.Lock()
			p.answers = append(p.answers, a)
			if !p.answering {
				p.answering = true
				go s.answerFrames(c)
			}
			p.mu.Unlock()
		}
	}
}

// start does a frame's work, except a send's wait for its commit.
func (s *Server) start(c *Conn, in inFrame) answer {
	a := answer{f: in.f, err: in.err}
	if a.err != nil {
		return a
	}
	ctx, cancel := context.WithTimeout(context.Background(), frameTimeout)
	if in.f.Type == "send" {
		var r chat.SendRequest
		if a.err = DecodeData(in.f, &r); a.err != nil {
			cancel()
			return a
		}
		a.wait, a.cancel = s.svc.QueueSend(ctx, c.user, r), cancel
		return a
	}
	a.reply, a.err = s.dispatch(ctx, c, in.f)
	cancel()
	return a
}

func (s *Server) answerFrames(c *Conn) {
	p := &c.work
	for {
		p.mu.Lock()
		if len(p.answers) == 0 {
			p.answers = nil
			p.answering = false
			p.mu.Unlock()
			return
		}
		a := p.answers[0]
		p.answers[0] = answer{}
		p.answers = p.answers[1:]
		p.mu.Unlock()
		if a.wait != nil {
			a.reply, a.err = a.wait()
			a.cancel()
		}
		s.reply(c, a.f, a.reply, a.err)
		p.mu.Lock()
		p.inFlight--
		if p.changed != nil {
			close(p.changed)
			p.changed = nil
		}
		p.mu.Unlock()
	}
}
