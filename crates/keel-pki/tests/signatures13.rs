//! TLS 1.3 CertificateVerify signatures (RFC 8446 §4.4.3, §4.2.3): RSA
//! signs with RSA-PSS only, an ECDSA scheme names its curve, and a peer's
//! signature is held to the same rules, through both verification paths.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use keel_pki::{
    CertificateDer, PeerKeys, SignError, SigningKey, supported_verify_schemes_tls13,
    verify_signature, verify_signature_tls13,
};
use keel_wire::registry::{AlertDescription, SignatureScheme as S};

const MESSAGE: &[u8] = b"64 spaces, a context string, a zero byte and a transcript hash";

fn signer(pkcs8_file: &str) -> (SigningKey, CertificateDer<'static>) {
    common::key_and_leaf(pkcs8_file)
}

/// Both verification paths, which must agree.
fn verify13(leaf: &CertificateDer<'_>, scheme: S, signature: &[u8]) -> Result<(), SignError> {
    let direct = verify_signature_tls13(leaf, scheme, MESSAGE, signature);
    let cached = PeerKeys::new().verify_signature_tls13(leaf, scheme, MESSAGE, signature);
    assert_eq!(direct, cached, "{scheme}");
    direct
}

#[test]
fn each_key_signs_a_tls13_handshake_with_its_one_fitting_scheme() {
    let everything = [
        S::RSA_PKCS1_SHA256,
        S::ECDSA_SECP384R1_SHA384,
        S::ECDSA_SECP256R1_SHA256,
        S::ED25519,
        S::RSA_PSS_RSAE_SHA256,
    ];
    for (file, expected) in [
        ("rsa2048.pkcs8.pem", S::RSA_PSS_RSAE_SHA512),
        ("p256.pkcs8.pem", S::ECDSA_SECP256R1_SHA256),
        ("p384.pkcs8.pem", S::ECDSA_SECP384R1_SHA384),
        ("ed25519.pkcs8.pem", S::ED25519),
    ] {
        let (key, leaf) = signer(file);
        let mut offered = everything.to_vec();
        if file.starts_with("rsa") {
            offered.push(S::RSA_PSS_RSAE_SHA512);
        }
        let scheme = key.choose_scheme_tls13(&offered).unwrap();
        assert_eq!(scheme, expected, "{file}");
        let signature = key.sign(scheme, MESSAGE).unwrap();
        verify13(&leaf, scheme, &signature).unwrap();
    }
}

#[test]
fn an_rsa_key_offered_pkcs1_alone_cannot_sign_tls13() {
    let (key, _) = signer("rsa2048.pkcs8.pem");
    // TLS 1.2 would sign with it; TLS 1.3 never does (RFC 8446 §4.4.3).
    assert_eq!(
        key.choose_scheme(&[S::RSA_PKCS1_SHA256]),
        Some(S::RSA_PKCS1_SHA256)
    );
    assert_eq!(key.choose_scheme_tls13(&[S::RSA_PKCS1_SHA256]), None);
}

#[test]
fn a_pkcs1_certificate_verify_is_refused_in_tls13_only() {
    let (key, leaf) = signer("rsa2048.pkcs8.pem");
    let signature = key.sign(S::RSA_PKCS1_SHA256, MESSAGE).unwrap();
    // A valid signature: TLS 1.2 takes it.
    verify_signature(&leaf, S::RSA_PKCS1_SHA256, MESSAGE, &signature).unwrap();
    let err = verify13(&leaf, S::RSA_PKCS1_SHA256, &signature).unwrap_err();
    assert_eq!(
        err,
        SignError::UnsupportedSignatureScheme {
            scheme: S::RSA_PKCS1_SHA256
        }
    );
    assert_eq!(err.alert(), AlertDescription::ILLEGAL_PARAMETER);
}

#[test]
fn an_ecdsa_scheme_for_the_other_curve_is_refused_in_tls13_only() {
    let (key, leaf) = signer("p256.pkcs8.pem");
    let signature = key.sign(S::ECDSA_SECP256R1_SHA256, MESSAGE).unwrap();
    // A P-256 key under the P-384 scheme: TLS 1.2 lets the scheme name
    // only the hash (it then fails as a signature made with SHA-256);
    // TLS 1.3 refuses the pairing itself.
    assert_eq!(
        verify_signature(&leaf, S::ECDSA_SECP384R1_SHA384, MESSAGE, &signature).unwrap_err(),
        SignError::BadSignature {
            scheme: S::ECDSA_SECP384R1_SHA384
        }
    );
    let err = verify13(&leaf, S::ECDSA_SECP384R1_SHA384, &signature).unwrap_err();
    assert_eq!(
        err,
        SignError::SchemeDoesNotFitKey {
            scheme: S::ECDSA_SECP384R1_SHA384,
            key: "ECDSA"
        }
    );
    assert_eq!(err.alert(), AlertDescription::ILLEGAL_PARAMETER);
    // The fitting scheme still verifies, and a wrong signature under it is
    // a bad signature.
    verify13(&leaf, S::ECDSA_SECP256R1_SHA256, &signature).unwrap();
    let mut flipped = signature.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    assert_eq!(
        verify13(&leaf, S::ECDSA_SECP256R1_SHA256, &flipped).unwrap_err(),
        SignError::BadSignature {
            scheme: S::ECDSA_SECP256R1_SHA256
        }
    );
}

#[test]
fn the_tls13_schemes_are_the_tls12_ones_without_pkcs1_and_p521() {
    assert_eq!(
        supported_verify_schemes_tls13(),
        &[
            S::ECDSA_SECP256R1_SHA256,
            S::ECDSA_SECP384R1_SHA384,
            S::ED25519,
            S::RSA_PSS_RSAE_SHA256,
            S::RSA_PSS_RSAE_SHA384,
            S::RSA_PSS_RSAE_SHA512,
        ]
    );
    let (_, leaf) = signer("ed25519.pkcs8.pem");
    for scheme in [
        S::ECDSA_SECP521R1_SHA512,
        S::RSA_PKCS1_SHA512,
        S::new(0x0201),
    ] {
        assert_eq!(
            verify13(&leaf, scheme, b"sig").unwrap_err(),
            SignError::UnsupportedSignatureScheme { scheme }
        );
    }
}

#[test]
fn an_unparsable_leaf_is_a_bad_peer_key_in_tls13_too() {
    let leaf = CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x00]);
    assert!(matches!(
        verify13(&leaf, S::ED25519, b"sig").unwrap_err(),
        SignError::BadPeerKey { .. }
    ));
}
