//! What the follower reports: where it is, why it stopped, what a page changed.
use crate::chain::ChainError;
use std::sync::Mutex;

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

    pub(super) fn set(&self, cursor: Cursor) {
        *self.cursor.lock().expect("status lock") = Some(cursor);
    }

    pub(super) fn set_halted(&self, reason: Halt) {
        *self.halt.lock().expect("status lock") = Some(reason);
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
    /// A stream sent a version before the cursor: it went back or repeats.
    #[error(
        "the transaction stream sent version {found}, behind the cursor at {expected}: it went back or repeats"
    )]
    Behind {
        /// The cursor (the next version to read).
        expected: u64,
        /// The version sent.
        found: u64,
    },
    /// A filtered source states ranges that do not join up from the cursor.
    #[error(
        "the source states it looked at versions {first} to {last}, but the next to look at is {expected}: versions are missing"
    )]
    Range {
        /// Where the range had to start.
        expected: u64,
        /// Its first version.
        first: u64,
        /// Its last version.
        last: u64,
    },
    /// A filtered source sent a transaction outside the ranges it states
    /// (or none stated), or out of order.
    #[error(
        "the source sent version {version} outside the versions it states it looked at, or out of order"
    )]
    OutsideRange {
        /// The transaction's version.
        version: u64,
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
            Halt::PageStart { .. } | Halt::Gap { .. } | Halt::Behind { .. } => "gap",
            Halt::Range { .. } | Halt::OutsideRange { .. } => "range",
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
    /// A page that does not decode (a transaction without a version).
    #[error("a page of transactions does not decode: {0}")]
    Malformed(String),
    /// The follower must stop ([`Halt`]).
    #[error("the follower stopped: {0}")]
    Halt(#[from] Halt),
}

/// How [`super::apply_page`] ends its DB transaction.
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
