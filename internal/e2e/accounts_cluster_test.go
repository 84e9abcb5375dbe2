package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"parley/client"
	"parley/internal/server"
	"parley/internal/testserver"
)

// uniqueName is a username no other test run on the shared Redis has used:
// the cluster's limiter buckets live there, keyed by username.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s%d", prefix, time.Now().UnixNano()%1_000_000_000_000)
}

// TestWrongGuessesAcrossNodesGetExactlyTheBudget: the reservation holds
// across nodes too (Redis runs the take as one script): 150 wrong guesses
// spread over three nodes reach argon2 exactly LoginFailures times in all.
func TestWrongGuessesAcrossNodesGetExactlyTheBudget(t *testing.T) {
	nodes := testserver.StartCluster(t, 3, func(c *server.Config) {
		c.Limits.LoginFailures = 10
		c.Limits.HashWait = time.Minute
	})
	name := uniqueName("guess")
	signupVia(t, nodes[0].Client(), name)
	checks := func() (n float64) {
		for _, s := range nodes {
			n += metricValue(t, s, "parley_password_checks_total")
		}
		return n
	}
	before := checks()
	const n = 150
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		answers = map[string]int{}
	)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			c := nodes[i%3].Client()
			<-start
			_, _, err := c.Login(ctxT(t), name, "wrong-password")
			mu.Lock()
			answers[client.ErrorCode(err)]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	if got := checks() - before; got != 10 || answers["unauthorized"] != 10 || answers["rate_limited"] != n-10 {
		t.Fatalf("%d password checks over 3 nodes, answers %v; want exactly 10, 10 unauthorized, %d rate_limited", int(got), answers, n-10)
	}
}

// TestAccountSecurityAcrossNodes: a ticket from one node opens a WebSocket
// on another; a password change on one node closes the other sessions'
// connections on every node, and their tokens are refused everywhere at once
// (the session cache revokes them).
func TestAccountSecurityAcrossNodes(t *testing.T) {
	nodes := testserver.StartCluster(t, 2)
	a, b := nodes[0], nodes[1]
	name := uniqueName("acct")
	signupVia(t, a.Client(), name)
	here := loginAs(t, a.Client(), name)
	thereOnB := loginAs(t, b.Client(), name)

	tk, err := here.WSTicket(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	status, first := dialTicket(t, b, client.New(b.URL), tk.Ticket)
	if status != http.StatusSwitchingProtocols || !strings.Contains(first, `"type":"ready"`) {
		t.Fatalf("ticket from node A on node B: %d %q", status, first)
	}
	if status, _ := dialTicket(t, a, client.New(a.URL), tk.Ticket); status != http.StatusUnauthorized {
		t.Fatalf("the same ticket again, on node A: %d, want 401", status)
	}

	live := connect(t, thereOnB, client.ConnectOptions{UseTicket: true})
	// Cached on both nodes before the change.
	for _, s := range nodes {
		if _, err := client.New(s.URL).WithToken(thereOnB.Token()).Me(ctxT(t)); err != nil {
			t.Fatal(err)
		}
	}
	if err := here.ChangePassword(ctxT(t), "password-"+name, "a-new-password"); err != nil {
		t.Fatal(err)
	}
	for _, s := range nodes {
		_, err := client.New(s.URL).WithToken(thereOnB.Token()).Me(ctxT(t))
		mustCode(t, err, "unauthorized")
	}
	endedWith(t, live, "4500")
}
