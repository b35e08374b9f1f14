//! The FX desk's quote: a tourist pays a yen code in USDC at a rate the
//! operator's desk signed (`yenpay::fx`, issue 29).
//!
//! The desk signs an [`FxQuote`] for one code (merchant and order
//! reference), its yen amount, the USDC amount, the rate and an expiry at
//! most [`MAX_QUOTE_TTL_SECS`] ahead, on one chain and deployment, with the
//! key of the account holding the quote-signer role. The tourist's wallet
//! submits it with the terminal-signed code to
//! `fx::pay_signed_invoice_in_usdc`: both amounts are signed, so the tourist
//! pays exactly what the quote shows. The code's invoice record makes the
//! code, and so its quote, paid once.
//!
//! A rate is yen per whole USDC times 10^[`RATE_DECIMALS`] (¥148.50 is
//! `148_500_000`); the USDC amount is in USDC's units (6 decimals) and must be
//! [`usdc_for_yen`]: ceil(yen × 10^12 / rate), as Move computes it.
//!
//! The signed bytes are the BCS of `aptos_std::ed25519::SignedMessage<T>`
//! with `T = <package>::authorization::FxQuote`, fields in the Move struct's
//! order. Known answer: `testdata/known_answers.md`, pinned by the Move test
//! `fx_tests::the_quote_s_signed_bytes_match_the_known_answer` and the tests
//! below.
use crate::address::Address;
use crate::authorization::{AuthorizationError, signed_message, verify_strict};
use crate::limits::OrderRef;
use crate::objects::metadata_address as derive_metadata_address;
use ed25519_dalek::{Signer, SigningKey};
use serde::Serialize;

/// The Move struct the signed message's type info names:
/// `<package>::authorization::FxQuote`.
pub const STRUCT_NAME: &str = "FxQuote";
/// Decimals of a rate (`fx::RATE_DECIMALS`).
pub const RATE_DECIMALS: u8 = 6;
/// Decimals of USDC, and of the local test asset (`fx::USDC_DECIMALS`).
pub const USDC_DECIMALS: u8 = 6;
/// Longest a quote may live (`fx::MAX_QUOTE_TTL_SECS`).
pub const MAX_QUOTE_TTL_SECS: u64 = 60;
/// Native USDC's metadata object on Aptos mainnet.
pub const MAINNET_USDC: &str = "0xbae207659db88bea0cbead6da0ed00aac12edcdda169e591cd41c94180b46f3b";
/// Native USDC's metadata object on Aptos testnet.
pub const TESTNET_USDC: &str = "0x69091fbab5f7d635ee7ac5098cf0c1efbe31d68fec0f2cd565e8d168daf52832";

/// 10^(USDC decimals + rate decimals).
const SCALE: u128 = 1_000_000_000_000;

/// Why a quote is refused before it reaches the chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FxQuoteError {
    /// The signature, the key or the domain (the same errors as the other
    /// signed messages).
    #[error(transparent)]
    Authorization(#[from] AuthorizationError),
    /// A zero rate.
    #[error("the rate must be greater than zero")]
    ZeroRate,
    /// The USDC amount is not what the rate gives for the yen amount.
    #[error(
        "{usdc_amount} USDC units do not match {yen_amount} yen at rate {rate} (expected {expected})"
    )]
    RateMismatch {
        /// The quote's yen amount.
        yen_amount: u64,
        /// The quote's USDC amount.
        usdc_amount: u64,
        /// The quote's rate.
        rate: u64,
        /// ceil(yen × 10^12 / rate).
        expected: u64,
    },
    /// The expiry is more than [`MAX_QUOTE_TTL_SECS`] ahead.
    #[error("the quote expires at {expires_at}, more than {MAX_QUOTE_TTL_SECS} s after {now}")]
    TtlTooLong {
        /// The quote's expiry.
        expires_at: u64,
        /// The time checked against.
        now: u64,
    },
}

/// The USDC units a quote of `yen_amount` at `rate` carries:
/// ceil(yen_amount × 10^12 / rate), as `fx::usdc_for_yen` computes it. None
/// for a zero rate or a result beyond `u64`.
pub fn usdc_for_yen(yen_amount: u64, rate: u64) -> Option<u64> {
    if rate == 0 {
        return None;
    }
    let scaled = u128::from(yen_amount) * SCALE;
    u64::try_from(scaled.div_ceil(u128::from(rate))).ok()
}

/// The USDC units a tax refund of `yen_amount` at `rate` pays:
/// floor(yen_amount × 10^12 / rate), as `fx::usdc_for_refund` computes it
/// (the desk sells USDC there, so it rounds down). None for a zero rate or a
/// result beyond `u64`.
pub fn usdc_for_refund(yen_amount: u64, rate: u64) -> Option<u64> {
    if rate == 0 {
        return None;
    }
    u64::try_from(u128::from(yen_amount) * SCALE / u128::from(rate)).ok()
}

/// What the desk signs: the code (`merchant`, `order_ref`) of `yen_amount`
/// paid with `usdc_amount` of the asset `usdc` at `rate`, strictly before
/// `expires_at`, on one chain and deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FxQuote {
    /// Chain id of the network (domain).
    pub chain_id: u8,
    /// Address of the yen stablecoin's metadata object (domain: the
    /// deployment).
    pub metadata: Address,
    /// The USDC asset's metadata object.
    pub usdc: Address,
    /// The code's merchant.
    pub merchant: Address,
    /// The code's order reference.
    pub order_ref: OrderRef,
    /// The code's amount in yen.
    pub yen_amount: u64,
    /// What the tourist pays, in USDC units.
    pub usdc_amount: u64,
    /// Yen per USDC times 10^[`RATE_DECIMALS`].
    pub rate: u64,
    /// Usable strictly before this time (Unix seconds).
    pub expires_at: u64,
}

/// A quote with the quote signer's public key and signature: what
/// `fx::pay_signed_invoice_in_usdc` takes besides the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedFxQuote {
    /// The signed quote.
    pub quote: FxQuote,
    /// The quote signer's Ed25519 public key.
    pub public_key: [u8; 32],
    /// Ed25519 signature over [`FxQuote::signing_message`].
    pub signature: [u8; 64],
}

/// `yenpay::authorization::FxQuote` as Move lays it out.
#[derive(Serialize)]
struct MoveFxQuote<'a> {
    chain_id: u8,
    metadata: Address,
    usdc: Address,
    merchant: Address,
    order_ref: &'a str,
    yen_amount: u64,
    usdc_amount: u64,
    rate: u64,
    expires_at: u64,
}

impl FxQuote {
    /// A quote for the code (`merchant`, `order_ref`, `yen_amount`) at
    /// `rate`, on chain `chain_id` for the package at `package`: the USDC
    /// amount is the one the rate gives.
    ///
    /// # Errors
    /// [`FxQuoteError::ZeroRate`], or [`FxQuoteError::RateMismatch`] if the
    /// amount overflows.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        chain_id: u8,
        package: Address,
        usdc: Address,
        merchant: Address,
        order_ref: OrderRef,
        yen_amount: u64,
        rate: u64,
        expires_at: u64,
    ) -> Result<Self, FxQuoteError> {
        if rate == 0 {
            return Err(FxQuoteError::ZeroRate);
        }
        let usdc_amount = usdc_for_yen(yen_amount, rate).ok_or(FxQuoteError::RateMismatch {
            yen_amount,
            usdc_amount: 0,
            rate,
            expected: 0,
        })?;
        Ok(Self {
            chain_id,
            metadata: derive_metadata_address(package),
            usdc,
            merchant,
            order_ref,
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
            STRUCT_NAME,
            MoveFxQuote {
                chain_id: self.chain_id,
                metadata: self.metadata,
                usdc: self.usdc,
                merchant: self.merchant,
                order_ref: self.order_ref.as_str(),
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
    ) -> Result<SignedFxQuote, AuthorizationError> {
        let message = self.signing_message(package)?;
        let signature = key.sign(&message).to_bytes();
        Ok(SignedFxQuote {
            quote: self,
            public_key: key.verifying_key().to_bytes(),
            signature,
        })
    }
}

impl SignedFxQuote {
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

    /// What a wallet checks before paying, without a node: domain, expiry
    /// and its bound, the amounts against the rate, and the signature. The
    /// chain also checks the signer's role and key, the reference band and
    /// the desk's limits.
    ///
    /// # Errors
    /// The first check that fails.
    pub fn check(&self, package: Address, chain_id: u8, now: u64) -> Result<(), FxQuoteError> {
        let quote = &self.quote;
        if quote.chain_id != chain_id {
            return Err(AuthorizationError::WrongChain {
                expected: chain_id,
                actual: quote.chain_id,
            }
            .into());
        }
        let metadata = derive_metadata_address(package);
        if quote.metadata != metadata {
            return Err(AuthorizationError::WrongAsset {
                expected: metadata,
                actual: quote.metadata,
            }
            .into());
        }
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
        let expected = usdc_for_yen(quote.yen_amount, quote.rate).ok_or(FxQuoteError::ZeroRate)?;
        if quote.usdc_amount != expected {
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

    /// The values of `testdata/known_answers.md`, which the Move test
    /// `fx_tests::the_quote_s_signed_bytes_match_the_known_answer` pins.
    fn known_answer() -> (SigningKey, FxQuote, Address) {
        let key = SigningKey::from_bytes(&[0x07; 32]);
        let quote = FxQuote {
            chain_id: 4,
            metadata: address("0x72ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18"),
            usdc: address(MAINNET_USDC),
            merchant: address("0xb0b"),
            order_ref: OrderRef::new("ORDER-0001").unwrap(),
            yen_amount: 1_980,
            usdc_amount: 13_333_334,
            rate: 148_500_000,
            expires_at: 2_000_000_000,
        };
        (key, quote, address("0xcafe"))
    }

    const KNOWN_MESSAGE: &str = "000000000000000000000000000000000000000000000000000000000000cafe0d617574686f72697a6174696f6e07467851756f74650472ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18bae207659db88bea0cbead6da0ed00aac12edcdda169e591cd41c94180b46f3b0000000000000000000000000000000000000000000000000000000000000b0b0a4f524445522d30303031bc070000000000005673cb000000000020eed908000000000094357700000000";
    const KNOWN_SIGNATURE: &str = "b21b92071ee324d91ff4e907511ab344900fcfedb9634914d1a9bbf5fa7ced353484209447e725ea69e70cf29bf7987c676ce475d93857c45e913031771d4607";

    #[test]
    fn signing_message_and_signature_are_the_known_answer() {
        let (key, quote, package) = known_answer();
        let message = const_hex::encode(quote.signing_message(package).unwrap());
        let signed = quote.sign(package, &key).unwrap();
        let signature = const_hex::encode(signed.signature);
        assert_eq!(
            (message.as_str(), signature.as_str()),
            (KNOWN_MESSAGE, KNOWN_SIGNATURE)
        );
        signed.check(package, 4, 2_000_000_000 - 30).unwrap();
    }

    #[test]
    fn new_quotes_carry_the_amount_the_rate_gives() {
        let (_, known, package) = known_answer();
        let quote = FxQuote::new(
            4,
            package,
            known.usdc,
            known.merchant,
            known.order_ref.clone(),
            known.yen_amount,
            known.rate,
            known.expires_at,
        )
        .unwrap();
        assert_eq!(quote, known);
        assert_eq!(usdc_for_yen(1_980, 150_000_000), Some(13_200_000));
        assert_eq!(usdc_for_yen(1, 3_000_000), Some(333_334));
        assert_eq!(usdc_for_yen(1, 0), None);
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let (key, quote, package) = known_answer();
        let signed = quote.sign(package, &key).unwrap();
        let changes: [fn(&mut FxQuote); 9] = [
            |q| q.chain_id += 1,
            |q| q.metadata = Address::from_hex("0xbeef").unwrap(),
            |q| q.usdc = Address::from_hex(TESTNET_USDC).unwrap(),
            |q| q.merchant = Address::from_hex("0xbad").unwrap(),
            |q| q.order_ref = OrderRef::new("ORDER-0002").unwrap(),
            |q| q.yen_amount += 1,
            |q| q.usdc_amount -= 1,
            |q| q.rate += 1,
            |q| q.expires_at += 1,
        ];
        for (index, change) in changes.iter().enumerate() {
            let mut changed = signed.clone();
            change(&mut changed.quote);
            assert_eq!(
                changed.verify(package),
                Err(AuthorizationError::InvalidSignature),
                "change {index}"
            );
        }
        assert_eq!(
            signed.verify(address("0xbeef")),
            Err(AuthorizationError::InvalidSignature)
        );
    }

    #[test]
    fn checks_name_what_is_wrong() {
        let (key, quote, package) = known_answer();
        let now = 2_000_000_000 - 30;
        let signed = quote.clone().sign(package, &key).unwrap();
        assert!(matches!(
            signed.check(package, 1, now),
            Err(FxQuoteError::Authorization(
                AuthorizationError::WrongChain { .. }
            ))
        ));
        assert!(matches!(
            signed.check(address("0xbeef"), 4, now),
            Err(FxQuoteError::Authorization(
                AuthorizationError::WrongAsset { .. }
            ))
        ));
        assert!(matches!(
            signed.check(package, 4, 2_000_000_000),
            Err(FxQuoteError::Authorization(
                AuthorizationError::Expired { .. }
            ))
        ));
        assert_eq!(
            signed.check(package, 4, 2_000_000_000 - 61),
            Err(FxQuoteError::TtlTooLong {
                expires_at: 2_000_000_000,
                now: 2_000_000_000 - 61
            })
        );
        let mismatched = FxQuote {
            usdc_amount: 13_333_333,
            ..quote
        }
        .sign(package, &key)
        .unwrap();
        assert_eq!(
            mismatched.check(package, 4, now),
            Err(FxQuoteError::RateMismatch {
                yen_amount: 1_980,
                usdc_amount: 13_333_333,
                rate: 148_500_000,
                expected: 13_333_334
            })
        );
    }
}
