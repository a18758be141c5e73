//! `cargo xtask package`: the library crates are ready to publish, checked
//! offline. They stay `publish = false` until a release is decided, and
//! cargo resolves a packaged crate's path dependencies against crates.io,
//! where keel's crates are not; so the check is what `cargo package` would
//! refuse, done without a registry:
//!
//! - the manifest fields crates.io requires or shows (description, license,
//!   repository, documentation, readme that exists, 1 to 5 keywords,
//!   categories);
//! - every dependency on another workspace crate carries a version that
//!   the crate it names satisfies (cargo package strips `path`);
//! - `cargo package --list` succeeds (what would be uploaded), and the
//!   crate without workspace dependencies (keel-wire) is packaged whole.

use serde_json::Value;

use crate::error::Error;
use crate::workspace::Workspace;

/// The crates meant for crates.io, dependencies first.
pub(crate) const LIBRARIES: [&str; 5] = [
    "keel-wire",
    "keel-record",
    "keel-pki",
    "keel-handshake",
    "keel",
];

/// Runs the check: one line per crate, then every problem found.
pub(crate) fn run(workspace: &Workspace) -> Result<(), Error> {
    let metadata = workspace.metadata()?;
    let problems = manifest_problems(&metadata);
    if !problems.is_empty() {
        return Err(Error::Package { problems });
    }
    for name in LIBRARIES {
        workspace
            .cargo(&["package", "--list", "--allow-dirty", "--offline", "-p"])
            .arg(name)
            .stdout()?;
        println!("xtask package: {name}: manifest complete, file list ok");
    }
    workspace
        .cargo(&[
            "package",
            "--no-verify",
            "--allow-dirty",
            "--offline",
            "-p",
            "keel-wire",
        ])
        .run()?;
    Ok(())
}

/// What crates.io would refuse or show badly in the library manifests.
pub(crate) fn manifest_problems(metadata: &Value) -> Vec<String> {
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let version_of = |name: &str| {
        packages
            .iter()
            .find(|p| p["name"] == name)
            .and_then(|p| p["version"].as_str())
            .map(str::to_owned)
    };
    let mut problems = Vec::new();
    for name in LIBRARIES {
        let Some(package) = packages.iter().find(|p| p["name"] == name) else {
            problems.push(format!("{name}: not a workspace member"));
            continue;
        };
        for field in ["description", "license", "repository", "documentation"] {
            if package[field].as_str().is_none_or(str::is_empty) {
                problems.push(format!("{name}: no `{field}`"));
            }
        }
        match package["readme"].as_str() {
            None => problems.push(format!("{name}: no `readme`")),
            Some(readme) => {
                let manifest = package["manifest_path"].as_str().unwrap_or_default();
                let dir = std::path::Path::new(manifest).parent();
                if !dir.is_some_and(|d| d.join(readme).is_file()) {
                    problems.push(format!("{name}: readme {readme} does not exist"));
                }
            }
        }
        let keywords = package["keywords"].as_array().map_or(0, Vec::len);
        if !(1..=5).contains(&keywords) {
            problems.push(format!(
                "{name}: {keywords} keywords (crates.io takes 1 to 5)"
            ));
        }
        if package["categories"].as_array().is_none_or(Vec::is_empty) {
            problems.push(format!("{name}: no `categories`"));
        }
        for dependency in package["dependencies"].as_array().into_iter().flatten() {
            let Some(dep) = dependency["name"].as_str() else {
                continue;
            };
            if dependency["path"].is_null() {
                continue;
            }
            let requirement = dependency["req"].as_str().unwrap_or("*");
            let Some(version) = version_of(dep) else {
                continue;
            };
            if requirement == "*" || !requirement.trim_start_matches('^').starts_with(&version) {
                problems.push(format!(
                    "{name}: the path dependency on {dep} needs `version = \"{version}\"` \
                     (it has `{requirement}`)"
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(name: &str, extra: Value) -> Value {
        let mut p = serde_json::json!({
            "name": name,
            "version": "0.1.0",
            "description": "d",
            "license": "MIT OR Apache-2.0",
            "repository": "https://example.invalid/keel",
            "documentation": "https://docs.rs/x",
            "readme": "Cargo.toml",
            "manifest_path": concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"),
            "keywords": ["tls"],
            "categories": ["cryptography"],
            "dependencies": [],
        });
        if let (Some(p), Some(extra)) = (p.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                p.insert(k.clone(), v.clone());
            }
        }
        p
    }

    fn workspace(packages: Vec<Value>) -> Value {
        serde_json::json!({ "packages": packages })
    }

    fn complete() -> Vec<Value> {
        LIBRARIES
            .iter()
            .map(|n| package(n, serde_json::json!({})))
            .collect()
    }

    #[test]
    fn complete_manifests_pass() {
        assert_eq!(
            manifest_problems(&workspace(complete())),
            Vec::<String>::new()
        );
    }

    #[test]
    fn each_missing_field_is_named() {
        for (field, value) in [
            ("description", Value::Null),
            ("repository", Value::Null),
            ("documentation", Value::Null),
            ("readme", serde_json::json!("NO-SUCH-FILE.md")),
            (
                "keywords",
                serde_json::json!(["a", "b", "c", "d", "e", "f"]),
            ),
            ("categories", serde_json::json!([])),
        ] {
            let mut packages = complete();
            packages[2] = package("keel-pki", serde_json::json!({ field: value }));
            let problems = manifest_problems(&workspace(packages));
            assert_eq!(problems.len(), 1, "{field}: {problems:?}");
            assert!(problems[0].starts_with("keel-pki:"), "{problems:?}");
        }
    }

    #[test]
    fn a_path_dependency_without_a_version_is_named() {
        let mut packages = complete();
        packages[1] = package(
            "keel-record",
            serde_json::json!({ "dependencies": [
                { "name": "keel-wire", "req": "*", "path": "/x/keel-wire" },
                { "name": "snafu", "req": "^0.9", "path": null },
            ]}),
        );
        let problems = manifest_problems(&workspace(packages.clone()));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("keel-wire"), "{problems:?}");
        packages[1] = package(
            "keel-record",
            serde_json::json!({ "dependencies": [
                { "name": "keel-wire", "req": "^0.1.0", "path": "/x/keel-wire" },
            ]}),
        );
        assert!(manifest_problems(&workspace(packages)).is_empty());
    }
}
