//! The record layer's errors, each with the alert it sends.

use keel_wire::registry::{AlertDescription, ContentType, ProtocolVersion};
use snafu::Snafu;

use crate::aead::RecordProtection;

/// Why the record layer refused bytes or refused to protect them.
///
/// Errors are sticky: once a [`RecordDecoder`](crate::RecordDecoder),
/// [`RecordReader`](crate::RecordReader) or
/// [`RecordWriter`](crate::RecordWriter) has returned one, it returns the
/// same error for every later call.
#[derive(Debug, Clone, PartialEq, Eq, Snafu)]
#[non_exhaustive]
pub enum RecordError {
    /// A record type that is not handshake, alert, change_cipher_spec or
    /// application_data (RFC 5246 §6: "If a TLS implementation receives an
    /// unexpected record type, it MUST send an unexpected_message alert";
    /// RFC 8446 §5 likewise), or a type out of place in TLS 1.3: an
    /// unprotected record other than the middlebox change_cipher_spec once
    /// records are protected, a change_cipher_spec after the handshake or
    /// inside a protected record (RFC 8446 §5).
    #[snafu(display("unexpected record type {content_type}"))]
    UnexpectedContentType {
        /// The type found.
        content_type: ContentType,
    },
    /// The first bytes of the connection are plaintext HTTP, not a TLS
    /// record: a client speaking `http://` to a TLS port or asking a proxy
    /// to CONNECT, or a plain-HTTP server answering a TLS client. Said plainly, because "unexpected record type
    /// 0x47" leaves an operator guessing.
    #[snafu(display("{request}: the peer speaks plain HTTP, not TLS"))]
    HttpRequest {
        /// What the bytes look like.
        request: HttpRequestKind,
    },
    /// A record version that is not acceptable at this point (RFC 5246
    /// Appendix E.1): any version with major byte 3 before the version is
    /// negotiated, exactly TLS 1.2 after.
    #[snafu(display("record version {version} not accepted"))]
    BadVersion {
        /// The version found.
        version: ProtocolVersion,
    },
    /// A record longer than the protocol or the negotiated limit allows
    /// (RFC 5246 §6.2.1, RFC 5246 §6.2.3; RFC 8449).
    #[snafu(display("record of {length} bytes exceeds the limit of {limit}"))]
    RecordOverflow {
        /// The length found: of the fragment, or of the plaintext after
        /// decryption.
        length: usize,
        /// The limit in force.
        limit: usize,
    },
    /// A zero-length handshake, alert or change_cipher_spec record (RFC 5246
    /// §6.2.1: "Implementations MUST NOT send zero-length fragments of
    /// Handshake, Alert, or ChangeCipherSpec content types").
    #[snafu(display("empty {content_type} record"))]
    EmptyRecord {
        /// The record's type.
        content_type: ContentType,
    },
    /// More consecutive empty application-data records than a peer has any
    /// reason to send: a cheap way to make a receiver spin.
    #[snafu(display("more than {limit} consecutive empty records"))]
    TooManyEmptyRecords {
        /// The limit.
        limit: usize,
    },
    /// An alert record whose plaintext is not exactly one alert (2 bytes).
    #[snafu(display("alert record of {length} bytes"))]
    AlertLength {
        /// The plaintext length.
        length: usize,
    },
    /// A change_cipher_spec record that is not the single byte 1 (RFC 8446
    /// §5: "An implementation which receives any other change_cipher_spec
    /// value ... MUST abort the handshake with an unexpected_message
    /// alert").
    #[snafu(display("malformed change_cipher_spec record"))]
    BadChangeCipherSpec,
    /// More consecutive unencrypted change_cipher_spec records in a TLS 1.3
    /// handshake than [`MAX_CONSECUTIVE_MIDDLEBOX_CCS`](crate::limits::MAX_CONSECUTIVE_MIDDLEBOX_CCS):
    /// RFC 8446 §5 has them dropped unread, and an unbounded run would keep
    /// a receiver busy for free.
    #[snafu(display("more than {limit} consecutive change_cipher_spec records"))]
    TooManyChangeCipherSpecs {
        /// The limit.
        limit: usize,
    },
    /// A TLS 1.3 record whose decrypted TLSInnerPlaintext holds only zeros,
    /// so names no content type (RFC 8446 §5.4: "If a receiving
    /// implementation does not find a non-zero octet in the cleartext, it
    /// MUST terminate the connection with an unexpected_message alert").
    #[snafu(display("protected record with no content type"))]
    MissingContentType,
    /// A TLS 1.3 handshake or alert record with no content (RFC 8446 §5.4:
    /// "Implementations MUST NOT send Handshake and Alert records that have
    /// a zero-length TLSInnerPlaintext.content; if such a message is
    /// received, the receiving implementation MUST terminate the connection
    /// with an unexpected_message alert").
    #[snafu(display("empty {content_type} content in a protected record"))]
    EmptyProtectedContent {
        /// The record's inner type.
        content_type: ContentType,
    },
    /// TLS 1.3 keys were to change while handshake bytes were still
    /// buffered: part of a message, or a message after the one that
    /// changed the keys (RFC 8446 §5.1: "Implementations MUST verify that
    /// all messages immediately preceding a key change align with a record
    /// boundary; if not, then they MUST terminate the connection with an
    /// unexpected_message alert").
    #[snafu(display("key change with handshake data still buffered"))]
    KeyChangeNotOnRecordBoundary,
    /// A protected record failed authentication: tampered, truncated,
    /// replayed, reordered, or sealed under another key (RFC 5246 §6.2.3.3).
    /// Nothing of the record is released.
    #[snafu(display("record failed authentication"))]
    BadRecordMac,
    /// A non-handshake record arrived while a handshake message split across
    /// records was incomplete, or a key change came in the middle of one.
    #[snafu(display("{content_type} record inside a fragmented handshake message"))]
    InterleavedHandshake {
        /// The type of the record that interrupted.
        content_type: ContentType,
    },
    /// A handshake message larger than this endpoint accepts.
    #[snafu(display("handshake message of {length} bytes exceeds the limit of {limit}"))]
    HandshakeTooLarge {
        /// The declared message length.
        length: usize,
        /// The limit in force.
        limit: usize,
    },
    /// Application data in a record that is not protected. TLS 1.2 never
    /// sends application data before the first ChangeCipherSpec.
    #[snafu(display("unprotected application data"))]
    UnprotectedApplicationData,
    /// The 64-bit sequence number is exhausted; keel never lets it wrap,
    /// because a wrapped number reuses a nonce (RFC 5246 §6.1).
    #[snafu(display("sequence number exhausted"))]
    SequenceExhausted,
    /// This key has protected as many records as is safe (see
    /// [`AeadAlgorithm::record_limit`](crate::AeadAlgorithm::record_limit)).
    /// TLS 1.2 cannot rekey, so the connection must be closed; the last
    /// sequence number is kept for that closing alert. TLS 1.3 should have
    /// replaced the key before (see
    /// [`RecordSealer::key_update_due`](crate::RecordSealer::key_update_due));
    /// a new sealer lifts the refusal.
    #[snafu(display("key usage limit of {limit} records reached"))]
    KeyLimitReached {
        /// The record limit of the key.
        limit: u64,
    },
    /// Key or IV material of the wrong length for the algorithm: a bug in
    /// the caller, not in the peer.
    #[snafu(display("{what} must be {expected} bytes, got {actual}"))]
    BadKeyMaterial {
        /// Which input was wrong.
        what: &'static str,
        /// The length the algorithm needs.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// A call the key's record protection does not have: padding asked of a
    /// TLS 1.2 sealer, or a TLS 1.3 record opened without its inner type.
    /// A bug in the caller, not in the peer.
    #[snafu(display("not available with {protection} record protection"))]
    WrongProtection {
        /// The protection of the key used.
        protection: RecordProtection,
    },
    /// A TLS 1.3 record asked to carry content type 0, which its receiver
    /// would read as padding (RFC 8446 §5.2: the padding is zeros and the
    /// type is the last non-zero byte). A bug in the caller.
    #[snafu(display("content type 0 cannot be sent in a TLS 1.3 record"))]
    ZeroContentType,
    /// The cipher library refused an operation that cannot fail on valid
    /// input (aws-lc-rs reports no reason).
    #[snafu(display("the AEAD implementation failed"))]
    CipherFailure,
    /// A caller-supplied buffer is too small for the record being sealed.
    #[snafu(display("buffer of {actual} bytes, {needed} needed"))]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        actual: usize,
    },
}

/// What kind of plaintext HTTP opened a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpRequestKind {
    /// A request for a resource (GET, POST, HEAD, PUT): an `http://` URL
    /// pointed at a TLS port.
    Plain,
    /// CONNECT: the client takes this port for an HTTP proxy.
    ProxyConnect,
    /// A response (`HTTP/`): a client dialled a plain-HTTP server.
    Response,
}

impl core::fmt::Display for HttpRequestKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Plain => "an HTTP request",
            Self::ProxyConnect => "an HTTP proxy CONNECT request",
            Self::Response => "an HTTP response",
        })
    }
}

impl HttpRequestKind {
    /// Recognises the first five bytes of a connection as the start of an
    /// HTTP request or status line. None of them is a TLS content type, so a TLS peer can never
    /// be taken for one.
    #[must_use]
    pub fn recognise(first: &[u8]) -> Option<Self> {
        let starts = |method: &[u8]| first.starts_with(method);
        if starts(b"GET ") || starts(b"POST ") || starts(b"HEAD ") || starts(b"PUT ") {
            Some(Self::Plain)
        } else if starts(b"CONNE") {
            Some(Self::ProxyConnect)
        } else if starts(b"HTTP/") {
            Some(Self::Response)
        } else {
            None
        }
    }
}

impl RecordError {
    /// The fatal alert this error sends to the peer (RFC 5246 §7.2.2, RFC
    /// 8446 §6.2).
    #[must_use]
    pub fn alert(&self) -> AlertDescription {
        match self {
            Self::UnexpectedContentType { .. }
            | Self::HttpRequest { .. }
            | Self::InterleavedHandshake { .. }
            | Self::TooManyEmptyRecords { .. }
            | Self::UnprotectedApplicationData => AlertDescription::UNEXPECTED_MESSAGE,
            // RFC 8446 §5, §5.1, §5.4: each of these is unexpected_message.
            Self::TooManyChangeCipherSpecs { .. }
            | Self::MissingContentType
            | Self::EmptyProtectedContent { .. }
            | Self::KeyChangeNotOnRecordBoundary => AlertDescription::UNEXPECTED_MESSAGE,
            Self::BadVersion { .. } => AlertDescription::PROTOCOL_VERSION,
            Self::RecordOverflow { .. } => AlertDescription::RECORD_OVERFLOW,
            Self::EmptyRecord { .. } | Self::AlertLength { .. } => AlertDescription::DECODE_ERROR,
            // As OpenSSL answers it: a ChangeCipherSpec that is not the one
            // message of its kind is not a message that may come.
            Self::BadChangeCipherSpec => AlertDescription::UNEXPECTED_MESSAGE,
            Self::BadRecordMac => AlertDescription::BAD_RECORD_MAC,
            Self::HandshakeTooLarge { .. } => AlertDescription::ILLEGAL_PARAMETER,
            // Local conditions: the peer did nothing wrong, but the
            // connection cannot go on.
            Self::SequenceExhausted
            | Self::KeyLimitReached { .. }
            | Self::BadKeyMaterial { .. }
            | Self::WrongProtection { .. }
            | Self::ZeroContentType
            | Self::CipherFailure
            | Self::BufferTooSmall { .. } => AlertDescription::INTERNAL_ERROR,
        }
    }
}
