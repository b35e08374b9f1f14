#[test_only]
/// Settlement through `yenpay::invoice`: creating, paying, cancelling, static payments, customer-presented
/// collection and refunds, with exact balances of payer, payout and treasury. Every payment moves the asset through
/// the stablecoin's withdraw and deposit hooks, so these tests live outside the modules.
///
/// Abort codes are category * 0x10000 + reason (std::error): invalid_argument 0x1, out_of_range 0x2,
/// invalid_state 0x3, permission_denied 0x5, not_found 0x6, already_exists 0x8, resource_exhausted 0x9.
module yenpay::invoice_tests {
    use std::signer;
    use std::string::{String, utf8};
    use aptos_std::ed25519;
    use aptos_framework::account;
    use aptos_framework::event;
    use aptos_framework::object;
    use aptos_framework::timestamp;
    use yenpay::authorization;
    use yenpay::controls;
    use yenpay::fee_treasury;
    use yenpay::invoice;
    use yenpay::merchant_registry;
    use yenpay::settlement_test_helpers as h;
    use yenpay::stablecoin;

    /// Invoice lifetime used by most tests.
    const TTL: u64 = 300;
    /// Invoice amount used by most tests; at 3% the fee is 300 and the net 9,700.
    const AMOUNT: u64 = 10_000;

    fun order(): String { utf8(b"ORDER-0001") }

    fun create(actor: address, merchant: address, order_ref: String, amount: u64) {
        invoice::create_invoice(&h::signer_of(actor), merchant, order_ref, amount, TTL);
    }

    fun pay(payer: address, merchant: address, order_ref: String, amount: u64) {
        invoice::pay_invoice(&h::signer_of(payer), merchant, order_ref, amount);
    }

    /// The standard invoice: `AMOUNT` at `merchant()`, created by its terminal.
    fun create_standard() {
        create(h::terminal(), h::merchant(), order(), AMOUNT);
    }

    /// The standard invoice, paid by `payer()`.
    fun create_and_pay_standard() {
        create_standard();
        pay(h::payer(), h::merchant(), order(), AMOUNT);
    }

    fun refund(signer_address: address, amount: u64) {
        invoice::refund(&h::signer_of(signer_address), h::merchant(), order(), amount);
    }

    // Creating.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun create_records_invoice(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        let record = invoice::invoice(h::merchant(), order());
        assert!(record.merchant() == h::merchant(), 1);
        assert!(record.order_ref() == order(), 2);
        assert!(record.amount() == AMOUNT, 3);
        assert!(record.created_by() == h::terminal(), 4);
        assert!(record.created_at() == h::start_secs(), 5);
        assert!(record.expires_at() == h::start_secs() + TTL, 6);
        assert!(record.status().is_open(), 7);
        assert!(record.refunded() == 0 && record.fee_refunded() == 0, 8);
        assert!(invoice::invoice_status(h::merchant(), order()).is_open(), 9);
        assert!(invoice::invoice_exists(h::merchant(), order()), 10);
        assert!(!invoice::invoice_exists(h::other_merchant(), order()), 11);
        assert!(invoice::is_payable(h::merchant(), order()), 12);
        assert!(
            event::was_event_emitted(&invoice::invoice_created_for_test(
                h::merchant(), order(), AMOUNT, h::start_secs() + TTL, h::terminal()
            )),
            13
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun create_by_owner_at_the_limits(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let owner = &h::signer_of(h::merchant());
        // 64-byte order reference, shortest and longest lifetimes, amount at the transfer cap.
        let longest = utf8(b"0123456789012345678901234567890123456789012345678901234567890123");
        invoice::create_invoice(owner, h::merchant(), longest, 1, 30);
        invoice::create_invoice(owner, h::merchant(), utf8(b"A"), 1_000_000, 86_400);
        assert!(invoice::invoice(h::merchant(), longest).expires_at() == h::start_secs() + 30, 1);
        assert!(invoice::invoice(h::merchant(), utf8(b"A")).created_by() == h::merchant(), 2);
        // The same order reference at another merchant is another invoice.
        create(h::other_terminal(), h::other_merchant(), utf8(b"A"), 5);
        assert!(invoice::invoice(h::other_merchant(), utf8(b"A")).amount() == 5, 3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun create_by_stranger(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create(h::stranger(), h::merchant(), order(), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun create_by_terminal_of_another_merchant(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create(h::other_terminal(), h::merchant(), order(), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun create_by_another_merchant(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create(h::other_merchant(), h::merchant(), order(), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun create_by_payout_account(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create(h::payout(), h::merchant(), order(), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60004, location = yenpay::merchant_registry)] // EMERCHANT_NOT_FOUND
    fun create_for_unregistered_merchant(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create(h::stranger(), h::stranger(), order(), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::merchant_registry)] // EMERCHANT_NOT_ACTIVE
    fun create_for_suspended_merchant(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        merchant_registry::suspend_merchant(publisher, h::merchant(), 1);
        create_standard();
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::merchant_registry)] // EMERCHANT_NOT_ACTIVE
    fun create_for_closed_merchant(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        merchant_registry::close_merchant(publisher, h::merchant());
        create(h::merchant(), h::merchant(), order(), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10001, location = yenpay::invoice)] // EINVALID_ORDER_REF
    fun create_with_empty_order_ref(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create(h::terminal(), h::merchant(), utf8(b""), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10001, location = yenpay::invoice)] // EINVALID_ORDER_REF
    fun create_with_65_byte_order_ref(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let too_long = utf8(b"01234567890123456789012345678901234567890123456789012345678901234");
        create(h::terminal(), h::merchant(), too_long, AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10003, location = yenpay::invoice)] // EZERO_AMOUNT
    fun create_with_zero_amount(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create(h::terminal(), h::merchant(), order(), 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000E, location = yenpay::invoice)] // EAMOUNT_OVER_CAP
    fun create_over_transfer_cap(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create(h::terminal(), h::merchant(), order(), 1_000_001);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun create_any_amount_without_cap(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        controls::set_transfer_cap(publisher, 0);
        create(h::terminal(), h::merchant(), order(), 50_000_000);
        assert!(invoice::invoice(h::merchant(), order()).amount() == 50_000_000, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10004, location = yenpay::invoice)] // EINVALID_TTL
    fun create_with_ttl_too_short(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::create_invoice(&h::signer_of(h::terminal()), h::merchant(), order(), AMOUNT, 29);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10004, location = yenpay::invoice)] // EINVALID_TTL
    fun create_with_ttl_too_long(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::create_invoice(&h::signer_of(h::terminal()), h::merchant(), order(), AMOUNT, 86_401);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x80005, location = yenpay::invoice)] // EINVOICE_EXISTS
    fun create_twice(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        // A POS retrying with the same bill number, even from the owner, gets an abort, not a second invoice.
        create(h::merchant(), h::merchant(), order(), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x80005, location = yenpay::invoice)] // EINVOICE_EXISTS
    fun create_again_after_cancel(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        invoice::cancel_invoice(&h::signer_of(h::terminal()), h::merchant(), order());
        create_standard();
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x80005, location = yenpay::invoice)] // EINVOICE_EXISTS
    fun create_again_after_expiry(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        timestamp::fast_forward_seconds(TTL + 1);
        create_standard();
    }

    // Paying.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    /// The stored record has the same size open, paid and cancelled, so paying or cancelling never grows its table
    /// item (growth costs a storage fee on the pay path); a refund does not grow it either.
    fun record_size_is_the_same_in_every_state(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        create(h::terminal(), h::merchant(), utf8(b"ORDER-0002"), AMOUNT);
        let open_size = std::bcs::to_bytes(&invoice::invoice(h::merchant(), order())).length();
        assert!(std::bcs::to_bytes(&invoice::invoice(h::merchant(), utf8(b"ORDER-0002"))).length() == open_size, 1);
        pay(h::payer(), h::merchant(), order(), AMOUNT);
        let record = invoice::invoice(h::merchant(), order());
        assert!(record.status().is_paid(), 2);
        assert!(std::bcs::to_bytes(&record).length() == open_size, 3);
        invoice::refund(&h::signer_of(h::payout()), h::merchant(), order(), AMOUNT / 2);
        assert!(std::bcs::to_bytes(&invoice::invoice(h::merchant(), order())).length() == open_size, 4);
        invoice::cancel_invoice(&h::signer_of(h::terminal()), h::merchant(), utf8(b"ORDER-0002"));
        let record = invoice::invoice(h::merchant(), utf8(b"ORDER-0002"));
        assert!(record.status().is_cancelled(), 5);
        assert!(std::bcs::to_bytes(&record).length() == open_size, 6);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun pay_moves_exact_amounts(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let supply = h::supply();
        create_standard();
        timestamp::fast_forward_seconds(10);
        pay(h::payer(), h::merchant(), order(), AMOUNT);
        assert!(h::balance(h::payer()) == h::payer_funds() - AMOUNT, 1);
        assert!(h::balance(h::payout()) == 9_700, 2);
        assert!(h::treasury() == 300, 3);
        assert!(h::balance(h::merchant()) == 0 && h::balance(h::terminal()) == 0, 4);
        assert!(h::supply() == supply, 5);
        let status = invoice::invoice_status(h::merchant(), order());
        assert!(status.is_paid(), 6);
        assert!(status.payer() == std::option::some(h::payer()), 7);
        assert!(status.paid_at() == std::option::some(h::start_secs() + 10), 8);
        assert!(status.fee() == std::option::some(300), 9);
        assert!(!invoice::is_payable(h::merchant(), order()), 10);
        assert!(
            event::was_event_emitted(&invoice::invoice_paid_for_test(
                h::merchant(), order(), h::payer(), AMOUNT, 300, 9_700, h::start_secs() + 10
            )),
            11
        );
        assert!(event::emitted_events<invoice::InvoicePaid>().length() == 1, 12);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun pay_into_plain_treasury(framework: &signer, publisher: &signer) {
        h::setup_with(framework, publisher, false);
        create_and_pay_standard();
        assert!(h::balance(h::payer()) == h::payer_funds() - AMOUNT, 1);
        assert!(h::balance(h::payout()) == 9_700, 2);
        assert!(h::treasury() == 300, 3);
        // Refund from the plain treasury too.
        refund(h::payout(), AMOUNT);
        assert!(h::treasury() == 0 && h::balance(h::payout()) == 0, 4);
        assert!(h::balance(h::payer()) == h::payer_funds(), 5);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun fee_of_one_yen_at_one_bps_rounds_to_zero(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        merchant_registry::set_fee_bps(publisher, h::merchant(), 1);
        create(h::terminal(), h::merchant(), order(), 1);
        pay(h::payer(), h::merchant(), order(), 1);
        assert!(h::balance(h::payout()) == 1, 1);
        assert!(h::treasury() == 0, 2);
        assert!(h::balance(h::payer()) == h::payer_funds() - 1, 3);
        assert!(invoice::invoice_status(h::merchant(), order()).fee() == std::option::some(0), 4);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun fee_rounds_down_at_the_edges(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        // 3%: 33 yen -> 0.99 -> 0; 34 -> 1.02 -> 1; 9,999 -> 299.97 -> 299.
        create(h::terminal(), h::merchant(), utf8(b"33"), 33);
        create(h::terminal(), h::merchant(), utf8(b"34"), 34);
        create(h::terminal(), h::merchant(), utf8(b"9999"), 9_999);
        pay(h::payer(), h::merchant(), utf8(b"33"), 33);
        assert!(h::treasury() == 0 && h::balance(h::payout()) == 33, 1);
        pay(h::payer(), h::merchant(), utf8(b"34"), 34);
        assert!(h::treasury() == 1 && h::balance(h::payout()) == 33 + 33, 2);
        pay(h::payer(), h::merchant(), utf8(b"9999"), 9_999);
        assert!(h::treasury() == 1 + 299 && h::balance(h::payout()) == 66 + 9_700, 3);
        assert!(h::balance(h::payer()) == h::payer_funds() - 33 - 34 - 9_999, 4);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun fee_at_the_one_million_yen_cap(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        h::mint(h::payer(), 1_000_000);
        // Highest fee on the largest transfer the law allows.
        merchant_registry::set_fee_bps(publisher, h::merchant(), merchant_registry::max_fee_bps());
        create(h::terminal(), h::merchant(), utf8(b"max"), 1_000_000);
        pay(h::payer(), h::merchant(), utf8(b"max"), 1_000_000);
        assert!(h::treasury() == 100_000 && h::balance(h::payout()) == 900_000, 1);
        // 3.25% of 999,999 = 32,499.9675 -> 32,499.
        merchant_registry::set_fee_bps(publisher, h::merchant(), 325);
        create(h::terminal(), h::merchant(), utf8(b"odd"), 999_999);
        pay(h::payer(), h::merchant(), utf8(b"odd"), 999_999);
        assert!(h::treasury() == 100_000 + 32_499, 2);
        assert!(h::balance(h::payout()) == 900_000 + 967_500, 3);
        assert!(h::balance(h::payer()) == h::payer_funds() + 1_000_000 - 1_999_999, 4);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun fee_plus_net_is_amount(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let supply = h::supply();
        let amounts = vector[1, 2, 33, 34, 99, 100, 101, 3_333, 9_999, 10_001, 123_457, 999_999, 1_000_000];
        let fees = vector[0, 1, 7, 99, 100, 150, 299, 300, 333, 999, 1000];
        h::mint(h::payer(), 100_000_000);
        let funds = h::balance(h::payer());
        fees.for_each(|fee_bps| {
            merchant_registry::set_fee_bps(publisher, h::merchant(), fee_bps);
            amounts.for_each_ref(|amount| {
                let amount = *amount;
                let (treasury, payout) = (h::treasury(), h::balance(h::payout()));
                invoice::pay_merchant(&h::signer_of(h::payer()), h::merchant(), amount, utf8(b""));
                let fee = h::treasury() - treasury;
                let net = h::balance(h::payout()) - payout;
                assert!(fee + net == amount, 1);
                assert!(fee == merchant_registry::compute_fee(amount, fee_bps), 2);
                assert!((fee as u128) == (amount as u128) * (fee_bps as u128) / 10_000, 3);
                let (quoted_fee, quoted_net) = invoice::quote(h::merchant(), amount);
                assert!(quoted_fee == fee && quoted_net == net, 4);
            });
        });
        assert!(h::balance(h::payer()) + h::balance(h::payout()) + h::treasury() == funds, 5);
        assert!(h::supply() == supply + 100_000_000, 6);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30007, location = yenpay::invoice)] // EINVOICE_ALREADY_PAID
    fun pay_twice(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_and_pay_standard();
        pay(h::payer(), h::merchant(), order(), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30007, location = yenpay::invoice)] // EINVOICE_ALREADY_PAID
    fun pay_twice_by_another_payer(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_and_pay_standard();
        h::mint(h::stranger(), AMOUNT);
        pay(h::stranger(), h::merchant(), order(), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000A, location = yenpay::invoice)] // EAMOUNT_MISMATCH
    fun pay_less_than_invoice(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        pay(h::payer(), h::merchant(), order(), AMOUNT - 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000A, location = yenpay::invoice)] // EAMOUNT_MISMATCH
    fun pay_more_than_invoice(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        pay(h::payer(), h::merchant(), order(), AMOUNT + 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000A, location = yenpay::invoice)] // EAMOUNT_MISMATCH
    fun pay_zero(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        pay(h::payer(), h::merchant(), order(), 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun pay_in_the_last_second(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        timestamp::fast_forward_seconds(TTL - 1);
        assert!(invoice::is_payable(h::merchant(), order()), 1);
        pay(h::payer(), h::merchant(), order(), AMOUNT);
        assert!(h::balance(h::payout()) == 9_700, 2);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::invoice)] // EINVOICE_EXPIRED
    fun pay_at_expiry(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        timestamp::fast_forward_seconds(TTL);
        assert!(!invoice::is_payable(h::merchant(), order()), 1);
        pay(h::payer(), h::merchant(), order(), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::invoice)] // EINVOICE_EXPIRED
    fun pay_long_after_expiry(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        timestamp::update_global_time_for_test_secs(h::start_secs() + 86_400 * 7);
        pay(h::payer(), h::merchant(), order(), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::invoice)] // EINVOICE_CANCELLED
    fun pay_cancelled(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        invoice::cancel_invoice(&h::signer_of(h::merchant()), h::merchant(), order());
        pay(h::payer(), h::merchant(), order(), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60006, location = yenpay::invoice)] // EINVOICE_NOT_FOUND
    fun pay_unknown_invoice(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        pay(h::payer(), h::other_merchant(), order(), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::merchant_registry)] // EMERCHANT_NOT_ACTIVE
    fun pay_suspended_merchant(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        merchant_registry::suspend_merchant(publisher, h::merchant(), 3);
        pay(h::payer(), h::merchant(), order(), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::merchant_registry)] // EMERCHANT_NOT_ACTIVE
    fun pay_closed_merchant(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        merchant_registry::close_merchant(publisher, h::merchant());
        pay(h::payer(), h::merchant(), order(), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun pay_after_reactivation(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        merchant_registry::suspend_merchant(publisher, h::merchant(), 3);
        merchant_registry::reactivate_merchant(publisher, h::merchant());
        pay(h::payer(), h::merchant(), order(), AMOUNT);
        assert!(h::balance(h::payout()) == 9_700, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun pay_uses_fee_and_payout_at_payment_time(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        merchant_registry::set_fee_bps(publisher, h::merchant(), 50);
        merchant_registry::set_payout_address(&h::signer_of(h::merchant()), h::stranger());
        pay(h::payer(), h::merchant(), order(), AMOUNT);
        assert!(h::balance(h::stranger()) == 9_950 && h::treasury() == 50, 1);
        assert!(h::balance(h::payout()) == 0, 2);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::controls)] // controls EPAUSED
    fun pay_while_paused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        controls::pause(publisher);
        pay(h::payer(), h::merchant(), order(), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // controls EDENYLISTED
    fun pay_from_denylisted_payer(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        controls::denylist(publisher, h::payer());
        pay(h::payer(), h::merchant(), order(), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // controls EDENYLISTED
    fun pay_to_denylisted_payout(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        controls::denylist(publisher, h::payout());
        pay(h::payer(), h::merchant(), order(), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10004, location = aptos_framework::fungible_asset)] // EINSUFFICIENT_BALANCE
    fun pay_without_funds(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        pay(h::stranger(), h::merchant(), order(), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x2000A, location = yenpay::controls)] // controls EAMOUNT_EXCEEDS_CAP
    fun pay_invoice_above_a_lowered_cap(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        controls::set_transfer_cap(publisher, AMOUNT - 1);
        pay(h::payer(), h::merchant(), order(), AMOUNT);
    }

    // Cancelling.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun cancel_by_terminal_and_owner(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        create(h::terminal(), h::merchant(), utf8(b"second"), 500);
        invoice::cancel_invoice(&h::signer_of(h::terminal()), h::merchant(), order());
        invoice::cancel_invoice(&h::signer_of(h::merchant()), h::merchant(), utf8(b"second"));
        assert!(invoice::invoice_status(h::merchant(), order()).is_cancelled(), 1);
        assert!(invoice::invoice_status(h::merchant(), utf8(b"second")).is_cancelled(), 2);
        assert!(
            event::was_event_emitted(&invoice::invoice_cancelled_for_test(h::merchant(), order(), h::terminal())),
            3
        );
        assert!(h::balance(h::payer()) == h::payer_funds(), 4);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun cancel_expired_invoice(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        timestamp::fast_forward_seconds(TTL * 2);
        invoice::cancel_invoice(&h::signer_of(h::terminal()), h::merchant(), order());
        assert!(invoice::invoice_status(h::merchant(), order()).is_cancelled(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    /// A suspended merchant may still withdraw its open invoices (nothing can pay them meanwhile).
    fun cancel_while_suspended(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        merchant_registry::suspend_merchant(publisher, h::merchant(), 1);
        invoice::cancel_invoice(&h::signer_of(h::terminal()), h::merchant(), order());
        assert!(invoice::invoice_status(h::merchant(), order()).is_cancelled(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun cancel_by_stranger(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        invoice::cancel_invoice(&h::signer_of(h::stranger()), h::merchant(), order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun cancel_by_terminal_of_another_merchant(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        invoice::cancel_invoice(&h::signer_of(h::other_terminal()), h::merchant(), order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun cancel_by_another_merchant(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        invoice::cancel_invoice(&h::signer_of(h::other_merchant()), h::merchant(), order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun cancel_by_payer(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        invoice::cancel_invoice(&h::signer_of(h::payer()), h::merchant(), order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30007, location = yenpay::invoice)] // EINVOICE_ALREADY_PAID
    fun cancel_paid(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_and_pay_standard();
        invoice::cancel_invoice(&h::signer_of(h::terminal()), h::merchant(), order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::invoice)] // EINVOICE_CANCELLED
    fun cancel_twice(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        invoice::cancel_invoice(&h::signer_of(h::terminal()), h::merchant(), order());
        invoice::cancel_invoice(&h::signer_of(h::terminal()), h::merchant(), order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60006, location = yenpay::invoice)] // EINVOICE_NOT_FOUND
    fun cancel_unknown(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::cancel_invoice(&h::signer_of(h::terminal()), h::merchant(), order());
    }

    // Static QR.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun pay_merchant_splits_fee(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let supply = h::supply();
        let reference = utf8(b"table 4");
        invoice::pay_merchant(&h::signer_of(h::payer()), h::other_merchant(), 1_980, reference);
        // 1.5% of 1,980 = 29.7 -> 29.
        assert!(h::treasury() == 29 && h::balance(h::other_payout()) == 1_951, 1);
        assert!(h::balance(h::payer()) == h::payer_funds() - 1_980, 2);
        assert!(h::supply() == supply, 3);
        assert!(
            event::was_event_emitted(&invoice::merchant_paid_for_test(
                h::other_merchant(), h::payer(), 1_980, 29, 1_951, reference, h::start_secs()
            )),
            4
        );
        // Nothing is stored: the same payment can be made again.
        invoice::pay_merchant(&h::signer_of(h::payer()), h::other_merchant(), 1_980, reference);
        assert!(h::balance(h::other_payout()) == 2 * 1_951, 5);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun pay_merchant_reference_limits(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let payer = &h::signer_of(h::payer());
        invoice::pay_merchant(payer, h::merchant(), 100, utf8(b""));
        invoice::pay_merchant(
            payer, h::merchant(), 100, utf8(b"0123456789012345678901234567890123456789012345678901234567890123")
        );
        assert!(h::balance(h::payout()) == 2 * 97, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10002, location = yenpay::invoice)] // EINVALID_REFERENCE
    fun pay_merchant_reference_too_long(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::pay_merchant(
            &h::signer_of(h::payer()),
            h::merchant(),
            100,
            utf8(b"01234567890123456789012345678901234567890123456789012345678901234")
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10003, location = yenpay::invoice)] // EZERO_AMOUNT
    fun pay_merchant_zero(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::pay_merchant(&h::signer_of(h::payer()), h::merchant(), 0, utf8(b""));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60004, location = yenpay::merchant_registry)] // EMERCHANT_NOT_FOUND
    fun pay_merchant_unregistered(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::pay_merchant(&h::signer_of(h::payer()), h::stranger(), 100, utf8(b""));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::merchant_registry)] // EMERCHANT_NOT_ACTIVE
    fun pay_merchant_suspended(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        merchant_registry::suspend_merchant(publisher, h::merchant(), 1);
        invoice::pay_merchant(&h::signer_of(h::payer()), h::merchant(), 100, utf8(b""));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::merchant_registry)] // EMERCHANT_NOT_ACTIVE
    fun pay_merchant_closed(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        merchant_registry::close_merchant(publisher, h::merchant());
        invoice::pay_merchant(&h::signer_of(h::payer()), h::merchant(), 100, utf8(b""));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x2000A, location = yenpay::controls)] // controls EAMOUNT_EXCEEDS_CAP
    fun pay_merchant_over_cap(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::pay_merchant(&h::signer_of(h::payer()), h::merchant(), 1_000_001, utf8(b""));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::controls)] // controls EPAUSED
    fun pay_merchant_while_paused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        controls::pause(publisher);
        invoice::pay_merchant(&h::signer_of(h::payer()), h::merchant(), 100, utf8(b""));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // controls EDENYLISTED
    fun pay_merchant_denylisted_payer(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        controls::denylist(publisher, h::payer());
        invoice::pay_merchant(&h::signer_of(h::payer()), h::merchant(), 100, utf8(b""));
    }

    // Customer-presented QR.

    /// A customer account whose authentication key is an Ed25519 key we hold, funded with 50,000.
    fun customer(): (ed25519::SecretKey, vector<u8>, address) {
        let (secret_key, public_key) = ed25519::generate_keys();
        let public_key = ed25519::validated_public_key_to_bytes(&public_key);
        let customer = signer::address_of(&account::create_account_from_ed25519_public_key(public_key));
        h::mint(customer, 50_000);
        (secret_key, public_key, customer)
    }

    fun nonce(n: u64): u64 { n }

    /// The customer's code: a `CollectionAuthorization` of `from`'s funds for `merchant`.
    fun sign(
        secret_key: &ed25519::SecretKey,
        from: address,
        merchant: address,
        amount: u64,
        valid_after: u64,
        valid_before: u64,
        nonce: u64,
    ): vector<u8> {
        let message = authorization::new_collection_authorization_for_test(
            h::chain(), stablecoin::metadata_address(), from, merchant, amount, valid_after, valid_before, nonce
        );
        ed25519::signature_to_bytes(&ed25519::sign_struct(secret_key, message))
    }

    /// A plain `TransferAuthorization` of `from`'s funds to `to`, which anyone may submit.
    fun sign_transfer(
        secret_key: &ed25519::SecretKey,
        from: address,
        to: address,
        amount: u64,
        valid_after: u64,
        valid_before: u64,
        nonce: u64,
    ): vector<u8> {
        let message = authorization::new_transfer_authorization_for_test(
            h::chain(), stablecoin::metadata_address(), from, to, amount, valid_after, valid_before, nonce
        );
        ed25519::signature_to_bytes(&ed25519::sign_struct(secret_key, message))
    }

    /// The terminal collects `order_ref` at `merchant()` with a collection authorization for `signed_merchant` and
    /// `amount`, valid for the next 120 seconds.
    fun collect(
        submitter: address,
        order_ref: String,
        secret_key: &ed25519::SecretKey,
        public_key: vector<u8>,
        from: address,
        signed_merchant: address,
        amount: u64,
        nonce: u64,
    ) {
        let (valid_after, valid_before) = (h::start_secs() - 1, h::start_secs() + 120);
        let signature = sign(secret_key, from, signed_merchant, amount, valid_after, valid_before, nonce);
        invoice::collect_with_authorization(
            &h::signer_of(submitter), h::merchant(), order_ref, from, amount, valid_after, valid_before, nonce,
            public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun collect_settles_invoice(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        let supply = h::supply();
        create_standard();
        collect(h::terminal(), order(), &secret_key, public_key, customer, h::merchant(), AMOUNT, nonce(1));
        assert!(h::balance(customer) == 50_000 - AMOUNT, 1);
        assert!(h::balance(h::payout()) == 9_700 && h::treasury() == 300, 2);
        assert!(h::balance(h::merchant()) == 0, 3);
        assert!(h::supply() == supply, 4);
        assert!(authorization::is_nonce_used(customer, nonce(1)), 5);
        let status = invoice::invoice_status(h::merchant(), order());
        assert!(status.is_paid() && status.payer() == std::option::some(customer), 6);
        assert!(
            event::was_event_emitted(&invoice::invoice_paid_for_test(
                h::merchant(), order(), customer, AMOUNT, 300, 9_700, h::start_secs()
            )),
            7
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun owner_collects_too(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        collect(h::merchant(), order(), &secret_key, public_key, customer, h::merchant(), AMOUNT, nonce(1));
        assert!(h::balance(h::payout()) == 9_700, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30007, location = yenpay::invoice)] // EINVOICE_ALREADY_PAID
    fun collect_replayed_on_same_invoice(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        collect(h::terminal(), order(), &secret_key, public_key, customer, h::merchant(), AMOUNT, nonce(1));
        collect(h::terminal(), order(), &secret_key, public_key, customer, h::merchant(), AMOUNT, nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3001B, location = yenpay::authorization)] // authorization EAUTHORIZATION_USED
    fun collect_replayed_on_another_invoice(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        create(h::terminal(), h::merchant(), utf8(b"ORDER-0002"), AMOUNT);
        collect(h::terminal(), order(), &secret_key, public_key, customer, h::merchant(), AMOUNT, nonce(1));
        collect(
            h::terminal(), utf8(b"ORDER-0002"), &secret_key, public_key, customer, h::merchant(), AMOUNT, nonce(1)
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3001B, location = yenpay::authorization)] // authorization EAUTHORIZATION_USED
    fun collect_with_cancelled_authorization(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        authorization::cancel_nonces(&h::signer_of(customer), 0, 1 << 1);
        collect(h::terminal(), order(), &secret_key, public_key, customer, h::merchant(), AMOUNT, nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // authorization EINVALID_SIGNATURE
    fun collect_with_authorization_for_another_payee(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        // The customer signed to pay the other merchant; it cannot be used for this one.
        let (valid_after, valid_before) = (h::start_secs() - 1, h::start_secs() + 120);
        let signature = sign(&secret_key, customer, h::other_merchant(), AMOUNT, valid_after, valid_before, nonce(1));
        invoice::collect_with_authorization(
            &h::signer_of(h::terminal()), h::merchant(), order(), customer, AMOUNT, valid_after, valid_before,
            nonce(1), public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000A, location = yenpay::invoice)] // EAMOUNT_MISMATCH
    fun collect_with_authorization_for_another_amount(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        collect(h::terminal(), order(), &secret_key, public_key, customer, h::merchant(), AMOUNT - 1, nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // authorization EINVALID_SIGNATURE
    fun collect_invoice_amount_with_smaller_authorization(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        // The customer signed for 5,000; the terminal claims the invoice's 10,000.
        let (valid_after, valid_before) = (h::start_secs() - 1, h::start_secs() + 120);
        let signature = sign(&secret_key, customer, h::merchant(), 5_000, valid_after, valid_before, nonce(1));
        invoice::collect_with_authorization(
            &h::signer_of(h::terminal()), h::merchant(), order(), customer, AMOUNT, valid_after, valid_before,
            nonce(1), public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3001A, location = yenpay::authorization)] // authorization EAUTHORIZATION_EXPIRED
    fun collect_with_expired_authorization(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        let (valid_after, valid_before) = (h::start_secs() - 1, h::start_secs() + 60);
        let signature = sign(&secret_key, customer, h::merchant(), AMOUNT, valid_after, valid_before, nonce(1));
        // The invoice (300 s) is still open; the customer's code (60 s) is not.
        timestamp::fast_forward_seconds(60);
        assert!(invoice::is_payable(h::merchant(), order()), 1);
        invoice::collect_with_authorization(
            &h::signer_of(h::terminal()), h::merchant(), order(), customer, AMOUNT, valid_after, valid_before,
            nonce(1), public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::invoice)] // EINVOICE_EXPIRED
    fun collect_expired_invoice(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        timestamp::fast_forward_seconds(TTL);
        let (valid_after, valid_before) = (h::start_secs(), h::start_secs() + TTL + 60);
        let signature = sign(&secret_key, customer, h::merchant(), AMOUNT, valid_after, valid_before, nonce(1));
        invoice::collect_with_authorization(
            &h::signer_of(h::terminal()), h::merchant(), order(), customer, AMOUNT, valid_after, valid_before,
            nonce(1), public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun collect_by_stranger(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        collect(h::stranger(), order(), &secret_key, public_key, customer, h::merchant(), AMOUNT, nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun collect_by_terminal_of_another_merchant(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        collect(h::other_terminal(), order(), &secret_key, public_key, customer, h::merchant(), AMOUNT, nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun collect_by_the_customer(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        collect(customer, order(), &secret_key, public_key, customer, h::merchant(), AMOUNT, nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::merchant_registry)] // EMERCHANT_NOT_ACTIVE
    fun collect_for_suspended_merchant(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        merchant_registry::suspend_merchant(publisher, h::merchant(), 1);
        collect(h::terminal(), order(), &secret_key, public_key, customer, h::merchant(), AMOUNT, nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::merchant_registry)] // EMERCHANT_NOT_ACTIVE
    fun collect_for_closed_merchant(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        merchant_registry::close_merchant(publisher, h::merchant());
        // Closing freed the terminal; the owner itself is refused because the merchant is closed.
        collect(h::merchant(), order(), &secret_key, public_key, customer, h::merchant(), AMOUNT, nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun collect_by_terminal_of_closed_merchant(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        merchant_registry::close_merchant(publisher, h::merchant());
        collect(h::terminal(), order(), &secret_key, public_key, customer, h::merchant(), AMOUNT, nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // controls EDENYLISTED
    fun collect_from_denylisted_customer(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        controls::denylist(publisher, customer);
        collect(h::terminal(), order(), &secret_key, public_key, customer, h::merchant(), AMOUNT, nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::controls)] // controls EPAUSED
    fun collect_while_paused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        controls::pause(publisher);
        collect(h::terminal(), order(), &secret_key, public_key, customer, h::merchant(), AMOUNT, nonce(1));
    }

    // The customer's code is a collection authorization, usable only by the merchant it names, through
    // collect_with_authorization, and it shares its nonce space with plain transfer authorizations.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // authorization EINVALID_SIGNATURE
    fun collect_with_transfer_authorization(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        // A transfer authorization to the merchant, with every field right, is still not a collection.
        let (valid_after, valid_before) = (h::start_secs() - 1, h::start_secs() + 120);
        let signature = sign_transfer(
            &secret_key, customer, h::merchant(), AMOUNT, valid_after, valid_before, nonce(1)
        );
        invoice::collect_with_authorization(
            &h::signer_of(h::terminal()), h::merchant(), order(), customer, AMOUNT, valid_after, valid_before,
            nonce(1), public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // authorization EINVALID_SIGNATURE
    fun collect_code_for_one_merchant_at_another(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        // The customer's code names merchant(); the other merchant's terminal saw it and tries to settle its own
        // invoice of the same amount with it.
        create(h::other_terminal(), h::other_merchant(), order(), AMOUNT);
        let (valid_after, valid_before) = (h::start_secs() - 1, h::start_secs() + 120);
        let signature = sign(&secret_key, customer, h::merchant(), AMOUNT, valid_after, valid_before, nonce(1));
        invoice::collect_with_authorization(
            &h::signer_of(h::other_terminal()), h::other_merchant(), order(), customer, AMOUNT, valid_after,
            valid_before, nonce(1), public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001E, location = yenpay::authorization)] // authorization EINVALID_SIGNATURE
    fun collection_code_cannot_be_cashed_as_transfer(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        // Whoever sees the code cannot submit it as a plain transfer to the merchant, skipping invoice and fee.
        let (valid_after, valid_before) = (h::start_secs() - 1, h::start_secs() + 120);
        let signature = sign(&secret_key, customer, h::merchant(), AMOUNT, valid_after, valid_before, nonce(1));
        stablecoin::transfer_with_authorization(
            &h::signer_of(h::stranger()), customer, h::merchant(), AMOUNT, valid_after, valid_before, nonce(1),
            public_key, signature
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3001B, location = yenpay::authorization)] // authorization EAUTHORIZATION_USED
    fun collect_with_nonce_used_by_transfer(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        let (valid_after, valid_before) = (h::start_secs() - 1, h::start_secs() + 120);
        let signature = sign_transfer(&secret_key, customer, h::stranger(), 100, valid_after, valid_before, nonce(1));
        stablecoin::transfer_with_authorization(
            &h::signer_of(h::stranger()), customer, h::stranger(), 100, valid_after, valid_before, nonce(1),
            public_key, signature
        );
        assert!(h::balance(h::stranger()) == 100, 1);
        collect(h::terminal(), order(), &secret_key, public_key, customer, h::merchant(), AMOUNT, nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3001B, location = yenpay::authorization)] // authorization EAUTHORIZATION_USED
    fun transfer_with_nonce_used_by_collection(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        collect(h::terminal(), order(), &secret_key, public_key, customer, h::merchant(), AMOUNT, nonce(1));
        let (valid_after, valid_before) = (h::start_secs() - 1, h::start_secs() + 120);
        let signature = sign_transfer(&secret_key, customer, h::stranger(), 100, valid_after, valid_before, nonce(1));
        stablecoin::transfer_with_authorization(
            &h::signer_of(h::stranger()), customer, h::stranger(), 100, valid_after, valid_before, nonce(1),
            public_key, signature
        );
    }

    // The registry refuses the stablecoin's denylist: a denylisted terminal, owner or payout can neither create,
    // cancel nor collect, and a denylisted owner takes no payments (the stablecoin refuses a denylisted payout).

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun create_by_denylisted_terminal(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        controls::denylist(publisher, h::terminal());
        create_standard();
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun create_by_denylisted_owner(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        controls::denylist(publisher, h::merchant());
        create(h::merchant(), h::merchant(), order(), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun create_by_terminal_of_denylisted_owner(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        controls::denylist(publisher, h::merchant());
        create_standard();
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun create_for_denylisted_payout(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        controls::denylist(publisher, h::payout());
        create_standard();
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun create_again_after_undenylisting(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        controls::denylist(publisher, h::terminal());
        controls::undenylist(publisher, h::terminal());
        create_and_pay_standard();
        assert!(h::balance(h::payout()) == 9_700, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun cancel_by_denylisted_terminal(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        controls::denylist(publisher, h::terminal());
        invoice::cancel_invoice(&h::signer_of(h::terminal()), h::merchant(), order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun collect_by_denylisted_terminal(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        controls::denylist(publisher, h::terminal());
        collect(h::terminal(), order(), &secret_key, public_key, customer, h::merchant(), AMOUNT, nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun collect_for_denylisted_owner(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        controls::denylist(publisher, h::merchant());
        collect(h::terminal(), order(), &secret_key, public_key, customer, h::merchant(), AMOUNT, nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // controls EDENYLISTED
    fun collect_to_denylisted_payout(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        controls::denylist(publisher, h::payout());
        collect(h::terminal(), order(), &secret_key, public_key, customer, h::merchant(), AMOUNT, nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun pay_invoice_of_denylisted_owner(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        controls::denylist(publisher, h::merchant());
        pay(h::payer(), h::merchant(), order(), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun pay_merchant_denylisted_owner(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        controls::denylist(publisher, h::merchant());
        invoice::pay_merchant(&h::signer_of(h::payer()), h::merchant(), 100, utf8(b""));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // controls EDENYLISTED
    fun pay_merchant_denylisted_payout(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        controls::denylist(publisher, h::payout());
        invoice::pay_merchant(&h::signer_of(h::payer()), h::merchant(), 100, utf8(b""));
    }

    // Payout objects: paid into the object's primary store, which the stablecoin's admin must have approved.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun pay_to_approved_object_payout(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let vault = object::address_from_constructor_ref(&object::create_object(h::merchant()));
        controls::approve_store(publisher, stablecoin::primary_store_address(vault));
        merchant_registry::set_payout_address(&h::signer_of(h::merchant()), vault);
        create_and_pay_standard();
        assert!(h::balance(vault) == 9_700 && h::treasury() == 300, 1);
        assert!(h::balance(h::payer()) == h::payer_funds() - AMOUNT, 2);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000D, location = yenpay::controls)] // controls ESTORE_NOT_APPROVED
    fun pay_to_object_payout_after_revocation(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let vault = object::address_from_constructor_ref(&object::create_object(h::merchant()));
        controls::approve_store(publisher, stablecoin::primary_store_address(vault));
        merchant_registry::set_payout_address(&h::signer_of(h::merchant()), vault);
        controls::revoke_store(publisher, stablecoin::primary_store_address(vault));
        create_and_pay_standard();
    }

    // Refunds.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun refund_partial_partial_rest(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let supply = h::supply();
        create_and_pay_standard();
        // Fee 300 on 10,000. First 3,333: fee share floor(300 * 3,333 / 10,000) = 99.
        refund(h::payout(), 3_333);
        assert!(h::treasury() == 300 - 99, 1);
        assert!(h::balance(h::payout()) == 9_700 - 3_234, 2);
        assert!(h::balance(h::payer()) == h::payer_funds() - AMOUNT + 3_333, 3);
        let record = invoice::invoice(h::merchant(), order());
        assert!(record.refunded() == 3_333 && record.fee_refunded() == 99, 4);
        assert!(record.status().is_paid(), 5);
        assert!(
            event::was_event_emitted(&invoice::invoice_refunded_for_test(
                h::merchant(), order(), h::payer(), 3_333, 99, 3_333
            )),
            6
        );
        // Another 3,333: floor(300 * 6,666 / 10,000) = 199, so 100 more.
        refund(h::payout(), 3_333);
        assert!(h::treasury() == 300 - 199, 7);
        assert!(h::balance(h::payout()) == 9_700 - 3_234 - 3_233, 8);
        // The rest, 3,334: the whole fee is back, 101 more.
        refund(h::payout(), 3_334);
        assert!(h::treasury() == 0, 9);
        assert!(h::balance(h::payout()) == 0, 10);
        assert!(h::balance(h::payer()) == h::payer_funds(), 11);
        let record = invoice::invoice(h::merchant(), order());
        assert!(record.refunded() == AMOUNT && record.fee_refunded() == 300, 12);
        assert!(
            event::was_event_emitted(&invoice::invoice_refunded_for_test(
                h::merchant(), order(), h::payer(), 3_334, 101, AMOUNT
            )),
            13
        );
        assert!(h::supply() == supply, 14);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun refund_in_one_yen_steps_returns_exactly_the_fee(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        merchant_registry::set_fee_bps(publisher, h::merchant(), 1000);
        // 10% of 25 = 2.5 -> 2; refunding a yen at a time never returns more than the running share.
        create(h::terminal(), h::merchant(), order(), 25);
        pay(h::payer(), h::merchant(), order(), 25);
        assert!(h::treasury() == 2, 1);
        let refunded = 0;
        while (refunded < 25) {
            refund(h::payout(), 1);
            refunded += 1;
            let fee_refunded = invoice::invoice(h::merchant(), order()).fee_refunded();
            assert!(fee_refunded == 2 * refunded / 25, 2);
            assert!(h::treasury() == 2 - fee_refunded, 3);
        };
        assert!(h::treasury() == 0 && h::balance(h::payout()) == 0, 4);
        assert!(h::balance(h::payer()) == h::payer_funds(), 5);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun refund_in_full_at_once(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_and_pay_standard();
        refund(h::payout(), AMOUNT);
        assert!(h::treasury() == 0 && h::balance(h::payout()) == 0, 1);
        assert!(h::balance(h::payer()) == h::payer_funds(), 2);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun refund_with_zero_fee(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        merchant_registry::set_fee_bps(publisher, h::merchant(), 0);
        create_and_pay_standard();
        refund(h::payout(), 1);
        refund(h::payout(), AMOUNT - 1);
        assert!(h::treasury() == 0 && h::balance(h::payout()) == 0, 1);
        assert!(h::balance(h::payer()) == h::payer_funds(), 2);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun refund_from_collected_invoice_goes_to_customer(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (secret_key, public_key, customer) = customer();
        create_standard();
        collect(h::terminal(), order(), &secret_key, public_key, customer, h::merchant(), AMOUNT, nonce(1));
        refund(h::payout(), AMOUNT);
        assert!(h::balance(customer) == 50_000, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    /// Customers can still be refunded by a suspended or closed merchant.
    fun refund_by_suspended_then_closed_merchant(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_and_pay_standard();
        merchant_registry::suspend_merchant(publisher, h::merchant(), 1);
        refund(h::payout(), 1_000);
        merchant_registry::close_merchant(publisher, h::merchant());
        refund(h::payout(), AMOUNT - 1_000);
        assert!(h::balance(h::payer()) == h::payer_funds(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun refund_signed_by_new_payout(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_and_pay_standard();
        merchant_registry::set_payout_address(&h::signer_of(h::merchant()), h::stranger());
        h::mint(h::stranger(), AMOUNT);
        refund(h::stranger(), AMOUNT);
        assert!(h::balance(h::stranger()) == 300, 1);
        assert!(h::balance(h::payer()) == h::payer_funds(), 2);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000D, location = yenpay::invoice)] // ENOT_PAYOUT_ACCOUNT
    fun refund_signed_by_old_payout(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_and_pay_standard();
        merchant_registry::set_payout_address(&h::signer_of(h::merchant()), h::stranger());
        refund(h::payout(), AMOUNT);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000C, location = yenpay::invoice)] // EREFUND_EXCEEDS_PAID
    fun refund_more_than_paid(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_and_pay_standard();
        refund(h::payout(), AMOUNT + 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000C, location = yenpay::invoice)] // EREFUND_EXCEEDS_PAID
    fun refund_more_than_remains(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_and_pay_standard();
        refund(h::payout(), 6_000);
        refund(h::payout(), 4_001);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000C, location = yenpay::invoice)] // EREFUND_EXCEEDS_PAID
    fun refund_after_full_refund(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_and_pay_standard();
        refund(h::payout(), AMOUNT);
        refund(h::payout(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10003, location = yenpay::invoice)] // EZERO_AMOUNT
    fun refund_zero(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_and_pay_standard();
        refund(h::payout(), 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000B, location = yenpay::invoice)] // EINVOICE_NOT_PAID
    fun refund_unpaid(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        refund(h::payout(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000B, location = yenpay::invoice)] // EINVOICE_NOT_PAID
    fun refund_cancelled(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_standard();
        invoice::cancel_invoice(&h::signer_of(h::terminal()), h::merchant(), order());
        refund(h::payout(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60006, location = yenpay::invoice)] // EINVOICE_NOT_FOUND
    fun refund_unknown(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        refund(h::payout(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000D, location = yenpay::invoice)] // ENOT_PAYOUT_ACCOUNT
    fun refund_by_merchant_owner(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_and_pay_standard();
        refund(h::merchant(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000D, location = yenpay::invoice)] // ENOT_PAYOUT_ACCOUNT
    fun refund_by_terminal(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_and_pay_standard();
        refund(h::terminal(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000D, location = yenpay::invoice)] // ENOT_PAYOUT_ACCOUNT
    fun refund_by_stranger(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_and_pay_standard();
        refund(h::stranger(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000D, location = yenpay::invoice)] // ENOT_PAYOUT_ACCOUNT
    fun refund_by_another_merchants_payout(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_and_pay_standard();
        refund(h::other_payout(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000D, location = yenpay::invoice)] // ENOT_PAYOUT_ACCOUNT
    fun refund_by_operator(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_and_pay_standard();
        refund(h::operator(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::controls)] // controls EPAUSED
    fun refund_while_paused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_and_pay_standard();
        controls::pause(publisher);
        refund(h::payout(), 1_000);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // controls EDENYLISTED
    fun refund_to_denylisted_payer(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_and_pay_standard();
        controls::denylist(publisher, h::payer());
        refund(h::payout(), 1_000);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun refund_by_denylisted_payout(framework: &signer, publisher: &signer) {
        // A denylisted payout account would move the treasury's fee share along with its own funds: refused.
        h::setup(framework, publisher);
        create_and_pay_standard();
        controls::denylist(publisher, h::payout());
        refund(h::payout(), 1_000);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10004, location = aptos_framework::fungible_asset)] // EINSUFFICIENT_BALANCE
    fun refund_fee_from_swept_treasury(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create_and_pay_standard();
        // The operator swept the fee it may still have to return; the refund aborts, nothing is lost.
        fee_treasury::sweep(publisher, @0xfee, 300);
        refund(h::payout(), AMOUNT);
    }

    // Invariants across a mixed day of business.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun supply_unchanged_by_payments_and_refunds(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let supply = h::supply();
        let (secret_key, public_key, customer) = customer();
        let supply_with_customer = h::supply();
        assert!(supply_with_customer == supply + 50_000, 1);
        create_standard();
        create(h::other_terminal(), h::other_merchant(), utf8(b"X-1"), 7_777);
        create(h::terminal(), h::merchant(), utf8(b"ORDER-0002"), 4_321);
        pay(h::payer(), h::merchant(), order(), AMOUNT);
        pay(h::payer(), h::other_merchant(), utf8(b"X-1"), 7_777);
        collect(
            h::terminal(), utf8(b"ORDER-0002"), &secret_key, public_key, customer, h::merchant(), 4_321, nonce(9)
        );
        invoice::pay_merchant(&h::signer_of(customer), h::other_merchant(), 555, utf8(b"coffee"));
        refund(h::payout(), 2_500);
        invoice::refund(&h::signer_of(h::other_payout()), h::other_merchant(), utf8(b"X-1"), 7_777);
        invoice::refund(&h::signer_of(h::payout()), h::merchant(), utf8(b"ORDER-0002"), 21);
        assert!(h::supply() == supply_with_customer, 2);
        let holders = vector[h::payer(), customer, h::payout(), h::other_payout()];
        let total = h::treasury();
        holders.for_each(|holder| total += h::balance(holder));
        assert!((total as u128) == supply_with_customer, 3);
    }
}
