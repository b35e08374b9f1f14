//! The SDK's `AccountAddress` and `yenpay_types::Address` are the same 32
//! bytes; these convert at the boundary between the pure types (QR codes,
//! signed authorizations) and the client's calls.
use aptos_sdk::types::AccountAddress;
use yenpay_types::Address;

/// The SDK address of `address`.
pub fn to_sdk(address: Address) -> AccountAddress {
    AccountAddress::new(address.to_bytes())
}

/// The `yenpay_types` address of `address`.
pub fn from_sdk(address: AccountAddress) -> Address {
    Address::new(address.to_bytes())
}

/// An aptos-sdk Ed25519 private key as the `ed25519-dalek` signing key that
/// `yenpay_types::authorization` signs with.
pub fn signing_key(key: &aptos_sdk::crypto::Ed25519PrivateKey) -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&key.to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let sdk = AccountAddress::from_hex("0xcafe").unwrap();
        assert_eq!(to_sdk(from_sdk(sdk)), sdk);
        assert_eq!(from_sdk(sdk).to_string(), sdk.to_string());
    }
}
