//! The deployments file: where the package was published on a network.
//!
//! `cargo xtask deploy --network <network>` writes `deployments/<network>.json`
//! after publishing (committed for public networks, git-ignored for `local`);
//! integrators and the end-to-end tests read it to find the package.
//!
//! ```json
//! {
//!   "network": "testnet",
//!   "chain_id": 2,
//!   "package_address": "0x…",
//!   "deployer_address": "0x…",
//!   "seed": "yenpay",
//!   "metadata_address": "0x…",
//!   "transaction_hash": "0x…",
//!   "transaction_version": 6612345678,
//!   "published_at": "2026-05-01T09:30:00Z",
//!   "git_commit": "75ea78e…"
//! }
//! ```
//!
//! The package lives at the resource account of the deployer and the seed
//! ([`crate::publish::resource_address`]); the seed is recorded as text, and
//! its UTF-8 bytes are the seed. Reading a file checks that the package
//! address is that resource address. A file written before packages were
//! published at a resource account (no `deployer_address` and `seed`: the
//! package was the deployer's own account, whose key could replace its code)
//! is refused with [`DeploymentError::Legacy`]: redeploy.
use crate::publish::resource_address;
use aptos_sdk::types::{AccountAddress, HashValue};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// Folder of the deployments files, relative to the repository root.
pub const DEPLOYMENTS_DIR: &str = "deployments";

pub use yenpay_types::network::{Network, UnknownNetwork};

/// One deployment of the package.
///
/// Deserializing checks that `package_address` is the resource address of
/// `deployer_address` and `seed`, and refuses a file of the old layout (see
/// the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "DeploymentFile")]
pub struct Deployment {
    /// Where.
    pub network: Network,
    /// The chain id the node reported.
    pub chain_id: u8,
    /// The package address (`@yenpay`): the resource account of
    /// `deployer_address` and `seed`, whose key is zero.
    pub package_address: AccountAddress,
    /// The account that created the resource account and published
    /// (`@deployer`); it held every role at publish, but no control over the code.
    pub deployer_address: AccountAddress,
    /// The resource account's seed, as text (its UTF-8 bytes are the seed).
    pub seed: String,
    /// The stablecoin's metadata object address.
    pub metadata_address: AccountAddress,
    /// Hash of the publishing transaction.
    pub transaction_hash: HashValue,
    /// Ledger version of the publishing transaction.
    pub transaction_version: u64,
    /// When it was published.
    #[serde(with = "time::serde::rfc3339")]
    pub published_at: OffsetDateTime,
    /// The git commit the package was built from.
    pub git_commit: String,
}

/// A deployments file as written, before its addresses are checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeploymentFile {
    network: Network,
    chain_id: u8,
    package_address: AccountAddress,
    deployer_address: Option<AccountAddress>,
    seed: Option<String>,
    metadata_address: AccountAddress,
    transaction_hash: HashValue,
    transaction_version: u64,
    #[serde(with = "time::serde::rfc3339")]
    published_at: OffsetDateTime,
    git_commit: String,
}

/// A deployment record that parses but cannot be right.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidDeployment {
    /// The record has no deployer and seed: the package was published at the
    /// deployer's own address, before resource accounts.
    #[error(
        "package {package} was published at the deployer's own address (no `deployer_address` and `seed`: \
         the layout before resource-account publishing), so the deployer's key still controls its code; \
         redeploy with `cargo xtask deploy`, which publishes at a resource account"
    )]
    Legacy {
        /// The recorded package address.
        package: AccountAddress,
    },
    /// Only one of `deployer_address` and `seed` is present.
    #[error("`deployer_address` and `seed` go together: the record has only `{present}`")]
    Incomplete {
        /// The field present.
        present: &'static str,
    },
    /// The package address is not the resource address of the deployer and seed.
    #[error(
        "package_address {package} is not the resource account of deployer {deployer} and seed {seed:?} \
         (that is {expected})"
    )]
    NotResourceAccount {
        /// The recorded package address.
        package: AccountAddress,
        /// The recorded deployer.
        deployer: AccountAddress,
        /// The recorded seed.
        seed: String,
        /// `resource_address(deployer, seed)`.
        expected: AccountAddress,
    },
}

impl TryFrom<DeploymentFile> for Deployment {
    type Error = InvalidDeployment;

    fn try_from(file: DeploymentFile) -> Result<Self, Self::Error> {
        let (deployer_address, seed) = match (file.deployer_address, file.seed) {
            (Some(deployer), Some(seed)) => (deployer, seed),
            (None, None) => {
                return Err(InvalidDeployment::Legacy {
                    package: file.package_address,
                });
            }
            (Some(_), None) => {
                return Err(InvalidDeployment::Incomplete {
                    present: "deployer_address",
                });
            }
            (None, Some(_)) => return Err(InvalidDeployment::Incomplete { present: "seed" }),
        };
        let expected = resource_address(deployer_address, seed.as_bytes());
        if expected != file.package_address {
            return Err(InvalidDeployment::NotResourceAccount {
                package: file.package_address,
                deployer: deployer_address,
                seed,
                expected,
            });
        }
        Ok(Self {
            network: file.network,
            chain_id: file.chain_id,
            package_address: file.package_address,
            deployer_address,
            seed,
            metadata_address: file.metadata_address,
            transaction_hash: file.transaction_hash,
            transaction_version: file.transaction_version,
            published_at: file.published_at,
            git_commit: file.git_commit,
        })
    }
}

/// A deployments file that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum DeploymentError {
    /// The file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a deployment.
    #[error("{}: not a deployments file: {source}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What serde found.
        source: serde_json::Error,
    },
    /// The file records a package published at the deployer's own address
    /// (the layout before resource-account publishing).
    #[error("{}: {reason}", path.display())]
    Legacy {
        /// The file.
        path: PathBuf,
        /// What is wrong, and what to do.
        reason: Box<InvalidDeployment>,
    },
    /// The file's addresses do not agree with each other.
    #[error("{}: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: Box<InvalidDeployment>,
    },
}

impl Deployment {
    /// `deployments/<network>.json` under the repository root `root`.
    pub fn path(root: &Path, network: Network) -> PathBuf {
        root.join(DEPLOYMENTS_DIR)
            .join(format!("{}.json", network.name()))
    }

    /// Reads a deployments file.
    ///
    /// # Errors
    /// [`DeploymentError::Io`] when it cannot be read, [`DeploymentError::Format`]
    /// when it is not a deployment, [`DeploymentError::Legacy`] for a file of
    /// the layout before resource-account publishing, [`DeploymentError::Invalid`]
    /// when its package is not the resource account of its deployer and seed.
    pub fn load(path: &Path) -> Result<Self, DeploymentError> {
        let text = std::fs::read_to_string(path).map_err(|source| DeploymentError::Io {
            path: path.to_owned(),
            source,
        })?;
        let file: DeploymentFile =
            serde_json::from_str(&text).map_err(|source| DeploymentError::Format {
                path: path.to_owned(),
                source,
            })?;
        Deployment::try_from(file).map_err(|reason| match reason {
            InvalidDeployment::Legacy { .. } => DeploymentError::Legacy {
                path: path.to_owned(),
                reason: Box::new(reason),
            },
            _ => DeploymentError::Invalid {
                path: path.to_owned(),
                reason: Box::new(reason),
            },
        })
    }

    /// The named addresses to compile the package with for this deployment
    /// (an upgrade must use the same): `yenpay` = the package, `deployer` =
    /// the original deployer.
    pub fn named_addresses(&self) -> [(&'static str, AccountAddress); 2] {
        crate::publish::named_addresses(self.package_address, self.deployer_address)
    }

    /// Reads `deployments/<network>.json` under `root`.
    ///
    /// # Errors
    /// As [`Deployment::load`].
    pub fn load_for(root: &Path, network: Network) -> Result<Self, DeploymentError> {
        Self::load(&Self::path(root, network))
    }

    /// Writes the deployment as pretty JSON, creating the folder if needed.
    ///
    /// # Errors
    /// [`DeploymentError::Io`] when it cannot be written.
    pub fn save(&self, path: &Path) -> Result<(), DeploymentError> {
        let io = |source| DeploymentError::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(io)?;
        }
        let mut text =
            serde_json::to_string_pretty(self).map_err(|source| DeploymentError::Format {
                path: path.to_owned(),
                source,
            })?;
        text.push('\n');
        std::fs::write(path, text).map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yenpay_client::stablecoin::derive_metadata_address;

    fn address(hex: &str) -> AccountAddress {
        AccountAddress::from_hex(hex).unwrap()
    }

    /// `resource_address(0xcafe, b"yenpay")`, computed apart with Python's hashlib.
    const CAFE_YENPAY: &str = "0x2c62d0c66354668d0dca53a9084556e1376a144ca2cac3c9ef7a9029ea2e406b";

    fn sample() -> Deployment {
        let package = address(CAFE_YENPAY);
        Deployment {
            network: Network::Testnet,
            chain_id: 2,
            package_address: package,
            deployer_address: address("0xcafe"),
            seed: "yenpay".to_owned(),
            metadata_address: derive_metadata_address(package),
            transaction_hash: HashValue::from_hex(
                "0x7f35f26324b600cb80d210855324986d07286bcd84f86b87e68b3bb64675dc8a",
            )
            .unwrap(),
            transaction_version: 6_612_345_678,
            published_at: OffsetDateTime::from_unix_timestamp(1_795_621_488).unwrap(),
            git_commit: "75ea78e".to_owned(),
        }
    }

    /// A file in the current layout, with `extra` fields spliced in before `git_commit`.
    fn json_with(fields: &str) -> String {
        format!(
            r#"{{"network":"local","chain_id":4,"package_address":"{CAFE_YENPAY}",{fields}
            "metadata_address":"0x14090c6f7e2a18ecbc585a411d0a35fc0cb9fddcf3c7398f734fc0410b6852e4",
            "transaction_hash":"0x7f35f26324b600cb80d210855324986d07286bcd84f86b87e68b3bb64675dc8a",
            "transaction_version":12,"published_at":"2026-05-01T09:30:00Z","git_commit":"abc"}}"#
        )
    }

    fn write(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join("some.json");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn round_trips_through_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = Deployment::path(dir.path(), Network::Testnet);
        assert!(path.ends_with("deployments/testnet.json"));
        sample().save(&path).unwrap();
        assert_eq!(
            Deployment::load_for(dir.path(), Network::Testnet).unwrap(),
            sample()
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"network\": \"testnet\""), "{text}");
        assert!(
            text.contains("\"published_at\": \"2026-11-25T15:44:48Z\""),
            "{text}"
        );
        assert!(
            text.contains(&format!("\"package_address\": \"{CAFE_YENPAY}\"")),
            "{text}"
        );
        assert!(
            text.contains("\"deployer_address\": \"0x000000000000000000000000000000000000000000000000000000000000cafe\""),
            "{text}"
        );
        assert!(text.contains("\"seed\": \"yenpay\""), "{text}");
        // Through serde directly too.
        let back: Deployment = serde_json::from_str(&text).unwrap();
        assert_eq!(back, sample());
        assert_eq!(
            back.named_addresses(),
            [
                ("yenpay", address(CAFE_YENPAY)),
                ("deployer", address("0xcafe"))
            ]
        );
    }

    #[test]
    fn short_addresses_and_unknown_fields() {
        let json = json_with(r#""deployer_address":"0xcafe","seed":"yenpay","#);
        let deployment: Deployment = serde_json::from_str(&json).unwrap();
        assert_eq!(deployment.network, Network::Local);
        assert_eq!(deployment.deployer_address, address("0xcafe"));
        assert_eq!(
            deployment.metadata_address,
            derive_metadata_address(deployment.package_address)
        );
        let extra = json.replace("\"git_commit\"", "\"private_key\":\"x\",\"git_commit\"");
        assert!(serde_json::from_str::<Deployment>(&extra).is_err());
    }

    #[test]
    fn a_file_from_before_resource_accounts_is_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), &json_with(""));
        let error = Deployment::load(&path).unwrap_err();
        let DeploymentError::Legacy { reason, .. } = &error else {
            panic!("not refused as legacy: {error:?}");
        };
        assert_eq!(
            **reason,
            InvalidDeployment::Legacy {
                package: address(CAFE_YENPAY)
            }
        );
        let text = error.to_string();
        assert!(text.contains("some.json"), "{text}");
        assert!(text.contains("deployer's own address"), "{text}");
        assert!(text.contains("cargo xtask deploy"), "{text}");
        // Serde alone refuses it with the same words.
        let serde_error = serde_json::from_str::<Deployment>(&json_with("")).unwrap_err();
        assert!(
            serde_error.to_string().contains("deployer's own address"),
            "{serde_error}"
        );
    }

    #[test]
    fn addresses_that_disagree_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        // Another seed: the package is not that resource account.
        let path = write(
            dir.path(),
            &json_with(r#""deployer_address":"0xcafe","seed":"yenpay-2","#),
        );
        let error = Deployment::load(&path).unwrap_err();
        let DeploymentError::Invalid { reason, .. } = &error else {
            panic!("not refused: {error:?}");
        };
        let InvalidDeployment::NotResourceAccount { expected, .. } = reason.as_ref() else {
            panic!("not refused for its address: {error:?}");
        };
        assert_eq!(*expected, resource_address(address("0xcafe"), b"yenpay-2"));
        assert!(
            error.to_string().contains("is not the resource account"),
            "{error}"
        );
        // The package at the deployer's own address, with a seed.
        let own = json_with(r#""deployer_address":"0xcafe","seed":"yenpay","#)
            .replace(CAFE_YENPAY, "0xcafe");
        assert!(serde_json::from_str::<Deployment>(&own).is_err());
        // Half of the pair.
        for (fields, present) in [
            (r#""deployer_address":"0xcafe","#, "deployer_address"),
            (r#""seed":"yenpay","#, "seed"),
        ] {
            let path = write(dir.path(), &json_with(fields));
            let error = Deployment::load(&path).unwrap_err();
            assert!(
                matches!(&error, DeploymentError::Invalid { reason, .. }
                    if **reason == InvalidDeployment::Incomplete { present }),
                "{error:?}"
            );
        }
        // A deployer that is not an address.
        let path = write(
            dir.path(),
            &json_with(r#""deployer_address":"cafe-shop","seed":"yenpay","#),
        );
        assert!(matches!(
            Deployment::load(&path),
            Err(DeploymentError::Format { .. })
        ));
    }

    #[test]
    fn missing_or_broken_files_name_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = Deployment::load_for(dir.path(), Network::Devnet).unwrap_err();
        assert!(matches!(missing, DeploymentError::Io { .. }));
        assert!(missing.to_string().contains("devnet.json"), "{missing}");
        let path = dir.path().join("broken.json");
        std::fs::write(&path, "{}").unwrap();
        assert!(matches!(
            Deployment::load(&path),
            Err(DeploymentError::Format { .. })
        ));
    }

    #[test]
    fn network_names() {
        for network in Network::ALL {
            assert_eq!(network.name().parse::<Network>().unwrap(), network);
        }
        assert!(!Network::Local.is_public());
        assert!(Network::Mainnet.is_public());
        assert_eq!(
            "moon".parse::<Network>().unwrap_err().to_string(),
            "unknown network `moon` (expected local, devnet, testnet or mainnet)"
        );
    }
}
