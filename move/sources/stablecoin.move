/// The yenpay yen stablecoin (YJPY): a fungible asset for Japanese QR-code payments.
///
/// One unit is one yen (decimals 0; ISO 4217 gives JPY no minor unit). The asset is a
/// fungible asset with primary stores, created on the object named `ASSET_SEED` under
/// `@yenpay`. Its controls are enforced on every path that moves it, including a plain
/// `primary_fungible_store::transfer` from any wallet, by withdraw and deposit hooks
/// registered with `dispatchable_fungible_asset`:
/// - pause stops every transfer, mint, burn and seizure;
/// - a denylisted address can neither send nor receive;
/// - a single transfer is capped (`transfer_cap`, 0 = none; initially 1,000,000 yen, the
///   Japanese legal cap for a fund-transfer-type stablecoin); mint, burn and seizure are
///   not transfers and are not capped;
/// - the coin is held only in an account's primary store or in a store the admin approved
///   (by the store's address): the hooks refuse every other store, for deposits and for
///   withdrawals. The framework lets a store's own signer withdraw from it, and the hooks see
///   only the store, never who signs, so a secondary store whose `ExtendRef` someone keeps
///   could be spent by that someone while its nominal owner is clean; an account's primary
///   store can be spent by that account alone. With this rule the denylist check on a store's
///   owner (and, for an approved store, every owner above it) is complete.
/// - a store the admin ever approved stays under the approval list for good: revoked, it neither
///   sends nor receives whatever becomes of its owner; approved, its owner must still be the
///   object (or account) it was, so deleting an owner object (whose `ExtendRef` still yields its
///   signer) never turns its store into an "account's primary store" again.
/// - the walk up a store's owners stops after `MAX_OWNER_DEPTH` objects (the framework's own
///   nesting limit): a longer or cyclic chain is refused, and its store may be seized.
///
/// Stores are untransferable, so a denylisted owner cannot hand its store to someone else.
///
/// The VM refuses to dispatch into a module that already has a function on the call stack,
/// so code in this module never moves the asset through `primary_fungible_store` or
/// `dispatchable_fungible_asset`: it runs the hooks' checks itself and moves funds with
/// its `TransferRef`.
///
/// Roles: `admin` (two-step transfer; sets the other roles, the cap, approved stores and the
/// metadata URIs, may seize funds from denylisted holders under a legal order, and alone may
/// upgrade the package through `yenpay::upgrade`), `master_minter` (configures minters and
/// their allowances), minters, `pauser` and `denylister`. At publish every role goes to the
/// `deployer` account that created the package's resource account.
///
/// Transfers on the strength of a holder's signature (`transfer_with_authorization`) are checked by
/// `yenpay::authorization`, which hands back a `SignedWithdrawal`; this module alone redeems it
/// (`withdraw_authorized`) and moves the funds under the same checks as any transfer.
module yenpay::stablecoin {
    use std::error;
    use std::option::{Self, Option};
    use std::signer;
    use std::string::{String, utf8};
    use aptos_std::table::{Self, Table};
    use aptos_framework::dispatchable_fungible_asset;
    use aptos_framework::event;
    use aptos_framework::function_info;
    use aptos_framework::fungible_asset::{
        Self, BurnRef, FungibleAsset, FungibleStore, Metadata, MintRef, MutateMetadataRef, TransferRef
    };
    use aptos_framework::object::{Self, Object, ObjectCore};
    use aptos_framework::primary_fungible_store;
    use yenpay::authorization::{Self, SignedWithdrawal};
    use yenpay::role::{Self, TwoStepRole};

    //
    // Errors
    //
    // Integrators see these names: the Rust client maps codes to them. The codes of signed authorizations
    // (24 to 30) moved with their checks to `yenpay::authorization` and keep their numbers there.

    /// The signer is not the admin.
    const ENOT_ADMIN: u64 = 1;
    /// The signer is not the proposed admin (or no admin change is proposed).
    const ENOT_PENDING_ADMIN: u64 = 2;
    /// There is no admin proposal to cancel.
    const ENO_PENDING_ADMIN: u64 = 3;
    /// The signer is not the master minter.
    const ENOT_MASTER_MINTER: u64 = 4;
    /// The signer is not a minter.
    const ENOT_MINTER: u64 = 5;
    /// The signer is not the pauser.
    const ENOT_PAUSER: u64 = 6;
    /// The signer is not the denylister.
    const ENOT_DENYLISTER: u64 = 7;
    /// The asset is paused: no transfer, mint, burn or seizure.
    const EPAUSED: u64 = 8;
    /// The sender, the receiver or an owner above them is denylisted.
    const EDENYLISTED: u64 = 9;
    /// The amount exceeds the per-transfer cap.
    const EAMOUNT_EXCEEDS_CAP: u64 = 10;
    /// The amount exceeds the minter's allowance.
    const EALLOWANCE_EXCEEDED: u64 = 11;
    /// The amount must be greater than zero.
    const EZERO_AMOUNT: u64 = 12;
    /// The store is neither an account's primary store nor a store the admin approved.
    const ESTORE_NOT_APPROVED: u64 = 13;
    /// The store is already approved.
    const EALREADY_APPROVED_STORE: u64 = 15;
    /// The store is not approved.
    const ENOT_APPROVED_STORE: u64 = 16;
    /// The account is not denylisted.
    const ENOT_DENYLISTED: u64 = 18;
    /// Seizure is only allowed from a denylisted holder's store, or from a store that may no longer hold the coin.
    const ESEIZURE_NOT_DENYLISTED: u64 = 19;
    /// The legal order reference must be 1 to 64 bytes.
    const EINVALID_LEGAL_ORDER: u64 = 20;
    /// The asset is already paused.
    const EALREADY_PAUSED: u64 = 21;
    /// The asset is not paused.
    const ENOT_PAUSED: u64 = 22;
    /// The address is not a minter.
    const EMINTER_NOT_FOUND: u64 = 23;
    /// The address is not a store of this asset.
    const ENOT_YJPY_STORE: u64 = 31;
    /// The approved store's owner object no longer exists (its creator deleted it): the store can neither send nor
    /// receive, and the admin may seize what it holds.
    const ESTORE_OWNER_GONE: u64 = 32;
    /// The chain of objects owning the store is longer than `MAX_OWNER_DEPTH` or loops: it cannot be checked, so the
    /// store can neither send nor receive, and the admin may seize what it holds.
    const EOWNER_CHAIN_TOO_LONG: u64 = 33;

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
    /// Initial per-transfer cap: the legal cap of a fund-transfer-type stablecoin, in yen.
    const INITIAL_TRANSFER_CAP: u64 = 1_000_000;
    /// Maximum length of a legal order reference.
    const MAX_LEGAL_ORDER_LENGTH: u64 = 64;
    /// Most objects the checks walk through above a store: the framework's `MAXIMUM_OBJECT_NESTING`, so that no
    /// chain the framework itself would let own a store goes unchecked, and no cycle runs out of gas.
    const MAX_OWNER_DEPTH: u64 = 8;

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

    /// Role holders, at `@yenpay`. The admin changes hands in two steps (`yenpay::role`).
    struct Roles has key {
        admin: TwoStepRole,
        master_minter: address,
        pauser: address,
        denylister: address,
    }

    /// What every hook reads, at `@yenpay`. Written only by the admin, pauser and denylister,
    /// so transfers never conflict with each other on it.
    struct Controls has key {
        paused: bool,
        transfer_cap: u64,
        denylist: Table<address, bool>,
        /// Every store the admin ever approved, by store address, with what it decided last. A store found here is
        /// governed by this entry alone, never by the account rule.
        approved_stores: Table<address, StoreApproval>,
        /// The metadata object's address, kept here so the hooks derive primary store addresses without
        /// hashing it again.
        metadata: address,
    }

    /// The admin's decision about a store other than an account's primary store.
    enum StoreApproval has copy, drop, store {
        /// The store may hold the coin. `account_owned`: the store existed when approved and an account, not an
        /// object, owned it. Otherwise its owner must be an object that still exists: a store whose owner object was
        /// deleted is refused, since its creator may still hold the object's signer.
        Approved { account_owned: bool },
        /// The approval was taken back: the store can neither send nor receive, whatever becomes of its owner.
        Revoked,
    }

    /// Minters and their remaining allowances, at `@yenpay`.
    struct Minters has key {
        allowances: Table<address, u64>,
    }

    //
    // Events
    //

    #[event]
    /// Coins were minted. For `mint_fa`, `to` is the minter, which receives the value.
    struct Minted has drop, store { minter: address, to: address, amount: u64 }

    #[event]
    /// A minter burned coins.
    struct Burned has drop, store { minter: address, amount: u64 }

    #[event]
    /// The asset was paused.
    struct Paused has drop, store { pauser: address }

    #[event]
    /// The asset was unpaused.
    struct Unpaused has drop, store { pauser: address }

    #[event]
    /// An address was denylisted.
    struct Denylisted has drop, store { account: address }

    #[event]
    /// An address was removed from the denylist.
    struct Undenylisted has drop, store { account: address }

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
    /// The admin proposed a new admin.
    struct AdminProposed has drop, store { admin: address, proposed: address }

    #[event]
    /// The admin withdrew its proposal.
    struct AdminProposalCancelled has drop, store { admin: address, proposed: address }

    #[event]
    /// The proposed admin accepted.
    struct AdminChanged has drop, store { old_admin: address, new_admin: address }

    #[event]
    /// The master minter changed.
    struct MasterMinterChanged has drop, store { old: address, new: address }

    #[event]
    /// The pauser changed.
    struct PauserChanged has drop, store { old: address, new: address }

    #[event]
    /// The denylister changed.
    struct DenylisterChanged has drop, store { old: address, new: address }

    #[event]
    /// A minter was added or its allowance set.
    struct MinterConfigured has drop, store { minter: address, allowance: u64 }

    #[event]
    /// A minter was removed.
    struct MinterRemoved has drop, store { minter: address }

    #[event]
    /// The per-transfer cap changed (0 = none).
    struct TransferCapChanged has drop, store { old_cap: u64, new_cap: u64 }

    #[event]
    /// The admin approved a store (other than an account's primary store) to hold the coin.
    struct StoreApproved has drop, store { store: address }

    #[event]
    /// The admin revoked a store's approval: it can no longer send or receive the coin.
    struct StoreRevoked has drop, store { store: address }

    #[event]
    /// The admin changed the icon and project URIs that wallets show.
    struct MetadataUpdated has drop, store { icon_uri: String, project_uri: String }

    /// Creates the asset, registers the hooks and gives every role to the deployer (the account
    /// that created the package's resource account; in `--dev` builds, the package address).
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

        move_to(publisher, Roles {
            admin: role::new(@deployer),
            master_minter: @deployer,
            pauser: @deployer,
            denylister: @deployer,
        });
        move_to(publisher, Controls {
            paused: false,
            transfer_cap: INITIAL_TRANSFER_CAP,
            denylist: table::new(),
            approved_stores: table::new(),
            metadata: object::address_from_constructor_ref(constructor_ref),
        });
        move_to(publisher, Minters { allowances: table::new() });
    }

    //
    // Dispatch hooks
    //
    // The framework calls these for every withdraw and deposit of the asset through
    // `dispatchable_fungible_asset` (and so `primary_fungible_store`).

    /// Withdraw hook: the asset is not paused, the amount is within the cap, the store is an
    /// account's primary store or an approved store, and no owner up its chain is denylisted.
    public fun withdraw<T: key>(
        store: Object<T>, amount: u64, transfer_ref: &TransferRef
    ): FungibleAsset acquires Controls {
        assert_can_transfer(store.object_address(), store.owner(), amount);
        fungible_asset::withdraw_with_ref(transfer_ref, store, amount)
    }

    /// Deposit hook: the same checks as the withdraw hook, for the receiving store.
    public fun deposit<T: key>(
        store: Object<T>, fa: FungibleAsset, transfer_ref: &TransferRef
    ) acquires Controls {
        assert_can_transfer(store.object_address(), store.owner(), fa.amount());
        fungible_asset::deposit_with_ref(transfer_ref, store, fa);
    }

    //
    // Admin
    //

    /// Proposes `new_admin`; replaces any earlier proposal. Takes effect when accepted.
    public entry fun propose_admin(admin: &signer, new_admin: address) acquires Roles {
        let roles = admin_roles_mut(admin);
        roles.admin.propose(new_admin);
        event::emit(AdminProposed { admin: roles.admin.holder(), proposed: new_admin });
    }

    /// Withdraws the pending admin proposal.
    public entry fun cancel_admin_proposal(admin: &signer) acquires Roles {
        let roles = admin_roles_mut(admin);
        let proposed = roles.admin.cancel();
        assert!(proposed.is_some(), error::invalid_state(ENO_PENDING_ADMIN));
        event::emit(AdminProposalCancelled { admin: roles.admin.holder(), proposed: proposed.destroy_some() });
    }

    /// The proposed admin takes over.
    public entry fun accept_admin(new_admin: &signer) acquires Roles {
        let new_admin = signer::address_of(new_admin);
        let old_admin = Roles[@yenpay].admin.accept(new_admin);
        assert!(old_admin.is_some(), error::permission_denied(ENOT_PENDING_ADMIN));
        event::emit(AdminChanged { old_admin: old_admin.destroy_some(), new_admin });
    }

    /// Sets the master minter.
    public entry fun set_master_minter(admin: &signer, new_master_minter: address) acquires Roles {
        let roles = admin_roles_mut(admin);
        let old = roles.master_minter;
        roles.master_minter = new_master_minter;
        event::emit(MasterMinterChanged { old, new: new_master_minter });
    }

    /// Sets the pauser.
    public entry fun set_pauser(admin: &signer, new_pauser: address) acquires Roles {
        let roles = admin_roles_mut(admin);
        let old = roles.pauser;
        roles.pauser = new_pauser;
        event::emit(PauserChanged { old, new: new_pauser });
    }

    /// Sets the denylister.
    public entry fun set_denylister(admin: &signer, new_denylister: address) acquires Roles {
        let roles = admin_roles_mut(admin);
        let old = roles.denylister;
        roles.denylister = new_denylister;
        event::emit(DenylisterChanged { old, new: new_denylister });
    }

    /// Sets the per-transfer cap; 0 means none.
    public entry fun set_transfer_cap(admin: &signer, cap: u64) acquires Roles, Controls {
        assert_admin(admin);
        let controls = &mut Controls[@yenpay];
        let old_cap = controls.transfer_cap;
        controls.transfer_cap = cap;
        event::emit(TransferCapChanged { old_cap, new_cap: cap });
    }

    /// Lets the store at `store` hold the coin: an existing store of the asset, or an address where
    /// none exists yet (for example `primary_store_address(object)` before the object's first
    /// deposit). Approve only stores whose every way of spending the issuer trusts: the hooks refuse a
    /// denylisted owner anywhere up the chain, but they cannot see who holds the store's
    /// `ExtendRef` or an owner object's, and object ownership moves outside the hooks. A store approved before it
    /// exists must come to be owned by an object (an account's store needs no approval); a revoked store may be
    /// approved again.
    public entry fun approve_store(admin: &signer, store: address) acquires Roles, Controls {
        assert_admin(admin);
        approve(store);
    }

    /// Takes a store's approval back: it can then neither send nor receive, whatever becomes of its owner, and the
    /// admin may seize what it holds (`seize_from_store`).
    public entry fun revoke_store(admin: &signer, store: address) acquires Roles, Controls {
        assert_admin(admin);
        let approved = &mut Controls[@yenpay].approved_stores;
        assert!(
            approved.contains(store) && (approved.borrow(store) is StoreApproval::Approved),
            error::not_found(ENOT_APPROVED_STORE)
        );
        *approved.borrow_mut(store) = StoreApproval::Revoked;
        event::emit(StoreRevoked { store });
    }

    /// Sets the icon and project URIs that wallets show (at most 512 bytes each, as the framework
    /// checks).
    public entry fun set_metadata_uris(admin: &signer, icon_uri: String, project_uri: String) acquires Roles, Refs {
        assert_admin(admin);
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
    ) acquires Roles, Controls, Refs {
        assert_admin(admin);
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
    ) acquires Roles, Controls, Refs {
        assert_admin(admin);
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
    // Master minter
    //

    /// Adds `minter` or sets its allowance.
    public entry fun configure_minter(master_minter: &signer, minter: address, allowance: u64) acquires Roles, Minters {
        assert_master_minter(master_minter);
        Minters[@yenpay].allowances.upsert(minter, allowance);
        event::emit(MinterConfigured { minter, allowance });
    }

    /// Removes `minter`.
    public entry fun remove_minter(master_minter: &signer, minter: address) acquires Roles, Minters {
        assert_master_minter(master_minter);
        let allowances = &mut Minters[@yenpay].allowances;
        assert!(allowances.contains(minter), error::not_found(EMINTER_NOT_FOUND));
        allowances.remove(minter);
        event::emit(MinterRemoved { minter });
    }

    //
    // Minters
    //

    /// Mints `amount` to the primary store of `to`, spending the minter's allowance. `to` is an
    /// account, or an object whose primary store the admin approved.
    public entry fun mint(minter: &signer, to: address, amount: u64) acquires Minters, Controls, Refs {
        let fa = mint_internal(minter, amount);
        let store = primary_fungible_store::ensure_primary_store_exists(to, metadata());
        assert_can_hold(store.object_address(), to);
        fungible_asset::deposit_with_ref(&borrow_refs().transfer_ref, store, fa);
        event::emit(Minted { minter: signer::address_of(minter), to, amount });
    }

    /// Mints `amount` for composition, spending the minter's allowance. The caller deposits it
    /// through `primary_fungible_store` or `dispatchable_fungible_asset`, so the hooks apply.
    public fun mint_fa(minter: &signer, amount: u64): FungibleAsset acquires Minters, Controls, Refs {
        let fa = mint_internal(minter, amount);
        let minter = signer::address_of(minter);
        event::emit(Minted { minter, to: minter, amount });
        fa
    }

    /// Burns `amount` from the minter's primary store (the redemption path).
    public entry fun burn(minter: &signer, amount: u64) acquires Minters, Controls, Refs {
        assert_can_burn(minter, amount);
        let store = primary_fungible_store::primary_store(signer::address_of(minter), metadata());
        fungible_asset::burn_from(&borrow_refs().burn_ref, store, amount);
        event::emit(Burned { minter: signer::address_of(minter), amount });
    }

    /// Burns `fa`, for composition.
    public fun burn_fa(minter: &signer, fa: FungibleAsset) acquires Minters, Controls, Refs {
        let amount = fa.amount();
        assert_can_burn(minter, amount);
        fungible_asset::burn(&borrow_refs().burn_ref, fa);
        event::emit(Burned { minter: signer::address_of(minter), amount });
    }

    //
    // Pauser
    //

    /// Stops every transfer, mint, burn and seizure.
    public entry fun pause(pauser: &signer) acquires Roles, Controls {
        assert_pauser(pauser);
        let controls = &mut Controls[@yenpay];
        assert!(!controls.paused, error::invalid_state(EALREADY_PAUSED));
        controls.paused = true;
        event::emit(Paused { pauser: signer::address_of(pauser) });
    }

    /// Lets the asset move again.
    public entry fun unpause(pauser: &signer) acquires Roles, Controls {
        assert_pauser(pauser);
        let controls = &mut Controls[@yenpay];
        assert!(controls.paused, error::invalid_state(ENOT_PAUSED));
        controls.paused = false;
        event::emit(Unpaused { pauser: signer::address_of(pauser) });
    }

    //
    // Denylister
    //

    /// Stops `account` from sending or receiving, and from owning anything that does. Listing an
    /// address already listed changes nothing and emits nothing, so operators can run it
    /// idempotently.
    public entry fun denylist(denylister: &signer, account: address) acquires Roles, Controls {
        assert_denylister(denylister);
        let denylist = &mut Controls[@yenpay].denylist;
        if (denylist.contains(account)) return;
        denylist.add(account, true);
        event::emit(Denylisted { account });
    }

    /// Removes `account` from the denylist.
    public entry fun undenylist(denylister: &signer, account: address) acquires Roles, Controls {
        assert_denylister(denylister);
        let denylist = &mut Controls[@yenpay].denylist;
        assert!(denylist.contains(account), error::not_found(ENOT_DENYLISTED));
        denylist.remove(account);
        event::emit(Undenylisted { account });
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
    ) acquires Controls, Refs {
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        let withdrawal = authorization::use_transfer_authorization(
            metadata_address(), from, to, amount, valid_after, valid_before, nonce, public_key, signature,
            signer::address_of(submitter),
        );
        let fa = withdraw_authorized(withdrawal);
        let to_store = primary_fungible_store::ensure_primary_store_exists(to, metadata());
        assert_can_transfer(to_store.object_address(), to, amount);
        fungible_asset::deposit_with_ref(&borrow_refs().transfer_ref, to_store, fa);
    }

    //
    // Package functions
    //

    /// Carries out a withdrawal that `yenpay::authorization` checked: takes the amount out of the
    /// signer's primary store under the withdraw hook's checks. The invoice module deposits the funds
    /// through the dispatchable path, so the deposit hook checks whoever receives them.
    package fun withdraw_authorized(withdrawal: SignedWithdrawal): FungibleAsset acquires Controls, Refs {
        let (from, amount) = withdrawal.redeem();
        withdraw_primary(from, amount)
    }

    /// Approves one of the package's own stores (the fee treasury's) to hold the coin.
    package fun approve_package_store(store: address) acquires Controls {
        approve(store);
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
    /// Whether the asset is paused.
    public fun is_paused(): bool acquires Controls {
        Controls[@yenpay].paused
    }

    #[view]
    /// Whether `account` is on the denylist.
    public fun is_denylisted(account: address): bool acquires Controls {
        Controls[@yenpay].denylist.contains(account)
    }

    #[view]
    /// Whether `account` may not act: it, or an object owning it directly or indirectly, is on the denylist, or its
    /// chain of owners is longer than the checks walk (`MAX_OWNER_DEPTH`) or loops. The hooks apply this to a store's
    /// owner; the other modules apply it to every account they let act (merchant, payout, terminal, operator).
    public fun is_restricted(account: address): bool acquires Controls {
        lineage_error(&Controls[@yenpay], account) != 0
    }

    #[view]
    /// Whether `account` is a minter.
    public fun is_minter(account: address): bool acquires Minters {
        Minters[@yenpay].allowances.contains(account)
    }

    #[view]
    /// Remaining allowance of `minter`; 0 for an address that is not a minter.
    public fun minter_allowance(minter: address): u64 acquires Minters {
        *Minters[@yenpay].allowances.borrow_with_default(minter, &0)
    }

    #[view]
    /// Per-transfer cap; 0 means none.
    public fun transfer_cap(): u64 acquires Controls {
        Controls[@yenpay].transfer_cap
    }

    #[view]
    /// The admin.
    public fun admin(): address acquires Roles {
        Roles[@yenpay].admin.holder()
    }

    #[view]
    /// The proposed admin, if any.
    public fun pending_admin(): Option<address> acquires Roles {
        Roles[@yenpay].admin.pending()
    }

    #[view]
    /// The master minter.
    public fun master_minter(): address acquires Roles {
        Roles[@yenpay].master_minter
    }

    #[view]
    /// The pauser.
    public fun pauser(): address acquires Roles {
        Roles[@yenpay].pauser
    }

    #[view]
    /// The denylister.
    public fun denylister(): address acquires Roles {
        Roles[@yenpay].denylister
    }

    #[view]
    /// Whether the admin approved the store at `store` to hold the coin (and has not revoked it since).
    public fun is_approved_store(store: address): bool acquires Controls {
        let approved = &Controls[@yenpay].approved_stores;
        approved.contains(store) && (approved.borrow(store) is StoreApproval::Approved)
    }

    #[view]
    /// The address of `owner`'s primary store of the coin, whether or not it exists yet.
    public fun primary_store_address(owner: address): address {
        object::create_user_derived_object_address(owner, metadata_address())
    }

    #[view]
    /// Whether the store at `store` may hold the coin: an account's primary store or an approved
    /// store whose owner object still exists (the denylist aside).
    public fun may_hold(store: address): bool acquires Controls {
        if (!fungible_asset::store_exists(store)) return false;
        let controls = &Controls[@yenpay];
        store_rule_error(controls, store, object::owner(object::address_to_object<FungibleStore>(store))) == 0
    }

    //
    // Internals
    //

    inline fun borrow_refs(): &Refs {
        &Refs[metadata_address()]
    }

    fun assert_admin(account: &signer) acquires Roles {
        assert!(Roles[@yenpay].admin.is_holder(signer::address_of(account)), error::permission_denied(ENOT_ADMIN));
    }

    inline fun admin_roles_mut(admin: &signer): &mut Roles {
        let roles = &mut Roles[@yenpay];
        assert!(roles.admin.is_holder(signer::address_of(admin)), error::permission_denied(ENOT_ADMIN));
        roles
    }

    fun assert_master_minter(account: &signer) acquires Roles {
        assert!(
            Roles[@yenpay].master_minter == signer::address_of(account),
            error::permission_denied(ENOT_MASTER_MINTER)
        );
    }

    fun assert_pauser(account: &signer) acquires Roles {
        assert!(
            Roles[@yenpay].pauser == signer::address_of(account),
            error::permission_denied(ENOT_PAUSER)
        );
    }

    fun assert_denylister(account: &signer) acquires Roles {
        assert!(
            Roles[@yenpay].denylister == signer::address_of(account),
            error::permission_denied(ENOT_DENYLISTER)
        );
    }

    fun approve(store: address) acquires Controls {
        let is_store = is_yjpy_store(store);
        assert!(!object::is_object(store) || is_store, error::invalid_argument(ENOT_YJPY_STORE));
        // A store's owner never changes (the asset's stores are untransferable), so what owns it now is what the
        // hooks will see; an account owner is recorded because a deleted object looks like one afterwards.
        let account_owned = is_store && !object::is_object(object::owner(object::address_to_object<FungibleStore>(store)));
        let approved = &mut Controls[@yenpay].approved_stores;
        assert!(
            !approved.contains(store) || (approved.borrow(store) is StoreApproval::Revoked),
            error::already_exists(EALREADY_APPROVED_STORE)
        );
        approved.upsert(store, StoreApproval::Approved { account_owned });
        event::emit(StoreApproved { store });
    }

    fun is_yjpy_store(store: address): bool {
        fungible_asset::store_exists(store)
            && fungible_asset::store_metadata(object::address_to_object<FungibleStore>(store)) == metadata()
    }

    /// Checks the minter and spends its allowance; the caller deposits the coins.
    fun mint_internal(minter: &signer, amount: u64): FungibleAsset acquires Minters, Controls, Refs {
        let minter_address = signer::address_of(minter);
        let allowances = &mut Minters[@yenpay].allowances;
        assert!(allowances.contains(minter_address), error::permission_denied(ENOT_MINTER));
        let controls = &Controls[@yenpay];
        assert!(!controls.paused, error::invalid_state(EPAUSED));
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        assert!(!controls.denylist.contains(minter_address), error::permission_denied(EDENYLISTED));
        let allowance = allowances.borrow_mut(minter_address);
        assert!(amount <= *allowance, error::out_of_range(EALLOWANCE_EXCEEDED));
        *allowance -= amount;
        fungible_asset::mint(&borrow_refs().mint_ref, amount)
    }

    fun assert_can_burn(minter: &signer, amount: u64) acquires Minters, Controls {
        let minter = signer::address_of(minter);
        assert!(Minters[@yenpay].allowances.contains(minter), error::permission_denied(ENOT_MINTER));
        let controls = &Controls[@yenpay];
        assert!(!controls.paused, error::invalid_state(EPAUSED));
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        assert!(!controls.denylist.contains(minter), error::permission_denied(EDENYLISTED));
    }

    /// Checks and withdraws `amount` from `from`'s primary store, as the withdraw hook would.
    fun withdraw_primary(from: address, amount: u64): FungibleAsset acquires Controls, Refs {
        let store = primary_fungible_store::primary_store(from, metadata());
        assert_can_transfer(store.object_address(), from, amount);
        fungible_asset::withdraw_with_ref(&borrow_refs().transfer_ref, store, amount)
    }

    /// The hooks' checks, for the store at `store` owned by `owner`.
    fun assert_can_transfer(store: address, owner: address, amount: u64) acquires Controls {
        let controls = &Controls[@yenpay];
        assert_transfer_allowed(controls, amount);
        assert_may_hold(controls, store, owner);
    }

    /// The checks that are not about transfers (pause, store rule, denylist): for mint and
    /// seizure, which are not capped.
    fun assert_can_hold(store: address, owner: address) acquires Controls {
        let controls = &Controls[@yenpay];
        assert!(!controls.paused, error::invalid_state(EPAUSED));
        assert_may_hold(controls, store, owner);
    }

    fun assert_transfer_allowed(controls: &Controls, amount: u64) {
        assert!(!controls.paused, error::invalid_state(EPAUSED));
        assert!(
            controls.transfer_cap == 0 || amount <= controls.transfer_cap,
            error::out_of_range(EAMOUNT_EXCEEDS_CAP)
        );
    }

    /// The store is an account's primary store or an approved store, and nothing up its owner's
    /// chain is denylisted. For an account's primary store: one hash and two lookups.
    fun assert_may_hold(controls: &Controls, store: address, owner: address) {
        let reason = holder_error(controls, store, owner);
        assert!(reason == 0, error::permission_denied(reason));
    }

    /// Why `store`, owned by `owner`, may not hold the coin (an error reason), or 0 when it may: the store rule
    /// first, then the owner chain.
    fun holder_error(controls: &Controls, store: address, owner: address): u64 {
        let reason = store_rule_error(controls, store, owner);
        if (reason != 0) reason else lineage_error(controls, owner)
    }

    /// The store rule: a store the admin ever approved follows its approval entry alone; any other store must be
    /// an account's primary store. The primary store address is derived here as the framework derives it: asking
    /// `primary_fungible_store` from inside a hook would re-enter the framework module that dispatched to us.
    fun store_rule_error(controls: &Controls, store: address, owner: address): u64 {
        let owner_is_object = object::is_object(owner);
        let approvals = &controls.approved_stores;
        if (approvals.contains(store)) {
            match (*approvals.borrow(store)) {
                StoreApproval::Revoked => ESTORE_NOT_APPROVED,
                StoreApproval::Approved { account_owned } =>
                    if (owner_is_object || account_owned) 0 else ESTORE_OWNER_GONE,
            }
        } else if (!owner_is_object && store == object::create_user_derived_object_address(owner, controls.metadata)) {
            0
        } else {
            ESTORE_NOT_APPROVED
        }
    }

    /// Withdrawal is allowed to any direct or indirect owner of a store, so every address up the ownership chain
    /// must be clean: EDENYLISTED if one is listed, EOWNER_CHAIN_TOO_LONG if the chain passes more than
    /// `MAX_OWNER_DEPTH` objects (a cycle does), else 0. For an account-owned store this is one lookup.
    fun lineage_error(controls: &Controls, owner: address): u64 {
        let current = owner;
        let depth = 0;
        loop {
            if (controls.denylist.contains(current)) return EDENYLISTED;
            if (!object::is_object(current)) return 0;
            if (depth == MAX_OWNER_DEPTH) return EOWNER_CHAIN_TOO_LONG;
            depth += 1;
            current = object::owner(object::address_to_object<ObjectCore>(current));
        }
    }

    fun seize_store(
        store: Object<FungibleStore>, owner: address, to: address, amount: u64, legal_order: vector<u8>
    ) acquires Controls, Refs {
        let order_length = legal_order.length();
        assert!(
            order_length > 0 && order_length <= MAX_LEGAL_ORDER_LENGTH,
            error::invalid_argument(EINVALID_LEGAL_ORDER)
        );
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        {
            let controls = &Controls[@yenpay];
            assert!(!controls.paused, error::invalid_state(EPAUSED));
            assert!(
                holder_error(controls, store.object_address(), owner) != 0,
                error::invalid_state(ESEIZURE_NOT_DENYLISTED)
            );
        };
        let to_store = primary_fungible_store::ensure_primary_store_exists(to, metadata());
        assert_can_hold(to_store.object_address(), to);
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
