#[test_only]
/// The one-transaction customer-presented payment (`invoice::collect_signed_invoice`): the customer's code is an
/// `authorization::CollectionAuthorization` (merchant, amount, window, nonce), the merchant's terminal names it and
/// its own order in an `authorization::CollectionRequest` signed off chain, and whoever submits the pair settles that
/// order, and only that order, with no invoice created beforehand and no transaction by the terminal. Each binding of
/// both messages (merchant, amount, order, expiry, deployment, chain, the pairing of request and authorization,
/// message types), payment at most once (nonce and order), cancellation either side, the terminal's current
/// membership and key, and the controls (pause, denylist, cap, merchant status); refunds as for any invoice.
///
/// Abort codes are category * 0x10000 + reason (std::error): invalid_argument 0x1, out_of_range 0x2,
/// invalid_state 0x3, permission_denied 0x5, not_found 0x6, already_exists 0x8.
module yenpay::signed_collection_tests {
    use std::bcs;
    use std::string::{String, utf8};
    use aptos_std::ed25519;
    use aptos_std::from_bcs;
    use aptos_framework::account;
    use aptos_framework::event;
    use aptos_framework::timestamp;
    use yenpay::authorization;
    use yenpay::controls;
    use yenpay::invoice;
    use yenpay::merchant_registry;
    use yenpay::stablecoin;
    use yenpay::settlement_test_helpers as h;

    /// The price; at the merchant's 3% the fee is 300.
    const AMOUNT: u64 = 10_000;
    const FEE: u64 = 300;
    /// What the customer holds.
    const FUNDS: u64 = 50_000;
    /// Lifetime of the terminal's requests.
    const TTL: u64 = 120;
    /// Lifetime of the customer's code.
    const WINDOW: u64 = 60;
    /// `invoice::MAX_TTL_SECS`.
    const MAX_TTL: u64 = 86_400;
    /// The customer's nonce in most tests.
    const NONCE: u64 = 7;

    /// The known answer of `testdata/known_answers.md` (recomputed by `testdata/known_answers.py`): the key of seed
    /// `[7; 32]` as the terminal (its legacy address) of merchant `0xb0b`, order `ORDER-0001`, 1234 yen, expiring at
    /// 2000000000, naming customer `0xc1`'s code of nonce 0x2a2a, package `0xcafe` on chain 4.
    const KAT_PUBLIC_KEY: vector<u8> = x"ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c";
    const KAT_TERMINAL: address = @0xcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad;
    const KAT_METADATA: address = @0x72ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18;
    const KAT_MERCHANT: address = @0xb0b;
    const KAT_AMOUNT: u64 = 1234;
    const KAT_EXPIRES_AT: u64 = 2000000000;
    const KAT_FROM: address = @0xc1;
    const KAT_NONCE: u64 = 0x2a2a;
    const KAT_MESSAGE: vector<u8> = x"000000000000000000000000000000000000000000000000000000000000cafe0d617574686f72697a6174696f6e11436f6c6c656374696f6e526571756573740472ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a180000000000000000000000000000000000000000000000000000000000000b0bcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad0a4f524445522d30303031d204000000000000009435770000000000000000000000000000000000000000000000000000000000000000000000c12a2a000000000000";
    const KAT_SIGNATURE: vector<u8> = x"c9de6dd9588dd04fde076d89dce00612283eb0d8f1e7dcc4116c13893c1276ad8a7f6fbebb092b65f28cf3ab6209ea4b669313f94cc272d2271671e9611ee101";

    /// An account with an Ed25519 key whose address is its authentication key: a terminal or a customer.
    struct Keyed has drop {
        sk: ed25519::SecretKey,
        public_key: vector<u8>,
        addr: address,
    }

    /// Everything a submitter passes to `collect_signed_invoice`.
    struct Pair has drop {
        merchant: address,
        terminal: address,
        order_ref: String,
        amount: u64,
        expires_at: u64,
        terminal_public_key: vector<u8>,
        terminal_signature: vector<u8>,
        from: address,
        valid_after: u64,
        valid_before: u64,
        nonce: u64,
        public_key: vector<u8>,
        signature: vector<u8>,
    }

    fun order(): String { utf8(b"ORDER-0001") }

    fun keyed(): Keyed {
        let (sk, pk) = ed25519::generate_keys();
        let addr = from_bcs::to_address(ed25519::validated_public_key_to_authentication_key(&pk));
        account::create_account_for_test(addr);
        Keyed { sk, public_key: ed25519::validated_public_key_to_bytes(&pk), addr }
    }

    /// A terminal of `merchant`.
    fun terminal_of(merchant: address): Keyed {
        let t = keyed();
        merchant_registry::add_terminal(&h::signer_of(merchant), t.addr);
        t
    }

    /// A customer holding `FUNDS`.
    fun customer(): Keyed {
        let c = keyed();
        h::mint(c.addr, FUNDS);
        c
    }

    /// `t`'s signature of a request with every field given.
    fun request_with(
        t: &Keyed,
        chain: u8,
        metadata: address,
        merchant: address,
        order_ref: String,
        amount: u64,
        expires_at: u64,
        from: address,
        nonce: u64,
    ): vector<u8> {
        let request = authorization::new_collection_request_for_test(
            chain, metadata, merchant, t.addr, order_ref, amount, expires_at, from, nonce
        );
        ed25519::signature_to_bytes(&ed25519::sign_struct(&t.sk, request))
    }

    /// `c`'s signature of a customer-presented code with every field given.
    fun code_with(
        c: &Keyed,
        chain: u8,
        metadata: address,
        merchant: address,
        amount: u64,
        valid_after: u64,
        valid_before: u64,
        nonce: u64,
    ): vector<u8> {
        let code = authorization::new_collection_authorization_for_test(
            chain, metadata, c.addr, merchant, amount, valid_after, valid_before, nonce
        );
        ed25519::signature_to_bytes(&ed25519::sign_struct(&c.sk, code))
    }

    /// `c`'s code for `merchant` and `amount`, valid now for `WINDOW` seconds, and `t`'s request for `order_ref` that
    /// names it, valid for `TTL` seconds: a pair as the gateway submits it.
    fun pair_for(t: &Keyed, c: &Keyed, merchant: address, order_ref: String, amount: u64, nonce: u64): Pair {
        let (valid_after, valid_before, expires_at) = (h::now() - 1, h::now() + WINDOW, h::now() + TTL);
        let metadata = stablecoin::metadata_address();
        Pair {
            merchant,
            terminal: t.addr,
            order_ref,
            amount,
            expires_at,
            terminal_public_key: t.public_key,
            terminal_signature: request_with(
                t, h::chain(), metadata, merchant, order_ref, amount, expires_at, c.addr, nonce
            ),
            from: c.addr,
            valid_after,
            valid_before,
            nonce,
            public_key: c.public_key,
            signature: code_with(c, h::chain(), metadata, merchant, amount, valid_after, valid_before, nonce),
        }
    }

    /// The standard pair: `AMOUNT` at `merchant()` for `order()`, nonce `NONCE`.
    fun pair(t: &Keyed, c: &Keyed): Pair {
        pair_for(t, c, h::merchant(), order(), AMOUNT, NONCE)
    }

    fun submit_by(submitter: address, p: Pair) {
        let Pair {
            merchant, terminal, order_ref, amount, expires_at, terminal_public_key, terminal_signature, from,
            valid_after, valid_before, nonce, public_key, signature,
        } = p;
        invoice::collect_signed_invoice(
            &h::signer_of(submitter), merchant, terminal, order_ref, amount, expires_at, terminal_public_key,
            terminal_signature, from, valid_after, valid_before, nonce, public_key, signature
        );
    }

    /// Submitted by the gateway's account (here `stranger()`: no role in the package).
    fun submit(p: Pair) {
        submit_by(h::stranger(), p)
    }

    // The payment.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_customer_code_is_collected_in_one_transaction(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        h::mint(h::stranger(), 1_000);
        let supply = h::supply();
        let p = pair(&t, &c);
        let expires_at = p.expires_at;
        assert!(!invoice::invoice_exists(h::merchant(), order()), 1);
        submit(p);
        assert!(h::balance(c.addr) == FUNDS - AMOUNT, 2);
        assert!(h::balance(h::payout()) == AMOUNT - FEE && h::treasury() == FEE, 3);
        // The submitter pays gas only: none of its yen moves, and the terminal holds none.
        assert!(h::balance(h::stranger()) == 1_000 && h::balance(t.addr) == 0, 4);
        assert!(h::supply() == supply, 5);
        let record = invoice::invoice(h::merchant(), order());
        assert!(record.amount() == AMOUNT && record.created_by() == t.addr, 6);
        assert!(record.created_at() == h::now() && record.expires_at() == expires_at, 7);
        let status = record.status();
        assert!(status.is_paid() && status.payer().destroy_some() == c.addr, 8);
        assert!(status.fee().destroy_some() == FEE && status.paid_at().destroy_some() == h::now(), 9);
        assert!(authorization::is_nonce_used(c.addr, NONCE), 10);
        assert!(
            event::was_event_emitted(
                &invoice::invoice_created_for_test(h::merchant(), order(), AMOUNT, expires_at, t.addr)
            ),
            11
        );
        assert!(
            event::was_event_emitted(
                &invoice::invoice_paid_for_test(h::merchant(), order(), c.addr, AMOUNT, FEE, AMOUNT - FEE, h::now())
            ),
            12
        );
        assert!(
            event::was_event_emitted(
                &authorization::transferred_with_authorization_for_test(c.addr, h::merchant(), AMOUNT, NONCE, @yenpay)
            ),
            13
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun whoever_submits_the_pair_the_same_order_is_paid(framework: &signer, publisher: &signer) {
        // The customer, the terminal itself or a stranger: the submitter changes nothing but who pays the gas.
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        submit_by(c.addr, pair(&t, &c));
        submit_by(t.addr, pair_for(&t, &c, h::merchant(), utf8(b"ORDER-0002"), AMOUNT, NONCE + 1));
        assert!(h::balance(c.addr) == FUNDS - 2 * AMOUNT, 1);
        assert!(h::balance(h::payout()) == 2 * (AMOUNT - FEE), 2);
        assert!(invoice::invoice_status(h::merchant(), utf8(b"ORDER-0002")).payer().destroy_some() == c.addr, 3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_merchant_owner_may_sign_the_request(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let owner = keyed();
        merchant_registry::register_merchant(
            publisher, owner.addr, utf8(b"Soba Kaze"), utf8(b"5812"), h::other_payout(), 0
        );
        let c = customer();
        submit(pair_for(&owner, &c, owner.addr, order(), AMOUNT, NONCE));
        assert!(h::balance(h::other_payout()) == AMOUNT && h::treasury() == 0, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_collection_is_refunded_and_purged_like_any_invoice(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::set_refund_window(publisher, 10);
        let t = terminal_of(h::merchant());
        let c = customer();
        submit(pair(&t, &c));
        let payout = &h::signer_of(h::payout());
        invoice::refund(payout, h::merchant(), order(), 4_000);
        invoice::refund(payout, h::merchant(), order(), AMOUNT - 4_000);
        assert!(h::balance(c.addr) == FUNDS && h::balance(h::payout()) == 0 && h::treasury() == 0, 1);
        // Kept until both the refund window and the request's expiry have passed.
        timestamp::fast_forward_seconds(10);
        assert!(!invoice::is_purgeable(h::merchant(), order()), 2);
        timestamp::fast_forward_seconds(TTL - 10);
        invoice::purge_invoices(publisher, vector[h::merchant()], vector[order()]);
        assert!(!invoice::invoice_exists(h::merchant(), order()), 3);
    }

    // The customer's code: what it binds.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_code_for_another_merchant_is_refused(framework: &signer, publisher: &signer) {
        // The customer's code names the other merchant; this merchant's terminal requests it for its own order.
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        p.signature = code_with(
            &c, h::chain(), stablecoin::metadata_address(), h::other_merchant(), AMOUNT, p.valid_after,
            p.valid_before, NONCE
        );
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun another_merchant_s_terminal_cannot_use_a_code(framework: &signer, publisher: &signer) {
        // The other merchant's terminal saw the code and requests it for its own order of the same amount.
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let other = terminal_of(h::other_merchant());
        let c = customer();
        let p = pair(&t, &c);
        p.merchant = h::other_merchant();
        p.terminal = other.addr;
        p.terminal_public_key = other.public_key;
        p.terminal_signature = request_with(
            &other, h::chain(), stablecoin::metadata_address(), h::other_merchant(), order(), AMOUNT, p.expires_at,
            c.addr, NONCE
        );
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_code_for_a_smaller_amount_does_not_pay_a_larger_order(framework: &signer, publisher: &signer) {
        // The customer authorized 5,000; the terminal requests 10,000 with it.
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        p.signature = code_with(
            &c, h::chain(), stablecoin::metadata_address(), h::merchant(), 5_000, p.valid_after, p.valid_before,
            NONCE
        );
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_code_of_another_deployment_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        p.signature = code_with(&c, h::chain(), @0xbeef, h::merchant(), AMOUNT, p.valid_after, p.valid_before, NONCE);
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_code_of_another_chain_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        p.signature = code_with(
            &c, h::chain() + 1, stablecoin::metadata_address(), h::merchant(), AMOUNT, p.valid_after, p.valid_before,
            NONCE
        );
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3001A, location = yenpay::authorization)] // EAUTHORIZATION_EXPIRED
    fun an_expired_code_is_refused(framework: &signer, publisher: &signer) {
        // The request (120 s) is still valid; the customer's code (60 s) is not.
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        timestamp::fast_forward_seconds(WINDOW);
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30019, location = yenpay::authorization)] // EAUTHORIZATION_NOT_YET_VALID
    fun a_code_not_yet_valid_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        p.valid_after = h::now();
        p.signature = code_with(
            &c, h::chain(), stablecoin::metadata_address(), h::merchant(), AMOUNT, p.valid_after, p.valid_before,
            NONCE
        );
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3001B, location = yenpay::authorization)] // EAUTHORIZATION_USED
    fun a_code_pays_one_order_only(framework: &signer, publisher: &signer) {
        // The terminal (or a relayer holding another request of it) uses the customer's code for a second order.
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        submit(pair(&t, &c));
        submit(pair_for(&t, &c, h::merchant(), utf8(b"ORDER-0002"), AMOUNT, NONCE));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3001B, location = yenpay::authorization)] // EAUTHORIZATION_USED
    fun a_code_whose_nonce_the_customer_cancelled_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        authorization::cancel_nonces(&h::signer_of(c.addr), NONCE >> 8, 1 << ((NONCE & 0xff) as u8));
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3001B, location = yenpay::authorization)] // EAUTHORIZATION_USED
    fun a_nonce_spent_by_a_transfer_is_refused(framework: &signer, publisher: &signer) {
        // One nonce space for every holder message.
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        let transfer = authorization::new_transfer_authorization_for_test(
            h::chain(), stablecoin::metadata_address(), c.addr, h::stranger(), 100, p.valid_after, p.valid_before,
            NONCE
        );
        stablecoin::transfer_with_authorization(
            &h::signer_of(h::stranger()), c.addr, h::stranger(), 100, p.valid_after, p.valid_before, NONCE,
            c.public_key, ed25519::signature_to_bytes(&ed25519::sign_struct(&c.sk, transfer))
        );
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_transfer_authorization_is_not_a_customer_code(framework: &signer, publisher: &signer) {
        // A transfer to the merchant with every field right would skip the fee; it does not verify as a code.
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        let transfer = authorization::new_transfer_authorization_for_test(
            h::chain(), stablecoin::metadata_address(), c.addr, h::merchant(), AMOUNT, p.valid_after,
            p.valid_before, NONCE
        );
        p.signature = ed25519::signature_to_bytes(&ed25519::sign_struct(&c.sk, transfer));
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001D, location = yenpay::authorization)] // EPUBLIC_KEY_MISMATCH
    fun a_code_signed_with_another_key_is_refused(framework: &signer, publisher: &signer) {
        // Someone signs in the customer's name: the key is not the customer account's.
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let thief = customer();
        let p = pair(&t, &c);
        let code = authorization::new_collection_authorization_for_test(
            h::chain(), stablecoin::metadata_address(), c.addr, h::merchant(), AMOUNT, p.valid_after,
            p.valid_before, NONCE
        );
        p.public_key = thief.public_key;
        p.signature = ed25519::signature_to_bytes(&ed25519::sign_struct(&thief.sk, code));
        submit(p);
    }

    // The terminal's request: what it binds, and the pairing.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_request_pairs_with_the_code_it_names_only(framework: &signer, publisher: &signer) {
        // A relayer holds the terminal's request for the customer's nonce 7 and another code of the same customer,
        // merchant and amount (nonce 8): it cannot settle the order with that one.
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        p.nonce = NONCE + 1;
        p.signature = code_with(
            &c, h::chain(), stablecoin::metadata_address(), h::merchant(), AMOUNT, p.valid_after, p.valid_before,
            NONCE + 1
        );
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_request_does_not_take_another_customer_s_code(framework: &signer, publisher: &signer) {
        // The order was requested for one customer's code; a relayer pairs it with another customer's code of the
        // same merchant, amount and nonce (seen over a shoulder), to make that customer pay this order.
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let victim = customer();
        let p = pair(&t, &c);
        let theirs = pair(&t, &victim);
        p.from = victim.addr;
        p.public_key = theirs.public_key;
        p.signature = theirs.signature;
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_merchant_presented_code_is_not_a_request(framework: &signer, publisher: &signer) {
        // A dynamic QR code on a till's screen is public: an `InvoiceOffer` for the same order and amount must not
        // let whoever sees it settle the order with a customer's code it also saw.
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        let offer = authorization::new_invoice_offer_for_test(
            h::chain(), stablecoin::metadata_address(), h::merchant(), t.addr, order(), AMOUNT, p.expires_at
        );
        p.terminal_signature = ed25519::signature_to_bytes(&ed25519::sign_struct(&t.sk, offer));
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_request_is_not_a_merchant_presented_code(framework: &signer, publisher: &signer) {
        // The other way round: whoever sees a request cannot pay the order with its own funds, racing the customer.
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        invoice::pay_signed_invoice(
            &h::signer_of(h::payer()), h::merchant(), t.addr, order(), AMOUNT, p.expires_at, t.public_key,
            p.terminal_signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun another_order_than_requested_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        p.order_ref = utf8(b"ORDER-0002");
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun another_amount_than_both_signed_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        p.amount = AMOUNT - 1;
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_later_expiry_than_requested_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        p.expires_at = p.expires_at + 60;
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_request_of_another_deployment_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        p.terminal_signature = request_with(
            &t, h::chain(), @0xbeef, h::merchant(), order(), AMOUNT, p.expires_at, c.addr, NONCE
        );
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_request_of_another_chain_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        p.terminal_signature = request_with(
            &t, h::chain() + 1, stablecoin::metadata_address(), h::merchant(), order(), AMOUNT, p.expires_at, c.addr,
            NONCE
        );
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::invoice)] // EINVOICE_EXPIRED
    fun an_expired_request_is_refused(framework: &signer, publisher: &signer) {
        // The customer's code is still valid; the terminal's request is not.
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        p.expires_at = h::now() + 30;
        p.terminal_signature = request_with(
            &t, h::chain(), stablecoin::metadata_address(), h::merchant(), order(), AMOUNT, p.expires_at, c.addr,
            NONCE
        );
        timestamp::fast_forward_seconds(30);
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10017, location = yenpay::invoice)] // EEXPIRY_TOO_FAR
    fun a_request_valid_longer_than_a_day_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        p.expires_at = h::now() + MAX_TTL + 1;
        p.terminal_signature = request_with(
            &t, h::chain(), stablecoin::metadata_address(), h::merchant(), order(), AMOUNT, p.expires_at, c.addr,
            NONCE
        );
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30007, location = yenpay::invoice)] // EINVOICE_ALREADY_PAID
    fun an_order_is_collected_once(framework: &signer, publisher: &signer) {
        // A second code of the same customer (a fresh nonce) for an order already paid.
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        submit(pair(&t, &c));
        submit(pair_for(&t, &c, h::merchant(), order(), AMOUNT, NONCE + 1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30007, location = yenpay::invoice)] // EINVOICE_ALREADY_PAID
    fun an_order_paid_with_a_merchant_presented_code_is_not_collected(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        let offer = authorization::new_invoice_offer_for_test(
            h::chain(), stablecoin::metadata_address(), h::merchant(), t.addr, order(), AMOUNT, p.expires_at
        );
        invoice::pay_signed_invoice(
            &h::signer_of(h::payer()), h::merchant(), t.addr, order(), AMOUNT, p.expires_at, t.public_key,
            ed25519::signature_to_bytes(&ed25519::sign_struct(&t.sk, offer))
        );
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::invoice)] // EINVOICE_CANCELLED
    fun a_cancelled_order_is_not_collected(framework: &signer, publisher: &signer) {
        // The till cancels the order before the pair is submitted (`cancel_signed_invoice`, until the expiry).
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        invoice::cancel_signed_invoice(&h::signer_of(t.addr), h::merchant(), order(), p.expires_at);
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_failed_collection_leaves_the_code_usable(framework: &signer, publisher: &signer) {
        // The order was cancelled, so that pair fails and spends nothing (an abort undoes the transaction); the
        // customer's code then settles the till's new order.
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        invoice::cancel_signed_invoice(&h::signer_of(t.addr), h::merchant(), order(), h::now() + TTL);
        assert!(!authorization::is_nonce_used(c.addr, NONCE), 1);
        submit(pair_for(&t, &c, h::merchant(), utf8(b"ORDER-0002"), AMOUNT, NONCE));
        assert!(h::balance(c.addr) == FUNDS - AMOUNT, 2);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun a_revoked_terminal_s_request_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        merchant_registry::remove_terminal(&h::signer_of(h::merchant()), t.addr);
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun a_moved_terminal_no_longer_collects_for_its_old_merchant(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        merchant_registry::remove_terminal(&h::signer_of(h::merchant()), t.addr);
        merchant_registry::add_terminal(&h::signer_of(h::other_merchant()), t.addr);
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_moved_terminal_s_old_request_does_not_collect_for_its_new_merchant(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        merchant_registry::remove_terminal(&h::signer_of(h::merchant()), t.addr);
        merchant_registry::add_terminal(&h::signer_of(h::other_merchant()), t.addr);
        p.merchant = h::other_merchant();
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun a_stranger_s_request_is_refused(framework: &signer, publisher: &signer) {
        // Signed by an account that is no terminal of the merchant: the pair is refused before any signature.
        h::setup(framework, publisher);
        let stranger = keyed();
        let c = customer();
        submit(pair(&stranger, &c));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001D, location = yenpay::authorization)] // EPUBLIC_KEY_MISMATCH
    fun a_request_signed_with_another_terminal_s_key_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let impostor = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        let request = authorization::new_collection_request_for_test(
            h::chain(), stablecoin::metadata_address(), h::merchant(), t.addr, order(), AMOUNT, p.expires_at, c.addr,
            NONCE
        );
        p.terminal_public_key = impostor.public_key;
        p.terminal_signature = ed25519::signature_to_bytes(&ed25519::sign_struct(&impostor.sk, request));
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_tampered_request_signature_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        p.terminal_signature[0] ^= 1;
        submit(p);
    }

    // Controls and status.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::merchant_registry)] // EMERCHANT_NOT_ACTIVE
    fun a_suspended_merchant_collects_nothing(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        merchant_registry::suspend_merchant(publisher, h::merchant(), 1);
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_denylisted_terminal_s_request_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        controls::denylist(publisher, t.addr);
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // controls EDENYLISTED
    fun a_denylisted_customer_s_code_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        controls::denylist(publisher, c.addr);
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // controls EDENYLISTED
    fun a_collection_to_a_denylisted_payout_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        controls::denylist(publisher, h::payout());
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::controls)] // controls EPAUSED
    fun nothing_is_collected_while_paused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        controls::pause(publisher);
        submit(p);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x2000A, location = yenpay::controls)] // controls EAMOUNT_EXCEEDS_CAP
    fun a_collection_above_the_cap_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = terminal_of(h::merchant());
        let c = customer();
        let p = pair(&t, &c);
        controls::set_transfer_cap(publisher, AMOUNT - 1);
        submit(p);
    }

    // The known answer.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun known_answer_request_verifies(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        assert!(stablecoin::metadata_address() == KAT_METADATA, 1);
        let pk = ed25519::new_unvalidated_public_key_from_bytes(KAT_PUBLIC_KEY);
        assert!(ed25519::unvalidated_public_key_to_authentication_key(&pk) == bcs::to_bytes(&KAT_TERMINAL), 2);
        let request = authorization::new_collection_request_for_test(
            4, KAT_METADATA, KAT_MERCHANT, KAT_TERMINAL, order(), KAT_AMOUNT, KAT_EXPIRES_AT, KAT_FROM, KAT_NONCE
        );
        assert!(bcs::to_bytes(&ed25519::new_signed_message(request)) == KAT_MESSAGE, 3);
        let signature = ed25519::new_signature_from_bytes(KAT_SIGNATURE);
        assert!(ed25519::signature_verify_strict_t(&signature, &pk, request), 4);
        // And through the package's own check, for a terminal account of that key.
        account::create_account_for_test(KAT_TERMINAL);
        authorization::verify_collection_request(
            KAT_METADATA, KAT_MERCHANT, KAT_TERMINAL, order(), KAT_AMOUNT, KAT_EXPIRES_AT, KAT_FROM, KAT_NONCE,
            KAT_PUBLIC_KEY, KAT_SIGNATURE
        );
    }
}
