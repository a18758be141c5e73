//! Silent clients, for the `keel serve` and `keel proxy` suites:
//! thousands of TCP connections that never send a byte, as many as the
//! process's file descriptor limit allows.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Descriptors left for everything else the test process has open.
const FD_MARGIN: usize = 500;
/// Fewer silent connections than this would not test anything: they
/// would fit in the kernel's backlog.
const MEANINGFUL: usize = 2_000;
/// Connections opened at once: well under the default backlog (1024).
const BATCH: usize = 500;
/// How long a batch may take to connect, and the service to accept it.
const DRAIN: Duration = Duration::from_secs(3);

/// How many silent connections to open: `wanted`, or what the soft
/// RLIMIT_NOFILE allows less a margin (said on stderr), and never fewer
/// than [`MEANINGFUL`].
pub(crate) fn silent_count(wanted: usize) -> usize {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let soft = limits
        .lines()
        .find_map(|l| l.strip_prefix("Max open files"))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("no \"Max open files\" in /proc/self/limits");
    let allowed = match soft.parse::<usize>() {
        Ok(soft) => soft.saturating_sub(FD_MARGIN),
        // "unlimited"
        Err(_) => usize::MAX,
    };
    let count = wanted.min(allowed);
    if count < wanted {
        eprintln!(
            "RLIMIT_NOFILE soft limit {soft}: opening {count} silent connections, not {wanted}"
        );
    }
    assert!(
        count >= MEANINGFUL,
        "RLIMIT_NOFILE soft limit {soft} allows only {count} silent connections; \
         at least {MEANINGFUL} are needed (raise it with ulimit -n)"
    );
    count
}

/// Opens `count` TCP connections to `addr` (on 127.0.0.1) that never
/// send a byte, and returns those that connected.
///
/// They are opened [`BATCH`] at a time, each batch left for the service
/// to accept (its listener's accept queue empty again) before the next:
/// a batch never overflows the backlog. Overflowing connections would
/// reach the service only when the kernel retries them, a second or
/// more later, and then arrive during the real client's handshake
/// instead of before it. A service that stops accepting is given
/// [`DRAIN`], then opening stops and says so.
pub(crate) async fn open_silent(addr: SocketAddr, count: usize) -> Vec<tokio::net::TcpStream> {
    let started = Instant::now();
    let mut open = Vec::with_capacity(count);
    while open.len() < count {
        let mut batch = tokio::task::JoinSet::new();
        for _ in 0..BATCH.min(count - open.len()) {
            batch.spawn(tokio::time::timeout(
                DRAIN,
                tokio::net::TcpStream::connect(addr),
            ));
        }
        while let Some(connected) = batch.join_next().await {
            match connected {
                Ok(Ok(Ok(tcp))) => open.push(tcp),
                other => panic!("a silent connection failed: {other:?}"),
            }
        }
        let waiting = Instant::now();
        loop {
            let queued = accept_queue(addr.port());
            if queued == 0 {
                break;
            }
            if waiting.elapsed() > DRAIN {
                eprintln!(
                    "{} of {count} silent connections open in {:?}, then the service \
                     stopped accepting: {queued} wait in its accept queue",
                    open.len(),
                    started.elapsed()
                );
                return open;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    eprintln!(
        "{count} silent connections open and accepted in {:?}",
        started.elapsed()
    );
    open
}

/// Connections in the accept queue of the listener on 127.0.0.1:`port`,
/// from /proc/net/tcp: a listening socket's rx_queue is the number of
/// connections the kernel has completed and the service not accepted.
fn accept_queue(port: u16) -> u64 {
    const LISTEN: &str = "0A";
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    let local = format!("0100007F:{port:04X}");
    let queue = table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (address, state, queues) = (fields.get(1)?, fields.get(3)?, fields.get(4)?);
        if *address != local || *state != LISTEN {
            return None;
        }
        let (_, rx) = queues.split_once(':')?;
        Some(u64::from_str_radix(rx, 16).unwrap())
    });
    queue.expect("no listening socket in /proc/net/tcp")
}
