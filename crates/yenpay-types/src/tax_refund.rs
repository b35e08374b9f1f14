//! Consumption-tax refunds at departure (`yenpay::tax_refund`, issue 29).
//!
//! Two signed messages. A merchant's terminal signs a [`TaxFreeOffer`]: the
//! fields of an [`InvoiceOffer`](crate::offer::InvoiceOffer) and the receipt's
//! tax (standard-rate 10% and reduced-rate 8% amounts, in yen) with the
//! eligibility flag, so the payer cannot enlarge the refund; the wallet pays
//! it with `tax_refund::pay_tax_free_invoice`. After customs confirms the
//! export, the refund agent (a role of the package) signs an
//! [`ExportAttestation`] for the purchase (merchant, order reference) and the
//! traveller's wallet; anyone submits it to `tax_refund::claim_tax_refund` (or
//! the batch `claim_tax_refunds`), and the tax goes back to the wallet that
//! paid, once, within [`CLAIM_WINDOW_SECS`] of the purchase, reduced by
//! [`refund_for`] if the merchant refunded part of it.
//!
//! The refund may be paid in USDC instead (`tax_refund::claim_tax_refund_in_usdc`):
//! the FX desk's quote signer signs a [`TaxRefundQuote`] for the purchase, the
//! traveller, the refund in yen and in USDC (rounded down, [`usdc_for_refund`]),
//! the rate and an expiry at most 60 s ahead.
//!
//! The signed bytes are the BCS of `aptos_std::ed25519::SignedMessage<T>`
//! with `T = <package>::authorization::TaxFreeOffer`, `ExportAttestation` or `TaxRefundQuote`,
//! fields in the Move structs' order. Known answers:
//! `testdata/known_answers.md`, pinned by the Move test
//! `tax_refund_tests::the_signed_bytes_match_the_known_answers` and the tests
//! below.
use crate::address::Address;
use crate::authorization::{
    AuthorizationError, ed25519_authentication_key, signed_message, single_key_authentication_key,
    verify_strict,
};
use crate::fx::{FxQuoteError, MAX_QUOTE_TTL_SECS, usdc_for_refund};
use crate::limits::{MAX_TTL_SECS, OrderRef};
use crate::objects::metadata_address as derive_metadata_address;
use ed25519_dalek::{Signer, SigningKey};
use serde::Serialize;

/// The Move struct a terminal's tax-free code names.
pub const OFFER_STRUCT_NAME: &str = "TaxFreeOffer";
/// The Move struct the refund agent's attestation names.
pub const ATTESTATION_STRUCT_NAME: &str = "ExportAttestation";
/// The Move struct the FX desk's quote of a refund in USDC names.
pub const REFUND_QUOTE_STRUCT_NAME: &str = "TaxRefundQuote";
/// How long after a purchase its tax may be refunded
/// (`tax_refund::CLAIM_WINDOW_SECS`): 90 days.
pub const CLAIM_WINDOW_SECS: u64 = 7_776_000;

/// Why a tax-free code is refused before it reaches the chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxFreeError {
    /// The signature, the key, the domain or the terms (the same errors as
    /// the other signed messages).
    #[error(transparent)]
    Authorization(#[from] AuthorizationError),
    /// The breakdown is more than the amount can carry at 10% and 8%.
    #[error(
        "tax of {standard_tax} (10%) and {reduced_tax} (8%) is more than {amount} yen can include"
    )]
    TaxExceedsRates {
        /// The code's amount.
        amount: u64,
        /// Standard-rate tax.
        standard_tax: u64,
        /// Reduced-rate tax.
        reduced_tax: u64,
    },
}

/// Whether the breakdown fits the amount at the rates, as Move checks it: a
/// price including 10% tax is at least 11 times the tax, one including 8% at
/// least 13.5 times (22 × standard + 27 × reduced ≤ 2 × amount).
pub fn within_rates(amount: u64, standard_tax: u64, reduced_tax: u64) -> bool {
    22 * u128::from(standard_tax) + 27 * u128::from(reduced_tax) <= 2 * u128::from(amount)
}

/// The tax refund of a purchase of `amount` carrying `tax`, of which the
/// merchant refunded `merchant_refunded`: floor(tax × (amount −
/// merchant_refunded) / amount), as `invoice::record_proportional_refund`
/// computes it for a claim (`merchant_refunded` is the invoice's `refunded`).
pub fn refund_for(tax: u64, amount: u64, merchant_refunded: u64) -> u64 {
    if merchant_refunded >= amount {
        return 0;
    }
    let refund = u128::from(tax) * u128::from(amount - merchant_refunded) / u128::from(amount);
    // refund <= tax because (amount - merchant_refunded) <= amount.
    u64::try_from(refund).unwrap_or(u64::MAX)
}

/// What a terminal signs for a tax-free purchase: the code and the tax it
/// includes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxFreeOffer {
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
    /// Amount in yen, tax included.
    pub amount: u64,
    /// Payable strictly before this time (Unix seconds).
    pub expires_at: u64,
    /// Consumption tax at the standard rate (10%), yen.
    pub standard_tax: u64,
    /// Consumption tax at the reduced rate (8%), yen.
    pub reduced_tax: u64,
    /// Whether the purchase is eligible for the refund at departure.
    pub tax_free: bool,
}

/// A tax-free code with the terminal's public key and signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTaxFreeOffer {
    /// The signed code.
    pub offer: TaxFreeOffer,
    /// The terminal's Ed25519 public key.
    pub public_key: [u8; 32],
    /// Ed25519 signature over [`TaxFreeOffer::signing_message`].
    pub signature: [u8; 64],
}

/// What the refund agent signs once customs has confirmed the export:
/// "refund the purchase (`merchant`, `order_ref`) to `traveller`".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportAttestation {
    /// Chain id of the network (domain).
    pub chain_id: u8,
    /// Address of the stablecoin's metadata object (domain: the deployment).
    pub metadata: Address,
    /// The purchase's merchant.
    pub merchant: Address,
    /// The purchase's order reference.
    pub order_ref: OrderRef,
    /// The wallet that paid, and gets the tax back.
    pub traveller: Address,
}

/// An attestation with the agent's public key and signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedExportAttestation {
    /// The signed attestation.
    pub attestation: ExportAttestation,
    /// The refund agent's Ed25519 public key.
    pub public_key: [u8; 32],
    /// Ed25519 signature over [`ExportAttestation::signing_message`].
    pub signature: [u8; 64],
}

/// What the FX desk's quote signer signs to pay a purchase's tax refund in
/// USDC: the refund of (`merchant`, `order_ref`) owed to `traveller`,
/// `yen_amount` yen, paid as `usdc_amount` of the asset `usdc` at `rate`,
/// strictly before `expires_at`, on one chain and deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxRefundQuote {
    /// Chain id of the network (domain).
    pub chain_id: u8,
    /// Address of the stablecoin's metadata object (domain: the deployment).
    pub metadata: Address,
    /// The USDC asset's metadata object.
    pub usdc: Address,
    /// The purchase's merchant.
    pub merchant: Address,
    /// The purchase's order reference.
    pub order_ref: OrderRef,
    /// The wallet that paid, and gets the refund.
    pub traveller: Address,
    /// The refund owed, in yen (`tax_refund::refundable_tax`).
    pub yen_amount: u64,
    /// What the traveller gets, in USDC units: floor(yen × 10^12 / rate).
    pub usdc_amount: u64,
    /// Yen per USDC times 10^6.
    pub rate: u64,
    /// Usable strictly before this time (Unix seconds).
    pub expires_at: u64,
}

/// A refund quote with the quote signer's public key and signature: what
/// `tax_refund::claim_tax_refund_in_usdc` takes besides the attestation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTaxRefundQuote {
    /// The signed quote.
    pub quote: TaxRefundQuote,
    /// The quote signer's Ed25519 public key.
    pub public_key: [u8; 32],
    /// Ed25519 signature over [`TaxRefundQuote::signing_message`].
    pub signature: [u8; 64],
}

/// `yenpay::authorization::TaxRefundQuote` as Move lays it out.
#[derive(Serialize)]
struct MoveTaxRefundQuote<'a> {
    chain_id: u8,
    metadata: Address,
    usdc: Address,
    merchant: Address,
    order_ref: &'a str,
    traveller: Address,
    yen_amount: u64,
    usdc_amount: u64,
    rate: u64,
    expires_at: u64,
}

/// `yenpay::authorization::TaxFreeOffer` as Move lays it out.
#[derive(Serialize)]
struct MoveTaxFreeOffer<'a> {
    chain_id: u8,
    metadata: Address,
    merchant: Address,
    terminal: Address,
    order_ref: &'a str,
    amount: u64,
    expires_at: u64,
    standard_tax: u64,
    reduced_tax: u64,
    tax_free: bool,
}

/// `yenpay::authorization::ExportAttestation` as Move lays it out.
#[derive(Serialize)]
struct MoveExportAttestation<'a> {
    chain_id: u8,
    metadata: Address,
    merchant: Address,
    order_ref: &'a str,
    traveller: Address,
}

fn check_domain(
    chain_id: u8,
    metadata: Address,
    package: Address,
    expected_chain: u8,
) -> Result<(), AuthorizationError> {
    if chain_id != expected_chain {
        return Err(AuthorizationError::WrongChain {
            expected: expected_chain,
            actual: chain_id,
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

impl TaxFreeOffer {
    /// A tax-free code on chain `chain_id` for the package at `package`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        chain_id: u8,
        package: Address,
        merchant: Address,
        terminal: Address,
        order_ref: OrderRef,
        amount: u64,
        expires_at: u64,
        standard_tax: u64,
        reduced_tax: u64,
        tax_free: bool,
    ) -> Self {
        Self {
            chain_id,
            metadata: derive_metadata_address(package),
            merchant,
            terminal,
            order_ref,
            amount,
            expires_at,
            standard_tax,
            reduced_tax,
            tax_free,
        }
    }

    /// The tax the purchase includes (both rates), yen.
    pub fn tax(&self) -> u64 {
        self.standard_tax.saturating_add(self.reduced_tax)
    }

    /// The exact bytes the terminal signs.
    ///
    /// # Errors
    /// [`AuthorizationError::Encoding`] if BCS encoding fails.
    pub fn signing_message(&self, package: Address) -> Result<Vec<u8>, AuthorizationError> {
        signed_message(
            package,
            OFFER_STRUCT_NAME,
            MoveTaxFreeOffer {
                chain_id: self.chain_id,
                metadata: self.metadata,
                merchant: self.merchant,
                terminal: self.terminal,
                order_ref: self.order_ref.as_str(),
                amount: self.amount,
                expires_at: self.expires_at,
                standard_tax: self.standard_tax,
                reduced_tax: self.reduced_tax,
                tax_free: self.tax_free,
            },
        )
    }

    /// Signs the code with the terminal's Ed25519 key.
    ///
    /// # Errors
    /// [`AuthorizationError::Encoding`] if BCS encoding fails.
    pub fn sign(
        self,
        package: Address,
        key: &SigningKey,
    ) -> Result<SignedTaxFreeOffer, AuthorizationError> {
        let message = self.signing_message(package)?;
        Ok(SignedTaxFreeOffer {
            public_key: key.verifying_key().to_bytes(),
            signature: key.sign(&message).to_bytes(),
            offer: self,
        })
    }
}

impl SignedTaxFreeOffer {
    /// Verifies the signature locally, with Move's strict Ed25519 rule.
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

    /// What a wallet checks before paying, without a node: domain, amount,
    /// expiry and its bound, the breakdown against the rates, that the key is
    /// the terminal's own, and the signature. The chain also checks the
    /// terminal's membership, its current key and that the order is unpaid.
    ///
    /// # Errors
    /// The first check that fails.
    pub fn check(&self, package: Address, chain_id: u8, now: u64) -> Result<(), TaxFreeError> {
        let offer = &self.offer;
        check_domain(offer.chain_id, offer.metadata, package, chain_id)?;
        if offer.amount == 0 {
            return Err(AuthorizationError::ZeroAmount.into());
        }
        if now >= offer.expires_at {
            return Err(AuthorizationError::Expired {
                valid_before: offer.expires_at,
                now,
            }
            .into());
        }
        if offer.expires_at - now > MAX_TTL_SECS {
            return Err(AuthorizationError::ExpiryTooFar {
                expires_at: offer.expires_at,
                now,
                max_secs: MAX_TTL_SECS,
            }
            .into());
        }
        if !within_rates(offer.amount, offer.standard_tax, offer.reduced_tax) {
            return Err(TaxFreeError::TaxExceedsRates {
                amount: offer.amount,
                standard_tax: offer.standard_tax,
                reduced_tax: offer.reduced_tax,
            });
        }
        let terminal = offer.terminal.as_ref();
        if terminal != ed25519_authentication_key(&self.public_key)
            && terminal != single_key_authentication_key(&self.public_key)
        {
            return Err(AuthorizationError::KeyNotOfSender {
                from: offer.terminal,
                key_address: Address::new(ed25519_authentication_key(&self.public_key)),
            }
            .into());
        }
        Ok(self.verify(package)?)
    }
}

impl ExportAttestation {
    /// An attestation on chain `chain_id` for the package at `package`.
    pub fn new(
        chain_id: u8,
        package: Address,
        merchant: Address,
        order_ref: OrderRef,
        traveller: Address,
    ) -> Self {
        Self {
            chain_id,
            metadata: derive_metadata_address(package),
            merchant,
            order_ref,
            traveller,
        }
    }

    /// The exact bytes the refund agent signs.
    ///
    /// # Errors
    /// [`AuthorizationError::Encoding`] if BCS encoding fails.
    pub fn signing_message(&self, package: Address) -> Result<Vec<u8>, AuthorizationError> {
        signed_message(
            package,
            ATTESTATION_STRUCT_NAME,
            MoveExportAttestation {
                chain_id: self.chain_id,
                metadata: self.metadata,
                merchant: self.merchant,
                order_ref: self.order_ref.as_str(),
                traveller: self.traveller,
            },
        )
    }

    /// Signs the attestation with the refund agent's Ed25519 key.
    ///
    /// # Errors
    /// [`AuthorizationError::Encoding`] if BCS encoding fails.
    pub fn sign(
        self,
        package: Address,
        key: &SigningKey,
    ) -> Result<SignedExportAttestation, AuthorizationError> {
        let message = self.signing_message(package)?;
        Ok(SignedExportAttestation {
            public_key: key.verifying_key().to_bytes(),
            signature: key.sign(&message).to_bytes(),
            attestation: self,
        })
    }
}

impl SignedExportAttestation {
    /// Verifies the signature locally, with Move's strict Ed25519 rule.
    ///
    /// # Errors
    /// [`AuthorizationError::InvalidPublicKey`] or
    /// [`AuthorizationError::InvalidSignature`].
    pub fn verify(&self, package: Address) -> Result<(), AuthorizationError> {
        verify_strict(
            &self.attestation.signing_message(package)?,
            &self.public_key,
            &self.signature,
        )
    }

    /// Domain and signature; the chain also checks that the key is the
    /// refund agent's current one and the purchase.
    ///
    /// # Errors
    /// The first check that fails.
    pub fn check(&self, package: Address, chain_id: u8) -> Result<(), AuthorizationError> {
        let attestation = &self.attestation;
        check_domain(
            attestation.chain_id,
            attestation.metadata,
            package,
            chain_id,
        )?;
        self.verify(package)
    }
}

impl TaxRefundQuote {
    /// A quote of the refund `yen_amount` of (`merchant`, `order_ref`) to
    /// `traveller` at `rate`, on chain `chain_id` for the package at
    /// `package`: the USDC amount is the one the rate gives, rounded down.
    ///
    /// # Errors
    /// [`FxQuoteError::ZeroRate`] (a zero rate, or an amount beyond `u64`).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        chain_id: u8,
        package: Address,
        usdc: Address,
        merchant: Address,
        order_ref: OrderRef,
        traveller: Address,
        yen_amount: u64,
        rate: u64,
        expires_at: u64,
    ) -> Result<Self, FxQuoteError> {
        let usdc_amount = usdc_for_refund(yen_amount, rate).ok_or(FxQuoteError::ZeroRate)?;
        Ok(Self {
            chain_id,
            metadata: derive_metadata_address(package),
            usdc,
            merchant,
            order_ref,
            traveller,
            yen_amount,
            usdc_amount,
            rate,
            expires_at,
        })
    }

    /// The exact bytes the quote signer signs.
    ///
    /// # Errors
    /// [`AuthorizationError::Encoding`] if BCS encoding fails.
    pub fn signing_message(&self, package: Address) -> Result<Vec<u8>, AuthorizationError> {
        signed_message(
            package,
            REFUND_QUOTE_STRUCT_NAME,
            MoveTaxRefundQuote {
                chain_id: self.chain_id,
                metadata: self.metadata,
                usdc: self.usdc,
                merchant: self.merchant,
                order_ref: self.order_ref.as_str(),
                traveller: self.traveller,
                yen_amount: self.yen_amount,
                usdc_amount: self.usdc_amount,
                rate: self.rate,
                expires_at: self.expires_at,
            },
        )
    }

    /// Signs the quote with the quote signer's Ed25519 key.
    ///
    /// # Errors
    /// [`AuthorizationError::Encoding`] if BCS encoding fails.
    pub fn sign(
        self,
        package: Address,
        key: &SigningKey,
    ) -> Result<SignedTaxRefundQuote, AuthorizationError> {
        let message = self.signing_message(package)?;
        Ok(SignedTaxRefundQuote {
            public_key: key.verifying_key().to_bytes(),
            signature: key.sign(&message).to_bytes(),
            quote: self,
        })
    }
}

impl SignedTaxRefundQuote {
    /// Verifies the signature locally, with Move's strict Ed25519 rule.
    ///
    /// # Errors
    /// [`AuthorizationError::InvalidPublicKey`] or
    /// [`AuthorizationError::InvalidSignature`].
    pub fn verify(&self, package: Address) -> Result<(), AuthorizationError> {
        verify_strict(
            &self.quote.signing_message(package)?,
            &self.public_key,
            &self.signature,
        )
    }

    /// What a wallet checks without a node: domain, expiry and its bound,
    /// the amounts against the rate, and the signature. The chain also
    /// checks the purchase, the key, the reference band and the limits.
    ///
    /// # Errors
    /// The first check that fails.
    pub fn check(&self, package: Address, chain_id: u8, now: u64) -> Result<(), FxQuoteError> {
        let quote = &self.quote;
        check_domain(quote.chain_id, quote.metadata, package, chain_id)?;
        if now >= quote.expires_at {
            return Err(AuthorizationError::Expired {
                valid_before: quote.expires_at,
                now,
            }
            .into());
        }
        if quote.expires_at - now > MAX_QUOTE_TTL_SECS {
            return Err(FxQuoteError::TtlTooLong {
                expires_at: quote.expires_at,
                now,
            });
        }
        let expected =
            usdc_for_refund(quote.yen_amount, quote.rate).ok_or(FxQuoteError::ZeroRate)?;
        if expected == 0 || quote.usdc_amount != expected {
            return Err(FxQuoteError::RateMismatch {
                yen_amount: quote.yen_amount,
                usdc_amount: quote.usdc_amount,
                rate: quote.rate,
                expected,
            });
        }
        Ok(self.verify(package)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &str) -> Address {
        Address::from_hex(text).unwrap()
    }

    const METADATA: &str = "0x72ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18";
    const OFFER_MESSAGE: &str = "000000000000000000000000000000000000000000000000000000000000cafe0d617574686f72697a6174696f6e0c546178467265654f666665720472ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a180000000000000000000000000000000000000000000000000000000000000b0b00000000000000000000000000000000000000000000000000000000000007e40a4f524445522d30303031f82a0000000000000094357700000000e803000000000000000000000000000001";
    const OFFER_SIGNATURE: &str = "d503f698d0bbc98b8810d2e919b79d2149342e0c750192f7dfdf63b063db6c67de5931092a491432c26d89b0858b869e5d52e59f0bdfdaf09db46eeae255d502";
    const ATTESTATION_MESSAGE: &str = "000000000000000000000000000000000000000000000000000000000000cafe0d617574686f72697a6174696f6e114578706f72744174746573746174696f6e0472ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a180000000000000000000000000000000000000000000000000000000000000b0b0a4f524445522d303030310000000000000000000000000000000000000000000000000000000000000070";
    const ATTESTATION_SIGNATURE: &str = "c47601ee5aa41766af2779c1cf2ce48f3768cf0e746338f64fd299c557214080c647efa36adaa823b71907b2eaceb796f2db51bae41279fe5c8ee0f720218e00";

    /// The values of `testdata/known_answers.md`.
    fn known_offer() -> (SigningKey, TaxFreeOffer, Address) {
        let offer = TaxFreeOffer {
            chain_id: 4,
            metadata: address(METADATA),
            merchant: address("0xb0b"),
            terminal: address("0x7e4"),
            order_ref: OrderRef::new("ORDER-0001").unwrap(),
            amount: 11_000,
            expires_at: 2_000_000_000,
            standard_tax: 1_000,
            reduced_tax: 0,
            tax_free: true,
        };
        (
            SigningKey::from_bytes(&[0x07; 32]),
            offer,
            address("0xcafe"),
        )
    }

    fn known_attestation() -> ExportAttestation {
        ExportAttestation {
            chain_id: 4,
            metadata: address(METADATA),
            merchant: address("0xb0b"),
            order_ref: OrderRef::new("ORDER-0001").unwrap(),
            traveller: address("0x70"),
        }
    }

    #[test]
    fn the_offer_s_bytes_and_signature_are_the_known_answer() {
        let (key, offer, package) = known_offer();
        assert_eq!(
            const_hex::encode(offer.signing_message(package).unwrap()),
            OFFER_MESSAGE
        );
        let signed = offer.sign(package, &key).unwrap();
        assert_eq!(const_hex::encode(signed.signature), OFFER_SIGNATURE);
        signed.verify(package).unwrap();
        assert_eq!(
            TaxFreeOffer::new(
                4,
                package,
                address("0xb0b"),
                address("0x7e4"),
                OrderRef::new("ORDER-0001").unwrap(),
                11_000,
                2_000_000_000,
                1_000,
                0,
                true
            ),
            signed.offer
        );
    }

    const REFUND_QUOTE_MESSAGE: &str = "000000000000000000000000000000000000000000000000000000000000cafe0d617574686f72697a6174696f6e0e546178526566756e6451756f74650472ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18bae207659db88bea0cbead6da0ed00aac12edcdda169e591cd41c94180b46f3b0000000000000000000000000000000000000000000000000000000000000b0b0a4f524445522d303030310000000000000000000000000000000000000000000000000000000000000070e803000000000000d4b7640000000000e0b40709000000000094357700000000";
    const REFUND_QUOTE_SIGNATURE: &str = "be3bb0df6161c0393e0a0f0cea1c3f3d97378fb5d1e85784945a9a99286935360732bb50b1f2746e1c8313eaa4e2d7e3d78517e5156c75b34abd3b55ebd94b0e";

    fn known_refund_quote() -> TaxRefundQuote {
        TaxRefundQuote {
            chain_id: 4,
            metadata: address(METADATA),
            usdc: address(crate::fx::MAINNET_USDC),
            merchant: address("0xb0b"),
            order_ref: OrderRef::new("ORDER-0001").unwrap(),
            traveller: address("0x70"),
            yen_amount: 1_000,
            usdc_amount: 6_600_660,
            rate: 151_500_000,
            expires_at: 2_000_000_000,
        }
    }

    #[test]
    fn the_refund_quote_s_bytes_and_signature_are_the_known_answer() {
        let (key, _, package) = known_offer();
        let quote = known_refund_quote();
        let message = const_hex::encode(quote.signing_message(package).unwrap());
        let signed = quote.clone().sign(package, &key).unwrap();
        assert_eq!(message, REFUND_QUOTE_MESSAGE);
        assert_eq!(const_hex::encode(signed.signature), REFUND_QUOTE_SIGNATURE);
        assert_eq!(
            TaxRefundQuote::new(
                4,
                package,
                address(crate::fx::MAINNET_USDC),
                address("0xb0b"),
                OrderRef::new("ORDER-0001").unwrap(),
                address("0x70"),
                1_000,
                151_500_000,
                2_000_000_000
            )
            .unwrap(),
            quote
        );
        assert!(matches!(
            signed.check(package, 1, 1_999_999_990),
            Err(FxQuoteError::Authorization(
                AuthorizationError::WrongChain { .. }
            ))
        ));
        assert!(matches!(
            signed.check(package, 4, 1_999_999_900),
            Err(FxQuoteError::TtlTooLong { .. })
        ));
        assert!(matches!(
            signed.check(package, 4, 2_000_000_000),
            Err(FxQuoteError::Authorization(
                AuthorizationError::Expired { .. }
            ))
        ));
        signed.check(package, 4, 1_999_999_990).unwrap();
        let mut more = signed.clone();
        more.quote.usdc_amount += 1;
        assert!(matches!(
            more.check(package, 4, 1_999_999_990),
            Err(FxQuoteError::RateMismatch {
                expected: 6_600_660,
                ..
            })
        ));
        let mut other = signed;
        other.quote.traveller = address("0x71");
        assert!(matches!(
            other.check(package, 4, 1_999_999_990),
            Err(FxQuoteError::Authorization(
                AuthorizationError::InvalidSignature
            ))
        ));
    }

    #[test]
    fn the_attestation_s_bytes_and_signature_are_the_known_answer() {
        let (key, _, package) = known_offer();
        let attestation = known_attestation();
        assert_eq!(
            const_hex::encode(attestation.signing_message(package).unwrap()),
            ATTESTATION_MESSAGE
        );
        let signed = attestation.sign(package, &key).unwrap();
        assert_eq!(const_hex::encode(signed.signature), ATTESTATION_SIGNATURE);
        signed.check(package, 4).unwrap();
        assert!(matches!(
            signed.check(package, 1),
            Err(AuthorizationError::WrongChain { .. })
        ));
        assert!(matches!(
            signed.check(address("0xbeef"), 4),
            Err(AuthorizationError::WrongAsset { .. })
        ));
    }

    #[test]
    fn any_change_to_the_offer_breaks_its_signature() {
        let (key, offer, package) = known_offer();
        let signed = offer.sign(package, &key).unwrap();
        let changes: [fn(&mut TaxFreeOffer); 10] = [
            |o| o.chain_id += 1,
            |o| o.metadata = Address::from_hex("0xbeef").unwrap(),
            |o| o.merchant = Address::from_hex("0xbad").unwrap(),
            |o| o.terminal = Address::from_hex("0xbad").unwrap(),
            |o| o.order_ref = OrderRef::new("ORDER-0002").unwrap(),
            |o| o.amount += 1,
            |o| o.expires_at += 1,
            |o| o.standard_tax += 1,
            |o| o.reduced_tax += 1,
            |o| o.tax_free = false,
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
    }

    #[test]
    fn any_change_to_the_attestation_breaks_its_signature() {
        let (key, _, package) = known_offer();
        let signed = known_attestation().sign(package, &key).unwrap();
        let changes: [fn(&mut ExportAttestation); 5] = [
            |a| a.chain_id += 1,
            |a| a.metadata = Address::from_hex("0xbeef").unwrap(),
            |a| a.merchant = Address::from_hex("0xbad").unwrap(),
            |a| a.order_ref = OrderRef::new("ORDER-0002").unwrap(),
            |a| a.traveller = Address::from_hex("0x71").unwrap(),
        ];
        for (index, change) in changes.iter().enumerate() {
            let mut changed = signed.clone();
            change(&mut changed.attestation);
            assert_eq!(
                changed.verify(package),
                Err(AuthorizationError::InvalidSignature),
                "change {index}"
            );
        }
    }

    #[test]
    fn a_wallet_s_check_names_what_is_wrong() {
        let (key, offer, package) = known_offer();
        let terminal = Address::new(ed25519_authentication_key(&key.verifying_key().to_bytes()));
        let now = 2_000_000_000 - 60;
        let good = TaxFreeOffer {
            terminal,
            ..offer.clone()
        }
        .sign(package, &key)
        .unwrap();
        good.check(package, 4, now).unwrap();
        assert!(matches!(
            good.check(package, 1, now),
            Err(TaxFreeError::Authorization(
                AuthorizationError::WrongChain { .. }
            ))
        ));
        assert!(matches!(
            good.check(package, 4, 2_000_000_000),
            Err(TaxFreeError::Authorization(
                AuthorizationError::Expired { .. }
            ))
        ));
        let greedy = TaxFreeOffer {
            terminal,
            standard_tax: 1_001,
            ..offer.clone()
        }
        .sign(package, &key)
        .unwrap();
        assert!(matches!(
            greedy.check(package, 4, now),
            Err(TaxFreeError::TaxExceedsRates { .. })
        ));
        // The known answer's terminal (0x7e4) is not the key's account.
        let foreign = offer.sign(package, &key).unwrap();
        assert!(matches!(
            foreign.check(package, 4, now),
            Err(TaxFreeError::Authorization(
                AuthorizationError::KeyNotOfSender { .. }
            ))
        ));
    }

    #[test]
    fn the_rates_bound_matches_move_at_the_limits() {
        assert!(within_rates(11_000, 1_000, 0));
        assert!(!within_rates(11_000, 1_001, 0));
        assert!(within_rates(10_800, 0, 800));
        assert!(!within_rates(10_800, 0, 801));
        assert!(within_rates(16_400, 1_000, 400));
        assert!(!within_rates(u64::MAX, u64::MAX, 0));
        assert!(within_rates(u64::MAX, u64::MAX / 11, 0));
    }

    #[test]
    fn the_proportional_refund_floors_as_move_does() {
        let max = u64::MAX;
        assert_eq!(refund_for(1_000, 11_000, 0), 1_000);
        assert_eq!(refund_for(1_000, 11_000, 5_500), 500);
        assert_eq!(refund_for(1_000, 11_000, 1), 999);
        assert_eq!(refund_for(1_000, 11_000, 10_989), 1);
        assert_eq!(refund_for(1_000, 11_000, 10_990), 0);
        assert_eq!(refund_for(1_000, 11_000, 11_000), 0);
        assert_eq!(refund_for(1_000, 11_000, 12_000), 0);
        assert_eq!(refund_for(max, max, 0), max);
        assert_eq!(refund_for(max, max, 1), max - 1);
        assert_eq!(refund_for(max / 11, max, max / 2), max / 22);
    }
}
