//! `/admin` compliance routes (`crate::compliance`): customers' tiers and
//! what they have left, screening verdicts, and the audit log's export.
use super::extract::{ApiJson, Path, Query};
use crate::AppState;
use crate::compliance::limits::{self, Left, Tier};
use crate::compliance::reports::{self, MerchantDay, Suspicious, csv_field};
use crate::compliance::travel_rule::{self, RecordView};
use crate::error::{ApiError, ApiResult, ok};
use crate::store::audit_log::{self, Entry, NewEntry};
use crate::store::compliance::{self as rows, Verdict};
use crate::store::travel_rule::{self as travel_rows, VaspAddress};
use aptos_sdk::types::AccountAddress;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes, as `#[utoipa::path]` declares them.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(customer))
        .routes(routes!(set_tier))
        .routes(routes!(verdicts))
        .routes(routes!(audit_log_export))
        .routes(routes!(vasp_addresses))
        .routes(routes!(set_vasp_address, remove_vasp_address))
        .routes(routes!(travel_rule_records))
        .routes(routes!(travel_rule_record))
        .routes(routes!(receipt_key))
        .routes(routes!(reconciliation_report))
        .routes(routes!(suspicious_report))
}

fn customer_address(text: &str) -> Result<String, ApiError> {
    AccountAddress::from_hex(text)
        .map(|a| a.to_hex())
        .map_err(|_| ApiError::invalid("address: an account address, 0x-hex"))
}

/// A customer as the operator sees it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerView {
    /// The account address.
    pub address: String,
    /// Its tier and what it may still pay.
    pub limits: Left,
}

/// A customer's tier and what it has left today and this month (Japan time).
#[utoipa::path(get, path = "/admin/customers/{address}", tag = "compliance", security(("admin" = [])),
    params(("address" = String, Path, description = "the customer's account address")),
    responses((status = 200, body = CustomerView), (status = 400, body = crate::error::ErrorBody)))]
pub async fn customer(State(state): State<AppState>, Path(address): Path<String>) -> ApiResult {
    let address = customer_address(&address)?;
    let limits = limits::left(&state, &address, state.clock.now()).await?;
    ok(CustomerView { address, limits })
}

/// `PUT /admin/customers/{address}/tier` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetTier {
    /// `unverified`, `verified` or `business`.
    pub tier: String,
}

/// Sets a customer's tier (after the operator's identity checks); the change
/// and its audit entry commit together (`compliance::audit::SELF_AUDITED`).
#[utoipa::path(put, path = "/admin/customers/{address}/tier", tag = "compliance", security(("admin" = [])),
    params(("address" = String, Path, description = "the customer's account address")),
    request_body = SetTier,
    responses((status = 200, body = CustomerView), (status = 400, body = crate::error::ErrorBody)))]
pub async fn set_tier(
    State(state): State<AppState>,
    Path(address): Path<String>,
    ApiJson(request): ApiJson<SetTier>,
) -> ApiResult {
    let address = customer_address(&address)?;
    let tier = Tier::parse(&request.tier)
        .ok_or_else(|| ApiError::invalid("tier: unverified, verified or business"))?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let before = rows::set_tier(&mut tx, &address, tier.as_str(), now).await?;
    let limits = tier.limits(&state.config.compliance.tiers);
    audit_log::append_in(
        &mut tx,
        &NewEntry {
            actor: "admin",
            action: "CUSTOMER_TIER_SET",
            subject: &address,
            details: json!({
                "tier": tier.as_str(),
                "previousTier": before.as_deref().unwrap_or("unverified"),
                "perTransaction": limits.per_transaction,
                "daily": limits.daily,
                "monthly": limits.monthly,
            }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(customer = %address, tier = tier.as_str(), "customer tier set");
    let limits = limits::left(&state, &address, now).await?;
    ok(CustomerView { address, limits })
}

/// Which verdicts.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerdictQuery {
    /// Only this address's.
    pub subject: Option<String>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// The latest screening verdicts, newest first.
#[utoipa::path(get, path = "/admin/screening/verdicts", tag = "compliance", security(("admin" = [])),
    params(VerdictQuery),
    responses((status = 200, body = Vec<Verdict>), (status = 400, body = crate::error::ErrorBody)))]
pub async fn verdicts(
    State(state): State<AppState>,
    Query(query): Query<VerdictQuery>,
) -> ApiResult {
    let subject = query.subject.as_deref().map(customer_address).transpose()?;
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    ok(rows::latest(&state.db.pool, subject.as_deref(), limit).await?)
}

/// Which entries, in which format.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditQuery {
    /// `json` (default) or `csv`.
    pub format: Option<String>,
    /// Entries after this sequence number (default 0: from the first).
    pub after_seq: Option<i64>,
    /// At most this many (default 1000, at most 10000).
    pub limit: Option<i64>,
}

/// A page of the audit log.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    /// The entries, in order.
    pub entries: Vec<Entry>,
    /// The `afterSeq` of the next page (`None`: this was the last).
    pub next_after_seq: Option<i64>,
}

/// The audit log, in order: JSON (`entries`, `nextAfterSeq`) or CSV (a
/// header line, then `seq,at,actor,action,subject,details,prev_hash,hash`).
/// Each entry's hash covers its fields and the previous hash
/// (`yenpay-gateway --verify-audit-log` checks the chain).
#[utoipa::path(get, path = "/admin/audit-log", tag = "compliance", security(("admin" = [])),
    params(AuditQuery),
    responses((status = 200, body = AuditPage, description = "JSON, or text/csv with format=csv"),
              (status = 400, body = crate::error::ErrorBody)))]
pub async fn audit_log_export(
    State(state): State<AppState>,
    Query(query): Query<AuditQuery>,
) -> ApiResult {
    let limit = query.limit.unwrap_or(1000).clamp(1, 10_000);
    let after = query.after_seq.unwrap_or(0).max(0);
    let entries = audit_log::page(&state.db.pool, after, limit).await?;
    let next_after_seq = (entries.len() as i64 == limit)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    match query.format.as_deref().unwrap_or("json") {
        "json" => ok(AuditPage {
            entries,
            next_after_seq,
        }),
        "csv" => {
            let mut csv = String::from("seq,at,actor,action,subject,details,prev_hash,hash\n");
            for e in &entries {
                let fields = [
                    e.seq.to_string(),
                    e.at.to_string(),
                    e.actor.clone(),
                    e.action.clone(),
                    e.subject.clone(),
                    e.details.clone(),
                    e.prev_hash.clone(),
                    e.hash.clone(),
                ];
                let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
                csv.push_str(&line.join(","));
                csv.push('\n');
            }
            Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response())
        }
        _ => Err(ApiError::invalid("format: json or csv")),
    }
}

/// `PUT /admin/travel-rule/vasp-addresses/{address}` body: the provider
/// hosting the address and its account holder, from the operator's
/// counterparty due diligence.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetVaspAddress {
    /// The provider's legal name (Latin letters, at most 100).
    pub vasp_name: String,
    /// The provider's LEI (20 characters), when it has one.
    pub vasp_lei: Option<String>,
    /// The provider's country, ISO 3166-1 alpha-2.
    pub vasp_country: String,
    /// `NATURAL` or `LEGAL`.
    pub holder_kind: String,
    /// The account holder's name as the provider identified it (Latin letters, at most 100).
    pub holder_name: String,
    /// The id the provider gave the holder (Latin letters, at most 50): IVMS101's customer identification.
    pub holder_customer_id: String,
}

/// The addresses other providers host, registered by the operator.
#[utoipa::path(get, path = "/admin/travel-rule/vasp-addresses", tag = "compliance", security(("admin" = [])),
    responses((status = 200, body = Vec<VaspAddress>)))]
pub async fn vasp_addresses(State(state): State<AppState>) -> ApiResult {
    ok(travel_rows::vasp_addresses(&state.db.pool).await?)
}

/// Registers an address as another provider's custodial wallet (or
/// replaces its entry): payments from it and refunds to it get a
/// travel-rule record. Audited as `VASP_ADDRESS_SET` (the provider's name,
/// never the holder's).
#[utoipa::path(put, path = "/admin/travel-rule/vasp-addresses/{address}", tag = "compliance", security(("admin" = [])),
    params(("address" = String, Path, description = "the hosted account address")),
    request_body = SetVaspAddress,
    responses((status = 200, body = VaspAddress), (status = 400, body = crate::error::ErrorBody)))]
pub async fn set_vasp_address(
    State(state): State<AppState>,
    Path(address): Path<String>,
    ApiJson(request): ApiJson<SetVaspAddress>,
) -> ApiResult {
    let entry = VaspAddress {
        address: customer_address(&address)?,
        vasp_name: request.vasp_name,
        vasp_lei: request.vasp_lei,
        vasp_country: request.vasp_country,
        holder_kind: request.holder_kind,
        holder_name: request.holder_name,
        holder_customer_id: request.holder_customer_id,
        updated_at: state.clock.now(),
    };
    travel_rule::check_vasp_address(&entry).map_err(|e| ApiError::invalid(e.to_string()))?;
    let mut tx = state.db.begin().await?;
    travel_rows::set_vasp_address(&mut tx, &entry).await?;
    tx.commit().await?;
    ok(entry)
}

/// Removes an address from the registry (`404` when it was not there).
/// Audited as `VASP_ADDRESS_REMOVED`.
#[utoipa::path(delete, path = "/admin/travel-rule/vasp-addresses/{address}", tag = "compliance", security(("admin" = [])),
    params(("address" = String, Path, description = "the hosted account address")),
    responses((status = 200), (status = 404, body = crate::error::ErrorBody)))]
pub async fn remove_vasp_address(
    State(state): State<AppState>,
    Path(address): Path<String>,
) -> ApiResult {
    let address = customer_address(&address)?;
    if !travel_rows::remove_vasp_address(&state.db.pool, &address).await? {
        return Err(ApiError::not_found(
            "VASP_ADDRESS_NOT_FOUND",
            "the address is not in the registry",
        ));
    }
    ok(json!({"address": address, "removed": true}))
}

/// Which records.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordQuery {
    /// Created at or after (Unix seconds; default 0).
    pub from: Option<i64>,
    /// Created before (Unix seconds; default: no end).
    pub to: Option<i64>,
    /// At most this many (default 1000, at most 10000).
    pub limit: Option<i64>,
}

/// The travel-rule records, oldest first: each with its IVMS101 payload
/// (101.2023) and the gateway's signed receipt over its hash.
#[utoipa::path(get, path = "/admin/travel-rule/records", tag = "compliance", security(("admin" = [])),
    params(RecordQuery),
    responses((status = 200, body = Vec<RecordView>), (status = 400, body = crate::error::ErrorBody)))]
pub async fn travel_rule_records(
    State(state): State<AppState>,
    Query(query): Query<RecordQuery>,
) -> ApiResult {
    let limit = query.limit.unwrap_or(1000).clamp(1, 10_000);
    let records = travel_rows::records(
        &state.db.pool,
        query.from.unwrap_or(0),
        query.to.unwrap_or(i64::MAX),
        limit,
    )
    .await?;
    let views = records
        .into_iter()
        .map(RecordView::of)
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::internal)?;
    ok(views)
}

/// One travel-rule record.
#[utoipa::path(get, path = "/admin/travel-rule/records/{recordId}", tag = "compliance", security(("admin" = [])),
    params(("recordId" = String, Path, description = "trr_...")),
    responses((status = 200, body = RecordView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn travel_rule_record(
    State(state): State<AppState>,
    Path(record_id): Path<String>,
) -> ApiResult {
    let record = travel_rows::record_by_id(&state.db.pool, &record_id)
        .await?
        .ok_or_else(|| ApiError::not_found("RECORD_NOT_FOUND", "no such travel-rule record"))?;
    ok(RecordView::of(record).map_err(ApiError::internal)?)
}

/// The key the gateway signs travel-rule receipts with.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptKey {
    /// Ed25519 public key, hex.
    pub public_key: String,
    /// What a receipt signs (after this line: record id, kind, reference,
    /// record hash, issue time, one a line).
    pub domain: String,
}

/// The receipts' public key (made on first use), for a verifier to pin.
#[utoipa::path(get, path = "/admin/travel-rule/receipt-key", tag = "compliance", security(("admin" = [])),
    responses((status = 200, body = ReceiptKey)))]
pub async fn receipt_key(State(state): State<AppState>) -> ApiResult {
    let mut tx = state.db.begin().await?;
    let key = travel_rule::receipt_signer(&state, &mut tx)
        .await
        .map_err(ApiError::internal)?;
    tx.commit().await?;
    ok(ReceiptKey {
        public_key: const_hex::encode(key.verifying_key().as_bytes()),
        domain: "yenpay travel-rule receipt v1".to_owned(),
    })
}

/// Which day, in which format.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DayQuery {
    /// The day, `YYYY-MM-DD`, Japan time.
    pub date: String,
    /// `csv` (default) or `json`.
    pub format: Option<String>,
}

/// A day's reconciliation.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Reconciliation {
    /// The day.
    pub date: String,
    /// `Asia/Tokyo`.
    pub time_zone: String,
    /// Every merchant with activity that day.
    pub merchants: Vec<MerchantDay>,
}

fn csv_answer(text: String) -> ApiResult {
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], text).into_response())
}

/// The daily reconciliation, one line per merchant with activity on the
/// Japan day: payments, their gross and fees, refunds, refunded yen and fees
/// returned, holds authorized, and net (what the payout account kept), as
/// the follower recorded them. CSV by default.
#[utoipa::path(get, path = "/admin/reports/reconciliation", tag = "compliance", security(("admin" = [])),
    params(DayQuery),
    responses((status = 200, body = Reconciliation, description = "text/csv, or JSON with format=json"),
              (status = 400, body = crate::error::ErrorBody)))]
pub async fn reconciliation_report(
    State(state): State<AppState>,
    Query(query): Query<DayQuery>,
) -> ApiResult {
    let (start, end) =
        reports::jst_day(&query.date).ok_or_else(|| ApiError::invalid("date: YYYY-MM-DD"))?;
    let merchants = reports::reconciliation(&state.db.pool, start, end).await?;
    match query.format.as_deref().unwrap_or("csv") {
        "csv" => csv_answer(reports::reconciliation_csv(&query.date, &merchants)),
        "json" => ok(Reconciliation {
            date: query.date,
            time_zone: "Asia/Tokyo".to_owned(),
            merchants,
        }),
        _ => Err(ApiError::invalid("format: csv or json")),
    }
}

/// Which days, in which format.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RangeQuery {
    /// The first day, `YYYY-MM-DD`, Japan time.
    pub from: String,
    /// The last day, included (default: `from`).
    pub to: Option<String>,
    /// `csv` (default) or `json`.
    pub format: Option<String>,
}

/// The suspicious-activity export from `from` to `to` (Japan days): every
/// screening that denied or sent to review, every limit refusal (counted),
/// and every payment seen from an address before a deny of it in the
/// period; oldest first.
#[utoipa::path(get, path = "/admin/reports/suspicious", tag = "compliance", security(("admin" = [])),
    params(RangeQuery),
    responses((status = 200, body = Vec<Suspicious>, description = "text/csv, or JSON with format=json"),
              (status = 400, body = crate::error::ErrorBody)))]
pub async fn suspicious_report(
    State(state): State<AppState>,
    Query(query): Query<RangeQuery>,
) -> ApiResult {
    let (from, _) =
        reports::jst_day(&query.from).ok_or_else(|| ApiError::invalid("from: YYYY-MM-DD"))?;
    let (_, to) = reports::jst_day(query.to.as_deref().unwrap_or(&query.from))
        .filter(|(_, to)| *to > from)
        .ok_or_else(|| ApiError::invalid("to: YYYY-MM-DD, not before from"))?;
    let lines = reports::suspicious(&state.db.pool, from, to).await?;
    match query.format.as_deref().unwrap_or("csv") {
        "csv" => csv_answer(reports::suspicious_csv(&lines)),
        "json" => ok(lines),
        _ => Err(ApiError::invalid("format: csv or json")),
    }
}
