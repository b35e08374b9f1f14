//! `yenpay_client::controls`: the controls of the YJPY yen stablecoin. The
//! roles that govern it (the two-step admin, the pauser, the denylister), pause,
//! the denylist, the per-transfer cap and the stores the admin approved: what the
//! stablecoin's hooks check on every movement of the coin. Typed calls of every
//! entry and view function, and its events.
//!
//! [`Calls`] builds the entry-function payloads (no node needed);
//! [`Controls`] submits them and calls the views. An entry function's first
//! parameter, the Move `&signer`, is the [`TxSigner`](crate::client::TxSigner)
//! that submits it.

mod calls;
pub(crate) mod interface;
use crate::client::YenPay;
pub use calls::*;
pub use interface::*;

impl YenPay {
    /// Calls of `yenpay::controls`.
    pub fn controls(&self) -> Controls<'_> {
        Controls::new(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{TxEvent, YenpayEvent, decode_event};
    use aptos_sdk::transaction::{EntryFunction, InputEntryFunctionData, TransactionPayload};
    use aptos_sdk::types::AccountAddress;

    fn package() -> AccountAddress {
        AccountAddress::from_hex("0xcafe").unwrap()
    }

    fn address(hex: &str) -> AccountAddress {
        AccountAddress::from_hex(hex).unwrap()
    }

    /// BCS written out by hand from the spec: ULEB128 lengths, little-endian
    /// integers, 32-byte addresses.
    #[test]
    fn denylist_payload_matches_hand_written_bcs() {
        let call = Calls::new(package()).denylist(address("0xb0b")).unwrap();
        let payload = aptos_bcs::to_bytes(&TransactionPayload::EntryFunction(call)).unwrap();

        let mut expected = vec![2u8]; // TransactionPayload::EntryFunction
        expected.extend([0u8; 30]);
        expected.extend([0xca, 0xfe]); // module address 0xcafe
        expected.push(8);
        expected.extend(b"controls");
        expected.push(8);
        expected.extend(b"denylist");
        expected.push(0); // no type arguments
        expected.push(1); // one argument
        expected.push(32); // `account`: 32 bytes
        expected.extend([0u8; 30]);
        expected.extend([0x0b, 0x0b]);
        assert_eq!(payload, expected);
    }

    /// Every entry function against aptos-sdk's own argument encoding.
    #[test]
    fn every_entry_payload_matches_the_sdk_encoding() {
        let calls = Calls::new(package());
        let a = address("0xa11ce");
        let id = |name: &str| format!("{}::controls::{name}", package().to_hex());
        let sdk = |name: &str| InputEntryFunctionData::new(&id(name));
        let cases: Vec<(EntryFunction, TransactionPayload)> = vec![
            (
                calls.propose_admin(a).unwrap(),
                sdk("propose_admin").arg(a).build().unwrap(),
            ),
            (
                calls.cancel_admin_proposal().unwrap(),
                sdk("cancel_admin_proposal").build().unwrap(),
            ),
            (
                calls.accept_admin().unwrap(),
                sdk("accept_admin").build().unwrap(),
            ),
            (
                calls.set_pauser(a).unwrap(),
                sdk("set_pauser").arg(a).build().unwrap(),
            ),
            (
                calls.set_denylister(a).unwrap(),
                sdk("set_denylister").arg(a).build().unwrap(),
            ),
            (
                calls.set_transfer_cap(0).unwrap(),
                sdk("set_transfer_cap").arg(0u64).build().unwrap(),
            ),
            (
                calls.approve_store(a).unwrap(),
                sdk("approve_store").arg(a).build().unwrap(),
            ),
            (
                calls.revoke_store(a).unwrap(),
                sdk("revoke_store").arg(a).build().unwrap(),
            ),
            (calls.pause().unwrap(), sdk("pause").build().unwrap()),
            (calls.unpause().unwrap(), sdk("unpause").build().unwrap()),
            (
                calls.denylist(a).unwrap(),
                sdk("denylist").arg(a).build().unwrap(),
            ),
            (
                calls.undenylist(a).unwrap(),
                sdk("undenylist").arg(a).build().unwrap(),
            ),
        ];
        for (ours, theirs) in cases {
            let name = ours.function.clone();
            assert_eq!(TransactionPayload::EntryFunction(ours), theirs, "{name}");
        }
    }

    #[test]
    fn events_decode_from_node_json() {
        let cap = serde_json::json!({
            "type": format!("{}::controls::TransferCapChanged", package().to_long_string()),
            "data": {"old_cap": "1000000", "new_cap": "0"}
        });
        assert_eq!(
            decode_event(package(), &cap).unwrap(),
            TxEvent::Yenpay(YenpayEvent::Controls(ControlsEvent::TransferCapChanged(
                TransferCapChanged {
                    old_cap: 1_000_000,
                    new_cap: 0
                }
            )))
        );
    }
}
