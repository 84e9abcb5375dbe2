package chat

import (
	"context"
	"time"
)

// SessionInfo is a session as its owner sees it in the sessions list.
type SessionInfo struct {
	ID         string `json:"id"`
	UserAgent  string `json:"user_agent"`
	Address    string `json:"address"`
	CreatedAt  Time   `json:"created_at"`
	LastSeenAt Time   `json:"last_seen_at"`
	ExpiresAt  Time   `json:"expires_at"`
	Current    bool   `json:"current"` // the session of the request that listed them
}

// Sessions lists the caller's sessions, most recently used first. Sessions
// past their end that the sweeper has not removed yet are left out.
func (a *Accounts) Sessions(ctx context.Context, s Session) ([]SessionInfo, error) {
	all, err := a.store.SessionsForUser(ctx, s.UserID)
	if err != nil {
		return nil, err
	}
	now := a.now()
	out := make([]SessionInfo, 0, len(all))
	for _, x := range all {
		if !now.Before(x.ExpiresAt) || !now.Before(x.LastSeenAt.Add(a.limits.SessionIdleTimeout)) {
			continue
		}
		out = append(out, SessionInfo{
			ID: x.ID, UserAgent: x.UserAgent, Address: x.Addr, CreatedAt: TimeOf(x.CreatedAt),
			LastSeenAt: TimeOf(x.LastSeenAt), ExpiresAt: TimeOf(x.ExpiresAt), Current: x.ID == s.ID,
		})
	}
	return out, nil
}

// EndSession ends one of the caller's sessions (the caller's own included:
// that is a logout) and closes its live connections everywhere.
func (a *Accounts) EndSession(ctx context.Context, s Session, id string) error {
	gone, err := a.store.DeleteUserSession(ctx, s.UserID, id)
	if ErrorCode(err) == NotFound {
		return Errorf(NotFound, "no such session")
	}
	if gone.ID != "" {
		// Gone from the store even when the session cache failed (err):
		// its connections end either way.
		a.ended(ctx, []Session{gone})
	}
	return err
}

// EndOtherSessions ends every session of the caller but the caller's own,
// and returns how many ended.
func (a *Accounts) EndOtherSessions(ctx context.Context, s Session) (int, error) {
	gone, err := a.store.DeleteOtherSessions(ctx, s.UserID, s.ID)
	a.ended(ctx, gone) // even with err: what the store deleted is gone
	return len(gone), err
}

type ChangePasswordRequest struct {
	CurrentPassword string `json:"current_password" required:"true"`
	NewPassword     string `json:"new_password" required:"true"`
	Addr            string `json:"-"`
}

// ChangePassword checks the current password (under the same failure limits
// as a login, so a stolen token cannot be used to guess it faster), stores
// the new one and ends every other session of the user: their live
// connections close with 4500. The caller's session goes on.
func (a *Accounts) ChangePassword(ctx context.Context, s Session, r ChangePasswordRequest) error {
	if err := ValidatePassword(r.NewPassword); err != nil {
		return err
	}
	u, hash, err := a.userWithHash(ctx, s.UserID)
	if err != nil {
		return err
	}
	// The caller's session is a known device: the per-username bucket, which
	// guards against strangers, does not apply.
	res, ok := a.login.reserve(u.Username, orDash(r.Addr), true)
	if !ok {
		return Errorf(RateLimited, "too many wrong passwords, try again later")
	}
	ok, err = a.passwords.Verify(ctx, r.CurrentPassword, hash)
	if err != nil {
		res.refund()
		return err
	}
	if !ok {
		// Forbidden, not Unauthorized: the session is fine, and clients take
		// 401 to mean it is not.
		return Errorf(Forbidden, "the current password is wrong")
	}
	res.refund()
	newHash, err := a.passwords.Hash(ctx, r.NewPassword)
	if err != nil {
		return err
	}
	gone, err := a.store.ChangePassword(ctx, s.UserID, newHash, s.ID)
	a.ended(ctx, gone) // even with err: what the store deleted is gone
	return err
}

func (a *Accounts) userWithHash(ctx context.Context, id UserID) (User, string, error) {
	u, err := a.store.UserByID(ctx, id)
	if err != nil {
		return User{}, "", err
	}
	u, hash, err := a.store.UserByUsername(ctx, u.Username)
	return u, hash, err
}

// touchEvery is how often a session in use has its last-seen written: at
// most once a minute (a write per request would double the store's load),
// and often enough for the idle timeout to be exact to a quarter of itself.
func (a *Accounts) touchEvery() time.Duration {
	return min(time.Minute, a.limits.SessionIdleTimeout/4)
}

// touch writes s's last-seen when it is older than touchEvery. This node
// remembers what it wrote, so concurrent requests of one session write once;
// across nodes the Redis session cache coalesces (internal/redis/session.go).
func (a *Accounts) touch(ctx context.Context, s Session, now time.Time) {
	every := a.touchEvery()
	if now.Sub(s.LastSeenAt) < every || !a.claimTouch(string(s.TokenHash), now, every) {
		return
	}
	err := a.store.TouchSession(context.WithoutCancel(ctx), s.TokenHash, now.UTC().Truncate(time.Millisecond))
	a.outages.Observe("touch session", err)
}

// claimTouch reports whether this node should write the last-seen of the session key names now.
func (a *Accounts) claimTouch(id string, now time.Time, every time.Duration) bool {
	a.touchMu.Lock()
	defer a.touchMu.Unlock()
	if now.Sub(a.touchSwept) > every {
		for k, t := range a.touched {
			if now.Sub(t) >= every {
				delete(a.touched, k)
			}
		}
		a.touchSwept = now
	}
	if t, ok := a.touched[id]; ok && now.Sub(t) < every {
		return false
	}
	a.touched[id] = now
	return true
}

// TouchLive notes that sessions with a live connection (WebSocket or poll)
// are in use: a client that stays connected is active even when it makes
// no REST call, and must not reach the idle timeout. The realtime server
// calls it every TouchEvery for the sessions connected to this node.
func (a *Accounts) TouchLive(ctx context.Context, tokenHashes [][]byte) {
	now := a.now()
	every := a.touchEvery()
	for _, h := range tokenHashes {
		if !a.claimTouch(string(h), now, every) {
			continue
		}
		err := a.store.TouchSession(ctx, h, now.UTC().Truncate(time.Millisecond))
		if a.outages.Observe("touch session", err); err != nil {
			return
		}
	}
}

// EndedSessions reports which of the sessions (by token hash) of live
// connections are gone from the store or past their end. A store that
// cannot answer ends nothing: an outage must not log everyone out.
func (a *Accounts) EndedSessions(ctx context.Context, tokenHashes [][]byte) map[string]bool {
	ended := make(map[string]bool)
	for _, h := range tokenHashes {
		_, err := a.sessionByHash(ctx, h)
		switch ErrorCode(err) {
		case "":
		case Unauthorized:
			ended[string(h)] = true
		default:
			a.log.Warn("check live session", "err", err)
			return ended
		}
	}
	return ended
}

// TouchEvery is how often live connections should be reported to TouchLive.
func (a *Accounts) TouchEvery() time.Duration { return a.touchEvery() }

// SweepSessions deletes sessions past their absolute or idle end and expired
// tickets, and closes the live connections of the deleted sessions. Every
// node sweeps; each deleted session is returned to one sweeper only.
func (a *Accounts) SweepSessions(ctx context.Context) (int, error) {
	now := a.now().UTC()
	n := 0
	for {
		gone, err := a.store.DeleteExpiredSessions(ctx, now, now.Add(-a.limits.SessionIdleTimeout), 500)
		a.ended(ctx, gone)
		n += len(gone)
		if err != nil {
			return n, err
		}
		if len(gone) < 500 {
			break
		}
	}
	if _, err := a.store.DeleteExpiredTickets(ctx, now); err != nil {
		return n, err
	}
	return n, nil
}

// SweepEvery is how often SweepSessions should run.
func (a *Accounts) SweepEvery() time.Duration {
	return min(max(a.limits.SessionIdleTimeout/4, 50*time.Millisecond), 5*time.Minute)
}

// IssueTicket returns a WebSocket ticket for the session: good for one
// handshake within TicketTTL (docs/protocol.md, "Connecting"). Browsers
// cannot put a header on a WebSocket, and a URL ends up in places a header
// does not (proxy logs, browser history): a ticket there is worthless once
// used or a few seconds old, unlike the session's token.
func (a *Accounts) IssueTicket(ctx context.Context, s Session) (string, time.Time, error) {
	if !a.tickets.Allow(s.ID) {
		return "", time.Time{}, Errorf(RateLimited, "too many tickets, slow down")
	}
	ticket := newToken()
	exp := a.now().UTC().Truncate(time.Millisecond).Add(a.limits.TicketTTL)
	err := a.store.CreateTicket(ctx, Ticket{Hash: TokenHash(ticket), TokenHash: s.TokenHash, UserID: s.UserID, ExpiresAt: exp})
	return ticket, exp, err
}

// RedeemTicket consumes a ticket and returns the session it was issued to,
// provided that session is still valid.
func (a *Accounts) RedeemTicket(ctx context.Context, ticket string) (Session, error) {
	if ticket == "" || len(ticket) > 128 {
		return Session{}, Errorf(Unauthorized, "missing or malformed ticket")
	}
	t, err := a.store.ConsumeTicket(ctx, TokenHash(ticket), a.now())
	if ErrorCode(err) == NotFound {
		return Session{}, Errorf(Unauthorized, "invalid, used or expired ticket")
	}
	if err != nil {
		return Session{}, err
	}
	return a.sessionByHash(ctx, t.TokenHash)
}
