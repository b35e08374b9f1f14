//! # yenpay
//!
//! Yen stablecoin payments on Japan's QR-code payment network, on Aptos.
//!
//! This crate is what integrators (a PSP's backend, a POS terminal, a wallet)
//! add to call the `YenPay` Move package from Rust.
#![deny(missing_docs)]

pub mod authorization;
pub mod qr;
