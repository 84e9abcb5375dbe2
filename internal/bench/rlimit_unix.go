//go:build unix

package bench

import (
	"fmt"
	"io"
	"syscall"
)

// raiseFileLimit lifts the soft limit on open files to the hard limit: each
// connection is a file descriptor, and soft limits of 1024 are common. (Go
// already does this at start on most systems; doing it here as well makes
// the bench not depend on that, and lets it say what limit it runs under.)
func raiseFileLimit(status io.Writer) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil && status != nil {
			fmt.Fprintf(status, "could not raise the open-file limit: %v\n", err)
		}
	}
	if status != nil {
		fmt.Fprintf(status, "open-file limit %d\n", l.Cur)
	}
}
