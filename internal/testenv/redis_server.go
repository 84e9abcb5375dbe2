package testenv

import (
	"net"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// RedisServer is a private redis-server, started from the machine's binary,
// that a test may kill, restart, freeze and thaw without touching the shared
// one. It keeps nothing on disk.
type RedisServer struct {
	Port  int
	cmd   *exec.Cmd
	dir   string
	extra []string // more redis-server options
}

// StartRedis starts a private redis-server on a free port, stopped when the
// test ends. A missing redis-server skips locally and fails with CI=true.
func StartRedis(tb testing.TB) *RedisServer {
	tb.Helper()
	_, err := exec.LookPath("redis-server")
	Require(tb, "redis-server", err)
	r := &RedisServer{Port: FreePort(tb), dir: tb.TempDir()}
	r.Start(tb)
	tb.Cleanup(r.Kill)
	return r
}

func (r *RedisServer) URL() string { return "redis://" + r.Addr() + "/0" }

// Addr is the server's host:port.
func (r *RedisServer) Addr() string { return "127.0.0.1:" + strconv.Itoa(r.Port) }

// Start (re)starts the server on its port.
func (r *RedisServer) Start(tb testing.TB) {
	tb.Helper()
	r.cmd = exec.Command("redis-server", append([]string{"--port", strconv.Itoa(r.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.dir}, r.extra...)...)
	if err := r.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	if err := WaitTCP("127.0.0.1:"+strconv.Itoa(r.Port), 10*time.Second); err != nil {
		tb.Fatalf("redis did not start: %v", err)
	}
}

// Kill stops the server at once, as a crash would.
func (r *RedisServer) Kill() {
	if r.cmd != nil && r.cmd.Process != nil {
		r.Thaw()
		r.cmd.Process.Kill()
		r.cmd.Wait()
		r.cmd = nil
	}
}

// Freeze stops the process (SIGSTOP): connections stay open and nothing
// answers, as with a server stuck on a slow disk or a paused VM.
func (r *RedisServer) Freeze() { r.signal(syscall.SIGSTOP) }

// Thaw resumes a frozen server.
func (r *RedisServer) Thaw() { r.signal(syscall.SIGCONT) }

func (r *RedisServer) signal(s syscall.Signal) {
	if r.cmd != nil && r.cmd.Process != nil {
		r.cmd.Process.Signal(s)
	}
}

// FreePort returns a TCP port free on 127.0.0.1 at the time of the call.
func FreePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// WaitTCP waits until addr accepts connections, for up to d.
func WaitTCP(addr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(30 * time.Millisecond)
	}
}
