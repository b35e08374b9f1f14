//! Test APT from a network's faucet.
//!
//! A local test node can drop a transaction it had accepted when it changes
//! epoch (seen on `aptos-node --test`, whose epochs last about a minute). The
//! faucet does not resubmit it, and the SDK's wait then times out. A timeout
//! is therefore worth asking again for, a bounded number of times. Any other
//! error is returned at once. If the dropped transaction commits after all,
//! the account ends up with more test APT than asked for.
use aptos_sdk::Aptos;
use aptos_sdk::error::AptosError;
use aptos_sdk::types::AccountAddress;

/// How many times the faucet is asked before the timeout is returned.
pub const ATTEMPTS: u32 = 3;

/// Funds `address` with `octas` from `aptos`'s faucet, asking again after a
/// funding transaction that did not commit in time.
///
/// # Errors
/// The SDK's error: no faucet configured, the faucet refusing, or a timeout
/// [`ATTEMPTS`] times in a row.
pub async fn fund(aptos: &Aptos, address: AccountAddress, octas: u64) -> Result<(), AptosError> {
    let mut attempt = 1;
    loop {
        match aptos.fund_account(address, octas).await {
            Ok(_) => return Ok(()),
            Err(AptosError::TransactionTimeout { hash, timeout_secs }) if attempt < ATTEMPTS => {
                eprintln!(
                    "warning: the faucet's transaction {hash} for {address} did not commit in {timeout_secs} s; asking the faucet again ({}/{ATTEMPTS})",
                    attempt + 1
                );
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}
