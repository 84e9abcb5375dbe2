-- Per-user storage quota (docs/security.md): users.storage_used is the sum
-- of the bytes reserved by the user's attachments, attachments.reserved what
-- each one holds — its size once stored, what was reserved so far while it
-- is being written. Both change in the same transaction, so the counter is
-- always the sum of the rows.

-- +goose Up
ALTER TABLE users ADD COLUMN storage_used INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attachments ADD COLUMN reserved INTEGER NOT NULL DEFAULT 0;
UPDATE attachments SET reserved = size WHERE size <> 0;
UPDATE users SET storage_used = (SELECT sum(a.reserved) FROM attachments a WHERE a.uploader_id = users.id)
WHERE id IN (SELECT uploader_id FROM attachments WHERE reserved <> 0);

-- +goose Down
ALTER TABLE attachments DROP COLUMN reserved;
ALTER TABLE users DROP COLUMN storage_used;
