package sqlrow

import "parley/internal/chat"

// PinQuery selects what ScanPin reads, a room's pins with their messages:
// the caller adds the room's id placeholder, then PinOrder.
const (
	PinQuery = `SELECT p.pinned_by, p.pinned_at, m.room_id, m.seq, m.id, m.sender_id, m.client_id, m.kind, m.text,
		       m.reply_to, m.system, m.created_at, m.edited_at, m.deleted
		FROM pins p JOIN messages m ON m.room_id = p.room_id AND m.seq = p.seq WHERE p.room_id = `
	// PinOrder is newest pin first: pin_seq is the seq of the pin's system
	// message, so the room's own order, whatever the clocks say.
	PinOrder = ` ORDER BY p.pin_seq DESC`
	// PinWhere is the room's pinned messages over message_attachments ma,
	// for LinkedQuery (the room's id placeholder follows).
	PinWhere = `JOIN pins p ON p.room_id = ma.room_id AND p.seq = ma.seq WHERE p.room_id = `
)

// ScanPin reads one row of PinQuery.
func ScanPin(sc Scanner) (chat.Pin, error) {
	var (
		by NullString
		at Time
		r  MessageRow
	)
	if err := sc.Scan(append([]any{&by, &at}, r.Dest()...)...); err != nil {
		return chat.Pin{}, err
	}
	m, _, err := r.Message()
	return chat.Pin{RoomID: m.RoomID, Seq: m.Seq, PinnedBy: chat.UserID(by.String), PinnedAt: at.At(), Message: m}, err
}

// FillPins sets the attachments of pins' messages.
func (l Linked) FillPins(pins []chat.Pin) {
	for i := range pins {
		pins[i].Message.Attachments = l[MessageKey{pins[i].RoomID, pins[i].Seq}]
	}
}
