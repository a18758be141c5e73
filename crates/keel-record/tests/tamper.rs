//! Tampered and malformed records: each yields the right error and alert,
//! and the reader stays failed afterwards (errors are sticky: good bytes
//! fed later are not read).

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use keel_record::limits::{MAX_CIPHERTEXT, MAX_PLAINTEXT};
use keel_record::{AeadAlgorithm, Incoming, RecordError, RecordOpener, RecordReader, RecordWriter};
use keel_wire::registry::{AlertDescription, ContentType, ProtocolVersion};

/// Feeds `bytes`, expects `error` with `alert`, then checks that the reader
/// stays failed even when given a valid record.
fn refused(mut reader: RecordReader, bytes: &[u8], error: &RecordError, alert: AlertDescription) {
    reader.feed(bytes);
    let got = drain(&mut reader).unwrap_err();
    assert_eq!(&got, error);
    assert_eq!(got.alert(), alert, "{got}");
    reader.feed(&[22, 3, 3, 0, 4, 14, 0, 0, 0]);
    assert_eq!(
        &reader.next_incoming().unwrap_err(),
        error,
        "the reader stays failed"
    );
}

fn protected_reader(algorithm: AeadAlgorithm) -> RecordReader {
    protected_pair(algorithm).1
}

#[test]
fn unknown_and_heartbeat_content_types_are_unexpected() {
    for t in [0u8, 19, 24, 25, 255] {
        refused(
            RecordReader::new(),
            &record(t, [3, 3], &[1]),
            &RecordError::UnexpectedContentType {
                content_type: ContentType::new(t),
            },
            AlertDescription::UNEXPECTED_MESSAGE,
        );
    }
}

#[test]
fn version_rules_before_and_after_negotiation() {
    // Before: any {03,XX} is accepted (RFC 5246 Appendix E.1).
    for minor in [0u8, 1, 3, 4, 0xff] {
        let mut reader = RecordReader::new();
        reader.feed(&record(22, [3, minor], &[14, 0, 0, 0]));
        assert!(
            matches!(reader.next_incoming(), Ok(Some(Incoming::Handshake(_)))),
            "3.{minor}"
        );
    }
    // An SSLv2-style or non-3 major is refused at once.
    for version in [[2, 0], [0x80, 0x2e], [4, 3]] {
        refused(
            RecordReader::new(),
            &record(22, version, &[14, 0, 0, 0]),
            &RecordError::BadVersion {
                version: ProtocolVersion::new(u16::from_be_bytes(version)),
            },
            AlertDescription::PROTOCOL_VERSION,
        );
    }
    // After: only {03,03}.
    let mut reader = RecordReader::new();
    reader.set_version_negotiated();
    refused(
        reader,
        &record(22, [3, 1], &[14, 0, 0, 0]),
        &RecordError::BadVersion {
            version: ProtocolVersion::TLS_V1_0,
        },
        AlertDescription::PROTOCOL_VERSION,
    );
}

#[test]
fn a_bad_header_is_refused_before_its_body_arrives() {
    let mut reader = RecordReader::new();
    reader.feed(&[24, 3, 3, 0x40]);
    assert_eq!(
        reader.next_incoming().unwrap(),
        None,
        "four bytes: need more"
    );
    reader.feed(&[0]);
    assert!(
        reader.next_incoming().is_err(),
        "five bytes: the header alone is enough to refuse"
    );
}

#[test]
fn oversized_records_overflow() {
    // Plaintext records: at most 2^14.
    let too_long = (MAX_PLAINTEXT + 1) as u16;
    let mut header = vec![22, 3, 3];
    header.extend_from_slice(&too_long.to_be_bytes());
    refused(
        RecordReader::new(),
        &header,
        &RecordError::RecordOverflow {
            length: MAX_PLAINTEXT + 1,
            limit: MAX_PLAINTEXT,
        },
        AlertDescription::RECORD_OVERFLOW,
    );
    // Protected records: at most 2^14 + 2048.
    let mut header = vec![23, 3, 3];
    header.extend_from_slice(&((MAX_CIPHERTEXT + 1) as u16).to_be_bytes());
    refused(
        protected_reader(AeadAlgorithm::Aes128Gcm),
        &header,
        &RecordError::RecordOverflow {
            length: MAX_CIPHERTEXT + 1,
            limit: MAX_CIPHERTEXT,
        },
        AlertDescription::RECORD_OVERFLOW,
    );
}

#[test]
fn plaintext_over_the_limit_after_decryption_overflows() {
    // A peer may seal more than 2^14 bytes of plaintext in a record within
    // the ciphertext limit; keel's own writer never does, so build it with
    // the in-place sealer.
    let keys = keys(AeadAlgorithm::ChaCha20Poly1305);
    let mut sealer = keel_record::RecordSealer::new(&keys).unwrap();
    let len = MAX_PLAINTEXT + 1;
    let mut buf = vec![0; len + sealer.overhead()];
    sealer
        .seal_in_place(
            ContentType::APPLICATION_DATA,
            ProtocolVersion::TLS_V1_2,
            &mut buf,
            len,
        )
        .unwrap();
    refused(
        protected_reader(AeadAlgorithm::ChaCha20Poly1305),
        &buf,
        &RecordError::RecordOverflow {
            length: len,
            limit: MAX_PLAINTEXT,
        },
        AlertDescription::RECORD_OVERFLOW,
    );
    // And a negotiated record size limit is enforced the same way.
    let mut reader = protected_reader(AeadAlgorithm::ChaCha20Poly1305);
    reader.set_max_plaintext(1000);
    let wire = sealed_data(AeadAlgorithm::ChaCha20Poly1305, &[&[1; 1001]]).concat();
    refused(
        reader,
        &wire,
        &RecordError::RecordOverflow {
            length: 1001,
            limit: 1000,
        },
        AlertDescription::RECORD_OVERFLOW,
    );
}

#[test]
fn truncated_records_wait_and_are_never_released() {
    for algorithm in ALGORITHMS {
        let wire = sealed_data(algorithm, &[b"secret"]).concat();
        let mut reader = protected_reader(algorithm);
        reader.feed(&wire[..wire.len() - 1]);
        assert_eq!(reader.next_incoming().unwrap(), None);
        // A record whose length was cut to drop the tag's last byte.
        let mut cut = wire.clone();
        cut.pop();
        let len = u16::from_be_bytes([cut[3], cut[4]]) - 1;
        cut[3..5].copy_from_slice(&len.to_be_bytes());
        refused(
            protected_reader(algorithm),
            &cut,
            &RecordError::BadRecordMac,
            AlertDescription::BAD_RECORD_MAC,
        );
    }
}

#[test]
fn replayed_and_reordered_records_fail_authentication() {
    for algorithm in ALGORITHMS {
        let records = sealed_data(algorithm, &[b"one", b"two"]);
        // Replay: the first record twice.
        let mut reader = protected_reader(algorithm);
        reader.feed(&records[0]);
        assert_eq!(drain(&mut reader).unwrap(), [Got::Data(b"one".to_vec())]);
        refused(
            reader,
            &records[0],
            &RecordError::BadRecordMac,
            AlertDescription::BAD_RECORD_MAC,
        );
        // Reorder: the second record first.
        refused(
            protected_reader(algorithm),
            &records[1],
            &RecordError::BadRecordMac,
            AlertDescription::BAD_RECORD_MAC,
        );
    }
}

#[test]
fn a_record_under_other_keys_fails() {
    let wire = sealed_data(AeadAlgorithm::Aes128Gcm, &[b"x"]).concat();
    let mut reader = RecordReader::new();
    let other = keel_record::TrafficKeys::new(AeadAlgorithm::Aes128Gcm, &[1; 16], &[2; 4]).unwrap();
    reader
        .install_opener(RecordOpener::new(&other).unwrap())
        .unwrap();
    refused(
        reader,
        &wire,
        &RecordError::BadRecordMac,
        AlertDescription::BAD_RECORD_MAC,
    );
}

#[test]
fn empty_records_of_types_that_must_carry_data() {
    for t in [20u8, 21, 22] {
        refused(
            RecordReader::new(),
            &record(t, [3, 3], &[]),
            &RecordError::EmptyRecord {
                content_type: ContentType::new(t),
            },
            AlertDescription::DECODE_ERROR,
        );
    }
}

#[test]
fn empty_application_data_is_allowed_but_not_forever() {
    let (_, mut reader) = protected_pair(AeadAlgorithm::Aes256Gcm);
    let keys = keys(AeadAlgorithm::Aes256Gcm);
    let mut sealer = keel_record::RecordSealer::new(&keys).unwrap();
    let mut wire = Vec::new();
    for _ in 0..32 {
        let mut buf = vec![0; sealer.overhead()];
        sealer
            .seal_in_place(
                ContentType::APPLICATION_DATA,
                ProtocolVersion::TLS_V1_2,
                &mut buf,
                0,
            )
            .unwrap();
        wire.extend_from_slice(&buf);
    }
    reader.feed(&wire);
    assert_eq!(drain(&mut reader).unwrap(), []);
    let mut one_more = vec![0; sealer.overhead()];
    sealer
        .seal_in_place(
            ContentType::APPLICATION_DATA,
            ProtocolVersion::TLS_V1_2,
            &mut one_more,
            0,
        )
        .unwrap();
    refused(
        reader,
        &one_more,
        &RecordError::TooManyEmptyRecords { limit: 32 },
        AlertDescription::UNEXPECTED_MESSAGE,
    );
}

#[test]
fn alerts_must_be_exactly_two_bytes() {
    for body in [&[1u8][..], &[1, 0, 1], &[2, 40, 2, 40]] {
        refused(
            RecordReader::new(),
            &record(21, [3, 3], body),
            &RecordError::AlertLength { length: body.len() },
            AlertDescription::DECODE_ERROR,
        );
    }
}

#[test]
fn change_cipher_spec_must_be_the_single_byte_one() {
    // As OpenSSL answers it: unexpected_message.
    for body in [&[2u8][..], &[1, 1]] {
        refused(
            RecordReader::new(),
            &record(20, [3, 3], body),
            &RecordError::BadChangeCipherSpec,
            AlertDescription::UNEXPECTED_MESSAGE,
        );
    }
}

#[test]
fn unprotected_application_data_is_unexpected() {
    refused(
        RecordReader::new(),
        &record(23, [3, 3], b"early"),
        &RecordError::UnprotectedApplicationData,
        AlertDescription::UNEXPECTED_MESSAGE,
    );
    let mut out = Vec::new();
    assert_eq!(
        RecordWriter::new()
            .write_application_data(b"x", &mut out)
            .unwrap_err(),
        RecordError::UnprotectedApplicationData
    );
    assert!(out.is_empty());
}

#[test]
fn other_records_inside_a_fragmented_handshake_message_are_interleaving() {
    let message = handshake_message(11, 100);
    for (t, body) in [(20u8, &[1u8][..]), (21, &[1, 0]), (23, b"data")] {
        let mut wire = record(22, [3, 3], &message[..50]);
        wire.extend(record(t, [3, 3], body));
        wire.extend(record(22, [3, 3], &message[50..]));
        refused(
            RecordReader::new(),
            &wire,
            &RecordError::InterleavedHandshake {
                content_type: ContentType::new(t),
            },
            AlertDescription::UNEXPECTED_MESSAGE,
        );
    }
    // Keys cannot change in the middle of a message either.
    let mut reader = RecordReader::new();
    reader.feed(&record(22, [3, 3], &message[..50]));
    assert_eq!(reader.next_incoming().unwrap(), None);
    let opener = RecordOpener::new(&keys(AeadAlgorithm::Aes128Gcm)).unwrap();
    assert!(matches!(
        reader.install_opener(opener),
        Err(RecordError::InterleavedHandshake { .. })
    ));
}

#[test]
fn handshake_messages_over_the_limit_are_refused_from_their_header() {
    let mut reader = RecordReader::new();
    reader.set_max_handshake_message(1000);
    refused(
        reader,
        &record(22, [3, 3], &[11, 0, 0x03, 0xe9]),
        &RecordError::HandshakeTooLarge {
            length: 1001,
            limit: 1000,
        },
        AlertDescription::ILLEGAL_PARAMETER,
    );
}

#[test]
fn the_writer_splits_large_messages_and_fragments_under_a_record_size_limit() {
    let message = handshake_message(11, 40_000);
    let mut writer = RecordWriter::new();
    let mut wire = Vec::new();
    writer.write_handshake(&message, &mut wire).unwrap();
    // 40,004 bytes: records of 16384, 16384 and 7236.
    let mut lengths = Vec::new();
    let mut rest = wire.as_slice();
    while rest.len() >= 5 {
        let len = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        assert_eq!(rest[..3], [22, 3, 3]);
        lengths.push(len);
        rest = &rest[5 + len..];
    }
    assert_eq!(lengths, [16384, 16384, 7236]);

    let (mut writer, mut reader) = protected_pair(AeadAlgorithm::Aes128Gcm);
    writer.set_max_fragment(512);
    let mut wire = Vec::new();
    writer
        .write_application_data(&[9; 2000], &mut wire)
        .unwrap();
    // Four records of at most 512 bytes of plaintext, each 24 bytes larger.
    assert_eq!(wire.len(), 2000 + 4 * (5 + 24));
    reader.feed(&wire);
    let got = drain(&mut reader).unwrap();
    assert_eq!(
        got.iter()
            .map(|g| if let Got::Data(d) = g { d.len() } else { 0 })
            .collect::<Vec<_>>(),
        [512, 512, 512, 464]
    );
}

#[test]
fn a_failed_writer_stays_failed_and_leaves_the_buffer_untouched() {
    let mut writer = RecordWriter::new();
    let mut out = vec![1, 2, 3];
    let mut tiny = [0u8; 4];
    assert!(
        writer
            .seal_in_place(ContentType::APPLICATION_DATA, &mut tiny, 1)
            .is_err()
    );
    writer.install_sealer(keel_record::RecordSealer::new(&keys(AeadAlgorithm::Aes128Gcm)).unwrap());
    let err = writer
        .seal_in_place(ContentType::APPLICATION_DATA, &mut tiny, 1)
        .unwrap_err();
    assert!(matches!(err, RecordError::BufferTooSmall { .. }));
    assert_eq!(
        writer
            .write_application_data(b"after", &mut out)
            .unwrap_err(),
        err
    );
    assert_eq!(out, [1, 2, 3]);
}
