//! proptest strategies for the TLS 1.3 structures.

use keel_wire::HandshakeMessage;
use keel_wire::extensions::RawExtension;
use keel_wire::extensions::{
    CertificateExtension, CertificateRequestExtension, EncryptedExtension, ExtensionCodec,
    ExtensionContext, ExtensionList, HelloRetryExtension, KeyShareEntry, KeyShareList,
    NewSessionTicketExtension, OfferedPsks, OidFilter, ProtocolName, PskBinderEntry, PskIdentity,
    SignedCertificateTimestamp, permitted,
};
use keel_wire::handshake::{
    Certificate13, CertificateEntry, CertificateRequest13, CertificateStatus, CertificateVerify,
    DistinguishedName, EncryptedExtensions, EndOfEarlyData, Finished13, HelloRetryRequest,
    KeyUpdate, NewSessionTicket13,
};
use keel_wire::registry::{
    CipherSuite, CompressionMethod, ExtensionType, HandshakeType, KeyUpdateRequest,
    MaxFragmentLength, NamedGroup, ProtocolVersion,
};
use keel_wire::vec::{List, Opaque};
use proptest::collection::vec;
use proptest::prelude::*;

use super::{
    bytes, client_hello, digitally_signed, opaque, server_hello, u16_list, unknown_ext_type,
};

pub fn key_share_entry() -> impl Strategy<Value = KeyShareEntry> {
    (any::<u16>(), bytes(1, 200)).prop_map(|(group, key)| KeyShareEntry {
        group: NamedGroup::new(group),
        key_exchange: Opaque(key),
    })
}

/// Shares for distinct groups (RFC 8446 §4.2.8).
pub fn key_share_list() -> impl Strategy<Value = KeyShareList> {
    vec(key_share_entry(), 0..4).prop_map(|entries| {
        let mut seen = Vec::new();
        KeyShareList(List(
            entries
                .into_iter()
                .filter(|e| {
                    let fresh = !seen.contains(&e.group);
                    seen.push(e.group);
                    fresh
                })
                .collect(),
        ))
    })
}

pub fn offered_psks() -> impl Strategy<Value = OfferedPsks> {
    (
        vec((bytes(1, 120), any::<u32>()), 1..3),
        vec(bytes(32, 48).prop_map(PskBinderEntry), 1..3),
    )
        .prop_map(|(identities, binders)| OfferedPsks {
            identities: List(
                identities
                    .into_iter()
                    .map(|(identity, age)| PskIdentity {
                        identity: Opaque(identity),
                        obfuscated_ticket_age: age,
                    })
                    .collect(),
            ),
            binders: List(binders),
        })
}

pub fn authorities() -> impl Strategy<Value = List<DistinguishedName, 2, 3, 0xffff>> {
    vec(bytes(1, 60).prop_map(DistinguishedName), 1..4).prop_map(List)
}

/// An extension type keel does not recognise, so allowed in every TLS 1.3
/// message (every recognised type is refused in at least one of these).
fn unrecognised_ext_type() -> impl Strategy<Value = ExtensionType> {
    unknown_ext_type().prop_filter("recognised", |t| {
        [
            ExtensionContext::ServerHello,
            ExtensionContext::NewSessionTicket,
            ExtensionContext::Certificate,
        ]
        .iter()
        .all(|c| permitted(*t, *c))
    })
}

/// A list without repeated types.
fn list<E: ExtensionCodec + std::fmt::Debug + Clone>(
    item: impl Strategy<Value = E>,
    min: usize,
) -> impl Strategy<Value = ExtensionList<E>> {
    vec(item, min..6).prop_map(|items| {
        let mut seen = Vec::new();
        ExtensionList::from(
            items
                .into_iter()
                .filter(|e| {
                    let t = e.extension_type();
                    let fresh = !seen.contains(&t);
                    seen.push(t);
                    fresh
                })
                .collect::<Vec<_>>(),
        )
    })
}

pub fn hello_retry_request() -> impl Strategy<Value = HelloRetryRequest> {
    let ext = prop_oneof![
        any::<u16>().prop_map(|g| HelloRetryExtension::KeyShare(NamedGroup::new(g))),
        opaque::<2, 1, 0xffff>(80).prop_map(HelloRetryExtension::Cookie),
        any::<u16>().prop_map(|v| HelloRetryExtension::SupportedVersions(ProtocolVersion::new(v))),
        (unrecognised_ext_type(), bytes(0, 40)).prop_map(|(ext_type, data)| {
            HelloRetryExtension::from(RawExtension::new(ext_type, data))
        }),
    ];
    (
        any::<u16>(),
        opaque::<1, 0, 32>(32),
        any::<u16>(),
        any::<u8>(),
        list(ext, 0),
    )
        .prop_map(
            |(version, session_id, suite, compression, extensions)| HelloRetryRequest {
                legacy_version: ProtocolVersion::new(version),
                legacy_session_id_echo: session_id,
                cipher_suite: CipherSuite::new(suite),
                legacy_compression_method: CompressionMethod::new(compression),
                extensions,
            },
        )
}

pub fn encrypted_extensions() -> impl Strategy<Value = EncryptedExtensions> {
    let ext = prop_oneof![
        Just(EncryptedExtension::ServerName),
        any::<u8>().prop_map(|v| EncryptedExtension::MaxFragmentLength(MaxFragmentLength::new(v))),
        u16_list(NamedGroup::new, 1, 10).prop_map(EncryptedExtension::SupportedGroups),
        bytes(1, 20).prop_map(|n| EncryptedExtension::Alpn(ProtocolName(n))),
        Just(EncryptedExtension::EarlyData),
        any::<u16>().prop_map(EncryptedExtension::RecordSizeLimit),
        (unrecognised_ext_type(), bytes(0, 40)).prop_map(|(ext_type, data)| {
            EncryptedExtension::from(RawExtension::new(ext_type, data))
        }),
    ];
    list(ext, 0).prop_map(|extensions| EncryptedExtensions { extensions })
}

pub fn certificate13() -> impl Strategy<Value = Certificate13> {
    let ext = prop_oneof![
        bytes(1, 100).prop_map(|r| CertificateExtension::StatusRequest(CertificateStatus::ocsp(r))),
        vec(bytes(1, 40).prop_map(SignedCertificateTimestamp), 1..3)
            .prop_map(|s| CertificateExtension::SignedCertificateTimestamp(List(s))),
        (unrecognised_ext_type(), bytes(0, 40)).prop_map(|(ext_type, data)| {
            CertificateExtension::from(RawExtension::new(ext_type, data))
        }),
    ];
    let entry = (bytes(1, 300), list(ext, 0)).prop_map(|(cert, extensions)| CertificateEntry {
        cert_data: Opaque(cert),
        extensions,
    });
    (opaque::<1, 0, 0xff>(32), vec(entry, 0..3)).prop_map(|(context, entries)| Certificate13 {
        certificate_request_context: context,
        certificate_list: List(entries),
    })
}

pub fn certificate_request13() -> impl Strategy<Value = CertificateRequest13> {
    let filter = (bytes(1, 12), bytes(0, 30)).prop_map(|(oid, values)| OidFilter {
        certificate_extension_oid: Opaque(oid),
        certificate_extension_values: Opaque(values),
    });
    let ext = prop_oneof![
        u16_list(keel_wire::registry::SignatureScheme::new, 1, 10)
            .prop_map(CertificateRequestExtension::SignatureAlgorithms),
        u16_list(keel_wire::registry::SignatureScheme::new, 1, 10)
            .prop_map(CertificateRequestExtension::SignatureAlgorithmsCert),
        authorities().prop_map(CertificateRequestExtension::CertificateAuthorities),
        vec(filter, 0..3).prop_map(|f| CertificateRequestExtension::OidFilters(List(f))),
        Just(CertificateRequestExtension::StatusRequest),
        Just(CertificateRequestExtension::SignedCertificateTimestamp),
        (unrecognised_ext_type(), bytes(0, 40)).prop_map(|(ext_type, data)| {
            CertificateRequestExtension::from(RawExtension::new(ext_type, data))
        }),
    ];
    (opaque::<1, 0, 0xff>(32), list(ext, 1)).prop_map(|(context, extensions)| {
        CertificateRequest13 {
            certificate_request_context: context,
            extensions,
        }
    })
}

pub fn new_session_ticket13() -> impl Strategy<Value = NewSessionTicket13> {
    let ext = prop_oneof![
        any::<u32>().prop_map(NewSessionTicketExtension::EarlyData),
        (unrecognised_ext_type(), bytes(0, 40)).prop_map(|(ext_type, data)| {
            NewSessionTicketExtension::from(RawExtension::new(ext_type, data))
        }),
    ];
    (
        any::<u32>(),
        any::<u32>(),
        opaque::<1, 0, 0xff>(32),
        opaque::<2, 1, 0xffff>(200),
        list(ext, 0),
    )
        .prop_map(
            |(ticket_lifetime, ticket_age_add, ticket_nonce, ticket, extensions)| {
                NewSessionTicket13 {
                    ticket_lifetime,
                    ticket_age_add,
                    ticket_nonce,
                    ticket,
                    extensions,
                }
            },
        )
}

/// Types that are not messages in TLS 1.3 (or not modelled): kept raw.
fn unmodeled_tls13_type() -> impl Strategy<Value = HandshakeType> {
    any::<u8>()
        .prop_map(HandshakeType::new)
        .prop_filter("modeled", |t| {
            ![1u8, 2, 4, 5, 8, 11, 13, 15, 20, 24].contains(&t.get())
        })
}

/// Every message of TLS 1.3's set, as `decode_in(TLS_V1_3, ..)` reads it.
pub fn handshake_message13() -> impl Strategy<Value = HandshakeMessage> {
    prop_oneof![
        client_hello().prop_map(HandshakeMessage::ClientHello),
        server_hello()
            .prop_filter("HRR random", |m| {
                m.random != keel_wire::handshake::Random::HELLO_RETRY_REQUEST
            })
            .prop_map(HandshakeMessage::ServerHello),
        hello_retry_request().prop_map(HandshakeMessage::HelloRetryRequest),
        encrypted_extensions().prop_map(HandshakeMessage::EncryptedExtensions),
        certificate13().prop_map(HandshakeMessage::Certificate13),
        certificate_request13().prop_map(HandshakeMessage::CertificateRequest13),
        digitally_signed()
            .prop_map(|signed| HandshakeMessage::CertificateVerify(CertificateVerify { signed })),
        bytes(0, 64)
            .prop_map(|verify_data| HandshakeMessage::Finished13(Finished13 { verify_data })),
        new_session_ticket13().prop_map(HandshakeMessage::NewSessionTicket13),
        prop_oneof![
            Just(KeyUpdateRequest::UPDATE_NOT_REQUESTED),
            Just(KeyUpdateRequest::UPDATE_REQUESTED)
        ]
        .prop_map(|request_update| HandshakeMessage::KeyUpdate(KeyUpdate { request_update })),
        Just(HandshakeMessage::EndOfEarlyData(EndOfEarlyData)),
        (unmodeled_tls13_type(), bytes(0, 100)).prop_map(|(handshake_type, body)| {
            HandshakeMessage::Unknown {
                handshake_type,
                body,
            }
        }),
    ]
}
