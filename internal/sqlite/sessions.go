package sqlite

import (
	"context"
	"database/sql"
	"time"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

func (s *Store) CreateSession(ctx context.Context, se chat.Session) error {
	_, err := s.w.ExecContext(ctx,
		`INSERT INTO sessions (`+sqlrow.SessionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		se.ID, se.TokenHash, string(se.UserID), toMS(se.CreatedAt), toMS(se.ExpiresAt), toMS(se.LastSeenAt),
		se.UserAgent, se.Addr, se.DeviceHash)
	return translate(err, "session")
}

// SessionByTokenHash returns the session even when it has expired: expiry is
// the caller's rule, so it can tell "expired" from "unknown".
func (s *Store) SessionByTokenHash(ctx context.Context, hash []byte) (chat.Session, error) {
	se, err := sqlrow.ScanSession(s.r.QueryRowContext(ctx, `SELECT `+sqlrow.SessionCols+` FROM sessions WHERE token_hash = ?`, hash))
	return se, translate(err, "session")
}

// DeleteSession is idempotent: logging out twice is not an error.
func (s *Store) DeleteSession(ctx context.Context, hash []byte) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hash)
	return translate(err, "session")
}

func (s *Store) SessionsForUser(ctx context.Context, user chat.UserID) ([]chat.Session, error) {
	rows, err := s.r.QueryContext(ctx,
		`SELECT `+sqlrow.SessionCols+` FROM sessions WHERE user_id = ? ORDER BY last_seen_at DESC, id`, string(user))
	return collect(rows, err, "sessions", sqlrow.ScanSession)
}

func (s *Store) DeleteUserSession(ctx context.Context, user chat.UserID, id string) (chat.Session, error) {
	se, err := sqlrow.ScanSession(s.w.QueryRowContext(ctx,
		`DELETE FROM sessions WHERE user_id = ? AND id = ? RETURNING `+sqlrow.SessionCols, string(user), id))
	return se, translate(err, "session")
}

func (s *Store) DeleteOtherSessions(ctx context.Context, user chat.UserID, keepID string) ([]chat.Session, error) {
	rows, err := s.w.QueryContext(ctx,
		`DELETE FROM sessions WHERE user_id = ? AND id <> ? RETURNING `+sqlrow.SessionCols, string(user), keepID)
	return collect(rows, err, "sessions", sqlrow.ScanSession)
}

func (s *Store) ChangePassword(ctx context.Context, user chat.UserID, hash string, keepID string) ([]chat.Session, error) {
	var gone []chat.Session
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, string(user))
		if err != nil {
			return translate(err, "user")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return chat.Errorf(chat.NotFound, "user not found")
		}
		rows, err := tx.QueryContext(ctx,
			`DELETE FROM sessions WHERE user_id = ? AND id <> ? RETURNING `+sqlrow.SessionCols, string(user), keepID)
		gone, err = collect(rows, err, "sessions", sqlrow.ScanSession)
		return err
	})
	return gone, err
}

func (s *Store) TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error {
	_, err := s.w.ExecContext(ctx,
		`UPDATE sessions SET last_seen_at = ? WHERE token_hash = ? AND last_seen_at < ?`, toMS(at), tokenHash, toMS(at))
	return translate(err, "session")
}

func (s *Store) DeleteExpiredSessions(ctx context.Context, now, idleBefore time.Time, limit int) ([]chat.Session, error) {
	rows, err := s.w.QueryContext(ctx, `DELETE FROM sessions WHERE token_hash IN (
		SELECT token_hash FROM sessions WHERE expires_at <= ?
		UNION SELECT token_hash FROM sessions WHERE last_seen_at < ? LIMIT ?) RETURNING `+sqlrow.SessionCols,
		toMS(now), toMS(idleBefore), limit)
	return collect(rows, err, "sessions", sqlrow.ScanSession)
}

func (s *Store) TrimSessions(ctx context.Context, user chat.UserID, keep int) ([]chat.Session, error) {
	rows, err := s.w.QueryContext(ctx, `DELETE FROM sessions WHERE token_hash IN (
		SELECT token_hash FROM sessions WHERE user_id = ? ORDER BY last_seen_at DESC, created_at DESC LIMIT -1 OFFSET ?)
		RETURNING `+sqlrow.SessionCols, string(user), keep)
	return collect(rows, err, "sessions", sqlrow.ScanSession)
}

func (s *Store) KnownDevice(ctx context.Context, user chat.UserID, deviceHash []byte) (bool, error) {
	var one int
	err := s.r.QueryRowContext(ctx,
		`SELECT 1 FROM sessions WHERE user_id = ? AND device_hash = ? LIMIT 1`, string(user), deviceHash).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return err == nil, translate(err, "session")
}

func (s *Store) CreateTicket(ctx context.Context, t chat.Ticket) error {
	_, err := s.w.ExecContext(ctx,
		`INSERT INTO ws_tickets (`+sqlrow.TicketCols+`) VALUES (?, ?, ?, ?)`,
		t.Hash, t.TokenHash, string(t.UserID), toMS(t.ExpiresAt))
	return translate(err, "ticket") // a deleted session: foreign key → NotFound
}

// ConsumeTicket deletes the ticket and returns it: DELETE … RETURNING hands a
// row to one statement only, so a ticket redeemed twice at once is redeemed
// once.
func (s *Store) ConsumeTicket(ctx context.Context, hash []byte, now time.Time) (chat.Ticket, error) {
	t, err := sqlrow.ScanLiveTicket(s.w.QueryRowContext(ctx,
		`DELETE FROM ws_tickets WHERE hash = ? RETURNING `+sqlrow.TicketCols, hash), now)
	return t, translate(err, "ticket")
}

func (s *Store) DeleteExpiredTickets(ctx context.Context, now time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM ws_tickets WHERE expires_at <= ?`, toMS(now))
	if err != nil {
		return 0, translate(err, "tickets")
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
