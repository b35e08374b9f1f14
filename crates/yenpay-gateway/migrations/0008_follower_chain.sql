-- The chain this database follows: its id and the hash of its genesis
-- transaction (NULL when the node had pruned version 0 at the first run),
-- recorded at the follower's first run and checked at every start and
-- periodically (follower::check_chain). When the follower stops for good
-- (another chain, a gap, a pruned or lagging node, an event of the package
-- it cannot decode) it writes why here, so every replica's /readyz says so.
CREATE TABLE follower_chain (
    name TEXT PRIMARY KEY,
    chain_id BIGINT NOT NULL,
    genesis_hash TEXT,
    recorded_at BIGINT NOT NULL,
    halt_code TEXT,
    halt_reason TEXT,
    halted_at BIGINT
);
