//! The follower on Aptos' Transaction Stream: a loopback gRPC server
//! (`aptos.indexer.v1.RawData/GetTransactions`) serving the recorded node
//! transactions as the node's indexer-grpc does (proto-encoded, a response
//! per batch, the stream left open at the head), the same scenario as over
//! REST, and a server that misbehaves: skips, repeats, another chain, stated
//! ranges that lie or are missing, a stream that breaks mid-way, a response
//! too large. Every test runs on each database backend.

use crate::common::*;
use crate::follower::{
    Following, PAYER_7, YAKITORI, db_like, follow, next_version, onboard_with_webhook, page,
    reaches, snapshot, stops,
};
use serde_json::Value;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tonic::codegen::{BoxFuture, Context, Poll, Service, http};
use yenpay_gateway::config::FollowerStream;
use yenpay_gateway::follower::Halt;
use yenpay_gateway::follower::source::proto;

/// The recorded page's last version: the followers end at the one after.
const LAST: u64 = 4_288;

/// A node transaction (REST JSON) as the stream sends it.
fn to_proto(t: &Value) -> proto::Transaction {
    let version = t["version"].as_str().unwrap().parse().unwrap();
    let us: u64 = t["timestamp"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let hash = const_hex::decode(t["hash"].as_str().unwrap_or("0x")).unwrap_or_default();
    let events = t["events"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .map(|e| proto::Event {
                    type_str: e["type"].as_str().unwrap_or_default().to_owned(),
                    data: e["data"].to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    proto::Transaction {
        timestamp: Some(proto::Timestamp {
            seconds: (us / 1_000_000) as i64,
            nanos: ((us % 1_000_000) * 1_000) as i32,
        }),
        version,
        info: Some(proto::TransactionInfo {
            hash,
            success: t["success"].as_bool().unwrap_or(false),
        }),
        user: Some(proto::EventsInField2 { events }),
        ..proto::Transaction::default()
    }
}

/// How the loopback server behaves.
#[derive(Clone)]
struct Script {
    transactions: Vec<proto::Transaction>,
    chain_id: u64,
    /// Transactions per response.
    batch: usize,
    /// A version it leaves out.
    skip: Option<u64>,
    /// A version it sends twice.
    repeat: Option<u64>,
    /// Responses per stream before it breaks (an error status on odd
    /// streams, the stream's end on even ones), for the first `breaks` streams.
    break_after: usize,
    breaks: usize,
    /// Honour the request's event filter and state each response's range.
    ranges: bool,
    /// Ignore the filter and state no range.
    no_ranges: bool,
    /// State ranges one past where they start.
    lie: bool,
    /// A response holding this version is padded past any sane size.
    oversized: Option<u64>,
    /// Versions from this one on are sent only once the flag turns true
    /// (the node has not executed them yet).
    hold: Option<(u64, tokio::sync::watch::Receiver<bool>)>,
}

impl Script {
    fn of(transactions: &[Value]) -> Self {
        Self {
            transactions: transactions.iter().map(to_proto).collect(),
            chain_id: u64::from(CHAIN_ID),
            batch: 30,
            skip: None,
            repeat: None,
            break_after: 0,
            breaks: 0,
            ranges: false,
            no_ranges: false,
            lie: false,
            oversized: None,
            hold: None,
        }
    }
}

/// The loopback Transaction Stream and what it was asked.
#[derive(Clone)]
struct RawData {
    script: Arc<Script>,
    requests: Arc<Mutex<Vec<proto::GetTransactionsRequest>>>,
    /// Transactions it sent, over all streams.
    sent: Arc<std::sync::atomic::AtomicU64>,
}

type Responses = Pin<
    Box<dyn futures_util::Stream<Item = Result<proto::TransactionsResponse, tonic::Status>> + Send>,
>;

impl RawData {
    fn responses(&self, request: proto::GetTransactionsRequest) -> Responses {
        let stream_number = {
            let mut requests = self.requests.lock().unwrap();
            requests.push(request.clone());
            requests.len()
        };
        let script = &self.script;
        let start = request.starting_version.unwrap_or(0);
        let mut chosen: Vec<proto::Transaction> = Vec::new();
        for t in script.transactions.iter().filter(|t| t.version >= start) {
            if Some(t.version) == script.skip {
                continue;
            }
            chosen.push(t.clone());
            if Some(t.version) == script.repeat {
                chosen.push(t.clone());
            }
        }
        let filter = request.transaction_filter.as_ref().and_then(|f| {
            f.api_filter
                .as_ref()?
                .event_filter
                .as_ref()?
                .struct_type
                .as_ref()?
                .address
                .clone()
        });
        let held_from = script.hold.as_ref().map_or(u64::MAX, |(from, _)| *from);
        let (chosen, later) = {
            let split = chosen.partition_point(|t| t.version < held_from);
            let later = chosen.split_off(split);
            (chosen, later)
        };
        let mut responses = self.responses_of(&chosen, filter.as_deref());
        let later = self.responses_of(&later, filter.as_deref());
        if stream_number <= script.breaks {
            responses.truncate(script.break_after);
            if stream_number % 2 == 1 {
                responses.push(Err(tonic::Status::unavailable("the server is going away")));
            }
            let sent = self.sent.clone();
            return Box::pin(
                futures_util::stream::iter(responses).inspect(move |r| count(&sent, r)),
            );
        }
        let sent = self.sent.clone();
        let released = script.hold.as_ref().map(|(_, released)| released.clone());
        let later = futures_util::stream::once(async move {
            if let Some(mut released) = released {
                let _ = released.wait_for(|released| *released).await;
            }
            futures_util::stream::iter(later)
        })
        .flatten();
        // At the head the node's stream stays open, waiting for new versions.
        Box::pin(
            futures_util::stream::iter(responses)
                .chain(later)
                .inspect(move |r| count(&sent, r))
                .chain(futures_util::stream::pending()),
        )
    }

    /// `chosen` as the server's responses, `script.batch` transactions each.
    fn responses_of(
        &self,
        chosen: &[proto::Transaction],
        filter: Option<&str>,
    ) -> Vec<Result<proto::TransactionsResponse, tonic::Status>> {
        let script = &self.script;
        let mut responses = Vec::new();
        for chunk in chosen.chunks(script.batch) {
            let (first, last) = (chunk[0].version, chunk[chunk.len() - 1].version);
            let mut transactions = chunk.to_vec();
            let mut processed_range = None;
            if let Some(address) = filter
                .as_ref()
                .filter(|_| script.ranges || script.no_ranges)
            {
                transactions.retain(|t| {
                    t.events()
                        .iter()
                        .any(|e| e.type_str.starts_with(&format!("{address}::")))
                });
                if script.ranges {
                    let shift = u64::from(script.lie);
                    processed_range = Some(proto::ProcessedRange {
                        first_version: first + shift,
                        last_version: last,
                    });
                }
            }
            if script
                .oversized
                .is_some_and(|v| (first..=last).contains(&v))
            {
                transactions[0].block_metadata = Some(proto::EventsInField3 {
                    events: vec![proto::Event {
                        type_str: "0x1::padding::Padding".into(),
                        data: "x".repeat(1 << 20),
                    }],
                });
            }
            responses.push(Ok(proto::TransactionsResponse {
                transactions,
                chain_id: Some(script.chain_id),
                processed_range,
            }));
        }
        responses
    }
}

use futures_util::StreamExt as _;

fn count(
    sent: &std::sync::atomic::AtomicU64,
    response: &Result<proto::TransactionsResponse, tonic::Status>,
) {
    if let Ok(response) = response {
        sent.fetch_add(response.transactions.len() as u64, Ordering::SeqCst);
    }
}

impl tonic::server::NamedService for RawData {
    const NAME: &'static str = "aptos.indexer.v1.RawData";
}

struct GetTransactions(RawData);

impl tonic::server::ServerStreamingService<proto::GetTransactionsRequest> for GetTransactions {
    type Response = proto::TransactionsResponse;
    type ResponseStream = Responses;
    type Future = BoxFuture<tonic::Response<Responses>, tonic::Status>;

    fn call(&mut self, request: tonic::Request<proto::GetTransactionsRequest>) -> Self::Future {
        let responses = self.0.responses(request.into_inner());
        Box::pin(async move { Ok(tonic::Response::new(responses)) })
    }
}

impl<B> Service<http::Request<B>> for RawData
where
    B: tonic::codegen::Body + Send + 'static,
    B::Error: Into<tonic::codegen::StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::BoxBody>;
    type Error = std::convert::Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            assert_eq!(
                request.uri().path(),
                "/aptos.indexer.v1.RawData/GetTransactions"
            );
            let codec = tonic::codec::ProstCodec::<
                proto::TransactionsResponse,
                proto::GetTransactionsRequest,
            >::default();
            let mut grpc = tonic::server::Grpc::new(codec).max_encoding_message_size(usize::MAX);
            Ok(grpc.server_streaming(GetTransactions(this), request).await)
        })
    }
}

/// Serves `script` on a loopback port: its URL and the server's record.
async fn serve_stream(script: Script) -> (String, RawData) {
    let raw = RawData {
        script: Arc::new(script),
        requests: Arc::default(),
        sent: Arc::default(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let service = raw.clone();
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
            .unwrap();
    });
    (format!("http://{address}"), raw)
}

/// A gateway whose follower starts at 3,900 and polls quickly: over the
/// stream at `url` (REST, the fallback, serving nothing unless `rest` is
/// given), or over REST alone when `url` is `None`. The node's head is the
/// recorded page's last version.
async fn following(
    db: &TestDb,
    url: Option<&str>,
    filter_events: bool,
    rest: Option<Vec<Value>>,
) -> (TestGateway, TestDb) {
    following_every(db, url, filter_events, rest, Duration::from_millis(5)).await
}

/// [`following`] with `poll` between polls.
async fn following_every(
    db: &TestDb,
    url: Option<&str>,
    filter_events: bool,
    rest: Option<Vec<Value>>,
    poll: Duration,
) -> (TestGateway, TestDb) {
    let mut config = config();
    config.follower_start_version = 3_900;
    config.follower_poll_interval = poll;
    config.follower_stream = url.map(|url| FollowerStream {
        url: url.to_owned(),
        filter_events,
        max_message_bytes: 256 << 10,
    });
    // A database of its own (of `db`'s kind) for each follower, kept as long as it.
    let own = db_like(db).await;
    let gw = TestGateway::with_config(&own, config).await;
    *gw.ledger.page.lock().unwrap() = rest.unwrap_or_default();
    gw.ledger.head_version.store(LAST, Ordering::SeqCst);
    (gw, own)
}

/// Follows the recorded page over REST: what every stream must come to
/// (and how many events it applied).
async fn over_rest(db: &TestDb) -> (Vec<String>, u64) {
    let (gw, _db) = following(db, None, false, Some(page())).await;
    assert_eq!(gw.state.transactions.name(), "rest");
    onboard_with_webhook(&gw, YAKITORI).await;
    let _following = follow(&gw);
    reaches(&gw, LAST + 1).await;
    (snapshot(&gw).await, gw.state.metrics.follower_events.get())
}

/// Follows until the cursor passes the page, and checks the payment and its webhook.
async fn caught_up(gw: &TestGateway, merchant_id: &str) -> Vec<String> {
    reaches(gw, LAST + 1).await;
    let deliveries = yenpay_gateway::outbox::deliveries_of(&gw.state.db.pool, merchant_id, None)
        .await
        .unwrap();
    let paid = deliveries
        .iter()
        .find(|d| d.event_type == "PAYMENT_COMPLETED")
        .expect("the payment's webhook");
    let body: Value = serde_json::from_str(&paid.body).unwrap();
    assert_eq!(body["data"]["merchantPaymentId"], "INV-7-0001");
    assert_eq!(body["data"]["payer"], PAYER_7);
    assert_eq!(body["data"]["version"], 4044);
    snapshot(gw).await
}

#[tokio::test]
async fn the_stream_applies_what_rest_applies_payments_and_webhooks() {
    for db in backends().await {
        let (expected, _) = over_rest(&db).await;
        assert!(
            expected.iter().any(|row| row.contains("COMPLETED")),
            "{expected:?}"
        );
        let (url, server) = serve_stream(Script::of(&page())).await;
        let (gw, _db) = following(&db, Some(&url), false, None).await;
        assert_eq!(gw.state.transactions.name(), "grpc");
        let merchant_id = onboard_with_webhook(&gw, YAKITORI).await;
        let _following = follow(&gw);
        assert_eq!(caught_up(&gw, &merchant_id).await, expected, "{}", db.name);
        // One stream from the start version, read on page after page.
        let requests = server.requests.lock().unwrap().clone();
        assert_eq!(requests.len(), 1, "{requests:?}");
        assert_eq!(requests[0].starting_version, Some(3_900));
        assert_eq!(
            requests[0].transaction_filter, None,
            "unfiltered against a node"
        );
        assert_eq!(server.sent.load(Ordering::SeqCst), LAST + 1 - 3_900);
    }
}

/// The follower on `script`, until it stops: the reason and the cursor.
async fn halted_by(db: &TestDb, script: Script, filter_events: bool) -> (Halt, Option<u64>) {
    let (url, _server) = serve_stream(script).await;
    let (gw, _db) = following(db, Some(&url), filter_events, None).await;
    let running: Following = follow(&gw);
    let halt = stops(&gw, running).await;
    (halt, next_version(&gw).await)
}

#[tokio::test]
async fn a_stream_that_skips_repeats_or_is_on_another_chain_stops_the_follower() {
    for db in backends().await {
        // 4,000 is inside the fourth response of 30 (3,990 to 4,019).
        let (halt, cursor) = halted_by(
            &db,
            Script {
                skip: Some(4_000),
                ..Script::of(&page())
            },
            false,
        )
        .await;
        assert_eq!(
            halt,
            Halt::Gap {
                previous: 3_999,
                found: 4_001
            },
            "{}",
            db.name
        );
        assert!(cursor.is_none_or(|c| c <= 4_000), "{cursor:?}");
        // Skipped at a response's start (3,990): the page cannot start past the cursor.
        let (halt, cursor) = halted_by(
            &db,
            Script {
                skip: Some(3_990),
                batch: 10,
                ..Script::of(&page())
            },
            false,
        )
        .await;
        assert_eq!(halt.code(), "gap", "{halt}");
        assert!(cursor.is_none_or(|c| c <= 3_990), "{cursor:?}");
        // Sent twice, inside a response and at one's end.
        for (repeat, batch) in [(4_000, 30), (3_929, 30)] {
            let (halt, cursor) = halted_by(
                &db,
                Script {
                    repeat: Some(repeat),
                    batch,
                    ..Script::of(&page())
                },
                false,
            )
            .await;
            assert_eq!(halt.code(), "gap", "{repeat}: {halt}");
            assert!(
                matches!(halt, Halt::Gap { previous, found } if previous == repeat && found == repeat)
                    || matches!(halt, Halt::Behind { found, .. } if found == repeat),
                "{repeat}: {halt}"
            );
            assert!(cursor.is_none_or(|c| c <= repeat + 1), "{cursor:?}");
        }
        // Another chain: nothing is applied.
        let (halt, cursor) = halted_by(
            &db,
            Script {
                chain_id: 1,
                ..Script::of(&page())
            },
            false,
        )
        .await;
        assert_eq!(
            halt,
            Halt::ChainId {
                recorded: CHAIN_ID,
                found: 1
            }
        );
        assert_eq!(cursor, None);
    }
}

#[tokio::test]
async fn a_broken_stream_resumes_at_the_cursor_without_loss_or_duplicate() {
    for db in backends().await {
        let (expected, applied) = over_rest(&db).await;
        // Three streams break after two responses each (an error, an end, an error).
        let (url, server) = serve_stream(Script {
            break_after: 2,
            breaks: 3,
            ..Script::of(&page())
        })
        .await;
        let (gw, _db) = following(&db, Some(&url), false, None).await;
        let merchant_id = onboard_with_webhook(&gw, YAKITORI).await;
        let _following = follow(&gw);
        assert_eq!(caught_up(&gw, &merchant_id).await, expected, "{}", db.name);
        let starts: Vec<Option<u64>> = server
            .requests
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.starting_version)
            .collect();
        // Each new stream starts where the last one's 60 transactions ended.
        assert_eq!(
            starts,
            [Some(3_900), Some(3_960), Some(4_020), Some(4_080)],
            "{}",
            db.name
        );
        // Every event was applied once, as over REST: none twice, none missed.
        assert_eq!(
            gw.state.metrics.follower_events.get(),
            applied,
            "{}",
            db.name
        );
    }
}

#[tokio::test]
async fn a_filtered_stream_is_followed_only_through_the_ranges_it_states() {
    for db in backends().await {
        let (expected, _) = over_rest(&db).await;
        let (url, server) = serve_stream(Script {
            ranges: true,
            ..Script::of(&page())
        })
        .await;
        let (gw, _db) = following(&db, Some(&url), true, None).await;
        let merchant_id = onboard_with_webhook(&gw, YAKITORI).await;
        let _following = follow(&gw);
        assert_eq!(caught_up(&gw, &merchant_id).await, expected, "{}", db.name);
        let request = server.requests.lock().unwrap()[0].clone();
        let asked = request.transaction_filter.unwrap().api_filter.unwrap();
        assert_eq!(
            asked.event_filter.unwrap().struct_type.unwrap().address,
            Some(package().to_long_string())
        );
        let sent = server.sent.load(Ordering::SeqCst);
        assert!(
            sent > 0 && sent < 100,
            "only the package's transactions: {sent}"
        );

        // A range that does not start at the cursor.
        let (halt, cursor) = halted_by(
            &db,
            Script {
                ranges: true,
                lie: true,
                ..Script::of(&page())
            },
            true,
        )
        .await;
        assert_eq!(
            halt,
            Halt::Range {
                expected: 3_900,
                first: 3_901,
                last: 3_929
            }
        );
        assert_eq!(halt.code(), "range");
        assert_eq!(cursor, None);
        // A server that states no range (as the node's own does).
        let (halt, cursor) = halted_by(
            &db,
            Script {
                no_ranges: true,
                ..Script::of(&page())
            },
            true,
        )
        .await;
        assert!(matches!(halt, Halt::OutsideRange { .. }), "{halt}");
        assert_eq!(cursor, None);
    }
}

#[tokio::test]
async fn an_oversized_response_is_refused_and_rest_carries_on() {
    for db in backends().await {
        let (expected, _) = over_rest(&db).await;
        let (url, server) = serve_stream(Script {
            oversized: Some(4_000),
            ..Script::of(&page())
        })
        .await;
        // REST serves nothing at first: the stream stops at the oversized response.
        let (gw, _db) = following(&db, Some(&url), false, None).await;
        let merchant_id = onboard_with_webhook(&gw, YAKITORI).await;
        let _following = follow(&gw);
        reaches(&gw, 3_990).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(
            next_version(&gw).await,
            Some(3_990),
            "nothing past it is applied"
        );
        assert!(gw.state.follower_status.halted().is_none());
        let reopened = server.requests.lock().unwrap().len();
        assert!(
            reopened >= 2,
            "the stream is reopened at the cursor: {reopened}"
        );
        assert!(
            server.requests.lock().unwrap()[1..]
                .iter()
                .all(|r| r.starting_version == Some(3_990))
        );
        // The REST fallback serves the pages the stream cannot.
        *gw.ledger.page.lock().unwrap() = page();
        assert_eq!(caught_up(&gw, &merchant_id).await, expected, "{}", db.name);
    }
}

/// At the head the follower waits on the stream rather than sleeping a
/// poll interval: with a minute between polls, versions the node pushes
/// after the follower caught up are applied at once (`reaches` gives 10 s).
/// The node's REST head, read before the stream's versions came, is behind
/// them for a moment (the stream serves what the node has synced, REST what
/// its committed ledger info covers): the follower waits for it, it does not
/// halt.
#[tokio::test]
async fn at_the_head_the_follower_waits_on_the_stream_not_a_poll_interval() {
    const HELD: u64 = 4_100;
    for db in backends().await {
        let (expected, _) = over_rest(&db).await;
        let (release, released) = tokio::sync::watch::channel(false);
        let (url, _server) = serve_stream(Script {
            hold: Some((HELD, released)),
            ..Script::of(&page())
        })
        .await;
        let (gw, _db) =
            following_every(&db, Some(&url), false, None, Duration::from_secs(60)).await;
        gw.ledger.head_version.store(HELD - 1, Ordering::SeqCst);
        let merchant_id = onboard_with_webhook(&gw, YAKITORI).await;
        let _following = follow(&gw);
        reaches(&gw, HELD).await;
        // Caught up, it waits on the stream: it neither sleeps out the
        // minute nor asks the node again and again.
        let reads = gw.ledger.head_reads.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(500)).await;
        let idle_reads = gw.ledger.head_reads.load(Ordering::SeqCst) - reads;
        assert!(
            idle_reads <= 2,
            "{}: {idle_reads} head reads while idle",
            db.name
        );
        // The node executes the rest: its stream pushes them at once, its
        // REST head shows them a moment later.
        release.send(true).unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        gw.ledger.head_version.store(LAST, Ordering::SeqCst);
        assert_eq!(caught_up(&gw, &merchant_id).await, expected, "{}", db.name);
        assert!(gw.state.follower_status.halted().is_none(), "{}", db.name);
    }
}

/// A node whose REST head stays behind what its stream handed out (a node
/// restored from an old snapshot behind the same URLs) still stops the
/// follower, once the head had its moment to catch up.
#[tokio::test]
async fn a_head_that_stays_behind_the_stream_stops_the_follower() {
    for db in backends().await {
        let (url, _server) = serve_stream(Script::of(&page())).await;
        let (gw, _db) = following(&db, Some(&url), false, None).await;
        gw.ledger.head_version.store(4_000, Ordering::SeqCst);
        let halt = stops(&gw, follow(&gw)).await;
        let Halt::HeadBehind { head, cursor } = halt else {
            panic!("{}: stopped for {halt:?}", db.name);
        };
        assert_eq!(head, 4_000, "{}", db.name);
        assert!(cursor > 4_001, "{}: {cursor}", db.name);
    }
}

/// The node's REST API and its Transaction Stream, from the environment;
/// `None` (with the reason printed) when either is not given.
fn node_urls(test: &str) -> Option<(String, String)> {
    match (
        std::env::var("APTOS_NODE_URL"),
        std::env::var("YENPAY_FOLLOWER_GRPC_URL"),
    ) {
        (Ok(rest), Ok(grpc)) => Some((rest, grpc)),
        _ => {
            eprintln!(
                "\n*** {test} SKIPPED: APTOS_NODE_URL and YENPAY_FOLLOWER_GRPC_URL (a node's indexer-grpc) are not both set ***\n"
            );
            None
        }
    }
}

/// A real node: its stream carries the same transactions as its REST API
/// (versions, times, outcomes, and the events of 0x1 with their types and
/// data, decoded by the follower's two paths), page by page from its
/// oldest version to its head; then the follower follows it over the stream.
#[tokio::test]
#[ignore = "needs a node with indexer-grpc: APTOS_NODE_URL=http://127.0.0.1:8180 YENPAY_FOLLOWER_GRPC_URL=http://127.0.0.1:50061"]
async fn the_stream_of_a_node_carries_what_its_rest_api_does() {
    use yenpay_gateway::chain::{Ledger, NodeLedger};
    use yenpay_gateway::follower::{
        self, GrpcOptions, GrpcSource, PackageFilter, RestSource, TransactionSource,
    };
    let Some((rest_url, grpc_url)) =
        node_urls("the_stream_of_a_node_carries_what_its_rest_api_does")
    else {
        return;
    };
    let node = Arc::new(NodeLedger::new(&rest_url, package()).unwrap());
    let head = node.head().await.unwrap();
    // 0x1's events are on every block: both paths must keep and decode them alike.
    let framework = PackageFilter::new(aptos_sdk::types::AccountAddress::ONE);
    let rest = RestSource::new(node.clone(), framework.clone());
    let grpc = GrpcSource::new(&grpc_url, framework, GrpcOptions::default()).unwrap();
    let (mut next, mut events) = (head.oldest_version, 0usize);
    while next <= head.version {
        let over_rest = rest.page(next, 100).await.unwrap();
        let over_grpc = grpc.page(next, 100).await.unwrap();
        assert_eq!(over_grpc.chain_ids, [u64::from(head.chain_id)]);
        let n = over_rest
            .transactions
            .len()
            .min(over_grpc.transactions.len());
        assert!(n > 0, "both serve {next}");
        assert_eq!(
            over_grpc.transactions[..n],
            over_rest.transactions[..n],
            "from {next}"
        );
        events += over_rest.transactions[..n]
            .iter()
            .map(|t| t.events.len())
            .sum::<usize>();
        next += n as u64;
    }
    assert!(events > 0);
    println!(
        "versions {} to {}: the same over REST and the stream ({events} events of 0x1)",
        head.oldest_version, head.version
    );

    // The follower over the stream, every check on, from the oldest version to the head.
    let db = backends().await.pop().unwrap();
    let mut config = config();
    config.chain_id = head.chain_id;
    config.follower_start_version = head.oldest_version;
    config.follower_stream = Some(FollowerStream {
        url: grpc_url,
        filter_events: false,
        max_message_bytes: 64 << 20,
    });
    let database = yenpay_gateway::store::Db::connect(&db.url).await.unwrap();
    let gateway = Arc::new(yenpay_gateway::Gateway::new(
        database,
        config,
        yenpay_gateway::crypto::Kek::generate(),
        node,
    ));
    assert_eq!(gateway.transactions.name(), "grpc");
    follower::check_chain(&gateway).await.unwrap();
    let started = std::time::Instant::now();
    loop {
        follower::poll_once(&gateway).await.unwrap();
        let cursor = follower::cursor(&gateway.db.pool).await.unwrap().unwrap();
        if cursor.next_version > head.version {
            break;
        }
    }
    println!(
        "{}: the follower followed {} versions over the stream in {:.2} s",
        db.name,
        head.version + 1 - head.oldest_version,
        started.elapsed().as_secs_f64()
    );
}

/// A source that notes each transaction's block time as it hands it out.
struct Noting {
    inner: Arc<dyn yenpay_gateway::follower::TransactionSource>,
    seen: Arc<Mutex<std::collections::BTreeMap<u64, u64>>>,
}

impl Noting {
    fn note(&self, page: &yenpay_gateway::follower::Page) {
        let mut seen = self.seen.lock().unwrap();
        for t in &page.transactions {
            seen.insert(t.version, t.timestamp_us);
        }
    }
}

#[async_trait::async_trait]
impl yenpay_gateway::follower::TransactionSource for Noting {
    async fn page(
        &self,
        start: u64,
        limit: u16,
    ) -> Result<yenpay_gateway::follower::Page, yenpay_gateway::chain::ChainError> {
        let page = self.inner.page(start, limit).await?;
        self.note(&page);
        Ok(page)
    }

    async fn next_page(
        &self,
        start: u64,
        limit: u16,
        wait: Duration,
    ) -> Result<yenpay_gateway::follower::Page, yenpay_gateway::chain::ChainError> {
        let page = self.inner.next_page(start, limit, wait).await?;
        self.note(&page);
        Ok(page)
    }

    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn streams(&self) -> bool {
        self.inner.streams()
    }
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at] as f64 / 1_000.0
}

/// Microseconds since the Unix epoch (block timestamps are in them).
fn now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros() as u64
}

/// The 1-minute load average (`/proc/loadavg`), when the system has one.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// p50, p99 and the maximum of `values` (ms), with their count.
fn figures(mut values: Vec<u64>) -> String {
    if values.is_empty() {
        return "none".to_owned();
    }
    values.sort_unstable();
    format!(
        "{} transactions, p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        values.len(),
        percentile(&values, 0.5),
        percentile(&values, 0.99),
        percentile(&values, 1.0)
    )
}

/// The follower's lag on a node under load (run `cargo xtask bench-chain`
/// against the same node meanwhile): two gateways follow it from its head,
/// one over the stream and one over REST, each with the production poll
/// interval; every transaction's lag is the wall time at which the
/// follower's cursor passed it (its DB transaction committed) less its
/// block's timestamp (the proposal time, so the node's execution and commit
/// are in it: an upper bound). To tell the node's share from the
/// follower's, the node's REST head is polled every 20 ms: "node" is block
/// timestamp to the version showing there, "follower" what came after.
/// `YENPAY_LAG_SOURCES` (`stream,rest`) picks the followers. Runs `YENPAY_LAG_SECS` (600) or until the file named by `YENPAY_LAG_STOP`
/// exists; prints the figures (all transactions, and those of the chain
/// seconds that held at least 20, the benchmark's phases) and the machine's
/// load average, and writes them to target/follower-lag.md.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement on a node under load: APTOS_NODE_URL, YENPAY_FOLLOWER_GRPC_URL"]
async fn follower_lag_on_a_node() {
    use yenpay_gateway::chain::{Ledger, NodeLedger};
    use yenpay_gateway::follower;
    let Some((rest_url, grpc_url)) = node_urls("follower_lag_on_a_node") else {
        return;
    };
    let seconds: u64 = std::env::var("YENPAY_LAG_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let stop_file = std::env::var("YENPAY_LAG_STOP").ok();
    let node = Arc::new(NodeLedger::new(&rest_url, package()).unwrap());
    let head = node.head().await.unwrap();
    let db = backends().await.pop().unwrap();
    let mut runs = Vec::new();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // When each version first showed on the node's REST API.
    let visible = {
        let node = node.clone();
        let stopped = stopped.clone();
        tokio::spawn(async move {
            let mut visible: Vec<(u64, u64)> = Vec::new();
            let mut shown = head.version;
            while !*stopped.borrow() {
                tokio::time::sleep(Duration::from_millis(20)).await;
                let Ok(now) = node.head().await else {
                    continue;
                };
                if now.version > shown {
                    visible.push((now.version, now_us()));
                    shown = now.version;
                }
            }
            visible
        })
    };
    // `YENPAY_LAG_SOURCES=stream` follows with the stream alone (the
    // source for a busy chain), so a second follower does not share the cores.
    let sources = std::env::var("YENPAY_LAG_SOURCES").unwrap_or_else(|_| "stream,rest".to_owned());
    let sources: Vec<bool> = sources
        .split(',')
        .map(|source| match source.trim() {
            "stream" => true,
            "rest" => false,
            other => panic!("YENPAY_LAG_SOURCES: `{other}` is neither `stream` nor `rest`"),
        })
        .collect();
    for stream in sources {
        let own = db_like(&db).await;
        let mut config = config();
        config.chain_id = head.chain_id;
        config.follower_start_version = head.version + 1;
        config.follower_stream = stream.then(|| FollowerStream {
            url: grpc_url.clone(),
            filter_events: false,
            max_message_bytes: 64 << 20,
        });
        let database = yenpay_gateway::store::Db::connect(&own.url).await.unwrap();
        let mut gateway = yenpay_gateway::Gateway::new(
            database,
            config,
            yenpay_gateway::crypto::Kek::generate(),
            node.clone(),
        );
        let seen = Arc::new(Mutex::new(std::collections::BTreeMap::new()));
        gateway.transactions = Arc::new(Noting {
            inner: gateway.transactions.clone(),
            seen: seen.clone(),
        });
        let gateway = Arc::new(gateway);
        tokio::spawn(follower::run(gateway.clone(), stopped.clone()));
        // The cursor, watched every 2 ms (in memory, no database round trip).
        let watcher = {
            let gateway = gateway.clone();
            let stopped = stopped.clone();
            tokio::spawn(async move {
                // (version, block time, applied) of each transaction passed.
                let mut applied: Vec<(u64, u64, u64)> = Vec::new();
                let mut passed = head.version + 1;
                while !*stopped.borrow() {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    let Some(cursor) = gateway.follower_status.get() else {
                        continue;
                    };
                    if cursor.next_version <= passed {
                        continue;
                    }
                    let now = now_us();
                    let mut seen = seen.lock().unwrap();
                    let rest = seen.split_off(&cursor.next_version);
                    for (version, timestamp_us) in std::mem::replace(&mut *seen, rest) {
                        if timestamp_us > 0 {
                            applied.push((version, timestamp_us, now));
                        }
                    }
                    passed = cursor.next_version;
                }
                (applied, passed)
            })
        };
        runs.push((if stream { "grpc" } else { "rest" }, gateway, watcher, own));
    }
    let started = std::time::Instant::now();
    let mut loads = Vec::new();
    while started.elapsed() < Duration::from_secs(seconds)
        && !stop_file
            .as_deref()
            .is_some_and(|f| std::path::Path::new(f).exists())
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if loads.len() < (started.elapsed().as_secs() / 10) as usize {
            loads.extend(load_average());
        }
    }
    stop.send(true).unwrap();
    let visible = visible.await.unwrap();
    // The time a version showed: that of the first head at or past it.
    let shown_at = |version: u64| {
        let at = visible.partition_point(|&(v, _)| v < version);
        visible.get(at).map(|&(_, t)| t)
    };
    let last = node.head().await.unwrap().version;
    let load = if loads.is_empty() {
        "not read".to_owned()
    } else {
        format!(
            "mean {:.1}, max {:.1} (1-minute load average every 10 s, {} samples)",
            loads.iter().sum::<f64>() / loads.len() as f64,
            loads.iter().cloned().fold(0.0, f64::max),
            loads.len()
        )
    };
    let mut report = format!(
        "## The follower's lag on a node\n\nWritten by `follower_grpc::follower_lag_on_a_node` \
         ({}): node {rest_url}, stream {grpc_url}, {:.0} s from version {}, machine load {load}.\n\n\
         | source | transactions | lag, block timestamp to applied | of it the node: block timestamp to its REST head | of it the follower: REST head to applied |\n|---|---|---|---|---|\n",
        db.name,
        started.elapsed().as_secs_f64(),
        head.version + 1,
    );
    for (name, gateway, watcher, _db) in runs {
        let (applied, passed) = watcher.await.unwrap();
        assert!(gateway.follower_status.halted().is_none(), "{name}");
        assert!(!applied.is_empty(), "{name}: nothing was followed");
        // Under load: the transactions of the chain seconds that held at
        // least `BUSY` of them (the benchmark's phases, not idle blocks).
        const BUSY: usize = 20;
        let mut per_second = std::collections::HashMap::<u64, usize>::new();
        for (_, timestamp_us, _) in &applied {
            *per_second.entry(timestamp_us / 1_000_000).or_default() += 1;
        }
        let busy_seconds = per_second.values().filter(|&&n| n >= BUSY).count();
        for (which, busy) in [("all", false), ("under load", true)] {
            let chosen: Vec<&(u64, u64, u64)> = applied
                .iter()
                .filter(|(_, t, _)| !busy || per_second[&(t / 1_000_000)] >= BUSY)
                .collect();
            let total = figures(
                chosen
                    .iter()
                    .map(|&&(_, t, a)| a.saturating_sub(t))
                    .collect(),
            );
            let split: Vec<(u64, u64)> = chosen
                .iter()
                .filter_map(|&&(v, t, a)| {
                    shown_at(v).map(|s| (s.saturating_sub(t), a.saturating_sub(s)))
                })
                .collect();
            let node_part = figures(split.iter().map(|&(n, _)| n).collect());
            let follower_part = figures(split.iter().map(|&(_, f)| f).collect());
            let label = if busy {
                format!("{which} ({busy_seconds} chain seconds of at least {BUSY})")
            } else {
                which.to_owned()
            };
            println!(
                "{name} ({}), {label}: versions {} to {} (head {last}): lag {total}; node {node_part}; follower {follower_part}",
                db.name,
                head.version + 1,
                passed - 1,
            );
            report.push_str(&format!(
                "| {name}, {label} | {} to {} | {total} | {node_part} | {follower_part} |\n",
                head.version + 1,
                passed - 1
            ));
        }
    }
    println!("machine load: {load}");
    let tmp = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let target = tmp.parent().unwrap_or(tmp);
    std::fs::write(target.join("follower-lag.md"), &report).unwrap();
    // And as the last section of the suite's report, replacing an earlier one.
    let e2e = target.join("e2e-report.md");
    let mut text = std::fs::read_to_string(&e2e).unwrap_or_default();
    if let Some(at) = text.find("## The follower's lag on a node") {
        text.truncate(at);
    }
    if !text.is_empty() && !text.ends_with("\n\n") {
        text.push('\n');
    }
    text.push_str(&report);
    std::fs::write(&e2e, text).unwrap();
}
