/// The yenpay yen stablecoin (YJPY): a fungible asset for Japanese QR-code payments.
///
/// One unit is one yen (decimals 0; ISO 4217 gives JPY no minor unit). The asset is a
/// fungible asset with primary stores, created on the object named `ASSET_SEED` under
/// `@yenpay`. Its controls (`yenpay::controls`: pause, denylist, per-transfer cap, approved stores) are enforced on
/// every path that moves it, including a plain `primary_fungible_store::transfer` from any wallet, by the withdraw
/// and deposit hooks registered here with `dispatchable_fungible_asset`, which run the controls' checks. Stores are
/// untransferable, so a denylisted owner cannot hand its store to someone else.
///
/// This module keeps the asset's capabilities (`Refs`) and is the only code that uses them: to mint and burn for
/// `yenpay::issuance` (`package` functions), to seize funds from denylisted holders under a legal order, to move
/// funds on the strength of a holder's signature, and to change the metadata URIs. The admin of `yenpay::controls`
/// signs seizures and metadata changes.
///
/// The VM refuses to dispatch into a module that already has a function on the call stack,
/// so code in this module never moves the asset through `primary_fungible_store` or
/// `dispatchable_fungible_asset`: it runs the hooks' checks itself and moves funds with
/// its `TransferRef`.
///
/// Transfers on the strength of a holder's signature (`transfer_with_authorization`) are checked by
/// `yenpay::authorization`, which hands back a `SignedWithdrawal`; this module alone redeems it
/// (`withdraw_authorized`) and moves the funds under the same checks as any transfer.
module yenpay::stablecoin {
    use std::error;
    use std::option;
    use std::signer;
    use std::string::{String, utf8};
    use aptos_framework::dispatchable_fungible_asset;
    use aptos_framework::event;
    use aptos_framework::function_info;
    use aptos_framework::fungible_asset::{
        Self, BurnRef, FungibleAsset, FungibleStore, Metadata, MintRef, MutateMetadataRef, TransferRef
    };
    use aptos_framework::object::{Self, Object};
    use aptos_framework::primary_fungible_store;
    use yenpay::authorization::{Self, SignedWithdrawal};
    use yenpay::controls;

    //
    // Errors
    //
    // Integrators see these names: the Rust client maps codes to them. The codes of signed authorizations
    // (24 to 30) moved with their checks to `yenpay::authorization`, those of roles, pause, denylist, cap and stores
    // to `yenpay::controls`, and those of minting to `yenpay::issuance`; each kept its number there.

    /// The amount must be greater than zero.
    const EZERO_AMOUNT: u64 = 12;
    /// Seizure is only allowed from a denylisted holder's store, or from a store that may no longer hold the coin.
    const ESEIZURE_NOT_DENYLISTED: u64 = 19;
    /// The legal order reference must be 1 to 64 bytes.
    const EINVALID_LEGAL_ORDER: u64 = 20;
    /// The address is not a store of this asset.
    const ENOT_YJPY_STORE: u64 = 31;

    //
    // Constants
    //

    /// Seed of the metadata object under `@yenpay`.
    const ASSET_SEED: vector<u8> = b"YJPY";
    /// Asset name.
    const ASSET_NAME: vector<u8> = b"Yenpay Yen";
    /// Asset symbol.
    const ASSET_SYMBOL: vector<u8> = b"YJPY";
    /// One unit is one yen.
    const ASSET_DECIMALS: u8 = 0;
    /// Icon shown by wallets at publish; the admin changes it with `set_metadata_uris`.
    const ICON_URI: vector<u8> = b"https://yenpay.example/yjpy.svg";
    /// Project page shown by wallets at publish; the admin changes it with `set_metadata_uris`.
    const PROJECT_URI: vector<u8> = b"https://yenpay.example";
    /// Maximum length of a legal order reference.
    const MAX_LEGAL_ORDER_LENGTH: u64 = 64;

    //
    // State
    //

    #[resource_group_member(group = aptos_framework::object::ObjectGroup)]
    /// Capabilities over the asset, kept on its metadata object.
    struct Refs has key {
        mint_ref: MintRef,
        burn_ref: BurnRef,
        transfer_ref: TransferRef,
        mutate_metadata_ref: MutateMetadataRef,
    }

    //
    // Events
    //

    #[event]
    /// Funds were seized from the primary store of `from` under a legal order.
    struct Seized has drop, store { from: address, to: address, amount: u64, legal_order: vector<u8> }

    #[event]
    /// Funds were seized from a (possibly secondary) store owned by `owner`.
    struct StoreSeized has drop, store {
        store: address,
        owner: address,
        to: address,
        amount: u64,
        legal_order: vector<u8>,
    }

    #[event]
    /// The admin changed the icon and project URIs that wallets show.
    struct MetadataUpdated has drop, store { icon_uri: String, project_uri: String }

    /// Creates the asset, registers the hooks and creates its controls (`controls::init_controls`). Runs after
    /// `yenpay::controls` and `yenpay::authorization`, before `yenpay::issuance`.
    fun init_module(publisher: &signer) {
        let constructor_ref = &object::create_named_object(publisher, ASSET_SEED);
        primary_fungible_store::create_primary_store_enabled_fungible_asset(
            constructor_ref,
            option::none(),
            utf8(ASSET_NAME),
            utf8(ASSET_SYMBOL),
            ASSET_DECIMALS,
            utf8(ICON_URI),
            utf8(PROJECT_URI),
        );
        fungible_asset::set_untransferable(constructor_ref);
        let withdraw = function_info::new_function_info(publisher, utf8(b"stablecoin"), utf8(b"withdraw"));
        let deposit = function_info::new_function_info(publisher, utf8(b"stablecoin"), utf8(b"deposit"));
        dispatchable_fungible_asset::register_dispatch_functions(
            constructor_ref, option::some(withdraw), option::some(deposit), option::none()
        );
        move_to(&object::generate_signer(constructor_ref), Refs {
            mint_ref: fungible_asset::generate_mint_ref(constructor_ref),
            burn_ref: fungible_asset::generate_burn_ref(constructor_ref),
            transfer_ref: fungible_asset::generate_transfer_ref(constructor_ref),
            mutate_metadata_ref: fungible_asset::generate_mutate_metadata_ref(constructor_ref),
        });
        controls::init_controls(publisher, object::address_from_constructor_ref(constructor_ref));
    }

    //
    // Dispatch hooks
    //
    // The framework calls these for every withdraw and deposit of the asset through
    // `dispatchable_fungible_asset` (and so `primary_fungible_store`).

    /// Withdraw hook: the asset is not paused, the amount is within the cap, the store is an
    /// account's primary store or an approved store, and no owner up its chain is denylisted
    /// (`controls::assert_can_transfer`).
    public fun withdraw<T: key>(
        store: Object<T>, amount: u64, transfer_ref: &TransferRef
    ): FungibleAsset {
        controls::assert_can_transfer(store.object_address(), store.owner(), amount);
        fungible_asset::withdraw_with_ref(transfer_ref, store, amount)
    }

    /// Deposit hook: the same checks as the withdraw hook, for the receiving store.
    public fun deposit<T: key>(
        store: Object<T>, fa: FungibleAsset, transfer_ref: &TransferRef
    ) {
        controls::assert_can_transfer(store.object_address(), store.owner(), fa.amount());
        fungible_asset::deposit_with_ref(transfer_ref, store, fa);
    }

    //
    // Admin
    //

    /// Sets the icon and project URIs that wallets show (at most 512 bytes each, as the framework
    /// checks).
    public entry fun set_metadata_uris(admin: &signer, icon_uri: String, project_uri: String) acquires Refs {
        controls::assert_admin(admin);
        fungible_asset::mutate_metadata(
            &borrow_refs().mutate_metadata_ref,
            option::none(),
            option::none(),
            option::none(),
            option::some(icon_uri),
            option::some(project_uri),
        );
        event::emit(MetadataUpdated { icon_uri, project_uri });
    }

    /// Moves `amount` from the primary store of `from` to the primary store of `to` under a legal
    /// order. `from` must be denylisted, or owned (directly or through objects) by a denylisted
    /// address.
    public entry fun seize(
        admin: &signer, from: address, to: address, amount: u64, legal_order: vector<u8>
    ) acquires Refs {
        controls::assert_admin(admin);
        let store = primary_fungible_store::primary_store(from, metadata());
        seize_store(store, from, to, amount, legal_order);
        event::emit(Seized { from, to, amount, legal_order });
    }

    /// Like `seize`, for any store of the asset, named by its address: one whose owner is, or is
    /// owned by, a denylisted address, or one that may no longer hold the coin (an approval the
    /// admin revoked, an owner object deleted, an owner chain too long to check), whose funds are
    /// otherwise frozen.
    public entry fun seize_from_store(
        admin: &signer, store: address, to: address, amount: u64, legal_order: vector<u8>
    ) acquires Refs {
        controls::assert_admin(admin);
        assert!(
            fungible_asset::store_exists(store)
                && fungible_asset::store_metadata(object::address_to_object<FungibleStore>(store)) == metadata(),
            error::invalid_argument(ENOT_YJPY_STORE)
        );
        let store_object = object::address_to_object<FungibleStore>(store);
        let owner = object::owner(store_object);
        seize_store(store_object, owner, to, amount, legal_order);
        event::emit(StoreSeized { store, owner, to, amount, legal_order });
    }

    //
    // Transfer with authorization
    //

    /// Moves `amount` from `from` to `to` on the strength of `from`'s signed `TransferAuthorization`
    /// (see `yenpay::authorization`). Anyone may submit it. The same checks as a plain transfer apply
    /// to both parties.
    public entry fun transfer_with_authorization(
        submitter: &signer,
        from: address,
        to: address,
        amount: u64,
        valid_after: u64,
        valid_before: u64,
        nonce: u64,
        public_key: vector<u8>,
        signature: vector<u8>,
    ) acquires Refs {
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        let withdrawal = authorization::use_transfer_authorization(
            metadata_address(), from, to, amount, valid_after, valid_before, nonce, public_key, signature,
            signer::address_of(submitter),
        );
        let fa = withdraw_authorized(withdrawal);
        let to_store = primary_fungible_store::ensure_primary_store_exists(to, metadata());
        controls::assert_can_transfer(to_store.object_address(), to, amount);
        fungible_asset::deposit_with_ref(&borrow_refs().transfer_ref, to_store, fa);
    }

    //
    // Package functions
    //

    /// Carries out a withdrawal that `yenpay::authorization` checked: takes the amount out of the
    /// signer's primary store under the withdraw hook's checks. The invoice module deposits the funds
    /// through the dispatchable path, so the deposit hook checks whoever receives them.
    package fun withdraw_authorized(withdrawal: SignedWithdrawal): FungibleAsset acquires Refs {
        let (from, amount) = withdrawal.redeem();
        let store = primary_fungible_store::primary_store(from, metadata());
        controls::assert_can_transfer(store.object_address(), from, amount);
        fungible_asset::withdraw_with_ref(&borrow_refs().transfer_ref, store, amount)
    }

    /// Mints `amount` into the primary store of `to` (created if need be) under the checks of a holder (pause, store
    /// rule, denylist; not the cap: minting is not a transfer). For `yenpay::issuance`, which checks the minter.
    package fun mint_to(to: address, amount: u64) acquires Refs {
        let refs = borrow_refs();
        let fa = fungible_asset::mint(&refs.mint_ref, amount);
        let store = primary_fungible_store::ensure_primary_store_exists(to, metadata());
        controls::assert_can_hold(store.object_address(), to);
        fungible_asset::deposit_with_ref(&refs.transfer_ref, store, fa);
    }

    /// Mints `amount` and hands it over, for `yenpay::issuance`, which checks the minter; whoever deposits it goes
    /// through the hooks.
    package fun mint_asset(amount: u64): FungibleAsset acquires Refs {
        fungible_asset::mint(&borrow_refs().mint_ref, amount)
    }

    /// Burns `amount` from the primary store of `owner`, for `yenpay::issuance`, which checks the minter.
    package fun burn_from(owner: address, amount: u64) acquires Refs {
        let store = primary_fungible_store::primary_store(owner, metadata());
        fungible_asset::burn_from(&borrow_refs().burn_ref, store, amount);
    }

    /// Burns `fa`, for `yenpay::issuance`, which checks the minter.
    package fun burn_asset(fa: FungibleAsset) acquires Refs {
        fungible_asset::burn(&borrow_refs().burn_ref, fa);
    }

    //
    // Views
    //

    #[view]
    /// The asset's metadata object.
    public fun metadata(): Object<Metadata> {
        object::address_to_object<Metadata>(metadata_address())
    }

    #[view]
    /// The address of the asset's metadata object.
    public fun metadata_address(): address {
        object::create_object_address(&@yenpay, ASSET_SEED)
    }

    #[view]
    /// Balance of `owner`'s primary store.
    public fun balance(owner: address): u64 {
        primary_fungible_store::balance(owner, metadata())
    }

    #[view]
    /// Coins in existence.
    public fun total_supply(): u128 {
        fungible_asset::supply(metadata()).destroy_some()
    }

    #[view]
    /// The address of `owner`'s primary store of the coin, whether or not it exists yet.
    public fun primary_store_address(owner: address): address {
        object::create_user_derived_object_address(owner, metadata_address())
    }

    //
    // Internals
    //

    inline fun borrow_refs(): &Refs {
        &Refs[metadata_address()]
    }

    fun seize_store(
        store: Object<FungibleStore>, owner: address, to: address, amount: u64, legal_order: vector<u8>
    ) acquires Refs {
        let order_length = legal_order.length();
        assert!(
            order_length > 0 && order_length <= MAX_LEGAL_ORDER_LENGTH,
            error::invalid_argument(EINVALID_LEGAL_ORDER)
        );
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        controls::assert_not_paused();
        assert!(
            !controls::holder_allowed(store.object_address(), owner),
            error::invalid_state(ESEIZURE_NOT_DENYLISTED)
        );
        let to_store = primary_fungible_store::ensure_primary_store_exists(to, metadata());
        controls::assert_can_hold(to_store.object_address(), to);
        let transfer_ref = &borrow_refs().transfer_ref;
        let fa = fungible_asset::withdraw_with_ref(transfer_ref, store, amount);
        fungible_asset::deposit_with_ref(transfer_ref, to_store, fa);
    }

    //
    // Tests
    //

    #[test_only]
    /// Runs `init_module` in tests of this and the other yenpay modules.
    public fun init_for_test(publisher: &signer) {
        init_module(publisher);
    }
}
