#[test_only]
/// The fee treasury of `yenpay::merchant_registry` with real money: fees paid through the invoice module
/// accumulate in it, and the operator sweeps them. These move the asset through the stablecoin's hooks, so
/// they live outside the module. Access control and validation are tested in the module itself.
///
/// Abort codes are category * 0x10000 + reason (std::error): invalid_argument 0x1, out_of_range 0x2,
/// invalid_state 0x3, permission_denied 0x5, not_found 0x6, already_exists 0x8.
module yenpay::merchant_registry_tests {
    use std::string::utf8;
    use aptos_framework::event;
    use aptos_framework::object;
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
        assert!(h::balance(merchant_registry::treasury_address()) == fees, 2);
        assert!(h::balance(h::payout()) == 10_000 - 300 + 2_345 - 70, 3);
        assert!(h::balance(h::other_payout()) == 99_999 - 1_499, 4);
        assert!(h::supply() == supply, 5);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun fees_accumulate_in_plain_treasury(framework: &signer, publisher: &signer) {
        h::setup_with(framework, publisher, false);
        let fees = collect_some_fees();
        assert!(h::treasury() == fees, 1);
        merchant_registry::sweep_treasury(publisher, FEE_ACCOUNT, fees);
        assert!(h::treasury() == 0, 2);
        assert!(h::balance(FEE_ACCOUNT) == fees, 3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun operator_sweeps_part_then_rest(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let supply = h::supply();
        let fees = collect_some_fees();
        merchant_registry::sweep_treasury(publisher, FEE_ACCOUNT, 1_000);
        assert!(h::treasury() == fees - 1_000, 1);
        assert!(h::balance(FEE_ACCOUNT) == 1_000, 2);
        merchant_registry::sweep_treasury(publisher, FEE_ACCOUNT, fees - 1_000);
        assert!(h::treasury() == 0, 3);
        assert!(h::balance(FEE_ACCOUNT) == fees, 4);
        assert!(event::emitted_events<merchant_registry::TreasurySwept>().length() == 2, 5);
        assert!(h::supply() == supply, 6);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10014, location = yenpay::merchant_registry)] // EINSUFFICIENT_TREASURY
    fun sweep_more_than_balance(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let fees = collect_some_fees();
        merchant_registry::sweep_treasury(publisher, FEE_ACCOUNT, fees + 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun new_operator_sweeps(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let fees = collect_some_fees();
        merchant_registry::propose_operator(publisher, h::stranger());
        merchant_registry::accept_operator(&h::signer_of(h::stranger()));
        merchant_registry::sweep_treasury(&h::signer_of(h::stranger()), FEE_ACCOUNT, fees);
        assert!(h::balance(FEE_ACCOUNT) == fees, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun old_operator_cannot_sweep(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let fees = collect_some_fees();
        merchant_registry::propose_operator(publisher, h::stranger());
        merchant_registry::accept_operator(&h::signer_of(h::stranger()));
        merchant_registry::sweep_treasury(publisher, FEE_ACCOUNT, fees);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun merchant_cannot_sweep_funded_treasury(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        collect_some_fees();
        merchant_registry::sweep_treasury(&h::signer_of(h::merchant()), h::merchant(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::stablecoin)] // stablecoin EPAUSED
    fun sweep_while_paused(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let fees = collect_some_fees();
        stablecoin::pause(publisher);
        merchant_registry::sweep_treasury(publisher, FEE_ACCOUNT, fees);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::stablecoin)] // stablecoin EDENYLISTED
    fun sweep_to_denylisted(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let fees = collect_some_fees();
        stablecoin::denylist(publisher, FEE_ACCOUNT);
        merchant_registry::sweep_treasury(publisher, FEE_ACCOUNT, fees);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50003, location = aptos_framework::object)] // object ENO_UNGATED_TRANSFERS
    fun treasury_object_cannot_be_given_away(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        // Not even its owner, the package account.
        object::transfer_call(&h::package_signer(), merchant_registry::treasury_address(), h::stranger());
    }
}
