//! yenpay's pure types: what a wallet, a POS or a backend needs to agree with
//! the Move package before anything reaches a node.
//!
//! - [`address`]: a Move address, 32 bytes, written as AIP-40 says;
//! - [`objects`]: the addresses the package derives (metadata, treasury,
//!   primary stores, the package's resource account);
//! - [`limits`]: the contract's limits and the validated argument types built
//!   on them;
//! - [`fee`]: the operator's fee and refund shares, as Move computes them;
//! - [`authorization`]: the messages a holder signs (transfer and collection
//!   authorizations), their exact bytes, signing and verification;
//! - [`offer`]: the invoice a merchant's terminal signs for a dynamic QR
//!   code paid in one transaction, its exact bytes, signing and verification;
//! - [`fx`]: the FX desk's quote for a code paid in USDC, its exact bytes,
//!   signing and checks, and the USDC amount a rate gives;
//! - [`network`] and [`time`]: the networks and Unix time, one definition each.
//!
//! No SDK, no async runtime, no I/O: the QR codecs (`yenpay-qr`) build on
//! this alone, and the client (`yenpay-client`) converts to the SDK's types.
#![deny(missing_docs)]

pub mod address;
pub mod authorization;
pub mod collection;
pub mod fee;
pub mod fx;
pub mod hold;
pub mod limits;
pub mod network;
pub mod objects;
pub mod offer;
pub mod tax_refund;
pub mod time;

pub use address::Address;
