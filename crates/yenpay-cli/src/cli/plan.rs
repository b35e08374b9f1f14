//! The console's commands, grouped by the role that signs them, and what
//! each one plans: a transaction (its payload built by `yenpay-client`'s
//! typed calls, never by hand) or a read. Planning needs no node and no
//! key, so every command's parsing and payload is tested here.
use std::path::PathBuf;

use anyhow::{Context, Result};
use aptos_sdk::transaction::{EntryFunction, TransactionPayload};
use aptos_sdk::types::AccountAddress;
use clap::{ArgGroup, Args, Subcommand};
use yenpay_client::types::limits::{FeeBps, LegalOrder, Mcc, MerchantName, OrderRef, RefundWindow};

use super::exit::bad_input;

/// Who must sign a transaction (or, with `--multisig`, whose multisig account).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The stablecoin's admin.
    Admin,
    /// The account proposed as admin.
    ProposedAdmin,
    /// The master minter.
    MasterMinter,
    /// A minter.
    Minter,
    /// The pauser.
    Pauser,
    /// The denylister.
    Denylister,
    /// The registry's operator.
    Operator,
    /// The account proposed as operator.
    ProposedOperator,
    /// The operator or the housekeeper it named.
    Keeper,
    /// A merchant's owner account.
    MerchantOwner,
    /// The account publishing the package.
    Deployer,
    /// An owner of the multisig account.
    MultisigOwner,
    /// Any account holding the yen it sends (funding the FX desk or the refund float).
    YenHolder,
    /// The FX desk's quote signer.
    QuoteSigner,
    /// The FX desk's quote signer, or the operator (to propose or cancel a successor).
    QuoteSignerOrOperator,
    /// The account proposed as quote signer.
    ProposedQuoteSigner,
    /// The FX desk's rate keeper.
    RateKeeper,
    /// The rate keeper, or the operator (to propose or cancel a successor).
    RateKeeperOrOperator,
    /// The account proposed as rate keeper.
    ProposedRateKeeper,
    /// The tax-refund agent.
    RefundAgent,
    /// The refund agent, or the operator (to propose a successor).
    RefundAgentOrOperator,
    /// The account proposed as refund agent.
    ProposedRefundAgent,
}

impl Role {
    /// As printed.
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::ProposedAdmin => "proposed admin",
            Role::MasterMinter => "master minter",
            Role::Minter => "minter",
            Role::Pauser => "pauser",
            Role::Denylister => "denylister",
            Role::Operator => "operator",
            Role::ProposedOperator => "proposed operator",
            Role::Keeper => "operator or housekeeper",
            Role::MerchantOwner => "merchant owner",
            Role::Deployer => "deployer",
            Role::MultisigOwner => "multisig owner",
            Role::YenHolder => "yen holder",
            Role::QuoteSigner => "quote signer",
            Role::QuoteSignerOrOperator => "quote signer or operator",
            Role::ProposedQuoteSigner => "proposed quote signer",
            Role::RateKeeper => "rate keeper",
            Role::RateKeeperOrOperator => "rate keeper or operator",
            Role::ProposedRateKeeper => "proposed rate keeper",
            Role::RefundAgent => "refund agent",
            Role::RefundAgentOrOperator => "refund agent or operator",
            Role::ProposedRefundAgent => "proposed refund agent",
        }
    }
}

/// One transaction to sign.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// Who signs it.
    pub role: Role,
    /// What it does, in a few words.
    pub what: String,
    /// The payload.
    pub payload: TransactionPayload,
    /// Gas units it may use, when more than a plain call needs (publishing).
    pub max_gas: Option<u64>,
}

/// What a command reads from the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// Pause, supply, cap, roles.
    CoinStatus(Option<String>),
    /// Total supply.
    Supply,
    /// Who holds each role.
    Roles,
    /// Whether an account is a minter, and its allowance.
    Minter(AccountAddress),
    /// Whether an account is denylisted.
    Denylisted(AccountAddress),
    /// The per-transfer cap.
    Cap,
    /// A merchant's record.
    Merchant(AccountAddress),
    /// The fee treasury.
    Treasury,
    /// The refund window.
    RefundWindow,
    /// The housekeeper.
    Housekeeper,
    /// A multisig account's owners, threshold and open proposals.
    MultisigList(AccountAddress),
    /// One proposal.
    MultisigShow(AccountAddress, u64),
    /// The deployment's checks: modules, roles, code control, the package account's key, the treasury.
    PackageVerify(Option<PathBuf>),
    /// The FX desk's state; with `check`, exit 1 on an alarm (a missing or
    /// stale reference, a yen inventory below `min_yen`).
    FxDesk {
        /// Exit 1 when an alarm is up.
        check: bool,
        /// The yen inventory below which the desk is low.
        min_yen: Option<u64>,
    },
    /// The refund agent, its proposed successor and the float; with `check`,
    /// exit 1 when the float holds less than `min_float`.
    TaxRefund {
        /// Exit 1 when an alarm is up.
        check: bool,
        /// The float below which it is low.
        min_float: Option<u64>,
    },
    /// One tax-free purchase and where its refund stands.
    Purchase(AccountAddress, OrderRef),
}

/// Which records a purge deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Records {
    /// Closed invoices (`invoice::purge_invoices`).
    Invoices,
    /// Tax-free purchases past their claim window (`tax_refund::purge_purchases`).
    Purchases,
}

impl Records {
    /// As printed.
    pub fn name(self) -> &'static str {
        match self {
            Records::Invoices => "closed invoices",
            Records::Purchases => "tax-free purchases past their claim window",
        }
    }
}

/// What a command does.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Sign and submit (or simulate, or print) one transaction.
    Write(Action),
    /// Several, in order, stopping at the first that fails (a package upgrade
    /// staged in chunks); under `--multisig` each is a proposal of its own.
    Writes(Vec<Action>),
    /// Purge records in batches, optionally only those due now.
    Purge {
        /// Invoices or purchases.
        records: Records,
        /// (merchant, order reference) pairs.
        keys: Vec<(AccountAddress, OrderRef)>,
        /// Records per transaction.
        batch: usize,
        /// Ask the chain first and keep only the purgeable ones.
        only_due: bool,
    },
    /// Set the FX desk's reference rate (the rate keeper's manual
    /// override), observed at `observed_at` or, when none is given, at the
    /// chain's time when it is sent; unless `allow_jump`, refused when the
    /// rate is further than [`super::fx::MAX_JUMP_BPS`] from the current
    /// reference.
    SetRate {
        /// Yen per USDC times 10^6.
        rate: u64,
        /// The rate's observation time, Unix seconds.
        observed_at: Option<u64>,
        /// Skip the check against the current reference.
        allow_jump: bool,
    },
    /// Read and print.
    Read(Read),
}

/// A plan of one transaction of `call`, signed by `role`.
pub fn write(role: Role, what: impl Into<String>, call: EntryFunction) -> Plan {
    Plan::Write(Action {
        role,
        what: what.into(),
        payload: TransactionPayload::EntryFunction(call),
        max_gas: None,
    })
}

/// An account address on the command line.
pub fn address(text: &str) -> Result<AccountAddress, String> {
    AccountAddress::from_hex(text.trim())
        .map_err(|_| format!("`{text}` is not an account address (0x and up to 64 hex digits)"))
}

/// A whole number of yen, at least 1.
pub fn amount(text: &str) -> Result<u64, String> {
    match text.replace('_', "").parse::<u64>() {
        Ok(0) => Err("the amount must be at least 1 yen".to_owned()),
        Ok(yen) => Ok(yen),
        Err(_) => Err(format!("`{text}` is not a whole number of yen")),
    }
}

fn merchant_name(text: &str) -> Result<MerchantName, String> {
    MerchantName::new(text).map_err(|e| e.to_string())
}

fn mcc(text: &str) -> Result<Mcc, String> {
    Mcc::new(text).map_err(|e| e.to_string())
}

fn fee_bps(text: &str) -> Result<FeeBps, String> {
    let bps = text
        .parse::<u64>()
        .map_err(|_| format!("`{text}` is not a number of basis points"))?;
    FeeBps::new(bps).map_err(|e| e.to_string())
}

fn legal_order(text: &str) -> Result<LegalOrder, String> {
    LegalOrder::new(text.as_bytes().to_vec()).map_err(|e| e.to_string())
}

fn refund_window(text: &str) -> Result<RefundWindow, String> {
    let secs = text
        .parse::<u64>()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    RefundWindow::from_secs(secs).map_err(|e| e.to_string())
}

/// `MERCHANT/ORDER_REF`.
pub fn invoice_ref(text: &str) -> Result<(AccountAddress, OrderRef), String> {
    let (merchant, order) = text
        .split_once('/')
        .ok_or_else(|| format!("`{text}` is not MERCHANT/ORDER_REF"))?;
    Ok((
        address(merchant)?,
        OrderRef::new(order).map_err(|e| e.to_string())?,
    ))
}

/// `yenpay coin ...`: the stablecoin's controls.
#[derive(Debug, Subcommand)]
pub enum CoinCommand {
    /// The coin's state: paused, supply, per-transfer cap and who holds each role.
    Status {
        /// Also check total supply against the sum of every holder's balance an Aptos indexer reports (its GraphQL URL, e.g. https://api.testnet.aptoslabs.com/v1/graphql); exit status 1 when they differ.
        #[arg(long, value_name = "URL")]
        check_indexer: Option<String>,
    },
    /// Stop every transfer, mint, burn and seizure (pauser).
    Pause,
    /// Let the coin move again (pauser).
    Unpause,
    /// Minters and their allowances (master minter).
    #[command(subcommand)]
    Minter(MinterCommand),
    /// Mint yen to an account (a minter, within its allowance).
    Mint {
        /// Who receives the yen.
        #[arg(long, value_parser = address)]
        to: AccountAddress,
        /// How many yen.
        #[arg(long, value_parser = amount)]
        amount: u64,
    },
    /// Burn yen from the minter's own store (a minter).
    Burn {
        /// How many yen.
        #[arg(long, value_parser = amount)]
        amount: u64,
    },
    /// The denylist (denylister).
    #[command(subcommand)]
    Denylist(DenylistCommand),
    /// Take yen from a denylisted holder under a legal order (admin).
    Seize(SeizeArgs),
    /// Stores other than primary stores that may hold the coin (admin).
    #[command(subcommand)]
    Store(StoreCommand),
    /// The per-transfer cap (admin).
    #[command(subcommand)]
    Cap(CapCommand),
    /// The coin's icon and project URIs (admin).
    Metadata {
        /// Icon URI.
        #[arg(long)]
        icon_uri: String,
        /// Project URI.
        #[arg(long)]
        project_uri: String,
    },
}

/// `yenpay coin minter ...`.
#[derive(Debug, Subcommand)]
pub enum MinterCommand {
    /// Make an account a minter with an allowance (master minter).
    Add {
        /// The minter.
        #[arg(value_parser = address)]
        minter: AccountAddress,
        /// How many yen it may mint.
        #[arg(long)]
        allowance: u64,
    },
    /// Take the minter role away (master minter).
    Remove {
        /// The minter.
        #[arg(value_parser = address)]
        minter: AccountAddress,
    },
    /// Show a minter's allowance, or set it with --set (master minter).
    Allowance {
        /// The minter.
        #[arg(value_parser = address)]
        minter: AccountAddress,
        /// The new allowance in yen.
        #[arg(long)]
        set: Option<u64>,
    },
}

/// `yenpay coin denylist ...`.
#[derive(Debug, Subcommand)]
pub enum DenylistCommand {
    /// Freeze an account: it can neither send nor receive (denylister).
    Add {
        /// The account.
        #[arg(value_parser = address)]
        account: AccountAddress,
    },
    /// Unfreeze an account (denylister).
    Remove {
        /// The account.
        #[arg(value_parser = address)]
        account: AccountAddress,
    },
    /// Whether an account is denylisted.
    Check {
        /// The account.
        #[arg(value_parser = address)]
        account: AccountAddress,
    },
}

/// `yenpay coin seize`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["from", "store"])))]
pub struct SeizeArgs {
    /// The denylisted holder (its primary store).
    #[arg(long, value_parser = address)]
    from: Option<AccountAddress>,
    /// A store (an approved store whose owner is gone, or a denylisted holder's).
    #[arg(long, value_parser = address)]
    store: Option<AccountAddress>,
    /// Who receives the seized yen.
    #[arg(long, value_parser = address)]
    to: AccountAddress,
    /// How many yen.
    #[arg(long, value_parser = amount)]
    amount: u64,
    /// The legal order's reference (1 to 64 bytes), recorded in the event.
    #[arg(long, value_parser = legal_order)]
    legal_order: LegalOrder,
}

/// `yenpay coin store ...`.
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Let a store that is not a primary store hold the coin (admin).
    Approve {
        /// The store's address.
        #[arg(value_parser = address)]
        store: AccountAddress,
    },
    /// Withdraw that approval (admin).
    Revoke {
        /// The store's address.
        #[arg(value_parser = address)]
        store: AccountAddress,
    },
}

/// `yenpay coin cap ...`.
#[derive(Debug, Subcommand)]
pub enum CapCommand {
    /// The current per-transfer cap.
    Show,
    /// Set the per-transfer cap in yen (admin).
    Set {
        /// Most yen one transfer may move.
        yen: u64,
    },
}

/// `yenpay admin ...`: the stablecoin's admin role, handed over in two steps.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Propose a new admin; it takes over when it accepts (admin).
    Transfer {
        /// The proposed admin.
        #[arg(value_parser = address)]
        new_admin: AccountAddress,
    },
    /// Accept the admin role (the proposed admin).
    Accept,
    /// Withdraw the proposal (admin).
    Cancel,
}

/// `yenpay roles ...`: who holds each role, and the admin's appointments
/// (named as the command line spells them).
#[derive(Debug, Subcommand)]
#[allow(clippy::enum_variant_names)]
pub enum RolesCommand {
    /// Appoint the master minter (admin).
    SetMasterMinter {
        /// The new master minter.
        #[arg(value_parser = address)]
        account: AccountAddress,
    },
    /// Appoint the pauser (admin).
    SetPauser {
        /// The new pauser.
        #[arg(value_parser = address)]
        account: AccountAddress,
    },
    /// Appoint the denylister (admin).
    SetDenylister {
        /// The new denylister.
        #[arg(value_parser = address)]
        account: AccountAddress,
    },
}

/// `yenpay merchant ...`: the registry (operator) and a merchant's own settings (owner).
#[derive(Debug, Subcommand)]
pub enum MerchantCommand {
    /// Register a merchant after KYC (operator).
    Onboard {
        /// The merchant's owner account.
        #[arg(value_parser = address)]
        owner: AccountAddress,
        /// Display name.
        #[arg(long, value_parser = merchant_name)]
        name: MerchantName,
        /// ISO 18245 merchant category code (four digits).
        #[arg(long, value_parser = mcc)]
        mcc: Mcc,
        /// Where net takings go (default: the owner).
        #[arg(long, value_parser = address)]
        payout: Option<AccountAddress>,
        /// The operator's fee in basis points (at most 1000).
        #[arg(long, value_parser = fee_bps)]
        fee_bps: FeeBps,
    },
    /// Stop a merchant's payments, with the operator's reason code (operator).
    Suspend {
        /// The merchant's owner account.
        #[arg(value_parser = address)]
        owner: AccountAddress,
        /// The operator's own reason code.
        #[arg(long, default_value_t = 0)]
        reason: u8,
    },
    /// Let a suspended merchant take payments again (operator).
    Reactivate {
        /// The merchant's owner account.
        #[arg(value_parser = address)]
        owner: AccountAddress,
    },
    /// Close a merchant for good (operator).
    Close {
        /// The merchant's owner account.
        #[arg(value_parser = address)]
        owner: AccountAddress,
    },
    /// Set a merchant's fee (operator).
    Fee {
        /// The merchant's owner account.
        #[arg(value_parser = address)]
        owner: AccountAddress,
        /// Basis points (at most 1000).
        #[arg(value_parser = fee_bps)]
        bps: FeeBps,
    },
    /// A merchant's record: name, MCC, payout, fee, status, terminals.
    Show {
        /// The merchant's owner account.
        #[arg(value_parser = address)]
        owner: AccountAddress,
    },
    /// Change where the merchant's takings go (the merchant's owner).
    Payout {
        /// The new payout account.
        #[arg(value_parser = address)]
        payout: AccountAddress,
    },
    /// The merchant's terminals (the merchant's owner).
    #[command(subcommand)]
    Terminal(TerminalCommand),
}

/// `yenpay merchant terminal ...`.
#[derive(Debug, Subcommand)]
pub enum TerminalCommand {
    /// Let a terminal create and collect invoices for the signer's merchant.
    Add {
        /// The terminal's account.
        #[arg(value_parser = address)]
        terminal: AccountAddress,
    },
    /// Remove a terminal.
    Remove {
        /// The terminal's account.
        #[arg(value_parser = address)]
        terminal: AccountAddress,
    },
}

/// `yenpay operator ...`: the registry's operator role.
#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
    /// Propose a new operator; it takes over when it accepts (operator).
    Transfer {
        /// The proposed operator.
        #[arg(value_parser = address)]
        new_operator: AccountAddress,
    },
    /// Accept the operator role (the proposed operator).
    Accept,
    /// Withdraw the proposal (operator).
    Cancel,
    /// Propose a replacement for a lost or compromised operator (admin).
    Replace {
        /// The proposed operator.
        #[arg(value_parser = address)]
        new_operator: AccountAddress,
    },
}

/// `yenpay treasury ...`: the operator's fee treasury.
#[derive(Debug, Subcommand)]
pub enum TreasuryCommand {
    /// The treasury's address and balance.
    Show,
    /// Move fees out of the treasury (operator); keep what refunds may still need.
    Sweep {
        /// Who receives them.
        #[arg(long, value_parser = address)]
        to: AccountAddress,
        /// How many yen.
        #[arg(long, value_parser = amount)]
        amount: u64,
    },
}

/// `yenpay invoices ...`: invoice records and the operator's settings.
#[derive(Debug, Subcommand)]
pub enum InvoicesCommand {
    /// Delete closed invoice records; the storage deposits go to the signer (operator or housekeeper).
    Purge(PurgeArgs),
    /// Show the refund window, or set it in seconds (operator; 10 s to 366 days).
    RefundWindow {
        /// The new window in seconds.
        #[arg(value_parser = refund_window)]
        secs: Option<RefundWindow>,
    },
    /// The account that may purge besides the operator.
    #[command(subcommand)]
    Housekeeper(HousekeeperCommand),
}

/// Holds purged in one transaction at most (a bad line aborts its whole
/// transaction, so a scheduled job keeps batches small; each record is one
/// table item removed).
pub const HOLD_PURGE_MAX: usize = 200;

/// `yenpay hold ...`: the privileged entries of holds (issue 27).
#[derive(Debug, Subcommand)]
pub enum HoldCommand {
    /// Seize all that a hold holds for a denylisted customer, under a legal
    /// order (admin): the hold closes, the order is recorded in `HoldSeized`.
    Seize {
        /// The hold as MERCHANT/HOLD_REF.
        #[arg(value_parser = invoice_ref)]
        hold: (AccountAddress, OrderRef),
        /// Who receives the seized yen.
        #[arg(long, value_parser = address)]
        to: AccountAddress,
        /// The legal order's reference (1 to 64 bytes), recorded in the event.
        #[arg(long, value_parser = legal_order)]
        legal_order: LegalOrder,
    },
    /// Delete closed holds' records in one transaction (operator or
    /// housekeeper); their storage deposits go to the signer.
    Purge {
        /// A hold as MERCHANT/HOLD_REF (repeatable, at most 200).
        #[arg(long = "hold", value_parser = invoice_ref, required = true)]
        holds: Vec<(AccountAddress, OrderRef)>,
    },
}

impl HoldCommand {
    /// What the command does.
    pub fn plan(&self, calls: &Calls) -> Result<Plan> {
        let h = &calls.holds;
        Ok(match self {
            HoldCommand::Seize {
                hold: (merchant, hold_ref),
                to,
                legal_order,
            } => write(
                Role::Admin,
                format!(
                    "seize what the hold {merchant}/{} holds, to {to}",
                    hold_ref.as_str()
                ),
                h.seize_hold(*merchant, hold_ref, *to, legal_order)?,
            ),
            HoldCommand::Purge { holds } => {
                if holds.len() > HOLD_PURGE_MAX {
                    return Err(bad_input(format!(
                        "{} holds: at most {HOLD_PURGE_MAX} in one purge",
                        holds.len()
                    )));
                }
                let merchants: Vec<_> = holds.iter().map(|(m, _)| *m).collect();
                let refs: Vec<_> = holds.iter().map(|(_, r)| r.clone()).collect();
                write(
                    Role::Keeper,
                    format!("purge {} closed holds", holds.len()),
                    h.purge_holds(&merchants, &refs)?,
                )
            }
        })
    }
}

/// `yenpay invoices purge`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("input").required(true).multiple(true).args(["invoice", "file"])))]
pub struct PurgeArgs {
    /// An invoice as MERCHANT/ORDER_REF (repeatable).
    #[arg(long, value_parser = invoice_ref)]
    invoice: Vec<(AccountAddress, OrderRef)>,
    /// A file of invoices, one `MERCHANT ORDER_REF` per line (`#` comments).
    #[arg(long)]
    file: Option<PathBuf>,
    /// Records per transaction.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=500))]
    batch: u64,
    /// Ask the chain which are purgeable now and purge only those (one not
    /// yet due would abort its whole batch).
    #[arg(long)]
    only_due: bool,
}

/// `yenpay invoices housekeeper ...`.
#[derive(Debug, Subcommand)]
pub enum HousekeeperCommand {
    /// The current housekeeper.
    Show,
    /// Name the housekeeper, e.g. the scheduled job's own key (operator).
    Set {
        /// The housekeeper's account.
        #[arg(value_parser = address)]
        account: AccountAddress,
    },
    /// Remove the housekeeper (operator).
    Remove,
}

/// Reads `MERCHANT ORDER_REF` lines.
pub fn parse_invoice_file(text: &str) -> Result<Vec<(AccountAddress, OrderRef)>> {
    let mut invoices = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (merchant, order) = line.split_once(char::is_whitespace).ok_or_else(|| {
            bad_input(format!(
                "line {}: expected `MERCHANT ORDER_REF`",
                number + 1
            ))
        })?;
        let merchant =
            address(merchant).map_err(|e| bad_input(format!("line {}: {e}", number + 1)))?;
        let order = OrderRef::new(order.trim())
            .map_err(|e| bad_input(format!("line {}: {e}", number + 1)))?;
        invoices.push((merchant, order));
    }
    Ok(invoices)
}

/// The calls of the package at one address.
pub struct Calls {
    controls: yenpay_client::controls::Calls,
    coin: yenpay_client::stablecoin::Calls,
    issuance: yenpay_client::issuance::Calls,
    registry: yenpay_client::merchant::Calls,
    treasury: yenpay_client::fee_treasury::Calls,
    invoices: yenpay_client::invoice::Calls,
    holds: yenpay_client::hold::Calls,
    fx: yenpay_client::fx::Calls,
    tax_refunds: yenpay_client::tax_refund::Calls,
}

impl Calls {
    /// The package they call.
    pub fn package(&self) -> AccountAddress {
        self.coin.package()
    }

    /// The stablecoin's calls (a plain transfer funds the desk and the float).
    pub fn coin(&self) -> &yenpay_client::stablecoin::Calls {
        &self.coin
    }

    /// The FX desk's calls.
    pub fn fx(&self) -> &yenpay_client::fx::Calls {
        &self.fx
    }

    /// The tax refunds' calls.
    pub fn tax_refunds(&self) -> &yenpay_client::tax_refund::Calls {
        &self.tax_refunds
    }

    /// For the package at `package`.
    pub fn new(package: AccountAddress) -> Self {
        Self {
            controls: yenpay_client::controls::Calls::new(package),
            coin: yenpay_client::stablecoin::Calls::new(package),
            issuance: yenpay_client::issuance::Calls::new(package),
            registry: yenpay_client::merchant::Calls::new(package),
            treasury: yenpay_client::fee_treasury::Calls::new(package),
            invoices: yenpay_client::invoice::Calls::new(package),
            holds: yenpay_client::hold::Calls::new(package),
            fx: yenpay_client::fx::Calls::new(package),
            tax_refunds: yenpay_client::tax_refund::Calls::new(package),
        }
    }
}

impl CoinCommand {
    /// What the command does.
    pub fn plan(&self, calls: &Calls) -> Result<Plan> {
        let (k, c, i) = (&calls.controls, &calls.coin, &calls.issuance);
        Ok(match self {
            CoinCommand::Status { check_indexer } => {
                Plan::Read(Read::CoinStatus(check_indexer.clone()))
            }
            CoinCommand::Pause => write(Role::Pauser, "pause the coin", k.pause()?),
            CoinCommand::Unpause => write(Role::Pauser, "unpause the coin", k.unpause()?),
            CoinCommand::Minter(MinterCommand::Add { minter, allowance })
            | CoinCommand::Minter(MinterCommand::Allowance {
                minter,
                set: Some(allowance),
            }) => write(
                Role::MasterMinter,
                format!("make {minter} a minter with an allowance of ¥{allowance}"),
                i.configure_minter(*minter, *allowance)?,
            ),
            CoinCommand::Minter(MinterCommand::Remove { minter }) => write(
                Role::MasterMinter,
                format!("remove the minter {minter}"),
                i.remove_minter(*minter)?,
            ),
            CoinCommand::Minter(MinterCommand::Allowance { minter, set: None }) => {
                Plan::Read(Read::Minter(*minter))
            }
            CoinCommand::Mint { to, amount } => write(
                Role::Minter,
                format!("mint ¥{amount} to {to}"),
                i.mint(*to, *amount)?,
            ),
            CoinCommand::Burn { amount } => {
                write(Role::Minter, format!("burn ¥{amount}"), i.burn(*amount)?)
            }
            CoinCommand::Denylist(DenylistCommand::Add { account }) => write(
                Role::Denylister,
                format!("denylist {account}"),
                k.denylist(*account)?,
            ),
            CoinCommand::Denylist(DenylistCommand::Remove { account }) => write(
                Role::Denylister,
                format!("take {account} off the denylist"),
                k.undenylist(*account)?,
            ),
            CoinCommand::Denylist(DenylistCommand::Check { account }) => {
                Plan::Read(Read::Denylisted(*account))
            }
            CoinCommand::Seize(args) => match (args.from, args.store) {
                (Some(from), _) => write(
                    Role::Admin,
                    format!("seize ¥{} from {from} to {}", args.amount, args.to),
                    c.seize(from, args.to, args.amount, &args.legal_order)?,
                ),
                (None, Some(store)) => write(
                    Role::Admin,
                    format!(
                        "seize ¥{} from the store {store} to {}",
                        args.amount, args.to
                    ),
                    c.seize_from_store(store, args.to, args.amount, &args.legal_order)?,
                ),
                (None, None) => return Err(bad_input("seize needs --from or --store")),
            },
            CoinCommand::Store(StoreCommand::Approve { store }) => write(
                Role::Admin,
                format!("approve the store {store}"),
                k.approve_store(*store)?,
            ),
            CoinCommand::Store(StoreCommand::Revoke { store }) => write(
                Role::Admin,
                format!("revoke the store {store}"),
                k.revoke_store(*store)?,
            ),
            CoinCommand::Cap(CapCommand::Show) => Plan::Read(Read::Cap),
            CoinCommand::Cap(CapCommand::Set { yen }) => write(
                Role::Admin,
                format!("set the per-transfer cap to ¥{yen}"),
                k.set_transfer_cap(*yen)?,
            ),
            CoinCommand::Metadata {
                icon_uri,
                project_uri,
            } => write(
                Role::Admin,
                "set the metadata URIs",
                c.set_metadata_uris(icon_uri, project_uri)?,
            ),
        })
    }
}

impl AdminCommand {
    /// What the command does.
    pub fn plan(&self, calls: &Calls) -> Result<Plan> {
        let c = &calls.controls;
        Ok(match self {
            AdminCommand::Transfer { new_admin } => write(
                Role::Admin,
                format!("propose {new_admin} as admin"),
                c.propose_admin(*new_admin)?,
            ),
            AdminCommand::Accept => write(
                Role::ProposedAdmin,
                "accept the admin role",
                c.accept_admin()?,
            ),
            AdminCommand::Cancel => write(
                Role::Admin,
                "cancel the admin proposal",
                c.cancel_admin_proposal()?,
            ),
        })
    }
}

/// `yenpay roles [set-...]`.
pub fn plan_roles(command: Option<&RolesCommand>, calls: &Calls) -> Result<Plan> {
    let (k, i) = (&calls.controls, &calls.issuance);
    Ok(match command {
        None => Plan::Read(Read::Roles),
        Some(RolesCommand::SetMasterMinter { account }) => write(
            Role::Admin,
            format!("appoint {account} master minter"),
            i.set_master_minter(*account)?,
        ),
        Some(RolesCommand::SetPauser { account }) => write(
            Role::Admin,
            format!("appoint {account} pauser"),
            k.set_pauser(*account)?,
        ),
        Some(RolesCommand::SetDenylister { account }) => write(
            Role::Admin,
            format!("appoint {account} denylister"),
            k.set_denylister(*account)?,
        ),
    })
}

impl MerchantCommand {
    /// What the command does.
    pub fn plan(&self, calls: &Calls) -> Result<Plan> {
        let r = &calls.registry;
        Ok(match self {
            MerchantCommand::Onboard {
                owner,
                name,
                mcc,
                payout,
                fee_bps,
            } => write(
                Role::Operator,
                format!("register the merchant {owner} ({})", name.as_str()),
                r.register_merchant(*owner, name, mcc, payout.unwrap_or(*owner), *fee_bps)?,
            ),
            MerchantCommand::Suspend { owner, reason } => write(
                Role::Operator,
                format!("suspend the merchant {owner} (reason {reason})"),
                r.suspend_merchant(*owner, *reason)?,
            ),
            MerchantCommand::Reactivate { owner } => write(
                Role::Operator,
                format!("reactivate the merchant {owner}"),
                r.reactivate_merchant(*owner)?,
            ),
            MerchantCommand::Close { owner } => write(
                Role::Operator,
                format!("close the merchant {owner}"),
                r.close_merchant(*owner)?,
            ),
            MerchantCommand::Fee { owner, bps } => write(
                Role::Operator,
                format!("set the fee of {owner} to {} bps", bps.get()),
                r.set_fee_bps(*owner, *bps)?,
            ),
            MerchantCommand::Show { owner } => Plan::Read(Read::Merchant(*owner)),
            MerchantCommand::Payout { payout } => write(
                Role::MerchantOwner,
                format!("pay the merchant's takings to {payout}"),
                r.set_payout_address(*payout)?,
            ),
            MerchantCommand::Terminal(TerminalCommand::Add { terminal }) => write(
                Role::MerchantOwner,
                format!("add the terminal {terminal}"),
                r.add_terminal(*terminal)?,
            ),
            MerchantCommand::Terminal(TerminalCommand::Remove { terminal }) => write(
                Role::MerchantOwner,
                format!("remove the terminal {terminal}"),
                r.remove_terminal(*terminal)?,
            ),
        })
    }
}

impl OperatorCommand {
    /// What the command does.
    pub fn plan(&self, calls: &Calls) -> Result<Plan> {
        let r = &calls.registry;
        Ok(match self {
            OperatorCommand::Transfer { new_operator } => write(
                Role::Operator,
                format!("propose {new_operator} as operator"),
                r.propose_operator(*new_operator)?,
            ),
            OperatorCommand::Accept => write(
                Role::ProposedOperator,
                "accept the operator role",
                r.accept_operator()?,
            ),
            OperatorCommand::Cancel => write(
                Role::Operator,
                "cancel the operator proposal",
                r.cancel_operator_proposal()?,
            ),
            OperatorCommand::Replace { new_operator } => write(
                Role::Admin,
                format!("propose {new_operator} to replace the operator"),
                r.propose_operator_replacement(*new_operator)?,
            ),
        })
    }
}

impl TreasuryCommand {
    /// What the command does.
    pub fn plan(&self, calls: &Calls) -> Result<Plan> {
        Ok(match self {
            TreasuryCommand::Show => Plan::Read(Read::Treasury),
            TreasuryCommand::Sweep { to, amount } => write(
                Role::Operator,
                format!("sweep ¥{amount} of fees to {to}"),
                calls.treasury.sweep(*to, *amount)?,
            ),
        })
    }
}

impl InvoicesCommand {
    /// What the command does.
    pub fn plan(&self, calls: &Calls) -> Result<Plan> {
        let i = &calls.invoices;
        Ok(match self {
            InvoicesCommand::Purge(args) => {
                let mut invoices = args.invoice.clone();
                if let Some(path) = &args.file {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    invoices.extend(
                        parse_invoice_file(&text)
                            .with_context(|| format!("reading {}", path.display()))?,
                    );
                }
                Plan::Purge {
                    records: Records::Invoices,
                    keys: invoices,
                    batch: usize::try_from(args.batch).unwrap_or(50),
                    only_due: args.only_due,
                }
            }
            InvoicesCommand::RefundWindow { secs: None } => Plan::Read(Read::RefundWindow),
            InvoicesCommand::RefundWindow { secs: Some(window) } => write(
                Role::Operator,
                format!("set the refund window to {} s", window.secs()),
                i.set_refund_window(*window)?,
            ),
            InvoicesCommand::Housekeeper(HousekeeperCommand::Show) => Plan::Read(Read::Housekeeper),
            InvoicesCommand::Housekeeper(HousekeeperCommand::Set { account }) => write(
                Role::Operator,
                format!("name {account} housekeeper"),
                i.set_housekeeper(*account)?,
            ),
            InvoicesCommand::Housekeeper(HousekeeperCommand::Remove) => write(
                Role::Operator,
                "remove the housekeeper",
                i.remove_housekeeper()?,
            ),
        })
    }
}

/// The purge transactions for `keys` (invoices or purchases), `batch` records each.
pub fn purge_actions(
    calls: &Calls,
    records: Records,
    keys: &[(AccountAddress, OrderRef)],
    batch: usize,
) -> Result<Vec<Action>> {
    keys.chunks(batch.max(1))
        .map(|chunk| {
            let merchants: Vec<_> = chunk.iter().map(|(m, _)| *m).collect();
            let orders: Vec<_> = chunk.iter().map(|(_, o)| o.clone()).collect();
            let call = match records {
                Records::Invoices => calls.invoices.purge_invoices(&merchants, &orders)?,
                Records::Purchases => calls.tax_refunds.purge_purchases(&merchants, &orders)?,
            };
            Ok(Action {
                role: Role::Keeper,
                what: format!("purge {} {}", chunk.len(), records.name()),
                payload: TransactionPayload::EntryFunction(call),
                max_gas: None,
            })
        })
        .collect()
}

/// `yenpay multisig ...`: proposals of a `0x1::multisig_account` holding a role.
#[derive(Debug, Subcommand)]
pub enum MultisigCommand {
    /// Owners, threshold and the open proposals, each decoded.
    List {
        /// The multisig account.
        #[arg(value_parser = address)]
        account: AccountAddress,
    },
    /// One proposal: its call and votes.
    Show {
        /// The multisig account.
        #[arg(value_parser = address)]
        account: AccountAddress,
        /// The proposal's sequence number.
        sequence_number: u64,
    },
    /// Approve a proposal (an owner).
    Approve {
        /// The multisig account.
        #[arg(value_parser = address)]
        account: AccountAddress,
        /// The proposal's sequence number.
        sequence_number: u64,
    },
    /// Reject a proposal (an owner).
    Reject {
        /// The multisig account.
        #[arg(value_parser = address)]
        account: AccountAddress,
        /// The proposal's sequence number.
        sequence_number: u64,
    },
    /// Run the next proposal once approved (an owner); with --rejected,
    /// remove it once rejected.
    Execute {
        /// The multisig account.
        #[arg(value_parser = address)]
        account: AccountAddress,
        /// Remove the next proposal, which enough owners rejected.
        #[arg(long)]
        rejected: bool,
    },
}

impl MultisigCommand {
    /// What the command does.
    pub fn plan(&self) -> Result<Plan> {
        use yenpay_client::multisig;
        let owner = |what: String, call: EntryFunction| write(Role::MultisigOwner, what, call);
        Ok(match self {
            MultisigCommand::List { account } => Plan::Read(Read::MultisigList(*account)),
            MultisigCommand::Show {
                account,
                sequence_number,
            } => Plan::Read(Read::MultisigShow(*account, *sequence_number)),
            MultisigCommand::Approve {
                account,
                sequence_number,
            } => owner(
                format!("approve proposal {sequence_number} of {account}"),
                multisig::approve_transaction(*account, *sequence_number)?,
            ),
            MultisigCommand::Reject {
                account,
                sequence_number,
            } => owner(
                format!("reject proposal {sequence_number} of {account}"),
                multisig::reject_transaction(*account, *sequence_number)?,
            ),
            MultisigCommand::Execute {
                account,
                rejected: true,
            } => owner(
                format!("remove the next (rejected) proposal of {account}"),
                multisig::execute_rejected_transaction(*account)?,
            ),
            MultisigCommand::Execute {
                account,
                rejected: false,
            } => Plan::Write(Action {
                role: Role::MultisigOwner,
                what: format!("execute the next approved proposal of {account}"),
                payload: multisig::execute(*account),
                max_gas: None,
            }),
        })
    }
}

/// What `--multisig` makes of a command's call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proposal {
    /// A proposal storing the whole call, for the owners to read.
    Full,
    /// A proposal storing the call's hash only (`--hash-only`).
    HashOnly,
    /// The execution of the next approved proposal, carrying the call
    /// (`--execute-proposal`).
    Execute,
}

/// Turns `action` into a proposal to the multisig account `multisig`, or
/// into the execution of its next proposal.
pub fn propose(action: Action, multisig: AccountAddress, proposal: Proposal) -> Result<Action> {
    let TransactionPayload::EntryFunction(call) = action.payload else {
        return Err(bad_input(
            "only a call of an entry function can be proposed to a multisig account",
        ));
    };
    use yenpay_client::multisig;
    let (what, payload) = match proposal {
        Proposal::Full => (
            format!("propose to the multisig {multisig}: {}", action.what),
            TransactionPayload::EntryFunction(multisig::create_transaction(multisig, &call)?),
        ),
        Proposal::HashOnly => (
            format!(
                "propose to the multisig {multisig} by hash 0x{}: {}",
                const_hex::encode(multisig::payload_hash(&call)?),
                action.what
            ),
            TransactionPayload::EntryFunction(multisig::create_transaction_with_hash(
                multisig, &call,
            )?),
        ),
        Proposal::Execute => (
            format!(
                "execute the multisig {multisig}'s next proposal: {}",
                action.what
            ),
            multisig::execute_with_payload(multisig, call),
        ),
    };
    Ok(Action {
        role: Role::MultisigOwner,
        what,
        payload,
        max_gas: action.max_gas,
    })
}

/// `yenpay package ...`: the package's code.
#[derive(Debug, Subcommand)]
pub enum PackageCommand {
    /// Check the deployment on chain: modules, who holds each role, code
    /// control (the package's key is zero), the treasury's store; with
    /// --build-dir, also that the code on chain is that build's, byte for byte.
    Verify {
        /// A build folder to compare the code on chain with (`move/build/YenPay`, compiled with the deployment's named addresses).
        #[arg(long)]
        build_dir: Option<PathBuf>,
    },
    /// Publish new code of the package (admin), from a build folder compiled
    /// with the deployment's named addresses (`cargo xtask build`, or
    /// `aptos move compile --save-metadata`).
    Upgrade {
        /// The build folder (`move/build/YenPay`).
        #[arg(long, default_value = "move/build/YenPay")]
        build_dir: PathBuf,
    },
    /// Publish the package at the signer's resource account for the seed
    /// (the deployer), from a build folder compiled for that address; the
    /// package address is printed. `cargo xtask deploy` compiles, publishes,
    /// verifies and records in one go.
    Publish {
        /// The build folder (`move/build/YenPay`).
        #[arg(long, default_value = "move/build/YenPay")]
        build_dir: PathBuf,
        /// The resource account's seed.
        #[arg(long, default_value = yenpay_deploy::publish::DEFAULT_SEED)]
        seed: String,
    },
}

impl PackageCommand {
    /// What the command does.
    pub fn plan(&self, package: AccountAddress) -> Result<Plan> {
        use yenpay_deploy::publish::{CompiledPackage, PUBLISH_MAX_GAS};
        let read = |dir: &PathBuf| {
            CompiledPackage::from_build_dir(dir)
                .map_err(|e| bad_input(format!("{e} (build it with `cargo xtask build`)")))
        };
        Ok(match self {
            PackageCommand::Verify { build_dir } => {
                if let Some(dir) = build_dir {
                    // Read now: a missing or broken build is bad input, before any node is asked.
                    read(dir)?;
                }
                Plan::Read(Read::PackageVerify(build_dir.clone()))
            }
            PackageCommand::Upgrade { build_dir } => {
                let compiled = read(build_dir)?;
                let mut steps = compiled.upgrade_steps(package)?;
                let upgrade = format!(
                    "upgrade {} at {package} ({} modules)",
                    compiled.name,
                    compiled.modules.len()
                );
                if steps.len() == 1 {
                    let (_, payload) = steps.remove(0);
                    Plan::Write(Action {
                        role: Role::Admin,
                        what: upgrade,
                        payload,
                        max_gas: Some(PUBLISH_MAX_GAS),
                    })
                } else {
                    // Over one transaction's size: staged in chunks.
                    let of = steps.len();
                    Plan::Writes(
                        steps
                            .into_iter()
                            .enumerate()
                            .map(|(i, (what, payload))| Action {
                                role: Role::Admin,
                                what: format!("{upgrade}, step {} of {of}: {what}", i + 1),
                                payload,
                                max_gas: Some(PUBLISH_MAX_GAS),
                            })
                            .collect(),
                    )
                }
            }
            PackageCommand::Publish { build_dir, seed } => {
                let compiled = read(build_dir)?;
                Plan::Write(Action {
                    role: Role::Deployer,
                    what: format!(
                        "publish {} at the signer's resource account for seed {seed:?}",
                        compiled.name
                    ),
                    payload: compiled.publish_payload(seed.as_bytes())?,
                    max_gas: Some(PUBLISH_MAX_GAS),
                })
            }
        })
    }
}
