-- Web Push (docs/decisions/0028-notifications.md): the cluster's one VAPID
-- key pair, and one push subscription per session.

-- +goose Up
-- One row at most: the first node to start stores its pair, every node
-- then reads that one.
CREATE TABLE push_keys (
	id          INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
	public_key  TEXT    NOT NULL,
	private_key TEXT    NOT NULL
) STRICT;

-- A subscription dies with its session (logout, expiry, ended from another
-- device, a password change). An endpoint is one browser's: one row each.
CREATE TABLE push_subscriptions (
	token_hash BLOB    NOT NULL PRIMARY KEY REFERENCES sessions (token_hash) ON DELETE CASCADE,
	user_id    TEXT    NOT NULL,
	endpoint   TEXT    NOT NULL UNIQUE,
	p256dh     TEXT    NOT NULL,
	auth       TEXT    NOT NULL,
	created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
-- A user's subscriptions, oldest first: the ones a new one pushes out.
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id, created_at);

-- The outbox: a row for every text message, written by the message's own
-- insert (this trigger) in its transaction, so a committed message always
-- has its row and a rolled-back one never does. A node claims rows (claim,
-- lease_until), works out who is notified, queues the deliveries and
-- deletes the row, in one transaction that checks the claim is still its.
CREATE TABLE push_outbox (
	room_id     TEXT    NOT NULL,
	seq         INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	claim       TEXT    NOT NULL DEFAULT '',
	lease_until INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (room_id, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX push_outbox_due ON push_outbox (lease_until, created_at);

-- +goose StatementBegin
CREATE TRIGGER messages_push_outbox AFTER INSERT ON messages WHEN NEW.kind = 'text'
BEGIN
	INSERT INTO push_outbox (room_id, seq, created_at) VALUES (NEW.room_id, NEW.seq, NEW.created_at);
END;
-- +goose StatementEnd

-- One pending notification per subscription and room: later messages fold
-- into it (count, the latest seq and payload) until it is sent, so a burst
-- is one notification. due_at is when it may be tried next (the coalescing
-- window, a claim's lease, a retry's backoff); created_at bounds its age.
CREATE TABLE push_deliveries (
	token_hash BLOB    NOT NULL REFERENCES push_subscriptions (token_hash) ON DELETE CASCADE,
	room_id    TEXT    NOT NULL,
	seq        INTEGER NOT NULL,
	count      INTEGER NOT NULL,
	payload    TEXT    NOT NULL,
	urgency    TEXT    NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0,
	claim      TEXT    NOT NULL DEFAULT '',
	due_at     INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (token_hash, room_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX push_deliveries_due ON push_deliveries (due_at);

-- +goose Down
DROP TABLE push_deliveries;
DROP TRIGGER messages_push_outbox;
DROP TABLE push_outbox;
DROP TABLE push_subscriptions;
DROP TABLE push_keys;
