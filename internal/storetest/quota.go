package storetest

import (
	"sync"
	"testing"

	"parley/internal/chat"
)

var quotaCases = []struct {
	name string
	fn   func(t *testing.T, f *fixture)
}{
	{"StorageReservations", testStorageReservations},
	{"StorageQuotaUnderConcurrency", testStorageQuotaUnderConcurrency},
}

func (f *fixture) storageUsed(u chat.User) int64 {
	f.t.Helper()
	me, err := f.s.Me(f.ctx, u.ID)
	if err != nil {
		f.t.Fatalf("Me: %v", err)
	}
	return me.StorageUsed
}

func (f *fixture) reserve(a chat.Attachment, want, quota int64) int64 {
	f.t.Helper()
	got, err := f.s.ReserveStorage(f.ctx, a.ID, want, quota)
	if err != nil {
		f.t.Fatalf("ReserveStorage(%d of %d): %v", want, quota, err)
	}
	return got
}

// testStorageReservations follows one user's count through every step that
// moves it: reservations (partial at the quota, none past it), completion
// (the excess given back), deletion of a failed upload and of a swept file.
func testStorageReservations(t *testing.T, f *fixture) {
	alice, bob := f.user("alice"), f.user("bob")
	const quota = 1000
	a := f.pending(alice, chat.KindFile, "a.bin")
	if got := f.reserve(a, 600, quota); got != 600 {
		t.Fatalf("first reservation got %d, want 600", got)
	}
	b := f.pending(alice, chat.KindFile, "b.bin")
	if got := f.reserve(b, 600, quota); got != 400 {
		t.Fatalf("a reservation past the quota got %d, want the 400 left", got)
	}
	if got := f.reserve(b, 1, quota); got != 0 {
		t.Fatalf("a reservation at the quota got %d, want 0", got)
	}
	if got := f.storageUsed(alice); got != quota {
		t.Fatalf("used %d, want %d", got, quota)
	}
	if got := f.storageUsed(bob); got != 0 {
		t.Fatalf("bob's count moved with alice's: %d", got)
	}
	// a is 250 bytes: the 350 it reserved beyond go back.
	a.ContentType, a.Size, a.SHA256 = "application/octet-stream", 250, "ab"
	if err := f.s.CompleteAttachment(f.ctx, a); err != nil {
		t.Fatal(err)
	}
	if got := f.storageUsed(alice); got != 650 {
		t.Fatalf("after completing 250 of 600 reserved: used %d, want 650", got)
	}
	// A stored attachment takes no more reservations.
	_, err := f.s.ReserveStorage(f.ctx, a.ID, 10, quota)
	wantCode(t, "reserve for a stored attachment", err, chat.NotFound)
	// A failed upload's row goes, and all it reserved with it.
	if err := f.s.DeleteAttachment(f.ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.storageUsed(alice); got != 250 {
		t.Fatalf("after deleting the failed upload: used %d, want 250", got)
	}
	// Deleting a stored attachment does nothing; claimed, it goes with its bytes.
	if err := f.s.DeleteAttachment(f.ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.storageUsed(alice); got != 250 {
		t.Fatalf("deleting a stored attachment changed the count: %d", got)
	}
	if ok, err := f.s.ClaimAttachment(f.ctx, a.ID, f.tick()); !ok || err != nil {
		t.Fatalf("claim = %v, %v", ok, err)
	}
	if err := f.s.DeleteAttachment(f.ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.storageUsed(alice); got != 0 {
		t.Fatalf("after the sweep: used %d, want 0", got)
	}
	// Deleting twice gives nothing back twice.
	if err := f.s.DeleteAttachment(f.ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.storageUsed(alice); got != 0 {
		t.Fatalf("a second delete moved the count: %d", got)
	}
	_, err = f.s.ReserveStorage(f.ctx, "no-such-attachment", 10, quota)
	wantCode(t, "reserve for an unknown attachment", err, chat.NotFound)
}

// testStorageQuotaUnderConcurrency: many uploads of one user reserving at
// once get exactly the quota between them, never more.
func testStorageQuotaUnderConcurrency(t *testing.T, f *fixture) {
	alice := f.user("alice")
	const quota, n, each = 10_000, 20, 700
	atts := make([]chat.Attachment, n)
	for i := range atts {
		atts[i] = f.pending(alice, chat.KindFile, "f.bin")
	}
	got := make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range atts {
		wg.Go(func() {
			got[i], errs[i] = f.s.ReserveStorage(f.ctx, atts[i].ID, each, quota)
		})
	}
	wg.Wait()
	var sum int64
	for i := range got {
		if errs[i] != nil {
			t.Fatalf("reservation %d: %v", i, errs[i])
		}
		sum += got[i]
	}
	if sum != quota {
		t.Fatalf("concurrent reservations got %d in all, want exactly the quota %d", sum, quota)
	}
	if used := f.storageUsed(alice); used != quota {
		t.Fatalf("used %d, want %d", used, quota)
	}
	for _, a := range atts {
		if err := f.s.DeleteAttachment(f.ctx, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	if used := f.storageUsed(alice); used != 0 {
		t.Fatalf("after every upload failed: used %d, want 0", used)
	}
}
