//! Transfer with authorization: the off-chain message a holder signs so that
//! someone else may move its yen (the EIP-3009 idea, for Move).
//!
//! This is what customer-presented QR payments stand on: the customer's
//! wallet signs a [`TransferAuthorization`], shows it as a QR code, and the
//! merchant's terminal submits it on chain. The Move side is
//! `yenpay::stablecoin::TransferAuthorization`; the field order here is the
//! field order there, because the signature covers their BCS bytes.
use crate::stablecoin::derive_metadata_address;
use aptos_sdk::crypto::Ed25519PrivateKey;
use aptos_sdk::types::AccountAddress;
use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};

/// Length of an authorization nonce in bytes.
pub const NONCE_LENGTH: usize = 32;

/// What the holder authorizes: `amount` yen from `from` to `to`, usable
/// strictly after `valid_after` and strictly before `valid_before` (Unix
/// seconds), once (the nonce), on one chain and one asset (the domain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferAuthorization {
    /// Chain id of the network the authorization is for (domain).
    pub chain_id: u8,
    /// Address of the stablecoin's metadata object (domain).
    pub metadata: AccountAddress,
    /// The holder whose yen move.
    pub from: AccountAddress,
    /// The receiver (for an invoice collection: the merchant's owner address).
    pub to: AccountAddress,
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

/// Module and struct that the signed message's type info names: the
/// signature is only valid as a `yenpay::stablecoin::TransferAuthorization`.
const MODULE_NAME: &[u8] = b"stablecoin";
const STRUCT_NAME: &[u8] = b"TransferAuthorization";

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
        from: AccountAddress,
        /// The address derived from the public key.
        key_address: AccountAddress,
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
        expected: AccountAddress,
        /// The authorization's metadata address.
        actual: AccountAddress,
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
        from: AccountAddress,
    },
    /// The payer has no account on chain (so no key to check against).
    #[error("{from} has no account on chain")]
    NoAccount {
        /// The authorization's `from`.
        from: AccountAddress,
    },
    /// The nonce was already used or cancelled.
    #[error("the authorization's nonce was already used or cancelled")]
    NonceUsed,
}

/// `aptos_std::type_info::TypeInfo`.
#[derive(Serialize)]
struct TypeInfo<'a> {
    account_address: AccountAddress,
    module_name: &'a [u8],
    struct_name: &'a [u8],
}

/// `yenpay::stablecoin::TransferAuthorization` as Move lays it out: the nonce
/// is a `vector<u8>`, so it carries its length (unlike a Rust array).
#[derive(Serialize)]
struct MoveTransferAuthorization<'a> {
    chain_id: u8,
    metadata: AccountAddress,
    from: AccountAddress,
    to: AccountAddress,
    amount: u64,
    valid_after: u64,
    valid_before: u64,
    nonce: &'a [u8],
}

/// `aptos_std::ed25519::SignedMessage<TransferAuthorization>`.
#[derive(Serialize)]
struct SignedMessage<'a> {
    type_info: TypeInfo<'a>,
    inner: MoveTransferAuthorization<'a>,
}

/// A fresh random nonce.
pub fn random_nonce() -> [u8; NONCE_LENGTH] {
    rand::random()
}

impl TransferAuthorization {
    /// An authorization on chain `chain_id` for the package at `package`:
    /// `amount` yen from `from` to `to`, valid from now until `valid_before`
    /// (Unix seconds), with a fresh random nonce.
    ///
    /// For a customer-presented QR code, whose nonce is derived from the code's
    /// own fields so that it fits the code, build the authorization with
    /// [`crate::qr::cpm::authorization_to_sign`] instead, then [`sign`](Self::sign) it.
    pub fn new(
        chain_id: u8,
        package: AccountAddress,
        from: AccountAddress,
        to: AccountAddress,
        amount: u64,
        valid_before: u64,
    ) -> Self {
        Self {
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

    /// The exact bytes the holder signs: the BCS of the framework's
    /// `SignedMessage<TransferAuthorization>`, whose type info names
    /// `<package>::stablecoin::TransferAuthorization`.
    ///
    /// # Errors
    /// [`AuthorizationError::Encoding`] if BCS encoding fails.
    pub fn signing_message(&self, package: AccountAddress) -> Result<Vec<u8>, AuthorizationError> {
        let message = SignedMessage {
            type_info: TypeInfo {
                account_address: package,
                module_name: MODULE_NAME,
                struct_name: STRUCT_NAME,
            },
            inner: MoveTransferAuthorization {
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
        package: AccountAddress,
        key: &Ed25519PrivateKey,
    ) -> Result<SignedAuthorization, AuthorizationError> {
        let message = self.signing_message(package)?;
        let signature = key.sign(&message).to_bytes();
        Ok(SignedAuthorization {
            authorization: self,
            public_key: key.public_key().to_bytes(),
            signature,
        })
    }
}

impl SignedAuthorization {
    /// The address of an account whose authentication key is this public key
    /// (Ed25519 scheme): the holder's address unless it rotated its key.
    pub fn key_address(&self) -> AccountAddress {
        aptos_sdk::crypto::derive_address(&self.public_key, aptos_sdk::crypto::ED25519_SCHEME)
    }

    /// Verifies the signature locally, with the same strict Ed25519 rule as
    /// Move's `ed25519::signature_verify_strict_t`.
    ///
    /// # Errors
    /// [`AuthorizationError::InvalidPublicKey`] or
    /// [`AuthorizationError::InvalidSignature`].
    pub fn verify(&self, package: AccountAddress) -> Result<(), AuthorizationError> {
        let message = self.authorization.signing_message(package)?;
        let key = VerifyingKey::from_bytes(&self.public_key)
            .map_err(|_| AuthorizationError::InvalidPublicKey)?;
        key.verify_strict(&message, &Signature::from_bytes(&self.signature))
            .map_err(|_| AuthorizationError::InvalidSignature)
    }

    /// Everything a terminal can check before submitting, without a node:
    /// the signature, the domain (chain and asset), the amount, the validity
    /// window at `now` (Unix seconds) and that the key is `from`'s own (true
    /// for accounts that never rotated their key; the chain checks the
    /// account's current authentication key).
    ///
    /// # Errors
    /// The first check that fails.
    pub fn check(
        &self,
        package: AccountAddress,
        chain_id: u8,
        now: u64,
    ) -> Result<(), AuthorizationError> {
        self.check_terms(package, chain_id, now)?;
        let key_address = self.key_address();
        if key_address != self.authorization.from {
            return Err(AuthorizationError::KeyNotOfSender {
                from: self.authorization.from,
                key_address,
            });
        }
        self.verify(package)
    }

    /// Domain, amount and window: the checks that need neither key nor chain state.
    pub(crate) fn check_terms(
        &self,
        package: AccountAddress,
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

    /// The Ed25519 authentication key of the public key:
    /// `sha3_256(public_key || 0x00)`, what Move compares with the payer's.
    pub fn authentication_key(&self) -> [u8; 32] {
        aptos_sdk::crypto::derive_authentication_key(
            &self.public_key,
            aptos_sdk::crypto::ED25519_SCHEME,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        const_hex::decode(text).unwrap()
    }

    fn address(text: &str) -> AccountAddress {
        AccountAddress::from_hex(text).unwrap()
    }

    /// The values of /work/plan/KNOWN_ANSWER.md, which the Move test
    /// `known_answer_signature_verifies` pins on the Move side.
    fn known_answer() -> (Ed25519PrivateKey, TransferAuthorization, AccountAddress) {
        let key = Ed25519PrivateKey::from_bytes(&[0x07; 32]).unwrap();
        let authorization = TransferAuthorization {
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
}
