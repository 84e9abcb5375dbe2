package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"

	"parley/client"
	"parley/internal/chat"
	"parley/internal/sqlite"
	"parley/internal/testserver"
)

// The largest user — 1,000 rooms, each with the longest name, announcement
// and last message, in 4-byte characters — gets a ready that fits the
// default queue, and the connection stays open. Whole, those rooms would
// make a ready of about 21 MB. The rooms are written through the store
// directly: through the API the rate limits would make it take hours.
// Under -race it still takes 20–35 s, nearly all of it SQLite (pure Go, so
// instrumented too) writing 3,000 transactions and the search index of
// 1,000 texts of 4,000 characters (profiled: indexing 5 s, commits 3 s of
// 25 s CPU). Queueing the texts for one group commit saved nothing
// measurable; fewer rooms or shorter texts would no longer be the largest
// user, and raw SQL would skip the invariants the store keeps.
func TestLargestReadyFitsTheQueue(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.NewUser(t, "alice")
	ctx := ctxT(t)
	st, err := sqlite.Open(ctx, srv.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const rooms = 1000
	name, announcement, text := strings.Repeat("😀", 100), strings.Repeat("📣", 1000), strings.Repeat("💬", 4000)
	newID := func() string { return uuid.Must(uuid.NewV7()).String() }
	var last chat.RoomID
	for range rooms {
		at := time.Now().UTC()
		id := chat.RoomID(newID())
		_, _, err := st.CreateRoom(ctx, chat.NewRoom{
			ID: id, Kind: chat.Group, Name: name, Creator: alice.ID, CreatedAt: at,
			Message: chat.NewMessage{ID: newID(), Kind: chat.System, CreatedAt: at,
				System: &chat.SystemEvent{Type: chat.RoomCreated, Actor: alice.ID, Name: name}},
		})
		if err == nil {
			_, _, err = st.UpdateRoom(ctx, id, chat.RoomUpdate{Announcement: &announcement}, chat.NewMessage{
				ID: newID(), RoomID: id, Kind: chat.System, CreatedAt: at,
				System: &chat.SystemEvent{Type: chat.AnnouncementChanged, Actor: alice.ID, Text: announcement}})
		}
		if err == nil {
			_, _, err = st.AppendMessage(ctx, chat.NewMessage{ID: newID(), RoomID: id, SenderID: alice.ID, Kind: chat.Text, Text: text, CreatedAt: at})
		}
		if err != nil {
			t.Fatal(err)
		}
		last = id
	}

	ws, _, err := websocket.DefaultDialer.Dial("ws://"+srv.Addr+"/api/v1/ws?token="+alice.Token(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(time.Minute))
	_, data, err := ws.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ready of %d rooms: %d bytes", rooms, len(data))
	if len(data) > 4<<20 {
		t.Fatalf("ready is %d bytes, over the default queue of %d", len(data), 4<<20)
	}
	testserver.CheckFrames(t, data)
	var f struct {
		Type string
		Data client.Ready
	}
	if err := json.Unmarshal(data, &f); err != nil || f.Type != "ready" || len(f.Data.Rooms) != rooms {
		t.Fatalf("first frame: type %q, %d rooms, %v", f.Type, len(f.Data.Rooms), err)
	}
	for _, r := range f.Data.Rooms {
		if !r.AnnouncementTruncated || r.Announcement != strings.Repeat("📣", chat.PreviewLen) ||
			r.LastMessage == nil || !r.LastMessage.Truncated || r.LastMessage.Text != strings.Repeat("💬", chat.PreviewLen) {
			t.Fatalf("room %s: announcement %d bytes (cut %v), last message %+v", r.ID, len(r.Announcement), r.AnnouncementTruncated, r.LastMessage)
		}
	}
	// The connection lives on: the next message arrives, no close 4001.
	if _, err := alice.Send(ctx, client.SendRequest{RoomID: last, Text: "still here"}); err != nil {
		t.Fatal(err)
	}
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("after ready: %v", err)
		}
		if strings.Contains(string(data), "still here") {
			break
		}
	}
	// The room has its announcement whole.
	whole, err := alice.Room(ctx, last)
	if err != nil {
		t.Fatal(err)
	}
	if whole.Announcement != announcement || whole.AnnouncementTruncated {
		t.Fatalf("GET /rooms/{room}: announcement of %d bytes, truncated %v", len(whole.Announcement), whole.AnnouncementTruncated)
	}
}
