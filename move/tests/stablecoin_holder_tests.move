#[test_only]
/// Issue 12: holders are accounts or admin-approved objects. Closes the denylist escape where a
/// denylisted account parks coins in a store owned by an object it owns (withdrawal accepts
/// indirect owners; the hook sees only the object) and hands the object to a clean account.
///
/// Abort codes are category * 0x10000 + reason (std::error): invalid_argument 0x1,
/// out_of_range 0x2, invalid_state 0x3, permission_denied 0x5, not_found 0x6, already_exists 0x8.
module yenpay::stablecoin_holder_tests {
    use aptos_framework::dispatchable_fungible_asset;
    use aptos_framework::event;
    use aptos_framework::fungible_asset::{Self, FungibleStore};
    use aptos_framework::object::{Self, Object};
    use aptos_framework::primary_fungible_store;
    use yenpay::stablecoin;
    use yenpay::stablecoin_test_helpers as h;

    /// A fresh object owned by `owner` (an account or another object).
    fun new_object(owner: address): address {
        object::address_from_constructor_ref(&object::create_object(owner))
    }

    /// A fresh secondary store of the coin, owned by `owner`.
    fun new_store(owner: address): Object<FungibleStore> {
        fungible_asset::create_store(&object::create_object(owner), stablecoin::metadata())
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

    fun primary_of(owner: address): Object<FungibleStore> {
        primary_fungible_store::primary_store(owner, stablecoin::metadata())
    }

    // The escape itself.

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::stablecoin)] // permission_denied(EHOLDER_NOT_APPROVED)
    fun escape_into_object_primary_store_refused(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let parking = new_object(h::alice());
        transfer(h::alice(), parking, 10);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::stablecoin)] // permission_denied(EHOLDER_NOT_APPROVED)
    fun escape_into_object_secondary_store_refused(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let parking = new_object(h::alice());
        let store = new_store(parking);
        deposit_from_primary(h::alice(), store, 10);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::stablecoin)] // permission_denied(EHOLDER_NOT_APPROVED)
    fun mint_into_object_refused(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let parking = new_object(h::alice());
        h::mint_to(parking, 10);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::stablecoin)] // permission_denied(EHOLDER_NOT_APPROVED)
    fun seize_into_object_refused(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        let parking = new_object(h::bob());
        stablecoin::seize(publisher, h::alice(), parking, 10, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    fun approved_object_accepts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let vault = new_object(h::alice());
        let store = new_store(vault);
        assert!(!stablecoin::is_approved_holder(vault), 1);
        stablecoin::approve_holder(publisher, vault);
        assert!(stablecoin::is_approved_holder(vault), 2);
        assert!(event::emitted_events<stablecoin::HolderApproved>().length() == 1, 3);
        transfer(h::alice(), vault, 10);
        deposit_from_primary(h::alice(), store, 5);
        assert!(stablecoin::balance(vault) == 10, 4);
        assert!(fungible_asset::balance(store) == 5, 5);
        // And it can send, through its owner.
        withdraw_to(h::alice(), store, h::bob(), 2);
        withdraw_to(h::alice(), primary_of(vault), h::bob(), 3);
        assert!(stablecoin::balance(h::bob()) == 5, 6);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::stablecoin)] // permission_denied(EDENYLISTED)
    fun approved_denylisted_object_cannot_receive(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let vault = new_object(h::alice());
        stablecoin::approve_holder(publisher, vault);
        stablecoin::denylist(&h::signer_of(h::denylister()), vault);
        transfer(h::alice(), vault, 10);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::stablecoin)] // permission_denied(EDENYLISTED)
    fun approved_denylisted_object_cannot_send(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let vault = new_object(h::alice());
        stablecoin::approve_holder(publisher, vault);
        transfer(h::alice(), vault, 10);
        stablecoin::denylist(&h::signer_of(h::denylister()), vault);
        withdraw_to(h::alice(), primary_of(vault), h::bob(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::stablecoin)] // permission_denied(EDENYLISTED)
    fun denylisted_owner_cannot_send_through_approved_object(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let vault = new_object(h::alice());
        stablecoin::approve_holder(publisher, vault);
        transfer(h::alice(), vault, 10);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        withdraw_to(h::alice(), primary_of(vault), h::bob(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::stablecoin)] // permission_denied(EDENYLISTED)
    fun approved_object_of_denylisted_owner_cannot_receive(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::bob(), 100);
        let vault = new_object(h::alice());
        stablecoin::approve_holder(publisher, vault);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        transfer(h::bob(), vault, 10);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::stablecoin)] // permission_denied(EDENYLISTED)
    fun nested_object_of_denylisted_account_cannot_send(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let outer = new_object(h::alice());
        let inner = new_object(outer);
        stablecoin::approve_holder(publisher, inner);
        transfer(h::alice(), inner, 10);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        withdraw_to(h::alice(), primary_of(inner), h::bob(), 1);
    }

    // Revocation: funds can leave, nothing new comes in.

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    fun revoked_object_can_be_withdrawn_from(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let vault = new_object(h::alice());
        let store = new_store(vault);
        stablecoin::approve_holder(publisher, vault);
        transfer(h::alice(), vault, 10);
        deposit_from_primary(h::alice(), store, 10);
        stablecoin::revoke_holder(publisher, vault);
        assert!(!stablecoin::is_approved_holder(vault), 1);
        assert!(event::emitted_events<stablecoin::HolderRevoked>().length() == 1, 2);
        withdraw_to(h::alice(), primary_of(vault), h::alice(), 10);
        withdraw_to(h::alice(), store, h::alice(), 10);
        assert!(stablecoin::balance(vault) == 0, 3);
        assert!(stablecoin::balance(h::alice()) == 100, 4);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x5000d, location = yenpay::stablecoin)] // permission_denied(EHOLDER_NOT_APPROVED)
    fun revoked_object_cannot_be_deposited_into(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let vault = new_object(h::alice());
        stablecoin::approve_holder(publisher, vault);
        transfer(h::alice(), vault, 10);
        stablecoin::revoke_holder(publisher, vault);
        transfer(h::alice(), vault, 1);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    fun seize_from_revoked_object_of_denylisted_owner(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let vault = new_object(h::alice());
        let store = new_store(vault);
        stablecoin::approve_holder(publisher, vault);
        transfer(h::alice(), vault, 30);
        deposit_from_primary(h::alice(), store, 20);
        stablecoin::revoke_holder(publisher, vault);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        stablecoin::seize(publisher, vault, h::bob(), 30, b"order-7");
        stablecoin::seize_from_store(publisher, object::object_address(&store), h::bob(), 20, b"order-7");
        assert!(stablecoin::balance(h::bob()) == 50, 1);
        assert!(stablecoin::balance(vault) == 0, 2);
        assert!(fungible_asset::balance(store) == 0, 3);
        assert!(event::emitted_events<stablecoin::Seized>().length() == 1, 4);
        assert!(event::emitted_events<stablecoin::StoreSeized>().length() == 1, 5);
    }

    // A secondary store owned directly by an account behaves like the primary store.

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    fun account_secondary_store_needs_no_approval(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let store = new_store(h::alice());
        deposit_from_primary(h::alice(), store, 40);
        withdraw_to(h::alice(), store, h::bob(), 15);
        assert!(fungible_asset::balance(store) == 25, 1);
        assert!(stablecoin::balance(h::bob()) == 15, 2);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::stablecoin)] // invalid_state(EPAUSED)
    fun account_secondary_store_paused_withdraw(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let store = new_store(h::alice());
        deposit_from_primary(h::alice(), store, 40);
        stablecoin::pause(&h::signer_of(h::pauser()));
        dispatchable_fungible_asset::transfer(&h::signer_of(h::alice()), store, primary_of(h::alice()), 1);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::stablecoin)] // invalid_state(EPAUSED)
    fun account_secondary_store_paused_deposit(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let store = new_store(h::alice());
        let fa = primary_fungible_store::withdraw(&h::signer_of(h::alice()), stablecoin::metadata(), 1);
        stablecoin::pause(&h::signer_of(h::pauser()));
        dispatchable_fungible_asset::deposit(store, fa);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::stablecoin)] // permission_denied(EDENYLISTED)
    fun account_secondary_store_denylisted_withdraw(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let store = new_store(h::alice());
        deposit_from_primary(h::alice(), store, 40);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        withdraw_to(h::alice(), store, h::bob(), 1);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::stablecoin)] // permission_denied(EDENYLISTED)
    fun account_secondary_store_denylisted_deposit(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::bob(), 100);
        let store = new_store(h::alice());
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        deposit_from_primary(h::bob(), store, 1);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x2000a, location = yenpay::stablecoin)] // out_of_range(EAMOUNT_EXCEEDS_CAP)
    fun account_secondary_store_capped_withdraw(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 2_000_000);
        let store = new_store(h::alice());
        deposit_from_primary(h::alice(), store, 1_000_000);
        deposit_from_primary(h::alice(), store, 1_000_000);
        dispatchable_fungible_asset::transfer(&h::signer_of(h::alice()), store, primary_of(h::alice()), 1_000_001);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x2000a, location = yenpay::stablecoin)] // out_of_range(EAMOUNT_EXCEEDS_CAP)
    fun account_secondary_store_capped_deposit(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let store = new_store(h::alice());
        // Minted value is not capped, but depositing it is a transfer into the store.
        let fa = stablecoin::mint_fa(&h::signer_of(h::minter()), 1_000_001);
        dispatchable_fungible_asset::deposit(store, fa);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    fun seize_from_account_secondary_store(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let store = new_store(h::alice());
        deposit_from_primary(h::alice(), store, 40);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        stablecoin::seize_from_store(publisher, object::object_address(&store), h::bob(), 40, b"order-9");
        assert!(fungible_asset::balance(store) == 0, 1);
        assert!(stablecoin::balance(h::bob()) == 40, 2);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x30013, location = yenpay::stablecoin)] // invalid_state(ESEIZURE_NOT_DENYLISTED)
    fun seize_from_clean_secondary_store_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        h::mint_to(h::alice(), 100);
        let store = new_store(h::alice());
        deposit_from_primary(h::alice(), store, 40);
        stablecoin::seize_from_store(publisher, object::object_address(&store), h::bob(), 1, b"order");
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x1001f, location = yenpay::stablecoin)] // invalid_argument(ENOT_YJPY_STORE)
    fun seize_from_non_store_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::denylist(&h::signer_of(h::denylister()), h::alice());
        stablecoin::seize_from_store(publisher, h::alice(), h::bob(), 1, b"order");
    }

    // Approve and revoke.

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x1000e, location = yenpay::stablecoin)] // invalid_argument(ENOT_OBJECT)
    fun approve_account_address_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        stablecoin::approve_holder(publisher, h::alice());
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x8000f, location = yenpay::stablecoin)] // already_exists(EALREADY_APPROVED_HOLDER)
    fun approve_twice_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let vault = new_object(h::alice());
        stablecoin::approve_holder(publisher, vault);
        stablecoin::approve_holder(publisher, vault);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x60010, location = yenpay::stablecoin)] // not_found(ENOT_APPROVED_HOLDER)
    fun revoke_unapproved_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let vault = new_object(h::alice());
        stablecoin::revoke_holder(publisher, vault);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    fun package_holder_receives_fees(framework: &signer, publisher: &signer) {
        // What merchant_registry does for its fee treasury: a named object under @yenpay, approved
        // at init through the package function, then paid through the dispatchable path.
        h::setup_roles(framework, publisher);
        let treasury = object::address_from_constructor_ref(&object::create_named_object(publisher, b"TEST_TREASURY"));
        stablecoin::approve_package_holder(treasury);
        assert!(stablecoin::is_approved_holder(treasury), 1);
        h::mint_to(h::alice(), 100);
        let fee = primary_fungible_store::withdraw(&h::signer_of(h::alice()), stablecoin::metadata(), 3);
        primary_fungible_store::deposit(treasury, fee);
        transfer(h::alice(), treasury, 2);
        assert!(stablecoin::balance(treasury) == 5, 2);
        assert!(event::emitted_events<stablecoin::HolderApproved>().length() == 1, 3);
    }

    // Only the admin approves and revokes: every other role aborts (permission_denied = 0x5).

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun approve_holder_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let obj = object::address_from_constructor_ref(&object::create_object(h::alice()));
        let s = h::signer_of(h::master());
        stablecoin::approve_holder(&s, obj);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun approve_holder_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let obj = object::address_from_constructor_ref(&object::create_object(h::alice()));
        let s = h::signer_of(h::pauser());
        stablecoin::approve_holder(&s, obj);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun approve_holder_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let obj = object::address_from_constructor_ref(&object::create_object(h::alice()));
        let s = h::signer_of(h::denylister());
        stablecoin::approve_holder(&s, obj);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun approve_holder_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let obj = object::address_from_constructor_ref(&object::create_object(h::alice()));
        let s = h::signer_of(h::minter());
        stablecoin::approve_holder(&s, obj);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun approve_holder_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let obj = object::address_from_constructor_ref(&object::create_object(h::alice()));
        let s = h::signer_of(h::stranger());
        stablecoin::approve_holder(&s, obj);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun revoke_holder_rejects_master_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let obj = object::address_from_constructor_ref(&object::create_object(h::alice()));
        stablecoin::approve_holder(publisher, obj);
        let s = h::signer_of(h::master());
        stablecoin::revoke_holder(&s, obj);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun revoke_holder_rejects_pauser(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let obj = object::address_from_constructor_ref(&object::create_object(h::alice()));
        stablecoin::approve_holder(publisher, obj);
        let s = h::signer_of(h::pauser());
        stablecoin::revoke_holder(&s, obj);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun revoke_holder_rejects_denylister(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let obj = object::address_from_constructor_ref(&object::create_object(h::alice()));
        stablecoin::approve_holder(publisher, obj);
        let s = h::signer_of(h::denylister());
        stablecoin::revoke_holder(&s, obj);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun revoke_holder_rejects_minter(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let obj = object::address_from_constructor_ref(&object::create_object(h::alice()));
        stablecoin::approve_holder(publisher, obj);
        let s = h::signer_of(h::minter());
        stablecoin::revoke_holder(&s, obj);
    }

    #[test(framework = @aptos_framework, publisher = @yenpay)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::stablecoin)] // permission_denied(ENOT_ADMIN)
    fun revoke_holder_rejects_stranger(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let obj = object::address_from_constructor_ref(&object::create_object(h::alice()));
        stablecoin::approve_holder(publisher, obj);
        let s = h::signer_of(h::stranger());
        stablecoin::revoke_holder(&s, obj);
    }
}
