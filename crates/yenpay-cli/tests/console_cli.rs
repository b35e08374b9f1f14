//! The console on the built binary, where no node is needed: dry runs,
//! exit codes, the mainnet confirmation, keys never printed.

mod console_cli {
    use std::process::{Command, Output, Stdio};

    use serde_json::Value;

    /// Nothing listens on the discard port: a node that is not there.
    const NO_NODE: &str = "http://127.0.0.1:9";
    /// A throwaway key, used nowhere but here.
    const KEY: &str =
        "ed25519-priv-0xc5338cd251c22daa8c9c9cc94f498cc8a5c7e1d2e75287a5dda91096fe64efa5";

    fn yenpay(args: &[&str]) -> Output {
        let dir = tempfile::tempdir().unwrap();
        Command::new(env!("CARGO_BIN_EXE_yenpay"))
            .args(args)
            // No deployments file, no profile: only what the test passes.
            .current_dir(dir.path())
            .env("HOME", dir.path())
            .env_remove("YENPAY_NETWORK")
            .env_remove("YENPAY_PACKAGE")
            .env_remove("YENPAY_PROFILE")
            .env_remove("YENPAY_KEY_FILE")
            .env_remove("YENPAY_NODE_URL")
            .stdin(Stdio::null())
            .output()
            .expect("the yenpay binary runs")
    }

    fn text(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    fn key_file(dir: &std::path::Path) -> String {
        let path = dir.join("operator.key");
        std::fs::write(&path, format!("{KEY}\n")).unwrap();
        path.to_str().unwrap().to_owned()
    }

    #[test]
    fn a_dry_run_prints_the_typed_calls_payload_and_needs_no_node() {
        let out = yenpay(&[
            "--package",
            "0xcafe",
            "--url",
            NO_NODE,
            "--dry-run",
            "--json",
            "coin",
            "minter",
            "add",
            "0xb1",
            "--allowance",
            "1000",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        let expected = yenpay_client::issuance::Calls::new(
            aptos_sdk::types::AccountAddress::from_hex("0xcafe").unwrap(),
        )
        .configure_minter(
            aptos_sdk::types::AccountAddress::from_hex("0xb1").unwrap(),
            1000,
        )
        .unwrap();
        assert_eq!(
            json["payload"]["function"],
            format!(
                "{}::issuance::configure_minter",
                expected.module.address.to_hex()
            )
        );
        let args: Vec<String> = expected
            .args
            .iter()
            .map(|arg| format!("0x{}", const_hex::encode(arg)))
            .collect();
        assert_eq!(json["payload"]["arguments"], serde_json::json!(args));
        assert_eq!(json["role"], "master minter");
    }

    #[test]
    fn a_mainnet_action_without_a_terminal_or_assume_yes_is_refused_before_signing() {
        let dir = tempfile::tempdir().unwrap();
        // The key file is never read and the node never asked: the refusal comes first.
        let out = yenpay(&[
            "--network",
            "mainnet",
            "--package",
            "0xcafe",
            "--url",
            NO_NODE,
            "--key-file",
            "/nonexistent/key",
            "coin",
            "pause",
        ]);
        assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("refusing to pause the coin on mainnet"),
            "{stderr}"
        );
        assert!(stderr.contains("--assume-yes"), "{stderr}");
        assert!(out.stdout.is_empty());
        // With --assume-yes it goes on, to the key and then the missing node.
        let key = key_file(dir.path());
        let out = yenpay(&[
            "--network",
            "mainnet",
            "--package",
            "0xcafe",
            "--url",
            NO_NODE,
            "--key-file",
            &key,
            "--assume-yes",
            "coin",
            "pause",
        ]);
        assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    }

    #[test]
    fn no_node_is_a_network_failure_that_says_so() {
        for args in [
            vec!["--package", "0xcafe", "--url", NO_NODE, "supply"],
            vec!["--package", "0xcafe", "--url", NO_NODE, "coin", "status"],
        ] {
            let out = yenpay(&args);
            assert_eq!(
                out.status.code(),
                Some(4),
                "{args:?}: {}",
                text(&out.stderr)
            );
            assert!(
                text(&out.stderr).contains("no Aptos node reachable at http://127.0.0.1:9/v1"),
                "{}",
                text(&out.stderr)
            );
        }
    }

    #[test]
    fn a_key_is_never_printed() {
        let dir = tempfile::tempdir().unwrap();
        let key = key_file(dir.path());
        for extra in [vec!["--simulate"], vec![], vec!["--json"]] {
            let mut args = vec!["--package", "0xcafe", "--url", NO_NODE, "--key-file", &key];
            args.extend(extra);
            args.extend(["coin", "pause"]);
            let out = yenpay(&args);
            assert_eq!(out.status.code(), Some(4), "{args:?}");
            let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
            assert!(!all.contains("c5338cd251c22daa"), "the key leaked: {all}");
        }
        // A bad key file is named, its content is not shown.
        std::fs::write(dir.path().join("bad.key"), "c5338cd251c22daa-not-a-key").unwrap();
        let bad = dir.path().join("bad.key");
        let out = yenpay(&[
            "--package",
            "0xcafe",
            "--url",
            NO_NODE,
            "--key-file",
            bad.to_str().unwrap(),
            "coin",
            "pause",
        ]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            !text(&out.stderr).contains("c5338cd251c22daa"),
            "{}",
            text(&out.stderr)
        );
    }

    #[test]
    fn bad_input_exits_2_with_the_reason() {
        let out = yenpay(&[
            "--package",
            "0xcafe",
            "coin",
            "mint",
            "--to",
            "0x1",
            "--amount",
            "0",
        ]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            text(&out.stderr).contains("at least 1 yen"),
            "{}",
            text(&out.stderr)
        );
        // Without --package the deployments file is named.
        let out = yenpay(&["--network", "testnet", "coin", "pause", "--dry-run"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            text(&out.stderr).contains("deployments/testnet.json"),
            "{}",
            text(&out.stderr)
        );
        // A missing profile says how to make one.
        let out = yenpay(&[
            "--package",
            "0xcafe",
            "--url",
            NO_NODE,
            "--profile",
            "ops",
            "coin",
            "pause",
        ]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            text(&out.stderr).contains("aptos init --profile ops"),
            "{}",
            text(&out.stderr)
        );
        // A read does not take transaction flags.
        let out = yenpay(&["--package", "0xcafe", "--dry-run", "supply"]);
        assert_eq!(out.status.code(), Some(2));
    }

    #[test]
    fn the_desk_s_and_the_agent_s_dry_runs_show_what_would_be_signed() {
        let package = aptos_sdk::types::AccountAddress::from_hex("0xcafe").unwrap();
        let hex = |bytes: &[u8]| format!("0x{}", const_hex::encode(bytes));
        // Funding the desk: a plain transfer of the coin to the desk's address.
        let out = yenpay(&[
            "--package",
            "0xcafe",
            "--url",
            NO_NODE,
            "--dry-run",
            "--json",
            "fx",
            "fund",
            "--amount",
            "250000",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        let desk = yenpay_client::fx::derive_desk_address(package);
        assert_eq!(
            json["payload"]["function"],
            format!(
                "{}::primary_fungible_store::transfer",
                aptos_sdk::types::AccountAddress::ONE.to_hex()
            )
        );
        assert_eq!(
            json["payload"]["arguments"][1],
            hex(&aptos_bcs::to_bytes(&desk).unwrap())
        );
        assert_eq!(json["role"], "yen holder");
        // The float likewise, to its own address.
        let out = yenpay(&[
            "--package",
            "0xcafe",
            "--dry-run",
            "--json",
            "tax-refund",
            "float",
            "fund",
            "--amount",
            "1000",
        ]);
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        let float = yenpay_client::tax_refund::derive_float_address(package);
        assert_eq!(
            json["payload"]["arguments"][1],
            hex(&aptos_bcs::to_bytes(&float).unwrap())
        );
        // The rate keeper's override, with the time given.
        let out = yenpay(&[
            "--package",
            "0xcafe",
            "--dry-run",
            "--json",
            "fx",
            "set-rate",
            "150.25",
            "--observed-at",
            "1796000000",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        let expected = yenpay_client::fx::Calls::new(package)
            .set_reference_rate(150_250_000, 1_796_000_000)
            .unwrap();
        let args: Vec<String> = expected.args.iter().map(|arg| hex(arg)).collect();
        assert_eq!(json["payload"]["arguments"], serde_json::json!(args));
        assert_eq!(json["role"], "rate keeper");
        // A proposal of the agent's acceptance to a multisig.
        let out = yenpay(&[
            "--package",
            "0xcafe",
            "--dry-run",
            "--json",
            "--multisig",
            "0x5a",
            "tax-refund",
            "agent",
            "accept",
        ]);
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            json["payload"]["function"]
                .as_str()
                .unwrap()
                .ends_with("::multisig_account::create_transaction"),
            "{json}"
        );
        assert_eq!(json["role"], "multisig owner");
    }

    #[test]
    fn the_desk_s_settings_are_refused_before_signing() {
        // Mainnet: the USDC is Circle's unless said otherwise, and set once.
        let out = yenpay(&[
            "--network",
            "mainnet",
            "--package",
            "0xcafe",
            "--url",
            NO_NODE,
            "--dry-run",
            "fx",
            "configure-usdc",
            "0xabc",
        ]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("--not-native"),
            "{}",
            text(&out.stderr)
        );
        let out = yenpay(&[
            "--network",
            "mainnet",
            "--package",
            "0xcafe",
            "--dry-run",
            "--json",
            "fx",
            "configure-usdc",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        let native =
            aptos_sdk::types::AccountAddress::from_hex(yenpay_types::fx::MAINNET_USDC).unwrap();
        assert_eq!(
            json["payload"]["arguments"][0],
            format!(
                "0x{}",
                const_hex::encode(aptos_bcs::to_bytes(&native).unwrap())
            )
        );
        // A mainnet withdrawal without a terminal or --assume-yes: refused, nothing read.
        let out = yenpay(&[
            "--network",
            "mainnet",
            "--package",
            "0xcafe",
            "--url",
            NO_NODE,
            "--key-file",
            "/nonexistent/key",
            "fx",
            "withdraw-usdc",
            "--to",
            "0xa1",
            "--usdc",
            "1000",
        ]);
        assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("withdraw 1000.00 USDC from the FX desk"),
            "{}",
            text(&out.stderr)
        );
        // Reads take no transaction flags; no node is exit 4.
        for args in [
            vec!["--package", "0xcafe", "--dry-run", "fx", "show"],
            vec!["--package", "0xcafe", "--simulate", "tax-refund", "show"],
            vec![
                "--package",
                "0xcafe",
                "--multisig",
                "0x5a",
                "tax-refund",
                "purchase",
                "0xe1/A",
            ],
        ] {
            let out = yenpay(&args);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{args:?}: {}",
                text(&out.stderr)
            );
        }
        for args in [
            vec!["--package", "0xcafe", "--url", NO_NODE, "fx", "show"],
            vec![
                "--package",
                "0xcafe",
                "--url",
                NO_NODE,
                "tax-refund",
                "show",
            ],
            vec![
                "--package",
                "0xcafe",
                "--url",
                NO_NODE,
                "fx",
                "set-rate",
                "150",
            ],
            vec![
                "--package",
                "0xcafe",
                "--url",
                NO_NODE,
                "tax-refund",
                "purge",
                "--purchase",
                "0xe1/A",
                "--only-due",
            ],
        ] {
            let out = yenpay(&args);
            assert_eq!(
                out.status.code(),
                Some(4),
                "{args:?}: {}",
                text(&out.stderr)
            );
        }
        // A rate proposed by its hash needs its time: the execution repeats the call.
        let out = yenpay(&[
            "--package",
            "0xcafe",
            "--url",
            NO_NODE,
            "--multisig",
            "0x5a",
            "--hash-only",
            "fx",
            "set-rate",
            "150.25",
        ]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("--observed-at"),
            "{}",
            text(&out.stderr)
        );
        let out = yenpay(&[
            "--package",
            "0xcafe",
            "--dry-run",
            "--multisig",
            "0x5a",
            "--hash-only",
            "fx",
            "set-rate",
            "150.25",
            "--observed-at",
            "1796000000",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        // A purge to check by hand first: its batches printed, nothing asked.
        let out = yenpay(&[
            "--package",
            "0xcafe",
            "--dry-run",
            "--json",
            "tax-refund",
            "purge",
            "--purchase",
            "0xe1/TF-1",
            "--purchase",
            "0xe1/TF-2",
            "--batch",
            "1",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json.as_array().map(Vec::len), Some(2), "{json}");
        assert!(
            json[0]["payload"]["function"]
                .as_str()
                .unwrap()
                .ends_with("::tax_refund::purge_purchases")
        );
    }

    #[test]
    fn json_errors_are_json_with_the_exit_code() {
        let out = yenpay(&["--package", "0xcafe", "--url", NO_NODE, "--json", "roles"]);
        assert_eq!(out.status.code(), Some(4));
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["exit_code"], 4);
        assert!(
            json["error"]
                .as_str()
                .unwrap()
                .contains("no Aptos node reachable")
        );
        assert_eq!(json["abort"], Value::Null);
    }
}
