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
	"parley/internal/sqlrow"
)

// appendMessage is the one place a seq is assigned. It runs inside the
// caller's write transaction, so the seq, the row and the room's counters
// commit together or not at all: seqs stay 1..last_seq with no gaps.
//
// The idempotency check is the insert itself: a resend hits the unique
// (sender_id, client_id) index and inserts nothing. That is as exact as
// looking first and saves a statement on the hot path, where modernc
// re-parses every statement (about a fifth of a send's cost).
//
// A text message is indexed for search by its caller, once per transaction
// (indexTexts): commitBatch, the one caller given text; the others append
// the service's system lines.
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

	var seq, counted int64
	var readSeq sql.NullInt64
	var blocked, lone bool
	err := tx.StmtContext(ctx, st.nextSeq).QueryRowContext(ctx, string(m.RoomID), string(m.SenderID)).
		Scan(&seq, &counted, &readSeq, &blocked, &lone)
	if err != nil {
		return chat.Message{}, false, translate(err, "room")
	}
	if m.Member != nil {
		// Refused before anything is written: the rest of the batch stands.
		switch {
		case !readSeq.Valid:
			return chat.Message{}, false, errRefused{sqlrow.NotFound("member")}
		case blocked:
			return chat.Message{}, false, errRefused{chat.ErrUnreachable()}
		}
		*m.Member = chat.Member{RoomID: m.RoomID, UserID: m.SenderID, LastReadSeq: readSeq.Int64, Blocked: blocked, Lone: lone}
	}
	if m.Kind != chat.System {
		counted++
	}
	res, err := tx.StmtContext(ctx, st.insert).ExecContext(ctx,
		string(m.RoomID), seq, m.ID, string(m.SenderID), m.ClientID, string(m.Kind), m.Text, m.ReplyTo, system, created, counted)
	if err != nil {
		return chat.Message{}, false, translate(err, "message")
	}
	if n, err := res.RowsAffected(); err != nil {
		return chat.Message{}, false, translate(err, "message")
	} else if n == 0 {
		// The client_id <> '' term lets SQLite use the partial index; it
		// cannot prove that of a bound parameter and would scan every message.
		prev, err := sqlrow.ScanMessage(tx.StmtContext(ctx, st.byClientID).QueryRowContext(ctx,
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
		seq, counted, created, string(m.RoomID)); err != nil {
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
		Kind: m.Kind, Text: m.Text, ReplyTo: m.ReplyTo, System: m.System, CreatedAt: chat.TimeOf(m.CreatedAt),
		Mentions: m.Mentions,
	}
	msg.Attachments, err = linkAttachments(ctx, tx, msg, m.Attachments)
	return msg, false, err
}

// indexTexts makes the text messages among msgs searchable, in one
// statement for them all: FTS5 turns what it gathered into a new segment at
// every statement savepoint, so indexing each message as it is inserted (a
// trigger, before migration 00015) left a segment per message for its merges
// to fold together. Every write transaction that appends a text message
// calls it before it commits, so a message is searchable from its ack on.
func (s *Store) indexTexts(ctx context.Context, tx *sql.Tx, msgs ...chat.Message) error {
	var keys [][2]any
	for _, m := range msgs {
		if m.Kind == chat.Text {
			keys = append(keys, [2]any{m.RoomID, m.Seq})
		}
	}
	if len(keys) == 0 {
		return nil
	}
	b, err := json.Marshal(keys)
	if err != nil {
		return fmt.Errorf("sqlite: search keys: %w", err)
	}
	_, err = tx.StmtContext(ctx, s.stmts.index).ExecContext(ctx, string(b))
	return translate(err, "search")
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
	q := `SELECT ` + sqlrow.MsgCols + ` FROM messages WHERE room_id = ? AND seq > ? AND seq < ? ORDER BY seq DESC LIMIT ?`
	if p.Asc {
		q = `SELECT ` + sqlrow.MsgCols + ` FROM messages WHERE room_id = ? AND seq > ? AND seq < ? ORDER BY seq ASC LIMIT ?`
	}
	rows, err := s.r.QueryContext(ctx, q, string(room), p.After, before, limit)
	if err != nil {
		return nil, translate(err, "messages")
	}
	defer rows.Close()
	msgs, err := sqlrow.AppendAll(make([]chat.Message, 0, min(max(limit, 0), 100)), rows, sqlrow.ScanMessage)
	if err != nil {
		return nil, translate(err, "messages")
	}
	if err := fillMentions(ctx, s.r, room, msgs); err != nil {
		return nil, err
	}
	return msgs, fillAttachments(ctx, s.r, room, msgs)
}

func (s *Store) Message(ctx context.Context, room chat.RoomID, seq int64) (chat.Message, error) {
	m, err := sqlrow.ScanMessage(s.r.QueryRowContext(ctx,
		`SELECT `+sqlrow.MsgCols+` FROM messages WHERE room_id = ? AND seq = ?`, string(room), seq))
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
		m, err = sqlrow.ScanMessage(tx.QueryRowContext(ctx,
			`UPDATE messages SET text = ?, edited_at = ? WHERE room_id = ? AND seq = ? RETURNING `+sqlrow.MsgCols,
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
		m, err = sqlrow.ScanMessage(tx.QueryRowContext(ctx,
			`UPDATE messages SET text = '', deleted = 1, edited_at = ? WHERE room_id = ? AND seq = ? RETURNING `+sqlrow.MsgCols,
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

// appendStmts are appendMessage's statements, prepared once on the writer
// connection: modernc.org/sqlite has no statement cache, and parsing was a
// third of a send's cost. tx.StmtContext reuses them, since every write
// transaction runs on that one connection.
type appendStmts struct {
	nextSeq, insert, byClientID, bumpRoom, senderRead, index *sql.Stmt
}

func prepareAppend(ctx context.Context, w *sql.DB) (*appendStmts, error) {
	var st appendStmts
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		// The sender's membership comes with the seq: a send's check costs
		// one more index lookup in the writer, not a read transaction.
		{&st.nextSeq, `SELECT r.last_seq + 1, r.counted, m.last_read_seq, COALESCE(m.blocked, 0), r.kind = 'direct' AND r.member_count = 1
		 FROM rooms r LEFT JOIN members m ON m.room_id = r.id AND m.user_id = ?2 WHERE r.id = ?1`},
		{&st.insert, `INSERT INTO messages (` + sqlrow.MsgCols + `, counted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, ?)
		 ON CONFLICT (sender_id, client_id) WHERE client_id <> '' DO NOTHING`},
		// The client_id <> '' term lets SQLite use the partial index; it
		// cannot prove that of a bound parameter and would scan every message.
		{&st.byClientID, `SELECT ` + sqlrow.MsgCols + ` FROM messages WHERE sender_id = ? AND client_id = ? AND client_id <> ''`},
		// MAX keeps last_message_at monotonic when the clocks of concurrent
		// senders disagree, so the room list order never jumps back.
		{&st.bumpRoom, `UPDATE rooms SET last_seq = ?, counted = ?, last_message_at = MAX(last_message_at, ?) WHERE id = ?`},
		{&st.senderRead, `UPDATE members SET last_read_seq = ? WHERE room_id = ? AND user_id = ? AND last_read_seq < ?`},
		// The body is the text and the names of the files, as the
		// attachment triggers keep it; docs are numbered in the order given.
		{&st.index, `INSERT INTO search_docs (room_id, seq, sender_id, created_at, files, body)
		 SELECT m.room_id, m.seq, m.sender_id, m.created_at,
			EXISTS (SELECT 1 FROM message_attachments ma WHERE ma.room_id = m.room_id AND ma.seq = m.seq),
			m.text || coalesce((SELECT char(10) || group_concat(a.name, char(10))
				FROM message_attachments ma JOIN attachments a ON a.id = ma.attachment_id
				WHERE ma.room_id = m.room_id AND ma.seq = m.seq), '')
		 FROM json_each(?) j CROSS JOIN messages m
		 WHERE m.room_id = j.value ->> 0 AND m.seq = j.value ->> 1 AND m.kind = 'text' AND m.deleted = 0
		 ORDER BY j.key`},
	} {
		stmt, err := w.PrepareContext(ctx, p.sql)
		if err != nil {
			return nil, fmt.Errorf("sqlite: prepare: %w", err)
		}
		*p.dst = stmt
	}
	return &st, nil
}
