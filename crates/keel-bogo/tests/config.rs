//! The shim config the runner is given (`config.json`): it parses as the
//! runner reads it, every disabled test family says why, and every name
//! the `ErrorMap` accepts is one the shim can print.

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

#[test]
fn every_disabled_family_has_a_reason() {
    let config = config();
    let disabled = config["DisabledTests"].as_object().unwrap();
    assert!(disabled.len() > 20);
    for (pattern, reason) in disabled {
        let reason = reason.as_str().unwrap_or_default();
        assert!(reason.len() > 10, "{pattern}: no reason given");
        // Go's filepath.Match treats `[` as a class; none is meant here.
        assert!(!pattern.contains('['), "{pattern}");
    }
    // The families keel refuses by design are all there.
    for family in [
        "*TLS13*",
        "*DTLS*",
        "*QUIC*",
        "*CBC*",
        "*-RSA_WITH_*",
        "Renegotiate-*",
    ] {
        assert!(disabled.contains_key(family), "{family} missing");
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
