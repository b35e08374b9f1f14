//! Several replicas on one database (issue 30, item 8): exactly one runs the
//! follower and one the dispatcher, chosen by a lease in the database, and
//! another takes over when the leader is killed.

use crate::common::*;
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A gateway process on the shared SQLite file, with the node down (leases need no node).
fn replica(dir: &std::path::Path, port: u16) -> tokio::process::Child {
    let kek = dir.join("kek");
    std::fs::write(&kek, "55".repeat(32)).unwrap();
    tokio::process::Command::new(env!("CARGO_BIN_EXE_yenpay-gateway"))
        .env_clear()
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("gw.db").display()),
        )
        .env("YENPAY_KEK_FILE", &kek)
        .env("APTOS_NODE_URL", "http://127.0.0.1:9")
        .env("YENPAY_PACKAGE", PACKAGE)
        .env("YENPAY_METADATA", METADATA)
        .env("YENPAY_CHAIN_ID", "4")
        .env("YENPAY_FOLLOWER_START", "1")
        .env("YENPAY_LEASE_SECS", "3")
        .env("YENPAY_GATEWAY_LISTEN", format!("127.0.0.1:{port}"))
        .kill_on_drop(true)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// What the replica on `port` leads: (follower, dispatcher), or None while it does not answer.
async fn leads(port: u16) -> Option<(bool, bool)> {
    let metrics = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    Some((
        metrics.contains(r#"yenpay_gateway_leader{role="follower"} 1"#),
        metrics.contains(r#"yenpay_gateway_leader{role="dispatcher"} 1"#),
    ))
}

#[tokio::test]
async fn one_replica_leads_and_another_takes_over_when_it_is_killed() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let ports = [free_port(), free_port()];
    let mut first = replica(dir.path(), ports[0]);
    // The first replica up takes both leases.
    let mut roles = None;
    for _ in 0..100 {
        roles = leads(ports[0]).await;
        if roles == Some((true, true)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(roles, Some((true, true)), "the first replica did not lead");
    let _second = replica(dir.path(), ports[1]);
    for _ in 0..100 {
        if leads(ports[1]).await.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A few renewals later, still exactly one leader of each.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(leads(ports[0]).await, Some((true, true)));
    assert_eq!(
        leads(ports[1]).await,
        Some((false, false)),
        "two replicas lead at once"
    );
    // kill -9: no lease is released; the second takes over once it expires (3 s) plus a renewal period.
    first.start_kill().unwrap();
    first.wait().await.unwrap();
    let killed = Instant::now();
    let mut taken = None;
    while killed.elapsed() < Duration::from_secs(10) {
        if leads(ports[1]).await == Some((true, true)) {
            taken = Some(killed.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let taken = taken.expect("the second replica did not take over within 10 s");
    assert!(taken <= Duration::from_secs(6), "took {taken:?}");
}

#[tokio::test]
async fn a_lease_is_held_by_one_holder_until_it_expires_or_is_released() {
    for db in backends().await {
        let pool = yenpay_gateway::store::Db::connect(&db.url)
            .await
            .unwrap()
            .pool;
        use yenpay_gateway::store::leases::{acquire, release};
        assert!(acquire(&pool, "follower", "a", 100, 15).await.unwrap());
        assert!(!acquire(&pool, "follower", "b", 110, 15).await.unwrap());
        // Renewal by the holder.
        assert!(acquire(&pool, "follower", "a", 110, 15).await.unwrap());
        assert!(!acquire(&pool, "follower", "b", 124, 15).await.unwrap());
        // Expired: taken over.
        assert!(acquire(&pool, "follower", "b", 126, 15).await.unwrap());
        assert!(!acquire(&pool, "follower", "a", 127, 15).await.unwrap());
        // Released: free at once.
        release(&pool, "follower", "b").await.unwrap();
        assert!(acquire(&pool, "follower", "a", 128, 15).await.unwrap());
        // Roles are separate leases.
        assert!(acquire(&pool, "dispatcher", "b", 128, 15).await.unwrap());
    }
}
