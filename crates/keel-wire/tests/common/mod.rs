//! proptest strategies for every keel-wire message type, shared by the
//! integration tests. Strategies produce only messages the RFC bounds allow
//! (the codec must round-trip exactly those), with random contents.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use keel_wire::extensions::RawExtension;
use keel_wire::extensions::{
    CertificateStatusRequest, ProtocolName, ResponderId, ServerName, ServerNameList,
    SignedCertificateTimestamp,
};
use keel_wire::handshake::{
    Certificate, CertificateDer, CertificateRequest, CertificateStatus, CertificateVerify,
    ClientHello, ClientKeyExchange, DigitallySigned, DistinguishedName, Finished, HelloRequest,
    NewSessionTicket, Random, ServerEcdhParams, ServerHello, ServerHelloDone, ServerKeyExchange,
};
use keel_wire::registry::{
    AlertDescription, AlertLevel, CertificateStatusType, CipherSuite, ClientCertificateType,
    CompressionMethod, EcPointFormat, ExtensionType, HandshakeType, MaxFragmentLength, NamedGroup,
    ProtocolVersion, PskKeyExchangeMode, ServerNameType, SignatureScheme,
};
use keel_wire::vec::{List, Opaque};
use keel_wire::{Alert, ClientExtension, Extensions, HandshakeMessage, ServerExtension};
use proptest::collection::vec;
use proptest::prelude::*;

pub mod tls13;

pub fn bytes(min: usize, max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), min..=max)
}

pub fn opaque<const W: usize, const MIN: usize, const MAX: usize>(
    max: usize,
) -> impl Strategy<Value = Opaque<W, MIN, MAX>> {
    bytes(MIN, max.min(MAX)).prop_map(Opaque)
}

pub fn u16_list<T: std::fmt::Debug, const W: usize, const MIN: usize, const MAX: usize>(
    make: fn(u16) -> T,
    min_items: usize,
    max_items: usize,
) -> impl Strategy<Value = List<T, W, MIN, MAX>> {
    vec(any::<u16>(), min_items..=max_items)
        .prop_map(move |v| List(v.into_iter().map(make).collect()))
}

pub fn u8_list<T: std::fmt::Debug, const W: usize, const MIN: usize, const MAX: usize>(
    make: fn(u8) -> T,
    min_items: usize,
    max_items: usize,
) -> impl Strategy<Value = List<T, W, MIN, MAX>> {
    vec(any::<u8>(), min_items..=max_items)
        .prop_map(move |v| List(v.into_iter().map(make).collect()))
}

pub fn random() -> impl Strategy<Value = Random> {
    any::<[u8; 32]>().prop_map(Random)
}

/// Extension types keel models on at least one side; an `Unknown` extension
/// must use some other type, or it would decode as the typed variant.
const MODELED: &[ExtensionType] = &[
    ExtensionType::SERVER_NAME,
    ExtensionType::MAX_FRAGMENT_LENGTH,
    ExtensionType::STATUS_REQUEST,
    ExtensionType::SUPPORTED_GROUPS,
    ExtensionType::EC_POINT_FORMATS,
    ExtensionType::SIGNATURE_ALGORITHMS,
    ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION,
    ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP,
    ExtensionType::PADDING,
    ExtensionType::ENCRYPT_THEN_MAC,
    ExtensionType::EXTENDED_MASTER_SECRET,
    ExtensionType::SESSION_TICKET,
    ExtensionType::RECORD_SIZE_LIMIT,
    ExtensionType::RENEGOTIATION_INFO,
    ExtensionType::SUPPORTED_VERSIONS,
    ExtensionType::KEY_SHARE,
    ExtensionType::PRE_SHARED_KEY,
    ExtensionType::PSK_KEY_EXCHANGE_MODES,
    ExtensionType::EARLY_DATA,
    ExtensionType::COOKIE,
    ExtensionType::CERTIFICATE_AUTHORITIES,
    ExtensionType::POST_HANDSHAKE_AUTH,
    ExtensionType::SIGNATURE_ALGORITHMS_CERT,
    ExtensionType::OID_FILTERS,
];

pub fn unknown_ext_type() -> impl Strategy<Value = ExtensionType> {
    any::<u16>()
        .prop_map(ExtensionType::new)
        .prop_filter("modeled type", |t| !MODELED.contains(t))
}

fn server_name_list() -> impl Strategy<Value = ServerNameList> {
    vec((any::<u8>(), bytes(1, 40)), 1..4).prop_map(|names| {
        let mut seen = Vec::new();
        let names = names
            .into_iter()
            .filter(|(t, _)| {
                let fresh = !seen.contains(t);
                seen.push(*t);
                fresh
            })
            .map(|(t, name)| ServerName {
                name_type: ServerNameType::new(t),
                name: Opaque(name),
            })
            .collect();
        ServerNameList(List(names))
    })
}

fn status_request() -> impl Strategy<Value = CertificateStatusRequest> {
    prop_oneof![
        (
            vec(bytes(1, 20).prop_map(ResponderId), 0..3),
            opaque::<2, 0, 0xffff>(20)
        )
            .prop_map(|(ids, exts)| CertificateStatusRequest::Ocsp {
                responder_ids: List(ids),
                request_extensions: exts
            }),
        (any::<u8>().prop_filter("ocsp", |t| *t != 1), bytes(0, 20)).prop_map(|(t, data)| {
            CertificateStatusRequest::Other {
                status_type: CertificateStatusType::new(t),
                data,
            }
        }),
    ]
}

pub fn protocol_names(min: usize, max: usize) -> impl Strategy<Value = Vec<ProtocolName>> {
    vec(bytes(1, 20).prop_map(ProtocolName), min..=max)
}

pub fn client_extension() -> impl Strategy<Value = ClientExtension> {
    prop_oneof![
        server_name_list().prop_map(ClientExtension::ServerName),
        any::<u8>().prop_map(|v| ClientExtension::MaxFragmentLength(MaxFragmentLength::new(v))),
        status_request().prop_map(ClientExtension::StatusRequest),
        u16_list(NamedGroup::new, 1, 20).prop_map(ClientExtension::SupportedGroups),
        u8_list(EcPointFormat::new, 1, 4).prop_map(ClientExtension::EcPointFormats),
        u16_list(SignatureScheme::new, 1, 20).prop_map(ClientExtension::SignatureAlgorithms),
        protocol_names(1, 5).prop_map(|n| ClientExtension::Alpn(List(n))),
        Just(ClientExtension::SignedCertificateTimestamp),
        (0u16..600).prop_map(ClientExtension::Padding),
        Just(ClientExtension::EncryptThenMac),
        Just(ClientExtension::ExtendedMasterSecret),
        bytes(0, 200).prop_map(ClientExtension::SessionTicket),
        any::<u16>().prop_map(ClientExtension::RecordSizeLimit),
        opaque::<1, 0, 255>(48).prop_map(ClientExtension::RenegotiationInfo),
        u16_list(ProtocolVersion::new, 1, 8).prop_map(ClientExtension::SupportedVersions),
        tls13::key_share_list().prop_map(ClientExtension::KeyShare),
        tls13::offered_psks().prop_map(ClientExtension::PreSharedKey),
        u8_list(PskKeyExchangeMode::new, 1, 4).prop_map(ClientExtension::PskKeyExchangeModes),
        Just(ClientExtension::EarlyData),
        opaque::<2, 1, 0xffff>(80).prop_map(ClientExtension::Cookie),
        tls13::authorities().prop_map(ClientExtension::CertificateAuthorities),
        Just(ClientExtension::PostHandshakeAuth),
        u16_list(SignatureScheme::new, 1, 20).prop_map(ClientExtension::SignatureAlgorithmsCert),
        (unknown_ext_type(), bytes(0, 64))
            .prop_map(|(ext_type, data)| ClientExtension::from(RawExtension::new(ext_type, data))),
    ]
}

pub fn server_extension() -> impl Strategy<Value = ServerExtension> {
    prop_oneof![
        Just(ServerExtension::ServerName),
        any::<u8>().prop_map(|v| ServerExtension::MaxFragmentLength(MaxFragmentLength::new(v))),
        Just(ServerExtension::StatusRequest),
        u8_list(EcPointFormat::new, 1, 4).prop_map(ServerExtension::EcPointFormats),
        bytes(1, 20).prop_map(|n| ServerExtension::Alpn(ProtocolName(n))),
        vec(bytes(1, 60).prop_map(SignedCertificateTimestamp), 1..3)
            .prop_map(|s| ServerExtension::SignedCertificateTimestamp(List(s))),
        Just(ServerExtension::EncryptThenMac),
        Just(ServerExtension::ExtendedMasterSecret),
        Just(ServerExtension::SessionTicket),
        any::<u16>().prop_map(ServerExtension::RecordSizeLimit),
        opaque::<1, 0, 255>(48).prop_map(ServerExtension::RenegotiationInfo),
        any::<u16>().prop_map(|v| ServerExtension::SupportedVersions(ProtocolVersion::new(v))),
        tls13::key_share_entry().prop_map(ServerExtension::KeyShare),
        any::<u16>().prop_map(ServerExtension::PreSharedKey),
        (unknown_ext_type(), bytes(0, 64))
            .prop_map(|(ext_type, data)| ServerExtension::from(RawExtension::new(ext_type, data))),
    ]
}

/// An extensions block with no repeated type (duplicates are malformed).
pub fn extensions<E: std::fmt::Debug + Clone>(
    item: impl Strategy<Value = E>,
    type_of: fn(&E) -> u16,
) -> impl Strategy<Value = Extensions<E>> {
    prop_oneof![
        1 => Just(Extensions::Absent),
        6 => vec(item, 0..8).prop_map(move |items| {
            let mut seen = Vec::new();
            Extensions::Present(
                items
                    .into_iter()
                    .filter(|e| {
                        let t = type_of(e);
                        let fresh = !seen.contains(&t);
                        seen.push(t);
                        fresh
                    })
                    .collect(),
            )
        }),
    ]
}

fn client_ext_type(e: &ClientExtension) -> u16 {
    keel_wire::extensions::ExtensionCodec::extension_type(e).get()
}

fn server_ext_type(e: &ServerExtension) -> u16 {
    keel_wire::extensions::ExtensionCodec::extension_type(e).get()
}

pub fn client_hello() -> impl Strategy<Value = ClientHello> {
    (
        any::<u16>(),
        random(),
        opaque::<1, 0, 32>(32),
        u16_list(CipherSuite::new, 1, 40),
        u8_list(CompressionMethod::new, 1, 3),
        extensions(client_extension(), client_ext_type).prop_map(psk_last),
    )
        .prop_map(
            |(version, random, session_id, cipher_suites, compression_methods, extensions)| {
                ClientHello {
                    client_version: ProtocolVersion::new(version),
                    random,
                    session_id,
                    cipher_suites,
                    compression_methods,
                    extensions,
                }
            },
        )
}

/// A hello that carries TLS 1.3's extensions offers TLS 1.3 (without it
/// they decode raw, RFC 8446 §4.2.1), and RFC 8446 §4.2.11 puts its
/// pre_shared_key last.
fn psk_last(mut extensions: Extensions<ClientExtension>) -> Extensions<ClientExtension> {
    if let Extensions::Present(items) = &mut extensions {
        let tls13 = items.iter().any(|e| {
            matches!(
                e,
                ClientExtension::KeyShare(_)
                    | ClientExtension::PreSharedKey(_)
                    | ClientExtension::PskKeyExchangeModes(_)
                    | ClientExtension::EarlyData
                    | ClientExtension::Cookie(_)
                    | ClientExtension::PostHandshakeAuth
            )
        });
        if tls13 {
            let offered = items.iter_mut().find_map(|e| match e {
                ClientExtension::SupportedVersions(list) => Some(list),
                _ => None,
            });
            match offered {
                Some(list) if !list.contains(&ProtocolVersion::TLS_V1_3) => {
                    list.0.push(ProtocolVersion::TLS_V1_3);
                }
                Some(_) => {}
                None => items.insert(
                    0,
                    ClientExtension::SupportedVersions(List(vec![ProtocolVersion::TLS_V1_3])),
                ),
            }
        }
        items.sort_by_key(|e| matches!(e, ClientExtension::PreSharedKey(_)));
    }
    extensions
}

pub fn server_hello() -> impl Strategy<Value = ServerHello> {
    (
        any::<u16>(),
        random(),
        opaque::<1, 0, 32>(32),
        any::<u16>(),
        any::<u8>(),
        extensions(server_extension(), server_ext_type),
    )
        .prop_map(
            |(version, random, session_id, suite, compression, extensions)| ServerHello {
                server_version: ProtocolVersion::new(version),
                random,
                session_id,
                cipher_suite: CipherSuite::new(suite),
                compression_method: CompressionMethod::new(compression),
                extensions,
            },
        )
}

pub fn digitally_signed() -> impl Strategy<Value = DigitallySigned> {
    (any::<u16>(), opaque::<2, 0, 0xffff>(300)).prop_map(|(scheme, signature)| DigitallySigned {
        scheme: SignatureScheme::new(scheme),
        signature,
    })
}

pub fn certificate() -> impl Strategy<Value = Certificate> {
    vec(bytes(1, 400).prop_map(CertificateDer), 0..4).prop_map(|certs| Certificate {
        certificate_list: List(certs),
    })
}

pub fn certificate_request() -> impl Strategy<Value = CertificateRequest> {
    (
        u8_list(ClientCertificateType::new, 1, 4),
        u16_list(SignatureScheme::new, 1, 20),
        vec(bytes(1, 80).prop_map(DistinguishedName), 0..4),
    )
        .prop_map(|(certificate_types, supported_signature_algorithms, cas)| {
            CertificateRequest {
                certificate_types,
                supported_signature_algorithms,
                certificate_authorities: List(cas),
            }
        })
}

pub fn server_key_exchange() -> impl Strategy<Value = ServerKeyExchange> {
    (any::<u16>(), opaque::<1, 1, 0xff>(133), digitally_signed()).prop_map(
        |(group, public, signed)| ServerKeyExchange {
            params: ServerEcdhParams {
                named_group: NamedGroup::new(group),
                public,
            },
            signed,
        },
    )
}

/// Handshake types with no model in keel-wire: their bodies are kept raw.
fn unmodeled_handshake_type() -> impl Strategy<Value = HandshakeType> {
    any::<u8>()
        .prop_map(HandshakeType::new)
        .prop_filter("modeled", |t| {
            ![0u8, 1, 2, 4, 11, 12, 13, 14, 15, 16, 20, 22].contains(&t.get())
        })
}

pub fn handshake_message() -> impl Strategy<Value = HandshakeMessage> {
    prop_oneof![
        Just(HandshakeMessage::HelloRequest(HelloRequest)),
        client_hello().prop_map(HandshakeMessage::ClientHello),
        server_hello().prop_map(HandshakeMessage::ServerHello),
        (any::<u32>(), opaque::<2, 0, 0xffff>(200)).prop_map(|(hint, ticket)| {
            HandshakeMessage::NewSessionTicket(NewSessionTicket {
                ticket_lifetime_hint: hint,
                ticket,
            })
        }),
        certificate().prop_map(HandshakeMessage::Certificate),
        server_key_exchange().prop_map(HandshakeMessage::ServerKeyExchange),
        certificate_request().prop_map(HandshakeMessage::CertificateRequest),
        Just(HandshakeMessage::ServerHelloDone(ServerHelloDone)),
        digitally_signed()
            .prop_map(|signed| HandshakeMessage::CertificateVerify(CertificateVerify { signed })),
        opaque::<1, 1, 0xff>(133)
            .prop_map(|public| HandshakeMessage::ClientKeyExchange(ClientKeyExchange { public })),
        any::<[u8; 12]>()
            .prop_map(|verify_data| HandshakeMessage::Finished(Finished { verify_data })),
        bytes(1, 300).prop_map(|r| HandshakeMessage::CertificateStatus(CertificateStatus::ocsp(r))),
        (unmodeled_handshake_type(), bytes(0, 100)).prop_map(|(handshake_type, body)| {
            HandshakeMessage::Unknown {
                handshake_type,
                body,
            }
        }),
    ]
}

pub fn alert() -> impl Strategy<Value = Alert> {
    (any::<u8>(), any::<u8>()).prop_map(|(level, description)| Alert {
        level: AlertLevel::new(level),
        description: AlertDescription::new(description),
    })
}
