//go:build !linux

package realtime

import "errors"

// Without epoll each connection keeps a goroutine blocked in its read
// (server.go readBlocking); the poller is never started.
type poller struct{}

func newPoller(func(*Conn)) (*poller, error) { return nil, errors.New("no poller on this system") }
func (p *poller) add(*Conn) error            { return errors.New("no poller") }
func (p *poller) rearm(*Conn) error          { return errors.New("no poller") }
func (p *poller) remove(*Conn)               {}
func (p *poller) close()                     {}

func readNow(*Conn, []byte) (int, error) { return 0, errors.New("no poller") }

const pollSupported = false
