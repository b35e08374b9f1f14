//! The travel rule (issue 28, phase 2): the registry of other providers'
//! addresses, the IVMS101 (101.2023) record of a payment from and a refund
//! to such an address, validated against the schema in
//! `tests/data/ivms101.schema.json`, and the gateway's signed receipt over
//! each record's hash, which fails for an edited record, signature or key.

use crate::common::*;
use axum::http::StatusCode;
use serde_json::{Value, json};
use yenpay_gateway::compliance::travel_rule::{
    self, Customer, Direction, MerchantParty, Receipt, ReceiptError,
};
use yenpay_gateway::config::{Config, TravelRulePolicy};
use yenpay_gateway::store::audit_log;
use yenpay_gateway::store::travel_rule::SelfDeclaration;

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ivms101.schema.json"),
    )
    .unwrap();
    jsonschema::draft7::new(&serde_json::from_str(&text).unwrap()).unwrap()
}

/// Every way `payload` breaks the schema, as text (empty: valid).
fn schema_errors(validator: &jsonschema::Validator, payload: &Value) -> Vec<String> {
    validator
        .iter_errors(payload)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn receipt_of(record: &Value) -> Receipt {
    let r = &record["receipt"];
    Receipt {
        record_id: r["recordId"].as_str().unwrap().to_owned(),
        kind: r["kind"].as_str().unwrap().to_owned(),
        reference: r["reference"].as_str().unwrap().to_owned(),
        record_hash: r["recordHash"].as_str().unwrap().to_owned(),
        issued_at: r["issuedAt"].as_i64().unwrap(),
        public_key: r["publicKey"].as_str().unwrap().to_owned(),
        signature: r["signature"].as_str().unwrap().to_owned(),
    }
}

/// A config with screening on (the worker builds a payment's record with
/// its verdict) and the operator named.
fn travel_config(list: &std::path::Path) -> Config {
    let mut config = config();
    config.compliance.list_file = Some(list.to_owned());
    config.compliance.travel_rule = TravelRulePolicy {
        vasp_name: "Yenpay PSP KK".to_owned(),
        vasp_lei: Some("5493001KJTIIGC8Y1R12".to_owned()),
        vasp_country: "JP".to_owned(),
        unhosted_threshold: None,
    };
    config
}

async fn records(gw: &TestGateway) -> Vec<Value> {
    let answer = gw.admin("GET", "/admin/travel-rule/records", None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.body["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_payment_from_and_a_refund_to_another_providers_wallet_get_signed_ivms101_records() {
    let validator = schema();
    for db in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("sanctions.txt");
        // Someone else is listed: the payer is screened and allowed.
        let listed = aptos_sdk::account::Ed25519Account::generate();
        std::fs::write(&list, format!("{} # SDN\n", listed.address().to_hex())).unwrap();
        let gw = TestGateway::with_config(&db, travel_config(&list)).await;
        let m = gw.merchant("SHOP").await;
        let payer = crate::compliance::recorded_payer();
        let path = format!("/admin/travel-rule/vasp-addresses/{payer}");

        // The registry refuses what IVMS101 cannot carry.
        let kanji = gw
            .admin(
                "PUT",
                &path,
                Some(json!({"vaspName": "Other Exchange KK", "vaspCountry": "JP",
                    "holderKind": "NATURAL", "holderName": "山田太郎", "holderCustomerId": "C-77"})),
            )
            .await;
        assert_eq!(kanji.status, StatusCode::BAD_REQUEST, "{}", kanji.text);
        assert!(kanji.text.contains("holderName"), "{}", kanji.text);
        let set = gw
            .admin(
                "PUT",
                &path,
                Some(
                    json!({"vaspName": "Other Exchange KK", "vaspLei": "353800ABCDEFGH123456",
                    "vaspCountry": "JP", "holderKind": "NATURAL", "holderName": "Yamada Taro",
                    "holderCustomerId": "C-77"}),
                ),
            )
            .await;
        assert_eq!(set.status, StatusCode::OK, "{}", set.text);
        let listed = gw
            .admin("GET", "/admin/travel-rule/vasp-addresses", None)
            .await;
        assert_eq!(listed.body["data"][0]["address"], payer.as_str());

        gw.create_code(&m, "F-1", 1000).await;
        pay(&gw, &m, "F-1", 6_000).await;
        assert!(records(&gw).await.is_empty(), "built with the verdict");
        assert_eq!(
            yenpay_gateway::compliance::worker::screen_pending(&gw.state)
                .await
                .unwrap(),
            1
        );
        let payment = records(&gw).await;
        assert_eq!(payment.len(), 1, "{}", db.name);
        let record = &payment[0];
        assert_eq!(record["kind"], "PAYMENT");
        assert_eq!(record["orderRef"], "F-1");
        assert_eq!(record["originatorAddress"], payer.as_str());
        assert_eq!(record["beneficiaryAddress"], m.address.to_hex());
        assert_eq!(record["amount"], 1000);
        let ivms = &record["ivms101"];
        assert_eq!(
            schema_errors(&validator, ivms),
            Vec::<String>::new(),
            "{ivms}"
        );
        assert_eq!(ivms["payloadMetadata"]["payloadVersion"], "101.2023");
        let originator = &ivms["originator"]["originatorPerson"][0];
        assert_eq!(
            originator["naturalPerson"]["name"]["nameIdentifier"][0]["primaryIdentifier"],
            "Yamada Taro"
        );
        assert_eq!(originator["accountNumber"][0], payer.as_str());
        assert_eq!(
            ivms["originatingVASP"]["originatingVASP"]["legalPerson"]["name"]["nameIdentifier"][0]
                ["legalPersonName"],
            "Other Exchange KK"
        );
        assert_eq!(
            ivms["beneficiaryVASP"]["beneficiaryVASP"]["legalPerson"]["nationalIdentification"]["nationalIdentifier"],
            "5493001KJTIIGC8Y1R12"
        );
        assert_eq!(
            ivms["beneficiary"]["beneficiaryPerson"][0]["legalPerson"]["name"]["nameIdentifier"][0]
                ["legalPersonName"],
            "SHOP"
        );

        // The receipt verifies under the pinned key, and nothing else does.
        let key = gw
            .admin("GET", "/admin/travel-rule/receipt-key", None)
            .await;
        let key = key.body["data"]["publicKey"].as_str().unwrap().to_owned();
        let receipt = receipt_of(record);
        let bytes = record["ivms101Json"].as_str().unwrap().as_bytes().to_vec();
        assert_eq!(
            serde_json::from_slice::<Value>(&bytes).unwrap(),
            *ivms,
            "the exact text is the payload"
        );
        assert_eq!(travel_rule::verify_receipt(&receipt, &bytes, &key), Ok(()));
        let mut edited = ivms.clone();
        edited["originator"]["originatorPerson"][0]["naturalPerson"]["name"]["nameIdentifier"][0]
            ["primaryIdentifier"] = json!("Someone Else");
        assert_eq!(
            travel_rule::verify_receipt(&receipt, &serde_json::to_vec(&edited).unwrap(), &key),
            Err(ReceiptError::HashMismatch)
        );
        let mut forged = receipt.clone();
        forged.reference = "evt_1_0".to_owned();
        assert_eq!(
            travel_rule::verify_receipt(&forged, &bytes, &key),
            Err(ReceiptError::BadSignature)
        );
        let other = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let other_key = const_hex::encode(other.verifying_key().as_bytes());
        assert_eq!(
            travel_rule::verify_receipt(&receipt, &bytes, &other_key),
            Err(ReceiptError::WrongKey)
        );
        let one = gw
            .admin(
                "GET",
                &format!(
                    "/admin/travel-rule/records/{}",
                    record["recordId"].as_str().unwrap()
                ),
                None,
            )
            .await;
        assert_eq!(one.body["data"]["receipt"], record["receipt"]);

        // A refund to the same wallet: the merchant originates, the operator
        // is the originating VASP, the other provider the beneficiary's.
        gw.ledger
            .payouts
            .lock()
            .unwrap()
            .insert(m.address, m.terminal);
        let refund = gw
            .call(
                &m,
                "POST",
                "/v2/refunds",
                Some(json!({"merchantRefundId": "F-1-R", "merchantPaymentId": "F-1", "amount": {"amount": 100, "currency": "JPY"}})),
            )
            .await;
        assert!(refund.status.is_success(), "{}", refund.text);
        let all = records(&gw).await;
        assert_eq!(all.len(), 2);
        let refund_record = all.iter().find(|r| r["kind"] == "REFUND").unwrap();
        assert_eq!(refund_record["originatorAddress"], m.address.to_hex());
        assert_eq!(refund_record["beneficiaryAddress"], payer.as_str());
        assert_eq!(refund_record["amount"], 100);
        let ivms = &refund_record["ivms101"];
        assert_eq!(
            schema_errors(&validator, ivms),
            Vec::<String>::new(),
            "{ivms}"
        );
        assert_eq!(
            ivms["originatingVASP"]["originatingVASP"]["legalPerson"]["name"]["nameIdentifier"][0]
                ["legalPersonName"],
            "Yenpay PSP KK"
        );
        assert_eq!(
            travel_rule::verify_receipt(
                &receipt_of(refund_record),
                &serde_json::to_vec(ivms).unwrap(),
                &key
            ),
            Ok(())
        );

        // Out of the registry, a refund to it needs no record.
        assert_eq!(gw.admin("DELETE", &path, None).await.status, StatusCode::OK);
        assert_eq!(
            gw.admin("DELETE", &path, None).await.status,
            StatusCode::NOT_FOUND
        );
        let second = gw
            .call(
                &m,
                "POST",
                "/v2/refunds",
                Some(json!({"merchantRefundId": "F-1-R2", "merchantPaymentId": "F-1", "amount": {"amount": 50, "currency": "JPY"}})),
            )
            .await;
        assert!(second.status.is_success(), "{}", second.text);
        assert_eq!(records(&gw).await.len(), 2);

        // The registry's changes are audited, without the holder's data.
        let entries = audit_log::page(&gw.state.db.pool, 0, 1000).await.unwrap();
        let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
        assert!(
            actions.contains(&"VASP_ADDRESS_SET") && actions.contains(&"VASP_ADDRESS_REMOVED"),
            "{actions:?}"
        );
        let text = serde_json::to_string(&entries).unwrap();
        assert!(!text.contains("Yamada") && !text.contains("C-77"), "{text}");
        assert!(text.contains("Other Exchange KK"), "the provider is named");
        // Each record's hash is in the chain as well.
        let recorded: Vec<&audit_log::Entry> = entries
            .iter()
            .filter(|e| e.action == "TRAVEL_RULE_RECORDED")
            .collect();
        assert_eq!(recorded.len(), 2);
        let keys: Vec<&audit_log::Entry> = entries
            .iter()
            .filter(|e| e.action == "TRAVEL_RULE_RECEIPT_KEY_CREATED")
            .collect();
        assert_eq!(keys.len(), 1, "the key is made once");
        assert_eq!(keys[0].subject, key);
        assert_eq!(recorded[0].subject, record["recordId"].as_str().unwrap());
        assert!(
            recorded[0]
                .details
                .contains(record["receipt"]["recordHash"].as_str().unwrap())
        );
        assert_eq!(
            audit_log::verify(&gw.state.db.pool)
                .await
                .unwrap()
                .first_bad,
            None
        );
    }
}

fn declared(address: bool, birth: bool) -> SelfDeclaration {
    SelfDeclaration {
        code_id: "code_1".to_owned(),
        payer: "0x1".to_owned(),
        name: "Suzuki Hanako".to_owned(),
        address_line: address.then(|| "1-2-3 Chiyoda".to_owned()),
        town: address.then(|| "Tokyo".to_owned()),
        date_of_birth: birth.then(|| "1990-02-25".to_owned()),
        place_of_birth: birth.then(|| "Osaka".to_owned()),
        country: "JP".to_owned(),
        created_at: 0,
    }
}

#[test]
fn an_unhosted_wallets_declaration_makes_a_valid_record_and_the_schema_bites() {
    let validator = schema();
    let policy = TravelRulePolicy::default();
    let merchant = MerchantParty {
        id: "mer_1",
        address: "0x2",
        name: "SHOP",
    };
    for (address, birth) in [(true, false), (false, true), (true, true)] {
        let d = declared(address, birth);
        assert!(travel_rule::check_declaration(&d, "2026-12-07").is_ok());
        for direction in [Direction::Payment, Direction::Refund] {
            let payload = travel_rule::ivms101(
                &policy,
                direction,
                &Customer::Declared(d.clone()),
                "0x1",
                &merchant,
            );
            assert_eq!(
                schema_errors(&validator, &payload),
                Vec::<String>::new(),
                "{payload}"
            );
            // An unhosted wallet has no VASP.
            let missing = match direction {
                Direction::Payment => "originatingVASP",
                Direction::Refund => "beneficiaryVASP",
            };
            assert!(payload.get(missing).is_none(), "{payload}");
        }
    }
    // What the rule asks of an originator: a name and an address or a birth.
    let refused = [
        declared(false, false),
        SelfDeclaration {
            name: "鈴木花子".to_owned(),
            ..declared(true, false)
        },
        SelfDeclaration {
            date_of_birth: Some("2026-12-07".to_owned()),
            ..declared(false, true)
        },
        SelfDeclaration {
            town: None,
            ..declared(true, false)
        },
        SelfDeclaration {
            country: "Japan".to_owned(),
            ..declared(true, false)
        },
    ];
    for d in refused {
        assert!(
            travel_rule::check_declaration(&d, "2026-12-07").is_err(),
            "{d:?}"
        );
    }

    // The schema is not a formality: each of these breaks it.
    let good = travel_rule::ivms101(
        &policy,
        Direction::Payment,
        &Customer::Declared(declared(true, false)),
        "0x1",
        &merchant,
    );
    let person = "/originator/originatorPerson/0/naturalPerson";
    let broken: Vec<(&str, Value)> = vec![
        ("no LEGL name (C6)", json!("ALIA")),
        ("no identification (C1)", Value::Null),
        ("a kanji name", json!("鈴木")),
        ("a version that is not IVMS101's", json!("102")),
    ];
    for (what, value) in broken {
        let mut payload = good.clone();
        match what {
            "no LEGL name (C6)" => {
                *payload
                    .pointer_mut(&format!(
                        "{person}/name/nameIdentifier/0/naturalPersonNameIdentifierType"
                    ))
                    .unwrap() = value;
            }
            "no identification (C1)" => {
                let p = payload
                    .pointer_mut(person)
                    .unwrap()
                    .as_object_mut()
                    .unwrap();
                p.remove("geographicAddress");
            }
            "a kanji name" => {
                *payload
                    .pointer_mut(&format!("{person}/name/nameIdentifier/0/primaryIdentifier"))
                    .unwrap() = value;
            }
            _ => payload["payloadMetadata"]["payloadVersion"] = value,
        }
        assert!(
            !schema_errors(&validator, &payload).is_empty(),
            "{what}: {payload}"
        );
    }
    let mut both = good.clone();
    both["originator"]["originatorPerson"][0]["legalPerson"] = json!({"name": {"nameIdentifier": [{"legalPersonName": "X", "legalPersonNameIdentifierType": "LEGL"}]}});
    assert!(
        !schema_errors(&validator, &both).is_empty(),
        "a person is natural or legal"
    );
}

/// Pays `order` (created here) sponsored as `customer`, with `declaration`.
async fn sponsored(
    gw: &TestGateway,
    m: &TestMerchant,
    customer: &aptos_sdk::account::Ed25519Account,
    order: &str,
    amount: u64,
    declaration: Option<Value>,
) -> (Answer, String) {
    let created = gw.create_code(m, order, amount).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let code_id = created.body["data"]["codeId"].as_str().unwrap().to_owned();
    let mut tx = crate::sponsor::Tx::pay(gw, m.address, order, amount).await;
    tx.expiration = yenpay_gateway::Clock::now(gw.clock.as_ref()) as u64 + 60;
    let mut body = tx.body(customer, crate::sponsor::operator(gw));
    if let Some(declaration) = declaration {
        body["declaration"] = declaration;
    }
    (crate::sponsor::post(gw, body).await, code_id)
}

#[tokio::test]
async fn above_the_threshold_an_unhosted_payer_must_declare_who_they_are() {
    let validator = schema();
    for db in backends().await {
        let mut config = config();
        config.compliance.travel_rule.unhosted_threshold = Some(1_000);
        let gw = TestGateway::with_config(&db, config).await;
        let m = gw.merchant("SHOP").await;
        let customer = aptos_sdk::account::Ed25519Account::generate();
        let payer = customer.address().to_hex();
        let log = Capture::install();

        // At the threshold nothing is asked.
        let (at, _) = sponsored(&gw, &m, &customer, "D-1", 1_000, None).await;
        assert_eq!(at.status, StatusCode::CREATED, "{}", at.text);

        // One yen above: refused before anything is claimed or signed.
        let submitted = gw.ledger.calls().len();
        let (above, code_id) = sponsored(&gw, &m, &customer, "D-2", 1_001, None).await;
        assert_eq!(
            (above.status, above.code()),
            (StatusCode::FORBIDDEN, "SELF_DECLARATION_REQUIRED"),
            "{}",
            above.text
        );
        assert_eq!(gw.ledger.calls().len(), submitted, "nothing submitted");
        let mut body = crate::sponsor::Tx::pay(&gw, m.address, "D-2", 1_001).await;
        body.expiration = yenpay_gateway::Clock::now(gw.clock.as_ref()) as u64 + 60;
        let mut body = body.body(&customer, crate::sponsor::operator(&gw));

        // A declaration IVMS101 cannot carry, or an incomplete one, is a 400.
        for bad in [
            json!({"name": "鈴木花子", "country": "JP", "addressLine": "1-2-3 Chiyoda", "town": "Tokyo"}),
            json!({"name": "Suzuki Hanako", "country": "JP"}),
            json!({"name": "Suzuki Hanako", "country": "JP", "dateOfBirth": "2999-01-01", "placeOfBirth": "Osaka"}),
        ] {
            body["declaration"] = bad;
            let answer = crate::sponsor::post(&gw, body.clone()).await;
            assert_eq!(
                (answer.status, answer.code()),
                (StatusCode::BAD_REQUEST, "SELF_DECLARATION_INVALID"),
                "{}",
                answer.text
            );
        }
        body["declaration"] = json!({"name": "Suzuki Hanako", "country": "JP",
            "addressLine": "1-2-3 Chiyoda", "town": "Tokyo", "dateOfBirth": "", "placeOfBirth": ""});
        let answer = crate::sponsor::post(&gw, body).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);

        // Stored for the code, and in the payment's record.
        let mut conn = gw.state.db.pool.acquire().await.unwrap();
        let stored = yenpay_gateway::store::travel_rule::declaration(&mut conn, &code_id, &payer)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                stored.name.as_str(),
                stored.town.as_deref(),
                stored.date_of_birth
            ),
            ("Suzuki Hanako", Some("Tokyo"), None)
        );
        drop(conn);
        let shop =
            yenpay_gateway::store::merchants::by_address(&gw.state.db.pool, &m.address.to_hex())
                .await
                .unwrap()
                .unwrap();
        let transfer = travel_rule::Transfer {
            direction: Direction::Payment,
            reference: "evt_9_0",
            merchant: MerchantParty {
                id: &shop.id,
                address: &shop.address,
                name: &shop.name,
            },
            order_ref: Some("D-2"),
            code_id: Some(&code_id),
            customer: &payer,
            amount: 1_001,
        };
        let mut tx = gw.state.db.begin().await.unwrap();
        let id = travel_rule::record(&gw.state, &mut tx, &transfer)
            .await
            .unwrap()
            .unwrap();
        tx.commit().await.unwrap();
        let record = gw
            .admin("GET", &format!("/admin/travel-rule/records/{id}"), None)
            .await;
        let ivms = &record.body["data"]["ivms101"];
        assert_eq!(
            schema_errors(&validator, ivms),
            Vec::<String>::new(),
            "{ivms}"
        );
        let person = &ivms["originator"]["originatorPerson"][0]["naturalPerson"];
        assert_eq!(
            person["name"]["nameIdentifier"][0]["primaryIdentifier"],
            "Suzuki Hanako"
        );
        assert_eq!(person["geographicAddress"][0]["townName"], "Tokyo");
        assert!(ivms.get("originatingVASP").is_none(), "unhosted: no VASP");

        // A wallet a registered provider hosts declares nothing: its provider holds the data.
        let hosted = aptos_sdk::account::Ed25519Account::generate();
        let set = gw
            .admin(
                "PUT",
                &format!("/admin/travel-rule/vasp-addresses/{}", hosted.address().to_hex()),
                Some(json!({"vaspName": "Other Exchange KK", "vaspCountry": "JP",
                    "holderKind": "LEGAL", "holderName": "Tanaka Shoji KK", "holderCustomerId": "B-9"})),
            )
            .await;
        assert_eq!(set.status, StatusCode::OK, "{}", set.text);
        let (answer, _) = sponsored(&gw, &m, &hosted, "D-3", 5_000, None).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);

        // The declaration is in no log line and no audit entry.
        assert!(!log.text().contains("Suzuki"), "not logged");
        let entries = audit_log::page(&gw.state.db.pool, 0, 1000).await.unwrap();
        assert!(!serde_json::to_string(&entries).unwrap().contains("Suzuki"));
    }
}

/// Retention (`compliance::retention`): records, declarations, verdicts and
/// limit refusals older than the retention are deleted in batches, the
/// younger ones and a verdict still pending stay, the pass is in the audit
/// log (whose chain still verifies), and a second pass deletes nothing.
#[tokio::test]
async fn compliance_records_past_their_retention_are_deleted_and_the_rest_kept() {
    const DAY: i64 = 86_400;
    for db in backends().await {
        let gw = TestGateway::new(&db).await;
        let retention = gw.state.config.compliance.record_retention.as_secs() as i64;
        assert_eq!(
            retention,
            yenpay_gateway::config::MIN_RECORD_RETENTION_DAYS as i64 * DAY,
            "seven years by default"
        );
        let cutoff = NOW - retention;
        let pool = &gw.state.db.pool;
        // 1,203 old verdicts (three batches), 2 young ones, 1 old but pending.
        let verdict = |id: String, at: i64, state: &'static str| async move {
            sqlx::query(
                "INSERT INTO screening_verdicts (verdict_id, context, reference, subject, merchant_address, \
                 order_ref, amount, mcc, state, verdict, reason_code, detail, provider, screened_count, \
                 created_at, screened_at) VALUES ($1, 'PAYMENT', $1, '0x1', '0x2', NULL, 100, '5411', $2, \
                 NULL, NULL, NULL, NULL, 1, $3, NULL)",
            )
            .bind(id)
            .bind(state)
            .bind(at)
            .execute(pool)
            .await
            .unwrap();
        };
        for i in 0..1_203 {
            verdict(format!("old-{i}"), cutoff - 1 - i, "DONE").await;
        }
        verdict("young-1".to_owned(), cutoff, "DONE").await;
        verdict("young-2".to_owned(), NOW, "DONE").await;
        verdict("old-pending".to_owned(), cutoff - 10, "PENDING").await;
        for (id, at) in [("rec-old", cutoff - 1), ("rec-young", cutoff + 1)] {
            sqlx::query(
                "INSERT INTO travel_rule_records (record_id, kind, reference, merchant_address, order_ref, \
                 originator_address, beneficiary_address, amount, ivms101, record_hash, receipt_key, \
                 receipt_signature, created_at) VALUES ($1, 'PAYMENT', $1, '0x2', NULL, '0x1', '0x2', 100, \
                 '{}', 'h', 'k', 's', $2)",
            )
            .bind(id)
            .bind(at)
            .execute(pool)
            .await
            .unwrap();
        }
        for (code, at) in [("code-old", cutoff - DAY), ("code-young", NOW - DAY)] {
            sqlx::query(
                "INSERT INTO self_declarations (code_id, payer, name, address_line, town, date_of_birth, \
                 place_of_birth, country, created_at) VALUES ($1, '0x1', 'Suzuki Hanako', '1-2-3 Chiyoda', \
                 'Tokyo', NULL, NULL, 'JP', $2)",
            )
            .bind(code)
            .bind(at)
            .execute(pool)
            .await
            .unwrap();
        }
        for (code, at) in [("c-old", cutoff - 5), ("c-young", cutoff + 5)] {
            sqlx::query(
                "INSERT INTO limit_refusals (address, code_id, code, merchant_address, amount, refused_count, \
                 first_at, last_at) VALUES ('0x1', $1, 'CUSTOMER_LIMIT_DAILY', '0x2', 100, 1, $2, $2)",
            )
            .bind(code)
            .bind(at)
            .execute(pool)
            .await
            .unwrap();
        }
        let before = audit_log::verify(pool).await.unwrap().entries;

        let purged = yenpay_gateway::compliance::retention::purge_once(&gw.state)
            .await
            .unwrap();
        assert_eq!(purged.screening_verdicts, 1_203, "{purged:?}");
        assert_eq!(purged.travel_rule_records, 1, "{purged:?}");
        assert_eq!(purged.self_declarations, 1, "{purged:?}");
        assert_eq!(purged.limit_refusals, 1, "{purged:?}");

        let ids = |sql: &'static str| async move {
            let mut ids: Vec<String> = sqlx::query_scalar(sql).fetch_all(pool).await.unwrap();
            ids.sort();
            ids
        };
        assert_eq!(
            ids("SELECT verdict_id FROM screening_verdicts").await,
            ["old-pending", "young-1", "young-2"]
        );
        assert_eq!(
            ids("SELECT record_id FROM travel_rule_records").await,
            ["rec-young"]
        );
        assert_eq!(
            ids("SELECT code_id FROM self_declarations").await,
            ["code-young"]
        );
        assert_eq!(ids("SELECT code_id FROM limit_refusals").await, ["c-young"]);

        // One audit entry for the pass, with counts and no personal data.
        let verified = audit_log::verify(pool).await.unwrap();
        assert_eq!(verified.problem, None);
        assert_eq!(verified.entries, before + 1);
        let last = audit_log::page(pool, before, 10).await.unwrap();
        assert_eq!(last.len(), 1);
        assert_eq!(last[0].action, "RETENTION_PURGE");
        assert!(
            last[0].details.contains("\"screeningVerdicts\":1203"),
            "{}",
            last[0].details
        );
        assert!(!last[0].details.contains("Suzuki"), "{}", last[0].details);

        // Nothing more is due: a second pass deletes nothing and logs nothing.
        let again = yenpay_gateway::compliance::retention::purge_once(&gw.state)
            .await
            .unwrap();
        assert_eq!(again.total(), 0);
        assert_eq!(audit_log::verify(pool).await.unwrap().entries, before + 1);
    }
}
