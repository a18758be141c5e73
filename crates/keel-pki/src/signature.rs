//! Checking a peer's handshake signature (TLS 1.2's ServerKeyExchange and
//! CertificateVerify, TLS 1.3's CertificateVerify) with the public key of
//! its leaf certificate.
//!
//! RFC 5246 §7.4.1.4.1 and RFC 8422 §5.1.3: in TLS 1.2 an ECDSA scheme names
//! the hash only, so the curve comes from the certificate's key: a P-256
//! key may sign with SHA-384 (`ecdsa_secp384r1_sha384`) and a P-384 key
//! with SHA-256. RSA schemes are PKCS#1 v1.5 or RSA-PSS with an
//! rsaEncryption key ("rsae", RFC 8446 §4.2.3), both with SHA-256, SHA-384
//! or SHA-512. SHA-1, MD5, SHA-224 and DSA are refused (RFC 9155).

use aws_lc_rs::signature::{self as lc, ParsedPublicKey, VerificationAlgorithm};
use keel_wire::registry::{NamedGroup, SignatureScheme};
use rustls_pki_types::CertificateDer;
use x509_parser::public_key::PublicKey;

use crate::load_error::{
    BadPeerKeySnafu, SchemeDoesNotFitKeySnafu, SignError, UnsupportedSignatureSchemeSnafu,
};
use crate::load_reasons::PeerKeyProblem;
use crate::signing::PublicKeyType;

/// The schemes keel accepts in a peer's signature, in the order keel lists
/// them in its `signature_algorithms` extension (RFC 5246 §7.4.1.4.1) and
/// CertificateRequest.
#[must_use]
pub fn supported_verify_schemes() -> &'static [SignatureScheme] {
    SUPPORTED_VERIFY_SCHEMES
}

/// The schemes keel accepts in a TLS 1.3 CertificateVerify, in the order
/// it offers them: the TLS 1.2 list without PKCS#1 v1.5 (RFC 8446 §4.4.3:
/// "RSA signatures MUST use an RSASSA-PSS algorithm") and without P-521,
/// for which keel has no key type.
#[must_use]
pub fn supported_verify_schemes_tls13() -> &'static [SignatureScheme] {
    SUPPORTED_VERIFY_SCHEMES_TLS13
}

/// [`verify_signature`] under TLS 1.3's rules: the scheme must be one of
/// [`supported_verify_schemes_tls13`], and an ECDSA scheme names the curve
/// as well as the hash (RFC 8446 §4.2.3), so a P-256 key signs only with
/// `ecdsa_secp256r1_sha256` and a P-384 key only with
/// `ecdsa_secp384r1_sha384`.
///
/// # Errors
///
/// As [`verify_signature`]; a PKCS#1 v1.5 scheme is
/// [`SignError::UnsupportedSignatureScheme`], an ECDSA scheme for the
/// other curve [`SignError::SchemeDoesNotFitKey`].
pub fn verify_signature_tls13(
    leaf: &CertificateDer<'_>,
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SignError> {
    check_tls13_scheme(scheme, crate::peer_keys::leaf_ecdsa_curve(leaf)?)?;
    verify_signature(leaf, scheme, message, signature)
}

/// The TLS 1.3 checks on a scheme, before the TLS 1.2 ones, given the
/// curve of the leaf's key when it is an ECDSA key.
pub(crate) fn check_tls13_scheme(
    scheme: SignatureScheme,
    ecdsa_curve: Option<NamedGroup>,
) -> Result<(), SignError> {
    if !SUPPORTED_VERIFY_SCHEMES_TLS13.contains(&scheme) {
        return UnsupportedSignatureSchemeSnafu { scheme }.fail();
    }
    // RFC 8446 §4.2.3: in TLS 1.3 "ecdsa_secp256r1_sha256" and its kin name
    // the curve the key is on.
    let fits = match (ecdsa_curve, scheme) {
        (Some(NamedGroup::SECP256R1), SignatureScheme::ECDSA_SECP256R1_SHA256)
        | (Some(NamedGroup::SECP384R1), SignatureScheme::ECDSA_SECP384R1_SHA384) => true,
        (Some(_), _) => false,
        (None, _) => true,
    };
    if fits {
        Ok(())
    } else {
        SchemeDoesNotFitKeySnafu {
            scheme,
            key: "ECDSA",
        }
        .fail()
    }
}

/// Verifies `signature` over `message` with the public key of `leaf` under
/// `scheme`.
///
/// `leaf` is the peer's end-entity certificate, already validated.
///
/// # Errors
///
/// - [`SignError::UnsupportedSignatureScheme`]: `scheme` is not one of
///   [`supported_verify_schemes`].
/// - [`SignError::BadPeerKey`]: the certificate does not parse, or its key
///   is of a type or size keel does not verify with (RSA outside 2048 to
///   8192 bits, DSA, other curves).
/// - [`SignError::SchemeDoesNotFitKey`]: the scheme is for another key type.
/// - [`SignError::BadSignature`]: the signature does not verify.
pub fn verify_signature(
    leaf: &CertificateDer<'_>,
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SignError> {
    verify_with(&peer_key(leaf, scheme)?, scheme, message, signature)
}

/// The key of `leaf`, parsed for `scheme`, after every check of
/// [`verify_signature`] but the signature's own.
pub(crate) fn peer_key(
    leaf: &CertificateDer<'_>,
    scheme: SignatureScheme,
) -> Result<ParsedPublicKey, SignError> {
    if !SUPPORTED_VERIFY_SCHEMES.contains(&scheme) {
        return UnsupportedSignatureSchemeSnafu { scheme }.fail();
    }
    let certificate = match x509_parser::parse_x509_certificate(leaf) {
        Ok((_, certificate)) => certificate,
        Err(_) => {
            return BadPeerKeySnafu {
                reason: PeerKeyProblem::Unparsable,
            }
            .fail();
        }
    };
    // RFC 8422 §5.9: an EC key is an RFC 3279 id-ecPublicKey on a named
    // curve, an Ed25519 key an RFC 8410 one; anything else is refused.
    let spki = certificate.public_key();
    let key_type = PublicKeyType::of_spki(spki).map_err(|key| SignError::BadPeerKey {
        reason: PeerKeyProblem::Unsupported { key },
    })?;
    // The scheme must be compatible with the key in the peer's leaf:
    // RFC 5246 §7.4.3 for a server's, RFC 5246 §7.4.8 for a client's.
    let Some(algorithm) = verification_algorithm(key_type, scheme) else {
        return SchemeDoesNotFitKeySnafu {
            scheme,
            key: key_type.name(),
        }
        .fail();
    };
    if key_type == PublicKeyType::Rsa {
        check_rsa_size(spki.parsed())?;
    }
    // A key aws-lc cannot load (an EC point off its curve, say) is refused
    // as the signature it cannot have made, as when it was parsed at
    // verification time.
    ParsedPublicKey::new(algorithm, &spki.subject_public_key.data)
        .map_err(|_| SignError::BadSignature { scheme })
}

/// Checks `signature` over `message` with an already checked key.
pub(crate) fn verify_with(
    key: &ParsedPublicKey,
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SignError> {
    key.verify_sig(message, signature)
        .map_err(|_| SignError::BadSignature { scheme })
}

const SUPPORTED_VERIFY_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::ECDSA_SECP256R1_SHA256,
    SignatureScheme::ECDSA_SECP384R1_SHA384,
    SignatureScheme::ECDSA_SECP521R1_SHA512,
    SignatureScheme::ED25519,
    SignatureScheme::RSA_PSS_RSAE_SHA256,
    SignatureScheme::RSA_PSS_RSAE_SHA384,
    SignatureScheme::RSA_PSS_RSAE_SHA512,
    SignatureScheme::RSA_PKCS1_SHA256,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA512,
];

const SUPPORTED_VERIFY_SCHEMES_TLS13: &[SignatureScheme] = &[
    SignatureScheme::ECDSA_SECP256R1_SHA256,
    SignatureScheme::ECDSA_SECP384R1_SHA384,
    SignatureScheme::ED25519,
    SignatureScheme::RSA_PSS_RSAE_SHA256,
    SignatureScheme::RSA_PSS_RSAE_SHA384,
    SignatureScheme::RSA_PSS_RSAE_SHA512,
];

/// The aws-lc-rs algorithm for a key type and scheme, or `None` when the
/// scheme is not for that key type. Every scheme of
/// [`SUPPORTED_VERIFY_SCHEMES`] has an entry for at least one key type.
fn verification_algorithm(
    key: PublicKeyType,
    scheme: SignatureScheme,
) -> Option<&'static dyn VerificationAlgorithm> {
    use PublicKeyType::{EcdsaP256, EcdsaP384, Ed25519, Rsa};
    // RFC 8422 §5.10: ECDSA (ANSI X9.62, DER signatures) and EdDSA
    // (RFC 8032) by aws-lc, with SHA-256 or stronger only, and Ed25519
    // under its intrinsic-hash scheme alone. RFC 8422 §5.9: an Ed25519 key
    // never verifies an ECDSA scheme.
    Some(match (key, scheme) {
        (EcdsaP256, SignatureScheme::ECDSA_SECP256R1_SHA256) => &lc::ECDSA_P256_SHA256_ASN1,
        (EcdsaP256, SignatureScheme::ECDSA_SECP384R1_SHA384) => &lc::ECDSA_P256_SHA384_ASN1,
        (EcdsaP256, SignatureScheme::ECDSA_SECP521R1_SHA512) => &lc::ECDSA_P256_SHA512_ASN1,
        (EcdsaP384, SignatureScheme::ECDSA_SECP256R1_SHA256) => &lc::ECDSA_P384_SHA256_ASN1,
        (EcdsaP384, SignatureScheme::ECDSA_SECP384R1_SHA384) => &lc::ECDSA_P384_SHA384_ASN1,
        (EcdsaP384, SignatureScheme::ECDSA_SECP521R1_SHA512) => &lc::ECDSA_P384_SHA512_ASN1,
        (Ed25519, SignatureScheme::ED25519) => &lc::ED25519,
        (Rsa, SignatureScheme::RSA_PKCS1_SHA256) => &lc::RSA_PKCS1_2048_8192_SHA256,
        (Rsa, SignatureScheme::RSA_PKCS1_SHA384) => &lc::RSA_PKCS1_2048_8192_SHA384,
        (Rsa, SignatureScheme::RSA_PKCS1_SHA512) => &lc::RSA_PKCS1_2048_8192_SHA512,
        // RSA-PSS with the salt as long as the hash (RFC 8446 §4.2.3).
        (Rsa, SignatureScheme::RSA_PSS_RSAE_SHA256) => &lc::RSA_PSS_2048_8192_SHA256,
        (Rsa, SignatureScheme::RSA_PSS_RSAE_SHA384) => &lc::RSA_PSS_2048_8192_SHA384,
        (Rsa, SignatureScheme::RSA_PSS_RSAE_SHA512) => &lc::RSA_PSS_2048_8192_SHA512,
        _ => return None,
    })
}

/// aws-lc-rs refuses RSA keys outside 2048..=8192 bits too, but as a failed
/// verification; checking first names the real problem.
fn check_rsa_size<E>(key: Result<PublicKey<'_>, E>) -> Result<(), SignError> {
    let bits = match key {
        Ok(PublicKey::RSA(rsa)) => rsa.key_size(),
        _ => {
            return BadPeerKeySnafu {
                reason: PeerKeyProblem::MalformedRsaKey,
            }
            .fail();
        }
    };
    if (2048..=8192).contains(&bits) {
        Ok(())
    } else {
        BadPeerKeySnafu {
            reason: PeerKeyProblem::RsaSize { bits },
        }
        .fail()
    }
}
