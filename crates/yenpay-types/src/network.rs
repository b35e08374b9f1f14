//! The Aptos networks the package is deployed to, one definition for the
//! client, the deployer and the command line.
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

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
