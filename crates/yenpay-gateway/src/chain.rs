//! The chain as the gateway sees it: the few calls it makes, behind the
//! [`Ledger`] trait. [`NodeLedger`] is the real one (yenpay-client for
//! submissions and views, the node's REST API for paging transactions);
//! tests that need no node put a recording double behind the same trait.
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::transaction::SignedTransaction;
use aptos_sdk::types::AccountAddress;
use aptos_sdk::{Aptos, AptosConfig};
use serde_json::Value;
use std::time::Duration;
use yenpay_client::abort::MoveAbort;
use yenpay_client::client::{Error as ClientError, Submitted, YenPay};
use yenpay_client::events::YenpayEvent;
use yenpay_client::tax_refund::{Purchase, RefundStatus};
use yenpay_client::types::authorization::SignedAuthorization;
use yenpay_client::types::collection::SignedCollectionRequest;
use yenpay_client::types::limits::OrderRef;
use yenpay_client::types::tax_refund::SignedExportAttestation;

/// A committed transaction of ours.
#[derive(Debug, Clone, PartialEq)]
pub struct TxOutcome {
    /// Hash, `0x`-hex.
    pub hash: String,
    /// Ledger version.
    pub version: u64,
    /// The package's events it emitted.
    pub events: Vec<YenpayEvent>,
    /// Gas units charged (to the fee payer when there is one).
    pub gas_used: u64,
}

impl From<Submitted> for TxOutcome {
    fn from(submitted: Submitted) -> Self {
        Self {
            hash: submitted.hash.to_string(),
            version: submitted.version,
            events: submitted.yenpay_events().cloned().collect(),
            gas_used: submitted.gas_used,
        }
    }
}

/// What the node says a transaction would do if submitted now (it runs it
/// on the current state and commits nothing). One that would abort or fail
/// is [`ChainError::Rejected`] instead, named like a committed abort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Simulated {
    /// Gas units it would use: its fee payer would pay these × its gas unit price.
    pub gas_used: u64,
}

/// Why a chain call failed. The three kinds say what the gateway may
/// conclude: nothing happened ([`ChainError::Rejected`],
/// [`ChainError::Unavailable`]), or something may have ([`ChainError::Unknown`]).
#[derive(Debug, Clone, thiserror::Error)]
pub enum ChainError {
    /// A definite refusal: the transaction was committed and aborted, or the
    /// node refused it at submission (a 400), or it was never valid; nothing
    /// changed. `code` names the Move constant or the VM status when known.
    #[error("{code}: {message}")]
    Rejected {
        /// The abort constant's name (`EINVOICE_EXISTS`), or the VM status
        /// (`SEQUENCE_NUMBER_TOO_OLD`, `OUT_OF_GAS`), or a category.
        code: String,
        /// Explanation.
        message: String,
    },
    /// The node could not be reached before anything was submitted (or a
    /// read failed): nothing changed on chain.
    #[error("node unavailable: {0}")]
    Unavailable(String),
    /// A transaction was signed and may have reached the node, but its
    /// outcome is not known: look `hash` up ([`Ledger::lookup`]) until the
    /// chain's time passes `expires_at` (0: already passed).
    #[error("transaction {hash} has an unknown outcome: {detail}")]
    Unknown {
        /// Transaction hash, `0x`-hex.
        hash: String,
        /// Its expiration, Unix seconds.
        expires_at: u64,
        /// What failed.
        detail: String,
    },
}

/// The VM status a node's 400 names (`...Code: SEQUENCE_NUMBER_TOO_OLD`), if any.
fn vm_status_of(message: &str) -> Option<String> {
    let code = message
        .rsplit("Code: ")
        .next()
        .filter(|_| message.contains("Code: "))?;
    let code: String = code
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!code.is_empty()).then_some(code)
}

/// Whether `error` is the `tax_refund::purchase` view's abort for an
/// unknown key: the node answers a view's abort with 400 `invalid_input` and
/// "Move abort in <package>::tax_refund: EPURCHASE_NOT_FOUND(0x60004): ...".
fn is_purchase_not_found(error: &ClientError) -> bool {
    matches!(error, ClientError::Aptos(aptos_sdk::AptosError::Api { status_code: 400, message, .. })
        if message.contains("::tax_refund: EPURCHASE_NOT_FOUND("))
}

impl From<ClientError> for ChainError {
    fn from(error: ClientError) -> Self {
        match &error {
            ClientError::Aborted { abort, .. } => ChainError::Rejected {
                code: abort
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("ABORT_{:#x}", abort.code)),
                message: error.to_string(),
            },
            ClientError::Failed { vm_status, .. } => ChainError::Rejected {
                code: vm_status_of(vm_status).unwrap_or_else(|| {
                    vm_status
                        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .find(|word| !word.is_empty())
                        .unwrap_or("TRANSACTION_FAILED")
                        .to_owned()
                }),
                message: vm_status.clone(),
            },
            ClientError::Validation(_)
            | ClientError::Authorization(_)
            | ClientError::Encoding { .. } => ChainError::Rejected {
                code: "INVALID_ARGUMENT".to_owned(),
                message: error.to_string(),
            },
            // The client raises this only when the node answered 4xx to the
            // submission (or to a read before it): the node did not take it.
            ClientError::Aptos(aptos) if yenpay_client::client::is_definite_refusal(aptos) => {
                let (code, message) = match aptos {
                    aptos_sdk::AptosError::Api {
                        message,
                        error_code,
                        ..
                    } => (
                        vm_status_of(message)
                            .or_else(|| error_code.clone())
                            .unwrap_or_else(|| "SUBMISSION_REFUSED".to_owned()),
                        message.clone(),
                    ),
                    other => ("SUBMISSION_REFUSED".to_owned(), other.to_string()),
                };
                ChainError::Rejected { code, message }
            }
            ClientError::Unknown {
                hash,
                expires_at,
                detail,
            } => ChainError::Unknown {
                hash: hash.to_string(),
                expires_at: *expires_at,
                detail: detail.clone(),
            },
            // The client waited past the expiration (and its margin).
            ClientError::Timeout { hash, .. } => ChainError::Unknown {
                hash: hash.to_string(),
                expires_at: 0,
                detail: error.to_string(),
            },
            ClientError::Aptos(_)
            | ClientError::Response { .. }
            | ClientError::SequenceNumbers(_) => ChainError::Unavailable(error.to_string()),
        }
    }
}

/// What the chain says of a transaction hash ([`Ledger::lookup`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// Committed and succeeded.
    Committed(TxOutcome),
    /// Committed and failed (aborted, out of gas): nothing changed.
    Failed {
        /// As in [`ChainError::Rejected`].
        code: String,
        /// Explanation.
        message: String,
    },
    /// Not committed (unknown to the node, or still pending).
    NotCommitted,
}

/// The ledger's head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerHead {
    /// Latest committed version.
    pub version: u64,
    /// Its timestamp, microseconds.
    pub timestamp_us: u64,
    /// Chain id.
    pub chain_id: u8,
    /// The oldest version the node still serves (a pruning node forgets older ones).
    pub oldest_version: u64,
}

/// An account as a wallet needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountState {
    /// The account resource exists (a sponsored first payment creates it).
    pub exists: bool,
    /// The next sequence number (0 for an account that does not exist yet).
    pub sequence_number: u64,
    /// Its yen stablecoin balance.
    pub balance: u64,
}

/// The FX desk as quotes need it (`yenpay::fx`'s views, read together).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FxDeskState {
    /// The USDC asset's metadata object (`None`: not configured).
    pub usdc: Option<AccountAddress>,
    /// The holder of the quote-signer role.
    pub quote_signer: AccountAddress,
    /// The holder of the rate-keeper role.
    pub rate_keeper: AccountAddress,
    /// The reference rate (yen per USDC × 10^6; 0: none yet).
    pub reference_rate: u64,
    /// When the reference was observed, Unix seconds.
    pub observed_at: u64,
    /// (max deviation bps, max staleness secs) while markets trade.
    pub open_policy: (u64, u64),
    /// The same while they are closed.
    pub closed_policy: (u64, u64),
    /// (per-quote limit, daily limit), yen.
    pub limits: (u64, u64),
    /// Yen in the desk.
    pub yen_inventory: u64,
    /// USDC units in the desk.
    pub usdc_balance: u64,
}

/// What the gateway asks of the chain.
#[async_trait::async_trait]
pub trait Ledger: Send + Sync {
    /// The FX desk's configuration, reference and balances
    /// ([`FxDeskState`]). The default says the node has none (a double
    /// without a desk).
    async fn fx_desk(&self) -> Result<FxDeskState, ChainError> {
        Err(ChainError::Unavailable(
            "this ledger has no FX desk".to_owned(),
        ))
    }

    /// `fx::set_reference_rate`, signed by `keeper` (the rate keeper).
    async fn set_reference_rate(
        &self,
        keeper: &Ed25519Account,
        rate: u64,
        observed_at: u64,
    ) -> Result<TxOutcome, ChainError> {
        let _ = (keeper, rate, observed_at);
        Err(ChainError::Unavailable(
            "this ledger has no FX desk".to_owned(),
        ))
    }

    /// `invoice::cancel_invoice`, signed by the terminal.
    async fn cancel_invoice(
        &self,
        terminal: &Ed25519Account,
        merchant: AccountAddress,
        order: &OrderRef,
    ) -> Result<TxOutcome, ChainError>;

    /// `invoice::cancel_signed_invoice`, signed by the terminal: a code it
    /// signed for `order`, payable until `expires_at`, can be paid no more
    /// (the order's record is kept until then).
    async fn cancel_signed_invoice(
        &self,
        terminal: &Ed25519Account,
        merchant: AccountAddress,
        order: &OrderRef,
        expires_at: u64,
    ) -> Result<TxOutcome, ChainError>;

    /// `invoice::refund`, signed by the merchant's payout account.
    async fn refund(
        &self,
        payout: &Ed25519Account,
        merchant: AccountAddress,
        order: &OrderRef,
        amount: u64,
    ) -> Result<TxOutcome, ChainError>;

    /// `hold::capture`, signed by the merchant's terminal: `amount` plus
    /// `tip` of the hold to the merchant; with `release_rest` the rest back
    /// to the customer (a final capture).
    async fn capture_hold(
        &self,
        terminal: &Ed25519Account,
        merchant: AccountAddress,
        hold_ref: &OrderRef,
        amount: u64,
        tip: u64,
        release_rest: bool,
    ) -> Result<TxOutcome, ChainError>;

    /// `hold::void`, signed by the merchant's terminal: `amount` of what the
    /// hold holds back to the customer.
    async fn void_hold(
        &self,
        terminal: &Ed25519Account,
        merchant: AccountAddress,
        hold_ref: &OrderRef,
        amount: u64,
    ) -> Result<TxOutcome, ChainError>;

    /// `invoice::collect_signed_invoice`: the customer's `code` and the
    /// terminal's signed `request` for it, in one transaction. The chain
    /// takes it from any sender; `terminal` sends it only when the ledger
    /// has no account of its own (no fee payer).
    async fn collect(
        &self,
        terminal: &Ed25519Account,
        request: &SignedCollectionRequest,
        code: &SignedAuthorization,
    ) -> Result<TxOutcome, ChainError>;

    /// The merchant's payout address (`merchant_registry::merchant`).
    async fn payout_of(&self, merchant: AccountAddress) -> Result<AccountAddress, ChainError>;

    /// The account at `address`: sequence number and yen balance.
    async fn account(&self, address: AccountAddress) -> Result<AccountState, ChainError>;

    /// Runs `transaction` on the node's simulate endpoint (signatures are
    /// not checked there: callers verify them first).
    async fn simulate(&self, transaction: &SignedTransaction) -> Result<Simulated, ChainError>;

    /// The APT balance of `address`, octas (the fee payer's, for its alarm).
    async fn apt_balance(&self, address: AccountAddress) -> Result<u64, ChainError>;

    /// Submits a fully signed transaction and waits for it.
    async fn submit_signed(&self, transaction: SignedTransaction) -> Result<TxOutcome, ChainError>;

    /// The ledger's head.
    async fn head(&self) -> Result<LedgerHead, ChainError>;

    /// Committed transactions from `start`, at most `limit`, as the node's
    /// REST API returns them (`GET /v1/transactions?start=&limit=`).
    async fn transactions(&self, start: u64, limit: u16) -> Result<Vec<Value>, ChainError>;

    /// [`Ledger::transactions`] as the node's JSON, undecoded: the
    /// follower decodes only what it needs of it (`follower::page`).
    async fn transactions_json(&self, start: u64, limit: u16) -> Result<Vec<u8>, ChainError> {
        let page = self.transactions(start, limit).await?;
        serde_json::to_vec(&page).map_err(|e| ChainError::Unavailable(e.to_string()))
    }

    /// The hash of the genesis transaction (version 0), the chain's
    /// fingerprint; `None` when the node has pruned it.
    async fn genesis_hash(&self) -> Result<Option<String>, ChainError>;

    /// What became of the transaction `hash` (`0x`-hex), for outcomes that
    /// were [`ChainError::Unknown`].
    async fn lookup(&self, hash: &str) -> Result<Lookup, ChainError>;

    /// `invoice::is_purgeable`: whether `purge_invoices` would delete the
    /// record of `merchant`'s invoice `order` now.
    async fn is_purgeable(
        &self,
        merchant: AccountAddress,
        order: &OrderRef,
    ) -> Result<bool, ChainError>;

    /// `invoice::purge_invoices` of `invoices`, signed by `keeper` (the
    /// operator, or the housekeeper it named), who gets the storage refunds.
    async fn purge(
        &self,
        keeper: &Ed25519Account,
        invoices: &[(AccountAddress, OrderRef)],
    ) -> Result<TxOutcome, ChainError>;

    /// `tax_refund::purchase` of (`merchant`, `order`) and where its tax
    /// refund stands now (`TaxRefunds::refund_status`'s rule); `None` when
    /// no tax-free purchase has that key.
    async fn tax_refund(
        &self,
        merchant: AccountAddress,
        order: &OrderRef,
    ) -> Result<Option<(Purchase, RefundStatus)>, ChainError>;

    /// Whether `public_key` is the refund agent's current key: the
    /// `tax_refund::refund_agent` account's authentication key is its
    /// (legacy or SingleKey Ed25519), the check `claim_tax_refunds` makes.
    async fn is_refund_agent_key(&self, public_key: &[u8; 32]) -> Result<bool, ChainError>;

    /// `tax_refund::claim_tax_refunds` of the refund agent's `attestations`
    /// (one key), submitted by `submitter` (the operator), who pays the gas:
    /// the refunds go to the purchases' payers whoever submits.
    async fn claim_tax_refunds(
        &self,
        submitter: &Ed25519Account,
        attestations: &[SignedExportAttestation],
    ) -> Result<TxOutcome, ChainError>;
}

/// The real chain: a node's REST API.
pub struct NodeLedger {
    client: YenPay,
    http: reqwest::Client,
    rest: String,
    fee_payer: Option<std::sync::Arc<Ed25519Account>>,
}

/// Submits `$call` signed by `$signer`, with the ledger's fee payer paying
/// the gas when it has one (so merchants' terminal accounts need no APT);
/// the fee payer signing for itself (a reviewed hold's capture) pays as the
/// sender.
macro_rules! signed_by {
    ($ledger:ident, $signer:expr, |$s:ident| $call:expr) => {
        match &$ledger.fee_payer {
            Some(fee_payer) if fee_payer.address() != $signer.address() => {
                let $s = &yenpay_client::client::Sponsored::new($signer, fee_payer.as_ref());
                $call.await
            }
            _ => {
                let $s = $signer;
                $call.await
            }
        }
    };
}

impl NodeLedger {
    /// A ledger on the node at `node_url` (with or without `/v1`) for the package at `package`.
    ///
    /// # Errors
    /// When the URL is not one.
    pub fn new(node_url: &str, package: AccountAddress) -> Result<Self, ChainError> {
        let base = node_url.trim_end_matches('/');
        let rest = if base.ends_with("/v1") {
            base.to_owned()
        } else {
            format!("{base}/v1")
        };
        let config = AptosConfig::custom(&rest)
            .map_err(|e| ChainError::Unavailable(format!("the node URL is not one: {e}")))?;
        let aptos = Aptos::new(config).map_err(|e| ChainError::Unavailable(e.to_string()))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| ChainError::Unavailable(e.to_string()))?;
        Ok(Self {
            client: YenPay::new(aptos, package),
            http,
            rest,
            fee_payer: None,
        })
    }

    /// Has `fee_payer` (the operator) pay the gas of the gateway's own
    /// transactions (cancellations, refunds, captures) and send its
    /// customer-presented collections itself.
    pub fn with_fee_payer(mut self, fee_payer: std::sync::Arc<Ed25519Account>) -> Self {
        self.fee_payer = Some(fee_payer);
        self
    }

    /// Takes the signers' sequence numbers from `numbers` (the database, shared by every replica).
    pub fn with_sequence_numbers(
        mut self,
        numbers: std::sync::Arc<dyn yenpay_client::sequence::SequenceNumbers>,
    ) -> Self {
        self.client = self.client.with_sequence_numbers(numbers);
        self
    }

    /// The same ledger with other submission options (gas price, expiry).
    pub fn with_options(mut self, options: yenpay_client::client::SubmitOptions) -> Self {
        self.client = self.client.with_options(options);
        self
    }

    /// `GET <node>/v1<path>`. Errors name only `path`: the node's URL may
    /// carry credentials (user info, an API key in the query), and these
    /// messages reach logs.
    async fn get_json(&self, path: &str) -> Result<Value, ChainError> {
        let url = format!("{}{path}", self.rest);
        let failed = |e: reqwest::Error| {
            ChainError::Unavailable(format!("GET /v1{path}: {}", e.without_url()))
        };
        let response = self.http.get(&url).send().await.map_err(failed)?;
        let status = response.status();
        let body: Value = response.json().await.map_err(failed)?;
        if !status.is_success() {
            return Err(ChainError::Unavailable(format!(
                "GET /v1{path}: {status} {body}"
            )));
        }
        Ok(body)
    }
}

#[async_trait::async_trait]
impl Ledger for NodeLedger {
    async fn cancel_invoice(
        &self,
        terminal: &Ed25519Account,
        merchant: AccountAddress,
        order: &OrderRef,
    ) -> Result<TxOutcome, ChainError> {
        let invoices = self.client.invoice();
        Ok(signed_by!(self, terminal, |s| invoices
            .cancel_invoice(s, merchant, order))?
        .into())
    }

    async fn cancel_signed_invoice(
        &self,
        terminal: &Ed25519Account,
        merchant: AccountAddress,
        order: &OrderRef,
        expires_at: u64,
    ) -> Result<TxOutcome, ChainError> {
        let invoices = self.client.invoice();
        Ok(signed_by!(self, terminal, |s| invoices
            .cancel_signed_invoice(s, merchant, order, expires_at))?
        .into())
    }

    async fn refund(
        &self,
        payout: &Ed25519Account,
        merchant: AccountAddress,
        order: &OrderRef,
        amount: u64,
    ) -> Result<TxOutcome, ChainError> {
        let invoices = self.client.invoice();
        Ok(signed_by!(self, payout, |s| invoices
            .refund(s, merchant, order, amount))?
        .into())
    }

    async fn capture_hold(
        &self,
        terminal: &Ed25519Account,
        merchant: AccountAddress,
        hold_ref: &OrderRef,
        amount: u64,
        tip: u64,
        release_rest: bool,
    ) -> Result<TxOutcome, ChainError> {
        let holds = self.client.holds();
        Ok(signed_by!(self, terminal, |s| holds.capture(
            s,
            merchant,
            hold_ref,
            amount,
            tip,
            release_rest
        ))?
        .into())
    }

    async fn void_hold(
        &self,
        terminal: &Ed25519Account,
        merchant: AccountAddress,
        hold_ref: &OrderRef,
        amount: u64,
    ) -> Result<TxOutcome, ChainError> {
        let holds = self.client.holds();
        Ok(signed_by!(self, terminal, |s| holds
            .void(s, merchant, hold_ref, amount))?
        .into())
    }

    async fn collect(
        &self,
        terminal: &Ed25519Account,
        request: &SignedCollectionRequest,
        code: &SignedAuthorization,
    ) -> Result<TxOutcome, ChainError> {
        let invoices = self.client.invoice();
        // The gateway's own account submits: the terminal's account sends
        // nothing (it may not even exist on chain), its key only signed the
        // request.
        let submitted = match &self.fee_payer {
            Some(fee_payer) => {
                invoices
                    .collect_request(fee_payer.as_ref(), request, code)
                    .await
            }
            None => invoices.collect_request(terminal, request, code).await,
        };
        Ok(submitted?.into())
    }

    async fn payout_of(&self, merchant: AccountAddress) -> Result<AccountAddress, ChainError> {
        Ok(self
            .client
            .merchant_registry()
            .merchant(merchant)
            .await?
            .payout)
    }

    async fn account(&self, address: AccountAddress) -> Result<AccountState, ChainError> {
        let (exists, sequence_number) = match self.client.aptos().get_sequence_number(address).await
        {
            Ok(number) => (true, number),
            Err(error) if error.is_not_found() => (false, 0),
            Err(error) => return Err(ChainError::Unavailable(error.to_string())),
        };
        let balance = self.client.stablecoin().balance(address).await?;
        Ok(AccountState {
            exists,
            sequence_number,
            balance,
        })
    }

    async fn simulate(&self, transaction: &SignedTransaction) -> Result<Simulated, ChainError> {
        let result = self
            .client
            .aptos()
            .simulate_signed(transaction)
            .await
            .map_err(|error| match &error {
                // The node refused to run it at all (malformed, bad sequence number).
                aptos_sdk::AptosError::Api { status_code, .. } if *status_code < 500 => {
                    ChainError::Rejected {
                        code: "SIMULATION_REFUSED".to_owned(),
                        message: error.to_string(),
                    }
                }
                _ => ChainError::Unavailable(error.to_string()),
            })?;
        if result.success() {
            return Ok(Simulated {
                gas_used: result.gas_used(),
            });
        }
        let vm_status = result.vm_status().to_owned();
        let code = MoveAbort::from_vm_status(self.client.package(), &vm_status)
            .map(|abort| {
                abort
                    .name
                    .unwrap_or_else(|| format!("ABORT_{:#x}", abort.code))
            })
            // Not a Move abort: the VM's own status (out of gas, insufficient balance, ...).
            .unwrap_or_else(|| {
                vm_status
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .find(|word| !word.is_empty())
                    .unwrap_or("TRANSACTION_FAILED")
                    .to_owned()
            });
        Err(ChainError::Rejected {
            code,
            message: vm_status,
        })
    }

    async fn apt_balance(&self, address: AccountAddress) -> Result<u64, ChainError> {
        self.client
            .aptos()
            .get_balance(address)
            .await
            .map_err(|e| ChainError::Unavailable(e.to_string()))
    }

    async fn submit_signed(&self, transaction: SignedTransaction) -> Result<TxOutcome, ChainError> {
        let expires_at = transaction.raw_txn.expiration_timestamp_secs;
        let hash = transaction
            .hash()
            .map_err(|e| ChainError::Rejected {
                code: "INVALID_ARGUMENT".to_owned(),
                message: e.to_string(),
            })?
            .to_string();
        let pending = match self.client.aptos().submit_transaction(&transaction).await {
            Ok(pending) => pending.into_inner(),
            // The node refused it before execution (bad signature, sequence number, balance).
            Err(e) if yenpay_client::client::is_definite_refusal(&e) => {
                return Err(ChainError::from(ClientError::Aptos(e)));
            }
            Err(e) => {
                return Err(ChainError::Unknown {
                    hash,
                    expires_at,
                    detail: e.to_string(),
                });
            }
        };
        // Waiting through the client decodes a committed failure (abort, out of gas) as such.
        Ok(self.client.wait_for(pending.hash, expires_at).await?.into())
    }

    async fn head(&self) -> Result<LedgerHead, ChainError> {
        let info = self.get_json("").await?;
        let number = |field: &str| {
            info.get(field)
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<u64>().ok())
                .ok_or_else(|| ChainError::Unavailable(format!("ledger info lacks {field}")))
        };
        Ok(LedgerHead {
            version: number("ledger_version")?,
            timestamp_us: number("ledger_timestamp")?,
            oldest_version: number("oldest_ledger_version")?,
            chain_id: info
                .get("chain_id")
                .and_then(Value::as_u64)
                .and_then(|id| u8::try_from(id).ok())
                .ok_or_else(|| ChainError::Unavailable("ledger info lacks chain_id".to_owned()))?,
        })
    }

    async fn transactions(&self, start: u64, limit: u16) -> Result<Vec<Value>, ChainError> {
        match self
            .get_json(&format!("/transactions?start={start}&limit={limit}"))
            .await?
        {
            Value::Array(page) => Ok(page),
            other => Err(ChainError::Unavailable(format!(
                "transactions page is not an array: {other}"
            ))),
        }
    }

    async fn transactions_json(&self, start: u64, limit: u16) -> Result<Vec<u8>, ChainError> {
        let path = format!("/transactions?start={start}&limit={limit}");
        let failed = |e: reqwest::Error| {
            ChainError::Unavailable(format!("GET /v1{path}: {}", e.without_url()))
        };
        let response = self
            .http
            .get(format!("{}{path}", self.rest))
            .send()
            .await
            .map_err(failed)?;
        let status = response.status();
        let body = response.bytes().await.map_err(failed)?;
        if !status.is_success() {
            return Err(ChainError::Unavailable(format!(
                "GET /v1{path}: {status} {}",
                String::from_utf8_lossy(&body[..body.len().min(500)])
            )));
        }
        Ok(body.into())
    }

    async fn lookup(&self, hash: &str) -> Result<Lookup, ChainError> {
        let path = format!("/transactions/by_hash/{hash}");
        let failed = |e: reqwest::Error| {
            ChainError::Unavailable(format!("GET /v1{path}: {}", e.without_url()))
        };
        let response = self
            .http
            .get(format!("{}{path}", self.rest))
            .send()
            .await
            .map_err(failed)?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(Lookup::NotCommitted);
        }
        let status = response.status();
        let body: Value = response.json().await.map_err(failed)?;
        if !status.is_success() {
            return Err(ChainError::Unavailable(format!(
                "GET /v1{path}: {status} {body}"
            )));
        }
        // A pending transaction has no version yet.
        if body.get("version").is_none() {
            return Ok(Lookup::NotCommitted);
        }
        match Submitted::from_transaction_json(self.client.package(), &body) {
            Ok(submitted) => Ok(Lookup::Committed(submitted.into())),
            Err(error) => match ChainError::from(error) {
                ChainError::Rejected { code, message } => Ok(Lookup::Failed { code, message }),
                other => Err(other),
            },
        }
    }

    async fn is_purgeable(
        &self,
        merchant: AccountAddress,
        order: &OrderRef,
    ) -> Result<bool, ChainError> {
        Ok(self.client.invoice().is_purgeable(merchant, order).await?)
    }

    async fn purge(
        &self,
        keeper: &Ed25519Account,
        invoices: &[(AccountAddress, OrderRef)],
    ) -> Result<TxOutcome, ChainError> {
        // The keeper pays its own gas: it is the operator's account, and the refunds come back to it.
        Ok(self.client.invoice().purge(keeper, invoices).await?.into())
    }

    async fn fx_desk(&self) -> Result<FxDeskState, ChainError> {
        let fx = self.client.fx();
        let (reference_rate, observed_at) = fx.reference_rate().await?;
        let usdc = fx.usdc().await?;
        Ok(FxDeskState {
            usdc,
            quote_signer: fx.quote_signer().await?,
            rate_keeper: fx.rate_keeper().await?,
            reference_rate,
            observed_at,
            open_policy: fx.rate_policy(false).await?,
            closed_policy: fx.rate_policy(true).await?,
            limits: fx.limits().await?,
            yen_inventory: fx.yen_inventory().await?,
            // The view aborts before USDC is configured.
            usdc_balance: match usdc {
                Some(_) => fx.usdc_balance().await?,
                None => 0,
            },
        })
    }

    async fn set_reference_rate(
        &self,
        keeper: &Ed25519Account,
        rate: u64,
        observed_at: u64,
    ) -> Result<TxOutcome, ChainError> {
        let fx = self.client.fx();
        Ok(signed_by!(self, keeper, |s| fx.set_reference_rate(
            s,
            rate,
            observed_at
        ))?
        .into())
    }

    async fn tax_refund(
        &self,
        merchant: AccountAddress,
        order: &OrderRef,
    ) -> Result<Option<(Purchase, RefundStatus)>, ChainError> {
        let refunds = self.client.tax_refunds();
        let purchase = match refunds.purchase(merchant, order).await {
            Ok(purchase) => purchase,
            Err(error) if is_purchase_not_found(&error) => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        let invoice = self.client.invoice().invoice(merchant, order).await?;
        let now = self.head().await?.timestamp_us / 1_000_000;
        let status = purchase.refund_status(invoice.refunded, now);
        Ok(Some((purchase, status)))
    }

    async fn is_refund_agent_key(&self, public_key: &[u8; 32]) -> Result<bool, ChainError> {
        let agent = self.client.tax_refunds().refund_agent().await?;
        let account = match self.client.aptos().fullnode().get_account(agent).await {
            Ok(account) => account.into_inner(),
            Err(error) if error.is_not_found() => return Ok(false),
            Err(error) => return Err(ClientError::from(error).into()),
        };
        let on_chain = const_hex::decode(account.authentication_key.trim_start_matches("0x"))
            .map_err(|error| {
                ChainError::Unavailable(format!("the agent's authentication key: {error}"))
            })?;
        Ok(
            on_chain == yenpay_types::authorization::ed25519_authentication_key(public_key)
                || on_chain
                    == yenpay_types::authorization::single_key_authentication_key(public_key),
        )
    }

    async fn claim_tax_refunds(
        &self,
        submitter: &Ed25519Account,
        attestations: &[SignedExportAttestation],
    ) -> Result<TxOutcome, ChainError> {
        Ok(self
            .client
            .tax_refunds()
            .claim_batch(submitter, attestations)
            .await?
            .into())
    }

    async fn genesis_hash(&self) -> Result<Option<String>, ChainError> {
        if self.head().await?.oldest_version > 0 {
            return Ok(None);
        }
        let genesis = self.get_json("/transactions/by_version/0").await?;
        genesis
            .get("hash")
            .and_then(Value::as_str)
            .map(|hash| Some(hash.to_owned()))
            .ok_or_else(|| {
                ChainError::Unavailable("the genesis transaction has no hash".to_owned())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aptos_sdk::AptosError;

    fn api(status_code: u16, message: &str) -> ClientError {
        ClientError::Aptos(AptosError::Api {
            status_code,
            message: message.to_owned(),
            error_code: Some("vm_error".to_owned()),
            vm_error_code: Some(5),
        })
    }

    #[test]
    fn only_the_purchase_view_s_not_found_abort_is_an_unknown_purchase() {
        // As the node answers the view for an unknown key.
        let unknown = api(
            400,
            "Move abort in 0xa29a::tax_refund: EPURCHASE_NOT_FOUND(0x60004): No such tax-free purchase.",
        );
        assert!(is_purchase_not_found(&unknown));
        for other in [
            api(
                400,
                "Move abort in 0xa29a::invoice: EINVOICE_NOT_FOUND(0x60006): No such invoice.",
            ),
            api(
                500,
                "Move abort in 0xa29a::tax_refund: EPURCHASE_NOT_FOUND(0x60004): No such tax-free purchase.",
            ),
            api(400, "bad request"),
        ] {
            assert!(!is_purchase_not_found(&other), "{other}");
        }
    }

    #[test]
    fn a_node_400_at_submission_is_a_refusal_naming_the_vm_status() {
        let refused = ChainError::from(api(
            400,
            "Invalid transaction: Type: Validation Code: INSUFFICIENT_BALANCE_FOR_TRANSACTION_FEE",
        ));
        assert!(
            matches!(&refused, ChainError::Rejected { code, .. } if code == "INSUFFICIENT_BALANCE_FOR_TRANSACTION_FEE"),
            "{refused:?}"
        );
    }

    #[test]
    fn busy_nodes_and_lost_answers_are_not_refusals() {
        // Before submission (a read failed): nothing was submitted.
        assert!(matches!(
            ChainError::from(api(503, "busy")),
            ChainError::Unavailable(_)
        ));
        assert!(matches!(
            ChainError::from(api(429, "slow down")),
            ChainError::Unavailable(_)
        ));
        let hash = aptos_sdk::HashValue::new([7; 32]);
        let unknown = ChainError::from(ClientError::Unknown {
            hash,
            expires_at: 1_796_000_060,
            detail: "connection reset".to_owned(),
        });
        assert!(
            matches!(&unknown, ChainError::Unknown { hash: h, expires_at: 1_796_000_060, .. } if *h == hash.to_string()),
            "{unknown:?}"
        );
        let timeout = ChainError::from(ClientError::Timeout {
            hash,
            waited: Duration::from_secs(135),
        });
        assert!(matches!(timeout, ChainError::Unknown { expires_at: 0, .. }));
    }
}
