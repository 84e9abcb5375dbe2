package blobstore

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parley/internal/chat"
)

type failingReader struct{ after int }

var errBroken = errors.New("connection cut")

func (f *failingReader) Read(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errBroken
	}
	n := min(len(p), f.after)
	for i := range p[:n] {
		p[i] = 'x'
	}
	f.after -= n
	return n, nil
}

func TestFolderBucket(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not", "yet")
	s, err := Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	if err := s.Put(ctx, "attachments/a", "text/plain", strings.NewReader("0123456789")); err != nil {
		t.Fatal(err)
	}
	b, err := s.Open(ctx, "attachments/a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Seek(4, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(b)
	b.Close()
	if err != nil || string(rest) != "456789" {
		t.Fatalf("after seeking: %q, %v", rest, err)
	}

	// A failed write leaves nothing behind, not even a temporary file.
	if err := s.Put(ctx, "attachments/b", "", &failingReader{after: 100_000}); !errors.Is(err, errBroken) {
		t.Fatalf("Put from a failing reader = %v, want its error", err)
	}
	if _, err := s.Open(ctx, "attachments/b"); chat.ErrorCode(err) != chat.NotFound {
		t.Fatalf("Open after a failed Put = %v, want not_found", err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "attachments"))
	if err != nil || len(entries) != 1 {
		t.Fatalf("folder holds %v (%v), want only a", entries, err)
	}

	if err := s.Delete(ctx, "attachments/a"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "attachments/a"); err != nil {
		t.Fatalf("deleting a missing key = %v, want nil", err)
	}
}

func TestOpenByURL(t *testing.T) {
	s, err := Open(t.Context(), "mem://")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := Open(t.Context(), "nosuch://bucket"); err == nil {
		t.Fatal("an unknown scheme opened")
	}
	if _, err := Open(t.Context(), ""); err == nil {
		t.Fatal("an empty location opened")
	}
}
