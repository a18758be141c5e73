//! A writer/reader pair sharing keys, for the integration tests.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use keel_record::{
    AeadAlgorithm, Incoming, RecordError, RecordOpener, RecordReader, RecordSealer, RecordWriter,
    TrafficKeys,
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

/// A writer and a reader for one direction, both protected with the same
/// keys and the version negotiated.
pub fn protected_pair(algorithm: AeadAlgorithm) -> (RecordWriter, RecordReader) {
    let keys = keys(algorithm);
    let mut writer = RecordWriter::new();
    writer.install_sealer(RecordSealer::new(&keys).unwrap());
    let mut reader = RecordReader::new();
    reader.set_version_negotiated();
    reader
        .install_opener(RecordOpener::new(&keys).unwrap())
        .unwrap();
    (writer, reader)
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
