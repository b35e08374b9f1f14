//! The console against a real node, through the built `yenpay` binary
//! (ignored by default; `cargo xtask e2e` runs it after the other suites, on
//! the same deployment, and leaves every role where it found it):
//!
//! - every role action once, each first tried by a wrong signer and refused
//!   by the chain with the abort's name (exit status 3);
//! - the admin and the pauser held by a 2-of-3 on-chain multisig
//!   (`0x1::multisig_account`): a pause and a package upgrade go through a
//!   proposal, a second owner's approval and execution, and one owner alone
//!   can do neither;
//! - the FX desk's and the tax refunds' roles (issue 29): each action once,
//!   refused first for a wrong signer, the rate keeper as a multisig.
//!
//! It needs `APTOS_NODE_URL` (and `APTOS_FAUCET_URL`), `YENPAY_PACKAGE` and
//! the deployer's key (`YENPAY_DEPLOYER_KEY_FILE`), who holds every role,
//! and the build in `move/build/YenPay` that was published (`cargo xtask e2e`
//! leaves it there).

mod console_node {
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output, Stdio};

    use anyhow::{Context, Result, bail, ensure};
    use aptos_sdk::transaction::{EntryFunction, TransactionPayload};
    use aptos_sdk::types::{AccountAddress, Identifier, MoveModuleId};
    use aptos_sdk::{Aptos, AptosConfig};
    use serde_json::Value;
    use yenpay_client::client::YenPay;
    use yenpay_client::types::limits::{OrderRef, Ttl};
    use yenpay_deploy::keys::{SecretKey, read_key_file, write_key_file};

    /// The node, the package, and a folder for key files.
    struct Console {
        url: String,
        package: String,
        aptos: Aptos,
        client: YenPay,
        dir: tempfile::TempDir,
    }

    /// An account with a key file.
    struct Actor {
        key: SecretKey,
        file: PathBuf,
        address: AccountAddress,
    }

    impl Actor {
        fn hex(&self) -> String {
            self.address.to_hex()
        }
    }

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    fn text(out: &Output) -> String {
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    impl Console {
        /// The node from the environment, or `None` with the reason printed.
        async fn from_env() -> Result<Option<Self>> {
            let Ok(url) = std::env::var("APTOS_NODE_URL") else {
                eprintln!("\n*** yenpay console e2e SKIPPED: APTOS_NODE_URL is not set ***\n");
                return Ok(None);
            };
            let package = std::env::var("YENPAY_PACKAGE")
                .context("YENPAY_PACKAGE (cargo xtask e2e sets it)")?;
            let faucet = std::env::var("APTOS_FAUCET_URL")
                .unwrap_or_else(|_| "http://127.0.0.1:8081".to_owned());
            let rest = format!("{}/v1", url.trim_end_matches('/').trim_end_matches("/v1"));
            let aptos = Aptos::new(AptosConfig::custom(&rest)?.with_faucet_url(&faucet)?)?;
            let client = YenPay::new(
                Aptos::new(AptosConfig::custom(&rest)?)?,
                AccountAddress::from_hex(&package)?,
            );
            Ok(Some(Self {
                url,
                package,
                aptos,
                client,
                dir: tempfile::tempdir()?,
            }))
        }

        /// A new funded account (`apt` octas), its key in a file.
        async fn actor(&self, name: &str, apt: u64) -> Result<Actor> {
            let key = SecretKey::generate();
            self.with_key(name, key, apt).await
        }

        async fn with_key(&self, name: &str, key: SecretKey, apt: u64) -> Result<Actor> {
            let file = write_key_file(&key, &self.dir.path().join(format!("{name}.key")))?;
            let address = key.account().address();
            if apt > 0 {
                yenpay_deploy::faucet::fund(&self.aptos, address, apt).await?;
            }
            Ok(Actor { key, file, address })
        }

        /// The deployer, who holds every role (`YENPAY_DEPLOYER_KEY_FILE`).
        async fn deployer(&self) -> Result<Actor> {
            let file = std::env::var("YENPAY_DEPLOYER_KEY_FILE")
                .context("YENPAY_DEPLOYER_KEY_FILE (cargo xtask e2e sets it)")?;
            self.with_key("deployer", read_key_file(Path::new(&file))?, 0)
                .await
        }

        /// `yenpay --json <args>` signed by `by` (or nothing).
        fn run(&self, by: Option<&Actor>, args: &[&str]) -> Output {
            let mut command = Command::new(env!("CARGO_BIN_EXE_yenpay"));
            command
                .current_dir(self.dir.path())
                .env("HOME", self.dir.path())
                .env_remove("YENPAY_PROFILE")
                .env_remove("YENPAY_KEY_FILE")
                .args(["--url", &self.url, "--package", &self.package, "--json"])
                .stdin(Stdio::null());
            if let Some(actor) = by {
                command.arg("--key-file").arg(&actor.file);
            }
            command.args(args).output().expect("the yenpay binary runs")
        }

        /// Runs and expects success; the JSON answer.
        fn ok(&self, by: &Actor, args: &[&str]) -> Result<Value> {
            let out = self.run(Some(by), args);
            ensure!(
                out.status.success(),
                "`yenpay {}` by {} failed ({}): {}",
                args.join(" "),
                by.hex(),
                out.status,
                text(&out)
            );
            Ok(serde_json::from_slice(&out.stdout).unwrap_or(Value::Null))
        }

        /// Runs and expects the chain to refuse it with the abort `name`.
        fn refused(&self, by: &Actor, args: &[&str], name: &str) -> Result<()> {
            let out = self.run(Some(by), args);
            let said = text(&out);
            ensure!(
                out.status.code() == Some(3) && said.contains(name),
                "`yenpay {}` by {} should be refused with {name} (exit 3), got {}: {said}",
                args.join(" "),
                by.hex(),
                out.status
            );
            Ok(())
        }

        /// Refused for `wrong` with `name`, then done by `right`.
        fn only(&self, right: &Actor, wrong: &Actor, args: &[&str], name: &str) -> Result<Value> {
            self.refused(wrong, args, name)?;
            self.ok(right, args)
        }
    }

    fn copy_dir(from: &Path, to: &Path) -> Result<()> {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            let target = to.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                copy_dir(&entry.path(), &target)?;
            } else {
                std::fs::copy(entry.path(), target)?;
            }
        }
        Ok(())
    }

    /// An indexer on loopback whose GraphQL answers that the holders hold `sum`.
    fn fake_indexer(sum: u128) -> String {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/v1/graphql", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                // The whole request (header and body) before answering.
                let mut request = Vec::new();
                let mut chunk = [0u8; 4096];
                while let Ok(n) = stream.read(&mut chunk) {
                    request.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
                    let complete = text.find("\r\n\r\n").is_some_and(|end| {
                        let length = text
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        request.len() >= end + 4 + length
                    });
                    if complete || n == 0 {
                        break;
                    }
                }
                let body = format!(
                    r#"{{"data":{{"current_fungible_asset_balances_aggregate":{{"aggregate":{{"count":3,"sum":{{"amount":{sum}}}}}}}}}}}"#
                );
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        url
    }

    #[tokio::test]
    #[ignore = "needs a node with the package: cargo xtask e2e"]
    async fn every_role_action_once_each_refused_for_a_wrong_signer() -> Result<()> {
        let Some(c) = Console::from_env().await? else {
            return Ok(());
        };
        let d = c.deployer().await?;
        let apt = 100_000_000;
        // Enough for an upgrade's gas limit: its refusal must be the chain's, not the fee check's.
        let s = c.actor("stranger", 20 * apt).await?;
        let pauser = c.actor("pauser", apt).await?;
        let denylister = c.actor("denylister", apt).await?;
        let master = c.actor("master-minter", apt).await?;
        let minter = c.actor("minter", apt).await?;
        let holder = c.actor("holder", apt).await?;
        let owner = c.actor("merchant", apt).await?;
        let terminal = c.actor("terminal", apt).await?;
        let admin2 = c.actor("admin2", apt).await?;
        let operator2 = c.actor("operator2", apt).await?;
        let keeper = c.actor("housekeeper", apt).await?;
        let (d_hex, s_hex) = (d.hex(), s.hex());

        // The admin's appointments.
        c.only(
            &d,
            &s,
            &["roles", "set-pauser", &pauser.hex()],
            "ENOT_ADMIN",
        )?;
        c.only(
            &d,
            &s,
            &["roles", "set-denylister", &denylister.hex()],
            "ENOT_ADMIN",
        )?;
        c.only(
            &d,
            &s,
            &["roles", "set-master-minter", &master.hex()],
            "ENOT_ADMIN",
        )?;
        let roles = c.ok(&s, &["roles"])?;
        ensure!(
            roles.to_string().contains(&pauser.hex()),
            "roles shows the new pauser: {roles}"
        );

        // Pause and unpause: the deployer is no longer the pauser.
        c.only(&pauser, &d, &["coin", "pause"], "ENOT_PAUSER")?;
        c.only(&pauser, &s, &["coin", "unpause"], "ENOT_PAUSER")?;

        // Minters, mint and burn.
        let minter_hex = minter.hex();
        c.only(
            &master,
            &s,
            &["coin", "minter", "add", &minter_hex, "--allowance", "10000"],
            "ENOT_MASTER_MINTER",
        )?;
        c.only(
            &master,
            &s,
            &["coin", "minter", "allowance", &minter_hex, "--set", "9000"],
            "ENOT_MASTER_MINTER",
        )?;
        let holder_hex = holder.hex();
        c.only(
            &minter,
            &s,
            &["coin", "mint", "--to", &holder_hex, "--amount", "1000"],
            "ENOT_MINTER",
        )?;
        c.ok(
            &minter,
            &["coin", "mint", "--to", &minter_hex, "--amount", "100"],
        )?;
        c.only(
            &minter,
            &s,
            &["coin", "burn", "--amount", "40"],
            "ENOT_MINTER",
        )?;

        // The denylist and a seizure.
        c.only(
            &denylister,
            &s,
            &["coin", "denylist", "add", &holder_hex],
            "ENOT_DENYLISTER",
        )?;
        c.only(
            &d,
            &s,
            &[
                "coin",
                "seize",
                "--from",
                &holder_hex,
                "--to",
                &d_hex,
                "--amount",
                "300",
                "--legal-order",
                "TOKYO-DC-2026-1",
            ],
            "ENOT_ADMIN",
        )?;
        c.only(
            &denylister,
            &s,
            &["coin", "denylist", "remove", &holder_hex],
            "ENOT_DENYLISTER",
        )?;

        // The admin's settings: cap, metadata, an approved store.
        c.only(&d, &s, &["coin", "cap", "set", "1000000"], "ENOT_ADMIN")?;
        c.only(
            &d,
            &s,
            &[
                "coin",
                "metadata",
                "--icon-uri",
                "https://yenpay.example/icon.png",
                "--project-uri",
                "https://yenpay.example",
            ],
            "ENOT_ADMIN",
        )?;
        let store = AccountAddress::from_hex("0x5107e")?.to_hex();
        c.only(&d, &s, &["coin", "store", "approve", &store], "ENOT_ADMIN")?;
        c.only(&d, &s, &["coin", "store", "revoke", &store], "ENOT_ADMIN")?;
        // A hold's seizure (issue 27) is the admin's: a stranger is refused
        // first, the admin then by the chain's own check (no such hold).
        let no_hold = format!("{s_hex}/NO-SUCH-HOLD");
        let seize = [
            "hold",
            "seize",
            no_hold.as_str(),
            "--to",
            d_hex.as_str(),
            "--legal-order",
            "Tokyo District Court 2026-1",
        ];
        c.refused(&s, &seize, "ENOT_ADMIN")?;
        c.refused(&d, &seize, "EHOLD_NOT_FOUND")?;

        // The registry: onboard, fee, suspend, reactivate; the owner's payout and terminals.
        let owner_hex = owner.hex();
        c.only(
            &d,
            &s,
            &[
                "merchant",
                "onboard",
                &owner_hex,
                "--name",
                "CONSOLE CAFE",
                "--mcc",
                "5814",
                "--fee-bps",
                "120",
            ],
            "ENOT_OPERATOR",
        )?;
        c.only(
            &d,
            &s,
            &["merchant", "fee", &owner_hex, "150"],
            "ENOT_OPERATOR",
        )?;
        c.only(
            &d,
            &s,
            &["merchant", "suspend", &owner_hex, "--reason", "7"],
            "ENOT_OPERATOR",
        )?;
        c.only(
            &d,
            &s,
            &["merchant", "reactivate", &owner_hex],
            "ENOT_OPERATOR",
        )?;
        c.only(
            &owner,
            &s,
            &["merchant", "payout", &owner_hex],
            "ENOT_MERCHANT_OWNER",
        )?;
        let terminal_hex = terminal.hex();
        c.only(
            &owner,
            &s,
            &["merchant", "terminal", "add", &terminal_hex],
            "ENOT_MERCHANT_OWNER",
        )?;
        let shown = c.ok(&s, &["merchant", "show", &owner_hex])?;
        ensure!(
            shown.to_string().contains(&terminal_hex),
            "the record lists the terminal: {shown}"
        );

        // An invoice that will be purgeable (cancelled; 30 s expiry) for the housekeeper.
        let order = OrderRef::new(format!("CONSOLE-{}", &owner_hex[2..10]))?;
        c.client
            .invoice()
            .create_invoice(
                &terminal.key.account(),
                owner.address,
                &order,
                500,
                Ttl::from_secs(30)?,
            )
            .await?;
        c.client
            .invoice()
            .cancel_invoice(&terminal.key.account(), owner.address, &order)
            .await?;
        c.only(
            &owner,
            &s,
            &["merchant", "terminal", "remove", &terminal_hex],
            "ENOT_MERCHANT_OWNER",
        )?;

        // The operator's settings: refund window, housekeeper; the treasury.
        c.only(
            &d,
            &s,
            &["invoices", "refund-window", "604800"],
            "ENOT_OPERATOR",
        )?;
        c.only(
            &d,
            &s,
            &["invoices", "housekeeper", "set", &keeper.hex()],
            "ENOT_OPERATOR",
        )?;
        let treasury = c.ok(&s, &["treasury", "show"])?;
        if treasury["balance"].as_u64().unwrap_or(0) > 0 {
            c.only(
                &d,
                &s,
                &["treasury", "sweep", "--to", &d_hex, "--amount", "1"],
                "ENOT_OPERATOR",
            )?;
        } else {
            c.refused(
                &s,
                &["treasury", "sweep", "--to", &d_hex, "--amount", "1"],
                "ENOT_OPERATOR",
            )?;
        }

        // The operator role: two steps, and the admin's replacement of a
        // lost operator (refused while the operator is not denylisted).
        c.only(
            &d,
            &s,
            &["operator", "transfer", &operator2.hex()],
            "ENOT_OPERATOR",
        )?;
        c.only(
            &operator2,
            &s,
            &["operator", "accept"],
            "ENOT_PENDING_OPERATOR",
        )?;
        c.only(
            &operator2,
            &s,
            &["operator", "transfer", &d_hex],
            "ENOT_OPERATOR",
        )?;
        c.ok(&d, &["operator", "accept"])?;
        c.only(
            &d,
            &s,
            &["operator", "transfer", &operator2.hex()],
            "ENOT_OPERATOR",
        )?;
        c.only(&d, &s, &["operator", "cancel"], "ENOT_OPERATOR")?;
        c.refused(&s, &["operator", "replace", &operator2.hex()], "ENOT_ADMIN")?;
        c.refused(
            &d,
            &["operator", "replace", &operator2.hex()],
            "EOPERATOR_NOT_DENYLISTED",
        )?;

        // The admin role: two steps there and back, and a cancelled proposal.
        c.only(&d, &s, &["admin", "transfer", &admin2.hex()], "ENOT_ADMIN")?;
        c.only(&admin2, &s, &["admin", "accept"], "ENOT_PENDING_ADMIN")?;
        c.only(&admin2, &d, &["admin", "transfer", &d_hex], "ENOT_ADMIN")?;
        c.ok(&d, &["admin", "accept"])?;
        c.only(&d, &s, &["admin", "transfer", &s_hex], "ENOT_ADMIN")?;
        c.only(&d, &s, &["admin", "cancel"], "ENOT_ADMIN")?;

        // The package: upgraded by the admin alone with the build that is on chain.
        let build = root().join("move/build/YenPay");
        let build = build.to_str().unwrap();
        c.only(
            &d,
            &s,
            &["--assume-yes", "package", "upgrade", "--build-dir", build],
            "ENOT_ADMIN",
        )?;
        c.ok(&s, &["package", "verify"])?;
        // The code on chain is the build's, byte for byte; a build with one byte changed is not.
        let verified = c.ok(&s, &["package", "verify", "--build-dir", build])?;
        ensure!(
            verified.to_string().contains("byte for byte"),
            "the bytecode was compared: {verified}"
        );
        let tampered = c.dir.path().join("tampered");
        copy_dir(Path::new(build), &tampered)?;
        let invoice = tampered.join("bytecode_modules/invoice.mv");
        let mut code = std::fs::read(&invoice)?;
        *code.last_mut().unwrap() ^= 1;
        std::fs::write(&invoice, code)?;
        let out = c.run(
            Some(&s),
            &[
                "package",
                "verify",
                "--build-dir",
                tampered.to_str().unwrap(),
            ],
        );
        ensure!(
            // A failed verification exits 3, as every check of `package verify` does.
            out.status.code() == Some(3) && text(&out).contains("module invoice on chain"),
            "a changed build passed verification: {}",
            text(&out)
        );

        // Supply against what an indexer says the holders hold.
        let supply: u128 = c.ok(&s, &["supply"])?["total_supply"]
            .to_string()
            .trim_matches('"')
            .parse()
            .context("supply")?;
        let agrees = fake_indexer(supply);
        let checked = c.ok(&s, &["coin", "status", "--check-indexer", &agrees])?;
        ensure!(checked["matches"] == true, "{checked}");
        let disagrees = fake_indexer(supply + 1);
        let out = c.run(Some(&s), &["coin", "status", "--check-indexer", &disagrees]);
        ensure!(
            out.status.code() == Some(1) && text(&out).contains("is not the"),
            "a wrong sum passed: {}",
            text(&out)
        );

        // Purge, once the cancelled invoice's expiry has passed; then the housekeeper goes.
        let invoice = format!("{owner_hex}/{}", order.as_str());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !c
            .client
            .invoice()
            .is_purgeable(owner.address, &order)
            .await?
        {
            if std::time::Instant::now() > deadline {
                bail!("the cancelled invoice never became purgeable");
            }
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        }
        c.only(
            &keeper,
            &s,
            &["invoices", "purge", "--invoice", &invoice],
            "ENOT_HOUSEKEEPER",
        )?;
        // Holds' purge: the operator's or the housekeeper's as well.
        let purge_hold = ["hold", "purge", "--hold", no_hold.as_str()];
        c.refused(&s, &purge_hold, "ENOT_HOUSEKEEPER")?;
        c.refused(&keeper, &purge_hold, "EHOLD_NOT_FOUND")?;
        c.only(
            &d,
            &s,
            &["invoices", "housekeeper", "remove"],
            "ENOT_OPERATOR",
        )?;

        // Closing is for good: last.
        c.only(&d, &s, &["merchant", "close", &owner_hex], "ENOT_OPERATOR")?;
        c.only(
            &minter,
            &s,
            &["coin", "burn", "--amount", "10"],
            "ENOT_MINTER",
        )?;
        c.only(
            &master,
            &s,
            &["coin", "minter", "remove", &minter_hex],
            "ENOT_MASTER_MINTER",
        )?;

        // The roles go back to the deployer for the suites that follow.
        for role in ["set-pauser", "set-denylister", "set-master-minter"] {
            c.ok(&d, &["roles", role, &d_hex])?;
        }
        Ok(())
    }

    /// The JSON number at `pointer` of `json`.
    fn number(json: &Value, pointer: &str) -> Result<u64> {
        json.pointer(pointer)
            .and_then(|value| match value {
                Value::Number(n) => n.as_u64(),
                Value::String(text) => text.parse().ok(),
                _ => None,
            })
            .with_context(|| format!("no number at {pointer} in {json}"))
    }

    /// The FX desk's and the tax refunds' roles (issue 29), as the deployment
    /// leaves them (every role the deployer's), each action once through the
    /// binary, first refused for a wrong signer by name: the desk configured
    /// (USDC set once, limits and policies set and put back), the reference
    /// set by hand (a typo stopped before signing), the desk funded and
    /// emptied of yen and USDC, the quote signer and the rate keeper handed
    /// over and back in two steps (a proposal cancelled), the refund agent
    /// likewise, its float funded and withdrawn, a purchase's refund read,
    /// its purge refused while its claim window is open; the rate keeper as
    /// a 2-of-2 multisig (its acceptance, a rate and its hand-back each a
    /// proposal one owner cannot execute alone); and a deployments file of
    /// another chain refused before anything is signed.
    #[tokio::test]
    #[ignore = "needs a node with the package: cargo xtask e2e"]
    async fn the_fx_desk_and_the_refund_agent_each_refused_for_a_wrong_signer() -> Result<()> {
        use yenpay_client::address::{from_sdk, signing_key};
        let Some(c) = Console::from_env().await? else {
            return Ok(());
        };
        let d = c.deployer().await?;
        let apt = 100_000_000;
        let s = c.actor("fx-stranger", apt).await?;
        let signer2 = c.actor("quote-signer", apt).await?;
        let keeper2 = c.actor("rate-keeper", apt).await?;
        let agent = c.actor("refund-agent", apt).await?;
        let holder = c.actor("yen-holder", apt).await?;
        let owner = c.actor("tax-free-shop", apt).await?;
        let terminal = c.actor("tax-free-terminal", apt).await?;
        let (d_hex, s_hex) = (d.hex(), s.hex());
        let package = AccountAddress::from_hex(&c.package)?;
        let fx = c.client.fx();

        // The desk as the deployment set it up: the view's address is the derived one.
        let desk = c.ok(&s, &["fx", "show"])?;
        let desk_address = yenpay_client::fx::derive_desk_address(package);
        ensure!(desk["desk"] == desk_address.to_hex(), "{desk}");
        let usdc = desk["usdc"]
            .as_str()
            .context("the deployment configures the desk's USDC")?
            .to_owned();
        let usdc_address = AccountAddress::from_hex(&usdc)?;

        // USDC is set once: a stranger is refused, and so is the operator now.
        let configure = ["fx", "configure-usdc", usdc.as_str()];
        c.refused(&s, &configure, "ENOT_OPERATOR")?;
        c.refused(&d, &configure, "EUSDC_ALREADY_SET")?;

        // Limits and policies: the operator's; put back as they were.
        let (per_quote, daily) = (
            number(&desk, "/limits/per_quote_yen")?.to_string(),
            number(&desk, "/limits/daily_yen")?.to_string(),
        );
        c.only(
            &d,
            &s,
            &[
                "fx",
                "set-limits",
                "--per-quote",
                "5000",
                "--daily",
                "50000",
            ],
            "ENOT_OPERATOR",
        )?;
        ensure!(fx.limits().await? == (5_000, 50_000), "the limits changed");
        c.ok(
            &d,
            &[
                "fx",
                "set-limits",
                "--per-quote",
                &per_quote,
                "--daily",
                &daily,
            ],
        )?;
        let policy = |name: &str| -> Result<(String, String)> {
            Ok((
                number(&desk, &format!("/policies/{name}/max_deviation_bps"))?.to_string(),
                number(&desk, &format!("/policies/{name}/max_staleness_secs"))?.to_string(),
            ))
        };
        let ((open_bps, open_age), (closed_bps, closed_age)) = (policy("open")?, policy("closed")?);
        c.only(
            &d,
            &s,
            &[
                "fx",
                "set-policies",
                "--open-deviation-bps",
                "200",
                "--open-max-age-secs",
                "600",
                "--closed-deviation-bps",
                "400",
                "--closed-max-age-secs",
                "259200",
            ],
            "ENOT_OPERATOR",
        )?;
        ensure!(
            fx.rate_policy(false).await? == (200, 600),
            "the open policy changed"
        );
        c.ok(
            &d,
            &[
                "fx",
                "set-policies",
                "--open-deviation-bps",
                &open_bps,
                "--open-max-age-secs",
                &open_age,
                "--closed-deviation-bps",
                &closed_bps,
                "--closed-max-age-secs",
                &closed_age,
            ],
        )?;

        // The reference by hand: the rate keeper's; a typo stops before signing.
        c.only(&d, &s, &["fx", "set-rate", "151.5"], "ENOT_RATE_KEEPER")?;
        ensure!(
            fx.reference_rate().await?.0 == 151_500_000,
            "the reference is set"
        );
        let typo = c.run(Some(&d), &["fx", "set-rate", "1515"]);
        ensure!(
            typo.status.code() == Some(2) && text(&typo).contains("--allow-jump"),
            "a tenfold rate was not stopped: {}",
            text(&typo)
        );
        let stale = c.run(Some(&d), &["fx", "set-rate", "151.4", "--observed-at", "1"]);
        ensure!(
            stale.status.code() == Some(3)
                && text(&stale).contains("EINVALID_OBSERVATION_TIME")
                && text(&stale).contains("\"hint\""),
            "an older observation was not refused with a hint: {}",
            text(&stale)
        );
        ensure!(
            fx.reference_rate().await?.0 == 151_500_000,
            "the typo changed nothing"
        );
        // The fresh reference as `fx show` tells it, and its alarm for a low inventory.
        let shown = c.ok(&s, &["fx", "show"])?;
        let (low, high) = (
            number(&shown, "/rate_band/0")?,
            number(&shown, "/rate_band/1")?,
        );
        ensure!(
            number(&shown, "/reference_rate")? == 151_500_000
                && shown["reference_fresh"] == true
                && low < 151_500_000
                && 151_500_000 < high
                && shown["roles"]["quote_key_current"] == true
                && shown["alarms"] == serde_json::json!([]),
            "fx show after a fresh rate: {shown}"
        );
        let low_desk = c.run(
            Some(&s),
            &["fx", "show", "--check", "--min-yen", "1000000000000"],
        );
        let document: Value = serde_json::from_slice(&low_desk.stdout)
            .context("one JSON document, the alarm in it")?;
        ensure!(
            low_desk.status.code() == Some(1)
                && document["alarms"][0]
                    .as_str()
                    .is_some_and(|alarm| alarm.contains("fx fund")),
            "a low desk is an alarm: {}",
            text(&low_desk)
        );

        // Yen for the holder: the deployer is master minter and minter.
        c.ok(
            &d,
            &["coin", "minter", "add", &d_hex, "--allowance", "20000"],
        )?;
        c.ok(
            &d,
            &["coin", "mint", "--to", &holder.hex(), "--amount", "20000"],
        )?;

        // The desk's yen: funded by a plain transfer, withdrawn by the operator.
        let before = fx.yen_inventory().await?;
        c.ok(&holder, &["fx", "fund", "--amount", "2000"])?;
        ensure!(
            fx.yen_inventory().await? == before + 2_000,
            "the desk was funded"
        );
        c.only(
            &d,
            &s,
            &["fx", "withdraw-yen", "--to", &d_hex, "--amount", "500"],
            "ENOT_OPERATOR",
        )?;
        let too_much = (before + 1_501).to_string();
        c.refused(
            &d,
            &["fx", "withdraw-yen", "--to", &d_hex, "--amount", &too_much],
            "EINSUFFICIENT_INVENTORY",
        )?;
        // The desk's USDC: the deployer holds the local test USDC; 2 in, 1.5 out.
        let pay_in = TransactionPayload::EntryFunction(yenpay_client::fx::transfer_asset(
            usdc_address,
            desk_address,
            2_000_000,
        )?);
        let done = c
            .aptos
            .sign_submit_and_wait(&d.key.account(), pay_in, None)
            .await?
            .into_inner();
        ensure!(done["success"] == true, "USDC into the desk: {done}");
        let usdc_before = fx.usdc_balance().await?;
        c.only(
            &d,
            &s,
            &["fx", "withdraw-usdc", "--to", &d_hex, "--usdc", "1.5"],
            "ENOT_OPERATOR",
        )?;
        ensure!(
            fx.usdc_balance().await? == usdc_before - 1_500_000,
            "1.5 USDC left the desk"
        );

        // The quote signer: there and back in two steps; a proposal cancelled.
        c.only(
            &d,
            &s,
            &["fx", "quote-signer", "transfer", &signer2.hex()],
            "ENOT_QUOTE_SIGNER",
        )?;
        c.only(
            &signer2,
            &s,
            &["fx", "quote-signer", "accept"],
            "ENOT_PENDING_QUOTE_SIGNER",
        )?;
        ensure!(fx.quote_signer().await? == signer2.address);
        c.only(
            &signer2,
            &s,
            &["fx", "quote-signer", "propose", &d_hex],
            "ENOT_QUOTE_SIGNER",
        )?;
        c.ok(&d, &["fx", "quote-signer", "accept"])?;
        c.refused(&d, &["fx", "quote-signer", "cancel"], "ENO_PENDING")?;
        c.ok(&d, &["fx", "quote-signer", "transfer", &signer2.hex()])?;
        c.only(
            &d,
            &s,
            &["fx", "quote-signer", "cancel"],
            "ENOT_QUOTE_SIGNER",
        )?;
        ensure!(fx.pending_quote_signer().await?.is_none(), "cancelled");

        // The rate keeper: while another holds it, the operator proposes and
        // cancels but cannot set the rate.
        c.only(
            &d,
            &s,
            &["fx", "rate-keeper", "transfer", &keeper2.hex()],
            "ENOT_RATE_KEEPER",
        )?;
        let shown = c.ok(&s, &["fx", "show"])?;
        ensure!(
            shown["roles"]["pending_rate_keeper"] == keeper2.hex(),
            "fx show names the proposed keeper: {shown}"
        );
        c.only(
            &keeper2,
            &s,
            &["fx", "rate-keeper", "accept"],
            "ENOT_PENDING_RATE_KEEPER",
        )?;
        c.only(
            &keeper2,
            &d,
            &["fx", "set-rate", "151.6"],
            "ENOT_RATE_KEEPER",
        )?;
        c.only(
            &keeper2,
            &s,
            &["fx", "rate-keeper", "transfer", &s_hex],
            "ENOT_RATE_KEEPER",
        )?;
        c.only(&d, &s, &["fx", "rate-keeper", "cancel"], "ENOT_RATE_KEEPER")?;
        c.ok(&keeper2, &["fx", "rate-keeper", "transfer", &d_hex])?;
        c.only(
            &d,
            &s,
            &["fx", "rate-keeper", "accept"],
            "ENOT_PENDING_RATE_KEEPER",
        )?;
        ensure!(fx.rate_keeper().await? == d.address, "the keeper is back");

        // The refund agent: there and back; its float funded and withdrawn.
        let refunds = c.client.tax_refunds();
        c.only(
            &d,
            &s,
            &["tax-refund", "agent", "transfer", &agent.hex()],
            "ENOT_REFUND_AGENT",
        )?;
        let shown = c.ok(&s, &["tax-refund", "show"])?;
        ensure!(
            shown["pending_refund_agent"] == agent.hex(),
            "tax-refund show names the proposed agent: {shown}"
        );
        c.only(
            &agent,
            &s,
            &["tax-refund", "agent", "accept"],
            "ENOT_PENDING_REFUND_AGENT",
        )?;
        let float_before = refunds.float_balance().await?;
        c.ok(
            &holder,
            &["tax-refund", "float", "fund", "--amount", "1000"],
        )?;
        ensure!(
            refunds.float_balance().await? == float_before + 1_000,
            "funded"
        );
        let agent_hex = agent.hex();
        c.only(
            &agent,
            &d,
            &[
                "tax-refund",
                "float",
                "withdraw",
                "--to",
                &agent_hex,
                "--amount",
                "400",
            ],
            "ENOT_REFUND_AGENT",
        )?;
        let too_much = (float_before + 601).to_string();
        c.refused(
            &agent,
            &[
                "tax-refund",
                "float",
                "withdraw",
                "--to",
                &agent_hex,
                "--amount",
                &too_much,
            ],
            "EINSUFFICIENT_FLOAT",
        )?;
        c.only(
            &agent,
            &s,
            &["tax-refund", "agent", "propose", &d_hex],
            "ENOT_REFUND_AGENT",
        )?;
        c.ok(&d, &["tax-refund", "agent", "accept"])?;
        ensure!(
            refunds.refund_agent().await? == d.address,
            "the agent is back"
        );

        // A tax-free purchase of ¥11,000 with ¥1,000 of tax: its refund read,
        // its purge refused while the claim window is open. A tax-free code
        // needs a refund window of at least the 90-day claim window (the
        // suite's first case leaves a week): 180 days meanwhile.
        let window = c.client.invoice().refund_window().await?;
        c.ok(&d, &["invoices", "refund-window", "15552000"])?;
        let owner_hex = owner.hex();
        c.ok(
            &d,
            &[
                "merchant",
                "onboard",
                &owner_hex,
                "--name",
                "TAX FREE SHOP",
                "--mcc",
                "5311",
                "--fee-bps",
                "300",
            ],
        )?;
        c.ok(&owner, &["merchant", "terminal", "add", &terminal.hex()])?;
        let order = OrderRef::new(format!("TF-{}", &owner_hex[2..10]))?;
        let expires_at = yenpay_console_chain_now(&c).await? + 300;
        let offer = refunds
            .offer(
                owner.address,
                terminal.address,
                &order,
                11_000,
                expires_at,
                1_000,
                0,
                true,
            )
            .await?
            .sign(
                from_sdk(package),
                &signing_key(terminal.key.account().private_key()),
            )?;
        refunds.pay_offer(&holder.key.account(), &offer).await?;
        let purchase = format!("{owner_hex}/{}", order.as_str());
        let read = c.ok(&s, &["tax-refund", "purchase", &purchase])?;
        ensure!(
            read["status"] == "CLAIMABLE"
                && number(&read, "/refundable")? == 1_000
                && read["payer"] == holder.hex(),
            "the purchase's refund: {read}"
        );
        let purge = ["tax-refund", "purge", "--purchase", purchase.as_str()];
        c.refused(&s, &purge, "ENOT_HOUSEKEEPER")?;
        c.refused(&d, &purge, "ECLAIM_WINDOW_OPEN")?;
        let due: Vec<&str> = purge.iter().copied().chain(["--only-due"]).collect();
        let none = c.ok(&d, &due)?;
        ensure!(
            none["transactions"] == serde_json::json!([]),
            "nothing due: {none}"
        );
        let missing = format!("{owner_hex}/NO-SUCH-PURCHASE");
        c.refused(
            &s,
            &["tax-refund", "purchase", &missing],
            "EPURCHASE_NOT_FOUND",
        )?;
        c.ok(&d, &["invoices", "refund-window", &window.to_string()])?;

        // The rate keeper as a 2-of-2 multisig: its acceptance and a rate,
        // each a proposal one owner cannot execute alone.
        let (o1, o2) = (
            c.actor("keeper-owner1", 1_000_000_000).await?,
            c.actor("keeper-owner2", 1_000_000_000).await?,
        );
        let ms = multisig_of(&c, &o1, &[&o2], 2).await?;
        let ms_hex = ms.to_hex();
        let ms_arg = ms_hex.as_str();
        c.ok(&d, &["fx", "rate-keeper", "transfer", ms_arg])?;
        c.ok(&o1, &["--multisig", ms_arg, "fx", "rate-keeper", "accept"])?;
        let alone = c.run(Some(&o1), &["multisig", "execute", ms_arg]);
        ensure!(
            !alone.status.success() && fx.rate_keeper().await? == d.address,
            "one owner took the role: {}",
            text(&alone)
        );
        c.ok(&o2, &["multisig", "approve", ms_arg, "1"])?;
        c.ok(&o2, &["multisig", "execute", ms_arg])?;
        ensure!(fx.rate_keeper().await? == ms, "the multisig keeps the rate");
        c.refused(&o1, &["fx", "set-rate", "151.7"], "ENOT_RATE_KEEPER")?;
        c.ok(&o1, &["--multisig", ms_arg, "fx", "set-rate", "151.7"])?;
        c.ok(&o2, &["multisig", "approve", ms_arg, "2"])?;
        c.ok(&o1, &["multisig", "execute", ms_arg])?;
        ensure!(
            fx.reference_rate().await?.0 == 151_700_000,
            "the multisig set the rate"
        );
        c.ok(
            &o2,
            &[
                "--multisig",
                ms_arg,
                "fx",
                "rate-keeper",
                "transfer",
                &d_hex,
            ],
        )?;
        c.ok(&o1, &["multisig", "approve", ms_arg, "3"])?;
        c.ok(&o1, &["multisig", "execute", ms_arg])?;
        c.ok(&d, &["fx", "rate-keeper", "accept"])?;
        ensure!(fx.rate_keeper().await? == d.address, "the keeper is back");

        // A deployments file of another chain: refused before any transaction.
        let recorded = root().join("deployments/local.json");
        if let Ok(file) = std::fs::read_to_string(&recorded) {
            let mut record: Value = serde_json::from_str(&file)?;
            record["chain_id"] = Value::from(99);
            let other = tempfile::tempdir()?;
            std::fs::create_dir(other.path().join("deployments"))?;
            std::fs::write(
                other.path().join("deployments/local.json"),
                serde_json::to_string(&record)?,
            )?;
            for args in [
                vec!["fx", "show"],
                vec!["fx", "set-rate", "151.5"],
                vec![
                    "tax-refund",
                    "float",
                    "withdraw",
                    "--to",
                    &d_hex,
                    "--amount",
                    "1",
                ],
            ] {
                let out = Command::new(env!("CARGO_BIN_EXE_yenpay"))
                    .current_dir(other.path())
                    .env("HOME", other.path())
                    .env_remove("YENPAY_PACKAGE")
                    .env_remove("YENPAY_NETWORK")
                    .env_remove("YENPAY_PROFILE")
                    .args(["--url", &c.url, "--key-file"])
                    .arg(&d.file)
                    .args(&args)
                    .stdin(Stdio::null())
                    .output()?;
                ensure!(
                    out.status.code() == Some(2) && text(&out).contains("was recorded on chain 99"),
                    "{args:?} on the wrong chain: {}",
                    text(&out)
                );
            }
        } else {
            eprintln!(
                "no {} here: the wrong-chain refusal is not tried",
                recorded.display()
            );
        }
        Ok(())
    }

    /// The chain's time, Unix seconds.
    async fn yenpay_console_chain_now(c: &Console) -> Result<u64> {
        let info = c.client.aptos().ledger_info().await?;
        Ok(info.ledger_timestamp.parse::<u64>()? / 1_000_000)
    }

    /// Creates a k-of-n `0x1::multisig_account` with `creator` and `others` as owners.
    async fn multisig_of(
        c: &Console,
        creator: &Actor,
        others: &[&Actor],
        required: u64,
    ) -> Result<AccountAddress> {
        let next = c
            .aptos
            .view(
                "0x1::multisig_account::get_next_multisig_account_address",
                vec![],
                vec![Value::String(creator.hex())],
            )
            .await?;
        let address = AccountAddress::from_hex(
            next.first()
                .and_then(Value::as_str)
                .context("the next multisig address")?,
        )?;
        let owners: Vec<AccountAddress> = others.iter().map(|o| o.address).collect();
        let create = EntryFunction::new(
            MoveModuleId::new(AccountAddress::ONE, Identifier::new("multisig_account")?),
            "create_with_owners",
            vec![],
            vec![
                aptos_bcs::to_bytes(&owners)?,
                aptos_bcs::to_bytes(&required)?,
                aptos_bcs::to_bytes(&Vec::<String>::new())?,
                aptos_bcs::to_bytes(&Vec::<Vec<u8>>::new())?,
            ],
        );
        let done = c
            .aptos
            .sign_submit_and_wait(
                &creator.key.account(),
                TransactionPayload::EntryFunction(create),
                None,
            )
            .await?
            .into_inner();
        ensure!(done["success"] == true, "creating the multisig: {done}");
        Ok(address)
    }

    /// The package's upgrade number (`0x1::code::PackageRegistry`).
    async fn upgrades(c: &Console) -> Result<u64> {
        let registry = c
            .aptos
            .fullnode()
            .get_account_resource(
                AccountAddress::from_hex(&c.package)?,
                "0x1::code::PackageRegistry",
            )
            .await?
            .into_inner();
        registry.data["packages"][0]["upgrade_number"]
            .as_str()
            .and_then(|n| n.parse().ok())
            .with_context(|| format!("the package registry: {:?}", registry.data))
    }

    #[tokio::test]
    #[ignore = "needs a node with the package: cargo xtask e2e"]
    async fn the_admin_and_the_pauser_as_a_2_of_3_multisig() -> Result<()> {
        let Some(c) = Console::from_env().await? else {
            return Ok(());
        };
        let d = c.deployer().await?;
        // The SDK's default gas limit for creating the multisig wants more than one APT.
        let apt = 1_000_000_000;
        let (o1, o2, o3) = (
            c.actor("owner1", apt).await?,
            c.actor("owner2", apt).await?,
            c.actor("owner3", apt).await?,
        );
        let ms = multisig_of(&c, &o1, &[&o2, &o3], 2).await?;
        let ms_hex = ms.to_hex();
        let ms_arg = ms_hex.as_str();
        let controls = c.client.controls();

        // The multisig becomes the pauser, and the admin once it accepts, by proposal.
        c.ok(&d, &["roles", "set-pauser", ms_arg])?;
        c.ok(&d, &["admin", "transfer", ms_arg])?;
        c.ok(&o1, &["--multisig", ms_arg, "admin", "accept"])?;
        c.ok(&o2, &["multisig", "approve", ms_arg, "1"])?;
        c.ok(&o2, &["multisig", "execute", ms_arg])?;
        ensure!(controls.admin().await? == ms, "the multisig is the admin");

        // A pause: no owner alone, neither directly nor by its own proposal.
        c.refused(&o1, &["coin", "pause"], "ENOT_PAUSER")?;
        c.ok(&o1, &["--multisig", ms_arg, "coin", "pause"])?;
        let alone = c.run(Some(&o1), &["multisig", "execute", ms_arg]);
        ensure!(
            !alone.status.success() && !controls.is_paused().await?,
            "one approval executed a pause: {}",
            text(&alone)
        );
        c.ok(&o2, &["multisig", "approve", ms_arg, "2"])?;
        c.ok(&o1, &["multisig", "execute", ms_arg])?;
        ensure!(controls.is_paused().await?, "paused by two owners");
        c.ok(&o3, &["--multisig", ms_arg, "coin", "unpause"])?;
        c.ok(&o1, &["multisig", "approve", ms_arg, "3"])?;
        c.ok(&o3, &["multisig", "execute", ms_arg])?;
        ensure!(!controls.is_paused().await?, "unpaused by two owners");

        // A package upgrade: too large to store in a proposal, so by its hash;
        // the execution carries the code. Over one transaction's size it is
        // one proposal per step (a discard, each chunk, the publish), each
        // approved and executed in turn.
        let build = root().join("move/build/YenPay");
        let steps = yenpay_deploy::publish::CompiledPackage::from_build_dir(&build)?
            .upgrade_steps(AccountAddress::from_hex(&c.package)?)?
            .len() as u64;
        let build = build.to_str().unwrap();
        let upgrade = ["package", "upgrade", "--build-dir", build];
        c.refused(&o1, &upgrade, "ENOT_ADMIN")?;
        let hashed: Vec<&str> = ["--multisig", ms_arg, "--hash-only"]
            .into_iter()
            .chain(upgrade)
            .collect();
        c.ok(&o1, &hashed)?;
        let executing: Vec<&str> = ["--multisig", ms_arg, "--execute-proposal"]
            .into_iter()
            .chain(upgrade)
            .collect();
        let alone = c.run(Some(&o1), &executing);
        ensure!(
            !alone.status.success(),
            "one approval executed an upgrade: {}",
            text(&alone)
        );
        for proposal in 4..4 + steps {
            c.ok(&o3, &["multisig", "approve", ms_arg, &proposal.to_string()])?;
        }
        let before = upgrades(&c).await?;
        c.ok(&o3, &executing)?;
        ensure!(
            upgrades(&c).await? == before + 1,
            "the upgrade ran as the multisig"
        );

        // Back to the deployer: the multisig proposes it, the deployer accepts.
        c.ok(&o2, &["--multisig", ms_arg, "admin", "transfer", &d.hex()])?;
        c.ok(
            &o3,
            &["multisig", "approve", ms_arg, &(4 + steps).to_string()],
        )?;
        c.ok(&o2, &["multisig", "execute", ms_arg])?;
        c.ok(&d, &["admin", "accept"])?;
        c.ok(&d, &["roles", "set-pauser", &d.hex()])?;
        ensure!(controls.admin().await? == d.address);
        Ok(())
    }
}
