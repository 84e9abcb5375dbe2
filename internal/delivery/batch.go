package delivery

import "time"

// lazyWindows is how many fan-out windows a lazy event may wait in a big
// room: 250 ms at the default window, as long as receipts are coalesced.
const lazyWindows = 5

// emit hands one event frame of r to its connections: at once in a small
// room, batched with the window's other events in a big one, where a lazy
// event waits longer. Called with r.mu held.
func (h *Hub) emit(r *room, frame []byte, lazy bool) {
	h.rebuildFlat(r)
	window := h.cfg.FanoutWindow
	if window <= 0 || len(r.flat) < h.cfg.FanoutBatchConns {
		h.flushLocked(r) // keep order with a batch left from when the room was bigger
		h.fanOut(r, frame, 1)
		return
	}
	if r.pendingN > 0 && len(r.pending)+1+len(frame) > h.cfg.MaxFrameBytes {
		h.flushLocked(r)
	}
	if r.pendingN > 0 {
		r.pending = append(r.pending, '\n')
	}
	r.pending = append(r.pending, frame...)
	r.pendingN++
	if lazy {
		window *= lazyWindows
	}
	h.flushWithinLocked(r, window)
}

// flushWithinLocked makes sure r's batch goes out within d: it schedules a
// flush, or brings the scheduled one forward. Called with r.mu held.
func (h *Hub) flushWithinLocked(r *room, d time.Duration) {
	at := h.cfg.Clock.Now().Add(d)
	if !r.flushAt.IsZero() && !r.flushAt.After(at) {
		return
	}
	r.flushAt = at
	h.cfg.Clock.AfterFunc(d, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if !r.flushAt.Equal(at) {
			return // a sooner flush replaced this one
		}
		r.flushAt = time.Time{}
		h.flushLocked(r)
	})
}

// flushLocked sends r's pending batch. Called with r.mu held.
func (h *Hub) flushLocked(r *room) {
	if r.pendingN == 0 {
		return
	}
	payload, n := r.pending, r.pendingN
	r.pending, r.pendingN = nil, 0 // payload now belongs to the connections' queues
	h.rebuildFlat(r)
	h.fanOut(r, payload, n)
}

func (h *Hub) rebuildFlat(r *room) {
	if !r.dirty {
		return
	}
	r.flat = r.flat[:0]
	for _, cs := range r.members {
		r.flat = append(r.flat, cs...)
	}
	r.dirty = false
}

// fanOut enqueues the same bytes (events frames joined by newlines) on every
// member connection: one encoding per event per node, no allocation per
// recipient. Called with r.mu held.
func (h *Hub) fanOut(r *room, b []byte, events int) {
	h.rebuildFlat(r)
	for _, c := range r.flat {
		c.Enqueue(b, events)
	}
}
