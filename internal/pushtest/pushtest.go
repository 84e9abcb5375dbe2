// Package pushtest is a push service double for tests: an HTTP server on a
// loopback port that takes Web Push messages as a browser vendor's push
// service does (RFC 8030), checks the sender's VAPID token (RFC 8292),
// decrypts each payload with the subscription's private key (RFC 8291,
// aes128gcm of RFC 8188), and keeps what arrived for the test to assert.
// It can be told to answer a subscription's messages with an error, or
// slowly.
//
// It is written from the RFCs, not from the library the server sends
// with, so a test that passes shows the two agree on the wire.
package pushtest

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Service is the push service.
type Service struct {
	tb  testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	subs     map[string]*Subscription // by the last path segment of the endpoint
	got      []Message
	attempts int
	notify   chan struct{} // closed and replaced when anything arrives
	vapidKey string        // the sender's key every token must carry; "" = any
	next     int
}

// Message is one message the service accepted.
type Message struct {
	Endpoint string
	TTL      int
	Topic    string // "" when the sender gave none
	Urgency  string // "" when the sender gave none
	Subject  string // the VAPID token's sub claim
	Payload  []byte // decrypted
	At       time.Time
}

// Subscription is one browser's subscription: its endpoint and keys, as a
// browser's PushSubscription.toJSON() gives them, and the private key that
// only the browser holds.
type Subscription struct {
	Endpoint string
	P256dh   string // base64url, unpadded
	Auth     string // base64url, unpadded

	priv *ecdh.PrivateKey
	auth []byte

	// Guarded by the service's mu.
	failures []int // statuses to answer the next attempts with, in order
	gone     int   // when not 0, the status every attempt gets from now on
	delay    time.Duration
}

// New starts a push service that stops when the test ends.
func New(tb testing.TB) *Service {
	tb.Helper()
	s := &Service{tb: tb, subs: map[string]*Subscription{}, notify: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.srv.Close)
	return s
}

// RequireVAPIDKey makes the service refuse (403) a token signed by any key
// but publicKey (base64url), as a push service refuses a sender other than
// the one the subscription was made for.
func (s *Service) RequireVAPIDKey(publicKey string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vapidKey = publicKey
}

// Subscribe makes a new subscription, as a browser does for a page.
func (s *Service) Subscribe(tb testing.TB) *Subscription {
	tb.Helper()
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	auth := make([]byte, 16)
	if _, err := rand.Read(auth); err != nil {
		tb.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	id := "s" + strconv.Itoa(s.next)
	sub := &Subscription{
		Endpoint: s.srv.URL + "/push/" + id,
		P256dh:   base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes()),
		Auth:     base64.RawURLEncoding.EncodeToString(auth),
		priv:     priv, auth: auth,
	}
	s.subs[id] = sub
	return sub
}

// Fail makes the next len(statuses) attempts at sub's endpoint answer with
// those statuses, in order, without accepting the message.
func (s *Service) Fail(sub *Subscription, statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub.failures = append(sub.failures, statuses...)
}

// Gone makes every later attempt at sub's endpoint answer status (404 or
// 410: the subscription expired or was unsubscribed).
func (s *Service) Gone(sub *Subscription, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub.gone = status
}

// Slow makes the service hold each answer to sub's endpoint for d.
func (s *Service) Slow(sub *Subscription, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub.delay = d
}

// Messages returns the messages accepted for sub, in order of arrival.
func (s *Service) Messages(sub *Subscription) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.got {
		if m.Endpoint == sub.Endpoint {
			out = append(out, m)
		}
	}
	return out
}

// All returns every accepted message, in order of arrival.
func (s *Service) All() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

// Attempts counts the requests that reached the service, refused ones too.
func (s *Service) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// WaitFor waits until cond holds of every accepted message so far, or fails
// the test after timeout.
func (s *Service) WaitFor(tb testing.TB, timeout time.Duration, what string, cond func([]Message) bool) []Message {
	tb.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, ch := slices.Clone(s.got), s.notify
		s.mu.Unlock()
		if cond(got) {
			return got
		}
		select {
		case <-ch:
		case <-deadline.C:
			tb.Fatalf("push service: %s: not within %v; %d messages arrived", what, timeout, len(got))
		}
	}
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutPrefix(r.URL.Path, "/push/")
	s.mu.Lock()
	s.attempts++
	s.wake()
	sub := s.subs[id]
	vapidKey := s.vapidKey
	status, delay := 0, time.Duration(0)
	if sub != nil {
		delay = sub.delay
		switch {
		case sub.gone != 0:
			status = sub.gone
		case len(sub.failures) > 0:
			status, sub.failures = sub.failures[0], sub.failures[1:]
		}
	}
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if r.Method != http.MethodPost || !ok || sub == nil {
		http.Error(w, "no such subscription", http.StatusNotFound)
		return
	}
	if status != 0 {
		http.Error(w, http.StatusText(status), status)
		return
	}
	m, code, err := s.accept(r, sub, vapidKey)
	if err != nil {
		s.tb.Errorf("push service: a message refused (%d): %v", code, err)
		http.Error(w, err.Error(), code)
		return
	}
	s.mu.Lock()
	s.got = append(s.got, m)
	n := len(s.got)
	s.wake()
	s.mu.Unlock()
	w.Header().Set("Location", fmt.Sprintf("%s/m/%d", s.srv.URL, n))
	w.WriteHeader(http.StatusCreated)
}

// wake tells the waiters that something arrived; mu is held.
func (s *Service) wake() {
	close(s.notify)
	s.notify = make(chan struct{})
}

// accept checks a request as RFC 8030 and RFC 8292 ask, and decrypts it.
func (s *Service) accept(r *http.Request, sub *Subscription, vapidKey string) (Message, int, error) {
	m := Message{Endpoint: sub.Endpoint, At: time.Now()}
	ttl, err := strconv.Atoi(r.Header.Get("TTL"))
	if err != nil || ttl < 0 {
		return m, http.StatusBadRequest, fmt.Errorf("TTL header %q is not a non-negative integer (RFC 8030 §5.2)", r.Header.Get("TTL"))
	}
	m.TTL = ttl
	if u := r.Header.Get("Urgency"); u != "" {
		if !slices.Contains([]string{"very-low", "low", "normal", "high"}, u) {
			return m, http.StatusBadRequest, fmt.Errorf("urgency %q (RFC 8030 §5.3)", u)
		}
		m.Urgency = u
	}
	if t := r.Header.Get("Topic"); t != "" {
		if len(t) > 32 || strings.Trim(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			return m, http.StatusBadRequest, fmt.Errorf("topic %q: at most 32 base64url characters (RFC 8030 §5.4)", t)
		}
		m.Topic = t
	}
	sender, subject, err := checkVAPID(r.Header.Get("Authorization"), s.srv.URL, time.Now())
	if err != nil {
		return m, http.StatusUnauthorized, err
	}
	if vapidKey != "" && sender != vapidKey {
		return m, http.StatusForbidden, fmt.Errorf("signed by %s, not the server's key %s", sender, vapidKey)
	}
	m.Subject = subject
	if ce := r.Header.Get("Content-Encoding"); ce != "aes128gcm" {
		return m, http.StatusUnsupportedMediaType, fmt.Errorf("content encoding %q, want aes128gcm (RFC 8291 §4)", ce)
	}
	body, err := readAll(r)
	if err != nil {
		return m, http.StatusBadRequest, err
	}
	if len(body) > 4096 {
		return m, http.StatusRequestEntityTooLarge, fmt.Errorf("%d bytes, more than the 4096 a push service must accept (RFC 8030 §7.2)", len(body))
	}
	m.Payload, err = Decrypt(body, sub.priv, sub.auth)
	if err != nil {
		return m, http.StatusBadRequest, err
	}
	return m, 0, nil
}
