//! Properties of TLS 1.3 record protection over any input: arbitrary bytes,
//! alone or after valid records, and valid records with bytes changed,
//! never make the TLS 1.3 decoder panic, whatever pieces they arrive in;
//! and any content with any padding, in any pieces, comes back intact.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use keel_record::limits::{MAX_PLAINTEXT, MAX_RECORD_LEN};
use keel_record::{RecordSealer, TAG_LEN};
use keel_wire::registry::ContentType;
use proptest::prelude::*;

fn algorithm() -> impl Strategy<Value = keel_record::AeadAlgorithm> {
    proptest::sample::select(ALGORITHMS.to_vec())
}

/// Valid TLS 1.3 records under [`keys13`]: handshake, alert, data and
/// padding-only records, with a middlebox change_cipher_spec first.
fn valid_stream(algorithm: keel_record::AeadAlgorithm, padding: usize) -> Vec<u8> {
    let mut sealer = RecordSealer::new(&keys13(algorithm)).unwrap();
    let mut stream = vec![20, 3, 3, 0, 1, 1];
    for (content_type, content) in [
        (ContentType::HANDSHAKE, &[8u8, 0, 0, 2, 0, 0][..]),
        (ContentType::APPLICATION_DATA, &b"some data"[..]),
        (ContentType::APPLICATION_DATA, &[][..]),
        (ContentType::ALERT, &[1, 0][..]),
    ] {
        let mut buf = vec![0u8; sealer.overhead() + content.len() + padding];
        buf[5..5 + content.len()].copy_from_slice(content);
        sealer
            .seal_in_place_with_padding(content_type, &mut buf, content.len(), padding)
            .unwrap();
        stream.extend_from_slice(&buf);
    }
    stream
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_make_the_tls13_decoder_panic(
        algorithm in algorithm(),
        bytes in proptest::collection::vec(any::<u8>(), 0..2000),
        prefix in any::<bool>(),
        allow_ccs in any::<bool>(),
        cuts in proptest::collection::vec(1usize..300, 1..16),
    ) {
        let mut stream = if prefix { valid_stream(algorithm, 3) } else { Vec::new() };
        stream.extend_from_slice(&bytes);
        let mut decoder = protected_decoder13(algorithm);
        decoder.set_middlebox_ccs_allowed(allow_ccs);
        if let Err(err) = decode_stream(&mut decoder, &stream, &cuts, 2 * MAX_RECORD_LEN) {
            // Errors are sticky and name an alert.
            let _ = err.alert();
            let mut again = vec![23, 3, 3, 0, 17];
            again.extend_from_slice(&[0; 17]);
            prop_assert_eq!(decoder.decode(&mut again).unwrap_err(), err);
        }
    }

    #[test]
    fn changed_bytes_in_valid_tls13_records_never_make_the_decoder_panic(
        algorithm in algorithm(),
        padding in 0usize..40,
        changes in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cuts in proptest::collection::vec(1usize..300, 1..16),
    ) {
        let mut stream = valid_stream(algorithm, padding);
        for (at, value) in &changes {
            let i = at.index(stream.len());
            stream[i] = *value;
        }
        let mut decoder = protected_decoder13(algorithm);
        decoder.set_middlebox_ccs_allowed(true);
        let _ = decode_stream(&mut decoder, &stream, &cuts, 2 * MAX_RECORD_LEN);
    }

    #[test]
    fn any_content_with_any_padding_in_any_pieces_comes_back(
        algorithm in algorithm(),
        contents in proptest::collection::vec(
            (proptest::collection::vec(any::<u8>(), 1..3000), 0usize..2000),
            1..6,
        ),
        cuts in proptest::collection::vec(1usize..5000, 1..16),
    ) {
        let mut sealer = RecordSealer::new(&keys13(algorithm)).unwrap();
        let mut stream = Vec::new();
        for (content, padding) in &contents {
            let padding = (*padding).min(MAX_PLAINTEXT - content.len());
            let mut buf = vec![0u8; sealer.overhead() + content.len() + padding];
            buf[5..5 + content.len()].copy_from_slice(content);
            let len = sealer
                .seal_in_place_with_padding(ContentType::APPLICATION_DATA, &mut buf, content.len(), padding)
                .unwrap();
            prop_assert_eq!(len, 5 + content.len() + 1 + padding + TAG_LEN);
            stream.extend_from_slice(&buf);
        }
        let mut decoder = protected_decoder13(algorithm);
        let got = decode_stream(&mut decoder, &stream, &cuts, 2 * MAX_RECORD_LEN).unwrap();
        let expected: Vec<Got> = contents.iter().map(|(c, _)| Got::Data(c.clone())).collect();
        prop_assert_eq!(got, expected);
    }
}
