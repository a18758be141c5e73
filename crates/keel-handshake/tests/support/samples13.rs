//! Well-formed TLS 1.3 messages of every type (RFC 8446 §4), for tables
//! that put each type in front of each state: they decode as TLS 1.3
//! reads them, so whatever refuses one is the state machine, not the
//! codec. The types TLS 1.3 does not have (HelloRequest,
//! ServerKeyExchange, ServerHelloDone, ClientKeyExchange,
//! CertificateStatus) and an unknown one keep their TLS 1.2 bytes, which
//! TLS 1.3 reads as [`HandshakeMessage::Unknown`].

use keel_wire::extensions::{
    CertificateRequestExtension, HelloRetryExtension, KeyShareEntry, KeyShareList,
};
use keel_wire::handshake::{
    Certificate13, CertificateRequest13, CertificateVerify, ClientHello, DigitallySigned,
    EncryptedExtensions, EndOfEarlyData, Finished13, HelloRetryRequest, KeyUpdate,
    NewSessionTicket13, Random, ServerHello,
};
use keel_wire::registry::{
    CipherSuite, CompressionMethod, HandshakeType, KeyUpdateRequest, NamedGroup, ProtocolVersion,
    SignatureScheme,
};
use keel_wire::vec::{List, Opaque};
use keel_wire::{
    ClientExtension, Codec, ExtensionList, Extensions, HandshakeMessage, ServerExtension,
};

/// Every TLS 1.3 handshake type (RFC 8446 §4), the TLS 1.2 types TLS 1.3
/// dropped, and one nobody defines (99), in type order.
pub(crate) const HANDSHAKE_TYPES13: [HandshakeType; 17] = [
    HandshakeType::HELLO_REQUEST,
    HandshakeType::CLIENT_HELLO,
    HandshakeType::SERVER_HELLO,
    HandshakeType::NEW_SESSION_TICKET,
    HandshakeType::END_OF_EARLY_DATA,
    HandshakeType::ENCRYPTED_EXTENSIONS,
    HandshakeType::CERTIFICATE,
    HandshakeType::SERVER_KEY_EXCHANGE,
    HandshakeType::CERTIFICATE_REQUEST,
    HandshakeType::SERVER_HELLO_DONE,
    HandshakeType::CERTIFICATE_VERIFY,
    HandshakeType::CLIENT_KEY_EXCHANGE,
    HandshakeType::FINISHED,
    HandshakeType::CERTIFICATE_STATUS,
    HandshakeType::KEY_UPDATE,
    HandshakeType::new(99),
    HandshakeType::MESSAGE_HASH,
];

/// X25519's base point: a valid public value.
fn x25519_point() -> Vec<u8> {
    let mut point = vec![0u8; 32];
    point[0] = 9;
    point
}

/// A well-formed TLS 1.3 message of type `t`. A ServerHello is a real
/// one (supported_versions 1.3, a key share); the HelloRetryRequest,
/// which shares its type, is [`sample_hello_retry_request`].
pub(crate) fn sample_message13(t: HandshakeType) -> HandshakeMessage {
    use HandshakeMessage as M;
    let message = match t {
        HandshakeType::CLIENT_HELLO => M::ClientHello(ClientHello {
            client_version: ProtocolVersion::TLS_V1_2,
            random: Random([0x11; 32]),
            session_id: Opaque(vec![0x5e; 32]),
            cipher_suites: List(vec![CipherSuite::TLS_AES_128_GCM_SHA256]),
            compression_methods: List(vec![CompressionMethod::NULL]),
            extensions: Extensions::Present(vec![
                ClientExtension::SupportedVersions(List(vec![ProtocolVersion::TLS_V1_3])),
                ClientExtension::SupportedGroups(List(vec![NamedGroup::X25519])),
                ClientExtension::SignatureAlgorithms(List(vec![
                    SignatureScheme::ECDSA_SECP256R1_SHA256,
                ])),
                ClientExtension::KeyShare(KeyShareList(List(vec![KeyShareEntry {
                    group: NamedGroup::X25519,
                    key_exchange: Opaque(x25519_point()),
                }]))),
            ]),
        }),
        HandshakeType::SERVER_HELLO => M::ServerHello(ServerHello {
            server_version: ProtocolVersion::TLS_V1_2,
            random: Random([0x22; 32]),
            session_id: Opaque(vec![0x5e; 32]),
            cipher_suite: CipherSuite::TLS_AES_128_GCM_SHA256,
            compression_method: CompressionMethod::NULL,
            extensions: Extensions::Present(vec![
                ServerExtension::SupportedVersions(ProtocolVersion::TLS_V1_3),
                ServerExtension::KeyShare(KeyShareEntry {
                    group: NamedGroup::X25519,
                    key_exchange: Opaque(x25519_point()),
                }),
            ]),
        }),
        HandshakeType::NEW_SESSION_TICKET => M::NewSessionTicket13(NewSessionTicket13 {
            ticket_lifetime: 3600,
            ticket_age_add: 0x0102_0304,
            ticket_nonce: Opaque(vec![0]),
            ticket: Opaque(vec![0x33; 16]),
            extensions: ExtensionList(vec![]),
        }),
        HandshakeType::END_OF_EARLY_DATA => M::EndOfEarlyData(EndOfEarlyData),
        HandshakeType::ENCRYPTED_EXTENSIONS => M::EncryptedExtensions(EncryptedExtensions {
            extensions: ExtensionList(vec![]),
        }),
        HandshakeType::CERTIFICATE => M::Certificate13(Certificate13 {
            certificate_request_context: Opaque(vec![]),
            certificate_list: List(vec![]),
        }),
        HandshakeType::CERTIFICATE_REQUEST => M::CertificateRequest13(CertificateRequest13 {
            certificate_request_context: Opaque(vec![]),
            extensions: ExtensionList(vec![CertificateRequestExtension::SignatureAlgorithms(
                List(vec![SignatureScheme::ECDSA_SECP256R1_SHA256]),
            )]),
        }),
        HandshakeType::CERTIFICATE_VERIFY => M::CertificateVerify(CertificateVerify {
            signed: DigitallySigned {
                scheme: SignatureScheme::ECDSA_SECP256R1_SHA256,
                signature: Opaque(vec![0x30; 8]),
            },
        }),
        HandshakeType::FINISHED => M::Finished13(Finished13 {
            verify_data: vec![0; 32],
        }),
        HandshakeType::KEY_UPDATE => M::KeyUpdate(KeyUpdate {
            request_update: KeyUpdateRequest::UPDATE_REQUESTED,
        }),
        // TLS 1.2's messages and unknown types: their TLS 1.2 bytes.
        other => {
            let bytes = super::sample_message(other).encode().unwrap();
            HandshakeMessage::decode_in(ProtocolVersion::TLS_V1_3, &bytes).unwrap()
        }
    };
    well_formed(message)
}

/// A HelloRetryRequest asking for a P-256 share, for AES-128-GCM.
pub(crate) fn sample_hello_retry_request() -> HandshakeMessage {
    well_formed(HandshakeMessage::HelloRetryRequest(HelloRetryRequest {
        legacy_version: ProtocolVersion::TLS_V1_2,
        legacy_session_id_echo: Opaque(vec![0x5e; 32]),
        cipher_suite: CipherSuite::TLS_AES_128_GCM_SHA256,
        legacy_compression_method: CompressionMethod::NULL,
        extensions: ExtensionList(vec![
            HelloRetryExtension::SupportedVersions(ProtocolVersion::TLS_V1_3),
            HelloRetryExtension::KeyShare(NamedGroup::SECP256R1),
        ]),
    }))
}

/// Well-formed means: it survives TLS 1.3's decoder.
fn well_formed(message: HandshakeMessage) -> HandshakeMessage {
    let bytes = message.encode().unwrap();
    assert_eq!(
        HandshakeMessage::decode_in(ProtocolVersion::TLS_V1_3, &bytes).unwrap(),
        message
    );
    message
}
