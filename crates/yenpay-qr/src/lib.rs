//! QR payloads: what a shop's sticker or screen shows, what a customer's
//! wallet shows, and the pictures of both.
//!
//! - [`mpm`]: EMVCo Merchant-Presented Mode (the base of JPQR): a general
//!   TLV codec with CRC-16/CCITT-FALSE ([`mpm::Payload`]), the typed fields
//!   ([`mpm::MerchantPresented`]) and yenpay's own templates
//!   ([`mpm::YenpayPayment`]).
//! - [`cpm`]: EMVCo Consumer-Presented Mode carrying a customer's signed
//!   collection authorization
//!   ([`yenpay_types::authorization::SignedAuthorization`]).
//! - [`uri`]: a `yenpay:` URI with the same payment fields for wallets that
//!   do not read EMVCo.
//! - [`hold`]: the `yenpay:` URI of a hold code (a terminal's signed
//!   `HoldOffer`, issue 27).
//! - [`render`] (feature `render`, on by default): PNG, SVG and terminal
//!   pictures of any payload.
//!
//! This crate depends on `yenpay-types` and small codec crates only: no Aptos
//! SDK, no async runtime, no HTTP, so a wallet or a POS can add it alone
//! (`cargo xtask test` checks that with `cargo tree`).
//!
//! The wire formats, tag tables and size measurements are documented in the
//! README section "QR payloads".

#![deny(missing_docs)]

pub mod cpm;
pub mod crc;
pub mod hold;
pub mod mpm;
#[cfg(feature = "render")]
pub mod render;
pub mod uri;
