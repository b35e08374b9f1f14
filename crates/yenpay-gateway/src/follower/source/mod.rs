//! Where the follower reads committed transactions: a [`TransactionSource`].
//!
//! [`RestSource`], the default and the fallback, pages the node's REST API
//! (`GET /v1/transactions`, 100 a request: the API's cap), and decodes each
//! page into a [`Page`] that keeps only what may be the package's. Every
//! source hands the follower the same [`Page`], so the chain-trust checks
//! (consecutive versions from the cursor, chain id, genesis, head and
//! pruning) are made once, in the follower, whatever the source.
//! [`GrpcSource`] reads Aptos' Transaction Stream ([`grpc`]), whose few
//! messages are in [`proto`].
pub mod grpc;
pub mod proto;

pub use grpc::{GrpcOptions, GrpcSource};

use super::page::{PackageFilter, Page};
use crate::chain::{ChainError, Ledger};
use std::sync::Arc;
use std::time::Duration;

/// Committed transactions in version order.
#[async_trait::async_trait]
pub trait TransactionSource: Send + Sync {
    /// The transactions from `start`, at most `limit` of them (fewer at the
    /// head), consecutive as the source claims; the follower checks it.
    async fn page(&self, start: u64, limit: u16) -> Result<Page, ChainError>;

    /// The versions from `start` once the node has them, for a follower
    /// already at the head: a source that [`streams`](Self::streams) waits
    /// up to `wait` for the first to be pushed; an empty page when none came.
    /// Others have nothing to wait on: they sleep `wait` and return nothing
    /// (so a wrapper of a stream must pass this on, or it polls).
    async fn next_page(&self, start: u64, limit: u16, wait: Duration) -> Result<Page, ChainError> {
        let _ = (start, limit);
        tokio::time::sleep(wait).await;
        Ok(Page::default())
    }

    /// A short name for logs and metrics (`rest`, `grpc`).
    fn name(&self) -> &'static str;

    /// Whether it is one stream to be read in order (a page at a time,
    /// each from where the last ended) rather than pages that may be read
    /// concurrently.
    fn streams(&self) -> bool {
        false
    }
}

/// The node's REST API through the gateway's [`Ledger`].
pub struct RestSource {
    ledger: Arc<dyn Ledger>,
    filter: PackageFilter,
}

impl RestSource {
    /// Pages `ledger`, keeping the events `filter` matches.
    pub fn new(ledger: Arc<dyn Ledger>, filter: PackageFilter) -> Self {
        Self { ledger, filter }
    }
}

#[async_trait::async_trait]
impl TransactionSource for RestSource {
    async fn page(&self, start: u64, limit: u16) -> Result<Page, ChainError> {
        let json = self.ledger.transactions_json(start, limit).await?;
        Page::from_json(&json, &self.filter).map_err(|error| {
            ChainError::Unavailable(format!(
                "GET /v1/transactions?start={start}&limit={limit}: {error}"
            ))
        })
    }

    fn name(&self) -> &'static str {
        "rest"
    }
}
