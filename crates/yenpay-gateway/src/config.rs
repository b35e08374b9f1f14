//! The gateway's settings once resolved (the binary reads them from flags,
//! the environment and files; tests build them directly).
use aptos_sdk::types::AccountAddress;
use std::time::Duration;
use yenpay_types::Address;

/// What the sponsor requires of a transaction before it co-signs as fee
/// payer, and what it lets the operator spend (docs/gateway.md, Sponsoring).
#[derive(Debug, Clone)]
pub struct SponsorPolicy {
    /// The `max_gas_amount` every sponsored transaction carries, exactly (a
    /// customer's first payment also creates its account: 5,199 units
    /// measured, where a later one takes about 280).
    pub max_gas_amount: u64,
    /// The gas unit price every sponsored transaction carries, exactly, in
    /// octas: the gateway pays it, so the sender does not choose it.
    pub gas_unit_price: u64,
    /// Furthest expiration accepted, from now.
    pub max_expiration: Duration,
    /// Transactions per sender per minute.
    pub per_sender_per_minute: u32,
    /// Transactions per merchant per minute.
    pub per_merchant_per_minute: u32,
    /// Sponsored payments per merchant per 24 hours from senders whose
    /// account does not exist yet (each costs the operator the account's storage).
    pub new_accounts_per_merchant_per_day: u32,
    /// Octas the fee payer may spend on sponsoring per clock hour (UTC).
    pub budget_per_hour_octas: u64,
    /// Octas the fee payer may spend on sponsoring per day (UTC).
    pub budget_per_day_octas: u64,
    /// Below this APT balance (octas) the fee payer's alarm is raised.
    pub low_balance_octas: u64,
}

impl Default for SponsorPolicy {
    fn default() -> Self {
        Self {
            max_gas_amount: 20_000,
            // The chain's minimum: a payment needs no priority.
            gas_unit_price: 100,
            max_expiration: Duration::from_secs(120),
            per_sender_per_minute: 10,
            per_merchant_per_minute: 600,
            new_accounts_per_merchant_per_day: 200,
            // 1 APT an hour and 10 a day: about 3,600 payments an hour at 278
            // gas units, or 190 an hour that create their payer's account.
            budget_per_hour_octas: 100_000_000,
            budget_per_day_octas: 1_000_000_000,
            low_balance_octas: 1_000_000_000,
        }
    }
}

/// Webhook retries.
#[derive(Debug, Clone)]
pub struct WebhookPolicy {
    /// First retry delay; doubles with each failure.
    pub base_delay: Duration,
    /// Longest delay between attempts.
    pub max_delay: Duration,
    /// After this long since the event, a failing delivery is dead-lettered.
    pub give_up_after: Duration,
    /// Timeout of one delivery attempt.
    pub request_timeout: Duration,
    /// How often the dispatcher looks for due deliveries.
    pub poll_interval: Duration,
    /// Whether this replica runs the dispatcher at all.
    pub dispatch: bool,
    /// Development only: lets webhooks go to plain http and to loopback and private addresses
    /// (`webhook_destination`). Off by default.
    pub allow_local_destinations: bool,
}

impl Default for WebhookPolicy {
    fn default() -> Self {
        Self {
            base_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(3600),
            give_up_after: Duration::from_secs(24 * 3600),
            request_timeout: Duration::from_secs(10),
            poll_interval: Duration::from_millis(500),
            dispatch: true,
            allow_local_destinations: false,
        }
    }
}

/// The POS and wallet pages (`web/`, docs/web.md).
#[derive(Debug, Clone)]
pub struct WebPolicy {
    /// Serve the pages and their APIs at all.
    pub enabled: bool,
    /// How long a POS login lasts (a shift).
    pub session_ttl: Duration,
    /// Mark the session cookie `Secure` (behind a TLS proxy); it is also
    /// marked when the request came through one (`X-Forwarded-Proto: https`).
    pub secure_cookies: bool,
    /// Fallback interval at which an open payment stream re-reads its
    /// payment when no change was signalled (another replica's follower).
    pub stream_recheck: Duration,
    /// Failed POS logins one client address (an IPv6 client's /64) may have
    /// within `login_window`; past it, logins from there answer 429 unchecked.
    pub login_failures_per_client: u32,
    /// Failed POS logins against one merchant's credentials, from any
    /// client, within `login_window` (a spread-out guess); past it, logins
    /// to that merchant answer 429 unchecked.
    pub login_failures_per_merchant: u32,
    /// The sliding window failed logins are counted over.
    pub login_window: Duration,
}

impl Default for WebPolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            session_ttl: Duration::from_secs(12 * 3600),
            secure_cookies: false,
            stream_recheck: Duration::from_secs(2),
            login_failures_per_client: 5,
            login_failures_per_merchant: 20,
            login_window: Duration::from_secs(300),
        }
    }
}

/// The HTTP server's limits against slow or many clients (`server.rs`).
#[derive(Debug, Clone)]
pub struct ServerPolicy {
    /// A client must send a request's whole header within this; it also ends an idle keep-alive connection.
    pub header_read_timeout: Duration,
    /// A request must be answered within this (408 otherwise). Longer than any handler's own wait for the chain.
    pub request_timeout: Duration,
    /// Connections open at once; further clients wait in the listen queue.
    pub max_connections: usize,
    /// After a shutdown signal, open connections get this long to finish.
    pub shutdown_deadline: Duration,
}

impl Default for ServerPolicy {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            max_connections: 1024,
            shutdown_deadline: Duration::from_secs(20),
        }
    }
}

/// A tier's limits, yen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most one sponsored payment may be.
    pub per_transaction: u64,
    /// The most a customer's sponsored payments may take in a Japan day.
    pub daily: u64,
    /// The most in a Japan month.
    pub monthly: u64,
}

impl std::str::FromStr for Limits {
    type Err = String;

    /// `PER_TRANSACTION,DAILY,MONTHLY` in yen, e.g. `50000,100000,300000`.
    fn from_str(text: &str) -> Result<Self, String> {
        let numbers: Vec<u64> = text
            .split(',')
            .map(|n| n.trim().replace('_', "").parse::<u64>())
            .collect::<Result<_, _>>()
            .map_err(|_| {
                format!("{text:?}: three whole yen amounts, PER_TRANSACTION,DAILY,MONTHLY")
            })?;
        let [per_transaction, daily, monthly] = numbers[..] else {
            return Err(format!(
                "{text:?}: three amounts, PER_TRANSACTION,DAILY,MONTHLY"
            ));
        };
        Ok(Self {
            per_transaction,
            daily,
            monthly,
        })
    }
}

/// The limits of each customer tier (`compliance::limits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierLimits {
    /// No identity checked: the default tier.
    pub unverified: Limits,
    /// Identity checked.
    pub verified: Limits,
    /// Business customers.
    pub business: Limits,
}

impl Default for TierLimits {
    fn default() -> Self {
        Self {
            unverified: Limits {
                per_transaction: 50_000,
                daily: 100_000,
                monthly: 300_000,
            },
            // A fund-transfer-type stablecoin's transfer is capped at
            // 1,000,000 yen by law (enforced on chain as well).
            verified: Limits {
                per_transaction: 1_000_000,
                daily: 1_000_000,
                monthly: 3_000_000,
            },
            business: Limits {
                per_transaction: 1_000_000,
                daily: 10_000_000,
                monthly: 100_000_000,
            },
        }
    }
}

/// Screening and customer limits (`compliance`, docs/gateway.md, Compliance).
#[derive(Debug, Clone)]
pub struct CompliancePolicy {
    /// The list provider's file (`compliance::list`); none: no list.
    pub list_file: Option<std::path::PathBuf>,
    /// The HTTP provider's URL (`compliance::http`); none: no HTTP provider.
    pub http_url: Option<String>,
    /// One attempt of the HTTP provider.
    pub http_timeout: Duration,
    /// Attempts after the first.
    pub http_retries: u32,
    /// Merchant category codes whose payments go on when a provider fails
    /// (fail open); every other category is refused (fail closed).
    pub fail_open_mccs: Vec<String>,
    /// How often the worker screens the payments the follower applied.
    pub worker_interval: Duration,
    /// Each tier's limits.
    pub tiers: TierLimits,
    /// Who the operator is in travel-rule records, and when unhosted
    /// wallets must declare who they are.
    pub travel_rule: TravelRulePolicy,
    /// How long the HTTP provider's verdicts are remembered (`compliance::cache`).
    pub verdict_cache: VerdictCachePolicy,
    /// How long an analyst has to release or reject a reviewed payment's
    /// hold (`compliance::review`): its `capture_before`; from then on the
    /// gateway voids it. At most the package's longest hold (31 days).
    pub review_deadline: Duration,
    /// How long travel-rule records, self-declarations, screening verdicts
    /// and limit refusals are kept before `compliance::retention` deletes
    /// them: at least [`MIN_RECORD_RETENTION_DAYS`].
    pub record_retention: Duration,
}

/// Seven years, the shortest retention of transaction records (Japan's Act
/// on Prevention of Transfer of Criminal Proceeds, from the transaction):
/// 7 × 365 days and two leap days.
pub const MIN_RECORD_RETENTION_DAYS: u64 = 2_557;

/// The HTTP provider's verdict cache (`compliance::cache`).
#[derive(Debug, Clone)]
pub struct VerdictCachePolicy {
    /// Entries at most (least recently used out first); 0: no cache.
    pub capacity: usize,
    /// How long an allow is remembered.
    pub allow: Duration,
    /// How long a review is remembered.
    pub review: Duration,
    /// How long a deny is remembered.
    pub deny: Duration,
}

impl Default for VerdictCachePolicy {
    fn default() -> Self {
        Self {
            capacity: 10_000,
            allow: Duration::from_secs(60),
            review: Duration::from_secs(300),
            deny: Duration::from_secs(3600),
        }
    }
}

/// The travel rule's settings (`compliance::travel_rule`).
#[derive(Debug, Clone)]
pub struct TravelRulePolicy {
    /// The operator's legal name: the VASP on the merchant's side of every
    /// record (Latin letters, at most 100).
    pub vasp_name: String,
    /// The operator's LEI, when it has one.
    pub vasp_lei: Option<String>,
    /// The operator's country (ISO 3166-1 alpha-2).
    pub vasp_country: String,
    /// Yen above which a sponsored payment from an unhosted wallet needs
    /// the customer's self-declaration (`None`: never asked).
    pub unhosted_threshold: Option<i64>,
}

impl Default for TravelRulePolicy {
    fn default() -> Self {
        Self {
            vasp_name: "yenpay gateway operator".to_owned(),
            vasp_lei: None,
            vasp_country: "JP".to_owned(),
            unhosted_threshold: None,
        }
    }
}

impl Default for CompliancePolicy {
    fn default() -> Self {
        Self {
            list_file: None,
            http_url: None,
            http_timeout: Duration::from_secs(2),
            http_retries: 2,
            fail_open_mccs: Vec::new(),
            worker_interval: Duration::from_secs(1),
            tiers: TierLimits::default(),
            travel_rule: TravelRulePolicy::default(),
            verdict_cache: VerdictCachePolicy::default(),
            review_deadline: Duration::from_secs(3 * 86_400),
            record_retention: Duration::from_secs(MIN_RECORD_RETENTION_DAYS * 86_400),
        }
    }
}

/// Resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address of the `YenPay` package.
    pub package: AccountAddress,
    /// Chain id the QR codes carry and sponsored transactions must name.
    pub chain_id: u8,
    /// The stablecoin's metadata object (customer-presented codes name it).
    pub metadata: Address,
    /// Version the follower starts from when its cursor is new.
    pub follower_start_version: u64,
    /// Transactions per page the follower asks for.
    pub follower_page_size: u16,
    /// Pages the follower reads at once (concurrently) and applies in one
    /// DB transaction while it is behind: at most this many commits' worth
    /// of pages a second is what it could follow otherwise.
    pub follower_batch_pages: u16,
    /// Pause between follower polls when caught up.
    pub follower_poll_interval: Duration,
    /// Readiness fails when the follower is further behind than this many versions.
    pub ready_max_lag_versions: u64,
    /// Readiness fails when the last applied transaction is older than the
    /// head's by more than this (chain time).
    pub ready_max_lag: Duration,
    /// How often the running follower checks again that the node is on the
    /// chain this database follows (chain id and genesis).
    pub follower_check_interval: Duration,
    /// The signed-request replay window.
    pub replay_window: Duration,
    /// Default lifetime of a dynamic code when the request names none.
    pub default_code_ttl: Duration,
    /// Sponsoring limits.
    pub sponsor: SponsorPolicy,
    /// Webhook retries.
    pub webhooks: WebhookPolicy,
    /// The web pages.
    pub web: WebPolicy,
    /// The HTTP server's limits.
    pub server: ServerPolicy,
    /// Screening and customer limits.
    pub compliance: CompliancePolicy,
    /// How long a replica's lease on the follower or the dispatcher lasts unrenewed (`leadership`).
    pub lease_ttl: Duration,
    /// Codes a merchant may have open at once, and create per minute: each
    /// invoice's storage deposit is the operator's until it is purged.
    pub code_quota: crate::store::payments::CodeQuota,
    /// How often the housekeeping job purges closed invoices (`housekeeping`); zero: never.
    pub purge_interval: Duration,
    /// How often the reconciler looks up transactions whose outcome is
    /// unknown (`reconcile`).
    pub reconcile_interval: Duration,
    /// How long after its submission began a transaction of the gateway's
    /// can still commit: the client's expiration (120 s) and wait margin
    /// (15 s). A payment or refund still `PENDING` (no hash recorded: its
    /// request died) once the follower's chain time is this far past its
    /// start never committed.
    pub submission_lifetime: Duration,
}

impl Config {
    /// Defaults for a package on a chain.
    pub fn new(package: AccountAddress, chain_id: u8, metadata: Address) -> Self {
        Self {
            package,
            chain_id,
            metadata,
            follower_start_version: 0,
            follower_page_size: 100,
            follower_batch_pages: 10,
            follower_poll_interval: Duration::from_millis(500),
            ready_max_lag_versions: 10_000,
            ready_max_lag: Duration::from_secs(300),
            follower_check_interval: Duration::from_secs(60),
            replay_window: Duration::from_secs(120),
            default_code_ttl: Duration::from_secs(300),
            sponsor: SponsorPolicy::default(),
            webhooks: WebhookPolicy::default(),
            web: WebPolicy::default(),
            server: ServerPolicy::default(),
            compliance: CompliancePolicy::default(),
            lease_ttl: Duration::from_secs(15),
            purge_interval: Duration::from_secs(3_600),
            code_quota: crate::store::payments::CodeQuota {
                max_open: 1_000,
                per_minute: 600,
            },
            reconcile_interval: Duration::from_secs(10),
            submission_lifetime: Duration::from_secs(135),
        }
    }
}
