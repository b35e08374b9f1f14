/// Code control: the package lives at a resource account whose key was rotated away at publish, and only the
/// stablecoin's admin (`yenpay::controls`) can upgrade it.
///
/// The deployer publishes with `0x1::resource_account::create_resource_account_and_publish_package`; the package's
/// address is then `sha3-256(deployer || seed || 0xFF)` and its authentication key is zero, so no private key signs
/// for it. `init_module` takes the account's `SignerCapability` out of the deployer's container and keeps it here.
/// From then on the only way to publish new code at the package address is `upgrade_package`, which the current
/// stablecoin admin calls, so upgrade power moves with the admin role and its two-step transfer
/// (`controls::propose_admin`, `controls::accept_admin`), as Circle's stablecoin on Aptos gates upgrades by its
/// admin role. Upgrades stay under the package's `compatible` upgrade policy.
module yenpay::upgrade {
    use std::error;
    use std::signer;
    use aptos_framework::account::{Self, SignerCapability};
    use aptos_framework::code;
    use aptos_framework::event;
    use aptos_framework::resource_account;
    use yenpay::controls;

    //
    // Errors
    //

    /// The signer is not the stablecoin's admin, who alone may upgrade the package.
    const ENOT_ADMIN: u64 = 1;

    //
    // State
    //

    /// The package account's signer capability, at `@yenpay`.
    struct PackageSigner has key {
        signer_cap: SignerCapability,
    }

    //
    // Events
    //

    #[event]
    /// The admin published new code for the package.
    struct PackageUpgraded has drop, store {
        admin: address,
    }

    /// Runs at publish: takes the resource account's signer capability that the deployer's
    /// `create_resource_account_and_publish_package` left for it (this also zeroes the account's key).
    fun init_module(package: &signer) {
        let signer_cap = resource_account::retrieve_resource_account_cap(package, @deployer);
        move_to(package, PackageSigner { signer_cap });
    }

    //
    // Admin
    //

    /// Publishes `code` with `metadata_serialized` (what `aptos move compile --save-metadata` writes) at the package
    /// address. Only the stablecoin's admin may call it.
    public entry fun upgrade_package(
        admin: &signer,
        metadata_serialized: vector<u8>,
        code: vector<vector<u8>>,
    ) acquires PackageSigner {
        let admin_address = signer::address_of(admin);
        assert!(admin_address == controls::admin(), error::permission_denied(ENOT_ADMIN));
        let package = account::create_signer_with_capability(&PackageSigner[@yenpay].signer_cap);
        code::publish_package_txn(&package, metadata_serialized, code);
        event::emit(PackageUpgraded { admin: admin_address });
    }

    //
    // Views
    //

    #[view]
    /// Whether the package holds its own signer capability, i.e. it was published through a resource account and
    /// only `upgrade_package` can change its code.
    public fun is_code_controlled(): bool {
        exists<PackageSigner>(@yenpay)
    }

    //
    // Tests
    //

    #[test_only]
    /// Stands in for `init_module` in unit tests, where no resource account published the package.
    public fun init_for_test(package: &signer) {
        move_to(package, PackageSigner { signer_cap: account::create_test_signer_cap(signer::address_of(package)) });
    }
}
