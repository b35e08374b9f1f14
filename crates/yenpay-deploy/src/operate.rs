//! What a deployer or an issuer checks and does on a published package, one
//! implementation for `cargo xtask` (the developer's workflow) and the
//! `yenpay` console (the operator's): the deployment's verification, the
//! upgrade's preconditions and the package registry's record, and test yen
//! for a wallet.
use aptos_sdk::types::AccountAddress;
use serde_json::Value;
use yenpay_client::client::{Error, Submitted, TxSigner, YenPay};

/// Why a deployment does not pass verification, or an action cannot go ahead.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// A view or a read of the node failed.
    #[error("{what} failed")]
    Read {
        /// What was read.
        what: String,
        /// Why.
        source: Error,
    },
    /// The package is the deployer's own account, whose key controls its code.
    #[error("the package {package} is the deployer's own account: it must be a resource account")]
    NotResourceAccount {
        /// The package.
        package: AccountAddress,
    },
    /// A role is held by someone else than expected.
    #[error("{view} is {holder}, expected {expected}")]
    Role {
        /// The view.
        view: &'static str,
        /// Who holds it.
        holder: AccountAddress,
        /// Who should.
        expected: AccountAddress,
    },
    /// The package holds no signer capability.
    #[error(
        "{package}::upgrade::is_code_controlled() is false: the package holds no signer capability"
    )]
    NotCodeControlled {
        /// The package.
        package: AccountAddress,
    },
    /// A private key could replace the code.
    #[error(
        "the package account {package} has authentication key {key}, not zero: a private key could replace its code"
    )]
    AuthKeyNotZero {
        /// The package.
        package: AccountAddress,
        /// Its key as the node gives it.
        key: String,
    },
    /// The treasury cannot receive fees.
    #[error(
        "the fee treasury's store {store} is not approved: the treasury could not receive fees"
    )]
    TreasuryStoreNotApproved {
        /// The store.
        store: AccountAddress,
    },
    /// A module's code on chain is not the local build's.
    #[error(
        "module {module} on chain ({on_chain} bytes, sha3-256 {on_chain_hash}) is not the local build's ({local} bytes, sha3-256 {local_hash}): the build is of other sources or for other addresses, or the chain runs other code"
    )]
    BytecodeDiffers {
        /// The module.
        module: String,
        /// Its size on chain.
        on_chain: usize,
        /// Its hash on chain, hex.
        on_chain_hash: String,
        /// Its size in the build.
        local: usize,
        /// Its hash in the build, hex.
        local_hash: String,
    },
    /// The package on chain and the build do not have the same modules.
    #[error(
        "the package on chain has modules {on_chain:?}, the local build {local:?}: they are not the same package"
    )]
    ModulesDiffer {
        /// On chain, by name.
        on_chain: Vec<String>,
        /// In the build.
        local: Vec<String>,
    },
    /// The signer is not the admin.
    #[error(
        "the signer {signer} is not the stablecoin's admin {admin}: only the admin can upgrade (it would abort with ENOT_ADMIN)"
    )]
    NotAdmin {
        /// Who would sign.
        signer: AccountAddress,
        /// The admin.
        admin: AccountAddress,
    },
    /// Neither a minter with enough allowance nor the master minter.
    #[error(
        "{signer} is not a minter with ¥{amount} of allowance, nor the master minter ({master}) that could make it one"
    )]
    CannotMint {
        /// Who would sign.
        signer: AccountAddress,
        /// How much.
        amount: u64,
        /// The master minter.
        master: AccountAddress,
    },
}

fn read(what: impl Into<String>) -> impl FnOnce(Error) -> CheckError {
    let what = what.into();
    move |source| CheckError::Read { what, source }
}

/// Whether an `authentication_key` as the REST API gives it is 32 zero bytes
/// (`None` when it is not 0x-prefixed hex of 32 bytes).
pub fn is_zero_auth_key(text: &str) -> Option<bool> {
    let bytes = const_hex::decode(text.strip_prefix("0x")?).ok()?;
    (bytes.len() == 32).then(|| bytes.iter().all(|byte| *byte == 0))
}

/// `upgrade_number` and module names of the package `name` in a
/// `0x1::code::PackageRegistry`'s JSON.
pub fn package_in_registry(registry: &Value, name: &str) -> Option<(u64, Vec<String>)> {
    let package = registry
        .get("packages")?
        .as_array()?
        .iter()
        .find(|package| package.get("name").and_then(Value::as_str) == Some(name))?;
    let number = match package.get("upgrade_number")? {
        Value::String(text) => text.parse().ok()?,
        other => other.as_u64()?,
    };
    let modules = package
        .get("modules")?
        .as_array()?
        .iter()
        .filter_map(|module| module.get("name").and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    Some((number, modules))
}

/// The `0x1::code::PackageRegistry` at `address`, if code is published there.
///
/// # Errors
/// [`CheckError::Read`] when the node fails.
pub async fn package_registry(
    client: &YenPay,
    address: AccountAddress,
) -> Result<Option<Value>, CheckError> {
    match client
        .aptos()
        .fullnode()
        .get_account_resource(address, "0x1::code::PackageRegistry")
        .await
    {
        Ok(resource) => Ok(Some(resource.into_inner().data)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(read(format!(
            "reading 0x1::code::PackageRegistry of {address}"
        ))(error.into())),
    }
}

/// One verification: each check that passed, as a line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verified {
    /// The YJPY metadata object.
    pub metadata: Option<AccountAddress>,
    /// One line per check that passed.
    pub report: Vec<String>,
}

/// Checks the client's package on chain: every module in `modules` is there,
/// each role is held by `roles_holder` when given (right after a deploy:
/// the deployer), the code is controlled (the package holds its signer
/// capability and its account's key is zero), and the fee treasury's store
/// is approved.
///
/// # Errors
/// The first check that fails, as [`CheckError`].
pub async fn verify(
    client: &YenPay,
    modules: &[String],
    roles_holder: Option<AccountAddress>,
) -> Result<Verified, CheckError> {
    let package = client.package();
    if roles_holder == Some(package) {
        return Err(CheckError::NotResourceAccount { package });
    }
    let mut report = Vec::new();
    for name in modules {
        client
            .aptos()
            .fullnode()
            .get_account_module(package, name)
            .await
            .map_err(|e| read(format!("module {package}::{name}"))(e.into()))?;
        report.push(format!("module {name} is on chain at {package}"));
    }
    let coin = client.stablecoin();
    let controls = client.controls();
    let registry = client.merchant_registry();
    let roles = [
        ("controls::admin()", controls.admin().await),
        (
            "issuance::master_minter()",
            client.issuance().master_minter().await,
        ),
        ("controls::pauser()", controls.pauser().await),
        ("controls::denylister()", controls.denylister().await),
        ("merchant_registry::operator()", registry.operator().await),
    ];
    for (view, holder) in roles {
        let holder = holder.map_err(read(format!("view {view}")))?;
        match roles_holder {
            Some(expected) if holder != expected => {
                return Err(CheckError::Role {
                    view,
                    holder,
                    expected,
                });
            }
            _ => report.push(format!("{view} = {holder}")),
        }
    }
    let controlled = client
        .upgrade()
        .is_code_controlled()
        .await
        .map_err(read("view upgrade::is_code_controlled()"))?;
    if !controlled {
        return Err(CheckError::NotCodeControlled { package });
    }
    report.push(
        "upgrade::is_code_controlled() = true: only the admin's upgrade_package can change the code"
            .to_owned(),
    );
    let key = client
        .aptos()
        .fullnode()
        .get_account(package)
        .await
        .map_err(|e| read(format!("GET /v1/accounts/{package}"))(e.into()))?
        .into_inner()
        .authentication_key;
    if is_zero_auth_key(&key) != Some(true) {
        return Err(CheckError::AuthKeyNotZero { package, key });
    }
    report.push(format!(
        "the package account's authentication key is zero ({key}): no key signs for it"
    ));
    let metadata = coin
        .metadata_address()
        .await
        .map_err(read("view stablecoin::metadata_address()"))?;
    report.push(format!("stablecoin::metadata_address() = {metadata}"));
    let supply = coin
        .total_supply()
        .await
        .map_err(read("view stablecoin::total_supply()"))?;
    report.push(format!("stablecoin::total_supply() = {supply}"));
    let cap = controls
        .transfer_cap()
        .await
        .map_err(read("view controls::transfer_cap()"))?;
    report.push(format!("controls::transfer_cap() = {cap}"));
    let treasury = client
        .fee_treasury()
        .treasury_address()
        .await
        .map_err(read("view fee_treasury::treasury_address()"))?;
    report.push(format!("fee_treasury::treasury_address() = {treasury}"));
    let store = coin
        .primary_store_address(treasury)
        .await
        .map_err(read("view stablecoin::primary_store_address(treasury)"))?;
    let approved = controls
        .is_approved_store(store)
        .await
        .map_err(read("view controls::is_approved_store(treasury's store)"))?;
    if !approved {
        return Err(CheckError::TreasuryStoreNotApproved { store });
    }
    report.push(format!(
        "controls::is_approved_store({store}) = true (the treasury's primary store)"
    ));
    Ok(Verified {
        metadata: Some(metadata),
        report,
    })
}

/// Compares one module's bytecode as the node gives it (`0x`-hex) with the
/// local build's.
///
/// # Errors
/// [`CheckError::BytecodeDiffers`].
pub fn compare_module(module: &str, on_chain_hex: &str, local: &[u8]) -> Result<(), CheckError> {
    let on_chain = const_hex::decode(on_chain_hex.trim_start_matches("0x")).unwrap_or_default();
    if on_chain == local {
        return Ok(());
    }
    let hash = |bytes: &[u8]| const_hex::encode(aptos_sdk::crypto::sha3_256(bytes));
    Err(CheckError::BytecodeDiffers {
        module: module.to_owned(),
        on_chain: on_chain.len(),
        on_chain_hash: hash(&on_chain),
        local: local.len(),
        local_hash: hash(local),
    })
}

/// Checks that the code on chain is exactly `build` (the anchors' verify-
/// package): the package registry lists the build's modules and no other,
/// and each module's bytecode is byte for byte the build's. One line per
/// module that matches.
///
/// # Errors
/// [`CheckError::ModulesDiffer`], [`CheckError::BytecodeDiffers`],
/// [`CheckError::Read`].
pub async fn verify_bytecode(
    client: &YenPay,
    build: &crate::publish::CompiledPackage,
) -> Result<Vec<String>, CheckError> {
    let package = client.package();
    let registry = package_registry(client, package)
        .await?
        .and_then(|registry| package_in_registry(&registry, &build.name));
    let mut on_chain = registry.map(|(_, modules)| modules).unwrap_or_default();
    let mut local: Vec<String> = build.modules.iter().map(|m| m.name.clone()).collect();
    on_chain.sort();
    local.sort();
    if on_chain != local {
        return Err(CheckError::ModulesDiffer { on_chain, local });
    }
    let mut report = Vec::new();
    for module in &build.modules {
        let code = client
            .aptos()
            .fullnode()
            .get_account_module(package, &module.name)
            .await
            .map_err(|e| read(format!("module {package}::{}", module.name))(e.into()))?
            .into_inner()
            .bytecode;
        compare_module(&module.name, &code, &module.bytecode)?;
        report.push(format!(
            "module {} on chain is the local build's, byte for byte ({} bytes)",
            module.name,
            module.bytecode.len()
        ));
    }
    Ok(report)
}

/// Checks that `admin` can upgrade the client's package: the package holds
/// its signer capability and `admin` is the stablecoin's admin.
///
/// # Errors
/// [`CheckError::NotCodeControlled`], [`CheckError::NotAdmin`],
/// [`CheckError::Read`].
pub async fn check_can_upgrade(client: &YenPay, admin: AccountAddress) -> Result<(), CheckError> {
    let package = client.package();
    let controlled = client
        .upgrade()
        .is_code_controlled()
        .await
        .map_err(read(format!(
            "view {package}::upgrade::is_code_controlled() (is the package published there?)"
        )))?;
    if !controlled {
        return Err(CheckError::NotCodeControlled { package });
    }
    let current = client
        .controls()
        .admin()
        .await
        .map_err(read("view controls::admin()"))?;
    if current != admin {
        return Err(CheckError::NotAdmin {
            signer: admin,
            admin: current,
        });
    }
    Ok(())
}

/// What [`mint_test_yen`] did.
#[derive(Debug, Clone)]
pub struct Minted {
    /// The `configure_minter` that made the signer a minter, when it had to.
    pub made_minter: Option<Submitted>,
    /// The mint.
    pub mint: Submitted,
    /// The receiver's balance afterwards.
    pub balance: u64,
}

/// Mints `amount` yen to `to`, signed by `signer`; when it is not a minter
/// with that much allowance but is the master minter, it first makes itself
/// one with `allowance` (at least `amount`). For test networks, where the
/// deployer holds every role.
///
/// # Errors
/// [`CheckError::CannotMint`], [`CheckError::Read`] (a failed transaction too).
pub async fn mint_test_yen<S: TxSigner>(
    client: &YenPay,
    signer: &S,
    to: AccountAddress,
    amount: u64,
    allowance: u64,
) -> Result<Minted, CheckError> {
    let issuance = client.issuance();
    let me = signer.sender();
    let current = if issuance
        .is_minter(me)
        .await
        .map_err(read("view issuance::is_minter"))?
    {
        issuance
            .minter_allowance(me)
            .await
            .map_err(read("view issuance::minter_allowance"))?
    } else {
        0
    };
    let made_minter = if current < amount {
        let master = issuance
            .master_minter()
            .await
            .map_err(read("view issuance::master_minter"))?;
        if master != me {
            return Err(CheckError::CannotMint {
                signer: me,
                amount,
                master,
            });
        }
        Some(
            issuance
                .configure_minter(signer, me, allowance.max(amount))
                .await
                .map_err(read(format!("making {me} a minter")))?,
        )
    } else {
        None
    };
    let mint = issuance
        .mint(signer, to, amount)
        .await
        .map_err(read(format!("minting ¥{amount} to {to}")))?;
    let balance = client
        .stablecoin()
        .balance(to)
        .await
        .map_err(read("view stablecoin::balance"))?;
    Ok(Minted {
        made_minter,
        mint,
        balance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_matches_only_its_exact_bytes() {
        let local = [0xa1, 0x1c, 0xeb, 0x0b, 7, 0, 0, 0, 42];
        compare_module("invoice", "0xa11ceb0b070000002a", &local).unwrap();
        let mut changed = local;
        changed[8] = 43;
        let error = compare_module("invoice", "0xa11ceb0b070000002a", &changed).unwrap_err();
        let text = error.to_string();
        assert!(
            matches!(
                error,
                CheckError::BytecodeDiffers {
                    on_chain: 9,
                    local: 9,
                    ..
                }
            ),
            "{text}"
        );
        assert!(text.contains("module invoice"), "{text}");
        // A prefix is not the module, nor is garbage.
        assert!(compare_module("invoice", "0xa11ceb0b", &local).is_err());
        assert!(compare_module("invoice", "not hex", &local).is_err());
    }

    #[test]
    fn zero_authentication_keys() {
        assert_eq!(
            is_zero_auth_key(&format!("0x{}", "00".repeat(32))),
            Some(true)
        );
        assert_eq!(
            is_zero_auth_key(&format!("0x{}01", "00".repeat(31))),
            Some(false)
        );
        assert_eq!(is_zero_auth_key("0x00"), None, "too short");
        assert_eq!(is_zero_auth_key(&"00".repeat(32)), None, "no 0x");
        assert_eq!(is_zero_auth_key("0xzz"), None);
    }

    #[test]
    fn the_package_registry_names_the_upgrade_number_and_modules() {
        // As the REST API gives `0x1::code::PackageRegistry` (fields trimmed).
        let registry = serde_json::json!({
            "packages": [
                {"name": "Other", "upgrade_number": "7", "modules": []},
                {
                    "name": "YenPay",
                    "upgrade_number": "1",
                    "upgrade_policy": {"policy": 1},
                    "modules": [
                        {"name": "stablecoin", "source": "0x"},
                        {"name": "upgrade", "source": "0x"}
                    ]
                }
            ]
        });
        assert_eq!(
            package_in_registry(&registry, "YenPay"),
            Some((1, vec!["stablecoin".to_owned(), "upgrade".to_owned()]))
        );
        assert_eq!(package_in_registry(&registry, "Missing"), None);
        assert_eq!(package_in_registry(&serde_json::json!({}), "YenPay"), None);
    }
}
