package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"parley/internal/chat"
)

const attCols = `id, uploader_id, kind, state, name, content_type, size, sha256, width, height, thumb_type, created_at`

func scanAttachment(sc scanner) (chat.Attachment, error) {
	var (
		a       chat.Attachment
		created int64
	)
	if err := sc.Scan(&a.ID, &a.UploaderID, &a.Kind, &a.State, &a.Name, &a.ContentType, &a.Size, &a.SHA256,
		&a.Width, &a.Height, &a.ThumbType, &created); err != nil {
		return chat.Attachment{}, err
	}
	a.CreatedAt = fromMS(created)
	a.FillURLs()
	return a, nil
}

func (s *Store) CreateAttachment(ctx context.Context, a chat.Attachment) error {
	_, err := s.w.ExecContext(ctx,
		`INSERT INTO attachments (id, uploader_id, kind, state, name, created_at) VALUES (?, ?, ?, 'pending', ?, ?)`,
		a.ID, string(a.UploaderID), string(a.Kind), a.Name, toMS(a.CreatedAt))
	return translate(err, "attachment")
}

func (s *Store) CompleteAttachment(ctx context.Context, a chat.Attachment) error {
	res, err := s.w.ExecContext(ctx,
		`UPDATE attachments SET state = 'stored', content_type = ?, size = ?, sha256 = ?, width = ?, height = ?, thumb_type = ?
		 WHERE id = ? AND state = 'pending'`,
		a.ContentType, a.Size, a.SHA256, a.Width, a.Height, a.ThumbType, a.ID)
	return oneRow(res, err, "attachment")
}

func (s *Store) Attachment(ctx context.Context, id string) (chat.Attachment, error) {
	a, err := scanAttachment(s.r.QueryRowContext(ctx, `SELECT `+attCols+` FROM attachments WHERE id = ?`, id))
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
		`SELECT `+attCols+` FROM attachments WHERE id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
}

func queryAttachments(ctx context.Context, q querier, query string, args ...any) ([]chat.Attachment, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	return collect(rows, err, "attachments", scanAttachment)
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
	u, _, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, string(id)))
	return u, translate(err, "user")
}

func (s *Store) UnreferencedAttachments(ctx context.Context, before time.Time, limit int) ([]chat.Attachment, error) {
	return queryAttachments(ctx, s.r,
		`SELECT `+attCols+` FROM attachments WHERE refs = 0 AND created_at < ? ORDER BY created_at LIMIT ?`,
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
	_, err := s.w.ExecContext(ctx, `DELETE FROM attachments WHERE id = ? AND state <> 'stored' AND refs = 0`, id)
	return translate(err, "attachment")
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
		return notFound(what)
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
	lo, hi := msgs[0].Seq, msgs[0].Seq
	for _, m := range msgs {
		lo, hi = min(lo, m.Seq), max(hi, m.Seq)
	}
	found, err := queryLinked(ctx, q, `WHERE ma.room_id = ? AND ma.seq >= ? AND ma.seq <= ?`, string(room), lo, hi)
	if err != nil {
		return err
	}
	for i := range msgs {
		msgs[i].Attachments = found[msgKey{room, msgs[i].Seq}]
	}
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
	rows, err := q.QueryContext(ctx, `SELECT ma.room_id, ma.seq, a.`+strings.ReplaceAll(attCols, ", ", ", a.")+`
		FROM message_attachments ma JOIN attachments a ON a.id = ma.attachment_id `+where+`
		ORDER BY ma.room_id, ma.seq, ma.position`, args...)
	if err != nil {
		return nil, translate(err, "attachments")
	}
	defer rows.Close()
	out := map[msgKey][]chat.Attachment{}
	for rows.Next() {
		var k msgKey
		a, err := scanAttachment(keyScanner{rows, &k})
		if err != nil {
			return nil, translate(err, "attachments")
		}
		out[k] = append(out[k], a)
	}
	return out, translate(rows.Err(), "attachments")
}

// keyScanner scans the leading room and seq columns, then the caller's.
type keyScanner struct {
	rows *sql.Rows
	k    *msgKey
}

func (s keyScanner) Scan(dest ...any) error {
	return s.rows.Scan(append([]any{&s.k.room, &s.k.seq}, dest...)...)
}
