//! What `cargo xtask bench-proxy` measures of a running proxy, with the
//! same load generators for all three: `openssl s_time` for handshakes,
//! `tools/proxy/bulkgo` for throughput, `tools/proxy/idle_memory.py` for
//! memory; the proxy's CPU time from `/proc/PID/stat`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::Instant;

use serde_json::Value;

use crate::error::Error;

/// What the measurements of one proxy need to know.
#[derive(Debug)]
pub(crate) struct Target<'a> {
    pub(crate) port: u16,
    pub(crate) pid: u32,
    /// The certificate the clients trust (self-signed).
    pub(crate) ca: &'a Path,
    /// The workspace root, where the Python clients are.
    pub(crate) root: &'a Path,
    /// The bulk client (tools/proxy/bulkgo), built.
    pub(crate) bulk_client: &'a Path,
}

/// Whether a handshake line starts each connection afresh or resumes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Handshake {
    Full,
    Resumed,
}

/// A handshake line's result.
#[derive(Debug)]
pub(crate) struct Handshakes {
    pub(crate) per_second: f64,
    /// The proxy's CPU time (user + system, all threads) per handshake.
    pub(crate) cpu_us: f64,
}

/// Runs `clients` `openssl s_time` processes at once for `seconds`, each
/// connecting over and over (TLS 1.3, X25519) and fetching `/` through the
/// proxy (`-www /`: the upstream answers a short HTTP response). Reading
/// the answer also reads TLS 1.3's session ticket, which is what lets
/// `-reuse` resume; a connection closed right after the handshake would
/// be reset with the ticket unread. Fails when a resumed line did not
/// resume: s_time prints `r` for a resumed connection, `*` for a new one.
pub(crate) fn handshakes(
    target: &Target<'_>,
    kind: Handshake,
    seconds: u64,
    clients: usize,
) -> Result<Handshakes, Error> {
    let cpu_before = cpu_ticks(target.pid)?;
    let started = Instant::now();
    let mode = match kind {
        Handshake::Full => "-new",
        Handshake::Resumed => "-reuse",
    };
    let runs: Vec<_> = (0..clients)
        .map(|_| {
            let mut command = Command::new("openssl");
            command
                .args(["s_time", "-connect"])
                .arg(format!("127.0.0.1:{}", target.port))
                .args(["-tls1_3", "-www", "/", mode, "-time"])
                .arg(seconds.to_string());
            thread::spawn(move || output(command))
        })
        .collect();
    let mut count = 0u64;
    let mut resumed = 0usize;
    let mut marks = 0usize;
    for run in runs {
        let out = run.join().map_err(|_| Error::Bench {
            problem: "an s_time thread panicked".to_owned(),
        })??;
        let stdout = String::from_utf8_lossy(&out.stdout);
        count += connections(&stdout).ok_or_else(|| Error::Bench {
            problem: format!("openssl s_time printed no count:\n{stdout}"),
        })?;
        let (r, all) = resumption_marks(&stdout);
        resumed += r;
        marks += all;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_ticks(target.pid)?.saturating_sub(cpu_before);
    if kind == Handshake::Resumed && resumed * 10 < marks * 9 {
        return Err(Error::Bench {
            problem: format!("only {resumed} of {marks} connections resumed"),
        });
    }
    if count == 0 {
        return Err(Error::Bench {
            problem: "no handshake completed".to_owned(),
        });
    }
    Ok(Handshakes {
        per_second: count as f64 / elapsed,
        cpu_us: cpu as f64 / clock_ticks_per_second() * 1e6 / count as f64,
    })
}

/// The number before "connections in N real seconds" in s_time's output
/// (the last such line: with `-reuse` it is the resumed run's).
fn connections(stdout: &str) -> Option<u64> {
    stdout
        .lines()
        .filter(|line| line.contains("connections in") && line.contains("real seconds"))
        .filter_map(|line| line.split_whitespace().next()?.parse().ok())
        .next_back()
}

/// s_time's progress marks, one per connection: `r` resumed, `*` new.
/// Returns (resumed, all). Only lines made of marks alone count, as the
/// words around them hold the letter r too.
fn resumption_marks(stdout: &str) -> (usize, usize) {
    stdout
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && line.chars().all(|c| c == 'r' || c == '*'))
        .fold((0, 0), |(resumed, all), line| {
            (resumed + line.matches('r').count(), all + line.len())
        })
}

/// Bulk MB/s each way (up, down) over `conns` connections at once that
/// together move `mb` MiB in each direction, by tools/proxy/bulkgo (Go's
/// crypto/tls on every core: tools/proxy/bulk.py, in Python, tops out
/// near 850 MB/s here, where every proxy looks alike).
pub(crate) fn bulk(target: &Target<'_>, conns: usize, mb: u64) -> Result<(f64, f64), Error> {
    let mut command = Command::new(target.bulk_client);
    command
        .args(["-port", &target.port.to_string()])
        .arg("-ca")
        .arg(target.ca)
        .args(["-conns", &conns.to_string(), "-mb", &mb.to_string()]);
    let result = json(command)?;
    Ok((number(&result, "up")?, number(&result, "down")?))
}

/// Builds tools/proxy/bulkgo into `dir` with the Go toolchain `cargo xtask
/// prereq` installs (target/go/toolchain), offline, everything Go writes
/// kept under `dir`.
pub(crate) fn build_bulk_client(root: &Path, dir: &Path) -> Result<PathBuf, Error> {
    let go = root.join("target/go/toolchain/go/bin/go");
    let binary = dir.join("bulkgo");
    let go_dir = dir.join("go");
    let mut command = Command::new(&go);
    command
        .current_dir(root.join("tools").join("proxy").join("bulkgo"))
        .args(["build", "-trimpath", "-o"])
        .arg(&binary)
        .arg(".")
        .env("GOCACHE", go_dir.join("cache"))
        .env("GOPATH", go_dir.join("path"))
        .env("GOENV", "off")
        .env("GOFLAGS", "")
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("CGO_ENABLED", "0")
        .env_remove("GOROOT");
    let shown = format!(
        "{} build -o {} . (in tools/proxy/bulkgo)",
        go.display(),
        binary.display()
    );
    let status = command.status().map_err(|source| Error::Spawn {
        command: shown.clone(),
        source,
    })?;
    if status.success() {
        Ok(binary)
    } else {
        Err(Error::CommandFailed {
            command: shown,
            status,
        })
    }
}

/// The proxy's resident memory per idle established connection, in KiB,
/// over `conns` connections, after a fifth as many have come and gone (200
/// for 1,000, as docs/PERFORMANCE.md's figures were taken), so that what a
/// process sets up once is not counted per connection. A larger warm-up
/// would leave freed memory that the measured connections reuse without
/// growing the resident set.
pub(crate) fn idle_memory(target: &Target<'_>, conns: usize) -> Result<f64, Error> {
    let mut command = Command::new("python3");
    command
        .env("WARM", (conns / 5).to_string())
        .arg(script(target.root, "idle_memory.py"))
        .args(["--port", &target.port.to_string()])
        .args(["--pid", &target.pid.to_string()])
        .arg("--ca")
        .arg(target.ca)
        .arg(conns.to_string());
    number(&json(command)?, "per_conn_kib")
}

/// User and system time of process `pid` so far, all threads, in seconds.
pub(crate) fn cpu_seconds(pid: u32) -> Result<f64, Error> {
    Ok(cpu_ticks(pid)? as f64 / clock_ticks_per_second())
}

fn script(root: &Path, name: &str) -> PathBuf {
    root.join("tools").join("proxy").join(name)
}

/// User and system time of process `pid`, all threads, in clock ticks:
/// fields 14 and 15 of `/proc/PID/stat`, counted after the command name,
/// which is in parentheses and may hold spaces.
fn cpu_ticks(pid: u32) -> Result<u64, Error> {
    let path = PathBuf::from(format!("/proc/{pid}/stat"));
    let stat = std::fs::read_to_string(&path).map_err(|source| Error::Io {
        path: path.clone(),
        source,
    })?;
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    // Field 3 (state) is the first after the name, so utime (14) is the
    // 12th and stime (15) the 13th.
    let mut fields = after_name.split_whitespace().skip(11);
    let mut tick = || fields.next().and_then(|f| f.parse::<u64>().ok());
    match (tick(), tick()) {
        (Some(user), Some(system)) => Ok(user + system),
        _ => Err(Error::Bench {
            problem: format!("cannot read CPU times from {}", path.display()),
        }),
    }
}

/// `getconf CLK_TCK`, the unit of `/proc/PID/stat`'s times; 100 on every
/// Linux the project runs on, and the fallback.
fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100.0)
}

fn output(mut command: Command) -> Result<Output, Error> {
    let shown = format!("{command:?}");
    let out = command
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|source| Error::Spawn {
            command: shown.clone(),
            source,
        })?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(Error::CommandFailed {
            command: shown,
            status: out.status,
        })
    }
}

/// Runs a client that prints one JSON line, and parses it.
fn json(command: Command) -> Result<Value, Error> {
    let out = output(command)?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or_default();
    serde_json::from_str(line).map_err(|e| Error::Bench {
        problem: format!("a client printed {line:?}, not JSON: {e}"),
    })
}

fn number(value: &Value, key: &str) -> Result<f64, Error> {
    value
        .get(key)
        .and_then(Value::as_f64)
        .ok_or_else(|| Error::Bench {
            problem: format!("no number {key:?} in {value}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_is_read_from_the_last_real_seconds_line() {
        let new = "Collecting connection statistics for 2 seconds\n\
                   ****\n\n\
                   490 connections in 0.48s; 1020.83 connections/user sec, bytes read 19600\n\
                   490 connections in 3 real seconds, 40 bytes read per connection\n";
        assert_eq!(connections(new), Some(490));
        let reuse = "Now timing with session id reuse.\nstarting\nrrrr\n\n\
                     573 connections in 0.33s; 1736.36 connections/user sec, bytes read 22920\n\
                     573 connections in 3 real seconds, 40 bytes read per connection\n";
        assert_eq!(connections(reuse), Some(573));
        assert_eq!(connections("connect error\n"), None);
        assert_eq!(resumption_marks(new), (0, 4));
        assert_eq!(resumption_marks(reuse), (4, 4));
    }

    #[test]
    fn this_process_has_spent_cpu_time() {
        // Spin a little so that at least one tick is counted.
        let started = Instant::now();
        let mut x = 0u64;
        while started.elapsed().as_millis() < 30 {
            x = x.wrapping_add(1);
        }
        assert!(x > 0);
        assert!(cpu_ticks(std::process::id()).unwrap() > 0);
    }
}
