#[test_only]
/// The merchant registry (`yenpay::merchant_registry`): operator handover, who may call what, validation of every
/// field, the merchant lifecycle, the stablecoin's denylist, events and the fee formula. Nothing here moves the coin;
/// fees and sweeps with real money are in `fee_treasury_tests`, payments in `invoice_tests`.
///
/// Abort codes are category * 0x10000 + reason (std::error): invalid_argument 0x1, out_of_range 0x2,
/// invalid_state 0x3, permission_denied 0x5, not_found 0x6, already_exists 0x8, resource_exhausted 0x9.
module yenpay::merchant_registry_tests {
    use std::option;
    use std::string::utf8;
    use aptos_framework::account;
    use aptos_framework::event;
    use aptos_framework::fungible_asset;
    use aptos_framework::object;
    use aptos_framework::timestamp;
    use yenpay::controls;
    use yenpay::issuance;
    use yenpay::merchant_registry as registry;
    use yenpay::stablecoin;

    const MERCHANT: address = @0xa1;
    const PAYOUT: address = @0xa2;
    const TERMINAL: address = @0xa3;
    const OTHER_MERCHANT: address = @0xb1;
    const OTHER_PAYOUT: address = @0xb2;
    const OTHER_TERMINAL: address = @0xb3;
    const STRANGER: address = @0xd1;
    const START_SECS: u64 = 1_700_000_000;

    fun as_signer(addr: address): signer {
        account::create_signer_for_test(addr)
    }

    /// The stablecoin and this module initialised as at publish, the clock started.
    fun setup(fx: &signer, publisher: &signer) {
        assert!(std::signer::address_of(publisher) == @deployer, 0);
        timestamp::set_time_has_started_for_testing(fx);
        timestamp::update_global_time_for_test_secs(START_SECS);
        let package = &as_signer(@yenpay);
        controls::init_for_test(package);
        stablecoin::init_for_test(package);
        issuance::init_for_test(package);
        registry::init_for_test(package);
    }

    /// Two active merchants, each with one terminal.
    fun setup_merchants(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        registry::register_merchant(publisher, MERCHANT, utf8(b"Ramen Ichiban"), utf8(b"5812"), PAYOUT, 300);
        registry::register_merchant(publisher, OTHER_MERCHANT, utf8(b"Kissa Hoshi"), utf8(b"5814"), OTHER_PAYOUT, 150);
        registry::add_terminal(&as_signer(MERCHANT), TERMINAL);
        registry::add_terminal(&as_signer(OTHER_MERCHANT), OTHER_TERMINAL);
    }

    // Init.

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun init_sets_operator(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        // The operator is the deployer, not the package account that ran init.
        assert!(registry::operator() == @deployer, 1);
        assert!(registry::is_operator(@deployer), 2);
        assert!(!registry::is_operator(@yenpay), 3);
        assert!(registry::pending_operator().is_none(), 4);
    }

    // Operator transfer.

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun operator_two_step_transfer(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        registry::propose_operator(publisher, STRANGER);
        assert!(registry::pending_operator() == option::some(STRANGER), 1);
        assert!(registry::operator() == @deployer, 2);
        registry::cancel_operator_proposal(publisher);
        assert!(registry::pending_operator().is_none(), 3);
        registry::propose_operator(publisher, OTHER_MERCHANT);
        registry::accept_operator(&as_signer(OTHER_MERCHANT));
        assert!(registry::operator() == OTHER_MERCHANT, 4);
        assert!(registry::pending_operator().is_none(), 5);
        // The old operator has no power left; the new one has it all.
        registry::register_merchant(&as_signer(OTHER_MERCHANT), MERCHANT, utf8(b"Ramen"), utf8(b"5812"), PAYOUT, 0);
        assert!(registry::is_active(MERCHANT), 6);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun old_operator_loses_power(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        registry::propose_operator(publisher, STRANGER);
        registry::accept_operator(&as_signer(STRANGER));
        registry::register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"5812"), PAYOUT, 0);
    }

    /// The account proposed as operator in the tests below.
    const PROPOSED: address = @0xe9;

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::merchant_registry)] // ENOT_PENDING_OPERATOR
    fun accept_operator_by_stranger(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::propose_operator(publisher, PROPOSED);
        registry::accept_operator(&as_signer(STRANGER));
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::merchant_registry)] // ENOT_PENDING_OPERATOR
    fun accept_operator_by_terminal(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::propose_operator(publisher, PROPOSED);
        registry::accept_operator(&as_signer(TERMINAL));
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::merchant_registry)] // ENOT_PENDING_OPERATOR
    fun accept_operator_by_merchant(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::propose_operator(publisher, PROPOSED);
        registry::accept_operator(&as_signer(MERCHANT));
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::merchant_registry)] // ENOT_PENDING_OPERATOR
    fun accept_operator_by_current_operator(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::propose_operator(publisher, PROPOSED);
        registry::accept_operator(publisher);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::merchant_registry)] // ENOT_PENDING_OPERATOR
    fun accept_operator_replaced_proposal(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::propose_operator(publisher, STRANGER);
        registry::propose_operator(publisher, PROPOSED);
        registry::accept_operator(&as_signer(STRANGER));
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30003, location = yenpay::merchant_registry)] // ENO_PENDING_OPERATOR
    fun accept_operator_after_cancel(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::propose_operator(publisher, PROPOSED);
        registry::cancel_operator_proposal(publisher);
        registry::accept_operator(&as_signer(PROPOSED));
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30003, location = yenpay::merchant_registry)] // ENO_PENDING_OPERATOR
    fun accept_operator_without_proposal(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        registry::accept_operator(&as_signer(STRANGER));
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30003, location = yenpay::merchant_registry)] // ENO_PENDING_OPERATOR
    fun cancel_operator_proposal_without_proposal(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        registry::cancel_operator_proposal(publisher);
    }

    // Operator functions: a stranger, a terminal and a merchant all abort with ENOT_OPERATOR.

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun propose_operator_by_stranger(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::propose_operator(&as_signer(STRANGER), STRANGER);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun propose_operator_by_terminal(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::propose_operator(&as_signer(TERMINAL), TERMINAL);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun propose_operator_by_merchant(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::propose_operator(&as_signer(MERCHANT), MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun cancel_operator_proposal_by_stranger(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::propose_operator(publisher, STRANGER);
        registry::cancel_operator_proposal(&as_signer(STRANGER));
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun cancel_operator_proposal_by_terminal(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::propose_operator(publisher, STRANGER);
        registry::cancel_operator_proposal(&as_signer(TERMINAL));
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun cancel_operator_proposal_by_merchant(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::propose_operator(publisher, STRANGER);
        registry::cancel_operator_proposal(&as_signer(MERCHANT));
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun register_merchant_by_stranger(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::register_merchant(&as_signer(STRANGER), STRANGER, utf8(b"Shop"), utf8(b"5411"), STRANGER, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun register_merchant_by_terminal(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::register_merchant(&as_signer(TERMINAL), STRANGER, utf8(b"Shop"), utf8(b"5411"), STRANGER, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun register_merchant_by_merchant(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::register_merchant(&as_signer(MERCHANT), STRANGER, utf8(b"Shop"), utf8(b"5411"), STRANGER, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun suspend_merchant_by_stranger(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::suspend_merchant(&as_signer(STRANGER), MERCHANT, 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun suspend_merchant_by_terminal(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::suspend_merchant(&as_signer(TERMINAL), MERCHANT, 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun suspend_merchant_by_other_merchant(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::suspend_merchant(&as_signer(OTHER_MERCHANT), MERCHANT, 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun suspend_merchant_by_itself(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::suspend_merchant(&as_signer(MERCHANT), MERCHANT, 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun reactivate_merchant_by_stranger(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::suspend_merchant(publisher, MERCHANT, 1);
        registry::reactivate_merchant(&as_signer(STRANGER), MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun reactivate_merchant_by_terminal(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::suspend_merchant(publisher, MERCHANT, 1);
        registry::reactivate_merchant(&as_signer(TERMINAL), MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun reactivate_merchant_by_itself(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::suspend_merchant(publisher, MERCHANT, 1);
        registry::reactivate_merchant(&as_signer(MERCHANT), MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun reactivate_merchant_by_other_merchant(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::suspend_merchant(publisher, MERCHANT, 1);
        registry::reactivate_merchant(&as_signer(OTHER_MERCHANT), MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun close_merchant_by_stranger(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::close_merchant(&as_signer(STRANGER), MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun close_merchant_by_terminal(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::close_merchant(&as_signer(TERMINAL), MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun close_merchant_by_other_merchant(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::close_merchant(&as_signer(OTHER_MERCHANT), MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun set_fee_bps_by_stranger(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::set_fee_bps(&as_signer(STRANGER), MERCHANT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun set_fee_bps_by_terminal(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::set_fee_bps(&as_signer(TERMINAL), MERCHANT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun set_fee_bps_by_itself(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::set_fee_bps(&as_signer(MERCHANT), MERCHANT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun set_fee_bps_by_other_merchant(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::set_fee_bps(&as_signer(OTHER_MERCHANT), MERCHANT, 0);
    }

    // Owner functions: only the owner of a registered merchant may call them, for its own record.

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000D, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OWNER
    fun set_payout_address_by_stranger(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::set_payout_address(&as_signer(STRANGER), STRANGER);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000D, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OWNER
    fun set_payout_address_by_terminal(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::set_payout_address(&as_signer(TERMINAL), TERMINAL);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000D, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OWNER
    fun set_payout_address_by_operator(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::set_payout_address(publisher, @yenpay);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    /// Another merchant can only change its own payout; the first merchant's record is untouched.
    fun set_payout_address_by_other_merchant_changes_only_its_own(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::set_payout_address(&as_signer(OTHER_MERCHANT), STRANGER);
        assert!(registry::merchant(OTHER_MERCHANT).info_payout() == STRANGER, 1);
        assert!(registry::merchant(MERCHANT).info_payout() == PAYOUT, 2);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000D, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OWNER
    fun add_terminal_by_stranger(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::add_terminal(&as_signer(STRANGER), @0xe1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000D, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OWNER
    fun add_terminal_by_terminal(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::add_terminal(&as_signer(TERMINAL), @0xe1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x8000E, location = yenpay::merchant_registry)] // ETERMINAL_TAKEN
    fun add_terminal_of_another_merchant(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::add_terminal(&as_signer(OTHER_MERCHANT), TERMINAL);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x8000E, location = yenpay::merchant_registry)] // ETERMINAL_TAKEN
    fun add_terminal_twice(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::add_terminal(&as_signer(MERCHANT), TERMINAL);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000D, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OWNER
    fun remove_terminal_by_stranger(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::remove_terminal(&as_signer(STRANGER), TERMINAL);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000D, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OWNER
    fun remove_terminal_by_terminal(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::remove_terminal(&as_signer(TERMINAL), TERMINAL);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60010, location = yenpay::merchant_registry)] // ETERMINAL_NOT_FOUND
    fun remove_terminal_by_other_merchant(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::remove_terminal(&as_signer(OTHER_MERCHANT), TERMINAL);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60010, location = yenpay::merchant_registry)] // ETERMINAL_NOT_FOUND
    fun remove_unknown_terminal(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::remove_terminal(&as_signer(MERCHANT), @0xe1);
    }

    // Validation.

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun register_records_everything(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        // 64 bytes of UTF-8 (21 three-byte characters and one ASCII byte) is the longest name.
        let name = b"";
        let i = 0;
        while (i < 21) { name.append(b"\xe3\x83\xa8"); i += 1 };
        name.push_back(0x41);
        registry::register_merchant(publisher, MERCHANT, utf8(name), utf8(b"0742"), PAYOUT, registry::max_fee_bps());
        let info = registry::merchant(MERCHANT);
        assert!(info.info_owner() == MERCHANT, 1);
        assert!(info.info_name() == utf8(name), 2);
        assert!(info.info_mcc() == utf8(b"0742"), 3);
        assert!(info.info_payout() == PAYOUT, 4);
        assert!(info.info_fee_bps() == registry::max_fee_bps(), 5);
        assert!(info.info_status().status_is_active(), 6);
        assert!(info.info_registered_at() == START_SECS, 7);
        assert!(info.info_terminals() == vector[], 8);
        assert!(registry::is_registered(MERCHANT) && registry::is_active(MERCHANT), 9);
        assert!(!registry::is_registered(STRANGER) && !registry::is_active(STRANGER), 10);
        assert!(registry::merchant_status(MERCHANT) == registry::active_for_test(), 11);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10006, location = yenpay::merchant_registry)] // EINVALID_NAME
    fun register_empty_name(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        registry::register_merchant(publisher, MERCHANT, utf8(b""), utf8(b"5812"), PAYOUT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10006, location = yenpay::merchant_registry)] // EINVALID_NAME
    fun register_name_over_64_bytes(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        // 22 three-byte characters: 22 characters but 66 bytes.
        let name = b"";
        let i = 0;
        while (i < 22) { name.append(b"\xe3\x83\xa8"); i += 1 };
        registry::register_merchant(publisher, MERCHANT, utf8(name), utf8(b"5812"), PAYOUT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10007, location = yenpay::merchant_registry)] // EINVALID_MCC
    fun register_mcc_three_digits(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        registry::register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"581"), PAYOUT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10007, location = yenpay::merchant_registry)] // EINVALID_MCC
    fun register_mcc_five_digits(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        registry::register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"58120"), PAYOUT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10007, location = yenpay::merchant_registry)] // EINVALID_MCC
    fun register_mcc_not_digits(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        registry::register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"58a2"), PAYOUT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10007, location = yenpay::merchant_registry)] // EINVALID_MCC
    fun register_mcc_full_width_digits(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        // "５８１２" in full-width digits is not ASCII.
        registry::register_merchant(
            publisher, MERCHANT, utf8(b"Ramen"), utf8(b"\xef\xbc\x95\xef\xbc\x98\xef\xbc\x91\xef\xbc\x92"), PAYOUT, 0
        );
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10008, location = yenpay::merchant_registry)] // EFEE_TOO_HIGH
    fun register_fee_over_cap(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        let fee_bps = registry::max_fee_bps() + 1;
        registry::register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"5812"), PAYOUT, fee_bps);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x80005, location = yenpay::merchant_registry)] // EMERCHANT_EXISTS
    fun register_owner_twice(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::register_merchant(publisher, MERCHANT, utf8(b"Ramen 2"), utf8(b"5812"), PAYOUT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10011, location = yenpay::merchant_registry)] // EROLE_CONFLICT
    fun register_a_terminal_as_merchant(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::register_merchant(publisher, TERMINAL, utf8(b"Shop"), utf8(b"5411"), TERMINAL, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10011, location = yenpay::merchant_registry)] // EROLE_CONFLICT
    fun add_a_merchant_as_terminal(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::add_terminal(&as_signer(MERCHANT), OTHER_MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10012, location = yenpay::merchant_registry)] // EPAYOUT_NOT_HOLDER
    fun register_unapproved_object_payout(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        let payout = object::address_from_constructor_ref(&object::create_named_object(publisher, b"vault"));
        registry::register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"5812"), payout, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun register_approved_object_payout(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        let payout = object::address_from_constructor_ref(&object::create_named_object(publisher, b"vault"));
        // Payments go to the object's primary store: that store is what the admin approves, before it exists.
        controls::approve_store(publisher, stablecoin::primary_store_address(payout));
        registry::register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"5812"), payout, 0);
        assert!(registry::merchant(MERCHANT).info_payout() == payout, 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10012, location = yenpay::merchant_registry)] // EPAYOUT_NOT_HOLDER
    fun register_object_payout_with_another_store_approved(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        let constructor_ref = &object::create_named_object(publisher, b"vault");
        let payout = object::address_from_constructor_ref(constructor_ref);
        // A store built on the object itself is approved, but payments would go to the object's primary store.
        let store = fungible_asset::create_store(constructor_ref, stablecoin::metadata());
        controls::approve_store(publisher, object::object_address(&store));
        registry::register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"5812"), payout, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10012, location = yenpay::merchant_registry)] // EPAYOUT_NOT_HOLDER
    fun register_object_payout_after_revocation(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        let payout = object::address_from_constructor_ref(&object::create_named_object(publisher, b"vault"));
        controls::approve_store(publisher, stablecoin::primary_store_address(payout));
        controls::revoke_store(publisher, stablecoin::primary_store_address(payout));
        registry::register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"5812"), payout, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10012, location = yenpay::merchant_registry)] // EPAYOUT_NOT_HOLDER
    fun set_unapproved_object_payout(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        let payout = object::address_from_constructor_ref(&object::create_named_object(publisher, b"vault"));
        registry::set_payout_address(&as_signer(MERCHANT), payout);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun set_approved_object_payout(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        let payout = object::address_from_constructor_ref(&object::create_object(MERCHANT));
        controls::approve_store(publisher, stablecoin::primary_store_address(payout));
        registry::set_payout_address(&as_signer(MERCHANT), payout);
        assert!(registry::payout_of(MERCHANT) == payout, 1);
    }

    // The stablecoin's denylist.

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun register_denylisted_owner(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        controls::denylist(publisher, MERCHANT);
        registry::register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"5812"), PAYOUT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun register_denylisted_payout(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        controls::denylist(publisher, PAYOUT);
        registry::register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"5812"), PAYOUT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun register_after_undenylisting(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        controls::denylist(publisher, MERCHANT);
        controls::undenylist(publisher, MERCHANT);
        registry::register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"5812"), PAYOUT, 0);
        assert!(registry::is_active(MERCHANT), 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun set_payout_by_denylisted_owner(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        controls::denylist(publisher, MERCHANT);
        registry::set_payout_address(&as_signer(MERCHANT), STRANGER);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun set_payout_to_denylisted(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        controls::denylist(publisher, STRANGER);
        registry::set_payout_address(&as_signer(MERCHANT), STRANGER);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun add_terminal_by_denylisted_owner(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        controls::denylist(publisher, MERCHANT);
        registry::add_terminal(&as_signer(MERCHANT), @0xe1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun add_denylisted_terminal(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        controls::denylist(publisher, @0xe1);
        registry::add_terminal(&as_signer(MERCHANT), @0xe1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun denylisted_owner_can_still_remove_terminals(fx: &signer, publisher: &signer) {
        // Removing a terminal only takes power away, so a denylisted owner may still do it.
        setup_merchants(fx, publisher);
        controls::denylist(publisher, MERCHANT);
        registry::remove_terminal(&as_signer(MERCHANT), TERMINAL);
        assert!(registry::terminals(MERCHANT) == vector[], 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun act_for_as_denylisted_terminal(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        controls::denylist(publisher, TERMINAL);
        registry::assert_can_act_for(TERMINAL, MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun act_for_as_denylisted_owner(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        controls::denylist(publisher, MERCHANT);
        registry::assert_can_act_for(MERCHANT, MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun act_for_denylisted_owner_as_its_terminal(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        controls::denylist(publisher, MERCHANT);
        registry::assert_can_act_for(TERMINAL, MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun act_for_as_denylisted_stranger(fx: &signer, publisher: &signer) {
        // A stranger is refused as a stranger, whether or not it is denylisted.
        setup_merchants(fx, publisher);
        controls::denylist(publisher, STRANGER);
        registry::assert_can_act_for(STRANGER, MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun active_with_denylisted_owner(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        controls::denylist(publisher, MERCHANT);
        registry::assert_active(MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun active_with_denylisted_payout(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        controls::denylist(publisher, PAYOUT);
        registry::assert_active(MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun settlement_terms_of_denylisted_owner(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        controls::denylist(publisher, MERCHANT);
        let (_, _) = registry::settlement_terms(MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun settlement_terms_leave_denylisted_payout_to_stablecoin(fx: &signer, publisher: &signer) {
        // The stablecoin's deposit hook refuses the payment itself; the registry still answers.
        setup_merchants(fx, publisher);
        controls::denylist(publisher, PAYOUT);
        let (payout, fee_bps) = registry::settlement_terms(MERCHANT);
        assert!(payout == PAYOUT && fee_bps == 300, 1);
        // Others are unaffected.
        registry::assert_active(OTHER_MERCHANT);
        registry::assert_can_act_for(OTHER_TERMINAL, OTHER_MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun assert_not_denylisted_refuses_denylisted(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        registry::assert_not_denylisted(PAYOUT);
        controls::denylist(publisher, PAYOUT);
        registry::assert_not_denylisted(PAYOUT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10008, location = yenpay::merchant_registry)] // EFEE_TOO_HIGH
    fun set_fee_over_cap(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::set_fee_bps(publisher, MERCHANT, registry::max_fee_bps() + 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60004, location = yenpay::merchant_registry)] // EMERCHANT_NOT_FOUND
    fun set_fee_of_unknown_merchant(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::set_fee_bps(publisher, STRANGER, 10);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60004, location = yenpay::merchant_registry)] // EMERCHANT_NOT_FOUND
    fun suspend_unknown_merchant(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::suspend_merchant(publisher, STRANGER, 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60004, location = yenpay::merchant_registry)] // EMERCHANT_NOT_FOUND
    fun close_unknown_merchant(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::close_merchant(publisher, STRANGER);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60004, location = yenpay::merchant_registry)] // EMERCHANT_NOT_FOUND
    fun view_unknown_merchant(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::merchant(STRANGER);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun fee_and_payout_changes(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::set_fee_bps(publisher, MERCHANT, 0);
        assert!(registry::merchant(MERCHANT).info_fee_bps() == 0, 1);
        let (fee, net) = registry::quote_fee(MERCHANT, 10_000);
        assert!(fee == 0 && net == 10_000, 2);
        registry::set_fee_bps(publisher, MERCHANT, 325);
        let (fee, net) = registry::quote_fee(MERCHANT, 10_000);
        assert!(fee == 325 && net == 9_675, 3);
        registry::set_payout_address(&as_signer(MERCHANT), STRANGER);
        assert!(registry::merchant(MERCHANT).info_payout() == STRANGER, 4);
        let (payout, fee_bps) = registry::settlement_terms(MERCHANT);
        assert!(payout == STRANGER && fee_bps == 325, 5);
        assert!(registry::payout_of(MERCHANT) == STRANGER, 6);
    }

    // Terminals.

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun terminals_add_and_remove(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        let owner = &as_signer(MERCHANT);
        registry::add_terminal(owner, @0xe1);
        registry::add_terminal(owner, @0xe2);
        assert!(registry::terminals(MERCHANT) == vector[TERMINAL, @0xe1, @0xe2], 1);
        assert!(registry::merchant_of_terminal(@0xe1) == option::some(MERCHANT), 2);
        assert!(registry::merchant_of_terminal(OTHER_TERMINAL) == option::some(OTHER_MERCHANT), 3);
        assert!(registry::merchant_of_terminal(STRANGER).is_none(), 4);
        registry::remove_terminal(owner, @0xe1);
        assert!(registry::terminals(MERCHANT) == vector[TERMINAL, @0xe2], 5);
        assert!(registry::merchant_of_terminal(@0xe1).is_none(), 6);
        // A freed terminal can join another merchant.
        registry::add_terminal(&as_signer(OTHER_MERCHANT), @0xe1);
        assert!(registry::merchant_of_terminal(@0xe1) == option::some(OTHER_MERCHANT), 7);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun act_for_owner_and_own_terminals_only(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::assert_can_act_for(MERCHANT, MERCHANT);
        registry::assert_can_act_for(TERMINAL, MERCHANT);
        registry::assert_can_act_for(OTHER_TERMINAL, OTHER_MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun act_for_as_terminal_of_another_merchant(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::assert_can_act_for(OTHER_TERMINAL, MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun act_for_as_another_merchant(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::assert_can_act_for(OTHER_MERCHANT, MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun act_for_as_stranger(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::assert_can_act_for(STRANGER, MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun act_for_as_removed_terminal(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::remove_terminal(&as_signer(MERCHANT), TERMINAL);
        registry::assert_can_act_for(TERMINAL, MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x9000F, location = yenpay::merchant_registry)] // ETOO_MANY_TERMINALS
    fun too_many_terminals(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        let owner = &as_signer(MERCHANT);
        // TERMINAL is already one; add up to the limit, then one more.
        let i = 1;
        while (i < registry::max_terminals()) {
            registry::add_terminal(owner, object::create_object_address(&MERCHANT, std::bcs::to_bytes(&i)));
            i += 1;
        };
        assert!(registry::terminals(MERCHANT).length() == registry::max_terminals(), 1);
        registry::add_terminal(owner, STRANGER);
    }

    // Status machine.

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun suspend_reactivate_close(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::suspend_merchant(publisher, MERCHANT, 7);
        assert!(registry::merchant_status(MERCHANT) == registry::suspended_for_test(7), 1);
        assert!(registry::merchant_status(MERCHANT).status_is_suspended(), 2);
        assert!(!registry::is_active(MERCHANT) && registry::is_registered(MERCHANT), 3);
        assert!(registry::is_active(OTHER_MERCHANT), 4);
        registry::reactivate_merchant(publisher, MERCHANT);
        assert!(registry::is_active(MERCHANT), 5);
        registry::suspend_merchant(publisher, MERCHANT, 2);
        registry::close_merchant(publisher, MERCHANT);
        assert!(registry::merchant_status(MERCHANT).status_is_closed(), 6);
        assert!(!registry::is_active(MERCHANT) && registry::is_registered(MERCHANT), 7);
        // Closing freed the terminal; the payout account is still on record, for refunds.
        assert!(registry::terminals(MERCHANT) == vector[], 8);
        assert!(registry::merchant_of_terminal(TERMINAL).is_none(), 9);
        assert!(registry::payout_of(MERCHANT) == PAYOUT, 10);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun close_active_merchant(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::close_merchant(publisher, MERCHANT);
        assert!(registry::merchant_status(MERCHANT) == registry::closed_for_test(), 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000B, location = yenpay::merchant_registry)] // EMERCHANT_CLOSED
    fun closed_cannot_be_reactivated(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::close_merchant(publisher, MERCHANT);
        registry::reactivate_merchant(publisher, MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x80005, location = yenpay::merchant_registry)] // EMERCHANT_EXISTS
    fun closed_cannot_be_registered_again(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::close_merchant(publisher, MERCHANT);
        registry::register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"5812"), PAYOUT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000B, location = yenpay::merchant_registry)] // EMERCHANT_CLOSED
    fun closed_cannot_be_closed_again(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::close_merchant(publisher, MERCHANT);
        registry::close_merchant(publisher, MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000B, location = yenpay::merchant_registry)] // EMERCHANT_CLOSED
    fun closed_cannot_be_suspended(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::close_merchant(publisher, MERCHANT);
        registry::suspend_merchant(publisher, MERCHANT, 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000B, location = yenpay::merchant_registry)] // EMERCHANT_CLOSED
    fun closed_fee_cannot_change(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::close_merchant(publisher, MERCHANT);
        registry::set_fee_bps(publisher, MERCHANT, 10);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000B, location = yenpay::merchant_registry)] // EMERCHANT_CLOSED
    fun closed_cannot_add_terminal(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::close_merchant(publisher, MERCHANT);
        registry::add_terminal(&as_signer(MERCHANT), @0xe1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000B, location = yenpay::merchant_registry)] // EMERCHANT_CLOSED
    fun closed_cannot_change_payout(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::close_merchant(publisher, MERCHANT);
        registry::set_payout_address(&as_signer(MERCHANT), STRANGER);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000A, location = yenpay::merchant_registry)] // EMERCHANT_NOT_SUSPENDED
    fun active_cannot_be_reactivated(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::reactivate_merchant(publisher, MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::merchant_registry)] // EMERCHANT_NOT_ACTIVE
    fun suspended_cannot_be_suspended_again(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::suspend_merchant(publisher, MERCHANT, 1);
        registry::suspend_merchant(publisher, MERCHANT, 2);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::merchant_registry)] // EMERCHANT_NOT_ACTIVE
    fun suspended_has_no_settlement_terms(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::suspend_merchant(publisher, MERCHANT, 1);
        let (_, _) = registry::settlement_terms(MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::merchant_registry)] // EMERCHANT_NOT_ACTIVE
    fun closed_has_no_settlement_terms(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::close_merchant(publisher, MERCHANT);
        let (_, _) = registry::settlement_terms(MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60004, location = yenpay::merchant_registry)] // EMERCHANT_NOT_FOUND
    fun unknown_has_no_settlement_terms(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        let (_, _) = registry::settlement_terms(STRANGER);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun suspended_owner_manages_terminals_and_payout(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        registry::suspend_merchant(publisher, MERCHANT, 1);
        let owner = &as_signer(MERCHANT);
        registry::add_terminal(owner, @0xe1);
        registry::remove_terminal(owner, TERMINAL);
        registry::set_payout_address(owner, STRANGER);
        assert!(registry::terminals(MERCHANT) == vector[@0xe1], 1);
        assert!(registry::payout_of(MERCHANT) == STRANGER, 2);
    }

    // Sweep validation (sweeps that move funds are in tests/merchant_registry_tests.move).

    // Events.

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun every_change_emits_its_event(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        assert!(event::was_event_emitted(&registry::merchant_registered_for_test(
            MERCHANT, utf8(b"Ramen Ichiban"), utf8(b"5812"), PAYOUT, 300
        )), 1);
        assert!(event::was_event_emitted(&registry::terminal_added_for_test(MERCHANT, TERMINAL)), 2);
        let owner = &as_signer(MERCHANT);
        registry::add_terminal(owner, @0xe1);
        registry::remove_terminal(owner, @0xe1);
        assert!(event::was_event_emitted(&registry::terminal_removed_for_test(MERCHANT, @0xe1)), 3);
        registry::set_payout_address(owner, STRANGER);
        assert!(event::was_event_emitted(
            &registry::payout_address_changed_for_test(MERCHANT, PAYOUT, STRANGER)
        ), 4);
        registry::set_fee_bps(publisher, MERCHANT, 120);
        assert!(event::was_event_emitted(&registry::fee_changed_for_test(MERCHANT, 300, 120)), 5);
        registry::suspend_merchant(publisher, MERCHANT, 9);
        assert!(event::was_event_emitted(&registry::merchant_suspended_for_test(MERCHANT, 9)), 6);
        registry::reactivate_merchant(publisher, MERCHANT);
        assert!(event::was_event_emitted(&registry::merchant_reactivated_for_test(MERCHANT)), 7);
        registry::close_merchant(publisher, MERCHANT);
        assert!(event::was_event_emitted(&registry::merchant_closed_for_test(MERCHANT)), 8);
        // Closing freed the remaining terminal, and said so.
        assert!(event::was_event_emitted(&registry::terminal_removed_for_test(MERCHANT, TERMINAL)), 9);
        registry::propose_operator(publisher, PROPOSED);
        assert!(event::was_event_emitted(&registry::operator_proposed_for_test(@deployer, PROPOSED)), 10);
        registry::cancel_operator_proposal(publisher);
        assert!(event::was_event_emitted(&registry::operator_proposal_cancelled_for_test(@deployer, PROPOSED)), 11);
        registry::propose_operator(publisher, PROPOSED);
        registry::accept_operator(&as_signer(PROPOSED));
        assert!(event::was_event_emitted(&registry::operator_changed_for_test(@deployer, PROPOSED)), 12);
    }

    // The fee.

    #[test]
    fun compute_fee_rounds_down() {
        assert!(registry::compute_fee(1, 1) == 0, 1);
        assert!(registry::compute_fee(9_999, 1) == 0, 2);
        assert!(registry::compute_fee(10_000, 1) == 1, 3);
        assert!(registry::compute_fee(19_999, 1) == 1, 4);
        assert!(registry::compute_fee(333, 300) == 9, 5); // 9.99
        assert!(registry::compute_fee(1_000_000, 1000) == 100_000, 6);
        assert!(registry::compute_fee(1_000_000, 325) == 32_500, 7);
        assert!(registry::compute_fee(0, 1000) == 0, 8);
        assert!(registry::compute_fee(100, 0) == 0, 9);
        // No overflow at the top of u64: the product is taken in u128.
        assert!(registry::compute_fee(18_446_744_073_709_551_615, 1000) == 1_844_674_407_370_955_161, 10);
    }

    #[test]
    #[expected_failure(abort_code = 0x10008, location = yenpay::merchant_registry)] // EFEE_TOO_HIGH
    fun compute_fee_refuses_fee_over_cap() {
        registry::compute_fee(100, registry::max_fee_bps() + 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun quote_fee_matches_compute_fee(fx: &signer, publisher: &signer) {
        setup_merchants(fx, publisher);
        let (fee, net) = registry::quote_fee(MERCHANT, 12_345);
        assert!(fee == registry::compute_fee(12_345, 300) && fee == 370, 1);
        assert!(fee + net == 12_345, 2);
    }
}
