//! `yenpay_client::merchant_registry`: the operator (a two-step role), its
//! merchants and their terminals. Typed calls of every entry and view
//! function, the records the views return, and the module's events. The fee
//! treasury the operator sweeps is [`crate::fee_treasury`].
//!
//! [`Calls`] builds the entry-function payloads (no node needed);
//! [`MerchantRegistry`] submits them and calls the views.

mod calls;
pub(crate) mod interface;
use crate::client::{Error, Submitted, TxSigner, YenPay};
use crate::json::{self};
use aptos_sdk::types::AccountAddress;
pub use calls::*;
pub use interface::*;
use serde::Deserialize;

impl YenPay {
    /// Calls of `yenpay::merchant_registry`.
    pub fn merchant_registry(&self) -> MerchantRegistry<'_> {
        MerchantRegistry::new(self)
    }
}

/// The treasury's seed and address, from [`crate::fee_treasury`] (where they
/// moved with the treasury).
pub use crate::fee_treasury::{TREASURY_SEED, derive_treasury_address};

/// The treasury calls that were this module's before the treasury got its own
/// (`yenpay::fee_treasury`); they call [`crate::fee_treasury::FeeTreasury`].
impl MerchantRegistry<'_> {
    /// The fee treasury object: `fee_treasury::treasury_address`.
    ///
    /// # Errors
    /// As [`crate::fee_treasury::FeeTreasury::treasury_address`].
    pub async fn treasury_address(&self) -> Result<AccountAddress, Error> {
        self.client.fee_treasury().treasury_address().await
    }

    /// Fees in the treasury: `fee_treasury::balance`.
    ///
    /// # Errors
    /// As [`crate::fee_treasury::FeeTreasury::balance`].
    pub async fn treasury_balance(&self) -> Result<u64, Error> {
        self.client.fee_treasury().balance().await
    }

    /// The operator sweeps `amount` of fees to `to`: `fee_treasury::sweep`.
    ///
    /// # Errors
    /// As [`crate::fee_treasury::FeeTreasury::sweep`].
    pub async fn sweep_treasury<S: TxSigner>(
        &self,
        operator: &S,
        to: AccountAddress,
        amount: u64,
    ) -> Result<Submitted, Error> {
        self.client.fee_treasury().sweep(operator, to, amount).await
    }
}

/// A merchant's status (`merchant_registry::MerchantStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(tag = "__variant__", deny_unknown_fields)]
pub enum MerchantStatus {
    /// Takes payments.
    Active,
    /// Stopped by the operator, with the operator's own reason code.
    Suspended {
        /// The operator's reason code.
        reason: u8,
    },
    /// Closed for good.
    Closed,
}

/// A merchant record as the `merchant` view returns it (`MerchantInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MerchantInfo {
    /// The owner account, which keys the record.
    pub owner: AccountAddress,
    /// Display name.
    pub name: String,
    /// Merchant category code (ISO 18245).
    pub mcc: String,
    /// Where net takings go.
    pub payout: AccountAddress,
    /// The operator's fee in basis points.
    #[serde(deserialize_with = "json::number")]
    pub fee_bps: u64,
    /// Status.
    pub status: MerchantStatus,
    /// Registration time, Unix seconds.
    #[serde(deserialize_with = "json::number")]
    pub registered_at: u64,
    /// Accounts that may create and collect invoices for the merchant.
    pub terminals: Vec<AccountAddress>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Error;
    use crate::client::decode_view;
    use crate::events::{TxEvent, YenpayEvent, decode_event};
    use crate::json::Number;
    use crate::module::Module;
    use aptos_sdk::transaction::EntryFunction;
    use aptos_sdk::transaction::{InputEntryFunctionData, TransactionPayload};
    use yenpay_types::limits::{FeeBps, Mcc, MerchantName};

    fn package() -> AccountAddress {
        AccountAddress::from_hex("0xcafe").unwrap()
    }

    fn address(hex: &str) -> AccountAddress {
        AccountAddress::from_hex(hex).unwrap()
    }

    /// BCS written out by hand: strings are a ULEB128 length and UTF-8 bytes.
    #[test]
    fn register_merchant_payload_matches_hand_written_bcs() {
        let call = Calls::new(package())
            .register_merchant(
                address("0x0a"),
                &MerchantName::new("ラーメン").unwrap(),
                &Mcc::new("5812").unwrap(),
                address("0x0b"),
                FeeBps::new(300).unwrap(),
            )
            .unwrap();
        let payload = aptos_bcs::to_bytes(&TransactionPayload::EntryFunction(call)).unwrap();

        let mut expected = vec![2u8];
        expected.extend([0u8; 30]);
        expected.extend([0xca, 0xfe]);
        expected.push(17);
        expected.extend(b"merchant_registry");
        expected.push(17);
        expected.extend(b"register_merchant");
        expected.push(0);
        expected.push(5);
        let mut owner = vec![32u8];
        owner.extend([0u8; 31]);
        owner.push(0x0a);
        expected.extend(&owner);
        let name = "ラーメン".as_bytes(); // 12 bytes of UTF-8
        expected.push(13); // the argument: 1 length byte + 12
        expected.push(12);
        expected.extend(name);
        expected.extend([5, 4]);
        expected.extend(b"5812");
        let mut payout = vec![32u8];
        payout.extend([0u8; 31]);
        payout.push(0x0b);
        expected.extend(&payout);
        expected.push(8);
        expected.extend(300u64.to_le_bytes());
        assert_eq!(payload, expected);
    }

    #[test]
    fn every_entry_payload_matches_the_sdk_encoding() {
        let calls = Calls::new(package());
        let (a, b) = (address("0xa11ce"), address("0xb0b"));
        let id = |name: &str| format!("{}::merchant_registry::{name}", package().to_hex());
        let sdk = |name: &str| InputEntryFunctionData::new(&id(name));
        let name = MerchantName::new("Café 東京").unwrap();
        let mcc = Mcc::new("5814").unwrap();
        let cases: Vec<(EntryFunction, TransactionPayload)> = vec![
            (
                calls.propose_operator(a).unwrap(),
                sdk("propose_operator").arg(a).build().unwrap(),
            ),
            (
                calls.cancel_operator_proposal().unwrap(),
                sdk("cancel_operator_proposal").build().unwrap(),
            ),
            (
                calls.accept_operator().unwrap(),
                sdk("accept_operator").build().unwrap(),
            ),
            (
                calls
                    .register_merchant(a, &name, &mcc, b, FeeBps::new(1000).unwrap())
                    .unwrap(),
                sdk("register_merchant")
                    .arg(a)
                    .arg("Café 東京".to_owned())
                    .arg("5814".to_owned())
                    .arg(b)
                    .arg(1000u64)
                    .build()
                    .unwrap(),
            ),
            (
                calls.suspend_merchant(a, 3).unwrap(),
                sdk("suspend_merchant").arg(a).arg(3u8).build().unwrap(),
            ),
            (
                calls.reactivate_merchant(a).unwrap(),
                sdk("reactivate_merchant").arg(a).build().unwrap(),
            ),
            (
                calls.close_merchant(a).unwrap(),
                sdk("close_merchant").arg(a).build().unwrap(),
            ),
            (
                calls.set_fee_bps(a, FeeBps::ZERO).unwrap(),
                sdk("set_fee_bps").arg(a).arg(0u64).build().unwrap(),
            ),
            (
                calls.set_payout_address(b).unwrap(),
                sdk("set_payout_address").arg(b).build().unwrap(),
            ),
            (
                calls.add_terminal(b).unwrap(),
                sdk("add_terminal").arg(b).build().unwrap(),
            ),
            (
                calls.remove_terminal(b).unwrap(),
                sdk("remove_terminal").arg(b).build().unwrap(),
            ),
        ];
        for (ours, theirs) in cases {
            let name = ours.function.clone();
            assert_eq!(TransactionPayload::EntryFunction(ours), theirs, "{name}");
        }
    }

    #[test]
    fn merchant_view_decodes_from_node_json() {
        let values = vec![serde_json::json!({
            "owner": "0xa",
            "name": "ラーメン一番",
            "mcc": "5812",
            "payout": "0xb",
            "fee_bps": "250",
            "status": {"__variant__": "Suspended", "reason": 2},
            "registered_at": "1795621488",
            "terminals": ["0xc", "0xd"]
        })];
        let (info,): (MerchantInfo,) =
            decode_view(Module::MerchantRegistry, "merchant", values).unwrap();
        assert_eq!(info.owner, address("0xa"));
        assert_eq!(info.fee_bps, 250);
        assert_eq!(info.status, MerchantStatus::Suspended { reason: 2 });
        assert_eq!(info.terminals, vec![address("0xc"), address("0xd")]);
        assert_eq!(info.registered_at, 1_795_621_488);

        let (Number(fee), Number(net)): (Number<u64>, Number<u64>) = decode_view(
            Module::MerchantRegistry,
            "quote_fee",
            vec![serde_json::json!("25"), serde_json::json!("975")],
        )
        .unwrap();
        assert_eq!((fee, net), (25, 975));
        // A view that returns fewer values than expected is an error, not a panic.
        let short: Result<(Number<u64>, Number<u64>), _> = decode_view(
            Module::MerchantRegistry,
            "quote_fee",
            vec![serde_json::json!("25")],
        );
        assert!(matches!(short, Err(Error::Response { .. })));
    }

    #[test]
    fn events_decode_from_node_json() {
        let event = serde_json::json!({
            "type": "0xcafe::merchant_registry::MerchantRegistered",
            "data": {
                "owner": "0xa",
                "name": "ラーメン一番",
                "mcc": "5812",
                "payout": "0xb",
                "fee_bps": "250"
            }
        });
        let TxEvent::Yenpay(YenpayEvent::MerchantRegistry(MerchantEvent::MerchantRegistered(
            registered,
        ))) = decode_event(package(), &event).unwrap()
        else {
            panic!("wrong event");
        };
        assert_eq!(registered.name, "ラーメン一番");
        assert_eq!(registered.fee_bps, 250);

        let suspended = serde_json::json!({
            "type": "0xcafe::merchant_registry::MerchantSuspended",
            "data": {"owner": "0xa", "reason": 7}
        });
        assert_eq!(
            decode_event(package(), &suspended).unwrap(),
            TxEvent::Yenpay(YenpayEvent::MerchantRegistry(
                MerchantEvent::MerchantSuspended(MerchantSuspended {
                    owner: address("0xa"),
                    reason: 7
                })
            ))
        );
    }
}
