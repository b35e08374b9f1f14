-- Sponsored transactions of the last minute, per sender and per merchant
-- (sponsor::limits): in the database so that every replica counts against
-- the same limit. Rows older than the window are purged every minute.
CREATE TABLE sponsor_uses (
    bucket TEXT NOT NULL,
    used_at BIGINT NOT NULL
);
CREATE INDEX sponsor_uses_bucket ON sponsor_uses (bucket, used_at);
