//! The chain follower.
//!
//! The node cannot filter module events by package, so the follower pages
//! every committed transaction by version (`GET /v1/transactions?start=&limit=`),
//! picks the events of our package, and applies them to the database in the
//! same DB transaction as its cursor (the next version to read). A crash at
//! any point therefore neither loses nor doubles an event: either the page's
//! changes and the new cursor are both committed, or neither is. Each applied
//! event is also recorded under its (version, index) key, so a page applied
//! twice changes nothing the second time. A committed Aptos transaction is
//! final (BFT), so there is no confirmation depth to wait for.
//!
//! Every invoice and static payment of the package is recorded, including
//! those made outside the gateway; webhooks are queued (transactional
//! outbox) for onboarded merchants.
//!
//! The follower trusts only the chain it was set up on, page by page, and
//! stops for good ([`Halt`]: logged, a metric, `/readyz`) rather than apply
//! anything else: the chain id and genesis hash are recorded at its first run
//! and checked at every start and every `follower_check_interval`; a page
//! must start at the cursor and hold consecutive versions; a node whose head
//! is behind the cursor, or that has pruned the cursor's version, is not
//! followed; an event of the package that does not decode stops it before
//! the cursor passes it. Events of other packages are not ours to judge.
use crate::AppState;
use crate::chain::{ChainError, LedgerHead};
use crate::outbox;
use crate::store::payments::{self, Payment, Refund};
use aptos_sdk::types::AccountAddress;
use serde_json::{Value, json};
use sqlx::{AnyConnection, AnyPool, Row};
use std::sync::Mutex;
use tokio::sync::watch;
use yenpay_client::events::{TxEvent, YenpayEvent, decode_event};
use yenpay_client::invoice::InvoiceEvent;

/// The follower's cursor name (one follower per database).
pub const CURSOR: &str = "transactions";

/// Where the follower is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The next version to read.
    pub next_version: u64,
    /// The ledger head when last polled.
    pub ledger_version: u64,
    /// Its timestamp, microseconds.
    pub ledger_timestamp_us: u64,
    /// Timestamp of the last applied transaction, microseconds.
    pub applied_timestamp_us: u64,
}

/// The last cursor seen and whether the follower stopped, for readiness
/// (no DB round trip).
#[derive(Debug, Default)]
pub struct StatusCell {
    cursor: Mutex<Option<Cursor>>,
    halt: Mutex<Option<Halt>>,
}

impl StatusCell {
    /// The last cursor.
    pub fn get(&self) -> Option<Cursor> {
        *self.cursor.lock().expect("status lock")
    }

    fn set(&self, cursor: Cursor) {
        *self.cursor.lock().expect("status lock") = Some(cursor);
    }

    /// Why this replica's follower stopped, if it did.
    pub fn halted(&self) -> Option<Halt> {
        self.halt.lock().expect("status lock").clone()
    }
}

/// Why the follower stopped for good: following on would mean trusting a
/// node that is not on our chain, or data that skips or hides something.
/// A restart tries again (after the operator fixed the node or upgraded
/// the gateway). Messages name versions, chain ids and hashes, never the
/// node's URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Halt {
    /// The node is on another chain id than the one recorded.
    #[error("the node is on chain {found}, but this database follows chain {recorded}")]
    ChainId {
        /// Recorded at the first run (or configured).
        recorded: u8,
        /// The node's.
        found: u8,
    },
    /// The node's genesis transaction is not the one recorded.
    #[error(
        "the node's genesis transaction is {found}, but this database follows the chain whose genesis is {recorded}"
    )]
    Genesis {
        /// Recorded at the first run.
        recorded: String,
        /// The node's.
        found: String,
    },
    /// A page does not start at the cursor.
    #[error(
        "a page starts at version {found}, past the cursor at {expected}: versions are missing"
    )]
    PageStart {
        /// The cursor (the next version to read).
        expected: u64,
        /// The page's first version.
        found: u64,
    },
    /// A page skips versions.
    #[error("version {found} follows version {previous} in a page: versions are missing")]
    Gap {
        /// The version before the gap.
        previous: u64,
        /// The version after it.
        found: u64,
    },
    /// The node no longer serves the cursor's version.
    #[error("the node has pruned the versions before {oldest}, and the cursor is at {cursor}")]
    Pruned {
        /// The node's oldest version.
        oldest: u64,
        /// The cursor.
        cursor: u64,
    },
    /// The node's head is behind what was already applied.
    #[error("the node's head is version {head}, behind the cursor at {cursor}")]
    HeadBehind {
        /// The node's latest version.
        head: u64,
        /// The cursor.
        cursor: u64,
    },
    /// An event of the package does not decode (the package and the
    /// gateway drifted): applying the rest would skip it for ever.
    #[error(
        "event {index} of version {version} ({type_tag}) is the package's but does not decode: {error}"
    )]
    UndecodableEvent {
        /// The transaction.
        version: u64,
        /// The event's index in it.
        index: u64,
        /// Its type.
        type_tag: String,
        /// Why it does not decode.
        error: String,
    },
}

impl Halt {
    /// A short code: the metric's label and `/readyz`'s.
    pub fn code(&self) -> &'static str {
        match self {
            Halt::ChainId { .. } => "chain_id",
            Halt::Genesis { .. } => "genesis",
            Halt::PageStart { .. } | Halt::Gap { .. } => "gap",
            Halt::Pruned { .. } => "pruned",
            Halt::HeadBehind { .. } => "head_behind",
            Halt::UndecodableEvent { .. } => "undecodable_event",
        }
    }
}

/// Why a poll failed.
#[derive(Debug, thiserror::Error)]
pub enum FollowerError {
    /// The node.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The database.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    /// A transaction without a version.
    #[error("a transaction of the page has no version: {0}")]
    Malformed(String),
    /// The follower must stop ([`Halt`]).
    #[error("the follower stopped: {0}")]
    Halt(#[from] Halt),
}

/// How [`apply_page`] ends its DB transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// Commit (normal operation).
    Commit,
    /// Drop it uncommitted, as a crash between applying and committing would (tests).
    Crash,
}

/// What a page changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// Transactions read at or past the cursor.
    pub transactions: u64,
    /// Package events newly applied.
    pub events: u64,
    /// Package events already applied before (a replayed page).
    pub duplicates: u64,
    /// Webhook deliveries queued.
    pub webhooks: u64,
    /// Open codes found expired by chain time.
    pub expired: u64,
}

/// The stored cursor.
pub async fn cursor(pool: &AnyPool) -> Result<Option<Cursor>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT next_version, ledger_version, ledger_timestamp_us, applied_timestamp_us FROM follower_cursor WHERE name = $1",
    )
    .bind(CURSOR)
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok(Cursor {
            next_version: row.try_get::<i64, _>("next_version")? as u64,
            ledger_version: row.try_get::<i64, _>("ledger_version")? as u64,
            ledger_timestamp_us: row.try_get::<i64, _>("ledger_timestamp_us")? as u64,
            applied_timestamp_us: row.try_get::<i64, _>("applied_timestamp_us")? as u64,
        })
    })
    .transpose()
}

fn number(tx: &Value, field: &str) -> Option<u64> {
    tx.get(field)?.as_str()?.parse().ok()
}

/// Applies a page of committed transactions (as the node returns them, in
/// version order) and moves the cursor past its last transaction, in one DB
/// transaction. Transactions before the cursor are skipped.
///
/// # Errors
/// [`FollowerError`]; nothing is committed then.
pub async fn apply_page(
    state: &AppState,
    page: &[Value],
    head: LedgerHead,
    finish: Finish,
) -> Result<Applied, FollowerError> {
    let mut tx = state.db.begin().await?;
    let current = sqlx::query(
        "SELECT next_version, applied_timestamp_us FROM follower_cursor WHERE name = $1",
    )
    .bind(CURSOR)
    .fetch_optional(&mut *tx)
    .await?;
    let (mut next_version, mut applied_ts) = match current {
        Some(row) => (
            row.try_get::<i64, _>("next_version")? as u64,
            row.try_get::<i64, _>("applied_timestamp_us")? as u64,
        ),
        None => (state.config.follower_start_version, 0),
    };
    // The whole page is checked before any of it is applied: it must reach
    // the cursor (a page behind it is a replay, skipped) with no version missing.
    let versions = page
        .iter()
        .map(|transaction| {
            number(transaction, "version").ok_or_else(|| {
                FollowerError::Malformed(transaction.to_string().chars().take(200).collect())
            })
        })
        .collect::<Result<Vec<u64>, _>>()?;
    if let Some(&first) = versions.first()
        && first > next_version
    {
        return Err(Halt::PageStart {
            expected: next_version,
            found: first,
        }
        .into());
    }
    if let Some(pair) = versions.windows(2).find(|pair| pair[1] != pair[0] + 1) {
        return Err(Halt::Gap {
            previous: pair[0],
            found: pair[1],
        }
        .into());
    }
    let mut applied = Applied::default();
    let now = state.clock.now();
    for (transaction, &version) in page.iter().zip(&versions) {
        if version < next_version {
            continue;
        }
        applied.transactions += 1;
        let timestamp = number(transaction, "timestamp").unwrap_or(0);
        let success = transaction
            .get("success")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if success {
            let hash = transaction
                .get("hash")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let events = transaction
                .get("events")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for (index, event) in events.iter().enumerate() {
                let seen = Seen {
                    event,
                    version,
                    index: index as u64,
                    hash,
                    timestamp_us: timestamp,
                };
                apply_event(state, &mut tx, &seen, now, &mut applied).await?;
            }
        }
        next_version = version + 1;
        applied_ts = applied_ts.max(timestamp);
    }
    applied.expired =
        expire_open_codes(&mut tx, applied_ts / 1_000_000, now, &mut applied.webhooks).await?;
    let ledger_version = head.version.max(next_version.saturating_sub(1));
    sqlx::query(
        "INSERT INTO follower_cursor (name, next_version, ledger_version, ledger_timestamp_us, applied_timestamp_us, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO UPDATE SET next_version = $2, ledger_version = $3, \
         ledger_timestamp_us = $4, applied_timestamp_us = $5, updated_at = $6",
    )
    .bind(CURSOR)
    .bind(next_version as i64)
    .bind(ledger_version as i64)
    .bind(head.timestamp_us as i64)
    .bind(applied_ts as i64)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    match finish {
        Finish::Commit => tx.commit().await?,
        Finish::Crash => {
            drop(tx);
            return Ok(applied);
        }
    }
    let cursor = Cursor {
        next_version,
        ledger_version,
        ledger_timestamp_us: head.timestamp_us,
        applied_timestamp_us: applied_ts,
    };
    record_lag(state, cursor);
    state.metrics.follower_events.inc_by(applied.events);
    if applied.webhooks > 0 {
        state.outbox_ready.notify_one();
    }
    if applied.events > 0 || applied.expired > 0 {
        state.signal_payments_changed();
    }
    Ok(applied)
}

fn record_lag(state: &AppState, cursor: Cursor) {
    let behind = (cursor.ledger_version + 1).saturating_sub(cursor.next_version);
    state.metrics.follower_lag_versions.set(behind as i64);
    let seconds = if behind == 0 {
        0.0
    } else {
        cursor
            .ledger_timestamp_us
            .saturating_sub(cursor.applied_timestamp_us) as f64
            / 1e6
    };
    state.metrics.follower_lag_seconds.set(seconds);
    state.follower_status.set(cursor);
}

/// One event of a committed transaction, and where it was.
struct Seen<'a> {
    event: &'a Value,
    version: u64,
    index: u64,
    hash: &'a str,
    timestamp_us: u64,
}

impl Seen<'_> {
    fn type_tag(&self) -> &str {
        self.event
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// Stores it under its (version, index) key; `false` when it was there
    /// already (a page read twice).
    async fn record(
        &self,
        tx: &mut AnyConnection,
        merchant: Option<&str>,
    ) -> Result<bool, sqlx::Error> {
        let type_tag = self.type_tag();
        let name = type_tag.rsplit("::").next().unwrap_or(type_tag);
        let data = self
            .event
            .get("data")
            .cloned()
            .unwrap_or(Value::Null)
            .to_string();
        Ok(sqlx::query(
            "INSERT INTO chain_events (version, event_index, tx_hash, event_type, merchant_address, data, tx_timestamp) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(self.version as i64)
        .bind(self.index as i64)
        .bind(self.hash)
        .bind(name)
        .bind(merchant)
        .bind(data)
        .bind(self.timestamp_us as i64)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1)
    }
}

async fn apply_event(
    state: &AppState,
    tx: &mut AnyConnection,
    seen: &Seen<'_>,
    now: i64,
    applied: &mut Applied,
) -> Result<(), FollowerError> {
    let Seen {
        event,
        version,
        index,
        hash,
        timestamp_us,
    } = *seen;
    let type_tag = seen.type_tag();
    let package = state.config.package;
    let undecodable = |error: String| Halt::UndecodableEvent {
        version,
        index,
        type_tag: type_tag.to_owned(),
        error,
    };
    let decoded = match decode_event(package, event) {
        Ok(TxEvent::Yenpay(decoded)) => decoded,
        // Ours, but a module or event this gateway does not know (a newer package).
        Ok(_) if of_package(package, event) => {
            return Err(
                undecodable("not an event of the package this gateway knows".into()).into(),
            );
        }
        Ok(_) => return Ok(()),
        // Ours but not decodable: the client and the package drifted.
        Err(error) if of_package(package, event) => {
            return Err(undecodable(error.to_string()).into());
        }
        // Another package's event, however odd, is not ours to judge.
        Err(_) => return Ok(()),
    };
    let YenpayEvent::Invoice(invoice_event) = &decoded else {
        // Registry, stablecoin and upgrade events: recorded for the audit trail, no payment state.
        seen.record(tx, None).await?;
        return Ok(());
    };
    let merchant = match invoice_event {
        InvoiceEvent::InvoiceCreated(e) => e.merchant,
        InvoiceEvent::InvoicePaid(e) => e.merchant,
        InvoiceEvent::InvoiceCancelled(e) => e.merchant,
        InvoiceEvent::InvoiceRefunded(e) => e.merchant,
        InvoiceEvent::MerchantPaid(e) => e.merchant,
        // Anything else (purges, settings): recorded for the audit trail, no payment state.
        _ => {
            seen.record(tx, None).await?;
            return Ok(());
        }
    }
    .to_hex();
    if !seen.record(tx, Some(&merchant)).await? {
        applied.duplicates += 1;
        return Ok(());
    }
    applied.events += 1;
    let event_id = format!("evt_{version}_{index}");
    let block_secs = (timestamp_us / 1_000_000) as i64;
    match invoice_event {
        InvoiceEvent::InvoiceCreated(e) => {
            let updated = sqlx::query(
                "UPDATE payments SET status = CASE WHEN status = 'PENDING' THEN 'CREATED' ELSE status END, \
                 create_tx = COALESCE(create_tx, $1), create_version = COALESCE(create_version, $2), expires_at = $3 \
                 WHERE merchant_address = $4 AND merchant_payment_id = $5",
            )
            .bind(hash)
            .bind(version as i64)
            .bind(e.expires_at as i64)
            .bind(&merchant)
            .bind(&e.order_ref)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 0 {
                let mut row =
                    chain_payment(&merchant, &e.order_ref, "dynamic", e.amount, block_secs);
                row.status = "CREATED".to_owned();
                row.expires_at = e.expires_at as i64;
                row.create_tx = Some(hash.to_owned());
                row.create_version = Some(version as i64);
                payments::insert(&mut *tx, &row).await?;
            }
        }
        InvoiceEvent::InvoicePaid(e) => {
            let updated = sqlx::query(
                "UPDATE payments SET status = CASE WHEN status IN ('PENDING', 'CREATED', 'EXPIRED') THEN 'COMPLETED' ELSE status END, \
                 payer = $1, fee = $2, net = $3, paid_at = $4, pay_tx = $5, pay_version = $6 \
                 WHERE merchant_address = $7 AND merchant_payment_id = $8",
            )
            .bind(e.payer.to_hex())
            .bind(e.fee as i64)
            .bind(e.net as i64)
            .bind(e.paid_at as i64)
            .bind(hash)
            .bind(version as i64)
            .bind(&merchant)
            .bind(&e.order_ref)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 0 {
                let mut row =
                    chain_payment(&merchant, &e.order_ref, "dynamic", e.amount, block_secs);
                row.status = "COMPLETED".to_owned();
                row.expires_at = e.paid_at as i64;
                paid(
                    &mut row,
                    &e.payer.to_hex(),
                    e.fee,
                    e.net,
                    e.paid_at,
                    hash,
                    version,
                );
                payments::insert(&mut *tx, &row).await?;
            }
            applied.webhooks += announce_payment(
                tx,
                &merchant,
                &e.order_ref,
                &event_id,
                "PAYMENT_COMPLETED",
                now,
            )
            .await?;
        }
        InvoiceEvent::InvoiceCancelled(e) => {
            sqlx::query(
                "UPDATE payments SET status = 'CANCELED' WHERE merchant_address = $1 AND merchant_payment_id = $2 \
                 AND status IN ('PENDING', 'CREATED')",
            )
            .bind(&merchant)
            .bind(&e.order_ref)
            .execute(&mut *tx)
            .await?;
            applied.webhooks += announce_payment(
                tx,
                &merchant,
                &e.order_ref,
                &event_id,
                "PAYMENT_CANCELED",
                now,
            )
            .await?;
        }
        InvoiceEvent::InvoiceRefunded(e) => {
            sqlx::query(
                "UPDATE payments SET refunded = $1, fee_refunded = fee_refunded + $2, \
                 status = CASE WHEN $1 >= amount THEN 'REFUNDED' ELSE status END \
                 WHERE merchant_address = $3 AND merchant_payment_id = $4",
            )
            .bind(e.refunded_total as i64)
            .bind(e.fee_returned as i64)
            .bind(&merchant)
            .bind(&e.order_ref)
            .execute(&mut *tx)
            .await?;
            let code_id = payments::code_id(&merchant, &e.order_ref);
            let refund_id = match_refund(tx, &code_id, e.amount as i64, hash).await?;
            let refund_id = match refund_id {
                Some(id) => {
                    sqlx::query(
                        "UPDATE refunds SET status = 'COMPLETED', tx_hash = $1, tx_version = $2, fee_returned = $3, \
                         completed_at = $4 WHERE refund_id = $5",
                    )
                    .bind(hash)
                    .bind(version as i64)
                    .bind(e.fee_returned as i64)
                    .bind(block_secs)
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                    id
                }
                None => {
                    let refund = Refund {
                        refund_id: format!("r_chain_{version}_{index}"),
                        merchant_address: merchant.clone(),
                        merchant_refund_id: format!("chain-{version}-{index}"),
                        code_id: code_id.clone(),
                        amount: e.amount as i64,
                        status: "COMPLETED".to_owned(),
                        reason: None,
                        fee_returned: Some(e.fee_returned as i64),
                        tx_hash: Some(hash.to_owned()),
                        tx_version: Some(version as i64),
                        created_at: block_secs,
                        completed_at: Some(block_secs),
                    };
                    payments::insert_refund(&mut *tx, &refund).await?;
                    refund.refund_id
                }
            };
            let merchant_refund_id: Option<String> =
                sqlx::query("SELECT merchant_refund_id FROM refunds WHERE refund_id = $1")
                    .bind(&refund_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(|row| row.try_get("merchant_refund_id"))
                    .transpose()?;
            let data = json!({
                "merchantRefundId": merchant_refund_id,
                "merchantPaymentId": e.order_ref,
                "codeId": code_id,
                "amount": {"amount": e.amount, "currency": "JPY"},
                "feeReturned": e.fee_returned,
                "refundedTotal": e.refunded_total,
                "payer": e.payer.to_hex(),
                "transactionHash": hash,
                "version": version,
            });
            applied.webhooks +=
                outbox::enqueue(tx, &merchant, &event_id, "REFUND_COMPLETED", data, now).await?;
        }
        InvoiceEvent::MerchantPaid(e) => {
            let id = format!("static-{version}-{index}");
            let mut row = chain_payment(&merchant, &id, "static", e.amount, block_secs);
            row.status = "COMPLETED".to_owned();
            row.expires_at = e.paid_at as i64;
            row.reference = Some(e.reference.clone());
            paid(
                &mut row,
                &e.payer.to_hex(),
                e.fee,
                e.net,
                e.paid_at,
                hash,
                version,
            );
            payments::insert(&mut *tx, &row).await?;
            applied.webhooks +=
                announce_payment(tx, &merchant, &id, &event_id, "PAYMENT_COMPLETED", now).await?;
        }
        _ => {}
    }
    Ok(())
}

/// Whether `event` may be one of `package`'s: its type names the package,
/// or it has no readable type at all (fail closed: it might be ours).
fn of_package(package: AccountAddress, event: &Value) -> bool {
    let Some(type_tag) = event.get("type").and_then(Value::as_str) else {
        return true;
    };
    let address = type_tag.split("::").next().unwrap_or_default();
    AccountAddress::from_hex(address).is_ok_and(|address| address == package)
}

fn chain_payment(merchant: &str, id: &str, kind: &str, amount: u64, created_at: i64) -> Payment {
    Payment {
        code_id: payments::code_id(merchant, id),
        merchant_address: merchant.to_owned(),
        merchant_payment_id: id.to_owned(),
        kind: kind.to_owned(),
        origin: "chain".to_owned(),
        status: String::new(),
        amount: amount as i64,
        expires_at: 0,
        created_at,
        create_tx: None,
        create_version: None,
        payer: None,
        fee: None,
        net: None,
        paid_at: None,
        pay_tx: None,
        pay_version: None,
        refunded: 0,
        fee_refunded: 0,
        reference: None,
    }
}

fn paid(
    row: &mut Payment,
    payer: &str,
    fee: u64,
    net: u64,
    paid_at: u64,
    hash: &str,
    version: u64,
) {
    row.payer = Some(payer.to_owned());
    row.fee = Some(fee as i64);
    row.net = Some(net as i64);
    row.paid_at = Some(paid_at as i64);
    row.pay_tx = Some(hash.to_owned());
    row.pay_version = Some(version as i64);
}

/// The gateway refund this chain refund completes: the one already carrying
/// its transaction hash, else the oldest pending one of the payment with
/// this amount (the API's submission may still be waiting for its answer).
async fn match_refund(
    tx: &mut AnyConnection,
    code_id: &str,
    amount: i64,
    hash: &str,
) -> Result<Option<String>, sqlx::Error> {
    let by_hash = sqlx::query("SELECT refund_id FROM refunds WHERE code_id = $1 AND tx_hash = $2")
        .bind(code_id)
        .bind(hash)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(row) = by_hash {
        return Ok(Some(row.try_get("refund_id")?));
    }
    let pending = sqlx::query(
        "SELECT refund_id FROM refunds WHERE code_id = $1 AND status = 'PENDING' AND amount = $2 \
         ORDER BY created_at, refund_id LIMIT 1",
    )
    .bind(code_id)
    .bind(amount)
    .fetch_optional(&mut *tx)
    .await?;
    pending.map(|row| row.try_get("refund_id")).transpose()
}

/// Codes expired per page at most (the rest go with the next page).
const EXPIRE_BATCH: i64 = 500;

/// Marks open codes whose expiry the chain's clock has reached as `EXPIRED`
/// and queues `PAYMENT_EXPIRED` for each, in the page's DB transaction.
///
/// The package takes a payment only while `now_seconds() < expires_at`, and
/// every later transaction has a timestamp at least `chain_secs` (that of
/// the last applied one): so a code with `expires_at <= chain_secs` can never
/// be paid, and the state is final. The gateway's own clock is not used, so
/// a fast gateway clock cannot expire a code the chain still takes.
async fn expire_open_codes(
    tx: &mut AnyConnection,
    chain_secs: u64,
    now: i64,
    webhooks: &mut u64,
) -> Result<u64, sqlx::Error> {
    let due = sqlx::query(
        "SELECT merchant_address, merchant_payment_id FROM payments \
         WHERE status IN ('PENDING', 'CREATED') AND expires_at <= $1 ORDER BY expires_at LIMIT $2",
    )
    .bind(chain_secs as i64)
    .bind(EXPIRE_BATCH)
    .fetch_all(&mut *tx)
    .await?;
    for row in &due {
        let merchant: String = row.try_get("merchant_address")?;
        let order: String = row.try_get("merchant_payment_id")?;
        sqlx::query(
            "UPDATE payments SET status = 'EXPIRED' WHERE merchant_address = $1 \
             AND merchant_payment_id = $2 AND status IN ('PENDING', 'CREATED')",
        )
        .bind(&merchant)
        .bind(&order)
        .execute(&mut *tx)
        .await?;
        let event_id = format!("exp_{}", payments::code_id(&merchant, &order));
        *webhooks +=
            announce_payment(tx, &merchant, &order, &event_id, "PAYMENT_EXPIRED", now).await?;
    }
    Ok(due.len() as u64)
}

/// Queues a payment webhook with the payment's current state.
async fn announce_payment(
    tx: &mut AnyConnection,
    merchant: &str,
    merchant_payment_id: &str,
    event_id: &str,
    event_type: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let Some(p) = payments::by_merchant_payment_id(&mut *tx, merchant, merchant_payment_id).await?
    else {
        return Ok(0);
    };
    let data = json!({
        "codeId": p.code_id,
        "merchantPaymentId": p.merchant_payment_id,
        "status": p.status,
        "kind": p.kind,
        "origin": p.origin,
        "amount": {"amount": p.amount, "currency": "JPY"},
        "payer": p.payer,
        "fee": p.fee,
        "net": p.net,
        "paidAt": p.paid_at,
        "reference": p.reference,
        "transactionHash": if event_type == "PAYMENT_COMPLETED" { p.pay_tx.clone() } else { None },
        "version": if event_type == "PAYMENT_COMPLETED" { p.pay_version } else { None },
    });
    outbox::enqueue(tx, merchant, event_id, event_type, data, now).await
}

/// One poll: read the head, then one page from the cursor, and apply it.
/// A [`Halt`] is recorded ([`halt`]) before it is returned.
///
/// # Errors
/// [`FollowerError`].
pub async fn poll_once(state: &AppState) -> Result<Applied, FollowerError> {
    let polled = poll(state).await;
    if let Err(FollowerError::Halt(reason)) = &polled {
        halt(state, reason).await;
    }
    polled
}

async fn poll(state: &AppState) -> Result<Applied, FollowerError> {
    let head = state.ledger.head().await?;
    // The node may be swapped under the same URL: its chain id is checked at
    // every poll (it comes with the head), its genesis every check interval.
    if head.chain_id != state.config.chain_id {
        return Err(Halt::ChainId {
            recorded: state.config.chain_id,
            found: head.chain_id,
        }
        .into());
    }
    let stored = cursor(&state.db.pool).await?;
    let next = stored
        .map(|c| c.next_version)
        .unwrap_or(state.config.follower_start_version);
    // `next` is one past the last applied version: a head before that has
    // not seen what was applied (another chain, a restored node).
    if head.version.saturating_add(1) < next {
        return Err(Halt::HeadBehind {
            head: head.version,
            cursor: next,
        }
        .into());
    }
    if head.oldest_version > next {
        return Err(Halt::Pruned {
            oldest: head.oldest_version,
            cursor: next,
        }
        .into());
    }
    if next > head.version {
        let caught_up = Cursor {
            next_version: next,
            ledger_version: head.version,
            ledger_timestamp_us: head.timestamp_us,
            applied_timestamp_us: stored
                .map(|c| c.applied_timestamp_us)
                .unwrap_or(head.timestamp_us),
        };
        record_lag(state, caught_up);
        return Ok(Applied::default());
    }
    let page = state
        .ledger
        .transactions(next, state.config.follower_page_size)
        .await?;
    // We asked for `next`: a page starting anywhere else is not what we asked for.
    if let Some(first) = page.first().and_then(|t| number(t, "version"))
        && first != next
    {
        return Err(Halt::PageStart {
            expected: next,
            found: first,
        }
        .into());
    }
    apply_page(state, &page, head, Finish::Commit).await
}

/// The chain a database follows.
const CHAIN: &str = "chain";

/// Checks that the node is on the chain this database follows: the chain id
/// and the genesis transaction's hash, recorded here at the first run. Also
/// checks the configured chain id (from the deployments file or the node at
/// start) against the record. A mismatch is a [`Halt`], recorded ([`halt`])
/// before it is returned; a check that passes clears an earlier halt.
///
/// When the node has pruned version 0 its genesis cannot be compared (or,
/// at the first run, recorded): the chain id is checked alone then, and a
/// warning is logged.
///
/// # Errors
/// [`FollowerError`].
pub async fn check_chain(state: &AppState) -> Result<(), FollowerError> {
    let checked = check(state).await;
    if let Err(FollowerError::Halt(reason)) = &checked {
        halt(state, reason).await;
    }
    checked
}

async fn check(state: &AppState) -> Result<(), FollowerError> {
    let head = state.ledger.head().await?;
    let genesis = state.ledger.genesis_hash().await?;
    let pool = &state.db.pool;
    sqlx::query(
        "INSERT INTO follower_chain (name, chain_id, genesis_hash, recorded_at) VALUES ($1, $2, $3, $4)          ON CONFLICT (name) DO NOTHING",
    )
    .bind(CHAIN)
    .bind(i64::from(head.chain_id))
    .bind(genesis.as_deref())
    .bind(state.clock.now())
    .execute(pool)
    .await?;
    let row = sqlx::query("SELECT chain_id, genesis_hash FROM follower_chain WHERE name = $1")
        .bind(CHAIN)
        .fetch_one(pool)
        .await?;
    let recorded_id = row.try_get::<i64, _>("chain_id")?;
    let recorded_genesis: Option<String> = row.try_get("genesis_hash")?;
    let recorded_id = u8::try_from(recorded_id).unwrap_or(u8::MAX);
    for recorded in [recorded_id, state.config.chain_id] {
        if head.chain_id != recorded {
            return Err(Halt::ChainId {
                recorded,
                found: head.chain_id,
            }
            .into());
        }
    }
    match (recorded_genesis, genesis) {
        (Some(recorded), Some(found)) if recorded != found => {
            return Err(Halt::Genesis { recorded, found }.into());
        }
        (Some(_), Some(_)) => {}
        _ => tracing::warn!(
            "the node has pruned its genesis transaction (or had at the first run): only the chain id is checked"
        ),
    }
    sqlx::query(
        "UPDATE follower_chain SET halt_code = NULL, halt_reason = NULL, halted_at = NULL WHERE name = $1",
    )
    .bind(CHAIN)
    .execute(pool)
    .await?;
    Ok(())
}

/// Stops the follower for `reason`: an error log, the `follower_halted`
/// metric, the status `/readyz` reads, and a row every replica's `/readyz` reads.
pub async fn halt(state: &AppState, reason: &Halt) {
    tracing::error!(code = reason.code(), %reason, "the follower stopped");
    state
        .metrics
        .follower_halted
        .with_label_values(&[reason.code()])
        .set(1);
    *state.follower_status.halt.lock().expect("status lock") = Some(reason.clone());
    let stored = sqlx::query(
        "UPDATE follower_chain SET halt_code = $1, halt_reason = $2, halted_at = $3 WHERE name = $4",
    )
    .bind(reason.code())
    .bind(reason.to_string())
    .bind(state.clock.now())
    .bind(CHAIN)
    .execute(&state.db.pool)
    .await;
    if let Err(error) = stored {
        tracing::warn!(%error, "recording why the follower stopped");
    }
}

/// Why the database's follower stopped, as recorded (for replicas without
/// one): its code and reason.
pub async fn recorded_halt(pool: &AnyPool) -> Result<Option<(String, String)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT halt_code, halt_reason FROM follower_chain WHERE name = $1 AND halt_code IS NOT NULL",
    )
    .bind(CHAIN)
    .fetch_optional(pool)
    .await?;
    row.map(|row| Ok((row.try_get("halt_code")?, row.try_get("halt_reason")?)))
        .transpose()
}

/// The follower loop: checks the chain ([`check_chain`]) before the first
/// poll and every `follower_check_interval`, then polls until `stop`, at
/// once again while pages are full, else after `follower_poll_interval`. A
/// page in progress finishes (commits or not) before it returns. It
/// returns for good at a [`Halt`].
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut checked: Option<tokio::time::Instant> = None;
    loop {
        let due = checked.is_none_or(|at| at.elapsed() >= state.config.follower_check_interval);
        let polled = async {
            if due {
                check_chain(&state).await?;
                checked = Some(tokio::time::Instant::now());
            }
            poll_once(&state).await
        }
        .await;
        let busy = match polled {
            Ok(applied) => applied.transactions >= u64::from(state.config.follower_page_size),
            Err(FollowerError::Halt(_)) => return,
            Err(error) => {
                tracing::warn!(%error, "follower poll failed");
                false
            }
        };
        if *stop.borrow() {
            return;
        }
        if !busy {
            tokio::select! {
                _ = stop.changed() => return,
                _ = tokio::time::sleep(state.config.follower_poll_interval) => {}
            }
        }
    }
}
