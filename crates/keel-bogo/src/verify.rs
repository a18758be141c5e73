//! Certificate verification as the runner expects it.
//!
//! BoringSSL's shim never builds a certificate path: its verify callback
//! accepts every chain (unless `-verify-fail`), and a client treats a
//! failure as fatal only with `-verify-peer`. The runner's test
//! certificates are made for that. keel's verifiers cannot be turned off,
//! so the shim states the runner's rules explicitly, through the fenced
//! `keel::hazmat` layer — the only place keel takes another verifier:
//!
//! - where the runner asks for verification (`-verify-peer`) and names the
//!   roots (`-trust-cert`), keel-pki validates the chain against them (and
//!   the name, when `-host-name` gives one);
//! - otherwise the chain is accepted as BoringSSL's shim would.
//!
//! Signatures in the handshake are still checked with the leaf's key
//! either way: that is the state machine's job, not the verifier's.

use keel::hazmat::handshake::{ClientCertificateVerifier, ServerCertificateVerifier};
use keel::hazmat::pki::{
    CertError, CertificateDer, ClientAuth, ClientCertVerifier, ServerCertVerifier, ServerName,
    TrustStore, UnixTime,
};

/// The client's verifier.
#[derive(Debug)]
pub(crate) struct ServerVerifier {
    /// keel-pki's verifier and whether to check the name, when the runner
    /// asked for verification against given roots.
    pub(crate) strict: Option<(ServerCertVerifier, bool)>,
    /// `-verify-fail`: refuse every chain.
    pub(crate) fail: bool,
    /// Whether a refusal ends the handshake (`-verify-peer`).
    pub(crate) fatal: bool,
}

impl ServerCertificateVerifier for ServerVerifier {
    fn verify_server(
        &self,
        chain: &[CertificateDer<'_>],
        name: &ServerName,
        ocsp_response: Option<&[u8]>,
        now: UnixTime,
    ) -> Result<(), CertError> {
        if chain.is_empty() {
            return Err(CertError::NoCertificate);
        }
        // BoringSSL parses the leaf even when it verifies nothing.
        leaf_parses(chain)?;
        let verdict = if self.fail {
            Err(rejected("-verify-fail"))
        } else if let Some((verifier, check_name)) = &self.strict {
            if *check_name {
                verifier.verify(chain, name, ocsp_response, now).map(|_| ())
            } else {
                verifier
                    .verify_without_name(chain, ocsp_response, now)
                    .map(|_| ())
            }
        } else {
            Ok(())
        };
        // BoringSSL's "soft fail": without -verify-peer a refusal is noted,
        // not fatal.
        if self.fatal { verdict } else { Ok(()) }
    }
}

/// The server's verifier for client certificates.
#[derive(Debug)]
pub(crate) struct ClientVerifier {
    /// keel-pki's verifier, when the runner named the roots.
    pub(crate) strict: Option<ClientCertVerifier>,
    pub(crate) mode: ClientAuth,
    pub(crate) fail: bool,
}

impl ClientCertificateVerifier for ClientVerifier {
    fn mode(&self) -> ClientAuth {
        self.mode
    }

    fn verify_client(
        &self,
        chain: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<bool, CertError> {
        if chain.is_empty() {
            return match self.mode {
                ClientAuth::Optional => Ok(false),
                _ => Err(CertError::NoCertificate),
            };
        }
        leaf_parses(chain)?;
        if self.fail {
            return Err(rejected("-verify-fail"));
        }
        match &self.strict {
            Some(verifier) => verifier.verify(chain, now).map(|v| v.is_some()),
            None => Ok(true),
        }
    }
}

/// Whether the leaf is X.509 at all: keel-pki's trust-anchor parser is
/// the one public parse that does not also judge the certificate.
fn leaf_parses(chain: &[CertificateDer<'_>]) -> Result<(), CertError> {
    let leaf = chain.first().cloned().ok_or(CertError::NoCertificate)?;
    TrustStore::from_der_certificates([leaf])
        .map(|_| ())
        .map_err(|_| CertError::Malformed {
            index: 0,
            reason: "the leaf certificate does not parse",
        })
}

fn rejected(reason: &str) -> CertError {
    CertError::RejectedByPolicy {
        reason: reason.to_owned(),
    }
}
