-- Web Push (docs/decisions/0028-notifications.md): the same tables as
-- internal/sqlite/migrations/00009_push.sql, in PostgreSQL types.

-- +goose Up
CREATE TABLE push_keys (
	id          integer NOT NULL PRIMARY KEY CHECK (id = 1),
	public_key  text    NOT NULL,
	private_key text    NOT NULL
);

CREATE TABLE push_subscriptions (
	token_hash bytea            NOT NULL PRIMARY KEY REFERENCES sessions (token_hash) ON DELETE CASCADE,
	user_id    text COLLATE "C" NOT NULL,
	endpoint   text             NOT NULL UNIQUE,
	p256dh     text             NOT NULL,
	auth       text             NOT NULL,
	created_at timestamptz      NOT NULL
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id, created_at);

CREATE TABLE push_outbox (
	room_id     text COLLATE "C" NOT NULL,
	seq         bigint           NOT NULL,
	created_at  timestamptz      NOT NULL,
	claim       text             NOT NULL DEFAULT '',
	lease_until timestamptz      NOT NULL DEFAULT '-infinity',
	PRIMARY KEY (room_id, seq)
);
CREATE INDEX push_outbox_due ON push_outbox (lease_until, created_at);

-- +goose StatementBegin
CREATE FUNCTION messages_push_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO push_outbox (room_id, seq, created_at) VALUES (NEW.room_id, NEW.seq, NEW.created_at);
	RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER messages_push_outbox AFTER INSERT ON messages
	FOR EACH ROW WHEN (NEW.kind = 'text') EXECUTE FUNCTION messages_push_outbox();

CREATE TABLE push_deliveries (
	token_hash bytea            NOT NULL REFERENCES push_subscriptions (token_hash) ON DELETE CASCADE,
	room_id    text COLLATE "C" NOT NULL,
	seq        bigint           NOT NULL,
	count      integer          NOT NULL,
	payload    text             NOT NULL,
	urgency    text             NOT NULL,
	attempts   integer          NOT NULL DEFAULT 0,
	claim      text             NOT NULL DEFAULT '',
	due_at     timestamptz      NOT NULL,
	created_at timestamptz      NOT NULL,
	PRIMARY KEY (token_hash, room_id)
);
CREATE INDEX push_deliveries_due ON push_deliveries (due_at);

-- +goose Down
DROP TABLE push_deliveries;
DROP TRIGGER messages_push_outbox ON messages;
DROP FUNCTION messages_push_outbox();
DROP TABLE push_outbox;
DROP TABLE push_subscriptions;
DROP TABLE push_keys;
