//! `yenpay tax-refund ...`: consumption-tax refunds at departure
//! (`yenpay::tax_refund`, issue 29): the refund agent's role (two steps), its
//! float (funded by a plain yen transfer to the float's address, withdrawn
//! only by the agent), the purge of purchases past their 90-day claim window
//! (operator or housekeeper), and a read of one purchase's refund.
use std::path::PathBuf;

use anyhow::{Context, Result};
use aptos_sdk::types::AccountAddress;
use clap::{ArgGroup, Args, Subcommand};
use serde_json::{Value as Json, json};
use yenpay_client::client::{Error as ClientError, YenPay};
use yenpay_client::tax_refund::{Purchase, RefundStatus, derive_float_address};
use yenpay_client::types::limits::OrderRef;

use super::plan::{
    Calls, Plan, Read, Records, Role, address, amount, invoice_ref, parse_invoice_file, write,
};

/// `yenpay tax-refund ...`.
#[derive(Debug, Subcommand)]
pub enum TaxRefundCommand {
    /// The refund agent (and the account proposed to succeed it), the
    /// float's address and balance.
    Show {
        /// Exit 1 when the float holds less than --min-float.
        #[arg(long, requires = "min_float")]
        check: bool,
        /// The float below which it is low (claims fail with EINSUFFICIENT_FLOAT once it is empty).
        #[arg(long, value_parser = amount)]
        min_float: Option<u64>,
    },
    /// The refund agent role, whose key signs export attestations.
    #[command(subcommand)]
    Agent(AgentCommand),
    /// The float that pays the refunds.
    #[command(subcommand)]
    Float(FloatCommand),
    /// Delete the records of purchases whose 90-day claim window has passed,
    /// refunded or not (operator or housekeeper); the storage deposits go to
    /// the signer.
    Purge(PurchasePurgeArgs),
    /// One tax-free purchase: who paid, the tax, and where its refund stands.
    Purchase {
        /// The purchase as MERCHANT/ORDER_REF.
        #[arg(value_parser = invoice_ref)]
        purchase: (AccountAddress, OrderRef),
    },
}

/// `yenpay tax-refund agent ...`.
#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Propose a new refund agent; it takes over when it accepts (the agent
    /// or the operator). The chain has no cancel: propose the agent itself
    /// to withdraw a proposal.
    #[command(visible_alias = "propose")]
    Transfer {
        /// The proposed agent.
        #[arg(value_parser = address)]
        successor: AccountAddress,
    },
    /// Take the role (the proposed agent); attestations signed with the
    /// previous agent's key are refused from then on.
    Accept,
}

/// `yenpay tax-refund float ...`.
#[derive(Debug, Subcommand)]
pub enum FloatCommand {
    /// The float's address and balance.
    Show,
    /// Put yen into the float: a plain transfer to its address (any holder:
    /// the agent's funding account).
    Fund {
        /// How many yen.
        #[arg(long, value_parser = amount)]
        amount: u64,
    },
    /// Take yen out of the float (the refund agent).
    Withdraw {
        /// Who receives them.
        #[arg(long, value_parser = address)]
        to: AccountAddress,
        /// How many yen.
        #[arg(long, value_parser = amount)]
        amount: u64,
    },
}

/// `yenpay tax-refund purge`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("input").required(true).multiple(true).args(["purchase", "file"])))]
pub struct PurchasePurgeArgs {
    /// A purchase as MERCHANT/ORDER_REF (repeatable).
    #[arg(long, value_parser = invoice_ref)]
    purchase: Vec<(AccountAddress, OrderRef)>,
    /// A file of purchases, one `MERCHANT ORDER_REF` per line (`#` comments).
    #[arg(long)]
    file: Option<PathBuf>,
    /// Records per transaction.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=500))]
    batch: u64,
    /// Ask the chain which are past their claim window now and purge only
    /// those (one still open, or already purged, would abort its whole batch).
    #[arg(long)]
    only_due: bool,
}

impl TaxRefundCommand {
    /// What the command does.
    pub fn plan(&self, calls: &Calls) -> Result<Plan> {
        let t = calls.tax_refunds();
        Ok(match self {
            TaxRefundCommand::Show { check, min_float } => Plan::Read(Read::TaxRefund {
                check: *check,
                min_float: *min_float,
            }),
            TaxRefundCommand::Agent(AgentCommand::Transfer { successor }) => write(
                Role::RefundAgentOrOperator,
                format!("propose {successor} as refund agent"),
                t.propose_refund_agent(*successor)?,
            ),
            TaxRefundCommand::Agent(AgentCommand::Accept) => write(
                Role::ProposedRefundAgent,
                "accept the refund agent role",
                t.accept_refund_agent()?,
            ),
            TaxRefundCommand::Float(FloatCommand::Show) => Plan::Read(Read::TaxRefund {
                check: false,
                min_float: None,
            }),
            TaxRefundCommand::Float(FloatCommand::Fund { amount }) => {
                let float = derive_float_address(calls.package());
                write(
                    Role::YenHolder,
                    format!(
                        "fund the tax-refund float {} with ¥{amount}",
                        float.to_hex()
                    ),
                    calls.coin().transfer(float, *amount)?,
                )
            }
            TaxRefundCommand::Float(FloatCommand::Withdraw { to, amount }) => write(
                Role::RefundAgent,
                format!("withdraw ¥{amount} from the tax-refund float to {to}"),
                t.withdraw_float(*to, *amount)?,
            ),
            TaxRefundCommand::Purge(args) => {
                let mut keys = args.purchase.clone();
                if let Some(path) = &args.file {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    keys.extend(
                        parse_invoice_file(&text)
                            .with_context(|| format!("reading {}", path.display()))?,
                    );
                }
                Plan::Purge {
                    records: Records::Purchases,
                    keys,
                    batch: usize::try_from(args.batch).unwrap_or(50),
                    only_due: args.only_due,
                }
            }
            TaxRefundCommand::Purchase {
                purchase: (merchant, order),
            } => Plan::Read(Read::Purchase(*merchant, order.clone())),
        })
    }
}

/// Whether `error` is the `purchase` view's `EPURCHASE_NOT_FOUND` (a view's
/// abort comes back as the node's 400 with the constant in its message).
pub fn is_purchase_not_found(error: &ClientError) -> bool {
    matches!(error, ClientError::Aptos(aptos_sdk::AptosError::Api { status_code: 400, message, .. })
        if message.contains("::tax_refund: EPURCHASE_NOT_FOUND("))
}

/// The purchase, or `None` when there is no record of it (never paid
/// tax-free, or purged).
pub async fn purchase(
    client: &YenPay,
    merchant: AccountAddress,
    order: &OrderRef,
) -> Result<Option<Purchase>> {
    match client.tax_refunds().purchase(merchant, order).await {
        Ok(purchase) => Ok(Some(purchase)),
        Err(error) if is_purchase_not_found(&error) => Ok(None),
        Err(error) => Err(error)
            .with_context(|| format!("reading the purchase {merchant}/{}", order.as_str())),
    }
}

/// The agent proposed to succeed the refund agent. The module has no view
/// of it (only `refund_agent`), so it is read from the `TaxRefundConfig`
/// resource's two-step role (`holder`, `pending`); `None` when none is
/// proposed.
pub async fn pending_agent(client: &YenPay) -> Result<Option<AccountAddress>> {
    let package = client.package();
    let resource = client
        .aptos()
        .fullnode()
        .get_account_resource(
            package,
            &format!("{}::tax_refund::TaxRefundConfig", package.to_hex()),
        )
        .await
        .context("reading tax_refund::TaxRefundConfig (no view names the proposed agent)")?
        .into_inner();
    pending_of(&resource.data)
}

/// The `pending` of the resource's `refund_agent` (a Move `Option<address>`,
/// `{"vec": []}` or `{"vec": ["0x…"]}` in the REST API's JSON).
fn pending_of(config: &Json) -> Result<Option<AccountAddress>> {
    let vec = config["refund_agent"]["pending"]["vec"]
        .as_array()
        .with_context(|| format!("TaxRefundConfig has no refund_agent.pending: {config}"))?;
    vec.first()
        .map(|value| {
            value
                .as_str()
                .and_then(|text| AccountAddress::from_hex(text).ok())
                .with_context(|| format!("refund_agent.pending is not an address: {value}"))
        })
        .transpose()
}

/// What `tax-refund show` reads without a view of the module, as it says.
const NO_VIEWS: [&str; 1] =
    ["the proposed agent is read from the TaxRefundConfig resource: tax_refund has no view of it"];

/// `tax-refund show`: the agent, the proposed one, the float; and the alarm.
pub async fn show(client: &YenPay, min_float: Option<u64>) -> Result<(Json, String, Vec<String>)> {
    let refunds = client.tax_refunds();
    let agent = refunds
        .refund_agent()
        .await
        .context("reading the refund agent")?;
    let pending = pending_agent(client).await?;
    let float = refunds
        .float_address()
        .await
        .context("reading the float's address")?;
    let balance = refunds
        .float_balance()
        .await
        .context("reading the float's balance")?;
    let alarms: Vec<String> = min_float
        .filter(|min| balance < *min)
        .map(|min| {
            format!(
                "the float holds ¥{balance}, below ¥{min}: fund it (`yenpay tax-refund float fund`)"
            )
        })
        .into_iter()
        .collect();
    let json = json!({
        "refund_agent": agent.to_hex(),
        "pending_refund_agent": pending.map(|a| a.to_hex()),
        "float": float.to_hex(),
        "float_balance": balance,
        "alarms": alarms,
        "notes": NO_VIEWS,
    });
    let mut text = format!(
        "refund agent       {}\nproposed           {}\nfloat {}: ¥{balance}\n({})",
        agent.to_hex(),
        pending.map_or_else(|| "none".to_owned(), |a| a.to_hex()),
        float.to_hex(),
        NO_VIEWS.join("; "),
    );
    for alarm in &alarms {
        text.push_str(&format!("\nALARM: {alarm}"));
    }
    Ok((json, text, alarms))
}

/// A refund status as the gateway names it.
pub fn status_name(status: &RefundStatus) -> &'static str {
    match status {
        RefundStatus::NotEligible => "NOT_ELIGIBLE",
        RefundStatus::Claimable { .. } => "CLAIMABLE",
        RefundStatus::Refunded { .. } => "REFUNDED",
        RefundStatus::RefundedByMerchant => "REFUNDED_BY_MERCHANT",
        RefundStatus::Expired => "EXPIRED",
    }
}

/// `tax-refund purchase`: the record and its refund status.
pub async fn show_purchase(
    client: &YenPay,
    merchant: AccountAddress,
    order: &OrderRef,
) -> Result<(Json, String)> {
    let refunds = client.tax_refunds();
    // Not found keeps the node's answer (the abort's name, exit 3 as for a missing merchant).
    let record = refunds.purchase(merchant, order).await.map_err(|error| {
        let what = if is_purchase_not_found(&error) {
            format!(
                "no tax-free purchase {merchant}/{} on chain (never paid tax-free, or purged after its claim window)",
                order.as_str()
            )
        } else {
            format!("reading the purchase {merchant}/{}", order.as_str())
        };
        anyhow::Error::from(error).context(what)
    })?;
    let status = refunds
        .refund_status(merchant, order)
        .await
        .with_context(|| format!("reading the refund of {merchant}/{}", order.as_str()))?;
    let refundable = match status {
        RefundStatus::Claimable { amount, .. } | RefundStatus::Refunded { amount, .. } => amount,
        _ => 0,
    };
    let json = json!({
        "merchant": merchant.to_hex(),
        "order_ref": order.as_str(),
        "payer": record.payer.to_hex(),
        "paid_at": record.paid_at,
        "amount": record.amount,
        "standard_tax": record.standard_tax,
        "reduced_tax": record.reduced_tax,
        "tax_free": record.tax_free,
        "tax_refunded": record.tax_refunded,
        "refunded_at": record.refunded_at,
        "claim_before": record.claim_deadline(),
        "status": status_name(&status),
        "refundable": refundable,
    });
    let text = format!(
        "{merchant}/{}: ¥{} paid by {} at {}, tax ¥{} (10%) + ¥{} (8%), {}\n  {}: ¥{refundable}; claim before {}",
        order.as_str(),
        record.amount,
        record.payer.to_hex(),
        record.paid_at,
        record.standard_tax,
        record.reduced_tax,
        if record.tax_free {
            "tax-free"
        } else {
            "not eligible"
        },
        status_name(&status),
        record.claim_deadline(),
    );
    Ok((json, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proposed_agent_reads_from_the_role() {
        let none = json!({"refund_agent": {"holder": "0x1", "pending": {"vec": []}}});
        assert_eq!(pending_of(&none).unwrap(), None);
        let some = json!({"refund_agent": {"holder": "0x1", "pending": {"vec": ["0xa9"]}}});
        assert_eq!(
            pending_of(&some).unwrap(),
            Some(AccountAddress::from_hex("0xa9").unwrap())
        );
        assert!(pending_of(&json!({"refund_agent": {}})).is_err());
        assert!(pending_of(&json!({"refund_agent": {"pending": {"vec": [7]}}})).is_err());
    }

    #[test]
    fn a_missing_purchase_is_told_from_other_failures() {
        let missing = ClientError::Aptos(aptos_sdk::AptosError::api(
            400,
            "Move abort in 0xcafe::tax_refund: EPURCHASE_NOT_FOUND(0x60004): No such tax-free purchase.",
        ));
        assert!(is_purchase_not_found(&missing));
        let other = ClientError::Aptos(aptos_sdk::AptosError::api(
            400,
            "Move abort in 0xcafe::invoice: EINVOICE_NOT_FOUND(0x60004)",
        ));
        assert!(!is_purchase_not_found(&other));
        let down = ClientError::Aptos(aptos_sdk::AptosError::api(503, "EPURCHASE_NOT_FOUND("));
        assert!(!is_purchase_not_found(&down));
    }

    #[test]
    fn statuses_are_the_gateway_s_names() {
        assert_eq!(
            status_name(&RefundStatus::Claimable {
                amount: 1,
                claim_before: 2
            }),
            "CLAIMABLE"
        );
        assert_eq!(status_name(&RefundStatus::Expired), "EXPIRED");
        assert_eq!(
            status_name(&RefundStatus::RefundedByMerchant),
            "REFUNDED_BY_MERCHANT"
        );
    }
}
