//! `keel-bench compare [--quick]`: every scenario for keel and then rustls,
//! alternating over a few rounds so that the machine's drift touches both,
//! one line per scenario with the medians:
//!
//! `SCENARIO<TAB>keel=VALUE UNIT<TAB>rustls=VALUE UNIT<TAB>advantage=RATIO`
//!
//! where advantage > 1 means keel is better (a higher rate, or less
//! memory). Handshake scenarios time each side's calls apart; bulk
//! scenarios time the sender and the receiver apart; keel moves bulk data
//! through its buffered API and, on separate lines, its zero-copy API;
//! rustls through its buffered API.
//!
//! `keel-bench profile LIB SCENARIO N` runs one scenario N times for one
//! library and nothing else, for `perf record` or callgrind; SCENARIO is
//! `full_handshake/ecdsa_p256`, `full_handshake/rsa2048`,
//! `resumed/session_id` or `resumed/ticket`.
//!
//! The command line is parsed by clap ([`keel_bench::cli`]); a usage error
//! exits with status 2.

use std::process::{Command, ExitCode};
use std::time::Duration;

use clap::Parser;
use keel_bench::caps::{self, Caps};
use keel_bench::cli::{BenchCli, BenchCommand, Lib, ProfileScenario};
use keel_bench::pki::KeyKind;
use keel_bench::scenario::{Aead, Api, Resumption, WRITE_SIZE, key_name};
use keel_bench::timing::{Split, median, repeat};
use keel_bench::{keel_side, rustls_side};

/// How long and how often.
#[derive(Debug, Clone, Copy)]
struct Plan {
    rounds: usize,
    /// Time (both sides together) each library gets per scenario per round.
    budget: Duration,
    /// Connection pairs for the memory measurement.
    memory_pairs: u64,
}

/// Per-round values of one scenario line, keel's and rustls's.
#[derive(Debug, Default)]
struct Line {
    name: String,
    unit: &'static str,
    higher_is_better: bool,
    keel: Vec<f64>,
    rustls: Vec<f64>,
}

fn main() -> ExitCode {
    let quick = match BenchCli::parse().command {
        BenchCommand::Compare { quick } => quick,
        BenchCommand::Profile { lib, scenario, n } => return profile(lib, scenario, n),
    };
    let plan = if quick {
        Plan {
            rounds: 3,
            budget: Duration::from_millis(150),
            memory_pairs: 50,
        }
    } else {
        Plan {
            rounds: 5,
            budget: Duration::from_millis(600),
            memory_pairs: 200,
        }
    };
    settle_allocator();
    let mut lines = Vec::new();
    handshakes(plan, &mut lines);
    bulk(plan, &mut lines);
    if let Err(e) = memory(plan, &mut lines) {
        eprintln!("memory: {e}");
        return ExitCode::FAILURE;
    }
    report(&lines);
    report_caps(&lines, &caps::measure(plan.budget));
    ExitCode::SUCCESS
}

/// Puts glibc's malloc in the state a long-running program's is in before
/// anything is measured. Until the first large (mmap-served) block is
/// freed, glibc returns the top of the heap to the kernel after frees
/// (its trim threshold starts at 128 KiB), so a library that allocates a
/// buffer per record faults fresh pages in for every megabyte it sends;
/// freeing such a block raises the thresholds for the rest of the process.
/// Without this, whichever bulk scenario ran first measured rustls at a
/// quarter of its speed (1.6 against 6.1 GB/s), whatever its cipher.
fn settle_allocator() {
    let block = std::hint::black_box(vec![1u8; 8 << 20]);
    drop(block);
}

fn profile(lib: Lib, scenario: ProfileScenario, n: u64) -> ExitCode {
    let (kind, resumption) = scenario.setup();
    let mut total = Split::default();
    match lib {
        Lib::Keel => {
            let configs = keel_side::configs(kind, Aead::Aes128Gcm, resumption);
            if resumption.is_some() {
                keel_side::handshake(&configs, false);
            }
            for _ in 0..n {
                total.add(keel_side::handshake(&configs, resumption.is_some()));
            }
        }
        Lib::Rustls => {
            let configs = rustls_side::configs(kind, Aead::Aes128Gcm, resumption);
            if resumption.is_some() {
                rustls_side::handshake(&configs, false);
            }
            for _ in 0..n {
                total.add(rustls_side::handshake(&configs, resumption.is_some()));
            }
        }
    }
    let (client, server) = rates(total, n);
    let (lib, scenario) = (lib.name(), scenario.name());
    println!("{lib} {scenario}: client {client:.0}/s, server {server:.0}/s over {n}");
    ExitCode::SUCCESS
}

fn line<'a>(
    lines: &'a mut Vec<Line>,
    name: &str,
    unit: &'static str,
    higher_is_better: bool,
) -> &'a mut Line {
    if !lines.iter().any(|l| l.name == name) {
        lines.push(Line {
            name: name.to_owned(),
            unit,
            higher_is_better,
            ..Line::default()
        });
    }
    lines
        .iter_mut()
        .find(|l| l.name == name)
        .unwrap_or_else(|| unreachable!("pushed above"))
}

/// Handshakes per second for each side, from a summed split over `n`.
fn rates(split: Split, n: u64) -> (f64, f64) {
    let per = |d: Duration| n as f64 / d.as_secs_f64().max(1e-12);
    (per(split.client), per(split.server))
}

fn handshakes(plan: Plan, lines: &mut Vec<Line>) {
    let full = [KeyKind::EcdsaP256, KeyKind::Rsa2048].map(|kind| {
        let keel = keel_side::configs(kind, Aead::Aes128Gcm, None);
        let rustls = rustls_side::configs(kind, Aead::Aes128Gcm, None);
        (format!("full_handshake/{}", key_name(kind)), keel, rustls)
    });
    let resumed = [
        (Resumption::SessionId, "session_id"),
        (Resumption::Ticket, "ticket"),
    ]
    .map(|(by, id)| {
        let keel = keel_side::configs(KeyKind::EcdsaP256, Aead::Aes128Gcm, Some(by));
        let rustls = rustls_side::configs(KeyKind::EcdsaP256, Aead::Aes128Gcm, Some(by));
        // A full handshake fills the stores first.
        keel_side::handshake(&keel, false);
        rustls_side::handshake(&rustls, false);
        (format!("resumed/{id}"), keel, rustls)
    });
    for round in 0..plan.rounds {
        for (name, keel, rustls) in &full {
            record(
                plan,
                lines,
                name,
                round,
                || keel_side::handshake(keel, false),
                || rustls_side::handshake(rustls, false),
            );
        }
        for (name, keel, rustls) in &resumed {
            record(
                plan,
                lines,
                name,
                round,
                || keel_side::handshake(keel, true),
                || rustls_side::handshake(rustls, true),
            );
        }
    }
}

/// One round of a handshake scenario for both libraries, the order
/// alternating by round.
fn record(
    plan: Plan,
    lines: &mut Vec<Line>,
    name: &str,
    round: usize,
    mut keel: impl FnMut() -> Split,
    mut rustls: impl FnMut() -> Split,
) {
    let mut run_keel = || {
        let (split, n) = repeat(plan.budget, 1_000_000, &mut keel);
        rates(split, n)
    };
    let mut run_rustls = || {
        let (split, n) = repeat(plan.budget, 1_000_000, &mut rustls);
        rates(split, n)
    };
    let (k, r) = if round.is_multiple_of(2) {
        let k = run_keel();
        (k, run_rustls())
    } else {
        let r = run_rustls();
        (run_keel(), r)
    };
    for (side, kv, rv) in [("client", k.0, r.0), ("server", k.1, r.1)] {
        let l = line(lines, &format!("{name}/{side}"), "handshakes/s", true);
        l.keel.push(kv);
        l.rustls.push(rv);
    }
}

fn bulk(plan: Plan, lines: &mut Vec<Line>) {
    let data = vec![0x5au8; WRITE_SIZE];
    let mb_per_s = |split: Split, n: u64| {
        let bytes = (n as f64) * WRITE_SIZE as f64 / 1e6;
        (
            bytes / split.client.as_secs_f64().max(1e-12),
            bytes / split.server.as_secs_f64().max(1e-12),
        )
    };
    for aead in Aead::ALL {
        let mut keel_buffered = keel_side::Bulk::new(aead, Api::Buffered);
        let mut keel_zero = keel_side::Bulk::new(aead, Api::ZeroCopy);
        let mut rustls = rustls_side::Bulk::new(aead);
        for round in 0..plan.rounds {
            let mut run_rustls = || {
                let (split, n) = repeat(plan.budget, 100_000, || rustls.once(&data));
                mb_per_s(split, n)
            };
            let r = if !round.is_multiple_of(2) {
                Some(run_rustls())
            } else {
                None
            };
            let (split, n) = repeat(plan.budget, 100_000, || keel_buffered.once(&data));
            let kb = mb_per_s(split, n);
            let (split, n) = repeat(plan.budget, 100_000, || keel_zero.once(&data));
            let kz = mb_per_s(split, n);
            let r = r.unwrap_or_else(run_rustls);
            for (suffix, k) in [("", kb), ("/zerocopy", kz)] {
                for (dir, kv, rv) in [("send", k.0, r.0), ("recv", k.1, r.1)] {
                    let l = line(
                        lines,
                        &format!("bulk/{}/{dir}{suffix}", aead.name()),
                        "MB/s",
                        true,
                    );
                    l.keel.push(kv);
                    l.rustls.push(rv);
                }
            }
        }
    }
}

/// Runs the memory binary beside this one for each library.
fn memory(plan: Plan, lines: &mut Vec<Line>) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let binary = exe.with_file_name("keel-bench-memory");
    let measure = |lib: &str| -> Result<(f64, f64), String> {
        let output = Command::new(&binary)
            .args([lib, &plan.memory_pairs.to_string()])
            .output()
            .map_err(|e| {
                format!(
                    "{}: {e} (build it with cargo build --release -p keel-bench)",
                    binary.display()
                )
            })?;
        let text = String::from_utf8_lossy(&output.stdout);
        let field = |key: &str| -> Result<f64, String> {
            text.split_whitespace()
                .find_map(|w| w.strip_prefix(key))
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{lib}: unexpected output {text:?}"))
        };
        Ok((field("client=")?, field("server=")?))
    };
    let (k, r) = (measure("keel")?, measure("rustls")?);
    for (side, kv, rv) in [("client", k.0, r.0), ("server", k.1, r.1)] {
        let l = line(lines, &format!("memory/{side}"), "bytes/connection", false);
        l.keel.push(kv);
        l.rustls.push(rv);
    }
    Ok(())
}

fn report(lines: &[Line]) {
    let mut log_sum = 0.0;
    for l in lines {
        let (k, r) = (median(&l.keel), median(&l.rustls));
        let advantage = if l.higher_is_better { k / r } else { r / k };
        log_sum += advantage.ln();
        println!(
            "{}\tkeel={} {}\trustls={} {}\tadvantage={advantage:.2}",
            l.name,
            format_value(k),
            l.unit,
            format_value(r),
            l.unit
        );
    }
    let geomean = (log_sum / lines.len().max(1) as f64).exp();
    println!(
        "# geometric mean of advantages over {} scenarios: {geomean:.2}",
        lines.len()
    );
}

/// keel's medians against what the cryptography alone allows (see
/// `caps.rs`), as comment lines after the comparison.
fn report_caps(lines: &[Line], caps: &Caps) {
    println!(
        "# crypto caps: aws-lc-rs alone on this machine (handshakes: the public-key operations only; bulk: one 16 KiB record in place)"
    );
    for l in lines {
        let cap = match l.name.as_str() {
            "full_handshake/ecdsa_p256/server" => Some(caps.ecdsa_server),
            "full_handshake/ecdsa_p256/client" => Some(caps.ecdsa_client),
            "full_handshake/rsa2048/server" => Some(caps.rsa_server),
            "full_handshake/rsa2048/client" => Some(caps.rsa_client),
            name => Aead::ALL.iter().enumerate().find_map(|(i, aead)| {
                let rest = name.strip_prefix(&format!("bulk/{}/", aead.name()))?;
                let raw = if rest.starts_with("send") {
                    &caps.seal
                } else {
                    &caps.open
                };
                raw.get(i).copied()
            }),
        };
        if let Some(cap) = cap {
            let keel = median(&l.keel);
            println!(
                "# cap\t{}\tkeel={} {}\tcap={} {}\tfraction={:.2}",
                l.name,
                format_value(keel),
                l.unit,
                format_value(cap),
                l.unit,
                keel / cap
            );
        }
    }
}

fn format_value(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}
