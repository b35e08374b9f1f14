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
