package bench

import (
	"math/bits"
	"sync"
)

// seqBits is a set of seqs as a bitmap over absolute seq numbers, starting at
// the word holding the first seq of interest. A connection's deliveries in a
// room and a room's acknowledged sends are both seqBits, so comparing them is
// a word-by-word AND: exact, and one bit per message per connection (a
// 15,000-connection broadcast of 70,000 messages is 130 MB, the price of
// counting every delivery rather than sampling).
type seqBits struct {
	w0    int64 // absolute index (seq/64) of words[0]
	words []uint64
	n     int64 // bits set
}

// maxSeqSpan bounds how far past its first seq a set may grow, so a corrupt
// seq from the wire cannot make the bench allocate gigabytes.
const maxSeqSpan = 1 << 28

func newSeqBits(first int64) seqBits { return seqBits{w0: max(first, 0) / 64} }

// add sets seq and reports whether it was already set. ok is false for a seq
// outside what the set can hold (below its start, or absurdly far beyond).
func (b *seqBits) add(seq int64) (dup, ok bool) {
	w := seq / 64
	if seq < 0 || w < b.w0 || seq-b.w0*64 > maxSeqSpan {
		return false, false
	}
	i := int(w - b.w0)
	if i >= len(b.words) {
		b.words = append(b.words, make([]uint64, i+1-len(b.words))...)
	}
	m := uint64(1) << (seq % 64)
	if b.words[i]&m != 0 {
		return true, true
	}
	b.words[i] |= m
	b.n++
	return false, true
}

func (b *seqBits) has(seq int64) bool {
	w := seq / 64
	if seq < 0 || w < b.w0 || w-b.w0 >= int64(len(b.words)) {
		return false
	}
	return b.words[w-b.w0]&(1<<(seq%64)) != 0
}

// countAbove is how many seqs > after the set holds.
func (b *seqBits) countAbove(after int64) int64 {
	var n int64
	for i, w := range b.words {
		n += int64(bits.OnesCount64(w & maskAbove(b.w0+int64(i), after)))
	}
	return n
}

// maskAbove keeps the bits of word w (absolute) whose seq is > after.
func maskAbove(w, after int64) uint64 {
	first := w * 64
	switch {
	case after < first:
		return ^uint64(0)
	case after >= first+63:
		return 0
	}
	return ^uint64(0) << (after - first + 1)
}

// roomSeqs is what a room's senders had acknowledged: the seqs every member
// connection should receive.
type roomSeqs struct {
	mu    sync.Mutex
	acked seqBits
	// members counts the ready connections whose ready frame listed the room.
	members int64
}

func (r *roomSeqs) ack(seq int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.acked.words == nil && r.acked.n == 0 {
		r.acked = newSeqBits(seq)
	}
	if seq/64 < r.acked.w0 { // an earlier ack arrived late: re-base
		old := r.acked
		r.acked = newSeqBits(seq)
		for i, w := range old.words {
			for w != 0 {
				bit := int64(bits.TrailingZeros64(w))
				r.acked.add((old.w0+int64(i))*64 + bit)
				w &= w - 1
			}
		}
	}
	r.acked.add(seq)
}

// connTrack is one connection's view of one room: the snapshot point from
// the ready frame and every seq received since. Only the connection's reader
// goroutine touches it until the reader has exited.
type connTrack struct {
	room int32 // index into the run's rooms
	base int64 // last_seq in the ready frame: live messages start after it
	seen seqBits
	dups int64
}

func newConnTrack(room int32, base int64) connTrack {
	return connTrack{room: room, base: base, seen: newSeqBits(base + 1)}
}

// deliveryResult is how one connection fared in one room, or a sum of those.
type deliveryResult struct {
	delivered  int64 // distinct acknowledged messages received
	lost       int64 // acknowledged messages never received
	duplicates int64 // receipts of a seq already received
	unexpected int64 // distinct seqs received that no sender had acknowledged
}

func (d *deliveryResult) add(o deliveryResult) {
	d.delivered += o.delivered
	d.lost += o.lost
	d.duplicates += o.duplicates
	d.unexpected += o.unexpected
}

// account compares what the connection received with what was acknowledged
// after its snapshot point. The sets are aligned on absolute word indexes, so
// this is a popcount of an AND per 64 seqs.
func (t *connTrack) account(acked *seqBits) deliveryResult {
	var matched int64
	for i, w := range t.seen.words {
		aw := t.seen.w0 + int64(i) - acked.w0
		if aw < 0 || aw >= int64(len(acked.words)) {
			continue
		}
		matched += int64(bits.OnesCount64(w & acked.words[aw] & maskAbove(t.seen.w0+int64(i), t.base)))
	}
	return deliveryResult{
		delivered:  matched,
		lost:       acked.countAbove(t.base) - matched,
		duplicates: t.dups,
		unexpected: t.seen.n - matched,
	}
}
