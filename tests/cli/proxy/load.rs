//! `keel proxy` at scale: up to 10,000 connections held open at once, each
//! echoing through the proxy twice with every byte checked, then 2,000
//! handshakes started at the same moment.
//!
//! Three processes share the work because one cannot hold it: this test
//! holds the client ends, the proxy two descriptors per connection, and
//! an echo server (`echo_upstream.py`) the upstream ends. Each raises its
//! soft open-file limit to its hard one (the proxy does so itself at
//! start-up), and the test holds as many connections as the smallest of
//! the three limits allows, at most 10,000, saying which limit decided.
//! Where the hard limit is 20,000, the proxy's two descriptors per
//! connection put 10,000 just out of reach. Also here: the proxy raising
//! its own soft limit.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use keel::tokio::{TlsConnector, TlsStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::metrics::{scrape, scrape_when_idle};
use super::{DEADLINE, Pki, Proxy, connect, pattern, read_to_close_notify, runtime};

/// The most connections held at once, when the limits allow.
const TARGET: u64 = 10_000;
/// Handshakes started at the same moment in the burst.
const BURST: usize = 2_000;
/// Handshakes in progress at once while the held connections are opened:
/// enough to keep both cores busy, few enough that none waits for the
/// handshake timeout.
const IN_FLIGHT: usize = 256;
/// Descriptors kept free in each process besides the connections: the
/// standard streams, listeners, the runtime's, a metrics scrape.
const SPARE: u64 = 32;
/// Descriptors kept free in this process: under `cargo test` (rather than
/// nextest, which runs each test in a process of its own) the other tests
/// of this binary run beside this one and open their own.
const GENERATOR_SPARE: u64 = 512;
/// The first and second messages each held connection echoes, and the
/// burst's one message.
const FIRST_LEN: usize = 100;
const SECOND_LEN: usize = 1_000;
const BURST_LEN: usize = 500;
/// The most one phase may take (a debug build on a loaded 2-core machine
/// takes about a third of this).
const PHASE_DEADLINE: Duration = Duration::from_secs(120);
/// The proxy's own timeouts, far beyond what a handshake waits for here:
/// this test is about holding connections, not about timing them out.
const PROXY_TIMEOUT: &str = "120";
/// The listen backlog asked for; Linux caps it at net.core.somaxconn.
const BACKLOG: u64 = 4_096;
/// Room for every connection of the burst in its handshake at once: the
/// default budget (256) is for connections that send nothing, and sheds
/// the oldest of a burst larger than itself whose first bytes the proxy
/// has not seen yet. An operator expecting reconnection storms raises it
/// the same way.
const MAX_HANDSHAKES: &str = "4096";

#[test]
fn ten_thousand_connections_at_once_then_a_burst_of_two_thousand_handshakes() {
    let started = Instant::now();
    let generator_limit = raise_own_open_file_limit();
    let upstream = EchoUpstream::start();
    let pki = Pki::new("scale");
    let upstream_addr = format!("127.0.0.1:{}", upstream.port);
    let backlog = BACKLOG.to_string();
    let proxy = Proxy::start(
        &pki,
        upstream_addr.parse().unwrap(),
        &[
            "--max-connections",
            &TARGET.to_string(),
            "--backlog",
            &backlog,
            "--max-handshakes",
            MAX_HANDSHAKES,
            "--handshake-timeout",
            PROXY_TIMEOUT,
            "--idle-timeout",
            PROXY_TIMEOUT,
            "--metrics",
            "127.0.0.1:0",
            "--log-level",
            "warn",
        ],
    );
    let proxy_pid = proxy.child.id();

    // The proxy raises its own soft limit: a user would notice that in
    // `keel proxy` serving more than 500 connections under systemd.
    let (proxy_soft, proxy_hard) = open_file_limits(proxy_pid);
    assert_eq!(proxy_soft, proxy_hard, "keel proxy left its soft limit low");
    let limits = [
        (
            "the proxy, two descriptors per connection",
            proxy_soft.saturating_sub(open_descriptors(proxy_pid) + SPARE) / 2,
        ),
        (
            "this test, one descriptor per connection",
            generator_limit.saturating_sub(open_descriptors(std::process::id()) + GENERATOR_SPARE),
        ),
        (
            "the echo upstream, one descriptor per connection",
            open_file_limits(upstream.child.id())
                .0
                .saturating_sub(open_descriptors(upstream.child.id()) + SPARE),
        ),
    ];
    let (why, n) = limits
        .iter()
        .copied()
        .fold(("the target", TARGET), |least, limit| {
            if limit.1 < least.1 { limit } else { least }
        });
    let n = usize::try_from(n).unwrap();
    assert!(n >= BURST, "only {n} connections fit: {limits:?}");
    let somaxconn = std::fs::read_to_string("/proc/sys/net/core/somaxconn").unwrap_or_default();
    eprintln!(
        "scale: holding N = {n} connections (bounded by {why}; open-file limits: proxy \
         {proxy_soft}, test {generator_limit}); backlog {BACKLOG}, capped by \
         net.core.somaxconn = {}",
        somaxconn.trim()
    );

    let connector = pki.connector(false);
    let runtime = runtime();
    let held = Instant::now();
    let mut open = runtime.block_on(open_and_echo_once(&connector, &proxy, n));
    let opened_in = held.elapsed();

    // Every connection is open at this point: the proxy says so, and its
    // descriptors show both ends of each.
    let at_barrier = scrape(&proxy);
    assert_eq!(
        at_barrier.value("keel_proxy_connections_open", &[]),
        n as f64,
        "the proxy does not hold all {n} connections"
    );
    let proxy_descriptors = open_descriptors(proxy_pid);
    assert!(
        proxy_descriptors >= 2 * n as u64,
        "the proxy has {proxy_descriptors} descriptors for {n} connections"
    );
    assert_eq!(open.len(), n);

    runtime.block_on(echo_again_and_close(&mut open, n));
    drop(open);
    let idle = scrape_when_idle(&proxy);
    let held_for = held.elapsed();

    let burst = Instant::now();
    runtime.block_on(burst_of_handshakes(&connector, &proxy));
    let after = scrape_when_idle(&proxy);
    let burst_for = burst.elapsed();

    let total = (n + BURST) as f64;
    assert_eq!(idle.sum("keel_proxy_handshakes_total"), n as f64);
    assert_eq!(after.sum("keel_proxy_handshakes_total"), total);
    assert_eq!(
        after.value("keel_proxy_connections_accepted_total", &[]),
        total
    );
    assert_eq!(after.sum("keel_proxy_handshake_failures_total"), 0.0);
    assert_eq!(
        after.value("keel_proxy_upstream_connect_failures_total", &[]),
        0.0
    );
    assert_eq!(
        after.value(
            "keel_proxy_connections_closed_total",
            &[("end", "client_close_notify")]
        ),
        total,
        "some connections ended otherwise"
    );
    let echoed = (n * (FIRST_LEN + SECOND_LEN) + BURST * BURST_LEN) as f64;
    for direction in [
        "keel_proxy_client_to_upstream_bytes_total",
        "keel_proxy_upstream_to_client_bytes_total",
    ] {
        assert_eq!(after.value(direction, &[]), echoed, "{direction}");
    }
    eprintln!(
        "scale: {n} connections opened in {opened_in:?}, held and closed in {held_for:?} \
         ({proxy_descriptors} proxy descriptors at the barrier); {BURST} simultaneous \
         handshakes in {burst_for:?}; {:?} in all",
        started.elapsed()
    );
}

/// Started with a soft limit of 1,024 (systemd's default for services),
/// keel proxy raises it to the hard limit, which its 1,000 default
/// connections need twice over.
#[test]
fn keel_proxy_raises_its_soft_open_file_limit_to_the_hard_one() {
    let (_, hard) = open_file_limits(std::process::id());
    let soft = hard.min(2048) / 2;
    let mut keel = Command::new("prlimit");
    keel.arg(format!("--nofile={soft}:{hard}"))
        .arg(env!("CARGO_BIN_EXE_keel"));
    let pki = Pki::new("open-files");
    let proxy = Proxy::start_as(keel, &pki, super::closed_port(), &[]);
    assert_eq!(
        open_file_limits(proxy.child.id()),
        (hard, hard),
        "started with a soft limit of {soft}"
    );
}

// ---------------------------------------------------------------------
// The phases
// ---------------------------------------------------------------------

/// Opens `n` connections, `IN_FLIGHT` handshakes at a time, each echoing
/// its first message; returns them all, still open.
async fn open_and_echo_once(
    connector: &TlsConnector,
    proxy: &Proxy,
    n: usize,
) -> Vec<(usize, TlsStream<TcpStream>)> {
    let in_flight = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut opening = JoinSet::new();
    for id in 0..n {
        let connector = connector.clone();
        let addr = proxy.addr;
        let in_flight = Arc::clone(&in_flight);
        opening.spawn(async move {
            let permit = in_flight.acquire_owned().await.unwrap();
            let mut tls = connect(&connector, addr).await;
            echo(&mut tls, &pattern(FIRST_LEN, id), id).await;
            drop(permit);
            (id, tls)
        });
    }
    let open = tokio::time::timeout(PHASE_DEADLINE, join_all(&mut opening))
        .await
        .unwrap_or_else(|_| panic!("{n} connections were not open within {PHASE_DEADLINE:?}"));
    assert_eq!(open.len(), n);
    open
}

/// Echoes a second message on every held connection at once, then closes
/// each with close_notify and waits for the proxy's.
async fn echo_again_and_close(open: &mut Vec<(usize, TlsStream<TcpStream>)>, n: usize) {
    let mut closing = JoinSet::new();
    for (id, mut tls) in open.drain(..) {
        closing.spawn(async move {
            echo(&mut tls, &pattern(SECOND_LEN, n + id), id).await;
            tls.shutdown().await.unwrap();
            assert!(read_to_close_notify(&mut tls).await.is_empty());
        });
    }
    let closed = tokio::time::timeout(PHASE_DEADLINE, join_all(&mut closing))
        .await
        .unwrap_or_else(|_| panic!("the second exchange did not end within {PHASE_DEADLINE:?}"));
    assert_eq!(closed.len(), n);
}

/// Starts `BURST` connections at the same moment, with no limit on those
/// in flight: they wait in the listen backlog until the proxy accepts
/// them. Each echoes one message and closes.
async fn burst_of_handshakes(connector: &TlsConnector, proxy: &Proxy) {
    let start = Arc::new(tokio::sync::Barrier::new(BURST));
    let mut burst = JoinSet::new();
    for id in 0..BURST {
        let connector = connector.clone();
        let addr = proxy.addr;
        let start = Arc::clone(&start);
        burst.spawn(async move {
            start.wait().await;
            let mut tls = connect(&connector, addr).await;
            echo(&mut tls, &pattern(BURST_LEN, 2 * TARGET as usize + id), id).await;
            tls.shutdown().await.unwrap();
            assert!(read_to_close_notify(&mut tls).await.is_empty());
        });
    }
    let done = tokio::time::timeout(PHASE_DEADLINE, join_all(&mut burst))
        .await
        .unwrap_or_else(|_| panic!("the burst did not end within {PHASE_DEADLINE:?}"));
    assert_eq!(done.len(), BURST);
}

/// Sends `message` and checks that exactly it comes back.
async fn echo(tls: &mut TlsStream<TcpStream>, message: &[u8], id: usize) {
    tls.write_all(message).await.unwrap();
    tls.flush().await.unwrap();
    let mut echoed = vec![0u8; message.len()];
    tls.read_exact(&mut echoed)
        .await
        .unwrap_or_else(|e| panic!("connection {id}: no echo: {e}"));
    assert!(echoed == message, "connection {id}: the echo was altered");
}

/// Every task's result, failing on the first task that panicked.
async fn join_all<T: 'static>(tasks: &mut JoinSet<T>) -> Vec<T> {
    let mut results = Vec::with_capacity(tasks.len());
    while let Some(result) = tasks.join_next().await {
        results.push(result.unwrap_or_else(|e| panic!("a client failed: {e}")));
    }
    results
}

// ---------------------------------------------------------------------
// Limits and the echo upstream
// ---------------------------------------------------------------------

/// Raises this process's soft open-file limit to its hard one (cargo test
/// leaves it as the shell set it, often 1,024) and returns it.
fn raise_own_open_file_limit() -> u64 {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        },
    )
    .unwrap();
    open_file_limits(std::process::id()).0
}

/// The soft and hard open-file limits of process `pid`, as it has them
/// now (`/proc/PID/limits`).
fn open_file_limits(pid: u32) -> (u64, u64) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap_or_else(|| panic!("no open-file limit in /proc/{pid}/limits"));
    let number = |word: Option<&str>| -> u64 {
        match word {
            Some("unlimited") => u64::MAX,
            Some(n) => n.parse().unwrap_or_else(|_| panic!("{line}")),
            None => panic!("{line}"),
        }
    };
    let mut words = line["Max open files".len()..].split_whitespace();
    (number(words.next()), number(words.next()))
}

/// How many descriptors process `pid` has open.
fn open_descriptors(pid: u32) -> u64 {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count() as u64
}

/// `echo_upstream.py` running, killed on drop.
struct EchoUpstream {
    child: Child,
    port: u16,
}

impl EchoUpstream {
    fn start() -> Self {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/cli/proxy/echo_upstream.py"
        );
        let mut child = Command::new("python3")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs the echo upstream");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        // The guard exists before the wait, so that a failed start still
        // kills the child.
        let mut upstream = Self { child, port: 0 };
        let line = rx
            .recv_timeout(DEADLINE)
            .expect("the echo upstream did not start");
        upstream.port = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("the echo upstream said {line:?}"));
        upstream
    }
}

impl Drop for EchoUpstream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
