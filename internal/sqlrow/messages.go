package sqlrow

import (
	"encoding/json"
	"fmt"

	"parley/internal/chat"
)

// MsgCols are what MessageRow reads, and a message's insert.
const MsgCols = `room_id, seq, id, sender_id, client_id, kind, text, reply_to, system, created_at, edited_at, deleted`

// ScanMessage reads the MsgCols columns of one row.
func ScanMessage(sc Scanner) (chat.Message, error) {
	var r MessageRow
	if err := sc.Scan(r.Dest()...); err != nil {
		return chat.Message{}, err
	}
	m, _, err := r.Message()
	return m, err
}

// MessageRow holds MsgCols as nullable values, so the same scan serves a
// LEFT JOIN that may find no message.
type MessageRow struct {
	roomID, id, senderID, clientID, kind, text NullString
	seq, replyTo                               NullInt64
	system                                     []byte // JSON text; nil for NULL
	created, edited                            Time
	deleted                                    NullBool
}

// Dest is the scan targets of MsgCols, in order.
func (r *MessageRow) Dest() []any {
	return []any{&r.roomID, &r.seq, &r.id, &r.senderID, &r.clientID, &r.kind, &r.text,
		&r.replyTo, &r.system, &r.created, &r.edited, &r.deleted}
}

// Message converts the row; ok is false when the row held no message.
func (r *MessageRow) Message() (m chat.Message, ok bool, err error) {
	if !r.id.Valid {
		return chat.Message{}, false, nil
	}
	m = chat.Message{
		ID: r.id.String, RoomID: chat.RoomID(r.roomID.String), Seq: r.seq.Int64,
		SenderID: chat.UserID(r.senderID.String), ClientID: r.clientID.String,
		Kind: chat.MessageKind(r.kind.String), Text: r.text.String, ReplyTo: r.replyTo.Int64,
		CreatedAt: r.created.At(), EditedAt: r.edited.Ptr(), Deleted: r.deleted.Bool,
	}
	if r.system != nil {
		m.System = new(chat.SystemEvent)
		if err := json.Unmarshal(r.system, m.System); err != nil {
			return chat.Message{}, false, fmt.Errorf("message %s: decode system event: %w", m.ID, err)
		}
	}
	return m, true, nil
}

// SeqRange is the smallest and the largest seq of msgs, which are not empty.
func SeqRange(msgs []chat.Message) (lo, hi int64) {
	lo, hi = msgs[0].Seq, msgs[0].Seq
	for _, m := range msgs {
		lo, hi = min(lo, m.Seq), max(hi, m.Seq)
	}
	return lo, hi
}

// Mentions is the users each message mentions, by seq.
type Mentions map[int64][]chat.UserID

// ReadMentions reads rows of (seq, user id), ordered by seq then user.
func ReadMentions(rows Rows) (Mentions, error) {
	out := Mentions{}
	for rows.Next() {
		var (
			seq int64
			u   string
		)
		if err := rows.Scan(&seq, &u); err != nil {
			return nil, err
		}
		out[seq] = append(out[seq], chat.UserID(u))
	}
	return out, rows.Err()
}

// Fill sets the mentions of msgs, which are of one room.
func (m Mentions) Fill(msgs []chat.Message) {
	for i := range msgs {
		msgs[i].Mentions = m[msgs[i].Seq]
	}
}

// UsernameIDs reads rows of (username, user id) into a map by username.
func UsernameIDs(rows Rows, n int) (map[string]chat.UserID, error) {
	out := make(map[string]chat.UserID, n)
	for rows.Next() {
		var name, id string
		if err := rows.Scan(&name, &id); err != nil {
			return nil, err
		}
		out[name] = chat.UserID(id)
	}
	return out, rows.Err()
}
