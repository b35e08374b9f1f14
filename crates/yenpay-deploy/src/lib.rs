//! yenpay's deployer code, for `cargo xtask` and any service that publishes
//! or upgrades the package (the gateway, an operator's tooling):
//!
//! - [`publish`]: the compiled package (`move compile --save-metadata`), the
//!   resource-account publish and the admin's upgrade, with their size and
//!   gas checks;
//! - [`chunked`]: a package too large for one transaction, published or
//!   upgraded in chunks;
//! - [`deployment`]: the `deployments/<network>.json` record of where the
//!   package lives;
//! - [`faucet`]: test APT from a network's faucet, asked again after a
//!   dropped transaction;
//! - [`operate`]: the deployment's verification, the upgrade's
//!   preconditions, the package registry's record, test yen, shared by
//!   `cargo xtask` and the `yenpay` console;
//! - [`keys`]: signing keys from a key file, an environment variable or an
//!   Aptos CLI profile, written back readable by their owner only, never
//!   printed.
#![deny(missing_docs)]

pub mod chunked;
pub mod deployment;
pub mod faucet;
pub mod fx_desk;
pub mod keys;
pub mod operate;
pub mod publish;
