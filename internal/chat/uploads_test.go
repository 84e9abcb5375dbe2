package chat_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"parley/internal/chat"
	"parley/internal/media"
)

// memBlobs is chat.Blobs in memory: the domain tests check what the service
// decides about uploads, not where the bytes go (internal/blobstore has its
// own tests).
type memBlobs struct {
	mu sync.Mutex
	m  map[string][]byte
}

type memBlob struct{ *bytes.Reader }

func (memBlob) Close() error { return nil }

func (b *memBlobs) Put(_ context.Context, key, _ string, r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m[key] = data
	return nil
}

func (b *memBlobs) Open(_ context.Context, key string) (chat.Blob, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.m[key]
	if !ok {
		return nil, chat.Errorf(chat.NotFound, "no blob %s", key)
	}
	return memBlob{bytes.NewReader(data)}, nil
}

func (b *memBlobs) Delete(_ context.Context, key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.m, key)
	return nil
}

// withUploads gives d a service that stores uploads, with the real image
// pipeline.
func (d *domain) withUploads() *domain {
	c := d.cfg
	c.Blobs, c.Images = &memBlobs{m: map[string][]byte{}}, media.Images{Budget: media.NewBudget(0, 0, 0)}
	d.svc = chat.NewService(c)
	d.t.Cleanup(d.svc.Close)
	return d
}

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The limits of uploads: size, pixels, attachments per message, and rate.
func TestUploadLimits(t *testing.T) {
	t.Run("file size", func(t *testing.T) {
		d := newDomain(t, chat.Limits{MaxUploadBytes: 10}).withUploads()
		a := d.user("alice")
		_, err := d.svc.Upload(t.Context(), a, "ten.txt", strings.NewReader("0123456789"))
		wantCode(t, "10 bytes", err, "")
		_, err = d.svc.Upload(t.Context(), a, "eleven.txt", strings.NewReader("0123456789a"))
		wantCode(t, "11 bytes", err, chat.TooLarge)
		_, err = d.svc.SetAvatar(t.Context(), a, strings.NewReader("0123456789a"))
		wantCode(t, "an 11-byte avatar", err, chat.TooLarge)
	})
	t.Run("image pixels", func(t *testing.T) {
		d := newDomain(t, chat.Limits{MaxImagePixels: 100}).withUploads()
		a := d.user("alice")
		up, err := d.svc.Upload(t.Context(), a, "ok.png", bytes.NewReader(pngOf(t, 10, 10)))
		wantCode(t, "10×10", err, "")
		if up.Width != 10 || up.Height != 10 || up.ThumbType == "" {
			t.Errorf("10×10 upload = %+v, want its size and a thumbnail", up)
		}
		_, err = d.svc.Upload(t.Context(), a, "big.png", bytes.NewReader(pngOf(t, 11, 10)))
		wantCode(t, "11×10", err, chat.TooLarge)
		_, err = d.svc.SetAvatar(t.Context(), a, bytes.NewReader(pngOf(t, 11, 10)))
		wantCode(t, "an 11×10 avatar", err, chat.TooLarge)
		_, err = d.svc.SetAvatar(t.Context(), a, strings.NewReader("not an image"))
		wantCode(t, "a text avatar", err, chat.Invalid)
	})
	t.Run("attachments per message", func(t *testing.T) {
		d := newDomain(t, chat.Limits{MaxAttachments: 2}).withUploads()
		a, bob := d.user("alice"), d.user("bob")
		r, err := d.svc.CreateGroup(t.Context(), a, "files", []string{"bob"}, chat.Private)
		d.must(err)
		var ids []string
		for i := range 3 {
			up, err := d.svc.Upload(t.Context(), a, fmt.Sprint("f", i, ".txt"), strings.NewReader("x"))
			d.must(err)
			ids = append(ids, up.ID)
		}
		_, err = d.svc.Send(t.Context(), a, chat.SendRequest{RoomID: r.ID, Attachments: ids[:2]})
		wantCode(t, "2 attachments", err, "")
		_, err = d.svc.Send(t.Context(), a, chat.SendRequest{RoomID: r.ID, Attachments: ids})
		wantCode(t, "3 attachments", err, chat.Invalid)
		_, err = d.svc.Send(t.Context(), a, chat.SendRequest{RoomID: r.ID, Attachments: []string{ids[2], ids[2]}})
		wantCode(t, "one attachment twice", err, chat.Invalid)
		_, err = d.svc.Send(t.Context(), bob, chat.SendRequest{RoomID: r.ID, Attachments: ids[2:]})
		wantCode(t, "someone else's upload", err, chat.Invalid)
	})
	t.Run("uploads per user", func(t *testing.T) {
		d := newDomain(t, chat.Limits{UploadsPerSecond: 1, UploadBurst: 2}).withUploads()
		a := d.user("alice")
		up := func() error {
			_, err := d.svc.Upload(t.Context(), a, "f.txt", strings.NewReader("x"))
			return err
		}
		wantCode(t, "1 of 2", up(), "")
		wantCode(t, "2 of 2", up(), "")
		wantCode(t, "3rd", up(), chat.RateLimited)
		_, err := d.svc.SetAvatar(t.Context(), a, bytes.NewReader(pngOf(t, 4, 4)))
		wantCode(t, "an avatar shares the bucket", err, chat.RateLimited)
		d.clock.Advance(time.Second)
		wantCode(t, "after a refill", up(), "")
	})
	t.Run("no file storage", func(t *testing.T) {
		d := newDomain(t, chat.Limits{})
		_, err := d.svc.Upload(t.Context(), d.user("alice"), "f.txt", strings.NewReader("x"))
		wantCode(t, "upload", err, chat.Unavailable)
	})
}

// The sizes in error messages read as people say them, in binary units.
func TestFormatBytes(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{
		{0, "0 bytes"},
		{812, "812 bytes"},
		{1024, "1 KiB"},
		{1536, "1.5 KiB"},
		{256 << 10, "256 KiB"},
		{25 << 20, "25 MiB"},
		{1 << 30, "1 GiB"},
		{1<<30 + 1<<29, "1.5 GiB"},
		{5 << 40, "5 TiB"},
	} {
		if got := chat.FormatBytes(c.n); got != c.want {
			t.Errorf("FormatBytes(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}
