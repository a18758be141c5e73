//! The wire target's dispatch, shared with the seed generator and the
//! differential check against rustls.

use core::fmt::Debug;

use keel_wire::framing::{HandshakeHeader, RecordHeader};
use keel_wire::handshake::{
    Certificate, Certificate13, CertificateRequest, CertificateRequest13, CertificateStatus,
    CertificateVerify, ClientHello, ClientKeyExchange, EncryptedExtensions, Finished,
    HelloRetryRequest, KeyUpdate, NewSessionTicket, NewSessionTicket13, ServerHello,
    ServerKeyExchange,
};
use keel_wire::registry::ProtocolVersion;
use keel_wire::{Alert, ChangeCipherSpec, Codec, HandshakeMessage};

/// The structures the wire target decodes; the selector byte is an index
/// into this table (modulo its length).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Structure {
    /// A whole handshake message, header included, of any type.
    Handshake,
    /// A ClientHello body.
    ClientHello,
    /// A ServerHello body.
    ServerHello,
    /// A Certificate body.
    Certificate,
    /// A ServerKeyExchange body.
    ServerKeyExchange,
    /// A CertificateRequest body.
    CertificateRequest,
    /// A CertificateVerify body.
    CertificateVerify,
    /// A ClientKeyExchange body.
    ClientKeyExchange,
    /// A Finished body.
    Finished,
    /// A NewSessionTicket body.
    NewSessionTicket,
    /// A CertificateStatus body.
    CertificateStatus,
    /// An alert.
    Alert,
    /// A ChangeCipherSpec.
    ChangeCipherSpec,
    /// Record and handshake headers.
    Headers,
    /// A whole handshake message read as TLS 1.3 defines it.
    Handshake13,
    /// A HelloRetryRequest body.
    HelloRetryRequest,
    /// An EncryptedExtensions body.
    EncryptedExtensions,
    /// A TLS 1.3 Certificate body.
    Certificate13,
    /// A TLS 1.3 CertificateRequest body.
    CertificateRequest13,
    /// A TLS 1.3 NewSessionTicket body.
    NewSessionTicket13,
    /// A KeyUpdate body.
    KeyUpdate,
}

/// The selector table. New structures go at the end, so that a seed's
/// selector byte keeps naming the structure it was made for.
pub const STRUCTURES: [Structure; 21] = [
    Structure::Handshake,
    Structure::ClientHello,
    Structure::ServerHello,
    Structure::Certificate,
    Structure::ServerKeyExchange,
    Structure::CertificateRequest,
    Structure::CertificateVerify,
    Structure::ClientKeyExchange,
    Structure::Finished,
    Structure::NewSessionTicket,
    Structure::CertificateStatus,
    Structure::Alert,
    Structure::ChangeCipherSpec,
    Structure::Headers,
    Structure::Handshake13,
    Structure::HelloRetryRequest,
    Structure::EncryptedExtensions,
    Structure::Certificate13,
    Structure::CertificateRequest13,
    Structure::NewSessionTicket13,
    Structure::KeyUpdate,
];

/// The selector byte for `structure`.
pub fn selector(structure: Structure) -> u8 {
    STRUCTURES
        .iter()
        .position(|s| *s == structure)
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or(0)
}

/// Decodes `bytes` as `structure`; if it decodes, checks the round trip.
/// Returns whether keel accepted the bytes.
pub fn decode_roundtrip(structure: Structure, bytes: &[u8]) -> bool {
    match structure {
        Structure::Handshake => roundtrip::<HandshakeMessage>(bytes),
        Structure::ClientHello => roundtrip::<ClientHello>(bytes),
        Structure::ServerHello => roundtrip::<ServerHello>(bytes),
        Structure::Certificate => roundtrip::<Certificate>(bytes),
        Structure::ServerKeyExchange => roundtrip::<ServerKeyExchange>(bytes),
        Structure::CertificateRequest => roundtrip::<CertificateRequest>(bytes),
        Structure::CertificateVerify => roundtrip::<CertificateVerify>(bytes),
        Structure::ClientKeyExchange => roundtrip::<ClientKeyExchange>(bytes),
        Structure::Finished => roundtrip::<Finished>(bytes),
        Structure::NewSessionTicket => roundtrip::<NewSessionTicket>(bytes),
        Structure::CertificateStatus => roundtrip::<CertificateStatus>(bytes),
        Structure::Alert => roundtrip::<Alert>(bytes),
        Structure::ChangeCipherSpec => roundtrip::<ChangeCipherSpec>(bytes),
        Structure::Headers => headers(bytes),
        Structure::Handshake13 => handshake13(bytes),
        Structure::HelloRetryRequest => roundtrip::<HelloRetryRequest>(bytes),
        Structure::EncryptedExtensions => roundtrip::<EncryptedExtensions>(bytes),
        Structure::Certificate13 => roundtrip::<Certificate13>(bytes),
        Structure::CertificateRequest13 => roundtrip::<CertificateRequest13>(bytes),
        Structure::NewSessionTicket13 => roundtrip::<NewSessionTicket13>(bytes),
        Structure::KeyUpdate => roundtrip::<KeyUpdate>(bytes),
    }
}

/// A whole message in TLS 1.3's message set: the same promise, through
/// `decode_in`.
fn handshake13(bytes: &[u8]) -> bool {
    let Ok(value) = HandshakeMessage::decode_in(ProtocolVersion::TLS_V1_3, bytes) else {
        return false;
    };
    let encoded = value.encode().unwrap_or_else(|e| {
        panic!("Handshake (1.3): accepted {value:?} but cannot encode it: {e}")
    });
    assert_eq!(
        encoded, bytes,
        "Handshake (1.3): {value:?} does not re-encode to its input"
    );
    let again = HandshakeMessage::decode_in(ProtocolVersion::TLS_V1_3, &encoded).unwrap();
    assert_eq!(
        again, value,
        "Handshake (1.3): decodes differently the second time"
    );
    true
}

fn roundtrip<T: Codec + PartialEq + Debug>(bytes: &[u8]) -> bool {
    let Ok(value) = T::decode(bytes) else {
        return false;
    };
    let encoded = value
        .encode()
        .unwrap_or_else(|e| panic!("{}: accepted {value:?} but cannot encode it: {e}", T::NAME));
    assert_eq!(
        encoded,
        bytes,
        "{}: {value:?} does not re-encode to its input",
        T::NAME
    );
    let again = T::decode(&encoded).unwrap();
    assert_eq!(
        again,
        value,
        "{}: decodes differently the second time",
        T::NAME
    );
    true
}

/// The hand-written headers: what `peek` reads, `to_bytes` rebuilds.
fn headers(bytes: &[u8]) -> bool {
    let record = RecordHeader::peek(bytes);
    if let Some(header) = record {
        assert_eq!(header.to_bytes()[..], bytes[..RecordHeader::LEN]);
    } else {
        assert!(
            bytes.len() < RecordHeader::LEN,
            "a whole record header refused"
        );
    }
    let handshake = HandshakeHeader::peek(bytes);
    if let Some(header) = handshake {
        assert_eq!(header.to_bytes()[..], bytes[..HandshakeHeader::LEN]);
        assert_eq!(
            HandshakeHeader::new(header.handshake_type, header.body_len()),
            Some(header)
        );
    }
    record.is_some()
}
