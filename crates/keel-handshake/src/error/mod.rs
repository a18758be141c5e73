//! Every way a handshake can fail, and the one function that maps each to
//! the alert keel sends. Broad kinds carry a typed reason (`reasons.rs`),
//! never a sentence; a variant that wraps another error shows only its own
//! words and leaves the wrapped error to `source()` (or shows the wrapped
//! error's words alone, when it adds none), so that printing the chain says
//! each thing once.

mod reasons;

pub use reasons::{IllegalParameter, Internal, Repeated};

use keel_pki::{CertError, SignError};
use keel_record::RecordError;
use keel_wire::DecodeError;
use keel_wire::registry::{
    AlertDescription, ContentType, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion,
};
use snafu::Snafu;

use crate::key_schedule::KeyScheduleError;
use crate::transcript::TranscriptError;

/// A handshake or connection failure. Errors are sticky: once a connection
/// returns one, every later call returns the same error.
#[derive(Debug, Clone, PartialEq, Eq, Snafu)]
#[non_exhaustive]
#[snafu(visibility(pub(crate)))]
pub enum HandshakeError {
    // --- Malformed input ---------------------------------------------------
    /// A message could not be decoded; the source says which field, where.
    #[snafu(display("malformed {message}"))]
    Decode {
        /// The message being decoded.
        message: HandshakeType,
        /// What was wrong, where.
        source: DecodeError,
    },
    /// The record layer refused the bytes.
    #[snafu(transparent)]
    Record {
        /// The record-layer error.
        source: RecordError,
    },

    // --- Valid message, wrong time ----------------------------------------
    /// A message that is not a legal next message in this state
    /// (RFC 5246 §7.4; includes an early ChangeCipherSpec, CVE-2014-0224).
    #[snafu(display("unexpected {got} while expecting {expected}"))]
    UnexpectedMessage {
        /// What the state machine was waiting for.
        expected: &'static str,
        /// What arrived.
        got: MessageKind,
    },

    /// The peer sent handshake data after the last message of its flight,
    /// before it could have seen the reply (RFC 5246 §7.3: each side waits
    /// for the other's flight).
    #[snafu(display("handshake data after the end of the peer's flight"))]
    ExcessHandshakeData,

    // --- The peer cannot meet keel's policy --------------------------------
    /// The peer offers only versions below TLS 1.2, or chose one.
    #[snafu(display("peer does not support TLS 1.2 (offered {version})"))]
    ProtocolVersion {
        /// The version offered or chosen.
        version: ProtocolVersion,
    },
    /// The client signalled a fallback (TLS_FALLBACK_SCSV) to a version
    /// below TLS 1.2, which the server supports (RFC 7507 §3): a downgrade,
    /// or a client that retried after a spurious failure.
    #[snafu(display(
        "inappropriate fallback: the client offered {version} with TLS_FALLBACK_SCSV"
    ))]
    InappropriateFallback {
        /// The highest version the client offered.
        version: ProtocolVersion,
    },
    /// No cipher suite both sides accept (keel: ECDHE with AES-GCM or
    /// ChaCha20-Poly1305 only).
    #[snafu(display("no cipher suite in common"))]
    NoSharedCipherSuite,
    /// No elliptic-curve group both sides accept.
    #[snafu(display("no key-exchange group in common"))]
    NoSharedGroup,
    /// The server's only certificates for the client's suites are ECDSA
    /// keys on a curve the client's supported_groups leaves out (RFC 8422
    /// §5.3: the key "MUST use a curve ... supported by the client").
    #[snafu(display("the certificate's key is on {curve}, which the client does not offer"))]
    CertificateCurveNotShared {
        /// The certificate key's curve.
        curve: NamedGroup,
    },
    /// No signature scheme both sides accept for the certificate's key.
    #[snafu(display("no signature scheme in common"))]
    NoSharedSignatureScheme,
    /// The peer does not support the Extended Master Secret (RFC 7627),
    /// which keel requires.
    #[snafu(display("peer does not support the extended master secret (RFC 7627)"))]
    NoExtendedMasterSecret,
    /// The server does not indicate secure renegotiation support (RFC 5746).
    #[snafu(display("peer does not indicate secure renegotiation (RFC 5746)"))]
    NoSecureRenegotiation,
    /// The peer did not offer null compression.
    #[snafu(display("peer does not offer null compression"))]
    NoNullCompression,
    /// ALPN was offered but no protocol is acceptable to both.
    #[snafu(display("no application protocol in common"))]
    NoApplicationProtocol,
    /// The server has no certificate for the name the client asked for.
    #[snafu(display("no certificate for server name {name}"))]
    UnrecognizedName {
        /// The SNI name.
        name: String,
    },
    /// The client's SNI host_name is not a DNS host name: not ASCII, an IP
    /// address, or breaking DNS name syntax (RFC 6066 §3).
    #[snafu(display("the client's SNI {name:?} is not a DNS host name"))]
    SniNotAHostName {
        /// The name sent (bytes that are not UTF-8 replaced).
        name: String,
    },

    // --- The peer broke a rule ---------------------------------------------
    /// A ServerHello extension the client did not offer (RFC 5246 §7.4.1.4).
    #[snafu(display("unsolicited extension {extension}"))]
    UnsolicitedExtension {
        /// The extension.
        extension: ExtensionType,
    },
    /// A value the peer may not choose or send (a suite, group, scheme or
    /// protocol the other side did not offer; a bad point).
    #[snafu(display("illegal parameter: {reason}"))]
    IllegalParameter {
        /// What was wrong.
        reason: IllegalParameter,
    },
    /// The peer's Finished did not verify.
    #[snafu(display("the peer's Finished message does not verify"))]
    BadFinished,
    /// The binder of the PSK the server selected does not verify (RFC 8446
    /// §4.2.11: the handshake is aborted).
    #[snafu(display("the client's PSK binder does not verify"))]
    BadBinder,
    /// The peer's key-exchange or CertificateVerify signature is invalid.
    #[snafu(transparent)]
    Signature {
        /// Why.
        source: SignError,
    },
    /// The peer's certificate chain was refused.
    #[snafu(transparent)]
    Certificate {
        /// Why.
        source: CertError,
    },
    /// The peer's leaf certificate does not allow its key to sign (its
    /// keyUsage lacks digitalSignature, RFC 5280 §4.2.1.3), and every keel
    /// suite signs with it (RFC 5246 §7.4.2). Checked in the handshake,
    /// whatever verifier is installed.
    #[snafu(display(
        "the peer's certificate does not allow its key to sign (keyUsage), which ECDHE needs"
    ))]
    CertificateMayNotSign,
    /// Too many renegotiation attempts, warning alerts or HelloRequests in
    /// a row: a cheap way to keep a peer busy.
    #[snafu(display("too many {what} in a row"))]
    TooMany {
        /// What was repeated.
        what: Repeated,
    },

    // --- The peer ended the connection -------------------------------------
    /// The peer sent a fatal alert.
    #[snafu(display("peer sent fatal alert {description}"))]
    AlertReceived {
        /// The alert.
        description: AlertDescription,
    },
    /// The transport ended without close_notify: the data may be truncated.
    #[snafu(display("connection closed without close_notify (possible truncation)"))]
    Truncated,
    /// The peer sent close_notify before the handshake completed: there is
    /// no session. keel answers with its own close_notify
    /// (RFC 5246 §7.2.1) and sends no fatal alert.
    #[snafu(display("the peer closed the connection before the handshake completed"))]
    ClosedDuringHandshake,

    // --- keel or the caller ------------------------------------------------
    /// A limit of this endpoint was exceeded (e.g. the handshake transcript).
    #[snafu(transparent)]
    Transcript {
        /// Which.
        source: TranscriptError,
    },
    /// Key derivation failed.
    #[snafu(transparent)]
    KeySchedule {
        /// Why.
        source: KeyScheduleError,
    },
    /// Something that cannot happen with valid inputs (the RNG failed, the
    /// crypto library refused an operation). The peer is told
    /// internal_error.
    #[snafu(display("internal error: {reason}"))]
    Internal {
        /// What failed.
        reason: Internal,
    },
    /// Keying material could not be exported: the handshake is not complete
    /// (`None`), or the request is invalid.
    #[snafu(display("cannot export keying material{}", export_reason(reason)))]
    Exporter {
        /// Why, when the handshake is complete.
        reason: Option<crate::key_schedule::ExportError>,
    },
    /// The peer left out an extension this handshake requires (RFC 8446
    /// §4.2: missing_extension), such as signature_algorithms in a TLS 1.3
    /// CertificateRequest.
    #[snafu(display("the peer's {message} lacks the {extension} extension"))]
    MissingExtension {
        /// The message.
        message: HandshakeType,
        /// The extension.
        extension: ExtensionType,
    },
    /// A TLS 1.3 server sent an empty Certificate (RFC 8446 §4.4.2.4:
    /// decode_error).
    #[snafu(display("the server sent an empty certificate chain"))]
    EmptyServerCertificate,
    /// A TLS 1.3 client sent no certificate to a server that requires one
    /// (RFC 8446 §4.4.2.4: certificate_required).
    #[snafu(display("the client sent no certificate, and one is required"))]
    CertificateRequired,
    /// The connection was used after it was closed, or before it could be.
    #[snafu(display("connection is closed"))]
    Closed,
}

/// What kind of message arrived, for errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// A handshake message of this type.
    Handshake(HandshakeType),
    /// A ChangeCipherSpec.
    ChangeCipherSpec,
    /// Application data.
    ApplicationData,
    /// Another record type.
    Record(ContentType),
}

impl core::fmt::Display for MessageKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Handshake(t) => write!(f, "{t}"),
            Self::ChangeCipherSpec => f.write_str("change_cipher_spec"),
            Self::ApplicationData => f.write_str("application_data"),
            Self::Record(t) => write!(f, "{t} record"),
        }
    }
}

impl HandshakeError {
    /// The fatal alert to send for this error, or `None` when none is sent
    /// (the peer's own fatal alert, a truncated connection).
    #[must_use]
    pub fn alert(&self) -> Option<AlertDescription> {
        use AlertDescription as A;
        // RFC 5246 §7.2.2: the appropriate alert for each error, sent fatal
        // before closing; never a *_RESERVED one.
        Some(match self {
            // RFC 5246 §7.4.1.2: a message that does not match its format.
            Self::Decode { source, .. } => source.alert(),
            Self::Record { source } => source.alert(),
            Self::UnexpectedMessage { .. } | Self::ExcessHandshakeData => A::UNEXPECTED_MESSAGE,
            Self::ProtocolVersion { .. } => A::PROTOCOL_VERSION,
            Self::InappropriateFallback { .. } => A::INAPPROPRIATE_FALLBACK,
            Self::NoSharedCipherSuite
            | Self::NoSharedGroup
            | Self::CertificateCurveNotShared { .. }
            | Self::NoSharedSignatureScheme
            // RFC 7627 §5.2 and RFC 5746 §3.4: "abort the handshake" is a
            // fatal handshake_failure (RFC 5746 §4.1 names it too).
            | Self::NoExtendedMasterSecret
            | Self::NoSecureRenegotiation => A::HANDSHAKE_FAILURE,
            Self::NoNullCompression | Self::IllegalParameter { .. } => A::ILLEGAL_PARAMETER,
            Self::NoApplicationProtocol => A::NO_APPLICATION_PROTOCOL,
            Self::UnrecognizedName { .. } | Self::SniNotAHostName { .. } => A::UNRECOGNIZED_NAME,
            Self::UnsolicitedExtension { .. } => A::UNSUPPORTED_EXTENSION,
            Self::BadFinished | Self::BadBinder => A::DECRYPT_ERROR,
            Self::MissingExtension { .. } => A::MISSING_EXTENSION,
            Self::EmptyServerCertificate => A::DECODE_ERROR,
            Self::CertificateRequired => A::CERTIFICATE_REQUIRED,
            Self::Signature { source } => source.alert(),
            Self::Certificate { source } => source.alert(),
            Self::CertificateMayNotSign => A::UNSUPPORTED_CERTIFICATE,
            Self::TooMany { .. } => A::UNEXPECTED_MESSAGE,
            Self::AlertReceived { .. }
            | Self::Truncated
            | Self::ClosedDuringHandshake
            | Self::Closed
            | Self::Exporter { .. } => {
                return None;
            }
            Self::Transcript { .. } => A::ILLEGAL_PARAMETER,
            Self::KeySchedule { .. } | Self::Internal { .. } => A::INTERNAL_ERROR,
        })
    }
}

fn export_reason(reason: &Option<crate::key_schedule::ExportError>) -> String {
    reason.map_or_else(
        || ": the handshake is not complete".to_owned(),
        |e| format!(": {e}"),
    )
}
