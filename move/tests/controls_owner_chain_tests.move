#[test_only]
/// What the hooks see above a store, when the owners change under it: a store the admin ever approved stays under its
/// approval entry even after its owner object is deleted (whose `ExtendRef` still yields the object's signer), and
/// the walk up the owners stops after `MAX_OWNER_DEPTH` (8) objects, so a cycle or a deeper chain is refused instead
/// of running out of gas. In each case the store can neither send nor receive, and the admin may seize it without a
/// denylisted owner.
///
/// Abort codes are category * 0x10000 + reason (std::error): invalid_state 0x3, permission_denied 0x5.
module yenpay::controls_owner_chain_tests {
    use aptos_framework::event;
    use aptos_framework::fungible_asset::FungibleStore;
    use aptos_framework::object::{Self, DeleteRef, ExtendRef, Object, ObjectCore};
    use aptos_framework::primary_fungible_store;
    use yenpay::controls;
    use yenpay::stablecoin;
    use yenpay::stablecoin_test_helpers as h;

    /// An object owned by `owner` that its creator can delete, with the refs the creator keeps.
    fun deletable_object(owner: address): (address, ExtendRef, DeleteRef) {
        let constructor_ref = object::create_object(owner);
        (
            object::address_from_constructor_ref(&constructor_ref),
            object::generate_extend_ref(&constructor_ref),
            object::generate_delete_ref(&constructor_ref),
        )
    }

    fun new_object(owner: address): address {
        object::address_from_constructor_ref(&object::create_object(owner))
    }

    fun approve_primary(publisher: &signer, owner: address) {
        controls::approve_store(publisher, stablecoin::primary_store_address(owner));
    }

    fun transfer(from: address, to: address, amount: u64) {
        primary_fungible_store::transfer(&h::signer_of(from), stablecoin::metadata(), to, amount);
    }

    /// Spends from the primary store of the object that `extend_ref` extends, with that object's signer.
    fun spend_as_object(extend_ref: &ExtendRef, to: address, amount: u64) {
        let object_signer = object::generate_signer_for_extending(extend_ref);
        primary_fungible_store::transfer(&object_signer, stablecoin::metadata(), to, amount);
    }

    fun primary_of(owner: address): Object<FungibleStore> {
        primary_fungible_store::primary_store(owner, stablecoin::metadata())
    }

    /// Alice's deletable vault, approved and holding 10.
    fun funded_vault(framework: &signer, publisher: &signer): (address, ExtendRef, DeleteRef) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let (vault, extend_ref, delete_ref) = deletable_object(h::alice());
        approve_primary(publisher, vault);
        transfer(h::alice(), vault, 10);
        (vault, extend_ref, delete_ref)
    }

    // 1. Deleting the owner object: revoked stays revoked.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::controls)] // permission_denied(ESTORE_NOT_APPROVED)
    fun revoked_store_of_deleted_object_cannot_send(framework: &signer, publisher: &signer) {
        let (vault, extend_ref, delete_ref) = funded_vault(framework, publisher);
        controls::revoke_store(publisher, stablecoin::primary_store_address(vault));
        object::delete(delete_ref);
        assert!(!object::is_object(vault), 1);
        spend_as_object(&extend_ref, h::carol(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::controls)] // permission_denied(ESTORE_NOT_APPROVED)
    fun revoked_store_of_deleted_object_cannot_receive(framework: &signer, publisher: &signer) {
        let (vault, _extend_ref, delete_ref) = funded_vault(framework, publisher);
        controls::revoke_store(publisher, stablecoin::primary_store_address(vault));
        object::delete(delete_ref);
        transfer(h::alice(), vault, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun revoked_store_of_deleted_object_is_seizable(framework: &signer, publisher: &signer) {
        let (vault, _extend_ref, delete_ref) = funded_vault(framework, publisher);
        let store = stablecoin::primary_store_address(vault);
        controls::revoke_store(publisher, store);
        object::delete(delete_ref);
        assert!(!controls::may_hold(store), 1);
        assert!(!controls::is_approved_store(store), 2);
        // Nobody is denylisted: the frozen store is seizable all the same.
        stablecoin::seize_from_store(publisher, store, h::bob(), 10, b"order-1");
        assert!(stablecoin::balance(h::bob()) == 10 && stablecoin::balance(vault) == 0, 3);
    }

    // Deleting the owner object of a store that is still approved: its signer lives on in the ExtendRef.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50020, location = yenpay::controls)] // permission_denied(ESTORE_OWNER_GONE)
    fun approved_store_of_deleted_object_cannot_send(framework: &signer, publisher: &signer) {
        let (_vault, extend_ref, delete_ref) = funded_vault(framework, publisher);
        object::delete(delete_ref);
        spend_as_object(&extend_ref, h::carol(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50020, location = yenpay::controls)] // permission_denied(ESTORE_OWNER_GONE)
    fun approved_store_of_deleted_object_cannot_receive(framework: &signer, publisher: &signer) {
        let (vault, _extend_ref, delete_ref) = funded_vault(framework, publisher);
        object::delete(delete_ref);
        transfer(h::alice(), vault, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50020, location = yenpay::controls)] // permission_denied(ESTORE_OWNER_GONE)
    fun store_approved_while_existing_stays_refused_after_delete(framework: &signer, publisher: &signer) {
        // Approved after it exists, so the approval saw an object owner: the same rule.
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let (vault, extend_ref, delete_ref) = deletable_object(h::alice());
        let store = primary_fungible_store::ensure_primary_store_exists(vault, stablecoin::metadata());
        controls::approve_store(publisher, object::object_address(&store));
        transfer(h::alice(), vault, 10);
        object::delete(delete_ref);
        spend_as_object(&extend_ref, h::carol(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50020, location = yenpay::controls)] // permission_denied(ESTORE_OWNER_GONE)
    fun denylisted_owner_cannot_escape_by_deleting_the_object(framework: &signer, publisher: &signer) {
        // The store is frozen through its owner chain (Alice is listed); deleting the object cuts the chain, and the
        // store must not become "an account's primary store" of the deleted object's address.
        let (_vault, extend_ref, delete_ref) = funded_vault(framework, publisher);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        object::delete(delete_ref);
        spend_as_object(&extend_ref, h::carol(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun approved_store_of_deleted_object_is_seizable_without_a_denylisted_owner(
        framework: &signer, publisher: &signer
    ) {
        let (vault, _extend_ref, delete_ref) = funded_vault(framework, publisher);
        object::delete(delete_ref);
        let store = stablecoin::primary_store_address(vault);
        assert!(!controls::may_hold(store), 1);
        // Still approved as an entry, but its owner is gone.
        assert!(controls::is_approved_store(store), 2);
        stablecoin::seize(publisher, vault, h::bob(), 4, b"order-2");
        stablecoin::seize_from_store(publisher, store, h::bob(), 6, b"order-2");
        assert!(stablecoin::balance(h::bob()) == 10, 3);
        assert!(event::emitted_events<stablecoin::Seized>().length() == 1, 4);
        assert!(event::emitted_events<stablecoin::StoreSeized>().length() == 1, 5);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30013, location = yenpay::stablecoin)] // invalid_state(ESEIZURE_NOT_DENYLISTED)
    fun live_approved_store_of_clean_owner_is_not_seizable(framework: &signer, publisher: &signer) {
        let (vault, _extend_ref, _delete_ref) = funded_vault(framework, publisher);
        stablecoin::seize(publisher, vault, h::bob(), 1, b"order-3");
    }

    // Approval again after a revocation.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_revoked_store_can_be_approved_again(framework: &signer, publisher: &signer) {
        let (vault, extend_ref, _delete_ref) = funded_vault(framework, publisher);
        let store = stablecoin::primary_store_address(vault);
        controls::revoke_store(publisher, store);
        controls::approve_store(publisher, store);
        assert!(controls::is_approved_store(store) && controls::may_hold(store), 1);
        spend_as_object(&extend_ref, h::carol(), 3);
        assert!(stablecoin::balance(h::carol()) == 3, 2);
        assert!(event::emitted_events<controls::StoreApproved>().length() == 2, 3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun an_account_store_approved_before_it_existed_is_recovered_by_approving_again(
        framework: &signer, publisher: &signer
    ) {
        // An account's secondary store cannot be named before it exists, but an account's primary store can: once
        // approved by mistake, it is under the approval list for good. The admin re-approves it once it exists, and
        // the approval then records an account owner.
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let store = stablecoin::primary_store_address(h::bob());
        controls::approve_store(publisher, store);
        primary_fungible_store::ensure_primary_store_exists(h::bob(), stablecoin::metadata());
        assert!(!controls::may_hold(store), 1);
        controls::revoke_store(publisher, store);
        controls::approve_store(publisher, store);
        assert!(controls::may_hold(store), 2);
        transfer(h::alice(), h::bob(), 5);
        transfer(h::bob(), h::carol(), 2);
        assert!(stablecoin::balance(h::bob()) == 3, 3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50020, location = yenpay::controls)] // permission_denied(ESTORE_OWNER_GONE)
    fun an_account_store_approved_before_it_existed_is_refused(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        controls::approve_store(publisher, stablecoin::primary_store_address(h::bob()));
        transfer(h::alice(), h::bob(), 5);
    }

    // 2. Cycles and chains deeper than the framework's nesting limit.

    /// Alice's approved vault holding 10, then made part of a cycle: vault -> ring -> vault.
    fun vault_in_a_cycle(framework: &signer, publisher: &signer): (address, ExtendRef) {
        let (vault, extend_ref, _delete_ref) = funded_vault(framework, publisher);
        let ring = new_object(h::alice());
        let alice = &h::signer_of(h::alice());
        object::transfer(alice, object::address_to_object<ObjectCore>(vault), ring);
        object::transfer(alice, object::address_to_object<ObjectCore>(ring), vault);
        assert!(object::owner(object::address_to_object<ObjectCore>(ring)) == vault, 100);
        (vault, extend_ref)
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50021, location = yenpay::controls)] // permission_denied(EOWNER_CHAIN_TOO_LONG)
    fun a_store_under_a_cycle_cannot_send(framework: &signer, publisher: &signer) {
        let (_vault, extend_ref) = vault_in_a_cycle(framework, publisher);
        spend_as_object(&extend_ref, h::carol(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50021, location = yenpay::controls)] // permission_denied(EOWNER_CHAIN_TOO_LONG)
    fun a_store_under_a_cycle_cannot_receive(framework: &signer, publisher: &signer) {
        let (vault, _extend_ref) = vault_in_a_cycle(framework, publisher);
        transfer(h::alice(), vault, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_store_under_a_cycle_is_seizable(framework: &signer, publisher: &signer) {
        let (vault, _extend_ref) = vault_in_a_cycle(framework, publisher);
        assert!(controls::is_restricted(vault), 1);
        stablecoin::seize(publisher, vault, h::bob(), 10, b"order-4");
        assert!(stablecoin::balance(h::bob()) == 10 && stablecoin::balance(vault) == 0, 2);
    }

    /// A chain of `depth` fresh objects under Alice; returns the deepest.
    fun chain_of(depth: u64): address {
        let owner = h::alice();
        let i = 0;
        while (i < depth) {
            owner = new_object(owner);
            i += 1;
        };
        owner
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun eight_objects_deep_is_within_the_bound(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let deepest = chain_of(8);
        approve_primary(publisher, deepest);
        transfer(h::alice(), deepest, 7);
        assert!(stablecoin::balance(deepest) == 7, 1);
        assert!(!controls::is_restricted(deepest), 2);
        // The walk reaches Alice through all eight.
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        assert!(controls::is_restricted(deepest), 3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50021, location = yenpay::controls)] // permission_denied(EOWNER_CHAIN_TOO_LONG)
    fun nine_objects_deep_is_refused(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let deepest = chain_of(9);
        approve_primary(publisher, deepest);
        transfer(h::alice(), deepest, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_store_that_became_too_deep_is_seizable(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let top = new_object(h::alice());
        let deepest = top;
        let i = 0;
        while (i < 7) {
            deepest = new_object(deepest);
            i += 1;
        };
        approve_primary(publisher, deepest);
        transfer(h::alice(), deepest, 9);
        // One more object above the top makes it nine deep.
        let above = new_object(h::alice());
        object::transfer(&h::signer_of(h::alice()), object::address_to_object<ObjectCore>(top), above);
        assert!(controls::is_restricted(deepest), 1);
        // The store rule alone would let it hold: the chain is what refuses it.
        assert!(controls::may_hold(stablecoin::primary_store_address(deepest)), 2);
        stablecoin::seize_from_store(
            publisher, object::object_address(&primary_of(deepest)), h::bob(), 9, b"order-5"
        );
        assert!(stablecoin::balance(h::bob()) == 9, 3);
    }
}
