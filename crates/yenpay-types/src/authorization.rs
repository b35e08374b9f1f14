//! Signed authorizations: the off-chain message a holder signs so that
//! someone else may move its yen (the EIP-3009 idea, for Move).
//!
//! Two kinds, two Move structs with the same field layout, so that neither
//! signature verifies as the other ([`AuthorizationKind`]):
//! - `yenpay::stablecoin::TransferAuthorization`: anyone may submit it with
//!   `stablecoin::transfer_with_authorization`; `to` receives the yen.
//! - `yenpay::stablecoin::CollectionAuthorization`: what customer-presented QR
//!   payments stand on. The customer's wallet signs it for a merchant (`to`)
//!   and shows it as a QR code; only `invoice::collect_with_authorization`,
//!   called by that merchant or one of its terminals, accepts it, and it pays
//!   an open invoice with the operator's fee. Someone else who sees the code
//!   cannot cash it.
//!
//! The field order here is the field order there, because the signature
//! covers their BCS bytes. The known answers of both are in
//! `testdata/known_answers.md`, which the Move and Rust tests both cite.
use crate::address::Address;
use crate::objects::metadata_address as derive_metadata_address;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha3::{Digest, Sha3_256};

/// Authentication key scheme byte of a legacy Ed25519 account.
const ED25519_SCHEME: u8 = 0;
/// Authentication key scheme byte of a SingleKey account.
const SINGLE_KEY_SCHEME: u8 = 2;

fn authentication_key(public_key_bytes: &[u8], scheme: u8) -> [u8; 32] {
    let mut hasher = Sha3_256::new();
    hasher.update(public_key_bytes);
    hasher.update([scheme]);
    hasher.finalize().into()
}

/// Length of an authorization nonce in bytes.
pub const NONCE_LENGTH: usize = 32;

/// Which Move message an authorization is, and so who may use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthorizationKind {
    /// `stablecoin::TransferAuthorization`: any submitter, to `to`.
    Transfer,
    /// `stablecoin::CollectionAuthorization`: an invoice collection by the
    /// merchant `to` or its terminals.
    Collection,
}

impl AuthorizationKind {
    /// The Move struct name the signed message's type info carries.
    pub fn struct_name(self) -> &'static str {
        match self {
            Self::Transfer => "TransferAuthorization",
            Self::Collection => "CollectionAuthorization",
        }
    }
}

/// What the holder authorizes: `amount` yen from `from` to `to`, usable
/// strictly after `valid_after` and strictly before `valid_before` (Unix
/// seconds), once (the nonce), on one chain and one asset (the domain), for
/// one use ([`AuthorizationKind`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferAuthorization {
    /// Which message this is: a transfer anyone may submit, or an invoice
    /// collection by the merchant `to`. Not a field of the Move struct: it
    /// selects the struct.
    pub kind: AuthorizationKind,
    /// Chain id of the network the authorization is for (domain).
    pub chain_id: u8,
    /// Address of the stablecoin's metadata object (domain).
    pub metadata: Address,
    /// The holder whose yen move.
    pub from: Address,
    /// The receiver; for a collection, the merchant's owner address (the
    /// payment itself goes to its payout address, less the fee).
    pub to: Address,
    /// Amount in yen.
    pub amount: u64,
    /// Valid strictly after this time (Unix seconds).
    pub valid_after: u64,
    /// Valid strictly before this time (Unix seconds).
    pub valid_before: u64,
    /// Single-use nonce chosen by the holder.
    pub nonce: [u8; NONCE_LENGTH],
}

/// An authorization with the holder's Ed25519 public key and signature: what
/// a terminal needs to submit it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedAuthorization {
    /// The signed message.
    pub authorization: TransferAuthorization,
    /// The holder's Ed25519 public key (its authentication key must be the
    /// `from` account's).
    pub public_key: [u8; 32],
    /// Ed25519 signature over the BCS of the framework's `SignedMessage`
    /// wrapper around `authorization`.
    pub signature: [u8; 64],
}

// What follows builds, signs and verifies the exact bytes the Move side checks.

/// Module that the signed message's type info names (the struct is the
/// kind's).
const MODULE_NAME: &[u8] = b"stablecoin";

/// Why an authorization cannot be signed or does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizationError {
    /// BCS encoding of the message failed.
    #[error("cannot encode the authorization: {0}")]
    Encoding(String),
    /// The public key is not a valid Ed25519 point.
    #[error("the public key is not a valid Ed25519 key")]
    InvalidPublicKey,
    /// The signature does not verify (strictly) for this message and key.
    #[error("the signature does not verify for this authorization and key")]
    InvalidSignature,
    /// The key's account address is not `from` (for an account whose key was
    /// never rotated, the two are the same).
    #[error("the key belongs to {key_address}, not to the payer {from}")]
    KeyNotOfSender {
        /// The authorization's `from`.
        from: Address,
        /// The address derived from the public key.
        key_address: Address,
    },
    /// Signed for another chain.
    #[error("signed for chain {actual}, expected chain {expected}")]
    WrongChain {
        /// This chain.
        expected: u8,
        /// The authorization's chain.
        actual: u8,
    },
    /// Signed for another asset (another package's metadata object).
    #[error("signed for asset {actual}, expected {expected}")]
    WrongAsset {
        /// This package's metadata address.
        expected: Address,
        /// The authorization's metadata address.
        actual: Address,
    },
    /// Not valid yet: `now <= valid_after`.
    #[error("not valid before {valid_after} (now {now})")]
    NotYetValid {
        /// The authorization's `valid_after`.
        valid_after: u64,
        /// The time checked against.
        now: u64,
    },
    /// Expired: `now >= valid_before`.
    #[error("expired at {valid_before} (now {now})")]
    Expired {
        /// The authorization's `valid_before`.
        valid_before: u64,
        /// The time checked against.
        now: u64,
    },
    /// A zero amount.
    #[error("the amount must be greater than zero")]
    ZeroAmount,
    /// The key is not the payer account's current authentication key on chain.
    #[error("the key is not the current key of {from} on chain")]
    KeyNotCurrent {
        /// The authorization's `from`.
        from: Address,
    },
    /// The payer has no account on chain (so no key to check against).
    #[error("{from} has no account on chain")]
    NoAccount {
        /// The authorization's `from`.
        from: Address,
    },
    /// The nonce was already used or cancelled.
    #[error("the authorization's nonce was already used or cancelled")]
    NonceUsed,
    /// A collection submitted as a transfer, or the other way round.
    #[error("this is a {actual:?} authorization; {expected:?} is needed here")]
    WrongKind {
        /// The kind this call takes.
        expected: AuthorizationKind,
        /// The authorization's kind.
        actual: AuthorizationKind,
    },
}

/// `aptos_std::type_info::TypeInfo`.
#[derive(Serialize)]
struct TypeInfo<'a> {
    account_address: Address,
    module_name: &'a [u8],
    struct_name: &'a [u8],
}

/// `yenpay::stablecoin::TransferAuthorization` (or `CollectionAuthorization`,
/// whose `merchant` is in `to`'s place) as Move lays it out: the nonce is a
/// `vector<u8>`, so it carries its length (unlike a Rust array).
#[derive(Serialize)]
struct MoveAuthorization<'a> {
    chain_id: u8,
    metadata: Address,
    from: Address,
    to: Address,
    amount: u64,
    valid_after: u64,
    valid_before: u64,
    nonce: &'a [u8],
}

/// `aptos_std::ed25519::SignedMessage<TransferAuthorization>` (or
/// `<CollectionAuthorization>`).
#[derive(Serialize)]
struct SignedMessage<'a> {
    type_info: TypeInfo<'a>,
    inner: MoveAuthorization<'a>,
}

/// The SingleKey authentication key of an Ed25519 public key:
/// `sha3_256(0x00 || 0x20 || public_key || 0x02)`, the BCS of
/// `AnyPublicKey::Ed25519` and the SingleKey scheme byte.
pub fn single_key_authentication_key(public_key: &[u8; 32]) -> [u8; 32] {
    let mut any_public_key = Vec::with_capacity(34);
    any_public_key.push(0x00);
    any_public_key.push(32);
    any_public_key.extend_from_slice(public_key);
    authentication_key(&any_public_key, SINGLE_KEY_SCHEME)
}

/// The legacy Ed25519 authentication key of a public key:
/// `sha3_256(public_key || 0x00)`.
pub fn ed25519_authentication_key(public_key: &[u8; 32]) -> [u8; 32] {
    authentication_key(public_key, ED25519_SCHEME)
}

/// A fresh random nonce.
pub fn random_nonce() -> [u8; NONCE_LENGTH] {
    rand::random()
}

impl TransferAuthorization {
    /// A transfer authorization on chain `chain_id` for the package at
    /// `package`: `amount` yen from `from` to `to`, valid from now until
    /// `valid_before` (Unix seconds), with a fresh random nonce. Anyone who
    /// holds it may submit it.
    ///
    /// For a customer-presented QR code, whose nonce is derived from the code's
    /// own fields so that it fits the code, build a collection authorization
    /// with [`crate::qr::cpm::authorization_to_sign`] instead, then
    /// [`sign`](Self::sign) it.
    pub fn new(
        chain_id: u8,
        package: Address,
        from: Address,
        to: Address,
        amount: u64,
        valid_before: u64,
    ) -> Self {
        Self {
            kind: AuthorizationKind::Transfer,
            chain_id,
            metadata: derive_metadata_address(package),
            from,
            to,
            amount,
            valid_after: 0,
            valid_before,
            nonce: random_nonce(),
        }
    }

    /// A collection authorization for a customer-presented payment: `amount`
    /// yen from `from` to settle an invoice of `merchant`, valid until
    /// `valid_before`, with a fresh random nonce. Only
    /// `invoice::collect_with_authorization`, called by that merchant or its
    /// terminals, accepts it. (A QR code derives its nonce instead: see
    /// [`crate::qr::cpm::authorization_to_sign`].)
    pub fn collection(
        chain_id: u8,
        package: Address,
        from: Address,
        merchant: Address,
        amount: u64,
        valid_before: u64,
    ) -> Self {
        Self {
            kind: AuthorizationKind::Collection,
            ..Self::new(chain_id, package, from, merchant, amount, valid_before)
        }
    }

    /// The exact bytes the holder signs: the BCS of the framework's
    /// `SignedMessage<T>`, whose type info names
    /// `<package>::stablecoin::<T>` with `T` the kind's struct.
    ///
    /// # Errors
    /// [`AuthorizationError::Encoding`] if BCS encoding fails.
    pub fn signing_message(&self, package: Address) -> Result<Vec<u8>, AuthorizationError> {
        let message = SignedMessage {
            type_info: TypeInfo {
                account_address: package,
                module_name: MODULE_NAME,
                struct_name: self.kind.struct_name().as_bytes(),
            },
            inner: MoveAuthorization {
                chain_id: self.chain_id,
                metadata: self.metadata,
                from: self.from,
                to: self.to,
                amount: self.amount,
                valid_after: self.valid_after,
                valid_before: self.valid_before,
                nonce: &self.nonce,
            },
        };
        aptos_bcs::to_bytes(&message)
            .map_err(|error| AuthorizationError::Encoding(error.to_string()))
    }

    /// Signs the authorization with the holder's Ed25519 key.
    ///
    /// # Errors
    /// [`AuthorizationError::Encoding`] if BCS encoding fails.
    pub fn sign(
        self,
        package: Address,
        key: &SigningKey,
    ) -> Result<SignedAuthorization, AuthorizationError> {
        let message = self.signing_message(package)?;
        let signature = key.sign(&message).to_bytes();
        Ok(SignedAuthorization {
            authorization: self,
            public_key: key.verifying_key().to_bytes(),
            signature,
        })
    }
}

impl SignedAuthorization {
    /// The address of an account whose authentication key is this public key
    /// (legacy Ed25519 scheme): the holder's address unless it rotated its
    /// key or is a SingleKey account ([`SignedAuthorization::single_key_address`]).
    pub fn key_address(&self) -> Address {
        Address::new(ed25519_authentication_key(&self.public_key))
    }

    /// The address of a SingleKey Ed25519 account of this public key.
    pub fn single_key_address(&self) -> Address {
        Address::new(single_key_authentication_key(&self.public_key))
    }

    /// Whether `auth_key` is this public key's, as a legacy Ed25519 or a
    /// SingleKey Ed25519 account: what Move compares with the payer's
    /// authentication key.
    pub fn key_matches(&self, auth_key: &[u8]) -> bool {
        auth_key == ed25519_authentication_key(&self.public_key)
            || auth_key == single_key_authentication_key(&self.public_key)
    }

    /// Aborts the call early (client side) when the authorization is not of
    /// the kind the entry function takes.
    ///
    /// # Errors
    /// [`AuthorizationError::WrongKind`].
    pub fn require_kind(&self, expected: AuthorizationKind) -> Result<(), AuthorizationError> {
        if self.authorization.kind != expected {
            return Err(AuthorizationError::WrongKind {
                expected,
                actual: self.authorization.kind,
            });
        }
        Ok(())
    }

    /// Verifies the signature locally, with the same strict Ed25519 rule as
    /// Move's `ed25519::signature_verify_strict_t`.
    ///
    /// # Errors
    /// [`AuthorizationError::InvalidPublicKey`] or
    /// [`AuthorizationError::InvalidSignature`].
    pub fn verify(&self, package: Address) -> Result<(), AuthorizationError> {
        let message = self.authorization.signing_message(package)?;
        let key = VerifyingKey::from_bytes(&self.public_key)
            .map_err(|_| AuthorizationError::InvalidPublicKey)?;
        key.verify_strict(&message, &Signature::from_bytes(&self.signature))
            .map_err(|_| AuthorizationError::InvalidSignature)
    }

    /// Everything a terminal can check before submitting, without a node:
    /// the signature, the domain (chain and asset), the amount, the validity
    /// window at `now` (Unix seconds) and that the key is `from`'s own (true
    /// for accounts that never rotated their key, legacy or SingleKey; the
    /// chain checks the account's current authentication key).
    ///
    /// # Errors
    /// The first check that fails.
    pub fn check(
        &self,
        package: Address,
        chain_id: u8,
        now: u64,
    ) -> Result<(), AuthorizationError> {
        self.check_terms(package, chain_id, now)?;
        let key_address = self.key_address();
        if key_address != self.authorization.from
            && self.single_key_address() != self.authorization.from
        {
            return Err(AuthorizationError::KeyNotOfSender {
                from: self.authorization.from,
                key_address,
            });
        }
        self.verify(package)
    }

    /// Domain, amount and window: the checks that need neither key nor chain
    /// state (a client checks the key against the chain itself).
    pub fn check_terms(
        &self,
        package: Address,
        chain_id: u8,
        now: u64,
    ) -> Result<(), AuthorizationError> {
        let authorization = &self.authorization;
        if authorization.chain_id != chain_id {
            return Err(AuthorizationError::WrongChain {
                expected: chain_id,
                actual: authorization.chain_id,
            });
        }
        let metadata = derive_metadata_address(package);
        if authorization.metadata != metadata {
            return Err(AuthorizationError::WrongAsset {
                expected: metadata,
                actual: authorization.metadata,
            });
        }
        if authorization.amount == 0 {
            return Err(AuthorizationError::ZeroAmount);
        }
        if now <= authorization.valid_after {
            return Err(AuthorizationError::NotYetValid {
                valid_after: authorization.valid_after,
                now,
            });
        }
        if now >= authorization.valid_before {
            return Err(AuthorizationError::Expired {
                valid_before: authorization.valid_before,
                now,
            });
        }
        Ok(())
    }

    /// The legacy Ed25519 authentication key of the public key:
    /// `sha3_256(public_key || 0x00)`.
    pub fn authentication_key(&self) -> [u8; 32] {
        ed25519_authentication_key(&self.public_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        const_hex::decode(text).unwrap()
    }

    fn address(text: &str) -> Address {
        Address::from_hex(text).unwrap()
    }

    /// The values of `testdata/known_answers.md`, which the Move test
    /// `known_answer_signature_verifies` pins on the Move side.
    fn known_answer() -> (SigningKey, TransferAuthorization, Address) {
        let key = SigningKey::from_bytes(&[0x07; 32]);
        let authorization = TransferAuthorization {
            kind: AuthorizationKind::Transfer,
            chain_id: 4,
            metadata: address("0x72ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18"),
            from: address("0xcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad"),
            to: address("0xb0b"),
            amount: 1234,
            valid_after: 0,
            valid_before: 2_000_000_000,
            nonce: [0x2a; 32],
        };
        (key, authorization, address("0xcafe"))
    }

    const KNOWN_MESSAGE: &str = "000000000000000000000000000000000000000000000000000000000000cafe0a737461626c65636f696e155472616e73666572417574686f72697a6174696f6e0472ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18cc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad0000000000000000000000000000000000000000000000000000000000000b0bd20400000000000000000000000000000094357700000000202a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a";
    const KNOWN_PUBLIC_KEY: &str =
        "ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c";
    const KNOWN_SIGNATURE: &str = "0d19341d92e95d31fe6d79549ad6d62039ca3cdf681a954fa1f0f499afe35bea697ae1709c459d82417aa3a78947b86447b598a0b33c84ef764b8d405de41208";

    #[test]
    fn signing_message_is_the_known_answer() {
        let (_, authorization, package) = known_answer();
        assert_eq!(
            authorization.signing_message(package).unwrap(),
            hex(KNOWN_MESSAGE)
        );
    }

    #[test]
    fn signature_is_the_known_answer_and_verifies() {
        let (key, authorization, package) = known_answer();
        let signed = authorization.sign(package, &key).unwrap();
        assert_eq!(signed.public_key.to_vec(), hex(KNOWN_PUBLIC_KEY));
        assert_eq!(signed.signature.to_vec(), hex(KNOWN_SIGNATURE));
        assert_eq!(signed.key_address(), signed.authorization.from);
        // What Move compares with `account::get_authentication_key(from)`.
        assert_eq!(
            signed.authentication_key(),
            signed.authorization.from.to_bytes()
        );
        signed.verify(package).unwrap();
        signed.check(package, 4, 1_795_621_488).unwrap();
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let (key, authorization, package) = known_answer();
        let signed = authorization.sign(package, &key).unwrap();

        let mut more = signed.clone();
        more.authorization.amount += 1;
        assert_eq!(
            more.verify(package),
            Err(AuthorizationError::InvalidSignature)
        );

        let mut elsewhere = signed.clone();
        elsewhere.authorization.to = address("0xbad");
        assert_eq!(
            elsewhere.verify(package),
            Err(AuthorizationError::InvalidSignature)
        );

        // The same authorization is not valid for another package.
        assert_eq!(
            signed.verify(address("0xbeef")),
            Err(AuthorizationError::InvalidSignature)
        );

        let mut flipped = signed.clone();
        flipped.signature[0] ^= 1;
        assert_eq!(
            flipped.verify(package),
            Err(AuthorizationError::InvalidSignature)
        );
    }

    #[test]
    fn checks_name_what_is_wrong() {
        let (key, authorization, package) = known_answer();
        let signed = authorization.sign(package, &key).unwrap();
        assert!(matches!(
            signed.check(package, 1, 100),
            Err(AuthorizationError::WrongChain {
                expected: 1,
                actual: 4
            })
        ));
        assert!(matches!(
            signed.check(address("0xbeef"), 4, 100),
            Err(AuthorizationError::WrongAsset { .. })
        ));
        assert_eq!(
            signed.check(package, 4, 0),
            Err(AuthorizationError::NotYetValid {
                valid_after: 0,
                now: 0
            })
        );
        assert_eq!(
            signed.check(package, 4, 2_000_000_000),
            Err(AuthorizationError::Expired {
                valid_before: 2_000_000_000,
                now: 2_000_000_000
            })
        );
        let mut other_key = signed.clone();
        other_key.authorization.from = address("0xb0b");
        assert!(matches!(
            other_key.check(package, 4, 100),
            Err(AuthorizationError::KeyNotOfSender { .. })
        ));
    }

    #[test]
    fn new_authorizations_get_fresh_nonces_and_this_package_as_domain() {
        let package = address("0xcafe");
        let first = TransferAuthorization::new(4, package, address("0xa"), address("0xb"), 1, 99);
        let second = TransferAuthorization::new(4, package, address("0xa"), address("0xb"), 1, 99);
        assert_ne!(first.nonce, second.nonce);
        assert_eq!(first.metadata, derive_metadata_address(package));
        assert_eq!(first.valid_after, 0);
    }

    const KNOWN_COLLECTION_MESSAGE: &str = "000000000000000000000000000000000000000000000000000000000000cafe0a737461626c65636f696e17436f6c6c656374696f6e417574686f72697a6174696f6e0472ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18cc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad0000000000000000000000000000000000000000000000000000000000000b0bd20400000000000000000000000000000094357700000000202a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a";
    const KNOWN_COLLECTION_SIGNATURE: &str = "3b16272104d80a6d9a6fbfe989c1df7bceb638e9039b619aef77da5288d489555b403f10d09d04df4a9a22b6ff20154ed063f2542782d74950390ba59534840e";
    const KNOWN_SINGLE_KEY: &str =
        "bdf12ee5bd166e9f340da2dc557f67389bdaf5d31897791ef23b92e3248c4a19";

    fn known_collection() -> (SigningKey, TransferAuthorization, Address) {
        let (key, mut authorization, package) = known_answer();
        authorization.kind = AuthorizationKind::Collection;
        (key, authorization, package)
    }

    #[test]
    fn collection_message_and_signature_are_the_known_answer() {
        let (key, authorization, package) = known_collection();
        assert_eq!(
            authorization.signing_message(package).unwrap(),
            hex(KNOWN_COLLECTION_MESSAGE)
        );
        let signed = authorization.sign(package, &key).unwrap();
        assert_eq!(signed.signature.to_vec(), hex(KNOWN_COLLECTION_SIGNATURE));
        signed.verify(package).unwrap();
    }

    #[test]
    fn a_signature_of_one_kind_does_not_verify_as_the_other() {
        let (key, transfer, package) = known_answer();
        let signed = transfer.sign(package, &key).unwrap();
        let mut as_collection = signed.clone();
        as_collection.authorization.kind = AuthorizationKind::Collection;
        assert_eq!(
            as_collection.verify(package),
            Err(AuthorizationError::InvalidSignature)
        );
        assert_eq!(
            as_collection.require_kind(AuthorizationKind::Transfer),
            Err(AuthorizationError::WrongKind {
                expected: AuthorizationKind::Transfer,
                actual: AuthorizationKind::Collection
            })
        );
        signed.require_kind(AuthorizationKind::Transfer).unwrap();
    }

    #[test]
    fn single_key_accounts_are_the_key_s_too() {
        let (key, authorization, package) = known_answer();
        let mut signed = authorization.sign(package, &key).unwrap();
        assert_eq!(
            single_key_authentication_key(&signed.public_key).to_vec(),
            hex(KNOWN_SINGLE_KEY)
        );
        assert!(signed.key_matches(&hex(KNOWN_SINGLE_KEY)));
        assert!(signed.key_matches(signed.authorization.from.as_ref()));
        assert!(!signed.key_matches(&[0u8; 32]));
        // The same key, signing for its SingleKey account.
        signed.authorization.from = signed.single_key_address();
        let resigned = signed.authorization.clone().sign(package, &key).unwrap();
        resigned.check(package, 4, 100).unwrap();
    }
}
