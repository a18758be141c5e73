//! The server's first flight in; the client's second flight out; the
//! server's ChangeCipherSpec and Finished in.

use std::sync::Arc;

use keel_pki::{CertificateDer, CertifiedKey};
use keel_record::{AeadAlgorithm, TrafficKeys};
use keel_wire::HandshakeMessage;
use keel_wire::handshake::{
    Certificate, CertificateDer as WireCert, CertificateRequest, CertificateStatus,
    CertificateVerify, ClientKeyExchange, DigitallySigned, Finished, NewSessionTicket,
    ServerKeyExchange,
};
use keel_wire::registry::{
    CipherSuite, ClientCertificateType, NamedGroup, ProtocolVersion, SignatureScheme,
};
use keel_wire::vec::{List, Opaque};

use super::{ClientContext, ClientState};
use crate::error::{HandshakeError, IllegalParameter, Internal};
use crate::key_schedule::{self, MasterSecret, PrfHash, Sender};
use crate::kx::EphemeralKey;
use crate::machine::{self, Emit, SessionHandle, SessionSecrets};
use crate::policy::{self, Auth};
use crate::resumption_context::ResumptionContext;
use crate::session::SessionInfo;
use crate::sessions::{ClientSessionStore, StoredSession};
use crate::transcript::Transcript;

/// What the ServerHello settled.
#[derive(Debug)]
pub(crate) struct Negotiated {
    pub(crate) context: ClientContext,
    pub(crate) server_random: [u8; 32],
    /// The ServerHello's session ID: the one to store the session under.
    pub(crate) session_id: Vec<u8>,
    pub(crate) suite: CipherSuite,
    pub(crate) prf: PrfHash,
    pub(crate) alpn: Option<Vec<u8>>,
    /// The client asked for a stapled OCSP response and the server
    /// acknowledged it (RFC 6066 §8).
    pub(crate) status_acknowledged: bool,
    /// The server's ServerHello promised a NewSessionTicket (RFC 5077 §3.2).
    pub(crate) ticket_expected: bool,
    /// The response the server stapled, once its CertificateStatus came.
    pub(crate) ocsp_response: Option<Vec<u8>>,
}

/// Waiting for the server's Certificate.
#[derive(Debug)]
pub(crate) struct ExpectCertificate {
    pub(crate) negotiated: Negotiated,
    pub(crate) transcript: Transcript,
}

/// The server acknowledged status_request: waiting for its optional
/// CertificateStatus, or for the ServerKeyExchange when it sends none. The
/// chain is not verified yet: the verifier is given the stapled response,
/// which is known only once the next message arrives.
#[derive(Debug)]
pub(crate) struct ExpectCertificateStatus {
    negotiated: Negotiated,
    transcript: Transcript,
    unverified_chain: Vec<CertificateDer<'static>>,
}

/// Waiting for the ServerKeyExchange; the server's chain is verified.
#[derive(Debug)]
pub(crate) struct ExpectServerKeyExchange {
    negotiated: Negotiated,
    transcript: Transcript,
    server_chain: Vec<CertificateDer<'static>>,
}

/// What the ServerKeyExchange settled.
#[derive(Debug)]
struct ServerKx {
    group: NamedGroup,
    public: Vec<u8>,
    scheme: SignatureScheme,
}

/// Waiting for a CertificateRequest or the ServerHelloDone.
#[derive(Debug)]
pub(crate) struct ExpectCertificateRequestOrDone {
    negotiated: Negotiated,
    transcript: Transcript,
    server_chain: Vec<CertificateDer<'static>>,
    kx: ServerKx,
}

/// Waiting for the ServerHelloDone after a CertificateRequest.
#[derive(Debug)]
pub(crate) struct ExpectServerHelloDone {
    inner: ExpectCertificateRequestOrDone,
    request: CertificateRequest,
}

/// The server promised a ticket: waiting for its NewSessionTicket, which
/// comes right before its ChangeCipherSpec (RFC 5077 §3.3).
#[derive(Debug)]
pub(crate) struct ExpectNewSessionTicket {
    finish: Finishing,
    config: Arc<crate::config::ClientHandshakeConfig>,
}

/// The client's Finished is sent; waiting for the server's
/// ChangeCipherSpec.
#[derive(Debug)]
pub(crate) struct ExpectChangeCipherSpec {
    finish: Finishing,
}

/// Waiting for the server's Finished, now protected.
#[derive(Debug)]
pub(crate) struct ExpectFinished {
    finish: Finishing,
}

#[derive(Debug)]
struct Finishing {
    master: MasterSecret,
    prf: PrfHash,
    client_random: [u8; 32],
    server_random: [u8; 32],
    transcript: Transcript,
    server_keys: Option<TrafficKeys>,
    /// Set only when resuming: the client's CCS and Finished come after the
    /// server's (RFC 5246 §7.3, abbreviated handshake).
    client_keys: Option<TrafficKeys>,
    session: SessionInfo,
    /// After a full handshake: where to store the session once the server's
    /// Finished has verified, and under which ID.
    store: Option<(Arc<ClientSessionStore>, String, Vec<u8>)>,
    /// When the session was first made (seconds since the epoch).
    created: u64,
    /// The ticket the server sent and when to stop offering it.
    new_ticket: Option<(Vec<u8>, u64)>,
    /// Resuming: the session resumed and its entry's sequence number,
    /// kept to store again with a new ticket, or to forget if this
    /// connection fails once the server's Finished has verified.
    resumed_from: Option<(StoredSession, u64)>,
    /// The configuration's resumption context, stored with the session.
    context: ResumptionContext,
}

impl ExpectCertificate {
    pub(crate) fn handle(
        mut self: Box<Self>,
        raw: &[u8],
        certificate: Certificate,
    ) -> Result<ClientState, HandshakeError> {
        let config = &self.negotiated.context.config;
        let chain: Vec<CertificateDer<'static>> = certificate
            .certificate_list
            .0
            .into_iter()
            .map(|c| CertificateDer::from(c.0))
            .collect();
        if chain.len() > config.limits.max_chain_len {
            return Err(HandshakeError::Certificate {
                source: keel_pki::CertError::PathTooLong,
            });
        }
        if self.negotiated.status_acknowledged {
            // Verified once the stapled response, or its absence, is known.
            self.transcript.add(raw)?;
            return Ok(ClientState::ExpectCertificateStatus(Box::new(
                ExpectCertificateStatus {
                    negotiated: self.negotiated,
                    transcript: self.transcript,
                    unverified_chain: chain,
                },
            )));
        }
        verify_server_chain(&self.negotiated, &chain, None)?;
        self.transcript.add(raw)?;
        Ok(ClientState::ExpectServerKeyExchange(Box::new(
            ExpectServerKeyExchange {
                negotiated: self.negotiated,
                transcript: self.transcript,
                server_chain: chain,
            },
        )))
    }
}

/// Runs the configured verifier on the server's chain, with the stapled
/// OCSP response if there is one. keel does not evaluate the response
/// itself; keel-pki's verifier hands it to `CertificateCheck` hooks.
/// RFC 5246 §7.4.5: the chain is verified as soon as it is known, long
/// before the ServerHelloDone is answered.
fn verify_server_chain(
    negotiated: &Negotiated,
    chain: &[CertificateDer<'static>],
    ocsp_response: Option<&[u8]>,
) -> Result<(), HandshakeError> {
    let config = &negotiated.context.config;
    config
        .verifier
        .verify_server(
            chain,
            &negotiated.context.server_name,
            ocsp_response,
            config.clock.now(),
        )
        .map_err(|source| HandshakeError::Certificate { source })
}

impl ExpectCertificateStatus {
    /// The stapled response: the chain is verified with it.
    pub(crate) fn handle_status(
        mut self: Box<Self>,
        raw: &[u8],
        status: &CertificateStatus,
    ) -> Result<ClientState, HandshakeError> {
        verify_server_chain(
            &self.negotiated,
            &self.unverified_chain,
            Some(status.response.as_slice()),
        )?;
        self.transcript.add(raw)?;
        self.negotiated.ocsp_response = Some(status.response.to_vec());
        Ok(ClientState::ExpectServerKeyExchange(Box::new(
            ExpectServerKeyExchange {
                negotiated: self.negotiated,
                transcript: self.transcript,
                server_chain: self.unverified_chain,
            },
        )))
    }

    /// No response after all (RFC 6066 §8 allows that): the chain is
    /// verified without one, before the key exchange's signature by its
    /// leaf is checked.
    pub(crate) fn handle_key_exchange(
        self: Box<Self>,
        raw: &[u8],
        kx: &ServerKeyExchange,
    ) -> Result<ClientState, HandshakeError> {
        verify_server_chain(&self.negotiated, &self.unverified_chain, None)?;
        Box::new(ExpectServerKeyExchange {
            negotiated: self.negotiated,
            transcript: self.transcript,
            server_chain: self.unverified_chain,
        })
        .handle(raw, kx)
    }
}

impl ExpectServerKeyExchange {
    pub(crate) fn handle(
        mut self: Box<Self>,
        raw: &[u8],
        kx: &ServerKeyExchange,
    ) -> Result<ClientState, HandshakeError> {
        let context = &self.negotiated.context;
        let group = kx.params.named_group;
        // A group offered for TLS 1.3 only (X25519MLKEM768) is not one
        // offered for TLS 1.2's ECDHE (draft-ietf-tls-ecdhe-mlkem §3).
        if !context.config.groups.contains(&group) || !crate::kx::is_supported(group) {
            return Err(HandshakeError::IllegalParameter {
                reason: IllegalParameter::GroupNotOffered { group },
            });
        }
        let scheme = kx.signed.scheme;
        // RFC 5246 §7.4.3: a scheme the client's signature_algorithms listed.
        if !context.config.signature_schemes.contains(&scheme) {
            return Err(HandshakeError::IllegalParameter {
                reason: IllegalParameter::SchemeNotOffered { scheme },
            });
        }
        let leaf = self.server_chain.first().ok_or(HandshakeError::Internal {
            reason: Internal::BrokenInvariant,
        })?;
        // The leaf must allow what this handshake does with its key,
        // whatever verifier accepted the chain.
        let key_use = context
            .config
            .peer_keys
            .leaf_key_use(leaf)
            .map_err(|source| HandshakeError::Signature { source })?;
        // RFC 5246 §7.4.2: the key's restrictions must fit the key
        // exchange, and every keel suite signs it (RFC 5280 §4.2.1.3).
        if !key_use.may_sign {
            return Err(HandshakeError::CertificateMayNotSign);
        }
        // RFC 8422 §5.3: an ECDSA key on a curve the client offered.
        if let Some(curve) = key_use.ecdsa_curve
            && !context.config.groups.contains(&curve)
        {
            return Err(HandshakeError::IllegalParameter {
                reason: IllegalParameter::CertificateCurveNotOffered { curve },
            });
        }
        // The scheme must also fit the suite: an ECDSA suite is signed with
        // ECDSA or Ed25519, an RSA suite with RSA (RFC 8422 §5.4).
        // RFC 8422 §2.1: ECDHE_ECDSA parameters are signed with the ECDSA or
        // EdDSA key of the certificate; RFC 8422 §2.2: ECDHE_RSA ones with
        // its RSA key, which must be one that may sign (checked above).
        let rsa_scheme = scheme.get() & 0xff == 0x01 || matches!(scheme.get(), 0x0804..=0x0806);
        if (policy::suite_auth(self.negotiated.suite) == Some(Auth::Rsa)) != rsa_scheme {
            return Err(HandshakeError::IllegalParameter {
                reason: IllegalParameter::SchemeDoesNotFitSuite { scheme },
            });
        }
        let message = machine::kx_signed_message(
            &context.client_random,
            &self.negotiated.server_random,
            &kx.params,
        )?;
        // RFC 5246 §7.4.3: the scheme must fit the key in the server's leaf
        // (illegal_parameter otherwise), and the signature must verify.
        context
            .config
            .peer_keys
            .verify_signature(leaf, scheme, &message, &kx.signed.signature)
            .map_err(|source| HandshakeError::Signature { source })?;
        self.transcript.add(raw)?;
        Ok(ClientState::ExpectCertificateRequestOrDone(Box::new(
            ExpectCertificateRequestOrDone {
                negotiated: self.negotiated,
                transcript: self.transcript,
                server_chain: self.server_chain,
                kx: ServerKx {
                    group,
                    public: kx.params.public.0.clone(),
                    scheme,
                },
            },
        )))
    }
}

impl ExpectCertificateRequestOrDone {
    pub(crate) fn handle_request(
        mut self: Box<Self>,
        raw: &[u8],
        request: CertificateRequest,
    ) -> Result<ClientState, HandshakeError> {
        self.transcript.add(raw)?;
        Ok(ClientState::ExpectServerHelloDone(Box::new(
            ExpectServerHelloDone {
                inner: *self,
                request,
            },
        )))
    }

    pub(crate) fn handle_done(
        mut self: Box<Self>,
        raw: &[u8],
        out: &mut Vec<Emit>,
    ) -> Result<ClientState, HandshakeError> {
        self.transcript.add(raw)?;
        self.send_second_flight(None, out)
    }

    /// [Certificate], ClientKeyExchange, [CertificateVerify],
    /// ChangeCipherSpec, Finished.
    fn send_second_flight(
        mut self,
        request: Option<&CertificateRequest>,
        out: &mut Vec<Emit>,
    ) -> Result<ClientState, HandshakeError> {
        let negotiated = &self.negotiated;
        let config = Arc::clone(&negotiated.context.config);

        // RFC 5246 §7.4.6: when asked, the client sends a Certificate, empty
        // if it has none that fits the request (RFC 5246 §7.3: it MUST send
        // one after a CertificateRequest). RFC 8422 §3: then the
        // ClientKeyExchange follows as usual, and no CertificateVerify.
        let mut signer = None;
        if let Some(request) = request {
            let chosen = request.and_then_choose(&config.client_certificates);
            let list = chosen.as_ref().map_or_else(Vec::new, |(key, _)| {
                key.chain()
                    .iter()
                    .map(|c| WireCert(c.as_ref().to_vec()))
                    .collect()
            });
            let certificate = Certificate {
                certificate_list: List(list),
            };
            machine::send(
                HandshakeMessage::Certificate(certificate),
                &mut self.transcript,
                out,
            )?;
            signer = chosen;
        } else {
            // No CertificateVerify will be sent: the raw transcript is no
            // longer needed.
            self.transcript.discard_messages();
        }

        // RFC 5246 §7.4.7: the ClientKeyExchange right after the
        // Certificate, or first when none was requested.
        let key = EphemeralKey::generate(self.kx.group, config.rng.as_ref())?;
        let public = key.public().to_vec();
        let pre_master = key.agree(&self.kx.public)?;
        let kx = ClientKeyExchange {
            public: Opaque(public),
        };
        machine::send(
            HandshakeMessage::ClientKeyExchange(kx),
            &mut self.transcript,
            out,
        )?;

        // RFC 7627 §5.1: the extended master secret, always; its session
        // hash (§3) covers the transcript through the ClientKeyExchange.
        let session_hash = self.transcript.current_hash()?;
        let master = MasterSecret::extended(negotiated.prf, &pre_master, session_hash.as_ref())?;
        drop(pre_master);
        machine::log_master(
            config.key_log.as_deref(),
            &negotiated.context.client_random,
            &master,
        );

        // RFC 5246 §7.4.8: the CertificateVerify right after the
        // ClientKeyExchange, under a scheme the request listed that the
        // key can make (chosen with the certificate).
        let client_signature_scheme = signer.as_ref().map(|(_, scheme)| *scheme);
        if let Some((key, scheme)) = signer {
            let messages = self.transcript.messages().ok_or(HandshakeError::Internal {
                reason: Internal::BrokenInvariant,
            })?;
            let signature = key
                .key()
                .sign(scheme, messages)
                .map_err(|source| HandshakeError::Signature { source })?;
            let verify = CertificateVerify {
                signed: DigitallySigned {
                    scheme,
                    signature: Opaque(signature),
                },
            };
            machine::send(
                HandshakeMessage::CertificateVerify(verify),
                &mut self.transcript,
                out,
            )?;
            self.transcript.discard_messages();
        }

        let algorithm = AeadAlgorithm::for_suite(negotiated.suite)
            .ok_or(HandshakeError::NoSharedCipherSuite)?;
        let (client_keys, server_keys) = key_schedule::key_block(
            &master,
            negotiated.prf,
            algorithm,
            &negotiated.context.client_random,
            &negotiated.server_random,
        )?;
        // RFC 5246 §7.1: the new write keys right after the ChangeCipherSpec.
        out.push(Emit::ChangeCipherSpec);
        out.push(Emit::WriteKeys(client_keys));
        let finished =
            machine::finished(&master, negotiated.prf, Sender::Client, &self.transcript)?;
        machine::send(finished, &mut self.transcript, out)?;

        let session = SessionInfo {
            version: ProtocolVersion::TLS_V1_2,
            cipher_suite: negotiated.suite,
            group: self.kx.group,
            signature_scheme: self.kx.scheme,
            client_signature_scheme,
            alpn: negotiated.alpn.clone(),
            server_name: negotiated.context.server_name.sni().map(str::to_owned),
            ocsp_response: negotiated.ocsp_response.clone(),
            peer_certificates: self.server_chain,
            extended_master_secret: true,
            resumed: false,
            hello_retry_request: false,
        };
        // Resumable by ID, or by the ticket the server promised.
        let store = config
            .session_store
            .clone()
            .filter(|_| !negotiated.session_id.is_empty() || negotiated.ticket_expected)
            .map(|store| {
                (
                    store,
                    negotiated.context.server_name.to_string(),
                    negotiated.session_id.clone(),
                )
            });
        let finish = Finishing {
            master,
            prf: negotiated.prf,
            client_random: negotiated.context.client_random,
            server_random: negotiated.server_random,
            transcript: self.transcript,
            server_keys: Some(server_keys),
            client_keys: None,
            session,
            store,
            created: machine::now_secs(config.clock.as_ref()),
            new_ticket: None,
            resumed_from: None,
            context: config.resumption_context,
        };
        Ok(after_client_finished(
            finish,
            negotiated.ticket_expected,
            config,
        ))
    }
}

/// Choosing a client certificate for a CertificateRequest.
trait ChooseCertificate {
    fn and_then_choose(
        &self,
        keys: &[Arc<CertifiedKey>],
    ) -> Option<(Arc<CertifiedKey>, SignatureScheme)>;
}

impl ChooseCertificate for CertificateRequest {
    /// The first configured key whose type the server accepts, whose chain
    /// leads to one of the listed CAs (if any are listed), and that can sign
    /// a scheme the server listed (RFC 5246 §7.4.4). The CAs are a
    /// SHOULD of RFC 5246 §7.4.6.
    fn and_then_choose(
        &self,
        keys: &[Arc<CertifiedKey>],
    ) -> Option<(Arc<CertifiedKey>, SignatureScheme)> {
        keys.iter().find_map(|key| {
            // RFC 8422 §3.1, RFC 8422 §5.6: ecdsa_sign only with an ECDSA or
            // EdDSA key, rsa_sign only with an RSA key.
            let wanted_type = match policy::key_auth(key.key()) {
                Auth::Rsa => ClientCertificateType::RSA_SIGN,
                Auth::Ecdsa => ClientCertificateType::ECDSA_SIGN,
            };
            if !self.certificate_types.contains(&wanted_type) {
                return None;
            }
            let authorities: Vec<&[u8]> = self
                .certificate_authorities
                .iter()
                .map(|n| n.as_slice())
                .collect();
            if !key.issued_by_any_of(&authorities) {
                return None;
            }
            let scheme = key
                .key()
                .choose_scheme(&self.supported_signature_algorithms)?;
            Some((Arc::clone(key), scheme))
        })
    }
}

impl ExpectServerHelloDone {
    pub(crate) fn handle(
        mut self: Box<Self>,
        raw: &[u8],
        out: &mut Vec<Emit>,
    ) -> Result<ClientState, HandshakeError> {
        self.inner.transcript.add(raw)?;
        let request = self.request;
        self.inner.send_second_flight(Some(&request), out)
    }
}

/// The state after the client's Finished (full handshake) or the
/// ServerHello (resumption): the server's NewSessionTicket if it promised
/// one, else its ChangeCipherSpec.
fn after_client_finished(
    finish: Finishing,
    ticket_expected: bool,
    config: Arc<crate::config::ClientHandshakeConfig>,
) -> ClientState {
    if ticket_expected {
        ClientState::ExpectNewSessionTicket(Box::new(ExpectNewSessionTicket { finish, config }))
    } else {
        ClientState::ExpectChangeCipherSpec(Box::new(ExpectChangeCipherSpec { finish }))
    }
}

impl ExpectNewSessionTicket {
    pub(crate) fn handle(
        mut self: Box<Self>,
        raw: &[u8],
        ticket: NewSessionTicket,
    ) -> Result<ClientState, HandshakeError> {
        self.finish.transcript.add(raw)?;
        // RFC 5077 §3.3: an empty ticket means the server changed its mind;
        // a hint of 0 means "unspecified" (the store's lifetime applies).
        if !ticket.ticket.is_empty() {
            let now = machine::now_secs(self.config.clock.as_ref());
            let expires = match ticket.ticket_lifetime_hint {
                0 => 0,
                hint => now.saturating_add(u64::from(hint)),
            };
            self.finish.new_ticket = Some((ticket.ticket.0, expires));
        }
        Ok(ClientState::ExpectChangeCipherSpec(Box::new(
            ExpectChangeCipherSpec {
                finish: self.finish,
            },
        )))
    }
}

impl ExpectChangeCipherSpec {
    pub(crate) fn handle(mut self: Box<Self>, out: &mut Vec<Emit>) -> ClientState {
        if let Some(keys) = self.finish.server_keys.take() {
            out.push(Emit::ReadKeys(keys));
        }
        ClientState::ExpectFinished(Box::new(ExpectFinished {
            finish: self.finish,
        }))
    }
}

impl ExpectFinished {
    pub(crate) fn handle(
        self: Box<Self>,
        raw: &[u8],
        finished: &Finished,
        out: &mut Vec<Emit>,
    ) -> Result<ClientState, HandshakeError> {
        let mut finish = self.finish;
        // RFC 5246 §7.4.9: the server's Finished must verify.
        machine::check_finished(
            &finish.master,
            finish.prf,
            Sender::Server,
            &finish.transcript,
            &finished.verify_data,
        )?;
        if let Some(client_keys) = finish.client_keys.take() {
            // Resuming: the client answers the server's Finished with its
            // own, over a transcript that includes the server's.
            finish.transcript.add(raw)?;
            out.push(Emit::ChangeCipherSpec);
            out.push(Emit::WriteKeys(client_keys));
            let ours = machine::finished(
                &finish.master,
                finish.prf,
                Sender::Client,
                &finish.transcript,
            )?;
            machine::send(ours, &mut finish.transcript, out)?;
        }
        // RFC 5246 §7.2: stored, or marked in use, only once the peer's
        // Finished has verified.
        if let Some(handle) = in_use_after_finished(&mut finish) {
            out.push(Emit::SessionInUse(handle));
        }
        let secrets = SessionSecrets::Tls12 {
            master: finish.master,
            prf: finish.prf,
            client_random: finish.client_random,
            server_random: finish.server_random,
        };
        out.push(Emit::Established(
            Box::new(finish.session),
            Box::new(secrets),
        ));
        Ok(ClientState::Established)
    }
}

/// Stores the session once the server's Finished has verified: a new one
/// after a full handshake; a resumed one again if it came with a fresh
/// ticket. Returns the entry this connection uses now, if it is in the
/// store.
fn in_use_after_finished(finish: &mut Finishing) -> Option<SessionHandle> {
    let (store, server_name, session_id) = finish.store.take()?;
    let context = finish.context;
    let seq = match finish.resumed_from.take() {
        Some((mut stored, seq)) => match finish.new_ticket.take() {
            Some((ticket, expires)) => {
                stored.ticket = ticket;
                stored.ticket_expires = expires;
                store.insert_entry(&server_name, stored)?
            }
            None => seq,
        },
        None => {
            let session = stored_session(finish, session_id);
            store.insert_entry(&server_name, session)?
        }
    };
    Some(SessionHandle::Client {
        store,
        server_name,
        context,
        seq,
    })
}

/// The session to keep after a full handshake.
fn stored_session(finish: &mut Finishing, session_id: Vec<u8>) -> StoredSession {
    let (ticket, ticket_expires) = finish.new_ticket.take().unwrap_or_default();
    StoredSession {
        version: keel_wire::registry::ProtocolVersion::TLS_V1_2,
        context: finish.context,
        session_id,
        cipher_suite: finish.session.cipher_suite,
        secret: finish.master.as_bytes().to_vec(),
        extended_master_secret: true,
        server_name: finish.session.server_name.clone(),
        alpn: finish.session.alpn.clone(),
        peer_certificates: finish.session.peer_certificates.clone(),
        group: finish.session.group,
        signature_scheme: finish.session.signature_scheme,
        created: finish.created,
        ticket,
        ticket_expires,
        ticket_age_add: 0,
        client_signature_scheme: None,
        ocsp_response: finish.session.ocsp_response.clone(),
    }
}

/// The abbreviated handshake (RFC 5246 §7.3): the server echoed the ID of
/// the stored session, so both sides derive new keys from its master
/// secret and the new randoms; the server's ChangeCipherSpec and Finished
/// come next, then the client's.
pub(crate) fn resume(
    negotiated: Negotiated,
    transcript: Transcript,
    stored: StoredSession,
    seq: u64,
) -> Result<ClientState, HandshakeError> {
    let config = Arc::clone(&negotiated.context.config);
    let master = MasterSecret::from_bytes(&stored.secret)?;
    let algorithm =
        AeadAlgorithm::for_suite(negotiated.suite).ok_or(HandshakeError::NoSharedCipherSuite)?;
    let (client_keys, server_keys) = key_schedule::key_block(
        &master,
        negotiated.prf,
        algorithm,
        &negotiated.context.client_random,
        &negotiated.server_random,
    )?;
    let session = SessionInfo {
        version: ProtocolVersion::TLS_V1_2,
        cipher_suite: negotiated.suite,
        group: stored.group,
        signature_scheme: stored.signature_scheme,
        client_signature_scheme: None,
        alpn: negotiated.alpn.clone(),
        server_name: negotiated.context.server_name.sni().map(str::to_owned),
        ocsp_response: stored.ocsp_response.clone(),
        peer_certificates: stored.peer_certificates.clone(),
        extended_master_secret: true,
        resumed: true,
        hello_retry_request: false,
    };
    let finish = Finishing {
        master,
        prf: negotiated.prf,
        client_random: negotiated.context.client_random,
        server_random: negotiated.server_random,
        transcript,
        server_keys: Some(server_keys),
        client_keys: Some(client_keys),
        session,
        // The entry in use; a new ticket replaces the one it had.
        store: config.session_store.clone().map(|store| {
            (
                store,
                negotiated.context.server_name.to_string(),
                stored.session_id.clone(),
            )
        }),
        created: stored.created,
        new_ticket: None,
        resumed_from: Some((stored, seq)),
        context: config.resumption_context,
    };
    Ok(after_client_finished(
        finish,
        negotiated.ticket_expected,
        config,
    ))
}
