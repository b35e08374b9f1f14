//! # yenpay-client
//!
//! Yen stablecoin payments on Japan's QR-code payment network, on Aptos.
//!
//! This crate is what integrators (a PSP's backend, a POS terminal, a wallet)
//! add to call the `YenPay` Move package from Rust, without knowing BCS, type
//! tags or abort numbers. It stands on `yenpay-types` (addresses, limits, fee
//! math, signed authorizations; re-exported as [`types`]) and `aptos-sdk`:
//!
//! - [`client::YenPay`]: the connection (an aptos-sdk [`aptos_sdk::Aptos`]) and
//!   the package address, with a typed async call for every entry and view
//!   function in [`authorization`], [`controls`], [`stablecoin`], [`issuance`],
//!   [`merchant`], [`fee_treasury`] and [`invoice`]; submitted calls
//!   wait for the transaction and return its hash, version, gas used and
//!   decoded [`events`];
//! - [`abort`]: failed transactions as typed errors (module, constant name,
//!   code, doc comment);
//! - [`upgrade`]: the admin-gated code upgrades;
//! - [`multisig`]: any call as a proposal of a `0x1::multisig_account`
//!   (a role held k-of-n), votes, execution and the proposals' state;
//! - [`gas`]: what a transaction cost (execution, io, storage fee and refund);
//! - [`address`]: conversions between the SDK's `AccountAddress` and
//!   `yenpay_types::Address`.
//!
//! The QR payloads are in `yenpay-qr`; publishing and the deployments file in
//! `yenpay-deploy`.
//!
//! # The payment flow
//!
//! A terminal creates an invoice, the customer pays it (here sponsored: the
//! operator pays the gas, so the customer needs no APT), and the merchant is
//! settled in the same transaction, net of the operator's fee.
//!
//! ```no_run
//! use aptos_sdk::account::Ed25519Account;
//! use aptos_sdk::types::AccountAddress;
//! use aptos_sdk::Aptos;
//! use yenpay_client::abort::{InvoiceAbort, KnownAbort};
//! use yenpay_client::client::{Sponsored, YenPay};
//! use yenpay_client::events::YenpayEvent;
//! use yenpay_client::invoice::InvoiceEvent;
//! use yenpay_client::types::limits::{OrderRef, Ttl};
//!
//! async fn checkout(
//!     terminal: &Ed25519Account,
//!     customer: &Ed25519Account,
//!     operator: &Ed25519Account,
//!     merchant: AccountAddress,
//! ) -> Result<(), Box<dyn std::error::Error>> {
//!     // The package address comes from deployments/testnet.json (yenpay-deploy).
//!     let package = AccountAddress::from_hex("0xcafe")?;
//!     let client = YenPay::new(Aptos::testnet()?, package);
//!     let invoices = client.invoice();
//!
//!     // The POS terminal creates the invoice (its QR code carries merchant, order and amount).
//!     let order = OrderRef::new("INV-2026-0001")?;
//!     invoices
//!         .create_invoice(terminal, merchant, &order, 1_500, Ttl::from_secs(300)?)
//!         .await?;
//!
//!     // The customer's wallet shows the split, then pays; the operator pays the gas.
//!     let quote = invoices.quote(merchant, 1_500).await?;
//!     println!("1,500 yen: {} to the merchant, {} fee", quote.net, quote.fee);
//!     let paid = invoices
//!         .pay_invoice(&Sponsored::new(customer, operator), merchant, &order, 1_500)
//!         .await?;
//!     for event in paid.yenpay_events() {
//!         if let YenpayEvent::Invoice(InvoiceEvent::InvoicePaid(settled)) = event {
//!             println!("paid at {}: net {}, fee {}", settled.paid_at, settled.net, settled.fee);
//!         }
//!     }
//!     println!("{} ({} gas units)", paid.hash, paid.gas_used);
//!
//!     // Paying twice aborts with a named error.
//!     let again = invoices.pay_invoice(customer, merchant, &order, 1_500).await;
//!     if let Err(error) = again {
//!         assert_eq!(
//!             error.known_abort(),
//!             Some(KnownAbort::Invoice(InvoiceAbort::InvoiceAlreadyPaid))
//!         );
//!     }
//!     Ok(())
//! }
//! ```
//!
//! `crates/yenpay-deploy/examples/payment_flow.rs` runs the whole flow against a node, including
//! a customer-presented (signed authorization) payment and a partial refund.
#![deny(missing_docs)]

pub mod abort;
pub mod address;
pub mod authorization;
pub mod client;
pub mod controls;
pub mod events;
pub mod fee_treasury;
pub mod fx;
pub mod gas;
pub mod hold;
pub mod invoice;
pub mod issuance;
pub mod json;
pub mod merchant;
pub mod module;
pub mod multisig;
pub mod sequence;
pub mod stablecoin;
pub mod tax_refund;
pub mod upgrade;

pub use yenpay_types as types;

#[cfg(test)]
mod contract_drift;
