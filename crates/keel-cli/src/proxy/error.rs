//! Why `keel proxy` did not start or stopped, why one connection ended
//! badly, and why an `--upstream` or a `--route` is refused.
//!
//! A [`ProxyError`] is printed as one line, `error: ` followed by its
//! Display, in words a person can act on: what failed, the file or address
//! it failed on, and why, with any keel error in it expanded with its
//! causes ([`chain`]). A [`ConnError`] is the `outcome` and `error` of the
//! connection's log line.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::chain::chain;
use crate::serve::certs::CertSetupError;
use crate::service::describe;
use crate::service::listen::ListenError;
use crate::service::tickets::TicketSetupError;
use keel::ConfigError;
use keel::pki::LoadError;
use snafu::Snafu;

/// Everything that ends `keel proxy` with exit status 1.
#[derive(Debug, Snafu)]
#[snafu(visibility(pub(super)))]
pub(crate) enum ProxyError {
    /// The certificate (`--cert`, `--key`) could not be loaded.
    #[snafu(display("{source}"))]
    Certificate {
        /// Why.
        source: CertSetupError,
    },
    /// `--cert` and `--key` were not given the same number of times.
    #[snafu(display(
        "--cert is given {certs} times and --key {keys}: give them in pairs, each --cert followed by its --key"
    ))]
    CertKeyCount {
        /// How many `--cert`.
        certs: usize,
        /// How many `--key`.
        keys: usize,
    },
    /// The `--cert-dir` directory could not be listed.
    #[snafu(display("cannot read the directory {}: {source}", path.display()))]
    ReadCertDir {
        /// The directory.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// A certificate in `--cert-dir` has no key file of the same name.
    #[snafu(display("{} has no key beside it ({} is missing)", cert.display(), key.display()))]
    CertWithoutKey {
        /// The certificate file.
        cert: PathBuf,
        /// The key file it needs.
        key: PathBuf,
    },
    /// A `--route` names a server name no certificate covers: its clients
    /// could not be given a certificate for it.
    #[snafu(display(
        "--route {name}: no certificate covers {name} (the certificates' DNS names: {covered})"
    ))]
    RouteNotCovered {
        /// The route's name.
        name: String,
        /// Every DNS name the certificates have, comma-separated.
        covered: String,
    },
    /// Two `--route` name the same server name.
    #[snafu(display("--route {name} is given twice"))]
    DuplicateRoute {
        /// The name.
        name: String,
    },
    /// SIGHUP could not be caught, so certificates could not be reloaded.
    #[snafu(display("cannot watch for SIGHUP: {source}"))]
    Hangup {
        /// What the system said.
        source: io::Error,
    },
    /// The `--client-ca` file could not be read.
    #[snafu(display("cannot read {}: {source}", path.display()))]
    ReadClientCa {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The `--client-ca` file holds no usable roots.
    #[snafu(display("{}: {}", path.display(), chain(source)))]
    ClientCa {
        /// The file.
        path: PathBuf,
        /// Why.
        source: LoadError,
    },
    /// The session ticket keys could not be set up.
    #[snafu(display("{source}"))]
    Tickets {
        /// Why.
        source: TicketSetupError,
    },
    /// The configuration was refused.
    #[snafu(display("invalid configuration: {}", chain(source)))]
    Config {
        /// Why.
        source: ConfigError,
    },
    /// The tokio runtime could not be started.
    #[snafu(display("cannot start the runtime: {source}"))]
    Runtime {
        /// What the system said.
        source: io::Error,
    },
    /// Listening failed, or the accept loop stopped.
    #[snafu(display("{source}"))]
    Listen {
        /// Why.
        source: ListenError,
    },
    /// The `--metrics` address could not be bound, or read back.
    #[snafu(display("cannot listen on {address} for metrics: {source}"))]
    MetricsListen {
        /// The address.
        address: SocketAddr,
        /// What the system said.
        source: io::Error,
    },
}

/// Why `--upstream` is not HOST:PORT; clap prints it as a usage error.
#[derive(Debug, PartialEq, Eq, Snafu)]
#[snafu(visibility(pub(super)))]
pub(crate) enum UpstreamError {
    /// There is no `:PORT`.
    #[snafu(display("{value:?} is not HOST:PORT"))]
    NoPort {
        /// What was given.
        value: String,
    },
    /// The host is empty, or an IPv6 address without brackets.
    #[snafu(display("{value:?} is not HOST:PORT (an IPv6 address goes in brackets: [::1]:8080)"))]
    Host {
        /// What was given.
        value: String,
    },
    /// The port is not a number from 1 to 65535.
    #[snafu(display("{value:?}: {port:?} is not a port (1 to 65535)"))]
    Port {
        /// What was given.
        value: String,
        /// The part after the last colon.
        port: String,
    },
}

/// Why a `--route` is not NAME=HOST:PORT; clap prints it as a usage
/// error.
#[derive(Debug, PartialEq, Eq, Snafu)]
#[snafu(visibility(pub(super)))]
pub(crate) enum RouteError {
    /// There is no `=`.
    #[snafu(display("{value:?} is not NAME=HOST:PORT"))]
    NoSeparator {
        /// What was given.
        value: String,
    },
    /// The name is not a DNS host name.
    #[snafu(display(
        "{value:?}: the name is not a DNS host name (a wildcard or an address cannot be routed)"
    ))]
    NotAHostName {
        /// What was given.
        value: String,
    },
    /// The upstream is not HOST:PORT.
    #[snafu(display("{value:?}: {source}"))]
    RouteUpstream {
        /// What was given.
        value: String,
        /// Why.
        source: UpstreamError,
    },
}

/// How one connection ended badly; logged on its line, and the proxy goes
/// on.
#[derive(Debug, Snafu)]
pub(crate) enum ConnError {
    /// The upstream refused the connection or could not be reached.
    #[snafu(display("cannot connect to {upstream}: {source}"))]
    UpstreamConnect {
        /// `--upstream` as given.
        upstream: String,
        /// What the system said.
        source: io::Error,
    },
    /// Connecting to the upstream took longer than `--handshake-timeout`.
    #[snafu(display("connecting to {upstream} timed out after {} s", after.as_secs()))]
    UpstreamTimeout {
        /// `--upstream` as given.
        upstream: String,
        /// How long the proxy waited.
        after: Duration,
    },
    /// No route names the client's server name, and there is no default
    /// upstream. The handshake refuses such a client first, so this is
    /// only a last line of defence.
    #[snafu(display("no upstream for server name {sni:?}"))]
    NoRoute {
        /// The client's SNI, empty for none.
        sni: String,
    },
    /// The PROXY protocol header could not be sent to the upstream.
    #[snafu(display("sending the PROXY protocol header: {source}"))]
    ProxyHeader {
        /// What the system said.
        source: io::Error,
    },
    /// Answering the client's close_notify failed.
    #[snafu(display("answering close_notify: {}", describe(source)))]
    AnswerClose {
        /// keel's or the system's error.
        source: io::Error,
    },
    /// Answering the client's close_notify took too long.
    #[snafu(display("answering close_notify timed out"))]
    AnswerCloseTimeout,
    /// Sending close_notify to the client failed.
    #[snafu(display("sending close_notify: {}", describe(source)))]
    SendClose {
        /// keel's or the system's error.
        source: io::Error,
    },
    /// Sending close_notify to the client took too long.
    #[snafu(display("sending close_notify timed out"))]
    SendCloseTimeout,
    /// The shutdown deadline passed first; close_notify was sent.
    #[snafu(display("cut at the shutdown deadline"))]
    Cut,
    /// No byte moved either way for `--idle-timeout`.
    #[snafu(display("no bytes either way for {} s", after.as_secs()))]
    Idle {
        /// The idle timeout.
        after: Duration,
    },
    /// Reading from or writing to the client failed.
    #[snafu(display("{}", describe(source)))]
    Client {
        /// keel's or the system's error.
        source: io::Error,
    },
    /// Reading from or writing to the upstream failed.
    #[snafu(display("upstream: {source}"))]
    Upstream {
        /// What the system said.
        source: io::Error,
    },
}

impl ConnError {
    /// The log line's `outcome`.
    pub(super) fn outcome(&self) -> &'static str {
        match self {
            Self::UpstreamConnect { .. } | Self::UpstreamTimeout { .. } => "upstream unreachable",
            Self::NoRoute { .. } => "no route",
            Self::Idle { .. } => "idle timeout",
            Self::Cut => "cut at shutdown",
            Self::Client { .. } => "client failed",
            Self::Upstream { .. } | Self::ProxyHeader { .. } => "upstream failed",
            Self::AnswerClose { .. }
            | Self::AnswerCloseTimeout
            | Self::SendClose { .. }
            | Self::SendCloseTimeout => "failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Log readers match on these words: the outcome, and the error's
    /// text.
    #[test]
    fn connection_errors_keep_their_outcomes_and_words() {
        let io = |text: &str| io::Error::other(text.to_owned());
        let cases = [
            (
                ConnError::UpstreamConnect {
                    upstream: "db:5432".to_owned(),
                    source: io::Error::new(io::ErrorKind::ConnectionRefused, "refused"),
                },
                "upstream unreachable",
                "cannot connect to db:5432: refused",
            ),
            (
                ConnError::UpstreamTimeout {
                    upstream: "db:5432".to_owned(),
                    after: Duration::from_secs(10),
                },
                "upstream unreachable",
                "connecting to db:5432 timed out after 10 s",
            ),
            (
                ConnError::NoRoute {
                    sni: "b.example".to_owned(),
                },
                "no route",
                "no upstream for server name \"b.example\"",
            ),
            (
                ConnError::ProxyHeader {
                    source: io("broken pipe"),
                },
                "upstream failed",
                "sending the PROXY protocol header: broken pipe",
            ),
            (
                ConnError::AnswerClose {
                    source: io("reset"),
                },
                "failed",
                "answering close_notify: reset",
            ),
            (
                ConnError::AnswerCloseTimeout,
                "failed",
                "answering close_notify timed out",
            ),
            (
                ConnError::SendClose {
                    source: io("reset"),
                },
                "failed",
                "sending close_notify: reset",
            ),
            (
                ConnError::SendCloseTimeout,
                "failed",
                "sending close_notify timed out",
            ),
            (
                ConnError::Cut,
                "cut at shutdown",
                "cut at the shutdown deadline",
            ),
            (
                ConnError::Idle {
                    after: Duration::from_secs(300),
                },
                "idle timeout",
                "no bytes either way for 300 s",
            ),
            (
                ConnError::Client {
                    source: io("reset"),
                },
                "client failed",
                "reset",
            ),
            (
                ConnError::Upstream {
                    source: io("reset"),
                },
                "upstream failed",
                "upstream: reset",
            ),
        ];
        for (err, outcome, text) in cases {
            assert_eq!((err.outcome(), err.to_string().as_str()), (outcome, text));
        }
    }
}
