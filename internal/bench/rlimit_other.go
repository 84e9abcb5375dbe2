//go:build !unix

package bench

import "io"

// raiseFileLimit has nothing to raise outside Unix.
func raiseFileLimit(io.Writer) {}
