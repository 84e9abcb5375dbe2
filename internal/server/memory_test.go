package server

import (
	"context"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

// A process that made garbage and went quiet gets its heap pages back to
// the system without waiting for the runtime's scavenger.
func TestReleaseIdleMemoryReturnsTheHeapOnceQuiet(t *testing.T) {
	released := func() uint64 {
		s := []metrics.Sample{{Name: "/memory/classes/heap/released:bytes"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	// The runtime's own scavenger returns pages above 1.1 × the heap goal:
	// with a goal of 11 × 16 MiB live, it leaves the 64 MiB freed below
	// alone, and only ReleaseIdleMemory can give them back.
	defer debug.SetGCPercent(debug.SetGCPercent(1000))
	live := make([]byte, 16<<20)
	// 64 MiB of garbage in 64 KiB pieces, collected into free pages.
	keep := make([][]byte, 0, 1024)
	for range 1024 {
		keep = append(keep, make([]byte, 64<<10))
	}
	for i := range keep {
		keep[i][0] = 1 // touched, so resident
	}
	keep = nil
	runtime.GC()
	before := released()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { ReleaseIdleMemory(ctx, 20*time.Millisecond); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(30 * time.Second)
	for released() < before+32<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("released %d bytes of 64 MiB freed in 30 s", released()-before)
		}
		time.Sleep(10 * time.Millisecond)
	}
	runtime.KeepAlive(live)
}

func TestShouldRelease(t *testing.T) {
	for _, c := range []struct {
		allocated, free uint64
		want            bool
	}{
		{0, 64 << 20, true},         // quiet, much to give back
		{15 << 20, 64 << 20, true},  // a trickle: the pages would wait
		{32 << 20, 64 << 20, false}, // busy: the heap is being reused
		{0, 4 << 20, false},         // too little to be worth a collection
		{1 << 30, 256 << 20, false}, // under load
	} {
		if got := shouldRelease(c.allocated, c.free); got != c.want {
			t.Errorf("shouldRelease(%d, %d) = %v, want %v", c.allocated, c.free, got, c.want)
		}
	}
}
