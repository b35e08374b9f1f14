#[test_only]
/// The store rule: the coin is held only in an account's primary store or in a store the admin approved by its
/// address, and both hooks check it. The framework lets a store's own signer withdraw from it, and the hooks see
/// only the store, never who signs: so a store built on an object whose `ExtendRef` someone kept could be spent by
/// that someone while its nominal owner is clean. Unless the admin approved that very store, such a store can
/// neither receive nor send; a revoked store is frozen both ways, and the admin may seize what it holds. The rule
/// also closes the older escape where a denylisted account parks coins in a store owned by an object it owns and
/// hands the object to a clean account.
///
/// Abort codes are category * 0x10000 + reason (std::error): invalid_argument 0x1,
/// out_of_range 0x2, invalid_state 0x3, permission_denied 0x5, not_found 0x6, already_exists 0x8.
module yenpay::controls_store_tests {
    use std::option;
    use std::string::utf8;
    use aptos_framework::dispatchable_fungible_asset;
    use aptos_framework::event;
    use aptos_framework::fungible_asset::{Self, FungibleStore, Metadata};
    use aptos_framework::object::{Self, ExtendRef, Object};
    use aptos_framework::primary_fungible_store;
    use yenpay::controls;
    use yenpay::issuance;
    use yenpay::stablecoin;
    use yenpay::stablecoin_test_helpers as h;

    /// A fresh object owned by `owner` (an account or another object).
    fun new_object(owner: address): address {
        object::address_from_constructor_ref(&object::create_object(owner))
    }

    /// A fresh object owned by `owner`, and its `ExtendRef`, kept by whoever created it.
    fun new_object_with_extend_ref(owner: address): (address, ExtendRef) {
        let constructor_ref = object::create_object(owner);
        (object::address_from_constructor_ref(&constructor_ref), object::generate_extend_ref(&constructor_ref))
    }

    /// A fresh secondary store of the coin, owned by `owner`.
    fun new_store(owner: address): Object<FungibleStore> {
        fungible_asset::create_store(&object::create_object(owner), stablecoin::metadata())
    }

    /// The attacker's set-up: a store of the coin that is itself a fresh object owned by `owner`, and the object's
    /// `ExtendRef`, which its creator keeps. The store's own signer can withdraw from it, whoever `owner` is.
    fun new_store_with_extend_ref(owner: address): (Object<FungibleStore>, ExtendRef) {
        let constructor_ref = object::create_object(owner);
        let extend_ref = object::generate_extend_ref(&constructor_ref);
        (fungible_asset::create_store(&constructor_ref, stablecoin::metadata()), extend_ref)
    }

    fun store_address(store: Object<FungibleStore>): address {
        object::object_address(&store)
    }

    /// The admin (the publisher) approves exactly `store`.
    fun approve(publisher: &signer, store: Object<FungibleStore>) {
        controls::approve_store(publisher, store_address(store));
    }

    /// The admin approves `owner`'s primary store, whether or not it exists yet.
    fun approve_primary(publisher: &signer, owner: address) {
        controls::approve_store(publisher, stablecoin::primary_store_address(owner));
    }

    fun revoke(publisher: &signer, store: Object<FungibleStore>) {
        controls::revoke_store(publisher, store_address(store));
    }

    fun transfer(from: address, to: address, amount: u64) {
        primary_fungible_store::transfer(&h::signer_of(from), stablecoin::metadata(), to, amount);
    }

    /// Moves `amount` from `from`'s primary store into `store` on the dispatchable path.
    fun deposit_from_primary(from: address, store: Object<FungibleStore>, amount: u64) {
        let fa = primary_fungible_store::withdraw(&h::signer_of(from), stablecoin::metadata(), amount);
        dispatchable_fungible_asset::deposit(store, fa);
    }

    /// Withdraws `amount` from `store` as `owner` (a direct or indirect owner) on the
    /// dispatchable path, and deposits it to `to`'s primary store.
    fun withdraw_to(owner: address, store: Object<FungibleStore>, to: address, amount: u64) {
        let fa = dispatchable_fungible_asset::withdraw(&h::signer_of(owner), store, amount);
        primary_fungible_store::deposit(to, fa);
    }

    /// Withdraws `amount` from `store` with the signer of the object that `extend_ref` extends (for a store built
    /// on that object, the store's own signer), and deposits it to `to`'s primary store.
    fun withdraw_with_extend_ref(extend_ref: &ExtendRef, store: Object<FungibleStore>, to: address, amount: u64) {
        let object_signer = object::generate_signer_for_extending(extend_ref);
        let fa = dispatchable_fungible_asset::withdraw(&object_signer, store, amount);
        primary_fungible_store::deposit(to, fa);
    }

    fun primary_of(owner: address): Object<FungibleStore> {
        primary_fungible_store::primary_store(owner, stablecoin::metadata())
    }

    // The attack: a store on an object owned by a clean account, whose ExtendRef the attacker kept.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::controls)] // permission_denied(ESTORE_NOT_APPROVED)
    fun extend_ref_store_of_clean_owner_refuses_deposit(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        // Alice builds a store on an object owned by clean Bob and keeps its ExtendRef.
        let (store, _extend_ref) = new_store_with_extend_ref(h::bob());
        let fa = primary_fungible_store::withdraw(&h::signer_of(h::alice()), stablecoin::metadata(), 10);
        dispatchable_fungible_asset::deposit(store, fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::controls)] // permission_denied(ESTORE_NOT_APPROVED)
    fun extend_ref_store_of_clean_owner_refuses_withdraw_by_store_signer(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let (store, extend_ref) = new_store_with_extend_ref(h::bob());
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        // Nothing up the store's ownership chain is denylisted: only the store rule stands in the way (without it,
        // this would reach the framework's balance check instead).
        withdraw_with_extend_ref(&extend_ref, store, h::carol(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::controls)] // permission_denied(ESTORE_NOT_APPROVED)
    fun revoked_extend_ref_store_refuses_withdraw_by_store_signer(framework: &signer, publisher: &signer) {
        // The store held coins while approved; once revoked, the attacker, now denylisted, cannot spend them through
        // the store's own signer although the store's owner is clean.
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let (store, extend_ref) = new_store_with_extend_ref(h::bob());
        approve(publisher, store);
        deposit_from_primary(h::alice(), store, 40);
        revoke(publisher, store);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        withdraw_with_extend_ref(&extend_ref, store, h::carol(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::controls)] // permission_denied(ESTORE_NOT_APPROVED)
    fun revoked_extend_ref_store_refuses_withdraw_by_owner(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let (store, _extend_ref) = new_store_with_extend_ref(h::bob());
        approve(publisher, store);
        deposit_from_primary(h::alice(), store, 40);
        revoke(publisher, store);
        withdraw_to(h::bob(), store, h::bob(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::controls)] // permission_denied(ESTORE_NOT_APPROVED)
    fun revoked_extend_ref_store_refuses_deposit(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let (store, _extend_ref) = new_store_with_extend_ref(h::bob());
        approve(publisher, store);
        deposit_from_primary(h::alice(), store, 40);
        revoke(publisher, store);
        deposit_from_primary(h::alice(), store, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun approved_extend_ref_store_sends_and_receives(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let (store, extend_ref) = new_store_with_extend_ref(h::bob());
        let store_addr = store_address(store);
        assert!(!controls::is_approved_store(store_addr), 1);
        assert!(!controls::may_hold(store_addr), 2);
        approve(publisher, store);
        assert!(controls::is_approved_store(store_addr), 3);
        assert!(controls::may_hold(store_addr), 4);
        assert!(event::emitted_events<controls::StoreApproved>().length() == 1, 5);
        deposit_from_primary(h::alice(), store, 30);
        // The store's own signer and its owner can both spend an approved store.
        withdraw_with_extend_ref(&extend_ref, store, h::carol(), 10);
        withdraw_to(h::bob(), store, h::carol(), 5);
        assert!(fungible_asset::balance(store) == 15, 6);
        assert!(stablecoin::balance(h::carol()) == 15, 7);
        assert!(stablecoin::balance(h::alice()) == 70, 8);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun revoked_store_of_clean_owner_can_be_seized(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let (store, _extend_ref) = new_store_with_extend_ref(h::bob());
        let store_addr = store_address(store);
        approve(publisher, store);
        deposit_from_primary(h::alice(), store, 40);
        revoke(publisher, store);
        assert!(!controls::is_approved_store(store_addr), 1);
        assert!(!controls::may_hold(store_addr), 2);
        assert!(event::emitted_events<controls::StoreRevoked>().length() == 1, 3);
        // Nobody up the store's chain is denylisted, yet its funds are frozen: the admin may seize them.
        assert!(!controls::is_denylisted(h::bob()) && !controls::is_denylisted(h::alice()), 4);
        stablecoin::seize_from_store(publisher, store_addr, h::carol(), 40, b"order-11");
        assert!(fungible_asset::balance(store) == 0, 5);
        assert!(stablecoin::balance(h::carol()) == 40, 6);
        assert!(event::emitted_events<stablecoin::StoreSeized>().length() == 1, 7);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30013, location = yenpay::stablecoin)] // invalid_state(ESEIZURE_NOT_DENYLISTED)
    fun seize_from_approved_store_of_clean_owner_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let (store, _extend_ref) = new_store_with_extend_ref(h::bob());
        approve(publisher, store);
        deposit_from_primary(h::alice(), store, 40);
        stablecoin::seize_from_store(publisher, store_address(store), h::carol(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::controls)] // permission_denied(ESTORE_NOT_APPROVED)
    fun approval_covers_only_that_store(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let vault = new_object(h::alice());
        approve_primary(publisher, vault);
        transfer(h::alice(), vault, 10);
        assert!(stablecoin::balance(vault) == 10, 1);
        // Another store of the same object is another store: not approved.
        deposit_from_primary(h::alice(), new_store(vault), 1);
    }

    // An object's primary store is not an account's primary store: it needs approval too.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::controls)] // permission_denied(ESTORE_NOT_APPROVED)
    fun deposit_into_object_primary_store_refused(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let (parking, _extend_ref) = new_object_with_extend_ref(h::bob());
        let fa = primary_fungible_store::withdraw(&h::signer_of(h::alice()), stablecoin::metadata(), 10);
        primary_fungible_store::deposit(parking, fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun approved_object_primary_store_sends_and_receives(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let (parking, extend_ref) = new_object_with_extend_ref(h::bob());
        // Approved by address before the store exists.
        approve_primary(publisher, parking);
        assert!(!primary_fungible_store::primary_store_exists(parking, stablecoin::metadata()), 1);
        let fa = primary_fungible_store::withdraw(&h::signer_of(h::alice()), stablecoin::metadata(), 10);
        primary_fungible_store::deposit(parking, fa);
        assert!(stablecoin::balance(parking) == 10, 2);
        assert!(controls::may_hold(stablecoin::primary_store_address(parking)), 3);
        let fa = primary_fungible_store::withdraw(
            &object::generate_signer_for_extending(&extend_ref), stablecoin::metadata(), 4
        );
        primary_fungible_store::deposit(h::carol(), fa);
        assert!(stablecoin::balance(parking) == 6 && stablecoin::balance(h::carol()) == 4, 4);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::controls)] // permission_denied(ESTORE_NOT_APPROVED)
    fun revoked_object_primary_store_refuses_withdraw_by_object_signer(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let (parking, extend_ref) = new_object_with_extend_ref(h::bob());
        approve_primary(publisher, parking);
        transfer(h::alice(), parking, 10);
        controls::revoke_store(publisher, stablecoin::primary_store_address(parking));
        let fa = primary_fungible_store::withdraw(
            &object::generate_signer_for_extending(&extend_ref), stablecoin::metadata(), 1
        );
        primary_fungible_store::deposit(h::carol(), fa);
    }

    // The older escape: parking coins under an object one owns.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::controls)] // permission_denied(ESTORE_NOT_APPROVED)
    fun escape_into_object_primary_store_refused(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let parking = new_object(h::alice());
        transfer(h::alice(), parking, 10);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::controls)] // permission_denied(ESTORE_NOT_APPROVED)
    fun escape_into_object_secondary_store_refused(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let parking = new_object(h::alice());
        let store = new_store(parking);
        deposit_from_primary(h::alice(), store, 10);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::controls)] // permission_denied(ESTORE_NOT_APPROVED)
    fun mint_into_object_refused(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let parking = new_object(h::alice());
        h::mint_to(parking, 10);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun mint_into_object_with_approved_primary_store(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let vault = new_object(h::alice());
        approve_primary(publisher, vault);
        h::mint_to(vault, 10);
        assert!(stablecoin::balance(vault) == 10, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::controls)] // permission_denied(ESTORE_NOT_APPROVED)
    fun seize_into_object_refused(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        let parking = new_object(h::bob());
        stablecoin::seize(publisher, h::alice(), parking, 10, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun seize_into_object_with_approved_primary_store(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        let escrow = new_object(h::bob());
        approve_primary(publisher, escrow);
        stablecoin::seize(publisher, h::alice(), escrow, 10, b"order");
        assert!(stablecoin::balance(escrow) == 10, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun approved_object_stores_accept(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let vault = new_object(h::alice());
        let store = new_store(vault);
        assert!(!controls::is_approved_store(stablecoin::primary_store_address(vault)), 1);
        approve_primary(publisher, vault);
        approve(publisher, store);
        assert!(controls::is_approved_store(stablecoin::primary_store_address(vault)), 2);
        assert!(controls::is_approved_store(store_address(store)), 3);
        // The object itself is not a store and was not approved.
        assert!(!controls::is_approved_store(vault), 4);
        assert!(event::emitted_events<controls::StoreApproved>().length() == 2, 5);
        transfer(h::alice(), vault, 10);
        deposit_from_primary(h::alice(), store, 5);
        assert!(stablecoin::balance(vault) == 10, 6);
        assert!(fungible_asset::balance(store) == 5, 7);
        // And they can send, through their owner.
        withdraw_to(h::alice(), store, h::bob(), 2);
        withdraw_to(h::alice(), primary_of(vault), h::bob(), 3);
        assert!(stablecoin::balance(h::bob()) == 5, 8);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // permission_denied(EDENYLISTED)
    fun approved_denylisted_object_cannot_receive(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let vault = new_object(h::alice());
        approve_primary(publisher, vault);
        controls::denylist(&h::signer_of(h::denylister()), vault);
        transfer(h::alice(), vault, 10);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // permission_denied(EDENYLISTED)
    fun approved_denylisted_object_cannot_send(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let vault = new_object(h::alice());
        approve_primary(publisher, vault);
        transfer(h::alice(), vault, 10);
        controls::denylist(&h::signer_of(h::denylister()), vault);
        withdraw_to(h::alice(), primary_of(vault), h::bob(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // permission_denied(EDENYLISTED)
    fun denylisted_owner_cannot_send_through_approved_object(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let vault = new_object(h::alice());
        approve_primary(publisher, vault);
        transfer(h::alice(), vault, 10);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        withdraw_to(h::alice(), primary_of(vault), h::bob(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // permission_denied(EDENYLISTED)
    fun approved_object_of_denylisted_owner_cannot_receive(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::bob(), 100);
        let vault = new_object(h::alice());
        approve_primary(publisher, vault);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        transfer(h::bob(), vault, 10);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // permission_denied(EDENYLISTED)
    fun nested_object_of_denylisted_account_cannot_send(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let outer = new_object(h::alice());
        let inner = new_object(outer);
        approve_primary(publisher, inner);
        transfer(h::alice(), inner, 10);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        withdraw_to(h::alice(), primary_of(inner), h::bob(), 1);
    }

    // Revocation freezes a store both ways.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::controls)] // permission_denied(ESTORE_NOT_APPROVED)
    fun revoked_object_store_cannot_be_withdrawn_from(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let vault = new_object(h::alice());
        approve_primary(publisher, vault);
        transfer(h::alice(), vault, 10);
        controls::revoke_store(publisher, stablecoin::primary_store_address(vault));
        withdraw_to(h::alice(), primary_of(vault), h::alice(), 10);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::controls)] // permission_denied(ESTORE_NOT_APPROVED)
    fun revoked_object_store_cannot_be_deposited_into(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let vault = new_object(h::alice());
        approve_primary(publisher, vault);
        transfer(h::alice(), vault, 10);
        controls::revoke_store(publisher, stablecoin::primary_store_address(vault));
        transfer(h::alice(), vault, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun seize_from_revoked_object_of_denylisted_owner(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let vault = new_object(h::alice());
        let store = new_store(vault);
        approve_primary(publisher, vault);
        approve(publisher, store);
        transfer(h::alice(), vault, 30);
        deposit_from_primary(h::alice(), store, 20);
        controls::revoke_store(publisher, stablecoin::primary_store_address(vault));
        revoke(publisher, store);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        stablecoin::seize(publisher, vault, h::bob(), 30, b"order-7");
        stablecoin::seize_from_store(publisher, store_address(store), h::bob(), 20, b"order-7");
        assert!(stablecoin::balance(h::bob()) == 50, 1);
        assert!(stablecoin::balance(vault) == 0, 2);
        assert!(fungible_asset::balance(store) == 0, 3);
        assert!(event::emitted_events<stablecoin::Seized>().length() == 1, 4);
        assert!(event::emitted_events<stablecoin::StoreSeized>().length() == 1, 5);
        assert!(event::emitted_events<controls::StoreRevoked>().length() == 2, 6);
    }

    // A secondary store owned directly by an account is not its primary store: it needs approval too, and once
    // approved it behaves like the primary store.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::controls)] // permission_denied(ESTORE_NOT_APPROVED)
    fun account_secondary_store_refuses_deposit(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let store = new_store(h::alice());
        deposit_from_primary(h::alice(), store, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::controls)] // permission_denied(ESTORE_NOT_APPROVED)
    fun revoked_account_secondary_store_refuses_withdraw(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let store = new_store(h::alice());
        approve(publisher, store);
        deposit_from_primary(h::alice(), store, 40);
        revoke(publisher, store);
        withdraw_to(h::alice(), store, h::bob(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun approved_account_secondary_store_sends_and_receives(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let store = new_store(h::alice());
        approve(publisher, store);
        deposit_from_primary(h::alice(), store, 40);
        withdraw_to(h::alice(), store, h::bob(), 15);
        assert!(fungible_asset::balance(store) == 25, 1);
        assert!(stablecoin::balance(h::bob()) == 15, 2);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::controls)] // invalid_state(EPAUSED)
    fun account_secondary_store_paused_withdraw(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let store = new_store(h::alice());
        approve(publisher, store);
        deposit_from_primary(h::alice(), store, 40);
        controls::pause(&h::signer_of(h::pauser()));
        dispatchable_fungible_asset::transfer(&h::signer_of(h::alice()), store, primary_of(h::alice()), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::controls)] // invalid_state(EPAUSED)
    fun account_secondary_store_paused_deposit(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let store = new_store(h::alice());
        approve(publisher, store);
        let fa = primary_fungible_store::withdraw(&h::signer_of(h::alice()), stablecoin::metadata(), 1);
        controls::pause(&h::signer_of(h::pauser()));
        dispatchable_fungible_asset::deposit(store, fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // permission_denied(EDENYLISTED)
    fun account_secondary_store_denylisted_withdraw(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let store = new_store(h::alice());
        approve(publisher, store);
        deposit_from_primary(h::alice(), store, 40);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        withdraw_to(h::alice(), store, h::bob(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // permission_denied(EDENYLISTED)
    fun account_secondary_store_denylisted_deposit(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::bob(), 100);
        let store = new_store(h::alice());
        approve(publisher, store);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        deposit_from_primary(h::bob(), store, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x2000a, location = yenpay::controls)] // out_of_range(EAMOUNT_EXCEEDS_CAP)
    fun account_secondary_store_capped_withdraw(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 2_000_000);
        let store = new_store(h::alice());
        approve(publisher, store);
        deposit_from_primary(h::alice(), store, 1_000_000);
        deposit_from_primary(h::alice(), store, 1_000_000);
        dispatchable_fungible_asset::transfer(&h::signer_of(h::alice()), store, primary_of(h::alice()), 1_000_001);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x2000a, location = yenpay::controls)] // out_of_range(EAMOUNT_EXCEEDS_CAP)
    fun account_secondary_store_capped_deposit(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let store = new_store(h::alice());
        approve(publisher, store);
        // Minted value is not capped, but depositing it is a transfer into the store.
        let fa = issuance::mint_fa(&h::signer_of(h::minter()), 1_000_001);
        dispatchable_fungible_asset::deposit(store, fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun seize_from_account_secondary_store(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let store = new_store(h::alice());
        approve(publisher, store);
        deposit_from_primary(h::alice(), store, 40);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        stablecoin::seize_from_store(publisher, store_address(store), h::bob(), 40, b"order-9");
        assert!(fungible_asset::balance(store) == 0, 1);
        assert!(stablecoin::balance(h::bob()) == 40, 2);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30013, location = yenpay::stablecoin)] // invalid_state(ESEIZURE_NOT_DENYLISTED)
    fun seize_from_clean_secondary_store_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let store = new_store(h::alice());
        approve(publisher, store);
        deposit_from_primary(h::alice(), store, 40);
        stablecoin::seize_from_store(publisher, store_address(store), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1001f, location = yenpay::stablecoin)] // invalid_argument(ENOT_YJPY_STORE)
    fun seize_from_non_store_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        stablecoin::seize_from_store(publisher, h::alice(), h::bob(), 1, b"order");
    }

    // Views.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun store_views(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let metadata = stablecoin::metadata();
        let alice_primary = stablecoin::primary_store_address(h::alice());
        // Derived as the framework derives it, whether or not the store exists.
        assert!(alice_primary == primary_fungible_store::primary_store_address(h::alice(), metadata), 1);
        assert!(!controls::may_hold(alice_primary), 2);
        h::mint_to(h::alice(), 1);
        assert!(controls::may_hold(alice_primary), 3);
        assert!(!controls::is_approved_store(alice_primary), 4);
        // An account's secondary store, an object's primary store and a non-store.
        let store = new_store(h::alice());
        assert!(!controls::may_hold(store_address(store)), 5);
        let vault = new_object(h::alice());
        primary_fungible_store::ensure_primary_store_exists(vault, metadata);
        assert!(!controls::may_hold(stablecoin::primary_store_address(vault)), 6);
        assert!(!controls::may_hold(h::alice()), 7);
        assert!(!controls::may_hold(vault), 8);
        // Approval changes may_hold, not the denylist: may_hold ignores it.
        approve_primary(publisher, vault);
        assert!(controls::may_hold(stablecoin::primary_store_address(vault)), 9);
        controls::denylist(&h::signer_of(h::denylister()), h::alice());
        assert!(controls::may_hold(alice_primary), 10);
    }

    // Approve and revoke.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun approve_address_without_store(framework: &signer, publisher: &signer) {
        // Approving an address where no store exists yet is allowed (e.g. an object's primary store before its
        // first deposit); so is an address that is not an object at all, which can never become a store.
        h::setup_roles(framework, publisher);
        let vault = new_object(h::alice());
        let future = stablecoin::primary_store_address(vault);
        controls::approve_store(publisher, future);
        controls::approve_store(publisher, h::carol());
        assert!(controls::is_approved_store(future), 1);
        assert!(controls::is_approved_store(h::carol()), 2);
        assert!(!controls::may_hold(future), 3);
        controls::revoke_store(publisher, h::carol());
        assert!(!controls::is_approved_store(h::carol()), 4);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1001f, location = yenpay::controls)] // invalid_argument(ENOT_YJPY_STORE)
    fun approve_object_that_is_not_a_store_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let vault = new_object(h::alice());
        controls::approve_store(publisher, vault);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1001f, location = yenpay::controls)] // invalid_argument(ENOT_YJPY_STORE)
    fun approve_store_of_another_asset_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let constructor_ref = &object::create_named_object(publisher, b"OTHER");
        primary_fungible_store::create_primary_store_enabled_fungible_asset(
            constructor_ref, option::none(), utf8(b"Other"), utf8(b"OTH"), 0, utf8(b""), utf8(b""),
        );
        let other = object::object_from_constructor_ref<Metadata>(constructor_ref);
        let store = fungible_asset::create_store(&object::create_object(h::alice()), other);
        controls::approve_store(publisher, store_address(store));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x8000f, location = yenpay::controls)] // already_exists(EALREADY_APPROVED_STORE)
    fun approve_twice_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let store = new_store(h::alice());
        approve(publisher, store);
        approve(publisher, store);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60010, location = yenpay::controls)] // not_found(ENOT_APPROVED_STORE)
    fun revoke_unapproved_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let store = new_store(h::alice());
        revoke(publisher, store);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60010, location = yenpay::controls)] // not_found(ENOT_APPROVED_STORE)
    fun revoke_twice_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let store = new_store(h::alice());
        approve(publisher, store);
        revoke(publisher, store);
        revoke(publisher, store);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun package_store_receives_fees(framework: &signer, publisher: &signer) {
        // What merchant_registry does for its fee treasury: the primary store of a named object under @yenpay,
        // approved at init through the package function, then paid through the dispatchable path.
        h::setup_roles(framework, publisher);
        let treasury = object::address_from_constructor_ref(&object::create_named_object(publisher, b"TEST_TREASURY"));
        let store = primary_fungible_store::ensure_primary_store_exists(treasury, stablecoin::metadata());
        controls::approve_package_store(store_address(store));
        assert!(controls::is_approved_store(stablecoin::primary_store_address(treasury)), 1);
        assert!(!controls::is_approved_store(treasury), 2);
        h::mint_to(h::alice(), 100);
        let fee = primary_fungible_store::withdraw(&h::signer_of(h::alice()), stablecoin::metadata(), 3);
        primary_fungible_store::deposit(treasury, fee);
        transfer(h::alice(), treasury, 2);
        assert!(stablecoin::balance(treasury) == 5, 3);
        assert!(event::emitted_events<controls::StoreApproved>().length() == 1, 4);
    }

    // Only the admin approves and revokes: every other role aborts (permission_denied = 0x5).

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun approve_store_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let store = store_address(new_store(h::alice()));
        let s = h::signer_of(h::master());
        controls::approve_store(&s, store);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun approve_store_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let store = store_address(new_store(h::alice()));
        let s = h::signer_of(h::pauser());
        controls::approve_store(&s, store);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun approve_store_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let store = store_address(new_store(h::alice()));
        let s = h::signer_of(h::denylister());
        controls::approve_store(&s, store);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun approve_store_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let store = store_address(new_store(h::alice()));
        let s = h::signer_of(h::minter());
        controls::approve_store(&s, store);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun approve_store_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let store = store_address(new_store(h::alice()));
        let s = h::signer_of(h::stranger());
        controls::approve_store(&s, store);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun approve_store_rejects_store_owner(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let store = store_address(new_store(h::alice()));
        let s = h::signer_of(h::alice());
        controls::approve_store(&s, store);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun revoke_store_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let store = store_address(new_store(h::alice()));
        controls::approve_store(publisher, store);
        let s = h::signer_of(h::master());
        controls::revoke_store(&s, store);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun revoke_store_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let store = store_address(new_store(h::alice()));
        controls::approve_store(publisher, store);
        let s = h::signer_of(h::pauser());
        controls::revoke_store(&s, store);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun revoke_store_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let store = store_address(new_store(h::alice()));
        controls::approve_store(publisher, store);
        let s = h::signer_of(h::denylister());
        controls::revoke_store(&s, store);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun revoke_store_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let store = store_address(new_store(h::alice()));
        controls::approve_store(publisher, store);
        let s = h::signer_of(h::minter());
        controls::revoke_store(&s, store);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun revoke_store_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let store = store_address(new_store(h::alice()));
        controls::approve_store(publisher, store);
        let s = h::signer_of(h::stranger());
        controls::revoke_store(&s, store);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::controls)] // permission_denied(ENOT_ADMIN)
    fun revoke_store_rejects_store_owner(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let store = store_address(new_store(h::alice()));
        controls::approve_store(publisher, store);
        let s = h::signer_of(h::alice());
        controls::revoke_store(&s, store);
    }
}
