//! TLS extension type values (IANA "TLS ExtensionType Values" registry).
//!
//! Source: IANA, "Transport Layer Security (TLS) Extensions" registry group,
//! "TLS ExtensionType Values" registry, last updated 2026-04-01 in the newest
//! copy seen; names are the registry's, without their parenthesised notes
//! (e.g. "renamed from ..."), except `connection_id (deprecated)`, whose note
//! is what tells it apart from `connection_id`. Left out: the reserved values
//! 40 and 46 (TLS 1.3 drafts), the GREASE values 0x?A?A (RFC 8701), the rest
//! of the private-use block 0xFF00-0xFFFF (RFC 8446 §11), and values that were
//! never registered (such as `next_protocol_negotiation`, 13172).

open_enum! {
    /// An extension type (RFC 5246 §7.4.1.4, RFC 8446 §4.2): the tag of each entry
    /// in a hello message's extension list.
    ///
    /// The type is open. A server must ignore extensions it does not know (RFC 5246
    /// §7.4.1.4), clients send GREASE values on purpose (RFC 8701), and a parsed
    /// hello must rebuild to the same bytes, so every `u16` is a valid
    /// `ExtensionType`. A name here says only that IANA assigned the value: whether
    /// an extension is allowed in a given message is the handshake's decision.
    pub struct ExtensionType(u16) {
        SERVER_NAME = 0x0000 => "server_name",
        MAX_FRAGMENT_LENGTH = 0x0001 => "max_fragment_length",
        CLIENT_CERTIFICATE_URL = 0x0002 => "client_certificate_url",
        TRUSTED_CA_KEYS = 0x0003 => "trusted_ca_keys",
        TRUNCATED_HMAC = 0x0004 => "truncated_hmac",
        STATUS_REQUEST = 0x0005 => "status_request",
        USER_MAPPING = 0x0006 => "user_mapping",
        CLIENT_AUTHZ = 0x0007 => "client_authz",
        SERVER_AUTHZ = 0x0008 => "server_authz",
        CERT_TYPE = 0x0009 => "cert_type",
        /// Named `elliptic_curves` before RFC 8422 and RFC 7919.
        SUPPORTED_GROUPS = 0x000A => "supported_groups",
        EC_POINT_FORMATS = 0x000B => "ec_point_formats",
        SRP = 0x000C => "srp",
        SIGNATURE_ALGORITHMS = 0x000D => "signature_algorithms",
        USE_SRTP = 0x000E => "use_srtp",
        HEARTBEAT = 0x000F => "heartbeat",
        APPLICATION_LAYER_PROTOCOL_NEGOTIATION = 0x0010 => "application_layer_protocol_negotiation",
        STATUS_REQUEST_V2 = 0x0011 => "status_request_v2",
        SIGNED_CERTIFICATE_TIMESTAMP = 0x0012 => "signed_certificate_timestamp",
        CLIENT_CERTIFICATE_TYPE = 0x0013 => "client_certificate_type",
        SERVER_CERTIFICATE_TYPE = 0x0014 => "server_certificate_type",
        PADDING = 0x0015 => "padding",
        ENCRYPT_THEN_MAC = 0x0016 => "encrypt_then_mac",
        /// RFC 7627. RFC 8446bis renames it `extended_main_secret`; same value.
        EXTENDED_MASTER_SECRET = 0x0017 => "extended_master_secret",
        TOKEN_BINDING = 0x0018 => "token_binding",
        CACHED_INFO = 0x0019 => "cached_info",
        TLS_LTS = 0x001A => "tls_lts",
        COMPRESS_CERTIFICATE = 0x001B => "compress_certificate",
        RECORD_SIZE_LIMIT = 0x001C => "record_size_limit",
        PWD_PROTECT = 0x001D => "pwd_protect",
        PWD_CLEAR = 0x001E => "pwd_clear",
        PASSWORD_SALT = 0x001F => "password_salt",
        TICKET_PINNING = 0x0020 => "ticket_pinning",
        TLS_CERT_WITH_EXTERN_PSK = 0x0021 => "tls_cert_with_extern_psk",
        DELEGATED_CREDENTIAL = 0x0022 => "delegated_credential",
        /// Named `SessionTicket TLS` in RFC 5077 and older copies of the registry.
        SESSION_TICKET = 0x0023 => "session_ticket",
        TLMSP = 0x0024 => "TLMSP",
        TLMSP_PROXYING = 0x0025 => "TLMSP_proxying",
        TLMSP_DELEGATE = 0x0026 => "TLMSP_delegate",
        SUPPORTED_EKT_CIPHERS = 0x0027 => "supported_ekt_ciphers",
        PRE_SHARED_KEY = 0x0029 => "pre_shared_key",
        EARLY_DATA = 0x002A => "early_data",
        SUPPORTED_VERSIONS = 0x002B => "supported_versions",
        COOKIE = 0x002C => "cookie",
        PSK_KEY_EXCHANGE_MODES = 0x002D => "psk_key_exchange_modes",
        CERTIFICATE_AUTHORITIES = 0x002F => "certificate_authorities",
        OID_FILTERS = 0x0030 => "oid_filters",
        POST_HANDSHAKE_AUTH = 0x0031 => "post_handshake_auth",
        SIGNATURE_ALGORITHMS_CERT = 0x0032 => "signature_algorithms_cert",
        KEY_SHARE = 0x0033 => "key_share",
        TRANSPARENCY_INFO = 0x0034 => "transparency_info",
        /// Deprecated: a pre-RFC 9146 draft codepoint for `connection_id`.
        CONNECTION_ID_DEPRECATED = 0x0035 => "connection_id (deprecated)",
        CONNECTION_ID = 0x0036 => "connection_id",
        EXTERNAL_ID_HASH = 0x0037 => "external_id_hash",
        EXTERNAL_SESSION_ID = 0x0038 => "external_session_id",
        QUIC_TRANSPORT_PARAMETERS = 0x0039 => "quic_transport_parameters",
        TICKET_REQUEST = 0x003A => "ticket_request",
        DNSSEC_CHAIN = 0x003B => "dnssec_chain",
        SEQUENCE_NUMBER_ENCRYPTION_ALGORITHMS = 0x003C => "sequence_number_encryption_algorithms",
        RRC = 0x003D => "rrc",
        /// Allocated to the TLS flags draft (draft-ietf-tls-tlsflags).
        TLS_FLAGS = 0x003E => "tls_flags",
        /// Encrypted Client Hello: appears only in the encoded inner `ClientHello`.
        ECH_OUTER_EXTENSIONS = 0xFD00 => "ech_outer_extensions",
        ENCRYPTED_CLIENT_HELLO = 0xFE0D => "encrypted_client_hello",
        /// RFC 5746.
        RENEGOTIATION_INFO = 0xFF01 => "renegotiation_info",
    }
}
