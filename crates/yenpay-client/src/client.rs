//! The client: an [`Aptos`] connection plus the package address, and the
//! submission core every typed call goes through.
//!
//! A submitted call is built, signed (by the caller's account, or by a
//! customer with an operator as fee payer: [`Sponsored`]), submitted, waited
//! for, and returned as [`Submitted`]: hash, version, gas used and the events
//! decoded into Rust enums. A failed transaction becomes
//! [`Error::Aborted`] with the typed [`MoveAbort`].
//!
//! # Why hand-written wrappers
//!
//! aptos-sdk can generate bindings (`aptos_sdk::codegen`, the `aptos-codegen`
//! binary and the `aptos_contract!` macros), but only from a module's ABI
//! JSON, which comes from a node or from compiling the package with the Aptos
//! CLI: neither is available when this crate builds (CI has no node, and the
//! Move compiler is not a Rust build dependency). The generated functions
//! would also take raw Move types (`String`, `u64`) instead of the validated
//! [`yenpay_types::limits`] types, and know nothing of our events and aborts. So the
//! wrappers are written by hand, and the `contract_drift` tests parse
//! `move/sources` and fail if any `public entry fun` or `#[view]` lacks a
//! wrapper of the same name and parameter count (or a wrapper names a
//! function the contract no longer has).
//!
//! # Submitting at volume
//!
//! aptos-sdk 0.8 supports orderless transactions (replay protection by a
//! random nonce instead of the sequence number:
//! `TransactionPayload::into_orderless`), and this client can send them
//! ([`ReplayProtection::Orderless`]). On a real node such a transaction stores
//! its nonce and cost 5,213 gas units for a transfer that costs 136 with a
//! sequence number (about 38 times), so the client does **not** use them by
//! default and we advise against them for payments at volume.
//!
//! Instead the client manages sequence numbers locally
//! ([`ReplayProtection::SequenceNumber`], the default): it reads an account's
//! sequence number from the node once, then hands out the next number to each
//! transaction that account submits, so concurrent submissions from one
//! account never pick the same number and do not wait for each other to
//! commit. If a submission is refused by the node (or a transaction is not
//! committed in time), the account's local counter is dropped and read again
//! from the node for its next transaction; a refusal because the number was
//! already used (`SEQUENCE_NUMBER_TOO_OLD`: another process signs for the
//! same account) is signed again with a fresh number, up to three times.
//! Processes that share an account share their counter instead
//! ([`YenPay::with_sequence_numbers`], [`crate::sequence`]). For more throughput than one
//! account's mempool allows, spread submissions over several accounts with a
//! [`SenderPool`]. Fee payers ([`Sponsored`]) spend no sequence number, so one
//! operator account can sponsor any number of customers at once.
use crate::abort::{KnownAbort, MoveAbort};
use crate::events::{TxEvent, YenpayEvent};
use crate::module::Module;
use crate::sequence::{LocalSequenceNumbers, SequenceError, SequenceNumbers};
use aptos_sdk::account::Account;
use aptos_sdk::transaction::builder::sign_transaction;
use aptos_sdk::transaction::sponsored::sign_sponsored_transaction;
use aptos_sdk::transaction::{
    EntryFunction, FeePayerRawTransaction, RawTransaction, SignedTransaction, TransactionPayload,
};
use aptos_sdk::types::{AccountAddress, HashValue, Identifier, MoveModuleId};
use aptos_sdk::{Aptos, AptosError, AptosResult};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use yenpay_types::limits::ValidationError;

/// What can go wrong calling the package.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An argument the contract would refuse; nothing was signed.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The transaction was committed but aborted in Move.
    #[error("transaction {hash} (version {version}, {gas_used} gas) aborted: {abort}")]
    Aborted {
        /// Transaction hash.
        hash: HashValue,
        /// Ledger version it was committed at.
        version: u64,
        /// Gas units charged.
        gas_used: u64,
        /// The decoded abort (boxed: it is large and errors travel far).
        abort: Box<MoveAbort>,
    },
    /// The transaction was committed but failed otherwise (out of gas, ...).
    #[error("transaction {hash} (version {version}, {gas_used} gas) failed: {vm_status}")]
    Failed {
        /// Transaction hash.
        hash: HashValue,
        /// Ledger version it was committed at.
        version: u64,
        /// Gas units charged.
        gas_used: u64,
        /// The node's VM status text.
        vm_status: String,
    },
    /// The transaction was not committed before its expiration (plus a margin).
    #[error("transaction {hash} was not committed within {waited:?}")]
    Timeout {
        /// Transaction hash.
        hash: HashValue,
        /// How long the client waited.
        waited: Duration,
    },
    /// An error from aptos-sdk: HTTP, the node refusing a submission, signing.
    /// Never raised after a transaction may have reached the node: that is
    /// [`Error::Unknown`].
    #[error(transparent)]
    Aptos(#[from] AptosError),
    /// The transaction was signed and may have reached the node, but its
    /// outcome is not known (the submission or a lookup failed on the
    /// network, or the node answered oddly): look `hash` up until the chain's
    /// time passes `expires_at`, after which it can no longer commit.
    #[error("transaction {hash} (expires at {expires_at}) has an unknown outcome: {detail}")]
    Unknown {
        /// Transaction hash.
        hash: HashValue,
        /// Its expiration, Unix seconds.
        expires_at: u64,
        /// What failed.
        detail: String,
    },
    /// A node response that is not what the API documents.
    #[error("unexpected response for {context}: {detail}")]
    Response {
        /// What was asked.
        context: String,
        /// What was wrong.
        detail: String,
    },
    /// A signed authorization that the contract would refuse.
    #[error(transparent)]
    Authorization(#[from] yenpay_types::authorization::AuthorizationError),
    /// The shared sequence-number store failed; nothing was submitted.
    #[error(transparent)]
    SequenceNumbers(#[from] SequenceError),
    /// An argument could not be BCS-encoded.
    #[error("cannot encode {what}: {detail}")]
    Encoding {
        /// Which argument.
        what: &'static str,
        /// The encoder's message.
        detail: String,
    },
}

impl Error {
    /// The Move abort, if the transaction aborted.
    pub fn abort(&self) -> Option<&MoveAbort> {
        match self {
            Error::Aborted { abort, .. } => Some(abort.as_ref()),
            _ => None,
        }
    }

    /// The typed constant of the package the transaction aborted with, if any.
    pub fn known_abort(&self) -> Option<KnownAbort> {
        self.abort().and_then(|abort| abort.known)
    }
}

/// A committed, successful transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    /// Transaction hash.
    pub hash: HashValue,
    /// Ledger version it was committed at.
    pub version: u64,
    /// Gas units charged.
    pub gas_used: u64,
    /// Every event it emitted, ours decoded.
    pub events: Vec<TxEvent>,
}

impl Submitted {
    /// The events of the yenpay package, in emission order.
    pub fn yenpay_events(&self) -> impl Iterator<Item = &YenpayEvent> {
        self.events.iter().filter_map(TxEvent::yenpay)
    }

    /// Reads a committed transaction as the node's REST API returns it
    /// (`GET /transactions/by_hash/{hash}`) for the package at `package`:
    /// success with its decoded events, or the failure as a typed error.
    ///
    /// # Errors
    /// [`Error::Aborted`] / [`Error::Failed`] for a failed transaction,
    /// [`Error::Response`] for JSON that is not a committed transaction. An
    /// event of the package that does not decode is kept as
    /// [`TxEvent::Undecodable`]: the transaction did happen.
    pub fn from_transaction_json(
        package: AccountAddress,
        transaction: &Value,
    ) -> Result<Self, Error> {
        let response = |detail: String| Error::Response {
            context: "a committed transaction".to_owned(),
            detail,
        };
        let text = |field: &str| {
            transaction
                .get(field)
                .and_then(Value::as_str)
                .ok_or_else(|| response(format!("no `{field}` string")))
        };
        let number = |field: &str| -> Result<u64, Error> {
            text(field)?
                .parse()
                .map_err(|_| response(format!("`{field}` is not a u64")))
        };
        let hash = HashValue::from_hex(text("hash")?).map_err(|e| response(e.to_string()))?;
        let version = number("version")?;
        let gas_used = number("gas_used")?;
        let success = transaction
            .get("success")
            .and_then(Value::as_bool)
            .ok_or_else(|| response("no `success` flag".to_owned()))?;
        if !success {
            let vm_status = text("vm_status")?.to_owned();
            return Err(match MoveAbort::from_vm_status(package, &vm_status) {
                Some(abort) => Error::Aborted {
                    hash,
                    version,
                    gas_used,
                    abort: Box::new(abort),
                },
                None => Error::Failed {
                    hash,
                    version,
                    gas_used,
                    vm_status,
                },
            });
        }
        let events = transaction
            .get("events")
            .and_then(Value::as_array)
            .ok_or_else(|| response("no `events` array".to_owned()))?
            .iter()
            .map(|event| TxEvent::from_node(package, event))
            .collect();
        Ok(Self {
            hash,
            version,
            gas_used,
            events,
        })
    }
}

/// Someone who can sign a transaction: an account paying its own gas (every
/// aptos-sdk [`Account`]), or a [`Sponsored`] pair.
pub trait TxSigner: Send + Sync {
    /// The transaction's sender (its signer in Move).
    fn sender(&self) -> AccountAddress;

    /// Signs `raw` as this signer.
    ///
    /// # Errors
    /// When signing fails.
    fn sign_raw(&self, raw: RawTransaction) -> AptosResult<SignedTransaction>;
}

impl<A: Account> TxSigner for A {
    fn sender(&self) -> AccountAddress {
        self.address()
    }

    fn sign_raw(&self, raw: RawTransaction) -> AptosResult<SignedTransaction> {
        sign_transaction(&raw, self)
    }
}

/// A sender whose gas is paid by a fee payer (aptos-sdk's fee-payer
/// transactions): a customer with no APT, sponsored by the operator. The fee
/// payer spends no sequence number. A sender account that does not exist on
/// chain yet is created by the transaction.
#[derive(Debug, Clone, Copy)]
pub struct Sponsored<'a, S, F> {
    /// The transaction's sender (the `&signer` of the entry function).
    pub sender: &'a S,
    /// Who pays the gas.
    pub fee_payer: &'a F,
}

impl<'a, S: Account, F: Account> Sponsored<'a, S, F> {
    /// `sender`'s transaction with `fee_payer` paying the gas.
    pub fn new(sender: &'a S, fee_payer: &'a F) -> Self {
        Self { sender, fee_payer }
    }
}

impl<S: Account, F: Account> TxSigner for Sponsored<'_, S, F> {
    fn sender(&self) -> AccountAddress {
        self.sender.address()
    }

    fn sign_raw(&self, raw: RawTransaction) -> AptosResult<SignedTransaction> {
        let fee_payer_txn = FeePayerRawTransaction::new_simple(raw, self.fee_payer.address());
        sign_sponsored_transaction(&fee_payer_txn, self.sender, &[], self.fee_payer)
    }
}

/// Several accounts that submit in turn, so that one PSP backend is not
/// limited by one account's mempool queue. Each account still gets local
/// sequence numbers from the client.
#[derive(Debug)]
pub struct SenderPool<A> {
    accounts: Vec<A>,
    next: AtomicUsize,
}

impl<A> SenderPool<A> {
    /// A pool over `accounts`; `None` when empty.
    pub fn new(accounts: Vec<A>) -> Option<Self> {
        (!accounts.is_empty()).then(|| Self {
            accounts,
            next: AtomicUsize::new(0),
        })
    }

    /// The next account, round robin.
    pub fn next_sender(&self) -> &A {
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.accounts.len();
        &self.accounts[index]
    }

    /// Every account of the pool.
    pub fn accounts(&self) -> &[A] {
        &self.accounts
    }
}

/// How a transaction is protected against replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReplayProtection {
    /// The sender's sequence number, managed locally by the client (default).
    #[default]
    SequenceNumber,
    /// A random nonce (orderless). About 38 times the gas of a sequence
    /// number payment on a real node; for occasional use only.
    Orderless,
}

/// How the client builds and waits for transactions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitOptions {
    /// Most gas units a transaction may use.
    pub max_gas_amount: u64,
    /// Gas unit price in octas; `None` asks the node's estimate each time.
    pub gas_unit_price: Option<u64>,
    /// How long a transaction stays valid (orderless: at most 60 s).
    pub expiration: Duration,
    /// Extra time to wait for a commit after the expiration.
    pub wait_margin: Duration,
    /// Sequence number (default) or orderless.
    pub replay_protection: ReplayProtection,
}

impl Default for SubmitOptions {
    fn default() -> Self {
        Self {
            max_gas_amount: 200_000,
            gas_unit_price: None,
            expiration: Duration::from_secs(120),
            wait_margin: Duration::from_secs(15),
            replay_protection: ReplayProtection::SequenceNumber,
        }
    }
}

/// How often a submission is signed again after the node refused its
/// sequence number as already used (another process signing for the sender).
const STALE_SEQUENCE_RETRIES: u32 = 3;

/// Whether the node refused a submission because its sequence number was
/// already used: a definite refusal before execution.
fn is_stale_sequence_number(error: &AptosError) -> bool {
    // aptos-core's StatusCode::SEQUENCE_NUMBER_TOO_OLD
    const SEQUENCE_NUMBER_TOO_OLD: u64 = 3;
    matches!(
        error,
        AptosError::Api {
            vm_error_code: Some(SEQUENCE_NUMBER_TOO_OLD),
            ..
        }
    ) || matches!(error, AptosError::Api { message, .. } if message.contains("SEQUENCE_NUMBER_TOO_OLD"))
}

/// Whether a submission's error is the node's definite refusal (a 4xx
/// other than a timeout or rate limit): then the transaction was not taken.
pub fn is_definite_refusal(error: &AptosError) -> bool {
    matches!(error, AptosError::Api { status_code, .. }
        if (400..500).contains(status_code) && !matches!(status_code, 408 | 429))
}

/// Orderless transactions must expire soon (the chain keeps their nonces
/// only for a short window).
const ORDERLESS_MAX_EXPIRATION: Duration = Duration::from_secs(60);

/// The yenpay client.
///
/// Cheap to clone (the connection and the sequence-number cache are shared),
/// so each task of a server can hold its own.
#[derive(Debug, Clone)]
pub struct YenPay {
    aptos: Arc<Aptos>,
    package: AccountAddress,
    options: SubmitOptions,
    sequence_numbers: Arc<dyn SequenceNumbers>,
}

impl YenPay {
    /// A client for the package published at `package`.
    pub fn new(aptos: Aptos, package: AccountAddress) -> Self {
        Self {
            aptos: Arc::new(aptos),
            package,
            options: SubmitOptions::default(),
            sequence_numbers: Arc::new(LocalSequenceNumbers::default()),
        }
    }

    /// The same client with other submission options.
    #[must_use]
    pub fn with_options(mut self, options: SubmitOptions) -> Self {
        self.options = options;
        self
    }

    /// The same client taking sequence numbers from `numbers` instead of its
    /// own memory (see [`crate::sequence`]): for replicas that sign for the
    /// same accounts.
    #[must_use]
    pub fn with_sequence_numbers(mut self, numbers: Arc<dyn SequenceNumbers>) -> Self {
        self.sequence_numbers = numbers;
        self
    }

    /// The submission options.
    pub fn options(&self) -> &SubmitOptions {
        &self.options
    }

    /// The package address (`@yenpay`).
    pub fn package(&self) -> AccountAddress {
        self.package
    }

    /// The underlying aptos-sdk client.
    pub fn aptos(&self) -> &Aptos {
        &self.aptos
    }

    /// Signs, submits and waits for `payload`, signed by `signer`.
    ///
    /// # Errors
    /// [`Error::Aborted`] or [`Error::Failed`] when the transaction failed on
    /// chain, [`Error::Timeout`] when it was not committed in time,
    /// [`Error::Unknown`] when it may have reached the node but its outcome
    /// could not be read, [`Error::Aptos`] when the node refused it or could
    /// not be reached before submission.
    pub async fn submit<S: TxSigner>(
        &self,
        signer: &S,
        payload: TransactionPayload,
    ) -> Result<Submitted, Error> {
        let sender = signer.sender();
        let mut stale_retries = STALE_SEQUENCE_RETRIES;
        let (pending, expires_at) = loop {
            let (raw, expires_at) = self.build(sender, payload.clone()).await?;
            let signed = match signer.sign_raw(raw) {
                Ok(signed) => signed,
                Err(error) => {
                    // The reserved number will not be used: read it again next time.
                    self.sequence_numbers.forget(sender).await?;
                    return Err(error.into());
                }
            };
            let hash = signed.hash()?;
            match self.aptos.submit_transaction(&signed).await {
                Ok(pending) => break (pending.into_inner(), expires_at),
                // Only a 4xx answer says the node did not take it; a network
                // error or a 5xx may come after the node accepted it.
                Err(error) if !is_definite_refusal(&error) => {
                    // Used or not, the node knows: read the number from it next time.
                    self.sequence_numbers.forget(sender).await?;
                    return Err(Error::Unknown {
                        hash,
                        expires_at,
                        detail: error.to_string(),
                    });
                }
                Err(error) => {
                    // The number was not used: read it again from the node next time.
                    self.sequence_numbers.forget(sender).await?;
                    // Another process signing for the sender used the number:
                    // the refusal is definite, so signing again is safe.
                    if stale_retries > 0 && is_stale_sequence_number(&error) {
                        stale_retries -= 1;
                        continue;
                    }
                    return Err(error.into());
                }
            }
        };
        let result = self.wait_for(pending.hash, expires_at).await;
        if matches!(result, Err(Error::Timeout { .. } | Error::Unknown { .. })) {
            self.sequence_numbers.forget(sender).await?;
        }
        result
    }

    /// Submits a call of one of the package's entry functions.
    ///
    /// # Errors
    /// As [`YenPay::submit`].
    pub async fn submit_entry<S: TxSigner>(
        &self,
        signer: &S,
        call: EntryFunction,
    ) -> Result<Submitted, Error> {
        self.submit(signer, TransactionPayload::EntryFunction(call))
            .await
    }

    async fn build(
        &self,
        sender: AccountAddress,
        payload: TransactionPayload,
    ) -> Result<(RawTransaction, u64), Error> {
        let chain_id = self.aptos.ensure_chain_id().await?;
        let gas_unit_price = match self.options.gas_unit_price {
            Some(price) => price,
            None => self
                .aptos
                .fullnode()
                .estimate_gas_price()
                .await?
                .into_inner()
                .recommended(),
        };
        let (sequence_number, payload, expiration) = match self.options.replay_protection {
            ReplayProtection::SequenceNumber => (
                self.next_sequence_number(sender).await?,
                payload,
                self.options.expiration,
            ),
            ReplayProtection::Orderless => {
                let nonce = rand::random::<u64>();
                (
                    u64::MAX,
                    payload.into_orderless(nonce)?,
                    self.options.expiration.min(ORDERLESS_MAX_EXPIRATION),
                )
            }
        };
        let expires_at = unix_now().saturating_add(expiration.as_secs());
        let raw = RawTransaction::new(
            sender,
            sequence_number,
            payload,
            self.options.max_gas_amount,
            gas_unit_price,
            expires_at,
            chain_id,
        );
        Ok((raw, expires_at))
    }

    async fn next_sequence_number(&self, sender: AccountAddress) -> Result<u64, Error> {
        if let Some(number) = self.sequence_numbers.take(sender).await? {
            return Ok(number);
        }
        let on_chain = match self.aptos.get_sequence_number(sender).await {
            Ok(number) => number,
            // A sponsored customer's first transaction creates its account.
            Err(error) if error.is_not_found() => 0,
            Err(error) => return Err(error.into()),
        };
        Ok(self.sequence_numbers.take_from(sender, on_chain).await?)
    }

    /// Waits until the transaction `hash` is committed (or `expires_at`, Unix
    /// seconds, has passed by the wait margin) and decodes it.
    ///
    /// # Errors
    /// As [`YenPay::submit`].
    pub async fn wait_for(&self, hash: HashValue, expires_at: u64) -> Result<Submitted, Error> {
        let deadline = expires_at.saturating_add(self.options.wait_margin.as_secs());
        let started = std::time::Instant::now();
        let mut interval = Duration::from_millis(100);
        loop {
            match self.aptos.fullnode().get_transaction_by_hash(&hash).await {
                Ok(response) => {
                    let transaction = response.into_inner();
                    // A pending transaction has no version yet.
                    if transaction.get("version").is_some() {
                        return match Submitted::from_transaction_json(self.package, &transaction) {
                            // Committed, but not readable: its outcome is still unknown.
                            Err(Error::Response { detail, .. }) => Err(Error::Unknown {
                                hash,
                                expires_at,
                                detail,
                            }),
                            decoded => decoded,
                        };
                    }
                }
                Err(error) if error.is_not_found() => {}
                Err(error) => {
                    return Err(Error::Unknown {
                        hash,
                        expires_at,
                        detail: error.to_string(),
                    });
                }
            }
            if unix_now() > deadline {
                return Err(Error::Timeout {
                    hash,
                    waited: started.elapsed(),
                });
            }
            tokio::time::sleep(interval).await;
            interval = (interval * 2).min(Duration::from_secs(1));
        }
    }

    /// Calls the view function `module::function` of the package with
    /// BCS-encoded `args`; one JSON value per returned value.
    ///
    /// # Errors
    /// [`Error::Aptos`] when the node refuses the call (a view that aborts
    /// comes back as an API error carrying the VM status).
    pub async fn view(
        &self,
        module: Module,
        function: &str,
        args: Vec<Vec<u8>>,
    ) -> Result<Vec<Value>, Error> {
        let function_id = format!("{}::{}::{}", self.package.to_hex(), module.name(), function);
        let response = self
            .aptos
            .fullnode()
            .view_bcs_args(&function_id, Vec::new(), args)
            .await?;
        Ok(response.into_inner())
    }

    /// Calls a view and decodes its values into `T` (a tuple, one element per
    /// returned value).
    pub(crate) async fn view_as<T: DeserializeOwned>(
        &self,
        module: Module,
        function: &str,
        args: Vec<Vec<u8>>,
    ) -> Result<T, Error> {
        let values = self.view(module, function, args).await?;
        decode_view(module, function, values)
    }
}

/// Decodes the JSON values of a view into `T` (a tuple of the returned values).
pub(crate) fn decode_view<T: DeserializeOwned>(
    module: Module,
    function: &str,
    values: Vec<Value>,
) -> Result<T, Error> {
    serde_json::from_value(Value::Array(values)).map_err(|error| Error::Response {
        context: format!("view {module}::{function}"),
        detail: error.to_string(),
    })
}

/// BCS of one entry-function or view argument.
pub(crate) fn bcs_arg<T: Serialize + ?Sized>(
    what: &'static str,
    value: &T,
) -> Result<Vec<u8>, Error> {
    aptos_bcs::to_bytes(value).map_err(|error| Error::Encoding {
        what,
        detail: error.to_string(),
    })
}

/// A call of `package::module::function` with BCS arguments.
pub(crate) fn entry_call(
    package: AccountAddress,
    module: Module,
    function: &str,
    args: Vec<Vec<u8>>,
) -> Result<EntryFunction, Error> {
    let name = Identifier::new(module.name())?;
    Ok(EntryFunction::new(
        MoveModuleId::new(package, name),
        function,
        Vec::new(),
        args,
    ))
}

use yenpay_types::time::unix_now;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abort::ControlsAbort;
    use aptos_sdk::account::Ed25519Account;
    use aptos_sdk::transaction::TransactionAuthenticator;
    use aptos_sdk::types::ChainId;

    fn fixture(name: &str) -> Value {
        let path = format!("{}/tests/data/node/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn package() -> AccountAddress {
        AccountAddress::from_hex("0xcafe").unwrap()
    }

    #[test]
    fn a_successful_node_transaction_decodes() {
        let submitted =
            Submitted::from_transaction_json(package(), &fixture("transfer_with_hooks.json"))
                .unwrap();
        assert_eq!(submitted.version, 164);
        assert_eq!(submitted.gas_used, 136);
        assert_eq!(
            submitted.hash.to_string(),
            "0x7f35f26324b600cb80d210855324986d07286bcd84f86b87e68b3bb64675dc8a"
        );
        let types: Vec<&str> = submitted
            .events
            .iter()
            .map(|event| match event {
                TxEvent::Other { type_tag, .. } => type_tag.as_str(),
                _ => "ours",
            })
            .collect();
        assert_eq!(
            types,
            [
                "0x1::fungible_asset::Withdraw",
                "0x1::fungible_asset::Deposit",
                "0x1::transaction_fee::FeeStatement"
            ]
        );
        assert_eq!(submitted.yenpay_events().count(), 0);
    }

    #[test]
    fn an_aborted_node_transaction_is_a_typed_error() {
        let error =
            Submitted::from_transaction_json(package(), &fixture("transfer_aborted_by_hook.json"))
                .unwrap_err();
        let Error::Aborted {
            version,
            gas_used,
            abort,
            ..
        } = &error
        else {
            panic!("not an abort: {error}");
        };
        assert_eq!((*version, *gas_used), (179, 121));
        assert_eq!(abort.name.as_deref(), Some("EPAUSED"));
        assert_eq!(abort.module_name, "coins");
        // The probe package is not ours: no typed constant.
        assert_eq!(error.known_abort(), None);
    }

    #[test]
    fn an_abort_of_our_package_carries_the_typed_constant() {
        let mut transaction = fixture("transfer_aborted_by_hook.json");
        transaction["vm_status"] = Value::String(
            "Move abort in 0xcafe::controls: EPAUSED(0x30008): The asset is paused: no transfer, mint, burn or seizure."
                .to_owned(),
        );
        let error = Submitted::from_transaction_json(package(), &transaction).unwrap_err();
        assert_eq!(
            error.known_abort(),
            Some(KnownAbort::Controls(ControlsAbort::Paused))
        );
        transaction["vm_status"] = Value::String("Out of gas".to_owned());
        let error = Submitted::from_transaction_json(package(), &transaction).unwrap_err();
        assert!(
            matches!(&error, Error::Failed { vm_status, .. } if vm_status == "Out of gas"),
            "{error}"
        );
    }

    #[test]
    fn an_undecodable_event_of_ours_does_not_fail_a_committed_transaction() {
        let mut transaction = fixture("transfer_with_hooks.json");
        transaction["events"][0]["type"] = Value::String("0xcafe::invoice::InvoicePaid".to_owned());
        let submitted = Submitted::from_transaction_json(package(), &transaction).unwrap();
        assert_eq!(submitted.gas_used, 136);
        match &submitted.events[0] {
            TxEvent::Undecodable {
                type_tag, error, ..
            } => {
                assert_eq!(type_tag, "0xcafe::invoice::InvoicePaid");
                assert!(error.contains("InvoicePaid"), "{error}");
            }
            other => panic!("not kept as undecodable: {other:?}"),
        }
    }

    #[test]
    fn a_pending_or_malformed_transaction_is_a_response_error() {
        let pending = serde_json::json!({"type": "pending_transaction", "hash": "0x01"});
        assert!(matches!(
            Submitted::from_transaction_json(package(), &pending),
            Err(Error::Response { .. })
        ));
    }

    #[test]
    fn sponsored_signing_makes_a_fee_payer_transaction() {
        let customer = Ed25519Account::generate();
        let operator = Ed25519Account::generate();
        let raw = RawTransaction::new(
            customer.address(),
            0,
            TransactionPayload::EntryFunction(
                entry_call(package(), Module::Controls, "pause", Vec::new()).unwrap(),
            ),
            1_000,
            100,
            1,
            ChainId::new(4),
        );
        let signed = Sponsored::new(&customer, &operator).sign_raw(raw).unwrap();
        assert_eq!(signed.sender(), customer.address());
        match &signed.authenticator {
            TransactionAuthenticator::FeePayer {
                fee_payer_address, ..
            } => assert_eq!(*fee_payer_address, operator.address()),
            other => panic!("not a fee-payer authenticator: {other:?}"),
        }
        signed.verify_signature().unwrap();
    }

    #[test]
    fn only_a_used_sequence_number_is_signed_again() {
        let refused = |code: Option<u64>, message: &str| AptosError::Api {
            status_code: 400,
            message: message.to_owned(),
            error_code: Some("vm_error".to_owned()),
            vm_error_code: code,
        };
        assert!(is_stale_sequence_number(&refused(
            Some(3),
            "Invalid transaction: Type: Validation Code: SEQUENCE_NUMBER_TOO_OLD"
        )));
        assert!(is_stale_sequence_number(&refused(
            None,
            "Code: SEQUENCE_NUMBER_TOO_OLD"
        )));
        // Other refusals are reported, not retried.
        assert!(!is_stale_sequence_number(&refused(
            Some(5),
            "Invalid transaction: Type: Validation Code: INSUFFICIENT_BALANCE_FOR_TRANSACTION_FEE"
        )));
        assert!(!is_stale_sequence_number(&AptosError::api(503, "busy")));
    }

    #[test]
    fn sender_pool_goes_round() {
        assert!(SenderPool::<u8>::new(Vec::new()).is_none());
        let pool = SenderPool::new(vec![1, 2, 3]).unwrap();
        let order: Vec<u8> = (0..5).map(|_| *pool.next_sender()).collect();
        assert_eq!(order, [1, 2, 3, 1, 2]);
    }
}
