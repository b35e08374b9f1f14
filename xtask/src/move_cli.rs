//! Finding a real Move toolchain: the Aptos CLI, or an aptos-core `move` binary.
//!
//! Nothing here pretends: when neither is found, callers get a [`Missing`]
//! reason to print, never a substitute.
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

    /// `move test --dev` for the package in `package_dir`.
    pub fn test_command(&self, package_dir: &Path) -> Command {
        self.package_command("test", package_dir)
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
        cmd.arg("compile")
            .arg("--package-dir")
            .arg(package_dir)
            .arg("--save-metadata");
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

    fn package_command(&self, verb: &str, package_dir: &Path) -> Command {
        match self {
            Self::AptosCli(aptos) => {
                let mut cmd = Command::new(aptos);
                cmd.args(["move", verb, "--package-dir"]).arg(package_dir);
                if verb == "test" {
                    cmd.arg("--dev");
                }
                cmd
            }
            Self::MoveBin(bin) => {
                let mut cmd = Command::new(bin);
                cmd.arg(verb).current_dir(package_dir);
                if verb == "test" {
                    cmd.arg("--dev");
                }
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
                "--named-addresses",
                "yenpay=0xabc,deployer=0xdef",
                "--skip-fetch-latest-git-deps"
            ]
        );
    }

    #[test]
    fn aptos_cli_test_command_targets_the_package_in_dev_mode() {
        let cmd = MoveRunner::AptosCli("/x/aptos".into()).test_command(Path::new("move"));
        let args: Vec<_> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(args, ["move", "test", "--package-dir", "move", "--dev"]);
    }
}
