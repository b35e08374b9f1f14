//! # yenpay-gateway
//!
//! The payment operator's service in front of the `YenPay` Move package: the
//! REST API a multi-QR platform integrates (shaped like PayPay's Open Payment
//! API v2), a chain follower that turns committed transactions into payment
//! states, signed webhooks through a transactional outbox, and fee-payer
//! sponsoring for wallets. docs/gateway.md is the operator's and
//! integrator's guide.
//!
//! - [`api`]: every JSON route, one module per resource; [`auth`]
//!   (HMAC-signed merchant requests, admin token) and [`idempotency`] wrap
//!   them. [`router`] and [`admin_router`] merge them with the pages.
//! - [`follower`]: pages the node's transactions and applies the package's
//!   events with its cursor in one DB transaction.
//! - [`outbox`] and [`webhook`]: the events to deliver, and their delivery.
//! - [`sponsor`]: co-signing wallets' payments as fee payer, within limits.
//! - [`store`]: SQLite or PostgreSQL, the same migrations.
//! - [`chain`]: what the gateway asks of the chain ([`chain::Ledger`]).
//! - [`reconcile`]: settles transactions whose outcome was unknown at submission.
//! - [`audit`]: compares the database with the chain (`--audit-chain`).
//! - [`compliance`]: screening, customer limits and the audit log.
//! - [`web`]: the POS and wallet pages, embedded, and the POS page's session.
//! - [`fx`]: the FX desk's quotes, role keys and rate keeper (paying in USDC).
#![deny(missing_docs)]

pub mod api;
pub mod audit;
pub mod auth;
pub mod chain;
pub mod compliance;
pub mod config;
pub mod crypto;
pub mod error;
pub mod follower;
pub mod fx;
pub mod housekeeping;
pub mod idempotency;
pub mod leadership;
pub mod metrics;
pub mod offer;
pub mod outbox;
pub mod reconcile;
pub mod server;
pub mod sponsor;
pub mod store;
pub mod web;
pub mod webhook;
pub mod webhook_destination;

use aptos_sdk::account::Ed25519Account;
use axum::Router;
use axum::middleware::from_fn_with_state;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tokio::net::TcpListener;
use tokio::sync::watch;
use zeroize::Zeroizing;

/// The time the gateway acts on, injectable so tests need not sleep.
pub trait Clock: Send + Sync + 'static {
    /// Unix seconds.
    fn now(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        yenpay_types::time::unix_now() as i64
    }
}

/// A clock that moves only when told (tests, simulations).
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// Starting at `now`.
    pub fn new(now: i64) -> Self {
        Self(AtomicI64::new(now))
    }

    /// Moves it by `seconds`.
    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }

    /// Sets it.
    pub fn set(&self, now: i64) {
        self.0.store(now, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Everything a request or a background task needs.
pub struct Gateway {
    /// The database.
    pub db: store::Db,
    /// Settings.
    pub config: config::Config,
    /// Seals secrets at rest (and opens what earlier keys sealed, during a rotation).
    pub kek: crypto::Keyring,
    /// The operator's admin token (`None`: admin API disabled).
    pub admin_token: Option<Zeroizing<String>>,
    /// The chain.
    pub ledger: Arc<dyn chain::Ledger>,
    /// Where the follower reads committed transactions (the node's REST
    /// API through `ledger` unless configured otherwise).
    pub transactions: Arc<dyn follower::TransactionSource>,
    /// The fee payer for sponsored transactions (`None`: sponsoring disabled).
    pub operator: Option<Arc<Ed25519Account>>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Prometheus metrics.
    pub metrics: metrics::Metrics,
    /// HTTP client of the webhook dispatcher.
    pub webhook_http: reqwest::Client,
    /// What the follower last saw, for readiness.
    pub follower_status: follower::StatusCell,
    /// Wakes the webhook dispatcher when the follower committed deliveries,
    /// so a webhook leaves within milliseconds of its commit, not at the next poll.
    pub outbox_ready: tokio::sync::Notify,
    /// Bumped whenever payments may have changed (the follower applied
    /// events, a code was cancelled), so open payment streams re-read at once.
    pub payments_changed: watch::Sender<u64>,
    /// Set once shutdown began, so long-lived answers (payment streams) end
    /// and the graceful shutdown does not wait for them.
    pub stopping: watch::Sender<bool>,
    /// This process's name among replicas, in leases (`leadership`).
    pub replica: String,
    /// The screening providers (`compliance`), made from `config.compliance`.
    pub compliance: compliance::Compliance,
    /// The FX desk's state as last read, and when (`fx::quotes::desk_state`).
    pub fx_desk: std::sync::Mutex<Option<(i64, chain::FxDeskState)>>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("backend", &self.db.backend)
            .field("package", &self.config.package)
            .finish_non_exhaustive()
    }
}

/// The follower's [`follower::TransactionSource`]: the REST pager, or the
/// Transaction Stream with the pager as its fallback.
fn follower_source(
    config: &config::Config,
    ledger: Arc<dyn chain::Ledger>,
) -> Arc<dyn follower::TransactionSource> {
    let filter = follower::PackageFilter::new(config.package);
    let rest: Arc<dyn follower::TransactionSource> =
        Arc::new(follower::RestSource::new(ledger, filter.clone()));
    let Some(stream) = &config.follower_stream else {
        return rest;
    };
    let options = follower::GrpcOptions {
        filter_events: stream.filter_events,
        max_message_bytes: stream.max_message_bytes,
        ..follower::GrpcOptions::default()
    };
    match follower::GrpcSource::new(&stream.url, filter, options) {
        Ok(grpc) => Arc::new(grpc.with_fallback(rest)),
        Err(error) => {
            tracing::error!(%error, "the transaction stream's URL: following over REST");
            rest
        }
    }
}

/// The state every handler gets.
pub type AppState = Arc<Gateway>;

impl Gateway {
    /// A gateway on `db` and `ledger` with `config`.
    pub fn new(
        db: store::Db,
        config: config::Config,
        kek: impl Into<crypto::Keyring>,
        ledger: Arc<dyn chain::Ledger>,
    ) -> Self {
        // The same provider aptos-sdk installs; whoever is first wins, both are ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut webhook_http = reqwest::Client::builder()
            .timeout(config.webhooks.request_timeout)
            .redirect(reqwest::redirect::Policy::none());
        if !config.webhooks.allow_local_destinations {
            webhook_http = webhook_http.dns_resolver(webhook_destination::PublicOnly);
        }
        let webhook_http = webhook_http
            .build()
            .expect("a client with a timeout builds");
        let compliance = compliance::Compliance::new(&config.compliance);
        let transactions = follower_source(&config, ledger.clone());
        Self {
            transactions,
            compliance,
            db,
            config,
            kek: kek.into(),
            admin_token: None,
            ledger,
            operator: None,
            clock: Arc::new(SystemClock),
            metrics: metrics::Metrics::new(),
            webhook_http,
            follower_status: follower::StatusCell::default(),
            outbox_ready: tokio::sync::Notify::new(),
            payments_changed: watch::Sender::new(0),
            stopping: watch::Sender::new(false),
            replica: format!("rep_{}", crypto::random_hex(8)),
            fx_desk: std::sync::Mutex::new(None),
        }
    }

    /// Wakes every open payment stream (see [`Gateway::payments_changed`]).
    pub fn signal_payments_changed(&self) {
        self.payments_changed
            .send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// The public listener's routes: the API and, when enabled, the pages with
/// the APIs they call; counted in the metrics, and answered in the API's
/// error shape where nothing matches.
pub fn router(state: AppState) -> Router {
    let mut routes = api::router(&state);
    if state.config.web.enabled {
        let page_apis = api::pos::router(&state)
            .merge(api::wallet::router())
            .merge(api::tax_refunds::wallet_router());
        routes = routes.merge(web::router(page_apis));
    }
    finish(routes, state)
}

/// The admin listener's routes ([`api::admin_router`]).
pub fn admin_router(state: AppState) -> Router {
    finish(api::admin_router(&state), state)
}

fn finish(routes: Router<AppState>, state: AppState) -> Router {
    routes
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(from_fn_with_state(state.clone(), metrics::track))
        .with_state(state)
}

/// Serves the public API on `listener` and the admin API on `admin` (none:
/// not served), and runs the follower and the webhook dispatcher until
/// `shutdown` resolves; then stops the follower and the dispatcher first
/// (each finishes its page or batch: nothing new is applied or sent while
/// the server drains), stops taking connections, gives open ones
/// `config.server.shutdown_deadline` to finish, and returns: within twice
/// that deadline in all.
///
/// # Errors
/// None today; the result leaves room for serving errors.
pub async fn run(
    state: AppState,
    listener: TcpListener,
    admin: Option<TcpListener>,
    follow: bool,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = Vec::new();
    // One replica at a time runs each, chosen by a lease in the database.
    if follow {
        tasks.push(tokio::spawn(leadership::lead(
            state.clone(),
            "follower",
            stop_rx.clone(),
            follower::run,
        )));
    }
    if state.config.purge_interval > std::time::Duration::ZERO && state.operator.is_some() {
        tasks.push(tokio::spawn(leadership::lead(
            state.clone(),
            "housekeeper",
            stop_rx.clone(),
            housekeeping::run,
        )));
    }
    if state.compliance.enabled() {
        tasks.push(tokio::spawn(leadership::lead(
            state.clone(),
            "screener",
            stop_rx.clone(),
            compliance::worker::run,
        )));
    }
    if state.config.fx.provider_url.is_some() {
        tasks.push(tokio::spawn(leadership::lead(
            state.clone(),
            "rate-keeper",
            stop_rx.clone(),
            fx::keeper::run,
        )));
    }
    if state.config.webhooks.dispatch {
        tasks.push(tokio::spawn(leadership::lead(
            state.clone(),
            "dispatcher",
            stop_rx.clone(),
            webhook::run,
        )));
    }
    tasks.push(tokio::spawn(maintenance(state.clone(), stop_rx.clone())));
    tasks.push(tokio::spawn(reconcile::run(state.clone(), stop_rx.clone())));
    // Set once the background work has stopped: then the listeners drain.
    let (drain_tx, drain_rx) = watch::channel(false);
    let drained = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|drain| *drain).await;
    };
    let signal = state.clone();
    let stopping = async move {
        shutdown.await;
        tracing::info!("stopping: background work first, then the HTTP server");
        signal.stopping.send_replace(true);
        let _ = stop_tx.send(true);
        let background = async {
            for task in tasks {
                let _ = task.await;
            }
        };
        if tokio::time::timeout(signal.config.server.shutdown_deadline, background)
            .await
            .is_err()
        {
            tracing::warn!("the follower or the dispatcher did not stop by the deadline; going on");
        }
        let _ = drain_tx.send(true);
    };
    let public = server::serve(
        listener,
        router(state.clone()),
        &state.config.server,
        drained(drain_rx.clone()),
    );
    let admin = async {
        if let Some(admin) = admin {
            server::serve(
                admin,
                admin_router(state.clone()),
                &state.config.server,
                drained(drain_rx.clone()),
            )
            .await;
        }
    };
    tokio::join!(stopping, public, admin);
    tracing::info!("stopped");
    Ok(())
}

/// Purges spent nonces, old idempotency keys, expired POS sessions, POS
/// login attempts and sponsoring records every minute, and reads the fee
/// payer's balance (its alarm).
async fn maintenance(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        let now = state.clock.now();
        let window = state.config.replay_window.as_secs() as i64;
        if let Err(error) = auth::purge_nonces(&state.db.pool, now, window).await {
            tracing::warn!(%error, "purging nonces");
        }
        if let Err(error) = idempotency::purge(&state.db.pool, now).await {
            tracing::warn!(%error, "purging idempotency keys");
        }
        if let Err(error) = web::session::purge(&state.db.pool, now).await {
            tracing::warn!(%error, "purging POS sessions");
        }
        if let Err(error) = web::throttle::purge(&state, now).await {
            tracing::warn!(%error, "purging POS login attempts");
        }
        if let Err(error) = store::rate_limits::purge(&state.db.pool, now).await {
            tracing::warn!(%error, "purging sponsoring rate-limit records");
        }
        if let Err(error) = sponsor::claims::purge(&state.db.pool, now).await {
            tracing::warn!(%error, "purging sponsoring claims");
        }
        if let Err(error) = sponsor::budget::purge(&state.db.pool, now).await {
            tracing::warn!(%error, "purging sponsoring spend records");
        }
        if let Err(error) = fx::quotes::purge(&state.db.pool, now).await {
            tracing::warn!(%error, "purging old FX quotes");
        }
        if let Err(error) = compliance::limits::purge(&state, now).await {
            tracing::warn!(%error, "purging customers' past usage");
        }
        if let Some(Err(error)) = sponsor::fee_payer_balance(&state).await {
            tracing::warn!(%error, "reading the fee payer's APT balance");
        }
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
        }
    }
}
