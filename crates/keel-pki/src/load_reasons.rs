//! The typed reasons inside [`LoadError`](crate::LoadError) and
//! [`SignError`](crate::SignError): what was wrong with a certificate or a
//! key, kept as a value (and, where a parser or the crypto library gave a
//! cause, that cause as the error's `source()`), never flattened into a
//! sentence.

use core::fmt;

/// Why a certificate does not parse as DER X.509.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateParseError {
    kind: ParseKind,
}

#[derive(Debug, Clone, PartialEq)]
enum ParseKind {
    TrailingBytes,
    Truncated,
    /// An extension keel reads is malformed or repeated (its name).
    Extension(&'static str),
    Parser(x509_parser::error::X509Error),
}

impl CertificateParseError {
    pub(crate) fn trailing_bytes() -> Self {
        Self {
            kind: ParseKind::TrailingBytes,
        }
    }

    pub(crate) fn truncated() -> Self {
        Self {
            kind: ParseKind::Truncated,
        }
    }

    pub(crate) fn extension(name: &'static str) -> Self {
        Self {
            kind: ParseKind::Extension(name),
        }
    }

    pub(crate) fn parser(error: x509_parser::error::X509Error) -> Self {
        Self {
            kind: ParseKind::Parser(error),
        }
    }
}

impl fmt::Display for CertificateParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ParseKind::TrailingBytes => {
                f.write_str("there are bytes after the end of the certificate")
            }
            ParseKind::Truncated => f.write_str("the certificate is truncated"),
            ParseKind::Extension(name) => {
                write!(f, "its {name} extension is malformed or repeated")
            }
            ParseKind::Parser(_) => f.write_str("it is not valid DER X.509"),
        }
    }
}

impl std::error::Error for CertificateParseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ParseKind::Parser(error) => Some(error),
            _ => None,
        }
    }
}

/// Why rustls-webpki cannot make a trust anchor of a certificate; its own
/// error is the `source()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustAnchorError(pub(crate) webpki::Error);

impl fmt::Display for TrustAnchorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("rustls-webpki cannot make a trust anchor of it")
    }
}

impl std::error::Error for TrustAnchorError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// A kind of key keel neither signs nor verifies with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnsupportedKey {
    /// ECDSA on P-521.
    EcdsaP521,
    /// ECDSA on secp256k1.
    EcdsaSecp256k1,
    /// ECDSA on another named curve.
    EcdsaCurve {
        /// The curve's OID, dotted.
        oid: String,
    },
    /// ECDSA with explicit curve parameters.
    EcdsaExplicitCurve,
    /// An RSASSA-PSS key (an RSA key restricted to PSS).
    RsaPss,
    /// Ed448.
    Ed448,
    /// X25519, a key-agreement key.
    X25519,
    /// X448, a key-agreement key.
    X448,
    /// DSA.
    Dsa,
    /// Another algorithm.
    Algorithm {
        /// The algorithm's OID, dotted.
        oid: String,
    },
    /// A PEM block whose label names a key keel does not read (`DSA
    /// PRIVATE KEY`, say).
    PemLabel {
        /// The block's label.
        label: String,
    },
}

impl fmt::Display for UnsupportedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EcdsaP521 => f.write_str("ECDSA on P-521"),
            Self::EcdsaSecp256k1 => f.write_str("ECDSA on secp256k1"),
            Self::EcdsaCurve { oid } => write!(f, "ECDSA on the curve {oid}"),
            Self::EcdsaExplicitCurve => f.write_str("ECDSA with explicit curve parameters"),
            Self::RsaPss => f.write_str(
                "RSASSA-PSS (an RSA key restricted to PSS; keel needs an rsaEncryption key)",
            ),
            Self::Ed448 => f.write_str("Ed448"),
            Self::X25519 => f.write_str("X25519 (a key-agreement key, which cannot sign)"),
            Self::X448 => f.write_str("X448 (a key-agreement key, which cannot sign)"),
            Self::Dsa => f.write_str("DSA"),
            Self::Algorithm { oid } => write!(f, "with algorithm identifier {oid}"),
            Self::PemLabel { label } => write!(f, "in a PEM \"{label}\" block"),
        }
    }
}

/// Why the crypto library (aws-lc-rs) refused a private key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyRejection {
    /// An RSA key smaller than 2048 bits.
    TooSmall,
    /// An RSA key larger than 8192 bits.
    TooLarge,
    /// The key's encoding is invalid.
    InvalidEncoding,
    /// The public key does not belong to the private key.
    InconsistentComponents,
    /// Not a key of the type its encoding names.
    WrongAlgorithm,
    /// The key's public half cannot be encoded.
    PublicKeyNotEncodable,
    /// Refused for a reason the library does not name.
    Other,
}

impl KeyRejection {
    pub(crate) fn from_aws_lc(error: &aws_lc_rs::error::KeyRejected) -> Self {
        match error.description_() {
            "TooSmall" => Self::TooSmall,
            "TooLarge" => Self::TooLarge,
            "InvalidEncoding" => Self::InvalidEncoding,
            "InconsistentComponents" => Self::InconsistentComponents,
            "WrongAlgorithm" => Self::WrongAlgorithm,
            _ => Self::Other,
        }
    }
}

impl fmt::Display for KeyRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TooSmall => "RSA keys smaller than 2048 bits are refused",
            Self::TooLarge => "RSA keys larger than 8192 bits are refused",
            Self::InvalidEncoding => "its encoding is invalid",
            Self::InconsistentComponents => {
                "its parts are inconsistent (the public key does not belong to the private key)"
            }
            Self::WrongAlgorithm => "it is not a key of the type its encoding names",
            Self::PublicKeyNotEncodable => "its public key cannot be encoded",
            Self::Other => "the crypto library refused it",
        })
    }
}

/// Why a peer's certificate key cannot be verified with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeerKeyProblem {
    /// The certificate does not parse.
    Unparsable,
    /// A kind of key keel does not verify with.
    Unsupported {
        /// The kind.
        key: UnsupportedKey,
    },
    /// An RSA key outside 2048..=8192 bits.
    RsaSize {
        /// Its size.
        bits: usize,
    },
    /// The RSA public key is malformed.
    MalformedRsaKey,
    /// The keyUsage extension is malformed.
    MalformedKeyUsage,
}

impl fmt::Display for PeerKeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unparsable => f.write_str("the certificate does not parse"),
            Self::Unsupported { key } => {
                write!(f, "keel does not verify signatures made with {key} keys")
            }
            Self::RsaSize { bits } => {
                write!(f, "its RSA key has {bits} bits; keel accepts 2048 to 8192")
            }
            Self::MalformedRsaKey => f.write_str("its RSA public key is malformed"),
            Self::MalformedKeyUsage => f.write_str("its keyUsage extension is malformed"),
        }
    }
}

/// One thing that went wrong reading the system's CA certificates through
/// rustls-native-certs: a file or directory that could not be read, a PEM
/// block that did not decode, or the platform store's own error. The
/// cause (an I/O error, a PEM error, the platform's error) is the
/// `source()`.
#[derive(Debug)]
pub struct SystemStoreProblem(pub(crate) rustls_native_certs::Error);

impl SystemStoreProblem {
    /// The file or directory concerned, when the problem is about one
    /// (rustls-native-certs names no file for a PEM block that does not
    /// decode).
    #[must_use]
    pub fn path(&self) -> Option<&std::path::Path> {
        match &self.0.kind {
            rustls_native_certs::ErrorKind::Io { path, .. } => Some(path),
            _ => None,
        }
    }

    /// The I/O error, when reading a file or directory failed.
    #[must_use]
    pub fn io_error(&self) -> Option<&std::io::Error> {
        match &self.0.kind {
            rustls_native_certs::ErrorKind::Io { inner, .. } => Some(inner),
            _ => None,
        }
    }
}

impl fmt::Display for SystemStoreProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // rustls-native-certs' own words for what it was doing; the cause
        // is left to source().
        f.write_str(self.0.context)?;
        match self.path() {
            Some(path) => write!(f, " {}", path.display()),
            None => Ok(()),
        }
    }
}

impl std::error::Error for SystemStoreProblem {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.0)
    }
}
