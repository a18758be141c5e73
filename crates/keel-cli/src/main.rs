//! `keel`, the command-line face of keel.
//!
//! One module per subcommand. Today there is `inspect`, which decodes
//! captured TLS 1.2 bytes; `serve`, `connect` and `proxy` will join it as
//! modules of their own and as variants of [`Command`].

#![forbid(unsafe_code)]

mod inspect;

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
    /// Decode captured TLS 1.2 bytes into records and handshake messages.
    Inspect(inspect::InspectArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Inspect(args) => inspect::run(&args),
    }
}
