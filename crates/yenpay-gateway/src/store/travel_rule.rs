//! Travel-rule rows (migration `0015_travel_rule.sql`): the registry of
//! addresses other providers host (`vasp_addresses`), the IVMS101 records
//! and their receipts (`travel_rule_records`), the receipts' sealed signing
//! key (`travel_rule_keys`) and unhosted wallets' self-declarations
//! (`self_declarations`). The records are built in
//! `crate::compliance::travel_rule`; this module only reads and writes.
//! Every row here but the key holds personal data: nothing here logs.
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};
use utoipa::ToSchema;

/// An address another provider hosts, as the operator registered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VaspAddress {
    /// The account address, `0x` and 64 hex digits.
    pub address: String,
    /// The provider's legal name.
    pub vasp_name: String,
    /// The provider's LEI, when it has one.
    pub vasp_lei: Option<String>,
    /// The provider's country (ISO 3166-1 alpha-2).
    pub vasp_country: String,
    /// `NATURAL` or `LEGAL`: the account holder.
    pub holder_kind: String,
    /// The account holder's name as the provider identified it.
    pub holder_name: String,
    /// The id the provider gave the holder (IVMS101 `customerIdentification`).
    pub holder_customer_id: String,
    /// Unix seconds.
    pub updated_at: i64,
}

fn vasp_address(row: &AnyRow) -> Result<VaspAddress, sqlx::Error> {
    Ok(VaspAddress {
        address: row.try_get("address")?,
        vasp_name: row.try_get("vasp_name")?,
        vasp_lei: row.try_get("vasp_lei")?,
        vasp_country: row.try_get("vasp_country")?,
        holder_kind: row.try_get("holder_kind")?,
        holder_name: row.try_get("holder_name")?,
        holder_customer_id: row.try_get("holder_customer_id")?,
        updated_at: row.try_get("updated_at")?,
    })
}

const VASP_COLUMNS: &str = "address, vasp_name, vasp_lei, vasp_country, holder_kind, holder_name, \
    holder_customer_id, updated_at";

/// Registers `entry` (or replaces the address's entry); returns whether it
/// was registered before.
///
/// # Errors
/// When the database fails.
pub async fn set_vasp_address(
    conn: &mut AnyConnection,
    entry: &VaspAddress,
) -> Result<bool, sqlx::Error> {
    let replaced = sqlx::query("DELETE FROM vasp_addresses WHERE address = $1")
        .bind(&entry.address)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        > 0;
    sqlx::query(&format!(
        "INSERT INTO vasp_addresses ({VASP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(&entry.address)
    .bind(&entry.vasp_name)
    .bind(&entry.vasp_lei)
    .bind(&entry.vasp_country)
    .bind(&entry.holder_kind)
    .bind(&entry.holder_name)
    .bind(&entry.holder_customer_id)
    .bind(entry.updated_at)
    .execute(&mut *conn)
    .await?;
    Ok(replaced)
}

/// Removes an address from the registry; returns whether it was there.
///
/// # Errors
/// When the database fails.
pub async fn remove_vasp_address(pool: &AnyPool, address: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM vasp_addresses WHERE address = $1")
        .bind(address)
        .execute(pool)
        .await?
        .rows_affected()
        > 0)
}

/// The provider hosting `address`, if the operator registered one.
///
/// # Errors
/// When the database fails.
pub async fn vasp_of(
    conn: &mut AnyConnection,
    address: &str,
) -> Result<Option<VaspAddress>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {VASP_COLUMNS} FROM vasp_addresses WHERE address = $1"
    ))
    .bind(address)
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(vasp_address)
    .transpose()
}

/// The registry, by address.
///
/// # Errors
/// When the database fails.
pub async fn vasp_addresses(pool: &AnyPool) -> Result<Vec<VaspAddress>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {VASP_COLUMNS} FROM vasp_addresses ORDER BY address"
    ))
    .fetch_all(pool)
    .await?
    .iter()
    .map(vasp_address)
    .collect()
}

/// A travel-rule record as stored.
#[derive(Debug, Clone)]
pub struct Record {
    /// `trr_...`.
    pub record_id: String,
    /// `PAYMENT` or `REFUND`.
    pub kind: String,
    /// The payment's chain event id, or the refund's id.
    pub reference: String,
    /// The merchant concerned.
    pub merchant_address: String,
    /// The payment's order reference.
    pub order_ref: Option<String>,
    /// Who sent the money.
    pub originator_address: String,
    /// Who received it.
    pub beneficiary_address: String,
    /// Yen.
    pub amount: i64,
    /// The IVMS101 payload, JSON.
    pub ivms101: String,
    /// SHA-256 of `ivms101`'s bytes, hex.
    pub record_hash: String,
    /// The receipt's Ed25519 public key, hex.
    pub receipt_key: String,
    /// The receipt's signature, hex.
    pub receipt_signature: String,
    /// Unix seconds.
    pub created_at: i64,
}

const RECORD_COLUMNS: &str = "record_id, kind, reference, merchant_address, order_ref, \
    originator_address, beneficiary_address, amount, ivms101, record_hash, receipt_key, \
    receipt_signature, created_at";

fn record(row: &AnyRow) -> Result<Record, sqlx::Error> {
    Ok(Record {
        record_id: row.try_get("record_id")?,
        kind: row.try_get("kind")?,
        reference: row.try_get("reference")?,
        merchant_address: row.try_get("merchant_address")?,
        order_ref: row.try_get("order_ref")?,
        originator_address: row.try_get("originator_address")?,
        beneficiary_address: row.try_get("beneficiary_address")?,
        amount: row.try_get("amount")?,
        ivms101: row.try_get("ivms101")?,
        record_hash: row.try_get("record_hash")?,
        receipt_key: row.try_get("receipt_key")?,
        receipt_signature: row.try_get("receipt_signature")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Stores `record` unless one of its kind and reference exists (a payment
/// screened again, a refund request replayed); returns whether it did.
///
/// # Errors
/// When the database fails.
pub async fn insert_record(conn: &mut AnyConnection, r: &Record) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(&format!(
        "INSERT INTO travel_rule_records ({RECORD_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (kind, reference) DO NOTHING"
    ))
    .bind(&r.record_id)
    .bind(&r.kind)
    .bind(&r.reference)
    .bind(&r.merchant_address)
    .bind(&r.order_ref)
    .bind(&r.originator_address)
    .bind(&r.beneficiary_address)
    .bind(r.amount)
    .bind(&r.ivms101)
    .bind(&r.record_hash)
    .bind(&r.receipt_key)
    .bind(&r.receipt_signature)
    .bind(r.created_at)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// Records created in `[from, to)` (Unix seconds), oldest first, at most `limit`.
///
/// # Errors
/// When the database fails.
pub async fn records(
    pool: &AnyPool,
    from: i64,
    to: i64,
    limit: i64,
) -> Result<Vec<Record>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {RECORD_COLUMNS} FROM travel_rule_records \
         WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at, record_id LIMIT $3"
    ))
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(pool)
    .await?
    .iter()
    .map(record)
    .collect()
}

/// One record by id.
///
/// # Errors
/// When the database fails.
pub async fn record_by_id(pool: &AnyPool, id: &str) -> Result<Option<Record>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {RECORD_COLUMNS} FROM travel_rule_records WHERE record_id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(record)
    .transpose()
}

/// The receipts' key: `(public key hex, sealed secret)`, if made.
///
/// # Errors
/// When the database fails.
pub async fn receipt_key(
    conn: &mut AnyConnection,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let row = sqlx::query("SELECT public_key, sealed_secret FROM travel_rule_keys WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| Ok((r.try_get("public_key")?, r.try_get("sealed_secret")?)))
        .transpose()
}

/// Stores a new receipt key unless a replica stored one first (the caller
/// reads again and uses whichever is there); returns whether this one was
/// stored.
///
/// # Errors
/// When the database fails.
pub async fn insert_receipt_key(
    conn: &mut AnyConnection,
    public_key: &str,
    sealed_secret: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "INSERT INTO travel_rule_keys (id, public_key, sealed_secret, created_at) \
         VALUES (1, $1, $2, $3) ON CONFLICT (id) DO NOTHING",
    )
    .bind(public_key)
    .bind(sealed_secret)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// What an unhosted wallet's customer declared for one code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfDeclaration {
    /// The code paid.
    pub code_id: String,
    /// The paying address.
    pub payer: String,
    /// The customer's name.
    pub name: String,
    /// Their address's street line (with `town`; or a date and place of birth).
    pub address_line: Option<String>,
    /// Their address's town.
    pub town: Option<String>,
    /// Their date of birth, `YYYY-MM-DD` (with `place_of_birth`).
    pub date_of_birth: Option<String>,
    /// Their place of birth.
    pub place_of_birth: Option<String>,
    /// Their country of residence (ISO 3166-1 alpha-2).
    pub country: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// Stores (or replaces) a declaration.
///
/// # Errors
/// When the database fails.
pub async fn set_declaration(
    db: &crate::store::Db,
    d: &SelfDeclaration,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM self_declarations WHERE code_id = $1 AND payer = $2")
        .bind(&d.code_id)
        .bind(&d.payer)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO self_declarations (code_id, payer, name, address_line, town, date_of_birth, \
         place_of_birth, country, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&d.code_id)
    .bind(&d.payer)
    .bind(&d.name)
    .bind(&d.address_line)
    .bind(&d.town)
    .bind(&d.date_of_birth)
    .bind(&d.place_of_birth)
    .bind(&d.country)
    .bind(d.created_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// The declaration `payer` made for `code_id`, if any.
///
/// # Errors
/// When the database fails.
pub async fn declaration(
    conn: &mut AnyConnection,
    code_id: &str,
    payer: &str,
) -> Result<Option<SelfDeclaration>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT code_id, payer, name, address_line, town, date_of_birth, place_of_birth, country, created_at \
         FROM self_declarations WHERE code_id = $1 AND payer = $2",
    )
    .bind(code_id)
    .bind(payer)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(SelfDeclaration {
            code_id: r.try_get("code_id")?,
            payer: r.try_get("payer")?,
            name: r.try_get("name")?,
            address_line: r.try_get("address_line")?,
            town: r.try_get("town")?,
            date_of_birth: r.try_get("date_of_birth")?,
            place_of_birth: r.try_get("place_of_birth")?,
            country: r.try_get("country")?,
            created_at: r.try_get("created_at")?,
        })
    })
    .transpose()
}

/// Deletes up to `limit` travel-rule records made before `cutoff` (Unix
/// seconds), oldest first; returns how many.
///
/// # Errors
/// When the database fails.
pub async fn purge_records_before(
    pool: &AnyPool,
    cutoff: i64,
    limit: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "DELETE FROM travel_rule_records WHERE record_id IN \
         (SELECT record_id FROM travel_rule_records WHERE created_at < $1 \
          ORDER BY created_at LIMIT $2)",
    )
    .bind(cutoff)
    .bind(limit)
    .execute(pool)
    .await?
    .rows_affected())
}

/// Deletes up to `limit` self-declarations made before `cutoff`, oldest
/// first; returns how many.
///
/// # Errors
/// When the database fails.
pub async fn purge_declarations_before(
    pool: &AnyPool,
    cutoff: i64,
    limit: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "DELETE FROM self_declarations WHERE (code_id, payer) IN \
         (SELECT code_id, payer FROM self_declarations WHERE created_at < $1 \
          ORDER BY created_at LIMIT $2)",
    )
    .bind(cutoff)
    .bind(limit)
    .execute(pool)
    .await?
    .rows_affected())
}
