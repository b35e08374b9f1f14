//! # yenpay
//!
//! Yen stablecoin payments on Japan's QR-code payment network, on Aptos.
//!
//! This crate is what integrators (a PSP's backend, a POS terminal, a wallet)
//! add to call the `YenPay` Move package from Rust.
#![deny(missing_docs)]

pub mod abort;
pub mod authorization;
pub mod client;
pub mod deployment;
pub mod events;
pub mod fee;
pub mod invoice;
pub mod limits;
pub mod merchant;
pub mod publish;
pub mod qr;
pub mod stablecoin;

#[cfg(test)]
mod contract_drift;
