//! The key schedule's known answers and properties: the published TLS 1.2
//! PRF vectors, the extended master secret from its definition, the
//! Finished labels, the constant-time comparison, and secrets kept out of
//! `Debug`. The OpenSSL sessions in `openssl_sessions.rs` check key
//! expansion and Finished end to end.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use aws_lc_rs::tls_prf;
use keel_handshake::key_schedule::{
    KeyScheduleError, MASTER_SECRET_LEN, MasterSecret, PrfHash, Sender, VERIFY_DATA_LEN, key_block,
    verify_data, verify_data_matches,
};
use keel_record::AeadAlgorithm;

fn hex(text: &str) -> Vec<u8> {
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(text.as_bytes())
        .unwrap()
}

/// Distinct, recognisable bytes: `start`, `start + 1`, ...
fn counting(start: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| start.wrapping_add(i as u8)).collect()
}

/// The four vectors of `testdata/tls12-prf-vectors.json` (posted to
/// the IETF TLS list). keel's PRF is checked with SHA-256 and SHA-384, the
/// two hashes of its suites. SHA-512 has no keel suite, so its vector checks
/// aws-lc-rs's P_SHA512 directly. aws-lc-rs offers no P_SHA224, so the
/// SHA-224 vector cannot be run and is the one skipped.
#[test]
fn published_prf_vectors() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/tls12-prf-vectors.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut checked = BTreeSet::new();
    let mut skipped = BTreeSet::new();
    for vector in json["vectors"].as_array().unwrap() {
        let field = |name: &str| vector[name].as_str().unwrap();
        let hash = field("hash");
        let secret = hex(field("secret"));
        let label = field("label").as_bytes();
        let seed = hex(field("seed"));
        let expected = hex(field("output"));
        let length = usize::try_from(vector["length"].as_u64().unwrap()).unwrap();
        assert_eq!(expected.len(), length, "{hash}: output length");

        let mut output = vec![0u8; length];
        match hash {
            "SHA-256" => PrfHash::Sha256
                .prf(&secret, label, &seed, &mut output)
                .unwrap(),
            "SHA-384" => PrfHash::Sha384
                .prf(&secret, label, &seed, &mut output)
                .unwrap(),
            "SHA-512" => {
                let derived = tls_prf::Secret::new(&tls_prf::P_SHA512, &secret)
                    .unwrap()
                    .derive(label, &seed, length)
                    .unwrap();
                output.copy_from_slice(derived.as_ref());
            }
            "SHA-224" => {
                skipped.insert(hash);
                continue;
            }
            other => panic!("unexpected hash {other} in the vector file"),
        }
        assert_eq!(output, expected, "{hash} vector");
        // A wrong answer must be visible: one bit less is another output.
        output[0] ^= 1;
        assert_ne!(output, expected);
        checked.insert(hash);
    }
    assert_eq!(
        checked,
        BTreeSet::from(["SHA-256", "SHA-384", "SHA-512"]),
        "hashes checked"
    );
    assert_eq!(skipped, BTreeSet::from(["SHA-224"]), "hashes skipped");
}

/// RFC 7627 §4, recomputed from its definition with aws-lc-rs directly.
/// The captured OpenSSL sessions cannot check it (their ECDHE pre-master
/// secret is not logged); the interop tests of a later step check it end to
/// end against real peers.
#[test]
fn extended_master_secret_matches_its_definition() {
    let pre_master_secret = counting(0x40, 32);
    for (prf, algorithm) in [
        (PrfHash::Sha256, &tls_prf::P_SHA256),
        (PrfHash::Sha384, &tls_prf::P_SHA384),
    ] {
        let session_hash = counting(0x90, prf.hash_len());
        let expected = tls_prf::Secret::new(algorithm, &pre_master_secret)
            .unwrap()
            .derive(b"extended master secret", &session_hash, 48)
            .unwrap();
        let master = MasterSecret::extended(prf, &pre_master_secret, &session_hash).unwrap();
        assert_eq!(master.as_bytes().as_slice(), expected.as_ref(), "{prf:?}");

        // Not the RFC 5246 §8.1 master secret: another label, another seed.
        let legacy = tls_prf::Secret::new(algorithm, &pre_master_secret)
            .unwrap()
            .derive(b"master secret", &session_hash, 48)
            .unwrap();
        assert_ne!(master.as_bytes().as_slice(), legacy.as_ref());

        // The session hash is bound in: change one bit, get another secret.
        let mut other_hash = session_hash.clone();
        other_hash[5] ^= 0x80;
        let other = MasterSecret::extended(prf, &pre_master_secret, &other_hash).unwrap();
        assert_ne!(master.as_bytes(), other.as_bytes());
    }
    let sha256 = MasterSecret::extended(PrfHash::Sha256, &pre_master_secret, &[7; 32]).unwrap();
    let sha384 = MasterSecret::extended(PrfHash::Sha384, &pre_master_secret, &[7; 48]).unwrap();
    assert_ne!(sha256.as_bytes(), sha384.as_bytes());
}

#[test]
fn session_hash_of_the_wrong_hash_is_refused() {
    let pms = [1u8; 32];
    assert_eq!(
        MasterSecret::extended(PrfHash::Sha256, &pms, &[0; 48]).unwrap_err(),
        KeyScheduleError::BadLength {
            what: "session hash",
            expected: 32,
            actual: 48
        }
    );
    assert_eq!(
        MasterSecret::extended(PrfHash::Sha384, &pms, &[0; 32]).unwrap_err(),
        KeyScheduleError::BadLength {
            what: "session hash",
            expected: 48,
            actual: 32
        }
    );
}

#[test]
fn empty_pre_master_secret_is_a_prf_error() {
    assert_eq!(
        MasterSecret::extended(PrfHash::Sha256, &[], &[0; 32]).unwrap_err(),
        KeyScheduleError::Prf {
            derivation: "extended master secret"
        }
    );
}

#[test]
fn master_secret_from_bytes_takes_exactly_48() {
    let bytes = counting(1, MASTER_SECRET_LEN);
    let master = MasterSecret::from_bytes(&bytes).unwrap();
    assert_eq!(master.as_bytes().as_slice(), bytes.as_slice());
    for len in [0, 47, 49] {
        assert_eq!(
            MasterSecret::from_bytes(&vec![0; len]).unwrap_err(),
            KeyScheduleError::BadLength {
                what: "master secret",
                expected: 48,
                actual: len
            }
        );
    }
}

/// RFC 5246 §7.4.9, recomputed from its definition, for both senders.
#[test]
fn verify_data_matches_its_definition() {
    let master = MasterSecret::from_bytes(&counting(0x20, 48)).unwrap();
    for (prf, algorithm) in [
        (PrfHash::Sha256, &tls_prf::P_SHA256),
        (PrfHash::Sha384, &tls_prf::P_SHA384),
    ] {
        let hash = counting(0xc0, prf.hash_len());
        for (sender, label) in [
            (Sender::Client, b"client finished"),
            (Sender::Server, b"server finished"),
        ] {
            let expected = tls_prf::Secret::new(algorithm, master.as_bytes())
                .unwrap()
                .derive(label, &hash, VERIFY_DATA_LEN)
                .unwrap();
            let computed = verify_data(&master, prf, sender, &hash).unwrap();
            assert_eq!(computed.as_slice(), expected.as_ref(), "{prf:?} {sender:?}");
        }
        let client = verify_data(&master, prf, Sender::Client, &hash).unwrap();
        let server = verify_data(&master, prf, Sender::Server, &hash).unwrap();
        assert_ne!(client, server);
        assert_eq!(
            verify_data(&master, prf, Sender::Client, &hash[1..]).unwrap_err(),
            KeyScheduleError::BadLength {
                what: "handshake hash",
                expected: prf.hash_len(),
                actual: prf.hash_len() - 1
            }
        );
    }
}

#[test]
fn verify_data_comparison() {
    let expected: [u8; 12] = counting(0x55, 12).try_into().unwrap();
    assert!(verify_data_matches(&expected, &expected));
    for byte in 0..12 {
        for bit in 0..8 {
            let mut flipped = expected;
            flipped[byte] ^= 1 << bit;
            assert!(
                !verify_data_matches(&expected, &flipped),
                "byte {byte} bit {bit}"
            );
        }
    }
    assert!(!verify_data_matches(&expected, &expected[..11]));
    assert!(!verify_data_matches(
        &expected,
        &[expected.as_slice(), &[0]].concat()
    ));
    assert!(!verify_data_matches(&expected, &[]));
}

#[test]
fn key_block_gives_keys_of_the_algorithm() {
    let master = MasterSecret::from_bytes(&counting(3, 48)).unwrap();
    let (client_random, server_random) = ([1; 32], [2; 32]);
    for algorithm in [
        AeadAlgorithm::Aes128Gcm,
        AeadAlgorithm::Aes256Gcm,
        AeadAlgorithm::ChaCha20Poly1305,
    ] {
        for prf in [PrfHash::Sha256, PrfHash::Sha384] {
            let (client, server) =
                key_block(&master, prf, algorithm, &client_random, &server_random).unwrap();
            assert_eq!(client.algorithm(), algorithm);
            assert_eq!(server.algorithm(), algorithm);
        }
    }
}

#[test]
fn debug_shows_no_secret() {
    let master = MasterSecret::from_bytes(&[0xab; 48]).unwrap();
    assert_eq!(format!("{master:?}"), "MasterSecret { .. }");
    assert_eq!(format!("{master:#?}"), "MasterSecret { .. }");

    let (client, server) = key_block(
        &master,
        PrfHash::Sha256,
        AeadAlgorithm::ChaCha20Poly1305,
        &[1; 32],
        &[2; 32],
    )
    .unwrap();
    for keys in [&client, &server] {
        assert_eq!(
            format!("{keys:?}"),
            "TrafficKeys { algorithm: ChaCha20Poly1305, protection: Tls12, .. }"
        );
    }
}
