//! Validating a server's certificate chain, for a client.

use std::sync::Arc;

use rustls_pki_types::{CertificateDer, UnixTime};
use webpki::EndEntityCert;

use super::path::Remembered;
use super::{CertificateCheck, ServerName, VerifiedChain, describe, path, run_hooks};
use crate::error::{CertError, ExpectedUsage};
use crate::trust_store::TrustStore;

/// Validates server certificate chains: a path to the trust store for TLS
/// server authentication, then the server name, then keel's own checks,
/// then the user's hooks. There is no way to skip any step.
#[derive(Debug, Clone)]
pub struct ServerCertVerifier {
    roots: Arc<TrustStore>,
    checks: Vec<Arc<dyn CertificateCheck>>,
    /// Leaves' verdicts and issuers' parsed keys from earlier chains
    /// (shared by clones).
    remembered: Arc<Remembered>,
}

impl ServerCertVerifier {
    /// A verifier trusting `roots`.
    #[must_use]
    pub fn new(roots: impl Into<Arc<TrustStore>>) -> Self {
        Self {
            roots: roots.into(),
            checks: Vec::new(),
            remembered: Arc::default(),
        }
    }

    /// Adds a check that runs after all built-in checks pass; it can only
    /// refuse more chains, never accept one that failed.
    #[must_use]
    pub fn with_check(mut self, check: Arc<dyn CertificateCheck>) -> Self {
        self.checks.push(check);
        self
    }

    /// Validates `chain` (leaf first, as sent in the Certificate message)
    /// for `server_name` at `now`.
    pub fn verify(
        &self,
        chain: &[CertificateDer<'_>],
        server_name: &ServerName,
        ocsp_response: Option<&[u8]>,
        now: UnixTime,
    ) -> Result<VerifiedChain, CertError> {
        self.validate(chain, Some(server_name), ocsp_response, now)
    }

    /// Validates `chain` as [`verify`](Self::verify) does, every step but
    /// the server name: for a caller with no name to check (BoringSSL's
    /// test runner, whose certificates name a host the shim never dials).
    /// keel-handshake never calls this, and the `keel` facade does not
    /// export this type; it is reachable only through `keel::hazmat`.
    pub fn verify_without_name(
        &self,
        chain: &[CertificateDer<'_>],
        ocsp_response: Option<&[u8]>,
        now: UnixTime,
    ) -> Result<VerifiedChain, CertError> {
        self.validate(chain, None, ocsp_response, now)
    }

    /// The path, then the name when there is one, then the hooks.
    fn validate(
        &self,
        chain: &[CertificateDer<'_>],
        server_name: Option<&ServerName>,
        ocsp_response: Option<&[u8]>,
        now: UnixTime,
    ) -> Result<VerifiedChain, CertError> {
        let usage = ExpectedUsage::ServerAuth;
        let path_len = path::build(&self.roots, &self.remembered, chain, usage, now)?;
        if let Some(server_name) = server_name {
            let leaf_der = chain.first().ok_or(CertError::NoCertificate)?;
            let leaf = EndEntityCert::try_from(leaf_der)
                .map_err(|e| path::map_error(&e, chain, usage, now))?;
            if leaf
                .verify_is_valid_for_subject_name(server_name.as_pki())
                .is_err()
            {
                return Err(CertError::HostnameMismatch {
                    expected: server_name.to_string(),
                    presented: describe::names(leaf_der),
                });
            }
        }
        let verified = VerifiedChain {
            presented: chain.iter().map(|c| c.clone().into_owned()).collect(),
            path_len,
            server_name: server_name.cloned(),
            ocsp_response: ocsp_response.map(<[u8]>::to_vec),
            usage,
            now,
        };
        run_hooks(&self.checks, &verified)?;
        Ok(verified)
    }
}
