//! The `yenpay` command line: the issuer's and the operator's console (one
//! command per privileged entry function, grouped by role, and the reads),
//! and the QR tools.

pub mod console;
pub mod exit;
pub mod fx;
pub mod plan;
mod qr;
pub mod report;
pub mod target;
pub mod tax_refund;

use anyhow::Result;
use aptos_sdk::types::AccountAddress;
use clap::{Parser, Subcommand};

use plan::{
    AdminCommand, Calls, CoinCommand, HoldCommand, InvoicesCommand, MerchantCommand,
    MultisigCommand, OperatorCommand, PackageCommand, Plan, Read, RolesCommand, TreasuryCommand,
};
use target::Global;

/// Yen stablecoin payments on Japan's QR-code payment network, on Aptos.
///
/// Exit codes: 0 done, 1 other failure, 2 bad input, 3 refused by the chain
/// (the abort is named), 4 no node or unknown outcome, 5 a mainnet action
/// not confirmed.
#[derive(Debug, Parser)]
#[command(name = "yenpay", version, about)]
pub struct Cli {
    /// Options of the console commands.
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// QR payloads: encode, decode and draw EMVCo codes and wallet URIs.
    #[command(subcommand)]
    Qr(qr::QrCommand),
    /// The stablecoin: status, pause, minters, mint and burn, denylist, seizure, stores, cap.
    #[command(subcommand)]
    Coin(CoinCommand),
    /// Total supply of the coin.
    Supply,
    /// The stablecoin's admin role: transfer, accept, cancel.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Who holds each role; the admin's appointments (set-master-minter, set-pauser, set-denylister).
    Roles {
        #[command(subcommand)]
        command: Option<RolesCommand>,
    },
    /// Merchants: onboard, suspend, reactivate, close, fee, show; an owner's payout and terminals.
    #[command(subcommand)]
    Merchant(MerchantCommand),
    /// The registry's operator role: transfer, accept, cancel, replace.
    #[command(subcommand)]
    Operator(OperatorCommand),
    /// The fee treasury: show, sweep.
    #[command(subcommand)]
    Treasury(TreasuryCommand),
    /// Invoice records: purge, refund window, housekeeper.
    #[command(subcommand)]
    Invoices(InvoicesCommand),
    /// Holds: seize a denylisted customer's held yen (admin), purge closed holds.
    #[command(subcommand)]
    Hold(HoldCommand),
    /// Proposals of a 0x1::multisig_account: list, show, approve, reject, execute.
    #[command(subcommand)]
    Multisig(MultisigCommand),
    /// The package's code: verify, upgrade, publish.
    #[command(subcommand)]
    Package(PackageCommand),
    /// The FX desk (tourists pay in USDC): show, USDC, limits, policies, the reference rate, fund, withdraw, the quote signer and rate keeper roles.
    #[command(subcommand)]
    Fx(fx::FxCommand),
    /// Consumption-tax refunds: show, the refund agent role, its float, purge purchases past their window, one purchase.
    #[command(subcommand)]
    TaxRefund(tax_refund::TaxRefundCommand),
}

impl Cli {
    /// What the command does, for the package at `package` (no node, no key).
    fn plan(&self, calls: &Calls) -> Result<Plan> {
        match &self.command {
            Command::Qr(_) => unreachable!("the QR tools are not a console command"),
            Command::Coin(command) => command.plan(calls),
            Command::Supply => Ok(Plan::Read(Read::Supply)),
            Command::Admin(command) => command.plan(calls),
            Command::Roles { command } => plan::plan_roles(command.as_ref(), calls),
            Command::Merchant(command) => command.plan(calls),
            Command::Operator(command) => command.plan(calls),
            Command::Treasury(command) => command.plan(calls),
            Command::Invoices(command) => command.plan(calls),
            Command::Hold(command) => command.plan(calls),
            Command::Package(command) => command.plan(calls.package()),
            Command::Fx(command) => {
                // Which USDC is native depends on the network (the profile's, or --network).
                let network = match self.global.network {
                    Some(network) => network,
                    None => self.global.resolve()?.network,
                };
                command.plan(calls, network)
            }
            Command::TaxRefund(command) => command.plan(calls),
            Command::Multisig(command) => {
                if self.global.multisig.is_some() {
                    return Err(exit::bad_input(
                        "--multisig turns a command into a proposal; `yenpay multisig` takes the account as its argument",
                    ));
                }
                command.plan()
            }
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    if let Command::Qr(command) = cli.command {
        return qr::run(command, cli.global.package);
    }
    // The plan needs the package only for its address; resolving it reads
    // local files (profile, deployments), never the node.
    let publishing = matches!(
        cli.command,
        Command::Package(PackageCommand::Publish { .. })
    );
    let resolved_package = match cli.global.package {
        Some(package) => package,
        // Publishing creates the package at the signer's resource account.
        None if publishing => AccountAddress::ZERO,
        None => cli.global.resolve()?.package,
    };
    let plan = cli.plan(&Calls::new(resolved_package))?;
    let mut global = cli.global.clone();
    if publishing {
        global.package = Some(resolved_package);
    }
    console::run(&global, plan)
}

#[cfg(test)]
mod tests {
    //! Every console command's parsing and payload, compared with the
    //! client's typed call: no node, no key.
    use super::*;
    use aptos_sdk::transaction::{EntryFunction, TransactionPayload};
    use aptos_sdk::types::AccountAddress;
    use plan::{Action, Proposal, Role};
    use yenpay_client::types::limits::{
        FeeBps, LegalOrder, Mcc, MerchantName, OrderRef, RefundWindow,
    };

    const PACKAGE: &str = "0xcafe";

    fn a(hex: &str) -> AccountAddress {
        AccountAddress::from_hex(hex).unwrap()
    }

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(["yenpay", "--package", PACKAGE].iter().chain(args))
    }

    fn plan_of(args: &[&str]) -> Plan {
        let cli = parse(args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        cli.plan(&Calls::new(a(PACKAGE))).unwrap()
    }

    /// The transaction `args` plans: its signer's role and its call.
    fn call_of(args: &[&str]) -> (Role, EntryFunction) {
        match plan_of(args) {
            Plan::Write(Action {
                role,
                payload: TransactionPayload::EntryFunction(call),
                ..
            }) => (role, call),
            other => panic!("{args:?} planned {other:?}"),
        }
    }

    fn controls() -> yenpay_client::controls::Calls {
        yenpay_client::controls::Calls::new(a(PACKAGE))
    }

    fn coin() -> yenpay_client::stablecoin::Calls {
        yenpay_client::stablecoin::Calls::new(a(PACKAGE))
    }

    fn issuance() -> yenpay_client::issuance::Calls {
        yenpay_client::issuance::Calls::new(a(PACKAGE))
    }

    fn registry() -> yenpay_client::merchant::Calls {
        yenpay_client::merchant::Calls::new(a(PACKAGE))
    }

    fn invoices() -> yenpay_client::invoice::Calls {
        yenpay_client::invoice::Calls::new(a(PACKAGE))
    }

    fn holds() -> yenpay_client::hold::Calls {
        yenpay_client::hold::Calls::new(a(PACKAGE))
    }

    #[test]
    fn hold_commands_build_the_typed_calls() {
        let legal = LegalOrder::new(b"Tokyo District Court 2026-9".to_vec()).unwrap();
        let hold_ref = OrderRef::new("PUMP 7").unwrap();
        assert_eq!(
            call_of(&[
                "hold",
                "seize",
                "0xe1/PUMP 7",
                "--to",
                "0xa1",
                "--legal-order",
                "Tokyo District Court 2026-9",
            ]),
            (
                Role::Admin,
                holds()
                    .seize_hold(a("0xe1"), &hold_ref, a("0xa1"), &legal)
                    .unwrap()
            )
        );
        assert_eq!(
            call_of(&[
                "hold",
                "purge",
                "--hold",
                "0xe1/PUMP 7",
                "--hold",
                "0xe2/ROOM-1"
            ]),
            (
                Role::Keeper,
                holds()
                    .purge_holds(
                        &[a("0xe1"), a("0xe2")],
                        &[hold_ref, OrderRef::new("ROOM-1").unwrap()]
                    )
                    .unwrap()
            )
        );
        // Refused before any key is read: bad holds, no holds, too many.
        for (args, why) in [
            (
                vec![
                    "hold",
                    "seize",
                    "0xe1",
                    "--to",
                    "0xa1",
                    "--legal-order",
                    "x",
                ],
                "MERCHANT/ORDER_REF",
            ),
            (
                vec![
                    "hold",
                    "seize",
                    "0xe1/P",
                    "--to",
                    "0xa1",
                    "--legal-order",
                    "",
                ],
                "legal",
            ),
            (
                vec!["hold", "seize", "0xe1/P", "--legal-order", "x"],
                "--to",
            ),
            (vec!["hold", "purge"], "--hold"),
            (
                vec!["hold", "purge", "--hold", "nothex/P"],
                "not an account address",
            ),
        ] {
            let error = parse(&args).unwrap_err().to_string();
            assert!(
                error.to_lowercase().contains(&why.to_lowercase()),
                "{args:?}: {error}"
            );
        }
        let many: Vec<String> = (0..=plan::HOLD_PURGE_MAX)
            .map(|i| format!("0xe1/H-{i}"))
            .collect();
        let mut args = vec!["yenpay", "--package", PACKAGE, "hold", "purge"];
        for hold in &many {
            args.extend(["--hold", hold.as_str()]);
        }
        let cli = Cli::try_parse_from(args).unwrap();
        let error = cli.plan(&Calls::new(a(PACKAGE))).unwrap_err();
        assert_eq!(exit::code(&error), exit::BAD_INPUT, "{error:#}");
        assert!(error.to_string().contains("at most 200"), "{error:#}");
    }

    #[test]
    fn stablecoin_commands_build_the_typed_calls() {
        let legal = LegalOrder::new(b"Tokyo District Court 2026-1".to_vec()).unwrap();
        let cases: Vec<(Vec<&str>, Role, EntryFunction)> = vec![
            (
                vec!["coin", "pause"],
                Role::Pauser,
                controls().pause().unwrap(),
            ),
            (
                vec!["coin", "unpause"],
                Role::Pauser,
                controls().unpause().unwrap(),
            ),
            (
                vec!["coin", "minter", "add", "0xb1", "--allowance", "1000000"],
                Role::MasterMinter,
                issuance().configure_minter(a("0xb1"), 1_000_000).unwrap(),
            ),
            (
                vec!["coin", "minter", "allowance", "0xb1", "--set", "5"],
                Role::MasterMinter,
                issuance().configure_minter(a("0xb1"), 5).unwrap(),
            ),
            (
                vec!["coin", "minter", "remove", "0xb1"],
                Role::MasterMinter,
                issuance().remove_minter(a("0xb1")).unwrap(),
            ),
            (
                vec!["coin", "mint", "--to", "0xc1", "--amount", "1_500"],
                Role::Minter,
                issuance().mint(a("0xc1"), 1_500).unwrap(),
            ),
            (
                vec!["coin", "burn", "--amount", "7"],
                Role::Minter,
                issuance().burn(7).unwrap(),
            ),
            (
                vec!["coin", "denylist", "add", "0xbad"],
                Role::Denylister,
                controls().denylist(a("0xbad")).unwrap(),
            ),
            (
                vec!["coin", "denylist", "remove", "0xbad"],
                Role::Denylister,
                controls().undenylist(a("0xbad")).unwrap(),
            ),
            (
                vec![
                    "coin",
                    "seize",
                    "--from",
                    "0xbad",
                    "--to",
                    "0xa1",
                    "--amount",
                    "9",
                    "--legal-order",
                    "Tokyo District Court 2026-1",
                ],
                Role::Admin,
                coin().seize(a("0xbad"), a("0xa1"), 9, &legal).unwrap(),
            ),
            (
                vec![
                    "coin",
                    "seize",
                    "--store",
                    "0x5707e",
                    "--to",
                    "0xa1",
                    "--amount",
                    "9",
                    "--legal-order",
                    "Tokyo District Court 2026-1",
                ],
                Role::Admin,
                coin()
                    .seize_from_store(a("0x5707e"), a("0xa1"), 9, &legal)
                    .unwrap(),
            ),
            (
                vec!["coin", "store", "approve", "0x5707e"],
                Role::Admin,
                controls().approve_store(a("0x5707e")).unwrap(),
            ),
            (
                vec!["coin", "store", "revoke", "0x5707e"],
                Role::Admin,
                controls().revoke_store(a("0x5707e")).unwrap(),
            ),
            (
                vec!["coin", "cap", "set", "1000000"],
                Role::Admin,
                controls().set_transfer_cap(1_000_000).unwrap(),
            ),
            (
                vec![
                    "coin",
                    "metadata",
                    "--icon-uri",
                    "https://yenpay.example/icon.png",
                    "--project-uri",
                    "https://yenpay.example",
                ],
                Role::Admin,
                coin()
                    .set_metadata_uris("https://yenpay.example/icon.png", "https://yenpay.example")
                    .unwrap(),
            ),
            (
                vec!["admin", "transfer", "0xad2"],
                Role::Admin,
                controls().propose_admin(a("0xad2")).unwrap(),
            ),
            (
                vec!["admin", "accept"],
                Role::ProposedAdmin,
                controls().accept_admin().unwrap(),
            ),
            (
                vec!["admin", "cancel"],
                Role::Admin,
                controls().cancel_admin_proposal().unwrap(),
            ),
            (
                vec!["roles", "set-master-minter", "0xf1"],
                Role::Admin,
                issuance().set_master_minter(a("0xf1")).unwrap(),
            ),
            (
                vec!["roles", "set-pauser", "0xf2"],
                Role::Admin,
                controls().set_pauser(a("0xf2")).unwrap(),
            ),
            (
                vec!["roles", "set-denylister", "0xf3"],
                Role::Admin,
                controls().set_denylister(a("0xf3")).unwrap(),
            ),
        ];
        for (args, role, expected) in cases {
            let (planned_role, call) = call_of(&args);
            assert_eq!(call, expected, "{args:?}");
            assert_eq!(planned_role, role, "{args:?}");
            assert_eq!(call.module.address, a(PACKAGE), "{args:?}");
        }
    }

    #[test]
    fn registry_treasury_and_invoice_commands_build_the_typed_calls() {
        let name = MerchantName::new("SAKURA COFFEE").unwrap();
        let mcc = Mcc::new("5814").unwrap();
        let cases: Vec<(Vec<&str>, Role, EntryFunction)> = vec![
            (
                vec![
                    "merchant",
                    "onboard",
                    "0xe1",
                    "--name",
                    "SAKURA COFFEE",
                    "--mcc",
                    "5814",
                    "--fee-bps",
                    "250",
                ],
                Role::Operator,
                registry()
                    .register_merchant(a("0xe1"), &name, &mcc, a("0xe1"), FeeBps::new(250).unwrap())
                    .unwrap(),
            ),
            (
                vec![
                    "merchant",
                    "onboard",
                    "0xe1",
                    "--name",
                    "SAKURA COFFEE",
                    "--mcc",
                    "5814",
                    "--fee-bps",
                    "250",
                    "--payout",
                    "0xe2",
                ],
                Role::Operator,
                registry()
                    .register_merchant(a("0xe1"), &name, &mcc, a("0xe2"), FeeBps::new(250).unwrap())
                    .unwrap(),
            ),
            (
                vec!["merchant", "suspend", "0xe1", "--reason", "3"],
                Role::Operator,
                registry().suspend_merchant(a("0xe1"), 3).unwrap(),
            ),
            (
                vec!["merchant", "reactivate", "0xe1"],
                Role::Operator,
                registry().reactivate_merchant(a("0xe1")).unwrap(),
            ),
            (
                vec!["merchant", "close", "0xe1"],
                Role::Operator,
                registry().close_merchant(a("0xe1")).unwrap(),
            ),
            (
                vec!["merchant", "fee", "0xe1", "120"],
                Role::Operator,
                registry()
                    .set_fee_bps(a("0xe1"), FeeBps::new(120).unwrap())
                    .unwrap(),
            ),
            (
                vec!["merchant", "payout", "0xe3"],
                Role::MerchantOwner,
                registry().set_payout_address(a("0xe3")).unwrap(),
            ),
            (
                vec!["merchant", "terminal", "add", "0x7e"],
                Role::MerchantOwner,
                registry().add_terminal(a("0x7e")).unwrap(),
            ),
            (
                vec!["merchant", "terminal", "remove", "0x7e"],
                Role::MerchantOwner,
                registry().remove_terminal(a("0x7e")).unwrap(),
            ),
            (
                vec!["operator", "transfer", "0x0b2"],
                Role::Operator,
                registry().propose_operator(a("0x0b2")).unwrap(),
            ),
            (
                vec!["operator", "accept"],
                Role::ProposedOperator,
                registry().accept_operator().unwrap(),
            ),
            (
                vec!["operator", "cancel"],
                Role::Operator,
                registry().cancel_operator_proposal().unwrap(),
            ),
            (
                vec!["operator", "replace", "0x0b3"],
                Role::Admin,
                registry().propose_operator_replacement(a("0x0b3")).unwrap(),
            ),
            (
                vec!["treasury", "sweep", "--to", "0xa1", "--amount", "10000"],
                Role::Operator,
                yenpay_client::fee_treasury::Calls::new(a(PACKAGE))
                    .sweep(a("0xa1"), 10_000)
                    .unwrap(),
            ),
            (
                vec!["invoices", "refund-window", "864000"],
                Role::Operator,
                invoices()
                    .set_refund_window(RefundWindow::from_secs(864_000).unwrap())
                    .unwrap(),
            ),
            (
                vec!["invoices", "housekeeper", "set", "0x4ee"],
                Role::Operator,
                invoices().set_housekeeper(a("0x4ee")).unwrap(),
            ),
            (
                vec!["invoices", "housekeeper", "remove"],
                Role::Operator,
                invoices().remove_housekeeper().unwrap(),
            ),
        ];
        for (args, role, expected) in cases {
            let (planned_role, call) = call_of(&args);
            assert_eq!(call, expected, "{args:?}");
            assert_eq!(planned_role, role, "{args:?}");
        }
    }

    #[test]
    fn purge_batches_the_invoices_into_typed_calls() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("due.txt");
        std::fs::write(&file, "# merchant order\n0xe1 INV-1\n\n0xe2\tINV 2\n").unwrap();
        let Plan::Purge {
            records: plan::Records::Invoices,
            keys: list,
            batch,
            only_due,
        } = plan_of(&[
            "invoices",
            "purge",
            "--invoice",
            "0xe0/INV-0",
            "--file",
            file.to_str().unwrap(),
            "--batch",
            "2",
        ])
        else {
            panic!("not a purge")
        };
        assert!(!only_due);
        let order = |s: &str| OrderRef::new(s).unwrap();
        assert_eq!(
            list,
            [
                (a("0xe0"), order("INV-0")),
                (a("0xe1"), order("INV-1")),
                (a("0xe2"), order("INV 2")),
            ]
        );
        let actions = plan::purge_actions(
            &Calls::new(a(PACKAGE)),
            plan::Records::Invoices,
            &list,
            batch,
        )
        .unwrap();
        assert_eq!(actions.len(), 2, "3 invoices in batches of 2");
        assert_eq!(
            actions[1].payload,
            TransactionPayload::EntryFunction(
                invoices()
                    .purge_invoices(&[a("0xe2")], &[order("INV 2")])
                    .unwrap()
            )
        );
        assert_eq!(actions[0].role, Role::Keeper);
    }

    #[test]
    fn reads_are_reads() {
        for (args, read) in [
            (vec!["coin", "status"], Read::CoinStatus(None)),
            (
                vec![
                    "coin",
                    "status",
                    "--check-indexer",
                    "http://127.0.0.1:8090/v1/graphql",
                ],
                Read::CoinStatus(Some("http://127.0.0.1:8090/v1/graphql".to_owned())),
            ),
            (vec!["supply"], Read::Supply),
            (vec!["roles"], Read::Roles),
            (
                vec!["coin", "minter", "allowance", "0xb1"],
                Read::Minter(a("0xb1")),
            ),
            (
                vec!["coin", "denylist", "check", "0xbad"],
                Read::Denylisted(a("0xbad")),
            ),
            (vec!["coin", "cap", "show"], Read::Cap),
            (vec!["merchant", "show", "0xe1"], Read::Merchant(a("0xe1"))),
            (vec!["treasury", "show"], Read::Treasury),
            (vec!["invoices", "refund-window"], Read::RefundWindow),
            (vec!["invoices", "housekeeper", "show"], Read::Housekeeper),
            (
                vec!["multisig", "list", "0x5a"],
                Read::MultisigList(a("0x5a")),
            ),
            (
                vec!["multisig", "show", "0x5a", "4"],
                Read::MultisigShow(a("0x5a"), 4),
            ),
        ] {
            assert_eq!(plan_of(&args), Plan::Read(read), "{args:?}");
        }
    }

    #[test]
    fn multisig_commands_and_proposals() {
        use yenpay_client::multisig;
        let (role, call) = call_of(&["multisig", "approve", "0x5a", "4"]);
        assert_eq!(role, Role::MultisigOwner);
        assert_eq!(call, multisig::approve_transaction(a("0x5a"), 4).unwrap());
        let (_, call) = call_of(&["multisig", "reject", "0x5a", "4"]);
        assert_eq!(call, multisig::reject_transaction(a("0x5a"), 4).unwrap());
        let (_, call) = call_of(&["multisig", "execute", "0x5a", "--rejected"]);
        assert_eq!(
            call,
            multisig::execute_rejected_transaction(a("0x5a")).unwrap()
        );
        let Plan::Write(execute) = plan_of(&["multisig", "execute", "0x5a"]) else {
            panic!()
        };
        assert_eq!(execute.payload, multisig::execute(a("0x5a")));
        // --multisig turns any call into a proposal carrying it.
        let Plan::Write(pause) = plan_of(&["coin", "pause"]) else {
            panic!()
        };
        let proposal = plan::propose(pause.clone(), a("0x5a"), Proposal::Full).unwrap();
        assert_eq!(proposal.role, Role::MultisigOwner);
        assert_eq!(
            proposal.payload,
            TransactionPayload::EntryFunction(
                multisig::create_transaction(a("0x5a"), &controls().pause().unwrap()).unwrap()
            )
        );
        // --hash-only stores the call's hash; --execute-proposal carries the call.
        let by_hash = plan::propose(pause.clone(), a("0x5a"), Proposal::HashOnly).unwrap();
        assert_eq!(
            by_hash.payload,
            TransactionPayload::EntryFunction(
                multisig::create_transaction_with_hash(a("0x5a"), &controls().pause().unwrap())
                    .unwrap()
            )
        );
        assert!(by_hash.what.contains(&const_hex::encode(
            multisig::payload_hash(&controls().pause().unwrap()).unwrap()
        )));
        let run = plan::propose(pause, a("0x5a"), Proposal::Execute).unwrap();
        assert_eq!(
            run.payload,
            multisig::execute_with_payload(a("0x5a"), controls().pause().unwrap())
        );
        assert!(
            plan::propose(execute, a("0x5a"), Proposal::Full).is_err(),
            "an execution is not proposed"
        );
        let cli = parse(&["--multisig", "0x5a", "multisig", "list", "0x5a"]).unwrap();
        assert!(cli.plan(&Calls::new(a(PACKAGE))).is_err());
        let cli = parse(&["--multisig", "0x5a", "--hash-only", "coin", "pause"]).unwrap();
        assert_eq!(cli.global.proposal(), Proposal::HashOnly);
        assert!(
            parse(&["--hash-only", "coin", "pause"]).is_err(),
            "--hash-only needs --multisig"
        );
        assert!(
            parse(&[
                "--multisig",
                "0x5a",
                "--hash-only",
                "--execute-proposal",
                "coin",
                "pause"
            ])
            .is_err()
        );
    }

    fn fx() -> yenpay_client::fx::Calls {
        yenpay_client::fx::Calls::new(a(PACKAGE))
    }

    fn tax_refunds() -> yenpay_client::tax_refund::Calls {
        yenpay_client::tax_refund::Calls::new(a(PACKAGE))
    }

    /// The error planning `args` gives: refused by clap or by the plan.
    fn refusal(args: &[&str]) -> String {
        match parse(args) {
            Err(error) => error.to_string(),
            Ok(cli) => {
                let error = cli.plan(&Calls::new(a(PACKAGE))).unwrap_err();
                assert_eq!(exit::code(&error), exit::BAD_INPUT, "{args:?}: {error:#}");
                format!("{error:#}")
            }
        }
    }

    #[test]
    fn fx_desk_commands_build_the_typed_calls() {
        let desk = yenpay_client::fx::derive_desk_address(a(PACKAGE));
        let testnet_usdc = a(yenpay_client::types::fx::TESTNET_USDC);
        let cases: Vec<(Vec<&str>, Role, EntryFunction)> = vec![
            (
                vec!["fx", "configure-usdc", "0xabc"],
                Role::Operator,
                fx().configure_usdc(a("0xabc")).unwrap(),
            ),
            (
                vec!["--network", "testnet", "fx", "configure-usdc"],
                Role::Operator,
                fx().configure_usdc(testnet_usdc).unwrap(),
            ),
            (
                vec![
                    "--network",
                    "mainnet",
                    "fx",
                    "configure-usdc",
                    "0xabc",
                    "--not-native",
                ],
                Role::Operator,
                fx().configure_usdc(a("0xabc")).unwrap(),
            ),
            (
                vec![
                    "fx",
                    "set-limits",
                    "--per-quote",
                    "100_000",
                    "--daily",
                    "1000000",
                ],
                Role::Operator,
                fx().set_limits(100_000, 1_000_000).unwrap(),
            ),
            (
                vec!["fx", "set-limits", "--per-quote", "0", "--daily", "0"],
                Role::Operator,
                fx().set_limits(0, 0).unwrap(),
            ),
            (
                vec![
                    "fx",
                    "set-policies",
                    "--open-deviation-bps",
                    "150",
                    "--open-max-age-secs",
                    "300",
                    "--closed-deviation-bps",
                    "300",
                    "--closed-max-age-secs",
                    "259200",
                ],
                Role::Operator,
                fx().set_rate_policies(150, 300, 300, 259_200).unwrap(),
            ),
            (
                vec!["fx", "fund", "--amount", "1_000_000"],
                Role::YenHolder,
                coin().transfer(desk, 1_000_000).unwrap(),
            ),
            (
                vec!["fx", "withdraw-yen", "--to", "0xa1", "--amount", "5000"],
                Role::Operator,
                fx().withdraw_yen(a("0xa1"), 5_000).unwrap(),
            ),
            (
                vec!["fx", "withdraw-usdc", "--to", "0xa1", "--usdc", "12.5"],
                Role::Operator,
                fx().withdraw_usdc(a("0xa1"), 12_500_000).unwrap(),
            ),
            (
                vec!["fx", "quote-signer", "transfer", "0x9a"],
                Role::QuoteSignerOrOperator,
                fx().propose_quote_signer(a("0x9a")).unwrap(),
            ),
            (
                vec!["fx", "quote-signer", "propose", "0x9a"],
                Role::QuoteSignerOrOperator,
                fx().propose_quote_signer(a("0x9a")).unwrap(),
            ),
            (
                vec!["fx", "quote-signer", "cancel"],
                Role::QuoteSignerOrOperator,
                fx().cancel_quote_signer_proposal().unwrap(),
            ),
            (
                vec!["fx", "quote-signer", "accept"],
                Role::ProposedQuoteSigner,
                fx().accept_quote_signer().unwrap(),
            ),
            (
                vec!["fx", "refresh-quote-key"],
                Role::QuoteSigner,
                fx().refresh_quote_key().unwrap(),
            ),
            (
                vec!["fx", "rate-keeper", "transfer", "0x7b"],
                Role::RateKeeperOrOperator,
                fx().propose_rate_keeper(a("0x7b")).unwrap(),
            ),
            (
                vec!["fx", "rate-keeper", "cancel"],
                Role::RateKeeperOrOperator,
                fx().cancel_rate_keeper_proposal().unwrap(),
            ),
            (
                vec!["fx", "rate-keeper", "accept"],
                Role::ProposedRateKeeper,
                fx().accept_rate_keeper().unwrap(),
            ),
        ];
        for (args, role, expected) in cases {
            let (planned_role, call) = call_of(&args);
            assert_eq!(call, expected, "{args:?}");
            assert_eq!(planned_role, role, "{args:?}");
        }
        // The desk is funded by a plain transfer to the address the chain's view gives.
        let (_, fund) = call_of(&["fx", "fund", "--amount", "7"]);
        assert_eq!(fund.module.address, AccountAddress::ONE);
        assert_eq!(fund.args[1], aptos_bcs::to_bytes(&desk).unwrap());

        // The rate keeper's override: planned, then built with its time.
        assert_eq!(
            plan_of(&["fx", "set-rate", "150.25", "--observed-at", "1000"]),
            Plan::SetRate {
                rate: 150_250_000,
                observed_at: Some(1_000),
                allow_jump: false
            }
        );
        assert_eq!(
            plan_of(&["fx", "set-rate", "1502.5", "--allow-jump"]),
            Plan::SetRate {
                rate: 1_502_500_000,
                observed_at: None,
                allow_jump: true
            }
        );
        let action = fx::set_rate_action(&Calls::new(a(PACKAGE)), 150_250_000, 1_000).unwrap();
        assert_eq!(action.role, Role::RateKeeper);
        assert_eq!(
            action.payload,
            TransactionPayload::EntryFunction(fx().set_reference_rate(150_250_000, 1_000).unwrap())
        );
        assert!(action.what.contains("¥150.25 per USDC"), "{}", action.what);

        assert_eq!(
            plan_of(&["fx", "show"]),
            Plan::Read(Read::FxDesk {
                check: false,
                min_yen: None
            })
        );
        assert_eq!(
            plan_of(&["fx", "show", "--check", "--min-yen", "1_000_000"]),
            Plan::Read(Read::FxDesk {
                check: true,
                min_yen: Some(1_000_000)
            })
        );

        // Refused before any key is read, with the reason.
        for (args, why) in [
            (vec!["fx", "configure-usdc"], "no native USDC"),
            (
                vec!["--network", "mainnet", "fx", "configure-usdc", "0xabc"],
                "--not-native",
            ),
            (
                vec!["fx", "configure-usdc", "0xzz"],
                "not an account address",
            ),
            (
                vec!["fx", "set-limits", "--per-quote", "10", "--daily", "9"],
                "above the daily limit",
            ),
            (vec!["fx", "set-limits", "--per-quote", "10"], "--daily"),
            (
                vec![
                    "fx",
                    "set-policies",
                    "--open-deviation-bps",
                    "400",
                    "--open-max-age-secs",
                    "300",
                    "--closed-deviation-bps",
                    "300",
                    "--closed-max-age-secs",
                    "600",
                ],
                "at least as wide",
            ),
            (
                vec![
                    "fx",
                    "set-policies",
                    "--open-deviation-bps",
                    "100",
                    "--open-max-age-secs",
                    "300",
                    "--closed-deviation-bps",
                    "2001",
                    "--closed-max-age-secs",
                    "600",
                ],
                "at most 2000",
            ),
            (
                vec![
                    "fx",
                    "set-policies",
                    "--open-deviation-bps",
                    "100",
                    "--open-max-age-secs",
                    "0",
                    "--closed-deviation-bps",
                    "200",
                    "--closed-max-age-secs",
                    "600",
                ],
                "1 s to 604800 s",
            ),
            (vec!["fx", "set-rate", "0"], "more than zero"),
            (vec!["fx", "set-rate", "150.1234567"], "6 decimal"),
            (vec!["fx", "set-rate", "-150"], "unexpected argument"),
            (vec!["fx", "fund", "--amount", "0"], "at least 1 yen"),
            (
                vec!["fx", "withdraw-usdc", "--to", "0xa1", "--usdc", "1,5"],
                "not a decimal",
            ),
            (
                vec!["fx", "withdraw-yen", "--to", "0xa1", "--amount", "1.5"],
                "whole number of yen",
            ),
            (vec!["fx", "quote-signer", "transfer"], "<SUCCESSOR>"),
        ] {
            let error = refusal(&args);
            assert!(
                error.to_lowercase().contains(&why.to_lowercase()),
                "{args:?}: {error}"
            );
        }
    }

    #[test]
    fn tax_refund_commands_build_the_typed_calls() {
        let float = yenpay_client::tax_refund::derive_float_address(a(PACKAGE));
        let cases: Vec<(Vec<&str>, Role, EntryFunction)> = vec![
            (
                vec!["tax-refund", "agent", "transfer", "0xa9"],
                Role::RefundAgentOrOperator,
                tax_refunds().propose_refund_agent(a("0xa9")).unwrap(),
            ),
            (
                vec!["tax-refund", "agent", "propose", "0xa9"],
                Role::RefundAgentOrOperator,
                tax_refunds().propose_refund_agent(a("0xa9")).unwrap(),
            ),
            (
                vec!["tax-refund", "agent", "accept"],
                Role::ProposedRefundAgent,
                tax_refunds().accept_refund_agent().unwrap(),
            ),
            (
                vec!["tax-refund", "float", "fund", "--amount", "50000"],
                Role::YenHolder,
                coin().transfer(float, 50_000).unwrap(),
            ),
            (
                vec![
                    "tax-refund",
                    "float",
                    "withdraw",
                    "--to",
                    "0xa1",
                    "--amount",
                    "200",
                ],
                Role::RefundAgent,
                tax_refunds().withdraw_float(a("0xa1"), 200).unwrap(),
            ),
        ];
        for (args, role, expected) in cases {
            let (planned_role, call) = call_of(&args);
            assert_eq!(call, expected, "{args:?}");
            assert_eq!(planned_role, role, "{args:?}");
        }

        // Purge: the purchases in batches, each a purge_purchases of its own.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("purchases.txt");
        std::fs::write(&file, "# merchant order\n0xe1 TF-1\n0xe2 TF 2\n").unwrap();
        let Plan::Purge {
            records,
            keys,
            batch,
            only_due,
        } = plan_of(&[
            "tax-refund",
            "purge",
            "--purchase",
            "0xe0/TF-0",
            "--file",
            file.to_str().unwrap(),
            "--batch",
            "2",
            "--only-due",
        ])
        else {
            panic!("not a purge")
        };
        assert_eq!(records, plan::Records::Purchases);
        assert!(only_due);
        let order = |s: &str| OrderRef::new(s).unwrap();
        assert_eq!(
            keys,
            [
                (a("0xe0"), order("TF-0")),
                (a("0xe1"), order("TF-1")),
                (a("0xe2"), order("TF 2")),
            ]
        );
        let actions = plan::purge_actions(&Calls::new(a(PACKAGE)), records, &keys, batch).unwrap();
        assert_eq!(actions.len(), 2, "3 purchases in batches of 2");
        assert_eq!(actions[0].role, Role::Keeper);
        assert_eq!(
            actions[0].payload,
            TransactionPayload::EntryFunction(
                tax_refunds()
                    .purge_purchases(&[a("0xe0"), a("0xe1")], &[order("TF-0"), order("TF-1")])
                    .unwrap()
            )
        );
        assert!(
            actions[1].what.contains("past their claim window"),
            "{}",
            actions[1].what
        );

        for (args, read) in [
            (
                vec!["tax-refund", "show"],
                Read::TaxRefund {
                    check: false,
                    min_float: None,
                },
            ),
            (
                vec!["tax-refund", "show", "--check", "--min-float", "100000"],
                Read::TaxRefund {
                    check: true,
                    min_float: Some(100_000),
                },
            ),
            (
                vec!["tax-refund", "float", "show"],
                Read::TaxRefund {
                    check: false,
                    min_float: None,
                },
            ),
            (
                vec!["tax-refund", "purchase", "0xe1/TF-1"],
                Read::Purchase(a("0xe1"), order("TF-1")),
            ),
        ] {
            assert_eq!(plan_of(&args), Plan::Read(read), "{args:?}");
        }

        for (args, why) in [
            (vec!["tax-refund", "purge"], "--purchase"),
            (
                vec!["tax-refund", "purge", "--purchase", "0xe1"],
                "MERCHANT/ORDER_REF",
            ),
            (
                vec![
                    "tax-refund",
                    "purge",
                    "--purchase",
                    "0xe1/A",
                    "--batch",
                    "0",
                ],
                "--batch",
            ),
            (
                vec!["tax-refund", "purchase", "nothex/A"],
                "not an account address",
            ),
            (vec!["tax-refund", "show", "--check"], "--min-float"),
            (
                vec!["tax-refund", "float", "withdraw", "--amount", "5"],
                "--to",
            ),
            (
                vec!["tax-refund", "agent", "cancel"],
                "unrecognized subcommand",
            ),
        ] {
            let error = refusal(&args);
            assert!(
                error.to_lowercase().contains(&why.to_lowercase()),
                "{args:?}: {error}"
            );
        }
    }

    #[test]
    fn the_desk_s_and_the_agent_s_writes_go_to_a_multisig_as_any_other() {
        use yenpay_client::multisig;
        for args in [
            vec!["fx", "set-limits", "--per-quote", "1", "--daily", "2"],
            vec!["fx", "rate-keeper", "accept"],
            vec!["fx", "withdraw-usdc", "--to", "0xa1", "--usdc", "1"],
            vec!["tax-refund", "agent", "accept"],
            vec![
                "tax-refund",
                "float",
                "withdraw",
                "--to",
                "0xa1",
                "--amount",
                "1",
            ],
        ] {
            let Plan::Write(action) = plan_of(&args) else {
                panic!("{args:?}")
            };
            let TransactionPayload::EntryFunction(call) = action.payload.clone() else {
                panic!("{args:?}")
            };
            let proposal = plan::propose(action, a("0x5a"), Proposal::Full).unwrap();
            assert_eq!(proposal.role, Role::MultisigOwner, "{args:?}");
            assert_eq!(
                proposal.payload,
                TransactionPayload::EntryFunction(
                    multisig::create_transaction(a("0x5a"), &call).unwrap()
                ),
                "{args:?}"
            );
        }
    }

    #[test]
    fn package_commands() {
        assert_eq!(
            plan_of(&["package", "verify"]),
            Plan::Read(Read::PackageVerify(None))
        );
        for command in ["upgrade", "verify"] {
            let cli = parse(&["package", command, "--build-dir", "/nonexistent/YenPay"]).unwrap();
            let error = cli.plan(&Calls::new(a(PACKAGE))).unwrap_err();
            assert_eq!(exit::code(&error), exit::BAD_INPUT, "{command}");
            assert!(error.to_string().contains("cargo xtask build"), "{error}");
        }
    }

    #[test]
    fn bad_input_is_refused_with_the_reason() {
        for (args, why) in [
            (
                vec!["coin", "mint", "--to", "0xz", "--amount", "5"],
                "not an account address",
            ),
            (
                vec!["coin", "mint", "--to", "0x1", "--amount", "0"],
                "at least 1 yen",
            ),
            (
                vec!["coin", "mint", "--to", "0x1", "--amount", "-3"],
                "--amount",
            ),
            (
                vec![
                    "coin",
                    "seize",
                    "--to",
                    "0x1",
                    "--amount",
                    "5",
                    "--legal-order",
                    "x",
                ],
                "--from",
            ),
            (
                vec![
                    "coin",
                    "seize",
                    "--from",
                    "0x2",
                    "--to",
                    "0x1",
                    "--amount",
                    "5",
                    "--legal-order",
                    "",
                ],
                "legal",
            ),
            (
                vec![
                    "merchant",
                    "onboard",
                    "0xe1",
                    "--name",
                    "S",
                    "--mcc",
                    "58",
                    "--fee-bps",
                    "1",
                ],
                "mcc",
            ),
            (vec!["merchant", "fee", "0xe1", "1001"], "1000"),
            (vec!["invoices", "refund-window", "5"], "refund"),
            (
                vec!["invoices", "purge", "--invoice", "0xe1"],
                "MERCHANT/ORDER_REF",
            ),
            (vec!["invoices", "purge"], "--invoice"),
            (
                vec!["coin", "pause", "--private-key", "ed25519-priv-0x00"],
                "--private-key",
            ),
            (vec!["--network", "moonnet", "coin", "pause"], "moonnet"),
        ] {
            let error = parse(&args).unwrap_err().to_string();
            assert!(
                error.to_lowercase().contains(&why.to_lowercase()),
                "{args:?}: {error}"
            );
        }
    }
}
