-- Sessions of the POS page (web/pos.html): a cashier logs in once with the
-- merchant's API key, the browser then holds only an HttpOnly cookie whose
-- SHA-256 is stored here. A session ends at expires_at, at logout, or when
-- its API key is revoked (checked on every request).
CREATE TABLE pos_sessions (
    token_hash TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants(id),
    key_id TEXT NOT NULL REFERENCES api_keys(key_id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX pos_sessions_expires ON pos_sessions (expires_at);
