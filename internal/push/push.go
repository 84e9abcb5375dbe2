// Package push is Web Push for Parley (decision 0028): the cluster's VAPID
// key pair (RFC 8292), the push subscriptions browsers register, one per
// session (RFC 8030 endpoints with RFC 8291 keys), and the sender that
// turns the store's outbox into notifications (sender.go).
package push

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"parley/internal/chat"
	"parley/internal/outage"
)

// Config is what an operator may tune. Zero values take the defaults.
type Config struct {
	// MaxSubscriptionsPerUser bounds the subscriptions one user keeps; a new
	// one beyond it pushes out the oldest. Default 10.
	MaxSubscriptionsPerUser int
	// AllowLoopbackHTTP accepts http:// endpoints on a loopback address, for
	// tests with a local push-service double. Real push services are https.
	AllowLoopbackHTTP bool
	// Subject is the VAPID contact (RFC 8292 "sub"): a mailto: or https:
	// URL push services may use to reach the operator.
	Subject string
	// CoalesceWindow: a notification waits this long after the first
	// message it stands for, so a burst folds into one. Default 1 s.
	CoalesceWindow time.Duration
	// MaxAge: a notification not delivered this long after its first
	// message is given up (also its TTL at the push service). Default 1 h.
	MaxAge time.Duration
	// RetryBase is the first retry's wait after a 5xx, 429 or timeout;
	// each next one doubles. Default 1 s.
	RetryBase time.Duration
	// Timeout bounds one request to a push service. Default 10 s.
	Timeout time.Duration
	// PollInterval is how often a node looks for work. Default 250 ms.
	PollInterval time.Duration
	// Lease is how long a claimed entry or delivery stays with the node
	// that claimed it; a node that dies loses its claims after it. Default 30 s.
	Lease time.Duration
	// Concurrency bounds the requests one node has open. Default 8.
	Concurrency int
}

func (c Config) withDefaults() Config {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.MaxSubscriptionsPerUser <= 0 {
		c.MaxSubscriptionsPerUser = 10
	}
	if c.Subject == "" {
		c.Subject = "mailto:postmaster@localhost"
	}
	def(&c.CoalesceWindow, time.Second)
	def(&c.MaxAge, time.Hour)
	def(&c.RetryBase, time.Second)
	def(&c.Timeout, 10*time.Second)
	def(&c.PollInterval, 250*time.Millisecond)
	def(&c.Lease, 30*time.Second)
	if c.Concurrency <= 0 {
		c.Concurrency = 8
	}
	return c
}

// maxEndpointLen bounds an endpoint URL; the push services of the browsers
// in use hand out URLs of a few hundred bytes.
const maxEndpointLen = 2048

// Service keeps the key pair and the subscriptions, and sends.
type Service struct {
	store    chat.Store
	presence chat.Presence
	log      *slog.Logger
	keys     chat.VAPIDKeys
	cfg      Config
	client   *http.Client
	now      func() time.Time
	stats    Stats
	// outages logs a failing operation once and its recovery with a
	// count: during a database outage every pass fails, many times a second.
	outages *outage.Set
}

// New loads the cluster's key pair, storing a fresh one first if there is
// none: every node that starts gets the pair of the first that did.
func New(ctx context.Context, store chat.Store, presence chat.Presence, log *slog.Logger, cfg Config) (*Service, error) {
	cfg = cfg.withDefaults()
	if !strings.HasPrefix(cfg.Subject, "mailto:") && !strings.HasPrefix(cfg.Subject, "https:") {
		return nil, fmt.Errorf("the push subject must be a mailto: or https: URL")
	}
	candidate, err := NewKeys()
	if err != nil {
		return nil, err
	}
	keys, err := store.PushKeys(ctx, candidate)
	if err != nil {
		return nil, fmt.Errorf("push keys: %w", err)
	}
	if err := checkKeys(keys); err != nil {
		return nil, fmt.Errorf("stored push keys: %w", err)
	}
	return &Service{store: store, presence: presence, log: log, keys: keys, cfg: cfg,
		client: newClient(cfg.Timeout, cfg.AllowLoopbackHTTP), now: time.Now, outages: outage.NewSet(log)}, nil
}

// NewKeys makes a VAPID key pair.
func NewKeys() (chat.VAPIDKeys, error) {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return chat.VAPIDKeys{}, err
	}
	return chat.VAPIDKeys{
		Public:  base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()),
		Private: base64.RawURLEncoding.EncodeToString(k.Bytes()),
	}, nil
}

// checkKeys refuses a stored pair whose halves do not belong together.
func checkKeys(k chat.VAPIDKeys) error {
	priv, err := base64.RawURLEncoding.DecodeString(k.Private)
	if err != nil {
		return err
	}
	pk, err := ecdh.P256().NewPrivateKey(priv)
	if err != nil {
		return err
	}
	if base64.RawURLEncoding.EncodeToString(pk.PublicKey().Bytes()) != k.Public {
		return fmt.Errorf("the public key is not the private key's")
	}
	return nil
}

// PublicKey is the applicationServerKey browsers subscribe with.
func (s *Service) PublicKey() string { return s.keys.Public }

// SubscribeRequest is a browser's PushSubscription.toJSON() (its
// expirationTime is ignored).
type SubscribeRequest struct {
	Endpoint string           `json:"endpoint" required:"true"`
	Keys     SubscriptionKeys `json:"keys" required:"true"`
}

type SubscriptionKeys struct {
	P256dh string `json:"p256dh"`
	Auth   string `json:"auth"`
}

// Subscription is what a user sees of a subscription of theirs.
type Subscription struct {
	Endpoint  string    `json:"endpoint"`
	CreatedAt chat.Time `json:"created_at"`
	Current   bool      `json:"current"` // registered by the session asking
}

// Subscribe makes r the subscription of session s, replacing the one it had.
func (s *Service) Subscribe(ctx context.Context, se chat.Session, r SubscribeRequest) (Subscription, error) {
	if err := s.validate(r); err != nil {
		return Subscription{}, err
	}
	sub := chat.PushSubscription{
		TokenHash: se.TokenHash, UserID: se.UserID, Endpoint: r.Endpoint,
		P256dh: r.Keys.P256dh, Auth: r.Keys.Auth, CreatedAt: s.now().UTC().Truncate(time.Millisecond),
	}
	if err := s.store.SetPushSubscription(ctx, sub, s.cfg.MaxSubscriptionsPerUser); err != nil {
		if chat.ErrorCode(err) == chat.NotFound {
			return Subscription{}, chat.Wrap(chat.Unauthorized, err, "session ended")
		}
		return Subscription{}, err
	}
	return Subscription{Endpoint: sub.Endpoint, CreatedAt: chat.TimeOf(sub.CreatedAt), Current: true}, nil
}

// Unsubscribe deletes session s's subscription; none is not an error.
func (s *Service) Unsubscribe(ctx context.Context, se chat.Session) error {
	return s.store.DeletePushSubscription(ctx, se.TokenHash)
}

// Subscriptions lists the user's subscriptions, newest first.
func (s *Service) Subscriptions(ctx context.Context, se chat.Session) ([]Subscription, error) {
	subs, err := s.store.PushSubscriptions(ctx, se.UserID)
	if err != nil {
		return nil, err
	}
	out := make([]Subscription, 0, len(subs))
	for _, p := range subs {
		out = append(out, Subscription{Endpoint: p.Endpoint, CreatedAt: chat.TimeOf(p.CreatedAt), Current: string(p.TokenHash) == string(se.TokenHash)})
	}
	return out, nil
}

// validate refuses a subscription the server cannot or must not send to.
func (s *Service) validate(r SubscribeRequest) error {
	if err := s.checkEndpoint(r.Endpoint); err != nil {
		return err
	}
	if err := checkKey(r.Keys.P256dh, "keys.p256dh", 65, func(b []byte) error {
		_, err := ecdh.P256().NewPublicKey(b)
		return err
	}); err != nil {
		return err
	}
	return checkKey(r.Keys.Auth, "keys.auth", 16, nil)
}

// checkEndpoint accepts an https URL on a host name. An IP address is
// refused (push services are named hosts; an address would let a user aim
// the server's requests at a machine of its network), except a loopback
// one over http when the configuration allows it for tests.
func (s *Service) checkEndpoint(endpoint string) error {
	if len(endpoint) > maxEndpointLen {
		return chat.Errorf(chat.Invalid, "endpoint is longer than %d bytes", maxEndpointLen)
	}
	u, err := url.Parse(endpoint)
	if err != nil || !u.IsAbs() || u.Host == "" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return chat.Errorf(chat.Invalid, "endpoint must be an absolute https URL without user or fragment")
	}
	ip := net.ParseIP(strings.Trim(u.Hostname(), "[]"))
	switch {
	case s.cfg.AllowLoopbackHTTP && ip != nil && ip.IsLoopback() && (u.Scheme == "http" || u.Scheme == "https"):
		return nil
	case u.Scheme != "https":
		return chat.Errorf(chat.Invalid, "endpoint must be an https URL")
	case ip != nil:
		return chat.Errorf(chat.Invalid, "endpoint must name its host, not give an address")
	}
	return nil
}

// checkKey decodes a base64url key (padded or not) of size bytes and runs
// check on it.
func checkKey(v, name string, size int, check func([]byte) error) error {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(v, "="))
	if err != nil || len(b) != size {
		return chat.Errorf(chat.Invalid, "%s must be %d bytes in base64url", name, size)
	}
	if check != nil && check(b) != nil {
		return chat.Errorf(chat.Invalid, "%s is not a P-256 public key", name)
	}
	return nil
}
