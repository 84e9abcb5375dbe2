package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

// appendSQL is a whole send in one statement, which PostgreSQL runs as one
// transaction (or as part of the caller's):
//
//   - mem: the sender's membership. A member's send ($10) is stored, or
//     found again, only if the sender is a member not blocked in the room;
//     the membership goes back with the message (NewMessage.Member).
//   - prev: the idempotency check. A message with this (sender, client_id)
//     is returned as it is, with dup = true, and nothing else happens. Like
//     the SQLite store, a resend into a missing room is NotFound.
//   - r: the seq. The UPDATE locks the room's row until commit, so a room's
//     writers, on every node, take turns; each reads the last_seq its
//     predecessor committed. GREATEST keeps last_message_at monotonic when
//     the clocks of concurrent senders disagree, so the room list order
//     never jumps back.
//   - ins: the message, at that seq.
//   - rd: the sender's read position moves to the new message (sending reads
//     everything before it), found by its primary key. With no new message
//     the comparison is with NULL and moves nothing; a system message has no
//     sender and moves none.
//
// No row back means the room does not exist, or a member's send was
// refused (refusal tells which). If a concurrent send of the same
// (sender, client_id) committed after prev looked, the insert fails on the
// unique index, which rolls back the statement, seq increment included, so no
// seq is ever skipped; the caller runs it again and prev finds the winner.
//
// prev repeats the partial index's predicate on client_id as a literal, so
// the planner can use that index even in a generic plan of this prepared
// statement. Parameters are cast because some are used where their type
// cannot be inferred.
const appendSQL = `
WITH mem AS (
	SELECT m.last_read_seq, m.blocked, ro.kind = 'direct' AND ro.member_count = 1 AS lone
	FROM members m JOIN rooms ro ON ro.id = m.room_id
	WHERE $10::boolean AND m.room_id = $1::text AND m.user_id = $4::text
), prev AS (
	SELECT ` + sqlrow.MsgCols + ` FROM messages
	WHERE $5::text <> '' AND sender_id = $4::text AND client_id = $5::text AND client_id <> ''
	  AND EXISTS (SELECT FROM rooms WHERE id = $1::text)
	  AND (NOT $10::boolean OR EXISTS (SELECT FROM mem WHERE NOT blocked))
), r AS (
	UPDATE rooms SET last_seq = last_seq + 1, last_message_at = GREATEST(last_message_at, $2::timestamptz),
	       counted = counted + CASE WHEN $6::text = 'system' THEN 0 ELSE 1 END
	WHERE id = $1::text AND NOT EXISTS (SELECT FROM prev)
	  AND (NOT $10::boolean OR EXISTS (SELECT FROM mem WHERE NOT blocked))
	RETURNING last_seq, counted
), ins AS (
	INSERT INTO messages (room_id, seq, id, sender_id, client_id, kind, text, reply_to, system, created_at, counted)
	SELECT $1::text, last_seq, $3::text, $4::text, $5::text, $6::text, $7::text, $8::bigint, $9::jsonb, $2::timestamptz, counted
	FROM r
	RETURNING ` + sqlrow.MsgCols + `
), rd AS (
	UPDATE members SET last_read_seq = (SELECT seq FROM ins)
	WHERE room_id = $1::text AND user_id = $4::text AND last_read_seq < (SELECT seq FROM ins)
)
SELECT true, ` + sqlrow.MsgCols + `, (SELECT last_read_seq FROM mem), (SELECT lone FROM mem) FROM prev
UNION ALL
SELECT false, ` + sqlrow.MsgCols + `, (SELECT last_read_seq FROM mem), (SELECT lone FROM mem) FROM ins`

// AppendMessage queues a message for the group commit (commit.go) and
// waits for it. A message with mentions or attachments is a transaction of
// its own, since their rows must commit with it.
func (s *Store) AppendMessage(ctx context.Context, m chat.NewMessage) (chat.Message, bool, error) {
	return s.QueueAppend(ctx, m)()
}

// appendAlone is one statement, so one round trip and one transaction.
func (s *Store) appendAlone(ctx context.Context, m chat.NewMessage) (chat.Message, bool, error) {
	if len(m.Mentions) > 0 || len(m.Attachments) > 0 {
		return s.appendInTx(ctx, m)
	}
	for attempt := 1; ; attempt++ {
		msg, dup, err := appendMessage(ctx, s.pool, m)
		if errors.Is(err, errRaced) && attempt < maxAttempts {
			continue
		}
		return msg, dup, translate(err, "message")
	}
}

// appendInTx appends a message whose links (attachments) must commit with it.
func (s *Store) appendInTx(ctx context.Context, m chat.NewMessage) (msg chat.Message, dup bool, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) (err error) {
		msg, dup, err = appendMessage(ctx, tx, m)
		return err
	})
	return msg, dup, err
}

// appendMessage is the one place a seq is assigned; see appendSQL. On q = a
// transaction, errRaced means that transaction is aborted and must be run
// again from the start (inTx does).
func appendMessage(ctx context.Context, q querier, m chat.NewMessage) (chat.Message, bool, error) {
	args, err := appendArgs(&m)
	if err != nil {
		return chat.Message{}, false, err
	}
	msg, dup, err := scanAppend(q.QueryRow(ctx, appendSQL, args...), &m)
	if chat.ErrorCode(err) == chat.NotFound {
		err = refusal(ctx, q, m, err)
	}
	if err != nil {
		return chat.Message{}, false, err
	}
	if dup {
		if msg.Mentions, err = mentionsOf(ctx, q, msg.RoomID, msg.Seq); err == nil {
			msg, err = withAttachments(ctx, q, msg)
		}
		return msg, true, err
	}
	if err = insertMentions(ctx, q, msg.RoomID, msg.Seq, m.Mentions); err != nil {
		return msg, false, err
	}
	msg.Mentions = m.Mentions
	msg.Attachments, err = linkAttachments(ctx, q, msg, m.Attachments)
	return msg, false, err
}

// appendArgs are appendSQL's parameters for m, whose id and time it fills
// in when they are missing.
func appendArgs(m *chat.NewMessage) ([]any, error) {
	if m.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return nil, fmt.Errorf("postgres: message id: %w", err)
		}
		m.ID = id.String()
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = time.Now()
	}
	var system any // NULL
	if m.System != nil {
		b, err := chat.EncodeSystemEvent(m.System)
		if err != nil {
			return nil, err
		}
		system = b
	}
	return []any{string(m.RoomID), sqlrow.Kept(m.CreatedAt), m.ID, string(m.SenderID), m.ClientID,
		string(m.Kind), m.Text, m.ReplyTo, system, m.Member != nil}, nil
}

// scanAppend reads appendSQL's answer: the message, and whether it was
// already there (then without its mentions and attachments), and for a
// member's send the membership into m.Member.
func scanAppend(row pgx.Row, m *chat.NewMessage) (chat.Message, bool, error) {
	var (
		dup     bool
		r       sqlrow.MessageRow
		readSeq *int64
		lone    *bool
	)
	err := row.Scan(append(append([]any{&dup}, r.Dest()...), &readSeq, &lone)...)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return chat.Message{}, false, sqlrow.NotFound("room")
	case isRace(err):
		return chat.Message{}, false, errRaced
	case err != nil:
		return chat.Message{}, false, translate(err, "message")
	}
	if m.Member != nil && readSeq != nil && lone != nil {
		*m.Member = chat.Member{RoomID: m.RoomID, UserID: m.SenderID, LastReadSeq: *readSeq, Lone: *lone}
	}
	msg, _, err := r.Message()
	return msg, dup, err
}

// refusal is the error of a member's send that stored nothing (notFound,
// from scanAppend): ErrUnreachable when its sender is a member blocked in
// the room, notFound otherwise. Refusals are rare, so appendSQL leaves the
// reason to this second look.
func refusal(ctx context.Context, q querier, m chat.NewMessage, notFound error) error {
	if m.Member == nil {
		return notFound
	}
	var blocked bool
	err := q.QueryRow(ctx, `SELECT blocked FROM members WHERE room_id = $1 AND user_id = $2`,
		string(m.RoomID), string(m.SenderID)).Scan(&blocked)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return notFound
	case err != nil:
		return translate(err, "member")
	case blocked:
		return chat.ErrUnreachable()
	}
	return notFound
}

// Messages returns a page of history. Limit applies in the requested order:
// newest first keeps the Limit newest of the range, Asc the Limit oldest.
// Limit <= 0 means no limit.
func (s *Store) Messages(ctx context.Context, room chat.RoomID, p chat.Page) ([]chat.Message, error) {
	before := p.Before
	if before <= 0 {
		before = math.MaxInt64
	}
	var limit *int64 // LIMIT NULL is no limit
	if p.Limit > 0 {
		l := int64(p.Limit)
		limit = &l
	}
	q := `SELECT ` + sqlrow.MsgCols + ` FROM messages WHERE room_id = $1 AND seq > $2 AND seq < $3 ORDER BY seq DESC LIMIT $4`
	if p.Asc {
		q = `SELECT ` + sqlrow.MsgCols + ` FROM messages WHERE room_id = $1 AND seq > $2 AND seq < $3 ORDER BY seq ASC LIMIT $4`
	}
	rows, err := s.pool.Query(ctx, q, string(room), p.After, before, limit)
	if err != nil {
		return nil, translate(err, "messages")
	}
	defer rows.Close()
	msgs, err := sqlrow.AppendAll(make([]chat.Message, 0, min(max(p.Limit, 0), 100)), rows, sqlrow.ScanMessage)
	if err != nil {
		return nil, translate(err, "messages")
	}
	if err := fillMentions(ctx, s.pool, room, msgs); err != nil {
		return nil, err
	}
	return msgs, fillAttachments(ctx, s.pool, room, msgs)
}

func (s *Store) Message(ctx context.Context, room chat.RoomID, seq int64) (chat.Message, error) {
	m, err := sqlrow.ScanMessage(s.pool.QueryRow(ctx,
		`SELECT `+sqlrow.MsgCols+` FROM messages WHERE room_id = $1 AND seq = $2`, string(room), seq))
	if err != nil {
		return m, translate(err, "message")
	}
	if m.Mentions, err = mentionsOf(ctx, s.pool, room, seq); err != nil {
		return m, err
	}
	return withAttachments(ctx, s.pool, m)
}

func (s *Store) EditMessage(ctx context.Context, room chat.RoomID, seq int64, text string, at time.Time, mentions []chat.UserID) (m chat.Message, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		m, err = sqlrow.ScanMessage(tx.QueryRow(ctx,
			`UPDATE messages SET text = $1, edited_at = $2 WHERE room_id = $3 AND seq = $4 RETURNING `+sqlrow.MsgCols,
			text, sqlrow.Kept(at), string(room), seq))
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
// as edited_at, the time the message last changed. Its mentions and
// reactions go, and its attachments are unlinked in the same transaction;
// the sweeper deletes those nothing else refers to.
func (s *Store) DeleteMessage(ctx context.Context, room chat.RoomID, seq int64, at time.Time) (m chat.Message, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		m, err = sqlrow.ScanMessage(tx.QueryRow(ctx, `
			WITH gone AS (
				DELETE FROM message_attachments WHERE room_id = $2 AND seq = $3 RETURNING attachment_id
			), released AS (
				UPDATE attachments SET refs = refs - 1 WHERE id IN (SELECT attachment_id FROM gone)
			)
			UPDATE messages SET text = '', deleted = true, edited_at = $1 WHERE room_id = $2 AND seq = $3 RETURNING `+sqlrow.MsgCols,
			sqlrow.Kept(at), string(room), seq))
		if err != nil {
			return translate(err, "message")
		}
		return clearExtras(ctx, tx, room, seq)
	})
	return m, err
}
