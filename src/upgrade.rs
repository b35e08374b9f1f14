//! `yenpay::upgrade`: who controls the package's code. Typed calls of its
//! entry function and view, and its event.
//!
//! The package lives at a resource account (see [`crate::publish`]): its
//! authentication key is zero, and `upgrade::init_module` took the account's
//! `SignerCapability` at publish. From then on only
//! `upgrade_package(admin, metadata_serialized, code)`, signed by the
//! stablecoin's current admin, publishes new code there, under the package's
//! `compatible` upgrade policy; the admin role's two-step transfer moves
//! upgrade power with it.
//!
//! [`Calls`] builds the payload (no node needed; a payload over the chain's
//! transaction size limit is refused with its size); [`Upgrade`] submits it
//! and calls the view. For a compiled package, see
//! [`YenPay::publish_upgrade`](crate::client::YenPay::publish_upgrade).
use crate::abort::Module;
use crate::client::{Error, Submitted, TxSigner, YenPay, bcs_arg, entry_call};
use crate::events::module_events;
use crate::publish;
use aptos_sdk::transaction::{EntryFunction, TransactionPayload};
use aptos_sdk::types::AccountAddress;
use serde::Deserialize;

/// Payloads of the entry function of `yenpay::upgrade`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calls {
    package: AccountAddress,
}

impl Calls {
    /// Calls of the package at `package`.
    pub fn new(package: AccountAddress) -> Self {
        Self { package }
    }

    /// `upgrade_package(admin, metadata_serialized, code)`: publishes `code`
    /// (the modules' bytecode, in the metadata's order) with
    /// `metadata_serialized` (what `aptos move compile --save-metadata`
    /// writes) at the package address.
    ///
    /// # Errors
    /// [`Error::Publish`] with [`publish::PublishError::TooLarge`] when the transaction
    /// would exceed [`publish::MAX_TRANSACTION_SIZE`];
    /// [`Error::Encoding`] when an argument does not encode.
    pub fn upgrade_package(
        &self,
        metadata_serialized: &[u8],
        code: &[Vec<u8>],
    ) -> Result<EntryFunction, Error> {
        let call = entry_call(
            self.package,
            Module::Upgrade,
            "upgrade_package",
            vec![
                bcs_arg("metadata_serialized", metadata_serialized)?,
                bcs_arg("code", code)?,
            ],
        )?;
        publish::check_size(&TransactionPayload::EntryFunction(call.clone()))
            .map_err(Error::Publish)?;
        Ok(call)
    }
}

/// `yenpay::upgrade` on a node: submits the upgrade and calls the view.
#[derive(Debug, Clone, Copy)]
pub struct Upgrade<'a> {
    client: &'a YenPay,
}

impl<'a> Upgrade<'a> {
    /// The module of `client`'s package.
    pub fn new(client: &'a YenPay) -> Self {
        Self { client }
    }

    /// The payload builders.
    pub fn calls(&self) -> Calls {
        Calls::new(self.client.package())
    }

    /// Publishes `code` with `metadata_serialized` at the package address,
    /// signed by the stablecoin's admin, and waits for it. The transaction
    /// may use up to [`publish::PUBLISH_MAX_GAS`] gas units (more if the
    /// client's options allow more).
    ///
    /// # Errors
    /// As [`Calls::upgrade_package`], then see [`YenPay::submit`]; aborts with
    /// `ENOT_ADMIN` for anyone but the admin, and in `0x1::code` when the new
    /// code is not a compatible upgrade.
    pub async fn upgrade_package<S: TxSigner>(
        &self,
        admin: &S,
        metadata_serialized: &[u8],
        code: &[Vec<u8>],
    ) -> Result<Submitted, Error> {
        let call = self.calls().upgrade_package(metadata_serialized, code)?;
        publish::with_publish_gas(self.client)
            .submit_entry(admin, call)
            .await
    }

    /// Whether the package holds its own signer capability: it was published
    /// through a resource account and only `upgrade_package` can change its
    /// code (`is_code_controlled(): bool`).
    ///
    /// # Errors
    /// [`Error::Aptos`] when the view fails; [`Error::Response`] for a result
    /// of the wrong shape.
    pub async fn is_code_controlled(&self) -> Result<bool, Error> {
        let (controlled,) = self
            .client
            .view_as(Module::Upgrade, "is_code_controlled", Vec::new())
            .await?;
        Ok(controlled)
    }
}

impl YenPay {
    /// Calls of `yenpay::upgrade`.
    pub fn upgrade(&self) -> Upgrade<'_> {
        Upgrade::new(self)
    }
}

// Events.

/// The admin published new code for the package.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageUpgraded {
    /// The admin who signed the upgrade.
    pub admin: AccountAddress,
}

module_events! {
    /// An event of `yenpay::upgrade`.
    pub enum UpgradeEvent {
        PackageUpgraded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::PublishError;
    use serde_json::json;

    fn package() -> AccountAddress {
        AccountAddress::from_hex(
            "0x2c62d0c66354668d0dca53a9084556e1376a144ca2cac3c9ef7a9029ea2e406b",
        )
        .unwrap()
    }

    /// The whole payload, BCS written out by hand.
    #[test]
    fn upgrade_package_payload_matches_hand_written_bcs() {
        let metadata = vec![0x06, b'Y', b'e', b'n'];
        let code = vec![vec![0xa1, 0x1c, 0xeb, 0x0b], vec![7; 3]];
        let call = Calls::new(package())
            .upgrade_package(&metadata, &code)
            .unwrap();
        assert_eq!(call.module.to_string(), format!("{}::upgrade", package()));
        assert_eq!(call.function, "upgrade_package");
        assert!(call.type_args.is_empty());
        let payload = aptos_bcs::to_bytes(&TransactionPayload::EntryFunction(call)).unwrap();

        let mut expected = vec![2u8]; // TransactionPayload::EntryFunction
        expected.extend(package().as_bytes());
        expected.push(7);
        expected.extend(b"upgrade");
        expected.push(15);
        expected.extend(b"upgrade_package");
        expected.push(0); // no type arguments
        expected.push(2); // two arguments
        // metadata_serialized: vector<u8>, itself BCS-encoded as one argument.
        expected.extend([5, 4, 0x06, b'Y', b'e', b'n']);
        // code: vector<vector<u8>>: 1 + (1 + 4) + (1 + 3) bytes.
        expected.extend([10, 2, 4, 0xa1, 0x1c, 0xeb, 0x0b, 3, 7, 7, 7]);
        assert_eq!(payload, expected);
    }

    #[test]
    fn an_oversized_upgrade_is_refused_naming_its_size() {
        let code = vec![vec![0u8; 40_000], vec![1u8; 30_000]];
        let error = Calls::new(package())
            .upgrade_package(&[1, 2, 3], &code)
            .unwrap_err();
        let Error::Publish(PublishError::TooLarge { size, limit }) = &error else {
            panic!("not refused: {error:?}");
        };
        assert_eq!(*limit, publish::MAX_TRANSACTION_SIZE);
        assert!(*size > 70_000, "{size}");
        assert!(
            error.to_string().contains(&format!("{size} bytes")),
            "{error}"
        );
    }

    #[test]
    fn package_upgraded_decodes_from_the_nodes_json() {
        let event = UpgradeEvent::decode("PackageUpgraded", &json!({"admin": "0xa11ce"}))
            .unwrap()
            .unwrap();
        assert_eq!(
            event,
            UpgradeEvent::PackageUpgraded(PackageUpgraded {
                admin: AccountAddress::from_hex("0xa11ce").unwrap()
            })
        );
        assert_eq!(event.name(), "PackageUpgraded");
        assert!(
            UpgradeEvent::decode("Upgraded", &json!({}))
                .unwrap()
                .is_none()
        );
        assert!(
            UpgradeEvent::decode("PackageUpgraded", &json!({"admin": "0x1", "by": "0x2"})).is_err(),
            "unknown fields are refused"
        );
    }
}
