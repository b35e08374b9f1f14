//! Tests of the Consumer-Presented Mode codec: EMVCo's example framing, the
//! shared known-answer authorization, sizes, every error variant, and
//! property tests.

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use proptest::prelude::*;

use super::*;
use crate::render;

/// The example of the EMVCo CPM specification (v1.0, Annex: two application
/// templates A0000000555555 "Product1" and A0000000666666 "Product2", a
/// common data template with PAN, cardholder name, language and a
/// transparent template), as reproduced verbatim in mvallim/emv-qrcode's
/// and dongri/emv-qrcode's tests.
const EMVCO_CPM_EXAMPLE: &str = "hQVDUFYwMWETTwegAAAAVVVVUAhQcm9kdWN0MWETTwegAAAAZmZmUAhQcm9kdWN0MmJJWggSNFZ4kBI0WF8gDkNBUkRIT0xERVIvRU1WXy0IcnVlc2RlZW5kIZ8QBwYBCgMAAACfJghYT9OF+iNLzJ82AgABnzcEbVjvEw==";

/// The key of the known answer in testdata/known_answers.md (shared with the Move tests):
/// seed 32 x 0x07.
fn known_key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

fn key(seed: u8) -> ([u8; 32], [u8; 64]) {
    let sk = SigningKey::from_bytes(&[seed; 32]);
    // A real signature of something, so the bytes look like one; the codec
    // carries it and does not verify it.
    let sig = sk.sign(b"yenpay cpm test").to_bytes();
    (sk.verifying_key().to_bytes(), sig)
}

fn context() -> TerminalContext {
    TerminalContext {
        chain_id: 4,
        metadata: Address::from_hex(
            "0x72ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18",
        )
        .unwrap(),
        merchant: Address::from_hex("0xb0b").unwrap(),
    }
}

fn signed(
    public_key: [u8; 32],
    signature: [u8; 64],
    from: Option<Address>,
    amount: u64,
    valid_after: u64,
    valid_before: u64,
    nonce: u64,
) -> SignedAuthorization {
    SignedAuthorization {
        authorization: authorization_to_sign(
            &context(),
            &public_key,
            from,
            amount,
            valid_after,
            valid_before,
            nonce,
        )
        .unwrap(),
        public_key,
        signature,
    }
}

fn common_case() -> SignedAuthorization {
    let (pk, sig) = key(7);
    signed(pk, sig, None, 1_280, 1_780_000_000, 1_780_000_300, 41)
}

/// BER-TLV of a yenpay template with the given children after the ADF name.
fn with_children(children: &[(u32, &[u8])]) -> String {
    let mut app = Vec::new();
    write_ber(&mut app, TAG_ADF_NAME, &YENPAY_AID);
    for (tag, value) in children {
        write_ber(&mut app, *tag, value);
    }
    let mut out = Vec::new();
    write_ber(&mut out, TAG_PAYLOAD_FORMAT, PAYLOAD_FORMAT_INDICATOR);
    write_ber(&mut out, TAG_APPLICATION, &app);
    STANDARD.encode(out)
}

fn valid_children() -> Vec<(u32, Vec<u8>)> {
    let (pk, sig) = key(7);
    vec![
        (TAG_PUBLIC_KEY, pk.to_vec()),
        (TAG_SIGNATURE, sig.to_vec()),
        (TAG_AMOUNT, vec![0x04, 0xd2]),
        (TAG_VALID_AFTER, vec![0x01]),
        (TAG_VALID_BEFORE, vec![0x77, 0x35, 0x94, 0x00]),
        (TAG_NONCE, vec![0x01, 0x00]),
    ]
}

fn encode_children(children: &[(u32, Vec<u8>)]) -> String {
    let borrowed: Vec<(u32, &[u8])> = children.iter().map(|(t, v)| (*t, v.as_slice())).collect();
    with_children(&borrowed)
}

fn replaced(tag: u32, value: Vec<u8>) -> String {
    let mut c = valid_children();
    c.iter_mut().find(|(t, _)| *t == tag).unwrap().1 = value;
    encode_children(&c)
}

// ---- framing and known answers -----------------------------------------

#[test]
fn emvco_example_framing_parses_and_is_not_yenpay() {
    let data = STANDARD.decode(EMVCO_CPM_EXAMPLE).unwrap();
    let top = parse_ber(&data, 0).unwrap();
    let tags: Vec<u32> = top.iter().map(|t| t.tag).collect();
    assert_eq!(tags, [0x85, 0x61, 0x61, 0x62]);
    assert_eq!(top[0].value, b"CPV01");
    let app = parse_ber(top[1].value, top[1].value_offset).unwrap();
    assert_eq!(app[0].tag, 0x4F);
    assert_eq!(app[0].value, [0xA0, 0, 0, 0, 0x55, 0x55, 0x55]);
    assert_eq!(app[1].value, b"Product1");
    // The common data template holds two-byte tags (5F20 cardholder name,
    // 5F2D language) and a transparent template (64) with 9F10, 9F26, ...
    let common = parse_ber(top[3].value, top[3].value_offset).unwrap();
    let common_tags: Vec<u32> = common.iter().map(|t| t.tag).collect();
    assert_eq!(common_tags, [0x5A, 0x5F20, 0x5F2D, 0x64]);
    assert_eq!(common[1].value, b"CARDHOLDER/EMV");
    let transparent = parse_ber(common[3].value, common[3].value_offset).unwrap();
    assert_eq!(transparent[0].tag, 0x9F10);
    assert_eq!(transparent[1].tag, 0x9F26);
    assert_eq!(
        transparent[1].value,
        [0x58, 0x4F, 0xD3, 0x85, 0xFA, 0x23, 0x4B, 0xCC]
    );
    // Other applications are skipped; without ours the code is refused.
    assert_eq!(
        CustomerPresented::decode(EMVCO_CPM_EXAMPLE),
        Err(CpmError::NotYenpay)
    );
}

#[test]
fn yenpay_template_next_to_other_applications() {
    let ours = STANDARD.decode(common_case_payload()).unwrap();
    let example = STANDARD.decode(EMVCO_CPM_EXAMPLE).unwrap();
    // Ours after EMVCo's example applications and common data.
    let mut combined = example.clone();
    combined.extend_from_slice(&ours[7..]);
    let decoded = CustomerPresented::decode(&STANDARD.encode(&combined)).unwrap();
    assert_eq!(decoded.to_signed(&context()).unwrap(), common_case());
}

fn common_case_payload() -> String {
    encode(&common_case()).unwrap()
}

#[test]
fn known_answer_key_derives_the_known_address() {
    // testdata/known_answers.md: sha3-256(pk || 0x00) of seed 0x07.
    let pk = known_key().verifying_key().to_bytes();
    assert_eq!(
        const_hex::encode(pk),
        "ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c"
    );
    assert_eq!(
        address_of_key(&pk).unwrap().to_hex(),
        "0xcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad"
    );
}

#[test]
fn known_answer_collection_round_trips_and_its_bytes_are_pinned() {
    // The collection of testdata/known_answers.md (nonce 0x2a2a) as a code:
    // the terminal rebuilds exactly the signed authorization, whose signature
    // verifies against the same bytes the Move test checks.
    let signature = const_hex::decode("2ed58089024e60a6860bffafc937e8e93bacc987aa8e4aad0313a5022da55d28a6f6eea59f5211925eb9e149c2ff4e97cb5ecaa75aaf870e2e8cb20857c74009").unwrap();
    let known = SignedAuthorization {
        authorization: TransferAuthorization {
            kind: AuthorizationKind::Collection,
            chain_id: 4,
            metadata: context().metadata,
            from: Address::from_hex(
                "0xcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad",
            )
            .unwrap(),
            to: Address::from_hex("0xb0b").unwrap(),
            amount: 1234,
            valid_after: 0,
            valid_before: 2_000_000_000,
            nonce: 0x2a2a,
        },
        public_key: known_key().verifying_key().to_bytes(),
        signature: signature.try_into().unwrap(),
    };
    known.verify(Address::from_hex("0xcafe").unwrap()).unwrap();
    let payload = encode(&known).unwrap();
    let ber = STANDARD.decode(&payload).unwrap();
    // The nonce is the last data object: C8, two bytes, 0x2a2a big-endian.
    assert_eq!(ber[ber.len() - 4..], [0xC8, 0x02, 0x2a, 0x2a]);
    assert_eq!(decode(&payload, &context()).unwrap(), known);
}

#[test]
fn a_code_of_the_salt_format_is_refused() {
    // Tag C6 carried the salt of 32-byte nonces; such a code cannot verify any
    // more, and says so instead of decoding into something else.
    let mut c = valid_children();
    c.push((TAG_RETIRED_SALT, vec![0x11; 8]));
    assert!(matches!(
        CustomerPresented::decode(&encode_children(&c)),
        Err(CpmError::UnexpectedTag { ref tag, .. }) if tag == "C6"
    ));
}

// ---- round trips -------------------------------------------------------

#[test]
fn common_case_round_trip_fills_in_the_terminal_context() {
    let original = common_case();
    let payload = common_case_payload();
    let back = decode(&payload, &context()).unwrap();
    assert_eq!(back, original);
    assert_eq!(back.authorization.to, Address::from_hex("0xb0b").unwrap());
    assert_eq!(
        back.authorization.from,
        address_of_key(&original.public_key).unwrap()
    );
    let fields = CustomerPresented::decode(&payload).unwrap();
    assert_eq!(fields.from, None, "from is derived, not carried");
    assert_eq!(fields.encode().unwrap(), payload, "canonical");
}

#[test]
fn rotated_key_carries_from() {
    let (pk, sig) = key(9);
    let account = Address::from_hex("0x1234abcd").unwrap();
    let original = signed(pk, sig, Some(account), 500, 10, 20, u64::MAX);
    let payload = encode(&original).unwrap();
    let fields = CustomerPresented::decode(&payload).unwrap();
    assert_eq!(fields.from, Some(account));
    assert_eq!(decode(&payload, &context()).unwrap(), original);
}

#[test]
fn zero_values_encode_in_one_byte() {
    let (pk, sig) = key(7);
    let s = signed(pk, sig, None, 0, 0, 1, 0);
    let payload = encode(&s).unwrap();
    let data = STANDARD.decode(&payload).unwrap();
    // 85 05 CPV01, 61 L, 4F 07 AID, C1 20 .., C2 40 .., C3 01 00, ..., C8 01 00
    let c3 = data.windows(3).position(|w| w == [0xC3, 0x01, 0x00]);
    assert!(c3.is_some(), "{}", const_hex::encode(&data));
    assert_eq!(data[data.len() - 3..], [0xC8, 0x01, 0x00]);
    assert_eq!(decode(&payload, &context()).unwrap(), s);
}

// ---- sizes (README "QR payloads") ---------------------------------------

/// Base64 characters of a code and the QR version at level M.
fn measure(s: &SignedAuthorization) -> (usize, usize, i16) {
    let payload = encode(s).unwrap();
    let ber = STANDARD.decode(&payload).unwrap().len();
    (ber, payload.len(), render::version(&payload).unwrap())
}

#[test]
fn common_case_fits_version_10_at_level_m() {
    // Amount up to the legal cap of 1,000,000 yen, 2026 timestamps, no
    // rotated key, a wallet's millionth nonce.
    let (pk, sig) = key(7);
    let s = signed(
        pk,
        sig,
        None,
        1_000_000,
        1_780_000_000,
        1_780_000_300,
        1_000_000,
    );
    let (ber, chars, version) = measure(&s);
    println!("common case: {ber} bytes BER-TLV, {chars} base64 characters, QR version {version}-M");
    assert!(chars <= 213, "{chars}");
    assert!(version <= 10, "{version}");
}

#[test]
fn worst_case_sizes() {
    let (pk, sig) = key(7);
    // Every integer at u64::MAX (8 bytes), no rotated key: still version 10.
    let max = signed(pk, sig, None, u64::MAX, u64::MAX - 1, u64::MAX, u64::MAX);
    let (ber, chars, version) = measure(&max);
    println!("max integers, derived from: {ber} bytes, {chars} chars, version {version}-M");
    assert_eq!((ber, chars), (159, 212));
    assert!(version <= 10);
    // Rotated key (from carried, 34 more bytes): does not fit version 10;
    // docs/qr.md says so.
    let rotated = Address::from_hex("0xabc").unwrap();
    let worst = signed(
        pk,
        sig,
        Some(rotated),
        u64::MAX,
        u64::MAX - 1,
        u64::MAX,
        u64::MAX,
    );
    let (ber, chars, version) = measure(&worst);
    println!("worst case: {ber} bytes, {chars} chars, version {version}-M");
    assert_eq!((ber, chars), (193, 260));
    assert_eq!(version, 11);
    assert!(version > 10);
    // The rotated-key common case (realistic amount, times and nonce).
    let common_rotated = signed(
        pk,
        sig,
        Some(rotated),
        1_000_000,
        1_780_000_000,
        1_780_000_300,
        1_000_000,
    );
    let (ber, chars, version) = measure(&common_rotated);
    println!("rotated key, common values: {ber} bytes, {chars} chars, version {version}-M");
    assert!(version > 10);
}

// ---- every error variant ------------------------------------------------

#[test]
fn too_long() {
    let long = "A".repeat(MAX_PAYLOAD_CHARS + 4);
    assert!(matches!(
        CustomerPresented::decode(&long),
        Err(CpmError::TooLong { .. })
    ));
}

#[test]
fn not_base64() {
    for bad in ["not base64!", "hQVDUFYwMQ", "hQVDUFYwMQ=!", "hQVD UFYwMQ=="] {
        assert!(
            matches!(CustomerPresented::decode(bad), Err(CpmError::Base64(_))),
            "{bad}"
        );
    }
}

#[test]
fn truncated_data() {
    let full = STANDARD.decode(common_case_payload()).unwrap();
    for cut in [1, 6, 8, 9, 20, full.len() - 1] {
        let err = CustomerPresented::from_ber(&full[..cut]).unwrap_err();
        assert!(matches!(err, CpmError::Truncated { .. }), "{cut}: {err:?}");
    }
}

#[test]
fn length_encodings() {
    // Non-minimal long form for a short value.
    assert_eq!(
        CustomerPresented::from_ber(&[0x85, 0x81, 0x05, b'C', b'P', b'V', b'0', b'1']),
        Err(CpmError::BadLength { offset: 1 })
    );
    // Indefinite and three-byte lengths.
    assert_eq!(
        CustomerPresented::from_ber(&[0x85, 0x80]),
        Err(CpmError::BadLength { offset: 1 })
    );
    assert_eq!(
        CustomerPresented::from_ber(&[0x85, 0x83, 0, 0, 5]),
        Err(CpmError::BadLength { offset: 1 })
    );
    assert!(matches!(
        CustomerPresented::from_ber(&[0x85, 0x82, 0x00, 0x05]),
        Err(CpmError::BadLength { .. })
    ));
}

#[test]
fn tag_over_three_bytes() {
    assert_eq!(
        CustomerPresented::from_ber(&[0x9F, 0x81, 0x81, 0x01, 0x00]),
        Err(CpmError::BadTag { offset: 0 })
    );
}

#[test]
fn format_indicator_first() {
    assert!(matches!(
        CustomerPresented::from_ber(&[]),
        Err(CpmError::BadFormatIndicator { .. })
    ));
    assert!(matches!(
        CustomerPresented::from_ber(b"\x85\x05CPV02"),
        Err(CpmError::BadFormatIndicator { ref found }) if found == "85 4350563032"
    ));
    let data = STANDARD.decode(common_case_payload()).unwrap();
    let swapped: Vec<u8> = [&data[7..], &data[..7]].concat();
    assert!(matches!(
        CustomerPresented::from_ber(&swapped),
        Err(CpmError::BadFormatIndicator { .. })
    ));
}

#[test]
fn unexpected_tags() {
    let mut data = STANDARD.decode(common_case_payload()).unwrap();
    data.extend_from_slice(&[0x63, 0x00]);
    assert!(matches!(
        CustomerPresented::from_ber(&data),
        Err(CpmError::UnexpectedTag { ref tag, place: "at the top level", .. }) if tag == "63"
    ));
    let mut c = valid_children();
    c.push((0x50, b"yenpay".to_vec()));
    assert!(matches!(
        CustomerPresented::decode(&encode_children(&c)),
        Err(CpmError::UnexpectedTag { ref tag, .. }) if tag == "50"
    ));
}

#[test]
fn duplicates() {
    let mut c = valid_children();
    c.push((TAG_NONCE, vec![0x22; 8]));
    assert!(matches!(
        CustomerPresented::decode(&encode_children(&c)),
        Err(CpmError::Duplicate { ref tag, .. }) if tag == "C8"
    ));
    let data = STANDARD.decode(common_case_payload()).unwrap();
    let twice: Vec<u8> = [&data[..], &data[7..]].concat();
    assert!(matches!(
        CustomerPresented::from_ber(&twice),
        Err(CpmError::Duplicate { ref tag, .. }) if tag == "61"
    ));
}

#[test]
fn missing_fields() {
    for (tag, name) in [
        (TAG_PUBLIC_KEY, "public key"),
        (TAG_SIGNATURE, "signature"),
        (TAG_AMOUNT, "amount"),
        (TAG_VALID_AFTER, "valid_after"),
        (TAG_VALID_BEFORE, "valid_before"),
        (TAG_NONCE, "nonce"),
    ] {
        let c: Vec<_> = valid_children()
            .into_iter()
            .filter(|(t, _)| *t != tag)
            .collect();
        assert_eq!(
            CustomerPresented::decode(&encode_children(&c)),
            Err(CpmError::Missing {
                tag: tag_hex(tag),
                name
            })
        );
    }
}

#[test]
fn field_lengths() {
    let length_error = |tag: u32, value: Vec<u8>| {
        let err = CustomerPresented::decode(&replaced(tag, value)).unwrap_err();
        assert!(
            matches!(err, CpmError::BadFieldLength { tag: ref t, .. } if *t == tag_hex(tag)),
            "{tag:X}: {err:?}"
        );
    };
    length_error(TAG_PUBLIC_KEY, vec![1; 31]);
    length_error(TAG_SIGNATURE, vec![1; 65]);
    length_error(TAG_AMOUNT, vec![]);
    length_error(TAG_AMOUNT, vec![1; 9]);
    length_error(TAG_NONCE, vec![]);
    length_error(TAG_NONCE, vec![1; 9]);
    let mut c = valid_children();
    c.push((TAG_FROM, vec![1; 20]));
    assert!(matches!(
        CustomerPresented::decode(&encode_children(&c)),
        Err(CpmError::BadFieldLength { ref tag, .. }) if tag == "C7"
    ));
}

#[test]
fn integers_are_minimal() {
    assert_eq!(
        CustomerPresented::decode(&replaced(TAG_AMOUNT, vec![0x00, 0x04, 0xd2])),
        Err(CpmError::NonMinimalInteger {
            tag: "C3".into(),
            name: "amount"
        })
    );
    assert_eq!(
        CustomerPresented::decode(&replaced(TAG_NONCE, vec![0x00, 0x01])),
        Err(CpmError::NonMinimalInteger {
            tag: "C8".into(),
            name: "nonce"
        })
    );
}

#[test]
fn public_key_must_be_a_point() {
    // Find 32 bytes that do not decompress to a curve point.
    let not_a_point = (0u8..=255)
        .map(|b| [b; 32])
        .find(|k| VerifyingKey::from_bytes(k).is_err())
        .expect("some constant byte string is not a point");
    assert_eq!(
        CustomerPresented::decode(&replaced(TAG_PUBLIC_KEY, not_a_point.to_vec())),
        Err(CpmError::InvalidPublicKey)
    );
    assert_eq!(
        address_of_key(&not_a_point),
        Err(CpmError::InvalidPublicKey)
    );
}

#[test]
fn window_must_not_be_empty() {
    assert_eq!(
        CustomerPresented::decode(&replaced(TAG_VALID_BEFORE, vec![0x01])),
        Err(CpmError::EmptyWindow {
            valid_after: 1,
            valid_before: 1
        })
    );
    let (pk, sig) = key(7);
    let s = signed(pk, sig, None, 1, 10, 5, 0);
    assert!(matches!(encode(&s), Err(CpmError::EmptyWindow { .. })));
}

#[test]
fn redundant_from_is_refused() {
    let (pk, _) = key(7);
    let mut c = valid_children();
    c.push((TAG_FROM, address_of_key(&pk).unwrap().to_bytes().to_vec()));
    assert_eq!(
        CustomerPresented::decode(&encode_children(&c)),
        Err(CpmError::RedundantFrom)
    );
}

#[test]
fn a_transfer_authorization_is_not_put_in_a_code() {
    let mut s = common_case();
    s.authorization.kind = AuthorizationKind::Transfer;
    assert_eq!(encode(&s), Err(CpmError::NotACollection));
}

#[test]
fn describe_lists_every_field() {
    let json = CustomerPresented::decode(&common_case_payload())
        .unwrap()
        .describe();
    assert_eq!(json["amount"], 1280);
    assert_eq!(json["application"], "F059454E504159");
    assert_eq!(json["from_source"], "derived from the public key");
    assert_eq!(
        json["from"],
        "0xcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad"
    );
    assert_eq!(json["nonce"], 41);
}

// ---- properties --------------------------------------------------------

proptest! {
    #[test]
    fn round_trip(
        seed in 1u8..=255,
        amount in any::<u64>(),
        window in (any::<u64>(), any::<u64>()).prop_filter("non-empty", |(a, b)| a != b),
        nonce in any::<u64>(),
        rotated in proptest::option::of(any::<[u8; 32]>()),
    ) {
        let (pk, sig) = key(seed);
        let (valid_after, valid_before) = (window.0.min(window.1), window.0.max(window.1));
        let from = rotated
            .map(Address::new)
            .filter(|a| *a != address_of_key(&pk).unwrap());
        let s = signed(pk, sig, from, amount, valid_after, valid_before, nonce);
        let payload = encode(&s).unwrap();
        prop_assert_eq!(decode(&payload, &context()).unwrap(), s);
        prop_assert_eq!(CustomerPresented::decode(&payload).unwrap().encode().unwrap(), payload);
    }

    #[test]
    fn decode_never_panics_on_text(s in "\\PC{0,300}") {
        let _ = CustomerPresented::decode(&s);
    }

    #[test]
    fn decode_never_panics_on_bytes(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(code) = CustomerPresented::from_ber(&data) {
            prop_assert_eq!(CustomerPresented::decode(&code.encode().unwrap()).unwrap(), code);
        }
    }

    #[test]
    fn mutated_codes_never_panic(index in 0usize..200, byte in any::<u8>()) {
        let mut data = STANDARD.decode(common_case_payload()).unwrap();
        let i = index % data.len();
        data[i] = byte;
        if let Ok(code) = CustomerPresented::from_ber(&data) {
            let _ = code.to_signed(&context());
        }
    }
}
