//! What the generated code cannot pin: the hand-written Rust that must agree
//! with the Move sources. The calls, views, events and abort tables are
//! generated from `move/sources` (`cargo xtask codegen`, checked by
//! `cargo xtask test`); these tests read the same sources and fail on any
//! difference in:
//! - the records the views return (`MerchantInfo`, `Invoice`), decoded from
//!   samples of the Move struct's fields;
//! - every `#[event]`, decoded through the client's dispatch from samples of
//!   its Move field types;
//! - the limits in `yenpay_types::limits` and the seeds;
//! - the field layout of the signed messages.
use crate::abort::Module;
use crate::authorization::AuthorizationEvent;
use crate::events::{TxEvent, decode_typed};
use crate::fee_treasury::FeeTreasuryEvent;
use crate::invoice::InvoiceEvent;
use crate::merchant::MerchantEvent;
use crate::stablecoin::StablecoinEvent;
use aptos_sdk::types::AccountAddress;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use yenpay_types::limits;

/// What the tests need of one Move module.
#[derive(Debug, Default)]
struct MoveModule {
    name: String,
    /// `const NAME: type = value;` with the `///` lines right above it.
    constants: Vec<MoveConstant>,
    entries: BTreeMap<String, Vec<(String, String)>>,
    views: BTreeMap<String, Vec<(String, String)>>,
    events: BTreeMap<String, Vec<(String, String)>>,
    structs: BTreeMap<String, Vec<(String, String)>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct MoveConstant {
    name: String,
    kind: String,
    value: String,
    doc: String,
}

fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

fn read(relative: &str) -> String {
    let path = repo_path(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Drops `//` comments (doc comments too), keeping byte strings intact.
fn strip_comments(source: &str) -> String {
    source
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Splits on commas outside `<>`, `()` and `{}`, dropping empty pieces.
fn split_top_level(text: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '<' | '(' | '{' | '[' => depth += 1,
            '>' | ')' | '}' | ']' => depth -= 1,
            ',' if depth == 0 => {
                pieces.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    pieces.push(current);
    pieces
        .into_iter()
        .map(|piece| piece.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|piece| !piece.is_empty())
        .collect()
}

fn typed_names(list: &str) -> Vec<(String, String)> {
    split_top_level(list)
        .into_iter()
        .map(|piece| {
            let (name, kind) = piece
                .split_once(':')
                .unwrap_or_else(|| panic!("not `name: type`: {piece}"));
            (name.trim().to_owned(), kind.trim().to_owned())
        })
        .collect()
}

/// The text between the bracket at `open` and its match.
fn enclosed(text: &str, open: usize) -> &str {
    let bytes = text.as_bytes();
    let (opening, closing) = (bytes[open], if bytes[open] == b'(' { b')' } else { b'}' });
    let mut depth = 0;
    for (index, &byte) in bytes.iter().enumerate().skip(open) {
        if byte == opening {
            depth += 1;
        } else if byte == closing {
            depth -= 1;
            if depth == 0 {
                return &text[open + 1..index];
            }
        }
    }
    panic!("unbalanced bracket at {open}");
}

fn is_identifier_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

fn parse_module(source: &str) -> MoveModule {
    let mut module = MoveModule::default();
    let lines: Vec<&str> = source.lines().collect();
    for (index, line) in lines.iter().enumerate() {
        let Some(declaration) = line.trim().strip_prefix("const ") else {
            continue;
        };
        let (name, rest) = declaration.split_once(':').expect("const NAME: type");
        let (kind, value) = rest.split_once('=').expect("const ... = value");
        let mut doc = Vec::new();
        for above in lines[..index].iter().rev() {
            match above.trim().strip_prefix("///") {
                Some(text) => doc.push(text.trim()),
                None => break,
            }
        }
        doc.reverse();
        module.constants.push(MoveConstant {
            name: name.trim().to_owned(),
            kind: kind.trim().to_owned(),
            value: value.trim().trim_end_matches(';').trim().to_owned(),
            doc: doc.join(" "),
        });
    }

    let text = strip_comments(source);
    let header = text.find("module ").expect("a module declaration");
    let name_end = text[header..].find('{').expect("module body") + header;
    let qualified = text[header + "module ".len()..name_end].trim();
    module.name = qualified
        .split_once("::")
        .map(|(_, name)| name.to_owned())
        .expect("module address::name");

    // Functions: the modifiers and attributes since the previous item end.
    let bytes = text.as_bytes();
    let mut search = 0;
    while let Some(found) = text[search..].find("fun ") {
        let at = search + found;
        search = at + 4;
        if at > 0 && is_identifier_byte(bytes[at - 1]) {
            continue;
        }
        let item_start = text[..at].rfind([';', '}', '{']).map_or(0, |i| i + 1);
        let prefix = &text[item_start..at];
        let words: Vec<&str> = prefix.split_whitespace().collect();
        let is_public = words.contains(&"public");
        let is_entry = is_public && words.contains(&"entry");
        let is_view = is_public && prefix.contains("#[view]");
        let is_test = prefix.contains("#[test");
        if !(is_entry || is_view) || is_test {
            continue;
        }
        let name_start = at + 4;
        let paren = text[name_start..].find('(').expect("fun name(") + name_start;
        let name = text[name_start..paren].trim();
        let name = name.split('<').next().unwrap_or(name).trim().to_owned();
        let params = typed_names(enclosed(&text, paren));
        if is_entry {
            module.entries.insert(name, params);
        } else {
            module.views.insert(name, params);
        }
    }

    // Structs (events are the ones marked `#[event]`).
    let mut search = 0;
    while let Some(found) = text[search..].find("struct ") {
        let at = search + found;
        search = at + 7;
        if at > 0 && is_identifier_byte(bytes[at - 1]) {
            continue;
        }
        let item_start = text[..at].rfind([';', '}', '{']).map_or(0, |i| i + 1);
        let is_event = text[item_start..at].contains("#[event]");
        let rest = &text[at + 7..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let Some(open) = text[at..].find(['{', ';']).map(|i| i + at) else {
            continue;
        };
        if bytes[open] != b'{' {
            continue;
        }
        let fields = typed_names(enclosed(&text, open));
        if is_event {
            module.events.insert(name.clone(), fields.clone());
        }
        module.structs.insert(name, fields);
    }
    module
}

fn move_module(module: Module) -> MoveModule {
    let parsed = parse_module(&read(&format!("move/sources/{}.move", module.name())));
    assert_eq!(parsed.name, module.name(), "module name in its file");
    parsed
}

fn move_modules() -> Vec<(Module, MoveModule)> {
    Module::ALL
        .into_iter()
        .map(|module| (module, move_module(module)))
        .collect()
}

fn constant(module: &MoveModule, name: &str) -> MoveConstant {
    module
        .constants
        .iter()
        .find(|constant| constant.name == name)
        .unwrap_or_else(|| panic!("{}::{name} is gone from the Move source", module.name))
        .clone()
}

fn number(module: &MoveModule, name: &str) -> u64 {
    let value = constant(module, name).value.replace('_', "");
    match value.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => value.parse(),
    }
    .unwrap_or_else(|_| panic!("{}::{name} = {value} is not a number", module.name))
}

fn byte_string(module: &MoveModule, name: &str) -> Vec<u8> {
    let value = constant(module, name).value;
    value
        .strip_prefix("b\"")
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or_else(|| panic!("{}::{name} = {value} is not b\"...\"", module.name))
        .as_bytes()
        .to_vec()
}

/// Public functions of `impl <type_name>` in a Rust source: name, whether
/// async, parameter count without the receiver.
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
            Module::Stablecoin => StablecoinEvent::NAMES,
            Module::MerchantRegistry => MerchantEvent::NAMES,
            Module::Invoice => InvoiceEvent::NAMES,
            Module::Upgrade => crate::upgrade::UpgradeEvent::NAMES,
        }
        .iter()
        .copied()
        .collect();
        let move_names: BTreeSet<&str> = parsed.events.keys().map(String::as_str).collect();
        assert_eq!(move_names, rust_names, "{module}: #[event] structs");
        for (name, fields) in &parsed.events {
            let data: serde_json::Map<String, Value> = fields
                .iter()
                .map(|(field, kind)| (field.clone(), sample(kind)))
                .collect();
            let type_tag = format!("0xcafe::{module}::{name}");
            match decode_typed(package, &type_tag, &Value::Object(data)) {
                Ok(TxEvent::Yenpay(_)) => {}
                other => panic!("{type_tag} ({fields:?}) does not decode: {other:?}"),
            }
        }
    }
}

#[test]
fn record_views_decode_from_their_move_structs() {
    let merchant_module = move_module(Module::MerchantRegistry);
    let info: serde_json::Map<String, Value> = merchant_module.structs["MerchantInfo"]
        .iter()
        .map(|(field, kind)| (field.clone(), sample(kind)))
        .collect();
    serde_json::from_value::<crate::merchant::MerchantInfo>(Value::Object(info))
        .expect("MerchantInfo as the Move struct declares it");
    let invoice_module = move_module(Module::Invoice);
    let invoice: serde_json::Map<String, Value> = invoice_module.structs["Invoice"]
        .iter()
        .map(|(field, kind)| (field.clone(), sample(kind)))
        .collect();
    serde_json::from_value::<crate::invoice::Invoice>(Value::Object(invoice))
        .expect("Invoice as the Move struct declares it");
}

#[test]
fn limits_match_the_move_constants() {
    let stablecoin = move_module(Module::Stablecoin);
    let authorization = move_module(Module::Authorization);
    let registry = move_module(Module::MerchantRegistry);
    let treasury = move_module(Module::FeeTreasury);
    let invoice = move_module(Module::Invoice);
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
        number(&stablecoin, "INITIAL_TRANSFER_CAP"),
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
        let declared: Vec<(&str, &str)> = authorization.structs[name]
            .iter()
            .map(|(name, kind)| (name.as_str(), kind.as_str()))
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
}

#[test]
fn the_scanner_reads_what_the_tests_rely_on() {
    let source = r#"
        module yenpay_client::sample {
            /// First line.
            /// Second line.
            const EFIRST: u64 = 0x1;
            const MAX: u64 = 1_000;
            #[event]
            /// Doc.
            struct Happened has drop, store { who: address, amount: u64 }
            struct Other has key { table: Table<address, u64>, }
            public entry fun go(s: &signer, to: address, items: vector<Object<T>>,) { abort 1 }
            fun refund_internal(x: u64) {}
            #[view]
            /// Doc of the view.
            public fun look(a: address): u64 { 1 }
            public fun not_a_view(): u64 { 2 }
            #[test_only]
            public entry fun test_helper(s: &signer) {}
        }
    "#;
    let module = parse_module(source);
    assert_eq!(module.name, "sample");
    assert_eq!(
        module.constants[0],
        MoveConstant {
            name: "EFIRST".into(),
            kind: "u64".into(),
            value: "0x1".into(),
            doc: "First line. Second line.".into()
        }
    );
    assert_eq!(number(&module, "MAX"), 1000);
    assert_eq!(module.entries.keys().collect::<Vec<_>>(), ["go"]);
    assert_eq!(module.entries["go"].len(), 3);
    assert_eq!(module.entries["go"][2].1, "vector<Object<T>>");
    assert_eq!(module.views.keys().collect::<Vec<_>>(), ["look"]);
    assert_eq!(module.events.keys().collect::<Vec<_>>(), ["Happened"]);
    assert_eq!(module.structs["Other"][0].1, "Table<address, u64>");
}
