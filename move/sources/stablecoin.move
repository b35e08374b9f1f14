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
/// Signed authorizations (the EIP-3009 idea): a holder signs off chain with the Ed25519 key
/// behind its authentication key (legacy Ed25519 or SingleKey Ed25519). A
/// `TransferAuthorization` may be submitted by anyone through `transfer_with_authorization`;
/// a `CollectionAuthorization` (customer-presented QR) names a merchant and is usable only by
/// `invoice::collect_with_authorization`, which only that merchant or its terminals may call,
/// with the fee split of an invoice. The two are different signed types, so neither signature
/// verifies as the other.
module yenpay::stablecoin {
    use std::error;
    use std::option::{Self, Option};
    use std::signer;
    use std::string::utf8;
    use std::hash;
    use std::string::String;
    use aptos_std::ed25519;
    use aptos_std::table::{Self, Table};
    use aptos_framework::account;
    use aptos_framework::chain_id;
    use aptos_framework::dispatchable_fungible_asset;
    use aptos_framework::event;
    use aptos_framework::function_info;
    use aptos_framework::fungible_asset::{
        Self, BurnRef, FungibleAsset, FungibleStore, Metadata, MintRef, MutateMetadataRef, TransferRef
    };
    use aptos_framework::object::{Self, Object, ObjectCore};
    use aptos_framework::primary_fungible_store;
    use aptos_framework::timestamp;

    // Errors. Integrators see these names: the Rust client maps codes to them.

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
    /// An authorization nonce must be exactly 32 bytes.
    const EINVALID_NONCE: u64 = 24;
    /// The authorization is not valid yet (now <= valid_after).
    const EAUTHORIZATION_NOT_YET_VALID: u64 = 25;
    /// The authorization has expired (now >= valid_before).
    const EAUTHORIZATION_EXPIRED: u64 = 26;
    /// The authorization nonce was already used or cancelled.
    const EAUTHORIZATION_USED: u64 = 27;
    /// The public key must be 32 bytes.
    const EINVALID_PUBLIC_KEY: u64 = 28;
    /// The public key's authentication key (legacy or SingleKey Ed25519) is not the authentication key of `from`.
    const EPUBLIC_KEY_MISMATCH: u64 = 29;
    /// The signature does not verify for this authorization and key.
    const EINVALID_SIGNATURE: u64 = 30;
    /// The address is not a store of this asset.
    const ENOT_YJPY_STORE: u64 = 31;

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
    /// Length of an authorization nonce.
    const NONCE_LENGTH: u64 = 32;
    /// Length of an Ed25519 public key.
    const PUBLIC_KEY_LENGTH: u64 = 32;
    /// Length of an Ed25519 signature.
    const SIGNATURE_LENGTH: u64 = 64;
    /// Scheme byte of a SingleKey authentication key (`sha3-256(AnyPublicKey || 0x02)`).
    const SINGLE_KEY_SCHEME: u8 = 2;
    /// BCS variant index of `AnyPublicKey::Ed25519`.
    const ANY_PUBLIC_KEY_ED25519: u8 = 0;
    /// Maximum length of a legal order reference.
    const MAX_LEGAL_ORDER_LENGTH: u64 = 64;

    #[resource_group_member(group = aptos_framework::object::ObjectGroup)]
    /// Capabilities over the asset, kept on its metadata object.
    struct Refs has key {
        mint_ref: MintRef,
        burn_ref: BurnRef,
        transfer_ref: TransferRef,
        mutate_metadata_ref: MutateMetadataRef,
    }

    /// Role holders, at `@yenpay`.
    struct Roles has key {
        admin: address,
        pending_admin: Option<address>,
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
        /// Stores other than accounts' primary stores that may hold the coin, by store address.
        approved_stores: Table<address, bool>,
        /// The metadata object's address, kept here so the hooks derive primary store addresses without
        /// hashing it again.
        metadata: address,
    }

    /// Minters and their remaining allowances, at `@yenpay`.
    struct Minters has key {
        allowances: Table<address, u64>,
    }

    /// Key of a used authorization nonce. Keyed per holder, so different holders never write
    /// the same slot.
    struct NonceKey has copy, drop, store {
        from: address,
        nonce: vector<u8>,
    }

    /// Used and cancelled authorization nonces, at `@yenpay`.
    struct UsedNonces has key {
        used: Table<NonceKey, bool>,
    }

    /// The message a holder signs to authorize a transfer that anyone may submit. It is verified
    /// as the BCS of `aptos_std::ed25519::SignedMessage<TransferAuthorization>`, whose type info
    /// names this module and struct, so a signature cannot be replayed as another kind of message.
    struct TransferAuthorization has copy, drop {
        chain_id: u8,
        metadata: address,
        from: address,
        to: address,
        amount: u64,
        valid_after: u64,
        valid_before: u64,
        nonce: vector<u8>,
    }

    /// The message a customer signs for a customer-presented QR payment: `amount` to settle an
    /// invoice of `merchant`. Only `invoice::collect_with_authorization` accepts it, called by that
    /// merchant or one of its terminals, so the money goes to the merchant's payout address with the
    /// operator's fee, and whoever else sees the code cannot cash it. Nonces are shared with
    /// `TransferAuthorization`: a nonce is used once, whichever message carried it.
    struct CollectionAuthorization has copy, drop {
        chain_id: u8,
        metadata: address,
        from: address,
        merchant: address,
        amount: u64,
        valid_after: u64,
        valid_before: u64,
        nonce: vector<u8>,
    }

    #[event]
    /// Coins were minted. For `mint_fa`, `to` is the minter, which receives the value.
    struct Minted has drop, store { minter: address, to: address, amount: u64 }

    #[event]
    /// A minter burned coins.
    struct Burned has drop, store { minter: address, amount: u64 }

    #[event]
    /// A signed authorization was used. For a collection, `to` is the merchant and `submitter` is
    /// `@yenpay` (the invoice module's own event names the payment).
    struct TransferredWithAuthorization has drop, store {
        from: address,
        to: address,
        amount: u64,
        nonce: vector<u8>,
        submitter: address,
    }

    #[event]
    /// A holder cancelled an unused authorization nonce.
    struct AuthorizationCancelled has drop, store { holder: address, nonce: vector<u8> }

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
            admin: @deployer,
            pending_admin: option::none(),
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
        move_to(publisher, UsedNonces { used: table::new() });
    }

    // Dispatch hooks. The framework calls these for every withdraw and deposit of the asset
    // through `dispatchable_fungible_asset` (and so `primary_fungible_store`).

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

    // Admin.

    /// Proposes `new_admin`; replaces any earlier proposal. Takes effect when accepted.
    public entry fun propose_admin(admin: &signer, new_admin: address) acquires Roles {
        let roles = admin_roles_mut(admin);
        roles.pending_admin = option::some(new_admin);
        event::emit(AdminProposed { admin: roles.admin, proposed: new_admin });
    }

    /// Withdraws the pending admin proposal.
    public entry fun cancel_admin_proposal(admin: &signer) acquires Roles {
        let roles = admin_roles_mut(admin);
        assert!(roles.pending_admin.is_some(), error::invalid_state(ENO_PENDING_ADMIN));
        let proposed = roles.pending_admin.extract();
        event::emit(AdminProposalCancelled { admin: roles.admin, proposed });
    }

    /// The proposed admin takes over.
    public entry fun accept_admin(new_admin: &signer) acquires Roles {
        let roles = borrow_global_mut<Roles>(@yenpay);
        let new_admin = signer::address_of(new_admin);
        assert!(roles.pending_admin == option::some(new_admin), error::permission_denied(ENOT_PENDING_ADMIN));
        let old_admin = roles.admin;
        roles.admin = new_admin;
        roles.pending_admin = option::none();
        event::emit(AdminChanged { old_admin, new_admin });
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
        let controls = borrow_global_mut<Controls>(@yenpay);
        let old_cap = controls.transfer_cap;
        controls.transfer_cap = cap;
        event::emit(TransferCapChanged { old_cap, new_cap: cap });
    }

    /// Lets the store at `store` hold the coin: an existing store of the asset, or an address where
    /// none exists yet (for example `primary_store_address(object)` before the object's first
    /// deposit). Approve only stores whose every way of spending the issuer trusts: the hooks refuse a
    /// denylisted owner anywhere up the chain, but they cannot see who holds the store's
    /// `ExtendRef` or an owner object's, and object ownership moves outside the hooks.
    public entry fun approve_store(admin: &signer, store: address) acquires Roles, Controls {
        assert_admin(admin);
        approve(store);
    }

    /// Takes a store's approval back: it can then neither send nor receive, and the admin may seize
    /// what it holds (`seize_from_store`).
    public entry fun revoke_store(admin: &signer, store: address) acquires Roles, Controls {
        assert_admin(admin);
        let approved = &mut borrow_global_mut<Controls>(@yenpay).approved_stores;
        assert!(approved.contains(store), error::not_found(ENOT_APPROVED_STORE));
        approved.remove(store);
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
    /// admin revoked), whose funds are otherwise frozen.
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

    // Master minter.

    /// Adds `minter` or sets its allowance.
    public entry fun configure_minter(master_minter: &signer, minter: address, allowance: u64) acquires Roles, Minters {
        assert_master_minter(master_minter);
        borrow_global_mut<Minters>(@yenpay).allowances.upsert(minter, allowance);
        event::emit(MinterConfigured { minter, allowance });
    }

    /// Removes `minter`.
    public entry fun remove_minter(master_minter: &signer, minter: address) acquires Roles, Minters {
        assert_master_minter(master_minter);
        let allowances = &mut borrow_global_mut<Minters>(@yenpay).allowances;
        assert!(allowances.contains(minter), error::not_found(EMINTER_NOT_FOUND));
        allowances.remove(minter);
        event::emit(MinterRemoved { minter });
    }

    // Minters.

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
        let amount = fungible_asset::amount(&fa);
        assert_can_burn(minter, amount);
        fungible_asset::burn(&borrow_refs().burn_ref, fa);
        event::emit(Burned { minter: signer::address_of(minter), amount });
    }

    // Pauser.

    /// Stops every transfer, mint, burn and seizure.
    public entry fun pause(pauser: &signer) acquires Roles, Controls {
        assert_pauser(pauser);
        let controls = borrow_global_mut<Controls>(@yenpay);
        assert!(!controls.paused, error::invalid_state(EALREADY_PAUSED));
        controls.paused = true;
        event::emit(Paused { pauser: signer::address_of(pauser) });
    }

    /// Lets the asset move again.
    public entry fun unpause(pauser: &signer) acquires Roles, Controls {
        assert_pauser(pauser);
        let controls = borrow_global_mut<Controls>(@yenpay);
        assert!(controls.paused, error::invalid_state(ENOT_PAUSED));
        controls.paused = false;
        event::emit(Unpaused { pauser: signer::address_of(pauser) });
    }

    // Denylister.

    /// Stops `account` from sending or receiving, and from owning anything that does. Listing an
    /// address already listed changes nothing and emits nothing, so operators can run it
    /// idempotently.
    public entry fun denylist(denylister: &signer, account: address) acquires Roles, Controls {
        assert_denylister(denylister);
        let denylist = &mut borrow_global_mut<Controls>(@yenpay).denylist;
        if (denylist.contains(account)) return;
        denylist.add(account, true);
        event::emit(Denylisted { account });
    }

    /// Removes `account` from the denylist.
    public entry fun undenylist(denylister: &signer, account: address) acquires Roles, Controls {
        assert_denylister(denylister);
        let denylist = &mut borrow_global_mut<Controls>(@yenpay).denylist;
        assert!(denylist.contains(account), error::not_found(ENOT_DENYLISTED));
        denylist.remove(account);
        event::emit(Undenylisted { account });
    }

    // Transfer with authorization.

    /// Moves `amount` from `from` to `to` on the strength of `from`'s signed authorization.
    /// Anyone may submit it. The same checks as a plain transfer apply to both parties.
    public entry fun transfer_with_authorization(
        submitter: &signer,
        from: address,
        to: address,
        amount: u64,
        valid_after: u64,
        valid_before: u64,
        nonce: vector<u8>,
        public_key: vector<u8>,
        signature: vector<u8>,
    ) acquires Controls, Refs, UsedNonces {
        let public_key = check_authorization(from, amount, valid_after, valid_before, &nonce, public_key);
        let message = TransferAuthorization {
            chain_id: chain_id::get(), metadata: metadata_address(), from, to, amount, valid_after, valid_before, nonce
        };
        assert_signed(signature, &public_key, message);
        mark_nonce_used(from, nonce);
        let fa = withdraw_primary(from, amount);
        let to_store = primary_fungible_store::ensure_primary_store_exists(to, metadata());
        assert_can_transfer(to_store.object_address(), to, amount);
        fungible_asset::deposit_with_ref(&borrow_refs().transfer_ref, to_store, fa);
        event::emit(TransferredWithAuthorization { from, to, amount, nonce, submitter: signer::address_of(submitter) });
    }

    /// Marks an unused nonce of the signer as used, so no authorization carrying it can be used.
    public entry fun cancel_authorization(holder: &signer, nonce: vector<u8>) acquires UsedNonces {
        assert!(nonce.length() == NONCE_LENGTH, error::invalid_argument(EINVALID_NONCE));
        let holder = signer::address_of(holder);
        let used = &mut borrow_global_mut<UsedNonces>(@yenpay).used;
        let key = NonceKey { from: holder, nonce };
        assert!(!used.contains(key), error::invalid_state(EAUTHORIZATION_USED));
        used.add(key, true);
        event::emit(AuthorizationCancelled { holder, nonce });
    }

    // Package functions for the invoice and merchant registry modules.

    /// Uses `from`'s `CollectionAuthorization` for `merchant`, and returns the funds withdrawn from
    /// `from`'s primary store. The invoice module calls it only for a signer that may act for
    /// `merchant`, and deposits the funds through the dispatchable path, so the deposit hook checks
    /// whoever receives them.
    package fun withdraw_for_collection(
        merchant: address,
        from: address,
        amount: u64,
        valid_after: u64,
        valid_before: u64,
        nonce: vector<u8>,
        public_key: vector<u8>,
        signature: vector<u8>,
    ): FungibleAsset acquires Controls, Refs, UsedNonces {
        let public_key = check_authorization(from, amount, valid_after, valid_before, &nonce, public_key);
        let message = CollectionAuthorization {
            chain_id: chain_id::get(), metadata: metadata_address(), from, merchant, amount, valid_after, valid_before,
            nonce
        };
        assert_signed(signature, &public_key, message);
        mark_nonce_used(from, nonce);
        let fa = withdraw_primary(from, amount);
        event::emit(TransferredWithAuthorization { from, to: merchant, amount, nonce, submitter: @yenpay });
        fa
    }

    /// Approves one of the package's own stores (the fee treasury's) to hold the coin.
    package fun approve_package_store(store: address) acquires Controls {
        approve(store);
    }

    // Views.

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
    public fun is_paused(): bool acquires Controls {
        borrow_global<Controls>(@yenpay).paused
    }

    #[view]
    public fun is_denylisted(account: address): bool acquires Controls {
        borrow_global<Controls>(@yenpay).denylist.contains(account)
    }

    #[view]
    public fun is_minter(account: address): bool acquires Minters {
        borrow_global<Minters>(@yenpay).allowances.contains(account)
    }

    #[view]
    /// Remaining allowance of `minter`; 0 for an address that is not a minter.
    public fun minter_allowance(minter: address): u64 acquires Minters {
        *borrow_global<Minters>(@yenpay).allowances.borrow_with_default(minter, &0)
    }

    #[view]
    /// Per-transfer cap; 0 means none.
    public fun transfer_cap(): u64 acquires Controls {
        borrow_global<Controls>(@yenpay).transfer_cap
    }

    #[view]
    public fun admin(): address acquires Roles {
        borrow_global<Roles>(@yenpay).admin
    }

    #[view]
    public fun pending_admin(): Option<address> acquires Roles {
        borrow_global<Roles>(@yenpay).pending_admin
    }

    #[view]
    public fun master_minter(): address acquires Roles {
        borrow_global<Roles>(@yenpay).master_minter
    }

    #[view]
    public fun pauser(): address acquires Roles {
        borrow_global<Roles>(@yenpay).pauser
    }

    #[view]
    public fun denylister(): address acquires Roles {
        borrow_global<Roles>(@yenpay).denylister
    }

    #[view]
    /// Whether `from`'s authorization nonce was used or cancelled.
    public fun is_nonce_used(from: address, nonce: vector<u8>): bool acquires UsedNonces {
        borrow_global<UsedNonces>(@yenpay).used.contains(NonceKey { from, nonce })
    }

    #[view]
    /// Whether the admin approved the store at `store` to hold the coin.
    public fun is_approved_store(store: address): bool acquires Controls {
        borrow_global<Controls>(@yenpay).approved_stores.contains(store)
    }

    #[view]
    /// The address of `owner`'s primary store of the coin, whether or not it exists yet.
    public fun primary_store_address(owner: address): address {
        object::create_user_derived_object_address(owner, metadata_address())
    }

    #[view]
    /// Whether the store at `store` may hold the coin: an account's primary store or an approved
    /// store (the denylist aside).
    public fun may_hold(store: address): bool acquires Controls {
        if (!fungible_asset::store_exists(store)) return false;
        let controls = borrow_global<Controls>(@yenpay);
        is_allowed_store(controls, store, object::owner(object::address_to_object<FungibleStore>(store)))
    }

    // Internal.

    inline fun borrow_refs(): &Refs {
        borrow_global<Refs>(metadata_address())
    }

    fun assert_admin(account: &signer) acquires Roles {
        assert!(
            borrow_global<Roles>(@yenpay).admin == signer::address_of(account),
            error::permission_denied(ENOT_ADMIN)
        );
    }

    inline fun admin_roles_mut(admin: &signer): &mut Roles {
        let roles = borrow_global_mut<Roles>(@yenpay);
        assert!(roles.admin == signer::address_of(admin), error::permission_denied(ENOT_ADMIN));
        roles
    }

    fun assert_master_minter(account: &signer) acquires Roles {
        assert!(
            borrow_global<Roles>(@yenpay).master_minter == signer::address_of(account),
            error::permission_denied(ENOT_MASTER_MINTER)
        );
    }

    fun assert_pauser(account: &signer) acquires Roles {
        assert!(
            borrow_global<Roles>(@yenpay).pauser == signer::address_of(account),
            error::permission_denied(ENOT_PAUSER)
        );
    }

    fun assert_denylister(account: &signer) acquires Roles {
        assert!(
            borrow_global<Roles>(@yenpay).denylister == signer::address_of(account),
            error::permission_denied(ENOT_DENYLISTER)
        );
    }

    fun approve(store: address) acquires Controls {
        assert!(!object::is_object(store) || is_yjpy_store(store), error::invalid_argument(ENOT_YJPY_STORE));
        let approved = &mut borrow_global_mut<Controls>(@yenpay).approved_stores;
        assert!(!approved.contains(store), error::already_exists(EALREADY_APPROVED_STORE));
        approved.add(store, true);
        event::emit(StoreApproved { store });
    }

    fun is_yjpy_store(store: address): bool {
        fungible_asset::store_exists(store)
            && fungible_asset::store_metadata(object::address_to_object<FungibleStore>(store)) == metadata()
    }

    /// Checks the minter and spends its allowance; the caller deposits the coins.
    fun mint_internal(minter: &signer, amount: u64): FungibleAsset acquires Minters, Controls, Refs {
        let minter_address = signer::address_of(minter);
        let allowances = &mut borrow_global_mut<Minters>(@yenpay).allowances;
        assert!(allowances.contains(minter_address), error::permission_denied(ENOT_MINTER));
        let controls = borrow_global<Controls>(@yenpay);
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
        assert!(borrow_global<Minters>(@yenpay).allowances.contains(minter), error::permission_denied(ENOT_MINTER));
        let controls = borrow_global<Controls>(@yenpay);
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
        let controls = borrow_global<Controls>(@yenpay);
        assert_transfer_allowed(controls, amount);
        assert_may_hold(controls, store, owner);
    }

    /// The checks that are not about transfers (pause, store rule, denylist): for mint and
    /// seizure, which are not capped.
    fun assert_can_hold(store: address, owner: address) acquires Controls {
        let controls = borrow_global<Controls>(@yenpay);
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
    /// chain is denylisted. For an account's primary store: one hash and one lookup.
    fun assert_may_hold(controls: &Controls, store: address, owner: address) {
        assert!(is_allowed_store(controls, store, owner), error::permission_denied(ESTORE_NOT_APPROVED));
        assert_lineage_not_denylisted(controls, owner);
    }

    /// Whether `store`, owned by `owner`, may hold the coin. The primary store address is derived
    /// here as the framework derives it: asking `primary_fungible_store` from inside a hook would
    /// re-enter the framework module that dispatched to us.
    fun is_allowed_store(controls: &Controls, store: address, owner: address): bool {
        (!object::is_object(owner) && store == object::create_user_derived_object_address(owner, controls.metadata))
            || controls.approved_stores.contains(store)
    }

    /// Withdrawal is allowed to any direct or indirect owner of a store, so every address up
    /// the ownership chain must be clean. For an account-owned store this is one lookup.
    fun assert_lineage_not_denylisted(controls: &Controls, owner: address) {
        assert!(!lineage_denylisted(controls, owner), error::permission_denied(EDENYLISTED));
    }

    fun lineage_denylisted(controls: &Controls, owner: address): bool {
        let current = owner;
        loop {
            if (controls.denylist.contains(current)) return true;
            if (!object::is_object(current)) return false;
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
            let controls = borrow_global<Controls>(@yenpay);
            assert!(!controls.paused, error::invalid_state(EPAUSED));
            assert!(
                lineage_denylisted(controls, owner) || !is_allowed_store(controls, store.object_address(), owner),
                error::invalid_state(ESEIZURE_NOT_DENYLISTED)
            );
        };
        let to_store = primary_fungible_store::ensure_primary_store_exists(to, metadata());
        assert_can_hold(to_store.object_address(), to);
        let transfer_ref = &borrow_refs().transfer_ref;
        let fa = fungible_asset::withdraw_with_ref(transfer_ref, store, amount);
        fungible_asset::deposit_with_ref(transfer_ref, to_store, fa);
    }

    /// The checks every signed authorization passes before its signature: amount, nonce, window,
    /// and a public key that is `from`'s current key. Returns the key to verify the signature with.
    fun check_authorization(
        from: address,
        amount: u64,
        valid_after: u64,
        valid_before: u64,
        nonce: &vector<u8>,
        public_key: vector<u8>,
    ): ed25519::UnvalidatedPublicKey acquires UsedNonces {
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        assert!(nonce.length() == NONCE_LENGTH, error::invalid_argument(EINVALID_NONCE));
        let now = timestamp::now_seconds();
        assert!(now > valid_after, error::invalid_state(EAUTHORIZATION_NOT_YET_VALID));
        assert!(now < valid_before, error::invalid_state(EAUTHORIZATION_EXPIRED));
        assert!(!is_key_used(NonceKey { from, nonce: *nonce }), error::invalid_state(EAUTHORIZATION_USED));
        assert!(public_key.length() == PUBLIC_KEY_LENGTH, error::invalid_argument(EINVALID_PUBLIC_KEY));
        assert!(is_key_of(&public_key, from), error::permission_denied(EPUBLIC_KEY_MISMATCH));
        ed25519::new_unvalidated_public_key_from_bytes(public_key)
    }

    /// Whether `from`'s authentication key is that of `public_key`, as a legacy Ed25519 account
    /// (`sha3-256(pk || 0x00)`) or a SingleKey Ed25519 account (`sha3-256(0x00 || 0x20 || pk || 0x02)`,
    /// the BCS of `AnyPublicKey::Ed25519` and the SingleKey scheme byte).
    fun is_key_of(public_key: &vector<u8>, from: address): bool {
        let auth_key = account::get_authentication_key(from);
        let pk = ed25519::new_unvalidated_public_key_from_bytes(*public_key);
        if (ed25519::unvalidated_public_key_to_authentication_key(&pk) == auth_key) return true;
        let single_key = vector[ANY_PUBLIC_KEY_ED25519, (PUBLIC_KEY_LENGTH as u8)];
        single_key.append(*public_key);
        single_key.push_back(SINGLE_KEY_SCHEME);
        hash::sha3_256(single_key) == auth_key
    }

    /// Aborts unless `signature` is `public_key`'s strict Ed25519 signature over `message`, wrapped
    /// in `ed25519::SignedMessage` (whose type info names the message's module and struct).
    fun assert_signed<T: drop>(signature: vector<u8>, public_key: &ed25519::UnvalidatedPublicKey, message: T) {
        assert!(signature.length() == SIGNATURE_LENGTH, error::permission_denied(EINVALID_SIGNATURE));
        assert!(
            ed25519::signature_verify_strict_t(&ed25519::new_signature_from_bytes(signature), public_key, message),
            error::permission_denied(EINVALID_SIGNATURE)
        );
    }

    fun mark_nonce_used(from: address, nonce: vector<u8>) acquires UsedNonces {
        borrow_global_mut<UsedNonces>(@yenpay).used.add(NonceKey { from, nonce }, true);
    }

    fun is_key_used(key: NonceKey): bool acquires UsedNonces {
        borrow_global<UsedNonces>(@yenpay).used.contains(key)
    }

    #[test_only]
    /// Runs `init_module` in tests of this and the other yenpay modules.
    public fun init_for_test(publisher: &signer) {
        init_module(publisher);
    }

    #[test_only]
    /// Builds the message a holder signs, for tests that sign with `ed25519::sign_struct`.
    public fun new_authorization_for_test(
        chain_id: u8,
        from: address,
        to: address,
        amount: u64,
        valid_after: u64,
        valid_before: u64,
        nonce: vector<u8>,
    ): TransferAuthorization {
        TransferAuthorization {
            chain_id, metadata: metadata_address(), from, to, amount, valid_after, valid_before, nonce
        }
    }

    #[test_only]
    /// Builds the message a customer signs for a customer-presented QR payment.
    public fun new_collection_authorization_for_test(
        chain_id: u8,
        from: address,
        merchant: address,
        amount: u64,
        valid_after: u64,
        valid_before: u64,
        nonce: vector<u8>,
    ): CollectionAuthorization {
        CollectionAuthorization {
            chain_id, metadata: metadata_address(), from, merchant, amount, valid_after, valid_before, nonce
        }
    }
}
