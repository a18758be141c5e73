//! `keel serve`: an HTTPS responder, like `openssl s_server -www`, on the
//! tokio adapter. Each connection completes the handshake, reads one HTTP
//! request, answers with a page describing the session, sends close_notify
//! and closes.
//!
//! - `certs`: the certificate, loaded or a throwaway one (shared with
//!   `keel proxy`).
//! - `conn`: one connection, from the handshake to its log line.
//! - `error`: the error that stops the server, printed as the single
//!   `error:` line.

pub(crate) mod certs;
pub(crate) mod conn;
mod error;
mod page;

use std::io::{self, Write as _};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use keel::pki::{ClientAuth, TrustStore};
use keel::{ServerConfig, ServerConfigBuilder};
use snafu::ResultExt;

use crate::service::listen::{ListenArgs, Listener};
use crate::service::tickets::TicketArgs;

use self::error::{
    CertificateSnafu, ClientCaSnafu, ConfigSnafu, ListenSnafu, OcspSnafu, ReadClientCaSnafu,
    RuntimeSnafu, ServeError, TicketsSnafu,
};

/// Arguments of `keel serve`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  keel serve\n  curl --cacert keel-serve-ca.pem https://localhost:8443/\n\n\
Without --cert, keel serve makes a throwaway CA and a certificate for localhost, 127.0.0.1 and ::1, \
writes the CA to keel-serve-ca.pem (or --ca-out) and prints the curl command that trusts it."
)]
pub(crate) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8443")]
    listen: SocketAddr,
    /// Certificate chain (PEM, leaf first). Without it, a throwaway one is made.
    #[arg(long, requires = "key", value_name = "CHAIN.pem")]
    cert: Option<PathBuf>,
    /// Private key for --cert (PEM: PKCS#8, SEC1 or PKCS#1; RSA, ECDSA or Ed25519).
    #[arg(long, requires = "cert", value_name = "KEY.pem")]
    key: Option<PathBuf>,
    /// A DER OCSP response for the served certificate, stapled for clients
    /// that ask (status_request). keel sends it as it is, without checking it.
    #[arg(long, value_name = "FILE")]
    ocsp: Option<PathBuf>,
    #[command(flatten)]
    tickets: TicketArgs,
    /// Where to write the throwaway CA when --cert is not given.
    #[arg(long, default_value = "keel-serve-ca.pem", value_name = "PATH")]
    ca_out: PathBuf,
    /// Ask clients for a certificate issued by these roots (PEM).
    #[arg(long, value_name = "CA.pem")]
    client_ca: Option<PathBuf>,
    /// With --client-ca: whether a client without a certificate is served.
    #[arg(long, value_enum, default_value = "required", requires = "client_ca")]
    client_auth: ClientAuthArg,
    /// ALPN protocols to accept, comma-separated, in order of preference.
    /// The page is HTTP/1.1, which is what is selected by default; a
    /// client that offers only other protocols is refused with
    /// no_application_protocol (RFC 7301 §3.2).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "LIST",
        default_value = "http/1.1"
    )]
    alpn: Vec<String>,
    #[command(flatten)]
    listener: ListenArgs,
    /// Most connections served at once, each counted from its client's
    /// first bytes to its end: a connection whose client has sent nothing
    /// takes none (--max-handshakes bounds those). When all are taken, a
    /// new client's handshake waits for one, within --handshake-timeout.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    max_connections: usize,
    /// Seconds a client has, from accept, to complete the handshake
    /// (waiting for a --max-connections slot included).
    #[arg(long, default_value_t = 10, value_name = "S")]
    handshake_timeout: u64,
    /// Seconds a client has to send its request once connected.
    #[arg(long, default_value_t = 10, value_name = "S")]
    request_timeout: u64,
    /// Log level: error, warn, info, debug or trace.
    #[arg(long, default_value = "info", value_name = "LEVEL")]
    log_level: tracing::Level,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ClientAuthArg {
    Optional,
    Required,
}

/// Timeouts for one connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    pub(crate) handshake: Duration,
    pub(crate) request: Duration,
}

pub(crate) fn run(args: &ServeArgs) -> ExitCode {
    crate::service::init_logging(args.log_level);
    crate::service::open_files::raise_and_log(args.max_connections, 1);
    match start(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = writeln!(io::stderr().lock(), "error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Sets up and serves until an error stops the server.
fn start(args: &ServeArgs) -> Result<(), ServeError> {
    let (config, ca) = config(args)?;
    let runtime = crate::service::runtime().context(RuntimeSnafu)?;
    let timeouts = Timeouts {
        handshake: Duration::from_secs(args.handshake_timeout),
        request: Duration::from_secs(args.request_timeout),
    };
    runtime.block_on(serve(args, config, ca, timeouts))
}

/// The configuration, and the path of the throwaway CA if one was made.
fn config(args: &ServeArgs) -> Result<(ServerConfig, Option<PathBuf>), ServeError> {
    let (key, ca) = match (&args.cert, &args.key) {
        (Some(cert), Some(key)) => (certs::load(cert, key).context(CertificateSnafu)?, None),
        _ => {
            let (key, ca) = certs::generate(&args.ca_out).context(CertificateSnafu)?;
            (key, Some(ca))
        }
    };
    // Clients may resume their sessions by ID for an hour; the cache holds
    // at most 10,000 of them.
    let cache = Arc::new(keel::sessions::ServerSessionCache::new(
        10_000,
        std::time::Duration::from_secs(3600),
    ));
    let mut builder: ServerConfigBuilder = ServerConfig::builder()
        .with_certificate(key)
        .with_session_cache(cache);
    if let Some(keys) = args.tickets.keys().context(TicketsSnafu)? {
        builder = builder.with_session_tickets(keys);
    }
    if let Some(path) = &args.ocsp {
        let der = std::fs::read(path).context(OcspSnafu { path })?;
        builder = builder.with_ocsp_response(der);
    }
    if let Some(path) = &args.client_ca {
        let pem = std::fs::read(path).context(ReadClientCaSnafu { path })?;
        let roots = TrustStore::from_pem(&pem).context(ClientCaSnafu { path })?;
        let mode = match args.client_auth {
            ClientAuthArg::Optional => ClientAuth::Optional,
            ClientAuthArg::Required => ClientAuth::Required,
        };
        builder = builder.with_client_auth(roots, mode);
    }
    if !args.alpn.is_empty() {
        builder = builder.with_alpn(args.alpn.iter().map(String::as_bytes));
    }
    Ok((builder.build().context(ConfigSnafu)?, ca))
}

async fn serve(
    args: &ServeArgs,
    config: ServerConfig,
    ca: Option<PathBuf>,
    timeouts: Timeouts,
) -> Result<(), ServeError> {
    let listener = Listener::bind(args.listen, &args.listener).context(ListenSnafu)?;
    let local = listener.local_addr().context(ListenSnafu)?;
    if let Some(ca) = ca {
        println!(
            "keel serve: a throwaway CA for this run is in {}",
            ca.display()
        );
        println!(
            "keel serve: try  curl --cacert {} https://localhost:{}/",
            ca.display(),
            local.port()
        );
    }
    // A line scripts and tests can wait for.
    println!("keel serve: listening on {local}");
    let acceptor = keel::tokio::TlsAcceptor::from(config);
    listener
        .serve(args.max_connections, |tcp, peer, handshaking, deadline| {
            conn::serve_one(acceptor.clone(), tcp, peer, timeouts, handshaking, deadline)
        })
        .await
        .context(ListenSnafu)
}
