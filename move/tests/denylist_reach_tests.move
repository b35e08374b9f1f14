#[test_only]
/// The denylist outside the hooks reaches as far as the hooks do: every account the package lets act (merchant owner,
/// payout, terminal, refund signer, operator, housekeeper) is refused when it, or an object owning it, is denylisted
/// (`controls::is_restricted`, one function for all). A denylisted operator can no longer act or sweep the fee
/// treasury, and the stablecoin's admin proposes its successor.
///
/// Abort codes are category * 0x10000 + reason (std::error): invalid_state 0x3, permission_denied 0x5.
module yenpay::denylist_reach_tests {
    use std::string::{String, utf8};
    use aptos_framework::event;
    use aptos_framework::object::{Self, ExtendRef};
    use yenpay::controls;
    use yenpay::fee_treasury;
    use yenpay::invoice;
    use yenpay::merchant_registry;
    use yenpay::settlement_test_helpers as h;
    use yenpay::stablecoin;

    /// A clean account that takes the operator role in these tests, apart from the admin.
    const OPERATOR: address = @0xe1;
    /// Its successor.
    const SUCCESSOR: address = @0xe2;
    /// An account that owns objects acting for merchants.
    const OWNER: address = @0xe3;
    /// Where the operator sweeps fees to.
    const FEE_ACCOUNT: address = @0xfee;

    fun order(): String { utf8(b"ORDER-0001") }

    /// An object owned by `owner`, and the `ExtendRef` that signs for it.
    fun object_of(owner: address): (address, ExtendRef) {
        let constructor_ref = object::create_object(owner);
        (object::address_from_constructor_ref(&constructor_ref), object::generate_extend_ref(&constructor_ref))
    }

    fun denylist(account: address) {
        controls::denylist(&h::signer_of(h::operator()), account);
    }

    /// Hands the operator role from the deployer to `to`.
    fun hand_operator_to(to: address) {
        merchant_registry::propose_operator(&h::signer_of(h::operator()), to);
        merchant_registry::accept_operator(&h::signer_of(to));
    }

    /// Some fees in the treasury.
    fun collect_fees() {
        invoice::pay_merchant(&h::signer_of(h::payer()), h::merchant(), 10_000, utf8(b""));
    }

    // Item 3: the operator and the fee treasury.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_denylisted_operator_cannot_sweep(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        collect_fees();
        hand_operator_to(OPERATOR);
        denylist(OPERATOR);
        fee_treasury::sweep(&h::signer_of(OPERATOR), FEE_ACCOUNT, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun an_operator_object_of_a_denylisted_owner_cannot_sweep(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        collect_fees();
        let (operator, extend_ref) = object_of(OWNER);
        hand_operator_to(operator);
        denylist(OWNER);
        fee_treasury::sweep(&object::generate_signer_for_extending(&extend_ref), FEE_ACCOUNT, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_denylisted_operator_cannot_register_merchants(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        hand_operator_to(OPERATOR);
        denylist(OPERATOR);
        merchant_registry::register_merchant(
            &h::signer_of(OPERATOR), @0xf1, utf8(b"Soba"), utf8(b"5812"), @0xf2, 100
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_denylisted_operator_cannot_hand_its_role_over(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        hand_operator_to(OPERATOR);
        denylist(OPERATOR);
        merchant_registry::propose_operator(&h::signer_of(OPERATOR), SUCCESSOR);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_admin_replaces_a_denylisted_operator(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        collect_fees();
        hand_operator_to(OPERATOR);
        denylist(OPERATOR);
        merchant_registry::propose_operator_replacement(publisher, SUCCESSOR);
        assert!(
            event::was_event_emitted(
                &merchant_registry::operator_replacement_proposed_for_test(@deployer, OPERATOR, SUCCESSOR)
            ),
            1
        );
        assert!(merchant_registry::pending_operator() == std::option::some(SUCCESSOR), 2);
        merchant_registry::accept_operator(&h::signer_of(SUCCESSOR));
        assert!(merchant_registry::operator() == SUCCESSOR, 3);
        assert!(
            event::was_event_emitted(&merchant_registry::operator_changed_for_test(OPERATOR, SUCCESSOR)), 4
        );
        fee_treasury::sweep(&h::signer_of(SUCCESSOR), FEE_ACCOUNT, 300);
        assert!(h::balance(FEE_ACCOUNT) == 300, 5);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30017, location = yenpay::merchant_registry)] // EOPERATOR_NOT_DENYLISTED
    fun the_admin_cannot_replace_a_clean_operator(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        hand_operator_to(OPERATOR);
        merchant_registry::propose_operator_replacement(publisher, SUCCESSOR);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50016, location = yenpay::merchant_registry)] // ENOT_ADMIN
    fun only_the_admin_replaces_an_operator(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        hand_operator_to(OPERATOR);
        denylist(OPERATOR);
        merchant_registry::propose_operator_replacement(&h::signer_of(SUCCESSOR), SUCCESSOR);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50016, location = yenpay::merchant_registry)] // ENOT_ADMIN
    fun the_operator_cannot_use_the_admins_replacement(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        hand_operator_to(OPERATOR);
        denylist(OPERATOR);
        merchant_registry::propose_operator_replacement(&h::signer_of(OPERATOR), SUCCESSOR);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50016, location = yenpay::merchant_registry)] // ENOT_ADMIN
    fun a_merchant_cannot_replace_the_operator(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        hand_operator_to(OPERATOR);
        denylist(OPERATOR);
        merchant_registry::propose_operator_replacement(&h::signer_of(h::merchant()), h::merchant());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50016, location = yenpay::merchant_registry)] // ENOT_ADMIN
    fun a_terminal_cannot_replace_the_operator(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        hand_operator_to(OPERATOR);
        denylist(OPERATOR);
        merchant_registry::propose_operator_replacement(&h::signer_of(h::terminal()), h::terminal());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50016, location = yenpay::merchant_registry)] // ENOT_ADMIN
    fun a_payer_cannot_replace_the_operator(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        hand_operator_to(OPERATOR);
        denylist(OPERATOR);
        merchant_registry::propose_operator_replacement(&h::signer_of(h::payer()), h::payer());
    }

    // Item 4: merchant owner, payout, terminal and refund signer, through their owners.

    /// A merchant whose owner is an object of `OWNER`; returns the object's `ExtendRef`.
    fun object_merchant(publisher: &signer): (address, ExtendRef) {
        let (merchant, extend_ref) = object_of(OWNER);
        merchant_registry::register_merchant(publisher, merchant, utf8(b"Yatai"), utf8(b"5812"), @0xf2, 300);
        (merchant, extend_ref)
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_merchant_object_of_a_denylisted_owner_cannot_change_its_payout(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (_merchant, extend_ref) = object_merchant(publisher);
        denylist(OWNER);
        merchant_registry::set_payout_address(&object::generate_signer_for_extending(&extend_ref), @0xf3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_merchant_object_of_a_denylisted_owner_cannot_sell(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (merchant, extend_ref) = object_merchant(publisher);
        denylist(OWNER);
        invoice::create_invoice(&object::generate_signer_for_extending(&extend_ref), merchant, order(), 1_000, 300);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_merchant_object_of_a_denylisted_owner_is_not_payable(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (merchant, _extend_ref) = object_merchant(publisher);
        denylist(OWNER);
        invoice::pay_merchant(&h::signer_of(h::payer()), merchant, 1_000, utf8(b""));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_merchant_object_of_a_denylisted_owner_cannot_be_registered(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (merchant, _extend_ref) = object_of(OWNER);
        denylist(OWNER);
        merchant_registry::register_merchant(publisher, merchant, utf8(b"Yatai"), utf8(b"5812"), @0xf2, 300);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_terminal_object_of_a_denylisted_owner_cannot_create_invoices(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (terminal, extend_ref) = object_of(OWNER);
        merchant_registry::add_terminal(&h::signer_of(h::merchant()), terminal);
        denylist(OWNER);
        invoice::create_invoice(
            &object::generate_signer_for_extending(&extend_ref), h::merchant(), order(), 1_000, 300
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_terminal_object_of_a_denylisted_owner_cannot_be_added(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let (terminal, _extend_ref) = object_of(OWNER);
        denylist(OWNER);
        merchant_registry::add_terminal(&h::signer_of(h::merchant()), terminal);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun a_payout_object_of_a_denylisted_owner_cannot_refund_from_the_fee_share(
        framework: &signer, publisher: &signer
    ) {
        // A slice that comes wholly from the treasury's fee share never touches the payout's store, so no hook would
        // see the payout's owner: the refund's own check must.
        h::setup(framework, publisher);
        let (payout, extend_ref) = object_of(OWNER);
        controls::approve_store(publisher, stablecoin::primary_store_address(payout));
        merchant_registry::set_payout_address(&h::signer_of(h::merchant()), payout);
        invoice::create_invoice(&h::signer_of(h::terminal()), h::merchant(), order(), 10_000, 300);
        invoice::pay_invoice(&h::signer_of(h::payer()), h::merchant(), order(), 10_000);
        let payout_signer = &object::generate_signer_for_extending(&extend_ref);
        // 33 refunded returns floor(300 * 33 / 10000) = 0 of the fee; one more yen returns floor(1.02) = 1: all of it.
        invoice::refund(payout_signer, h::merchant(), order(), 33);
        denylist(OWNER);
        invoice::refund(payout_signer, h::merchant(), order(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun the_fee_share_slice_is_refunded_while_the_owner_is_clean(framework: &signer, publisher: &signer) {
        // The same refunds as above with nobody listed: the second slice comes wholly from the treasury.
        h::setup(framework, publisher);
        let (payout, extend_ref) = object_of(OWNER);
        controls::approve_store(publisher, stablecoin::primary_store_address(payout));
        merchant_registry::set_payout_address(&h::signer_of(h::merchant()), payout);
        invoice::create_invoice(&h::signer_of(h::terminal()), h::merchant(), order(), 10_000, 300);
        invoice::pay_invoice(&h::signer_of(h::payer()), h::merchant(), order(), 10_000);
        let payout_signer = &object::generate_signer_for_extending(&extend_ref);
        invoice::refund(payout_signer, h::merchant(), order(), 33);
        let (held, treasury) = (h::balance(payout), h::treasury());
        invoice::refund(payout_signer, h::merchant(), order(), 1);
        assert!(h::balance(payout) == held && h::treasury() == treasury - 1, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun is_restricted_walks_the_owners(framework: &signer, publisher: &signer) {
        // The view integrators ask before they let an account act; the package's own checks use the same function.
        h::setup(framework, publisher);
        let (outer, _outer_ref) = object_of(OWNER);
        let (inner, _inner_ref) = object_of(outer);
        assert!(!controls::is_restricted(OWNER) && !controls::is_restricted(inner), 1);
        denylist(OWNER);
        assert!(controls::is_restricted(OWNER) && controls::is_restricted(outer), 2);
        assert!(controls::is_restricted(inner), 3);
        // The direct listing is only the owner's.
        assert!(!controls::is_denylisted(inner), 4);
        controls::undenylist(&h::signer_of(h::operator()), OWNER);
        assert!(!controls::is_restricted(inner), 5);
    }
}
