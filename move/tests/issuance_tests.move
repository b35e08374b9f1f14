#[test_only]
/// Behaviour of `yenpay::issuance`: the master minter's minters and allowances, mint (to an account, and `mint_fa`
/// through the hooks) and burn (from the primary store, and `burn_fa`), with the controls that hold for them.
///
/// Abort codes are category * 0x10000 + reason (std::error): invalid_argument 0x1,
/// out_of_range 0x2, invalid_state 0x3, permission_denied 0x5, not_found 0x6, already_exists 0x8.
module yenpay::issuance_tests {
    use aptos_framework::event;
    use aptos_framework::primary_fungible_store;
    use yenpay::controls;
    use yenpay::issuance;
    use yenpay::stablecoin;
    use yenpay::stablecoin_test_helpers as h;

    fun transfer(from: address, to: address, amount: u64) {
        primary_fungible_store::transfer(&h::signer_of(from), stablecoin::metadata(), to, amount);
    }

    // Mint, transfer, burn.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun mint_then_plain_transfer(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 1_000);
        assert!(stablecoin::balance(h::alice()) == 1_000, 1);
        assert!(stablecoin::total_supply() == 1_000, 2);
        assert!(issuance::minter_allowance(h::minter()) == h::minter_allowance() - 1_000, 3);
        transfer(h::alice(), h::bob(), 400);
        assert!(stablecoin::balance(h::alice()) == 600, 4);
        assert!(stablecoin::balance(h::bob()) == 400, 5);
        assert!(event::emitted_events<issuance::Minted>().length() == 1, 6);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun mint_fa_deposits_through_hooks(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let fa = issuance::mint_fa(&h::signer_of(h::minter()), 70);
        primary_fungible_store::deposit(h::alice(), fa);
        assert!(stablecoin::balance(h::alice()) == 70, 1);
        assert!(issuance::minter_allowance(h::minter()) == h::minter_allowance() - 70, 2);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // permission_denied(EDENYLISTED)
    fun mint_fa_to_denylisted_refused_by_deposit_hook(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        let fa = issuance::mint_fa(&h::signer_of(h::minter()), 70);
        primary_fungible_store::deposit(h::alice(), fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun burn_destroys_minter_coins(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 500);
        transfer(h::alice(), h::minter(), 300); // redemption: the holder sends coins to the issuer
        issuance::burn(&h::signer_of(h::minter()), 200);
        assert!(stablecoin::balance(h::minter()) == 100, 1);
        assert!(stablecoin::total_supply() == 300, 2);
        let fa = primary_fungible_store::withdraw(&h::signer_of(h::minter()), stablecoin::metadata(), 100);
        issuance::burn_fa(&h::signer_of(h::minter()), fa);
        assert!(stablecoin::total_supply() == 200, 3);
        assert!(event::emitted_events<issuance::Burned>().length() == 2, 4);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000c, location = yenpay::issuance)] // invalid_argument(EZERO_AMOUNT)
    fun mint_zero_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000c, location = yenpay::issuance)] // invalid_argument(EZERO_AMOUNT)
    fun burn_zero_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::minter(), 10);
        issuance::burn(&h::signer_of(h::minter()), 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // permission_denied(EDENYLISTED)
    fun mint_to_denylisted_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        h::mint_to(h::alice(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // permission_denied(EDENYLISTED)
    fun denylisted_minter_cannot_mint(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::denylist(&h::signer_of(h::denylister()), h::minter());
        h::mint_to(h::alice(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // permission_denied(EDENYLISTED)
    fun denylisted_minter_cannot_burn(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::minter(), 10);
        controls::denylist(&h::signer_of(h::denylister()), h::minter());
        issuance::burn(&h::signer_of(h::minter()), 1);
    }

    // Minters.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x2000b, location = yenpay::issuance)] // out_of_range(EALLOWANCE_EXCEEDED)
    fun allowance_exhaustion(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        issuance::configure_minter(&h::signer_of(h::master()), h::minter(), 100);
        h::mint_to(h::alice(), 60);
        h::mint_to(h::alice(), 40);
        assert!(issuance::minter_allowance(h::minter()) == 0, 1);
        h::mint_to(h::alice(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun allowance_can_be_reset(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let master = h::signer_of(h::master());
        issuance::configure_minter(&master, h::minter(), 10);
        h::mint_to(h::alice(), 10);
        issuance::configure_minter(&master, h::minter(), 5);
        h::mint_to(h::alice(), 5);
        assert!(stablecoin::balance(h::alice()) == 15, 1);
        assert!(issuance::minter_allowance(h::minter()) == 0, 2);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::issuance)] // permission_denied(ENOT_MINTER)
    fun removed_minter_cannot_mint(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 1);
        issuance::remove_minter(&h::signer_of(h::master()), h::minter());
        assert!(!issuance::is_minter(h::minter()), 1);
        assert!(issuance::minter_allowance(h::minter()) == 0, 2);
        assert!(event::emitted_events<issuance::MinterRemoved>().length() == 1, 3);
        h::mint_to(h::alice(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::issuance)] // permission_denied(ENOT_MINTER)
    fun removed_minter_cannot_burn(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::minter(), 10);
        issuance::remove_minter(&h::signer_of(h::master()), h::minter());
        issuance::burn(&h::signer_of(h::minter()), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60017, location = yenpay::issuance)] // not_found(EMINTER_NOT_FOUND)
    fun remove_unknown_minter_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        issuance::remove_minter(&h::signer_of(h::master()), h::stranger());
    }
}
