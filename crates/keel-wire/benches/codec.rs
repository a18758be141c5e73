//! Decode and encode a typical ClientHello and a full server flight, both
//! taken from real captures (`tests/data/captures`): openssl s_client's
//! ClientHello (SNI, ALPN, 28 suites) and openssl s_server's flight
//! ServerHello, Certificate (2 certs), ServerKeyExchange, ServerHelloDone,
//! NewSessionTicket; and a TLS 1.3 ClientHello (openssl s_client -tls1_3:
//! supported_versions, key_share, psk_key_exchange_modes), decoded as TLS
//! 1.3 reads it.
//!
//! Run: `cargo bench -p keel-wire --bench codec`.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use keel_wire::framing::{HandshakeHeader, RecordHeader};
use keel_wire::{Codec, HandshakeMessage};

/// The handshake messages of a capture file, each with its header.
fn raw_messages(name: &str) -> Vec<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/captures")
        .join(name);
    let bytes = std::fs::read(path).unwrap();
    let mut stream = Vec::new();
    let mut rest = bytes.as_slice();
    while let Some(header) = RecordHeader::peek(rest) {
        let end = RecordHeader::LEN + usize::from(header.length);
        if header.content_type == keel_wire::registry::ContentType::HANDSHAKE {
            stream.extend_from_slice(&rest[RecordHeader::LEN..end]);
        }
        rest = &rest[end..];
    }
    let mut out = Vec::new();
    let mut stream = stream.as_slice();
    while let Some(header) = HandshakeHeader::peek(stream) {
        let len = HandshakeHeader::LEN + header.body_len();
        out.push(stream[..len].to_vec());
        stream = &stream[len..];
    }
    out
}

fn bench(c: &mut Criterion) {
    let hello = raw_messages("openssl_ecdsa_sni_alpn.c2s.bin").swap_remove(0);
    let flight = raw_messages("openssl_ecdsa_sni_alpn.s2c.bin");
    let flight_bytes: usize = flight.iter().map(Vec::len).sum();

    let mut group = c.benchmark_group("client_hello");
    group.throughput(Throughput::Bytes(hello.len() as u64));
    group.bench_function("decode", |b| {
        b.iter(|| HandshakeMessage::decode(black_box(&hello)).unwrap())
    });
    let decoded = HandshakeMessage::decode(&hello).unwrap();
    let mut out = Vec::with_capacity(hello.len());
    group.bench_function("encode", |b| {
        b.iter(|| {
            out.clear();
            black_box(&decoded).encode_into(&mut out).unwrap();
        });
    });
    group.finish();

    let hello13 = raw_messages("tls13_openssl.c2s.bin").swap_remove(0);
    let tls13 = keel_wire::registry::ProtocolVersion::TLS_V1_3;
    let mut group = c.benchmark_group("client_hello_tls13");
    group.throughput(Throughput::Bytes(hello13.len() as u64));
    group.bench_function("decode", |b| {
        b.iter(|| HandshakeMessage::decode_in(tls13, black_box(&hello13)).unwrap())
    });
    let decoded = HandshakeMessage::decode_in(tls13, &hello13).unwrap();
    let mut out = Vec::with_capacity(hello13.len());
    group.bench_function("encode", |b| {
        b.iter(|| {
            out.clear();
            black_box(&decoded).encode_into(&mut out).unwrap();
        });
    });
    group.finish();

    let mut group = c.benchmark_group("server_flight");
    group.throughput(Throughput::Bytes(flight_bytes as u64));
    group.bench_function("decode", |b| {
        b.iter(|| {
            for message in &flight {
                black_box(HandshakeMessage::decode(black_box(message)).unwrap());
            }
        });
    });
    let decoded: Vec<HandshakeMessage> = flight
        .iter()
        .map(|m| HandshakeMessage::decode(m).unwrap())
        .collect();
    let mut out = Vec::with_capacity(flight_bytes);
    group.bench_function("encode", |b| {
        b.iter(|| {
            out.clear();
            for message in black_box(&decoded) {
                message.encode_into(&mut out).unwrap();
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
