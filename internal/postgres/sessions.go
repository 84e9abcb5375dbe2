package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

// collectSessions takes a query's two results as they come.
func collectSessions(rows pgx.Rows, err error) ([]chat.Session, error) {
	return collect(rows, err, "sessions", sqlrow.ScanSession)
}

func (s *Store) CreateSession(ctx context.Context, se chat.Session) error {
	_, err := s.pool.Exec(ctx,
		`INSERT INTO sessions (`+sqlrow.SessionCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		se.ID, se.TokenHash, string(se.UserID), sqlrow.Kept(se.CreatedAt), sqlrow.Kept(se.ExpiresAt), sqlrow.Kept(se.LastSeenAt),
		se.UserAgent, se.Addr, se.DeviceHash)
	return translate(err, "session")
}

// SessionByTokenHash returns the session even when it has expired: expiry is
// the caller's rule, so it can tell "expired" from "unknown".
func (s *Store) SessionByTokenHash(ctx context.Context, hash []byte) (chat.Session, error) {
	se, err := sqlrow.ScanSession(s.pool.QueryRow(ctx, `SELECT `+sqlrow.SessionCols+` FROM sessions WHERE token_hash = $1`, hash))
	return se, translate(err, "session")
}

// DeleteSession is idempotent: logging out twice is not an error.
func (s *Store) DeleteSession(ctx context.Context, hash []byte) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hash)
	return translate(err, "session")
}

func (s *Store) SessionsForUser(ctx context.Context, user chat.UserID) ([]chat.Session, error) {
	return collectSessions(s.pool.Query(ctx,
		`SELECT `+sqlrow.SessionCols+` FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC, id`, string(user)))
}

func (s *Store) DeleteUserSession(ctx context.Context, user chat.UserID, id string) (chat.Session, error) {
	se, err := sqlrow.ScanSession(s.pool.QueryRow(ctx,
		`DELETE FROM sessions WHERE user_id = $1 AND id = $2 RETURNING `+sqlrow.SessionCols, string(user), id))
	return se, translate(err, "session")
}

func (s *Store) DeleteOtherSessions(ctx context.Context, user chat.UserID, keepID string) ([]chat.Session, error) {
	return collectSessions(s.pool.Query(ctx,
		`DELETE FROM sessions WHERE user_id = $1 AND id <> $2 RETURNING `+sqlrow.SessionCols, string(user), keepID))
}

func (s *Store) ChangePassword(ctx context.Context, user chat.UserID, hash string, keepID string) ([]chat.Session, error) {
	var gone []chat.Session
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, string(user))
		if err != nil {
			return translate(err, "user")
		}
		if tag.RowsAffected() == 0 {
			return chat.Errorf(chat.NotFound, "user not found")
		}
		gone, err = collectSessions(tx.Query(ctx,
			`DELETE FROM sessions WHERE user_id = $1 AND id <> $2 RETURNING `+sqlrow.SessionCols, string(user), keepID))
		return err
	})
	return gone, translate(err, "sessions")
}

func (s *Store) TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error {
	_, err := s.pool.Exec(ctx,
		`UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2 AND last_seen_at < $1`, sqlrow.Kept(at), tokenHash)
	return translate(err, "session")
}

// DeleteExpiredSessions skips rows another sweeper has locked, so nodes
// sweeping at once split the work instead of waiting on each other.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now, idleBefore time.Time, limit int) ([]chat.Session, error) {
	return collectSessions(s.pool.Query(ctx, `DELETE FROM sessions WHERE token_hash IN (
		SELECT token_hash FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2
		LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING `+sqlrow.SessionCols, sqlrow.Kept(now), sqlrow.Kept(idleBefore), limit))
}

func (s *Store) TrimSessions(ctx context.Context, user chat.UserID, keep int) ([]chat.Session, error) {
	return collectSessions(s.pool.Query(ctx, `DELETE FROM sessions WHERE token_hash IN (
		SELECT token_hash FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC, created_at DESC OFFSET $2)
		RETURNING `+sqlrow.SessionCols, string(user), keep))
}

func (s *Store) KnownDevice(ctx context.Context, user chat.UserID, deviceHash []byte) (bool, error) {
	var one int
	err := s.pool.QueryRow(ctx,
		`SELECT 1 FROM sessions WHERE user_id = $1 AND device_hash = $2 LIMIT 1`, string(user), deviceHash).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, translate(err, "session")
}

func (s *Store) CreateTicket(ctx context.Context, t chat.Ticket) error {
	_, err := s.pool.Exec(ctx,
		`INSERT INTO ws_tickets (`+sqlrow.TicketCols+`) VALUES ($1, $2, $3, $4)`,
		t.Hash, t.TokenHash, string(t.UserID), sqlrow.Kept(t.ExpiresAt))
	return translate(err, "ticket") // a deleted session: foreign key → NotFound
}

// ConsumeTicket deletes the ticket and returns it: DELETE … RETURNING hands a
// row to one statement only, so a ticket redeemed twice at once is redeemed
// once.
func (s *Store) ConsumeTicket(ctx context.Context, hash []byte, now time.Time) (chat.Ticket, error) {
	t, err := sqlrow.ScanLiveTicket(s.pool.QueryRow(ctx,
		`DELETE FROM ws_tickets WHERE hash = $1 RETURNING `+sqlrow.TicketCols, hash), now)
	return t, translate(err, "ticket")
}

func (s *Store) DeleteExpiredTickets(ctx context.Context, now time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM ws_tickets WHERE expires_at <= $1`, sqlrow.Kept(now))
	if err != nil {
		return 0, translate(err, "tickets")
	}
	return int(tag.RowsAffected()), nil
}
