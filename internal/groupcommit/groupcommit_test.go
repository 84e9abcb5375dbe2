package groupcommit_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"parley/internal/chat"
	"parley/internal/groupcommit"
)

var errClosed = errors.New("closed")

func wrapped(err error) error { return errors.Join(errors.New("store"), err) }

// The committer gets the appends in queue order, in batches, and each
// caller hears the outcome its batch gave it.
func TestAppendsKeepTheirOrderAndTheirAnswers(t *testing.T) {
	stopping := make(chan struct{})
	gate := make(chan struct{})
	var order []string
	q := groupcommit.Start(stopping, errClosed, wrapped, func(batch []*groupcommit.Append) {
		<-gate // the first batch waits, so the rest queue behind it
		for _, a := range batch {
			order = append(order, a.M.ClientID)
			a.Answer(groupcommit.Result{Msg: chat.Message{ClientID: a.M.ClientID}})
		}
	})
	var waits []func() (chat.Message, bool, error)
	for _, id := range []string{"a", "b", "c", "d"} {
		waits = append(waits, q.Add(context.Background(), chat.NewMessage{ClientID: id}))
	}
	close(gate)
	for i, w := range waits {
		m, _, err := w()
		if err != nil || m.ClientID != string(rune('a'+i)) {
			t.Fatalf("append %d answered %q, %v", i, m.ClientID, err)
		}
	}
	if got := strings.Join(order, ""); got != "abcd" {
		t.Errorf("committed in order %q, want abcd", got)
	}
	close(stopping)
	<-q.Done()
	// After the stop an append is refused, never left waiting (the queue's
	// buffer could take it, but no committer will).
	for range 50 {
		if _, _, err := q.Add(context.Background(), chat.NewMessage{})(); !errors.Is(err, errClosed) {
			t.Fatalf("an append after the stop = %v, want the closed error", err)
		}
	}
}

// A caller that has gone is answered with its context's error and is not
// handed to the batch.
func TestLiveDropsAppendsWhoseCallerLeft(t *testing.T) {
	stopping := make(chan struct{})
	defer close(stopping)
	handed := make(chan int, 1)
	var q *groupcommit.Queue
	q = groupcommit.Start(stopping, errClosed, wrapped, func(batch []*groupcommit.Append) {
		live := q.Live(batch)
		for _, a := range live {
			a.Answer(groupcommit.Result{})
		}
		handed <- len(live)
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// A cancelled context may be refused at the queue or dropped by Live:
	// either way its caller gets the context's error, wrapped by the store.
	if _, _, err := q.Add(ctx, chat.NewMessage{})(); !errors.Is(err, context.Canceled) || err.Error() == context.Canceled.Error() {
		t.Errorf("a cancelled append = %v, want the store's wrapping of context.Canceled", err)
	}
	if _, _, err := q.Add(context.Background(), chat.NewMessage{})(); err != nil {
		t.Fatal(err)
	}
	for n := range handed {
		if n == 1 {
			break
		}
		if n != 0 {
			t.Fatalf("a batch handed %d live appends", n)
		}
	}
}
