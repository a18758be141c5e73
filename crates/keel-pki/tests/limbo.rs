//! The x509-limbo harness: keel-pki over every case of
//! `testdata/x509-limbo/limbo.json` (x509-limbo, Apache-2.0),
//! compared with each case's expected result.
//!
//! Prints `limbo: N passed, M failed, K skipped, U unexpected`. A verdict
//! that differs from the expectation is "failed"; it is "unexpected" unless
//! `limbo-exceptions.txt` lists the case with the reason keel diverges.
//! The test fails when U > 0, and when an exception no longer diverges (so
//! the file stays true). `cargo xtask limbo` runs this test alone and shows
//! every case that did not pass.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use keel_pki::{
    CertError, ClientAuth, ClientCertVerifier, ServerCertVerifier, ServerName, TrustStore,
    UnixTime, load_certificates,
};
use serde_json::Value;

fn limbo_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/x509-limbo/limbo.json")
}

/// Features keel deliberately does not implement, with the reason printed
/// for every case skipped.
fn skip_reason(case: &Value) -> Option<&'static str> {
    let features: Vec<&str> = case["features"]
        .as_array()
        .map(|f| f.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if features.contains(&"has-crl") || case["crls"].as_array().is_some_and(|c| !c.is_empty()) {
        return Some("CRLs: keel-pki checks revocation only through CertificateCheck hooks");
    }
    if !case["max_chain_depth"].is_null() {
        return Some(
            "max_chain_depth: keel uses webpki's fixed path-depth limit, not a per-call one",
        );
    }
    None
}

enum Verdict {
    Accepted,
    Refused(CertError),
    Skipped(&'static str),
}

fn pems(value: &Value) -> Vec<u8> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
        .into_bytes()
}

/// RFC 3339 timestamp (as limbo writes them, UTC) to seconds since the
/// epoch: days from the civil date with March-based years (leap day last).
fn parse_time(text: &str) -> u64 {
    let (date, time) = text.split_once('T').unwrap();
    let mut d = date.split('-').map(|p| p.parse::<i64>().unwrap());
    let (y, m, day) = (d.next().unwrap(), d.next().unwrap(), d.next().unwrap());
    let hms: Vec<i64> = time[..8].split(':').map(|p| p.parse().unwrap()).collect();
    // Fractions of a second are dropped: certificate times have whole
    // seconds, and UnixTime counts whole seconds.
    let zone = time[8..].trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    assert!(zone == "+00:00" || zone == "Z", "{text}");
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2]).unwrap()
}

fn run(case: &Value) -> Verdict {
    if let Some(reason) = skip_reason(case) {
        return Verdict::Skipped(reason);
    }
    let now = match case["validation_time"].as_str() {
        Some(text) => UnixTime::since_unix_epoch(Duration::from_secs(parse_time(text))),
        // limbo: no time given means "now".
        None => UnixTime::since_unix_epoch(
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap(),
        ),
    };
    let roots = match TrustStore::from_pem(&pems(&case["trusted_certs"])) {
        Ok(roots) => roots,
        // A trust store keel refuses to load accepts nothing.
        Err(_) => return Verdict::Refused(CertError::UnknownIssuer),
    };
    let peer = case["peer_certificate"].as_str().unwrap().as_bytes();
    let mut chain = match load_certificates(peer) {
        Ok(chain) => chain,
        Err(_) => {
            return Verdict::Refused(CertError::Malformed {
                index: 0,
                reason: "does not load",
            });
        }
    };
    let intermediates = pems(&case["untrusted_intermediates"]);
    if !intermediates.is_empty() {
        match load_certificates(&intermediates) {
            Ok(more) => chain.extend(more),
            Err(_) => {
                return Verdict::Refused(CertError::Malformed {
                    index: 1,
                    reason: "does not load",
                });
            }
        }
    }
    let result = if case["validation_kind"] == "CLIENT" {
        ClientCertVerifier::new(roots, ClientAuth::Required)
            .verify(&chain, now)
            .map(|_| ())
    } else {
        // keel has no way to validate a server certificate without a name:
        // such a case is a refusal (listed in limbo-exceptions.txt).
        let Some(name) = case["expected_peer_name"]["value"].as_str() else {
            return Verdict::Refused(CertError::HostnameMismatch {
                expected: "(no name given)".to_owned(),
                presented: vec![],
            });
        };
        let Ok(parsed) = ServerName::parse(name) else {
            return Verdict::Refused(CertError::HostnameMismatch {
                expected: name.to_owned(),
                presented: vec![],
            });
        };
        ServerCertVerifier::new(roots)
            .verify(&chain, &parsed, None, now)
            .map(|_| ())
    };
    match result {
        Ok(()) => Verdict::Accepted,
        Err(err) => Verdict::Refused(err),
    }
}

/// `case-id  reason` lines; `#` starts a comment.
fn exceptions() -> BTreeMap<String, String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("limbo-exceptions.txt");
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (id, reason) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            assert!(!reason.trim().is_empty(), "exception {id} has no reason");
            (id.to_owned(), reason.trim().to_owned())
        })
        .collect()
}

#[test]
fn limbo() {
    let text = std::fs::read_to_string(limbo_path())
        .unwrap_or_else(|e| panic!("{}: {e}", limbo_path().display()));
    let json: Value = serde_json::from_str(&text).unwrap();
    let exceptions = exceptions();
    let (mut passed, mut failed, mut skipped, mut unexpected) = (0, 0, 0, 0);
    let mut excepted_seen = Vec::new();
    for case in json["testcases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let expected_success = case["expected_result"] == "SUCCESS";
        let (agrees, detail) = match run(case) {
            Verdict::Skipped(reason) => {
                skipped += 1;
                println!("limbo: skip {id}: {reason}");
                continue;
            }
            Verdict::Accepted => (expected_success, "accepted".to_owned()),
            Verdict::Refused(err) => (!expected_success, format!("refused: {err}")),
        };
        if agrees {
            passed += 1;
            continue;
        }
        failed += 1;
        let want = if expected_success {
            "SUCCESS"
        } else {
            "FAILURE"
        };
        if let Some(reason) = exceptions.get(id) {
            excepted_seen.push(id.to_owned());
            println!("limbo: known divergence {id} (expected {want}, keel {detail}): {reason}");
        } else {
            unexpected += 1;
            println!("limbo: UNEXPECTED {id}: expected {want}, keel {detail}");
        }
    }
    println!("limbo: {passed} passed, {failed} failed, {skipped} skipped, {unexpected} unexpected");
    let stale: Vec<&String> = exceptions
        .keys()
        .filter(|id| !excepted_seen.contains(id))
        .collect();
    assert!(
        stale.is_empty(),
        "limbo-exceptions.txt lists cases keel now agrees on: {stale:?}"
    );
    assert_eq!(
        unexpected, 0,
        "verdicts differ from limbo and are not listed as exceptions"
    );
}
