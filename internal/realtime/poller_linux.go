package realtime

import (
	"errors"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// poller tells which idle connections have something to read, so that an
// idle connection needs no goroutine parked in a read (a goroutine's stack
// and scheduler state are most of what an idle connection would cost: 14 KiB
// per connection with a blocked reader, measured in docs/BENCHMARKS.md).
//
// One epoll instance watches every connection's descriptor, one-shot: an
// event disarms it until the reader that the event started has drained the
// socket and re-arms it, so each connection has at most one reader and its
// frames are handled in order. Go's own netpoller keeps its registration of
// the same descriptor; epoll allows both.
type poller struct {
	epfd   int
	wake   func(*Conn)
	closed atomic.Bool
	done   chan struct{}

	mu    sync.Mutex
	conns map[int32]*Conn
}

const pollEvents = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT

func newPoller(wake func(*Conn)) (*poller, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	p := &poller{epfd: fd, wake: wake, done: make(chan struct{}), conns: make(map[int32]*Conn)}
	go p.loop()
	return p, nil
}

// add starts watching c. Its descriptor is read once here, while the socket
// is certainly open.
func (p *poller) add(c *Conn) error {
	fd := -1
	if err := c.raw.Control(func(d uintptr) { fd = int(d) }); err != nil {
		return err
	}
	c.pollMu.Lock()
	defer c.pollMu.Unlock()
	if c.sockClosed {
		return errors.New("connection closed")
	}
	p.mu.Lock()
	p.conns[int32(fd)] = c
	p.mu.Unlock()
	ev := unix.EpollEvent{Events: pollEvents, Fd: int32(fd)}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		p.mu.Lock()
		delete(p.conns, int32(fd))
		p.mu.Unlock()
		return err
	}
	c.fd, c.registered = fd, true
	return nil
}

// rearm watches c again after its reader drained the socket. If data came
// in meanwhile, epoll reports it at once.
func (p *poller) rearm(c *Conn) error {
	c.pollMu.Lock()
	defer c.pollMu.Unlock()
	if c.sockClosed || !c.registered {
		return errors.New("connection closed")
	}
	ev := unix.EpollEvent{Events: pollEvents, Fd: int32(c.fd)}
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, c.fd, &ev)
}

// remove stops watching c; called with c.pollMu held, before the socket closes.
func (p *poller) remove(c *Conn) {
	unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
	p.mu.Lock()
	if p.conns[int32(c.fd)] == c {
		delete(p.conns, int32(c.fd))
	}
	p.mu.Unlock()
}

func (p *poller) loop() {
	defer close(p.done)
	events := make([]unix.EpollEvent, 256)
	for !p.closed.Load() {
		// The timeout lets close end the loop; idle waits cost nothing else.
		n, err := unix.EpollWait(p.epfd, events, 200)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return
		}
		for _, ev := range events[:n] {
			p.mu.Lock()
			c := p.conns[ev.Fd]
			p.mu.Unlock()
			if c != nil {
				p.wake(c)
			}
		}
	}
}

func (p *poller) close() {
	if p.closed.Swap(true) {
		return
	}
	<-p.done
	unix.Close(p.epfd)
}

// readNow reads what the socket holds without ever waiting: n = 0 with a nil
// error means nothing was there (a spurious or already handled event).
func readNow(c *Conn, buf []byte) (n int, err error) {
	rerr := c.raw.Read(func(fd uintptr) bool {
		for {
			n, err = unix.Read(int(fd), buf)
			if err != unix.EINTR {
				return true
			}
		}
	})
	switch {
	case rerr != nil:
		return 0, rerr
	case err == unix.EAGAIN:
		return 0, nil
	case err != nil:
		return 0, err
	case n == 0:
		return 0, errPeerGone
	}
	return n, nil
}

const pollSupported = true
