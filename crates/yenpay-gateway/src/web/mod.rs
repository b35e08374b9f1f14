//! The web pages: a merchant's POS page and a customer's wallet page,
//! served by the gateway itself, their files embedded in the binary (shops'
//! networks often have no internet access, so nothing comes from a CDN).
//! The JSON the pages call is the API's (`api::pos`, `api::wallet`).
//!
//! - [`session`]: the cashier's session (cookie, opened with a POS
//!   credential and its role) and what guards the routes behind it.
//! - [`throttle`]: failed POS logins counted per client and per merchant.
//!
//! docs/web.md is the guide.
pub mod session;
pub mod throttle;

use crate::AppState;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::compression::CompressionLayer;

/// The pages' policy: only our own scripts, styles and API; `data:` images
/// for the QR code; no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Browser features the pages may use: the camera, for scanning codes, and
/// only on our own origin; nothing else a page could be tricked into asking for.
pub const PERMISSIONS_POLICY: &str =
    "camera=(self), microphone=(), geolocation=(), payment=(), usb=()";

/// An embedded file.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// Where it is served.
    pub path: &'static str,
    /// Its media type.
    pub content_type: &'static str,
    /// Its bytes.
    pub body: &'static str,
}

macro_rules! asset {
    ($path:expr, $file:literal, $type:literal) => {
        Asset {
            path: $path,
            content_type: $type,
            body: include_str!(concat!("../../web/", $file)),
        }
    };
}

/// Every page and asset.
pub const ASSETS: &[Asset] = &[
    asset!("/", "index.html", "text/html; charset=utf-8"),
    asset!("/pos", "pos.html", "text/html; charset=utf-8"),
    asset!("/wallet", "wallet.html", "text/html; charset=utf-8"),
    asset!(
        "/assets/yenpay.css",
        "assets/yenpay.css",
        "text/css; charset=utf-8"
    ),
    asset!(
        "/assets/common.js",
        "assets/common.js",
        "text/javascript; charset=utf-8"
    ),
    asset!(
        "/assets/pos.js",
        "assets/pos.js",
        "text/javascript; charset=utf-8"
    ),
    asset!(
        "/assets/wallet.js",
        "assets/wallet.js",
        "text/javascript; charset=utf-8"
    ),
    asset!(
        "/assets/camera.js",
        "assets/camera.js",
        "text/javascript; charset=utf-8"
    ),
    // npm's jsqr 1.4.0, `dist/jsQR.js`, byte for byte (Apache-2.0, licence
    // beside it): the QR reader where the browser has no BarcodeDetector.
    asset!(
        JSQR_PATH,
        "assets/vendor/jsQR.js",
        "text/javascript; charset=utf-8"
    ),
];

/// Where the vendored QR reader is served (camera.js loads it on first use).
pub const JSQR_PATH: &str = "/assets/vendor/jsQR.js";

/// The pages and their assets, and `apis`, the routes the pages call,
/// behind the same headers (the caller gives them: the pages do not know
/// the API).
pub fn router(apis: Router<AppState>) -> Router<AppState> {
    let mut pages = Router::new();
    for asset in ASSETS {
        let asset = *asset;
        pages = pages.route(asset.path, get(move || async move { serve(asset) }));
    }
    // Only the files: gzip brings the QR reader from 250 KB to about 60 KB on
    // a shop's Wi-Fi, while the APIs and the payment stream stay as they are.
    pages
        .layer(CompressionLayer::new())
        .merge(apis)
        .layer(from_fn(security_headers))
}

fn serve(asset: Asset) -> Response {
    // Assets change only with the binary; a short max-age keeps an upgrade visible within minutes.
    (
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        asset.body,
    )
        .into_response()
}

/// Headers on every page and page API answer.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(PERMISSIONS_POLICY),
    );
    response
}
