/// Issuance of the yenpay yen stablecoin (YJPY): the master minter, the minters with their allowances, mint and burn.
///
/// The master minter (set by the admin of `yenpay::controls`) adds minters and sets how much each may still mint;
/// a minter spends its allowance by minting and destroys coins it holds by burning them (the redemption path: a
/// holder sends coins to the issuer, the issuer pays out yen and burns). Mint and burn stop while the asset is
/// paused and refuse a denylisted minter; minted coins go only to a holder that may hold them (an account, or an
/// object whose store the admin approved). Mint and burn are not transfers, so the per-transfer cap does not apply.
///
/// The asset and its capabilities stay in `yenpay::stablecoin`; this module asks it, through `package` functions,
/// to mint and to burn. Those move funds with the stablecoin's own references, never through
/// `primary_fungible_store` or `dispatchable_fungible_asset`, so no hook dispatches while the stablecoin is on the
/// call stack. `mint_fa` hands the coins to the caller instead, who deposits them through the dispatchable path, so
/// the hooks check the receiver.
module yenpay::issuance {
    use std::error;
    use std::signer;
    use aptos_std::table::{Self, Table};
    use aptos_framework::event;
    use aptos_framework::fungible_asset::FungibleAsset;
    use yenpay::controls;
    use yenpay::stablecoin;

    //
    // Errors
    //
    // Integrators see these names: the Rust client maps codes to them. They kept their numbers when minting moved
    // here from `yenpay::stablecoin`.

    /// The signer is not the master minter.
    const ENOT_MASTER_MINTER: u64 = 4;
    /// The signer is not a minter.
    const ENOT_MINTER: u64 = 5;
    /// The amount exceeds the minter's allowance.
    const EALLOWANCE_EXCEEDED: u64 = 11;
    /// The amount must be greater than zero.
    const EZERO_AMOUNT: u64 = 12;
    /// The address is not a minter.
    const EMINTER_NOT_FOUND: u64 = 23;

    //
    // State
    //

    /// The master minter, at `@yenpay`. Changed only by the admin (`set_master_minter`).
    struct MasterMinter has key {
        account: address,
    }

    /// Minters and their remaining allowances, at `@yenpay`. Apart from the master minter, so that minting, which
    /// writes here, never conflicts with reading who the master minter is.
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
    /// The master minter changed.
    struct MasterMinterChanged has drop, store { old: address, new: address }

    #[event]
    /// A minter was added or its allowance set.
    struct MinterConfigured has drop, store { minter: address, allowance: u64 }

    #[event]
    /// A minter was removed.
    struct MinterRemoved has drop, store { minter: address }

    /// Makes the deployer (the account that created the package's resource account; in `--dev` builds, the package
    /// address) the master minter, with no minter yet.
    fun init_module(publisher: &signer) {
        move_to(publisher, MasterMinter { account: @deployer });
        move_to(publisher, Minters { allowances: table::new() });
    }

    //
    // Admin
    //

    /// Sets the master minter. Signed by the admin of `yenpay::controls`.
    public entry fun set_master_minter(admin: &signer, new_master_minter: address) acquires MasterMinter {
        controls::assert_admin(admin);
        let master_minter = &mut MasterMinter[@yenpay].account;
        let old = *master_minter;
        *master_minter = new_master_minter;
        event::emit(MasterMinterChanged { old, new: new_master_minter });
    }

    //
    // Master minter
    //

    /// Adds `minter` or sets its allowance.
    public entry fun configure_minter(
        master_minter: &signer, minter: address, allowance: u64
    ) acquires MasterMinter, Minters {
        assert_master_minter(master_minter);
        Minters[@yenpay].allowances.upsert(minter, allowance);
        event::emit(MinterConfigured { minter, allowance });
    }

    /// Removes `minter`.
    public entry fun remove_minter(master_minter: &signer, minter: address) acquires MasterMinter, Minters {
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
    public entry fun mint(minter: &signer, to: address, amount: u64) acquires Minters {
        spend_allowance(minter, amount);
        stablecoin::mint_to(to, amount);
        event::emit(Minted { minter: signer::address_of(minter), to, amount });
    }

    /// Mints `amount` for composition, spending the minter's allowance. The caller deposits it
    /// through `primary_fungible_store` or `dispatchable_fungible_asset`, so the hooks apply.
    public fun mint_fa(minter: &signer, amount: u64): FungibleAsset acquires Minters {
        spend_allowance(minter, amount);
        let fa = stablecoin::mint_asset(amount);
        let minter = signer::address_of(minter);
        event::emit(Minted { minter, to: minter, amount });
        fa
    }

    /// Burns `amount` from the minter's primary store (the redemption path).
    public entry fun burn(minter: &signer, amount: u64) acquires Minters {
        assert_can_burn(minter, amount);
        stablecoin::burn_from(signer::address_of(minter), amount);
        event::emit(Burned { minter: signer::address_of(minter), amount });
    }

    /// Burns `fa`, for composition.
    public fun burn_fa(minter: &signer, fa: FungibleAsset) acquires Minters {
        let amount = fa.amount();
        assert_can_burn(minter, amount);
        stablecoin::burn_asset(fa);
        event::emit(Burned { minter: signer::address_of(minter), amount });
    }

    //
    // Views
    //

    #[view]
    /// The master minter.
    public fun master_minter(): address acquires MasterMinter {
        MasterMinter[@yenpay].account
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

    //
    // Internals
    //

    fun assert_master_minter(account: &signer) acquires MasterMinter {
        assert!(
            MasterMinter[@yenpay].account == signer::address_of(account),
            error::permission_denied(ENOT_MASTER_MINTER)
        );
    }

    /// Checks the minter, the pause and the amount, and spends the allowance; the caller mints.
    fun spend_allowance(minter: &signer, amount: u64) acquires Minters {
        let minter_address = signer::address_of(minter);
        let allowances = &mut Minters[@yenpay].allowances;
        assert!(allowances.contains(minter_address), error::permission_denied(ENOT_MINTER));
        controls::assert_not_paused();
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        controls::assert_not_denylisted(minter_address);
        let allowance = allowances.borrow_mut(minter_address);
        assert!(amount <= *allowance, error::out_of_range(EALLOWANCE_EXCEEDED));
        *allowance -= amount;
    }

    fun assert_can_burn(minter: &signer, amount: u64) acquires Minters {
        let minter = signer::address_of(minter);
        assert!(Minters[@yenpay].allowances.contains(minter), error::permission_denied(ENOT_MINTER));
        controls::assert_not_paused();
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        controls::assert_not_denylisted(minter);
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
