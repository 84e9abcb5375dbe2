package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

// PinMessage needs no locking of its own: every write runs on the one
// writer connection, so the count of a room's pins cannot change between
// its check and its insert.
func (s *Store) PinMessage(ctx context.Context, p chat.NewPin, m chat.NewMessage) (pin chat.Pin, msg chat.Message, changed bool, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := sqlrow.CheckReactable(tx.QueryRowContext(ctx, `SELECT `+sqlrow.ReactableCols+` FROM messages WHERE room_id = ? AND seq = ?`,
			string(p.RoomID), p.Seq), true); err != nil {
			if chat.ErrorCode(err) == chat.Conflict {
				return chat.Errorf(chat.Conflict, "only a live text message can be pinned")
			}
			return translate(err, "message")
		}
		if pin, err = pinOf(ctx, tx, p.RoomID, p.Seq); err == nil {
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return translate(err, "pin")
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pins WHERE room_id = ?`, string(p.RoomID)).Scan(&n); err != nil {
			return translate(err, "pins")
		}
		if n >= p.Max {
			return chat.Errorf(chat.Conflict, "a room keeps at most %d pins: unpin one first", p.Max)
		}
		m.RoomID = p.RoomID
		if msg, _, err = s.appendMessage(ctx, tx, m); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO pins (room_id, seq, pin_seq, pinned_by, pinned_at) VALUES (?, ?, ?, ?, ?)`,
			string(p.RoomID), p.Seq, msg.Seq, string(p.By), toMS(p.At)); err != nil {
			return translate(err, "pin")
		}
		changed = true
		pin, err = pinOf(ctx, tx, p.RoomID, p.Seq)
		return translate(err, "pin")
	})
	return pin, msg, changed, err
}

// pinOf reads one pin with its message and the message's attachments;
// sql.ErrNoRows when the message is not pinned.
func pinOf(ctx context.Context, q querier, room chat.RoomID, seq int64) (chat.Pin, error) {
	p, err := sqlrow.ScanPin(q.QueryRowContext(ctx, sqlrow.PinQuery+`? AND p.seq = ?`, string(room), seq))
	if err != nil {
		return p, err
	}
	p.Message, err = withAttachments(ctx, q, p.Message)
	return p, err
}

func (s *Store) UnpinMessage(ctx context.Context, room chat.RoomID, seq int64, m chat.NewMessage) (msg chat.Message, changed bool, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM pins WHERE room_id = ? AND seq = ?`, string(room), seq)
		if err != nil {
			return translate(err, "pin")
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return translate(err, "pin")
		}
		m.RoomID = room
		msg, _, err = s.appendMessage(ctx, tx, m)
		changed = err == nil
		return err
	})
	return msg, changed, err
}

func (s *Store) Pins(ctx context.Context, room chat.RoomID) ([]chat.Pin, error) {
	rows, err := s.r.QueryContext(ctx, sqlrow.PinQuery+`?`+sqlrow.PinOrder, string(room))
	pins, err := collect(rows, err, "pins", sqlrow.ScanPin)
	if err != nil || len(pins) == 0 {
		return pins, err
	}
	linked, err := queryLinked(ctx, s.r, sqlrow.PinWhere+`?`, string(room))
	if err != nil {
		return nil, err
	}
	linked.FillPins(pins)
	return pins, nil
}
