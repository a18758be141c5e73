//! Hostname and IP address validation, as tables: DNS names, wildcards,
//! IDNA A-labels, IPv4, IPv6, trailing dots, case.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Ca, now};
use keel_pki::{CertError, ServerCertVerifier, ServerName};

/// (names in the certificate, name asked for, accepted?)
const CASES: &[(&[&str], &str, bool)] = &[
    (&["example.com"], "example.com", true),
    (&["example.com"], "EXAMPLE.com", true),
    (&["EXAMPLE.COM"], "example.com", true),
    (&["example.com"], "example.com.", true),
    (&["example.com"], "www.example.com", false),
    (&["example.com"], "example.org", false),
    (&["example.com"], "xample.com", false),
    (
        &["www.example.com", "api.example.com"],
        "api.example.com",
        true,
    ),
    // Wildcards cover exactly one leftmost label.
    (&["*.example.com"], "www.example.com", true),
    (&["*.example.com"], "WWW.Example.Com", true),
    (&["*.example.com"], "example.com", false),
    (&["*.example.com"], "a.b.example.com", false),
    (&["*.example.com"], "www.example.org", false),
    // IDNA: names are compared as A-labels.
    (&["xn--bcher-kva.example"], "xn--bcher-kva.example", true),
    (&["xn--bcher-kva.example"], "bcher-kva.example", false),
    // IP addresses match iPAddress names only, never DNS names.
    (&["192.0.2.1"], "192.0.2.1", true),
    (&["192.0.2.1"], "192.0.2.2", false),
    (&["example.com", "192.0.2.1"], "192.0.2.1", true),
    (&["example.com"], "192.0.2.1", false),
    (&["2001:db8::1"], "2001:db8::1", true),
    (&["2001:db8::1"], "[2001:db8::1]", true),
    (
        &["2001:db8::1"],
        "2001:0db8:0000:0000:0000:0000:0000:0001",
        true,
    ),
    (&["2001:db8::1"], "2001:db8::2", false),
    (&["192.0.2.1"], "::ffff:192.0.2.1", false),
];

#[test]
fn hostname_table() {
    let ca = Ca::root("keel hostname CA");
    let verifier = ServerCertVerifier::new(ca.store());
    for (sans, name, accepted) in CASES {
        let leaf = ca.leaf(sans);
        let server_name = ServerName::parse(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let result = verifier.verify(&[leaf], &server_name, None, now());
        match (result, accepted) {
            (Ok(_), true) => {}
            (
                Err(CertError::HostnameMismatch {
                    expected,
                    presented,
                }),
                false,
            ) => {
                assert_eq!(expected, server_name.to_string());
                let lowered: Vec<String> = sans.iter().map(|s| s.to_ascii_lowercase()).collect();
                assert_eq!(
                    presented, lowered,
                    "the error lists the certificate's names"
                );
            }
            (other, _) => panic!("{sans:?} for {name:?}: {other:?}"),
        }
    }
}

#[test]
fn the_subject_common_name_is_never_used() {
    let ca = Ca::root("keel hostname CA");
    let leaf = ca.leaf_with(&[], |p| {
        p.distinguished_name
            .push(rcgen::DnType::CommonName, "example.com");
    });
    let err = ServerCertVerifier::new(ca.store())
        .verify(
            &[leaf],
            &ServerName::parse("example.com").unwrap(),
            None,
            now(),
        )
        .unwrap_err();
    assert_eq!(
        err,
        CertError::HostnameMismatch {
            expected: "example.com".into(),
            presented: vec![]
        }
    );
    assert_eq!(
        err.to_string(),
        "certificate is not valid for example.com; it is valid for no names"
    );
}

#[test]
fn server_names_that_do_not_parse() {
    for bad in [
        "",
        ".",
        "example..com",
        "exa mple.com",
        "bücher.example",
        "*.example.com",
        "[192.0.2.1]",
        "[::1",
    ] {
        assert!(ServerName::parse(bad).is_err(), "{bad:?} should not parse");
    }
    let ip = ServerName::parse("192.0.2.1").unwrap();
    assert!(ip.is_ip());
    assert_eq!(ip.sni(), None, "no SNI for an IP address (RFC 6066 §3)");
    let dns = ServerName::parse("Example.COM.").unwrap();
    assert_eq!(dns.sni(), Some("example.com"));
}
