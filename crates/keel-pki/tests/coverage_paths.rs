//! Paths of the public API the other suites leave out: scheme preferences
//! on a certified key, keys read from unusual encodings, keys that match
//! no certificate, long root names, client-side hooks, validation without
//! a name, and ECDSA with SHA-512.

// A panic in a test is a failed test, so tests may unwrap, expect and index.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
mod cov_der;

use std::process::Command;
use std::sync::Arc;

use common::{Ca, now};
use cov_der::{content, elements, oid, seq, tlv, with_spki};
use keel_pki::{
    CertError, CertificateCheck, CertificateDer, CertifiedKey, ClientAuth, ClientCertVerifier,
    LoadError, PolicyRejection, PrivateKeyDer, ServerCertVerifier, ServerName, SigningKey,
    TrustStore, UnixTime, VerifiedChain, load_certificates, load_private_key, verify_signature,
};
use keel_wire::registry::{AlertDescription, NamedGroup, SignatureScheme as S};
use rcgen::{CertificateParams, KeyPair, SanType};

fn data(path: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn keel_example() -> ServerName {
    ServerName::parse("keel.example").unwrap()
}

/// A self-signed end-entity certificate for `key`, with its key in DER.
fn self_signed(key: &KeyPair) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let certificate = CertificateParams::new(vec!["leaf.example".to_owned()])
        .unwrap()
        .self_signed(key)
        .unwrap()
        .der()
        .clone();
    (
        certificate,
        PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    )
}

// ---------------------------------------------------------------------------
// Certified keys and signing keys
// ---------------------------------------------------------------------------

#[test]
fn a_certified_key_signs_only_with_the_schemes_it_is_restricted_to() {
    let (certificate, key) = self_signed(&KeyPair::generate().unwrap());
    let certified = CertifiedKey::new(vec![certificate], &key).unwrap();
    let restricted = certified
        .clone()
        .with_signature_schemes(&[S::ED25519, S::ECDSA_SECP256R1_SHA256])
        .unwrap();
    assert_eq!(restricted.key().schemes(), &[S::ECDSA_SECP256R1_SHA256]);
    assert_eq!(restricted.chain(), certified.chain());
    // None of them fits a P-256 key.
    assert!(
        certified
            .with_signature_schemes(&[S::RSA_PKCS1_SHA256, S::ED25519])
            .is_none()
    );
}

#[test]
fn a_key_that_matches_no_certificate_of_a_kind_keel_reads_does_not_match() {
    // A P-521 leaf (a key type keel does not sign with) and a P-256 key.
    let (p521, _) = self_signed(&KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap());
    let (_, p256_key) = self_signed(&KeyPair::generate().unwrap());
    let error = CertifiedKey::new(vec![p521], &p256_key).unwrap_err();
    assert!(
        matches!(error, LoadError::KeyDoesNotMatchCertificate),
        "{error:?}"
    );

    // An rsaEncryption leaf whose key bits are not an RSAPublicKey, and a
    // good RSA key.
    let ca = Ca::root("keel root");
    let spki = seq(&[
        &seq(&[&oid("1.2.840.113549.1.1.1"), &[0x05, 0x00]]),
        &tlv(0x03, &[0x00, 0x05, 0x00]),
    ]);
    let broken = with_spki(&ca.leaf(&["keel.example"]), &spki, &ca.key);
    let rsa_key = load_private_key(&data("keys/rsa2048.pkcs8.der")).unwrap();
    let error = CertifiedKey::new(vec![broken], &rsa_key).unwrap_err();
    assert!(
        matches!(error, LoadError::KeyDoesNotMatchCertificate),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("private key does not match the certificate's public key")
    );
}

#[test]
fn key_sizes_are_reported_in_bits() {
    let rsa =
        SigningKey::from_der(&load_private_key(&data("keys/rsa2048.pkcs8.der")).unwrap()).unwrap();
    assert_eq!(rsa.key_bits(), 2048);
    assert!(format!("{rsa:?}").contains("bits: 2048"));
    let p384 =
        SigningKey::from_der(&load_private_key(&data("keys/p384.pkcs8.pem")).unwrap()).unwrap();
    assert_eq!(p384.key_bits(), 384);
}

/// `keys/p384.sec1.pem` without its optional curve parameters.
fn p384_sec1_without_curve() -> Vec<u8> {
    let PrivateKeyDer::Sec1(sec1) = load_private_key(&data("keys/p384.sec1.pem")).unwrap() else {
        panic!("not SEC1");
    };
    let parts: Vec<Vec<u8>> = elements(&content(sec1.secret_sec1_der()))
        .into_iter()
        .filter(|element| element[0] != 0xa0)
        .collect();
    tlv(0x30, &parts.concat())
}

#[test]
fn a_sec1_key_that_names_no_curve_is_read_on_the_curve_it_fits() {
    let der = p384_sec1_without_curve();
    let key = SigningKey::from_der(&PrivateKeyDer::Sec1(der.clone().into())).unwrap();
    assert_eq!(key.algorithm_name(), "ECDSA P-384");
    assert_eq!(key.key_bits(), 384);
    assert_eq!(key.ecdsa_group(), Some(NamedGroup::SECP384R1));
    // It is the key of the interop certificate made from the same file.
    let certificate = load_certificates(&data("signatures/p384.cert.pem"))
        .unwrap()
        .remove(0);
    let message = b"signed by a key without curve parameters";
    let signature = key.sign(S::ECDSA_SECP384R1_SHA384, message).unwrap();
    verify_signature(&certificate, S::ECDSA_SECP384R1_SHA384, message, &signature).unwrap();
    // load_private_key reads the same DER the same way.
    assert!(matches!(
        load_private_key(&der).unwrap(),
        PrivateKeyDer::Sec1(_)
    ));
}

#[test]
fn a_sec1_key_whose_curve_parameter_is_not_one_oid_is_refused() {
    // [0] holding the P-384 OID and then a NULL.
    let der = p384_sec1_without_curve();
    let mut parts = elements(&content(&der));
    parts.insert(
        2,
        tlv(0xa0, &[oid("1.3.132.0.34"), vec![0x05, 0x00]].concat()),
    );
    let der = tlv(0x30, &parts.concat());
    let error = SigningKey::from_der(&PrivateKeyDer::Sec1(der.into())).unwrap_err();
    assert!(matches!(error, LoadError::KeyRejected { .. }), "{error:?}");
}

#[test]
fn typed_keys_whose_bytes_are_another_form_are_refused() {
    // An encrypted PKCS#8 document handed over as a PKCS#8 key.
    let encrypted = data("keys/p256.encrypted.der");
    let error = SigningKey::from_der(&PrivateKeyDer::Pkcs8(encrypted.into())).unwrap_err();
    assert!(matches!(error, LoadError::EncryptedPrivateKey), "{error:?}");
    assert!(error.to_string().contains("keel does not decrypt keys"));

    // A PKCS#8 key handed over as SEC1.
    let pkcs8 = data("keys/p256.pkcs8.der");
    let error = SigningKey::from_der(&PrivateKeyDer::Sec1(pkcs8.into())).unwrap_err();
    assert!(matches!(error, LoadError::NotAPrivateKey), "{error:?}");

    // A SEQUENCE that is not a OneAsymmetricKey, handed over as PKCS#8.
    let other = seq(&[&tlv(0x04, &[1, 2, 3])]);
    let error = SigningKey::from_der(&PrivateKeyDer::Pkcs8(other.into())).unwrap_err();
    assert!(matches!(error, LoadError::NotAPrivateKey), "{error:?}");
    assert_eq!(
        error.to_string(),
        "the input is not a private key in PKCS#8, SEC1 or PKCS#1 DER form"
    );
}

// ---------------------------------------------------------------------------
// Trust stores
// ---------------------------------------------------------------------------

#[test]
fn a_long_root_name_is_listed_whole_for_certificate_requests() {
    let long = format!("keel root {}", "with a long name ".repeat(8));
    let root = Ca::root(&long);
    let store = root.store();
    let subject_names = store.subject_names();
    let name = &subject_names[0];
    // DER long form: 0x81 and one length byte.
    assert_eq!(name[0], 0x30);
    assert_eq!(name[1], 0x81);
    assert_eq!(usize::from(name[2]), name.len() - 3);
    // It is the root's subject as the certificate encodes it.
    assert!(
        root.der
            .windows(name.len())
            .any(|window| window == &name[..])
    );
    let verifier = ClientCertVerifier::new(store, ClientAuth::Required);
    assert_eq!(verifier.root_subject_names(), subject_names);
}

// ---------------------------------------------------------------------------
// Verifiers
// ---------------------------------------------------------------------------

#[derive(Debug)]
struct Refuse(PolicyRejection);

impl CertificateCheck for Refuse {
    fn check(&self, chain: &VerifiedChain) -> Result<(), PolicyRejection> {
        assert!(chain.leaf().is_some());
        Err(self.0.clone())
    }
}

#[test]
fn a_client_verifier_runs_its_hooks_after_the_built_in_checks() {
    let ca = Ca::root("keel root");
    let leaf = ca.leaf_with(&["client.example"], |params| {
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    });
    let chain = [leaf];
    let verifier = ClientCertVerifier::new(ca.store(), ClientAuth::Required);
    assert!(verifier.verify(&chain, now()).unwrap().is_some());

    let error = verifier
        .clone()
        .with_check(Arc::new(Refuse(PolicyRejection::revoked("on the CRL"))))
        .verify(&chain, now())
        .unwrap_err();
    assert_eq!(
        error,
        CertError::Revoked {
            reason: "on the CRL".into()
        }
    );
    assert_eq!(error.alert(), AlertDescription::CERTIFICATE_REVOKED);

    let error = verifier
        .with_check(Arc::new(Refuse(PolicyRejection::new("not a known client"))))
        .verify(&chain, now())
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "certificate refused by policy: not a known client"
    );
}

#[test]
fn verifying_without_a_name_skips_the_name_and_nothing_else() {
    let ca = Ca::root("keel root");
    let verifier = ServerCertVerifier::new(ca.store());
    let leaf = ca.leaf(&["elsewhere.example"]);
    // Refused for keel.example, accepted with no name to check.
    assert!(matches!(
        verifier
            .verify(std::slice::from_ref(&leaf), &keel_example(), None, now())
            .unwrap_err(),
        CertError::HostnameMismatch { .. }
    ));
    let verified = verifier
        .verify_without_name(std::slice::from_ref(&leaf), Some(b"ocsp"), now())
        .unwrap();
    assert_eq!(verified.server_name, None);
    assert_eq!(verified.ocsp_response.as_deref(), Some(&b"ocsp"[..]));
    assert_eq!(verified.path_len, 2);
    // A leaf from another root is still refused.
    let other = Ca::root("another root");
    assert_eq!(
        verifier
            .verify_without_name(&[other.leaf(&["keel.example"])], None, now())
            .unwrap_err(),
        CertError::UnknownIssuer
    );
}

#[test]
fn a_verifiers_debug_counts_the_leaves_it_remembers() {
    let ca = Ca::root("keel root");
    let verifier = ServerCertVerifier::new(ca.store());
    assert!(format!("{verifier:?}").contains("LeafCache { entries: 0 }"));
    verifier
        .verify(&[ca.leaf(&["keel.example"])], &keel_example(), None, now())
        .unwrap();
    let shown = format!("{verifier:?}");
    assert!(shown.contains("LeafCache { entries: 1 }"), "{shown}");
    // Counts, never certificate bytes.
    assert!(!shown.contains("CertificateDer"), "{shown}");
}

#[test]
fn a_name_mismatch_lists_only_the_names_a_host_can_have() {
    let ca = Ca::root("keel root");
    let leaf = ca.leaf_with(&["other.example"], |params| {
        params
            .subject_alt_names
            .push(SanType::URI("https://keel.example/".try_into().unwrap()));
        params.subject_alt_names.push(SanType::Rfc822Name(
            "admin@keel.example".try_into().unwrap(),
        ));
        params
            .subject_alt_names
            .push(SanType::IpAddress("2001:db8::1".parse().unwrap()));
    });
    let error = ServerCertVerifier::new(ca.store())
        .verify(&[leaf], &keel_example(), None, now())
        .unwrap_err();
    assert_eq!(
        error,
        CertError::HostnameMismatch {
            expected: "keel.example".into(),
            presented: vec!["other.example".into(), "2001:db8::1".into()],
        }
    );
    assert_eq!(
        error.to_string(),
        "certificate is not valid for keel.example; it is valid for other.example, 2001:db8::1"
    );
}

#[test]
fn server_names_parse_from_str() {
    let name: ServerName = "Keel.Example.".parse().unwrap();
    assert_eq!(name.to_string(), "keel.example");
    assert_eq!(name.sni(), Some("keel.example"));
    let error = "keel..example".parse::<ServerName>().unwrap_err();
    assert_eq!(
        error.to_string(),
        "\"keel..example\" is neither a valid DNS name nor an IP address"
    );
}

// ---------------------------------------------------------------------------
// ECDSA with SHA-512 (`ecdsa_secp521r1_sha512` names the hash in TLS 1.2)
// ---------------------------------------------------------------------------

#[test]
fn p256_and_p384_keys_verify_sha512_signatures_made_by_openssl() {
    // A real peer's signatures: without openssl the test fails, it does
    // not pass unseen (`cargo xtask prereq` installs it).
    Command::new("openssl")
        .arg("version")
        .output()
        .expect("openssl must be on the PATH for this test (cargo xtask prereq)");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cov-sha512-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let keys = format!("{}/tests/data/keys", env!("CARGO_MANIFEST_DIR"));
    let message_path = format!(
        "{}/tests/data/signatures/message.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    let message = data("signatures/message.txt");
    for curve in ["p256", "p384"] {
        let out = dir.join(format!("{curve}_ecdsa_sha512.sig"));
        let status = Command::new("openssl")
            .args(["dgst", "-sha512", "-sign"])
            .arg(format!("{keys}/{curve}.sec1.pem"))
            .arg("-out")
            .arg(&out)
            .arg(&message_path)
            .status()
            .unwrap();
        assert!(status.success());
        let signature = std::fs::read(&out).unwrap();
        let certificate = load_certificates(&data(&format!("signatures/{curve}.cert.pem")))
            .unwrap()
            .remove(0);
        verify_signature(
            &certificate,
            S::ECDSA_SECP521R1_SHA512,
            &message,
            &signature,
        )
        .unwrap_or_else(|e| panic!("{curve}: {e}"));
        // The same signature does not pass as a SHA-384 one.
        assert!(
            verify_signature(
                &certificate,
                S::ECDSA_SECP384R1_SHA384,
                &message,
                &signature
            )
            .is_err()
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------------------
// The compiled-in Mozilla roots
// ---------------------------------------------------------------------------

#[test]
fn a_real_chain_validates_against_the_mozilla_roots_which_carry_no_certificate() {
    // x509-limbo's `online::google.com`: a chain as google.com served it,
    // with the time it was collected at.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/x509-limbo/limbo.json"
    );
    let limbo: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let case = limbo["testcases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|case| case["id"] == "online::google.com")
        .unwrap();
    let pem = |value: &serde_json::Value| value.as_str().unwrap().as_bytes().to_vec();
    let mut chain = load_certificates(&pem(&case["peer_certificate"])).unwrap();
    for intermediate in case["untrusted_intermediates"].as_array().unwrap() {
        chain.extend(load_certificates(&pem(intermediate)).unwrap());
    }
    // 2026-02-02T08:36:39Z, the case's validation time.
    let at = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_770_021_399));
    let verifier = ServerCertVerifier::new(TrustStore::webpki_roots());
    let verified = verifier
        .verify(&chain, &ServerName::parse("google.com").unwrap(), None, at)
        .unwrap();
    assert_eq!(verified.path_len, 3);
    // The leaf's own checks still run: it is not valid for another name.
    assert!(matches!(
        verifier
            .verify(&chain, &keel_example(), None, at)
            .unwrap_err(),
        CertError::HostnameMismatch { .. }
    ));
}
