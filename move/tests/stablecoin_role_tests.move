#[test_only]
/// Every privileged function of `yenpay::stablecoin` aborts, with the exact code, for every
/// signer that does not hold its role (roles on distinct accounts, see the helpers). One test per
/// function and non-holder; generated from a table, so each case is visible on its own.
/// Each is the admin's, checked by `yenpay::controls` (`ENOT_ADMIN` there).
/// Codes: permission_denied is category 0x5, so 0x50000 + reason.
module yenpay::stablecoin_role_tests {
    use std::string::utf8;
    use aptos_framework::primary_fungible_store;
    use yenpay::controls;
    use yenpay::stablecoin;
    use yenpay::stablecoin_test_helpers as h;

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun seize_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 10);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::master());
        stablecoin::seize(&s, h::alice(), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun seize_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 10);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::pauser());
        stablecoin::seize(&s, h::alice(), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun seize_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 10);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::denylister());
        stablecoin::seize(&s, h::alice(), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun seize_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 10);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::minter());
        stablecoin::seize(&s, h::alice(), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun seize_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 10);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::stranger());
        stablecoin::seize(&s, h::alice(), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun seize_from_store_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 10);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::master());
        stablecoin::seize_from_store(&s, primary_fungible_store::primary_store_address(h::alice(), stablecoin::metadata()), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun seize_from_store_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 10);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::pauser());
        stablecoin::seize_from_store(&s, primary_fungible_store::primary_store_address(h::alice(), stablecoin::metadata()), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun seize_from_store_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 10);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::denylister());
        stablecoin::seize_from_store(&s, primary_fungible_store::primary_store_address(h::alice(), stablecoin::metadata()), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun seize_from_store_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 10);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::minter());
        stablecoin::seize_from_store(&s, primary_fungible_store::primary_store_address(h::alice(), stablecoin::metadata()), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun seize_from_store_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 10);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        let s = h::signer_of(h::stranger());
        stablecoin::seize_from_store(&s, primary_fungible_store::primary_store_address(h::alice(), stablecoin::metadata()), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_metadata_uris_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::master());
        stablecoin::set_metadata_uris(&s, utf8(b"https://evil.example/icon.png"), utf8(b"https://evil.example"));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_metadata_uris_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::pauser());
        stablecoin::set_metadata_uris(&s, utf8(b"https://evil.example/icon.png"), utf8(b"https://evil.example"));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_metadata_uris_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::denylister());
        stablecoin::set_metadata_uris(&s, utf8(b"https://evil.example/icon.png"), utf8(b"https://evil.example"));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_metadata_uris_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::minter());
        stablecoin::set_metadata_uris(&s, utf8(b"https://evil.example/icon.png"), utf8(b"https://evil.example"));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_metadata_uris_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let s = h::signer_of(h::stranger());
        stablecoin::set_metadata_uris(&s, utf8(b"https://evil.example/icon.png"), utf8(b"https://evil.example"));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun set_metadata_uris_rejects_old_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::propose_admin(publisher, h::carol());
        controls::accept_admin(&h::signer_of(h::carol()));
        stablecoin::set_metadata_uris(publisher, utf8(b"https://evil.example/icon.png"), utf8(b"https://evil.example"));
    }
}
