//! TLS 1.3 key limits (RFC 8446 §5.5): the signal to send a KeyUpdate, the
//! refusal past the limit that a new key lifts, and the sequence number's
//! end. Unit tests, because moving a sequence number near 2^24 needs the
//! test-only `set_sequence`.

use keel_wire::Alert;
use keel_wire::registry::{AlertDescription, AlertLevel, ContentType};

use super::*;
use crate::limits::KEY_UPDATE_MARGIN;
use crate::writer::{RECORD_VERSION, RecordWriter};

fn keys13(algorithm: AeadAlgorithm) -> TrafficKeys {
    TrafficKeys::new_tls13(algorithm, &vec![1; algorithm.key_len()], &[2; 12]).unwrap()
}

fn writer13(algorithm: AeadAlgorithm) -> RecordWriter {
    let mut writer = RecordWriter::new();
    writer.install_sealer(RecordSealer::new(&keys13(algorithm)).unwrap());
    writer
}

#[test]
fn an_aes_gcm_key_asks_for_a_key_update_before_its_limit() {
    for algorithm in [AeadAlgorithm::Aes128Gcm, AeadAlgorithm::Aes256Gcm] {
        let limit = algorithm.record_limit();
        let mut writer = writer13(algorithm);
        assert!(!writer.key_update_due());
        let sealer = writer.sealer_mut().unwrap();
        sealer.set_sequence(limit - KEY_UPDATE_MARGIN - 1);
        assert!(!sealer.key_update_due());
        assert!(!writer.key_update_due());
        let mut out = Vec::new();
        writer.write_application_data(b"x", &mut out).unwrap();
        assert!(
            writer.key_update_due(),
            "{algorithm:?}: the margin is reached"
        );
        assert_eq!(
            writer.sealer().unwrap().records_remaining(),
            KEY_UPDATE_MARGIN
        );
        // The KeyUpdate goes out under the old key, then the new key
        // starts from zero and the signal is gone.
        writer.write_handshake(&[24, 0, 0, 1, 0], &mut out).unwrap();
        writer.install_sealer(RecordSealer::new(&keys13(algorithm)).unwrap());
        assert!(!writer.key_update_due());
        assert_eq!(writer.sealer().unwrap().sequence(), 0);
    }
}

#[test]
fn past_the_limit_a_tls13_writer_refuses_data_until_a_new_key_comes() {
    let limit = AeadAlgorithm::Aes128Gcm.record_limit();
    let mut writer = writer13(AeadAlgorithm::Aes128Gcm);
    writer.sealer_mut().unwrap().set_sequence(limit - 1);
    let mut out = Vec::new();
    assert_eq!(
        writer.write_application_data(b"x", &mut out).unwrap_err(),
        RecordError::KeyLimitReached { limit }
    );
    assert!(out.is_empty());
    // The closing alert still has its record.
    let alert = Alert {
        level: AlertLevel::WARNING,
        description: AlertDescription::CLOSE_NOTIFY,
    };
    writer.write_alert(alert, &mut out).unwrap();
    // Not sticky: a new key lifts the refusal.
    writer.install_sealer(RecordSealer::new(&keys13(AeadAlgorithm::Aes128Gcm)).unwrap());
    writer.write_application_data(b"x", &mut out).unwrap();
}

#[test]
fn chacha_and_tls12_keys_never_ask_for_a_key_update_early() {
    let mut chacha = RecordSealer::new(&keys13(AeadAlgorithm::ChaCha20Poly1305)).unwrap();
    chacha.set_sequence(1 << 40);
    assert!(!chacha.key_update_due());
    chacha.set_sequence(u64::MAX - KEY_UPDATE_MARGIN);
    assert!(chacha.key_update_due());

    let keys12 = TrafficKeys::new(AeadAlgorithm::Aes128Gcm, &[1; 16], &[2; 4]).unwrap();
    let mut sealer12 = RecordSealer::new(&keys12).unwrap();
    sealer12.set_sequence(AeadAlgorithm::Aes128Gcm.record_limit() - 2);
    assert!(!sealer12.key_update_due(), "TLS 1.2 cannot update keys");
}

#[test]
fn a_tls13_opener_never_lets_its_sequence_number_wrap() {
    let keys = keys13(AeadAlgorithm::Aes256Gcm);
    let mut sealer = RecordSealer::new(&keys).unwrap();
    let mut buf = vec![0u8; sealer.overhead() + 1];
    let len = sealer
        .seal_in_place(ContentType::APPLICATION_DATA, RECORD_VERSION, &mut buf, 1)
        .unwrap();
    let mut opener = RecordOpener::new(&keys).unwrap();
    opener.set_sequence(u64::MAX);
    assert_eq!(
        opener
            .open_record_in_place(
                ContentType::APPLICATION_DATA,
                RECORD_VERSION,
                buf.get_mut(5..len).unwrap()
            )
            .unwrap_err(),
        RecordError::SequenceExhausted
    );
}

/// RFC 8446 §5.3: a sequence number must not wrap; the implementation
/// rekeys or ends the connection. ChaCha20-Poly1305 has no record limit
/// short of the 64-bit number (RFC 8446 §5.5), so there the number itself
/// runs out: data stops one record early, the closing alert takes the last
/// number, and after it the writer refuses everything for good with an
/// error that ends the connection (internal_error), never reusing a nonce.
#[test]
fn a_tls13_sealer_never_lets_its_sequence_number_wrap() {
    let mut writer = writer13(AeadAlgorithm::ChaCha20Poly1305);
    writer.sealer_mut().unwrap().set_sequence(u64::MAX - 2);
    let mut out = Vec::new();
    writer.write_application_data(b"x", &mut out).unwrap();
    assert_eq!(
        writer.write_application_data(b"x", &mut out).unwrap_err(),
        RecordError::SequenceExhausted
    );
    let alert = Alert {
        level: AlertLevel::WARNING,
        description: AlertDescription::CLOSE_NOTIFY,
    };
    writer.write_alert(alert, &mut out).unwrap();
    assert_eq!(writer.sealer().unwrap().sequence(), u64::MAX);
    let written = out.len();
    let err = writer.write_alert(alert, &mut out).unwrap_err();
    assert_eq!(err, RecordError::SequenceExhausted);
    assert_eq!(err.alert(), AlertDescription::INTERNAL_ERROR);
    assert_eq!(
        writer.write_handshake(&[24, 0, 0, 1, 0], &mut out),
        Err(RecordError::SequenceExhausted),
        "the writer stays failed"
    );
    assert_eq!(out.len(), written, "nothing more went out");
    assert_eq!(writer.sealer().unwrap().sequence(), u64::MAX);
}
