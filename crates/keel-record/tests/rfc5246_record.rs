//! RFC 5246 §6, the record protocol, at the record layer: what keel's
//! writer puts on the wire (never an empty handshake, alert or
//! ChangeCipherSpec fragment; records in the order they were sealed; AEAD
//! expansion of the explicit nonce and tag only) and the length limits the
//! reader enforces, at their exact boundaries. Traced from
//! `docs/rfc/rfc5246.md`.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use keel_record::limits::{HEADER_LEN, MAX_CIPHERTEXT, MAX_PLAINTEXT};
use keel_record::{
    AeadAlgorithm, Decoded, RecordDecoder, RecordError, RecordOpener, RecordSealer, RecordWriter,
    TAG_LEN,
};
use keel_wire::Alert;
use keel_wire::registry::{AlertDescription, AlertLevel, ContentType, ProtocolVersion};

/// Splits a writer's output into (type, fragment) pairs, checking that it
/// is whole records only.
fn records(mut wire: &[u8]) -> Vec<(ContentType, Vec<u8>)> {
    let mut out = Vec::new();
    while !wire.is_empty() {
        let len = usize::from(u16::from_be_bytes([wire[3], wire[4]]));
        assert!(wire.len() >= HEADER_LEN + len, "a partial record");
        out.push((
            ContentType::new(wire[0]),
            wire[HEADER_LEN..HEADER_LEN + len].to_vec(),
        ));
        wire = &wire[HEADER_LEN + len..];
    }
    out
}

fn close_notify() -> Alert {
    Alert {
        level: AlertLevel::WARNING,
        description: AlertDescription::CLOSE_NOTIFY,
    }
}

/// Everything a writer can be asked to send in one connection state, with
/// handshake messages of awkward sizes (empty, one byte, exactly a
/// fragment, one byte over).
fn write_everything(writer: &mut RecordWriter) -> Vec<u8> {
    let mut wire = Vec::new();
    for len in [0, 1, MAX_PLAINTEXT, MAX_PLAINTEXT + 1] {
        writer.write_handshake(&vec![20; len], &mut wire).unwrap();
    }
    writer.write_change_cipher_spec(&mut wire).unwrap();
    writer.write_alert(close_notify(), &mut wire).unwrap();
    if writer.is_protected() {
        writer.write_application_data(&[], &mut wire).unwrap();
        writer.write_application_data(b"data", &mut wire).unwrap();
    }
    wire
}

/// RFC 5246 §6.2.1: "Implementations MUST NOT send zero-length fragments of
/// Handshake, Alert, or ChangeCipherSpec content types". Asked to write an
/// empty handshake message, the writer writes nothing; every record it does
/// write of those types carries at least one byte, before and after keys
/// are installed (where the plaintext is what counts).
#[test]
fn the_writer_never_sends_an_empty_handshake_alert_or_change_cipher_spec_fragment() {
    let mut wire = Vec::new();
    RecordWriter::new().write_handshake(&[], &mut wire).unwrap();
    assert!(wire.is_empty(), "no record for no handshake bytes");

    let plain = records(&write_everything(&mut RecordWriter::new()));
    // 1 + 1 + 2 records of handshake, then CCS and the alert.
    assert_eq!(plain.len(), 6);
    for (content_type, fragment) in &plain {
        assert!(!fragment.is_empty(), "an empty {content_type} record");
    }

    for algorithm in ALGORITHMS {
        let (mut writer, _) = protected_pair(algorithm);
        let wire = write_everything(&mut writer);
        let mut opener = RecordOpener::new(&keys(algorithm)).unwrap();
        let mut types = Vec::new();
        for (content_type, mut fragment) in records(&wire) {
            let plaintext = opener
                .open_in_place(content_type, ProtocolVersion::TLS_V1_2, &mut fragment)
                .unwrap();
            if content_type != ContentType::APPLICATION_DATA {
                assert!(
                    !plaintext.is_empty(),
                    "{algorithm:?}: an empty protected {content_type} record"
                );
            }
            types.push(content_type.get());
        }
        assert_eq!(types, [22, 22, 22, 22, 20, 21, 23], "{algorithm:?}");
    }
}

/// The zero-copy paths take a content type from the caller: an empty
/// handshake, alert or ChangeCipherSpec record is refused there too, for
/// both record protections, before anything is sealed; the writer stays
/// usable (the mistake was the caller's) and empty application data is
/// still allowed (RFC 5246 §6.2.1 permits it).
#[test]
fn the_zero_copy_paths_refuse_an_empty_handshake_alert_or_change_cipher_spec() {
    for keys in ALGORITHMS.into_iter().flat_map(|a| [keys(a), keys13(a)]) {
        let (mut writer, _) = pair_with(&keys);
        let mut buf = vec![0u8; 64];
        for content_type in [
            ContentType::HANDSHAKE,
            ContentType::ALERT,
            ContentType::CHANGE_CIPHER_SPEC,
        ] {
            let expected = RecordError::EmptyRecord { content_type };
            assert_eq!(
                writer.seal_in_place(content_type, &mut buf, 0).unwrap_err(),
                expected
            );
            assert_eq!(
                writer.seal_from(content_type, &[], &mut buf).unwrap_err(),
                expected
            );
        }
        assert_eq!(writer.sealer().unwrap().sequence(), 0, "nothing was sealed");
        assert!(
            writer
                .seal_in_place(ContentType::APPLICATION_DATA, &mut buf, 0)
                .is_ok()
        );
        assert!(
            writer
                .seal_from(ContentType::HANDSHAKE, &[20], &mut buf)
                .is_ok()
        );
    }
}

/// RFC 5246 §6.2.1: "records MUST be delivered to the network in the same
/// order as they are protected by the record layer". The writer's output,
/// read front to back, opens under one fresh opener with consecutive
/// sequence numbers: the order on the wire is the order of sealing. Read
/// in any other order, the same records fail.
#[test]
fn records_reach_the_output_in_the_order_they_were_sealed() {
    for algorithm in ALGORITHMS {
        let (mut writer, _) = protected_pair(algorithm);
        let mut wire = Vec::new();
        writer.write_handshake(&[20, 0, 0, 12], &mut wire).unwrap();
        writer
            .write_application_data(&vec![7; 2 * MAX_PLAINTEXT + 10], &mut wire)
            .unwrap();
        writer.write_alert(close_notify(), &mut wire).unwrap();
        let sealed = records(&wire);
        assert_eq!(sealed.len(), 5, "{algorithm:?}");

        let mut opener = RecordOpener::new(&keys(algorithm)).unwrap();
        for (i, (content_type, fragment)) in sealed.iter().enumerate() {
            let mut fragment = fragment.clone();
            opener
                .open_in_place(*content_type, ProtocolVersion::TLS_V1_2, &mut fragment)
                .unwrap_or_else(|e| panic!("{algorithm:?}: record {i}: {e}"));
            assert_eq!(opener.sequence(), i as u64 + 1);
        }

        // The last two records swapped on the way: the first of them fails.
        let mut opener = RecordOpener::new(&keys(algorithm)).unwrap();
        for (content_type, fragment) in &sealed[..3] {
            let mut fragment = fragment.clone();
            opener
                .open_in_place(*content_type, ProtocolVersion::TLS_V1_2, &mut fragment)
                .unwrap();
        }
        let (content_type, fragment) = &sealed[4];
        let mut fragment = fragment.clone();
        assert_eq!(
            opener
                .open_in_place(*content_type, ProtocolVersion::TLS_V1_2, &mut fragment)
                .unwrap_err(),
            RecordError::BadRecordMac
        );
    }
}

/// What a decoder says to a lone header of `content_type` and `length`:
/// `(consumed, needed)` when it waits for the body.
fn after_header(
    decoder: &mut RecordDecoder,
    content_type: u8,
    length: usize,
) -> (usize, Option<usize>) {
    let mut header = vec![content_type, 3, 3];
    header.extend_from_slice(&u16::try_from(length).unwrap().to_be_bytes());
    match decoder.decode(&mut header) {
        Ok(Decoded::NeedMore { consumed, needed }) => (consumed, needed),
        other => panic!("{other:?}"),
    }
}

/// RFC 5246 §6.2.1 ("The length MUST NOT exceed 2^14") and §6.2.3 ("The
/// length MUST NOT exceed 2^14 + 2048"), at the boundary: a plaintext
/// record of exactly 2^14 and a protected one of exactly 2^14 + 2048 are
/// awaited, one byte more is record_overflow from the header alone. The
/// writer's largest records are 2^14 of plaintext, and 2^14 plus the AEAD
/// overhead protected.
#[test]
fn fragment_lengths_are_limited_to_2_14_plaintext_and_2_14_plus_2048_protected() {
    let mut decoder = RecordDecoder::new();
    assert_eq!(
        after_header(&mut decoder, 22, MAX_PLAINTEXT),
        (0, Some(MAX_PLAINTEXT))
    );
    let mut header = vec![22, 3, 3];
    header.extend_from_slice(&u16::try_from(MAX_PLAINTEXT + 1).unwrap().to_be_bytes());
    let err = RecordDecoder::new().decode(&mut header).unwrap_err();
    assert_eq!(
        err,
        RecordError::RecordOverflow {
            length: MAX_PLAINTEXT + 1,
            limit: MAX_PLAINTEXT
        }
    );
    assert_eq!(err.alert(), AlertDescription::RECORD_OVERFLOW);

    assert_eq!(MAX_CIPHERTEXT, (1 << 14) + 2048);
    for algorithm in ALGORITHMS {
        let mut decoder = protected_decoder(algorithm);
        assert_eq!(
            after_header(&mut decoder, 23, MAX_CIPHERTEXT),
            (0, Some(MAX_CIPHERTEXT))
        );
        let mut header = vec![23, 3, 3];
        header.extend_from_slice(&u16::try_from(MAX_CIPHERTEXT + 1).unwrap().to_be_bytes());
        let err = protected_decoder(algorithm)
            .decode(&mut header)
            .unwrap_err();
        assert_eq!(
            err,
            RecordError::RecordOverflow {
                length: MAX_CIPHERTEXT + 1,
                limit: MAX_CIPHERTEXT
            }
        );
        assert_eq!(err.alert(), AlertDescription::RECORD_OVERFLOW);

        // What keel itself sends stays inside both limits.
        let (mut writer, _) = protected_pair(algorithm);
        let mut wire = Vec::new();
        writer
            .write_application_data(&vec![1; 3 * MAX_PLAINTEXT + 1], &mut wire)
            .unwrap();
        let lengths: Vec<usize> = records(&wire).iter().map(|(_, f)| f.len()).collect();
        let overhead = algorithm.overhead();
        assert_eq!(
            lengths,
            [
                MAX_PLAINTEXT + overhead,
                MAX_PLAINTEXT + overhead,
                MAX_PLAINTEXT + overhead,
                1 + overhead
            ],
            "{algorithm:?}"
        );
        assert!(lengths.iter().all(|&l| l <= MAX_CIPHERTEXT));
    }
    let mut wire = Vec::new();
    RecordWriter::new()
        .write_handshake(&vec![11; 2 * MAX_PLAINTEXT + 1], &mut wire)
        .unwrap();
    let lengths: Vec<usize> = records(&wire).iter().map(|(_, f)| f.len()).collect();
    assert_eq!(lengths, [MAX_PLAINTEXT, MAX_PLAINTEXT, 1]);
}

/// RFC 5246 §6.2.2: TLSCompressed.length "MUST NOT exceed 2^14 + 1024".
/// keel compresses with null only, so the decrypted fragment is the
/// plaintext, held to 2^14: a peer's record that authenticates but
/// decrypts to 2^14 + 1025 bytes (its ciphertext within 2^14 + 2048) is
/// record_overflow, and nothing of it is handed out.
#[test]
fn a_decrypted_fragment_over_2_14_plus_1024_is_record_overflow() {
    for algorithm in ALGORITHMS {
        let mut sealer = RecordSealer::new(&keys(algorithm)).unwrap();
        let len = MAX_PLAINTEXT + 1025;
        let mut record = vec![0u8; len + sealer.overhead()];
        let record_len = sealer
            .seal_in_place(
                ContentType::APPLICATION_DATA,
                ProtocolVersion::TLS_V1_2,
                &mut record,
                len,
            )
            .unwrap();
        assert!(record_len - HEADER_LEN <= MAX_CIPHERTEXT, "{algorithm:?}");
        let err = protected_decoder(algorithm)
            .decode(&mut record[..record_len])
            .unwrap_err();
        assert_eq!(
            err,
            RecordError::RecordOverflow {
                length: len,
                limit: MAX_PLAINTEXT
            },
            "{algorithm:?}"
        );
        assert_eq!(err.alert(), AlertDescription::RECORD_OVERFLOW);
    }
}

/// RFC 5246 §6.2.3.3: "Each AEAD cipher MUST NOT produce an expansion of
/// greater than 1024 bytes". On the wire, each of keel's ciphers adds
/// exactly its explicit nonce (8 bytes for AES-GCM, none for
/// ChaCha20-Poly1305) and a 16-byte tag, whatever the plaintext length.
#[test]
fn aead_expansion_is_the_explicit_nonce_and_tag_only() {
    for (algorithm, expansion) in [
        (AeadAlgorithm::Aes128Gcm, 24),
        (AeadAlgorithm::Aes256Gcm, 24),
        (AeadAlgorithm::ChaCha20Poly1305, 16),
    ] {
        assert_eq!(algorithm.overhead(), expansion);
        assert_eq!(algorithm.explicit_nonce_len() + TAG_LEN, expansion);
        let (mut writer, _) = protected_pair(algorithm);
        for len in [1, 15, 16, 17, 1000, MAX_PLAINTEXT] {
            let mut wire = Vec::new();
            writer
                .write_application_data(&vec![3; len], &mut wire)
                .unwrap();
            let sealed = records(&wire);
            assert_eq!(sealed.len(), 1);
            assert_eq!(
                sealed[0].1.len() - len,
                expansion,
                "{algorithm:?}, {len} bytes"
            );
        }
        assert!(expansion <= 1024);
    }
}
