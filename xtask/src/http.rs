//! Plain HTTP probes: readiness polling and port checks. Chain calls go
//! through aptos-sdk; these are only for "is anything there yet".
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

/// The REST URL of a node to use instead of starting a localnet.
pub const NODE_URL_ENV: &str = "APTOS_NODE_URL";
/// The faucet URL that goes with [`NODE_URL_ENV`].
pub const FAUCET_URL_ENV: &str = "APTOS_FAUCET_URL";

/// `url` with the REST API's `/v1` path (accepts it given or not).
pub fn rest_api_url(url: &str) -> String {
    let trimmed = url.trim().trim_end_matches('/');
    if trimmed.ends_with("/v1") {
        trimmed.to_string()
    } else {
        format!("{trimmed}/v1")
    }
}

/// reqwest is built without a bundled TLS crypto provider (as aptos-sdk
/// builds it); install `ring` once, unless something already did.
pub fn install_tls_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race with another installer is fine: one is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// Whether something already holds `port` on the loopback interface: either a
/// listener answers there, or binding it fails because it is in use.
pub fn port_in_use(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    if TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_ok() {
        return true;
    }
    match TcpListener::bind(addr) {
        Ok(_) => false,
        Err(e) => e.kind() == std::io::ErrorKind::AddrInUse,
    }
}

/// The `(port, service)` pairs among `wanted` that are taken.
pub fn ports_in_use<'a>(wanted: &[(u16, &'a str)]) -> Vec<(u16, &'a str)> {
    wanted
        .iter()
        .copied()
        .filter(|(port, _)| port_in_use(*port))
        .collect()
}

/// How a readiness wait ended without success.
#[derive(Debug)]
pub enum NotReady {
    /// The deadline passed; the last thing seen is kept for the message.
    TimedOut {
        /// How long was waited.
        waited: Duration,
        /// The last HTTP status or connection error.
        last: String,
    },
    /// The watched process exited while waiting.
    Exited(String),
}

impl std::fmt::Display for NotReady {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TimedOut { waited, last } => write!(
                f,
                "not ready after {}s (last answer: {last})",
                waited.as_secs()
            ),
            Self::Exited(why) => write!(f, "the process exited while starting: {why}"),
        }
    }
}

impl std::error::Error for NotReady {}

/// Polls `url` until it answers 200, `timeout` passes, or `still_running`
/// reports that the process behind it is gone (`Err(why)`).
pub async fn wait_ready(
    url: &str,
    timeout: Duration,
    poll_every: Duration,
    mut still_running: impl FnMut() -> Result<(), String>,
) -> Result<(), NotReady> {
    install_tls_provider();
    let client = match reqwest::Client::builder().build() {
        Ok(c) => c,
        Err(e) => {
            return Err(NotReady::TimedOut {
                waited: Duration::ZERO,
                last: format!("cannot build an HTTP client: {e}"),
            });
        }
    };
    let start = Instant::now();
    let mut last = "no answer yet".to_string();
    loop {
        still_running().map_err(NotReady::Exited)?;
        let remaining = timeout.saturating_sub(start.elapsed());
        if remaining.is_zero() {
            return Err(NotReady::TimedOut {
                waited: start.elapsed(),
                last,
            });
        }
        // Each probe is bounded too, so a server that accepts and never
        // answers cannot stretch the wait past the deadline.
        let per_try = remaining.min(Duration::from_secs(2));
        match client.get(url).timeout(per_try).send().await {
            Ok(resp) if resp.status() == reqwest::StatusCode::OK => return Ok(()),
            Ok(resp) => last = format!("HTTP {}", resp.status()),
            Err(e) if e.is_timeout() => last = "no response (request timed out)".into(),
            Err(e) if e.is_connect() => last = "connection refused".into(),
            Err(e) => last = e.to_string(),
        }
        let remaining = timeout.saturating_sub(start.elapsed());
        tokio::time::sleep(poll_every.min(remaining)).await;
    }
}

/// GET `url` and decode its JSON, with a short timeout.
pub async fn get_json(url: &str, timeout: Duration) -> Result<serde_json::Value> {
    install_tls_provider();
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .context("building the HTTP client")?;
    let resp = client
        .get(url)
        .send()
        .await
        .with_context(|| format!("no answer from {url}"))?
        .error_for_status()
        .with_context(|| format!("{url} answered with an error"))?;
    resp.json()
        .await
        .with_context(|| format!("{url} did not answer JSON"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// A real HTTP server on 127.0.0.1:0 answering every request with
    /// `status_line`, until dropped.
    struct Server {
        port: u16,
        stop: Arc<AtomicBool>,
    }

    impl Server {
        fn start(status_line: &'static str) -> Self {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            listener.set_nonblocking(true).unwrap();
            let port = listener.local_addr().unwrap().port();
            let stop = Arc::new(AtomicBool::new(false));
            let stop2 = stop.clone();
            std::thread::spawn(move || {
                while !stop2.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((mut s, _)) => {
                            s.set_nonblocking(false).unwrap();
                            s.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
                            let mut buf = [0u8; 1024];
                            let _ = s.read(&mut buf);
                            if !status_line.is_empty() {
                                let _ = write!(
                                    s,
                                    "HTTP/1.1 {status_line}\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{{}}"
                                );
                            } else {
                                // Accept and never answer.
                                std::thread::sleep(Duration::from_secs(5));
                            }
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(20)),
                    }
                }
            });
            Self { port, stop }
        }

        fn url(&self) -> String {
            format!("http://127.0.0.1:{}/", self.port)
        }
    }

    impl Drop for Server {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::Relaxed);
        }
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn a_listening_socket_is_detected_as_in_use() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(port_in_use(port));
        let taken = ports_in_use(&[(port, "REST API")]);
        assert_eq!(taken, vec![(port, "REST API")]);
        drop(listener);
        assert!(!port_in_use(port), "port {port} should be free once closed");
    }

    #[test]
    fn readiness_times_out_against_a_server_that_never_answers_200() {
        let server = Server::start("503 Service Unavailable");
        let timeout = Duration::from_millis(1500);
        let start = Instant::now();
        let err = rt()
            .block_on(wait_ready(
                &server.url(),
                timeout,
                Duration::from_millis(100),
                || Ok(()),
            ))
            .unwrap_err();
        let waited = start.elapsed();
        match &err {
            // On a loaded machine the last poll may itself time out before the 503 arrives.
            NotReady::TimedOut { last, .. } => {
                assert!(last.contains("503") || last.contains("timed out"), "{err}")
            }
            other => panic!("expected a timeout, got {other}"),
        }
        assert!(waited >= timeout, "gave up early: {waited:?}");
        assert!(
            waited < timeout + Duration::from_secs(5),
            "overran: {waited:?}"
        );
    }

    #[test]
    fn readiness_times_out_against_a_server_that_accepts_and_hangs() {
        let server = Server::start("");
        let timeout = Duration::from_millis(1200);
        let start = Instant::now();
        let err = rt()
            .block_on(wait_ready(
                &server.url(),
                timeout,
                Duration::from_millis(100),
                || Ok(()),
            ))
            .unwrap_err();
        assert!(matches!(err, NotReady::TimedOut { .. }), "{err}");
        assert!(start.elapsed() < timeout + Duration::from_secs(2));
    }

    #[test]
    fn readiness_succeeds_once_the_server_answers_200() {
        let server = Server::start("200 OK");
        rt().block_on(wait_ready(
            &server.url(),
            Duration::from_secs(5),
            Duration::from_millis(100),
            || Ok(()),
        ))
        .unwrap();
    }

    #[test]
    fn readiness_stops_when_the_process_exits() {
        let server = Server::start("503 Service Unavailable");
        let mut polls = 0;
        let err = rt()
            .block_on(wait_ready(
                &server.url(),
                Duration::from_secs(30),
                Duration::from_millis(50),
                || {
                    polls += 1;
                    if polls > 2 {
                        Err("exit status 1".into())
                    } else {
                        Ok(())
                    }
                },
            ))
            .unwrap_err();
        assert!(
            matches!(err, NotReady::Exited(ref w) if w.contains("exit status 1")),
            "{err}"
        );
    }
}
