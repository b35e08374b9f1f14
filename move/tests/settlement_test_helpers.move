#[test_only]
/// Shared set-up for the merchant registry and invoice tests: a test chain (chain id 4, clock at
/// `START_SECS`), the whole package initialised as at publish, two active merchants with one terminal
/// each, and a funded payer.
module yenpay::settlement_test_helpers {
    use std::features;
    use std::string::utf8;
    use aptos_framework::account;
    use aptos_framework::chain_id;
    use aptos_framework::timestamp;
    use yenpay::authorization;
    use yenpay::controls;
    use yenpay::fee_treasury;
    use yenpay::fx;
    use yenpay::hold;
    use yenpay::invoice;
    use yenpay::issuance;
    use yenpay::merchant_registry;
    use yenpay::stablecoin;
    use yenpay::tax_refund;

    /// Test chain id.
    const CHAIN_ID: u8 = 4;
    /// Clock at set-up, in seconds.
    const START_SECS: u64 = 1_700_000_000;
    /// Fee of `merchant()`, in basis points (3%).
    const MERCHANT_FEE_BPS: u64 = 300;
    /// Fee of `other_merchant()`, in basis points (1.5%).
    const OTHER_FEE_BPS: u64 = 150;
    /// What `payer()` holds after set-up.
    const PAYER_FUNDS: u64 = 5_000_000;

    public fun operator(): address { @deployer }
    public fun merchant(): address { @0xa1 }
    public fun payout(): address { @0xa2 }
    public fun terminal(): address { @0xa3 }
    public fun other_merchant(): address { @0xb1 }
    public fun other_payout(): address { @0xb2 }
    public fun other_terminal(): address { @0xb3 }
    public fun payer(): address { @0xc1 }
    public fun stranger(): address { @0xd1 }
    public fun chain(): u8 { CHAIN_ID }
    public fun start_secs(): u64 { START_SECS }
    public fun merchant_fee_bps(): u64 { MERCHANT_FEE_BPS }
    public fun other_fee_bps(): u64 { OTHER_FEE_BPS }
    public fun payer_funds(): u64 { PAYER_FUNDS }

    public fun signer_of(addr: address): signer {
        account::create_signer_for_test(addr)
    }

    /// The package account's signer, which runs the modules' init (`init_module`) at publish.
    public fun package_signer(): signer {
        account::create_signer_for_test(@yenpay)
    }

    /// Chain, clock and the modules initialised in publish order by the package account (`@yenpay`); the
    /// deployer (`publisher`, `@deployer`) holds every role and is a minter. `concurrent` says whether the chain
    /// enables concurrent fungible balances (flag 67) at publish, and so whether the treasury is a
    /// concurrent-balance store. The flag is set explicitly either way: the test runner starts with the default
    /// feature set, in which it is on.
    public fun setup_package(framework: &signer, publisher: &signer, concurrent: bool) {
        let flag = vector[features::get_concurrent_fungible_balance_feature()];
        if (concurrent) {
            features::change_feature_flags_for_testing(framework, flag, vector[]);
        } else {
            features::change_feature_flags_for_testing(framework, vector[], flag);
        };
        timestamp::set_time_has_started_for_testing(framework);
        timestamp::update_global_time_for_test_secs(START_SECS);
        chain_id::initialize_for_test(framework, CHAIN_ID);
        assert!(std::signer::address_of(publisher) == @deployer, 0);
        let package = &package_signer();
        authorization::init_for_test(package);
        controls::init_for_test(package);
        stablecoin::init_for_test(package);
        issuance::init_for_test(package);
        merchant_registry::init_for_test(package);
        fee_treasury::init_for_test(package);
        invoice::init_for_test(package);
        hold::init_for_test(package);
        fx::init_for_test(package);
        tax_refund::init_for_test(package);
        issuance::configure_minter(publisher, @deployer, 1_000_000_000_000);
    }

    /// `setup_package`, two active merchants with one terminal each, and `PAYER_FUNDS` for the payer.
    public fun setup_with(framework: &signer, publisher: &signer, concurrent: bool) {
        setup_package(framework, publisher, concurrent);
        merchant_registry::register_merchant(
            publisher, merchant(), utf8(b"Ramen Ichiban"), utf8(b"5812"), payout(), MERCHANT_FEE_BPS
        );
        merchant_registry::register_merchant(
            publisher, other_merchant(), utf8(b"Kissa Hoshi"), utf8(b"5814"), other_payout(), OTHER_FEE_BPS
        );
        merchant_registry::add_terminal(&signer_of(merchant()), terminal());
        merchant_registry::add_terminal(&signer_of(other_merchant()), other_terminal());
        mint(payer(), PAYER_FUNDS);
    }

    /// `setup_with` a concurrent treasury store, as on a chain with flag 67 on (the local node, the test runner).
    public fun setup(framework: &signer, publisher: &signer) {
        setup_with(framework, publisher, true);
    }

    public fun mint(to: address, amount: u64) {
        issuance::mint(&signer_of(@deployer), to, amount);
    }

    public fun balance(owner: address): u64 {
        stablecoin::balance(owner)
    }

    public fun treasury(): u64 {
        fee_treasury::balance()
    }

    public fun supply(): u128 {
        stablecoin::total_supply()
    }

    public fun now(): u64 {
        timestamp::now_seconds()
    }
}
