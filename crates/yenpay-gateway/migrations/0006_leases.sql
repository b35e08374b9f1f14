-- Which replica runs the follower and which the webhook dispatcher
-- (leadership.rs): a lease each, renewed by its holder, taken over by
-- another replica once it expires.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
