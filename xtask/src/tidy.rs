//! Source checks `cargo xtask test` runs besides the compilers'.
//!
//! Payment, refund and hold rows have one owner in the gateway,
//! `crates/yenpay-gateway/src/store/` (its typed transitions): SQL naming
//! the `payments`, `refunds`, `holds` or `hold_operations` table anywhere
//! else in the gateway's sources is a finding. Tests may read the tables directly.
use std::path::{Path, PathBuf};

/// The gateway's sources, relative to the repository root.
const GATEWAY_SRC: &str = "crates/yenpay-gateway/src";
/// Where payment SQL may be, under [`GATEWAY_SRC`].
const STORE: &str = "store";
/// The tables only the store writes or reads.
const OWNED_TABLES: &[&str] = &["payments", "refunds", "holds", "hold_operations"];
/// SQL words that name a table right after them.
const TABLE_KEYWORDS: &[&str] = &["from", "into", "update", "join", "table"];

/// Every `path:line: text` in the gateway's sources outside `store/` where
/// SQL names a table of [`OWNED_TABLES`].
pub fn payment_sql_outside_store(root: &Path) -> std::io::Result<Vec<String>> {
    let src = root.join(GATEWAY_SRC);
    let mut files = Vec::new();
    rust_files(&src, &src.join(STORE), &mut files)?;
    files.sort();
    let mut findings = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)?;
        let shown = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        findings.extend(
            sql_naming_owned_tables(&text)
                .into_iter()
                .map(|(line, code)| format!("{shown}:{line}: {code}")),
        );
    }
    Ok(findings)
}

fn rust_files(dir: &Path, skip: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path == skip {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, skip, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// Lines (1-based, with their text) where a table keyword is followed by an
/// owned table, also across a line break; `//` comments are prose, not SQL.
fn sql_naming_owned_tables(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut keyword_before = false;
    for (number, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        let lowered = code.to_ascii_lowercase();
        let words = lowered
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty());
        let mut hit = false;
        for word in words {
            if keyword_before && OWNED_TABLES.contains(&word) {
                hit = true;
            }
            keyword_before = TABLE_KEYWORDS.contains(&word);
        }
        if hit {
            found.push((number + 1, line.trim().to_owned()));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_on_owned_tables_is_found_outside_the_store_only() {
        let root = tempfile::tempdir().unwrap();
        let src = root.path().join(GATEWAY_SRC);
        std::fs::create_dir_all(src.join("store")).unwrap();
        std::fs::create_dir_all(src.join("api")).unwrap();
        std::fs::write(
            src.join("store/payments.rs"),
            "sqlx::query(\"UPDATE payments SET status = $1\");\n",
        )
        .unwrap();
        std::fs::write(
            src.join("api/codes.rs"),
            "// moved away from payments SQL here\n\
             let route = \"/v2/payments/cpm\";\n\
             let n = sqlx::query(\"SELECT COUNT(*) FROM webhook_outbox\");\n\
             sqlx::query(\"DELETE FROM payments WHERE code_id = $1\");\n",
        )
        .unwrap();
        std::fs::write(
            src.join("api/refunds.rs"),
            "sqlx::query(\"SELECT refund_id FROM\n    refunds WHERE code_id = $1\");\n",
        )
        .unwrap();
        let findings = payment_sql_outside_store(root.path()).unwrap();
        assert_eq!(
            findings,
            vec![
                "crates/yenpay-gateway/src/api/codes.rs:4: sqlx::query(\"DELETE FROM payments WHERE code_id = $1\");"
                    .to_owned(),
                "crates/yenpay-gateway/src/api/refunds.rs:2: refunds WHERE code_id = $1\");".to_owned(),
            ]
        );
    }

    #[test]
    fn the_gateway_keeps_payment_sql_in_its_store() {
        let findings = payment_sql_outside_store(&crate::project_root()).unwrap();
        assert!(findings.is_empty(), "{findings:#?}");
    }
}
