//! Certificate chain validation for both sides, and the hooks that may add
//! to it.

pub(crate) mod checks;
mod client;
pub(crate) mod describe;
mod issuer_keys;
mod name;
pub(crate) mod path;
mod server;

pub use client::{ClientAuth, ClientCertVerifier};
pub use name::{InvalidServerName, ServerName};
pub use server::ServerCertVerifier;

use rustls_pki_types::{CertificateDer, UnixTime};

use crate::error::{CertError, ExpectedUsage};

/// A chain that passed every built-in check, as handed to
/// [`CertificateCheck`] hooks and returned to the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedChain {
    /// The chain as the peer sent it, leaf first.
    pub presented: Vec<CertificateDer<'static>>,
    /// How many certificates the validated path has, trust anchor included.
    pub path_len: usize,
    /// The server name it was validated for (server certificates only).
    pub server_name: Option<ServerName>,
    /// The stapled OCSP response, if the server sent one (RFC 6066 §8).
    /// keel passes it to hooks; it does not evaluate it itself.
    pub ocsp_response: Option<Vec<u8>>,
    /// The usage it was validated for.
    pub usage: ExpectedUsage,
    /// The validation time.
    pub now: UnixTime,
}

impl VerifiedChain {
    /// The end-entity certificate.
    #[must_use]
    pub fn leaf(&self) -> Option<&CertificateDer<'static>> {
        self.presented.first()
    }
}

/// An extra check a user adds to validation: pinning, revocation lists, a
/// local policy.
///
/// Hooks are *additive only*: they run after every built-in check has
/// passed, and can only refuse. A chain that failed is never shown to a
/// hook, so no hook can make keel accept it.
pub trait CertificateCheck: Send + Sync + core::fmt::Debug {
    /// Refuses `chain` by returning an error; `Ok(())` lets it through to
    /// the next hook.
    fn check(&self, chain: &VerifiedChain) -> Result<(), PolicyRejection>;
}

/// A hook's reason for refusing a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRejection {
    reason: String,
    revoked: bool,
}

impl PolicyRejection {
    /// Refused by policy (alert `bad_certificate`).
    #[must_use]
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            revoked: false,
        }
    }

    /// Refused because the certificate is revoked, e.g. by a CRL or OCSP
    /// check (alert `certificate_revoked`).
    #[must_use]
    pub fn revoked(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            revoked: true,
        }
    }

    fn into_error(self) -> CertError {
        if self.revoked {
            CertError::Revoked {
                reason: self.reason,
            }
        } else {
            CertError::RejectedByPolicy {
                reason: self.reason,
            }
        }
    }
}

/// Runs the hooks in order; the first refusal wins.
fn run_hooks(
    checks: &[std::sync::Arc<dyn CertificateCheck>],
    chain: &VerifiedChain,
) -> Result<(), CertError> {
    for check in checks {
        check.check(chain).map_err(PolicyRejection::into_error)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
