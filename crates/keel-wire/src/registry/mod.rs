//! Protocol enums: every TLS 1.2 and TLS 1.3 registry keel reads, as open
//! newtypes.
//!
//! See the `open_enum!` macro (in `registry/macros.rs`) for why these are
//! open. The small registries live in this
//! file; the large IANA ones (cipher suites, groups, signature schemes,
//! extension types) each have a file of their own.

#[macro_use]
mod macros;

mod cipher_suite;
mod extension_type;
mod named_group;
mod signature_scheme;

pub use cipher_suite::CipherSuite;
pub use extension_type::ExtensionType;
pub use named_group::NamedGroup;
pub use signature_scheme::SignatureScheme;

open_enum! {
    /// The type of a TLS record (RFC 5246 §6.2.1; heartbeat: RFC 6520).
    pub struct ContentType(u8) {
        CHANGE_CIPHER_SPEC = 20 => "change_cipher_spec",
        ALERT = 21 => "alert",
        HANDSHAKE = 22 => "handshake",
        APPLICATION_DATA = 23 => "application_data",
        HEARTBEAT = 24 => "heartbeat",
    }
}

open_enum! {
    /// A protocol version: `{major, minor}` as one big-endian `u16`
    /// (RFC 5246 §6.2.1). keel negotiates TLS 1.2 and TLS 1.3; the others
    /// are named so that logs and errors can say what a peer offered.
    pub struct ProtocolVersion(u16) {
        SSL_V2 = 0x0002 => "SSLv2",
        SSL_V3 = 0x0300 => "SSLv3",
        TLS_V1_0 = 0x0301 => "TLSv1.0",
        TLS_V1_1 = 0x0302 => "TLSv1.1",
        TLS_V1_2 = 0x0303 => "TLSv1.2",
        TLS_V1_3 = 0x0304 => "TLSv1.3",
    }
}

impl ProtocolVersion {
    /// The major version byte (3 for every SSL 3.0/TLS version).
    #[must_use]
    pub const fn major(self) -> u8 {
        self.get().to_be_bytes()[0]
    }

    /// The minor version byte.
    #[must_use]
    pub const fn minor(self) -> u8 {
        self.get().to_be_bytes()[1]
    }
}

open_enum! {
    /// Alert level (RFC 5246 §7.2).
    pub struct AlertLevel(u8) {
        WARNING = 1 => "warning",
        FATAL = 2 => "fatal",
    }
}

open_enum! {
    /// Alert description (RFC 5246 §7.2, with later registrations from the
    /// IANA "TLS Alerts" registry).
    pub struct AlertDescription(u8) {
        CLOSE_NOTIFY = 0 => "close_notify",
        UNEXPECTED_MESSAGE = 10 => "unexpected_message",
        BAD_RECORD_MAC = 20 => "bad_record_mac",
        // RFC 5246 §7.2.2: the three *_RESERVED values (21, 41, 60) are
        // named so they can be read; keel never sends them.
        DECRYPTION_FAILED = 21 => "decryption_failed",
        RECORD_OVERFLOW = 22 => "record_overflow",
        DECOMPRESSION_FAILURE = 30 => "decompression_failure",
        HANDSHAKE_FAILURE = 40 => "handshake_failure",
        NO_CERTIFICATE = 41 => "no_certificate",
        BAD_CERTIFICATE = 42 => "bad_certificate",
        UNSUPPORTED_CERTIFICATE = 43 => "unsupported_certificate",
        CERTIFICATE_REVOKED = 44 => "certificate_revoked",
        CERTIFICATE_EXPIRED = 45 => "certificate_expired",
        CERTIFICATE_UNKNOWN = 46 => "certificate_unknown",
        ILLEGAL_PARAMETER = 47 => "illegal_parameter",
        UNKNOWN_CA = 48 => "unknown_ca",
        ACCESS_DENIED = 49 => "access_denied",
        DECODE_ERROR = 50 => "decode_error",
        DECRYPT_ERROR = 51 => "decrypt_error",
        TOO_MANY_CIDS_REQUESTED = 52 => "too_many_cids_requested",
        EXPORT_RESTRICTION = 60 => "export_restriction",
        PROTOCOL_VERSION = 70 => "protocol_version",
        INSUFFICIENT_SECURITY = 71 => "insufficient_security",
        INTERNAL_ERROR = 80 => "internal_error",
        INAPPROPRIATE_FALLBACK = 86 => "inappropriate_fallback",
        USER_CANCELED = 90 => "user_canceled",
        NO_RENEGOTIATION = 100 => "no_renegotiation",
        MISSING_EXTENSION = 109 => "missing_extension",
        UNSUPPORTED_EXTENSION = 110 => "unsupported_extension",
        CERTIFICATE_UNOBTAINABLE = 111 => "certificate_unobtainable",
        UNRECOGNIZED_NAME = 112 => "unrecognized_name",
        BAD_CERTIFICATE_STATUS_RESPONSE = 113 => "bad_certificate_status_response",
        BAD_CERTIFICATE_HASH_VALUE = 114 => "bad_certificate_hash_value",
        UNKNOWN_PSK_IDENTITY = 115 => "unknown_psk_identity",
        CERTIFICATE_REQUIRED = 116 => "certificate_required",
        GENERAL_ERROR = 117 => "general_error",
        NO_APPLICATION_PROTOCOL = 120 => "no_application_protocol",
        ECH_REQUIRED = 121 => "ech_required",
    }
}

open_enum! {
    /// Handshake message type (RFC 5246 §7.4; later messages from the IANA
    /// "TLS HandshakeType" registry, so that a TLS 1.3 or DTLS message is
    /// named in an error rather than shown as a number).
    pub struct HandshakeType(u8) {
        HELLO_REQUEST = 0 => "hello_request",
        CLIENT_HELLO = 1 => "client_hello",
        SERVER_HELLO = 2 => "server_hello",
        HELLO_VERIFY_REQUEST = 3 => "hello_verify_request",
        NEW_SESSION_TICKET = 4 => "new_session_ticket",
        END_OF_EARLY_DATA = 5 => "end_of_early_data",
        HELLO_RETRY_REQUEST = 6 => "hello_retry_request",
        ENCRYPTED_EXTENSIONS = 8 => "encrypted_extensions",
        REQUEST_CONNECTION_ID = 9 => "request_connection_id",
        NEW_CONNECTION_ID = 10 => "new_connection_id",
        CERTIFICATE = 11 => "certificate",
        SERVER_KEY_EXCHANGE = 12 => "server_key_exchange",
        CERTIFICATE_REQUEST = 13 => "certificate_request",
        SERVER_HELLO_DONE = 14 => "server_hello_done",
        CERTIFICATE_VERIFY = 15 => "certificate_verify",
        CLIENT_KEY_EXCHANGE = 16 => "client_key_exchange",
        CLIENT_CERTIFICATE_REQUEST = 17 => "client_certificate_request",
        FINISHED = 20 => "finished",
        CERTIFICATE_URL = 21 => "certificate_url",
        CERTIFICATE_STATUS = 22 => "certificate_status",
        SUPPLEMENTAL_DATA = 23 => "supplemental_data",
        KEY_UPDATE = 24 => "key_update",
        COMPRESSED_CERTIFICATE = 25 => "compressed_certificate",
        EKT_KEY = 26 => "ekt_key",
        MESSAGE_HASH = 254 => "message_hash",
    }
}

open_enum! {
    /// Compression method (RFC 5246 §7.4.1.2; DEFLATE: RFC 3749). keel
    /// only ever accepts `null`.
    pub struct CompressionMethod(u8) {
        NULL = 0 => "null",
        DEFLATE = 1 => "DEFLATE",
        LZS = 64 => "LZS",
    }
}

open_enum! {
    /// Certificate types a server accepts from a client in a
    /// CertificateRequest (RFC 5246 §7.4.4, RFC 8422 §5.5).
    pub struct ClientCertificateType(u8) {
        RSA_SIGN = 1 => "rsa_sign",
        DSS_SIGN = 2 => "dss_sign",
        RSA_FIXED_DH = 3 => "rsa_fixed_dh",
        DSS_FIXED_DH = 4 => "dss_fixed_dh",
        RSA_EPHEMERAL_DH = 5 => "rsa_ephemeral_dh_RESERVED",
        DSS_EPHEMERAL_DH = 6 => "dss_ephemeral_dh_RESERVED",
        FORTEZZA_DMS = 20 => "fortezza_dms_RESERVED",
        ECDSA_SIGN = 64 => "ecdsa_sign",
        RSA_FIXED_ECDH = 65 => "rsa_fixed_ecdh",
        ECDSA_FIXED_ECDH = 66 => "ecdsa_fixed_ecdh",
        GOST_SIGN256 = 67 => "gost_sign256",
        GOST_SIGN512 = 68 => "gost_sign512",
    }
}

open_enum! {
    /// How a ServerKeyExchange names its elliptic curve (RFC 8422 §5.4).
    /// Only `named_curve` is still allowed; the explicit forms are
    /// deprecated and cannot be decoded by keel.
    pub struct EcCurveType(u8) {
        EXPLICIT_PRIME = 1 => "explicit_prime",
        EXPLICIT_CHAR2 = 2 => "explicit_char2",
        NAMED_CURVE = 3 => "named_curve",
    }
}

open_enum! {
    /// Elliptic-curve point format (RFC 8422 §5.1.2). Only `uncompressed`
    /// is still defined for use.
    pub struct EcPointFormat(u8) {
        UNCOMPRESSED = 0 => "uncompressed",
        ANSIX962_COMPRESSED_PRIME = 1 => "ansiX962_compressed_prime",
        ANSIX962_COMPRESSED_CHAR2 = 2 => "ansiX962_compressed_char2",
    }
}

open_enum! {
    /// Certificate status type (RFC 6066 §8; `ocsp_multi`: RFC 6961).
    pub struct CertificateStatusType(u8) {
        OCSP = 1 => "ocsp",
        OCSP_MULTI = 2 => "ocsp_multi",
    }
}

open_enum! {
    /// The kind of name in a server_name extension (RFC 6066 §3).
    pub struct ServerNameType(u8) {
        HOST_NAME = 0 => "host_name",
    }
}

open_enum! {
    /// Maximum fragment length codes (RFC 6066 §4): 2^9, 2^10, 2^11 and
    /// 2^12 bytes.
    pub struct MaxFragmentLength(u8) {
        LEN_512 = 1 => "2^9",
        LEN_1024 = 2 => "2^10",
        LEN_2048 = 3 => "2^11",
        LEN_4096 = 4 => "2^12",
    }
}

open_enum! {
    /// The key exchange modes a client allows with a pre-shared key (RFC
    /// 8446 §4.2.9). keel only ever uses `psk_dhe_ke`, which keeps forward
    /// secrecy.
    pub struct PskKeyExchangeMode(u8) {
        PSK_KE = 0 => "psk_ke",
        PSK_DHE_KE = 1 => "psk_dhe_ke",
    }
}

open_enum! {
    /// Whether the receiver of a KeyUpdate must answer with one of its own
    /// (RFC 8446 §4.6.3). The codec refuses any other value.
    pub struct KeyUpdateRequest(u8) {
        UPDATE_NOT_REQUESTED = 0 => "update_not_requested",
        UPDATE_REQUESTED = 1 => "update_requested",
    }
}

#[cfg(test)]
mod tests;
