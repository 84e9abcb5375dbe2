-- Notification levels and settings (docs/decisions/0028-notifications.md).

-- +goose Up
-- NULL: the member never chose; the room kind's default applies (all in a
-- 1:1, mentions in a group), so changing a default needs no migration.
ALTER TABLE members ADD COLUMN notify_level TEXT CHECK (notify_level IN ('all', 'mentions', 'off'));
-- The whole settings object as JSON, NULL until first changed: read with
-- the user, never queried by field.
ALTER TABLE users ADD COLUMN notify_settings TEXT;

-- +goose Down
ALTER TABLE users DROP COLUMN notify_settings;
ALTER TABLE members DROP COLUMN notify_level;
