-- The follower marks open codes EXPIRED once the chain's clock passes their
-- expiry (follower::expire_open_codes); this finds them without a scan.
CREATE INDEX payments_open_expiry ON payments (status, expires_at);
