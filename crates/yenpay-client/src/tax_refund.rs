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

/// The refund float's address for the package at `package`: the object
/// `tax_refund` creates at publish from its seed (the module keeps no view of
/// it, to stay within the publish transaction's size).
pub fn derive_float_address(package: AccountAddress) -> AccountAddress {
    to_sdk(yenpay_types::objects::tax_refund_float_address(from_sdk(
        package,
    )))
}

/// A tax-free purchase as the `purchase` view returns it (the merchant and
/// order reference are its key, not stored in it).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Purchase {
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

    /// Where its refund stands at chain time `now`, the merchant having
    /// refunded `merchant_refunded` of it (the invoice's `refunded`, which
    /// after a tax refund includes it): the checks of
    /// `tax_refund::claim_tax_refunds` in their order, less the signature.
    pub fn refund_status(&self, merchant_refunded: u64, now: u64) -> RefundStatus {
        if !self.tax_free {
            return RefundStatus::NotEligible;
        }
        if self.refunded_at > 0 {
            return RefundStatus::Refunded {
                amount: self.tax_refunded,
                refunded_at: self.refunded_at,
            };
        }
        let claim_before = self.claim_deadline();
        if now >= claim_before {
            return RefundStatus::Expired;
        }
        match yenpay_types::tax_refund::refund_for(self.tax(), self.amount, merchant_refunded) {
            0 => RefundStatus::RefundedByMerchant,
            amount => RefundStatus::Claimable {
                amount,
                claim_before,
            },
        }
    }
}

/// Where a purchase's tax refund stands ([`Purchase::refund_status`]; read
/// from the chain with [`TaxRefunds::refund_status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundStatus {
    /// The code said the purchase is not eligible (`ENOT_TAX_FREE`).
    NotEligible,
    /// A claim now would pay `amount`, strictly before `claim_before`.
    Claimable {
        /// Yen a claim pays now.
        amount: u64,
        /// The claim window's end (exclusive), Unix seconds.
        claim_before: u64,
    },
    /// Refunded (`EALREADY_REFUNDED` for another claim).
    Refunded {
        /// Yen refunded.
        amount: u64,
        /// When, Unix seconds.
        refunded_at: u64,
    },
    /// The merchant refunded it all, or so much that the refund floors to
    /// zero (`EFULLY_REFUNDED_BY_MERCHANT`).
    RefundedByMerchant,
    /// The claim window passed without a claim (`ECLAIM_WINDOW_CLOSED`).
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

    /// `claim_tax_refunds` for one attestation: what the traveller submits.
    pub fn claim(&self, signed: &SignedExportAttestation) -> Result<EntryFunction, Error> {
        self.claims(std::slice::from_ref(signed))
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

    /// Where the purchase's refund stands now: the `purchase` view, the
    /// invoice's refunds (`invoice::invoice`) and the ledger's time, read in
    /// three requests (possibly at different versions: a claim between them
    /// shows as `Refunded` at the next read).
    ///
    /// # Errors
    /// As the `purchase` and `invoice` views; [`Error::Response`] for a
    /// ledger time that is not a number.
    pub async fn refund_status(
        &self,
        merchant: AccountAddress,
        order_ref: &OrderRef,
    ) -> Result<RefundStatus, Error> {
        let purchase = self.purchase(merchant, order_ref).await?;
        let invoice = self.client.invoice().invoice(merchant, order_ref).await?;
        let info = self
            .client
            .aptos()
            .ledger_info()
            .await
            .map_err(Error::from)?;
        let micros: u64 = info.ledger_timestamp.parse().map_err(|e| Error::Response {
            context: "ledger_info".to_string(),
            detail: format!("ledger_timestamp {:?}: {e}", info.ledger_timestamp),
        })?;
        Ok(purchase.refund_status(invoice.refunded, micros / 1_000_000))
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

    /// [`TaxRefunds::claim_tax_refunds`] for one signed attestation,
    /// submitted by `submitter` (the traveller, or the agent's job).
    ///
    /// # Errors
    /// As [`TaxRefunds::claim_tax_refunds`].
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

    fn purchase(tax_free: bool) -> Purchase {
        Purchase {
            payer: AccountAddress::from_hex("0x70").unwrap(),
            paid_at: 1_000,
            amount: 11_000,
            standard_tax: 1_000,
            reduced_tax: 0,
            tax_free,
            tax_refunded: 0,
            refunded_at: 0,
        }
    }

    #[test]
    fn the_refund_status_follows_the_chain_s_checks() {
        let deadline = 1_000 + yenpay_types::tax_refund::CLAIM_WINDOW_SECS;
        let open = purchase(true);
        assert_eq!(
            open.refund_status(0, 1_000),
            RefundStatus::Claimable {
                amount: 1_000,
                claim_before: deadline
            }
        );
        // Half refunded by the merchant: half the tax; the last second counts.
        assert_eq!(
            open.refund_status(5_500, deadline - 1),
            RefundStatus::Claimable {
                amount: 500,
                claim_before: deadline
            }
        );
        assert_eq!(open.refund_status(0, deadline), RefundStatus::Expired);
        assert_eq!(
            open.refund_status(11_000, 1_000),
            RefundStatus::RefundedByMerchant
        );
        // floor(1000 * 10 / 11000) = 0.
        assert_eq!(
            open.refund_status(10_990, 1_000),
            RefundStatus::RefundedByMerchant
        );
        assert_eq!(
            purchase(false).refund_status(0, 1_000),
            RefundStatus::NotEligible
        );
        let refunded = Purchase {
            tax_refunded: 1_000,
            refunded_at: 2_000,
            ..open
        };
        // Refunded wins over the window and the invoice's total (which now
        // counts the tax refund).
        assert_eq!(
            refunded.refund_status(1_000, deadline + 1),
            RefundStatus::Refunded {
                amount: 1_000,
                refunded_at: 2_000
            }
        );
    }

    #[test]
    fn one_claim_is_a_batch_of_one() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let single = attestation("A", &key);
        let calls = Calls::new(package());
        assert_eq!(
            calls.claim(&single).unwrap(),
            calls.claims(std::slice::from_ref(&single)).unwrap()
        );
    }
}
