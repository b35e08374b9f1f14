//! `cargo xtask codegen [--check]`: the Rust side of the Move interface,
//! generated from `move/sources`.
//!
//! The Move sources are the one source of truth for the package's interface,
//! read by `yenpay-move-source` (as the client's drift tests read them).
//! For each module this writes two committed files beside the client's
//! hand-written module: `interface.rs`, what the module says back (the abort
//! constants with name, value and doc comment, and a struct for every
//! `#[event]`), which depends on nothing of the client but its tables, so the
//! client's abort and event decoding can gather every module's without
//! depending on the calls; and `calls.rs`, a payload builder and a typed async
//! call for every `public entry fun` and a typed call for every `#[view]`. Typed,
//! validated arguments come from [`arg_type`], a table keyed by the Move
//! parameter's name and type; a parameter the table does not know stops the
//! generator with a message naming it. `--check` (run by `cargo xtask test`)
//! fails when a committed file differs from what the sources give, as
//! rust-analyzer's `xtask/src/codegen.rs` does.
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};
use clap::Args;
use yenpay_move_source::{Constant, Function, Module, TypedName, parse};

/// Options of `cargo xtask codegen`.

#[derive(Debug, Args)]
pub struct CodegenArgs {
    /// Fail if a committed generated file is out of date instead of writing it.
    #[arg(long)]
    pub check: bool,
}

/// One Move module and where its Rust lives.
struct Target {
    /// `move/sources/<move_name>.move`.
    move_name: &'static str,
    /// The `Module` variant in the client's abort module.
    module_variant: &'static str,
    /// The struct that submits calls and reads views (`Stablecoin`).
    client_type: &'static str,
    /// The abort enum (`StablecoinAbort`).
    abort_enum: &'static str,
    /// The event enum (`StablecoinEvent`).
    event_enum: &'static str,
    /// The client's folder of the module, under `crates/yenpay-client/src`.
    dir: &'static str,
}

const CLIENT_SRC: &str = "crates/yenpay-client/src";

const TARGETS: &[Target] = &[
    Target {
        move_name: "authorization",
        module_variant: "Authorization",
        client_type: "Authorizations",
        abort_enum: "AuthorizationAbort",
        event_enum: "AuthorizationEvent",
        dir: "authorization",
    },
    Target {
        move_name: "controls",
        module_variant: "Controls",
        client_type: "Controls",
        abort_enum: "ControlsAbort",
        event_enum: "ControlsEvent",
        dir: "controls",
    },
    Target {
        move_name: "stablecoin",
        module_variant: "Stablecoin",
        client_type: "Stablecoin",
        abort_enum: "StablecoinAbort",
        event_enum: "StablecoinEvent",
        dir: "stablecoin",
    },
    Target {
        move_name: "issuance",
        module_variant: "Issuance",
        client_type: "Issuance",
        abort_enum: "IssuanceAbort",
        event_enum: "IssuanceEvent",
        dir: "issuance",
    },
    Target {
        move_name: "merchant_registry",
        module_variant: "MerchantRegistry",
        client_type: "MerchantRegistry",
        abort_enum: "MerchantRegistryAbort",
        event_enum: "MerchantEvent",
        dir: "merchant",
    },
    Target {
        move_name: "fee_treasury",
        module_variant: "FeeTreasury",
        client_type: "FeeTreasury",
        abort_enum: "FeeTreasuryAbort",
        event_enum: "FeeTreasuryEvent",
        dir: "fee_treasury",
    },
    Target {
        move_name: "invoice",
        module_variant: "Invoice",
        client_type: "Invoices",
        abort_enum: "InvoiceAbort",
        event_enum: "InvoiceEvent",
        dir: "invoice",
    },
    Target {
        move_name: "hold",
        module_variant: "Hold",
        client_type: "Holds",
        abort_enum: "HoldAbort",
        event_enum: "HoldEvent",
        dir: "hold",
    },
    Target {
        move_name: "fx",
        module_variant: "Fx",
        client_type: "FxDesk",
        abort_enum: "FxAbort",
        event_enum: "FxEvent",
        dir: "fx",
    },
    Target {
        move_name: "tax_refund",
        module_variant: "TaxRefund",
        client_type: "TaxRefunds",
        abort_enum: "TaxRefundAbort",
        event_enum: "TaxRefundEvent",
        dir: "tax_refund",
    },
    Target {
        move_name: "upgrade",
        module_variant: "Upgrade",
        client_type: "Upgrade",
        abort_enum: "UpgradeAbort",
        event_enum: "UpgradeEvent",
        dir: "upgrade",
    },
];

/// Writes (or with `--check`, compares) every module's generated Rust.
///
/// # Errors
/// A Move source that cannot be read or parsed, a parameter or type the
/// tables do not know, or (`--check`) a committed file that differs.
pub fn run(root: &Path, args: &CodegenArgs) -> Result<()> {
    check_untargeted_modules(root)?;
    let mut stale = Vec::new();
    for target in TARGETS {
        let source_path = root
            .join("move/sources")
            .join(format!("{}.move", target.move_name));
        let source = std::fs::read_to_string(&source_path)
            .with_context(|| format!("reading {}", source_path.display()))?;
        let module =
            parse(&source).with_context(|| format!("parsing {}", source_path.display()))?;
        let files = [
            ("interface.rs", render_interface(target, &module)),
            ("calls.rs", render_calls(target, &module)),
        ];
        // The single file this generator wrote before the split: a branch
        // that still carries it would compile without it ever being read.
        let retired = root.join(CLIENT_SRC).join(target.dir).join("generated.rs");
        if retired.exists() {
            if args.check {
                stale.push(retired);
            } else {
                std::fs::remove_file(&retired)
                    .with_context(|| format!("removing {}", retired.display()))?;
                println!("removed {}", retired.display());
            }
        }
        for (name, generated) in files {
            let generated = generated
                .with_context(|| format!("generating Rust for {}", source_path.display()))?;
            let generated = rustfmt(&generated)
                .with_context(|| format!("formatting the Rust for {}", source_path.display()))?;
            let output = root.join(CLIENT_SRC).join(target.dir).join(name);
            let current = std::fs::read_to_string(&output).unwrap_or_default();
            if current == generated {
                continue;
            }
            if args.check {
                stale.push(output);
            } else {
                std::fs::write(&output, generated)
                    .with_context(|| format!("writing {}", output.display()))?;
                println!("wrote {}", output.display());
            }
        }
    }
    if !stale.is_empty() {
        let list: Vec<String> = stale.iter().map(|p| format!("  {}", p.display())).collect();
        bail!(
            "generated Rust is out of date with move/sources; run `cargo xtask codegen`:\n{}",
            list.join("\n")
        );
    }
    if args.check {
        println!(
            "generated Rust matches move/sources ({} modules)",
            TARGETS.len()
        );
    }
    Ok(())
}

/// A module of `move/sources` that is not in [`TARGETS`] must have nothing an
/// integrator calls or decodes (as `role`, whose functions are `package`
/// only): otherwise the client would silently miss it.
fn check_untargeted_modules(root: &Path) -> Result<()> {
    let sources = root.join("move/sources");
    let entries =
        std::fs::read_dir(&sources).with_context(|| format!("listing {}", sources.display()))?;
    for entry in entries {
        let path = entry?.path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_none_or(|e| e != "move")
            || TARGETS.iter().any(|t| t.move_name == stem)
        {
            continue;
        }
        let source = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let module = parse(&source).with_context(|| format!("parsing {}", path.display()))?;
        if !module.functions.is_empty()
            || module.events().next().is_some()
            || module.constants.iter().any(|c| is_error_constant(&c.name))
        {
            bail!(
                "move/sources/{stem}.move has entry or view functions, events or error constants, \
                 but no entry in the generator's TARGETS"
            );
        }
    }
    Ok(())
}

/// `E` followed by upper-case letters, digits and underscores.
fn is_error_constant(name: &str) -> bool {
    name.starts_with('E')
        && name
            .chars()
            .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '_')
}

/// The code as `cargo fmt` would leave it, so `--check` and `cargo fmt --check` agree.
fn rustfmt(code: &str) -> Result<String> {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting rustfmt (rustup component add rustfmt)")?;
    child
        .stdin
        .take()
        .context("rustfmt's stdin")?
        .write_all(code.as_bytes())
        .context("writing to rustfmt")?;
    let output = child.wait_with_output().context("waiting for rustfmt")?;
    if !output.status.success() {
        bail!(
            "rustfmt refused the generated code: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    String::from_utf8(output.stdout).context("rustfmt's output is not UTF-8")
}

// The Rust side.

/// How a Move parameter is taken in Rust: the parameter type, the value
/// BCS-encodes (with `{}` for the name), and a check to run first.
struct ArgType {
    rust: String,
    encode: String,
    check: Option<String>,
}

fn arg(rust: &str, encode: &str) -> ArgType {
    ArgType {
        rust: rust.to_owned(),
        encode: encode.to_owned(),
        check: None,
    }
}

/// The table of typed, validated arguments, by Move parameter name and type.
fn arg_type(name: &str, move_type: &str) -> Result<ArgType> {
    Ok(match (name, move_type) {
        (_, "address") => arg("AccountAddress", "&{}"),
        ("amount", "u64") => ArgType {
            check: Some("require_amount(\"amount\", amount)?;".to_owned()),
            ..arg("u64", "&{}")
        },
        ("fee_bps", "u64") => arg("FeeBps", "&{}.get()"),
        ("ttl_secs", "u64") => arg("Ttl", "&{}.secs()"),
        ("refund_window_secs", "u64") => arg("RefundWindow", "&{}.secs()"),
        (_, "u64") => arg("u64", "&{}"),
        (_, "u8") => arg("u8", "&{}"),
        (_, "bool") => arg("bool", "&{}"),
        ("order_ref" | "hold_ref", "String") => arg("&OrderRef", "{}.as_str()"),
        ("reference", "String") => arg("&Reference", "{}.as_str()"),
        ("name", "String") => arg("&MerchantName", "{}.as_str()"),
        ("mcc", "String") => arg("&Mcc", "{}.as_str()"),
        ("icon_uri" | "project_uri", "String") => arg("&str", "require_uri(\"{}\", {})?"),
        // A Move u256 is 32 little-endian bytes in BCS.
        ("mask", "u256") => arg("NonceBitmap", "&{}.to_le_bytes()"),
        ("merchants" | "travellers", "vector<address>") => arg("&[AccountAddress]", "{}"),
        ("order_refs" | "hold_refs", "vector<String>") => arg(
            "&[OrderRef]",
            "&{}.iter().map(OrderRef::as_str).collect::<Vec<_>>()",
        ),
        (
            "public_key" | "quote_public_key" | "terminal_public_key" | "agent_public_key",
            "vector<u8>",
        ) => arg("&[u8; 32]", "{}.as_slice()"),
        ("signature" | "quote_signature" | "terminal_signature" | "attestation", "vector<u8>") => {
            arg("&[u8; 64]", "{}.as_slice()")
        }
        ("legal_order", "vector<u8>") => arg("&LegalOrder", "{}.as_bytes()"),
        ("metadata_serialized" | "metadata_chunk", "vector<u8>") => arg("&[u8]", "{}"),
        ("code" | "code_chunks", "vector<vector<u8>>") => arg("&[Vec<u8>]", "{}"),
        ("code_indices", "vector<u16>") => arg("&[u16]", "{}"),
        ("signatures", "vector<vector<u8>>") => arg(
            "&[[u8; 64]]",
            "&{}.iter().map(|signature| signature.to_vec()).collect::<Vec<_>>()",
        ),
        _ => bail!(
            "no Rust type for the Move parameter `{name}: {move_type}`: add it to the table in \
             xtask/codegen/src/lib.rs (`arg_type`)"
        ),
    })
}

/// How a view's result is decoded: the type deserialized from the node's
/// JSON array, the pattern that binds it, and the Rust value and type returned.
struct ReturnType {
    decoded: String,
    pattern: String,
    value: String,
    rust: String,
}

fn single(decoded: &str, pattern: &str, value: &str, rust: &str) -> ReturnType {
    ReturnType {
        decoded: format!("({decoded},)"),
        pattern: format!("({pattern},)"),
        value: value.to_owned(),
        rust: rust.to_owned(),
    }
}

/// The Rust type a view returns, by the view's name (a pair of u64 is a fee
/// split only for the fee quotes) and its Move return type.
fn return_type(view: &str, move_type: &str) -> Result<ReturnType> {
    Ok(match move_type {
        "address" => single("AccountAddress", "value", "value", "AccountAddress"),
        "bool" => single("bool", "value", "value", "bool"),
        "u8" => single("Number<u8>", "Number(value)", "value", "u8"),
        "u64" => single("Number<u64>", "Number(value)", "value", "u64"),
        "u128" => single("Number<u128>", "Number(value)", "value", "u128"),
        "u256" => single("NonceBitmap", "value", "value", "NonceBitmap"),
        "vector<u8>" => single("HexBytes", "HexBytes(value)", "value", "Vec<u8>"),
        "vector<address>" => single(
            "Vec<AccountAddress>",
            "value",
            "value",
            "Vec<AccountAddress>",
        ),
        "Option<address>" => single(
            "MoveOption<AccountAddress>",
            "value",
            "value.into_option()",
            "Option<AccountAddress>",
        ),
        "(u64, u64)" if matches!(view, "quote" | "quote_fee") => ReturnType {
            decoded: "(Number<u64>, Number<u64>)".to_owned(),
            pattern: "(Number(fee), Number(net))".to_owned(),
            value: "FeeSplit { fee, net }".to_owned(),
            rust: "FeeSplit".to_owned(),
        },
        "(u64, u64)" => ReturnType {
            decoded: "(Number<u64>, Number<u64>)".to_owned(),
            pattern: "(Number(first), Number(second))".to_owned(),
            value: "(first, second)".to_owned(),
            rust: "(u64, u64)".to_owned(),
        },
        // A staged upgrade's size: the metadata's bytes and each module's.
        "(u64, vector<u64>)" => ReturnType {
            decoded: "(Number<u64>, Vec<Number<u64>>)".to_owned(),
            pattern: "(Number(metadata), modules)".to_owned(),
            value: "(metadata, modules.into_iter().map(|Number(bytes)| bytes).collect())"
                .to_owned(),
            rust: "(u64, Vec<u64>)".to_owned(),
        },
        object if object.starts_with("Object<") => {
            single("ObjectRef", "ObjectRef(value)", "value", "AccountAddress")
        }
        record @ ("MerchantInfo" | "MerchantStatus" | "Invoice" | "InvoiceStatus" | "Hold"
        | "Purchase") => single(record, "value", "value", record),
        other => bail!(
            "no Rust type for the Move return type `{other}`: add it to `return_type` in \
             xtask/codegen/src/lib.rs"
        ),
    })
}

/// An event field's Rust type and serde attribute.
fn field_type(move_type: &str) -> Result<(String, Option<&'static str>)> {
    Ok(match move_type {
        "address" => ("AccountAddress".to_owned(), None),
        "bool" => ("bool".to_owned(), None),
        "u8" | "u16" | "u32" | "u64" | "u128" => (
            move_type.to_owned(),
            Some("#[serde(deserialize_with = \"json::number\")]"),
        ),
        "String" => ("String".to_owned(), None),
        // The only u256 the package emits is a nonce bitmap (or mask); it
        // reads the node's decimal string itself.
        "u256" => ("NonceBitmap".to_owned(), None),
        "vector<u8>" => (
            "Vec<u8>".to_owned(),
            Some("#[serde(deserialize_with = \"json::bytes\")]"),
        ),
        "vector<address>" => ("Vec<AccountAddress>".to_owned(), None),
        "Option<address>" => (
            "Option<AccountAddress>".to_owned(),
            Some("#[serde(deserialize_with = \"json::option_address\")]"),
        ),
        other => bail!("no Rust type for the event field type `{other}`: add it to `field_type`"),
    })
}

fn push_doc(out: &mut String, indent: &str, doc: &[String]) {
    for line in doc {
        if line.is_empty() {
            let _ = writeln!(out, "{indent}///");
        } else {
            let _ = writeln!(out, "{indent}/// {line}");
        }
    }
}

fn camel_to_words(name: &str) -> String {
    name.to_owned()
}

/// The first lines of a generated file.
fn generated_header(out: &mut String, target: &Target) {
    let m = target.move_name;
    let _ = writeln!(
        out,
        "// @generated by `cargo xtask codegen` from move/sources/{m}.move: do not edit.\n\
         // `cargo xtask test` fails when this file and the Move source disagree.\n"
    );
    let _ = writeln!(out, "#![allow(unused_imports)]\n");
}

/// `interface.rs`: the module's abort constants and events. It uses only
/// the client's tables ([`crate::module`] there), never its calls.
fn render_interface(target: &Target, module: &Module) -> Result<String> {
    if module.name != target.move_name {
        bail!("the file declares module `{}`", module.name);
    }
    let m = target.move_name;
    let mut out = String::new();
    generated_header(&mut out, target);
    let _ = writeln!(
        out,
        "use crate::json::{{self, MoveOption, Number, ObjectRef}};\n\
         use crate::module::{{Module, abort_codes, module_events}};\n\
         use aptos_sdk::types::AccountAddress;\n\
         use serde::Deserialize;\n\
         use yenpay_types::authorization::NonceBitmap;\n"
    );

    // Abort constants.
    let errors: Vec<&Constant> = module
        .constants
        .iter()
        .filter(|c| is_error_constant(&c.name))
        .collect();
    let _ = writeln!(out, "abort_codes! {{");
    let _ = writeln!(out, "    /// Abort constants of `yenpay_client::{m}`.");
    let _ = writeln!(
        out,
        "    pub enum {} in Module::{} => {{",
        target.abort_enum, target.module_variant
    );
    for constant in &errors {
        if constant.doc.is_empty() {
            bail!("{}::{} has no doc comment", m, constant.name);
        }
        let _ = writeln!(out, "        /// {}", constant.doc.join(" "));
        let _ = writeln!(
            out,
            "        {} = {}, \"{}\";",
            variant_name(&constant.name),
            constant.value.replace('_', ""),
            constant.name
        );
    }
    let _ = writeln!(out, "    }}\n}}\n");

    // Events.
    let _ = writeln!(
        out,
        "// Events, one struct per `#[event]` struct of the module, fields in Move order."
    );
    for event in module.events() {
        out.push('\n');
        push_doc(&mut out, "", &event.doc);
        if event.doc.is_empty() {
            let _ = writeln!(out, "/// The `{}` event.", camel_to_words(&event.name));
        }
        let _ = writeln!(
            out,
            "#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]\n#[serde(deny_unknown_fields)]\npub struct {} {{",
            event.name
        );
        for TypedName { name, ty: kind } in &event.fields {
            let (rust, attribute) =
                field_type(kind).with_context(|| format!("event {m}::{}::{name}", event.name))?;
            let _ = writeln!(out, "    /// `{name}: {kind}`.");
            if let Some(attribute) = attribute {
                let _ = writeln!(out, "    {attribute}");
            }
            let _ = writeln!(out, "    pub {name}: {rust},");
        }
        let _ = writeln!(out, "}}");
    }
    let _ = writeln!(
        out,
        "\nmodule_events! {{\n    /// An event of `yenpay_client::{m}`.\n    pub enum {} {{",
        target.event_enum
    );
    for event in module.events() {
        let _ = writeln!(out, "        {},", event.name);
    }
    let _ = writeln!(out, "    }}\n}}");
    Ok(out)
}

/// `calls.rs`: a payload builder and a typed call for every entry function,
/// a typed call for every view.
fn render_calls(target: &Target, module: &Module) -> Result<String> {
    let m = target.move_name;
    let mut out = String::new();
    generated_header(&mut out, target);
    let _ = writeln!(
        out,
        "use crate::client::{{Error, Submitted, TxSigner, YenPay, bcs_arg, entry_call}};\n\
         use crate::json::{{self, HexBytes, MoveOption, Number, ObjectRef}};\n\
         use crate::module::Module;\n\
         use aptos_sdk::transaction::EntryFunction;\n\
         use aptos_sdk::types::AccountAddress;\n\
         use serde::Deserialize;\n\
         use yenpay_types::authorization::NonceBitmap;\n\
         use yenpay_types::fee::FeeSplit;\n\
         use yenpay_types::limits::{{\n    FeeBps, LegalOrder, Mcc, MerchantName, OrderRef, Reference, RefundWindow, Ttl, require_amount,\n    require_uri,\n}};\n"
    );
    for record in ["MerchantInfo", "MerchantStatus"] {
        if module_uses(module, record) {
            let _ = writeln!(out, "use crate::merchant::{record};");
        }
    }
    for record in ["Invoice", "InvoiceStatus"] {
        if module_uses(module, record) {
            let _ = writeln!(out, "use crate::invoice::{record};");
        }
    }
    if module_uses(module, "Hold") {
        let _ = writeln!(out, "use crate::hold::Hold;");
    }
    if module_uses(module, "Purchase") {
        let _ = writeln!(out, "use crate::tax_refund::Purchase;");
    }
    out.push('\n');

    // Payload builders.
    let entries: Vec<&Function> = module.entries().collect();
    let views: Vec<&Function> = module.views().collect();
    let _ = writeln!(
        out,
        "/// Payloads of the entry functions of `yenpay_client::{m}`, validated (no node needed).\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq)]\n\
         pub struct Calls {{\n    package: AccountAddress,\n}}\n\n\
         impl Calls {{\n    /// Calls of the package at `package`.\n    pub fn new(package: AccountAddress) -> Self {{\n        Self {{ package }}\n    }}\n\n    \
         /// The package these calls are for.\n    pub fn package(&self) -> AccountAddress {{\n        self.package\n    }}\n"
    );
    for function in &entries {
        let (signer, params) = function.params.split_first().with_context(|| {
            format!(
                "{m}::{}: an entry function's first parameter is the signer",
                function.name
            )
        })?;
        if !signer.ty.contains("signer") {
            bail!(
                "{m}::{}: the first parameter is not a signer",
                function.name
            );
        }
        let typed: Vec<(String, ArgType)> = params
            .iter()
            .map(|p| Ok((p.name.clone(), arg_type(&p.name, &p.ty)?)))
            .collect::<Result<_>>()
            .with_context(|| format!("{m}::{}", function.name))?;
        let move_params: Vec<&str> = function.params.iter().map(|p| p.name.as_str()).collect();
        let _ = writeln!(
            out,
            "\n    /// `{}({})`.",
            function.name,
            move_params.join(", ")
        );
        if typed.len() > 6 {
            let _ = writeln!(
                out,
                "    #[allow(clippy::too_many_arguments)] // one parameter per Move parameter"
            );
        }
        let _ = write!(out, "    pub fn {}(&self", function.name);
        for (name, ty) in &typed {
            let _ = write!(out, ", {name}: {}", ty.rust);
        }
        let _ = writeln!(out, ") -> Result<EntryFunction, Error> {{");
        for (_, ty) in &typed {
            if let Some(check) = &ty.check {
                let _ = writeln!(out, "        {check}");
            }
        }
        let _ = write!(
            out,
            "        entry_call(self.package, Module::{}, \"{}\", vec![",
            target.module_variant, function.name
        );
        for (index, (name, ty)) in typed.iter().enumerate() {
            if index > 0 {
                out.push_str(", ");
            }
            let value = ty.encode.replacen("{}", name, 2);
            let _ = write!(out, "bcs_arg(\"{name}\", {value})?");
        }
        let _ = writeln!(out, "])\n    }}");
    }
    let _ = writeln!(out, "}}\n");

    // Typed calls on a node.
    let t = target.client_type;
    let _ = writeln!(
        out,
        "/// `yenpay_client::{m}` on a node: submits its entry functions and calls its views.\n\
         #[derive(Debug, Clone, Copy)]\n\
         pub struct {t}<'a> {{\n    pub(crate) client: &'a YenPay,\n}}\n\n\
         impl<'a> {t}<'a> {{\n    /// The module of `client`'s package.\n    pub fn new(client: &'a YenPay) -> Self {{\n        Self {{ client }}\n    }}\n\n    \
         /// The payload builders.\n    pub fn calls(&self) -> Calls {{\n        Calls::new(self.client.package())\n    }}"
    );
    for function in &entries {
        let (signer, params) = function.params.split_first().expect("checked above");
        // A signer the function does not read (`_submitter`) still signs the transaction.
        let signer_name = signer.name.trim_start_matches('_');
        let typed: Vec<(String, ArgType)> = params
            .iter()
            .map(|p| Ok((p.name.clone(), arg_type(&p.name, &p.ty)?)))
            .collect::<Result<_>>()?;
        out.push('\n');
        push_doc(&mut out, "    ", &function.doc);
        if !function.doc.is_empty() {
            let _ = writeln!(out, "    ///");
        }
        let _ = writeln!(
            out,
            "    /// Signed by `{}`.\n    ///\n    /// # Errors\n    /// [`Error::Validation`] for an argument the contract would refuse; otherwise see [`YenPay::submit`].",
            signer_name
        );
        if typed.len() > 5 {
            let _ = writeln!(
                out,
                "    #[allow(clippy::too_many_arguments)] // one parameter per Move parameter"
            );
        }
        let _ = write!(
            out,
            "    pub async fn {}<S: TxSigner>(&self, {}: &S",
            function.name, signer_name
        );
        for (name, ty) in &typed {
            let _ = write!(out, ", {name}: {}", ty.rust);
        }
        let names: Vec<&str> = typed.iter().map(|(n, _)| n.as_str()).collect();
        let _ = writeln!(
            out,
            ") -> Result<Submitted, Error> {{\n        let call = self.calls().{}({})?;\n        self.client.submit_entry({}, call).await\n    }}",
            function.name,
            names.join(", "),
            signer_name
        );
    }
    for function in &views {
        let typed: Vec<(String, ArgType)> = function
            .params
            .iter()
            .map(|p| Ok((p.name.clone(), arg_type(&p.name, &p.ty)?)))
            .collect::<Result<_>>()
            .with_context(|| format!("view {m}::{}", function.name))?;
        let returns = function
            .returns
            .as_deref()
            .with_context(|| format!("view {m}::{} returns nothing", function.name))?;
        let ret = return_type(&function.name, returns)
            .with_context(|| format!("view {m}::{}", function.name))?;
        out.push('\n');
        push_doc(&mut out, "    ", &function.doc);
        if function.doc.is_empty() {
            let _ = writeln!(out, "    /// The `{}` view.", function.name);
        }
        let _ = writeln!(
            out,
            "    ///\n    /// # Errors\n    /// [`Error::Aptos`] when the view fails; [`Error::Response`] for a result of the wrong shape."
        );
        let _ = write!(out, "    pub async fn {}(&self", function.name);
        for (name, ty) in &typed {
            let _ = write!(out, ", {name}: {}", ty.rust);
        }
        let _ = writeln!(out, ") -> Result<{}, Error> {{", ret.rust);
        for (_, ty) in &typed {
            if let Some(check) = &ty.check {
                let _ = writeln!(out, "        {check}");
            }
        }
        let _ = write!(out, "        let args = vec![");
        for (index, (name, ty)) in typed.iter().enumerate() {
            if index > 0 {
                out.push_str(", ");
            }
            let value = ty.encode.replacen("{}", name, 2);
            let _ = write!(out, "bcs_arg(\"{name}\", {value})?");
        }
        let _ = writeln!(
            out,
            "];\n        let {}: {} = self.client.view_as(Module::{}, \"{}\", args).await?;\n        Ok({})\n    }}",
            ret.pattern, ret.decoded, target.module_variant, function.name, ret.value
        );
    }
    let _ = writeln!(out, "}}\n");

    Ok(out)
}

fn module_uses(module: &Module, record: &str) -> bool {
    module.views().any(|f| f.returns.as_deref() == Some(record))
}

/// `EINVOICE_NOT_FOUND` → `InvoiceNotFound`.
fn variant_name(constant: &str) -> String {
    constant
        .strip_prefix('E')
        .unwrap_or(constant)
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            let first = chars
                .next()
                .map(|c| c.to_ascii_uppercase())
                .unwrap_or_default();
            first.to_string() + &chars.as_str().to_ascii_lowercase()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_parameter_is_named() {
        let error = arg_type("mystery", "vector<u64>")
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("mystery: vector<u64>"), "{error}");
        assert!(arg_type("to", "address").is_ok());
        assert_eq!(
            arg_type("amount", "u64").unwrap().check.as_deref(),
            Some("require_amount(\"amount\", amount)?;")
        );
    }

    #[test]
    fn variant_names_are_camel_case() {
        assert_eq!(variant_name("EINVOICE_NOT_FOUND"), "InvoiceNotFound");
        assert_eq!(variant_name("ENOT_YJPY_STORE"), "NotYjpyStore");
    }

    #[test]
    fn every_real_module_generates() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .nth(2)
            .unwrap();
        for target in TARGETS {
            let source = std::fs::read_to_string(
                root.join("move/sources")
                    .join(format!("{}.move", target.move_name)),
            )
            .unwrap();
            let module = parse(&source).unwrap();
            let calls = render_calls(target, &module).unwrap();
            assert!(calls.contains("pub struct Calls"), "{}", target.move_name);
            // The interface is what the client's abort and event tables
            // gather: it must not reach back into the client's calls.
            let interface = render_interface(target, &module).unwrap();
            assert!(
                interface.contains(&format!("pub enum {}", target.abort_enum)),
                "{}",
                target.move_name
            );
            assert!(!interface.contains("crate::client"), "{}", target.move_name);
        }
    }
}
