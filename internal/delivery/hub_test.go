package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"parley/internal/chat"
)

// Messages published out of order are delivered in order, without reading
// the store when the missing one comes through the bus in time.
func TestReordersWithoutTheStore(t *testing.T) {
	x := newHarness(t, Config{})
	bob := x.connect("bob", 1)
	reads := x.st.readCount()
	x.bus.publish(x.st, 2)
	x.bus.publish(x.st, 4)
	wantSeqs(t, "bob, with 3 missing", bob, 2)
	x.bus.publish(x.st, 3)
	wantSeqs(t, "bob", bob, 2, 3, 4)
	if n := x.st.readCount() - reads; n != 0 {
		t.Fatalf("the store was read %d times for a reordering the bus repaired", n)
	}
}

// A message the bus lost is read from the store once the repair delay has
// passed, and the held ones follow it in order.
func TestLostMessageIsFilledFromTheStore(t *testing.T) {
	x := newHarness(t, Config{})
	bob := x.connect("bob", 1)
	x.bus.publish(x.st, 2)
	x.st.commit(3, nil) // its publish is lost
	x.bus.publish(x.st, 4)
	x.clock.Advance(repairDelay - time.Millisecond)
	wantSeqs(t, "bob, before the repair delay", bob, 2)
	x.clock.Advance(time.Millisecond)
	wantSeqs(t, "bob", bob, 2, 3, 4)
}

// While the store is down, messages after a gap wait rather than reach
// clients with a gap; the repair is retried with backoff until it answers.
func TestHeldMessagesWaitForTheStore(t *testing.T) {
	x := newHarness(t, Config{})
	bob := x.connect("bob", 1)
	x.bus.publish(x.st, 2)
	x.st.commit(3, nil)
	x.st.setDown(true)
	x.bus.publish(x.st, 4)
	x.bus.publish(x.st, 5)
	x.clock.Advance(time.Second)
	wantSeqs(t, "bob, store down", bob, 2)
	failed := x.st.readCount()
	if failed < 2 {
		t.Fatalf("the store was tried %d times in a second, want retries", failed)
	}
	x.clock.Advance(10 * time.Second)
	if n := x.st.readCount() - failed; n > 11 {
		t.Fatalf("%d retries in 10 s: the backoff should cap them near one a second", n)
	}
	x.st.setDown(false)
	x.clock.Advance(time.Second)
	wantSeqs(t, "bob", bob, 2, 3, 4, 5)
}

// A room dropped while its repair read the store (its last connection here
// left) ends the repair: there is no one to deliver to, and the seqs the
// read found are not reported as missing from the store.
func TestRepairOfADroppedRoomEndsQuietly(t *testing.T) {
	x := newHarness(t, Config{})
	bob := x.connect("bob", 1)
	x.st.commit(2, nil) // its publish is lost
	x.bus.publish(x.st, 3)
	gate, entered := make(chan struct{}), make(chan struct{})
	x.st.mu.Lock()
	x.st.gate, x.st.entered = gate, entered
	x.st.mu.Unlock()
	repaired := make(chan struct{})
	go func() { x.clock.Advance(repairDelay); close(repaired) }()
	<-entered
	x.h.Detach(bob)
	close(gate)
	<-repaired
	if logged := x.log.String(); logged != "" {
		t.Fatalf("the repair of a dropped room logged:\n%s", logged)
	}
	wantSeqs(t, "bob, gone before the repair", bob)
}

// A new room here catches up from the store, since messages may have been
// published between its first connection's snapshot and the subscription.
// When the store cannot answer then, the room keeps trying: those messages
// must not wait for the next message of the room, which may never come.
func TestNewRoomCatchesUpOnceTheStoreAnswers(t *testing.T) {
	x := newHarness(t, Config{})
	x.st.commit(2, nil) // published before the subscription
	x.st.commit(3, nil)
	x.st.setDown(true)
	bob := x.connect("bob", 1)
	x.clock.Advance(time.Second)
	wantSeqs(t, "bob, store down", bob)
	x.st.setDown(false)
	x.clock.Advance(time.Second)
	wantSeqs(t, "bob", bob, 2, 3)
	x.bus.publish(x.st, 3) // the late publish changes nothing
	x.bus.publish(x.st, 4)
	wantSeqs(t, "bob", bob, 2, 3, 4)
}

// A slow store never holds a room's lock: while a joining connection's read
// waits on the store, the room's other members keep getting messages.
func TestSlowStoreDoesNotStallTheRoom(t *testing.T) {
	x := newHarness(t, Config{})
	bob := x.connect("bob", 1)
	x.bus.publish(x.st, 2)
	x.bus.publish(x.st, 3)
	gate, entered := make(chan struct{}), make(chan struct{})
	x.st.mu.Lock()
	x.st.gate, x.st.entered = gate, entered
	x.st.mu.Unlock()
	joined := make(chan *fakeRecipient)
	go func() { joined <- x.connect("carol", 1) }() // behind the room: reads 2..3
	<-entered
	published := make(chan struct{})
	go func() { x.bus.publish(x.st, 4); close(published) }()
	select {
	case <-published:
	case <-time.After(30 * time.Second):
		t.Fatal("a publish waited for a store read")
	}
	wantSeqs(t, "bob", bob, 2, 3, 4)
	x.st.mu.Lock()
	x.st.gate, x.st.entered = nil, nil
	x.st.mu.Unlock()
	close(gate)
	carol := <-joined
	// The room moved on while carol's read was out: she gets the rest too.
	wantSeqs(t, "carol", carol, 2, 3, 4)
	x.bus.publish(x.st, 5)
	wantSeqs(t, "carol", carol, 2, 3, 4, 5)
}

// A connection whose snapshot is ahead of what this node has delivered (the
// newest messages' publishes are still on their way) joins after the room
// catches up from the store: the room's members get those messages, the new
// connection none of them, and their late publishes change nothing.
func TestJoinAheadOfTheRoomStartsAfterTheSnapshot(t *testing.T) {
	x := newHarness(t, Config{})
	bob := x.connect("bob", 1)
	x.st.commit(2, nil)
	x.st.commit(3, nil)
	carol := x.connect("carol", 3)
	wantSeqs(t, "carol, whose snapshot covers 3", carol)
	wantSeqs(t, "bob", bob, 2, 3)
	x.bus.publish(x.st, 2)
	x.bus.publish(x.st, 3)
	x.bus.publish(x.st, 4)
	wantSeqs(t, "carol", carol, 4)
	wantSeqs(t, "bob", bob, 2, 3, 4)
}

// A connection whose snapshot is behind the room here gets the difference
// from the store, then the live messages.
func TestJoinBehindTheRoomFillsTheGap(t *testing.T) {
	x := newHarness(t, Config{})
	bob := x.connect("bob", 1)
	x.bus.publish(x.st, 2)
	x.bus.publish(x.st, 3)
	carol := x.connect("carol", 1)
	x.bus.publish(x.st, 4)
	wantSeqs(t, "carol", carol, 2, 3, 4)
	wantSeqs(t, "bob", bob, 2, 3, 4)
}

// A join whose store read fails closes the connection with 4000: resuming
// after a reconnect is exact, a join with a gap is not.
func TestJoinThatCannotReadTheStoreAsksToReconnect(t *testing.T) {
	x := newHarness(t, Config{})
	x.connect("bob", 1)
	x.bus.publish(x.st, 2)
	x.bus.publish(x.st, 3)
	x.st.setDown(true)
	carol := x.connect("carol", 1)
	if code := carol.closeCode(); code != CloseRestart {
		t.Fatalf("carol's connection closed with %d, want %d", code, CloseRestart)
	}
}

// A message adding a user whose connection is still loading its snapshot
// does not start delivery from that message: the snapshot, taken later, says
// where the connection stands.
func TestAddWhileStartingWaitsForTheSnapshot(t *testing.T) {
	x := newHarness(t, Config{})
	x.connect("bob", 1)
	carol := &fakeRecipient{user: "carol"}
	rooms := []chat.RoomSummary{{Room: chat.Room{ID: "room", LastSeq: 3}}}
	x.h.Attach(context.Background(), carol, func() ([]chat.RoomSummary, error) {
		// While carol's rooms load, she is added and the room moves on.
		x.bus.publishMsg(x.st.commit(2, &chat.SystemEvent{Type: chat.MembersAdded, Users: []chat.UserID{"carol"}}))
		x.bus.publish(x.st, 3)
		return rooms, nil
	})
	x.h.Start(context.Background(), carol, rooms)
	x.bus.publish(x.st, 4)
	wantSeqs(t, "carol", carol, 4)
}

// A room_added event during the load of a snapshot that does not have the
// room yet joins the room at the event's seq once the connection starts.
func TestRoomAddedWhileStartingJoinsAtItsSeq(t *testing.T) {
	x := newHarness(t, Config{})
	x.connect("bob", 1)
	x.bus.publish(x.st, 2)
	carol := &fakeRecipient{user: "carol"}
	x.h.Attach(context.Background(), carol, func() ([]chat.RoomSummary, error) {
		x.bus.publishMsg(x.st.commit(3, &chat.SystemEvent{Type: chat.MembersAdded, Users: []chat.UserID{"carol"}}))
		x.bus.Publish(context.Background(), chat.UserTopic("carol"), chat.Event{Type: chat.EvRoomAdded, Room: "room", Seq: 3, Data: []byte(`{}`)})
		return nil, nil // loaded before the invite committed
	})
	x.h.Start(context.Background(), carol, nil)
	x.bus.publish(x.st, 4)
	wantSeqs(t, "carol", carol, 4)
}

// A removal applies at its seq: the removed member gets its own removal and
// nothing after, and a connection set up from a snapshot older than the
// removal is not added back.
func TestRemovalAppliesAtItsSeq(t *testing.T) {
	x := newHarness(t, Config{})
	x.connect("alice", 1)
	bob := x.connect("bob", 1)
	x.bus.publish(x.st, 2)
	x.bus.publishMsg(x.st.commit(3, &chat.SystemEvent{Type: chat.MemberRemoved, Users: []chat.UserID{"bob"}}))
	x.bus.publish(x.st, 4)
	wantSeqs(t, "bob", bob, 2, 3)
	late := x.connect("bob", 2) // a snapshot from before the removal
	x.bus.publish(x.st, 5)
	wantSeqs(t, "bob's late connection", late)
}

// The room's subscription ends with its last local member.
func TestRoomIsDroppedWithItsLastMember(t *testing.T) {
	x := newHarness(t, Config{})
	bob := x.connect("bob", 1)
	if !x.bus.subscribed(chat.RoomTopic("room")) {
		t.Fatal("no subscription to the room's topic")
	}
	x.h.Detach(bob)
	if x.bus.subscribed(chat.RoomTopic("room")) || x.bus.subscribed(chat.UserTopic("bob")) {
		t.Fatal("topics still subscribed after the last recipient left")
	}
	if n := x.h.Connections(); n != 0 {
		t.Fatalf("%d recipients attached", n)
	}
}

// In a big room, events wait for the fan-out window and go out as one
// payload per recipient; a membership change flushes the batch first, so
// the batch reaches exactly the members of the seqs it covers.
func TestBigRoomBatchesPerWindow(t *testing.T) {
	x := newHarness(t, Config{FanoutWindow: 50 * time.Millisecond, FanoutBatchConns: 2})
	alice, bob := x.connect("alice", 1), x.connect("bob", 1)
	for seq := int64(2); seq <= 4; seq++ {
		x.bus.publish(x.st, seq)
	}
	if n := bob.payloadCount(); n != 0 {
		t.Fatalf("bob got %d payloads before the window closed", n)
	}
	x.clock.Advance(50 * time.Millisecond)
	if n := bob.payloadCount(); n != 1 {
		t.Fatalf("bob got %d payloads for one window, want 1", n)
	}
	wantSeqs(t, "bob", bob, 2, 3, 4)

	x.bus.publish(x.st, 5)
	carol := x.connect("carol", -1)
	x.bus.publishMsg(x.st.commit(6, &chat.SystemEvent{Type: chat.MembersAdded, Users: []chat.UserID{"carol"}}))
	x.bus.publish(x.st, 7)
	x.clock.Advance(50 * time.Millisecond)
	wantSeqs(t, "alice", alice, 2, 3, 4, 5, 6, 7)
	wantSeqs(t, "carol, added at 6", carol, 6, 7)
}

// A big room's lone count goes out by itself lazyWindows windows after its
// turn; once a count has gone out, the next ones wait for the next turn and
// then ride with a window carrying a message.
func TestBigRoomCountsRideWithTheNextMessage(t *testing.T) {
	const window = 50 * time.Millisecond
	x := newHarness(t, Config{FanoutWindow: window, FanoutBatchConns: 2, CountWindow: time.Second})
	x.connect("alice", 1)
	bob := x.connect("bob", 1)
	receipts := chat.Event{Type: chat.EvReceipts, Room: "room", Data: []byte(`{"room_id":"room","counts":[{"seq":1,"count":2}]}`)}
	x.bus.Publish(context.Background(), chat.RoomTopic("room"), receipts)
	x.clock.Advance((lazyWindows - 1) * window)
	if n := bob.payloadCount(); n != 0 {
		t.Fatalf("a lone count went out after %d windows", lazyWindows-1)
	}
	x.clock.Advance(window)
	if n := bob.payloadCount(); n != 1 {
		t.Fatalf("a lone count was not out after %d windows", lazyWindows)
	}

	x.bus.Publish(context.Background(), chat.RoomTopic("room"), receipts)
	x.bus.publish(x.st, 2)
	x.clock.Advance(window)
	if frames := bob.frames(); len(frames) != 2 || !strings.Contains(frames[1], `"message"`) {
		t.Fatalf("a count went out before its turn: bob got frames %v", frames)
	}
	x.clock.Advance(time.Second - 2*window) // the count's turn has come
	x.bus.publish(x.st, 3)
	x.clock.Advance(window)
	if n := bob.payloadCount(); n != 3 {
		t.Fatalf("count and message took %d payloads, want 1", n-2)
	}
	if frames := bob.frames(); len(frames) != 4 {
		t.Fatalf("bob got frames %v", frames)
	}
}

// histogram applies the receipts events rc received, as a client does.
func (f *fakeRecipient) histogram() (h map[int64]int, receipts int) {
	h = make(map[int64]int)
	for _, line := range f.frames() {
		var ev struct {
			Type string            `json:"type"`
			Data chat.ReceiptsData `json:"data"`
		}
		if json.Unmarshal([]byte(line), &ev) != nil || ev.Type != string(chat.EvReceipts) {
			continue
		}
		receipts++
		for _, c := range ev.Data.Counts {
			if c.Count == 0 {
				delete(h, c.Seq)
			} else {
				h[c.Seq] = c.Count
			}
		}
	}
	return h, receipts
}

// At 4 messages a second into a big room, each followed by the receipts its
// send caused (the sender's position moves to it), a watcher gets one
// receipts event a second instead of one per message, no window of its own,
// and the read-position histogram it ends with is exact.
func TestBigRoomCountsAtALowRateStayExact(t *testing.T) {
	const window = 50 * time.Millisecond
	x := newHarness(t, Config{FanoutWindow: window, FanoutBatchConns: 2, CountWindow: time.Second})
	x.connect("alice", 1)
	bob := x.connect("bob", 1)
	// Ten senders, all at seq 1 to begin with.
	pos := map[int]int64{}
	truth := map[int64]int{1: 10}
	const msgs = 40 // 10 s at 4 a second
	for seq := int64(2); seq < 2+msgs; seq++ {
		x.bus.publish(x.st, seq)
		sender := int(seq % 10)
		old := max(pos[sender], 1)
		pos[sender] = seq
		truth[old]--
		truth[seq]++
		counts := []chat.ReadCount{{Seq: old, Count: truth[old]}, {Seq: seq, Count: truth[seq]}}
		if truth[old] == 0 {
			delete(truth, old)
		}
		x.bus.Publish(context.Background(), chat.RoomTopic("room"), chat.Event{Type: chat.EvReceipts, Room: "room",
			Data: mustJSON(chat.ReceiptsData{RoomID: "room", Counts: counts})})
		x.clock.Advance(250 * time.Millisecond)
	}
	payloadsWhileSending := bob.payloadCount()
	x.clock.Advance(2 * time.Second) // quiet
	got, receipts := bob.histogram()
	if !maps.Equal(got, truth) {
		t.Fatalf("bob's histogram once quiet %v, want %v", got, truth)
	}
	if receipts > 11 {
		t.Fatalf("bob got %d receipts events for %d messages in 10 s, want at most one a second", receipts, msgs)
	}
	if payloadsWhileSending != msgs {
		t.Fatalf("bob got %d payloads while %d messages were sent, one window apart: counts took windows of their own", payloadsWhileSending, msgs)
	}
}

// A room that stops being big sends the counts it held before newer ones,
// which would otherwise be overwritten by older values.
func TestHeldCountsGoBeforeNewerOnesWhenTheRoomShrinks(t *testing.T) {
	const window = 50 * time.Millisecond
	x := newHarness(t, Config{FanoutWindow: window, FanoutBatchConns: 2, CountWindow: time.Second})
	alice := x.connect("alice", 1)
	bob := x.connect("bob", 1)
	receipts := func(count int) chat.Event {
		return chat.Event{Type: chat.EvReceipts, Room: "room",
			Data: mustJSON(chat.ReceiptsData{RoomID: "room", Counts: []chat.ReadCount{{Seq: 1, Count: count}}})}
	}
	x.bus.Publish(context.Background(), chat.RoomTopic("room"), receipts(5))
	x.clock.Advance(lazyWindows * window) // the first goes out at its turn
	x.bus.Publish(context.Background(), chat.RoomTopic("room"), receipts(4))
	x.h.Detach(alice)
	x.bus.Publish(context.Background(), chat.RoomTopic("room"), receipts(3))
	x.clock.Advance(2 * time.Second)
	if got, _ := bob.histogram(); got[1] != 3 {
		t.Fatalf("bob ends with %d members at seq 1, want 3 (frames %v)", got[1], bob.frames())
	}
}

// A recipient that cannot keep up closes itself; the others get everything.
func TestSlowRecipientDoesNotHoldTheRoom(t *testing.T) {
	x := newHarness(t, Config{})
	slow := &fakeRecipient{user: "slow", limit: 2}
	rooms := []chat.RoomSummary{{Room: chat.Room{ID: "room", LastSeq: 1}}}
	x.h.Attach(context.Background(), slow, func() ([]chat.RoomSummary, error) { return rooms, nil })
	x.h.Start(context.Background(), slow, rooms)
	bob := x.connect("bob", 1)
	for seq := int64(2); seq <= 10; seq++ {
		x.bus.publish(x.st, seq)
	}
	wantSeqs(t, "bob", bob, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	if slow.closeCode() == 0 {
		t.Fatal("the slow recipient is still open")
	}
}

// A session_ended event closes that session's connections only.
func TestSessionEndedClosesItsConnections(t *testing.T) {
	x := newHarness(t, Config{})
	a := x.connect("bob", -1)
	b := &fakeRecipient{user: "bob", session: "other"}
	x.h.Attach(context.Background(), b, func() ([]chat.RoomSummary, error) { return nil, nil })
	x.h.Start(context.Background(), b, nil)
	x.bus.Publish(context.Background(), chat.UserTopic("bob"), chat.Event{Type: chat.EvSessionEnded, Session: a.session, Data: []byte(`{}`)})
	if a.closeCode() != CloseSessionEnded || b.closeCode() != 0 {
		t.Fatalf("close codes: ended session %d, other session %d", a.closeCode(), b.closeCode())
	}
}

// Resync after a bus outage catches rooms up from the store and starts
// rooms the user joined meanwhile.
func TestResyncCatchesUpAfterAnOutage(t *testing.T) {
	x := newHarness(t, Config{})
	bob := x.connect("bob", 1)
	x.st.commit(2, nil) // published while the bus was down
	x.st.commit(3, nil)
	x.h.Resync(context.Background(), func(context.Context, chat.UserID) ([]chat.RoomSummary, error) {
		return []chat.RoomSummary{{Room: chat.Room{ID: "room", LastSeq: 3}}}, nil
	})
	wantSeqs(t, "bob", bob, 2, 3)
	if got := slices.Compact(bob.seqs()); len(got) != 2 {
		t.Fatal("duplicates after resync")
	}
}

// A resync whose store read fails leaves the room catching up on its own
// until the store answers: the messages the bus lost do not wait for the
// room's next message.
func TestResyncThatCannotReadTheStoreKeepsTrying(t *testing.T) {
	x := newHarness(t, Config{})
	bob := x.connect("bob", 1)
	x.st.commit(2, nil) // published while the bus was down
	x.st.commit(3, nil)
	x.st.setDown(true)
	x.h.Resync(context.Background(), func(context.Context, chat.UserID) ([]chat.RoomSummary, error) {
		return nil, errors.New("store down")
	})
	x.clock.Advance(time.Second)
	wantSeqs(t, "bob, store down", bob)
	x.st.setDown(false)
	x.clock.Advance(time.Second)
	wantSeqs(t, "bob", bob, 2, 3)
}
