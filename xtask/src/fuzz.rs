//! `cargo xtask fuzz`: builds every cargo-fuzz target in `fuzz/`, writes
//! the seed corpora, and runs each target for a while, a few at a time,
//! failing on any crash, leak or timeout.
//!
//! cargo-fuzz needs nightly `-Z` flags; `RUSTC_BOOTSTRAP=1` lets the stable
//! toolchain accept them (AddressSanitizer included), so no other
//! toolchain is needed. The binaries are run directly rather than through
//! `cargo fuzz run`, so that two can run at once without fighting over
//! cargo's build lock.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::workspace::Workspace;

/// How long each target runs in a smoke run.
pub(crate) const SMOKE_SECONDS: u64 = 20;
/// How long each target runs when no time is given.
const DEFAULT_SECONDS: u64 = 60;
/// Seconds one input may take before libFuzzer calls it a timeout: a full
/// handshake under AddressSanitizer takes milliseconds.
const INPUT_TIMEOUT_SECONDS: u64 = 10;

/// What to fuzz and for how long.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Options {
    /// Seconds per target.
    pub(crate) seconds: u64,
    /// Targets run at once (one per core).
    pub(crate) jobs: usize,
    /// The targets; empty means all of them.
    pub(crate) targets: Vec<String>,
}

impl Options {
    /// The smoke run of `cargo xtask test`: every target, briefly.
    pub(crate) fn smoke() -> Self {
        Self {
            seconds: SMOKE_SECONDS,
            jobs: 2,
            targets: Vec::new(),
        }
    }

    /// Parses `[--smoke] [--seconds N] [--jobs N] [TARGET...]`.
    pub(crate) fn parse(args: impl Iterator<Item = String>) -> Result<Self, Error> {
        let mut options = Self {
            seconds: DEFAULT_SECONDS,
            jobs: 2,
            targets: Vec::new(),
        };
        let mut args = args.peekable();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--smoke" => options.seconds = SMOKE_SECONDS,
                "--seconds" | "--jobs" => {
                    let value = args
                        .next()
                        .and_then(|v| v.parse::<u64>().ok())
                        .filter(|v| *v > 0);
                    let Some(value) = value else {
                        return Err(Error::Usage {
                            message: format!("`{arg}` needs a positive number"),
                        });
                    };
                    if arg == "--seconds" {
                        options.seconds = value;
                    } else {
                        options.jobs = usize::try_from(value).unwrap_or(1);
                    }
                }
                flag if flag.starts_with('-') => {
                    return Err(Error::Usage {
                        message: format!("unknown fuzz option `{flag}`"),
                    });
                }
                _ => options.targets.push(arg),
            }
        }
        Ok(options)
    }
}

/// What one target's run showed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Stats {
    /// Inputs executed.
    pub(crate) runs: u64,
    /// Executions per second, as libFuzzer averaged them.
    pub(crate) execs_per_sec: u64,
    /// libFuzzer's coverage counter (edges) at the end.
    pub(crate) cov: u64,
    /// libFuzzer's feature counter at the end.
    pub(crate) ft: u64,
    /// Inputs in the corpus at the end.
    pub(crate) corpus: u64,
}

/// Reads libFuzzer's own account of a run from its output: the last
/// status line (`#N ... cov: C ft: F corp: K/...`) and the final stats.
pub(crate) fn parse_stats(log: &str) -> Stats {
    let mut stats = Stats::default();
    let number_after = |line: &str, key: &str| -> Option<u64> {
        let rest = line.split(key).nth(1)?;
        let digits: String = rest
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    };
    for line in log.lines() {
        if line.starts_with('#') && line.contains(" cov: ") {
            stats.cov = number_after(line, " cov:").unwrap_or(stats.cov);
            stats.ft = number_after(line, " ft:").unwrap_or(stats.ft);
            stats.corpus = number_after(line, " corp:").unwrap_or(stats.corpus);
        }
        if let Some(n) = number_after(line, "stat::number_of_executed_units:") {
            stats.runs = n;
        }
        if let Some(n) = number_after(line, "stat::average_exec_per_sec:") {
            stats.execs_per_sec = n;
        }
    }
    stats
}

/// Every target: the files in `fuzz/fuzz_targets`, sorted.
fn all_targets(fuzz_dir: &Path) -> Result<Vec<String>, Error> {
    let dir = fuzz_dir.join("fuzz_targets");
    let entries = fs::read_dir(&dir).map_err(|source| Error::Io {
        path: dir.clone(),
        source,
    })?;
    let mut targets: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".rs")
                .map(str::to_owned)
        })
        .collect();
    targets.sort();
    Ok(targets)
}

/// Installs cargo-fuzz when it is missing.
fn ensure_cargo_fuzz(workspace: &Workspace) -> Result<(), Error> {
    if workspace.cargo(&["fuzz", "--version"]).succeeds_quietly() {
        return Ok(());
    }
    println!("xtask fuzz: cargo-fuzz is missing; installing it");
    workspace
        .cargo(&["install", "--locked", "cargo-fuzz"])
        .run()
}

/// The host's target triple, where cargo-fuzz puts its binaries.
fn host_triple() -> Result<String, Error> {
    let output = Command::new("rustc")
        .arg("-vV")
        .output()
        .map_err(|source| Error::Spawn {
            command: "rustc -vV".to_owned(),
            source,
        })?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .ok_or_else(|| Error::Metadata {
            problem: "rustc -vV printed no host".to_owned(),
        })
}

/// Builds, seeds and runs the targets; fails if any of them failed.
pub(crate) fn run(workspace: &Workspace, options: &Options) -> Result<(), Error> {
    let fuzz_dir = workspace.root().join("fuzz");
    let mut targets = all_targets(&fuzz_dir)?;
    if !options.targets.is_empty() {
        if let Some(unknown) = options.targets.iter().find(|t| !targets.contains(t)) {
            return Err(Error::Usage {
                message: format!(
                    "no fuzz target `{unknown}` (targets: {})",
                    targets.join(", ")
                ),
            });
        }
        targets.retain(|t| options.targets.contains(t));
    }
    ensure_cargo_fuzz(workspace)?;
    // Debug assertions on: an arithmetic overflow is a finding, not a wrap.
    workspace
        .cargo(&["fuzz", "build", "--debug-assertions"])
        .env("RUSTC_BOOTSTRAP", "1")
        .run()?;
    let seeds = fuzz_dir.join("seeds");
    let _ = fs::remove_dir_all(&seeds);
    workspace
        .cargo(&[
            "run",
            "--quiet",
            "--release",
            "--manifest-path",
            "fuzz/Cargo.toml",
            "--bin",
            "seeds",
            "--",
        ])
        .arg(seeds.to_string_lossy())
        .run()?;
    let bin_dir = fuzz_dir.join("target").join(host_triple()?).join("release");

    println!(
        "xtask fuzz: {} targets, {} s each, {} at a time",
        targets.len(),
        options.seconds,
        options.jobs
    );
    let queue = Mutex::new(targets.clone());
    let results = Mutex::new(Vec::new());
    thread::scope(|scope| {
        for _ in 0..options.jobs.max(1) {
            scope.spawn(|| {
                while let Some(target) = queue
                    .lock()
                    .ok()
                    .and_then(|mut q| (!q.is_empty()).then(|| q.remove(0)))
                {
                    let outcome = run_target(&fuzz_dir, &bin_dir, &target, options.seconds);
                    if let Ok(mut results) = results.lock() {
                        results.push((target, outcome));
                    }
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by(|a, b| a.0.cmp(&b.0));
    report(&results)
}

/// How one target's run ended.
#[derive(Debug)]
struct Outcome {
    passed: bool,
    status: String,
    stats: Stats,
    log: PathBuf,
}

fn run_target(
    fuzz_dir: &Path,
    bin_dir: &Path,
    target: &str,
    seconds: u64,
) -> Result<Outcome, Error> {
    let corpus = fuzz_dir.join("corpus").join(target);
    let artifacts = fuzz_dir.join("artifacts").join(target);
    let logs = fuzz_dir.join("logs");
    for dir in [&corpus, &artifacts, &logs] {
        fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?;
    }
    let log_path = logs.join(format!("{target}.log"));
    let log = fs::File::create(&log_path).map_err(|source| Error::Io {
        path: log_path.clone(),
        source,
    })?;
    let log_err = log.try_clone().map_err(|source| Error::Io {
        path: log_path.clone(),
        source,
    })?;
    let binary = bin_dir.join(target);
    let mut command = Command::new(&binary);
    command
        .arg(&corpus)
        .arg(fuzz_dir.join("seeds").join(target));
    // Inputs that once failed, kept as regression tests: libFuzzer runs
    // every file of every corpus directory before it starts mutating.
    let regressions = fuzz_dir.join("regressions").join(target);
    if regressions.is_dir() {
        command.arg(regressions);
    }
    let mut child = command
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-timeout={INPUT_TIMEOUT_SECONDS}"))
        .arg("-rss_limit_mb=2048")
        .arg("-print_final_stats=1")
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(|source| Error::Spawn {
            command: binary.display().to_string(),
            source,
        })?;
    // libFuzzer stops itself; this is the backstop for a hung process.
    let deadline = Instant::now() + Duration::from_secs(seconds + 120);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status.to_string(),
            Ok(None) if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break "killed: ran past its time".to_owned();
            }
            Ok(None) => thread::sleep(Duration::from_millis(200)),
            Err(e) => break format!("lost: {e}"),
        }
    };
    let text = fs::read_to_string(&log_path).unwrap_or_default();
    Ok(Outcome {
        passed: status == "exit status: 0",
        status,
        stats: parse_stats(&text),
        log: log_path,
    })
}

fn report(results: &[(String, Result<Outcome, Error>)]) -> Result<(), Error> {
    let mut table = format!(
        "{:<18} {:>10} {:>8} {:>7} {:>7} {:>7}  result\n",
        "target", "runs", "exec/s", "cov", "ft", "corpus"
    );
    let mut failed = Vec::new();
    for (target, outcome) in results {
        match outcome {
            Ok(o) => {
                let s = &o.stats;
                let result = if o.passed {
                    "ok".to_owned()
                } else {
                    format!("FAILED ({}), see {}", o.status, o.log.display())
                };
                let _ = writeln!(
                    table,
                    "{target:<18} {:>10} {:>8} {:>7} {:>7} {:>7}  {result}",
                    s.runs, s.execs_per_sec, s.cov, s.ft, s.corpus
                );
                if !o.passed {
                    failed.push(target.clone());
                }
            }
            Err(e) => {
                let _ = writeln!(table, "{target:<18} could not run: {e}");
                failed.push(target.clone());
            }
        }
    }
    print!("{table}");
    if failed.is_empty() {
        println!(
            "xtask fuzz: every target ran clean (crashing inputs would be in fuzz/artifacts/)"
        );
        Ok(())
    } else {
        Err(Error::FuzzFailed { targets: failed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, Error> {
        Options::parse(args.iter().map(|a| (*a).to_owned()))
    }

    #[test]
    fn options_parse() {
        let smoke = parse(&["--smoke"]).unwrap();
        assert_eq!(smoke.seconds, SMOKE_SECONDS);
        assert!(smoke.targets.is_empty());
        let long = parse(&["--seconds", "600", "--jobs", "1", "wire", "server"]).unwrap();
        assert_eq!(long.seconds, 600);
        assert_eq!(long.jobs, 1);
        assert_eq!(long.targets, ["wire", "server"]);
        assert!(parse(&["--seconds"]).is_err());
        assert!(parse(&["--seconds", "0"]).is_err());
        assert!(
            parse(&["--fast"])
                .unwrap_err()
                .to_string()
                .contains("--fast")
        );
    }

    #[test]
    fn libfuzzer_stats_are_read_from_its_output() {
        let log = "INFO: Seed: 1\n\
                   #2\tINITED cov: 10 ft: 11 corp: 1/1b exec/s: 0 rss: 30Mb\n\
                   #4096\tpulse  cov: 1083 ft: 1399 corp: 53/8075b lim: 845 exec/s: 2048 rss: 48Mb\n\
                   #9000\tDONE   cov: 1090 ft: 1402 corp: 55/8100b lim: 845 exec/s: 3000 rss: 48Mb\n\
                   stat::number_of_executed_units: 9000\n\
                   stat::average_exec_per_sec:     3000\n";
        assert_eq!(
            parse_stats(log),
            Stats {
                runs: 9000,
                execs_per_sec: 3000,
                cov: 1090,
                ft: 1402,
                corpus: 55
            }
        );
    }

    #[test]
    fn every_target_in_the_fuzz_crate_is_found() {
        let workspace = Workspace::locate().unwrap();
        let targets = all_targets(&workspace.root().join("fuzz")).unwrap();
        for expected in [
            "wire",
            "record_plaintext",
            "record_protected",
            "server",
            "client",
            "handshake_mutate",
            "pki",
            "sessions",
        ] {
            assert!(
                targets.iter().any(|t| t == expected),
                "{expected} missing from {targets:?}"
            );
        }
    }
}
