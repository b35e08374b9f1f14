-- The next sequence number of every account the gateway signs for (the
-- merchants' terminals), shared by all replicas so that two never sign with
-- the same number (store::sequences).
CREATE TABLE signer_sequences (
    address TEXT PRIMARY KEY,
    next_seq BIGINT NOT NULL
);

-- Check values of the key-encryption keys the stored secrets are sealed
-- under (store::kek): a gateway started with another key refuses to start.
CREATE TABLE kek_checks (
    check_value TEXT PRIMARY KEY,
    recorded_at BIGINT NOT NULL
);
