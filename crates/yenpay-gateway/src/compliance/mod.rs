//! Compliance: screening before money moves, customer limits, and the
//! tamper-evident audit log (issue 28, phase 1; docs/gateway.md, Compliance).
//!
//! - [`Screener`] and its providers: [`list::ListScreener`] (a file of
//!   addresses, read again when it changes) and [`http::HttpScreener`] (a
//!   screening service at a URL, with a timeout and retries). [`Compliance`]
//!   asks each configured provider and combines the answers into one
//!   [`Verdict`]: allow, deny or review, with a reason code. A provider that
//!   fails is decided by the fail policy: closed (deny,
//!   `PROVIDER_UNAVAILABLE`) unless the operator opened it for the
//!   merchant's category code. The HTTP provider's verdicts are remembered
//!   for a while ([`cache`]), so a flood from one address asks it once.
//! - Where it applies: the sponsor screens the payer before it claims
//!   anything ([`crate::sponsor`]), the refund route screens the recipient
//!   before it signs (`api::refunds`), and the follower queues every payment
//!   it applies for [`worker`], which screens the payer and announces a deny
//!   to the merchant (`PAYMENT_SCREENING_DENIED`, a signed webhook).
//! - [`limits`]: tiers and their per-transaction, daily and monthly limits.
//! - [`audit`]: what goes into the audit log (`store::audit_log`).
//! - [`travel_rule`]: IVMS101 records of transfers with other providers'
//!   custodial wallets and declared unhosted ones, and their signed receipts.
//! - [`reports`]: the daily reconciliation per merchant and the
//!   suspicious-activity export.
//!
//! - [`review`]: a review turns the payment into a hold in the package's
//!   escrow, which an analyst releases to the merchant or rejects back to
//!   the payer, or the gateway voids at the deadline.
//! - [`retention`]: records, declarations and verdicts are deleted after
//!   the retention the law asks (seven years by default).
pub mod audit;
pub mod cache;
pub mod http;
pub mod limits;
pub mod list;
pub mod reports;
pub mod retention;
pub mod review;
pub mod travel_rule;
pub mod worker;

use crate::AppState;
use crate::config::CompliancePolicy;
use crate::store::{audit_log, compliance as rows};
use aptos_sdk::types::AccountAddress;
use axum::http::StatusCode;
use std::sync::Arc;

/// What a screening decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go on.
    Allow,
    /// Refuse; for a payment already made, tell the merchant and the operator.
    Deny,
    /// An analyst decides: a payment of a code becomes a hold ([`review`]);
    /// anything else is refused with its own code.
    Review,
}

impl Decision {
    /// `ALLOW`, `DENY`, `REVIEW`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "ALLOW",
            Self::Deny => "DENY",
            Self::Review => "REVIEW",
        }
    }
}

/// A provider's (or the combined) answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Allow, deny or review.
    pub decision: Decision,
    /// Why: `NO_MATCH`, `LIST_MATCH`, `PROVIDER_UNAVAILABLE`,
    /// `PROVIDER_UNAVAILABLE_FAIL_OPEN`, or the HTTP provider's code.
    pub reason_code: String,
    /// The list line's comment, the provider's explanation.
    pub detail: Option<String>,
    /// Which providers answered (`list`, `http`, `list+http`).
    pub provider: String,
}

impl Verdict {
    /// Allowed by `provider`, nothing found.
    pub fn allow(provider: &str) -> Self {
        Self {
            decision: Decision::Allow,
            reason_code: "NO_MATCH".to_owned(),
            detail: None,
            provider: provider.to_owned(),
        }
    }

    /// Whether a provider failed and the fail policy decided.
    pub fn provider_failed(&self) -> bool {
        self.reason_code.starts_with("PROVIDER_UNAVAILABLE")
    }
}

/// What is screened.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    /// The address.
    pub address: AccountAddress,
    /// `SPONSOR`, `PAYMENT`, `REFUND`.
    pub context: &'a str,
    /// The merchant's category code (`""` when unknown).
    pub mcc: &'a str,
    /// Yen.
    pub amount: i64,
}

/// Why a provider gave no verdict.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ScreenError {
    /// It could not be asked or did not answer (never names its URL).
    #[error("{0}")]
    Unavailable(String),
}

/// A screening provider.
#[async_trait::async_trait]
pub trait Screener: Send + Sync + std::fmt::Debug {
    /// Its name in verdicts (`list`, `http`).
    fn name(&self) -> &'static str;
    /// Its verdict on `subject`.
    async fn screen(&self, subject: &Subject<'_>) -> Result<Verdict, ScreenError>;
}

/// The configured providers and the fail policy.
#[derive(Debug, Clone, Default)]
pub struct Compliance {
    screeners: Vec<Arc<dyn Screener>>,
    fail_open_mccs: Vec<String>,
}

impl Compliance {
    /// The providers `policy` configures: the list, then the HTTP provider.
    pub fn new(policy: &CompliancePolicy) -> Self {
        let mut screeners: Vec<Arc<dyn Screener>> = Vec::new();
        if let Some(path) = &policy.list_file {
            screeners.push(Arc::new(list::ListScreener::new(path)));
        }
        if let Some(url) = &policy.http_url {
            // Only the HTTP provider is remembered: the list is local, and
            // an edit to it takes effect at the next request.
            screeners.push(cache::CachedScreener::wrap(
                Arc::new(http::HttpScreener::new(
                    url.clone(),
                    policy.http_timeout,
                    policy.http_retries,
                )),
                &policy.verdict_cache,
            ));
        }
        Self {
            screeners,
            fail_open_mccs: policy.fail_open_mccs.clone(),
        }
    }

    /// Adds a provider after the configured ones.
    #[must_use]
    pub fn with_screener(mut self, screener: Arc<dyn Screener>) -> Self {
        self.screeners.push(screener);
        self
    }

    /// Whether any provider is configured (without one, nothing is screened
    /// and no verdict is recorded; the binary warns at start).
    pub fn enabled(&self) -> bool {
        !self.screeners.is_empty()
    }

    /// Whether a failing provider lets payments of merchants in `mcc` through.
    pub fn fails_open(&self, mcc: &str) -> bool {
        !mcc.is_empty() && self.fail_open_mccs.iter().any(|m| m == mcc)
    }

    /// Asks every provider in turn (a deny stops there) and combines: deny
    /// over review over allow; a provider that failed is decided by the fail
    /// policy for the subject's category code, closed unless opened.
    /// `None` when no provider is configured.
    pub async fn screen(&self, subject: &Subject<'_>) -> Option<Verdict> {
        if self.screeners.is_empty() {
            return None;
        }
        let mut providers = Vec::new();
        let mut worst: Option<Verdict> = None;
        let mut failure: Option<(String, String)> = None;
        for screener in &self.screeners {
            providers.push(screener.name());
            match screener.screen(subject).await {
                Ok(verdict) => {
                    let rank = |d: Decision| match d {
                        Decision::Allow => 0,
                        Decision::Review => 1,
                        Decision::Deny => 2,
                    };
                    if worst
                        .as_ref()
                        .is_none_or(|w| rank(verdict.decision) > rank(w.decision))
                    {
                        worst = Some(verdict);
                    }
                    if worst.as_ref().is_some_and(|w| w.decision == Decision::Deny) {
                        break;
                    }
                }
                Err(ScreenError::Unavailable(why)) => {
                    failure.get_or_insert((screener.name().to_owned(), why));
                }
            }
        }
        let provider = providers.join("+");
        if let Some(worst) = worst.as_ref().filter(|w| w.decision != Decision::Allow) {
            return Some(Verdict {
                provider,
                ..worst.clone()
            });
        }
        if let Some((failed, why)) = failure {
            let open = self.fails_open(subject.mcc);
            tracing::warn!(
                provider = %failed,
                context = subject.context,
                mcc = subject.mcc,
                fail_open = open,
                "a screening provider failed: {why}"
            );
            return Some(Verdict {
                decision: if open {
                    Decision::Allow
                } else {
                    Decision::Deny
                },
                reason_code: if open {
                    "PROVIDER_UNAVAILABLE_FAIL_OPEN"
                } else {
                    "PROVIDER_UNAVAILABLE"
                }
                .to_owned(),
                detail: Some(format!("{failed}: {why}")),
                provider,
            });
        }
        Some(Verdict {
            provider,
            ..Verdict::allow("")
        })
    }
}

/// Screens `screening.subject` now and records the verdict with its audit
/// entry (a repeat of the same screening only counts). `None` when no
/// provider is configured.
///
/// # Errors
/// When the database fails.
pub async fn screen_now(
    state: &AppState,
    screening: &rows::NewScreening<'_>,
) -> Result<Option<Verdict>, sqlx::Error> {
    let Ok(address) = AccountAddress::from_hex(screening.subject) else {
        return Ok(None);
    };
    let subject = Subject {
        address,
        context: screening.context,
        mcc: screening.mcc,
        amount: screening.amount,
    };
    let Some(verdict) = state.compliance.screen(&subject).await else {
        return Ok(None);
    };
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let outcome = outcome_of(&verdict);
    let (verdict_id, changed) = rows::record_screened(&mut tx, screening, &outcome, now).await?;
    if changed {
        audit_log::append_in(
            &mut tx,
            &audit::verdict_entry(&verdict_id, screening, &outcome),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    count(state, screening.context, &verdict);
    Ok(Some(verdict))
}

/// A verdict as the store takes it.
pub fn outcome_of(verdict: &Verdict) -> rows::Outcome<'_> {
    rows::Outcome {
        verdict: verdict.decision.as_str(),
        reason_code: &verdict.reason_code,
        detail: verdict.detail.as_deref(),
        provider: &verdict.provider,
    }
}

fn count(state: &AppState, context: &str, verdict: &Verdict) {
    state
        .metrics
        .screening_verdicts
        .with_label_values(&[context, verdict.decision.as_str()])
        .inc();
    if verdict.provider_failed() {
        state.metrics.screening_provider_failures.inc();
    }
}

/// The refusal a verdict makes of a request that would move money
/// (sponsoring, a refund): `None` for allow. A deny is `403
/// SCREENING_DENIED`; a deny because a provider failed (fail closed) is
/// `503 SCREENING_UNAVAILABLE`, worth retrying; a review is `403
/// SCREENING_REVIEW` where no hold can stand for the payment (the sponsor
/// turns a code's payment into a hold instead: [`review`]).
pub fn refusal(verdict: &Verdict) -> Option<(StatusCode, &'static str, String)> {
    match verdict.decision {
        Decision::Allow => None,
        Decision::Deny if verdict.provider_failed() => Some((
            StatusCode::SERVICE_UNAVAILABLE,
            "SCREENING_UNAVAILABLE",
            "the address could not be screened, and payments are refused until it can be; try again later".to_owned(),
        )),
        Decision::Deny => Some((
            StatusCode::FORBIDDEN,
            "SCREENING_DENIED",
            format!(
                "the address was refused by screening ({})",
                verdict.reason_code
            ),
        )),
        Decision::Review => Some((
            StatusCode::FORBIDDEN,
            "SCREENING_REVIEW",
            format!(
                "the address needs a compliance review before it can pay ({}); refused for now",
                verdict.reason_code
            ),
        )),
    }
}
