//! `yenpay_client::hold`: holds, authorize now and capture later. Typed calls
//! of every entry and view function of `yenpay::hold`, the hold record, the
//! module's events (all generated from the Move source: [`Calls`],
//! [`Holds`], [`HoldEvent`], [`HoldAbort`]), and helpers that take the signed
//! messages of [`yenpay_types::hold`].
//!
//! A hold is taken by the customer: [`Holds::authorize_offer`] for a code its
//! merchant's terminal signed ([`Holds::offer`] builds it), or by the
//! terminal with the customer's signed authorization
//! ([`Holds::authorize_signed`]). Then [`Holds::capture`] (with a tip and,
//! for the last capture, `release_rest`), [`Holds::increase_authorization`]
//! (the customer), [`Holds::void`], [`Holds::reclaim`] (anyone, after
//! `capture_before`), [`Holds::refund`], and the purge of closed records
//! ([`Holds::purge`]).

mod calls;
pub(crate) mod interface;
use crate::address::{from_sdk, to_sdk};
use crate::client::{Error, Submitted, TxSigner, YenPay};
use crate::json;
use aptos_sdk::transaction::EntryFunction;
use aptos_sdk::types::AccountAddress;
pub use calls::*;
pub use interface::*;
use serde::Deserialize;
use yenpay_types::hold::{HoldOffer, SignedHoldAuthorization, SignedHoldOffer};
use yenpay_types::limits::OrderRef;

impl YenPay {
    /// Calls of `yenpay::hold`.
    pub fn holds(&self) -> Holds<'_> {
        Holds::new(self)
    }
}

/// `hold::HoldState`: whether a hold still holds funds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(tag = "__variant__", deny_unknown_fields)]
pub enum HoldState {
    /// Something is held.
    Open,
    /// Nothing is held any more.
    Closed,
}

/// A hold as the `hold` view returns it (`hold::Hold`, field for field).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hold {
    /// The merchant's owner account.
    pub merchant: AccountAddress,
    /// The merchant's hold reference.
    pub hold_ref: String,
    /// Whose yen are held; the only account a void or reclaim pays.
    pub customer: AccountAddress,
    /// The terminal (or owner) that signed the code or submitted the
    /// customer's authorization.
    pub created_by: AccountAddress,
    /// The only account that captures a hold taken under a compliance review
    /// (`authorize_reviewed_hold`); `0x0` for every other hold.
    pub reviewer: AccountAddress,
    /// When the hold was taken, Unix seconds.
    #[serde(deserialize_with = "json::number")]
    pub created_at: u64,
    /// The signed code's expiry (the record stays at least until then), or
    /// `created_at` for a customer-presented code.
    #[serde(deserialize_with = "json::number")]
    pub expires_at: u64,
    /// Capturable strictly before this time; reclaimable from then on.
    #[serde(deserialize_with = "json::number")]
    pub capture_before: u64,
    /// The operator's refund window when the hold was taken, seconds.
    #[serde(deserialize_with = "json::number")]
    pub refund_window_secs: u64,
    /// Authorized for capture, increases included.
    #[serde(deserialize_with = "json::number")]
    pub authorized: u64,
    /// Held besides for tips.
    #[serde(deserialize_with = "json::number")]
    pub tip_limit: u64,
    /// Captured (tips excluded).
    #[serde(deserialize_with = "json::number")]
    pub captured: u64,
    /// Tips captured.
    #[serde(deserialize_with = "json::number")]
    pub tipped: u64,
    /// Returned to the customer (voids, reclaim, a final capture's rest) or
    /// seized.
    #[serde(deserialize_with = "json::number")]
    pub released: u64,
    /// Fees charged on the captures.
    #[serde(deserialize_with = "json::number")]
    pub fee: u64,
    /// The last capture, Unix seconds (0 before any).
    #[serde(deserialize_with = "json::number")]
    pub captured_at: u64,
    /// Refunded to the customer so far.
    #[serde(deserialize_with = "json::number")]
    pub refunded: u64,
    /// The part of `refunded` that came from the treasury.
    #[serde(deserialize_with = "json::number")]
    pub fee_refunded: u64,
    /// Open or closed.
    pub state: HoldState,
}

impl Hold {
    /// What is still held: `authorized + tip_limit - captured - tipped -
    /// released`.
    pub fn held(&self) -> u64 {
        (self.authorized + self.tip_limit)
            .saturating_sub(self.captured + self.tipped + self.released)
    }

    /// Whether funds are still held.
    pub fn is_open(&self) -> bool {
        self.state == HoldState::Open
    }

    /// The reviewer of a hold taken under a compliance review, if any.
    pub fn reviewed_by(&self) -> Option<AccountAddress> {
        (self.reviewer != AccountAddress::ZERO).then_some(self.reviewer)
    }
}

impl Calls {
    /// `authorize_signed_hold` for a terminal's signed hold code, or
    /// `authorize_reviewed_hold` for one that names a reviewer (a payment a
    /// compliance review turned into a hold).
    pub fn authorize_offer(&self, signed: &SignedHoldOffer) -> Result<EntryFunction, Error> {
        let offer = &signed.message;
        match offer.reviewer {
            None => self.authorize_signed_hold(
                to_sdk(offer.merchant),
                to_sdk(offer.terminal),
                &offer.hold_ref,
                offer.amount,
                offer.tip_limit,
                offer.capture_before,
                offer.expires_at,
                &signed.public_key,
                &signed.signature,
            ),
            Some(reviewer) => self.authorize_reviewed_hold(
                to_sdk(offer.merchant),
                to_sdk(offer.terminal),
                to_sdk(reviewer),
                &offer.hold_ref,
                offer.amount,
                offer.tip_limit,
                offer.capture_before,
                offer.expires_at,
                &signed.public_key,
                &signed.signature,
            ),
        }
    }

    /// `authorize_with_customer_signature` for the customer's signed hold
    /// authorization, under the merchant's `hold_ref`.
    pub fn authorize_signed(
        &self,
        hold_ref: &OrderRef,
        signed: &SignedHoldAuthorization,
    ) -> Result<EntryFunction, Error> {
        let message = &signed.message;
        self.authorize_with_customer_signature(
            to_sdk(message.merchant),
            hold_ref,
            to_sdk(message.from),
            message.amount,
            message.tip_limit,
            message.capture_before,
            message.valid_after,
            message.valid_before,
            message.nonce,
            &signed.public_key,
            &signed.signature,
        )
    }

    /// `purge_holds` for `(merchant, hold reference)` pairs.
    pub fn purge(&self, holds: &[(AccountAddress, OrderRef)]) -> Result<EntryFunction, Error> {
        let (merchants, hold_refs): (Vec<AccountAddress>, Vec<OrderRef>) =
            holds.iter().cloned().unzip();
        self.purge_holds(&merchants, &hold_refs)
    }
}

impl Holds<'_> {
    /// The hold code that `terminal` signs for `merchant` on this client's
    /// chain and package. Sign it with the terminal account's key
    /// ([`yenpay_types::hold::HoldMessage::sign`] with this client's package).
    ///
    /// # Errors
    /// [`Error::Aptos`] when the chain id cannot be read.
    #[allow(clippy::too_many_arguments)]
    pub async fn offer(
        &self,
        merchant: AccountAddress,
        terminal: AccountAddress,
        hold_ref: &OrderRef,
        amount: u64,
        tip_limit: u64,
        capture_before: u64,
        expires_at: u64,
    ) -> Result<HoldOffer, Error> {
        let chain_id = self.client.aptos().ensure_chain_id().await?.id();
        Ok(HoldOffer::new(
            chain_id,
            from_sdk(self.client.package()),
            from_sdk(merchant),
            from_sdk(terminal),
            hold_ref.clone(),
            amount,
            tip_limit,
            capture_before,
            expires_at,
        ))
    }

    /// [`Holds::authorize_signed_hold`] for a terminal's signed code: the
    /// customer's one transaction.
    ///
    /// # Errors
    /// As [`Holds::authorize_signed_hold`].
    pub async fn authorize_offer<S: TxSigner>(
        &self,
        customer: &S,
        signed: &SignedHoldOffer,
    ) -> Result<Submitted, Error> {
        let call = self.calls().authorize_offer(signed)?;
        self.client.submit_entry(customer, call).await
    }

    /// [`Holds::authorize_with_customer_signature`] for the customer's signed
    /// authorization, submitted by the merchant's terminal.
    ///
    /// # Errors
    /// As [`Holds::authorize_with_customer_signature`].
    pub async fn authorize_signed<S: TxSigner>(
        &self,
        terminal: &S,
        hold_ref: &OrderRef,
        signed: &SignedHoldAuthorization,
    ) -> Result<Submitted, Error> {
        let call = self.calls().authorize_signed(hold_ref, signed)?;
        self.client.submit_entry(terminal, call).await
    }

    /// [`Holds::purge_holds`] for `(merchant, hold reference)` pairs.
    ///
    /// # Errors
    /// As [`Holds::purge_holds`].
    pub async fn purge<S: TxSigner>(
        &self,
        keeper: &S,
        holds: &[(AccountAddress, OrderRef)],
    ) -> Result<Submitted, Error> {
        let call = self.calls().purge(holds)?;
        self.client.submit_entry(keeper, call).await
    }
}
