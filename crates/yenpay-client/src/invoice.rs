//! `yenpay_client::invoice`: settlement of QR-code payments. Typed calls of every
//! entry and view function, the invoice record, and the module's events.
//!
//! [`Calls`] builds the entry-function payloads (no node needed); [`Invoices`]
//! submits them and calls the views. The ways to pay map to
//! [`Invoices::pay_offer`] (merchant-presented dynamic QR in one
//! transaction: a code its terminal signed off chain, see
//! [`yenpay_types::offer`]; [`Invoices::offer`] builds it, and
//! [`Invoices::cancel_offer`] cancels it before it is paid),
//! [`Invoices::pay_invoice`] (the same, for an invoice created on chain),
//! [`Invoices::pay_merchant`] (static QR),
//! [`Invoices::collect_request`] (customer-presented QR in one transaction:
//! the customer's code and the terminal's signed request for it, see
//! [`yenpay_types::collection`]) and
//! [`Invoices::collect_with_authorization`] (the same code, for an invoice
//! created on chain).
//!
//! Records are kept until they can no longer be paid or refunded, then anyone
//! may delete them and take their storage deposit back
//! ([`Invoices::purge_invoices`], or [`Invoices::purge`] with pairs): an
//! unpaid invoice from its expiry, a paid one once its refund window (the
//! operator's, copied into the invoice at creation or, for a signed code, at
//! payment) has passed and it has expired.

mod calls;
pub(crate) mod interface;
use crate::address::{from_sdk, to_sdk};
use crate::client::{Error, Submitted, TxSigner, YenPay};
use crate::json::{self};
use aptos_sdk::transaction::EntryFunction;
use aptos_sdk::types::AccountAddress;
pub use calls::*;
pub use interface::*;
use serde::Deserialize;
use yenpay_types::authorization::{AuthorizationError, AuthorizationKind, SignedAuthorization};
#[cfg(doc)]
use yenpay_types::collection::CollectionRequest;
use yenpay_types::collection::SignedCollectionRequest;
use yenpay_types::limits::OrderRef;
use yenpay_types::offer::{InvoiceOffer, SignedInvoiceOffer};

impl YenPay {
    /// Calls of `yenpay::invoice`.
    pub fn invoice(&self) -> Invoices<'_> {
        Invoices::new(self)
    }
}

/// Where an invoice stands (`invoice::InvoiceStatus`, as the `invoice_status`
/// view returns it; in the stored record it is [`Invoice::status`], decoded
/// from the record's `state`, `payer`, `paid_at` and `fee` fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(tag = "__variant__", deny_unknown_fields)]
pub enum InvoiceStatus {
    /// Payable until it expires.
    Open,
    /// Paid.
    Paid {
        /// Who paid.
        payer: AccountAddress,
        /// When, Unix seconds.
        #[serde(deserialize_with = "json::number")]
        paid_at: u64,
        /// The fee charged.
        #[serde(deserialize_with = "json::number")]
        fee: u64,
    },
    /// Cancelled by the merchant.
    Cancelled,
}

/// An invoice as the `invoice` view returns it. The Move record stores a
/// field-less `state` and the payment's details as plain fields (zero unless
/// paid) so that it keeps one size in every state; they are decoded here into
/// [`Invoice::status`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "StoredInvoice")]
pub struct Invoice {
    /// The merchant's owner account.
    pub merchant: AccountAddress,
    /// The merchant's order reference.
    pub order_ref: String,
    /// Yen due.
    #[serde(deserialize_with = "json::number")]
    pub amount: u64,
    /// The owner or terminal that created it.
    pub created_by: AccountAddress,
    /// Creation time, Unix seconds.
    #[serde(deserialize_with = "json::number")]
    pub created_at: u64,
    /// Payable strictly before this time, Unix seconds.
    #[serde(deserialize_with = "json::number")]
    pub expires_at: u64,
    /// The operator's refund window when the invoice was created, seconds:
    /// refundable strictly before `paid_at + refund_window_secs`.
    pub refund_window_secs: u64,
    /// Status, with the payment's details if paid.
    pub status: InvoiceStatus,
    /// Refunded to the payer so far.
    pub refunded: u64,
    /// The part of `refunded` that came from the treasury.
    pub fee_refunded: u64,
}

/// `invoice::InvoiceState`: the stored, field-less state of an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(tag = "__variant__", deny_unknown_fields)]
enum InvoiceState {
    Open,
    Paid,
    Cancelled,
}

/// `invoice::Invoice` field for field, as the node's JSON encodes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredInvoice {
    merchant: AccountAddress,
    order_ref: String,
    #[serde(deserialize_with = "json::number")]
    amount: u64,
    created_by: AccountAddress,
    #[serde(deserialize_with = "json::number")]
    created_at: u64,
    #[serde(deserialize_with = "json::number")]
    expires_at: u64,
    #[serde(deserialize_with = "json::number")]
    refund_window_secs: u64,
    state: InvoiceState,
    payer: AccountAddress,
    #[serde(deserialize_with = "json::number")]
    paid_at: u64,
    #[serde(deserialize_with = "json::number")]
    fee: u64,
    #[serde(deserialize_with = "json::number")]
    refunded: u64,
    #[serde(deserialize_with = "json::number")]
    fee_refunded: u64,
}

impl From<StoredInvoice> for Invoice {
    fn from(stored: StoredInvoice) -> Self {
        let status = match stored.state {
            InvoiceState::Open => InvoiceStatus::Open,
            InvoiceState::Paid => InvoiceStatus::Paid {
                payer: stored.payer,
                paid_at: stored.paid_at,
                fee: stored.fee,
            },
            InvoiceState::Cancelled => InvoiceStatus::Cancelled,
        };
        Invoice {
            merchant: stored.merchant,
            order_ref: stored.order_ref,
            amount: stored.amount,
            created_by: stored.created_by,
            created_at: stored.created_at,
            expires_at: stored.expires_at,
            refund_window_secs: stored.refund_window_secs,
            status,
            refunded: stored.refunded,
            fee_refunded: stored.fee_refunded,
        }
    }
}

impl Invoice {
    /// When refunds end (exclusive), for a paid invoice: `paid_at +
    /// refund_window_secs`.
    pub fn refund_deadline(&self) -> Option<u64> {
        match self.status {
            InvoiceStatus::Paid { paid_at, .. } => {
                Some(paid_at.saturating_add(self.refund_window_secs))
            }
            InvoiceStatus::Open | InvoiceStatus::Cancelled => None,
        }
    }

    /// From when `purge_invoices` may delete the record: the later of the
    /// refund deadline and the expiry if paid (a signed code stays valid
    /// until its expiry, and only the record refuses it a second time), the
    /// expiry otherwise (as the `purgeable_at` view says).
    pub fn purgeable_at(&self) -> u64 {
        self.refund_deadline()
            .map_or(self.expires_at, |deadline| deadline.max(self.expires_at))
    }
}

impl Calls {
    /// `purge_invoices` for `(merchant, order reference)` pairs.
    pub fn purge(&self, invoices: &[(AccountAddress, OrderRef)]) -> Result<EntryFunction, Error> {
        let (merchants, order_refs): (Vec<AccountAddress>, Vec<OrderRef>) =
            invoices.iter().cloned().unzip();
        self.purge_invoices(&merchants, &order_refs)
    }

    /// `pay_signed_invoice` for a terminal's signed code.
    pub fn pay_offer(&self, signed: &SignedInvoiceOffer) -> Result<EntryFunction, Error> {
        let offer = &signed.offer;
        self.pay_signed_invoice(
            to_sdk(offer.merchant),
            to_sdk(offer.terminal),
            &offer.order_ref,
            offer.amount,
            offer.expires_at,
            &signed.public_key,
            &signed.signature,
        )
    }

    /// `cancel_signed_invoice` for a code: its merchant, order reference and
    /// expiry (until which the cancellation is kept).
    pub fn cancel_offer(&self, offer: &InvoiceOffer) -> Result<EntryFunction, Error> {
        self.cancel_signed_invoice(to_sdk(offer.merchant), &offer.order_ref, offer.expires_at)
    }

    /// `collect_with_authorization` for the customer's signed collection
    /// authorization: the merchant is the authorization's receiver (`to`).
    ///
    /// A transfer authorization is refused here ([`AuthorizationError::WrongKind`]),
    /// as the contract would refuse its signature.
    pub fn collect_signed(
        &self,
        order_ref: &OrderRef,
        signed: &SignedAuthorization,
    ) -> Result<EntryFunction, Error> {
        signed.require_kind(AuthorizationKind::Collection)?;
        let authorization = &signed.authorization;
        self.collect_with_authorization(
            to_sdk(authorization.to),
            order_ref,
            to_sdk(authorization.from),
            authorization.amount,
            authorization.valid_after,
            authorization.valid_before,
            authorization.nonce,
            &signed.public_key,
            &signed.signature,
        )
    }
}

impl Calls {
    /// `collect_signed_invoice` for a customer's code and the terminal's
    /// request that names it: the one transaction of a customer-presented
    /// payment, which anyone may submit.
    ///
    /// A transfer authorization ([`AuthorizationError::WrongKind`]) or a
    /// request that names another code ([`AuthorizationError::NotPaired`]) is
    /// refused here, as the contract would refuse the signatures.
    pub fn collect_request(
        &self,
        request: &SignedCollectionRequest,
        code: &SignedAuthorization,
    ) -> Result<EntryFunction, Error> {
        code.require_kind(AuthorizationKind::Collection)?;
        if !request.pairs_with(code) {
            return Err(AuthorizationError::NotPaired.into());
        }
        let terms = &request.request;
        let authorization = &code.authorization;
        self.collect_signed_invoice(
            to_sdk(terms.merchant),
            to_sdk(terms.terminal),
            &terms.order_ref,
            terms.amount,
            terms.expires_at,
            &request.public_key,
            &request.signature,
            to_sdk(authorization.from),
            authorization.valid_after,
            authorization.valid_before,
            authorization.nonce,
            &code.public_key,
            &code.signature,
        )
    }
}

impl Invoices<'_> {
    /// [`Invoices::collect_signed_invoice`] for a customer's code and the
    /// terminal's request for it ([`CollectionRequest::for_code`], signed
    /// with the terminal account's key): settles the request's order in one
    /// transaction, submitted by `submitter` (any account; it pays the gas).
    ///
    /// # Errors
    /// As [`Calls::collect_request`] and [`Invoices::collect_signed_invoice`].
    pub async fn collect_request<S: TxSigner>(
        &self,
        submitter: &S,
        request: &SignedCollectionRequest,
        code: &SignedAuthorization,
    ) -> Result<Submitted, Error> {
        let call = self.calls().collect_request(request, code)?;
        self.client.submit_entry(submitter, call).await
    }

    /// The invoice that `terminal` signs for a dynamic QR code of `merchant`
    /// on this client's chain and package: `amount` yen for `order_ref`,
    /// payable strictly before `expires_at` (Unix seconds; at most
    /// `invoice::MAX_TTL_SECS` ahead when paid). Sign it with the terminal
    /// account's key ([`InvoiceOffer::sign`] with this client's package);
    /// nothing goes on chain until the customer pays it.
    ///
    /// # Errors
    /// [`Error::Aptos`] when the chain id cannot be read.
    pub async fn offer(
        &self,
        merchant: AccountAddress,
        terminal: AccountAddress,
        order_ref: &OrderRef,
        amount: u64,
        expires_at: u64,
    ) -> Result<InvoiceOffer, Error> {
        let chain_id = self.client.aptos().ensure_chain_id().await?.id();
        Ok(InvoiceOffer::new(
            chain_id,
            from_sdk(self.client.package()),
            from_sdk(merchant),
            from_sdk(terminal),
            order_ref.clone(),
            amount,
            expires_at,
        ))
    }

    /// [`Invoices::pay_signed_invoice`] for a terminal's signed code: the
    /// customer's one transaction of a dynamic QR payment.
    ///
    /// # Errors
    /// As [`Invoices::pay_signed_invoice`].
    pub async fn pay_offer<S: TxSigner>(
        &self,
        payer: &S,
        signed: &SignedInvoiceOffer,
    ) -> Result<Submitted, Error> {
        let call = self.calls().pay_offer(signed)?;
        self.client.submit_entry(payer, call).await
    }

    /// [`Invoices::cancel_signed_invoice`] for a code the terminal signed and
    /// nobody has paid: the cancellation is kept until the code's expiry.
    ///
    /// # Errors
    /// As [`Invoices::cancel_signed_invoice`].
    pub async fn cancel_offer<S: TxSigner>(
        &self,
        actor: &S,
        offer: &InvoiceOffer,
    ) -> Result<Submitted, Error> {
        let call = self.calls().cancel_offer(offer)?;
        self.client.submit_entry(actor, call).await
    }

    /// [`Invoices::collect_with_authorization`] for a signed authorization as
    /// the customer's QR code carries it; the merchant is its receiver.
    ///
    /// # Errors
    /// As [`Invoices::collect_with_authorization`].
    pub async fn collect_signed<S: TxSigner>(
        &self,
        terminal: &S,
        order_ref: &OrderRef,
        signed: &SignedAuthorization,
    ) -> Result<Submitted, Error> {
        let call = self.calls().collect_signed(order_ref, signed)?;
        self.client.submit_entry(terminal, call).await
    }

    /// [`Invoices::purge_invoices`] for `(merchant, order reference)` pairs:
    /// deletes those closed records, and the storage refund goes to the
    /// transaction's fee payer. `keeper` is the operator or the housekeeper
    /// it named (`set_housekeeper`). Check them first with `is_purgeable`: one
    /// that is not aborts the whole batch.
    ///
    /// # Errors
    /// As [`Invoices::purge_invoices`].
    pub async fn purge<S: TxSigner>(
        &self,
        keeper: &S,
        invoices: &[(AccountAddress, OrderRef)],
    ) -> Result<Submitted, Error> {
        let call = self.calls().purge(invoices)?;
        self.client.submit_entry(keeper, call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::decode_view;
    use crate::events::{TxEvent, YenpayEvent, decode_event};
    use crate::module::Module;
    use aptos_sdk::transaction::{InputEntryFunctionData, TransactionPayload};
    use yenpay_types::authorization::TransferAuthorization;
    use yenpay_types::limits::Problem;
    use yenpay_types::limits::{Reference, RefundWindow, Ttl};

    fn package() -> AccountAddress {
        AccountAddress::from_hex("0xcafe").unwrap()
    }

    fn address(hex: &str) -> AccountAddress {
        AccountAddress::from_hex(hex).unwrap()
    }

    /// BCS written out by hand for the call every dynamic-QR payment makes.
    #[test]
    fn pay_invoice_payload_matches_hand_written_bcs() {
        let call = Calls::new(package())
            .pay_invoice(address("0x0a"), &OrderRef::new("A-1").unwrap(), 1500)
            .unwrap();
        let payload = aptos_bcs::to_bytes(&TransactionPayload::EntryFunction(call)).unwrap();
        let mut expected = vec![2u8];
        expected.extend([0u8; 30]);
        expected.extend([0xca, 0xfe]);
        expected.push(7);
        expected.extend(b"invoice");
        expected.push(11);
        expected.extend(b"pay_invoice");
        expected.push(0);
        expected.push(3);
        expected.push(32);
        expected.extend([0u8; 31]);
        expected.push(0x0a);
        expected.extend([4, 3]); // argument of 4 bytes: the string "A-1" with its length
        expected.extend(b"A-1");
        expected.push(8);
        expected.extend([0xdc, 0x05, 0, 0, 0, 0, 0, 0]); // 1500
        assert_eq!(payload, expected);
    }

    #[test]
    fn every_entry_payload_matches_the_sdk_encoding() {
        let calls = Calls::new(package());
        let (merchant, customer) = (address("0x3e7c4a27"), address("0xc057"));
        let order = OrderRef::new("注文-0042").unwrap();
        let id = |name: &str| format!("{}::invoice::{name}", package().to_hex());
        let sdk = |name: &str| InputEntryFunctionData::new(&id(name));
        let cases: Vec<(EntryFunction, TransactionPayload)> = vec![
            (
                calls
                    .create_invoice(merchant, &order, 1500, Ttl::from_secs(300).unwrap())
                    .unwrap(),
                sdk("create_invoice")
                    .arg(merchant)
                    .arg("注文-0042".to_owned())
                    .arg(1500u64)
                    .arg(300u64)
                    .build()
                    .unwrap(),
            ),
            (
                calls.pay_invoice(merchant, &order, 1500).unwrap(),
                sdk("pay_invoice")
                    .arg(merchant)
                    .arg("注文-0042".to_owned())
                    .arg(1500u64)
                    .build()
                    .unwrap(),
            ),
            (
                calls.cancel_invoice(merchant, &order).unwrap(),
                sdk("cancel_invoice")
                    .arg(merchant)
                    .arg("注文-0042".to_owned())
                    .build()
                    .unwrap(),
            ),
            (
                calls
                    .pay_merchant(merchant, 980, &Reference::new("table 4").unwrap())
                    .unwrap(),
                sdk("pay_merchant")
                    .arg(merchant)
                    .arg(980u64)
                    .arg("table 4".to_owned())
                    .build()
                    .unwrap(),
            ),
            (
                calls
                    .collect_with_authorization(
                        merchant, &order, customer, 1500, 10, 20, 1, &[2; 32], &[3; 64],
                    )
                    .unwrap(),
                sdk("collect_with_authorization")
                    .arg(merchant)
                    .arg("注文-0042".to_owned())
                    .arg(customer)
                    .arg(1500u64)
                    .arg(10u64)
                    .arg(20u64)
                    .arg(1u64)
                    .arg(vec![2u8; 32])
                    .arg(vec![3u8; 64])
                    .build()
                    .unwrap(),
            ),
            (
                calls.refund(merchant, &order, 500).unwrap(),
                sdk("refund")
                    .arg(merchant)
                    .arg("注文-0042".to_owned())
                    .arg(500u64)
                    .build()
                    .unwrap(),
            ),
            (
                calls
                    .purge_invoices(
                        &[merchant, customer],
                        &[order.clone(), OrderRef::new("B-2").unwrap()],
                    )
                    .unwrap(),
                sdk("purge_invoices")
                    .arg(vec![merchant, customer])
                    .arg(vec!["注文-0042".to_owned(), "B-2".to_owned()])
                    .build()
                    .unwrap(),
            ),
            (
                calls
                    .purge(&[
                        (merchant, order.clone()),
                        (customer, OrderRef::new("B-2").unwrap()),
                    ])
                    .unwrap(),
                sdk("purge_invoices")
                    .arg(vec![merchant, customer])
                    .arg(vec!["注文-0042".to_owned(), "B-2".to_owned()])
                    .build()
                    .unwrap(),
            ),
            (
                calls
                    .set_refund_window(RefundWindow::from_secs(86_400).unwrap())
                    .unwrap(),
                sdk("set_refund_window").arg(86_400u64).build().unwrap(),
            ),
        ];
        for (ours, theirs) in cases {
            let name = ours.function.clone();
            assert_eq!(TransactionPayload::EntryFunction(ours), theirs, "{name}");
        }
    }

    #[test]
    fn collect_signed_takes_the_merchant_from_the_authorization() {
        let signed = SignedAuthorization {
            authorization: TransferAuthorization {
                kind: AuthorizationKind::Collection,
                chain_id: 4,
                metadata: from_sdk(address("0x72ed")),
                from: from_sdk(address("0xc057")),
                to: from_sdk(address("0x3e7c4a27")),
                amount: 1500,
                valid_after: 10,
                valid_before: 20,
                nonce: 1,
            },
            public_key: [2; 32],
            signature: [3; 64],
        };
        let order = OrderRef::new("A-1").unwrap();
        let calls = Calls::new(package());
        assert_eq!(
            calls.collect_signed(&order, &signed).unwrap(),
            calls
                .collect_with_authorization(
                    address("0x3e7c4a27"),
                    &order,
                    address("0xc057"),
                    1500,
                    10,
                    20,
                    1,
                    &[2; 32],
                    &[3; 64]
                )
                .unwrap()
        );
    }

    #[test]
    fn collect_request_passes_both_signatures_and_refuses_an_unpaired_code() {
        use yenpay_types::collection::{CollectionRequest, SignedCollectionRequest};
        let code = SignedAuthorization {
            authorization: TransferAuthorization {
                kind: AuthorizationKind::Collection,
                chain_id: 4,
                metadata: from_sdk(address("0x72ed")),
                from: from_sdk(address("0xc057")),
                to: from_sdk(address("0x3e7c4a27")),
                amount: 1500,
                valid_after: 10,
                valid_before: 20,
                nonce: 1,
            },
            public_key: [2; 32],
            signature: [3; 64],
        };
        let order = OrderRef::new("A-1").unwrap();
        let request = SignedCollectionRequest {
            request: CollectionRequest::for_code(
                &code,
                from_sdk(address("0xa3")),
                order.clone(),
                90,
            )
            .unwrap(),
            public_key: [4; 32],
            signature: [5; 64],
        };
        let calls = Calls::new(package());
        assert_eq!(
            calls.collect_request(&request, &code).unwrap(),
            calls
                .collect_signed_invoice(
                    address("0x3e7c4a27"),
                    address("0xa3"),
                    &order,
                    1500,
                    90,
                    &[4; 32],
                    &[5; 64],
                    address("0xc057"),
                    10,
                    20,
                    1,
                    &[2; 32],
                    &[3; 64]
                )
                .unwrap()
        );
        let mut other = code.clone();
        other.authorization.nonce = 2;
        assert!(matches!(
            calls.collect_request(&request, &other),
            Err(Error::Authorization(AuthorizationError::NotPaired))
        ));
        let mut transfer = code;
        transfer.authorization.kind = AuthorizationKind::Transfer;
        assert!(matches!(
            calls.collect_request(&request, &transfer),
            Err(Error::Authorization(AuthorizationError::WrongKind { .. }))
        ));
    }

    #[test]
    fn zero_amounts_are_refused_naming_the_field() {
        let calls = Calls::new(package());
        let order = OrderRef::new("A-1").unwrap();
        let merchant = address("0xa");
        for result in [
            calls.create_invoice(merchant, &order, 0, Ttl::from_secs(60).unwrap()),
            calls.pay_invoice(merchant, &order, 0),
            calls.pay_merchant(merchant, 0, &Reference::default()),
            calls.refund(merchant, &order, 0),
        ] {
            match result {
                Err(Error::Validation(error)) => {
                    assert_eq!((error.field, error.problem), ("amount", Problem::Zero));
                }
                other => panic!("not refused: {other:?}"),
            }
        }
    }

    #[test]
    fn invoice_view_decodes_every_status() {
        let invoice = |state: &str, payer: &str, paid_at: &str, fee: &str| {
            serde_json::json!({
                "merchant": "0xa",
                "order_ref": "A-1",
                "amount": "1500",
                "created_by": "0xb",
                "created_at": "100",
                "expires_at": "400",
                "refund_window_secs": "15552000",
                "state": {"__variant__": state},
                "payer": payer,
                "paid_at": paid_at,
                "fee": fee,
                "refunded": "500",
                "fee_refunded": "15"
            })
        };
        let (paid,): (Invoice,) = decode_view(
            Module::Invoice,
            "invoice",
            vec![invoice("Paid", "0xc", "150", "45")],
        )
        .unwrap();
        assert_eq!(
            paid.status,
            InvoiceStatus::Paid {
                payer: address("0xc"),
                paid_at: 150,
                fee: 45
            }
        );
        assert_eq!(
            (paid.amount, paid.refunded, paid.fee_refunded),
            (1500, 500, 15)
        );
        assert_eq!(paid.refund_window_secs, 15_552_000);
        assert_eq!(paid.refund_deadline(), Some(150 + 15_552_000));
        assert_eq!(paid.purgeable_at(), 150 + 15_552_000);
        for (json, status) in [
            ("Open", InvoiceStatus::Open),
            ("Cancelled", InvoiceStatus::Cancelled),
        ] {
            let (record,): (Invoice,) = decode_view(
                Module::Invoice,
                "invoice",
                vec![invoice(json, "0x0", "0", "0")],
            )
            .unwrap();
            assert_eq!(record.status, status);
            assert_eq!(
                (record.refund_deadline(), record.purgeable_at()),
                (None, 400)
            );
            let (decoded,): (InvoiceStatus,) = decode_view(
                Module::Invoice,
                "invoice_status",
                vec![serde_json::json!({"__variant__": json})],
            )
            .unwrap();
            assert_eq!(decoded, status);
        }
        let unknown_state: Result<(Invoice,), _> = decode_view(
            Module::Invoice,
            "invoice",
            vec![invoice("Refunded", "0x0", "0", "0")],
        );
        assert!(unknown_state.is_err());
        let unknown: Result<(InvoiceStatus,), _> = decode_view(
            Module::Invoice,
            "invoice_status",
            vec![serde_json::json!({"__variant__": "Refunded"})],
        );
        assert!(unknown.is_err());
    }

    #[test]
    fn events_decode_from_node_json() {
        let event = serde_json::json!({
            "type": "0xcafe::invoice::InvoicePaid",
            "data": {
                "merchant": "0xa",
                "order_ref": "注文-0042",
                "payer": "0xc",
                "amount": "1500",
                "fee": "45",
                "net": "1455",
                "paid_at": "1795621488"
            }
        });
        let TxEvent::Yenpay(YenpayEvent::Invoice(InvoiceEvent::InvoicePaid(paid))) =
            decode_event(package(), &event).unwrap()
        else {
            panic!("wrong event");
        };
        assert_eq!(paid.order_ref, "注文-0042");
        assert_eq!(paid.fee + paid.net, paid.amount);

        let refunded = serde_json::json!({
            "type": "0xcafe::invoice::InvoiceRefunded",
            "data": {
                "merchant": "0xa", "order_ref": "A-1", "payer": "0xc",
                "amount": "500", "fee_returned": "15", "refunded_total": "500"
            }
        });
        match decode_event(package(), &refunded).unwrap() {
            TxEvent::Yenpay(YenpayEvent::Invoice(InvoiceEvent::InvoiceRefunded(refund))) => {
                assert_eq!((refund.amount, refund.fee_returned), (500, 15));
            }
            other => panic!("wrong event: {other:?}"),
        }

        let purged = serde_json::json!({
            "type": "0xcafe::invoice::InvoicePurged",
            "data": {"merchant": "0xa", "order_ref": "A-1"}
        });
        assert_eq!(
            decode_event(package(), &purged).unwrap(),
            TxEvent::Yenpay(YenpayEvent::Invoice(InvoiceEvent::InvoicePurged(
                InvoicePurged {
                    merchant: address("0xa"),
                    order_ref: "A-1".to_owned()
                }
            )))
        );
    }
}
