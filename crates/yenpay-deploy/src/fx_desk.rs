//! The FX desk of a deployment (`yenpay::fx`, issue 29): which USDC it takes,
//! and setting it up. On mainnet and testnet the desk takes Circle's native
//! USDC ([`native_usdc`]); a local node has none, so the deployment creates a
//! stand-in with the same 6 decimals by running the script in
//! `move/test-usdc` (a script rather than a module: nothing of it is
//! published, and its mint capability is dropped in the same transaction, so
//! the supply is fixed at creation and lands with the deployer).
use aptos_sdk::transaction::{Script, ScriptArgument, TransactionPayload};
use aptos_sdk::types::AccountAddress;
use yenpay_client::address::{from_sdk, to_sdk};
use yenpay_client::client::{Error, Submitted, TxSigner, YenPay};
use yenpay_types::network::Network;

use crate::operate::CheckError;

/// Seed of the local test USDC's object under its creator.
pub const TEST_USDC_SEED: &[u8] = b"YENPAY_TEST_USDC";

/// Circle's native USDC on `network` (its metadata object), where there is
/// one the desk should take; none on a local node or devnet.
pub fn native_usdc(network: Network) -> Option<AccountAddress> {
    let text = match network {
        Network::Mainnet => yenpay_types::fx::MAINNET_USDC,
        Network::Testnet => yenpay_types::fx::TESTNET_USDC,
        Network::Local | Network::Devnet => return None,
    };
    AccountAddress::from_hex(text).ok()
}

/// The local test USDC that `creator` makes with the script.
pub fn test_usdc_address(creator: AccountAddress) -> AccountAddress {
    to_sdk(yenpay_types::objects::named_object_address(
        from_sdk(creator),
        TEST_USDC_SEED,
    ))
}

/// Whether `address` holds a fungible asset's metadata.
///
/// # Errors
/// [`CheckError::Read`] when the node fails.
pub async fn is_fungible_asset(
    client: &YenPay,
    address: AccountAddress,
) -> Result<bool, CheckError> {
    match client
        .aptos()
        .fullnode()
        .get_account_resource(address, "0x1::fungible_asset::Metadata")
        .await
    {
        Ok(_) => Ok(true),
        Err(error) if error.is_not_found() => Ok(false),
        Err(error) => Err(CheckError::Read {
            what: format!("reading 0x1::fungible_asset::Metadata of {address}"),
            source: error.into(),
        }),
    }
}

/// Creates the signer's local test USDC with `supply` units, running the
/// compiled script `script` (`move/test-usdc`), unless it exists already (a
/// deployer makes one and keeps it for every package it publishes). Returns
/// its address and the transaction, if one was needed.
///
/// # Errors
/// [`CheckError::Read`] (a failed transaction too).
pub async fn create_test_usdc<S: TxSigner>(
    client: &YenPay,
    signer: &S,
    script: Vec<u8>,
    supply: u64,
) -> Result<(AccountAddress, Option<Submitted>), CheckError> {
    let usdc = test_usdc_address(signer.sender());
    if is_fungible_asset(client, usdc).await? {
        return Ok((usdc, None));
    }
    let payload = TransactionPayload::Script(Script::new(
        script,
        Vec::new(),
        vec![ScriptArgument::U64(supply)],
    ));
    let created = client
        .submit(signer, payload)
        .await
        .map_err(|source| CheckError::Read {
            what: "creating the test USDC".to_owned(),
            source,
        })?;
    Ok((usdc, Some(created)))
}

/// What a test network's desk starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeskSetup {
    /// The USDC asset's metadata object.
    pub usdc: AccountAddress,
    /// The reference rate, yen per USDC × 10^6, observed at the chain's
    /// current time.
    pub reference_rate: u64,
    /// Per-quote limit, yen.
    pub max_quote_yen: u64,
    /// Daily limit, yen.
    pub daily_limit_yen: u64,
}

/// Sets up the desk of a test deployment whose roles are all the signer's
/// (the deployer's, as at publish): configures USDC (unless it is already),
/// sets the limits and the reference rate. The yen inventory is the
/// operator's to fund (a plain transfer to the desk, or
/// [`crate::operate::mint_test_yen`] on a test network): a deployment starts
/// with no supply. Returns the transactions, in order.
///
/// # Errors
/// [`CheckError::Read`] (a failed transaction too).
pub async fn set_up_desk<S: TxSigner>(
    client: &YenPay,
    signer: &S,
    setup: &DeskSetup,
    now: u64,
) -> Result<Vec<Submitted>, CheckError> {
    let fx = client.fx();
    let step = |what: &'static str| {
        move |source: Error| CheckError::Read {
            what: what.to_owned(),
            source,
        }
    };
    let mut done = Vec::new();
    let configured = fx.usdc().await.map_err(step("view fx::usdc"))?;
    if configured.is_none() {
        done.push(
            fx.configure_usdc(signer, setup.usdc)
                .await
                .map_err(step("fx::configure_usdc"))?,
        );
    }
    done.push(
        fx.set_limits(signer, setup.max_quote_yen, setup.daily_limit_yen)
            .await
            .map_err(step("fx::set_limits"))?,
    );
    done.push(
        fx.set_reference_rate(signer, setup.reference_rate, now)
            .await
            .map_err(step("fx::set_reference_rate"))?,
    );
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_usdc_is_circle_s_on_public_networks_only() {
        assert_eq!(
            native_usdc(Network::Mainnet).unwrap().to_standard_string(),
            yenpay_types::fx::MAINNET_USDC
        );
        assert_eq!(
            native_usdc(Network::Testnet).unwrap().to_standard_string(),
            yenpay_types::fx::TESTNET_USDC
        );
        assert_eq!(native_usdc(Network::Local), None);
        assert_eq!(native_usdc(Network::Devnet), None);
    }

    #[test]
    fn the_test_usdc_is_a_named_object_of_its_creator() {
        let creator = AccountAddress::from_hex("0xde91").unwrap();
        assert_eq!(
            test_usdc_address(creator),
            to_sdk(yenpay_types::objects::named_object_address(
                from_sdk(creator),
                b"YENPAY_TEST_USDC"
            ))
        );
        assert_ne!(test_usdc_address(creator), creator);
    }
}
