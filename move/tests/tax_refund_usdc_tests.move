#[test_only]
/// Consumption-tax refunds paid in USDC at the FX desk's quote (`tax_refund::claim_tax_refund_in_usdc`,
/// `fx::pay_tax_refund_in_usdc`): the books (traveller's USDC, float, desk yen and USDC, the purchase, the events and
/// views), and every refusal by name: a quote for another purchase, traveller, amount, chain or deployment, expired or
/// too long-lived, a replayed claim, a rate under the reference or over the band, a stale reference, a desk short of
/// USDC, the per-quote limit, a quote or an attestation by a key not the role's, a payment's quote offered as a
/// refund's. The quote message's signed bytes are pinned as a known answer, which crates/yenpay-types/src/tax_refund.rs
/// pins too.
///
/// Abort codes are category * 0x10000 + reason (std::error): invalid_argument 0x1, out_of_range 0x2,
/// invalid_state 0x3, permission_denied 0x5.
module yenpay::tax_refund_usdc_tests {
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
    use yenpay::fx;
    use yenpay::merchant_registry;
    use yenpay::stablecoin;
    use yenpay::tax_refund;
    use yenpay::settlement_test_helpers as h;

    /// The purchase: ¥11,000 including ¥1,000 standard-rate tax.
    const AMOUNT: u64 = 11_000;
    const TAX: u64 = 1_000;
    const FLOAT: u64 = 100_000;
    const CODE_TTL: u64 = 300;
    const QUOTE_TTL: u64 = 30;
    /// Reference ¥150 per USDC; the desk's refund quote ¥151.50 (1% above: the desk's spread when it sells USDC).
    const REFERENCE: u64 = 150_000_000;
    const RATE: u64 = 151_500_000;
    /// floor(1000 * 10^12 / 151_500_000) = 6_600_660 (6.600660 USDC).
    const USDC: u64 = 6_600_660;
    /// The desk's USDC at set-up: 50 USDC.
    const DESK_USDC: u64 = 50_000_000;
    const MAX_QUOTE: u64 = 2_500;
    const DAILY: u64 = 5_000;

    // Known answer (testdata/known_answers.md): Ed25519 seed = 32 bytes of 0x07, chain id 4, @yenpay = 0xcafe.
    const KAT_PUBLIC_KEY: vector<u8> = x"ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c";
    const KAT_SIGNER: address = @0xcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad;
    const KAT_METADATA: address = @0x72ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18;
    const KAT_USDC: address = @0xbae207659db88bea0cbead6da0ed00aac12edcdda169e591cd41c94180b46f3b;
    const KAT_MERCHANT: address = @0xb0b;
    const KAT_TRAVELLER: address = @0x70;
    const KAT_EXPIRES_AT: u64 = 2000000000;
    /// BCS of `SignedMessage<TaxRefundQuote>`: "ORDER-0001", traveller 0x70, ¥1,000 as 6.600660 USDC at 151.5.
    const KAT_MESSAGE: vector<u8> = x"000000000000000000000000000000000000000000000000000000000000cafe0d617574686f72697a6174696f6e0e546178526566756e6451756f74650472ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18bae207659db88bea0cbead6da0ed00aac12edcdda169e591cd41c94180b46f3b0000000000000000000000000000000000000000000000000000000000000b0b0a4f524445522d303030310000000000000000000000000000000000000000000000000000000000000070e803000000000000d4b7640000000000e0b40709000000000094357700000000";
    const KAT_SIGNATURE: vector<u8> = x"be3bb0df6161c0393e0a0f0cea1c3f3d97378fb5d1e85784945a9a99286935360732bb50b1f2746e1c8313eaa4e2d7e3d78517e5156c75b34abd3b55ebd94b0e";

    struct TestUsdc has key {
        mint_ref: MintRef,
        metadata: Object<Metadata>,
    }

    struct Keyed has drop {
        sk: ed25519::SecretKey,
        public_key: vector<u8>,
        addr: address,
    }

    /// The roles: the merchant's terminal, the refund agent, the quote signer.
    struct Roles has drop {
        terminal: Keyed,
        agent: Keyed,
        quoter: Keyed,
    }

    fun order(): String { utf8(b"TAXFREE-0001") }
    fun traveller(): address { h::payer() }
    fun usdc_issuer(): address { @0x05dc }

    fun new_keyed(): Keyed {
        let (sk, pk) = ed25519::generate_keys();
        let addr = from_bcs::to_address(ed25519::validated_public_key_to_authentication_key(&pk));
        account::create_account_for_test(addr);
        Keyed { sk, public_key: ed25519::validated_public_key_to_bytes(&pk), addr }
    }

    fun usdc_of(owner: address): u64 acquires TestUsdc {
        primary_fungible_store::balance(owner, TestUsdc[usdc_issuer()].metadata)
    }

    /// The package and merchants, the test USDC configured with `DESK_USDC` at the desk, a keyed terminal, refund
    /// agent and quote signer holding their roles, `FLOAT` yen in the float, the reference at `REFERENCE` now, limits
    /// `MAX_QUOTE` and `DAILY`; then the traveller pays the tax-free code `order()`.
    fun setup(framework: &signer, publisher: &signer): Roles acquires TestUsdc {
        h::setup(framework, publisher);
        let issuer = &h::signer_of(usdc_issuer());
        let constructor_ref = &object::create_named_object(issuer, b"TEST_USDC");
        primary_fungible_store::create_primary_store_enabled_fungible_asset(
            constructor_ref, option::none(), utf8(b"Test USDC"), utf8(b"USDC"), 6, utf8(b""), utf8(b"")
        );
        let metadata = object::object_from_constructor_ref<Metadata>(constructor_ref);
        move_to(issuer, TestUsdc { mint_ref: fungible_asset::generate_mint_ref(constructor_ref), metadata });
        fx::configure_usdc(publisher, metadata.object_address());
        primary_fungible_store::mint(&TestUsdc[usdc_issuer()].mint_ref, fx::desk_address(), DESK_USDC);
        let terminal = new_keyed();
        merchant_registry::add_terminal(&h::signer_of(h::merchant()), terminal.addr);
        let agent = new_keyed();
        tax_refund::propose_refund_agent(publisher, agent.addr);
        tax_refund::accept_refund_agent(&h::signer_of(agent.addr));
        let quoter = new_keyed();
        fx::propose_quote_signer(publisher, quoter.addr);
        fx::accept_quote_signer(&h::signer_of(quoter.addr));
        fx::set_reference_rate(publisher, REFERENCE, h::now());
        fx::set_limits(publisher, MAX_QUOTE, DAILY);
        h::mint(tax_refund::float_address(), FLOAT);
        let expires_at = h::now() + CODE_TTL;
        let offer = authorization::new_tax_free_offer_for_test(
            h::chain(), stablecoin::metadata_address(), h::merchant(), terminal.addr, order(), AMOUNT, expires_at,
            TAX, 0, true
        );
        let signature = ed25519::signature_to_bytes(&ed25519::sign_struct(&terminal.sk, offer));
        tax_refund::pay_tax_free_invoice(
            &h::signer_of(traveller()), h::merchant(), terminal.addr, order(), AMOUNT, expires_at, TAX, 0, true,
            terminal.public_key, signature,
        );
        Roles { terminal, agent, quoter }
    }

    fun attest(a: &Keyed, order_ref: String, traveller: address): vector<u8> {
        let attestation = authorization::new_export_attestation_for_test(
            h::chain(), stablecoin::metadata_address(), h::merchant(), order_ref, traveller
        );
        ed25519::signature_to_bytes(&ed25519::sign_struct(&a.sk, attestation))
    }

    /// `q` signs a refund quote with every field given.
    fun quote_with(
        q: &Keyed, chain: u8, metadata: address, order_ref: String, traveller: address, yen: u64, usdc_amount: u64,
        rate: u64, expires_at: u64
    ): vector<u8> {
        let quote = authorization::new_tax_refund_quote_for_test(
            chain, metadata, fx::usdc().destroy_some(), h::merchant(), order_ref, traveller, yen, usdc_amount, rate,
            expires_at
        );
        ed25519::signature_to_bytes(&ed25519::sign_struct(&q.sk, quote))
    }

    fun quote(q: &Keyed, yen: u64, usdc_amount: u64, rate: u64, expires_at: u64): vector<u8> {
        quote_with(
            q, h::chain(), stablecoin::metadata_address(), order(), traveller(), yen, usdc_amount, rate, expires_at
        )
    }

    /// The traveller claims `order()` in USDC with the agent's attestation and the quote as submitted.
    fun claim_as(
        r: &Roles, quote_key: vector<u8>, usdc_amount: u64, rate: u64, expires_at: u64, signature: vector<u8>
    ) {
        tax_refund::claim_tax_refund_in_usdc(
            &h::signer_of(traveller()), h::merchant(), order(), traveller(), r.agent.public_key,
            attest(&r.agent, order(), traveller()), usdc_amount, rate, expires_at, quote_key, signature,
        );
    }

    /// A quote of the refund at `rate`, signed by the quote signer and claimed as signed.
    fun claim_at(r: &Roles, rate: u64) {
        let usdc_amount = fx::usdc_for_refund(TAX, rate);
        let expires_at = h::now() + QUOTE_TTL;
        let signature = quote(&r.quoter, TAX, usdc_amount, rate, expires_at);
        claim_as(r, r.quoter.public_key, usdc_amount, rate, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_traveller_gets_the_tax_back_in_usdc_at_a_quote(framework: &signer, publisher: &signer) acquires TestUsdc {
        let r = setup(framework, publisher);
        let (desk_yen, supply) = (fx::yen_inventory(), h::supply());
        assert!(tax_refund::refundable_tax(h::merchant(), order()) == TAX, 1);
        assert!(!tax_refund::is_refunded(h::merchant(), order()), 2);
        assert!(tax_refund::claim_deadline_of(h::merchant(), order()) == h::now() + 7_776_000, 3);
        assert!(tax_refund::float_balance() == FLOAT, 4);
        assert!(fx::usdc_for_refund(TAX, RATE) == USDC, 5);
        claim_at(&r, RATE);
        assert!(usdc_of(traveller()) == USDC, 6);
        assert!(fx::usdc_balance() == DESK_USDC - USDC && usdc_of(fx::desk_address()) == DESK_USDC - USDC, 7);
        assert!(tax_refund::float_balance() == FLOAT - TAX && fx::yen_inventory() == desk_yen + TAX, 8);
        assert!(h::balance(traveller()) == h::payer_funds() - AMOUNT && h::supply() == supply, 9);
        let purchase = tax_refund::purchase(h::merchant(), order());
        assert!(purchase.tax_refunded() == TAX && purchase.refunded_at() == h::now(), 10);
        assert!(tax_refund::is_refunded(h::merchant(), order()), 11);
        assert!(tax_refund::refundable_tax(h::merchant(), order()) == 0, 12);
        assert!(
            event::was_event_emitted(
                &tax_refund::tax_refunded_for_test(h::merchant(), order(), traveller(), TAX, TAX, 0)
            ),
            13
        );
        assert!(
            event::was_event_emitted(
                &fx::tax_refund_paid_in_usdc_for_test(h::merchant(), order(), traveller(), TAX, USDC, RATE, REFERENCE)
            ),
            14
        );
        let (_, volume) = fx::daily_volume();
        assert!(volume == TAX, 15);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_refund_at_the_reference_or_the_band_s_top_is_paid(framework: &signer, publisher: &signer) acquires TestUsdc {
        let r = setup(framework, publisher);
        // 1.5% over ¥150: ¥152.25.
        claim_at(&r, 152_250_000);
        assert!(usdc_of(traveller()) == fx::usdc_for_refund(TAX, 152_250_000), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30007, location = yenpay::tax_refund)] // EALREADY_REFUNDED
    fun a_refund_in_usdc_is_claimed_once(framework: &signer, publisher: &signer) acquires TestUsdc {
        let r = setup(framework, publisher);
        let expires_at = h::now() + QUOTE_TTL;
        let signature = quote(&r.quoter, TAX, USDC, RATE, expires_at);
        claim_as(&r, r.quoter.public_key, USDC, RATE, expires_at, signature);
        claim_as(&r, r.quoter.public_key, USDC, RATE, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30007, location = yenpay::tax_refund)] // EALREADY_REFUNDED
    fun a_refund_paid_in_yen_is_not_paid_again_in_usdc(framework: &signer, publisher: &signer) acquires TestUsdc {
        let r = setup(framework, publisher);
        tax_refund::claim_tax_refunds(
            &h::signer_of(traveller()), vector[h::merchant()], vector[order()], vector[traveller()],
            r.agent.public_key, vector[attest(&r.agent, order(), traveller())]
        );
        claim_at(&r, RATE);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_quote_for_another_purchase_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let r = setup(framework, publisher);
        let expires_at = h::now() + QUOTE_TTL;
        let signature = quote_with(
            &r.quoter, h::chain(), stablecoin::metadata_address(), utf8(b"TAXFREE-0002"), traveller(), TAX, USDC,
            RATE, expires_at
        );
        claim_as(&r, r.quoter.public_key, USDC, RATE, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_quote_for_another_traveller_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let r = setup(framework, publisher);
        let expires_at = h::now() + QUOTE_TTL;
        let signature = quote_with(
            &r.quoter, h::chain(), stablecoin::metadata_address(), order(), h::stranger(), TAX, USDC, RATE,
            expires_at
        );
        claim_as(&r, r.quoter.public_key, USDC, RATE, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10019, location = yenpay::fx)] // EREFUND_RATE_MISMATCH
    fun a_quote_for_another_amount_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let r = setup(framework, publisher);
        // Quoted for ¥900 of tax; the claim refunds ¥1,000.
        let usdc_amount = fx::usdc_for_refund(900, RATE);
        let expires_at = h::now() + QUOTE_TTL;
        let signature = quote(&r.quoter, 900, usdc_amount, RATE, expires_at);
        claim_as(&r, r.quoter.public_key, usdc_amount, RATE, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10019, location = yenpay::fx)] // EREFUND_RATE_MISMATCH
    fun more_usdc_than_the_rate_gives_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let r = setup(framework, publisher);
        let expires_at = h::now() + QUOTE_TTL;
        let signature = quote(&r.quoter, TAX, USDC + 1, RATE, expires_at);
        claim_as(&r, r.quoter.public_key, USDC + 1, RATE, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_quote_for_another_chain_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let r = setup(framework, publisher);
        let expires_at = h::now() + QUOTE_TTL;
        let signature = quote_with(
            &r.quoter, 1, stablecoin::metadata_address(), order(), traveller(), TAX, USDC, RATE, expires_at
        );
        claim_as(&r, r.quoter.public_key, USDC, RATE, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_quote_for_another_deployment_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let r = setup(framework, publisher);
        let expires_at = h::now() + QUOTE_TTL;
        let signature = quote_with(&r.quoter, h::chain(), @0xd0, order(), traveller(), TAX, USDC, RATE, expires_at);
        claim_as(&r, r.quoter.public_key, USDC, RATE, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_payment_s_quote_does_not_pay_a_refund(framework: &signer, publisher: &signer) acquires TestUsdc {
        let r = setup(framework, publisher);
        let expires_at = h::now() + QUOTE_TTL;
        let payment_quote = authorization::new_fx_quote_for_test(
            h::chain(), stablecoin::metadata_address(), fx::usdc().destroy_some(), h::merchant(), order(), TAX, USDC,
            RATE, expires_at
        );
        let signature = ed25519::signature_to_bytes(&ed25519::sign_struct(&r.quoter.sk, payment_quote));
        claim_as(&r, r.quoter.public_key, USDC, RATE, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000A, location = yenpay::fx)] // EQUOTE_EXPIRED
    fun an_expired_refund_quote_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let r = setup(framework, publisher);
        let expires_at = h::now() + QUOTE_TTL;
        let signature = quote(&r.quoter, TAX, USDC, RATE, expires_at);
        timestamp::fast_forward_seconds(QUOTE_TTL);
        claim_as(&r, r.quoter.public_key, USDC, RATE, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000B, location = yenpay::fx)] // EQUOTE_TTL_TOO_LONG
    fun a_refund_quote_living_longer_than_60_seconds_is_refused(
        framework: &signer, publisher: &signer
    ) acquires TestUsdc {
        let r = setup(framework, publisher);
        let expires_at = h::now() + 61;
        let signature = quote(&r.quoter, TAX, USDC, RATE, expires_at);
        claim_as(&r, r.quoter.public_key, USDC, RATE, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x2000F, location = yenpay::fx)] // ERATE_OUT_OF_BAND
    fun a_refund_rate_under_the_reference_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let r = setup(framework, publisher);
        // ¥149.99: within the payments' band, but it would give the traveller more USDC than the reference does.
        claim_at(&r, 149_990_000);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x2000F, location = yenpay::fx)] // ERATE_OUT_OF_BAND
    fun a_refund_rate_over_the_band_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let r = setup(framework, publisher);
        claim_at(&r, 152_250_001);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30010, location = yenpay::fx)] // EREFERENCE_STALE
    fun a_refund_on_a_stale_reference_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let r = setup(framework, publisher);
        // Tuesday: the open policy's five minutes.
        timestamp::fast_forward_seconds(301);
        claim_at(&r, RATE);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30016, location = yenpay::fx)] // EINSUFFICIENT_INVENTORY
    fun a_desk_short_of_usdc_refuses(framework: &signer, publisher: &signer) acquires TestUsdc {
        let r = setup(framework, publisher);
        fx::withdraw_usdc(publisher, h::stranger(), DESK_USDC - USDC + 1);
        claim_at(&r, RATE);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x2000D, location = yenpay::fx)] // EOVER_QUOTE_LIMIT
    fun a_refund_over_the_per_quote_limit_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let r = setup(framework, publisher);
        fx::set_limits(publisher, TAX - 1, DAILY);
        claim_at(&r, RATE);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001D, location = yenpay::authorization)] // EPUBLIC_KEY_MISMATCH
    fun a_refund_quote_by_another_key_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let r = setup(framework, publisher);
        let forger = new_keyed();
        let expires_at = h::now() + QUOTE_TTL;
        let signature = quote(&forger, TAX, USDC, RATE, expires_at);
        claim_as(&r, forger.public_key, USDC, RATE, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001D, location = yenpay::authorization)] // EPUBLIC_KEY_MISMATCH
    fun an_attestation_by_another_key_is_refused(framework: &signer, publisher: &signer) acquires TestUsdc {
        let r = setup(framework, publisher);
        let forger = new_keyed();
        let expires_at = h::now() + QUOTE_TTL;
        let signature = quote(&r.quoter, TAX, USDC, RATE, expires_at);
        tax_refund::claim_tax_refund_in_usdc(
            &h::signer_of(traveller()), h::merchant(), order(), traveller(), forger.public_key,
            attest(&forger, order(), traveller()), USDC, RATE, expires_at, r.quoter.public_key, signature,
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::tax_refund)] // ENOT_PAYER
    fun a_refund_in_usdc_goes_to_the_payer_only(framework: &signer, publisher: &signer) acquires TestUsdc {
        let r = setup(framework, publisher);
        let expires_at = h::now() + QUOTE_TTL;
        let signature = quote_with(
            &r.quoter, h::chain(), stablecoin::metadata_address(), order(), h::stranger(), TAX, USDC, RATE,
            expires_at
        );
        tax_refund::claim_tax_refund_in_usdc(
            &h::signer_of(h::stranger()), h::merchant(), order(), h::stranger(), r.agent.public_key,
            attest(&r.agent, order(), h::stranger()), USDC, RATE, expires_at, r.quoter.public_key, signature,
        );
    }

    #[test(framework = @aptos_framework)]
    fun the_refund_quote_s_signed_bytes_match_the_known_answer(framework: &signer) {
        aptos_framework::chain_id::initialize_for_test(framework, h::chain());
        let quote = authorization::new_tax_refund_quote_for_test(
            h::chain(), KAT_METADATA, KAT_USDC, KAT_MERCHANT, utf8(b"ORDER-0001"), KAT_TRAVELLER, TAX, USDC, RATE,
            KAT_EXPIRES_AT
        );
        assert!(bcs::to_bytes(&ed25519::new_signed_message(quote)) == KAT_MESSAGE, 1);
        account::create_account_for_test(KAT_SIGNER);
        authorization::verify_tax_refund_quote(
            KAT_METADATA, KAT_USDC, KAT_MERCHANT, utf8(b"ORDER-0001"), KAT_TRAVELLER, TAX, USDC, RATE,
            KAT_EXPIRES_AT, account::get_authentication_key(KAT_SIGNER), KAT_PUBLIC_KEY, KAT_SIGNATURE
        );
    }
}
