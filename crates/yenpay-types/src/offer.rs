//! Terminal-signed invoices: the off-chain message of a dynamic QR payment
//! that takes one transaction, the customer's.
//!
//! A merchant's terminal signs an [`InvoiceOffer`] (merchant, terminal, order
//! reference, amount, expiry, and the domain: chain id and the stablecoin's
//! metadata address) with the Ed25519 key of its account and shows it as a
//! code; no transaction, no APT. The customer's wallet pays it with
//! `invoice::pay_signed_invoice`, which checks the signature against the
//! terminal account's current authentication key (legacy Ed25519 or
//! SingleKey), that the terminal belongs to the merchant now, the expiry
//! (not passed, at most [`MAX_TTL_SECS`] ahead), and that the order reference
//! has no record yet; then it pays and writes the invoice record as paid, so
//! the code is paid at most once.
//!
//! The signed bytes are the BCS of `aptos_std::ed25519::SignedMessage<T>` with
//! `T = <package>::authorization::InvoiceOffer`, the same wrapper as the
//! holders' authorizations ([`crate::authorization`]); the struct name in the
//! type info keeps an offer from verifying as any other message. The field
//! order here is the field order of the Move struct. Known answer:
//! `testdata/known_answers.md`, pinned by the Move test
//! `signed_invoice_tests::known_answer_offer_verifies` and the tests below.
//!
//! A terminal's key is its account's key: rotating the account's
//! authentication key rotates it (codes signed with the old key no longer
//! verify), and `merchant_registry::remove_terminal` revokes every code the
//! terminal signed; a terminal moved to another merchant signs for the old one
//! no more.
use crate::address::Address;
use crate::authorization::{
    AuthorizationError, ed25519_authentication_key, signed_message, single_key_authentication_key,
    verify_strict,
};
use crate::limits::{MAX_TTL_SECS, OrderRef};
use crate::objects::metadata_address as derive_metadata_address;
use ed25519_dalek::{Signer, SigningKey};
use serde::Serialize;

/// The Move struct the signed message's type info names:
/// `<package>::authorization::InvoiceOffer`.
pub const STRUCT_NAME: &str = "InvoiceOffer";

/// What a terminal signs: an invoice of `amount` yen for `merchant`'s order
/// `order_ref`, payable by whoever scans it strictly before `expires_at`
/// (Unix seconds), on one chain and one deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceOffer {
    /// Chain id of the network (domain).
    pub chain_id: u8,
    /// Address of the stablecoin's metadata object (domain: the deployment).
    pub metadata: Address,
    /// The merchant's owner account.
    pub merchant: Address,
    /// The account whose key signs: a terminal of `merchant`, or its owner.
    pub terminal: Address,
    /// The merchant's order reference; paid at most once.
    pub order_ref: OrderRef,
    /// Amount in yen.
    pub amount: u64,
    /// Payable strictly before this time (Unix seconds).
    pub expires_at: u64,
}

/// An offer with the terminal's Ed25519 public key and signature: what the
/// code carries and `invoice::pay_signed_invoice` takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInvoiceOffer {
    /// The signed invoice.
    pub offer: InvoiceOffer,
    /// The terminal's Ed25519 public key (its authentication key must be the
    /// terminal account's).
    pub public_key: [u8; 32],
    /// Ed25519 signature over [`InvoiceOffer::signing_message`].
    pub signature: [u8; 64],
}

/// `yenpay::authorization::InvoiceOffer` as Move lays it out.
#[derive(Serialize)]
struct MoveInvoiceOffer<'a> {
    chain_id: u8,
    metadata: Address,
    merchant: Address,
    terminal: Address,
    order_ref: &'a str,
    amount: u64,
    expires_at: u64,
}

impl InvoiceOffer {
    /// An offer on chain `chain_id` for the package at `package`.
    pub fn new(
        chain_id: u8,
        package: Address,
        merchant: Address,
        terminal: Address,
        order_ref: OrderRef,
        amount: u64,
        expires_at: u64,
    ) -> Self {
        Self {
            chain_id,
            metadata: derive_metadata_address(package),
            merchant,
            terminal,
            order_ref,
            amount,
            expires_at,
        }
    }

    /// The exact bytes the terminal signs: the BCS of the framework's
    /// `SignedMessage<InvoiceOffer>`, whose type info names
    /// `<package>::authorization::InvoiceOffer`.
    ///
    /// # Errors
    /// [`AuthorizationError::Encoding`] if BCS encoding fails.
    pub fn signing_message(&self, package: Address) -> Result<Vec<u8>, AuthorizationError> {
        signed_message(
            package,
            STRUCT_NAME,
            MoveInvoiceOffer {
                chain_id: self.chain_id,
                metadata: self.metadata,
                merchant: self.merchant,
                terminal: self.terminal,
                order_ref: self.order_ref.as_str(),
                amount: self.amount,
                expires_at: self.expires_at,
            },
        )
    }

    /// Signs the offer with the terminal's Ed25519 key.
    ///
    /// # Errors
    /// [`AuthorizationError::Encoding`] if BCS encoding fails.
    pub fn sign(
        self,
        package: Address,
        key: &SigningKey,
    ) -> Result<SignedInvoiceOffer, AuthorizationError> {
        let message = self.signing_message(package)?;
        let signature = key.sign(&message).to_bytes();
        Ok(SignedInvoiceOffer {
            offer: self,
            public_key: key.verifying_key().to_bytes(),
            signature,
        })
    }
}

impl SignedInvoiceOffer {
    /// Whether `auth_key` is this public key's, as a legacy Ed25519 or a
    /// SingleKey Ed25519 account: what Move compares with the terminal
    /// account's authentication key.
    pub fn key_matches(&self, auth_key: &[u8]) -> bool {
        auth_key == ed25519_authentication_key(&self.public_key)
            || auth_key == single_key_authentication_key(&self.public_key)
    }

    /// Verifies the signature locally, with the same strict Ed25519 rule as
    /// Move's `ed25519::signature_verify_strict_t`.
    ///
    /// # Errors
    /// [`AuthorizationError::InvalidPublicKey`] or
    /// [`AuthorizationError::InvalidSignature`].
    pub fn verify(&self, package: Address) -> Result<(), AuthorizationError> {
        verify_strict(
            &self.offer.signing_message(package)?,
            &self.public_key,
            &self.signature,
        )
    }

    /// Domain, amount and expiry at `now` (Unix seconds): the checks that
    /// need neither key nor chain state.
    ///
    /// # Errors
    /// The first check that fails.
    pub fn check_terms(
        &self,
        package: Address,
        chain_id: u8,
        now: u64,
    ) -> Result<(), AuthorizationError> {
        let offer = &self.offer;
        if offer.chain_id != chain_id {
            return Err(AuthorizationError::WrongChain {
                expected: chain_id,
                actual: offer.chain_id,
            });
        }
        let metadata = derive_metadata_address(package);
        if offer.metadata != metadata {
            return Err(AuthorizationError::WrongAsset {
                expected: metadata,
                actual: offer.metadata,
            });
        }
        if offer.amount == 0 {
            return Err(AuthorizationError::ZeroAmount);
        }
        if now >= offer.expires_at {
            return Err(AuthorizationError::Expired {
                valid_before: offer.expires_at,
                now,
            });
        }
        if offer.expires_at - now > MAX_TTL_SECS {
            return Err(AuthorizationError::ExpiryTooFar {
                expires_at: offer.expires_at,
                now,
                max_secs: MAX_TTL_SECS,
            });
        }
        Ok(())
    }

    /// Everything a wallet can check before paying, without a node: the
    /// terms ([`SignedInvoiceOffer::check_terms`]), that the key is the
    /// terminal's own (true for an account that never rotated its key, legacy
    /// or SingleKey; the chain checks the current key and that the terminal
    /// still belongs to the merchant) and the signature.
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
        if !self.key_matches(self.offer.terminal.as_ref()) {
            return Err(AuthorizationError::KeyNotOfSender {
                from: self.offer.terminal,
                key_address: Address::new(ed25519_authentication_key(&self.public_key)),
            });
        }
        self.verify(package)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authorization::{AuthorizationKind, TransferAuthorization};

    fn hex(text: &str) -> Vec<u8> {
        const_hex::decode(text).unwrap()
    }

    fn address(text: &str) -> Address {
        Address::from_hex(text).unwrap()
    }

    /// The values of `testdata/known_answers.md`, which the Move test
    /// `signed_invoice_tests::known_answer_offer_verifies` pins on the Move
    /// side: the key of seed `[7; 32]` is the terminal (its legacy address).
    fn known_answer() -> (SigningKey, InvoiceOffer, Address) {
        let key = SigningKey::from_bytes(&[0x07; 32]);
        let offer = InvoiceOffer {
            chain_id: 4,
            metadata: address("0x72ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18"),
            merchant: address("0xb0b"),
            terminal: address("0xcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad"),
            order_ref: OrderRef::new("ORDER-0001").unwrap(),
            amount: 1234,
            expires_at: 2_000_000_000,
        };
        (key, offer, address("0xcafe"))
    }

    const KNOWN_MESSAGE: &str = "000000000000000000000000000000000000000000000000000000000000cafe0d617574686f72697a6174696f6e0c496e766f6963654f666665720472ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a180000000000000000000000000000000000000000000000000000000000000b0bcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad0a4f524445522d30303031d2040000000000000094357700000000";
    const KNOWN_SIGNATURE: &str = "150534dfddb494ced964e70850119611a4ff84c64cbc58946fd0294486182fcbdf18e733377e08ffda36f1aa1ce9a13024186c76a28a77d4f4fd1bb8f1d41c07";

    #[test]
    fn signing_message_and_signature_are_the_known_answer() {
        let (key, offer, package) = known_answer();
        assert_eq!(offer.signing_message(package).unwrap(), hex(KNOWN_MESSAGE));
        let signed = offer.sign(package, &key).unwrap();
        assert_eq!(signed.signature.to_vec(), hex(KNOWN_SIGNATURE));
        signed.verify(package).unwrap();
        signed
            .check(package, 4, 1_999_999_999 - MAX_TTL_SECS + 1)
            .unwrap();
    }

    #[test]
    fn new_offers_take_this_package_as_domain() {
        let (_, known, package) = known_answer();
        let offer = InvoiceOffer::new(
            4,
            package,
            known.merchant,
            known.terminal,
            known.order_ref.clone(),
            known.amount,
            known.expires_at,
        );
        assert_eq!(offer, known);
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let (key, offer, package) = known_answer();
        let signed = offer.sign(package, &key).unwrap();
        let changes: [fn(&mut InvoiceOffer); 7] = [
            |o| o.chain_id += 1,
            |o| o.metadata = Address::from_hex("0xbeef").unwrap(),
            |o| o.merchant = Address::from_hex("0xbad").unwrap(),
            |o| o.terminal = Address::from_hex("0xbad").unwrap(),
            |o| o.order_ref = OrderRef::new("ORDER-0002").unwrap(),
            |o| o.amount += 1,
            |o| o.expires_at += 1,
        ];
        for (index, change) in changes.iter().enumerate() {
            let mut changed = signed.clone();
            change(&mut changed.offer);
            assert_eq!(
                changed.verify(package),
                Err(AuthorizationError::InvalidSignature),
                "change {index}"
            );
        }
        // Another deployment's type info.
        assert_eq!(
            signed.verify(address("0xbeef")),
            Err(AuthorizationError::InvalidSignature)
        );
    }

    #[test]
    fn an_offer_is_no_other_message() {
        // The same key signing a collection authorization of the same merchant
        // and amount: neither signature verifies as the other.
        let (key, offer, package) = known_answer();
        let collection = TransferAuthorization {
            kind: AuthorizationKind::Collection,
            chain_id: 4,
            metadata: offer.metadata,
            from: offer.terminal,
            to: offer.merchant,
            amount: offer.amount,
            valid_after: 0,
            valid_before: offer.expires_at,
            nonce: 0,
        }
        .sign(package, &key)
        .unwrap();
        let mut forged = offer.clone().sign(package, &key).unwrap();
        forged.signature = collection.signature;
        assert_eq!(
            forged.verify(package),
            Err(AuthorizationError::InvalidSignature)
        );
        let signed = offer.sign(package, &key).unwrap();
        let mut as_collection = collection.clone();
        as_collection.signature = signed.signature;
        assert_eq!(
            as_collection.verify(package),
            Err(AuthorizationError::InvalidSignature)
        );
    }

    #[test]
    fn checks_name_what_is_wrong() {
        let (key, offer, package) = known_answer();
        let signed = offer.sign(package, &key).unwrap();
        let now = 2_000_000_000 - 300;
        signed.check(package, 4, now).unwrap();
        assert!(matches!(
            signed.check(package, 1, now),
            Err(AuthorizationError::WrongChain {
                expected: 1,
                actual: 4
            })
        ));
        assert!(matches!(
            signed.check(address("0xbeef"), 4, now),
            Err(AuthorizationError::WrongAsset { .. })
        ));
        assert_eq!(
            signed.check(package, 4, 2_000_000_000),
            Err(AuthorizationError::Expired {
                valid_before: 2_000_000_000,
                now: 2_000_000_000
            })
        );
        // Exactly the longest lifetime ahead is accepted, one second more not.
        signed
            .check_terms(package, 4, 2_000_000_000 - MAX_TTL_SECS)
            .unwrap();
        assert_eq!(
            signed.check_terms(package, 4, 2_000_000_000 - MAX_TTL_SECS - 1),
            Err(AuthorizationError::ExpiryTooFar {
                expires_at: 2_000_000_000,
                now: 2_000_000_000 - MAX_TTL_SECS - 1,
                max_secs: MAX_TTL_SECS
            })
        );
        let mut zero = signed.clone();
        zero.offer.amount = 0;
        assert_eq!(
            zero.check_terms(package, 4, now),
            Err(AuthorizationError::ZeroAmount)
        );
        let mut other_terminal = signed.clone();
        other_terminal.offer.terminal = address("0xb0b");
        assert!(matches!(
            other_terminal.check(package, 4, now),
            Err(AuthorizationError::KeyNotOfSender { .. })
        ));
        let mut tampered = signed;
        tampered.signature[0] ^= 1;
        assert_eq!(
            tampered.check(package, 4, now),
            Err(AuthorizationError::InvalidSignature)
        );
    }

    #[test]
    fn a_single_key_terminal_signs_too() {
        let (key, mut offer, package) = known_answer();
        offer.terminal = Address::new(single_key_authentication_key(
            &key.verifying_key().to_bytes(),
        ));
        let signed = offer.sign(package, &key).unwrap();
        signed.check(package, 4, 2_000_000_000 - 60).unwrap();
    }
}
