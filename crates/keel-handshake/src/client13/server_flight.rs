//! The server's encrypted flight (RFC 8446 §4.3, §4.4): EncryptedExtensions,
//! [CertificateRequest], Certificate, CertificateVerify, Finished; then the
//! client's own [Certificate, CertificateVerify] and Finished.

use std::sync::Arc;

use keel_pki::{CertificateDer, CertifiedKey};
use keel_wire::extensions::CertificateRequestExtension;
use keel_wire::extensions::{CertificateExtension, EncryptedExtension, ExtensionCodec};
use keel_wire::handshake::{
    Certificate13, CertificateEntry, CertificateRequest13, CertificateVerify, EncryptedExtensions,
    Finished13,
};
use keel_wire::registry::{ExtensionType, HandshakeType, NamedGroup, SignatureScheme};
use keel_wire::vec::{List, Opaque};
use keel_wire::{ExtensionList, HandshakeMessage};

use super::ClientState13;
use super::psk::TicketReceiver;
use crate::client::ClientContext;
use crate::error::{HandshakeError, IllegalParameter};
use crate::machine::Emit;
use crate::machine13::{self, AppSecrets, Traffic13};
use crate::session::SessionInfo;
use crate::tls13::{HandshakeSecret, Signer, Tls13Suite, TrafficSecret, Transcript13};

/// What the client knows once the ServerHello is in.
#[derive(Debug)]
pub(crate) struct Handshake13 {
    pub(crate) context: ClientContext,
    pub(crate) suite: Tls13Suite,
    pub(crate) group: NamedGroup,
    pub(crate) transcript: Transcript13,
    pub(crate) handshake_secret: HandshakeSecret,
    pub(crate) client_secret: TrafficSecret,
    pub(crate) server_secret: TrafficSecret,
    /// The session the server's pre_shared_key accepted, if it did.
    pub(crate) resumed: Option<super::psk::OfferedSession>,
}

/// What the EncryptedExtensions settled.
#[derive(Debug, Default)]
pub(crate) struct Settled {
    alpn: Option<Vec<u8>>,
    /// What the CertificateRequest asked for, if the server asked for a
    /// certificate.
    requested: Option<Requested>,
}

/// A TLS 1.3 CertificateRequest's signature schemes and the CAs it lists
/// (RFC 8446 §4.2.4; empty: any).
#[derive(Debug, Default)]
pub(crate) struct Requested {
    schemes: Vec<SignatureScheme>,
    authorities: Vec<Vec<u8>>,
}

/// Waiting for EncryptedExtensions.
#[derive(Debug)]
pub(crate) struct ExpectEncryptedExtensions {
    pub(crate) handshake: Handshake13,
}

impl ExpectEncryptedExtensions {
    pub(crate) fn handle(
        mut self: Box<Self>,
        raw: &[u8],
        message: &EncryptedExtensions,
        out: &mut Vec<Emit>,
    ) -> Result<ClientState13, HandshakeError> {
        let config = &self.handshake.context.config;
        let mut settled = Settled::default();
        for extension in message.extensions.0.iter() {
            match extension {
                EncryptedExtension::ServerName
                    if self.handshake.context.server_name.sni().is_some() => {}
                // RFC 7301 §3.2: one protocol, one the client offered.
                EncryptedExtension::Alpn(protocol) if !config.alpn.is_empty() => {
                    if !config
                        .alpn
                        .iter()
                        .any(|p| p.as_slice() == protocol.as_slice())
                    {
                        return Err(HandshakeError::IllegalParameter {
                            reason: IllegalParameter::AlpnNotOffered,
                        });
                    }
                    settled.alpn = Some(protocol.0.clone());
                }
                // RFC 8446 §4.2.7: the server's preference, for later
                // connections; keel does not use it.
                EncryptedExtension::SupportedGroups(_) => {}
                // RFC 8449 §4: in TLS 1.3 the limit counts the content type
                // byte, so the content sent is one less.
                EncryptedExtension::RecordSizeLimit(value) => {
                    let send = crate::machine::peer_record_size_limit(*value)?.saturating_sub(1);
                    let receive = usize::from(config.limits.record_size_limit).clamp(64, 1 << 14);
                    out.push(Emit::RecordSizeLimit {
                        send: send.max(63),
                        receive,
                    });
                }
                // RFC 8446 §4.2: anything else answers an extension the
                // client did not send (early_data, max_fragment_length,
                // unknown ones): unsupported_extension.
                other => {
                    return Err(HandshakeError::UnsolicitedExtension {
                        extension: other.extension_type(),
                    });
                }
            }
        }
        self.handshake.transcript.add(raw)?;
        // RFC 8446 §2.2: a resumption goes straight to the server's
        // Finished (a certificate or CertificateRequest is
        // unexpected_message, RFC 8446 §4.3.2); the session's peer is the
        // one the full handshake verified.
        if let Some(offered) = &self.handshake.resumed {
            let session = &offered.session;
            let (chain, ocsp_response, scheme) = (
                session.peer_certificates.clone(),
                session.ocsp_response.clone(),
                session.signature_scheme,
            );
            return Ok(ClientState13::ExpectFinished(Box::new(ExpectFinished {
                handshake: self.handshake,
                settled,
                chain,
                ocsp_response,
                scheme,
            })));
        }
        Ok(ClientState13::ExpectCertificateOrRequest(Box::new(
            ExpectCertificate {
                handshake: self.handshake,
                settled,
            },
        )))
    }
}

/// Waiting for the server's Certificate (or, first, a CertificateRequest).
#[derive(Debug)]
pub(crate) struct ExpectCertificate {
    handshake: Handshake13,
    settled: Settled,
}

impl ExpectCertificate {
    /// RFC 8446 §4.3.2: a CertificateRequest in the handshake has an empty
    /// context and must carry signature_algorithms.
    pub(crate) fn handle_request(
        mut self: Box<Self>,
        raw: &[u8],
        request: &CertificateRequest13,
    ) -> Result<ClientState13, HandshakeError> {
        if !request.certificate_request_context.is_empty() {
            return Err(HandshakeError::IllegalParameter {
                reason: IllegalParameter::RequestContextNotEmpty,
            });
        }
        let mut schemes = None;
        let mut authorities = Vec::new();
        for extension in request.extensions.0.iter() {
            match extension {
                CertificateRequestExtension::SignatureAlgorithms(s) => schemes = Some(s.to_vec()),
                CertificateRequestExtension::CertificateAuthorities(names) => {
                    authorities = names.iter().map(|n| n.as_slice().to_vec()).collect();
                }
                _ => {}
            }
        }
        let schemes = schemes.ok_or(HandshakeError::MissingExtension {
            message: HandshakeType::CERTIFICATE_REQUEST,
            extension: ExtensionType::SIGNATURE_ALGORITHMS,
        })?;
        self.handshake.transcript.add(raw)?;
        self.settled.requested = Some(Requested {
            schemes,
            authorities,
        });
        Ok(ClientState13::ExpectCertificate(self))
    }

    pub(crate) fn handle(
        mut self: Box<Self>,
        raw: &[u8],
        certificate: Certificate13,
    ) -> Result<ClientState13, HandshakeError> {
        let config = &self.handshake.context.config;
        // RFC 8446 §4.4.2: empty for server authentication.
        if !certificate.certificate_request_context.is_empty() {
            return Err(HandshakeError::IllegalParameter {
                reason: IllegalParameter::RequestContextNotEmpty,
            });
        }
        // RFC 8446 §4.4.2.4: an empty chain from the server is decode_error.
        if certificate.certificate_list.is_empty() {
            return Err(HandshakeError::EmptyServerCertificate);
        }
        if certificate.certificate_list.len() > config.limits.max_chain_len {
            return Err(HandshakeError::Certificate {
                source: keel_pki::CertError::PathTooLong,
            });
        }
        let mut ocsp_response = None;
        let mut chain = Vec::with_capacity(certificate.certificate_list.len());
        for (index, entry) in certificate.certificate_list.0.into_iter().enumerate() {
            for extension in entry.extensions.0 {
                match extension {
                    // RFC 8446 §4.4.2.1: the leaf's stapled OCSP response,
                    // only if the client asked for it.
                    CertificateExtension::StatusRequest(status)
                        if config.request_ocsp && index == 0 =>
                    {
                        ocsp_response = Some(status.response.to_vec());
                    }
                    // RFC 8446 §4.4.2: extensions must answer the
                    // ClientHello's; keel asks for nothing else.
                    other => {
                        return Err(HandshakeError::UnsolicitedExtension {
                            extension: other.extension_type(),
                        });
                    }
                }
            }
            chain.push(CertificateDer::from(entry.cert_data.0));
        }
        config
            .verifier
            .verify_server(
                &chain,
                &self.handshake.context.server_name,
                ocsp_response.as_deref(),
                config.clock.now(),
            )
            .map_err(|source| HandshakeError::Certificate { source })?;
        self.handshake.transcript.add(raw)?;
        Ok(ClientState13::ExpectCertificateVerify(Box::new(
            ExpectCertificateVerify {
                handshake: self.handshake,
                settled: self.settled,
                chain,
                ocsp_response,
            },
        )))
    }
}

/// Waiting for the server's CertificateVerify.
#[derive(Debug)]
pub(crate) struct ExpectCertificateVerify {
    handshake: Handshake13,
    settled: Settled,
    chain: Vec<CertificateDer<'static>>,
    ocsp_response: Option<Vec<u8>>,
}

impl ExpectCertificateVerify {
    pub(crate) fn handle(
        mut self: Box<Self>,
        raw: &[u8],
        verify: &CertificateVerify,
    ) -> Result<ClientState13, HandshakeError> {
        let config = &self.handshake.context.config;
        let scheme = verify.signed.scheme;
        machine13::verify_certificate_verify(
            &config.peer_keys,
            &config.signature_schemes,
            self.chain.first(),
            Signer::Server,
            &self.handshake.transcript,
            verify,
        )?;
        self.handshake.transcript.add(raw)?;
        Ok(ClientState13::ExpectFinished(Box::new(ExpectFinished {
            handshake: self.handshake,
            settled: self.settled,
            chain: self.chain,
            ocsp_response: self.ocsp_response,
            scheme,
        })))
    }
}

/// Waiting for the server's Finished.
#[derive(Debug)]
pub(crate) struct ExpectFinished {
    handshake: Handshake13,
    settled: Settled,
    chain: Vec<CertificateDer<'static>>,
    ocsp_response: Option<Vec<u8>>,
    scheme: SignatureScheme,
}

impl ExpectFinished {
    pub(crate) fn handle(
        self: Box<Self>,
        raw: &[u8],
        finished: &Finished13,
        out: &mut Vec<Emit>,
    ) -> Result<ClientState13, HandshakeError> {
        let Self {
            handshake,
            settled,
            chain,
            ocsp_response,
            scheme,
        } = *self;
        let Handshake13 {
            context,
            suite,
            group,
            mut transcript,
            handshake_secret,
            client_secret,
            server_secret,
            resumed,
        } = handshake;
        machine13::check_finished(&server_secret, &transcript, &finished.verify_data)?;
        transcript.add(raw)?;
        // RFC 8446 §7.1: the application secrets and the exporter's are
        // derived over the transcript through the server's Finished.
        let server_finished_hash = transcript.current_hash()?;
        let config = Arc::clone(&context.config);
        let AppSecrets {
            client: client_app,
            server: server_app,
            exporter,
            master,
        } = machine13::application_secrets(
            handshake_secret,
            server_finished_hash.as_ref(),
            config.key_log.as_deref(),
            &context.client_random,
        )?;
        // The server's flight is over: no middlebox ChangeCipherSpec may
        // follow it (RFC 8446 §5), and its data comes under its
        // application keys.
        out.push(Emit::MiddleboxCcs(false));
        out.push(Emit::ReadKeys(machine13::record_keys(&server_app, suite)?));

        let mut client_scheme = None;
        if let Some(requested) = &settled.requested {
            client_scheme = send_client_certificate(
                &config.client_certificates,
                requested,
                &mut transcript,
                out,
            )?;
        }
        machine13::send_finished(&client_secret, &mut transcript, out)?;
        out.push(Emit::WriteKeys(machine13::record_keys(&client_app, suite)?));
        let session = SessionInfo {
            version: keel_wire::registry::ProtocolVersion::TLS_V1_3,
            cipher_suite: suite.cipher_suite(),
            group,
            signature_scheme: scheme,
            client_signature_scheme: client_scheme,
            alpn: settled.alpn,
            server_name: context.server_name.sni().map(str::to_owned),
            ocsp_response,
            peer_certificates: chain,
            extended_master_secret: true,
            resumed: resumed.is_some(),
            hello_retry_request: transcript.after_hello_retry_request(),
        };
        // RFC 8446 §4.6.1: tickets come after the handshake, under the
        // resumption secret over the transcript through this Finished.
        let tickets = match &config.session_store {
            Some(store) => Some(Box::new(TicketReceiver {
                store: Arc::clone(store),
                clock: Arc::clone(&config.clock),
                server_name: context.server_name.to_string(),
                context: config.resumption_context,
                resumption: machine13::resumption_master_secret(master, &transcript)?,
                suite,
                group,
                scheme,
                sni: session.server_name.clone(),
                alpn: session.alpn.clone(),
                chain: session.peer_certificates.clone(),
                ocsp_response: session.ocsp_response.clone(),
            })),
            None => None,
        };
        let traffic = Traffic13 {
            suite,
            ours: client_app,
            peers: server_app,
        };
        Ok(ClientState13::Established(
            machine13::establish(session, exporter, traffic, out),
            tickets,
        ))
    }
}

/// RFC 8446 §4.4.2: the client answers a CertificateRequest with its chain
/// (empty if it has no key whose chain leads to one of the listed CAs,
/// RFC 8446 §4.2.4, and that can sign one of the listed schemes) and, with
/// a chain, a CertificateVerify. Returns the scheme signed with.
fn send_client_certificate(
    keys: &[Arc<CertifiedKey>],
    requested: &Requested,
    transcript: &mut Transcript13,
    out: &mut Vec<Emit>,
) -> Result<Option<SignatureScheme>, HandshakeError> {
    let authorities: Vec<&[u8]> = requested.authorities.iter().map(Vec::as_slice).collect();
    let chosen = keys.iter().find_map(|key| {
        if !key.issued_by_any_of(&authorities) {
            return None;
        }
        key.key()
            .choose_scheme_tls13(&requested.schemes)
            .map(|s| (key, s))
    });
    let entries = chosen.map_or_else(Vec::new, |(key, _)| {
        key.chain()
            .iter()
            .map(|c| CertificateEntry {
                cert_data: Opaque(c.as_ref().to_vec()),
                extensions: ExtensionList::default(),
            })
            .collect()
    });
    machine13::send(
        &HandshakeMessage::Certificate13(Certificate13 {
            certificate_request_context: Opaque(Vec::new()),
            certificate_list: List(entries),
        }),
        transcript,
        out,
    )?;
    let Some((key, scheme)) = chosen else {
        return Ok(None);
    };
    machine13::send_certificate_verify(key, scheme, Signer::Client, transcript, out)?;
    Ok(Some(scheme))
}
