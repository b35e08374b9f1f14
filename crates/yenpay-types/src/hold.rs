//! Holds: the signed messages that put a customer's yen into the package's
//! escrow (`yenpay::hold`), to be captured later (a fuel pump, a hotel, a tip).
//!
//! Two messages, each its own Move struct in `yenpay::authorization`, so that
//! neither verifies as the other or as any invoice or transfer message:
//! - [`HoldOffer`], signed by a merchant's terminal for a dynamic code: "hold
//!   up to `amount` (plus up to `tip_limit` for a tip) for `hold_ref`,
//!   capturable strictly before `capture_before`", scannable strictly before
//!   `expires_at`. The customer's wallet takes it with
//!   `hold::authorize_signed_hold`; its transaction is its agreement.
//!   With a `reviewer`, the same offer signs as `authorization::ReviewHoldOffer`
//!   (a payment a compliance review turned into a hold, issue 28), taken with
//!   `hold::authorize_reviewed_hold`; only the reviewer can capture it.
//! - [`HoldAuthorization`], signed by the customer for a customer-presented
//!   code: `amount` plus `tip_limit` for `merchant`, capturable strictly before
//!   `capture_before`, usable within `valid_after..valid_before` with a nonce
//!   shared with the customer's other signed authorizations. The merchant's
//!   terminal submits it with `hold::authorize_with_customer_signature`.
//!
//! The signed bytes are the BCS of `aptos_std::ed25519::SignedMessage<T>`
//! (type info `<package>::authorization::<struct>`, then the fields in the Move
//! struct's order). Known answers: `testdata/known_answers.md`, pinned by the
//! Move test `hold_tests::known_answer_hold_messages_verify` and the tests
//! below.
use crate::address::Address;
use crate::authorization::{
    AuthorizationError, ed25519_authentication_key, signed_message, single_key_authentication_key,
    verify_strict,
};
use crate::limits::{MAX_HOLD_SECS, MAX_TTL_SECS, OrderRef};
use crate::objects::metadata_address as derive_metadata_address;
use ed25519_dalek::{Signer, SigningKey};
use serde::Serialize;

/// The Move struct a terminal's hold code names: `authorization::HoldOffer`.
pub const OFFER_STRUCT_NAME: &str = "HoldOffer";
/// The Move struct a reviewed hold's code names: `authorization::ReviewHoldOffer`.
pub const REVIEW_OFFER_STRUCT_NAME: &str = "ReviewHoldOffer";
/// The Move struct a customer's hold authorization names:
/// `authorization::HoldAuthorization`.
pub const AUTHORIZATION_STRUCT_NAME: &str = "HoldAuthorization";

/// What a terminal signs for a hold's dynamic code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldOffer {
    /// Chain id of the network (domain).
    pub chain_id: u8,
    /// Address of the stablecoin's metadata object (domain: the deployment).
    pub metadata: Address,
    /// The merchant's owner account.
    pub merchant: Address,
    /// The account whose key signs: a terminal of `merchant`, or its owner.
    pub terminal: Address,
    /// The merchant's hold reference; one hold per reference.
    pub hold_ref: OrderRef,
    /// Yen to hold, the most that can be captured (before increases).
    pub amount: u64,
    /// Yen held besides `amount` for a tip added at capture.
    pub tip_limit: u64,
    /// Capturable strictly before this time (Unix seconds); from then on
    /// anyone may return what is held to the customer.
    pub capture_before: u64,
    /// The code can be taken strictly before this time (Unix seconds).
    pub expires_at: u64,
    /// For a hold a compliance review made of a payment: the one account
    /// that may capture it (the operator's gateway). Such an offer signs as
    /// `authorization::ReviewHoldOffer`, so it verifies only as a reviewed
    /// hold and an ordinary one only as ordinary. `None`: an ordinary hold.
    pub reviewer: Option<Address>,
}

/// What a customer signs for a hold taken from its customer-presented code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldAuthorization {
    /// Chain id of the network (domain).
    pub chain_id: u8,
    /// Address of the stablecoin's metadata object (domain: the deployment).
    pub metadata: Address,
    /// The customer, whose yen go into escrow.
    pub from: Address,
    /// The merchant's owner account; only it or its terminals can use it.
    pub merchant: Address,
    /// Yen to hold, the most that can be captured (before increases).
    pub amount: u64,
    /// Yen held besides `amount` for a tip.
    pub tip_limit: u64,
    /// Capturable strictly before this time (Unix seconds).
    pub capture_before: u64,
    /// Usable strictly after this time (Unix seconds).
    pub valid_after: u64,
    /// Usable strictly before this time (Unix seconds).
    pub valid_before: u64,
    /// Spent once, in the customer's nonce bitmap.
    pub nonce: u64,
}

/// A signed message with the signer's Ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed<T> {
    /// The message.
    pub message: T,
    /// The signer's Ed25519 public key (its authentication key must be the
    /// signing account's).
    pub public_key: [u8; 32],
    /// Ed25519 signature over the message's signing bytes.
    pub signature: [u8; 64],
}

/// A terminal's signed hold code.
pub type SignedHoldOffer = Signed<HoldOffer>;
/// A customer's signed hold authorization.
pub type SignedHoldAuthorization = Signed<HoldAuthorization>;

#[derive(Serialize)]
struct MoveHoldOffer<'a> {
    chain_id: u8,
    metadata: Address,
    merchant: Address,
    terminal: Address,
    hold_ref: &'a str,
    amount: u64,
    tip_limit: u64,
    capture_before: u64,
    expires_at: u64,
}

#[derive(Serialize)]
struct MoveReviewHoldOffer<'a> {
    chain_id: u8,
    metadata: Address,
    merchant: Address,
    terminal: Address,
    reviewer: Address,
    hold_ref: &'a str,
    amount: u64,
    tip_limit: u64,
    capture_before: u64,
    expires_at: u64,
}

#[derive(Serialize)]
struct MoveHoldAuthorization {
    chain_id: u8,
    metadata: Address,
    from: Address,
    merchant: Address,
    amount: u64,
    tip_limit: u64,
    capture_before: u64,
    valid_after: u64,
    valid_before: u64,
    nonce: u64,
}

/// A message that signs as `SignedMessage<T>` of `yenpay::authorization`.
pub trait HoldMessage: Clone {
    /// The exact bytes signed for the package at `package`.
    ///
    /// # Errors
    /// [`AuthorizationError::Encoding`] if BCS encoding fails.
    fn signing_message(&self, package: Address) -> Result<Vec<u8>, AuthorizationError>;

    /// The account whose key must sign.
    fn signer(&self) -> Address;

    /// Signs with `key`.
    ///
    /// # Errors
    /// [`AuthorizationError::Encoding`] if BCS encoding fails.
    fn sign(self, package: Address, key: &SigningKey) -> Result<Signed<Self>, AuthorizationError> {
        let bytes = self.signing_message(package)?;
        Ok(Signed {
            signature: key.sign(&bytes).to_bytes(),
            public_key: key.verifying_key().to_bytes(),
            message: self,
        })
    }
}

impl HoldMessage for HoldOffer {
    fn signing_message(&self, package: Address) -> Result<Vec<u8>, AuthorizationError> {
        match self.reviewer {
            None => signed_message(
                package,
                OFFER_STRUCT_NAME,
                MoveHoldOffer {
                    chain_id: self.chain_id,
                    metadata: self.metadata,
                    merchant: self.merchant,
                    terminal: self.terminal,
                    hold_ref: self.hold_ref.as_str(),
                    amount: self.amount,
                    tip_limit: self.tip_limit,
                    capture_before: self.capture_before,
                    expires_at: self.expires_at,
                },
            ),
            Some(reviewer) => signed_message(
                package,
                REVIEW_OFFER_STRUCT_NAME,
                MoveReviewHoldOffer {
                    chain_id: self.chain_id,
                    metadata: self.metadata,
                    merchant: self.merchant,
                    terminal: self.terminal,
                    reviewer,
                    hold_ref: self.hold_ref.as_str(),
                    amount: self.amount,
                    tip_limit: self.tip_limit,
                    capture_before: self.capture_before,
                    expires_at: self.expires_at,
                },
            ),
        }
    }

    fn signer(&self) -> Address {
        self.terminal
    }
}

impl HoldMessage for HoldAuthorization {
    fn signing_message(&self, package: Address) -> Result<Vec<u8>, AuthorizationError> {
        signed_message(
            package,
            AUTHORIZATION_STRUCT_NAME,
            MoveHoldAuthorization {
                chain_id: self.chain_id,
                metadata: self.metadata,
                from: self.from,
                merchant: self.merchant,
                amount: self.amount,
                tip_limit: self.tip_limit,
                capture_before: self.capture_before,
                valid_after: self.valid_after,
                valid_before: self.valid_before,
                nonce: self.nonce,
            },
        )
    }

    fn signer(&self) -> Address {
        self.from
    }
}

impl HoldOffer {
    /// A hold code on chain `chain_id` for the package at `package`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        chain_id: u8,
        package: Address,
        merchant: Address,
        terminal: Address,
        hold_ref: OrderRef,
        amount: u64,
        tip_limit: u64,
        capture_before: u64,
        expires_at: u64,
    ) -> Self {
        Self {
            chain_id,
            metadata: derive_metadata_address(package),
            merchant,
            terminal,
            hold_ref,
            amount,
            tip_limit,
            capture_before,
            expires_at,
            reviewer: None,
        }
    }

    /// The same offer as a reviewed hold that only `reviewer` can capture.
    pub fn reviewed_by(self, reviewer: Address) -> Self {
        Self {
            reviewer: Some(reviewer),
            ..self
        }
    }
}

impl<T: HoldMessage> Signed<T> {
    /// Whether `auth_key` is this public key's, as a legacy Ed25519 or a
    /// SingleKey Ed25519 account.
    pub fn key_matches(&self, auth_key: &[u8]) -> bool {
        auth_key == ed25519_authentication_key(&self.public_key)
            || auth_key == single_key_authentication_key(&self.public_key)
    }

    /// Verifies the signature locally, with Move's strict Ed25519 rule.
    ///
    /// # Errors
    /// [`AuthorizationError::InvalidPublicKey`] or
    /// [`AuthorizationError::InvalidSignature`].
    pub fn verify(&self, package: Address) -> Result<(), AuthorizationError> {
        verify_strict(
            &self.message.signing_message(package)?,
            &self.public_key,
            &self.signature,
        )
    }

    /// The signature and that the key is the signer's own (true for an
    /// account that never rotated its key; the chain checks the current key).
    ///
    /// # Errors
    /// The first check that fails.
    pub fn check_signature(&self, package: Address) -> Result<(), AuthorizationError> {
        let signer = self.message.signer();
        if !self.key_matches(signer.as_ref()) {
            return Err(AuthorizationError::KeyNotOfSender {
                from: signer,
                key_address: Address::new(ed25519_authentication_key(&self.public_key)),
            });
        }
        self.verify(package)
    }
}

impl SignedHoldOffer {
    /// Domain, amount and times at `now` (Unix seconds), as
    /// `hold::authorize_signed_hold` checks them, then the signature.
    ///
    /// # Errors
    /// The first check that fails.
    pub fn check(
        &self,
        package: Address,
        chain_id: u8,
        now: u64,
    ) -> Result<(), AuthorizationError> {
        let offer = &self.message;
        check_domain(package, chain_id, offer.chain_id, offer.metadata)?;
        check_hold_terms(offer.amount, offer.capture_before, now)?;
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
        self.check_signature(package)
    }
}

impl SignedHoldAuthorization {
    /// Domain, amount and times at `now` (Unix seconds), then the signature.
    ///
    /// # Errors
    /// The first check that fails.
    pub fn check(
        &self,
        package: Address,
        chain_id: u8,
        now: u64,
    ) -> Result<(), AuthorizationError> {
        let message = &self.message;
        check_domain(package, chain_id, message.chain_id, message.metadata)?;
        check_hold_terms(message.amount, message.capture_before, now)?;
        if now <= message.valid_after {
            return Err(AuthorizationError::NotYetValid {
                valid_after: message.valid_after,
                now,
            });
        }
        if now >= message.valid_before {
            return Err(AuthorizationError::Expired {
                valid_before: message.valid_before,
                now,
            });
        }
        self.check_signature(package)
    }
}

fn check_domain(
    package: Address,
    chain_id: u8,
    actual_chain: u8,
    metadata: Address,
) -> Result<(), AuthorizationError> {
    if actual_chain != chain_id {
        return Err(AuthorizationError::WrongChain {
            expected: chain_id,
            actual: actual_chain,
        });
    }
    let expected = derive_metadata_address(package);
    if metadata != expected {
        return Err(AuthorizationError::WrongAsset {
            expected,
            actual: metadata,
        });
    }
    Ok(())
}

fn check_hold_terms(amount: u64, capture_before: u64, now: u64) -> Result<(), AuthorizationError> {
    if amount == 0 {
        return Err(AuthorizationError::ZeroAmount);
    }
    if now >= capture_before {
        return Err(AuthorizationError::Expired {
            valid_before: capture_before,
            now,
        });
    }
    if capture_before - now > MAX_HOLD_SECS {
        return Err(AuthorizationError::ExpiryTooFar {
            expires_at: capture_before,
            now,
            max_secs: MAX_HOLD_SECS,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offer::InvoiceOffer;

    fn hex(text: &str) -> Vec<u8> {
        const_hex::decode(text).unwrap()
    }

    fn address(text: &str) -> Address {
        Address::from_hex(text).unwrap()
    }

    const SIGNER: &str = "0xcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad";
    const METADATA: &str = "0x72ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18";

    /// The values of `testdata/known_answers.md` (pinned in Move by
    /// `hold_tests::known_answer_hold_messages_verify`).
    fn known_offer() -> HoldOffer {
        HoldOffer {
            chain_id: 4,
            metadata: address(METADATA),
            merchant: address("0xb0b"),
            terminal: address(SIGNER),
            hold_ref: OrderRef::new("HOLD-0001").unwrap(),
            amount: 10_000,
            tip_limit: 1_500,
            capture_before: 2_000_003_600,
            expires_at: 2_000_000_000,
            reviewer: None,
        }
    }

    fn known_authorization() -> HoldAuthorization {
        HoldAuthorization {
            chain_id: 4,
            metadata: address(METADATA),
            from: address(SIGNER),
            merchant: address("0xb0b"),
            amount: 10_000,
            tip_limit: 1_500,
            capture_before: 2_000_003_600,
            valid_after: 1_700_000_000,
            valid_before: 2_000_000_000,
            nonce: 42,
        }
    }

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[0x07; 32])
    }

    const OFFER_MESSAGE: &str = "000000000000000000000000000000000000000000000000000000000000cafe0d617574686f72697a6174696f6e09486f6c644f666665720472ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a180000000000000000000000000000000000000000000000000000000000000b0bcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad09484f4c442d303030311027000000000000dc0500000000000010a23577000000000094357700000000";
    const OFFER_SIGNATURE: &str = "3ed85955cc426fbcaeac8ffdc9f6260defcba3ee29a47bdfdff0b3dcb199780ad79e57bf1a472025a27e8c3421eff4a14d858b70732d6b30cdea1241b6f41009";
    const AUTHORIZATION_MESSAGE: &str = "000000000000000000000000000000000000000000000000000000000000cafe0d617574686f72697a6174696f6e11486f6c64417574686f72697a6174696f6e0472ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18cc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad0000000000000000000000000000000000000000000000000000000000000b0b1027000000000000dc0500000000000010a235770000000000f153650000000000943577000000002a00000000000000";
    const AUTHORIZATION_SIGNATURE: &str = "614a0cbc643a0515e56c0474e83360c2e0df99fdad96c1fffc8b02c723b182ff00317888bdc352af537ec9455791529cccc58f8bddd4b5fe1443c3137a365906";

    #[test]
    fn known_answers() {
        let package = address("0xcafe");
        let offer = known_offer();
        let signed = offer.clone().sign(package, &key()).unwrap();
        let authorization = known_authorization();
        let signed_auth = authorization.clone().sign(package, &key()).unwrap();
        assert_eq!(offer.signing_message(package).unwrap(), hex(OFFER_MESSAGE));
        assert_eq!(signed.signature.to_vec(), hex(OFFER_SIGNATURE));
        assert_eq!(
            authorization.signing_message(package).unwrap(),
            hex(AUTHORIZATION_MESSAGE)
        );
        assert_eq!(signed_auth.signature.to_vec(), hex(AUTHORIZATION_SIGNATURE));
        signed.check(package, 4, 2_000_000_000 - 300).unwrap();
        signed_auth.check(package, 4, 2_000_000_000 - 300).unwrap();
    }

    const REVIEW_OFFER_MESSAGE: &str = "000000000000000000000000000000000000000000000000000000000000cafe0d617574686f72697a6174696f6e0f526576696577486f6c644f666665720472ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a180000000000000000000000000000000000000000000000000000000000000b0bcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad00000000000000000000000000000000000000000000000000000000004e71e309484f4c442d303030311027000000000000dc0500000000000010a23577000000000094357700000000";
    const REVIEW_OFFER_SIGNATURE: &str = "67f42cd721b2560b85b53eeb86d4249b75347ab238ebcc7ed44c6a17f83253c1be2bcc2b12717d0bbd9f044a2ffaccbe0c1d6925ac62e31f565c1b8db8af8703";

    /// A reviewed hold's code (pinned in Move by
    /// `hold_tests::known_answer_review_hold_offer_verifies`), and that it and
    /// the ordinary code never verify as each other.
    #[test]
    fn a_reviewed_offer_signs_as_its_own_message() {
        let package = address("0xcafe");
        let reviewed = known_offer().reviewed_by(address("0x4e71e3"));
        assert_eq!(
            reviewed.signing_message(package).unwrap(),
            hex(REVIEW_OFFER_MESSAGE)
        );
        let signed = reviewed.clone().sign(package, &key()).unwrap();
        assert_eq!(signed.signature.to_vec(), hex(REVIEW_OFFER_SIGNATURE));
        signed.check(package, 4, 2_000_000_000 - 300).unwrap();
        // The same signature, read as an ordinary code, or naming someone else.
        let mut ordinary = signed.clone();
        ordinary.message.reviewer = None;
        assert_eq!(
            ordinary.verify(package),
            Err(AuthorizationError::InvalidSignature)
        );
        let mut other = signed.clone();
        other.message.reviewer = Some(address("0xbad"));
        assert_eq!(
            other.verify(package),
            Err(AuthorizationError::InvalidSignature)
        );
        // An ordinary code's signature read as a reviewed one.
        let mut promoted = known_offer().sign(package, &key()).unwrap();
        promoted.message.reviewer = Some(address("0x4e71e3"));
        assert_eq!(
            promoted.verify(package),
            Err(AuthorizationError::InvalidSignature)
        );
    }

    #[test]
    fn any_change_breaks_a_hold_offer() {
        let package = address("0xcafe");
        let signed = known_offer().sign(package, &key()).unwrap();
        let changes: [fn(&mut HoldOffer); 9] = [
            |o| o.chain_id += 1,
            |o| o.metadata = address("0xbeef"),
            |o| o.merchant = address("0xbad"),
            |o| o.terminal = address("0xbad"),
            |o| o.hold_ref = OrderRef::new("HOLD-0002").unwrap(),
            |o| o.amount += 1,
            |o| o.tip_limit += 1,
            |o| o.capture_before += 1,
            |o| o.expires_at += 1,
        ];
        for (index, change) in changes.iter().enumerate() {
            let mut changed = signed.clone();
            change(&mut changed.message);
            assert_eq!(
                changed.verify(package),
                Err(AuthorizationError::InvalidSignature),
                "change {index}"
            );
        }
    }

    #[test]
    fn any_change_breaks_a_hold_authorization() {
        let package = address("0xcafe");
        let signed = known_authorization().sign(package, &key()).unwrap();
        let changes: [fn(&mut HoldAuthorization); 10] = [
            |a| a.chain_id += 1,
            |a| a.metadata = address("0xbeef"),
            |a| a.from = address("0xbad"),
            |a| a.merchant = address("0xbad"),
            |a| a.amount += 1,
            |a| a.tip_limit += 1,
            |a| a.capture_before += 1,
            |a| a.valid_after += 1,
            |a| a.valid_before += 1,
            |a| a.nonce += 1,
        ];
        for (index, change) in changes.iter().enumerate() {
            let mut changed = signed.clone();
            change(&mut changed.message);
            assert_eq!(
                changed.verify(package),
                Err(AuthorizationError::InvalidSignature),
                "change {index}"
            );
        }
    }

    #[test]
    fn a_hold_offer_is_no_invoice_offer() {
        // Same terminal, merchant, reference and amount: an invoice offer's
        // signature does not verify as a hold offer, nor the other way round.
        let package = address("0xcafe");
        let hold = known_offer();
        let invoice = InvoiceOffer {
            chain_id: 4,
            metadata: hold.metadata,
            merchant: hold.merchant,
            terminal: hold.terminal,
            order_ref: hold.hold_ref.clone(),
            amount: hold.amount,
            expires_at: hold.expires_at,
        }
        .sign(package, &key())
        .unwrap();
        let mut forged = hold.clone().sign(package, &key()).unwrap();
        forged.signature = invoice.signature;
        assert_eq!(
            forged.verify(package),
            Err(AuthorizationError::InvalidSignature)
        );
        let mut as_invoice = invoice.clone();
        as_invoice.signature = hold.sign(package, &key()).unwrap().signature;
        assert_eq!(
            as_invoice.verify(package),
            Err(AuthorizationError::InvalidSignature)
        );
    }

    #[test]
    fn checks_name_what_is_wrong() {
        let package = address("0xcafe");
        let signed = known_offer().sign(package, &key()).unwrap();
        let now = 2_000_000_000 - 300;
        assert!(matches!(
            signed.check(package, 1, now),
            Err(AuthorizationError::WrongChain { .. })
        ));
        assert!(matches!(
            signed.check(address("0xbeef"), 4, now),
            Err(AuthorizationError::WrongAsset { .. })
        ));
        assert!(matches!(
            signed.check(package, 4, 2_000_000_000),
            Err(AuthorizationError::Expired { .. })
        ));
        assert!(matches!(
            signed.check(package, 4, 2_000_000_000 - MAX_TTL_SECS - 1),
            Err(AuthorizationError::ExpiryTooFar { .. })
        ));
        let mut long = signed.clone();
        long.message.capture_before = now + MAX_HOLD_SECS + 1;
        assert!(matches!(
            long.check(package, 4, now),
            Err(AuthorizationError::ExpiryTooFar { .. })
        ));
        let mut zero = signed.clone();
        zero.message.amount = 0;
        assert_eq!(
            zero.check(package, 4, now),
            Err(AuthorizationError::ZeroAmount)
        );
        let mut other = signed.clone();
        other.message.terminal = address("0xb0b");
        assert!(matches!(
            other.check(package, 4, now),
            Err(AuthorizationError::KeyNotOfSender { .. })
        ));
        let auth = known_authorization().sign(package, &key()).unwrap();
        let mut early = auth.clone();
        early.message.valid_after = now;
        assert!(matches!(
            early.check(package, 4, now),
            Err(AuthorizationError::NotYetValid { .. })
        ));
        assert!(matches!(
            auth.check(package, 4, 2_000_000_000),
            Err(AuthorizationError::Expired { .. })
        ));
    }
}
