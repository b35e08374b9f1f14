/// The controls of the yenpay yen stablecoin (YJPY): who administers it, and what every movement of the coin is
/// checked against.
///
/// This module holds the admin role (two-step, through `yenpay::role`), the pauser and the denylister, and the state
/// the stablecoin's withdraw and deposit hooks read: pause, the denylist, the per-transfer cap and the stores the
/// admin approved. `yenpay::stablecoin` runs the checks below in its hooks and wherever it moves funds itself;
/// `yenpay::issuance` runs them for mint and burn; the other modules ask `is_restricted` about every account they let
/// act. The admin role lives here, the lowest module that needs it, because every module above asks who the admin
/// is (Move allows no cycle between modules).
///
/// The rules, for every path that moves the coin:
/// - pause stops every transfer, mint, burn and seizure;
/// - a denylisted address can neither send nor receive, nor can anything it owns, directly or through objects;
/// - a single transfer is capped (`transfer_cap`, 0 = none; initially 1,000,000 yen, the Japanese legal cap for a
///   fund-transfer-type stablecoin); mint, burn and seizure are not transfers and are not capped;
/// - the coin is held only in an account's primary store or in a store the admin approved (by the store's address):
///   the hooks refuse every other store, for deposits and for withdrawals. The framework lets a store's own signer
///   withdraw from it, and the hooks see only the store, never who signs, so a secondary store whose `ExtendRef`
///   someone keeps could be spent by that someone while its nominal owner is clean; an account's primary store can
///   be spent by that account alone. With this rule the denylist check on a store's owner (and, for an approved
///   store, every owner above it) is complete.
/// - a store the admin ever approved stays under the approval list for good: revoked, it neither sends nor receives
///   whatever becomes of its owner; approved, its owner must still be the object (or account) it was, so deleting an
///   owner object (whose `ExtendRef` still yields its signer) never turns its store into an "account's primary
///   store" again.
/// - the walk up a store's owners stops after `MAX_OWNER_DEPTH` objects (the framework's own nesting limit): a
///   longer or cyclic chain is refused, and its store may be seized.
///
/// Roles: `admin` (two-step transfer; sets the pauser, the denylister, the cap and approved stores here, the master
/// minter in `yenpay::issuance`, the metadata URIs and seizure in `yenpay::stablecoin`, and alone may upgrade the
/// package through `yenpay::upgrade`), `pauser` and `denylister`. At publish every role goes to the `deployer`
/// account that created the package's resource account.
///
/// This module never moves the coin, so the VM's re-entrancy rule (no dispatch into a module already on the call
/// stack) does not touch it: its checks run inside the hooks.
module yenpay::controls {
    use std::error;
    use std::option::Option;
    use std::signer;
    use aptos_std::table::{Self, Table};
    use aptos_framework::event;
    use aptos_framework::fungible_asset::{Self, FungibleStore};
    use aptos_framework::object::{Self, ObjectCore};
    use yenpay::role::{Self, TwoStepRole};

    //
    // Errors
    //
    // Integrators see these names: the Rust client maps codes to them. They kept their numbers when the
    // stablecoin's controls moved here from `yenpay::stablecoin`.

    /// The signer is not the admin.
    const ENOT_ADMIN: u64 = 1;
    /// The signer is not the proposed admin (or no admin change is proposed).
    const ENOT_PENDING_ADMIN: u64 = 2;
    /// There is no admin proposal to cancel.
    const ENO_PENDING_ADMIN: u64 = 3;
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
    /// The store is neither an account's primary store nor a store the admin approved.
    const ESTORE_NOT_APPROVED: u64 = 13;
    /// The store is already approved.
    const EALREADY_APPROVED_STORE: u64 = 15;
    /// The store is not approved.
    const ENOT_APPROVED_STORE: u64 = 16;
    /// The account is not denylisted.
    const ENOT_DENYLISTED: u64 = 18;
    /// The asset is already paused.
    const EALREADY_PAUSED: u64 = 21;
    /// The asset is not paused.
    const ENOT_PAUSED: u64 = 22;
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

    /// Initial per-transfer cap: the legal cap of a fund-transfer-type stablecoin, in yen.
    const INITIAL_TRANSFER_CAP: u64 = 1_000_000;
    /// Most objects the checks walk through above a store: the framework's `MAXIMUM_OBJECT_NESTING`, so that no
    /// chain the framework itself would let own a store goes unchecked, and no cycle runs out of gas.
    const MAX_OWNER_DEPTH: u64 = 8;

    //
    // State
    //

    /// Role holders, at `@yenpay`. The admin changes hands in two steps (`yenpay::role`).
    struct Roles has key {
        admin: TwoStepRole,
        pauser: address,
        denylister: address,
    }

    /// What every hook reads, at `@yenpay`. Written only by the admin, pauser and denylister,
    /// so transfers never conflict with each other on it. Created with the asset (`init_controls`).
    struct Controls has key {
        paused: bool,
        transfer_cap: u64,
        denylist: Table<address, bool>,
        /// Every store the admin ever approved, by store address, with what it decided last. A store found here is
        /// governed by this entry alone, never by the account rule.
        approved_stores: Table<address, StoreApproval>,
        /// The asset's metadata address, kept here so the hooks derive primary store addresses without hashing it
        /// again.
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

    //
    // Events
    //

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
    /// The admin proposed a new admin.
    struct AdminProposed has drop, store { admin: address, proposed: address }

    #[event]
    /// The admin withdrew its proposal.
    struct AdminProposalCancelled has drop, store { admin: address, proposed: address }

    #[event]
    /// The proposed admin accepted.
    struct AdminChanged has drop, store { old_admin: address, new_admin: address }

    #[event]
    /// The pauser changed.
    struct PauserChanged has drop, store { old: address, new: address }

    #[event]
    /// The denylister changed.
    struct DenylisterChanged has drop, store { old: address, new: address }

    #[event]
    /// The per-transfer cap changed (0 = none).
    struct TransferCapChanged has drop, store { old_cap: u64, new_cap: u64 }

    #[event]
    /// The admin approved a store (other than an account's primary store) to hold the coin.
    struct StoreApproved has drop, store { store: address }

    #[event]
    /// The admin revoked a store's approval: it can no longer send or receive the coin.
    struct StoreRevoked has drop, store { store: address }

    /// Gives every role to the deployer (the account that created the package's resource account; in `--dev` builds,
    /// the package address). The controls themselves come with the asset: `yenpay::stablecoin`'s `init_module`,
    /// which runs next, calls `init_controls`.
    fun init_module(publisher: &signer) {
        move_to(publisher, Roles { admin: role::new(@deployer), pauser: @deployer, denylister: @deployer });
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
    /// none exists yet (for example `stablecoin::primary_store_address(object)` before the object's first
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
    /// admin may seize what it holds (`stablecoin::seize_from_store`).
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
    // Package functions
    //

    /// Creates the controls of the asset whose metadata object is at `metadata`, unpaused, with the legal cap and no
    /// denylisted address or approved store. `yenpay::stablecoin`'s `init_module` calls it once, as it creates the
    /// asset; a second call aborts (the resource exists).
    package fun init_controls(publisher: &signer, metadata: address) {
        move_to(publisher, Controls {
            paused: false,
            transfer_cap: INITIAL_TRANSFER_CAP,
            denylist: table::new(),
            approved_stores: table::new(),
            metadata,
        });
    }

    /// Aborts with `ENOT_ADMIN` unless `account` is the admin: for the admin's entry functions in the modules above.
    package fun assert_admin(account: &signer) acquires Roles {
        assert!(Roles[@yenpay].admin.is_holder(signer::address_of(account)), error::permission_denied(ENOT_ADMIN));
    }

    /// Aborts with `EPAUSED` while the asset is paused.
    package fun assert_not_paused() acquires Controls {
        assert!(!Controls[@yenpay].paused, error::invalid_state(EPAUSED));
    }

    /// Aborts with `EDENYLISTED` if `account` itself is on the denylist: for a minter, which acts by its signature,
    /// not through a store.
    package fun assert_not_denylisted(account: address) acquires Controls {
        assert!(!Controls[@yenpay].denylist.contains(account), error::permission_denied(EDENYLISTED));
    }

    /// The hooks' checks, for the store at `store` owned by `owner`: not paused, `amount` within the cap, the store
    /// rule, and nobody up the owner chain denylisted. For an account's primary store: one read, one hash and two
    /// lookups.
    package fun assert_can_transfer(store: address, owner: address, amount: u64) acquires Controls {
        let controls = &Controls[@yenpay];
        assert!(!controls.paused, error::invalid_state(EPAUSED));
        assert!(
            controls.transfer_cap == 0 || amount <= controls.transfer_cap,
            error::out_of_range(EAMOUNT_EXCEEDS_CAP)
        );
        assert_may_hold(controls, store, owner);
    }

    /// The checks that are not about transfers (pause, store rule, denylist): for mint and seizure, which are not
    /// capped.
    package fun assert_can_hold(store: address, owner: address) acquires Controls {
        let controls = &Controls[@yenpay];
        assert!(!controls.paused, error::invalid_state(EPAUSED));
        assert_may_hold(controls, store, owner);
    }

    /// Whether the store at `store`, owned by `owner`, may hold the coin and send it: the store rule and the owner
    /// chain, pause aside. Seizure is allowed exactly where this is false.
    package fun holder_allowed(store: address, owner: address): bool acquires Controls {
        holder_error(&Controls[@yenpay], store, owner) == 0
    }

    /// Approves one of the package's own stores (the fee treasury's) to hold the coin.
    package fun approve_package_store(store: address) acquires Controls {
        approve(store);
    }

    //
    // Views
    //

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

    inline fun admin_roles_mut(admin: &signer): &mut Roles {
        let roles = &mut Roles[@yenpay];
        assert!(roles.admin.is_holder(signer::address_of(admin)), error::permission_denied(ENOT_ADMIN));
        roles
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
        let controls = &mut Controls[@yenpay];
        let is_store = fungible_asset::store_exists(store)
            && fungible_asset::store_metadata(object::address_to_object<FungibleStore>(store)).object_address()
                == controls.metadata;
        assert!(!object::is_object(store) || is_store, error::invalid_argument(ENOT_YJPY_STORE));
        // A store's owner never changes (the asset's stores are untransferable), so what owns it now is what the
        // hooks will see; an account owner is recorded because a deleted object looks like one afterwards.
        let account_owned = is_store && !object::is_object(object::owner(object::address_to_object<FungibleStore>(store)));
        let approved = &mut controls.approved_stores;
        assert!(
            !approved.contains(store) || (approved.borrow(store) is StoreApproval::Revoked),
            error::already_exists(EALREADY_APPROVED_STORE)
        );
        approved.upsert(store, StoreApproval::Approved { account_owned });
        event::emit(StoreApproved { store });
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

    //
    // Tests
    //

    #[test_only]
    /// Runs `init_module` in tests of this and the other yenpay modules.
    public fun init_for_test(publisher: &signer) {
        init_module(publisher);
    }
}
