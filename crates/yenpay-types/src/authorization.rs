//! Signed authorizations: the off-chain message a holder signs so that
//! someone else may move its yen (the EIP-3009 idea, for Move).
//!
//! Two kinds, two Move structs of `yenpay::authorization` with the same field
//! layout, so that neither signature verifies as the other
//! ([`AuthorizationKind`]):
//! - `yenpay::authorization::TransferAuthorization`: anyone may submit it with
//!   `stablecoin::transfer_with_authorization`; `to` receives the yen.
//! - `yenpay::authorization::CollectionAuthorization`: what customer-presented QR
//!   payments stand on. The customer's wallet signs it for a merchant (`to`)
//!   and shows it as a QR code; only `invoice::collect_with_authorization`,
//!   called by that merchant or one of its terminals, accepts it, and it pays
//!   an open invoice with the operator's fee. Someone else who sees the code
//!   cannot cash it.
//!
//! The field order here is the field order there, because the signature
//! covers their BCS bytes. The known answers of both are in
//! `testdata/known_answers.md`, which the Move and Rust tests both cite.
//!
//! Nonces are unordered `u64`s, as in Uniswap's Permit2: the chain keeps a
//! bitmap per holder, word `nonce >> 8`, bit `nonce & 0xff`, one storage slot
//! per word. A wallet that counts its nonces up ([`NonceCounter`]) pays for a
//! new slot once per 256 authorizations; a random nonce would pay for one
//! almost every time. [`NonceBitmap`] is a word as the chain returns it.
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

/// Nonces per bitmap word: word `nonce >> 8` holds bit `nonce & 0xff`.
pub const NONCES_PER_WORD: u64 = 256;

/// The word of a nonce in its holder's bitmap (`nonce >> 8`).
pub const fn nonce_word(nonce: u64) -> u64 {
    nonce >> 8
}

/// The bit of a nonce within its word (`nonce & 0xff`).
pub const fn nonce_bit(nonce: u64) -> u8 {
    (nonce & 0xff) as u8
}

/// One 256-bit word of a holder's nonce bitmap (a Move `u256`): bit `i` set
/// means nonce `word * 256 + i` was used or cancelled. Also the mask of
/// `authorization::cancel_nonces`.
///
/// Serialized (serde) as the decimal string the node's JSON gives a `u256`;
/// [`NonceBitmap::to_le_bytes`] is its BCS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NonceBitmap([u64; 4]);

impl NonceBitmap {
    /// No bit set.
    pub const EMPTY: Self = Self([0; 4]);
    /// Every bit set: a word whose 256 nonces are all spent.
    pub const FULL: Self = Self([u64::MAX; 4]);

    /// The mask of one bit.
    pub fn bit(bit: u8) -> Self {
        let mut words = [0u64; 4];
        words[usize::from(bit / 64)] = 1 << (bit % 64);
        Self(words)
    }

    /// The mask of every nonce in `nonces` that lies in word `word`; the
    /// others are left out.
    pub fn of_nonces(word: u64, nonces: impl IntoIterator<Item = u64>) -> Self {
        nonces
            .into_iter()
            .filter(|&nonce| nonce_word(nonce) == word)
            .fold(Self::EMPTY, |mask, nonce| {
                mask.union(Self::bit(nonce_bit(nonce)))
            })
    }

    /// Whether bit `bit` is set.
    pub fn is_set(&self, bit: u8) -> bool {
        self.0[usize::from(bit / 64)] >> (bit % 64) & 1 == 1
    }

    /// Whether no bit is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::EMPTY
    }

    /// The bits set in either.
    #[must_use]
    pub fn union(self, other: Self) -> Self {
        Self([
            self.0[0] | other.0[0],
            self.0[1] | other.0[1],
            self.0[2] | other.0[2],
            self.0[3] | other.0[3],
        ])
    }

    /// The highest set bit, if any.
    pub fn highest_set(&self) -> Option<u8> {
        (0..4).rev().find_map(|limb| {
            let value = self.0[limb];
            (value != 0).then(|| (limb as u8) * 64 + (63 - value.leading_zeros() as u8))
        })
    }

    /// The 32 little-endian bytes of the `u256`: its BCS.
    pub fn to_le_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (limb, chunk) in self.0.iter().zip(out.chunks_exact_mut(8)) {
            chunk.copy_from_slice(&limb.to_le_bytes());
        }
        out
    }

    /// From the 32 little-endian bytes of a `u256`.
    pub fn from_le_bytes(bytes: [u8; 32]) -> Self {
        let mut limbs = [0u64; 4];
        for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut le = [0u8; 8];
            le.copy_from_slice(chunk);
            *limb = u64::from_le_bytes(le);
        }
        Self(limbs)
    }

    /// Parses the decimal text of a `u256`, as the node's JSON writes it.
    ///
    /// # Errors
    /// [`NonceBitmapError`] for anything but 1 to 78 decimal digits of a
    /// number below 2^256.
    pub fn from_decimal(text: &str) -> Result<Self, NonceBitmapError> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NonceBitmapError(text.to_owned()));
        }
        let mut limbs = [0u64; 4];
        for digit in text.bytes() {
            // limbs = limbs * 10 + digit, little-endian limbs, overflow refused.
            let mut carry = u128::from(digit - b'0');
            for limb in &mut limbs {
                let product = u128::from(*limb) * 10 + carry;
                *limb = product as u64;
                carry = product >> 64;
            }
            if carry != 0 {
                return Err(NonceBitmapError(text.to_owned()));
            }
        }
        Ok(Self(limbs))
    }

    /// The decimal text of the `u256`.
    pub fn to_decimal(&self) -> String {
        if self.is_empty() {
            return "0".to_owned();
        }
        let mut limbs = self.0;
        let mut digits = Vec::new();
        while limbs != [0; 4] {
            // limbs /= 10, remainder is the next digit (most significant limb first).
            let mut remainder = 0u128;
            for limb in limbs.iter_mut().rev() {
                let value = (remainder << 64) | u128::from(*limb);
                *limb = (value / 10) as u64;
                remainder = value % 10;
            }
            digits.push(b'0' + remainder as u8);
        }
        digits.reverse();
        String::from_utf8(digits).unwrap_or_default()
    }
}

/// Text that is not the decimal of a `u256`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a u256 in decimal: {0:?}")]
pub struct NonceBitmapError(String);

impl Serialize for NonceBitmap {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_decimal())
    }
}

impl<'de> Deserialize<'de> for NonceBitmap {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::from_decimal(&text).map_err(serde::de::Error::custom)
    }
}

/// Hands a wallet its nonces in order, 0, 1, 2, ..., so that its
/// authorizations fill one bitmap word (one storage slot on chain) per 256.
/// Keep it with the wallet's key; after losing it, continue where the chain
/// says ([`NonceCounter::resume_after`] of the last word in use; the client
/// reads the words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct NonceCounter {
    next: u64,
}

impl NonceCounter {
    /// A counter whose next nonce is `next`.
    pub const fn starting_at(next: u64) -> Self {
        Self { next }
    }

    /// The nonce [`NonceCounter::take`] gives next.
    pub const fn peek(&self) -> u64 {
        self.next
    }

    /// The next nonce, and moves on. `None` when the counter is at
    /// `u64::MAX` (that last nonce is never handed out).
    pub fn take(&mut self) -> Option<u64> {
        let nonce = self.next;
        self.next = nonce.checked_add(1)?;
        Some(nonce)
    }

    /// Where to continue after word `word` of the chain's bitmap, the highest
    /// word a sequential wallet used: after its highest set bit, at the word's
    /// start if it is empty. Never hands out a nonce at or below a used one of
    /// that word, so nothing the chain has seen used is offered again.
    pub fn resume_after(word: u64, bitmap: &NonceBitmap) -> Self {
        let start = word.saturating_mul(NONCES_PER_WORD);
        let next = match bitmap.highest_set() {
            None => start,
            Some(bit) => start.saturating_add(u64::from(bit) + 1),
        };
        Self { next }
    }
}

/// Which Move message an authorization is, and so who may use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthorizationKind {
    /// `authorization::TransferAuthorization`: any submitter, to `to`.
    Transfer,
    /// `authorization::CollectionAuthorization`: an invoice collection by the
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
    /// Single-use nonce chosen by the holder (from a [`NonceCounter`]):
    /// spent once per holder, whichever kind of message carried it.
    pub nonce: u64,
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
/// kind's): `yenpay::authorization`.
pub const MODULE_NAME: &[u8] = b"authorization";

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
    /// A signed invoice whose expiry is further ahead than the contract
    /// accepts (`invoice::MAX_TTL_SECS` from now).
    #[error("expires at {expires_at}, more than {max_secs} s after {now}")]
    ExpiryTooFar {
        /// The offer's `expires_at`.
        expires_at: u64,
        /// The time checked against.
        now: u64,
        /// The longest lifetime the contract accepts.
        max_secs: u64,
    },
    /// A collection submitted as a transfer, or the other way round.
    #[error("this is a {actual:?} authorization; {expected:?} is needed here")]
    WrongKind {
        /// The kind this call takes.
        expected: AuthorizationKind,
        /// The authorization's kind.
        actual: AuthorizationKind,
    },
    /// A terminal's collection request that names another customer code
    /// (holder, nonce, merchant, amount or domain differ): the chain would
    /// refuse the pair.
    #[error("the terminal's request does not name this customer code")]
    NotPaired,
}

/// `aptos_std::type_info::TypeInfo`.
#[derive(Serialize)]
pub(crate) struct TypeInfo<'a> {
    pub(crate) account_address: Address,
    pub(crate) module_name: &'a [u8],
    pub(crate) struct_name: &'a [u8],
}

/// `yenpay::authorization::TransferAuthorization` (or `CollectionAuthorization`,
/// whose `merchant` is in `to`'s place) as Move lays it out.
#[derive(Serialize)]
struct MoveAuthorization {
    chain_id: u8,
    metadata: Address,
    from: Address,
    to: Address,
    amount: u64,
    valid_after: u64,
    valid_before: u64,
    nonce: u64,
}

/// `aptos_std::ed25519::SignedMessage<T>`.
#[derive(Serialize)]
struct SignedMessage<'a, T> {
    type_info: TypeInfo<'a>,
    inner: T,
}

/// The bytes a key signs for `inner`, the message `struct_name` of
/// `<package>::authorization`: the BCS of the framework's
/// `SignedMessage<T>`, which every signed message of the package shares.
pub(crate) fn signed_message<T: Serialize>(
    package: Address,
    struct_name: &str,
    inner: T,
) -> Result<Vec<u8>, AuthorizationError> {
    let message = SignedMessage {
        type_info: TypeInfo {
            account_address: package,
            module_name: MODULE_NAME,
            struct_name: struct_name.as_bytes(),
        },
        inner,
    };
    aptos_bcs::to_bytes(&message).map_err(|error| AuthorizationError::Encoding(error.to_string()))
}

/// Checks `signature` of `message` by `public_key` with Move's strict rule
/// (`ed25519::signature_verify_strict_t`).
pub(crate) fn verify_strict(
    message: &[u8],
    public_key: &[u8; 32],
    signature: &[u8; 64],
) -> Result<(), AuthorizationError> {
    let key =
        VerifyingKey::from_bytes(public_key).map_err(|_| AuthorizationError::InvalidPublicKey)?;
    key.verify_strict(message, &Signature::from_bytes(signature))
        .map_err(|_| AuthorizationError::InvalidSignature)
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

impl TransferAuthorization {
    /// A transfer authorization on chain `chain_id` for the package at
    /// `package`: `amount` yen from `from` to `to`, valid from now until
    /// `valid_before` (Unix seconds), with `nonce` (take it from the holder's
    /// [`NonceCounter`]). Anyone who holds it may submit it.
    ///
    /// For a customer-presented QR code, `yenpay-qr`'s
    /// `cpm::authorization_to_sign` builds the collection authorization with
    /// the terminal's context instead; then [`sign`](Self::sign) it.
    pub fn new(
        chain_id: u8,
        package: Address,
        from: Address,
        to: Address,
        amount: u64,
        valid_before: u64,
        nonce: u64,
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
            nonce,
        }
    }

    /// A collection authorization for a customer-presented payment: `amount`
    /// yen from `from` to settle an invoice of `merchant`, valid until
    /// `valid_before`, with `nonce`. Only
    /// `invoice::collect_with_authorization`, called by that merchant or its
    /// terminals, accepts it.
    pub fn collection(
        chain_id: u8,
        package: Address,
        from: Address,
        merchant: Address,
        amount: u64,
        valid_before: u64,
        nonce: u64,
    ) -> Self {
        Self {
            kind: AuthorizationKind::Collection,
            ..Self::new(
                chain_id,
                package,
                from,
                merchant,
                amount,
                valid_before,
                nonce,
            )
        }
    }

    /// The exact bytes the holder signs: the BCS of the framework's
    /// `SignedMessage<T>`, whose type info names
    /// `<package>::authorization::<T>` with `T` the kind's struct.
    ///
    /// # Errors
    /// [`AuthorizationError::Encoding`] if BCS encoding fails.
    pub fn signing_message(&self, package: Address) -> Result<Vec<u8>, AuthorizationError> {
        signed_message(
            package,
            self.kind.struct_name(),
            MoveAuthorization {
                chain_id: self.chain_id,
                metadata: self.metadata,
                from: self.from,
                to: self.to,
                amount: self.amount,
                valid_after: self.valid_after,
                valid_before: self.valid_before,
                nonce: self.nonce,
            },
        )
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
        verify_strict(
            &self.authorization.signing_message(package)?,
            &self.public_key,
            &self.signature,
        )
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
            nonce: 0x2a2a,
        };
        (key, authorization, address("0xcafe"))
    }

    const KNOWN_MESSAGE: &str = "000000000000000000000000000000000000000000000000000000000000cafe0d617574686f72697a6174696f6e155472616e73666572417574686f72697a6174696f6e0472ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18cc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad0000000000000000000000000000000000000000000000000000000000000b0bd204000000000000000000000000000000943577000000002a2a000000000000";
    const KNOWN_PUBLIC_KEY: &str =
        "ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c";
    const KNOWN_SIGNATURE: &str = "65a0c3c862e3b6e6206b9186e3cf562844d1bfb0997f204d4c4f5490c49c2294a72de3bdc3c25c3c286a0daf865d036841b8bfa58fd1c5c3c349405157cbff0f";

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
    fn new_authorizations_take_the_counter_s_nonces_and_this_package_as_domain() {
        let package = address("0xcafe");
        let mut nonces = NonceCounter::default();
        let mut next = || nonces.take().unwrap();
        let first =
            TransferAuthorization::new(4, package, address("0xa"), address("0xb"), 1, 99, next());
        let second = TransferAuthorization::collection(
            4,
            package,
            address("0xa"),
            address("0xb"),
            1,
            99,
            next(),
        );
        assert_eq!((first.nonce, second.nonce), (0, 1));
        assert_eq!(second.kind, AuthorizationKind::Collection);
        assert_eq!(first.metadata, derive_metadata_address(package));
        assert_eq!(first.valid_after, 0);
    }

    #[test]
    fn the_nonce_is_a_u64_in_the_signed_bytes() {
        // The message ends with the nonce as 8 little-endian bytes (no length:
        // a Move u64, not a vector).
        let (_, mut authorization, package) = known_answer();
        authorization.nonce = 0x0102_0304_0506_0708;
        let message = authorization.signing_message(package).unwrap();
        assert_eq!(
            message[message.len() - 8..],
            0x0102_0304_0506_0708u64.to_le_bytes()
        );
        assert_eq!(message.len(), hex(KNOWN_MESSAGE).len());
    }

    #[test]
    fn words_and_bits_of_nonces() {
        assert_eq!((nonce_word(0), nonce_bit(0)), (0, 0));
        assert_eq!((nonce_word(255), nonce_bit(255)), (0, 255));
        assert_eq!((nonce_word(256), nonce_bit(256)), (1, 0));
        assert_eq!((nonce_word(0x2a2a), nonce_bit(0x2a2a)), (0x2a, 0x2a));
        assert_eq!(
            (nonce_word(u64::MAX), nonce_bit(u64::MAX)),
            ((1 << 56) - 1, 255)
        );
    }

    #[test]
    fn bitmaps_as_the_node_writes_them() {
        assert_eq!(NonceBitmap::from_decimal("0").unwrap(), NonceBitmap::EMPTY);
        assert_eq!(
            NonceBitmap::from_decimal("7").unwrap(),
            NonceBitmap::of_nonces(0, 0..3)
        );
        // 2^255, bit 255.
        let top = "57896044618658097711785492504343953926634992332820282019728792003956564819968";
        assert_eq!(
            NonceBitmap::from_decimal(top).unwrap(),
            NonceBitmap::bit(255)
        );
        assert_eq!(NonceBitmap::bit(255).to_decimal(), top);
        // 2^256 - 1, every bit; one more overflows.
        let full = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
        assert_eq!(NonceBitmap::from_decimal(full).unwrap(), NonceBitmap::FULL);
        assert_eq!(NonceBitmap::FULL.to_decimal(), full);
        assert!(NonceBitmap::from_decimal(&full.replace("935", "936")).is_err());
        for bad in ["", "-1", "0x10", "1 2", "1e3"] {
            assert!(NonceBitmap::from_decimal(bad).is_err(), "{bad:?}");
        }
        let json: NonceBitmap = serde_json::from_str("\"1024\"").unwrap();
        assert_eq!(json, NonceBitmap::bit(10));
        assert_eq!(serde_json::to_string(&json).unwrap(), "\"1024\"");
    }

    #[test]
    fn bitmap_bits_masks_and_bytes() {
        let mask = NonceBitmap::of_nonces(2, [512 + 3, 512 + 5, 7, 768]);
        assert!(mask.is_set(3) && mask.is_set(5));
        assert!(!mask.is_set(7) && !mask.is_set(0));
        assert_eq!(mask.highest_set(), Some(5));
        assert_eq!(NonceBitmap::EMPTY.highest_set(), None);
        assert_eq!(NonceBitmap::FULL.highest_set(), Some(255));
        assert_eq!(NonceBitmap::bit(64).highest_set(), Some(64));
        // BCS of a u256: 32 little-endian bytes.
        let mut bytes = [0u8; 32];
        bytes[0] = 0b0010_1000;
        assert_eq!(mask.to_le_bytes(), bytes);
        assert_eq!(NonceBitmap::bit(255).to_le_bytes()[31], 0x80);
        for bitmap in [mask, NonceBitmap::FULL, NonceBitmap::bit(200)] {
            assert_eq!(NonceBitmap::from_le_bytes(bitmap.to_le_bytes()), bitmap);
        }
    }

    #[test]
    fn a_counter_resumes_after_what_the_chain_has_seen() {
        let mut counter = NonceCounter::starting_at(254);
        assert_eq!(counter.take(), Some(254));
        assert_eq!(counter.take(), Some(255));
        assert_eq!(counter.take(), Some(256));
        assert_eq!(counter.peek(), 257);
        let mut last = NonceCounter::starting_at(u64::MAX);
        assert_eq!(last.take(), None);
        // Word 3 with nonces 768..=770 and 773 (a hole at 771, 772) used.
        let word = NonceBitmap::of_nonces(3, [768, 769, 770, 773]);
        assert_eq!(NonceCounter::resume_after(3, &word).peek(), 774);
        assert_eq!(
            NonceCounter::resume_after(3, &NonceBitmap::EMPTY).peek(),
            768
        );
        assert_eq!(
            NonceCounter::resume_after(3, &NonceBitmap::FULL).peek(),
            1024
        );
    }

    const KNOWN_COLLECTION_MESSAGE: &str = "000000000000000000000000000000000000000000000000000000000000cafe0d617574686f72697a6174696f6e17436f6c6c656374696f6e417574686f72697a6174696f6e0472ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18cc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad0000000000000000000000000000000000000000000000000000000000000b0bd204000000000000000000000000000000943577000000002a2a000000000000";
    const KNOWN_COLLECTION_SIGNATURE: &str = "2ed58089024e60a6860bffafc937e8e93bacc987aa8e4aad0313a5022da55d28a6f6eea59f5211925eb9e149c2ff4e97cb5ecaa75aaf870e2e8cb20857c74009";
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
