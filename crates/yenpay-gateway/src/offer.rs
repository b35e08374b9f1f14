//! The gateway's dynamic codes are invoices its merchants' terminals sign
//! off chain (`authorization::InvoiceOffer`, [`yenpay_types::offer`]): no
//! transaction until the customer's `invoice::pay_signed_invoice`. One
//! function signs them, for the code the API hands out and for the check
//! sponsoring makes: Ed25519 signatures are deterministic, so the code of a
//! payment row is exactly what [`sign`] returns for it.
//!
//! A hold's code (issue 27) is the same idea: the terminal signs a
//! `authorization::HoldOffer` ([`sign_hold`]) and the customer's
//! `hold::authorize_signed_hold` takes it; [`of_hold`] gives it back for a
//! hold's row.
use crate::config::Config;
use crate::crypto::Keyring;
use crate::store::holds::Hold;
use crate::store::merchants::{Merchant, TerminalKeyError};
use crate::store::payments::Payment;
use yenpay_client::address::from_sdk;
use yenpay_types::Address;
use yenpay_types::authorization::AuthorizationError;
use yenpay_types::hold::{HoldMessage, HoldOffer, SignedHoldOffer};
use yenpay_types::limits::OrderRef;
use yenpay_types::offer::{InvoiceOffer, SignedInvoiceOffer};

/// Why a code could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The terminal key did not open.
    #[error(transparent)]
    Key(#[from] TerminalKeyError),
    /// The message could not be encoded.
    #[error(transparent)]
    Message(#[from] AuthorizationError),
    /// A stored address or reference is not one.
    #[error("stored {0} is not valid")]
    Stored(&'static str),
}

/// `merchant`'s terminal signs the invoice of `order_ref`: `amount` yen,
/// payable strictly before `expires_at`, on this gateway's chain and
/// deployment.
///
/// # Errors
/// [`SignError`].
pub fn sign(
    config: &Config,
    kek: &Keyring,
    merchant: &Merchant,
    order_ref: OrderRef,
    amount: u64,
    expires_at: u64,
) -> Result<SignedInvoiceOffer, SignError> {
    let owner = merchant
        .owner()
        .map_err(|_| SignError::Stored("merchant address"))?;
    let key = merchant.terminal_signing_key(kek)?;
    let package = from_sdk(config.package);
    let terminal = yenpay_qr::mpm::legacy_address(&key.verifying_key().to_bytes());
    Ok(InvoiceOffer::new(
        config.chain_id,
        package,
        from_sdk(owner),
        terminal,
        order_ref,
        amount,
        expires_at,
    )
    .sign(package, &key)?)
}

/// The code the gateway issued for `payment` of `merchant`.
///
/// # Errors
/// [`SignError`].
pub fn of_payment(
    config: &Config,
    kek: &Keyring,
    merchant: &Merchant,
    payment: &Payment,
) -> Result<SignedInvoiceOffer, SignError> {
    let order = OrderRef::new(&payment.merchant_payment_id)
        .map_err(|_| SignError::Stored("order reference"))?;
    sign(
        config,
        kek,
        merchant,
        order,
        u64::try_from(payment.amount).map_err(|_| SignError::Stored("amount"))?,
        u64::try_from(payment.expires_at).map_err(|_| SignError::Stored("expiry"))?,
    )
}

/// What a hold code says besides its merchant: the reference, what it
/// holds, and until when.
#[derive(Debug, Clone)]
pub struct HoldTerms {
    /// The hold reference.
    pub hold_ref: OrderRef,
    /// Yen to hold.
    pub amount: u64,
    /// Yen held besides for a tip.
    pub tip_limit: u64,
    /// Capturable strictly before, Unix seconds.
    pub capture_before: u64,
    /// The code can be taken strictly before, Unix seconds.
    pub expires_at: u64,
    /// A compliance review's hold: the one account that can capture it
    /// (signed as `authorization::ReviewHoldOffer`).
    pub reviewer: Option<Address>,
}

/// `merchant`'s terminal signs the hold code of `terms` on this gateway's
/// chain and deployment.
///
/// # Errors
/// [`SignError`].
pub fn sign_hold(
    config: &Config,
    kek: &Keyring,
    merchant: &Merchant,
    terms: HoldTerms,
) -> Result<SignedHoldOffer, SignError> {
    let owner = merchant
        .owner()
        .map_err(|_| SignError::Stored("merchant address"))?;
    let key = merchant.terminal_signing_key(kek)?;
    let package = from_sdk(config.package);
    let terminal = yenpay_qr::mpm::legacy_address(&key.verifying_key().to_bytes());
    let mut offer = HoldOffer::new(
        config.chain_id,
        package,
        from_sdk(owner),
        terminal,
        terms.hold_ref,
        terms.amount,
        terms.tip_limit,
        terms.capture_before,
        terms.expires_at,
    );
    offer.reviewer = terms.reviewer;
    Ok(offer.sign(package, &key)?)
}

/// The hold code the gateway issued for `hold` of `merchant`, naming
/// `reviewer` when a compliance review stands for it.
///
/// # Errors
/// [`SignError`].
pub fn of_hold(
    config: &Config,
    kek: &Keyring,
    merchant: &Merchant,
    hold: &Hold,
    reviewer: Option<Address>,
) -> Result<SignedHoldOffer, SignError> {
    let number = |value: i64, what| u64::try_from(value).map_err(|_| SignError::Stored(what));
    sign_hold(
        config,
        kek,
        merchant,
        HoldTerms {
            hold_ref: OrderRef::new(&hold.merchant_payment_id)
                .map_err(|_| SignError::Stored("hold reference"))?,
            amount: number(hold.amount, "amount")?,
            tip_limit: number(hold.tip_limit, "tip limit")?,
            capture_before: number(hold.capture_before, "capture_before")?,
            expires_at: number(hold.expires_at, "expiry")?,
            reviewer,
        },
    )
}
