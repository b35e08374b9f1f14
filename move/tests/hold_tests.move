#[test_only]
/// Holds (`yenpay::hold`): a customer's signed payment puts funds into the package's escrow, then capture (partial,
/// repeatable, with a tip within the agreed limit), incremental authorization, partial and full void, reclaim after
/// the authorization expiry, refunds of captured money, seizure of a denylisted customer's hold, and the purge.
/// The invariants: captured + tipped + released never exceed authorized + tip limit (and equal it once closed); the
/// escrow holds exactly what the open holds hold; a reclaim pays the customer only; no capture at or after expiry;
/// the fee never exceeds what was captured. Every privileged entry function aborts for every other signer with its
/// exact code. The known answers of `HoldOffer` and `HoldAuthorization` (testdata/known_answers.md) are pinned here
/// and in crates/yenpay-types/src/hold.rs.
///
/// Abort codes are category * 0x10000 + reason (std::error): invalid_argument 0x1, out_of_range 0x2,
/// invalid_state 0x3, permission_denied 0x5, not_found 0x6, already_exists 0x8.
module yenpay::hold_tests {
    use std::bcs;
    use std::string::{String, utf8};
    use aptos_std::ed25519;
    use aptos_std::from_bcs;
    use aptos_framework::account;
    use aptos_framework::event;
    use aptos_framework::timestamp;
    use yenpay::authorization;
    use yenpay::controls;
    use yenpay::hold;
    use yenpay::invoice;
    use yenpay::merchant_registry;
    use yenpay::stablecoin;
    use yenpay::settlement_test_helpers as h;

    /// The fuel pump's pre-authorization and the final amount; at the merchant's 3% the fee on 6,380 is 191.
    const PREAUTH: u64 = 10_000;
    const FUEL: u64 = 6_380;
    const FUEL_FEE: u64 = 191;
    /// Lifetime of the codes signed here, and of the holds' authorizations.
    const TTL: u64 = 300;
    const HOLD_SECS: u64 = 3_600;
    /// `hold::MAX_HOLD_SECS`.
    const MAX_HOLD: u64 = 2_678_400;
    const SHORT_WINDOW: u64 = 10;

    // Known answers (testdata/known_answers.md): Ed25519 seed = 32 bytes of 0x07, chain id 4, @yenpay = 0xcafe.
    const KAT_PUBLIC_KEY: vector<u8> = x"ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c";
    const KAT_SIGNER: address = @0xcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad;
    const KAT_METADATA: address = @0x72ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18;
    const KAT_MERCHANT: address = @0xb0b;
    /// BCS of `SignedMessage<HoldOffer>`: terminal = the key's account, hold reference "HOLD-0001", amount 10000,
    /// tip limit 1500, capture before 2000003600, expires at 2000000000.
    const KAT_OFFER_MESSAGE: vector<u8> = x"000000000000000000000000000000000000000000000000000000000000cafe0d617574686f72697a6174696f6e09486f6c644f666665720472ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a180000000000000000000000000000000000000000000000000000000000000b0bcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad09484f4c442d303030311027000000000000dc0500000000000010a23577000000000094357700000000";
    const KAT_OFFER_SIGNATURE: vector<u8> = x"3ed85955cc426fbcaeac8ffdc9f6260defcba3ee29a47bdfdff0b3dcb199780ad79e57bf1a472025a27e8c3421eff4a14d858b70732d6b30cdea1241b6f41009";
    /// BCS of `SignedMessage<ReviewHoldOffer>`: the same code, naming reviewer 0x4e71e3.
    const KAT_REVIEW_OFFER_MESSAGE: vector<u8> = x"000000000000000000000000000000000000000000000000000000000000cafe0d617574686f72697a6174696f6e0f526576696577486f6c644f666665720472ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a180000000000000000000000000000000000000000000000000000000000000b0bcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad00000000000000000000000000000000000000000000000000000000004e71e309484f4c442d303030311027000000000000dc0500000000000010a23577000000000094357700000000";
    const KAT_REVIEW_OFFER_SIGNATURE: vector<u8> = x"67f42cd721b2560b85b53eeb86d4249b75347ab238ebcc7ed44c6a17f83253c1be2bcc2b12717d0bbd9f044a2ffaccbe0c1d6925ac62e31f565c1b8db8af8703";
    /// BCS of `SignedMessage<HoldAuthorization>`: from = the key's account, amount 10000, tip limit 1500, capture
    /// before 2000003600, valid after 1700000000, valid before 2000000000, nonce 42.
    const KAT_AUTH_MESSAGE: vector<u8> = x"000000000000000000000000000000000000000000000000000000000000cafe0d617574686f72697a6174696f6e11486f6c64417574686f72697a6174696f6e0472ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18cc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad0000000000000000000000000000000000000000000000000000000000000b0b1027000000000000dc0500000000000010a235770000000000f153650000000000943577000000002a00000000000000";
    const KAT_AUTH_SIGNATURE: vector<u8> = x"614a0cbc643a0515e56c0474e83360c2e0df99fdad96c1fffc8b02c723b182ff00317888bdc352af537ec9455791529cccc58f8bddd4b5fe1443c3137a365906";

    /// An account with an Ed25519 key, whose address is its authentication key.
    struct Keyed has drop {
        sk: ed25519::SecretKey,
        public_key: vector<u8>,
        addr: address,
    }

    fun ref(): String { utf8(b"PUMP-7") }
    fun ref2(): String { utf8(b"TABLE-12") }

    fun new_keyed(): Keyed {
        let (sk, pk) = ed25519::generate_keys();
        let addr = from_bcs::to_address(ed25519::validated_public_key_to_authentication_key(&pk));
        account::create_account_for_test(addr);
        Keyed { sk, public_key: ed25519::validated_public_key_to_bytes(&pk), addr }
    }

    /// A keyed terminal of the merchant.
    fun new_terminal(): Keyed {
        let t = new_keyed();
        merchant_registry::add_terminal(&h::signer_of(h::merchant()), t.addr);
        t
    }

    fun sign_offer(
        t: &Keyed, merchant: address, hold_ref: String, amount: u64, tip_limit: u64, capture_before: u64,
        expires_at: u64
    ): vector<u8> {
        let offer = authorization::new_hold_offer_for_test(
            h::chain(), stablecoin::metadata_address(), merchant, t.addr, hold_ref, amount, tip_limit, capture_before,
            expires_at
        );
        ed25519::signature_to_bytes(&ed25519::sign_struct(&t.sk, offer))
    }

    /// The payer takes a hold `t` signed, for the merchant; returns its `capture_before`.
    fun take(t: &Keyed, hold_ref: String, amount: u64, tip_limit: u64): u64 {
        let capture_before = h::now() + HOLD_SECS;
        let expires_at = h::now() + TTL;
        let signature = sign_offer(t, h::merchant(), hold_ref, amount, tip_limit, capture_before, expires_at);
        hold::authorize_signed_hold(
            &h::signer_of(h::payer()), h::merchant(), t.addr, hold_ref, amount, tip_limit, capture_before, expires_at,
            t.public_key, signature
        );
        capture_before
    }

    fun setup_hold(framework: &signer, publisher: &signer, amount: u64, tip_limit: u64): Keyed {
        h::setup(framework, publisher);
        let t = new_terminal();
        take(&t, ref(), amount, tip_limit);
        t
    }

    fun m(): signer { h::signer_of(h::merchant()) }
    fun later(secs: u64) { timestamp::fast_forward_seconds(secs) }

    /// The accounting identity of one hold, and the fee bound.
    fun assert_accounts(merchant: address, hold_ref: String) {
        let r = hold::hold(merchant, hold_ref);
        let out = r.captured() + r.tipped() + r.released();
        assert!(out + hold::held(merchant, hold_ref) == r.authorized() + r.tip_limit(), 900);
        assert!(r.captured() <= r.authorized() && r.tipped() <= r.tip_limit(), 901);
        assert!(r.fee() <= r.captured() + r.tipped(), 902);
        assert!(r.is_open() == (hold::held(merchant, hold_ref) > 0), 903);
    }

    // Taking a hold.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_signed_code_puts_the_funds_in_escrow(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal();
        let supply = h::supply();
        let capture_before = take(&t, ref(), PREAUTH, 500);
        assert!(h::balance(h::payer()) == h::payer_funds() - PREAUTH - 500, 1);
        assert!(hold::escrow_balance() == PREAUTH + 500, 2);
        assert!(h::balance(h::payout()) == 0 && h::balance(h::merchant()) == 0, 3);
        assert!(h::supply() == supply, 4);
        let r = hold::hold(h::merchant(), ref());
        assert!(r.customer() == h::payer() && r.created_by() == t.addr && r.merchant() == h::merchant(), 5);
        assert!(r.authorized() == PREAUTH && r.tip_limit() == 500 && r.capture_before() == capture_before, 6);
        assert!(r.expires_at() == h::now() + TTL && r.created_at() == h::now(), 7);
        assert!(r.refund_window_secs() == invoice::refund_window() && r.hold_ref() == ref(), 8);
        assert!(r.is_open() && hold::is_capturable(h::merchant(), ref()), 9);
        assert!(hold::hold_exists(h::merchant(), ref()) && !hold::hold_exists(h::merchant(), ref2()), 10);
        assert!(!hold::is_capturable(h::merchant(), ref2()) && !hold::is_purgeable(h::merchant(), ref2()), 11);
        assert!(
            event::was_event_emitted(
                &hold::hold_authorized_for_test(
                    h::merchant(), ref(), h::payer(), PREAUTH, 500, capture_before, t.addr
                )
            ),
            12
        );
        assert!(controls::is_approved_store(stablecoin::primary_store_address(hold::escrow_address())), 13);
        assert_accounts(h::merchant(), ref());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x80003, location = yenpay::hold)] // EHOLD_EXISTS
    fun a_signed_code_is_used_once(framework: &signer, publisher: &signer) {
        let t = setup_hold(framework, publisher, PREAUTH, 0);
        take(&t, ref(), PREAUTH, 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_code_for_less_does_not_hold_more(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal();
        let (cb, exp) = (h::now() + HOLD_SECS, h::now() + TTL);
        let signature = sign_offer(&t, h::merchant(), ref(), PREAUTH, 0, cb, exp);
        hold::authorize_signed_hold(
            &h::signer_of(h::payer()), h::merchant(), t.addr, ref(), PREAUTH, 100, cb, exp, t.public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun an_invoice_offer_does_not_verify_as_a_hold_offer(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal();
        let exp = h::now() + TTL;
        let offer = authorization::new_invoice_offer_for_test(
            h::chain(), stablecoin::metadata_address(), h::merchant(), t.addr, ref(), PREAUTH, exp
        );
        let signature = ed25519::signature_to_bytes(&ed25519::sign_struct(&t.sk, offer));
        hold::authorize_signed_hold(
            &h::signer_of(h::payer()), h::merchant(), t.addr, ref(), PREAUTH, 0, exp, exp, t.public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_hold_offer_does_not_verify_as_an_invoice_offer(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal();
        let exp = h::now() + TTL;
        let signature = sign_offer(&t, h::merchant(), ref(), PREAUTH, 0, exp, exp);
        invoice::pay_signed_invoice(
            &h::signer_of(h::payer()), h::merchant(), t.addr, ref(), PREAUTH, exp, t.public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun another_merchants_terminal_cannot_sign_a_hold(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_keyed();
        merchant_registry::add_terminal(&h::signer_of(h::other_merchant()), t.addr);
        take(&t, ref(), PREAUTH, 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::hold)] // ECODE_EXPIRED
    fun an_expired_code_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal();
        let (cb, exp) = (h::now() + HOLD_SECS, h::now() + TTL);
        let signature = sign_offer(&t, h::merchant(), ref(), PREAUTH, 0, cb, exp);
        later(TTL);
        hold::authorize_signed_hold(
            &h::signer_of(h::payer()), h::merchant(), t.addr, ref(), PREAUTH, 0, cb, exp, t.public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10009, location = yenpay::hold)] // EEXPIRY_TOO_FAR
    fun a_code_valid_for_more_than_a_day_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal();
        let (cb, exp) = (h::now() + HOLD_SECS * 48, h::now() + 86_401);
        let signature = sign_offer(&t, h::merchant(), ref(), PREAUTH, 0, cb, exp);
        hold::authorize_signed_hold(
            &h::signer_of(h::payer()), h::merchant(), t.addr, ref(), PREAUTH, 0, cb, exp, t.public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000A, location = yenpay::hold)] // EINVALID_CAPTURE_BEFORE
    fun an_authorization_longer_than_the_maximum_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal();
        let (cb, exp) = (h::now() + MAX_HOLD + 1, h::now() + TTL);
        let signature = sign_offer(&t, h::merchant(), ref(), PREAUTH, 0, cb, exp);
        hold::authorize_signed_hold(
            &h::signer_of(h::payer()), h::merchant(), t.addr, ref(), PREAUTH, 0, cb, exp, t.public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000A, location = yenpay::hold)] // EINVALID_CAPTURE_BEFORE
    fun an_authorization_already_expired_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal();
        let (cb, exp) = (h::now(), h::now() + TTL);
        let signature = sign_offer(&t, h::merchant(), ref(), PREAUTH, 0, cb, exp);
        hold::authorize_signed_hold(
            &h::signer_of(h::payer()), h::merchant(), t.addr, ref(), PREAUTH, 0, cb, exp, t.public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10001, location = yenpay::hold)] // EINVALID_HOLD_REF
    fun an_empty_reference_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal();
        take(&t, utf8(b""), PREAUTH, 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10002, location = yenpay::hold)] // EZERO_AMOUNT
    fun a_zero_hold_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal();
        take(&t, ref(), 0, 100);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000B, location = yenpay::hold)] // EAMOUNT_OVER_CAP
    fun a_hold_and_its_tip_limit_stay_within_the_cap(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        controls::set_transfer_cap(publisher, 1_000_000);
        let t = new_terminal();
        take(&t, ref(), 1_000_000, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::merchant_registry)] // EMERCHANT_NOT_ACTIVE
    fun a_suspended_merchant_takes_no_hold(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal();
        merchant_registry::suspend_merchant(publisher, h::merchant(), 1);
        take(&t, ref(), PREAUTH, 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::controls)] // EPAUSED
    fun no_hold_is_taken_while_paused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal();
        controls::pause(publisher);
        take(&t, ref(), PREAUTH, 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // EDENYLISTED
    fun a_denylisted_customer_takes_no_hold(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal();
        controls::denylist(publisher, h::payer());
        take(&t, ref(), PREAUTH, 0);
    }

    // The customer-presented code.

    fun sign_authorization(c: &Keyed, merchant: address, amount: u64, tip_limit: u64, cb: u64, nonce: u64): vector<u8> {
        let message = authorization::new_hold_authorization_for_test(
            h::chain(), stablecoin::metadata_address(), c.addr, merchant, amount, tip_limit, cb, h::now() - 1,
            h::now() + TTL, nonce
        );
        ed25519::signature_to_bytes(&ed25519::sign_struct(&c.sk, message))
    }

    fun collect(by: address, c: &Keyed, hold_ref: String, amount: u64, tip_limit: u64, cb: u64, nonce: u64, sig: vector<u8>) {
        hold::authorize_with_customer_signature(
            &h::signer_of(by), h::merchant(), hold_ref, c.addr, amount, tip_limit, cb, h::now() - 1, h::now() + TTL,
            nonce, c.public_key, sig
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_terminal_takes_a_hold_with_the_customers_signature(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let c = new_keyed();
        h::mint(c.addr, 20_000);
        let cb = h::now() + HOLD_SECS;
        let sig = sign_authorization(&c, h::merchant(), PREAUTH, 1_000, cb, 7);
        collect(h::terminal(), &c, ref(), PREAUTH, 1_000, cb, 7, sig);
        assert!(h::balance(c.addr) == 20_000 - PREAUTH - 1_000, 1);
        assert!(hold::escrow_balance() == PREAUTH + 1_000, 2);
        let r = hold::hold(h::merchant(), ref());
        assert!(r.customer() == c.addr && r.created_by() == h::terminal() && r.expires_at() == h::now(), 3);
        assert!(authorization::is_nonce_used(c.addr, 7), 4);
        hold::capture(&h::signer_of(h::terminal()), h::merchant(), ref(), 4_000, 600, true);
        assert!(h::balance(c.addr) == 20_000 - 4_600, 5);
        assert!(hold::escrow_balance() == 0, 6);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3001B, location = yenpay::authorization)] // EAUTHORIZATION_USED
    fun a_customers_authorization_is_used_once(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let c = new_keyed();
        h::mint(c.addr, 50_000);
        let cb = h::now() + HOLD_SECS;
        let sig = sign_authorization(&c, h::merchant(), PREAUTH, 0, cb, 7);
        collect(h::terminal(), &c, ref(), PREAUTH, 0, cb, 7, sig);
        collect(h::terminal(), &c, ref2(), PREAUTH, 0, cb, 7, sig);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun only_the_merchant_collects_a_customers_hold_authorization(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let c = new_keyed();
        h::mint(c.addr, 20_000);
        let cb = h::now() + HOLD_SECS;
        let sig = sign_authorization(&c, h::merchant(), PREAUTH, 0, cb, 7);
        collect(h::other_terminal(), &c, ref(), PREAUTH, 0, cb, 7, sig);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_collection_authorization_does_not_verify_as_a_hold_authorization(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let c = new_keyed();
        h::mint(c.addr, 20_000);
        let message = authorization::new_collection_authorization_for_test(
            h::chain(), stablecoin::metadata_address(), c.addr, h::merchant(), PREAUTH, h::now() - 1, h::now() + TTL, 7
        );
        let sig = ed25519::signature_to_bytes(&ed25519::sign_struct(&c.sk, message));
        collect(h::terminal(), &c, ref(), PREAUTH, 0, h::now() + HOLD_SECS, 7, sig);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_customers_authorization_binds_the_tip_limit(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let c = new_keyed();
        h::mint(c.addr, 20_000);
        let cb = h::now() + HOLD_SECS;
        let sig = sign_authorization(&c, h::merchant(), PREAUTH, 0, cb, 7);
        collect(h::terminal(), &c, ref(), PREAUTH, 1, cb, 7, sig);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::merchant_registry)] // EMERCHANT_NOT_ACTIVE
    fun a_suspended_merchant_collects_no_hold(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let c = new_keyed();
        h::mint(c.addr, 20_000);
        merchant_registry::suspend_merchant(publisher, h::merchant(), 1);
        let cb = h::now() + HOLD_SECS;
        let sig = sign_authorization(&c, h::merchant(), PREAUTH, 0, cb, 7);
        collect(h::terminal(), &c, ref(), PREAUTH, 0, cb, 7, sig);
    }

    // Capture.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun fuel_pump_captures_the_final_amount_and_releases_the_rest(framework: &signer, publisher: &signer) {
        let t = setup_hold(framework, publisher, PREAUTH, 0);
        let supply = h::supply();
        hold::capture(&h::signer_of(t.addr), h::merchant(), ref(), FUEL, 0, true);
        assert!(h::balance(h::payer()) == h::payer_funds() - FUEL, 1);
        assert!(h::balance(h::payout()) == FUEL - FUEL_FEE && h::treasury() == FUEL_FEE, 2);
        assert!(hold::escrow_balance() == 0 && hold::held(h::merchant(), ref()) == 0, 3);
        let r = hold::hold(h::merchant(), ref());
        assert!(!r.is_open() && r.captured() == FUEL && r.released() == PREAUTH - FUEL && r.fee() == FUEL_FEE, 4);
        assert!(r.captured_at() == h::now(), 5);
        assert!(h::supply() == supply, 6);
        assert!(
            event::was_event_emitted(
                &hold::hold_captured_for_test(
                    h::merchant(), ref(), h::payer(), FUEL, 0, FUEL_FEE, FUEL - FUEL_FEE, PREAUTH - FUEL, 0, t.addr
                )
            ),
            7
        );
        assert_accounts(h::merchant(), ref());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun restaurant_adds_a_tip_within_the_agreed_limit(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, 5_000, 1_000);
        hold::capture(&m(), h::merchant(), ref(), 5_000, 700, true);
        // Fee on 5,700 at 3% = 171; 300 of the tip limit back to the customer.
        assert!(h::balance(h::payout()) == 5_700 - 171 && h::treasury() == 171, 1);
        assert!(h::balance(h::payer()) == h::payer_funds() - 5_700, 2);
        let r = hold::hold(h::merchant(), ref());
        assert!(r.tipped() == 700 && r.released() == 300 && !r.is_open(), 3);
        assert_accounts(h::merchant(), ref());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000D, location = yenpay::hold)] // ETIP_OVER_LIMIT
    fun a_tip_above_the_limit_is_refused(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, 5_000, 1_000);
        hold::capture(&m(), h::merchant(), ref(), 4_000, 600, false);
        hold::capture(&m(), h::merchant(), ref(), 500, 401, false);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000C, location = yenpay::hold)] // ECAPTURE_EXCEEDS_AUTHORIZED
    fun the_tip_limit_cannot_be_captured_as_an_amount(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, 5_000, 1_000);
        hold::capture(&m(), h::merchant(), ref(), 5_001, 0, false);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun partial_captures_repeat_up_to_the_authorized_amount(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::capture(&m(), h::merchant(), ref(), 3_000, 0, false);
        assert_accounts(h::merchant(), ref());
        hold::capture(&h::signer_of(h::terminal()), h::merchant(), ref(), 3_000, 0, false);
        assert!(hold::held(h::merchant(), ref()) == 4_000 && hold::escrow_balance() == 4_000, 1);
        hold::capture(publisher, h::merchant(), ref(), 4_000, 0, false);
        assert!(hold::held(h::merchant(), ref()) == 0 && !hold::hold(h::merchant(), ref()).is_open(), 2);
        assert!(h::treasury() == 90 + 90 + 120 && h::balance(h::payout()) == PREAUTH - 300, 3);
        assert!(hold::hold(h::merchant(), ref()).fee() == 300, 4);
        assert_accounts(h::merchant(), ref());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30005, location = yenpay::hold)] // EHOLD_CLOSED
    fun a_closed_hold_is_not_captured_again(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::capture(&m(), h::merchant(), ref(), FUEL, 0, true);
        hold::capture(&m(), h::merchant(), ref(), 1, 0, false);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000E, location = yenpay::hold)] // EEXCEEDS_HELD
    fun a_capture_after_a_partial_void_is_bounded_by_what_is_held(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::void(&m(), h::merchant(), ref(), 4_000);
        hold::capture(&m(), h::merchant(), ref(), 6_001, 0, false);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10002, location = yenpay::hold)] // EZERO_AMOUNT
    fun a_zero_capture_is_refused(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 100);
        hold::capture(&m(), h::merchant(), ref(), 0, 100, false);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30006, location = yenpay::hold)] // EHOLD_EXPIRED
    fun no_capture_at_the_authorization_expiry(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        later(HOLD_SECS);
        assert!(!hold::is_capturable(h::merchant(), ref()), 1);
        hold::capture(&m(), h::merchant(), ref(), FUEL, 0, true);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_capture_just_before_the_expiry_goes_through(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        later(HOLD_SECS - 1);
        hold::capture(&m(), h::merchant(), ref(), FUEL, 0, false);
        assert!(hold::held(h::merchant(), ref()) == PREAUTH - FUEL, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000F, location = yenpay::hold)] // ENOT_MERCHANT_OR_OPERATOR
    fun a_stranger_cannot_capture(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::capture(&h::signer_of(h::stranger()), h::merchant(), ref(), FUEL, 0, true);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000F, location = yenpay::hold)] // ENOT_MERCHANT_OR_OPERATOR
    fun another_merchants_terminal_cannot_capture(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::capture(&h::signer_of(h::other_terminal()), h::merchant(), ref(), FUEL, 0, true);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000F, location = yenpay::hold)] // ENOT_MERCHANT_OR_OPERATOR
    fun the_customer_cannot_capture(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::capture(&h::signer_of(h::payer()), h::merchant(), ref(), FUEL, 0, true);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_denylisted_terminal_cannot_capture(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        controls::denylist(publisher, h::terminal());
        hold::capture(&h::signer_of(h::terminal()), h::merchant(), ref(), FUEL, 0, true);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::merchant_registry)] // EMERCHANT_NOT_ACTIVE
    fun a_suspended_merchant_cannot_capture(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        merchant_registry::suspend_merchant(publisher, h::merchant(), 1);
        hold::capture(publisher, h::merchant(), ref(), FUEL, 0, true);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // EDENYLISTED
    fun no_capture_to_a_denylisted_payout(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        controls::denylist(publisher, h::payout());
        hold::capture(&m(), h::merchant(), ref(), FUEL, 0, true);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_new_payout_address_captures_after_the_old_one_is_denylisted(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        controls::denylist(publisher, h::payout());
        merchant_registry::set_payout_address(&m(), @0xa9);
        hold::capture(&m(), h::merchant(), ref(), FUEL, 0, true);
        assert!(h::balance(@0xa9) == FUEL - FUEL_FEE && h::balance(h::payout()) == 0, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_denylisted_customers_hold_is_not_captured(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        controls::denylist(publisher, h::payer());
        hold::capture(&m(), h::merchant(), ref(), FUEL, 0, true);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::controls)] // EPAUSED
    fun no_capture_while_paused(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        controls::pause(publisher);
        hold::capture(&m(), h::merchant(), ref(), FUEL, 0, true);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_zero_fee_merchant_captures_everything(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        merchant_registry::set_fee_bps(publisher, h::merchant(), 0);
        hold::capture(&m(), h::merchant(), ref(), FUEL, 0, false);
        assert!(h::balance(h::payout()) == FUEL && h::treasury() == 0, 1);
        assert!(hold::hold(h::merchant(), ref()).fee() == 0, 2);
    }

    // Incremental authorization.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_customer_raises_and_extends_a_hold(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        let cb = h::now() + HOLD_SECS * 24;
        hold::increase_authorization(&h::signer_of(h::payer()), h::merchant(), ref(), 3_000, cb);
        let r = hold::hold(h::merchant(), ref());
        assert!(r.authorized() == 13_000 && r.capture_before() == cb, 1);
        assert!(hold::escrow_balance() == 13_000 && h::balance(h::payer()) == h::payer_funds() - 13_000, 2);
        assert!(event::was_event_emitted(&hold::hold_increased_for_test(h::merchant(), ref(), 3_000, 13_000, cb)), 3);
        later(HOLD_SECS * 2);
        hold::capture(&m(), h::merchant(), ref(), 13_000, 0, false);
        assert!(!hold::hold(h::merchant(), ref()).is_open(), 4);
        assert_accounts(h::merchant(), ref());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50010, location = yenpay::hold)] // ENOT_CUSTOMER
    fun only_the_customer_raises_a_hold(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        let cb = hold::hold(h::merchant(), ref()).capture_before();
        hold::increase_authorization(&m(), h::merchant(), ref(), 3_000, cb);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000A, location = yenpay::hold)] // EINVALID_CAPTURE_BEFORE
    fun an_increase_cannot_shorten_the_authorization(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        let cb = hold::hold(h::merchant(), ref()).capture_before();
        hold::increase_authorization(&h::signer_of(h::payer()), h::merchant(), ref(), 3_000, cb - 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30006, location = yenpay::hold)] // EHOLD_EXPIRED
    fun an_expired_hold_is_not_raised(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        later(HOLD_SECS);
        hold::increase_authorization(&h::signer_of(h::payer()), h::merchant(), ref(), 3_000, h::now() + 10);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000B, location = yenpay::hold)] // EAMOUNT_OVER_CAP
    fun an_increase_stays_within_the_cap(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        controls::set_transfer_cap(publisher, 1_000_000);
        let cb = hold::hold(h::merchant(), ref()).capture_before();
        hold::increase_authorization(&h::signer_of(h::payer()), h::merchant(), ref(), 1_000_000 - PREAUTH + 1, cb);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10002, location = yenpay::hold)] // EZERO_AMOUNT
    fun a_zero_increase_is_refused(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::increase_authorization(&h::signer_of(h::payer()), h::merchant(), ref(), 0, h::now() + HOLD_SECS);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::merchant_registry)] // EMERCHANT_NOT_ACTIVE
    fun a_suspended_merchants_hold_is_not_raised(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        merchant_registry::suspend_merchant(publisher, h::merchant(), 1);
        hold::increase_authorization(&h::signer_of(h::payer()), h::merchant(), ref(), 1, h::now() + HOLD_SECS);
    }

    // Void.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun partial_and_full_voids_return_the_funds_to_the_customer(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::void(&h::signer_of(h::terminal()), h::merchant(), ref(), 4_000);
        assert!(h::balance(h::payer()) == h::payer_funds() - 6_000 && hold::escrow_balance() == 6_000, 1);
        assert!(
            event::was_event_emitted(
                &hold::hold_voided_for_test(h::merchant(), ref(), h::payer(), 4_000, 6_000, h::terminal())
            ),
            2
        );
        assert_accounts(h::merchant(), ref());
        hold::void(publisher, h::merchant(), ref(), 6_000);
        assert!(h::balance(h::payer()) == h::payer_funds() && hold::escrow_balance() == 0, 3);
        assert!(!hold::hold(h::merchant(), ref()).is_open(), 4);
        assert_accounts(h::merchant(), ref());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_suspended_merchant_or_the_operator_still_voids(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        merchant_registry::suspend_merchant(publisher, h::merchant(), 1);
        hold::void(&m(), h::merchant(), ref(), 1_000);
        controls::denylist(publisher, h::merchant());
        hold::void(publisher, h::merchant(), ref(), 9_000);
        assert!(h::balance(h::payer()) == h::payer_funds(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000F, location = yenpay::hold)] // ENOT_MERCHANT_OR_OPERATOR
    fun a_stranger_cannot_void(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::void(&h::signer_of(h::stranger()), h::merchant(), ref(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000F, location = yenpay::hold)] // ENOT_MERCHANT_OR_OPERATOR
    fun another_merchant_cannot_void(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::void(&h::signer_of(h::other_merchant()), h::merchant(), ref(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000E, location = yenpay::hold)] // EEXCEEDS_HELD
    fun a_void_is_bounded_by_what_is_held(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::capture(&m(), h::merchant(), ref(), FUEL, 0, false);
        hold::void(&m(), h::merchant(), ref(), PREAUTH - FUEL + 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10002, location = yenpay::hold)] // EZERO_AMOUNT
    fun a_zero_void_is_refused(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::void(&m(), h::merchant(), ref(), 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun no_void_to_a_denylisted_customer(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        controls::denylist(publisher, h::payer());
        hold::void(publisher, h::merchant(), ref(), PREAUTH);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60004, location = yenpay::hold)] // EHOLD_NOT_FOUND
    fun an_unknown_hold_is_not_voided(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::void(&m(), h::merchant(), ref2(), 1);
    }

    // Reclaim.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun anyone_reclaims_an_expired_hold_for_the_customer_only(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::capture(&m(), h::merchant(), ref(), 2_000, 0, false);
        later(HOLD_SECS);
        let stranger_before = h::balance(h::stranger());
        hold::reclaim(&h::signer_of(h::stranger()), h::merchant(), ref());
        assert!(h::balance(h::stranger()) == stranger_before, 1);
        assert!(h::balance(h::payer()) == h::payer_funds() - 2_000 && hold::escrow_balance() == 0, 2);
        assert!(
            event::was_event_emitted(
                &hold::hold_reclaimed_for_test(h::merchant(), ref(), h::payer(), 8_000, h::stranger())
            ),
            3
        );
        assert_accounts(h::merchant(), ref());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30007, location = yenpay::hold)] // EHOLD_NOT_EXPIRED
    fun no_reclaim_before_the_expiry(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        later(HOLD_SECS - 1);
        hold::reclaim(&h::signer_of(h::payer()), h::merchant(), ref());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30005, location = yenpay::hold)] // EHOLD_CLOSED
    fun a_closed_hold_is_not_reclaimed(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::void(&m(), h::merchant(), ref(), PREAUTH);
        later(HOLD_SECS);
        hold::reclaim(&h::signer_of(h::payer()), h::merchant(), ref());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun no_reclaim_to_a_denylisted_customer(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        controls::denylist(publisher, h::payer());
        later(HOLD_SECS);
        hold::reclaim(&h::signer_of(h::stranger()), h::merchant(), ref());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::controls)] // EPAUSED
    fun no_reclaim_while_paused(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        later(HOLD_SECS);
        controls::pause(publisher);
        hold::reclaim(&h::signer_of(h::payer()), h::merchant(), ref());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_suspended_or_denylisted_merchants_hold_is_reclaimed(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        merchant_registry::suspend_merchant(publisher, h::merchant(), 1);
        controls::denylist(publisher, h::merchant());
        later(HOLD_SECS);
        hold::reclaim(&h::signer_of(h::payer()), h::merchant(), ref());
        assert!(h::balance(h::payer()) == h::payer_funds(), 1);
    }

    // Seizure.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_admin_seizes_a_denylisted_customers_hold(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::capture(&m(), h::merchant(), ref(), 1_000, 0, false);
        controls::denylist(publisher, h::payer());
        hold::seize_hold(publisher, h::merchant(), ref(), @0x5e12e, b"order 1");
        assert!(h::balance(@0x5e12e) == 9_000 && hold::escrow_balance() == 0, 1);
        assert!(
            event::was_event_emitted(
                &hold::hold_seized_for_test(h::merchant(), ref(), h::payer(), @0x5e12e, 9_000, b"order 1")
            ),
            2
        );
        assert!(!hold::hold(h::merchant(), ref()).is_open(), 3);
        assert_accounts(h::merchant(), ref());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3001A, location = yenpay::hold)] // ECUSTOMER_NOT_DENYLISTED
    fun a_clean_customers_hold_is_not_seized(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::seize_hold(publisher, h::merchant(), ref(), @0x5e12e, b"order 1");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // ENOT_ADMIN
    fun only_the_admin_seizes_a_hold(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        controls::denylist(publisher, h::payer());
        hold::seize_hold(&m(), h::merchant(), ref(), h::merchant(), b"order 1");
    }

    // Refunds.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun captured_money_is_refunded_with_the_fee_share(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::capture(&m(), h::merchant(), ref(), FUEL, 0, true);
        hold::refund(&h::signer_of(h::payout()), h::merchant(), ref(), 1_000);
        // floor(191 * 1000 / 6380) = 29 from the treasury.
        assert!(h::treasury() == FUEL_FEE - 29, 1);
        assert!(h::balance(h::payer()) == h::payer_funds() - FUEL + 1_000, 2);
        assert!(
            event::was_event_emitted(
                &hold::hold_refunded_for_test(h::merchant(), ref(), h::payer(), 1_000, 29, 1_000)
            ),
            3
        );
        hold::refund(&h::signer_of(h::payout()), h::merchant(), ref(), FUEL - 1_000);
        assert!(h::treasury() == 0 && h::balance(h::payout()) == 0, 4);
        assert!(h::balance(h::payer()) == h::payer_funds(), 5);
        let r = hold::hold(h::merchant(), ref());
        assert!(r.refunded() == FUEL && r.fee_refunded() == FUEL_FEE, 6);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_refund_between_captures_never_returns_more_than_the_fee(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::capture(&m(), h::merchant(), ref(), 33, 0, false); // fee 0
        hold::capture(&m(), h::merchant(), ref(), 67, 0, false); // fee 2
        hold::refund(&h::signer_of(h::payout()), h::merchant(), ref(), 50); // share 1
        hold::capture(&m(), h::merchant(), ref(), 1, 0, false); // fee 0: share of 50 in 101 stays 0 below 1
        hold::refund(&h::signer_of(h::payout()), h::merchant(), ref(), 51);
        let r = hold::hold(h::merchant(), ref());
        assert!(r.fee_refunded() == r.fee() && r.refunded() == 101, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50011, location = yenpay::hold)] // ENOT_PAYOUT_ACCOUNT
    fun only_the_payout_account_refunds_a_hold(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::capture(&m(), h::merchant(), ref(), FUEL, 0, true);
        hold::refund(&m(), h::merchant(), ref(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10013, location = yenpay::hold)] // EREFUND_EXCEEDS_CAPTURED
    fun refunds_never_exceed_the_captured_amount(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::capture(&m(), h::merchant(), ref(), FUEL, 0, true);
        h::mint(h::payout(), PREAUTH);
        hold::refund(&h::signer_of(h::payout()), h::merchant(), ref(), FUEL + 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30012, location = yenpay::hold)] // ENOTHING_CAPTURED
    fun an_uncaptured_hold_is_not_refunded(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::refund(&h::signer_of(h::payout()), h::merchant(), ref(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30014, location = yenpay::hold)] // EREFUND_WINDOW_CLOSED
    fun no_refund_after_the_window(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::set_refund_window(publisher, SHORT_WINDOW);
        let t = new_terminal();
        take(&t, ref(), PREAUTH, 0);
        hold::capture(&m(), h::merchant(), ref(), FUEL, 0, true);
        later(SHORT_WINDOW);
        hold::refund(&h::signer_of(h::payout()), h::merchant(), ref(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10002, location = yenpay::hold)] // EZERO_AMOUNT
    fun a_zero_refund_is_refused(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::capture(&m(), h::merchant(), ref(), FUEL, 0, true);
        hold::refund(&h::signer_of(h::payout()), h::merchant(), ref(), 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_denylisted_payout_does_not_refund(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::capture(&m(), h::merchant(), ref(), FUEL, 0, true);
        controls::denylist(publisher, h::payout());
        hold::refund(&h::signer_of(h::payout()), h::merchant(), ref(), 1);
    }

    // Purge.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun closed_holds_are_purged_after_the_code_and_the_refund_window(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::set_refund_window(publisher, SHORT_WINDOW);
        invoice::set_housekeeper(publisher, @0x4ee);
        let t = new_terminal();
        take(&t, ref(), PREAUTH, 0);
        take(&t, ref2(), PREAUTH, 0);
        hold::capture(&m(), h::merchant(), ref(), FUEL, 0, true);
        hold::void(&m(), h::merchant(), ref2(), PREAUTH);
        assert!(!hold::is_purgeable(h::merchant(), ref()), 1);
        later(TTL);
        assert!(hold::is_purgeable(h::merchant(), ref()) && hold::is_purgeable(h::merchant(), ref2()), 2);
        hold::purge_holds(&h::signer_of(@0x4ee), vector[h::merchant(), h::merchant()], vector[ref(), ref2()]);
        assert!(!hold::hold_exists(h::merchant(), ref()) && !hold::hold_exists(h::merchant(), ref2()), 3);
        assert!(event::was_event_emitted(&hold::hold_purged_for_test(h::merchant(), ref())), 4);
        // The reference is free again.
        take(&t, ref(), PREAUTH, 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30017, location = yenpay::hold)] // EREFUND_WINDOW_OPEN
    fun a_captured_hold_stays_through_the_refund_window(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::capture(&m(), h::merchant(), ref(), FUEL, 0, true);
        later(TTL);
        hold::purge_holds(publisher, vector[h::merchant()], vector[ref()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30016, location = yenpay::hold)] // ECODE_NOT_EXPIRED
    fun a_closed_hold_stays_until_its_code_expires(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::void(&m(), h::merchant(), ref(), PREAUTH);
        hold::purge_holds(publisher, vector[h::merchant()], vector[ref()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30015, location = yenpay::hold)] // EHOLD_OPEN
    fun an_open_hold_is_not_purged(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        later(HOLD_SECS);
        hold::purge_holds(publisher, vector[h::merchant()], vector[ref()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50019, location = yenpay::hold)] // ENOT_HOUSEKEEPER
    fun a_stranger_cannot_purge_holds(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::void(&m(), h::merchant(), ref(), PREAUTH);
        later(TTL);
        hold::purge_holds(&m(), vector[h::merchant()], vector[ref()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10018, location = yenpay::hold)] // EBATCH_LENGTH_MISMATCH
    fun a_purge_batch_pairs_merchants_and_references(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::purge_holds(publisher, vector[h::merchant()], vector[]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60004, location = yenpay::hold)] // EHOLD_NOT_FOUND
    fun a_purge_of_an_unknown_hold_aborts(framework: &signer, publisher: &signer) {
        setup_hold(framework, publisher, PREAUTH, 0);
        hold::purge_holds(publisher, vector[h::merchant()], vector[ref2()]);
    }

    // Invariants over several holds.

    /// Each hold's accounts, escrow = the sum of what the open holds hold, supply unchanged, and every yen of the
    /// payer's accounted for (payer + payout + treasury + escrow).
    fun check_escrow(refs: &vector<String>, supply: u128) {
        let sum = 0;
        refs.for_each_ref(|r| {
            assert_accounts(h::merchant(), *r);
            sum += hold::held(h::merchant(), *r);
        });
        assert!(hold::escrow_balance() == sum, 100);
        assert!(h::supply() == supply, 101);
        assert!(
            h::balance(h::payer()) + h::balance(h::payout()) + h::treasury() + hold::escrow_balance()
                == h::payer_funds(),
            102
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun escrow_equals_the_sum_of_open_holds(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal();
        let refs = vector[utf8(b"H-1"), utf8(b"H-2"), utf8(b"H-3"), utf8(b"H-4")];
        let supply = h::supply();
        refs.for_each_ref(|r| { take(&t, *r, 7_000, 700); });
        check_escrow(&refs, supply);
        hold::capture(&m(), h::merchant(), refs[0], 3_333, 333, false);
        check_escrow(&refs, supply);
        hold::void(&m(), h::merchant(), refs[1], 1_111);
        check_escrow(&refs, supply);
        hold::increase_authorization(&h::signer_of(h::payer()), h::merchant(), refs[2], 2_222, h::now() + HOLD_SECS);
        check_escrow(&refs, supply);
        hold::capture(&m(), h::merchant(), refs[2], 9_222, 700, true);
        check_escrow(&refs, supply);
        hold::capture(&m(), h::merchant(), refs[0], 3_667, 0, false);
        check_escrow(&refs, supply);
        later(HOLD_SECS);
        refs.for_each_ref(|r| {
            if (hold::hold(h::merchant(), *r).is_open()) hold::reclaim(&h::signer_of(h::stranger()), h::merchant(), *r);
        });
        check_escrow(&refs, supply);
        assert!(hold::escrow_balance() == 0, 1);
    }

    // Known answers.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun known_answer_hold_messages_verify(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        assert!(stablecoin::metadata_address() == KAT_METADATA, 1);
        let pk = ed25519::new_unvalidated_public_key_from_bytes(KAT_PUBLIC_KEY);
        let offer = authorization::new_hold_offer_for_test(
            4, KAT_METADATA, KAT_MERCHANT, KAT_SIGNER, utf8(b"HOLD-0001"), 10000, 1500, 2000003600, 2000000000
        );
        assert!(bcs::to_bytes(&ed25519::new_signed_message(offer)) == KAT_OFFER_MESSAGE, 2);
        assert!(ed25519::signature_verify_strict_t(&ed25519::new_signature_from_bytes(KAT_OFFER_SIGNATURE), &pk, offer), 3);
        let message = authorization::new_hold_authorization_for_test(
            4, KAT_METADATA, KAT_SIGNER, KAT_MERCHANT, 10000, 1500, 2000003600, 1700000000, 2000000000, 42
        );
        assert!(bcs::to_bytes(&ed25519::new_signed_message(message)) == KAT_AUTH_MESSAGE, 4);
        assert!(
            ed25519::signature_verify_strict_t(&ed25519::new_signature_from_bytes(KAT_AUTH_SIGNATURE), &pk, message),
            5
        );
        account::create_account_for_test(KAT_SIGNER);
        authorization::verify_hold_offer(
            KAT_METADATA, KAT_MERCHANT, KAT_SIGNER, utf8(b"HOLD-0001"), 10000, 1500, 2000003600, 2000000000,
            KAT_PUBLIC_KEY, KAT_OFFER_SIGNATURE
        );
    }

    // A reviewed hold: a payment under compliance review, captured by its reviewer only.

    /// The gateway's account that an analyst's release signs with.
    fun reviewer(): address { @0x4e71e3 }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun known_answer_review_hold_offer_verifies(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let pk = ed25519::new_unvalidated_public_key_from_bytes(KAT_PUBLIC_KEY);
        let offer = authorization::new_review_hold_offer_for_test(
            4, KAT_METADATA, KAT_MERCHANT, KAT_SIGNER, reviewer(), utf8(b"HOLD-0001"), 10000, 1500, 2000003600,
            2000000000
        );
        assert!(bcs::to_bytes(&ed25519::new_signed_message(offer)) == KAT_REVIEW_OFFER_MESSAGE, 1);
        let signature = ed25519::new_signature_from_bytes(KAT_REVIEW_OFFER_SIGNATURE);
        assert!(ed25519::signature_verify_strict_t(&signature, &pk, offer), 2);
        account::create_account_for_test(KAT_SIGNER);
        authorization::verify_review_hold_offer(
            KAT_METADATA, KAT_MERCHANT, KAT_SIGNER, reviewer(), utf8(b"HOLD-0001"), 10000, 1500, 2000003600,
            2000000000, KAT_PUBLIC_KEY, KAT_REVIEW_OFFER_SIGNATURE
        );
    }

    fun sign_review_offer(
        t: &Keyed, reviewer: address, hold_ref: String, amount: u64, capture_before: u64, expires_at: u64
    ): vector<u8> {
        let offer = authorization::new_review_hold_offer_for_test(
            h::chain(), stablecoin::metadata_address(), h::merchant(), t.addr, reviewer, hold_ref, amount, 0,
            capture_before, expires_at
        );
        ed25519::signature_to_bytes(&ed25519::sign_struct(&t.sk, offer))
    }

    /// The payer takes the reviewed hold `t` signed naming `reviewer()`; returns the terminal.
    fun setup_reviewed(framework: &signer, publisher: &signer): Keyed {
        h::setup(framework, publisher);
        account::create_account_for_test(reviewer());
        let t = new_terminal();
        let (cb, exp) = (h::now() + HOLD_SECS, h::now() + TTL);
        let signature = sign_review_offer(&t, reviewer(), ref(), PREAUTH, cb, exp);
        hold::authorize_reviewed_hold(
            &h::signer_of(h::payer()), h::merchant(), t.addr, reviewer(), ref(), PREAUTH, 0, cb, exp, t.public_key,
            signature
        );
        t
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_reviewer_alone_captures_a_reviewed_hold(framework: &signer, publisher: &signer) {
        let t = setup_reviewed(framework, publisher);
        let r = hold::hold(h::merchant(), ref());
        assert!(r.reviewer() == reviewer() && r.created_by() == t.addr && r.customer() == h::payer(), 1);
        assert!(hold::escrow_balance() == PREAUTH && h::balance(h::payer()) == h::payer_funds() - PREAUTH, 2);
        hold::capture(&h::signer_of(reviewer()), h::merchant(), ref(), PREAUTH, 0, true);
        let fee = PREAUTH * 3 / 100;
        assert!(h::balance(h::payout()) == PREAUTH - fee && h::treasury() == fee, 3);
        assert!(
            event::was_event_emitted(
                &hold::hold_captured_for_test(
                    h::merchant(), ref(), h::payer(), PREAUTH, 0, fee, PREAUTH - fee, 0, 0, reviewer()
                )
            ),
            4
        );
        assert_accounts(h::merchant(), ref());
        // An ordinary hold names no reviewer.
        take(&t, ref2(), 1_000, 0);
        assert!(hold::hold(h::merchant(), ref2()).reviewer() == @0x0, 5);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001B, location = yenpay::hold)] // ENOT_REVIEWER
    fun the_merchant_cannot_capture_a_reviewed_hold(framework: &signer, publisher: &signer) {
        setup_reviewed(framework, publisher);
        hold::capture(&m(), h::merchant(), ref(), PREAUTH, 0, true);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001B, location = yenpay::hold)] // ENOT_REVIEWER
    fun the_terminal_that_signed_cannot_capture_a_reviewed_hold(framework: &signer, publisher: &signer) {
        let t = setup_reviewed(framework, publisher);
        hold::capture(&h::signer_of(t.addr), h::merchant(), ref(), 1, 0, false);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001B, location = yenpay::hold)] // ENOT_REVIEWER
    fun the_operator_cannot_capture_a_reviewed_hold(framework: &signer, publisher: &signer) {
        setup_reviewed(framework, publisher);
        hold::capture(publisher, h::merchant(), ref(), PREAUTH, 0, true);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_denylisted_reviewer_cannot_capture(framework: &signer, publisher: &signer) {
        setup_reviewed(framework, publisher);
        controls::denylist(publisher, reviewer());
        hold::capture(&h::signer_of(reviewer()), h::merchant(), ref(), PREAUTH, 0, true);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_merchant_and_the_reviewer_void_a_reviewed_hold(framework: &signer, publisher: &signer) {
        setup_reviewed(framework, publisher);
        hold::void(&m(), h::merchant(), ref(), 4_000);
        hold::void(&h::signer_of(reviewer()), h::merchant(), ref(), 6_000);
        assert!(h::balance(h::payer()) == h::payer_funds() && hold::escrow_balance() == 0, 1);
        assert!(
            event::was_event_emitted(
                &hold::hold_voided_for_test(h::merchant(), ref(), h::payer(), 6_000, 0, reviewer())
            ),
            2
        );
        assert!(!hold::hold(h::merchant(), ref()).is_open(), 3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000F, location = yenpay::hold)] // ENOT_MERCHANT_OR_OPERATOR
    fun a_stranger_cannot_void_a_reviewed_hold(framework: &signer, publisher: &signer) {
        setup_reviewed(framework, publisher);
        hold::void(&h::signer_of(h::stranger()), h::merchant(), ref(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_hold_offer_does_not_verify_as_a_reviewed_one(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal();
        let (cb, exp) = (h::now() + HOLD_SECS, h::now() + TTL);
        let signature = sign_offer(&t, h::merchant(), ref(), PREAUTH, 0, cb, exp);
        hold::authorize_reviewed_hold(
            &h::signer_of(h::payer()), h::merchant(), t.addr, reviewer(), ref(), PREAUTH, 0, cb, exp, t.public_key,
            signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_reviewed_code_does_not_verify_as_an_ordinary_one(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal();
        let (cb, exp) = (h::now() + HOLD_SECS, h::now() + TTL);
        let signature = sign_review_offer(&t, reviewer(), ref(), PREAUTH, cb, exp);
        hold::authorize_signed_hold(
            &h::signer_of(h::payer()), h::merchant(), t.addr, ref(), PREAUTH, 0, cb, exp, t.public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_reviewed_code_binds_its_reviewer(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal();
        let (cb, exp) = (h::now() + HOLD_SECS, h::now() + TTL);
        let signature = sign_review_offer(&t, reviewer(), ref(), PREAUTH, cb, exp);
        // The customer (or the merchant, holding the code) names itself reviewer.
        hold::authorize_reviewed_hold(
            &h::signer_of(h::payer()), h::merchant(), t.addr, h::merchant(), ref(), PREAUTH, 0, cb, exp,
            t.public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1001C, location = yenpay::hold)] // EINVALID_REVIEWER
    fun a_reviewed_hold_names_a_reviewer(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal();
        let (cb, exp) = (h::now() + HOLD_SECS, h::now() + TTL);
        let signature = sign_review_offer(&t, @0x0, ref(), PREAUTH, cb, exp);
        hold::authorize_reviewed_hold(
            &h::signer_of(h::payer()), h::merchant(), t.addr, @0x0, ref(), PREAUTH, 0, cb, exp, t.public_key,
            signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_reviewed_hold_past_its_deadline_goes_back_to_the_customer(framework: &signer, publisher: &signer) {
        setup_reviewed(framework, publisher);
        later(HOLD_SECS);
        hold::reclaim(&h::signer_of(h::stranger()), h::merchant(), ref());
        assert!(h::balance(h::payer()) == h::payer_funds() && hold::escrow_balance() == 0, 1);
    }
}
