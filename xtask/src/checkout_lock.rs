//! One command at a time on a checkout's deployment state.
//!
//! `deploy`, `upgrade`, `e2e`, `bench-chain`, `demo`, `mint` and `shop` read
//! or rewrite the same things: `move/build`, the `yenpay-local` profile in
//! `.aptos/` and `deployments/<network>.json`. Two at once break each other
//! (a deploy during an e2e run replaced the package its upgrade case
//! upgrades). So each holds an OS lock on `target/xtask-deployment.lock` for
//! its whole run, and a second one stops at once, saying which command holds
//! it. The OS releases the lock when the holder exits, however it exits.
use anyhow::{Context, Result, bail};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Held for as long as it lives.
#[derive(Debug)]
pub struct CheckoutLock {
    _file: File,
}

/// The lock file of the checkout at `root`.
pub fn path(root: &Path) -> PathBuf {
    root.join("target").join("xtask-deployment.lock")
}

/// Takes the checkout's lock for `command`, or says who holds it.
pub fn acquire(root: &Path, command: &str) -> Result<CheckoutLock> {
    let path = path(root);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("opening the lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(&path).unwrap_or_default();
            let holder = holder.trim();
            bail!(
                "this checkout's move/build, .aptos/yenpay-local profile and deployments/ are in use by {}; \
                 wait for it to finish (or stop it), then run `cargo xtask {command}` again",
                if holder.is_empty() {
                    "another cargo xtask command"
                } else {
                    holder
                }
            );
        }
        Err(TryLockError::Error(error)) => {
            return Err(error).with_context(|| format!("locking {}", path.display()));
        }
    }
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    file.set_len(0)
        .and_then(|()| {
            writeln!(
                file,
                "`cargo xtask {command}` (process {}, since Unix time {since})",
                std::process::id()
            )
        })
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(CheckoutLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_command_is_told_who_holds_the_checkout() {
        let root = tempfile::tempdir().unwrap();
        let held = acquire(root.path(), "e2e").unwrap();
        let refused = acquire(root.path(), "deploy").unwrap_err().to_string();
        assert!(refused.contains("`cargo xtask e2e`"), "{refused}");
        assert!(
            refused.contains(&format!("process {}", std::process::id())),
            "{refused}"
        );
        assert!(
            refused.contains("run `cargo xtask deploy` again"),
            "{refused}"
        );
        drop(held);
        // Released with its holder; the next one takes it and names itself.
        let _next = acquire(root.path(), "deploy").unwrap();
        let holder = std::fs::read_to_string(path(root.path())).unwrap();
        assert!(holder.starts_with("`cargo xtask deploy`"), "{holder}");
    }
}
