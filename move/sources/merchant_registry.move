/// The payment operator's record of merchants: who may take payments, where the money goes and at what fee.
///
/// A payment operator (PSP) onboards a merchant after off-chain KYC. The record keyed by the merchant's owner
/// account holds its display name, MCC (ISO 18245), payout address, fee in basis points, status and the
/// terminal accounts that may create and collect invoices for it. The invoice module trusts this record when
/// money moves, through the `package` functions below. The operator role changes hands in two steps
/// (`yenpay::role`); the fee treasury (`yenpay::fee_treasury`) asks this module who the operator is.
///
/// The stablecoin's denylist holds here too, exactly as its hooks apply it (`controls::is_restricted`: the address or
/// any object owning it, within the hooks' bound): a denylisted merchant owner, payout address or terminal can neither
/// be registered, added nor named as payout, and cannot create, collect or take payments; a denylisted operator cannot
/// act, and the stablecoin's admin may propose its successor (`propose_operator_replacement`).
///
/// Under Block-STM, payments to different merchants only read the `Registry` resource and a merchant's table
/// item: nothing here is written on the payment path.
module yenpay::merchant_registry {
    use std::error;
    use std::option::{Self, Option};
    use std::signer;
    use std::string::String;
    use aptos_framework::event;
    use aptos_framework::object;
    use aptos_framework::timestamp;
    use aptos_std::table::{Self, Table};
    use yenpay::controls;
    use yenpay::role::{Self, TwoStepRole};
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
    // 19 (EZERO_AMOUNT) and 20 (EINSUFFICIENT_TREASURY) moved with the sweep to `yenpay::fee_treasury`.
    /// The merchant's owner, its payout address, the terminal or the operator is on the stablecoin's denylist, or is
    /// owned by an object that is.
    const EDENYLISTED: u64 = 21;
    /// The signer is not the stablecoin's admin.
    const ENOT_ADMIN: u64 = 22;
    /// The operator is not denylisted: only the operator itself hands its role over.
    const EOPERATOR_NOT_DENYLISTED: u64 = 23;

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
        operator: TwoStepRole,
        merchants: Table<address, Merchant>,
        /// Terminal account to the owner of the merchant it belongs to.
        terminal_owner: Table<address, address>,
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
    /// The stablecoin's admin proposed a successor to a denylisted operator, who takes over on `accept_operator`.
    struct OperatorReplacementProposed has drop, store {
        admin: address,
        operator: address,
        proposed: address,
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

    /// Runs at publish: the deployer is the operator.
    fun init_module(publisher: &signer) {
        move_to(publisher, Registry {
            operator: role::new(@deployer),
            merchants: table::new(),
            terminal_owner: table::new(),
        });
    }

    //
    // Operator
    //

    /// Proposes `new_operator`; it takes over once it calls `accept_operator`. Replaces any earlier proposal.
    public entry fun propose_operator(operator: &signer, new_operator: address) acquires Registry {
        let registry = borrow_registry_mut_as_operator(operator);
        registry.operator.propose(new_operator);
        event::emit(OperatorProposed { operator: registry.operator.holder(), proposed: new_operator });
    }

    /// Withdraws the pending operator proposal.
    public entry fun cancel_operator_proposal(operator: &signer) acquires Registry {
        let registry = borrow_registry_mut_as_operator(operator);
        let proposed = registry.operator.cancel();
        assert!(proposed.is_some(), error::invalid_state(ENO_PENDING_OPERATOR));
        let proposed = proposed.destroy_some();
        event::emit(OperatorProposalCancelled { operator: registry.operator.holder(), proposed });
    }

    /// The proposed operator takes the role.
    public entry fun accept_operator(new_operator: &signer) acquires Registry {
        let role = &mut Registry[@yenpay].operator;
        assert!(role.has_pending(), error::invalid_state(ENO_PENDING_OPERATOR));
        let new_address = signer::address_of(new_operator);
        let old_operator = role.accept(new_address);
        assert!(old_operator.is_some(), error::permission_denied(ENOT_PENDING_OPERATOR));
        event::emit(OperatorChanged { old_operator: old_operator.destroy_some(), new_operator: new_address });
    }

    /// Proposes `new_operator` in place of an operator that is denylisted (directly or through an owner object), which
    /// can no longer act or hand its role over. Signed by the stablecoin's admin; the successor takes the role with
    /// `accept_operator`, as in an ordinary hand-over.
    public entry fun propose_operator_replacement(admin: &signer, new_operator: address) acquires Registry {
        let admin = signer::address_of(admin);
        assert!(controls::admin() == admin, error::permission_denied(ENOT_ADMIN));
        let role = &mut Registry[@yenpay].operator;
        let operator = role.holder();
        assert!(controls::is_restricted(operator), error::invalid_state(EOPERATOR_NOT_DENYLISTED));
        role.propose(new_operator);
        event::emit(OperatorReplacementProposed { admin, operator, proposed: new_operator });
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

    /// The payout address and fee of `merchant` for a code that `terminal` signed off chain
    /// (`invoice::pay_signed_invoice`): aborts unless the merchant is registered and active, `terminal` is, now, its
    /// owner or one of its terminals (a removed terminal, or one moved to another merchant, signs for it no more),
    /// and neither is denylisted. The merchant record is read once.
    package fun signed_settlement_terms(terminal: address, merchant: address): (address, u64) acquires Registry {
        let registry = &Registry[@yenpay];
        assert!(registry.merchants.contains(merchant), error::not_found(EMERCHANT_NOT_FOUND));
        if (terminal != merchant) {
            assert!(
                registry.terminal_owner.contains(terminal) && *registry.terminal_owner.borrow(terminal) == merchant,
                error::permission_denied(ENOT_MERCHANT_OR_TERMINAL)
            );
            assert_not_denylisted(terminal);
        };
        let record = registry.merchants.borrow(merchant);
        assert!(record.status is MerchantStatus::Active, error::invalid_state(EMERCHANT_NOT_ACTIVE));
        assert_not_denylisted(merchant);
        (record.payout, record.fee_bps)
    }

    /// Aborts if `account`, or an object owning it, is on the stablecoin's denylist (or its owner chain is too long
    /// to check): the one check of every account the package lets act, the same as the stablecoin's hooks apply.
    package fun assert_not_denylisted(account: address) {
        assert!(!controls::is_restricted(account), error::permission_denied(EDENYLISTED));
    }

    /// The payout address of `merchant`, whatever its status (refunds of earlier payments stay possible).
    package fun payout_of(merchant: address): address acquires Registry {
        borrow_merchant(merchant).payout
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
        Registry[@yenpay].operator.holder()
    }

    #[view]
    /// The proposed operator, if any.
    public fun pending_operator(): Option<address> acquires Registry {
        Registry[@yenpay].operator.pending()
    }

    #[view]
    /// Whether `account` is the operator.
    public fun is_operator(account: address): bool acquires Registry {
        Registry[@yenpay].operator.is_holder(account)
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

    inline fun borrow_registry_mut_as_operator(operator: &signer): &mut Registry {
        let operator = signer::address_of(operator);
        let registry = &mut Registry[@yenpay];
        assert!(registry.operator.is_holder(operator), error::permission_denied(ENOT_OPERATOR));
        assert_not_denylisted(operator);
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

    /// Payments go to the payout's primary store: an object's must be one the stablecoin's admin approved, or every
    /// payment would abort.
    fun assert_payout_accepted(payout: address) {
        assert!(
            !object::is_object(payout) || controls::is_approved_store(stablecoin::primary_store_address(payout)),
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

    //
    // Tests
    //

    #[test_only]
    /// Runs `init_module` in the package's tests.
    public fun init_for_test(publisher: &signer) {
        init_module(publisher);
    }

    // Values of this module's types, for tests elsewhere in the package to compare with.

    #[test_only]
    public fun active_for_test(): MerchantStatus { MerchantStatus::Active }

    #[test_only]
    public fun suspended_for_test(reason: u8): MerchantStatus { MerchantStatus::Suspended { reason } }

    #[test_only]
    public fun closed_for_test(): MerchantStatus { MerchantStatus::Closed }

    #[test_only]
    public fun operator_proposed_for_test(operator: address, proposed: address): OperatorProposed {
        OperatorProposed { operator, proposed }
    }

    #[test_only]
    public fun operator_proposal_cancelled_for_test(operator: address, proposed: address): OperatorProposalCancelled {
        OperatorProposalCancelled { operator, proposed }
    }

    #[test_only]
    public fun operator_replacement_proposed_for_test(
        admin: address, operator: address, proposed: address
    ): OperatorReplacementProposed {
        OperatorReplacementProposed { admin, operator, proposed }
    }

    #[test_only]
    public fun operator_changed_for_test(old_operator: address, new_operator: address): OperatorChanged {
        OperatorChanged { old_operator, new_operator }
    }

    #[test_only]
    public fun merchant_registered_for_test(
        owner: address, name: String, mcc: String, payout: address, fee_bps: u64
    ): MerchantRegistered {
        MerchantRegistered { owner, name, mcc, payout, fee_bps }
    }

    #[test_only]
    public fun merchant_suspended_for_test(owner: address, reason: u8): MerchantSuspended {
        MerchantSuspended { owner, reason }
    }

    #[test_only]
    public fun merchant_reactivated_for_test(owner: address): MerchantReactivated { MerchantReactivated { owner } }

    #[test_only]
    public fun merchant_closed_for_test(owner: address): MerchantClosed { MerchantClosed { owner } }

    #[test_only]
    public fun fee_changed_for_test(owner: address, old_fee_bps: u64, new_fee_bps: u64): FeeChanged {
        FeeChanged { owner, old_fee_bps, new_fee_bps }
    }

    #[test_only]
    public fun payout_address_changed_for_test(
        owner: address, old_payout: address, new_payout: address
    ): PayoutAddressChanged {
        PayoutAddressChanged { owner, old_payout, new_payout }
    }

    #[test_only]
    public fun terminal_added_for_test(owner: address, terminal: address): TerminalAdded {
        TerminalAdded { owner, terminal }
    }

    #[test_only]
    public fun terminal_removed_for_test(owner: address, terminal: address): TerminalRemoved {
        TerminalRemoved { owner, terminal }
    }
}
