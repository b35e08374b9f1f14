//! Terminal-signed collection requests: the merchant's half of a
//! customer-presented payment that takes one transaction.
//!
//! The customer's code is a [`SignedAuthorization`] of kind
//! [`AuthorizationKind::Collection`] (merchant, amount, window, nonce); it
//! names no order, since the wallet shows it before the till says anything.
//! The terminal that scanned it signs a [`CollectionRequest`]: "collect the
//! authorization `nonce` of `from` for my order `order_ref` of `amount`,
//! strictly before `expires_at`", on one chain and deployment. Whoever
//! submits both to `invoice::collect_signed_invoice` (the gateway, with its
//! own account) settles that order and no other: the request names the
//! customer's authorization, the authorization names the merchant and the
//! amount. The terminal sends no transaction and needs no APT.
//!
//! The signed bytes are the BCS of `aptos_std::ed25519::SignedMessage<T>` with
//! `T = <package>::authorization::CollectionRequest`, as for the other
//! messages ([`crate::authorization`], [`crate::offer`]); the struct name in
//! the type info keeps a request from verifying as an `InvoiceOffer` (which
//! anyone may pay) or any other message. The field order is the Move struct's.
//! Known answer: `testdata/known_answers.md`, pinned by the Move test
//! `signed_collection_tests::known_answer_request_verifies` and the tests
//! below.
use crate::address::Address;
use crate::authorization::{
    AuthorizationError, AuthorizationKind, SignedAuthorization, signed_message, verify_strict,
};
use crate::limits::{MAX_TTL_SECS, OrderRef};
use ed25519_dalek::{Signer, SigningKey};
use serde::Serialize;

/// The Move struct the signed message's type info names:
/// `<package>::authorization::CollectionRequest`.
pub const STRUCT_NAME: &str = "CollectionRequest";

/// What a terminal signs to settle its order with a customer's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionRequest {
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
    /// Amount in yen: the customer's authorized amount.
    pub amount: u64,
    /// Valid strictly before this time (Unix seconds).
    pub expires_at: u64,
    /// The customer whose authorization this request takes.
    pub from: Address,
    /// That authorization's nonce.
    pub nonce: u64,
}

/// A request with the terminal's Ed25519 public key and signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCollectionRequest {
    /// The signed request.
    pub request: CollectionRequest,
    /// The terminal's Ed25519 public key.
    pub public_key: [u8; 32],
    /// Ed25519 signature over [`CollectionRequest::signing_message`].
    pub signature: [u8; 64],
}

/// `yenpay::authorization::CollectionRequest` as Move lays it out.
#[derive(Serialize)]
struct MoveCollectionRequest<'a> {
    chain_id: u8,
    metadata: Address,
    merchant: Address,
    terminal: Address,
    order_ref: &'a str,
    amount: u64,
    expires_at: u64,
    from: Address,
    nonce: u64,
}

impl CollectionRequest {
    /// The request for `customer`'s collection authorization, settling
    /// `order_ref` of `terminal`'s merchant (the merchant and amount the
    /// customer signed), valid strictly before `expires_at`.
    ///
    /// # Errors
    /// [`AuthorizationError::WrongKind`] for a transfer authorization.
    pub fn for_code(
        customer: &SignedAuthorization,
        terminal: Address,
        order_ref: OrderRef,
        expires_at: u64,
    ) -> Result<Self, AuthorizationError> {
        customer.require_kind(AuthorizationKind::Collection)?;
        let code = &customer.authorization;
        Ok(Self {
            chain_id: code.chain_id,
            metadata: code.metadata,
            merchant: code.to,
            terminal,
            order_ref,
            amount: code.amount,
            expires_at,
            from: code.from,
            nonce: code.nonce,
        })
    }

    /// The exact bytes the terminal signs: the BCS of the framework's
    /// `SignedMessage<CollectionRequest>`, whose type info names
    /// `<package>::authorization::CollectionRequest`.
    ///
    /// # Errors
    /// [`AuthorizationError::Encoding`] if BCS encoding fails.
    pub fn signing_message(&self, package: Address) -> Result<Vec<u8>, AuthorizationError> {
        signed_message(
            package,
            STRUCT_NAME,
            MoveCollectionRequest {
                chain_id: self.chain_id,
                metadata: self.metadata,
                merchant: self.merchant,
                terminal: self.terminal,
                order_ref: self.order_ref.as_str(),
                amount: self.amount,
                expires_at: self.expires_at,
                from: self.from,
                nonce: self.nonce,
            },
        )
    }

    /// Signs the request with the terminal's Ed25519 key.
    ///
    /// # Errors
    /// [`AuthorizationError::Encoding`] if BCS encoding fails.
    pub fn sign(
        self,
        package: Address,
        key: &SigningKey,
    ) -> Result<SignedCollectionRequest, AuthorizationError> {
        let message = self.signing_message(package)?;
        let signature = key.sign(&message).to_bytes();
        Ok(SignedCollectionRequest {
            request: self,
            public_key: key.verifying_key().to_bytes(),
            signature,
        })
    }
}

impl SignedCollectionRequest {
    /// Verifies the signature locally, with the strict Ed25519 rule of Move's
    /// `ed25519::signature_verify_strict_t`.
    ///
    /// # Errors
    /// [`AuthorizationError::InvalidPublicKey`] or
    /// [`AuthorizationError::InvalidSignature`].
    pub fn verify(&self, package: Address) -> Result<(), AuthorizationError> {
        verify_strict(
            &self.request.signing_message(package)?,
            &self.public_key,
            &self.signature,
        )
    }

    /// Whether this request takes `customer`'s code: the same chain,
    /// deployment, merchant, amount, holder and nonce. The chain checks the
    /// same through the two signatures; this says so before submitting.
    pub fn pairs_with(&self, customer: &SignedAuthorization) -> bool {
        let (request, code) = (&self.request, &customer.authorization);
        customer.authorization.kind == AuthorizationKind::Collection
            && request.chain_id == code.chain_id
            && request.metadata == code.metadata
            && request.merchant == code.to
            && request.amount == code.amount
            && request.from == code.from
            && request.nonce == code.nonce
    }

    /// Whether the expiry is in the future and at most [`MAX_TTL_SECS`] ahead
    /// at `now` (Unix seconds), as the chain requires.
    pub fn expiry_ok(&self, now: u64) -> bool {
        now < self.request.expires_at && self.request.expires_at - now <= MAX_TTL_SECS
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authorization::TransferAuthorization;
    use crate::objects::metadata_address as derive_metadata_address;

    fn address(text: &str) -> Address {
        Address::from_hex(text).unwrap()
    }

    fn customer_code(kind: AuthorizationKind) -> SignedAuthorization {
        let key = SigningKey::from_bytes(&[0x09; 32]);
        let package = address("0xcafe");
        TransferAuthorization {
            kind,
            chain_id: 4,
            metadata: derive_metadata_address(package),
            from: address("0xc1"),
            to: address("0xb0b"),
            amount: 1234,
            valid_after: 0,
            valid_before: 2_000_000_000,
            nonce: 7,
        }
        .sign(package, &key)
        .unwrap()
    }

    #[test]
    fn a_request_names_the_code_it_takes_and_signs_its_own_type() {
        let package = address("0xcafe");
        let code = customer_code(AuthorizationKind::Collection);
        let key = SigningKey::from_bytes(&[0x07; 32]);
        let terminal = address("0xa3");
        let order = OrderRef::new("ORDER-0001").unwrap();
        let request = CollectionRequest::for_code(&code, terminal, order, 1_000).unwrap();
        let message = request.signing_message(package).unwrap();
        // The type info names the struct, so the bytes are not an offer's.
        assert!(
            message
                .windows(STRUCT_NAME.len())
                .any(|w| w == STRUCT_NAME.as_bytes())
        );
        let signed = request.sign(package, &key).unwrap();
        signed.verify(package).unwrap();
        assert!(signed.pairs_with(&code));
        assert!(signed.expiry_ok(999) && !signed.expiry_ok(1_000));
        // Another package's request does not verify here.
        assert!(signed.verify(address("0xbeef")).is_err());
        // Another nonce of the same customer is another code.
        let mut other = code.clone();
        other.authorization.nonce += 1;
        assert!(!signed.pairs_with(&other));
        let mut tampered = signed.clone();
        tampered.request.amount += 1;
        assert!(tampered.verify(package).is_err());
    }

    /// The values of `testdata/known_answers.md`, which the Move test
    /// `signed_collection_tests::known_answer_request_verifies` pins on the
    /// Move side: the key of seed `[7; 32]` is the terminal (its legacy
    /// address), the code is customer `0xc1`'s of nonce 0x2a2a.
    const KNOWN_MESSAGE: &str = "000000000000000000000000000000000000000000000000000000000000cafe0d617574686f72697a6174696f6e11436f6c6c656374696f6e526571756573740472ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a180000000000000000000000000000000000000000000000000000000000000b0bcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad0a4f524445522d30303031d204000000000000009435770000000000000000000000000000000000000000000000000000000000000000000000c12a2a000000000000";
    const KNOWN_SIGNATURE: &str = "c9de6dd9588dd04fde076d89dce00612283eb0d8f1e7dcc4116c13893c1276ad8a7f6fbebb092b65f28cf3ab6209ea4b669313f94cc272d2271671e9611ee101";

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn signing_message_and_signature_are_the_known_answer() {
        let package = address("0xcafe");
        let request = CollectionRequest {
            chain_id: 4,
            metadata: derive_metadata_address(package),
            merchant: address("0xb0b"),
            terminal: address("0xcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad"),
            order_ref: OrderRef::new("ORDER-0001").unwrap(),
            amount: 1234,
            expires_at: 2_000_000_000,
            from: address("0xc1"),
            nonce: 0x2a2a,
        };
        assert_eq!(
            request.signing_message(package).unwrap(),
            hex(KNOWN_MESSAGE)
        );
        let signed = request
            .sign(package, &SigningKey::from_bytes(&[0x07; 32]))
            .unwrap();
        assert_eq!(signed.signature.to_vec(), hex(KNOWN_SIGNATURE));
        signed.verify(package).unwrap();
    }

    #[test]
    fn a_transfer_authorization_is_not_a_customer_code() {
        let code = customer_code(AuthorizationKind::Transfer);
        let order = OrderRef::new("ORDER-0001").unwrap();
        assert!(CollectionRequest::for_code(&code, address("0xa3"), order, 1_000).is_err());
    }
}
