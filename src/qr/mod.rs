//! QR payloads: what a shop's sticker or screen shows, what a customer's
//! wallet shows, and the pictures of both.
//!
//! - [`mpm`]: EMVCo Merchant-Presented Mode (the base of JPQR): a general
//!   TLV codec with CRC-16/CCITT-FALSE ([`mpm::Payload`]), the typed fields
//!   ([`mpm::MerchantPresented`]) and yenpay's own templates
//!   ([`mpm::YenpayPayment`]).
//! - [`cpm`]: EMVCo Consumer-Presented Mode carrying a customer's signed
//!   transfer authorization ([`crate::authorization::SignedAuthorization`]).
//! - [`uri`]: a `yenpay:` URI with the same payment fields for wallets that
//!   do not read EMVCo.
//! - [`render`]: PNG, SVG and terminal pictures of any payload.
//!
//! The wire formats, tag tables and size measurements are documented in the
//! README section "QR payloads".

pub mod cpm;
pub mod crc;
pub mod mpm;
pub mod render;
pub mod uri;
