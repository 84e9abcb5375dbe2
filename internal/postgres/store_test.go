package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"parley/internal/chat"
	"parley/internal/postgres"
	"parley/internal/storetest"
	"parley/internal/testenv"
)

func testDSN(tb testing.TB) string { return testenv.Postgres(tb) }

func freshSchema(tb testing.TB, _ string) string { return testenv.PostgresSchema(tb) }

func openStore(tb testing.TB, dsn string) *postgres.Store {
	tb.Helper()
	s, err := postgres.Open(tb.Context(), dsn)
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
	dsn := testDSN(t)
	storetest.Run(t, func(t *testing.T) chat.Store { return openStore(t, freshSchema(t, dsn)) })
}

func TestStoreNodes(t *testing.T) {
	dsn := testDSN(t)
	storetest.RunNodes(t, func(t *testing.T) (chat.Store, chat.Store) {
		fresh := freshSchema(t, dsn)
		return openStore(t, fresh), openStore(t, fresh)
	})
}

// TestSearchWindows runs the search cases with windows of two and sixteen
// docs, so their matches are found in every window of a search.
func TestSearchWindows(t *testing.T) {
	dsn := testDSN(t)
	storetest.RunSearch(t, func(t *testing.T) chat.Store {
		s := openStore(t, freshSchema(t, dsn))
		s.SetSearchWindow(2)
		return s
	})
}

// TestConcurrentWritersOnSeparatePools is two nodes (two pools, started at
// the same moment) writing one room: plain sends, the same resends reaching
// both nodes, and room changes, all at once. The room must come out with
// seqs exactly 1..N and every client_id stored once.
func TestConcurrentWritersOnSeparatePools(t *testing.T) {
	dsn := freshSchema(t, testDSN(t))
	const (
		writers = 4  // goroutines per node sending their own messages
		each    = 50 // messages per writer
		dups    = 20 // client_ids sent to both nodes at once
		updates = 5  // room changes per node
	)

	// Both nodes migrate the empty schema at once; one waits for the other.
	var nodes [2]*postgres.Store
	var wg sync.WaitGroup
	errs := make([]error, len(nodes))
	for i := range nodes {
		wg.Go(func() { nodes[i], errs[i] = postgres.Open(t.Context(), dsn) })
	}
	wg.Wait()
	for _, s := range nodes {
		if s != nil {
			t.Cleanup(func() { s.Close() })
		}
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: Open: %v", i, err)
		}
	}

	ctx := t.Context()
	now := time.Now()
	newUser := func(name string) chat.UserID {
		id := chat.UserID(uuid.Must(uuid.NewV7()).String())
		if _, err := nodes[0].CreateUser(ctx, chat.NewUser{ID: id, Username: name, DisplayName: name, PasswordHash: "h", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	senders := make([]chat.UserID, len(nodes)*writers)
	for i := range senders {
		senders[i] = newUser(fmt.Sprint("writer", i))
	}
	dupSender := newUser("resender")
	owner := newUser("owner")
	roomID := chat.RoomID(uuid.Must(uuid.NewV7()).String())
	if _, _, err := nodes[1].CreateRoom(ctx, chat.NewRoom{
		ID: roomID, Kind: chat.Group, Name: "busy", Creator: owner, Members: append(slices.Clone(senders), dupSender), CreatedAt: now,
		Message: chat.NewMessage{ID: uuid.Must(uuid.NewV7()).String(), Kind: chat.System,
			System: &chat.SystemEvent{Type: chat.RoomCreated, Actor: owner}, CreatedAt: now},
	}); err != nil {
		t.Fatal(err)
	}

	type result struct {
		node int
		msg  chat.Message
		dup  bool
	}
	var (
		mu      sync.Mutex
		results []result
		start   = make(chan struct{})
	)
	record := func(node int, m chat.Message, dup bool, err error, what string) {
		if err != nil {
			t.Errorf("node %d: %s: %v", node, what, err)
			return
		}
		mu.Lock()
		results = append(results, result{node, m, dup})
		mu.Unlock()
	}
	for n, s := range nodes {
		for w := range writers {
			sender := senders[n*writers+w]
			wg.Go(func() {
				<-start
				for j := range each {
					m, dup, err := s.AppendMessage(ctx, chat.NewMessage{
						ID: uuid.Must(uuid.NewV7()).String(), RoomID: roomID, SenderID: sender,
						ClientID: fmt.Sprintf("c-%d-%d-%d", n, w, j), Kind: chat.Text, Text: "hi", CreatedAt: time.Now(),
					})
					record(n, m, dup, err, "AppendMessage")
				}
			})
		}
		wg.Go(func() {
			<-start
			for j := range dups {
				// A fresh id each time, as a client's retry through another node gets.
				m, dup, err := s.AppendMessage(ctx, chat.NewMessage{
					ID: uuid.Must(uuid.NewV7()).String(), RoomID: roomID, SenderID: dupSender,
					ClientID: fmt.Sprint("d-", j), Kind: chat.Text, Text: fmt.Sprint("node ", n), CreatedAt: time.Now(),
				})
				record(n, m, dup, err, "AppendMessage (resent)")
			}
		})
		wg.Go(func() {
			<-start
			for j := range updates {
				name := fmt.Sprintf("room %d.%d", n, j)
				_, m, err := s.UpdateRoom(ctx, roomID, chat.RoomUpdate{Name: &name}, chat.NewMessage{
					ID: uuid.Must(uuid.NewV7()).String(), Kind: chat.System, CreatedAt: time.Now(),
					System: &chat.SystemEvent{Type: chat.RoomRenamed, Actor: owner, Name: name},
				})
				record(n, m, false, err, "UpdateRoom")
			}
		})
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		return
	}

	const last = 1 + 2*writers*each + dups + 2*updates
	var acked []int64
	byClientID := map[string][]result{}
	for _, r := range results {
		if !r.dup {
			acked = append(acked, r.msg.Seq)
		}
		if r.msg.ClientID != "" {
			byClientID[r.msg.ClientID] = append(byClientID[r.msg.ClientID], r)
		}
	}
	slices.Sort(acked)
	if want := seqRange(2, last); !slices.Equal(acked, want) {
		t.Errorf("new messages got %d seqs %v..., want exactly 2..%d", len(acked), acked[:min(len(acked), 10)], last)
	}
	for j := range dups {
		rs := byClientID[fmt.Sprint("d-", j)]
		if len(rs) != 2 || rs[0].dup == rs[1].dup || rs[0].msg.ID != rs[1].msg.ID || rs[0].msg.Seq != rs[1].msg.Seq {
			t.Errorf("client_id d-%d sent to both nodes: got %+v, want one new and one dup of the same message", j, rs)
		}
	}

	if r, err := nodes[1].Room(ctx, roomID); err != nil || r.LastSeq != last {
		t.Errorf("Room = LastSeq %d, %v; want %d", r.LastSeq, err, last)
	}
	stored, err := nodes[0].Messages(ctx, roomID, chat.Page{Asc: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := seqsOf(stored); !slices.Equal(got, seqRange(1, last)) {
		t.Errorf("stored %d messages, seqs are not exactly 1..%d", len(got), last)
	}
	stores := map[string]int{}
	for _, m := range stored {
		if m.ClientID != "" {
			stores[m.ClientID]++
		}
	}
	if len(stores) != 2*writers*each+dups {
		t.Errorf("%d distinct client_ids stored, want %d", len(stores), 2*writers*each+dups)
	}
	for id, n := range stores {
		if n != 1 {
			t.Errorf("client_id %s stored %d times", id, n)
		}
	}
}

func seqRange(from, to int64) []int64 {
	var s []int64
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

func seqsOf(msgs []chat.Message) []int64 {
	s := make([]int64, len(msgs))
	for i, m := range msgs {
		s[i] = m.Seq
	}
	return s
}

func TestOpenUnreachableIsUnavailable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	// Nothing listens on port 1: the connection is refused at once.
	_, err := postgres.Open(ctx, "postgres://nobody@127.0.0.1:1/x?sslmode=disable&connect_timeout=5")
	if got := chat.ErrorCode(err); got != chat.Unavailable {
		t.Errorf("Open of an unreachable server: code %q (%v), want %q", got, err, chat.Unavailable)
	}
}

// TestLostConnectionsAreUnavailable cuts every connection of a store, as a
// server restart or failover does. A send on a dead connection must come back
// Unavailable (so the client retries with the same client_id), never as an
// internal error, and the retry must store the message once.
func TestLostConnectionsAreUnavailable(t *testing.T) {
	base := testDSN(t)
	app := "parley_t_" + uuid.NewString()[:8]
	s := openStore(t, testenv.WithParam(t, freshSchema(t, base), "application_name", app))
	ctx := t.Context()
	now := time.Now()
	user := chat.UserID(uuid.NewString())
	if _, err := s.CreateUser(ctx, chat.NewUser{ID: user, Username: "u", DisplayName: "u", PasswordHash: "h", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	room := chat.RoomID(uuid.NewString())
	if _, _, err := s.CreateRoom(ctx, chat.NewRoom{ID: room, Kind: chat.Group, Creator: user, CreatedAt: now,
		Message: chat.NewMessage{Kind: chat.System, System: &chat.SystemEvent{Type: chat.RoomCreated, Actor: user}}}); err != nil {
		t.Fatal(err)
	}

	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	var killed int
	if err := admin.QueryRow(ctx,
		`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed == 0 {
		t.Fatal("test bug: the store had no connection to cut")
	}

	send := chat.NewMessage{RoomID: room, SenderID: user, ClientID: "after-cut", Kind: chat.Text, Text: "hi", CreatedAt: now}
	var failed int
	for attempt := 1; ; attempt++ {
		m, dup, err := s.AppendMessage(ctx, send)
		if err == nil {
			if m.Seq != 2 {
				t.Errorf("the retried send got seq %d (dup %v), want 2", m.Seq, dup)
			}
			break
		}
		if code := chat.ErrorCode(err); code != chat.Unavailable {
			t.Fatalf("send on a cut connection: code %q (%v), want %q", code, err, chat.Unavailable)
		}
		failed++
		if attempt == 10 {
			t.Fatalf("still failing after %d attempts: %v", attempt, err)
		}
	}
	t.Logf("%d sends failed as Unavailable before the pool reconnected", failed)
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping after reconnecting: %v", err)
	}
}

func benchStore(tb testing.TB) chat.Store { return openStore(tb, freshSchema(tb, testDSN(tb))) }

// Over loopback to the local server.
func BenchmarkAppendMessage(b *testing.B) { storetest.BenchAppendMessage(b, benchStore, 1) }

func BenchmarkMember(b *testing.B) { storetest.BenchMember(b, benchStore) }

func BenchmarkMessages(b *testing.B) { storetest.BenchMessages(b, benchStore) }

func TestSearchBacklog(t *testing.T) {
	dsn := freshSchema(t, testDSN(t))
	s := openStore(t, dsn)
	storetest.RunBacklog(t, s, func(t *testing.T) {
		conn, err := pgx.Connect(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(t.Context())
		if _, err := conn.Exec(t.Context(), `DELETE FROM search_docs;
			UPDATE search_backlog SET below = '~', next_doc = -1, walked = 0, finished = false,
				total = (SELECT count(*) FROM messages)`); err != nil {
			t.Fatal(err)
		}
	})
}
