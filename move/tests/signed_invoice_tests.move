#[test_only]
/// The one-transaction dynamic QR payment (`invoice::pay_signed_invoice`): a terminal signs an
/// `authorization::InvoiceOffer` off chain, the customer's transaction checks it and writes the invoice as paid.
/// Every binding of the signed code (merchant, amount, order reference, expiry, deployment, chain, message type,
/// the terminal's current membership and key), payment at most once (twice, after a purge while the code is still
/// valid, after a cancellation), the controls (pause, denylist, cap, merchant status), refunds and retention as for
/// any invoice, and the cross-language known answer of testdata/known_answers.md, which the Rust test in
/// crates/yenpay-types/src/authorization.rs pins too.
///
/// Abort codes are category * 0x10000 + reason (std::error): invalid_argument 0x1, out_of_range 0x2,
/// invalid_state 0x3, permission_denied 0x5, not_found 0x6, already_exists 0x8.
module yenpay::signed_invoice_tests {
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

    /// Invoice amount; at the merchant's 3% the fee is 300.
    const AMOUNT: u64 = 10_000;
    const FEE: u64 = 300;
    /// Lifetime of the codes signed here.
    const TTL: u64 = 300;
    /// `invoice::MAX_TTL_SECS`: the farthest expiry a payment accepts.
    const MAX_TTL: u64 = 86_400;
    /// The shortest refund window the operator may set.
    const SHORT_WINDOW: u64 = 10;

    // Known answer (testdata/known_answers.md): Ed25519 seed = 32 bytes of 0x07, chain id 4, @yenpay = 0xcafe.
    const KAT_PUBLIC_KEY: vector<u8> = x"ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c";
    /// The key's legacy authentication key: the terminal.
    const KAT_TERMINAL: address = @0xcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad;
    const KAT_METADATA: address = @0x72ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18;
    const KAT_MERCHANT: address = @0xb0b;
    const KAT_AMOUNT: u64 = 1234;
    const KAT_EXPIRES_AT: u64 = 2000000000;
    /// BCS of `SignedMessage<InvoiceOffer>` with the fields above and order reference "ORDER-0001".
    const KAT_MESSAGE: vector<u8> = x"000000000000000000000000000000000000000000000000000000000000cafe0d617574686f72697a6174696f6e0c496e766f6963654f666665720472ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a180000000000000000000000000000000000000000000000000000000000000b0bcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad0a4f524445522d30303031d2040000000000000094357700000000";
    const KAT_SIGNATURE: vector<u8> = x"150534dfddb494ced964e70850119611a4ff84c64cbc58946fd0294486182fcbdf18e733377e08ffda36f1aa1ce9a13024186c76a28a77d4f4fd1bb8f1d41c07";

    /// A terminal with an Ed25519 key, whose account address is its authentication key.
    struct Terminal has drop {
        sk: ed25519::SecretKey,
        public_key: vector<u8>,
        addr: address,
    }

    fun order(): String { utf8(b"ORDER-0001") }

    /// A fresh keyed account; `merchant` (if not @0x0) adds it as a terminal.
    fun new_terminal(merchant: address): Terminal {
        let (sk, pk) = ed25519::generate_keys();
        let addr = from_bcs::to_address(ed25519::validated_public_key_to_authentication_key(&pk));
        account::create_account_for_test(addr);
        if (merchant != @0x0) merchant_registry::add_terminal(&h::signer_of(merchant), addr);
        Terminal { sk, public_key: ed25519::validated_public_key_to_bytes(&pk), addr }
    }

    /// `t` signs an offer with every field given.
    fun sign_with(
        t: &Terminal, chain: u8, metadata: address, merchant: address, order_ref: String, amount: u64, expires_at: u64
    ): vector<u8> {
        let offer = authorization::new_invoice_offer_for_test(
            chain, metadata, merchant, t.addr, order_ref, amount, expires_at
        );
        ed25519::signature_to_bytes(&ed25519::sign_struct(&t.sk, offer))
    }

    /// `t` signs an offer of this chain and deployment.
    fun sign(t: &Terminal, merchant: address, order_ref: String, amount: u64, expires_at: u64): vector<u8> {
        sign_with(t, h::chain(), stablecoin::metadata_address(), merchant, order_ref, amount, expires_at)
    }

    /// The payer pays what `t` signed, as submitted (which may differ from what was signed).
    fun pay(t: &Terminal, merchant: address, order_ref: String, amount: u64, expires_at: u64, signature: vector<u8>) {
        invoice::pay_signed_invoice(
            &h::signer_of(h::payer()), merchant, t.addr, order_ref, amount, expires_at, t.public_key, signature
        );
    }

    /// A code of the merchant's terminal for `order_ref`, signed and paid as is; returns its expiry.
    fun sign_and_pay(t: &Terminal, order_ref: String): u64 {
        let expires_at = h::now() + TTL;
        pay(t, h::merchant(), order_ref, AMOUNT, expires_at, sign(t, h::merchant(), order_ref, AMOUNT, expires_at));
        expires_at
    }

    // The payment.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_signed_code_is_paid_in_one_transaction(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        let supply = h::supply();
        let expires_at = sign_and_pay(&t, order());
        assert!(h::balance(h::payer()) == h::payer_funds() - AMOUNT, 1);
        assert!(h::balance(h::payout()) == AMOUNT - FEE, 2);
        assert!(h::treasury() == FEE, 3);
        assert!(h::supply() == supply, 4);
        let record = invoice::invoice(h::merchant(), order());
        assert!(record.amount() == AMOUNT && record.created_by() == t.addr, 5);
        assert!(record.created_at() == h::now() && record.expires_at() == expires_at, 6);
        assert!(record.refund_window_secs() == invoice::refund_window(), 7);
        let status = record.status();
        assert!(status.is_paid() && status.payer().destroy_some() == h::payer(), 8);
        assert!(status.fee().destroy_some() == FEE && status.paid_at().destroy_some() == h::now(), 9);
        assert!(!invoice::is_payable(h::merchant(), order()), 10);
        assert!(
            event::was_event_emitted(
                &invoice::invoice_created_for_test(h::merchant(), order(), AMOUNT, expires_at, t.addr)
            ),
            11
        );
        assert!(
            event::was_event_emitted(
                &invoice::invoice_paid_for_test(
                    h::merchant(), order(), h::payer(), AMOUNT, FEE, AMOUNT - FEE, h::now()
                )
            ),
            12
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_merchant_owner_may_sign_its_own_codes(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let owner = new_terminal(@0x0);
        merchant_registry::register_merchant(
            publisher, owner.addr, utf8(b"Soba Kaze"), utf8(b"5812"), h::other_payout(), 0
        );
        let expires_at = h::now() + TTL;
        pay(&owner, owner.addr, order(), AMOUNT, expires_at, sign(&owner, owner.addr, order(), AMOUNT, expires_at));
        // No fee at 0 bps: all of it to the payout.
        assert!(h::balance(h::other_payout()) == AMOUNT, 1);
        assert!(h::treasury() == 0, 2);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_signed_invoice_is_refunded_like_any_other(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        sign_and_pay(&t, order());
        let payout = &h::signer_of(h::payout());
        invoice::refund(payout, h::merchant(), order(), 4_000);
        invoice::refund(payout, h::merchant(), order(), AMOUNT - 4_000);
        assert!(h::balance(h::payer()) == h::payer_funds(), 1);
        assert!(h::balance(h::payout()) == 0 && h::treasury() == 0, 2);
        let record = invoice::invoice(h::merchant(), order());
        assert!(record.refunded() == AMOUNT && record.fee_refunded() == FEE, 3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000C, location = yenpay::invoice)] // EREFUND_EXCEEDS_PAID
    fun a_signed_invoice_is_not_refunded_beyond_what_was_paid(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        sign_and_pay(&t, order());
        invoice::refund(&h::signer_of(h::payout()), h::merchant(), order(), AMOUNT + 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun an_expiry_exactly_the_longest_ttl_ahead_is_accepted(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        let expires_at = h::now() + MAX_TTL;
        pay(&t, h::merchant(), order(), AMOUNT, expires_at, sign(&t, h::merchant(), order(), AMOUNT, expires_at));
        assert!(invoice::purgeable_at(h::merchant(), order()) == h::now() + invoice::refund_window(), 1);
    }

    // What the signature binds.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun another_amount_than_signed_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        let expires_at = h::now() + TTL;
        pay(&t, h::merchant(), order(), AMOUNT - 1, expires_at, sign(&t, h::merchant(), order(), AMOUNT, expires_at));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun another_order_reference_than_signed_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        let expires_at = h::now() + TTL;
        let signature = sign(&t, h::merchant(), order(), AMOUNT, expires_at);
        pay(&t, h::merchant(), utf8(b"ORDER-0002"), AMOUNT, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_later_expiry_than_signed_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        let expires_at = h::now() + TTL;
        let signature = sign(&t, h::merchant(), order(), AMOUNT, expires_at);
        pay(&t, h::merchant(), order(), AMOUNT, expires_at + 60, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun a_code_paid_to_another_merchant_is_refused(framework: &signer, publisher: &signer) {
        // The terminal is not the other merchant's: its codes pay no one else.
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        let expires_at = h::now() + TTL;
        let signature = sign(&t, h::merchant(), order(), AMOUNT, expires_at);
        pay(&t, h::other_merchant(), order(), AMOUNT, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_code_signed_for_another_merchant_is_refused(framework: &signer, publisher: &signer) {
        // The terminal now belongs to the other merchant; its old code, submitted as the other merchant's, does not
        // verify: the merchant is signed.
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        let expires_at = h::now() + TTL;
        let signature = sign(&t, h::merchant(), order(), AMOUNT, expires_at);
        merchant_registry::remove_terminal(&h::signer_of(h::merchant()), t.addr);
        merchant_registry::add_terminal(&h::signer_of(h::other_merchant()), t.addr);
        pay(&t, h::other_merchant(), order(), AMOUNT, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_code_of_another_deployment_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        let expires_at = h::now() + TTL;
        let signature = sign_with(&t, h::chain(), @0xbeef, h::merchant(), order(), AMOUNT, expires_at);
        pay(&t, h::merchant(), order(), AMOUNT, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_code_of_another_chain_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        let expires_at = h::now() + TTL;
        let signature = sign_with(
            &t, h::chain() + 1, stablecoin::metadata_address(), h::merchant(), order(), AMOUNT, expires_at
        );
        pay(&t, h::merchant(), order(), AMOUNT, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_collection_authorization_signature_is_not_a_code(framework: &signer, publisher: &signer) {
        // The terminal's key signs a customer-presented authorization with the same merchant, amount and expiry: the
        // message type differs, so it does not verify as an offer.
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        let expires_at = h::now() + TTL;
        let collection = authorization::new_collection_authorization_for_test(
            h::chain(), stablecoin::metadata_address(), t.addr, h::merchant(), AMOUNT, 0, expires_at, 0
        );
        let signature = ed25519::signature_to_bytes(&ed25519::sign_struct(&t.sk, collection));
        pay(&t, h::merchant(), order(), AMOUNT, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_code_signature_is_not_a_transfer_authorization(framework: &signer, publisher: &signer) {
        // The other way round: what a terminal signs never moves the terminal's own funds.
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        h::mint(t.addr, AMOUNT);
        let expires_at = h::now() + TTL;
        let signature = sign(&t, h::merchant(), order(), AMOUNT, expires_at);
        stablecoin::transfer_with_authorization(
            &h::signer_of(h::stranger()), t.addr, h::stranger(), AMOUNT, 0, expires_at, 0, t.public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_tampered_signature_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        let expires_at = h::now() + TTL;
        let signature = sign(&t, h::merchant(), order(), AMOUNT, expires_at);
        signature[0] ^= 1;
        pay(&t, h::merchant(), order(), AMOUNT, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // EINVALID_SIGNATURE
    fun a_short_signature_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        let expires_at = h::now() + TTL;
        let signature = sign(&t, h::merchant(), order(), AMOUNT, expires_at);
        signature.pop_back();
        pay(&t, h::merchant(), order(), AMOUNT, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001D, location = yenpay::authorization)] // EPUBLIC_KEY_MISMATCH
    fun a_code_signed_with_another_key_is_refused(framework: &signer, publisher: &signer) {
        // Another terminal of the same merchant signs in this terminal's name: the key is not this terminal's.
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        let impostor = new_terminal(h::merchant());
        let expires_at = h::now() + TTL;
        let offer = authorization::new_invoice_offer_for_test(
            h::chain(), stablecoin::metadata_address(), h::merchant(), t.addr, order(), AMOUNT, expires_at
        );
        let signature = ed25519::signature_to_bytes(&ed25519::sign_struct(&impostor.sk, offer));
        invoice::pay_signed_invoice(
            &h::signer_of(h::payer()), h::merchant(), t.addr, order(), AMOUNT, expires_at, impostor.public_key,
            signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1001C, location = yenpay::authorization)] // EINVALID_PUBLIC_KEY
    fun a_public_key_of_the_wrong_length_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        let expires_at = h::now() + TTL;
        let signature = sign(&t, h::merchant(), order(), AMOUNT, expires_at);
        invoice::pay_signed_invoice(
            &h::signer_of(h::payer()), h::merchant(), t.addr, order(), AMOUNT, expires_at, x"00", signature
        );
    }

    // The terminal's membership, now.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun a_revoked_terminal_s_codes_are_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        let expires_at = h::now() + TTL;
        let signature = sign(&t, h::merchant(), order(), AMOUNT, expires_at);
        merchant_registry::remove_terminal(&h::signer_of(h::merchant()), t.addr);
        pay(&t, h::merchant(), order(), AMOUNT, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun a_moved_terminal_s_codes_for_its_old_merchant_are_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        let expires_at = h::now() + TTL;
        let signature = sign(&t, h::merchant(), order(), AMOUNT, expires_at);
        merchant_registry::remove_terminal(&h::signer_of(h::merchant()), t.addr);
        merchant_registry::add_terminal(&h::signer_of(h::other_merchant()), t.addr);
        pay(&t, h::merchant(), order(), AMOUNT, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun a_stranger_s_signed_code_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(@0x0);
        sign_and_pay(&t, order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60004, location = yenpay::merchant_registry)] // EMERCHANT_NOT_FOUND
    fun a_code_of_an_unregistered_merchant_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(@0x0);
        let expires_at = h::now() + TTL;
        pay(&t, h::stranger(), order(), AMOUNT, expires_at, sign(&t, h::stranger(), order(), AMOUNT, expires_at));
    }

    // Expiry.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::invoice)] // EINVOICE_EXPIRED
    fun an_expired_code_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        let expires_at = h::now() + TTL;
        let signature = sign(&t, h::merchant(), order(), AMOUNT, expires_at);
        timestamp::fast_forward_seconds(TTL);
        pay(&t, h::merchant(), order(), AMOUNT, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10017, location = yenpay::invoice)] // EEXPIRY_TOO_FAR
    fun an_expiry_beyond_the_longest_ttl_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        let expires_at = h::now() + MAX_TTL + 1;
        pay(&t, h::merchant(), order(), AMOUNT, expires_at, sign(&t, h::merchant(), order(), AMOUNT, expires_at));
    }

    // Paid at most once.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30007, location = yenpay::invoice)] // EINVOICE_ALREADY_PAID
    fun a_code_is_paid_once(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        let expires_at = h::now() + TTL;
        let signature = sign(&t, h::merchant(), order(), AMOUNT, expires_at);
        pay(&t, h::merchant(), order(), AMOUNT, expires_at, signature);
        pay(&t, h::merchant(), order(), AMOUNT, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30007, location = yenpay::invoice)] // EINVOICE_ALREADY_PAID
    fun a_second_code_for_a_paid_order_is_refused(framework: &signer, publisher: &signer) {
        // The terminal signs the same order again (a retry with another amount): the order is paid already.
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        sign_and_pay(&t, order());
        let expires_at = h::now() + TTL + 1;
        pay(&t, h::merchant(), order(), 1, expires_at, sign(&t, h::merchant(), order(), 1, expires_at));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x80005, location = yenpay::invoice)] // EINVOICE_EXISTS
    fun a_code_for_an_order_open_on_chain_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        invoice::create_invoice(&h::signer_of(t.addr), h::merchant(), order(), AMOUNT, TTL);
        sign_and_pay(&t, order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_paid_code_s_record_outlives_the_code(framework: &signer, publisher: &signer) {
        // The refund window ends before the code expires: the record stays until the expiry, so the still valid code
        // cannot be paid again after a purge.
        h::setup(framework, publisher);
        invoice::set_refund_window(&h::signer_of(h::operator()), SHORT_WINDOW);
        let t = new_terminal(h::merchant());
        let expires_at = h::now() + TTL;
        let signature = sign(&t, h::merchant(), order(), AMOUNT, expires_at);
        pay(&t, h::merchant(), order(), AMOUNT, expires_at, signature);
        assert!(invoice::purgeable_at(h::merchant(), order()) == expires_at, 1);
        timestamp::fast_forward_seconds(SHORT_WINDOW);
        assert!(!invoice::is_purgeable(h::merchant(), order()), 2);
        timestamp::fast_forward_seconds(TTL - SHORT_WINDOW);
        assert!(invoice::is_purgeable(h::merchant(), order()), 3);
        invoice::purge_invoices(&h::signer_of(h::operator()), vector[h::merchant()], vector[order()]);
        assert!(!invoice::invoice_exists(h::merchant(), order()), 4);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30010, location = yenpay::invoice)] // EINVOICE_NOT_EXPIRED
    fun a_paid_code_s_record_is_not_purged_while_the_code_is_valid(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::set_refund_window(&h::signer_of(h::operator()), SHORT_WINDOW);
        let t = new_terminal(h::merchant());
        sign_and_pay(&t, order());
        timestamp::fast_forward_seconds(SHORT_WINDOW);
        invoice::purge_invoices(&h::signer_of(h::operator()), vector[h::merchant()], vector[order()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30011, location = yenpay::invoice)] // EREFUND_WINDOW_OPEN
    fun a_paid_code_s_record_is_not_purged_while_it_can_be_refunded(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        sign_and_pay(&t, order());
        timestamp::fast_forward_seconds(TTL);
        invoice::purge_invoices(&h::signer_of(h::operator()), vector[h::merchant()], vector[order()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::invoice)] // EINVOICE_EXPIRED
    fun a_code_replayed_after_its_purge_has_expired(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::set_refund_window(&h::signer_of(h::operator()), SHORT_WINDOW);
        let t = new_terminal(h::merchant());
        let expires_at = h::now() + TTL;
        let signature = sign(&t, h::merchant(), order(), AMOUNT, expires_at);
        pay(&t, h::merchant(), order(), AMOUNT, expires_at, signature);
        timestamp::fast_forward_seconds(TTL);
        invoice::purge_invoices(&h::signer_of(h::operator()), vector[h::merchant()], vector[order()]);
        pay(&t, h::merchant(), order(), AMOUNT, expires_at, signature);
    }

    // Cancellation before payment.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::invoice)] // EINVOICE_CANCELLED
    fun a_cancelled_code_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        let expires_at = h::now() + TTL;
        let signature = sign(&t, h::merchant(), order(), AMOUNT, expires_at);
        invoice::cancel_signed_invoice(&h::signer_of(t.addr), h::merchant(), order(), expires_at);
        assert!(
            event::was_event_emitted(&invoice::invoice_cancelled_for_test(h::merchant(), order(), t.addr)), 1
        );
        let status = invoice::invoice_status(h::merchant(), order());
        assert!(status.is_cancelled(), 2);
        pay(&t, h::merchant(), order(), AMOUNT, expires_at, signature);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_cancellation_is_kept_until_the_code_expires(framework: &signer, publisher: &signer) {
        // The merchant's owner cancels (it need not be active); the record is purgeable from the code's expiry.
        h::setup(framework, publisher);
        let expires_at = h::now() + TTL;
        merchant_registry::suspend_merchant(publisher, h::merchant(), 1);
        invoice::cancel_signed_invoice(&h::signer_of(h::merchant()), h::merchant(), order(), expires_at);
        assert!(invoice::purgeable_at(h::merchant(), order()) == expires_at, 1);
        assert!(!invoice::is_payable(h::merchant(), order()), 2);
        timestamp::fast_forward_seconds(TTL - 1);
        assert!(!invoice::is_purgeable(h::merchant(), order()), 3);
        timestamp::fast_forward_seconds(1);
        invoice::purge_invoices(&h::signer_of(h::operator()), vector[h::merchant()], vector[order()]);
        assert!(!invoice::invoice_exists(h::merchant(), order()), 4);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun a_stranger_cannot_cancel_a_code(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::cancel_signed_invoice(&h::signer_of(h::stranger()), h::merchant(), order(), h::now() + TTL);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun another_merchant_s_terminal_cannot_cancel_a_code(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::cancel_signed_invoice(&h::signer_of(h::other_terminal()), h::merchant(), order(), h::now() + TTL);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30007, location = yenpay::invoice)] // EINVOICE_ALREADY_PAID
    fun a_paid_code_cannot_be_cancelled(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        let expires_at = sign_and_pay(&t, order());
        invoice::cancel_signed_invoice(&h::signer_of(t.addr), h::merchant(), order(), expires_at);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::invoice)] // EINVOICE_CANCELLED
    fun a_code_is_cancelled_once(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let terminal = &h::signer_of(h::terminal());
        invoice::cancel_signed_invoice(terminal, h::merchant(), order(), h::now() + TTL);
        invoice::cancel_signed_invoice(terminal, h::merchant(), order(), h::now() + TTL);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x80005, location = yenpay::invoice)] // EINVOICE_EXISTS
    fun an_invoice_created_on_chain_is_cancelled_with_cancel_invoice(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let terminal = &h::signer_of(h::terminal());
        invoice::create_invoice(terminal, h::merchant(), order(), AMOUNT, TTL);
        invoice::cancel_signed_invoice(terminal, h::merchant(), order(), h::now() + TTL);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::invoice)] // EINVOICE_EXPIRED
    fun an_expired_code_needs_no_cancellation(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::cancel_signed_invoice(&h::signer_of(h::terminal()), h::merchant(), order(), h::now());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10017, location = yenpay::invoice)] // EEXPIRY_TOO_FAR
    fun a_cancellation_is_kept_no_longer_than_the_longest_ttl(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::cancel_signed_invoice(&h::signer_of(h::terminal()), h::merchant(), order(), h::now() + MAX_TTL + 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10001, location = yenpay::invoice)] // EINVALID_ORDER_REF
    fun a_cancellation_needs_an_order_reference(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::cancel_signed_invoice(&h::signer_of(h::terminal()), h::merchant(), utf8(b""), h::now() + TTL);
    }

    // Arguments and controls.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10001, location = yenpay::invoice)] // EINVALID_ORDER_REF
    fun a_code_with_an_empty_order_reference_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        sign_and_pay(&t, utf8(b""));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10003, location = yenpay::invoice)] // EZERO_AMOUNT
    fun a_code_for_nothing_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        let expires_at = h::now() + TTL;
        pay(&t, h::merchant(), order(), 0, expires_at, sign(&t, h::merchant(), order(), 0, expires_at));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::merchant_registry)] // EMERCHANT_NOT_ACTIVE
    fun a_suspended_merchant_s_code_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        merchant_registry::suspend_merchant(publisher, h::merchant(), 1);
        sign_and_pay(&t, order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_denylisted_terminal_s_code_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        controls::denylist(publisher, t.addr);
        sign_and_pay(&t, order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_denylisted_merchant_s_code_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        controls::denylist(publisher, h::merchant());
        sign_and_pay(&t, order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // controls EDENYLISTED
    fun a_denylisted_payer_cannot_pay_a_code(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        controls::denylist(publisher, h::payer());
        sign_and_pay(&t, order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // controls EDENYLISTED
    fun a_code_to_a_denylisted_payout_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        controls::denylist(publisher, h::payout());
        sign_and_pay(&t, order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::controls)] // controls EPAUSED
    fun nothing_is_paid_while_paused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        controls::pause(publisher);
        sign_and_pay(&t, order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x2000A, location = yenpay::controls)] // controls EAMOUNT_EXCEEDS_CAP
    fun a_code_above_the_cap_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let t = new_terminal(h::merchant());
        controls::set_transfer_cap(publisher, AMOUNT - 1);
        sign_and_pay(&t, order());
    }

    // The known answer.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun known_answer_offer_verifies(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        assert!(h::chain() == 4, 1);
        assert!(stablecoin::metadata_address() == KAT_METADATA, 2);
        let pk = ed25519::new_unvalidated_public_key_from_bytes(KAT_PUBLIC_KEY);
        assert!(ed25519::unvalidated_public_key_to_authentication_key(&pk) == bcs::to_bytes(&KAT_TERMINAL), 3);
        let offer = authorization::new_invoice_offer_for_test(
            4, KAT_METADATA, KAT_MERCHANT, KAT_TERMINAL, order(), KAT_AMOUNT, KAT_EXPIRES_AT
        );
        assert!(bcs::to_bytes(&ed25519::new_signed_message(offer)) == KAT_MESSAGE, 4);
        let signature = ed25519::new_signature_from_bytes(KAT_SIGNATURE);
        assert!(ed25519::signature_verify_strict_t(&signature, &pk, offer), 5);
        // And through the package's own check, for a terminal account of that key.
        account::create_account_for_test(KAT_TERMINAL);
        authorization::verify_invoice_offer(
            KAT_METADATA, KAT_MERCHANT, KAT_TERMINAL, order(), KAT_AMOUNT, KAT_EXPIRES_AT, KAT_PUBLIC_KEY,
            KAT_SIGNATURE
        );
    }
}
