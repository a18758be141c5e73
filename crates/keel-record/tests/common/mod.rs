//! A writer/reader pair sharing keys, for the integration tests.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use keel_record::{
    AeadAlgorithm, Decoded, Incoming, Received, RecordDecoder, RecordError, RecordOpener,
    RecordReader, RecordSealer, RecordWriter, TrafficKeys,
};
use keel_wire::Alert;

pub const ALGORITHMS: [AeadAlgorithm; 3] = [
    AeadAlgorithm::Aes128Gcm,
    AeadAlgorithm::Aes256Gcm,
    AeadAlgorithm::ChaCha20Poly1305,
];

pub fn keys(algorithm: AeadAlgorithm) -> TrafficKeys {
    TrafficKeys::new(
        algorithm,
        &vec![0x5c; algorithm.key_len()],
        &vec![0xc5; algorithm.fixed_iv_len()],
    )
    .unwrap()
}

/// A writer and a reader for one direction, both protected with `keys`
/// (whose protection, TLS 1.2 or TLS 1.3, they follow) and the version
/// negotiated.
pub fn pair_with(keys: &TrafficKeys) -> (RecordWriter, RecordReader) {
    let mut writer = RecordWriter::new();
    writer.install_sealer(RecordSealer::new(keys).unwrap());
    let mut reader = RecordReader::new();
    reader.set_version_negotiated();
    reader
        .install_opener(RecordOpener::new(keys).unwrap())
        .unwrap();
    (writer, reader)
}

/// A decoder protected with `keys`, the version negotiated.
pub fn decoder_with(keys: &TrafficKeys) -> RecordDecoder {
    let mut decoder = RecordDecoder::new();
    decoder.set_version_negotiated();
    decoder
        .install_opener(RecordOpener::new(keys).unwrap())
        .unwrap();
    decoder
}

/// A TLS 1.2 writer and reader for one direction, sharing [`keys`].
pub fn protected_pair(algorithm: AeadAlgorithm) -> (RecordWriter, RecordReader) {
    pair_with(&keys(algorithm))
}

/// A TLS 1.2 decoder with the keys of [`protected_pair`].
pub fn protected_decoder(algorithm: AeadAlgorithm) -> RecordDecoder {
    decoder_with(&keys(algorithm))
}

/// What a reader produced, owned, for comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Got {
    Handshake(Vec<u8>),
    ChangeCipherSpec,
    Alert(Alert),
    Data(Vec<u8>),
}

/// Reads everything the reader can produce now.
pub fn drain(reader: &mut RecordReader) -> Result<Vec<Got>, RecordError> {
    let mut out = Vec::new();
    while let Some(item) = reader.next_incoming()? {
        out.push(match item {
            Incoming::Handshake(m) => Got::Handshake(m.to_vec()),
            Incoming::ChangeCipherSpec => Got::ChangeCipherSpec,
            Incoming::Alert(a) => Got::Alert(a),
            Incoming::ApplicationData(d) => Got::Data(d.to_vec()),
        });
    }
    Ok(out)
}

impl From<Received<'_, '_>> for Got {
    fn from(item: Received<'_, '_>) -> Self {
        match item {
            Received::Handshake(m) => Got::Handshake(m.to_vec()),
            Received::ChangeCipherSpec => Got::ChangeCipherSpec,
            Received::Alert(a) => Got::Alert(a),
            Received::ApplicationData(d) => Got::Data(d.to_vec()),
        }
    }
}

/// Decodes `stream` as a connection would with a receive buffer of its
/// own: a fixed buffer of `capacity` bytes, filled from the stream in
/// pieces of the sizes in `cuts` (cycled, and cut short by the room left,
/// as a socket read would be), lent to `decoder`, with the consumed bytes
/// dropped after every call. Checks the contract on the way: the bytes
/// after those consumed are untouched, and `needed` is exact.
pub fn decode_stream(
    decoder: &mut RecordDecoder,
    stream: &[u8],
    cuts: &[usize],
    capacity: usize,
) -> Result<Vec<Got>, RecordError> {
    let mut buf = vec![0u8; capacity];
    let mut len = 0;
    let mut rest = stream;
    let mut cuts = cuts.iter().cycle();
    let mut out = Vec::new();
    loop {
        let before = buf[..len].to_vec();
        let decoded = decoder.decode(&mut buf[..len])?;
        let consumed = decoded.consumed();
        let need_more = match decoded {
            Decoded::Item { item, .. } => {
                out.push(Got::from(item));
                false
            }
            Decoded::NeedMore { needed, .. } => {
                let pending = &before[consumed..];
                match needed {
                    Some(needed) => {
                        let length = usize::from(u16::from_be_bytes([pending[3], pending[4]]));
                        assert_eq!(pending.len() + needed, 5 + length, "needed is exact");
                    }
                    None => assert!(pending.len() < 5, "needed is known once the header is"),
                }
                true
            }
        };
        assert!(consumed <= len);
        assert_eq!(
            buf[consumed..len],
            before[consumed..],
            "bytes after those consumed are untouched"
        );
        buf.copy_within(consumed..len, 0);
        len -= consumed;
        if need_more {
            if rest.is_empty() {
                return Ok(out);
            }
            let n = (*cuts.next().unwrap()).min(capacity - len).min(rest.len());
            assert!(n > 0, "a record does not fit in {capacity} bytes");
            buf[len..len + n].copy_from_slice(&rest[..n]);
            len += n;
            rest = &rest[n..];
        }
    }
}

/// One record of any type and version, unprotected, as a peer might send.
pub fn record(content_type: u8, version: [u8; 2], body: &[u8]) -> Vec<u8> {
    let mut r = vec![content_type, version[0], version[1]];
    r.extend_from_slice(&u16::try_from(body.len()).unwrap().to_be_bytes());
    r.extend_from_slice(body);
    r
}

/// One sealed application-data record per chunk, under the keys of
/// [`protected_pair`], from sequence number 0.
pub fn sealed_data(algorithm: AeadAlgorithm, chunks: &[&[u8]]) -> Vec<Vec<u8>> {
    let (mut writer, _) = protected_pair(algorithm);
    chunks
        .iter()
        .map(|c| {
            let mut out = Vec::new();
            writer.write_application_data(c, &mut out).unwrap();
            out
        })
        .collect()
}

/// Joins consecutive application data, which record boundaries may split.
pub fn joined_data(items: &[Got]) -> Vec<u8> {
    items
        .iter()
        .filter_map(|g| match g {
            Got::Data(d) => Some(d.as_slice()),
            _ => None,
        })
        .flatten()
        .copied()
        .collect()
}

/// A handshake message of type `t` with a body of `len` bytes.
pub fn handshake_message(t: u8, len: usize) -> Vec<u8> {
    let [_, a, b, c] = u32::try_from(len).unwrap().to_be_bytes();
    let mut m = vec![t, a, b, c];
    m.extend((0..len).map(|i| (i % 251) as u8));
    m
}

/// TLS 1.3 keys for `algorithm`: a 12-byte IV whatever the algorithm
/// (RFC 8446 §5.3).
pub fn keys13(algorithm: AeadAlgorithm) -> TrafficKeys {
    TrafficKeys::new_tls13(
        algorithm,
        &vec![0x3c; algorithm.key_len()],
        &vec![0xa7; algorithm.tls13_iv_len()],
    )
    .unwrap()
}

/// A TLS 1.3 writer and reader for one direction, sharing [`keys13`].
pub fn protected_pair13(algorithm: AeadAlgorithm) -> (RecordWriter, RecordReader) {
    pair_with(&keys13(algorithm))
}

/// A TLS 1.3 decoder with the keys of [`protected_pair13`].
pub fn protected_decoder13(algorithm: AeadAlgorithm) -> RecordDecoder {
    decoder_with(&keys13(algorithm))
}

/// Decodes everything a decoder can read from `stream` at once, in one
/// buffer.
pub fn decode_all(decoder: &mut RecordDecoder, stream: &[u8]) -> Result<Vec<Got>, RecordError> {
    decode_stream(decoder, stream, &[stream.len().max(1)], stream.len().max(1))
}
