//! [`GrpcSource`]: Aptos' Transaction Stream (gRPC
//! `aptos.indexer.v1.RawData/GetTransactions`), one long-lived stream from
//! the cursor instead of a request per 100 transactions.
//!
//! The stream is opened at the version the follower asks for and read on
//! while the follower keeps asking for the version after the last one handed
//! out; anything else (a restart, a page the database refused, a stream
//! error, an oversized message, a timeout) drops it, and the next page opens
//! a new one at the cursor, after a backoff. Nothing is judged here: each
//! response's chain id and stated range go into the [`Page`], and the
//! follower makes the same checks as for REST (consecutive versions from the
//! cursor, or stated ranges that join up from it; the chain id).
//!
//! Filtering on the server (only transactions with an event of the package)
//! is asked for only when configured: a filtered stream can prove no version
//! is missing only through each response's `processed_range`, which the
//! node's own service does not send (Aptos' hosted data service does).
use super::TransactionSource;
use super::proto::{
    ApiFilter, BooleanTransactionFilter, EventFilter, GetTransactionsRequest, MoveStructTagFilter,
    TransactionsResponse,
};
use crate::chain::ChainError;
use crate::follower::page::{PackageFilter, Page, Transaction};
use futures_util::FutureExt;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;
use tonic::transport::{Channel, Endpoint};

/// The method's path.
const GET_TRANSACTIONS: &str = "/aptos.indexer.v1.RawData/GetTransactions";

/// How a [`GrpcSource`] reads.
#[derive(Debug, Clone)]
pub struct GrpcOptions {
    /// Ask the server for the package's transactions only (each response
    /// must then state the versions it looked at, or the follower stops).
    pub filter_events: bool,
    /// The largest response accepted; a larger one drops the stream.
    pub max_message_bytes: usize,
    /// How long a page waits for the stream's first response.
    pub response_timeout: Duration,
    /// The longest wait before reconnecting after failures in a row
    /// (doubling from a tenth of a second).
    pub max_backoff: Duration,
}

impl Default for GrpcOptions {
    fn default() -> Self {
        Self {
            filter_events: false,
            max_message_bytes: 64 << 20,
            response_timeout: Duration::from_secs(10),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// The Transaction Stream of a node's indexer-grpc or of a data service.
pub struct GrpcSource {
    channel: Channel,
    package: PackageFilter,
    options: GrpcOptions,
    /// Where pages come from while the stream is down (REST, when set).
    fallback: Option<Arc<dyn TransactionSource>>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    open: Option<Open>,
    /// Failures in a row.
    failures: u32,
    /// No new stream before this.
    retry_at: Option<Instant>,
}

/// An open stream.
struct Open {
    /// The version its next transaction must have (one past what was handed out).
    next: u64,
    stream: tonic::Streaming<TransactionsResponse>,
    /// What was read and not handed out yet.
    pending: VecDeque<Chunk>,
}

/// A response, decoded.
struct Chunk {
    chain_id: u64,
    range: Option<(u64, u64)>,
    transactions: Vec<Transaction>,
}

impl GrpcSource {
    /// A source reading `url` (`http://host:port`; connected when first
    /// read), keeping the events `package` matches.
    ///
    /// # Errors
    /// [`ChainError::Unavailable`] when `url` is not a URL.
    pub fn new(
        url: &str,
        package: PackageFilter,
        options: GrpcOptions,
    ) -> Result<Self, ChainError> {
        let endpoint = Endpoint::from_shared(url.to_owned())
            .map_err(|error| {
                ChainError::Unavailable(format!("the transaction stream's URL: {error}"))
            })?
            .connect_timeout(Duration::from_secs(5))
            .tcp_nodelay(true)
            .http2_keep_alive_interval(Duration::from_secs(30))
            .keep_alive_timeout(Duration::from_secs(10));
        Ok(Self {
            channel: endpoint.connect_lazy(),
            package,
            options,
            fallback: None,
            state: Mutex::new(State::default()),
        })
    }

    /// Pages come from `fallback` while the stream is down.
    #[must_use]
    pub fn with_fallback(mut self, fallback: Arc<dyn TransactionSource>) -> Self {
        self.fallback = Some(fallback);
        self
    }

    async fn open(&self, start: u64) -> Result<Open, ChainError> {
        let mut grpc = tonic::client::Grpc::new(self.channel.clone())
            .max_decoding_message_size(self.options.max_message_bytes);
        grpc.ready()
            .await
            .map_err(|error| unavailable("connecting", error))?;
        let request = GetTransactionsRequest {
            starting_version: Some(start),
            transactions_count: None,
            batch_size: None,
            transaction_filter: self.options.filter_events.then(|| self.event_filter()),
        };
        let codec =
            tonic::codec::ProstCodec::<GetTransactionsRequest, TransactionsResponse>::default();
        let path = tonic::codegen::http::uri::PathAndQuery::from_static(GET_TRANSACTIONS);
        let response = tokio::time::timeout(
            self.options.response_timeout,
            grpc.server_streaming(tonic::Request::new(request), path, codec),
        )
        .await
        .map_err(|_| ChainError::Unavailable("the transaction stream did not answer".into()))?
        .map_err(status)?;
        Ok(Open {
            next: start,
            stream: response.into_inner(),
            pending: VecDeque::new(),
        })
    }

    /// Transactions with an event whose type is at the package's address.
    fn event_filter(&self) -> BooleanTransactionFilter {
        BooleanTransactionFilter {
            api_filter: Some(ApiFilter {
                event_filter: Some(EventFilter {
                    struct_type: Some(MoveStructTagFilter {
                        address: Some(self.package.address().to_long_string()),
                        module: None,
                        name: None,
                    }),
                }),
            }),
        }
    }

    fn decode(&self, response: TransactionsResponse) -> Result<Chunk, ChainError> {
        let chain_id = response.chain_id.ok_or_else(|| {
            ChainError::Unavailable("a transaction stream response without a chain id".into())
        })?;
        let mut transactions = Vec::with_capacity(response.transactions.len());
        for transaction in &response.transactions {
            let info = transaction.info.as_ref();
            let success = info.is_some_and(|info| info.success);
            let events = transaction.events().iter().map(|event| {
                (
                    Some(event.type_str.as_str()).filter(|t| !t.is_empty()),
                    Some(event.data.as_str()).filter(|d| !d.is_empty()),
                )
            });
            let events =
                Transaction::package_events(success, events, &self.package).map_err(|error| {
                    ChainError::Unavailable(format!("version {}: {error}", transaction.version))
                })?;
            let timestamp_us = transaction.timestamp.map_or(0, |t| {
                u64::try_from(t.seconds).unwrap_or(0) * 1_000_000
                    + u64::try_from(t.nanos).unwrap_or(0) / 1_000
            });
            let hash = match info {
                Some(info) if !events.is_empty() => const_hex::encode_prefixed(&info.hash),
                _ => String::new(),
            };
            transactions.push(Transaction {
                version: transaction.version,
                timestamp_us,
                success,
                hash,
                events,
            });
        }
        Ok(Chunk {
            chain_id,
            range: response
                .processed_range
                .map(|range| (range.first_version, range.last_version)),
            transactions,
        })
    }

    /// Up to `limit` versions from `start`: waits for the first response,
    /// then takes what has already arrived. With `wait`, the first response
    /// is waited for that long and its absence is an empty page (the stream
    /// stays open); without, for the response timeout, and its absence is
    /// an error.
    async fn read(
        &self,
        state: &mut State,
        start: u64,
        limit: u16,
        wait: Option<Duration>,
    ) -> Result<Page, ChainError> {
        if state.open.as_ref().is_none_or(|open| open.next != start) {
            state.open = None;
            state.open = Some(self.open(start).await?);
        }
        let open = state.open.as_mut().expect("opened above");
        let filtered = self.options.filter_events;
        let mut page = Page {
            ranges: filtered.then(Vec::new),
            ..Page::default()
        };
        let mut covered = 0u64;
        while covered < u64::from(limit) {
            let mut chunk = match open.pending.pop_front() {
                Some(chunk) => chunk,
                None => {
                    let message = if covered == 0 {
                        // `message()` keeps no state of its own (it polls the
                        // stream), so a timeout loses nothing.
                        let first = wait.unwrap_or(self.options.response_timeout);
                        match tokio::time::timeout(first, open.stream.message()).await {
                            Ok(message) => message,
                            Err(_) if wait.is_some() => return Ok(page),
                            Err(_) => {
                                return Err(ChainError::Unavailable(
                                    "the transaction stream sent nothing in time".into(),
                                ));
                            }
                        }
                    } else {
                        // Only what has arrived: a page is not held back for more.
                        match open.stream.message().now_or_never() {
                            Some(message) => message,
                            None => break,
                        }
                    };
                    match message {
                        Ok(Some(response)) => self.decode(response)?,
                        Ok(None) if covered == 0 => {
                            return Err(ChainError::Unavailable(
                                "the transaction stream ended".into(),
                            ));
                        }
                        Err(error) if covered == 0 => return Err(status(error)),
                        // Ended or failed after a part was read: that part
                        // is handed out, the next page reopens at the cursor.
                        Ok(None) | Err(_) => {
                            open.pending.clear();
                            open.next = u64::MAX;
                            break;
                        }
                    }
                }
            };
            if !page.chain_ids.contains(&chunk.chain_id) {
                page.chain_ids.push(chunk.chain_id);
            }
            if let Some(ranges) = page.ranges.as_mut() {
                // A filtered response is taken whole, with the range it states.
                if let Some((first, last)) = chunk.range {
                    ranges.push((first, last));
                    covered = covered.saturating_add(last.saturating_sub(first).saturating_add(1));
                    open.next = last.saturating_add(1);
                } else {
                    covered += chunk.transactions.len() as u64;
                }
                if let Some(last) = chunk.transactions.last() {
                    open.next = open.next.max(last.version.saturating_add(1));
                }
                page.transactions.append(&mut chunk.transactions);
                continue;
            }
            let room = usize::try_from(u64::from(limit) - covered).unwrap_or(usize::MAX);
            if chunk.transactions.len() > room {
                let rest = chunk.transactions.split_off(room);
                open.pending.push_front(Chunk {
                    chain_id: chunk.chain_id,
                    range: None,
                    transactions: rest,
                });
            }
            covered += chunk.transactions.len() as u64;
            if let Some(last) = chunk.transactions.last() {
                open.next = last.version.saturating_add(1);
            }
            page.transactions.append(&mut chunk.transactions);
        }
        Ok(page)
    }
}

impl GrpcSource {
    /// A page from the stream, or while it is down, from the fallback (a
    /// follower at the head, `wait`, gets an empty page instead).
    async fn read_or_fall_back(
        &self,
        start: u64,
        limit: u16,
        wait: Option<Duration>,
    ) -> Result<Page, ChainError> {
        let mut state = self.state.lock().await;
        if let Some(at) = state.retry_at
            && at > Instant::now()
        {
            if let Some(wait) = wait {
                // Past the head there is nothing to fall back to: wait out
                // the backoff (or the wait) instead of asking at once again.
                tokio::time::sleep_until(at.min(Instant::now() + wait)).await;
                return Ok(Page {
                    ranges: self.options.filter_events.then(Vec::new),
                    ..Page::default()
                });
            }
            if let Some(fallback) = &self.fallback {
                drop(state);
                return fallback.page(start, limit).await;
            }
            tokio::time::sleep_until(at).await;
        }
        match self.read(&mut state, start, limit, wait).await {
            Ok(page) => {
                state.failures = 0;
                state.retry_at = None;
                Ok(page)
            }
            Err(error) => {
                state.open = None;
                state.failures = state.failures.saturating_add(1);
                let backoff = Duration::from_millis(100)
                    .saturating_mul(1 << state.failures.min(16).saturating_sub(1))
                    .min(self.options.max_backoff);
                state.retry_at = Some(Instant::now() + backoff);
                tracing::warn!(%error, failures = state.failures, ?backoff,
                    "the transaction stream failed; it reopens at the cursor");
                drop(state);
                match &self.fallback {
                    Some(fallback) => fallback.page(start, limit).await,
                    None => Err(error),
                }
            }
        }
    }
}

#[async_trait::async_trait]
impl TransactionSource for GrpcSource {
    async fn page(&self, start: u64, limit: u16) -> Result<Page, ChainError> {
        self.read_or_fall_back(start, limit, None).await
    }

    async fn next_page(&self, start: u64, limit: u16, wait: Duration) -> Result<Page, ChainError> {
        self.read_or_fall_back(start, limit, Some(wait)).await
    }

    fn name(&self) -> &'static str {
        "grpc"
    }

    fn streams(&self) -> bool {
        true
    }
}

fn status(status: tonic::Status) -> ChainError {
    // The message only: the URL (it may carry credentials) is not in it.
    ChainError::Unavailable(format!(
        "the transaction stream: {:?}: {}",
        status.code(),
        status.message()
    ))
}

fn unavailable(what: &str, error: impl std::fmt::Display) -> ChainError {
    ChainError::Unavailable(format!("the transaction stream, {what}: {error}"))
}
