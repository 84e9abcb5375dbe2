-- Accounts and sessions (decision 0018): a public id per session that is not
-- the token hash, what the sessions list shows, the idle timeout's last-seen,
-- the device token that exempts a known device from the per-username login
-- limit, and single-use WebSocket tickets (decision 0019).

-- +goose Up
ALTER TABLE sessions
	ADD COLUMN id           text COLLATE "C",
	ADD COLUMN last_seen_at timestamptz,
	ADD COLUMN user_agent   text NOT NULL DEFAULT '',
	ADD COLUMN addr         text NOT NULL DEFAULT '',
	ADD COLUMN device_hash  bytea;
UPDATE sessions SET id = md5(random()::text || token_hash::text), last_seen_at = created_at;
ALTER TABLE sessions ALTER COLUMN id SET NOT NULL, ALTER COLUMN last_seen_at SET NOT NULL;
CREATE UNIQUE INDEX sessions_id ON sessions (id);
-- The sweeper's two walks: past the absolute end, past the idle end.
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);

-- A ticket dies with its session.
CREATE TABLE ws_tickets (
	hash       bytea            NOT NULL PRIMARY KEY,
	token_hash bytea            NOT NULL REFERENCES sessions (token_hash) ON DELETE CASCADE,
	user_id    text COLLATE "C" NOT NULL,
	expires_at timestamptz      NOT NULL
);
CREATE INDEX ws_tickets_session ON ws_tickets (token_hash);
CREATE INDEX ws_tickets_expires ON ws_tickets (expires_at);

-- +goose Down
DROP TABLE ws_tickets;
ALTER TABLE sessions DROP COLUMN device_hash, DROP COLUMN addr, DROP COLUMN user_agent,
	DROP COLUMN last_seen_at, DROP COLUMN id;
