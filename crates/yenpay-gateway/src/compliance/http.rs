//! The HTTP provider: asks a screening service the operator runs or buys
//! (behind a URL it configures) about each address.
//!
//! Request: `POST <url>` with
//! `{"address":"0x…","context":"SPONSOR","merchantCategoryCode":"5812","amount":1500}`.
//! Answer: 200 with `{"verdict":"ALLOW"|"DENY"|"REVIEW","reasonCode":"…","detail":"…"?}`
//! (case-insensitive verdict; `reasonCode` 1-64 of `[A-Za-z0-9_]`).
//! Anything else (another status, another body, no answer within the
//! timeout) is a failed attempt; after the retries the screening is an
//! error, which the fail policy decides (closed by default).
use super::{Decision, ScreenError, Screener, Subject, Verdict};
use serde::Deserialize;
use std::time::Duration;

/// The HTTP provider.
#[derive(Debug)]
pub struct HttpScreener {
    url: String,
    client: reqwest::Client,
    retries: u32,
}

impl HttpScreener {
    /// A provider at `url`, each attempt bounded by `timeout`, retried
    /// `retries` times after the first (100 ms, 200 ms, ... apart).
    pub fn new(url: impl Into<String>, timeout: Duration, retries: u32) -> Self {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client with a timeout builds");
        Self {
            url: url.into(),
            client,
            retries,
        }
    }

    async fn attempt(&self, subject: &Subject<'_>) -> Result<Verdict, String> {
        let response = self
            .client
            .post(&self.url)
            .json(&serde_json::json!({
                "address": subject.address.to_hex(),
                "context": subject.context,
                "merchantCategoryCode": subject.mcc,
                "amount": subject.amount,
            }))
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    "timed out".to_owned()
                } else {
                    "no answer".to_owned()
                }
            })?;
        if !response.status().is_success() {
            return Err(format!("answered {}", response.status().as_u16()));
        }
        let answer: Answer = response
            .json()
            .await
            .map_err(|_| "answered something other than a verdict".to_owned())?;
        let decision = match answer.verdict.to_ascii_uppercase().as_str() {
            "ALLOW" => Decision::Allow,
            "DENY" => Decision::Deny,
            "REVIEW" => Decision::Review,
            _ => return Err("answered an unknown verdict".to_owned()),
        };
        let code_ok = !answer.reason_code.is_empty()
            && answer.reason_code.len() <= 64
            && answer
                .reason_code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !code_ok {
            return Err("answered a reason code outside [A-Za-z0-9_]{1,64}".to_owned());
        }
        Ok(Verdict {
            decision,
            reason_code: answer.reason_code,
            detail: answer.detail.map(|d| d.chars().take(255).collect()),
            provider: self.name().to_owned(),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    verdict: String,
    reason_code: String,
    #[serde(default)]
    detail: Option<String>,
}

#[async_trait::async_trait]
impl Screener for HttpScreener {
    fn name(&self) -> &'static str {
        "http"
    }

    async fn screen(&self, subject: &Subject<'_>) -> Result<Verdict, ScreenError> {
        let mut last = String::new();
        for attempt in 0..=self.retries {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
            }
            match self.attempt(subject).await {
                Ok(verdict) => return Ok(verdict),
                Err(error) => {
                    // The URL is the operator's and may carry credentials: never logged.
                    tracing::warn!(attempt = attempt + 1, error = %error, "the screening service failed");
                    last = error;
                }
            }
        }
        Err(ScreenError::Unavailable(format!(
            "the screening service {last} ({} attempts)",
            self.retries + 1
        )))
    }
}
