package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"parley/internal/chat"
)

const attCols = `id, uploader_id, kind, state, name, content_type, size, sha256, width, height, thumb_type, created_at`

func scanAttachment(row pgx.Row, lead ...any) (chat.Attachment, error) {
	var (
		a       chat.Attachment
		created time.Time
	)
	dest := append(lead, &a.ID, &a.UploaderID, &a.Kind, &a.State, &a.Name, &a.ContentType, &a.Size, &a.SHA256,
		&a.Width, &a.Height, &a.ThumbType, &created)
	if err := row.Scan(dest...); err != nil {
		return chat.Attachment{}, err
	}
	a.CreatedAt = fromDB(created)
	a.FillURLs()
	return a, nil
}

func (s *Store) CreateAttachment(ctx context.Context, a chat.Attachment) error {
	_, err := s.pool.Exec(ctx,
		`INSERT INTO attachments (id, uploader_id, kind, state, name, created_at) VALUES ($1, $2, $3, 'pending', $4, $5)`,
		a.ID, string(a.UploaderID), string(a.Kind), a.Name, toDB(a.CreatedAt))
	return translate(err, "attachment")
}

func (s *Store) CompleteAttachment(ctx context.Context, a chat.Attachment) error {
	tag, err := s.pool.Exec(ctx,
		`UPDATE attachments SET state = 'stored', content_type = $2, size = $3, sha256 = $4, width = $5, height = $6, thumb_type = $7
		 WHERE id = $1 AND state = 'pending'`,
		a.ID, a.ContentType, a.Size, a.SHA256, a.Width, a.Height, a.ThumbType)
	return oneRow(tag, err, "attachment")
}

func (s *Store) Attachment(ctx context.Context, id string) (chat.Attachment, error) {
	a, err := scanAttachment(s.pool.QueryRow(ctx, `SELECT `+attCols+` FROM attachments WHERE id = $1`, id))
	return a, translate(err, "attachment")
}

func (s *Store) Attachments(ctx context.Context, ids []string) ([]chat.Attachment, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return queryAttachments(ctx, s.pool, `SELECT `+attCols+` FROM attachments WHERE id = ANY($1)`, ids)
}

func queryAttachments(ctx context.Context, q querier, query string, args ...any) ([]chat.Attachment, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, translate(err, "attachments")
	}
	// AppendRows onto nil, not CollectRows: no rows stays a nil slice, as elsewhere.
	out, err := pgx.AppendRows([]chat.Attachment(nil), rows, func(r pgx.CollectableRow) (chat.Attachment, error) { return scanAttachment(r) })
	return out, translate(err, "attachments")
}

func (s *Store) AttachmentSharedWith(ctx context.Context, id string, user chat.UserID) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (
		SELECT FROM message_attachments ma JOIN members m ON m.room_id = ma.room_id AND m.user_id = $1
		WHERE ma.attachment_id = $2)`, string(user), id).Scan(&ok)
	return ok, translate(err, "attachment")
}

// SetAvatar locks the user's row first, so two changes of the same avatar
// take turns and each releases exactly the one it replaced.
func (s *Store) SetAvatar(ctx context.Context, user chat.UserID, attachment string) (u chat.User, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var old pgtype.Text
		if err := tx.QueryRow(ctx, `SELECT avatar_id FROM users WHERE id = $1 FOR UPDATE`, string(user)).Scan(&old); err != nil {
			return translate(err, "user")
		}
		if old.String != attachment {
			var avatar *string // NULL for none
			if attachment != "" {
				tag, err := tx.Exec(ctx, `UPDATE attachments SET refs = refs + 1
					WHERE id = $1 AND uploader_id = $2 AND kind = 'avatar' AND state = 'stored'`, attachment, string(user))
				if err := oneRow(tag, err, "attachment"); chat.ErrorCode(err) == chat.NotFound {
					return chat.Errorf(chat.Invalid, "attachment %s is not an avatar of yours", attachment)
				} else if err != nil {
					return err
				}
				avatar = &attachment
			}
			if _, err := tx.Exec(ctx, `UPDATE users SET avatar_id = $2 WHERE id = $1`, string(user), avatar); err != nil {
				return translate(err, "user")
			}
			if old.Valid {
				if _, err := tx.Exec(ctx, `UPDATE attachments SET refs = refs - 1 WHERE id = $1`, old.String); err != nil {
					return translate(err, "attachment")
				}
			}
		}
		u, _, err = scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, string(user)))
		return translate(err, "user")
	})
	return u, err
}

func (s *Store) UnreferencedAttachments(ctx context.Context, before time.Time, limit int) ([]chat.Attachment, error) {
	return queryAttachments(ctx, s.pool,
		`SELECT `+attCols+` FROM attachments WHERE refs = 0 AND created_at < $1 ORDER BY created_at LIMIT $2`,
		toDB(before), limit)
}

// ClaimAttachment is one UPDATE whose condition is on the row it locks: a
// send attaching the file at the same moment updates the same row, so one
// waits for the other and then sees its outcome (refs > 0, or deleting).
func (s *Store) ClaimAttachment(ctx context.Context, id string, before time.Time) (bool, error) {
	tag, err := s.pool.Exec(ctx,
		`UPDATE attachments SET state = 'deleting' WHERE id = $1 AND refs = 0 AND created_at < $2`, id, toDB(before))
	if err := oneRow(tag, err, "attachment"); chat.ErrorCode(err) == chat.NotFound {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return true, nil
}

func (s *Store) DeleteAttachment(ctx context.Context, id string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM attachments WHERE id = $1 AND state <> 'stored' AND refs = 0`, id)
	return translate(err, "attachment")
}

// oneRow turns a statement that matched no row into NotFound.
func oneRow(tag pgconn.CommandTag, err error, what string) error {
	if err != nil {
		return translate(err, what)
	}
	if tag.RowsAffected() == 0 {
		return notFound(what)
	}
	return nil
}

// linkAttachmentsSQL raises each attachment's refs, if it is still a stored
// file of the sender's, and links those it raised to the message, in the
// sender's order: one statement, so one round trip.
const linkAttachmentsSQL = `
WITH up AS (
	UPDATE attachments SET refs = refs + 1
	WHERE id = ANY($1::text[]) AND uploader_id = $2::text AND kind = 'file' AND state = 'stored'
	RETURNING id
)
INSERT INTO message_attachments (room_id, seq, position, attachment_id)
SELECT $3::text, $4::bigint, x.ord - 1, x.id FROM unnest($1::text[]) WITH ORDINALITY AS x(id, ord) JOIN up ON up.id = x.id`

// linkAttachments attaches the files of a new message inside its append
// transaction (q is that transaction: AppendMessage opens one for a message
// with attachments) and returns them; Invalid if any is not (any more) a
// stored file of the sender's. A message without attachments costs nothing.
func linkAttachments(ctx context.Context, q querier, msg chat.Message, atts []chat.Attachment) ([]chat.Attachment, error) {
	if len(atts) == 0 {
		return nil, nil
	}
	ids := make([]string, len(atts))
	for i, a := range atts {
		ids[i] = a.ID
	}
	tag, err := q.Exec(ctx, linkAttachmentsSQL, ids, string(msg.SenderID), string(msg.RoomID), msg.Seq)
	if err != nil {
		return nil, translate(err, "attachment")
	}
	if tag.RowsAffected() != int64(len(ids)) {
		return nil, chat.Errorf(chat.Invalid, "an attachment is not an upload of yours")
	}
	return atts, nil
}

// fillAttachments sets the attachments of msgs, which are of one room: one
// range scan of message_attachments' primary key covers a history page.
func fillAttachments(ctx context.Context, q querier, room chat.RoomID, msgs []chat.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	lo, hi := msgs[0].Seq, msgs[0].Seq
	for _, m := range msgs {
		lo, hi = min(lo, m.Seq), max(hi, m.Seq)
	}
	found, err := queryLinked(ctx, q, `WHERE ma.room_id = $1 AND ma.seq BETWEEN $2 AND $3`, string(room), lo, hi)
	if err != nil {
		return err
	}
	for i := range msgs {
		msgs[i].Attachments = found[msgKey{room, msgs[i].Seq}]
	}
	return nil
}

// withAttachments is m with its attachments filled in.
func withAttachments(ctx context.Context, q querier, m chat.Message) (chat.Message, error) {
	ms := []chat.Message{m}
	err := fillAttachments(ctx, q, m.RoomID, ms)
	return ms[0], err
}

// fillLastAttachments sets the attachments of the last messages of a
// user's room list, in one query.
func fillLastAttachments(ctx context.Context, q querier, user chat.UserID, rooms []chat.RoomSummary) error {
	if len(rooms) == 0 {
		return nil
	}
	found, err := queryLinked(ctx, q, `JOIN members m ON m.room_id = ma.room_id
		JOIN rooms r ON r.id = ma.room_id AND r.last_seq = ma.seq WHERE m.user_id = $1`, string(user))
	if err != nil {
		return err
	}
	for i := range rooms {
		if lm := rooms[i].LastMessage; lm != nil {
			// Matched by seq too: a message sent since the room list was read
			// is not the one in it.
			lm.Attachments = found[msgKey{lm.RoomID, lm.Seq}]
		}
	}
	return nil
}

type msgKey struct {
	room chat.RoomID
	seq  int64
}

// queryLinked returns the attachments of the messages that where selects
// (over message_attachments ma), by message, in the sender's order.
func queryLinked(ctx context.Context, q querier, where string, args ...any) (map[msgKey][]chat.Attachment, error) {
	rows, err := q.Query(ctx, `SELECT ma.room_id, ma.seq, a.`+strings.ReplaceAll(attCols, ", ", ", a.")+`
		FROM message_attachments ma JOIN attachments a ON a.id = ma.attachment_id `+where+`
		ORDER BY ma.room_id, ma.seq, ma.position`, args...)
	if err != nil {
		return nil, translate(err, "attachments")
	}
	defer rows.Close()
	out := map[msgKey][]chat.Attachment{}
	for rows.Next() {
		var k msgKey
		a, err := scanAttachment(rows, &k.room, &k.seq)
		if err != nil {
			return nil, translate(err, "attachments")
		}
		out[k] = append(out[k], a)
	}
	return out, translate(rows.Err(), "attachments")
}
