//! The travel rule: an IVMS101 record (version 101.2023) for every payment
//! or refund between a merchant and another provider's custodial wallet,
//! and for sponsored payments from unhosted wallets above the operator's
//! threshold, with a receipt the gateway signs over the record's hash
//! (docs/gateway.md, Travel rule; docs/audit.md says why a receipt and not
//! a field on chain).
//!
//! How the gateway knows a wallet is custodial: the operator registers the
//! addresses other providers host (`PUT /admin/travel-rule/vasp-addresses/
//! {address}`, from its counterparty due diligence and the providers'
//! address lists); any other address is unhosted. The merchant's side is
//! always the operator's own customer, so a record is built when the
//! customer's side is registered (the provider and its account holder are
//! in the registry) or declared (an unhosted wallet's self-declaration).
//!
//! The record is JSON with sorted keys and no spaces, so its bytes, and the
//! SHA-256 the receipt signs, are the same each time it is parsed and
//! written again.
use crate::AppState;
use crate::config::TravelRulePolicy;
use crate::store::travel_rule::{self as rows, Record, SelfDeclaration, VaspAddress};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::AnyConnection;
use utoipa::ToSchema;
use zeroize::Zeroizing;

/// The IVMS101 version the records follow.
pub const PAYLOAD_VERSION: &str = "101.2023";

/// What the receipt's signature covers comes after this line, so that the
/// key signs nothing else that could be mistaken for a receipt.
const RECEIPT_DOMAIN: &[u8] = b"yenpay travel-rule receipt v1\n";

/// The sealing context of the receipts' key.
const KEY_CONTEXT: &str = "travel-rule-receipt-key";

/// Why a travel-rule input or record is refused.
#[derive(Debug, thiserror::Error)]
pub enum TravelRuleError {
    /// A field IVMS101 limits (Latin letters, lengths, country codes).
    #[error("{0}")]
    Invalid(String),
    /// The receipts' key does not open with this gateway's KEK.
    #[error("the travel-rule receipt key: {0}")]
    Key(#[from] crate::crypto::CryptoError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// IVMS101's `Max<N>Text`: printable ASCII (Latin letters), 1 to `max`.
pub fn latin(field: &str, value: &str, max: usize) -> Result<(), TravelRuleError> {
    if value.is_empty() || value.len() > max || !value.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return Err(TravelRuleError::Invalid(format!(
            "{field}: 1 to {max} Latin letters, digits, spaces or punctuation (romanized, as IVMS101 carries names)"
        )));
    }
    Ok(())
}

/// An ISO 3166-1 alpha-2 code (or `XX`, unknown), as IVMS101's `CountryCode`.
pub fn country(field: &str, value: &str) -> Result<(), TravelRuleError> {
    if value.len() != 2 || !value.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(TravelRuleError::Invalid(format!(
            "{field}: two capital letters, ISO 3166-1 alpha-2"
        )));
    }
    Ok(())
}

/// An LEI: 18 capital letters or digits and 2 check digits.
pub fn lei(field: &str, value: &str) -> Result<(), TravelRuleError> {
    let ok = value.len() == 20
        && value[..18]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && value[18..].bytes().all(|b| b.is_ascii_digit());
    if !ok {
        return Err(TravelRuleError::Invalid(format!(
            "{field}: an LEI, 20 characters (ISO 17442)"
        )));
    }
    Ok(())
}

/// Checks the operator's settings at start.
///
/// # Errors
/// The first setting IVMS101 could not carry.
pub fn check_policy(policy: &TravelRulePolicy) -> Result<(), TravelRuleError> {
    latin("vasp name", &policy.vasp_name, 100)?;
    country("vasp country", &policy.vasp_country)?;
    if let Some(value) = &policy.vasp_lei {
        lei("vasp LEI", value)?;
    }
    Ok(())
}

/// Checks a registry entry as the operator gives it.
///
/// # Errors
/// The first field IVMS101 could not carry.
pub fn check_vasp_address(entry: &VaspAddress) -> Result<(), TravelRuleError> {
    latin("vaspName", &entry.vasp_name, 100)?;
    country("vaspCountry", &entry.vasp_country)?;
    if let Some(value) = &entry.vasp_lei {
        lei("vaspLei", value)?;
    }
    if !matches!(entry.holder_kind.as_str(), "NATURAL" | "LEGAL") {
        return Err(TravelRuleError::Invalid(
            "holderKind: NATURAL or LEGAL".to_owned(),
        ));
    }
    latin("holderName", &entry.holder_name, 100)?;
    latin("holderCustomerId", &entry.holder_customer_id, 50)
}

/// Checks a self-declaration: a name and an address (line and town) or a
/// date and place of birth, in Latin letters.
///
/// # Errors
/// The first field missing or IVMS101 could not carry.
pub fn check_declaration(d: &SelfDeclaration, today: &str) -> Result<(), TravelRuleError> {
    latin("name", &d.name, 100)?;
    country("country", &d.country)?;
    let address = match (&d.address_line, &d.town) {
        (Some(line), Some(town)) => {
            latin("addressLine", line, 70)?;
            latin("town", town, 35)?;
            true
        }
        (None, None) => false,
        _ => {
            return Err(TravelRuleError::Invalid(
                "addressLine and town go together".to_owned(),
            ));
        }
    };
    let birth = match (&d.date_of_birth, &d.place_of_birth) {
        (Some(date), Some(place)) => {
            let parsed = time::Date::parse(
                date,
                time::macros::format_description!("[year]-[month]-[day]"),
            );
            // IVMS101 C2: a date of birth lies in the past.
            if parsed.is_err() || date.as_str() >= today {
                return Err(TravelRuleError::Invalid(
                    "dateOfBirth: YYYY-MM-DD, before today".to_owned(),
                ));
            }
            latin("placeOfBirth", place, 70)?;
            true
        }
        (None, None) => false,
        _ => {
            return Err(TravelRuleError::Invalid(
                "dateOfBirth and placeOfBirth go together".to_owned(),
            ));
        }
    };
    if !address && !birth {
        return Err(TravelRuleError::Invalid(
            "an address (addressLine and town) or a date and place of birth".to_owned(),
        ));
    }
    Ok(())
}

/// One side of a transfer.
#[derive(Debug, Clone)]
pub enum Customer {
    /// A wallet another provider hosts, as registered.
    Hosted(VaspAddress),
    /// An unhosted wallet whose customer declared who they are.
    Declared(SelfDeclaration),
}

/// The merchant, the operator's customer.
#[derive(Debug, Clone)]
pub struct MerchantParty<'a> {
    /// The gateway's id (`mer_...`): its customer identification.
    pub id: &'a str,
    /// The merchant's account.
    pub address: &'a str,
    /// Its name (the EMVCo name: printable ASCII).
    pub name: &'a str,
}

fn natural_person(name: &str) -> Value {
    json!({"nameIdentifier": [{"primaryIdentifier": name, "naturalPersonNameIdentifierType": "LEGL"}]})
}

fn legal_name(name: &str) -> Value {
    json!({"nameIdentifier": [{"legalPersonName": name, "legalPersonNameIdentifierType": "LEGL"}]})
}

/// The customer as an IVMS101 `Person`.
fn customer_person(customer: &Customer, account: &str) -> Value {
    match customer {
        // IVMS101 C1 and C4: an originator carries an identification
        // besides its name; the provider's customer id is the one known.
        Customer::Hosted(v) if v.holder_kind == "LEGAL" => json!({
            "legalPerson": {
                "name": legal_name(&v.holder_name),
                "customerIdentification": v.holder_customer_id,
            },
            "accountNumber": [account],
        }),
        Customer::Hosted(v) => json!({
            "naturalPerson": {
                "name": natural_person(&v.holder_name),
                "customerIdentification": v.holder_customer_id,
            },
            "accountNumber": [account],
        }),
        Customer::Declared(d) => {
            let mut person = json!({
                "name": natural_person(&d.name),
                "countryOfResidence": d.country,
            });
            if let (Some(line), Some(town)) = (&d.address_line, &d.town) {
                person["geographicAddress"] = json!([{
                    "addressType": "HOME",
                    "addressLine": [line],
                    "townName": town,
                    "country": d.country,
                }]);
            }
            if let (Some(date), Some(place)) = (&d.date_of_birth, &d.place_of_birth) {
                person["dateAndPlaceOfBirth"] = json!({"dateOfBirth": date, "placeOfBirth": place});
            }
            json!({"naturalPerson": person, "accountNumber": [account]})
        }
    }
}

fn merchant_person(merchant: &MerchantParty<'_>, country: &str) -> Value {
    json!({
        "legalPerson": {
            "name": legal_name(merchant.name),
            // IVMS101 C4: an originating legal person carries an address,
            // a national identification or a customer identification.
            "customerIdentification": merchant.id,
            "countryOfRegistration": country,
        },
        "accountNumber": [merchant.address],
    })
}

fn vasp(name: &str, lei: Option<&str>, country: &str) -> Value {
    let mut legal = json!({"name": legal_name(name), "countryOfRegistration": country});
    if let Some(lei) = lei {
        legal["nationalIdentification"] =
            json!({"nationalIdentifier": lei, "nationalIdentifierType": "LEIX"});
    }
    json!({"legalPerson": legal})
}

/// Which way the money went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The customer paid the merchant.
    Payment,
    /// The merchant refunded the customer.
    Refund,
}

impl Direction {
    /// `PAYMENT`, `REFUND`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Payment => "PAYMENT",
            Self::Refund => "REFUND",
        }
    }
}

/// The IVMS101 payload of a transfer between `customer` (at `account`) and
/// `merchant`, the operator being the merchant's VASP.
pub fn ivms101(
    policy: &TravelRulePolicy,
    direction: Direction,
    customer: &Customer,
    account: &str,
    merchant: &MerchantParty<'_>,
) -> Value {
    let customer_side = customer_person(customer, account);
    let merchant_side = merchant_person(merchant, &policy.vasp_country);
    let operator = vasp(
        &policy.vasp_name,
        policy.vasp_lei.as_deref(),
        &policy.vasp_country,
    );
    // An unhosted wallet has no VASP: the element is left out.
    let provider = match customer {
        Customer::Hosted(v) => Some(vasp(&v.vasp_name, v.vasp_lei.as_deref(), &v.vasp_country)),
        Customer::Declared(_) => None,
    };
    let (originator, beneficiary, originating, beneficiary_vasp) = match direction {
        Direction::Payment => (customer_side, merchant_side, provider, Some(operator)),
        Direction::Refund => (merchant_side, customer_side, Some(operator), provider),
    };
    let mut payload = json!({
        "originator": {"originatorPerson": [originator]},
        "beneficiary": {"beneficiaryPerson": [beneficiary]},
        "payloadMetadata": {"payloadVersion": PAYLOAD_VERSION},
    });
    if let Some(v) = originating {
        payload["originatingVASP"] = json!({"originatingVASP": v});
    }
    if let Some(v) = beneficiary_vasp {
        payload["beneficiaryVASP"] = json!({"beneficiaryVASP": v});
    }
    payload
}

/// A record's receipt: the gateway's Ed25519 signature over the record's
/// id, kind, reference, hash and time (`receipt_message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    /// `trr_...`.
    pub record_id: String,
    /// `PAYMENT` or `REFUND`.
    pub kind: String,
    /// The payment's chain event id, or the refund's id.
    pub reference: String,
    /// SHA-256 of the IVMS101 JSON's bytes, hex.
    pub record_hash: String,
    /// Unix seconds.
    pub issued_at: i64,
    /// The gateway's receipt key (Ed25519), hex.
    pub public_key: String,
    /// The signature, hex.
    pub signature: String,
}

/// The bytes a receipt signs.
pub fn receipt_message(
    record_id: &str,
    kind: &str,
    reference: &str,
    record_hash: &str,
    issued_at: i64,
) -> Vec<u8> {
    let mut message = RECEIPT_DOMAIN.to_vec();
    message.extend_from_slice(
        format!("{record_id}\n{kind}\n{reference}\n{record_hash}\n{issued_at}").as_bytes(),
    );
    message
}

/// Why a receipt does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// The record's bytes do not hash to the receipt's hash.
    #[error("the record does not hash to the receipt's record hash")]
    HashMismatch,
    /// The public key is not the one expected, or not a key.
    #[error("the receipt is signed by another key")]
    WrongKey,
    /// The signature does not verify.
    #[error("the receipt's signature does not verify")]
    BadSignature,
}

/// Verifies `receipt` for `ivms101` (the record's JSON as exported) under
/// `trusted_key` (hex, from `GET /admin/travel-rule/receipt-key`).
///
/// # Errors
/// What does not hold.
pub fn verify_receipt(
    receipt: &Receipt,
    ivms101: &[u8],
    trusted_key: &str,
) -> Result<(), ReceiptError> {
    if crate::crypto::sha256_hex(ivms101) != receipt.record_hash {
        return Err(ReceiptError::HashMismatch);
    }
    if !receipt.public_key.eq_ignore_ascii_case(trusted_key) {
        return Err(ReceiptError::WrongKey);
    }
    let key: [u8; 32] =
        const_hex::decode_to_array(&receipt.public_key).map_err(|_| ReceiptError::WrongKey)?;
    let key = VerifyingKey::from_bytes(&key).map_err(|_| ReceiptError::WrongKey)?;
    let signature: [u8; 64] =
        const_hex::decode_to_array(&receipt.signature).map_err(|_| ReceiptError::BadSignature)?;
    let message = receipt_message(
        &receipt.record_id,
        &receipt.kind,
        &receipt.reference,
        &receipt.record_hash,
        receipt.issued_at,
    );
    key.verify_strict(&message, &ed25519_dalek::Signature::from_bytes(&signature))
        .map_err(|_| ReceiptError::BadSignature)
}

/// The receipts' signing key: made, sealed and stored by the first replica
/// that needs one (inside the caller's transaction), opened with the KEK.
///
/// # Errors
/// When the database fails or the key does not open.
pub async fn receipt_signer(
    state: &AppState,
    conn: &mut AnyConnection,
) -> Result<SigningKey, TravelRuleError> {
    if rows::receipt_key(conn).await?.is_none() {
        let mut secret = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(secret.as_mut());
        let key = SigningKey::from_bytes(&secret);
        let public = const_hex::encode(key.verifying_key().as_bytes());
        let sealed = state.kek.seal(KEY_CONTEXT, secret.as_ref());
        let now = state.clock.now();
        if rows::insert_receipt_key(conn, &public, &sealed, now).await? {
            // A key issued is audited (its public half; the secret never).
            crate::store::audit_log::append_in(
                conn,
                &crate::store::audit_log::NewEntry {
                    actor: "gateway",
                    action: "TRAVEL_RULE_RECEIPT_KEY_CREATED",
                    subject: &public,
                    details: json!({"publicKey": public}),
                },
                now,
            )
            .await?;
        }
    }
    let (_, sealed) = rows::receipt_key(conn)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    let secret = state.kek.open(KEY_CONTEXT, &sealed)?;
    let secret: [u8; 32] = secret
        .as_slice()
        .try_into()
        .map_err(|_| crate::crypto::CryptoError::Unseal)?;
    Ok(SigningKey::from_bytes(&secret))
}

/// A transfer to record.
#[derive(Debug, Clone)]
pub struct Transfer<'a> {
    /// Payment or refund.
    pub direction: Direction,
    /// The payment's chain event id, or the refund's id.
    pub reference: &'a str,
    /// The merchant.
    pub merchant: MerchantParty<'a>,
    /// The payment's order reference.
    pub order_ref: Option<&'a str>,
    /// The payment's code, where the customer may have declared who they are.
    pub code_id: Option<&'a str>,
    /// The customer's account.
    pub customer: &'a str,
    /// Yen.
    pub amount: i64,
}

/// Who the customer of `transfer` is for the travel rule: a registered
/// provider's account holder, a customer who declared who they are for the
/// code, or nobody the rule asks about (`None`).
///
/// # Errors
/// When the database fails.
pub async fn customer_of(
    conn: &mut AnyConnection,
    transfer: &Transfer<'_>,
) -> Result<Option<Customer>, sqlx::Error> {
    if let Some(hosted) = rows::vasp_of(conn, transfer.customer).await? {
        return Ok(Some(Customer::Hosted(hosted)));
    }
    if let Some(code_id) = transfer.code_id
        && let Some(declared) = rows::declaration(conn, code_id, transfer.customer).await?
    {
        return Ok(Some(Customer::Declared(declared)));
    }
    Ok(None)
}

/// Builds, signs and stores the record of `transfer` inside the caller's
/// transaction, when the rule asks for one; returns its id (`None`: none
/// needed, or one was stored before for the same transfer).
///
/// # Errors
/// When the database fails or the receipt key does not open.
pub async fn record(
    state: &AppState,
    conn: &mut AnyConnection,
    transfer: &Transfer<'_>,
) -> Result<Option<String>, TravelRuleError> {
    let Some(customer) = customer_of(conn, transfer).await? else {
        return Ok(None);
    };
    let policy = &state.config.compliance.travel_rule;
    let payload = ivms101(
        policy,
        transfer.direction,
        &customer,
        transfer.customer,
        &transfer.merchant,
    );
    // serde_json writes a Value's keys in one order each time: the bytes
    // are stable across export and parsing again.
    let text =
        serde_json::to_string(&payload).map_err(|e| TravelRuleError::Invalid(e.to_string()))?;
    let record_hash = crate::crypto::sha256_hex(text.as_bytes());
    let record_hash_copy = record_hash.clone();
    let record_id = format!("trr_{}", crate::crypto::random_hex(12));
    let now = state.clock.now();
    let signer = receipt_signer(state, conn).await?;
    let kind = transfer.direction.as_str();
    let signature = signer.sign(&receipt_message(
        &record_id,
        kind,
        transfer.reference,
        &record_hash,
        now,
    ));
    let (originator, beneficiary) = match transfer.direction {
        Direction::Payment => (transfer.customer, transfer.merchant.address),
        Direction::Refund => (transfer.merchant.address, transfer.customer),
    };
    let stored = rows::insert_record(
        conn,
        &Record {
            record_id: record_id.clone(),
            kind: kind.to_owned(),
            reference: transfer.reference.to_owned(),
            merchant_address: transfer.merchant.address.to_owned(),
            order_ref: transfer.order_ref.map(str::to_owned),
            originator_address: originator.to_owned(),
            beneficiary_address: beneficiary.to_owned(),
            amount: transfer.amount,
            ivms101: text,
            record_hash,
            receipt_key: const_hex::encode(signer.verifying_key().as_bytes()),
            receipt_signature: const_hex::encode(signature.to_bytes()),
            created_at: now,
        },
    )
    .await?;
    if !stored {
        return Ok(None);
    }
    // The hash (never the personal data) joins the audit log's chain too.
    crate::store::audit_log::append_in(
        conn,
        &crate::store::audit_log::NewEntry {
            actor: "gateway",
            action: "TRAVEL_RULE_RECORDED",
            subject: &record_id,
            details: json!({
                "kind": kind,
                "reference": transfer.reference,
                "recordHash": record_hash_copy,
            }),
        },
        now,
    )
    .await?;
    Ok(Some(record_id))
}

/// A stored record as the operator exports it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecordView {
    /// `trr_...`.
    pub record_id: String,
    /// `PAYMENT` or `REFUND`.
    pub kind: String,
    /// The payment's chain event id, or the refund's id.
    pub reference: String,
    /// The merchant.
    pub merchant_address: String,
    /// The payment's order reference.
    pub order_ref: Option<String>,
    /// Who sent the money.
    pub originator_address: String,
    /// Who received it.
    pub beneficiary_address: String,
    /// Yen.
    pub amount: i64,
    /// The IVMS101 payload (101.2023).
    #[schema(value_type = Object)]
    pub ivms101: Value,
    /// The same payload as the exact text the receipt's hash covers (a
    /// verifier hashes these bytes, whatever its JSON library writes).
    pub ivms101_json: String,
    /// The receipt over the payload's hash.
    pub receipt: Receipt,
}

impl RecordView {
    /// The view of a stored record.
    ///
    /// # Errors
    /// When the stored payload is not JSON.
    pub fn of(r: Record) -> Result<Self, serde_json::Error> {
        Ok(Self {
            ivms101: serde_json::from_str(&r.ivms101)?,
            ivms101_json: r.ivms101.clone(),
            receipt: Receipt {
                record_id: r.record_id.clone(),
                kind: r.kind.clone(),
                reference: r.reference.clone(),
                record_hash: r.record_hash,
                issued_at: r.created_at,
                public_key: r.receipt_key,
                signature: r.receipt_signature,
            },
            record_id: r.record_id,
            kind: r.kind,
            reference: r.reference,
            merchant_address: r.merchant_address,
            order_ref: r.order_ref,
            originator_address: r.originator_address,
            beneficiary_address: r.beneficiary_address,
            amount: r.amount,
        })
    }
}

/// What the wallet page (or a wallet calling `/v2/sponsor`) sends as the
/// customer's self-declaration: a name, a country, and an address (line and
/// town) or a date and place of birth, in Latin letters.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeclarationInput {
    /// The customer's name (romanized, at most 100).
    pub name: String,
    /// Their country of residence, ISO 3166-1 alpha-2.
    pub country: String,
    /// Their address's street line (at most 70; with `town`).
    pub address_line: Option<String>,
    /// Their address's town (at most 35).
    pub town: Option<String>,
    /// Their date of birth, `YYYY-MM-DD` (with `placeOfBirth`).
    pub date_of_birth: Option<String>,
    /// Their place of birth (at most 70).
    pub place_of_birth: Option<String>,
}

/// Empty text is no value (a form's untouched field).
fn given(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Why a sponsored payment's self-declaration is refused.
#[derive(Debug, thiserror::Error)]
pub enum DeclarationError {
    /// Above the threshold from an unhosted wallet, and none was sent.
    #[error(
        "payments above {threshold} yen from a wallet no provider hosts need the customer's self-declaration (name, and address or date and place of birth)"
    )]
    Required {
        /// The operator's threshold, yen.
        threshold: i64,
    },
    /// One was sent and does not hold.
    #[error("the self-declaration: {0}")]
    Invalid(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Before the gateway sponsors `amount` yen of `payer` for `code_id`: above
/// the operator's threshold, a payer no registered provider hosts must have
/// declared who they are, now (`input`, stored for the code's record) or
/// earlier for the same code. Nothing is asked at or below the threshold,
/// nor of a hosted wallet (its provider holds the data).
///
/// # Errors
/// `Required` without a declaration, `Invalid` for one that does not hold.
pub async fn require_declaration(
    state: &AppState,
    code_id: &str,
    payer: &str,
    amount: i64,
    input: Option<&DeclarationInput>,
) -> Result<(), DeclarationError> {
    let Some(threshold) = state.config.compliance.travel_rule.unhosted_threshold else {
        return Ok(());
    };
    if amount <= threshold {
        return Ok(());
    }
    let mut conn = state.db.pool.acquire().await?;
    if rows::vasp_of(&mut conn, payer).await?.is_some() {
        return Ok(());
    }
    let Some(input) = input else {
        if rows::declaration(&mut conn, code_id, payer)
            .await?
            .is_some()
        {
            return Ok(());
        }
        return Err(DeclarationError::Required { threshold });
    };
    drop(conn);
    let now = state.clock.now();
    let declaration = SelfDeclaration {
        code_id: code_id.to_owned(),
        payer: payer.to_owned(),
        name: input.name.trim().to_owned(),
        address_line: given(&input.address_line),
        town: given(&input.town),
        date_of_birth: given(&input.date_of_birth),
        place_of_birth: given(&input.place_of_birth),
        country: input.country.trim().to_owned(),
        created_at: now,
    };
    check_declaration(&declaration, &crate::compliance::limits::jst_keys(now).0)
        .map_err(|e| DeclarationError::Invalid(e.to_string()))?;
    rows::set_declaration(&state.db, &declaration).await?;
    Ok(())
}
