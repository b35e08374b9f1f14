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
///
/// An upgrade too large for one transaction (the chain's 64 KiB limit) is staged in chunks by the admin
/// (`stage_upgrade_chunk`) and published by `publish_staged_upgrade`, as the framework's `large_packages` does for an
/// account whose key signs; here only the package holds its signer, so it keeps the staging area itself.
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
    /// The chunks do not line up: as many indices as chunks, each continuing the last module staged or starting the
    /// next one.
    const EINVALID_CHUNKS: u64 = 2;
    /// No upgrade is staged.
    const ENO_STAGED_UPGRADE: u64 = 3;

    //
    // State
    //

    /// The package account's signer capability, at `@yenpay`.
    struct PackageSigner has key {
        signer_cap: SignerCapability,
    }

    /// An upgrade staged chunk by chunk, at `@yenpay` until it is published or discarded: the package metadata and
    /// each module's bytecode, in publishing order.
    struct StagedUpgrade has key {
        metadata_serialized: vector<u8>,
        code: vector<vector<u8>>,
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
        let admin_address = assert_admin(admin);
        code::publish_package_txn(&package_signer(), metadata_serialized, code);
        event::emit(PackageUpgraded { admin: admin_address });
    }

    /// Stages a chunk of an upgrade too large for one transaction: appends `metadata_chunk` to the package metadata
    /// and each `code_chunks[i]` to module `code_indices[i]`, which must be the last module staged (its bytecode
    /// continues) or the next one (it starts). Only the stablecoin's admin may call it; the admin's account pays the
    /// staging area's storage, returned when `publish_staged_upgrade` or `discard_staged_upgrade` deletes it.
    public entry fun stage_upgrade_chunk(
        admin: &signer,
        metadata_chunk: vector<u8>,
        code_indices: vector<u16>,
        code_chunks: vector<vector<u8>>,
    ) acquires PackageSigner, StagedUpgrade {
        assert_admin(admin);
        let count = code_indices.length();
        assert!(count == code_chunks.length(), error::invalid_argument(EINVALID_CHUNKS));
        if (!exists<StagedUpgrade>(@yenpay)) {
            move_to(&package_signer(), StagedUpgrade { metadata_serialized: vector[], code: vector[] });
        };
        let staged = &mut StagedUpgrade[@yenpay];
        staged.metadata_serialized.append(metadata_chunk);
        for (i in 0..count) {
            let index = (code_indices[i] as u64);
            let modules = staged.code.length();
            if (index == modules) {
                staged.code.push_back(code_chunks[i]);
            } else {
                assert!(index + 1 == modules, error::invalid_argument(EINVALID_CHUNKS));
                staged.code.borrow_mut(index).append(code_chunks[i]);
            }
        };
    }

    /// Publishes the staged upgrade at the package address and deletes the staging area. Only the stablecoin's admin
    /// may call it.
    public entry fun publish_staged_upgrade(admin: &signer) acquires PackageSigner, StagedUpgrade {
        let admin_address = assert_admin(admin);
        let StagedUpgrade { metadata_serialized, code } = take_staged();
        code::publish_package_txn(&package_signer(), metadata_serialized, code);
        event::emit(PackageUpgraded { admin: admin_address });
    }

    /// Deletes the staged upgrade unpublished (a staging gone wrong, or superseded), if there is one: a chunked
    /// upgrade starts with it, so that it never appends to what an interrupted one left. Only the stablecoin's admin
    /// may call it.
    public entry fun discard_staged_upgrade(admin: &signer) acquires StagedUpgrade {
        assert_admin(admin);
        if (exists<StagedUpgrade>(@yenpay)) {
            let StagedUpgrade { metadata_serialized: _, code: _ } = take_staged();
        }
    }

    fun assert_admin(admin: &signer): address {
        let admin_address = signer::address_of(admin);
        assert!(admin_address == controls::admin(), error::permission_denied(ENOT_ADMIN));
        admin_address
    }

    fun package_signer(): signer acquires PackageSigner {
        account::create_signer_with_capability(&PackageSigner[@yenpay].signer_cap)
    }

    fun take_staged(): StagedUpgrade acquires StagedUpgrade {
        assert!(exists<StagedUpgrade>(@yenpay), error::not_found(ENO_STAGED_UPGRADE));
        move_from<StagedUpgrade>(@yenpay)
    }

    //
    // Views
    //

    #[view]
    /// What is staged of an upgrade so far: the metadata's length and each module's, in bytes (0 and none when
    /// nothing is staged).
    public fun staged_upgrade(): (u64, vector<u64>) acquires StagedUpgrade {
        if (!exists<StagedUpgrade>(@yenpay)) {
            return (0, vector[])
        };
        let staged = &StagedUpgrade[@yenpay];
        (staged.metadata_serialized.length(), staged.code.map_ref(|bytecode| bytecode.length()))
    }

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
