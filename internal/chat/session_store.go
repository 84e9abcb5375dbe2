package chat

import (
	"context"
	"time"
)

// SessionStore is what the account security features need of the store
// beyond CreateSession, SessionByTokenHash and DeleteSession. Every method
// that deletes sessions returns the deleted ones, so the caller can end
// their live connections and the Redis session cache can revoke them.
type SessionStore interface {
	// SessionsForUser lists the user's sessions, most recently used first.
	SessionsForUser(ctx context.Context, user UserID) ([]Session, error)
	// DeleteUserSession deletes the user's session id; NotFound when the
	// user has no such session (another user's id included).
	DeleteUserSession(ctx context.Context, user UserID, id string) (Session, error)
	// DeleteOtherSessions deletes every session of the user except keepID.
	DeleteOtherSessions(ctx context.Context, user UserID, keepID string) ([]Session, error)
	// ChangePassword sets the user's password hash and deletes every other
	// session of the user in one transaction: no old session outlives the
	// old password.
	ChangePassword(ctx context.Context, user UserID, hash string, keepID string) ([]Session, error)
	// TouchSession moves the session's LastSeenAt forward to at (never back).
	TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error
	// DeleteExpiredSessions deletes the sessions whose ExpiresAt is not after
	// now or whose LastSeenAt is before idleBefore, at most limit of them.
	DeleteExpiredSessions(ctx context.Context, now, idleBefore time.Time, limit int) ([]Session, error)
	// TrimSessions deletes the user's least recently used sessions beyond
	// the newest keep.
	TrimSessions(ctx context.Context, user UserID, keep int) ([]Session, error)
	// KnownDevice reports whether a session of the user carries deviceHash.
	KnownDevice(ctx context.Context, user UserID, deviceHash []byte) (bool, error)

	// CreateTicket stores a WebSocket ticket; ConsumeTicket deletes and
	// returns it in one step, so a ticket is redeemed at most once however
	// many nodes try: NotFound when it is unknown, used or expired at now.
	CreateTicket(ctx context.Context, t Ticket) error
	ConsumeTicket(ctx context.Context, hash []byte, now time.Time) (Ticket, error)
	DeleteExpiredTickets(ctx context.Context, now time.Time) (int, error)
}

// Ticket is a short-lived, single-use pass for one WebSocket handshake,
// issued to a session (sessions.go). Only its SHA-256 is stored.
type Ticket struct {
	Hash      []byte
	TokenHash []byte // the session it stands for
	UserID    UserID
	ExpiresAt time.Time
}
