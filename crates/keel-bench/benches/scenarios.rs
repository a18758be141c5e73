//! The scenarios of `keel-bench compare`, keel's side alone, under
//! criterion: for profiling (`perf record`, callgrind) and for
//! before/after figures of one change. Each side's calls are timed apart:
//! `.../client` and `.../server` (the sender and receiver for bulk data).
//!
//! Run: `cargo bench -p keel-bench --bench scenarios [-- FILTER]`.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use keel_bench::keel_side::{self, Bulk};
use keel_bench::scenario::{Aead, Api, HandshakeScenario, Version, WRITE_SIZE};
use keel_bench::timing::Split;

type Pick = fn(Split) -> Duration;
const SIDES: [(&str, Pick); 2] = [("client", |s| s.client), ("server", |s| s.server)];

fn handshakes(c: &mut Criterion) {
    let mut group = c.benchmark_group("handshake");
    group.throughput(Throughput::Elements(1));
    for scenario in HandshakeScenario::ALL {
        let configs = keel_side::configs(scenario.setup());
        let resumed = scenario.resumes();
        if resumed {
            keel_side::handshake(&configs, false);
        }
        for (side, pick) in SIDES {
            group.bench_function(format!("{}/{side}", scenario.name()), |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| pick(keel_side::handshake(&configs, resumed)))
                        .sum()
                });
            });
        }
    }
    group.finish();
}

fn bulk(c: &mut Criterion) {
    let mut group = c.benchmark_group("bulk");
    group.throughput(Throughput::Bytes(WRITE_SIZE as u64));
    let data = vec![0x5au8; WRITE_SIZE];
    let pairs = Version::ALL
        .into_iter()
        .flat_map(|version| Aead::ALL.map(|aead| (version, aead)));
    for (version, aead) in pairs {
        for (api, api_name) in [(Api::Buffered, "buffered"), (Api::ZeroCopy, "zerocopy")] {
            let mut pair = Bulk::new(version, aead, api);
            for (side, pick) in [("send", SIDES[0].1), ("recv", SIDES[1].1)] {
                let name = format!("{}/{}/{api_name}/{side}", version.name(), aead.name());
                group.bench_function(name, |b| {
                    b.iter_custom(|iters| (0..iters).map(|_| pick(pair.once(&data))).sum());
                });
            }
        }
    }
    group.finish();
}

criterion_group!(benches, handshakes, bulk);
criterion_main!(benches);
