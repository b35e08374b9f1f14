//! The deployer's key: an Aptos CLI profile (`.aptos/config.yaml`) or a key file.
//!
//! The private key lives only inside [`SecretKey`], whose `Debug` and
//! `Display` print `<redacted>`; parse errors never echo what they read.
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, Result, bail};
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::crypto::Ed25519PrivateKey;
use aptos_sdk::types::AccountAddress;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The AIP-80 prefix the Aptos CLI writes before an Ed25519 private key.
const AIP80_PRIVATE_PREFIX: &str = "ed25519-priv-";

/// An Ed25519 private key that never prints itself.
#[derive(Clone)]
pub struct SecretKey(Ed25519PrivateKey);

impl SecretKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        Self(Ed25519PrivateKey::generate())
    }

    /// Parses the forms the Aptos CLI reads and writes: AIP-80
    /// (`ed25519-priv-0x<64 hex>`), or plain hex with or without `0x`.
    /// Surrounding whitespace (a key file's trailing newline) is ignored.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let hex_part = text.strip_prefix(AIP80_PRIVATE_PREFIX).unwrap_or(text);
        let hex_part = hex_part.strip_prefix("0x").unwrap_or(hex_part);
        if hex_part.len() != 64 {
            return Err(KeyError::Length(hex_part.len()));
        }
        let bytes = const_hex::decode(hex_part).map_err(|_| KeyError::NotHex)?;
        Ed25519PrivateKey::from_bytes(&bytes)
            .map(Self)
            .map_err(|_| KeyError::NotHex)
    }

    /// The account this key controls when its authentication key was never
    /// rotated (true for every key this workflow creates).
    pub fn account(&self) -> Ed25519Account {
        Ed25519Account::from_private_key(self.0.clone())
    }

    /// The address derived from the key.
    pub fn derived_address(&self) -> AccountAddress {
        self.account().address()
    }

    /// The AIP-80 text the Aptos CLI writes; only for saving a profile file.
    fn to_aip80(&self) -> String {
        self.0.to_aip80()
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<'de> Deserialize<'de> for SecretKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Serialize for SecretKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_aip80())
    }
}

/// Why a key could not be read. Never carries the key's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// The hex part is not 64 characters (32 bytes).
    Length(usize),
    /// The key is not hex.
    NotHex,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length(n) => write!(
                f,
                "an Ed25519 private key is 64 hex characters (optionally `0x` or AIP-80 \
                 `ed25519-priv-0x` prefixed), found {n}"
            ),
            Self::NotHex => f.write_str("the private key is not valid hex"),
        }
    }
}

impl std::error::Error for KeyError {}

/// One profile of the Aptos CLI's `config.yaml` (the fields yenpay reads; see
/// `ProfileConfig` in aptos-core's CLI).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Profile {
    /// `Local`, `Devnet`, `Testnet`, `Mainnet` or `Custom`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// The key (AIP-80 in files the CLI writes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<SecretKey>,
    /// The public key (AIP-80 `ed25519-pub-0x...`); informational.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    /// The account address; the CLI writes it without `0x`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "address_opt"
    )]
    pub account: Option<AccountAddress>,
    /// The node's REST URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rest_url: Option<String>,
    /// The faucet's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faucet_url: Option<String>,
}

fn address_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<AccountAddress>, D::Error> {
    let text: Option<String> = Option::deserialize(d)?;
    text.map(|t| {
        let t = t.trim();
        let with_prefix = if t.starts_with("0x") {
            t.to_string()
        } else {
            format!("0x{t}")
        };
        AccountAddress::from_str(&with_prefix).map_err(serde::de::Error::custom)
    })
    .transpose()
}

/// The whole `config.yaml`: `profiles: { name: Profile }`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CliConfig {
    /// Profiles by name (`default` is the CLI's default).
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

impl CliConfig {
    /// Parses the text of a `config.yaml`.
    pub fn parse(text: &str) -> Result<Self> {
        serde_yaml::from_str(text)
            .context("the Aptos CLI config is not valid YAML of the expected shape")
    }

    /// Reads `dir/config.yaml`; an absent file is an empty config.
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join("config.yaml");
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text).with_context(|| format!("reading {}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Writes `dir/config.yaml`, readable by the owner only (it holds keys).
    pub fn save(&self, dir: &Path) -> Result<PathBuf> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join("config.yaml");
        let text = serde_yaml::to_string(self).context("serializing the profiles")?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        std::io::Write::write_all(&mut tmp, text.as_bytes())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o600))?;
        }
        tmp.persist(&path)
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }

    /// The named profile's key and address, checked against each other.
    pub fn signer(&self, name: &str) -> Result<Deployer> {
        let Some(profile) = self.profiles.get(name) else {
            let known: Vec<_> = self.profiles.keys().map(String::as_str).collect();
            bail!(
                "no Aptos CLI profile named `{name}` (profiles found: {}); create one with \
                 `aptos init --profile {name}` or pass --key-file",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            );
        };
        let key = profile
            .private_key
            .clone()
            .with_context(|| format!("profile `{name}` has no private_key (a hardware wallet profile cannot deploy from here)"))?;
        let derived = key.derived_address();
        let address = profile.account.unwrap_or(derived);
        if address != derived {
            bail!(
                "profile `{name}`: account {address} was rotated away from its key's derived address \
                 {derived}; yenpay deploys only from unrotated accounts"
            );
        }
        Ok(Deployer { key, address })
    }
}

/// Reads a key file: one private key, AIP-80 or hex, as `aptos key generate` writes it.
pub fn read_key_file(path: &Path) -> Result<SecretKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the key file {}", path.display()))?;
    SecretKey::parse(&text).with_context(|| format!("parsing the key file {}", path.display()))
}

/// Who publishes: the key and its account address.
#[derive(Debug, Clone)]
pub struct Deployer {
    /// The private key (redacted in every output).
    pub key: SecretKey,
    /// The account the package is published under.
    pub address: AccountAddress,
}

impl Deployer {
    /// A deployer from a bare key: the address is the key's derived one.
    pub fn from_key(key: SecretKey) -> Self {
        let address = key.derived_address();
        Self { key, address }
    }

    /// The signing account for aptos-sdk.
    pub fn account(&self) -> Ed25519Account {
        self.key.account()
    }

    /// Writes the key (AIP-80) to `path`, readable by the owner only, for the
    /// end-to-end tests of a local deployment. Returns the path.
    pub fn write_key_file(&self, path: &Path) -> Result<PathBuf> {
        let dir = path.parent().context("a key file path has a parent")?;
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        std::io::Write::write_all(&mut tmp, format!("{}\n", self.key.to_aip80()).as_bytes())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o600))?;
        }
        tmp.persist(path)
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(path.to_path_buf())
    }

    /// A profile entry for this deployer, in the Aptos CLI's own format, so
    /// `aptos --profile NAME` can use the same account.
    pub fn to_profile(&self, network: &str, rest_url: &str, faucet_url: Option<&str>) -> Profile {
        let account = self.account();
        Profile {
            network: Some(network.to_string()),
            private_key: Some(self.key.clone()),
            public_key: Some(format!("ed25519-pub-{}", account.public_key())),
            account: Some(self.address),
            rest_url: Some(rest_url.to_string()),
            faucet_url: faucet_url.map(str::to_string),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A throwaway key, used nowhere but here.
    const KEY_HEX: &str = "c5338cd251c22daa8c9c9cc94f498cc8a5c7e1d2e75287a5dda91096fe64efa5";

    fn assert_no_key(text: &str) {
        assert!(!text.contains(KEY_HEX), "key leaked into: {text}");
        assert!(
            !text.contains(&KEY_HEX[..16]),
            "key prefix leaked into: {text}"
        );
    }

    #[test]
    fn key_forms_the_cli_writes_all_parse_to_the_same_key() {
        let aip80 = SecretKey::parse(&format!("ed25519-priv-0x{KEY_HEX}")).unwrap();
        let prefixed = SecretKey::parse(&format!("0x{KEY_HEX}\n")).unwrap();
        let bare = SecretKey::parse(&format!("  {KEY_HEX}  ")).unwrap();
        let a = aip80.derived_address();
        assert_eq!(a, prefixed.derived_address());
        assert_eq!(a, bare.derived_address());
    }

    #[test]
    fn bad_keys_are_refused_without_echoing_them() {
        let short = &KEY_HEX[..62];
        let err = SecretKey::parse(short).unwrap_err();
        assert_eq!(err, KeyError::Length(62));
        assert_no_key(&err.to_string());
        let not_hex = format!("zz{}", &KEY_HEX[2..]);
        let err = SecretKey::parse(&not_hex).unwrap_err();
        assert_eq!(err, KeyError::NotHex);
        assert!(!err.to_string().contains(&not_hex[..16]));
    }

    #[test]
    fn a_profile_from_the_cli_parses_and_never_prints_its_key() {
        let key = SecretKey::parse(KEY_HEX).unwrap();
        let addr = key.derived_address();
        let yaml = format!(
            "---\nprofiles:\n  default:\n    network: Local\n    private_key: \"ed25519-priv-0x{KEY_HEX}\"\n    \
             public_key: \"ed25519-pub-0x00\"\n    account: {}\n    rest_url: \"http://localhost:8080\"\n    \
             faucet_url: \"http://localhost:8081\"\n",
            addr.to_hex().trim_start_matches("0x"),
        );
        let config = CliConfig::parse(&yaml).unwrap();
        let profile = &config.profiles["default"];
        assert_eq!(profile.network.as_deref(), Some("Local"));
        assert_eq!(profile.account, Some(addr));
        assert_eq!(profile.rest_url.as_deref(), Some("http://localhost:8080"));
        let deployer = config.signer("default").unwrap();
        assert_eq!(deployer.address, addr);

        assert_no_key(&format!("{config:?}"));
        assert_no_key(&format!("{profile:#?}"));
        assert_no_key(&format!("{deployer:?}"));
        assert_no_key(&format!("{}", deployer.key));
    }

    #[test]
    fn a_missing_profile_names_what_exists() {
        let config = CliConfig::parse("profiles:\n  testnet:\n    network: Testnet\n").unwrap();
        let err = format!("{:#}", config.signer("default").unwrap_err());
        assert!(
            err.contains("no Aptos CLI profile named `default`"),
            "{err}"
        );
        assert!(err.contains("testnet"), "{err}");
        let err = format!("{:#}", config.signer("testnet").unwrap_err());
        assert!(err.contains("no private_key"), "{err}");
    }

    #[test]
    fn a_profile_whose_account_is_not_the_keys_is_refused() {
        let yaml =
            format!("profiles:\n  p:\n    private_key: \"0x{KEY_HEX}\"\n    account: \"0x1\"\n");
        let err = format!(
            "{:#}",
            CliConfig::parse(&yaml).unwrap().signer("p").unwrap_err()
        );
        assert!(err.contains("rotated"), "{err}");
        assert_no_key(&err);
    }

    #[test]
    fn an_invalid_key_in_a_profile_fails_without_echoing_it() {
        let yaml = format!(
            "profiles:\n  p:\n    private_key: \"0x{}\"\n",
            &KEY_HEX[..60]
        );
        let err = format!("{:#}", CliConfig::parse(&yaml).unwrap_err());
        assert!(err.contains("64 hex characters"), "{err}");
        assert!(!err.contains(&KEY_HEX[..60]), "{err}");
    }

    #[test]
    fn key_files_parse_and_errors_name_the_file_not_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("deployer.key");
        std::fs::write(&good, format!("ed25519-priv-0x{KEY_HEX}\n")).unwrap();
        let key = read_key_file(&good).unwrap();
        assert_eq!(
            key.derived_address(),
            SecretKey::parse(KEY_HEX).unwrap().derived_address()
        );
        let bad = dir.path().join("bad.key");
        std::fs::write(&bad, &KEY_HEX[..40]).unwrap();
        let err = format!("{:#}", read_key_file(&bad).unwrap_err());
        assert!(err.contains("bad.key"), "{err}");
        assert!(!err.contains(&KEY_HEX[..40]), "{err}");
        assert!(read_key_file(&dir.path().join("absent.key")).is_err());
    }

    #[test]
    fn a_written_key_file_reads_back_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let deployer = Deployer::from_key(SecretKey::parse(KEY_HEX).unwrap());
        let path = deployer.write_key_file(&dir.path().join("d.key")).unwrap();
        assert_eq!(
            read_key_file(&path).unwrap().derived_address(),
            deployer.address
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(path.metadata().unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn a_saved_profile_round_trips_through_the_cli_format_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let deployer = Deployer::from_key(SecretKey::parse(KEY_HEX).unwrap());
        let mut config = CliConfig::default();
        config.profiles.insert(
            "yenpay-local".into(),
            deployer.to_profile(
                "Local",
                "http://127.0.0.1:8080",
                Some("http://127.0.0.1:8081"),
            ),
        );
        let path = config.save(dir.path()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        // The file itself is the one place the key is written, in AIP-80 form.
        assert!(
            text.contains(&format!("ed25519-priv-0x{KEY_HEX}")),
            "{text}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(path.metadata().unwrap().permissions().mode() & 0o777, 0o600);
        }
        let back = CliConfig::load(dir.path()).unwrap();
        assert_eq!(
            back.signer("yenpay-local").unwrap().address,
            deployer.address
        );
        assert!(
            CliConfig::load(&dir.path().join("none"))
                .unwrap()
                .profiles
                .is_empty()
        );
    }
}
