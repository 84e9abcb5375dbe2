package sqlite

import (
	"context"
	"log/slog"
	"time"
)

// checkpointEvery is how often the checkpointer copies the WAL back into the
// database file. At the rooms benchmark's 1,500 sends a second the WAL grows
// by a few MiB a second; copying it back this often keeps it small, and a
// PASSIVE checkpoint never blocks the writer or a reader.
const checkpointEvery = 500 * time.Millisecond

// checkpointLoop runs WAL checkpoints on their own connection, off the commit
// path: with SQLite's automatic checkpoint, the commit that crossed a thousand
// WAL pages also did the copy and its fsync, and every sender in that batch
// waited for it (the rooms benchmark's p99).
func (s *Store) checkpointLoop() {
	defer close(s.checkpointed)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stopping:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := s.ck.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
		cancel()
		if err != nil {
			slog.Warn("sqlite: checkpoint", "err", err)
		}
	}
}
