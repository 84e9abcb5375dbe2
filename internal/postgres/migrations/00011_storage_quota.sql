-- Per-user storage quota (docs/security.md): users.storage_used is the sum
-- of the bytes reserved by the user's attachments, attachments.reserved what
-- each one holds — its size once stored, what was reserved so far while it
-- is being written. Both change in the same transaction, so the counter is
-- always the sum of the rows.

-- +goose Up
ALTER TABLE users ADD COLUMN storage_used bigint NOT NULL DEFAULT 0;
ALTER TABLE attachments ADD COLUMN reserved bigint NOT NULL DEFAULT 0;
UPDATE attachments SET reserved = size WHERE size <> 0;
UPDATE users u SET storage_used = s.total
FROM (SELECT uploader_id, sum(reserved) AS total FROM attachments WHERE reserved <> 0 GROUP BY uploader_id) s
WHERE u.id = s.uploader_id;

-- +goose Down
ALTER TABLE attachments DROP COLUMN reserved;
ALTER TABLE users DROP COLUMN storage_used;
