//! Record protection against the raw cipher, in one run: seal and open of
//! 16 KiB records for the three AEADs, next to aws-lc-rs sealing and
//! opening the same buffer with no record layer at all; opening also
//! through the in-place `RecordDecoder`, as a connection reads. The ratio
//! of the raw time to keel's is the record layer's cost
//! (docs/PERFORMANCE.md). The same cases with TLS 1.3 keys
//! (`seal_16k_tls13`, `open_16k_tls13`) show what the inner content type
//! and the padding scan cost beside TLS 1.2.
//!
//! Run: `cargo bench -p keel-record --bench aead`.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;

use aws_lc_rs::aead::{
    AES_128_GCM, AES_256_GCM, Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey,
};
use criterion::measurement::WallTime;
use criterion::{
    BatchSize, BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main,
};
use keel_record::{
    AeadAlgorithm, Decoded, Received, RecordDecoder, RecordOpener, RecordSealer, RecordWriter,
    TrafficKeys,
};
use keel_wire::registry::ContentType;

const RECORD: usize = 16 * 1024;

fn bench(c: &mut Criterion) {
    for (name, algorithm, raw) in [
        ("aes128gcm", AeadAlgorithm::Aes128Gcm, &AES_128_GCM),
        ("aes256gcm", AeadAlgorithm::Aes256Gcm, &AES_256_GCM),
        (
            "chacha20poly1305",
            AeadAlgorithm::ChaCha20Poly1305,
            &CHACHA20_POLY1305,
        ),
    ] {
        let key = vec![0x42; algorithm.key_len()];
        let iv = vec![0x24; algorithm.fixed_iv_len()];
        let keys = TrafficKeys::new(algorithm, &key, &iv).unwrap();
        let raw_key = LessSafeKey::new(UnboundKey::new(raw, &key).unwrap());

        let mut group = c.benchmark_group(format!("seal_16k/{name}"));
        group.throughput(Throughput::Bytes(RECORD as u64));
        let mut raw_buf = vec![0xab; RECORD];
        group.bench_function("raw_aws_lc", |b| {
            b.iter(|| {
                let nonce = Nonce::assume_unique_for_key([7; 12]);
                raw_key
                    .seal_in_place_separate_tag(
                        nonce,
                        Aad::from([0u8; 13]),
                        black_box(&mut raw_buf),
                    )
                    .unwrap()
            });
        });
        let mut sealer = RecordSealer::new(&keys).unwrap();
        let mut record = vec![0xab; RECORD + sealer.overhead()];
        group.bench_function("keel_in_place", |b| {
            b.iter(|| {
                sealer
                    .seal_in_place(
                        ContentType::APPLICATION_DATA,
                        keel_record::RECORD_VERSION,
                        black_box(&mut record),
                        RECORD,
                    )
                    .unwrap()
            });
        });
        let mut writer = RecordWriter::new();
        writer.install_sealer(RecordSealer::new(&keys).unwrap());
        let plaintext = vec![0xab; RECORD];
        let mut out = Vec::with_capacity(RECORD + 64);
        group.bench_function("keel_buffered_writer", |b| {
            b.iter(|| {
                out.clear();
                writer
                    .write_application_data(black_box(&plaintext), &mut out)
                    .unwrap();
            });
        });
        group.finish();

        let mut group = c.benchmark_group(format!("open_16k/{name}"));
        group.throughput(Throughput::Bytes(RECORD as u64));
        let mut sealed_raw = vec![0xab; RECORD];
        let tag = raw_key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key([7; 12]),
                Aad::from([0u8; 13]),
                &mut sealed_raw,
            )
            .unwrap();
        sealed_raw.extend_from_slice(tag.as_ref());
        group.bench_function("raw_aws_lc", |b| {
            b.iter_batched_ref(
                || sealed_raw.clone(),
                |buf| {
                    let nonce = Nonce::assume_unique_for_key([7; 12]);
                    raw_key
                        .open_in_place(nonce, Aad::from([0u8; 13]), buf)
                        .unwrap()
                        .len()
                },
                BatchSize::SmallInput,
            );
        });
        // Same buffer offset as a record's ciphertext (5-byte header +
        // 8-byte explicit nonce), to separate alignment effects from the
        // record layer's own cost.
        let mut sealed_raw_offset = vec![0u8; 13];
        sealed_raw_offset.extend_from_slice(&sealed_raw);
        group.bench_function("raw_aws_lc_offset13", |b| {
            b.iter_batched_ref(
                || sealed_raw_offset.clone(),
                |buf| {
                    let nonce = Nonce::assume_unique_for_key([7; 12]);
                    raw_key
                        .open_in_place(nonce, Aad::from([0u8; 13]), &mut buf[13..])
                        .unwrap()
                        .len()
                },
                BatchSize::SmallInput,
            );
        });
        // One long-lived opener, as on a connection; the setup seals each
        // input with a sealer whose sequence number moves in lockstep
        // (criterion runs every setup input through the routine, in order).
        keel_open(&mut group, &keys);
        group.finish();

        bench_tls13(c, name, algorithm, &key);
    }
}

/// TLS 1.3 records of 16 KiB of content: sealing in place and through the
/// buffered writer; opening in place (the inner type found behind the
/// content) and through the decoder.
fn bench_tls13(c: &mut Criterion, name: &str, algorithm: AeadAlgorithm, key: &[u8]) {
    let keys = TrafficKeys::new_tls13(algorithm, key, &[0x24; 12]).unwrap();

    let mut group = c.benchmark_group(format!("seal_16k_tls13/{name}"));
    group.throughput(Throughput::Bytes(RECORD as u64));
    let mut sealer = RecordSealer::new(&keys).unwrap();
    let mut record = vec![0xab; RECORD + sealer.overhead()];
    group.bench_function("keel_in_place", |b| {
        b.iter(|| {
            sealer
                .seal_in_place(
                    ContentType::APPLICATION_DATA,
                    keel_record::RECORD_VERSION,
                    black_box(&mut record),
                    RECORD,
                )
                .unwrap()
        });
    });
    let mut writer = RecordWriter::new();
    writer.install_sealer(RecordSealer::new(&keys).unwrap());
    let plaintext = vec![0xab; RECORD];
    let mut out = Vec::with_capacity(RECORD + 64);
    group.bench_function("keel_buffered_writer", |b| {
        b.iter(|| {
            out.clear();
            writer
                .write_application_data(black_box(&plaintext), &mut out)
                .unwrap();
        });
    });
    group.finish();

    let mut group = c.benchmark_group(format!("open_16k_tls13/{name}"));
    group.throughput(Throughput::Bytes(RECORD as u64));
    keel_open(&mut group, &keys);
    group.finish();
}

/// The keel rows of an open group, for either record protection: a record
/// opened in place (`open_record_in_place`: for TLS 1.2 exactly
/// `open_in_place`, for TLS 1.3 the inner type found behind the content),
/// and the same through the in-place decoder (deframing, the record checks
/// and the plaintext slice handed out, as a connection reads). Each input
/// is sealed by a sealer whose sequence number moves in lockstep with the
/// opener's (criterion runs every setup input through the routine, in
/// order).
fn keel_open(group: &mut BenchmarkGroup<'_, WallTime>, keys: &TrafficKeys) {
    let mut opener = RecordOpener::new(keys).unwrap();
    let mut sealed = sealing(keys);
    group.bench_function("keel_in_place", |b| {
        b.iter_batched_ref(
            &mut sealed,
            |record| {
                opener
                    .open_record_in_place(
                        ContentType::APPLICATION_DATA,
                        keel_record::RECORD_VERSION,
                        &mut record[5..],
                    )
                    .unwrap()
                    .1
                    .len()
            },
            BatchSize::SmallInput,
        );
    });
    let mut decoder = RecordDecoder::new();
    decoder.set_version_negotiated();
    decoder
        .install_opener(RecordOpener::new(keys).unwrap())
        .unwrap();
    let mut sealed = sealing(keys);
    group.bench_function("keel_decoder", |b| {
        b.iter_batched_ref(
            &mut sealed,
            |record| match decoder.decode(record).unwrap() {
                Decoded::Item {
                    item: Received::ApplicationData(data),
                    ..
                } => data.len(),
                other => panic!("{other:?}"),
            },
            BatchSize::SmallInput,
        );
    });
}

/// A fresh sealer's records of 16 KiB of application data, one per call,
/// its sequence number starting at 0 like a fresh opener's.
fn sealing(keys: &TrafficKeys) -> impl FnMut() -> Vec<u8> {
    let mut sealer = RecordSealer::new(keys).unwrap();
    let template = vec![0xab; RECORD + sealer.overhead()];
    move || {
        let mut record = template.clone();
        sealer
            .seal_in_place(
                ContentType::APPLICATION_DATA,
                keel_record::RECORD_VERSION,
                &mut record,
                RECORD,
            )
            .unwrap();
        record
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
