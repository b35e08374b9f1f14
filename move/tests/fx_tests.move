#[test_only]
/// The FX desk (`fx`): a tourist pays a terminal-signed yen code in USDC at the desk's signed quote. The happy path's
/// books (customer, desk USDC, desk yen, merchant net, treasury fee), every binding of the quote (code, amount,
/// chain, deployment, asset, signer after rotation), expiry, replay, the per-quote and daily limits, the deviation
/// band and the reference's age under the open and closed policies, the controls on the yen legs, the roles, the
/// operator's settings and withdrawals, and the cross-language known answer of the quote message, which the Rust test
/// in crates/yenpay-types/src/fx.rs pins too.
///
/// Abort codes are category * 0x10000 + reason (std::error): invalid_argument 0x1, out_of_range 0x2,
/// invalid_state 0x3, permission_denied 0x5, not_found 0x6, already_exists 0x8.
module yenpay::fx_tests {
    use std::bcs;
    use std::option;
    use std::string::{String, utf8};
    use aptos_std::ed25519;
    use aptos_std::from_bcs;
    use aptos_framework::account;
    use aptos_framework::event;
    use aptos_framework::fungible_asset::{Self, Metadata, MintRef};
    use aptos_framework::object::{Self, Object};
    use aptos_framework::primary_fungible_store;
    use aptos_framework::timestamp;
    use yenpay::authorization;
    use yenpay::controls;
    use yenpay::fx;
    use yenpay::invoice;
    use yenpay::stablecoin;
    use yenpay::settlement_test_helpers as h;

    /// The code: ¥1,980 at the merchant's 3% fee, 59 yen.
    const YEN: u64 = 1_980;
    const FEE: u64 = 59;
    /// Reference rate: ¥150.000000 per USDC.
    const REFERENCE: u64 = 150_000_000;
    /// The desk's quote: ¥148.50 per USDC (1% below the reference, the desk's spread).
    const RATE: u64 = 148_500_000;
    /// ceil(1980 * 10^12 / 148_500_000) = 13_333_334 (13.333334 USDC).
    const USDC: u64 = 13_333_334;
    /// What the tourist holds: 100 USDC.
    const TOURIST_USDC: u64 = 100_000_000;
    /// The desk's yen inventory after set-up.
    const INVENTORY: u64 = 1_000_000;
    const MAX_QUOTE: u64 = 2_500;
    const DAILY: u64 = 5_000;
    /// Lifetimes of the code and of the quote.
    const CODE_TTL: u64 = 300;
    const QUOTE_TTL: u64 = 30;
    /// Saturday 18 November 2023 22:13:20 UTC: markets closed (set-up starts on a Tuesday).
    const SATURDAY: u64 = 1_700_345_600;

    // Known answer (testdata/known_answers.md): Ed25519 seed = 32 bytes of 0x07, chain id 4, @yenpay = 0xcafe.
    const KAT_PUBLIC_KEY: vector<u8> = x"ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c";
    const KAT_SIGNER: address = @0xcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad;
    const KAT_METADATA: address = @0x72ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18;
    const KAT_USDC: address = @0xbae207659db88bea0cbead6da0ed00aac12edcdda169e591cd41c94180b46f3b;
    const KAT_MERCHANT: address = @0xb0b;
    const KAT_EXPIRES_AT: u64 = 2000000000;
    /// BCS of `SignedMessage<FxQuote>` with the fields above, order reference "ORDER-0001", ¥1,980, 13.333334 USDC at
    /// 148.5.
    const KAT_MESSAGE: vector<u8> = x"000000000000000000000000000000000000000000000000000000000000cafe0d617574686f72697a6174696f6e07467851756f74650472ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18bae207659db88bea0cbead6da0ed00aac12edcdda169e591cd41c94180b46f3b0000000000000000000000000000000000000000000000000000000000000b0b0a4f524445522d30303031bc070000000000005673cb000000000020eed908000000000094357700000000";
    const KAT_SIGNATURE: vector<u8> = x"b21b92071ee324d91ff4e907511ab344900fcfedb9634914d1a9bbf5fa7ced353484209447e725ea69e70cf29bf7987c676ce475d93857c45e913031771d4607";

    /// The test USDC's capabilities, at the issuer's account.
    struct TestUsdc has key {
        mint_ref: MintRef,
        metadata: Object<Metadata>,
    }

    /// An account with an Ed25519 key, whose address is its authentication key.
    struct Keyed has drop {
        sk: ed25519::SecretKey,
        public_key: vector<u8>,
        addr: address,
    }

    fun order(): String { utf8(b"ORDER-0001") }
    fun tourist(): address { @0x70 }
    fun usdc_issuer(): address { @0x05dc }

    fun new_keyed(): Keyed {
        let (sk, pk) = ed25519::generate_keys();
        let addr = from_bcs::to_address(ed25519::validated_public_key_to_authentication_key(&pk));
        account::create_account_for_test(addr);
        Keyed { sk, public_key: ed25519::validated_public_key_to_bytes(&pk), addr }
    }

    /// A fungible asset with `decimals` decimals, as the local deployment's test USDC.
    fun create_test_usdc(decimals: u8): address {
        let issuer = &h::signer_of(usdc_issuer());
        let constructor_ref = &object::create_named_object(issuer, b"TEST_USDC");
        primary_fungible_store::create_primary_store_enabled_fungible_asset(
            constructor_ref, option::none(), utf8(b"Test USDC"), utf8(b"USDC"), decimals, utf8(b""), utf8(b"")
        );
        let metadata = object::object_from_constructor_ref<Metadata>(constructor_ref);
        move_to(issuer, TestUsdc { mint_ref: fungible_asset::generate_mint_ref(constructor_ref), metadata });
        metadata.object_address()
    }

    fun mint_usdc(to: address, amount: u64) acquires TestUsdc {
        primary_fungible_store::mint(&TestUsdc[usdc_issuer()].mint_ref, to, amount);
    }

    fun usdc_of(owner: address): u64 acquires TestUsdc {
        primary_fungible_store::balance(owner, TestUsdc[usdc_issuer()].metadata)
    }

    /// The package, two merchants, the test USDC configured, a quote signer with a key, the reference at `REFERENCE`
    /// observed now, limits `MAX_QUOTE` and `DAILY`, `INVENTORY` yen at the desk and `TOURIST_USDC` with the tourist.
    /// Returns the merchant's terminal and the quote signer.
    fun setup(framework: &signer, publisher: &signer): (Keyed, Keyed) acquires TestUsdc {
        h::setup(framework, publisher);
        let usdc = create_test_usdc(6);
        fx::configure_usdc(publisher, usdc);
        let terminal = new_keyed();
        yenpay::merchant_registry::add_terminal(&h::signer_of(h::merchant()), terminal.addr);
        let quoter = new_keyed();
        fx::propose_quote_signer(publisher, quoter.addr);
        fx::accept_quote_signer(&h::signer_of(quoter.addr));
        fx::set_reference_rate(publisher, REFERENCE, h::now());
        fx::set_limits(publisher, MAX_QUOTE, DAILY);
        h::mint(fx::desk_address(), INVENTORY);
        mint_usdc(tourist(), TOURIST_USDC);
        (terminal, quoter)
    }

    fun sign_code(t: &Keyed, order_ref: String, amount: u64, expires_at: u64): vector<u8> {
        let offer = authorization::new_invoice_offer_for_test(
            h::chain(), stablecoin::metadata_address(), h::merchant(), t.addr, order_ref, amount, expires_at
        );
        ed25519::signature_to_bytes(&ed25519::sign_struct(&t.sk, offer))
    }

    /// `q` signs a quote with every field given.
    fun sign_quote_with(
        q: &Keyed, chain: u8, metadata: address, usdc: address, order_ref: String, yen: u64, usdc_amount: u64,
        rate: u64, expires_at: u64
    ): vector<u8> {
        let quote = authorization::new_fx_quote_for_test(
            chain, metadata, usdc, h::merchant(), order_ref, yen, usdc_amount, rate, expires_at
        );
        ed25519::signature_to_bytes(&ed25519::sign_struct(&q.sk, quote))
    }

    fun sign_quote(q: &Keyed, order_ref: String, yen: u64, usdc_amount: u64, rate: u64, expires_at: u64): vector<u8> {
        sign_quote_with(
            q, h::chain(), stablecoin::metadata_address(), fx::usdc().destroy_some(), order_ref, yen, usdc_amount,
            rate, expires_at
        )
    }

    /// The tourist pays the code (`order_ref`, `yen`) with the quote as submitted.
    fun pay(
        t: &Keyed, q: &Keyed, order_ref: String, yen: u64, usdc_amount: u64, rate: u64, quote_expires_at: u64,
        quote_signature: vector<u8>
    ) {
        let expires_at = h::now() + CODE_TTL;
        fx::pay_signed_invoice_in_usdc(
            &h::signer_of(tourist()), h::merchant(), t.addr, order_ref, yen, expires_at, t.public_key,
            sign_code(t, order_ref, yen, expires_at), usdc_amount, rate, quote_expires_at, q.public_key,
            quote_signature,
        );
    }

    /// A code of `yen` for `order_ref` at `rate`, quoted and paid as signed.
    fun quote_and_pay(t: &Keyed, q: &Keyed, order_ref: String, yen: u64, rate: u64) {
        let usdc_amount = fx::usdc_for_yen(yen, rate);
        let quote_expires_at = h::now() + QUOTE_TTL;
        let signature = sign_quote(q, order_ref, yen, usdc_amount, rate, quote_expires_at);
        pay(t, q, order_ref, yen, usdc_amount, rate, quote_expires_at, signature);
    }

    // The payment.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_tourist_pays_a_yen_code_in_usdc(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        assert!(fx::usdc_for_yen(YEN, RATE) == USDC, 0);
        let supply = h::supply();
        quote_and_pay(&t, &q, order(), YEN, RATE);
        assert!(usdc_of(tourist()) == TOURIST_USDC - USDC, 1);
        assert!(fx::usdc_balance() == USDC && usdc_of(fx::desk_address()) == USDC, 2);
        assert!(fx::yen_inventory() == INVENTORY - YEN, 3);
        assert!(h::balance(h::payout()) == YEN - FEE, 4);
        assert!(h::treasury() == FEE, 5);
        assert!(h::balance(tourist()) == 0 && usdc_of(h::payout()) == 0, 6);
        assert!(h::supply() == supply, 7);
        let status = invoice::invoice_status(h::merchant(), order());
        assert!(status.is_paid() && status.payer().destroy_some() == tourist(), 8);
        assert!(
            event::was_event_emitted(
                &fx::paid_in_usdc_for_test(h::merchant(), order(), tourist(), YEN, USDC, RATE, REFERENCE)
            ),
            9
        );
        assert!(
            event::was_event_emitted(
                &invoice::invoice_paid_for_test(h::merchant(), order(), tourist(), YEN, FEE, YEN - FEE, h::now())
            ),
            10
        );
        let (_, used) = fx::daily_volume();
        assert!(used == YEN, 11);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_daily_total_starts_again_on_the_next_japan_day(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        quote_and_pay(&t, &q, utf8(b"A"), YEN, RATE);
        quote_and_pay(&t, &q, utf8(b"B"), YEN, RATE);
        timestamp::fast_forward_seconds(86_400);
        fx::set_reference_rate(publisher, REFERENCE, h::now());
        let (day_before, used_before) = fx::daily_volume();
        assert!(used_before == 0, 1);
        quote_and_pay(&t, &q, utf8(b"C"), YEN, RATE);
        quote_and_pay(&t, &q, utf8(b"D"), YEN, RATE);
        let (day, used) = fx::daily_volume();
        assert!(day == day_before && used == 2 * YEN, 2);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_quote_at_the_edge_of_the_band_is_paid(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        let (low, high) = fx::rate_band();
        assert!(low == 147_750_000 && high == 152_250_000, 0);
        quote_and_pay(&t, &q, utf8(b"LOW"), YEN, low);
        quote_and_pay(&t, &q, utf8(b"HIGH"), YEN, high);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun on_a_weekend_the_wider_policy_applies(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        assert!(!fx::is_market_closed(), 0);
        // Friday's last reference, two days old on Saturday night.
        timestamp::update_global_time_for_test_secs(SATURDAY - 2 * 86_400 + 3_600);
        fx::set_reference_rate(publisher, REFERENCE, h::now());
        timestamp::update_global_time_for_test_secs(SATURDAY);
        assert!(fx::is_market_closed(), 1);
        let (low, _) = fx::rate_band();
        assert!(low == 145_500_000, 2);
        // 2% off: outside the open band, inside the closed one.
        quote_and_pay(&t, &q, order(), YEN, 147_000_000);
    }

    #[test]
    fun the_closed_window_runs_from_friday_21_to_sunday_22_utc() {
        // Friday 24 November 2023 20:59:59 and 21:00:00 UTC; Sunday 26 November 21:59:59 and 22:00:00 UTC.
        let friday_21 = 1_700_859_600;
        let sunday_22 = 1_701_036_000;
        let framework = &account::create_signer_for_test(@aptos_framework);
        timestamp::set_time_has_started_for_testing(framework);
        timestamp::update_global_time_for_test_secs(friday_21 - 1);
        assert!(!fx::is_market_closed(), 1);
        timestamp::update_global_time_for_test_secs(friday_21);
        assert!(fx::is_market_closed(), 2);
        timestamp::update_global_time_for_test_secs(sunday_22 - 1);
        assert!(fx::is_market_closed(), 3);
        timestamp::update_global_time_for_test_secs(sunday_22);
        assert!(!fx::is_market_closed(), 4);
    }

    #[test]
    fun usdc_for_yen_rounds_up_by_less_than_one_unit() {
        assert!(fx::usdc_for_yen(1_980, 150_000_000) == 13_200_000, 1);
        assert!(fx::usdc_for_yen(1_980, RATE) == USDC, 2);
        assert!(fx::usdc_for_yen(1, 3_000_000) == 333_334, 3);
    }

    // The quote's bindings.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_quote_for_another_code_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        let quote_expires_at = h::now() + QUOTE_TTL;
        let signature = sign_quote(&q, utf8(b"ORDER-0002"), YEN, USDC, RATE, quote_expires_at);
        pay(&t, &q, order(), YEN, USDC, RATE, quote_expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_quote_for_another_amount_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        let quote_expires_at = h::now() + QUOTE_TTL;
        // Quoted for ¥2,000; the code is ¥1,980 and the tourist submits the code's amount.
        let signature = sign_quote(&q, order(), 2_000, fx::usdc_for_yen(2_000, RATE), RATE, quote_expires_at);
        pay(&t, &q, order(), YEN, USDC, RATE, quote_expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_quote_submitted_with_another_usdc_amount_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        let quote_expires_at = h::now() + QUOTE_TTL;
        let other_rate = 149_000_000;
        let signature = sign_quote(&q, order(), YEN, USDC, RATE, quote_expires_at);
        // Amounts consistent with another rate, but not what the desk signed.
        pay(&t, &q, order(), YEN, fx::usdc_for_yen(YEN, other_rate), other_rate, quote_expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000C, location = yenpay::fx)] // EQUOTE_RATE_MISMATCH
    fun a_quote_whose_amounts_disagree_with_its_rate_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        let quote_expires_at = h::now() + QUOTE_TTL;
        let signature = sign_quote(&q, order(), YEN, USDC - 1, RATE, quote_expires_at);
        pay(&t, &q, order(), YEN, USDC - 1, RATE, quote_expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_quote_for_another_chain_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        let quote_expires_at = h::now() + QUOTE_TTL;
        let signature = sign_quote_with(
            &q, 1, stablecoin::metadata_address(), fx::usdc().destroy_some(), order(), YEN, USDC, RATE,
            quote_expires_at
        );
        pay(&t, &q, order(), YEN, USDC, RATE, quote_expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_quote_for_another_deployment_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        let quote_expires_at = h::now() + QUOTE_TTL;
        let signature = sign_quote_with(
            &q, h::chain(), @0x1234, fx::usdc().destroy_some(), order(), YEN, USDC, RATE, quote_expires_at
        );
        pay(&t, &q, order(), YEN, USDC, RATE, quote_expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_quote_for_another_asset_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        let quote_expires_at = h::now() + QUOTE_TTL;
        let signature = sign_quote_with(
            &q, h::chain(), stablecoin::metadata_address(), KAT_USDC, order(), YEN, USDC, RATE, quote_expires_at
        );
        pay(&t, &q, order(), YEN, USDC, RATE, quote_expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000A, location = yenpay::fx)] // EQUOTE_EXPIRED
    fun an_expired_quote_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        let quote_expires_at = h::now() + QUOTE_TTL;
        let signature = sign_quote(&q, order(), YEN, USDC, RATE, quote_expires_at);
        timestamp::fast_forward_seconds(QUOTE_TTL);
        pay(&t, &q, order(), YEN, USDC, RATE, quote_expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000B, location = yenpay::fx)] // EQUOTE_TTL_TOO_LONG
    fun a_quote_living_longer_than_60_seconds_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        let quote_expires_at = h::now() + 61;
        let signature = sign_quote(&q, order(), YEN, USDC, RATE, quote_expires_at);
        pay(&t, &q, order(), YEN, USDC, RATE, quote_expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30007, location = yenpay::invoice)] // EINVOICE_ALREADY_PAID
    fun a_quote_is_used_once(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        let quote_expires_at = h::now() + QUOTE_TTL;
        let signature = sign_quote(&q, order(), YEN, USDC, RATE, quote_expires_at);
        pay(&t, &q, order(), YEN, USDC, RATE, quote_expires_at, signature);
        pay(&t, &q, order(), YEN, USDC, RATE, quote_expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x2000D, location = yenpay::fx)] // EOVER_QUOTE_LIMIT
    fun a_quote_over_the_per_quote_limit_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        fx::set_limits(publisher, YEN - 1, DAILY);
        quote_and_pay(&t, &q, order(), YEN, RATE);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x2000E, location = yenpay::fx)] // EOVER_DAILY_LIMIT
    fun payments_over_the_daily_limit_are_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        quote_and_pay(&t, &q, utf8(b"A"), YEN, RATE);
        quote_and_pay(&t, &q, utf8(b"B"), YEN, RATE);
        // 3 * 1,980 > 5,000.
        quote_and_pay(&t, &q, utf8(b"C"), YEN, RATE);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x2000E, location = yenpay::fx)] // EOVER_DAILY_LIMIT
    fun a_lowered_daily_limit_counts_the_day_so_far(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        quote_and_pay(&t, &q, utf8(b"A"), YEN, RATE);
        fx::set_limits(publisher, YEN, YEN + 100);
        let (_, used) = fx::daily_volume();
        assert!(used == YEN, 1);
        quote_and_pay(&t, &q, utf8(b"B"), YEN, RATE);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x2000F, location = yenpay::fx)] // ERATE_OUT_OF_BAND
    fun a_rate_below_the_band_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        quote_and_pay(&t, &q, order(), YEN, 147_749_999);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x2000F, location = yenpay::fx)] // ERATE_OUT_OF_BAND
    fun a_rate_above_the_band_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        quote_and_pay(&t, &q, order(), YEN, 152_250_001);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x2000F, location = yenpay::fx)] // ERATE_OUT_OF_BAND
    fun even_the_closed_policy_has_a_band(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        timestamp::update_global_time_for_test_secs(SATURDAY);
        fx::set_reference_rate(publisher, REFERENCE, h::now());
        quote_and_pay(&t, &q, order(), YEN, 145_499_999);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30010, location = yenpay::fx)] // EREFERENCE_STALE
    fun a_stale_reference_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        timestamp::fast_forward_seconds(301);
        quote_and_pay(&t, &q, order(), YEN, RATE);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30010, location = yenpay::fx)] // EREFERENCE_STALE
    fun a_reference_older_than_the_closed_policy_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        // The set-up's reference, Tuesday, is four days old on Saturday.
        timestamp::update_global_time_for_test_secs(SATURDAY);
        quote_and_pay(&t, &q, order(), YEN, RATE);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30011, location = yenpay::fx)] // ENO_REFERENCE_RATE
    fun nothing_is_paid_before_a_reference_rate(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::rate_band();
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001D, location = yenpay::authorization)] // EPUBLIC_KEY_MISMATCH
    fun the_old_quote_key_fails_after_rotation(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        let next = new_keyed();
        fx::propose_quote_signer(&h::signer_of(q.addr), next.addr);
        fx::accept_quote_signer(&h::signer_of(next.addr));
        assert!(fx::quote_signer() == next.addr, 0);
        assert!(event::was_event_emitted(&fx::quote_signer_changed_for_test(q.addr, next.addr)), 1);
        quote_and_pay(&t, &q, order(), YEN, RATE);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_new_quote_key_works_after_rotation(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        let next = new_keyed();
        // The operator replaces a quote signer whose key is lost.
        fx::propose_quote_signer(publisher, next.addr);
        assert!(fx::pending_quote_signer() == option::some(next.addr), 0);
        fx::accept_quote_signer(&h::signer_of(next.addr));
        quote_and_pay(&t, &next, order(), YEN, RATE);
        assert!(fx::pending_quote_signer().is_none() && q.addr != next.addr, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_desk_keeps_the_accepting_signer_s_key(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (_, q) = setup(framework, publisher);
        assert!(fx::quote_auth_key() == account::get_authentication_key(q.addr), 1);
        fx::refresh_quote_key(&h::signer_of(q.addr));
        assert!(event::was_event_emitted(&fx::quote_key_refreshed_for_test(q.addr, bcs::to_bytes(&q.addr))), 2);
        assert!(fx::quote_auth_key() == bcs::to_bytes(&q.addr), 3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60018, location = yenpay::fx)] // ENO_QUOTE_SIGNER_ACCOUNT
    fun a_quote_signer_without_an_account_has_no_key_to_keep(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        // Where accounts exist only once created (the default-account-resource feature off).
        std::features::change_feature_flags_for_testing(
            framework, vector[], vector[std::features::get_default_account_resource_feature()]
        );
        fx::propose_quote_signer(publisher, @0xacc0);
        fx::accept_quote_signer(&h::signer_of(@0xacc0));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::fx)] // ENOT_QUOTE_SIGNER
    fun only_the_quote_signer_refreshes_its_key(framework: &signer, publisher: &signer) acquires TestUsdc {
        setup(framework, publisher);
        // Not even the operator: the key kept is the holder's own.
        fx::refresh_quote_key(publisher);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::fx)] // ENOT_QUOTE_SIGNER
    fun a_stranger_cannot_refresh_the_quote_key(framework: &signer, publisher: &signer) acquires TestUsdc {
        setup(framework, publisher);
        fx::refresh_quote_key(&h::signer_of(h::stranger()));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_denylisted_quote_signer_cannot_refresh_its_key(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (_, q) = setup(framework, publisher);
        controls::denylist(publisher, q.addr);
        fx::refresh_quote_key(&h::signer_of(q.addr));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_quote_signed_by_another_key_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        let forger = new_keyed();
        let quote_expires_at = h::now() + QUOTE_TTL;
        let signature = sign_quote(&forger, order(), YEN, USDC, RATE, quote_expires_at);
        pay(&t, &q, order(), YEN, USDC, RATE, quote_expires_at, signature);
    }

    // The code's own checks and the controls on the yen legs.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::controls)] // controls EPAUSED
    fun nothing_is_paid_in_usdc_while_paused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        controls::pause(publisher);
        quote_and_pay(&t, &q, order(), YEN, RATE);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_denylisted_tourist_cannot_pay_in_usdc(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        controls::denylist(publisher, tourist());
        quote_and_pay(&t, &q, order(), YEN, RATE);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // controls EDENYLISTED
    fun no_yen_goes_to_a_denylisted_payout(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        controls::denylist(publisher, h::payout());
        quote_and_pay(&t, &q, order(), YEN, RATE);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_code_the_terminal_did_not_sign_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        let expires_at = h::now() + CODE_TTL;
        let quote_expires_at = h::now() + QUOTE_TTL;
        fx::pay_signed_invoice_in_usdc(
            &h::signer_of(tourist()), h::merchant(), t.addr, order(), YEN, expires_at, t.public_key,
            sign_code(&t, order(), YEN + 1, expires_at), USDC, RATE, quote_expires_at, q.public_key,
            sign_quote(&q, order(), YEN, USDC, RATE, quote_expires_at),
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30016, location = yenpay::fx)] // EINSUFFICIENT_INVENTORY
    fun the_desk_pays_only_from_its_inventory(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        fx::withdraw_yen(publisher, h::stranger(), INVENTORY - YEN + 1);
        quote_and_pay(&t, &q, order(), YEN, RATE);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30007, location = yenpay::fx)] // EUSDC_NOT_SET
    fun nothing_is_paid_before_usdc_is_configured(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_keyed();
        yenpay::merchant_registry::add_terminal(&h::signer_of(h::merchant()), t.addr);
        let expires_at = h::now() + CODE_TTL;
        fx::pay_signed_invoice_in_usdc(
            &h::signer_of(tourist()), h::merchant(), t.addr, order(), YEN, expires_at, t.public_key,
            sign_code(&t, order(), YEN, expires_at), USDC, RATE, h::now() + QUOTE_TTL, t.public_key, x"",
        );
    }

    // The operator's settings and the desk's books.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_operator_takes_usdc_and_yen_out_of_the_desk(framework: &signer, publisher: &signer) acquires TestUsdc {
        let (t, q) = setup(framework, publisher);
        quote_and_pay(&t, &q, order(), YEN, RATE);
        fx::withdraw_usdc(publisher, h::stranger(), USDC);
        fx::withdraw_yen(publisher, h::stranger(), 1_000);
        assert!(usdc_of(h::stranger()) == USDC && fx::usdc_balance() == 0, 1);
        assert!(h::balance(h::stranger()) == 1_000 && fx::yen_inventory() == INVENTORY - YEN - 1_000, 2);
        let usdc = fx::usdc().destroy_some();
        assert!(event::was_event_emitted(&fx::desk_withdrawn_for_test(usdc, h::stranger(), USDC)), 3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::fx)] // ENOT_OPERATOR
    fun only_the_operator_takes_out_of_the_desk(framework: &signer, publisher: &signer) acquires TestUsdc {
        setup(framework, publisher);
        fx::withdraw_yen(&h::signer_of(h::stranger()), h::stranger(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10015, location = yenpay::fx)] // EZERO_AMOUNT
    fun a_withdrawal_of_nothing_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        setup(framework, publisher);
        fx::withdraw_usdc(publisher, h::stranger(), 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x80008, location = yenpay::fx)] // EUSDC_ALREADY_SET
    fun usdc_is_configured_once(framework: &signer, publisher: &signer) acquires TestUsdc {
        setup(framework, publisher);
        fx::configure_usdc(publisher, fx::usdc().destroy_some());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10009, location = yenpay::fx)] // EWRONG_DECIMALS
    fun usdc_has_six_decimals(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::configure_usdc(publisher, create_test_usdc(8));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30007, location = yenpay::fx)] // EUSDC_NOT_SET
    fun no_usdc_is_withdrawn_before_it_is_configured(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        assert!(fx::usdc_balance() == 0, 0);
        fx::withdraw_usdc(publisher, h::stranger(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10014, location = yenpay::fx)] // EINVALID_LIMITS
    fun the_per_quote_limit_is_at_most_the_daily_limit(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::set_limits(publisher, 2, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_operator_sets_the_policies(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::set_rate_policies(publisher, 50, 60, 500, 172_800);
        let (open_bps, open_secs) = fx::rate_policy(false);
        let (closed_bps, closed_secs) = fx::rate_policy(true);
        assert!(open_bps == 50 && open_secs == 60 && closed_bps == 500 && closed_secs == 172_800, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10013, location = yenpay::fx)] // EINVALID_POLICY
    fun the_closed_policy_is_at_least_as_wide(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::set_rate_policies(publisher, 300, 60, 200, 172_800);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10013, location = yenpay::fx)] // EINVALID_POLICY
    fun no_policy_is_wider_than_the_bound(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::set_rate_policies(publisher, 300, 60, 2_001, 172_800);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::fx)] // ENOT_OPERATOR
    fun only_the_operator_sets_limits(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::set_limits(&h::signer_of(h::stranger()), 1, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::fx)] // ENOT_OPERATOR
    fun only_the_operator_configures_usdc(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::configure_usdc(&h::signer_of(h::stranger()), create_test_usdc(6));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::fx)] // ENOT_OPERATOR
    fun only_the_operator_sets_the_policies(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::set_rate_policies(&h::signer_of(h::stranger()), 50, 60, 500, 172_800);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::fx)] // ENOT_OPERATOR
    fun only_the_operator_takes_usdc_out_of_the_desk(
        framework: &signer, publisher: &signer
    ) acquires TestUsdc {
        setup(framework, publisher);
        fx::withdraw_usdc(&h::signer_of(h::stranger()), h::stranger(), 1);
    }

    // The rate keeper.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_rate_keeper_hands_over_in_two_steps(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::propose_rate_keeper(publisher, h::stranger());
        assert!(fx::pending_rate_keeper() == option::some(h::stranger()), 1);
        fx::accept_rate_keeper(&h::signer_of(h::stranger()));
        assert!(fx::rate_keeper() == h::stranger() && fx::pending_rate_keeper().is_none(), 2);
        assert!(event::was_event_emitted(&fx::rate_keeper_changed_for_test(@deployer, h::stranger())), 3);
        fx::set_reference_rate(&h::signer_of(h::stranger()), REFERENCE, h::now());
        let (rate, observed_at) = fx::reference_rate();
        assert!(rate == REFERENCE && observed_at == h::now(), 4);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::fx)] // ENOT_RATE_KEEPER
    fun only_the_rate_keeper_sets_the_reference(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::set_reference_rate(&h::signer_of(h::stranger()), REFERENCE, h::now());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10017, location = yenpay::fx)] // EINVALID_OBSERVATION_TIME
    fun a_reference_from_the_future_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::set_reference_rate(publisher, REFERENCE, h::now() + 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10017, location = yenpay::fx)] // EINVALID_OBSERVATION_TIME
    fun an_older_reference_never_replaces_a_newer_one(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::set_reference_rate(publisher, REFERENCE, h::now());
        fx::set_reference_rate(publisher, REFERENCE, h::now() - 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10012, location = yenpay::fx)] // EZERO_RATE
    fun a_zero_reference_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::set_reference_rate(publisher, 0, h::now());
    }

    // The roles' proposals.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun proposals_can_be_withdrawn(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::propose_quote_signer(publisher, h::stranger());
        fx::cancel_quote_signer_proposal(publisher);
        fx::propose_rate_keeper(publisher, h::stranger());
        fx::cancel_rate_keeper_proposal(publisher);
        assert!(fx::pending_quote_signer().is_none() && fx::pending_rate_keeper().is_none(), 1);
        assert!(fx::quote_signer() == @deployer && fx::rate_keeper() == @deployer, 2);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30006, location = yenpay::fx)] // ENO_PENDING
    fun withdrawing_no_quote_signer_proposal_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::cancel_quote_signer_proposal(publisher);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30006, location = yenpay::fx)] // ENO_PENDING
    fun withdrawing_no_rate_keeper_proposal_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::cancel_rate_keeper_proposal(publisher);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::fx)] // ENOT_QUOTE_SIGNER
    fun a_stranger_cannot_propose_a_quote_signer(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::propose_quote_signer(&h::signer_of(h::stranger()), h::stranger());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::fx)] // ENOT_QUOTE_SIGNER
    fun a_stranger_cannot_withdraw_a_quote_signer_proposal(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::propose_quote_signer(publisher, h::stranger());
        fx::cancel_quote_signer_proposal(&h::signer_of(h::stranger()));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::fx)] // ENOT_RATE_KEEPER
    fun a_stranger_cannot_propose_a_rate_keeper(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::propose_rate_keeper(&h::signer_of(h::stranger()), h::stranger());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::fx)] // ENOT_RATE_KEEPER
    fun a_stranger_cannot_withdraw_a_rate_keeper_proposal(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::propose_rate_keeper(publisher, h::stranger());
        fx::cancel_rate_keeper_proposal(&h::signer_of(h::stranger()));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50003, location = yenpay::fx)] // ENOT_PENDING_QUOTE_SIGNER
    fun only_the_proposed_account_accepts_the_quote_signer_role(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::propose_quote_signer(publisher, h::stranger());
        fx::accept_quote_signer(&h::signer_of(h::payer()));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::fx)] // ENOT_PENDING_RATE_KEEPER
    fun only_the_proposed_account_accepts_the_rate_keeper_role(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::propose_rate_keeper(publisher, h::stranger());
        fx::accept_rate_keeper(&h::signer_of(h::payer()));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_denylisted_account_cannot_take_a_role(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fx::propose_quote_signer(publisher, h::stranger());
        controls::denylist(publisher, h::stranger());
        fx::accept_quote_signer(&h::signer_of(h::stranger()));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_views_describe_the_desk(framework: &signer, publisher: &signer) acquires TestUsdc {
        setup(framework, publisher);
        let (max_quote, daily) = fx::limits();
        assert!(max_quote == MAX_QUOTE && daily == DAILY, 1);
        assert!(fx::rate_decimals() == 6 && fx::max_quote_ttl_secs() == 60, 2);
        assert!(fx::yen_inventory() == INVENTORY, 3);
        assert!(controls::is_approved_store(
            primary_fungible_store::primary_store_address(fx::desk_address(), stablecoin::metadata())
        ), 4);
    }

    // The known answer shared with Rust.

    #[test(framework = @aptos_framework)]
    fun the_quote_s_signed_bytes_match_the_known_answer(framework: &signer) {
        aptos_framework::chain_id::initialize_for_test(framework, h::chain());
        let quote = authorization::new_fx_quote_for_test(
            h::chain(), KAT_METADATA, KAT_USDC, KAT_MERCHANT, order(), YEN, USDC, RATE, KAT_EXPIRES_AT
        );
        assert!(bcs::to_bytes(&ed25519::new_signed_message(quote)) == KAT_MESSAGE, 1);
        account::create_account_for_test(KAT_SIGNER);
        authorization::verify_fx_quote(
            KAT_METADATA, KAT_USDC, KAT_MERCHANT, order(), YEN, USDC, RATE, KAT_EXPIRES_AT,
            account::get_authentication_key(KAT_SIGNER), KAT_PUBLIC_KEY, KAT_SIGNATURE
        );
    }
}
