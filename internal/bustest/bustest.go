// Package bustest is the conformance suite every chat.Bus passes: the
// in-process bus (internal/inmem) and the Redis bus (internal/redis) run it.
package bustest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"parley/internal/chat"
)

// Nodes returns n buses that behave as n nodes of one cluster, on topics
// private to the test: an event published on one reaches the subscribers of
// every one. A single-process bus returns itself n times.
type Nodes func(t *testing.T, n int) []chat.Bus

// Syncer is a bus whose subscriptions take effect after Subscribe returns
// (a broker must confirm them); Sync waits until they have.
type Syncer interface {
	Sync(ctx context.Context) error
}

func settle(t testing.TB, buses ...chat.Bus) {
	t.Helper()
	for _, b := range buses {
		if s, ok := b.(Syncer); ok {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			err := s.Sync(ctx)
			cancel()
			if err != nil {
				t.Fatalf("sync subscriptions: %v", err)
			}
		}
	}
}

// Harness opens the implementation under test.
type Harness struct {
	Nodes Nodes
	// QueueOf4 returns nodes whose queue of received events holds 4, for a
	// bus that delivers other nodes' events asynchronously; nil when
	// delivery is synchronous (nothing to overflow).
	QueueOf4 Nodes
	// Cut breaks a node's connection to its broker, as a network failure
	// would; nil for a bus without a broker (nothing to reconnect).
	Cut func(t *testing.T, b chat.Bus)
}

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	nodes := h.Nodes
	t.Run("LocalSubscribersGetAnEventBeforePublishReturns", func(t *testing.T) { localIsSynchronous(t, nodes) })
	t.Run("EverySubscriberGetsEachEventOnceInOrder", func(t *testing.T) { onceInOrder(t, nodes) })
	t.Run("EventsKeepEveryField", func(t *testing.T) { roundTrip(t, nodes) })
	t.Run("CancelStopsDeliveryToThatSubscriberOnly", func(t *testing.T) { cancel(t, nodes) })
	t.Run("TopicsAreIndependent", func(t *testing.T) { topics(t, nodes) })
	t.Run("OverflowDropsInOrderAndAsksForAResync", func(t *testing.T) { overflow(t, h) })
	t.Run("ReconnectResubscribesAndAsksForAResync", func(t *testing.T) { reconnect(t, h) })
}

// Recorder collects the events given to one subscriber.
type Recorder struct {
	mu   sync.Mutex
	evs  []chat.Event
	more chan struct{}
}

func NewRecorder() *Recorder { return &Recorder{more: make(chan struct{}, 1)} }

func (r *Recorder) Fn(ev chat.Event) {
	r.mu.Lock()
	r.evs = append(r.evs, ev)
	r.mu.Unlock()
	select {
	case r.more <- struct{}{}:
	default:
	}
}

func (r *Recorder) Events() []chat.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]chat.Event(nil), r.evs...)
}

// Seqs is the Seq of every event received, in order.
func (r *Recorder) Seqs() []int64 {
	var out []int64
	for _, ev := range r.Events() {
		out = append(out, ev.Seq)
	}
	return out
}

// WaitFor waits until the recorder holds n events (generously: the machine
// may be busy) and returns them.
func (r *Recorder) WaitFor(t testing.TB, n int) []chat.Event {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		if evs := r.Events(); len(evs) >= n {
			return evs
		}
		select {
		case <-r.more:
		case <-deadline:
			t.Fatalf("got %d events, want %d", len(r.Events()), n)
		}
	}
}

// WaitForSeq waits until an event with seq arrives and returns everything
// received up to it.
func (r *Recorder) WaitForSeq(t testing.TB, seq int64) []chat.Event {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		evs := r.Events()
		for i, ev := range evs {
			if ev.Seq == seq {
				return evs[:i+1]
			}
		}
		select {
		case <-r.more:
		case <-deadline:
			t.Fatalf("seq %d did not arrive; got %v", seq, r.Seqs())
		}
	}
}

func event(seq int64) chat.Event {
	return chat.Event{Type: chat.EvMessage, Room: "r1", Seq: seq, Data: json.RawMessage(fmt.Sprintf(`{"seq":%d}`, seq))}
}

func publish(t testing.TB, b chat.Bus, topic string, seq int64) {
	t.Helper()
	if err := b.Publish(t.Context(), topic, event(seq)); err != nil {
		t.Fatalf("publish %d: %v", seq, err)
	}
}

// wantSeqs fails unless evs carry exactly the seqs from..to, in order.
func wantSeqs(t testing.TB, who string, evs []chat.Event, from, to int64) {
	t.Helper()
	if int64(len(evs)) != to-from+1 {
		t.Fatalf("%s got %d events, want %d (seqs %d..%d)", who, len(evs), to-from+1, from, to)
	}
	for i, ev := range evs {
		if ev.Seq != from+int64(i) {
			t.Fatalf("%s: event %d has seq %d, want %d: each event once, in order", who, i, ev.Seq, from+int64(i))
		}
	}
}

// A node's own subscribers never wait for a broker: delivery between two
// users of one node works while the broker is slow or away.
func localIsSynchronous(t *testing.T, nodes Nodes) {
	b := nodes(t, 1)[0]
	const topic = "room.sync"
	r := NewRecorder()
	b.Subscribe(topic, r.Fn)
	publish(t, b, topic, 1)
	if got := r.Seqs(); len(got) != 1 || got[0] != 1 {
		t.Fatalf("after Publish returned the local subscriber had %v, want [1]", got)
	}
}

// Each subscriber, on the publishing node and on others, gets each event
// exactly once, in publish order — the publisher's own events are not
// delivered a second time when a broker brings them back.
func onceInOrder(t *testing.T, nodes Nodes) {
	ns := nodes(t, 2)
	pub, other := ns[0], ns[1]
	const topic, n = "room.order", 500
	local, remote1, remote2, sentinel := NewRecorder(), NewRecorder(), NewRecorder(), NewRecorder()
	pub.Subscribe(topic, local.Fn)
	other.Subscribe(topic, remote1.Fn)
	other.Subscribe(topic, remote2.Fn)
	pub.Subscribe("room.marker", sentinel.Fn)
	settle(t, pub, other)
	for seq := int64(1); seq <= n; seq++ {
		publish(t, pub, topic, seq)
	}
	wantSeqs(t, "remote subscriber", remote1.WaitFor(t, n), 1, n)
	wantSeqs(t, "second remote subscriber", remote2.WaitFor(t, n), 1, n)
	// The other node has seen every event, so a broker has handled them all;
	// an event it publishes now reaches the publisher after any echo of them.
	publish(t, other, "room.marker", n+1)
	sentinel.WaitForSeq(t, n+1)
	wantSeqs(t, "publisher's own subscriber", local.Events(), 1, n)
}

func roundTrip(t *testing.T, nodes Nodes) {
	ns := nodes(t, 2)
	got := NewRecorder()
	ns[1].Subscribe("user.u1", got.Fn)
	settle(t, ns[1])
	sent := chat.Event{Type: chat.EvMessage, Room: "r9", Seq: 7, Added: []chat.UserID{"a", "b"},
		Removed: []chat.UserID{"c"}, Session: "s1", Data: json.RawMessage(`{"text":"hi"}`)}
	if err := ns[0].Publish(t.Context(), "user.u1", sent); err != nil {
		t.Fatal(err)
	}
	ev := got.WaitFor(t, 1)[0]
	ev.Origin, sent.Origin = "", "" // the bus's own bookkeeping
	if !reflect.DeepEqual(ev, sent) {
		t.Fatalf("got %+v, want %+v", ev, sent)
	}
}

func cancel(t *testing.T, nodes Nodes) {
	ns := nodes(t, 2)
	pub, node := ns[0], ns[1]
	const topic = "room.cancel"
	gone, stays := NewRecorder(), NewRecorder()
	stop := node.Subscribe(topic, gone.Fn)
	node.Subscribe(topic, stays.Fn)
	settle(t, node)
	publish(t, pub, topic, 1)
	gone.WaitFor(t, 1)
	stop()
	stop() // idempotent
	publish(t, pub, topic, 2)
	stays.WaitForSeq(t, 2) // per topic in order: had 2 reached the cancelled one, it would be there by now
	if got := gone.Seqs(); len(got) != 1 {
		t.Fatalf("a cancelled subscriber got %v", got)
	}
	again := NewRecorder()
	node.Subscribe(topic, again.Fn)
	settle(t, node)
	publish(t, pub, topic, 3)
	if got := again.WaitFor(t, 1); got[0].Seq != 3 {
		t.Fatalf("a subscription made after a cancel got %v", again.Seqs())
	}
}

func topics(t *testing.T, nodes Nodes) {
	ns := nodes(t, 2)
	a, b := NewRecorder(), NewRecorder()
	ns[1].Subscribe("room.a", a.Fn)
	ns[1].Subscribe("room.b", b.Fn)
	settle(t, ns[1])
	for seq := int64(1); seq <= 20; seq++ {
		publish(t, ns[0], "room.a", seq)
		publish(t, ns[0], "room.b", 100+seq)
	}
	wantSeqs(t, "room.a", a.WaitFor(t, 20), 1, 20)
	wantSeqs(t, "room.b", b.WaitFor(t, 20), 101, 120)
}

// onReconnect registers a signal of b's reconnections (and resyncs), or
// fails: a bus that can miss events must say when it may have.
func onReconnect(t *testing.T, b chat.Bus) <-chan struct{} {
	t.Helper()
	r, ok := b.(chat.Reconnector)
	if !ok {
		t.Fatalf("%T can miss events but is not a chat.Reconnector", b)
	}
	ch := make(chan struct{}, 1)
	r.OnReconnect(func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	})
	return ch
}

func waitSignal(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: OnReconnect functions did not run", what)
	}
}

// A subscriber stuck on a node with a full queue costs the publisher
// nothing: the node drops events, in order, and asks its hub to resync
// from the store as after a reconnection.
func overflow(t *testing.T, h Harness) {
	if h.QueueOf4 == nil {
		t.Skip("delivery is synchronous: no queue to overflow")
	}
	ns := h.QueueOf4(t, 2)
	pub, node := ns[0], ns[1]
	const topic = "room.overflow"
	release := make(chan struct{})
	r := NewRecorder()
	node.Subscribe(topic, func(ev chat.Event) {
		<-release // a stuck subscriber
		r.Fn(ev)
	})
	resynced := onReconnect(t, node)
	settle(t, pub, node)
	for seq := int64(1); seq <= 50; seq++ {
		publish(t, pub, topic, seq)
	}
	waitSignal(t, resynced, "after an overflow")
	close(release)
	// Publishing is asynchronous too: the tail of the burst may still be on
	// its way and overflow the queue again, taking a single event after it
	// along. So the node must take events again once the burst has passed:
	// one more a second until one arrives.
	got := afterBurst(t, pub, r, topic, 50)
	if len(got) >= 51 {
		t.Fatalf("a queue of 4 took all %d events", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i].Seq <= got[i-1].Seq {
			t.Fatalf("out of order after overflow: %v", r.Seqs())
		}
	}
}

// afterBurst publishes seq last+1, last+2, … to topic, one a second, until
// r records one of them, and returns what r recorded; it fails after 30 s.
func afterBurst(t *testing.T, pub chat.Bus, r *Recorder, topic string, last int64) []chat.Event {
	t.Helper()
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for seq := last + 1; ; {
		publish(t, pub, topic, seq)
		for {
			evs := r.Events()
			if len(evs) > 0 && evs[len(evs)-1].Seq > last {
				return evs
			}
			select {
			case <-r.more:
				continue
			case <-tick.C:
				seq++
			case <-deadline:
				t.Fatalf("no event after seq %d arrived; got %v", last, r.Seqs())
			}
			break
		}
	}
}

// A node cut off from its broker reconnects by itself, subscribes again to
// every topic it had before running OnReconnect functions (which resync
// what was missed), and takes new subscriptions.
func reconnect(t *testing.T, h Harness) {
	if h.Cut == nil {
		t.Skip("no broker to be cut off from")
	}
	ns := h.Nodes(t, 2)
	pub, node := ns[0], ns[1]
	const topic = "room.reconnect"
	r := NewRecorder()
	node.Subscribe(topic, r.Fn)
	reconnected := onReconnect(t, node)
	settle(t, node)
	publish(t, pub, topic, 1)
	r.WaitForSeq(t, 1)

	h.Cut(t, node)
	waitSignal(t, reconnected, "after the connection was cut")
	publish(t, pub, topic, 2)
	r.WaitForSeq(t, 2)
	r2 := NewRecorder()
	node.Subscribe("room.after", r2.Fn)
	settle(t, node)
	publish(t, pub, "room.after", 3)
	r2.WaitForSeq(t, 3)
}
