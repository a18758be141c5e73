//! The client's flight in: [Certificate], ClientKeyExchange,
//! [CertificateVerify], ChangeCipherSpec, Finished; the server's
//! ChangeCipherSpec and Finished out.

use std::sync::Arc;

use keel_pki::{CertificateDer, ClientAuth, PeerKeys};
use keel_record::{AeadAlgorithm, TrafficKeys};
use keel_wire::handshake::{Certificate, CertificateVerify, ClientKeyExchange, Finished};
use keel_wire::registry::{CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};

use super::ServerState;
use crate::config::ServerHandshakeConfig;
use crate::error::{HandshakeError, IllegalParameter, Internal};
use crate::key_schedule::{self, MasterSecret, PrfHash, Sender};
use crate::kx::EphemeralKey;
use crate::machine::{self, Emit, SessionHandle, SessionSecrets};
use crate::resumption_context::ResumptionContext;
use crate::session::SessionInfo;
use crate::sessions::{ServerSessionCache, StoredSession};
use crate::tickets::TicketKeys;
use crate::transcript::Transcript;

/// What the ClientHello settled.
#[derive(Debug)]
pub(crate) struct ServerContext {
    pub(crate) config: Arc<ServerHandshakeConfig>,
    pub(crate) client_random: [u8; 32],
    pub(crate) server_random: [u8; 32],
    pub(crate) suite: CipherSuite,
    pub(crate) prf: PrfHash,
    pub(crate) group: NamedGroup,
    pub(crate) scheme: SignatureScheme,
    pub(crate) alpn: Option<Vec<u8>>,
    pub(crate) sni: Option<String>,
    pub(crate) ephemeral: EphemeralKey,
    /// The session ID sent in the ServerHello (empty: not resumable).
    pub(crate) session_id: Vec<u8>,
    /// Set when the ServerHello promised a NewSessionTicket.
    pub(crate) ticket_keys: Option<Arc<TicketKeys>>,
}

/// Waiting for the client's Certificate (it was requested).
#[derive(Debug)]
pub(crate) struct ExpectCertificate {
    pub(crate) context: ServerContext,
    pub(crate) transcript: Transcript,
}

/// Waiting for the ClientKeyExchange.
#[derive(Debug)]
pub(crate) struct ExpectClientKeyExchange {
    context: ServerContext,
    transcript: Transcript,
    client_chain: Vec<CertificateDer<'static>>,
}

/// Waiting for the client's CertificateVerify (it sent a certificate).
#[derive(Debug)]
pub(crate) struct ExpectCertificateVerify {
    keyed: Keyed,
    /// The schemes the CertificateRequest listed.
    accepted: Vec<SignatureScheme>,
    /// The configuration's parsed client keys.
    peer_keys: Arc<PeerKeys>,
}

/// Waiting for the client's ChangeCipherSpec.
#[derive(Debug)]
pub(crate) struct ExpectChangeCipherSpec {
    keyed: Keyed,
}

/// Waiting for the client's Finished, now protected.
#[derive(Debug)]
pub(crate) struct ExpectFinished {
    keyed: Keyed,
}

/// Everything after the key exchange.
#[derive(Debug)]
struct Keyed {
    master: MasterSecret,
    client_random: [u8; 32],
    server_random: [u8; 32],
    transcript: Transcript,
    client_keys: Option<TrafficKeys>,
    /// `None` when resuming: the server's keys are already in use.
    server_keys: Option<TrafficKeys>,
    session: SessionInfo,
    prf: PrfHash,
    /// After a full handshake with a cache: where to keep the session once
    /// the client's Finished has verified.
    store: Option<(Arc<ServerSessionCache>, Vec<u8>)>,
    /// After a full handshake that promised a ticket: the keys to seal it
    /// with (and the configuration's clock and RNG) once the client's
    /// Finished has verified.
    ticket_keys: Option<(Arc<TicketKeys>, Arc<ServerHandshakeConfig>)>,
    /// The session ID of the ServerHello, kept inside a ticket.
    session_id: Vec<u8>,
    created: u64,
    /// The configuration's resumption context, stored with the session.
    context: ResumptionContext,
    /// Resuming a cached session: its entry, which this connection
    /// forgets if it fails once the client's Finished has verified.
    in_use: Option<SessionHandle>,
}

// RFC 5246 §7.3: after a CertificateRequest the client's Certificate must
// come (ServerState::accepts admits nothing else in this state).
impl ExpectCertificate {
    pub(crate) fn handle(
        mut self: Box<Self>,
        raw: &[u8],
        certificate: Certificate,
    ) -> Result<ServerState, HandshakeError> {
        let config = &self.context.config;
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
        let verifier = config
            .client_verifier
            .as_ref()
            .ok_or(HandshakeError::Internal {
                reason: Internal::BrokenInvariant,
            })?;
        // RFC 5246 §7.4.6: a client without a suitable certificate sends
        // an empty list. An empty chain passes only when client
        // authentication is optional; a chain the verifier does not vouch
        // for (`Ok(false)`) never passes: it would be reported as the
        // client's identity.
        let verified = verifier
            .verify_client(&chain, config.clock.now())
            .map_err(|source| HandshakeError::Certificate { source })?;
        if !verified && (!chain.is_empty() || verifier.mode() == ClientAuth::Required) {
            return Err(HandshakeError::Certificate {
                source: keel_pki::CertError::NoCertificate,
            });
        }
        self.transcript.add(raw)?;
        if chain.is_empty() {
            self.transcript.discard_messages();
        }
        Ok(ServerState::ExpectClientKeyExchange(Box::new(
            ExpectClientKeyExchange::new(self.context, self.transcript, chain),
        )))
    }
}

impl ExpectClientKeyExchange {
    pub(crate) fn new(
        context: ServerContext,
        transcript: Transcript,
        client_chain: Vec<CertificateDer<'static>>,
    ) -> Self {
        Self {
            context,
            transcript,
            client_chain,
        }
    }

    pub(crate) fn handle(
        mut self: Box<Self>,
        raw: &[u8],
        kx: &ClientKeyExchange,
        _out: &mut Vec<Emit>,
    ) -> Result<ServerState, HandshakeError> {
        let context = self.context;
        let pre_master = context.ephemeral.agree(&kx.public)?;
        self.transcript.add(raw)?;
        // RFC 7627 §5.1: the extended master secret, always; its session
        // hash (§3) covers the transcript through the ClientKeyExchange.
        let session_hash = self.transcript.current_hash()?;
        let master = MasterSecret::extended(context.prf, &pre_master, session_hash.as_ref())?;
        drop(pre_master);
        machine::log_master(
            context.config.key_log.as_deref(),
            &context.client_random,
            &master,
        );
        let algorithm =
            AeadAlgorithm::for_suite(context.suite).ok_or(HandshakeError::NoSharedCipherSuite)?;
        let (client_keys, server_keys) = key_schedule::key_block(
            &master,
            context.prf,
            algorithm,
            &context.client_random,
            &context.server_random,
        )?;
        let has_client_certificate = !self.client_chain.is_empty();
        let accepted = context.config.signature_schemes.clone();
        let peer_keys = Arc::clone(&context.config.peer_keys);
        let keyed = Keyed {
            master,
            client_random: context.client_random,
            server_random: context.server_random,
            transcript: self.transcript,
            client_keys: Some(client_keys),
            server_keys: Some(server_keys),
            prf: context.prf,
            // A session sealed into a ticket is not also cached (RFC 5077
            // §3.4 resumption is stateless): the cache keeps the sessions of
            // clients without tickets, and holds no copy of a secret the
            // client already carries.
            store: context
                .config
                .session_cache
                .clone()
                .filter(|_| !context.session_id.is_empty() && context.ticket_keys.is_none())
                .map(|cache| (cache, context.session_id.clone())),
            ticket_keys: context
                .ticket_keys
                .map(|keys| (keys, Arc::clone(&context.config))),
            session_id: context.session_id,
            created: machine::now_secs(context.config.clock.as_ref()),
            context: context.config.resumption_context,
            in_use: None,
            session: SessionInfo {
                version: ProtocolVersion::TLS_V1_2,
                cipher_suite: context.suite,
                group: context.group,
                signature_scheme: context.scheme,
                client_signature_scheme: None,
                alpn: context.alpn,
                server_name: context.sni,
                ocsp_response: None,
                peer_certificates: self.client_chain,
                extended_master_secret: true,
                resumed: false,
                hello_retry_request: false,
            },
        };
        // RFC 5246 §7.4.8: a client that sent a certificate proves its key
        // in a CertificateVerify right after the ClientKeyExchange.
        Ok(if has_client_certificate {
            ServerState::ExpectCertificateVerify(Box::new(ExpectCertificateVerify {
                keyed,
                accepted,
                peer_keys,
            }))
        } else {
            ServerState::ExpectChangeCipherSpec(Box::new(ExpectChangeCipherSpec { keyed }))
        })
    }
}

impl ExpectCertificateVerify {
    pub(crate) fn handle(
        mut self: Box<Self>,
        raw: &[u8],
        verify: &CertificateVerify,
    ) -> Result<ServerState, HandshakeError> {
        let scheme = verify.signed.scheme;
        // RFC 5246 §7.4.8: one of the schemes the CertificateRequest listed.
        if !self.accepted.contains(&scheme) {
            return Err(HandshakeError::IllegalParameter {
                reason: IllegalParameter::SchemeNotListed { scheme },
            });
        }
        let keyed = &mut self.keyed;
        let leaf = keyed
            .session
            .peer_certificates
            .first()
            .ok_or(HandshakeError::Internal {
                reason: Internal::BrokenInvariant,
            })?;
        let messages = keyed
            .transcript
            .messages()
            .ok_or(HandshakeError::Internal {
                reason: Internal::BrokenInvariant,
            })?;
        // RFC 5280 §4.2.1.3: the client's key must be allowed to sign,
        // whatever verifier accepted the chain. RFC 5246 §7.4.6: the leaf
        // must allow signing under the CertificateVerify's scheme, with a
        // key on a curve keel verifies (any other is bad_certificate).
        let key_use = self
            .peer_keys
            .leaf_key_use(leaf)
            .map_err(|source| HandshakeError::Signature { source })?;
        if !key_use.may_sign {
            return Err(HandshakeError::CertificateMayNotSign);
        }
        // RFC 5246 §7.4.8: the scheme must fit the key in the client's leaf
        // (illegal_parameter otherwise), and the signature must verify.
        self.peer_keys
            .verify_signature(leaf, scheme, messages, &verify.signed.signature)
            .map_err(|source| HandshakeError::Signature { source })?;
        keyed.transcript.add(raw)?;
        keyed.transcript.discard_messages();
        keyed.session.client_signature_scheme = Some(scheme);
        Ok(ServerState::ExpectChangeCipherSpec(Box::new(
            ExpectChangeCipherSpec { keyed: self.keyed },
        )))
    }
}

impl ExpectChangeCipherSpec {
    pub(crate) fn handle(mut self: Box<Self>, out: &mut Vec<Emit>) -> ServerState {
        if let Some(keys) = self.keyed.client_keys.take() {
            out.push(Emit::ReadKeys(keys));
        }
        ServerState::ExpectFinished(Box::new(ExpectFinished { keyed: self.keyed }))
    }
}

impl ExpectFinished {
    pub(crate) fn handle(
        self: Box<Self>,
        raw: &[u8],
        finished: &Finished,
        out: &mut Vec<Emit>,
    ) -> Result<ServerState, HandshakeError> {
        let mut keyed = self.keyed;
        // RFC 5246 §7.4.9: the client's Finished must verify.
        machine::check_finished(
            &keyed.master,
            keyed.prf,
            Sender::Client,
            &keyed.transcript,
            &finished.verify_data,
        )?;
        // What a cache keeps and a ticket seals; a resumption needs neither.
        let session =
            (keyed.store.is_some() || keyed.ticket_keys.is_some()).then(|| stored_session(&keyed));
        // A full handshake: the server's [NewSessionTicket], ChangeCipherSpec
        // and Finished come now (RFC 5077 §3.3: the ticket before the
        // ChangeCipherSpec). Resuming, they went first, and the keys are
        // already used.
        if let Some(server_keys) = keyed.server_keys.take() {
            keyed.transcript.add(raw)?;
            if let (Some((keys, config)), Some(session)) = (keyed.ticket_keys.take(), &session) {
                let ticket = super::hello::new_session_ticket(
                    &keys,
                    session,
                    machine::now_secs(config.clock.as_ref()),
                    config.rng.as_ref(),
                );
                machine::send(
                    keel_wire::HandshakeMessage::NewSessionTicket(ticket),
                    &mut keyed.transcript,
                    out,
                )?;
            }
            // RFC 5246 §7.1: the new write keys right after the
            // ChangeCipherSpec.
            out.push(Emit::ChangeCipherSpec);
            out.push(Emit::WriteKeys(server_keys));
            let server_finished =
                machine::finished(&keyed.master, keyed.prf, Sender::Server, &keyed.transcript)?;
            machine::send(server_finished, &mut keyed.transcript, out)?;
        }
        // Stored only once the client's Finished has verified; a resumed
        // session is in use from now on too.
        if let (Some((cache, session_id)), Some(session)) = (keyed.store.take(), session)
            && let Some(seq) = cache.insert_entry(session)
        {
            out.push(Emit::SessionInUse(SessionHandle::Server {
                cache,
                session_id,
                seq,
            }));
        }
        if let Some(handle) = keyed.in_use.take() {
            out.push(Emit::SessionInUse(handle));
        }
        let secrets = SessionSecrets::Tls12 {
            master: keyed.master,
            prf: keyed.prf,
            client_random: keyed.client_random,
            server_random: keyed.server_random,
        };
        out.push(Emit::Established(
            Box::new(keyed.session),
            Box::new(secrets),
        ));
        Ok(ServerState::Established)
    }
}

/// The session as it is cached or sealed into a ticket.
fn stored_session(keyed: &Keyed) -> StoredSession {
    StoredSession {
        version: keel_wire::registry::ProtocolVersion::TLS_V1_2,
        context: keyed.context,
        session_id: keyed.session_id.clone(),
        cipher_suite: keyed.session.cipher_suite,
        secret: keyed.master.as_bytes().to_vec(),
        extended_master_secret: true,
        server_name: keyed.session.server_name.clone(),
        alpn: keyed.session.alpn.clone(),
        peer_certificates: keyed.session.peer_certificates.clone(),
        group: keyed.session.group,
        signature_scheme: keyed.session.signature_scheme,
        created: keyed.created,
        ticket: Vec::new(),
        ticket_expires: 0,
        ticket_age_add: 0,
        client_signature_scheme: keyed.session.client_signature_scheme,
        ocsp_response: None,
    }
}

/// What the ServerHello of a resumption settled.
#[derive(Debug)]
pub(crate) struct ResumedHello {
    pub(crate) client_random: [u8; 32],
    pub(crate) server_random: [u8; 32],
    pub(crate) prf: PrfHash,
    pub(crate) alpn: Option<Vec<u8>>,
    pub(crate) sni: Option<String>,
    /// The cache entry resumed, if it came from the cache.
    pub(crate) in_use: Option<SessionHandle>,
}

/// The rest of the abbreviated handshake (RFC 5246 §7.3) after the
/// ServerHello: the server's ChangeCipherSpec and Finished go first, under
/// keys from the cached master secret and the new randoms; then the client's
/// ChangeCipherSpec and Finished are expected.
pub(crate) fn resumed(
    hello: ResumedHello,
    mut transcript: Transcript,
    stored: StoredSession,
    out: &mut Vec<Emit>,
) -> Result<ServerState, HandshakeError> {
    let master = MasterSecret::from_bytes(&stored.secret)?;
    let algorithm =
        AeadAlgorithm::for_suite(stored.cipher_suite).ok_or(HandshakeError::NoSharedCipherSuite)?;
    let (client_keys, server_keys) = key_schedule::key_block(
        &master,
        hello.prf,
        algorithm,
        &hello.client_random,
        &hello.server_random,
    )?;
    out.push(Emit::ChangeCipherSpec);
    out.push(Emit::WriteKeys(server_keys));
    let finished = machine::finished(&master, hello.prf, Sender::Server, &transcript)?;
    machine::send(finished, &mut transcript, out)?;
    let keyed = Keyed {
        master,
        client_random: hello.client_random,
        server_random: hello.server_random,
        transcript,
        client_keys: Some(client_keys),
        server_keys: None,
        prf: hello.prf,
        store: None,
        ticket_keys: None,
        session_id: stored.session_id.clone(),
        created: stored.created,
        context: stored.context,
        in_use: hello.in_use,
        session: SessionInfo {
            version: ProtocolVersion::TLS_V1_2,
            cipher_suite: stored.cipher_suite,
            group: stored.group,
            signature_scheme: stored.signature_scheme,
            client_signature_scheme: stored.client_signature_scheme,
            alpn: hello.alpn,
            server_name: hello.sni,
            ocsp_response: None,
            peer_certificates: stored.peer_certificates.clone(),
            extended_master_secret: true,
            resumed: true,
            hello_retry_request: false,
        },
    };
    Ok(ServerState::ExpectChangeCipherSpec(Box::new(
        ExpectChangeCipherSpec { keyed },
    )))
}
