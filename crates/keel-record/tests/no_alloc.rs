//! Zero heap allocations per record in steady state, both directions, at
//! every level of the API (buffered reader and writer; decoder and writer
//! in the caller's buffers; sealer and opener alone), for TLS 1.2 and TLS
//! 1.3 records, counted by dhat as the global allocator. One test in this
//! binary on purpose: dhat counts for the whole process.

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
use keel_record::{
    AeadAlgorithm, Decoded, Incoming, Received, RecordOpener, RecordSealer, TrafficKeys,
};
use keel_wire::registry::{ContentType, ProtocolVersion};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const RECORDS: usize = 200;

/// Keys of one record protection, TLS 1.2's or TLS 1.3's.
type MakeKeys = fn(AeadAlgorithm) -> TrafficKeys;

fn allocations() -> u64 {
    dhat::HeapStats::get().total_blocks
}

/// Runs windows of `RECORDS` rounds until one allocates nothing, at most
/// `WINDOWS` of them; returns the fewest allocations seen in a window and
/// how many rounds ran. dhat counts every thread of the process, and the
/// test harness's own threads may allocate now and then on a loaded
/// machine; an allocation per record shows up in every window, so the
/// minimum is the honest figure.
fn quietest_window(mut round: impl FnMut()) -> (u64, usize) {
    const WINDOWS: usize = 3;
    let mut fewest = u64::MAX;
    let mut rounds = 0;
    for _ in 0..WINDOWS {
        let before = allocations();
        for _ in 0..RECORDS {
            round();
        }
        rounds += RECORDS;
        fewest = fewest.min(allocations() - before);
        if fewest == 0 {
            break;
        }
    }
    (fewest, rounds)
}

#[test]
fn records_are_sealed_and_opened_without_allocating() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let plaintext = vec![0x61u8; 16 * 1024];

    let versions: [(&str, MakeKeys); 2] = [("TLS 1.2", keys), ("TLS 1.3", keys13)];
    for ((version, make_keys), algorithm) in versions
        .into_iter()
        .flat_map(|v| ALGORITHMS.map(|a| (v, a)))
    {
        let keys = make_keys(algorithm);
        // Buffered level: writer into a reused Vec, reader fed that Vec.
        let (mut writer, mut reader) = pair_with(&keys);
        let mut wire = Vec::new();
        let mut received = 0usize;
        let mut round = |writer: &mut keel_record::RecordWriter,
                         reader: &mut keel_record::RecordReader| {
            wire.clear();
            writer
                .write_application_data(&plaintext, &mut wire)
                .unwrap();
            reader.feed(&wire);
            while let Some(item) = reader.next_incoming().unwrap() {
                let Incoming::ApplicationData(data) = item else {
                    panic!("{item:?}")
                };
                received += data.len();
            }
        };
        // Warm up: buffers grow to their working size.
        for _ in 0..3 {
            round(&mut writer, &mut reader);
        }
        let (allocated, rounds) = quietest_window(|| round(&mut writer, &mut reader));
        assert_eq!(
            allocated, 0,
            "{version} {algorithm:?}: buffered path allocated"
        );
        assert_eq!(received, (rounds + 3) * plaintext.len());

        // Zero-copy level: the writer seals in the caller's send buffer,
        // the bytes arrive in two pieces in the caller's receive buffer, and
        // the decoder hands out the plaintext there.
        let (mut writer, _) = pair_with(&keys);
        let mut decoder = decoder_with(&keys);
        let mut send = vec![0u8; MAX_RECORD_LEN];
        let mut receive = vec![0u8; 2 * MAX_RECORD_LEN];
        let mut filled = 0;
        let mut received = 0usize;
        let mut round = |writer: &mut keel_record::RecordWriter,
                         decoder: &mut keel_record::RecordDecoder| {
            let window = writer.plaintext_window(send.len()).unwrap();
            let n = window.len().min(plaintext.len());
            send[window.start..window.start + n].copy_from_slice(&plaintext[..n]);
            let len = writer
                .seal_in_place(ContentType::APPLICATION_DATA, &mut send, n)
                .unwrap();
            for piece in [&send[..1000], &send[1000..len]] {
                receive[filled..filled + piece.len()].copy_from_slice(piece);
                filled += piece.len();
                loop {
                    let decoded = decoder.decode(&mut receive[..filled]).unwrap();
                    let consumed = decoded.consumed();
                    let more = match decoded {
                        Decoded::Item {
                            item: Received::ApplicationData(data),
                            ..
                        } => {
                            received += data.len();
                            false
                        }
                        Decoded::NeedMore { .. } => true,
                        other => panic!("{other:?}"),
                    };
                    receive.copy_within(consumed..filled, 0);
                    filled -= consumed;
                    if more {
                        break;
                    }
                }
            }
        };
        for _ in 0..3 {
            round(&mut writer, &mut decoder);
        }
        let (allocated, rounds) = quietest_window(|| round(&mut writer, &mut decoder));
        assert_eq!(
            allocated, 0,
            "{version} {algorithm:?}: zero-copy path allocated"
        );
        assert_eq!(received, (rounds + 3) * plaintext.len());
        assert_eq!(filled, 0);

        // In-place level: one caller buffer, sealed and opened in place (in
        // TLS 1.3 the inner type found behind the content).
        let mut sealer = RecordSealer::new(&keys).unwrap();
        let mut opener = RecordOpener::new(&keys).unwrap();
        let mut buf = vec![0u8; plaintext.len() + sealer.overhead()];
        let (allocated, _) = quietest_window(|| {
            let prefix = sealer.prefix_len();
            buf[prefix..prefix + plaintext.len()].copy_from_slice(&plaintext);
            let len = sealer
                .seal_in_place(
                    ContentType::APPLICATION_DATA,
                    ProtocolVersion::TLS_V1_2,
                    &mut buf,
                    plaintext.len(),
                )
                .unwrap();
            let (content_type, opened) = opener
                .open_record_in_place(
                    ContentType::APPLICATION_DATA,
                    ProtocolVersion::TLS_V1_2,
                    &mut buf[5..len],
                )
                .unwrap();
            assert_eq!(content_type, ContentType::APPLICATION_DATA);
            assert_eq!(opened.len(), plaintext.len());
        });
        assert_eq!(
            allocated, 0,
            "{version} {algorithm:?}: in-place path allocated"
        );
    }
}
