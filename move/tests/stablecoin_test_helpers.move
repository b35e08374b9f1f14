#[test_only]
/// Shared set-up for the stablecoin tests: a test chain (chain id 4, clock at 1,000 s) and the
/// roles split over distinct accounts so that each role can be tested against every other.
///
/// Tests name the deployer (`@deployer`, who holds every role at publish) `publisher`; the modules'
/// init runs as the package account (`@yenpay`, on chain the deployer's resource account).
module yenpay::stablecoin_test_helpers {
    use aptos_framework::account;
    use aptos_framework::chain_id;
    use aptos_framework::timestamp;
    use yenpay::authorization;
    use yenpay::controls;
    use yenpay::issuance;
    use yenpay::stablecoin;

    /// Test chain id (what `aptos move test` and the Rust known-answer test use).
    const CHAIN_ID: u8 = 4;
    /// Clock at set-up, in seconds.
    const START_SECS: u64 = 1_000;
    /// Allowance given to `minter()` by `setup_roles`.
    const MINTER_ALLOWANCE: u64 = 100_000_000;

    public fun admin(): address { @deployer }
    public fun master(): address { @0xa1 }
    public fun pauser(): address { @0xa2 }
    public fun denylister(): address { @0xa3 }
    public fun minter(): address { @0xa4 }
    public fun stranger(): address { @0xbad }
    public fun alice(): address { @0xa11ce }
    public fun bob(): address { @0xb0b }
    public fun carol(): address { @0xca201 }
    public fun chain(): u8 { CHAIN_ID }
    public fun start_secs(): u64 { START_SECS }
    public fun minter_allowance(): u64 { MINTER_ALLOWANCE }

    public fun signer_of(addr: address): signer {
        account::create_signer_for_test(addr)
    }

    /// The package account's signer, which runs the modules' init (`init_module`) at publish.
    public fun package_signer(): signer {
        account::create_signer_for_test(@yenpay)
    }

    /// Chain, clock, signed authorizations and the stablecoin, initialised by the package account,
    /// with the deployer (`publisher`) holding every role.
    public fun setup(framework: &signer, publisher: &signer) {
        assert!(std::signer::address_of(publisher) == @deployer, 0);
        timestamp::set_time_has_started_for_testing(framework);
        timestamp::update_global_time_for_test_secs(START_SECS);
        chain_id::initialize_for_test(framework, CHAIN_ID);
        authorization::init_for_test(&package_signer());
        controls::init_for_test(&package_signer());
        stablecoin::init_for_test(&package_signer());
        issuance::init_for_test(&package_signer());
    }

    /// `setup`, then each role on its own account and one configured minter.
    public fun setup_roles(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        issuance::set_master_minter(publisher, master());
        controls::set_pauser(publisher, pauser());
        controls::set_denylister(publisher, denylister());
        issuance::configure_minter(&signer_of(master()), minter(), MINTER_ALLOWANCE);
    }

    /// Mints `amount` to `to` with the configured minter.
    public fun mint_to(to: address, amount: u64) {
        issuance::mint(&signer_of(minter()), to, amount);
    }
}
