//! The in-place level: `RecordDecoder` in a buffer the caller owns. Every
//! tampered or malformed input of `tamper.rs` is refused here with the same
//! error as through `RecordReader`, whatever the pieces it arrives in;
//! application data is handed out where it lies in the caller's buffer; and
//! the consumed/needed contract holds.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use keel_record::limits::{HEADER_LEN, MAX_CIPHERTEXT, MAX_PLAINTEXT, MAX_RECORD_LEN};
use keel_record::{
    AeadAlgorithm, Decoded, Received, RecordDecoder, RecordError, RecordOpener, RecordReader,
    RecordSealer, TrafficKeys,
};
use keel_wire::registry::{ContentType, ProtocolVersion};

/// How the receiver is set up before a case's bytes arrive.
#[derive(Debug, Clone, Copy)]
enum Setup {
    Fresh,
    Negotiated,
    Protected(AeadAlgorithm),
    MaxPlaintext(AeadAlgorithm, usize),
    OtherKeys,
    MaxHandshake(usize),
}

fn other_keys() -> TrafficKeys {
    TrafficKeys::new(AeadAlgorithm::Aes128Gcm, &[1; 16], &[2; 4]).unwrap()
}

fn decoder(setup: Setup) -> RecordDecoder {
    let mut decoder = RecordDecoder::new();
    match setup {
        Setup::Fresh => {}
        Setup::Negotiated => decoder.set_version_negotiated(),
        Setup::Protected(algorithm) => decoder = protected_decoder(algorithm),
        Setup::MaxPlaintext(algorithm, limit) => {
            decoder = protected_decoder(algorithm);
            decoder.set_max_plaintext(limit);
        }
        Setup::OtherKeys => decoder
            .install_opener(RecordOpener::new(&other_keys()).unwrap())
            .unwrap(),
        Setup::MaxHandshake(limit) => decoder.set_max_handshake_message(limit),
    }
    decoder
}

fn reader(setup: Setup) -> RecordReader {
    let mut reader = RecordReader::new();
    match setup {
        Setup::Fresh => {}
        Setup::Negotiated => reader.set_version_negotiated(),
        Setup::Protected(algorithm) => reader = protected_pair(algorithm).1,
        Setup::MaxPlaintext(algorithm, limit) => {
            reader = protected_pair(algorithm).1;
            reader.set_max_plaintext(limit);
        }
        Setup::OtherKeys => reader
            .install_opener(RecordOpener::new(&other_keys()).unwrap())
            .unwrap(),
        Setup::MaxHandshake(limit) => reader.set_max_handshake_message(limit),
    }
    reader
}

struct Case {
    name: String,
    setup: Setup,
    bytes: Vec<u8>,
    error: RecordError,
}

fn case(name: impl Into<String>, setup: Setup, bytes: Vec<u8>, error: RecordError) -> Case {
    Case {
        name: name.into(),
        setup,
        bytes,
        error,
    }
}

/// A record sealed by hand, for plaintexts keel's writer never produces.
fn sealed_raw(algorithm: AeadAlgorithm, sealer: &mut RecordSealer, len: usize) -> Vec<u8> {
    assert_eq!(sealer.algorithm(), algorithm);
    let mut buf = vec![0; len + sealer.overhead()];
    sealer
        .seal_in_place(
            ContentType::APPLICATION_DATA,
            ProtocolVersion::TLS_V1_2,
            &mut buf,
            len,
        )
        .unwrap();
    buf
}

/// The inputs of `tamper.rs`, as one table.
fn tamper_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for t in [0u8, 19, 24, 25, 255] {
        cases.push(case(
            format!("content type {t}"),
            Setup::Fresh,
            record(t, [3, 3], &[1]),
            RecordError::UnexpectedContentType {
                content_type: ContentType::new(t),
            },
        ));
    }
    for version in [[2, 0], [0x80, 0x2e], [4, 3]] {
        cases.push(case(
            format!("version {version:?}"),
            Setup::Fresh,
            record(22, version, &[14, 0, 0, 0]),
            RecordError::BadVersion {
                version: ProtocolVersion::new(u16::from_be_bytes(version)),
            },
        ));
    }
    cases.push(case(
        "TLS 1.0 after negotiation",
        Setup::Negotiated,
        record(22, [3, 1], &[14, 0, 0, 0]),
        RecordError::BadVersion {
            version: ProtocolVersion::TLS_V1_0,
        },
    ));
    // Headers alone: refused before the body arrives.
    let mut header = vec![22, 3, 3];
    header.extend_from_slice(&((MAX_PLAINTEXT + 1) as u16).to_be_bytes());
    cases.push(case(
        "plaintext record over 2^14",
        Setup::Fresh,
        header,
        RecordError::RecordOverflow {
            length: MAX_PLAINTEXT + 1,
            limit: MAX_PLAINTEXT,
        },
    ));
    let mut header = vec![23, 3, 3];
    header.extend_from_slice(&((MAX_CIPHERTEXT + 1) as u16).to_be_bytes());
    cases.push(case(
        "protected record over 2^14 + 2048",
        Setup::Protected(AeadAlgorithm::Aes128Gcm),
        header,
        RecordError::RecordOverflow {
            length: MAX_CIPHERTEXT + 1,
            limit: MAX_CIPHERTEXT,
        },
    ));
    let chacha = AeadAlgorithm::ChaCha20Poly1305;
    let mut sealer = RecordSealer::new(&keys(chacha)).unwrap();
    cases.push(case(
        "plaintext over 2^14 after decryption",
        Setup::Protected(chacha),
        sealed_raw(chacha, &mut sealer, MAX_PLAINTEXT + 1),
        RecordError::RecordOverflow {
            length: MAX_PLAINTEXT + 1,
            limit: MAX_PLAINTEXT,
        },
    ));
    cases.push(case(
        "plaintext over a record size limit",
        Setup::MaxPlaintext(chacha, 1000),
        sealed_data(chacha, &[&[1; 1001]]).concat(),
        RecordError::RecordOverflow {
            length: 1001,
            limit: 1000,
        },
    ));
    for algorithm in ALGORITHMS {
        let mut cut = sealed_data(algorithm, &[b"secret"]).concat();
        cut.pop();
        let len = u16::from_be_bytes([cut[3], cut[4]]) - 1;
        cut[3..5].copy_from_slice(&len.to_be_bytes());
        cases.push(case(
            format!("{algorithm:?}: tag cut short"),
            Setup::Protected(algorithm),
            cut,
            RecordError::BadRecordMac,
        ));
        let records = sealed_data(algorithm, &[b"one", b"two"]);
        cases.push(case(
            format!("{algorithm:?}: replay"),
            Setup::Protected(algorithm),
            [records[0].clone(), records[0].clone()].concat(),
            RecordError::BadRecordMac,
        ));
        cases.push(case(
            format!("{algorithm:?}: reorder"),
            Setup::Protected(algorithm),
            records[1].clone(),
            RecordError::BadRecordMac,
        ));
    }
    cases.push(case(
        "other keys",
        Setup::OtherKeys,
        sealed_data(AeadAlgorithm::Aes128Gcm, &[b"x"]).concat(),
        RecordError::BadRecordMac,
    ));
    for t in [20u8, 21, 22] {
        cases.push(case(
            format!("empty record of type {t}"),
            Setup::Fresh,
            record(t, [3, 3], &[]),
            RecordError::EmptyRecord {
                content_type: ContentType::new(t),
            },
        ));
    }
    let aes256 = AeadAlgorithm::Aes256Gcm;
    let mut sealer = RecordSealer::new(&keys(aes256)).unwrap();
    cases.push(case(
        "33 empty application-data records",
        Setup::Protected(aes256),
        (0..33)
            .flat_map(|_| sealed_raw(aes256, &mut sealer, 0))
            .collect(),
        RecordError::TooManyEmptyRecords { limit: 32 },
    ));
    for body in [&[1u8][..], &[1, 0, 1], &[2, 40, 2, 40]] {
        cases.push(case(
            format!("alert of {} bytes", body.len()),
            Setup::Fresh,
            record(21, [3, 3], body),
            RecordError::AlertLength { length: body.len() },
        ));
    }
    for body in [&[2u8][..], &[1, 1]] {
        cases.push(case(
            format!("change_cipher_spec {body:?}"),
            Setup::Fresh,
            record(20, [3, 3], body),
            RecordError::BadChangeCipherSpec,
        ));
    }
    cases.push(case(
        "unprotected application data",
        Setup::Fresh,
        record(23, [3, 3], b"early"),
        RecordError::UnprotectedApplicationData,
    ));
    let message = handshake_message(11, 100);
    for (t, body) in [(20u8, &[1u8][..]), (21, &[1, 0]), (23, b"data")] {
        let mut wire = record(22, [3, 3], &message[..50]);
        wire.extend(record(t, [3, 3], body));
        wire.extend(record(22, [3, 3], &message[50..]));
        cases.push(case(
            format!("type {t} inside a handshake message"),
            Setup::Fresh,
            wire,
            RecordError::InterleavedHandshake {
                content_type: ContentType::new(t),
            },
        ));
    }
    cases.push(case(
        "handshake message over the limit",
        Setup::MaxHandshake(1000),
        record(22, [3, 3], &[11, 0, 0x03, 0xe9]),
        RecordError::HandshakeTooLarge {
            length: 1001,
            limit: 1000,
        },
    ));
    cases
}

#[test]
fn tampered_input_is_refused_in_place_as_through_the_reader() {
    let cases = tamper_cases();
    assert!(cases.len() >= 35, "{} cases", cases.len());
    for Case {
        name,
        setup,
        bytes,
        error,
    } in cases
    {
        // The buffered reader, for reference.
        let mut buffered = reader(setup);
        buffered.feed(&bytes);
        assert_eq!(drain(&mut buffered).unwrap_err(), error, "{name}: reader");

        // In place: all at once, in 7-byte pieces, and a byte at a time.
        for cuts in [&[usize::MAX][..], &[7], &[1]] {
            let mut in_place = decoder(setup);
            let got = decode_stream(&mut in_place, &bytes, cuts, MAX_RECORD_LEN);
            assert_eq!(
                got.unwrap_err(),
                error,
                "{name}: decoder, pieces of {cuts:?}"
            );
            // Sticky: a valid handshake record is not read.
            let mut valid = [22, 3, 3, 0, 4, 14, 0, 0, 0];
            assert_eq!(
                in_place.decode(&mut valid).unwrap_err(),
                error,
                "{name}: the decoder stays failed"
            );
            assert_eq!(valid, [22, 3, 3, 0, 4, 14, 0, 0, 0], "{name}: untouched");
        }
    }
}

#[test]
fn application_data_is_handed_out_where_it_lies() {
    for algorithm in ALGORITHMS {
        let chunks: [&[u8]; 3] = [b"first", &[0xaa; 3000], b"third"];
        let mut buf = sealed_data(algorithm, &chunks).concat();
        let whole = buf.as_ptr_range();
        let explicit = algorithm.explicit_nonce_len();
        let mut decoder = protected_decoder(algorithm);
        let mut start = 0;
        let mut record_start = 0;
        for chunk in chunks {
            let decoded = decoder.decode(&mut buf[start..]).unwrap();
            let Decoded::Item {
                consumed,
                item: Received::ApplicationData(data),
            } = decoded
            else {
                panic!("{algorithm:?}: {decoded:?}")
            };
            assert_eq!(data, chunk);
            // The plaintext sits in the caller's buffer, right after the
            // record's header and explicit nonce: decrypted in place.
            let range = data.as_ptr_range();
            assert!(whole.start <= range.start && range.end <= whole.end);
            let offset = record_start + HEADER_LEN + explicit;
            assert_eq!(
                range.start,
                whole.start.wrapping_add(offset),
                "{algorithm:?}"
            );
            assert_eq!(consumed, HEADER_LEN + explicit + chunk.len() + 16);
            start += consumed;
            record_start += consumed;
        }
        assert_eq!(start, buf.len());
        assert_eq!(
            decoder.decode(&mut buf[start..]).unwrap(),
            Decoded::NeedMore {
                consumed: 0,
                needed: None
            }
        );
    }
}

#[test]
fn the_consumed_and_needed_contract() {
    // Two messages coalesced in one record, then half of a third message's
    // record: the first call consumes the record and returns the first
    // message, the second returns the waiting message and consumes nothing.
    let one = handshake_message(1, 10);
    let two = handshake_message(2, 20);
    let three = handshake_message(3, 30);
    let first = record(22, [3, 3], &[one.clone(), two.clone()].concat());
    let second = record(22, [3, 3], &three);
    let mut buf = [first.clone(), second[..20].to_vec()].concat();
    let mut decoder = RecordDecoder::new();
    assert_eq!(
        decoder.decode(&mut buf).unwrap(),
        Decoded::Item {
            consumed: first.len(),
            item: Received::Handshake(&one)
        }
    );
    let rest = &mut buf[first.len()..];
    assert_eq!(
        decoder.decode(rest).unwrap(),
        Decoded::Item {
            consumed: 0,
            item: Received::Handshake(&two)
        }
    );
    assert_eq!(
        decoder.decode(rest).unwrap(),
        Decoded::NeedMore {
            consumed: 0,
            needed: Some(second.len() - 20)
        }
    );
    assert_eq!(rest, &second[..20], "a partial record stays as it arrived");

    // Records that carry nothing by themselves are consumed on the way to
    // the next item, or to need-more: a message in three records, then the
    // header of a fourth record, then an incomplete header.
    let big = handshake_message(11, 100);
    let pieces = [&big[..30], &big[30..60], &big[60..]].map(|p| record(22, [3, 3], p));
    let mut decoder = RecordDecoder::new();
    let mut buf = [&pieces[0][..], &pieces[1], &[22, 3]].concat();
    assert_eq!(
        decoder.decode(&mut buf).unwrap(),
        Decoded::NeedMore {
            consumed: pieces[0].len() + pieces[1].len(),
            needed: None
        }
    );
    assert!(decoder.has_partial_handshake());
    let mut buf = [&pieces[2][..], &[22, 3, 3, 0, 9]].concat();
    assert_eq!(
        decoder.decode(&mut buf).unwrap(),
        Decoded::Item {
            consumed: pieces[2].len(),
            item: Received::Handshake(&big)
        }
    );
    let rest = &mut buf[pieces[2].len()..];
    assert_eq!(
        decoder.decode(rest).unwrap(),
        Decoded::NeedMore {
            consumed: 0,
            needed: Some(9)
        }
    );
    assert!(!decoder.has_partial_handshake());

    // An empty buffer, and a header refused before its body: nothing is
    // consumed, and the error sticks.
    let mut decoder = RecordDecoder::new();
    assert_eq!(
        decoder.decode(&mut []).unwrap(),
        Decoded::NeedMore {
            consumed: 0,
            needed: None
        }
    );
    assert!(matches!(
        decoder.decode(&mut [24, 3, 3, 0x40, 0]),
        Err(RecordError::UnexpectedContentType { .. })
    ));
    assert!(decoder.decode(&mut []).is_err());
}

#[test]
fn the_decoder_holds_the_rules_the_reader_delegates() {
    let mut decoder = RecordDecoder::new();
    assert!(!decoder.is_protected());
    let mut buf = record(22, [3, 3], &handshake_message(11, 100)[..50]);
    assert!(matches!(
        decoder.decode(&mut buf).unwrap(),
        Decoded::NeedMore { .. }
    ));
    // Keys cannot change in the middle of a message.
    let opener = RecordOpener::new(&keys(AeadAlgorithm::Aes128Gcm)).unwrap();
    assert!(matches!(
        decoder.install_opener(opener),
        Err(RecordError::InterleavedHandshake { .. })
    ));
    assert!(!decoder.is_protected());
    assert!(protected_decoder(AeadAlgorithm::Aes128Gcm).is_protected());
}

#[test]
fn the_writer_says_where_plaintext_goes_for_sealing_in_place() {
    let (mut writer, _) = protected_pair(AeadAlgorithm::Aes128Gcm);
    assert_eq!(
        keel_record::RecordWriter::new().plaintext_window(100),
        None,
        "no sealer"
    );
    // 13 bytes of prefix (header, explicit nonce), 16 of tag.
    assert_eq!(writer.plaintext_window(28), None);
    assert_eq!(writer.plaintext_window(29), Some(13..13));
    assert_eq!(writer.plaintext_window(129), Some(13..113));
    assert_eq!(
        writer.plaintext_window(MAX_RECORD_LEN),
        Some(13..13 + MAX_PLAINTEXT)
    );
    writer.set_max_fragment(512);
    assert_eq!(writer.plaintext_window(MAX_RECORD_LEN), Some(13..13 + 512));

    // Zero-copy both ways: plaintext written into the send buffer, sealed
    // there, and decoded where it lands.
    let mut send = vec![0u8; MAX_RECORD_LEN];
    let window = writer.plaintext_window(send.len()).unwrap();
    let message = b"written in place";
    send[window.start..window.start + message.len()].copy_from_slice(message);
    let len = writer
        .seal_in_place(ContentType::APPLICATION_DATA, &mut send, message.len())
        .unwrap();
    let mut decoder = protected_decoder(AeadAlgorithm::Aes128Gcm);
    assert_eq!(
        decoder.decode(&mut send[..len]).unwrap(),
        Decoded::Item {
            consumed: len,
            item: Received::ApplicationData(message)
        }
    );
}

/// Plain HTTP on a TLS port is named as such, from the first five bytes,
/// before the version is agreed; later, the same bytes are only an
/// unknown record type. Either way the alert is unexpected_message.
#[test]
fn plain_http_at_the_start_of_a_connection_is_named() {
    use keel_record::HttpRequestKind as K;
    for (start, kind) in [
        (&b"GET / HTTP/1.1\r\n"[..], K::Plain),
        (b"POST /x HTTP/1.1\r\n", K::Plain),
        (b"HEAD / HTTP/1.0\r\n", K::Plain),
        (b"PUT /a HTTP/1.1\r\n", K::Plain),
        (b"CONNECT example.com:443 HTTP/1.1\r\n", K::ProxyConnect),
        (b"HTTP/1.1 400 Bad Request\r\n", K::Response),
    ] {
        let mut bytes = start.to_vec();
        let err = RecordDecoder::new().decode(&mut bytes).unwrap_err();
        assert_eq!(err, RecordError::HttpRequest { request: kind });
        assert_eq!(
            err.alert(),
            keel_wire::registry::AlertDescription::UNEXPECTED_MESSAGE
        );
        assert!(err.to_string().contains("plain HTTP, not TLS"), "{err}");

        let mut bytes = start.to_vec();
        assert!(matches!(
            decoder(Setup::Negotiated).decode(&mut bytes),
            Err(RecordError::UnexpectedContentType { .. })
        ));
    }
    // Five bytes are enough; other text is an unknown record type.
    for other in [
        &b"GET /"[..],
        b"DELETE / HTTP/1.1\r\n",
        b"SSH-2.0-OpenSSH\r\n",
    ] {
        let mut bytes = other.to_vec();
        let err = RecordDecoder::new().decode(&mut bytes).unwrap_err();
        let named = matches!(err, RecordError::HttpRequest { .. });
        assert_eq!(named, other.starts_with(b"GET "), "{other:?}: {err}");
    }
}
