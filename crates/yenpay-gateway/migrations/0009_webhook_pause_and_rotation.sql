-- A merchant may pause an endpoint (deliveries wait, none is attempted) and
-- rotate its secret with an overlap during which both secrets sign
-- (webhook.rs).
ALTER TABLE webhook_endpoints ADD COLUMN paused_at BIGINT;
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_enc TEXT;
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_until BIGINT;
