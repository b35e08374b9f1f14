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
//!   "metadata_address": "0x…",
//!   "transaction_hash": "0x…",
//!   "transaction_version": 6612345678,
//!   "published_at": "2026-05-01T09:30:00Z",
//!   "git_commit": "75ea78e…"
//! }
//! ```
use aptos_sdk::types::{AccountAddress, HashValue};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use time::OffsetDateTime;

/// Folder of the deployments files, relative to the repository root.
pub const DEPLOYMENTS_DIR: &str = "deployments";

/// A network the package can be deployed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// A localnet on this machine.
    Local,
    /// Aptos devnet (wiped regularly).
    Devnet,
    /// Aptos testnet.
    Testnet,
    /// Aptos mainnet.
    Mainnet,
}

impl Network {
    /// Every network.
    pub const ALL: [Network; 4] = [
        Network::Local,
        Network::Devnet,
        Network::Testnet,
        Network::Mainnet,
    ];

    /// The name used on the command line and in file names.
    pub fn name(self) -> &'static str {
        match self {
            Network::Local => "local",
            Network::Devnet => "devnet",
            Network::Testnet => "testnet",
            Network::Mainnet => "mainnet",
        }
    }

    /// Whether its deployments file is committed (every network but `local`).
    pub fn is_public(self) -> bool {
        self != Network::Local
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A network name that is not one of [`Network::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown network `{0}` (expected local, devnet, testnet or mainnet)")]
pub struct UnknownNetwork(pub String);

impl FromStr for Network {
    type Err = UnknownNetwork;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|network| network.name() == name)
            .ok_or_else(|| UnknownNetwork(name.to_owned()))
    }
}

/// One deployment of the package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// Where.
    pub network: Network,
    /// The chain id the node reported.
    pub chain_id: u8,
    /// The package address (`@yenpay`): the publishing account.
    pub package_address: AccountAddress,
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
    /// when it is not a deployment.
    pub fn load(path: &Path) -> Result<Self, DeploymentError> {
        let text = std::fs::read_to_string(path).map_err(|source| DeploymentError::Io {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| DeploymentError::Format {
            path: path.to_owned(),
            source,
        })
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
    use crate::stablecoin::derive_metadata_address;

    fn sample() -> Deployment {
        let package = AccountAddress::from_hex("0xcafe").unwrap();
        Deployment {
            network: Network::Testnet,
            chain_id: 2,
            package_address: package,
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
            text.contains("\"package_address\": \"0x000000000000000000000000000000000000000000000000000000000000cafe\""),
            "{text}"
        );
    }

    #[test]
    fn short_addresses_and_unknown_fields() {
        let json = r#"{"network":"local","chain_id":4,"package_address":"0xcafe",
            "metadata_address":"0x72ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18",
            "transaction_hash":"0x7f35f26324b600cb80d210855324986d07286bcd84f86b87e68b3bb64675dc8a",
            "transaction_version":12,"published_at":"2026-05-01T09:30:00Z","git_commit":"abc"}"#;
        let deployment: Deployment = serde_json::from_str(json).unwrap();
        assert_eq!(deployment.network, Network::Local);
        assert_eq!(
            deployment.metadata_address,
            derive_metadata_address(deployment.package_address)
        );
        let extra = json.replace("\"git_commit\"", "\"private_key\":\"x\",\"git_commit\"");
        assert!(serde_json::from_str::<Deployment>(&extra).is_err());
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
