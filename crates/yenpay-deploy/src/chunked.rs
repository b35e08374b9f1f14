//! A package too large for one transaction (the chain's 64 KiB limit),
//! published or upgraded in chunks.
//!
//! The package metadata and the modules' bytecode are cut into chunks of at
//! most [`CHUNK_SIZE`] bytes, in order ([`split`]), each staged by one
//! transaction; the last one publishes what was staged.
//!
//! - *Publish*: the framework's `large_packages` module (at
//!   [`large_packages_address`]) stages chunks at the account that signs and
//!   publishes there, so the resource account must sign. The deployer first
//!   creates it with `0x1::resource_account::create_resource_account(seed, [])`,
//!   which gives it the deployer's authentication key and leaves its
//!   `SignerCapability` in the deployer's container; the deployer's key then
//!   signs as the resource account (the deployer paying the gas as fee payer),
//!   and the last chunk's `stage_code_chunk_and_publish_to_account` runs the
//!   package's `init_module`, whose `retrieve_resource_account_cap` zeroes the
//!   account's key, exactly as the one-transaction publish ends.
//! - *Upgrade*: only the package holds its signer, so it keeps its own
//!   staging area: the admin's `upgrade::stage_upgrade_chunk` for each chunk,
//!   then `upgrade::publish_staged_upgrade`.
//!
//! Between the resource account's creation and the last chunk, the
//! deployer's key controls the resource account (as it controls the deployer
//! itself); an interrupted publish is resumed from there (the staging area
//! discarded and staged again), never left half-published.
use aptos_sdk::transaction::{
    InputEntryFunctionData, InputEntryFunctionDataBuilder, TransactionPayload,
};
use aptos_sdk::types::{AccountAddress, Identifier, MoveModuleId};

/// Bytes of metadata and bytecode staged by one transaction: the Aptos CLI's
/// chunk size, leaving room for the transaction's other fields under 64 KiB.
pub const CHUNK_SIZE: usize = 55_000;

/// Where `large_packages` is on mainnet and testnet.
pub const LARGE_PACKAGES_MAINNET_TESTNET: &str =
    "0x0e1ca3011bdd07246d4d16d909dbb2d6953a86c4735d5acf5865d962c630cce7";
/// Where it is on a network started from genesis (a local node, devnet): the
/// framework's `aptos_experimental` address.
pub const LARGE_PACKAGES_DEV: &str = "0x7";

/// The framework's entry function that creates a resource account whose key
/// is the creator's.
pub const CREATE_RESOURCE_ACCOUNT_FUNCTION: &str = "0x1::resource_account::create_resource_account";

/// The address of `large_packages` on the chain with `chain_id`.
pub fn large_packages_address(chain_id: u8) -> AccountAddress {
    let address = if chain_id == 1 || chain_id == 2 {
        LARGE_PACKAGES_MAINNET_TESTNET
    } else {
        LARGE_PACKAGES_DEV
    };
    AccountAddress::from_hex(address).expect("a valid address literal")
}

/// What one staging transaction carries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Chunk {
    /// The next bytes of the package metadata (possibly none).
    pub metadata: Vec<u8>,
    /// For each piece of bytecode, the index of its module.
    pub code_indices: Vec<u16>,
    /// The next bytes of those modules.
    pub code: Vec<Vec<u8>>,
}

impl Chunk {
    fn len(&self) -> usize {
        self.metadata.len() + self.code.iter().map(Vec::len).sum::<usize>()
    }
}

/// Cuts `metadata` and the modules' `code` into chunks of at most
/// `chunk_size` bytes, in order: the metadata first, then each module's
/// bytecode, a module spanning chunks where it must. Appending every chunk's
/// metadata, and each module's pieces, gives back the inputs.
///
/// # Panics
/// When `chunk_size` is 0 or there are more than 65,536 modules.
pub fn split(metadata: &[u8], code: &[Vec<u8>], chunk_size: usize) -> Vec<Chunk> {
    assert!(chunk_size > 0, "a chunk holds at least one byte");
    let mut chunks = Vec::new();
    let mut current = Chunk::default();
    for piece in metadata.chunks(chunk_size) {
        if current.len() + piece.len() > chunk_size {
            chunks.push(std::mem::take(&mut current));
        }
        current.metadata.extend_from_slice(piece);
    }
    for (index, module) in code.iter().enumerate() {
        let index = u16::try_from(index).expect("at most 65,536 modules");
        let mut rest = module.as_slice();
        while !rest.is_empty() {
            let room = chunk_size - current.len();
            if room == 0 {
                chunks.push(std::mem::take(&mut current));
                continue;
            }
            let (piece, after) = rest.split_at(room.min(rest.len()));
            current.code_indices.push(index);
            current.code.push(piece.to_vec());
            rest = after;
        }
    }
    chunks.push(current);
    chunks
}

fn entry(
    address: AccountAddress,
    module: &str,
    function: &str,
) -> Result<InputEntryFunctionDataBuilder, String> {
    let module = Identifier::new(module).map_err(|error| error.to_string())?;
    Ok(InputEntryFunctionData::from_parts(
        MoveModuleId::new(address, module),
        function,
    ))
}

fn staged(
    data: InputEntryFunctionDataBuilder,
    chunk: &Chunk,
) -> Result<TransactionPayload, String> {
    data.arg(chunk.metadata.as_slice())
        .arg(chunk.code_indices.clone())
        .arg(chunk.code.clone())
        .build()
        .map_err(|error| error.to_string())
}

/// The resource account's transactions of a chunked publish: each chunk but
/// the last through `large_packages::stage_code_chunk`, the last through
/// `stage_code_chunk_and_publish_to_account`.
///
/// # Errors
/// When a payload cannot be encoded.
pub fn publish_payloads(
    chunks: &[Chunk],
    large_packages: AccountAddress,
) -> Result<Vec<TransactionPayload>, String> {
    let last = chunks.len().saturating_sub(1);
    chunks
        .iter()
        .enumerate()
        .map(|(i, chunk)| {
            let function = if i == last {
                "stage_code_chunk_and_publish_to_account"
            } else {
                "stage_code_chunk"
            };
            staged(entry(large_packages, "large_packages", function)?, chunk)
        })
        .collect()
}

/// `large_packages::cleanup_staging_area`: drops what an interrupted publish
/// staged at the resource account.
///
/// # Errors
/// When the payload cannot be encoded.
pub fn discard_publish_payload(
    large_packages: AccountAddress,
) -> Result<TransactionPayload, String> {
    entry(large_packages, "large_packages", "cleanup_staging_area")?
        .build()
        .map_err(|error| error.to_string())
}

/// The admin's transactions of a chunked upgrade of the package at
/// `package`: `upgrade::stage_upgrade_chunk` for each chunk, then
/// `upgrade::publish_staged_upgrade`.
///
/// # Errors
/// When a payload cannot be encoded.
pub fn upgrade_payloads(
    chunks: &[Chunk],
    package: AccountAddress,
) -> Result<Vec<TransactionPayload>, String> {
    let mut payloads = chunks
        .iter()
        .map(|chunk| staged(entry(package, "upgrade", "stage_upgrade_chunk")?, chunk))
        .collect::<Result<Vec<_>, _>>()?;
    payloads.push(
        entry(package, "upgrade", "publish_staged_upgrade")?
            .build()
            .map_err(|error| error.to_string())?,
    );
    Ok(payloads)
}

/// `upgrade::discard_staged_upgrade`: drops what an interrupted upgrade
/// staged.
///
/// # Errors
/// When the payload cannot be encoded.
pub fn discard_upgrade_payload(package: AccountAddress) -> Result<TransactionPayload, String> {
    entry(package, "upgrade", "discard_staged_upgrade")?
        .build()
        .map_err(|error| error.to_string())
}

/// `create_resource_account(seed, [])`: the resource account of the signer
/// and `seed`, with the signer's key.
///
/// # Errors
/// When the payload cannot be encoded.
pub fn create_resource_account_payload(seed: &[u8]) -> Result<TransactionPayload, String> {
    InputEntryFunctionData::new(CREATE_RESOURCE_ACCOUNT_FUNCTION)
        .arg(seed)
        .arg(Vec::<u8>::new())
        .build()
        .map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::{MAX_TRANSACTION_SIZE, raw_transaction_size};

    /// Appends the chunks back together: the metadata, and each module.
    fn reassemble(chunks: &[Chunk]) -> (Vec<u8>, Vec<Vec<u8>>) {
        let mut metadata = Vec::new();
        let mut code: Vec<Vec<u8>> = Vec::new();
        for chunk in chunks {
            metadata.extend(&chunk.metadata);
            for (index, piece) in chunk.code_indices.iter().zip(&chunk.code) {
                let index = usize::from(*index);
                // Each piece continues the last module or starts the next one,
                // as upgrade::stage_upgrade_chunk requires.
                assert!(index + 1 == code.len() || index == code.len());
                if index == code.len() {
                    code.push(Vec::new());
                }
                code[index].extend(piece);
            }
        }
        (metadata, code)
    }

    fn bytes(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31) ^ seed)
            .collect()
    }

    #[test]
    fn chunks_reassemble_to_the_package_and_stay_under_the_size() {
        for (metadata_len, modules, size) in [
            (900, vec![30_000, 41_000, 5], 55_000),
            (120_000, vec![1, 2, 3], 55_000),
            (10, vec![10, 10, 10], 7),
            (0, vec![55_000, 55_000], 55_000),
            (55_000, vec![], 55_000),
        ] {
            let metadata = bytes(metadata_len, 1);
            let code: Vec<Vec<u8>> = modules
                .iter()
                .enumerate()
                .map(|(i, len)| bytes(*len, i as u8 + 2))
                .collect();
            let chunks = split(&metadata, &code, size);
            assert!(chunks.iter().all(|c| c.len() <= size));
            // Full chunks: only the last is short.
            let total = metadata_len + modules.iter().sum::<usize>();
            assert_eq!(
                chunks.len(),
                total.div_ceil(size).max(1),
                "{metadata_len} {modules:?}"
            );
            assert_eq!(reassemble(&chunks), (metadata, code));
        }
    }

    #[test]
    fn every_staging_transaction_fits_the_chain_s_limit() {
        let metadata = bytes(3_000, 7);
        let code: Vec<Vec<u8>> = (0..13).map(|i| bytes(9_000 + i * 100, i as u8)).collect();
        let chunks = split(&metadata, &code, CHUNK_SIZE);
        assert_eq!(chunks.len(), 3);
        let package = AccountAddress::from_hex("0xcafe").unwrap();
        let publish = publish_payloads(&chunks, large_packages_address(4)).unwrap();
        let upgrade = upgrade_payloads(&chunks, package).unwrap();
        assert_eq!((publish.len(), upgrade.len()), (3, 4));
        for payload in publish.iter().chain(&upgrade) {
            assert!(raw_transaction_size(payload).unwrap() <= MAX_TRANSACTION_SIZE);
        }
        let name = |payload: &TransactionPayload| match payload {
            TransactionPayload::EntryFunction(f) => {
                format!("{}::{}", f.module.name, f.function)
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(
            publish.iter().map(name).collect::<Vec<_>>(),
            [
                "large_packages::stage_code_chunk",
                "large_packages::stage_code_chunk",
                "large_packages::stage_code_chunk_and_publish_to_account"
            ]
        );
        assert_eq!(
            upgrade.iter().map(name).collect::<Vec<_>>(),
            [
                "upgrade::stage_upgrade_chunk",
                "upgrade::stage_upgrade_chunk",
                "upgrade::stage_upgrade_chunk",
                "upgrade::publish_staged_upgrade"
            ]
        );
    }

    #[test]
    fn large_packages_is_where_each_network_has_it() {
        assert_eq!(large_packages_address(4).to_short_string(), "0x7");
        for chain in [1, 2] {
            assert_eq!(
                large_packages_address(chain).to_hex(),
                LARGE_PACKAGES_MAINNET_TESTNET
            );
        }
    }
}
