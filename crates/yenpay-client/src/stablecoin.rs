//! `yenpay_client::stablecoin`: the YJPY yen stablecoin. Typed calls of every entry
//! and view function, its events, and the addresses derived from the package.
//!
//! [`Calls`] builds the entry-function payloads (no node needed);
//! [`Stablecoin`] submits them and calls the views. An entry function's first
//! parameter, the Move `&signer`, is the [`TxSigner`] that submits it.

mod calls;
pub(crate) mod interface;
use crate::address::{from_sdk, to_sdk};
#[cfg(doc)]
use crate::authorization::Authorizations;
use crate::client::{Error, Submitted, TxSigner, YenPay, bcs_arg};
use aptos_sdk::transaction::EntryFunction;
use aptos_sdk::types::{AccountAddress, Identifier, MoveModuleId, StructTag, TypeTag};
pub use calls::*;
pub use interface::*;
use yenpay_types::authorization::{AuthorizationKind, SignedAuthorization};
#[cfg(doc)]
use yenpay_types::limits::MAX_URI_BYTES;
use yenpay_types::limits::require_amount;

impl YenPay {
    /// Calls of `yenpay::stablecoin`.
    pub fn stablecoin(&self) -> Stablecoin<'_> {
        Stablecoin::new(self)
    }
}

/// Seed of the metadata object under the package address (`ASSET_SEED`).
pub const ASSET_SEED: &[u8] = yenpay_types::objects::ASSET_SEED;

/// The address of the object `creator` creates with `seed`
/// (`object::create_object_address`), as [`yenpay_types::objects`] computes it.
pub fn named_object_address(creator: AccountAddress, seed: &[u8]) -> AccountAddress {
    to_sdk(yenpay_types::objects::named_object_address(
        from_sdk(creator),
        seed,
    ))
}

/// The stablecoin's metadata address for the package at `package`, computed
/// locally (the `metadata_address` view gives the same on chain).
pub fn derive_metadata_address(package: AccountAddress) -> AccountAddress {
    to_sdk(yenpay_types::objects::metadata_address(from_sdk(package)))
}

/// The address of `owner`'s primary store of the coin of the package at
/// `package` (the `primary_store_address` view gives the same on chain). The
/// coin may be held only there (for an account) or in a store the admin
/// approved.
pub fn primary_store_address(package: AccountAddress, owner: AccountAddress) -> AccountAddress {
    to_sdk(yenpay_types::objects::primary_store_address(
        from_sdk(package),
        from_sdk(owner),
    ))
}

impl Calls {
    /// `transfer_with_authorization` for a signed authorization as a wallet
    /// or QR code hands it over.
    pub fn transfer_signed(&self, signed: &SignedAuthorization) -> Result<EntryFunction, Error> {
        signed.require_kind(AuthorizationKind::Transfer)?;
        let authorization = &signed.authorization;
        self.transfer_with_authorization(
            to_sdk(authorization.from),
            to_sdk(authorization.to),
            authorization.amount,
            authorization.valid_after,
            authorization.valid_before,
            authorization.nonce,
            &signed.public_key,
            &signed.signature,
        )
    }
    /// A plain wallet transfer of the coin through the framework,
    /// `0x1::primary_fungible_store::transfer<0x1::fungible_asset::Metadata>`
    /// (not a yenpay function: the stablecoin's hooks apply to it).
    pub fn transfer(&self, to: AccountAddress, amount: u64) -> Result<EntryFunction, Error> {
        require_amount("amount", amount)?;
        let framework = |name: &str| Identifier::new(name);
        let metadata_type = TypeTag::struct_tag(StructTag::new(
            AccountAddress::ONE,
            framework("fungible_asset")?,
            framework("Metadata")?,
            Vec::new(),
        ));
        Ok(EntryFunction::new(
            MoveModuleId::new(AccountAddress::ONE, framework("primary_fungible_store")?),
            "transfer",
            vec![metadata_type],
            vec![
                // An `Object<Metadata>` argument is its address in BCS.
                bcs_arg("metadata", &derive_metadata_address(self.package()))?,
                bcs_arg("to", &to)?,
                bcs_arg("amount", &amount)?,
            ],
        ))
    }
}

impl Stablecoin<'_> {
    /// Submits a signed authorization as handed over by a wallet or QR code.
    ///
    /// # Errors
    /// As [`Stablecoin::transfer_with_authorization`].
    pub async fn transfer_signed<S: TxSigner>(
        &self,
        submitter: &S,
        signed: &SignedAuthorization,
    ) -> Result<Submitted, Error> {
        let call = self.calls().transfer_signed(signed)?;
        self.client.submit_entry(submitter, call).await
    }
    /// A plain wallet transfer through `0x1::primary_fungible_store::transfer`.
    ///
    /// # Errors
    /// [`Error::Validation`] for a zero amount; otherwise see [`YenPay::submit`].
    pub async fn transfer<S: TxSigner>(
        &self,
        sender: &S,
        to: AccountAddress,
        amount: u64,
    ) -> Result<Submitted, Error> {
        let call = self.calls().transfer(to, amount)?;
        self.client.submit_entry(sender, call).await
    }
    /// Checks a signed authorization (either kind) against the chain before
    /// it is submitted: [`Authorizations::check`].
    ///
    /// # Errors
    /// As [`Authorizations::check`].
    pub async fn check_authorization(
        &self,
        signed: &SignedAuthorization,
        now: u64,
    ) -> Result<(), Error> {
        self.client.authorization().check(signed, now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{TxEvent, YenpayEvent, decode_event};
    use aptos_sdk::transaction::{InputEntryFunctionData, TransactionPayload};
    use yenpay_types::limits::LegalOrder;
    use yenpay_types::limits::Problem;

    fn package() -> AccountAddress {
        AccountAddress::from_hex("0xcafe").unwrap()
    }

    fn address(hex: &str) -> AccountAddress {
        AccountAddress::from_hex(hex).unwrap()
    }

    #[test]
    fn transfer_with_authorization_vectors_carry_their_length() {
        let call = Calls::new(package())
            .transfer_with_authorization(
                address("0xa"),
                address("0xb"),
                5,
                0,
                9,
                0x2a2a,
                &[0x11; 32],
                &[0x22; 64],
            )
            .unwrap();
        assert_eq!(call.function, "transfer_with_authorization");
        assert_eq!(call.args.len(), 8);
        // The nonce is a u64: 8 bytes, no length.
        assert_eq!(call.args[5], 0x2a2au64.to_le_bytes().to_vec());
        let mut public_key = vec![32u8];
        public_key.extend([0x11; 32]);
        assert_eq!(call.args[6], public_key);
        let mut signature = vec![64u8];
        signature.extend([0x22; 64]);
        assert_eq!(call.args[7], signature);
        assert_eq!(call.args[4], 9u64.to_le_bytes().to_vec());
    }

    /// Every entry function against aptos-sdk's own argument encoding.
    #[test]
    fn every_entry_payload_matches_the_sdk_encoding() {
        let calls = Calls::new(package());
        let (a, b) = (address("0xa11ce"), address("0xb0b"));
        let order = LegalOrder::new("Tokyo District Court 2026(ワ)123").unwrap();
        let id = |name: &str| format!("{}::stablecoin::{name}", package().to_hex());
        let sdk = |name: &str| InputEntryFunctionData::new(&id(name));
        let cases: Vec<(EntryFunction, TransactionPayload)> = vec![
            (
                calls.seize(a, b, 7, &order).unwrap(),
                sdk("seize")
                    .arg(a)
                    .arg(b)
                    .arg(7u64)
                    .arg(order.as_bytes().to_vec())
                    .build()
                    .unwrap(),
            ),
            (
                calls.seize_from_store(a, b, 7, &order).unwrap(),
                sdk("seize_from_store")
                    .arg(a)
                    .arg(b)
                    .arg(7u64)
                    .arg(order.as_bytes().to_vec())
                    .build()
                    .unwrap(),
            ),
            (
                calls
                    .transfer_with_authorization(a, b, 5, 1, 2, 3, &[4; 32], &[5; 64])
                    .unwrap(),
                sdk("transfer_with_authorization")
                    .arg(a)
                    .arg(b)
                    .arg(5u64)
                    .arg(1u64)
                    .arg(2u64)
                    .arg(3u64)
                    .arg(vec![4u8; 32])
                    .arg(vec![5u8; 64])
                    .build()
                    .unwrap(),
            ),
            (
                calls.transfer(b, 10).unwrap(),
                InputEntryFunctionData::new("0x1::primary_fungible_store::transfer")
                    .type_arg("0x1::fungible_asset::Metadata")
                    .arg(derive_metadata_address(package()))
                    .arg(b)
                    .arg(10u64)
                    .build()
                    .unwrap(),
            ),
        ];
        for (ours, theirs) in cases {
            let name = ours.function.clone();
            assert_eq!(TransactionPayload::EntryFunction(ours), theirs, "{name}");
        }
    }

    #[test]
    fn zero_amounts_are_refused_before_signing() {
        let calls = Calls::new(package());
        for result in [calls.transfer(address("0xb0b"), 0)] {
            match result {
                Err(Error::Validation(error)) => {
                    assert_eq!(error.field, "amount");
                    assert_eq!(error.problem, Problem::Zero);
                }
                other => panic!("not refused: {other:?}"),
            }
        }
    }

    #[test]
    fn metadata_address_matches_the_known_answer() {
        // From testdata/known_answers.md, computed independently in Python.
        assert_eq!(
            derive_metadata_address(package()),
            address("0x72ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18")
        );
    }

    #[test]
    fn events_decode_from_node_json() {
        let updated = serde_json::json!({
            "type": format!("{}::stablecoin::MetadataUpdated", package().to_long_string()),
            "data": {"icon_uri": "https://yenpay.example/yjpy-2.svg", "project_uri": "https://yenpay.example"}
        });
        assert_eq!(
            decode_event(package(), &updated).unwrap(),
            TxEvent::Yenpay(YenpayEvent::Stablecoin(StablecoinEvent::MetadataUpdated(
                MetadataUpdated {
                    icon_uri: "https://yenpay.example/yjpy-2.svg".into(),
                    project_uri: "https://yenpay.example".into()
                }
            )))
        );
    }
}
