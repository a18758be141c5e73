//! Loading certificates, private keys, certified keys and trust stores: each
//! mistake a person can make gets its own error, with a message that says
//! what to do; and every supported encoding of every supported key loads.
//!
//! Keys made by OpenSSL live in `tests/data/keys/` (see its README);
//! certificates are made here with rcgen.

// A panic in a test is a failed test, so tests may unwrap, expect and index.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use keel_pki::{
    CertificateDer, CertifiedKey, LoadError, PrivateKeyDer, SigningKey, TrustStore,
    load_certificates, load_private_key,
};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, PKCS_ECDSA_P256_SHA256,
};
use rustls_pki_types::pem::{PemObject, SectionKind};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn key_file(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn key_pem(name: &str) -> String {
    String::from_utf8(key_file(name)).unwrap()
}

/// An end-entity certificate for `key`, self-signed.
fn leaf_for(key: &KeyPair) -> CertificateDer<'static> {
    let params = CertificateParams::new(vec!["leaf.example".to_owned()]).unwrap();
    params.self_signed(key).unwrap().der().clone()
}

fn ca_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
}

/// A CA with its key, and a leaf it issued with the leaf's key.
struct Pki {
    ca: CertificateDer<'static>,
    ca_key: KeyPair,
    leaf: CertificateDer<'static>,
    leaf_key: KeyPair,
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let ca_params = ca_params("keel loading test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap().der().clone();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["leaf.example".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &Issuer::new(ca_params, &ca_key))
        .unwrap()
        .der()
        .clone();
    Pki {
        ca,
        ca_key,
        leaf,
        leaf_key,
    }
}

fn der_key(key: &KeyPair) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(key.serialize_der().into())
}

fn pem(label: &str, der: &[u8]) -> String {
    // A small base64 encoder, so the tests need no extra dependency.
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut body = String::new();
    for chunk in der.chunks(3) {
        let bytes = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from_be_bytes([0, bytes[0], bytes[1], bytes[2]]);
        for i in 0..4 {
            if i <= chunk.len() {
                body.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                body.push('=');
            }
        }
    }
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|line| std::str::from_utf8(line).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// Deterministic bytes that are neither PEM nor DER.
fn noise(len: usize) -> Vec<u8> {
    let mut state: u32 = 0x1234_5678;
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 24) as u8
        })
        .collect()
}

fn assert_message(error: &LoadError, phrases: &[&str]) {
    let text = error.to_string();
    for phrase in phrases {
        assert!(text.contains(phrase), "{text:?} should contain {phrase:?}");
    }
}

// ---------------------------------------------------------------------------
// Certified keys: the mistakes
// ---------------------------------------------------------------------------

#[test]
fn key_that_does_not_match_the_certificate_is_refused() {
    let pki = pki();
    let other = KeyPair::generate().unwrap();
    let error = CertifiedKey::new(vec![pki.leaf, pki.ca], &der_key(&other)).unwrap_err();
    assert!(
        matches!(error, LoadError::KeyDoesNotMatchCertificate),
        "{error:?}"
    );
    assert_message(
        &error,
        &["private key does not match the certificate's public key"],
    );
}

#[test]
fn key_of_the_same_type_on_another_curve_does_not_match() {
    let leaf = leaf_for(&KeyPair::from_pem(&key_pem("p256.pkcs8.pem")).unwrap());
    let key = load_private_key(&key_file("p384.pkcs8.pem")).unwrap();
    let error = CertifiedKey::new(vec![leaf], &key).unwrap_err();
    assert!(
        matches!(error, LoadError::KeyDoesNotMatchCertificate),
        "{error:?}"
    );
}

#[test]
fn chain_in_the_wrong_order_names_the_certificate_the_key_belongs_to() {
    let pki = pki();
    let error = CertifiedKey::new(vec![pki.ca, pki.leaf], &der_key(&pki.leaf_key)).unwrap_err();
    assert!(
        matches!(error, LoadError::ChainOutOfOrder { index: 1 }),
        "{error:?}"
    );
    assert_message(
        &error,
        &["certificate 1", "not the first", "must start with the leaf"],
    );
}

#[test]
fn empty_chain_is_refused() {
    let key = der_key(&KeyPair::generate().unwrap());
    let error = CertifiedKey::new(Vec::new(), &key).unwrap_err();
    assert!(matches!(error, LoadError::NoCertificates), "{error:?}");
    assert_message(&error, &["no certificate"]);
}

#[test]
fn ca_certificate_as_leaf_is_refused() {
    let pki = pki();
    let error = CertifiedKey::new(vec![pki.ca], &der_key(&pki.ca_key)).unwrap_err();
    assert!(matches!(error, LoadError::LeafIsCa), "{error:?}");
    assert_message(
        &error,
        &["leaf certificate is a CA certificate", "CA:FALSE"],
    );
}

#[test]
fn second_end_entity_certificate_in_the_chain_is_refused() {
    let pki = pki();
    let stranger = leaf_for(&KeyPair::generate().unwrap());
    let error = CertifiedKey::new(
        vec![pki.leaf.clone(), stranger, pki.ca],
        &der_key(&pki.leaf_key),
    )
    .unwrap_err();
    assert!(
        matches!(error, LoadError::MoreThanOneLeaf { index: 1 }),
        "{error:?}"
    );
    assert_message(&error, &["certificate 1", "exactly one leaf"]);

    // The same leaf twice is the same mistake.
    let error =
        CertifiedKey::new(vec![pki.leaf.clone(), pki.leaf], &der_key(&pki.leaf_key)).unwrap_err();
    assert!(
        matches!(error, LoadError::MoreThanOneLeaf { index: 1 }),
        "{error:?}"
    );
}

#[test]
fn unparsable_certificate_in_a_chain_is_named_by_position() {
    let pki = pki();
    let error = CertifiedKey::new(
        vec![pki.leaf, CertificateDer::from(noise(200))],
        &der_key(&pki.leaf_key),
    )
    .unwrap_err();
    assert!(
        matches!(error, LoadError::InvalidCertificate { index: 1, .. }),
        "{error:?}"
    );
    assert_message(&error, &["certificate 1", "cannot be parsed"]);
}

// ---------------------------------------------------------------------------
// Private keys: the mistakes
// ---------------------------------------------------------------------------

#[test]
fn encrypted_pkcs8_pem_key_is_refused() {
    let error = load_private_key(&key_file("p256.encrypted.pem")).unwrap_err();
    assert!(matches!(error, LoadError::EncryptedPrivateKey), "{error:?}");
    assert_message(
        &error,
        &["encrypted", "keel does not decrypt keys", "openssl pkey"],
    );
}

#[test]
fn encrypted_pkcs8_der_key_is_refused() {
    let error = load_private_key(&key_file("p256.encrypted.der")).unwrap_err();
    assert!(matches!(error, LoadError::EncryptedPrivateKey), "{error:?}");
}

#[test]
fn legacy_encrypted_pem_key_is_refused() {
    // "-----BEGIN EC PRIVATE KEY-----" with "Proc-Type: 4,ENCRYPTED".
    let error = load_private_key(&key_file("p256.legacy-encrypted.pem")).unwrap_err();
    assert!(matches!(error, LoadError::EncryptedPrivateKey), "{error:?}");
}

#[test]
fn two_private_keys_are_refused() {
    let mut input = key_file("p256.sec1.pem");
    input.extend(key_file("ed25519.pkcs8.pem"));
    let error = load_private_key(&input).unwrap_err();
    assert!(
        matches!(error, LoadError::MultiplePrivateKeys { count: 2 }),
        "{error:?}"
    );
    assert_message(&error, &["2 private keys", "exactly one"]);
}

#[test]
fn pem_without_a_private_key_is_refused() {
    let pki = pki();
    let error = load_private_key(pem("CERTIFICATE", &pki.leaf).as_bytes()).unwrap_err();
    assert!(matches!(error, LoadError::NoPrivateKey), "{error:?}");
    assert_message(&error, &["no private key found", "PRIVATE KEY"]);

    let error = load_private_key(b"").unwrap_err();
    assert!(matches!(error, LoadError::NoPrivateKey), "{error:?}");
}

#[test]
fn rsa_1024_key_is_refused() {
    let error = load_private_key(&key_file("rsa1024.pkcs1.pem")).unwrap_err();
    assert!(matches!(error, LoadError::KeyRejected { .. }), "{error:?}");
    assert_message(&error, &["rejected", "smaller than 2048 bits"]);
}

#[test]
fn unsupported_key_types_are_refused_by_name() {
    for (file, kind) in [
        ("ed448.pkcs8.pem", "Ed448"),
        ("dsa.pkcs8.pem", "DSA"),
        ("p521.sec1.pem", "P-521"),
    ] {
        let error = load_private_key(&key_file(file)).unwrap_err();
        match &error {
            LoadError::UnsupportedKeyType { kind: found } => {
                assert!(found.to_string().contains(kind), "{file}: {found}");
            }
            other => panic!("{file}: {other:?}"),
        }
        assert_message(
            &error,
            &["unsupported private key type", kind, "keel signs with"],
        );
    }
}

#[test]
fn unknown_private_key_pem_label_is_an_unsupported_key_type() {
    let input = pem("OPENSSH PRIVATE KEY", &noise(64));
    let error = load_private_key(input.as_bytes()).unwrap_err();
    match error {
        LoadError::UnsupportedKeyType { kind } => assert_eq!(
            kind,
            keel_pki::UnsupportedKey::PemLabel {
                label: "OPENSSH PRIVATE KEY".to_owned()
            }
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn der_keys_load_or_are_refused_exactly_as_their_pem() {
    // DER is routed by rustls-pki-types; the refusals must stay as precise
    // as for PEM, whose label names the form.
    for file in [
        "rsa2048.pkcs1.pem",
        "rsa2048.pkcs8.pem",
        "rsa1024.pkcs1.pem",
        "p256.sec1.pem",
        "p256.pkcs8.pem",
        "p384.sec1.pem",
        "p521.sec1.pem",
        "ed25519.pkcs8.pem",
        "ed448.pkcs8.pem",
        "dsa.pkcs8.pem",
    ] {
        let pem = key_file(file);
        let (_, der) = <(SectionKind, Vec<u8>)>::from_pem_slice(&pem).unwrap();
        match (load_private_key(&pem), load_private_key(&der)) {
            (Ok(from_pem), Ok(from_der)) => assert_eq!(from_pem, from_der, "{file}"),
            (Err(from_pem), Err(from_der)) => {
                assert_eq!(from_pem.to_string(), from_der.to_string(), "{file}");
            }
            (from_pem, from_der) => panic!("{file}: PEM {from_pem:?}, DER {from_der:?}"),
        }
    }
}

#[test]
fn a_truncated_der_key_is_not_a_private_key() {
    // Its first bytes name a form; the rest is missing.
    for file in ["rsa2048.pkcs1.der", "p256.sec1.der", "p256.pkcs8.der"] {
        let der = key_file(file);
        let error = load_private_key(&der[..der.len() / 2]).unwrap_err();
        assert!(
            matches!(error, LoadError::NotAPrivateKey),
            "{file}: {error:?}"
        );
    }
}

#[test]
fn garbage_is_not_a_private_key() {
    let error = load_private_key(&noise(300)).unwrap_err();
    assert!(matches!(error, LoadError::NotAPrivateKey), "{error:?}");
    assert_message(&error, &["not a private key", "PKCS#8, SEC1 or PKCS#1"]);

    // A certificate is DER, but not a key.
    let error = load_private_key(&pki().leaf).unwrap_err();
    assert!(matches!(error, LoadError::NotAPrivateKey), "{error:?}");
}

// ---------------------------------------------------------------------------
// Certificates and PEM: the mistakes
// ---------------------------------------------------------------------------

#[test]
fn random_bytes_are_not_a_certificate() {
    let error = load_certificates(&noise(500)).unwrap_err();
    assert!(
        matches!(error, LoadError::InvalidCertificate { index: 0, .. }),
        "{error:?}"
    );
    assert_message(&error, &["certificate 0", "cannot be parsed"]);
}

#[test]
fn input_without_certificates_is_refused() {
    for input in [&b""[..], b"  \n", key_file("p256.sec1.pem").as_slice()] {
        let error = load_certificates(input).unwrap_err();
        assert!(matches!(error, LoadError::NoCertificates), "{error:?}");
        assert_message(&error, &["no certificate found"]);
    }
}

#[test]
fn truncated_pem_names_the_unfinished_block() {
    let pki = pki();
    let mut input = pem("CERTIFICATE", &pki.ca);
    let full = pem("CERTIFICATE", &pki.leaf);
    input.push_str(&full[..full.len() / 2]);
    let error = load_certificates(input.as_bytes()).unwrap_err();
    let first_block_lines = pem("CERTIFICATE", &pki.ca).lines().count();
    match &error {
        LoadError::InvalidPem { line, .. } => assert_eq!(*line, first_block_lines + 1),
        other => panic!("{other:?}"),
    }
    assert_message(&error, &["invalid PEM at line", "no END line"]);
}

#[test]
fn pem_with_bad_base64_is_refused() {
    let pki = pki();
    let good = pem("CERTIFICATE", &pki.leaf);
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    lines[1].replace_range(0..1, "*");
    let bad = lines.join("\n");
    let error = load_certificates(bad.as_bytes()).unwrap_err();
    assert!(
        matches!(error, LoadError::InvalidPem { line: 1, .. }),
        "{error:?}"
    );
    assert_message(&error, &["line 1", "base64"]);
}

#[test]
fn pem_with_mismatched_end_line_is_refused() {
    let input = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END PRIVATE KEY-----\n";
    let error = load_certificates(input.as_bytes()).unwrap_err();
    assert!(
        matches!(error, LoadError::InvalidPem { line: 3, .. }),
        "{error:?}"
    );
}

#[test]
fn pem_block_holding_garbage_is_named_by_position() {
    let pki = pki();
    let input = format!(
        "{}{}",
        pem("CERTIFICATE", &pki.ca),
        pem("CERTIFICATE", &noise(100))
    );
    let error = load_certificates(input.as_bytes()).unwrap_err();
    assert!(
        matches!(error, LoadError::InvalidCertificate { index: 1, .. }),
        "{error:?}"
    );
}

// ---------------------------------------------------------------------------
// Trust stores: the mistakes
// ---------------------------------------------------------------------------

#[test]
fn private_key_in_trust_store_pem_is_refused() {
    let pki = pki();
    let ca = pem("CERTIFICATE", &pki.ca);
    let input = format!("{ca}{}", pki.ca_key.serialize_pem());
    let error = TrustStore::from_pem(input.as_bytes()).unwrap_err();
    let key_line = ca.lines().count() + 1;
    match &error {
        LoadError::PrivateKeyInTrustStore { line } => assert_eq!(*line, key_line),
        other => panic!("{other:?}"),
    }
    assert_message(&error, &["holds a private key", "CA certificates only"]);

    // An encrypted key, a legacy RSA key: any private key is refused.
    let input = format!("{ca}{}", key_pem("p256.encrypted.pem"));
    let error = TrustStore::from_pem(input.as_bytes()).unwrap_err();
    assert!(
        matches!(error, LoadError::PrivateKeyInTrustStore { .. }),
        "{error:?}"
    );
    let mut store = TrustStore::from_pem(ca.as_bytes()).unwrap();
    let error = store.add_pem(&key_file("rsa2048.pkcs1.pem")).unwrap_err();
    assert!(
        matches!(error, LoadError::PrivateKeyInTrustStore { line: 1 }),
        "{error:?}"
    );
    assert_eq!(store.len(), 1, "a refused input adds nothing");
}

#[test]
fn empty_trust_store_is_refused() {
    let error = TrustStore::from_der_certificates(Vec::new()).unwrap_err();
    assert!(matches!(error, LoadError::EmptyTrustStore), "{error:?}");
    assert_message(&error, &["trust store would be empty"]);

    let error = TrustStore::from_pem(b"just some text, no PEM\n").unwrap_err();
    assert!(
        matches!(error, LoadError::InvalidCertificate { .. }),
        "{error:?}"
    );
    let error = TrustStore::from_pem(b"-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n")
        .unwrap_err();
    assert!(matches!(error, LoadError::EmptyTrustStore), "{error:?}");
}

#[test]
fn unparsable_trust_anchor_is_named_by_position() {
    let pki = pki();
    let error = TrustStore::from_der_certificates(vec![pki.ca, CertificateDer::from(noise(50))])
        .unwrap_err();
    assert!(
        matches!(error, LoadError::InvalidCertificate { index: 1, .. }),
        "{error:?}"
    );
}

// ---------------------------------------------------------------------------
// What loads
// ---------------------------------------------------------------------------

#[test]
fn every_encoding_of_every_supported_key_loads() {
    // (file, expected encoding, key type)
    let cases = [
        ("rsa2048.pkcs1.pem", "pkcs1", "RSA"),
        ("rsa2048.pkcs8.pem", "pkcs8", "RSA"),
        ("rsa2048.pkcs1.der", "pkcs1", "RSA"),
        ("rsa2048.pkcs8.der", "pkcs8", "RSA"),
        ("p256.sec1.pem", "sec1", "ECDSA P-256"),
        ("p256.pkcs8.pem", "pkcs8", "ECDSA P-256"),
        ("p256.sec1.der", "sec1", "ECDSA P-256"),
        ("p256.pkcs8.der", "pkcs8", "ECDSA P-256"),
        ("p384.sec1.pem", "sec1", "ECDSA P-384"),
        ("p384.pkcs8.pem", "pkcs8", "ECDSA P-384"),
        ("ed25519.pkcs8.pem", "pkcs8", "Ed25519"),
        ("ed25519.pkcs8.der", "pkcs8", "Ed25519"),
    ];
    for (file, encoding, algorithm) in cases {
        let key = load_private_key(&key_file(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let found = match &key {
            PrivateKeyDer::Pkcs1(_) => "pkcs1",
            PrivateKeyDer::Sec1(_) => "sec1",
            PrivateKeyDer::Pkcs8(_) => "pkcs8",
            _ => "other",
        };
        assert_eq!(found, encoding, "{file}");
        let signing = SigningKey::from_der(&key).unwrap();
        assert_eq!(signing.algorithm_name(), algorithm, "{file}");
    }
}

#[test]
fn every_supported_key_pairs_with_its_certificate() {
    // rcgen makes the certificate from the PKCS#8 form; keel gets the key in
    // each other form too.
    let cases: &[(&str, &[&str])] = &[
        (
            "rsa2048.pkcs8.pem",
            &[
                "rsa2048.pkcs1.pem",
                "rsa2048.pkcs1.der",
                "rsa2048.pkcs8.der",
            ],
        ),
        (
            "p256.pkcs8.pem",
            &["p256.sec1.pem", "p256.sec1.der", "p256.pkcs8.der"],
        ),
        ("p384.pkcs8.pem", &["p384.sec1.pem"]),
        ("ed25519.pkcs8.pem", &["ed25519.pkcs8.der"]),
    ];
    for (pkcs8, others) in cases {
        let leaf = leaf_for(&KeyPair::from_pem(&key_pem(pkcs8)).unwrap());
        for file in std::iter::once(pkcs8).chain(others.iter()) {
            let key = load_private_key(&key_file(file)).unwrap();
            let certified = CertifiedKey::new(vec![leaf.clone()], &key)
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(certified.leaf(), &leaf);
            assert_eq!(certified.chain(), std::slice::from_ref(&leaf));
        }
    }
}

#[test]
fn chain_with_issuers_is_accepted_in_order() {
    let pki = pki();
    let certified = CertifiedKey::new(
        vec![pki.leaf.clone(), pki.ca.clone()],
        &der_key(&pki.leaf_key),
    )
    .unwrap();
    assert_eq!(certified.chain(), &[pki.leaf.clone(), pki.ca]);
    assert_eq!(certified.leaf(), &pki.leaf);
    assert_eq!(certified.key().algorithm_name(), "ECDSA P-256");
}

#[test]
fn certificate_and_key_may_share_one_pem_file() {
    let pki = pki();
    let combined = format!(
        "{}{}{}",
        pem("CERTIFICATE", &pki.leaf),
        pki.leaf_key.serialize_pem(),
        pem("CERTIFICATE", &pki.ca)
    );
    let certified = CertifiedKey::from_pem(combined.as_bytes(), combined.as_bytes()).unwrap();
    assert_eq!(certified.chain(), &[pki.leaf, pki.ca]);
}

#[test]
fn pem_with_crlf_line_ends_and_surrounding_text_loads() {
    let pki = pki();
    let text = format!(
        "subject=CN=keel loading test CA\n{}Some trailing words.\n",
        pem("CERTIFICATE", &pki.ca)
    )
    .replace('\n', "\r\n");
    assert_eq!(
        load_certificates(text.as_bytes()).unwrap(),
        vec![pki.ca.clone()]
    );
    // A DER certificate loads as itself.
    assert_eq!(load_certificates(&pki.ca).unwrap(), vec![pki.ca]);
}

#[test]
fn certificates_load_in_order_and_other_blocks_are_skipped() {
    let pki = pki();
    let input = format!(
        "{}{}{}",
        pem("CERTIFICATE", &pki.leaf),
        pki.leaf_key.serialize_pem(),
        pem("CERTIFICATE", &pki.ca)
    );
    assert_eq!(
        load_certificates(input.as_bytes()).unwrap(),
        vec![pki.leaf, pki.ca]
    );
}

#[test]
fn trust_store_from_pem_der_and_roots() {
    let first = pki();
    let second = pki();
    let input = format!(
        "{}{}",
        pem("CERTIFICATE", &first.ca),
        pem("CERTIFICATE", &second.ca)
    );
    let mut store = TrustStore::from_pem(input.as_bytes()).unwrap();
    assert_eq!(store.len(), 2);
    assert!(!store.is_empty());

    // Adding a root that is already there changes nothing.
    assert_eq!(
        store
            .add_pem(pem("CERTIFICATE", &first.ca).as_bytes())
            .unwrap(),
        0
    );
    store.add_der(second.ca.clone()).unwrap();
    assert_eq!(store.len(), 2);
    store.add_der(pki().ca).unwrap();
    assert_eq!(store.len(), 3);

    let store = TrustStore::from_der_certificates(vec![first.ca, second.ca]).unwrap();
    assert_eq!(store.len(), 2);

    let roots = TrustStore::webpki_roots();
    assert!(roots.len() > 100, "{}", roots.len());
    // Debug prints counts, not a hundred certificates.
    let debug = format!("{roots:?}");
    assert!(debug.len() < 100, "{debug}");
    assert!(debug.contains(&roots.len().to_string()), "{debug}");
}

#[test]
fn signing_key_debug_shows_no_key_material() {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let signing = SigningKey::from_der(&der_key(&key)).unwrap();
    let debug = format!("{signing:?}");
    assert!(debug.contains("ECDSA P-256"), "{debug}");
    assert!(debug.len() < 80, "{debug}");
}

#[test]
fn file_conveniences_read_files_and_name_unreadable_ones() {
    let dir = format!("{}/tests/data/keys", env!("CARGO_MANIFEST_DIR"));
    let key = keel_pki::load_private_key_file(format!("{dir}/p256.sec1.pem")).unwrap();
    assert!(matches!(key, PrivateKeyDer::Sec1(_)));

    let missing = format!("{dir}/no-such-file.pem");
    let error = keel_pki::load_certificates_file(&missing).unwrap_err();
    match &error {
        LoadError::Io { path, source } => {
            assert_eq!(path, std::path::Path::new(&missing));
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("{other:?}"),
    }
    assert_message(&error, &["cannot read", "no-such-file.pem"]);
    let error = keel_pki::load_private_key_file(&missing).unwrap_err();
    assert!(matches!(error, LoadError::Io { .. }), "{error:?}");
}

#[test]
fn a_certified_key_lists_its_leafs_dns_names() {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = CertificateParams::new(vec![
        "Www.Example.com.".to_owned(),
        "*.example.org".to_owned(),
    ])
    .unwrap();
    params.subject_alt_names.push(rcgen::SanType::IpAddress(
        std::net::Ipv4Addr::LOCALHOST.into(),
    ));
    let leaf = params.self_signed(&key).unwrap().der().clone();
    let certified = CertifiedKey::new(vec![leaf], &der_key(&key)).unwrap();
    // Lowercase, no trailing dot, DNS names only.
    assert_eq!(
        certified.dns_names(),
        vec!["www.example.com".to_owned(), "*.example.org".to_owned()]
    );
    // A leaf without subjectAltName has none.
    let bare = CertificateParams::new(Vec::<String>::new())
        .unwrap()
        .self_signed(&key)
        .unwrap()
        .der()
        .clone();
    let certified = CertifiedKey::new(vec![bare], &der_key(&key)).unwrap();
    assert!(certified.dns_names().is_empty());
}
