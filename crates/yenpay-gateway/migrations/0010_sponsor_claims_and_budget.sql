-- Sponsoring that cannot be turned against the operator (sponsor.rs).

-- Rate-limit uses now have windows of their own (a minute for senders and
-- merchants, a day for new accounts): each row says when it may be purged.
ALTER TABLE sponsor_uses ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX sponsor_uses_expiry ON sponsor_uses (expires_at);

-- One row per rate-limit bucket, written first in the transaction that
-- counts and takes a use: on PostgreSQL that locks the bucket, so two
-- replicas counting the same bucket take turns and never both take the last
-- slot (SQLite's write lock does the same for the whole file).
CREATE TABLE sponsor_buckets (
    bucket TEXT PRIMARY KEY,
    touched_at BIGINT NOT NULL
);

-- At most one sponsored payment per code at a time: the row is inserted
-- (primary key: one winner across replicas) before anything is signed,
-- deleted when the submission definitely failed, and COMMITTED for good once
-- the payment committed. An IN_FLIGHT row whose transaction expired may be
-- taken over (its replica died or the node never answered).
CREATE TABLE sponsor_claims (
    code_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    token TEXT NOT NULL,
    sender TEXT NOT NULL,
    tx_hash TEXT,
    tx_expires_at BIGINT NOT NULL,
    claimed_at BIGINT NOT NULL
);

-- Octas the fee payer spent (or has reserved for a transaction in flight)
-- on sponsoring, per UTC hour and day: the budget every replica shares.
CREATE TABLE sponsor_spend (
    period TEXT NOT NULL,
    period_start BIGINT NOT NULL,
    octas BIGINT NOT NULL,
    PRIMARY KEY (period, period_start)
);
