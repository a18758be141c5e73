//! `keel connect`: a TLS 1.2 client for people, like `openssl s_client`.
//!
//! - `target`: `HOST:PORT`, name resolution and the TCP connection (with a
//!   timeout).
//! - `setup`: the `ClientConfig` the arguments ask for: trust store, client
//!   certificate, ALPN, key log.
//! - `keylog`: the `SSLKEYLOGFILE` writer (the CLI's, never the library's).
//! - `report`: the session summary and the peer's chain, on stderr.
//! - `relay`: stdin to the connection, the connection to stdout.
//! - `error`: the one error type, printed as the single `error:` line.
//!
//! Blocking IO on `std::net` and `keel::Stream`; one thread (the main one)
//! owns the connection, a helper thread only reads stdin.

mod error;
mod keylog;
mod relay;
mod report;
mod setup;
mod target;

use std::io::{self, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use keel::{ClientConfig, ClientConnection, Stream};
use snafu::ResultExt;

use self::error::{ConnectError, ConnectionSnafu, SocketSnafu};

/// How long the TCP connection (per address tried) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the server may be silent during the handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Arguments of `keel connect`.
// The subcommand's doc comment in `main.rs` sets its about text, so the
// long description goes after the options, with `--help` only.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP, after_long_help = AFTER_LONG_HELP)]
pub(crate) struct ConnectArgs {
    /// The server: a DNS name or an IP address, then its port (an IPv6
    /// address in brackets: `[::1]:443`).
    #[arg(value_name = "HOST:PORT")]
    target: String,

    /// The name to ask for (SNI) and to check the certificate against,
    /// instead of HOST. An IP address sends no SNI and is checked against
    /// the certificate's IP addresses.
    #[arg(long, value_name = "NAME")]
    servername: Option<String>,

    /// Trust the CA certificates in this PEM (or DER) file instead of
    /// Mozilla's roots; `system` trusts the operating system's CA
    /// certificates, or, when SSL_CERT_FILE (a PEM bundle) or SSL_CERT_DIR
    /// (directories of PEM files) is set, those instead (write `./system`
    /// for a file of that name).
    #[arg(long, value_name = "CA.pem|system")]
    ca: Option<PathBuf>,

    /// Offer these ALPN protocols, in order of preference, separated by
    /// commas (e.g. `h2,http/1.1`).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    alpn: Vec<String>,

    /// Present this certificate chain (PEM, leaf first) when the server
    /// asks for a client certificate. Needs --key.
    #[arg(long, value_name = "CHAIN.pem")]
    cert: Option<PathBuf>,

    /// The private key of --cert (PEM or DER: PKCS#8, SEC1 or PKCS#1; not
    /// encrypted).
    #[arg(long, value_name = "KEY.pem")]
    key: Option<PathBuf>,

    /// When stdin ends, send close_notify and exit once the server has
    /// closed too. Without it, keel keeps printing what the server sends
    /// until the server closes the connection.
    #[arg(long)]
    close_on_eof: bool,

    /// After the first handshake, connect N more times, offering the first
    /// connection's session each time (resumption by session ID, like
    /// `openssl s_client -reconnect`). Every connection's session is
    /// printed; all but the last are closed with close_notify right after
    /// the handshake, and the last one carries stdin and stdout.
    #[arg(long, value_name = "N", default_value_t = 0,
          value_parser = clap::value_parser!(u8).range(0..=100))]
    reconnect: u8,

    /// Speak TLS 1.3 only (as `openssl s_client -tls1_3`): a server
    /// without it is refused.
    #[arg(long = "tls1_3", conflicts_with = "tls1_2")]
    pub(crate) tls1_3: bool,

    /// Speak TLS 1.2 only (as `openssl s_client -tls1_2`).
    #[arg(long = "tls1_2")]
    pub(crate) tls1_2: bool,
}

/// The examples, shown by `-h` and `--help`.
macro_rules! examples {
    () => {
        "\
Examples:
  printf 'GET / HTTP/1.0\\r\\nHost: example.com\\r\\n\\r\\n' | keel connect example.com:443
  keel connect 127.0.0.1:8443 --servername localhost --ca ca.pem --alpn http/1.1
  keel connect mtls.example:443 --cert client.pem --key client.key --close-on-eof
  keel connect example.com:443 --reconnect 3 < /dev/null 2>&1 | grep resumed"
    };
}

const AFTER_HELP: &str = concat!(examples!(), "\n\nMore with --help.");

const AFTER_LONG_HELP: &str = concat!(
    "\
Connects over TCP, runs a TLS 1.2 handshake, prints the server's certificate
chain and the session on stderr, then copies stdin to the connection and the
connection to stdout (like `openssl s_client -ign_eof`).

The certificate chain and the server's name are always verified, against
Mozilla's roots unless --ca says otherwise; there is no option to skip
verification. The TCP connection (to each address HOST resolves to) and the
handshake each time out after 10 seconds.

After the handshake, stderr holds the server's chain (one indented block per
certificate: subject, issuer, names, validity) and the session as `key: value`
lines that scripts can read: certificates (how many the server sent), peer,
protocol, cipher, group, signature, alpn, sni, ems, resumed (`yes` for an
abbreviated handshake, which only --reconnect makes), and keylog (the file)
when SSLKEYLOGFILE is set; `none` marks an absent value. With --reconnect N,
the chain and the session are printed once per connection, N + 1 times in
all, in the order of the connections.

When stdin ends, keel keeps printing what the server sends until the server
closes the connection; with --close-on-eof it sends close_notify and exits
when the server has closed too.

Environment:
  SSLKEYLOGFILE  When set, the session's secrets are appended to this file
                 as NSS key log lines (CLIENT_RANDOM ...), so that Wireshark
                 can decrypt a capture. Anyone with the file can read the
                 traffic.

Exit status: 0 when the server ended the connection properly (close_notify;
after --close-on-eof, also the end of the TCP connection); 1 on any failure,
with ONE line starting `error: ` on stderr: bad arguments, unreadable files,
name resolution, a refused connection, a failed handshake (certificate
errors read `error: certificate verify failed: ...`), a connection cut
without close_notify.

",
    examples!()
);

/// Runs `keel connect` and prints its one error line, if any.
pub(crate) fn run(args: &ConnectArgs) -> ExitCode {
    match connect(args) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of stdout went away (`keel connect ... | head`): it has
        // what it wanted, and an error line about it would only be noise.
        Err(ConnectError::Stdout { source }) if source.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::FAILURE
        }
        Err(err) => {
            // Nothing sensible is left to do if stderr itself is gone.
            let _ = writeln!(io::stderr().lock(), "error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn connect(args: &ConnectArgs) -> Result<(), ConnectError> {
    // Everything that can be checked without the network comes first, so a
    // mistake in the arguments costs no connection.
    let target = target::Target::parse(&args.target)?;
    let server_name = args
        .servername
        .clone()
        .unwrap_or_else(|| target.host.clone());
    let key_log = setup::key_log_from_env()?;
    let config = setup::client_config(args, key_log.clone())?;
    let key_log_path = key_log.as_ref().map(|k| k.path().to_owned());

    // Earlier connections only shake hands and close: what they leave
    // behind is the session in the config's store, offered by the next.
    for _ in 0..args.reconnect {
        let mut stream = open(&config, &server_name, &target, key_log_path.as_deref())?;
        stream.close().map_err(error::connection_failed)?;
    }
    let stream = open(&config, &server_name, &target, key_log_path.as_deref())?;
    relay::relay(stream, args.close_on_eof)
}

/// Connects, runs the handshake and prints the chain and the session.
fn open(
    config: &ClientConfig,
    server_name: &str,
    target: &target::Target,
    key_log: Option<&Path>,
) -> Result<Stream<ClientConnection, TcpStream>, ConnectError> {
    let connection = ClientConnection::new(config, server_name).context(ConnectionSnafu)?;
    let (tcp, peer) = target.connect(CONNECT_TIMEOUT)?;
    tcp.set_nodelay(true).context(SocketSnafu)?;
    tcp.set_read_timeout(Some(HANDSHAKE_TIMEOUT))
        .context(SocketSnafu)?;
    let mut stream = Stream::new(connection, tcp);
    stream
        .handshake()
        .map_err(|source| error::handshake_failed(source, HANDSHAKE_TIMEOUT))?;
    if let Some(session) = stream.connection().session() {
        report::print(&peer, session, key_log);
    }
    Ok(stream)
}
