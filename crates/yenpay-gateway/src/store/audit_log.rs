//! The audit log's rows (`audit_log`, `audit_head`): append and read. Each
//! entry's hash covers its fields and the previous entry's hash, so an edit,
//! a deletion or an insertion anywhere breaks the chain from there on
//! ([`verify`]). What goes in is the caller's: never a secret
//! (`compliance::audit`).
use crate::store::Db;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};
use utoipa::ToSchema;

/// The hash the first entry links to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An entry to append.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    /// Who acted: `admin`, `merchant:<id>`, `gateway` (a decision of its own).
    pub actor: &'a str,
    /// What: `SCREENING_VERDICT`, `CUSTOMER_TIER_SET`, `API_KEY_ISSUED`, ...
    pub action: &'a str,
    /// What it concerns: an address, a merchant id, a route's path.
    pub subject: &'a str,
    /// More, as a JSON object (ids, codes; never a secret).
    pub details: serde_json::Value,
}

/// An entry as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// 1, 2, 3, ... without gaps.
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    /// Who acted.
    pub actor: String,
    /// What.
    pub action: String,
    /// What it concerns.
    pub subject: String,
    /// A JSON object, as text (the exact bytes hashed).
    pub details: String,
    /// The previous entry's hash (64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 of this entry's fields and `prev_hash`, hex.
    pub hash: String,
}

impl Entry {
    /// The hash its fields give: SHA-256 of the JSON array
    /// `[seq, at, actor, action, subject, details, prev_hash]` (unambiguous
    /// whatever the strings hold), hex.
    pub fn computed_hash(&self) -> String {
        hash_of(
            self.seq,
            self.at,
            &self.actor,
            &self.action,
            &self.subject,
            &self.details,
            &self.prev_hash,
        )
    }
}

fn hash_of(
    seq: i64,
    at: i64,
    actor: &str,
    action: &str,
    subject: &str,
    details: &str,
    prev_hash: &str,
) -> String {
    let canonical = serde_json::json!([seq, at, actor, action, subject, details, prev_hash]);
    crate::crypto::sha256_hex(canonical.to_string().as_bytes())
}

const COLUMNS: &str = "seq, at, actor, action, subject, details, prev_hash, hash";

fn entry(row: &AnyRow) -> Result<Entry, sqlx::Error> {
    Ok(Entry {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        subject: row.try_get("subject")?,
        details: row.try_get("details")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// Appends `new` inside the caller's transaction (it must be one: the head's
/// row stays locked until it commits, which is what keeps two replicas from
/// forking the chain). Returns the entry's sequence number.
///
/// # Errors
/// When the database fails.
pub async fn append_in(
    conn: &mut AnyConnection,
    new: &NewEntry<'_>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    // The UPDATE takes the head's row lock (PostgreSQL) before anything is
    // read; a concurrent append waits here until this transaction ends and
    // then reads the head this one wrote.
    let row = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *conn)
        .await?;
    let seq: i64 = row.try_get("seq")?;
    let prev_hash: String = row.try_get("hash")?;
    let details = new.details.to_string();
    let hash = hash_of(
        seq,
        now,
        new.actor,
        new.action,
        new.subject,
        &details,
        &prev_hash,
    );
    sqlx::query(&format!(
        "INSERT INTO audit_log ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(seq)
    .bind(now)
    .bind(new.actor)
    .bind(new.action)
    .bind(new.subject)
    .bind(&details)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    Ok(seq)
}

/// Appends `new` in a transaction of its own.
///
/// # Errors
/// When the database fails.
pub async fn append(db: &Db, new: &NewEntry<'_>, now: i64) -> Result<i64, sqlx::Error> {
    let mut tx = db.begin().await?;
    let seq = append_in(&mut tx, new, now).await?;
    tx.commit().await?;
    Ok(seq)
}

/// Up to `limit` entries after `after_seq`, in order.
///
/// # Errors
/// When the database fails.
pub async fn page(pool: &AnyPool, after_seq: i64, limit: i64) -> Result<Vec<Entry>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
    ))
    .bind(after_seq)
    .bind(limit)
    .fetch_all(pool)
    .await?
    .iter()
    .map(entry)
    .collect()
}

/// The head: the last sequence number handed out and its entry's hash.
///
/// # Errors
/// When the database fails.
pub async fn head(pool: &AnyPool) -> Result<(i64, String), sqlx::Error> {
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(pool)
        .await?;
    Ok((row.try_get("seq")?, row.try_get("hash")?))
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// Entries read.
    pub entries: i64,
    /// The first entry that does not hold (`None`: the chain is whole).
    pub first_bad: Option<i64>,
    /// Why it does not.
    pub problem: Option<String>,
}

/// Reads the whole log in order and checks every link: sequence numbers
/// 1, 2, 3, ... without gaps, each `prev_hash` the previous entry's hash,
/// each hash recomputed from the fields, and the head naming the last entry.
///
/// # Errors
/// When the database fails.
pub async fn verify(pool: &AnyPool) -> Result<Verification, sqlx::Error> {
    let mut expected_seq = 1;
    let mut prev = GENESIS.to_owned();
    loop {
        let entries = page(pool, expected_seq - 1, 1000).await?;
        if entries.is_empty() {
            break;
        }
        for entry in entries {
            let problem = if entry.seq != expected_seq {
                Some(format!(
                    "entry {expected_seq} is missing (the next is {})",
                    entry.seq
                ))
            } else if entry.prev_hash != prev {
                Some("its previous hash is not the previous entry's hash".to_owned())
            } else if entry.computed_hash() != entry.hash {
                Some("its fields do not give its hash (the entry was edited)".to_owned())
            } else {
                None
            };
            if let Some(problem) = problem {
                return Ok(Verification {
                    entries: expected_seq - 1,
                    first_bad: Some(expected_seq.min(entry.seq)),
                    problem: Some(problem),
                });
            }
            prev = entry.hash;
            expected_seq += 1;
        }
    }
    let (head_seq, head_hash) = head(pool).await?;
    let read = expected_seq - 1;
    if head_seq != read || head_hash != prev {
        return Ok(Verification {
            entries: read,
            first_bad: Some(read + 1),
            problem: Some(format!(
                "the head names entry {head_seq}, but the log ends at entry {read} (entries at the end were removed)"
            )),
        });
    }
    Ok(Verification {
        entries: read,
        first_bad: None,
        problem: None,
    })
}
