//! `keel-bench compare [--quick]`: every scenario for keel and then rustls,
//! alternating over a few rounds so that the machine's drift touches both,
//! one line per scenario with the medians:
//!
//! `SCENARIO<TAB>keel=VALUE UNIT<TAB>rustls=VALUE UNIT<TAB>advantage=RATIO`
//!
//! where advantage > 1 means keel is better (a higher rate, or less
//! memory). Every scenario is named for its protocol version (`tls12/...`,
//! `tls13/...`), which both libraries are held to. Handshake scenarios
//! time each side's calls apart; bulk scenarios time the sender and the
//! receiver apart; keel moves bulk data through its buffered API and, on
//! separate lines, its zero-copy API; rustls through its buffered API.
//!
//! `keel-bench profile LIB SCENARIO N` runs one handshake scenario N times
//! for one library and nothing else, for `perf record` or callgrind;
//! SCENARIO is a handshake scenario's name as `compare` prints it, without
//! the side (`tls13/full_handshake/ecdsa_p256/x25519`, `tls13/resumed/ticket`,
//! `tls12/full_handshake/rsa2048`, ...; `keel-bench profile --help` lists
//! them).
//!
//! The command line is parsed by clap ([`keel_bench::cli`]); a usage error
//! exits with status 2.

use std::process::{Command, ExitCode};
use std::time::Duration;

use clap::Parser;
use keel_bench::caps::{self, Caps};
use keel_bench::cli::{BenchCli, BenchCommand, Lib};
use keel_bench::scenario::{Aead, Api, HandshakeScenario, Setup, Version, WRITE_SIZE};
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
    /// What the crypto alone allows on this line, if the caps cover it.
    cap: Option<CapOf>,
    keel: Vec<f64>,
    rustls: Vec<f64>,
}

/// The crypto cap a line is held against.
#[derive(Debug, Clone, Copy)]
enum CapOf {
    /// A full handshake's client.
    Client(Setup),
    /// A full handshake's server.
    Server(Setup),
    /// One record sealed (`send`) or opened.
    Record { aead: Aead, send: bool },
}

impl CapOf {
    fn value(self, caps: &Caps) -> Option<f64> {
        match self {
            Self::Client(setup) => caps.handshake(setup).map(|(client, _)| client),
            Self::Server(setup) => caps.handshake(setup).map(|(_, server)| server),
            Self::Record { aead, send } => caps.record(aead, send),
        }
    }
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

fn profile(lib: Lib, scenario: HandshakeScenario, n: u64) -> ExitCode {
    let (setup, resumed) = (scenario.setup(), scenario.resumes());
    let mut total = Split::default();
    match lib {
        Lib::Keel => {
            let configs = keel_side::configs(setup);
            if resumed {
                keel_side::handshake(&configs, false);
            }
            for _ in 0..n {
                total.add(keel_side::handshake(&configs, resumed));
            }
        }
        Lib::Rustls => {
            let configs = rustls_side::configs(setup);
            if resumed {
                rustls_side::handshake(&configs, false);
            }
            for _ in 0..n {
                total.add(rustls_side::handshake(&configs, resumed));
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
    cap: Option<CapOf>,
) -> &'a mut Line {
    if !lines.iter().any(|l| l.name == name) {
        lines.push(Line {
            name: name.to_owned(),
            unit,
            higher_is_better,
            cap,
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
    let scenarios = HandshakeScenario::ALL.map(|scenario| {
        let setup = scenario.setup();
        let keel = keel_side::configs(setup);
        let rustls = rustls_side::configs(setup);
        if scenario.resumes() {
            // A full handshake fills the stores first.
            keel_side::handshake(&keel, false);
            rustls_side::handshake(&rustls, false);
        }
        (scenario, keel, rustls)
    });
    for round in 0..plan.rounds {
        for (scenario, keel, rustls) in &scenarios {
            let resumed = scenario.resumes();
            record(
                plan,
                lines,
                *scenario,
                round,
                || keel_side::handshake(keel, resumed),
                || rustls_side::handshake(rustls, resumed),
            );
        }
    }
}

/// One round of a handshake scenario for both libraries, the order
/// alternating by round.
fn record(
    plan: Plan,
    lines: &mut Vec<Line>,
    scenario: HandshakeScenario,
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
    let setup = scenario.setup();
    let name = scenario.name();
    for (side, kv, rv, cap) in [
        ("client", k.0, r.0, CapOf::Client(setup)),
        ("server", k.1, r.1, CapOf::Server(setup)),
    ] {
        let l = line(
            lines,
            &format!("{name}/{side}"),
            "handshakes/s",
            true,
            Some(cap),
        );
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
    let pairs = Version::ALL
        .into_iter()
        .flat_map(|version| Aead::ALL.map(|aead| (version, aead)));
    for (version, aead) in pairs {
        let mut keel_buffered = keel_side::Bulk::new(version, aead, Api::Buffered);
        let mut keel_zero = keel_side::Bulk::new(version, aead, Api::ZeroCopy);
        let mut rustls = rustls_side::Bulk::new(version, aead);
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
                        &format!("{}/bulk/{}/{dir}{suffix}", version.name(), aead.name()),
                        "MB/s",
                        true,
                        Some(CapOf::Record {
                            aead,
                            send: dir == "send",
                        }),
                    );
                    l.keel.push(kv);
                    l.rustls.push(rv);
                }
            }
        }
    }
}

/// Runs the memory binary beside this one for each library and version.
fn memory(plan: Plan, lines: &mut Vec<Line>) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let binary = exe.with_file_name("keel-bench-memory");
    let measure = |lib: &str, version: Version| -> Result<(f64, f64), String> {
        let output = Command::new(&binary)
            .args([lib, &plan.memory_pairs.to_string(), version.name()])
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
    for version in Version::ALL {
        let (k, r) = (measure("keel", version)?, measure("rustls", version)?);
        for (side, kv, rv) in [("client", k.0, r.0), ("server", k.1, r.1)] {
            let name = format!("{}/memory/{side}", version.name());
            let l = line(lines, &name, "bytes/connection", false, None);
            l.keel.push(kv);
            l.rustls.push(rv);
        }
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
        if let Some(cap) = l.cap.and_then(|c| c.value(caps)) {
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
