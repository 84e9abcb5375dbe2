package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"parley/client"
	"parley/internal/server"
	"parley/internal/testserver"
)

// signupVia signs username up through c (password "password-<username>").
func signupVia(t *testing.T, c *client.Client, username string) {
	t.Helper()
	if _, err := c.Signup(ctxT(t), username, "password-"+username, ""); err != nil {
		t.Fatalf("signup %s: %v", username, err)
	}
}

// TestWrongGuessesAtOnceGetExactlyTheBudget: 150 wrong passwords for one
// username from one address, all at once, reach argon2 exactly
// LoginFailures times; the rest are refused before any hashing. The
// attempt is reserved before the check, so concurrency cannot slip past a
// check-then-count window.
func TestWrongGuessesAtOnceGetExactlyTheBudget(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) {
		c.Limits.LoginFailures = 10
		c.Limits.HashWait = time.Minute // a slow machine queues, never refuses, the 10 checks
	})
	srv.NewUser(t, "alice")
	before := metricValue(t, srv, "parley_password_checks_total")
	anon := srv.Client()
	const n = 150
	codes := make(chan string, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			<-start
			_, _, err := anon.Login(ctxT(t), "alice", "not-alices-password")
			codes <- client.ErrorCode(err)
		})
	}
	close(start)
	wg.Wait()
	close(codes)
	count := map[string]int{}
	for c := range codes {
		count[c]++
	}
	checks := metricValue(t, srv, "parley_password_checks_total") - before
	if checks != 10 || count["unauthorized"] != 10 || count["rate_limited"] != n-10 {
		t.Fatalf("%d password checks, answers %v; want exactly 10 checks, 10 unauthorized, %d rate_limited", int(checks), count, n-10)
	}
	// A refused login costs no hashing at all.
	_, _, err := anon.Login(ctxT(t), "alice", "password-alice")
	mustCode(t, err, "rate_limited")
	if got := metricValue(t, srv, "parley_password_checks_total") - before; got != 10 {
		t.Fatalf("a refused login ran argon2: %d checks", int(got))
	}
}

// TestRightPasswordIsNeverChargedAsAFailure: the reservation is given back
// when the password is right, so a user logging in over and over is never
// limited.
func TestRightPasswordIsNeverChargedAsAFailure(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) { c.Limits.LoginFailures = 3 })
	srv.NewUser(t, "alice")
	anon := srv.Client()
	for i := range 8 {
		if _, _, err := anon.Login(ctxT(t), "alice", "password-alice"); err != nil {
			t.Fatalf("login %d: %v", i+1, err)
		}
	}
	for range 2 {
		_, _, err := anon.Login(ctxT(t), "alice", "wrong-password")
		mustCode(t, err, "unauthorized")
	}
	if _, _, err := anon.Login(ctxT(t), "alice", "password-alice"); err != nil {
		t.Fatalf("2 failures of 3 allowed, then the right password: %v", err)
	}
}

// TestAttackerCannotLockOutTheOwner: failures from one address spend that
// address's budget for the username, not the user's. And when guesses come
// from so many addresses that the username's own budget is spent, the owner
// still logs in from a device they used before (its device token).
func TestAttackerCannotLockOutTheOwner(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) {
		c.Limits.LoginFailures = 3
		c.Limits.LoginUserFailures = 6
	})
	signupVia(t, srv.Client(), "alice")
	home := srv.ClientFrom("127.0.0.3")
	first, _, err := home.Login(ctxT(t), "alice", "password-alice")
	if err != nil {
		t.Fatal(err)
	}
	device := first.DeviceToken()
	if device == "" {
		t.Fatal("login returned no device token")
	}

	attacker := srv.ClientFrom("127.0.0.2")
	for range 3 {
		_, _, err := attacker.Login(ctxT(t), "alice", "guess")
		mustCode(t, err, "unauthorized")
	}
	_, _, err = attacker.Login(ctxT(t), "alice", "password-alice")
	mustCode(t, err, "rate_limited") // even a right guess, from there
	// Alice, elsewhere, at once and without her device token.
	if _, _, err := home.Login(ctxT(t), "alice", "password-alice"); err != nil {
		t.Fatalf("alice from another address: %v", err)
	}

	// Guesses from one more address spend the username's budget (6).
	for range 3 {
		_, _, err := srv.ClientFrom("127.0.0.4").Login(ctxT(t), "alice", "guess")
		mustCode(t, err, "unauthorized")
	}
	stranger := srv.ClientFrom("127.0.0.6")
	_, _, err = stranger.Login(ctxT(t), "alice", "password-alice")
	mustCode(t, err, "rate_limited") // a device alice never used
	// Alice's own device logs in, from a new address too.
	if _, _, err := stranger.WithDevice(device).Login(ctxT(t), "alice", "password-alice"); err != nil {
		t.Fatalf("alice's device while her username is under attack: %v", err)
	}
	// A device token is worth nothing for another user, nor made up.
	signupVia(t, srv.Client(), "bob")
	for _, ip := range []string{"127.0.1.1", "127.0.1.2"} {
		for range 3 {
			_, _, err := srv.ClientFrom(ip).Login(ctxT(t), "bob", "guess")
			mustCode(t, err, "unauthorized")
		}
	}
	_, _, err = stranger.WithDevice(device).Login(ctxT(t), "bob", "password-bob")
	mustCode(t, err, "rate_limited")
	_, _, err = stranger.WithDevice("made-up").Login(ctxT(t), "bob", "password-bob")
	mustCode(t, err, "rate_limited")
}

func TestSignupIsLimitedPerAddressAndOverall(t *testing.T) {
	srv := testserver.Start(t, func(c *server.Config) {
		c.Limits.SignupsPerAddress = 2
		c.Limits.Signups = 3
	})
	a := srv.ClientFrom("127.0.0.2")
	signupVia(t, a, "ann1")
	signupVia(t, a, "ann2")
	_, err := a.Signup(ctxT(t), "ann3", "password-ann3", "")
	mustCode(t, err, "rate_limited")
	// A taken name is answered as such, not counted.
	_, err = a.Signup(ctxT(t), "ann1", "password-ann1", "")
	mustCode(t, err, "conflict")
	b := srv.ClientFrom("127.0.0.3")
	signupVia(t, b, "ben1")
	_, err = srv.ClientFrom("127.0.0.4").Signup(ctxT(t), "cat1", "password-cat1", "")
	mustCode(t, err, "rate_limited") // the service's 3 are spent
}

// TestFullHashingPoolAnswers503: past the slots and the queue, a request is
// refused at once with 503, code unavailable and Retry-After.
func TestFullHashingPoolAnswers503(t *testing.T) {
	srv := testserver.Start(t, testserver.RealHashing, func(c *server.Config) {
		c.Limits.HashSlots = 1
		c.Limits.HashQueue = 1
		c.Limits.HashWait = time.Minute
	})
	const n = 24
	type answer struct {
		status     int
		code       string
		retryAfter string
	}
	answers := make(chan answer, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body, _ := json.Marshal(map[string]string{"username": fmt.Sprintf("flood%d", i), "password": "long-enough-pw"})
			<-start
			resp, err := http.Post(srv.URL+"/api/v1/auth/signup", "application/json", bytes.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var e struct{ Error struct{ Code string } }
			json.NewDecoder(resp.Body).Decode(&e)
			answers <- answer{resp.StatusCode, e.Error.Code, resp.Header.Get("Retry-After")}
		})
	}
	close(start)
	wg.Wait()
	close(answers)
	created, refused := 0, 0
	for a := range answers {
		switch {
		case a.status == http.StatusCreated:
			created++
		case a.status == http.StatusServiceUnavailable && a.code == "unavailable" && a.retryAfter != "":
			refused++
		default:
			t.Errorf("answer %+v", a)
		}
	}
	// One hashing and one waiting is all the pool holds at any moment; how
	// many get through depends on timing, but not all 24 can have waited.
	if created == 0 || refused == 0 {
		t.Fatalf("%d created, %d refused with 503: want both", created, refused)
	}
}

// TestLoginAnswersDuringASignupFlood: logins have hashing slots of their
// own, so signups queued for theirs never delay one. The structural check
// is that the login returns while signups are still waiting (in one shared
// pool it would wait for all of them, and find none left). The time bound is
// the brief's "well under a second" made safe for a busy 2-core machine: 3 s,
// or eight times the same login without the flood when that is longer (under
// -race one argon2 run takes hundreds of milliseconds). Measured here: 24–150
// ms alone, 41–527 ms during the flood; with -race 0.25–0.55 s and 0.46–2.1 s.
func TestLoginAnswersDuringASignupFlood(t *testing.T) {
	srv := testserver.Start(t, testserver.RealHashing, func(c *server.Config) {
		c.Limits.HashSlots = 1
		c.Limits.HashQueue = 200
		c.Limits.HashWait = 5 * time.Minute
	})
	srv.NewUser(t, "alice")
	anon := srv.Client()
	baseline := time.Hour
	for range 2 {
		start := time.Now()
		if _, _, err := anon.Login(ctxT(t), "alice", "password-alice"); err != nil {
			t.Fatal(err)
		}
		baseline = min(baseline, time.Since(start))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	for i := range 60 {
		wg.Go(func() { anon.Signup(ctx, fmt.Sprintf("flood%d", i), "long-enough-pw", "") })
	}
	deadline := time.Now().Add(30 * time.Second)
	for metricValue(t, srv, "parley_hash_waiting_others") < 10 {
		if time.Now().After(deadline) {
			t.Fatal("the signup flood never queued")
		}
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	if _, _, err := anon.Login(ctxT(t), "alice", "password-alice"); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if waiting := metricValue(t, srv, "parley_hash_waiting_others"); waiting == 0 {
		t.Fatalf("the signups finished before the login (%v): it may have waited behind them", took)
	}
	if took > max(3*time.Second, 8*baseline) {
		t.Fatalf("login took %v during a signup flood, %v without", took, baseline)
	}
	t.Logf("login answered in %v with signups queued for hashing (%v without)", took, baseline)
}
