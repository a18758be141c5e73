//! Parsing after decryption. A fuzzer cannot forge AEAD tags, so the input
//! describes records in the clear — each a content-type byte, a two-byte
//! length and that many bytes — which the target seals with the real
//! RecordSealer under fixed keys (first byte: the AEAD, and TLS 1.2 or TLS
//! 1.3 records) before both receive levels open and parse them. No null cipher, no weakened opener.
//! Application data must come out exactly as it went in.
#![no_main]

use keel_fuzz::levels::{Got, both_levels, keys, keys13};
use keel_record::{AeadAlgorithm, RecordSealer};
use keel_wire::registry::{ContentType, ProtocolVersion};
use libfuzzer_sys::fuzz_target;

const ALGORITHMS: [AeadAlgorithm; 3] = [
    AeadAlgorithm::Aes128Gcm,
    AeadAlgorithm::Aes256Gcm,
    AeadAlgorithm::ChaCha20Poly1305,
];

fuzz_target!(|data: &[u8]| {
    let [selector, chunk, records @ ..] = data else {
        return;
    };
    let mut rest: &[u8] = records;
    let algorithm = ALGORITHMS[usize::from(*selector) % ALGORITHMS.len()];
    // The next bit of the selector picks the record protection: in TLS 1.3
    // the content type travels inside (RFC 8446 §5.2).
    let keys = if usize::from(*selector) / ALGORITHMS.len() % 2 == 1 {
        keys13(algorithm)
    } else {
        keys(algorithm)
    };
    let mut sealer = RecordSealer::new(&keys).unwrap();
    let mut stream = Vec::new();
    let mut sent_data = Vec::new();
    while let [content_type, hi, lo, tail @ ..] = rest {
        // Up to 2^14 + 255 bytes: a little past the plaintext limit, so
        // that the overflow check is reached too.
        let len = (usize::from(u16::from_be_bytes([*hi, *lo])) % ((1 << 14) + 256)).min(tail.len());
        let (plaintext, after) = tail.split_at(len);
        rest = after;
        let mut record = vec![0u8; sealer.overhead() + len];
        let start = sealer.prefix_len();
        record[start..start + len].copy_from_slice(plaintext);
        let content_type = ContentType::new(*content_type);
        let Ok(n) = sealer.seal_in_place(content_type, ProtocolVersion::TLS_V1_2, &mut record, len)
        else {
            break;
        };
        stream.extend_from_slice(&record[..n]);
        if content_type == ContentType::APPLICATION_DATA && !plaintext.is_empty() {
            sent_data.push(plaintext.to_vec());
        }
    }
    let (got, _) = both_levels(&stream, true, Some(&keys), usize::from(*chunk));
    let received: Vec<&Vec<u8>> = got
        .iter()
        .filter_map(|g| if let Got::Data(d) = g { Some(d) } else { None })
        .collect();
    for (received, sent) in received.iter().zip(&sent_data) {
        assert_eq!(*received, sent, "application data changed on the way");
    }
    assert!(received.len() <= sent_data.len());
});
