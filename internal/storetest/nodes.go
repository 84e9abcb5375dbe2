package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"parley/internal/chat"
)

// RunNodes runs the cases that need two stores over one database, as two
// Parley nodes sharing it. open must return two stores on a fresh, empty,
// migrated database and arrange their Close with t.Cleanup.
func RunNodes(t *testing.T, open func(t *testing.T) (chat.Store, chat.Store)) {
	t.Run("SeqIsGapFreeUnderConcurrentSendsFromTwoNodes", func(t *testing.T) {
		a, b := open(t)
		testSeqGapFreeTwoNodes(t, &fixture{t: t, s: a, ctx: t.Context(), now: base}, b)
	})
}

// Two nodes, each with several senders, append concurrently across many
// rooms, most queued without waiting (a connection's pipelined sends): every
// room comes out with seqs exactly 1..N, every ack names the message stored
// at its seq, and each sender's messages in a room have rising seqs in the
// order it queued them.
func testSeqGapFreeTwoNodes(t *testing.T, f *fixture, other chat.Store) {
	const rooms, senders, each = 10, 6, 40
	users := make([]chat.User, senders)
	for i := range users {
		users[i] = f.user(fmt.Sprintf("user%d", i))
	}
	ids := make([]chat.RoomID, rooms)
	for i := range ids {
		ids[i] = f.group(users[0], users[1:]...).ID
	}
	nodes := []chat.Store{f.s, other}
	at := f.tick()

	type sent struct {
		sender int
		msg    chat.Message
	}
	var (
		mu    sync.Mutex
		acked []sent
		wg    sync.WaitGroup
	)
	for i := range senders {
		wg.Go(func() {
			node := nodes[i%2]
			waits := make([]func() (chat.Message, bool, error), each)
			for j := range each {
				waits[j] = node.QueueAppend(f.ctx, chat.NewMessage{
					ID: newID(), RoomID: ids[(i+j)%rooms], SenderID: users[i].ID, ClientID: fmt.Sprintf("c-%d-%d", i, j),
					Kind: chat.Text, Text: fmt.Sprintf("%d/%d", i, j), CreatedAt: at,
				})
			}
			for j, wait := range waits {
				m, dup, err := wait()
				if err != nil || dup {
					t.Errorf("sender %d append %d: dup %v, %v", i, j, dup, err)
					continue
				}
				mu.Lock()
				acked = append(acked, sent{i, m})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	last := map[[2]int]int64{} // sender, room index → seq
	byRoom := map[chat.RoomID]map[int64]chat.Message{}
	for _, s := range acked {
		if byRoom[s.msg.RoomID] == nil {
			byRoom[s.msg.RoomID] = map[int64]chat.Message{}
		}
		byRoom[s.msg.RoomID][s.msg.Seq] = s.msg
	}
	for _, s := range acked {
		k := [2]int{s.sender, slices.Index(ids, s.msg.RoomID)}
		if s.msg.Seq <= last[k] {
			t.Errorf("sender %d room %d: seq %d after %d; want the order queued", k[0], k[1], s.msg.Seq, last[k])
		}
		last[k] = s.msg.Seq
	}
	for _, room := range ids {
		stored := f.all(room)
		checkSeqs(t, "history", stored, seqRange(1, int64(len(stored))))
		if len(stored)-1 != len(byRoom[room]) {
			t.Errorf("room holds %d messages after its first, %d were acked", len(stored)-1, len(byRoom[room]))
		}
		for _, m := range stored[1:] {
			if a := byRoom[room][m.Seq]; a.ID != m.ID {
				t.Errorf("seq %d holds %s, acked as %s", m.Seq, m.ID, a.ID)
			}
		}
	}
}
