package drills

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"parley/client"
)

// TestClusterScriptBehindNginx runs deploy/cluster.sh — what `make cluster`
// runs — against a private PostgreSQL and Redis: three nodes behind nginx,
// two users on the balancer chatting live, then a clean stop.
func TestClusterScriptBehindNginx(t *testing.T) {
	cl := startCluster(t, 3, startPostgres(t), startRedis(t))
	port, runDir := cl.port, cl.run
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// ben is no friend of ann's: he joins with her invite link (consent).
	users, room := pair(t, cl.base)
	// Several connections each, spread by nginx's round robin over the nodes.
	var conns []*client.Conn
	for range 3 {
		for _, u := range users {
			c, err := u.Connect(ctx, client.ConnectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			conns = append(conns, c)
		}
	}
	if _, err := conns[0].Send(ctx, room, "hello-lb", "through nginx"); err != nil {
		t.Fatal(err)
	}
	for i, c := range conns {
		timeout := time.After(time.Minute)
	wait:
		for {
			select {
			case ev := <-c.Events():
				if ev.Type == "message" && ev.Message.Text == "through nginx" {
					break wait
				}
			case <-timeout:
				t.Fatalf("connection %d never got the message", i)
			}
		}
	}
	clientAddressesThroughNginx(t, "http://127.0.0.1:"+strconv.Itoa(port))
	noSecretsInNginxLog(t, "ws://127.0.0.1:"+strconv.Itoa(port), users[0].Token(), filepath.Join(runDir, "nginx-access.log"))
}

// cluster is deploy/cluster.sh's cluster: nodes behind nginx on loopback.
type cluster struct {
	port  int      // nginx's
	base  string   // http://127.0.0.1:port
	nodes []string // each node's address, past nginx
	run   string   // logs, pid files, the nginx config
}

// startCluster runs deploy/cluster.sh start with n nodes on the private pg
// and rd, the PARLEY_* variables of env reaching every node, and stops it
// when the test ends.
func startCluster(t *testing.T, n int, pg *postgres, rd interface{ URL() string }, env ...string) *cluster {
	t.Helper()
	_, err := exec.LookPath("nginx")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/nginx"); serr == nil {
			err = nil
		}
	}
	need(t, "nginx", err)
	_, err = exec.LookPath("psql")
	need(t, "psql", err)
	_, here, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(here), "..", "..", "deploy", "cluster.sh")
	cl := &cluster{port: freePort(t), run: t.TempDir()}
	cl.base = "http://127.0.0.1:" + strconv.Itoa(cl.port)
	first := freePort(t) + 100
	for i := range n {
		cl.nodes = append(cl.nodes, "127.0.0.1:"+strconv.Itoa(first+i))
	}
	full := append(os.Environ(),
		"PARLEY_CLUSTER_NODES="+strconv.Itoa(n),
		"PARLEY_CLUSTER_PORT="+strconv.Itoa(cl.port),
		"PARLEY_CLUSTER_BASE="+strconv.Itoa(first),
		"PARLEY_CLUSTER_RUN="+cl.run,
		fmt.Sprintf("PARLEY_DB=postgres://postgres@127.0.0.1:%d/parley_cluster?sslmode=disable", pg.port),
		"PARLEY_REDIS="+rd.URL(),
	)
	full = append(full, env...)
	run := func(arg string) {
		cmd := exec.Command("bash", script, arg)
		cmd.Env = full
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("cluster.sh %s: %v\n%s", arg, err, out)
		}
	}
	run("start")
	t.Cleanup(func() { run("stop") })
	return cl
}
