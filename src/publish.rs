//! Publishing a compiled Move package through
//! `0x1::code::publish_package_txn(metadata_serialized: vector<u8>, code: vector<vector<u8>>)`.
//!
//! Input is what `aptos move compile --save-metadata` leaves in a package's
//! build folder:
//!
//! ```text
//! move/build/YenPay/
//!   package-metadata.bcs          BCS of 0x1::code::PackageMetadata
//!   bytecode_modules/
//!     stablecoin.mv  merchant_registry.mv  invoice.mv
//!     dependencies/…              (not published: already on chain)
//! ```
//!
//! The modules are published in the order the package metadata lists them,
//! which is the compiler's dependency order (the order the Aptos CLI uses).
//! A payload that would make the transaction larger than the chain's limit
//! ([`MAX_TRANSACTION_SIZE`]) is refused before signing, with its size.
use crate::client::{Error, Submitted, TxSigner, YenPay};
use aptos_sdk::transaction::{InputEntryFunctionData, RawTransaction, TransactionPayload};
use aptos_sdk::types::{AccountAddress, ChainId};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Largest transaction the chain accepts, in bytes of the BCS raw
/// transaction (`max_transaction_size_in_bytes` of the gas schedule: 64 KiB).
pub const MAX_TRANSACTION_SIZE: usize = 64 * 1024;

/// Name of the metadata file in a build folder.
pub const METADATA_FILE: &str = "package-metadata.bcs";
/// Folder of the compiled modules in a build folder.
pub const MODULES_DIR: &str = "bytecode_modules";

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
         split the package or publish it in chunks (`aptos move publish --chunked-publish`)"
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

    /// The `0x1::code::publish_package_txn` payload, refused when the
    /// transaction would exceed [`MAX_TRANSACTION_SIZE`].
    ///
    /// # Errors
    /// [`PublishError::TooLarge`] naming the size; [`PublishError::Encoding`].
    pub fn publish_payload(&self) -> Result<TransactionPayload, PublishError> {
        let code: Vec<Vec<u8>> = self
            .modules
            .iter()
            .map(|module| module.bytecode.clone())
            .collect();
        let payload = InputEntryFunctionData::publish_package(self.metadata.clone(), code)
            .map_err(|error| PublishError::Encoding(error.to_string()))?;
        let size = raw_transaction_size(&payload)?;
        if size > MAX_TRANSACTION_SIZE {
            return Err(PublishError::TooLarge {
                size,
                limit: MAX_TRANSACTION_SIZE,
            });
        }
        Ok(payload)
    }
}

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

/// Gas for publishing: a package of three modules costs far more than a
/// payment.
const PUBLISH_MAX_GAS: u64 = 2_000_000;

impl YenPay {
    /// Publishes `package` from `publisher`, whose address must be the
    /// client's package address (a package lives at its publisher's address),
    /// and waits for it.
    ///
    /// # Errors
    /// [`Error::Publish`] when the package cannot be published as built;
    /// otherwise see [`YenPay::submit`].
    pub async fn publish<S: TxSigner>(
        &self,
        publisher: &S,
        package: &CompiledPackage,
    ) -> Result<Submitted, Error> {
        if publisher.sender() != self.package() {
            return Err(Error::Publish(PublishError::Encoding(format!(
                "the publisher {} is not the client's package address {}",
                publisher.sender(),
                self.package()
            ))));
        }
        let payload = package.publish_payload().map_err(Error::Publish)?;
        let mut options = self.options().clone();
        options.max_gas_amount = options.max_gas_amount.max(PUBLISH_MAX_GAS);
        self.clone()
            .with_options(options)
            .submit(publisher, payload)
            .await
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

    #[test]
    fn publish_payload_is_bcs_encoded_as_the_framework_expects() {
        let root = tempfile::tempdir().unwrap();
        let dir = fake_build(root.path(), &[("stablecoin", 5), ("invoice", 6)]);
        let package = CompiledPackage::from_build_dir(&dir).unwrap();
        let TransactionPayload::EntryFunction(EntryFunction {
            module,
            function,
            type_args,
            args,
        }) = package.publish_payload().unwrap()
        else {
            panic!("not an entry function");
        };
        assert_eq!(module.to_string(), "0x1::code");
        assert_eq!(function, "publish_package_txn");
        assert!(type_args.is_empty());
        // metadata_serialized: vector<u8> = ULEB128 length + the file's bytes.
        let metadata = metadata_bytes(&["stablecoin", "invoice"]);
        let mut expected = vec![u8::try_from(metadata.len()).unwrap()];
        expected.extend(&metadata);
        assert_eq!(args[0], expected);
        // code: vector<vector<u8>> = count, then each module with its length.
        let mut code = vec![2u8, 5];
        code.extend(&package.modules[0].bytecode);
        code.push(6);
        code.extend(&package.modules[1].bytecode);
        assert_eq!(args[1], code);
    }

    #[test]
    fn an_oversized_package_is_refused_naming_its_size() {
        let root = tempfile::tempdir().unwrap();
        let dir = fake_build(root.path(), &[("stablecoin", 40_000), ("invoice", 30_000)]);
        let package = CompiledPackage::from_build_dir(&dir).unwrap();
        let error = package.publish_payload().unwrap_err();
        let PublishError::TooLarge { size, limit } = error else {
            panic!("not refused: {error:?}");
        };
        assert_eq!(limit, 65_536);
        assert!(size > 70_000, "{size}");
        let payload = InputEntryFunctionData::publish_package(
            package.metadata.clone(),
            package.modules.iter().map(|m| m.bytecode.clone()).collect(),
        )
        .unwrap();
        assert_eq!(size, raw_transaction_size(&payload).unwrap());
        assert!(
            error_text(&dir).contains(&format!("{size} bytes")),
            "the message names the size"
        );
    }

    fn error_text(dir: &Path) -> String {
        CompiledPackage::from_build_dir(dir)
            .unwrap()
            .publish_payload()
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn just_under_the_limit_passes() {
        let root = tempfile::tempdir().unwrap();
        let dir = fake_build(root.path(), &[("stablecoin", 1000)]);
        let small = CompiledPackage::from_build_dir(&dir).unwrap();
        let overhead = raw_transaction_size(&small.publish_payload().unwrap()).unwrap() - 1000;
        // ULEB128 lengths grow by one byte each above 16 KiB; aim exactly at the limit.
        let fits = MAX_TRANSACTION_SIZE - overhead - 2;
        let dir = fake_build(root.path(), &[("stablecoin", fits)]);
        let package = CompiledPackage::from_build_dir(&dir).unwrap();
        let size = raw_transaction_size(&package.publish_payload().unwrap()).unwrap();
        assert_eq!(size, MAX_TRANSACTION_SIZE);
        let dir = fake_build(root.path(), &[("stablecoin", fits + 1)]);
        assert!(matches!(
            CompiledPackage::from_build_dir(&dir)
                .unwrap()
                .publish_payload(),
            Err(PublishError::TooLarge { size: 65_537, .. })
        ));
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
