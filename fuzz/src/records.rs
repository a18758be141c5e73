//! Cutting keel's output into records and handshake messages, and framing
//! replacements, for the structure-aware target.

use keel_wire::framing::{HandshakeHeader, RecordHeader};
use keel_wire::handshake::Random;
use keel_wire::registry::{ContentType, ProtocolVersion};
use keel_wire::{Codec, HandshakeMessage, ServerExtension};

/// Splits whole records (keel writes only whole records); a partial tail,
/// which keel never writes, is returned as a last "record" as it is.
pub fn split_records(mut bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let len = RecordHeader::peek(bytes)
            .map_or(bytes.len(), |h| RecordHeader::LEN + usize::from(h.length))
            .min(bytes.len());
        let (record, rest) = bytes.split_at(len);
        out.push(record);
        bytes = rest;
    }
    out
}

/// The record's content type, if it has a header.
pub fn content_type(record: &[u8]) -> Option<ContentType> {
    RecordHeader::peek(record).map(|h| h.content_type)
}

/// The whole handshake messages in a plaintext handshake record's body, or
/// `None` if the body does not divide into whole messages.
pub fn messages(body: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let header = HandshakeHeader::peek(rest)?;
        let len = HandshakeHeader::LEN + header.body_len();
        if len > rest.len() {
            return None;
        }
        let (message, tail) = rest.split_at(len);
        out.push(message);
        rest = tail;
    }
    Some(out)
}

/// `body` framed as plaintext records of `content_type`, split at 2^14
/// bytes; an empty body makes one empty record.
pub fn frame(content_type: ContentType, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + RecordHeader::LEN);
    let mut chunks: Vec<&[u8]> = body.chunks(1 << 14).collect();
    if chunks.is_empty() {
        chunks.push(&[]);
    }
    for chunk in chunks {
        let header = RecordHeader {
            content_type,
            version: ProtocolVersion::TLS_V1_2,
            length: u16::try_from(chunk.len()).unwrap_or(u16::MAX),
        };
        out.extend_from_slice(&header.to_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

/// Whether `message` (a whole handshake message) is a ServerHello that
/// selects TLS 1.3 (RFC 8446 §4.2.1: in supported_versions) or a
/// HelloRetryRequest, which only TLS 1.3 has.
pub fn selects_tls13(message: &[u8]) -> bool {
    match HandshakeMessage::decode(message) {
        Ok(HandshakeMessage::HelloRetryRequest(_)) => true,
        Ok(HandshakeMessage::ServerHello(hello)) => hello.extensions.iter().any(|e| {
            matches!(e, ServerExtension::SupportedVersions(v) if *v == ProtocolVersion::TLS_V1_3)
        }),
        _ => false,
    }
}

/// Whether `message` (a whole handshake message) is a HelloRetryRequest:
/// a ServerHello with the special random (RFC 8446 §4.1.3).
pub fn is_hello_retry_request(message: &[u8]) -> bool {
    message.first() == Some(&2) && message.get(6..38) == Some(&Random::HELLO_RETRY_REQUEST.0[..])
}
