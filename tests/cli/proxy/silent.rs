//! Silent clients: thousands of TCP connections that never send a byte
//! must not delay a real client. They count against `--max-handshakes`,
//! whose oldest are closed as new ones arrive, and never take one of the
//! `--max-connections` slots; so a real client that connects after them
//! is accepted at once and served within a few seconds, where a proxy
//! that gave each accepted connection a slot until `--handshake-timeout`
//! would keep it waiting for that whole timeout (60 s here).

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::metrics::scrape;
use super::silent_clients::{open_silent, silent_count};
use super::{Behaviour, DEADLINE, Pki, Proxy, Upstream, connect, runtime};

/// The proxy's budgets: small, so that the silent connections overflow
/// both many times over.
const MAX_CONNECTIONS: &str = "8";
const MAX_HANDSHAKES: usize = 64;
/// How long the real client may take, from its connect to its echo: its
/// own handshake costs milliseconds; waiting out the silent ones'
/// handshake timeout would take 60 s.
const SERVED_WITHIN: Duration = Duration::from_secs(5);

#[test]
fn ten_thousand_silent_connections_do_not_delay_a_real_client() {
    let count = silent_count(10_000);
    let pki = Pki::new("silent");
    let upstream = Upstream::start(Behaviour::Echo);
    let proxy = Proxy::start(
        &pki,
        upstream.addr,
        &[
            "--handshake-timeout",
            "60",
            "--max-connections",
            MAX_CONNECTIONS,
            "--max-handshakes",
            &MAX_HANDSHAKES.to_string(),
            // One warning per evicted connection would be thousands.
            "--log-level",
            "error",
            "--metrics",
            "127.0.0.1:0",
        ],
    );
    let connector = pki.connector(false);
    let silent = runtime().block_on(async {
        let silent = open_silent(proxy.addr, count, MAX_HANDSHAKES).await;
        let opened = silent.len();

        let started = Instant::now();
        let served = tokio::time::timeout(SERVED_WITHIN, async {
            let mut tls = connect(&connector, proxy.addr).await;
            tls.write_all(b"heard despite the silence").await.unwrap();
            tls.flush().await.unwrap();
            let mut echo = [0u8; 25];
            tls.read_exact(&mut echo).await.unwrap();
            assert_eq!(&echo, b"heard despite the silence");
            tls.shutdown().await.unwrap();
        })
        .await;
        eprintln!("the real client: {:?} after connecting", started.elapsed());
        assert!(
            served.is_ok(),
            "a real client was not served within {SERVED_WITHIN:?} \
             behind {opened} silent connections"
        );
        assert_eq!(opened, count, "not every silent connection was accepted");
        silent
    });
    // Every silent connection but the newest --max-handshakes was
    // evicted, and counted (each by its own task, just after; the silent
    // ones are kept open meanwhile, so that none ends otherwise).
    let wanted = (count - MAX_HANDSHAKES) as f64;
    let deadline = Instant::now() + DEADLINE;
    loop {
        let evicted = scrape(&proxy).value("keel_proxy_handshakes_evicted_total", &[]);
        if evicted >= wanted {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{evicted} evictions counted, not {wanted}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(silent);
}
