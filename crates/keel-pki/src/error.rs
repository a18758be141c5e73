//! Why a peer's certificate chain was refused, with the alert that says so.

use keel_wire::registry::AlertDescription;
use rustls_pki_types::UnixTime;
use snafu::Snafu;

/// Which usage a certificate was checked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedUsage {
    /// TLS server authentication (id-kp-serverAuth).
    ServerAuth,
    /// TLS client authentication (id-kp-clientAuth).
    ClientAuth,
}

impl core::fmt::Display for ExpectedUsage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::ServerAuth => "TLS server authentication",
            Self::ClientAuth => "TLS client authentication",
        })
    }
}

/// A certificate chain that keel refuses to trust. Each variant is one
/// thing a person can act on, and maps to one TLS alert
/// ([`CertError::alert`]).
#[derive(Debug, Clone, PartialEq, Eq, Snafu)]
#[non_exhaustive]
pub enum CertError {
    /// The peer sent no certificate where one is required.
    #[snafu(display("the peer sent no certificate"))]
    NoCertificate,
    /// A certificate in the chain is not valid DER X.509.
    #[snafu(display("certificate {index} in the chain is malformed: {reason}"))]
    Malformed {
        /// Position in the chain as sent (0 = leaf), or the trust store.
        index: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A certificate's validity period ended before the validation time.
    #[snafu(display(
        "certificate expired at {} (checked at {}){}",
        rfc3339(not_after),
        rfc3339(now),
        subject_suffix(subject)
    ))]
    Expired {
        /// The certificate's notAfter (a date before 1970 reads as 1970).
        not_after: UnixTime,
        /// The validation time.
        now: UnixTime,
        /// The subject of the certificate, when it is not the leaf.
        subject: Option<String>,
    },
    /// A certificate's validity period starts after the validation time.
    #[snafu(display(
        "certificate is not valid before {} (checked at {}){}",
        rfc3339(not_before),
        rfc3339(now),
        subject_suffix(subject)
    ))]
    NotYetValid {
        /// The certificate's notBefore (a date before 1970 reads as 1970).
        not_before: UnixTime,
        /// The validation time.
        now: UnixTime,
        /// The subject of the certificate, when it is not the leaf.
        subject: Option<String>,
    },
    /// No path leads from the chain to a trusted root.
    #[snafu(display(
        "the certificate's issuer is not trusted: no path to a root in the trust store"
    ))]
    UnknownIssuer,
    /// The leaf does not name the server that was asked for.
    #[snafu(display(
        "certificate is not valid for {expected}; it is valid for {}",
        list_names(presented)
    ))]
    HostnameMismatch {
        /// The name or address the client asked for.
        expected: String,
        /// The DNS names and IP addresses the certificate holds.
        presented: Vec<String>,
    },
    /// The leaf (or an issuer) is not allowed for this usage: an extended
    /// key usage without the one required, or a key usage that forbids
    /// signing.
    #[snafu(display("certificate is not allowed for {usage}: {detail}"))]
    WrongUsage {
        /// The usage checked.
        usage: ExpectedUsage,
        /// What was found.
        detail: &'static str,
    },
    /// A CA certificate was presented as the end-entity certificate.
    #[snafu(display("a CA certificate was presented as the end-entity certificate"))]
    CaUsedAsEndEntity,
    /// An end-entity certificate was used to issue another certificate.
    #[snafu(display("an end-entity certificate was used as a CA"))]
    EndEntityUsedAsCa,
    /// A signature in the chain uses an algorithm keel does not accept.
    #[snafu(display("the chain uses a signature algorithm keel does not accept"))]
    UnsupportedSignatureAlgorithm,
    /// A signature in the chain does not verify.
    #[snafu(display("a certificate signature in the chain is invalid"))]
    BadSignature,
    /// The path is longer than allowed, or a pathLenConstraint is violated.
    #[snafu(display("the certificate path is too long"))]
    PathTooLong,
    /// A name constraint of an issuing CA is violated.
    #[snafu(display("the certificate violates a name constraint of its issuer"))]
    NameConstraintViolation,
    /// A certificate carries a critical extension keel does not understand
    /// (RFC 5280 §4.2: such a certificate MUST be rejected).
    #[snafu(display("certificate {subject} has an unknown critical extension {oid}"))]
    UnknownCriticalExtension {
        /// The certificate's subject.
        subject: String,
        /// The extension's OID, dotted.
        oid: String,
    },
    /// A key too weak or of a forbidden kind (RSA below 2048 bits, DSA,
    /// curves below P-256).
    #[snafu(display("certificate {subject} has a weak or forbidden key: {detail}"))]
    WeakKey {
        /// The certificate's subject.
        subject: String,
        /// The key found.
        detail: String,
    },
    /// A certificate used as an issuer (trust anchor or intermediate) is not
    /// a CA: no basicConstraints with cA=TRUE, or no keyCertSign.
    #[snafu(display("issuer {subject} is not a valid CA: {detail}"))]
    NotACa {
        /// The issuer's subject.
        subject: String,
        /// What is missing.
        detail: &'static str,
    },
    /// An extension is malformed or breaks an RFC 5280 rule keel enforces.
    #[snafu(display("certificate {subject} is invalid: {detail}"))]
    Invalid {
        /// The certificate's subject.
        subject: String,
        /// The rule broken.
        detail: &'static str,
    },
    /// The certificate is revoked (reported by a revocation hook).
    #[snafu(display("certificate is revoked: {reason}"))]
    Revoked {
        /// The hook's explanation.
        reason: String,
    },
    /// A user check refused a chain that passed every built-in check.
    #[snafu(display("certificate refused by policy: {reason}"))]
    RejectedByPolicy {
        /// The check's explanation.
        reason: String,
    },
    /// Path building gave up: the chain is built to exhaust the verifier.
    #[snafu(display("the certificate chain is too complex to evaluate"))]
    TooComplex,
}

impl CertError {
    /// The fatal alert to send (RFC 5246 §7.2.2).
    #[must_use]
    pub fn alert(&self) -> AlertDescription {
        match self {
            Self::NoCertificate => AlertDescription::HANDSHAKE_FAILURE,
            Self::Expired { .. } => AlertDescription::CERTIFICATE_EXPIRED,
            Self::UnknownIssuer | Self::NotACa { .. } => AlertDescription::UNKNOWN_CA,
            Self::BadSignature => AlertDescription::DECRYPT_ERROR,
            Self::WrongUsage { .. }
            | Self::UnsupportedSignatureAlgorithm
            | Self::UnknownCriticalExtension { .. } => AlertDescription::UNSUPPORTED_CERTIFICATE,
            Self::Revoked { .. } => AlertDescription::CERTIFICATE_REVOKED,
            // Bytes that are not DER X.509 could not be decoded: the alert
            // OpenSSL and BoringSSL send for them.
            Self::Malformed { .. } => AlertDescription::DECODE_ERROR,
            Self::NotYetValid { .. }
            | Self::HostnameMismatch { .. }
            | Self::CaUsedAsEndEntity
            | Self::EndEntityUsedAsCa
            | Self::PathTooLong
            | Self::NameConstraintViolation
            | Self::WeakKey { .. }
            | Self::Invalid { .. }
            | Self::TooComplex => AlertDescription::BAD_CERTIFICATE,
            // The application's own check said no: nothing is wrong with
            // the certificate as such. OpenSSL and BoringSSL send
            // handshake_failure for a refusal by the application's verify
            // callback (X509_V_ERR_APPLICATION_VERIFICATION).
            Self::RejectedByPolicy { .. } => AlertDescription::HANDSHAKE_FAILURE,
        }
    }
}

/// A time as an RFC 3339 UTC timestamp.
fn rfc3339(time: &UnixTime) -> String {
    crate::verify::describe::rfc3339(crate::verify::path::secs(*time))
}

fn subject_suffix(subject: &Option<String>) -> String {
    subject
        .as_ref()
        .map(|s| format!(" (certificate {s})"))
        .unwrap_or_default()
}

fn list_names(names: &[String]) -> String {
    if names.is_empty() {
        "no names".to_owned()
    } else {
        names.join(", ")
    }
}
