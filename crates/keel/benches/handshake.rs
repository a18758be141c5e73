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
//! `resumed_handshake/...` times the abbreviated handshake (RFC 5246 §7.3)
//! the same way: the client offers a session the server holds in its
//! cache, so neither side sends or checks a certificate and no key is
//! exchanged. `session_id/...` resumes from the server's cache;
//! `ticket/...` from a ticket (RFC 5077) the server opens and replaces with
//! a fresh one on every resumption, with no server cache.
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
use keel::sessions::{ClientSessionStore, ServerSessionCache, TicketKeys};
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
    handshake_expecting(client_config, server_config, false)
}

/// One handshake in memory that must (or must not) resume a session.
fn handshake_expecting(
    client_config: &Arc<ClientConfig>,
    server_config: &Arc<ServerConfig>,
    resumed: bool,
) -> Split {
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
            let (client_session, server_session) = (client.session(), server.session());
            assert_eq!(client_session.map(|s| s.resumed), Some(resumed));
            assert_eq!(server_session.map(|s| s.resumed), Some(resumed));
            black_box((client_session, server_session));
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

/// Configs sharing a client session store and a server session cache.
fn resuming_configs(key: KeyType) -> (Arc<ClientConfig>, Arc<ServerConfig>) {
    let client = ClientConfig::builder()
        .with_root_certificates(ca().trust_store())
        .with_session_resumption(Arc::new(ClientSessionStore::new(16, 3600)))
        .build()
        .unwrap();
    let server = ServerConfig::builder()
        .with_certificate(ca().leaf(key, &["localhost"], Usage::Server))
        .with_session_cache(Arc::new(ServerSessionCache::new(16, 3600)))
        .build()
        .unwrap();
    (client, server)
}

/// Configs for resumption by ticket only: the server caches nothing.
fn ticket_configs(key: KeyType) -> (Arc<ClientConfig>, Arc<ServerConfig>) {
    let client = ClientConfig::builder()
        .with_root_certificates(ca().trust_store())
        .with_session_resumption(Arc::new(ClientSessionStore::new(16, 3600)))
        .build()
        .unwrap();
    let keys = TicketKeys::new(&[0x42; 32], 3600, 3600).unwrap();
    let server = ServerConfig::builder()
        .with_certificate(ca().leaf(key, &["localhost"], Usage::Server))
        .with_session_tickets(Arc::new(keys))
        .build()
        .unwrap();
    (client, server)
}

fn resumed_handshake(c: &mut Criterion) {
    let mut group = c.benchmark_group("resumed_handshake");
    group.throughput(Throughput::Elements(1));
    // The server's key type does not matter once a session is resumed;
    // one is enough.
    for (id, (client_config, server_config)) in [
        ("session_id", resuming_configs(KeyType::EcdsaP256)),
        ("ticket", ticket_configs(KeyType::EcdsaP256)),
    ] {
        // Prime both stores with one full handshake, then check that the
        // next one really resumes.
        handshake_expecting(&client_config, &server_config, false);
        handshake_expecting(&client_config, &server_config, true);
        for (side, pick) in [
            ("client", Split::client as fn(Split) -> Duration),
            ("server", Split::server),
            ("both", Split::both),
        ] {
            group.bench_function(format!("{id}/{side}"), |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| pick(handshake_expecting(&client_config, &server_config, true)))
                        .sum()
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, full_handshake, resumed_handshake);
criterion_main!(benches);
