//! Session tickets for `keel serve` and `keel proxy`: on by default under
//! a master secret made at start-up and kept only in memory, under a
//! fleet's shared secret with `--ticket-key`, or off with `--no-tickets`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use keel::sessions::{TicketKeyError, TicketKeys};
use snafu::{ResultExt, Snafu};

use crate::chain::chain;

/// How often ticket keys rotate, and how long a ticket lasts.
const TICKET_PERIOD: Duration = Duration::from_secs(3600);

/// The ticket options both services take.
#[derive(Debug, clap::Args)]
pub(crate) struct TicketArgs {
    /// Seal session tickets with keys derived from the secret in this file
    /// (32 to 1024 bytes, e.g. `head -c 32 /dev/urandom`) rather than from
    /// one made at start-up. Every server given the same file resumes the
    /// others' sessions, also after a restart; keys rotate every hour and a
    /// ticket lasts an hour.
    #[arg(long, value_name = "FILE", conflicts_with = "no_tickets")]
    ticket_key: Option<PathBuf>,
    /// Seal no session tickets. By default they are sealed under a secret
    /// made at start-up and kept only in memory, so they resume sessions
    /// with this process only, until it exits. Without them, keel serve
    /// still resumes TLS 1.2 sessions by ID and TLS 1.3 ones by tickets
    /// that name an entry of its session cache, usable once; keel proxy
    /// resumes none.
    #[arg(long)]
    no_tickets: bool,
}

/// Why the ticket keys could not be set up.
#[derive(Debug, Snafu)]
pub(crate) enum TicketSetupError {
    /// `--ticket-key` could not be read or is not a usable secret.
    #[snafu(display("--ticket-key {}: {}", path.display(), chain(source)))]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: TicketKeyError,
    },
    /// No master secret could be made at start-up.
    #[snafu(display("cannot make a session ticket secret: {}", chain(source)))]
    Generate {
        /// Why.
        source: TicketKeyError,
    },
}

impl TicketArgs {
    /// The keys to seal tickets with, `None` with `--no-tickets`. The
    /// in-memory master comes from the system's random source, as every
    /// other secret of the configuration does.
    pub(crate) fn keys(&self) -> Result<Option<Arc<TicketKeys>>, TicketSetupError> {
        if self.no_tickets {
            return Ok(None);
        }
        let keys = match &self.ticket_key {
            Some(path) => TicketKeys::from_file(path, TICKET_PERIOD, TICKET_PERIOD)
                .context(FileSnafu { path })?,
            None => TicketKeys::random(&keel::provider::SystemRng, TICKET_PERIOD, TICKET_PERIOD)
                .context(GenerateSnafu)?,
        };
        Ok(Some(Arc::new(keys)))
    }
}
