//! `yenpay_client::fx`: the operator's FX desk, where a tourist pays a yen
//! code in USDC at the desk's signed quote and the merchant is settled in yen
//! from the desk's inventory. Typed calls of every entry and view function of
//! `yenpay::fx`, its events and aborts (generated from the Move source:
//! [`Calls`], [`FxDesk`], [`FxEvent`], [`FxAbort`]), and helpers over the
//! quote of [`yenpay_types::fx`].
//!
//! The desk's quote service builds a quote with [`FxDesk::quote`] (this
//! client's chain and package, the USDC the desk is configured with) and
//! signs it with the quote signer's key; the tourist's wallet pays with
//! [`FxDesk::pay_in_usdc`] (or [`Calls::pay_in_usdc`] for a sponsored
//! transaction).

mod calls;
pub(crate) mod interface;
use crate::address::{from_sdk, to_sdk};
use crate::client::{Error, Submitted, TxSigner, YenPay, bcs_arg};
use crate::json::Number;
use aptos_sdk::transaction::EntryFunction;
use aptos_sdk::types::{AccountAddress, Identifier, MoveModuleId, StructTag, TypeTag};
pub use calls::*;
pub use interface::*;
use yenpay_types::fx::{FxQuote, FxQuoteError, SignedFxQuote};
use yenpay_types::limits::{OrderRef, require_amount};
use yenpay_types::offer::SignedInvoiceOffer;

impl YenPay {
    /// Calls of `yenpay::fx`.
    pub fn fx(&self) -> FxDesk<'_> {
        FxDesk::new(self)
    }
}

/// The FX desk's address for the package at `package`, computed locally (the
/// `desk_address` view gives the same on chain).
pub fn derive_desk_address(package: AccountAddress) -> AccountAddress {
    to_sdk(yenpay_types::objects::fx_desk_address(from_sdk(package)))
}

impl Calls {
    /// `pay_signed_invoice_in_usdc` for a terminal's signed code and the
    /// desk's signed quote for it.
    pub fn pay_in_usdc(
        &self,
        code: &SignedInvoiceOffer,
        quote: &SignedFxQuote,
    ) -> Result<EntryFunction, Error> {
        let offer = &code.offer;
        self.pay_signed_invoice_in_usdc(
            to_sdk(offer.merchant),
            to_sdk(offer.terminal),
            &offer.order_ref,
            offer.amount,
            offer.expires_at,
            &code.public_key,
            &code.signature,
            quote.quote.usdc_amount,
            quote.quote.rate,
            quote.quote.expires_at,
            &quote.public_key,
            &quote.signature,
        )
    }
}

/// A plain wallet transfer of `amount` units of the fungible asset `asset`
/// (such as the desk's USDC) to `to`, through
/// `0x1::primary_fungible_store::transfer<0x1::fungible_asset::Metadata>`.
///
/// # Errors
/// [`Error::Validation`] for a zero amount.
pub fn transfer_asset(
    asset: AccountAddress,
    to: AccountAddress,
    amount: u64,
) -> Result<EntryFunction, Error> {
    require_amount("amount", amount)?;
    Ok(EntryFunction::new(
        MoveModuleId::new(
            AccountAddress::ONE,
            Identifier::new("primary_fungible_store")?,
        ),
        "transfer",
        vec![metadata_type()?],
        vec![
            bcs_arg("asset", &asset)?,
            bcs_arg("to", &to)?,
            bcs_arg("amount", &amount)?,
        ],
    ))
}

/// `0x1::fungible_asset::Metadata`, the type argument of the framework's
/// fungible-store functions.
fn metadata_type() -> Result<TypeTag, Error> {
    Ok(TypeTag::struct_tag(StructTag::new(
        AccountAddress::ONE,
        Identifier::new("fungible_asset")?,
        Identifier::new("Metadata")?,
        Vec::new(),
    )))
}

/// Why [`FxDesk::quote`] could not build a quote.
#[derive(Debug, thiserror::Error)]
pub enum QuoteBuildError {
    /// The chain could not be read.
    #[error(transparent)]
    Chain(#[from] Error),
    /// The desk has no USDC configured.
    #[error("the FX desk has no USDC asset configured")]
    NoUsdc,
    /// The rate gives no USDC amount.
    #[error(transparent)]
    Quote(#[from] FxQuoteError),
}

impl FxDesk<'_> {
    /// The quote for the code (`merchant`, `order_ref`, `yen_amount`) at
    /// `rate`, usable until `expires_at`, on this client's chain and package
    /// with the desk's configured USDC. Sign it with the quote signer's key
    /// ([`FxQuote::sign`] with this client's package).
    ///
    /// # Errors
    /// [`QuoteBuildError`].
    pub async fn quote(
        &self,
        merchant: AccountAddress,
        order_ref: &OrderRef,
        yen_amount: u64,
        rate: u64,
        expires_at: u64,
    ) -> Result<FxQuote, QuoteBuildError> {
        let chain_id = self
            .client
            .aptos()
            .ensure_chain_id()
            .await
            .map_err(Error::from)?
            .id();
        let usdc = self.usdc().await?.ok_or(QuoteBuildError::NoUsdc)?;
        Ok(FxQuote::new(
            chain_id,
            from_sdk(self.client.package()),
            from_sdk(usdc),
            from_sdk(merchant),
            order_ref.clone(),
            yen_amount,
            rate,
            expires_at,
        )?)
    }

    /// `owner`'s balance of the fungible asset `asset` (such as the desk's
    /// USDC) in its primary store, through
    /// `0x1::primary_fungible_store::balance`.
    ///
    /// # Errors
    /// [`Error::Aptos`] when the node refuses the view, [`Error::Response`]
    /// when its answer does not decode.
    pub async fn asset_balance(
        &self,
        owner: AccountAddress,
        asset: AccountAddress,
    ) -> Result<u64, Error> {
        let function = "0x1::primary_fungible_store::balance";
        let values = self
            .client
            .aptos()
            .fullnode()
            .view_bcs_args(
                function,
                vec![metadata_type()?],
                vec![bcs_arg("owner", &owner)?, bcs_arg("asset", &asset)?],
            )
            .await?
            .into_inner();
        let (Number(balance),): (Number<u64>,) =
            serde_json::from_value(serde_json::Value::Array(values)).map_err(|error| {
                Error::Response {
                    context: format!("view {function}"),
                    detail: error.to_string(),
                }
            })?;
        Ok(balance)
    }

    /// [`FxDesk::pay_signed_invoice_in_usdc`] for a signed code and its
    /// signed quote: the tourist's one transaction.
    ///
    /// # Errors
    /// As [`FxDesk::pay_signed_invoice_in_usdc`].
    pub async fn pay_in_usdc<S: TxSigner>(
        &self,
        payer: &S,
        code: &SignedInvoiceOffer,
        quote: &SignedFxQuote,
    ) -> Result<Submitted, Error> {
        let call = self.calls().pay_in_usdc(code, quote)?;
        self.client.submit_entry(payer, call).await
    }
}
