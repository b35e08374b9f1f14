//! Sequence numbers of the accounts the gateway signs for, in the database.
//!
//! Every replica signs cancellations, captures and refunds with the
//! merchants' terminal and payout keys, and collections with the operator's.
//! With the client's own counter, two replicas signing for one terminal
//! picked the same number and the node
//! refused the second (`SEQUENCE_NUMBER_TOO_OLD`). Here each number is taken
//! by one atomic statement, so replicas on one database never hand out the
//! same number; a number the node refuses is dropped and read from the chain
//! again, as the client does with its own counter.
use aptos_sdk::types::AccountAddress;
use sqlx::{AnyPool, Row};
use yenpay_client::sequence::{SequenceError, SequenceFuture, SequenceNumbers};

/// [`SequenceNumbers`] kept in the gateway's database.
#[derive(Debug, Clone)]
pub struct DbSequenceNumbers {
    pool: AnyPool,
}

impl DbSequenceNumbers {
    /// On `pool`.
    pub fn new(pool: AnyPool) -> Self {
        Self { pool }
    }
}

fn failed(error: sqlx::Error) -> SequenceError {
    SequenceError(error.to_string())
}

fn number(value: i64) -> Result<u64, SequenceError> {
    u64::try_from(value)
        .map_err(|_| SequenceError(format!("a stored sequence number is negative: {value}")))
}

impl SequenceNumbers for DbSequenceNumbers {
    fn take(
        &self,
        sender: AccountAddress,
    ) -> SequenceFuture<'_, Result<Option<u64>, SequenceError>> {
        Box::pin(async move {
            let row = sqlx::query(
                "UPDATE signer_sequences SET next_seq = next_seq + 1 WHERE address = $1 RETURNING next_seq - 1",
            )
            .bind(sender.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(failed)?;
            row.map(|row| number(row.try_get::<i64, _>(0).map_err(failed)?))
                .transpose()
        })
    }

    fn take_from(
        &self,
        sender: AccountAddress,
        on_chain: u64,
    ) -> SequenceFuture<'_, Result<u64, SequenceError>> {
        Box::pin(async move {
            let on_chain = i64::try_from(on_chain)
                .map_err(|_| SequenceError(format!("sequence number {on_chain} out of range")))?;
            let row = sqlx::query(
                "INSERT INTO signer_sequences (address, next_seq) VALUES ($1, $2 + 1) \
                 ON CONFLICT (address) DO UPDATE SET next_seq = CASE \
                   WHEN signer_sequences.next_seq > $2 THEN signer_sequences.next_seq + 1 ELSE $2 + 1 END \
                 RETURNING next_seq - 1",
            )
            .bind(sender.to_string())
            .bind(on_chain)
            .fetch_one(&self.pool)
            .await
            .map_err(failed)?;
            number(row.try_get::<i64, _>(0).map_err(failed)?)
        })
    }

    fn forget(&self, sender: AccountAddress) -> SequenceFuture<'_, Result<(), SequenceError>> {
        Box::pin(async move {
            sqlx::query("DELETE FROM signer_sequences WHERE address = $1")
                .bind(sender.to_string())
                .execute(&self.pool)
                .await
                .map_err(failed)?;
            Ok(())
        })
    }
}
