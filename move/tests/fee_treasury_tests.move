#[test_only]
/// The fee treasury (`yenpay::fee_treasury`) with real money: fees paid through the invoice module accumulate in it,
/// and the operator (`merchant_registry::operator`) sweeps them; the treasury as init leaves it; who may sweep.
///
/// Abort codes are category * 0x10000 + reason (std::error): invalid_argument 0x1, out_of_range 0x2,
/// invalid_state 0x3, permission_denied 0x5, not_found 0x6, already_exists 0x8.
module yenpay::fee_treasury_tests {
    use std::features;
    use std::string::utf8;
    use aptos_framework::event;
    use aptos_framework::fungible_asset;
    use aptos_framework::object;
    use aptos_framework::primary_fungible_store;
    use yenpay::controls;
    use yenpay::fee_treasury;
    use yenpay::invoice;
    use yenpay::merchant_registry;
    use yenpay::settlement_test_helpers as h;
    use yenpay::stablecoin;

    /// Where the operator sweeps fees to.
    const FEE_ACCOUNT: address = @0xfee;

    fun pay(merchant: address, amount: u64) {
        invoice::pay_merchant(&h::signer_of(h::payer()), merchant, amount, utf8(b""));
    }

    /// Three payments to two merchants at different fees; returns the fees they paid.
    fun collect_some_fees(): u64 {
        pay(h::merchant(), 10_000); // 3% of 10,000 = 300
        pay(h::merchant(), 2_345); // 3% of 2,345 = 70.35 -> 70
        pay(h::other_merchant(), 99_999); // 1.5% of 99,999 = 1,499.985 -> 1,499
        300 + 70 + 1_499
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun fees_accumulate_in_treasury(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let supply = h::supply();
        let fees = collect_some_fees();
        assert!(h::treasury() == fees, 1);
        assert!(h::balance(fee_treasury::treasury_address()) == fees, 2);
        assert!(h::balance(h::payout()) == 10_000 - 300 + 2_345 - 70, 3);
        assert!(h::balance(h::other_payout()) == 99_999 - 1_499, 4);
        assert!(h::supply() == supply, 5);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun fees_accumulate_in_plain_treasury(framework: &signer, publisher: &signer) {
        h::setup_with(framework, publisher, false);
        let fees = collect_some_fees();
        assert!(h::treasury() == fees, 1);
        fee_treasury::sweep(publisher, FEE_ACCOUNT, fees);
        assert!(h::treasury() == 0, 2);
        assert!(h::balance(FEE_ACCOUNT) == fees, 3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun operator_sweeps_part_then_rest(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let supply = h::supply();
        let fees = collect_some_fees();
        fee_treasury::sweep(publisher, FEE_ACCOUNT, 1_000);
        assert!(h::treasury() == fees - 1_000, 1);
        assert!(h::balance(FEE_ACCOUNT) == 1_000, 2);
        fee_treasury::sweep(publisher, FEE_ACCOUNT, fees - 1_000);
        assert!(h::treasury() == 0, 3);
        assert!(h::balance(FEE_ACCOUNT) == fees, 4);
        assert!(event::emitted_events<fee_treasury::TreasurySwept>().length() == 2, 5);
        assert!(h::supply() == supply, 6);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10014, location = yenpay::fee_treasury)] // EINSUFFICIENT_TREASURY
    fun sweep_more_than_balance(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let fees = collect_some_fees();
        fee_treasury::sweep(publisher, FEE_ACCOUNT, fees + 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun new_operator_sweeps(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let fees = collect_some_fees();
        merchant_registry::propose_operator(publisher, h::stranger());
        merchant_registry::accept_operator(&h::signer_of(h::stranger()));
        fee_treasury::sweep(&h::signer_of(h::stranger()), FEE_ACCOUNT, fees);
        assert!(h::balance(FEE_ACCOUNT) == fees, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::fee_treasury)] // ENOT_OPERATOR
    fun old_operator_cannot_sweep(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let fees = collect_some_fees();
        merchant_registry::propose_operator(publisher, h::stranger());
        merchant_registry::accept_operator(&h::signer_of(h::stranger()));
        fee_treasury::sweep(publisher, FEE_ACCOUNT, fees);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::fee_treasury)] // ENOT_OPERATOR
    fun merchant_cannot_sweep_funded_treasury(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        collect_some_fees();
        fee_treasury::sweep(&h::signer_of(h::merchant()), h::merchant(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::controls)] // controls EPAUSED
    fun sweep_while_paused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let fees = collect_some_fees();
        controls::pause(publisher);
        fee_treasury::sweep(publisher, FEE_ACCOUNT, fees);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // controls EDENYLISTED
    fun sweep_to_denylisted(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let fees = collect_some_fees();
        controls::denylist(publisher, FEE_ACCOUNT);
        fee_treasury::sweep(publisher, FEE_ACCOUNT, fees);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50003, location = aptos_framework::object)] // object ENO_UNGATED_TRANSFERS
    fun treasury_object_cannot_be_given_away(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        // Not even its owner, the package account.
        object::transfer_call(&h::package_signer(), fee_treasury::treasury_address(), h::stranger());
    }

    // Init.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun init_creates_the_treasury(framework: &signer, publisher: &signer) {
        h::setup_package(framework, publisher, true);
        let treasury = fee_treasury::treasury_address();
        assert!(treasury == object::create_object_address(&@yenpay, b"YENPAY_TREASURY"), 1);
        assert!(fee_treasury::has_extend_ref_for_test(), 2);
        // The treasury's primary store, not the treasury object, is approved to hold the coin.
        let store = stablecoin::primary_store_address(treasury);
        assert!(controls::is_approved_store(store), 3);
        assert!(!controls::is_approved_store(treasury), 4);
        assert!(primary_fungible_store::primary_store_exists(treasury, stablecoin::metadata()), 5);
        assert!(controls::may_hold(store), 6);
        assert!(fee_treasury::balance() == 0, 7);
        // Nobody can move the treasury object to another owner.
        assert!(!object::ungated_transfer_allowed(object::address_to_object<object::ObjectCore>(treasury)), 8);
        // The package account owns it.
        assert!(object::owner(object::address_to_object<object::ObjectCore>(treasury)) == @yenpay, 9);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun init_upgrades_treasury_to_concurrent_where_enabled(framework: &signer, publisher: &signer) {
        h::setup_package(framework, publisher, true);
        let treasury = fee_treasury::treasury_address();
        let store = primary_fungible_store::primary_store(treasury, stablecoin::metadata());
        // Upgrading again is a no-op only for a store that already is concurrent: with the flag now off, it
        // would abort for a plain store.
        features::change_feature_flags_for_testing(
            framework, vector[], vector[features::get_concurrent_fungible_balance_feature()]
        );
        fungible_asset::upgrade_store_to_concurrent(&h::signer_of(treasury), store);
        assert!(fee_treasury::balance() == 0, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10020, location = aptos_framework::fungible_asset)] // ECONCURRENT_BALANCE_NOT_ENABLED
    fun init_leaves_treasury_plain_where_disabled(framework: &signer, publisher: &signer) {
        // Init must not abort where flag 67 is off, and leaves a plain store, which cannot be upgraded while the flag
        // is off.
        h::setup_package(framework, publisher, false);
        let treasury = fee_treasury::treasury_address();
        let store = primary_fungible_store::primary_store(treasury, stablecoin::metadata());
        fungible_asset::upgrade_store_to_concurrent(&h::signer_of(treasury), store);
    }

    // Who may sweep, and how much.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::fee_treasury)] // ENOT_OPERATOR
    fun sweep_by_stranger(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        collect_some_fees();
        fee_treasury::sweep(&h::signer_of(h::stranger()), h::stranger(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::fee_treasury)] // ENOT_OPERATOR
    fun sweep_by_terminal(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        collect_some_fees();
        fee_treasury::sweep(&h::signer_of(h::terminal()), h::terminal(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::fee_treasury)] // ENOT_OPERATOR
    fun sweep_by_payout_account(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        collect_some_fees();
        fee_treasury::sweep(&h::signer_of(h::payout()), h::payout(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::fee_treasury)] // ENOT_OPERATOR
    fun sweep_by_the_package_account(framework: &signer, publisher: &signer) {
        // The account that owns the treasury object is not the operator either.
        h::setup(framework, publisher);
        collect_some_fees();
        fee_treasury::sweep(&h::package_signer(), h::stranger(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10013, location = yenpay::fee_treasury)] // EZERO_AMOUNT
    fun sweep_zero(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        collect_some_fees();
        fee_treasury::sweep(publisher, FEE_ACCOUNT, 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10014, location = yenpay::fee_treasury)] // EINSUFFICIENT_TREASURY
    fun sweep_empty_treasury(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        fee_treasury::sweep(publisher, FEE_ACCOUNT, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun sweep_emits_its_event(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let fees = collect_some_fees();
        fee_treasury::sweep(publisher, FEE_ACCOUNT, fees);
        assert!(event::was_event_emitted(&fee_treasury::treasury_swept_for_test(FEE_ACCOUNT, fees)), 1);
    }
}
