//! Tests of the Merchant-Presented Mode codec: payloads made by others
//! (known CRCs), one test per EMVCo rule and error variant, yenpay's
//! templates, and property tests.

use proptest::prelude::*;
use yenpay_types::Address;

use super::*;
use crate::crc::checksum_hex;

/// The example payload of the EMVCo MPM specification (v1.0, July 2017;
/// the same in v1.1), as reproduced verbatim in the tests and READMEs of
/// open-source EMVCo libraries (e.g. dongri/emv-qrcode, mercari/go-emv-code,
/// Exemvi's `@official_sample`): Chinese alternate-language name, tip
/// prompt, unreserved template 91, CRC A13A.
const EMVCO_SPEC_EXAMPLE: &str = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A";

/// A JPQR-shaped static code from mercari/go-emv-code's JPQR tests
/// (`mpm/jpqr`): JPQR's template (26, GUID jp.or.paymentsjapan) next to two
/// other networks' templates, Japanese name in the language template,
/// objects out of ascending order. CRC DEE9.
const MERCARI_JPQR: &str = "0002016003xxx01021129300012D156000000000510A93FO3230Q31280012D1560000000103081234567826680019jp.or.paymentsjapan01130000000000001020400010306000001040600000153033925903xxx64180002JA0108メルペイ カフェ520441115802JP610710661436304DEE9";

/// A JPQR static code from kenmaz/JPQRReader's tests: Japanese merchant
/// name of 11 characters. Its CRC 6D60 is wrong (the placeholders `xxx`
/// were edited in without recomputing it; neither UTF-8 nor Shift_JIS
/// gives 6D60), so it is a known answer for refusal.
const KENMAZ_JPQR: &str = "00020164210002JA0111JPQRMPM本舗食堂53033925903xxx6003xxx610710600325802JP01021126680019jp.or.paymentsjapan0113000000000000102040001030600000104060000015204412163046D60";

/// A dynamic JPY code from dongri/emv-qrcode's README (Go encoder output):
/// UnionPay primitive account (15), amount 999, CRC 3FE6.
const DONGRI_JPY: &str = "0002010102121516ABCDEF123456789052045311530339254039995802JP5906DONGRI6005TOKYO62240104hoge0504fuga0704piyo63043FE6";

/// Appends the CRC data object to a payload body.
fn with_crc(body: &str) -> String {
    let mut s = format!("{body}6304");
    let crc = checksum_hex(s.as_bytes());
    s.push_str(&crc);
    s
}

/// A minimal valid body: format indicator, one merchant account, MCC,
/// currency, country, name, city.
const MINIMAL: &str = "0002010102110215ABCDEF123456789520458125303392";
fn minimal_with(extra: &str) -> String {
    with_crc(&format!("{MINIMAL}{extra}5802JP5904SHOP6005TOKYO"))
}

fn addr(s: &str) -> Address {
    Address::from_hex(s).unwrap()
}

fn sample_payment(request: PaymentRequest) -> YenpayPayment {
    YenpayPayment {
        chain_id: 4,
        package: addr("0xcafe"),
        merchant: addr("0x9f2c3a1be4d5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e9"),
        request,
    }
}

fn sample_details() -> MerchantDetails {
    MerchantDetails {
        name: "YAMADA SHOTEN".into(),
        city: "TOKYO".into(),
        category_code: "5812".into(),
        postal_code: Some("1000001".into()),
        language: Some(LanguageTemplate {
            language: "ja".into(),
            merchant_name: "山田商店".into(),
            merchant_city: Some("東京".into()),
            other: vec![],
        }),
    }
}

// ---- payloads made by others -------------------------------------------

#[test]
fn spec_example_crc_and_fields() {
    let payload = Payload::parse(EMVCO_SPEC_EXAMPLE).expect("EMVCo's own example parses");
    assert_eq!(payload.crc(), "A13A");
    assert_eq!(
        payload.to_string(),
        EMVCO_SPEC_EXAMPLE,
        "byte-for-byte re-encoding"
    );
    // The language template counts characters: 20, though it is 32 bytes.
    let lang = payload.get(64).unwrap();
    assert_eq!(lang.value_chars(), 20);
    assert_eq!(lang.child_text(1), Some("最佳运输"));

    let code = MerchantPresented::from_payload(&payload);
    assert_eq!(code.point_of_initiation, Some(PointOfInitiation::Dynamic));
    assert_eq!(code.merchant_category_code, "4111");
    assert_eq!(code.transaction_currency, "156");
    assert_eq!(code.transaction_amount.as_deref(), Some("23.72"));
    assert_eq!(code.tip, Some(Tip::Prompt));
    assert_eq!(code.country_code, "CN");
    assert_eq!(code.merchant_name, "BEST TRANSPORT");
    assert_eq!(code.merchant_city, "BEIJING");
    let ids: Vec<u8> = code.merchant_accounts.iter().map(|o| o.id).collect();
    assert_eq!(ids, [29, 31]);
    assert_eq!(
        code.merchant_accounts[0].child_text(0),
        Some("D15600000000")
    );
    assert_eq!(code.merchant_accounts[0].child_text(5), Some("A93FO3230Q"));
    let add = code.additional_data.as_ref().unwrap();
    assert_eq!(add.store_label.as_deref(), Some("1234"));
    assert_eq!(add.customer_label.as_deref(), Some("***"));
    assert_eq!(add.terminal_label.as_deref(), Some("A6008667"));
    assert_eq!(add.consumer_data_request.as_deref(), Some("ME"));
    let lang = code.language.as_ref().unwrap();
    assert_eq!(
        (lang.language.as_str(), lang.merchant_name.as_str()),
        ("ZH", "最佳运输")
    );
    assert_eq!(lang.merchant_city.as_deref(), Some("北京"));
    assert_eq!(code.unreserved.len(), 1);
    assert_eq!(code.unreserved[0].id, 91);
    assert_eq!(code.unreserved[0].child_text(0), Some("A011223344998877"));
    assert_eq!(code.unreserved[0].child_text(7), Some("12345678"));
    assert_eq!(code.yenpay(), Err(MpmError::NotYenpay));
}

#[test]
fn payloads_from_other_encoders_parse_and_reencode_byte_for_byte() {
    for (payload, crc) in [
        (EMVCO_SPEC_EXAMPLE, "A13A"),
        (MERCARI_JPQR, "DEE9"),
        (DONGRI_JPY, "3FE6"),
    ] {
        let parsed = Payload::parse(payload).unwrap_or_else(|e| panic!("{payload}: {e}"));
        assert_eq!(parsed.crc(), crc);
        assert_eq!(parsed.to_string(), payload);
        // The typed view re-encodes canonically to a payload with the same
        // fields (lists in ascending ID order).
        let mut typed = MerchantPresented::from_payload(&parsed);
        let canonical = typed.encode().unwrap();
        typed.merchant_accounts.sort_by_key(|o| o.id);
        typed.unreserved.sort_by_key(|o| o.id);
        typed.rfu.sort_by_key(|o| o.id);
        assert_eq!(MerchantPresented::decode(&canonical).unwrap(), typed);
    }
}

#[test]
fn jpqr_fields_with_japanese_names() {
    let code = MerchantPresented::decode(MERCARI_JPQR).unwrap();
    assert_eq!(code.point_of_initiation, Some(PointOfInitiation::Static));
    let jpqr = code.merchant_accounts.iter().find(|o| o.id == 26).unwrap();
    assert_eq!(jpqr.child_text(0), Some("jp.or.paymentsjapan"));
    assert_eq!(jpqr.child_text(1), Some("0000000000001"));
    assert_eq!(code.postal_code.as_deref(), Some("1066143"));
    let lang = code.language.unwrap();
    assert_eq!(lang.language, "JA");
    assert_eq!(lang.merchant_name, "メルペイ カフェ");

    assert!(matches!(
        Payload::parse(KENMAZ_JPQR),
        Err(MpmError::CrcMismatch { ref found, .. }) if found == "6D60"
    ));
    // With its CRC recomputed, its structure (11 Japanese characters counted
    // as 11) is sound.
    let fixed = with_crc(&KENMAZ_JPQR[..KENMAZ_JPQR.len() - 8]);
    let code = MerchantPresented::decode(&fixed).unwrap();
    assert_eq!(code.language.unwrap().merchant_name, "JPQRMPM本舗食堂");
    assert_eq!(code.merchant_category_code, "4121");
}

#[test]
fn canonical_encoding_sorts_ids_and_puts_the_crc_last() {
    let code = MerchantPresented::decode(MERCARI_JPQR).unwrap();
    let payload = code.to_payload().unwrap();
    let ids: Vec<u8> = payload.objects().iter().map(|o| o.id).collect();
    assert_eq!(*ids.last().unwrap(), 63);
    assert!(
        ids[..ids.len() - 1].windows(2).all(|w| w[0] < w[1]),
        "{ids:?}"
    );
    assert!(payload.to_string().starts_with("000201"));
}

#[test]
fn lower_case_payload_with_wrong_crc_is_a_crc_mismatch() {
    // From mercari/go-emv-code's "crc is invalid" case: CRC a13b.
    let bad = "00020101021229300012d156000000000510a93fo3230q31280012d15600000001030812345678520441115802cn5914best transport6007beijing64200002zh0104最佳运输0202北京540523.7253031565502016233030412340603***0708a60086670902me91320016a0112233449988770708123456786304a13b";
    match Payload::parse(bad) {
        Err(MpmError::CrcMismatch {
            found, position, ..
        }) => {
            assert_eq!(found, "a13b");
            assert_eq!(position, bad.chars().count() - 8);
        }
        other => panic!("expected a CRC mismatch, got {other:?}"),
    }
}

#[test]
fn crc_in_lower_case_hex_is_accepted_and_kept() {
    // DEE9 has letters, so its lower-case form differs.
    let lower = format!("{}dee9", &MERCARI_JPQR[..MERCARI_JPQR.len() - 4]);
    let parsed = Payload::parse(&lower).unwrap();
    assert_eq!(parsed.to_string(), lower);
}

// ---- one test per rule / error variant ---------------------------------

#[test]
fn empty_payload() {
    assert_eq!(Payload::parse(""), Err(MpmError::Empty));
}

#[test]
fn payload_over_512_characters() {
    let long = minimal_with(&format!("65{:02}{}", 99, "x".repeat(99)).repeat(5));
    assert!(long.chars().count() > 512);
    assert!(matches!(
        Payload::parse(&long),
        Err(MpmError::PayloadTooLong { max: 512, .. })
    ));
}

#[test]
fn id_not_two_digits() {
    let err = Payload::parse("000201A1").unwrap_err();
    assert_eq!(
        err,
        MpmError::BadId {
            parent: "root".into(),
            position: 6,
            found: "A1".into()
        }
    );
    assert!(err.to_string().contains("character 6"), "{err}");
    // Inside a template the parent is named.
    let err = Payload::parse(&minimal_with("6206X1abcd")).unwrap_err();
    assert!(
        matches!(&err, MpmError::BadId { parent, .. } if parent == "tag 62"),
        "{err:?}"
    );
}

#[test]
fn length_not_two_digits() {
    assert_eq!(
        Payload::parse("00020159x5ABC").unwrap_err(),
        MpmError::BadLength {
            tag: "59".into(),
            position: 6,
            found: "x5".into()
        }
    );
    // Cut right after the ID.
    assert!(matches!(
        Payload::parse("00020159"),
        Err(MpmError::BadLength { .. })
    ));
}

#[test]
fn length_past_the_end() {
    assert_eq!(
        Payload::parse("0002015910ABC").unwrap_err(),
        MpmError::Truncated {
            tag: "59".into(),
            position: 6,
            declared: 10,
            available: 3
        }
    );
}

#[test]
fn lengths_count_characters_not_bytes() {
    // 山田 is two characters (six bytes): length 02 is right, 06 is not.
    let ok = with_crc(&format!(
        "{MINIMAL}5802JP5904SHOP6005TOKYO64120002ja0102山田"
    ));
    assert_eq!(
        MerchantPresented::decode(&ok)
            .unwrap()
            .language
            .unwrap()
            .merchant_name,
        "山田"
    );
    let bytes_counted = with_crc(&format!(
        "{MINIMAL}5802JP5904SHOP6005TOKYO64120002ja0106山田"
    ));
    assert!(matches!(
        Payload::parse(&bytes_counted),
        Err(MpmError::Truncated { .. })
    ));
}

#[test]
fn zero_length_value() {
    assert_eq!(
        Payload::parse("0002015900").unwrap_err(),
        MpmError::EmptyValue {
            tag: "59".into(),
            position: 6
        }
    );
}

#[test]
fn values_over_their_maximum() {
    let body = format!("{MINIMAL}5802JP5926{}6005TOKYO", "A".repeat(26));
    assert_eq!(
        Payload::parse(&with_crc(&body)).unwrap_err(),
        MpmError::ValueTooLong {
            tag: "59".into(),
            position: MINIMAL.len() + 6,
            length: 26,
            max: 25
        }
    );
    // Encoding a value the two-digit length cannot announce.
    let mut code = MerchantPresented::decode(&minimal_with("")).unwrap();
    code.rfu.push(DataObject::text(70, "x".repeat(100)));
    assert!(matches!(
        code.encode(),
        Err(MpmError::ValueTooLong { ref tag, length: 100, max: 99, .. }) if tag == "70"
    ));
    // A template whose children add up to more than 99 characters.
    code.rfu.clear();
    code.unreserved.push(DataObject::template(
        85,
        vec![
            DataObject::text(0, "x.example"),
            DataObject::text(1, "y".repeat(60)),
            DataObject::text(2, "z".repeat(30)),
        ],
    ));
    assert!(matches!(
        code.encode(),
        Err(MpmError::ValueTooLong { ref tag, max: 99, .. }) if tag == "85"
    ));
}

#[test]
fn duplicate_tag() {
    let payload = minimal_with("5904SHOP");
    assert!(matches!(
        Payload::parse(&payload),
        Err(MpmError::Duplicate { ref tag, .. }) if tag == "59"
    ));
    let nested = minimal_with("62140103abc0103def");
    assert!(matches!(
        Payload::parse(&nested),
        Err(MpmError::Duplicate { ref tag, .. }) if tag == "62/01"
    ));
}

#[test]
fn format_indicator_must_be_first_and_01() {
    let moved = with_crc("0102110002015204581253033925802JP5904SHOP6005TOKYO0215ABCDEF123456789");
    assert_eq!(
        Payload::parse(&moved).unwrap_err(),
        MpmError::FormatIndicatorNotFirst { found: "01".into() }
    );
    let wrong = minimal_with("").replacen("000201", "000202", 1);
    let wrong = with_crc(&wrong[..wrong.len() - 8]);
    assert!(matches!(
        Payload::parse(&wrong),
        Err(MpmError::BadValue { ref tag, .. }) if tag == "00"
    ));
}

#[test]
fn crc_must_be_last() {
    let body = format!("{MINIMAL}5802JP5904SHOP6005TOKYO");
    let crc = checksum_hex(format!("{body}6304").as_bytes());
    let crc_then_more = format!("{body}6304{crc}6105ABCDE");
    assert!(matches!(
        Payload::parse(&crc_then_more),
        Err(MpmError::CrcNotLast { position }) if position == body.chars().count()
    ));
}

#[test]
fn mandatory_objects() {
    let missing = |body: &str| Payload::parse(&with_crc(body)).unwrap_err();
    assert_eq!(
        missing("0002010215ABCDEF12345678953033925802JP5904SHOP6005TOKYO"),
        MpmError::Missing {
            tag: "52".into(),
            position: None
        }
    );
    assert!(matches!(
        missing("0002015204581253033925802JP5904SHOP6005TOKYO"),
        MpmError::Missing { ref tag, .. } if tag.starts_with("02-51")
    ));
    // No CRC at all.
    assert_eq!(
        Payload::parse(&format!("{MINIMAL}5802JP5904SHOP6005TOKYO")).unwrap_err(),
        MpmError::Missing {
            tag: "63".into(),
            position: None
        }
    );
    // A merchant account template without its GUID.
    assert!(matches!(
        Payload::parse(&minimal_with("26080104abcd")),
        Err(MpmError::Missing { ref tag, position: Some(_) }) if tag == "26/00"
    ));
    // A language template without the alternate name.
    assert!(matches!(
        Payload::parse(&minimal_with("64060002ja")),
        Err(MpmError::Missing { ref tag, .. }) if tag == "64/01"
    ));
}

#[test]
fn crc_mismatch_names_both_values() {
    let good = minimal_with("");
    let tampered = good.replace("SHOP", "SHOQ");
    match Payload::parse(&tampered) {
        Err(MpmError::CrcMismatch {
            found, computed, ..
        }) => {
            assert_eq!(found, &good[good.len() - 4..]);
            assert_eq!(
                computed,
                checksum_hex(&tampered.as_bytes()[..tampered.len() - 4])
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn character_sets() {
    // 59 is EMVCo's common character set: no Japanese (that goes in 64).
    let body = format!("{MINIMAL}5802JP5902山田6005TOKYO");
    assert!(matches!(
        Payload::parse(&with_crc(&body)),
        Err(MpmError::BadCharacter { ref tag, character: '山', .. }) if tag == "59"
    ));
    // Control characters are refused even where any text goes.
    assert!(matches!(
        Payload::parse(&minimal_with("64130002ja0103a\u{8}b")),
        Err(MpmError::BadCharacter { ref tag, character: '\u{8}', .. }) if tag == "64/01"
    ));
    // Digits only in the MCC.
    let body = MINIMAL.replace("52045812", "520458A2");
    assert!(matches!(
        Payload::parse(&with_crc(&format!("{body}5802JP5904SHOP6005TOKYO"))),
        Err(MpmError::BadCharacter { ref tag, character: 'A', .. }) if tag == "52"
    ));
    // Country codes are upper case.
    let body = format!("{MINIMAL}5802jp5904SHOP6005TOKYO");
    assert!(matches!(
        Payload::parse(&with_crc(&body)),
        Err(MpmError::BadCharacter { ref tag, .. }) if tag == "58"
    ));
}

#[test]
fn fixed_values_and_formats() {
    let bad = |extra: &str| Payload::parse(&minimal_with(extra)).unwrap_err();
    let tag_of = |e: MpmError| match e {
        MpmError::BadValue { tag, .. } | MpmError::BadCharacter { tag, .. } => tag,
        other => panic!("{other:?}"),
    };
    // Point of initiation is 11 or 12.
    let body = MINIMAL.replace("010211", "010213");
    assert_eq!(
        tag_of(Payload::parse(&with_crc(&format!("{body}5802JP5904SHOP6005TOKYO"))).unwrap_err()),
        "01"
    );
    // Amounts: digits, one '.', not zero, not starting with '.'.
    for amount in ["1.2.3", "0", "0.00", ".5", "12a"] {
        let e = bad(&format!("54{:02}{amount}", amount.len()));
        assert_eq!(tag_of(e), "54", "{amount}");
    }
    for amount in ["1000", "23.72", "98.", "0.5"] {
        assert!(
            Payload::parse(&minimal_with(&format!("54{:02}{amount}", amount.len()))).is_ok(),
            "{amount}"
        );
    }
    // Tip indicator values and percentages.
    assert_eq!(tag_of(bad("550204")), "55");
    assert_eq!(tag_of(bad("550203570510000")), "57");
    assert!(Payload::parse(&minimal_with("55020357053.125")).is_err());
    assert!(Payload::parse(&minimal_with("55020357043.12")).is_ok());
    // Additional consumer data request: A, M, E at most once each.
    assert_eq!(tag_of(bad("62070903AAM")), "62/09");
    assert_eq!(tag_of(bad("62070903AXM")), "62/09");
    // Language preference: two letters.
    assert_eq!(tag_of(bad("64130003jpn0102ab")), "64/00");
    // Currency: three digits.
    let body = MINIMAL.replace("5303392", "53043920");
    assert_eq!(
        tag_of(Payload::parse(&with_crc(&format!("{body}5802JP5904SHOP6005TOKYO"))).unwrap_err()),
        "53"
    );
    // CRC: four hex digits.
    let body = format!("{MINIMAL}5802JP5904SHOP6005TOKYO6304");
    assert_eq!(
        tag_of(Payload::parse(&format!("{body}XYZW")).unwrap_err()),
        "63"
    );
}

#[test]
fn convenience_fee_rules() {
    assert!(matches!(
        Payload::parse(&minimal_with("550202")),
        Err(MpmError::Conflict { ref tag, .. }) if tag == "55"
    ));
    assert!(matches!(
        Payload::parse(&minimal_with("5603100")),
        Err(MpmError::Conflict { ref tag, .. }) if tag == "56"
    ));
    assert!(matches!(
        Payload::parse(&minimal_with("55020157043.25")),
        Err(MpmError::Conflict { ref tag, .. }) if tag == "57"
    ));
    let ok = MerchantPresented::decode(&minimal_with("5502025603100")).unwrap();
    assert_eq!(ok.tip, Some(Tip::FixedFee("100".into())));
    let ok = MerchantPresented::decode(&minimal_with("55020357043.25")).unwrap();
    assert_eq!(ok.tip, Some(Tip::PercentageFee("3.25".into())));
}

#[test]
fn unknown_tags_are_kept_in_order() {
    // RFU 70 before 65, context-specific sub-tags, an RFU sub-tag in 62.
    let payload = minimal_with("7003abc6502xy62140103INV1203zzz81180009x.example0101q");
    let parsed = Payload::parse(&payload).unwrap();
    assert_eq!(parsed.to_string(), payload);
    let code = MerchantPresented::from_payload(&parsed);
    let rfu: Vec<u8> = code.rfu.iter().map(|o| o.id).collect();
    assert_eq!(rfu, [70, 65]);
    assert_eq!(
        code.additional_data.unwrap().other,
        vec![DataObject::text(12, "zzz")]
    );
    assert_eq!(code.unreserved[0].child_text(1), Some("q"));
}

#[test]
fn describe_names_nested_and_unknown_tags() {
    let json = Payload::parse(EMVCO_SPEC_EXAMPLE).unwrap().describe();
    let objects = json.as_array().unwrap();
    assert_eq!(objects[0]["name"], "Payload Format Indicator");
    let lang = objects.iter().find(|o| o["id"] == "64").unwrap();
    assert_eq!(
        lang["template"][1]["name"],
        "Merchant Name - Alternate Language"
    );
    assert_eq!(lang["template"][1]["value"], "最佳运输");
    let unreserved = objects.iter().find(|o| o["id"] == "91").unwrap();
    assert_eq!(unreserved["template"][1]["id"], "07");
    assert_eq!(unreserved["template"][1]["name"], "Context specific");
}

// ---- yenpay's templates -------------------------------------------------

#[test]
fn static_code_round_trip() {
    let payment = sample_payment(PaymentRequest::Static {
        reference: Some("TABLE 7".into()),
    });
    let payload = payment.encode(&sample_details()).unwrap();
    assert_eq!(YenpayPayment::decode(&payload).unwrap(), payment);
    let code = MerchantPresented::decode(&payload).unwrap();
    assert_eq!(code.point_of_initiation, Some(PointOfInitiation::Static));
    assert_eq!(code.transaction_amount, None);
    assert_eq!(code.transaction_currency, "392");
    assert_eq!(code.country_code, "JP");
    let ours = code
        .merchant_accounts
        .iter()
        .find(|o| o.id == YENPAY_ACCOUNT_ID)
        .unwrap();
    assert_eq!(ours.child_text(0), Some("jp.yenpay"));
    assert_eq!(ours.child_text(1), Some("4"));
    assert_eq!(
        ours.child_text(2),
        Some("0x9f2c3a1be4d5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e9")
    );
    let deployment = code
        .unreserved
        .iter()
        .find(|o| o.id == YENPAY_DEPLOYMENT_ID)
        .unwrap();
    assert_eq!(
        deployment.child_text(1),
        Some("0x000000000000000000000000000000000000000000000000000000000000cafe")
    );
    assert_eq!(code.language.unwrap().merchant_name, "山田商店");
    // Canonical: encoding the decoded code gives the same text.
    assert_eq!(
        MerchantPresented::decode(&payload)
            .unwrap()
            .encode()
            .unwrap(),
        payload
    );
}

#[test]
fn dynamic_code_round_trip() {
    let payment = sample_payment(PaymentRequest::Dynamic {
        order_ref: "ORDER-2026-000123".into(),
        amount: 1_280,
    });
    let payload = payment.encode(&sample_details()).unwrap();
    assert!(payload.contains("54041280"), "{payload}");
    assert!(payload.contains("0117ORDER-2026-000123"), "{payload}");
    assert!(payload.contains("010212"), "{payload}");
    assert_eq!(YenpayPayment::decode(&payload).unwrap(), payment);
}

#[test]
fn order_reference_limits() {
    let with_ref = |r: &str| {
        sample_payment(PaymentRequest::Dynamic {
            order_ref: r.into(),
            amount: 500,
        })
        .encode(&sample_details())
    };
    assert!(with_ref(&"A".repeat(25)).is_ok());
    assert_eq!(
        with_ref(&"A".repeat(26)).unwrap_err(),
        MpmError::OrderRefTooLong {
            length: 26,
            max: 25
        }
    );
    let err = with_ref(&"A".repeat(64)).unwrap_err();
    assert!(err.to_string().contains("62/01"), "{err}");
    // The bill number is printable ASCII.
    assert!(matches!(
        with_ref("注文123"),
        Err(MpmError::BadCharacter { ref tag, .. }) if tag == "62/01"
    ));
}

#[test]
fn yenpay_next_to_jpqr_on_one_sticker() {
    let mut code = MerchantPresented::decode(MERCARI_JPQR).unwrap();
    let payment = sample_payment(PaymentRequest::Static { reference: None });
    payment.apply_to(&mut code).unwrap();
    let payload = code.encode().unwrap();
    let back = MerchantPresented::decode(&payload).unwrap();
    assert_eq!(back.yenpay().unwrap(), payment);
    // The other networks' templates and the Japanese name are untouched.
    for id in [26, 29, 31] {
        let before = MerchantPresented::decode(MERCARI_JPQR).unwrap();
        assert_eq!(
            back.merchant_accounts.iter().find(|o| o.id == id),
            before.merchant_accounts.iter().find(|o| o.id == id)
        );
    }
    assert_eq!(
        back.language.as_ref().unwrap().merchant_name,
        "メルペイ カフェ"
    );
    // Applying again replaces ours instead of adding a second one.
    let mut again = back.clone();
    let dynamic = sample_payment(PaymentRequest::Dynamic {
        order_ref: "A1".into(),
        amount: 300,
    });
    dynamic.apply_to(&mut again).unwrap();
    let n = again
        .merchant_accounts
        .iter()
        .filter(|o| o.child_text(0) == Some(YENPAY_GUID))
        .count();
    assert_eq!(n, 1);
    assert_eq!(again.yenpay().unwrap(), dynamic);
}

#[test]
fn yenpay_takes_a_free_id_when_40_is_taken() {
    let mut code = MerchantPresented::decode(MERCARI_JPQR).unwrap();
    code.merchant_accounts.push(DataObject::template(
        40,
        vec![DataObject::text(0, "com.example.other")],
    ));
    sample_payment(PaymentRequest::Static { reference: None })
        .apply_to(&mut code)
        .unwrap();
    let ours = code
        .merchant_accounts
        .iter()
        .find(|o| o.child_text(0) == Some(YENPAY_GUID))
        .unwrap();
    assert_eq!(ours.id, 27, "lowest free ID in 26-51 (26 is JPQR's)");
    assert!(YenpayPayment::decode(&code.encode().unwrap()).is_ok());
}

#[test]
fn yenpay_reading_errors() {
    let payment = sample_payment(PaymentRequest::Dynamic {
        order_ref: "INV-1".into(),
        amount: 1000,
    });
    let code = payment.to_merchant_presented(&sample_details()).unwrap();
    let reencode = |c: &MerchantPresented| YenpayPayment::decode(&c.encode().unwrap());

    let mut c = code.clone();
    c.transaction_amount = Some("1000.5".into());
    assert!(matches!(reencode(&c), Err(MpmError::YenpayInvalid { ref tag, .. }) if tag == "54"));
    c.transaction_amount = None;
    assert!(matches!(reencode(&c), Err(MpmError::YenpayMissing { ref tag, .. }) if tag == "54"));

    let mut c = code.clone();
    c.additional_data = None;
    assert!(matches!(reencode(&c), Err(MpmError::YenpayMissing { ref tag, .. }) if tag == "62/01"));

    let mut c = code.clone();
    c.transaction_currency = "840".into();
    assert!(matches!(reencode(&c), Err(MpmError::YenpayInvalid { ref tag, .. }) if tag == "53"));

    let mut c = code.clone();
    c.point_of_initiation = Some(PointOfInitiation::Static);
    assert!(matches!(reencode(&c), Err(MpmError::YenpayInvalid { ref tag, .. }) if tag == "54"));
    c.point_of_initiation = None;
    assert!(matches!(reencode(&c), Err(MpmError::YenpayMissing { ref tag, .. }) if tag == "01"));

    let set_sub = |c: &mut MerchantPresented, sub: u8, value: Option<&str>| {
        let t = c
            .merchant_accounts
            .iter_mut()
            .find(|o| o.id == YENPAY_ACCOUNT_ID)
            .unwrap();
        let Value::Template(children) = &mut t.value else {
            unreachable!()
        };
        children.retain(|o| o.id != sub);
        if let Some(v) = value {
            children.push(DataObject::text(sub, v));
            children.sort_by_key(|o| o.id);
        }
    };
    for (sub, value, tag) in [
        (1, Some("256"), "40/01"),
        (1, Some("04"), "40/01"),
        (2, Some("9f2c"), "40/02"),
        (2, Some("0xZZ"), "40/02"),
    ] {
        let mut c = code.clone();
        set_sub(&mut c, sub, value);
        assert!(
            matches!(reencode(&c), Err(MpmError::YenpayInvalid { tag: ref t, .. }) if t == tag),
            "{sub} {value:?}"
        );
    }
    let mut c = code.clone();
    set_sub(&mut c, 1, None);
    assert!(matches!(reencode(&c), Err(MpmError::YenpayMissing { ref tag, .. }) if tag == "40/01"));

    let mut c = code.clone();
    c.unreserved.clear();
    assert!(matches!(reencode(&c), Err(MpmError::YenpayMissing { ref tag, .. }) if tag == "80-99"));

    let mut c = code.clone();
    c.transaction_currency = "840".into();
    assert!(matches!(
        payment.apply_to(&mut c),
        Err(MpmError::YenpayInvalid { ref tag, .. }) if tag == "53"
    ));
}

#[test]
fn amounts_an_emvco_code_cannot_carry() {
    for amount in [0, MAX_MPM_AMOUNT + 1, u64::MAX] {
        let err = sample_payment(PaymentRequest::Dynamic {
            order_ref: "X".into(),
            amount,
        })
        .encode(&sample_details())
        .unwrap_err();
        assert!(
            matches!(err, MpmError::YenpayInvalid { ref tag, .. } if tag == "54"),
            "{amount}: {err:?}"
        );
    }
    let max = sample_payment(PaymentRequest::Dynamic {
        order_ref: "X".into(),
        amount: MAX_MPM_AMOUNT,
    });
    assert_eq!(
        YenpayPayment::decode(&max.encode(&sample_details()).unwrap()).unwrap(),
        max
    );
}

#[test]
fn special_and_short_addresses() {
    let mut payment = sample_payment(PaymentRequest::Static { reference: None });
    payment.package = Address::ONE;
    let payload = payment.encode(&sample_details()).unwrap();
    assert!(payload.contains("01030x1"), "AIP-40 short form: {payload}");
    assert_eq!(YenpayPayment::decode(&payload).unwrap(), payment);
}

// ---- properties --------------------------------------------------------

fn ans(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[ -~]{{1,{max}}}")).unwrap()
}

fn address() -> impl Strategy<Value = Address> {
    any::<[u8; 32]>().prop_map(Address::new)
}

prop_compose! {
    fn payment()(
        chain_id in any::<u8>(),
        package in address(),
        merchant in address(),
        dynamic in any::<bool>(),
        order_ref in ans(25),
        amount in 1..=MAX_MPM_AMOUNT,
        reference in proptest::option::of(ans(25)),
    ) -> YenpayPayment {
        let request = if dynamic {
            PaymentRequest::Dynamic { order_ref, amount }
        } else {
            PaymentRequest::Static { reference }
        };
        YenpayPayment { chain_id, package, merchant, request }
    }
}

prop_compose! {
    fn details()(
        name in ans(25),
        city in ans(15),
        mcc in "[0-9]{4}",
        postal in proptest::option::of("[0-9]{3}-?[0-9]{4}"),
        lang in proptest::option::of(("[a-zA-Z]{2}", "[\\p{Han}\\p{Hiragana}\\p{Katakana} ]{1,25}", proptest::option::of("\\p{Han}{1,15}"))),
    ) -> MerchantDetails {
        MerchantDetails {
            name, city, category_code: mcc, postal_code: postal,
            language: lang.map(|(language, merchant_name, merchant_city)| LanguageTemplate {
                language, merchant_name, merchant_city, other: vec![],
            }),
        }
    }
}

proptest! {
    #[test]
    fn yenpay_payment_round_trips(p in payment(), d in details()) {
        let payload = p.encode(&d).unwrap();
        prop_assert!(payload.chars().count() <= MAX_PAYLOAD_CHARS);
        prop_assert_eq!(YenpayPayment::decode(&payload).unwrap(), p);
        let code = MerchantPresented::decode(&payload).unwrap();
        prop_assert_eq!(code.merchant_name, d.name);
        prop_assert_eq!(code.language, d.language);
        // Canonical text is a fixed point.
        prop_assert_eq!(MerchantPresented::decode(&payload).unwrap().encode().unwrap(), payload);
    }

    #[test]
    fn parse_never_panics_and_reencodes_what_it_accepts(s in "\\PC{0,300}") {
        if let Ok(p) = Payload::parse(&s) {
            prop_assert_eq!(p.to_string(), s);
        }
    }

    #[test]
    fn tlv_shaped_input_never_panics(
        objects in proptest::collection::vec(("[0-9]{2}", "[0-9]{2}", "[ -~山田]{0,12}"), 0..12),
    ) {
        let body: String = objects.iter().map(|(i, l, v)| format!("{i}{l}{v}")).collect();
        for s in [body.clone(), with_crc(&body), with_crc(&format!("000201{body}"))] {
            if let Ok(p) = Payload::parse(&s) {
                prop_assert_eq!(p.to_string(), s);
            }
        }
    }

    #[test]
    fn mutated_valid_payloads_never_panic(index in 0usize..600, c in any::<char>(), op in 0u8..3) {
        let mut chars: Vec<char> = MERCARI_JPQR.chars().collect();
        let i = index % (chars.len() + 1);
        match op {
            0 if i < chars.len() => { chars[i] = c; }
            1 => chars.insert(i, c),
            _ if i < chars.len() => { chars.remove(i); }
            _ => {}
        }
        let s: String = chars.into_iter().collect();
        // Recompute the CRC too, so mutations reach the rules behind it.
        let recrc = if s.len() >= 4 && s.is_char_boundary(s.len() - 4) {
            with_crc(s[..s.len() - 4].strip_suffix("6304").unwrap_or(&s[..s.len() - 4]))
        } else {
            s.clone()
        };
        for s in [s, recrc] {
            if let Ok(p) = Payload::parse(&s) {
                prop_assert_eq!(p.to_string(), s.clone());
                let _ = MerchantPresented::from_payload(&p).yenpay();
            }
        }
    }
}

// ---- terminal-signed codes ----------------------------------------------

fn signed_offer(
    key: &ed25519_dalek::SigningKey,
    order_ref: &str,
    amount: u64,
) -> SignedInvoiceOffer {
    let public = key.verifying_key().to_bytes();
    InvoiceOffer::new(
        4,
        addr("0xcafe"),
        addr("0x9f2c3a1be4d5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e9"),
        legacy_address(&public),
        OrderRef::new(order_ref).unwrap(),
        amount,
        1_767_225_600,
    )
    .sign(addr("0xcafe"), key)
    .unwrap()
}

fn long_details() -> MerchantDetails {
    MerchantDetails {
        name: "N".repeat(25),
        city: "C".repeat(15),
        category_code: "5812".into(),
        postal_code: None,
        language: None,
    }
}

use yenpay_types::limits::OrderRef;
use yenpay_types::offer::{InvoiceOffer, SignedInvoiceOffer};

#[test]
fn signed_code_round_trip_verifies_and_fits_512_at_the_longest() {
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let signed = signed_offer(&key, &"R".repeat(25), MAX_MPM_AMOUNT);
    let payment = YenpayPayment::from_signed_offer(addr("0xcafe"), &signed);
    let payload = payment.encode(&long_details()).unwrap();
    assert!(
        payload.chars().count() <= MAX_PAYLOAD_CHARS,
        "{} characters",
        payload.chars().count()
    );
    assert_eq!(payload.chars().count(), 507, "{payload}");
    let back = YenpayPayment::decode(&payload).unwrap();
    assert_eq!(back, payment);
    let offer = back.signed_offer().unwrap();
    assert_eq!(offer, signed);
    offer.check(addr("0xcafe"), 4, 1_767_225_000).unwrap();
    // Four yenpay templates in 80-99, no terminal written (it is the key's address).
    let code = MerchantPresented::decode(&payload).unwrap();
    let ours: Vec<u8> = code
        .unreserved
        .iter()
        .filter(|o| o.child_text(0) == Some(YENPAY_GUID))
        .map(|o| o.id)
        .collect();
    assert_eq!(ours, [80, 81, 82]);
    assert!(code.unreserved.iter().all(|o| o.child(3).is_none()));
    assert_eq!(code.point_of_initiation, Some(PointOfInitiation::Dynamic));
    // Canonical text is a fixed point.
    assert_eq!(code.encode().unwrap(), payload);
}

#[test]
fn a_rotated_terminal_is_written_and_read() {
    let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let mut signed = signed_offer(&key, "A", 5);
    let full = addr("0x7e12aa5b9ce0e1f36a0c8b8d5b1b4fbc6d6e0f11223344556677889900aabbcc");
    signed.offer.terminal = full;
    // A full-length terminal does not fit beside the rest: a rotated terminal's codes go as wallet URIs.
    let payment = YenpayPayment::from_signed_offer(addr("0xcafe"), &signed);
    assert!(matches!(
        payment.encode(&long_details()),
        Err(MpmError::PayloadTooLong { .. })
    ));
    // Written and read all the same where it fits (short-form special addresses).
    signed.offer.terminal = addr("0xc");
    signed.offer.merchant = addr("0xb");
    let payment = YenpayPayment::from_signed_offer(addr("0xcafe"), &signed);
    let details = MerchantDetails {
        name: "S".into(),
        city: "T".into(),
        category_code: "5812".into(),
        postal_code: None,
        language: None,
    };
    let payload = payment.encode(&details).unwrap();
    let back = YenpayPayment::decode(&payload).unwrap();
    assert_eq!(back, payment);
    assert_eq!(back.signed_offer().unwrap().offer.terminal, addr("0xc"));
    assert!(payload.contains("0303"), "{payload}");
}

#[test]
fn signed_offer_of_other_codes_and_bad_order_refs() {
    let dynamic = sample_payment(PaymentRequest::Dynamic {
        order_ref: "A".into(),
        amount: 1,
    });
    assert_eq!(dynamic.signed_offer(), Err(NotSignedInvoice::NotSigned));
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let mut payment = YenpayPayment::from_signed_offer(addr("0xcafe"), &signed_offer(&key, "A", 1));
    if let PaymentRequest::Signed { order_ref, .. } = &mut payment.request {
        *order_ref = String::new();
    }
    assert!(matches!(
        payment.signed_offer(),
        Err(NotSignedInvoice::OrderRef(_))
    ));
}

/// The yenpay templates of a signed code, with `edit` applied to them, in a
/// code with a correct CRC.
fn signed_payload_with(edit: impl FnOnce(&mut Vec<DataObject>)) -> String {
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let payment =
        YenpayPayment::from_signed_offer(addr("0xcafe"), &signed_offer(&key, "A-1", 1_500));
    let mut code = payment.to_merchant_presented(&long_details()).unwrap();
    edit(&mut code.unreserved);
    code.encode().unwrap()
}

fn set_child(objects: &mut [DataObject], sub: u8, text: &str) {
    for o in objects.iter_mut() {
        if let Value::Template(children) = &mut o.value {
            for c in children.iter_mut() {
                if c.id == sub {
                    c.value = Value::Text(text.into());
                }
            }
        }
    }
}

fn remove_child(objects: &mut [DataObject], sub: u8) {
    for o in objects.iter_mut() {
        if let Value::Template(children) = &mut o.value {
            children.retain(|c| c.id != sub);
        }
    }
}

#[test]
fn signed_code_reading_errors() {
    let invalid = |payload: String, tag: &str| match YenpayPayment::decode(&payload) {
        Err(MpmError::YenpayInvalid { tag: t, .. }) => assert_eq!(t, tag, "{payload}"),
        other => panic!("{payload}: {other:?}"),
    };
    let missing = |payload: String| match YenpayPayment::decode(&payload) {
        Err(MpmError::YenpayMissing { .. }) => {}
        other => panic!("{payload}: {other:?}"),
    };
    // Each field missing.
    for sub in [2, 4, 5, 6] {
        missing(signed_payload_with(|o| remove_child(o, sub)));
    }
    // Malformed values.
    invalid(
        signed_payload_with(|o| set_child(o, 2, "01767225600")),
        "80/02",
    );
    invalid(
        signed_payload_with(|o| set_child(o, 4, "not base64!")),
        "81/04",
    );
    // 43 characters whose last one carries bits beyond the 32 bytes: not canonical.
    let key = URL_SAFE.encode([1u8; 32]);
    let mut noncanonical = key[..42].to_owned();
    noncanonical.push('B');
    invalid(
        signed_payload_with(|o| set_child(o, 4, &noncanonical)),
        "81/04",
    );
    invalid(
        signed_payload_with(|o| set_child(o, 4, &URL_SAFE.encode([1u8; 31]))),
        "81/04",
    );
    invalid(signed_payload_with(|o| set_child(o, 5, "AAAA")), "81/05");
    invalid(signed_payload_with(|o| set_child(o, 6, "AAAA")), "82/06");
    invalid(signed_payload_with(|o| set_child(o, 6, "AAAA")), "82/06");
    invalid(
        signed_payload_with(|o| {
            o.push(DataObject::template(
                83,
                vec![
                    DataObject::text(0, YENPAY_GUID),
                    DataObject::text(3, "0xzz"),
                ],
            ));
        }),
        "83/03",
    );
    // A sub-tag twice across yenpay's templates.
    invalid(
        signed_payload_with(|o| {
            o.push(DataObject::template(
                83,
                vec![DataObject::text(0, YENPAY_GUID), DataObject::text(2, "5")],
            ));
        }),
        "83/02",
    );
    // Signature fields on a static code.
    let payment = sample_payment(PaymentRequest::Static { reference: None });
    let mut code = payment.to_merchant_presented(&long_details()).unwrap();
    code.unreserved.push(DataObject::template(
        83,
        vec![DataObject::text(0, YENPAY_GUID), DataObject::text(2, "5")],
    ));
    invalid(code.encode().unwrap(), "80-99");
}

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as URL_SAFE;

prop_compose! {
    fn signed_payment()(
        chain_id in any::<u8>(),
        package in address(),
        merchant in address(),
        rotated in proptest::option::of(address()),
        order_ref in ans(25),
        amount in 1..=MAX_MPM_AMOUNT,
        expires_at in 0u64..10_000_000_000,
        public_key in any::<[u8; 32]>(),
        signature in proptest::collection::vec(any::<u8>(), 64),
    ) -> YenpayPayment {
        let signature: [u8; 64] = signature.try_into().unwrap();
        let terminal = rotated.unwrap_or_else(|| legacy_address(&public_key));
        YenpayPayment {
            chain_id, package, merchant,
            request: PaymentRequest::Signed {
                order_ref, amount,
                signature: CodeSignature { terminal, expires_at, public_key, signature },
            },
        }
    }
}

proptest! {
    #[test]
    fn signed_payments_round_trip_or_are_refused_as_too_long(p in signed_payment(), d in details()) {
        match p.encode(&d) {
            Ok(payload) => {
                prop_assert!(payload.chars().count() <= MAX_PAYLOAD_CHARS);
                prop_assert_eq!(YenpayPayment::decode(&payload).unwrap(), p.clone());
                prop_assert_eq!(MerchantPresented::decode(&payload).unwrap().encode().unwrap(), payload);
            }
            Err(MpmError::PayloadTooLong { .. }) => {}
            Err(other) => prop_assert!(false, "{:?}", other),
        }
        // Without the language template and a legacy terminal it always fits.
        if let PaymentRequest::Signed { signature, .. } = &p.request
            && signature.terminal == legacy_address(&signature.public_key)
        {
            let plain = MerchantDetails { language: None, postal_code: None, ..d };
            prop_assert!(p.encode(&plain).is_ok());
        }
    }

    #[test]
    fn mutated_signed_payloads_never_panic(index in 0usize..520, c in any::<char>(), op in 0u8..3) {
        let original = signed_payload_with(|_| {});
        let mut chars: Vec<char> = original.chars().collect();
        let i = index % (chars.len() + 1);
        match op {
            0 if i < chars.len() => { chars[i] = c; }
            1 => chars.insert(i, c),
            _ if i < chars.len() => { chars.remove(i); }
            _ => {}
        }
        let s: String = chars.into_iter().collect();
        let recrc = if s.len() >= 4 && s.is_char_boundary(s.len() - 4) {
            with_crc(s[..s.len() - 4].strip_suffix("6304").unwrap_or(&s[..s.len() - 4]))
        } else {
            s.clone()
        };
        for s in [s, recrc] {
            if let Ok(p) = Payload::parse(&s) {
                let _ = MerchantPresented::from_payload(&p).yenpay().map(|y| y.signed_offer());
            }
        }
    }
}
