//! TLS 1.2 handshake signatures: keel signs with every scheme a key offers
//! and verifies them back, verifies OpenSSL's signatures (stored in
//! `tests/data/signatures/`, see its README), has its own signatures checked
//! by OpenSSL when `openssl` is on the PATH, and refuses what it must.

// A panic in a test is a failed test, so tests may unwrap, expect and index.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::PathBuf;
use std::process::Command;

use keel_pki::{
    CertificateDer, PeerKeys, SignError, SigningKey, load_certificates, supported_verify_schemes,
    verify_signature,
};
use keel_wire::registry::{AlertDescription, SignatureScheme as S};
use rcgen::{CertificateParams, KeyPair, PKCS_ECDSA_P521_SHA512};

const MESSAGE: &[u8] = b"client_random || server_random || ServerECDHParams, more or less";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn data(path: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// A key from `tests/data/keys/` and a self-signed certificate for it.
struct Signer {
    name: &'static str,
    key: SigningKey,
    certificate: CertificateDer<'static>,
}

fn signer(name: &'static str, pkcs8_file: &str) -> Signer {
    let (key, certificate) = common::key_and_leaf(pkcs8_file);
    Signer {
        name,
        key,
        certificate,
    }
}

fn signers() -> Vec<Signer> {
    vec![
        signer("rsa2048", "rsa2048.pkcs8.pem"),
        signer("p256", "p256.pkcs8.pem"),
        signer("p384", "p384.pkcs8.pem"),
        signer("ed25519", "ed25519.pkcs8.pem"),
    ]
}

fn interop_certificate(name: &str) -> CertificateDer<'static> {
    load_certificates(&data(&format!("signatures/{name}.cert.pem")))
        .unwrap()
        .remove(0)
}

// ---------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------

#[test]
fn every_advertised_scheme_signs_and_verifies() {
    for signer in signers() {
        assert!(!signer.key.schemes().is_empty(), "{}", signer.name);
        for &scheme in signer.key.schemes() {
            let signature = signer.key.sign(scheme, MESSAGE).unwrap();
            verify_signature(&signer.certificate, scheme, MESSAGE, &signature)
                .unwrap_or_else(|e| panic!("{} {scheme}: {e}", signer.name));
            assert!(
                supported_verify_schemes().contains(&scheme),
                "keel signs with {scheme} but would not accept it"
            );
        }
    }
}

#[test]
fn each_key_type_advertises_its_schemes() {
    let by_name: Vec<(&str, Vec<S>)> = signers()
        .into_iter()
        .map(|s| (s.name, s.key.schemes().to_vec()))
        .collect();
    assert_eq!(
        by_name,
        vec![
            (
                "rsa2048",
                vec![
                    S::RSA_PSS_RSAE_SHA512,
                    S::RSA_PSS_RSAE_SHA384,
                    S::RSA_PSS_RSAE_SHA256,
                    S::RSA_PKCS1_SHA512,
                    S::RSA_PKCS1_SHA384,
                    S::RSA_PKCS1_SHA256,
                ]
            ),
            // aws-lc-rs signs P-256 with SHA-256 and P-384 with SHA-384 only.
            ("p256", vec![S::ECDSA_SECP256R1_SHA256]),
            ("p384", vec![S::ECDSA_SECP384R1_SHA384]),
            ("ed25519", vec![S::ED25519]),
        ]
    );
}

#[test]
fn choose_scheme_follows_the_keys_preference_among_those_offered() {
    let rsa = signer("rsa2048", "rsa2048.pkcs8.pem").key;
    assert_eq!(
        rsa.choose_scheme(&[S::RSA_PKCS1_SHA256, S::RSA_PSS_RSAE_SHA256, S::ED25519]),
        Some(S::RSA_PSS_RSAE_SHA256)
    );
    assert_eq!(
        rsa.choose_scheme(&[S::RSA_PKCS1_SHA1, S::RSA_PKCS1_SHA256]),
        Some(S::RSA_PKCS1_SHA256)
    );
    assert_eq!(
        rsa.choose_scheme(&[S::ECDSA_SECP256R1_SHA256, S::RSA_PKCS1_SHA1]),
        None
    );
    assert_eq!(rsa.choose_scheme(&[]), None);

    let p384 = signer("p384", "p384.pkcs8.pem").key;
    assert_eq!(
        p384.choose_scheme(&[S::ECDSA_SECP256R1_SHA256, S::ECDSA_SECP384R1_SHA384]),
        Some(S::ECDSA_SECP384R1_SHA384)
    );
    assert_eq!(p384.choose_scheme(&[S::ECDSA_SECP256R1_SHA256]), None);
}

#[test]
fn a_scheme_preference_restricts_and_orders_what_the_key_signs_with() {
    let rsa = signer("rsa2048", "rsa2048.pkcs8.pem").key;
    // PKCS#1 first, no PSS; a scheme the key cannot use is ignored.
    let restricted = rsa
        .with_scheme_preference(&[
            S::ED25519,
            S::RSA_PKCS1_SHA256,
            S::RSA_PKCS1_SHA384,
            S::RSA_PKCS1_SHA256,
        ])
        .unwrap();
    assert_eq!(
        restricted.schemes(),
        [S::RSA_PKCS1_SHA256, S::RSA_PKCS1_SHA384]
    );
    assert_eq!(
        restricted.choose_scheme(&[
            S::RSA_PSS_RSAE_SHA256,
            S::RSA_PKCS1_SHA384,
            S::RSA_PKCS1_SHA256
        ]),
        Some(S::RSA_PKCS1_SHA256)
    );
    assert_eq!(restricted.choose_scheme(&[S::RSA_PSS_RSAE_SHA256]), None);
    assert!(
        restricted.sign(S::RSA_PSS_RSAE_SHA256, b"m").is_err(),
        "PSS was left out"
    );
    assert!(restricted.sign(S::RSA_PKCS1_SHA384, b"m").is_ok());
    // The original is untouched, and nothing usable means no key.
    assert_eq!(rsa.schemes().len(), 6);
    assert!(
        rsa.with_scheme_preference(&[S::ED25519, S::ECDSA_SECP256R1_SHA256])
            .is_none()
    );
}

#[test]
fn signing_with_a_scheme_the_key_does_not_offer_is_refused() {
    let p256 = signer("p256", "p256.pkcs8.pem").key;
    for scheme in [
        S::ECDSA_SECP384R1_SHA384,
        S::RSA_PKCS1_SHA256,
        S::ED25519,
        S::ECDSA_SHA1,
    ] {
        let error = p256.sign(scheme, MESSAGE).unwrap_err();
        assert_eq!(
            error,
            SignError::UnsupportedScheme {
                scheme,
                key: "ECDSA P-256"
            }
        );
        assert_eq!(error.alert(), AlertDescription::INTERNAL_ERROR);
        assert!(error.to_string().contains("cannot sign with"), "{error}");
    }
}

#[test]
fn signatures_are_fresh_but_ed25519_and_pkcs1_are_deterministic() {
    // ECDSA and PSS draw randomness inside aws-lc-rs; PKCS#1 v1.5 and
    // Ed25519 are deterministic by definition.
    let p256 = signer("p256", "p256.pkcs8.pem").key;
    let a = p256.sign(S::ECDSA_SECP256R1_SHA256, MESSAGE).unwrap();
    let b = p256.sign(S::ECDSA_SECP256R1_SHA256, MESSAGE).unwrap();
    assert_ne!(a, b);
    let rsa = signer("rsa2048", "rsa2048.pkcs8.pem").key;
    assert_ne!(
        rsa.sign(S::RSA_PSS_RSAE_SHA256, MESSAGE).unwrap(),
        rsa.sign(S::RSA_PSS_RSAE_SHA256, MESSAGE).unwrap()
    );
    assert_eq!(
        rsa.sign(S::RSA_PKCS1_SHA256, MESSAGE).unwrap(),
        rsa.sign(S::RSA_PKCS1_SHA256, MESSAGE).unwrap()
    );
}

// ---------------------------------------------------------------------------
// Verification refusals
// ---------------------------------------------------------------------------

#[test]
fn a_flipped_bit_fails_with_bad_signature() {
    for signer in signers() {
        for &scheme in signer.key.schemes() {
            let mut signature = signer.key.sign(scheme, MESSAGE).unwrap();
            let middle = signature.len() / 2;
            signature[middle] ^= 0x01;
            let error =
                verify_signature(&signer.certificate, scheme, MESSAGE, &signature).unwrap_err();
            assert_eq!(error, SignError::BadSignature { scheme }, "{}", signer.name);
            assert_eq!(error.alert(), AlertDescription::DECRYPT_ERROR);
        }
        // The signature is fine; the message changed.
        let scheme = signer.key.schemes()[0];
        let signature = signer.key.sign(scheme, MESSAGE).unwrap();
        let error = verify_signature(&signer.certificate, scheme, b"another message", &signature)
            .unwrap_err();
        assert_eq!(error, SignError::BadSignature { scheme });
    }
}

#[test]
fn a_scheme_for_another_key_type_is_refused() {
    let rsa = signer("rsa2048", "rsa2048.pkcs8.pem");
    let p256 = signer("p256", "p256.pkcs8.pem");
    let ed25519 = signer("ed25519", "ed25519.pkcs8.pem");
    let cases = [
        (&rsa, S::ED25519, "RSA"),
        (&rsa, S::ECDSA_SECP256R1_SHA256, "RSA"),
        (&p256, S::RSA_PKCS1_SHA256, "ECDSA P-256"),
        (&p256, S::RSA_PSS_RSAE_SHA256, "ECDSA P-256"),
        (&p256, S::ED25519, "ECDSA P-256"),
        (&ed25519, S::ECDSA_SECP256R1_SHA256, "Ed25519"),
        (&ed25519, S::RSA_PSS_RSAE_SHA512, "Ed25519"),
    ];
    for (signer, scheme, key) in cases {
        // A real signature by the right key, under a scheme that does not fit.
        let signature = signer.key.sign(signer.key.schemes()[0], MESSAGE).unwrap();
        let error = verify_signature(&signer.certificate, scheme, MESSAGE, &signature).unwrap_err();
        assert_eq!(error, SignError::SchemeDoesNotFitKey { scheme, key });
        assert_eq!(error.alert(), AlertDescription::ILLEGAL_PARAMETER);
        assert!(error.to_string().contains("cannot be used with"), "{error}");
    }
}

#[test]
fn sha1_md5_dsa_and_unknown_schemes_are_refused() {
    let rsa = signer("rsa2048", "rsa2048.pkcs8.pem");
    let signature = rsa.key.sign(S::RSA_PKCS1_SHA256, MESSAGE).unwrap();
    for scheme in [
        S::RSA_PKCS1_SHA1,
        S::ECDSA_SHA1,
        S::DSA_SHA1,
        S::RSA_MD5,
        S::ECDSA_MD5,
        S::RSA_SHA224,
        S::ECDSA_SHA224,
        S::DSA_SHA256,
        S::RSA_PSS_PSS_SHA256,
        S::ED448,
        S::RSA_PKCS1_SHA256_LEGACY,
        S::MLDSA65,
        S::new(0x1a1a),
    ] {
        assert!(!supported_verify_schemes().contains(&scheme), "{scheme}");
        let error = verify_signature(&rsa.certificate, scheme, MESSAGE, &signature).unwrap_err();
        assert_eq!(error, SignError::UnsupportedSignatureScheme { scheme });
        assert_eq!(error.alert(), AlertDescription::ILLEGAL_PARAMETER);
        assert!(error.to_string().contains("not accepted"), "{error}");
    }
}

#[test]
fn supported_verify_schemes_are_the_tls12_set_keel_accepts() {
    assert_eq!(
        supported_verify_schemes(),
        &[
            S::ECDSA_SECP256R1_SHA256,
            S::ECDSA_SECP384R1_SHA384,
            S::ECDSA_SECP521R1_SHA512,
            S::ED25519,
            S::RSA_PSS_RSAE_SHA256,
            S::RSA_PSS_RSAE_SHA384,
            S::RSA_PSS_RSAE_SHA512,
            S::RSA_PKCS1_SHA256,
            S::RSA_PKCS1_SHA384,
            S::RSA_PKCS1_SHA512,
        ]
    );
}

#[test]
fn peer_keys_keel_does_not_verify_with_are_bad_peer_keys() {
    // RSA below 2048 bits (a certificate OpenSSL made, since aws-lc-rs and
    // rcgen refuse such keys).
    let small = interop_certificate("rsa1024");
    let error = verify_signature(&small, S::RSA_PKCS1_SHA256, MESSAGE, &[0; 128]).unwrap_err();
    match &error {
        SignError::BadPeerKey { reason } => assert_eq!(
            *reason,
            keel_pki::PeerKeyProblem::RsaSize { bits: 1024 },
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(error.alert(), AlertDescription::BAD_CERTIFICATE);

    // ECDSA on P-521.
    let key = KeyPair::generate_for(&PKCS_ECDSA_P521_SHA512).unwrap();
    let p521 = CertificateParams::new(vec!["p521.example".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap()
        .der()
        .clone();
    let error = verify_signature(&p521, S::ECDSA_SECP521R1_SHA512, MESSAGE, &[0; 8]).unwrap_err();
    match &error {
        SignError::BadPeerKey { reason } => assert_eq!(
            *reason,
            keel_pki::PeerKeyProblem::Unsupported {
                key: keel_pki::UnsupportedKey::EcdsaP521
            },
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }

    // Not a certificate at all.
    let garbage = CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x00]);
    let error =
        verify_signature(&garbage, S::ECDSA_SECP256R1_SHA256, MESSAGE, &[0; 8]).unwrap_err();
    assert!(matches!(error, SignError::BadPeerKey { .. }), "{error:?}");
}

// ---------------------------------------------------------------------------
// PeerKeys: verify_signature with each leaf's key parsed once
// ---------------------------------------------------------------------------

/// Every case through `verify_signature` and through one `PeerKeys`, three
/// times (so that the second and third find the key remembered): the same
/// answer each time. A remembered key never lets a bad signature, another
/// message, another scheme or a refused key through.
#[test]
fn peer_keys_answer_exactly_as_verify_signature_does_every_time() {
    let keys = PeerKeys::new();
    let check = |certificate: &CertificateDer<'_>, scheme: S, message: &[u8], signature: &[u8]| {
        let expected = verify_signature(certificate, scheme, message, signature);
        for round in 0..3 {
            let got = keys.verify_signature(certificate, scheme, message, signature);
            assert_eq!(got, expected, "{scheme} round {round}");
        }
        expected
    };
    for signer in signers() {
        for &scheme in signer.key.schemes() {
            let mut signature = signer.key.sign(scheme, MESSAGE).unwrap();
            assert_eq!(
                check(&signer.certificate, scheme, MESSAGE, &signature),
                Ok(())
            );
            let other = check(&signer.certificate, scheme, b"another message", &signature);
            assert_eq!(other, Err(SignError::BadSignature { scheme }));
            signature[8] ^= 0x01;
            let flipped = check(&signer.certificate, scheme, MESSAGE, &signature);
            assert_eq!(
                flipped,
                Err(SignError::BadSignature { scheme }),
                "{}",
                signer.name
            );
        }
        // Schemes that do not fit the key, and schemes keel never accepts,
        // after the key was remembered under a scheme that fits.
        let signature = signer.key.sign(signer.key.schemes()[0], MESSAGE).unwrap();
        for scheme in [
            S::ED25519,
            S::ECDSA_SECP256R1_SHA256,
            S::RSA_PSS_RSAE_SHA256,
            S::RSA_PKCS1_SHA1,
            S::new(0x1a1a),
        ] {
            if signer.key.schemes().contains(&scheme) {
                continue;
            }
            assert!(
                check(&signer.certificate, scheme, MESSAGE, &signature).is_err(),
                "{} {scheme}",
                signer.name
            );
        }
    }
    // TLS 1.2's cross-curve hashes: one P-256 leaf, two schemes, two keys
    // remembered apart.
    let message = data("signatures/message.txt");
    let p256 = interop_certificate("p256");
    for (file, scheme) in [
        ("p256_ecdsa_sha256", S::ECDSA_SECP256R1_SHA256),
        ("p256_ecdsa_sha384", S::ECDSA_SECP384R1_SHA384),
    ] {
        let signature = data(&format!("signatures/{file}.sig"));
        assert_eq!(check(&p256, scheme, &message, &signature), Ok(()), "{file}");
    }
    // Keys keel refuses stay refused, and are not remembered.
    let before = format!("{keys:?}");
    let small = interop_certificate("rsa1024");
    assert!(matches!(
        check(&small, S::RSA_PKCS1_SHA256, MESSAGE, &[0; 128]),
        Err(SignError::BadPeerKey { .. })
    ));
    let garbage = CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x00]);
    assert!(matches!(
        check(&garbage, S::ECDSA_SECP256R1_SHA256, MESSAGE, &[0; 8]),
        Err(SignError::BadPeerKey { .. })
    ));
    assert_eq!(format!("{keys:?}"), before);
}

#[test]
fn peer_keys_remember_a_bounded_number_of_leaves() {
    let keys = PeerKeys::new();
    for n in 0..40 {
        let key = KeyPair::generate().unwrap();
        let certificate = CertificateParams::new(vec![format!("host{n}.example")])
            .unwrap()
            .self_signed(&key)
            .unwrap()
            .der()
            .clone();
        let signer =
            SigningKey::from_der(&keel_pki::PrivateKeyDer::Pkcs8(key.serialize_der().into()))
                .unwrap();
        let scheme = S::ECDSA_SECP256R1_SHA256;
        let signature = signer.sign(scheme, MESSAGE).unwrap();
        keys.verify_signature(&certificate, scheme, MESSAGE, &signature)
            .unwrap();
    }
    assert_eq!(format!("{keys:?}"), "PeerKeys { entries: 32 }");
}

// ---------------------------------------------------------------------------
// Interoperability with OpenSSL
// ---------------------------------------------------------------------------

#[test]
fn openssl_signatures_verify_including_cross_curve_hashes() {
    let message = data("signatures/message.txt");
    let cases = [
        ("rsa2048", "rsa_pkcs1_sha256", S::RSA_PKCS1_SHA256),
        ("rsa2048", "rsa_pkcs1_sha512", S::RSA_PKCS1_SHA512),
        ("rsa2048", "rsa_pss_rsae_sha384", S::RSA_PSS_RSAE_SHA384),
        ("p256", "p256_ecdsa_sha256", S::ECDSA_SECP256R1_SHA256),
        // TLS 1.2: the scheme names the hash; the curve is the key's.
        ("p256", "p256_ecdsa_sha384", S::ECDSA_SECP384R1_SHA384),
        ("p384", "p384_ecdsa_sha384", S::ECDSA_SECP384R1_SHA384),
        ("p384", "p384_ecdsa_sha256", S::ECDSA_SECP256R1_SHA256),
        ("ed25519", "ed25519", S::ED25519),
    ];
    for (certificate, signature, scheme) in cases {
        let certificate = interop_certificate(certificate);
        let signature = data(&format!("signatures/{signature}.sig"));
        verify_signature(&certificate, scheme, &message, &signature)
            .unwrap_or_else(|e| panic!("{scheme}: {e}"));
        // A scheme with another hash over the same bytes must fail.
        let other = match scheme {
            S::ECDSA_SECP256R1_SHA256 => S::ECDSA_SECP384R1_SHA384,
            S::ECDSA_SECP384R1_SHA384 => S::ECDSA_SECP256R1_SHA256,
            S::RSA_PKCS1_SHA256 => S::RSA_PKCS1_SHA384,
            S::ED25519 => continue,
            _ => S::RSA_PKCS1_SHA256,
        };
        assert!(verify_signature(&certificate, other, &message, &signature).is_err());
    }
}

#[test]
fn keel_signatures_verify_with_openssl() {
    // A missing peer is a failure, not a pass: `cargo xtask test` checks
    // for openssl before it builds anything.
    if let Err(e) = Command::new("openssl").arg("version").output() {
        panic!("this test runs openssl to verify keel's signatures, and cannot: {e}");
    }
    let dir = scratch_dir();
    let message = dir.join("message.bin");
    std::fs::write(&message, MESSAGE).unwrap();
    for signer in signers() {
        let public_key = dir.join(format!("{}.pub.der", signer.name));
        std::fs::write(&public_key, signer.key.public_key_der()).unwrap();
        for &scheme in signer.key.schemes() {
            let signature_file = dir.join(format!("{}-{:04x}.sig", signer.name, scheme.get()));
            std::fs::write(&signature_file, signer.key.sign(scheme, MESSAGE).unwrap()).unwrap();
            let mut command = Command::new("openssl");
            if scheme == S::ED25519 {
                command.args(["pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-rawin"]);
                command.arg("-inkey").arg(&public_key);
                command.arg("-in").arg(&message);
                command.arg("-sigfile").arg(&signature_file);
            } else {
                command.args(["dgst", openssl_digest(scheme), "-keyform", "DER"]);
                command.arg("-verify").arg(&public_key);
                command.arg("-signature").arg(&signature_file);
                if matches!(
                    scheme,
                    S::RSA_PSS_RSAE_SHA256 | S::RSA_PSS_RSAE_SHA384 | S::RSA_PSS_RSAE_SHA512
                ) {
                    command.args([
                        "-sigopt",
                        "rsa_padding_mode:pss",
                        "-sigopt",
                        "rsa_pss_saltlen:digest",
                    ]);
                }
                command.arg(&message);
            }
            let output = command.output().unwrap();
            assert!(
                output.status.success(),
                "openssl refused keel's {} {scheme} signature: {}{}",
                signer.name,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn openssl_digest(scheme: S) -> &'static str {
    match scheme {
        S::RSA_PKCS1_SHA256 | S::RSA_PSS_RSAE_SHA256 | S::ECDSA_SECP256R1_SHA256 => "-sha256",
        S::RSA_PKCS1_SHA384 | S::RSA_PSS_RSAE_SHA384 | S::ECDSA_SECP384R1_SHA384 => "-sha384",
        S::RSA_PKCS1_SHA512 | S::RSA_PSS_RSAE_SHA512 | S::ECDSA_SECP521R1_SHA512 => "-sha512",
        other => panic!("no digest for {other}"),
    }
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("keel-pki-signatures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
