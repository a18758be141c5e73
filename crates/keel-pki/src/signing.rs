//! The private key a side signs its handshake with: ServerKeyExchange for a
//! server (RFC 5246 §7.4.3), CertificateVerify for a client
//! (RFC 5246 §7.4.8). Each key signs only under the schemes that fit it.
//!
//! The signing itself is aws-lc-rs's; keel only decides which key types and
//! schemes it accepts and names each refusal.

use core::fmt;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    self as lc, EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, KeyPair, RsaEncoding,
    RsaKeyPair,
};
use keel_wire::registry::SignatureScheme;
use rustls_pki_types::PrivateKeyDer;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::key_der;
use crate::load_error::{
    EncryptedPrivateKeySnafu, KeyRejectedSnafu, LoadError, NotAPrivateKeySnafu, SignError,
    UnsupportedKeyTypeSnafu, UnsupportedSchemeSnafu,
};
use crate::load_reasons::{KeyRejection, UnsupportedKey};

/// A private key keel can sign TLS 1.2 handshakes with: RSA (2048 to 8192
/// bits), ECDSA on P-256 or P-384, or Ed25519.
///
/// Built from DER with [`SigningKey::from_der`]; for PEM, use
/// [`load_private_key`](crate::load_private_key) first. `Debug` shows the
/// kind of key, never key material.
#[derive(Clone)]
pub struct SigningKey {
    key: KeyKind,
    /// The public key as a DER SubjectPublicKeyInfo, computed once so that
    /// [`SigningKey::public_key_der`] cannot fail.
    spki: Vec<u8>,
    /// The schemes to sign with, in order, when restricted by
    /// [`SigningKey::with_scheme_preference`]; `None`: all the key can.
    preference: Option<Vec<SignatureScheme>>,
}

impl SigningKey {
    /// Parses a private key (PKCS#8, SEC1 or PKCS#1 DER) into a key keel
    /// can sign with.
    ///
    /// # Errors
    ///
    /// [`LoadError::UnsupportedKeyType`] for a key of another kind (DSA,
    /// Ed448, ECDSA on other curves, ...), [`LoadError::KeyRejected`] when
    /// aws-lc-rs refuses the key (an RSA key below 2048 or above 8192 bits,
    /// a malformed key), [`LoadError::EncryptedPrivateKey`] for an
    /// encrypted PKCS#8 document, [`LoadError::NotAPrivateKey`] for DER of
    /// another kind.
    pub fn from_der(key: &PrivateKeyDer<'_>) -> Result<Self, LoadError> {
        let key = match key {
            PrivateKeyDer::Pkcs8(der) => KeyKind::from_pkcs8(der.secret_pkcs8_der())?,
            PrivateKeyDer::Sec1(der) => KeyKind::from_sec1(der.secret_sec1_der())?,
            PrivateKeyDer::Pkcs1(der) => {
                KeyKind::Rsa(RsaKeyPair::from_der(der.secret_pkcs1_der()).map_err(rejected)?)
            }
            // `PrivateKeyDer` is non-exhaustive: a form added later is one
            // keel has not been taught to read.
            _ => return NotAPrivateKeySnafu.fail(),
        };
        let spki = key.spki()?;
        Ok(Self {
            key,
            spki,
            preference: None,
        })
    }

    /// This key, signing only with the schemes of `preference` that it
    /// can use, in that order (the first one the peer accepts is chosen).
    /// `None` when it can use none of them. For deployments that must avoid
    /// a scheme (PKCS#1 v1.5, say) or prefer one.
    #[must_use]
    pub fn with_scheme_preference(&self, preference: &[SignatureScheme]) -> Option<Self> {
        let mut schemes: Vec<SignatureScheme> = Vec::new();
        for scheme in preference {
            if self.key.schemes().contains(scheme) && !schemes.contains(scheme) {
                schemes.push(*scheme);
            }
        }
        (!schemes.is_empty()).then(|| Self {
            key: self.key.clone(),
            spki: self.spki.clone(),
            preference: Some(schemes),
        })
    }

    /// The TLS 1.2 signature schemes this key signs with, in order of
    /// preference: by default every scheme it can, RSA-PSS before PKCS#1
    /// v1.5 and stronger hash first; after
    /// [`with_scheme_preference`](Self::with_scheme_preference), those.
    ///
    /// In TLS 1.2 an ECDSA scheme names the hash, not the curve, but
    /// aws-lc-rs signs only the pairs P-256 with SHA-256 and P-384 with
    /// SHA-384, so each ECDSA key offers the one scheme matching its curve.
    #[must_use]
    pub fn schemes(&self) -> &[SignatureScheme] {
        self.preference.as_deref().unwrap_or(self.key.schemes())
    }

    /// The first scheme of this key's own preference order that the peer
    /// offered, or `None` when they have none in common.
    #[must_use]
    pub fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<SignatureScheme> {
        self.schemes()
            .iter()
            .copied()
            .find(|scheme| offered.contains(scheme))
    }

    /// The first scheme of this key's own preference order that the peer
    /// offered and that TLS 1.3 allows: never PKCS#1 v1.5 (RFC 8446 §4.4.3:
    /// "RSA signatures MUST use an RSASSA-PSS algorithm"), and for an ECDSA
    /// key only the scheme of its curve, which is the one it has (RFC 8446
    /// §4.2.3). `None` when they have none in common: an RSA key offered
    /// PKCS#1 alone cannot sign a TLS 1.3 handshake.
    #[must_use]
    pub fn choose_scheme_tls13(&self, offered: &[SignatureScheme]) -> Option<SignatureScheme> {
        self.schemes()
            .iter()
            .copied()
            .filter(|scheme| crate::supported_verify_schemes_tls13().contains(scheme))
            .find(|scheme| offered.contains(scheme))
    }

    /// Signs `message` under `scheme`, as the `digitally-signed` struct of
    /// RFC 5246 §4.7 needs it (ECDSA signatures are DER-encoded).
    ///
    /// # Errors
    ///
    /// [`SignError::UnsupportedScheme`] when `scheme` is not one of
    /// [`SigningKey::schemes`]; [`SignError::SigningFailed`] when the crypto
    /// library fails.
    pub fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, SignError> {
        if !self.schemes().contains(&scheme) {
            return UnsupportedSchemeSnafu {
                scheme,
                key: self.algorithm_name(),
            }
            .fail();
        }
        // keel's sans-IO rule is about the protocol's randomness (client and
        // server randoms, nonces, ticket keys): that comes in through the
        // config. Signature randomness (RSA-PSS salts, ECDSA nonces) is
        // drawn inside aws-lc-rs from its own DRBG, which ignores the
        // `SecureRandom` argument: keel cannot and does not supply it.
        let rng = SystemRandom::new();
        let failed = |_| SignError::SigningFailed { scheme };
        // RFC 8422 §5.10: ECDSA per ANSI X9.62 (DER-encoded r and s) and
        // EdDSA per RFC 8032, both by aws-lc.
        match &self.key {
            KeyKind::Rsa(key) => {
                let encoding = rsa_encoding(scheme).ok_or(SignError::UnsupportedScheme {
                    scheme,
                    key: self.algorithm_name(),
                })?;
                let mut signature = vec![0; key.public_modulus_len()];
                key.sign(encoding, &rng, message, &mut signature)
                    .map_err(failed)?;
                Ok(signature)
            }
            KeyKind::EcdsaP256(key) | KeyKind::EcdsaP384(key) => {
                let signature = key.sign(&rng, message).map_err(failed)?;
                Ok(signature.as_ref().to_vec())
            }
            KeyKind::Ed25519(key) => {
                let signature = key.try_sign(message).map_err(failed)?;
                Ok(signature.as_ref().to_vec())
            }
        }
    }

    /// The public key as a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7),
    /// the form a certificate carries it in.
    #[must_use]
    pub fn public_key_der(&self) -> &[u8] {
        &self.spki
    }

    /// The kind of key, for logs and error messages: `"RSA"`,
    /// `"ECDSA P-256"`, `"ECDSA P-384"` or `"Ed25519"`.
    #[must_use]
    pub fn algorithm_name(&self) -> &'static str {
        self.key.public_key_type().name()
    }

    /// The curve of an ECDSA key as a TLS group, for RFC 8422 §5.3: a
    /// server's ECDSA key must be on a curve the client supports. `None`
    /// for RSA and Ed25519 keys.
    #[must_use]
    pub fn ecdsa_group(&self) -> Option<keel_wire::registry::NamedGroup> {
        match &self.key {
            KeyKind::EcdsaP256(_) => Some(keel_wire::registry::NamedGroup::SECP256R1),
            KeyKind::EcdsaP384(_) => Some(keel_wire::registry::NamedGroup::SECP384R1),
            KeyKind::Rsa(_) | KeyKind::Ed25519(_) => None,
        }
    }

    /// The size of the key in bits (the modulus for RSA, the curve's size
    /// for ECDSA, 256 for Ed25519).
    #[must_use]
    pub fn key_bits(&self) -> usize {
        match &self.key {
            KeyKind::Rsa(key) => key.public_modulus_len().saturating_mul(8),
            KeyKind::EcdsaP256(_) | KeyKind::Ed25519(_) => 256,
            KeyKind::EcdsaP384(_) => 384,
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm_name())
            .field("bits", &self.key_bits())
            .finish_non_exhaustive()
    }
}

/// The key types keel signs with, each holding aws-lc-rs's parsed key.
#[derive(Clone)]
enum KeyKind {
    Rsa(RsaKeyPair),
    EcdsaP256(EcdsaKeyPair),
    EcdsaP384(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

impl KeyKind {
    /// Every TLS 1.2 scheme this kind of key can sign with, in keel's
    /// default order.
    fn schemes(&self) -> &'static [SignatureScheme] {
        match self {
            KeyKind::Rsa(_) => &[
                SignatureScheme::RSA_PSS_RSAE_SHA512,
                SignatureScheme::RSA_PSS_RSAE_SHA384,
                SignatureScheme::RSA_PSS_RSAE_SHA256,
                SignatureScheme::RSA_PKCS1_SHA512,
                SignatureScheme::RSA_PKCS1_SHA384,
                SignatureScheme::RSA_PKCS1_SHA256,
            ],
            KeyKind::EcdsaP256(_) => &[SignatureScheme::ECDSA_SECP256R1_SHA256],
            KeyKind::EcdsaP384(_) => &[SignatureScheme::ECDSA_SECP384R1_SHA384],
            // RFC 8422 §5.9: an Ed25519 key signs with ed25519 only.
            KeyKind::Ed25519(_) => &[SignatureScheme::ED25519],
        }
    }

    fn from_pkcs8(der: &[u8]) -> Result<Self, LoadError> {
        if key_der::is_encrypted_pkcs8(der) {
            return EncryptedPrivateKeySnafu.fail();
        }
        let Some((algorithm, curve)) = key_der::pkcs8_algorithm(der) else {
            return NotAPrivateKeySnafu.fail();
        };
        match PublicKeyType::classify(&algorithm, curve.as_deref()) {
            Ok(PublicKeyType::Rsa) => Ok(Self::Rsa(RsaKeyPair::from_pkcs8(der).map_err(rejected)?)),
            Ok(PublicKeyType::EcdsaP256) => Ok(Self::EcdsaP256(
                EcdsaKeyPair::from_pkcs8(&lc::ECDSA_P256_SHA256_ASN1_SIGNING, der)
                    .map_err(rejected)?,
            )),
            Ok(PublicKeyType::EcdsaP384) => Ok(Self::EcdsaP384(
                EcdsaKeyPair::from_pkcs8(&lc::ECDSA_P384_SHA384_ASN1_SIGNING, der)
                    .map_err(rejected)?,
            )),
            // RFC 8410 keys are PKCS#8 v1 or v2 (with the public key); both
            // are accepted, and a v2 public key is checked against the
            // private one.
            Ok(PublicKeyType::Ed25519) => Ok(Self::Ed25519(
                Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(rejected)?,
            )),
            Err(kind) => UnsupportedKeyTypeSnafu { kind }.fail(),
        }
    }

    /// RFC 5915 `ECPrivateKey`. The curve is named in the optional
    /// `parameters` field; when it is absent, P-256 and then P-384 are
    /// tried.
    fn from_sec1(der: &[u8]) -> Result<Self, LoadError> {
        let Some(curve) = key_der::sec1_curve(der) else {
            return NotAPrivateKeySnafu.fail();
        };
        let p256 =
            || ecdsa_from_sec1(&lc::ECDSA_P256_SHA256_ASN1_SIGNING, der).map(Self::EcdsaP256);
        let p384 =
            || ecdsa_from_sec1(&lc::ECDSA_P384_SHA384_ASN1_SIGNING, der).map(Self::EcdsaP384);
        match curve.as_deref() {
            None => p256().or_else(|_| p384()),
            Some(curve) => match PublicKeyType::classify(OID_EC_PUBLIC_KEY, Some(curve)) {
                Ok(PublicKeyType::EcdsaP256) => p256(),
                Ok(PublicKeyType::EcdsaP384) => p384(),
                Ok(_) => NotAPrivateKeySnafu.fail(),
                Err(kind) => UnsupportedKeyTypeSnafu { kind }.fail(),
            },
        }
    }

    fn public_key_type(&self) -> PublicKeyType {
        match self {
            Self::Rsa(_) => PublicKeyType::Rsa,
            Self::EcdsaP256(_) => PublicKeyType::EcdsaP256,
            Self::EcdsaP384(_) => PublicKeyType::EcdsaP384,
            Self::Ed25519(_) => PublicKeyType::Ed25519,
        }
    }

    fn spki(&self) -> Result<Vec<u8>, LoadError> {
        let der = match self {
            Self::Rsa(key) => key.public_key().as_der(),
            Self::EcdsaP256(key) | Self::EcdsaP384(key) => key.public_key().as_der(),
            Self::Ed25519(key) => key.public_key().as_der(),
        };
        der.map(|der| der.as_ref().to_vec())
            .map_err(|_| LoadError::KeyRejected {
                reason: KeyRejection::PublicKeyNotEncodable,
            })
    }
}

fn ecdsa_from_sec1(
    algorithm: &'static EcdsaSigningAlgorithm,
    der: &[u8],
) -> Result<EcdsaKeyPair, LoadError> {
    EcdsaKeyPair::from_private_key_der(algorithm, der).map_err(rejected)
}

fn rsa_encoding(scheme: SignatureScheme) -> Option<&'static dyn RsaEncoding> {
    Some(match scheme {
        SignatureScheme::RSA_PSS_RSAE_SHA256 => &lc::RSA_PSS_SHA256,
        SignatureScheme::RSA_PSS_RSAE_SHA384 => &lc::RSA_PSS_SHA384,
        SignatureScheme::RSA_PSS_RSAE_SHA512 => &lc::RSA_PSS_SHA512,
        SignatureScheme::RSA_PKCS1_SHA256 => &lc::RSA_PKCS1_SHA256,
        SignatureScheme::RSA_PKCS1_SHA384 => &lc::RSA_PKCS1_SHA384,
        SignatureScheme::RSA_PKCS1_SHA512 => &lc::RSA_PKCS1_SHA512,
        _ => return None,
    })
}

/// aws-lc-rs names its refusals with fixed words; the reason says what they
/// mean for a person holding the key.
fn rejected(error: aws_lc_rs::error::KeyRejected) -> LoadError {
    KeyRejectedSnafu {
        reason: KeyRejection::from_aws_lc(&error),
    }
    .build()
}

// Object identifiers of the key types keel meets, dotted.
const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1"; // RFC 8017 Appendix C
const OID_RSASSA_PSS: &str = "1.2.840.113549.1.1.10"; // RFC 4055 §3.1
const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1"; // RFC 5480 §2.1.1
const OID_P256: &str = "1.2.840.10045.3.1.7"; // RFC 5480 §2.1.1.1, secp256r1
const OID_P384: &str = "1.3.132.0.34"; // RFC 5480 §2.1.1.1, secp384r1
const OID_P521: &str = "1.3.132.0.35"; // RFC 5480 §2.1.1.1, secp521r1
const OID_SECP256K1: &str = "1.3.132.0.10";
const OID_ED25519: &str = "1.3.101.112"; // RFC 8410 §3
const OID_ED448: &str = "1.3.101.113";
const OID_X25519: &str = "1.3.101.110";
const OID_X448: &str = "1.3.101.111";
const OID_DSA: &str = "1.2.840.10040.4.1"; // RFC 3279 §2.3.2

/// The public key types keel signs and verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PublicKeyType {
    Rsa,
    EcdsaP256,
    EcdsaP384,
    Ed25519,
}

impl PublicKeyType {
    /// Classifies a key by the algorithm identifier of its PKCS#8 or
    /// SubjectPublicKeyInfo encoding (`curve`: the named-curve parameter of
    /// an EC key). The error names an unsupported kind for a person.
    // RFC 8422 §5.9: id-ecPublicKey with a named curve (RFC 3279, as
    // RFC 5480 restricts it) or the RFC 8410 Ed25519 identifier; explicit
    // curves, Ed448 and the rest are refused.
    pub(crate) fn classify(algorithm: &str, curve: Option<&str>) -> Result<Self, UnsupportedKey> {
        use UnsupportedKey as U;
        match (algorithm, curve) {
            (OID_RSA_ENCRYPTION, _) => Ok(Self::Rsa),
            (OID_EC_PUBLIC_KEY, Some(OID_P256)) => Ok(Self::EcdsaP256),
            (OID_EC_PUBLIC_KEY, Some(OID_P384)) => Ok(Self::EcdsaP384),
            (OID_ED25519, _) => Ok(Self::Ed25519),
            (OID_EC_PUBLIC_KEY, Some(OID_P521)) => Err(U::EcdsaP521),
            (OID_EC_PUBLIC_KEY, Some(OID_SECP256K1)) => Err(U::EcdsaSecp256k1),
            (OID_EC_PUBLIC_KEY, Some(other)) => Err(U::EcdsaCurve {
                oid: other.to_owned(),
            }),
            (OID_EC_PUBLIC_KEY, None) => Err(U::EcdsaExplicitCurve),
            (OID_RSASSA_PSS, _) => Err(U::RsaPss),
            (OID_ED448, _) => Err(U::Ed448),
            (OID_X25519, _) => Err(U::X25519),
            (OID_X448, _) => Err(U::X448),
            (OID_DSA, _) => Err(U::Dsa),
            (other, _) => Err(U::Algorithm {
                oid: other.to_owned(),
            }),
        }
    }

    /// The key type of a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), or why
    /// keel does not support it.
    pub(crate) fn of_spki(spki: &SubjectPublicKeyInfo<'_>) -> Result<Self, UnsupportedKey> {
        let algorithm = spki.algorithm.algorithm.to_id_string();
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(key_der::parameters_oid)
            .map(|oid| oid.to_id_string());
        Self::classify(&algorithm, curve.as_deref())
    }

    /// The name used in messages, as [`SigningKey::algorithm_name`].
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Rsa => "RSA",
            Self::EcdsaP256 => "ECDSA P-256",
            Self::EcdsaP384 => "ECDSA P-384",
            Self::Ed25519 => "Ed25519",
        }
    }
}
