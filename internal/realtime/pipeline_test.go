package realtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"parley/internal/chat"
	"parley/internal/delivery"
	"parley/internal/inmem"
	"parley/internal/ratelimit"
	"parley/internal/realtime"
	"parley/internal/sqlite"
)

// gatedStore holds every queued append's outcome until open is closed, and
// closes all once want appends are queued: a store whose commits take as
// long as the test likes.
type gatedStore struct {
	chat.Store
	open   chan struct{}
	all    chan struct{}
	want   int
	mu     sync.Mutex
	queued int
}

func (g *gatedStore) QueueAppend(ctx context.Context, m chat.NewMessage) func() (chat.Message, bool, error) {
	wait := g.Store.QueueAppend(ctx, m)
	g.mu.Lock()
	g.queued++
	if g.queued == g.want {
		close(g.all)
	}
	g.mu.Unlock()
	return func() (chat.Message, bool, error) {
		<-g.open
		return wait()
	}
}

// One connection's sends, written back to back while the store holds their
// commits, are all queued for the store together; a ping written behind
// them is answered (both the WebSocket control ping and the ping frame)
// while they wait; then their acks come in the order sent, with seqs in
// that order.
func TestPipelinedSendsDoNotBlockTheReader(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	const sends = 20
	store := &gatedStore{Store: st, open: make(chan struct{}), all: make(chan struct{}), want: sends}
	now := time.Now().UTC()
	user, err := st.CreateUser(ctx, chat.NewUser{ID: "alice-id", Username: "alice", DisplayName: "Alice", PasswordHash: "x", CreatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	room, _, err := st.CreateRoom(ctx, chat.NewRoom{ID: "room-1", Kind: chat.Group, Name: "r", Creator: user.ID, CreatedAt: now,
		Message: chat.NewMessage{ID: "m-0", Kind: chat.System, CreatedAt: now,
			System: &chat.SystemEvent{Type: chat.RoomCreated, Actor: user.ID, Name: "r"}}})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	bus := inmem.NewBus()
	limits := chat.DefaultLimits()
	limits.MessagesPerSecond, limits.MessageBurst = 1000, 1000
	svc := chat.NewService(chat.Config{Store: store, Bus: bus, Log: log, Limits: limits,
		Presence: inmem.NewPresence(time.Now), RateLimiters: ratelimit.Local(time.Now)})
	t.Cleanup(svc.Close)
	hub := delivery.NewHub(bus, svc.MissedMessages, log, delivery.Config{})
	rt := realtime.NewServer(hub, svc, log, realtime.Config{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt.Serve(w, r, chat.Session{ID: "s1", UserID: user.ID}, user)
	}))
	t.Cleanup(func() {
		srv.Close()
		shut, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		rt.Shutdown(shut)
	})

	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(time.Minute))
	type frame struct {
		Type  string
		ID    string
		Data  json.RawMessage
		Error *struct{ Code, Message string }
	}
	frames := make(chan frame, 256)
	pongs := make(chan struct{}, 1)
	ws.SetPongHandler(func(string) error { pongs <- struct{}{}; return nil })
	go func() {
		defer close(frames)
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			for _, line := range strings.Split(string(data), "\n") {
				var f frame
				if json.Unmarshal([]byte(line), &f) == nil {
					frames <- f
				}
			}
		}
	}()
	next := func(want string) frame {
		t.Helper()
		for f := range frames {
			if f.Type == want {
				return f
			}
		}
		t.Fatalf("connection ended waiting for a %s frame", want)
		return frame{}
	}
	next("ready")

	var batch []byte
	for i := 1; i <= sends; i++ {
		batch = fmt.Appendf(batch, `{"id":"%d","type":"send","data":{"room_id":%q,"client_id":"c%d","text":"m%d"}}`+"\n", i, room.ID, i, i)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(batch)), "\n") {
		if err := ws.WriteMessage(websocket.TextMessage, []byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"id":"p","type":"ping"}`)); err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteControl(websocket.PingMessage, []byte("hi"), time.Now().Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}

	if f := next("ack"); f.ID != "p" {
		t.Fatalf("first ack is for %q, want the ping's: a send was answered while its commit was held", f.ID)
	}
	select {
	case <-pongs:
	case <-time.After(30 * time.Second):
		t.Fatal("no pong while the sends wait for their commit")
	}
	select {
	case <-store.all: // all queued, so one commit can take them all
	case <-time.After(30 * time.Second):
		t.Fatalf("the sends were not all queued for the store while the first waited")
	}

	close(store.open)
	var last int64
	for i := 1; i <= sends; i++ {
		f := next("ack")
		var m chat.Message
		if err := json.Unmarshal(f.Data, &m); err != nil {
			t.Fatal(err)
		}
		if f.ID != fmt.Sprint(i) || m.Text != fmt.Sprintf("m%d", i) || m.Seq <= last {
			t.Fatalf("ack %d: id %q, text %q, seq %d after %d; want acks in the order sent with rising seqs", i, f.ID, m.Text, m.Seq, last)
		}
		last = m.Seq
	}
}
