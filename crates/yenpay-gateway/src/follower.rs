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
use crate::AppState;
use crate::chain::{ChainError, LedgerHead};
use crate::outbox;
use crate::store::payments::{self, Payment, Refund};
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

/// The last cursor seen, for readiness (no DB round trip).
#[derive(Debug, Default)]
pub struct StatusCell(Mutex<Option<Cursor>>);

impl StatusCell {
    /// The last cursor.
    pub fn get(&self) -> Option<Cursor> {
        *self.0.lock().expect("status lock")
    }

    fn set(&self, cursor: Cursor) {
        *self.0.lock().expect("status lock") = Some(cursor);
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
    let mut applied = Applied::default();
    let now = state.clock.now();
    for transaction in page {
        let version = number(transaction, "version").ok_or_else(|| {
            FollowerError::Malformed(transaction.to_string().chars().take(200).collect())
        })?;
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
    let decoded = match decode_event(state.config.package, event) {
        Ok(TxEvent::Yenpay(decoded)) => decoded,
        Ok(_) => return Ok(()),
        Err(error) => {
            // Ours but not decodable: the client and the package drifted. Recorded, not applied.
            tracing::error!(%error, version, index, type_tag, "an event of the package does not decode");
            seen.record(tx, None).await?;
            return Ok(());
        }
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
///
/// # Errors
/// [`FollowerError`].
pub async fn poll_once(state: &AppState) -> Result<Applied, FollowerError> {
    let head = state.ledger.head().await?;
    let stored = cursor(&state.db.pool).await?;
    let next = stored
        .map(|c| c.next_version)
        .unwrap_or(state.config.follower_start_version);
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
    apply_page(state, &page, head, Finish::Commit).await
}

/// The follower loop: polls until `stop`, at once again while pages are
/// full, else after `follower_poll_interval`. A page in progress finishes
/// (commits or not) before it returns.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        let busy = match poll_once(&state).await {
            Ok(applied) => applied.transactions >= u64::from(state.config.follower_page_size),
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
