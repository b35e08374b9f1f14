#[test_only]
/// Behaviour of `yenpay::controls` on the framework's own transfer path: the roles it keeps (two-step admin,
/// pauser, denylister), pause, the denylist and the per-transfer cap, each checked by the stablecoin's hooks on a
/// plain `primary_fungible_store::transfer` and by mint, burn and seizure. The store rule is in
/// `controls_store_tests` and `controls_owner_chain_tests`.
///
/// Abort codes are category * 0x10000 + reason (std::error): invalid_argument 0x1,
/// out_of_range 0x2, invalid_state 0x3, permission_denied 0x5, not_found 0x6, already_exists 0x8.
module yenpay::controls_tests {
    use std::option;
    use aptos_framework::event;
    use aptos_framework::primary_fungible_store;
    use yenpay::controls;
    use yenpay::issuance;
    use yenpay::stablecoin;
    use yenpay::stablecoin_test_helpers as h;

    fun transfer(from: address, to: address, amount: u64) {
        primary_fungible_store::transfer(&h::signer_of(from), stablecoin::metadata(), to, amount);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun role_setters_change_roles_and_emit(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        assert!(issuance::master_minter() == h::master(), 1);
        assert!(controls::pauser() == h::pauser(), 2);
        assert!(controls::denylister() == h::denylister(), 3);
        assert!(event::emitted_events<issuance::MasterMinterChanged>().length() == 1, 4);
        assert!(event::emitted_events<controls::PauserChanged>().length() == 1, 5);
        assert!(event::emitted_events<controls::DenylisterChanged>().length() == 1, 6);
        assert!(event::emitted_events<issuance::MinterConfigured>().length() == 1, 7);
        assert!(issuance::is_minter(h::minter()), 8);
        assert!(issuance::minter_allowance(h::minter()) == h::minter_allowance(), 9);
    }

    // Pause.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::controls)] // invalid_state(EPAUSED)
    fun pause_blocks_plain_transfer(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        controls::pause(&h::signer_of(h::pauser()));
        transfer(h::alice(), h::bob(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::controls)] // invalid_state(EPAUSED)
    fun pause_blocks_mint(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::pause(&h::signer_of(h::pauser()));
        h::mint_to(h::alice(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::controls)] // invalid_state(EPAUSED)
    fun pause_blocks_mint_fa(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::pause(&h::signer_of(h::pauser()));
        let fa = issuance::mint_fa(&h::signer_of(h::minter()), 1);
        primary_fungible_store::deposit(h::alice(), fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::controls)] // invalid_state(EPAUSED)
    fun pause_blocks_burn(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::minter(), 10);
        controls::pause(&h::signer_of(h::pauser()));
        issuance::burn(&h::signer_of(h::minter()), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::controls)] // invalid_state(EPAUSED)
    fun pause_blocks_seizure(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 10);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        controls::pause(&h::signer_of(h::pauser()));
        stablecoin::seize(publisher, h::alice(), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun unpause_restores_transfers(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let pauser = h::signer_of(h::pauser());
        controls::pause(&pauser);
        assert!(controls::is_paused(), 1);
        controls::unpause(&pauser);
        assert!(!controls::is_paused(), 2);
        transfer(h::alice(), h::bob(), 1);
        assert!(stablecoin::balance(h::bob()) == 1, 3);
        assert!(event::emitted_events<controls::Paused>().length() == 1, 4);
        assert!(event::emitted_events<controls::Unpaused>().length() == 1, 5);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30015, location = yenpay::controls)] // invalid_state(EALREADY_PAUSED)
    fun pause_twice_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::pause(&h::signer_of(h::pauser()));
        controls::pause(&h::signer_of(h::pauser()));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30016, location = yenpay::controls)] // invalid_state(ENOT_PAUSED)
    fun unpause_when_running_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::unpause(&h::signer_of(h::pauser()));
    }

    // Denylist.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // permission_denied(EDENYLISTED)
    fun denylisted_sender_refused_on_plain_transfer(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        transfer(h::alice(), h::bob(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // permission_denied(EDENYLISTED)
    fun denylisted_receiver_refused_on_plain_transfer(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        controls::denylist(&h::signer_of(h::denylister()), h::bob());
        transfer(h::alice(), h::bob(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun undenylist_restores_transfers(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let denylister = h::signer_of(h::denylister());
        controls::denylist(&denylister, h::alice());
        assert!(controls::is_denylisted(h::alice()), 1);
        controls::undenylist(&denylister, h::alice());
        assert!(!controls::is_denylisted(h::alice()), 2);
        transfer(h::alice(), h::bob(), 5);
        assert!(stablecoin::balance(h::bob()) == 5, 3);
        assert!(event::emitted_events<controls::Denylisted>().length() == 1, 4);
        assert!(event::emitted_events<controls::Undenylisted>().length() == 1, 5);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun denylist_twice_is_a_no_op(framework: &signer, publisher: &signer) {
        // Operators may run it idempotently: no abort, no second event, still listed.
        h::setup_roles(framework, publisher);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        assert!(controls::is_denylisted(h::alice()), 1);
        assert!(event::emitted_events<controls::Denylisted>().length() == 1, 2);
        // One undenylist is enough to lift it.
        controls::undenylist(&h::signer_of(h::denylister()), h::alice());
        assert!(!controls::is_denylisted(h::alice()), 3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60012, location = yenpay::controls)] // not_found(ENOT_DENYLISTED)
    fun undenylist_unknown_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::undenylist(&h::signer_of(h::denylister()), h::alice());
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
    #[expected_failure(abort_code = 0x2000a, location = yenpay::controls)] // out_of_range(EAMOUNT_EXCEEDS_CAP)
    fun cap_refuses_one_million_and_one(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 2_000_000);
        transfer(h::alice(), h::bob(), 1_000_001);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun cap_zero_means_none(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 5_000_000);
        controls::set_transfer_cap(publisher, 0);
        assert!(controls::transfer_cap() == 0, 1);
        transfer(h::alice(), h::bob(), 5_000_000);
        assert!(stablecoin::balance(h::bob()) == 5_000_000, 2);
        assert!(event::emitted_events<controls::TransferCapChanged>().length() == 1, 3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x2000a, location = yenpay::controls)] // out_of_range(EAMOUNT_EXCEEDS_CAP)
    fun lowered_cap_applies(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 1_000);
        controls::set_transfer_cap(publisher, 100);
        transfer(h::alice(), h::bob(), 100);
        transfer(h::alice(), h::bob(), 101);
    }

    // Two-step admin.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun admin_transfer_two_step(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::propose_admin(publisher, h::carol());
        assert!(controls::pending_admin() == option::some(h::carol()), 1);
        assert!(controls::admin() == @deployer, 2); // nothing changes until accepted
        let carol = h::signer_of(h::carol());
        controls::accept_admin(&carol);
        assert!(controls::admin() == h::carol(), 3);
        assert!(controls::pending_admin() == option::none(), 4);
        controls::set_transfer_cap(&carol, 7); // the new admin acts
        assert!(controls::transfer_cap() == 7, 5);
        assert!(event::emitted_events<controls::AdminProposed>().length() == 1, 6);
        assert!(event::emitted_events<controls::AdminChanged>().length() == 1, 7);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun old_admin_loses_power(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::propose_admin(publisher, h::carol());
        controls::accept_admin(&h::signer_of(h::carol()));
        controls::set_transfer_cap(publisher, 7);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::controls)] // permission_denied(ENOT_PENDING_ADMIN)
    fun stranger_cannot_accept_admin(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::propose_admin(publisher, h::carol());
        controls::accept_admin(&h::signer_of(h::stranger()));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::controls)] // permission_denied(ENOT_PENDING_ADMIN)
    fun accept_without_proposal_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::accept_admin(&h::signer_of(h::carol()));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::controls)] // permission_denied(ENOT_PENDING_ADMIN)
    fun replaced_proposal_cannot_be_accepted(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::propose_admin(publisher, h::carol());
        controls::propose_admin(publisher, h::bob());
        assert!(controls::pending_admin() == option::some(h::bob()), 1);
        controls::accept_admin(&h::signer_of(h::carol()));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun replacing_proposal_lets_new_candidate_accept(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::propose_admin(publisher, h::carol());
        controls::propose_admin(publisher, h::bob());
        controls::accept_admin(&h::signer_of(h::bob()));
        assert!(controls::admin() == h::bob(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::controls)] // permission_denied(ENOT_PENDING_ADMIN)
    fun cancelled_proposal_cannot_be_accepted(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::propose_admin(publisher, h::carol());
        controls::cancel_admin_proposal(publisher);
        assert!(controls::pending_admin() == option::none(), 1);
        assert!(event::emitted_events<controls::AdminProposalCancelled>().length() == 1, 2);
        controls::accept_admin(&h::signer_of(h::carol()));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30003, location = yenpay::controls)] // invalid_state(ENO_PENDING_ADMIN)
    fun cancel_without_proposal_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::cancel_admin_proposal(publisher);
    }
}
