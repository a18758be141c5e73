//! ClientHello out, ServerHello in.

use std::sync::Arc;

use keel_pki::ServerName;
use keel_wire::extensions::RawExtension;
use keel_wire::extensions::{
    CertificateStatusRequest, ProtocolName, ServerName as SniName, ServerNameList,
};
use keel_wire::handshake::{ClientHello, HelloRetryRequest, ServerHello};
use keel_wire::registry::{
    CompressionMethod, EcPointFormat, ExtensionType, ProtocolVersion, PskKeyExchangeMode,
    ServerNameType,
};
use keel_wire::vec::{List, Opaque};
use keel_wire::{ClientExtension, Codec, Extensions, HandshakeMessage, ServerExtension};

use super::server_flight::{ExpectCertificate, Negotiated};
use super::{ClientContext, ClientState};
use crate::client13::hello::Offer13;
use crate::config::ClientHandshakeConfig;
use crate::error::{HandshakeError, IllegalParameter};
use crate::key_schedule::PrfHash;
use crate::machine::{self, Emit};
use crate::sessions::StoredSession;
use crate::tls13::{ClientKeyShare, Tls13Suite};
use crate::transcript::Transcript;

/// Waiting for the ServerHello.
#[derive(Debug)]
pub(crate) struct ExpectServerHello {
    context: ClientContext,
    transcript: Transcript,
    /// The stored session offered for resumption, if any, and its entry's
    /// sequence number in the store.
    resuming: Option<(StoredSession, u64)>,
    /// The session ID the ClientHello carried: a server that echoes it
    /// resumes the offered session.
    offered_session_id: Vec<u8>,
    /// What a TLS 1.3 answer needs, when TLS 1.3 was offered.
    tls13: Option<Box<Offer13>>,
}

/// The suites a ClientHello offers: TLS 1.3's then TLS 1.2's, in the
/// configured order, each only when its version is offered.
fn offered_suites(config: &ClientHandshakeConfig) -> Vec<keel_wire::registry::CipherSuite> {
    let is13 = |s: &keel_wire::registry::CipherSuite| Tls13Suite::from_cipher_suite(*s).is_some();
    let tls13 = config
        .suites
        .iter()
        .filter(|s| config.versions.tls13() && is13(s));
    let tls12 = config
        .suites
        .iter()
        .filter(|s| config.versions.tls12() && !is13(s));
    tls13.chain(tls12).copied().collect()
}

/// Builds and queues the ClientHello.
pub(crate) fn start(
    config: Arc<ClientHandshakeConfig>,
    server_name: ServerName,
    out: &mut Vec<Emit>,
) -> Result<ClientState, HandshakeError> {
    let client_random = machine::random(config.rng.as_ref())?;
    let now = machine::now_secs(config.clock.as_ref());
    let offer13 = config.versions.tls13();
    let offer12 = config.versions.tls12();
    // RFC 5246 §7.4.1.2: offer the session stored for this name under this
    // configuration's resumption context (a session another policy
    // admitted is never offered: its verdict is not this one's), if its
    // suite is still one this client offers, and if it was made with the
    // extended master secret: RFC 7627 §5.3 has the client abort a
    // resumption of any other session, so it is never offered (only an
    // imported entry can be one).
    let resuming = config
        .session_store
        .as_ref()
        .filter(|_| offer12)
        .and_then(|store| {
            store.get_entry(&config.resumption_context, &server_name.to_string(), now)
        })
        .filter(|(stored, _)| {
            stored.version == ProtocolVersion::TLS_V1_2
                && stored.extended_master_secret
                && config.suites.contains(&stored.cipher_suite)
        });
    // RFC 5077 §3.3: a ticket is offered only while its lifetime hint
    // lasts. RFC 5077 §3.4: it goes with a session ID of the client's own that the server echoes if it
    // accepts the ticket. Without a usable ticket, the session is offered
    // by its ID (if it has one).
    let ticket = resuming
        .as_ref()
        .map(|(s, _)| s)
        .filter(|s| !s.ticket.is_empty() && (s.ticket_expires == 0 || now < s.ticket_expires))
        .map(|s| s.ticket.clone());
    // RFC 8446 Appendix D.4: a client offering TLS 1.3 sends a session ID
    // of its own, so that middleboxes see a TLS 1.2 resumption.
    let offered_session_id = match (&ticket, &resuming) {
        (Some(_), _) => machine::random(config.rng.as_ref())?.to_vec(),
        (None, Some((stored, _))) => stored.session_id.clone(),
        (None, None) if offer13 => machine::random(config.rng.as_ref())?.to_vec(),
        (None, None) => Vec::new(),
    };
    let resuming = resuming.filter(|_| !offered_session_id.is_empty());
    // RFC 5246 §7.4.1.4: the same extensions whether or not a session is
    // offered (the server may not resume it).
    let mut extensions = Vec::new();
    // RFC 6066 §3: SNI carries DNS names only, never IP addresses.
    if let Some(sni) = server_name.sni() {
        extensions.push(ClientExtension::ServerName(ServerNameList(List(vec![
            SniName {
                name_type: ServerNameType::HOST_NAME,
                name: Opaque(sni.as_bytes().to_vec()),
            },
        ]))));
    }
    // RFC 8422 §4, RFC 8422 §5.1: every suite keel offers is an ECC suite,
    // so supported_groups and ec_point_formats are both sent.
    // RFC 8422 §5.1.2: the point formats are uncompressed alone, the
    // octets 00 0B 00 02 01 00.
    // X25519MLKEM768 is TLS 1.3's alone (draft-ietf-tls-ecdhe-mlkem).
    let groups = config
        .groups
        .iter()
        .copied()
        .filter(|g| offer13 || crate::kx::is_supported(*g))
        .collect();
    extensions.push(ClientExtension::SupportedGroups(List(groups)));
    if offer12 {
        extensions.push(ClientExtension::EcPointFormats(List(vec![
            EcPointFormat::UNCOMPRESSED,
        ])));
    }
    // RFC 5246 §7.4.1.4.1: always sent, since keel's schemes are not the
    // defaults (no SHA-1).
    extensions.push(ClientExtension::SignatureAlgorithms(List(
        config.signature_schemes.clone(),
    )));
    if !config.alpn.is_empty() {
        let names = config
            .alpn
            .iter()
            .map(|p| ProtocolName(p.clone()))
            .collect();
        extensions.push(ClientExtension::Alpn(List(names)));
    }
    if config.request_ocsp {
        // RFC 6066 §8: OCSP, with no responder list (the server knows its
        // responder) and no request extensions.
        extensions.push(ClientExtension::StatusRequest(
            CertificateStatusRequest::Ocsp {
                responder_ids: List(Vec::new()),
                request_extensions: Opaque(Vec::new()),
            },
        ));
    }
    // RFC 7627 §5.2: in all handshakes; RFC 7627 §5.3: a ClientHello that
    // offers a session to resume carries it too.
    if offer12 {
        extensions.push(ClientExtension::ExtendedMasterSecret);
    }
    // RFC 8449 §4: advertised always, even at the protocol's own limit.
    extensions.push(ClientExtension::RecordSizeLimit(
        config.limits.record_size_limit,
    ));
    // RFC 5077 §3.2: a client that keeps sessions asks for a ticket (an
    // empty extension) or offers the one it has.
    if config.session_store.is_some() && offer12 {
        extensions.push(ClientExtension::SessionTicket(ticket.unwrap_or_default()));
    }
    // RFC 5746 §3.4: an empty renegotiation_info in the initial handshake.
    if offer12 {
        extensions.push(ClientExtension::RenegotiationInfo(Opaque(Vec::new())));
    }
    let mut shares = Vec::new();
    if offer13 {
        // RFC 8446 §4.2.1: the versions, most preferred first.
        let mut versions = vec![ProtocolVersion::TLS_V1_3];
        if offer12 {
            versions.push(ProtocolVersion::TLS_V1_2);
        }
        extensions.push(ClientExtension::SupportedVersions(List(versions)));
        for group in crate::client13::hello::share_groups(&config.groups) {
            shares.push(ClientKeyShare::generate(group, config.rng.as_ref())?);
        }
        extensions.push(crate::client13::hello::key_share_extension(&shares));
        // RFC 8446 §4.2.9: only psk_dhe_ke, so that a resumption keeps
        // forward secrecy.
        extensions.push(ClientExtension::PskKeyExchangeModes(List(vec![
            PskKeyExchangeMode::PSK_DHE_KE,
        ])));
    }
    // RFC 8446 §4.2.11: a TLS 1.3 ticket kept for this server, offered in
    // pre_shared_key, which must be the last extension.
    let psk = if offer13 {
        crate::client13::psk::take(&config, &server_name.to_string(), now)
    } else {
        None
    };
    if let Some(offered) = &psk {
        extensions.push(crate::client13::psk::extension(offered, now));
    }

    // RFC 5246 §7.4.1.2: client_version is the highest keel speaks; the
    // compression list is null alone.
    let mut hello = ClientHello {
        client_version: ProtocolVersion::TLS_V1_2,
        random: keel_wire::handshake::Random(client_random),
        session_id: Opaque(offered_session_id.clone()),
        // Real suites only (the facade refuses signalling values).
        // RFC 7507 §4: TLS 1.2 is this client's highest version, so never
        // TLS_FALLBACK_SCSV. RFC 5746 §3.4: the extension above rather
        // than also its SCSV.
        // RFC 8446 §4.1.2: the TLS 1.3 suites first, then TLS 1.2's, each
        // only if its version is offered.
        cipher_suites: List(offered_suites(&config)),
        compression_methods: List(vec![CompressionMethod::NULL]),
        extensions: Extensions::Present(extensions),
    };
    // A client that may authenticate keeps the raw transcript for its
    // CertificateVerify (RFC 5246 §7.4.8 signs the messages themselves).
    let mut transcript = if config.client_certificates.is_empty() {
        Transcript::new(config.limits.max_transcript)
    } else {
        Transcript::retaining_messages(config.limits.max_transcript)
    };
    let tls13 = if offer13 {
        let hello_bytes = match &psk {
            Some(offered) => crate::client13::psk::bind(
                &mut hello,
                &crate::tls13::Transcript13::new(config.limits.max_transcript),
                offered,
            )?,
            None => HandshakeMessage::ClientHello(hello.clone())
                .encode()
                .map_err(|_| HandshakeError::Internal {
                    reason: crate::error::Internal::Encoding,
                })?,
        };
        Some(Box::new(Offer13 {
            shares,
            hello: hello.clone(),
            hello_bytes,
            psk,
        }))
    } else {
        None
    };
    machine::send(HandshakeMessage::ClientHello(hello), &mut transcript, out)?;
    let context = ClientContext {
        config,
        server_name,
        client_random,
    };
    Ok(ClientState::ExpectServerHello(Box::new(
        ExpectServerHello {
            context,
            transcript,
            resuming,
            offered_session_id,
            tls13,
        },
    )))
}

impl ExpectServerHello {
    /// A HelloRetryRequest (RFC 8446 §4.1.4): only to a client that
    /// offered TLS 1.3.
    pub(crate) fn handle_retry(
        mut self: Box<Self>,
        raw: &[u8],
        retry: &HelloRetryRequest,
        out: &mut Vec<Emit>,
    ) -> Result<ClientState, HandshakeError> {
        let offer = self.tls13.take().ok_or(HandshakeError::UnexpectedMessage {
            expected: "ServerHello",
            got: crate::error::MessageKind::Handshake(
                keel_wire::registry::HandshakeType::SERVER_HELLO,
            ),
        })?;
        crate::client13::hello::hello_retry_request(self.context, *offer, raw, retry, out)
            .map(|state| ClientState::Tls13(Box::new(state)))
    }

    pub(crate) fn handle(
        mut self: Box<Self>,
        raw: &[u8],
        hello: &ServerHello,
        out: &mut Vec<Emit>,
    ) -> Result<ClientState, HandshakeError> {
        // RFC 8446 §4.2.1: supported_versions in the ServerHello selects the
        // version; only TLS 1.3, and only if offered.
        // A client that sent no supported_versions (TLS 1.2 only) gets
        // none back: RFC 8446 §4.2, unsupported_extension.
        if let Some(version) = crate::client13::hello::selected_version(hello) {
            let offer = self
                .tls13
                .take()
                .ok_or(HandshakeError::UnsolicitedExtension {
                    extension: ExtensionType::SUPPORTED_VERSIONS,
                })?;
            if version != ProtocolVersion::TLS_V1_3 {
                return Err(HandshakeError::IllegalParameter {
                    reason: IllegalParameter::VersionNotOffered { version },
                });
            }
            return crate::client13::hello::server_hello(
                self.context,
                *offer,
                None,
                None,
                raw,
                hello,
                out,
            )
            .map(|state| ClientState::Tls13(Box::new(state)));
        }
        let config = &self.context.config;
        // TLS 1.2 only, both ways (RFC 7627 §6.4: SSL 3.0 is refused), and
        // only when offered.
        if hello.server_version != ProtocolVersion::TLS_V1_2 || !config.versions.tls12() {
            return Err(HandshakeError::ProtocolVersion {
                version: hello.server_version,
            });
        }
        // RFC 8446 §4.1.3: a client that offered TLS 1.3 (and, as checked
        // above, TLS 1.2) refuses a TLS 1.2 answer that says the server
        // speaks TLS 1.3 too.
        if self.tls13.is_some() && hello.random.has_downgrade_sentinel() {
            return Err(HandshakeError::IllegalParameter {
                reason: IllegalParameter::DowngradeSentinel,
            });
        }
        let suite = hello.cipher_suite;
        if !config.suites.contains(&suite) {
            return Err(HandshakeError::IllegalParameter {
                reason: IllegalParameter::SuiteNotOffered { suite },
            });
        }
        let prf = PrfHash::for_suite(suite).ok_or(HandshakeError::IllegalParameter {
            reason: IllegalParameter::SuiteNotOffered { suite },
        })?;
        if hello.compression_method != CompressionMethod::NULL {
            return Err(HandshakeError::IllegalParameter {
                reason: IllegalParameter::CompressionChosen,
            });
        }

        let mut ems = false;
        let mut record_size_limit = None;
        let mut secure_renegotiation = false;
        let mut alpn = None;
        let mut status_acknowledged = false;
        let mut ticket_expected = false;
        for extension in hello.extensions.iter() {
            match extension {
                ServerExtension::ServerName if self.context.server_name.sni().is_some() => {}
                // RFC 8422 §5.2: the list, if sent, must contain uncompressed.
                ServerExtension::EcPointFormats(formats) => {
                    if !formats.contains(&EcPointFormat::UNCOMPRESSED) {
                        return Err(HandshakeError::IllegalParameter {
                            reason: IllegalParameter::NoUncompressedPoints,
                        });
                    }
                }
                // RFC 7301 §3.2: the server selects a protocol the client
                // advertised; another is illegal_parameter.
                ServerExtension::Alpn(protocol) if !config.alpn.is_empty() => {
                    if !config
                        .alpn
                        .iter()
                        .any(|p| p.as_slice() == protocol.as_slice())
                    {
                        return Err(HandshakeError::IllegalParameter {
                            reason: IllegalParameter::AlpnNotOffered,
                        });
                    }
                    alpn = Some(protocol.0.clone());
                }
                // RFC 6066 §8: a CertificateStatus may follow the
                // Certificate (it may also be absent).
                ServerExtension::StatusRequest if config.request_ocsp => {
                    status_acknowledged = true;
                }
                // RFC 5077 §3.2: a NewSessionTicket will follow.
                ServerExtension::SessionTicket if config.session_store.is_some() => {
                    ticket_expected = true;
                }
                ServerExtension::ExtendedMasterSecret => ems = true,
                ServerExtension::RecordSizeLimit(value) => {
                    record_size_limit = Some(machine::peer_record_size_limit(*value)?);
                }
                // RFC 5746 §3.4: it must be empty in an initial handshake.
                ServerExtension::RenegotiationInfo(info) => {
                    if !info.is_empty() {
                        return Err(HandshakeError::NoSecureRenegotiation);
                    }
                    secure_renegotiation = true;
                }
                // RFC 8449 §5: max_fragment_length is never offered, so one
                // beside record_size_limit is unsolicited, a fatal error
                // (below).
                // The client did send supported_groups, so an echo is not
                // unsolicited (RFC 5246 §7.4.1.4); RFC 8422 gives it no
                // meaning in a ServerHello, and some servers send it
                // anyway (as BoringSSL's tests model). Ignored.
                ServerExtension::Unknown(RawExtension { ext_type, .. })
                    if *ext_type == ExtensionType::SUPPORTED_GROUPS => {}
                // RFC 5746 §3.6: RFC 5246 §7.4.1.4 still holds for every
                // other extension: one not offered is refused.
                other => {
                    return Err(HandshakeError::UnsolicitedExtension {
                        extension: keel_wire::extensions::ExtensionCodec::extension_type(other),
                    });
                }
            }
        }
        // RFC 7627 §4, RFC 7627 §5.2: a server without the extended master
        // secret is refused (handshake_failure). Checked before resumption:
        // RFC 7627 §5.3, RFC 7627 §5.4, a ServerHello resuming a session
        // without it is refused too.
        if !ems {
            return Err(HandshakeError::NoExtendedMasterSecret);
        }
        // RFC 5746 §4.1: keel requires the extension; without it, a fatal
        // handshake_failure.
        if !secure_renegotiation {
            return Err(HandshakeError::NoSecureRenegotiation);
        }

        // RFC 5246 §7.4.9: the handshake hash is the hash of the suite's PRF.
        self.transcript.start(prf)?;
        self.transcript.add(raw)?;
        out.push(Emit::VersionNegotiated);
        if let Some(send) = record_size_limit {
            let receive = usize::from(config.limits.record_size_limit).clamp(64, 1 << 14);
            out.push(Emit::RecordSizeLimit { send, receive });
        }
        // RFC 5246 §7.4.1.3: the server resumes by echoing the offered
        // session ID (RFC 5077 §3.4: the client's own, with a ticket); it
        // must then keep that session's suite.
        let offered = std::mem::take(&mut self.offered_session_id);
        let echoed = !hello.session_id.is_empty() && hello.session_id.as_slice() == offered;
        // RFC 8446 Appendix D.4: an ID sent only for middlebox
        // compatibility names no session, so a TLS 1.2 server that echoes
        // it claims to resume what it cannot have.
        if echoed && self.resuming.is_none() {
            return Err(HandshakeError::IllegalParameter {
                reason: IllegalParameter::CompatibilitySessionIdEchoed,
            });
        }
        let resumed = self.resuming.take().filter(|_| echoed);
        let negotiated = Negotiated {
            context: self.context,
            server_random: hello.random.0,
            session_id: hello.session_id.0.clone(),
            suite,
            prf,
            alpn,
            status_acknowledged,
            ticket_expected,
            ocsp_response: None,
        };
        if let Some((stored, seq)) = resumed {
            if stored.cipher_suite != suite {
                return Err(HandshakeError::IllegalParameter {
                    reason: IllegalParameter::ResumedWithAnotherSuite,
                });
            }
            // A resumed session keeps its protocol: a server that answers
            // with another could have been swapped for a different service
            // sharing the session (ALPACA).
            if negotiated.alpn != stored.alpn {
                return Err(HandshakeError::IllegalParameter {
                    reason: IllegalParameter::ResumedWithAnotherAlpn,
                });
            }
            return super::server_flight::resume(negotiated, self.transcript, stored, seq);
        }
        Ok(ClientState::ExpectCertificate(Box::new(
            ExpectCertificate {
                negotiated,
                transcript: self.transcript,
            },
        )))
    }
}
