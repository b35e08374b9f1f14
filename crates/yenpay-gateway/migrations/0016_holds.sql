-- Holds (issue 27): authorize now, capture later. A hold is one
-- `hold::Hold` on chain, keyed by (merchant, hold reference); the gateway
-- never reuses a reference (merchantPaymentId), so that pair names a row.
-- The gateway writes the row when it signs the hold code (`CREATED`); from
-- then on only the follower changes the amounts, from the hold events, in
-- the page's transaction (src/store/holds.rs).
CREATE TABLE holds (
    hold_id TEXT PRIMARY KEY,
    merchant_address TEXT NOT NULL,
    merchant_payment_id TEXT NOT NULL,
    origin TEXT NOT NULL,
    status TEXT NOT NULL,
    amount BIGINT NOT NULL,
    tip_limit BIGINT NOT NULL,
    capture_before BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    customer TEXT,
    authorized BIGINT NOT NULL,
    captured BIGINT NOT NULL,
    tipped BIGINT NOT NULL,
    released BIGINT NOT NULL,
    fee BIGINT NOT NULL,
    net BIGINT NOT NULL,
    refunded BIGINT NOT NULL,
    authorized_tx TEXT,
    authorized_version BIGINT,
    last_version BIGINT,
    purged_version BIGINT,
    event_sequence BIGINT NOT NULL,
    UNIQUE (merchant_address, merchant_payment_id)
);
CREATE INDEX holds_status_times ON holds (status, capture_before, expires_at);

-- Captures and voids the merchant asked for through the API, by its own id
-- (PayPay's merchantCaptureId and merchantRevertId): unique per merchant, so
-- a retried request with a new idempotency key cannot capture twice. The
-- follower completes one by its transaction's hash.
CREATE TABLE hold_operations (
    operation_id TEXT PRIMARY KEY,
    merchant_address TEXT NOT NULL,
    merchant_operation_id TEXT NOT NULL,
    hold_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount BIGINT NOT NULL,
    tip BIGINT NOT NULL,
    final_capture BIGINT NOT NULL,
    status TEXT NOT NULL,
    tx_hash TEXT,
    version BIGINT,
    failure TEXT,
    requested_at BIGINT NOT NULL,
    UNIQUE (merchant_address, merchant_operation_id)
);
CREATE INDEX hold_operations_tx ON hold_operations (tx_hash);
