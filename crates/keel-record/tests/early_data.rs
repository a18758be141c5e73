//! A server's record layer skipping the client's rejected 0-RTT records
//! (RFC 8446 §4.2.10): after a ServerHello, records that fail to open under
//! the handshake key, until one opens; after a HelloRetryRequest,
//! application_data records unread, until ClientHello2; never more than
//! the bound, and nothing when skipping was not asked for.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use keel_record::limits::{HEADER_LEN, MAX_CIPHERTEXT_TLS13, MAX_SKIPPED_EARLY_DATA};
use keel_record::{
    AeadAlgorithm, EarlyDataSkip, RecordDecoder, RecordError, RecordOpener, RecordSealer,
    TrafficKeys,
};
use keel_wire::registry::{AlertDescription, ContentType};

const ALGORITHM: AeadAlgorithm = AeadAlgorithm::Aes128Gcm;
const CLIENT_HELLO: u8 = 1;
const FINISHED: u8 = 20;

/// Keys the server does not have: the client's early traffic keys, as far
/// as the server can tell.
fn early_keys() -> TrafficKeys {
    TrafficKeys::new_tls13(ALGORITHM, &[0xe0; 16], &[0x0e; 12]).unwrap()
}

/// `count` records of 0-RTT data sealed under [`early_keys`], each exactly
/// `record_len` bytes on the wire (header included, padded to the length),
/// from sequence 0.
fn early_records(count: usize, record_len: usize) -> Vec<u8> {
    let mut sealer = RecordSealer::new(&early_keys()).unwrap();
    let mut out = Vec::new();
    for _ in 0..count {
        let mut buf = vec![0u8; record_len];
        let padding = record_len - sealer.overhead();
        let len = sealer
            .seal_in_place_with_padding(ContentType::APPLICATION_DATA, &mut buf, 0, padding)
            .unwrap();
        assert_eq!(len, record_len);
        out.extend_from_slice(&buf);
    }
    out
}

/// The client's next flight as the server expects it: a Finished sealed
/// under the client handshake keys ([`keys13`]), the first record under
/// them.
fn client_finished() -> (Vec<u8>, Vec<u8>) {
    let message = handshake_message(FINISHED, 32);
    let (mut writer, _) = protected_pair13(ALGORITHM);
    let mut out = Vec::new();
    writer.write_handshake(&message, &mut out).unwrap();
    (message, out)
}

/// A server's decoder after its ServerHello: the client's handshake key
/// installed, and the ClientHello had early_data.
fn after_server_hello() -> RecordDecoder {
    let mut decoder = protected_decoder13(ALGORITHM);
    decoder.skip_rejected_early_data(EarlyDataSkip::Undecryptable);
    decoder
}

/// A server's decoder after its HelloRetryRequest: no key, the version
/// negotiated, and ClientHello1 had early_data.
fn after_hello_retry_request() -> RecordDecoder {
    let mut decoder = RecordDecoder::new();
    decoder.set_version_negotiated();
    decoder.set_middlebox_ccs_allowed(true);
    decoder.skip_rejected_early_data(EarlyDataSkip::ApplicationData);
    decoder
}

/// Unreadable bytes framed as application_data records, as 0-RTT data
/// looks to a server with no key at all.
fn opaque_records(count: usize, record_len: usize) -> Vec<u8> {
    (0..count)
        .flat_map(|_| record(23, [3, 3], &vec![0xa5; record_len - HEADER_LEN]))
        .collect()
}

#[test]
fn the_bound_is_one_largest_tls13_record() {
    assert_eq!(MAX_SKIPPED_EARLY_DATA, HEADER_LEN + MAX_CIPHERTEXT_TLS13);
    assert_eq!(MAX_SKIPPED_EARLY_DATA, 16_645);
}

#[test]
fn after_a_server_hello_early_records_are_skipped_until_one_opens() {
    let mut decoder = after_server_hello();
    let (finished, finished_record) = client_finished();
    let mut stream = early_records(3, 100);
    stream.extend_from_slice(&finished_record);
    // Each piece size, so skipping works whatever the reads look like.
    for cuts in [&[stream.len()][..], &[1], &[7, 100, 3]] {
        let mut decoder = after_server_hello();
        let got = decode_stream(&mut decoder, &stream, cuts, 4096).unwrap();
        assert_eq!(got, [Got::Handshake(finished.clone())], "cuts {cuts:?}");
        assert!(!decoder.is_skipping_early_data());
    }
    // The record that opened started the client's next flight: one that
    // fails to open after it is bad_record_mac, not skipped.
    let mut stream = finished_record;
    stream.extend_from_slice(&early_records(1, 100));
    let err = decode_all(&mut decoder, &stream).unwrap_err();
    assert_eq!(err, RecordError::BadRecordMac);
    assert_eq!(err.alert(), AlertDescription::BAD_RECORD_MAC);
}

#[test]
fn the_bound_counts_whole_records_and_no_more_is_skipped() {
    let (finished, finished_record) = client_finished();
    // Exactly the bound, in one record as long as a header may announce
    // (longer than any these AEADs make, so its bytes are opaque): skipped.
    let mut stream = opaque_records(1, MAX_SKIPPED_EARLY_DATA);
    stream.extend_from_slice(&finished_record);
    let mut decoder = after_server_hello();
    assert_eq!(
        decode_all(&mut decoder, &stream).unwrap(),
        [Got::Handshake(finished.clone())]
    );
    // The same bytes in records of 1,000 and the rest: skipped too.
    let mut stream = early_records(16, 1_000);
    stream.extend_from_slice(&early_records(1, MAX_SKIPPED_EARLY_DATA - 16_000));
    stream.extend_from_slice(&finished_record);
    let mut decoder = after_server_hello();
    assert_eq!(
        decode_all(&mut decoder, &stream).unwrap(),
        [Got::Handshake(finished)]
    );
    // One byte more: the record that passes the bound fails as any record
    // that does not open, and the decoder stays failed.
    let mut stream = early_records(16, 1_000);
    stream.extend_from_slice(&early_records(1, MAX_SKIPPED_EARLY_DATA - 16_000 + 1));
    stream.extend_from_slice(&finished_record);
    let mut decoder = after_server_hello();
    assert_eq!(
        decode_all(&mut decoder, &stream).unwrap_err(),
        RecordError::BadRecordMac
    );
    assert_eq!(
        decoder.decode(&mut finished_record.clone()).unwrap_err(),
        RecordError::BadRecordMac
    );
}

#[test]
fn without_early_data_a_record_that_fails_to_open_is_refused_at_once() {
    let (_, finished_record) = client_finished();
    let mut stream = early_records(1, 100);
    stream.extend_from_slice(&finished_record);
    let mut decoder = protected_decoder13(ALGORITHM);
    assert!(!decoder.is_skipping_early_data());
    assert_eq!(
        decode_all(&mut decoder, &stream).unwrap_err(),
        RecordError::BadRecordMac
    );
}

#[test]
fn skipping_undecryptable_records_drops_nothing_else() {
    // A plaintext alert under TLS 1.3 keys is refused as ever: only
    // application_data records are ever tried and dropped.
    let mut decoder = after_server_hello();
    let mut stream = early_records(1, 100);
    stream.extend_from_slice(&record(21, [3, 3], &[2, 40]));
    assert_eq!(
        decode_all(&mut decoder, &stream).unwrap_err(),
        RecordError::UnexpectedContentType {
            content_type: ContentType::ALERT
        }
    );
    // The middlebox change_cipher_spec is dropped as usual, and skipping
    // goes on after it.
    let mut decoder = after_server_hello();
    decoder.set_middlebox_ccs_allowed(true);
    let (finished, finished_record) = client_finished();
    let mut stream = early_records(1, 100);
    stream.extend_from_slice(&record(20, [3, 3], &[1]));
    stream.extend_from_slice(&early_records(1, 100));
    stream.extend_from_slice(&finished_record);
    assert_eq!(
        decode_all(&mut decoder, &stream).unwrap(),
        [Got::Handshake(finished)]
    );
}

#[test]
fn a_new_key_ends_skipping() {
    let mut decoder = after_server_hello();
    decoder
        .install_opener(RecordOpener::new(&keys13(ALGORITHM)).unwrap())
        .unwrap();
    assert!(!decoder.is_skipping_early_data());
    assert_eq!(
        decode_all(&mut decoder, &early_records(1, 100)).unwrap_err(),
        RecordError::BadRecordMac
    );
}

#[test]
fn after_a_hello_retry_request_application_data_is_skipped_until_client_hello2() {
    let hello = handshake_message(CLIENT_HELLO, 200);
    let mut stream = opaque_records(3, 500);
    // The client's middlebox change_cipher_spec may come among them.
    stream.extend_from_slice(&record(20, [3, 3], &[1]));
    stream.extend_from_slice(&opaque_records(1, 40));
    stream.extend_from_slice(&record(22, [3, 3], &hello));
    for cuts in [&[stream.len()][..], &[1], &[13, 499]] {
        let mut decoder = after_hello_retry_request();
        let got = decode_stream(&mut decoder, &stream, cuts, 4096).unwrap();
        assert_eq!(got, [Got::Handshake(hello.clone())], "cuts {cuts:?}");
        assert!(!decoder.is_skipping_early_data());
    }
    // ClientHello2 ended the skipping: application data after it is
    // unprotected application data, refused.
    let mut decoder = after_hello_retry_request();
    let mut stream = record(22, [3, 3], &hello);
    stream.extend_from_slice(&opaque_records(1, 40));
    let err = decode_all(&mut decoder, &stream).unwrap_err();
    assert_eq!(err, RecordError::UnprotectedApplicationData);
    assert_eq!(err.alert(), AlertDescription::UNEXPECTED_MESSAGE);
}

#[test]
fn after_a_hello_retry_request_the_bound_holds_too() {
    let hello = handshake_message(CLIENT_HELLO, 200);
    let mut stream = opaque_records(1, MAX_SKIPPED_EARLY_DATA);
    stream.extend_from_slice(&record(22, [3, 3], &hello));
    let mut decoder = after_hello_retry_request();
    assert_eq!(
        decode_all(&mut decoder, &stream).unwrap(),
        [Got::Handshake(hello.clone())]
    );
    let mut stream = opaque_records(1, MAX_SKIPPED_EARLY_DATA);
    stream.extend_from_slice(&opaque_records(1, HEADER_LEN + 1));
    stream.extend_from_slice(&record(22, [3, 3], &hello));
    let mut decoder = after_hello_retry_request();
    assert_eq!(
        decode_all(&mut decoder, &stream).unwrap_err(),
        RecordError::UnprotectedApplicationData
    );
}

#[test]
fn application_data_inside_a_split_client_hello2_is_not_skipped() {
    // ClientHello2's first record ends the skipping: a record between its
    // fragments is refused (RFC 8446 §5.1), not dropped.
    let hello = handshake_message(CLIENT_HELLO, 200);
    let mut stream = opaque_records(1, 40);
    stream.extend_from_slice(&record(22, [3, 3], &hello[..16]));
    stream.extend_from_slice(&opaque_records(1, 40));
    stream.extend_from_slice(&record(22, [3, 3], &hello[16..]));
    let mut decoder = after_hello_retry_request();
    assert_eq!(
        decode_all(&mut decoder, &stream).unwrap_err(),
        RecordError::InterleavedHandshake {
            content_type: ContentType::APPLICATION_DATA
        }
    );
}

#[test]
fn skipping_unread_needs_no_key_installed() {
    // Asked for with a key installed, the HelloRetryRequest rule skips
    // nothing: protected records are tried and judged as ever.
    let mut decoder = protected_decoder13(ALGORITHM);
    decoder.skip_rejected_early_data(EarlyDataSkip::ApplicationData);
    assert_eq!(
        decode_all(&mut decoder, &early_records(1, 100)).unwrap_err(),
        RecordError::BadRecordMac
    );
    // And the ServerHello rule with no key installed skips nothing either.
    let mut decoder = RecordDecoder::new();
    decoder.skip_rejected_early_data(EarlyDataSkip::Undecryptable);
    assert_eq!(
        decode_all(&mut decoder, &opaque_records(1, 40)).unwrap_err(),
        RecordError::UnprotectedApplicationData
    );
}

#[test]
fn a_tls12_key_never_skips() {
    let mut decoder = protected_decoder(ALGORITHM);
    decoder.skip_rejected_early_data(EarlyDataSkip::Undecryptable);
    let records = sealed_data(AeadAlgorithm::ChaCha20Poly1305, &[b"not under this key"]);
    assert_eq!(
        decode_all(&mut decoder, &records[0]).unwrap_err(),
        RecordError::BadRecordMac
    );
}

#[test]
fn the_buffered_reader_skips_as_the_decoder_does() {
    let (finished, finished_record) = client_finished();
    let (_, mut reader) = protected_pair13(ALGORITHM);
    reader.skip_rejected_early_data(EarlyDataSkip::Undecryptable);
    reader.feed(&early_records(2, 300));
    reader.feed(&finished_record);
    assert_eq!(drain(&mut reader).unwrap(), [Got::Handshake(finished)]);
}
