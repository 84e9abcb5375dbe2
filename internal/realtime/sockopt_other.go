//go:build !linux

package realtime

import "net"

// lowerNotSent is a no-op where TCP_NOTSENT_LOWAT is not set by this code.
func lowerNotSent(net.Conn) {}
