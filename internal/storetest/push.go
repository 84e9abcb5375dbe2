package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"parley/internal/chat"
)

var pushCases = []struct {
	name string
	fn   func(t *testing.T, f *fixture)
}{
	{"PushKeysFirstStoredWins", testPushKeysFirstStoredWins},
	{"PushSubscriptionPerSession", testPushSubscriptionPerSession},
	{"PushSubscriptionsBoundedPerUser", testPushSubscriptionsBounded},
	{"PushSubscriptionDiesWithItsSession", testPushSubscriptionDiesWithSession},
	{"PushOutboxHoldsTextMessagesClaimedOnce", testPushOutbox},
	{"PushDeliveriesFoldAndFinish", testPushDeliveries},
}

// Nodes starting at once each offer a pair; all of them get the same one.
func testPushKeysFirstStoredWins(t *testing.T, f *fixture) {
	got := make([]chat.VAPIDKeys, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			k, err := f.s.PushKeys(f.ctx, chat.VAPIDKeys{Public: "pub" + string(rune('a'+i)), Private: "priv" + string(rune('a'+i))})
			if err != nil {
				t.Error(err)
			}
			got[i] = k
		})
	}
	wg.Wait()
	for _, k := range got {
		if k != got[0] || k.Public[3:] != k.Private[4:] {
			t.Fatalf("nodes got different or mixed pairs: %v", got)
		}
	}
	later, err := f.s.PushKeys(f.ctx, chat.VAPIDKeys{Public: "new", Private: "new"})
	if err != nil || later != got[0] {
		t.Fatalf("a later start got %v, %v; want %v", later, err, got[0])
	}
}

func (f *fixture) pushSub(s chat.Session, endpoint string) chat.PushSubscription {
	return chat.PushSubscription{TokenHash: s.TokenHash, UserID: s.UserID, Endpoint: endpoint,
		P256dh: "key-" + endpoint, Auth: "auth-" + endpoint, CreatedAt: f.tick()}
}

func endpoints(subs []chat.PushSubscription) []string {
	out := make([]string, len(subs))
	for i, s := range subs {
		out[i] = s.Endpoint
	}
	return out
}

func (f *fixture) endpoints(u chat.User) []string {
	f.t.Helper()
	subs, err := f.s.PushSubscriptions(f.ctx, u.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return endpoints(subs)
}

// A session has one subscription, replaced by its next; an endpoint has one
// session, the latest to register it (another user's included).
func testPushSubscriptionPerSession(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	s1, s2, sb := f.session(alice, f.tick()), f.session(alice, f.tick()), f.session(bob, f.tick())
	for _, p := range []chat.PushSubscription{f.pushSub(s1, "https://a/1"), f.pushSub(s2, "https://a/2"), f.pushSub(s1, "https://a/3")} {
		if err := f.s.SetPushSubscription(f.ctx, p, 10); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.endpoints(alice); !slices.Equal(got, []string{"https://a/3", "https://a/2"}) {
		t.Fatalf("alice's endpoints %v, want [3 2]", got)
	}
	subs, _ := f.s.PushSubscriptions(f.ctx, alice.ID)
	if want := f.pushSub(s1, "https://a/3"); subs[0].P256dh != want.P256dh || subs[0].Auth != want.Auth ||
		string(subs[0].TokenHash) != string(s1.TokenHash) || subs[0].UserID != alice.ID {
		t.Fatalf("stored %+v", subs[0])
	}
	// Bob logs in on the browser of alice's second session.
	if err := f.s.SetPushSubscription(f.ctx, f.pushSub(sb, "https://a/2"), 10); err != nil {
		t.Fatal(err)
	}
	if got, gotB := f.endpoints(alice), f.endpoints(bob); !slices.Equal(got, []string{"https://a/3"}) || !slices.Equal(gotB, []string{"https://a/2"}) {
		t.Fatalf("alice %v, bob %v; want [3], [2]", got, gotB)
	}
	if err := f.s.DeletePushSubscription(f.ctx, s1.TokenHash); err != nil {
		t.Fatal(err)
	}
	if err := f.s.DeletePushSubscription(f.ctx, s1.TokenHash); err != nil {
		t.Fatalf("deleting again: %v", err)
	}
	if got := f.endpoints(alice); len(got) != 0 {
		t.Fatalf("alice's endpoints %v after deleting, want none", got)
	}
}

// Past the bound, the oldest go, never the one just registered.
func testPushSubscriptionsBounded(t *testing.T, f *fixture) {
	alice := f.user("alice")
	var want []string
	for i := range 5 {
		e := "https://p/" + string(rune('a'+i))
		if err := f.s.SetPushSubscription(f.ctx, f.pushSub(f.session(alice, f.tick()), e), 3); err != nil {
			t.Fatal(err)
		}
		want = append([]string{e}, want...)
	}
	if got := f.endpoints(alice); !slices.Equal(got, want[:3]) {
		t.Fatalf("endpoints %v, want the newest three %v", got, want[:3])
	}
	// Registered with an older time than the others, it still stays.
	s := f.session(alice, f.tick())
	old := f.pushSub(s, "https://p/old")
	old.CreatedAt = base
	if err := f.s.SetPushSubscription(f.ctx, old, 3); err != nil {
		t.Fatal(err)
	}
	if got := f.endpoints(alice); len(got) != 3 || !slices.Contains(got, "https://p/old") {
		t.Fatalf("endpoints %v, want three with the newest registration", got)
	}
}

func testPushSubscriptionDiesWithSession(t *testing.T, f *fixture) {
	alice := f.user("alice")
	s1, s2 := f.session(alice, f.tick()), f.session(alice, f.tick())
	for _, p := range []chat.PushSubscription{f.pushSub(s1, "https://d/1"), f.pushSub(s2, "https://d/2")} {
		if err := f.s.SetPushSubscription(f.ctx, p, 10); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.s.DeleteSession(f.ctx, s1.TokenHash); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.DeleteOtherSessions(f.ctx, alice.ID, "none"); err != nil {
		t.Fatal(err)
	}
	if got := f.endpoints(alice); len(got) != 0 {
		t.Fatalf("endpoints %v outlived their sessions", got)
	}
	err := f.s.SetPushSubscription(f.ctx, f.pushSub(s1, "https://d/3"), 10)
	if chat.ErrorCode(err) != chat.NotFound {
		t.Fatalf("subscribing for an ended session: %v, want NotFound", err)
	}
}

// Every text message (and no system message) enters the outbox with its
// insert; concurrent claims never share an entry; a lost claim queues
// nothing.
func testPushOutbox(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	room := f.group(alice, bob) // its RoomCreated message is a system one
	var seqs []int64
	for i := range 10 {
		seqs = append(seqs, f.send(room.ID, alice.ID, "m"+string(rune('0'+i))).Seq)
	}
	now := f.tick()
	var (
		mu      sync.Mutex
		claimed = map[int64]string{}
		wg      sync.WaitGroup
	)
	// Two claims of three cannot take all ten entries.
	for c := range 2 {
		wg.Go(func() {
			claim := "claim" + string(rune('a'+c))
			es, err := f.s.ClaimPushOutbox(f.ctx, claim, now, now.Add(time.Minute), 3)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, e := range es {
				if _, dup := claimed[e.Seq]; dup || e.RoomID != room.ID {
					t.Errorf("entry %+v claimed twice or of another room", e)
				}
				claimed[e.Seq] = claim
			}
		})
	}
	wg.Wait()
	if len(claimed) == 0 {
		t.Fatal("no claim took an entry")
	}
	// The entries the claims left are all behind one they hold: a claim
	// now takes none of them (a dead node's claim holds its room back until
	// its lease runs out), but it does take another room's.
	other := f.group(alice, bob)
	otherSeq := f.send(other.ID, bob.ID, "elsewhere").Seq
	rest, err := f.s.ClaimPushOutbox(f.ctx, "last", now, now.Add(time.Minute), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 1 || rest[0].RoomID != other.ID || rest[0].Seq != otherSeq {
		t.Fatalf("a claim behind leased entries took %+v, want only the other room's seq %d", rest, otherSeq)
	}
	// Once every lease has run out the room's entries come back, in order.
	all, err := f.s.ClaimPushOutbox(f.ctx, "all", now.Add(2*time.Minute), now.Add(3*time.Minute), 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, e := range all {
		if e.RoomID == room.ID {
			got = append(got, e.Seq)
		}
	}
	if !slices.Equal(got, seqs) {
		t.Fatalf("outbox held seqs %v, want the text messages' %v", got, seqs)
	}
	// After that lease, another claim takes an entry over; the first
	// claimant's queuing then does nothing.
	later := now.Add(4 * time.Minute)
	taken, err := f.s.ClaimPushOutbox(f.ctx, "new", later, later.Add(time.Minute), 1)
	if err != nil || len(taken) != 1 {
		t.Fatalf("claim after the lease: %v, %v", taken, err)
	}
	if held, err := f.s.QueuePushDeliveries(f.ctx, taken[0], "all", nil); err != nil || held {
		t.Fatalf("queuing with a lost claim = %v, %v; want false", held, err)
	}
	if held, err := f.s.QueuePushDeliveries(f.ctx, taken[0], "new", nil); err != nil || !held {
		t.Fatalf("queuing with the claim = %v, %v; want true", held, err)
	}
	if held, _ := f.s.QueuePushDeliveries(f.ctx, taken[0], "new", nil); held {
		t.Fatal("an entry was queued twice")
	}
}

// Deliveries of one subscription and room fold into one; finishing
// deletes it unless more folded in meanwhile; a gone subscription takes
// its deliveries along.
func testPushDeliveries(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	room := f.group(alice, bob)
	s := f.session(bob, f.tick())
	if err := f.s.SetPushSubscription(f.ctx, f.pushSub(s, "https://q/1"), 10); err != nil {
		t.Fatal(err)
	}
	now := f.tick()
	queue := func(seq int64, payload, urgency string) {
		t.Helper()
		m := f.send(room.ID, alice.ID, payload)
		es, err := f.s.ClaimPushOutbox(f.ctx, "c", now.Add(time.Hour), now.Add(2*time.Hour), 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			var ds []chat.PushDelivery
			if e.Seq == m.Seq {
				ds = []chat.PushDelivery{{TokenHash: s.TokenHash, RoomID: room.ID, Seq: seq, Count: 1, Payload: payload,
					Urgency: urgency, DueAt: now, CreatedAt: now}}
			}
			if _, err := f.s.QueuePushDeliveries(f.ctx, e, "c", ds); err != nil {
				t.Fatal(err)
			}
		}
	}
	queue(5, "five", "normal")
	queue(7, "seven", "high")
	queue(6, "six", "normal") // expanded late: the latest stays
	ds, err := f.s.ClaimPushDeliveries(f.ctx, "d", now, now.Add(time.Minute), 10)
	if err != nil || len(ds) != 1 {
		t.Fatalf("claimed %v, %v; want one delivery", ds, err)
	}
	d := ds[0]
	if d.Count != 3 || d.Seq != 7 || d.Payload != "seven" || d.Urgency != "high" || d.Sub.Endpoint != "https://q/1" || d.Sub.Auth != "auth-https://q/1" {
		t.Fatalf("delivery %+v", d)
	}
	if again, _ := f.s.ClaimPushDeliveries(f.ctx, "e", now, now.Add(time.Minute), 10); len(again) != 0 {
		t.Fatalf("a claimed delivery was claimed again: %v", again)
	}
	// A message folds in while it is in flight: finishing keeps that one.
	queue(8, "eight", "normal")
	if err := f.s.FinishPushDelivery(f.ctx, d, "d", now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	ds, err = f.s.ClaimPushDeliveries(f.ctx, "f", now.Add(time.Second), now.Add(time.Minute), 10)
	if err != nil || len(ds) != 1 || ds[0].Count != 1 || ds[0].Seq != 8 {
		t.Fatalf("after finishing with one folded in: %+v, %v", ds, err)
	}
	if err := f.s.RetryPushDelivery(f.ctx, ds[0], "f", now.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	ds, err = f.s.ClaimPushDeliveries(f.ctx, "g", now.Add(2*time.Second), now.Add(time.Minute), 10)
	if err != nil || len(ds) != 1 || ds[0].Attempts != 1 {
		t.Fatalf("after a retry: %+v, %v", ds, err)
	}
	if err := f.s.DeletePushEndpoint(f.ctx, "https://q/1"); err != nil {
		t.Fatal(err)
	}
	if ds, _ := f.s.ClaimPushDeliveries(f.ctx, "h", now.Add(time.Hour), now.Add(2*time.Hour), 10); len(ds) != 0 || len(f.endpoints(bob)) != 0 {
		t.Fatalf("deliveries %v outlived their subscription", ds)
	}
}
