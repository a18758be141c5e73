use serde_json::json;

use super::*;

fn package(name: &str, dependencies: &[(&str, DependencyKind)]) -> Package {
    Package {
        name: name.to_owned(),
        dependencies: dependencies
            .iter()
            .map(|(name, kind)| Dependency {
                name: (*name).to_owned(),
                kind: *kind,
            })
            .collect(),
    }
}

/// The whole planned workspace, each crate using everything it may use.
fn allowed_workspace() -> Vec<Package> {
    RULES
        .iter()
        .map(|rule| {
            let dependencies: Vec<_> = rule
                .may_depend_on
                .iter()
                .map(|name| (*name, DependencyKind::Normal))
                .chain([("snafu", DependencyKind::Normal)])
                .collect();
            package(rule.krate, &dependencies)
        })
        .collect()
}

fn with_dependency(from: &str, to: &str, kind: DependencyKind) -> Vec<Package> {
    let mut packages = allowed_workspace();
    let package = packages.iter_mut().find(|p| p.name == from).unwrap();
    package.dependencies.push(Dependency {
        name: to.to_owned(),
        kind,
    });
    packages
}

#[test]
fn the_allowed_graph_passes() {
    assert_eq!(check(&allowed_workspace(), RULES), vec![]);
}

#[test]
fn a_dependency_pointing_up_is_rejected_naming_both_crates() {
    let violations = check(
        &with_dependency("keel-wire", "keel-record", DependencyKind::Normal),
        RULES,
    );
    assert_eq!(
        violations,
        vec![Violation::Forbidden {
            from: "keel-wire".to_owned(),
            to: "keel-record".to_owned(),
            kind: DependencyKind::Normal,
            allowed: &[],
        }]
    );
    let message = violations[0].to_string();
    assert!(message.contains("`keel-wire`"), "{message}");
    assert!(message.contains("`keel-record`"), "{message}");
}

#[test]
fn sideways_dependencies_between_record_and_pki_are_rejected() {
    let violations = check(
        &with_dependency("keel-pki", "keel-record", DependencyKind::Normal),
        RULES,
    );
    assert_eq!(violations.len(), 1);
    assert_eq!(
        violations[0].to_string(),
        "`keel-pki` has a normal dependency on `keel-record`, but `keel-pki` may depend on \
         keel-wire only"
    );
}

#[test]
fn build_dependencies_are_held_to_the_rule() {
    let violations = check(
        &with_dependency("keel-handshake", "keel", DependencyKind::Build),
        RULES,
    );
    assert_eq!(violations.len(), 1);
    assert!(violations[0].to_string().contains("build dependency"));
}

#[test]
fn dev_dependencies_are_exempt() {
    let packages = with_dependency("keel-wire", "keel", DependencyKind::Dev);
    assert_eq!(check(&packages, RULES), vec![]);
}

#[test]
fn a_crate_missing_from_the_table_fails() {
    let mut packages = allowed_workspace();
    packages.push(package(
        "keel-quic",
        &[("keel-wire", DependencyKind::Normal)],
    ));
    let violations = check(&packages, RULES);
    assert_eq!(
        violations,
        vec![Violation::NotInTable {
            krate: "keel-quic".to_owned()
        }]
    );
    assert!(violations[0].to_string().contains("xtask/src/layering.rs"));
}

#[test]
fn crates_io_dependencies_are_not_the_rule_s_concern() {
    let packages = vec![package(
        "keel-wire",
        &[
            ("binrw", DependencyKind::Normal),
            ("cc", DependencyKind::Build),
        ],
    )];
    assert_eq!(check(&packages, RULES), vec![]);
}

#[test]
fn metadata_is_read_with_dependency_kinds_and_package_names() {
    let metadata = json!({
        "packages": [{
            "name": "keel-record",
            "dependencies": [
                {"name": "keel-wire", "kind": null, "rename": null},
                {"name": "keel-handshake", "kind": "build", "rename": "hs"},
                {"name": "keel", "kind": "dev", "rename": null}
            ]
        }],
        "workspace_members": []
    });
    let packages = packages_from_metadata(&metadata).unwrap();
    assert_eq!(
        packages,
        vec![package(
            "keel-record",
            &[
                ("keel-wire", DependencyKind::Normal),
                ("keel-handshake", DependencyKind::Build),
                ("keel", DependencyKind::Dev),
            ],
        )]
    );
}

#[test]
fn malformed_metadata_is_an_error_not_a_pass() {
    let unknown_kind = json!({"packages": [{
        "name": "keel-wire",
        "dependencies": [{"name": "binrw", "kind": "optional"}]
    }]});
    assert!(matches!(
        packages_from_metadata(&unknown_kind),
        Err(Error::Metadata { .. })
    ));
    assert!(packages_from_metadata(&json!({})).is_err());
}

/// `cargo test --workspace` enforces the rule on the real workspace, so it
/// holds even where `cargo xtask test` is not the entry point.
#[test]
fn the_real_workspace_follows_the_layering_rule() {
    let workspace = Workspace::locate().unwrap();
    let packages = packages_from_metadata(&workspace.metadata().unwrap()).unwrap();
    // The xtask's own package proves the metadata was read, not just parsed
    // into an empty (and trivially valid) workspace.
    assert!(
        packages.iter().any(|package| package.name == "xtask"),
        "cargo metadata did not list the xtask: {packages:?}"
    );
    let violations = check(&packages, RULES);
    assert!(violations.is_empty(), "{}", Error::Layering { violations });
}
