/// The payment operator's record of merchants and the fee treasury.
///
/// A payment operator (PSP) onboards a merchant after off-chain KYC. The record keyed by the merchant's owner
/// account holds its display name, MCC (ISO 18245), payout address, fee in basis points, status and the
/// terminal accounts that may create and collect invoices for it. The invoice module trusts this record when
/// money moves, through the `package` functions at the bottom of the public section.
///
/// The fee treasury is the primary store of a named object under `@yenpay` whose `ExtendRef` this module keeps,
/// so refunds can return fees from it without the operator's signature; the operator sweeps it. Its store is
/// approved to hold the stablecoin at init (the hooks refuse every store that is neither an account's primary store
/// nor approved), and the object is untransferable. It is owned by the package's resource account, whose key was
/// rotated away at publish; only the stablecoin's admin can upgrade the package (`yenpay::upgrade`).
///
/// The stablecoin's denylist holds here too: a denylisted merchant owner, payout address or terminal can neither be
/// registered, added nor named as payout, and cannot create, collect or take payments.
///
/// Under Block-STM, payments to different merchants only read the `Registry` resource and a merchant's table
/// item; nothing here is written on the payment path except the treasury store, which is upgraded to a
/// concurrent-balance store where the chain enables it (feature `CONCURRENT_FUNGIBLE_BALANCE`). Where it is not
/// enabled the treasury keeps a plain balance and every fee-bearing payment writes it, so those payments are
/// applied one after another; the result is the same, only throughput differs.
///
/// The treasury holds the fees of every paid invoice, and refunds return the fee share from it. The operator
/// should sweep only what exceeds the fees it may still have to return; a refund that finds the treasury short
/// aborts (and can be retried once the operator tops it up).
module yenpay::merchant_registry {
    use std::error;
    use std::features;
    use std::option::{Self, Option};
    use std::signer;
    use std::string::String;
    use aptos_framework::event;
    use aptos_framework::fungible_asset::{Self, FungibleAsset};
    use aptos_framework::object::{Self, ExtendRef};
    use aptos_framework::primary_fungible_store;
    use aptos_framework::timestamp;
    use aptos_std::table::{Self, Table};
    use yenpay::stablecoin;

    //
    // Errors
    //

    /// The signer is not the operator.
    const ENOT_OPERATOR: u64 = 1;
    /// The signer is not the proposed operator.
    const ENOT_PENDING_OPERATOR: u64 = 2;
    /// There is no operator proposal.
    const ENO_PENDING_OPERATOR: u64 = 3;
    /// No merchant is registered for this owner.
    const EMERCHANT_NOT_FOUND: u64 = 4;
    /// A merchant is already registered for this owner (a closed merchant stays registered).
    const EMERCHANT_EXISTS: u64 = 5;
    /// The name is empty or longer than `MAX_NAME_BYTES`.
    const EINVALID_NAME: u64 = 6;
    /// The MCC is not exactly four ASCII digits.
    const EINVALID_MCC: u64 = 7;
    /// The fee is above `MAX_FEE_BPS`.
    const EFEE_TOO_HIGH: u64 = 8;
    /// The merchant is not active.
    const EMERCHANT_NOT_ACTIVE: u64 = 9;
    /// Only a suspended merchant can be reactivated.
    const EMERCHANT_NOT_SUSPENDED: u64 = 10;
    /// The merchant is closed; closing is final.
    const EMERCHANT_CLOSED: u64 = 11;
    /// The account is neither the merchant's owner nor one of its terminals.
    const ENOT_MERCHANT_OR_TERMINAL: u64 = 12;
    /// The signer does not own a registered merchant.
    const ENOT_MERCHANT_OWNER: u64 = 13;
    /// The terminal already belongs to a merchant.
    const ETERMINAL_TAKEN: u64 = 14;
    /// The merchant already has `MAX_TERMINALS` terminals.
    const ETOO_MANY_TERMINALS: u64 = 15;
    /// The account is not a terminal of this merchant.
    const ETERMINAL_NOT_FOUND: u64 = 16;
    /// An account cannot be both a merchant owner and a terminal.
    const EROLE_CONFLICT: u64 = 17;
    /// The payout address is an object whose primary store the stablecoin's admin has not approved.
    const EPAYOUT_NOT_HOLDER: u64 = 18;
    /// The amount is zero.
    const EZERO_AMOUNT: u64 = 19;
    /// The treasury holds less than the amount asked for.
    const EINSUFFICIENT_TREASURY: u64 = 20;
    /// The merchant's owner, its payout address or the terminal is on the stablecoin's denylist.
    const EDENYLISTED: u64 = 21;

    //
    // Constants
    //

    /// Longest merchant display name, in bytes of UTF-8.
    const MAX_NAME_BYTES: u64 = 64;
    /// Highest fee an operator may charge: 10%.
    const MAX_FEE_BPS: u64 = 1000;
    /// Basis points in one whole.
    const BPS_DENOMINATOR: u128 = 10000;
    /// Most terminals one merchant may have; bounds the record read on every payment.
    const MAX_TERMINALS: u64 = 32;
    /// Seed of the treasury object under `@yenpay`.
    const TREASURY_SEED: vector<u8> = b"YENPAY_TREASURY";

    //
    // State
    //

    /// A merchant's status. Closed is final.
    enum MerchantStatus has copy, drop, store {
        Active,
        Suspended { reason: u8 },
        Closed,
    }

    /// A merchant record, keyed by its owner account.
    struct Merchant has store {
        name: String,
        mcc: String,
        payout: address,
        fee_bps: u64,
        status: MerchantStatus,
        registered_at: u64,
        terminals: vector<address>,
    }

    /// A copy of a merchant record, as views return it.
    struct MerchantInfo has copy, drop, store {
        owner: address,
        name: String,
        mcc: String,
        payout: address,
        fee_bps: u64,
        status: MerchantStatus,
        registered_at: u64,
        terminals: vector<address>,
    }

    /// The operator role and the merchant tables, at `@yenpay`.
    struct Registry has key {
        operator: address,
        pending_operator: Option<address>,
        merchants: Table<address, Merchant>,
        /// Terminal account to the owner of the merchant it belongs to.
        terminal_owner: Table<address, address>,
    }

    #[resource_group_member(group = aptos_framework::object::ObjectGroup)]
    /// Kept at the treasury object: its signer moves fee refunds and sweeps out of the treasury store.
    struct Treasury has key {
        extend_ref: ExtendRef,
    }

    //
    // Events
    //

    #[event]
    /// The operator proposed a successor, who takes over on `accept_operator`.
    struct OperatorProposed has drop, store {
        operator: address,
        proposed: address,
    }

    #[event]
    /// The operator withdrew its proposal.
    struct OperatorProposalCancelled has drop, store {
        operator: address,
        proposed: address,
    }

    #[event]
    /// The proposed operator accepted the role.
    struct OperatorChanged has drop, store {
        old_operator: address,
        new_operator: address,
    }

    #[event]
    /// The operator registered a merchant after KYC.
    struct MerchantRegistered has drop, store {
        owner: address,
        name: String,
        mcc: String,
        payout: address,
        fee_bps: u64,
    }

    #[event]
    /// The operator suspended a merchant; `reason` is the operator's own code.
    struct MerchantSuspended has drop, store {
        owner: address,
        reason: u8,
    }

    #[event]
    /// The operator lifted a suspension.
    struct MerchantReactivated has drop, store {
        owner: address,
    }

    #[event]
    /// The operator closed a merchant for good.
    struct MerchantClosed has drop, store {
        owner: address,
    }

    #[event]
    /// The operator changed a merchant's fee.
    struct FeeChanged has drop, store {
        owner: address,
        old_fee_bps: u64,
        new_fee_bps: u64,
    }

    #[event]
    /// A merchant changed where its takings go.
    struct PayoutAddressChanged has drop, store {
        owner: address,
        old_payout: address,
        new_payout: address,
    }

    #[event]
    /// A merchant added a terminal.
    struct TerminalAdded has drop, store {
        owner: address,
        terminal: address,
    }

    #[event]
    /// A terminal left its merchant (removed by the owner, or freed when the merchant closed).
    struct TerminalRemoved has drop, store {
        owner: address,
        terminal: address,
    }

    #[event]
    /// The operator moved collected fees out of the treasury.
    struct TreasurySwept has drop, store {
        to: address,
        amount: u64,
    }

    /// Runs at publish, after the stablecoin's init: the deployer is the operator; creates the treasury.
    fun init_module(publisher: &signer) {
        move_to(publisher, Registry {
            operator: @deployer,
            pending_operator: option::none(),
            merchants: table::new(),
            terminal_owner: table::new(),
        });
        create_treasury(publisher);
    }

    fun create_treasury(publisher: &signer) {
        let constructor_ref = &object::create_named_object(publisher, TREASURY_SEED);
        // Nobody can hand the treasury (and with it the store) to another owner.
        object::set_untransferable(constructor_ref);
        let treasury_signer = &object::generate_signer(constructor_ref);
        let treasury = signer::address_of(treasury_signer);
        move_to(treasury_signer, Treasury { extend_ref: object::generate_extend_ref(constructor_ref) });
        let store = primary_fungible_store::ensure_primary_store_exists(treasury, stablecoin::metadata());
        stablecoin::approve_package_store(object::object_address(&store));
        // Every fee-bearing payment deposits here; an aggregator-backed balance keeps them from conflicting.
        // The framework aborts the upgrade where the feature is off, so only ask where it is on.
        if (features::concurrent_fungible_balance_enabled()) {
            fungible_asset::upgrade_store_to_concurrent(treasury_signer, store);
        };
    }

    //
    // Operator
    //

    /// Proposes `new_operator`; it takes over once it calls `accept_operator`. Replaces any earlier proposal.
    public entry fun propose_operator(operator: &signer, new_operator: address) acquires Registry {
        let registry = borrow_registry_mut_as_operator(operator);
        registry.pending_operator = option::some(new_operator);
        event::emit(OperatorProposed { operator: registry.operator, proposed: new_operator });
    }

    /// Withdraws the pending operator proposal.
    public entry fun cancel_operator_proposal(operator: &signer) acquires Registry {
        let registry = borrow_registry_mut_as_operator(operator);
        assert!(registry.pending_operator.is_some(), error::invalid_state(ENO_PENDING_OPERATOR));
        let proposed = registry.pending_operator.extract();
        event::emit(OperatorProposalCancelled { operator: registry.operator, proposed });
    }

    /// The proposed operator takes the role.
    public entry fun accept_operator(new_operator: &signer) acquires Registry {
        let registry = &mut Registry[@yenpay];
        assert!(registry.pending_operator.is_some(), error::invalid_state(ENO_PENDING_OPERATOR));
        let new_address = signer::address_of(new_operator);
        assert!(
            *registry.pending_operator.borrow() == new_address,
            error::permission_denied(ENOT_PENDING_OPERATOR)
        );
        registry.pending_operator = option::none();
        let old_operator = registry.operator;
        registry.operator = new_address;
        event::emit(OperatorChanged { old_operator, new_operator: new_address });
    }

    /// Registers a merchant after off-chain KYC. `owner` signs for the merchant from then on.
    public entry fun register_merchant(
        operator: &signer,
        owner: address,
        name: String,
        mcc: String,
        payout: address,
        fee_bps: u64,
    ) acquires Registry {
        let registry = borrow_registry_mut_as_operator(operator);
        assert!(!registry.merchants.contains(owner), error::already_exists(EMERCHANT_EXISTS));
        assert!(!registry.terminal_owner.contains(owner), error::invalid_argument(EROLE_CONFLICT));
        let len = name.length();
        assert!(len > 0 && len <= MAX_NAME_BYTES, error::invalid_argument(EINVALID_NAME));
        assert!(is_valid_mcc(&mcc), error::invalid_argument(EINVALID_MCC));
        assert!(fee_bps <= MAX_FEE_BPS, error::invalid_argument(EFEE_TOO_HIGH));
        assert_payout_accepted(payout);
        assert_not_denylisted(owner);
        assert_not_denylisted(payout);
        registry.merchants.add(owner, Merchant {
            name,
            mcc,
            payout,
            fee_bps,
            status: MerchantStatus::Active,
            registered_at: timestamp::now_seconds(),
            terminals: vector[],
        });
        event::emit(MerchantRegistered { owner, name, mcc, payout, fee_bps });
    }

    /// Stops an active merchant from taking payments; `reason` is the operator's own code.
    public entry fun suspend_merchant(operator: &signer, owner: address, reason: u8) acquires Registry {
        let merchant = borrow_merchant_mut_as_operator(operator, owner);
        assert!(!(merchant.status is MerchantStatus::Closed), error::invalid_state(EMERCHANT_CLOSED));
        assert!(merchant.status is MerchantStatus::Active, error::invalid_state(EMERCHANT_NOT_ACTIVE));
        merchant.status = MerchantStatus::Suspended { reason };
        event::emit(MerchantSuspended { owner, reason });
    }

    /// Lets a suspended merchant take payments again.
    public entry fun reactivate_merchant(operator: &signer, owner: address) acquires Registry {
        let merchant = borrow_merchant_mut_as_operator(operator, owner);
        assert!(!(merchant.status is MerchantStatus::Closed), error::invalid_state(EMERCHANT_CLOSED));
        assert!(merchant.status is MerchantStatus::Suspended, error::invalid_state(EMERCHANT_NOT_SUSPENDED));
        merchant.status = MerchantStatus::Active;
        event::emit(MerchantReactivated { owner });
    }

    /// Closes a merchant for good: it can be neither reactivated nor registered again. Its terminals are freed.
    /// Its payout account can still refund earlier payments.
    public entry fun close_merchant(operator: &signer, owner: address) acquires Registry {
        let registry = borrow_registry_mut_as_operator(operator);
        assert!(registry.merchants.contains(owner), error::not_found(EMERCHANT_NOT_FOUND));
        let merchant = registry.merchants.borrow_mut(owner);
        assert!(!(merchant.status is MerchantStatus::Closed), error::invalid_state(EMERCHANT_CLOSED));
        merchant.status = MerchantStatus::Closed;
        let terminals = merchant.terminals;
        merchant.terminals = vector[];
        terminals.for_each(|terminal| {
            registry.terminal_owner.remove(terminal);
            event::emit(TerminalRemoved { owner, terminal });
        });
        event::emit(MerchantClosed { owner });
    }

    /// Sets the merchant's fee for future payments.
    public entry fun set_fee_bps(operator: &signer, owner: address, fee_bps: u64) acquires Registry {
        let merchant = borrow_merchant_mut_as_operator(operator, owner);
        assert!(!(merchant.status is MerchantStatus::Closed), error::invalid_state(EMERCHANT_CLOSED));
        assert!(fee_bps <= MAX_FEE_BPS, error::invalid_argument(EFEE_TOO_HIGH));
        let old_fee_bps = merchant.fee_bps;
        merchant.fee_bps = fee_bps;
        event::emit(FeeChanged { owner, old_fee_bps, new_fee_bps: fee_bps });
    }

    /// Moves `amount` of collected fees from the treasury to `to`.
    public entry fun sweep_treasury(operator: &signer, to: address, amount: u64) acquires Registry, Treasury {
        assert_operator(operator);
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        let treasury = treasury_address();
        assert!(
            primary_fungible_store::is_balance_at_least(treasury, stablecoin::metadata(), amount),
            error::invalid_argument(EINSUFFICIENT_TREASURY)
        );
        primary_fungible_store::deposit(to, withdraw_from_treasury(amount));
        event::emit(TreasurySwept { to, amount });
    }

    //
    // Merchant owner
    //

    /// Changes where the merchant's net takings go. Refunds are signed by the payout address at refund time.
    public entry fun set_payout_address(owner: &signer, payout: address) acquires Registry {
        let owner_address = signer::address_of(owner);
        let merchant = borrow_own_merchant_mut(owner_address);
        assert_payout_accepted(payout);
        assert_not_denylisted(owner_address);
        assert_not_denylisted(payout);
        let old_payout = merchant.payout;
        merchant.payout = payout;
        event::emit(PayoutAddressChanged { owner: owner_address, old_payout, new_payout: payout });
    }

    /// Lets `terminal` create and collect invoices for the signer's merchant.
    public entry fun add_terminal(owner: &signer, terminal: address) acquires Registry {
        let owner_address = signer::address_of(owner);
        let registry = &mut Registry[@yenpay];
        assert!(registry.merchants.contains(owner_address), error::permission_denied(ENOT_MERCHANT_OWNER));
        assert!(!registry.terminal_owner.contains(terminal), error::already_exists(ETERMINAL_TAKEN));
        assert!(!registry.merchants.contains(terminal), error::invalid_argument(EROLE_CONFLICT));
        let merchant = registry.merchants.borrow_mut(owner_address);
        assert!(!(merchant.status is MerchantStatus::Closed), error::invalid_state(EMERCHANT_CLOSED));
        assert!(merchant.terminals.length() < MAX_TERMINALS, error::resource_exhausted(ETOO_MANY_TERMINALS));
        assert_not_denylisted(owner_address);
        assert_not_denylisted(terminal);
        merchant.terminals.push_back(terminal);
        registry.terminal_owner.add(terminal, owner_address);
        event::emit(TerminalAdded { owner: owner_address, terminal });
    }

    /// Revokes one of the signer's terminals.
    public entry fun remove_terminal(owner: &signer, terminal: address) acquires Registry {
        let owner_address = signer::address_of(owner);
        let registry = &mut Registry[@yenpay];
        assert!(registry.merchants.contains(owner_address), error::permission_denied(ENOT_MERCHANT_OWNER));
        assert!(
            registry.terminal_owner.contains(terminal) && *registry.terminal_owner.borrow(terminal) == owner_address,
            error::not_found(ETERMINAL_NOT_FOUND)
        );
        registry.terminal_owner.remove(terminal);
        let merchant = registry.merchants.borrow_mut(owner_address);
        let (_, i) = merchant.terminals.index_of(&terminal);
        merchant.terminals.remove(i);
        event::emit(TerminalRemoved { owner: owner_address, terminal });
    }

    //
    // Fee
    //

    /// The fee on `amount` at `fee_bps`: floor(amount * fee_bps / 10000), computed in u128. The one place
    /// fees are computed; at most `MAX_FEE_BPS`, so the fee never exceeds the amount.
    public fun compute_fee(amount: u64, fee_bps: u64): u64 {
        assert!(fee_bps <= MAX_FEE_BPS, error::invalid_argument(EFEE_TOO_HIGH));
        (((amount as u128) * (fee_bps as u128) / BPS_DENOMINATOR) as u64)
    }

    //
    // For the invoice module
    //

    /// Aborts unless `actor` is the owner of `merchant` or one of its terminals, and neither is denylisted.
    package fun assert_can_act_for(actor: address, merchant: address) acquires Registry {
        let registry = &Registry[@yenpay];
        assert!(registry.merchants.contains(merchant), error::not_found(EMERCHANT_NOT_FOUND));
        assert!(
            actor == merchant
                || (registry.terminal_owner.contains(actor) && *registry.terminal_owner.borrow(actor) == merchant),
            error::permission_denied(ENOT_MERCHANT_OR_TERMINAL)
        );
        assert_not_denylisted(actor);
        assert_not_denylisted(merchant);
    }

    /// Aborts unless `merchant` is registered and active and neither its owner nor its payout address is
    /// denylisted: what an invoice needs to be payable.
    package fun assert_active(merchant: address) acquires Registry {
        let payout = borrow_active_merchant(merchant).payout;
        assert_not_denylisted(merchant);
        assert_not_denylisted(payout);
    }

    /// The payout address and fee of `merchant`; aborts unless it is registered and active and its owner is not
    /// denylisted. (The stablecoin's deposit hook refuses a denylisted payout, and anything above it.)
    package fun settlement_terms(merchant: address): (address, u64) acquires Registry {
        let record = borrow_active_merchant(merchant);
        assert_not_denylisted(merchant);
        (record.payout, record.fee_bps)
    }

    /// Aborts if `account` is on the stablecoin's denylist.
    package fun assert_not_denylisted(account: address) {
        assert!(!stablecoin::is_denylisted(account), error::permission_denied(EDENYLISTED));
    }

    /// The payout address of `merchant`, whatever its status (refunds of earlier payments stay possible).
    package fun payout_of(merchant: address): address acquires Registry {
        borrow_merchant(merchant).payout
    }

    /// Deposits a fee into the treasury, through the stablecoin's deposit hook.
    package fun deposit_fee(fa: FungibleAsset) {
        primary_fungible_store::deposit(treasury_address(), fa);
    }

    /// Takes the fee part of a refund out of the treasury, through the stablecoin's withdraw hook.
    package fun withdraw_fee_refund(amount: u64): FungibleAsset acquires Treasury {
        withdraw_from_treasury(amount)
    }

    //
    // Views
    //

    #[view]
    /// The whole record of the merchant owned by `owner`.
    public fun merchant(owner: address): MerchantInfo acquires Registry {
        let record = borrow_merchant(owner);
        MerchantInfo {
            owner,
            name: record.name,
            mcc: record.mcc,
            payout: record.payout,
            fee_bps: record.fee_bps,
            status: record.status,
            registered_at: record.registered_at,
            terminals: record.terminals,
        }
    }

    #[view]
    /// The merchant's status.
    public fun merchant_status(owner: address): MerchantStatus acquires Registry {
        borrow_merchant(owner).status
    }

    #[view]
    /// Whether a merchant (of any status) is registered for `owner`.
    public fun is_registered(owner: address): bool acquires Registry {
        Registry[@yenpay].merchants.contains(owner)
    }

    #[view]
    /// Whether the merchant exists and may take payments.
    public fun is_active(owner: address): bool acquires Registry {
        let merchants = &Registry[@yenpay].merchants;
        merchants.contains(owner) && (merchants.borrow(owner).status is MerchantStatus::Active)
    }

    #[view]
    /// The merchant's terminals, in the order they were added.
    public fun terminals(owner: address): vector<address> acquires Registry {
        borrow_merchant(owner).terminals
    }

    #[view]
    /// The owner of the merchant `terminal` belongs to, if any.
    public fun merchant_of_terminal(terminal: address): Option<address> acquires Registry {
        let terminal_owner = &Registry[@yenpay].terminal_owner;
        if (terminal_owner.contains(terminal)) {
            option::some(*terminal_owner.borrow(terminal))
        } else {
            option::none()
        }
    }

    #[view]
    /// The fee and net the merchant would get for a payment of `amount` at its current fee.
    public fun quote_fee(owner: address, amount: u64): (u64, u64) acquires Registry {
        let fee = compute_fee(amount, borrow_merchant(owner).fee_bps);
        (fee, amount - fee)
    }

    #[view]
    /// The operator.
    public fun operator(): address acquires Registry {
        Registry[@yenpay].operator
    }

    #[view]
    /// The proposed operator, if any.
    public fun pending_operator(): Option<address> acquires Registry {
        Registry[@yenpay].pending_operator
    }

    #[view]
    /// The fee treasury object; its primary store holds the fees.
    public fun treasury_address(): address {
        object::create_object_address(&@yenpay, TREASURY_SEED)
    }

    #[view]
    /// Fees in the treasury.
    public fun treasury_balance(): u64 {
        primary_fungible_store::balance(treasury_address(), stablecoin::metadata())
    }

    #[view]
    /// The highest fee the operator may set, in basis points.
    public fun max_fee_bps(): u64 { MAX_FEE_BPS }

    #[view]
    /// The most terminals a merchant may have.
    public fun max_terminals(): u64 { MAX_TERMINALS }

    //
    // Accessors of a `MerchantInfo`, for Move callers
    //

    public fun info_owner(self: &MerchantInfo): address { self.owner }
    public fun info_name(self: &MerchantInfo): String { self.name }
    public fun info_mcc(self: &MerchantInfo): String { self.mcc }
    public fun info_payout(self: &MerchantInfo): address { self.payout }
    public fun info_fee_bps(self: &MerchantInfo): u64 { self.fee_bps }
    public fun info_status(self: &MerchantInfo): MerchantStatus { self.status }
    public fun info_registered_at(self: &MerchantInfo): u64 { self.registered_at }
    public fun info_terminals(self: &MerchantInfo): vector<address> { self.terminals }

    /// Whether a status is `Active`.
    public fun status_is_active(self: &MerchantStatus): bool { self is MerchantStatus::Active }
    /// Whether a status is `Suspended`.
    public fun status_is_suspended(self: &MerchantStatus): bool { self is MerchantStatus::Suspended }
    /// Whether a status is `Closed`.
    public fun status_is_closed(self: &MerchantStatus): bool { self is MerchantStatus::Closed }

    //
    // Internals
    //

    fun assert_operator(operator: &signer) acquires Registry {
        assert!(signer::address_of(operator) == Registry[@yenpay].operator, error::permission_denied(ENOT_OPERATOR));
    }

    inline fun borrow_registry_mut_as_operator(operator: &signer): &mut Registry {
        let registry = &mut Registry[@yenpay];
        assert!(signer::address_of(operator) == registry.operator, error::permission_denied(ENOT_OPERATOR));
        registry
    }

    inline fun borrow_merchant_mut_as_operator(operator: &signer, owner: address): &mut Merchant {
        let registry = borrow_registry_mut_as_operator(operator);
        assert!(registry.merchants.contains(owner), error::not_found(EMERCHANT_NOT_FOUND));
        registry.merchants.borrow_mut(owner)
    }

    /// The signer's own merchant, which must not be closed.
    inline fun borrow_own_merchant_mut(owner: address): &mut Merchant {
        let merchants = &mut Registry[@yenpay].merchants;
        assert!(merchants.contains(owner), error::permission_denied(ENOT_MERCHANT_OWNER));
        let merchant = merchants.borrow_mut(owner);
        assert!(!(merchant.status is MerchantStatus::Closed), error::invalid_state(EMERCHANT_CLOSED));
        merchant
    }

    inline fun borrow_merchant(owner: address): &Merchant {
        let merchants = &Registry[@yenpay].merchants;
        assert!(merchants.contains(owner), error::not_found(EMERCHANT_NOT_FOUND));
        merchants.borrow(owner)
    }

    inline fun borrow_active_merchant(owner: address): &Merchant {
        let merchant = borrow_merchant(owner);
        assert!(merchant.status is MerchantStatus::Active, error::invalid_state(EMERCHANT_NOT_ACTIVE));
        merchant
    }

    fun withdraw_from_treasury(amount: u64): FungibleAsset acquires Treasury {
        let treasury_signer = &Treasury[treasury_address()].extend_ref.generate_signer_for_extending();
        primary_fungible_store::withdraw(treasury_signer, stablecoin::metadata(), amount)
    }

    /// Payments go to the payout's primary store: an object's must be one the stablecoin's admin approved, or every
    /// payment would abort.
    fun assert_payout_accepted(payout: address) {
        assert!(
            !object::is_object(payout) || stablecoin::is_approved_store(stablecoin::primary_store_address(payout)),
            error::invalid_argument(EPAYOUT_NOT_HOLDER)
        );
    }

    /// ISO 18245: exactly four ASCII digits.
    fun is_valid_mcc(mcc: &String): bool {
        let bytes = mcc.bytes();
        if (bytes.length() != 4) return false;
        let i = 0;
        while (i < 4) {
            let b = bytes[i];
            if (b < 0x30 || b > 0x39) return false;
            i += 1;
        };
        true
    }

    #[test_only]
    public fun init_for_test(publisher: &signer) {
        init_module(publisher);
    }

    //
    // Tests. Those that move the asset through the stablecoin's hooks (treasury deposits, sweeps) are in
    // tests/merchant_registry_tests.move.
    //

    #[test_only]
    use std::string::utf8;
    #[test_only]
    use aptos_framework::account;

    #[test_only]
    const MERCHANT: address = @0xa1;
    #[test_only]
    const PAYOUT: address = @0xa2;
    #[test_only]
    const TERMINAL: address = @0xa3;
    #[test_only]
    const OTHER_MERCHANT: address = @0xb1;
    #[test_only]
    const OTHER_PAYOUT: address = @0xb2;
    #[test_only]
    const OTHER_TERMINAL: address = @0xb3;
    #[test_only]
    const STRANGER: address = @0xd1;
    #[test_only]
    const START_SECS: u64 = 1_700_000_000;

    #[test_only]
    fun as_signer(addr: address): signer {
        account::create_signer_for_test(addr)
    }

    #[test_only]
    /// The stablecoin and this module initialised as at publish, the clock started.
    fun setup(fx: &signer, publisher: &signer) {
        assert!(signer::address_of(publisher) == @deployer, 0);
        timestamp::set_time_has_started_for_testing(fx);
        timestamp::update_global_time_for_test_secs(START_SECS);
        let package = &as_signer(@yenpay);
        stablecoin::init_for_test(package);
        init_module(package);
    }

    #[test_only]
    /// Two active merchants, each with one terminal.
    fun setup_merchants(fx: &signer, publisher: &signer) acquires Registry {
        setup(fx, publisher);
        register_merchant(publisher, MERCHANT, utf8(b"Ramen Ichiban"), utf8(b"5812"), PAYOUT, 300);
        register_merchant(publisher, OTHER_MERCHANT, utf8(b"Kissa Hoshi"), utf8(b"5814"), OTHER_PAYOUT, 150);
        add_terminal(&as_signer(MERCHANT), TERMINAL);
        add_terminal(&as_signer(OTHER_MERCHANT), OTHER_TERMINAL);
    }

    // Init and the treasury.

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun init_sets_operator_and_treasury(fx: &signer, publisher: &signer) acquires Registry {
        setup(fx, publisher);
        assert!(operator() == @deployer, 1);
        assert!(pending_operator().is_none(), 2);
        let treasury = treasury_address();
        assert!(treasury == object::create_object_address(&@yenpay, b"YENPAY_TREASURY"), 3);
        assert!(exists<Treasury>(treasury), 4);
        // The treasury's primary store, not the treasury object, is approved to hold the coin.
        let store = stablecoin::primary_store_address(treasury);
        assert!(stablecoin::is_approved_store(store), 5);
        assert!(!stablecoin::is_approved_store(treasury), 6);
        assert!(primary_fungible_store::primary_store_exists(treasury, stablecoin::metadata()), 7);
        assert!(stablecoin::may_hold(store), 8);
        assert!(treasury_balance() == 0, 9);
        // Nobody can move the treasury object to another owner.
        assert!(!object::ungated_transfer_allowed(object::address_to_object<Treasury>(treasury)), 10);
        // The operator is the deployer, not the package account that ran init.
        assert!(operator() == @deployer, 11);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun init_upgrades_treasury_to_concurrent_where_enabled(fx: &signer, publisher: &signer) {
        features::change_feature_flags_for_testing(
            fx, vector[features::get_concurrent_fungible_balance_feature()], vector[]
        );
        setup(fx, publisher);
        let store = primary_fungible_store::primary_store(treasury_address(), stablecoin::metadata());
        // Upgrading again is a no-op only for a store that already is concurrent: with the flag now off, it
        // would abort for a plain store.
        features::change_feature_flags_for_testing(
            fx, vector[], vector[features::get_concurrent_fungible_balance_feature()]
        );
        fungible_asset::upgrade_store_to_concurrent(&as_signer(treasury_address()), store);
        assert!(treasury_balance() == 0, 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10020, location = aptos_framework::fungible_asset)] // ECONCURRENT_BALANCE_NOT_ENABLED
    fun init_leaves_treasury_plain_where_disabled(fx: &signer, publisher: &signer) {
        // The test runner starts with the default features, flag 67 among them: turn it off. Init must not abort,
        // and leaves a plain store, which cannot be upgraded while the flag is off.
        features::change_feature_flags_for_testing(
            fx, vector[], vector[features::get_concurrent_fungible_balance_feature()]
        );
        setup(fx, publisher);
        let store = primary_fungible_store::primary_store(treasury_address(), stablecoin::metadata());
        fungible_asset::upgrade_store_to_concurrent(&as_signer(treasury_address()), store);
    }

    // Operator transfer.

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun operator_two_step_transfer(fx: &signer, publisher: &signer) acquires Registry {
        setup(fx, publisher);
        propose_operator(publisher, STRANGER);
        assert!(pending_operator() == option::some(STRANGER), 1);
        assert!(operator() == @deployer, 2);
        cancel_operator_proposal(publisher);
        assert!(pending_operator().is_none(), 3);
        propose_operator(publisher, OTHER_MERCHANT);
        accept_operator(&as_signer(OTHER_MERCHANT));
        assert!(operator() == OTHER_MERCHANT, 4);
        assert!(pending_operator().is_none(), 5);
        // The old operator has no power left; the new one has it all.
        register_merchant(&as_signer(OTHER_MERCHANT), MERCHANT, utf8(b"Ramen"), utf8(b"5812"), PAYOUT, 0);
        assert!(is_active(MERCHANT), 6);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun old_operator_loses_power(fx: &signer, publisher: &signer) acquires Registry {
        setup(fx, publisher);
        propose_operator(publisher, STRANGER);
        accept_operator(&as_signer(STRANGER));
        register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"5812"), PAYOUT, 0);
    }

    #[test_only]
    /// The account proposed as operator in the tests below.
    const PROPOSED: address = @0xe9;

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::merchant_registry)] // ENOT_PENDING_OPERATOR
    fun accept_operator_by_stranger(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        propose_operator(publisher, PROPOSED);
        accept_operator(&as_signer(STRANGER));
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::merchant_registry)] // ENOT_PENDING_OPERATOR
    fun accept_operator_by_terminal(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        propose_operator(publisher, PROPOSED);
        accept_operator(&as_signer(TERMINAL));
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::merchant_registry)] // ENOT_PENDING_OPERATOR
    fun accept_operator_by_merchant(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        propose_operator(publisher, PROPOSED);
        accept_operator(&as_signer(MERCHANT));
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::merchant_registry)] // ENOT_PENDING_OPERATOR
    fun accept_operator_by_current_operator(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        propose_operator(publisher, PROPOSED);
        accept_operator(publisher);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50002, location = yenpay::merchant_registry)] // ENOT_PENDING_OPERATOR
    fun accept_operator_replaced_proposal(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        propose_operator(publisher, STRANGER);
        propose_operator(publisher, PROPOSED);
        accept_operator(&as_signer(STRANGER));
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30003, location = yenpay::merchant_registry)] // ENO_PENDING_OPERATOR
    fun accept_operator_after_cancel(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        propose_operator(publisher, PROPOSED);
        cancel_operator_proposal(publisher);
        accept_operator(&as_signer(PROPOSED));
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30003, location = yenpay::merchant_registry)] // ENO_PENDING_OPERATOR
    fun accept_operator_without_proposal(fx: &signer, publisher: &signer) acquires Registry {
        setup(fx, publisher);
        accept_operator(&as_signer(STRANGER));
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30003, location = yenpay::merchant_registry)] // ENO_PENDING_OPERATOR
    fun cancel_operator_proposal_without_proposal(fx: &signer, publisher: &signer) acquires Registry {
        setup(fx, publisher);
        cancel_operator_proposal(publisher);
    }

    // Operator functions: a stranger, a terminal and a merchant all abort with ENOT_OPERATOR.

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun propose_operator_by_stranger(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        propose_operator(&as_signer(STRANGER), STRANGER);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun propose_operator_by_terminal(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        propose_operator(&as_signer(TERMINAL), TERMINAL);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun propose_operator_by_merchant(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        propose_operator(&as_signer(MERCHANT), MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun cancel_operator_proposal_by_stranger(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        propose_operator(publisher, STRANGER);
        cancel_operator_proposal(&as_signer(STRANGER));
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun cancel_operator_proposal_by_terminal(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        propose_operator(publisher, STRANGER);
        cancel_operator_proposal(&as_signer(TERMINAL));
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun cancel_operator_proposal_by_merchant(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        propose_operator(publisher, STRANGER);
        cancel_operator_proposal(&as_signer(MERCHANT));
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun register_merchant_by_stranger(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        register_merchant(&as_signer(STRANGER), STRANGER, utf8(b"Shop"), utf8(b"5411"), STRANGER, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun register_merchant_by_terminal(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        register_merchant(&as_signer(TERMINAL), STRANGER, utf8(b"Shop"), utf8(b"5411"), STRANGER, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun register_merchant_by_merchant(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        register_merchant(&as_signer(MERCHANT), STRANGER, utf8(b"Shop"), utf8(b"5411"), STRANGER, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun suspend_merchant_by_stranger(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        suspend_merchant(&as_signer(STRANGER), MERCHANT, 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun suspend_merchant_by_terminal(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        suspend_merchant(&as_signer(TERMINAL), MERCHANT, 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun suspend_merchant_by_other_merchant(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        suspend_merchant(&as_signer(OTHER_MERCHANT), MERCHANT, 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun suspend_merchant_by_itself(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        suspend_merchant(&as_signer(MERCHANT), MERCHANT, 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun reactivate_merchant_by_stranger(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        suspend_merchant(publisher, MERCHANT, 1);
        reactivate_merchant(&as_signer(STRANGER), MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun reactivate_merchant_by_terminal(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        suspend_merchant(publisher, MERCHANT, 1);
        reactivate_merchant(&as_signer(TERMINAL), MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun reactivate_merchant_by_itself(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        suspend_merchant(publisher, MERCHANT, 1);
        reactivate_merchant(&as_signer(MERCHANT), MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun reactivate_merchant_by_other_merchant(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        suspend_merchant(publisher, MERCHANT, 1);
        reactivate_merchant(&as_signer(OTHER_MERCHANT), MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun close_merchant_by_stranger(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        close_merchant(&as_signer(STRANGER), MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun close_merchant_by_terminal(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        close_merchant(&as_signer(TERMINAL), MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun close_merchant_by_other_merchant(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        close_merchant(&as_signer(OTHER_MERCHANT), MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun set_fee_bps_by_stranger(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        set_fee_bps(&as_signer(STRANGER), MERCHANT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun set_fee_bps_by_terminal(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        set_fee_bps(&as_signer(TERMINAL), MERCHANT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun set_fee_bps_by_itself(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        set_fee_bps(&as_signer(MERCHANT), MERCHANT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun set_fee_bps_by_other_merchant(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        set_fee_bps(&as_signer(OTHER_MERCHANT), MERCHANT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun sweep_treasury_by_stranger(fx: &signer, publisher: &signer) acquires Registry, Treasury {
        setup_merchants(fx, publisher);
        sweep_treasury(&as_signer(STRANGER), STRANGER, 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun sweep_treasury_by_terminal(fx: &signer, publisher: &signer) acquires Registry, Treasury {
        setup_merchants(fx, publisher);
        sweep_treasury(&as_signer(TERMINAL), TERMINAL, 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::merchant_registry)] // ENOT_OPERATOR
    fun sweep_treasury_by_merchant(fx: &signer, publisher: &signer) acquires Registry, Treasury {
        setup_merchants(fx, publisher);
        sweep_treasury(&as_signer(MERCHANT), MERCHANT, 1);
    }

    // Owner functions: only the owner of a registered merchant may call them, for its own record.

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000D, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OWNER
    fun set_payout_address_by_stranger(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        set_payout_address(&as_signer(STRANGER), STRANGER);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000D, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OWNER
    fun set_payout_address_by_terminal(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        set_payout_address(&as_signer(TERMINAL), TERMINAL);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000D, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OWNER
    fun set_payout_address_by_operator(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        set_payout_address(publisher, @yenpay);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    /// Another merchant can only change its own payout; the first merchant's record is untouched.
    fun set_payout_address_by_other_merchant_changes_only_its_own(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        set_payout_address(&as_signer(OTHER_MERCHANT), STRANGER);
        assert!(merchant(OTHER_MERCHANT).info_payout() == STRANGER, 1);
        assert!(merchant(MERCHANT).info_payout() == PAYOUT, 2);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000D, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OWNER
    fun add_terminal_by_stranger(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        add_terminal(&as_signer(STRANGER), @0xe1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000D, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OWNER
    fun add_terminal_by_terminal(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        add_terminal(&as_signer(TERMINAL), @0xe1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x8000E, location = yenpay::merchant_registry)] // ETERMINAL_TAKEN
    fun add_terminal_of_another_merchant(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        add_terminal(&as_signer(OTHER_MERCHANT), TERMINAL);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x8000E, location = yenpay::merchant_registry)] // ETERMINAL_TAKEN
    fun add_terminal_twice(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        add_terminal(&as_signer(MERCHANT), TERMINAL);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000D, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OWNER
    fun remove_terminal_by_stranger(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        remove_terminal(&as_signer(STRANGER), TERMINAL);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000D, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OWNER
    fun remove_terminal_by_terminal(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        remove_terminal(&as_signer(TERMINAL), TERMINAL);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60010, location = yenpay::merchant_registry)] // ETERMINAL_NOT_FOUND
    fun remove_terminal_by_other_merchant(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        remove_terminal(&as_signer(OTHER_MERCHANT), TERMINAL);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60010, location = yenpay::merchant_registry)] // ETERMINAL_NOT_FOUND
    fun remove_unknown_terminal(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        remove_terminal(&as_signer(MERCHANT), @0xe1);
    }

    // Validation.

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun register_records_everything(fx: &signer, publisher: &signer) acquires Registry {
        setup(fx, publisher);
        // 64 bytes of UTF-8 (21 three-byte characters and one ASCII byte) is the longest name.
        let name = b"";
        let i = 0;
        while (i < 21) { name.append(b"\xe3\x83\xa8"); i += 1 };
        name.push_back(0x41);
        register_merchant(publisher, MERCHANT, utf8(name), utf8(b"0742"), PAYOUT, MAX_FEE_BPS);
        let info = merchant(MERCHANT);
        assert!(info.info_owner() == MERCHANT, 1);
        assert!(info.info_name() == utf8(name), 2);
        assert!(info.info_mcc() == utf8(b"0742"), 3);
        assert!(info.info_payout() == PAYOUT, 4);
        assert!(info.info_fee_bps() == MAX_FEE_BPS, 5);
        assert!(info.info_status().status_is_active(), 6);
        assert!(info.info_registered_at() == START_SECS, 7);
        assert!(info.info_terminals() == vector[], 8);
        assert!(is_registered(MERCHANT) && is_active(MERCHANT), 9);
        assert!(!is_registered(STRANGER) && !is_active(STRANGER), 10);
        assert!(merchant_status(MERCHANT) == MerchantStatus::Active, 11);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10006, location = yenpay::merchant_registry)] // EINVALID_NAME
    fun register_empty_name(fx: &signer, publisher: &signer) acquires Registry {
        setup(fx, publisher);
        register_merchant(publisher, MERCHANT, utf8(b""), utf8(b"5812"), PAYOUT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10006, location = yenpay::merchant_registry)] // EINVALID_NAME
    fun register_name_over_64_bytes(fx: &signer, publisher: &signer) acquires Registry {
        setup(fx, publisher);
        // 22 three-byte characters: 22 characters but 66 bytes.
        let name = b"";
        let i = 0;
        while (i < 22) { name.append(b"\xe3\x83\xa8"); i += 1 };
        register_merchant(publisher, MERCHANT, utf8(name), utf8(b"5812"), PAYOUT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10007, location = yenpay::merchant_registry)] // EINVALID_MCC
    fun register_mcc_three_digits(fx: &signer, publisher: &signer) acquires Registry {
        setup(fx, publisher);
        register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"581"), PAYOUT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10007, location = yenpay::merchant_registry)] // EINVALID_MCC
    fun register_mcc_five_digits(fx: &signer, publisher: &signer) acquires Registry {
        setup(fx, publisher);
        register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"58120"), PAYOUT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10007, location = yenpay::merchant_registry)] // EINVALID_MCC
    fun register_mcc_not_digits(fx: &signer, publisher: &signer) acquires Registry {
        setup(fx, publisher);
        register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"58a2"), PAYOUT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10007, location = yenpay::merchant_registry)] // EINVALID_MCC
    fun register_mcc_full_width_digits(fx: &signer, publisher: &signer) acquires Registry {
        setup(fx, publisher);
        // "５８１２" in full-width digits is not ASCII.
        register_merchant(
            publisher, MERCHANT, utf8(b"Ramen"), utf8(b"\xef\xbc\x95\xef\xbc\x98\xef\xbc\x91\xef\xbc\x92"), PAYOUT, 0
        );
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10008, location = yenpay::merchant_registry)] // EFEE_TOO_HIGH
    fun register_fee_over_cap(fx: &signer, publisher: &signer) acquires Registry {
        setup(fx, publisher);
        register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"5812"), PAYOUT, MAX_FEE_BPS + 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x80005, location = yenpay::merchant_registry)] // EMERCHANT_EXISTS
    fun register_owner_twice(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        register_merchant(publisher, MERCHANT, utf8(b"Ramen 2"), utf8(b"5812"), PAYOUT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10011, location = yenpay::merchant_registry)] // EROLE_CONFLICT
    fun register_a_terminal_as_merchant(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        register_merchant(publisher, TERMINAL, utf8(b"Shop"), utf8(b"5411"), TERMINAL, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10011, location = yenpay::merchant_registry)] // EROLE_CONFLICT
    fun add_a_merchant_as_terminal(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        add_terminal(&as_signer(MERCHANT), OTHER_MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10012, location = yenpay::merchant_registry)] // EPAYOUT_NOT_HOLDER
    fun register_unapproved_object_payout(fx: &signer, publisher: &signer) acquires Registry {
        setup(fx, publisher);
        let payout = object::address_from_constructor_ref(&object::create_named_object(publisher, b"vault"));
        register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"5812"), payout, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun register_approved_object_payout(fx: &signer, publisher: &signer) acquires Registry {
        setup(fx, publisher);
        let payout = object::address_from_constructor_ref(&object::create_named_object(publisher, b"vault"));
        // Payments go to the object's primary store: that store is what the admin approves, before it exists.
        stablecoin::approve_store(publisher, stablecoin::primary_store_address(payout));
        register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"5812"), payout, 0);
        assert!(merchant(MERCHANT).info_payout() == payout, 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10012, location = yenpay::merchant_registry)] // EPAYOUT_NOT_HOLDER
    fun register_object_payout_with_another_store_approved(fx: &signer, publisher: &signer) acquires Registry {
        setup(fx, publisher);
        let constructor_ref = &object::create_named_object(publisher, b"vault");
        let payout = object::address_from_constructor_ref(constructor_ref);
        // A store built on the object itself is approved, but payments would go to the object's primary store.
        let store = fungible_asset::create_store(constructor_ref, stablecoin::metadata());
        stablecoin::approve_store(publisher, object::object_address(&store));
        register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"5812"), payout, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10012, location = yenpay::merchant_registry)] // EPAYOUT_NOT_HOLDER
    fun register_object_payout_after_revocation(fx: &signer, publisher: &signer) acquires Registry {
        setup(fx, publisher);
        let payout = object::address_from_constructor_ref(&object::create_named_object(publisher, b"vault"));
        stablecoin::approve_store(publisher, stablecoin::primary_store_address(payout));
        stablecoin::revoke_store(publisher, stablecoin::primary_store_address(payout));
        register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"5812"), payout, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10012, location = yenpay::merchant_registry)] // EPAYOUT_NOT_HOLDER
    fun set_unapproved_object_payout(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        let payout = object::address_from_constructor_ref(&object::create_named_object(publisher, b"vault"));
        set_payout_address(&as_signer(MERCHANT), payout);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun set_approved_object_payout(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        let payout = object::address_from_constructor_ref(&object::create_object(MERCHANT));
        stablecoin::approve_store(publisher, stablecoin::primary_store_address(payout));
        set_payout_address(&as_signer(MERCHANT), payout);
        assert!(payout_of(MERCHANT) == payout, 1);
    }

    // The stablecoin's denylist.

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun register_denylisted_owner(fx: &signer, publisher: &signer) acquires Registry {
        setup(fx, publisher);
        stablecoin::denylist(publisher, MERCHANT);
        register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"5812"), PAYOUT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun register_denylisted_payout(fx: &signer, publisher: &signer) acquires Registry {
        setup(fx, publisher);
        stablecoin::denylist(publisher, PAYOUT);
        register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"5812"), PAYOUT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun register_after_undenylisting(fx: &signer, publisher: &signer) acquires Registry {
        setup(fx, publisher);
        stablecoin::denylist(publisher, MERCHANT);
        stablecoin::undenylist(publisher, MERCHANT);
        register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"5812"), PAYOUT, 0);
        assert!(is_active(MERCHANT), 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun set_payout_by_denylisted_owner(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        stablecoin::denylist(publisher, MERCHANT);
        set_payout_address(&as_signer(MERCHANT), STRANGER);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun set_payout_to_denylisted(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        stablecoin::denylist(publisher, STRANGER);
        set_payout_address(&as_signer(MERCHANT), STRANGER);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun add_terminal_by_denylisted_owner(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        stablecoin::denylist(publisher, MERCHANT);
        add_terminal(&as_signer(MERCHANT), @0xe1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun add_denylisted_terminal(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        stablecoin::denylist(publisher, @0xe1);
        add_terminal(&as_signer(MERCHANT), @0xe1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun denylisted_owner_can_still_remove_terminals(fx: &signer, publisher: &signer) acquires Registry {
        // Removing a terminal only takes power away, so a denylisted owner may still do it.
        setup_merchants(fx, publisher);
        stablecoin::denylist(publisher, MERCHANT);
        remove_terminal(&as_signer(MERCHANT), TERMINAL);
        assert!(terminals(MERCHANT) == vector[], 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun act_for_as_denylisted_terminal(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        stablecoin::denylist(publisher, TERMINAL);
        assert_can_act_for(TERMINAL, MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun act_for_as_denylisted_owner(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        stablecoin::denylist(publisher, MERCHANT);
        assert_can_act_for(MERCHANT, MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun act_for_denylisted_owner_as_its_terminal(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        stablecoin::denylist(publisher, MERCHANT);
        assert_can_act_for(TERMINAL, MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun act_for_as_denylisted_stranger(fx: &signer, publisher: &signer) acquires Registry {
        // A stranger is refused as a stranger, whether or not it is denylisted.
        setup_merchants(fx, publisher);
        stablecoin::denylist(publisher, STRANGER);
        assert_can_act_for(STRANGER, MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun active_with_denylisted_owner(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        stablecoin::denylist(publisher, MERCHANT);
        assert_active(MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun active_with_denylisted_payout(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        stablecoin::denylist(publisher, PAYOUT);
        assert_active(MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun settlement_terms_of_denylisted_owner(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        stablecoin::denylist(publisher, MERCHANT);
        let (_, _) = settlement_terms(MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun settlement_terms_leave_denylisted_payout_to_stablecoin(fx: &signer, publisher: &signer) acquires Registry {
        // The stablecoin's deposit hook refuses the payment itself; the registry still answers.
        setup_merchants(fx, publisher);
        stablecoin::denylist(publisher, PAYOUT);
        let (payout, fee_bps) = settlement_terms(MERCHANT);
        assert!(payout == PAYOUT && fee_bps == 300, 1);
        // Others are unaffected.
        assert_active(OTHER_MERCHANT);
        assert_can_act_for(OTHER_TERMINAL, OTHER_MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50015, location = yenpay::merchant_registry)] // EDENYLISTED
    fun assert_not_denylisted_refuses_denylisted(fx: &signer, publisher: &signer) {
        setup(fx, publisher);
        assert_not_denylisted(PAYOUT);
        stablecoin::denylist(publisher, PAYOUT);
        assert_not_denylisted(PAYOUT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10008, location = yenpay::merchant_registry)] // EFEE_TOO_HIGH
    fun set_fee_over_cap(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        set_fee_bps(publisher, MERCHANT, MAX_FEE_BPS + 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60004, location = yenpay::merchant_registry)] // EMERCHANT_NOT_FOUND
    fun set_fee_of_unknown_merchant(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        set_fee_bps(publisher, STRANGER, 10);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60004, location = yenpay::merchant_registry)] // EMERCHANT_NOT_FOUND
    fun suspend_unknown_merchant(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        suspend_merchant(publisher, STRANGER, 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60004, location = yenpay::merchant_registry)] // EMERCHANT_NOT_FOUND
    fun close_unknown_merchant(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        close_merchant(publisher, STRANGER);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60004, location = yenpay::merchant_registry)] // EMERCHANT_NOT_FOUND
    fun view_unknown_merchant(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        merchant(STRANGER);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun fee_and_payout_changes(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        set_fee_bps(publisher, MERCHANT, 0);
        assert!(merchant(MERCHANT).info_fee_bps() == 0, 1);
        let (fee, net) = quote_fee(MERCHANT, 10_000);
        assert!(fee == 0 && net == 10_000, 2);
        set_fee_bps(publisher, MERCHANT, 325);
        let (fee, net) = quote_fee(MERCHANT, 10_000);
        assert!(fee == 325 && net == 9_675, 3);
        set_payout_address(&as_signer(MERCHANT), STRANGER);
        assert!(merchant(MERCHANT).info_payout() == STRANGER, 4);
        let (payout, fee_bps) = settlement_terms(MERCHANT);
        assert!(payout == STRANGER && fee_bps == 325, 5);
        assert!(payout_of(MERCHANT) == STRANGER, 6);
    }

    // Terminals.

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun terminals_add_and_remove(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        let owner = &as_signer(MERCHANT);
        add_terminal(owner, @0xe1);
        add_terminal(owner, @0xe2);
        assert!(terminals(MERCHANT) == vector[TERMINAL, @0xe1, @0xe2], 1);
        assert!(merchant_of_terminal(@0xe1) == option::some(MERCHANT), 2);
        assert!(merchant_of_terminal(OTHER_TERMINAL) == option::some(OTHER_MERCHANT), 3);
        assert!(merchant_of_terminal(STRANGER).is_none(), 4);
        remove_terminal(owner, @0xe1);
        assert!(terminals(MERCHANT) == vector[TERMINAL, @0xe2], 5);
        assert!(merchant_of_terminal(@0xe1).is_none(), 6);
        // A freed terminal can join another merchant.
        add_terminal(&as_signer(OTHER_MERCHANT), @0xe1);
        assert!(merchant_of_terminal(@0xe1) == option::some(OTHER_MERCHANT), 7);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun act_for_owner_and_own_terminals_only(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        assert_can_act_for(MERCHANT, MERCHANT);
        assert_can_act_for(TERMINAL, MERCHANT);
        assert_can_act_for(OTHER_TERMINAL, OTHER_MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun act_for_as_terminal_of_another_merchant(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        assert_can_act_for(OTHER_TERMINAL, MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun act_for_as_another_merchant(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        assert_can_act_for(OTHER_MERCHANT, MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun act_for_as_stranger(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        assert_can_act_for(STRANGER, MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5000C, location = yenpay::merchant_registry)] // ENOT_MERCHANT_OR_TERMINAL
    fun act_for_as_removed_terminal(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        remove_terminal(&as_signer(MERCHANT), TERMINAL);
        assert_can_act_for(TERMINAL, MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x9000F, location = yenpay::merchant_registry)] // ETOO_MANY_TERMINALS
    fun too_many_terminals(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        let owner = &as_signer(MERCHANT);
        // TERMINAL is already one; add up to the limit, then one more.
        let i = 1;
        while (i < MAX_TERMINALS) {
            add_terminal(owner, object::create_object_address(&MERCHANT, std::bcs::to_bytes(&i)));
            i += 1;
        };
        assert!(terminals(MERCHANT).length() == MAX_TERMINALS, 1);
        add_terminal(owner, STRANGER);
    }

    // Status machine.

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun suspend_reactivate_close(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        suspend_merchant(publisher, MERCHANT, 7);
        assert!(merchant_status(MERCHANT) == MerchantStatus::Suspended { reason: 7 }, 1);
        assert!(merchant_status(MERCHANT).status_is_suspended(), 2);
        assert!(!is_active(MERCHANT) && is_registered(MERCHANT), 3);
        assert!(is_active(OTHER_MERCHANT), 4);
        reactivate_merchant(publisher, MERCHANT);
        assert!(is_active(MERCHANT), 5);
        suspend_merchant(publisher, MERCHANT, 2);
        close_merchant(publisher, MERCHANT);
        assert!(merchant_status(MERCHANT).status_is_closed(), 6);
        assert!(!is_active(MERCHANT) && is_registered(MERCHANT), 7);
        // Closing freed the terminal; the payout account is still on record, for refunds.
        assert!(terminals(MERCHANT) == vector[], 8);
        assert!(merchant_of_terminal(TERMINAL).is_none(), 9);
        assert!(payout_of(MERCHANT) == PAYOUT, 10);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun close_active_merchant(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        close_merchant(publisher, MERCHANT);
        assert!(merchant_status(MERCHANT) == MerchantStatus::Closed, 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000B, location = yenpay::merchant_registry)] // EMERCHANT_CLOSED
    fun closed_cannot_be_reactivated(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        close_merchant(publisher, MERCHANT);
        reactivate_merchant(publisher, MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x80005, location = yenpay::merchant_registry)] // EMERCHANT_EXISTS
    fun closed_cannot_be_registered_again(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        close_merchant(publisher, MERCHANT);
        register_merchant(publisher, MERCHANT, utf8(b"Ramen"), utf8(b"5812"), PAYOUT, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000B, location = yenpay::merchant_registry)] // EMERCHANT_CLOSED
    fun closed_cannot_be_closed_again(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        close_merchant(publisher, MERCHANT);
        close_merchant(publisher, MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000B, location = yenpay::merchant_registry)] // EMERCHANT_CLOSED
    fun closed_cannot_be_suspended(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        close_merchant(publisher, MERCHANT);
        suspend_merchant(publisher, MERCHANT, 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000B, location = yenpay::merchant_registry)] // EMERCHANT_CLOSED
    fun closed_fee_cannot_change(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        close_merchant(publisher, MERCHANT);
        set_fee_bps(publisher, MERCHANT, 10);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000B, location = yenpay::merchant_registry)] // EMERCHANT_CLOSED
    fun closed_cannot_add_terminal(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        close_merchant(publisher, MERCHANT);
        add_terminal(&as_signer(MERCHANT), @0xe1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000B, location = yenpay::merchant_registry)] // EMERCHANT_CLOSED
    fun closed_cannot_change_payout(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        close_merchant(publisher, MERCHANT);
        set_payout_address(&as_signer(MERCHANT), STRANGER);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3000A, location = yenpay::merchant_registry)] // EMERCHANT_NOT_SUSPENDED
    fun active_cannot_be_reactivated(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        reactivate_merchant(publisher, MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::merchant_registry)] // EMERCHANT_NOT_ACTIVE
    fun suspended_cannot_be_suspended_again(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        suspend_merchant(publisher, MERCHANT, 1);
        suspend_merchant(publisher, MERCHANT, 2);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::merchant_registry)] // EMERCHANT_NOT_ACTIVE
    fun suspended_has_no_settlement_terms(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        suspend_merchant(publisher, MERCHANT, 1);
        let (_, _) = settlement_terms(MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30009, location = yenpay::merchant_registry)] // EMERCHANT_NOT_ACTIVE
    fun closed_has_no_settlement_terms(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        close_merchant(publisher, MERCHANT);
        let (_, _) = settlement_terms(MERCHANT);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60004, location = yenpay::merchant_registry)] // EMERCHANT_NOT_FOUND
    fun unknown_has_no_settlement_terms(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        let (_, _) = settlement_terms(STRANGER);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun suspended_owner_manages_terminals_and_payout(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        suspend_merchant(publisher, MERCHANT, 1);
        let owner = &as_signer(MERCHANT);
        add_terminal(owner, @0xe1);
        remove_terminal(owner, TERMINAL);
        set_payout_address(owner, STRANGER);
        assert!(terminals(MERCHANT) == vector[@0xe1], 1);
        assert!(payout_of(MERCHANT) == STRANGER, 2);
    }

    // Sweep validation (sweeps that move funds are in tests/merchant_registry_tests.move).

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10013, location = yenpay::merchant_registry)] // EZERO_AMOUNT
    fun sweep_zero(fx: &signer, publisher: &signer) acquires Registry, Treasury {
        setup(fx, publisher);
        sweep_treasury(publisher, @yenpay, 0);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10014, location = yenpay::merchant_registry)] // EINSUFFICIENT_TREASURY
    fun sweep_empty_treasury(fx: &signer, publisher: &signer) acquires Registry, Treasury {
        setup(fx, publisher);
        sweep_treasury(publisher, @yenpay, 1);
    }

    // Events.

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun every_change_emits_its_event(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        assert!(event::was_event_emitted(&MerchantRegistered {
            owner: MERCHANT, name: utf8(b"Ramen Ichiban"), mcc: utf8(b"5812"), payout: PAYOUT, fee_bps: 300
        }), 1);
        assert!(event::was_event_emitted(&TerminalAdded { owner: MERCHANT, terminal: TERMINAL }), 2);
        let owner = &as_signer(MERCHANT);
        add_terminal(owner, @0xe1);
        remove_terminal(owner, @0xe1);
        assert!(event::was_event_emitted(&TerminalRemoved { owner: MERCHANT, terminal: @0xe1 }), 3);
        set_payout_address(owner, STRANGER);
        assert!(event::was_event_emitted(
            &PayoutAddressChanged { owner: MERCHANT, old_payout: PAYOUT, new_payout: STRANGER }
        ), 4);
        set_fee_bps(publisher, MERCHANT, 120);
        assert!(event::was_event_emitted(&FeeChanged { owner: MERCHANT, old_fee_bps: 300, new_fee_bps: 120 }), 5);
        suspend_merchant(publisher, MERCHANT, 9);
        assert!(event::was_event_emitted(&MerchantSuspended { owner: MERCHANT, reason: 9 }), 6);
        reactivate_merchant(publisher, MERCHANT);
        assert!(event::was_event_emitted(&MerchantReactivated { owner: MERCHANT }), 7);
        close_merchant(publisher, MERCHANT);
        assert!(event::was_event_emitted(&MerchantClosed { owner: MERCHANT }), 8);
        // Closing freed the remaining terminal, and said so.
        assert!(event::was_event_emitted(&TerminalRemoved { owner: MERCHANT, terminal: TERMINAL }), 9);
        propose_operator(publisher, PROPOSED);
        assert!(event::was_event_emitted(&OperatorProposed { operator: @deployer, proposed: PROPOSED }), 10);
        cancel_operator_proposal(publisher);
        assert!(event::was_event_emitted(&OperatorProposalCancelled { operator: @deployer, proposed: PROPOSED }), 11);
        propose_operator(publisher, PROPOSED);
        accept_operator(&as_signer(PROPOSED));
        assert!(event::was_event_emitted(&OperatorChanged { old_operator: @deployer, new_operator: PROPOSED }), 12);
    }

    // The fee.

    #[test]
    fun compute_fee_rounds_down() {
        assert!(compute_fee(1, 1) == 0, 1);
        assert!(compute_fee(9_999, 1) == 0, 2);
        assert!(compute_fee(10_000, 1) == 1, 3);
        assert!(compute_fee(19_999, 1) == 1, 4);
        assert!(compute_fee(333, 300) == 9, 5); // 9.99
        assert!(compute_fee(1_000_000, 1000) == 100_000, 6);
        assert!(compute_fee(1_000_000, 325) == 32_500, 7);
        assert!(compute_fee(0, 1000) == 0, 8);
        assert!(compute_fee(100, 0) == 0, 9);
        // No overflow at the top of u64: the product is taken in u128.
        assert!(compute_fee(18_446_744_073_709_551_615, 1000) == 1_844_674_407_370_955_161, 10);
    }

    #[test]
    #[expected_failure(abort_code = 0x10008, location = yenpay::merchant_registry)] // EFEE_TOO_HIGH
    fun compute_fee_refuses_fee_over_cap() {
        compute_fee(100, MAX_FEE_BPS + 1);
    }

    #[test(fx = @aptos_framework, publisher = @deployer)]
    fun quote_fee_matches_compute_fee(fx: &signer, publisher: &signer) acquires Registry {
        setup_merchants(fx, publisher);
        let (fee, net) = quote_fee(MERCHANT, 12_345);
        assert!(fee == compute_fee(12_345, 300) && fee == 370, 1);
        assert!(fee + net == 12_345, 2);
    }
}
