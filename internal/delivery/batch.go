package delivery

import (
	"encoding/json"
	"maps"
	"slices"
	"time"

	"parley/internal/chat"
)

// lazyWindows is how many fan-out windows a big room's due counts wait for a
// window that carries other events before going out on their own: 250 ms at
// the default window.
const lazyWindows = 5

// batched reports whether r's events go out per fan-out window. Called with
// r.mu held.
func (h *Hub) batched(r *room) bool {
	h.rebuildFlat(r)
	return h.cfg.FanoutWindow > 0 && len(r.flat) >= h.cfg.FanoutBatchConns
}

// emit hands one event frame of r to its connections: at once in a small
// room, batched with the window's other events in a big one. Called with
// r.mu held.
func (h *Hub) emit(r *room, frame []byte) {
	if !h.batched(r) {
		// Counts held from when the room was bigger go first, or they would
		// overwrite newer ones; then keep order with what is pending.
		h.releaseCountsLocked(r)
		h.flushLocked(r)
		h.fanOut(r, frame, 1)
		return
	}
	h.appendPending(r, frame)
	h.flushWithinLocked(r, h.cfg.FanoutWindow)
}

func (h *Hub) appendPending(r *room, frame []byte) {
	if r.pendingN > 0 && len(r.pending)+1+len(frame) > h.cfg.MaxFrameBytes {
		h.flushLocked(r)
	}
	if r.pendingN > 0 {
		r.pending = append(r.pending, '\n')
	}
	r.pending = append(r.pending, frame...)
	r.pendingN++
}

// holdCount keeps a big room's count event (receipts, room_presence) for the
// room's next count turn instead of sending it now, and reports whether it
// did. Counts are absolute, so merging keeps them exact: the newest count at
// each read position, and the newest online count, are all a client needs.
// They go out at most once per CountWindow, with the first window carrying
// other events once their turn has come, or on their own lazyWindows windows
// after it: a change reaches clients at most CountWindow plus that later.
// Every window that goes out is a write to every connection, and every
// count event a parse on every client. Called with r.mu held.
func (h *Hub) holdCount(r *room, ev chat.Event) bool {
	if ev.Type == chat.EvRoomPresence {
		r.heldOnline = EventFrame(ev)
	} else {
		var d chat.ReceiptsData
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			h.log.Error("undecodable receipts event", "room", r.id, "err", err)
			return false
		}
		if r.heldReceipts == nil {
			r.heldReceipts = make(map[int64]int, len(d.Counts))
		}
		for _, c := range d.Counts {
			r.heldReceipts[c.Seq] = c.Count
		}
	}
	if !r.countsAt.IsZero() || (len(r.heldReceipts) == 0 && r.heldOnline == nil) {
		return true // the backstop is set, or an empty receipts event changed nothing
	}
	now := h.cfg.Clock.Now()
	due := r.countsOut.Add(h.cfg.CountWindow)
	if due.Before(now) {
		due = now
	}
	at := due.Add(lazyWindows * h.cfg.FanoutWindow)
	r.countsAt = at
	h.cfg.Clock.AfterFunc(at.Sub(now), func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if !r.countsAt.Equal(at) || r.dead {
			return // the counts rode with a window, or the room is gone
		}
		h.releaseCountsLocked(r)
		h.flushLocked(r)
	})
	return true
}

// countsDue reports whether r holds counts whose turn has come. Called with
// r.mu held.
func (h *Hub) countsDue(r *room) bool {
	return (len(r.heldReceipts) > 0 || r.heldOnline != nil) &&
		!h.cfg.Clock.Now().Before(r.countsOut.Add(h.cfg.CountWindow))
}

// releaseCountsLocked moves r's held counts into its pending batch. Called
// with r.mu held.
func (h *Hub) releaseCountsLocked(r *room) {
	receipts, online := r.heldReceipts, r.heldOnline
	if len(receipts) == 0 && online == nil {
		return
	}
	// Cleared first: appending may flush, and a flush releases due counts.
	r.heldReceipts, r.heldOnline = nil, nil
	r.countsOut, r.countsAt = h.cfg.Clock.Now(), time.Time{}
	if len(receipts) > 0 {
		d := chat.ReceiptsData{RoomID: r.id, Counts: make([]chat.ReadCount, 0, len(receipts))}
		for _, seq := range slices.Sorted(maps.Keys(receipts)) {
			d.Counts = append(d.Counts, chat.ReadCount{Seq: seq, Count: receipts[seq]})
		}
		h.appendPending(r, EventFrame(chat.Event{Type: chat.EvReceipts, Room: r.id, Data: mustJSON(d)}))
	}
	if online != nil {
		h.appendPending(r, online)
	}
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
	if h.countsDue(r) {
		h.releaseCountsLocked(r) // they ride with this window
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
