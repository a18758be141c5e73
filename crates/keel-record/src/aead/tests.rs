use keel_wire::registry::{CipherSuite, ContentType};

use super::*;
use crate::limits::HEADER_LEN;
use crate::writer::RECORD_VERSION;

fn keys(algorithm: AeadAlgorithm) -> TrafficKeys {
    TrafficKeys::new(
        algorithm,
        &vec![7; algorithm.key_len()],
        &vec![9; algorithm.fixed_iv_len()],
    )
    .unwrap()
}

fn seal(
    sealer: &mut RecordSealer,
    content_type: ContentType,
    plaintext: &[u8],
) -> Result<Vec<u8>, RecordError> {
    let mut buf = vec![0; sealer.overhead() + plaintext.len()];
    let prefix = sealer.prefix_len();
    buf[prefix..prefix + plaintext.len()].copy_from_slice(plaintext);
    let len = sealer.seal_in_place(content_type, RECORD_VERSION, &mut buf, plaintext.len())?;
    assert_eq!(len, buf.len());
    Ok(buf)
}

const ALL: [AeadAlgorithm; 3] = [
    AeadAlgorithm::Aes128Gcm,
    AeadAlgorithm::Aes256Gcm,
    AeadAlgorithm::ChaCha20Poly1305,
];

#[test]
fn the_six_suites_map_to_their_ciphers_and_nothing_else_does() {
    assert_eq!(
        AeadAlgorithm::for_suite(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
        Some(AeadAlgorithm::Aes128Gcm)
    );
    assert_eq!(
        AeadAlgorithm::for_suite(CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384),
        Some(AeadAlgorithm::Aes256Gcm)
    );
    assert_eq!(
        AeadAlgorithm::for_suite(CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256),
        Some(AeadAlgorithm::ChaCha20Poly1305)
    );
    assert_eq!(
        AeadAlgorithm::for_suite(CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256),
        None
    );
    assert_eq!(
        AeadAlgorithm::for_suite(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256),
        None
    );
    assert_eq!(
        AeadAlgorithm::for_suite(CipherSuite::TLS_AES_128_GCM_SHA256),
        None
    );
}

#[test]
fn wrong_key_lengths_are_refused() {
    let err = TrafficKeys::new(AeadAlgorithm::Aes128Gcm, &[0; 32], &[0; 4]).unwrap_err();
    assert_eq!(
        err,
        RecordError::BadKeyMaterial {
            what: "key",
            expected: 16,
            actual: 32
        }
    );
    let err = TrafficKeys::new(AeadAlgorithm::ChaCha20Poly1305, &[0; 32], &[0; 4]).unwrap_err();
    assert_eq!(
        err,
        RecordError::BadKeyMaterial {
            what: "IV",
            expected: 12,
            actual: 4
        }
    );
}

#[test]
fn debug_output_never_shows_key_material() {
    let keys = TrafficKeys::new(AeadAlgorithm::Aes128Gcm, &[0xAB; 16], &[0xCD; 4]).unwrap();
    let sealer = RecordSealer::new(&keys).unwrap();
    let opener = RecordOpener::new(&keys).unwrap();
    for text in [
        format!("{keys:?}"),
        format!("{sealer:?}"),
        format!("{opener:?}"),
    ] {
        assert!(text.contains("Aes128Gcm"), "{text}");
        for needle in ["171", "ab", "AB", "205", "cd", "CD"] {
            assert!(!text.contains(needle), "{text} shows key bytes");
        }
    }
}

#[test]
fn sealed_records_open_and_carry_the_sequence_number_as_explicit_nonce() {
    for algorithm in ALL {
        let mut sealer = RecordSealer::new(&keys(algorithm)).unwrap();
        let mut opener = RecordOpener::new(&keys(algorithm)).unwrap();
        for seq in 0..3u64 {
            let mut record = seal(&mut sealer, ContentType::APPLICATION_DATA, b"hello").unwrap();
            assert_eq!(record[..3], [23, 3, 3]);
            assert_eq!(
                usize::from(u16::from_be_bytes([record[3], record[4]])),
                record.len() - HEADER_LEN
            );
            if algorithm != AeadAlgorithm::ChaCha20Poly1305 {
                assert_eq!(record[HEADER_LEN..HEADER_LEN + 8], seq.to_be_bytes());
            }
            let plain = opener
                .open_in_place(
                    ContentType::APPLICATION_DATA,
                    RECORD_VERSION,
                    &mut record[HEADER_LEN..],
                )
                .unwrap();
            assert_eq!(plain, b"hello");
        }
        assert_eq!((sealer.sequence(), opener.sequence()), (3, 3));
    }
}

#[test]
fn type_and_version_are_authenticated() {
    for algorithm in ALL {
        let record = seal(
            &mut RecordSealer::new(&keys(algorithm)).unwrap(),
            ContentType::HANDSHAKE,
            b"x",
        )
        .unwrap();
        let mut as_data = record.clone();
        let err = RecordOpener::new(&keys(algorithm))
            .unwrap()
            .open_in_place(
                ContentType::APPLICATION_DATA,
                RECORD_VERSION,
                &mut as_data[HEADER_LEN..],
            )
            .unwrap_err();
        assert_eq!(err, RecordError::BadRecordMac);
        let mut old_version = record.clone();
        let err = RecordOpener::new(&keys(algorithm))
            .unwrap()
            .open_in_place(
                ContentType::HANDSHAKE,
                keel_wire::registry::ProtocolVersion::TLS_V1_1,
                &mut old_version[HEADER_LEN..],
            )
            .unwrap_err();
        assert_eq!(err, RecordError::BadRecordMac);
    }
}

#[test]
fn a_fragment_too_short_for_a_tag_is_a_bad_mac() {
    for algorithm in ALL {
        let mut opener = RecordOpener::new(&keys(algorithm)).unwrap();
        let mut short = vec![0; algorithm.overhead() - 1];
        assert_eq!(
            opener
                .open_in_place(ContentType::ALERT, RECORD_VERSION, &mut short)
                .unwrap_err(),
            RecordError::BadRecordMac
        );
        assert_eq!(
            opener.sequence(),
            0,
            "a failed record does not advance the sequence"
        );
    }
}

#[test]
fn aes_gcm_stops_at_its_record_limit_but_keeps_one_record_for_the_closing_alert() {
    for algorithm in [AeadAlgorithm::Aes128Gcm, AeadAlgorithm::Aes256Gcm] {
        let limit = algorithm.record_limit();
        assert_eq!(limit, 1 << 24);
        let mut sealer = RecordSealer::new(&keys(algorithm)).unwrap();
        sealer.set_sequence(limit - 2);
        seal(&mut sealer, ContentType::APPLICATION_DATA, b"last data").unwrap();
        assert_eq!(sealer.records_remaining(), 1);
        let err = seal(&mut sealer, ContentType::APPLICATION_DATA, b"one too many").unwrap_err();
        assert_eq!(err, RecordError::KeyLimitReached { limit });
        assert_eq!(
            sealer.sequence(),
            limit - 1,
            "a refused record uses no sequence number"
        );
        seal(&mut sealer, ContentType::ALERT, &[1, 0]).unwrap();
        let err = seal(&mut sealer, ContentType::ALERT, &[1, 0]).unwrap_err();
        assert_eq!(err, RecordError::KeyLimitReached { limit });
    }
}

#[test]
fn sequence_numbers_never_wrap() {
    let mut sealer = RecordSealer::new(&keys(AeadAlgorithm::ChaCha20Poly1305)).unwrap();
    sealer.set_sequence(u64::MAX - 2);
    seal(&mut sealer, ContentType::APPLICATION_DATA, b"x").unwrap();
    assert_eq!(
        seal(&mut sealer, ContentType::APPLICATION_DATA, b"x").unwrap_err(),
        RecordError::SequenceExhausted
    );
    seal(&mut sealer, ContentType::ALERT, &[1, 0]).unwrap();
    assert_eq!(sealer.sequence(), u64::MAX);
    assert_eq!(
        seal(&mut sealer, ContentType::ALERT, &[1, 0]).unwrap_err(),
        RecordError::SequenceExhausted
    );

    let mut opener = RecordOpener::new(&keys(AeadAlgorithm::ChaCha20Poly1305)).unwrap();
    opener.set_sequence(u64::MAX);
    let mut record = vec![0; 40];
    assert_eq!(
        opener
            .open_in_place(ContentType::APPLICATION_DATA, RECORD_VERSION, &mut record)
            .unwrap_err(),
        RecordError::SequenceExhausted
    );
}

#[test]
fn chacha_nonce_is_iv_xor_padded_sequence() {
    // RFC 7905 §2: the 64-bit record sequence number, big-endian, padded on
    // the left with four zeros, XORed with the 12-byte IV.
    let iv = [
        0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
    ];
    let n = nonce(
        AeadAlgorithm::ChaCha20Poly1305,
        &iv,
        [0; 8],
        0x0102_0304_0506_0708,
    );
    assert_eq!(
        n,
        [
            0x10, 0x11, 0x12, 0x13, 0x15, 0x17, 0x15, 0x13, 0x1d, 0x1f, 0x1d, 0x13
        ]
    );
    let g = nonce(AeadAlgorithm::Aes128Gcm, &iv, [1, 2, 3, 4, 5, 6, 7, 8], 99);
    assert_eq!(
        g,
        [0x10, 0x11, 0x12, 0x13, 1, 2, 3, 4, 5, 6, 7, 8],
        "GCM: salt || explicit, sequence unused"
    );
}

#[test]
fn a_buffer_too_small_is_refused_without_using_a_sequence_number() {
    let mut sealer = RecordSealer::new(&keys(AeadAlgorithm::Aes128Gcm)).unwrap();
    let mut buf = vec![0; 20];
    let err = sealer
        .seal_in_place(ContentType::APPLICATION_DATA, RECORD_VERSION, &mut buf, 10)
        .unwrap_err();
    assert_eq!(
        err,
        RecordError::BufferTooSmall {
            needed: 39,
            actual: 20
        }
    );
    assert_eq!(sealer.sequence(), 0);
}

#[test]
fn sealing_from_the_callers_buffer_writes_the_same_records_as_sealing_in_place() {
    for algorithm in ALL {
        let mut in_place = RecordSealer::new(&keys(algorithm)).unwrap();
        let mut from = RecordSealer::new(&keys(algorithm)).unwrap();
        let mut opener = RecordOpener::new(&keys(algorithm)).unwrap();
        // Several records, so that sequence numbers and nonces advance in
        // step; an empty one, a short one, a full one.
        for len in [0usize, 1, 300, 1 << 14] {
            let plaintext: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let expected = seal(&mut in_place, ContentType::APPLICATION_DATA, &plaintext).unwrap();
            // Room larger than the record, with junk in it: only the
            // record's bytes are written, and the length says where it ends.
            let mut out = vec![0xee; expected.len() + 5];
            let written = from
                .seal_from(
                    ContentType::APPLICATION_DATA,
                    RECORD_VERSION,
                    &plaintext,
                    &mut out,
                )
                .unwrap();
            assert_eq!(written, expected.len(), "{algorithm:?} {len}");
            assert_eq!(&out[..written], &expected[..], "{algorithm:?} {len}");
            assert_eq!(&out[written..], &[0xee; 5], "{algorithm:?} {len}");
            let opened = opener
                .open_in_place(
                    ContentType::APPLICATION_DATA,
                    RECORD_VERSION,
                    &mut out[HEADER_LEN..written],
                )
                .unwrap_or_else(|e| panic!("{algorithm:?} {len}: {e}"));
            assert_eq!(opened, &plaintext[..]);
        }
        assert_eq!(from.sequence(), 4);
    }
}

#[test]
fn sealing_from_into_too_little_room_is_refused_without_using_a_sequence_number() {
    let mut sealer = RecordSealer::new(&keys(AeadAlgorithm::ChaCha20Poly1305)).unwrap();
    let mut out = vec![0; 20];
    let err = sealer
        .seal_from(
            ContentType::APPLICATION_DATA,
            RECORD_VERSION,
            &[1; 10],
            &mut out,
        )
        .unwrap_err();
    assert_eq!(
        err,
        RecordError::BufferTooSmall {
            needed: 31,
            actual: 20
        }
    );
    assert_eq!(out, vec![0; 20]);
    assert_eq!(sealer.sequence(), 0);
}
