-- Accounts and sessions (decision 0018): a public id per session that is not
-- the token hash, what the sessions list shows, the idle timeout's last-seen,
-- the device token that exempts a known device from the per-username login
-- limit, and single-use WebSocket tickets (decision 0019).

-- +goose Up
ALTER TABLE sessions ADD COLUMN id           TEXT    NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN user_agent   TEXT    NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN addr         TEXT    NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN device_hash  BLOB;
UPDATE sessions SET id = lower(hex(randomblob(16))), last_seen_at = created_at;
CREATE UNIQUE INDEX sessions_id ON sessions (id);
-- The sweeper's two walks: past the absolute end, past the idle end.
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);

-- A ticket dies with its session.
CREATE TABLE ws_tickets (
	hash       BLOB    NOT NULL PRIMARY KEY,
	token_hash BLOB    NOT NULL REFERENCES sessions (token_hash) ON DELETE CASCADE,
	user_id    TEXT    NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX ws_tickets_session ON ws_tickets (token_hash);
CREATE INDEX ws_tickets_expires ON ws_tickets (expires_at);

-- +goose Down
DROP TABLE ws_tickets;
DROP INDEX sessions_last_seen;
DROP INDEX sessions_expires;
DROP INDEX sessions_id;
ALTER TABLE sessions DROP COLUMN device_hash;
ALTER TABLE sessions DROP COLUMN addr;
ALTER TABLE sessions DROP COLUMN user_agent;
ALTER TABLE sessions DROP COLUMN last_seen_at;
ALTER TABLE sessions DROP COLUMN id;
