package chat

// The ready frame lists every room of the user, up to MaxRoomsPerUser, and
// must fit in the connection's outbound queue (--max-queue-bytes), or the
// connection closes with 4001 at every connect. So each entry is bounded:
// the texts a member can make long (an announcement, a message, a system
// line's announcement) are cut to PreviewLen characters and flagged, the
// lists a message can carry are cut to a few, and mentions (which only mark
// up a message shown whole) are left out. The full room is at GET
// /api/v1/rooms/{room}, the full message in the room's history. Decision
// 0030 works out the worst case per room.
const (
	PreviewLen         = 140 // characters of an announcement or a message text in ready
	previewUsers       = 10  // people a system line names in ready
	previewAttachments = 1   // files a last message shows in ready
)

// ReadyRooms returns the entries of a ready frame for rooms: each bounded as
// above. rooms is not changed: the hub keeps the snapshot whole.
func ReadyRooms(rooms []RoomSummary) []RoomSummary {
	out := make([]RoomSummary, len(rooms))
	for i, r := range rooms {
		r.Announcement, r.AnnouncementTruncated = cutPreview(r.Announcement)
		if r.LastMessage != nil {
			m := previewMessage(*r.LastMessage)
			r.LastMessage = &m
		}
		out[i] = r
	}
	return out
}

func previewMessage(m Message) Message {
	var cut bool
	m.Text, cut = cutPreview(m.Text)
	m.Truncated = m.Truncated || cut
	m.Mentions, m.Reactions, m.Unread = nil, nil, nil
	if len(m.Attachments) > previewAttachments {
		m.Attachments, m.Truncated = m.Attachments[:previewAttachments], true
	}
	if m.System != nil {
		sys := *m.System
		sys.Text, cut = cutPreview(sys.Text)
		m.Truncated = m.Truncated || cut
		if len(sys.Users) > previewUsers {
			sys.Users, m.Truncated = sys.Users[:previewUsers], true
		}
		m.System = &sys
	}
	return m
}

// cutPreview is s cut to PreviewLen characters, and whether it was cut.
func cutPreview(s string) (string, bool) {
	if len(s) <= PreviewLen { // bytes ≥ characters: nothing to count
		return s, false
	}
	n := 0
	for i := range s {
		if n == PreviewLen {
			return s[:i], true
		}
		n++
	}
	return s, false
}
