//! Reloading the certificates on SIGHUP, as service managers ask
//! (`systemctl reload`, after a certificate is renewed).
//!
//! Every certificate and key file is read again (and `--cert-dir` listed
//! again) and a whole new
//! configuration built from them; only if all of it loads does it replace
//! the old one, for the connections accepted from then on. Connections
//! already open are untouched. A file that does not load (unreadable, not
//! PEM, a key that does not match its certificate) keeps the old
//! configuration entirely, with a warning naming the file and why; half
//! a new set of certificates is never served.

use std::sync::Arc;

use snafu::ResultExt;

use super::error::{HangupSnafu, ProxyError};
use super::tls_config::{ConfigSource, CurrentConfig};

/// SIGHUP, caught from the moment this is made: until then the signal's
/// default action ends the process.
pub(crate) struct Reloader {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
    source: ConfigSource,
    current: Arc<CurrentConfig>,
}

impl Reloader {
    /// Catches SIGHUP, to rebuild `current` from `source` on each.
    pub(crate) fn new(
        source: ConfigSource,
        current: Arc<CurrentConfig>,
    ) -> Result<Self, ProxyError> {
        Ok(Self {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
                .context(HangupSnafu)?,
            source,
            current,
        })
    }

    /// Reloads on every SIGHUP, for the life of the process.
    pub(crate) async fn run(mut self) {
        #[cfg(unix)]
        while self.signal.recv().await.is_some() {
            self.reload();
        }
        std::future::pending::<()>().await;
    }

    /// One reload: the new configuration in place, or the old one kept.
    fn reload(&self) {
        match self.source.build() {
            Ok((config, certificates)) => {
                self.current.replace(config);
                tracing::info!(certificates, "SIGHUP: certificates reloaded");
            }
            Err(err) => tracing::warn!(
                error = %err,
                "SIGHUP: reload failed, keeping the configuration in use"
            ),
        }
    }
}
