//! Why certificates, keys or a trust store could not be loaded, and why a
//! TLS 1.2 signature could not be made or checked.
//!
//! [`LoadError`] is about configuration: it reaches the person who set keel
//! up, never a peer, so it has no alert. [`SignError`] happens during a
//! handshake and names the alert it sends ([`SignError::alert`]).

use std::path::PathBuf;

use keel_wire::registry::{AlertDescription, SignatureScheme};
use snafu::Snafu;

use crate::load_reasons::{
    CertificateParseError, KeyRejection, PeerKeyProblem, SystemStoreProblem, TrustAnchorError,
    UnsupportedKey,
};

/// Certificates, a private key or a trust store that keel refuses to load.
/// Each variant is one mistake a person can fix.
#[derive(Debug, Snafu)]
#[snafu(visibility(pub(crate)))]
#[non_exhaustive]
pub enum LoadError {
    /// The input looks like PEM (it has a `-----BEGIN` line) but is not
    /// well-formed.
    #[snafu(display("invalid PEM at line {line}: {reason}"))]
    InvalidPem {
        /// The 1-based line where the problem was found.
        line: usize,
        /// What is wrong there.
        reason: &'static str,
    },
    /// A certificate is not valid DER X.509.
    #[snafu(display("certificate {index} of the input (counting from 0) cannot be parsed"))]
    InvalidCertificate {
        /// Position of the certificate in the input, counting from 0.
        index: usize,
        /// What is wrong (the X.509 parser's own error is its source).
        source: CertificateParseError,
    },
    /// The input, or a certificate chain, holds no certificate.
    #[snafu(display(
        "no certificate found: the input holds no CERTIFICATE block, or the chain is empty"
    ))]
    NoCertificates,
    /// The input holds no private key.
    #[snafu(display(
        "no private key found: expected a PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block"
    ))]
    NoPrivateKey,
    /// The input holds more than one private key, so which one is meant
    /// is unclear.
    #[snafu(display("the input holds {count} private keys where exactly one is expected"))]
    MultiplePrivateKeys {
        /// How many keys were found.
        count: usize,
    },
    /// The private key is encrypted (a PEM `ENCRYPTED PRIVATE KEY` block, a
    /// legacy PEM block with `Proc-Type: 4,ENCRYPTED`, or a DER PKCS#8
    /// `EncryptedPrivateKeyInfo`).
    #[snafu(display(
        "the private key is encrypted, and keel does not decrypt keys: decrypt it first \
         (for example with `openssl pkey -in key.pem -out key-plain.pem`) and protect \
         the file's permissions instead"
    ))]
    EncryptedPrivateKey,
    /// DER input that is none of the private key forms keel reads.
    #[snafu(display("the input is not a private key in PKCS#8, SEC1 or PKCS#1 DER form"))]
    NotAPrivateKey,
    /// A private key of a kind keel does not sign with.
    #[snafu(display(
        "unsupported private key type {kind}: keel signs with RSA (2048 to 8192 bits), \
         ECDSA on P-256 or P-384, and Ed25519 keys"
    ))]
    UnsupportedKeyType {
        /// The kind of key found.
        kind: UnsupportedKey,
    },
    /// The private key has a supported type but the crypto library
    /// refused it.
    #[snafu(display("the private key was rejected: {reason}"))]
    KeyRejected {
        /// Why.
        reason: KeyRejection,
    },
    /// The private key belongs to none of the certificates of the chain.
    #[snafu(display("the private key does not match the certificate's public key"))]
    KeyDoesNotMatchCertificate,
    /// The private key belongs to a certificate further down the chain:
    /// the chain is in the wrong order.
    #[snafu(display(
        "the private key matches certificate {index} of the chain, not the first one: \
         the chain must start with the leaf certificate for this key, followed by its issuers"
    ))]
    ChainOutOfOrder {
        /// Position (counting from 0) of the certificate the key belongs to.
        index: usize,
    },
    /// The leaf certificate is a CA certificate, which peers refuse as an
    /// end-entity certificate.
    #[snafu(display(
        "the leaf certificate is a CA certificate (basicConstraints cA=TRUE) and peers \
         will refuse it: issue an end-entity certificate for the key (with `openssl req \
         -x509`, add `-addext basicConstraints=critical,CA:FALSE`)"
    ))]
    LeafIsCa,
    /// Besides the leaf, the chain holds another end-entity certificate.
    #[snafu(display(
        "certificate {index} of the chain is an end-entity certificate too: a chain holds \
         exactly one leaf, first, followed by the CA certificates that issued it"
    ))]
    MoreThanOneLeaf {
        /// Position (counting from 0) of the second end-entity certificate.
        index: usize,
    },
    /// PEM meant for a trust store holds a private key.
    #[snafu(display(
        "the trust store input holds a private key (the PEM block at line {line}): a trust \
         store holds CA certificates only; keep private keys out of it"
    ))]
    PrivateKeyInTrustStore {
        /// The 1-based line of the key's `-----BEGIN` line.
        line: usize,
    },
    /// A trust store would hold no root.
    #[snafu(display("the trust store would be empty: the input holds no certificate"))]
    EmptyTrustStore,
    /// A certificate parses but cannot serve as a trust anchor.
    #[snafu(display("certificate {index} of the input cannot be used as a trust anchor"))]
    UnusableTrustAnchor {
        /// Position of the certificate in the input, counting from 0.
        index: usize,
        /// What rustls-webpki found.
        source: TrustAnchorError,
    },
    /// The system's store (or SSL_CERT_FILE / SSL_CERT_DIR, which replace
    /// it when set) holds no CA certificate, and nothing failed while it
    /// was read: no bundle is installed, or the files named hold no
    /// `CERTIFICATE` block.
    #[snafu(display(
        "no CA certificate found in the system's store (SSL_CERT_FILE and SSL_CERT_DIR \
         replace it when set): install the ca-certificates package, point SSL_CERT_FILE \
         at a PEM bundle, or load a trust store from a file"
    ))]
    SystemTrustStoreNotFound,
    /// No CA certificate could be loaded from the system's store (or from
    /// SSL_CERT_FILE / SSL_CERT_DIR, which replace it when set), and
    /// reading it failed.
    #[snafu(display(
        "no CA certificate could be loaded from the system's store (SSL_CERT_FILE and \
         SSL_CERT_DIR replace it when set): {}",
        list_problems(problems)
    ))]
    SystemTrustStoreUnreadable {
        /// Each thing that failed, in the order it happened (at least one).
        /// The message shows each with its cause, since there is no single
        /// `source()` for several.
        problems: Vec<SystemStoreProblem>,
    },
    /// A file could not be read.
    #[snafu(display("cannot read {}", path.display()))]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

/// A TLS 1.2 signature that could not be made (our key) or that does not
/// check out (the peer's). Each variant maps to one TLS alert
/// ([`SignError::alert`]).
#[derive(Debug, Clone, PartialEq, Eq, Snafu)]
#[snafu(visibility(pub(crate)))]
#[non_exhaustive]
pub enum SignError {
    /// Our key cannot sign with the scheme asked for.
    #[snafu(display("a {key} key cannot sign with {scheme}"))]
    UnsupportedScheme {
        /// The scheme asked for.
        scheme: SignatureScheme,
        /// The kind of key (see [`SigningKey::algorithm_name`](crate::SigningKey::algorithm_name)).
        key: &'static str,
    },
    /// The crypto library failed to sign.
    #[snafu(display("the crypto library failed to produce a {scheme} signature"))]
    SigningFailed {
        /// The scheme used.
        scheme: SignatureScheme,
    },
    /// The peer's signature does not verify under its certificate's key.
    #[snafu(display("the peer's {scheme} signature does not verify with its certificate's key"))]
    BadSignature {
        /// The scheme the peer named.
        scheme: SignatureScheme,
    },
    /// The peer signed with a scheme keel does not accept in TLS 1.2
    /// (SHA-1, MD5, SHA-224, DSA, TLS 1.3-only schemes, unknown values).
    #[snafu(display("signature scheme {scheme} is not accepted by keel in TLS 1.2"))]
    UnsupportedSignatureScheme {
        /// The scheme the peer named.
        scheme: SignatureScheme,
    },
    /// The peer named a scheme that does not fit its certificate's key
    /// (an Ed25519 scheme with an RSA key, say).
    #[snafu(display("signature scheme {scheme} cannot be used with the peer's {key} key"))]
    SchemeDoesNotFitKey {
        /// The scheme the peer named.
        scheme: SignatureScheme,
        /// The kind of key in the peer's certificate.
        key: &'static str,
    },
    /// The peer's certificate holds a key keel cannot verify with: an
    /// unsupported type or size, or a malformed key.
    #[snafu(display("the peer's certificate key cannot be used: {reason}"))]
    BadPeerKey {
        /// What is wrong with the key.
        reason: PeerKeyProblem,
    },
}

impl SignError {
    /// The fatal alert to send (RFC 5246 §7.2.2).
    #[must_use]
    pub fn alert(&self) -> AlertDescription {
        match self {
            // RFC 5246 §7.2.2: decrypt_error covers "being unable to
            // correctly verify a signature".
            Self::BadSignature { .. } => AlertDescription::DECRYPT_ERROR,
            // The peer used a scheme that was not offered, or that its own
            // key cannot make: it broke the negotiation.
            Self::UnsupportedSignatureScheme { .. } | Self::SchemeDoesNotFitKey { .. } => {
                AlertDescription::ILLEGAL_PARAMETER
            }
            Self::BadPeerKey { .. } => AlertDescription::BAD_CERTIFICATE,
            // Our side failed: the scheme was negotiated wrongly or the
            // crypto library failed.
            Self::UnsupportedScheme { .. } | Self::SigningFailed { .. } => {
                AlertDescription::INTERNAL_ERROR
            }
        }
    }
}

/// Each problem with its causes ("what: cause: cause"), joined by "; ".
fn list_problems(problems: &[SystemStoreProblem]) -> String {
    let shown: Vec<String> = problems
        .iter()
        .map(|problem| {
            let mut text = problem.to_string();
            let mut cause = std::error::Error::source(problem);
            while let Some(next) = cause {
                text.push_str(": ");
                text.push_str(&next.to_string());
                cause = next.source();
            }
            text
        })
        .collect();
    shown.join("; ")
}
