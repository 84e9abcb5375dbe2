package drills

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"parley/client"
	"parley/internal/testserver"
)

var (
	parleyBin string
	blobDir   string // the one attachment folder of every node, as a cluster shares a bucket
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "parley-drills-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	parleyBin = filepath.Join(dir, "parley")
	blobDir = filepath.Join(dir, "blobs")
	// The nodes run with the race detector too: multi-node paths are where
	// races would hide.
	build := exec.Command("go", "build", "-race", "-o", parleyBin, "parley/cmd/parley")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build parley:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// node is one `parley serve` process.
type node struct {
	name string
	addr string
	args []string
	cmd  *exec.Cmd
	log  *os.File
}

// startNode starts a node; extra are flags added to the drills' own.
func startNode(t testing.TB, name, dsn, redisURL string, extra ...string) *node {
	t.Helper()
	n := &node{name: name, addr: "127.0.0.1:" + strconv.Itoa(freePort(t))}
	n.args = []string{"serve", "--addr", n.addr, "--db", dsn, "--redis", redisURL, "--log-format", "json",
		"--log-level", "warn", "--messages-per-second", "1000", "--message-burst", "1000",
		"--receipt-window", "100ms", "--shutdown-timeout", "10s", "--presence-lease", "2s", "--blob-url", blobDir}
	n.args = append(n.args, extra...)
	n.start(t)
	return n
}

func (n *node) start(t testing.TB) {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), n.name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	n.log = f
	n.cmd = exec.Command(parleyBin, n.args...)
	n.cmd.Stdout, n.cmd.Stderr = f, f
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Runs after the kill below, so the log is complete; a passing drill
	// prints nothing.
	t.Cleanup(func() {
		if out, err := os.ReadFile(f.Name()); t.Failed() && err == nil && len(out) > 0 {
			t.Logf("log of node %s (%s):\n%s", n.name, n.addr, out)
		}
	})
	t.Cleanup(func() { n.kill() })
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get("http://" + n.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s not ready: %v (its log follows)", n.name, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill is kill -9.
func (n *node) kill() {
	if n.cmd != nil && n.cmd.Process != nil {
		n.cmd.Process.Kill()
		n.cmd.Wait()
		n.cmd = nil
	}
}

// drain sends SIGTERM and waits for the node to exit by itself.
func (n *node) drain(t testing.TB) {
	t.Helper()
	n.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- n.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("node %s exited with %v after SIGTERM", n.name, err)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("node %s did not exit within 30s of SIGTERM", n.name)
		n.cmd.Process.Kill()
	}
	n.cmd = nil
}

// rotator is the drills' load balancer: each dial goes to the next node that
// accepts, so a client whose node died reconnects to another one.
type rotator struct {
	addrs []string
	next  atomic.Int64
}

func (r *rotator) DialContext(ctx context.Context, network, _ string) (net.Conn, error) {
	var last error
	for range len(r.addrs) {
		addr := r.addrs[int(r.next.Add(1))%len(r.addrs)]
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err == nil {
			return c, nil
		}
		last = err
	}
	return nil, last
}

// clusterClient returns a client that reaches the cluster through a rotator
// starting at node `first`, and checks every frame its connections receive.
func clusterClient(t testing.TB, nodes []*node, first int) (*client.Client, *rotator) {
	r := &rotator{}
	for _, n := range nodes {
		r.addrs = append(r.addrs, n.addr)
	}
	r.next.Store(int64(first - 1))
	hc := &http.Client{Transport: &http.Transport{DialContext: r.DialContext}, Timeout: 10 * time.Second}
	return client.New("http://parley.cluster").WithHTTPClient(hc).WithFrameHook(testserver.FrameChecker(t)), r
}

func wsDialer(r *rotator) *websocket.Dialer {
	return &websocket.Dialer{NetDialContext: r.DialContext, HandshakeTimeout: 5 * time.Second}
}
