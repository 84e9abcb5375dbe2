package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"parley/internal/chat"
	"parley/internal/sqlrow"
)

// PinMessage locks the room's row first: concurrent pins of one room queue
// there, so each counts the pins the others committed and the limit holds
// (the append that follows takes the same lock anyway). The message row is
// then share-locked, so a concurrent delete either waits for the pin (and
// its transaction removes it) or committed first (and the pin sees the
// tombstone).
func (s *Store) PinMessage(ctx context.Context, p chat.NewPin, m chat.NewMessage) (pin chat.Pin, msg chat.Message, changed bool, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		changed = false
		if _, err := tx.Exec(ctx, `SELECT FROM rooms WHERE id = $1 FOR UPDATE`, string(p.RoomID)); err != nil {
			return translate(err, "room")
		}
		if err := sqlrow.CheckReactable(tx.QueryRow(ctx, `SELECT `+sqlrow.ReactableCols+` FROM messages WHERE room_id = $1 AND seq = $2 FOR SHARE`,
			string(p.RoomID), p.Seq), true); err != nil {
			if chat.ErrorCode(err) == chat.Conflict {
				return chat.Errorf(chat.Conflict, "only a live text message can be pinned")
			}
			return translate(err, "message")
		}
		var err error
		if pin, err = pinOf(ctx, tx, p.RoomID, p.Seq); err == nil {
			return nil
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return translate(err, "pin")
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM pins WHERE room_id = $1`, string(p.RoomID)).Scan(&n); err != nil {
			return translate(err, "pins")
		}
		if n >= p.Max {
			return chat.Errorf(chat.Conflict, "a room keeps at most %d pins: unpin one first", p.Max)
		}
		m.RoomID = p.RoomID
		if msg, _, err = appendMessage(ctx, tx, m); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO pins (room_id, seq, pin_seq, pinned_by, pinned_at) VALUES ($1, $2, $3, $4, $5)`,
			string(p.RoomID), p.Seq, msg.Seq, string(p.By), sqlrow.Kept(p.At)); err != nil {
			return translate(err, "pin")
		}
		changed = true
		pin, err = pinOf(ctx, tx, p.RoomID, p.Seq)
		return translate(err, "pin")
	})
	return pin, msg, changed, err
}

// pinOf reads one pin with its message and the message's attachments;
// pgx.ErrNoRows when the message is not pinned.
func pinOf(ctx context.Context, q querier, room chat.RoomID, seq int64) (chat.Pin, error) {
	p, err := sqlrow.ScanPin(q.QueryRow(ctx, sqlrow.PinQuery+`$1 AND p.seq = $2`, string(room), seq))
	if err != nil {
		return p, err
	}
	p.Message, err = withAttachments(ctx, q, p.Message)
	return p, err
}

func (s *Store) UnpinMessage(ctx context.Context, room chat.RoomID, seq int64, m chat.NewMessage) (msg chat.Message, changed bool, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		changed = false
		tag, err := tx.Exec(ctx, `DELETE FROM pins WHERE room_id = $1 AND seq = $2`, string(room), seq)
		if err != nil || tag.RowsAffected() == 0 {
			return translate(err, "pin")
		}
		m.RoomID = room
		msg, _, err = appendMessage(ctx, tx, m)
		changed = err == nil
		return err
	})
	return msg, changed, err
}

func (s *Store) Pins(ctx context.Context, room chat.RoomID) ([]chat.Pin, error) {
	rows, err := s.pool.Query(ctx, sqlrow.PinQuery+`$1`+sqlrow.PinOrder, string(room))
	pins, err := collect(rows, err, "pins", sqlrow.ScanPin)
	if err != nil || len(pins) == 0 {
		return pins, err
	}
	linked, err := queryLinked(ctx, s.pool, sqlrow.PinWhere+`$1`, string(room))
	if err != nil {
		return nil, err
	}
	linked.FillPins(pins)
	return pins, nil
}
