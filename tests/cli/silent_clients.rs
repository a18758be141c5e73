//! Silent clients, for the `keel serve` and `keel proxy` suites:
//! thousands of TCP connections that never send a byte, as many as the
//! process's file descriptor limit allows.

use std::io::{ErrorKind, Read};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Descriptors left for everything else the test process has open.
const FD_MARGIN: usize = 500;
/// Fewer silent connections than this would not test anything: they
/// would fit in the kernel's backlog.
const MEANINGFUL: usize = 2_000;
/// Connections opened at once: well under the default backlog (1024).
const BATCH: usize = 500;
/// How long opening may go without the service closing one more
/// connection before it is given up.
const STALL: Duration = Duration::from_secs(3);

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

/// Opens `count` TCP connections to `addr` that never send a byte, to a
/// service that keeps at most `budget` of them (its `--max-handshakes`)
/// and closes the oldest as new ones come; returns them all, most of
/// them closed by the service.
///
/// They are opened [`BATCH`] at a time, and each batch is left for the
/// service to accept before the next: until it has closed all but
/// `budget` of those open, which it does only once it has accepted the
/// rest.
/// A batch then never overflows the backlog: overflowing connections
/// would reach the service only on the kernel's retries, a second or
/// more later, during the real client's handshake instead of before it.
/// (Asking the kernel instead, by the listener's queue in
/// /proc/net/tcp, costs a read of every socket on the machine, hundreds
/// of ms with the TIME_WAIT sockets of earlier runs.) A service that
/// closes none for [`STALL`] is given up on, and opening stops, saying
/// so.
pub(crate) async fn open_silent(addr: SocketAddr, count: usize, budget: usize) -> Vec<TcpStream> {
    let started = Instant::now();
    let mut open = Vec::with_capacity(count);
    // Indices into `open` of the connections the service has not closed
    // (yet): in the order the kernel completed them, which is not the
    // order of `open`.
    let mut not_closed: Vec<usize> = Vec::new();
    while open.len() < count {
        let mut batch = tokio::task::JoinSet::new();
        for _ in 0..BATCH.min(count - open.len()) {
            batch.spawn(tokio::time::timeout(
                STALL,
                tokio::net::TcpStream::connect(addr),
            ));
        }
        while let Some(connected) = batch.join_next().await {
            match connected {
                Ok(Ok(Ok(tcp))) => {
                    not_closed.push(open.len());
                    open.push(tcp.into_std().unwrap());
                }
                other => panic!("a silent connection failed: {other:?}"),
            }
        }
        let mut progress = Instant::now();
        while not_closed.len() > budget {
            let before = not_closed.len();
            not_closed.retain(|&i| !closed_by_peer(&open[i]));
            if not_closed.len() < before {
                progress = Instant::now();
            } else if progress.elapsed() > STALL {
                eprintln!(
                    "{} of {count} silent connections open in {:?}, then the service \
                     closed none for {STALL:?} ({} closed)",
                    open.len(),
                    started.elapsed(),
                    open.len() - not_closed.len()
                );
                return open;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    eprintln!(
        "{count} silent connections open, all but {budget} closed \
         by the service, in {:?}",
        started.elapsed()
    );
    open
}

/// Whether the service has closed `tcp` (a non-blocking socket).
fn closed_by_peer(mut tcp: &TcpStream) -> bool {
    match tcp.read(&mut [0u8; 1]) {
        Ok(0) => true,
        Ok(_) => panic!("the service sent bytes to a client that said nothing"),
        Err(e) if e.kind() == ErrorKind::WouldBlock => false,
        // A reset is a close too.
        Err(_) => true,
    }
}
