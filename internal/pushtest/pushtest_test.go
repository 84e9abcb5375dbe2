package pushtest

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"

	"parley/internal/push"
)

func send(t *testing.T, sub *Subscription, payload string, keys [2]string, topic string) int {
	t.Helper()
	resp, err := webpush.SendNotification([]byte(payload), &webpush.Subscription{
		Endpoint: sub.Endpoint, Keys: webpush.Keys{P256dh: sub.P256dh, Auth: sub.Auth},
	}, &webpush.Options{
		Subscriber: "ops@example.com", TTL: 60, Topic: topic, Urgency: webpush.UrgencyHigh,
		VAPIDPublicKey: keys[0], VAPIDPrivateKey: keys[1],
	})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func newKeys(t *testing.T) [2]string {
	k, err := push.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	return [2]string{k.Public, k.Private}
}

// The double decrypts what the library encrypts, checks its token, and
// keeps the headers; each subscription's messages are its own.
func TestDoubleDecryptsAndChecksTheSender(t *testing.T) {
	ps := New(t)
	keys := newKeys(t)
	ps.RequireVAPIDKey(keys[0])
	a, b := ps.Subscribe(t), ps.Subscribe(t)
	if got := send(t, a, `{"hello":"a"}`, keys, "room1"); got != http.StatusCreated {
		t.Fatalf("status %d, want 201", got)
	}
	if got := send(t, b, "to b", keys, ""); got != http.StatusCreated {
		t.Fatalf("status %d, want 201", got)
	}
	ma, mb := ps.Messages(a), ps.Messages(b)
	if len(ma) != 1 || string(ma[0].Payload) != `{"hello":"a"}` || ma[0].Topic != "room1" || ma[0].TTL != 60 ||
		ma[0].Urgency != "high" || ma[0].Subject != "mailto:ops@example.com" {
		t.Fatalf("a got %+v", ma)
	}
	if len(mb) != 1 || string(mb[0].Payload) != "to b" || mb[0].Topic != "" {
		t.Fatalf("b got %+v", mb)
	}
}

// recorder keeps the errors the double reports instead of failing the test.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestDoubleRefusesAnotherSendersKey(t *testing.T) {
	rec := &recorder{TB: t}
	ps := New(rec)
	ps.RequireVAPIDKey(newKeys(t)[0])
	sub := ps.Subscribe(t)
	if got := send(t, sub, "x", newKeys(t), ""); got != http.StatusForbidden {
		t.Fatalf("status %d, want 403", got)
	}
	if len(ps.Messages(sub)) != 0 || len(rec.errors) != 1 {
		t.Fatalf("messages %v, errors %v", ps.Messages(sub), rec.errors)
	}
}

// Told to fail, the double answers each attempt as told, then accepts;
// gone, it answers every attempt the same.
func TestDoubleFailsAsTold(t *testing.T) {
	ps := New(t)
	keys := newKeys(t)
	sub, gone := ps.Subscribe(t), ps.Subscribe(t)
	ps.Fail(sub, 503, 500)
	ps.Gone(gone, http.StatusGone)
	for _, want := range []int{503, 500, 201} {
		if got := send(t, sub, "x", keys, ""); got != want {
			t.Fatalf("status %d, want %d", got, want)
		}
	}
	for range 2 {
		if got := send(t, gone, "x", keys, ""); got != http.StatusGone {
			t.Fatalf("status %d, want 410", got)
		}
	}
	ps.Slow(sub, 200*time.Millisecond)
	start := time.Now()
	send(t, sub, "slow", keys, "")
	if time.Since(start) < 200*time.Millisecond {
		t.Fatal("the slow answer came early")
	}
	if n := len(ps.Messages(sub)); n != 2 || ps.Attempts() != 6 {
		t.Fatalf("%d messages after %d attempts, want 2 after 6", n, ps.Attempts())
	}
	ps.WaitFor(t, time.Second, "two messages", func(m []Message) bool { return len(m) == 2 })
}
