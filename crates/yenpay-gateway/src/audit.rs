//! The chain audit (`yenpay-gateway --audit-chain`): reads the package's
//! payment and refund events straight from the node, independently of the
//! follower's database writes, and compares them with what the database
//! holds. Zero differences means every payment and refund on chain is in
//! the database with the right amounts, and nothing in the database is paid
//! or refunded that the chain does not show.
//!
//! Only what the follower has had a chance to see counts as missing: chain
//! events at or past its cursor are read (to check rows the gateway wrote
//! from its own submissions) but a payment there that the database lacks is
//! not a difference yet. Run it once the follower has caught up.
use crate::chain::{ChainError, Ledger};
use crate::outbox;
use crate::store::Db;
use crate::store::payments::{self, Payment, Refund};
use aptos_sdk::types::AccountAddress;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use yenpay_client::events::{TxEvent, YenpayEvent, decode_event};
use yenpay_client::invoice::InvoiceEvent;

/// Transactions asked of the node per request.
const PAGE: u16 = 100;

/// What went wrong reading either side.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The node.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The database.
    #[error("the database: {0}")]
    Database(#[from] sqlx::Error),
    /// The node answered a page that does not continue where asked.
    #[error("the node answered a page starting at version {found} when asked for {expected}")]
    Page {
        /// Asked for.
        expected: u64,
        /// Got.
        found: u64,
    },
    /// The node answered no transactions where its head says there are some.
    #[error("the node answered no transactions from version {version} though its head is {head}")]
    Empty {
        /// Asked for.
        version: u64,
        /// The head read at the start.
        head: u64,
    },
    /// An event of the package that does not decode: the audit cannot vouch
    /// for what it does not read.
    #[error("event {index} of version {version} is the package's but does not decode: {error}")]
    Undecodable {
        /// Its transaction.
        version: u64,
        /// Its index.
        index: u64,
        /// Why.
        error: String,
    },
}

/// A payment as the chain shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainPayment {
    /// The merchant (`0x`-hex).
    pub merchant: String,
    /// The invoice's order reference, or a static payment's reference.
    pub reference: String,
    /// Whether it paid an invoice (dynamic or customer-presented) or the
    /// shop's static code.
    pub invoice: bool,
    /// Who paid.
    pub payer: String,
    /// Yen.
    pub amount: u64,
    /// The operator's fee.
    pub fee: u64,
    /// To the merchant.
    pub net: u64,
    /// Its transaction.
    pub version: u64,
}

/// A refund as the chain shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainRefund {
    /// The merchant.
    pub merchant: String,
    /// The refunded invoice's order reference.
    pub order_ref: String,
    /// Yen.
    pub amount: u64,
    /// Fee returned from the treasury.
    pub fee_returned: u64,
    /// Its transaction.
    pub version: u64,
}

/// The chain's payments and refunds in a range of versions.
#[derive(Debug, Default, Clone)]
pub struct ChainRecord {
    /// Payments, in version order.
    pub payments: Vec<ChainPayment>,
    /// Refunds, in version order.
    pub refunds: Vec<ChainRefund>,
    /// Transactions read.
    pub transactions: u64,
}

/// One way the database and the chain disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Difference {
    /// Paid on chain, not in the database.
    PaymentMissing {
        /// The chain's payment.
        chain: ChainPayment,
    },
    /// Paid in the database, and the chain shows no such payment.
    PaymentNotOnChain {
        /// The merchant.
        merchant: String,
        /// The row's merchant payment id.
        merchant_payment_id: String,
        /// The version the row names.
        version: i64,
    },
    /// Both have it, a field differs.
    PaymentField {
        /// The merchant.
        merchant: String,
        /// The payment transaction.
        version: u64,
        /// Which field.
        field: &'static str,
        /// The chain's value.
        chain: String,
        /// The database's.
        database: String,
    },
    /// Refunded on chain, not in the database.
    RefundMissing {
        /// The chain's refund.
        chain: ChainRefund,
    },
    /// Completed in the database, and the chain shows no such refund.
    RefundNotOnChain {
        /// The merchant.
        merchant: String,
        /// The row's merchant refund id.
        merchant_refund_id: String,
        /// The version the row names, if any.
        version: Option<i64>,
    },
    /// Several refund rows of the database name one refund transaction.
    RefundDuplicated {
        /// The transaction.
        version: i64,
        /// The rows (`refund_id` and status).
        refunds: Vec<String>,
    },
    /// Both have it, a field differs.
    RefundField {
        /// The merchant.
        merchant: String,
        /// The refund transaction.
        version: u64,
        /// Which field.
        field: &'static str,
        /// The chain's value.
        chain: String,
        /// The database's.
        database: String,
    },
}

/// The audit's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// First version read.
    pub from_version: u64,
    /// The follower's cursor: chain payments before it must be in the database.
    pub cursor: u64,
    /// Last version read (the node's head).
    pub to_version: u64,
    /// Transactions read.
    pub transactions: u64,
    /// Payments on chain in the range.
    pub chain_payments: usize,
    /// Refunds on chain in the range.
    pub chain_refunds: usize,
    /// Payments the database holds as paid.
    pub database_payments: usize,
    /// Refunds the database holds as completed.
    pub database_refunds: usize,
    /// Chain payments and refunds at or past the cursor that the database
    /// does not have yet (not differences: the follower has not read them).
    pub not_yet_followed: usize,
    /// Webhook deliveries by status (`PENDING`, `DELIVERED`, `DEAD`, `CANCELED`).
    pub webhooks: BTreeMap<String, i64>,
    /// Every disagreement.
    pub differences: Vec<Difference>,
}

impl Report {
    /// Whether database and chain agree.
    pub fn is_clean(&self) -> bool {
        self.differences.is_empty()
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "versions {}..={} read ({} transactions; the follower's cursor is at {})",
            self.from_version, self.to_version, self.transactions, self.cursor
        )?;
        writeln!(
            f,
            "payments: {} on chain, {} paid in the database; refunds: {} on chain, {} completed in the database",
            self.chain_payments, self.database_payments, self.chain_refunds, self.database_refunds
        )?;
        if self.not_yet_followed > 0 {
            writeln!(
                f,
                "{} chain payments or refunds past the cursor are not in the database yet",
                self.not_yet_followed
            )?;
        }
        let webhooks: Vec<String> = self
            .webhooks
            .iter()
            .map(|(status, n)| format!("{n} {status}"))
            .collect();
        writeln!(f, "webhook deliveries: {}", webhooks.join(", "))?;
        writeln!(f, "differences: {}", self.differences.len())?;
        for difference in &self.differences {
            writeln!(
                f,
                "  {}",
                serde_json::to_string(difference).unwrap_or_default()
            )?;
        }
        Ok(())
    }
}

fn number(transaction: &Value, field: &str) -> Option<u64> {
    transaction.get(field)?.as_str()?.parse().ok()
}

fn of_package(package: AccountAddress, event: &Value) -> bool {
    event
        .get("type")
        .and_then(Value::as_str)
        .and_then(|t| t.split("::").next())
        .and_then(|a| AccountAddress::from_hex(a).ok())
        .is_none_or(|a| a == package)
}

/// Adds the package's payment and refund events of one page to `record`.
///
/// # Errors
/// [`AuditError::Undecodable`] for an event of the package that does not decode.
pub fn read_page(
    package: AccountAddress,
    page: &[Value],
    record: &mut ChainRecord,
) -> Result<(), AuditError> {
    for transaction in page {
        record.transactions += 1;
        if transaction.get("success").and_then(Value::as_bool) != Some(true) {
            continue;
        }
        let version = number(transaction, "version").unwrap_or_default();
        let events = transaction
            .get("events")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for (index, event) in events.iter().enumerate() {
            let decoded = match decode_event(package, event) {
                Ok(TxEvent::Yenpay(YenpayEvent::Invoice(e))) => e,
                Ok(TxEvent::Yenpay(_) | TxEvent::Other { .. }) => continue,
                Ok(_) | Err(_) if !of_package(package, event) => continue,
                Ok(_) => {
                    return Err(AuditError::Undecodable {
                        version,
                        index: index as u64,
                        error: "not an event this gateway knows".into(),
                    });
                }
                Err(error) => {
                    return Err(AuditError::Undecodable {
                        version,
                        index: index as u64,
                        error: error.to_string(),
                    });
                }
            };
            match decoded {
                InvoiceEvent::InvoicePaid(e) => record.payments.push(ChainPayment {
                    merchant: e.merchant.to_hex(),
                    reference: e.order_ref,
                    invoice: true,
                    payer: e.payer.to_hex(),
                    amount: e.amount,
                    fee: e.fee,
                    net: e.net,
                    version,
                }),
                InvoiceEvent::MerchantPaid(e) => record.payments.push(ChainPayment {
                    merchant: e.merchant.to_hex(),
                    reference: e.reference,
                    invoice: false,
                    payer: e.payer.to_hex(),
                    amount: e.amount,
                    fee: e.fee,
                    net: e.net,
                    version,
                }),
                InvoiceEvent::InvoiceRefunded(e) => record.refunds.push(ChainRefund {
                    merchant: e.merchant.to_hex(),
                    order_ref: e.order_ref,
                    amount: e.amount,
                    fee_returned: e.fee_returned,
                    version,
                }),
                _ => {}
            }
        }
    }
    Ok(())
}

/// Reads versions `from..=to` from the node, page by page, each page
/// checked to start where asked. `progress` hears the versions read so far.
///
/// # Errors
/// [`AuditError`].
pub async fn read_chain(
    ledger: &dyn Ledger,
    package: AccountAddress,
    from: u64,
    to: u64,
    mut progress: impl FnMut(u64),
) -> Result<ChainRecord, AuditError> {
    let mut record = ChainRecord::default();
    let mut next = from;
    while next <= to {
        let page = ledger.transactions(next, PAGE).await?;
        let first = page.first().and_then(|t| number(t, "version"));
        if first.is_none() {
            return Err(AuditError::Empty {
                version: next,
                head: to,
            });
        }
        if first != Some(next) {
            return Err(AuditError::Page {
                expected: next,
                found: first.unwrap_or_default(),
            });
        }
        let page: Vec<Value> = page
            .into_iter()
            .take_while(|t| number(t, "version").is_some_and(|v| v <= to))
            .collect();
        read_page(package, &page, &mut record)?;
        next += page.len() as u64;
        progress(next - from);
    }
    Ok(record)
}

/// Compares `chain` (read up to `to`) with the database's paid payments and
/// completed refunds; chain entries at or past `cursor` that the database
/// lacks are counted as not yet followed.
pub fn compare(
    chain: &ChainRecord,
    paid: &[Payment],
    refunds: &[Refund],
    cursor: u64,
    to: u64,
) -> (Vec<Difference>, usize) {
    let mut differences = Vec::new();
    let mut not_yet = 0;

    let by_version: HashMap<u64, &Payment> = paid
        .iter()
        .filter_map(|p| Some((u64::try_from(p.pay_version?).ok()?, p)))
        .collect();
    for payment in &chain.payments {
        let Some(row) = by_version.get(&payment.version) else {
            if payment.version >= cursor {
                not_yet += 1;
            } else {
                differences.push(Difference::PaymentMissing {
                    chain: payment.clone(),
                });
            }
            continue;
        };
        let reference = if payment.invoice {
            row.merchant_payment_id.clone()
        } else {
            row.reference.clone().unwrap_or_default()
        };
        let fields: [(&'static str, String, String); 6] = [
            (
                "merchant",
                payment.merchant.clone(),
                row.merchant_address.clone(),
            ),
            ("reference", payment.reference.clone(), reference),
            (
                "payer",
                payment.payer.clone(),
                row.payer.clone().unwrap_or_default(),
            ),
            ("amount", payment.amount.to_string(), row.amount.to_string()),
            (
                "fee",
                payment.fee.to_string(),
                row.fee.map(|v| v.to_string()).unwrap_or_default(),
            ),
            (
                "net",
                payment.net.to_string(),
                row.net.map(|v| v.to_string()).unwrap_or_default(),
            ),
        ];
        for (field, on_chain, in_db) in fields {
            if on_chain != in_db {
                differences.push(Difference::PaymentField {
                    merchant: payment.merchant.clone(),
                    version: payment.version,
                    field,
                    chain: on_chain,
                    database: in_db,
                });
            }
        }
    }
    let on_chain: HashMap<u64, &ChainPayment> =
        chain.payments.iter().map(|p| (p.version, p)).collect();
    for row in paid {
        let version = row.pay_version.unwrap_or(-1);
        let known = u64::try_from(version)
            .ok()
            .is_some_and(|v| v <= to && on_chain.contains_key(&v));
        if !known {
            differences.push(Difference::PaymentNotOnChain {
                merchant: row.merchant_address.clone(),
                merchant_payment_id: row.merchant_payment_id.clone(),
                version,
            });
        }
    }

    // One row per refund transaction: two would count a refund twice.
    let mut rows_of_version: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for row in refunds {
        if let Some(version) = row.tx_version {
            rows_of_version
                .entry(version)
                .or_default()
                .push(format!("{} {}", row.refund_id, row.status));
        }
    }
    for (version, rows) in rows_of_version {
        if rows.len() > 1 {
            differences.push(Difference::RefundDuplicated {
                version,
                refunds: rows,
            });
        }
    }

    // Refunds: each by its transaction, and each payment's refunded totals.
    let by_code: HashMap<&str, &Payment> = paid.iter().map(|p| (p.code_id.as_str(), p)).collect();
    let refund_rows: HashMap<u64, &Refund> = refunds
        .iter()
        .filter_map(|r| Some((u64::try_from(r.tx_version?).ok()?, r)))
        .collect();
    // A refund belongs to the newest payment of its reference before it.
    let mut totals: HashMap<u64, (u64, u64)> = HashMap::new();
    for refund in &chain.refunds {
        let payment = chain
            .payments
            .iter()
            .filter(|p| {
                p.invoice
                    && p.merchant == refund.merchant
                    && p.reference == refund.order_ref
                    && p.version < refund.version
            })
            .map(|p| p.version)
            .max();
        if let Some(version) = payment {
            let total = totals.entry(version).or_default();
            total.0 += refund.amount;
            total.1 += refund.fee_returned;
        }
        let Some(row) = refund_rows.get(&refund.version) else {
            if refund.version >= cursor {
                not_yet += 1;
            } else {
                differences.push(Difference::RefundMissing {
                    chain: refund.clone(),
                });
            }
            continue;
        };
        let order_ref = by_code
            .get(row.code_id.as_str())
            .map(|p| p.merchant_payment_id.clone())
            .unwrap_or_default();
        let fields: [(&'static str, String, String); 4] = [
            (
                "merchant",
                refund.merchant.clone(),
                row.merchant_address.clone(),
            ),
            ("order_ref", refund.order_ref.clone(), order_ref),
            ("amount", refund.amount.to_string(), row.amount.to_string()),
            (
                "fee_returned",
                refund.fee_returned.to_string(),
                row.fee_returned.map(|v| v.to_string()).unwrap_or_default(),
            ),
        ];
        for (field, on_chain, in_db) in fields {
            if on_chain != in_db {
                differences.push(Difference::RefundField {
                    merchant: refund.merchant.clone(),
                    version: refund.version,
                    field,
                    chain: on_chain,
                    database: in_db,
                });
            }
        }
    }
    let refunded_on_chain: HashMap<u64, &ChainRefund> =
        chain.refunds.iter().map(|r| (r.version, r)).collect();
    for row in refunds {
        let known = row
            .tx_version
            .and_then(|v| u64::try_from(v).ok())
            .is_some_and(|v| v <= to && refunded_on_chain.contains_key(&v));
        if !known {
            differences.push(Difference::RefundNotOnChain {
                merchant: row.merchant_address.clone(),
                merchant_refund_id: row.merchant_refund_id.clone(),
                version: row.tx_version,
            });
        }
    }
    // What each payment row says was refunded, against the chain's refunds
    // the follower has had the chance to read.
    for row in paid {
        let Some(version) = row.pay_version.and_then(|v| u64::try_from(v).ok()) else {
            continue;
        };
        if !on_chain.contains_key(&version) {
            continue;
        }
        let (amount, fee) = totals.get(&version).copied().unwrap_or_default();
        let pending_refund = chain.refunds.iter().any(|r| {
            r.version >= cursor
                && r.merchant == row.merchant_address
                && r.order_ref == row.merchant_payment_id
        });
        if pending_refund {
            continue;
        }
        for (field, on_chain, in_db) in [
            ("refunded", amount, row.refunded),
            ("fee_refunded", fee, row.fee_refunded),
        ] {
            if i64::try_from(on_chain).ok() != Some(in_db) {
                differences.push(Difference::PaymentField {
                    merchant: row.merchant_address.clone(),
                    version,
                    field,
                    chain: on_chain.to_string(),
                    database: in_db.to_string(),
                });
            }
        }
    }
    (differences, not_yet)
}

/// The whole audit: the node's head and the follower's cursor, the chain
/// from `from` to the head, the database's side, the comparison.
///
/// # Errors
/// [`AuditError`].
pub async fn run(
    db: &Db,
    ledger: &dyn Ledger,
    package: AccountAddress,
    from: u64,
    progress: impl FnMut(u64),
) -> Result<Report, AuditError> {
    let head = ledger.head().await?;
    let cursor = crate::follower::cursor(&db.pool)
        .await?
        .map_or(from, |c| c.next_version);
    let chain = read_chain(ledger, package, from, head.version, progress).await?;
    let paid = payments::all_paid(&db.pool).await?;
    let refunds = payments::all_completed_refunds(&db.pool).await?;
    let (differences, not_yet_followed) = compare(&chain, &paid, &refunds, cursor, head.version);
    Ok(Report {
        from_version: from,
        cursor,
        to_version: head.version,
        transactions: chain.transactions,
        chain_payments: chain.payments.len(),
        chain_refunds: chain.refunds.len(),
        database_payments: paid.len(),
        database_refunds: refunds.len(),
        not_yet_followed,
        webhooks: outbox::counts_by_status(&db.pool).await?,
        differences,
    })
}
