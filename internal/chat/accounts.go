package chat

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"strings"
	"sync"
	"time"

	"parley/internal/outage"
)

// Accounts signs users up, logs them in and out, resolves bearer tokens and
// manages sessions (sessions.go).
type Accounts struct {
	store     Store
	bus       Bus
	log       *slog.Logger
	outages   *outage.Set // the operations that fail by the thousand in an outage (Service.outages)
	limits    Limits
	now       func() time.Time
	passwords Passwords
	login     loginLimits
	signups   struct{ addr, all RateLimiter }
	tickets   RateLimiter // WebSocket tickets per session
	dummyPW   string      // verified against for unknown usernames, so timing does not reveal them
	policy    AddPolicy   // new accounts' "who may add me"

	touchMu    sync.Mutex
	touched    map[string]time.Time // token hash → when this node last wrote the session's last-seen
	touchSwept time.Time
}

func NewAccounts(c Config) *Accounts {
	c.mustHave("RateLimiters", c.RateLimiters != nil)
	c.mustHave("Passwords", c.Passwords != nil)
	l := c.Limits.WithDefaults()
	now := c.Now
	if now == nil {
		now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	a := &Accounts{
		store: c.Store, bus: c.Bus, log: c.Log, limits: l, now: now, passwords: c.Passwords,
		login:   newLoginLimits(c, l),
		tickets: c.RateLimiters("ws-tickets", 1, 30),
		touched: make(map[string]time.Time),
		outages: outage.NewSet(c.Log),
	}
	perWindow := func(n int) float64 { return float64(n) / l.SignupWindow.Seconds() }
	a.signups.addr = c.RateLimiters("signup-addr", perWindow(l.SignupsPerAddress), l.SignupsPerAddress)
	a.signups.all = c.RateLimiters("signup-all", perWindow(l.Signups), l.Signups)
	a.dummyPW, _ = c.Passwords.Hash(context.Background(), "parley-dummy-password")
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
	Addr        string `json:"-"`            // client address, for rate limiting
}

type LoginRequest struct {
	Username string `json:"username" required:"true"`
	Password string `json:"password" required:"true"`
	// DeviceToken is what an earlier login on this device returned; it
	// exempts the login from the per-username limit (decision 0024).
	DeviceToken string `json:"device_token,omitempty"`
	Addr        string `json:"-"` // client address, for rate limiting and the sessions list
	UserAgent   string `json:"-"`
}

// LoginResult is a new session: its bearer token and the device token the
// client keeps for later logins (across logouts).
type LoginResult struct {
	Token       string  `json:"token"`
	User        User    `json:"user"`
	DeviceToken string  `json:"device_token"`
	Session     Session `json:"-"`
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
	// A taken name is answered before any limit or hash: the answer is
	// public anyway (GET /users/{username}), and it costs a read, not argon2.
	if _, _, err := a.store.UserByUsername(ctx, r.Username); err == nil {
		return User{}, Errorf(Conflict, "username %q is taken", r.Username)
	} else if ErrorCode(err) != NotFound {
		return User{}, err
	}
	addr := orDash(r.Addr)
	if !a.signups.addr.Allow(addr) {
		return User{}, Errorf(RateLimited, "too many signups from your address, try again later")
	}
	if !a.signups.all.Allow("all") {
		a.signups.addr.Refund(addr)
		return User{}, Errorf(RateLimited, "too many signups right now, try again later")
	}
	hash, err := a.passwords.Hash(ctx, r.Password)
	if err != nil {
		// Refused before any work: the signup did not happen.
		a.signups.addr.Refund(addr)
		a.signups.all.Refund("all")
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

func orDash(addr string) string {
	if addr == "" {
		return "-"
	}
	return addr
}

// Login returns a new session. Unknown usernames and wrong passwords get the
// same error after the same work, so neither reveals whether a user exists.
// The attempt is reserved in the failure buckets before the password is
// checked and given back if it was right (login_limits.go).
func (a *Accounts) Login(ctx context.Context, r LoginRequest) (LoginResult, error) {
	if err := validateString("username", r.Username); err != nil {
		return LoginResult{}, err
	}
	name := strings.ToLower(r.Username)
	if len(name) > 64 {
		name = name[:64] // no such account exists; this keeps limiter keys small
	}
	addr := orDash(r.Addr)
	u, hash, err := a.store.UserByUsername(ctx, name)
	if err != nil && ErrorCode(err) != NotFound {
		return LoginResult{}, err
	}
	found := err == nil
	var device []byte
	if found && r.DeviceToken != "" && len(r.DeviceToken) <= 128 {
		h := TokenHash(r.DeviceToken)
		known, err := a.store.KnownDevice(ctx, u.ID, h)
		if err != nil {
			return LoginResult{}, err
		}
		if known {
			device = h
		}
	}
	res, ok := a.login.reserve(name, addr, device != nil)
	if !ok {
		return LoginResult{}, Errorf(RateLimited, "too many failed logins, try again later")
	}
	if !found {
		hash = a.dummyPW
	}
	ok, err = a.passwords.VerifyLogin(ctx, r.Password, hash)
	if err != nil {
		res.refund() // busy or broken: not a guess
		return LoginResult{}, err
	}
	if !found || !ok {
		return LoginResult{}, Errorf(Unauthorized, "wrong username or password")
	}
	res.refund()
	deviceToken := r.DeviceToken
	if device == nil {
		deviceToken = newToken()
		device = TokenHash(deviceToken)
	}
	token, s, err := a.newSession(ctx, u.ID, r.UserAgent, r.Addr, device)
	if err != nil {
		return LoginResult{}, err
	}
	return LoginResult{Token: token, User: u, DeviceToken: deviceToken, Session: s}, nil
}

// IssueToken creates a session without a password check. It exists for
// operators and the load generator (`parley bench` prepares thousands of
// users), never for a client request.
func (a *Accounts) IssueToken(ctx context.Context, user UserID) (string, error) {
	token, _, err := a.newSession(ctx, user, "parley bench", "", nil)
	return token, err
}

func newToken() string {
	raw := make([]byte, 32) // 256 random bits
	if _, err := rand.Read(raw); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

// maxUserAgent bounds what a session keeps of the login's User-Agent.
const maxUserAgent = 256

func (a *Accounts) newSession(ctx context.Context, user UserID, agent, addr string, device []byte) (string, Session, error) {
	token := newToken()
	now := a.now().UTC().Truncate(time.Millisecond)
	if len(agent) > maxUserAgent {
		agent = agent[:maxUserAgent]
	}
	agent = strings.ToValidUTF8(agent, "")
	s := Session{
		ID: newID(), TokenHash: TokenHash(token), UserID: user, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(a.limits.SessionTTL), UserAgent: agent, Addr: addr, DeviceHash: device,
	}
	if err := a.store.CreateSession(ctx, s); err != nil {
		return "", Session{}, err
	}
	// A user's sessions are bounded: logging in over and over (a script, a
	// leaked password) ends the least recently used ones instead of growing
	// the table and the sessions list without end.
	ended, err := a.store.TrimSessions(ctx, user, a.limits.MaxSessionsPerUser)
	a.outages.Observe("trim sessions", err)
	a.ended(ctx, ended)
	return token, s, nil
}

// TokenHash is what the store keeps instead of the token.
func TokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Authenticate resolves a bearer token to its session, and notes the use
// (coalesced: sessions.go).
func (a *Accounts) Authenticate(ctx context.Context, token string) (Session, error) {
	if token == "" || len(token) > 128 {
		return Session{}, Errorf(Unauthorized, "missing or malformed token")
	}
	return a.sessionByHash(ctx, TokenHash(token))
}

func (a *Accounts) sessionByHash(ctx context.Context, hash []byte) (Session, error) {
	s, err := a.store.SessionByTokenHash(ctx, hash)
	if ErrorCode(err) == NotFound {
		return Session{}, Errorf(Unauthorized, "invalid or revoked token")
	}
	if err != nil {
		return Session{}, err
	}
	now := a.now()
	if !now.Before(s.ExpiresAt) || !now.Before(s.LastSeenAt.Add(a.limits.SessionIdleTimeout)) {
		return Session{}, Errorf(Unauthorized, "session expired")
	}
	a.touch(ctx, s, now)
	return s, nil
}

// Logout revokes the session and ends the live connections opened with it,
// on every node.
func (a *Accounts) Logout(ctx context.Context, s Session) error {
	if err := a.store.DeleteSession(ctx, s.TokenHash); err != nil && ErrorCode(err) != NotFound {
		return err
	}
	a.ended(ctx, []Session{s})
	return nil
}

// ended closes the live connections (WebSockets and poll sessions) of
// sessions that are gone from the store, on every node, with 4500. The
// sessions are refused from now on whatever happens here; a lost event only
// leaves open connections to end at their next check.
func (a *Accounts) ended(ctx context.Context, sessions []Session) {
	for _, s := range sessions {
		err := a.bus.Publish(context.WithoutCancel(ctx), UserTopic(s.UserID),
			Event{Type: EvSessionEnded, Session: s.ID, Data: []byte("{}")})
		a.outages.Observe("publish", err)
	}
}

func (a *Accounts) User(ctx context.Context, id UserID) (User, error) {
	return a.store.UserByID(ctx, id)
}
