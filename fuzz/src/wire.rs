//! The wire target's dispatch, shared with the seed generator and the
//! differential check against rustls.

use core::fmt::Debug;

use keel_wire::framing::{HandshakeHeader, RecordHeader};
use keel_wire::handshake::{
    Certificate, CertificateRequest, CertificateStatus, CertificateVerify, ClientHello,
    ClientKeyExchange, Finished, NewSessionTicket, ServerHello, ServerKeyExchange,
};
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
}

/// The selector table.
pub const STRUCTURES: [Structure; 14] = [
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
    }
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
