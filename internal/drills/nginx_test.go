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
	"parley/internal/testserver"
)

// TestClusterScriptBehindNginx runs deploy/cluster.sh — what `make cluster`
// runs — against a private PostgreSQL and Redis: three nodes behind nginx,
// two users on the balancer chatting live, then a clean stop.
func TestClusterScriptBehindNginx(t *testing.T) {
	_, err := exec.LookPath("nginx")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/nginx"); serr == nil {
			err = nil
		}
	}
	need(t, "nginx", err)
	_, err = exec.LookPath("psql")
	need(t, "psql", err)
	pg, rd := startPostgres(t), startRedis(t)
	_, here, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(here), "..", "..", "deploy", "cluster.sh")
	port := freePort(t)
	runDir := t.TempDir()
	env := append(os.Environ(),
		"PARLEY_CLUSTER_PORT="+strconv.Itoa(port),
		"PARLEY_CLUSTER_BASE="+strconv.Itoa(freePort(t)+100),
		"PARLEY_CLUSTER_RUN="+runDir,
		fmt.Sprintf("PARLEY_DB=postgres://postgres@127.0.0.1:%d/parley_cluster?sslmode=disable", pg.port),
		"PARLEY_REDIS="+rd.URL(),
	)
	run := func(arg string) {
		cmd := exec.Command("bash", script, arg)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("cluster.sh %s: %v\n%s", arg, err, out)
		}
	}
	run("start")
	t.Cleanup(func() { run("stop") })

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	base := client.New("http://127.0.0.1:" + strconv.Itoa(port)).WithFrameHook(testserver.FrameChecker(t))
	var users []*client.Client
	for _, name := range []string{"ann", "ben"} {
		if _, err := base.Signup(ctx, name, "password-"+name, ""); err != nil {
			t.Fatal(err)
		}
		c, _, err := base.Login(ctx, name, "password-"+name)
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, c)
	}
	// ben is no friend of ann's: he joins with her invite link (consent).
	room, err := users[0].CreateRoom(ctx, "lb")
	if err != nil {
		t.Fatal(err)
	}
	link, err := users[0].CreateLink(ctx, room.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := users[1].JoinLink(ctx, link.Code); err != nil {
		t.Fatal(err)
	}
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
	if _, err := conns[0].Send(ctx, room.ID, "hello-lb", "through nginx"); err != nil {
		t.Fatal(err)
	}
	for i, c := range conns {
		timeout := time.After(10 * time.Second)
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
