//! The framework's on-chain multisig (`0x1::multisig_account`), for roles
//! held by a k-of-n account: any call of the package becomes a proposal that
//! the owners approve or reject, and one of them executes once enough have
//! approved.
//!
//! A proposal carries the full payload (`create_transaction`), so owners can
//! see what they vote on ([`decode_proposal`]); executing it sends a
//! `TransactionPayload::Multisig` without a payload, and the chain runs the
//! stored one as the multisig account. A payload too large to store (a
//! package upgrade is most of a transaction's 64 KiB) is proposed by its
//! hash only ([`create_transaction_with_hash`]): the owners check the hash
//! against the call they expect ([`payload_hash`]), and the execution
//! carries the payload, which the chain runs only if it has that hash
//! ([`execute_with_payload`]).
use aptos_sdk::transaction::payload::{Multisig, MultisigTransactionPayload};
use aptos_sdk::transaction::{EntryFunction, TransactionPayload};
use aptos_sdk::types::{AccountAddress, Identifier, MoveModuleId};
use serde::Deserialize;
use serde_json::Value;

use crate::client::{Error, YenPay, bcs_arg};
use crate::json;

/// The framework module.
pub const MODULE: &str = "multisig_account";

fn call(function: &str, args: Vec<Vec<u8>>) -> Result<EntryFunction, Error> {
    Ok(EntryFunction::new(
        MoveModuleId::new(AccountAddress::ONE, Identifier::new(MODULE)?),
        function,
        Vec::new(),
        args,
    ))
}

/// The bytes `create_transaction` stores: the BCS of
/// `MultisigTransactionPayload::EntryFunction(inner)`.
///
/// # Errors
/// [`Error::Encoding`].
pub fn proposal_bytes(inner: &EntryFunction) -> Result<Vec<u8>, Error> {
    bcs_arg(
        "payload",
        &MultisigTransactionPayload::EntryFunction(inner.clone()),
    )
}

/// The call a stored proposal would make.
///
/// # Errors
/// [`Error::Encoding`] when the bytes are not a proposal's.
pub fn decode_proposal(bytes: &[u8]) -> Result<EntryFunction, Error> {
    match aptos_bcs::from_bytes::<MultisigTransactionPayload>(bytes) {
        Ok(MultisigTransactionPayload::EntryFunction(inner)) => Ok(inner),
        Err(error) => Err(Error::Encoding {
            what: "a multisig proposal",
            detail: error.to_string(),
        }),
    }
}

/// `create_transaction(owner, multisig_account, payload)`: proposes `inner`
/// to be run as `multisig`.
///
/// # Errors
/// [`Error::Encoding`].
pub fn create_transaction(
    multisig: AccountAddress,
    inner: &EntryFunction,
) -> Result<EntryFunction, Error> {
    call(
        "create_transaction",
        vec![
            bcs_arg("multisig_account", &multisig)?,
            bcs_arg("payload", &proposal_bytes(inner)?)?,
        ],
    )
}

/// The sha3-256 of [`proposal_bytes`]: what `create_transaction_with_hash`
/// stores and what the chain compares the executed payload with.
///
/// # Errors
/// [`Error::Encoding`].
pub fn payload_hash(inner: &EntryFunction) -> Result<[u8; 32], Error> {
    Ok(aptos_sdk::crypto::sha3_256(&proposal_bytes(inner)?))
}

/// `create_transaction_with_hash(owner, multisig_account, payload_hash)`:
/// proposes `inner` by its hash only; executing it needs the payload
/// ([`execute_with_payload`]).
///
/// # Errors
/// [`Error::Encoding`].
pub fn create_transaction_with_hash(
    multisig: AccountAddress,
    inner: &EntryFunction,
) -> Result<EntryFunction, Error> {
    call(
        "create_transaction_with_hash",
        vec![
            bcs_arg("multisig_account", &multisig)?,
            bcs_arg("payload_hash", &payload_hash(inner)?.to_vec())?,
        ],
    )
}

/// `approve_transaction(owner, multisig_account, sequence_number)`.
///
/// # Errors
/// [`Error::Encoding`].
pub fn approve_transaction(
    multisig: AccountAddress,
    sequence_number: u64,
) -> Result<EntryFunction, Error> {
    call(
        "approve_transaction",
        vec![
            bcs_arg("multisig_account", &multisig)?,
            bcs_arg("sequence_number", &sequence_number)?,
        ],
    )
}

/// `reject_transaction(owner, multisig_account, sequence_number)`.
///
/// # Errors
/// [`Error::Encoding`].
pub fn reject_transaction(
    multisig: AccountAddress,
    sequence_number: u64,
) -> Result<EntryFunction, Error> {
    call(
        "reject_transaction",
        vec![
            bcs_arg("multisig_account", &multisig)?,
            bcs_arg("sequence_number", &sequence_number)?,
        ],
    )
}

/// `execute_rejected_transaction(owner, multisig_account)`: removes the next
/// proposal once enough owners rejected it.
///
/// # Errors
/// [`Error::Encoding`].
pub fn execute_rejected_transaction(multisig: AccountAddress) -> Result<EntryFunction, Error> {
    call(
        "execute_rejected_transaction",
        vec![bcs_arg("multisig_account", &multisig)?],
    )
}

/// Runs the next approved proposal of `multisig` (its stored payload), sent
/// by one of the owners.
pub fn execute(multisig: AccountAddress) -> TransactionPayload {
    TransactionPayload::Multisig(Multisig {
        multisig_address: multisig,
        transaction_payload: None,
    })
}

/// Runs the next approved proposal of `multisig` with `inner` as its
/// payload: required when only the proposal's hash is stored, and refused
/// by the chain unless `inner` has that hash.
pub fn execute_with_payload(multisig: AccountAddress, inner: EntryFunction) -> TransactionPayload {
    TransactionPayload::Multisig(Multisig {
        multisig_address: multisig,
        transaction_payload: Some(MultisigTransactionPayload::EntryFunction(inner)),
    })
}

/// A proposal as `multisig_account::get_transaction` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// Its sequence number in the multisig account.
    pub sequence_number: u64,
    /// The call, when the full payload was stored (not only its hash).
    pub call: Option<EntryFunction>,
    /// Who proposed it.
    pub creator: AccountAddress,
    /// When, Unix seconds.
    pub created_at: u64,
    /// The owners who approved.
    pub approvals: Vec<AccountAddress>,
    /// The owners who rejected.
    pub rejections: Vec<AccountAddress>,
}

#[derive(Deserialize)]
struct RawOption<T> {
    vec: Vec<T>,
}

#[derive(Deserialize)]
struct RawVote {
    key: AccountAddress,
    value: bool,
}

#[derive(Deserialize)]
struct RawVotes {
    data: Vec<RawVote>,
}

#[derive(Deserialize)]
struct RawTransaction {
    payload: RawOption<String>,
    creator: AccountAddress,
    #[serde(deserialize_with = "json::number")]
    creation_time_secs: u64,
    votes: RawVotes,
}

impl Proposal {
    /// Decodes the JSON of one `MultisigTransaction` (as the node's view
    /// returns it) numbered `sequence_number`.
    ///
    /// # Errors
    /// [`Error::Response`] for JSON of another shape, [`Error::Encoding`] for
    /// a payload that is not a proposal.
    pub fn from_json(sequence_number: u64, value: &Value) -> Result<Self, Error> {
        let raw = RawTransaction::deserialize(value).map_err(|error| Error::Response {
            context: "a multisig_account::MultisigTransaction".to_owned(),
            detail: error.to_string(),
        })?;
        let call = match raw.payload.vec.first() {
            Some(text) => {
                let bytes = const_hex::decode(text).map_err(|error| Error::Response {
                    context: "a multisig proposal's payload".to_owned(),
                    detail: error.to_string(),
                })?;
                Some(decode_proposal(&bytes)?)
            }
            None => None,
        };
        let (approvals, rejections): (Vec<_>, Vec<_>) =
            raw.votes.data.into_iter().partition(|vote| vote.value);
        Ok(Self {
            sequence_number,
            call,
            creator: raw.creator,
            created_at: raw.creation_time_secs,
            approvals: approvals.into_iter().map(|vote| vote.key).collect(),
            rejections: rejections.into_iter().map(|vote| vote.key).collect(),
        })
    }
}

/// The state of a multisig account and its open proposals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultisigState {
    /// The owners.
    pub owners: Vec<AccountAddress>,
    /// Approvals a proposal needs.
    pub signatures_required: u64,
    /// The proposals not yet executed or removed, oldest first.
    pub pending: Vec<Proposal>,
}

/// Reads of `0x1::multisig_account` through a client's node.
#[derive(Debug, Clone, Copy)]
pub struct MultisigAccount<'a> {
    client: &'a YenPay,
    address: AccountAddress,
}

impl<'a> MultisigAccount<'a> {
    /// The multisig account at `address`.
    pub fn new(client: &'a YenPay, address: AccountAddress) -> Self {
        Self { client, address }
    }

    async fn view(&self, function: &str, extra: Vec<Vec<u8>>) -> Result<Vec<Value>, Error> {
        let mut args = vec![bcs_arg("multisig_account", &self.address)?];
        args.extend(extra);
        Ok(self
            .client
            .aptos()
            .fullnode()
            .view_bcs_args(&format!("0x1::{MODULE}::{function}"), Vec::new(), args)
            .await?
            .into_inner())
    }

    fn first<T: serde::de::DeserializeOwned>(
        function: &str,
        values: Vec<Value>,
    ) -> Result<T, Error> {
        let value = values.into_iter().next().unwrap_or(Value::Null);
        serde_json::from_value(value).map_err(|error| Error::Response {
            context: format!("view 0x1::{MODULE}::{function}"),
            detail: error.to_string(),
        })
    }

    /// Owners, threshold and open proposals.
    ///
    /// # Errors
    /// [`Error::Aptos`] when a view fails (not a multisig account, no node),
    /// [`Error::Response`] for a result of another shape.
    pub async fn state(&self) -> Result<MultisigState, Error> {
        let owners: Vec<AccountAddress> =
            Self::first("owners", self.view("owners", vec![]).await?)?;
        let required: Number = Self::first(
            "num_signatures_required",
            self.view("num_signatures_required", vec![]).await?,
        )?;
        let last: Number = Self::first(
            "last_resolved_sequence_number",
            self.view("last_resolved_sequence_number", vec![]).await?,
        )?;
        let pending: Vec<Value> = Self::first(
            "get_pending_transactions",
            self.view("get_pending_transactions", vec![]).await?,
        )?;
        let pending = pending
            .iter()
            .zip(last.0 + 1..)
            .map(|(value, number)| Proposal::from_json(number, value))
            .collect::<Result<_, _>>()?;
        Ok(MultisigState {
            owners,
            signatures_required: required.0,
            pending,
        })
    }

    /// The proposal numbered `sequence_number`.
    ///
    /// # Errors
    /// As [`Self::state`].
    pub async fn proposal(&self, sequence_number: u64) -> Result<Proposal, Error> {
        let value: Value = Self::first(
            "get_transaction",
            self.view(
                "get_transaction",
                vec![bcs_arg("sequence_number", &sequence_number)?],
            )
            .await?,
        )?;
        Proposal::from_json(sequence_number, &value)
    }

    /// Whether the proposal can be executed now (enough approvals, next in line).
    ///
    /// # Errors
    /// As [`Self::state`].
    pub async fn can_be_executed(&self, sequence_number: u64) -> Result<bool, Error> {
        Self::first(
            "can_be_executed",
            self.view(
                "can_be_executed",
                vec![bcs_arg("sequence_number", &sequence_number)?],
            )
            .await?,
        )
    }
}

/// A u64 as the node's JSON gives it (a decimal string).
#[derive(Deserialize)]
struct Number(#[serde(deserialize_with = "json::number")] u64);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls::Calls;

    fn address(hex: &str) -> AccountAddress {
        AccountAddress::from_hex(hex).unwrap()
    }

    #[test]
    fn a_proposal_carries_the_package_call_and_decodes_back() {
        let pause = Calls::new(address("0xcafe")).pause().unwrap();
        let proposal = create_transaction(address("0x5a5a"), &pause).unwrap();
        assert_eq!(proposal.module.address, AccountAddress::ONE);
        assert_eq!(proposal.module.name.as_str(), MODULE);
        assert_eq!(proposal.function, "create_transaction");
        assert_eq!(
            proposal.args[0],
            aptos_bcs::to_bytes(&address("0x5a5a")).unwrap()
        );
        // The second argument is a vector<u8>: its BCS is the length, then the bytes.
        let stored: Vec<u8> = aptos_bcs::from_bytes(&proposal.args[1]).unwrap();
        assert_eq!(stored[0], 0, "variant 0: EntryFunction");
        assert_eq!(decode_proposal(&stored).unwrap(), pause);
        assert!(decode_proposal(&[7, 1, 2]).is_err());
    }

    #[test]
    fn a_hash_only_proposal_stores_the_sha3_of_the_payload_its_execution_carries() {
        let pause = Calls::new(address("0xcafe")).pause().unwrap();
        let proposal = create_transaction_with_hash(address("0x5a5a"), &pause).unwrap();
        assert_eq!(proposal.function, "create_transaction_with_hash");
        let stored: Vec<u8> = aptos_bcs::from_bytes(&proposal.args[1]).unwrap();
        let expected = aptos_sdk::crypto::sha3_256(&proposal_bytes(&pause).unwrap());
        assert_eq!(stored, expected.to_vec());
        assert_eq!(stored.len(), 32, "the framework wants exactly 32 bytes");
        let unpause = Calls::new(address("0xcafe")).unpause().unwrap();
        assert_ne!(payload_hash(&unpause).unwrap(), expected);
        // What the chain hashes at execution is the BCS of the carried payload.
        let TransactionPayload::Multisig(executed) = execute_with_payload(address("0x5a5a"), pause)
        else {
            panic!("a multisig payload")
        };
        let carried = executed.transaction_payload.unwrap();
        assert_eq!(
            aptos_sdk::crypto::sha3_256(&aptos_bcs::to_bytes(&carried).unwrap()),
            expected
        );
    }

    #[test]
    fn votes_and_execution() {
        let approve = approve_transaction(address("0x5a5a"), 3).unwrap();
        assert_eq!(approve.function, "approve_transaction");
        assert_eq!(approve.args[1], 3u64.to_le_bytes());
        assert_eq!(
            reject_transaction(address("0x5a5a"), 3).unwrap().function,
            "reject_transaction"
        );
        assert_eq!(
            execute_rejected_transaction(address("0x5a5a"))
                .unwrap()
                .function,
            "execute_rejected_transaction"
        );
        let TransactionPayload::Multisig(multisig) = execute(address("0x5a5a")) else {
            panic!("not a multisig payload");
        };
        assert_eq!(multisig.multisig_address, address("0x5a5a"));
        assert!(
            multisig.transaction_payload.is_none(),
            "the stored payload runs"
        );
    }

    #[test]
    fn a_pending_transaction_as_the_node_returns_it_decodes() {
        let pause = Calls::new(address("0xcafe")).pause().unwrap();
        let json = serde_json::json!({
            "creation_time_secs": "1767225600",
            "creator": "0xa",
            "payload": {"vec": [format!("0x{}", const_hex::encode(proposal_bytes(&pause).unwrap()))]},
            "payload_hash": {"vec": []},
            "votes": {"data": [
                {"key": "0xa", "value": true},
                {"key": "0xb", "value": false},
                {"key": "0xc", "value": true}
            ]}
        });
        let proposal = Proposal::from_json(4, &json).unwrap();
        assert_eq!(proposal.sequence_number, 4);
        assert_eq!(proposal.call, Some(pause));
        assert_eq!(proposal.created_at, 1_767_225_600);
        assert_eq!(proposal.approvals, [address("0xa"), address("0xc")]);
        assert_eq!(proposal.rejections, [address("0xb")]);
        assert!(Proposal::from_json(4, &serde_json::json!({"creator": 1})).is_err());
    }
}
