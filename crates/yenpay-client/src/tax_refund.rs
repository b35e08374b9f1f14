//! `yenpay_client::tax_refund`: consumption-tax refunds at departure. Typed
//! calls of every entry and view function of `yenpay::tax_refund`, its events
//! and aborts (generated from the Move source: [`Calls`], [`TaxRefunds`],
//! [`TaxRefundEvent`], [`TaxRefundAbort`]), the purchase record and its
//! refund status, and helpers over the signed messages of
//! [`yenpay_types::tax_refund`].
//!
//! A terminal signs a [`TaxFreeOffer`] (the code and its tax breakdown); the
//! tourist's wallet pays it with [`TaxRefunds::pay_offer`]. After customs
//! confirms the export, the refund agent signs an [`ExportAttestation`] for
//! the purchase and the wallet that paid; anyone submits it
//! ([`TaxRefunds::claim`], or [`Calls::claims`] for a batch), and the tax
//! comes back from the agent's float.

mod generated;
use crate::address::{from_sdk, to_sdk};
use crate::client::{Error, Submitted, TxSigner, YenPay};
use crate::events::json;
use aptos_sdk::transaction::EntryFunction;
use aptos_sdk::types::AccountAddress;
pub use generated::*;
use serde::Deserialize;
use yenpay_types::limits::{OrderRef, Problem, ValidationError};
use yenpay_types::tax_refund::{
    ExportAttestation, SignedExportAttestation, SignedTaxFreeOffer, TaxFreeOffer,
};

impl YenPay {
    /// Calls of `yenpay::tax_refund`.
    pub fn tax_refunds(&self) -> TaxRefunds<'_> {
        TaxRefunds::new(self)
    }
}

/// The refund float's address for the package at `package`, computed locally
/// (the `float_address` view gives the same on chain).
pub fn derive_float_address(package: AccountAddress) -> AccountAddress {
    to_sdk(yenpay_types::objects::tax_refund_float_address(from_sdk(
        package,
    )))
}

/// A tax-free purchase as the `purchase` view returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Purchase {
    /// The merchant's owner account.
    pub merchant: AccountAddress,
    /// The merchant's order reference.
    pub order_ref: String,
    /// The wallet that paid, and the only one the tax goes back to.
    pub payer: AccountAddress,
    /// When, Unix seconds.
    #[serde(deserialize_with = "json::number")]
    pub paid_at: u64,
    /// Yen paid, tax included.
    #[serde(deserialize_with = "json::number")]
    pub amount: u64,
    /// Tax at the standard rate (10%), yen.
    #[serde(deserialize_with = "json::number")]
    pub standard_tax: u64,
    /// Tax at the reduced rate (8%), yen.
    #[serde(deserialize_with = "json::number")]
    pub reduced_tax: u64,
    /// Whether the purchase is eligible for the refund.
    pub tax_free: bool,
    /// Yen refunded; zero until refunded.
    #[serde(deserialize_with = "json::number")]
    pub tax_refunded: u64,
    /// When it was refunded; zero until then.
    #[serde(deserialize_with = "json::number")]
    pub refunded_at: u64,
}

impl Purchase {
    /// The tax the purchase includes, both rates.
    pub fn tax(&self) -> u64 {
        self.standard_tax.saturating_add(self.reduced_tax)
    }

    /// The first second its tax can no longer be claimed.
    pub fn claim_deadline(&self) -> u64 {
        self.paid_at
            .saturating_add(yenpay_types::tax_refund::CLAIM_WINDOW_SECS)
    }
}

/// Where a purchase's tax refund stands (`tax_refund::RefundStatus`, as the
/// `refund_status` view returns it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(tag = "__variant__", deny_unknown_fields)]
pub enum RefundStatus {
    /// The code said the purchase is not eligible.
    NotEligible,
    /// A claim now would pay `amount`, strictly before `claim_before`.
    Claimable {
        /// Yen a claim pays now.
        #[serde(deserialize_with = "json::number")]
        amount: u64,
        /// The claim window's end (exclusive), Unix seconds.
        #[serde(deserialize_with = "json::number")]
        claim_before: u64,
    },
    /// Refunded.
    Refunded {
        /// Yen refunded.
        #[serde(deserialize_with = "json::number")]
        amount: u64,
        /// When, Unix seconds.
        #[serde(deserialize_with = "json::number")]
        refunded_at: u64,
    },
    /// The merchant refunded it all (or so much that the refund rounds to
    /// zero).
    RefundedByMerchant,
    /// The claim window passed without a claim.
    Expired,
}

impl Calls {
    /// `pay_tax_free_invoice` for a terminal's signed tax-free code.
    pub fn pay_offer(&self, signed: &SignedTaxFreeOffer) -> Result<EntryFunction, Error> {
        let offer = &signed.offer;
        self.pay_tax_free_invoice(
            to_sdk(offer.merchant),
            to_sdk(offer.terminal),
            &offer.order_ref,
            offer.amount,
            offer.expires_at,
            offer.standard_tax,
            offer.reduced_tax,
            offer.tax_free,
            &signed.public_key,
            &signed.signature,
        )
    }

    /// `claim_tax_refund` for the refund agent's signed attestation.
    pub fn claim(&self, signed: &SignedExportAttestation) -> Result<EntryFunction, Error> {
        let attestation = &signed.attestation;
        self.claim_tax_refund(
            to_sdk(attestation.merchant),
            &attestation.order_ref,
            to_sdk(attestation.traveller),
            &signed.public_key,
            &signed.signature,
        )
    }

    /// `claim_tax_refunds` for attestations signed with one key (the agent's
    /// current key, taken from the first): the batch the agent's job submits.
    /// An attestation signed with another key fails the whole batch on chain
    /// (`EINVALID_SIGNATURE`).
    ///
    /// # Errors
    /// [`Error::Validation`] for an empty batch.
    pub fn claims(&self, signed: &[SignedExportAttestation]) -> Result<EntryFunction, Error> {
        let Some(first) = signed.first() else {
            return Err(ValidationError {
                field: "signatures",
                problem: Problem::Zero,
            }
            .into());
        };
        let merchants: Vec<AccountAddress> = signed
            .iter()
            .map(|s| to_sdk(s.attestation.merchant))
            .collect();
        let order_refs: Vec<OrderRef> = signed
            .iter()
            .map(|s| s.attestation.order_ref.clone())
            .collect();
        let travellers: Vec<AccountAddress> = signed
            .iter()
            .map(|s| to_sdk(s.attestation.traveller))
            .collect();
        let signatures: Vec<[u8; 64]> = signed.iter().map(|s| s.signature).collect();
        self.claim_tax_refunds(
            &merchants,
            &order_refs,
            &travellers,
            &first.public_key,
            &signatures,
        )
    }
}

impl TaxRefunds<'_> {
    async fn chain_id(&self) -> Result<u8, Error> {
        Ok(self
            .client
            .aptos()
            .ensure_chain_id()
            .await
            .map_err(Error::from)?
            .id())
    }

    /// A tax-free code on this client's chain and package; sign it with the
    /// terminal's key ([`TaxFreeOffer::sign`] with this client's package).
    ///
    /// # Errors
    /// [`Error`] when the chain id cannot be read.
    #[allow(clippy::too_many_arguments)]
    pub async fn offer(
        &self,
        merchant: AccountAddress,
        terminal: AccountAddress,
        order_ref: &OrderRef,
        amount: u64,
        expires_at: u64,
        standard_tax: u64,
        reduced_tax: u64,
        tax_free: bool,
    ) -> Result<TaxFreeOffer, Error> {
        Ok(TaxFreeOffer::new(
            self.chain_id().await?,
            from_sdk(self.client.package()),
            from_sdk(merchant),
            from_sdk(terminal),
            order_ref.clone(),
            amount,
            expires_at,
            standard_tax,
            reduced_tax,
            tax_free,
        ))
    }

    /// The attestation of `traveller`'s export of the purchase (`merchant`,
    /// `order_ref`) on this client's chain and package; the refund agent signs
    /// it ([`ExportAttestation::sign`]).
    ///
    /// # Errors
    /// [`Error`] when the chain id cannot be read.
    pub async fn attestation(
        &self,
        merchant: AccountAddress,
        order_ref: &OrderRef,
        traveller: AccountAddress,
    ) -> Result<ExportAttestation, Error> {
        Ok(ExportAttestation::new(
            self.chain_id().await?,
            from_sdk(self.client.package()),
            from_sdk(merchant),
            order_ref.clone(),
            from_sdk(traveller),
        ))
    }

    /// [`TaxRefunds::pay_tax_free_invoice`] for a signed code.
    ///
    /// # Errors
    /// As [`TaxRefunds::pay_tax_free_invoice`].
    pub async fn pay_offer<S: TxSigner>(
        &self,
        payer: &S,
        code: &SignedTaxFreeOffer,
    ) -> Result<Submitted, Error> {
        let call = self.calls().pay_offer(code)?;
        self.client.submit_entry(payer, call).await
    }

    /// [`TaxRefunds::claim_tax_refund`] for a signed attestation, submitted
    /// by `submitter` (the traveller, or the agent's job).
    ///
    /// # Errors
    /// As [`TaxRefunds::claim_tax_refund`].
    pub async fn claim<S: TxSigner>(
        &self,
        submitter: &S,
        attestation: &SignedExportAttestation,
    ) -> Result<Submitted, Error> {
        let call = self.calls().claim(attestation)?;
        self.client.submit_entry(submitter, call).await
    }

    /// [`TaxRefunds::claim_tax_refunds`] for signed attestations.
    ///
    /// # Errors
    /// As [`Calls::claims`] and [`TaxRefunds::claim_tax_refunds`].
    pub async fn claim_batch<S: TxSigner>(
        &self,
        submitter: &S,
        attestations: &[SignedExportAttestation],
    ) -> Result<Submitted, Error> {
        let call = self.calls().claims(attestations)?;
        self.client.submit_entry(submitter, call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aptos_sdk::types::{Identifier, MoveModuleId};
    use ed25519_dalek::SigningKey;

    fn package() -> AccountAddress {
        AccountAddress::from_hex("0xcafe").unwrap()
    }

    fn attestation(order: &str, key: &SigningKey) -> SignedExportAttestation {
        ExportAttestation::new(
            4,
            from_sdk(package()),
            from_sdk(AccountAddress::from_hex("0xb0b").unwrap()),
            OrderRef::new(order).unwrap(),
            from_sdk(AccountAddress::from_hex("0x70").unwrap()),
        )
        .sign(from_sdk(package()), key)
        .unwrap()
    }

    #[test]
    fn a_batch_names_each_claim_in_order() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let batch = [attestation("A", &key), attestation("B", &key)];
        let call = Calls::new(package()).claims(&batch).unwrap();
        let expected = EntryFunction::new(
            MoveModuleId::new(package(), Identifier::new("tax_refund").unwrap()),
            "claim_tax_refunds",
            Vec::new(),
            vec![
                aptos_bcs::to_bytes(&vec![AccountAddress::from_hex("0xb0b").unwrap(); 2]).unwrap(),
                aptos_bcs::to_bytes(&vec!["A", "B"]).unwrap(),
                aptos_bcs::to_bytes(&vec![AccountAddress::from_hex("0x70").unwrap(); 2]).unwrap(),
                aptos_bcs::to_bytes(&key.verifying_key().to_bytes().to_vec()).unwrap(),
                aptos_bcs::to_bytes(&vec![
                    batch[0].signature.to_vec(),
                    batch[1].signature.to_vec(),
                ])
                .unwrap(),
            ],
        );
        assert_eq!(call, expected);
    }

    #[test]
    fn an_empty_batch_is_refused_before_the_chain() {
        assert!(matches!(
            Calls::new(package()).claims(&[]),
            Err(Error::Validation(ValidationError {
                field: "signatures",
                problem: Problem::Zero
            }))
        ));
    }

    #[test]
    fn the_refund_status_decodes_from_the_node_s_json() {
        let claimable: RefundStatus = serde_json::from_str(
            r#"{"__variant__":"Claimable","amount":"1000","claim_before":"1707776000"}"#,
        )
        .unwrap();
        assert_eq!(
            claimable,
            RefundStatus::Claimable {
                amount: 1_000,
                claim_before: 1_707_776_000
            }
        );
        let expired: RefundStatus = serde_json::from_str(r#"{"__variant__":"Expired"}"#).unwrap();
        assert_eq!(expired, RefundStatus::Expired);
    }
}
