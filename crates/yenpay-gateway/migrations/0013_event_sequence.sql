-- Each payment's webhook events carry a sequence number (1, 2, ...) so a
-- receiver can order them (outbox.rs): the count so far, per payment.
ALTER TABLE payments ADD COLUMN event_sequence BIGINT NOT NULL DEFAULT 0;
