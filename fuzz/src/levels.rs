//! keel-record's two receive levels side by side: the buffered
//! [`RecordReader`] and the in-place [`RecordDecoder`] must hand out the same
//! items and fail with the same error for the same stream, and every
//! handshake message either hands out goes through keel-wire's decoder.

use keel_record::{
    AeadAlgorithm, Decoded, Incoming, Received, RecordDecoder, RecordError, RecordOpener,
    RecordReader, TrafficKeys,
};
use keel_wire::framing::HandshakeHeader;
use keel_wire::{Alert, Codec, HandshakeMessage};

/// What a receive level handed out, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Got {
    /// A whole handshake message, header included.
    Handshake(Vec<u8>),
    /// A ChangeCipherSpec.
    ChangeCipherSpec,
    /// An alert.
    Alert(Alert),
    /// Application data.
    Data(Vec<u8>),
}

/// The fixed keys of the protected targets: a fuzzer cannot forge AEAD
/// tags, so the protected target seals its input with these first.
pub fn keys(algorithm: AeadAlgorithm) -> TrafficKeys {
    TrafficKeys::new(
        algorithm,
        &vec![0x5c; algorithm.key_len()],
        &vec![0xc5; algorithm.fixed_iv_len()],
    )
    .unwrap()
}

/// The same, for TLS 1.3 records (RFC 8446 §5.2: the real content type
/// inside, zero padding, a 12-byte IV for every AEAD).
pub fn keys13(algorithm: AeadAlgorithm) -> TrafficKeys {
    TrafficKeys::new_tls13(
        algorithm,
        &vec![0x5c; algorithm.key_len()],
        &vec![0xc5; algorithm.tls13_iv_len()],
    )
    .unwrap()
}

/// A reader, protected with `keys` when given.
pub fn reader(negotiated: bool, keys: Option<&TrafficKeys>) -> RecordReader {
    let mut reader = RecordReader::new();
    if negotiated {
        reader.set_version_negotiated();
    }
    if let Some(keys) = keys {
        reader
            .install_opener(RecordOpener::new(keys).unwrap())
            .unwrap();
    }
    reader
}

/// A decoder, protected with `keys` when given.
pub fn decoder(negotiated: bool, keys: Option<&TrafficKeys>) -> RecordDecoder {
    let mut decoder = RecordDecoder::new();
    if negotiated {
        decoder.set_version_negotiated();
    }
    if let Some(keys) = keys {
        decoder
            .install_opener(RecordOpener::new(keys).unwrap())
            .unwrap();
    }
    decoder
}

/// Feeds `stream` to `reader` in pieces of `chunk` bytes (0: at once) and
/// takes out everything, up to the first error.
pub fn read_all(
    reader: &mut RecordReader,
    stream: &[u8],
    chunk: usize,
) -> (Vec<Got>, Option<RecordError>) {
    let size = if chunk == 0 {
        stream.len().max(1)
    } else {
        chunk
    };
    let mut out = Vec::new();
    for piece in stream.chunks(size) {
        reader.feed(piece);
        loop {
            match reader.next_incoming() {
                Ok(Some(item)) => out.push(match item {
                    Incoming::Handshake(m) => Got::Handshake(m.to_vec()),
                    Incoming::ChangeCipherSpec => Got::ChangeCipherSpec,
                    Incoming::Alert(a) => Got::Alert(a),
                    Incoming::ApplicationData(d) => Got::Data(d.to_vec()),
                }),
                Ok(None) => break,
                Err(e) => {
                    // Sticky: the reader fails again, the same way.
                    assert_eq!(
                        reader.next_incoming().err(),
                        Some(e.clone()),
                        "reader error not sticky"
                    );
                    return (out, Some(e));
                }
            }
        }
    }
    (out, None)
}

/// Decodes all of `stream` in place with `decoder`, checking the
/// contract on the way: bytes after those consumed are untouched, and
/// `needed` is exact.
pub fn decode_all(decoder: &mut RecordDecoder, stream: &[u8]) -> (Vec<Got>, Option<RecordError>) {
    let mut buf = stream.to_vec();
    let mut pos = 0;
    let mut out = Vec::new();
    loop {
        let before = buf[pos..].to_vec();
        let decoded = match decoder.decode(&mut buf[pos..]) {
            Ok(d) => d,
            Err(e) => {
                assert_eq!(
                    decoder.decode(&mut buf[pos..]).err(),
                    Some(e.clone()),
                    "decoder error not sticky"
                );
                return (out, Some(e));
            }
        };
        let consumed = decoded.consumed();
        let more = match decoded {
            Decoded::Item { item, .. } => {
                out.push(match item {
                    Received::Handshake(m) => Got::Handshake(m.to_vec()),
                    Received::ChangeCipherSpec => Got::ChangeCipherSpec,
                    Received::Alert(a) => Got::Alert(a),
                    Received::ApplicationData(d) => Got::Data(d.to_vec()),
                });
                false
            }
            Decoded::NeedMore { needed, .. } => {
                let pending = &before[consumed..];
                match needed {
                    Some(n) => {
                        let length = usize::from(u16::from_be_bytes([pending[3], pending[4]]));
                        assert_eq!(pending.len() + n, 5 + length, "needed is not exact");
                    }
                    None => assert!(pending.len() < 5, "needed unknown with a whole header"),
                }
                true
            }
        };
        assert!(consumed <= before.len());
        assert_eq!(
            buf[pos + consumed..],
            before[consumed..],
            "bytes after those consumed changed"
        );
        pos += consumed;
        if more {
            return (out, None);
        }
    }
}

/// Both levels over the same stream must agree; returns their items.
pub fn both_levels(
    stream: &[u8],
    negotiated: bool,
    keys: Option<&TrafficKeys>,
    chunk: usize,
) -> (Vec<Got>, Option<RecordError>) {
    let (got_reader, err_reader) = read_all(&mut reader(negotiated, keys), stream, chunk);
    let (got_decoder, err_decoder) = decode_all(&mut decoder(negotiated, keys), stream);
    assert_eq!(
        got_reader, got_decoder,
        "the two levels handed out different items"
    );
    assert_eq!(err_reader, err_decoder, "the two levels failed differently");
    for item in &got_reader {
        if let Got::Handshake(message) = item {
            let header = HandshakeHeader::peek(message).unwrap();
            assert_eq!(
                message.len(),
                HandshakeHeader::LEN + header.body_len(),
                "a partial message handed out"
            );
            if let Ok(decoded) = HandshakeMessage::decode(message) {
                assert_eq!(&decoded.encode().unwrap(), message);
            }
        }
        if let Got::Data(data) = item {
            assert!(!data.is_empty(), "empty application data handed out");
        }
    }
    (got_reader, err_reader)
}
