//! Signing keys: an Ed25519 private key from a key file, an environment
//! variable or an Aptos CLI profile (`.aptos/config.yaml`), and the files
//! that hold one, written readable by their owner only.
//!
//! The key lives only inside [`SecretKey`], whose `Debug` and `Display`
//! print `<redacted>`; no error here carries the text it failed to read, so
//! logging any value of this module is safe. The one place a key is written
//! out is the file it belongs in ([`write_key_file`], [`CliConfig::save`]).
//!
//! Accepted forms, as the Aptos CLI reads and writes them: AIP-80
//! (`ed25519-priv-0x<64 hex>`), or 64 hex digits with or without `0x`;
//! surrounding whitespace (a file's trailing newline) is ignored.
use std::collections::BTreeMap;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;

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

    /// Parses one of the accepted forms (see the [module](self) docs).
    ///
    /// # Errors
    /// [`ParseKeyError`], which never holds the text.
    pub fn parse(text: &str) -> Result<Self, ParseKeyError> {
        let text = text.trim();
        let hex_part = text.strip_prefix(AIP80_PRIVATE_PREFIX).unwrap_or(text);
        let hex_part = hex_part.strip_prefix("0x").unwrap_or(hex_part);
        if hex_part.len() != 64 {
            return Err(ParseKeyError::Length(hex_part.len()));
        }
        let bytes = const_hex::decode(hex_part).map_err(|_| ParseKeyError::NotHex)?;
        Ed25519PrivateKey::from_bytes(&bytes)
            .map(Self)
            .map_err(|_| ParseKeyError::NotHex)
    }

    /// The key held by the environment variable `var` (the key itself, in an
    /// accepted form; for services whose secrets arrive that way).
    ///
    /// # Errors
    /// [`KeyError::EnvUnset`] when `var` is unset, empty or not Unicode;
    /// [`KeyError::Env`] when it holds no key.
    pub fn from_env(var: &str) -> Result<Self, KeyError> {
        Self::from_var(var, std::env::var(var).ok())
    }

    fn from_var(var: &str, value: Option<String>) -> Result<Self, KeyError> {
        let value = value
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| KeyError::EnvUnset {
                var: var.to_owned(),
            })?;
        Self::parse(&value).map_err(|source| KeyError::Env {
            var: var.to_owned(),
            source,
        })
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

    /// The AIP-80 text the Aptos CLI writes; only for the files keys live in.
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

impl FromStr for SecretKey {
    type Err = ParseKeyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
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

/// Why a text is not a private key. Never carries the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseKeyError {
    /// The hex part is not 64 characters (32 bytes).
    #[error(
        "an Ed25519 private key is 64 hex characters (optionally `0x` or AIP-80 \
         `ed25519-priv-0x` prefixed), found {0}"
    )]
    Length(usize),
    /// The key is not hex.
    #[error("the private key is not valid hex")]
    NotHex,
}

/// Why a key, a key file or a profile could not be read or written. Never
/// carries a key; the cause, where there is one, is the error's `source`.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A file could not be read.
    #[error("reading {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file or folder could not be written.
    #[error("writing {}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A key file does not hold a key.
    #[error("parsing the key file {}", path.display())]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with its content.
        source: ParseKeyError,
    },
    /// The environment variable that should hold a key is unset or empty.
    #[error("the environment variable {var} is not set (it should hold an Ed25519 private key)")]
    EnvUnset {
        /// The variable.
        var: String,
    },
    /// The environment variable does not hold a key.
    #[error("the environment variable {var} does not hold an Ed25519 private key")]
    Env {
        /// The variable.
        var: String,
        /// What is wrong with its value.
        source: ParseKeyError,
    },
    /// A `config.yaml` is not the Aptos CLI's profiles file (a bad key in it
    /// shows as this too, described without its text).
    #[error("the Aptos CLI config{} is not valid YAML of the expected shape", in_file(path.as_deref()))]
    Config {
        /// The file, when it was read from one.
        path: Option<PathBuf>,
        /// What serde found.
        source: serde_yaml::Error,
    },
    /// The profiles could not be serialized.
    #[error("serializing the profiles")]
    Serialize {
        /// What serde found.
        source: serde_yaml::Error,
    },
    /// No profile of that name.
    #[error(
        "no Aptos CLI profile named `{name}` (profiles found: {}); create one with \
         `aptos init --profile {name}`",
        if found.is_empty() { "none".to_owned() } else { found.join(", ") }
    )]
    NoProfile {
        /// The profile asked for.
        name: String,
        /// The profiles there are.
        found: Vec<String>,
    },
    /// The profile has no private key (a hardware wallet's).
    #[error(
        "profile `{name}` has no private_key (a hardware wallet profile cannot sign from here)"
    )]
    NoPrivateKey {
        /// The profile.
        name: String,
    },
    /// The profile's account is not the one its key derives.
    #[error(
        "profile `{name}`: account {account} was rotated away from its key's derived address \
         {derived}; yenpay signs only from unrotated accounts"
    )]
    Rotated {
        /// The profile.
        name: String,
        /// The account it names.
        account: AccountAddress,
        /// The address its key derives.
        derived: AccountAddress,
    },
}

fn in_file(path: Option<&Path>) -> String {
    path.map(|p| format!(" {}", p.display()))
        .unwrap_or_default()
}

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
    ///
    /// # Errors
    /// [`KeyError::Config`].
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        serde_yaml::from_str(text).map_err(|source| KeyError::Config { path: None, source })
    }

    /// Reads `dir/config.yaml`; an absent file is an empty config.
    ///
    /// # Errors
    /// [`KeyError::Read`], [`KeyError::Config`] (naming the file).
    pub fn load(dir: &Path) -> Result<Self, KeyError> {
        let path = dir.join("config.yaml");
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_yaml::from_str(&text).map_err(|source| KeyError::Config {
                path: Some(path),
                source,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(KeyError::Read { path, source }),
        }
    }

    /// Writes `dir/config.yaml`, readable by the owner only (it holds keys).
    /// Returns its path.
    ///
    /// # Errors
    /// [`KeyError::Serialize`], [`KeyError::Write`].
    pub fn save(&self, dir: &Path) -> Result<PathBuf, KeyError> {
        let text = serde_yaml::to_string(self).map_err(|source| KeyError::Serialize { source })?;
        write_private(&dir.join("config.yaml"), text.as_bytes())
    }

    /// The named profile's key and address, checked against each other.
    ///
    /// # Errors
    /// [`KeyError::NoProfile`], [`KeyError::NoPrivateKey`], [`KeyError::Rotated`].
    pub fn signer(&self, name: &str) -> Result<Deployer, KeyError> {
        let Some(profile) = self.profiles.get(name) else {
            return Err(KeyError::NoProfile {
                name: name.to_owned(),
                found: self.profiles.keys().cloned().collect(),
            });
        };
        let key = profile
            .private_key
            .clone()
            .ok_or_else(|| KeyError::NoPrivateKey {
                name: name.to_owned(),
            })?;
        let derived = key.derived_address();
        let account = profile.account.unwrap_or(derived);
        if account != derived {
            return Err(KeyError::Rotated {
                name: name.to_owned(),
                account,
                derived,
            });
        }
        Ok(Deployer {
            key,
            address: account,
        })
    }
}

/// Reads a key file: one private key in an accepted form, as
/// `aptos key generate` writes it.
///
/// # Errors
/// [`KeyError::Read`], [`KeyError::KeyFile`] (naming the file, not the key).
pub fn read_key_file(path: &Path) -> Result<SecretKey, KeyError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
        path: path.to_owned(),
        source,
    })?;
    SecretKey::parse(&text).map_err(|source| KeyError::KeyFile {
        path: path.to_owned(),
        source,
    })
}

/// Writes `key` (AIP-80, one line) to `path`, readable by the owner only,
/// creating the folder. Returns the path.
///
/// # Errors
/// [`KeyError::Write`].
pub fn write_key_file(key: &SecretKey, path: &Path) -> Result<PathBuf, KeyError> {
    write_private(path, format!("{}\n", key.to_aip80()).as_bytes())
}

/// Writes `bytes` to `path` through a temporary file in the same folder made
/// private before anything is written to it, then renamed over `path`: no
/// moment when the key is on disk readable by others, or half written.
fn write_private(path: &Path, bytes: &[u8]) -> Result<PathBuf, KeyError> {
    let write = |at: &Path| {
        let at = at.to_owned();
        move |source| KeyError::Write { path: at, source }
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(write(dir))?;
    // NamedTempFile creates the file with mode 0600 on Unix.
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(write(dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o600))
            .map_err(write(path))?;
    }
    tmp.write_all(bytes).map_err(write(path))?;
    tmp.persist(path).map_err(|e| write(path)(e.error))?;
    Ok(path.to_path_buf())
}

/// Who signs: a key and its account address (the publisher, the admin).
#[derive(Debug, Clone)]
pub struct Deployer {
    /// The private key (redacted in every output).
    pub key: SecretKey,
    /// The account the key signs for.
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

    /// Writes the key to `path` ([`write_key_file`]), for the end-to-end
    /// tests of a local deployment. Returns the path.
    ///
    /// # Errors
    /// [`KeyError::Write`].
    pub fn write_key_file(&self, path: &Path) -> Result<PathBuf, KeyError> {
        write_key_file(&self.key, path)
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

    /// The error and all its causes, as `cargo xtask` prints them.
    fn chain(error: &dyn std::error::Error) -> String {
        let mut text = error.to_string();
        let mut cause = error.source();
        while let Some(c) = cause {
            text.push_str(": ");
            text.push_str(&c.to_string());
            cause = c.source();
        }
        text
    }

    #[test]
    fn key_forms_the_cli_writes_all_parse_to_the_same_key() {
        let aip80 = SecretKey::parse(&format!("ed25519-priv-0x{KEY_HEX}")).unwrap();
        let prefixed = SecretKey::parse(&format!("0x{KEY_HEX}\n")).unwrap();
        let bare: SecretKey = format!("  {KEY_HEX}  ").parse().unwrap();
        let a = aip80.derived_address();
        assert_eq!(a, prefixed.derived_address());
        assert_eq!(a, bare.derived_address());
    }

    #[test]
    fn keys_never_print_themselves() {
        let key = SecretKey::parse(KEY_HEX).unwrap();
        assert_eq!(format!("{key}"), "<redacted>");
        assert_eq!(format!("{key:?}"), "SecretKey(<redacted>)");
        assert_no_key(&format!("{key:#?}"));
        let deployer = Deployer::from_key(key);
        assert_no_key(&format!("{deployer:?}"));
        assert_no_key(&format!("{deployer:#?}"));
        let profile = deployer.to_profile("Local", "http://127.0.0.1:8080", None);
        assert_no_key(&format!("{profile:?}"));
    }

    #[test]
    fn bad_keys_are_refused_without_echoing_them() {
        let short = &KEY_HEX[..62];
        let err = SecretKey::parse(short).unwrap_err();
        assert_eq!(err, ParseKeyError::Length(62));
        assert_no_key(&err.to_string());
        let not_hex = format!("zz{}", &KEY_HEX[2..]);
        let err = SecretKey::parse(&not_hex).unwrap_err();
        assert_eq!(err, ParseKeyError::NotHex);
        assert!(!err.to_string().contains(&not_hex[..16]));
    }

    #[test]
    fn a_key_from_the_environment_parses_and_errors_name_the_variable_only() {
        let var = "YENPAY_TEST_KEY";
        let key = SecretKey::from_var(var, Some(format!("ed25519-priv-0x{KEY_HEX}\n"))).unwrap();
        assert_eq!(
            key.derived_address(),
            SecretKey::parse(KEY_HEX).unwrap().derived_address()
        );
        for unset in [None, Some("  ".to_owned())] {
            let err = SecretKey::from_var(var, unset).unwrap_err();
            assert!(
                matches!(&err, KeyError::EnvUnset { var: v } if v == var),
                "{err}"
            );
        }
        let err = SecretKey::from_var(var, Some(KEY_HEX[..60].to_owned())).unwrap_err();
        assert!(
            matches!(
                &err,
                KeyError::Env {
                    source: ParseKeyError::Length(60),
                    ..
                }
            ),
            "{err}"
        );
        let text = chain(&err);
        assert!(
            text.contains(var) && text.contains("64 hex characters"),
            "{text}"
        );
        assert!(!text.contains(&KEY_HEX[..60]), "{text}");
        // The real environment: a variable no one sets.
        assert!(matches!(
            SecretKey::from_env("YENPAY_TEST_KEY_THAT_IS_NEVER_SET"),
            Err(KeyError::EnvUnset { .. })
        ));
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
        let err = config.signer("default").unwrap_err().to_string();
        assert!(
            err.contains("no Aptos CLI profile named `default`"),
            "{err}"
        );
        assert!(err.contains("testnet"), "{err}");
        let err = CliConfig::default().signer("default").unwrap_err();
        assert!(err.to_string().contains("profiles found: none"), "{err}");
        let err = config.signer("testnet").unwrap_err().to_string();
        assert!(err.contains("no private_key"), "{err}");
    }

    #[test]
    fn a_profile_whose_account_is_not_the_keys_is_refused() {
        let yaml =
            format!("profiles:\n  p:\n    private_key: \"0x{KEY_HEX}\"\n    account: \"0x1\"\n");
        let err = CliConfig::parse(&yaml).unwrap().signer("p").unwrap_err();
        assert!(matches!(err, KeyError::Rotated { .. }), "{err}");
        let err = chain(&err);
        assert!(err.contains("rotated"), "{err}");
        assert_no_key(&err);
    }

    #[test]
    fn an_invalid_key_in_a_profile_fails_without_echoing_it() {
        let yaml = format!(
            "profiles:\n  p:\n    private_key: \"0x{}\"\n",
            &KEY_HEX[..60]
        );
        let err = chain(&CliConfig::parse(&yaml).unwrap_err());
        assert!(err.contains("64 hex characters"), "{err}");
        assert!(!err.contains(&KEY_HEX[..60]), "{err}");
        // The same through a file: the error names the file.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.yaml"), &yaml).unwrap();
        let err = chain(&CliConfig::load(dir.path()).unwrap_err());
        assert!(err.contains("config.yaml"), "{err}");
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
        let err = read_key_file(&bad).unwrap_err();
        assert!(matches!(&err, KeyError::KeyFile { .. }), "{err}");
        let err = chain(&err);
        assert!(err.contains("bad.key"), "{err}");
        assert!(!err.contains(&KEY_HEX[..40]), "{err}");
        assert!(matches!(
            read_key_file(&dir.path().join("absent.key")),
            Err(KeyError::Read { .. })
        ));
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        path.metadata().unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_written_key_file_reads_back_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let deployer = Deployer::from_key(SecretKey::parse(KEY_HEX).unwrap());
        let path = deployer
            .write_key_file(&dir.path().join("new").join("d.key"))
            .unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("ed25519-priv-0x{KEY_HEX}\n")
        );
        assert_eq!(
            read_key_file(&path).unwrap().derived_address(),
            deployer.address
        );
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
        // Overwriting a file that others could read leaves it private too.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            write_key_file(&deployer.key, &path).unwrap();
            assert_eq!(mode(&path), 0o600);
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
        assert_eq!(mode(&path), 0o600);
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
