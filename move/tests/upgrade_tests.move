#[test_only]
/// Code control (`yenpay::upgrade`): only the stablecoin's current admin can publish new code at the package
/// address, so upgrade power moves with the admin role's two-step transfer. Every other role, and the old admin
/// after a transfer, is refused at the gate.
///
/// To see the admin pass the gate without real bytecode, the tests hand `upgrade_package` well-formed package
/// metadata with the `arbitrary` upgrade policy (0), which the framework's `code::publish_package` refuses right
/// after the publishing-permission check: its abort, at `aptos_framework::code`, proves the call got past ours.
///
/// Abort codes are category * 0x10000 + reason (std::error): invalid_argument 0x1, permission_denied 0x5.
module yenpay::upgrade_tests {
    use std::bcs;
    use std::option::{Self, Option};
    use std::string::{String, utf8};
    use yenpay::controls;
    use yenpay::stablecoin_test_helpers as h;
    use yenpay::upgrade;

    /// The BCS layout of `aptos_framework::code::PackageMetadata` with no modules, no dependencies and no
    /// extension: `UpgradePolicy { policy: u8 }` serializes as its byte, an empty vector as its length 0 and
    /// `option::none()` as an empty vector, whatever the element type.
    struct PackageMetadataLayout has drop {
        name: String,
        upgrade_policy: u8,
        upgrade_number: u64,
        source_digest: String,
        manifest: vector<u8>,
        modules: vector<u8>,
        deps: vector<u8>,
        extension: Option<u8>,
    }

    /// Serialized metadata of the package with the `arbitrary` policy, which the framework no longer accepts.
    fun arbitrary_policy_metadata(): vector<u8> {
        bcs::to_bytes(&PackageMetadataLayout {
            name: utf8(b"YenPay"),
            upgrade_policy: 0,
            upgrade_number: 0,
            source_digest: utf8(b""),
            manifest: vector[],
            modules: vector[],
            deps: vector[],
            extension: option::none(),
        })
    }

    /// The stablecoin with its roles split (see the helpers), and the package's signer capability stored as
    /// `init_module` would store it at publish.
    fun setup(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        upgrade::init_for_test(&h::package_signer());
    }

    fun upgrade_as(account: address) {
        upgrade::upgrade_package(&h::signer_of(account), arbitrary_policy_metadata(), vector[]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun code_is_controlled_once_the_signer_capability_is_stored(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        assert!(!upgrade::is_code_controlled(), 1);
        upgrade::init_for_test(&h::package_signer());
        assert!(upgrade::is_code_controlled(), 2);
    }

    // The admin passes the gate.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10008, location = aptos_framework::code)] // code EINCOMPATIBLE_POLICY_DISABLED
    fun admin_passes_the_gate(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        assert!(controls::admin() == @deployer, 1);
        upgrade_as(@deployer);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10008, location = aptos_framework::code)] // code EINCOMPATIBLE_POLICY_DISABLED
    fun new_admin_passes_the_gate(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        controls::propose_admin(publisher, h::carol());
        controls::accept_admin(&h::signer_of(h::carol()));
        upgrade_as(h::carol());
    }

    // Everyone else is refused.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::upgrade)] // permission_denied(ENOT_ADMIN)
    fun upgrade_rejects_master_minter(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        upgrade_as(h::master());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::upgrade)] // permission_denied(ENOT_ADMIN)
    fun upgrade_rejects_pauser(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        upgrade_as(h::pauser());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::upgrade)] // permission_denied(ENOT_ADMIN)
    fun upgrade_rejects_denylister(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        upgrade_as(h::denylister());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::upgrade)] // permission_denied(ENOT_ADMIN)
    fun upgrade_rejects_minter(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        upgrade_as(h::minter());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::upgrade)] // permission_denied(ENOT_ADMIN)
    fun upgrade_rejects_stranger(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        upgrade_as(h::stranger());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::upgrade)] // permission_denied(ENOT_ADMIN)
    fun upgrade_rejects_proposed_admin_before_accepting(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        controls::propose_admin(publisher, h::carol());
        upgrade_as(h::carol());
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::upgrade)] // permission_denied(ENOT_ADMIN)
    fun upgrade_rejects_old_admin(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        controls::propose_admin(publisher, h::carol());
        controls::accept_admin(&h::signer_of(h::carol()));
        upgrade_as(@deployer);
    }
}
