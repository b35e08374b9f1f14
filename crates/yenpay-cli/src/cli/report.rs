//! What the console prints about a transaction: its payload (`--dry-run`),
//! its simulation (`--simulate`) and its committed result, each as text for
//! a person and as JSON for a script. Pure functions of their inputs, so the
//! rendering is tested on fixtures without a node.
use std::fmt::Write as _;

use aptos_sdk::transaction::TransactionPayload;
use aptos_sdk::transaction::simulation::SimulationResult;
use aptos_sdk::types::AccountAddress;
use serde_json::{Value as Json, json};
use yenpay_client::abort::MoveAbort;
use yenpay_client::client::Submitted;
use yenpay_client::events::TxEvent;
use yenpay_client::gas::FeeStatement;

use super::plan::Action;

fn hex(bytes: &[u8]) -> String {
    format!("0x{}", const_hex::encode(bytes))
}

/// A payload as JSON: the function and each argument's BCS bytes.
pub fn payload_json(payload: &TransactionPayload) -> Json {
    match payload {
        TransactionPayload::EntryFunction(call) => json!({
            "function": format!(
                "{}::{}::{}",
                call.module.address.to_hex(),
                call.module.name.as_str(),
                call.function
            ),
            "type_arguments": call.type_args.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "arguments": call.args.iter().map(|arg| hex(arg)).collect::<Vec<_>>(),
        }),
        TransactionPayload::Multisig(multisig) => json!({
            "multisig": multisig.multisig_address.to_hex(),
            "function": "execute the next approved proposal",
        }),
        other => json!({ "payload": format!("{other:?}") }),
    }
}

/// `--dry-run`: the transaction that would be signed.
pub fn dry_run(action: &Action, network: &str, package: AccountAddress) -> (Json, String) {
    let payload = payload_json(&action.payload);
    let mut text = format!(
        "Would {} on {network} (package {}), signed by the {}:\n  {}\n",
        action.what,
        package.to_hex(),
        action.role.name(),
        payload["function"].as_str().unwrap_or("?"),
    );
    for (i, arg) in payload["arguments"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let _ = writeln!(text, "  arg {i}: {}", arg.as_str().unwrap_or("?"));
    }
    text.push_str("Nothing was signed or sent.");
    let json = json!({
        "dry_run": true,
        "network": network,
        "package": package.to_hex(),
        "what": action.what,
        "role": action.role.name(),
        "payload": payload,
    });
    (json, text)
}

/// What a simulation says would happen.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    /// Whether it would succeed.
    pub success: bool,
    /// Gas units it would use.
    pub gas_used: u64,
    /// At this gas unit price, in octas.
    pub gas_unit_price: u64,
    /// The VM's status text.
    pub vm_status: String,
    /// The abort, when it would abort in Move.
    pub abort: Option<MoveAbort>,
    /// The events it would emit: type and fields.
    pub events: Vec<(String, Json)>,
    /// The charge by kind, when the node reports it.
    pub fee: Option<FeeStatement>,
}

impl Simulation {
    /// Reads aptos-sdk's simulation result for the package at `package`.
    pub fn from_result(package: AccountAddress, result: &SimulationResult) -> Self {
        let events: Vec<(String, Json)> = result
            .events()
            .iter()
            .map(|event| (event.event_type.clone(), event.data.clone()))
            .collect();
        let fee = events
            .iter()
            .find(|(kind, _)| kind == yenpay_client::gas::FEE_STATEMENT_TYPE)
            .and_then(|(_, data)| FeeStatement::from_json(data).ok());
        Self {
            success: result.success(),
            gas_used: result.gas_used(),
            gas_unit_price: result.gas_unit_price(),
            vm_status: result.vm_status().to_owned(),
            abort: MoveAbort::from_vm_status(package, result.vm_status()),
            events,
            fee,
        }
    }

    /// The abort's constant name, or the VM status when it is not a Move abort.
    pub fn failure(&self) -> Option<String> {
        if self.success {
            return None;
        }
        Some(match &self.abort {
            Some(abort) => abort.to_string(),
            None => self.vm_status.clone(),
        })
    }

    /// As JSON.
    pub fn to_json(&self) -> Json {
        json!({
            "simulated": true,
            "success": self.success,
            "gas_used": self.gas_used,
            "gas_unit_price": self.gas_unit_price,
            "gas_cost_octas": self.gas_used.saturating_mul(self.gas_unit_price),
            "vm_status": self.vm_status,
            "abort": self.abort.as_ref().map(|abort| json!({
                "module": format!("{}::{}", abort.module_address.to_hex(), abort.module_name),
                "name": abort.name,
                "code": abort.code,
                "description": abort.description,
                "hint": super::exit::hint(abort),
            })),
            "events": self.events.iter().map(|(kind, data)| json!({"type": kind, "data": data})).collect::<Vec<_>>(),
            "fee_statement": self.fee.map(|fee| json!({
                "total_charge_gas_units": fee.total_charge_gas_units,
                "execution_gas_units": fee.execution_gas_units,
                "io_gas_units": fee.io_gas_units,
                "storage_fee_octas": fee.storage_fee_octas,
                "storage_fee_refund_octas": fee.storage_fee_refund_octas,
            })),
        })
    }

    /// As text.
    pub fn to_text(&self) -> String {
        let mut text = match self.failure() {
            None => format!(
                "Simulation: would succeed, {} gas units at {} octas ({} octas)\n",
                self.gas_used,
                self.gas_unit_price,
                self.gas_used.saturating_mul(self.gas_unit_price)
            ),
            Some(why) => format!(
                "Simulation: would ABORT after {} gas units: {why}\n",
                self.gas_used
            ),
        };
        if let Some(hint) = self.abort.as_ref().and_then(super::exit::hint) {
            let _ = writeln!(text, "  hint: {hint}");
        }
        if let Some(fee) = &self.fee {
            let _ = writeln!(
                text,
                "  gas: execution {}, io {}, storage fee {} octas, storage refund {} octas",
                fee.execution_gas_units,
                fee.io_gas_units,
                fee.storage_fee_octas,
                fee.storage_fee_refund_octas
            );
        }
        for (kind, data) in &self.events {
            if kind == yenpay_client::gas::FEE_STATEMENT_TYPE {
                continue;
            }
            let _ = writeln!(text, "  event {kind} {data}");
        }
        text.push_str("Nothing was submitted.");
        text
    }
}

/// A committed transaction.
pub fn submitted(action: &Action, tx: &Submitted) -> (Json, String) {
    let events: Vec<Json> = tx
        .events
        .iter()
        .map(|event| match event {
            TxEvent::Yenpay(event) => json!({"yenpay": format!("{event:?}")}),
            TxEvent::Other { type_tag, data } => json!({"type": type_tag, "data": data}),
            TxEvent::Undecodable { type_tag, data, .. } => json!({"type": type_tag, "data": data}),
        })
        .collect();
    let mut text = format!(
        "Done: {} (tx {}, version {}, {} gas units)\n",
        action.what, tx.hash, tx.version, tx.gas_used
    );
    for event in tx.yenpay_events() {
        let _ = writeln!(text, "  event {event:?}");
    }
    let json = json!({
        "what": action.what,
        "hash": tx.hash.to_string(),
        "version": tx.version,
        "gas_used": tx.gas_used,
        "events": events,
    });
    (json, text.trim_end().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> SimulationResult {
        let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
        let json: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        SimulationResult::from_json(json).unwrap()
    }

    fn package() -> AccountAddress {
        AccountAddress::from_hex("0xcafe").unwrap()
    }

    #[test]
    fn an_aborting_simulation_names_the_abort() {
        let simulation =
            Simulation::from_result(package(), &fixture("simulate_pause_aborted.json"));
        assert!(!simulation.success);
        let abort = simulation.abort.as_ref().unwrap();
        assert_eq!(abort.name.as_deref(), Some("ENOT_PAUSER"));
        assert_eq!(simulation.gas_used, 7);
        let text = simulation.to_text();
        assert!(text.contains("would ABORT after 7 gas units"), "{text}");
        assert!(text.contains("controls::ENOT_PAUSER"), "{text}");
        assert!(text.ends_with("Nothing was submitted."), "{text}");
        let json = simulation.to_json();
        assert_eq!(json["success"], false);
        assert_eq!(json["abort"]["name"], "ENOT_PAUSER");
        assert_eq!(json["abort"]["code"], 0x50006);
    }

    #[test]
    fn a_successful_simulation_shows_gas_and_events() {
        let simulation = Simulation::from_result(package(), &fixture("simulate_pause_ok.json"));
        assert!(simulation.success);
        assert_eq!(simulation.failure(), None);
        assert_eq!(simulation.fee.unwrap().execution_gas_units, 4);
        let text = simulation.to_text();
        assert!(
            text.starts_with("Simulation: would succeed, 9 gas units at 100 octas (900 octas)"),
            "{text}"
        );
        assert!(text.contains("event 0xcafe::controls::Paused"), "{text}");
        assert!(
            !text.contains("FeeStatement {"),
            "the fee statement is its own line: {text}"
        );
        let json = simulation.to_json();
        assert_eq!(json["gas_cost_octas"], 900);
        assert_eq!(json["events"][0]["type"], "0xcafe::controls::Paused");
        assert_eq!(json["fee_statement"]["io_gas_units"], 5);
    }
}
