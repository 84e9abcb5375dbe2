package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"

	"parley/internal/chat"
)

const msgCols = `room_id, seq, id, sender_id, client_id, kind, text, reply_to, system, created_at, edited_at, deleted`

// appendMessage is the one place a seq is assigned. It runs inside the
// caller's write transaction, so the seq, the row and the room's counters
// commit together or not at all: seqs stay 1..last_seq with no gaps.
//
// The idempotency check is the insert itself: a resend hits the unique
// (sender_id, client_id) index and inserts nothing. That is as exact as
// looking first and saves a statement on the hot path, where modernc
// re-parses every statement (about a fifth of a send's cost).
func (s *Store) appendMessage(ctx context.Context, tx *sql.Tx, m chat.NewMessage) (chat.Message, bool, error) {
	st := s.stmts
	if m.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return chat.Message{}, false, fmt.Errorf("sqlite: message id: %w", err)
		}
		m.ID = id.String()
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = time.Now()
	}
	var system sql.NullString
	if m.System != nil {
		b, err := chat.EncodeSystemEvent(m.System)
		if err != nil {
			return chat.Message{}, false, err
		}
		system = sql.NullString{String: string(b), Valid: true}
	}
	created := toMS(m.CreatedAt)

	var seq int64
	err := tx.StmtContext(ctx, st.nextSeq).QueryRowContext(ctx, string(m.RoomID)).Scan(&seq)
	if err != nil {
		return chat.Message{}, false, translate(err, "room")
	}
	res, err := tx.StmtContext(ctx, st.insert).ExecContext(ctx,
		string(m.RoomID), seq, m.ID, string(m.SenderID), m.ClientID, string(m.Kind), m.Text, m.ReplyTo, system, created)
	if err != nil {
		return chat.Message{}, false, translate(err, "message")
	}
	if n, err := res.RowsAffected(); err != nil {
		return chat.Message{}, false, translate(err, "message")
	} else if n == 0 {
		// The client_id <> '' term lets SQLite use the partial index; it
		// cannot prove that of a bound parameter and would scan every message.
		prev, err := scanMessage(tx.StmtContext(ctx, st.byClientID).QueryRowContext(ctx,
			string(m.SenderID), m.ClientID))
		if err != nil {
			return chat.Message{}, false, translate(err, "message")
		}
		if prev.Mentions, err = mentionsOf(ctx, tx, prev.RoomID, prev.Seq); err != nil {
			return chat.Message{}, false, err
		}
		prev, err = withAttachments(ctx, tx, prev)
		return prev, true, err
	}
	// MAX keeps last_message_at monotonic when the clocks of concurrent
	// senders disagree, so the room list order never jumps back.
	if _, err := tx.StmtContext(ctx, st.bumpRoom).ExecContext(ctx,
		seq, created, string(m.RoomID)); err != nil {
		return chat.Message{}, false, translate(err, "room")
	}
	if err := insertMentions(ctx, tx, m.RoomID, seq, m.Mentions); err != nil {
		return chat.Message{}, false, err
	}
	if m.SenderID != "" {
		// Sending reads everything before it. A non-member sender (not the
		// service's case) simply matches no row.
		if _, err := tx.StmtContext(ctx, st.senderRead).ExecContext(ctx,
			seq, string(m.RoomID), string(m.SenderID), seq); err != nil {
			return chat.Message{}, false, translate(err, "member")
		}
	}
	msg := chat.Message{
		ID: m.ID, RoomID: m.RoomID, Seq: seq, SenderID: m.SenderID, ClientID: m.ClientID,
		Kind: m.Kind, Text: m.Text, ReplyTo: m.ReplyTo, System: m.System, CreatedAt: fromMS(created),
		Mentions: m.Mentions,
	}
	msg.Attachments, err = linkAttachments(ctx, tx, msg, m.Attachments)
	return msg, false, err
}

// Messages returns a page of history. Limit applies in the requested order:
// newest first keeps the Limit newest of the range, Asc the Limit oldest.
// Limit <= 0 means no limit.
func (s *Store) Messages(ctx context.Context, room chat.RoomID, p chat.Page) ([]chat.Message, error) {
	before := p.Before
	if before <= 0 {
		before = math.MaxInt64
	}
	limit := int64(p.Limit)
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	q := `SELECT ` + msgCols + ` FROM messages WHERE room_id = ? AND seq > ? AND seq < ? ORDER BY seq DESC LIMIT ?`
	if p.Asc {
		q = `SELECT ` + msgCols + ` FROM messages WHERE room_id = ? AND seq > ? AND seq < ? ORDER BY seq ASC LIMIT ?`
	}
	rows, err := s.r.QueryContext(ctx, q, string(room), p.After, before, limit)
	if err != nil {
		return nil, translate(err, "messages")
	}
	defer rows.Close()
	msgs := make([]chat.Message, 0, min(max(limit, 0), 100))
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, translate(err, "messages")
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "messages")
	}
	if err := fillMentions(ctx, s.r, room, msgs); err != nil {
		return nil, err
	}
	return msgs, fillAttachments(ctx, s.r, room, msgs)
}

func (s *Store) Message(ctx context.Context, room chat.RoomID, seq int64) (chat.Message, error) {
	m, err := scanMessage(s.r.QueryRowContext(ctx,
		`SELECT `+msgCols+` FROM messages WHERE room_id = ? AND seq = ?`, string(room), seq))
	if err != nil {
		return m, translate(err, "message")
	}
	if m.Mentions, err = mentionsOf(ctx, s.r, room, seq); err != nil {
		return m, err
	}
	return withAttachments(ctx, s.r, m)
}

// withAttachments is m with its attachments filled in.
func withAttachments(ctx context.Context, q querier, m chat.Message) (chat.Message, error) {
	ms := []chat.Message{m}
	err := fillAttachments(ctx, q, m.RoomID, ms)
	return ms[0], err
}

func (s *Store) EditMessage(ctx context.Context, room chat.RoomID, seq int64, text string, at time.Time, mentions []chat.UserID) (m chat.Message, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		m, err = scanMessage(tx.QueryRowContext(ctx,
			`UPDATE messages SET text = ?, edited_at = ? WHERE room_id = ? AND seq = ? RETURNING `+msgCols,
			text, toMS(at), string(room), seq))
		if err != nil {
			return translate(err, "message")
		}
		m.Mentions = mentions
		if err = replaceMentions(ctx, tx, room, seq, mentions); err != nil {
			return err
		}
		m, err = withAttachments(ctx, tx, m)
		return err
	})
	return m, err
}

// DeleteMessage leaves a tombstone: the seq slot stays, so history has no
// holes and clients can tell "deleted" from "never received". at is recorded
// as edited_at, the time the message last changed.
func (s *Store) DeleteMessage(ctx context.Context, room chat.RoomID, seq int64, at time.Time) (m chat.Message, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		m, err = scanMessage(tx.QueryRowContext(ctx,
			`UPDATE messages SET text = '', deleted = 1, edited_at = ? WHERE room_id = ? AND seq = ? RETURNING `+msgCols,
			toMS(at), string(room), seq))
		if err != nil {
			return translate(err, "message")
		}
		if err = clearExtras(ctx, tx, room, seq); err != nil {
			return err
		}
		return unlinkAttachments(ctx, tx, room, seq)
	})
	return m, err
}

// scanMessage reads the msgCols columns of one row.
func scanMessage(sc scanner) (chat.Message, error) {
	var r msgRow
	if err := sc.Scan(r.dest()...); err != nil {
		return chat.Message{}, err
	}
	m, _, err := r.message()
	return m, err
}

// msgRow holds msgCols as nullable values, so the same scan serves a LEFT
// JOIN that may find no message.
type msgRow struct {
	roomID, id, senderID, clientID, kind, text, system sql.NullString
	seq, replyTo, created, edited                      sql.NullInt64
	deleted                                            sql.NullBool
}

func (r *msgRow) dest() []any {
	return []any{&r.roomID, &r.seq, &r.id, &r.senderID, &r.clientID, &r.kind, &r.text,
		&r.replyTo, &r.system, &r.created, &r.edited, &r.deleted}
}

// message converts the row; ok is false when the row held no message.
func (r *msgRow) message() (m chat.Message, ok bool, err error) {
	if !r.id.Valid {
		return chat.Message{}, false, nil
	}
	m = chat.Message{
		ID: r.id.String, RoomID: chat.RoomID(r.roomID.String), Seq: r.seq.Int64,
		SenderID: chat.UserID(r.senderID.String), ClientID: r.clientID.String,
		Kind: chat.MessageKind(r.kind.String), Text: r.text.String, ReplyTo: r.replyTo.Int64,
		CreatedAt: fromMS(r.created.Int64), Deleted: r.deleted.Bool,
	}
	if r.edited.Valid {
		t := fromMS(r.edited.Int64)
		m.EditedAt = &t
	}
	if r.system.Valid {
		m.System = new(chat.SystemEvent)
		if err := json.Unmarshal([]byte(r.system.String), m.System); err != nil {
			return chat.Message{}, false, fmt.Errorf("sqlite: message %s: decode system event: %w", m.ID, err)
		}
	}
	return m, true, nil
}

// appendStmts are appendMessage's statements, prepared once on the writer
// connection: modernc.org/sqlite has no statement cache, and parsing was a
// third of a send's cost. tx.StmtContext reuses them, since every write
// transaction runs on that one connection.
type appendStmts struct {
	nextSeq, insert, byClientID, bumpRoom, senderRead *sql.Stmt
}

func prepareAppend(ctx context.Context, w *sql.DB) (*appendStmts, error) {
	var st appendStmts
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&st.nextSeq, `SELECT last_seq + 1 FROM rooms WHERE id = ?`},
		{&st.insert, `INSERT INTO messages (` + msgCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0)
		 ON CONFLICT (sender_id, client_id) WHERE client_id <> '' DO NOTHING`},
		// The client_id <> '' term lets SQLite use the partial index; it
		// cannot prove that of a bound parameter and would scan every message.
		{&st.byClientID, `SELECT ` + msgCols + ` FROM messages WHERE sender_id = ? AND client_id = ? AND client_id <> ''`},
		// MAX keeps last_message_at monotonic when the clocks of concurrent
		// senders disagree, so the room list order never jumps back.
		{&st.bumpRoom, `UPDATE rooms SET last_seq = ?, last_message_at = MAX(last_message_at, ?) WHERE id = ?`},
		{&st.senderRead, `UPDATE members SET last_read_seq = ? WHERE room_id = ? AND user_id = ? AND last_read_seq < ?`},
	} {
		stmt, err := w.PrepareContext(ctx, p.sql)
		if err != nil {
			return nil, fmt.Errorf("sqlite: prepare: %w", err)
		}
		*p.dst = stmt
	}
	return &st, nil
}
