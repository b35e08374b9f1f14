//! Where webhooks may go. A merchant names a URL and the gateway POSTs to it
//! from inside the operator's network, so an unchecked URL lets a merchant
//! reach the operator's own services (server-side request forgery): the
//! database on loopback, a cloud metadata address, a private admin panel.
//! So a webhook URL must be `https`, and every address its host resolves to
//! must be public: not loopback, private, link-local, shared (CGNAT),
//! multicast, broadcast, documentation or unspecified. It is checked when the
//! endpoint is registered and again at every delivery, where the HTTP
//! client's resolver drops forbidden addresses after its own lookup, so a
//! name that re-resolves to a private address (DNS rebinding) is never
//! connected to. `WebhookPolicy::allow_local_destinations` (a development
//! flag, off by default) lifts both rules, for receivers on loopback.
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};

/// Why a webhook URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DestinationError {
    /// Not an absolute URL with a host.
    #[error("url: an absolute https:// URL")]
    NotAUrl,
    /// Plain http outside development.
    #[error("url: webhooks are sent over https only")]
    NotHttps,
    /// The host is, or resolves to, an address the gateway never sends to.
    #[error(
        "url: {host} is not a public address ({address}); webhooks go to public addresses only"
    )]
    NotPublic {
        /// The URL's host.
        host: String,
        /// The forbidden address.
        address: IpAddr,
    },
    /// The host does not resolve.
    #[error("url: {0} does not resolve")]
    Unresolved(String),
}

/// Whether the gateway may send to `address`.
pub fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_unspecified()
                || v4.is_documentation()
                || a == 0
                // shared address space (RFC 6598, carrier-grade NAT)
                || (a == 100 && (64..128).contains(&b))
                // IETF protocol assignments (RFC 6890)
                || (a == 192 && b == 0 && c == 0)
                // benchmarking (RFC 2544) and reserved (240/4)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // unique local fc00::/7 and link-local fe80::/10
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                // documentation 2001:db8::/32
                || (first == 0x2001 && v6.segments()[1] == 0x0db8))
        }
    }
}

/// Checks a URL a merchant registers: its scheme and every address its host
/// resolves to now.
///
/// # Errors
/// [`DestinationError`].
pub async fn check(url: &str, allow_local: bool) -> Result<reqwest::Url, DestinationError> {
    let parsed = reqwest::Url::parse(url).map_err(|_| DestinationError::NotAUrl)?;
    let host = parsed
        .host_str()
        .ok_or(DestinationError::NotAUrl)?
        .to_owned();
    match parsed.scheme() {
        "https" => {}
        "http" if allow_local => {}
        "http" => return Err(DestinationError::NotHttps),
        _ => return Err(DestinationError::NotAUrl),
    }
    if allow_local {
        return Ok(parsed);
    }
    let port = parsed.port_or_known_default().unwrap_or(443);
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<IpAddr> = match bare.parse::<IpAddr>() {
        Ok(literal) => vec![literal],
        Err(_) => tokio::net::lookup_host((bare, port))
            .await
            .map_err(|_| DestinationError::Unresolved(host.clone()))?
            .map(|socket| socket.ip())
            .collect(),
    };
    if addresses.is_empty() {
        return Err(DestinationError::Unresolved(host));
    }
    if let Some(address) = addresses.into_iter().find(|a| !is_public(*a)) {
        return Err(DestinationError::NotPublic { host, address });
    }
    Ok(parsed)
}

/// The webhook client's resolver: the system's lookup, without the addresses
/// [`is_public`] refuses; a name left with none fails to connect.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|socket| is_public(socket.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_pass() {
        // Pure classification: nothing here is contacted.
        for forbidden in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.1",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(forbidden.parse().unwrap()), "{forbidden} passed");
        }
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public} refused");
        }
    }

    #[tokio::test]
    async fn registration_refuses_http_and_local_hosts() {
        assert_eq!(
            check("http://hooks.example/x", false).await,
            Err(DestinationError::NotHttps)
        );
        assert_eq!(
            check("ftp://hooks.example/x", false).await,
            Err(DestinationError::NotAUrl)
        );
        assert_eq!(
            check("not a url", false).await,
            Err(DestinationError::NotAUrl)
        );
        for local in [
            "https://127.0.0.1/hook",
            "https://127.0.0.1:8443/hook",
            "https://[::1]/hook",
            "https://0.0.0.0/hook",
            "https://localhost/hook",
            "https://[::ffff:127.0.0.1]/hook",
        ] {
            assert!(
                matches!(
                    check(local, false).await,
                    Err(DestinationError::NotPublic { .. })
                ),
                "{local} was accepted"
            );
        }
        // The development flag lets loopback receivers through.
        assert!(check("http://127.0.0.1:9/hook", true).await.is_ok());
    }

    #[tokio::test]
    async fn the_delivery_resolver_drops_local_addresses() {
        // localhost resolves to loopback only: nothing is left to connect to.
        let resolved = PublicOnly.resolve("localhost".parse().unwrap()).await;
        assert!(resolved.is_err());
    }
}
