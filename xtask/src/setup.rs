//! `cargo xtask setup`: install the pinned Aptos CLI.
//!
//! The release zip comes from the official aptos-core GitHub release and is
//! refused unless its SHA-256 matches the table below. `--from-source` builds
//! the same tag with cargo instead.
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::Args;
use sha2::{Digest, Sha256};

use crate::move_cli::find_on_path;
use crate::progress;

/// The Aptos CLI version yenpay is built and tested against.
pub const PINNED_VERSION: &str = "9.4.0";

/// SHA-256 of the pinned release's zip assets, from public package manifests
/// that pin the same assets (never computed here: this machine cannot reach
/// GitHub).
///
/// - Linux-x86_64: the AUR package `aptos-bin`, PKGBUILD at pkgver=9.4.0
///   (<https://aur.archlinux.org/packages/aptos-bin>), and the Homebrew tap
///   formula `Formula/aptos-cli.rb` of github.com/mvrpl/unix-apps at commit
///   1c25483a3596f87bba1ef06f50e88ccedfc29206 (version 9.4.0): both agree.
/// - Linux-aarch64, macOS-arm64, macOS-x86_64: that same tap formula only.
/// - Windows-x86_64: no public manifest found, so no entry; setup says so and
///   points to `--from-source`.
const CHECKSUMS: &[(Platform, &str)] = &[
    (
        Platform::LinuxX86_64,
        "7ec06fb15fff94c3fa6fc29824e90e7d16f84a595b5341fc365a1a0fe973dd1b",
    ),
    (
        Platform::LinuxAarch64,
        "d5314627ca0919d75951b3c8186cda6306cba098c0971b38b857b8708dc03a82",
    ),
    (
        Platform::MacosArm64,
        "2f2b733f97730d299a8f965a1932952f27655c9e79dc57c9f2ec92a1d74ed95c",
    ),
    (
        Platform::MacosX86_64,
        "8b1e6695d7ccc672c8504d33e1b191e2b616cb8642d301b8104bddd952e2cbb0",
    ),
];

const RELEASES: &str = "https://github.com/aptos-labs/aptos-core/releases/download";
const SOURCE_REPO: &str = "https://github.com/aptos-labs/aptos-core.git";

/// Options of `cargo xtask setup`.
#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Build the CLI from the aptos-core tag with `cargo install` instead of
    /// downloading the release binary (slow: tens of minutes).
    #[arg(long)]
    pub from_source: bool,
    /// Where to put the `aptos` binary (default: ~/.local/bin). With
    /// --from-source this is cargo's install root (the binary goes in DIR/bin).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Install even when the pinned version is already on PATH.
    #[arg(long)]
    pub force: bool,
}

/// A platform the Aptos CLI is released for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// Linux on x86_64.
    LinuxX86_64,
    /// Linux on 64-bit ARM.
    LinuxAarch64,
    /// macOS on Intel.
    MacosX86_64,
    /// macOS on Apple silicon.
    MacosArm64,
    /// Windows on x86_64.
    WindowsX86_64,
}

impl Platform {
    /// This machine's platform, if the CLI is released for it.
    pub fn current() -> Option<Self> {
        Self::from_os_arch(std::env::consts::OS, std::env::consts::ARCH)
    }

    /// The platform for Rust's `std::env::consts::{OS, ARCH}` values.
    pub fn from_os_arch(os: &str, arch: &str) -> Option<Self> {
        match (os, arch) {
            ("linux", "x86_64") => Some(Self::LinuxX86_64),
            ("linux", "aarch64") => Some(Self::LinuxAarch64),
            ("macos", "x86_64") => Some(Self::MacosX86_64),
            ("macos", "aarch64") => Some(Self::MacosArm64),
            ("windows", "x86_64") => Some(Self::WindowsX86_64),
            _ => None,
        }
    }

    /// The platform part of the release asset's name.
    pub fn asset_suffix(self) -> &'static str {
        match self {
            Self::LinuxX86_64 => "Linux-x86_64",
            Self::LinuxAarch64 => "Linux-aarch64",
            Self::MacosX86_64 => "macOS-x86_64",
            Self::MacosArm64 => "macOS-arm64",
            Self::WindowsX86_64 => "Windows-x86_64",
        }
    }

    /// The binary's name inside the zip.
    pub fn binary_name(self) -> &'static str {
        match self {
            Self::WindowsX86_64 => "aptos.exe",
            _ => "aptos",
        }
    }
}

/// `aptos-cli-9.4.0-Linux-x86_64.zip`
pub fn asset_name(version: &str, platform: Platform) -> String {
    format!("aptos-cli-{version}-{}.zip", platform.asset_suffix())
}

/// The download URL of a release asset.
pub fn asset_url(version: &str, platform: Platform) -> String {
    format!(
        "{RELEASES}/aptos-cli-v{version}/{}",
        asset_name(version, platform)
    )
}

/// The pinned version's checksum for `platform`, if a public source was found.
pub fn pinned_sha256(platform: Platform) -> Option<&'static str> {
    CHECKSUMS
        .iter()
        .find(|(p, _)| *p == platform)
        .map(|(_, sum)| *sum)
}

/// The version in `aptos --version` output (`aptos 9.4.0`).
pub fn parse_cli_version(output: &str) -> Option<&str> {
    let line = output.lines().find(|l| !l.trim().is_empty())?;
    let mut words = line.split_whitespace();
    if words.next()? != "aptos" {
        return None;
    }
    let version = words.next()?;
    let mut parts = version.split(['-', '+']).next()?.split('.');
    let numeric = (0..3).all(|_| {
        parts
            .next()
            .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    });
    (numeric && parts.next().is_none()).then_some(version)
}

/// Refuses `actual` unless it equals the hex digest `expected`.
pub fn verify_sha256(actual: &[u8], expected: &str) -> Result<()> {
    let expected_bytes = const_hex::decode(expected.trim())
        .with_context(|| format!("the checksum table entry {expected:?} is not hex"))?;
    if expected_bytes.as_slice() != actual {
        bail!(
            "SHA-256 mismatch: expected {expected}, got {}; the download was refused and deleted",
            const_hex::encode(actual)
        );
    }
    Ok(())
}

/// SHA-256 of everything `reader` yields.
pub fn sha256_of(mut reader: impl Read) -> Result<[u8; 32]> {
    let mut hasher = Sha256::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        let n = reader.read(&mut buf).context("reading the file to hash")?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().into())
}

/// Extracts `binary` from the zip at `zip_path` to `dir/binary`, executable.
/// Writes next to the target and renames, so a failure never leaves half a binary.
pub fn unpack_binary(zip_path: &Path, binary: &str, dir: &Path) -> Result<PathBuf> {
    let file =
        std::fs::File::open(zip_path).with_context(|| format!("opening {}", zip_path.display()))?;
    let mut archive = zip::ZipArchive::new(file).context("the download is not a zip archive")?;
    let mut entry = archive
        .by_name(binary)
        .with_context(|| format!("the release zip has no `{binary}` entry"))?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    std::io::copy(&mut entry, &mut tmp).context("unpacking the binary")?;
    tmp.flush()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755))
            .context("making the binary executable")?;
    }
    let target = dir.join(binary);
    tmp.persist(&target)
        .with_context(|| format!("moving the binary to {}", target.display()))?;
    Ok(target)
}

/// The version an `aptos` binary reports, if it runs.
fn installed_version(aptos: &Path) -> Option<String> {
    let out = Command::new(aptos).arg("--version").output().ok()?;
    parse_cli_version(&String::from_utf8_lossy(&out.stdout)).map(str::to_owned)
}

fn default_dir() -> Result<PathBuf> {
    let home = std::env::var_os("HOME").context("HOME is not set; pass --dir")?;
    Ok(PathBuf::from(home).join(".local").join("bin"))
}

pub fn run(args: &SetupArgs) -> Result<()> {
    if !args.force
        && let Some(aptos) = std::env::var_os("PATH").and_then(|p| find_on_path("aptos", &p))
    {
        match installed_version(&aptos) {
            Some(v) if v == PINNED_VERSION => {
                println!(
                    "Aptos CLI {v} is already installed at {}: nothing to do.",
                    aptos.display()
                );
                return Ok(());
            }
            Some(v) => println!(
                "Found Aptos CLI {v} at {}; yenpay pins {PINNED_VERSION}, installing it.",
                aptos.display()
            ),
            None => println!(
                "Found {} but `aptos --version` did not report a version; installing {PINNED_VERSION}.",
                aptos.display()
            ),
        }
    }
    if args.from_source {
        return from_source(args.dir.as_deref());
    }
    let platform = Platform::current().with_context(|| {
        format!(
            "the Aptos CLI has no release binary for {}-{}; build it with `cargo xtask setup --from-source`",
            std::env::consts::OS,
            std::env::consts::ARCH
        )
    })?;
    let Some(expected) = pinned_sha256(platform) else {
        bail!(
            "no published SHA-256 for {} is known to yenpay, so it will not install an \
             unverified binary; build it with `cargo xtask setup --from-source`",
            asset_name(PINNED_VERSION, platform)
        );
    };
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => default_dir()?,
    };
    let url = asset_url(PINNED_VERSION, platform);
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let zip = rt
        .block_on(download(&url, &dir))
        .with_context(|| format!("downloading {url}"))?;
    let actual =
        sha256_of(std::fs::File::open(zip.path()).context("reopening the downloaded zip")?)?;
    verify_sha256(&actual, expected)
        .with_context(|| format!("verifying {}", asset_name(PINNED_VERSION, platform)))?;
    println!("SHA-256 verified: {expected}");
    let binary = unpack_binary(zip.path(), platform.binary_name(), &dir)?;
    drop(zip);
    match installed_version(&binary) {
        Some(v) => println!("Installed Aptos CLI {v} at {}", binary.display()),
        None => println!(
            "Installed {} (it did not report its version; run it to check)",
            binary.display()
        ),
    }
    let on_path =
        std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d == dir));
    if !on_path {
        println!(
            "{} is not on PATH: add it (export PATH=\"{}:$PATH\") so cargo xtask finds `aptos`.",
            dir.display(),
            dir.display()
        );
    }
    Ok(())
}

/// Streams `url` into a temporary file in `dir`, with a progress bar.
async fn download(url: &str, dir: &Path) -> Result<tempfile::NamedTempFile> {
    crate::http::install_tls_provider();
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    let client = reqwest::Client::builder()
        .user_agent("yenpay-xtask")
        .build()
        .context("building the HTTP client")?;
    let mut response = client
        .get(url)
        .send()
        .await
        .context("no answer (is github.com reachable from here?)")?
        .error_for_status()
        .context("the release server refused the download")?;
    let bar = progress::bytes(response.content_length(), "downloading the Aptos CLI");
    while let Some(chunk) = response.chunk().await.context("reading the download")? {
        file.write_all(&chunk).context("writing the download")?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    file.flush()?;
    Ok(file)
}

fn from_source(root: Option<&Path>) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["install", "--locked", "--git", SOURCE_REPO, "--tag"])
        .arg(format!("aptos-cli-v{PINNED_VERSION}"))
        .arg("aptos");
    if let Some(root) = root {
        cmd.arg("--root").arg(root);
    }
    println!(
        "Building Aptos CLI {PINNED_VERSION} from source (this takes a long time): {}",
        crate::render(&cmd)
    );
    let status = cmd.status().context("could not start cargo install")?;
    if !status.success() {
        bail!("cargo install of the Aptos CLI failed ({status})");
    }
    let where_ = match root {
        Some(r) => r.join("bin").join("aptos"),
        None => PathBuf::from("~/.cargo/bin/aptos"),
    };
    println!(
        "Installed Aptos CLI {PINNED_VERSION} at {}",
        where_.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // FIPS 180-2 test vector: SHA-256("abc").
    const ABC_SHA256: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn the_right_checksum_passes_and_a_wrong_one_refuses() {
        let digest = sha256_of(&b"abc"[..]).unwrap();
        verify_sha256(&digest, ABC_SHA256).unwrap();
        let mut wrong = ABC_SHA256.to_string();
        wrong.replace_range(0..1, "c");
        let err = verify_sha256(&digest, &wrong).unwrap_err().to_string();
        assert!(err.contains("mismatch"), "{err}");
        // One changed byte of content also refuses.
        let other = sha256_of(&b"abd"[..]).unwrap();
        assert!(verify_sha256(&other, ABC_SHA256).is_err());
    }

    #[test]
    fn a_checksum_of_a_file_is_its_content_hash() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(b"abc").unwrap();
        let digest = sha256_of(std::fs::File::open(f.path()).unwrap()).unwrap();
        assert_eq!(const_hex::encode(digest), ABC_SHA256);
    }

    #[test]
    fn a_non_hex_table_entry_is_an_error_not_a_pass() {
        let digest = sha256_of(&b"abc"[..]).unwrap();
        assert!(verify_sha256(&digest, "not-hex").is_err());
    }

    #[test]
    fn platforms_map_to_the_release_asset_names() {
        let cases = [
            (("linux", "x86_64"), "aptos-cli-9.4.0-Linux-x86_64.zip"),
            (("linux", "aarch64"), "aptos-cli-9.4.0-Linux-aarch64.zip"),
            (("macos", "x86_64"), "aptos-cli-9.4.0-macOS-x86_64.zip"),
            (("macos", "aarch64"), "aptos-cli-9.4.0-macOS-arm64.zip"),
            (("windows", "x86_64"), "aptos-cli-9.4.0-Windows-x86_64.zip"),
        ];
        for ((os, arch), name) in cases {
            let p = Platform::from_os_arch(os, arch).unwrap();
            assert_eq!(asset_name("9.4.0", p), name);
        }
        assert_eq!(Platform::from_os_arch("freebsd", "x86_64"), None);
        assert_eq!(Platform::from_os_arch("linux", "riscv64"), None);
        assert_eq!(
            asset_url("9.4.0", Platform::LinuxX86_64),
            "https://github.com/aptos-labs/aptos-core/releases/download/aptos-cli-v9.4.0/aptos-cli-9.4.0-Linux-x86_64.zip"
        );
    }

    #[test]
    fn checksum_table_is_well_formed_and_windows_is_absent() {
        for (p, sum) in CHECKSUMS {
            assert_eq!(sum.len(), 64, "{p:?}");
            assert!(const_hex::decode(sum).is_ok(), "{p:?}");
        }
        assert!(pinned_sha256(Platform::LinuxX86_64).is_some());
        assert_eq!(pinned_sha256(Platform::WindowsX86_64), None);
    }

    #[test]
    fn version_output_parses() {
        assert_eq!(parse_cli_version("aptos 9.4.0\n"), Some("9.4.0"));
        assert_eq!(parse_cli_version("\naptos 7.12.1"), Some("7.12.1"));
        assert_eq!(parse_cli_version("aptos 9.4.0-rc.1"), Some("9.4.0-rc.1"));
        assert_eq!(parse_cli_version("aptos"), None);
        assert_eq!(parse_cli_version("move 9.4.0"), None);
        assert_eq!(parse_cli_version("aptos nine"), None);
        assert_eq!(parse_cli_version("aptos 9.4"), None);
        assert_eq!(parse_cli_version(""), None);
    }

    #[test]
    fn unpack_puts_an_executable_binary_in_the_target_dir() {
        let dir = tempfile::tempdir().unwrap();
        let zip_path = dir.path().join("cli.zip");
        {
            let mut w = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
            w.start_file("aptos", zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(b"#!/bin/sh\necho aptos 9.4.0\n").unwrap();
            w.finish().unwrap();
        }
        let out = dir.path().join("bin");
        let bin = unpack_binary(&zip_path, "aptos", &out).unwrap();
        assert_eq!(bin, out.join("aptos"));
        assert_eq!(
            std::fs::read(&bin).unwrap(),
            b"#!/bin/sh\necho aptos 9.4.0\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(bin.metadata().unwrap().permissions().mode() & 0o777, 0o755);
        }
        let err = unpack_binary(&zip_path, "aptos.exe", &out).unwrap_err();
        assert!(format!("{err:#}").contains("no `aptos.exe` entry"));
    }
}
