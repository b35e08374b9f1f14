//! The deployer's key: an Aptos CLI profile (`.aptos/config.yaml`) or a key
//! file. The model, the parsing and the private writes are
//! `yenpay_deploy::keys`, shared with the gateway; what stays in xtask is
//! which flag or profile picks the key (`deploy`, `upgrade`).
pub use yenpay_deploy::keys::{CliConfig, Deployer, SecretKey, read_key_file};
