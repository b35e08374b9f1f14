//! Prometheus metrics, served at `/metrics` in the text format.
use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use std::time::Instant;

/// The gateway's metrics, in their own registry (several gateways may live in one test process).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// Request latency by method, route and status.
    pub request_seconds: HistogramVec,
    /// Versions between the ledger's head and the follower's cursor.
    pub follower_lag_versions: IntGauge,
    /// Seconds between the ledger head's timestamp and the last applied transaction's.
    pub follower_lag_seconds: prometheus::Gauge,
    /// Events of the package applied.
    pub follower_events: IntCounter,
    /// 1 under the reason the follower stopped (`follower::Halt::code`), an alarm.
    pub follower_halted: IntGaugeVec,
    /// Deliveries waiting (pending).
    pub outbox_depth: IntGauge,
    /// Dead-lettered deliveries.
    pub outbox_dead: IntGauge,
    /// Webhook delivery attempts by outcome (`delivered`, `failed`, `dead`).
    pub webhook_attempts: IntCounterVec,
    /// Failed webhook attempts.
    pub webhook_failures: IntCounter,
    /// Sponsoring requests refused by reason.
    pub sponsor_refusals: IntCounterVec,
    /// Requests whose client went away before the answer, by method and route.
    pub requests_abandoned: IntCounterVec,
    /// 1 while this replica holds a role's lease (`follower`, `dispatcher`).
    pub leader: prometheus::IntGaugeVec,
    /// Sponsored transactions refused because the hour's or day's budget is spent, by period.
    pub sponsor_budget_exhausted: IntCounterVec,
    /// Octas this replica's sponsored transactions cost the fee payer.
    pub sponsor_spent_octas: IntCounter,
    /// The fee payer's APT balance when last read, octas.
    pub fee_payer_balance_octas: IntGauge,
    /// 1 when the fee payer's APT balance is below the alarm threshold.
    pub fee_payer_balance_low: IntGauge,
    /// Screening verdicts by context (`SPONSOR`, `PAYMENT`, `REFUND`) and verdict.
    pub screening_verdicts: IntCounterVec,
    /// Screenings a provider failed (the fail policy decided).
    pub screening_provider_failures: IntCounter,
    /// Payments on chain from an address screening denies (alert on it).
    pub screening_denied_payments: IntCounter,
    /// Audit log entries that could not be appended (alert on it).
    pub audit_append_failures: IntCounter,
    /// Quotes signed by this replica (a request answered with a live quote signs none).
    pub fx_quotes: IntCounter,
    /// Yen in the FX desk's inventory when last read.
    pub fx_yen_inventory: IntGauge,
    /// USDC units (6 decimals) the FX desk holds when last read.
    pub fx_usdc_held: IntGauge,
    /// The desk's USDC valued at the reference rate, in yen: its FX exposure.
    pub fx_exposure_yen: IntGauge,
    /// 1 when the FX desk's yen inventory is below the alarm threshold.
    pub fx_inventory_low: IntGauge,
    /// The on-chain reference rate when last read (yen per USDC x 10^6).
    pub fx_reference_rate: IntGauge,
    /// Reads of the reference rate provider that failed or gave a stale or malformed rate.
    pub fx_provider_failures: IntCounter,
    /// Reference rate updates the rate keeper committed.
    pub fx_reference_updates: IntCounter,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Fresh metrics in a new registry.
    pub fn new() -> Self {
        let registry =
            Registry::new_custom(Some("yenpay_gateway".to_owned()), None).expect("a valid prefix");
        let request_seconds = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency").buckets(
                vec![
                    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ],
            ),
            &["method", "route", "status"],
        )
        .expect("valid histogram");
        let follower_lag_versions = IntGauge::new(
            "follower_lag_versions",
            "ledger head version minus the follower's cursor",
        )
        .expect("valid gauge");
        let follower_lag_seconds = prometheus::Gauge::new(
            "follower_lag_seconds",
            "ledger head timestamp minus the last applied transaction's timestamp",
        )
        .expect("valid gauge");
        let follower_events = IntCounter::new("follower_events_total", "package events applied")
            .expect("valid counter");
        let follower_halted = IntGaugeVec::new(
            Opts::new(
                "follower_halted",
                "1 when the follower stopped for good, by reason",
            ),
            &["reason"],
        )
        .expect("valid gauge");
        let outbox_depth =
            IntGauge::new("outbox_depth", "webhook deliveries pending").expect("valid gauge");
        let outbox_dead =
            IntGauge::new("outbox_dead", "webhook deliveries dead-lettered").expect("valid gauge");
        let webhook_attempts = IntCounterVec::new(
            Opts::new(
                "webhook_attempts_total",
                "webhook delivery attempts by outcome",
            ),
            &["outcome"],
        )
        .expect("valid counter");
        let webhook_failures = IntCounter::new("webhook_failures_total", "failed webhook attempts")
            .expect("valid counter");
        let sponsor_refusals = IntCounterVec::new(
            Opts::new(
                "sponsor_refusals_total",
                "sponsoring requests refused by code",
            ),
            &["code"],
        )
        .expect("valid counter");
        let requests_abandoned = IntCounterVec::new(
            Opts::new(
                "http_requests_abandoned_total",
                "requests whose client closed the connection before the answer",
            ),
            &["method", "route"],
        )
        .expect("valid counter");
        let leader = prometheus::IntGaugeVec::new(
            Opts::new("leader", "1 while this replica runs the role"),
            &["role"],
        )
        .expect("valid gauge");
        let sponsor_budget_exhausted = IntCounterVec::new(
            Opts::new(
                "sponsor_budget_exhausted_total",
                "sponsored transactions refused because the period's budget is spent",
            ),
            &["period"],
        )
        .expect("valid counter");
        let sponsor_spent_octas = IntCounter::new(
            "sponsor_spent_octas_total",
            "octas sponsored transactions cost the fee payer (this replica)",
        )
        .expect("valid counter");
        let fee_payer_balance_octas = IntGauge::new(
            "fee_payer_balance_octas",
            "the fee payer's APT balance when last read",
        )
        .expect("valid gauge");
        let fx_quotes = IntCounter::new(
            "fx_quotes_total",
            "Quotes signed by this replica (a request answered with a live quote signs none)",
        )
        .expect("valid metric");
        let fx_yen_inventory = IntGauge::new(
            "fx_desk_yen_inventory",
            "Yen in the FX desk's inventory when last read",
        )
        .expect("valid metric");
        let fx_usdc_held = IntGauge::new(
            "fx_desk_usdc_units",
            "USDC units (6 decimals) the FX desk holds when last read",
        )
        .expect("valid metric");
        let fx_exposure_yen = IntGauge::new(
            "fx_desk_exposure_yen",
            "The desk's USDC valued at the reference rate, in yen: its FX exposure",
        )
        .expect("valid metric");
        let fx_inventory_low = IntGauge::new(
            "fx_desk_inventory_low",
            "1 when the FX desk's yen inventory is below the alarm threshold",
        )
        .expect("valid metric");
        let fx_reference_rate = IntGauge::new(
            "fx_reference_rate",
            "The on-chain reference rate when last read (yen per USDC x 10^6)",
        )
        .expect("valid metric");
        let fx_provider_failures = IntCounter::new(
            "fx_provider_failures_total",
            "Reads of the reference rate provider that failed or gave a stale or malformed rate",
        )
        .expect("valid metric");
        let fx_reference_updates = IntCounter::new(
            "fx_reference_updates_total",
            "Reference rate updates the rate keeper committed",
        )
        .expect("valid metric");
        let fee_payer_balance_low = IntGauge::new(
            "fee_payer_balance_low",
            "1 when the fee payer's APT balance is below the alarm threshold",
        )
        .expect("valid gauge");
        let screening_verdicts = IntCounterVec::new(
            Opts::new(
                "screening_verdicts_total",
                "screening verdicts by context and verdict",
            ),
            &["context", "verdict"],
        )
        .expect("valid counter");
        let screening_provider_failures = IntCounter::new(
            "screening_provider_failures_total",
            "screenings a provider failed, decided by the fail policy",
        )
        .expect("valid counter");
        let screening_denied_payments = IntCounter::new(
            "screening_denied_payments_total",
            "payments on chain from an address screening denies",
        )
        .expect("valid counter");
        let audit_append_failures = IntCounter::new(
            "audit_append_failures_total",
            "audit log entries that could not be appended",
        )
        .expect("valid counter");
        for collector in [
            Box::new(request_seconds.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(follower_lag_versions.clone()),
            Box::new(follower_lag_seconds.clone()),
            Box::new(follower_events.clone()),
            Box::new(follower_halted.clone()),
            Box::new(outbox_depth.clone()),
            Box::new(outbox_dead.clone()),
            Box::new(webhook_attempts.clone()),
            Box::new(webhook_failures.clone()),
            Box::new(sponsor_refusals.clone()),
            Box::new(requests_abandoned.clone()),
            Box::new(leader.clone()),
            Box::new(sponsor_budget_exhausted.clone()),
            Box::new(sponsor_spent_octas.clone()),
            Box::new(fee_payer_balance_octas.clone()),
            Box::new(fee_payer_balance_low.clone()),
            Box::new(screening_verdicts.clone()),
            Box::new(screening_provider_failures.clone()),
            Box::new(screening_denied_payments.clone()),
            Box::new(audit_append_failures.clone()),
            Box::new(fx_quotes.clone()),
            Box::new(fx_yen_inventory.clone()),
            Box::new(fx_usdc_held.clone()),
            Box::new(fx_exposure_yen.clone()),
            Box::new(fx_inventory_low.clone()),
            Box::new(fx_reference_rate.clone()),
            Box::new(fx_provider_failures.clone()),
            Box::new(fx_reference_updates.clone()),
        ] {
            registry.register(collector).expect("unique metric names");
        }
        Self {
            registry,
            request_seconds,
            follower_lag_versions,
            follower_lag_seconds,
            follower_events,
            follower_halted,
            outbox_depth,
            outbox_dead,
            webhook_attempts,
            webhook_failures,
            sponsor_refusals,
            requests_abandoned,
            leader,
            sponsor_budget_exhausted,
            sponsor_spent_octas,
            fee_payer_balance_octas,
            fee_payer_balance_low,
            screening_verdicts,
            screening_provider_failures,
            screening_denied_payments,
            audit_append_failures,
            fx_quotes,
            fx_yen_inventory,
            fx_usdc_held,
            fx_exposure_yen,
            fx_inventory_low,
            fx_reference_rate,
            fx_provider_failures,
            fx_reference_updates,
        }
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buffer)
            .expect("text encoding cannot fail");
        String::from_utf8(buffer).expect("the text format is UTF-8")
    }
}

/// Middleware: time every request by its route template (not its path, so ids do not explode the label set).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let mut abandoned = Abandoned {
        counter: Some(state.metrics.requests_abandoned.clone()),
        method: &method,
        route: &route,
        started,
    };
    let response = next.run(request).await;
    abandoned.counter = None;
    let status = response.status();
    state
        .metrics
        .request_seconds
        .with_label_values(&[method.as_str(), route.as_str(), status.as_str()])
        .observe(started.elapsed().as_secs_f64());
    tracing::info!(
        method,
        route,
        status = status.as_u16(),
        millis = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

/// Counts and logs a request whose future is dropped before it answered: the
/// server drops it when the client closes the connection. A handler that
/// already wrote to the database or submitted a transaction has done so; the
/// log line says which route to look at.
struct Abandoned<'a> {
    /// `None` once the answer is ready.
    counter: Option<IntCounterVec>,
    method: &'a str,
    route: &'a str,
    started: Instant,
}

impl Drop for Abandoned<'_> {
    fn drop(&mut self) {
        if let Some(counter) = self.counter.take() {
            counter.with_label_values(&[self.method, self.route]).inc();
            tracing::warn!(
                method = self.method,
                route = self.route,
                millis = self.started.elapsed().as_millis() as u64,
                "request abandoned by the client before the answer"
            );
        }
    }
}

/// `GET /metrics`.
pub async fn serve(State(state): State<AppState>) -> Response {
    crate::outbox::refresh_gauges(&state).await;
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}
