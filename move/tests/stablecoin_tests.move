#[test_only]
/// Behaviour of `yenpay::stablecoin` on the framework's own transfer path: the asset as published, its metadata
/// URIs, seizure under a legal order, and supply against balances. Plain `primary_fungible_store::transfer` from a
/// wallet runs the dispatch hooks, which is why these tests live outside the module (a module cannot be re-entered
/// by dispatch while on the stack).
///
/// Abort codes are category * 0x10000 + reason (std::error): invalid_argument 0x1,
/// out_of_range 0x2, invalid_state 0x3, permission_denied 0x5, not_found 0x6, already_exists 0x8.
module yenpay::stablecoin_tests {
    use std::option;
    use std::string::utf8;
    use aptos_framework::event;
    use aptos_framework::fungible_asset;
    use aptos_framework::object;
    use aptos_framework::primary_fungible_store;
    use yenpay::controls;
    use yenpay::issuance;
    use yenpay::stablecoin;
    use yenpay::stablecoin_test_helpers as h;

    fun transfer(from: address, to: address, amount: u64) {
        primary_fungible_store::transfer(&h::signer_of(from), stablecoin::metadata(), to, amount);
    }

    // Set-up and views.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun init_creates_asset_and_roles(framework: &signer, publisher: &signer) {
        h::setup(framework, publisher);
        let metadata = stablecoin::metadata();
        assert!(stablecoin::metadata_address() == object::create_object_address(&@yenpay, b"YJPY"), 1);
        assert!(object::object_address(&metadata) == stablecoin::metadata_address(), 2);
        assert!(fungible_asset::name(metadata) == utf8(b"Yenpay Yen"), 3);
        assert!(fungible_asset::symbol(metadata) == utf8(b"YJPY"), 4);
        assert!(fungible_asset::decimals(metadata) == 0, 5);
        assert!(fungible_asset::is_untransferable(metadata), 6);
        assert!(stablecoin::total_supply() == 0, 7);
        assert!(controls::transfer_cap() == 1_000_000, 8);
        assert!(!controls::is_paused(), 9);
        assert!(controls::admin() == @deployer, 10);
        assert!(controls::pending_admin() == option::none(), 11);
        assert!(issuance::master_minter() == @deployer, 12);
        assert!(controls::pauser() == @deployer, 13);
        assert!(controls::denylister() == @deployer, 14);
        assert!(!issuance::is_minter(@deployer), 15);
        assert!(issuance::minter_allowance(@deployer) == 0, 16);
        assert!(stablecoin::balance(h::alice()) == 0, 17);
        // Every role goes to the deployer, not the package account that ran init.
        assert!(controls::admin() == @deployer && controls::denylister() == @deployer, 18);
        assert!(fungible_asset::icon_uri(metadata) == utf8(b"https://yenpay.example/yjpy.svg"), 19);
        assert!(fungible_asset::project_uri(metadata) == utf8(b"https://yenpay.example"), 20);
    }

    // Metadata URIs.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun admin_sets_metadata_uris(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let metadata = stablecoin::metadata();
        stablecoin::set_metadata_uris(
            publisher, utf8(b"https://cdn.yenpay.example/yjpy-v2.png"), utf8(b"https://yenpay.jp")
        );
        assert!(fungible_asset::icon_uri(metadata) == utf8(b"https://cdn.yenpay.example/yjpy-v2.png"), 1);
        assert!(fungible_asset::project_uri(metadata) == utf8(b"https://yenpay.jp"), 2);
        // Nothing else about the asset changes.
        assert!(fungible_asset::name(metadata) == utf8(b"Yenpay Yen"), 3);
        assert!(fungible_asset::symbol(metadata) == utf8(b"YJPY"), 4);
        assert!(fungible_asset::decimals(metadata) == 0, 5);
        assert!(event::emitted_events<stablecoin::MetadataUpdated>().length() == 1, 6);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun new_admin_sets_metadata_uris(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::propose_admin(publisher, h::carol());
        controls::accept_admin(&h::signer_of(h::carol()));
        stablecoin::set_metadata_uris(&h::signer_of(h::carol()), utf8(b""), utf8(b""));
        assert!(fungible_asset::icon_uri(stablecoin::metadata()) == utf8(b""), 1);
        assert!(fungible_asset::project_uri(stablecoin::metadata()) == utf8(b""), 2);
    }

    // Seizure.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun seize_from_denylisted_account(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 3_000_000);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        // Seizure is not a transfer: the cap does not apply.
        stablecoin::seize(publisher, h::alice(), h::bob(), 2_500_000, b"Tokyo District Court 2026 (yo) 123");
        assert!(stablecoin::balance(h::alice()) == 500_000, 1);
        assert!(stablecoin::balance(h::bob()) == 2_500_000, 2);
        assert!(event::emitted_events<stablecoin::Seized>().length() == 1, 3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30013, location = yenpay::stablecoin)] // invalid_state(ESEIZURE_NOT_DENYLISTED)
    fun seize_from_clean_account_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        stablecoin::seize(publisher, h::alice(), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30013, location = yenpay::stablecoin)] // invalid_state(ESEIZURE_NOT_DENYLISTED)
    fun seize_after_undenylist_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let denylister = h::signer_of(h::denylister());
        controls::denylist(&denylister, h::alice());
        controls::undenylist(&denylister, h::alice());
        stablecoin::seize(publisher, h::alice(), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // permission_denied(EDENYLISTED)
    fun seize_to_denylisted_receiver_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let denylister = h::signer_of(h::denylister());
        controls::denylist(&denylister, h::alice());
        controls::denylist(&denylister, h::bob());
        stablecoin::seize(publisher, h::alice(), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10014, location = yenpay::stablecoin)] // invalid_argument(EINVALID_LEGAL_ORDER)
    fun seize_with_empty_order_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        stablecoin::seize(publisher, h::alice(), h::bob(), 1, b"");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10014, location = yenpay::stablecoin)] // invalid_argument(EINVALID_LEGAL_ORDER)
    fun seize_with_65_byte_order_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        let order = b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"; // 65 bytes
        stablecoin::seize(publisher, h::alice(), h::bob(), 1, order);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun seize_with_64_byte_order(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        let order = b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"; // 64 bytes
        stablecoin::seize(publisher, h::alice(), h::bob(), 1, order);
        assert!(stablecoin::balance(h::bob()) == 1, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000c, location = yenpay::stablecoin)] // invalid_argument(EZERO_AMOUNT)
    fun seize_zero_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        stablecoin::seize(publisher, h::alice(), h::bob(), 0, b"order");
    }

    // Invariant: supply equals the sum of balances.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun supply_equals_sum_of_balances(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let holders = vector[h::alice(), h::bob(), h::carol(), h::minter()];
        h::mint_to(h::alice(), 900_000);
        h::mint_to(h::bob(), 250_000);
        transfer(h::alice(), h::carol(), 300_000);
        transfer(h::bob(), h::minter(), 50_000);
        issuance::burn(&h::signer_of(h::minter()), 20_000);
        let fa = issuance::mint_fa(&h::signer_of(h::minter()), 7_000);
        primary_fungible_store::deposit(h::carol(), fa);
        controls::denylist(&h::signer_of(h::denylister()), h::carol());
        stablecoin::seize(publisher, h::carol(), h::alice(), 100_000, b"order-1");
        transfer(h::alice(), h::bob(), 1);
        let fa = primary_fungible_store::withdraw(&h::signer_of(h::minter()), stablecoin::metadata(), 30_000);
        issuance::burn_fa(&h::signer_of(h::minter()), fa);

        let sum: u128 = 0;
        holders.for_each(|holder| sum += (stablecoin::balance(holder) as u128));
        assert!(stablecoin::total_supply() == sum, 1);
        assert!(sum == 900_000 + 250_000 - 20_000 + 7_000 - 30_000, 2);
        assert!(stablecoin::balance(h::minter()) == 0, 3);
        assert!(stablecoin::balance(h::carol()) == 207_000, 4);
    }
}
