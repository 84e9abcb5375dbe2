package drills

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"parley/internal/testenv"
)

func need(t testing.TB, what string, err error) { t.Helper(); testenv.Require(t, what, err) }

func freePort(t testing.TB) int { return testenv.FreePort(t) }

func waitTCP(addr string, d time.Duration) error { return testenv.WaitTCP(addr, d) }

// postgres is a private PostgreSQL cluster the drill may stop and start
// without touching the machine's own server.
type postgres struct {
	bin, dir string
	port     int
	asUser   []string // runuser prefix when running as root
}

func startPostgres(t testing.TB) *postgres {
	t.Helper()
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	var err error
	if len(matches) == 0 {
		_, err = exec.LookPath("initdb")
		if err == nil {
			p, _ := exec.LookPath("initdb")
			matches = []string{p}
		}
	}
	need(t, "PostgreSQL server binaries (initdb)", err)
	if len(matches) == 0 {
		need(t, "PostgreSQL server binaries (initdb)", fmt.Errorf("no initdb found"))
	}
	dir, err := os.MkdirTemp("", "parley-drill-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	pg := &postgres{bin: filepath.Dir(matches[len(matches)-1]), dir: dir, port: freePort(t)}
	if u, _ := user.Current(); u != nil && u.Uid == "0" {
		// PostgreSQL refuses to run as root: run it as postgres, in a folder
		// that user owns (directly under the temp folder, so it can reach it).
		pg.asUser = []string{"runuser", "-u", "postgres", "--"}
		pgUser, err := user.Lookup("postgres")
		need(t, "a postgres system user to run PostgreSQL as", err)
		uid, _ := strconv.Atoi(pgUser.Uid)
		gid, _ := strconv.Atoi(pgUser.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	pg.run(t, "initdb", "-D", pg.data(), "-A", "trust", "-U", "postgres", "--no-sync")
	pg.start(t)
	t.Cleanup(func() { pg.cmd("pg_ctl", "-D", pg.data(), "-m", "immediate", "-w", "stop").Run() })
	return pg
}

func (pg *postgres) data() string { return filepath.Join(pg.dir, "data") }

func (pg *postgres) cmd(tool string, args ...string) *exec.Cmd {
	full := append(append([]string{}, pg.asUser...), append([]string{filepath.Join(pg.bin, tool)}, args...)...)
	return exec.Command(full[0], full[1:]...)
}

func (pg *postgres) run(t testing.TB, tool string, args ...string) {
	t.Helper()
	if out, err := pg.cmd(tool, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", tool, args, err, out)
	}
}

func (pg *postgres) start(t testing.TB) {
	t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", pg.port, pg.dir)
	pg.run(t, "pg_ctl", "-D", pg.data(), "-o", opts, "-l", filepath.Join(pg.dir, "log"), "-w", "start")
}

func (pg *postgres) stop(t testing.TB) {
	t.Helper()
	pg.run(t, "pg_ctl", "-D", pg.data(), "-m", "fast", "-w", "stop")
}

// database creates a fresh database and returns its DSN.
func (pg *postgres) database(t testing.TB, name string) string {
	t.Helper()
	base := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.port)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", pg.port, name)
}

func startRedis(t testing.TB) *testenv.RedisServer { return testenv.StartRedis(t) }
