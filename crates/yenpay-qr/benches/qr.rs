//! Encode + decode time per payload of each QR codec (docs/qr.md).
//! Run: `cargo bench -p yenpay-qr --bench qr`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::{Signer, SigningKey};
use yenpay_qr::cpm::{self, TerminalContext};
use yenpay_qr::mpm::{
    LanguageTemplate, MerchantDetails, MerchantPresented, Payload, PaymentRequest, YenpayPayment,
};
use yenpay_qr::uri;
use yenpay_types::Address;
use yenpay_types::authorization::SignedAuthorization;

/// The EMVCo MPM specification's example payload.
const SPEC_EXAMPLE: &str = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A";

fn address(s: &str) -> Address {
    s.parse().expect("address")
}

fn dynamic_payment() -> YenpayPayment {
    YenpayPayment {
        chain_id: 1,
        package: address("0x5a1e7c1b0ad3f0e2d4c6b8a0f1e3d5c7b9a1f3e5d7c9b1a3f5e7d9c1b3a5f7e9"),
        merchant: address("0x9f2c3a1be4d5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e9"),
        request: PaymentRequest::Dynamic {
            order_ref: "ORDER-2026-000123".into(),
            amount: 1_280,
        },
    }
}

fn details() -> MerchantDetails {
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

fn mpm(c: &mut Criterion) {
    let payment = dynamic_payment();
    let details = details();
    let payload = payment.encode(&details).expect("encodes");
    c.bench_function("mpm/yenpay dynamic: encode + decode", |b| {
        b.iter(|| {
            let text = black_box(&payment)
                .encode(black_box(&details))
                .expect("encodes");
            YenpayPayment::decode(&text).expect("decodes")
        })
    });
    c.bench_function("mpm/yenpay dynamic: encode", |b| {
        b.iter(|| {
            black_box(&payment)
                .encode(black_box(&details))
                .expect("encodes")
        })
    });
    c.bench_function("mpm/yenpay dynamic: decode", |b| {
        b.iter(|| YenpayPayment::decode(black_box(&payload)).expect("decodes"))
    });
    c.bench_function("mpm/EMVCo spec example: decode typed + re-encode", |b| {
        b.iter(|| {
            MerchantPresented::decode(black_box(SPEC_EXAMPLE))
                .expect("decodes")
                .encode()
                .expect("encodes")
        })
    });
    c.bench_function("mpm/EMVCo spec example: parse only", |b| {
        b.iter(|| Payload::parse(black_box(SPEC_EXAMPLE)).expect("parses"))
    });
}

fn cpm(c: &mut Criterion) {
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let public_key = key.verifying_key().to_bytes();
    let context = TerminalContext {
        chain_id: 1,
        metadata: address("0x72ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18"),
        merchant: address("0x9f2c3a1be4d5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e9"),
    };
    let authorization = cpm::authorization_to_sign(
        &context,
        &public_key,
        None,
        1_280,
        1_780_000_000,
        1_780_000_300,
        41,
    )
    .expect("authorization");
    let signed = SignedAuthorization {
        authorization,
        public_key,
        signature: key.sign(b"bench").to_bytes(),
    };
    c.bench_function("cpm/common case: encode + decode", |b| {
        b.iter(|| {
            let text = cpm::encode(black_box(&signed)).expect("encodes");
            cpm::decode(&text, &context).expect("decodes")
        })
    });
}

fn wallet_uri(c: &mut Criterion) {
    let payment = dynamic_payment();
    c.bench_function("uri/dynamic: encode + decode", |b| {
        b.iter(|| {
            let text = uri::encode(black_box(&payment)).expect("encodes");
            uri::decode(&text).expect("decodes")
        })
    });
}

criterion_group!(benches, mpm, cpm, wallet_uri);
criterion_main!(benches);
