#[test_only]
/// Retention of invoice records (`yenpay::invoice`): the operator's refund window, copied into each invoice at
/// creation; refunds only within it; `purge_invoices` deleting closed records (unpaid ones from their expiry, paid ones
/// once the window has passed) and nothing else; an order reference free again only after its record is purged.
///
/// Abort codes are category * 0x10000 + reason (std::error): invalid_argument 0x1, invalid_state 0x3,
/// permission_denied 0x5, not_found 0x6, already_exists 0x8.
module yenpay::invoice_retention_tests {
    use std::string::{String, utf8};
    use aptos_framework::event;
    use aptos_framework::timestamp;
    use yenpay::invoice;
    use yenpay::merchant_registry;
    use yenpay::settlement_test_helpers as h;

    /// Invoice lifetime used here.
    const TTL: u64 = 300;
    /// Invoice amount; at 3% the fee is 300.
    const AMOUNT: u64 = 10_000;
    /// The refund window at publish: 180 days.
    const DEFAULT_WINDOW: u64 = 15_552_000;
    /// A short window the operator sets in some tests.
    const SHORT_WINDOW: u64 = 3_600;

    fun order(): String { utf8(b"ORDER-0001") }

    fun other_order(): String { utf8(b"ORDER-0002") }

    fun create(order_ref: String) {
        invoice::create_invoice(&h::signer_of(h::terminal()), h::merchant(), order_ref, AMOUNT, TTL);
    }

    fun pay(order_ref: String) {
        invoice::pay_invoice(&h::signer_of(h::payer()), h::merchant(), order_ref, AMOUNT);
    }

    fun refund(order_ref: String, amount: u64) {
        invoice::refund(&h::signer_of(h::payout()), h::merchant(), order_ref, amount);
    }

    fun purge(order_refs: vector<String>) {
        let merchants = order_refs.map_ref(|_| h::merchant());
        invoice::purge_invoices(&h::signer_of(h::operator()), merchants, order_refs);
    }

    fun set_window(secs: u64) {
        invoice::set_refund_window(&h::signer_of(h::operator()), secs);
    }

    // The refund window.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_window_at_publish_is_180_days_and_copied_into_each_invoice(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        assert!(invoice::refund_window() == DEFAULT_WINDOW, 1);
        create(order());
        let record = invoice::invoice(h::merchant(), order());
        assert!(record.refund_window_secs() == DEFAULT_WINDOW, 2);
        // Unpaid: purgeable from its expiry.
        assert!(invoice::purgeable_at(h::merchant(), order()) == h::start_secs() + TTL, 3);
        timestamp::fast_forward_seconds(20);
        pay(order());
        // Paid: purgeable once the window from the payment has passed.
        assert!(invoice::purgeable_at(h::merchant(), order()) == h::start_secs() + 20 + DEFAULT_WINDOW, 4);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_operator_sets_the_window_within_bounds(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        set_window(10);
        assert!(invoice::refund_window() == 10, 1);
        assert!(event::was_event_emitted(&invoice::refund_window_changed_for_test(DEFAULT_WINDOW, 10)), 2);
        set_window(31_622_400);
        assert!(invoice::refund_window() == 31_622_400, 3);
        // A new operator inherits the power; the old one loses it (below).
        merchant_registry::propose_operator(publisher, h::stranger());
        merchant_registry::accept_operator(&h::signer_of(h::stranger()));
        invoice::set_refund_window(&h::signer_of(h::stranger()), SHORT_WINDOW);
        assert!(invoice::refund_window() == SHORT_WINDOW, 4);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10014, location = yenpay::invoice)] // EINVALID_REFUND_WINDOW
    fun a_window_below_ten_seconds_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        set_window(9);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10014, location = yenpay::invoice)] // EINVALID_REFUND_WINDOW
    fun a_window_above_366_days_is_refused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        set_window(31_622_401);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50013, location = yenpay::invoice)] // ENOT_OPERATOR
    fun a_merchant_cannot_set_the_window(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::set_refund_window(&h::signer_of(h::merchant()), SHORT_WINDOW);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50013, location = yenpay::invoice)] // ENOT_OPERATOR
    fun the_stablecoin_admin_alone_cannot_set_the_window(framework: &signer, publisher: &signer) {
        // The deployer holds every role at publish; once the operator role moves, the admin has no say here.
        h::setup(framework, publisher);
        merchant_registry::propose_operator(publisher, h::stranger());
        merchant_registry::accept_operator(&h::signer_of(h::stranger()));
        set_window(SHORT_WINDOW);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun changing_the_window_never_shortens_an_existing_invoice(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create(order());
        pay(order());
        set_window(SHORT_WINDOW);
        create(other_order());
        pay(other_order());
        assert!(invoice::invoice(h::merchant(), order()).refund_window_secs() == DEFAULT_WINDOW, 1);
        assert!(invoice::invoice(h::merchant(), other_order()).refund_window_secs() == SHORT_WINDOW, 2);
        // Long after the new window, the first invoice is still refundable and not purgeable; the second is purgeable.
        timestamp::fast_forward_seconds(SHORT_WINDOW + 1);
        refund(order(), 1_000);
        assert!(!invoice::is_purgeable(h::merchant(), order()), 3);
        assert!(invoice::is_purgeable(h::merchant(), other_order()), 4);
        purge(vector[other_order()]);
        assert!(!invoice::invoice_exists(h::merchant(), other_order()), 5);
    }

    // Refunds only within the window.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun refund_in_the_last_second_of_the_window(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        set_window(SHORT_WINDOW);
        create(order());
        pay(order());
        timestamp::fast_forward_seconds(SHORT_WINDOW - 1);
        refund(order(), AMOUNT);
        assert!(invoice::invoice(h::merchant(), order()).refunded() == AMOUNT, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000F, location = yenpay::invoice)] // EREFUND_WINDOW_CLOSED
    fun refund_when_the_window_closes(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        set_window(SHORT_WINDOW);
        create(order());
        pay(order());
        timestamp::fast_forward_seconds(SHORT_WINDOW);
        refund(order(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_window_runs_from_the_payment_not_the_creation(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        set_window(SHORT_WINDOW);
        create(order());
        timestamp::fast_forward_seconds(TTL - 1);
        pay(order());
        // SHORT_WINDOW - 1 seconds after the payment is already past SHORT_WINDOW after the creation.
        timestamp::fast_forward_seconds(SHORT_WINDOW - 1);
        refund(order(), 1);
        assert!(invoice::invoice(h::merchant(), order()).refunded() == 1, 1);
        assert!(invoice::purgeable_at(h::merchant(), order()) == h::start_secs() + TTL - 1 + SHORT_WINDOW, 2);
        assert!(!invoice::is_purgeable(h::merchant(), order()), 3);
        timestamp::fast_forward_seconds(1);
        assert!(invoice::is_purgeable(h::merchant(), order()), 4);
    }

    // Purging.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30010, location = yenpay::invoice)] // EINVOICE_NOT_EXPIRED
    fun purging_an_open_invoice_aborts(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create(order());
        timestamp::fast_forward_seconds(TTL - 1);
        assert!(!invoice::is_purgeable(h::merchant(), order()), 1);
        purge(vector[order()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30010, location = yenpay::invoice)] // EINVOICE_NOT_EXPIRED
    fun purging_a_cancelled_invoice_before_its_expiry_aborts(framework: &signer, publisher: &signer) {
        // A POS that retries creating a cancelled bill keeps getting EINVOICE_EXISTS until the code would have expired.
        h::setup(framework, publisher);
        create(order());
        invoice::cancel_invoice(&h::signer_of(h::terminal()), h::merchant(), order());
        purge(vector[order()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30011, location = yenpay::invoice)] // EREFUND_WINDOW_OPEN
    fun purging_a_paid_invoice_within_its_window_aborts(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        set_window(SHORT_WINDOW);
        create(order());
        pay(order());
        timestamp::fast_forward_seconds(SHORT_WINDOW - 1);
        purge(vector[order()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30011, location = yenpay::invoice)] // EREFUND_WINDOW_OPEN
    fun a_fully_refunded_invoice_waits_for_its_window_too(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create(order());
        pay(order());
        refund(order(), AMOUNT);
        timestamp::fast_forward_seconds(TTL);
        purge(vector[order()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60006, location = yenpay::invoice)] // EINVOICE_NOT_FOUND
    fun purging_an_unknown_invoice_aborts(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        purge(vector[order()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60006, location = yenpay::invoice)] // EINVOICE_NOT_FOUND
    fun purging_twice_aborts(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create(order());
        timestamp::fast_forward_seconds(TTL);
        purge(vector[order()]);
        purge(vector[order()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10012, location = yenpay::invoice)] // EBATCH_LENGTH_MISMATCH
    fun a_batch_of_unequal_lengths_aborts(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create(order());
        timestamp::fast_forward_seconds(TTL);
        invoice::purge_invoices(
            &h::signer_of(h::operator()), vector[h::merchant(), h::merchant()], vector[order()]
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30011, location = yenpay::invoice)] // EREFUND_WINDOW_OPEN
    fun one_unpurgeable_invoice_aborts_the_whole_batch(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create(order());
        create(other_order());
        pay(other_order());
        timestamp::fast_forward_seconds(TTL);
        purge(vector[order(), other_order()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_batch_purges_closed_invoices_of_several_merchants(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        set_window(SHORT_WINDOW);
        // Expired unpaid, cancelled, paid and refunded at one merchant; paid at another.
        create(utf8(b"EXPIRED"));
        create(utf8(b"CANCELLED"));
        invoice::cancel_invoice(&h::signer_of(h::terminal()), h::merchant(), utf8(b"CANCELLED"));
        create(utf8(b"PAID"));
        pay(utf8(b"PAID"));
        refund(utf8(b"PAID"), 2_500);
        invoice::create_invoice(&h::signer_of(h::other_terminal()), h::other_merchant(), order(), AMOUNT, TTL);
        invoice::pay_invoice(&h::signer_of(h::payer()), h::other_merchant(), order(), AMOUNT);
        timestamp::fast_forward_seconds(SHORT_WINDOW);
        let merchants = vector[h::merchant(), h::merchant(), h::merchant(), h::other_merchant()];
        let order_refs = vector[utf8(b"EXPIRED"), utf8(b"CANCELLED"), utf8(b"PAID"), order()];
        let i = 0;
        while (i < 4) {
            assert!(invoice::is_purgeable(merchants[i], order_refs[i]), i);
            i += 1;
        };
        let treasury = h::treasury();
        let supply = h::supply();
        invoice::purge_invoices(&h::signer_of(h::operator()), merchants, order_refs);
        let i = 0;
        while (i < 4) {
            assert!(!invoice::invoice_exists(merchants[i], order_refs[i]), 10 + i);
            assert!(!invoice::is_purgeable(merchants[i], order_refs[i]), 20 + i);
            assert!(event::was_event_emitted(&invoice::invoice_purged_for_test(merchants[i], order_refs[i])), 30 + i);
            i += 1;
        };
        assert!(event::emitted_events<invoice::InvoicePurged>().length() == 4, 40);
        // Purging moves no money.
        assert!(h::treasury() == treasury && h::supply() == supply, 41);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun an_empty_batch_does_nothing(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::purge_invoices(&h::signer_of(h::operator()), vector[], vector[]);
        assert!(event::emitted_events<invoice::InvoicePurged>().length() == 0, 1);
    }

    // Who may purge: the operator, or the housekeeping account it names. The storage refund goes to the purging
    // transaction's fee payer, so a stranger purging would take deposits the operator paid.

    /// The housekeeping job's account in these tests.
    const HOUSEKEEPER: address = @0xe5;

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::invoice)] // ENOT_HOUSEKEEPER
    fun a_stranger_cannot_purge(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create(order());
        timestamp::fast_forward_seconds(TTL);
        invoice::purge_invoices(&h::signer_of(h::stranger()), vector[h::merchant()], vector[order()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::invoice)] // ENOT_HOUSEKEEPER
    fun the_merchant_cannot_purge_its_own_invoices(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create(order());
        timestamp::fast_forward_seconds(TTL);
        invoice::purge_invoices(&h::signer_of(h::merchant()), vector[h::merchant()], vector[order()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_named_housekeeper_purges(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        assert!(invoice::housekeeper() == std::option::none(), 1);
        invoice::set_housekeeper(&h::signer_of(h::operator()), HOUSEKEEPER);
        assert!(invoice::housekeeper() == std::option::some(HOUSEKEEPER), 2);
        assert!(
            event::was_event_emitted(
                &invoice::housekeeper_changed_for_test(std::option::none(), std::option::some(HOUSEKEEPER))
            ),
            3
        );
        create(order());
        timestamp::fast_forward_seconds(TTL);
        invoice::purge_invoices(&h::signer_of(HOUSEKEEPER), vector[h::merchant()], vector[order()]);
        assert!(!invoice::invoice_exists(h::merchant(), order()), 4);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::invoice)] // ENOT_HOUSEKEEPER
    fun a_removed_housekeeper_cannot_purge(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::set_housekeeper(&h::signer_of(h::operator()), HOUSEKEEPER);
        invoice::remove_housekeeper(&h::signer_of(h::operator()));
        assert!(
            event::was_event_emitted(
                &invoice::housekeeper_changed_for_test(std::option::some(HOUSEKEEPER), std::option::none())
            ),
            1
        );
        create(order());
        timestamp::fast_forward_seconds(TTL);
        invoice::purge_invoices(&h::signer_of(HOUSEKEEPER), vector[h::merchant()], vector[order()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::invoice)] // ENOT_HOUSEKEEPER
    fun a_replaced_housekeeper_cannot_purge(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::set_housekeeper(&h::signer_of(h::operator()), HOUSEKEEPER);
        invoice::set_housekeeper(&h::signer_of(h::operator()), h::stranger());
        create(order());
        timestamp::fast_forward_seconds(TTL);
        invoice::purge_invoices(&h::signer_of(HOUSEKEEPER), vector[h::merchant()], vector[order()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_denylisted_housekeeper_cannot_purge(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::set_housekeeper(&h::signer_of(h::operator()), HOUSEKEEPER);
        yenpay::controls::denylist(&h::signer_of(h::operator()), HOUSEKEEPER);
        create(order());
        timestamp::fast_forward_seconds(TTL);
        invoice::purge_invoices(&h::signer_of(HOUSEKEEPER), vector[h::merchant()], vector[order()]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50013, location = yenpay::invoice)] // ENOT_OPERATOR
    fun a_stranger_cannot_name_a_housekeeper(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::set_housekeeper(&h::signer_of(h::stranger()), h::stranger());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50013, location = yenpay::invoice)] // ENOT_OPERATOR
    fun the_housekeeper_cannot_name_a_housekeeper(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::set_housekeeper(&h::signer_of(h::operator()), HOUSEKEEPER);
        invoice::set_housekeeper(&h::signer_of(HOUSEKEEPER), h::stranger());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50013, location = yenpay::invoice)] // ENOT_OPERATOR
    fun a_stranger_cannot_remove_the_housekeeper(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::set_housekeeper(&h::signer_of(h::operator()), HOUSEKEEPER);
        invoice::remove_housekeeper(&h::signer_of(h::stranger()));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50013, location = yenpay::invoice)] // ENOT_OPERATOR
    fun a_merchant_cannot_name_a_housekeeper(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::set_housekeeper(&h::signer_of(h::merchant()), h::merchant());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50013, location = yenpay::invoice)] // ENOT_OPERATOR
    fun a_terminal_cannot_name_a_housekeeper(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::set_housekeeper(&h::signer_of(h::terminal()), h::terminal());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50013, location = yenpay::invoice)] // ENOT_OPERATOR
    fun the_housekeeper_cannot_remove_itself(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::set_housekeeper(&h::signer_of(h::operator()), HOUSEKEEPER);
        invoice::remove_housekeeper(&h::signer_of(HOUSEKEEPER));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60016, location = yenpay::invoice)] // ENO_HOUSEKEEPER
    fun removing_no_housekeeper_aborts(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::remove_housekeeper(&h::signer_of(h::operator()));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_denylisted_account_cannot_be_named_housekeeper(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        yenpay::controls::denylist(&h::signer_of(h::operator()), HOUSEKEEPER);
        invoice::set_housekeeper(&h::signer_of(h::operator()), HOUSEKEEPER);
    }

    // The order reference after a purge.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x80005, location = yenpay::invoice)] // EINVOICE_EXISTS
    fun an_order_reference_is_not_reused_while_refundable(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create(order());
        pay(order());
        timestamp::fast_forward_seconds(DEFAULT_WINDOW - 1);
        create(order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun after_a_purge_the_order_reference_is_free_again(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        set_window(SHORT_WINDOW);
        create(order());
        pay(order());
        timestamp::fast_forward_seconds(SHORT_WINDOW);
        purge(vector[order()]);
        // A new bill with the same number: a new invoice, paid once more, with its own window.
        create(order());
        let record = invoice::invoice(h::merchant(), order());
        assert!(record.status().is_open() && record.refunded() == 0, 1);
        assert!(record.created_at() == h::start_secs() + SHORT_WINDOW, 2);
        let payout = h::balance(h::payout());
        pay(order());
        assert!(h::balance(h::payout()) == payout + 9_700, 3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30007, location = yenpay::invoice)] // EINVOICE_ALREADY_PAID
    fun an_invoice_is_paid_at_most_once_until_purged(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        set_window(SHORT_WINDOW);
        create(order());
        pay(order());
        timestamp::fast_forward_seconds(SHORT_WINDOW - 1);
        pay(order());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60006, location = yenpay::invoice)] // EINVOICE_NOT_FOUND
    fun a_purged_invoice_can_be_neither_paid_nor_refunded(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        set_window(SHORT_WINDOW);
        create(order());
        pay(order());
        timestamp::fast_forward_seconds(SHORT_WINDOW);
        purge(vector[order()]);
        refund(order(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun an_expired_unpaid_invoice_frees_its_order_reference_at_expiry(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        create(order());
        timestamp::fast_forward_seconds(TTL);
        assert!(!invoice::is_payable(h::merchant(), order()), 1);
        assert!(invoice::is_purgeable(h::merchant(), order()), 2);
        purge(vector[order()]);
        create(order());
        assert!(invoice::is_payable(h::merchant(), order()), 3);
    }

    // Views of an invoice that does not exist (never created, or purged).

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun views_of_a_missing_invoice_say_no(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        assert!(!invoice::invoice_exists(h::merchant(), order()), 1);
        assert!(!invoice::is_payable(h::merchant(), order()), 2);
        assert!(!invoice::is_purgeable(h::merchant(), order()), 3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60006, location = yenpay::invoice)] // EINVOICE_NOT_FOUND
    fun purgeable_at_of_a_missing_invoice_aborts(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        invoice::purgeable_at(h::merchant(), order());
    }
}
