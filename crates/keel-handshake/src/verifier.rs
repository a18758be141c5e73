//! The certificate verifiers a state machine is given. The `keel` facade
//! always installs keel-pki's and offers no way to replace it; handing a
//! state machine anything else is possible only through `keel::hazmat`.

use core::fmt::Debug;

use keel_pki::{CertError, CertificateDer, ClientAuth, ServerName, UnixTime};

/// Decides whether a server's chain is acceptable for a name.
pub trait ServerCertificateVerifier: Send + Sync + Debug {
    /// `Ok(())` only for a chain that may be trusted for `name` at `now`.
    fn verify_server(
        &self,
        chain: &[CertificateDer<'_>],
        name: &ServerName,
        ocsp_response: Option<&[u8]>,
        now: UnixTime,
    ) -> Result<(), CertError>;
}

/// Decides whether a client's chain is acceptable.
pub trait ClientCertificateVerifier: Send + Sync + Debug {
    /// Whether a client without a certificate is refused.
    fn mode(&self) -> ClientAuth;

    /// `Ok(true)` for a valid chain, `Ok(false)` for an empty chain that the
    /// mode allows, an error otherwise.
    fn verify_client(&self, chain: &[CertificateDer<'_>], now: UnixTime)
    -> Result<bool, CertError>;

    /// DER-encoded Names of acceptable issuers, listed in the
    /// CertificateRequest so that a client can pick the right certificate.
    fn acceptable_issuers(&self) -> Vec<Vec<u8>> {
        Vec::new()
    }
}

impl ServerCertificateVerifier for keel_pki::ServerCertVerifier {
    fn verify_server(
        &self,
        chain: &[CertificateDer<'_>],
        name: &ServerName,
        ocsp_response: Option<&[u8]>,
        now: UnixTime,
    ) -> Result<(), CertError> {
        self.verify(chain, name, ocsp_response, now).map(|_| ())
    }
}

impl ClientCertificateVerifier for keel_pki::ClientCertVerifier {
    fn mode(&self) -> ClientAuth {
        keel_pki::ClientCertVerifier::mode(self)
    }

    fn verify_client(
        &self,
        chain: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<bool, CertError> {
        self.verify(chain, now).map(|verified| verified.is_some())
    }

    fn acceptable_issuers(&self) -> Vec<Vec<u8>> {
        self.root_subject_names()
    }
}
