package sqlrow

import (
	"time"

	"parley/internal/chat"
)

// SessionCols are what ScanSession reads, and a session's insert.
const SessionCols = `id, token_hash, user_id, created_at, expires_at, last_seen_at, user_agent, addr, device_hash`

func ScanSession(sc Scanner) (chat.Session, error) {
	var (
		se                     chat.Session
		created, expires, seen Time
	)
	if err := sc.Scan(&se.ID, &se.TokenHash, &se.UserID, &created, &expires, &seen, &se.UserAgent, &se.Addr, &se.DeviceHash); err != nil {
		return chat.Session{}, err
	}
	se.CreatedAt, se.ExpiresAt, se.LastSeenAt = created.Time, expires.Time, seen.Time
	return se, nil
}

// TicketCols are what ScanLiveTicket reads, and a ticket's insert.
const TicketCols = `hash, token_hash, user_id, expires_at`

// ScanLiveTicket reads TicketCols, and a ticket expired at now is NotFound.
func ScanLiveTicket(sc Scanner, now time.Time) (chat.Ticket, error) {
	t, err := scanTicket(sc)
	if err == nil && !now.Before(t.ExpiresAt) {
		return chat.Ticket{}, chat.Errorf(chat.NotFound, "ticket expired")
	}
	return t, err
}

func scanTicket(sc Scanner) (chat.Ticket, error) {
	var (
		t   chat.Ticket
		exp Time
	)
	if err := sc.Scan(&t.Hash, &t.TokenHash, &t.UserID, &exp); err != nil {
		return chat.Ticket{}, err
	}
	t.ExpiresAt = exp.Time
	return t, nil
}
