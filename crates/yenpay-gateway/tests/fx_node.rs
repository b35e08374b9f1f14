//! Paying in USDC through the gateway on a real node (issue 29): the
//! gateway holds the desk's quote-signer and rate-keeper keys (sealed),
//! its rate keeper reads a provider on loopback and sets the on-chain
//! reference, a tourist holding only USDC and no APT asks for a quote of a
//! ¥1,980 code and pays it in a transaction the gateway sponsors; the
//! merchant gets ¥1,980 less its fee in yen, the desk's books balance, the
//! follower records both amounts and the rate, and the payment is
//! sponsored once. Needs a deployment with the FX desk set up
//! (`cargo xtask deploy --network local` does it).
use super::*;
use yenpay_client::client::Sponsored as SponsoredBy;
use yenpay_client::fx::transfer_asset;
use yenpay_types::fx::{FxQuote, SignedFxQuote};
use yenpay_types::limits::OrderRef;

/// What the tourist brings: 100 USDC.
const TOURIST_USDC: u64 = 100_000_000;
/// The code.
const YEN: u64 = 1_980;

/// A provider on loopback answering ¥150.00, observed now.
async fn provider() -> String {
    let app = Router::new().route(
        "/usdjpy",
        axum::routing::get(|| async {
            axum::Json(json!({"rate": "150.00", "observedAt": yenpay_types::time::unix_now() - 1}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}/usdjpy")
}

/// The signed quote of a `/v2/quotes` answer.
fn quote_of(data: &Value, package: aptos_sdk::types::AccountAddress) -> Result<SignedFxQuote> {
    let number = |field: &str| {
        data[field]
            .as_u64()
            .with_context(|| format!("quote lacks {field}: {data}"))
    };
    let hex = |field: &str| -> Result<Vec<u8>> {
        Ok(const_hex::decode(
            data[field]
                .as_str()
                .with_context(|| format!("quote lacks {field}"))?,
        )?)
    };
    let address = |field: &str| -> Result<yenpay_types::Address> {
        Ok(yenpay_client::address::from_sdk(
            aptos_sdk::types::AccountAddress::from_hex(data[field].as_str().unwrap_or_default())?,
        ))
    };
    Ok(SignedFxQuote {
        quote: FxQuote {
            chain_id: number("chainId")? as u8,
            metadata: yenpay_types::objects::metadata_address(yenpay_client::address::from_sdk(
                package,
            )),
            usdc: address("usdc")?,
            merchant: address("merchant")?,
            order_ref: OrderRef::new(data["merchantPaymentId"].as_str().unwrap_or_default())?,
            yen_amount: number("yenAmount")?,
            usdc_amount: number("usdcAmount")?,
            rate: number("rate")?,
            expires_at: number("expiresAt")?,
        },
        public_key: hex("publicKey")?
            .try_into()
            .map_err(|_| anyhow::anyhow!("a 32-byte key"))?,
        signature: hex("signature")?
            .try_into()
            .map_err(|_| anyhow::anyhow!("a 64-byte signature"))?,
    })
}

#[tokio::test]
#[ignore = "needs a node with the package: APTOS_NODE_URL=... cargo test -p yenpay-gateway --test e2e_node -- --ignored"]
async fn a_tourist_with_only_usdc_pays_a_1980_code_through_the_gateway() -> Result<()> {
    let Some(Node {
        node_url,
        deployer,
        deployment,
        chain,
        _one_at_a_time,
    }) = node().await?
    else {
        return Ok(());
    };
    let fx = chain.fx();
    let Some(usdc) = fx.usdc().await.ok().flatten() else {
        let _ = writeln!(
            std::io::stderr(),
            "\n*** yenpay-gateway FX e2e SKIPPED: the deployment has no FX desk with USDC (`cargo xtask deploy --network local` sets one up) ***\n"
        );
        return Ok(());
    };
    let package = deployment.package_address;

    // The desk's roles go to keys the gateway holds (sealed), proposed by
    // the operator and accepted by them (the operator pays their gas).
    let quote_key = Ed25519Account::generate();
    let keeper_key = Ed25519Account::generate();
    let dir = tempfile::tempdir()?;
    let database = format!("sqlite://{}", dir.path().join("gateway.db").display());
    let kek = Kek::generate();
    let head = NodeLedger::new(&node_url, package)?.head().await?;
    let provider_url = provider().await;
    let gateway = start_with(
        &deployment,
        &node_url,
        &database,
        &kek,
        deployer.clone(),
        head.version,
        false,
        |config| {
            config.fx.provider_url = Some(provider_url);
            config.fx.keeper_interval = Duration::from_secs(1);
            // An earlier run may have left the same rate: refresh it anyway.
            config.fx.update_max_age = Duration::from_secs(5);
            config.fx.spread_bps = 100;
            config.fx.low_inventory_yen = 1;
            config.lease_ttl = Duration::from_secs(3);
        },
    )
    .await?;
    let api = Api {
        http: reqwest::Client::new(),
        base: format!("http://{}", gateway.address),
        admin_base: format!("http://{}", gateway.admin_address),
        admin_token: "e2e-admin".to_owned(),
    };
    for (role, key) in [("quote_signer", &quote_key), ("rate_keeper", &keeper_key)] {
        let set = api
            .admin(
                "/admin/fx/keys",
                Some(json!({"role": role, "privateKey": const_hex::encode(key.private_key().to_bytes())})),
            )
            .await?;
        assert_eq!(set["data"]["address"], key.address().to_hex(), "{set}");
    }
    let (old_signer, old_keeper) = (fx.quote_signer().await?, fx.rate_keeper().await?);
    fx.propose_quote_signer(deployer.as_ref(), quote_key.address())
        .await?;
    fx.accept_quote_signer(&SponsoredBy::new(&quote_key, deployer.as_ref()))
        .await?;
    fx.propose_rate_keeper(deployer.as_ref(), keeper_key.address())
        .await?;
    fx.accept_rate_keeper(&SponsoredBy::new(&keeper_key, deployer.as_ref()))
        .await?;

    // The rate keeper sets the reference from the provider.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (rate, observed_at) = fx.reference_rate().await?;
        if rate == 150_000_000 && observed_at + 60 > yenpay_types::time::unix_now() {
            break;
        }
        if Instant::now() > deadline {
            bail!("the rate keeper did not set the reference in 30 s: {rate} at {observed_at}");
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // The desk's inventory, the merchant, the tourist (USDC only).
    chain
        .issuance()
        .configure_minter(deployer.as_ref(), deployer.address(), 1_000_000)
        .await?;
    chain
        .issuance()
        .mint(deployer.as_ref(), fx.desk_address().await?, 10_000)
        .await?;
    let merchant = onboard(&api, &chain, &deployer, "TOURIST SOUVENIRS", "おみやげ").await?;
    let tourist = Ed25519Account::generate();
    chain
        .submit_entry(
            deployer.as_ref(),
            transfer_asset(usdc, tourist.address(), TOURIST_USDC)?,
        )
        .await?;
    assert_eq!(
        chain
            .aptos()
            .get_balance(tourist.address())
            .await
            .unwrap_or(0),
        0
    );

    let order = format!("FX-{}", yenpay_gateway::crypto::random_hex(4));
    let (status, code) = api
        .signed(
            &merchant.key,
            "POST",
            "/v2/codes",
            Some(
                &json!({"merchantPaymentId": order, "amount": {"amount": YEN, "currency": "JPY"}}),
            ),
        )
        .await?;
    if status != 201 {
        bail!("create code: {status} {code}");
    }
    let signed_code = signed_offer_of(code["data"]["url"].as_str().context("the code's URI")?)?;

    // The quote: both amounts, the rate, a minute at most; the wallet checks it.
    let quoted: Value = api
        .http
        .post(format!("{}/v2/quotes", api.base))
        .json(
            &json!({"merchant": merchant.owner.address().to_hex(), "merchantPaymentId": order,
                      "amount": {"amount": YEN, "currency": "JPY"}, "payCurrency": "USDC"}),
        )
        .send()
        .await?
        .json()
        .await?;
    let quote = quote_of(&quoted["data"], package)?;
    assert_eq!(quote.quote.rate, 148_500_000, "{quoted}");
    assert_eq!(quote.quote.usdc_amount, 13_333_334);
    // As the chain will judge it: by the node's clock now.
    let chain_now = NodeLedger::new(&node_url, package)?
        .head()
        .await?
        .timestamp_us
        / 1_000_000;
    quote.check(
        yenpay_client::address::from_sdk(package),
        deployment.chain_id,
        chain_now,
    )?;

    let desk_yen = fx.yen_inventory().await?;
    let desk_usdc = fx.usdc_balance().await?;
    let payout = chain.stablecoin().balance(merchant.terminal).await?;
    let treasury = chain.merchant_registry().treasury_balance().await?;

    // Paid in USDC, the gateway paying the gas.
    let call = yenpay_client::fx::Calls::new(package).pay_in_usdc(&signed_code, &quote)?;
    let version =
        sponsor_call(&api.http, &api.base, &deployment, &tourist, 0, call.clone()).await?;
    let fee = yenpay_types::fee::fee(YEN, yenpay_types::limits::FeeBps::new(100)?);
    assert_eq!(fee, 19);
    assert_eq!(
        chain.stablecoin().balance(merchant.terminal).await? - payout,
        YEN - fee,
        "the merchant's net, in yen"
    );
    assert_eq!(
        chain.merchant_registry().treasury_balance().await? - treasury,
        fee
    );
    assert_eq!(
        desk_yen - fx.yen_inventory().await?,
        YEN,
        "the desk's yen out"
    );
    assert_eq!(
        fx.usdc_balance().await? - desk_usdc,
        13_333_334,
        "the desk's USDC in"
    );
    assert_eq!(
        fx.asset_balance(tourist.address(), usdc).await?,
        TOURIST_USDC - 13_333_334
    );
    assert_eq!(fx.asset_balance(merchant.terminal, usdc).await?, 0);
    assert_eq!(
        chain
            .aptos()
            .get_balance(tourist.address())
            .await
            .unwrap_or(0),
        0
    );

    // The follower: both amounts and the rate with the payment.
    let path = format!("/v2/codes/payments/{order}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let details = loop {
        let (_, details) = api.signed(&merchant.key, "GET", &path, None).await?;
        if details["data"]["status"] == "COMPLETED" && details["data"]["fx"].is_object() {
            break details;
        }
        if Instant::now() > deadline {
            bail!("not completed in 30 s: {details}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(details["data"]["version"], version);
    assert_eq!(details["data"]["net"], YEN - fee);
    assert_eq!(details["data"]["fx"]["usdcAmount"], 13_333_334);
    assert_eq!(details["data"]["fx"]["rateText"], "148.500000");
    assert_eq!(details["data"]["fx"]["referenceRate"], 150_000_000);
    assert_eq!(details["data"]["payer"], tourist.address().to_hex());

    // Once: the same payment again is refused by the gateway (the follower
    // has seen the code paid; tests/fx.rs covers the replay before it has),
    // and the tourist's USDC stays where it was.
    let again = sponsor_ask(&api.http, &api.base, &deployment, &tourist, 1, call).await?;
    assert_eq!(
        again["resultInfo"]["code"], "SPONSOR_NO_LIVE_INVOICE",
        "{again}"
    );
    assert_eq!(
        fx.asset_balance(tourist.address(), usdc).await?,
        TOURIST_USDC - 13_333_334
    );

    // The desk's metrics.
    let metrics = api
        .http
        .get(format!("{}/metrics", api.base))
        .send()
        .await?
        .text()
        .await?;
    assert!(
        metrics.contains("yenpay_gateway_fx_desk_yen_inventory"),
        "{metrics}"
    );

    // The roles back to whoever held them.
    fx.propose_quote_signer(deployer.as_ref(), old_signer)
        .await?;
    fx.propose_rate_keeper(deployer.as_ref(), old_keeper)
        .await?;
    if old_signer == deployer.address() {
        fx.accept_quote_signer(deployer.as_ref()).await?;
    }
    if old_keeper == deployer.address() {
        fx.accept_rate_keeper(deployer.as_ref()).await?;
    }
    gateway.stop.send(()).ok();
    gateway.task.await??;
    Ok(())
}
