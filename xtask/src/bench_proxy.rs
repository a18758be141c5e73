//! `cargo xtask bench-proxy`: `keel proxy` (release build) against HAProxy
//! and stunnel on this machine, with the same certificate (ECDSA P-256),
//! the same upstream (`upstream.rs`, in this process) and the same load
//! generators (`measure.rs`), each proxy configured as the others are
//! (`servers.rs`). Each round measures every proxy once, in an order that
//! rotates from round to round so that none always runs first on a cold
//! machine or last on a hot one; the table (`table.rs`) gives the
//! medians. A developer tool, not a step of `cargo xtask test`: its
//! figures mean something only on an idle machine.
//!
//! Everything is local: no network, nothing downloaded. It needs
//! `haproxy`, `stunnel4` (or `stunnel`), `openssl`, `python3` and
//! `prlimit`.

mod measure;
mod servers;
mod table;
mod upstream;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::error::Error;
use crate::workspace::Workspace;

use self::measure::{Handshake, Target};
use self::servers::{Proxy, Setup};
use self::table::{LINES, Results};

/// Options of `cargo xtask bench-proxy`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Options {
    /// One round of smaller counts: a smoke test of the tool itself, whose
    /// figures are not for comparing.
    pub(crate) quick: bool,
    /// Also write the table here.
    pub(crate) out: Option<PathBuf>,
}

impl Options {
    /// Parses `[--quick] [--out FILE]`.
    pub(crate) fn parse(args: impl Iterator<Item = String>) -> Result<Self, Error> {
        let mut options = Self::default();
        let mut args = args.peekable();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => options.quick = true,
                "--out" => {
                    let Some(file) = args.next() else {
                        return Err(Error::Usage {
                            message: "`--out` needs a file name".to_owned(),
                        });
                    };
                    options.out = Some(PathBuf::from(file));
                }
                other => {
                    return Err(Error::Usage {
                        message: format!("unexpected argument `{other}` to `bench-proxy`"),
                    });
                }
            }
        }
        Ok(options)
    }
}

/// How much each line measures.
#[derive(Clone, Copy, Debug)]
struct Scale {
    rounds: usize,
    /// Seconds each handshake line runs s_time for.
    handshake_seconds: u64,
    /// MiB moved each way by each bulk line.
    bulk_mb: u64,
    /// Connections held open by the memory line.
    idle_connections: usize,
}

/// Three rounds, as docs/PERFORMANCE.md's other comparisons: about three
/// minutes in all on a 2-core machine.
const FULL: Scale = Scale {
    rounds: 3,
    handshake_seconds: 5,
    bulk_mb: 512,
    idle_connections: 1_000,
};

const QUICK: Scale = Scale {
    rounds: 1,
    handshake_seconds: 2,
    bulk_mb: 64,
    idle_connections: 200,
};

/// s_time processes at once: a single one waits on each round trip and
/// leaves a multi-threaded proxy half idle.
const HANDSHAKE_CLIENTS: usize = 2;

/// Connections at once of the concurrent bulk lines.
const BULK_CONNECTIONS: usize = 50;

/// Programs the benchmark runs, and the Debian package of each.
const TOOLS: [(&str, &str); 4] = [
    ("haproxy", "haproxy"),
    ("openssl", "openssl"),
    ("python3", "python3"),
    ("prlimit", "util-linux"),
];

pub(crate) fn run(workspace: &Workspace, options: &Options) -> Result<(), Error> {
    check_tools()?;
    let scale = if options.quick { QUICK } else { FULL };
    raise_open_file_limit(scale.idle_connections)?;
    workspace
        .cargo(&["build", "--release", "--quiet", "-p", "keel-cli"])
        .run()?;
    let root = workspace.root();
    let dir = root.join("target").join("bench-proxy");
    fs::create_dir_all(&dir).map_err(|source| Error::Io {
        path: dir.clone(),
        source,
    })?;
    let (cert, key) = certificate(&dir)?;
    let bulk_client = measure::build_bulk_client(root, &dir)?;
    let upstream = upstream::Upstream::start().map_err(|source| Error::Io {
        path: dir.clone(),
        source,
    })?;
    let setup = Setup {
        keel: root.join("target").join("release").join("keel"),
        cert,
        key,
        upstream: upstream.addr,
        threads: std::thread::available_parallelism().map_or(1, usize::from),
        dir,
    };
    let started = Instant::now();
    let mut results = Results::default();
    for round in 0..scale.rounds {
        for proxy in order(round) {
            eprintln!(
                "xtask bench-proxy: round {} of {}: {}",
                round + 1,
                scale.rounds,
                proxy.name()
            );
            let running = servers::start(proxy, &setup)?;
            let target = Target {
                port: running.port,
                pid: running.pid(),
                ca: &setup.cert,
                root,
                bulk_client: &bulk_client,
            };
            results.add(proxy, measure_round(&target, scale)?);
        }
    }
    let report = format!(
        "{}\n{}",
        header(&setup, scale, started.elapsed().as_secs()),
        results.table()
    );
    print!("{report}");
    if let Some(out) = &options.out {
        fs::write(out, &report).map_err(|source| Error::Io {
            path: out.clone(),
            source,
        })?;
    }
    Ok(())
}

/// The proxies in the order round `round` measures them: each round starts
/// with the next one.
fn order(round: usize) -> [Proxy; 3] {
    let mut order = Proxy::ALL;
    order.rotate_left(round % Proxy::ALL.len());
    order
}

/// One proxy's figures for one round, in [`LINES`]' order. Memory comes
/// first, while the process is fresh: after the bulk lines its allocator
/// holds freed buffers that new connections would reuse without growing
/// the resident set, and the line would flatter every proxy.
fn measure_round(target: &Target<'_>, scale: Scale) -> Result<[f64; LINES.len()], Error> {
    let idle = measure::idle_memory(target, scale.idle_connections)?;
    let seconds = scale.handshake_seconds;
    let full = measure::handshakes(target, Handshake::Full, seconds, HANDSHAKE_CLIENTS)?;
    let resumed = measure::handshakes(target, Handshake::Resumed, seconds, HANDSHAKE_CLIENTS)?;
    // The proxy's own CPU time for every byte the bulk lines move: on a
    // machine the load generator shares, the steadier measure of what
    // moving data costs each proxy.
    let cpu_before = measure::cpu_seconds(target.pid)?;
    let (up_one, down_one) = measure::bulk(target, 1, scale.bulk_mb)?;
    let (up_many, down_many) = measure::bulk(target, BULK_CONNECTIONS, scale.bulk_mb)?;
    let moved_mib = (4 * scale.bulk_mb) as f64;
    let cpu_per_mib = (measure::cpu_seconds(target.pid)? - cpu_before) * 1e6 / moved_mib;
    Ok([
        full.per_second,
        resumed.per_second,
        full.cpu_us,
        resumed.cpu_us,
        up_one,
        down_one,
        up_many,
        down_many,
        cpu_per_mib,
        idle,
    ])
}

/// What was compared, for the lines above the table.
fn header(setup: &Setup, scale: Scale, seconds: u64) -> String {
    // The line that names the version: `HAProxy version 2.6.12-1+deb12u4
    // 2026/10/17 - https://haproxy.org/`, `stunnel 5.68 on x86_64-pc-linux-gnu
    // platform` (after lines about its configuration), cut at " - " and " on ".
    let version = |program: &str, arg: &str, starts: &str| -> String {
        let out = Command::new(program).arg(arg).output().ok();
        let text = out.map(|out| [out.stdout, out.stderr].concat());
        let text = String::from_utf8_lossy(text.as_deref().unwrap_or_default()).into_owned();
        text.lines()
            .find(|line| line.starts_with(starts))
            .map(|line| {
                let line = line.split(" - ").next().unwrap_or(line);
                line.split(" on ").next().unwrap_or(line).trim().to_owned()
            })
            .unwrap_or_else(|| program.to_owned())
    };
    format!(
        "keel proxy (release) against {} and {}; {} round(s), medians; {} worker threads \
         each (stunnel: a thread per connection); TLS 1.3, TLS_AES_128_GCM_SHA256, X25519, \
         ECDSA P-256; handshakes: {HANDSHAKE_CLIENTS} `openssl s_time -www /` clients for \
         {} s per line (each connection fetches a short answer from the upstream); bulk: \
         {} MiB each way (tools/proxy/bulkgo); memory: {} idle connections \
         (tools/proxy/idle_memory.py). {seconds} s in all.\n",
        version("haproxy", "-v", "HAProxy"),
        version(servers::stunnel_program(), "-version", "stunnel"),
        scale.rounds,
        setup.threads,
        scale.handshake_seconds,
        scale.bulk_mb,
        scale.idle_connections,
    )
}

/// A self-signed ECDSA P-256 certificate for localhost, made by openssl,
/// which every proxy presents and every client trusts.
fn certificate(dir: &Path) -> Result<(PathBuf, PathBuf), Error> {
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let mut command = Command::new("openssl");
    command
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args([
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-subj",
            "/CN=localhost",
        ])
        .args(["-addext", "subjectAltName=DNS:localhost"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .args(["-days", "2"]);
    let shown = format!("{command:?}");
    let out = command.output().map_err(|source| Error::Spawn {
        command: shown.clone(),
        source,
    })?;
    if !out.status.success() {
        return Err(Error::CommandFailed {
            command: shown,
            status: out.status,
        });
    }
    Ok((cert, key))
}

/// Raises this process's soft open-file limit to its hard one, for it and
/// every process it starts, and checks that `connections` fit: the
/// upstream here and the client each hold one descriptor per connection,
/// a proxy two. A shell's soft limit is often 1,024, which a thousand idle
/// connections overrun; stunnel does not raise its own. `prlimit` (from
/// util-linux, which `cargo xtask prereq` requires) does it without the
/// unsafe code a setrlimit call from here would need.
fn raise_open_file_limit(connections: usize) -> Result<(), Error> {
    let limits = fs::read_to_string("/proc/self/limits").map_err(|source| Error::Io {
        path: PathBuf::from("/proc/self/limits"),
        source,
    })?;
    let hard = limits
        .lines()
        .find_map(|line| line.strip_prefix("Max open files"))
        .and_then(|rest| rest.split_whitespace().nth(1))
        .map(str::to_owned)
        .ok_or_else(|| Error::Bench {
            problem: "no open-file limit in /proc/self/limits".to_owned(),
        })?;
    let needed = 2 * connections + 500;
    if hard.parse::<usize>().is_ok_and(|hard| hard < needed) {
        return Err(Error::Bench {
            problem: format!(
                "the hard open-file limit is {hard}; {connections} idle connections need \
                 about {needed} (raise it with `ulimit -Hn` as root)"
            ),
        });
    }
    let mut command = Command::new("prlimit");
    command
        .arg("--pid")
        .arg(std::process::id().to_string())
        .arg(format!("--nofile={hard}:{hard}"));
    let shown = format!("{command:?}");
    let status = command.status().map_err(|source| Error::Spawn {
        command: shown.clone(),
        source,
    })?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::CommandFailed {
            command: shown,
            status,
        })
    }
}

/// Stops at once, naming the package, when a program the benchmark runs
/// is missing.
fn check_tools() -> Result<(), Error> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for (program, package) in TOOLS {
        if !crate::prereq::on_path(program, &path) {
            return Err(Error::BenchToolMissing { program, package });
        }
    }
    if !crate::prereq::on_path("stunnel4", &path) && !crate::prereq::on_path("stunnel", &path) {
        return Err(Error::BenchToolMissing {
            program: "stunnel4",
            package: "stunnel4",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, Error> {
        Options::parse(args.iter().map(|a| (*a).to_owned()))
    }

    #[test]
    fn options_parse() {
        assert_eq!(parse(&[]).unwrap(), Options::default());
        assert_eq!(
            parse(&["--quick", "--out", "t.md"]).unwrap(),
            Options {
                quick: true,
                out: Some(PathBuf::from("t.md")),
            }
        );
        assert!(parse(&["--out"]).is_err());
        assert!(parse(&["--fast"]).is_err());
    }

    #[test]
    fn each_round_starts_with_another_proxy() {
        let firsts: Vec<Proxy> = (0..3).map(|round| order(round)[0]).collect();
        assert_eq!(firsts, Proxy::ALL);
        assert_eq!(order(3), Proxy::ALL);
    }
}
