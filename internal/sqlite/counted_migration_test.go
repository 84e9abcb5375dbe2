package sqlite

import "testing"

// Migration 00014 gives the messages already stored their running count of
// messages that are not system lines, and each room the count at its last
// seq, so unread counts are right for rooms that predate it.
func TestCountedMigrationCountsExistingMessages(t *testing.T) {
	ctx := t.Context()
	db, up := oldDatabase(t, 13)
	if _, err := db.ExecContext(ctx, `
		INSERT INTO rooms (id, kind, created_at, last_seq, last_message_at) VALUES
			('r', 'group', 1, 5, 1), ('s', 'group', 1, 2, 1), ('empty', 'group', 1, 0, 1);
		INSERT INTO messages (room_id, seq, id, sender_id, kind, text, system, created_at) VALUES
			('r', 1, 'm1', '', 'system', '', '{}', 1),
			('r', 2, 'm2', 'a', 'text', 'hi', NULL, 1),
			('r', 3, 'm3', '', 'system', '', '{}', 1),
			('r', 4, 'm4', 'b', 'text', 'yo', NULL, 1),
			('r', 5, 'm5', 'b', 'text', 'x', NULL, 1),
			('s', 1, 's1', '', 'system', '', '{}', 1),
			('s', 2, 's2', '', 'system', '', '{}', 1)`); err != nil {
		t.Fatal(err)
	}
	up()
	for id, want := range map[string]int64{"m1": 0, "m2": 1, "m3": 1, "m4": 2, "m5": 3, "s1": 0, "s2": 0} {
		var n int64
		if err := db.QueryRowContext(ctx, `SELECT counted FROM messages WHERE id = ?`, id).Scan(&n); err != nil || n != want {
			t.Errorf("message %s: counted %d (%v), want %d", id, n, err, want)
		}
	}
	for id, want := range map[string]int64{"r": 3, "s": 0, "empty": 0} {
		var n int64
		if err := db.QueryRowContext(ctx, `SELECT counted FROM rooms WHERE id = ?`, id).Scan(&n); err != nil || n != want {
			t.Errorf("room %s: counted %d (%v), want %d", id, n, err, want)
		}
	}
}
