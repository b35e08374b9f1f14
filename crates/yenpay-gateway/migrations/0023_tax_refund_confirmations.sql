-- Tax refunds at departure (issue 29, part 2; src/api/tax_refunds.rs).
--
-- tax_free_purchases: the follower's copy of `tax_refund`'s purchases, from
-- `TaxFreePurchaseRecorded` (paid_at is the block's time, which the chain
-- stored), `TaxRefunded` (refunded_*) and `PurchasePurged`. The wallet page
-- lists a payer's purchases from here; `version` orders generations of one
-- order reference (reusable once a purchase was purged).
CREATE TABLE tax_free_purchases (
    merchant_address TEXT NOT NULL,
    order_ref TEXT NOT NULL,
    payer TEXT NOT NULL,
    amount BIGINT NOT NULL,
    standard_tax BIGINT NOT NULL,
    reduced_tax BIGINT NOT NULL,
    tax_free BIGINT NOT NULL,
    paid_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    refunded_amount BIGINT,
    refunded_at BIGINT,
    merchant_refunded BIGINT,
    refund_tx TEXT,
    refund_version BIGINT,
    purged_version BIGINT,
    PRIMARY KEY (merchant_address, order_ref)
);
CREATE INDEX tax_free_purchases_payer ON tax_free_purchases (payer, paid_at);

-- tax_refund_confirmations: the refund agent's export attestations,
-- recorded before they are paid. One per purchase (its key and the time it
-- was paid, so a reused order reference is another purchase). status:
-- RECORDED (waiting for a batch), SUBMITTED (claimed by a batch until
-- claimed_until under claim_token; tx_hash once signed), PAID (the chain paid
-- `amount`: the batch's answer or the follower's `TaxRefunded`), REFUSED
-- (`reason`: the purchase can no longer be paid to this traveller).
CREATE TABLE tax_refund_confirmations (
    confirmation_id TEXT PRIMARY KEY,
    merchant_address TEXT NOT NULL,
    order_ref TEXT NOT NULL,
    purchase_paid_at BIGINT NOT NULL,
    traveller TEXT NOT NULL,
    agent_public_key TEXT NOT NULL,
    signature TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    amount BIGINT,
    claim_token TEXT,
    claimed_until BIGINT,
    tx_hash TEXT,
    version BIGINT,
    paid_at BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (merchant_address, order_ref, purchase_paid_at)
);
CREATE INDEX tax_refund_confirmations_status ON tax_refund_confirmations (status, created_at);
