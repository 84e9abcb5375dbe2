package realtime

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"parley/internal/chat"
)

// readyRoomBound is the most one room adds to a ready frame (decision 0030):
// 1,000 of them and the user fit the default --max-queue-bytes.
const readyRoomBound = 4000

// maximal builds the largest room entry of each shape a client can make: every
// text at its limit in the characters JSON carries in the most bytes (four
// for an emoji; a quote is two, escaped), every list full, every number long.
func maximalRooms() map[string]chat.RoomSummary {
	const id = "0194f0a5-1111-7222-8333-444455556666"
	at := chat.TimeOf(time.Date(2025, 12, 31, 23, 59, 59, 999_999_999, time.UTC))
	emoji := func(n int) string { return strings.Repeat("😀", n) }
	big := int64(math.MaxInt64)
	ids := func(n int) []chat.UserID {
		out := make([]chat.UserID, n)
		for i := range out {
			out[i] = id
		}
		return out
	}
	att := chat.Attachment{
		ID: id, UploaderID: id, Name: strings.Repeat(`"`, 255), ContentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		Size: big, SHA256: strings.Repeat("f", 64), Width: math.MaxInt32, Height: math.MaxInt32, CreatedAt: at,
	}
	att.ThumbType = "image/jpeg"
	att.FillURLs()
	atts := make([]chat.Attachment, 10)
	for i := range atts {
		atts[i] = att
	}
	one := 1 << 30
	room := chat.RoomSummary{
		Room: chat.Room{
			ID: id, Kind: chat.Group, Name: emoji(100), Announcement: emoji(1000), CreatedAt: at,
			LastSeq: big, LastMessageAt: at, MemberCount: 20000, Visibility: chat.Private,
		},
		Role: chat.RoleMember, LastReadSeq: big, Unread: big, Mentions: big,
	}
	msg := chat.Message{
		ID: id, RoomID: id, Seq: big, SenderID: id, ClientID: strings.Repeat(`"`, 64), Kind: chat.Text,
		Text: emoji(4000), ReplyTo: big, CreatedAt: at, EditedAt: &at, Unread: &one,
		Mentions: ids(50), Reactions: []chat.ReactionCount{{Emoji: emoji(10), Count: one, Me: true}}, Attachments: atts,
	}
	text := room
	text.LastMessage = &msg
	sys := msg
	sys.Kind, sys.Text, sys.Attachments, sys.Mentions = chat.System, "", nil, nil
	sys.System = &chat.SystemEvent{
		Type: chat.AnnouncementChanged, Actor: id, Users: ids(100), Role: chat.RoleAdmin,
		Name: emoji(100), Text: emoji(1000), Visibility: chat.Private, Seq: big,
	}
	system := room
	system.LastMessage = &sys
	direct := text
	direct.Kind, direct.Name, direct.Announcement = chat.Direct, "", ""
	direct.Peer = &chat.User{
		ID: id, Username: strings.Repeat("a", 32), DisplayName: emoji(64), StatusMessage: emoji(140),
		CreatedAt: at, AvatarURL: chat.AttachmentURL(id),
	}
	return map[string]chat.RoomSummary{"group with a text": text, "group with a system line": system, "direct": direct}
}

// Each room adds at most readyRoomBound bytes to ready, so the largest user
// (1,000 rooms of the largest shape) fits the queue.
func TestReadyIsBoundedPerRoom(t *testing.T) {
	user := chat.User{ID: "0194f0a2-3b4c-7d5e-8f60-1a2b3c4d5e6f", Username: strings.Repeat("u", 32),
		DisplayName: strings.Repeat("😀", 64), StatusMessage: strings.Repeat("😀", 140), AvatarURL: chat.AttachmentURL("x")}
	empty := len(encodeReady(ReadyData{User: user, Rooms: nil}))
	for name, r := range maximalRooms() {
		one := len(encodeReady(ReadyData{User: user, Rooms: []chat.RoomSummary{r}})) - empty + 1 // the comma between entries
		t.Logf("%s: %d bytes", name, one)
		if one > readyRoomBound {
			t.Errorf("%s: %d bytes in ready, over the bound of %d", name, one, readyRoomBound)
		}
		rooms := make([]chat.RoomSummary, 1000)
		for i := range rooms {
			rooms[i] = r
		}
		if n := len(encodeReady(ReadyData{User: user, Rooms: rooms})); n > 4<<20 {
			t.Errorf("%s: 1,000 rooms make a ready of %d bytes, over the default queue of %d", name, n, 4<<20)
		}
	}
}

// The cut entries say what was cut, and nothing is cut that fits.
func TestReadyPreviews(t *testing.T) {
	rooms := maximalRooms()
	var f struct {
		Data struct{ Rooms []chat.RoomSummary }
	}
	r := rooms["group with a text"]
	if err := json.Unmarshal(encodeReady(ReadyData{User: chat.User{}, Rooms: []chat.RoomSummary{r, rooms["group with a system line"]}}), &f); err != nil {
		t.Fatal(err)
	}
	text, sys := f.Data.Rooms[0], f.Data.Rooms[1]
	switch {
	case !text.AnnouncementTruncated, text.Announcement != strings.Repeat("😀", chat.PreviewLen):
		t.Errorf("announcement = %d bytes, truncated %v", len(text.Announcement), text.AnnouncementTruncated)
	case !text.LastMessage.Truncated, text.LastMessage.Text != strings.Repeat("😀", chat.PreviewLen):
		t.Errorf("text = %d bytes, truncated %v", len(text.LastMessage.Text), text.LastMessage.Truncated)
	case len(text.LastMessage.Attachments) != 1, text.LastMessage.Mentions != nil, text.LastMessage.Reactions != nil:
		t.Errorf("last message keeps %d attachments, mentions %v, reactions %v", len(text.LastMessage.Attachments), text.LastMessage.Mentions, text.LastMessage.Reactions)
	case !sys.LastMessage.Truncated, len(sys.LastMessage.System.Users) != 10, sys.LastMessage.System.Text != strings.Repeat("😀", chat.PreviewLen):
		t.Errorf("system line: truncated %v, %d users, text %d bytes", sys.LastMessage.Truncated, len(sys.LastMessage.System.Users), len(sys.LastMessage.System.Text))
	}
	if r.LastMessage.Text != strings.Repeat("😀", 4000) || len(r.Announcement) != 4000 {
		t.Error("encoding ready cut the snapshot the hub keeps")
	}
	short := chat.RoomSummary{Room: chat.Room{ID: "r", Announcement: "<b>hi</b> & " + strings.Repeat("é", chat.PreviewLen-12)}}
	short.LastMessage = &chat.Message{Text: strings.Repeat("x", chat.PreviewLen), Attachments: []chat.Attachment{{ID: "a"}}}
	b := encodeReady(ReadyData{User: chat.User{}, Rooms: []chat.RoomSummary{short}})
	if strings.Contains(string(b), "truncated") || !strings.Contains(string(b), "<b>hi</b> &") {
		t.Errorf("an entry within the bounds came out changed: %s", b)
	}
}
