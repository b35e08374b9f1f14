-- A payment is one on-chain invoice (issue 30, item 4). The chain lets an
-- order reference be used again once `invoice::purge_invoices` deleted its
-- record, so (merchant, order reference) no longer identifies a row:
-- `generation` counts the invoices of one reference (0 for the first; the
-- newest is what `merchantPaymentId` names) and `invoice_version` is the
-- version the gateway knows the invoice from (its creation, or the first
-- event seen of one created before the follower started). Outcomes that
-- are not known yet (item 5) are kept with the transaction to look up.
-- SQLite cannot drop a constraint, so the table is rebuilt (portable SQL).
CREATE TABLE payments_v2 (
    code_id TEXT PRIMARY KEY,
    merchant_address TEXT NOT NULL,
    merchant_payment_id TEXT NOT NULL,
    generation BIGINT NOT NULL,
    kind TEXT NOT NULL,
    origin TEXT NOT NULL,
    status TEXT NOT NULL,
    amount BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    create_tx TEXT,
    create_version BIGINT,
    invoice_version BIGINT,
    payer TEXT,
    fee BIGINT,
    net BIGINT,
    paid_at BIGINT,
    pay_tx TEXT,
    pay_version BIGINT,
    refunded BIGINT NOT NULL,
    fee_refunded BIGINT NOT NULL,
    reference TEXT,
    purged_version BIGINT,
    pending_tx TEXT,
    pending_expires_at BIGINT,
    failure TEXT,
    UNIQUE (merchant_address, merchant_payment_id, generation),
    UNIQUE (merchant_address, merchant_payment_id, invoice_version)
);
INSERT INTO payments_v2 (code_id, merchant_address, merchant_payment_id, generation, kind, origin, status,
    amount, expires_at, created_at, create_tx, create_version, invoice_version, payer, fee, net, paid_at,
    pay_tx, pay_version, refunded, fee_refunded, reference)
SELECT code_id, merchant_address, merchant_payment_id, 0, kind, origin, status,
    amount, expires_at, created_at, create_tx, create_version, COALESCE(create_version, pay_version), payer,
    fee, net, paid_at, pay_tx, pay_version, refunded, fee_refunded, reference
FROM payments;
DROP TABLE payments;
ALTER TABLE payments_v2 RENAME TO payments;
CREATE INDEX payments_paid_at ON payments (merchant_address, paid_at);
CREATE INDEX payments_open_expiry ON payments (status, expires_at);

-- Why a refund failed (the merchant's `reason` is kept), and when its
-- submitted transaction expires while its outcome is unknown.
ALTER TABLE refunds ADD COLUMN failure TEXT;
ALTER TABLE refunds ADD COLUMN pending_expires_at BIGINT;
