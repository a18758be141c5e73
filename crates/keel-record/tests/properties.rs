//! Properties of the record layer over any input shape: any plaintext in
//! any record sizes comes back intact, any single flipped bit is refused,
//! how the bytes are chunked on arrival changes nothing, and the in-place
//! decoder in a caller's buffer reads what the buffered reader reads.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use keel_record::limits::MAX_RECORD_LEN;
use keel_record::{RecordDecoder, RecordError, RecordReader, RecordWriter};
use keel_wire::Alert;
use keel_wire::registry::{AlertDescription, AlertLevel};
use proptest::prelude::*;

fn algorithm() -> impl Strategy<Value = keel_record::AeadAlgorithm> {
    proptest::sample::select(ALGORITHMS.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn any_plaintext_in_any_record_sizes_comes_back(
        algorithm in algorithm(),
        writes in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..3000), 1..8),
        fragment in 64usize..=16384,
    ) {
        let (mut writer, mut reader) = protected_pair(algorithm);
        writer.set_max_fragment(fragment);
        let mut wire = Vec::new();
        for w in &writes {
            writer.write_application_data(w, &mut wire).unwrap();
        }
        reader.feed(&wire);
        let got = drain(&mut reader).unwrap();
        prop_assert_eq!(joined_data(&got), writes.concat());
        // Each record respects the fragment limit.
        for item in &got {
            if let Got::Data(d) = item { prop_assert!(d.len() <= fragment); }
        }
        prop_assert_eq!(reader.buffered_len(), 0);
    }

    #[test]
    fn chunking_of_arrival_changes_nothing(
        algorithm in algorithm(),
        sizes in proptest::collection::vec(1usize..40000, 1..4),
        cuts in proptest::collection::vec(1usize..700, 1..64),
        protected in any::<bool>(),
    ) {
        // A mixed stream: handshake messages of many sizes (some split over
        // records), a CCS, an alert, application data.
        let (mut writer, mut reader_whole, mut reader_chunked) = if protected {
            let (w, r) = protected_pair(algorithm);
            let (_, r2) = protected_pair(algorithm);
            (w, r, r2)
        } else {
            (RecordWriter::new(), RecordReader::new(), RecordReader::new())
        };
        let mut wire = Vec::new();
        for (i, size) in sizes.iter().enumerate() {
            writer.write_handshake(&handshake_message(u8::try_from(i + 1).unwrap(), *size), &mut wire).unwrap();
        }
        writer.write_change_cipher_spec(&mut wire).unwrap();
        writer.write_alert(Alert { level: AlertLevel::WARNING, description: AlertDescription::CLOSE_NOTIFY }, &mut wire).unwrap();
        if protected {
            writer.write_application_data(&vec![7u8; 20000], &mut wire).unwrap();
        }

        reader_whole.feed(&wire);
        let whole = drain(&mut reader_whole).unwrap();

        let mut chunked = Vec::new();
        let mut rest = wire.as_slice();
        let mut cut = cuts.iter().cycle();
        while !rest.is_empty() {
            let n = (*cut.next().unwrap()).min(rest.len());
            reader_chunked.feed(&rest[..n]);
            rest = &rest[n..];
            chunked.extend(drain(&mut reader_chunked).unwrap());
        }
        // Application data may be cut differently, everything else not.
        let not_data = |v: &[Got]| v.iter().filter(|g| !matches!(g, Got::Data(_))).cloned().collect::<Vec<_>>();
        prop_assert_eq!(not_data(&chunked), not_data(&whole));
        prop_assert_eq!(joined_data(&chunked), joined_data(&whole));
        let expected: Vec<Got> = sizes.iter().enumerate()
            .map(|(i, s)| Got::Handshake(handshake_message(u8::try_from(i + 1).unwrap(), *s))).collect();
        prop_assert_eq!(&not_data(&whole)[..sizes.len()], &expected[..]);
    }

    #[test]
    fn the_decoder_in_a_caller_buffer_reads_what_the_reader_reads(
        algorithm in algorithm(),
        sizes in proptest::collection::vec(1usize..40000, 1..4),
        data in proptest::collection::vec(0usize..20000, 0..4),
        cuts in proptest::collection::vec(1usize..20000, 1..64),
        spare in 0usize..20000,
        protected in any::<bool>(),
    ) {
        // The same kind of mixed stream as above, with application data of
        // any sizes (empty writes make no record).
        let (mut writer, mut reader, mut decoder) = if protected {
            let (w, r) = protected_pair(algorithm);
            (w, r, protected_decoder(algorithm))
        } else {
            (RecordWriter::new(), RecordReader::new(), RecordDecoder::new())
        };
        let mut wire = Vec::new();
        for (i, size) in sizes.iter().enumerate() {
            writer.write_handshake(&handshake_message(u8::try_from(i + 1).unwrap(), *size), &mut wire).unwrap();
        }
        writer.write_change_cipher_spec(&mut wire).unwrap();
        if protected {
            for (i, len) in data.iter().enumerate() {
                writer.write_application_data(&vec![u8::try_from(i).unwrap(); *len], &mut wire).unwrap();
            }
        }
        writer.write_alert(Alert { level: AlertLevel::WARNING, description: AlertDescription::CLOSE_NOTIFY }, &mut wire).unwrap();

        reader.feed(&wire);
        let buffered = drain(&mut reader).unwrap();
        // A buffer that holds the largest record and maybe more; filled in
        // pieces of any size.
        let in_place = decode_stream(&mut decoder, &wire, &cuts, MAX_RECORD_LEN + spare).unwrap();
        // Items match one for one, application data included: both hand
        // out one item per record.
        prop_assert_eq!(&in_place, &buffered);
        let data_records: usize = if protected { data.iter().map(|l| l.div_ceil(16384)).sum() } else { 0 };
        prop_assert_eq!(in_place.len(), sizes.len() + 2 + data_records);
        prop_assert!(!decoder.has_partial_handshake());
    }

    #[test]
    fn any_single_flipped_bit_in_a_protected_record_is_refused(
        algorithm in algorithm(),
        data in proptest::collection::vec(any::<u8>(), 1..2000),
        bit in any::<proptest::sample::Index>(),
    ) {
        let (mut writer, mut reader) = protected_pair(algorithm);
        let mut wire = Vec::new();
        writer.write_application_data(&data, &mut wire).unwrap();
        let bit = bit.index(wire.len() * 8);
        wire[bit / 8] ^= 1 << (bit % 8);
        reader.feed(&wire);
        let result = drain(&mut reader);
        // A flip in the header changes type, version or length, which the
        // deframer or the authenticator refuses (or a longer length waits
        // for bytes that never come); a flip anywhere else fails the tag.
        // Never is any plaintext released.
        match result {
            Err(err) => prop_assert!(matches!(
                err,
                RecordError::BadRecordMac
                    | RecordError::UnexpectedContentType { .. }
                    | RecordError::BadVersion { .. }
                    | RecordError::RecordOverflow { .. }
            ), "{err:?}"),
            Ok(items) => {
                prop_assert!(items.is_empty(), "released {items:?}");
                prop_assert!(bit < 40, "only a header flip can leave the record incomplete");
            }
        }
    }
}
