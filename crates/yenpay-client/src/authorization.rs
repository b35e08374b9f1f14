//! `yenpay_client::authorization`: signed authorizations (the EIP-3009 idea,
//! for Move). The nonces holders spend or cancel, the event of each use, and a
//! check of a signed authorization against the chain before it is submitted.
//!
//! The messages themselves (exact bytes, signing, local verification) are in
//! [`yenpay_types::authorization`]; they are used through
//! `stablecoin::transfer_with_authorization` ([`crate::stablecoin::Stablecoin::transfer_signed`])
//! and `invoice::collect_with_authorization`
//! ([`crate::invoice::Invoices::collect_signed`]).
//!
//! [`Calls`] builds the entry-function payloads (no node needed);
//! [`Authorizations`] submits them and calls the views.

mod generated;
use crate::address::{from_sdk, to_sdk};
use crate::client::{Error, YenPay};
pub use generated::*;
use yenpay_types::authorization::{AuthorizationError, SignedAuthorization};

impl YenPay {
    /// Calls of `yenpay::authorization`.
    pub fn authorization(&self) -> Authorizations<'_> {
        Authorizations::new(self)
    }
}

impl Authorizations<'_> {
    /// Checks a signed authorization (either kind) against the chain before
    /// it is submitted, as the contract would: the domain (this chain and
    /// package), amount and window at `now` (Unix seconds), the key against
    /// the payer's current authentication key on chain (legacy Ed25519 or
    /// SingleKey Ed25519), the signature, and that the nonce is unused.
    ///
    /// # Errors
    /// [`Error::Authorization`] naming the check that fails; [`Error::Aptos`]
    /// when the node cannot be asked.
    pub async fn check(&self, signed: &SignedAuthorization, now: u64) -> Result<(), Error> {
        let package = self.client.package();
        let chain_id = self.client.aptos().ensure_chain_id().await?.id();
        signed.check_terms(from_sdk(package), chain_id, now)?;
        let from = to_sdk(signed.authorization.from);
        let account = match self.client.aptos().fullnode().get_account(from).await {
            Ok(account) => account.into_inner(),
            Err(error) if error.is_not_found() => {
                return Err(AuthorizationError::NoAccount {
                    from: signed.authorization.from,
                }
                .into());
            }
            Err(error) => return Err(error.into()),
        };
        let on_chain = const_hex::decode(account.authentication_key.trim_start_matches("0x"))
            .map_err(|error| Error::Response {
                context: format!("the account {from}"),
                detail: error.to_string(),
            })?;
        if !signed.key_matches(&on_chain) {
            return Err(AuthorizationError::KeyNotCurrent {
                from: signed.authorization.from,
            }
            .into());
        }
        signed.verify(from_sdk(package))?;
        if self
            .is_nonce_used(from, &signed.authorization.nonce)
            .await?
        {
            return Err(AuthorizationError::NonceUsed.into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{TxEvent, YenpayEvent, decode_event};
    use aptos_sdk::transaction::{InputEntryFunctionData, TransactionPayload};
    use aptos_sdk::types::AccountAddress;

    fn package() -> AccountAddress {
        AccountAddress::from_hex("0xcafe").unwrap()
    }

    #[test]
    fn cancel_payload_matches_the_sdk_encoding() {
        let ours = Calls::new(package())
            .cancel_authorization(&[3; 32])
            .unwrap();
        let theirs = InputEntryFunctionData::new(&format!(
            "{}::authorization::cancel_authorization",
            package().to_hex()
        ))
        .arg(vec![3u8; 32])
        .build()
        .unwrap();
        assert_eq!(TransactionPayload::EntryFunction(ours), theirs);
    }

    #[test]
    fn events_decode_from_node_json() {
        let event = serde_json::json!({
            "guid": {"creation_number": "0", "account_address": "0x0"},
            "sequence_number": "0",
            "type": "0xcafe::authorization::TransferredWithAuthorization",
            "data": {
                "from": "0xcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad",
                "to": "0xb0b",
                "amount": "1234",
                "nonce": format!("0x{}", "2a".repeat(32)),
                "submitter": "0xcafe"
            }
        });
        let decoded = decode_event(package(), &event).unwrap();
        let TxEvent::Yenpay(YenpayEvent::Authorization(
            AuthorizationEvent::TransferredWithAuthorization(transferred),
        )) = decoded
        else {
            panic!("wrong event: {decoded:?}");
        };
        assert_eq!(transferred.amount, 1234);
        assert_eq!(transferred.to, AccountAddress::from_hex("0xb0b").unwrap());
        assert_eq!(transferred.nonce, vec![0x2a; 32]);
        assert_eq!(transferred.submitter, package());

        let cancelled = serde_json::json!({
            "type": "0xcafe::authorization::AuthorizationCancelled",
            "data": {"holder": "0xa11ce", "nonce": format!("0x{}", "07".repeat(32))}
        });
        assert_eq!(
            decode_event(package(), &cancelled).unwrap(),
            TxEvent::Yenpay(YenpayEvent::Authorization(
                AuthorizationEvent::AuthorizationCancelled(AuthorizationCancelled {
                    holder: AccountAddress::from_hex("0xa11ce").unwrap(),
                    nonce: vec![7; 32],
                })
            ))
        );
    }
}
