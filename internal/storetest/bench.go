package storetest

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"parley/internal/chat"
)

// BenchAppendMessage measures committed sends, each its own transaction
// with a client_id (so the idempotency lookup is paid too), as the service
// issues them: one sender in one room, then senders in 64 rooms at once,
// parallelism goroutines per GOMAXPROCS (many clients, as on a busy server).
func BenchAppendMessage(b *testing.B, open func(testing.TB) chat.Store, parallelism int) {
	b.Run("OneRoom", func(b *testing.B) {
		s := open(b)
		user := NewUser(b, s, "sender")
		room := NewRoom(b, s, user)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			if _, _, err := s.AppendMessage(b.Context(), benchMessage(room, user, i)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})

	b.Run("ParallelManyRooms", func(b *testing.B) {
		const rooms = 64
		s := open(b)
		users := make([]chat.UserID, rooms)
		ids := make([]chat.RoomID, rooms)
		for i := range rooms {
			users[i] = NewUser(b, s, fmt.Sprint("sender", i))
			ids[i] = NewRoom(b, s, users[i])
		}
		var next, sent atomic.Int64
		b.ReportAllocs()
		b.SetParallelism(parallelism)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			r := int(next.Add(1)-1) % rooms
			for pb.Next() {
				if _, _, err := s.AppendMessage(b.Context(), benchMessage(ids[r], users[r], int(sent.Add(1)))); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}

// BenchMember is the membership check every send and read makes.
func BenchMember(b *testing.B, open func(testing.TB) chat.Store) {
	s := open(b)
	user := NewUser(b, s, "member")
	room := NewRoom(b, s, user)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Member(b.Context(), room, user); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchMessages reads a page of 50 messages of history, the read a client
// makes on opening a room and a node makes to fill a gap.
func BenchMessages(b *testing.B, open func(testing.TB) chat.Store) {
	s := open(b)
	user := NewUser(b, s, "reader")
	room := NewRoom(b, s, user)
	for i := range 200 {
		if _, _, err := s.AppendMessage(b.Context(), benchMessage(room, user, i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		msgs, err := s.Messages(b.Context(), room, chat.Page{Before: 150, Limit: 50})
		if err != nil || len(msgs) != 50 {
			b.Fatalf("%d messages, %v", len(msgs), err)
		}
	}
}

func benchMessage(room chat.RoomID, sender chat.UserID, n int) chat.NewMessage {
	return chat.NewMessage{
		ID: uuid.Must(uuid.NewV7()).String(), RoomID: room, SenderID: sender, ClientID: fmt.Sprint("c", n),
		Kind: chat.Text, Text: "hello, world", CreatedAt: time.Now(),
	}
}

// NewRoom makes a group room whose one member is user.
func NewRoom(b testing.TB, s chat.Store, user chat.UserID) chat.RoomID {
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

// NewUser makes a user called name.
func NewUser(b testing.TB, s chat.Store, name string) chat.UserID {
	b.Helper()
	id := chat.UserID(uuid.Must(uuid.NewV7()).String())
	if _, err := s.CreateUser(b.Context(), chat.NewUser{ID: id, Username: name, DisplayName: name, PasswordHash: "h", CreatedAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	return id
}
