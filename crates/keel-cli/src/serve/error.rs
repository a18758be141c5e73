//! Why `keel serve` did not start or stopped, and why one connection was
//! not served to the end.
//!
//! A [`ServeError`] is printed as one line, `error: ` followed by its
//! Display, in words a person can act on: what failed, the file or address
//! it failed on, and why, with any keel error in it expanded with its
//! causes ([`chain`]). A [`ConnError`] is the `error` of the connection's
//! log line.

use std::io;
use std::path::PathBuf;

use crate::chain::chain;
use crate::serve::certs::CertSetupError;
use crate::service::describe;
use crate::service::listen::ListenError;
use crate::service::tickets::TicketSetupError;
use keel::ConfigError;
use keel::pki::LoadError;
use snafu::Snafu;

/// Everything that ends `keel serve` with exit status 1.
#[derive(Debug, Snafu)]
#[snafu(visibility(pub(super)))]
pub(crate) enum ServeError {
    /// The certificate (`--cert`, `--key`) could not be loaded, or the
    /// throwaway one could not be made.
    #[snafu(display("{source}"))]
    Certificate {
        /// Why.
        source: CertSetupError,
    },
    /// The session ticket keys could not be set up.
    #[snafu(display("{source}"))]
    Tickets {
        /// Why.
        source: TicketSetupError,
    },
    /// The `--ocsp` response could not be read.
    #[snafu(display("cannot read {}: {source}", path.display()))]
    Ocsp {
        /// The file.
        path: PathBuf,
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
}

/// Why one connection was not served to the end; logged on its line, and
/// the server goes on.
#[derive(Debug, Snafu)]
#[snafu(visibility(pub(super)))]
pub(crate) enum ConnError {
    /// The client sent no complete request within `--request-timeout`.
    #[snafu(display("request timed out"))]
    RequestTimeout,
    /// Reading the request failed.
    #[snafu(display("{}", describe(source)))]
    Request {
        /// keel's or the system's error.
        source: io::Error,
    },
    /// Writing the page failed.
    #[snafu(display("{}", describe(source)))]
    Respond {
        /// keel's or the system's error.
        source: io::Error,
    },
    /// The shutdown deadline passed first; close_notify was sent.
    #[snafu(display("cut at the shutdown deadline"))]
    Cut,
    /// Sending close_notify or closing failed.
    #[snafu(display("{}", describe(source)))]
    Close {
        /// keel's or the system's error.
        source: io::Error,
    },
}
