package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

func (s *Store) CreateAttachment(ctx context.Context, a chat.Attachment) error {
	_, err := s.w.ExecContext(ctx,
		`INSERT INTO attachments (id, uploader_id, kind, state, name, created_at) VALUES (?, ?, ?, 'pending', ?, ?)`,
		a.ID, string(a.UploaderID), string(a.Kind), a.Name, toMS(a.CreatedAt.Time))
	return translate(err, "attachment")
}

func (s *Store) ReserveStorage(ctx context.Context, id string, want, quota int64) (got int64, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		var user string
		var used int64
		err := tx.QueryRowContext(ctx, `SELECT u.id, u.storage_used FROM attachments a JOIN users u ON u.id = a.uploader_id
			WHERE a.id = ? AND a.state = 'pending'`, id).Scan(&user, &used)
		if err != nil {
			return translate(err, "attachment")
		}
		if got = min(want, quota-used); got <= 0 {
			got = 0
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET storage_used = storage_used + ? WHERE id = ?`, got, user); err != nil {
			return translate(err, "user")
		}
		_, err = tx.ExecContext(ctx, `UPDATE attachments SET reserved = reserved + ? WHERE id = ?`, got, id)
		return translate(err, "attachment")
	})
	return got, err
}

// CompleteAttachment settles the reservation in the same transaction: the
// uploader's count moves by size − reserved (a refund, or a charge for a
// caller that reserved nothing).
func (s *Store) CompleteAttachment(ctx context.Context, a chat.Attachment) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		var user string
		var reserved int64
		err := tx.QueryRowContext(ctx, `UPDATE attachments SET state = 'stored', content_type = ?, size = ?, sha256 = ?, width = ?, height = ?, thumb_type = ?
			WHERE id = ? AND state = 'pending' RETURNING uploader_id, reserved`,
			a.ContentType, a.Size, a.SHA256, a.Width, a.Height, a.ThumbType, a.ID).Scan(&user, &reserved)
		if err != nil {
			return translate(err, "attachment")
		}
		return settle(ctx, tx, a.ID, user, a.Size-reserved)
	})
}

// settle moves what attachment id holds of user's storage by delta.
func settle(ctx context.Context, tx *sql.Tx, id, user string, delta int64) error {
	if delta == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE attachments SET reserved = reserved + ? WHERE id = ?`, delta, id); err != nil {
		return translate(err, "attachment")
	}
	_, err := tx.ExecContext(ctx, `UPDATE users SET storage_used = storage_used + ? WHERE id = ?`, delta, user)
	return translate(err, "user")
}

func (s *Store) Attachment(ctx context.Context, id string) (chat.Attachment, error) {
	a, err := sqlrow.ScanAttachment(s.r.QueryRowContext(ctx, `SELECT `+sqlrow.AttCols+` FROM attachments WHERE id = ?`, id))
	return a, translate(err, "attachment")
}

func (s *Store) Attachments(ctx context.Context, ids []string) ([]chat.Attachment, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return queryAttachments(ctx, s.r,
		`SELECT `+sqlrow.AttCols+` FROM attachments WHERE id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
}

func queryAttachments(ctx context.Context, q querier, query string, args ...any) ([]chat.Attachment, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	return collect(rows, err, "attachments", sqlrow.ScanAttachment)
}

func (s *Store) AttachmentSharedWith(ctx context.Context, id string, user chat.UserID) (bool, error) {
	var ok bool
	err := s.r.QueryRowContext(ctx, `SELECT EXISTS (
		SELECT 1 FROM message_attachments ma JOIN members m ON m.room_id = ma.room_id AND m.user_id = ?
		WHERE ma.attachment_id = ?)`, string(user), id).Scan(&ok)
	return ok, translate(err, "attachment")
}

func (s *Store) SetAvatar(ctx context.Context, user chat.UserID, attachment string) (u chat.User, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		var old sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT avatar_id FROM users WHERE id = ?`, string(user)).Scan(&old); err != nil {
			return translate(err, "user")
		}
		if old.String == attachment {
			return nil
		}
		var avatar sql.NullString
		if attachment != "" {
			res, err := tx.ExecContext(ctx, `UPDATE attachments SET refs = refs + 1
				WHERE id = ? AND uploader_id = ? AND kind = 'avatar' AND state = 'stored'`, attachment, string(user))
			if err := oneRow(res, err, "attachment"); chat.ErrorCode(err) == chat.NotFound {
				return chat.Errorf(chat.Invalid, "attachment %s is not an avatar of yours", attachment)
			} else if err != nil {
				return err
			}
			avatar = sql.NullString{String: attachment, Valid: true}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET avatar_id = ? WHERE id = ?`, avatar, string(user)); err != nil {
			return translate(err, "user")
		}
		if old.Valid {
			if _, err := tx.ExecContext(ctx, `UPDATE attachments SET refs = refs - 1 WHERE id = ?`, old.String); err != nil {
				return translate(err, "attachment")
			}
		}
		return nil
	})
	if err != nil {
		return chat.User{}, err
	}
	return s.userOn(ctx, s.w, user)
}

// userOn reads a user through q: after a write, through the writer, which
// has certainly seen it.
func (s *Store) userOn(ctx context.Context, q querier, id chat.UserID) (chat.User, error) {
	u, _, err := sqlrow.ScanUser(q.QueryRowContext(ctx, `SELECT `+sqlrow.UserCols+` FROM users WHERE id = ?`, string(id)))
	return u, translate(err, "user")
}

func (s *Store) UnreferencedAttachments(ctx context.Context, before time.Time, limit int) ([]chat.Attachment, error) {
	return queryAttachments(ctx, s.r,
		`SELECT `+sqlrow.AttCols+` FROM attachments WHERE refs = 0 AND created_at < ? ORDER BY created_at LIMIT ?`,
		toMS(before), limit)
}

func (s *Store) ClaimAttachment(ctx context.Context, id string, before time.Time) (bool, error) {
	res, err := s.w.ExecContext(ctx,
		`UPDATE attachments SET state = 'deleting' WHERE id = ? AND refs = 0 AND created_at < ?`, id, toMS(before))
	if err := oneRow(res, err, "attachment"); chat.ErrorCode(err) == chat.NotFound {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return true, nil
}

func (s *Store) DeleteAttachment(ctx context.Context, id string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		var user string
		var reserved int64
		err := tx.QueryRowContext(ctx, `DELETE FROM attachments WHERE id = ? AND state <> 'stored' AND refs = 0
			RETURNING uploader_id, reserved`, id).Scan(&user, &reserved)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return translate(err, "attachment")
		}
		_, err = tx.ExecContext(ctx, `UPDATE users SET storage_used = storage_used - ? WHERE id = ?`, reserved, user)
		return translate(err, "user")
	})
}

// oneRow turns an Exec that matched no row into NotFound.
func oneRow(res sql.Result, err error, what string) error {
	if err != nil {
		return translate(err, what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return translate(err, what)
	}
	if n == 0 {
		return sqlrow.NotFound(what)
	}
	return nil
}

// linkAttachments attaches the files of a new message, inside its append
// transaction, and returns them: each must still be a stored file of the
// sender's, and its reference count goes up in the same step that checks it.
// A message without attachments costs nothing here.
func linkAttachments(ctx context.Context, tx *sql.Tx, msg chat.Message, atts []chat.Attachment) ([]chat.Attachment, error) {
	for i, a := range atts {
		res, err := tx.ExecContext(ctx, `UPDATE attachments SET refs = refs + 1
			WHERE id = ? AND uploader_id = ? AND kind = 'file' AND state = 'stored'`, a.ID, string(msg.SenderID))
		if err := oneRow(res, err, "attachment"); chat.ErrorCode(err) == chat.NotFound {
			return nil, chat.Errorf(chat.Invalid, "attachment %s is not an upload of yours", a.ID)
		} else if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO message_attachments (room_id, seq, position, attachment_id) VALUES (?, ?, ?, ?)`,
			string(msg.RoomID), msg.Seq, i, a.ID); err != nil {
			return nil, translate(err, "attachment")
		}
	}
	return atts, nil
}

// unlinkAttachments drops a message's attachments (it was deleted): their
// references go, and the sweeper deletes what nothing else refers to.
func unlinkAttachments(ctx context.Context, tx *sql.Tx, room chat.RoomID, seq int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE attachments SET refs = refs - 1 WHERE id IN (
		SELECT attachment_id FROM message_attachments WHERE room_id = ? AND seq = ?)`, string(room), seq); err != nil {
		return translate(err, "attachment")
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM message_attachments WHERE room_id = ? AND seq = ?`, string(room), seq)
	return translate(err, "attachment")
}

// fillAttachments sets the attachments of msgs, which are of one room.
// One range scan of the clustered link table covers a whole history page.
func fillAttachments(ctx context.Context, q querier, room chat.RoomID, msgs []chat.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	lo, hi := sqlrow.SeqRange(msgs)
	found, err := queryLinked(ctx, q, `WHERE ma.room_id = ? AND ma.seq >= ? AND ma.seq <= ?`, string(room), lo, hi)
	if err != nil {
		return err
	}
	found.Fill(msgs)
	return nil
}

// fillLastAttachments sets the attachments of the last messages of a
// user's room list, in one query.
func fillLastAttachments(ctx context.Context, q querier, user chat.UserID, rooms []chat.RoomSummary) error {
	if len(rooms) == 0 {
		return nil
	}
	// Joined to rooms on (id, last_seq), so each room costs one probe of the
	// link table's primary key, however many files the room ever had.
	found, err := queryLinked(ctx, q, `JOIN members m ON m.room_id = ma.room_id
		JOIN rooms r ON r.id = ma.room_id AND r.last_seq = ma.seq WHERE m.user_id = ?`, string(user))
	if err != nil {
		return err
	}
	found.FillLast(rooms)
	return nil
}

// queryLinked returns the attachments of the messages that where selects
// (over message_attachments ma), by message, in the sender's order.
func queryLinked(ctx context.Context, q querier, where string, args ...any) (sqlrow.Linked, error) {
	rows, err := q.QueryContext(ctx, sqlrow.LinkedQuery+where+sqlrow.LinkedOrder, args...)
	return read(rows, err, "attachments", sqlrow.ReadLinked)
}
