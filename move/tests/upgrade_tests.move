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

    // Staged upgrades: chunks in order, from the admin only.

    /// Whether the staging area holds `metadata` bytes of metadata and modules of `code` bytes.
    fun staged_is(metadata: u64, code: vector<u64>): bool {
        let (staged_metadata, staged_code) = upgrade::staged_upgrade();
        staged_metadata == metadata && staged_code == code
    }

    /// The arbitrary-policy metadata split after its first `at` bytes.
    fun metadata_halves(at: u64): (vector<u8>, vector<u8>) {
        let first = arbitrary_policy_metadata();
        let second = first.trim(at);
        (first, second)
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun chunks_assemble_in_order_and_discard_deletes_them(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        assert!(staged_is(0, vector[]), 1);
        let admin = h::signer_of(@deployer);
        let (first, second) = metadata_halves(3);
        upgrade::stage_upgrade_chunk(&admin, first, vector[0], vector[x"a11ceb0b"]);
        // Module 0 continues, module 1 starts, in one chunk.
        upgrade::stage_upgrade_chunk(&admin, second, vector[0, 1], vector[x"0102", x"a11ceb0b0a"]);
        upgrade::stage_upgrade_chunk(&admin, vector[], vector[1], vector[x"ff"]);
        let metadata_length = arbitrary_policy_metadata().length();
        assert!(staged_is(metadata_length, vector[6, 6]), 2);
        upgrade::discard_staged_upgrade(&admin);
        assert!(staged_is(0, vector[]), 3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10008, location = aptos_framework::code)] // code EINCOMPATIBLE_POLICY_DISABLED
    fun staged_metadata_is_what_the_admin_publishes(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        let admin = h::signer_of(@deployer);
        let (first, second) = metadata_halves(5);
        upgrade::stage_upgrade_chunk(&admin, first, vector[], vector[]);
        upgrade::stage_upgrade_chunk(&admin, second, vector[], vector[]);
        // The framework reads the reassembled metadata: its policy byte is what it refuses.
        upgrade::publish_staged_upgrade(&admin);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10002, location = yenpay::upgrade)] // invalid_argument(EINVALID_CHUNKS)
    fun a_chunk_may_not_skip_a_module(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        upgrade::stage_upgrade_chunk(&h::signer_of(@deployer), vector[], vector[1], vector[x"a11ceb0b"]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10002, location = yenpay::upgrade)] // invalid_argument(EINVALID_CHUNKS)
    fun a_chunk_may_not_go_back_to_an_earlier_module(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        let admin = h::signer_of(@deployer);
        upgrade::stage_upgrade_chunk(&admin, vector[], vector[0, 1], vector[x"a1", x"a2"]);
        upgrade::stage_upgrade_chunk(&admin, vector[], vector[0], vector[x"a3"]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x10002, location = yenpay::upgrade)] // invalid_argument(EINVALID_CHUNKS)
    fun indices_and_chunks_must_pair(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        upgrade::stage_upgrade_chunk(&h::signer_of(@deployer), vector[], vector[0, 1], vector[x"a1"]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x60003, location = yenpay::upgrade)] // not_found(ENO_STAGED_UPGRADE)
    fun nothing_staged_nothing_to_publish(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        upgrade::publish_staged_upgrade(&h::signer_of(@deployer));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun discarding_nothing_staged_is_a_no_op(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        upgrade::discard_staged_upgrade(&h::signer_of(@deployer));
        assert!(staged_is(0, vector[]), 1);
        upgrade::discard_staged_upgrade(&h::signer_of(@deployer));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::upgrade)] // permission_denied(ENOT_ADMIN)
    fun discarding_nothing_still_needs_the_admin(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        upgrade::discard_staged_upgrade(&h::signer_of(h::stranger()));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::upgrade)] // permission_denied(ENOT_ADMIN)
    fun staging_rejects_a_stranger(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        upgrade::stage_upgrade_chunk(&h::signer_of(h::stranger()), vector[], vector[0], vector[x"a11ceb0b"]);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::upgrade)] // permission_denied(ENOT_ADMIN)
    fun publishing_a_staged_upgrade_rejects_the_old_admin(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        upgrade::stage_upgrade_chunk(publisher, vector[], vector[0], vector[x"a11ceb0b"]);
        controls::propose_admin(publisher, h::carol());
        controls::accept_admin(&h::signer_of(h::carol()));
        upgrade::publish_staged_upgrade(publisher);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50001, location = yenpay::upgrade)] // permission_denied(ENOT_ADMIN)
    fun discarding_rejects_the_pauser(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        upgrade::stage_upgrade_chunk(publisher, vector[], vector[0], vector[x"a11ceb0b"]);
        upgrade::discard_staged_upgrade(&h::signer_of(h::pauser()));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun a_new_admin_takes_over_a_staged_upgrade(framework: &signer, publisher: &signer) {
        setup(framework, publisher);
        upgrade::stage_upgrade_chunk(publisher, vector[], vector[0], vector[x"a1"]);
        controls::propose_admin(publisher, h::carol());
        controls::accept_admin(&h::signer_of(h::carol()));
        upgrade::stage_upgrade_chunk(&h::signer_of(h::carol()), vector[], vector[0], vector[x"a2"]);
        assert!(staged_is(0, vector[2]), 1);
        upgrade::discard_staged_upgrade(&h::signer_of(h::carol()));
    }
}
