// Command parley is the Parley chat server: `parley serve` runs a node,
// `parley migrate` applies the database migrations and `parley bench` is the
// load generator that measures a running server.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/gin-gonic/gin"
)

// Gin's mode is process-wide; set once here, before anything can run
// concurrently, rather than by every server a test starts. Debug mode would
// print the route table at start.
func init() { gin.SetMode(gin.ReleaseMode) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "parley:", err)
		os.Exit(1)
	}
}
