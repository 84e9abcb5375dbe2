// Package blobstore keeps attachment contents in a gocloud.dev/blob bucket: a
// local folder by default, or S3, Azure Blob Storage or Google Cloud Storage
// named by URL. It implements chat.Blobs.
package blobstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob://container
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/gcsblob" // gs://bucket
	_ "gocloud.dev/blob/memblob" // mem:// (tests)
	_ "gocloud.dev/blob/s3blob"  // s3://bucket?region=…
	"gocloud.dev/gcerrors"

	"parley/internal/chat"
)

var _ chat.Blobs = (*Store)(nil)

// Store is a bucket.
type Store struct {
	b *blob.Bucket
}

// Open opens the bucket at location: a URL with a scheme (file://, s3://,
// azblob://, gs://, mem://; credentials come from each cloud's usual
// environment), or else a local folder path, created if missing.
func Open(ctx context.Context, location string) (*Store, error) {
	if location == "" {
		return nil, errors.New("blobstore: no location")
	}
	var (
		b   *blob.Bucket
		err error
	)
	if strings.Contains(location, "://") {
		b, err = blob.OpenBucket(ctx, location)
	} else {
		// Temporary files next to the final ones: os.TempDir may be another
		// file system, across which the final rename fails. No sidecar
		// metadata: the database holds every attribute we serve.
		b, err = fileblob.OpenBucket(location, &fileblob.Options{
			CreateDir: true, DirFileMode: 0o750, NoTempDir: true, Metadata: fileblob.MetadataDontWrite,
		})
	}
	if err != nil {
		return nil, fmt.Errorf("blobstore: open %s: %w", location, err)
	}
	return &Store{b: b}, nil
}

// Put streams r into key. If r fails, the write is abandoned: nothing is
// stored under key and r's error is returned as it is.
func (s *Store) Put(ctx context.Context, key, contentType string, r io.Reader) error {
	// Cancelling the writer's context before Close is how gocloud aborts a write.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.b.NewWriter(wctx, key, &blob.WriterOptions{ContentType: contentType})
	if err != nil {
		return translate(err, key)
	}
	if _, err := io.Copy(w, r); err != nil {
		cancel()
		_ = w.Close()
		return err
	}
	return translate(w.Close(), key)
}

// Open returns a reader of key that seeks (each seek past the buffered part
// becomes a range request), as http.ServeContent needs for Range requests.
func (s *Store) Open(ctx context.Context, key string) (chat.Blob, error) {
	r, err := s.b.NewReader(ctx, key, nil)
	if err != nil {
		return nil, translate(err, key)
	}
	return r, nil
}

// Delete removes key; a key that is already gone is not an error, so that
// several nodes sweeping at once all succeed.
func (s *Store) Delete(ctx context.Context, key string) error {
	err := s.b.Delete(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil
	}
	return translate(err, key)
}

func (s *Store) Close() error { return s.b.Close() }

// translate maps gocloud's portable error codes to the chat error model.
func translate(err error, key string) error {
	if err == nil {
		return nil
	}
	switch gcerrors.Code(err) {
	case gcerrors.NotFound:
		return chat.Wrap(chat.NotFound, err, "file not found")
	case gcerrors.Canceled:
		return err
	case gcerrors.ResourceExhausted, gcerrors.DeadlineExceeded:
		return chat.Wrap(chat.Unavailable, err, "file storage unavailable, retry")
	}
	return fmt.Errorf("blobstore: %s: %w", key, err)
}
