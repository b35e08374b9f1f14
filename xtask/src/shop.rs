//! `cargo xtask shop --name NAME`: a test shop, ready for the gateway's POS
//! page, on a local or test network (docs/web.md, "Try it").
//!
//! Does what an operator and a merchant do at onboarding (docs/gateway.md),
//! in one go:
//! 1. a new owner account for the shop, funded from the faucet, its key
//!    written to `.aptos/shop-<merchant id>.key` (owner-only);
//! 2. the gateway onboards it (`POST /admin/merchants`), which gives the
//!    gateway's terminal account for it;
//! 3. the recorded deployer, as registry operator, registers it on chain with
//!    that terminal as payout address (so refunds from the POS page work);
//! 4. the owner adds the terminal (`merchant_registry::add_terminal`);
//! 5. the gateway issues two POS credentials, the POS page's logins: a
//!    cashier's (codes, customer-presented payments) and a manager's (also
//!    refunds). The merchant's API key is for integrations, and does not log
//!    in to the POS page; the operator issues one with `POST
//!    /admin/merchants/{id}/keys` when the shop integrates.
//!
//! Refused on mainnet: there a merchant is registered after KYC, by the operator.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use aptos_sdk::types::AccountAddress;
use clap::Args;
use serde_json::{Value, json};
use yenpay_client::types::limits::{FeeBps, Mcc, MerchantName};

use crate::deploy::{Network, Target};
use crate::profile::{Deployer, SecretKey};

/// Octas the faucet gives the shop's owner: it signs one transaction, but the
/// node wants `max_gas_amount × gas_unit_price` in hand, and it may later
/// change its payout address or terminals.
const OWNER_FUNDING: u64 = 100_000_000;

/// Options of `cargo xtask shop`.
#[derive(Debug, Args, Clone)]
pub struct ShopArgs {
    /// The shop's name (printable ASCII, at most 25 characters: it goes into QR codes).
    #[arg(long)]
    pub name: String,
    /// Its city (printable ASCII, at most 15 characters).
    #[arg(long, default_value = "TOKYO")]
    pub city: String,
    /// ISO 18245 merchant category code.
    #[arg(long, default_value = "5812")]
    pub mcc: String,
    /// The operator's fee, basis points.
    #[arg(long, default_value_t = 100)]
    pub fee_bps: u16,
    /// The gateway.
    #[arg(
        long,
        env = "YENPAY_GATEWAY_URL",
        default_value = "http://127.0.0.1:8090"
    )]
    pub gateway: String,
    /// The gateway's admin API, on its own address.
    #[arg(
        long,
        env = "YENPAY_GATEWAY_ADMIN_URL",
        default_value = "http://127.0.0.1:8091"
    )]
    pub admin_url: String,
    /// The gateway's admin token.
    #[arg(long, env = "YENPAY_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: String,
    /// The network whose deployment (deployments/<network>.json) the gateway serves.
    #[arg(long, default_value = "local")]
    pub network: Network,
    /// The Aptos CLI profile of the deployer (the registry operator). Default: `yenpay-local` on local, `default` elsewhere.
    #[arg(long, conflicts_with = "key_file")]
    pub profile: Option<String>,
    /// A file holding the deployer's private key (AIP-80 or hex).
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
}

/// The POS logins a test shop gets: role and label.
const POS_LOGINS: [(&str, &str); 2] = [("cashier", "register 1"), ("manager", "store manager")];

/// What `shop` prints of the POS logins it issued.
fn login_lines(logins: &[(&str, Value)]) -> Result<Vec<String>> {
    let mut lines =
        vec!["  POS logins (each secret is shown once; a cashier cannot refund):".to_owned()];
    for (role, issued) in logins {
        lines.push(format!(
            "    {role:<8} id {}  secret {}",
            text(issued, "credentialId")?,
            text(issued, "secret")?
        ));
    }
    Ok(lines)
}

/// The gateway's admin API.
struct Admin {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Admin {
    async fn post(&self, path: &str, body: Option<Value>) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        let mut request = self.http.post(&url).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("reaching the gateway at {url}"))?;
        let status = response.status();
        let answer: Value = response
            .json()
            .await
            .with_context(|| format!("POST {url}: the answer is not JSON"))?;
        if !status.is_success() {
            bail!(
                "POST {url}: {status} {} ({})",
                answer["resultInfo"]["message"]
                    .as_str()
                    .unwrap_or("no message"),
                answer["resultInfo"]["code"].as_str().unwrap_or("no code")
            );
        }
        Ok(answer["data"].clone())
    }
}

fn text(data: &Value, field: &str) -> Result<String> {
    data[field]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("the gateway's answer lacks {field}: {data}"))
}

pub fn run(root: &Path, args: &ShopArgs) -> Result<()> {
    if args.network == Network::Mainnet {
        bail!(
            "`cargo xtask shop` is for local and test networks; on mainnet the operator registers merchants after KYC"
        );
    }
    // Checked before anything is created anywhere.
    let name = MerchantName::new(&args.name).context("--name")?;
    let mcc = Mcc::new(&args.mcc).context("--mcc")?;
    let fee = FeeBps::new(u64::from(args.fee_bps)).context("--fee-bps")?;
    let (deployment, operator) = crate::deploy::recorded_deployer(
        root,
        args.network,
        args.profile.as_deref(),
        args.key_file.as_deref(),
    )?;
    crate::http::install_tls_provider();
    let admin = Admin {
        http: reqwest::Client::new(),
        base: args.admin_url.trim_end_matches('/').to_owned(),
        token: args.admin_token.clone(),
    };
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async {
        let target = Target::connect(root, args.network).await?;
        ensure!(
            target.chain_id == deployment.chain_id,
            "the {} node reports chain id {}, but the deployment was recorded on chain id {}: deploy again",
            args.network.name(),
            target.chain_id,
            deployment.chain_id
        );
        let client = target.yenpay(deployment.package_address)?;
        let registry = client.merchant_registry();
        let registry_operator = registry.operator().await?;
        ensure!(
            registry_operator == operator.address,
            "{} is not the registry's operator ({registry_operator}): pass its key with --profile or --key-file",
            operator.address
        );

        let owner_key = SecretKey::generate();
        let owner = Deployer::from_key(owner_key);
        yenpay_deploy::faucet::fund(&target.aptos()?, owner.address, OWNER_FUNDING)
            .await
            .with_context(|| {
                format!("funding the shop's owner {} from the faucet", owner.address)
            })?;

        let onboarded = admin
            .post(
                "/admin/merchants",
                Some(json!({
                    "ownerAddress": owner.address.to_hex(),
                    "name": args.name,
                    "city": args.city,
                    "mcc": args.mcc,
                })),
            )
            .await
            .context("onboarding at the gateway")?;
        let merchant_id = text(&onboarded, "merchantId")?;
        let terminal = AccountAddress::from_hex(text(&onboarded, "terminalAddress")?)
            .context("the gateway's terminal address")?;
        let key_path = owner.write_key_file(
            &root
                .join(".aptos")
                .join(format!("shop-{merchant_id}.key")),
        )?;

        // From here a failure leaves a half-made shop: say which, so it can be finished or ignored.
        let half_made = || {
            format!(
                "shop {merchant_id} (owner {}, key in {}) is onboarded at the gateway but not finished",
                owner.address,
                key_path.display()
            )
        };
        registry
            .register_merchant(&operator.account(), owner.address, &name, &mcc, terminal, fee)
            .await
            .context("registering the shop on chain")
            .with_context(half_made)?;
        registry
            .add_terminal(&owner.account(), terminal)
            .await
            .context("the owner adding the gateway's terminal")
            .with_context(half_made)?;
        let mut logins = Vec::new();
        for (role, label) in POS_LOGINS {
            let issued = admin
                .post(
                    &format!("/admin/merchants/{merchant_id}/pos-credentials"),
                    Some(json!({"role": role, "label": label})),
                )
                .await
                .with_context(|| format!("issuing the shop's {role} POS login"))
                .with_context(half_made)?;
            logins.push((role, issued));
        }

        println!("Shop {:?} is ready ({} on {}):", args.name, merchant_id, args.network.name());
        println!("  owner     {}  (key in {})", owner.address, key_path.display());
        println!("  terminal  {terminal}  (the gateway's; also the payout address, so refunds go through the gateway)");
        println!("  fee       {} bps", args.fee_bps);
        for line in login_lines(&logins)? {
            println!("{line}");
        }
        let gateway = args.gateway.trim_end_matches('/');
        println!("  POS page   {gateway}/pos");
        println!("  wallet     {gateway}/wallet  (fund its address: cargo xtask mint --to <address> --amount 5000)");
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(network: Network, name: &str) -> ShopArgs {
        ShopArgs {
            name: name.to_owned(),
            city: "TOKYO".to_owned(),
            mcc: "5812".to_owned(),
            fee_bps: 100,
            gateway: "http://127.0.0.1:9".to_owned(),
            admin_url: "http://127.0.0.1:9".to_owned(),
            admin_token: "t".to_owned(),
            network,
            profile: None,
            key_file: None,
        }
    }

    #[test]
    fn it_prints_a_cashier_and_a_manager_login() {
        let logins: Vec<(&str, Value)> = POS_LOGINS
            .iter()
            .map(|(role, _)| {
                (
                    *role,
                    json!({"credentialId": format!("posc_{role}"), "secret": format!("yps_{role}")}),
                )
            })
            .collect();
        let lines = login_lines(&logins).unwrap();
        assert_eq!(lines.len(), 3);
        assert!(
            lines[1].contains("cashier")
                && lines[1].contains("posc_cashier")
                && lines[1].contains("yps_cashier")
        );
        assert!(
            lines[2].contains("manager")
                && lines[2].contains("posc_manager")
                && lines[2].contains("yps_manager")
        );
        let missing =
            login_lines(&[("cashier", json!({"keyId": "key_1", "secret": "ysk_1"}))]).unwrap_err();
        assert!(missing.to_string().contains("credentialId"), "{missing}");
    }

    #[test]
    fn mainnet_is_refused_before_anything_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let err = run(dir.path(), &args(Network::Mainnet, "SHOP"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("after KYC"), "{err}");
    }

    #[test]
    fn a_name_a_qr_code_cannot_carry_is_refused_first() {
        let dir = tempfile::tempdir().unwrap();
        let err = run(dir.path(), &args(Network::Local, "")).unwrap_err();
        assert!(format!("{err:#}").contains("--name"), "{err:#}");
        let mut bad_mcc = args(Network::Local, "SHOP");
        bad_mcc.mcc = "58".to_owned();
        let err = run(dir.path(), &bad_mcc).unwrap_err();
        assert!(format!("{err:#}").contains("--mcc"), "{err:#}");
    }

    #[test]
    fn without_a_deployment_record_it_says_what_to_run() {
        let dir = tempfile::tempdir().unwrap();
        let err = run(dir.path(), &args(Network::Local, "SHOP")).unwrap_err();
        assert!(
            format!("{err:#}").contains("cargo xtask deploy --network local"),
            "{err:#}"
        );
    }
}
