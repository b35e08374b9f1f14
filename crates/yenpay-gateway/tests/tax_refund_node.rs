//! A tax refund at departure through the gateway on a real node (issue 29,
//! part 2): a tourist pays a ¥11,000 tax-free code including ¥1,000 of
//! consumption tax (signed by a terminal the test holds); the refund agent
//! (the deployer, who holds the role at publish) records its confirmation of
//! the export at the gateway, then pays it in a batch the gateway submits;
//! the tourist gets ¥1,000 back, the follower marks the confirmation paid,
//! the wallet's list says refunded, and the merchant's receiver on loopback
//! gets one signed `TAX_REFUND_PAID`.
use super::*;
use yenpay_client::address::{from_sdk, signing_key};
use yenpay_types::limits::OrderRef;

const AMOUNT: u64 = 11_000;
const TAX: u64 = 1_000;

async fn wallet_list(api: &Api, address: &str) -> Result<Value> {
    Ok(api
        .http
        .post(format!("{}/wallet/api/tax-refunds", api.base))
        .json(&json!({ "address": address }))
        .send()
        .await?
        .json()
        .await?)
}

/// Polls the wallet's list until its first purchase has `status`.
async fn wallet_status(api: &Api, address: &str, status: &str) -> Result<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let list = wallet_list(api, address).await?;
        let first = &list["data"]["purchases"][0];
        if first["status"] == status {
            return Ok(first.clone());
        }
        if Instant::now() > deadline {
            bail!("the wallet's purchase is not {status}: {list}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
#[ignore = "needs a node with the package: APTOS_NODE_URL=... cargo test -p yenpay-gateway --test e2e_node -- --ignored"]
async fn the_agent_records_then_pays_a_tourist_s_tax_back_through_the_gateway() -> Result<()> {
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
    let refunds = chain.tax_refunds();
    if refunds.refund_agent().await? != deployer.address() {
        bail!(
            "the refund agent is not the deployer: this case signs as the agent with the deployer's key"
        );
    }
    let dir = tempfile::tempdir()?;
    let database = format!("sqlite://{}", dir.path().join("gateway.db").display());
    let kek = Kek::generate();
    let head = NodeLedger::new(&node_url, deployment.package_address)?
        .head()
        .await?;
    let gateway = start(
        &deployment,
        &node_url,
        &database,
        &kek,
        deployer.clone(),
        head.version,
        true,
    )
    .await?;
    let api = Api {
        http: reqwest::Client::new(),
        base: format!("http://{}", gateway.address),
        admin_base: format!("http://{}", gateway.admin_address),
        admin_token: "e2e-admin".to_owned(),
    };
    let (received, hook_url) = receiver().await;
    let merchant = onboard(&api, &chain, &deployer, "DUTY FREE GINZA", "免税 銀座").await?;
    let hook = api
        .admin(
            &format!("/admin/merchants/{}/webhooks", merchant.id),
            Some(json!({"url": hook_url})),
        )
        .await?;
    let hook_secret = hook["data"]["secret"].as_str().unwrap().to_owned();
    // A terminal whose key the test holds signs the tax-free code (the
    // gateway makes no tax-free codes).
    let terminal = Ed25519Account::generate();
    chain
        .merchant_registry()
        .add_terminal(&merchant.owner, terminal.address())
        .await?;
    let tourist = Ed25519Account::generate();
    yenpay_deploy::faucet::fund(chain.aptos(), tourist.address(), 100_000_000).await?;
    chain
        .issuance()
        .configure_minter(deployer.as_ref(), deployer.address(), 1_000_000)
        .await?;
    chain
        .issuance()
        .mint(deployer.as_ref(), tourist.address(), AMOUNT)
        .await?;
    chain
        .issuance()
        .mint(
            deployer.as_ref(),
            refunds.float_address().await.unwrap(),
            TAX,
        )
        .await?;

    // The purchase.
    let order = OrderRef::new(format!("TAX-GW-{}", yenpay_gateway::crypto::random_hex(4)))?;
    let expires_at = yenpay_types::time::unix_now() + 300;
    let code = refunds
        .offer(
            merchant.owner.address(),
            terminal.address(),
            &order,
            AMOUNT,
            expires_at,
            TAX,
            0,
            true,
        )
        .await?
        .sign(
            from_sdk(deployment.package_address),
            &signing_key(terminal.private_key()),
        )?;
    refunds.pay_offer(&tourist, &code).await?;
    let traveller = tourist.address().to_hex();
    let first = wallet_status(&api, &traveller, "NOT_CONFIRMED").await?;
    assert_eq!(
        (
            first["amount"].clone(),
            first["tax"].clone(),
            first["refundable"].clone()
        ),
        (json!(AMOUNT), json!(TAX), json!(TAX))
    );

    // The agent records the export's confirmation: nothing is sent yet.
    let attestation = refunds
        .attestation(merchant.owner.address(), &order, tourist.address())
        .await?
        .sign(
            from_sdk(deployment.package_address),
            &signing_key(deployer.private_key()),
        )?;
    let body = json!({
        "agentPublicKey": const_hex::encode(attestation.public_key),
        "claims": [{
            "merchant": merchant.owner.address().to_hex(),
            "merchantPaymentId": order.as_str(),
            "traveller": traveller,
            "signature": const_hex::encode(attestation.signature),
        }],
    });
    let recorded = api
        .admin("/admin/tax-refunds/confirmations", Some(body))
        .await?;
    let claim = &recorded["data"]["claims"][0];
    assert_eq!(claim["result"], "RECORDED", "{recorded}");
    assert_eq!(claim["amount"], TAX);
    wallet_status(&api, &traveller, "CONFIRMED").await?;
    let before = chain.stablecoin().balance(tourist.address()).await?;

    // The batch.
    let paid = api
        .admin(
            "/admin/tax-refunds/payments",
            Some(json!({"allPending": true})),
        )
        .await?;
    let mine = paid["data"]["confirmations"]
        .as_array()
        .with_context(|| format!("paying: {paid}"))?
        .iter()
        .find(|c| c["confirmationId"] == claim["confirmationId"])
        .with_context(|| format!("this confirmation not in the batch: {paid}"))?
        .clone();
    assert_eq!(mine["status"], "PAID", "{paid}");
    assert_eq!(mine["amount"], TAX);
    let hash = paid["data"]["transaction"]["hash"].as_str().unwrap();
    println!(
        "tax refund batch {hash}: {} gas units",
        paid["data"]["transaction"]["gasUsed"]
    );
    assert_eq!(
        chain.stablecoin().balance(tourist.address()).await? - before,
        TAX,
        "the tourist got the tax back"
    );
    let refunded = wallet_status(&api, &traveller, "REFUNDED").await?;
    assert_eq!(refunded["refundTransaction"], hash);

    // The merchant's receiver: one signed TAX_REFUND_PAID.
    let deadline = Instant::now() + Duration::from_secs(20);
    let tax_events = || {
        received
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, body, _)| body.contains("\"TAX_REFUND_PAID\""))
            .cloned()
            .collect::<Vec<_>>()
    };
    while tax_events().is_empty() {
        if Instant::now() > deadline {
            bail!("no TAX_REFUND_PAID delivered");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let events = tax_events();
    assert_eq!(events.len(), 1, "delivered once");
    let (headers, body, _) = &events[0];
    assert!(yenpay_gateway::webhook::verify(
        &hook_secret,
        headers["yenpay-signature"].to_str()?,
        body,
        yenpay_types::time::unix_now() as i64,
        300
    ));
    let event: Value = serde_json::from_str(body)?;
    assert_eq!(event["data"]["merchantPaymentId"], order.as_str());
    assert_eq!(event["data"]["amount"]["amount"], TAX);
    assert_eq!(event["data"]["traveller"], traveller);
    assert_eq!(event["data"]["confirmationId"], claim["confirmationId"]);
    assert_eq!(event["data"]["transactionHash"], hash);

    // Paying again sends nothing.
    let again = api
        .admin(
            "/admin/tax-refunds/payments",
            Some(json!({"confirmationIds": [claim["confirmationId"]]})),
        )
        .await?;
    assert_eq!(again["data"]["confirmations"][0]["status"], "PAID");
    assert!(again["data"].get("transaction").is_none(), "{again}");
    gateway.stop.send(()).ok();
    gateway.task.await??;
    Ok(())
}
