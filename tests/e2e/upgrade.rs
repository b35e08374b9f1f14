//! Case 15: code control. Only the stablecoin's admin can publish new code at
//! the package (its resource account's key is zero): a stranger's
//! `upgrade_package` aborts with `ENOT_ADMIN`, the deployer cannot create the
//! resource account again, and the admin re-publishing the same build (a
//! compatible upgrade) succeeds and emits `PackageUpgraded`.

use anyhow::{Context, Result, anyhow, bail, ensure};
use aptos_sdk::types::AccountAddress;
use serde_json::Value;
use yenpay_client::abort::{AbortCategory, KnownAbort, UpgradeAbort};
use yenpay_client::client::Error;
use yenpay_client::events::YenpayEvent;
use yenpay_client::upgrade::UpgradeEvent;
use yenpay_deploy::deployment::{Deployment, Network};
use yenpay_deploy::publish::{CompiledPackage, DEFAULT_SEED, resource_address};

use crate::check_eq;
use crate::harness::{Harness, Outcome, one_event};

pub async fn upgrade(h: &'static Harness) -> Result<()> {
    // New code while other cases run would make their failures hard to read.
    let _exclusive = h.exclusive().await;
    let package = published_build(h).await?;
    let upgrades = h.client.upgrade();
    let number_before = upgrade_number(h, &package.name).await?;

    // A stranger: ENOT_ADMIN (0x50001 in yenpay_client::upgrade). Sent with the
    // client's usual gas limit, which a fresh account can pay for.
    let stranger = h.funded_account().await?;
    // The whole package when it fits one transaction, else its metadata alone:
    // the admin gate is the first check either way. Then the chunked path's
    // entries: staging a chunk, publishing what is staged.
    let code = match package.upgrade_payload(h.package()) {
        Ok(_) => package.code(),
        Err(_) => Vec::new(),
    };
    let calls = [
        (
            "upgrade_package",
            upgrades.calls().upgrade_package(&package.metadata, &code)?,
        ),
        (
            "stage_upgrade_chunk",
            upgrades.calls().stage_upgrade_chunk(
                &package.metadata,
                &[0],
                &[vec![0xa1, 0x1c, 0xeb, 0x0b]],
            )?,
        ),
        (
            "publish_staged_upgrade",
            upgrades.calls().publish_staged_upgrade()?,
        ),
    ];
    for (what, call) in calls {
        match h.client.submit_entry(&stranger, call).await {
            Ok(submitted) => bail!(
                "a stranger's {what} succeeded (transaction {}): anyone can replace the code",
                submitted.hash
            ),
            Err(error) => {
                let abort = error.abort().cloned();
                let expected = Some(KnownAbort::Upgrade(UpgradeAbort::NotAdmin));
                if error.known_abort() != expected
                    || abort.as_ref().map(|abort| abort.code) != Some(0x50001)
                    || abort.as_ref().map(|abort| abort.module_address) != Some(h.package())
                {
                    return Err(h
                        .explain(&format!("a stranger's {what}"), &error)
                        .await
                        .context("expected the abort upgrade::ENOT_ADMIN (0x50001)"));
                }
            }
        }
    }

    // The deployer cannot publish there again through the resource account:
    // the framework refuses to create it twice (account::ERESOURCE_ACCCOUNT_EXISTS).
    match known_seed(h) {
        Some(seed) => {
            // Over one transaction, a chunked publish starts by creating the
            // resource account: refused the same way.
            let again = match package.publish_payload(seed.as_bytes()) {
                Ok(payload) => payload,
                Err(_) => yenpay_deploy::chunked::create_resource_account_payload(seed.as_bytes())
                    .map_err(|error| anyhow!(error))?,
            };
            let result = {
                let deployer = h.deployer().await;
                h.client.submit(&*deployer, again).await
            };
            expect_resource_account_exists(h, result).await?;
        }
        None => eprintln!(
            "case 15: the seed of the package at {} is unknown (not in deployments/local.json, \
             not the default): the deployer's second create_resource_account_and_publish_package \
             is not tried",
            h.package()
        ),
    }
    check_eq!(
        upgrade_number(h, &package.name).await?,
        number_before,
        "upgrade number after the refused attempts"
    );

    // The admin (the deployer, on a fresh deployment) re-publishes the same build.
    let upgraded = {
        let admin = h.deployer().await;
        let submitted =
            match yenpay_deploy::publish::publish_upgrade(&h.client, &*admin, &package, &|step| {
                eprintln!("case 15: [{}/{}] {}", step.step, step.of, step.what)
            })
            .await
            {
                Ok(submitted) => Ok(submitted),
                Err(yenpay_deploy::publish::DeployError::Client(error)) => Err(error),
                Err(yenpay_deploy::publish::DeployError::Publish(error)) => {
                    anyhow::bail!("the build cannot be published as an upgrade: {error}")
                }
            };
        submitted
            .committed("the admin's upgrade_package with the same build")
            .await?
    };
    let event = one_event(&upgraded, "PackageUpgraded", |event| match event {
        YenpayEvent::Upgrade(UpgradeEvent::PackageUpgraded(upgraded)) => Some(upgraded),
        _ => None,
    })?;
    check_eq!(event.admin, h.deployer_address(), "PackageUpgraded.admin");
    check_eq!(
        upgrade_number(h, &package.name).await?,
        number_before + 1,
        "upgrade number after the admin's upgrade"
    );
    // Still controlled, still keyless, and the coin still answers.
    check_eq!(
        upgrades.is_code_controlled().await?,
        true,
        "upgrade::is_code_controlled() after the upgrade"
    );
    check_eq!(
        h.authentication_key(h.package()).await?,
        format!("0x{}", "00".repeat(32)),
        "the package account's key after the upgrade"
    );
    check_eq!(
        h.client.controls().admin().await?,
        h.deployer_address(),
        "admin after the upgrade"
    );
    Ok(())
}

/// The build in `move/build` (what `cargo xtask e2e` just published), checked
/// module by module against the bytecode on chain.
async fn published_build(h: &Harness) -> Result<CompiledPackage> {
    let dir = crate::harness::repo_root().join("move");
    let package = CompiledPackage::from_package_dir(&dir).context(
        "case 15 re-publishes the build in move/build (`cargo xtask e2e` leaves it there)",
    )?;
    for module in &package.modules {
        let on_chain = h
            .client
            .aptos()
            .fullnode()
            .get_account_module(h.package(), &module.name)
            .await
            .with_context(|| format!("module {}::{} on chain", h.package(), module.name))?
            .into_inner()
            .bytecode;
        let local = format!("0x{}", const_hex::encode(&module.bytecode));
        ensure!(
            on_chain == local,
            "move/build holds another build of `{}` than the one published at {} (compiled for \
             other addresses, or changed since): rerun `cargo xtask e2e`",
            module.name,
            h.package()
        );
    }
    Ok(package)
}

/// The seed the package was published with: the local deployment record's,
/// or the default, whichever gives the package address.
fn known_seed(h: &Harness) -> Option<String> {
    let root = crate::harness::repo_root();
    let recorded = Deployment::load_for(&root, Network::Local)
        .ok()
        .filter(|deployment| deployment.deployer_address == h.deployer_address())
        .map(|deployment| deployment.seed);
    recorded
        .into_iter()
        .chain(std::iter::once(DEFAULT_SEED.to_owned()))
        .find(|seed| resource_address(h.deployer_address(), seed.as_bytes()) == h.package())
}

/// `result` aborted in `0x1::account` with `ERESOURCE_ACCCOUNT_EXISTS`
/// (`error::already_exists(15)`).
async fn expect_resource_account_exists(
    h: &Harness,
    result: std::result::Result<yenpay_client::client::Submitted, Error>,
) -> Result<()> {
    let what = "the deployer's second creation of its resource account";
    match result {
        Ok(submitted) => bail!(
            "{what} succeeded (transaction {}): the deployer can still replace the code",
            submitted.hash
        ),
        Err(error) => match error.abort() {
            Some(abort)
                if abort.module_address == AccountAddress::ONE
                    && abort.module_name == "account"
                    && abort.category() == AbortCategory::AlreadyExists
                    && abort.reason() == 15 =>
            {
                Ok(())
            }
            _ => Err(h
                .explain(what, &error)
                .await
                .context("expected the abort 0x1::account::ERESOURCE_ACCCOUNT_EXISTS (0x8000f)")),
        },
    }
}

/// `upgrade_number` of the package `name` in the package account's
/// `0x1::code::PackageRegistry`.
async fn upgrade_number(h: &Harness, name: &str) -> Result<u64> {
    let registry = h
        .client
        .aptos()
        .fullnode()
        .get_account_resource(h.package(), "0x1::code::PackageRegistry")
        .await
        .with_context(|| format!("0x1::code::PackageRegistry of {}", h.package()))?
        .into_inner()
        .data;
    let package = registry["packages"]
        .as_array()
        .and_then(|packages| {
            packages
                .iter()
                .find(|package| package["name"].as_str() == Some(name))
        })
        .ok_or_else(|| anyhow!("no package `{name}` in the registry: {registry}"))?;
    match &package["upgrade_number"] {
        Value::String(text) => text
            .parse()
            .with_context(|| format!("upgrade_number {text:?}")),
        other => other
            .as_u64()
            .ok_or_else(|| anyhow!("upgrade_number {other}")),
    }
}
