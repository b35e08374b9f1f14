//! A throwaway PostgreSQL for `cargo xtask test`: the gateway's test suite
//! runs on SQLite and, with this, on PostgreSQL too.
//!
//! When `YENPAY_TEST_DATABASE_URL` is already set it is used as is.
//! Otherwise, where PostgreSQL's server programs are installed (on `PATH`, or
//! in Debian's `/usr/lib/postgresql/<version>/bin`; `.ci/run` installs the
//! Debian package), a new cluster is created under `target/`, listening on
//! 127.0.0.1 only (no Unix socket outside its folder), with trust
//! authentication (loopback, a throwaway database). It is stopped and
//! deleted when the guard drops. PostgreSQL refuses to run as root, so as
//! root the cluster belongs to the `postgres` user and its programs run
//! through `runuser`.
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The variable the gateway's tests read.
pub const URL_VAR: &str = "YENPAY_TEST_DATABASE_URL";

/// A running cluster; stopped and removed on drop.
pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    run_as: Option<String>,
    /// The connection URL.
    pub url: String,
}

/// Where PostgreSQL's server programs are, if installed.
fn server_bin() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("initdb").is_file() && dir.join("pg_ctl").is_file() {
                return Some(dir);
            }
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl Cluster {
    fn command(&self, program: &str) -> Command {
        command(&self.bin, self.run_as.as_deref(), program)
    }
}

fn command(bin: &Path, run_as: Option<&str>, program: &str) -> Command {
    match run_as {
        Some(user) => {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", user, "--"]).arg(bin.join(program));
            cmd
        }
        None => Command::new(bin.join(program)),
    }
}

fn run(mut cmd: Command, what: &str) -> Result<(), String> {
    let output = cmd
        .output()
        .map_err(|e| format!("{what}: could not start: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} exited with {}: {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Starts a cluster under `target_dir`: `Ok(None)` when PostgreSQL is not installed.
pub fn start(target_dir: &Path) -> Result<Option<Cluster>, String> {
    let Some(bin) = server_bin() else {
        return Ok(None);
    };
    let run_as = is_root().then(|| "postgres".to_owned());
    let dir = target_dir.join(format!("pg-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let dir = dir
        .canonicalize()
        .map_err(|e| format!("resolving {}: {e}", dir.display()))?;
    if let Some(user) = &run_as {
        let mut chown = Command::new("chown");
        chown.arg(format!("{user}:{user}")).arg(&dir);
        run(chown, "chown of the cluster folder")?;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("finding a free port: {e}"))?
        .port();
    let data = dir.join("data");
    let mut initdb = command(&bin, run_as.as_deref(), "initdb");
    initdb
        .args([
            "--auth=trust",
            "--username=postgres",
            "--encoding=UTF8",
            "--no-sync",
            "-D",
        ])
        .arg(&data);
    run(initdb, "initdb")?;
    let cluster = Cluster {
        bin,
        dir: dir.clone(),
        run_as,
        url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
    };
    let mut pg_ctl = cluster.command("pg_ctl");
    pg_ctl
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(dir.join("server.log"))
        .arg("-o")
        .arg(format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off",
            dir.display()
        ))
        .args(["-w", "start"]);
    run(pg_ctl, "pg_ctl start")?;
    Ok(Some(cluster))
}

impl Cluster {
    /// The command line that crashes the server (an immediate stop: no
    /// checkpoint, recovery from the WAL at start) and starts it again on
    /// the same port, waiting until it accepts connections.
    pub fn crash_restart_command(&self) -> Vec<String> {
        let mut argv = Vec::new();
        if let Some(user) = &self.run_as {
            argv.extend([
                "runuser".to_owned(),
                "-u".to_owned(),
                user.clone(),
                "--".to_owned(),
            ]);
        }
        argv.push(self.bin.join("pg_ctl").display().to_string());
        argv.extend(["-D".to_owned(), self.dir.join("data").display().to_string()]);
        argv.extend([
            "-l".to_owned(),
            self.dir.join("server.log").display().to_string(),
        ]);
        argv.extend(["-m", "immediate", "-w", "restart"].map(str::to_owned));
        argv
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let mut stop = self.command("pg_ctl");
        stop.arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "fast", "-w", "stop"]);
        if let Err(e) = run(stop, "pg_ctl stop") {
            eprintln!("warning: {e}");
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
