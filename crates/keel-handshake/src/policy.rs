//! keel's negotiation policy, fixed and opinionated: which suites, groups
//! and signature schemes exist, in which order a server prefers them, and
//! which certificate key fits which suite. Everything here is a pure
//! function of its inputs.

use keel_pki::SigningKey;
use keel_wire::registry::{CipherSuite, SignatureScheme};

/// The six suites keel negotiates, in a server's default preference:
/// AES-128-GCM, then ChaCha20-Poly1305, then AES-256-GCM; ECDSA before RSA
/// within each (the certificate key decides which of a pair applies).
/// RFC 8422 §6 recommends the two AES-128-GCM ones, among others; the
/// two CBC suites it also lists are not here: keel has no CBC.
pub const SUITES: [CipherSuite; 6] = [
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
];

/// The three TLS 1.3 suites keel negotiates (RFC 8446 §9.1 makes
/// TLS_AES_128_GCM_SHA256 mandatory), in a server's default preference, the
/// same order as [`SUITES`]: AES-128-GCM, ChaCha20-Poly1305, AES-256-GCM.
pub const TLS13_SUITES: [CipherSuite; 3] = [
    CipherSuite::TLS_AES_128_GCM_SHA256,
    CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
    CipherSuite::TLS_AES_256_GCM_SHA384,
];

/// The signature schemes keel accepts from a peer, in the order a keel
/// client offers them: ECDSA with SHA-256/384 (any curve: in TLS 1.2 the
/// scheme names the hash), Ed25519, RSA-PSS (rsae), RSA PKCS#1 v1.5. No
/// SHA-1. RFC 5246 §7.4.1.4.1: none is "anonymous", which must not appear
/// in signature_algorithms.
pub const SIGNATURE_SCHEMES: [SignatureScheme; 9] = [
    SignatureScheme::ECDSA_SECP256R1_SHA256,
    SignatureScheme::ECDSA_SECP384R1_SHA384,
    SignatureScheme::ED25519,
    SignatureScheme::RSA_PSS_RSAE_SHA256,
    SignatureScheme::RSA_PSS_RSAE_SHA384,
    SignatureScheme::RSA_PSS_RSAE_SHA512,
    SignatureScheme::RSA_PKCS1_SHA256,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA512,
];

/// Which certificate keys a suite's authentication takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Auth {
    /// ECDHE_ECDSA suites: ECDSA and Ed25519 keys (RFC 8422 §2 admits
    /// EdDSA certificates under the ECDSA suites).
    Ecdsa,
    /// ECDHE_RSA suites: RSA keys.
    Rsa,
}

/// The authentication of one of keel's suites.
pub(crate) fn suite_auth(suite: CipherSuite) -> Option<Auth> {
    match suite {
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
        | CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
        | CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => Some(Auth::Ecdsa),
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
        | CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
        | CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => Some(Auth::Rsa),
        _ => None,
    }
}

/// The authentication a key can provide: RFC 8422 §2.1 and RFC 8422 §5.3
/// put ECDSA or EdDSA keys under ECDHE_ECDSA, RFC 8422 §2.2 RSA keys
/// under ECDHE_RSA; a suite is used only with a key of its kind.
pub(crate) fn key_auth(key: &SigningKey) -> Auth {
    let rsa = key.schemes().iter().any(|s| is_rsa(*s));
    if rsa { Auth::Rsa } else { Auth::Ecdsa }
}

fn is_rsa(scheme: SignatureScheme) -> bool {
    matches!(scheme.get() & 0xff, 0x01) || matches!(scheme.get(), 0x0804..=0x0806 | 0x0809..=0x080b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_suite_has_an_authentication() {
        for suite in SUITES {
            assert!(suite_auth(suite).is_some(), "{suite}");
            assert!(
                keel_record::AeadAlgorithm::for_suite(suite).is_some(),
                "{suite}"
            );
        }
        assert_eq!(
            suite_auth(CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256),
            None
        );
    }

    #[test]
    fn rsa_schemes_are_recognised() {
        assert!(is_rsa(SignatureScheme::RSA_PKCS1_SHA256));
        assert!(is_rsa(SignatureScheme::RSA_PSS_RSAE_SHA384));
        assert!(!is_rsa(SignatureScheme::ECDSA_SECP256R1_SHA256));
        assert!(!is_rsa(SignatureScheme::ED25519));
    }
}
