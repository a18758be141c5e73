//! keel's errors.

use keel_handshake::HandshakeError;
use keel_pki::InvalidServerName;
use keel_wire::registry::{CipherSuite, NamedGroup, SignatureScheme};
use snafu::Snafu;

/// Everything that can go wrong with a keel connection or configuration.
#[derive(Debug, Clone, PartialEq, Eq, Snafu)]
#[non_exhaustive]
#[snafu(visibility(pub(crate)))]
pub enum Error {
    /// The TLS connection failed; the matching alert was queued for the
    /// peer. Sticky: every later call returns it again.
    #[snafu(transparent)]
    Tls {
        /// What happened.
        source: HandshakeError,
    },
    /// A configuration that cannot work.
    #[snafu(transparent)]
    Config {
        /// Why.
        source: ConfigError,
    },
    /// The name to connect to is neither a DNS name nor an IP address.
    #[snafu(transparent)]
    ServerName {
        /// Why.
        source: InvalidServerName,
    },
    /// [`Connection::read`](crate::Connection::read) has no application
    /// data yet: give the connection more of the peer's bytes first. Not a
    /// failure; `Ok(0)` is kept for the end of the peer's data, as in
    /// `std::io::Read` and rustls.
    #[snafu(display("no application data yet: the connection needs more of the peer's bytes"))]
    WouldBlock,
}

/// Why a config builder refused to build.
#[derive(Debug, Clone, PartialEq, Eq, Snafu)]
#[non_exhaustive]
pub enum ConfigError {
    /// A server needs at least one certificate.
    #[snafu(display("a server needs a certificate and its key"))]
    NoCertificate,
    /// A suite keel does not implement (only ECDHE with AES-GCM or
    /// ChaCha20-Poly1305).
    #[snafu(display("cipher suite {suite} is not one keel offers"))]
    UnsupportedCipherSuite {
        /// The suite.
        suite: CipherSuite,
    },
    /// A group keel does not implement (X25519, P-256, P-384).
    #[snafu(display("group {group} is not one keel offers"))]
    UnsupportedGroup {
        /// The group.
        group: NamedGroup,
    },
    /// A signature scheme keel does not accept in TLS 1.2 (no SHA-1, no
    /// DSA; see `keel::hazmat::handshake::policy::SIGNATURE_SCHEMES`).
    #[snafu(display("signature scheme {scheme} is not one keel accepts"))]
    UnsupportedSignatureScheme {
        /// The scheme.
        scheme: SignatureScheme,
    },
    /// An empty list of suites, groups or signature schemes.
    #[snafu(display("the list of {what} is empty"))]
    Empty {
        /// Which list.
        what: &'static str,
    },
    /// record_size_limit must be 64 to 16384 in TLS 1.2 (RFC 8449 §4).
    #[snafu(display("record size limit {value} is outside 64..=16384"))]
    InvalidRecordSizeLimit {
        /// The value given.
        value: u16,
    },
    /// An ALPN protocol name must be 1 to 255 bytes (RFC 7301 §3.1).
    #[snafu(display("ALPN protocol names must be 1 to 255 bytes"))]
    InvalidAlpn,
    /// `with_ocsp_response` was called before any certificate was added.
    #[snafu(display("an OCSP response was given before any certificate"))]
    OcspResponseWithoutCertificate,
    /// A stapled OCSP response must be 1 to 2^24-1 bytes (RFC 6066 §8).
    #[snafu(display("an OCSP response to staple must be 1 to 2^24-1 bytes"))]
    InvalidOcspResponse,
    /// `with_client_certificate_check` without `with_client_auth`: the
    /// check would never run.
    #[snafu(display(
        "a client certificate check was added, but client authentication is not enabled"
    ))]
    ClientCertificateCheckWithoutClientAuth,
    /// The random source failed while the configuration was built.
    #[snafu(display("the random source failed"))]
    Random,
}

/// The `io::Error` a keel error becomes in the blocking [`crate::Stream`]
/// and the tokio adapter alike, carrying the keel error as its inner error:
///
/// - `UnexpectedEof`: the transport ended without close_notify (a
///   truncation), or the peer closed before the handshake completed;
/// - `BrokenPipe`: the connection is closed and was used again;
/// - `InvalidInput`: a server name or configuration the caller gave;
/// - `WouldBlock`: [`Error::WouldBlock`], no data yet;
/// - `InvalidData`: every other TLS failure (the alert has been sent).
impl From<Error> for std::io::Error {
    fn from(err: Error) -> Self {
        use keel_handshake::HandshakeError as H;
        use std::io::ErrorKind as K;
        let kind = match &err {
            Error::Tls {
                source: H::Truncated | H::ClosedDuringHandshake,
            } => K::UnexpectedEof,
            Error::Tls { source: H::Closed } => K::BrokenPipe,
            Error::ServerName { .. } | Error::Config { .. } => K::InvalidInput,
            Error::WouldBlock => K::WouldBlock,
            _ => K::InvalidData,
        };
        Self::new(kind, err)
    }
}
