//! ClientHello in; ServerHello, Certificate, [CertificateStatus],
//! ServerKeyExchange, [CertificateRequest], ServerHelloDone out.

use std::sync::Arc;

use keel_pki::CertifiedKey;
use keel_wire::extensions::CertificateStatusRequest;
use keel_wire::handshake::{
    Certificate, CertificateDer as WireCert, CertificateRequest, CertificateStatus, ClientHello,
    DigitallySigned, DistinguishedName, NewSessionTicket, Random, ServerEcdhParams, ServerHello,
    ServerHelloDone, ServerKeyExchange,
};
use keel_wire::registry::{
    CipherSuite, ClientCertificateType, CompressionMethod, EcPointFormat, NamedGroup,
    ProtocolVersion, SignatureScheme,
};
use keel_wire::vec::{List, Opaque};
use keel_wire::{ClientExtension, Extensions, HandshakeMessage, ServerExtension};

use super::ServerState;
use super::client_flight::{ExpectCertificate, ExpectClientKeyExchange, ServerContext};
use crate::config::ServerHandshakeConfig;
use crate::error::{HandshakeError, IllegalParameter};
use crate::key_schedule::PrfHash;
use crate::kx::{self, EphemeralKey};
use crate::machine::{self, Emit, SessionHandle};
use crate::policy;
use crate::sessions::StoredSession;
use crate::tickets::TicketKeys;
use crate::transcript::Transcript;

/// Waiting for a ClientHello.
#[derive(Debug)]
pub(crate) struct ExpectClientHello {
    config: Arc<ServerHandshakeConfig>,
}

/// What a ClientHello's extensions say, gathered once.
#[derive(Debug, Default)]
struct Offer<'a> {
    /// The host_name, validated and normalised (lowercase, no trailing
    /// dot): the form certificates are chosen by, sessions are kept under
    /// and the session reports.
    sni: Option<String>,
    groups: Option<&'a [NamedGroup]>,
    point_formats: Option<&'a [EcPointFormat]>,
    schemes: &'a [SignatureScheme],
    alpn: Option<Vec<&'a [u8]>>,
    ems: bool,
    renegotiation_info: Option<&'a [u8]>,
    record_size_limit: Option<u16>,
    /// status_request with status type ocsp (RFC 6066 §8).
    ocsp_requested: bool,
    /// session_ticket (RFC 5077 §3.2): empty asks for a ticket, non-empty
    /// offers one.
    ticket: Option<&'a [u8]>,
    /// supported_versions (RFC 8446 §4.2.1), sent by TLS 1.3 clients.
    versions: Option<&'a [ProtocolVersion]>,
}

impl<'a> Offer<'a> {
    fn read(hello: &'a ClientHello) -> Result<Self, HandshakeError> {
        let mut offer = Self::default();
        for extension in hello.extensions.iter() {
            match extension {
                ClientExtension::ServerName(list) => {
                    offer.sni = list.host_name().map(host_name).transpose()?;
                }
                ClientExtension::SupportedGroups(groups) => offer.groups = Some(groups.as_slice()),
                ClientExtension::EcPointFormats(formats) => {
                    offer.point_formats = Some(formats.as_slice())
                }
                // RFC 5246 §7.4.1.4.1: the schemes the server's signature
                // must use.
                ClientExtension::SignatureAlgorithms(schemes) => offer.schemes = schemes.as_slice(),
                ClientExtension::Alpn(names) => {
                    offer.alpn = Some(names.iter().map(|n| n.as_slice()).collect())
                }
                ClientExtension::ExtendedMasterSecret => offer.ems = true,
                ClientExtension::RecordSizeLimit(value) => offer.record_size_limit = Some(*value),
                ClientExtension::SessionTicket(ticket) => offer.ticket = Some(ticket.as_slice()),
                ClientExtension::SupportedVersions(versions) => {
                    offer.versions = Some(versions.as_slice())
                }
                ClientExtension::RenegotiationInfo(info) => {
                    offer.renegotiation_info = Some(info.as_slice())
                }
                // The responder list and request extensions are hints; the
                // server staples the response it was configured with.
                ClientExtension::StatusRequest(CertificateStatusRequest::Ocsp { .. }) => {
                    offer.ocsp_requested = true;
                }
                // Everything else is ignored, as RFC 5246 §7.4.1.4 requires
                // of extensions a server does not understand (RFC 5746 §3.6
                // repeats it). RFC 8449 §5: so is max_fragment_length,
                // which record_size_limit replaces.
                _ => {}
            }
        }
        Ok(offer)
    }
}

/// RFC 6066 §3: a HostName is "the fully qualified DNS hostname of the
/// server", ASCII, and "Literal IPv4 and IPv6 addresses are not permitted".
/// A name that is not one is refused (with unrecognized_name, as OpenSSL
/// and BoringSSL answer a malformed name), never ignored or passed on raw;
/// a valid one is normalised (lowercase, one trailing dot removed).
pub(crate) fn host_name(bytes: &[u8]) -> Result<String, HandshakeError> {
    let refused = || HandshakeError::SniNotAHostName {
        name: String::from_utf8_lossy(bytes).into_owned(),
    };
    let text = std::str::from_utf8(bytes).map_err(|_| refused())?;
    let name = keel_pki::ServerName::parse(text).map_err(|_| refused())?;
    name.sni().map(str::to_owned).ok_or_else(refused)
}

impl ExpectClientHello {
    pub(crate) fn new(config: Arc<ServerHandshakeConfig>) -> Self {
        Self { config }
    }

    pub(crate) fn handle(
        self,
        raw: &[u8],
        hello: &ClientHello,
        out: &mut Vec<Emit>,
    ) -> Result<ServerState, HandshakeError> {
        let config = self.config;
        // RFC 5246 §7.4.1.2: the list "MUST contain" null.
        if !hello.compression_methods.contains(&CompressionMethod::NULL) {
            return Err(HandshakeError::NoNullCompression);
        }
        let offer = Offer::read(hello)?;
        // RFC 8446 §4.2.1: a client that offers TLS 1.3 gets it from a
        // server that speaks it.
        if config.versions.tls13() && crate::server13::hello::offers_tls13(offer.versions) {
            return crate::server13::hello::client_hello(config, raw, hello, out)
                .map(|state| ServerState::Tls13(Box::new(state)));
        }
        check_version(hello, &offer, config.versions.tls12())?;
        // RFC 5746 §3.6: in an initial handshake, renegotiation_info must be
        // empty; it or the SCSV sets the secure_renegotiation flag. (A
        // client that sends neither is served: a keel server never
        // renegotiates, so it has nothing to protect.)
        if offer
            .renegotiation_info
            .is_some_and(|info| !info.is_empty())
        {
            return Err(HandshakeError::NoSecureRenegotiation);
        }
        let secure_renegotiation = offer.renegotiation_info.is_some()
            || hello
                .cipher_suites
                .contains(&CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
        // RFC 7627 §4, RFC 7627 §5.2: no legacy clients (handshake_failure).
        // Checked before resumption: RFC 7627 §5.3, RFC 7627 §5.4, an
        // abbreviated handshake without the extension is refused too,
        // whatever the session.
        if !offer.ems {
            return Err(HandshakeError::NoExtendedMasterSecret);
        }
        // RFC 8422 §5.1.2: a point-format list without uncompressed is an
        // error (RFC 8422 §5.1: a list, if sent, holds it); no list means
        // uncompressed.
        if offer
            .point_formats
            .is_some_and(|f| !f.contains(&EcPointFormat::UNCOMPRESSED))
        {
            return Err(HandshakeError::IllegalParameter {
                reason: IllegalParameter::NoUncompressedPoints,
            });
        }
        if let Some(state) = try_resume(&config, raw, hello, &offer, secure_renegotiation, out)? {
            return Ok(state);
        }
        // RFC 8422 §4, RFC 8422 §5.1: the client's supported_groups (and
        // its point formats, checked above) guide the choice, for the ECDH
        // key here and the certificate's curve in choose_suite; a server
        // that cannot respect them negotiates no ECC suite.
        let group = choose_group(&config.groups, offer.groups)?;
        let candidates = config
            .certificates
            .candidates(offer.sni.as_deref())
            .ok_or_else(|| HandshakeError::UnrecognizedName {
                name: offer.sni.clone().unwrap_or_default(),
            })?;
        let (suite, key, scheme) = choose_suite(
            &config.suites,
            hello.cipher_suites.as_slice(),
            candidates,
            offer.schemes,
            offer.groups,
        )?;
        let alpn = choose_alpn(&config.alpn, offer.alpn.as_deref())?;
        let prf = PrfHash::for_suite(suite).ok_or(HandshakeError::NoSharedCipherSuite)?;
        // RFC 6066 §8: staple only when asked, and only what fits the
        // CertificateStatus message (`OCSPResponse<1..2^24-1>`).
        let staple = key
            .ocsp_response()
            .filter(|response| offer.ocsp_requested && (1..=0xff_ffff).contains(&response.len()));

        // RFC 5246 §7.4.1.3: the server's random comes from its own random
        // source, independent of the client's.
        let server_random = server_random(&config)?;
        // RFC 5077 §3.2: a ticket is issued when the client asks (its
        // extension, empty or not) and the server has ticket keys.
        let ticket_keys = config
            .ticket_keys
            .clone()
            .filter(|_| offer.ticket.is_some());
        // A fresh session ID when the session can be resumed (by cache or
        // by ticket); empty ("not resumable") otherwise. RFC 5246 §7.4.1.2:
        // random bytes, so nothing confidential is in it.
        let session_id = if config.session_cache.is_some() || ticket_keys.is_some() {
            machine::random(config.rng.as_ref())?.to_vec()
        } else {
            Vec::new()
        };
        // RFC 5246 §7.4.1.4: each extension answers one the client sent
        // (extended_master_secret is required of it above). RFC 5246
        // §7.4.1.4.1: never signature_algorithms.
        let mut extensions = Vec::new();
        // RFC 5746 §3.6, RFC 5746 §4.3: an empty renegotiation_info answers
        // either signal.
        if secure_renegotiation {
            extensions.push(ServerExtension::RenegotiationInfo(Opaque(Vec::new())));
        }
        // RFC 7627 §5.2: the extension answers the client's.
        extensions.push(ServerExtension::ExtendedMasterSecret);
        // RFC 8449 §4: answer a client's record_size_limit with ours.
        let record_size_limit = offer
            .record_size_limit
            .map(machine::peer_record_size_limit)
            .transpose()?;
        if record_size_limit.is_some() {
            extensions.push(ServerExtension::RecordSizeLimit(
                config.limits.record_size_limit,
            ));
        }
        // RFC 8422 §5.2: a client's point-format list is answered with
        // ours, which holds uncompressed only.
        if offer.point_formats.is_some() {
            extensions.push(ServerExtension::EcPointFormats(List(vec![
                EcPointFormat::UNCOMPRESSED,
            ])));
        }
        if let Some(protocol) = &alpn {
            extensions.push(ServerExtension::Alpn(keel_wire::extensions::ProtocolName(
                protocol.clone(),
            )));
        }
        if offer.sni.is_some() {
            // RFC 6066 §3: acknowledge the name that chose the certificate.
            extensions.push(ServerExtension::ServerName);
        }
        if staple.is_some() {
            // RFC 6066 §8: empty; the response follows the Certificate.
            extensions.push(ServerExtension::StatusRequest);
        }
        if ticket_keys.is_some() {
            // RFC 5077 §3.2: empty; the NewSessionTicket follows the
            // client's Finished.
            extensions.push(ServerExtension::SessionTicket);
        }
        let server_hello = ServerHello {
            server_version: ProtocolVersion::TLS_V1_2,
            random: Random(server_random),
            session_id: Opaque(session_id.clone()),
            cipher_suite: suite,
            compression_method: CompressionMethod::NULL,
            extensions: Extensions::Present(extensions),
        };

        // A server that verifies client certificates keeps the raw
        // transcript for the CertificateVerify (RFC 5246 §7.4.8).
        let mut transcript = if config.client_verifier.is_some() {
            Transcript::retaining_messages(config.limits.max_transcript)
        } else {
            Transcript::new(config.limits.max_transcript)
        };
        transcript.add(raw)?;
        // RFC 5246 §7.4.9: the handshake hash is the hash of the suite's PRF.
        transcript.start(prf)?;
        out.push(Emit::VersionNegotiated);
        if let Some(send) = record_size_limit {
            let receive = usize::from(config.limits.record_size_limit).clamp(64, 1 << 14);
            out.push(Emit::RecordSizeLimit { send, receive });
        }
        machine::send(
            HandshakeMessage::ServerHello(server_hello),
            &mut transcript,
            out,
        )?;

        // RFC 5246 §7.4.2: every keel suite authenticates the server, so its
        // Certificate follows the ServerHello: the configured chain, whose
        // leaf CertifiedKey made sure comes first.
        let chain = key
            .chain()
            .iter()
            .map(|c| WireCert(c.as_ref().to_vec()))
            .collect();
        machine::send(
            HandshakeMessage::Certificate(Certificate {
                certificate_list: List(chain),
            }),
            &mut transcript,
            out,
        )?;
        if let Some(response) = staple {
            machine::send(
                HandshakeMessage::CertificateStatus(CertificateStatus::ocsp(response.to_vec())),
                &mut transcript,
                out,
            )?;
        }

        let ephemeral = EphemeralKey::generate(group, config.rng.as_ref())?;
        let params = ServerEcdhParams {
            named_group: group,
            public: Opaque(ephemeral.public().to_vec()),
        };
        let client_random = hello.random.0;
        let signed = machine::kx_signed_message(&client_random, &server_random, &params)?;
        // RFC 8422 §2.1: the ECDH parameters, signed with the private key of
        // the certificate just sent.
        let signature = key
            .key()
            .sign(scheme, &signed)
            .map_err(|source| HandshakeError::Signature { source })?;
        let kx = ServerKeyExchange {
            params,
            signed: DigitallySigned {
                scheme,
                signature: Opaque(signature),
            },
        };
        machine::send(
            HandshakeMessage::ServerKeyExchange(kx),
            &mut transcript,
            out,
        )?;

        let request_certificate = config.client_verifier.is_some();
        if let Some(verifier) = &config.client_verifier {
            let request = CertificateRequest {
                // RFC 5246 §7.4.4: the client's key must be of a listed
                // type; these are the keys keel verifies (Ed25519 keys go
                // under ecdsa_sign).
                certificate_types: List(vec![
                    ClientCertificateType::ECDSA_SIGN,
                    ClientCertificateType::RSA_SIGN,
                ]),
                // RFC 5246 §7.4.8: the client's CertificateVerify must use
                // one of these.
                supported_signature_algorithms: List(config.signature_schemes.clone()),
                certificate_authorities: List(authorities(verifier.acceptable_issuers())),
            };
            machine::send(
                HandshakeMessage::CertificateRequest(request),
                &mut transcript,
                out,
            )?;
        }
        machine::send(
            HandshakeMessage::ServerHelloDone(ServerHelloDone),
            &mut transcript,
            out,
        )?;

        let context = ServerContext {
            config,
            client_random,
            server_random,
            suite,
            prf,
            group,
            scheme,
            alpn,
            sni: offer.sni,
            ephemeral,
            session_id,
            ticket_keys,
        };
        Ok(if request_certificate {
            ServerState::ExpectCertificate(Box::new(ExpectCertificate {
                context,
                transcript,
            }))
        } else {
            ServerState::ExpectClientKeyExchange(Box::new(ExpectClientKeyExchange::new(
                context,
                transcript,
                Vec::new(),
            )))
        })
    }
}

/// Whether the client can speak TLS 1.2, the one version keel serves.
///
/// RFC 8446 §4.2.1: when supported_versions is present it alone says what
/// the client speaks ("servers MUST NOT use the ClientHello.legacy_version
/// value for version negotiation"); without it, RFC 5246 Appendix E.1:
/// client_version is the highest the client supports, and a TLS 1.3 client
/// says 1.2 there. RFC 7507 §3: a client that falls back (signalled by
/// TLS_FALLBACK_SCSV) to a version below the server's highest is refused
/// with inappropriate_fallback, before the version itself is judged.
/// RFC 7627 §6.4: SSL 3.0 is refused like every version below 1.2.
/// RFC 5746 §3.6: a client_version above 1.2 is served at 1.2.
fn check_version(
    hello: &ClientHello,
    offer: &Offer<'_>,
    serves_1_2: bool,
) -> Result<(), HandshakeError> {
    let highest = match offer.versions {
        Some(versions) => versions
            .iter()
            .copied()
            .filter(|v| v.major() == 3)
            .max()
            .unwrap_or(hello.client_version),
        None => hello.client_version,
    };
    if highest < ProtocolVersion::TLS_V1_2
        && hello
            .cipher_suites
            .contains(&CipherSuite::TLS_FALLBACK_SCSV)
    {
        return Err(HandshakeError::InappropriateFallback { version: highest });
    }
    let speaks_1_2 = match offer.versions {
        Some(versions) => versions.contains(&ProtocolVersion::TLS_V1_2),
        None => hello.client_version >= ProtocolVersion::TLS_V1_2,
    };
    if speaks_1_2 && serves_1_2 {
        Ok(())
    } else {
        Err(HandshakeError::ProtocolVersion { version: highest })
    }
}

/// A TLS 1.2 ServerHello's random: from the server's own random source,
/// ending in RFC 8446 §4.1.3's downgrade sentinel when the server speaks
/// TLS 1.3 too, so that a TLS 1.3 client can tell an attacker removed TLS
/// 1.3 from its offer.
fn server_random(config: &ServerHandshakeConfig) -> Result<[u8; 32], HandshakeError> {
    let mut random = machine::random(config.rng.as_ref())?;
    if config.versions.tls13()
        && let Some(tail) = random.get_mut(24..)
    {
        tail.copy_from_slice(&Random::DOWNGRADE_TLS12);
    }
    Ok(random)
}

/// The roots' Names for certificate_authorities, unless they would not fit
/// its 16-bit length; then an empty list, which RFC 5246 §7.4.4 reads as
/// "any". A client then sends a chain issued by one of them, or none
/// (RFC 5246 §7.4.6).
pub(crate) fn authorities(names: Vec<Vec<u8>>) -> Vec<DistinguishedName> {
    let total: usize = names.iter().map(|n| n.len() + 2).sum();
    if total > 0xffff || names.iter().any(|n| n.is_empty() || n.len() > 0xffff) {
        return Vec::new();
    }
    names.into_iter().map(DistinguishedName).collect()
}

/// The server's most preferred group that the client offers. RFC 4492 let a
/// client without supported_groups mean "any curve"; keel reads it as P-256,
/// the one curve every ECC implementation has.
fn choose_group(
    preference: &[NamedGroup],
    offered: Option<&[NamedGroup]>,
) -> Result<NamedGroup, HandshakeError> {
    let offered = offered.unwrap_or(&[NamedGroup::SECP256R1]);
    preference
        .iter()
        .copied()
        .find(|g| offered.contains(g) && kx::is_supported(*g))
        .ok_or(HandshakeError::NoSharedGroup)
}

/// The first suite in the server's order that the client offers and that
/// some candidate key can sign for under a scheme the client accepts.
fn choose_suite<'k>(
    preference: &[CipherSuite],
    offered: &[CipherSuite],
    candidates: &'k [Arc<CertifiedKey>],
    schemes: &[SignatureScheme],
    client_groups: Option<&[NamedGroup]>,
) -> Result<(CipherSuite, &'k Arc<CertifiedKey>, SignatureScheme), HandshakeError> {
    // RFC 8422 §5.3: an ECDSA certificate's key "MUST use a curve ...
    // supported by the client" (as its supported_groups says, when sent).
    let curve_ok = |key: &CertifiedKey| match (key.key().ecdsa_group(), client_groups) {
        (Some(curve), Some(groups)) => groups.contains(&curve),
        _ => true,
    };
    // RFC 8422 §2.1, RFC 8422 §5.3: a suite is usable only with a key of
    // its kind (ECDSA or EdDSA for ECDHE_ECDSA, RSA for ECDHE_RSA); a
    // suite in common for which the server has a key, but no scheme the
    // client accepts, is the one case that is about signature schemes.
    //
    // RFC 5246 §7.4.1.2: offered suites the server does not know or use are
    // skipped; the rest are chosen from as usual. RFC 5246 §7.4.2: only a
    // suite the certificate's key fits (its key type, curve and a scheme
    // the client accepts) is chosen.
    let mut key_without_scheme = false;
    let mut key_on_other_curve = None;
    for suite in preference.iter().copied().filter(|s| offered.contains(s)) {
        let Some(auth) = policy::suite_auth(suite) else {
            continue;
        };
        for key in candidates
            .iter()
            .filter(|k| policy::key_auth(k.key()) == auth)
        {
            if !curve_ok(key) {
                key_on_other_curve = key.key().ecdsa_group();
                continue;
            }
            // RFC 5246 §7.4.3: the ServerKeyExchange is signed under a
            // scheme the client's signature_algorithms lists and this key
            // can make; a suite is chosen only once a key can.
            match key.key().choose_scheme(schemes) {
                Some(scheme) => return Ok((suite, key, scheme)),
                None => key_without_scheme = true,
            }
        }
    }
    // The most specific reason: a key that could sign nothing the client
    // accepts, else a certificate on a curve the client does not offer.
    Err(match (key_without_scheme, key_on_other_curve) {
        (true, _) => HandshakeError::NoSharedSignatureScheme,
        (false, Some(curve)) => HandshakeError::CertificateCurveNotShared { curve },
        (false, None) => HandshakeError::NoSharedCipherSuite,
    })
}

/// RFC 7301 §3.2: the server picks by its own preference; no overlap is
/// no_application_protocol. A server without ALPN configured ignores it.
pub(crate) fn choose_alpn(
    preference: &[Vec<u8>],
    offered: Option<&[&[u8]]>,
) -> Result<Option<Vec<u8>>, HandshakeError> {
    let Some(offered) = offered else {
        return Ok(None);
    };
    if preference.is_empty() {
        return Ok(None);
    }
    preference
        .iter()
        .find(|p| offered.contains(&p.as_slice()))
        .map(|p| Some(p.clone()))
        .ok_or(HandshakeError::NoApplicationProtocol)
}

/// A stored session this ClientHello may resume, and where it came from.
struct Resumable {
    stored: StoredSession,
    /// The ALPN protocol this handshake negotiates: the session's own.
    alpn: Option<Vec<u8>>,
    /// Set when it came from a ticket: a fresh ticket replaces it.
    ticket_keys: Option<Arc<TicketKeys>>,
    /// Set when it came from the cache: the entry, forgotten if this
    /// connection fails after the client proved it knows the session.
    cache_entry: Option<(Arc<crate::sessions::ServerSessionCache>, u64)>,
}

/// The session the ClientHello offers, by a ticket that opens (RFC 5077
/// §3.4) or by the ID of a cached session, if this configuration may
/// resume it; `None` means a full handshake (a ticket that does not open,
/// an unknown ID and a session that does not fit are not errors).
///
/// A session fits when it was admitted under this configuration's
/// resumption context (the same client-authentication mode, roots and
/// checks: RFC 5246 Appendix F.1.4), has a verified client chain if this
/// configuration requires one, was made with the extended master secret
/// (RFC 7627 §5.3; only an imported entry can lack it), under the same SNI
/// name, with a suite both sides still offer, and with the ALPN protocol
/// this handshake would negotiate (a resumed session keeps its protocol,
/// so that a connection cannot be moved to another one: ALPACA).
fn find_resumable(
    config: &ServerHandshakeConfig,
    hello: &ClientHello,
    offer: &Offer<'_>,
    now: u64,
) -> Result<Option<Resumable>, HandshakeError> {
    // RFC 5077 §3.4: a client presenting a ticket MAY send a session ID,
    // which the server echoes when it resumes. Without one the server can
    // still resume (the client tells by the NewSessionTicket or
    // ChangeCipherSpec that follows the ServerHello), as OpenSSL and
    // BoringSSL do; a cache lookup needs an ID.
    let from_ticket = match (&config.ticket_keys, offer.ticket) {
        (Some(keys), Some(ticket)) if !ticket.is_empty() => {
            keys.open(ticket, now).map(|s| (s, Arc::clone(keys)))
        }
        _ => None,
    };
    // RFC 5077 §3.4: "If a ticket is presented by the client, the server
    // MUST NOT attempt to use the Session ID in the ClientHello for
    // stateful session resumption": a ticket that does not open means a
    // full handshake, not a cache lookup.
    let ticket_presented =
        config.ticket_keys.is_some() && offer.ticket.is_some_and(|t| !t.is_empty());
    let (stored, ticket_keys, cache_entry) = match from_ticket {
        Some((stored, keys)) => (stored, Some(keys), None),
        None => {
            let Some(cache) = config
                .session_cache
                .as_ref()
                .filter(|_| !hello.session_id.is_empty() && !ticket_presented)
            else {
                return Ok(None);
            };
            let Some((stored, seq)) = cache.get_entry(&hello.session_id, now) else {
                return Ok(None);
            };
            (stored, None, Some((Arc::clone(cache), seq)))
        }
    };
    let suite = stored.cipher_suite;
    let requires_certificate = config
        .client_verifier
        .as_ref()
        .is_some_and(|v| v.mode() == keel_pki::ClientAuth::Required);
    // A TLS 1.3 session resumes only in TLS 1.3 (RFC 8446 §4.6.1).
    if stored.version != ProtocolVersion::TLS_V1_2
        || stored.context != config.resumption_context
        || (requires_certificate && stored.peer_certificates.is_empty())
        || !stored.extended_master_secret
        || !hello.cipher_suites.contains(&suite)
        || !config.suites.contains(&suite)
        || stored.server_name != offer.sni
    {
        return Ok(None);
    }
    let alpn = choose_alpn(&config.alpn, offer.alpn.as_deref())?;
    if alpn != stored.alpn {
        return Ok(None);
    }
    Ok(Some(Resumable {
        stored,
        alpn,
        ticket_keys,
        cache_entry,
    }))
}

/// The abbreviated handshake (RFC 5246 §7.3) for a session
/// [`find_resumable`] found: the ServerHello echoing the client's session
/// ID, a fresh ticket if the session came from one, then the server's
/// ChangeCipherSpec and Finished.
fn try_resume(
    config: &Arc<ServerHandshakeConfig>,
    raw: &[u8],
    hello: &ClientHello,
    offer: &Offer<'_>,
    secure_renegotiation: bool,
    out: &mut Vec<Emit>,
) -> Result<Option<ServerState>, HandshakeError> {
    let now = machine::now_secs(config.clock.as_ref());
    let Some(resumable) = find_resumable(config, hello, offer, now)? else {
        return Ok(None);
    };
    let Resumable {
        stored,
        alpn,
        ticket_keys,
        cache_entry,
    } = resumable;
    let suite = stored.cipher_suite;
    let prf = PrfHash::for_suite(suite).ok_or(HandshakeError::NoSharedCipherSuite)?;
    let record_size_limit = offer
        .record_size_limit
        .map(machine::peer_record_size_limit)
        .transpose()?;

    let server_random = server_random(config)?;
    let mut extensions = Vec::new();
    if secure_renegotiation {
        extensions.push(ServerExtension::RenegotiationInfo(Opaque(Vec::new())));
    }
    // RFC 7627 §5.3: the ServerHello that resumes carries the extension.
    extensions.push(ServerExtension::ExtendedMasterSecret);
    if let Some(protocol) = &alpn {
        extensions.push(ServerExtension::Alpn(keel_wire::extensions::ProtocolName(
            protocol.clone(),
        )));
    }
    if record_size_limit.is_some() {
        extensions.push(ServerExtension::RecordSizeLimit(
            config.limits.record_size_limit,
        ));
    }
    if ticket_keys.is_some() {
        // RFC 5077 §3.3: a resumed ticket is replaced by a fresh one,
        // sealed under the current period's key.
        extensions.push(ServerExtension::SessionTicket);
    }
    // RFC 6066 §3: no server_name in a ServerHello that resumes. The
    // session ID is the one the client sent (RFC 5246 §7.4.1.3; RFC 5077
    // §3.4 for tickets).
    let server_hello = ServerHello {
        server_version: ProtocolVersion::TLS_V1_2,
        random: Random(server_random),
        session_id: Opaque(hello.session_id.to_vec()),
        cipher_suite: suite,
        compression_method: CompressionMethod::NULL,
        extensions: Extensions::Present(extensions),
    };
    let mut transcript = Transcript::new(config.limits.max_transcript);
    transcript.add(raw)?;
    transcript.start(prf)?;
    out.push(Emit::VersionNegotiated);
    if let Some(send) = record_size_limit {
        let receive = usize::from(config.limits.record_size_limit).clamp(64, 1 << 14);
        out.push(Emit::RecordSizeLimit { send, receive });
    }
    machine::send(
        HandshakeMessage::ServerHello(server_hello),
        &mut transcript,
        out,
    )?;
    if let Some(keys) = &ticket_keys {
        machine::send(
            HandshakeMessage::NewSessionTicket(new_session_ticket(
                keys,
                &stored,
                now,
                config.rng.as_ref(),
            )),
            &mut transcript,
            out,
        )?;
    }
    // A ticket cannot be revoked; a cached session is forgotten if this
    // connection fails once the client's Finished has verified.
    let in_use = cache_entry.map(|(cache, seq)| SessionHandle::Server {
        cache,
        session_id: stored.session_id.clone(),
        seq,
    });
    let state = super::client_flight::resumed(
        super::client_flight::ResumedHello {
            client_random: hello.random.0,
            server_random,
            prf,
            alpn,
            sni: offer.sni.clone(),
            in_use,
        },
        transcript,
        stored,
        out,
    )?;
    Ok(Some(state))
}

/// NewSessionTicket (RFC 5077 §3.3) for `session`, sealed at `now`. The
/// lifetime hint is what is left of the session's lifetime: a ticket
/// re-issued on resumption keeps the session's creation time (resuming
/// never extends a session), so it is accepted only that long. If it
/// cannot be sealed (the random source failed), the ticket is empty: the
/// server promised one in its ServerHello, and an empty ticket is how it
/// takes that back.
pub(super) fn new_session_ticket(
    keys: &TicketKeys,
    session: &StoredSession,
    now: u64,
    rng: &dyn crate::random::Rng,
) -> NewSessionTicket {
    let ticket = keys
        .seal(session, now, rng)
        .filter(|t| t.len() <= 0xffff)
        .unwrap_or_default();
    let remaining = keys
        .lifetime()
        .as_secs()
        .saturating_sub(now.saturating_sub(session.created));
    NewSessionTicket {
        ticket_lifetime_hint: if ticket.is_empty() {
            0
        } else {
            u32::try_from(remaining).unwrap_or(u32::MAX)
        },
        ticket: Opaque(ticket),
    }
}
