//! What the two long-running subcommands (`keel serve`, `keel proxy`) set
//! up the same way: the log and the tokio runtime.

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
