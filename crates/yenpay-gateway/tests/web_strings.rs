//! The pages' words: `web/assets/i18n/<lang>.json`, one file per language,
//! each with a `common` section and one per page. Both languages have the
//! same keys and placeholders; every key the pages use is there, every key
//! there is used, and the text the HTML carries before its script runs is
//! the default language's. No gateway, no database: the files only.

use regex::Regex;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use yenpay_gateway::api::pos::FINAL_STATUSES;
use yenpay_gateway::store::holds::HoldStatus;
use yenpay_gateway::store::pos::PosRole;

const LANGS: [&str; 2] = ["ja", "en"];
/// The section every page gets, besides its own.
const COMMON: &str = "common";

/// A page: its section of the strings and the files that use them.
struct Page {
    section: &'static str,
    html: &'static str,
    /// Its scripts: its own, and the shared ones it loads.
    scripts: &'static [&'static str],
}

const PAGES: [Page; 2] = [
    Page {
        section: "pos",
        html: "pos.html",
        scripts: &["assets/pos.js", "assets/camera.js", "assets/common.js"],
    },
    Page {
        section: "wallet",
        html: "wallet.html",
        scripts: &["assets/wallet.js", "assets/camera.js", "assets/common.js"],
    },
];

fn web() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("web")
}

fn read(file: &str) -> String {
    std::fs::read_to_string(web().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// section -> key -> text, for one language.
type Strings = BTreeMap<String, BTreeMap<String, String>>;

fn strings(lang: &str) -> Strings {
    let file = format!("assets/i18n/{lang}.json");
    let value: Value = serde_json::from_str(&read(&file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let sections: &Map<String, Value> = value.as_object().expect("an object of sections");
    sections
        .iter()
        .map(|(section, keys)| {
            let keys = keys
                .as_object()
                .unwrap_or_else(|| panic!("{file}: {section} is not an object"))
                .iter()
                .map(|(key, text)| {
                    let text = text
                        .as_str()
                        .unwrap_or_else(|| panic!("{file}: {section}.{key} is not a string"));
                    assert!(!text.trim().is_empty(), "{file}: {section}.{key} is empty");
                    (key.clone(), text.to_owned())
                })
                .collect();
            (section.clone(), keys)
        })
        .collect()
}

/// The keys page `page` can use: its section's and the common ones.
fn keys_of(strings: &Strings, page: &Page) -> BTreeMap<String, String> {
    let mut keys = strings[COMMON].clone();
    keys.extend(strings[page.section].clone());
    keys
}

fn placeholders(text: &str) -> BTreeSet<String> {
    let re = Regex::new(r"\{(\w+)\}").unwrap();
    re.captures_iter(text).map(|c| c[1].to_owned()).collect()
}

/// What the page's HTML names: `data-i18n="key"` and the keys of
/// `data-i18n-attr="attr:key;..."`, each with the text the HTML carries.
fn html_references(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let element = Regex::new(r#"data-i18n="(\w+)"[^>]*>([^<]*)<"#).unwrap();
    for c in element.captures_iter(html) {
        out.push((c[1].to_owned(), c[2].to_owned()));
    }
    let tag = Regex::new(r"<[^>]*>").unwrap();
    let pairs = Regex::new(r#"data-i18n-attr="([^"]*)""#).unwrap();
    for tag in tag.find_iter(html).map(|m| m.as_str()) {
        let Some(list) = pairs.captures(tag) else {
            continue;
        };
        for pair in list[1].split(';') {
            let (attr, key) = pair.split_once(':').expect("attr:key");
            let value = Regex::new(&format!(r#"\s{}="([^"]*)""#, regex::escape(attr.trim())))
                .unwrap()
                .captures(tag)
                .map(|c| c[1].to_owned())
                .unwrap_or_else(|| panic!("{tag}: no {attr} to start from"));
            out.push((key.trim().to_owned(), value));
        }
    }
    out
}

/// The keys a script certainly asks for: `t("key"`, the busy label of
/// `busy(button, t, "key", ...)`, a message key kept as data (`"errX"`,
/// `"sayX"`), the toggle's `dict[next]["langName"]`.
fn script_references(script: &str) -> BTreeSet<String> {
    let forms = [
        r#"\b(?:t|activeT)\("(\w+)""#,
        r#"\bt, "(\w+)""#,
        r#""((?:err|say)[A-Z]\w*)""#,
        r#"\bdict\[\w+\]\["(\w+)"\]"#,
    ];
    forms
        .iter()
        .flat_map(|form| {
            Regex::new(form)
                .unwrap()
                .captures_iter(script)
                .map(|c| c[1].to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Keys a script builds from a prefix (`t(\`status_${...}\`)`), with every
/// value the gateway can give it.
fn built_keys(script: &str) -> BTreeSet<String> {
    let prefix = Regex::new(r"\bt\(`(\w+_)\$\{").unwrap();
    let mut keys = BTreeSet::new();
    for c in prefix.captures_iter(script) {
        let values: Vec<&str> = match &c[1] {
            "status_" => std::iter::once("CREATED")
                .chain(FINAL_STATUSES.iter().copied())
                .collect(),
            "role_" => [PosRole::Cashier, PosRole::Manager]
                .map(PosRole::as_str)
                .to_vec(),
            "holdStatus_" => [
                HoldStatus::Created,
                HoldStatus::Authorized,
                HoldStatus::Expired,
                HoldStatus::Captured,
                HoldStatus::Voided,
                HoldStatus::Reclaimed,
                HoldStatus::Seized,
            ]
            .map(HoldStatus::as_str)
            .to_vec(),
            other => panic!("a key built from {other:?}: teach this test its values"),
        };
        keys.extend(values.iter().map(|v| format!("{}{v}", &c[1])));
    }
    keys
}

#[test]
fn both_languages_have_the_same_keys_and_placeholders() {
    let [ja, en] = LANGS.map(strings);
    let sections = |s: &Strings| s.keys().cloned().collect::<Vec<_>>();
    assert_eq!(sections(&ja), sections(&en));
    let mut expected: Vec<String> = PAGES.iter().map(|p| p.section.to_owned()).collect();
    expected.push(COMMON.to_owned());
    expected.sort();
    assert_eq!(
        sections(&ja),
        expected,
        "a section per page and the common one"
    );
    for (section, keys) in &ja {
        let ja_keys: Vec<_> = keys.keys().collect();
        let en_keys: Vec<_> = en[section].keys().collect();
        assert_eq!(ja_keys, en_keys, "{section}: the same keys in ja and en");
        for (key, text) in keys {
            assert_eq!(
                placeholders(text),
                placeholders(&en[section][key]),
                "{section}.{key}: the same placeholders"
            );
        }
    }
    // A page's key never hides a common one.
    for page in &PAGES {
        for key in ja[page.section].keys() {
            assert!(
                !ja[COMMON].contains_key(key),
                "{}.{key} is common too",
                page.section
            );
        }
    }
    // The toggle names each language in its own words.
    assert_eq!(ja[COMMON]["langName"], "日本語");
    assert_eq!(en[COMMON]["langName"], "English");
}

#[test]
fn every_key_the_pages_use_is_there_and_every_key_there_is_used() {
    let ja = strings("ja");
    let mut used_anywhere = BTreeSet::new();
    for page in &PAGES {
        let keys = keys_of(&ja, page);
        let html = read(page.html);
        let scripts: Vec<String> = page.scripts.iter().map(|s| read(s)).collect();

        // Used: named by the HTML or the scripts, or built by them.
        let mut used: BTreeSet<String> =
            html_references(&html).into_iter().map(|(k, _)| k).collect();
        for script in &scripts {
            used.extend(script_references(script));
            used.extend(built_keys(script));
        }
        for key in &used {
            assert!(
                keys.contains_key(key),
                "{} uses {key}, which no file has",
                page.section
            );
        }

        // Every key of the page's section is used: named above, or kept as a
        // quoted string in a script (a key passed on as data).
        for key in ja[page.section].keys() {
            let quoted = format!("\"{key}\"");
            assert!(
                used.contains(key) || scripts.iter().any(|s| s.contains(&quoted)),
                "{}.{key} is not used",
                page.section
            );
        }
        used_anywhere.extend(used);
        used_anywhere.extend(
            keys.keys()
                .filter(|key| scripts.iter().any(|s| s.contains(&format!("\"{key}\""))))
                .cloned(),
        );
    }
    for key in ja[COMMON].keys() {
        assert!(used_anywhere.contains(key), "common.{key} is not used");
    }
}

#[test]
fn the_html_carries_the_default_languages_words() {
    let html_lang = Regex::new(r#"<html lang="(\w+)">"#).unwrap();
    for page in &PAGES {
        let html = read(page.html);
        let lang = html_lang.captures(&html).expect("<html lang>")[1].to_owned();
        let keys = keys_of(&strings(&lang), page);
        let references = html_references(&html);
        assert!(
            references.len() > 20,
            "{}: {} references",
            page.html,
            references.len()
        );
        for (key, text) in references {
            assert_eq!(
                keys.get(&key).map(String::as_str),
                Some(text.as_str()),
                "{}: {key} (the page's default language is {lang})",
                page.html
            );
        }
    }
}
