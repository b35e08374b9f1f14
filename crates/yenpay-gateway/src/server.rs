//! The HTTP server loop, with the limits a service in front of strangers
//! needs (`config::ServerPolicy`): a client must send a request's header
//! within a deadline (which also ends idle keep-alive connections), at most
//! so many connections are served at once (the rest wait in the kernel's
//! listen queue), every request is answered within a deadline, and a
//! shutdown gives open connections a bounded time to finish. `axum::serve`
//! sets none of these: 300 connections sending a header slowly stayed open
//! for over a minute, and shutdown waited on them.
//!
//! Each request carries its connection's peer address as
//! `axum::extract::ConnectInfo<SocketAddr>` (the POS login throttles per
//! client by it). Behind a reverse proxy that is the proxy's address.
use crate::config::ServerPolicy;
use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Serves `router` on `listener` until `shutdown` resolves, then stops
/// accepting and gives open connections `policy.shutdown_deadline` to
/// finish; returns once they have, or the deadline passed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    policy: &ServerPolicy,
    shutdown: impl Future<Output = ()>,
) {
    let router = router.layer(tower_http::timeout::TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        policy.request_timeout,
    ));
    let slots = Arc::new(Semaphore::new(policy.max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(policy.header_read_timeout);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(%error, "accepting a connection");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Every request of this connection learns who is at the other end.
        let service = tower::ServiceExt::map_request(
            router.clone(),
            move |mut request: axum::http::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            },
        );
        let connection = graceful
            .watch(http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service)));
        tokio::spawn(async move {
            // A client that misbehaves ends its own connection; nothing to report.
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(policy.shutdown_deadline, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            deadline_secs = policy.shutdown_deadline.as_secs(),
            "connections still open at the shutdown deadline: closing them"
        );
    }
}
