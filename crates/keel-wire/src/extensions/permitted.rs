//! Which extension may appear in which TLS 1.3 message: the table of RFC
//! 8446 §4.2, with the later extensions keel implements.

use crate::extensions::ExtensionCodec;
use crate::registry::ExtensionType;

/// A TLS 1.3 message that carries extensions (the columns of RFC 8446
/// §4.2's table: CH, SH, EE, CT, CR, NST, HRR).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExtensionContext {
    /// ClientHello (CH).
    ClientHello,
    /// ServerHello (SH).
    ServerHello,
    /// HelloRetryRequest (HRR).
    HelloRetryRequest,
    /// EncryptedExtensions (EE).
    EncryptedExtensions,
    /// A CertificateEntry of a Certificate (CT).
    Certificate,
    /// CertificateRequest (CR).
    CertificateRequest,
    /// NewSessionTicket (NST).
    NewSessionTicket,
}

/// Bit flags for the contexts, one per column.
const CH: u8 = 1;
const SH: u8 = 1 << 1;
const HRR: u8 = 1 << 2;
const EE: u8 = 1 << 3;
const CT: u8 = 1 << 4;
const CR: u8 = 1 << 5;
const NST: u8 = 1 << 6;

impl ExtensionContext {
    const fn bit(self) -> u8 {
        match self {
            Self::ClientHello => CH,
            Self::ServerHello => SH,
            Self::HelloRetryRequest => HRR,
            Self::EncryptedExtensions => EE,
            Self::Certificate => CT,
            Self::CertificateRequest => CR,
            Self::NewSessionTicket => NST,
        }
    }
}

/// The TLS 1.3 messages an extension keel recognises may appear in; `None`
/// for one keel does not recognise. `Some(0)` marks the TLS 1.2 extensions
/// keel implements, which TLS 1.3 gives no place ("-" in the IANA
/// registry's TLS 1.3 column).
///
/// "Recognises" is deliberately narrow: the extensions of RFC 8446's table,
/// plus those keel implements for TLS 1.2 and record_size_limit. An
/// extension keel only knows the name of is not judged here; the handshake
/// ignores it in a ClientHello and refuses it as unsolicited elsewhere.
const fn contexts(ext_type: ExtensionType) -> Option<u8> {
    Some(match ext_type {
        // RFC 8446 §4.2, the table's rows in order.
        ExtensionType::SERVER_NAME
        | ExtensionType::MAX_FRAGMENT_LENGTH
        | ExtensionType::SUPPORTED_GROUPS
        | ExtensionType::USE_SRTP
        | ExtensionType::HEARTBEAT
        | ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION
        | ExtensionType::CLIENT_CERTIFICATE_TYPE
        | ExtensionType::SERVER_CERTIFICATE_TYPE => CH | EE,
        ExtensionType::STATUS_REQUEST | ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP => CH | CR | CT,
        ExtensionType::SIGNATURE_ALGORITHMS
        | ExtensionType::CERTIFICATE_AUTHORITIES
        | ExtensionType::SIGNATURE_ALGORITHMS_CERT => CH | CR,
        ExtensionType::PADDING
        | ExtensionType::PSK_KEY_EXCHANGE_MODES
        | ExtensionType::POST_HANDSHAKE_AUTH => CH,
        ExtensionType::KEY_SHARE | ExtensionType::SUPPORTED_VERSIONS => CH | SH | HRR,
        ExtensionType::PRE_SHARED_KEY => CH | SH,
        ExtensionType::EARLY_DATA => CH | EE | NST,
        ExtensionType::COOKIE => CH | HRR,
        ExtensionType::OID_FILTERS => CR,
        // RFC 8449 §4: "In TLS 1.3, the server sends the
        // "record_size_limit" extension in the EncryptedExtensions message."
        ExtensionType::RECORD_SIZE_LIMIT => CH | EE,
        // TLS 1.2 only: RFC 8446 §4.1.2 still lets a client offer them
        // for the case that TLS 1.2 is negotiated, so a ClientHello may
        // carry them (see `permitted`), no other TLS 1.3 message.
        ExtensionType::EC_POINT_FORMATS
        | ExtensionType::ENCRYPT_THEN_MAC
        | ExtensionType::EXTENDED_MASTER_SECRET
        | ExtensionType::SESSION_TICKET
        | ExtensionType::RENEGOTIATION_INFO => 0,
        _ => return None,
    })
}

/// Whether RFC 8446 §4.2 allows `ext_type` in `context`.
///
/// An extension keel does not recognise is always allowed here (RFC 8446
/// §4.2 judges only the ones an implementation recognises). In a
/// ClientHello, an extension TLS 1.3 gives no place is allowed too: a
/// client offering both versions sends TLS 1.2's extensions in the same
/// hello.
#[must_use]
pub const fn permitted(ext_type: ExtensionType, context: ExtensionContext) -> bool {
    match contexts(ext_type) {
        None => true,
        Some(0) => matches!(context, ExtensionContext::ClientHello),
        Some(columns) => columns & context.bit() != 0,
    }
}

/// The first extension in `extensions` that RFC 8446 §4.2 does not allow
/// in `context`, if any: for the hello lists, which the codec reads the
/// same way for both versions, checked by the handshake once it knows TLS
/// 1.3 was negotiated (an illegal_parameter alert).
#[must_use]
pub fn first_not_permitted<E: ExtensionCodec>(
    extensions: &[E],
    context: ExtensionContext,
) -> Option<ExtensionType> {
    extensions
        .iter()
        .map(ExtensionCodec::extension_type)
        .find(|ext_type| !permitted(*ext_type, context))
}
