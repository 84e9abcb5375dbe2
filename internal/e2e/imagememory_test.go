package e2e

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"runtime"
	"testing"

	"parley/internal/testserver"
)

// png16Claiming is a tiny PNG whose header claims w × h pixels of 16-bit
// RGBA: 8 bytes a pixel. Under the pixel limit, over the memory limit.
func png16Claiming(t testing.TB, w, h uint32) []byte {
	t.Helper()
	b := pngClaiming(t, w, h)
	b[24], b[25] = 16, 6 // bit depth, color type RGBA
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// progressiveJPEGClaiming is the header of a progressive 4:4:4 JPEG of
// w × h: per pixel 3 bytes of pixels and 12 of coefficients.
func progressiveJPEGClaiming(w, h uint16) []byte {
	b := []byte{0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}
	b = append(b, 0xff, 0xc2, 0, 17, 8, byte(h>>8), byte(h), byte(w>>8), byte(w), 3,
		1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1)
	return append(b, 0xff, 0xd9)
}

// Images are budgeted by the memory their decode takes, not by pixels: a
// 16-bit PNG of 36 megapixels (under the 40 MP limit, 288 MB to decode) and
// a progressive JPEG of 40 MP (600 MB) are refused from their headers, as
// files and as avatars, and the node allocates next to nothing for them.
func TestImagesOverTheMemoryBudgetAreRefused(t *testing.T) {
	srv := testserver.Start(t)
	alice := srv.NewUser(t, "alice")
	ctx := ctxT(t)
	files := []struct {
		name string
		data []byte
	}{
		{"deep.png", png16Claiming(t, 6000, 6000)},
		{"progressive.jpg", progressiveJPEGClaiming(8000, 5000)},
	}
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := alice.Client.Upload(ctx, f.name, bytes.NewReader(f.data))
			mustCode(t, err, "too_large")
			_, err = alice.Client.SetAvatar(ctx, f.name, bytes.NewReader(f.data))
			mustCode(t, err, "too_large")
			runtime.ReadMemStats(&after)
			// Client, server and test share this process: everything the
			// two refused requests allocated, far below one decode.
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
				t.Errorf("refusing %s allocated %d MiB", f.name, grew>>20)
			}
		})
	}
}
