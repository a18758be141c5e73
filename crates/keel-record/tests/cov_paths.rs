//! The record layer's calls no other test reached: what a new writer,
//! reader and decoder report before and after their keys and limits are
//! set; the zero-copy sealing paths refusing what does not fit or is not
//! protected; a sink that gives less room than asked; a frame whose body
//! has not all arrived; and, with the `testing` feature (which the
//! workspace's coverage build has), the key limits hit by an alert.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use keel_record::limits::{HEADER_LEN, MAX_PLAINTEXT};
use keel_record::{
    AeadAlgorithm, Decoded, RecordDecoder, RecordError, RecordReader, RecordSealer, RecordSink,
    RecordWriter, VersionCheck, deframe,
};
use keel_wire::registry::{AlertDescription, ContentType, ProtocolVersion};

// --- New state and what it reports --------------------------------------------

/// `Default` is `new()`: a writer that sends plaintext records of up to
/// 2^14 bytes (RFC 5246 §6.2.1), with no sealer until one is installed;
/// a record_size_limit lowers its fragment size, clamped to 64 at least
/// (RFC 8449 §4).
#[test]
fn a_default_writer_is_unprotected_with_the_protocol_fragment_limit() {
    let mut writer = RecordWriter::default();
    assert!(writer.sealer().is_none());
    assert!(!writer.is_protected());
    assert_eq!(writer.max_fragment(), MAX_PLAINTEXT);
    writer.set_max_fragment(512);
    assert_eq!(writer.max_fragment(), 512);
    writer.set_max_fragment(1);
    assert_eq!(writer.max_fragment(), 64);
    writer.install_sealer(RecordSealer::new(&keys(AeadAlgorithm::Aes128Gcm)).unwrap());
    let sealer = writer.sealer().expect("the installed sealer");
    assert_eq!(sealer.algorithm(), AeadAlgorithm::Aes128Gcm);
    assert_eq!(sealer.sequence(), 0);
    // The sealer seen through the writer counts the records it seals.
    let mut out = Vec::new();
    writer.write_application_data(b"one", &mut out).unwrap();
    assert_eq!(writer.sealer().unwrap().sequence(), 1);
}

/// A default reader is the new one: unprotected until an opener is
/// installed, and it reports a handshake message that has only partly
/// arrived (RFC 5246 §6.2.1: messages may span records).
#[test]
fn a_default_reader_reports_protection_and_a_partial_handshake_message() {
    let mut reader = RecordReader::default();
    assert!(!reader.is_protected());
    assert!(!reader.has_partial_handshake());
    // The first 3 bytes of a 4-byte header of a ClientHello.
    let mut record = vec![22, 3, 3, 0, 3];
    record.extend_from_slice(&[1, 0, 0]);
    reader.feed(&record);
    assert!(reader.next_incoming().unwrap().is_none());
    assert!(reader.has_partial_handshake());

    let (_, protected) = protected_pair(AeadAlgorithm::ChaCha20Poly1305);
    assert!(protected.is_protected());
}

/// A default decoder is the new one: it takes plaintext handshake records
/// and asks for more while a record is incomplete.
#[test]
fn a_default_decoder_decodes_like_a_new_one() {
    let mut decoder = RecordDecoder::default();
    assert!(!decoder.is_protected());
    // A whole HelloRequest (type 0, length 0) in one record.
    let mut record = vec![22, 3, 3, 0, 4, 0, 0, 0, 0];
    match decoder.decode(&mut record[..7]).unwrap() {
        Decoded::NeedMore { consumed, needed } => {
            assert_eq!((consumed, needed), (0, Some(2)));
        }
        other => panic!("{other:?}"),
    }
    match decoder.decode(&mut record).unwrap() {
        Decoded::Item { consumed, .. } => assert_eq!(consumed, 9),
        other => panic!("{other:?}"),
    }
}

// --- Sealing -------------------------------------------------------------------

/// The zero-copy paths keep to the fragment limit the writer was given
/// (RFC 8449 §4): more is refused before anything is sealed, with the
/// length and the limit in the error.
#[test]
fn seal_in_place_refuses_more_than_the_fragment_limit() {
    let (mut writer, _) = protected_pair(AeadAlgorithm::Aes128Gcm);
    writer.set_max_fragment(100);
    let mut buf = vec![0u8; 200];
    let err = writer
        .seal_in_place(ContentType::APPLICATION_DATA, &mut buf, 101)
        .unwrap_err();
    assert_eq!(
        err,
        RecordError::RecordOverflow {
            length: 101,
            limit: 100
        }
    );
    assert_eq!(
        err.to_string(),
        "record of 101 bytes exceeds the limit of 100"
    );
    assert_eq!(writer.sealer().unwrap().sequence(), 0, "nothing was sealed");
    // Within the limit the same call seals.
    assert!(
        writer
            .seal_in_place(ContentType::APPLICATION_DATA, &mut buf, 100)
            .is_ok()
    );
}

/// RFC 5246 §7.3: no application data before keys are in place; the
/// copy-free path refuses too.
#[test]
fn seal_from_refuses_without_a_sealer() {
    let mut writer = RecordWriter::new();
    let mut out = vec![0u8; 64];
    let err = writer
        .seal_from(ContentType::APPLICATION_DATA, b"early", &mut out)
        .unwrap_err();
    assert_eq!(err, RecordError::UnprotectedApplicationData);
    assert_eq!(err.to_string(), "unprotected application data");
    assert_eq!(err.alert(), AlertDescription::UNEXPECTED_MESSAGE);
}

/// A record's length field is 16 bits (RFC 5246 §6.2.1): a sealer asked to
/// seal a fragment that would not fit it refuses, naming the 65535 limit,
/// and no sequence number is used.
#[test]
fn a_sealer_refuses_a_fragment_beyond_the_length_field() {
    let mut sealer = RecordSealer::new(&keys(AeadAlgorithm::Aes256Gcm)).unwrap();
    let plaintext_len = usize::from(u16::MAX);
    let mut buf = vec![0u8; sealer.overhead() + plaintext_len];
    let err = sealer
        .seal_in_place(
            ContentType::APPLICATION_DATA,
            ProtocolVersion::TLS_V1_2,
            &mut buf,
            plaintext_len,
        )
        .unwrap_err();
    assert_eq!(
        err,
        RecordError::RecordOverflow {
            length: plaintext_len + sealer.algorithm().overhead(),
            limit: usize::from(u16::MAX),
        }
    );
    assert_eq!(sealer.sequence(), 0);
}

/// A sealer given too small an output says how much it needed; the peer
/// would be told internal_error (the peer did nothing wrong).
#[test]
fn too_small_a_buffer_is_an_internal_error() {
    let mut sealer = RecordSealer::new(&keys(AeadAlgorithm::Aes128Gcm)).unwrap();
    let mut out = vec![0u8; 10];
    let err = sealer
        .seal_from(
            ContentType::APPLICATION_DATA,
            ProtocolVersion::TLS_V1_2,
            b"hello",
            &mut out,
        )
        .unwrap_err();
    let needed = sealer.overhead() + 5;
    assert_eq!(err, RecordError::BufferTooSmall { needed, actual: 10 });
    assert_eq!(
        err.to_string(),
        format!("buffer of 10 bytes, {needed} needed")
    );
    assert_eq!(err.alert(), AlertDescription::INTERNAL_ERROR);
}

/// A caller's sink that hands out at most `room` bytes per `extend`.
struct ShortSink {
    bytes: Vec<u8>,
    room: usize,
}

impl RecordSink for ShortSink {
    fn written(&self) -> usize {
        self.bytes.len()
    }

    fn extend(&mut self, n: usize) -> &mut [u8] {
        let start = self.bytes.len();
        self.bytes.resize(start + n.min(self.room), 0);
        &mut self.bytes[start..]
    }

    fn truncate_to(&mut self, len: usize) {
        self.bytes.truncate(len);
    }
}

/// A sink that gives less room than a record needs gets nothing: what was
/// written of the failed write is taken back, the error says how much was
/// needed, and the writer stays failed.
#[test]
fn a_sink_that_gives_too_little_room_gets_nothing_half_written() {
    let mut writer = RecordWriter::new();
    let mut sink = ShortSink {
        bytes: b"before".to_vec(),
        room: 8,
    };
    let err = writer
        .write_handshake(&[1, 0, 0, 0], &mut sink)
        .unwrap_err();
    assert_eq!(
        err,
        RecordError::BufferTooSmall {
            needed: HEADER_LEN + 4,
            actual: 8
        }
    );
    assert_eq!(sink.bytes, b"before", "the partial record was taken back");
    // Sticky: a sink with room does not revive the writer.
    let mut out = Vec::new();
    assert_eq!(writer.write_handshake(&[1, 0, 0, 0], &mut out), Err(err));
    assert!(out.is_empty());
}

// --- Framing -----------------------------------------------------------------

/// deframe judges a header as soon as it is there, but reports a record
/// only once its whole body has arrived.
#[test]
fn deframe_waits_for_the_whole_body() {
    let record = [22, 3, 3, 0, 4, 0, 0, 0, 0];
    let partial = deframe(&record[..7], VersionCheck::Tls12, MAX_PLAINTEXT).unwrap();
    assert_eq!(partial, None);
    let whole = deframe(&record, VersionCheck::Tls12, MAX_PLAINTEXT)
        .unwrap()
        .expect("a whole record");
    assert_eq!(whole.content_type, ContentType::HANDSHAKE);
    assert_eq!(whole.length, 4);
}

// --- Key limits --------------------------------------------------------------

/// Needs `set_sequence` (2^24 or 2^64 real records would take too long).
#[cfg(feature = "testing")]
mod key_limits {
    use keel_wire::Alert;
    use keel_wire::registry::AlertLevel;

    use super::*;

    /// The last record of an AES-GCM key is kept for the closing alert; past
    /// it even an alert is refused, nothing of it is left in the output, and
    /// the writer stays failed.
    #[test]
    fn an_alert_past_the_key_limit_is_refused_and_leaves_nothing_behind() {
        let (mut writer, _) = protected_pair(AeadAlgorithm::Aes128Gcm);
        let limit = AeadAlgorithm::Aes128Gcm.record_limit();
        writer.sealer_mut().unwrap().set_sequence(limit);
        let alert = Alert {
            level: AlertLevel::WARNING,
            description: AlertDescription::CLOSE_NOTIFY,
        };
        let mut out = b"queued".to_vec();
        let err = writer.write_alert(alert, &mut out).unwrap_err();
        assert_eq!(err, RecordError::KeyLimitReached { limit });
        assert_eq!(out, b"queued");
        assert_eq!(err.alert(), AlertDescription::INTERNAL_ERROR);
        assert_eq!(
            writer.write_alert(alert, &mut out),
            Err(err),
            "the writer stays failed"
        );
    }

    /// ChaCha20-Poly1305 has no key limit below the 64-bit sequence number
    /// (RFC 8446 §5.5): there, the writer refuses data that would use the
    /// number held back for the closing alert as the sequence number running
    /// out, and still lets that alert out.
    #[test]
    fn a_chacha_writer_refuses_data_once_the_sequence_number_runs_out() {
        let (mut writer, _) = protected_pair(AeadAlgorithm::ChaCha20Poly1305);
        writer.sealer_mut().unwrap().set_sequence(u64::MAX - 1);
        assert_eq!(
            writer.check_data_room(1),
            Err(RecordError::SequenceExhausted)
        );
        let mut out = Vec::new();
        let err = writer
            .write_application_data(b"data", &mut out)
            .unwrap_err();
        assert_eq!(err, RecordError::SequenceExhausted);
        assert_eq!(err.to_string(), "sequence number exhausted");
        assert!(out.is_empty());
    }
}
