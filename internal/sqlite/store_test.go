package sqlite_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

func TestStoreNodes(t *testing.T) {
	storetest.RunNodes(t, func(t *testing.T) (chat.Store, chat.Store) {
		path := filepath.Join(t.TempDir(), "parley.db")
		var nodes [2]chat.Store
		for i := range nodes {
			s, err := sqlite.Open(t.Context(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			nodes[i] = s
		}
		return nodes[0], nodes[1]
	})
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
	user := storetest.NewUser(t, s, "alice")
	room := storetest.NewRoom(t, s, user)
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

func BenchmarkAppendMessage(b *testing.B) {
	// 32 senders per core: the group commit (commit.go) is what is measured.
	storetest.BenchAppendMessage(b, func(tb testing.TB) chat.Store { return openTemp(tb) }, 32)
}

func BenchmarkMember(b *testing.B) {
	storetest.BenchMember(b, func(tb testing.TB) chat.Store { return openTemp(tb) })
}

func BenchmarkMessages(b *testing.B) {
	storetest.BenchMessages(b, func(tb testing.TB) chat.Store { return openTemp(tb) })
}

// TestSearchShortWindow runs the search cases with short queries leaving
// the newest docs for the caller's rooms after two docs.
func TestSearchShortWindow(t *testing.T) {
	storetest.RunSearch(t, func(t *testing.T) chat.Store {
		s := openTemp(t)
		s.SetShortWindow(2)
		return s
	})
}

func TestSearchBacklog(t *testing.T) {
	s := openTemp(t)
	storetest.RunBacklog(t, s, func(t *testing.T) {
		if err := s.ForgetSearch(); err != nil {
			t.Fatal(err)
		}
	})
}
