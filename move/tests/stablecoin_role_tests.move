#[test_only]
/// Every privileged function of `yenpay::stablecoin` aborts, with the exact code, for every
/// signer that does not hold its role (roles on distinct accounts, see the helpers). One test per
/// function and non-holder; generated from a table, so each case is visible on its own.
/// Approve/revoke store are in `stablecoin_holder_tests`; the package upgrade gate is in `upgrade_tests`.
/// Codes: permission_denied is category 0x5, so 0x50000 + reason.
module yenpay::stablecoin_role_tests {
    use std::string::utf8;
    use aptos_framework::primary_fungible_store;
    use yenpay::stablecoin;
    use yenpay::stablecoin_test_helpers as h;

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun propose_admin_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::master());
        stablecoin::propose_admin(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun propose_admin_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        stablecoin::propose_admin(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun propose_admin_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        stablecoin::propose_admin(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun propose_admin_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::minter());
        stablecoin::propose_admin(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun propose_admin_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        stablecoin::propose_admin(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun cancel_admin_proposal_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::propose_admin(publisher, @0x4e3);
        let s = h::signer_of(h::master());
        stablecoin::cancel_admin_proposal(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun cancel_admin_proposal_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::propose_admin(publisher, @0x4e3);
        let s = h::signer_of(h::pauser());
        stablecoin::cancel_admin_proposal(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun cancel_admin_proposal_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::propose_admin(publisher, @0x4e3);
        let s = h::signer_of(h::denylister());
        stablecoin::cancel_admin_proposal(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun cancel_admin_proposal_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::propose_admin(publisher, @0x4e3);
        let s = h::signer_of(h::minter());
        stablecoin::cancel_admin_proposal(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun cancel_admin_proposal_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::propose_admin(publisher, @0x4e3);
        let s = h::signer_of(h::stranger());
        stablecoin::cancel_admin_proposal(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_master_minter_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::master());
        stablecoin::set_master_minter(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_master_minter_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        stablecoin::set_master_minter(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_master_minter_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        stablecoin::set_master_minter(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_master_minter_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::minter());
        stablecoin::set_master_minter(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_master_minter_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        stablecoin::set_master_minter(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_pauser_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::master());
        stablecoin::set_pauser(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_pauser_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        stablecoin::set_pauser(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_pauser_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        stablecoin::set_pauser(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_pauser_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::minter());
        stablecoin::set_pauser(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_pauser_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        stablecoin::set_pauser(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_denylister_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::master());
        stablecoin::set_denylister(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_denylister_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        stablecoin::set_denylister(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_denylister_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        stablecoin::set_denylister(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_denylister_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::minter());
        stablecoin::set_denylister(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_denylister_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        stablecoin::set_denylister(&s, @0x4e3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_transfer_cap_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::master());
        stablecoin::set_transfer_cap(&s, 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_transfer_cap_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        stablecoin::set_transfer_cap(&s, 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_transfer_cap_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        stablecoin::set_transfer_cap(&s, 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_transfer_cap_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::minter());
        stablecoin::set_transfer_cap(&s, 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_transfer_cap_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        stablecoin::set_transfer_cap(&s, 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun seize_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 10);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::master());
        stablecoin::seize(&s, h::alice(), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun seize_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 10);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::pauser());
        stablecoin::seize(&s, h::alice(), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun seize_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 10);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::denylister());
        stablecoin::seize(&s, h::alice(), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun seize_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 10);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::minter());
        stablecoin::seize(&s, h::alice(), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun seize_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 10);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::stranger());
        stablecoin::seize(&s, h::alice(), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun seize_from_store_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 10);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::master());
        stablecoin::seize_from_store(&s, primary_fungible_store::primary_store_address(h::alice(), stablecoin::metadata()), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun seize_from_store_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 10);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::pauser());
        stablecoin::seize_from_store(&s, primary_fungible_store::primary_store_address(h::alice(), stablecoin::metadata()), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun seize_from_store_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 10);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::denylister());
        stablecoin::seize_from_store(&s, primary_fungible_store::primary_store_address(h::alice(), stablecoin::metadata()), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun seize_from_store_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 10);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::minter());
        stablecoin::seize_from_store(&s, primary_fungible_store::primary_store_address(h::alice(), stablecoin::metadata()), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun seize_from_store_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 10);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::stranger());
        stablecoin::seize_from_store(&s, primary_fungible_store::primary_store_address(h::alice(), stablecoin::metadata()), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_metadata_uris_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::master());
        stablecoin::set_metadata_uris(&s, utf8(b"https://evil.example/icon.png"), utf8(b"https://evil.example"));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_metadata_uris_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        stablecoin::set_metadata_uris(&s, utf8(b"https://evil.example/icon.png"), utf8(b"https://evil.example"));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_metadata_uris_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        stablecoin::set_metadata_uris(&s, utf8(b"https://evil.example/icon.png"), utf8(b"https://evil.example"));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_metadata_uris_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::minter());
        stablecoin::set_metadata_uris(&s, utf8(b"https://evil.example/icon.png"), utf8(b"https://evil.example"));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_metadata_uris_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        stablecoin::set_metadata_uris(&s, utf8(b"https://evil.example/icon.png"), utf8(b"https://evil.example"));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun set_metadata_uris_rejects_old_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::propose_admin(publisher, h::carol());
        stablecoin::accept_admin(&h::signer_of(h::carol()));
        stablecoin::set_metadata_uris(publisher, utf8(b"https://evil.example/icon.png"), utf8(b"https://evil.example"));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::stablecoin)] // permission_denied(ENOT_PENDING_ADMIN)
    fun accept_admin_rejects_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::propose_admin(publisher, @0x4e3);
        let s = h::signer_of(h::admin());
        stablecoin::accept_admin(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::stablecoin)] // permission_denied(ENOT_PENDING_ADMIN)
    fun accept_admin_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::propose_admin(publisher, @0x4e3);
        let s = h::signer_of(h::master());
        stablecoin::accept_admin(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::stablecoin)] // permission_denied(ENOT_PENDING_ADMIN)
    fun accept_admin_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::propose_admin(publisher, @0x4e3);
        let s = h::signer_of(h::pauser());
        stablecoin::accept_admin(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::stablecoin)] // permission_denied(ENOT_PENDING_ADMIN)
    fun accept_admin_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::propose_admin(publisher, @0x4e3);
        let s = h::signer_of(h::denylister());
        stablecoin::accept_admin(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::stablecoin)] // permission_denied(ENOT_PENDING_ADMIN)
    fun accept_admin_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::propose_admin(publisher, @0x4e3);
        let s = h::signer_of(h::minter());
        stablecoin::accept_admin(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::stablecoin)] // permission_denied(ENOT_PENDING_ADMIN)
    fun accept_admin_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::propose_admin(publisher, @0x4e3);
        let s = h::signer_of(h::stranger());
        stablecoin::accept_admin(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::stablecoin)] // permission_denied(ENOT_MASTER_MINTER)
    fun configure_minter_rejects_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::admin());
        stablecoin::configure_minter(&s, @0x4e3, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::stablecoin)] // permission_denied(ENOT_MASTER_MINTER)
    fun configure_minter_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        stablecoin::configure_minter(&s, @0x4e3, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::stablecoin)] // permission_denied(ENOT_MASTER_MINTER)
    fun configure_minter_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        stablecoin::configure_minter(&s, @0x4e3, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::stablecoin)] // permission_denied(ENOT_MASTER_MINTER)
    fun configure_minter_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::minter());
        stablecoin::configure_minter(&s, @0x4e3, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::stablecoin)] // permission_denied(ENOT_MASTER_MINTER)
    fun configure_minter_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        stablecoin::configure_minter(&s, @0x4e3, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::stablecoin)] // permission_denied(ENOT_MASTER_MINTER)
    fun remove_minter_rejects_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::admin());
        stablecoin::remove_minter(&s, h::minter());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::stablecoin)] // permission_denied(ENOT_MASTER_MINTER)
    fun remove_minter_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        stablecoin::remove_minter(&s, h::minter());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::stablecoin)] // permission_denied(ENOT_MASTER_MINTER)
    fun remove_minter_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        stablecoin::remove_minter(&s, h::minter());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::stablecoin)] // permission_denied(ENOT_MASTER_MINTER)
    fun remove_minter_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::minter());
        stablecoin::remove_minter(&s, h::minter());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50004, location = yenpay::stablecoin)] // permission_denied(ENOT_MASTER_MINTER)
    fun remove_minter_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        stablecoin::remove_minter(&s, h::minter());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::stablecoin)] // permission_denied(ENOT_MINTER)
    fun mint_rejects_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::admin());
        stablecoin::mint(&s, h::alice(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::stablecoin)] // permission_denied(ENOT_MINTER)
    fun mint_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::master());
        stablecoin::mint(&s, h::alice(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::stablecoin)] // permission_denied(ENOT_MINTER)
    fun mint_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        stablecoin::mint(&s, h::alice(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::stablecoin)] // permission_denied(ENOT_MINTER)
    fun mint_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        stablecoin::mint(&s, h::alice(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::stablecoin)] // permission_denied(ENOT_MINTER)
    fun mint_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        stablecoin::mint(&s, h::alice(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::stablecoin)] // permission_denied(ENOT_MINTER)
    fun mint_fa_rejects_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::admin());
        let fa = stablecoin::mint_fa(&s, 1);
        primary_fungible_store::deposit(h::alice(), fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::stablecoin)] // permission_denied(ENOT_MINTER)
    fun mint_fa_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::master());
        let fa = stablecoin::mint_fa(&s, 1);
        primary_fungible_store::deposit(h::alice(), fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::stablecoin)] // permission_denied(ENOT_MINTER)
    fun mint_fa_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        let fa = stablecoin::mint_fa(&s, 1);
        primary_fungible_store::deposit(h::alice(), fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::stablecoin)] // permission_denied(ENOT_MINTER)
    fun mint_fa_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        let fa = stablecoin::mint_fa(&s, 1);
        primary_fungible_store::deposit(h::alice(), fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::stablecoin)] // permission_denied(ENOT_MINTER)
    fun mint_fa_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        let fa = stablecoin::mint_fa(&s, 1);
        primary_fungible_store::deposit(h::alice(), fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::stablecoin)] // permission_denied(ENOT_MINTER)
    fun burn_rejects_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::admin(), 10);
        h::mint_to(h::master(), 10);
        h::mint_to(h::pauser(), 10);
        h::mint_to(h::denylister(), 10);
        h::mint_to(h::stranger(), 10);
        let s = h::signer_of(h::admin());
        stablecoin::burn(&s, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::stablecoin)] // permission_denied(ENOT_MINTER)
    fun burn_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::admin(), 10);
        h::mint_to(h::master(), 10);
        h::mint_to(h::pauser(), 10);
        h::mint_to(h::denylister(), 10);
        h::mint_to(h::stranger(), 10);
        let s = h::signer_of(h::master());
        stablecoin::burn(&s, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::stablecoin)] // permission_denied(ENOT_MINTER)
    fun burn_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::admin(), 10);
        h::mint_to(h::master(), 10);
        h::mint_to(h::pauser(), 10);
        h::mint_to(h::denylister(), 10);
        h::mint_to(h::stranger(), 10);
        let s = h::signer_of(h::pauser());
        stablecoin::burn(&s, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::stablecoin)] // permission_denied(ENOT_MINTER)
    fun burn_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::admin(), 10);
        h::mint_to(h::master(), 10);
        h::mint_to(h::pauser(), 10);
        h::mint_to(h::denylister(), 10);
        h::mint_to(h::stranger(), 10);
        let s = h::signer_of(h::denylister());
        stablecoin::burn(&s, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::stablecoin)] // permission_denied(ENOT_MINTER)
    fun burn_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::admin(), 10);
        h::mint_to(h::master(), 10);
        h::mint_to(h::pauser(), 10);
        h::mint_to(h::denylister(), 10);
        h::mint_to(h::stranger(), 10);
        let s = h::signer_of(h::stranger());
        stablecoin::burn(&s, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::stablecoin)] // permission_denied(ENOT_MINTER)
    fun burn_fa_rejects_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::admin());
        let fa = stablecoin::mint_fa(&h::signer_of(h::minter()), 1);
        stablecoin::burn_fa(&s, fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::stablecoin)] // permission_denied(ENOT_MINTER)
    fun burn_fa_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::master());
        let fa = stablecoin::mint_fa(&h::signer_of(h::minter()), 1);
        stablecoin::burn_fa(&s, fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::stablecoin)] // permission_denied(ENOT_MINTER)
    fun burn_fa_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        let fa = stablecoin::mint_fa(&h::signer_of(h::minter()), 1);
        stablecoin::burn_fa(&s, fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::stablecoin)] // permission_denied(ENOT_MINTER)
    fun burn_fa_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        let fa = stablecoin::mint_fa(&h::signer_of(h::minter()), 1);
        stablecoin::burn_fa(&s, fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::stablecoin)] // permission_denied(ENOT_MINTER)
    fun burn_fa_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        let fa = stablecoin::mint_fa(&h::signer_of(h::minter()), 1);
        stablecoin::burn_fa(&s, fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50006, location = yenpay::stablecoin)] // permission_denied(ENOT_PAUSER)
    fun pause_rejects_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::admin());
        stablecoin::pause(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50006, location = yenpay::stablecoin)] // permission_denied(ENOT_PAUSER)
    fun pause_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::master());
        stablecoin::pause(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50006, location = yenpay::stablecoin)] // permission_denied(ENOT_PAUSER)
    fun pause_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        stablecoin::pause(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50006, location = yenpay::stablecoin)] // permission_denied(ENOT_PAUSER)
    fun pause_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::minter());
        stablecoin::pause(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50006, location = yenpay::stablecoin)] // permission_denied(ENOT_PAUSER)
    fun pause_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        stablecoin::pause(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50006, location = yenpay::stablecoin)] // permission_denied(ENOT_PAUSER)
    fun unpause_rejects_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::pause(&h::signer_of(h::pauser()));
        let s = h::signer_of(h::admin());
        stablecoin::unpause(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50006, location = yenpay::stablecoin)] // permission_denied(ENOT_PAUSER)
    fun unpause_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::pause(&h::signer_of(h::pauser()));
        let s = h::signer_of(h::master());
        stablecoin::unpause(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50006, location = yenpay::stablecoin)] // permission_denied(ENOT_PAUSER)
    fun unpause_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::pause(&h::signer_of(h::pauser()));
        let s = h::signer_of(h::denylister());
        stablecoin::unpause(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50006, location = yenpay::stablecoin)] // permission_denied(ENOT_PAUSER)
    fun unpause_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::pause(&h::signer_of(h::pauser()));
        let s = h::signer_of(h::minter());
        stablecoin::unpause(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50006, location = yenpay::stablecoin)] // permission_denied(ENOT_PAUSER)
    fun unpause_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::pause(&h::signer_of(h::pauser()));
        let s = h::signer_of(h::stranger());
        stablecoin::unpause(&s);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50007, location = yenpay::stablecoin)] // permission_denied(ENOT_DENYLISTER)
    fun denylist_rejects_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::admin());
        stablecoin::denylist(&s, h::alice());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50007, location = yenpay::stablecoin)] // permission_denied(ENOT_DENYLISTER)
    fun denylist_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::master());
        stablecoin::denylist(&s, h::alice());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50007, location = yenpay::stablecoin)] // permission_denied(ENOT_DENYLISTER)
    fun denylist_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        stablecoin::denylist(&s, h::alice());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50007, location = yenpay::stablecoin)] // permission_denied(ENOT_DENYLISTER)
    fun denylist_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::minter());
        stablecoin::denylist(&s, h::alice());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50007, location = yenpay::stablecoin)] // permission_denied(ENOT_DENYLISTER)
    fun denylist_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        stablecoin::denylist(&s, h::alice());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50007, location = yenpay::stablecoin)] // permission_denied(ENOT_DENYLISTER)
    fun undenylist_rejects_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::admin());
        stablecoin::undenylist(&s, h::alice());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50007, location = yenpay::stablecoin)] // permission_denied(ENOT_DENYLISTER)
    fun undenylist_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::master());
        stablecoin::undenylist(&s, h::alice());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50007, location = yenpay::stablecoin)] // permission_denied(ENOT_DENYLISTER)
    fun undenylist_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::pauser());
        stablecoin::undenylist(&s, h::alice());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50007, location = yenpay::stablecoin)] // permission_denied(ENOT_DENYLISTER)
    fun undenylist_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::minter());
        stablecoin::undenylist(&s, h::alice());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50007, location = yenpay::stablecoin)] // permission_denied(ENOT_DENYLISTER)
    fun undenylist_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::stranger());
        stablecoin::undenylist(&s, h::alice());
    }
}
