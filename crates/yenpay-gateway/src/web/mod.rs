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
use axum::response::Response;
use static_serve::embed_asset;

/// The pages' policy: only our own scripts, styles and API; `data:` images
/// for the QR code; no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Browser features the pages may use: the camera, for scanning codes, and
/// only on our own origin; nothing else a page could be tricked into asking for.
pub const PERMISSIONS_POLICY: &str =
    "camera=(self), microphone=(), geolocation=(), payment=(), usb=()";

/// The pages, where they are served and their files under `web/`.
pub const PAGES: &[(&str, &str)] = &[
    ("/", "index.html"),
    ("/pos", "pos.html"),
    ("/wallet", "wallet.html"),
];

/// Where the files under `web/assets/` are served, each at its own path below.
pub const ASSETS_PATH: &str = "/assets";

/// Where the vendored QR reader is served (camera.js loads it on first use):
/// npm's jsqr 1.4.0, `dist/jsQR.js`, byte for byte (Apache-2.0, licence beside it).
pub const JSQR_PATH: &str = "/assets/vendor/jsQR.js";

/// How the files may be cached: kept, but checked again on every use (a
/// `304` for an unchanged file, by its ETag), so that after an upgrade a page
/// never runs with another version's scripts or strings.
pub const FILE_CACHE_CONTROL: &str = "no-cache";

/// Every file under `web/assets/` (the vendored reader's licence stays in the
/// repository), embedded at build time by `static-serve`: its bytes, its gzip
/// and zstd forms where they are smaller, a strong ETag from its SHA-256 and
/// a media type from its extension. static-serve reads its paths from the
/// workspace's root, where cargo runs the compiler.
mod assets {
    static_serve::embed_assets!(
        "crates/yenpay-gateway/web/assets",
        compress = true,
        ignore_paths = ["vendor/jsQR.LICENSE"]
    );
}

/// The pages and their assets, and `apis`, the routes the pages call,
/// behind the same headers (the caller gives them: the pages do not know
/// the API).
pub fn router(apis: Router<AppState>) -> Router<AppState> {
    // The pages' routes follow PAGES (the tests check each against its
    // file): `embed_asset!` takes its file as a literal.
    let files = Router::new()
        .route(
            "/",
            embed_asset!("crates/yenpay-gateway/web/index.html", compress = true),
        )
        .route(
            "/pos",
            embed_asset!("crates/yenpay-gateway/web/pos.html", compress = true),
        )
        .route(
            "/wallet",
            embed_asset!("crates/yenpay-gateway/web/wallet.html", compress = true),
        )
        .nest(ASSETS_PATH, assets::static_router())
        .layer(from_fn(file_headers));
    // Only the files come compressed (at build time): the APIs and the
    // payment stream stay as they are, so the stream flushes at once.
    files.merge(apis).layer(from_fn(security_headers))
}

/// What every embedded file's answer adds to static-serve's: the cache
/// policy, and UTF-8 named for text (the files are UTF-8; the pages say so
/// too, but a script or stylesheet read on its own should not be guessed at).
async fn file_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(FILE_CACHE_CONTROL),
    );
    let text_without_charset = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .filter(|value| value.starts_with("text/") && !value.contains("charset"))
        .map(|value| format!("{value}; charset=utf-8"));
    if let Some(value) = text_without_charset.and_then(|v| HeaderValue::from_str(&v).ok()) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    response
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
