//! The reasons inside keel-pki's errors, as the person reading them sees
//! them: each refusal names what is wrong, in words, and keeps the cause
//! from the parser or the crypto library as its `source()`.

// A panic in a test is a failed test, so tests may unwrap, expect and index.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
mod cov_der;

use std::error::Error as _;

use common::{Ca, now};
use cov_der::{oid, pkcs8, seq, tlv, with_spki};
use keel_pki::{
    CertError, CertifiedKey, ClientAuth, ClientCertVerifier, KeyRejection, LoadError,
    PeerKeyProblem, PeerKeys, PrivateKeyDer, ServerCertVerifier, ServerName, SignError, SigningKey,
    TrustStore, UnsupportedKey, load_certificates, load_private_key, verify_signature,
};
use keel_wire::registry::{AlertDescription, SignatureScheme};
use rcgen::{CertificateParams, CustomExtension, IsCa, KeyPair, date_time_ymd};

fn data(path: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn assert_says(text: &str, phrases: &[&str]) {
    for phrase in phrases {
        assert!(text.contains(phrase), "{text:?} should contain {phrase:?}");
    }
}

fn pkcs8_key(der: Vec<u8>) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(der.into())
}

/// A leaf for `keel.example` issued by `ca` with an extension rcgen does
/// not make itself (its value given as DER).
fn leaf_with_extension(ca: &Ca, oid: &[u64], value: Vec<u8>) -> keel_pki::CertificateDer<'static> {
    ca.leaf_with(&["keel.example"], |params| {
        params.key_usages = Vec::new();
        params.custom_extensions = vec![CustomExtension::from_oid_content(oid, value)];
    })
}

// ---------------------------------------------------------------------------
// Certificates that do not parse
// ---------------------------------------------------------------------------

#[test]
fn a_certificate_that_does_not_parse_says_how() {
    let der = Ca::root("keel root").der.to_vec();

    // Bytes after the certificate: no parser error behind it.
    let mut trailing = der.clone();
    trailing.push(0);
    let error = load_certificates(&trailing).unwrap_err();
    let LoadError::InvalidCertificate { index: 0, source } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(
        source.to_string(),
        "there are bytes after the end of the certificate"
    );
    assert!(source.source().is_none());

    // A SEQUENCE that is not a certificate: x509-parser's error is the
    // cause.
    let error = load_certificates(&seq(&[&[0x02, 0x01, 0x01]])).unwrap_err();
    let LoadError::InvalidCertificate { index: 0, source } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(source.to_string(), "it is not valid DER X.509");
    assert!(source.source().is_some());
    assert_says(&error.to_string(), &["certificate 0", "cannot be parsed"]);
}

#[test]
fn a_certificate_cut_inside_its_header_is_truncated() {
    let der = Ca::root("keel root").der.to_vec();
    // Cut inside the outer header, where the parser asks for more bytes
    // (cut further in, x509-parser reports the body as invalid instead).
    let error = load_certificates(&der[..3]).unwrap_err();
    let LoadError::InvalidCertificate { index: 0, source } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(source.to_string(), "the certificate is truncated");
}

#[test]
fn a_repeated_basic_constraints_extension_names_the_extension() {
    // rcgen writes basicConstraints cA=FALSE; a second one is added.
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["leaf.example".to_owned()]).unwrap();
    params.is_ca = IsCa::ExplicitNoCa;
    params.custom_extensions = vec![CustomExtension::from_oid_content(
        &[2, 5, 29, 19],
        vec![0x30, 0x00],
    )];
    let leaf = params.self_signed(&key).unwrap().der().clone();
    let key = PrivateKeyDer::Pkcs8(key.serialize_der().into());
    let error = CertifiedKey::new(vec![leaf], &key).unwrap_err();
    let LoadError::InvalidCertificate { index: 0, source } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(
        source.to_string(),
        "its basicConstraints extension is malformed or repeated"
    );
    assert!(source.source().is_none());
}

#[test]
fn a_root_webpki_cannot_use_is_named_with_webpkis_reason() {
    // x509-parser reads a certificate with two keyUsage extensions;
    // rustls-webpki refuses it.
    let good = Ca::root("keel good root");
    let mut bad = Ca::root("keel root with two keyUsages");
    bad.params.custom_extensions = vec![CustomExtension::from_oid_content(
        &[2, 5, 29, 15],
        vec![0x03, 0x02, 0x01, 0x06],
    )];
    bad.der = bad.params.self_signed(&bad.key).unwrap().der().clone();
    let error = TrustStore::from_der_certificates([good.der, bad.der]).unwrap_err();
    let LoadError::UnusableTrustAnchor { index: 1, source } = &error else {
        panic!("{error:?}");
    };
    assert_says(
        &error.to_string(),
        &["certificate 1 of the input cannot be used as a trust anchor"],
    );
    assert_eq!(
        source.to_string(),
        "rustls-webpki cannot make a trust anchor of it"
    );
    assert!(source.source().is_some());
}

// ---------------------------------------------------------------------------
// Private keys keel does not sign with
// ---------------------------------------------------------------------------

#[test]
fn each_unsupported_key_kind_is_named() {
    let ec = oid("1.2.840.10045.2.1");
    // (algorithm, parameters, the kind keel names, its words)
    type Case = (Vec<u8>, Option<Vec<u8>>, UnsupportedKey, &'static str);
    let cases: Vec<Case> = vec![
        (
            ec.clone(),
            Some(oid("1.3.132.0.10")),
            UnsupportedKey::EcdsaSecp256k1,
            "ECDSA on secp256k1",
        ),
        (
            ec.clone(),
            // brainpoolP256r1
            Some(oid("1.3.36.3.3.2.8.1.1.7")),
            UnsupportedKey::EcdsaCurve {
                oid: "1.3.36.3.3.2.8.1.1.7".to_owned(),
            },
            "ECDSA on the curve 1.3.36.3.3.2.8.1.1.7",
        ),
        (
            ec,
            // SpecifiedECDomain, cut down: a SEQUENCE, not a curve's name.
            Some(seq(&[&[0x02, 0x01, 0x01]])),
            UnsupportedKey::EcdsaExplicitCurve,
            "ECDSA with explicit curve parameters",
        ),
        (
            oid("1.2.840.113549.1.1.10"),
            None,
            UnsupportedKey::RsaPss,
            "RSASSA-PSS (an RSA key restricted to PSS; keel needs an rsaEncryption key)",
        ),
        (
            oid("1.3.101.110"),
            None,
            UnsupportedKey::X25519,
            "X25519 (a key-agreement key, which cannot sign)",
        ),
        (
            oid("1.3.101.111"),
            None,
            UnsupportedKey::X448,
            "X448 (a key-agreement key, which cannot sign)",
        ),
        (
            oid("1.2.3.4.5"),
            None,
            UnsupportedKey::Algorithm {
                oid: "1.2.3.4.5".to_owned(),
            },
            "with algorithm identifier 1.2.3.4.5",
        ),
    ];
    for (algorithm, parameters, kind, words) in cases {
        let der = pkcs8(&algorithm, parameters.as_deref(), &tlv(0x04, &[7; 32]));
        // The same refusal from DER bytes and from a typed key.
        for error in [
            load_private_key(&der).unwrap_err(),
            SigningKey::from_der(&pkcs8_key(der.clone())).unwrap_err(),
        ] {
            let LoadError::UnsupportedKeyType { kind: found } = &error else {
                panic!("{words}: {error:?}");
            };
            assert_eq!(found, &kind);
            assert_eq!(kind.to_string(), words);
            assert_says(
                &error.to_string(),
                &[
                    &format!("unsupported private key type {words}"),
                    "keel signs with RSA (2048 to 8192 bits)",
                ],
            );
        }
    }
}

#[test]
fn a_private_key_block_keel_does_not_read_is_named_by_its_label() {
    let pem = b"-----BEGIN DSA PRIVATE KEY-----\nMAA=\n-----END DSA PRIVATE KEY-----\n";
    let error = load_private_key(pem).unwrap_err();
    assert!(
        matches!(&error, LoadError::UnsupportedKeyType { kind: UnsupportedKey::PemLabel { label } } if label == "DSA PRIVATE KEY"),
        "{error:?}"
    );
    assert_says(
        &error.to_string(),
        &["unsupported private key type in a PEM \"DSA PRIVATE KEY\" block"],
    );
}

// ---------------------------------------------------------------------------
// Keys the crypto library refuses
// ---------------------------------------------------------------------------

#[test]
fn an_rsa_key_above_8192_bits_is_too_large() {
    // tests/data/keys/rsa8448.pkcs8.der: `openssl genpkey -algorithm RSA
    // -pkeyopt rsa_keygen_bits:8448 -outform DER`.
    let error = load_private_key(&data("keys/rsa8448.pkcs8.der")).unwrap_err();
    assert!(
        matches!(
            error,
            LoadError::KeyRejected {
                reason: KeyRejection::TooLarge
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "the private key was rejected: RSA keys larger than 8192 bits are refused"
    );
}

#[test]
fn an_rsa_key_whose_inner_encoding_is_broken_is_invalid() {
    let der = pkcs8(
        &oid("1.2.840.113549.1.1.1"),
        Some(&[0x05, 0x00]),
        &seq(&[&[0x02, 0x01, 0x00]]),
    );
    let error = load_private_key(&der).unwrap_err();
    assert!(
        matches!(
            error,
            LoadError::KeyRejected {
                reason: KeyRejection::InvalidEncoding
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "the private key was rejected: its encoding is invalid"
    );
}

#[test]
fn a_pkcs1_key_the_crypto_library_cannot_read_is_refused_without_a_named_reason() {
    // A PKCS#1 RSAPrivateKey with every number 1: aws-lc-rs refuses it
    // without a word keel knows.
    let one = [0x02, 0x01, 0x01];
    let der = seq(&[
        &[0x02, 0x01, 0x00],
        &one,
        &one,
        &one,
        &one,
        &one,
        &one,
        &one,
        &one,
    ]);
    let error = SigningKey::from_der(&PrivateKeyDer::Pkcs1(der.into())).unwrap_err();
    assert!(
        matches!(
            error,
            LoadError::KeyRejected {
                reason: KeyRejection::Other
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "the private key was rejected: the crypto library refused it"
    );
}

#[test]
fn every_key_rejection_reads_as_a_reason() {
    // The reasons keel's own calls do not produce still read as one.
    for (reason, words) in [
        (
            KeyRejection::InconsistentComponents,
            "its parts are inconsistent (the public key does not belong to the private key)",
        ),
        (
            KeyRejection::WrongAlgorithm,
            "it is not a key of the type its encoding names",
        ),
        (
            KeyRejection::PublicKeyNotEncodable,
            "its public key cannot be encoded",
        ),
    ] {
        assert_eq!(reason.to_string(), words);
        assert_eq!(
            LoadError::KeyRejected { reason }.to_string(),
            format!("the private key was rejected: {words}")
        );
    }
}

// ---------------------------------------------------------------------------
// Peers' keys keel cannot verify with
// ---------------------------------------------------------------------------

fn bad_peer_key(error: SignError) -> PeerKeyProblem {
    assert_eq!(error.alert(), AlertDescription::BAD_CERTIFICATE, "{error}");
    match error {
        SignError::BadPeerKey { reason } => reason,
        other => panic!("{other:?}"),
    }
}

#[test]
fn each_problem_with_a_peers_key_is_named() {
    let message = b"handshake bytes";
    let scheme = SignatureScheme::RSA_PKCS1_SHA256;

    let error = verify_signature(&vec![0x30, 0x00].into(), scheme, message, &[0; 64]).unwrap_err();
    assert_says(
        &error.to_string(),
        &["the peer's certificate key cannot be used: the certificate does not parse"],
    );
    assert_eq!(bad_peer_key(error), PeerKeyProblem::Unparsable);

    let p521 = CertificateParams::new(vec!["p521.example".to_owned()])
        .unwrap()
        .self_signed(&KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap())
        .unwrap()
        .der()
        .clone();
    let error = verify_signature(
        &p521,
        SignatureScheme::ECDSA_SECP521R1_SHA512,
        message,
        &[0; 64],
    )
    .unwrap_err();
    assert_says(
        &error.to_string(),
        &["keel does not verify signatures made with ECDSA on P-521 keys"],
    );

    let rsa1024 = load_certificates(&data("signatures/rsa1024.cert.pem"))
        .unwrap()
        .remove(0);
    let error = verify_signature(&rsa1024, scheme, message, &[0; 128]).unwrap_err();
    assert_says(
        &error.to_string(),
        &["its RSA key has 1024 bits; keel accepts 2048 to 8192"],
    );
    assert_eq!(bad_peer_key(error), PeerKeyProblem::RsaSize { bits: 1024 });

    // An EC key with explicit curve parameters (a SEQUENCE, not a curve's
    // name).
    let ca = Ca::root("keel root");
    let explicit = seq(&[
        &seq(&[&oid("1.2.840.10045.2.1"), &seq(&[&[0x02, 0x01, 0x01]])]),
        &tlv(0x03, &[0x00, 0x04, 0x01, 0x02]),
    ]);
    let leaf = with_spki(&ca.leaf(&["keel.example"]), &explicit, &ca.key);
    let error = verify_signature(
        &leaf,
        SignatureScheme::ECDSA_SECP256R1_SHA256,
        message,
        &[0; 64],
    )
    .unwrap_err();
    assert_says(
        &error.to_string(),
        &["keel does not verify signatures made with ECDSA with explicit curve parameters keys"],
    );
    assert_eq!(
        bad_peer_key(error),
        PeerKeyProblem::Unsupported {
            key: UnsupportedKey::EcdsaExplicitCurve
        }
    );

    // An rsaEncryption key whose bits are not an RSAPublicKey.
    let spki = seq(&[
        &seq(&[&oid("1.2.840.113549.1.1.1"), &[0x05, 0x00]]),
        &tlv(0x03, &[0x00, 0x04, 0x01, 0x00]),
    ]);
    let broken = with_spki(&ca.leaf(&["keel.example"]), &spki, &ca.key);
    let error = verify_signature(&broken, scheme, message, &[0; 256]).unwrap_err();
    assert_says(&error.to_string(), &["its RSA public key is malformed"]);
    assert_eq!(bad_peer_key(error), PeerKeyProblem::MalformedRsaKey);
}

#[test]
fn a_leaf_with_a_malformed_key_usage_is_a_bad_peer_key() {
    let ca = Ca::root("keel root");
    // keyUsage holding a NULL instead of a BIT STRING.
    let leaf = leaf_with_extension(&ca, &[2, 5, 29, 15], vec![0x05, 0x00]);
    let error = PeerKeys::new().leaf_key_use(&leaf).unwrap_err();
    assert_says(
        &error.to_string(),
        &["the peer's certificate key cannot be used: its keyUsage extension is malformed"],
    );
    assert_eq!(bad_peer_key(error), PeerKeyProblem::MalformedKeyUsage);
}

// ---------------------------------------------------------------------------
// Chains keel refuses
// ---------------------------------------------------------------------------

fn server_refusal(ca: &Ca, chain: &[keel_pki::CertificateDer<'static>]) -> CertError {
    ServerCertVerifier::new(ca.store())
        .verify(
            chain,
            &ServerName::parse("keel.example").unwrap(),
            None,
            now(),
        )
        .unwrap_err()
}

#[test]
fn a_server_certificate_offered_for_client_authentication_names_the_usage() {
    let ca = Ca::root("keel root");
    let leaf = ca.leaf(&["keel.example"]);
    let error = ClientCertVerifier::new(ca.store(), ClientAuth::Required)
        .verify(&[leaf], now())
        .unwrap_err();
    assert!(matches!(error, CertError::WrongUsage { .. }), "{error:?}");
    assert_says(
        &error.to_string(),
        &["certificate is not allowed for TLS client authentication"],
    );
}

#[test]
fn a_leaf_with_a_broken_signature_is_a_decrypt_error() {
    let ca = Ca::root("keel root");
    let mut leaf = ca.leaf(&["keel.example"]).to_vec();
    // The last byte is inside the signature's s value.
    *leaf.last_mut().unwrap() ^= 1;
    let error = server_refusal(&ca, &[leaf.into()]);
    assert_eq!(error, CertError::BadSignature);
    assert_eq!(error.alert(), AlertDescription::DECRYPT_ERROR);
    assert_eq!(
        error.to_string(),
        "a certificate signature in the chain is invalid"
    );
}

#[test]
fn a_leaf_that_ends_before_it_starts_has_an_invalid_validity_period() {
    let ca = Ca::root("keel root");
    let leaf = ca.leaf_with(&["keel.example"], |params| {
        params.not_before = date_time_ymd(2026, 12, 1);
        params.not_after = date_time_ymd(2026, 1, 1);
    });
    let error = server_refusal(&ca, &[leaf]);
    assert_eq!(
        error.to_string(),
        "certificate 0 in the chain is malformed: invalid validity period"
    );
    assert_eq!(error.alert(), AlertDescription::DECODE_ERROR);
}

#[test]
fn a_leaf_with_a_malformed_key_usage_is_invalid() {
    let ca = Ca::root("keel root");
    let leaf = leaf_with_extension(&ca, &[2, 5, 29, 15], vec![0x05, 0x00]);
    let error = server_refusal(&ca, &[leaf]);
    assert_eq!(
        error.to_string(),
        "certificate CN=keel test leaf is invalid: malformed keyUsage"
    );
    assert_eq!(error.alert(), AlertDescription::BAD_CERTIFICATE);
}

#[test]
fn a_root_with_a_malformed_key_usage_is_invalid() {
    let mut root = Ca::root("keel root with a broken keyUsage");
    root.params.key_usages = Vec::new();
    root.params.custom_extensions = vec![CustomExtension::from_oid_content(
        &[2, 5, 29, 15],
        vec![0x05, 0x00],
    )];
    root.der = root.params.self_signed(&root.key).unwrap().der().clone();
    let error = server_refusal(&root, &[root.leaf(&["keel.example"])]);
    assert_eq!(
        error.to_string(),
        "certificate CN=keel root with a broken keyUsage is invalid: malformed keyUsage"
    );
}

#[test]
fn a_root_not_yet_valid_is_named() {
    // webpki ignores an anchor's dates; keel does not.
    let mut root = Ca::root("keel future root");
    root.params.not_before = date_time_ymd(2027, 1, 1);
    root.der = root.params.self_signed(&root.key).unwrap().der().clone();
    let error = server_refusal(&root, &[root.leaf(&["keel.example"])]);
    assert!(matches!(error, CertError::NotYetValid { .. }), "{error:?}");
    assert_says(
        &error.to_string(),
        &[
            "certificate is not valid before 2027-01-01T00:00:00Z",
            "(certificate CN=keel future root)",
        ],
    );
    assert_eq!(error.alert(), AlertDescription::BAD_CERTIFICATE);
}

#[test]
fn leaves_with_keys_keel_refuses_say_which_key() {
    let ca = Ca::root("keel root");
    let leaf = ca.leaf(&["keel.example"]);
    let rsa_key = |algorithm: &str, key_bits: &[u8]| {
        seq(&[
            &seq(&[&oid(algorithm), &[0x05, 0x00]]),
            &tlv(0x03, key_bits),
        ])
    };
    let rsa_public = |modulus: &[u8]| {
        let mut bits = vec![0];
        bits.extend(seq(&[&tlv(0x02, modulus), &[0x02, 0x03, 0x01, 0x00, 0x01]]));
        bits
    };
    let mut modulus_2048 = vec![0x00];
    modulus_2048.extend([0xc5; 256]);
    let cases = [
        (
            rsa_key("1.2.840.113549.1.1.10", &rsa_public(&modulus_2048)),
            "an RSASSA-PSS key, which keel does not accept",
        ),
        (
            rsa_key("1.2.840.113549.1.1.1", &[0x00, 0x05, 0x00]),
            "malformed RSA key",
        ),
        (
            rsa_key("1.2.840.113549.1.1.1", &rsa_public(&[0x00])),
            "RSA key of 0 bits (at least 2048 required)",
        ),
        (
            seq(&[
                &seq(&[&oid("1.2.840.10045.2.1"), &seq(&[&[0x02, 0x01, 0x01]])]),
                &tlv(0x03, &[0x00, 0x04, 0x01, 0x02]),
            ]),
            "elliptic-curve key without a named curve",
        ),
    ];
    for (spki, detail) in cases {
        let error = server_refusal(&ca, &[with_spki(&leaf, &spki, &ca.key)]);
        assert_eq!(
            error.to_string(),
            format!("certificate CN=keel test leaf has a weak or forbidden key: {detail}")
        );
        assert_eq!(error.alert(), AlertDescription::BAD_CERTIFICATE);
    }
}

// ---------------------------------------------------------------------------
// Broken PEM framing
// ---------------------------------------------------------------------------

#[test]
fn broken_pem_framing_names_the_line_and_the_mistake() {
    let cases: [(&[u8], &str); 3] = [
        (
            b"-----BEGIN CERTIFICATE-----\nMAA=\n-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n",
            "invalid PEM at line 1: the block has no END line before the next BEGIN line",
        ),
        (
            b"text before\n-----BEGIN CERTIFICATE----\nMAA=\n-----END CERTIFICATE-----\n",
            "invalid PEM at line 2: the BEGIN line does not end with five dashes",
        ),
        (
            b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n-----END CERTIFICATE-----\n",
            "invalid PEM at line 4: an END line without a BEGIN line",
        ),
    ];
    for (pem, message) in cases {
        for error in [
            load_certificates(pem).unwrap_err(),
            load_private_key(pem).unwrap_err(),
            TrustStore::from_pem(pem).unwrap_err(),
        ] {
            assert!(matches!(error, LoadError::InvalidPem { .. }), "{error:?}");
            assert_eq!(error.to_string(), message);
        }
    }
}

#[test]
fn a_begin_line_keel_frames_but_the_pem_reader_refuses_is_malformed() {
    // keel's framing allows trailing whitespace on a BEGIN line; the
    // decoder (rustls-pki-types) refuses a tab there.
    let der = Ca::root("keel root").der;
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\t\n{}\n-----END CERTIFICATE-----\n",
        cov_der::base64(&der)
    );
    let error = load_certificates(pem.as_bytes()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid PEM at line 1: the BEGIN line is malformed"
    );
    // The same block without the tab loads.
    assert_eq!(
        load_certificates(pem.replace('\t', "").as_bytes()).unwrap(),
        [der]
    );
}

#[test]
fn a_leaf_eku_webpki_stops_reading_early_is_still_read_whole() {
    // rustls-webpki stops at the serverAuth OID and skips the rest; keel
    // reads the whole extension, where a constructed OBJECT IDENTIFIER
    // follows.
    let ca = Ca::root("keel root");
    let eku = seq(&[&oid("1.3.6.1.5.5.7.3.1"), &[0x26, 0x00]]);
    let leaf = ca.leaf_with(&["keel.example"], |params| {
        params.extended_key_usages = Vec::new();
        params.custom_extensions = vec![CustomExtension::from_oid_content(&[2, 5, 29, 37], eku)];
    });
    let error = server_refusal(&ca, &[leaf]);
    assert_eq!(
        error,
        CertError::Invalid {
            subject: "CN=keel test leaf".into(),
            detail: "malformed extendedKeyUsage"
        }
    );
    assert_eq!(
        error.to_string(),
        "certificate CN=keel test leaf is invalid: malformed extendedKeyUsage"
    );
    assert_eq!(error.alert(), AlertDescription::BAD_CERTIFICATE);
}
