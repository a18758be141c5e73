//! The shim config the runner is given (`config.json`): it parses as the
//! runner reads it (which ignores keys it does not know, such as
//! `ErrorMapNotes`), every disabled family names the keel policy or RFC
//! section behind it and appears in docs/INTEROP.md, no pattern is wider
//! than one family, every `ErrorMap` entry has a note, and every name it
//! accepts is one the shim can print.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value;

fn config() -> Value {
    serde_json::from_str(include_str!("../config.json")).expect("config.json is JSON")
}

/// The keel policies a disabled family may name, as docs/INTEROP.md lists
/// them ("policy NAME:" in a reason).
fn policies() -> Vec<String> {
    let doc = include_str!("../../../docs/INTEROP.md");
    doc.lines()
        .filter_map(|line| line.strip_prefix("| `policy "))
        .filter_map(|rest| rest.split('`').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_disabled_family_names_its_policy_or_rfc_section() {
    let config = config();
    let disabled = config["DisabledTests"].as_object().unwrap();
    let policies = policies();
    assert!(policies.len() >= 10, "docs/INTEROP.md lists {policies:?}");
    for (pattern, reason) in disabled {
        let reason = reason.as_str().unwrap_or_default();
        let cites_rfc =
            reason.contains("RFC ") && reason.contains('§') || reason.starts_with("RFC ");
        let policy = reason
            .strip_prefix("policy ")
            .and_then(|rest| rest.split(':').next());
        match policy {
            Some(name) => assert!(
                policies.iter().any(|p| p == name),
                "{pattern}: policy {name} is not in docs/INTEROP.md's table"
            ),
            None => assert!(
                cites_rfc,
                "{pattern}: the reason names neither a keel policy nor an RFC section: {reason}"
            ),
        }
        assert!(reason.len() > 30, "{pattern}: say why");
    }
}

/// No pattern is wider than one family: it has a literal part of at least
/// three characters besides wildcards, no character classes (Go's
/// filepath.Match treats `[` as one), and at most two wildcards.
#[test]
fn no_disabled_pattern_is_wider_than_one_family() {
    let config = config();
    let disabled = config["DisabledTests"].as_object().unwrap();
    for pattern in disabled.keys() {
        assert!(!pattern.contains(['[', '?', '\\']), "{pattern}");
        let literal: usize = pattern.split('*').map(str::len).max().unwrap_or(0);
        assert!(literal >= 3, "{pattern} is too wide");
        assert!(pattern.matches('*').count() <= 2, "{pattern} is too wide");
        assert_ne!(pattern.trim_matches('*'), "", "{pattern}");
    }
}

#[test]
fn every_disabled_pattern_is_in_the_interop_table() {
    let config = config();
    let doc = include_str!("../../../docs/INTEROP.md");
    for pattern in config["DisabledTests"].as_object().unwrap().keys() {
        assert!(
            doc.contains(&format!("| `{pattern}` |")),
            "{pattern} is missing from docs/INTEROP.md's disabled-families table"
        );
    }
}

#[test]
fn every_error_map_entry_says_why_both_names_are_right() {
    let config = config();
    let map = config["ErrorMap"].as_object().unwrap();
    let notes = config["ErrorMapNotes"].as_object().unwrap();
    for expected in map.keys() {
        let note = notes.get(expected).and_then(Value::as_str).unwrap_or("");
        assert!(note.len() > 20, "{expected}: no note in ErrorMapNotes");
    }
    for noted in notes.keys() {
        assert!(map.contains_key(noted), "{noted}: a note for no mapping");
    }
}

#[test]
fn error_map_values_are_names_the_shim_prints() {
    let config = config();
    let map = config["ErrorMap"].as_object().unwrap();
    let sources = [
        include_str!("../src/errors.rs"),
        include_str!("../src/run.rs"),
    ]
    .concat();
    for (expected, accepted) in map {
        assert!(
            expected.starts_with(':') && expected.ends_with(':'),
            "{expected}"
        );
        // The current runner reads a list of strings per entry.
        for name in accepted.as_array().unwrap() {
            let name = name.as_str().unwrap();
            let bare = name.trim_matches(':');
            assert!(name.starts_with(':') && name.ends_with(':'), "{name}");
            let printable = sources.contains(&format!("\"{bare}\""))
                || bare.starts_with("SSLV3_ALERT_")
                || bare.starts_with("TLSV1_ALERT_");
            assert!(
                printable,
                "{expected} maps to {name}, which the shim never prints"
            );
        }
    }
}
