#[test_only]
/// Consumption-tax refunds at departure (`tax_refund`): a tourist pays a terminal-signed tax-free code, the refund
/// agent attests the export, and the tax goes back to the wallet that paid. The happy path's books (traveller, float,
/// merchant, treasury, invoice), the batch, every refusal by name (double claim, after 90 days, another wallet, after
/// a full merchant refund, not eligible, forged breakdown, a breakdown the rates cannot carry, attestations for another
/// chain, deployment or purchase or by another key, paused, denylisted), the proportional reduction and its floor at
/// the boundaries, the rule for a merchant refund after a tax refund, the roles, the float and the purge. The signed
/// bytes of both messages are pinned as known answers, which crates/yenpay-types/src/tax_refund.rs pins too.
///
/// Abort codes are category * 0x10000 + reason (std::error): invalid_argument 0x1, invalid_state 0x3,
/// permission_denied 0x5, not_found 0x6, already_exists 0x8.
module yenpay::tax_refund_tests {
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
    use yenpay::tax_refund;
    use yenpay::settlement_test_helpers as h;

    /// The purchase: ¥11,000 including ¥1,000 standard-rate tax, at the merchant's 3% fee (¥330).
    const AMOUNT: u64 = 11_000;
    const TAX: u64 = 1_000;
    const FEE: u64 = 330;
    /// What the agent puts in the float at set-up.
    const FLOAT: u64 = 100_000;
    const CODE_TTL: u64 = 300;
    /// 90 days.
    const CLAIM_WINDOW: u64 = 7_776_000;

    // Known answers (testdata/known_answers.md): chain id 4, @yenpay = 0xcafe, metadata and merchant as in the other
    // messages' known answers.
    const KAT_PUBLIC_KEY: vector<u8> = x"ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c";
    const KAT_OFFER_SIGNATURE: vector<u8> = x"d503f698d0bbc98b8810d2e919b79d2149342e0c750192f7dfdf63b063db6c67de5931092a491432c26d89b0858b869e5d52e59f0bdfdaf09db46eeae255d502";
    const KAT_ATTESTATION_SIGNATURE: vector<u8> = x"c47601ee5aa41766af2779c1cf2ce48f3768cf0e746338f64fd299c557214080c647efa36adaa823b71907b2eaceb796f2db51bae41279fe5c8ee0f720218e00";
    const KAT_METADATA: address = @0x72ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18;
    const KAT_MERCHANT: address = @0xb0b;
    const KAT_TERMINAL: address = @0x7e4;
    const KAT_TRAVELLER: address = @0x70;
    /// BCS of `SignedMessage<TaxFreeOffer>`: "ORDER-0001", ¥11,000, expiry 2000000000, ¥1,000 standard, ¥0 reduced,
    /// tax-free.
    const KAT_OFFER: vector<u8> = x"000000000000000000000000000000000000000000000000000000000000cafe0d617574686f72697a6174696f6e0c546178467265654f666665720472ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a180000000000000000000000000000000000000000000000000000000000000b0b00000000000000000000000000000000000000000000000000000000000007e40a4f524445522d30303031f82a0000000000000094357700000000e803000000000000000000000000000001";
    /// BCS of `SignedMessage<ExportAttestation>`: the same purchase, traveller 0x70.
    const KAT_ATTESTATION: vector<u8> = x"000000000000000000000000000000000000000000000000000000000000cafe0d617574686f72697a6174696f6e114578706f72744174746573746174696f6e0472ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a180000000000000000000000000000000000000000000000000000000000000b0b0a4f524445522d303030310000000000000000000000000000000000000000000000000000000000000070";

    /// An account with an Ed25519 key, whose address is its authentication key.
    struct Keyed has drop {
        sk: ed25519::SecretKey,
        public_key: vector<u8>,
        addr: address,
    }

    /// A tax breakdown as signed or as submitted.
    struct Breakdown has copy, drop {
        standard: u64,
        reduced: u64,
        tax_free: bool,
    }

    fun b(standard: u64, reduced: u64, tax_free: bool): Breakdown { Breakdown { standard, reduced, tax_free } }

    fun order(): String { utf8(b"TAXFREE-0001") }
    fun traveller(): address { h::payer() }

    fun new_keyed(): Keyed {
        let (sk, pk) = ed25519::generate_keys();
        let addr = from_bcs::to_address(ed25519::validated_public_key_to_authentication_key(&pk));
        account::create_account_for_test(addr);
        Keyed { sk, public_key: ed25519::validated_public_key_to_bytes(&pk), addr }
    }

    /// The package, the merchants, a keyed terminal of `h::merchant()`, a keyed refund agent holding the role and
    /// `FLOAT` yen in the float. Returns the terminal and the agent.
    fun setup(framework: &signer, publisher: &signer): (Keyed, Keyed) {
        h::setup(framework, publisher);
        let terminal = new_keyed();
        merchant_registry::add_terminal(&h::signer_of(h::merchant()), terminal.addr);
        let agent = new_keyed();
        tax_refund::propose_refund_agent(publisher, agent.addr);
        tax_refund::accept_refund_agent(&h::signer_of(agent.addr));
        h::mint(tax_refund::float_address(), FLOAT);
        (terminal, agent)
    }

    fun sign_offer_with(
        t: &Keyed, chain: u8, order_ref: String, amount: u64, expires_at: u64, standard: u64, reduced: u64,
        tax_free: bool
    ): vector<u8> {
        let offer = authorization::new_tax_free_offer_for_test(
            chain, stablecoin::metadata_address(), h::merchant(), t.addr, order_ref, amount, expires_at, standard,
            reduced, tax_free
        );
        ed25519::signature_to_bytes(&ed25519::sign_struct(&t.sk, offer))
    }

    /// The traveller pays a tax-free code of `amount` with the breakdown as signed and as submitted.
    fun pay_as(
        t: &Keyed, order_ref: String, amount: u64, signed: Breakdown, submitted: Breakdown
    ) {
        let expires_at = h::now() + CODE_TTL;
        let signature = sign_offer_with(
            t, h::chain(), order_ref, amount, expires_at, signed.standard, signed.reduced, signed.tax_free
        );
        tax_refund::pay_tax_free_invoice(
            &h::signer_of(traveller()), h::merchant(), t.addr, order_ref, amount, expires_at, submitted.standard,
            submitted.reduced, submitted.tax_free, t.public_key, signature,
        );
    }

    fun pay(t: &Keyed, order_ref: String) {
        pay_as(t, order_ref, AMOUNT, b(TAX, 0, true), b(TAX, 0, true));
    }

    fun attest_with(a: &Keyed, chain: u8, metadata: address, order_ref: String, traveller: address): vector<u8> {
        let attestation = authorization::new_export_attestation_for_test(
            chain, metadata, h::merchant(), order_ref, traveller
        );
        ed25519::signature_to_bytes(&ed25519::sign_struct(&a.sk, attestation))
    }

    fun attest(a: &Keyed, order_ref: String, traveller: address): vector<u8> {
        attest_with(a, h::chain(), stablecoin::metadata_address(), order_ref, traveller)
    }

    fun float(): u64 { h::balance(tax_refund::float_address()) }

    /// A batch of one claim, as a traveller submits it.
    fun claim_with(
        submitter: &signer, merchant: address, order_ref: String, traveller: address, public_key: vector<u8>,
        signature: vector<u8>
    ) {
        tax_refund::claim_tax_refunds(
            submitter, vector[merchant], vector[order_ref], vector[traveller], public_key, vector[signature]
        );
    }

    /// The traveller submits the agent's attestation for `order_ref`.
    fun claim(a: &Keyed, order_ref: String) {
        let signature = attest(a, order_ref, traveller());
        claim_with(
            &h::signer_of(traveller()), h::merchant(), order_ref, traveller(), a.public_key, signature
        );
    }

    // The purchase and the refund.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_tourist_pays_a_tax_free_code_and_gets_the_tax_back_at_departure(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        let supply = h::supply();
        pay(&t, order());
        assert!(h::balance(traveller()) == h::payer_funds() - AMOUNT, 1);
        assert!(h::balance(h::payout()) == AMOUNT - FEE && h::treasury() == FEE, 2);
        let purchase = tax_refund::purchase(h::merchant(), order());
        assert!(purchase.payer() == traveller() && purchase.paid_at() == h::now() && purchase.amount() == AMOUNT, 3);
        assert!(purchase.standard_tax() == TAX && purchase.reduced_tax() == 0 && purchase.is_tax_free(), 4);
        assert!(purchase.tax_refunded() == 0 && purchase.refunded_at() == 0, 5);
        assert!(invoice::invoice_status(h::merchant(), order()).is_paid(), 6);
        assert!(
            event::was_event_emitted(
                &tax_refund::tax_free_purchase_recorded_for_test(
                    h::merchant(), order(), traveller(), AMOUNT, TAX, 0, true
                )
            ),
            7
        );
        // Departure, 89 days later.
        timestamp::fast_forward_seconds(89 * 86_400);
        claim(&a, order());
        assert!(h::balance(traveller()) == h::payer_funds() - AMOUNT + TAX, 9);
        assert!(float() == FLOAT - TAX, 10);
        assert!(h::balance(h::payout()) == AMOUNT - FEE && h::treasury() == FEE, 11);
        let purchase = tax_refund::purchase(h::merchant(), order());
        assert!(purchase.tax_refunded() == TAX && purchase.refunded_at() == h::now(), 12);
        assert!(invoice::invoice(h::merchant(), order()).refunded() == TAX, 14);
        assert!(
            event::was_event_emitted(
                &tax_refund::tax_refunded_for_test(h::merchant(), order(), traveller(), TAX, TAX, 0)
            ),
            15
        );
        assert!(h::supply() == supply, 16);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_agent_pays_many_refunds_in_one_transaction(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        let refs = vector[utf8(b"A"), utf8(b"B"), utf8(b"C")];
        refs.for_each_ref(|r| pay(&t, *r));
        let signatures = refs.map_ref(|r| attest(&a, *r, traveller()));
        tax_refund::claim_tax_refunds(
            &h::signer_of(a.addr), vector[h::merchant(), h::merchant(), h::merchant()], refs,
            vector[traveller(), traveller(), traveller()], a.public_key, signatures,
        );
        assert!(h::balance(traveller()) == h::payer_funds() - 3 * AMOUNT + 3 * TAX, 1);
        assert!(float() == FLOAT - 3 * TAX, 2);
        refs.for_each(|r| assert!(tax_refund::purchase(h::merchant(), r).tax_refunded() == TAX, 3));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10010, location = yenpay::tax_refund)] // EBATCH_LENGTH_MISMATCH
    fun a_batch_of_uneven_vectors_is_refused(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        pay(&t, order());
        tax_refund::claim_tax_refunds(
            &h::signer_of(a.addr), vector[h::merchant()], vector[order()], vector[traveller(), traveller()],
            a.public_key, vector[attest(&a, order(), traveller())],
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun reduced_rate_tax_is_refunded_with_the_standard(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        // ¥11,000 of goods at 10% (¥1,000 tax) and ¥5,400 of food at 8% (¥400 tax).
        pay_as(&t, order(), 16_400, b(1_000, 400, true), b(1_000, 400, true));
        claim(&a, order());
        assert!(h::balance(traveller()) == h::payer_funds() - 16_400 + 1_400, 1);
    }

    // Refusals.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30007, location = yenpay::tax_refund)] // EALREADY_REFUNDED
    fun a_second_claim_is_refused(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        pay(&t, order());
        claim(&a, order());
        claim(&a, order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30007, location = yenpay::tax_refund)] // EALREADY_REFUNDED
    fun a_purchase_twice_in_one_batch_is_refused(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        pay(&t, order());
        let signature = attest(&a, order(), traveller());
        tax_refund::claim_tax_refunds(
            &h::signer_of(a.addr), vector[h::merchant(), h::merchant()], vector[order(), order()],
            vector[traveller(), traveller()], a.public_key, vector[signature, signature],
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_claim_in_the_last_second_of_the_window_is_paid(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        pay(&t, order());
        timestamp::fast_forward_seconds(CLAIM_WINDOW - 1);
        claim(&a, order());
        assert!(tax_refund::purchase(h::merchant(), order()).tax_refunded() == TAX, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::tax_refund)] // ECLAIM_WINDOW_CLOSED
    fun a_claim_after_90_days_is_refused(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        pay(&t, order());
        timestamp::fast_forward_seconds(CLAIM_WINDOW);
        claim(&a, order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::tax_refund)] // ENOT_PAYER
    fun a_claim_for_another_wallet_is_refused(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        pay(&t, order());
        // The agent attests for the stranger's wallet, which did not pay.
        let signature = attest(&a, order(), h::stranger());
        claim_with(
            &h::signer_of(h::stranger()), h::merchant(), order(), h::stranger(), a.public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun an_attestation_for_another_wallet_does_not_pay_the_payer(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        pay(&t, order());
        // The agent attested the stranger's export; submitted naming the payer, the signature does not match.
        let signature = attest(&a, order(), h::stranger());
        claim_with(
            &h::signer_of(h::stranger()), h::merchant(), order(), traveller(), a.public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000A, location = yenpay::tax_refund)] // EFULLY_REFUNDED_BY_MERCHANT
    fun a_claim_after_a_full_merchant_refund_is_refused(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        pay(&t, order());
        h::mint(h::payout(), FEE);
        invoice::refund(&h::signer_of(h::payout()), h::merchant(), order(), AMOUNT);
        claim(&a, order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30006, location = yenpay::tax_refund)] // ENOT_TAX_FREE
    fun a_claim_for_a_purchase_not_eligible_is_refused(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        pay_as(&t, order(), AMOUNT, b(TAX, 0, false), b(TAX, 0, false));
        claim(&a, order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60004, location = yenpay::tax_refund)] // EPURCHASE_NOT_FOUND
    fun a_claim_for_a_plain_code_is_refused(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        let expires_at = h::now() + CODE_TTL;
        let offer = authorization::new_invoice_offer_for_test(
            h::chain(), stablecoin::metadata_address(), h::merchant(), t.addr, order(), AMOUNT, expires_at
        );
        let signature = ed25519::signature_to_bytes(&ed25519::sign_struct(&t.sk, offer));
        invoice::pay_signed_invoice(
            &h::signer_of(traveller()), h::merchant(), t.addr, order(), AMOUNT, expires_at, t.public_key, signature
        );
        claim(&a, order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_forged_larger_breakdown_is_refused(framework: &signer, publisher: &signer) {
        let (t, _) = setup(framework, publisher);
        // Within the rates, so only the signature refuses it.
        pay_as(&t, order(), 16_400, b(TAX, 0, true), b(TAX, 400, true));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_purchase_made_eligible_by_the_payer_is_refused(framework: &signer, publisher: &signer) {
        let (t, _) = setup(framework, publisher);
        pay_as(&t, order(), AMOUNT, b(TAX, 0, false), b(TAX, 0, true));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_plain_code_s_signature_does_not_pay_as_tax_free(framework: &signer, publisher: &signer) {
        let (t, _) = setup(framework, publisher);
        let expires_at = h::now() + CODE_TTL;
        let offer = authorization::new_invoice_offer_for_test(
            h::chain(), stablecoin::metadata_address(), h::merchant(), t.addr, order(), AMOUNT, expires_at
        );
        let signature = ed25519::signature_to_bytes(&ed25519::sign_struct(&t.sk, offer));
        tax_refund::pay_tax_free_invoice(
            &h::signer_of(traveller()), h::merchant(), t.addr, order(), AMOUNT, expires_at, 0, 0, false,
            t.public_key, signature,
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_tax_free_signature_does_not_pay_as_a_plain_code(framework: &signer, publisher: &signer) {
        let (t, _) = setup(framework, publisher);
        let expires_at = h::now() + CODE_TTL;
        let signature = sign_offer_with(&t, h::chain(), order(), AMOUNT, expires_at, TAX, 0, true);
        invoice::pay_signed_invoice(
            &h::signer_of(traveller()), h::merchant(), t.addr, order(), AMOUNT, expires_at, t.public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_tax_free_code_for_another_chain_is_refused(framework: &signer, publisher: &signer) {
        let (t, _) = setup(framework, publisher);
        let expires_at = h::now() + CODE_TTL;
        let signature = sign_offer_with(&t, 1, order(), AMOUNT, expires_at, TAX, 0, true);
        tax_refund::pay_tax_free_invoice(
            &h::signer_of(traveller()), h::merchant(), t.addr, order(), AMOUNT, expires_at, TAX, 0, true,
            t.public_key, signature,
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_breakdown_at_the_rates_limits_is_accepted(framework: &signer, publisher: &signer) {
        let (t, _) = setup(framework, publisher);
        // 10% of ¥11,000 including tax is ¥1,000; 8% of ¥10,800 is ¥800.
        pay_as(&t, utf8(b"S"), 11_000, b(1_000, 0, true), b(1_000, 0, true));
        pay_as(&t, utf8(b"R"), 10_800, b(0, 800, true), b(0, 800, true));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000C, location = yenpay::tax_refund)] // ETAX_EXCEEDS_RATES
    fun a_standard_tax_above_a_tenth_of_the_price_is_refused(framework: &signer, publisher: &signer) {
        let (t, _) = setup(framework, publisher);
        pay_as(&t, order(), 11_000, b(1_001, 0, true), b(1_001, 0, true));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000C, location = yenpay::tax_refund)] // ETAX_EXCEEDS_RATES
    fun a_reduced_tax_above_the_8_percent_share_is_refused(framework: &signer, publisher: &signer) {
        let (t, _) = setup(framework, publisher);
        pay_as(&t, order(), 10_800, b(0, 801, true), b(0, 801, true));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000D, location = yenpay::tax_refund)] // EREFUND_WINDOW_TOO_SHORT
    fun no_tax_free_code_while_the_refund_window_is_shorter_than_90_days(framework: &signer, publisher: &signer) {
        let (t, _) = setup(framework, publisher);
        invoice::set_refund_window(publisher, CLAIM_WINDOW - 1);
        pay(&t, order());
    }

    // The attestation's bindings.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun an_attestation_for_another_chain_is_refused(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        pay(&t, order());
        let signature = attest_with(&a, 1, stablecoin::metadata_address(), order(), traveller());
        claim_with(
            &h::signer_of(traveller()), h::merchant(), order(), traveller(), a.public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun an_attestation_for_another_deployment_is_refused(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        pay(&t, order());
        let signature = attest_with(&a, h::chain(), @0x1234, order(), traveller());
        claim_with(
            &h::signer_of(traveller()), h::merchant(), order(), traveller(), a.public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun an_attestation_for_another_purchase_is_refused(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        pay(&t, utf8(b"A"));
        pay(&t, utf8(b"B"));
        let signature = attest(&a, utf8(b"B"), traveller());
        claim_with(
            &h::signer_of(traveller()), h::merchant(), utf8(b"A"), traveller(), a.public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001D, location = yenpay::authorization)] // EPUBLIC_KEY_MISMATCH
    fun an_attestation_signed_by_anyone_but_the_agent_is_refused(framework: &signer, publisher: &signer) {
        let (t, _) = setup(framework, publisher);
        pay(&t, order());
        // The terminal (or the traveller's own key) signing an attestation is not the agent.
        let signature = attest(&t, order(), traveller());
        claim_with(
            &h::signer_of(traveller()), h::merchant(), order(), traveller(), t.public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001D, location = yenpay::authorization)] // EPUBLIC_KEY_MISMATCH
    fun the_previous_agent_s_attestation_is_refused_after_rotation(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        pay(&t, order());
        let signature = attest(&a, order(), traveller());
        let successor = new_keyed();
        tax_refund::propose_refund_agent(publisher, successor.addr);
        tax_refund::accept_refund_agent(&h::signer_of(successor.addr));
        assert!(
            event::was_event_emitted(&tax_refund::refund_agent_changed_for_test(a.addr, successor.addr)), 0
        );
        claim_with(
            &h::signer_of(traveller()), h::merchant(), order(), traveller(), a.public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::controls)] // controls EPAUSED
    fun no_refund_while_paused(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        pay(&t, order());
        controls::pause(publisher);
        claim(&a, order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun no_refund_to_a_denylisted_traveller(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        pay(&t, order());
        controls::denylist(publisher, traveller());
        claim(&a, order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30013, location = yenpay::tax_refund)] // EINSUFFICIENT_FLOAT
    fun a_refund_the_float_cannot_cover_is_refused(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        pay(&t, order());
        tax_refund::withdraw_float(&h::signer_of(a.addr), a.addr, FLOAT - TAX + 1);
        claim(&a, order());
    }

    // Merchant refunds before and after.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_half_refunded_purchase_gets_half_the_tax_and_the_merchant_then_owes_the_rest(
        framework: &signer, publisher: &signer
    ) {
        let (t, a) = setup(framework, publisher);
        pay(&t, order());
        let payout = &h::signer_of(h::payout());
        invoice::refund(payout, h::merchant(), order(), 5_500);
        claim(&a, order());
        assert!(
            event::was_event_emitted(
                &tax_refund::tax_refunded_for_test(h::merchant(), order(), traveller(), 500, TAX, 5_500)
            ),
            2
        );
        // Paid 11,000; back 5,500 from the merchant and 500 tax: the merchant may return 5,000 more, no further.
        invoice::refund(payout, h::merchant(), order(), 5_000);
        assert!(h::balance(traveller()) == h::payer_funds(), 3);
        assert!(invoice::invoice(h::merchant(), order()).refunded() == AMOUNT, 4);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000C, location = yenpay::invoice)] // EREFUND_EXCEEDS_PAID
    fun after_the_tax_refund_the_merchant_cannot_refund_the_tax_again(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        pay(&t, order());
        claim(&a, order());
        invoice::refund(&h::signer_of(h::payout()), h::merchant(), order(), AMOUNT - TAX + 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun after_the_tax_refund_the_merchant_returns_the_rest_with_its_own_fee_share(
        framework: &signer, publisher: &signer
    ) {
        let (t, a) = setup(framework, publisher);
        pay(&t, order());
        claim(&a, order());
        // The fee on the tax part (floor(330 * 1000 / 11000) = 30) counts as returned: the treasury keeps it.
        let record = invoice::invoice(h::merchant(), order());
        assert!(record.refunded() == TAX && record.fee_refunded() == 30, 1);
        let payout_before = h::balance(h::payout());
        invoice::refund(&h::signer_of(h::payout()), h::merchant(), order(), AMOUNT - TAX);
        assert!(h::balance(traveller()) == h::payer_funds(), 2);
        assert!(h::treasury() == 30, 3);
        assert!(h::balance(h::payout()) == payout_before - (AMOUNT - TAX - 300), 4);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun after_the_tax_refund_a_small_merchant_refund_returns_no_more_than_asked(
        framework: &signer, publisher: &signer
    ) {
        let (t, a) = setup(framework, publisher);
        pay(&t, order());
        claim(&a, order());
        let before = h::balance(traveller());
        invoice::refund(&h::signer_of(h::payout()), h::merchant(), order(), 1);
        assert!(h::balance(traveller()) == before + 1, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000A, location = yenpay::tax_refund)] // EFULLY_REFUNDED_BY_MERCHANT
    fun a_refund_that_floors_to_zero_is_refused(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        pay(&t, order());
        // floor(1000 * 10 / 11000) = 0.
        invoice::refund(&h::signer_of(h::payout()), h::merchant(), order(), AMOUNT - 10);
        claim(&a, order());
    }

    #[test]
    fun the_proportional_refund_floors_at_the_boundaries() {
        let max = 18_446_744_073_709_551_615;
        assert!(invoice::proportional_for_test(1_000, 11_000, 0) == 1_000, 1);
        assert!(invoice::proportional_for_test(1_000, 11_000, 5_500) == 500, 2);
        assert!(invoice::proportional_for_test(1_000, 11_000, 1) == 999, 3); // 1000 * 10999 / 11000 = 999.909...
        assert!(invoice::proportional_for_test(1_000, 11_000, 10_989) == 1, 4); // 1000 * 11 / 11000 = 1
        assert!(invoice::proportional_for_test(1_000, 11_000, 10_990) == 0, 5); // 1000 * 10 / 11000 = 0.909...
        assert!(invoice::proportional_for_test(1_000, 11_000, 11_000) == 0, 6);
        assert!(invoice::proportional_for_test(1_000, 11_000, 12_000) == 0, 7);
        // The product needs u128: max * max does not fit in u64.
        assert!(invoice::proportional_for_test(max, max, 0) == max, 8);
        assert!(invoice::proportional_for_test(max, max, 1) == max - 1, 9);
        assert!(invoice::proportional_for_test(max / 11, max, max / 2) == max / 22, 10);
        assert!(invoice::proportional_for_test(0, max, 0) == 0, 11);
    }

    // Roles and the float.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::tax_refund)] // ENOT_REFUND_AGENT
    fun a_stranger_cannot_propose_a_refund_agent(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        tax_refund::propose_refund_agent(&h::signer_of(h::stranger()), h::stranger());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::tax_refund)] // ENOT_PENDING_REFUND_AGENT
    fun only_the_proposed_account_accepts_the_role(framework: &signer, publisher: &signer) {
        let (_, a) = setup(framework, publisher);
        tax_refund::propose_refund_agent(&h::signer_of(a.addr), h::other_payout());
        tax_refund::accept_refund_agent(&h::signer_of(h::stranger()));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_agent_or_the_operator_proposes_and_the_last_proposal_counts(framework: &signer, publisher: &signer) {
        let (_, a) = setup(framework, publisher);
        tax_refund::propose_refund_agent(&h::signer_of(a.addr), h::stranger());
        tax_refund::propose_refund_agent(publisher, h::other_payout());
        tax_refund::accept_refund_agent(&h::signer_of(h::other_payout()));
        assert!(tax_refund::refund_agent() == h::other_payout(), 1);
        assert!(event::was_event_emitted(&tax_refund::refund_agent_changed_for_test(a.addr, h::other_payout())), 2);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::tax_refund)] // ENOT_PENDING_REFUND_AGENT
    fun a_replaced_proposal_cannot_be_accepted(framework: &signer, publisher: &signer) {
        let (_, a) = setup(framework, publisher);
        tax_refund::propose_refund_agent(&h::signer_of(a.addr), h::stranger());
        tax_refund::propose_refund_agent(publisher, h::other_payout());
        tax_refund::accept_refund_agent(&h::signer_of(h::stranger()));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::tax_refund)] // ENOT_REFUND_AGENT
    fun the_operator_cannot_withdraw_the_agent_s_float(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        tax_refund::withdraw_float(publisher, @deployer, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::tax_refund)] // ENOT_REFUND_AGENT
    fun a_stranger_cannot_withdraw_the_float(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        tax_refund::withdraw_float(&h::signer_of(h::stranger()), h::stranger(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_agent_withdraws_its_float(framework: &signer, publisher: &signer) {
        let (_, a) = setup(framework, publisher);
        tax_refund::withdraw_float(&h::signer_of(a.addr), a.addr, 40_000);
        assert!(float() == FLOAT - 40_000 && h::balance(a.addr) == 40_000, 1);
        assert!(event::was_event_emitted(&tax_refund::float_withdrawn_for_test(a.addr, 40_000)), 2);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_denylisted_agent_cannot_withdraw(framework: &signer, publisher: &signer) {
        let (_, a) = setup(framework, publisher);
        controls::denylist(publisher, a.addr);
        tax_refund::withdraw_float(&h::signer_of(a.addr), a.addr, 1);
    }

    // Retention.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_operator_purges_a_purchase_after_its_claim_window(framework: &signer, publisher: &signer) {
        let (t, a) = setup(framework, publisher);
        pay(&t, order());
        claim(&a, order());
        timestamp::fast_forward_seconds(CLAIM_WINDOW);
        tax_refund::purge_purchases(publisher, vector[h::merchant()], vector[order()]);
        assert!(!tax_refund::purchase_exists_for_test(h::merchant(), order()), 1);
        assert!(event::was_event_emitted(&tax_refund::purchase_purged_for_test(h::merchant(), order())), 2);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_housekeeper_purges_too(framework: &signer, publisher: &signer) {
        let (t, _) = setup(framework, publisher);
        pay(&t, order());
        invoice::set_housekeeper(publisher, h::other_payout());
        timestamp::fast_forward_seconds(CLAIM_WINDOW);
        tax_refund::purge_purchases(&h::signer_of(h::other_payout()), vector[h::merchant()], vector[order()]);
        assert!(!tax_refund::purchase_exists_for_test(h::merchant(), order()), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000F, location = yenpay::tax_refund)] // ECLAIM_WINDOW_OPEN
    fun a_purchase_is_not_purged_while_its_tax_may_be_claimed(framework: &signer, publisher: &signer) {
        let (t, _) = setup(framework, publisher);
        pay(&t, order());
        timestamp::fast_forward_seconds(CLAIM_WINDOW - 1);
        tax_refund::purge_purchases(publisher, vector[h::merchant()], vector[order()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50011, location = yenpay::tax_refund)] // ENOT_HOUSEKEEPER
    fun a_stranger_cannot_purge(framework: &signer, publisher: &signer) {
        let (t, _) = setup(framework, publisher);
        pay(&t, order());
        timestamp::fast_forward_seconds(CLAIM_WINDOW);
        tax_refund::purge_purchases(&h::signer_of(h::stranger()), vector[h::merchant()], vector[order()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x80005, location = yenpay::tax_refund)] // EPURCHASE_EXISTS
    fun an_unpurged_purchase_keeps_its_order_reference_from_a_new_tax_free_code(
        framework: &signer, publisher: &signer
    ) {
        let (t, _) = setup(framework, publisher);
        pay(&t, order());
        // The invoice's record goes after its 180-day refund window; the purchase's was never purged.
        timestamp::fast_forward_seconds(invoice::refund_window());
        invoice::purge_invoices(publisher, vector[h::merchant()], vector[order()]);
        pay(&t, order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10010, location = yenpay::tax_refund)] // EBATCH_LENGTH_MISMATCH
    fun a_purge_of_uneven_vectors_is_refused(framework: &signer, publisher: &signer) {
        let (t, _) = setup(framework, publisher);
        pay(&t, order());
        timestamp::fast_forward_seconds(CLAIM_WINDOW);
        tax_refund::purge_purchases(publisher, vector[h::merchant(), h::merchant()], vector[order()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60004, location = yenpay::tax_refund)] // EPURCHASE_NOT_FOUND
    fun a_purge_of_an_unknown_purchase_is_refused(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        tax_refund::purge_purchases(publisher, vector[h::merchant()], vector[order()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_denylisted_housekeeper_cannot_purge(framework: &signer, publisher: &signer) {
        let (t, _) = setup(framework, publisher);
        pay(&t, order());
        invoice::set_housekeeper(publisher, h::other_payout());
        controls::denylist(publisher, h::other_payout());
        timestamp::fast_forward_seconds(CLAIM_WINDOW);
        tax_refund::purge_purchases(&h::signer_of(h::other_payout()), vector[h::merchant()], vector[order()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60004, location = yenpay::tax_refund)] // EPURCHASE_NOT_FOUND
    fun the_view_of_an_unknown_purchase_names_it(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        assert!(!tax_refund::purchase_exists_for_test(h::merchant(), order()), 0);
        tax_refund::purchase(h::merchant(), order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60006, location = yenpay::invoice)] // invoice EINVOICE_NOT_FOUND
    fun a_proportional_refund_of_no_invoice_is_refused(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        invoice::record_proportional_refund(h::merchant(), order(), TAX);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000B, location = yenpay::invoice)] // invoice EINVOICE_NOT_PAID
    fun a_proportional_refund_of_an_open_invoice_is_refused(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        invoice::create_invoice(&h::signer_of(h::terminal()), h::merchant(), order(), AMOUNT, 300);
        invoice::record_proportional_refund(h::merchant(), order(), TAX);
    }

    // Known answers.

    #[test]
    fun the_signed_bytes_match_the_known_answers() {
        let offer = authorization::new_tax_free_offer_for_test(
            4, KAT_METADATA, KAT_MERCHANT, KAT_TERMINAL, utf8(b"ORDER-0001"), 11_000, 2_000_000_000, 1_000, 0, true
        );
        assert!(bcs::to_bytes(&ed25519::new_signed_message(offer)) == KAT_OFFER, 1);
        let key = ed25519::new_unvalidated_public_key_from_bytes(KAT_PUBLIC_KEY);
        assert!(
            ed25519::signature_verify_strict_t(&ed25519::new_signature_from_bytes(KAT_OFFER_SIGNATURE), &key, offer), 3
        );
        let attestation = authorization::new_export_attestation_for_test(
            4, KAT_METADATA, KAT_MERCHANT, utf8(b"ORDER-0001"), KAT_TRAVELLER
        );
        assert!(bcs::to_bytes(&ed25519::new_signed_message(attestation)) == KAT_ATTESTATION, 2);
        assert!(
            ed25519::signature_verify_strict_t(
                &ed25519::new_signature_from_bytes(KAT_ATTESTATION_SIGNATURE), &key, attestation
            ),
            4
        );
    }
}
