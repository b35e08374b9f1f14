//! Where a client takes each sender's next sequence number from.
//!
//! By default the client keeps them in its own memory
//! ([`LocalSequenceNumbers`]): it reads a sender's number from the node once,
//! then hands out the next one to each transaction, so concurrent submissions
//! never pick the same number. That holds within one process only. A service
//! whose replicas sign for the same account (the gateway signs for merchants'
//! terminals) gives the client a shared source instead
//! ([`crate::client::YenPay::with_sequence_numbers`]), so that two processes
//! never sign two transactions with one number (the second would be refused
//! with `SEQUENCE_NUMBER_TOO_OLD`).
use aptos_sdk::types::AccountAddress;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

/// A boxed future, so that [`SequenceNumbers`] can be a trait object.
pub type SequenceFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A shared store of sequence numbers could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("the sequence-number store failed: {0}")]
pub struct SequenceError(pub String);

/// Hands out senders' sequence numbers, each at most once.
pub trait SequenceNumbers: Send + Sync + std::fmt::Debug {
    /// Takes `sender`'s next number, if one is known.
    fn take(
        &self,
        sender: AccountAddress,
    ) -> SequenceFuture<'_, Result<Option<u64>, SequenceError>>;

    /// Takes a number for `sender`, whose sequence number on chain is
    /// `on_chain`: `on_chain` itself, unless a higher next number is already
    /// known (another task or process got there first).
    fn take_from(
        &self,
        sender: AccountAddress,
        on_chain: u64,
    ) -> SequenceFuture<'_, Result<u64, SequenceError>>;

    /// Drops what is known of `sender`, so that its next number is read from
    /// the node again (after a refusal or a timeout).
    fn forget(&self, sender: AccountAddress) -> SequenceFuture<'_, Result<(), SequenceError>>;
}

/// The client's own memory: right for one process signing for an account.
#[derive(Debug, Default)]
pub struct LocalSequenceNumbers {
    next: Mutex<HashMap<AccountAddress, u64>>,
}

impl LocalSequenceNumbers {
    fn with_next<T>(&self, f: impl FnOnce(&mut HashMap<AccountAddress, u64>) -> T) -> T {
        let mut next = self
            .next
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut next)
    }
}

impl SequenceNumbers for LocalSequenceNumbers {
    fn take(
        &self,
        sender: AccountAddress,
    ) -> SequenceFuture<'_, Result<Option<u64>, SequenceError>> {
        let taken = self.with_next(|next| {
            next.get_mut(&sender).map(|slot| {
                let number = *slot;
                *slot += 1;
                number
            })
        });
        Box::pin(async move { Ok(taken) })
    }

    fn take_from(
        &self,
        sender: AccountAddress,
        on_chain: u64,
    ) -> SequenceFuture<'_, Result<u64, SequenceError>> {
        let taken = self.with_next(|next| {
            let slot = next.entry(sender).or_insert(on_chain);
            *slot = (*slot).max(on_chain);
            let number = *slot;
            *slot += 1;
            number
        });
        Box::pin(async move { Ok(taken) })
    }

    fn forget(&self, sender: AccountAddress) -> SequenceFuture<'_, Result<(), SequenceError>> {
        self.with_next(|next| next.remove(&sender));
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_sequence_numbers_never_repeat() {
        let numbers = LocalSequenceNumbers::default();
        let sender = AccountAddress::from_hex("0xcafe").unwrap();
        assert_eq!(numbers.take(sender).await.unwrap(), None);
        assert_eq!(numbers.take_from(sender, 7).await.unwrap(), 7);
        // A concurrent first read that arrives later does not reset the counter.
        assert_eq!(numbers.take_from(sender, 7).await.unwrap(), 8);
        assert_eq!(numbers.take(sender).await.unwrap(), Some(9));
        // A chain that moved past what is known wins.
        assert_eq!(numbers.take_from(sender, 20).await.unwrap(), 20);
        numbers.forget(sender).await.unwrap();
        assert_eq!(numbers.take(sender).await.unwrap(), None);
        assert_eq!(numbers.take_from(sender, 12).await.unwrap(), 12);
    }
}
