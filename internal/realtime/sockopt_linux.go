package realtime

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// notSentLowat bounds the bytes a WebSocket's socket keeps unsent: past it
// the writer blocks, so the connection's outbound queue, not the kernel,
// holds what a slow reader has not taken, and a reader that falls behind is
// closed as too slow (4001) while what it still has to read is small. The
// kernel's own send buffer grows to megabytes; behind a proxy that buffers
// too, a slow client read tens of seconds of stale events before learning
// that it had been dropped.
const notSentLowat = 64 << 10

// lowerNotSent sets TCP_NOTSENT_LOWAT on a WebSocket's socket.
func lowerNotSent(nc net.Conn) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return
	}
	raw.Control(func(fd uintptr) {
		unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_NOTSENT_LOWAT, notSentLowat)
	})
}
