//! `cargo xtask localnet start|stop|status|logs`: a local Aptos node run by
//! the Aptos CLI (`aptos node run-localnet`), its data under `.localnet/`.
//!
//! The PID of the process we started is recorded, and `stop` signals that PID
//! only, after checking it is still a localnet.
use std::fs;
use std::io::{BufRead, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};

use crate::http::{self, NotReady};
use crate::move_cli::{Missing, find_aptos_cli};
use crate::progress;

/// The localnet's REST API port.
pub const REST_PORT: u16 = 8080;
/// The localnet's faucet port.
pub const FAUCET_PORT: u16 = 8081;
/// The localnet's readiness endpoint port (200 once every service is up).
pub const READY_PORT: u16 = 8070;

/// The ports `run-localnet` needs, with what each one serves.
pub const PORTS: [(u16, &str); 3] = [
    (REST_PORT, "REST API"),
    (FAUCET_PORT, "faucet"),
    (READY_PORT, "readiness endpoint"),
];

/// The REST URL of the localnet.
pub fn rest_url() -> String {
    format!("http://127.0.0.1:{REST_PORT}")
}

/// The faucet URL of the localnet.
pub fn faucet_url() -> String {
    format!("http://127.0.0.1:{FAUCET_PORT}")
}

/// The readiness URL of the localnet.
pub fn ready_url() -> String {
    format!("http://127.0.0.1:{READY_PORT}/")
}

/// `cargo xtask localnet ...`
#[derive(Debug, Args)]
pub struct LocalnetArgs {
    #[command(subcommand)]
    pub command: LocalnetCommand,
}

/// What to do with the localnet.
#[derive(Debug, Subcommand)]
pub enum LocalnetCommand {
    /// Start `aptos node run-localnet` in the background and wait until it is ready.
    Start(StartArgs),
    /// Stop the localnet this project started (only the recorded PID).
    Stop,
    /// Show whether it runs, its REST and faucet URLs, chain id and ledger version.
    Status,
    /// Print the node's log and follow it (Ctrl-C to stop following).
    Logs(LogsArgs),
}

/// Options of `localnet start`.
#[derive(Debug, Args, Clone)]
pub struct StartArgs {
    /// Wipe the chain in .localnet/ and start again from genesis.
    #[arg(long)]
    pub fresh: bool,
    /// Seconds to wait for the readiness endpoint before giving up.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
}

impl Default for StartArgs {
    fn default() -> Self {
        Self {
            fresh: false,
            timeout: 300,
        }
    }
}

/// Options of `localnet logs`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Print what is there and exit instead of following.
    #[arg(long)]
    pub no_follow: bool,
    /// How many lines of history to print first.
    #[arg(long, short = 'n', default_value_t = 50)]
    pub lines: usize,
    /// Show the Aptos CLI's own output (.localnet/localnet.log) instead of the node's log.
    #[arg(long)]
    pub cli: bool,
}

/// Where the localnet keeps its files: `<root>/.localnet/` (git-ignored).
#[derive(Debug, Clone)]
pub struct Paths {
    dir: PathBuf,
}

impl Paths {
    /// The localnet folder of the project at `root`.
    pub fn new(root: &Path) -> Self {
        Self {
            dir: root.join(".localnet"),
        }
    }

    /// The node's data (`--test-dir`).
    pub fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The PID of the `aptos node run-localnet` we started.
    pub fn pid_file(&self) -> PathBuf {
        self.dir.join("localnet.pid")
    }

    /// The CLI's output.
    pub fn log_file(&self) -> PathBuf {
        self.dir.join("localnet.log")
    }
}

/// What the PID file says about the localnet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PidState {
    /// No PID file.
    None,
    /// The recorded process is alive and is an `aptos node run-localnet`.
    Running(u32),
    /// The recorded process is gone, or the PID now belongs to something else.
    Stale(u32),
}

/// Reads the PID file and checks the process behind it.
pub fn pid_state(paths: &Paths) -> Result<PidState> {
    let text = match fs::read_to_string(paths.pid_file()) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(PidState::None),
        Err(e) => return Err(e).context("reading the localnet PID file"),
    };
    let pid: u32 = text
        .trim()
        .parse()
        .with_context(|| format!("{} does not hold a PID", paths.pid_file().display()))?;
    Ok(if is_our_localnet(pid) {
        PidState::Running(pid)
    } else {
        PidState::Stale(pid)
    })
}

/// Whether `pid` is alive and runs `run-localnet` (so a recycled PID is never
/// mistaken for ours).
fn is_our_localnet(pid: u32) -> bool {
    let cmdline = match fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(c) => c,
        Err(_) => return process_alive(pid) && !Path::new("/proc/self").exists(),
    };
    cmdline.split(|b| *b == 0).any(|arg| arg == b"run-localnet")
}

/// Whether `pid` runs. A zombie (exited, not yet reaped: a localnet this
/// very process started and stopped) counts as gone.
fn process_alive(pid: u32) -> bool {
    if let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) {
        // `pid (comm) STATE ...`: the state follows the last `)`.
        let state = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.trim_start().chars().next());
        return !matches!(state, Some('Z' | 'X') | None);
    }
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
}

/// Fails with the names of the localnet ports already taken.
pub fn check_ports_free() -> Result<()> {
    check_ports(&PORTS)
}

fn check_ports(ports: &[(u16, &str)]) -> Result<()> {
    let taken = http::ports_in_use(ports);
    if taken.is_empty() {
        return Ok(());
    }
    let list = taken
        .iter()
        .map(|(port, what)| format!("{port} ({what})"))
        .collect::<Vec<_>>()
        .join(", ");
    bail!(
        "port(s) already in use: {list}. Another node or program holds them: stop it, or, if it \
         is an Aptos node you want to use, set APTOS_NODE_URL (and APTOS_FAUCET_URL) to it"
    )
}

pub fn run(root: &Path, args: &LocalnetArgs) -> Result<()> {
    let paths = Paths::new(root);
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    match &args.command {
        LocalnetCommand::Start(start_args) => rt.block_on(start(&paths, start_args)).map(|_| ()),
        LocalnetCommand::Stop => stop(&paths),
        LocalnetCommand::Status => rt.block_on(status(&paths)),
        LocalnetCommand::Logs(logs_args) => logs(&paths, logs_args),
    }
}

/// Whether `start` launched a new process or found one running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Started {
    /// We launched it (so `e2e` stops it afterwards).
    New,
    /// It was already running.
    AlreadyRunning,
}

/// Starts the localnet (or finds it running) and waits until it is ready.
pub async fn start(paths: &Paths, args: &StartArgs) -> Result<Started> {
    let aptos = find_aptos_cli().map_err(|Missing(why)| anyhow::anyhow!(why))?;
    match pid_state(paths)? {
        PidState::Running(pid) => {
            println!("The localnet is already running (pid {pid}).");
            wait_until_ready(Duration::from_secs(args.timeout), || Ok(())).await?;
            return Ok(Started::AlreadyRunning);
        }
        PidState::Stale(pid) => {
            println!("Removing a stale PID file (process {pid} is gone).");
            fs::remove_file(paths.pid_file()).context("removing the stale PID file")?;
        }
        PidState::None => {}
    }
    check_ports_free()?;

    fs::create_dir_all(paths.data()).context("creating .localnet/data")?;
    let log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(paths.log_file())
        .context("opening .localnet/localnet.log")?;
    let mut cmd = Command::new(&aptos);
    cmd.args(["node", "run-localnet", "--test-dir"])
        .arg(paths.data())
        .args(["--assume-yes", "--no-txn-stream", "--bind-to", "127.0.0.1"]);
    if args.fresh {
        cmd.arg("--force-restart");
    }
    cmd.stdin(Stdio::null())
        .stdout(log.try_clone().context("sharing the log file")?)
        .stderr(log);
    // Its own process group: Ctrl-C in this terminal does not reach it, so
    // it outlives `cargo xtask localnet start`.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    println!("Starting: {}", crate::render(&cmd));
    let mut child = cmd
        .spawn()
        .with_context(|| format!("could not start {}", aptos.display()))?;
    fs::write(paths.pid_file(), child.id().to_string()).context("writing the PID file")?;

    let result = wait_until_ready(Duration::from_secs(args.timeout), || {
        exited(&mut child).map_or(Ok(()), Err)
    })
    .await;
    if let Err(e) = result {
        // We started it and it is not usable: stop exactly that process.
        if exited(&mut child).is_none() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = fs::remove_file(paths.pid_file());
        let tail = tail_lines(&paths.log_file(), 20).unwrap_or_default();
        bail!(
            "{e:#}\nLast lines of {}:\n{tail}",
            paths.log_file().display()
        );
    }
    println!(
        "Localnet ready (pid {}): REST {} , faucet {} , log {}",
        child.id(),
        rest_url(),
        faucet_url(),
        paths.log_file().display()
    );
    Ok(Started::New)
}

fn exited(child: &mut Child) -> Option<String> {
    match child.try_wait() {
        Ok(Some(status)) => Some(status.to_string()),
        Ok(None) => None,
        Err(e) => Some(e.to_string()),
    }
}

async fn wait_until_ready(
    timeout: Duration,
    still_running: impl FnMut() -> Result<(), String>,
) -> Result<()> {
    println!(
        "Waiting for the localnet's readiness endpoint {} (up to {}s)...",
        ready_url(),
        timeout.as_secs()
    );
    let bar = progress::spinner("waiting for the node, faucet and readiness server");
    let result = http::wait_ready(
        &ready_url(),
        timeout,
        Duration::from_millis(500),
        still_running,
    )
    .await;
    bar.finish_and_clear();
    result.map_err(|e: NotReady| anyhow::anyhow!("the localnet did not become ready: {e}"))
}

/// Stops the recorded localnet process, and nothing else.
pub fn stop(paths: &Paths) -> Result<()> {
    match pid_state(paths)? {
        PidState::None => {
            println!("No localnet was started from this project (no .localnet/localnet.pid).");
            Ok(())
        }
        PidState::Stale(pid) => {
            fs::remove_file(paths.pid_file())?;
            println!("The recorded localnet (pid {pid}) is not running; removed its PID file.");
            Ok(())
        }
        PidState::Running(pid) => {
            let target = nix::unistd::Pid::from_raw(
                i32::try_from(pid).context("the recorded PID is out of range")?,
            );
            nix::sys::signal::kill(target, nix::sys::signal::Signal::SIGTERM)
                .with_context(|| format!("signalling pid {pid}"))?;
            let bar = progress::spinner(&format!("stopping the localnet (pid {pid})"));
            let deadline = std::time::Instant::now() + Duration::from_secs(30);
            while process_alive(pid) && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(200));
            }
            if process_alive(pid) && is_our_localnet(pid) {
                let _ = nix::sys::signal::kill(target, nix::sys::signal::Signal::SIGKILL);
                std::thread::sleep(Duration::from_millis(500));
            }
            bar.finish_and_clear();
            fs::remove_file(paths.pid_file()).context("removing the PID file")?;
            println!(
                "Localnet stopped (pid {pid}). Its chain stays in .localnet/data (use `start --fresh` to wipe it)."
            );
            Ok(())
        }
    }
}

async fn status(paths: &Paths) -> Result<()> {
    let state = pid_state(paths)?;
    match &state {
        PidState::None => println!("localnet: not started from this project"),
        PidState::Running(pid) => println!("localnet: running (pid {pid})"),
        PidState::Stale(pid) => println!("localnet: not running (stale PID file for {pid})"),
    }
    let ready = http::get_json(&ready_url(), Duration::from_secs(3))
        .await
        .is_ok();
    println!(
        "readiness:  {} ({})",
        ready_url(),
        if ready { "ready" } else { "not ready" }
    );
    print_node("REST API", &rest_url(), Some(&faucet_url())).await;
    if let Ok(url) = std::env::var(http::NODE_URL_ENV) {
        let faucet = std::env::var(http::FAUCET_URL_ENV).ok();
        println!(
            "\n{} is set; deploy, e2e and demo use that node instead:",
            http::NODE_URL_ENV
        );
        print_node("REST API", &url, faucet.as_deref()).await;
    }
    Ok(())
}

async fn print_node(what: &str, url: &str, faucet: Option<&str>) {
    println!("{what}:   {url}");
    if let Some(f) = faucet {
        println!("faucet:     {f}");
    }
    let v1 = http::rest_api_url(url);
    match http::get_json(&v1, Duration::from_secs(3)).await {
        Ok(info) => {
            let field = |k: &str| {
                info.get(k)
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                    .unwrap_or_else(|| "?".into())
            };
            println!("chain id:   {}", field("chain_id"));
            println!(
                "ledger:     version {}, block height {}",
                field("ledger_version"),
                field("block_height")
            );
        }
        Err(e) => println!("GET {v1}: {e:#}"),
    }
}

fn logs(paths: &Paths, args: &LogsArgs) -> Result<()> {
    // The node's own log once it exists; the CLI's output before that (or
    // with --cli).
    let node_log = find_files_named(&paths.data(), "validator.log")
        .into_iter()
        .next();
    let path = match node_log {
        Some(p) if !args.cli => p,
        _ => paths.log_file(),
    };
    if !path.exists() {
        bail!(
            "no localnet log at {} (start one with `cargo xtask localnet start`)",
            path.display()
        );
    }
    eprintln!("==> {}", path.display());
    print!("{}", tail_lines(&path, args.lines)?);
    if args.no_follow {
        return Ok(());
    }
    let mut file = fs::File::open(&path)?;
    let mut pos = file.seek(SeekFrom::End(0))?;
    loop {
        let len = file.metadata()?.len();
        if len < pos {
            // Truncated or replaced: start over.
            pos = 0;
        }
        if len > pos {
            file.seek(SeekFrom::Start(pos))?;
            let mut chunk = Vec::new();
            (&mut file).take(len - pos).read_to_end(&mut chunk)?;
            print!("{}", String::from_utf8_lossy(&chunk));
            pos = len;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// The last `n` lines of a file.
pub fn tail_lines(path: &Path, n: usize) -> Result<String> {
    let file = fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let lines: Vec<String> = std::io::BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .collect();
    let start = lines.len().saturating_sub(n);
    Ok(lines[start..].iter().map(|l| format!("{l}\n")).collect())
}

fn find_files_named(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|f| f == name) {
                found.push(p);
            }
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_file_states() {
        let root = tempfile::tempdir().unwrap();
        let paths = Paths::new(root.path());
        assert_eq!(pid_state(&paths).unwrap(), PidState::None);
        fs::create_dir_all(paths.pid_file().parent().unwrap()).unwrap();
        // Our own test process is alive but is not a localnet: never "ours".
        fs::write(paths.pid_file(), std::process::id().to_string()).unwrap();
        assert_eq!(
            pid_state(&paths).unwrap(),
            PidState::Stale(std::process::id())
        );
        fs::write(paths.pid_file(), "not a pid").unwrap();
        assert!(pid_state(&paths).is_err());
    }

    #[test]
    fn stop_never_signals_a_process_that_is_not_a_localnet() {
        let root = tempfile::tempdir().unwrap();
        let paths = Paths::new(root.path());
        fs::create_dir_all(paths.pid_file().parent().unwrap()).unwrap();
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        fs::write(paths.pid_file(), child.id().to_string()).unwrap();
        stop(&paths).unwrap();
        // The unrelated process is untouched; only the PID file went away.
        assert!(
            child.try_wait().unwrap().is_none(),
            "stop killed a non-localnet process"
        );
        assert!(!paths.pid_file().exists());
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[test]
    fn busy_ports_are_named_and_free_ones_are_not() {
        let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let busy_port = busy.local_addr().unwrap().port();
        let free_port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let err = check_ports(&[(busy_port, "REST API"), (free_port, "faucet")])
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("{busy_port} (REST API)")), "{err}");
        assert!(!err.contains("faucet"), "{err}");
        assert!(err.contains("APTOS_NODE_URL"), "{err}");
        drop(busy);
        check_ports(&[(busy_port, "REST API")]).unwrap();
    }

    #[test]
    fn stop_ends_the_recorded_localnet_process() {
        let root = tempfile::tempdir().unwrap();
        let paths = Paths::new(root.path());
        fs::create_dir_all(paths.pid_file().parent().unwrap()).unwrap();
        // A process whose command line carries `run-localnet`, as the CLI's does
        // (the trailing `:` keeps the shell from exec-ing into sleep).
        let mut child = Command::new("sh")
            .args(["-c", "sleep 30; :", "run-localnet"])
            .spawn()
            .unwrap();
        fs::write(paths.pid_file(), child.id().to_string()).unwrap();
        // Until the child has exec'd, /proc shows the parent's command line.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while pid_state(&paths).unwrap() != PidState::Running(child.id())
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(pid_state(&paths).unwrap(), PidState::Running(child.id()));
        stop(&paths).unwrap();
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "the process should have been terminated: {status}"
        );
        assert!(!paths.pid_file().exists());
        assert_eq!(pid_state(&paths).unwrap(), PidState::None);
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log");
        fs::write(&p, "a\nb\nc\nd\n").unwrap();
        assert_eq!(tail_lines(&p, 2).unwrap(), "c\nd\n");
        assert_eq!(tail_lines(&p, 10).unwrap(), "a\nb\nc\nd\n");
    }
}
