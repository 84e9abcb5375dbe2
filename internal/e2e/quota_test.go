package e2e

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"parley/client"
	"parley/internal/server"
	"parley/internal/testserver"
)

const quotaForTests = 256 << 10

func withQuota(c *server.Config) { c.Limits.StorageQuota = quotaForTests }

// withQuickSweep deletes unsent uploads soon, but not before a test sends
// the one it just made on a busy machine.
func withQuickSweep(c *server.Config) {
	c.Limits.StorageQuota = quotaForTests
	c.Limits.AttachmentGrace = 5 * time.Second
}

func TestStorageQuota(t *testing.T) {
	srv := testserver.Start(t, withQuota)
	alice := srv.NewUser(t, "alice")
	kept := racePastQuota(t, []*testserver.User{alice})
	if files := storedFiles(t, srv.BlobDir()); len(files) != kept {
		t.Errorf("blob folder holds %d files for %d stored uploads: refused uploads left bytes behind", len(files), kept)
	}
}

func TestStorageComesBack(t *testing.T) {
	srv := testserver.Start(t, withQuickSweep)
	alice := srv.NewUser(t, "alice")
	spaceComesBack(t, alice, newRoom(t, alice, "files"))
}

func TestStorageQuotaAcrossNodes(t *testing.T) {
	nodes := testserver.StartCluster(t, 2, withQuota)
	alice := nodes[0].NewUser(t, "alice")
	racePastQuota(t, []*testserver.User{alice, alice.On(nodes[1])})
}

// used is what GET /me says the user's files take.
func used(t testing.TB, u *testserver.User) int64 {
	t.Helper()
	me, err := u.Account(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if me.StorageQuota != quotaForTests {
		t.Fatalf("storage_quota = %d, want %d", me.StorageQuota, quotaForTests)
	}
	return me.StorageUsed
}

// racePastQuota fires 20 uploads at once (spread over the nodes) that
// together need three times the quota: what is stored stays within it, and
// every refused upload says why. It returns how many uploads are stored.
func racePastQuota(t *testing.T, via []*testserver.User) int {
	const n, size = 20, 40 << 10 // 800 KiB against 256 KiB
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		sum      int64
		accepted int
	)
	for i := range n {
		wg.Go(func() {
			a, err := via[i%len(via)].Upload(ctxT(t), "f.bin", bytes.NewReader(bytes.Repeat([]byte{byte(i)}, size)))
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				sum += a.Size
				accepted++
				return
			}
			e, ok := err.(*client.Error)
			if !ok || e.Status != 413 || e.Code != "quota_exceeded" || !strings.Contains(e.Message, "storage quota of 256 KiB reached") {
				t.Errorf("upload %d = %v, want 413 quota_exceeded saying the quota", i, err)
			}
		})
	}
	wg.Wait()
	if sum > quotaForTests {
		t.Fatalf("%d uploads stored %d bytes, over the quota of %d", accepted, sum, quotaForTests)
	}
	if accepted == 0 || accepted == n {
		t.Fatalf("%d of %d uploads were accepted: the race proves nothing", accepted, n)
	}
	if got := used(t, via[0]); got != sum {
		t.Fatalf("storage_used = %d, want the %d bytes of the accepted uploads (refused ones give theirs back)", got, sum)
	}
	// What is left can be filled exactly, and not one byte more.
	kept := accepted
	if left := quotaForTests - sum; left > 0 {
		upload(t, via[0], "rest.bin", bytes.Repeat([]byte("r"), int(left)))
		kept++
	}
	_, err := via[len(via)-1].Upload(ctxT(t), "one.bin", strings.NewReader("x"))
	mustCode(t, err, "quota_exceeded")
	if got := used(t, via[0]); got != quotaForTests {
		t.Fatalf("storage_used = %d after filling the quota, want %d", got, quotaForTests)
	}
	return kept
}

// spaceComesBack: a file that no message carries any more is swept and its
// bytes count no more, so the user can upload again.
func spaceComesBack(t *testing.T, u *testserver.User, room client.RoomSummary) {
	a := upload(t, u, "kept.bin", bytes.Repeat([]byte("k"), quotaForTests))
	m, err := u.Send(ctxT(t), client.SendRequest{RoomID: room.ID, Attachments: []string{a.ID}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = u.Upload(ctxT(t), "more.bin", strings.NewReader("x"))
	mustCode(t, err, "quota_exceeded")
	if _, err := u.DeleteMessage(ctxT(t), room.ID, m.Seq); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the deleted message's file to be swept", func() bool { return used(t, u) == 0 })
	upload(t, u, "again.bin", []byte("again"))
}
