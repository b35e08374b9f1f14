//! Transfer with authorization: the off-chain message a holder signs so that
//! someone else may move its yen (the EIP-3009 idea, for Move).
//!
//! This is what customer-presented QR payments stand on: the customer's
//! wallet signs a [`TransferAuthorization`], shows it as a QR code, and the
//! merchant's terminal submits it on chain. The Move side is
//! `yenpay::stablecoin::TransferAuthorization`; the field order here is the
//! field order there, because the signature covers their BCS bytes.
use aptos_sdk::types::AccountAddress;
use serde::{Deserialize, Serialize};

/// Length of an authorization nonce in bytes.
pub const NONCE_LENGTH: usize = 32;

/// What the holder authorizes: `amount` yen from `from` to `to`, usable
/// strictly after `valid_after` and strictly before `valid_before` (Unix
/// seconds), once (the nonce), on one chain and one asset (the domain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferAuthorization {
    /// Chain id of the network the authorization is for (domain).
    pub chain_id: u8,
    /// Address of the stablecoin's metadata object (domain).
    pub metadata: AccountAddress,
    /// The holder whose yen move.
    pub from: AccountAddress,
    /// The receiver (for an invoice collection: the merchant's owner address).
    pub to: AccountAddress,
    /// Amount in yen.
    pub amount: u64,
    /// Valid strictly after this time (Unix seconds).
    pub valid_after: u64,
    /// Valid strictly before this time (Unix seconds).
    pub valid_before: u64,
    /// Single-use nonce chosen by the holder.
    pub nonce: [u8; NONCE_LENGTH],
}

/// An authorization with the holder's Ed25519 public key and signature: what
/// a terminal needs to submit it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedAuthorization {
    /// The signed message.
    pub authorization: TransferAuthorization,
    /// The holder's Ed25519 public key (its authentication key must be the
    /// `from` account's).
    pub public_key: [u8; 32],
    /// Ed25519 signature over the BCS of the framework's `SignedMessage`
    /// wrapper around `authorization`.
    pub signature: [u8; 64],
}
