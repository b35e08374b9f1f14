//! `yenpay_client::authorization`: signed authorizations (the EIP-3009 idea,
//! for Move). The nonces holders spend or cancel, the event of each use, and a
//! check of a signed authorization against the chain before it is submitted.
//!
//! Nonces are unordered `u64`s kept in a bitmap per holder (word `nonce >> 8`
//! holds bit `nonce & 0xff`, one storage slot per word), as in Uniswap's
//! Permit2. A wallet counts its nonces up with a
//! [`NonceCounter`](yenpay_types::authorization::NonceCounter), so it adds a
//! slot once per 256 authorizations; [`Authorizations::resume_nonces`] finds
//! where to continue from the chain, [`Authorizations::cancel_nonce`] and the
//! generated `cancel_nonces` cancel unused ones.
//!
//! The messages themselves (exact bytes, signing, local verification) are in
//! [`yenpay_types::authorization`]; they are used through
//! `stablecoin::transfer_with_authorization` ([`crate::stablecoin::Stablecoin::transfer_signed`])
//! and `invoice::collect_with_authorization`
//! ([`crate::invoice::Invoices::collect_signed`]).
//!
//! [`Calls`] builds the entry-function payloads (no node needed);
//! [`Authorizations`] submits them and calls the views.

mod calls;
pub(crate) mod interface;
use crate::address::{from_sdk, to_sdk};
use crate::client::{Error, Submitted, TxSigner, YenPay};
use aptos_sdk::transaction::EntryFunction;
use aptos_sdk::types::AccountAddress;
pub use calls::*;
pub use interface::*;
use yenpay_types::authorization::{
    AuthorizationError, NonceBitmap, NonceCounter, SignedAuthorization, nonce_bit, nonce_word,
};

impl Calls {
    /// `cancel_nonces` for the one nonce `nonce`: its word and the mask of
    /// its bit.
    pub fn cancel_nonce(&self, nonce: u64) -> Result<EntryFunction, Error> {
        self.cancel_nonces(nonce_word(nonce), NonceBitmap::bit(nonce_bit(nonce)))
    }
}

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
        if self.is_nonce_used(from, signed.authorization.nonce).await? {
            return Err(AuthorizationError::NonceUsed.into());
        }
        Ok(())
    }

    /// Cancels the holder's one nonce `nonce` (`cancel_nonces` with its
    /// word and bit).
    ///
    /// # Errors
    /// See [`YenPay::submit`].
    pub async fn cancel_nonce<S: TxSigner>(
        &self,
        holder: &S,
        nonce: u64,
    ) -> Result<Submitted, Error> {
        let call = self.calls().cancel_nonce(nonce)?;
        self.client.submit_entry(holder, call).await
    }

    /// Where a wallet that counts its nonces up continues, read from the
    /// chain: after the highest used nonce of the last word in use, scanning
    /// `owner`'s bitmap from word `from_word` (0, or a word the wallet knows
    /// it reached) up to the first empty word. One view call per word
    /// scanned.
    ///
    /// # Errors
    /// [`Error::Aptos`] when a view fails.
    pub async fn resume_nonces(
        &self,
        owner: AccountAddress,
        from_word: u64,
    ) -> Result<NonceCounter, Error> {
        let mut word = from_word;
        let mut last = NonceCounter::resume_after(word, &NonceBitmap::EMPTY);
        loop {
            let bitmap = self.nonce_bitmap(owner, word).await?;
            if bitmap.is_empty() {
                return Ok(last);
            }
            last = NonceCounter::resume_after(word, &bitmap);
            match word.checked_add(1) {
                Some(next) => word = next,
                None => return Ok(last),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{TxEvent, YenpayEvent, decode_event};
    use aptos_sdk::transaction::{InputEntryFunctionData, TransactionPayload};

    fn package() -> AccountAddress {
        AccountAddress::from_hex("0xcafe").unwrap()
    }

    #[test]
    fn cancel_payloads_carry_the_word_and_a_u256_mask() {
        let calls = Calls::new(package());
        let ours = calls.cancel_nonces(2, NonceBitmap::bit(3)).unwrap();
        assert_eq!(ours.function, "cancel_nonces");
        assert_eq!(ours.args[0], 2u64.to_le_bytes().to_vec());
        // A u256 argument: 32 little-endian bytes, no length prefix.
        let mut mask = vec![0u8; 32];
        mask[0] = 0b1000;
        assert_eq!(ours.args[1], mask);
        // One nonce: 515 is word 2, bit 3.
        assert_eq!(calls.cancel_nonce(515).unwrap(), ours);
        let theirs = InputEntryFunctionData::new(&format!(
            "{}::authorization::cancel_nonces",
            package().to_hex()
        ))
        .arg(2u64)
        .build()
        .unwrap();
        let TransactionPayload::EntryFunction(theirs) = theirs else {
            panic!("an entry function payload");
        };
        assert_eq!(theirs.args[0], ours.args[0]);
        assert_eq!(theirs.module, ours.module);
    }

    #[test]
    fn nonce_bitmap_view_decodes_the_node_s_decimal() {
        let (bitmap,): (NonceBitmap,) = crate::client::decode_view(
            crate::module::Module::Authorization,
            "nonce_bitmap",
            vec![serde_json::json!("1024")],
        )
        .unwrap();
        assert_eq!(bitmap, NonceBitmap::bit(10));
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
                "nonce": "10794",
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
        assert_eq!(transferred.nonce, 0x2a2a);
        assert_eq!(transferred.submitter, package());

        let cancelled = serde_json::json!({
            "type": "0xcafe::authorization::NoncesCancelled",
            "data": {"holder": "0xa11ce", "word": "2", "mask": "40", "bitmap": "41"}
        });
        assert_eq!(
            decode_event(package(), &cancelled).unwrap(),
            TxEvent::Yenpay(YenpayEvent::Authorization(
                AuthorizationEvent::NoncesCancelled(NoncesCancelled {
                    holder: AccountAddress::from_hex("0xa11ce").unwrap(),
                    word: 2,
                    mask: NonceBitmap::of_nonces(2, [512 + 3, 512 + 5]),
                    bitmap: NonceBitmap::of_nonces(2, [512, 512 + 3, 512 + 5]),
                })
            ))
        );
    }
}
