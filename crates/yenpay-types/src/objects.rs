//! Addresses the package derives on chain, computed locally with the
//! framework's formulas (the package's views give the same values).
use sha3::{Digest, Sha3_256};

use crate::address::Address;

/// Seed of the stablecoin's metadata object under the package address (`stablecoin::ASSET_SEED`).
pub const ASSET_SEED: &[u8] = b"YJPY";
/// Seed of the fee treasury object under the package address (`fee_treasury::TREASURY_SEED`).
pub const TREASURY_SEED: &[u8] = b"YENPAY_TREASURY";
/// Seed of the holds' escrow object under the package address (`hold::HOLD_ESCROW_SEED`).
pub const HOLD_ESCROW_SEED: &[u8] = b"YENPAY_HOLD_ESCROW";
/// Seed of the FX desk object under the package address (`fx::DESK_SEED`).
pub const FX_DESK_SEED: &[u8] = b"YENPAY_FX_DESK";
/// Seed of the tax-refund float object under the package address
/// (`tax_refund::FLOAT_SEED`).
pub const TAX_REFUND_FLOAT_SEED: &[u8] = b"YENPAY_TAX_REFUND_FLOAT";

/// `object::create_object_address` scheme byte.
const OBJECT_FROM_SEED: u8 = 0xFE;
/// `object::create_user_derived_object_address` scheme byte.
const OBJECT_DERIVED: u8 = 0xFC;
/// `account::create_resource_address` scheme byte.
const RESOURCE_ACCOUNT: u8 = 0xFF;

fn sha3(parts: &[&[u8]]) -> Address {
    let mut hasher = Sha3_256::new();
    for part in parts {
        hasher.update(part);
    }
    Address::new(hasher.finalize().into())
}

/// The object `creator` creates with `seed`: `sha3-256(creator || seed || 0xFE)`.
pub fn named_object_address(creator: Address, seed: &[u8]) -> Address {
    sha3(&[creator.as_bytes(), seed, &[OBJECT_FROM_SEED]])
}

/// The stablecoin's metadata object of the package at `package`.
pub fn metadata_address(package: Address) -> Address {
    named_object_address(package, ASSET_SEED)
}

/// The fee treasury object of the package at `package`.
pub fn treasury_address(package: Address) -> Address {
    named_object_address(package, TREASURY_SEED)
}

/// The holds' escrow object of the package at `package` (`hold::escrow_address`).
pub fn hold_escrow_address(package: Address) -> Address {
    named_object_address(package, HOLD_ESCROW_SEED)
}

/// The FX desk object of the package at `package` (`fx::desk_address`): its
/// primary stores hold the desk's yen inventory and the USDC it received.
pub fn fx_desk_address(package: Address) -> Address {
    named_object_address(package, FX_DESK_SEED)
}

/// The tax-refund float object of the package at `package`
/// (`tax_refund::FLOAT_SEED`): its primary store holds the refund agent's
/// yen that claims are paid from.
pub fn tax_refund_float_address(package: Address) -> Address {
    named_object_address(package, TAX_REFUND_FLOAT_SEED)
}

/// `owner`'s primary store of the package's coin:
/// `sha3-256(owner || metadata || 0xFC)`. The coin may be held only there
/// (for an account) or in a store the admin approved.
pub fn primary_store_address(package: Address, owner: Address) -> Address {
    sha3(&[
        owner.as_bytes(),
        metadata_address(package).as_bytes(),
        &[OBJECT_DERIVED],
    ])
}

/// The resource account `deployer` creates with `seed`, where the package is
/// published: `sha3-256(deployer || seed || 0xFF)`.
pub fn resource_account_address(deployer: Address, seed: &[u8]) -> Address {
    sha3(&[deployer.as_bytes(), seed, &[RESOURCE_ACCOUNT]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_of_the_dev_package_is_the_known_answer() {
        // testdata/known_answers.md: the metadata object under 0xcafe.
        assert_eq!(
            metadata_address(Address::from_hex("0xcafe").unwrap()),
            Address::from_hex("0x72ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18")
                .unwrap()
        );
    }

    #[test]
    fn schemes_differ() {
        let a = Address::from_hex("0xa").unwrap();
        assert_ne!(
            named_object_address(a, b"s"),
            resource_account_address(a, b"s")
        );
        assert_ne!(primary_store_address(a, a), named_object_address(a, b"s"));
    }
}
