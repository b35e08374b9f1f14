//! Which Aptos node the node-bound commands (deploy --network local, e2e,
//! demo) use: the one named by `APTOS_NODE_URL`, else a localnet the Aptos CLI
//! starts. With neither, they fail at once, naming the CLI and `cargo xtask
//! setup`. There is no pretend node.
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use aptos_sdk::AptosConfig;

use crate::localnet::{self, StartArgs, Started};
use crate::move_cli::{Missing, find_aptos_cli};

pub use crate::http::{FAUCET_URL_ENV, NODE_URL_ENV, rest_api_url};

/// What to do for a node, decided from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Use the node at these URLs.
    UseUrl {
        /// REST URL as given.
        rest: String,
        /// Faucet URL, when given.
        faucet: Option<String>,
    },
    /// Start (or reuse) the localnet with the Aptos CLI.
    StartLocalnet,
    /// Nothing usable: the message says what to install or set.
    Fail(String),
}

/// The message when there is neither a node URL nor the Aptos CLI.
pub fn no_node_message() -> String {
    format!(
        "no Aptos node to use: {NODE_URL_ENV} is not set, and the Aptos CLI (`aptos`), which would \
         start a localnet, is not on PATH. Install it with `cargo xtask setup`, or set \
         {NODE_URL_ENV} and {FAUCET_URL_ENV} to a running node"
    )
}

/// Decides from the node URL variable and whether the CLI was found.
pub fn plan(
    node_url: Option<String>,
    faucet_url: Option<String>,
    cli: Result<(), Missing>,
) -> Plan {
    match node_url.filter(|u| !u.trim().is_empty()) {
        Some(rest) => Plan::UseUrl {
            rest,
            faucet: faucet_url.filter(|u| !u.trim().is_empty()),
        },
        None => match cli {
            Ok(()) => Plan::StartLocalnet,
            Err(Missing(_)) => Plan::Fail(no_node_message()),
        },
    }
}

/// [`plan`] from this process's environment.
pub fn plan_from_env() -> Plan {
    plan(
        std::env::var(NODE_URL_ENV).ok(),
        std::env::var(FAUCET_URL_ENV).ok(),
        find_aptos_cli().map(|_| ()),
    )
}

/// Fails at once, listing everything missing, when a command that compiles
/// the package and needs a node cannot run here.
pub fn preflight() -> Result<()> {
    let mut problems = Vec::new();
    if let Err(Missing(why)) = crate::move_cli::MoveRunner::find() {
        problems.push(format!("no Move compiler: {why}"));
    }
    if let Plan::Fail(why) = plan_from_env() {
        problems.push(why);
    }
    match problems.as_slice() {
        [] => Ok(()),
        [one] => bail!("{one}"),
        many => bail!("cannot run here:\n  - {}", many.join("\n  - ")),
    }
}

/// A node that answered.
#[derive(Debug, Clone)]
pub struct Node {
    /// REST URL (without `/v1`, as the environment variables carry it).
    pub rest_url: String,
    /// Faucet URL, if the node has one.
    pub faucet_url: Option<String>,
    /// Whether this run started the localnet (and so should stop it).
    pub started_localnet: bool,
}

impl Node {
    /// The aptos-sdk configuration for this node (with its faucet, when known).
    pub fn config(&self) -> Result<AptosConfig> {
        let mut config = AptosConfig::custom(&rest_api_url(&self.rest_url))
            .context("the node URL is not a valid http(s) URL")?
            .with_timeout(Duration::from_secs(30));
        if let Some(f) = &self.faucet_url {
            config = config
                .with_faucet_url(f)
                .context("the faucet URL is not a valid http(s) URL")?;
        }
        Ok(config)
    }
}

/// Makes sure a node answers: the `APTOS_NODE_URL` one, or the localnet
/// (started if needed).
pub async fn ensure(root: &Path, start: &StartArgs) -> Result<Node> {
    let (rest, faucet, started) = match plan_from_env() {
        Plan::Fail(msg) => bail!(msg),
        Plan::UseUrl { rest, faucet } => {
            println!(
                "Using the node at {rest} ({NODE_URL_ENV}){}",
                faucet
                    .as_deref()
                    .map(|f| format!(", faucet {f}"))
                    .unwrap_or_default()
            );
            (rest, faucet, false)
        }
        Plan::StartLocalnet => {
            let started = localnet::start(&localnet::Paths::new(root), start).await?;
            (
                localnet::rest_url(),
                Some(localnet::faucet_url()),
                started == Started::New,
            )
        }
    };
    let info = crate::http::get_json(&rest_api_url(&rest), Duration::from_secs(10))
        .await
        .with_context(|| format!("the node at {rest} does not answer GET /v1"))?;
    let chain_id = info
        .get("chain_id")
        .and_then(serde_json::Value::as_u64)
        .and_then(|c| u8::try_from(c).ok())
        .with_context(|| format!("{rest}/v1 did not report a chain_id"))?;
    println!("Node {rest} answers: chain id {chain_id}");
    Ok(Node {
        rest_url: rest,
        faucet_url: faucet,
        started_localnet: started,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_api_url_adds_v1_once() {
        assert_eq!(
            rest_api_url("http://127.0.0.1:8080"),
            "http://127.0.0.1:8080/v1"
        );
        assert_eq!(
            rest_api_url("http://127.0.0.1:8080/"),
            "http://127.0.0.1:8080/v1"
        );
        assert_eq!(
            rest_api_url("http://127.0.0.1:8080/v1"),
            "http://127.0.0.1:8080/v1"
        );
        assert_eq!(
            rest_api_url("https://n.example/v1/"),
            "https://n.example/v1"
        );
    }

    #[test]
    fn a_node_url_wins_over_starting_a_localnet() {
        let p = plan(
            Some("http://127.0.0.1:18080".into()),
            Some("http://127.0.0.1:18081".into()),
            Err(Missing("no cli".into())),
        );
        assert_eq!(
            p,
            Plan::UseUrl {
                rest: "http://127.0.0.1:18080".into(),
                faucet: Some("http://127.0.0.1:18081".into())
            }
        );
        assert_eq!(plan(None, None, Ok(())), Plan::StartLocalnet);
        assert_eq!(plan(Some(" ".into()), None, Ok(())), Plan::StartLocalnet);
    }

    #[test]
    fn without_cli_or_url_the_plan_fails_naming_the_cli_and_setup() {
        let Plan::Fail(msg) = plan(
            None,
            None,
            Err(Missing(crate::move_cli::missing_cli_message())),
        ) else {
            panic!("expected a failure");
        };
        assert!(msg.contains("Aptos CLI"), "{msg}");
        assert!(msg.contains("cargo xtask setup"), "{msg}");
        assert!(msg.contains(NODE_URL_ENV), "{msg}");
    }
}
