-- Compliance (src/compliance/, issue 28 phase 1): screening verdicts,
-- customer tiers and what they spent, and the tamper-evident audit log.

-- One screening of one address for one purpose: a sponsored payment (the
-- code), a payment the follower applied (its chain event) or a refund. A
-- repeat of the same screening (the same sender posting the same code again)
-- updates its row and counts it, so a flood of refused requests leaves one
-- row. The follower writes a PENDING row in the DB transaction that applies
-- the payment; the screening worker fills in the verdict.
CREATE TABLE screening_verdicts (
    verdict_id TEXT PRIMARY KEY,
    context TEXT NOT NULL,
    reference TEXT NOT NULL,
    subject TEXT NOT NULL,
    merchant_address TEXT NOT NULL,
    order_ref TEXT,
    amount BIGINT NOT NULL,
    mcc TEXT NOT NULL,
    state TEXT NOT NULL,
    verdict TEXT,
    reason_code TEXT,
    detail TEXT,
    provider TEXT,
    screened_count BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    screened_at BIGINT,
    UNIQUE (context, reference, subject)
);
CREATE INDEX screening_verdicts_pending ON screening_verdicts (state, created_at);
CREATE INDEX screening_verdicts_subject ON screening_verdicts (subject, created_at);

-- A customer's tier (unverified when absent), set by the operator.
CREATE TABLE customer_tiers (
    address TEXT PRIMARY KEY,
    tier TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Yen a customer's sponsored payments took per Japan date ('2026-12-01')
-- and month ('2026-12'), reserved by one conditional UPDATE before the
-- gateway signs (replicas share it) and returned when the payment
-- definitely did not happen.
CREATE TABLE customer_usage (
    address TEXT NOT NULL,
    period TEXT NOT NULL,
    period_key TEXT NOT NULL,
    yen BIGINT NOT NULL,
    PRIMARY KEY (address, period, period_key)
);

-- The audit log: each entry carries the hash of the one before. Appends
-- take the one row of audit_head first (a row lock on PostgreSQL, the write
-- lock on SQLite), so two replicas appending at once take turns and never
-- link two entries to the same predecessor; seq is the primary key besides.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
