//! TLS 1.3 record protection as a peer sees it (RFC 8446 §5): records of
//! every algorithm, padded or not, come back as they were sent; every
//! refusal RFC 8446 §5 asks for yields its error and alert and leaves the
//! receiver failed; the middlebox change_cipher_spec is dropped only while
//! the handshake allows it and only so many times in a row; keys change
//! only on a record boundary and start again at sequence number zero.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use aws_lc_rs::aead::{
    AES_128_GCM, AES_256_GCM, Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey,
};
use common::*;
use keel_record::limits::{
    HEADER_LEN, MAX_CIPHERTEXT_TLS13, MAX_CONSECUTIVE_EMPTY_RECORDS, MAX_CONSECUTIVE_MIDDLEBOX_CCS,
    MAX_INNER_PLAINTEXT, MAX_PLAINTEXT, MAX_RECORD_LEN,
};
use keel_record::{
    AeadAlgorithm, Decoded, Received, RecordDecoder, RecordError, RecordOpener, RecordProtection,
    RecordReader, RecordSealer, RecordWriter, TAG_LEN, TrafficKeys,
};
use keel_wire::Alert;
use keel_wire::registry::{
    AlertDescription, AlertLevel, CipherSuite, ContentType, ProtocolVersion,
};

const UNEXPECTED: AlertDescription = AlertDescription::UNEXPECTED_MESSAGE;

/// Seals `plaintext` as one TLS 1.3 record of inner type `content_type`
/// with `padding` zeros.
fn seal13(
    sealer: &mut RecordSealer,
    content_type: ContentType,
    plaintext: &[u8],
    padding: usize,
) -> Vec<u8> {
    let mut buf = vec![0u8; sealer.overhead() + plaintext.len() + padding];
    let prefix = sealer.prefix_len();
    buf[prefix..prefix + plaintext.len()].copy_from_slice(plaintext);
    let len = sealer
        .seal_in_place_with_padding(content_type, &mut buf, plaintext.len(), padding)
        .unwrap();
    assert_eq!(len, buf.len());
    buf
}

/// A sealer with the keys of [`protected_decoder13`], from sequence 0.
fn sealer13(algorithm: AeadAlgorithm) -> RecordSealer {
    RecordSealer::new(&keys13(algorithm)).unwrap()
}

/// A TLS 1.3 record built with aws-lc-rs alone, from RFC 8446 §5.2 and
/// §5.3 as written: nonce = IV XOR left-padded sequence number, additional
/// data = the header, ciphertext of `inner` (the whole TLSInnerPlaintext,
/// given as is). An independent construction to hold keel's against, and
/// a way to build records keel's sealer refuses to.
fn raw_record13(algorithm: AeadAlgorithm, seq: u64, inner: &[u8]) -> Vec<u8> {
    let aws = match algorithm {
        AeadAlgorithm::Aes128Gcm => &AES_128_GCM,
        AeadAlgorithm::Aes256Gcm => &AES_256_GCM,
        AeadAlgorithm::ChaCha20Poly1305 => &CHACHA20_POLY1305,
    };
    let key = LessSafeKey::new(UnboundKey::new(aws, &vec![0x3c; algorithm.key_len()]).unwrap());
    let mut nonce = [0xa7u8; 12];
    for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
        *n ^= s;
    }
    let length = u16::try_from(inner.len() + TAG_LEN).unwrap().to_be_bytes();
    let header = [23, 3, 3, length[0], length[1]];
    let mut body = inner.to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(header),
        &mut body,
    )
    .unwrap();
    let mut record = header.to_vec();
    record.extend_from_slice(&body);
    record
}

/// Decodes `bytes`, expects `error` with `alert`, then checks that the
/// decoder stays failed even when given a valid record.
fn refused(mut decoder: RecordDecoder, bytes: &[u8], error: &RecordError, alert: AlertDescription) {
    let got = decode_all(&mut decoder, bytes).unwrap_err();
    assert_eq!(&got, error);
    assert_eq!(got.alert(), alert, "{got}");
    let mut good = record(22, [3, 3], &[14, 0, 0, 0]);
    assert_eq!(
        &decoder.decode(&mut good).unwrap_err(),
        error,
        "the decoder stays failed"
    );
}

fn close_notify() -> Alert {
    Alert {
        level: AlertLevel::WARNING,
        description: AlertDescription::CLOSE_NOTIFY,
    }
}

// --- Keys and suites -----------------------------------------------------------

/// RFC 8446 §5.3: iv_length is 12 for every TLS 1.3 AEAD keel offers, GCM
/// included (TLS 1.2's GCM takes a 4-byte salt); RFC 8446 §B.4: the three
/// TLS 1.3 suites map to their ciphers, and only through
/// `for_tls13_suite`, so that a TLS 1.3 suite is never taken for a TLS 1.2
/// one.
#[test]
fn tls13_keys_take_a_12_byte_iv_for_every_algorithm() {
    for algorithm in ALGORITHMS {
        assert_eq!(algorithm.tls13_iv_len(), 12);
        let keys = keys13(algorithm);
        assert_eq!(keys.protection(), RecordProtection::Tls13);
        assert_eq!(keys.algorithm(), algorithm);
        assert_eq!(
            RecordOpener::new(&keys).unwrap().protection(),
            RecordProtection::Tls13
        );
    }
    assert_eq!(
        TrafficKeys::new_tls13(AeadAlgorithm::Aes128Gcm, &[0; 16], &[0; 4]).unwrap_err(),
        RecordError::BadKeyMaterial {
            what: "IV",
            expected: 12,
            actual: 4
        }
    );
    assert_eq!(
        TrafficKeys::new_tls13(AeadAlgorithm::Aes256Gcm, &[0; 16], &[0; 12]).unwrap_err(),
        RecordError::BadKeyMaterial {
            what: "key",
            expected: 32,
            actual: 16
        }
    );
    assert_eq!(
        keys(AeadAlgorithm::Aes128Gcm).protection(),
        RecordProtection::Tls12
    );
    for (suite, algorithm) in [
        (
            CipherSuite::TLS_AES_128_GCM_SHA256,
            AeadAlgorithm::Aes128Gcm,
        ),
        (
            CipherSuite::TLS_AES_256_GCM_SHA384,
            AeadAlgorithm::Aes256Gcm,
        ),
        (
            CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
            AeadAlgorithm::ChaCha20Poly1305,
        ),
    ] {
        assert_eq!(AeadAlgorithm::for_tls13_suite(suite), Some(algorithm));
        assert_eq!(AeadAlgorithm::for_suite(suite), None, "{suite}");
    }
    for suite in [
        CipherSuite::TLS_AES_128_CCM_SHA256,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ] {
        assert_eq!(AeadAlgorithm::for_tls13_suite(suite), None, "{suite}");
    }
    let text = format!("{:?}", keys13(AeadAlgorithm::Aes128Gcm));
    assert!(text.contains("Tls13"), "{text}");
}

// --- Round trips ------------------------------------------------------------------

/// RFC 8446 §5.2, §5.3 as written, built with aws-lc-rs alone, gives the
/// same records as keel's sealer for every algorithm (RFC 8448 covers only
/// AES-128-GCM), at several sequence numbers, padded or not.
#[test]
fn sealed_records_match_an_independent_construction_for_every_algorithm() {
    for algorithm in ALGORITHMS {
        let mut sealer = sealer13(algorithm);
        assert_eq!(sealer.prefix_len(), HEADER_LEN);
        assert_eq!(sealer.overhead(), HEADER_LEN + 1 + TAG_LEN);
        for seq in 0..4u64 {
            let padding = usize::try_from(seq).unwrap() * 7;
            let record = seal13(&mut sealer, ContentType::HANDSHAKE, b"hello", padding);
            let mut inner = b"hello".to_vec();
            inner.push(22);
            inner.resize(inner.len() + padding, 0);
            assert_eq!(
                record,
                raw_record13(algorithm, seq, &inner),
                "{algorithm:?} {seq}"
            );
        }
    }
}

/// RFC 8446 §5.4: "Implementations MUST set the padding octets to all
/// zeros before encrypting". The sealer is handed a buffer whose padding
/// room holds 0xff; the record it makes is the independent construction's
/// with zero padding, so the bytes that went under the cipher were zeros.
#[test]
fn padding_goes_out_as_zeros_whatever_the_buffer_held() {
    for algorithm in ALGORITHMS {
        let mut sealer = sealer13(algorithm);
        let (content, padding) = (b"hello", 9);
        let mut buf = vec![0xffu8; sealer.overhead() + content.len() + padding];
        let prefix = sealer.prefix_len();
        buf[prefix..prefix + content.len()].copy_from_slice(content);
        let len = sealer
            .seal_in_place_with_padding(ContentType::HANDSHAKE, &mut buf, content.len(), padding)
            .unwrap();
        let mut inner = content.to_vec();
        inner.push(22);
        inner.resize(inner.len() + padding, 0);
        assert_eq!(
            buf[..len],
            raw_record13(algorithm, 0, &inner),
            "{algorithm:?}"
        );
    }
}

/// Any content, any padding that fits, any of the three real types: the
/// receiver gets exactly the content back, with the padding gone, and the
/// record is exactly as long as content, type, padding and tag.
#[test]
fn records_round_trip_for_every_algorithm_with_and_without_padding() {
    let data: Vec<u8> = (0..MAX_PLAINTEXT).map(|i| (i % 253) as u8 + 1).collect();
    for algorithm in ALGORITHMS {
        let mut sealer = sealer13(algorithm);
        let mut decoder = protected_decoder13(algorithm);
        for (len, padding) in [
            (1, 0),
            (1, 1),
            (100, 0),
            (100, 1000),
            (MAX_PLAINTEXT, 0),
            (MAX_PLAINTEXT - 10, 10),
            (0, MAX_PLAINTEXT),
        ] {
            let record = seal13(
                &mut sealer,
                ContentType::APPLICATION_DATA,
                &data[..len],
                padding,
            );
            assert_eq!(record.len(), HEADER_LEN + len + 1 + padding + TAG_LEN);
            assert_eq!(record[..3], [23, 3, 3]);
            let got = decode_all(&mut decoder, &record).unwrap();
            if len == 0 {
                assert!(got.is_empty(), "an empty record carries nothing");
            } else {
                assert_eq!(
                    got,
                    [Got::Data(data[..len].to_vec())],
                    "{algorithm:?} {len}+{padding}"
                );
            }
        }
        let alert = seal13(&mut sealer, ContentType::ALERT, &[1, 0], 30);
        let handshake = seal13(&mut sealer, ContentType::HANDSHAKE, &[14, 0, 0, 0], 3);
        assert_eq!(
            decode_all(&mut decoder, &[alert, handshake].concat()).unwrap(),
            [
                Got::Alert(close_notify()),
                Got::Handshake(vec![14, 0, 0, 0])
            ]
        );
    }
}

/// The buffered writer with a TLS 1.3 sealer: every record on the wire is
/// application_data `{03,03}` (RFC 8446 §5.2), handshake messages larger
/// than a record are split and rejoined, and the reader gives back each
/// kind of message; the middlebox change_cipher_spec goes out in plaintext
/// and is dropped by a reader that allows it.
#[test]
fn the_writer_and_reader_carry_every_content_type_under_tls13_keys() {
    for algorithm in ALGORITHMS {
        let (mut writer, mut reader) = protected_pair13(algorithm);
        reader.set_middlebox_ccs_allowed(true);
        let big = handshake_message(11, 40_000);
        let mut wire = Vec::new();
        writer.write_change_cipher_spec(&mut wire).unwrap();
        assert_eq!(wire, [20, 3, 3, 0, 1, 1]);
        writer.write_handshake(&big, &mut wire).unwrap();
        writer.write_alert(close_notify(), &mut wire).unwrap();
        writer
            .write_application_data(&[9; 20_000], &mut wire)
            .unwrap();
        assert_eq!(writer.sealer().unwrap().sequence(), 3 + 1 + 2);
        // Every record after the CCS is an outer application_data record.
        let mut at = 6;
        let mut records = 0;
        while at < wire.len() {
            assert_eq!(wire[at..at + 3], [23, 3, 3]);
            let length = usize::from(u16::from_be_bytes([wire[at + 3], wire[at + 4]]));
            assert!(length <= MAX_PLAINTEXT + 1 + TAG_LEN);
            at += HEADER_LEN + length;
            records += 1;
        }
        assert_eq!(records, 6);
        reader.feed(&wire);
        let got = drain(&mut reader).unwrap();
        assert_eq!(got[0], Got::Handshake(big.clone()));
        assert_eq!(got[1], Got::Alert(close_notify()));
        assert_eq!(joined_data(&got[2..]), vec![9; 20_000]);
        assert_eq!(reader.buffered_len(), 0);
    }
}

/// The zero-copy path with TLS 1.3 keys: the writer's plaintext window
/// starts after the 5-byte header and leaves room for the type byte and
/// tag; the decoder hands the content out where it lies in the caller's
/// buffer, type byte and padding excluded.
#[test]
fn zero_copy_sealing_and_in_place_decoding_work_for_tls13() {
    for algorithm in ALGORITHMS {
        let (mut writer, _) = protected_pair13(algorithm);
        let mut decoder = protected_decoder13(algorithm);
        let mut buf = vec![0u8; MAX_RECORD_LEN];
        let window = writer.plaintext_window(buf.len()).unwrap();
        assert_eq!(window, HEADER_LEN..HEADER_LEN + MAX_PLAINTEXT);
        let small = writer
            .plaintext_window(HEADER_LEN + 1 + TAG_LEN + 10)
            .unwrap();
        assert_eq!(small, HEADER_LEN..HEADER_LEN + 10);
        buf[window.start..window.start + 300].fill(0x42);
        let len = writer
            .seal_in_place(ContentType::APPLICATION_DATA, &mut buf, 300)
            .unwrap();
        assert_eq!(len, HEADER_LEN + 300 + 1 + TAG_LEN);
        let start = buf.as_ptr() as usize;
        match decoder.decode(&mut buf[..len]).unwrap() {
            Decoded::Item {
                consumed,
                item: Received::ApplicationData(data),
            } => {
                assert_eq!(consumed, len);
                assert_eq!(data, [0x42; 300]);
                assert_eq!(data.as_ptr() as usize - start, HEADER_LEN, "in place");
            }
            other => panic!("{other:?}"),
        }
        let mut out = vec![0u8; 64];
        let len = writer
            .seal_from(ContentType::APPLICATION_DATA, b"from", &mut out)
            .unwrap();
        assert_eq!(
            decode_all(&mut decoder, &out[..len]).unwrap(),
            [Got::Data(b"from".to_vec())]
        );
    }
}

// --- Refusals -------------------------------------------------------------------

/// RFC 8446 §5.4: a TLSInnerPlaintext of nothing but zeros names no content
/// type: unexpected_message.
#[test]
fn an_all_zero_inner_plaintext_is_unexpected_message() {
    for algorithm in ALGORITHMS {
        // keel's sealer refuses to make these (type 0); the independent
        // construction makes them as a broken peer would.
        for inner_len in [1, 13, 9] {
            let record = raw_record13(algorithm, 0, &vec![0u8; inner_len]);
            refused(
                protected_decoder13(algorithm),
                &record,
                &RecordError::MissingContentType,
                UNEXPECTED,
            );
        }
    }
}

/// RFC 8446 §5.2, §5.4: a TLSInnerPlaintext over 2^14 + 1 bytes (here
/// 2^14 + 1 of content and its type) is record_overflow after decryption,
/// though its ciphertext is within 2^14 + 256; under a record size limit
/// (RFC 8449 §4), one over the limit plus its type byte is too.
#[test]
fn an_inner_plaintext_over_2_14_plus_1_is_record_overflow() {
    for algorithm in ALGORITHMS {
        let mut inner = vec![0x61u8; MAX_PLAINTEXT + 1];
        inner.push(23);
        refused(
            protected_decoder13(algorithm),
            &raw_record13(algorithm, 0, &inner),
            &RecordError::RecordOverflow {
                length: MAX_INNER_PLAINTEXT + 1,
                limit: MAX_INNER_PLAINTEXT,
            },
            AlertDescription::RECORD_OVERFLOW,
        );
        // Exactly 2^14 + 1 (2^14 of content and the type) is accepted.
        let mut decoder = protected_decoder13(algorithm);
        let got = decode_all(&mut decoder, &raw_record13(algorithm, 0, &inner[1..])).unwrap();
        assert_eq!(got, [Got::Data(vec![0x61; MAX_PLAINTEXT])]);

        let mut limited = protected_decoder13(algorithm);
        limited.set_max_plaintext(100);
        let mut sealer = sealer13(algorithm);
        let fits = seal13(&mut sealer, ContentType::APPLICATION_DATA, &[1; 100], 0);
        assert_eq!(
            decode_all(&mut limited, &fits).unwrap(),
            [Got::Data(vec![1; 100])]
        );
        let padded = seal13(&mut sealer, ContentType::APPLICATION_DATA, &[1; 100], 1);
        let err = decode_all(&mut limited, &padded).unwrap_err();
        assert_eq!(
            err,
            RecordError::RecordOverflow {
                length: 102,
                limit: 101
            }
        );
    }
}

/// RFC 8446 §5.2: a TLSCiphertext over 2^14 + 256 bytes is record_overflow,
/// judged from the header before the body arrives; one of exactly 2^14 +
/// 256 bytes is read (and here fails authentication).
#[test]
fn a_ciphertext_over_2_14_plus_256_is_record_overflow() {
    let over = u16::try_from(MAX_CIPHERTEXT_TLS13 + 1)
        .unwrap()
        .to_be_bytes();
    refused(
        protected_decoder13(AeadAlgorithm::Aes128Gcm),
        &[23, 3, 3, over[0], over[1]],
        &RecordError::RecordOverflow {
            length: MAX_CIPHERTEXT_TLS13 + 1,
            limit: MAX_CIPHERTEXT_TLS13,
        },
        AlertDescription::RECORD_OVERFLOW,
    );
    refused(
        protected_decoder13(AeadAlgorithm::Aes128Gcm),
        &record(23, [3, 3], &vec![0; MAX_CIPHERTEXT_TLS13]),
        &RecordError::BadRecordMac,
        AlertDescription::BAD_RECORD_MAC,
    );
}

/// RFC 8446 §5: once TLS 1.3 keys are in use every record is protected; a
/// plaintext handshake, alert or application-data-looking record is
/// unexpected_message (an outer application_data record is always
/// decrypted, so it fails authentication instead).
#[test]
fn unprotected_records_after_tls13_read_keys_are_unexpected_message() {
    for (content_type, body) in [(22u8, &[14u8, 0, 0, 0][..]), (21, &[1, 0][..])] {
        refused(
            protected_decoder13(AeadAlgorithm::ChaCha20Poly1305),
            &record(content_type, [3, 3], body),
            &RecordError::UnexpectedContentType {
                content_type: ContentType::new(content_type),
            },
            UNEXPECTED,
        );
    }
    refused(
        protected_decoder13(AeadAlgorithm::ChaCha20Poly1305),
        &record(23, [3, 3], b"plaintext data here"),
        &RecordError::BadRecordMac,
        AlertDescription::BAD_RECORD_MAC,
    );
}

/// RFC 8446 §5.2: any change to a record, header included (it is the
/// additional data), or a record too short for a tag, replayed, or sealed
/// under other keys, is bad_record_mac.
#[test]
fn a_tampered_tls13_record_is_bad_record_mac() {
    for algorithm in ALGORITHMS {
        let mut sealer = sealer13(algorithm);
        let record = seal13(&mut sealer, ContentType::APPLICATION_DATA, b"secret", 4);
        for at in HEADER_LEN..record.len() {
            let mut tampered = record.clone();
            tampered[at] ^= 0x01;
            refused(
                protected_decoder13(algorithm),
                &tampered,
                &RecordError::BadRecordMac,
                AlertDescription::BAD_RECORD_MAC,
            );
        }
        // The version is authenticated: a decoder that accepts any {03,XX}
        // header still refuses it.
        let mut other_version = record.clone();
        other_version[2] = 1;
        let mut decoder = RecordDecoder::new();
        decoder
            .install_opener(RecordOpener::new(&keys13(algorithm)).unwrap())
            .unwrap();
        assert_eq!(
            decode_all(&mut decoder, &other_version).unwrap_err(),
            RecordError::BadRecordMac
        );
        // Replayed: the second copy is read at the next sequence number.
        let mut decoder = protected_decoder13(algorithm);
        assert_eq!(
            decode_all(&mut decoder, &[record.clone(), record.clone()].concat()).unwrap_err(),
            RecordError::BadRecordMac
        );
        // Too short for a tag.
        refused(
            protected_decoder13(algorithm),
            &[23, 3, 3, 0, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            &RecordError::BadRecordMac,
            AlertDescription::BAD_RECORD_MAC,
        );
        // Under TLS 1.2 keys of the same key bytes: refused as well.
        let mut decoder = protected_decoder(algorithm);
        assert!(decode_all(&mut decoder, &record).is_err());
    }
}

/// RFC 8446 §5: an unencrypted change_cipher_spec of the single byte 1 is
/// dropped while the handshake allows it, with TLS 1.3 keys or before any
/// (a client reading the CCS a server sends after a HelloRetryRequest); any
/// other value is unexpected_message, and so is any change_cipher_spec
/// after the switch is off (after the peer's Finished) or inside a
/// protected record.
#[test]
fn change_cipher_spec_rules_in_tls13() {
    let ccs = record(20, [3, 3], &[1]);
    let hello = record(22, [3, 3], &[2, 0, 0, 0]);
    // Before any keys: dropped, consumed with nothing to hand out.
    let mut decoder = RecordDecoder::new();
    decoder.set_middlebox_ccs_allowed(true);
    let mut stream = ccs.clone();
    match decoder.decode(&mut stream).unwrap() {
        Decoded::NeedMore { consumed, needed } => {
            assert_eq!(consumed, 6);
            assert_eq!(needed, None);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        decode_all(&mut decoder, &[ccs.clone(), hello.clone()].concat()).unwrap(),
        [Got::Handshake(vec![2, 0, 0, 0])]
    );
    // With TLS 1.3 keys: dropped between protected records.
    let mut decoder = protected_decoder13(AeadAlgorithm::Aes256Gcm);
    decoder.set_middlebox_ccs_allowed(true);
    let mut sealer = sealer13(AeadAlgorithm::Aes256Gcm);
    let finished = seal13(&mut sealer, ContentType::HANDSHAKE, &[20, 0, 0, 1, 7], 0);
    assert_eq!(
        decode_all(&mut decoder, &[ccs.clone(), finished].concat()).unwrap(),
        [Got::Handshake(vec![20, 0, 0, 1, 7])]
    );
    // Any other value, with or without keys.
    for body in [&[2u8][..], &[1, 1][..], &[0][..], &[][..]] {
        let mut before_keys = RecordDecoder::new();
        before_keys.set_middlebox_ccs_allowed(true);
        refused(
            before_keys,
            &record(20, [3, 3], body),
            &RecordError::BadChangeCipherSpec,
            UNEXPECTED,
        );
        let mut with_keys = protected_decoder13(AeadAlgorithm::Aes128Gcm);
        with_keys.set_middlebox_ccs_allowed(true);
        refused(
            with_keys,
            &record(20, [3, 3], body),
            &RecordError::BadChangeCipherSpec,
            UNEXPECTED,
        );
    }
    // After the peer's Finished.
    let mut after = protected_decoder13(AeadAlgorithm::Aes128Gcm);
    after.set_middlebox_ccs_allowed(true);
    after.set_middlebox_ccs_allowed(false);
    refused(
        after,
        &ccs,
        &RecordError::UnexpectedContentType {
            content_type: ContentType::CHANGE_CIPHER_SPEC,
        },
        UNEXPECTED,
    );
    // Protected, even while the unencrypted one is allowed.
    let mut decoder = protected_decoder13(AeadAlgorithm::Aes128Gcm);
    decoder.set_middlebox_ccs_allowed(true);
    let mut sealer = sealer13(AeadAlgorithm::Aes128Gcm);
    refused(
        decoder,
        &seal13(&mut sealer, ContentType::CHANGE_CIPHER_SPEC, &[1], 0),
        &RecordError::UnexpectedContentType {
            content_type: ContentType::CHANGE_CIPHER_SPEC,
        },
        UNEXPECTED,
    );
    // With the switch off and no TLS 1.3 keys, TLS 1.2's rules: handed out.
    let mut decoder = RecordDecoder::new();
    assert_eq!(
        decode_all(&mut decoder, &ccs).unwrap(),
        [Got::ChangeCipherSpec]
    );
}

/// At most MAX_CONSECUTIVE_MIDDLEBOX_CCS dropped change_cipher_spec records
/// in a row; a record that carries something starts the count again, and
/// empty application data between them does not.
#[test]
fn consecutive_middlebox_change_cipher_specs_are_bounded() {
    let ccs = record(20, [3, 3], &[1]);
    let run = ccs.repeat(MAX_CONSECUTIVE_MIDDLEBOX_CCS);
    let mut decoder = protected_decoder13(AeadAlgorithm::Aes128Gcm);
    decoder.set_middlebox_ccs_allowed(true);
    assert_eq!(decode_all(&mut decoder, &run).unwrap(), []);
    refused(
        decoder,
        &ccs,
        &RecordError::TooManyChangeCipherSpecs {
            limit: MAX_CONSECUTIVE_MIDDLEBOX_CCS,
        },
        UNEXPECTED,
    );

    // Runs separated by a handshake record are each within the bound.
    let mut decoder = protected_decoder13(AeadAlgorithm::Aes128Gcm);
    decoder.set_middlebox_ccs_allowed(true);
    let mut sealer = sealer13(AeadAlgorithm::Aes128Gcm);
    let mut stream = Vec::new();
    for _ in 0..3 {
        stream.extend_from_slice(&run);
        stream.extend_from_slice(&seal13(
            &mut sealer,
            ContentType::HANDSHAKE,
            &[14, 0, 0, 0],
            0,
        ));
    }
    assert_eq!(decode_all(&mut decoder, &stream).unwrap().len(), 3);

    // Empty application data between them does not reset the count.
    let mut decoder = protected_decoder13(AeadAlgorithm::Aes128Gcm);
    decoder.set_middlebox_ccs_allowed(true);
    let mut sealer = sealer13(AeadAlgorithm::Aes128Gcm);
    let mut stream = Vec::new();
    for _ in 0..=MAX_CONSECUTIVE_MIDDLEBOX_CCS {
        stream.extend_from_slice(&ccs);
        stream.extend_from_slice(&seal13(&mut sealer, ContentType::APPLICATION_DATA, &[], 0));
    }
    refused(
        decoder,
        &stream,
        &RecordError::TooManyChangeCipherSpecs {
            limit: MAX_CONSECUTIVE_MIDDLEBOX_CCS,
        },
        UNEXPECTED,
    );
}

/// RFC 8446 §5.4: empty application data is allowed (as padding alone),
/// but, as in TLS 1.2, not without end; a dropped change_cipher_spec
/// between them does not reset that count either.
#[test]
fn empty_tls13_application_data_is_allowed_but_not_forever() {
    let mut sealer = sealer13(AeadAlgorithm::ChaCha20Poly1305);
    let mut stream = Vec::new();
    for i in 0..=MAX_CONSECUTIVE_EMPTY_RECORDS {
        stream.extend_from_slice(&seal13(&mut sealer, ContentType::APPLICATION_DATA, &[], i));
        if i < MAX_CONSECUTIVE_MIDDLEBOX_CCS {
            stream.extend_from_slice(&record(20, [3, 3], &[1]));
        }
    }
    let mut decoder = protected_decoder13(AeadAlgorithm::ChaCha20Poly1305);
    decoder.set_middlebox_ccs_allowed(true);
    refused(
        decoder,
        &stream,
        &RecordError::TooManyEmptyRecords {
            limit: MAX_CONSECUTIVE_EMPTY_RECORDS,
        },
        UNEXPECTED,
    );
}

/// RFC 8446 §5.1: no other record between the fragments of a handshake
/// message: an alert, application data or a middlebox change_cipher_spec
/// there is unexpected_message; fragments in a row make the message.
#[test]
fn a_fragmented_handshake_message_cannot_be_interleaved_under_tls13_keys() {
    let message = handshake_message(8, 100);
    let interruptions: [(ContentType, Option<&[u8]>); 3] = [
        (ContentType::ALERT, Some(&[1, 0])),
        (ContentType::APPLICATION_DATA, Some(b"data")),
        (ContentType::CHANGE_CIPHER_SPEC, None),
    ];
    for (content_type, sealed) in interruptions {
        let mut sealer = sealer13(AeadAlgorithm::Aes128Gcm);
        let mut stream = seal13(&mut sealer, ContentType::HANDSHAKE, &message[..10], 0);
        match sealed {
            Some(body) => stream.extend_from_slice(&seal13(&mut sealer, content_type, body, 0)),
            None => stream.extend_from_slice(&record(20, [3, 3], &[1])),
        }
        stream.extend_from_slice(&seal13(
            &mut sealer,
            ContentType::HANDSHAKE,
            &message[10..],
            0,
        ));
        let mut decoder = protected_decoder13(AeadAlgorithm::Aes128Gcm);
        decoder.set_middlebox_ccs_allowed(true);
        refused(
            decoder,
            &stream,
            &RecordError::InterleavedHandshake { content_type },
            UNEXPECTED,
        );
    }
    let mut sealer = sealer13(AeadAlgorithm::Aes128Gcm);
    let mut stream = seal13(&mut sealer, ContentType::HANDSHAKE, &message[..10], 5);
    stream.extend_from_slice(&seal13(
        &mut sealer,
        ContentType::HANDSHAKE,
        &message[10..],
        0,
    ));
    let mut decoder = protected_decoder13(AeadAlgorithm::Aes128Gcm);
    assert_eq!(
        decode_all(&mut decoder, &stream).unwrap(),
        [Got::Handshake(message)]
    );
}

/// RFC 8446 §5.1: the message that changes keys must end its record. A
/// ServerHello followed in its record by the start of another message, or
/// a KeyUpdate followed by another message under the old keys: the
/// handshake sees the buffered bytes (`has_buffered_handshake`), and
/// installing the new opener is refused with unexpected_message, for good.
#[test]
fn keys_change_only_on_a_record_boundary_in_tls13() {
    let server_hello = handshake_message(2, 40);
    let new_keys = || RecordOpener::new(&keys13(AeadAlgorithm::Aes128Gcm)).unwrap();

    for trailing in [&handshake_message(8, 2)[..], &[8, 0, 0][..]] {
        let mut reader = RecordReader::new();
        let mut body = server_hello.clone();
        body.extend_from_slice(trailing);
        reader.feed(&record(22, [3, 3], &body));
        assert_eq!(drain_one(&mut reader), Got::Handshake(server_hello.clone()));
        assert!(reader.has_buffered_handshake());
        let err = reader.install_opener(new_keys()).unwrap_err();
        assert_eq!(err, RecordError::KeyChangeNotOnRecordBoundary);
        assert_eq!(err.alert(), UNEXPECTED);
        assert_eq!(reader.next_incoming().unwrap_err(), err, "sticky");
    }

    // A KeyUpdate with another message behind it in the same record.
    let key_update = [24u8, 0, 0, 1, 0];
    let mut sealer = sealer13(AeadAlgorithm::Aes128Gcm);
    let mut body = key_update.to_vec();
    body.extend_from_slice(&[14, 0, 0, 0]);
    let mut decoder = protected_decoder13(AeadAlgorithm::Aes128Gcm);
    let mut stream = seal13(&mut sealer, ContentType::HANDSHAKE, &body, 0);
    let Decoded::Item {
        item: Received::Handshake(message),
        ..
    } = decoder.decode(&mut stream).unwrap()
    else {
        panic!()
    };
    assert_eq!(message, key_update);
    assert!(decoder.has_buffered_handshake());
    assert_eq!(
        decoder.install_opener(new_keys()).unwrap_err(),
        RecordError::KeyChangeNotOnRecordBoundary
    );

    // On a record boundary the change is accepted.
    let mut reader = RecordReader::new();
    reader.feed(&record(22, [3, 3], &server_hello));
    assert_eq!(drain_one(&mut reader), Got::Handshake(server_hello));
    assert!(!reader.has_buffered_handshake());
    reader.install_opener(new_keys()).unwrap();
}

fn drain_one(reader: &mut RecordReader) -> Got {
    let got = reader.next_incoming().unwrap().unwrap();
    match got {
        keel_record::Incoming::Handshake(m) => Got::Handshake(m.to_vec()),
        other => panic!("{other:?}"),
    }
}

/// RFC 8446 §5.4: "Implementations MUST NOT send Handshake and Alert
/// records that have a zero-length TLSInnerPlaintext.content". Under TLS
/// 1.3 keys the writer writes nothing for an empty handshake message, and
/// every handshake and alert record it does write, opened, carries content.
#[test]
fn the_writer_sends_no_empty_handshake_or_alert_content_under_tls13_keys() {
    for algorithm in ALGORITHMS {
        let (mut writer, _) = protected_pair13(algorithm);
        let mut wire = Vec::new();
        writer.write_handshake(&[], &mut wire).unwrap();
        assert!(wire.is_empty(), "no record for no handshake bytes");
        assert_eq!(writer.sealer().unwrap().sequence(), 0);
        for len in [1, MAX_PLAINTEXT, MAX_PLAINTEXT + 1] {
            writer.write_handshake(&vec![20; len], &mut wire).unwrap();
        }
        writer.write_alert(close_notify(), &mut wire).unwrap();

        let mut opener = RecordOpener::new(&keys13(algorithm)).unwrap();
        let mut types = Vec::new();
        let mut at = 0;
        while at < wire.len() {
            let length = usize::from(u16::from_be_bytes([wire[at + 3], wire[at + 4]]));
            let (header, body) = wire[at..at + HEADER_LEN + length].split_at_mut(HEADER_LEN);
            let (content_type, content) = opener
                .open_record_in_place(ContentType::new(header[0]), ProtocolVersion::TLS_V1_2, body)
                .unwrap();
            assert!(
                !content.is_empty(),
                "{algorithm:?}: an empty {content_type} record"
            );
            types.push(content_type.get());
            at += HEADER_LEN + length;
        }
        assert_eq!(types, [22, 22, 22, 22, 21], "{algorithm:?}");
    }
}

/// RFC 8446 §5.4: handshake and alert records may not be empty, padding
/// or not: unexpected_message.
#[test]
fn empty_handshake_and_alert_content_is_unexpected_message() {
    for content_type in [ContentType::HANDSHAKE, ContentType::ALERT] {
        for padding in [0, 9] {
            let mut sealer = sealer13(AeadAlgorithm::Aes256Gcm);
            refused(
                protected_decoder13(AeadAlgorithm::Aes256Gcm),
                &seal13(&mut sealer, content_type, &[], padding),
                &RecordError::EmptyProtectedContent { content_type },
                UNEXPECTED,
            );
        }
    }
}

/// RFC 8446 §5: an inner content type TLS does not define (heartbeat
/// included, which keel never negotiates) is unexpected_message; an
/// encrypted alert must be exactly one alert.
#[test]
fn unknown_inner_types_and_malformed_alerts_are_refused() {
    for t in [19u8, 24, 0x42, 0xff] {
        let mut sealer = sealer13(AeadAlgorithm::Aes128Gcm);
        refused(
            protected_decoder13(AeadAlgorithm::Aes128Gcm),
            &seal13(&mut sealer, ContentType::new(t), b"x", 2),
            &RecordError::UnexpectedContentType {
                content_type: ContentType::new(t),
            },
            UNEXPECTED,
        );
    }
    let mut sealer = sealer13(AeadAlgorithm::Aes128Gcm);
    refused(
        protected_decoder13(AeadAlgorithm::Aes128Gcm),
        &seal13(&mut sealer, ContentType::ALERT, &[1, 0, 1], 0),
        &RecordError::AlertLength { length: 3 },
        AlertDescription::DECODE_ERROR,
    );
}

// --- Key changes --------------------------------------------------------------------

/// RFC 8446 §5.3: "Each sequence number is set to zero ... whenever the key
/// is changed". After records under the handshake keys, the writer and the
/// reader each take the application keys; the first record under them is
/// sealed at sequence 0 and opens, and the old keys cannot open it.
#[test]
fn a_new_key_starts_again_at_sequence_zero() {
    for algorithm in ALGORITHMS {
        let (mut writer, mut reader) = protected_pair13(algorithm);
        let mut wire = Vec::new();
        for _ in 0..3 {
            writer
                .write_handshake(&[20, 0, 0, 1, 1], &mut wire)
                .unwrap();
        }
        reader.feed(&wire);
        assert_eq!(drain(&mut reader).unwrap().len(), 3);

        let application =
            TrafficKeys::new_tls13(algorithm, &vec![0x11; algorithm.key_len()], &[0x22; 12])
                .unwrap();
        writer.install_sealer(RecordSealer::new(&application).unwrap());
        assert_eq!(writer.sealer().unwrap().sequence(), 0);
        let mut wire = Vec::new();
        writer.write_application_data(b"after", &mut wire).unwrap();

        let mut stale = protected_decoder13(algorithm);
        assert_eq!(
            decode_all(&mut stale, &wire).unwrap_err(),
            RecordError::BadRecordMac
        );
        let mut fresh = RecordOpener::new(&application).unwrap();
        assert_eq!(fresh.sequence(), 0);
        let mut body = wire[HEADER_LEN..].to_vec();
        assert_eq!(
            fresh
                .open_record_in_place(
                    ContentType::APPLICATION_DATA,
                    ProtocolVersion::TLS_V1_2,
                    &mut body
                )
                .unwrap()
                .1,
            b"after"
        );
        reader
            .install_opener(RecordOpener::new(&application).unwrap())
            .unwrap();
        reader.feed(&wire);
        assert_eq!(drain(&mut reader).unwrap(), [Got::Data(b"after".to_vec())]);
    }
}

// --- Misuse ---------------------------------------------------------------------------

/// The calls a key's protection does not have are refused, before any
/// sequence number is used: a TLS 1.3 record opened as a TLS 1.2 one
/// (its type would be lost), padding asked of a TLS 1.2 sealer, a TLS 1.3
/// record whose header is not application_data; and padding that would
/// take the inner plaintext over 2^14 + 1, or a buffer too small for it.
#[test]
fn calls_the_protection_does_not_have_are_refused() {
    let mut opener = RecordOpener::new(&keys13(AeadAlgorithm::Aes128Gcm)).unwrap();
    let mut sealer = sealer13(AeadAlgorithm::Aes128Gcm);
    let record = seal13(&mut sealer, ContentType::APPLICATION_DATA, b"data", 0);
    let mut body = record[HEADER_LEN..].to_vec();
    let err = opener
        .open_in_place(
            ContentType::APPLICATION_DATA,
            ProtocolVersion::TLS_V1_2,
            &mut body,
        )
        .unwrap_err();
    assert_eq!(
        err,
        RecordError::WrongProtection {
            protection: RecordProtection::Tls13
        }
    );
    assert_eq!(err.alert(), AlertDescription::INTERNAL_ERROR);
    assert_eq!(
        err.to_string(),
        "not available with TLS 1.3 record protection"
    );
    assert_eq!(
        opener
            .open_record_in_place(ContentType::HANDSHAKE, ProtocolVersion::TLS_V1_2, &mut body)
            .unwrap_err(),
        RecordError::UnexpectedContentType {
            content_type: ContentType::HANDSHAKE
        }
    );
    assert_eq!(opener.sequence(), 0);
    assert_eq!(
        opener
            .open_record_in_place(
                ContentType::APPLICATION_DATA,
                ProtocolVersion::TLS_V1_2,
                &mut body
            )
            .unwrap(),
        (ContentType::APPLICATION_DATA, &mut b"data".to_vec()[..])
    );

    // TLS 1.2: no padding; open_record_in_place gives the header's type.
    let mut sealer12 = RecordSealer::new(&keys(AeadAlgorithm::Aes128Gcm)).unwrap();
    let mut buf = vec![0u8; 100];
    assert_eq!(
        sealer12
            .seal_in_place_with_padding(ContentType::APPLICATION_DATA, &mut buf, 4, 4)
            .unwrap_err()
            .to_string(),
        "not available with TLS 1.2 record protection"
    );
    assert_eq!(sealer12.sequence(), 0);
    let len = sealer12
        .seal_in_place(
            ContentType::HANDSHAKE,
            ProtocolVersion::TLS_V1_2,
            &mut buf,
            4,
        )
        .unwrap();
    let mut opener12 = RecordOpener::new(&keys(AeadAlgorithm::Aes128Gcm)).unwrap();
    let (content_type, plaintext) = opener12
        .open_record_in_place(
            ContentType::HANDSHAKE,
            ProtocolVersion::TLS_V1_2,
            &mut buf[HEADER_LEN..len],
        )
        .unwrap();
    assert_eq!(content_type, ContentType::HANDSHAKE);
    assert_eq!(plaintext.len(), 4);

    // Padding over the inner plaintext's limit, or beyond the buffer.
    let mut sealer = sealer13(AeadAlgorithm::Aes128Gcm);
    let mut big = vec![0u8; MAX_RECORD_LEN + 10];
    assert_eq!(
        sealer
            .seal_in_place_with_padding(ContentType::APPLICATION_DATA, &mut big, MAX_PLAINTEXT, 1)
            .unwrap_err(),
        RecordError::RecordOverflow {
            length: MAX_INNER_PLAINTEXT + 1,
            limit: MAX_INNER_PLAINTEXT
        }
    );
    assert_eq!(
        sealer
            .seal_in_place_with_padding(ContentType::APPLICATION_DATA, &mut big, 0, usize::MAX)
            .unwrap_err(),
        RecordError::RecordOverflow {
            length: usize::MAX,
            limit: MAX_INNER_PLAINTEXT
        }
    );
    let mut small = vec![0u8; 30];
    assert_eq!(
        sealer
            .seal_in_place_with_padding(ContentType::APPLICATION_DATA, &mut small, 4, 10)
            .unwrap_err(),
        RecordError::BufferTooSmall {
            needed: HEADER_LEN + 4 + 1 + 10 + TAG_LEN,
            actual: 30
        }
    );
    assert_eq!(sealer.sequence(), 0, "nothing sealed");
    let text = format!("{sealer:?} {opener:?}");
    assert!(text.contains("Tls13"), "{text}");
}

/// The writer's change_cipher_spec still goes out under an installed TLS
/// 1.2 sealer, as before: the plaintext one is TLS 1.3's alone.
#[test]
fn only_a_tls13_sealer_sends_the_change_cipher_spec_in_plaintext() {
    let (mut writer, mut reader) = protected_pair(AeadAlgorithm::Aes128Gcm);
    let mut wire = Vec::new();
    writer.write_change_cipher_spec(&mut wire).unwrap();
    assert_ne!(wire, [20, 3, 3, 0, 1, 1]);
    assert_eq!(wire[0], 20);
    reader.feed(&wire);
    assert_eq!(drain(&mut reader).unwrap(), [Got::ChangeCipherSpec]);
    assert!(
        !writer.key_update_due(),
        "TLS 1.2 never asks for a KeyUpdate"
    );
    assert!(!RecordWriter::new().key_update_due());
}

#[test]
fn a_tls13_sealer_refuses_content_type_zero() {
    // Found by the record_protected fuzz target: sealed, type 0 would read
    // as padding, and the content's own last non-zero byte as its type.
    let mut sealer = sealer13(AeadAlgorithm::Aes128Gcm);
    let mut buf = vec![0u8; 64];
    buf[5..9].copy_from_slice(b"data");
    let err = sealer
        .seal_in_place(ContentType::new(0), ProtocolVersion::TLS_V1_2, &mut buf, 4)
        .unwrap_err();
    assert_eq!(err, RecordError::ZeroContentType);
    assert_eq!(err.alert(), AlertDescription::INTERNAL_ERROR);
    // Nothing was used up: the next record still goes out as the first.
    assert_eq!(sealer.sequence(), 0);
}
