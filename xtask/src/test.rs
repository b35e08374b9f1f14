//! `cargo xtask test`: the one test command, as README.md and CI run it.
//!
//! Every step runs even after an earlier one failed, so one run shows all that
//! is wrong. A step that cannot run (no Move toolchain) is a printed skip,
//! never a pass.
use std::process::Command;

use anyhow::Result;
use clap::Args;

use crate::move_cli::{Missing, MoveRunner};
use crate::{project_root, render};

/// Options of `cargo xtask test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Skip the Move unit tests (they are reported as skipped).
    #[arg(long)]
    pub no_move: bool,
}

/// How one step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The step ran and succeeded.
    Passed,
    /// The step ran and failed, or could not be started.
    Failed(String),
    /// The step could not run here; the reason is printed.
    Skipped(String),
}

/// Counts of step outcomes, printed as the closing line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl Summary {
    pub fn from_outcomes<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> Self {
        let mut s = Self::default();
        for o in outcomes {
            match o {
                Outcome::Passed => s.passed += 1,
                Outcome::Failed(_) => s.failed += 1,
                Outcome::Skipped(_) => s.skipped += 1,
            }
        }
        s
    }

    /// The closing line, in the `N passed, N failed, N skipped` form CI reads.
    pub fn line(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }
}

pub fn run(args: &TestArgs) -> Result<()> {
    let root = project_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let cargo_step = |args: &[&str]| {
        let mut cmd = Command::new(&cargo);
        cmd.args(args).current_dir(&root);
        cmd
    };

    let mut steps: Vec<(&str, Outcome)> = vec![
        (
            "rustfmt",
            run_step("rustfmt", cargo_step(&["fmt", "--all", "--", "--check"])),
        ),
        (
            "clippy",
            run_step(
                "clippy",
                cargo_step(&[
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ]),
            ),
        ),
        (
            "rust tests",
            run_step("rust tests", cargo_step(&["test", "--workspace"])),
        ),
        ("generated code", generated_code_step(&root)),
        (
            "yenpay-qr dependencies",
            qr_dependencies_step(cargo_step(&[
                "tree",
                "--package",
                "yenpay-qr",
                "--edges",
                "normal",
                "--prefix",
                "none",
                "--format",
                "{p}",
            ])),
        ),
    ];
    let move_outcome = if args.no_move {
        Outcome::Skipped("--no-move was given".into())
    } else {
        match MoveRunner::find() {
            Ok(runner) => {
                println!("==> move tests: {}", runner.describe());
                run_step("move tests", runner.test_command(&root.join("move")))
            }
            Err(Missing(why)) => Outcome::Skipped(why),
        }
    };
    steps.push(("move tests", move_outcome));

    println!();
    for (name, outcome) in &steps {
        match outcome {
            Outcome::Passed => println!("  ok      {name}"),
            Outcome::Failed(why) => println!("  FAILED  {name}: {why}"),
            Outcome::Skipped(why) => println!("  SKIPPED {name}: {why}"),
        }
    }
    if let Some((_, Outcome::Skipped(why))) = steps.iter().find(|(n, _)| *n == "move tests") {
        println!("The Move unit tests did NOT run: {why}");
    }
    let summary = Summary::from_outcomes(steps.iter().map(|(_, o)| o));
    println!("{}", summary.line());
    if summary.failed > 0 {
        std::process::exit(1);
    }
    Ok(())
}

/// `cargo xtask codegen --check`: the committed Rust matches move/sources.
fn generated_code_step(root: &std::path::Path) -> Outcome {
    println!("==> generated code: cargo xtask codegen --check");
    match yenpay_codegen::run(root, &yenpay_codegen::CodegenArgs { check: true }) {
        Ok(()) => Outcome::Passed,
        Err(error) => {
            println!("{error:#}");
            Outcome::Failed("generated Rust is out of date".into())
        }
    }
}

/// Crates a wallet or POS must not get by adding `yenpay-qr` alone.
const QR_FORBIDDEN: &[&str] = &["aptos-sdk", "tokio", "reqwest", "hyper"];

/// `yenpay-qr`'s normal dependency tree (default features) holds none of
/// [`QR_FORBIDDEN`].
fn qr_dependencies_step(mut cmd: Command) -> Outcome {
    println!("==> yenpay-qr dependencies: {}", render(&cmd));
    let output = match cmd.output() {
        Ok(output) if output.status.success() => output,
        Ok(output) => {
            return Outcome::Failed(format!(
                "cargo tree exited with {}: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Err(e) => return Outcome::Failed(format!("could not start cargo tree: {e}")),
    };
    let tree = String::from_utf8_lossy(&output.stdout);
    let found = forbidden_in_tree(&tree);
    if found.is_empty() {
        println!(
            "    {} crates, none of {}",
            tree.lines().count(),
            QR_FORBIDDEN.join(", ")
        );
        Outcome::Passed
    } else {
        Outcome::Failed(format!("yenpay-qr depends on {}", found.join(", ")))
    }
}

/// The forbidden crate names among `cargo tree --format {p}` lines.
fn forbidden_in_tree(tree: &str) -> Vec<String> {
    let mut found: Vec<String> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| QR_FORBIDDEN.contains(name))
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    found
}

fn run_step(name: &str, mut cmd: Command) -> Outcome {
    println!("==> {name}: {}", render(&cmd));
    match cmd.status() {
        Ok(status) if status.success() => Outcome::Passed,
        Ok(status) => Outcome::Failed(format!("exited with {status}")),
        Err(e) => Outcome::Failed(format!("could not start {}: {e}", render(&cmd))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_crates_are_found_by_name_only() {
        let tree = "yenpay-qr v0.1.0 (/x)\nserde v1.0.0\ntokio v1.40.0\ntokio-util v0.7.0\naptos-sdk v0.8.0\n";
        assert_eq!(forbidden_in_tree(tree), ["aptos-sdk", "tokio"]);
        assert!(forbidden_in_tree("yenpay-qr v0.1.0\nserde v1\n").is_empty());
    }

    #[test]
    fn summary_counts_each_outcome() {
        let outcomes = [
            Outcome::Passed,
            Outcome::Failed("x".into()),
            Outcome::Passed,
            Outcome::Skipped("no runner".into()),
        ];
        let s = Summary::from_outcomes(&outcomes);
        assert_eq!(s.line(), "2 passed, 1 failed, 1 skipped");
    }

    #[test]
    fn a_failing_command_is_a_failure() {
        let outcome = run_step("false", Command::new("false"));
        assert!(matches!(outcome, Outcome::Failed(_)));
    }

    #[test]
    fn a_missing_program_is_a_failure_not_a_skip() {
        let outcome = run_step("nope", Command::new("/nonexistent/program"));
        match outcome {
            Outcome::Failed(why) => assert!(why.contains("could not start"), "{why}"),
            other => panic!("expected failure, got {other:?}"),
        }
    }
}
