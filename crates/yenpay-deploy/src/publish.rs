//! Publishing the compiled Move package at a resource account, and upgrading it.
//!
//! The deployer publishes with
//! `0x1::resource_account::create_resource_account_and_publish_package(seed, metadata_serialized, code)`.
//! The package then lives at the resource account
//! [`resource_address`]`(deployer, seed)` = `sha3-256(deployer || seed || 0xFF)`,
//! whose authentication key is zero: no private key signs for it, so the
//! deployer keeps no control over the code. `yenpay_deploy::upgrade::init_module`
//! takes the account's `SignerCapability`, and from then on only the
//! stablecoin's admin can publish new code there, through
//! `<package>::upgrade::upgrade_package(metadata_serialized, code)`
//! ([`CompiledPackage::upgrade_payload`], [`YenPay::publish_upgrade`]).
//!
//! The package must be compiled with both named addresses:
//! `yenpay=<resource address>` and `deployer=<deployer address>` (`init_module`
//! gives every role to `@deployer` and picks the capability up from it).
//!
//! Input is what `aptos move compile --save-metadata` leaves in a package's
//! build folder:
//!
//! ```text
//! move/build/YenPay/
//!   package-metadata.bcs          BCS of 0x1::code::PackageMetadata
//!   bytecode_modules/
//!     stablecoin.mv  merchant_registry.mv  invoice.mv  upgrade.mv
//!     dependencies/…              (not published: already on chain)
//! ```
//!
//! The modules are published in the order the package metadata lists them,
//! which is the compiler's dependency order (the order the Aptos CLI uses).
//! A package that would make the transaction larger than the chain's limit
//! ([`MAX_TRANSACTION_SIZE`]) is published and upgraded in chunks instead
//! ([`crate::chunked`]); the one-transaction payloads refuse it before
//! signing, with its size.
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::transaction::{InputEntryFunctionData, RawTransaction, TransactionPayload};
use aptos_sdk::types::{AccountAddress, ChainId, Identifier, MoveModuleId};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use yenpay_client::client::{Error, Sponsored, Submitted, TxSigner, YenPay};

use crate::chunked;

/// Largest transaction the chain accepts, in bytes of the BCS raw
/// transaction (`max_transaction_size_in_bytes` of the gas schedule: 64 KiB).
pub const MAX_TRANSACTION_SIZE: usize = 64 * 1024;

/// Name of the metadata file in a build folder.
pub const METADATA_FILE: &str = "package-metadata.bcs";
/// Folder of the compiled modules in a build folder.
pub const MODULES_DIR: &str = "bytecode_modules";

/// The seed `cargo xtask deploy` uses unless told otherwise (its UTF-8 bytes).
pub const DEFAULT_SEED: &str = "yenpay";

/// The named address of the package (`yenpay`), compiled as the resource address.
pub const PACKAGE_NAMED_ADDRESS: &str = "yenpay";
/// The named address of the deployer (`deployer`), who holds every role at publish.
pub const DEPLOYER_NAMED_ADDRESS: &str = "deployer";

/// The framework's entry function that creates the resource account and publishes.
pub const RESOURCE_ACCOUNT_PUBLISH_FUNCTION: &str =
    "0x1::resource_account::create_resource_account_and_publish_package";

/// The address of the resource account that `deployer` creates with `seed`
/// (`account::create_resource_address`): `sha3-256(deployer || seed || 0xFF)`.
/// This is where [`CompiledPackage::publish_payload`] publishes the package.
pub fn resource_address(deployer: AccountAddress, seed: &[u8]) -> AccountAddress {
    let deployer = yenpay_types::Address::new(deployer.to_bytes());
    AccountAddress::new(yenpay_types::objects::resource_account_address(deployer, seed).to_bytes())
}

/// The two named addresses a package is compiled with, as
/// `aptos move compile --named-addresses` takes them.
pub fn named_addresses(
    package: AccountAddress,
    deployer: AccountAddress,
) -> [(&'static str, AccountAddress); 2] {
    [
        (PACKAGE_NAMED_ADDRESS, package),
        (DEPLOYER_NAMED_ADDRESS, deployer),
    ]
}

/// Why a package cannot be published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// No compiled package with metadata under the folder.
    #[error(
        "no compiled package in {}: run `aptos move compile --save-metadata` (or `cargo xtask build`) first",
        dir.display()
    )]
    NotBuilt {
        /// Where we looked.
        dir: PathBuf,
    },
    /// Several compiled packages under `build/`.
    #[error("{} holds several compiled packages ({}); pass the one to publish", dir.display(), packages.join(", "))]
    Ambiguous {
        /// The build folder.
        dir: PathBuf,
        /// The packages found.
        packages: Vec<String>,
    },
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The metadata file is not a `PackageMetadata`.
    #[error("{}: not a package metadata file: {detail}", path.display())]
    Metadata {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// A module the metadata lists has no bytecode file.
    #[error("module `{module}` is in the package metadata but {} is missing", path.display())]
    MissingModule {
        /// The module.
        module: String,
        /// The file expected.
        path: PathBuf,
    },
    /// The publishing transaction would be too large.
    #[error(
        "the publish transaction would be {size} bytes, over the chain's limit of {limit} bytes; \
         `cargo xtask deploy` and `cargo xtask upgrade` publish it in chunks"
    )]
    TooLarge {
        /// Size of the raw transaction in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The payload could not be encoded.
    #[error("cannot encode the publish payload: {0}")]
    Encoding(String),
    /// The deployer and seed publish somewhere else than the client's package address.
    #[error(
        "the deployer {deployer} with seed {seed:?} publishes at {resource}, not at the client's \
         package address {package}"
    )]
    WrongPackageAddress {
        /// The publishing account.
        deployer: AccountAddress,
        /// The seed, as text when it is UTF-8 (else hex).
        seed: String,
        /// Where they publish: `resource_address(deployer, seed)`.
        resource: AccountAddress,
        /// The client's package address.
        package: AccountAddress,
    },
}

/// `0x1::code::PackageMetadata`, as far as publishing needs to read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PackageMetadata {
    name: String,
    upgrade_policy: UpgradePolicy,
    upgrade_number: u64,
    source_digest: String,
    manifest: Vec<u8>,
    modules: Vec<ModuleMetadata>,
    deps: Vec<PackageDep>,
    extension: Option<Any>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct UpgradePolicy {
    policy: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ModuleMetadata {
    name: String,
    source: Vec<u8>,
    source_map: Vec<u8>,
    extension: Option<Any>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PackageDep {
    account: AccountAddress,
    package_name: String,
}

/// `aptos_std::copyable_any::Any`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Any {
    type_name: String,
    data: Vec<u8>,
}

/// One compiled module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledModule {
    /// The module name.
    pub name: String,
    /// Its bytecode (`.mv`).
    pub bytecode: Vec<u8>,
}

/// A compiled package ready to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledPackage {
    /// The package name (`YenPay`).
    pub name: String,
    /// The serialized `PackageMetadata`, as the compiler wrote it.
    pub metadata: Vec<u8>,
    /// The modules, in publishing order.
    pub modules: Vec<CompiledModule>,
}

fn read(path: &Path) -> Result<Vec<u8>, PublishError> {
    std::fs::read(path).map_err(|source| PublishError::Io {
        path: path.to_owned(),
        source,
    })
}

impl CompiledPackage {
    /// Reads a package's build folder (`<package>/build/<Name>`).
    ///
    /// # Errors
    /// [`PublishError::NotBuilt`] without a metadata file,
    /// [`PublishError::Metadata`] when it does not decode,
    /// [`PublishError::MissingModule`] when a listed module has no `.mv`.
    pub fn from_build_dir(dir: &Path) -> Result<Self, PublishError> {
        let metadata_path = dir.join(METADATA_FILE);
        if !metadata_path.is_file() {
            return Err(PublishError::NotBuilt {
                dir: dir.to_owned(),
            });
        }
        let metadata = read(&metadata_path)?;
        let bad = |detail: String| PublishError::Metadata {
            path: metadata_path.clone(),
            detail,
        };
        let decoded: PackageMetadata =
            aptos_bcs::from_bytes(&metadata).map_err(|error| bad(error.to_string()))?;
        // Re-encoding must give the same bytes, or we misread the layout.
        let again = aptos_bcs::to_bytes(&decoded).map_err(|error| bad(error.to_string()))?;
        if again != metadata {
            return Err(bad(
                "unexpected layout (it does not re-encode to the same bytes)".to_owned(),
            ));
        }
        let modules = decoded
            .modules
            .iter()
            .map(|module| {
                let path = dir.join(MODULES_DIR).join(format!("{}.mv", module.name));
                if !path.is_file() {
                    return Err(PublishError::MissingModule {
                        module: module.name.clone(),
                        path,
                    });
                }
                Ok(CompiledModule {
                    name: module.name.clone(),
                    bytecode: read(&path)?,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            name: decoded.name,
            metadata,
            modules,
        })
    }

    /// Reads the one compiled package under a Move package folder
    /// (`<package>/build/*/package-metadata.bcs`).
    ///
    /// # Errors
    /// [`PublishError::NotBuilt`] when there is none,
    /// [`PublishError::Ambiguous`] when there are several, otherwise as
    /// [`CompiledPackage::from_build_dir`].
    pub fn from_package_dir(package_dir: &Path) -> Result<Self, PublishError> {
        let build = package_dir.join("build");
        let not_built = || PublishError::NotBuilt { dir: build.clone() };
        let entries = std::fs::read_dir(&build).map_err(|_| not_built())?;
        let mut packages: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.join(METADATA_FILE).is_file())
            .collect();
        packages.sort();
        match packages.as_slice() {
            [] => Err(not_built()),
            [one] => Self::from_build_dir(one),
            several => Err(PublishError::Ambiguous {
                dir: build.clone(),
                packages: several
                    .iter()
                    .filter_map(|path| path.file_name())
                    .map(|name| name.to_string_lossy().into_owned())
                    .collect(),
            }),
        }
    }

    /// The modules' bytecode, in publishing order.
    pub fn code(&self) -> Vec<Vec<u8>> {
        self.modules
            .iter()
            .map(|module| module.bytecode.clone())
            .collect()
    }

    /// The deployer's publish: the
    /// `0x1::resource_account::create_resource_account_and_publish_package(seed, metadata_serialized, code)`
    /// payload, which publishes the package at [`resource_address`]`(deployer, seed)`.
    /// Refused when the transaction would exceed [`MAX_TRANSACTION_SIZE`].
    ///
    /// The package must have been compiled with `yenpay` = that resource
    /// address and `deployer` = the deployer's address ([`named_addresses`]).
    ///
    /// # Errors
    /// [`PublishError::TooLarge`] naming the size; [`PublishError::Encoding`].
    pub fn publish_payload(&self, seed: &[u8]) -> Result<TransactionPayload, PublishError> {
        let payload = InputEntryFunctionData::new(RESOURCE_ACCOUNT_PUBLISH_FUNCTION)
            .arg(seed)
            .arg(self.metadata.as_slice())
            .arg(self.code())
            .build()
            .map_err(|error| PublishError::Encoding(error.to_string()))?;
        check_size(&payload)?;
        Ok(payload)
    }

    /// The admin's upgrade of the package published at `package`: the
    /// `<package>::upgrade::upgrade_package(metadata_serialized, code)`
    /// payload. Refused when the transaction would exceed
    /// [`MAX_TRANSACTION_SIZE`].
    ///
    /// The package must have been compiled with the named addresses of the
    /// original deployment (`yenpay` = `package`, `deployer` = the original
    /// deployer, whoever the admin is now).
    ///
    /// # Errors
    /// [`PublishError::TooLarge`] naming the size; [`PublishError::Encoding`].
    pub fn upgrade_payload(
        &self,
        package: AccountAddress,
    ) -> Result<TransactionPayload, PublishError> {
        let module = MoveModuleId::new(
            package,
            Identifier::new(UPGRADE_MODULE)
                .map_err(|error| PublishError::Encoding(error.to_string()))?,
        );
        let payload = InputEntryFunctionData::from_parts(module, UPGRADE_FUNCTION)
            .arg(self.metadata.as_slice())
            .arg(self.code())
            .build()
            .map_err(|error| PublishError::Encoding(error.to_string()))?;
        check_size(&payload)?;
        Ok(payload)
    }
}

/// The package's module that controls its code.
const UPGRADE_MODULE: &str = "upgrade";
/// Its entry function that publishes new code.
const UPGRADE_FUNCTION: &str = "upgrade_package";

/// Size in bytes of the BCS raw transaction carrying `payload` (the other
/// fields have a fixed size, so placeholder values give the exact size).
pub fn raw_transaction_size(payload: &TransactionPayload) -> Result<usize, PublishError> {
    let raw = RawTransaction::new(
        AccountAddress::ZERO,
        0,
        payload.clone(),
        0,
        0,
        0,
        ChainId::new(0),
    );
    raw.to_bcs()
        .map(|bytes| bytes.len())
        .map_err(|error| PublishError::Encoding(error.to_string()))
}

/// The size of the transaction carrying `payload`, or
/// [`PublishError::TooLarge`] when it is over [`MAX_TRANSACTION_SIZE`].
///
/// # Errors
/// [`PublishError::TooLarge`]; [`PublishError::Encoding`].
pub fn check_size(payload: &TransactionPayload) -> Result<usize, PublishError> {
    let size = raw_transaction_size(payload)?;
    if size > MAX_TRANSACTION_SIZE {
        return Err(PublishError::TooLarge {
            size,
            limit: MAX_TRANSACTION_SIZE,
        });
    }
    Ok(size)
}

/// Gas units a publish or an upgrade may use: a package of four modules
/// costs far more than a payment.
pub const PUBLISH_MAX_GAS: u64 = 2_000_000;

/// `client` with room for [`PUBLISH_MAX_GAS`] gas units (or more, if its
/// options already allow more).
pub fn with_publish_gas(client: &YenPay) -> YenPay {
    let mut options = client.options().clone();
    options.max_gas_amount = options.max_gas_amount.max(PUBLISH_MAX_GAS);
    client.clone().with_options(options)
}

/// A seed as people read it: its text when it is UTF-8, else 0x-hex.
fn seed_text(seed: &[u8]) -> String {
    match std::str::from_utf8(seed) {
        Ok(text) => text.to_owned(),
        Err(_) => format!("0x{}", const_hex::encode(seed)),
    }
}

/// Why a publish or an upgrade did not go through.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The package cannot be published as built, or not at the client's address.
    #[error(transparent)]
    Publish(#[from] PublishError),
    /// The transaction was refused or failed on chain.
    #[error(transparent)]
    Client(#[from] Error),
}

/// One transaction of a publish or an upgrade, as it commits: `step` of
/// `of`, what it did.
#[derive(Debug, Clone)]
pub struct Progress<'a> {
    /// 1-based.
    pub step: usize,
    /// How many transactions the whole takes.
    pub of: usize,
    /// What the transaction did.
    pub what: &'a str,
    /// The committed transaction.
    pub submitted: &'a Submitted,
}

/// Publishes `package` from `deployer` at the resource account of `deployer`
/// and `seed`, which must be `client`'s package address, and waits for it:
/// in one transaction when it fits, else in chunks
/// ([`crate::chunked`]: the resource account created with the deployer's
/// key, the chunks staged and published by it through `large_packages` at
/// `large_packages`, the deployer paying the gas). Returns the publishing
/// transaction; `progress` hears of each one as it commits. Afterwards the
/// deployer holds every role but no control over the code (its
/// `init_module` zeroed the account's key): only the stablecoin's admin can
/// upgrade it ([`publish_upgrade`]).
///
/// A chunked publish that was interrupted after the resource account was
/// created is resumed: the account is the deployer's (its key is the
/// deployer's, no code there), what was staged is discarded and staged again.
///
/// # Errors
/// [`DeployError::Publish`] when the package cannot be published as built or
/// `resource_address(deployer, seed)` is not the client's package address;
/// otherwise [`DeployError::Client`] as `YenPay::submit` (the framework aborts
/// with `ERESOURCE_ACCCOUNT_EXISTS` when that resource account was already
/// created by a publish that finished, or is not the deployer's to resume).
pub async fn publish(
    client: &YenPay,
    deployer: &Ed25519Account,
    package: &CompiledPackage,
    seed: &[u8],
    large_packages: AccountAddress,
    progress: &(dyn Fn(&Progress<'_>) + Sync),
) -> Result<Submitted, DeployError> {
    let resource = resource_address(deployer.address(), seed);
    if resource != client.package() {
        return Err(PublishError::WrongPackageAddress {
            deployer: deployer.address(),
            seed: seed_text(seed),
            resource,
            package: client.package(),
        }
        .into());
    }
    let client = with_publish_gas(client);
    match package.publish_payload(seed) {
        Ok(payload) => {
            let submitted = client.submit(deployer, payload).await?;
            progress(&Progress {
                step: 1,
                of: 1,
                what: "created the resource account and published the package",
                submitted: &submitted,
            });
            Ok(submitted)
        }
        Err(PublishError::TooLarge { .. }) => {
            publish_chunked(&client, deployer, package, seed, large_packages, progress).await
        }
        Err(other) => Err(other.into()),
    }
}

async fn publish_chunked(
    client: &YenPay,
    deployer: &Ed25519Account,
    package: &CompiledPackage,
    seed: &[u8],
    large_packages: AccountAddress,
    progress: &(dyn Fn(&Progress<'_>) + Sync),
) -> Result<Submitted, DeployError> {
    let resource = client.package();
    let encoding = |error: String| DeployError::Publish(PublishError::Encoding(error));
    let chunks = chunked::split(&package.metadata, &package.code(), chunked::CHUNK_SIZE);
    // The deployer's key signs as the resource account once it has that key;
    // the deployer pays the gas (the resource account holds no APT, and none
    // is left behind in it).
    let as_resource =
        Ed25519Account::from_private_key(deployer.private_key().clone()).with_address(resource);
    let sponsored = Sponsored::new(&as_resource, deployer);
    let mut steps: Vec<(&str, bool, TransactionPayload)> = Vec::new();
    match resumable(client, deployer.address(), resource, large_packages).await? {
        Resume::Fresh => steps.push((
            "created the resource account with the deployer's key",
            false,
            chunked::create_resource_account_payload(seed).map_err(encoding)?,
        )),
        Resume::Staged => steps.push((
            "discarded what an interrupted publish had staged",
            true,
            chunked::discard_publish_payload(large_packages).map_err(encoding)?,
        )),
        Resume::Created => {}
    }
    let stages = chunked::publish_payloads(&chunks, large_packages).map_err(encoding)?;
    let count = stages.len();
    for (i, stage) in stages.into_iter().enumerate() {
        let what = if i + 1 == count {
            "staged the last chunk and published the package"
        } else {
            "staged a chunk"
        };
        steps.push((what, true, stage));
    }
    let of = steps.len();
    let mut last = None;
    for (i, (what, by_resource, payload)) in steps.into_iter().enumerate() {
        let submitted = if by_resource {
            client.submit(&sponsored, payload).await?
        } else {
            client.submit(deployer, payload).await?
        };
        progress(&Progress {
            step: i + 1,
            of,
            what,
            submitted: &submitted,
        });
        last = Some(submitted);
    }
    Ok(last.expect("a publish has at least one transaction"))
}

/// Where a chunked publish at a resource account stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resume {
    /// No resource account of the deployer's there: create it (the framework
    /// refuses when one exists that is not resumable).
    Fresh,
    /// The deployer's resource account, nothing staged.
    Created,
    /// The deployer's resource account with chunks staged.
    Staged,
}

async fn resumable(
    client: &YenPay,
    deployer: AccountAddress,
    resource: AccountAddress,
    large_packages: AccountAddress,
) -> Result<Resume, DeployError> {
    let fullnode = client.aptos().fullnode();
    let key_of = async |address| -> Result<Option<String>, DeployError> {
        match fullnode.get_account(address).await {
            Ok(account) => Ok(Some(account.into_inner().authentication_key)),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(DeployError::Client(error.into())),
        }
    };
    // Once published, the package's init_module zeroed the key: not the
    // deployer's, so never resumed.
    let Some(resource_key) = key_of(resource).await? else {
        return Ok(Resume::Fresh);
    };
    if Some(resource_key) != key_of(deployer).await? {
        return Ok(Resume::Fresh);
    }
    let staging = format!("{}::large_packages::StagingArea", large_packages.to_hex());
    match fullnode.get_account_resource(resource, &staging).await {
        Ok(_) => Ok(Resume::Staged),
        Err(error) if error.is_not_found() => Ok(Resume::Created),
        Err(error) => Err(DeployError::Client(error.into())),
    }
}

/// Publishes `package` as new code of `client`'s package, signed by the
/// stablecoin's `admin`, and waits for it, one transaction of
/// [`CompiledPackage::upgrade_steps`] after the other. Returns the
/// publishing transaction; `progress` hears of each one as it commits.
///
/// # Errors
/// [`DeployError::Publish`] when the package cannot be published as built;
/// otherwise [`DeployError::Client`]: aborts with `ENOT_ADMIN` for anyone but
/// the admin, and in `0x1::code` when the new code is not a compatible
/// upgrade.
pub async fn publish_upgrade<S: TxSigner>(
    client: &YenPay,
    admin: &S,
    package: &CompiledPackage,
    progress: &(dyn Fn(&Progress<'_>) + Sync),
) -> Result<Submitted, DeployError> {
    let client = with_publish_gas(client);
    let steps = package.upgrade_steps(client.package())?;
    let of = steps.len();
    let mut last = None;
    for (i, (what, payload)) in steps.into_iter().enumerate() {
        let submitted = client.submit(admin, payload).await?;
        progress(&Progress {
            step: i + 1,
            of,
            what,
            submitted: &submitted,
        });
        last = Some(submitted);
    }
    Ok(last.expect("an upgrade has at least one transaction"))
}

impl CompiledPackage {
    /// The admin's transactions of an upgrade of the package at `package`,
    /// each with what it does: `upgrade::upgrade_package` when it fits one
    /// transaction; else `upgrade::discard_staged_upgrade` (whatever an
    /// interrupted run left), `upgrade::stage_upgrade_chunk` per chunk
    /// ([`crate::chunked`]) and `upgrade::publish_staged_upgrade`. The
    /// console turns each into a transaction or a multisig proposal.
    ///
    /// # Errors
    /// [`PublishError::Encoding`].
    pub fn upgrade_steps(
        &self,
        package: AccountAddress,
    ) -> Result<Vec<(&'static str, TransactionPayload)>, PublishError> {
        match self.upgrade_payload(package) {
            Ok(payload) => Ok(vec![("publish the upgrade", payload)]),
            Err(PublishError::TooLarge { .. }) => {
                let encoding = PublishError::Encoding;
                let mut steps = vec![(
                    "discard any upgrade an interrupted run staged",
                    chunked::discard_upgrade_payload(package).map_err(encoding)?,
                )];
                let chunks = chunked::split(&self.metadata, &self.code(), chunked::CHUNK_SIZE);
                let payloads = chunked::upgrade_payloads(&chunks, package).map_err(encoding)?;
                let count = payloads.len();
                for (i, payload) in payloads.into_iter().enumerate() {
                    let what = if i + 1 == count {
                        "publish the staged upgrade"
                    } else {
                        "stage a chunk of the upgrade"
                    };
                    steps.push((what, payload));
                }
                Ok(steps)
            }
            Err(other) => Err(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aptos_sdk::transaction::EntryFunction;

    /// Hand-written BCS of a `PackageMetadata` listing `modules`.
    fn metadata_bytes(modules: &[&str]) -> Vec<u8> {
        let mut bytes = vec![6];
        bytes.extend(b"YenPay");
        bytes.push(1); // upgrade_policy: compatible
        bytes.extend(0u64.to_le_bytes()); // upgrade_number
        bytes.push(3);
        bytes.extend(b"D1G"); // source_digest
        bytes.extend([2, 0x1f, 0x8b]); // manifest (two bytes of a gzip header)
        bytes.push(u8::try_from(modules.len()).unwrap());
        for name in modules {
            bytes.push(u8::try_from(name.len()).unwrap());
            bytes.extend(name.as_bytes());
            bytes.push(0); // source
            bytes.push(0); // source_map
            bytes.push(0); // extension: none
        }
        bytes.push(1); // one dependency
        bytes.extend([0u8; 31]);
        bytes.push(1); // 0x1
        bytes.push(14);
        bytes.extend(b"AptosFramework");
        bytes.push(0); // extension: none
        bytes
    }

    fn fake_build(root: &Path, modules: &[(&str, usize)]) -> PathBuf {
        let dir = root.join("build").join("YenPay");
        let code = dir.join(MODULES_DIR);
        std::fs::create_dir_all(code.join("dependencies").join("AptosFramework")).unwrap();
        let names: Vec<&str> = modules.iter().map(|(name, _)| *name).collect();
        std::fs::write(dir.join(METADATA_FILE), metadata_bytes(&names)).unwrap();
        for (name, size) in modules {
            let mut bytecode = vec![0xa1, 0x1c, 0xeb, 0x0b];
            bytecode.resize(*size, name.len() as u8);
            std::fs::write(code.join(format!("{name}.mv")), bytecode).unwrap();
        }
        // A dependency's bytecode is never published.
        std::fs::write(
            code.join("dependencies")
                .join("AptosFramework")
                .join("code.mv"),
            [0xa1, 0x1c, 0xeb, 0x0b],
        )
        .unwrap();
        dir
    }

    #[test]
    fn reads_a_build_folder_in_metadata_order() {
        let root = tempfile::tempdir().unwrap();
        fake_build(
            root.path(),
            &[
                ("stablecoin", 40),
                ("merchant_registry", 30),
                ("invoice", 20),
            ],
        );
        let package = CompiledPackage::from_package_dir(root.path()).unwrap();
        assert_eq!(package.name, "YenPay");
        let names: Vec<&str> = package.modules.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["stablecoin", "merchant_registry", "invoice"]);
        assert_eq!(package.modules[1].bytecode.len(), 30);
        assert_eq!(package.metadata, metadata_bytes(&names));
    }

    fn address(hex: &str) -> AccountAddress {
        AccountAddress::from_hex(hex).unwrap()
    }

    /// `vector<u8>` as one BCS argument: ULEB128 length + the bytes.
    fn bytes_arg(bytes: &[u8]) -> Vec<u8> {
        let mut arg = vec![u8::try_from(bytes.len()).unwrap()];
        arg.extend(bytes);
        arg
    }

    fn entry(payload: TransactionPayload) -> EntryFunction {
        match payload {
            TransactionPayload::EntryFunction(call) => call,
            other => panic!("not an entry function: {other:?}"),
        }
    }

    #[test]
    fn resource_addresses_match_the_frameworks_formula() {
        // A resource account on testnet, as the TypeScript SDK's tests and the
        // explorer give it.
        assert_eq!(
            resource_address(
                address("0x41e724e1d4fce6472ffcb5c9886770893eb49489e3f531d0aa97bf951e66d70c"),
                b"create_resource::create_resource"
            ),
            address("0x764cb760889d5ab6caabf0594d82adfbf0c0076f36268563e5209fa3734d7f3e")
        );
        // The dev deployer with the default seed, computed apart with Python's
        // hashlib: sha3_256(bytes(30) + b"\xca\xfe" + b"yenpay" + b"\xff").
        assert_eq!(
            resource_address(address("0xcafe"), DEFAULT_SEED.as_bytes()),
            address("0x2c62d0c66354668d0dca53a9084556e1376a144ca2cac3c9ef7a9029ea2e406b")
        );
        // Neither the deployer nor any other seed.
        assert_ne!(
            resource_address(address("0xcafe"), b"yenpay2"),
            resource_address(address("0xcafe"), b"yenpay")
        );
        assert_ne!(
            resource_address(address("0xcafe"), b"yenpay"),
            address("0xcafe")
        );
        assert_eq!(
            named_addresses(address("0xa"), address("0xb")),
            [("yenpay", address("0xa")), ("deployer", address("0xb"))]
        );
    }

    #[test]
    fn publish_payload_is_bcs_encoded_as_the_framework_expects() {
        let root = tempfile::tempdir().unwrap();
        let dir = fake_build(root.path(), &[("stablecoin", 5), ("invoice", 6)]);
        let package = CompiledPackage::from_build_dir(&dir).unwrap();
        let EntryFunction {
            module,
            function,
            type_args,
            args,
        } = entry(package.publish_payload(b"yenpay").unwrap());
        assert_eq!(module.to_string(), "0x1::resource_account");
        assert_eq!(function, "create_resource_account_and_publish_package");
        assert!(type_args.is_empty());
        assert_eq!(args.len(), 3);
        // seed: vector<u8>.
        assert_eq!(args[0], [6, b'y', b'e', b'n', b'p', b'a', b'y']);
        // metadata_serialized: vector<u8> = ULEB128 length + the file's bytes.
        assert_eq!(
            args[1],
            bytes_arg(&metadata_bytes(&["stablecoin", "invoice"]))
        );
        // code: vector<vector<u8>> = count, then each module with its length.
        let mut code = vec![2u8, 5];
        code.extend(&package.modules[0].bytecode);
        code.push(6);
        code.extend(&package.modules[1].bytecode);
        assert_eq!(args[2], code);

        // The whole payload, written out by hand.
        let bytes = aptos_bcs::to_bytes(&package.publish_payload(b"s").unwrap()).unwrap();
        let mut expected = vec![2u8]; // TransactionPayload::EntryFunction
        expected.extend([0u8; 31]);
        expected.push(1); // 0x1
        expected.push(16);
        expected.extend(b"resource_account");
        expected.push(43);
        expected.extend(b"create_resource_account_and_publish_package");
        expected.push(0); // no type arguments
        expected.push(3); // three arguments, each a length-prefixed BCS blob
        expected.extend(bytes_arg(&[1, b's']));
        expected.extend(bytes_arg(&args[1]));
        expected.extend(bytes_arg(&code));
        assert_eq!(bytes, expected);
    }

    #[test]
    fn upgrade_payload_calls_the_packages_upgrade_module() {
        let root = tempfile::tempdir().unwrap();
        let dir = fake_build(
            root.path(),
            &[("stablecoin", 5), ("invoice", 6), ("upgrade", 7)],
        );
        let package = CompiledPackage::from_build_dir(&dir).unwrap();
        let at = resource_address(address("0xcafe"), b"yenpay");
        let EntryFunction {
            module,
            function,
            type_args,
            args,
        } = entry(package.upgrade_payload(at).unwrap());
        assert_eq!(module.address, at);
        assert_eq!(module.name.as_str(), "upgrade");
        assert_eq!(function, "upgrade_package");
        assert!(type_args.is_empty());
        // The same metadata and code as the first publish, without the seed.
        let publish = entry(package.publish_payload(b"yenpay").unwrap());
        assert_eq!(args, publish.args[1..]);
        assert_eq!(
            args[0],
            bytes_arg(&metadata_bytes(&["stablecoin", "invoice", "upgrade"]))
        );
        assert_eq!(&args[1][..3], [3, 5, 0xa1]);
    }

    #[test]
    fn an_oversized_package_is_refused_naming_its_size() {
        let root = tempfile::tempdir().unwrap();
        let dir = fake_build(root.path(), &[("stablecoin", 40_000), ("invoice", 30_000)]);
        let package = CompiledPackage::from_build_dir(&dir).unwrap();
        let error = package.publish_payload(b"yenpay").unwrap_err();
        let PublishError::TooLarge { size, limit } = error else {
            panic!("not refused: {error:?}");
        };
        assert_eq!(limit, 65_536);
        assert!(size > 70_000, "{size}");
        let payload = InputEntryFunctionData::new(RESOURCE_ACCOUNT_PUBLISH_FUNCTION)
            .arg(b"yenpay".as_slice())
            .arg(package.metadata.clone())
            .arg(package.code())
            .build()
            .unwrap();
        assert_eq!(size, raw_transaction_size(&payload).unwrap());
        assert!(
            error_text(&dir).contains(&format!("{size} bytes")),
            "the message names the size"
        );
        // The upgrade carries the same code: refused as well.
        assert!(matches!(
            package.upgrade_payload(address("0xcafe")),
            Err(PublishError::TooLarge { size: upgrade, .. }) if upgrade > 70_000
        ));
    }

    fn error_text(dir: &Path) -> String {
        CompiledPackage::from_build_dir(dir)
            .unwrap()
            .publish_payload(b"yenpay")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn just_under_the_limit_passes() {
        let root = tempfile::tempdir().unwrap();
        let dir = fake_build(root.path(), &[("stablecoin", 1000)]);
        let small = CompiledPackage::from_build_dir(&dir).unwrap();
        let overhead =
            raw_transaction_size(&small.publish_payload(b"yenpay").unwrap()).unwrap() - 1000;
        // ULEB128 lengths grow by one byte each above 16 KiB; aim exactly at the limit.
        let fits = MAX_TRANSACTION_SIZE - overhead - 2;
        let dir = fake_build(root.path(), &[("stablecoin", fits)]);
        let package = CompiledPackage::from_build_dir(&dir).unwrap();
        let size = check_size(&package.publish_payload(b"yenpay").unwrap()).unwrap();
        assert_eq!(size, MAX_TRANSACTION_SIZE);
        let dir = fake_build(root.path(), &[("stablecoin", fits + 1)]);
        assert!(matches!(
            CompiledPackage::from_build_dir(&dir)
                .unwrap()
                .publish_payload(b"yenpay"),
            Err(PublishError::TooLarge { size: 65_537, .. })
        ));
    }

    #[test]
    fn an_upgrade_over_one_transaction_is_staged_after_a_discard() {
        let root = tempfile::tempdir().unwrap();
        let package_address = address("0xcafe");
        let function = |payload: &TransactionPayload| match payload {
            TransactionPayload::EntryFunction(f) => format!("{}::{}", f.module.name, f.function),
            other => panic!("{other:?}"),
        };
        let small =
            CompiledPackage::from_build_dir(&fake_build(root.path(), &[("stablecoin", 500)]))
                .unwrap();
        let steps = small.upgrade_steps(package_address).unwrap();
        assert_eq!(
            steps.iter().map(|(_, p)| function(p)).collect::<Vec<_>>(),
            ["upgrade::upgrade_package"]
        );
        let large = CompiledPackage::from_build_dir(&fake_build(
            root.path(),
            &[("stablecoin", 40_000), ("invoice", 40_000)],
        ))
        .unwrap();
        let steps = large.upgrade_steps(package_address).unwrap();
        assert_eq!(
            steps.iter().map(|(_, p)| function(p)).collect::<Vec<_>>(),
            [
                "upgrade::discard_staged_upgrade",
                "upgrade::stage_upgrade_chunk",
                "upgrade::stage_upgrade_chunk",
                "upgrade::publish_staged_upgrade"
            ]
        );
        for (_, payload) in &steps {
            check_size(payload).unwrap();
        }
    }

    #[tokio::test]
    async fn publishing_elsewhere_than_the_clients_package_is_refused_before_signing() {
        let root = tempfile::tempdir().unwrap();
        let dir = fake_build(root.path(), &[("stablecoin", 5)]);
        let package = CompiledPackage::from_build_dir(&dir).unwrap();
        let deployer = aptos_sdk::account::Ed25519Account::generate();
        // No node listens here: the refusal must come before any request.
        let aptos =
            aptos_sdk::Aptos::new(aptos_sdk::AptosConfig::custom("http://127.0.0.1:9/v1").unwrap())
                .unwrap();
        // A client for the deployer's own address, as before resource accounts.
        let client = YenPay::new(aptos, deployer.address());
        let error = publish(
            &client,
            &deployer,
            &package,
            b"yenpay",
            crate::chunked::large_packages_address(4),
            &|_| panic!("nothing is sent"),
        )
        .await
        .unwrap_err();
        let DeployError::Publish(PublishError::WrongPackageAddress {
            resource,
            package: at,
            seed,
            ..
        }) = &error
        else {
            panic!("not refused: {error:?}");
        };
        assert_eq!(resource, &resource_address(deployer.address(), b"yenpay"));
        assert_eq!(at, &deployer.address());
        assert_eq!(seed, "yenpay");
        assert!(
            error
                .to_string()
                .contains("not at the client's package address")
        );
        assert_eq!(seed_text(&[0xff, 0x00]), "0xff00");
    }

    #[test]
    fn broken_builds_are_clear_errors() {
        let root = tempfile::tempdir().unwrap();
        assert!(matches!(
            CompiledPackage::from_package_dir(root.path()),
            Err(PublishError::NotBuilt { .. })
        ));
        let dir = fake_build(root.path(), &[("stablecoin", 8)]);
        std::fs::remove_file(dir.join(MODULES_DIR).join("stablecoin.mv")).unwrap();
        let error = CompiledPackage::from_build_dir(&dir).unwrap_err();
        assert!(
            matches!(&error, PublishError::MissingModule { module, .. } if module == "stablecoin")
        );
        std::fs::write(dir.join(METADATA_FILE), [1, 2, 3]).unwrap();
        assert!(matches!(
            CompiledPackage::from_build_dir(&dir),
            Err(PublishError::Metadata { .. })
        ));
        let other = root.path().join("build").join("Other");
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(other.join(METADATA_FILE), metadata_bytes(&[])).unwrap();
        assert!(matches!(
            CompiledPackage::from_package_dir(root.path()),
            Err(PublishError::Ambiguous { packages, .. }) if packages == ["Other", "YenPay"]
        ));
    }
}
