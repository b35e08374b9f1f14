//! What the generated code cannot pin: the hand-written Rust that must agree
//! with the Move sources. The calls, views, events and abort tables are
//! generated from `move/sources` (`cargo xtask codegen`, checked by
//! `cargo xtask test`); these tests read the same sources, with the
//! generator's reader (`yenpay-move-source`), and fail on any difference in:
//! - the records the views return (`MerchantInfo`, `Invoice`), decoded from
//!   samples of the Move struct's fields;
//! - every `#[event]`, decoded through the client's dispatch from samples of
//!   its Move field types;
//! - the limits in `yenpay_types::limits` and the seeds;
//! - the field layout of the signed messages.
use crate::authorization::AuthorizationEvent;
use crate::events::{TxEvent, decode_typed};
use crate::fee_treasury::FeeTreasuryEvent;
use crate::invoice::InvoiceEvent;
use crate::merchant::MerchantEvent;
use crate::module::Module;
use crate::stablecoin::StablecoinEvent;
use aptos_sdk::types::AccountAddress;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::PathBuf;
use yenpay_move_source::{Constant, Module as MoveModule, Struct};
use yenpay_types::limits;

fn read(relative: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn move_module(module: Module) -> MoveModule {
    let path = format!("move/sources/{}.move", module.name());
    let parsed =
        yenpay_move_source::parse(&read(&path)).unwrap_or_else(|error| panic!("{path}: {error}"));
    assert_eq!(parsed.name, module.name(), "module name in its file");
    parsed
}

fn move_modules() -> Vec<(Module, MoveModule)> {
    Module::ALL
        .into_iter()
        .map(|module| (module, move_module(module)))
        .collect()
}

fn constant<'a>(module: &'a MoveModule, name: &str) -> &'a Constant {
    module
        .constant(name)
        .unwrap_or_else(|| panic!("{}::{name} is gone from the Move source", module.name))
}

fn number(module: &MoveModule, name: &str) -> u64 {
    let constant = constant(module, name);
    constant.as_u64().unwrap_or_else(|| {
        panic!(
            "{}::{name} = {} is not a number",
            module.name, constant.value
        )
    })
}

fn byte_string(module: &MoveModule, name: &str) -> Vec<u8> {
    let constant = constant(module, name);
    constant
        .as_byte_string()
        .unwrap_or_else(|| {
            panic!(
                "{}::{name} = {} is not b\"...\"",
                module.name, constant.value
            )
        })
        .to_vec()
}

fn structure<'a>(module: &'a MoveModule, name: &str) -> &'a Struct {
    module
        .structure(name)
        .unwrap_or_else(|| panic!("{}::{name} is gone from the Move source", module.name))
}

/// A struct as the node's JSON writes it, each field a sample of its Move type.
fn sample_struct(declared: &Struct) -> Value {
    Value::Object(
        declared
            .fields
            .iter()
            .map(|field| (field.name.clone(), sample(&field.ty)))
            .collect(),
    )
}

/// A value of Move type `kind` as the node's JSON writes it.
fn sample(kind: &str) -> Value {
    match kind {
        "address" => json!("0xb0b"),
        "bool" => json!(true),
        "u8" | "u16" | "u32" => json!(7),
        "u64" | "u128" | "u256" => json!("42"),
        "vector<String>" => json!(["A-1", "注文-2"]),
        "String" | "string::String" | "std::string::String" => json!("注文-1"),
        "vector<u8>" => json!("0x2a2a"),
        "vector<address>" => json!(["0x1", "0xb0b"]),
        "Option<address>" => json!({"vec": ["0xb0b"]}),
        "MerchantStatus" => json!({"__variant__": "Suspended", "reason": 3}),
        "InvoiceStatus" => json!({"__variant__": "Open"}),
        "InvoiceState" => json!({"__variant__": "Paid"}),
        "HoldState" => json!({"__variant__": "Closed"}),
        other if other.starts_with("Object<") => json!({"inner": "0xb0b"}),
        other => panic!("no sample for Move type `{other}`: extend `sample`"),
    }
}

#[test]
fn every_move_event_decodes_into_its_rust_struct() {
    let package = AccountAddress::from_hex("0xcafe").unwrap();
    for (module, parsed) in move_modules() {
        let rust_names: BTreeSet<&str> = match module {
            Module::Authorization => AuthorizationEvent::NAMES,
            Module::FeeTreasury => FeeTreasuryEvent::NAMES,
            Module::Controls => crate::controls::ControlsEvent::NAMES,
            Module::Stablecoin => StablecoinEvent::NAMES,
            Module::Issuance => crate::issuance::IssuanceEvent::NAMES,
            Module::MerchantRegistry => MerchantEvent::NAMES,
            Module::Invoice => InvoiceEvent::NAMES,
            Module::Hold => crate::hold::HoldEvent::NAMES,
            Module::Fx => crate::fx::FxEvent::NAMES,
            Module::TaxRefund => crate::tax_refund::TaxRefundEvent::NAMES,
            Module::Upgrade => crate::upgrade::UpgradeEvent::NAMES,
        }
        .iter()
        .copied()
        .collect();
        let move_names: BTreeSet<&str> = parsed.events().map(|e| e.name.as_str()).collect();
        assert_eq!(move_names, rust_names, "{module}: #[event] structs");
        for event in parsed.events() {
            let type_tag = format!("0xcafe::{module}::{}", event.name);
            match decode_typed(package, &type_tag, &sample_struct(event)) {
                Ok(TxEvent::Yenpay(_)) => {}
                other => panic!("{type_tag} ({:?}) does not decode: {other:?}", event.fields),
            }
        }
    }
}

#[test]
fn record_views_decode_from_their_move_structs() {
    let merchant_module = move_module(Module::MerchantRegistry);
    let info = sample_struct(structure(&merchant_module, "MerchantInfo"));
    serde_json::from_value::<crate::merchant::MerchantInfo>(info)
        .expect("MerchantInfo as the Move struct declares it");
    let invoice_module = move_module(Module::Invoice);
    let invoice = sample_struct(structure(&invoice_module, "Invoice"));
    serde_json::from_value::<crate::invoice::Invoice>(invoice)
        .expect("Invoice as the Move struct declares it");
    let hold_module = move_module(Module::Hold);
    let hold = sample_struct(structure(&hold_module, "Hold"));
    serde_json::from_value::<crate::hold::Hold>(hold).expect("Hold as the Move struct declares it");
    let tax_refund_module = move_module(Module::TaxRefund);
    let purchase = sample_struct(structure(&tax_refund_module, "Purchase"));
    serde_json::from_value::<crate::tax_refund::Purchase>(purchase)
        .expect("Purchase as the Move struct declares it");
}

#[test]
fn limits_match_the_move_constants() {
    let stablecoin = move_module(Module::Stablecoin);
    let controls = move_module(Module::Controls);
    let authorization = move_module(Module::Authorization);
    let registry = move_module(Module::MerchantRegistry);
    let treasury = move_module(Module::FeeTreasury);
    let invoice = move_module(Module::Invoice);
    let hold = move_module(Module::Hold);
    let as_u64 = |value: usize| u64::try_from(value).unwrap();
    assert_eq!(
        number(&invoice, "MAX_ORDER_REF_BYTES"),
        as_u64(limits::MAX_ORDER_REF_BYTES)
    );
    assert_eq!(
        number(&invoice, "MAX_REFERENCE_BYTES"),
        as_u64(limits::MAX_REFERENCE_BYTES)
    );
    assert_eq!(number(&invoice, "MIN_TTL_SECS"), limits::MIN_TTL_SECS);
    assert_eq!(number(&invoice, "MAX_TTL_SECS"), limits::MAX_TTL_SECS);
    assert_eq!(number(&hold, "MAX_CODE_TTL_SECS"), limits::MAX_TTL_SECS);
    assert_eq!(number(&hold, "MAX_HOLD_SECS"), limits::MAX_HOLD_SECS);
    assert_eq!(
        number(&hold, "MAX_HOLD_REF_BYTES"),
        as_u64(limits::MAX_ORDER_REF_BYTES)
    );
    assert_eq!(
        number(&invoice, "DEFAULT_REFUND_WINDOW_SECS"),
        limits::DEFAULT_REFUND_WINDOW_SECS
    );
    assert_eq!(
        number(&invoice, "MIN_REFUND_WINDOW_SECS"),
        limits::MIN_REFUND_WINDOW_SECS
    );
    assert_eq!(
        number(&invoice, "MAX_REFUND_WINDOW_SECS"),
        limits::MAX_REFUND_WINDOW_SECS
    );
    assert_eq!(
        number(&registry, "MAX_NAME_BYTES"),
        as_u64(limits::MAX_NAME_BYTES)
    );
    assert_eq!(number(&registry, "MAX_FEE_BPS"), limits::MAX_FEE_BPS);
    assert_eq!(
        number(&registry, "BPS_DENOMINATOR"),
        limits::BPS_DENOMINATOR
    );
    assert_eq!(number(&registry, "MAX_TERMINALS"), limits::MAX_TERMINALS);
    assert_eq!(
        number(&stablecoin, "MAX_LEGAL_ORDER_LENGTH"),
        as_u64(limits::MAX_LEGAL_ORDER_BYTES)
    );
    // A nonce's word is `nonce >> WORD_SHIFT`, its bit `nonce & BIT_MASK`.
    assert_eq!(
        1u64 << number(&authorization, "WORD_SHIFT"),
        yenpay_types::authorization::NONCES_PER_WORD
    );
    assert_eq!(
        number(&authorization, "BIT_MASK"),
        yenpay_types::authorization::NONCES_PER_WORD - 1
    );
    assert_eq!(number(&authorization, "PUBLIC_KEY_LENGTH"), 32);
    assert_eq!(number(&authorization, "SIGNATURE_LENGTH"), 64);
    assert_eq!(
        number(&controls, "INITIAL_TRANSFER_CAP"),
        limits::INITIAL_TRANSFER_CAP
    );
    assert_eq!(
        byte_string(&stablecoin, "ASSET_SEED"),
        crate::stablecoin::ASSET_SEED
    );
    assert_eq!(
        byte_string(&treasury, "TREASURY_SEED"),
        crate::fee_treasury::TREASURY_SEED
    );
    assert_eq!(
        byte_string(&hold, "HOLD_ESCROW_SEED"),
        yenpay_types::objects::HOLD_ESCROW_SEED
    );
    let tax_refund = move_module(Module::TaxRefund);
    assert_eq!(
        byte_string(&tax_refund, "FLOAT_SEED"),
        yenpay_types::objects::TAX_REFUND_FLOAT_SEED
    );
    assert_eq!(
        number(&tax_refund, "CLAIM_WINDOW_SECS"),
        yenpay_types::tax_refund::CLAIM_WINDOW_SECS
    );
    let fx = move_module(Module::Fx);
    assert_eq!(
        byte_string(&fx, "DESK_SEED"),
        yenpay_types::objects::FX_DESK_SEED
    );
    assert_eq!(
        number(&fx, "MAX_QUOTE_TTL_SECS"),
        yenpay_types::fx::MAX_QUOTE_TTL_SECS
    );
    assert_eq!(
        number(&fx, "RATE_DECIMALS"),
        u64::from(yenpay_types::fx::RATE_DECIMALS)
    );
    assert_eq!(
        number(&fx, "USDC_DECIMALS"),
        u64::from(yenpay_types::fx::USDC_DECIMALS)
    );
}

#[test]
fn the_signed_message_has_the_move_layout() {
    // The Rust encoder writes these fields in this order (pinned by the
    // known-answer test in `authorization`); Move must declare the same, in
    // the module the signed type info names.
    let authorization = move_module(Module::Authorization);
    assert_eq!(
        authorization.name.as_bytes(),
        yenpay_types::authorization::MODULE_NAME
    );
    for (name, receiver) in [
        ("TransferAuthorization", "to"),
        ("CollectionAuthorization", "merchant"),
    ] {
        let declared: Vec<(&str, &str)> = structure(&authorization, name)
            .fields
            .iter()
            .map(|field| (field.name.as_str(), field.ty.as_str()))
            .collect();
        assert_eq!(
            declared,
            [
                ("chain_id", "u8"),
                ("metadata", "address"),
                ("from", "address"),
                (receiver, "address"),
                ("amount", "u64"),
                ("valid_after", "u64"),
                ("valid_before", "u64"),
                ("nonce", "u64"),
            ],
            "{name}"
        );
    }
    // The hold messages, in the order `yenpay_types::hold` encodes them.
    let fields = |name: &str| -> Vec<(String, String)> {
        structure(&authorization, name)
            .fields
            .iter()
            .map(|field| (field.name.clone(), field.ty.clone()))
            .collect()
    };
    let expect = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
            .collect()
    };
    assert_eq!(
        fields(yenpay_types::hold::OFFER_STRUCT_NAME),
        expect(&[
            ("chain_id", "u8"),
            ("metadata", "address"),
            ("merchant", "address"),
            ("terminal", "address"),
            ("hold_ref", "String"),
            ("amount", "u64"),
            ("tip_limit", "u64"),
            ("capture_before", "u64"),
            ("expires_at", "u64"),
        ])
    );
    assert_eq!(
        fields(yenpay_types::tax_refund::OFFER_STRUCT_NAME),
        expect(&[
            ("chain_id", "u8"),
            ("metadata", "address"),
            ("merchant", "address"),
            ("terminal", "address"),
            ("order_ref", "String"),
            ("amount", "u64"),
            ("expires_at", "u64"),
            ("standard_tax", "u64"),
            ("reduced_tax", "u64"),
            ("tax_free", "bool"),
        ])
    );
    assert_eq!(
        fields(yenpay_types::tax_refund::ATTESTATION_STRUCT_NAME),
        expect(&[
            ("chain_id", "u8"),
            ("metadata", "address"),
            ("merchant", "address"),
            ("order_ref", "String"),
            ("traveller", "address"),
        ])
    );
    assert_eq!(
        fields(yenpay_types::fx::STRUCT_NAME),
        expect(&[
            ("chain_id", "u8"),
            ("metadata", "address"),
            ("usdc", "address"),
            ("merchant", "address"),
            ("order_ref", "String"),
            ("yen_amount", "u64"),
            ("usdc_amount", "u64"),
            ("rate", "u64"),
            ("expires_at", "u64"),
        ])
    );
    assert_eq!(
        fields(yenpay_types::hold::AUTHORIZATION_STRUCT_NAME),
        expect(&[
            ("chain_id", "u8"),
            ("metadata", "address"),
            ("from", "address"),
            ("merchant", "address"),
            ("amount", "u64"),
            ("tip_limit", "u64"),
            ("capture_before", "u64"),
            ("valid_after", "u64"),
            ("valid_before", "u64"),
            ("nonce", "u64"),
        ])
    );
}
