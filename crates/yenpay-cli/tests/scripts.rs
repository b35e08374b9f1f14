//! The operator's scripts (`scripts/` at the repository's root) run with a
//! stand-in `yenpay` first on PATH, which records each call and answers as
//! the console does: the calls, the arithmetic, progress and resuming.

#[cfg(unix)]
mod scripts {
    use std::os::unix::fs::PermissionsExt;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output};

    /// Records its arguments, one call per line, and answers like `yenpay`:
    /// the treasury holds ¥5000; `$LISTED` addresses are denylisted;
    /// adding `$FAIL_ON` fails as a network failure (exit 4); the desk's and
    /// the float's checks raise an alarm (exit 1) for `fx` and `float` in
    /// `$LOW`, and `$DOWN=fx` is no node for the desk's.
    const STAND_IN: &str = r#"#!/usr/bin/env bash
echo "$*" >>"$CALLS"
case "$*" in
  "--json treasury show") printf '{\n  "treasury": "0x7",\n  "balance": 5000\n}\n' ;;
  "--json coin denylist check "*)
    if [[ " $LISTED " == *" $5 "* ]]; then echo '{"denylisted": true}'; else echo '{"denylisted": false}'; fi ;;
  "coin denylist add "*) [[ "$4" == "${FAIL_ON:-}" ]] && { echo "error: no Aptos node reachable" >&2; exit 4; } ;;
  "fx show --check"*)
    [[ "${DOWN:-}" == fx ]] && { echo "error: no Aptos node reachable" >&2; exit 4; }
    [[ " ${LOW:-} " == *" fx "* ]] && { echo "error: the FX desk: the yen inventory is low" >&2; exit 1; } ;;
  "tax-refund show --check"*)
    [[ " ${LOW:-} " == *" float "* ]] && { echo "error: the tax-refund float: low" >&2; exit 1; } ;;
esac
exit 0
"#;

    fn script(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../scripts")
            .join(name)
    }

    struct Sandbox {
        dir: tempfile::TempDir,
    }

    impl Sandbox {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let bin = dir.path().join("bin");
            std::fs::create_dir(&bin).unwrap();
            let yenpay = bin.join("yenpay");
            std::fs::write(&yenpay, STAND_IN).unwrap();
            std::fs::set_permissions(&yenpay, std::fs::Permissions::from_mode(0o755)).unwrap();
            Self { dir }
        }

        fn path(&self, name: &str) -> PathBuf {
            self.dir.path().join(name)
        }

        fn run(&self, script_name: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
            let path = format!(
                "{}:{}",
                self.path("bin").display(),
                std::env::var("PATH").unwrap_or_default()
            );
            let mut command = Command::new("bash");
            command
                .arg(script(script_name))
                .args(args)
                .current_dir(self.dir.path())
                .env("PATH", path)
                .env("CALLS", self.path("calls"))
                .env_remove("YENPAY_BIN");
            for name in [
                "YENPAY_PURCHASE_PURGE_FILE",
                "YENPAY_FX_MIN_YEN",
                "YENPAY_FLOAT_MIN",
                "YENPAY_PURGE_FILE",
                "YENPAY_SWEEP_TO",
                "YENPAY_SWEEP_PROFILE",
                "YENPAY_TREASURY_RESERVE",
            ] {
                command.env_remove(name);
            }
            command.envs(env.iter().copied());
            command.output().unwrap()
        }

        /// The calls so far, and forgets them.
        fn calls(&self) -> Vec<String> {
            let text = std::fs::read_to_string(self.path("calls")).unwrap_or_default();
            let _ = std::fs::remove_file(self.path("calls"));
            text.lines().map(str::to_owned).collect()
        }
    }

    fn stdout(out: &Output) -> String {
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    #[test]
    fn housekeeping_purges_what_is_due_and_sweeps_above_the_reserve() {
        let sandbox = Sandbox::new();
        let list = sandbox.path("purge.txt");
        std::fs::write(&list, "0xe1 INV-1\n").unwrap();
        let purchases = sandbox.path("purchases.txt");
        std::fs::write(&purchases, "0xe1 TF-1\n").unwrap();
        let out = sandbox.run(
            "housekeeping.sh",
            &[],
            &[
                ("YENPAY_PURCHASE_PURGE_FILE", purchases.to_str().unwrap()),
                ("YENPAY_PURGE_FILE", list.to_str().unwrap()),
                ("YENPAY_SWEEP_TO", "0xabc"),
                ("YENPAY_SWEEP_PROFILE", "ops"),
                ("YENPAY_TREASURY_RESERVE", "1000"),
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            sandbox.calls(),
            [
                format!("tax-refund purge --file {} --only-due", purchases.display()),
                format!("invoices purge --file {} --only-due", list.display()),
                "--json treasury show".to_owned(),
                "--profile ops treasury sweep --to 0xabc --amount 4000".to_owned(),
            ]
        );
        // A reserve above the balance sweeps nothing.
        let out = sandbox.run(
            "housekeeping.sh",
            &[],
            &[
                ("YENPAY_SWEEP_TO", "0xabc"),
                ("YENPAY_TREASURY_RESERVE", "9000"),
            ],
        );
        assert!(out.status.success());
        assert_eq!(sandbox.calls(), ["--json treasury show"]);
        assert!(
            stdout(&out).contains("not above the reserve"),
            "{}",
            stdout(&out)
        );
    }

    #[test]
    fn sanctions_sync_shows_progress_stops_on_failure_and_resumes() {
        let sandbox = Sandbox::new();
        let list = sandbox.path("sanctions.txt");
        std::fs::write(
            &list,
            "# OFAC SDN, 2026-05-01\n0xa1\n0xa2  \n\n0xa3\n0xa4\n",
        )
        .unwrap();
        let listed = [("LISTED", "0xa2")];
        let failing = [("LISTED", "0xa2"), ("FAIL_ON", "0xa3")];
        let out = sandbox.run("sanctions-sync.sh", &[list.to_str().unwrap()], &failing);
        assert_eq!(
            out.status.code(),
            Some(4),
            "yenpay's network failure is the script's"
        );
        assert_eq!(
            sandbox.calls(),
            [
                "--json coin denylist check 0xa1",
                "coin denylist add 0xa1",
                "--json coin denylist check 0xa2",
                "--json coin denylist check 0xa3",
                "coin denylist add 0xa3",
            ]
        );
        let progress = stdout(&out);
        assert!(progress.contains("[1/4] 0xa1 denylisted"), "{progress}");
        assert!(
            progress.contains("[2/4] 0xa2 already denylisted"),
            "{progress}"
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("[3/4] 0xa3 FAILED (exit 4)"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Run again: it resumes at the address that failed.
        let out = sandbox.run("sanctions-sync.sh", &[list.to_str().unwrap()], &listed);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            sandbox.calls(),
            [
                "--json coin denylist check 0xa3",
                "coin denylist add 0xa3",
                "--json coin denylist check 0xa4",
                "coin denylist add 0xa4",
            ]
        );
        assert!(
            stdout(&out)
                .contains("4 addresses, 2 added, 0 already denylisted, 2 done in an earlier run"),
            "{}",
            stdout(&out)
        );
    }

    #[test]
    fn desk_alarms_run_both_checks_and_fail_on_either() {
        let sandbox = Sandbox::new();
        let limits = [
            ("YENPAY_FX_MIN_YEN", "1000000"),
            ("YENPAY_FLOAT_MIN", "100000"),
        ];
        let both = [
            "fx show --check --min-yen 1000000",
            "tax-refund show --check --min-float 100000",
        ];
        let out = sandbox.run("desk-alarms.sh", &[], &limits);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(sandbox.calls(), both);
        assert!(
            stdout(&out).contains("desk alarms: none"),
            "{}",
            stdout(&out)
        );
        // An alarm on the desk: the float is still checked, the job fails.
        let mut low = limits.to_vec();
        low.push(("LOW", "fx"));
        let out = sandbox.run("desk-alarms.sh", &[], &low);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(sandbox.calls(), both);
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("yen inventory is low"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // No node for the first read and a low float: the first failure's code.
        let mut down = limits.to_vec();
        down.extend([("DOWN", "fx"), ("LOW", "float")]);
        let out = sandbox.run("desk-alarms.sh", &[], &down);
        assert_eq!(out.status.code(), Some(4));
        assert_eq!(sandbox.calls(), both);
        // Without limits: the reference only, and no float check.
        let out = sandbox.run("desk-alarms.sh", &[], &[("LOW", "float")]);
        assert!(out.status.success());
        assert_eq!(sandbox.calls(), ["fx show --check"]);
    }

    #[test]
    fn the_units_run_the_scripts_and_name_no_machine_path() {
        for unit in [
            "systemd/yenpay-housekeeping.service",
            "systemd/yenpay-sanctions-sync.service",
        ] {
            let text = std::fs::read_to_string(script(unit)).unwrap();
            assert!(text.contains("ExecStart=@YENPAY_DIR@/scripts/"), "{unit}");
            assert!(text.contains("YENPAY_ASSUME_YES=true"), "{unit}");
        }
        // The alarms only read: no key, no assent to give.
        let alarms = std::fs::read_to_string(script("systemd/yenpay-desk-alarms.service")).unwrap();
        assert!(alarms.contains("ExecStart=@YENPAY_DIR@/scripts/desk-alarms.sh"));
        assert!(!alarms.contains("YENPAY_PROFILE") && !alarms.contains("YENPAY_ASSUME_YES"));
        let cron = std::fs::read_to_string(script("cron.example")).unwrap();
        for job in ["housekeeping.sh", "sanctions-sync.sh", "desk-alarms.sh"] {
            assert!(cron.contains(&format!("scripts/{job}")), "{job}");
        }
    }
}
