package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

func (s *Store) CreateAttachment(ctx context.Context, a chat.Attachment) error {
	_, err := s.pool.Exec(ctx,
		`INSERT INTO attachments (id, uploader_id, kind, state, name, created_at) VALUES ($1, $2, $3, 'pending', $4, $5)`,
		a.ID, string(a.UploaderID), string(a.Kind), a.Name, sqlrow.Kept(a.CreatedAt.Time))
	return translate(err, "attachment")
}

// ReserveStorage locks the attachment's row, then its uploader's: a
// concurrent reservation of the same user waits for this one and reads the
// count it leaves. Completing and deleting an attachment lock in the same
// order.
func (s *Store) ReserveStorage(ctx context.Context, id string, want, quota int64) (got int64, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		got = 0
		var user string
		if err := tx.QueryRow(ctx, `SELECT uploader_id FROM attachments WHERE id = $1 AND state = 'pending' FOR UPDATE`, id).Scan(&user); err != nil {
			return translate(err, "attachment")
		}
		err := tx.QueryRow(ctx, `UPDATE users u SET storage_used = u.storage_used + g.n
			FROM (SELECT LEAST($2::bigint, $3::bigint - storage_used) AS n FROM users WHERE id = $1 FOR UPDATE) g
			WHERE u.id = $1 AND g.n > 0 RETURNING g.n`, user, want, quota).Scan(&got)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // the quota is reached
		}
		if err != nil {
			return translate(err, "user")
		}
		_, err = tx.Exec(ctx, `UPDATE attachments SET reserved = reserved + $2 WHERE id = $1`, id, got)
		return translate(err, "attachment")
	})
	return got, err
}

// CompleteAttachment settles the reservation in the same transaction: the
// uploader's count moves by size − reserved (a refund, or a charge for a
// caller that reserved nothing).
func (s *Store) CompleteAttachment(ctx context.Context, a chat.Attachment) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var user string
		var reserved int64
		if err := tx.QueryRow(ctx, `SELECT uploader_id, reserved FROM attachments WHERE id = $1 AND state = 'pending' FOR UPDATE`,
			a.ID).Scan(&user, &reserved); err != nil {
			return translate(err, "attachment")
		}
		if _, err := tx.Exec(ctx,
			`UPDATE attachments SET state = 'stored', content_type = $2, size = $3, sha256 = $4, width = $5, height = $6, thumb_type = $7, reserved = $3
			 WHERE id = $1`,
			a.ID, a.ContentType, a.Size, a.SHA256, a.Width, a.Height, a.ThumbType); err != nil {
			return translate(err, "attachment")
		}
		if a.Size == reserved {
			return nil
		}
		_, err := tx.Exec(ctx, `UPDATE users SET storage_used = storage_used + $2 WHERE id = $1`, user, a.Size-reserved)
		return translate(err, "user")
	})
}

func (s *Store) Attachment(ctx context.Context, id string) (chat.Attachment, error) {
	a, err := sqlrow.ScanAttachment(s.pool.QueryRow(ctx, `SELECT `+sqlrow.AttCols+` FROM attachments WHERE id = $1`, id))
	return a, translate(err, "attachment")
}

func (s *Store) Attachments(ctx context.Context, ids []string) ([]chat.Attachment, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return queryAttachments(ctx, s.pool, `SELECT `+sqlrow.AttCols+` FROM attachments WHERE id = ANY($1)`, ids)
}

func queryAttachments(ctx context.Context, q querier, query string, args ...any) ([]chat.Attachment, error) {
	rows, err := q.Query(ctx, query, args...)
	return collect(rows, err, "attachments", sqlrow.ScanAttachment)
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
		u, _, err = sqlrow.ScanUser(tx.QueryRow(ctx, `SELECT `+sqlrow.UserCols+` FROM users WHERE id = $1`, string(user)))
		return translate(err, "user")
	})
	return u, err
}

func (s *Store) UnreferencedAttachments(ctx context.Context, before time.Time, limit int) ([]chat.Attachment, error) {
	return queryAttachments(ctx, s.pool,
		`SELECT `+sqlrow.AttCols+` FROM attachments WHERE refs = 0 AND created_at < $1 ORDER BY created_at LIMIT $2`,
		sqlrow.Kept(before), limit)
}

// ClaimAttachment is one UPDATE whose condition is on the row it locks: a
// send attaching the file at the same moment updates the same row, so one
// waits for the other and then sees its outcome (refs > 0, or deleting).
func (s *Store) ClaimAttachment(ctx context.Context, id string, before time.Time) (bool, error) {
	tag, err := s.pool.Exec(ctx,
		`UPDATE attachments SET state = 'deleting' WHERE id = $1 AND refs = 0 AND created_at < $2`, id, sqlrow.Kept(before))
	if err := oneRow(tag, err, "attachment"); chat.ErrorCode(err) == chat.NotFound {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return true, nil
}

func (s *Store) DeleteAttachment(ctx context.Context, id string) error {
	_, err := s.pool.Exec(ctx, `WITH gone AS (
		DELETE FROM attachments WHERE id = $1 AND state <> 'stored' AND refs = 0 RETURNING uploader_id, reserved)
		UPDATE users u SET storage_used = u.storage_used - gone.reserved FROM gone WHERE u.id = gone.uploader_id`, id)
	return translate(err, "attachment")
}

// oneRow turns a statement that matched no row into NotFound.
func oneRow(tag pgconn.CommandTag, err error, what string) error {
	if err != nil {
		return translate(err, what)
	}
	if tag.RowsAffected() == 0 {
		return sqlrow.NotFound(what)
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
	lo, hi := sqlrow.SeqRange(msgs)
	found, err := queryLinked(ctx, q, `WHERE ma.room_id = $1 AND ma.seq BETWEEN $2 AND $3`, string(room), lo, hi)
	if err != nil {
		return err
	}
	found.Fill(msgs)
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
	found.FillLast(rooms)
	return nil
}

// queryLinked returns the attachments of the messages that where selects
// (over message_attachments ma), by message, in the sender's order.
func queryLinked(ctx context.Context, q querier, where string, args ...any) (sqlrow.Linked, error) {
	rows, err := q.Query(ctx, sqlrow.LinkedQuery+where+sqlrow.LinkedOrder, args...)
	return read(rows, err, "attachments", sqlrow.ReadLinked)
}
