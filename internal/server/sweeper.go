package server

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"parley/internal/chat"
)

// BlobLocation is where cfg keeps attachments: cfg.BlobURL, or by default
// the folder "blobs" beside the SQLite database (data/blobs with a
// PostgreSQL one). Nodes sharing Redis are a cluster, where every node must
// read what any other stored: they need BlobURL, a bucket they all share.
func BlobLocation(cfg Config) (string, error) {
	switch {
	case cfg.BlobURL != "":
		return cfg.BlobURL, nil
	case cfg.Redis != "":
		return "", errors.New("with --redis, set --blob-url to storage every node shares (an s3://, azblob:// or gs:// bucket, or a shared folder)")
	case strings.HasPrefix(cfg.DB, "postgres://") || strings.HasPrefix(cfg.DB, "postgresql://"):
		return filepath.Join("data", "blobs"), nil
	}
	return filepath.Join(filepath.Dir(cfg.DB), "blobs"), nil
}

// startSweeper deletes unreferenced attachments in the background, a few
// times per grace period, until the returned stop is called (which waits
// for a sweep in progress). Every node sweeps; the store makes that safe.
func startSweeper(svc *chat.Service, log *slog.Logger) (stop func()) {
	every := min(max(svc.Limits().AttachmentGrace/4, 50*time.Millisecond), 5*time.Minute)
	return startPeriodic(every, "attachment sweep", "deleted", svc.SweepAttachments, log)
}

// startSessionSweeper deletes sessions past their absolute or idle end (and
// expired WebSocket tickets) until the returned stop is called, closing the
// live connections of each deleted session with 4500.
func startSessionSweeper(accounts *chat.Accounts, log *slog.Logger) (stop func()) {
	return startPeriodic(accounts.SweepEvery(), "session sweep", "ended", accounts.SweepSessions, log)
}

// startPeriodic runs sweep every interval until the returned stop is called
// (which waits for a sweep in progress), logging as what how many rows it
// counted (under the key counted) or why it failed.
func startPeriodic(every time.Duration, what, counted string, sweep func(context.Context) (int, error), log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			n, err := sweep(ctx)
			if err != nil && ctx.Err() == nil {
				log.Warn(what, counted, n, "err", err)
			} else if n > 0 {
				log.Info(what, counted, n)
			}
		}
	})
	return func() {
		cancel()
		wg.Wait()
	}
}

// startSearchBacklog indexes, in the background, the messages stored before
// message search existed (chat.Service.IndexBacklog), until done or the
// returned stop is called (which waits for the batch in progress). Every
// node may run it; the store hands each batch to one of them.
func startSearchBacklog(svc *chat.Service, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := svc.IndexBacklog(ctx); err != nil {
			log.Warn("search index: indexing existing messages stopped; it resumes at the next start", "err", err)
		}
	})
	return func() {
		cancel()
		wg.Wait()
	}
}
