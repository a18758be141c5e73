//! Validating a client's certificate chain, for a server.

use std::sync::Arc;

use rustls_pki_types::{CertificateDer, UnixTime};

use super::path::Remembered;
use super::{CertificateCheck, VerifiedChain, path, run_hooks};
use crate::error::{CertError, ExpectedUsage};
use crate::trust_store::TrustStore;

/// Whether a server insists on a client certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// Ask for one; a client that sends none is still served, without an
    /// identity. A client that sends one must send a valid one.
    Optional,
    /// Ask for one and refuse clients that send none.
    Required,
}

/// Validates client certificate chains for TLS client authentication
/// against the server's own trust store.
#[derive(Debug, Clone)]
pub struct ClientCertVerifier {
    roots: Arc<TrustStore>,
    mode: ClientAuth,
    checks: Vec<Arc<dyn CertificateCheck>>,
    /// Leaves' verdicts and issuers' parsed keys from earlier chains
    /// (shared by clones).
    remembered: Arc<Remembered>,
}

impl ClientCertVerifier {
    /// A verifier trusting `roots`, in the given mode.
    #[must_use]
    pub fn new(roots: impl Into<Arc<TrustStore>>, mode: ClientAuth) -> Self {
        Self {
            roots: roots.into(),
            mode,
            checks: Vec::new(),
            remembered: Arc::default(),
        }
    }

    /// Adds a check that can only refuse (see [`super::CertificateCheck`]).
    #[must_use]
    pub fn with_check(mut self, check: Arc<dyn CertificateCheck>) -> Self {
        self.checks.push(check);
        self
    }

    /// The subject Names of the trusted roots, for the CertificateRequest.
    #[must_use]
    pub fn root_subject_names(&self) -> Vec<Vec<u8>> {
        self.roots.subject_names()
    }

    /// The mode.
    #[must_use]
    pub fn mode(&self) -> ClientAuth {
        self.mode
    }

    /// Validates the client's chain. An empty chain is `Ok(None)` when
    /// client authentication is optional and [`CertError::NoCertificate`]
    /// when it is required (RFC 5246 §7.4.6: the server may then end the
    /// handshake with handshake_failure).
    pub fn verify(
        &self,
        chain: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<Option<VerifiedChain>, CertError> {
        if chain.is_empty() {
            return match self.mode {
                ClientAuth::Optional => Ok(None),
                ClientAuth::Required => Err(CertError::NoCertificate),
            };
        }
        let usage = ExpectedUsage::ClientAuth;
        let path_len = path::build(&self.roots, &self.remembered, chain, usage, now)?;
        let verified = VerifiedChain {
            presented: chain.iter().map(|c| c.clone().into_owned()).collect(),
            path_len,
            server_name: None,
            ocsp_response: None,
            usage,
            now,
        };
        run_hooks(&self.checks, &verified)?;
        Ok(Some(verified))
    }
}
