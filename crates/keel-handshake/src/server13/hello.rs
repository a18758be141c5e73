//! A ClientHello that offers TLS 1.3 in; a HelloRetryRequest, or the
//! ServerHello and the server's encrypted flight out (RFC 8446 §4.1, §4.3,
//! §4.4).

use std::sync::Arc;

use keel_pki::CertifiedKey;
use keel_record::EarlyDataSkip;
use keel_wire::extensions::{
    CertificateExtension, EncryptedExtension, ExtensionContext, KeyShareEntry, ProtocolName,
    first_not_permitted,
};
use keel_wire::extensions::{CertificateRequestExtension, HelloRetryExtension};
use keel_wire::handshake::{
    Certificate13, CertificateEntry, CertificateRequest13, CertificateStatus, ClientHello,
    EncryptedExtensions, HelloRetryRequest, Random, ServerHello,
};
use keel_wire::registry::{
    CompressionMethod, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme,
};
use keel_wire::vec::{List, Opaque};
use keel_wire::{ClientExtension, ExtensionList, Extensions, HandshakeMessage, ServerExtension};

use super::ServerState13;
use super::client_flight::{Await, ServerHandshake13};
use super::psk;
use crate::config::ServerHandshakeConfig;
use crate::error::{HandshakeError, IllegalParameter};
use crate::machine::{self, Emit};
use crate::machine13::{self, AppSecrets, log_secret};
use crate::tls13::{
    EarlySecret, KEY_SHARE_GROUPS, Signer, Tls13Suite, Transcript13, keylog_labels,
    server_key_share,
};

/// What a TLS 1.3 ClientHello's extensions say, gathered once.
#[derive(Debug, Default)]
struct Offer13<'a> {
    sni: Option<String>,
    groups: Option<&'a [NamedGroup]>,
    schemes: Option<&'a [SignatureScheme]>,
    alpn: Option<Vec<&'a [u8]>>,
    shares: Option<&'a [KeyShareEntry]>,
    record_size_limit: Option<u16>,
    ocsp_requested: bool,
    cookie: bool,
    early_data: bool,
    /// psk_key_exchange_modes lists psk_dhe_ke: a ticket is of use.
    psk_dhe_ke: bool,
}

impl<'a> Offer13<'a> {
    fn read(hello: &'a ClientHello) -> Result<Self, HandshakeError> {
        let extensions: Vec<ClientExtension> = hello.extensions.iter().cloned().collect();
        // RFC 8446 §4.2: an extension a ClientHello may not carry is
        // illegal_parameter (unknown ones are ignored).
        if let Some(extension) = first_not_permitted(&extensions, ExtensionContext::ClientHello) {
            return Err(crate::client13::hello::not_permitted(extension));
        }
        let mut offer = Self::default();
        for extension in hello.extensions.iter() {
            match extension {
                ClientExtension::ServerName(list) => {
                    offer.sni = list.host_name().map(crate::server::host_name).transpose()?;
                }
                ClientExtension::SupportedGroups(groups) => offer.groups = Some(groups.as_slice()),
                ClientExtension::SignatureAlgorithms(schemes) => {
                    offer.schemes = Some(schemes.as_slice())
                }
                ClientExtension::Alpn(names) => {
                    offer.alpn = Some(names.iter().map(|n| n.as_slice()).collect())
                }
                ClientExtension::KeyShare(list) => offer.shares = Some(list.0.as_slice()),
                ClientExtension::RecordSizeLimit(value) => offer.record_size_limit = Some(*value),
                ClientExtension::StatusRequest(
                    keel_wire::extensions::CertificateStatusRequest::Ocsp { .. },
                ) => offer.ocsp_requested = true,
                ClientExtension::Cookie(_) => offer.cookie = true,
                ClientExtension::PskKeyExchangeModes(modes) => {
                    offer.psk_dhe_ke =
                        modes.contains(&keel_wire::registry::PskKeyExchangeMode::PSK_DHE_KE);
                }
                // RFC 8446 §4.2.10: early_data is rejected by leaving it
                // out of EncryptedExtensions (keel never accepts 0-RTT),
                // and the early data that follows is skipped.
                ClientExtension::EarlyData => offer.early_data = true,
                // pre_shared_key and psk_key_exchange_modes are `psk.rs`'s.
                // Everything else is not TLS 1.3's business.
                _ => {}
            }
        }
        Ok(offer)
    }
}

/// The server's choices for a ClientHello.
struct Choice {
    suite: Tls13Suite,
    group: NamedGroup,
    key: Arc<CertifiedKey>,
    scheme: SignatureScheme,
    alpn: Option<Vec<u8>>,
}

/// Waiting for ClientHello2 after a HelloRetryRequest.
#[derive(Debug)]
pub(crate) struct ExpectClientHello2 {
    config: Arc<ServerHandshakeConfig>,
    transcript: Transcript13,
    suite: Tls13Suite,
    group: NamedGroup,
    client_hello1: ClientHello,
}

/// RFC 8446 §4.1.2 and §4.1.3: a ClientHello that offers TLS 1.3, to a
/// server that speaks it.
pub(crate) fn client_hello(
    config: Arc<ServerHandshakeConfig>,
    raw: &[u8],
    hello: &ClientHello,
    out: &mut Vec<Emit>,
) -> Result<ServerState13, HandshakeError> {
    // RFC 8446 §4.1.2: exactly one compression method, null.
    if hello.compression_methods.as_slice() != [CompressionMethod::NULL] {
        return Err(HandshakeError::IllegalParameter {
            reason: IllegalParameter::CompressionChosen,
        });
    }
    let offer = Offer13::read(hello)?;
    // RFC 8446 §4.2.2: a cookie in ClientHello1 was never sent by this
    // server.
    if offer.cookie {
        return Err(HandshakeError::UnsolicitedExtension {
            extension: ExtensionType::COOKIE,
        });
    }
    let choice = choose(&config, hello, &offer)?;
    let client_share = offer
        .shares
        .unwrap_or_default()
        .iter()
        .find(|s| s.group == choice.group);
    let Some(client_share) = client_share else {
        let retry = hello_retry_request(config, raw, hello, &choice, out)?;
        // RFC 8446 §4.2.10: after a HelloRetryRequest "the server then
        // ignores early data by skipping all records with an external
        // content type of "application_data"" until ClientHello2.
        if offer.early_data {
            out.push(Emit::SkipEarlyData(EarlyDataSkip::ApplicationData));
        }
        return Ok(retry);
    };
    let mut transcript = Transcript13::new(config.limits.max_transcript);
    let resumed = psk::accept(
        &config,
        hello,
        raw,
        &transcript,
        psk::Chosen {
            suite: choice.suite,
            sni: offer.sni.as_deref(),
            alpn: choice.alpn.as_deref(),
        },
    )?;
    transcript.add(raw)?;
    transcript.start(choice.suite.hash())?;
    let send_ccs = !hello.session_id.is_empty();
    server_flight(
        config,
        transcript,
        hello,
        &offer,
        choice,
        Shares {
            client: client_share.key_exchange.as_slice(),
            resumed,
            send_ccs,
        },
        out,
    )
}

/// The suite, group, certificate and ALPN protocol for a ClientHello, by
/// the server's preferences.
fn choose(
    config: &ServerHandshakeConfig,
    hello: &ClientHello,
    offer: &Offer13<'_>,
) -> Result<Choice, HandshakeError> {
    // RFC 8446 §4.1.1: the server's preferred suite among the client's.
    let suite = config
        .suites
        .iter()
        .copied()
        .filter(|s| hello.cipher_suites.contains(s))
        .find_map(Tls13Suite::from_cipher_suite)
        .ok_or(HandshakeError::NoSharedCipherSuite)?;
    // RFC 8446 §9.2: without a PSK, supported_groups, key_share and
    // signature_algorithms are mandatory (missing_extension).
    let missing = |extension| HandshakeError::MissingExtension {
        message: HandshakeType::CLIENT_HELLO,
        extension,
    };
    let groups = offer
        .groups
        .ok_or_else(|| missing(ExtensionType::SUPPORTED_GROUPS))?;
    let shares = offer
        .shares
        .ok_or_else(|| missing(ExtensionType::KEY_SHARE))?;
    let schemes = offer
        .schemes
        .ok_or_else(|| missing(ExtensionType::SIGNATURE_ALGORITHMS))?;
    // RFC 8446 §4.2.8: a share for a group supported_groups does not list
    // is illegal_parameter.
    if let Some(share) = shares.iter().find(|s| !groups.contains(&s.group)) {
        return Err(HandshakeError::IllegalParameter {
            reason: IllegalParameter::GroupNotOffered { group: share.group },
        });
    }
    // The server's most preferred group the client already sent a share
    // for, so no round trip is lost; else its most preferred group the
    // client supports, asked for with a HelloRetryRequest.
    let usable: Vec<NamedGroup> = config
        .groups
        .iter()
        .copied()
        .filter(|g| KEY_SHARE_GROUPS.contains(g) && groups.contains(g))
        .collect();
    let group = usable
        .iter()
        .copied()
        .find(|g| shares.iter().any(|s| s.group == *g))
        .or_else(|| usable.first().copied())
        .ok_or(HandshakeError::NoSharedGroup)?;
    // RFC 8446 §9.2: a server that requires server_name (here, one with
    // no default certificate) "SHOULD respond to a ClientHello lacking" it
    // with missing_extension; a name it has no certificate for is
    // unrecognized_name (RFC 6066 §3).
    let candidates = config
        .certificates
        .candidates(offer.sni.as_deref())
        .ok_or_else(|| match &offer.sni {
            Some(name) => HandshakeError::UnrecognizedName { name: name.clone() },
            None => missing(ExtensionType::SERVER_NAME),
        })?;
    // RFC 8446 §4.4.2.2: a certificate whose key can sign a scheme the
    // client offered, never with PKCS#1 (RFC 8446 §4.4.3).
    let (key, scheme) = candidates
        .iter()
        .find_map(|k| k.key().choose_scheme_tls13(schemes).map(|s| (k, s)))
        .ok_or(HandshakeError::NoSharedSignatureScheme)?;
    let alpn = crate::server::choose_alpn(&config.alpn, offer.alpn.as_deref())?;
    Ok(Choice {
        suite,
        group,
        key: Arc::clone(key),
        scheme,
        alpn,
    })
}

/// RFC 8446 §4.1.4: no share for the chosen group, so the client is asked
/// for one.
fn hello_retry_request(
    config: Arc<ServerHandshakeConfig>,
    raw: &[u8],
    hello: &ClientHello,
    choice: &Choice,
    out: &mut Vec<Emit>,
) -> Result<ServerState13, HandshakeError> {
    let retry = HelloRetryRequest {
        legacy_version: ProtocolVersion::TLS_V1_2,
        legacy_session_id_echo: hello.session_id.clone(),
        cipher_suite: choice.suite.cipher_suite(),
        legacy_compression_method: CompressionMethod::NULL,
        extensions: ExtensionList(vec![
            HelloRetryExtension::SupportedVersions(ProtocolVersion::TLS_V1_3),
            HelloRetryExtension::KeyShare(choice.group),
        ]),
    };
    let mut transcript = Transcript13::new(config.limits.max_transcript);
    transcript.add(raw)?;
    transcript.start_after_hello_retry_request(choice.suite.hash())?;
    // The record version is held to {03,03} from the ServerHello on, not
    // yet: what the client sent before it saw this HelloRetryRequest (an
    // alert, rejected early data) still carries its first flight's
    // version (RFC 8446 §5.1: only the initial ClientHello may differ, and
    // those records belong to that flight).
    machine13::send(
        &HandshakeMessage::HelloRetryRequest(retry),
        &mut transcript,
        out,
    )?;
    // RFC 8446 Appendix D.4: right after the server's first handshake
    // message, when the client sent a session ID; the client's own may
    // come before ClientHello2.
    if !hello.session_id.is_empty() {
        out.push(Emit::ChangeCipherSpec);
    }
    out.push(Emit::MiddleboxCcs(true));
    Ok(ServerState13::ExpectClientHello2(Box::new(
        ExpectClientHello2 {
            config,
            transcript,
            suite: choice.suite,
            group: choice.group,
            client_hello1: hello.clone(),
        },
    )))
}

impl ExpectClientHello2 {
    /// RFC 8446 §4.1.2: ClientHello2 is ClientHello1 with one share, for
    /// the group asked for (and no early_data); the server's choices must
    /// come out the same.
    pub(crate) fn handle(
        mut self: Box<Self>,
        raw: &[u8],
        hello: &ClientHello,
        out: &mut Vec<Emit>,
    ) -> Result<ServerState13, HandshakeError> {
        let first = &self.client_hello1;
        let changed = hello.client_version != first.client_version
            || hello.random != first.random
            || hello.session_id != first.session_id
            || hello.cipher_suites != first.cipher_suites
            || hello.compression_methods != first.compression_methods;
        let offer = Offer13::read(hello)?;
        // RFC 8446 §4.1.2: ClientHello2 drops early_data ("Early data is not
        // permitted after a HelloRetryRequest"); rustls refuses one that
        // keeps it with illegal_parameter too.
        if offer.early_data {
            return Err(HandshakeError::IllegalParameter {
                reason: IllegalParameter::EarlyDataAfterRetry,
            });
        }
        let share = match offer.shares {
            Some([share]) if share.group == self.group => share,
            _ => {
                return Err(HandshakeError::IllegalParameter {
                    reason: IllegalParameter::KeyShareNotOffered { group: self.group },
                });
            }
        };
        let offers_13 = hello.extensions.iter().any(|e| {
            matches!(e, ClientExtension::SupportedVersions(v) if v.contains(&ProtocolVersion::TLS_V1_3))
        });
        if changed || !offers_13 {
            return Err(HandshakeError::IllegalParameter {
                reason: IllegalParameter::RetryChangesNothing,
            });
        }
        let choice = choose(&self.config, hello, &offer)?;
        if choice.suite != self.suite || choice.group != self.group {
            return Err(HandshakeError::IllegalParameter {
                reason: IllegalParameter::SuiteChangedAfterRetry,
            });
        }
        let resumed = psk::accept(
            &self.config,
            hello,
            raw,
            &self.transcript,
            psk::Chosen {
                suite: choice.suite,
                sni: offer.sni.as_deref(),
                alpn: choice.alpn.as_deref(),
            },
        )?;
        self.transcript.add(raw)?;
        let this = *self;
        server_flight(
            this.config,
            this.transcript,
            hello,
            &offer,
            choice,
            Shares {
                client: share.key_exchange.as_slice(),
                resumed,
                send_ccs: false,
            },
            out,
        )
    }
}

/// What the key schedule starts from: the client's key share and, when a
/// PSK was accepted, the session it resumes; and whether the middlebox
/// ChangeCipherSpec follows the ServerHello.
struct Shares<'a> {
    client: &'a [u8],
    resumed: Option<psk::Accepted>,
    send_ccs: bool,
}

/// ServerHello, EncryptedExtensions, [CertificateRequest], Certificate,
/// CertificateVerify, Finished (RFC 8446 §2), and the keys around them; a
/// resumption (RFC 8446 §2.2) leaves out everything about certificates.
fn server_flight(
    config: Arc<ServerHandshakeConfig>,
    mut transcript: Transcript13,
    hello: &ClientHello,
    offer: &Offer13<'_>,
    choice: Choice,
    shares: Shares<'_>,
    out: &mut Vec<Emit>,
) -> Result<ServerState13, HandshakeError> {
    let Choice {
        suite,
        group,
        key,
        scheme,
        alpn,
    } = choice;
    let (server_public, shared) = server_key_share(group, shares.client, config.rng.as_ref())?;
    let server_random = machine::random(config.rng.as_ref())?;
    let mut extensions = vec![
        ServerExtension::SupportedVersions(ProtocolVersion::TLS_V1_3),
        ServerExtension::KeyShare(KeyShareEntry {
            group,
            key_exchange: Opaque(server_public),
        }),
    ];
    // RFC 8446 §4.2.11: the index of the PSK accepted.
    let (early_secret, resumed) = match shares.resumed {
        Some(accepted) => {
            extensions.push(ServerExtension::PreSharedKey(accepted.index));
            (accepted.early_secret, Some(accepted.session))
        }
        None => (EarlySecret::without_psk(suite.hash())?, None),
    };
    let server_hello = ServerHello {
        server_version: ProtocolVersion::TLS_V1_2,
        random: Random(server_random),
        session_id: hello.session_id.clone(),
        cipher_suite: suite.cipher_suite(),
        compression_method: CompressionMethod::NULL,
        extensions: Extensions::Present(extensions),
    };
    out.push(Emit::VersionNegotiated);
    machine13::send(
        &HandshakeMessage::ServerHello(server_hello),
        &mut transcript,
        out,
    )?;
    if shares.send_ccs {
        out.push(Emit::ChangeCipherSpec);
    }
    out.push(Emit::MiddleboxCcs(true));
    let hello_hash = transcript.current_hash()?;
    let handshake_secret = early_secret.into_handshake_secret(shared.as_bytes())?;
    let client_secret = handshake_secret.client_handshake_traffic_secret(hello_hash.as_ref())?;
    let server_secret = handshake_secret.server_handshake_traffic_secret(hello_hash.as_ref())?;
    let client_random = hello.random.0;
    let key_log = config.key_log.as_deref();
    log_secret(
        key_log,
        keylog_labels::CLIENT_HANDSHAKE_TRAFFIC_SECRET,
        &client_random,
        client_secret.as_bytes(),
    );
    log_secret(
        key_log,
        keylog_labels::SERVER_HANDSHAKE_TRAFFIC_SECRET,
        &client_random,
        server_secret.as_bytes(),
    );
    out.push(Emit::WriteKeys(machine13::record_keys(
        &server_secret,
        suite,
    )?));
    out.push(Emit::ReadKeys(machine13::record_keys(
        &client_secret,
        suite,
    )?));
    // RFC 8446 §4.2.10: "The server then skips past early data by
    // attempting to deprotect received records using the handshake traffic
    // key, discarding records which fail deprotection". (A ClientHello2
    // with early_data never gets here: `ExpectClientHello2` refuses it.)
    if offer.early_data {
        out.push(Emit::SkipEarlyData(EarlyDataSkip::Undecryptable));
    }

    // RFC 8446 §4.3.1: everything not needed to set up the keys.
    let mut extensions = Vec::new();
    // RFC 6066 §3: the server_name acknowledgement is left out when
    // resuming ("When resuming a session, the server MUST NOT include a
    // server_name extension").
    if offer.sni.is_some() && resumed.is_none() {
        extensions.push(EncryptedExtension::ServerName);
    }
    if let Some(protocol) = &alpn {
        extensions.push(EncryptedExtension::Alpn(ProtocolName(protocol.clone())));
    }
    // RFC 8449 §4: answered with ours; in TLS 1.3 the limit counts the
    // content type byte.
    if let Some(value) = offer.record_size_limit {
        let send = machine::peer_record_size_limit(value)?
            .saturating_sub(1)
            .max(63);
        extensions.push(EncryptedExtension::RecordSizeLimit(
            config.limits.record_size_limit,
        ));
        let receive = usize::from(config.limits.record_size_limit).clamp(64, 1 << 14);
        out.push(Emit::RecordSizeLimit { send, receive });
    }
    machine13::send(
        &HandshakeMessage::EncryptedExtensions(EncryptedExtensions {
            extensions: ExtensionList(extensions),
        }),
        &mut transcript,
        out,
    )?;
    let flight = Flight {
        suite,
        group,
        // A resumed session reports the signature of its full handshake.
        scheme: resumed.as_ref().map_or(scheme, |s| s.signature_scheme),
        alpn,
        sni: offer.sni.clone(),
        tickets: offer.psk_dhe_ke,
        handshake_secret,
        client_secret,
        server_secret,
        client_random,
        resumed,
    };
    // RFC 8446 §4.3.2: no CertificateRequest when authenticating with a
    // PSK; the resumed session keeps the client certificate it had.
    if flight.resumed.is_some() {
        return finish_server_flight(config, transcript, flight, out);
    }
    if let Some(verifier) = &config.client_verifier {
        // RFC 8446 §4.3.2: an empty context in the handshake, the schemes
        // the server accepts and the CAs. PKCS#1 may be listed for the
        // certificates' own signatures (RFC 8446 §4.2.3: "MAY appear ...
        // for backward compatibility"); a CertificateVerify with it is
        // refused.
        let mut extensions = vec![CertificateRequestExtension::SignatureAlgorithms(List(
            config.signature_schemes.clone(),
        ))];
        let authorities = crate::server::authorities(verifier.acceptable_issuers());
        if !authorities.is_empty() {
            extensions.push(CertificateRequestExtension::CertificateAuthorities(List(
                authorities,
            )));
        }
        machine13::send(
            &HandshakeMessage::CertificateRequest13(CertificateRequest13 {
                certificate_request_context: Opaque(Vec::new()),
                extensions: ExtensionList(extensions),
            }),
            &mut transcript,
            out,
        )?;
    }
    // RFC 8446 §4.4.2: the chain, leaf first; RFC 8446 §4.4.2.1: the
    // stapled OCSP response in the leaf's entry, when asked for.
    let staple = key
        .ocsp_response()
        .filter(|r| offer.ocsp_requested && (1..=0xff_ffff).contains(&r.len()));
    let entries = key
        .chain()
        .iter()
        .enumerate()
        .map(|(index, cert)| CertificateEntry {
            cert_data: Opaque(cert.as_ref().to_vec()),
            extensions: ExtensionList(match staple {
                Some(response) if index == 0 => vec![CertificateExtension::StatusRequest(
                    CertificateStatus::ocsp(response.to_vec()),
                )],
                _ => Vec::new(),
            }),
        })
        .collect();
    machine13::send(
        &HandshakeMessage::Certificate13(Certificate13 {
            certificate_request_context: Opaque(Vec::new()),
            certificate_list: List(entries),
        }),
        &mut transcript,
        out,
    )?;
    machine13::send_certificate_verify(&key, scheme, Signer::Server, &mut transcript, out)?;
    finish_server_flight(config, transcript, flight, out)
}

/// What the end of the server's flight needs.
struct Flight {
    suite: Tls13Suite,
    group: NamedGroup,
    scheme: SignatureScheme,
    alpn: Option<Vec<u8>>,
    sni: Option<String>,
    /// Whether the client can use a ticket (it offered psk_dhe_ke).
    tickets: bool,
    handshake_secret: crate::tls13::HandshakeSecret,
    client_secret: crate::tls13::TrafficSecret,
    server_secret: crate::tls13::TrafficSecret,
    client_random: [u8; 32],
    resumed: Option<crate::sessions::StoredSession>,
}

/// The server's Finished, its application keys, and the state that waits
/// for the client's flight.
fn finish_server_flight(
    config: Arc<ServerHandshakeConfig>,
    mut transcript: Transcript13,
    flight: Flight,
    out: &mut Vec<Emit>,
) -> Result<ServerState13, HandshakeError> {
    let Flight {
        suite,
        group,
        scheme,
        alpn,
        sni,
        tickets,
        handshake_secret,
        client_secret,
        server_secret,
        client_random,
        resumed,
    } = flight;
    machine13::send_finished(&server_secret, &mut transcript, out)?;
    // RFC 8446 §7.1: the application secrets over the transcript through
    // the server's Finished; the server sends under its own from now on.
    let server_finished_hash = transcript.current_hash()?;
    let AppSecrets {
        client: client_app,
        server: server_app,
        exporter,
        master,
    } = machine13::application_secrets(
        handshake_secret,
        server_finished_hash.as_ref(),
        config.key_log.as_deref(),
        &client_random,
    )?;
    out.push(Emit::WriteKeys(machine13::record_keys(&server_app, suite)?));
    let awaiting = if config.client_verifier.is_some() && resumed.is_none() {
        Await::Certificate
    } else {
        Await::Finished
    };
    let (client_chain, client_scheme) = match resumed.as_ref() {
        Some(session) => (
            session.peer_certificates.clone(),
            session.client_signature_scheme,
        ),
        None => (Vec::new(), None),
    };
    let handshake = ServerHandshake13 {
        config,
        suite,
        group,
        scheme,
        alpn,
        sni,
        transcript,
        client_secret,
        client_app,
        server_app,
        exporter,
        master,
        client_chain,
        client_scheme,
        resumed: resumed.is_some(),
        tickets,
    };
    Ok(handshake.awaiting(awaiting))
}

/// A TLS 1.3 ClientHello's offered versions include TLS 1.3.
pub(crate) fn offers_tls13(versions: Option<&[ProtocolVersion]>) -> bool {
    versions.is_some_and(|v| v.contains(&ProtocolVersion::TLS_V1_3))
}
