-- The POS page no longer logs in with a merchant's API key, but with a POS
-- credential the operator issues (web/pos.rs): a cashier's or a manager's.
-- Only the SHA-256 of its secret (32 random bytes) is stored.
CREATE TABLE pos_credentials (
    credential_id TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants(id),
    role TEXT NOT NULL,
    label TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX pos_credentials_merchant ON pos_credentials (merchant_id, created_at);

-- Sessions opened with an API key end here: API keys no longer log in.
-- A session now names its credential and the role it was opened with; it
-- ends at expires_at, at logout, or when its credential is revoked.
DROP TABLE pos_sessions;
CREATE TABLE pos_sessions (
    token_hash TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants(id),
    credential_id TEXT NOT NULL REFERENCES pos_credentials(credential_id),
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX pos_sessions_expires ON pos_sessions (expires_at);
CREATE INDEX pos_sessions_credential ON pos_sessions (credential_id);

-- Login attempts of the last window, per client address and per merchant
-- (web::pos_login): in the database so that replicas share the counts. An
-- attempt is written before its secret is checked and deleted again if it
-- succeeds, so concurrent guesses count against the limit too; what stays
-- are the failures. Rows older than the window are purged every minute.
CREATE TABLE pos_login_attempts (
    bucket TEXT NOT NULL,
    attempt_id TEXT NOT NULL,
    attempted_at BIGINT NOT NULL
);
CREATE INDEX pos_login_attempts_bucket ON pos_login_attempts (bucket, attempted_at);
CREATE INDEX pos_login_attempts_attempt ON pos_login_attempts (attempt_id);
