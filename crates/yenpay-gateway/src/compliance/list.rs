//! The built-in list provider: addresses from a file the operator keeps
//! (a sanctions list exported to one address a line), read again whenever
//! the file changes, without a restart.
//!
//! The format (docs/gateway.md, Compliance):
//!
//! ```text
//! # comment lines and blank lines are skipped
//! 0x7ff2...c0de                 # OFAC SDN 2026-11-30      -> deny
//! 0x00ab...0042 review          # PEP, ask the analyst     -> review
//! ```
//!
//! An address (`0x`-hex, short forms allowed), optionally the word `deny`
//! (the default) or `review`, and optionally `#` and a reason, which is
//! stored with the verdict. A line that does not parse is skipped with a
//! warning naming its number. A file that cannot be read keeps the list
//! last read; a file never read makes every screening an error, which the
//! fail policy turns into a refusal by default.
use super::{Decision, ScreenError, Screener, Subject, Verdict};
use aptos_sdk::types::AccountAddress;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::SystemTime;

/// What one listed address means.
#[derive(Debug, Clone)]
struct Listed {
    decision: Decision,
    reason: Option<String>,
}

#[derive(Debug, Default)]
struct Loaded {
    /// The file's modification time and length when read.
    stamp: Option<(SystemTime, u64)>,
    entries: Option<HashMap<AccountAddress, Listed>>,
}

/// The list provider.
#[derive(Debug)]
pub struct ListScreener {
    path: PathBuf,
    loaded: Mutex<Loaded>,
}

impl ListScreener {
    /// A provider reading `path` (at its first screening, and again whenever
    /// the file's modification time or length changes).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            loaded: Mutex::new(Loaded::default()),
        }
    }

    /// Reads the file again if it changed since it was last read.
    fn refresh(&self) {
        let stamp = std::fs::metadata(&self.path)
            .ok()
            .map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()));
        let mut loaded = self.loaded.lock().expect("list lock");
        if stamp.is_some() && stamp == loaded.stamp {
            return;
        }
        match std::fs::read_to_string(&self.path) {
            Ok(text) => {
                let entries = parse(&text);
                tracing::info!(
                    entries = entries.len(),
                    "screening list read (it is read again whenever the file changes)"
                );
                loaded.entries = Some(entries);
                loaded.stamp = stamp;
            }
            Err(error) => {
                // Keep what was read last; retried at the next screening.
                tracing::error!(%error, "reading the screening list failed; keeping the list read last");
            }
        }
    }
}

/// The entries of a list file's text; bad lines are skipped with a warning.
fn parse(text: &str) -> HashMap<AccountAddress, Listed> {
    let mut entries = HashMap::new();
    for (number, line) in text.lines().enumerate() {
        let (body, reason) = match line.split_once('#') {
            Some((body, reason)) => (body, Some(reason.trim().to_owned())),
            None => (line, None),
        };
        let mut words = body.split_whitespace();
        let Some(address) = words.next() else {
            continue;
        };
        let decision = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("deny") => Decision::Deny,
            Some("review") => Decision::Review,
            Some(_) => {
                tracing::warn!(
                    line = number + 1,
                    "screening list: the word after the address must be deny or review; line skipped"
                );
                continue;
            }
        };
        let Ok(address) = AccountAddress::from_hex(address) else {
            tracing::warn!(
                line = number + 1,
                "screening list: not an address; line skipped"
            );
            continue;
        };
        if words.next().is_some() {
            tracing::warn!(
                line = number + 1,
                "screening list: more than an address and a verdict before '#'; line skipped"
            );
            continue;
        }
        entries.insert(
            address,
            Listed {
                decision,
                reason: reason.filter(|r| !r.is_empty()),
            },
        );
    }
    entries
}

#[async_trait::async_trait]
impl Screener for ListScreener {
    fn name(&self) -> &'static str {
        "list"
    }

    async fn screen(&self, subject: &Subject<'_>) -> Result<Verdict, ScreenError> {
        self.refresh();
        let loaded = self.loaded.lock().expect("list lock");
        let Some(entries) = &loaded.entries else {
            return Err(ScreenError::Unavailable(
                "the screening list file could not be read".to_owned(),
            ));
        };
        Ok(match entries.get(&subject.address) {
            Some(listed) => Verdict {
                decision: listed.decision,
                reason_code: "LIST_MATCH".to_owned(),
                detail: listed.reason.clone(),
                provider: self.name().to_owned(),
            },
            None => Verdict::allow(self.name()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_format_parses() {
        let entries = parse(
            "# a comment\n\n0x1 # OFAC SDN\n0x2 review # PEP\n0x3 REVIEW\nnot-an-address\n0x4 maybe\n0x5 deny extra\n",
        );
        assert_eq!(entries.len(), 3);
        let one = &entries[&AccountAddress::from_hex("0x1").unwrap()];
        assert_eq!(one.decision, Decision::Deny);
        assert_eq!(one.reason.as_deref(), Some("OFAC SDN"));
        let two = &entries[&AccountAddress::from_hex("0x2").unwrap()];
        assert_eq!(two.decision, Decision::Review);
        assert_eq!(
            entries[&AccountAddress::from_hex("0x3").unwrap()].decision,
            Decision::Review
        );
    }
}
