package server

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// ReleaseIdleMemory returns the Go heap's free pages to the operating system
// when the process has gone quiet, checking every interval until ctx is
// done (decision 0046). The runtime keeps freed pages for reuse up to about
// 1.1 × its heap goal, which GOGC 100 sets at twice the live heap: after a
// burst (thousands of clients reconnecting at once) a node at rest would
// hold that for minutes. Quiet means the last interval allocated less than a
// quarter of what a collection would free: the pages would not be needed
// again soon, so giving them back costs one collection and no page faults;
// under load, where the heap is reused as fast as it frees, it never fires.
func ReleaseIdleMemory(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		return
	}
	samples := []metrics.Sample{
		{Name: "/gc/heap/allocs:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},    // free pages not yet returned
		{Name: "/memory/classes/heap/objects:bytes"}, // live objects and garbage not yet collected
		{Name: "/gc/heap/live:bytes"},                // live objects at the last collection
	}
	metrics.Read(samples)
	last := samples[0].Value.Uint64()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		metrics.Read(samples)
		allocs, free := samples[0].Value.Uint64(), samples[1].Value.Uint64()
		objects, live := samples[2].Value.Uint64(), samples[3].Value.Uint64()
		if objects > live {
			free += objects - live
		}
		if shouldRelease(allocs-last, free) {
			debug.FreeOSMemory()
			metrics.Read(samples)
			allocs = samples[0].Value.Uint64()
		}
		last = allocs
	}
}

// minRelease is the least reclaimable heap worth a collection to give back.
const minRelease = 8 << 20

// shouldRelease reports whether free bytes of heap (free pages and garbage),
// with allocated bytes allocated over the last interval, are worth returning
// now.
func shouldRelease(allocated, free uint64) bool {
	return free >= minRelease && allocated < free/4
}
