package sqlrow

import "parley/internal/chat"

// AttCols are what ScanAttachment reads.
const AttCols = `id, uploader_id, kind, state, name, content_type, size, sha256, width, height, thumb_type, created_at`

func ScanAttachment(sc Scanner) (chat.Attachment, error) {
	return scanAttachment(sc)
}

func scanAttachment(sc Scanner, lead ...any) (chat.Attachment, error) {
	var (
		a       chat.Attachment
		created Time
	)
	dest := append(lead, &a.ID, &a.UploaderID, &a.Kind, &a.State, &a.Name, &a.ContentType, &a.Size, &a.SHA256,
		&a.Width, &a.Height, &a.ThumbType, &created)
	if err := sc.Scan(dest...); err != nil {
		return chat.Attachment{}, err
	}
	a.CreatedAt = created.At()
	a.FillURLs()
	return a, nil
}

// LinkedQuery selects what ReadLinked reads: the caller adds its joins and
// WHERE over message_attachments ma, then LinkedOrder.
const (
	LinkedQuery = `SELECT ma.room_id, ma.seq, a.id, a.uploader_id, a.kind, a.state, a.name, a.content_type, a.size,
		       a.sha256, a.width, a.height, a.thumb_type, a.created_at
		FROM message_attachments ma JOIN attachments a ON a.id = ma.attachment_id `
	LinkedOrder = ` ORDER BY ma.room_id, ma.seq, ma.position`
)

// Linked is attachments by the message they are linked to, in the sender's
// order.
type Linked map[MessageKey][]chat.Attachment

// MessageKey names a message.
type MessageKey struct {
	Room chat.RoomID
	Seq  int64
}

// ReadLinked reads the rows of LinkedQuery.
func ReadLinked(rows Rows) (Linked, error) {
	out := Linked{}
	for rows.Next() {
		var (
			room string
			seq  int64
		)
		a, err := scanAttachment(rows, &room, &seq)
		if err != nil {
			return nil, err
		}
		k := MessageKey{chat.RoomID(room), seq}
		out[k] = append(out[k], a)
	}
	return out, rows.Err()
}

// Fill sets the attachments of msgs.
func (l Linked) Fill(msgs []chat.Message) {
	for i := range msgs {
		msgs[i].Attachments = l[MessageKey{msgs[i].RoomID, msgs[i].Seq}]
	}
}

// FillLast sets the attachments of the last messages of a room list.
// Matched by seq too: a message sent since the room list was read is not the
// one in it.
func (l Linked) FillLast(rooms []chat.RoomSummary) {
	for i := range rooms {
		if lm := rooms[i].LastMessage; lm != nil {
			lm.Attachments = l[MessageKey{lm.RoomID, lm.Seq}]
		}
	}
}
