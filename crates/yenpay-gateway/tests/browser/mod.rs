//! A real headless browser for the page tests: Debian's `chromium` driven
//! through `chromedriver` (package `chromium-driver`) over WebDriver.
//!
//! Where either is missing the tests that need them print why and return;
//! with `YENPAY_REQUIRE_BROWSER=1` (set by `.ci/run`) a missing browser
//! fails them instead, so CI cannot pass by skipping.
#![allow(dead_code)]

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A Chrome DevTools Protocol command sent through chromedriver
/// (`POST /session/{id}/goog/cdp/execute`).
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Roles a screen reader offers as something to operate: each needs a name.
const OPERABLE_ROLES: &[&str] = &[
    "button",
    "textbox",
    "combobox",
    "checkbox",
    "radio",
    "link",
    "tab",
    "dialog",
    "alertdialog",
    "spinbutton",
    "slider",
    "menuitem",
    "switch",
];

/// A browser session and the driver process behind it.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

fn binary(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env) {
        return Some(PathBuf::from(path));
    }
    names.iter().find_map(|name| on_path(name))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Browser {
    /// Starts chromedriver and a headless chromium, or says why it cannot
    /// (`None`; a panic when `YENPAY_REQUIRE_BROWSER=1`).
    pub async fn start(test: &str) -> Option<Self> {
        Self::start_with(test, &[]).await
    }

    /// [`Browser::start`] with a camera: Chromium's fake capture device
    /// playing `clip` (a Y4M file, see [`y4m_showing`]), the permission
    /// granted as a customer would.
    pub async fn start_with_camera(test: &str, clip: &Path) -> Option<Self> {
        Self::start_with(
            test,
            &[
                "--use-fake-device-for-media-stream".to_owned(),
                "--use-fake-ui-for-media-stream".to_owned(),
                format!("--use-file-for-fake-video-capture={}", clip.display()),
            ],
        )
        .await
    }

    async fn start_with(test: &str, extra_args: &[String]) -> Option<Self> {
        let driver = binary("CHROMEDRIVER", &["chromedriver"]);
        let chrome = binary(
            "CHROME_BIN",
            &["chromium", "chromium-browser", "google-chrome"],
        );
        let (Some(driver), Some(chrome)) = (driver, chrome) else {
            let reason = "no chromium and chromedriver (Debian: `apt-get install chromium chromium-driver`, or set CHROME_BIN and CHROMEDRIVER)";
            if std::env::var("YENPAY_REQUIRE_BROWSER").as_deref() == Ok("1") {
                panic!("{test}: YENPAY_REQUIRE_BROWSER=1 but {reason}");
            }
            eprintln!("SKIPPED {test}: {reason}");
            return None;
        };
        let port = free_port();
        let process = Command::new(&driver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", driver.display()));
        let profile = tempfile::tempdir().expect("a profile directory");
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-extensions".to_owned(),
            "--force-device-scale-factor=1".to_owned(),
            "--window-size=1024,1000".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        args.extend_from_slice(extra_args);
        let capabilities: serde_json::Map<String, Value> = serde_json::from_value(json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chrome, "args": args },
        }))
        .expect("capabilities");
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(error) if started.elapsed() < Duration::from_secs(20) => {
                    let _ = error;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(error) => panic!("chromedriver at {url} gave no session: {error}"),
            }
        };
        Some(Self {
            client,
            driver: process,
            _profile: profile,
        })
    }

    /// Opens `url` and waits for `css` to be present.
    pub async fn open(&self, url: &str, css: &str) -> Element {
        self.client.goto(url).await.expect("navigating");
        self.wait(css).await
    }

    /// Waits (10 s at most) for an element.
    pub async fn wait(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} on the page: {e}"))
    }

    /// Waits until `css` has attribute `name` equal to `value`; returns how long it took.
    pub async fn wait_attr(&self, css: &str, name: &str, value: &str, limit: Duration) -> Duration {
        let started = Instant::now();
        loop {
            let current = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.attr(name).await.ok().flatten(),
                Err(_) => None,
            };
            if current.as_deref() == Some(value) {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < limit,
                "{css}[{name}] is {current:?}, not {value:?}, after {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits (at most `limit`) until the POS page shows `status`
    /// (`#pos-status[data-status]`); returns how long it took.
    pub async fn pos_status(&self, status: &str, limit: Duration) -> Duration {
        self.wait_attr("#pos-status", "data-status", status, limit)
            .await
    }

    /// Runs `script` in the page and returns its JSON value.
    pub async fn eval(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("running {script}: {e}"))
    }

    /// Waits (at most `limit`) until `script` returns `expected`.
    pub async fn wait_eval(&self, script: &str, expected: impl Into<Value>, limit: Duration) {
        let expected = expected.into();
        let started = Instant::now();
        loop {
            let got = self.eval(script).await;
            if got == expected {
                return;
            }
            assert!(
                started.elapsed() < limit,
                "{script} gave {got}, not {expected}, after {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The page's language (`<html lang>`).
    pub async fn lang(&self) -> Option<String> {
        self.wait("html")
            .await
            .attr("lang")
            .await
            .expect("reading lang")
    }

    /// Waits until the text of `css` contains `needle`; returns the text.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        let started = Instant::now();
        loop {
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.contains(needle) {
                return text;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{css} says {text:?}, without {needle:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (10 s at most) for an element to be present and shown: pages
    /// keep hidden sections in the document, which cannot be used yet.
    pub async fn wait_shown(&self, css: &str) -> Element {
        let element = self.wait(css).await;
        let started = Instant::now();
        while !element.is_displayed().await.unwrap_or(false) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{css} is on the page but never shown"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        element
    }

    /// Types `text` into the input `css` (cleared first).
    pub async fn fill(&self, css: &str, text: &str) {
        let input = self.wait_shown(css).await;
        input.clear().await.expect("clearing");
        input
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("typing into {css}: {e}"));
    }

    /// Clicks `css`.
    pub async fn click(&self, css: &str) {
        self.wait_shown(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
    }

    /// Form controls on the page without an accessible name (no `<label>`,
    /// `aria-label` or `aria-labelledby`): should be none.
    pub async fn unlabelled_controls(&self) -> Vec<String> {
        let found = self
            .client
            .execute(
                "return [...document.querySelectorAll('input:not([type=hidden]), textarea, select')]
                    .filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')
                                 && !e.getAttribute('aria-labelledby'))
                    .map(e => e.id || e.name || e.outerHTML.slice(0, 80));",
                Vec::new(),
            )
            .await
            .expect("running the label check");
        serde_json::from_value(found).expect("a list of names")
    }

    /// The page as a screen reader gets it: Chromium's own accessibility
    /// tree (roles and the names it computed from labels, ARIA and text), a
    /// `(role, name)` per node that is not ignored, in the order Chromium
    /// lists them (text runs inside a text node left out).
    pub async fn accessibility_tree(&self) -> Vec<(String, String)> {
        let answer = self
            .client
            .issue_cmd(Cdp {
                cmd: "Accessibility.getFullAXTree",
                params: json!({}),
            })
            .await
            .expect("Accessibility.getFullAXTree");
        let field = |node: &Value, key: &str| {
            node[key]["value"]
                .as_str()
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        answer["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter(|node| node["ignored"] != true)
            .map(|node| (field(node, "role"), field(node, "name")))
            .filter(|(role, _)| !["", "none", "generic", "InlineTextBox"].contains(&role.as_str()))
            .collect()
    }

    /// Resizes the window and returns the page's viewport width, as CSS sees it.
    pub async fn resize(&self, width: u32, height: u32) -> u64 {
        self.client
            .set_window_size(width, height)
            .await
            .expect("resizing the window");
        self.eval("return window.innerWidth")
            .await
            .as_u64()
            .expect("innerWidth")
    }

    /// What does not fit a small screen: the page scrolling sideways, a
    /// visible element reaching past the viewport's right edge, or a visible
    /// button or field under 44 CSS px high (too small to hit at a till or on
    /// a phone). Should be none.
    pub async fn layout_problems(&self) -> Vec<String> {
        let found = self
            .eval(
                r#"
                const width = document.documentElement.clientWidth, bad = [];
                if (document.documentElement.scrollWidth > width)
                  bad.push(`the page scrolls sideways (${document.documentElement.scrollWidth} > ${width})`);
                const name = (e) => e.id ? `#${e.id}` : e.tagName.toLowerCase() + (e.className ? `.${e.className}` : "");
                for (const e of document.querySelectorAll("body *")) {
                  const r = e.getBoundingClientRect();
                  if (!r.width || !r.height || getComputedStyle(e).visibility === "hidden") continue;
                  if (r.right > width + 0.5) bad.push(`${name(e)} reaches ${Math.round(r.right)} px`);
                  if (e.matches("button, input:not([type=hidden]), select") && r.height < 44)
                    bad.push(`${name(e)} is ${Math.round(r.height)} px high`);
                }
                return bad;
                "#,
            )
            .await;
        serde_json::from_value(found).expect("a list of problems")
    }

    /// Visible text on the page whose contrast with its background is under
    /// WCAG AA (4.5:1, or 3:1 for large text), as `text (ratio)`; disabled
    /// controls are exempt. Backgrounds are the nearest opaque ones up the tree.
    pub async fn low_contrast_text(&self) -> Vec<String> {
        let found = self
            .client
            .execute(
                r#"
                const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
                const lum = ([r, g, b]) => {
                  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
                  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
                };
                const background = (el) => {
                  for (let e = el; e; e = e.parentElement) {
                    const c = rgb(getComputedStyle(e).backgroundColor);
                    if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
                  }
                  return [255, 255, 255];
                };
                const bad = [];
                for (const el of document.querySelectorAll('body *')) {
                  const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
                  if (!own || el.closest('[disabled]') || !el.getClientRects().length) continue;
                  const style = getComputedStyle(el);
                  if (style.visibility === 'hidden' || Number(style.opacity) < 1) continue;
                  const a = lum(rgb(style.color).slice(0, 3)), b = lum(background(el));
                  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
                  const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
                  const large = size >= 24 || (bold && size >= 18.66);
                  if (ratio < (large ? 3 : 4.5)) bad.push(`${el.textContent.trim().slice(0, 40)} (${ratio.toFixed(2)})`);
                }
                return bad;
                "#,
                Vec::new(),
            )
            .await
            .expect("running the contrast check");
        serde_json::from_value(found).expect("a list of texts")
    }

    /// Presses Enter in `css` (submits its form, as a keyboard user would).
    pub async fn press_enter(&self, css: &str) {
        self.wait(css)
            .await
            .send_keys(&char::from(fantoccini::key::Key::Enter).to_string())
            .await
            .expect("pressing Enter");
    }

    /// Saves a screenshot of the page as `target/screenshots/<name>.png`.
    pub async fn save_screenshot(&self, name: &str) -> PathBuf {
        // Let a state change's short animation finish first.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let png = self.client.screenshot().await.expect("a screenshot");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&dir).expect("target/screenshots");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("writing the screenshot");
        path
    }

    /// Ends the session and the driver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

/// Reads the one QR code in a screenshot, with an independent decoder.
pub fn read_qr(png: &[u8]) -> String {
    let image = image::load_from_memory(png)
        .expect("a PNG screenshot")
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the screenshot");
    let (_, content) = grids[0].decode().expect("the QR code decodes");
    content
}

/// Controls, dialogs and tabs in an [`Browser::accessibility_tree`] that a
/// screen reader would announce with no name (`role` only): should be none.
pub fn unnamed_for_screen_readers(tree: &[(String, String)]) -> Vec<String> {
    tree.iter()
        .filter(|(role, name)| OPERABLE_ROLES.contains(&role.as_str()) && name.is_empty())
        .map(|(role, _)| role.clone())
        .collect()
}

/// A clip for Chromium's fake camera: one 640×480 Y4M frame (4:2:0, grey)
/// showing `png` centred on white, scaled by whole pixels so its modules stay
/// sharp; Chromium plays it in a loop. `None` draws a blank frame.
pub fn y4m_showing(png: Option<&[u8]>, path: &Path) {
    const W: u32 = 640;
    const H: u32 = 480;
    use image::imageops::{self, FilterType};
    let mut frame = image::GrayImage::from_pixel(W, H, image::Luma([255]));
    if let Some(png) = png {
        let code = image::load_from_memory(png).expect("a PNG").to_luma8();
        let scale = (440 / code.width().max(code.height())).max(1);
        let (w, h) = (code.width() * scale, code.height() * scale);
        assert!(w <= W && h <= H, "the code fits the frame");
        let code = imageops::resize(&code, w, h, FilterType::Nearest);
        imageops::overlay(
            &mut frame,
            &code,
            ((W - w) / 2).into(),
            ((H - h) / 2).into(),
        );
    }
    let mut clip = format!("YUV4MPEG2 W{W} H{H} F10:1 Ip A1:1 C420jpeg\nFRAME\n").into_bytes();
    clip.extend_from_slice(frame.as_raw());
    clip.extend(std::iter::repeat_n(128u8, (W * H / 2) as usize));
    std::fs::write(path, clip).expect("writing the camera clip");
}
