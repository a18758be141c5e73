//! The client's second flight at a TLS 1.3 server (RFC 8446 §4.4):
//! [Certificate, CertificateVerify] when a certificate was requested, then
//! Finished.

use std::sync::Arc;

use keel_pki::{CertificateDer, ClientAuth};
use keel_wire::handshake::{Certificate13, CertificateVerify, Finished13};
use keel_wire::registry::{NamedGroup, SignatureScheme};

use super::ServerState13;
use crate::config::ServerHandshakeConfig;
use crate::error::{HandshakeError, IllegalParameter, Internal};
use crate::machine::Emit;
use crate::machine13::{self, Traffic13};
use crate::session::SessionInfo;
use crate::tls13::{ExporterSecret, Signer, Tls13Suite, TrafficSecret, Transcript13};

/// What a TLS 1.3 server knows once its flight is out.
#[derive(Debug)]
pub(crate) struct ServerHandshake13 {
    pub(crate) config: Arc<ServerHandshakeConfig>,
    pub(crate) suite: Tls13Suite,
    pub(crate) group: NamedGroup,
    pub(crate) scheme: SignatureScheme,
    pub(crate) alpn: Option<Vec<u8>>,
    pub(crate) sni: Option<String>,
    pub(crate) transcript: Transcript13,
    /// The client's handshake traffic secret, for its Finished.
    pub(crate) client_secret: TrafficSecret,
    pub(crate) client_app: TrafficSecret,
    pub(crate) server_app: TrafficSecret,
    pub(crate) exporter: ExporterSecret,
    /// Kept for the resumption secret once the client's Finished is in.
    pub(crate) master: crate::tls13::MasterSecret,
    pub(crate) client_chain: Vec<CertificateDer<'static>>,
    pub(crate) client_scheme: Option<SignatureScheme>,
    /// Whether a PSK was accepted.
    pub(crate) resumed: bool,
    /// Whether the client can use a ticket: RFC 8446 §4.2.9, a server
    /// "SHOULD NOT send NewSessionTicket with tickets that are not
    /// compatible with the advertised modes", and keel resumes with
    /// psk_dhe_ke only.
    pub(crate) tickets: bool,
}

/// Which message of the client's flight comes next.
pub(crate) enum Await {
    Certificate,
    Finished,
}

impl ServerHandshake13 {
    pub(crate) fn awaiting(self, next: Await) -> ServerState13 {
        match next {
            Await::Certificate => {
                ServerState13::ExpectCertificate(Box::new(ExpectCertificate { handshake: self }))
            }
            Await::Finished => {
                ServerState13::ExpectFinished(Box::new(ExpectFinished { handshake: self }))
            }
        }
    }
}

/// Waiting for the client's Certificate.
#[derive(Debug)]
pub(crate) struct ExpectCertificate {
    handshake: ServerHandshake13,
}

impl ExpectCertificate {
    pub(crate) fn handle(
        mut self: Box<Self>,
        raw: &[u8],
        certificate: Certificate13,
    ) -> Result<ServerState13, HandshakeError> {
        let config = &self.handshake.config;
        // RFC 8446 §4.4.2: the CertificateRequest's context, which was
        // empty.
        if !certificate.certificate_request_context.is_empty() {
            return Err(HandshakeError::IllegalParameter {
                reason: IllegalParameter::RequestContextNotEmpty,
            });
        }
        if certificate.certificate_list.len() > config.limits.max_chain_len {
            return Err(HandshakeError::Certificate {
                source: keel_pki::CertError::PathTooLong,
            });
        }
        // RFC 8446 §4.4.2: the server asked for no certificate extensions,
        // so the client may send none.
        if let Some(entry) = certificate
            .certificate_list
            .iter()
            .find(|e| !e.extensions.0.is_empty())
        {
            let extension = entry
                .extensions
                .0
                .first()
                .map(keel_wire::extensions::ExtensionCodec::extension_type)
                .ok_or(HandshakeError::Internal {
                    reason: Internal::BrokenInvariant,
                })?;
            return Err(HandshakeError::UnsolicitedExtension { extension });
        }
        let chain: Vec<CertificateDer<'static>> = certificate
            .certificate_list
            .0
            .into_iter()
            .map(|e| CertificateDer::from(e.cert_data.0))
            .collect();
        let verifier = config
            .client_verifier
            .as_ref()
            .ok_or(HandshakeError::Internal {
                reason: Internal::BrokenInvariant,
            })?;
        // RFC 8446 §4.4.2.4: no certificate where one is required is
        // certificate_required; optional authentication goes on without.
        if chain.is_empty() && verifier.mode() == ClientAuth::Required {
            return Err(HandshakeError::CertificateRequired);
        }
        let verified = verifier
            .verify_client(&chain, config.clock.now())
            .map_err(|source| HandshakeError::Certificate { source })?;
        if !verified && !chain.is_empty() {
            return Err(HandshakeError::Certificate {
                source: keel_pki::CertError::NoCertificate,
            });
        }
        self.handshake.transcript.add(raw)?;
        if chain.is_empty() {
            return Ok(ServerState13::ExpectFinished(Box::new(ExpectFinished {
                handshake: self.handshake,
            })));
        }
        self.handshake.client_chain = chain;
        Ok(ServerState13::ExpectCertificateVerify(Box::new(
            ExpectCertificateVerify {
                handshake: self.handshake,
            },
        )))
    }
}

/// Waiting for the client's CertificateVerify.
#[derive(Debug)]
pub(crate) struct ExpectCertificateVerify {
    handshake: ServerHandshake13,
}

impl ExpectCertificateVerify {
    pub(crate) fn handle(
        mut self: Box<Self>,
        raw: &[u8],
        verify: &CertificateVerify,
    ) -> Result<ServerState13, HandshakeError> {
        let config = &self.handshake.config;
        let scheme = verify.signed.scheme;
        // RFC 8446 §4.4.3: a scheme the CertificateRequest listed.
        machine13::verify_certificate_verify(
            &config.peer_keys,
            &config.signature_schemes,
            self.handshake.client_chain.first(),
            Signer::Client,
            &self.handshake.transcript,
            verify,
        )?;
        self.handshake.transcript.add(raw)?;
        self.handshake.client_scheme = Some(scheme);
        Ok(ServerState13::ExpectFinished(Box::new(ExpectFinished {
            handshake: self.handshake,
        })))
    }
}

/// Waiting for the client's Finished.
#[derive(Debug)]
pub(crate) struct ExpectFinished {
    handshake: ServerHandshake13,
}

impl ExpectFinished {
    pub(crate) fn handle(
        self: Box<Self>,
        raw: &[u8],
        finished: &Finished13,
        out: &mut Vec<Emit>,
    ) -> Result<ServerState13, HandshakeError> {
        let ServerHandshake13 {
            config,
            suite,
            group,
            scheme,
            alpn,
            sni,
            mut transcript,
            client_secret,
            client_app,
            server_app,
            exporter,
            master,
            client_chain,
            client_scheme,
            resumed,
            tickets,
        } = self.handshake;
        machine13::check_finished(&client_secret, &transcript, &finished.verify_data)?;
        transcript.add(raw)?;
        // The client's flight is over: no more middlebox ChangeCipherSpec
        // (RFC 8446 §5); its data comes under its application keys.
        out.push(Emit::MiddleboxCcs(false));
        out.push(Emit::ReadKeys(machine13::record_keys(&client_app, suite)?));
        let session = SessionInfo {
            version: keel_wire::registry::ProtocolVersion::TLS_V1_3,
            cipher_suite: suite.cipher_suite(),
            group,
            signature_scheme: scheme,
            client_signature_scheme: client_scheme,
            alpn,
            server_name: sni,
            ocsp_response: None,
            peer_certificates: client_chain,
            extended_master_secret: true,
            resumed,
            hello_retry_request: transcript.after_hello_retry_request(),
        };
        // RFC 8446 §4.6.1: a ticket for the next connection, when this
        // server can resume one.
        if tickets && let Some(minter) = super::psk::Minter::of(&config) {
            let resumption = machine13::resumption_master_secret(master, &transcript)?;
            let source = super::psk::TicketSource {
                config: &config,
                suite,
                session: &session,
            };
            super::psk::issue_ticket(&source, &minter, &resumption, out)?;
        }
        let traffic = Traffic13 {
            suite,
            ours: server_app,
            peers: client_app,
        };
        Ok(ServerState13::Established(machine13::establish(
            session, exporter, traffic, out,
        )))
    }
}
