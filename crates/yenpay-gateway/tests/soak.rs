//! The soak (issue 30, item 8), run by `cargo xtask soak` on a node: two
//! gateway replicas (the real binary) on one PostgreSQL, mixed traffic
//! (codes, sponsored and unsponsored payments, partial refunds, webhooks
//! to a local receiver that applies each event id once) while a replica is
//! killed with SIGKILL at random moments and PostgreSQL is crashed and
//! restarted twice. Afterwards `yenpay-gateway --audit-chain` compares the
//! database with the chain and must report no difference, and every
//! webhook event must have reached the receiver. Figures go to
//! `target/soak-report.md`.
//!
//! It takes its database and how to restart it from `cargo xtask soak`:
//! `YENPAY_SOAK_DATABASE_URL`, `YENPAY_SOAK_PG_RESTART` (the restart
//! command as a JSON array) and `YENPAY_SOAK_SECS`.
use super::*;
use rand::Rng;
use std::collections::HashMap;
use std::ffi::OsString;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::process::{Child, Command};

/// What the receiver got: per event id, how often; bodies that failed
/// their signature.
#[derive(Default)]
struct Inbox {
    seen: HashMap<String, (String, u32)>,
    bad_signatures: u32,
}

type SharedInbox = Arc<Mutex<Inbox>>;

/// A webhook receiver on loopback that checks each signature against its
/// merchant's secrets and applies each event id once.
async fn deduplicating_receiver(secrets: Arc<Mutex<Vec<String>>>) -> Result<(SharedInbox, String)> {
    let inbox: SharedInbox = Arc::default();
    #[derive(Clone)]
    struct Receiver {
        inbox: SharedInbox,
        secrets: Arc<Mutex<Vec<String>>>,
    }
    async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> &'static str {
        let body = String::from_utf8_lossy(&body).into_owned();
        let signature = headers
            .get("yenpay-signature")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let now = yenpay_types::time::unix_now() as i64;
        let signed = r
            .secrets
            .lock()
            .unwrap()
            .iter()
            .any(|secret| yenpay_gateway::webhook::verify(secret, &signature, &body, now, 300));
        let mut inbox = r.inbox.lock().unwrap();
        if !signed {
            inbox.bad_signatures += 1;
            return "ok";
        }
        let event: Value = serde_json::from_str(&body).unwrap_or_default();
        let id = event["id"].as_str().unwrap_or_default().to_owned();
        let kind = event["type"].as_str().unwrap_or_default().to_owned();
        inbox.seen.entry(id).or_insert((kind, 0)).1 += 1;
        "ok"
    }
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(Receiver {
            inbox: inbox.clone(),
            secrets,
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Ok((inbox, format!("http://{address}/hook")))
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// One gateway process, restartable on the same ports.
struct Replica {
    name: &'static str,
    args: Vec<OsString>,
    base: String,
    admin_base: String,
    child: Option<Child>,
    starts: u32,
    logs: PathBuf,
}

impl Replica {
    async fn start(&mut self, http: &reqwest::Client) -> Result<()> {
        self.starts += 1;
        let log =
            std::fs::File::create(self.logs.join(format!("{}-{}.log", self.name, self.starts)))?;
        let child = Command::new(env!("CARGO_BIN_EXE_yenpay-gateway"))
            .args(&self.args)
            .env("RUST_LOG", "info,sqlx=warn")
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .context("starting the gateway binary")?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = http.get(format!("{}/healthz", self.base)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                bail!(
                    "replica {} exited at start: {status} (see {})",
                    self.name,
                    self.logs.display()
                );
            }
            if Instant::now() > deadline {
                bail!("replica {} did not answer /healthz in 60 s", self.name);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// SIGKILL: no shutdown, no flushing, whatever it was doing.
    async fn kill(&mut self) -> Result<()> {
        if let Some(mut child) = self.child.take() {
            child.start_kill()?;
            child.wait().await?;
        }
        Ok(())
    }
}

/// Tallies of the traffic.
#[derive(Default)]
struct Tally {
    codes: AtomicU64,
    codes_interrupted: AtomicU64,
    paid_sponsored: AtomicU64,
    paid_direct: AtomicU64,
    payments_interrupted: AtomicU64,
    refunds: AtomicU64,
    refunds_interrupted: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// The replicas' addresses, for whichever is up.
struct Bases {
    api: Vec<String>,
}

impl Bases {
    /// A signed request to a random replica, retried on the other when the
    /// connection fails (a replica being killed).
    async fn signed(
        &self,
        http: &reqwest::Client,
        key: &(String, String),
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value)> {
        let first = rand::thread_rng().gen_range(0..self.api.len());
        let mut last = None;
        for attempt in 0..4 {
            let base = &self.api[(first + attempt) % self.api.len()];
            let api = Api {
                http: http.clone(),
                base: base.clone(),
                admin_base: String::new(),
                admin_token: String::new(),
            };
            match api.signed(key, method, path, body).await {
                Ok(answer) => return Ok(answer),
                Err(error) => {
                    last = Some(error);
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
            }
        }
        Err(last.unwrap())
    }
}

/// One worker's loop: a code, paid sponsored or directly by one of its
/// payers, every fifth partly refunded; until `until`.
#[allow(clippy::too_many_arguments)]
async fn traffic(
    worker: usize,
    until: Instant,
    http: reqwest::Client,
    bases: Arc<Bases>,
    deployment: Deployment,
    chain: YenPay,
    merchants: Arc<Vec<(aptos_sdk::types::AccountAddress, (String, String))>>,
    payers: Vec<(Ed25519Account, bool)>,
    tally: Arc<Tally>,
) -> Result<()> {
    let mut sequence: HashMap<aptos_sdk::types::AccountAddress, u64> = HashMap::new();
    let mut round = 0usize;
    while Instant::now() < until {
        round += 1;
        let (_merchant, key) = &merchants[(worker + round) % merchants.len()];
        let (payer, sponsored) = &payers[round % payers.len()];
        let order = format!("SOAK-{worker}-{round}");
        let amount = rand::thread_rng().gen_range(100..5_000u64);
        let created = bases
            .signed(
                &http,
                key,
                "POST",
                "/v2/codes",
                Some(&json!({"merchantPaymentId": order, "amount": {"amount": amount, "currency": "JPY"}})),
            )
            .await;
        let code = match created {
            Ok((201, body)) => {
                bump(&tally.codes);
                body["data"]["url"].as_str().unwrap_or_default().to_owned()
            }
            _ => {
                // Killed mid-request, or the database away: the reconciler settles it.
                bump(&tally.codes_interrupted);
                continue;
            }
        };
        let paid = if *sponsored {
            let sequence_number = match sequence.get(&payer.address()) {
                Some(&n) => n,
                None => chain
                    .aptos()
                    .get_sequence_number(payer.address())
                    .await
                    .unwrap_or(0),
            };
            let base = &bases.api[round % bases.api.len()];
            let payment = Sponsored {
                customer: payer,
                code: &code,
                sequence_number,
            };
            let mut result = pay_sponsored(&http, base, &deployment, &payment).await;
            if result.is_err() {
                // The other replica, once; the gateway co-signs a code once at a time.
                tokio::time::sleep(Duration::from_millis(500)).await;
                let other = &bases.api[(round + 1) % bases.api.len()];
                result = pay_sponsored(&http, other, &deployment, &payment).await;
            }
            // Whatever happened, the chain knows the next sequence number.
            sequence.remove(&payer.address());
            result
                .is_ok()
                .then(|| bump(&tally.paid_sponsored))
                .is_some()
        } else {
            let ok = match signed_offer_of(&code) {
                Ok(signed) => chain.invoice().pay_offer(payer, &signed).await.is_ok(),
                Err(_) => false,
            };
            if ok {
                bump(&tally.paid_direct);
            }
            ok
        };
        if !paid {
            bump(&tally.payments_interrupted);
            continue;
        }
        if round.is_multiple_of(5) {
            // The follower must have seen the payment before the gateway refunds it.
            let path = format!("/v2/codes/payments/{order}");
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if let Ok((_, details)) = bases.signed(&http, key, "GET", &path, None).await
                    && details["data"]["status"] == "COMPLETED"
                {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            let refund = json!({"merchantRefundId": format!("{order}-R"), "merchantPaymentId": order,
                "amount": {"amount": amount / 3, "currency": "JPY"}});
            match bases
                .signed(&http, key, "POST", "/v2/refunds", Some(&refund))
                .await
            {
                Ok((201, _)) => bump(&tally.refunds),
                _ => bump(&tally.refunds_interrupted),
            }
        }
    }
    Ok(())
}

/// `yenpay-gateway --audit-chain` with the replicas' settings; its JSON report.
async fn audit(args: &[OsString], report: &std::path::Path) -> Result<(bool, Value, String)> {
    let output = Command::new(env!("CARGO_BIN_EXE_yenpay-gateway"))
        .args(args)
        .arg("--audit-chain")
        .arg("--audit-report")
        .arg(report)
        .output()
        .await?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let json = std::fs::read(report)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    Ok((output.status.success(), json, text))
}

#[tokio::test]
#[ignore = "the soak: cargo xtask soak (a node, PostgreSQL, about 10 minutes)"]
async fn soak_kills_and_database_restarts_lose_nothing() -> Result<()> {
    let (Ok(database), Ok(restart), Ok(secs)) = (
        std::env::var("YENPAY_SOAK_DATABASE_URL"),
        std::env::var("YENPAY_SOAK_PG_RESTART"),
        std::env::var("YENPAY_SOAK_SECS"),
    ) else {
        bail!(
            "the soak needs YENPAY_SOAK_DATABASE_URL, YENPAY_SOAK_PG_RESTART and YENPAY_SOAK_SECS: run it with `cargo xtask soak`"
        );
    };
    let restart: Vec<String> =
        serde_json::from_str(&restart).context("YENPAY_SOAK_PG_RESTART is a JSON array")?;
    let secs: u64 = secs.parse().context("YENPAY_SOAK_SECS")?;
    let Some(Node {
        node_url,
        deployer,
        deployment,
        chain,
        _one_at_a_time,
    }) = node().await?
    else {
        bail!("the soak needs a node (APTOS_NODE_URL)");
    };
    let root = root();
    let logs = root.join("target/soak");
    std::fs::create_dir_all(&logs)?;
    let dir = tempfile::tempdir()?;
    let kek_file = dir.path().join("kek");
    std::fs::write(&kek_file, yenpay_gateway::crypto::random_hex(32))?;
    let admin_token = yenpay_gateway::crypto::random_hex(32);
    let token_file = dir.path().join("admin-token");
    std::fs::write(&token_file, &admin_token)?;
    let operator_file = dir.path().join("operator.key");
    std::fs::copy(
        std::env::var("YENPAY_DEPLOYER_KEY_FILE").context("YENPAY_DEPLOYER_KEY_FILE")?,
        &operator_file,
    )?;
    let head = NodeLedger::new(&node_url, deployment.package_address)?
        .head()
        .await?;
    let common: Vec<OsString> = [
        "--database-url".into(),
        database.clone(),
        "--node-url".into(),
        node_url.clone(),
        "--package".into(),
        deployment.package_address.to_hex(),
        "--metadata".into(),
        deployment.metadata_address.to_hex(),
        "--chain-id".into(),
        deployment.chain_id.to_string(),
        "--follower-start".into(),
        head.version.to_string(),
        "--kek-file".into(),
        kek_file.display().to_string(),
        "--admin-token-file".into(),
        token_file.display().to_string(),
        "--operator-key-file".into(),
        operator_file.display().to_string(),
        "--allow-local-webhooks".into(),
        "--lease-secs".into(),
        "3".into(),
        "--reconcile-interval-secs".into(),
        "2".into(),
        "--purge-interval-secs".into(),
        "0".into(),
        "--no-web".into(),
    ]
    .into_iter()
    .map(OsString::from)
    .collect();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let mut replicas = Vec::new();
    for name in ["a", "b"] {
        let (port, admin_port) = (free_port()?, free_port()?);
        let mut args = common.clone();
        args.extend(
            [
                "--listen".to_owned(),
                format!("127.0.0.1:{port}"),
                "--admin-listen".to_owned(),
                format!("127.0.0.1:{admin_port}"),
            ]
            .map(OsString::from),
        );
        let mut replica = Replica {
            name,
            args,
            base: format!("http://127.0.0.1:{port}"),
            admin_base: format!("http://127.0.0.1:{admin_port}"),
            child: None,
            starts: 0,
            logs: logs.clone(),
        };
        replica.start(&http).await?;
        replicas.push(replica);
    }

    // Three merchants, each with a webhook to the receiver.
    let secrets: Arc<Mutex<Vec<String>>> = Arc::default();
    let (inbox, hook_url) = deduplicating_receiver(secrets.clone()).await?;
    let admin = Api {
        http: http.clone(),
        base: replicas[0].base.clone(),
        admin_base: replicas[0].admin_base.clone(),
        admin_token: admin_token.clone(),
    };
    let mut merchants = Vec::new();
    for (i, name) in ["SOAK RAMEN", "SOAK BOOKS", "SOAK FLOWERS"]
        .iter()
        .enumerate()
    {
        let fee = 100 + 50 * i as u64;
        let merchant = onboard_with_fee(
            &admin,
            &chain,
            &deployer,
            name,
            &format!("soak merchant {i}"),
            fee,
        )
        .await?;
        let hook = admin
            .admin(
                &format!("/admin/merchants/{}/webhooks", merchant.id),
                Some(json!({"url": hook_url})),
            )
            .await?;
        secrets
            .lock()
            .unwrap()
            .push(hook["data"]["secret"].as_str().unwrap().to_owned());
        merchants.push((merchant.owner.address(), merchant.key));
    }
    let merchants = Arc::new(merchants);

    // Twelve payers with yen, half with APT (they pay their own gas), half without.
    chain
        .issuance()
        .configure_minter(deployer.as_ref(), deployer.address(), 1_000_000_000)
        .await?;
    const WORKERS: usize = 3;
    let mut payers: Vec<Vec<(Ed25519Account, bool)>> = (0..WORKERS).map(|_| Vec::new()).collect();
    for i in 0..12 {
        let payer = Ed25519Account::generate();
        let sponsored = i % 2 == 0;
        if !sponsored {
            yenpay_deploy::faucet::fund(chain.aptos(), payer.address(), 100_000_000).await?;
        }
        chain
            .issuance()
            .mint(deployer.as_ref(), payer.address(), 50_000_000)
            .await?;
        payers[i % WORKERS].push((payer, sponsored));
    }

    let started = Instant::now();
    let until = started + Duration::from_secs(secs);
    let tally = Arc::new(Tally::default());
    let bases = Arc::new(Bases {
        api: replicas.iter().map(|r| r.base.clone()).collect(),
    });
    let mut workers = Vec::new();
    for (worker, payers) in payers.into_iter().enumerate() {
        workers.push(tokio::spawn(traffic(
            worker,
            until,
            http.clone(),
            bases.clone(),
            deployment.clone(),
            chain.clone(),
            merchants.clone(),
            payers,
            tally.clone(),
        )));
    }

    // Kills at random moments, at least twelve over the run; PostgreSQL
    // crashed (immediate stop) and restarted at a third and two thirds.
    let kills_wanted = 12u64;
    let mut kills = 0u64;
    let mut pg_restarts = 0u64;
    let pg_at = [
        until - Duration::from_secs(secs * 2 / 3),
        until - Duration::from_secs(secs / 3),
    ];
    let slot = Duration::from_secs(secs) / (kills_wanted as u32 + 1);
    while Instant::now() < until {
        let pause = slot.mul_f64(rand::thread_rng().gen_range(0.5..1.0));
        tokio::time::sleep(pause).await;
        if pg_restarts < 2 && Instant::now() >= pg_at[pg_restarts as usize] {
            let status = std::process::Command::new(&restart[0])
                .args(&restart[1..])
                .status()
                .context("restarting PostgreSQL")?;
            if !status.success() {
                bail!("restarting PostgreSQL: {status}");
            }
            pg_restarts += 1;
            println!("soak: PostgreSQL restarted ({pg_restarts})");
        }
        if Instant::now() >= until {
            break;
        }
        let victim = rand::thread_rng().gen_range(0..replicas.len());
        replicas[victim].kill().await?;
        kills += 1;
        println!("soak: killed replica {} ({kills})", replicas[victim].name);
        let down = Duration::from_millis(rand::thread_rng().gen_range(500..3_000));
        tokio::time::sleep(down).await;
        replicas[victim].start(&http).await?;
    }
    for worker in workers {
        worker.await??;
    }
    let traffic_secs = started.elapsed().as_secs();

    // Drain: the follower caught up and every webhook delivered, then the audit.
    let report_file = logs.join("audit.json");
    let deadline = Instant::now() + Duration::from_secs(180);
    let (clean, report, text) = loop {
        let (clean, report, text) = audit(&common, &report_file).await?;
        let pending = report["webhooks"]["PENDING"].as_i64().unwrap_or(0);
        let delivered = report["webhooks"]["DELIVERED"].as_i64().unwrap_or(0) as usize;
        let received = inbox.lock().unwrap().seen.len();
        let settled =
            clean && report["not_yet_followed"] == 0 && pending == 0 && received >= delivered;
        if settled || Instant::now() > deadline {
            break (clean, report, text);
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
    };
    for replica in &mut replicas {
        replica.kill().await?;
    }
    println!("{text}");

    let inbox = inbox.lock().unwrap();
    let received_unique = inbox.seen.len();
    let received_total: u32 = inbox.seen.values().map(|(_, n)| n).sum();
    let of_type = |kind: &str| inbox.seen.values().filter(|(k, _)| k == kind).count();
    let webhooks = &report["webhooks"];
    let count = |status: &str| webhooks[status].as_i64().unwrap_or(0);
    let t = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let figures = format!(
        "# Soak: two replicas on PostgreSQL, killed and restarted\n\n\
         Run by `cargo xtask soak` against the node at {node_url} (package {package}).\n\n\
         | figure | value |\n|---|---:|\n\
         | traffic, seconds | {traffic_secs} |\n\
         | codes created | {codes} |\n\
         | codes whose creation a kill or restart interrupted | {codes_interrupted} |\n\
         | payments, sponsored | {sponsored} |\n\
         | payments, unsponsored | {direct} |\n\
         | payments interrupted | {pay_int} |\n\
         | partial refunds | {refunds} |\n\
         | refunds interrupted | {ref_int} |\n\
         | SIGKILLs of a replica | {kills} |\n\
         | PostgreSQL crash-restarts | {pg_restarts} |\n\
         | payments on chain / in the database | {cp} / {dp} |\n\
         | refunds on chain / in the database | {cr} / {dr} |\n\
         | differences (audit) | {diffs} |\n\
         | webhook deliveries delivered / pending / dead | {wd} / {wp} / {wx} |\n\
         | events received (unique) | {received_unique} |\n\
         | deliveries received in all (duplicates: {dups}) | {received_total} |\n\
         | bodies with a bad signature | {bad} |\n",
        package = deployment.package_address,
        codes = t(&tally.codes),
        codes_interrupted = t(&tally.codes_interrupted),
        sponsored = t(&tally.paid_sponsored),
        direct = t(&tally.paid_direct),
        pay_int = t(&tally.payments_interrupted),
        refunds = t(&tally.refunds),
        ref_int = t(&tally.refunds_interrupted),
        cp = report["chain_payments"],
        dp = report["database_payments"],
        cr = report["chain_refunds"],
        dr = report["database_refunds"],
        diffs = report["differences"].as_array().map_or(0, Vec::len),
        wd = count("DELIVERED"),
        wp = count("PENDING"),
        wx = count("DEAD"),
        dups = received_total as usize - received_unique,
        bad = inbox.bad_signatures,
    );
    std::fs::write(root.join("target/soak-report.md"), &figures)?;
    println!("{figures}");

    assert!(clean, "the audit found differences:\n{text}");
    assert_eq!(
        (
            report["database_payments"].clone(),
            report["database_refunds"].clone()
        ),
        (
            report["chain_payments"].clone(),
            report["chain_refunds"].clone()
        ),
        "a row per payment and per refund on chain"
    );
    assert_eq!(report["not_yet_followed"], 0, "the follower caught up");
    assert!(kills >= 10, "{kills} kills");
    assert_eq!(pg_restarts, 2);
    assert_eq!((count("PENDING"), count("DEAD")), (0, 0), "{webhooks}");
    assert_eq!(inbox.bad_signatures, 0);
    assert_eq!(
        received_unique as i64,
        count("DELIVERED"),
        "every delivered event reached the receiver, and nothing else did"
    );
    assert_eq!(
        of_type("PAYMENT_COMPLETED") as u64,
        report["chain_payments"].as_u64().unwrap(),
        "a PAYMENT_COMPLETED per payment on chain"
    );
    assert_eq!(
        of_type("REFUND_COMPLETED") as u64,
        report["chain_refunds"].as_u64().unwrap(),
        "a REFUND_COMPLETED per refund on chain"
    );
    let paid = t(&tally.paid_sponsored) + t(&tally.paid_direct);
    assert!(
        paid >= 50,
        "enough traffic to mean something: {paid} payments"
    );
    assert!(t(&tally.paid_sponsored) > 0 && t(&tally.paid_direct) > 0);
    Ok(())
}
