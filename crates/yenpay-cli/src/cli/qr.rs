//! `yenpay qr encode | decode | render`.

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use serde_json::{Value as Json, json};
use yenpay_qr::cpm::{CustomerPresented, TerminalContext};
use yenpay_qr::mpm::{
    LanguageTemplate, MerchantDetails, MerchantPresented, Payload, PaymentRequest, YenpayPayment,
};
use yenpay_qr::{render, uri};
use yenpay_types::Address;

#[derive(Debug, Subcommand)]
pub enum QrCommand {
    /// Encode a yenpay merchant-presented code (EMVCo/JPQR) or wallet URI.
    Encode(Box<EncodeArgs>),
    /// Decode any EMVCo merchant-presented code, a yenpay customer-presented
    /// code or a wallet URI, and print every field as JSON.
    Decode(DecodeArgs),
    /// Draw a payload as a QR code (error correction M).
    Render(RenderArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Kind {
    /// Same code for every payment: the customer types the amount.
    Static,
    /// One invoice: amount and order reference.
    Dynamic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// EMVCo merchant-presented payload.
    Mpm,
    /// `yenpay:` wallet URI.
    Uri,
}

#[derive(Debug, Args)]
pub struct EncodeArgs {
    /// Static (sticker) or dynamic (one invoice).
    #[arg(value_enum)]
    kind: Kind,
    /// Chain id of the network (1 mainnet, 2 testnet, 4 local).
    #[arg(long)]
    chain_id: u8,
    /// The merchant's owner address.
    #[arg(long)]
    merchant: Address,
    /// Dynamic: the invoice amount in yen.
    #[arg(long)]
    amount: Option<u64>,
    /// Dynamic: the invoice's order reference (at most 25 characters in an
    /// EMVCo code, 64 bytes in a URI).
    #[arg(long)]
    order_ref: Option<String>,
    /// Static: a reference for the payment (reference label 62/05).
    #[arg(long)]
    reference: Option<String>,
    /// Merchant name in printable ASCII (59).
    #[arg(long, required_unless_present_any = ["onto", "format"])]
    name: Option<String>,
    /// Merchant city in printable ASCII (60).
    #[arg(long, required_unless_present_any = ["onto", "format"])]
    city: Option<String>,
    /// ISO 18245 merchant category code (52).
    #[arg(long, default_value = "5999")]
    mcc: String,
    /// Postal code (61).
    #[arg(long)]
    postal_code: Option<String>,
    /// Merchant name in Japanese (64/01).
    #[arg(long)]
    name_ja: Option<String>,
    /// Merchant city in Japanese (64/02); needs --name-ja.
    #[arg(long, requires = "name_ja")]
    city_ja: Option<String>,
    /// Language code of --name-ja and --city-ja (64/00).
    #[arg(long, default_value = "ja")]
    language: String,
    /// Add yenpay to this existing EMVCo code (e.g. the shop's JPQR code)
    /// instead of building a new one; its other networks' data is kept.
    #[arg(long, conflicts_with_all = ["name", "city", "postal_code", "name_ja", "city_ja"])]
    onto: Option<String>,
    /// Output: EMVCo payload or wallet URI.
    #[arg(long, value_enum, default_value = "mpm")]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DecodeKind {
    /// `yenpay:` → URI, `00...` → merchant-presented, else customer-presented.
    Auto,
    /// EMVCo merchant-presented.
    Mpm,
    /// EMVCo consumer-presented (base64).
    Cpm,
    /// `yenpay:` wallet URI.
    Uri,
}

/// What `--kind auto` resolved to.
enum Resolved {
    Mpm,
    Cpm,
    Uri,
}

#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The payload (`-` reads it from standard input).
    payload: String,
    /// What the payload is.
    #[arg(long, value_enum, default_value = "auto")]
    kind: DecodeKind,
    /// Customer-presented: the terminal's chain id, to rebuild the full
    /// authorization (with --metadata and --merchant).
    #[arg(long, requires_all = ["metadata", "merchant"])]
    chain_id: Option<u8>,
    /// Customer-presented: address of the stablecoin's metadata object.
    #[arg(long, requires = "chain_id")]
    metadata: Option<Address>,
    /// Customer-presented: the merchant the terminal collects for (`to`).
    #[arg(long, requires = "chain_id")]
    merchant: Option<Address>,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("output").required(true).args(["png", "svg", "terminal"])))]
pub struct RenderArgs {
    /// The payload (`-` reads it from standard input).
    payload: String,
    /// Write a PNG to this file.
    #[arg(long)]
    png: Option<PathBuf>,
    /// Write an SVG to this file.
    #[arg(long)]
    svg: Option<PathBuf>,
    /// Print the code with Unicode half blocks.
    #[arg(long)]
    terminal: bool,
    /// PNG pixels per module.
    #[arg(long, default_value_t = 8)]
    module_px: u32,
}

/// Runs a QR command; `package` is the console's `--package`, which
/// `encode` writes into the code.
pub fn run(command: QrCommand, package: Option<aptos_sdk::types::AccountAddress>) -> Result<()> {
    match command {
        QrCommand::Encode(args) => {
            let package =
                package.context("qr encode needs --package (the YenPay package's address)")?;
            emit(&encode(&args, Address::new(package.to_bytes()))?)
        }
        QrCommand::Decode(args) => emit(&serde_json::to_string_pretty(&decode(&args)?)?),
        QrCommand::Render(args) => render_code(&args),
    }
}

/// Prints a line; a closed pipe (`| head`) ends the output quietly.
fn emit(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to standard output"),
    }
}

fn read_payload(arg: &str) -> Result<String> {
    if arg != "-" {
        return Ok(arg.to_owned());
    }
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .context("reading the payload from standard input")?;
    Ok(s.trim_end_matches(['\r', '\n']).to_owned())
}

fn encode(args: &EncodeArgs, package: Address) -> Result<String> {
    let request = match args.kind {
        Kind::Static => {
            if args.amount.is_some() || args.order_ref.is_some() {
                bail!(
                    "a static code has no --amount or --order-ref (the customer types the amount)"
                );
            }
            PaymentRequest::Static {
                reference: args.reference.clone(),
            }
        }
        Kind::Dynamic => {
            if args.reference.is_some() {
                bail!("--reference is for static codes; a dynamic code has --order-ref");
            }
            PaymentRequest::Dynamic {
                order_ref: args
                    .order_ref
                    .clone()
                    .context("a dynamic code needs --order-ref")?,
                amount: args.amount.context("a dynamic code needs --amount")?,
            }
        }
    };
    let payment = YenpayPayment {
        chain_id: args.chain_id,
        package,
        merchant: args.merchant,
        request,
    };
    if args.format == Format::Uri {
        return uri::encode(&payment).context("encoding the wallet URI");
    }
    if let Some(existing) = &args.onto {
        let mut code = MerchantPresented::decode(&read_payload(existing)?)
            .context("decoding the code given with --onto")?;
        payment
            .apply_to(&mut code)
            .context("adding yenpay to the code given with --onto")?;
        return code
            .encode()
            .context("encoding the merchant-presented code");
    }
    let details = MerchantDetails {
        name: args.name.clone().context("--name is required")?,
        city: args.city.clone().context("--city is required")?,
        category_code: args.mcc.clone(),
        postal_code: args.postal_code.clone(),
        language: args.name_ja.as_ref().map(|name| LanguageTemplate {
            language: args.language.clone(),
            merchant_name: name.clone(),
            merchant_city: args.city_ja.clone(),
            other: Vec::new(),
        }),
    };
    payment
        .encode(&details)
        .context("encoding the merchant-presented code")
}

fn decode(args: &DecodeArgs) -> Result<Json> {
    let payload = read_payload(&args.payload)?;
    let kind = match args.kind {
        DecodeKind::Auto if payload.starts_with("yenpay:") => Resolved::Uri,
        DecodeKind::Auto if payload.starts_with("00") => Resolved::Mpm,
        DecodeKind::Auto | DecodeKind::Cpm => Resolved::Cpm,
        DecodeKind::Mpm => Resolved::Mpm,
        DecodeKind::Uri => Resolved::Uri,
    };
    match kind {
        Resolved::Mpm => {
            let parsed =
                Payload::parse(&payload).context("not a valid EMVCo merchant-presented code")?;
            let code = MerchantPresented::from_payload(&parsed);
            let (yenpay, yenpay_error) = match code.yenpay() {
                Ok(p) => (serde_json::to_value(p)?, Json::Null),
                Err(e) => (Json::Null, Json::String(e.to_string())),
            };
            Ok(json!({
                "kind": "merchant_presented",
                "crc": parsed.crc(),
                "data_objects": parsed.describe(),
                "fields": serde_json::to_value(&code)?,
                "yenpay": yenpay,
                "yenpay_error": yenpay_error,
            }))
        }
        Resolved::Cpm => {
            let code = CustomerPresented::decode(&payload)
                .context("not a valid yenpay customer-presented code")?;
            let authorization = match (args.chain_id, args.metadata, args.merchant) {
                (Some(chain_id), Some(metadata), Some(merchant)) => {
                    let signed = code
                        .to_signed(&TerminalContext {
                            chain_id,
                            metadata,
                            merchant,
                        })
                        .context("completing the authorization")?;
                    let a = &signed.authorization;
                    json!({
                        "chain_id": a.chain_id,
                        "metadata": a.metadata.to_hex(),
                        "from": a.from.to_hex(),
                        "to": a.to.to_hex(),
                        "amount": a.amount,
                        "valid_after": a.valid_after,
                        "valid_before": a.valid_before,
                        "nonce": a.nonce,
                        "public_key": format!("0x{}", const_hex::encode(signed.public_key)),
                        "signature": format!("0x{}", const_hex::encode(signed.signature)),
                    })
                }
                _ => Json::Null,
            };
            Ok(json!({
                "kind": "customer_presented",
                "fields": code.describe(),
                "authorization": authorization,
            }))
        }
        Resolved::Uri => {
            let payment = uri::decode(&payload).context("not a valid yenpay wallet URI")?;
            Ok(json!({
                "kind": "wallet_uri",
                "yenpay": serde_json::to_value(payment)?,
            }))
        }
    }
}

fn render_code(args: &RenderArgs) -> Result<()> {
    let payload = read_payload(&args.payload)?;
    let version = render::version(&payload).context("drawing the QR code")?;
    if let Some(path) = &args.png {
        let png = render::png(&payload, args.module_px).context("drawing the PNG")?;
        std::fs::write(path, png).with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &args.svg {
        let svg = render::svg(&payload).context("drawing the SVG")?;
        std::fs::write(path, svg).with_context(|| format!("writing {}", path.display()))?;
    }
    if args.terminal {
        emit(
            render::terminal(&payload)
                .context("drawing the code")?
                .trim_end(),
        )?;
    }
    eprintln!(
        "QR version {version}, error correction M, {} bytes",
        payload.len()
    );
    Ok(())
}
