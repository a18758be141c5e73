//! `keel-bench-memory [LIB] [N] [VERSION]`: the heap each side of an
//! established connection holds, for LIB `keel` (the default) or `rustls`,
//! under VERSION `tls12` (the default) or `tls13`, measured with dhat's
//! heap statistics over N connection pairs (100 by default):
//! the bytes live after N handshakes complete, then after the servers are
//! dropped (what the clients hold), divided by N. Prints `client=BYTES
//! server=BYTES`. A binary of its own because dhat must be the global
//! allocator, which would slow the timed scenarios of `keel-bench compare`
//! down.

#![allow(clippy::unwrap_used)]

use clap::Parser;
use keel_bench::cli::{Lib, MemoryCli};
use keel_bench::scenario::Setup;
use keel_bench::{keel_side, rustls_side};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn live() -> u64 {
    dhat::HeapStats::get().curr_bytes as u64
}

fn main() {
    let MemoryCli { lib, n, version } = MemoryCli::parse();
    let _profiler = dhat::Profiler::builder().testing().build();
    let setup = Setup::full(version, keel_bench::pki::KeyKind::EcdsaP256);
    let (client, server) = match lib {
        Lib::Keel => measure(n, keel_side::configs(setup), keel_side::established),
        Lib::Rustls => measure(n, rustls_side::configs(setup), rustls_side::established),
    };
    println!("client={client} server={server}");
}

/// Heap per client and per server over `n` established pairs, each
/// connection's own struct included (an application keeps it somewhere).
fn measure<C, S, Cfg>(n: u64, configs: Cfg, establish: fn(&Cfg) -> (C, S)) -> (u64, u64) {
    // One pair first, so that lazily made state (the configs' caches, the
    // crypto library's tables) is not counted as per-connection memory.
    drop(establish(&configs));
    let before = live();
    let count = usize::try_from(n).unwrap();
    let (mut clients, mut servers) = (Vec::with_capacity(count), Vec::with_capacity(count));
    for _ in 0..n {
        let (c, s) = establish(&configs);
        clients.push(c);
        servers.push(s);
    }
    let both = live() - before;
    drop(servers);
    let clients_only = live() - before;
    drop(clients);
    (clients_only / n, (both - clients_only) / n)
}
