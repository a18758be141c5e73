//! Every scenario of `keel-bench compare` runs for both libraries and does
//! what it claims: handshakes complete under the scenario's version,
//! suite and group (resumed ones really resume, which `handshake` also
//! asserts on every measured run), bulk data arrives whole through each
//! API, and both sides' time is counted.

#![allow(clippy::unwrap_used, clippy::panic)]

use keel_bench::scenario::{Aead, Api, HandshakeScenario, Negotiated, Setup, Version};
use keel_bench::{keel_side, rustls_side};

#[test]
fn handshake_scenarios_complete_for_both_libraries() {
    for scenario in HandshakeScenario::ALL {
        let resumed = scenario.resumes();
        let keel = keel_side::configs(scenario.setup());
        let rustls = rustls_side::configs(scenario.setup());
        if resumed {
            keel_side::handshake(&keel, false);
            rustls_side::handshake(&rustls, false);
        }
        // Twice, so that a resumed handshake leaves a ticket or session
        // the next one resumes.
        for _ in 0..2 {
            let split = keel_side::handshake(&keel, resumed);
            assert!(!split.client.is_zero() && !split.server.is_zero());
            let split = rustls_side::handshake(&rustls, resumed);
            assert!(!split.client.is_zero() && !split.server.is_zero());
        }
    }
}

#[test]
fn handshake_scenarios_negotiate_what_they_are_named_for() {
    for scenario in HandshakeScenario::ALL {
        let setup = scenario.setup();
        let resumed = scenario.resumes();
        let expected = setup.expected(resumed);
        // A TLS 1.2 resumption exchanges no keys: rustls reports no group,
        // keel the full handshake's. The group is not what it measures.
        let no_key_exchange = resumed && setup.version == Version::Tls12;
        let check = |lib: &str, got: Negotiated| {
            let got = if no_key_exchange {
                Negotiated {
                    group: expected.group,
                    ..got
                }
            } else {
                got
            };
            assert_eq!(got, expected, "{lib}, {}", scenario.name());
        };
        let keel = keel_side::configs(setup);
        let rustls = rustls_side::configs(setup);
        if resumed {
            assert_eq!(keel_side::negotiated(&keel), setup.expected(false));
            assert_eq!(rustls_side::negotiated(&rustls), setup.expected(false));
        }
        for _ in 0..2 {
            check("keel", keel_side::negotiated(&keel));
            check("rustls", rustls_side::negotiated(&rustls));
        }
    }
}

/// The names say what the lines measure: every TLS 1.3 scenario the
/// comparison promises is there, under its version's prefix.
#[test]
fn the_tls13_scenarios_cover_each_key_group_and_resumption() {
    let tls13: Vec<&str> = HandshakeScenario::ALL
        .iter()
        .filter(|s| s.setup().version == Version::Tls13)
        .map(|s| s.name())
        .collect();
    assert_eq!(
        tls13,
        [
            "tls13/full_handshake/ecdsa_p256/x25519",
            "tls13/full_handshake/ecdsa_p256/x25519mlkem768",
            "tls13/full_handshake/rsa2048/x25519",
            "tls13/resumed/ticket",
        ]
    );
    for scenario in HandshakeScenario::ALL {
        assert!(
            scenario.name().starts_with(scenario.setup().version.name()),
            "{}",
            scenario.name()
        );
    }
}

#[test]
fn bulk_pairs_negotiate_each_suite_under_each_version() {
    for version in Version::ALL {
        for aead in Aead::ALL {
            let setup = Setup::bulk(version, aead);
            let expected = setup.expected(false);
            assert_eq!(keel_side::negotiated(&keel_side::configs(setup)), expected);
            assert_eq!(
                rustls_side::negotiated(&rustls_side::configs(setup)),
                expected
            );
        }
    }
}

#[test]
fn bulk_data_arrives_through_every_api() {
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    for version in Version::ALL {
        for aead in Aead::ALL {
            for api in [Api::Buffered, Api::ZeroCopy] {
                let mut pair = keel_side::Bulk::new(version, aead, api);
                // `once` asserts the byte count; twice, so sequence numbers
                // move.
                pair.once(&data);
                pair.once(&data);
            }
            let mut pair = rustls_side::Bulk::new(version, aead);
            pair.once(&data);
            pair.once(&data);
        }
    }
}
