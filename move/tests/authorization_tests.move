#[test_only]
/// Signed authorizations (`yenpay::authorization`, EIP-3009 for Move) and the stablecoin's transfer with
/// authorization: every way an authorization can be wrong, the separation of the two signed types
/// (`TransferAuthorization`, `CollectionAuthorization`), accounts of both Ed25519 schemes (legacy and SingleKey), and
/// the cross-language known answer of testdata/known_answers.md, which the Rust test in
/// crates/yenpay-types/src/authorization.rs pins too.
///
/// Abort codes are category * 0x10000 + reason (std::error): invalid_argument 0x1,
/// out_of_range 0x2, invalid_state 0x3, permission_denied 0x5.
module yenpay::authorization_tests {
    use std::bcs;
    use std::hash;
    use aptos_std::ed25519;
    use aptos_std::from_bcs;
    use aptos_std::single_key;
    use aptos_framework::account;
    use aptos_framework::event;
    use aptos_framework::primary_fungible_store;
    use aptos_framework::timestamp;
    use aptos_framework::fungible_asset::FungibleAsset;
    use yenpay::authorization;
    use yenpay::controls;
    use yenpay::stablecoin;
    use yenpay::stablecoin_test_helpers as h;

    // Known answer: Ed25519 seed = 32 bytes of 0x07, chain id 4, @yenpay = 0xcafe.
    /// Public key of the seed [7u8; 32].
    const KAT_PUBLIC_KEY: vector<u8> = x"ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c";
    /// sha3_256(public key || 0x00): the key's authentication key, used as the account address.
    const KAT_FROM: address = @0xcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad;
    /// Metadata object address under 0xcafe with seed b"YJPY".
    const KAT_METADATA: address = @0x72ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18;
    const KAT_TO: address = @0xb0b;
    const KAT_AMOUNT: u64 = 1234;
    const KAT_VALID_AFTER: u64 = 0;
    const KAT_VALID_BEFORE: u64 = 2000000000;
    /// Word 0x2a of the holder's nonce bitmap, bit 0x2a.
    const KAT_NONCE: u64 = 0x2a2a;
    /// Signature over BCS(SignedMessage<TransferAuthorization>) with the fields above.
    const KAT_SIGNATURE: vector<u8> = x"65a0c3c862e3b6e6206b9186e3cf562844d1bfb0997f204d4c4f5490c49c2294a72de3bdc3c25c3c286a0daf865d036841b8bfa58fd1c5c3c349405157cbff0f";
    /// Signature over BCS(SignedMessage<CollectionAuthorization>) with the same fields (`KAT_TO` as the merchant).
    const KAT_COLLECTION_SIGNATURE: vector<u8> = x"2ed58089024e60a6860bffafc937e8e93bacc987aa8e4aad0313a5022da55d28a6f6eea59f5211925eb9e149c2ff4e97cb5ecaa75aaf870e2e8cb20857c74009";

    /// A holder with a fresh Ed25519 key whose account address is its authentication key.
    struct Holder has drop {
        sk: ed25519::SecretKey,
        public_key: vector<u8>,
        addr: address,
    }

    fun new_holder(balance: u64): Holder {
        let (sk, pk) = ed25519::generate_keys();
        let addr = from_bcs::to_address(ed25519::validated_public_key_to_authentication_key(&pk));
        account::create_account_for_test(addr);
        if (balance > 0) h::mint_to(addr, balance);
        Holder { sk, public_key: ed25519::validated_public_key_to_bytes(&pk), addr }
    }

    fun nonce(n: u64): u64 { n }

    /// `holder` cancels its nonce `n` alone.
    fun cancel(holder: address, n: u64) {
        authorization::cancel_nonces(&h::signer_of(holder), n >> 8, 1 << ((n & 0xff) as u8));
    }

    /// `signer_holder` signs an authorization for `from`'s funds (normally the same holder).
    fun sign(
        signer_holder: &Holder, chain: u8, from: address, to: address, amount: u64,
        valid_after: u64, valid_before: u64, nonce: u64,
    ): vector<u8> {
        let message = authorization::new_transfer_authorization_for_test(
            chain, stablecoin::metadata_address(), from, to, amount, valid_after, valid_before, nonce
        );
        ed25519::signature_to_bytes(&ed25519::sign_struct(&signer_holder.sk, message))
    }

    /// `signer_holder` signs a customer-presented collection of `from`'s funds for `merchant`.
    fun sign_collection(
        signer_holder: &Holder, chain: u8, from: address, merchant: address, amount: u64,
        valid_after: u64, valid_before: u64, nonce: u64,
    ): vector<u8> {
        let message = authorization::new_collection_authorization_for_test(
            chain, stablecoin::metadata_address(), from, merchant, amount, valid_after, valid_before, nonce
        );
        ed25519::signature_to_bytes(&ed25519::sign_struct(&signer_holder.sk, message))
    }

    /// A holder whose account is a SingleKey Ed25519 account: its address is its authentication key,
    /// sha3-256(0x00 || 0x20 || pk || 0x02) (the BCS of `AnyPublicKey::Ed25519` and the SingleKey scheme byte),
    /// as the framework's own `single_key` module derives it.
    fun new_single_key_holder(balance: u64): Holder {
        let (sk, pk) = ed25519::generate_keys();
        let public_key = ed25519::validated_public_key_to_bytes(&pk);
        let any_public_key = single_key::from_ed25519_public_key_unvalidated(
            ed25519::new_unvalidated_public_key_from_bytes(public_key)
        );
        let auth_key = single_key::to_authentication_key(&any_public_key);
        let preimage = vector[0x00, 0x20];
        preimage.append(public_key);
        preimage.push_back(0x02);
        assert!(hash::sha3_256(preimage) == auth_key, 100);
        // Not the legacy authentication key of the same key.
        assert!(auth_key != ed25519::validated_public_key_to_authentication_key(&pk), 101);
        let addr = from_bcs::to_address(auth_key);
        account::create_account_for_test(addr);
        assert!(account::get_authentication_key(addr) == auth_key, 102);
        if (balance > 0) h::mint_to(addr, balance);
        Holder { sk, public_key, addr }
    }

    /// What `invoice::collect_with_authorization` does with a customer's code once it has checked the invoice: the
    /// authorization module checks the collection and the stablecoin carries out the withdrawal.
    fun withdraw_for_collection(
        merchant: address, from: address, amount: u64, valid_after: u64, valid_before: u64, nonce: u64,
        public_key: vector<u8>, signature: vector<u8>,
    ): FungibleAsset {
        let withdrawal = authorization::use_collection_authorization(
            stablecoin::metadata_address(), merchant, from, amount, valid_after, valid_before, nonce, public_key,
            signature,
        );
        stablecoin::withdraw_authorized(withdrawal)
    }

    /// Submits `holder`'s own authorization, signed over exactly what is submitted.
    fun submit_signed(holder: &Holder, to: address, amount: u64, valid_after: u64, valid_before: u64, nonce: u64) {
        let signature = sign(holder, h::chain(), holder.addr, to, amount, valid_after, valid_before, nonce);
        stablecoin::transfer_with_authorization(
            &h::signer_of(h::carol()), holder.addr, to, amount, valid_after, valid_before, nonce,
            holder.public_key, signature,
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun known_answer_signature_verifies(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        assert!(h::chain() == 4, 1);
        assert!(stablecoin::metadata_address() == KAT_METADATA, 2);
        let pk = ed25519::new_unvalidated_public_key_from_bytes(KAT_PUBLIC_KEY);
        assert!(ed25519::unvalidated_public_key_to_authentication_key(&pk) == bcs::to_bytes(&KAT_FROM), 3);
        account::create_account_for_test(KAT_FROM);
        h::mint_to(KAT_FROM, 5_000);
        stablecoin::transfer_with_authorization(
            &h::signer_of(h::carol()), KAT_FROM, KAT_TO, KAT_AMOUNT, KAT_VALID_AFTER, KAT_VALID_BEFORE,
            KAT_NONCE, KAT_PUBLIC_KEY, KAT_SIGNATURE,
        );
        assert!(stablecoin::balance(KAT_TO) == KAT_AMOUNT, 4);
        assert!(stablecoin::balance(KAT_FROM) == 5_000 - KAT_AMOUNT, 5);
        assert!(authorization::is_nonce_used(KAT_FROM, KAT_NONCE), 6);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun known_answer_collection_signature_verifies(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        account::create_account_for_test(KAT_FROM);
        h::mint_to(KAT_FROM, 5_000);
        let fa = withdraw_for_collection(
            KAT_TO, KAT_FROM, KAT_AMOUNT, KAT_VALID_AFTER, KAT_VALID_BEFORE, KAT_NONCE, KAT_PUBLIC_KEY,
            KAT_COLLECTION_SIGNATURE,
        );
        primary_fungible_store::deposit(KAT_TO, fa);
        assert!(stablecoin::balance(KAT_TO) == KAT_AMOUNT, 1);
        assert!(authorization::is_nonce_used(KAT_FROM, KAT_NONCE), 2);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun valid_authorization_moves_funds(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(1_000);
        assert!(!authorization::is_nonce_used(alice.addr, nonce(1)), 1);
        submit_signed(&alice, h::bob(), 300, 0, h::start_secs() + 600, nonce(1));
        assert!(stablecoin::balance(alice.addr) == 700, 2);
        assert!(stablecoin::balance(h::bob()) == 300, 3);
        assert!(authorization::is_nonce_used(alice.addr, nonce(1)), 4);
        assert!(event::emitted_events<authorization::TransferredWithAuthorization>().length() == 1, 5);
        // A different nonce is a different authorization.
        submit_signed(&alice, h::bob(), 300, 0, h::start_secs() + 600, nonce(2));
        assert!(stablecoin::balance(h::bob()) == 600, 6);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun nonces_are_per_holder(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        let dave = new_holder(100);
        submit_signed(&alice, h::bob(), 10, 0, h::start_secs() + 1, nonce(9));
        submit_signed(&dave, h::bob(), 10, 0, h::start_secs() + 1, nonce(9));
        assert!(stablecoin::balance(h::bob()) == 20, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3001a, location = yenpay::authorization)] // invalid_state(EAUTHORIZATION_EXPIRED)
    fun expired_at_valid_before(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        submit_signed(&alice, h::bob(), 1, 0, h::start_secs(), nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3001a, location = yenpay::authorization)] // invalid_state(EAUTHORIZATION_EXPIRED)
    fun expired_after_time_passes(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        let valid_before = h::start_secs() + 60;
        let signature = sign(&alice, h::chain(), alice.addr, h::bob(), 1, 0, valid_before, nonce(1));
        timestamp::fast_forward_seconds(61);
        stablecoin::transfer_with_authorization(
            &h::signer_of(h::carol()), alice.addr, h::bob(), 1, 0, valid_before, nonce(1), alice.public_key, signature,
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30019, location = yenpay::authorization)] // EAUTHORIZATION_NOT_YET_VALID
    fun not_yet_valid_at_valid_after(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        submit_signed(&alice, h::bob(), 1, h::start_secs(), h::start_secs() + 600, nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun valid_once_valid_after_has_passed(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        let valid_after = h::start_secs() + 10;
        let signature = sign(&alice, h::chain(), alice.addr, h::bob(), 1, valid_after, valid_after + 600, nonce(1));
        timestamp::fast_forward_seconds(11);
        stablecoin::transfer_with_authorization(
            &h::signer_of(h::carol()), alice.addr, h::bob(), 1, valid_after, valid_after + 600, nonce(1),
            alice.public_key, signature,
        );
        assert!(stablecoin::balance(h::bob()) == 1, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001d, location = yenpay::authorization)] // EPUBLIC_KEY_MISMATCH
    fun wrong_signer_key(framework: &signer, publisher: &signer) {
        // Mallory signs for Alice's funds with Mallory's own key.
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        let mallory = new_holder(0);
        let signature = sign(&mallory, h::chain(), alice.addr, h::bob(), 1, 0, h::start_secs() + 600, nonce(1));
        stablecoin::transfer_with_authorization(
            &h::signer_of(h::carol()), alice.addr, h::bob(), 1, 0, h::start_secs() + 600, nonce(1),
            mallory.public_key, signature,
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001e, location = yenpay::authorization)] // permission_denied(EINVALID_SIGNATURE)
    fun signature_not_by_the_account_key(framework: &signer, publisher: &signer) {
        // Alice's public key is presented, but the signature is Mallory's.
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        let mallory = new_holder(0);
        let signature = sign(&mallory, h::chain(), alice.addr, h::bob(), 1, 0, h::start_secs() + 600, nonce(1));
        stablecoin::transfer_with_authorization(
            &h::signer_of(h::carol()), alice.addr, h::bob(), 1, 0, h::start_secs() + 600, nonce(1),
            alice.public_key, signature,
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001d, location = yenpay::authorization)] // EPUBLIC_KEY_MISMATCH
    fun key_not_matching_the_account(framework: &signer, publisher: &signer) {
        // A valid signature by a real key, for an account whose authentication key is another.
        h::setup_roles(framework, publisher);
        let alice = new_holder(0);
        account::create_account_for_test(h::alice());
        h::mint_to(h::alice(), 100);
        let signature = sign(&alice, h::chain(), h::alice(), h::bob(), 1, 0, h::start_secs() + 600, nonce(1));
        stablecoin::transfer_with_authorization(
            &h::signer_of(h::carol()), h::alice(), h::bob(), 1, 0, h::start_secs() + 600, nonce(1),
            alice.public_key, signature,
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1001c, location = yenpay::authorization)] // invalid_argument(EINVALID_PUBLIC_KEY)
    fun malformed_public_key(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        let signature = sign(&alice, h::chain(), alice.addr, h::bob(), 1, 0, h::start_secs() + 600, nonce(1));
        stablecoin::transfer_with_authorization(
            &h::signer_of(h::carol()), alice.addr, h::bob(), 1, 0, h::start_secs() + 600, nonce(1),
            x"0102", signature,
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001e, location = yenpay::authorization)] // permission_denied(EINVALID_SIGNATURE)
    fun malformed_signature(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        stablecoin::transfer_with_authorization(
            &h::signer_of(h::carol()), alice.addr, h::bob(), 1, 0, h::start_secs() + 600, nonce(1),
            alice.public_key, x"00",
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3001b, location = yenpay::authorization)] // invalid_state(EAUTHORIZATION_USED)
    fun replayed_nonce(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        submit_signed(&alice, h::bob(), 1, 0, h::start_secs() + 600, nonce(1));
        submit_signed(&alice, h::bob(), 1, 0, h::start_secs() + 600, nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3001b, location = yenpay::authorization)] // invalid_state(EAUTHORIZATION_USED)
    fun cancelled_nonce(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        cancel(alice.addr, nonce(1));
        assert!(authorization::is_nonce_used(alice.addr, nonce(1)), 1);
        assert!(authorization::nonce_bitmap(alice.addr, 0) == 2, 2);
        assert!(event::was_event_emitted(&authorization::nonces_cancelled_for_test(alice.addr, 0, 2, 2)), 3);
        submit_signed(&alice, h::bob(), 1, 0, h::start_secs() + 600, nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3001b, location = yenpay::authorization)] // invalid_state(EAUTHORIZATION_USED)
    fun cancelling_a_used_nonce_keeps_it_used(framework: &signer, publisher: &signer) {
        // As Permit2's invalidateUnorderedNonces: setting a bit that is set already changes nothing and aborts nothing.
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        submit_signed(&alice, h::bob(), 1, 0, h::start_secs() + 600, nonce(1));
        cancel(alice.addr, nonce(1));
        assert!(authorization::nonce_bitmap(alice.addr, 0) == 2, 1);
        submit_signed(&alice, h::bob(), 1, 0, h::start_secs() + 600, nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001e, location = yenpay::authorization)] // permission_denied(EINVALID_SIGNATURE)
    fun wrong_chain_id(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        let signature = sign(&alice, 1, alice.addr, h::bob(), 1, 0, h::start_secs() + 600, nonce(1)); // mainnet id
        stablecoin::transfer_with_authorization(
            &h::signer_of(h::carol()), alice.addr, h::bob(), 1, 0, h::start_secs() + 600, nonce(1),
            alice.public_key, signature,
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001e, location = yenpay::authorization)] // permission_denied(EINVALID_SIGNATURE)
    fun tampered_amount(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        let signature = sign(&alice, h::chain(), alice.addr, h::bob(), 10, 0, h::start_secs() + 600, nonce(1));
        stablecoin::transfer_with_authorization(
            &h::signer_of(h::carol()), alice.addr, h::bob(), 11, 0, h::start_secs() + 600, nonce(1),
            alice.public_key, signature,
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001e, location = yenpay::authorization)] // permission_denied(EINVALID_SIGNATURE)
    fun tampered_recipient(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        let signature = sign(&alice, h::chain(), alice.addr, h::bob(), 10, 0, h::start_secs() + 600, nonce(1));
        stablecoin::transfer_with_authorization(
            &h::signer_of(h::carol()), alice.addr, h::carol(), 10, 0, h::start_secs() + 600, nonce(1),
            alice.public_key, signature,
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001e, location = yenpay::authorization)] // permission_denied(EINVALID_SIGNATURE)
    fun tampered_window(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        let signature = sign(&alice, h::chain(), alice.addr, h::bob(), 10, 0, h::start_secs() + 600, nonce(1));
        stablecoin::transfer_with_authorization(
            &h::signer_of(h::carol()), alice.addr, h::bob(), 10, 0, h::start_secs() + 6000, nonce(1),
            alice.public_key, signature,
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x30008, location = yenpay::controls)] // invalid_state(EPAUSED)
    fun paused_refuses_authorization(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        controls::pause(&h::signer_of(h::pauser()));
        submit_signed(&alice, h::bob(), 1, 0, h::start_secs() + 600, nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // permission_denied(EDENYLISTED)
    fun denylisted_sender_refused(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        controls::denylist(&h::signer_of(h::denylister()), alice.addr);
        submit_signed(&alice, h::bob(), 1, 0, h::start_secs() + 600, nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // permission_denied(EDENYLISTED)
    fun denylisted_receiver_refused(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        controls::denylist(&h::signer_of(h::denylister()), h::bob());
        submit_signed(&alice, h::bob(), 1, 0, h::start_secs() + 600, nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x2000a, location = yenpay::controls)] // out_of_range(EAMOUNT_EXCEEDS_CAP)
    fun authorization_above_cap_refused(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(2_000_000);
        submit_signed(&alice, h::bob(), 1_000_001, 0, h::start_secs() + 600, nonce(1));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1000c, location = yenpay::stablecoin)] // invalid_argument(EZERO_AMOUNT)
    fun zero_amount_refused(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        submit_signed(&alice, h::bob(), 0, 0, h::start_secs() + 600, nonce(1));
    }

    // The package path the invoice module uses: a `CollectionAuthorization`, and only that.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun package_withdraw_for_collection(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        let signature = sign_collection(
            &alice, h::chain(), alice.addr, h::bob(), 40, 0, h::start_secs() + 600, nonce(3)
        );
        let fa = withdraw_for_collection(
            h::bob(), alice.addr, 40, 0, h::start_secs() + 600, nonce(3), alice.public_key, signature,
        );
        // The caller deposits through the dispatchable path: the deposit hook checks receivers.
        primary_fungible_store::deposit(h::bob(), fa);
        assert!(stablecoin::balance(h::bob()) == 40, 1);
        assert!(stablecoin::balance(alice.addr) == 60, 2);
        assert!(authorization::is_nonce_used(alice.addr, nonce(3)), 3);
        assert!(event::emitted_events<authorization::TransferredWithAuthorization>().length() == 1, 4);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001e, location = yenpay::authorization)] // permission_denied(EINVALID_SIGNATURE)
    fun package_withdraw_for_collection_binds_merchant(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        let signature = sign_collection(
            &alice, h::chain(), alice.addr, h::bob(), 40, 0, h::start_secs() + 600, nonce(3)
        );
        let fa = withdraw_for_collection(
            h::carol(), alice.addr, 40, 0, h::start_secs() + 600, nonce(3), alice.public_key, signature,
        );
        primary_fungible_store::deposit(h::carol(), fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x50009, location = yenpay::controls)] // permission_denied(EDENYLISTED)
    fun package_withdraw_for_collection_deposit_hook_checks_receiver(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        controls::denylist(&h::signer_of(h::denylister()), h::bob());
        let signature = sign_collection(
            &alice, h::chain(), alice.addr, h::bob(), 40, 0, h::start_secs() + 600, nonce(3)
        );
        let fa = withdraw_for_collection(
            h::bob(), alice.addr, 40, 0, h::start_secs() + 600, nonce(3), alice.public_key, signature,
        );
        primary_fungible_store::deposit(h::bob(), fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001e, location = yenpay::authorization)] // permission_denied(EINVALID_SIGNATURE)
    fun collection_authorization_refused_by_transfer_with_authorization(framework: &signer, publisher: &signer) {
        // Whoever sees a customer's code (a collection for merchant Bob) cannot cash it as a plain transfer to Bob,
        // which would skip the invoice and the fee: the signature is over another type.
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        let signature = sign_collection(
            &alice, h::chain(), alice.addr, h::bob(), 40, 0, h::start_secs() + 600, nonce(3)
        );
        stablecoin::transfer_with_authorization(
            &h::signer_of(h::carol()), alice.addr, h::bob(), 40, 0, h::start_secs() + 600, nonce(3),
            alice.public_key, signature,
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001e, location = yenpay::authorization)] // permission_denied(EINVALID_SIGNATURE)
    fun transfer_authorization_refused_for_collection(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        let signature = sign(&alice, h::chain(), alice.addr, h::bob(), 40, 0, h::start_secs() + 600, nonce(3));
        let fa = withdraw_for_collection(
            h::bob(), alice.addr, 40, 0, h::start_secs() + 600, nonce(3), alice.public_key, signature,
        );
        primary_fungible_store::deposit(h::bob(), fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3001b, location = yenpay::authorization)] // invalid_state(EAUTHORIZATION_USED)
    fun nonce_used_by_transfer_refuses_collection(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        submit_signed(&alice, h::bob(), 10, 0, h::start_secs() + 600, nonce(5));
        let signature = sign_collection(
            &alice, h::chain(), alice.addr, h::bob(), 10, 0, h::start_secs() + 600, nonce(5)
        );
        let fa = withdraw_for_collection(
            h::bob(), alice.addr, 10, 0, h::start_secs() + 600, nonce(5), alice.public_key, signature,
        );
        primary_fungible_store::deposit(h::bob(), fa);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3001b, location = yenpay::authorization)] // invalid_state(EAUTHORIZATION_USED)
    fun nonce_used_by_collection_refuses_transfer(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        let signature = sign_collection(
            &alice, h::chain(), alice.addr, h::bob(), 10, 0, h::start_secs() + 600, nonce(5)
        );
        let fa = withdraw_for_collection(
            h::bob(), alice.addr, 10, 0, h::start_secs() + 600, nonce(5), alice.public_key, signature,
        );
        primary_fungible_store::deposit(h::bob(), fa);
        submit_signed(&alice, h::bob(), 10, 0, h::start_secs() + 600, nonce(5));
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3001b, location = yenpay::authorization)] // invalid_state(EAUTHORIZATION_USED)
    fun cancelled_nonce_refuses_collection(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        cancel(alice.addr, nonce(5));
        let signature = sign_collection(
            &alice, h::chain(), alice.addr, h::bob(), 10, 0, h::start_secs() + 600, nonce(5)
        );
        let fa = withdraw_for_collection(
            h::bob(), alice.addr, 10, 0, h::start_secs() + 600, nonce(5), alice.public_key, signature,
        );
        primary_fungible_store::deposit(h::bob(), fa);
    }

    // SingleKey Ed25519 accounts.

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun single_key_account_authorization_moves_funds(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let dave = new_single_key_holder(1_000);
        submit_signed(&dave, h::bob(), 250, 0, h::start_secs() + 600, nonce(1));
        assert!(stablecoin::balance(dave.addr) == 750, 1);
        assert!(stablecoin::balance(h::bob()) == 250, 2);
        assert!(authorization::is_nonce_used(dave.addr, nonce(1)), 3);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun single_key_account_collection(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let dave = new_single_key_holder(1_000);
        let signature = sign_collection(&dave, h::chain(), dave.addr, h::bob(), 40, 0, h::start_secs() + 600, nonce(2));
        let fa = withdraw_for_collection(
            h::bob(), dave.addr, 40, 0, h::start_secs() + 600, nonce(2), dave.public_key, signature,
        );
        primary_fungible_store::deposit(h::bob(), fa);
        assert!(stablecoin::balance(dave.addr) == 960, 1);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001d, location = yenpay::authorization)] // EPUBLIC_KEY_MISMATCH
    fun single_key_account_with_another_key_refused(framework: &signer, publisher: &signer) {
        // Mallory signs for SingleKey Dave's funds with Mallory's own key, of either scheme.
        h::setup_roles(framework, publisher);
        let dave = new_single_key_holder(100);
        let mallory = new_single_key_holder(0);
        let signature = sign(&mallory, h::chain(), dave.addr, h::bob(), 1, 0, h::start_secs() + 600, nonce(1));
        stablecoin::transfer_with_authorization(
            &h::signer_of(h::carol()), dave.addr, h::bob(), 1, 0, h::start_secs() + 600, nonce(1),
            mallory.public_key, signature,
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001e, location = yenpay::authorization)] // permission_denied(EINVALID_SIGNATURE)
    fun single_key_account_key_with_another_signature_refused(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let dave = new_single_key_holder(100);
        let mallory = new_single_key_holder(0);
        let signature = sign(&mallory, h::chain(), dave.addr, h::bob(), 1, 0, h::start_secs() + 600, nonce(1));
        stablecoin::transfer_with_authorization(
            &h::signer_of(h::carol()), dave.addr, h::bob(), 1, 0, h::start_secs() + 600, nonce(1),
            dave.public_key, signature,
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x5001d, location = yenpay::authorization)] // EPUBLIC_KEY_MISMATCH
    fun key_matching_neither_scheme_refused(framework: &signer, publisher: &signer) {
        // An account whose authentication key is derived from the holder's key by neither scheme: here the
        // MultiEd25519 scheme byte (sha3-256(pk || 0x01)).
        h::setup_roles(framework, publisher);
        let alice = new_holder(0);
        let preimage = alice.public_key;
        preimage.push_back(0x01);
        let addr = from_bcs::to_address(hash::sha3_256(preimage));
        account::create_account_for_test(addr);
        h::mint_to(addr, 100);
        let signature = sign(&alice, h::chain(), addr, h::bob(), 1, 0, h::start_secs() + 600, nonce(1));
        stablecoin::transfer_with_authorization(
            &h::signer_of(h::carol()), addr, h::bob(), 1, 0, h::start_secs() + 600, nonce(1),
            alice.public_key, signature,
        );
    }

    // Nonce bitmaps: word `nonce >> 8`, bit `nonce & 0xff`, one table item per (holder, word).

    /// The largest nonce: word 2^56 - 1, bit 255.
    const MAX_NONCE: u64 = 18_446_744_073_709_551_615;
    /// All 256 bits of a word.
    const FULL_WORD: u256 = 115792089237316195423570985008687907853269984665640564039457584007913129639935;

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun sequential_nonces_fill_one_word(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(1_000);
        let n = 0;
        while (n < 3) {
            submit_signed(&alice, h::bob(), 1, 0, h::start_secs() + 600, n);
            n += 1;
        };
        assert!(authorization::nonce_bitmap(alice.addr, 0) == 0x7, 1);
        assert!(authorization::nonce_bitmap(alice.addr, 1) == 0, 2);
        assert!(!authorization::is_nonce_used(alice.addr, 3), 3);
        assert!(
            event::was_event_emitted(&authorization::transferred_with_authorization_for_test(
                alice.addr, h::bob(), 1, 2, h::carol()
            )),
            4
        );
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun word_boundary_255_and_256(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        submit_signed(&alice, h::bob(), 1, 0, h::start_secs() + 600, 255);
        assert!(authorization::nonce_bitmap(alice.addr, 0) == 1 << 255, 1);
        assert!(authorization::nonce_bitmap(alice.addr, 1) == 0, 2);
        assert!(!authorization::is_nonce_used(alice.addr, 256), 3);
        submit_signed(&alice, h::bob(), 1, 0, h::start_secs() + 600, 256);
        assert!(authorization::nonce_bitmap(alice.addr, 1) == 1, 4);
        assert!(authorization::is_nonce_used(alice.addr, 255) && authorization::is_nonce_used(alice.addr, 256), 5);
        assert!(!authorization::is_nonce_used(alice.addr, 0) && !authorization::is_nonce_used(alice.addr, 257), 6);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3001b, location = yenpay::authorization)] // invalid_state(EAUTHORIZATION_USED)
    fun the_largest_nonce_is_used_once(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        submit_signed(&alice, h::bob(), 1, 0, h::start_secs() + 600, MAX_NONCE);
        assert!(authorization::nonce_bitmap(alice.addr, MAX_NONCE >> 8) == 1 << 255, 1);
        assert!(authorization::is_nonce_used(alice.addr, MAX_NONCE), 2);
        assert!(!authorization::is_nonce_used(alice.addr, MAX_NONCE - 1), 3);
        assert!(authorization::nonce_bitmap(alice.addr, 0) == 0, 4);
        submit_signed(&alice, h::bob(), 1, 0, h::start_secs() + 600, MAX_NONCE);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3001b, location = yenpay::authorization)] // invalid_state(EAUTHORIZATION_USED)
    fun a_nonce_in_a_later_word_is_used_once(framework: &signer, publisher: &signer) {
        // Words are independent: nonce 256 + 1 used, then 1 still free, then 257 again refused.
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        submit_signed(&alice, h::bob(), 1, 0, h::start_secs() + 600, 257);
        submit_signed(&alice, h::bob(), 1, 0, h::start_secs() + 600, 1);
        submit_signed(&alice, h::bob(), 1, 0, h::start_secs() + 600, 257);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun cancelling_a_mask(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        submit_signed(&alice, h::bob(), 1, 0, h::start_secs() + 600, 512 + 2);
        // Word 2, nonces 512 + 3, 5 and 7; bit 2 is used already and stays set.
        let mask = (1 << 3) | (1 << 5) | (1 << 7) | (1 << 2);
        authorization::cancel_nonces(&h::signer_of(alice.addr), 2, mask);
        assert!(authorization::nonce_bitmap(alice.addr, 2) == mask, 1);
        assert!(event::was_event_emitted(&authorization::nonces_cancelled_for_test(alice.addr, 2, mask, mask)), 2);
        assert!(authorization::is_nonce_used(alice.addr, 512 + 5), 3);
        assert!(!authorization::is_nonce_used(alice.addr, 512 + 4), 4);
        // The nonce between them still works; the same bits of other words are untouched.
        submit_signed(&alice, h::bob(), 1, 0, h::start_secs() + 600, 512 + 4);
        assert!(!authorization::is_nonce_used(alice.addr, 5) && !authorization::is_nonce_used(alice.addr, 768 + 5), 5);
        // A whole word at once.
        authorization::cancel_nonces(&h::signer_of(alice.addr), 9, FULL_WORD);
        assert!(authorization::is_nonce_used(alice.addr, 9 * 256), 6);
        assert!(authorization::is_nonce_used(alice.addr, 9 * 256 + 255), 7);
        assert!(!authorization::is_nonce_used(alice.addr, 10 * 256), 8);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x3001b, location = yenpay::authorization)] // invalid_state(EAUTHORIZATION_USED)
    fun a_nonce_cancelled_by_mask_is_refused(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        authorization::cancel_nonces(&h::signer_of(alice.addr), 0, (1 << 3) | (1 << 5));
        submit_signed(&alice, h::bob(), 1, 0, h::start_secs() + 600, 5);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    #[expected_failure(abort_code = 0x1001f, location = yenpay::authorization)] // invalid_argument(EEMPTY_MASK)
    fun cancelling_nothing_aborts(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        authorization::cancel_nonces(&h::signer_of(h::alice()), 0, 0);
    }

    #[test(framework = @aptos_framework, publisher = @deployer)]
    fun holders_have_their_own_bitmaps(framework: &signer, publisher: &signer) {
        h::setup_roles(framework, publisher);
        let alice = new_holder(100);
        let dave = new_holder(100);
        submit_signed(&alice, h::bob(), 1, 0, h::start_secs() + 600, 7);
        authorization::cancel_nonces(&h::signer_of(dave.addr), 0, 1 << 8);
        assert!(authorization::nonce_bitmap(alice.addr, 0) == 1 << 7, 1);
        assert!(authorization::nonce_bitmap(dave.addr, 0) == 1 << 8, 2);
        // Dave's nonce 7 is free, Alice's 8 too: one holder's use or cancellation never touches another's.
        submit_signed(&dave, h::bob(), 1, 0, h::start_secs() + 600, 7);
        submit_signed(&alice, h::bob(), 1, 0, h::start_secs() + 600, 8);
        assert!(authorization::nonce_bitmap(alice.addr, 0) == (1 << 7) | (1 << 8), 3);
        assert!(authorization::nonce_bitmap(dave.addr, 0) == (1 << 7) | (1 << 8), 4);
    }
}
