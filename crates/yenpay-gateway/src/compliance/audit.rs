//! What goes into the audit log (`store::audit_log`): every screening
//! verdict (a repeat of the same screening only counts in its row), every
//! admin action (a middleware on the admin listener), every API key, POS
//! credential and webhook secret issued (its id, never the secret) and every
//! change of a customer's tier. Entries name ids, addresses, codes and
//! routes; the middleware copies only known id fields out of an answer, so a
//! secret shown once in an answer never reaches the log.
use crate::AppState;
use crate::store::audit_log::{self, NewEntry};
use crate::store::compliance::{NewScreening, Outcome};
use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Map, Value, json};

/// The entry of a screening verdict.
pub fn verdict_entry<'a>(
    verdict_id: &'a str,
    screening: &'a NewScreening<'a>,
    outcome: &Outcome<'_>,
) -> NewEntry<'a> {
    NewEntry {
        actor: "gateway",
        action: "SCREENING_VERDICT",
        subject: screening.subject,
        details: json!({
            "verdictId": verdict_id,
            "context": screening.context,
            "reference": screening.reference,
            "merchant": screening.merchant_address,
            "amount": screening.amount,
            "mcc": screening.mcc,
            "verdict": outcome.verdict,
            "reasonCode": outcome.reason_code,
            "provider": outcome.provider,
        }),
    }
}

/// Admin routes that append their own audit entry, in the transaction of
/// their change (the middleware leaves them alone).
pub const SELF_AUDITED: &[&str] = &[
    "/admin/customers/{address}/tier",
    "/admin/reviews/{reviewId}/release",
    "/admin/reviews/{reviewId}/reject",
];

/// The action an admin route's template performs.
fn action_of(method: &Method, template: &str) -> String {
    let named = match (method.as_str(), template) {
        ("POST", "/admin/merchants") => "MERCHANT_ONBOARDED",
        ("POST", "/admin/merchants/{merchantId}/keys") => "API_KEY_ISSUED",
        ("DELETE", "/admin/merchants/{merchantId}/keys/{keyId}") => "API_KEY_REVOKED",
        ("POST", "/admin/merchants/{merchantId}/pos-credentials") => "POS_CREDENTIAL_ISSUED",
        ("DELETE", "/admin/merchants/{merchantId}/pos-credentials/{credentialId}") => {
            "POS_CREDENTIAL_REVOKED"
        }
        ("POST", "/admin/merchants/{merchantId}/webhooks") => "WEBHOOK_SECRET_ISSUED",
        ("PUT", "/admin/travel-rule/vasp-addresses/{address}") => "VASP_ADDRESS_SET",
        ("DELETE", "/admin/travel-rule/vasp-addresses/{address}") => "VASP_ADDRESS_REMOVED",
        _ => return format!("ADMIN {method} {template}"),
    };
    named.to_owned()
}

/// The fields of an answer's `data` the log may copy: ids and public
/// values, never a `secret`.
const ID_FIELDS: &[&str] = &[
    "merchantId",
    "keyId",
    "credentialId",
    "endpointId",
    "terminalAddress",
    "ownerAddress",
    "role",
    "tier",
    "previousTier",
    "vaspName",
];

/// Appends an entry for every admin request that changes something (any
/// method but GET and HEAD) and succeeded: who (`admin`), the action, the
/// request's path, its status and the ids its answer names. Sits inside the
/// idempotency layer, so a replayed answer is not a second action.
pub async fn record_admin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    if method == Method::GET || method == Method::HEAD {
        return next.run(request).await;
    }
    let template = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    if SELF_AUDITED.contains(&template.as_str()) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    if !response.status().is_success() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = match to_bytes(body, 1 << 20).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, "reading an admin answer for the audit log");
            return Response::from_parts(parts, Body::empty());
        }
    };
    let mut ids = Map::new();
    if let Ok(answer) = serde_json::from_slice::<Value>(&bytes)
        && let Some(data) = answer.get("data").and_then(Value::as_object)
    {
        for field in ID_FIELDS {
            if let Some(value) = data.get(*field).filter(|v| v.is_string()) {
                ids.insert((*field).to_owned(), value.clone());
            }
        }
    }
    let entry = NewEntry {
        actor: "admin",
        action: &action_of(&method, &template),
        subject: &path,
        details: json!({"status": parts.status.as_u16(), "ids": ids}),
    };
    if let Err(error) = audit_log::append(&state.db, &entry, state.clock.now()).await {
        // The action happened; the operator must know its entry is missing.
        tracing::error!(%error, action = entry.action, path = %path, "appending to the audit log failed");
        state.metrics.audit_append_failures.inc();
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Appends `entry` now, logging (not failing) when the database does not
/// take it: for actions already done, such as a merchant's secret rotation.
pub async fn record(state: &AppState, entry: &NewEntry<'_>) {
    if let Err(error) = audit_log::append(&state.db, entry, state.clock.now()).await {
        tracing::error!(%error, action = entry.action, "appending to the audit log failed");
        state.metrics.audit_append_failures.inc();
    }
}
