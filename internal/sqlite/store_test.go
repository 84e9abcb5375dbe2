package sqlite_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"parley/internal/chat"
	"parley/internal/sqlite"
	"parley/internal/storetest"
)

func openTemp(tb testing.TB) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(tb.Context(), filepath.Join(tb.TempDir(), "parley.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) chat.Store { return openTemp(t) })
}

func TestOpenTwiceKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parley.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.CreateUser(t.Context(), chat.NewUser{ID: "u1", Username: "alice", DisplayName: "A", PasswordHash: "h", CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// The second Open finds the migrations applied and the data kept.
	s, err = sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.UserByID(t.Context(), u.ID); err != nil || got.Username != "alice" {
		t.Errorf("UserByID after reopening = %+v, %v", got, err)
	}
}

// In WAL mode a commit writes only the WAL; the database file grows when a
// checkpoint copies pages back. The writer does not checkpoint, so the file
// grows only if the checkpointer runs.
func TestCheckpointerCopiesTheWALBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parley.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	user := benchUser(t, s, "alice")
	room := benchRoom(t, s, user)
	text := strings.Repeat("x", 2000)
	for i := range 200 { // ~400 KiB of messages
		if _, _, err := s.AppendMessage(t.Context(), chat.NewMessage{RoomID: room, SenderID: user,
			ClientID: fmt.Sprint("c", i), Kind: chat.Text, Text: text, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for size() < before+200*2000 {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes (%d at open): the WAL was not checkpointed", size(), before)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// benchRoom makes a room with one member, who is the sender.
func benchRoom(b testing.TB, s *sqlite.Store, user chat.UserID) chat.RoomID {
	b.Helper()
	id := chat.RoomID(uuid.Must(uuid.NewV7()).String())
	_, _, err := s.CreateRoom(b.Context(), chat.NewRoom{
		ID: id, Kind: chat.Group, Name: "bench", Creator: user, CreatedAt: time.Now(),
		Message: chat.NewMessage{ID: uuid.Must(uuid.NewV7()).String(), Kind: chat.System,
			System: &chat.SystemEvent{Type: chat.RoomCreated, Actor: user}, CreatedAt: time.Now()},
	})
	if err != nil {
		b.Fatal(err)
	}
	return id
}

func benchUser(b testing.TB, s *sqlite.Store, name string) chat.UserID {
	b.Helper()
	id := chat.UserID(uuid.Must(uuid.NewV7()).String())
	if _, err := s.CreateUser(b.Context(), chat.NewUser{ID: id, Username: name, DisplayName: name, PasswordHash: "h", CreatedAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	return id
}

// BenchmarkAppendMessage measures committed sends, each its own transaction
// with a client_id (so the idempotency lookup is paid too), as the service
// issues them.
func BenchmarkAppendMessage(b *testing.B) {
	b.Run("OneRoom", func(b *testing.B) {
		s := openTemp(b)
		user := benchUser(b, s, "sender")
		room := benchRoom(b, s, user)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			_, _, err := s.AppendMessage(b.Context(), chat.NewMessage{
				ID: uuid.Must(uuid.NewV7()).String(), RoomID: room, SenderID: user, ClientID: fmt.Sprint("c", i),
				Kind: chat.Text, Text: "hello, world", CreatedAt: time.Now(),
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})

	b.Run("ParallelManyRooms", func(b *testing.B) {
		const rooms = 64
		s := openTemp(b)
		users := make([]chat.UserID, rooms)
		ids := make([]chat.RoomID, rooms)
		for i := range rooms {
			users[i] = benchUser(b, s, fmt.Sprint("sender", i))
			ids[i] = benchRoom(b, s, users[i])
		}
		var next, sent atomic.Int64
		b.ReportAllocs()
		b.SetParallelism(32) // many clients sending at once, as on a busy server
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			r := int(next.Add(1)-1) % rooms
			for pb.Next() {
				n := sent.Add(1)
				_, _, err := s.AppendMessage(b.Context(), chat.NewMessage{
					ID: uuid.Must(uuid.NewV7()).String(), RoomID: ids[r], SenderID: users[r], ClientID: fmt.Sprint("c", n),
					Kind: chat.Text, Text: "hello, world", CreatedAt: time.Now(),
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}

// BenchmarkMember is the membership check every send and read makes.
func BenchmarkMember(b *testing.B) {
	s := openTemp(b)
	user := benchUser(b, s, "member")
	room := benchRoom(b, s, user)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Member(b.Context(), room, user); err != nil {
			b.Fatal(err)
		}
	}
}
