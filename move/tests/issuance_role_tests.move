#[test_only]
/// Every privileged function of `yenpay::issuance` aborts, with the exact code, for every
/// signer that does not hold its role (roles on distinct accounts, see the helpers). One test per
/// function and non-holder; generated from a table, so each case is visible on its own.
/// `set_master_minter` is the admin's, checked by `yenpay::controls` (`ENOT_ADMIN` there).
/// Codes: permission_denied is category 0x5, so 0x50000 + reason.
module yenpay::issuance_role_tests {
    use aptos_framework::primary_fungible_store;
    use yenpay::issuance;
    use yenpay::stablecoin_test_helpers as h;

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_master_minter_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::master());
        issuance::set_master_minter(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_master_minter_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        issuance::set_master_minter(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_master_minter_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        issuance::set_master_minter(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_master_minter_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::minter());
        issuance::set_master_minter(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_master_minter_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        issuance::set_master_minter(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::issuance)] // permission_denied(ENOT_MASTER_MINTER)
    fun configure_minter_rejects_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::admin());
        issuance::configure_minter(&s, @0x4e3, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::issuance)] // permission_denied(ENOT_MASTER_MINTER)
    fun configure_minter_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        issuance::configure_minter(&s, @0x4e3, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::issuance)] // permission_denied(ENOT_MASTER_MINTER)
    fun configure_minter_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        issuance::configure_minter(&s, @0x4e3, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::issuance)] // permission_denied(ENOT_MASTER_MINTER)
    fun configure_minter_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::minter());
        issuance::configure_minter(&s, @0x4e3, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::issuance)] // permission_denied(ENOT_MASTER_MINTER)
    fun configure_minter_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        issuance::configure_minter(&s, @0x4e3, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::issuance)] // permission_denied(ENOT_MASTER_MINTER)
    fun remove_minter_rejects_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::admin());
        issuance::remove_minter(&s, h::minter());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::issuance)] // permission_denied(ENOT_MASTER_MINTER)
    fun remove_minter_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        issuance::remove_minter(&s, h::minter());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::issuance)] // permission_denied(ENOT_MASTER_MINTER)
    fun remove_minter_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        issuance::remove_minter(&s, h::minter());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::issuance)] // permission_denied(ENOT_MASTER_MINTER)
    fun remove_minter_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::minter());
        issuance::remove_minter(&s, h::minter());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::issuance)] // permission_denied(ENOT_MASTER_MINTER)
    fun remove_minter_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        issuance::remove_minter(&s, h::minter());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::issuance)] // permission_denied(ENOT_MINTER)
    fun mint_rejects_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::admin());
        issuance::mint(&s, h::alice(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::issuance)] // permission_denied(ENOT_MINTER)
    fun mint_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::master());
        issuance::mint(&s, h::alice(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::issuance)] // permission_denied(ENOT_MINTER)
    fun mint_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        issuance::mint(&s, h::alice(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::issuance)] // permission_denied(ENOT_MINTER)
    fun mint_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        issuance::mint(&s, h::alice(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::issuance)] // permission_denied(ENOT_MINTER)
    fun mint_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        issuance::mint(&s, h::alice(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::issuance)] // permission_denied(ENOT_MINTER)
    fun mint_fa_rejects_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::admin());
        let fa = issuance::mint_fa(&s, 1);
        primary_fungible_store::deposit(h::alice(), fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::issuance)] // permission_denied(ENOT_MINTER)
    fun mint_fa_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::master());
        let fa = issuance::mint_fa(&s, 1);
        primary_fungible_store::deposit(h::alice(), fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::issuance)] // permission_denied(ENOT_MINTER)
    fun mint_fa_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        let fa = issuance::mint_fa(&s, 1);
        primary_fungible_store::deposit(h::alice(), fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::issuance)] // permission_denied(ENOT_MINTER)
    fun mint_fa_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        let fa = issuance::mint_fa(&s, 1);
        primary_fungible_store::deposit(h::alice(), fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::issuance)] // permission_denied(ENOT_MINTER)
    fun mint_fa_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        let fa = issuance::mint_fa(&s, 1);
        primary_fungible_store::deposit(h::alice(), fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::issuance)] // permission_denied(ENOT_MINTER)
    fun burn_rejects_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::admin(), 10);
        h::mint_to(h::master(), 10);
        h::mint_to(h::pauser(), 10);
        h::mint_to(h::denylister(), 10);
        h::mint_to(h::stranger(), 10);
        let s = h::signer_of(h::admin());
        issuance::burn(&s, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::issuance)] // permission_denied(ENOT_MINTER)
    fun burn_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::admin(), 10);
        h::mint_to(h::master(), 10);
        h::mint_to(h::pauser(), 10);
        h::mint_to(h::denylister(), 10);
        h::mint_to(h::stranger(), 10);
        let s = h::signer_of(h::master());
        issuance::burn(&s, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::issuance)] // permission_denied(ENOT_MINTER)
    fun burn_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::admin(), 10);
        h::mint_to(h::master(), 10);
        h::mint_to(h::pauser(), 10);
        h::mint_to(h::denylister(), 10);
        h::mint_to(h::stranger(), 10);
        let s = h::signer_of(h::pauser());
        issuance::burn(&s, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::issuance)] // permission_denied(ENOT_MINTER)
    fun burn_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::admin(), 10);
        h::mint_to(h::master(), 10);
        h::mint_to(h::pauser(), 10);
        h::mint_to(h::denylister(), 10);
        h::mint_to(h::stranger(), 10);
        let s = h::signer_of(h::denylister());
        issuance::burn(&s, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::issuance)] // permission_denied(ENOT_MINTER)
    fun burn_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::admin(), 10);
        h::mint_to(h::master(), 10);
        h::mint_to(h::pauser(), 10);
        h::mint_to(h::denylister(), 10);
        h::mint_to(h::stranger(), 10);
        let s = h::signer_of(h::stranger());
        issuance::burn(&s, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::issuance)] // permission_denied(ENOT_MINTER)
    fun burn_fa_rejects_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::admin());
        let fa = issuance::mint_fa(&h::signer_of(h::minter()), 1);
        issuance::burn_fa(&s, fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::issuance)] // permission_denied(ENOT_MINTER)
    fun burn_fa_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::master());
        let fa = issuance::mint_fa(&h::signer_of(h::minter()), 1);
        issuance::burn_fa(&s, fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::issuance)] // permission_denied(ENOT_MINTER)
    fun burn_fa_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        let fa = issuance::mint_fa(&h::signer_of(h::minter()), 1);
        issuance::burn_fa(&s, fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::issuance)] // permission_denied(ENOT_MINTER)
    fun burn_fa_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        let fa = issuance::mint_fa(&h::signer_of(h::minter()), 1);
        issuance::burn_fa(&s, fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::issuance)] // permission_denied(ENOT_MINTER)
    fun burn_fa_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        let fa = issuance::mint_fa(&h::signer_of(h::minter()), 1);
        issuance::burn_fa(&s, fa);
    }
}
