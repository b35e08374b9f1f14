#[test_only]
/// Every privileged function of `yenpay::controls` aborts, with the exact code, for every
/// signer that does not hold its role (roles on distinct accounts, see the helpers). One test per
/// function and non-holder; generated from a table, so each case is visible on its own.
/// Approve/revoke store are in `controls_store_tests`; the package upgrade gate is in `upgrade_tests`.
/// Codes: permission_denied is category 0x5, so 0x50000 + reason.
module yenpay::controls_role_tests {
    use yenpay::controls;
    use yenpay::stablecoin_test_helpers as h;

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun propose_admin_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::master());
        controls::propose_admin(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun propose_admin_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        controls::propose_admin(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun propose_admin_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        controls::propose_admin(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun propose_admin_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::minter());
        controls::propose_admin(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun propose_admin_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        controls::propose_admin(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun cancel_admin_proposal_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::propose_admin(publisher, @0x4e3);
        let s = h::signer_of(h::master());
        controls::cancel_admin_proposal(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun cancel_admin_proposal_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::propose_admin(publisher, @0x4e3);
        let s = h::signer_of(h::pauser());
        controls::cancel_admin_proposal(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun cancel_admin_proposal_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::propose_admin(publisher, @0x4e3);
        let s = h::signer_of(h::denylister());
        controls::cancel_admin_proposal(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun cancel_admin_proposal_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::propose_admin(publisher, @0x4e3);
        let s = h::signer_of(h::minter());
        controls::cancel_admin_proposal(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun cancel_admin_proposal_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::propose_admin(publisher, @0x4e3);
        let s = h::signer_of(h::stranger());
        controls::cancel_admin_proposal(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_pauser_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::master());
        controls::set_pauser(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_pauser_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        controls::set_pauser(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_pauser_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        controls::set_pauser(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_pauser_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::minter());
        controls::set_pauser(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_pauser_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        controls::set_pauser(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_denylister_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::master());
        controls::set_denylister(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_denylister_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        controls::set_denylister(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_denylister_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        controls::set_denylister(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_denylister_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::minter());
        controls::set_denylister(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_denylister_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        controls::set_denylister(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_transfer_cap_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::master());
        controls::set_transfer_cap(&s, 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_transfer_cap_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        controls::set_transfer_cap(&s, 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_transfer_cap_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        controls::set_transfer_cap(&s, 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_transfer_cap_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::minter());
        controls::set_transfer_cap(&s, 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_transfer_cap_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        controls::set_transfer_cap(&s, 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::controls)] // permission_denied(ENOT_PENDING_ADMIN)
    fun accept_admin_rejects_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::propose_admin(publisher, @0x4e3);
        let s = h::signer_of(h::admin());
        controls::accept_admin(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::controls)] // permission_denied(ENOT_PENDING_ADMIN)
    fun accept_admin_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::propose_admin(publisher, @0x4e3);
        let s = h::signer_of(h::master());
        controls::accept_admin(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::controls)] // permission_denied(ENOT_PENDING_ADMIN)
    fun accept_admin_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::propose_admin(publisher, @0x4e3);
        let s = h::signer_of(h::pauser());
        controls::accept_admin(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::controls)] // permission_denied(ENOT_PENDING_ADMIN)
    fun accept_admin_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::propose_admin(publisher, @0x4e3);
        let s = h::signer_of(h::denylister());
        controls::accept_admin(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::controls)] // permission_denied(ENOT_PENDING_ADMIN)
    fun accept_admin_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::propose_admin(publisher, @0x4e3);
        let s = h::signer_of(h::minter());
        controls::accept_admin(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::controls)] // permission_denied(ENOT_PENDING_ADMIN)
    fun accept_admin_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::propose_admin(publisher, @0x4e3);
        let s = h::signer_of(h::stranger());
        controls::accept_admin(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50006, location = yenpay::controls)] // permission_denied(ENOT_PAUSER)
    fun pause_rejects_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::admin());
        controls::pause(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50006, location = yenpay::controls)] // permission_denied(ENOT_PAUSER)
    fun pause_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::master());
        controls::pause(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50006, location = yenpay::controls)] // permission_denied(ENOT_PAUSER)
    fun pause_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        controls::pause(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50006, location = yenpay::controls)] // permission_denied(ENOT_PAUSER)
    fun pause_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::minter());
        controls::pause(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50006, location = yenpay::controls)] // permission_denied(ENOT_PAUSER)
    fun pause_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        controls::pause(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50006, location = yenpay::controls)] // permission_denied(ENOT_PAUSER)
    fun unpause_rejects_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::pause(&h::signer_of(h::pauser()));
        let s = h::signer_of(h::admin());
        controls::unpause(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50006, location = yenpay::controls)] // permission_denied(ENOT_PAUSER)
    fun unpause_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::pause(&h::signer_of(h::pauser()));
        let s = h::signer_of(h::master());
        controls::unpause(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50006, location = yenpay::controls)] // permission_denied(ENOT_PAUSER)
    fun unpause_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::pause(&h::signer_of(h::pauser()));
        let s = h::signer_of(h::denylister());
        controls::unpause(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50006, location = yenpay::controls)] // permission_denied(ENOT_PAUSER)
    fun unpause_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::pause(&h::signer_of(h::pauser()));
        let s = h::signer_of(h::minter());
        controls::unpause(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50006, location = yenpay::controls)] // permission_denied(ENOT_PAUSER)
    fun unpause_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::pause(&h::signer_of(h::pauser()));
        let s = h::signer_of(h::stranger());
        controls::unpause(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50007, location = yenpay::controls)] // permission_denied(ENOT_DENYLISTER)
    fun denylist_rejects_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::admin());
        controls::denylist(&s, h::alice());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50007, location = yenpay::controls)] // permission_denied(ENOT_DENYLISTER)
    fun denylist_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::master());
        controls::denylist(&s, h::alice());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50007, location = yenpay::controls)] // permission_denied(ENOT_DENYLISTER)
    fun denylist_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        controls::denylist(&s, h::alice());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50007, location = yenpay::controls)] // permission_denied(ENOT_DENYLISTER)
    fun denylist_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::minter());
        controls::denylist(&s, h::alice());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50007, location = yenpay::controls)] // permission_denied(ENOT_DENYLISTER)
    fun denylist_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        controls::denylist(&s, h::alice());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50007, location = yenpay::controls)] // permission_denied(ENOT_DENYLISTER)
    fun undenylist_rejects_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::admin());
        controls::undenylist(&s, h::alice());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50007, location = yenpay::controls)] // permission_denied(ENOT_DENYLISTER)
    fun undenylist_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::master());
        controls::undenylist(&s, h::alice());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50007, location = yenpay::controls)] // permission_denied(ENOT_DENYLISTER)
    fun undenylist_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::pauser());
        controls::undenylist(&s, h::alice());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50007, location = yenpay::controls)] // permission_denied(ENOT_DENYLISTER)
    fun undenylist_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::minter());
        controls::undenylist(&s, h::alice());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50007, location = yenpay::controls)] // permission_denied(ENOT_DENYLISTER)
    fun undenylist_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::stranger());
        controls::undenylist(&s, h::alice());
    }
}
