//! Decoded messages as trees of named fields, the one description both
//! output formats render. Field names follow the RFC structures (and
//! keel-wire's field names, which follow them too).

use core::ops::Deref;

use keel_wire::handshake::{
    Certificate, CertificateRequest, ClientHello, DigitallySigned, ServerHello, ServerKeyExchange,
};
use keel_wire::registry::{
    AlertDescription, AlertLevel, CertificateStatusType, CipherSuite, ClientCertificateType,
    CompressionMethod, ContentType, EcCurveType, EcPointFormat, ExtensionType, HandshakeType,
    KeyUpdateRequest, MaxFragmentLength, NamedGroup, ProtocolVersion, PskKeyExchangeMode,
    ServerNameType, SignatureScheme,
};
use keel_wire::{Alert, HandshakeMessage};

use super::{extensions, tls13};

/// A named field.
pub(crate) type Field<'a> = (&'static str, Value<'a>);

/// One field's value.
#[derive(Debug)]
pub(crate) enum Value<'a> {
    /// A value from a protocol registry.
    Code(Code),
    /// A plain number.
    Uint(u64),
    /// Opaque bytes.
    Bytes(&'a [u8]),
    /// Opaque bytes that the RFC says hold ASCII text: host names and ALPN
    /// protocol names.
    Text(&'a [u8]),
    /// A vector of items.
    List(Vec<Value<'a>>),
    /// A structure.
    Struct(Vec<Field<'a>>),
    /// An extension: its type, then the fields of its body.
    Extension(Code, Vec<Field<'a>>),
    /// An optional part that is not there (a hello without an extensions
    /// block).
    Absent,
    /// Something keel-wire grew after this tool was written, shown in its
    /// Debug form (which prints names and hex, too).
    Other(String),
}

/// A registry value: its name when keel knows one, its number, and its
/// width on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Code {
    /// The registry name.
    pub(crate) name: Option<&'static str>,
    /// The value.
    pub(crate) value: u16,
    /// Bytes on the wire: 1 or 2.
    pub(crate) width: usize,
}

/// keel-wire's open enums, as [`Code`]s.
pub(crate) trait Registry: Copy {
    /// The name, value and width.
    fn code(self) -> Code;
}

macro_rules! registry {
    ($($ty:ty => $width:literal),* $(,)?) => {$(
        impl Registry for $ty {
            fn code(self) -> Code {
                Code { name: self.name(), value: u16::from(self.get()), width: $width }
            }
        }
    )*};
}

registry! {
    AlertDescription => 1,
    AlertLevel => 1,
    CertificateStatusType => 1,
    CipherSuite => 2,
    ClientCertificateType => 1,
    CompressionMethod => 1,
    ContentType => 1,
    EcCurveType => 1,
    EcPointFormat => 1,
    ExtensionType => 2,
    HandshakeType => 1,
    KeyUpdateRequest => 1,
    PskKeyExchangeMode => 1,
    MaxFragmentLength => 1,
    NamedGroup => 2,
    ProtocolVersion => 2,
    ServerNameType => 1,
    SignatureScheme => 2,
}

/// A registry value as a field value.
pub(crate) fn code(value: impl Registry) -> Value<'static> {
    Value::Code(value.code())
}

/// A vector of registry values.
pub(crate) fn codes<'a, T: Registry + 'a>(items: impl IntoIterator<Item = &'a T>) -> Value<'a> {
    Value::List(items.into_iter().map(|item| code(*item)).collect())
}

/// A vector of opaque items.
pub(crate) fn byte_list<'a, T: Deref<Target = [u8]> + 'a>(
    items: impl IntoIterator<Item = &'a T>,
) -> Value<'a> {
    Value::List(items.into_iter().map(|item| Value::Bytes(item)).collect())
}

/// Every field of a handshake message body.
pub(crate) fn handshake(message: &HandshakeMessage) -> Vec<Field<'_>> {
    use HandshakeMessage as M;
    match message {
        M::HelloRequest(_) | M::ServerHelloDone(_) => Vec::new(),
        M::ClientHello(hello) => client_hello(hello),
        M::ServerHello(hello) => server_hello(hello),
        M::NewSessionTicket(ticket) => vec![
            (
                "ticket_lifetime_hint",
                Value::Uint(u64::from(ticket.ticket_lifetime_hint)),
            ),
            ("ticket", Value::Bytes(&ticket.ticket)),
        ],
        M::Certificate(certificate) => certificate_fields(certificate),
        M::ServerKeyExchange(exchange) => server_key_exchange(exchange),
        M::CertificateRequest(request) => certificate_request(request),
        M::CertificateVerify(verify) => vec![("signed", signed(&verify.signed))],
        M::ClientKeyExchange(exchange) => vec![("public", Value::Bytes(&exchange.public))],
        M::Finished(finished) => vec![("verify_data", Value::Bytes(&finished.verify_data))],
        M::CertificateStatus(status) => vec![
            // The only status type the codec accepts in this message.
            ("status_type", code(CertificateStatusType::OCSP)),
            ("response", Value::Bytes(&status.response)),
        ],
        M::HelloRetryRequest(hrr) => tls13::hello_retry_request(hrr),
        M::EncryptedExtensions(message) => tls13::encrypted_extensions(message),
        M::Certificate13(message) => tls13::certificate(message),
        M::CertificateRequest13(message) => tls13::certificate_request(message),
        M::NewSessionTicket13(ticket) => tls13::new_session_ticket(ticket),
        M::Finished13(finished) => vec![("verify_data", Value::Bytes(&finished.verify_data))],
        M::KeyUpdate(update) => vec![("request_update", code(update.request_update))],
        M::EndOfEarlyData(_) => Vec::new(),
        M::Unknown { body, .. } => vec![("body", Value::Bytes(body))],
        other => vec![("decoded", Value::Other(format!("{other:?}")))],
    }
}

/// The two fields of an alert.
pub(crate) fn alert(alert: &Alert) -> Vec<Field<'static>> {
    vec![
        ("level", code(alert.level)),
        ("description", code(alert.description)),
    ]
}

/// The one field of a ChangeCipherSpec (RFC 5246 §7.1: `enum {
/// change_cipher_spec(1), (255) } type`); the codec accepts only 1.
pub(crate) fn change_cipher_spec() -> Vec<Field<'static>> {
    vec![(
        "type",
        Value::Code(Code {
            name: Some("change_cipher_spec"),
            value: 1,
            width: 1,
        }),
    )]
}

fn client_hello(hello: &ClientHello) -> Vec<Field<'_>> {
    vec![
        ("client_version", code(hello.client_version)),
        ("random", Value::Bytes(&hello.random.0)),
        ("session_id", Value::Bytes(&hello.session_id)),
        ("cipher_suites", codes(hello.cipher_suites.iter())),
        (
            "compression_methods",
            codes(hello.compression_methods.iter()),
        ),
        ("extensions", extensions::client_block(&hello.extensions)),
    ]
}

fn server_hello(hello: &ServerHello) -> Vec<Field<'_>> {
    vec![
        ("server_version", code(hello.server_version)),
        ("random", Value::Bytes(&hello.random.0)),
        ("session_id", Value::Bytes(&hello.session_id)),
        ("cipher_suite", code(hello.cipher_suite)),
        ("compression_method", code(hello.compression_method)),
        ("extensions", extensions::server_block(&hello.extensions)),
    ]
}

fn certificate_fields(certificate: &Certificate) -> Vec<Field<'_>> {
    vec![(
        "certificate_list",
        byte_list(certificate.certificate_list.iter()),
    )]
}

fn server_key_exchange(exchange: &ServerKeyExchange) -> Vec<Field<'_>> {
    let params = &exchange.params;
    vec![
        (
            "params",
            Value::Struct(vec![
                // The only curve type the codec accepts (RFC 8422 §5.4).
                ("curve_type", code(EcCurveType::NAMED_CURVE)),
                ("named_group", code(params.named_group)),
                ("public", Value::Bytes(&params.public)),
            ]),
        ),
        ("signed", signed(&exchange.signed)),
    ]
}

fn certificate_request(request: &CertificateRequest) -> Vec<Field<'_>> {
    vec![
        ("certificate_types", codes(request.certificate_types.iter())),
        (
            "supported_signature_algorithms",
            codes(request.supported_signature_algorithms.iter()),
        ),
        (
            "certificate_authorities",
            byte_list(request.certificate_authorities.iter()),
        ),
    ]
}

/// RFC 5246 §4.7 `digitally-signed`: the algorithm, then the signature.
fn signed(signed: &DigitallySigned) -> Value<'_> {
    Value::Struct(vec![
        ("algorithm", code(signed.scheme)),
        ("signature", Value::Bytes(&signed.signature)),
    ])
}
