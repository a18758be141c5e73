//! Full handshakes in memory through the facade, with the work of each side
//! timed separately: ECDSA P-256 and RSA-2048 server certificates, X25519,
//! TLS_ECDHE_*_WITH_AES_128_GCM_SHA256 (the server's first choice), no
//! client authentication.
//!
//! Every iteration runs a whole handshake between a fresh client and a
//! fresh server; an `Instant` is read around each call into one side
//! (creating the connection, `read_tls`, `write_tls`) and the time is added
//! to that side. `full_handshake/<key>/client` reports the client's share,
//! `.../server` the server's, and `.../both` their sum (the cost of a
//! handshake to a process running both ends), each as time per handshake;
//! the throughput line is handshakes per second for that side alone.
//!
//! Run: `cargo bench -p keel --bench handshake`.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use keel::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};

// The integration tests' private PKI: a P-256 root and leaves of each key
// type. Only part of it is used here.
#[allow(dead_code)]
#[path = "../tests/pki_support/mod.rs"]
mod pki_support;

use pki_support::{KeyType, Usage, ca};

/// Time spent inside each side's calls during one handshake.
#[derive(Debug, Default, Clone, Copy)]
struct Split {
    client: Duration,
    server: Duration,
}

impl Split {
    fn client(self) -> Duration {
        self.client
    }

    fn server(self) -> Duration {
        self.server
    }

    fn both(self) -> Duration {
        self.client + self.server
    }
}

/// Runs `f`, adding the time it took to `total`.
fn timed<T>(total: &mut Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let result = f();
    *total += start.elapsed();
    result
}

/// One full handshake in memory, each side's calls timed apart.
fn handshake(client_config: &Arc<ClientConfig>, server_config: &Arc<ServerConfig>) -> Split {
    let mut split = Split::default();
    let mut client = timed(&mut split.client, || {
        ClientConnection::new(Arc::clone(client_config), "localhost").unwrap()
    });
    let mut server = timed(&mut split.server, || {
        ServerConnection::new(Arc::clone(server_config))
    });
    let mut wire = Vec::with_capacity(8192);
    for _ in 0..10 {
        timed(&mut split.client, || client.write_tls(&mut wire));
        if !wire.is_empty() {
            let taken = timed(&mut split.server, || server.read_tls(&wire).unwrap());
            assert_eq!(taken, wire.len());
            wire.clear();
        }
        timed(&mut split.server, || server.write_tls(&mut wire));
        if !wire.is_empty() {
            let taken = timed(&mut split.client, || client.read_tls(&wire).unwrap());
            assert_eq!(taken, wire.len());
            wire.clear();
        }
        if !client.is_handshaking() && !server.is_handshaking() && !client.wants_write() {
            black_box((client.session(), server.session()));
            return split;
        }
    }
    panic!("the handshake did not complete");
}

fn configs(key: KeyType) -> (Arc<ClientConfig>, Arc<ServerConfig>) {
    let client = ClientConfig::builder()
        .with_root_certificates(ca().trust_store())
        .build()
        .unwrap();
    let server = ServerConfig::builder()
        .with_certificate(ca().leaf(key, &["localhost"], Usage::Server))
        .build()
        .unwrap();
    (client, server)
}

fn full_handshake(c: &mut Criterion) {
    let mut group = c.benchmark_group("full_handshake");
    group.throughput(Throughput::Elements(1));
    for (id, key) in [
        ("ecdsa_p256", KeyType::EcdsaP256),
        ("rsa_2048", KeyType::Rsa2048),
    ] {
        let (client_config, server_config) = configs(key);
        // Check once, outside the measurement, that the pair really
        // completes a handshake.
        handshake(&client_config, &server_config);
        for (side, pick) in [
            ("client", Split::client as fn(Split) -> Duration),
            ("server", Split::server),
            ("both", Split::both),
        ] {
            group.bench_function(format!("{id}/{side}"), |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| pick(handshake(&client_config, &server_config)))
                        .sum()
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, full_handshake);
criterion_main!(benches);
