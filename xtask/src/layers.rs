//! Imports only point down: no crate of the workspace depends, in any kind
//! (normal, dev or build), on a crate of a higher layer. The layers, bottom
//! first, are the architecture's pyramid (ARCHITECTURE.md); a new crate is
//! added to one of them, and a dependency that runs back up fails
//! `cargo xtask test`, in the spirit of rust-analyzer's `tidy.rs`.
use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// Bottom first. Crates of one layer may depend on each other.
pub const LAYERS: &[&[&str]] = &[
    &["yenpay-types", "yenpay-move-source"],
    &["yenpay-qr", "yenpay-client"],
    &["yenpay-deploy"],
    &["yenpay-cli", "yenpay-gateway"],
    &["yenpay-e2e"],
    &["yenpay-codegen", "xtask"],
];

fn layer(name: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&name))
}

/// What `cargo metadata --no-deps` says, checked: the violations, each as a sentence.
pub fn violations(metadata: &Value) -> Result<Vec<String>> {
    let packages = metadata["packages"]
        .as_array()
        .context("cargo metadata without packages")?;
    let mut found = Vec::new();
    for package in packages {
        let name = package["name"]
            .as_str()
            .context("a package without a name")?;
        let Some(own) = layer(name) else {
            found.push(format!(
                "{name} is in no layer: add it to xtask/src/layers.rs"
            ));
            continue;
        };
        for dependency in package["dependencies"].as_array().into_iter().flatten() {
            let Some(target) = dependency["name"].as_str() else {
                continue;
            };
            let Some(theirs) = layer(target) else {
                continue;
            };
            if theirs > own {
                let kind = dependency["kind"].as_str().unwrap_or("normal");
                found.push(format!(
                    "{name} (layer {own}) depends on {target} (layer {theirs}) as a {kind} dependency: imports only point down"
                ));
            }
        }
    }
    Ok(found)
}

/// Runs `cargo metadata` on the workspace at `root` and checks it.
pub fn check(root: &Path) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root)
        .output()
        .context("running cargo metadata")?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let metadata: Value =
        serde_json::from_slice(&output.stdout).context("reading cargo metadata")?;
    let found = violations(&metadata)?;
    if found.is_empty() {
        Ok(())
    } else {
        bail!("{}", found.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn package(name: &str, dependencies: &[(&str, Option<&str>)]) -> Value {
        json!({
            "name": name,
            "dependencies": dependencies
                .iter()
                .map(|(name, kind)| json!({"name": name, "kind": kind}))
                .collect::<Vec<_>>(),
        })
    }

    #[test]
    fn a_dependency_that_runs_back_up_is_named() {
        let metadata = json!({"packages": [
            package("yenpay-client", &[("yenpay-types", None), ("serde", None), ("yenpay-qr", Some("dev"))]),
            package("yenpay-types", &[("yenpay-client", Some("dev"))]),
            package("yenpay-deploy", &[("yenpay-client", None)]),
        ]});
        let found = violations(&metadata).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with(
            "yenpay-types (layer 0) depends on yenpay-client (layer 1) as a dev dependency"
        ));
    }

    #[test]
    fn a_crate_outside_the_layers_is_named() {
        let metadata = json!({"packages": [package("yenpay-holds", &[])]});
        assert_eq!(
            violations(&metadata).unwrap(),
            ["yenpay-holds is in no layer: add it to xtask/src/layers.rs"]
        );
    }

    #[test]
    fn this_workspace_points_down() {
        check(&crate::project_root()).unwrap();
    }
}
