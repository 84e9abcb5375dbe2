package postgres

import "testing"

// Migration 00011 counts what the attachments that exist already take: each
// user's stored and half-deleted files and avatars, nothing for pending rows
// (their size is not known yet) or for users without files.
func TestStorageMigrationCountsExistingFiles(t *testing.T) {
	ctx := t.Context()
	db, up := oldDatabase(t, 10)
	if _, err := db.ExecContext(ctx, `
		INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES
			('a', 'alice', 'Alice', 'h', now()), ('b', 'bob', 'Bob', 'h', now()), ('c', 'carol', 'Carol', 'h', now());
		INSERT INTO attachments (id, uploader_id, kind, state, name, size, created_at) VALUES
			('a1', 'a', 'file', 'stored', 'x', 1000, now()),
			('a2', 'a', 'avatar', 'stored', 'y', 200, now()),
			('a3', 'a', 'file', 'deleting', 'z', 30, now()),
			('a4', 'a', 'file', 'pending', 'p', 0, now()),
			('b1', 'b', 'file', 'stored', 'x', 5, now())`); err != nil {
		t.Fatal(err)
	}
	up()
	for user, want := range map[string]int64{"a": 1230, "b": 5, "c": 0} {
		var used int64
		if err := db.QueryRowContext(ctx, `SELECT storage_used FROM users WHERE id = $1`, user).Scan(&used); err != nil {
			t.Fatal(err)
		}
		if used != want {
			t.Errorf("user %s: storage_used %d, want %d", user, used, want)
		}
	}
	var reserved int64
	if err := db.QueryRowContext(ctx, `SELECT reserved FROM attachments WHERE id = 'a1'`).Scan(&reserved); err != nil || reserved != 1000 {
		t.Errorf("a stored file's reserved = %d (%v), want its size", reserved, err)
	}
}
