//! `yenpay_client::issuance`: issuance of the YJPY yen stablecoin. The master
//! minter, the minters with their allowances, mint and burn. Typed calls of
//! every entry and view function, and its events.
//!
//! [`Calls`] builds the entry-function payloads (no node needed);
//! [`Issuance`] submits them and calls the views. An entry function's first
//! parameter, the Move `&signer`, is the [`TxSigner`](crate::client::TxSigner)
//! that submits it.

mod calls;
pub(crate) mod interface;
use crate::client::YenPay;
pub use calls::*;
pub use interface::*;

impl YenPay {
    /// Calls of `yenpay::issuance`.
    pub fn issuance(&self) -> Issuance<'_> {
        Issuance::new(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Error;
    use crate::events::{TxEvent, YenpayEvent, decode_event};
    use aptos_sdk::transaction::{EntryFunction, InputEntryFunctionData, TransactionPayload};
    use aptos_sdk::types::AccountAddress;
    use yenpay_types::limits::Problem;

    fn package() -> AccountAddress {
        AccountAddress::from_hex("0xcafe").unwrap()
    }

    fn address(hex: &str) -> AccountAddress {
        AccountAddress::from_hex(hex).unwrap()
    }

    /// BCS written out by hand from the spec: ULEB128 lengths, little-endian
    /// integers, 32-byte addresses.
    #[test]
    fn mint_payload_matches_hand_written_bcs() {
        let call = Calls::new(package()).mint(address("0xb0b"), 1234).unwrap();
        let payload = aptos_bcs::to_bytes(&TransactionPayload::EntryFunction(call)).unwrap();

        let mut expected = vec![2u8]; // TransactionPayload::EntryFunction
        expected.extend([0u8; 30]);
        expected.extend([0xca, 0xfe]); // module address 0xcafe
        expected.push(8);
        expected.extend(b"issuance");
        expected.push(4);
        expected.extend(b"mint");
        expected.push(0); // no type arguments
        expected.push(2); // two arguments
        expected.push(32); // `to`: 32 bytes
        expected.extend([0u8; 30]);
        expected.extend([0x0b, 0x0b]);
        expected.push(8); // `amount`: 8 bytes
        expected.extend([0xd2, 0x04, 0, 0, 0, 0, 0, 0]); // 1234 little-endian
        assert_eq!(payload, expected);
    }

    /// Every entry function against aptos-sdk's own argument encoding.
    #[test]
    fn every_entry_payload_matches_the_sdk_encoding() {
        let calls = Calls::new(package());
        let (a, b) = (address("0xa11ce"), address("0xb0b"));
        let id = |name: &str| format!("{}::issuance::{name}", package().to_hex());
        let sdk = |name: &str| InputEntryFunctionData::new(&id(name));
        let cases: Vec<(EntryFunction, TransactionPayload)> = vec![
            (
                calls.set_master_minter(a).unwrap(),
                sdk("set_master_minter").arg(a).build().unwrap(),
            ),
            (
                calls.configure_minter(a, 1_000_000).unwrap(),
                sdk("configure_minter")
                    .arg(a)
                    .arg(1_000_000u64)
                    .build()
                    .unwrap(),
            ),
            (
                calls.remove_minter(a).unwrap(),
                sdk("remove_minter").arg(a).build().unwrap(),
            ),
            (
                calls.mint(b, 9).unwrap(),
                sdk("mint").arg(b).arg(9u64).build().unwrap(),
            ),
            (
                calls.burn(9).unwrap(),
                sdk("burn").arg(9u64).build().unwrap(),
            ),
        ];
        for (ours, theirs) in cases {
            let name = ours.function.clone();
            assert_eq!(TransactionPayload::EntryFunction(ours), theirs, "{name}");
        }
    }

    #[test]
    fn zero_amounts_are_refused_before_signing() {
        let calls = Calls::new(package());
        for result in [calls.mint(address("0xb0b"), 0), calls.burn(0)] {
            match result {
                Err(Error::Validation(error)) => {
                    assert_eq!(error.field, "amount");
                    assert_eq!(error.problem, Problem::Zero);
                }
                other => panic!("not refused: {other:?}"),
            }
        }
    }

    #[test]
    fn events_decode_from_node_json() {
        let minted = serde_json::json!({
            "type": format!("{}::issuance::Minted", package().to_long_string()),
            "data": {"minter": "0xa4", "to": "0xb0b", "amount": "1500"}
        });
        assert_eq!(
            decode_event(package(), &minted).unwrap(),
            TxEvent::Yenpay(YenpayEvent::Issuance(IssuanceEvent::Minted(Minted {
                minter: address("0xa4"),
                to: address("0xb0b"),
                amount: 1500
            })))
        );
    }
}
