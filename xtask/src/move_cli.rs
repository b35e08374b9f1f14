//! Finding a real Move toolchain: the Aptos CLI, or an aptos-core `move` binary.
//!
//! Nothing here pretends: when neither is found, callers get a [`Missing`]
//! reason to print, never a substitute.
use std::collections::BTreeSet;
use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Environment variable naming an aptos-core `move` binary (built with the Aptos natives).
pub const MOVE_BIN_ENV: &str = "YENPAY_MOVE_BIN";
/// The name under which a developer-built aptos-core `move` binary may be put
/// on `PATH` instead (the generic name `move` is left alone).
pub const MOVE_BIN_ON_PATH: &str = "aptos-move";

/// A Move toolchain able to compile and test the package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveRunner {
    /// The Aptos CLI (`aptos move ...`).
    AptosCli(PathBuf),
    /// aptos-core's `move` binary, named by [`MOVE_BIN_ENV`].
    MoveBin(PathBuf),
}

/// Why no Move toolchain could be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing(pub String);

impl MoveRunner {
    /// The first runner found: the Aptos CLI on `PATH`, else `YENPAY_MOVE_BIN`,
    /// else `aptos-move` on `PATH`.
    pub fn find() -> Result<Self, Missing> {
        Self::find_in(env::var_os("PATH"), env::var_os(MOVE_BIN_ENV))
    }

    /// [`MoveRunner::find`] with the environment given, for tests.
    pub fn find_in(path: Option<OsString>, move_bin: Option<OsString>) -> Result<Self, Missing> {
        if let Some(aptos) = path.as_deref().and_then(|p| find_on_path("aptos", p)) {
            return Ok(Self::AptosCli(aptos));
        }
        match move_bin.filter(|v| !v.is_empty()) {
            Some(bin) => {
                let bin = PathBuf::from(bin);
                if is_executable(&bin) {
                    Ok(Self::MoveBin(bin))
                } else {
                    Err(Missing(format!(
                        "{MOVE_BIN_ENV}={} is not an executable file",
                        bin.display()
                    )))
                }
            }
            None => match path
                .as_deref()
                .and_then(|p| find_on_path(MOVE_BIN_ON_PATH, p))
            {
                Some(bin) => Ok(Self::MoveBin(bin)),
                None => Err(Missing(format!(
                    "neither the Aptos CLI (`aptos`) nor an aptos-core `move` binary \
                     (`{MOVE_BIN_ON_PATH}`) is on PATH, and {MOVE_BIN_ENV} names none; \
                     install the CLI with `cargo xtask setup`"
                ))),
            },
        }
    }

    /// `move test --dev` for the package in `package_dir`; with `coverage`,
    /// also `--coverage`, which leaves `.coverage_map.mvcov` in the package
    /// for [`MoveRunner::coverage_summary_command`].
    pub fn test_command(&self, package_dir: &Path, coverage: bool) -> Command {
        let mut cmd = self.package_command(&["test"], package_dir);
        cmd.arg("--dev");
        if coverage {
            cmd.arg("--coverage");
        }
        cmd
    }

    /// `move coverage summary --dev --summarize-functions` for the package in
    /// `package_dir`, after a [`MoveRunner::test_command`] with coverage: the
    /// per-function instruction counts that [`CoverageSummary::parse`] reads.
    pub fn coverage_summary_command(&self, package_dir: &Path) -> Command {
        let mut cmd = self.package_command(&["coverage", "summary"], package_dir);
        cmd.args(["--dev", "--summarize-functions"]);
        cmd
    }

    /// Whether this runner can measure coverage, asked of the runner itself
    /// (its `test --help` and `coverage summary --help`), since builds differ:
    /// `Err` says what is missing.
    pub fn coverage_support(&self) -> Result<(), Missing> {
        let help = |args: &[&str]| {
            let mut cmd = self.package_command(args, Path::new("."));
            cmd.arg("--help");
            match cmd.output() {
                Ok(out) if out.status.success() => {
                    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
                }
                Ok(out) => Err(Missing(format!(
                    "`{}` exited with {}",
                    crate::render(&cmd),
                    out.status
                ))),
                Err(e) => Err(Missing(format!(
                    "cannot run `{}`: {e}",
                    crate::render(&cmd)
                ))),
            }
        };
        let offers = |text: &str, flag: &str, what: &str| {
            if text.contains(flag) {
                Ok(())
            } else {
                Err(Missing(format!(
                    "{} has no `{what} {flag}`",
                    self.describe()
                )))
            }
        };
        offers(&help(&["test"])?, "--coverage", "test")?;
        offers(
            &help(&["coverage", "summary"])?,
            "--summarize-functions",
            "coverage summary",
        )
    }

    /// `move compile-script` of the script package in `package_dir`, writing
    /// its bytecode to `output_file`.
    pub fn compile_script_command(
        &self,
        package_dir: &Path,
        output_file: &Path,
        skip_fetch_git_deps: bool,
    ) -> Command {
        let mut cmd = self.package_command(&["compile-script"], package_dir);
        cmd.arg("--output-file").arg(output_file);
        if skip_fetch_git_deps {
            cmd.arg("--skip-fetch-latest-git-deps");
        }
        cmd
    }

    /// `move compile` of the package in `package_dir` with `named_addresses`
    /// resolved (`name=0x...`) and `--save-metadata`, which writes
    /// `build/<Package>/package-metadata.bcs` that publishing needs.
    ///
    /// Both toolchains take the same flags; only the Aptos CLI needs the
    /// leading `move`.
    pub fn compile_command(
        &self,
        package_dir: &Path,
        named_addresses: &[(&str, String)],
        skip_fetch_git_deps: bool,
    ) -> Command {
        let mut cmd = match self {
            Self::AptosCli(aptos) => {
                let mut cmd = Command::new(aptos);
                cmd.arg("move");
                cmd
            }
            Self::MoveBin(bin) => Command::new(bin),
        };
        // Bytecode only in the published metadata (`none`): the package with its
        // sources (`sparse`, the default) passed the chain's 64 KiB transaction
        // limit. Abort names still resolve (the error map is in each module's
        // bytecode metadata), and `yenpay package verify` compares bytecode.
        cmd.arg("compile")
            .arg("--package-dir")
            .arg(package_dir)
            .arg("--save-metadata")
            .arg("--included-artifacts")
            .arg("none");
        if !named_addresses.is_empty() {
            let joined = named_addresses
                .iter()
                .map(|(name, addr)| format!("{name}={addr}"))
                .collect::<Vec<_>>()
                .join(",");
            cmd.arg("--named-addresses").arg(joined);
        }
        if skip_fetch_git_deps {
            cmd.arg("--skip-fetch-latest-git-deps");
        }
        cmd
    }

    /// `subcommand` (such as `test`, or `coverage summary`) run on the package
    /// in `package_dir`: the CLI names it with `--package-dir`, the
    /// standalone binary runs inside it.
    fn package_command(&self, subcommand: &[&str], package_dir: &Path) -> Command {
        match self {
            Self::AptosCli(aptos) => {
                let mut cmd = Command::new(aptos);
                cmd.arg("move")
                    .args(subcommand)
                    .arg("--package-dir")
                    .arg(package_dir);
                cmd
            }
            Self::MoveBin(bin) => {
                let mut cmd = Command::new(bin);
                cmd.args(subcommand).current_dir(package_dir);
                cmd
            }
        }
    }

    /// What a person reads: which toolchain runs.
    pub fn describe(&self) -> String {
        match self {
            Self::AptosCli(p) => format!("Aptos CLI at {}", p.display()),
            Self::MoveBin(p) => {
                format!("aptos-core move binary at {} ({MOVE_BIN_ENV})", p.display())
            }
        }
    }
}

/// What `move coverage summary --summarize-functions` reports: instructions
/// covered by the unit tests, per module of the package.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageSummary {
    /// The modules in the runner's order.
    pub modules: Vec<ModuleCoverage>,
    /// The runner's own total (`% Move Coverage`), rounded to two decimals.
    pub stated_percent: Option<f64>,
}

/// One module's coverage.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleCoverage {
    /// The module name without its address.
    pub name: String,
    /// Bytecode instructions in its functions.
    pub total: u64,
    /// Of those, the ones some test executed.
    pub covered: u64,
}

impl ModuleCoverage {
    /// Covered instructions as a percentage (100 for a module without code).
    pub fn percent(&self) -> f64 {
        percent(self.covered, self.total)
    }
}

impl CoverageSummary {
    /// Parses the runner's text: `Module <address>::<name>` lines, each
    /// followed by `fun <name>` blocks with `total: N` and `covered: N`, then
    /// `>>> % Module coverage: P`, and a closing `| % Move Coverage: P |`.
    /// Anything else (build lines, the JSON result) is skipped.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut modules: Vec<ModuleCoverage> = Vec::new();
        let mut stated_percent = None;
        for line in text.lines().map(str::trim) {
            if let Some(rest) = line.strip_prefix("Module ") {
                let name = rest.rsplit("::").next().unwrap_or(rest).trim();
                modules.push(ModuleCoverage {
                    name: name.to_owned(),
                    total: 0,
                    covered: 0,
                });
            } else if let Some(n) = line.strip_prefix("total:") {
                let module = modules.last_mut().ok_or("`total:` before any `Module`")?;
                module.total += count(n)?;
            } else if let Some(n) = line.strip_prefix("covered:") {
                let module = modules.last_mut().ok_or("`covered:` before any `Module`")?;
                module.covered += count(n)?;
            } else if let Some(p) = line
                .strip_prefix('|')
                .and_then(|l| l.strip_suffix('|'))
                .and_then(|l| l.trim().strip_prefix("% Move Coverage:"))
            {
                stated_percent = Some(
                    p.trim()
                        .parse::<f64>()
                        .map_err(|_| format!("not a percentage: `{line}`"))?,
                );
            }
        }
        if modules.is_empty() {
            return Err("the coverage summary names no module".into());
        }
        if modules.iter().all(|m| m.total == 0) {
            return Err(
                "the coverage summary has no per-function counts (`--summarize-functions`)".into(),
            );
        }
        if let Some(m) = modules.iter().find(|m| m.covered > m.total) {
            return Err(format!(
                "module {} covers {} of {} instructions",
                m.name, m.covered, m.total
            ));
        }
        Ok(Self {
            modules,
            stated_percent,
        })
    }

    /// The summary without the modules named in `excluded` (test-only ones).
    pub fn without(&self, excluded: &BTreeSet<String>) -> Self {
        let modules: Vec<_> = self
            .modules
            .iter()
            .filter(|m| !excluded.contains(&m.name))
            .cloned()
            .collect();
        let stated_percent = if modules.len() == self.modules.len() {
            self.stated_percent
        } else {
            None
        };
        Self {
            modules,
            stated_percent,
        }
    }

    /// Covered instructions over all modules, as a percentage.
    pub fn percent(&self) -> f64 {
        percent(
            self.modules.iter().map(|m| m.covered).sum(),
            self.modules.iter().map(|m| m.total).sum(),
        )
    }
}

fn count(text: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("not an instruction count: `{}`", text.trim()))
}

fn percent(covered: u64, total: u64) -> f64 {
    if total == 0 {
        100.0
    } else {
        covered as f64 * 100.0 / total as f64
    }
}

/// The modules of the package at `package_dir` that exist only for tests:
/// every module under `tests/`, and any `#[test_only]` module under
/// `sources/`. Coverage of test code says nothing about the contracts.
pub fn test_only_modules(package_dir: &Path) -> std::io::Result<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    for (dir, all) in [("tests", true), ("sources", false)] {
        let dir = package_dir.join(dir);
        if !dir.is_dir() {
            continue;
        }
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "move") {
                names.extend(test_only_in(&std::fs::read_to_string(&path)?, all));
            }
        }
    }
    Ok(names)
}

/// The names of the modules declared in `source` that are test-only: all of
/// them when `all`, else those under a `#[test_only]` attribute.
fn test_only_in(source: &str, all: bool) -> Vec<String> {
    let mut names = Vec::new();
    let mut attributed = false;
    for line in source.lines().map(str::trim) {
        if line.starts_with("#[") {
            attributed |= line.contains("test_only");
        } else if let Some(rest) = line.strip_prefix("module ") {
            if all || attributed {
                let path = rest
                    .split(|c: char| c == '{' || c == ';' || c.is_whitespace())
                    .next()
                    .unwrap_or_default();
                names.push(path.rsplit("::").next().unwrap_or(path).to_owned());
            }
            attributed = false;
        } else if !line.is_empty() && !line.starts_with("//") {
            attributed = false;
        }
    }
    names
}

/// The Aptos CLI on `PATH`, needed for `aptos node run-localnet`.
///
/// The error names the CLI and `cargo xtask setup`, so every command that
/// needs it fails fast with the same hint.
pub fn find_aptos_cli() -> Result<PathBuf, Missing> {
    find_aptos_cli_in(env::var_os("PATH"))
}

/// [`find_aptos_cli`] with `PATH` given, for tests.
pub fn find_aptos_cli_in(path: Option<OsString>) -> Result<PathBuf, Missing> {
    path.as_deref()
        .and_then(|p| find_on_path("aptos", p))
        .ok_or_else(|| Missing(missing_cli_message()))
}

/// The one message for a missing Aptos CLI.
pub fn missing_cli_message() -> String {
    "the Aptos CLI (`aptos`) is not on PATH; install the pinned version with \
     `cargo xtask setup` (or `cargo xtask setup --from-source`)"
        .to_string()
}

/// The first executable named `name` in a `PATH`-style list.
pub fn find_on_path(name: &str, path: &std::ffi::OsStr) -> Option<PathBuf> {
    env::split_paths(path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    fn fake_exe(dir: &Path, name: &str) -> PathBuf {
        let p = dir.join(name);
        fs::write(&p, "#!/bin/sh\n").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    #[test]
    fn prefers_aptos_cli_on_path() {
        let dir = tempfile::tempdir().unwrap();
        let aptos = fake_exe(dir.path(), "aptos");
        let mv = fake_exe(dir.path(), "move");
        let found = MoveRunner::find_in(Some(dir.path().into()), Some(mv.into())).unwrap();
        assert_eq!(found, MoveRunner::AptosCli(aptos));
    }

    #[test]
    fn falls_back_to_move_bin() {
        let dir = tempfile::tempdir().unwrap();
        let mv = fake_exe(dir.path(), "move");
        let empty = tempfile::tempdir().unwrap();
        let found =
            MoveRunner::find_in(Some(empty.path().into()), Some(mv.clone().into())).unwrap();
        assert_eq!(found, MoveRunner::MoveBin(mv));
    }

    #[test]
    fn finds_aptos_move_on_path_last() {
        let dir = tempfile::tempdir().unwrap();
        let on_path = fake_exe(dir.path(), MOVE_BIN_ON_PATH);
        let found = MoveRunner::find_in(Some(dir.path().into()), None).unwrap();
        assert_eq!(found, MoveRunner::MoveBin(on_path));
        let named = fake_exe(dir.path(), "move");
        let found =
            MoveRunner::find_in(Some(dir.path().into()), Some(named.clone().into())).unwrap();
        assert_eq!(
            found,
            MoveRunner::MoveBin(named),
            "YENPAY_MOVE_BIN comes first"
        );
    }

    #[test]
    fn missing_names_the_cli_and_setup() {
        let empty = tempfile::tempdir().unwrap();
        let Missing(why) = MoveRunner::find_in(Some(empty.path().into()), None).unwrap_err();
        assert!(why.contains("Aptos CLI"), "{why}");
        assert!(why.contains("cargo xtask setup"), "{why}");
    }

    #[test]
    fn move_bin_that_is_not_executable_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("move");
        fs::write(&p, "not executable").unwrap();
        let Missing(why) = MoveRunner::find_in(None, Some(p.into())).unwrap_err();
        assert!(why.contains("not an executable"), "{why}");
    }

    #[test]
    fn missing_aptos_cli_names_it_and_setup() {
        let empty = tempfile::tempdir().unwrap();
        let Missing(why) = find_aptos_cli_in(Some(empty.path().into())).unwrap_err();
        assert!(why.contains("Aptos CLI"), "{why}");
        assert!(why.contains("cargo xtask setup"), "{why}");
        let dir = tempfile::tempdir().unwrap();
        let aptos = fake_exe(dir.path(), "aptos");
        assert_eq!(find_aptos_cli_in(Some(dir.path().into())).unwrap(), aptos);
    }

    fn args_of(cmd: &Command) -> Vec<String> {
        cmd.get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn compile_command_resolves_the_named_addresses_and_saves_metadata() {
        let named = [
            ("yenpay", "0xabc".to_string()),
            ("deployer", "0xdef".to_string()),
        ];
        let cli = MoveRunner::AptosCli("/x/aptos".into());
        assert_eq!(
            args_of(&cli.compile_command(Path::new("move"), &named, false)),
            [
                "move",
                "compile",
                "--package-dir",
                "move",
                "--save-metadata",
                "--included-artifacts",
                "none",
                "--named-addresses",
                "yenpay=0xabc,deployer=0xdef"
            ]
        );
        // The standalone binary takes the same flags without the leading `move`.
        let bin = MoveRunner::MoveBin("/x/move".into());
        assert_eq!(
            args_of(&bin.compile_command(Path::new("move"), &named, true)),
            [
                "compile",
                "--package-dir",
                "move",
                "--save-metadata",
                "--included-artifacts",
                "none",
                "--named-addresses",
                "yenpay=0xabc,deployer=0xdef",
                "--skip-fetch-latest-git-deps"
            ]
        );
    }

    #[test]
    fn aptos_cli_test_command_targets_the_package_in_dev_mode() {
        let cli = MoveRunner::AptosCli("/x/aptos".into());
        assert_eq!(
            args_of(&cli.test_command(Path::new("move"), false)),
            ["move", "test", "--package-dir", "move", "--dev"]
        );
        assert_eq!(
            args_of(&cli.test_command(Path::new("move"), true)),
            [
                "move",
                "test",
                "--package-dir",
                "move",
                "--dev",
                "--coverage"
            ]
        );
        assert_eq!(
            args_of(&cli.coverage_summary_command(Path::new("move"))),
            [
                "move",
                "coverage",
                "summary",
                "--package-dir",
                "move",
                "--dev",
                "--summarize-functions"
            ]
        );
    }

    #[test]
    fn the_move_binary_runs_inside_the_package() {
        let bin = MoveRunner::MoveBin("/x/aptos-move".into());
        let cmd = bin.coverage_summary_command(Path::new("pkg"));
        assert_eq!(
            args_of(&cmd),
            ["coverage", "summary", "--dev", "--summarize-functions"]
        );
        assert_eq!(cmd.get_current_dir(), Some(Path::new("pkg")));
        assert_eq!(
            args_of(&bin.test_command(Path::new("pkg"), true)),
            ["test", "--dev", "--coverage"]
        );
    }

    /// A runner whose help pages are `test_help` and `summary_help`.
    fn runner_with_help(dir: &Path, test_help: &str, summary_help: &str) -> MoveRunner {
        let p = dir.join("aptos-move");
        fs::write(
            &p,
            format!(
                "#!/bin/sh\nif [ \"$1\" = test ]; then echo '{test_help}'; else echo '{summary_help}'; fi\n"
            ),
        )
        .unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
        MoveRunner::MoveBin(p)
    }

    #[test]
    fn coverage_support_is_asked_of_the_runner() {
        let dir = tempfile::tempdir().unwrap();
        let full = runner_with_help(dir.path(), "--coverage", "--summarize-functions --csv");
        assert_eq!(full.coverage_support(), Ok(()));
        let old = runner_with_help(dir.path(), "--filter", "--summarize-functions");
        let Missing(why) = old.coverage_support().unwrap_err();
        assert!(why.contains("test --coverage"), "{why}");
        let no_functions = runner_with_help(dir.path(), "--coverage", "--csv");
        let Missing(why) = no_functions.coverage_support().unwrap_err();
        assert!(why.contains("--summarize-functions"), "{why}");
        let Missing(why) = MoveRunner::MoveBin("/nonexistent/move".into())
            .coverage_support()
            .unwrap_err();
        assert!(why.contains("cannot run"), "{why}");
    }

    /// Captured from `aptos-move coverage summary --dev --summarize-functions`
    /// (aptos-core's Move CLI) after `aptos-move test --dev --coverage`, on the
    /// package as of commit 5a41e31 (516 tests).
    const CAPTURED: &str = include_str!("../tests/data/move_coverage_summary.txt");

    #[test]
    fn the_captured_summary_parses_to_the_runners_own_figures() {
        let summary = CoverageSummary::parse(CAPTURED).unwrap();
        let names: Vec<_> = summary.modules.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            ["stablecoin", "merchant_registry", "invoice", "upgrade"]
        );
        let upgrade = &summary.modules[3];
        assert_eq!((upgrade.covered, upgrade.total), (22, 35));
        // The runner's rounded module figures, recomputed from the counts.
        let stated = [98.75, 97.27, 95.80, 62.86];
        for (module, stated) in summary.modules.iter().zip(stated) {
            assert!(
                (module.percent() - stated).abs() < 0.005,
                "{}: {} vs {stated}",
                module.name,
                module.percent()
            );
        }
        assert_eq!(summary.stated_percent, Some(97.19));
        assert!(
            (summary.percent() - 97.19).abs() < 0.005,
            "{}",
            summary.percent()
        );
    }

    #[test]
    fn excluding_a_module_reweighs_the_total() {
        let summary = CoverageSummary::parse(CAPTURED).unwrap();
        let without = summary.without(&BTreeSet::from(["upgrade".to_owned()]));
        assert_eq!(without.modules.len(), 3);
        assert_eq!(
            without.stated_percent, None,
            "the runner's total included it"
        );
        assert!(without.percent() > summary.percent());
        let covered: u64 = without.modules.iter().map(|m| m.covered).sum();
        let total: u64 = without.modules.iter().map(|m| m.total).sum();
        assert!((without.percent() - covered as f64 * 100.0 / total as f64).abs() < 1e-9);
        assert_eq!(
            summary.without(&BTreeSet::from(["x_tests".to_owned()])),
            summary
        );
    }

    #[test]
    fn summaries_without_counts_are_refused() {
        let module_level_only =
            "Module 0xcafe::a\n>>> % Module coverage: 50.00\n| % Move Coverage: 50.00 |\n";
        let err = CoverageSummary::parse(module_level_only).unwrap_err();
        assert!(err.contains("--summarize-functions"), "{err}");
        assert!(CoverageSummary::parse("{ \"Result\": \"Success\" }").is_err());
        assert!(CoverageSummary::parse("Module 0xcafe::a\n total: 3\n covered: 4\n").is_err());
        assert!(CoverageSummary::parse("total: 3\n").is_err());
        assert!(CoverageSummary::parse("Module 0xcafe::a\n total: x\n").is_err());
    }

    #[test]
    fn test_only_modules_are_found_by_folder_and_attribute() {
        let source = "/// Doc\nmodule yenpay::coin {\n}\n#[test_only]\n/// Helpers.\nmodule yenpay::coin_helpers;\n";
        assert_eq!(test_only_in(source, false), ["coin_helpers"]);
        assert_eq!(test_only_in(source, true), ["coin", "coin_helpers"]);
        let attributed_function = "#[test_only]\nfun x() {}\nmodule yenpay::other {}\n";
        assert!(test_only_in(attributed_function, false).is_empty());

        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("sources")).unwrap();
        fs::create_dir_all(dir.path().join("tests")).unwrap();
        fs::write(dir.path().join("sources/a.move"), source).unwrap();
        fs::write(
            dir.path().join("tests/a_tests.move"),
            "#[test_only]\nmodule yenpay::a_tests {\n}\n",
        )
        .unwrap();
        fs::write(dir.path().join("tests/notes.md"), "module yenpay::not_move").unwrap();
        let found = test_only_modules(dir.path()).unwrap();
        assert_eq!(
            found,
            BTreeSet::from(["a_tests".to_owned(), "coin_helpers".to_owned()])
        );
    }
}
