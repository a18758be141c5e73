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
//!
//! TLS 1.2 has no half-close (RFC 5246 §7.2.1), so one side's end is the
//! end of the whole connection: the client's close_notify is answered and
//! both sides are closed; the upstream's end is followed by everything it
//! sent, then close_notify.

mod conn;
mod copy;
mod counting;
mod error;
mod metrics;
mod proxy_protocol;

use std::io::{self, Write as _};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use keel::pki::{ClientAuth, TrustStore};
use keel::{ServerConfig, ServerConfigBuilder};
use snafu::{OptionExt, ResultExt, ensure};

use self::error::{
    CertificateSnafu, ClientCaSnafu, ConfigSnafu, HostSnafu, ListenSnafu, NoPortSnafu, PortSnafu,
    ProxyError, ReadClientCaSnafu, RuntimeSnafu, TicketsSnafu, UpstreamError,
};
use crate::serve::certs;
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
    /// connection.
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_upstream)]
    upstream: String,
    /// Certificate chain to present (PEM, leaf first).
    #[arg(long, value_name = "CHAIN.pem")]
    cert: PathBuf,
    /// Private key for --cert (PEM: PKCS#8, SEC1 or PKCS#1; RSA, ECDSA or
    /// Ed25519).
    #[arg(long, value_name = "KEY.pem")]
    key: PathBuf,
    /// Require every client to present a certificate issued by these roots
    /// (PEM).
    #[arg(long, value_name = "CA.pem")]
    client_ca: Option<PathBuf>,
    #[command(flatten)]
    tickets: TicketArgs,
    #[command(flatten)]
    listener: ListenArgs,
    /// Most connections proxied at once; more wait to be accepted.
    #[arg(long, default_value_t = 1000, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// Seconds without a byte in either direction after which a connection
    /// is closed (close_notify to the client).
    #[arg(long, default_value_t = 300, value_name = "S",
          value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout: u64,
    /// Seconds a client has to complete the handshake; also the limit on
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

Clients speak TLS 1.2 to the proxy; each connection is forwarded as plain TCP to --upstream, \
which is connected to after the handshake. TLS 1.2 has no half-close: when the client sends \
close_notify, the proxy answers it and closes both sides; when the upstream closes, the proxy \
first sends the client everything the upstream sent, then close_notify. If the upstream cannot \
be reached, the client gets close_notify at once.

Prints \"keel proxy: listening on ADDR\" on stdout once ready (after \"keel proxy: metrics on \
ADDR\" with --metrics), and one line per connection on stderr (peer, SNI, cipher suite, upstream, \
bytes each way, duration, outcome). A client that ends its connection without close_notify after \
everything sent to it was delivered is logged as an ordinary end, \"client closed without \
close_notify\", not as a failure.

With --metrics ADDR, GET http://ADDR/metrics answers in the Prometheus text format (0.0.4): \
keel_proxy_connections_open, keel_proxy_connections_accepted_total, \
keel_proxy_connections_closed_total{end}, keel_proxy_handshakes_total{version,cipher,resumed}, \
keel_proxy_handshake_failures_total{alert}, keel_proxy_client_to_upstream_bytes_total, \
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
    pub(crate) acceptor: keel::tokio::TlsAcceptor,
    pub(crate) upstream: String,
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
    let config = config(args)?;
    let runtime = crate::service::runtime().context(RuntimeSnafu)?;
    let settings = Arc::new(Settings {
        acceptor: keel::tokio::TlsAcceptor::from(config),
        upstream: args.upstream.clone(),
        timeouts: Timeouts {
            handshake: Duration::from_secs(args.handshake_timeout),
            idle: Duration::from_secs(args.idle_timeout),
        },
        proxy_protocol: args.proxy_protocol,
        metrics: Arc::default(),
    });
    runtime.block_on(async {
        metrics::start_endpoint(args.metrics, &settings.metrics).await?;
        proxy(args, settings).await
    })
}

/// The server configuration the arguments ask for.
fn config(args: &ProxyArgs) -> Result<ServerConfig, ProxyError> {
    let key = certs::load(&args.cert, &args.key).context(CertificateSnafu)?;
    let mut builder: ServerConfigBuilder = ServerConfig::builder().with_certificate(key);
    if let Some(path) = &args.client_ca {
        let pem = std::fs::read(path).context(ReadClientCaSnafu { path })?;
        let roots = TrustStore::from_pem(&pem).context(ClientCaSnafu { path })?;
        builder = builder.with_client_auth(roots, ClientAuth::Required);
    }
    if let Some(keys) = args.tickets.keys().context(TicketsSnafu)? {
        builder = builder.with_session_tickets(keys);
    }
    builder.build().context(ConfigSnafu)
}

/// Checks that `--upstream` is HOST:PORT (the name is resolved later, for
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
    tracing::info!(listen = %local, upstream = %settings.upstream, "proxying");
    let permits = usize::try_from(args.max_connections).unwrap_or(usize::MAX);
    listener
        .serve(permits, |tcp, peer, deadline| {
            let settings = Arc::clone(&settings);
            async move { conn::proxy_one(&settings, tcp, peer, deadline).await }
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
