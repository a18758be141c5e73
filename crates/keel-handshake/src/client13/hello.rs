//! TLS 1.3 in the ClientHello, and the server's answer: a ServerHello that
//! selects TLS 1.3 (RFC 8446 §4.1.3) or a HelloRetryRequest (§4.1.4).

use keel_wire::extensions::HelloRetryExtension;
use keel_wire::extensions::{
    ExtensionCodec, ExtensionContext, KeyShareEntry, KeyShareList, first_not_permitted,
};
use keel_wire::handshake::{ClientHello, HelloRetryRequest, ServerHello};
use keel_wire::registry::{CompressionMethod, NamedGroup, ProtocolVersion};
use keel_wire::vec::{List, Opaque};
use keel_wire::{ClientExtension, Codec, Extensions, HandshakeMessage};

use super::ClientState13;
use super::server_flight::{ExpectEncryptedExtensions, Handshake13};
use crate::client::ClientContext;
use crate::error::{HandshakeError, IllegalParameter, Internal};
use crate::machine::Emit;
use crate::machine13::{self, log_secret};
use crate::tls13::{
    ClientKeyShare, EarlySecret, KEY_SHARE_GROUPS, Tls13Suite, Transcript13, keylog_labels,
};

/// What a ClientHello that offers TLS 1.3 holds back for the server's
/// answer.
#[derive(Debug)]
pub(crate) struct Offer13 {
    /// The private halves of the key shares sent.
    pub(crate) shares: Vec<ClientKeyShare>,
    /// The ClientHello as sent, for a second one after a
    /// HelloRetryRequest and for the transcript.
    pub(crate) hello: ClientHello,
    pub(crate) hello_bytes: Vec<u8>,
    /// The stored session offered in pre_shared_key, if any.
    pub(crate) psk: Option<super::psk::OfferedSession>,
}

/// The groups that get a key share in the first ClientHello: the most
/// preferred group that has one, and X25519 too when that group is the
/// hybrid (issue: "the client sends the hybrid and X25519 shares"; a
/// server without the hybrid then needs no HelloRetryRequest).
pub(crate) fn share_groups(groups: &[NamedGroup]) -> Vec<NamedGroup> {
    let Some(first) = groups
        .iter()
        .copied()
        .find(|g| KEY_SHARE_GROUPS.contains(g))
    else {
        return Vec::new();
    };
    let mut chosen = vec![first];
    if first == NamedGroup::X25519MLKEM768 && groups.contains(&NamedGroup::X25519) {
        chosen.push(NamedGroup::X25519);
    }
    chosen
}

/// The key_share extension for `shares` (RFC 8446 §4.2.8: in the order of
/// supported_groups, one per group).
pub(crate) fn key_share_extension(shares: &[ClientKeyShare]) -> ClientExtension {
    ClientExtension::KeyShare(KeyShareList(List(
        shares
            .iter()
            .map(|s| KeyShareEntry {
                group: s.group(),
                key_exchange: Opaque(s.public().to_vec()),
            })
            .collect(),
    )))
}

/// The version the server's supported_versions selects, if it sent one.
pub(crate) fn selected_version(hello: &ServerHello) -> Option<ProtocolVersion> {
    hello.extensions.iter().find_map(|e| match e {
        keel_wire::ServerExtension::SupportedVersions(v) => Some(*v),
        _ => None,
    })
}

/// The suite the server chose, if it is a TLS 1.3 suite the client offered
/// (RFC 8446 §4.1.3: anything else is illegal_parameter).
fn offered_suite(
    context: &ClientContext,
    suite: keel_wire::registry::CipherSuite,
) -> Result<Tls13Suite, HandshakeError> {
    Tls13Suite::from_cipher_suite(suite)
        .filter(|_| context.config.suites.contains(&suite))
        .ok_or(HandshakeError::IllegalParameter {
            reason: IllegalParameter::SuiteNotOffered { suite },
        })
}

/// The ServerHello selected TLS 1.3: checks it, derives the handshake
/// secrets and installs the handshake keys.
///
/// `retry` is set after a HelloRetryRequest: the transcript then holds
/// ClientHello1's message_hash, the HelloRetryRequest and ClientHello2,
/// and the suite must be the one the HelloRetryRequest chose.
pub(crate) fn server_hello(
    context: ClientContext,
    mut offer: Offer13,
    transcript: Option<Transcript13>,
    retry_suite: Option<Tls13Suite>,
    raw: &[u8],
    hello: &ServerHello,
    out: &mut Vec<Emit>,
) -> Result<ClientState13, HandshakeError> {
    // RFC 8446 §4.1.3: legacy_version 0x0303 ("the server MUST set
    // ServerHello.legacy_version to 0x0303"), the session ID echoed, null
    // compression, a suite offered.
    if hello.server_version != ProtocolVersion::TLS_V1_2 {
        return Err(HandshakeError::ProtocolVersion {
            version: hello.server_version,
        });
    }
    if hello.session_id.as_slice() != offer.hello.session_id.as_slice() {
        return Err(HandshakeError::IllegalParameter {
            reason: IllegalParameter::SessionIdNotEchoed,
        });
    }
    if hello.compression_method != CompressionMethod::NULL {
        return Err(HandshakeError::IllegalParameter {
            reason: IllegalParameter::CompressionChosen,
        });
    }
    let suite = offered_suite(&context, hello.cipher_suite)?;
    if retry_suite.is_some_and(|s| s != suite) {
        return Err(HandshakeError::IllegalParameter {
            reason: IllegalParameter::SuiteChangedAfterRetry,
        });
    }
    let extensions: Vec<_> = hello.extensions.iter().cloned().collect();
    // RFC 8446 §4.2: an extension the ServerHello may not carry is
    // illegal_parameter.
    if let Some(extension) = first_not_permitted(&extensions, ExtensionContext::ServerHello) {
        return Err(not_permitted(extension));
    }
    let mut server_share = None;
    let mut resumed = None;
    for extension in &extensions {
        match extension {
            keel_wire::ServerExtension::SupportedVersions(_) => {}
            keel_wire::ServerExtension::KeyShare(entry) => server_share = Some(entry),
            // RFC 8446 §4.2.11: the PSK the server accepted; without one
            // offered, any index is out of range.
            keel_wire::ServerExtension::PreSharedKey(index) => {
                resumed = Some(super::psk::accepted(offer.psk.take(), *index, suite)?);
            }
            // RFC 8446 §4.2: a response to an extension not sent is
            // unsupported_extension.
            other => {
                return Err(HandshakeError::UnsolicitedExtension {
                    extension: other.extension_type(),
                });
            }
        }
    }
    // RFC 8446 §4.2.8: the ServerHello must carry a share (keel offers
    // psk_dhe_ke only, so a resumption has one too), for a group the client
    // sent one for (missing_extension otherwise, RFC 8446 §9.2).
    let entry = server_share.ok_or(HandshakeError::MissingExtension {
        message: keel_wire::registry::HandshakeType::SERVER_HELLO,
        extension: keel_wire::registry::ExtensionType::KEY_SHARE,
    })?;
    let group = entry.group;
    let share = offer
        .shares
        .into_iter()
        .find(|s| s.group() == group)
        .ok_or(HandshakeError::IllegalParameter {
            reason: IllegalParameter::KeyShareNotOffered { group },
        })?;
    let shared = share.complete(entry.key_exchange.as_slice())?;

    let hash = suite.hash();
    let mut transcript = match transcript {
        Some(t) => t,
        None => {
            let mut t = Transcript13::new(context.config.limits.max_transcript);
            t.add(&offer.hello_bytes)?;
            t.start(hash)?;
            t
        }
    };
    transcript.add(raw)?;
    let hello_hash = transcript.current_hash()?;
    // RFC 8446 §7.1: the accepted PSK's Early Secret, or without one the
    // early secret of zeros.
    let early_secret = match &resumed {
        Some(offered) => offered.early_secret()?,
        None => EarlySecret::without_psk(hash)?,
    };
    let handshake_secret = early_secret.into_handshake_secret(shared.as_bytes())?;
    let client_secret = handshake_secret.client_handshake_traffic_secret(hello_hash.as_ref())?;
    let server_secret = handshake_secret.server_handshake_traffic_secret(hello_hash.as_ref())?;
    let key_log = context.config.key_log.as_deref();
    log_secret(
        key_log,
        keylog_labels::CLIENT_HANDSHAKE_TRAFFIC_SECRET,
        &context.client_random,
        client_secret.as_bytes(),
    );
    log_secret(
        key_log,
        keylog_labels::SERVER_HANDSHAKE_TRAFFIC_SECRET,
        &context.client_random,
        server_secret.as_bytes(),
    );
    out.push(Emit::VersionNegotiated);
    // RFC 8446 Appendix D.4: the server may send its middlebox
    // ChangeCipherSpec now; the client sends its own once, before its
    // second flight (here, unless it already did before ClientHello2).
    out.push(Emit::MiddleboxCcs(true));
    if retry_suite.is_none() {
        out.push(Emit::ChangeCipherSpec);
    }
    out.push(Emit::ReadKeys(machine13::record_keys(
        &server_secret,
        suite,
    )?));
    // Alerts from here on are protected too (RFC 8446 §5.1: after the
    // ServerHello, records are protected).
    out.push(Emit::WriteKeys(machine13::record_keys(
        &client_secret,
        suite,
    )?));
    Ok(ClientState13::ExpectEncryptedExtensions(Box::new(
        ExpectEncryptedExtensions {
            handshake: Handshake13 {
                context,
                suite,
                group,
                transcript,
                handshake_secret,
                client_secret,
                server_secret,
                resumed,
            },
        },
    )))
}

/// An extension RFC 8446 §4.2 does not allow where it came:
/// illegal_parameter.
pub(crate) fn not_permitted(extension: keel_wire::registry::ExtensionType) -> HandshakeError {
    HandshakeError::IllegalParameter {
        reason: IllegalParameter::ExtensionNotPermitted { extension },
    }
}

/// Waiting for the ServerHello after a HelloRetryRequest.
#[derive(Debug)]
pub(crate) struct ExpectServerHelloAfterRetry {
    context: ClientContext,
    offer: Offer13,
    transcript: Transcript13,
    suite: Tls13Suite,
}

impl ExpectServerHelloAfterRetry {
    pub(crate) fn handle(
        self: Box<Self>,
        raw: &[u8],
        hello: &ServerHello,
        out: &mut Vec<Emit>,
    ) -> Result<ClientState13, HandshakeError> {
        // RFC 8446 §4.1.4: the version must stay TLS 1.3.
        match selected_version(hello) {
            Some(ProtocolVersion::TLS_V1_3) => {}
            other => {
                return Err(HandshakeError::IllegalParameter {
                    reason: IllegalParameter::VersionNotOffered {
                        version: other.unwrap_or(hello.server_version),
                    },
                });
            }
        }
        let this = *self;
        server_hello(
            this.context,
            this.offer,
            Some(this.transcript),
            Some(this.suite),
            raw,
            hello,
            out,
        )
    }
}

/// RFC 8446 §4.1.4: the HelloRetryRequest is checked (TLS 1.3, a suite and
/// group offered, a change asked for) and answered with ClientHello2: the
/// same hello with one key share for the requested group and the cookie
/// echoed.
pub(crate) fn hello_retry_request(
    context: ClientContext,
    mut offer: Offer13,
    raw: &[u8],
    retry: &HelloRetryRequest,
    out: &mut Vec<Emit>,
) -> Result<ClientState13, HandshakeError> {
    if retry.legacy_session_id_echo.as_slice() != offer.hello.session_id.as_slice() {
        return Err(HandshakeError::IllegalParameter {
            reason: IllegalParameter::SessionIdNotEchoed,
        });
    }
    if retry.legacy_compression_method != CompressionMethod::NULL {
        return Err(HandshakeError::IllegalParameter {
            reason: IllegalParameter::CompressionChosen,
        });
    }
    let suite = offered_suite(&context, retry.cipher_suite)?;
    let mut version = None;
    let mut group = None;
    let mut cookie = None;
    for extension in retry.extensions.0.iter() {
        match extension {
            HelloRetryExtension::SupportedVersions(v) => version = Some(*v),
            HelloRetryExtension::KeyShare(g) => group = Some(*g),
            HelloRetryExtension::Cookie(c) => cookie = Some(c.clone()),
            // RFC 8446 §4.1.4: an extension the client did not offer.
            other => {
                return Err(HandshakeError::UnsolicitedExtension {
                    extension: other.extension_type(),
                });
            }
        }
    }
    if version != Some(ProtocolVersion::TLS_V1_3) {
        return Err(HandshakeError::IllegalParameter {
            reason: IllegalParameter::VersionNotOffered {
                version: version.unwrap_or(retry.legacy_version),
            },
        });
    }
    // RFC 8446 §4.2.8: the group must be one the client offered in
    // supported_groups and sent no share for; RFC 8446 §4.1.4: a retry that
    // would change nothing is refused.
    if let Some(g) = group
        && (!context.config.groups.contains(&g)
            || !KEY_SHARE_GROUPS.contains(&g)
            || offer.shares.iter().any(|s| s.group() == g))
    {
        return Err(HandshakeError::IllegalParameter {
            reason: IllegalParameter::RetryGroupNotUsable { group: g },
        });
    }
    if group.is_none() && cookie.is_none() {
        return Err(HandshakeError::IllegalParameter {
            reason: IllegalParameter::RetryChangesNothing,
        });
    }
    let mut transcript = Transcript13::new(context.config.limits.max_transcript);
    transcript.add(&offer.hello_bytes)?;
    transcript.start_after_hello_retry_request(suite.hash())?;
    transcript.add(raw)?;

    if let Some(g) = group {
        offer.shares = vec![ClientKeyShare::generate(g, context.config.rng.as_ref())?];
    }
    let Extensions::Present(extensions) = &mut offer.hello.extensions else {
        return Err(HandshakeError::Internal {
            reason: Internal::BrokenInvariant,
        });
    };
    for extension in extensions.iter_mut() {
        if matches!(extension, ClientExtension::KeyShare(_)) {
            *extension = key_share_extension(&offer.shares);
        }
    }
    // RFC 8446 §4.1.2: a PSK whose hash is not the chosen suite's is
    // removed from ClientHello2; pre_shared_key stays last.
    let psk_extension = match extensions.last() {
        Some(ClientExtension::PreSharedKey(_)) => extensions.pop(),
        _ => None,
    };
    if offer
        .psk
        .as_ref()
        .is_some_and(|p| p.suite.hash() != suite.hash())
    {
        offer.psk = None;
    }
    if let Some(cookie) = cookie {
        // RFC 8446 §4.2.2: echoed in ClientHello2.
        extensions.push(ClientExtension::Cookie(cookie));
    }
    offer.hello_bytes = match (&offer.psk, psk_extension) {
        // RFC 8446 §4.1.2: the binder is computed again, over
        // ClientHello1's message_hash, the HelloRetryRequest and the
        // truncated ClientHello2.
        (Some(offered), Some(extension)) => {
            extensions.push(extension);
            super::psk::bind(&mut offer.hello, &transcript, offered)?
        }
        _ => HandshakeMessage::ClientHello(offer.hello.clone())
            .encode()
            .map_err(|_| HandshakeError::Internal {
                reason: Internal::Encoding,
            })?,
    };
    transcript.add(&offer.hello_bytes)?;
    // RFC 8446 §5.1: from now on records carry {03,03}; RFC 8446 Appendix
    // D.4: the client's middlebox ChangeCipherSpec goes before
    // ClientHello2, and the server's may come.
    out.push(Emit::VersionNegotiated);
    out.push(Emit::MiddleboxCcs(true));
    out.push(Emit::ChangeCipherSpec);
    out.push(Emit::Message(offer.hello_bytes.clone()));
    Ok(ClientState13::ExpectServerHelloAfterRetry(Box::new(
        ExpectServerHelloAfterRetry {
            context,
            offer,
            transcript,
            suite,
        },
    )))
}
