-- Compliance, issue 28 phase 2 (src/compliance/): the travel rule and the
-- refusals the suspicious-activity report lists.
--
-- The travel rule (src/compliance/travel_rule.rs): which
-- addresses are another provider's custodial wallets, the IVMS101 records
-- the gateway built for payments and refunds touching them, the key that
-- signs their receipts, and unhosted wallets' self-declarations. The rows
-- hold personal data (names, addresses, dates of birth): they are exported
-- only through /admin and never copied into logs or the audit log.

-- An address another VASP hosts (a custodial wallet), as the operator
-- registered it from its counterparty due diligence: the provider, and the
-- account holder as that provider identified it.
CREATE TABLE vasp_addresses (
    address TEXT PRIMARY KEY,
    vasp_name TEXT NOT NULL,
    vasp_lei TEXT,
    vasp_country TEXT NOT NULL,
    holder_kind TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    holder_customer_id TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One IVMS101 (101.2023) record per payment (reference: the chain event's
-- id) or refund (reference: the refund's id), with the SHA-256 of its JSON
-- and the gateway's Ed25519 signature over that hash (the receipt).
CREATE TABLE travel_rule_records (
    record_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    merchant_address TEXT NOT NULL,
    order_ref TEXT,
    originator_address TEXT NOT NULL,
    beneficiary_address TEXT NOT NULL,
    amount BIGINT NOT NULL,
    ivms101 TEXT NOT NULL,
    record_hash TEXT NOT NULL,
    receipt_key TEXT NOT NULL,
    receipt_signature TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (kind, reference)
);
CREATE INDEX travel_rule_records_created ON travel_rule_records (created_at);

-- The receipts' signing key: made once by whichever replica needs it first,
-- its secret sealed under the KEK like the terminals' keys.
CREATE TABLE travel_rule_keys (
    id BIGINT PRIMARY KEY,
    public_key TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- What an unhosted wallet's customer declared (the wallet page asks above
-- the operator's threshold) for one code: a name, and an address (a line
-- and a town) or a date and place of birth; in Latin letters, as IVMS101
-- carries them.
CREATE TABLE self_declarations (
    code_id TEXT NOT NULL,
    payer TEXT NOT NULL,
    name TEXT NOT NULL,
    address_line TEXT,
    town TEXT,
    date_of_birth TEXT,
    place_of_birth TEXT,
    country TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (code_id, payer)
);

-- A payment refused for the payer's tier's limits (per transaction, day,
-- month), one row per payer, code and limit however often it was asked,
-- for the suspicious-activity report (src/compliance/reports.rs).
CREATE TABLE limit_refusals (
    address TEXT NOT NULL,
    code_id TEXT NOT NULL,
    code TEXT NOT NULL,
    merchant_address TEXT NOT NULL,
    amount BIGINT NOT NULL,
    refused_count BIGINT NOT NULL,
    first_at BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    PRIMARY KEY (address, code_id, code)
);
CREATE INDEX limit_refusals_last ON limit_refusals (last_at);
