#[test_only]
/// Behaviour of `yenpay::stablecoin` on the framework's own transfer path: plain
/// `primary_fungible_store::transfer` from a wallet runs the dispatch hooks, which is why these
/// tests live outside the module (a module cannot be re-entered by dispatch while on the stack).
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
        assert!(stablecoin::transfer_cap() == 1_000_000, 8);
        assert!(!stablecoin::is_paused(), 9);
        assert!(stablecoin::admin() == @deployer, 10);
        assert!(stablecoin::pending_admin() == option::none(), 11);
        assert!(stablecoin::master_minter() == @deployer, 12);
        assert!(stablecoin::pauser() == @deployer, 13);
        assert!(stablecoin::denylister() == @deployer, 14);
        assert!(!stablecoin::is_minter(@deployer), 15);
        assert!(stablecoin::minter_allowance(@deployer) == 0, 16);
        assert!(stablecoin::balance(h::alice()) == 0, 17);
        // Every role goes to the deployer, not the package account that ran init.
        assert!(stablecoin::admin() == @deployer && stablecoin::denylister() == @deployer, 18);
        assert!(fungible_asset::icon_uri(metadata) == utf8(b"https://yenpay.example/yjpy.svg"), 19);
        assert!(fungible_asset::project_uri(metadata) == utf8(b"https://yenpay.example"), 20);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun role_setters_change_roles_and_emit(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        assert!(stablecoin::master_minter() == h::master(), 1);
        assert!(stablecoin::pauser() == h::pauser(), 2);
        assert!(stablecoin::denylister() == h::denylister(), 3);
        assert!(event::emitted_events<stablecoin::MasterMinterChanged>().length() == 1, 4);
        assert!(event::emitted_events<stablecoin::PauserChanged>().length() == 1, 5);
        assert!(event::emitted_events<stablecoin::DenylisterChanged>().length() == 1, 6);
        assert!(event::emitted_events<stablecoin::MinterConfigured>().length() == 1, 7);
        assert!(stablecoin::is_minter(h::minter()), 8);
        assert!(stablecoin::minter_allowance(h::minter()) == h::minter_allowance(), 9);
    }

    // Mint, transfer, burn.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun mint_then_plain_transfer(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 1_000);
        assert!(stablecoin::balance(h::alice()) == 1_000, 1);
        assert!(stablecoin::total_supply() == 1_000, 2);
        assert!(stablecoin::minter_allowance(h::minter()) == h::minter_allowance() - 1_000, 3);
        transfer(h::alice(), h::bob(), 400);
        assert!(stablecoin::balance(h::alice()) == 600, 4);
        assert!(stablecoin::balance(h::bob()) == 400, 5);
        assert!(event::emitted_events<stablecoin::Minted>().length() == 1, 6);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun mint_fa_deposits_through_hooks(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let fa = stablecoin::mint_fa(&h::signer_of(h::minter()), 70);
        primary_fungible_store::deposit(h::alice(), fa);
        assert!(stablecoin::balance(h::alice()) == 70, 1);
        assert!(stablecoin::minter_allowance(h::minter()) == h::minter_allowance() - 70, 2);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::stablecoin)] // permission_denied(EDENYLISTED)
    fun mint_fa_to_denylisted_refused_by_deposit_hook(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        let fa = stablecoin::mint_fa(&h::signer_of(h::minter()), 70);
        primary_fungible_store::deposit(h::alice(), fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun burn_destroys_minter_coins(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 500);
        transfer(h::alice(), h::minter(), 300); // redemption: the holder sends coins to the issuer
        stablecoin::burn(&h::signer_of(h::minter()), 200);
        assert!(stablecoin::balance(h::minter()) == 100, 1);
        assert!(stablecoin::total_supply() == 300, 2);
        let fa = primary_fungible_store::withdraw(&h::signer_of(h::minter()), stablecoin::metadata(), 100);
        stablecoin::burn_fa(&h::signer_of(h::minter()), fa);
        assert!(stablecoin::total_supply() == 200, 3);
        assert!(event::emitted_events<stablecoin::Burned>().length() == 2, 4);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000c, location = yenpay::stablecoin)] // invalid_argument(EZERO_AMOUNT)
    fun mint_zero_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::stablecoin)] // permission_denied(EDENYLISTED)
    fun mint_to_denylisted_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        h::mint_to(h::alice(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::stablecoin)] // permission_denied(EDENYLISTED)
    fun denylisted_minter_cannot_mint(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::minter());
        h::mint_to(h::alice(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::stablecoin)] // permission_denied(EDENYLISTED)
    fun denylisted_minter_cannot_burn(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::minter(), 10);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::minter());
        stablecoin::burn(&h::signer_of(h::minter()), 1);
    }

    // Pause.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::stablecoin)] // invalid_state(EPAUSED)
    fun pause_blocks_plain_transfer(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        stablecoin::pause(&h::signer_of(h::pauser()));
        transfer(h::alice(), h::bob(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::stablecoin)] // invalid_state(EPAUSED)
    fun pause_blocks_mint(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::pause(&h::signer_of(h::pauser()));
        h::mint_to(h::alice(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::stablecoin)] // invalid_state(EPAUSED)
    fun pause_blocks_mint_fa(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::pause(&h::signer_of(h::pauser()));
        let fa = stablecoin::mint_fa(&h::signer_of(h::minter()), 1);
        primary_fungible_store::deposit(h::alice(), fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::stablecoin)] // invalid_state(EPAUSED)
    fun pause_blocks_burn(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::minter(), 10);
        stablecoin::pause(&h::signer_of(h::pauser()));
        stablecoin::burn(&h::signer_of(h::minter()), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::stablecoin)] // invalid_state(EPAUSED)
    fun pause_blocks_seizure(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 10);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        stablecoin::pause(&h::signer_of(h::pauser()));
        stablecoin::seize(publisher, h::alice(), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun unpause_restores_transfers(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let pauser = h::signer_of(h::pauser());
        stablecoin::pause(&pauser);
        assert!(stablecoin::is_paused(), 1);
        stablecoin::unpause(&pauser);
        assert!(!stablecoin::is_paused(), 2);
        transfer(h::alice(), h::bob(), 1);
        assert!(stablecoin::balance(h::bob()) == 1, 3);
        assert!(event::emitted_events<stablecoin::Paused>().length() == 1, 4);
        assert!(event::emitted_events<stablecoin::Unpaused>().length() == 1, 5);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30015, location = yenpay::stablecoin)] // invalid_state(EALREADY_PAUSED)
    fun pause_twice_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::pause(&h::signer_of(h::pauser()));
        stablecoin::pause(&h::signer_of(h::pauser()));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30016, location = yenpay::stablecoin)] // invalid_state(ENOT_PAUSED)
    fun unpause_when_running_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::unpause(&h::signer_of(h::pauser()));
    }

    // Denylist.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::stablecoin)] // permission_denied(EDENYLISTED)
    fun denylisted_sender_refused_on_plain_transfer(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        transfer(h::alice(), h::bob(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::stablecoin)] // permission_denied(EDENYLISTED)
    fun denylisted_receiver_refused_on_plain_transfer(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::bob());
        transfer(h::alice(), h::bob(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun undenylist_restores_transfers(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let denylister = h::signer_of(h::denylister());
        stablecoin::denylist(&denylister, h::alice());
        assert!(stablecoin::is_denylisted(h::alice()), 1);
        stablecoin::undenylist(&denylister, h::alice());
        assert!(!stablecoin::is_denylisted(h::alice()), 2);
        transfer(h::alice(), h::bob(), 5);
        assert!(stablecoin::balance(h::bob()) == 5, 3);
        assert!(event::emitted_events<stablecoin::Denylisted>().length() == 1, 4);
        assert!(event::emitted_events<stablecoin::Undenylisted>().length() == 1, 5);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun denylist_twice_is_a_no_op(framework: &signer, publisher: &signer) {
        // Operators may run it idempotently: no abort, no second event, still listed.
        h::setup_roles(framework, publisher);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        assert!(stablecoin::is_denylisted(h::alice()), 1);
        assert!(event::emitted_events<stablecoin::Denylisted>().length() == 1, 2);
        // One undenylist is enough to lift it.
        stablecoin::undenylist(&h::signer_of(h::denylister()), h::alice());
        assert!(!stablecoin::is_denylisted(h::alice()), 3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60012, location = yenpay::stablecoin)] // not_found(ENOT_DENYLISTED)
    fun undenylist_unknown_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::undenylist(&h::signer_of(h::denylister()), h::alice());
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
        stablecoin::propose_admin(publisher, h::carol());
        stablecoin::accept_admin(&h::signer_of(h::carol()));
        stablecoin::set_metadata_uris(&h::signer_of(h::carol()), utf8(b""), utf8(b""));
        assert!(fungible_asset::icon_uri(stablecoin::metadata()) == utf8(b""), 1);
        assert!(fungible_asset::project_uri(stablecoin::metadata()) == utf8(b""), 2);
    }

    // Per-transfer cap.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun cap_allows_exactly_one_million(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 2_000_000); // mint is not a transfer: not capped
        transfer(h::alice(), h::bob(), 1_000_000);
        assert!(stablecoin::balance(h::bob()) == 1_000_000, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x2000a, location = yenpay::stablecoin)] // out_of_range(EAMOUNT_EXCEEDS_CAP)
    fun cap_refuses_one_million_and_one(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 2_000_000);
        transfer(h::alice(), h::bob(), 1_000_001);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun cap_zero_means_none(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 5_000_000);
        stablecoin::set_transfer_cap(publisher, 0);
        assert!(stablecoin::transfer_cap() == 0, 1);
        transfer(h::alice(), h::bob(), 5_000_000);
        assert!(stablecoin::balance(h::bob()) == 5_000_000, 2);
        assert!(event::emitted_events<stablecoin::TransferCapChanged>().length() == 1, 3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x2000a, location = yenpay::stablecoin)] // out_of_range(EAMOUNT_EXCEEDS_CAP)
    fun lowered_cap_applies(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 1_000);
        stablecoin::set_transfer_cap(publisher, 100);
        transfer(h::alice(), h::bob(), 100);
        transfer(h::alice(), h::bob(), 101);
    }

    // Minters.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x2000b, location = yenpay::stablecoin)] // out_of_range(EALLOWANCE_EXCEEDED)
    fun allowance_exhaustion(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::configure_minter(&h::signer_of(h::master()), h::minter(), 100);
        h::mint_to(h::alice(), 60);
        h::mint_to(h::alice(), 40);
        assert!(stablecoin::minter_allowance(h::minter()) == 0, 1);
        h::mint_to(h::alice(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun allowance_can_be_reset(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let master = h::signer_of(h::master());
        stablecoin::configure_minter(&master, h::minter(), 10);
        h::mint_to(h::alice(), 10);
        stablecoin::configure_minter(&master, h::minter(), 5);
        h::mint_to(h::alice(), 5);
        assert!(stablecoin::balance(h::alice()) == 15, 1);
        assert!(stablecoin::minter_allowance(h::minter()) == 0, 2);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::stablecoin)] // permission_denied(ENOT_MINTER)
    fun removed_minter_cannot_mint(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 1);
        stablecoin::remove_minter(&h::signer_of(h::master()), h::minter());
        assert!(!stablecoin::is_minter(h::minter()), 1);
        assert!(stablecoin::minter_allowance(h::minter()) == 0, 2);
        assert!(event::emitted_events<stablecoin::MinterRemoved>().length() == 1, 3);
        h::mint_to(h::alice(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50005, location = yenpay::stablecoin)] // permission_denied(ENOT_MINTER)
    fun removed_minter_cannot_burn(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::minter(), 10);
        stablecoin::remove_minter(&h::signer_of(h::master()), h::minter());
        stablecoin::burn(&h::signer_of(h::minter()), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60017, location = yenpay::stablecoin)] // not_found(EMINTER_NOT_FOUND)
    fun remove_unknown_minter_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::remove_minter(&h::signer_of(h::master()), h::stranger());
    }

    // Two-step admin.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun admin_transfer_two_step(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::propose_admin(publisher, h::carol());
        assert!(stablecoin::pending_admin() == option::some(h::carol()), 1);
        assert!(stablecoin::admin() == @deployer, 2); // nothing changes until accepted
        let carol = h::signer_of(h::carol());
        stablecoin::accept_admin(&carol);
        assert!(stablecoin::admin() == h::carol(), 3);
        assert!(stablecoin::pending_admin() == option::none(), 4);
        stablecoin::set_transfer_cap(&carol, 7); // the new admin acts
        assert!(stablecoin::transfer_cap() == 7, 5);
        assert!(event::emitted_events<stablecoin::AdminProposed>().length() == 1, 6);
        assert!(event::emitted_events<stablecoin::AdminChanged>().length() == 1, 7);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun old_admin_loses_power(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::propose_admin(publisher, h::carol());
        stablecoin::accept_admin(&h::signer_of(h::carol()));
        stablecoin::set_transfer_cap(publisher, 7);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::stablecoin)] // permission_denied(ENOT_PENDING_ADMIN)
    fun stranger_cannot_accept_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::propose_admin(publisher, h::carol());
        stablecoin::accept_admin(&h::signer_of(h::stranger()));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::stablecoin)] // permission_denied(ENOT_PENDING_ADMIN)
    fun accept_without_proposal_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::accept_admin(&h::signer_of(h::carol()));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::stablecoin)] // permission_denied(ENOT_PENDING_ADMIN)
    fun replaced_proposal_cannot_be_accepted(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::propose_admin(publisher, h::carol());
        stablecoin::propose_admin(publisher, h::bob());
        assert!(stablecoin::pending_admin() == option::some(h::bob()), 1);
        stablecoin::accept_admin(&h::signer_of(h::carol()));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun replacing_proposal_lets_new_candidate_accept(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::propose_admin(publisher, h::carol());
        stablecoin::propose_admin(publisher, h::bob());
        stablecoin::accept_admin(&h::signer_of(h::bob()));
        assert!(stablecoin::admin() == h::bob(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::stablecoin)] // permission_denied(ENOT_PENDING_ADMIN)
    fun cancelled_proposal_cannot_be_accepted(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::propose_admin(publisher, h::carol());
        stablecoin::cancel_admin_proposal(publisher);
        assert!(stablecoin::pending_admin() == option::none(), 1);
        assert!(event::emitted_events<stablecoin::AdminProposalCancelled>().length() == 1, 2);
        stablecoin::accept_admin(&h::signer_of(h::carol()));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30003, location = yenpay::stablecoin)] // invalid_state(ENO_PENDING_ADMIN)
    fun cancel_without_proposal_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::cancel_admin_proposal(publisher);
    }

    // Seizure.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun seize_from_denylisted_account(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 3_000_000);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
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
        stablecoin::denylist(&denylister, h::alice());
        stablecoin::undenylist(&denylister, h::alice());
        stablecoin::seize(publisher, h::alice(), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::stablecoin)] // permission_denied(EDENYLISTED)
    fun seize_to_denylisted_receiver_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let denylister = h::signer_of(h::denylister());
        stablecoin::denylist(&denylister, h::alice());
        stablecoin::denylist(&denylister, h::bob());
        stablecoin::seize(publisher, h::alice(), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10014, location = yenpay::stablecoin)] // invalid_argument(EINVALID_LEGAL_ORDER)
    fun seize_with_empty_order_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        stablecoin::seize(publisher, h::alice(), h::bob(), 1, b"");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10014, location = yenpay::stablecoin)] // invalid_argument(EINVALID_LEGAL_ORDER)
    fun seize_with_65_byte_order_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        let order = b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"; // 65 bytes
        stablecoin::seize(publisher, h::alice(), h::bob(), 1, order);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun seize_with_64_byte_order(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        let order = b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"; // 64 bytes
        stablecoin::seize(publisher, h::alice(), h::bob(), 1, order);
        assert!(stablecoin::balance(h::bob()) == 1, 1);
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
        stablecoin::burn(&h::signer_of(h::minter()), 20_000);
        let fa = stablecoin::mint_fa(&h::signer_of(h::minter()), 7_000);
        primary_fungible_store::deposit(h::carol(), fa);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::carol());
        stablecoin::seize(publisher, h::carol(), h::alice(), 100_000, b"order-1");
        transfer(h::alice(), h::bob(), 1);
        let fa = primary_fungible_store::withdraw(&h::signer_of(h::minter()), stablecoin::metadata(), 30_000);
        stablecoin::burn_fa(&h::signer_of(h::minter()), fa);

        let sum: u128 = 0;
        holders.for_each(|holder| sum += (stablecoin::balance(holder) as u128));
        assert!(stablecoin::total_supply() == sum, 1);
        assert!(sum == 900_000 + 250_000 - 20_000 + 7_000 - 30_000, 2);
        assert!(stablecoin::balance(h::minter()) == 0, 3);
        assert!(stablecoin::balance(h::carol()) == 207_000, 4);
    }
}
