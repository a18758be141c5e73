//! What `keel proxy` counts, and the `--metrics` endpoint that shows it.
//!
//! One [`ProxyMetrics`] per process, shared by every connection through
//! [`super::Settings`]. Plain counters are atomics; the counters with
//! labels keep a small map each behind a mutex, whose keys are bounded by
//! what keel can negotiate or send (versions × suites × resumed, alert
//! descriptions, the ends a connection can have).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use keel::SessionInfo;
use keel::registry::{AlertDescription, CipherSuite, ProtocolVersion};
use snafu::ResultExt;

use super::error::{ConnError, MetricsListenSnafu, ProxyError};
use crate::metrics::endpoint;
use crate::metrics::exposition::{Exposition, Kind};
use crate::service::handshakes::HANDSHAKE_EVICTED;

/// Every counter of one proxy process.
#[derive(Debug, Default)]
pub(crate) struct ProxyMetrics {
    accepted: AtomicU64,
    open: AtomicU64,
    handshakes: Labelled<HandshakeKey>,
    handshake_failures: Labelled<Option<AlertDescription>>,
    handshakes_evicted: AtomicU64,
    upstream_connect_failures: AtomicU64,
    /// Keyed by the words of the connection's log line (`end` or
    /// `outcome`), which are a fixed set.
    closed: Labelled<&'static str>,
    client_to_upstream: AtomicU64,
    upstream_to_client: AtomicU64,
}

/// A completed handshake's labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct HandshakeKey {
    version: ProtocolVersion,
    cipher: CipherSuite,
    resumed: bool,
}

/// The `end` of a connection whose handshake failed or timed out.
const HANDSHAKE_FAILED: &str = "handshake failed";

impl ProxyMetrics {
    /// A connection was accepted: it counts as open until the returned
    /// guard drops.
    pub(crate) fn connection_opened(&self) -> OpenConnection<'_> {
        self.accepted.fetch_add(1, Ordering::Relaxed);
        self.open.fetch_add(1, Ordering::Relaxed);
        OpenConnection { metrics: self }
    }

    /// A handshake completed with `session`.
    pub(crate) fn handshake_completed(&self, session: &SessionInfo) {
        self.handshakes.add(HandshakeKey {
            version: session.version,
            cipher: session.cipher_suite,
            resumed: session.resumed,
        });
    }

    /// A handshake failed with `alert` (sent or received), or without one
    /// (a timeout, the client went away); the connection ends here.
    pub(crate) fn handshake_failed(&self, alert: Option<AlertDescription>) {
        self.handshake_failures.add(alert);
        self.closed.add(HANDSHAKE_FAILED);
    }

    /// A connection was closed in its handshake to make room for a newer
    /// one (`--max-handshakes`); the connection ends here.
    pub(crate) fn handshake_evicted(&self) {
        self.handshakes_evicted.fetch_add(1, Ordering::Relaxed);
        self.closed.add(HANDSHAKE_EVICTED);
    }

    /// A connection whose handshake completed ended with `result`, the
    /// result its log line shows.
    pub(crate) fn connection_ended(&self, result: &Result<&'static str, ConnError>) {
        let end = match result {
            Ok(end) => end,
            Err(e) => {
                if matches!(
                    e,
                    ConnError::UpstreamConnect { .. } | ConnError::UpstreamTimeout { .. }
                ) {
                    self.upstream_connect_failures
                        .fetch_add(1, Ordering::Relaxed);
                }
                e.outcome()
            }
        };
        self.closed.add(end);
    }

    /// `bytes` were written to an upstream, from its client.
    pub(crate) fn sent_upstream(&self, bytes: u64) {
        self.client_to_upstream.fetch_add(bytes, Ordering::Relaxed);
    }

    /// `bytes` were read from an upstream, for its client.
    pub(crate) fn received_from_upstream(&self, bytes: u64) {
        self.upstream_to_client.fetch_add(bytes, Ordering::Relaxed);
    }

    /// The counters in the Prometheus text format.
    pub(crate) fn render(&self) -> String {
        let mut text = Exposition::default();
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        text.single(
            "keel_proxy_connections_open",
            Kind::Gauge,
            "Client connections open now, from accept to close.",
            load(&self.open),
        );
        text.single(
            "keel_proxy_connections_accepted_total",
            Kind::Counter,
            "Client connections accepted.",
            load(&self.accepted),
        );

        let name = "keel_proxy_connections_closed_total";
        text.family(
            name,
            Kind::Counter,
            "Client connections ended, by how they ended (the end or outcome of their log line).",
        );
        for (end, count) in self.closed.snapshot() {
            text.sample(name, &[("end", &end.replace(' ', "_"))], count);
        }

        let name = "keel_proxy_handshakes_total";
        text.family(name, Kind::Counter, "TLS handshakes completed.");
        for (key, count) in self.handshakes.snapshot() {
            let (version, cipher) = (key.version.to_string(), key.cipher.to_string());
            let resumed = if key.resumed { "true" } else { "false" };
            let labels = [
                ("version", version.as_str()),
                ("cipher", cipher.as_str()),
                ("resumed", resumed),
            ];
            text.sample(name, &labels, count);
        }

        let name = "keel_proxy_handshake_failures_total";
        text.family(
            name,
            Kind::Counter,
            "TLS handshakes failed or timed out, by the alert sent or received (none: no alert).",
        );
        for (alert, count) in self.handshake_failures.snapshot() {
            let alert = alert.map_or_else(|| "none".to_owned(), |a| a.to_string());
            text.sample(name, &[("alert", &alert)], count);
        }

        text.single(
            "keel_proxy_handshakes_evicted_total",
            Kind::Counter,
            "Connections closed in their handshake to make room for a newer one (--max-handshakes).",
            load(&self.handshakes_evicted),
        );
        text.single(
            "keel_proxy_client_to_upstream_bytes_total",
            Kind::Counter,
            "Bytes from clients written to the upstream.",
            load(&self.client_to_upstream),
        );
        text.single(
            "keel_proxy_upstream_to_client_bytes_total",
            Kind::Counter,
            "Bytes read from the upstream for clients.",
            load(&self.upstream_to_client),
        );
        text.single(
            "keel_proxy_upstream_connect_failures_total",
            Kind::Counter,
            "Connections to the upstream refused, unreachable or timed out.",
            load(&self.upstream_connect_failures),
        );
        text.finish()
    }
}

/// An accepted connection, counted as open while this lives.
#[derive(Debug)]
pub(crate) struct OpenConnection<'a> {
    metrics: &'a ProxyMetrics,
}

impl Drop for OpenConnection<'_> {
    fn drop(&mut self) {
        self.metrics.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Binds `--metrics` when it is given, prints the address bound (a line
/// scripts and tests can wait for, like the listening line) and serves
/// scrapes in the background.
pub(super) async fn start_endpoint(
    address: Option<SocketAddr>,
    metrics: &Arc<ProxyMetrics>,
) -> Result<(), ProxyError> {
    let Some(address) = address else {
        return Ok(());
    };
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .context(MetricsListenSnafu { address })?;
    let local = listener
        .local_addr()
        .context(MetricsListenSnafu { address })?;
    println!("keel proxy: metrics on {local}");
    tracing::info!(metrics = %local, "serving metrics");
    let metrics = Arc::clone(metrics);
    tokio::spawn(endpoint::serve(listener, move || metrics.render()));
    Ok(())
}

/// A counter with one label set per key.
#[derive(Debug)]
struct Labelled<K>(Mutex<BTreeMap<K, u64>>);

impl<K> Default for Labelled<K> {
    fn default() -> Self {
        Self(Mutex::new(BTreeMap::new()))
    }
}

impl<K: Ord + Clone> Labelled<K> {
    fn add(&self, key: K) {
        // A panic elsewhere while the lock was held leaves the map whole
        // (only `+= 1` runs under it), so a poisoned lock is still used.
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *map.entry(key).or_default() += 1;
    }

    fn snapshot(&self) -> Vec<(K, u64)> {
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }
}
