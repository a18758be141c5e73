//! `keel`, the command-line face of keel.
//!
//! One module per subcommand: `serve` (an HTTPS responder, like `openssl
//! s_server -www`), `connect` (a TLS client, like `openssl s_client`),
//! `proxy` (a TLS-terminating proxy), `inspect` (decode captured TLS 1.2
//! bytes).

#![forbid(unsafe_code)]

mod chain;
mod connect;
mod inspect;
mod metrics;
mod proxy;
mod serve;
mod service;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// keel: a TLS 1.2 stack you can read, test and audit layer by layer.
#[derive(Debug, Parser)]
#[command(name = "keel", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Connect to a TLS 1.2 server, print the session, copy stdin and
    /// stdout (like `openssl s_client`).
    Connect(connect::ConnectArgs),
    /// Decode captured TLS 1.2 bytes into records and handshake messages.
    // The variant's doc comment would hide the subcommand's own long
    // description (with the JSON schema) from `--help`; name it here.
    #[command(long_about = inspect::LONG_ABOUT)]
    Inspect(inspect::InspectArgs),
    /// Terminate TLS (1.3, or 1.2 for older clients) and forward each
    /// connection as plain TCP to an upstream server, chosen by SNI with
    /// --route (a TLS-terminating proxy).
    Proxy(proxy::ProxyArgs),
    /// Serve HTTPS, answering each request with a page describing the TLS
    /// session (like `openssl s_server -www`).
    Serve(serve::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Connect(args) => connect::run(&args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Proxy(args) => proxy::run(&args),
        Command::Serve(args) => serve::run(&args),
    }
}
