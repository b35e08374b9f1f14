//! `yenpay_client::fee_treasury`: the operator's fee treasury. Every payment's
//! fee goes there, refunds take the fee share back from it, and the operator
//! (`merchant_registry::operator`) sweeps it.
//!
//! [`Calls`] builds the entry-function payloads (no node needed);
//! [`FeeTreasury`] submits them and calls the views.

mod calls;
pub(crate) mod interface;
use crate::client::YenPay;
use crate::stablecoin::named_object_address;
use aptos_sdk::types::AccountAddress;
pub use calls::*;
pub use interface::*;

/// Seed of the treasury object under the package address (`TREASURY_SEED`).
pub const TREASURY_SEED: &[u8] = yenpay_types::objects::TREASURY_SEED;

/// The fee treasury's address for the package at `package`, computed locally
/// (the `treasury_address` view gives the same on chain).
pub fn derive_treasury_address(package: AccountAddress) -> AccountAddress {
    named_object_address(package, TREASURY_SEED)
}

impl YenPay {
    /// Calls of `yenpay::fee_treasury`.
    pub fn fee_treasury(&self) -> FeeTreasury<'_> {
        FeeTreasury::new(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Error;
    use crate::events::{TxEvent, YenpayEvent, decode_event};
    use aptos_sdk::transaction::{InputEntryFunctionData, TransactionPayload};

    fn package() -> AccountAddress {
        AccountAddress::from_hex("0xcafe").unwrap()
    }

    #[test]
    fn sweep_payload_matches_the_sdk_encoding() {
        let to = AccountAddress::from_hex("0xb0b").unwrap();
        let ours = Calls::new(package()).sweep(to, 500).unwrap();
        let theirs =
            InputEntryFunctionData::new(&format!("{}::fee_treasury::sweep", package().to_hex()))
                .arg(to)
                .arg(500u64)
                .build()
                .unwrap();
        assert_eq!(TransactionPayload::EntryFunction(ours), theirs);
    }

    #[test]
    fn sweeping_nothing_is_refused() {
        match Calls::new(package()).sweep(AccountAddress::from_hex("0xb0b").unwrap(), 0) {
            Err(Error::Validation(error)) => assert_eq!(error.field, "amount"),
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn treasury_address_matches_the_seed() {
        assert_eq!(
            derive_treasury_address(package()),
            named_object_address(package(), b"YENPAY_TREASURY")
        );
    }

    #[test]
    fn events_decode_from_node_json() {
        let event = serde_json::json!({
            "type": "0xcafe::fee_treasury::TreasurySwept",
            "data": {"to": "0xfee", "amount": "1869"}
        });
        assert_eq!(
            decode_event(package(), &event).unwrap(),
            TxEvent::Yenpay(YenpayEvent::FeeTreasury(FeeTreasuryEvent::TreasurySwept(
                TreasurySwept {
                    to: AccountAddress::from_hex("0xfee").unwrap(),
                    amount: 1869
                }
            )))
        );
    }
}
