package chat

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"runtime"
	"strings"
	"time"
)

// Accounts signs users up, logs them in and out, and resolves bearer tokens.
type Accounts struct {
	store   Store
	bus     Bus
	log     *slog.Logger
	limits  Limits
	now     func() time.Time
	hasher  *hasher
	byName  RateLimiter // failed logins per username
	byAddr  RateLimiter // failed logins per client address
	dummyPW string      // verified against for unknown usernames, so timing does not reveal them
	policy  AddPolicy   // new accounts' "who may add me"
}

func NewAccounts(c Config) *Accounts {
	l := c.Limits.withDefaults()
	now := c.Now
	if now == nil {
		now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	perSec := float64(l.LoginFailures) / l.LoginWindow.Seconds()
	a := &Accounts{
		store: c.Store, bus: c.Bus, log: c.Log, limits: l, now: now,
		hasher: newHasher(runtime.GOMAXPROCS(0)),
		byName: c.limiter("login-name", perSec, l.LoginFailures, now),
		byAddr: c.limiter("login-addr", 3*perSec, 3*l.LoginFailures, now),
	}
	a.dummyPW, _ = a.hasher.hash(context.Background(), "parley-dummy-password")
	a.policy = c.DefaultWhoMayAdd
	if a.policy == "" {
		a.policy = AddFriends
	}
	return a
}

// The requests below are decoded straight from clients; `required:"true"`
// marks what a client must send (the transports' decoders refuse a request
// without it, naming the field).

type SignupRequest struct {
	Username    string `json:"username" required:"true"`
	Password    string `json:"password" required:"true"`
	DisplayName string `json:"display_name"` // blank: the username
}

type LoginRequest struct {
	Username string `json:"username" required:"true"`
	Password string `json:"password" required:"true"`
	Addr     string `json:"-"` // client address, for rate limiting
}

func (a *Accounts) Signup(ctx context.Context, r SignupRequest) (User, error) {
	if err := ValidateUsername(r.Username); err != nil {
		return User{}, err
	}
	if err := ValidatePassword(r.Password); err != nil {
		return User{}, err
	}
	display := r.DisplayName
	if strings.TrimSpace(display) == "" {
		display = r.Username
	}
	display, err := validateDisplayName(display)
	if err != nil {
		return User{}, err
	}
	hash, err := a.hasher.hash(ctx, r.Password)
	if err != nil {
		return User{}, err
	}
	u, err := a.store.CreateUser(ctx, NewUser{
		ID: UserID(newID()), Username: r.Username, DisplayName: display,
		PasswordHash: hash, CreatedAt: a.now().UTC().Truncate(time.Millisecond), WhoMayAdd: a.policy,
	})
	if ErrorCode(err) == Conflict {
		return User{}, Errorf(Conflict, "username %q is taken", r.Username)
	}
	return u, err
}

// Login returns a new bearer token. Unknown usernames and wrong passwords get
// the same error after the same work, so neither reveals whether a user exists.
func (a *Accounts) Login(ctx context.Context, r LoginRequest) (string, User, error) {
	if err := validateString("username", r.Username); err != nil {
		return "", User{}, err
	}
	name := strings.ToLower(r.Username)
	if a.byName.Exhausted(name) || (r.Addr != "" && a.byAddr.Exhausted(r.Addr)) {
		return "", User{}, Errorf(RateLimited, "too many failed logins, try again later")
	}
	u, hash, err := a.store.UserByUsername(ctx, name)
	if err != nil && ErrorCode(err) != NotFound {
		return "", User{}, err
	}
	found := err == nil
	if !found {
		hash = a.dummyPW
	}
	ok, err := a.hasher.verify(ctx, r.Password, hash)
	if err != nil {
		return "", User{}, err
	}
	if !found || !ok {
		a.byName.Allow(name)
		if r.Addr != "" {
			a.byAddr.Allow(r.Addr)
		}
		return "", User{}, Errorf(Unauthorized, "wrong username or password")
	}
	token, err := a.newSession(ctx, u.ID)
	return token, u, err
}

// IssueToken creates a session without a password check. It exists for
// operators and the load generator (`parley bench` prepares thousands of
// users), never for a client request.
func (a *Accounts) IssueToken(ctx context.Context, user UserID) (string, error) {
	return a.newSession(ctx, user)
}

func (a *Accounts) newSession(ctx context.Context, user UserID) (string, error) {
	raw := make([]byte, 32) // 256 random bits
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := a.now().UTC().Truncate(time.Millisecond)
	err := a.store.CreateSession(ctx, Session{
		TokenHash: TokenHash(token), UserID: user, CreatedAt: now, ExpiresAt: now.Add(a.limits.SessionTTL),
	})
	return token, err
}

// TokenHash is what the store keeps instead of the token.
func TokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// SessionKey names a session in events and logs without revealing its token.
func SessionKey(hash []byte) string { return hex.EncodeToString(hash[:8]) }

// Authenticate resolves a bearer token to its session.
func (a *Accounts) Authenticate(ctx context.Context, token string) (Session, error) {
	if token == "" || len(token) > 128 {
		return Session{}, Errorf(Unauthorized, "missing or malformed token")
	}
	s, err := a.store.SessionByTokenHash(ctx, TokenHash(token))
	if ErrorCode(err) == NotFound {
		return Session{}, Errorf(Unauthorized, "invalid or revoked token")
	}
	if err != nil {
		return Session{}, err
	}
	if !a.now().Before(s.ExpiresAt) {
		return Session{}, Errorf(Unauthorized, "session expired")
	}
	return s, nil
}

// Logout revokes the session and ends the live connections opened with it,
// on every node.
func (a *Accounts) Logout(ctx context.Context, s Session) error {
	if err := a.store.DeleteSession(ctx, s.TokenHash); err != nil && ErrorCode(err) != NotFound {
		return err
	}
	// The session is gone from the store, so the token is refused from now
	// on; a lost event only leaves open connections to end at their next check.
	if err := a.bus.Publish(context.WithoutCancel(ctx), UserTopic(s.UserID),
		Event{Type: EvSessionEnded, Session: SessionKey(s.TokenHash), Data: []byte("{}")}); err != nil {
		a.log.Warn("publish session end", "err", err)
	}
	return nil
}

func (a *Accounts) User(ctx context.Context, id UserID) (User, error) {
	return a.store.UserByID(ctx, id)
}

// UserByUsername looks a user up for people who know the name.
func (a *Accounts) UserByUsername(ctx context.Context, username string) (User, error) {
	if err := validateString("username", username); err != nil {
		return User{}, err
	}
	u, _, err := a.store.UserByUsername(ctx, strings.ToLower(username))
	if ErrorCode(err) == NotFound {
		return User{}, Errorf(NotFound, "no user %q", username)
	}
	return u, err
}
