//! The chain follower.
//!
//! The node's REST API cannot filter module events by package, so the
//! follower reads every committed transaction by version from a
//! [`TransactionSource`] (by default [`RestSource`]:
//! `GET /v1/transactions?start=&limit=`, 100 a page), keeps the events of our
//! package ([`page`]: the rest of a transaction is skipped undecoded), and
//! applies them to the database in the same DB transaction as its cursor
//! (the next version to read). A crash at
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
//!
//! [`source`] is where pages come from and [`page`] what the follower keeps
//! of one; [`event`] reads each event of the package and records it; [`invoice`] turns
//! the invoice events into payment states and webhooks, a function per
//! kind; [`status`] has what the follower reports.
mod event;
pub mod fx;
mod hold;
mod invoice;
pub mod page;
pub mod source;
mod status;
mod tax_refund;

pub use page::{PackageFilter, Page};
pub use source::{GrpcOptions, GrpcSource, RestSource, TransactionSource};
pub use status::{Applied, Cursor, Finish, FollowerError, Halt, StatusCell};

use crate::AppState;
use crate::chain::LedgerHead;
use event::Seen;
use serde_json::Value;
use sqlx::{AnyPool, Row};
use std::time::Duration;
use tokio::sync::watch;

/// How long a node's REST head may stay behind what its stream handed out
/// (synced, its ledger info not yet committed) before the follower halts.
const HEAD_CATCH_UP: Duration = Duration::from_secs(2);

/// The follower's cursor name (one follower per database).
pub const CURSOR: &str = "transactions";

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

/// Applies a page of committed transactions as the node's REST API returns
/// them ([`apply`] after [`Page::from_values`]).
///
/// # Errors
/// [`FollowerError`]; nothing is committed then.
pub async fn apply_page(
    state: &AppState,
    page: &[Value],
    head: LedgerHead,
    finish: Finish,
) -> Result<Applied, FollowerError> {
    let filter = PackageFilter::new(state.config.package);
    let page = Page::from_values(page, &filter)
        .map_err(|error| FollowerError::Malformed(error.to_string()))?;
    apply(state, &page, head, finish).await
}

/// Applies a page of committed transactions (in version order) and moves
/// the cursor past its last transaction, in one DB transaction.
/// Transactions before the cursor are skipped.
///
/// # Errors
/// [`FollowerError`]; nothing is committed then.
pub async fn apply(
    state: &AppState,
    page: &Page,
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
    // A stream states its chain with every response: it must be ours.
    if let Some(&found) = page
        .chain_ids
        .iter()
        .find(|&&id| id != u64::from(state.config.chain_id))
    {
        return Err(Halt::ChainId {
            recorded: state.config.chain_id,
            found: u8::try_from(found).unwrap_or(u8::MAX),
        }
        .into());
    }
    // The whole page is checked before any of it is applied: it must reach
    // the cursor (a page behind it is a replay, skipped) with no version
    // missing; a filtered page's stated ranges must join up from the cursor.
    let transactions = &page.transactions;
    let through = match &page.ranges {
        Some(ranges) => check_ranges(ranges, transactions, next_version)?,
        None => {
            check_consecutive(transactions, next_version)?;
            None
        }
    };
    let from = next_version;
    let mut applied = Applied::default();
    let now = state.clock.now();
    for transaction in transactions {
        let version = transaction.version;
        if version < next_version {
            continue;
        }
        applied.transactions += 1;
        // A failed transaction's events were not kept (`page`).
        for event in &transaction.events {
            let seen = Seen {
                event,
                version,
                hash: &transaction.hash,
                timestamp_us: transaction.timestamp_us,
            };
            event::apply(state, &mut tx, &seen, now, &mut applied).await?;
        }
        next_version = version + 1;
        applied_ts = applied_ts.max(transaction.timestamp_us);
    }
    // A filtered page covers the versions the source looked at, matched or not.
    if let Some(last) = through {
        next_version = last + 1;
        applied.transactions = next_version - from;
    }
    applied.expired =
        invoice::expire_open_codes(&mut tx, applied_ts / 1_000_000, now, &mut applied.webhooks)
            .await?;
    applied.expired +=
        hold::expire_holds(&mut tx, applied_ts / 1_000_000, now, &mut applied.webhooks).await?;
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

/// An unfiltered page: from the cursor (or before it: a replay), no version missing.
fn check_consecutive(transactions: &[page::Transaction], cursor: u64) -> Result<(), Halt> {
    if let Some(first) = transactions.first()
        && first.version > cursor
    {
        return Err(Halt::PageStart {
            expected: cursor,
            found: first.version,
        });
    }
    if let Some(pair) = transactions
        .windows(2)
        .find(|pair| pair[1].version != pair[0].version + 1)
    {
        return Err(Halt::Gap {
            previous: pair[0].version,
            found: pair[1].version,
        });
    }
    Ok(())
}

/// A filtered page: the ranges the source states it looked at start at the
/// cursor and each where the last ended, and every transaction is in them,
/// in order. Returns the last version looked at. What the ranges cannot
/// show is a matching transaction the source left out: it is trusted for that.
fn check_ranges(
    ranges: &[(u64, u64)],
    transactions: &[page::Transaction],
    cursor: u64,
) -> Result<Option<u64>, Halt> {
    let mut expected = cursor;
    for &(first, last) in ranges {
        if first != expected || last < first || last == u64::MAX {
            return Err(Halt::Range {
                expected,
                first,
                last,
            });
        }
        expected = last + 1;
    }
    let mut previous: Option<u64> = None;
    for transaction in transactions {
        let version = transaction.version;
        if version < cursor || version >= expected || previous.is_some_and(|p| version <= p) {
            return Err(Halt::OutsideRange { version });
        }
        previous = Some(version);
    }
    Ok(ranges.last().map(|&(_, last)| last))
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
    // A stream hands out what the node has synced, which its REST API shows
    // once the block's ledger info is committed, moments later: a head just
    // behind the stream is given that long before it counts as rewound.
    let mut head = head;
    if state.transactions.streams() {
        let deadline = tokio::time::Instant::now() + HEAD_CATCH_UP;
        while head.version.saturating_add(1) < next && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
            head = state.ledger.head().await?;
        }
    }
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
        // At the head a stream is waited on: the node pushes the next
        // version the moment it has it, where a poll would sleep first.
        if state.transactions.streams() {
            let page = state
                .transactions
                .next_page(
                    next,
                    stream_limit(state),
                    state.config.follower_poll_interval,
                )
                .await?;
            if !page.is_empty() {
                return apply(state, &page, head, Finish::Commit).await;
            }
        }
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
    let page = read(state, next, head.version).await?;
    apply(state, &page, head, Finish::Commit).await
}

/// The pages from `next` up to the head (`head`), at most
/// `follower_batch_pages` of them, read concurrently (their versions are
/// known) and joined in version order. Each must start where asked; the
/// joined page is checked whole by [`apply`].
async fn read(state: &AppState, next: u64, head: u64) -> Result<Page, FollowerError> {
    if state.transactions.streams() {
        return read_stream(state, next).await;
    }
    let size = u64::from(state.config.follower_page_size.max(1));
    let pending = head.saturating_add(1).saturating_sub(next);
    let pages = pending
        .div_ceil(size)
        .clamp(1, u64::from(state.config.follower_batch_pages.max(1)));
    let reads = (0..pages).map(|n| {
        let start = next + n * size;
        async move {
            let page = state
                .transactions
                .page(start, state.config.follower_page_size)
                .await?;
            // We asked for `start`: a page starting anywhere else is not what we asked for.
            if let Some(first) = page.transactions.first()
                && first.version != start
            {
                return Err(FollowerError::from(Halt::PageStart {
                    expected: start,
                    found: first.version,
                }));
            }
            Ok(page)
        }
    });
    let mut joined = Page::default();
    for page in futures_util::future::try_join_all(reads).await? {
        let short = page.transactions.len() < state.config.follower_page_size as usize;
        joined.transactions.extend(page.transactions);
        // A short page is the head as the node saw it: pages after it may be
        // empty or newer than the head read; they are read next time.
        if short {
            break;
        }
    }
    Ok(joined)
}

/// A stream is read in order: one page of up to a batch's versions from
/// the cursor, with what has arrived. An unfiltered page must start at the
/// cursor (a stream that went back or repeats stops the follower here; one
/// that skipped, in [`apply`]).
async fn read_stream(state: &AppState, next: u64) -> Result<Page, FollowerError> {
    let page = state.transactions.page(next, stream_limit(state)).await?;
    if page.ranges.is_none()
        && let Some(first) = page.transactions.first()
        && first.version < next
    {
        return Err(Halt::Behind {
            expected: next,
            found: first.version,
        }
        .into());
    }
    Ok(page)
}

/// A stream's page: up to a batch's versions.
fn stream_limit(state: &AppState) -> u16 {
    let limit = u32::from(state.config.follower_page_size.max(1))
        * u32::from(state.config.follower_batch_pages.max(1));
    u16::try_from(limit).unwrap_or(u16::MAX)
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
    state.follower_status.set_halted(reason.clone());
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
/// once again while pages are full, else after `follower_poll_interval`
/// (over a stream, at once: at the head its poll waits on the stream). A
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
            // A stream's poll has waited on the stream when it found nothing.
            Ok(_) if state.transactions.streams() => true,
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
