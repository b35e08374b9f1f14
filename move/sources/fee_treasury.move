/// The operator's fee treasury: where the fee of every payment goes, where refunds take the fee share back from, and
/// what the operator sweeps.
///
/// The treasury is the primary store of a named object under `@yenpay` whose `ExtendRef` this module keeps, so
/// refunds can return fees from it without the operator's signature. Its store is approved to hold the stablecoin at
/// init (the hooks refuse every store that is neither an account's primary store nor approved), and the object is
/// untransferable. It is owned by the package's resource account, whose key was rotated away at publish; only the
/// stablecoin's admin can upgrade the package (`yenpay::upgrade`). The operator is whoever
/// `merchant_registry::is_operator` says it is.
///
/// Under Block-STM every fee-bearing payment writes the treasury store, so it is upgraded to a concurrent-balance
/// store where the chain enables it (feature `CONCURRENT_FUNGIBLE_BALANCE`): deposits then add to an aggregator and
/// do not conflict. Where it is not enabled the treasury keeps a plain balance and those payments are applied one
/// after another; the result is the same, only throughput differs.
///
/// The treasury holds the fees of every paid invoice, and refunds return the fee share from it. The operator
/// should sweep only what exceeds the fees it may still have to return; a refund that finds the treasury short
/// aborts (and can be retried once the operator tops it up).
module yenpay::fee_treasury {
    use std::error;
    use std::features;
    use std::signer;
    use aptos_framework::event;
    use aptos_framework::fungible_asset::{Self, FungibleAsset};
    use aptos_framework::object::{Self, ExtendRef};
    use aptos_framework::primary_fungible_store;
    use yenpay::controls;
    use yenpay::merchant_registry;
    use yenpay::stablecoin;

    //
    // Errors
    //

    /// The signer is not the operator.
    const ENOT_OPERATOR: u64 = 1;
    /// The amount is zero.
    const EZERO_AMOUNT: u64 = 19;
    /// The treasury holds less than the amount asked for.
    const EINSUFFICIENT_TREASURY: u64 = 20;

    //
    // Constants
    //

    /// Seed of the treasury object under `@yenpay`.
    const TREASURY_SEED: vector<u8> = b"YENPAY_TREASURY";

    //
    // State
    //

    #[resource_group_member(group = aptos_framework::object::ObjectGroup)]
    /// Kept at the treasury object: its signer moves fee refunds and sweeps out of the treasury store.
    struct Treasury has key {
        extend_ref: ExtendRef,
    }

    //
    // Events
    //

    #[event]
    /// The operator moved collected fees out of the treasury.
    struct TreasurySwept has drop, store {
        to: address,
        amount: u64,
    }

    /// Runs at publish, after the stablecoin's init: creates the treasury and approves its store.
    fun init_module(publisher: &signer) {
        let constructor_ref = &object::create_named_object(publisher, TREASURY_SEED);
        // Nobody can hand the treasury (and with it the store) to another owner.
        object::set_untransferable(constructor_ref);
        let treasury_signer = &object::generate_signer(constructor_ref);
        let treasury = signer::address_of(treasury_signer);
        move_to(treasury_signer, Treasury { extend_ref: object::generate_extend_ref(constructor_ref) });
        let store = primary_fungible_store::ensure_primary_store_exists(treasury, stablecoin::metadata());
        controls::approve_package_store(store.object_address());
        // Every fee-bearing payment deposits here; an aggregator-backed balance keeps them from conflicting.
        // The framework aborts the upgrade where the feature is off, so only ask where it is on.
        if (features::concurrent_fungible_balance_enabled()) {
            fungible_asset::upgrade_store_to_concurrent(treasury_signer, store);
        };
    }

    //
    // Operator
    //

    /// Moves `amount` of collected fees from the treasury to `to`. Refused to an operator that is denylisted, or owned
    /// by an object that is (`merchant_registry::EDENYLISTED`): the treasury's store is clean, so no hook would see it.
    public entry fun sweep(operator: &signer, to: address, amount: u64) acquires Treasury {
        let operator = signer::address_of(operator);
        assert!(merchant_registry::is_operator(operator), error::permission_denied(ENOT_OPERATOR));
        merchant_registry::assert_not_denylisted(operator);
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        assert!(
            primary_fungible_store::is_balance_at_least(treasury_address(), stablecoin::metadata(), amount),
            error::invalid_argument(EINSUFFICIENT_TREASURY)
        );
        primary_fungible_store::deposit(to, withdraw(amount));
        event::emit(TreasurySwept { to, amount });
    }

    //
    // Package functions
    //

    /// Deposits a fee into the treasury, through the stablecoin's deposit hook.
    package fun deposit_fee(fa: FungibleAsset) {
        primary_fungible_store::deposit(treasury_address(), fa);
    }

    /// Takes the fee share of a refund out of the treasury, through the stablecoin's withdraw hook.
    package fun withdraw_fee_refund(amount: u64): FungibleAsset acquires Treasury {
        withdraw(amount)
    }

    //
    // Views
    //

    #[view]
    /// The fee treasury object; its primary store holds the fees.
    public fun treasury_address(): address {
        object::create_object_address(&@yenpay, TREASURY_SEED)
    }

    #[view]
    /// Fees in the treasury.
    public fun balance(): u64 {
        primary_fungible_store::balance(treasury_address(), stablecoin::metadata())
    }

    //
    // Internals
    //

    fun withdraw(amount: u64): FungibleAsset acquires Treasury {
        let treasury_signer = &Treasury[treasury_address()].extend_ref.generate_signer_for_extending();
        primary_fungible_store::withdraw(treasury_signer, stablecoin::metadata(), amount)
    }

    //
    // Tests
    //

    #[test_only]
    /// Runs `init_module` in the package's tests.
    public fun init_for_test(publisher: &signer) {
        init_module(publisher);
    }

    #[test_only]
    /// Whether the treasury object holds its `ExtendRef` (what refunds and sweeps need).
    public fun has_extend_ref_for_test(): bool {
        exists<Treasury>(treasury_address())
    }

    #[test_only]
    public fun treasury_swept_for_test(to: address, amount: u64): TreasurySwept { TreasurySwept { to, amount } }
}
