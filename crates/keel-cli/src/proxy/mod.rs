//! `keel proxy`: a TLS-terminating proxy on the tokio adapter. Each client
//! connection completes a keel server handshake, then is forwarded as
//! plain TCP to the upstream, both ways, until either side ends it.
//!
//! - `conn`: one connection, from the handshake to its log line.
//! - `copy`: the copy loop, both directions in one task with fixed-size
//!   buffers, and the idle timeout.
//! - `error`: the error that stops the proxy, printed as the single
//!   `error:` line.
//! - `proxy_protocol`: the PROXY protocol header (`--proxy-protocol`, v1
//!   or v2) written to the upstream before the client's bytes.
//! - `metrics`: what the proxy counts, and starting its `--metrics`
//!   endpoint.
//! - `counting`: the upstream stream as the copy loop sees it, counting
//!   the bytes each way as they move.
//! - `tls_config`: the TLS configuration built from the certificate files
//!   (which certificate answers which server name), and the one in use.
//! - `reload`: rebuilding it on SIGHUP.
//! - `cert_dir`: the certificate and key pairs of `--cert-dir`.
//! - `routes`: `--route`, the upstream chosen by the client's server name.
//!
//! TLS 1.2 has no half-close (RFC 5246 §7.2.1), so one side's end is the
//! end of the whole connection: the client's close_notify is answered and
//! both sides are closed. In TLS 1.3 (RFC 8446 §6.1) the client's
//! close_notify ends its direction only, and the upstream's answer still
//! reaches it. In both, the upstream's end is followed by everything it
//! sent, then close_notify.

mod cert_dir;
mod conn;
mod copy;
mod counting;
mod error;
mod metrics;
mod proxy_protocol;
mod reload;
mod routes;
mod tls_config;

use std::io::{self, Write as _};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use keel::pki::TrustStore;
use snafu::{OptionExt, ResultExt, ensure};

use self::error::{
    ClientCaSnafu, HostSnafu, ListenSnafu, NoPortSnafu, PortSnafu, ProxyError, ReadClientCaSnafu,
    RuntimeSnafu, TicketsSnafu, UpstreamError,
};
use self::reload::Reloader;
use self::routes::{Route, Routes, parse_route};
use self::tls_config::{ConfigSource, CurrentConfig};
use crate::service::listen::{ListenArgs, Listener};
use crate::service::tickets::TicketArgs;

/// Arguments of `keel proxy`.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub(crate) struct ProxyArgs {
    /// Address to listen on for TLS clients (port 0: one the system picks;
    /// the "listening on" line says which).
    #[arg(long, value_name = "ADDR")]
    listen: SocketAddr,
    /// Where to forward each connection, as plain TCP: HOST:PORT (an IPv6
    /// address in brackets: `[::1]:8080`). The name is resolved for each
    /// connection. With --route, the upstream for every server name no
    /// route has, and for clients without SNI; optional then: without it,
    /// such clients are refused at the handshake (unrecognized_name;
    /// missing_extension for a TLS 1.3 client without SNI).
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_upstream,
          required_unless_present = "route")]
    upstream: Option<String>,
    /// Send the clients that ask for server name NAME (SNI; any case, a
    /// trailing dot ignored) to HOST:PORT rather than --upstream.
    /// Repeatable, once per name; a certificate must cover NAME.
    #[arg(long, value_name = "NAME=HOST:PORT", value_parser = parse_route)]
    route: Vec<Route>,
    /// Certificate chain to present (PEM, leaf first). Repeatable, each
    /// with its --key, in the same order: each certificate answers for the
    /// DNS names of its subjectAltName (`*.example.com` for one label).
    /// With --upstream, the first also answers every other name and
    /// clients without SNI; without it, only routed names get a
    /// certificate. Every file is read again on SIGHUP.
    #[arg(long, value_name = "CHAIN.pem", required_unless_present = "cert_dir")]
    cert: Vec<PathBuf>,
    /// Private key for the --cert in the same position (PEM: PKCS#8, SEC1
    /// or PKCS#1; RSA, ECDSA or Ed25519).
    #[arg(long, value_name = "KEY.pem", required_unless_present = "cert_dir")]
    key: Vec<PathBuf>,
    /// Also present every certificate in DIR: each NAME.pem (chain, leaf
    /// first) with its key in NAME.key, after the --cert ones, in the order
    /// of their names (the first is the default when there is no --cert).
    /// Listed again on SIGHUP, so that sites added since are picked up; a
    /// NAME.pem without NAME.key is an error.
    #[arg(long, value_name = "DIR")]
    cert_dir: Option<PathBuf>,
    /// Require every client to present a certificate issued by these roots
    /// (PEM).
    #[arg(long, value_name = "CA.pem")]
    client_ca: Option<PathBuf>,
    #[command(flatten)]
    tickets: TicketArgs,
    #[command(flatten)]
    listener: ListenArgs,
    /// Most connections proxied at once, each counted from its client's
    /// first bytes to its end: a connection whose client has sent nothing
    /// takes none (--max-handshakes bounds those). When all are taken, a
    /// new client's handshake waits for one, within --handshake-timeout.
    #[arg(long, default_value_t = 1000, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// Seconds without a byte in either direction after which a connection
    /// is closed (close_notify to the client).
    #[arg(long, default_value_t = 300, value_name = "S",
          value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout: u64,
    /// Seconds a client has, from accept, to complete the handshake
    /// (waiting for a --max-connections slot included); also the limit on
    /// connecting to the upstream.
    #[arg(long, default_value_t = 10, value_name = "S",
          value_parser = clap::value_parser!(u64).range(1..))]
    handshake_timeout: u64,
    /// Before the client's bytes, send the upstream a PROXY protocol
    /// header (HAProxy's specification) with the client's address and
    /// port and the address it connected to: v1 is the text line, v2 the
    /// binary header, which also carries the ALPN protocol, the SNI name
    /// (AUTHORITY) and the TLS version and cipher (SSL; the cipher as
    /// OpenSSL names it). Only for an upstream that expects one.
    #[arg(long, value_name = "VERSION")]
    proxy_protocol: Option<proxy_protocol::Version>,
    /// Serve Prometheus metrics over plain HTTP on this address, at
    /// `GET /metrics` (port 0: one the system picks; the "metrics on" line
    /// says which). Keep it private: it is not TLS and has no
    /// authentication.
    #[arg(long, value_name = "ADDR")]
    metrics: Option<SocketAddr>,
    /// Log level: error, warn, info, debug or trace.
    #[arg(long, default_value = "info", value_name = "LEVEL")]
    log_level: tracing::Level,
}

/// The text after the options in `--help`.
const AFTER_HELP: &str = "\
Example:
  keel proxy --listen 0.0.0.0:8443 --upstream 127.0.0.1:8080 --cert chain.pem --key key.pem
  curl --cacert ca.pem https://proxy.example:8443/

  keel proxy --listen 0.0.0.0:443 --cert a.pem --key a.key --cert b.pem --key b.key \\
    --route a.example.com=10.0.0.1:8080 --route b.example.com=10.0.0.2:8080

Clients speak TLS 1.3 to the proxy, or TLS 1.2 when they cannot; each connection is forwarded \
as plain TCP to the upstream of its server name (--route) or else to --upstream, which is \
connected to after the handshake. A client is given the certificate whose subjectAltName has \
the name it asks for, else the first --cert; without --upstream, a name no route has is refused \
at the handshake with the unrecognized_name alert (RFC 6066 §3), and a client without SNI with \
missing_extension (TLS 1.3, RFC 8446 §9.2) or unrecognized_name (TLS 1.2). \
TLS 1.3 closes each direction on its own: the client's close_notify still lets the upstream's \
answer through. TLS 1.2 has no half-close: when the client sends close_notify, the proxy \
answers it and closes both sides. When the upstream closes, the proxy first sends the client \
everything the upstream sent, then close_notify. If the upstream cannot be reached, the client \
gets close_notify at once.

On SIGHUP the proxy reads every --cert and --key file again (and lists --cert-dir again) and \
uses them for new connections; open connections keep theirs, and session tickets issued before \
still resume. If any file does not load, nothing changes and a warning names the file and why; \
a reload that worked logs \"certificates reloaded\".

Prints \"keel proxy: listening on ADDR\" on stdout once ready (after \"keel proxy: metrics on \
ADDR\" with --metrics), and one line per connection on stderr (peer, SNI, cipher suite, upstream, \
bytes each way, duration, outcome). A client that ends its connection without close_notify after \
everything sent to it was delivered is logged as an ordinary end, \"client closed without \
close_notify\", not as a failure.

Clients that connect and send nothing never keep others waiting: they count against \
--max-handshakes, not --max-connections, and the oldest connection still in its handshake is \
closed when a new one needs its place (logged as \"handshake evicted\").

With --metrics ADDR, GET http://ADDR/metrics answers in the Prometheus text format (0.0.4): \
keel_proxy_connections_open, keel_proxy_connections_accepted_total, \
keel_proxy_connections_closed_total{end}, keel_proxy_handshakes_total{version,cipher,resumed}, \
keel_proxy_handshake_failures_total{alert}, keel_proxy_handshakes_evicted_total, \
keel_proxy_client_to_upstream_bytes_total, \
keel_proxy_upstream_to_client_bytes_total, keel_proxy_upstream_connect_failures_total.";

/// Timeouts for one connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    /// The handshake, and connecting to the upstream.
    pub(crate) handshake: Duration,
    /// No byte moving in either direction.
    pub(crate) idle: Duration,
}

/// What every connection shares.
#[derive(Debug)]
pub(crate) struct Settings {
    /// The TLS configuration for new connections, replaced on SIGHUP.
    pub(crate) tls: Arc<CurrentConfig>,
    /// The upstream of each server name.
    pub(crate) routes: Arc<Routes>,
    pub(crate) timeouts: Timeouts,
    /// The PROXY protocol header to send the upstream first, if any.
    pub(crate) proxy_protocol: Option<proxy_protocol::Version>,
    /// The process's counters.
    pub(crate) metrics: Arc<metrics::ProxyMetrics>,
}

pub(crate) fn run(args: &ProxyArgs) -> ExitCode {
    crate::service::init_logging(args.log_level);
    // Two descriptors per connection: the client's and the upstream's.
    let max_connections = usize::try_from(args.max_connections).unwrap_or(usize::MAX);
    crate::service::open_files::raise_and_log(max_connections, 2);
    match start(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = writeln!(io::stderr().lock(), "error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Sets up and proxies until an error stops the proxy.
fn start(args: &ProxyArgs) -> Result<(), ProxyError> {
    let source = config_source(args)?;
    let (config, _) = source.build()?;
    let tls = Arc::new(CurrentConfig::new(config));
    let routes = Arc::clone(source.routes());
    let runtime = crate::service::runtime().context(RuntimeSnafu)?;
    let settings = Arc::new(Settings {
        tls: Arc::clone(&tls),
        routes,
        timeouts: Timeouts {
            handshake: Duration::from_secs(args.handshake_timeout),
            idle: Duration::from_secs(args.idle_timeout),
        },
        proxy_protocol: args.proxy_protocol,
        metrics: Arc::default(),
    });
    runtime.block_on(async {
        // SIGHUP is caught before the proxy says it is listening, so that
        // one sent as soon as it does reloads rather than kills.
        let reloader = Reloader::new(source, tls)?;
        tokio::spawn(reloader.run());
        metrics::start_endpoint(args.metrics, &settings.metrics).await?;
        proxy(args, settings).await
    })
}

/// What the server configuration is built from, at start-up and on each
/// reload: the files the arguments name, and what every build shares.
fn config_source(args: &ProxyArgs) -> Result<ConfigSource, ProxyError> {
    let routes = Routes::new(&args.route, args.upstream.clone())?;
    let client_roots = match &args.client_ca {
        Some(path) => {
            let pem = std::fs::read(path).context(ReadClientCaSnafu { path })?;
            Some(TrustStore::from_pem(&pem).context(ClientCaSnafu { path })?)
        }
        None => None,
    };
    let ticket_keys = args.tickets.keys().context(TicketsSnafu)?;
    ConfigSource::new(
        &args.cert,
        &args.key,
        args.cert_dir.clone(),
        client_roots,
        ticket_keys,
        Arc::new(routes),
    )
}

/// Checks that `--upstream` (or a `--route`'s upstream) is HOST:PORT (the name is resolved later, for
/// each connection, so that a name whose address changes keeps working).
fn parse_upstream(value: &str) -> Result<String, UpstreamError> {
    let (host, port) = value.rsplit_once(':').context(NoPortSnafu { value })?;
    let host_ok = match host.strip_prefix('[') {
        Some(bracketed) => bracketed
            .strip_suffix(']')
            .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok()),
        None => !host.is_empty() && !host.contains(':'),
    };
    ensure!(host_ok, HostSnafu { value });
    match port.parse::<u16>() {
        Ok(port) if port != 0 => Ok(value.to_owned()),
        _ => PortSnafu { value, port }.fail(),
    }
}

async fn proxy(args: &ProxyArgs, settings: Arc<Settings>) -> Result<(), ProxyError> {
    let listener = Listener::bind(args.listen, &args.listener).context(ListenSnafu)?;
    let local = listener.local_addr().context(ListenSnafu)?;
    // A line scripts and tests can wait for.
    println!("keel proxy: listening on {local}");
    tracing::info!(
        listen = %local,
        upstream = settings.routes.default_upstream().unwrap_or("none"),
        routes = settings.routes.len(),
        "proxying"
    );
    let permits = usize::try_from(args.max_connections).unwrap_or(usize::MAX);
    listener
        .serve(permits, |tcp, peer, handshaking, deadline| {
            let settings = Arc::clone(&settings);
            async move { conn::proxy_one(&settings, tcp, peer, handshaking, deadline).await }
        })
        .await
        .context(ListenSnafu)
}

#[cfg(test)]
mod tests {
    use super::parse_upstream;

    #[test]
    fn upstream_must_be_host_and_port() {
        for good in [
            "127.0.0.1:8080",
            "localhost:80",
            "[::1]:8080",
            "a.b.c:65535",
        ] {
            assert_eq!(parse_upstream(good).as_deref(), Ok(good), "{good}");
        }
        for bad in [
            "127.0.0.1",
            ":80",
            "host:",
            "host:0",
            "host:65536",
            "host:http",
            "::1:80",
            "[::1]",
            "[nope]:80",
        ] {
            assert!(parse_upstream(bad).is_err(), "{bad}");
        }
    }
}
