//! What a committed transaction cost, from the framework's
//! `0x1::transaction_fee::FeeStatement` event, which every user transaction
//! emits.
//!
//! `total_charge_gas_units` is the transaction's `gas_used`: execution, io
//! and the storage fee (new state slots and bytes, converted to gas units at
//! the transaction's gas unit price). The storage refund, for slots the
//! transaction deleted, is *not* in it: it is paid back to the fee payer, so
//! the net charge is `total_charge_gas_units * gas_unit_price -
//! storage_fee_refund_octas` octas (`transaction_fee.move`). A PSP that
//! sponsors payments reads its real cost here, and the end-to-end report
//! its gross, storage and net columns.
use serde::Deserialize;
use serde_json::Value;

use crate::client::Submitted;
use crate::events::TxEvent;
use crate::json::number;

/// The event's full type tag.
pub const FEE_STATEMENT_TYPE: &str = "0x1::transaction_fee::FeeStatement";

/// A transaction's charge by kind (`0x1::transaction_fee::FeeStatement`).
///
/// The parts need not add up to the total exactly: the framework converts
/// between internal and external gas units and between octas and gas units
/// with some loss.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct FeeStatement {
    /// What the transaction was charged, in gas units: its `gas_used`.
    #[serde(deserialize_with = "number")]
    pub total_charge_gas_units: u64,
    /// Of that, computation.
    #[serde(deserialize_with = "number")]
    pub execution_gas_units: u64,
    /// Of that, storage reads and writes.
    #[serde(deserialize_with = "number")]
    pub io_gas_units: u64,
    /// Of that, the storage fee for new slots and bytes, in octas.
    #[serde(deserialize_with = "number")]
    pub storage_fee_octas: u64,
    /// Paid back to the fee payer for deleted slots, in octas; not in the total.
    #[serde(deserialize_with = "number")]
    pub storage_fee_refund_octas: u64,
}

/// A `FeeStatement` event whose fields do not decode.
#[derive(Debug, thiserror::Error)]
pub enum FeeStatementError {
    /// The fields are not those of a `FeeStatement`.
    #[error("a FeeStatement event does not decode: {source}")]
    Fields {
        /// What serde found.
        source: serde_json::Error,
    },
    /// The transaction emitted more than one.
    #[error("the transaction emitted more than one FeeStatement")]
    More,
}

impl FeeStatement {
    /// Decodes the `data` of the event as the node gives it (numbers as
    /// decimal strings).
    ///
    /// # Errors
    /// [`FeeStatementError::Fields`].
    pub fn from_json(data: &Value) -> Result<Self, FeeStatementError> {
        Self::deserialize(data).map_err(|source| FeeStatementError::Fields { source })
    }

    /// The statement among a transaction's events; `None` when there is none
    /// (a node too old to emit it).
    ///
    /// # Errors
    /// [`FeeStatementError`] when it does not decode or there are two.
    pub fn from_events<'a>(
        events: impl IntoIterator<Item = &'a TxEvent>,
    ) -> Result<Option<Self>, FeeStatementError> {
        let mut found = None;
        for event in events {
            if let TxEvent::Other { type_tag, data } = event
                && type_tag == FEE_STATEMENT_TYPE
            {
                if found.is_some() {
                    return Err(FeeStatementError::More);
                }
                found = Some(Self::from_json(data)?);
            }
        }
        Ok(found)
    }

    /// The statement of a committed transaction ([`Self::from_events`]).
    ///
    /// # Errors
    /// As [`Self::from_events`].
    pub fn of(submitted: &Submitted) -> Result<Option<Self>, FeeStatementError> {
        Self::from_events(&submitted.events)
    }

    /// The storage fee in gas units at `gas_unit_price` octas (rounded down).
    pub fn storage_fee_gas_units(&self, gas_unit_price: u64) -> u64 {
        octas_to_gas_units(self.storage_fee_octas, gas_unit_price)
    }

    /// The storage refund in gas units at `gas_unit_price` octas (rounded down).
    pub fn storage_refund_gas_units(&self, gas_unit_price: u64) -> u64 {
        octas_to_gas_units(self.storage_fee_refund_octas, gas_unit_price)
    }

    /// What the fee payer is out of pocket, in octas, at `gas_unit_price`:
    /// the charge less the refund (negative when deleting freed more than
    /// the transaction cost).
    pub fn net_octas(&self, gas_unit_price: u64) -> i128 {
        i128::from(self.total_charge_gas_units) * i128::from(gas_unit_price)
            - i128::from(self.storage_fee_refund_octas)
    }

    /// [`Self::net_octas`] in gas units: the charge less the refund in gas
    /// units.
    pub fn net_gas_units(&self, gas_unit_price: u64) -> i64 {
        let refund = self.storage_refund_gas_units(gas_unit_price);
        i64::try_from(self.total_charge_gas_units).unwrap_or(i64::MAX)
            - i64::try_from(refund).unwrap_or(i64::MAX)
    }
}

fn octas_to_gas_units(octas: u64, gas_unit_price: u64) -> u64 {
    octas.checked_div(gas_unit_price).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aptos_sdk::types::AccountAddress;

    fn submitted(name: &str) -> Submitted {
        let path = format!("{}/tests/data/node/{name}", env!("CARGO_MANIFEST_DIR"));
        let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        Submitted::from_transaction_json(AccountAddress::from_hex("0xcafe").unwrap(), &json)
            .unwrap()
    }

    #[test]
    fn the_statement_of_a_hooked_transfer_decodes_from_the_node() {
        let transfer = submitted("transfer_with_hooks.json");
        let fee = FeeStatement::of(&transfer).unwrap().unwrap();
        assert_eq!(
            fee,
            FeeStatement {
                total_charge_gas_units: 136,
                execution_gas_units: 47,
                io_gas_units: 89,
                storage_fee_octas: 0,
                storage_fee_refund_octas: 0,
            }
        );
        assert_eq!(fee.total_charge_gas_units, transfer.gas_used);
        assert_eq!(fee.net_gas_units(100), 136);
        assert_eq!(fee.net_octas(100), 13_600);
    }

    #[test]
    fn every_node_fixture_has_one_statement_matching_its_gas_used() {
        for name in [
            "event_of_every_field_kind.json",
            "mint_entry_function.json",
            "transfer_orderless.json",
            "transfer_sponsored.json",
            "transfer_with_hooks.json",
        ] {
            let tx = submitted(name);
            let fee = FeeStatement::of(&tx).unwrap().unwrap();
            assert_eq!(fee.total_charge_gas_units, tx.gas_used, "{name}");
            // The parts add up to the total, give or take the framework's rounding.
            let parts = fee.execution_gas_units + fee.io_gas_units + fee.storage_fee_gas_units(100);
            assert!(
                parts.abs_diff(fee.total_charge_gas_units) <= 1,
                "{name}: {fee:?}"
            );
        }
    }

    #[test]
    fn a_new_slot_is_a_storage_fee_in_gas_units_at_the_price() {
        // A mint to a new holder: its primary store is new state.
        let fee = FeeStatement::of(&submitted("mint_entry_function.json"))
            .unwrap()
            .unwrap();
        assert_eq!(fee.storage_fee_octas, 532_400);
        assert_eq!(fee.storage_fee_gas_units(100), 5_324);
        assert_eq!(fee.total_charge_gas_units, 5_424);
        assert_eq!(fee.storage_refund_gas_units(100), 0);
        assert_eq!(fee.storage_fee_gas_units(0), 0, "no division by zero");
    }

    #[test]
    fn a_refund_is_netted_out_of_the_charge() {
        // The fixture's statement with a deletion refund larger than the
        // charge, as a cleanup of several slots gives.
        let mut event = submitted("transfer_with_hooks.json")
            .events
            .into_iter()
            .find(
                |e| matches!(e, TxEvent::Other { type_tag, .. } if type_tag == FEE_STATEMENT_TYPE),
            )
            .unwrap();
        if let TxEvent::Other { data, .. } = &mut event {
            data["storage_fee_refund_octas"] = Value::String("880000".into());
        }
        let fee = FeeStatement::from_events([&event]).unwrap().unwrap();
        assert_eq!(fee.storage_refund_gas_units(100), 8_800);
        assert_eq!(fee.net_gas_units(100), 136 - 8_800);
        assert_eq!(fee.net_octas(100), 13_600 - 880_000);
    }

    #[test]
    fn missing_duplicate_and_malformed_statements() {
        let tx = submitted("transfer_with_hooks.json");
        let others: Vec<_> = tx
            .events
            .iter()
            .filter(
                |e| !matches!(e, TxEvent::Other { type_tag, .. } if type_tag == FEE_STATEMENT_TYPE),
            )
            .collect();
        assert_eq!(others.len(), 2);
        assert_eq!(FeeStatement::from_events(others).unwrap(), None);
        let twice = tx.events.iter().chain(tx.events.iter());
        assert!(matches!(
            FeeStatement::from_events(twice),
            Err(FeeStatementError::More)
        ));
        let bad = TxEvent::Other {
            type_tag: FEE_STATEMENT_TYPE.to_owned(),
            data: serde_json::json!({"total_charge_gas_units": "x"}),
        };
        assert!(matches!(
            FeeStatement::from_events([&bad]),
            Err(FeeStatementError::Fields { .. })
        ));
    }
}
