//! What the two long-running subcommands (`keel serve`, `keel proxy`) set
//! up the same way: the log and the tokio runtime; and how they name an
//! IO error of keel's tokio adapter in a connection's log line, and read
//! the alert or the missing close_notify in it.
//!
//! - `listen`: the listening socket, the accept loop and the graceful
//!   shutdown on SIGTERM.
//! - `handshakes`: a connection's handshake phase and the budgets it is
//!   held to (`--max-handshakes` with oldest-first eviction,
//!   `--max-connections`).
//! - `tickets`: the session ticket options and the keys they select.
//! - `open_files`: the open-file limit, raised to the hard limit at
//!   start-up.

pub(crate) mod handshakes;
pub(crate) mod listen;
pub(crate) mod open_files;
pub(crate) mod tickets;

use crate::chain::chain;

/// Logs to stderr at `level`, one line per event, without module paths;
/// colours only for a person at a terminal, never in a log file or pipe.
pub(crate) fn init_logging(level: tracing::Level) {
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .init();
}

/// A multi-threaded runtime with IO and timers.
pub(crate) fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

/// An IO error of a keel stream, for a log line: keel's own error by name
/// when there is one, with the alert keel sent, and its causes.
pub(crate) fn describe(e: &std::io::Error) -> String {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<keel::Error>())
    {
        Some(keel::Error::Tls { source }) => match source.alert() {
            Some(alert) => format!("{} (sent alert {alert})", chain(source)),
            None => chain(source),
        },
        Some(other) => chain(other),
        None => chain(e),
    }
}

/// The keel error inside an IO error of a keel stream, if there is one.
fn keel_error(e: &std::io::Error) -> Option<&keel::HandshakeError> {
    match e.get_ref()?.downcast_ref::<keel::Error>()? {
        keel::Error::Tls { source } => Some(source),
        _ => None,
    }
}

/// The alert a keel stream's IO error went with: the one keel sent, or
/// the peer's fatal alert; `None` for a timeout, a reset, a close.
pub(crate) fn alert_of(e: &std::io::Error) -> Option<keel::registry::AlertDescription> {
    match keel_error(e)? {
        keel::HandshakeError::AlertReceived { description } => Some(*description),
        other => other.alert(),
    }
}

/// Whether a keel stream's IO error is the peer's transport ending
/// without close_notify.
pub(crate) fn is_truncation(e: &std::io::Error) -> bool {
    matches!(keel_error(e), Some(keel::HandshakeError::Truncated))
}
