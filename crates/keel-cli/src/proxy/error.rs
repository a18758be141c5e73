//! Why `keel proxy` did not start or stopped. Each error is printed as one
//! line, `error: ` followed by its Display, in words a person can act on:
//! what failed, the file or address it failed on, and why, with any keel
//! error in it expanded with its causes ([`chain`]).

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::chain::chain;
use crate::serve::certs::CertSetupError;
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
    /// The `--listen` address could not be bound.
    #[snafu(display("cannot listen on {address}: {source}"))]
    Listen {
        /// The address.
        address: SocketAddr,
        /// What the system said.
        source: io::Error,
    },
    /// The bound socket's address could not be read.
    #[snafu(display("cannot read the address listened on: {source}"))]
    LocalAddress {
        /// What the system said.
        source: io::Error,
    },
    /// The limit on connections at once stopped handing out slots (it is
    /// never closed, so this is a bug).
    #[snafu(display("the connection limit failed: {source}"))]
    Slots {
        /// What tokio said.
        source: tokio::sync::AcquireError,
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
