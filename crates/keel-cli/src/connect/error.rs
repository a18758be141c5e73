//! Why `keel connect` stopped. Each error is printed as one line, `error: `
//! followed by its Display, in words a person can act on. These are the
//! program's final reports, never wrapped or walked: each Display is the
//! whole line, with any keel error in it expanded with its causes
//! ([`chain`]).

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use crate::chain::chain;
use keel::pki::{CertError, LoadError};
use keel::{ConfigError, HandshakeError};
use snafu::Snafu;

/// Everything that ends `keel connect` with exit status 1.
#[derive(Debug, Snafu)]
#[snafu(visibility(pub(super)))]
pub(crate) enum ConnectError {
    /// Arguments that cannot work together.
    #[snafu(display("{message}"))]
    Usage {
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The target is not `HOST:PORT`.
    #[snafu(display("{target:?} is not HOST:PORT ({reason})"))]
    Target {
        /// What was given.
        target: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The host name did not resolve.
    #[snafu(display("cannot resolve {host}: {source}"))]
    Resolve {
        /// The host.
        host: String,
        /// What the resolver said.
        source: io::Error,
    },
    /// The host name resolved to no address.
    #[snafu(display("cannot resolve {host}: it has no address"))]
    NoAddress {
        /// The host.
        host: String,
    },
    /// No address of the host accepted a TCP connection.
    #[snafu(display("cannot connect to {target}: {reason}"))]
    Connect {
        /// `HOST:PORT` as given.
        target: String,
        /// What happened with each address tried.
        reason: String,
    },
    /// A socket option could not be set.
    #[snafu(display("cannot set up the TCP connection: {source}"))]
    Socket {
        /// What the system said.
        source: io::Error,
    },
    /// A certificate, key or trust store file could not be loaded.
    #[snafu(display("{}", load_text(what, file.as_ref(), source)))]
    Load {
        /// What the file was for (`--ca`, `--cert`, ...).
        what: &'static str,
        /// The file, when there is one (not for the system store).
        file: Option<PathBuf>,
        /// Why.
        source: LoadError,
    },
    /// The configuration was refused.
    #[snafu(display("invalid configuration: {source}"))]
    Config {
        /// Why.
        source: ConfigError,
    },
    /// The connection could not be created (an invalid server name).
    #[snafu(display("{source}"))]
    Connection {
        /// Why.
        source: keel::Error,
    },
    /// `SSLKEYLOGFILE` names a file that cannot be opened for appending.
    #[snafu(display("cannot open SSLKEYLOGFILE {}: {source}", path.display()))]
    KeyLogFile {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The handshake failed on a TLS error (ours or the server's alert).
    #[snafu(display("{}", tls_text(source)))]
    Handshake {
        /// Why.
        source: keel::Error,
    },
    /// The server went silent during the handshake.
    #[snafu(display(
        "the TLS handshake timed out: the server sent nothing for {} s",
        after.as_secs()
    ))]
    HandshakeTimeout {
        /// How long keel waited.
        after: Duration,
    },
    /// The server closed the TCP connection during the handshake.
    #[snafu(display(
        "the server closed the connection during the TLS handshake (is it a TLS 1.2 server?)"
    ))]
    HandshakeClosed,
    /// The transport failed during the handshake.
    #[snafu(display("the connection failed during the TLS handshake: {source}"))]
    HandshakeIo {
        /// What the system said.
        source: io::Error,
    },
    /// The TLS connection failed after the handshake.
    #[snafu(display("{}", tls_text(source)))]
    Tls {
        /// Why.
        source: keel::Error,
    },
    /// The transport failed after the handshake.
    #[snafu(display("the connection failed: {source}"))]
    Transport {
        /// What the system said.
        source: io::Error,
    },
    /// Standard input could not be read.
    #[snafu(display("cannot read stdin: {source}"))]
    Stdin {
        /// What the system said.
        source: io::Error,
    },
    /// Standard output could not be written.
    #[snafu(display("cannot write stdout: {source}"))]
    Stdout {
        /// What the system said.
        source: io::Error,
    },
}

/// The keel error inside an IO error from `keel::Stream`, if it is one.
pub(super) fn keel_error(err: &io::Error) -> Option<&keel::Error> {
    err.get_ref()
        .and_then(|inner| inner.downcast_ref::<keel::Error>())
}

/// Whether a read error only says that the socket's read timeout expired.
pub(super) fn is_timeout(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Classifies an error of `Stream::handshake`.
pub(super) fn handshake_failed(err: io::Error, timeout: Duration) -> ConnectError {
    // Cut short with or without close_notify, the handshake did not happen.
    let closed = matches!(
        keel_error(&err),
        Some(keel::Error::Tls {
            source: HandshakeError::ClosedDuringHandshake,
            ..
        })
    );
    if closed || is_truncation(&err) {
        return ConnectError::HandshakeClosed;
    }
    if let Some(source) = keel_error(&err) {
        return ConnectError::Handshake {
            source: source.clone(),
        };
    }
    if is_timeout(&err) {
        return ConnectError::HandshakeTimeout { after: timeout };
    }
    ConnectError::HandshakeIo { source: err }
}

/// Classifies an error of `Stream`'s `read`, `write` or `close` after the
/// handshake.
pub(super) fn connection_failed(err: io::Error) -> ConnectError {
    match keel_error(&err) {
        Some(source) => ConnectError::Tls {
            source: source.clone(),
        },
        None => ConnectError::Transport { source: err },
    }
}

/// Whether `err` says that the transport ended without close_notify.
pub(super) fn is_truncation(err: &io::Error) -> bool {
    matches!(
        keel_error(err),
        Some(keel::Error::Tls {
            source: HandshakeError::Truncated,
            ..
        })
    )
}

/// A TLS error in words: certificate failures the way people search for
/// them, the rest as keel says them.
fn tls_text(err: &keel::Error) -> String {
    match err {
        keel::Error::Tls {
            source: HandshakeError::Certificate { source },
            ..
        } => cert_text(source),
        keel::Error::Tls {
            source: HandshakeError::Truncated,
            ..
        } => "the server closed the connection without close_notify \
              (what it sent may be cut short)"
            .to_owned(),
        keel::Error::Tls {
            source: HandshakeError::AlertReceived { description },
            ..
        } => format!("the server sent the fatal alert {description}"),
        keel::Error::Tls { source, .. } => format!("TLS failed: {}", chain(source)),
        other => chain(other),
    }
}

fn cert_text(err: &CertError) -> String {
    format!("certificate verify failed: {err}")
}

/// A load error, naming the file unless the error already does.
fn load_text(what: &str, file: Option<&PathBuf>, err: &LoadError) -> String {
    match (file, err) {
        (_, LoadError::Io { .. }) | (None, _) => format!("{what}: {}", chain(err)),
        (Some(file), _) => format!("{what} {}: {}", file.display(), chain(err)),
    }
}
