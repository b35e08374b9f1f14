-- Review turns the payment into a hold (issue 28, src/compliance/review.rs).
-- When screening answers REVIEW for a payer of a code, the gateway signs a
-- hold code for the same merchant, amount and order reference instead
-- (`holds`, its row's hold_id here), with capture_before = the review's
-- deadline; an analyst releases (captures it all for the merchant) or
-- rejects (voids it back to the customer), or the gateway voids it at the
-- deadline. One review per hold; `status` moves once from OPEN.
CREATE TABLE compliance_reviews (
    review_id TEXT PRIMARY KEY,
    hold_id TEXT NOT NULL UNIQUE,
    merchant_address TEXT NOT NULL,
    order_ref TEXT NOT NULL,
    payer TEXT NOT NULL,
    amount BIGINT NOT NULL,
    reason_code TEXT NOT NULL,
    status TEXT NOT NULL,
    deadline BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT,
    tx_hash TEXT,
    failure TEXT
);
CREATE INDEX compliance_reviews_status ON compliance_reviews (status, deadline);
