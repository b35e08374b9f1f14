-- The FX desk's gateway side (issue 29, src/fx/): tourists pay a yen code in
-- USDC at a quote the gateway signs with the desk's quote key.
--
-- fx_keys: the desk's role keys (`quote_signer`, `rate_keeper`), sealed
-- under the key-encryption key with the context `fxkey:<role>` like the
-- terminal keys (store/kek.rs reseals them); never returned nor logged.
CREATE TABLE fx_keys (
    role TEXT PRIMARY KEY,
    address TEXT NOT NULL,
    public_key TEXT NOT NULL,
    key_enc TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- fx_quotes: every quote the gateway signed, for one code (payments.code_id).
-- A request for a code with a live quote gets that quote again; sponsoring
-- pays only a quote found here, exactly as signed.
CREATE TABLE fx_quotes (
    quote_id TEXT PRIMARY KEY,
    code_id TEXT NOT NULL,
    merchant_address TEXT NOT NULL,
    order_ref TEXT NOT NULL,
    yen_amount BIGINT NOT NULL,
    usdc_amount BIGINT NOT NULL,
    rate BIGINT NOT NULL,
    reference_rate BIGINT NOT NULL,
    usdc TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX fx_quotes_code ON fx_quotes (code_id, expires_at);
CREATE INDEX fx_quotes_expiry ON fx_quotes (expires_at);

-- fx_rates: the provider's last reading (one row, id 1), shared by the
-- replicas: the rate keeper writes it, quotes read it.
CREATE TABLE fx_rates (
    id BIGINT PRIMARY KEY,
    rate BIGINT NOT NULL,
    observed_at BIGINT NOT NULL,
    fetched_at BIGINT NOT NULL
);

-- fx_payments: a code paid in USDC (fx::PaidInUsdc), beside its payment row.
CREATE TABLE fx_payments (
    code_id TEXT PRIMARY KEY,
    usdc_amount BIGINT NOT NULL,
    rate BIGINT NOT NULL,
    reference_rate BIGINT NOT NULL,
    version BIGINT NOT NULL
);
