//! A TLS 1.3 server's side of resumption (RFC 8446 §4.2.11, §4.6.1): which
//! offered PSK it accepts, the binder that proves the client holds it, and
//! the NewSessionTicket that gives the client the next one.
//!
//! keel's PSKs are its own tickets only, never external ones, and resume
//! only with `psk_dhe_ke`: a resumed connection still runs a fresh
//! (EC)DHE exchange, so it keeps forward secrecy. A ticket is either
//! sealed under the configuration's [`TicketKeys`](crate::tickets::TicketKeys)
//! (the whole session inside; any server of a fleet sharing the master
//! opens it) or, without ticket keys, a random identity that names an
//! entry of the server's session cache, used once.

use keel_wire::extensions::OfferedPsks;
use keel_wire::handshake::{ClientHello, NewSessionTicket13};
use keel_wire::registry::{ExtensionType, HandshakeType, ProtocolVersion, PskKeyExchangeMode};
use keel_wire::vec::Opaque;
use keel_wire::{ClientExtension, ExtensionList, HandshakeMessage};

use crate::config::ServerHandshakeConfig;
use crate::error::{HandshakeError, IllegalParameter};
use crate::machine::{self, Emit};
use crate::sessions::StoredSession;
use crate::tls13::{EarlySecret, Psk, ResumptionMasterSecret, Tls13Suite, Transcript13};

/// At most this many offered identities are tried, so that a ClientHello
/// full of identities costs a bounded number of ticket openings.
const MAX_IDENTITIES_TRIED: usize = 4;

/// RFC 8446 §4.6.1: a ticket lives at most seven days.
pub(crate) const MAX_TICKET_LIFETIME: u32 = 604_800;

/// What the server chose for this ClientHello that a resumed session must
/// match.
pub(crate) struct Chosen<'a> {
    pub(crate) suite: Tls13Suite,
    pub(crate) sni: Option<&'a str>,
    pub(crate) alpn: Option<&'a [u8]>,
}

/// A PSK the server accepted: its index in the offer, the session it
/// resumes and the Early Secret it starts the key schedule from.
#[derive(Debug)]
pub(crate) struct Accepted {
    pub(crate) index: u16,
    pub(crate) session: StoredSession,
    pub(crate) early_secret: EarlySecret,
}

/// The pre_shared_key of a ClientHello, if it may be used: RFC 8446 §4.2.9
/// has a server abort when it comes without psk_key_exchange_modes
/// (missing_extension), and keel uses it only when psk_dhe_ke is among the
/// modes (a psk_ke-only offer gets a full handshake).
fn offered_psks(hello: &ClientHello) -> Result<Option<&OfferedPsks>, HandshakeError> {
    let mut psks = None;
    let mut modes = None;
    for extension in hello.extensions.iter() {
        match extension {
            ClientExtension::PreSharedKey(offered) => psks = Some(offered),
            ClientExtension::PskKeyExchangeModes(list) => modes = Some(list.as_slice()),
            _ => {}
        }
    }
    let Some(psks) = psks else {
        return Ok(None);
    };
    let modes = modes.ok_or(HandshakeError::MissingExtension {
        message: HandshakeType::CLIENT_HELLO,
        extension: ExtensionType::PSK_KEY_EXCHANGE_MODES,
    })?;
    // RFC 8446 §4.2.11: one binder per identity.
    if psks.identities.len() != psks.binders.len() {
        return Err(HandshakeError::IllegalParameter {
            reason: IllegalParameter::BindersDoNotMatchIdentities,
        });
    }
    Ok(modes
        .contains(&PskKeyExchangeMode::PSK_DHE_KE)
        .then_some(psks))
}

/// The first offered PSK this server can resume, its binder verified
/// (RFC 8446 §4.2.11: a binder that does not verify aborts the handshake
/// with decrypt_error). `earlier` is the transcript before this
/// ClientHello (empty, or ClientHello1's message_hash and the
/// HelloRetryRequest); `raw` is this ClientHello with its header.
///
/// A ticket that does not open, has expired, was made under another
/// resumption context, another hash, another server name or another ALPN
/// protocol (a session must not carry a connection to another service:
/// ALPACA), or lacks the client certificate this configuration requires is
/// passed over, and with none left the handshake is a full one.
pub(crate) fn accept(
    config: &ServerHandshakeConfig,
    hello: &ClientHello,
    raw: &[u8],
    earlier: &Transcript13,
    chosen: Chosen<'_>,
) -> Result<Option<Accepted>, HandshakeError> {
    let Chosen { suite, sni, alpn } = chosen;
    let Some(psks) = offered_psks(hello)? else {
        return Ok(None);
    };
    let now = machine::now_secs(config.clock.as_ref());
    let requires_certificate = config
        .client_verifier
        .as_ref()
        .is_some_and(|v| v.mode() == keel_pki::ClientAuth::Required);
    for (index, (identity, binder)) in psks
        .identities
        .iter()
        .zip(psks.binders.iter())
        .enumerate()
        .take(MAX_IDENTITIES_TRIED)
    {
        let Some(session) = open(config, identity.identity.as_slice(), now) else {
            continue;
        };
        // RFC 6066 §3: never a session made under another server name.
        let usable = session.version == ProtocolVersion::TLS_V1_3
            && session.context == config.resumption_context
            && Tls13Suite::from_cipher_suite(session.cipher_suite)
                .is_some_and(|s| s.hash() == suite.hash())
            && session.server_name.as_deref() == sni
            && session.alpn.as_deref() == alpn
            && !(requires_certificate && session.peer_certificates.is_empty());
        if !usable {
            continue;
        }
        let psk = Psk::from_bytes(suite.hash(), &session.secret)?;
        let early_secret = EarlySecret::with_psk(&psk)?;
        // RFC 8446 §4.2.11.2: the binder covers the ClientHello up to the
        // binders list, after whatever came before it.
        let truncated = raw
            .len()
            .checked_sub(psks.binders_len())
            .and_then(|end| raw.get(..end))
            .ok_or(HandshakeError::BadBinder)?;
        let hash = earlier.hash_with_partial(suite.hash(), truncated)?;
        let verified = early_secret
            .resumption_binder_key()?
            .finished_key()?
            .verify(hash.as_ref(), binder.as_slice())?;
        if !verified {
            return Err(HandshakeError::BadBinder);
        }
        forget(config, identity.identity.as_slice());
        let index = u16::try_from(index).map_err(|_| HandshakeError::BadBinder)?;
        return Ok(Some(Accepted {
            index,
            session,
            early_secret,
        }));
    }
    Ok(None)
}

/// The session an identity names: a ticket sealed under the ticket keys,
/// or else an entry of the session cache.
fn open(config: &ServerHandshakeConfig, identity: &[u8], now: u64) -> Option<StoredSession> {
    if let Some(keys) = &config.ticket_keys {
        return keys.open(identity, now);
    }
    config
        .session_cache
        .as_ref()?
        .get_entry(identity, now)
        .map(|(session, _)| session)
}

/// A cache entry is used once (RFC 8446 §8.1's single-use tickets); a
/// sealed ticket cannot be taken back, and without 0-RTT a replayed one
/// still needs the client's (EC)DHE share and Finished.
fn forget(config: &ServerHandshakeConfig, identity: &[u8]) {
    if config.ticket_keys.is_none()
        && let Some(cache) = &config.session_cache
    {
        cache.remove(identity);
    }
}

/// What a ticket is made from at the end of a handshake.
pub(crate) struct TicketSource<'a> {
    pub(crate) config: &'a ServerHandshakeConfig,
    pub(crate) suite: Tls13Suite,
    pub(crate) session: &'a crate::session::SessionInfo,
}

/// How this server's tickets are made: sealed under its ticket keys, or
/// naming an entry of its session cache.
pub(crate) enum Minter<'a> {
    Sealed(&'a crate::tickets::TicketKeys),
    Cached(&'a crate::sessions::ServerSessionCache),
}

impl<'a> Minter<'a> {
    /// The configuration's way of making tickets, if it can resume.
    pub(crate) fn of(config: &'a ServerHandshakeConfig) -> Option<Self> {
        match (&config.ticket_keys, &config.session_cache) {
            (Some(keys), _) => Some(Self::Sealed(keys)),
            (None, Some(cache)) => Some(Self::Cached(cache)),
            (None, None) => None,
        }
    }

    /// How long its tickets last, in seconds (RFC 8446 §4.6.1: at most
    /// seven days).
    fn lifetime(&self) -> u32 {
        let secs = match self {
            Self::Sealed(keys) => keys.lifetime().as_secs(),
            Self::Cached(cache) => cache.lifetime_secs(),
        };
        u32::try_from(secs)
            .unwrap_or(MAX_TICKET_LIFETIME)
            .min(MAX_TICKET_LIFETIME)
    }

    /// The ticket for `session`: sealed, or a random identity under which
    /// the cache keeps it. `None` when the session cannot be kept (outside
    /// the serialised form's limits or the cache's byte budget) or its
    /// sealed form would not fit a ticket's 2^16 - 1 bytes.
    fn mint(
        &self,
        mut session: StoredSession,
        now: u64,
        rng: &dyn crate::random::Rng,
    ) -> Result<Option<Vec<u8>>, HandshakeError> {
        let ticket = match self {
            Self::Sealed(keys) => keys.seal(&session, now, rng),
            Self::Cached(cache) => {
                let id = machine::random(rng)?.to_vec();
                session.session_id.clone_from(&id);
                cache.insert_entry(session).map(|_| id)
            }
        };
        Ok(ticket.filter(|t| (1..=0xffff).contains(&t.len())))
    }
}

/// RFC 8446 §4.6.1: one NewSessionTicket after the client's Finished. A
/// ticket that cannot be made is simply not sent.
pub(crate) fn issue_ticket(
    source: &TicketSource<'_>,
    minter: &Minter<'_>,
    resumption: &ResumptionMasterSecret,
    out: &mut Vec<Emit>,
) -> Result<(), HandshakeError> {
    let config = source.config;
    let rng = config.rng.as_ref();
    // ticket_age_add from random bytes of its own, so that nothing on the
    // wire (a cache ticket is random too) says anything about it.
    let random = machine::random(rng)?;
    let ticket_age_add = u32::from_be_bytes([random[0], random[1], random[2], random[3]]);
    // One ticket per connection, so an empty nonce already makes its PSK
    // unique (RFC 8446 §4.6.1: unique among the connection's tickets).
    let nonce: &[u8] = &[];
    let psk = resumption.ticket_psk(nonce)?;
    let now = machine::now_secs(config.clock.as_ref());
    let info = source.session;
    let session = StoredSession {
        version: ProtocolVersion::TLS_V1_3,
        context: config.resumption_context,
        session_id: Vec::new(),
        cipher_suite: source.suite.cipher_suite(),
        group: info.group,
        signature_scheme: info.signature_scheme,
        secret: psk.as_bytes().to_vec(),
        extended_master_secret: true,
        server_name: info.server_name.clone(),
        alpn: info.alpn.clone(),
        peer_certificates: info.peer_certificates.clone(),
        created: now,
        ticket: Vec::new(),
        ticket_expires: 0,
        ticket_age_add,
        client_signature_scheme: info.client_signature_scheme,
        ocsp_response: None,
    };
    let Some(ticket) = minter.mint(session, now, rng)? else {
        return Ok(());
    };
    let message = HandshakeMessage::NewSessionTicket13(NewSessionTicket13 {
        ticket_lifetime: minter.lifetime(),
        ticket_age_add,
        ticket_nonce: Opaque(nonce.to_vec()),
        ticket: Opaque(ticket),
        extensions: ExtensionList::default(),
    });
    let bytes = keel_wire::Codec::encode(&message).map_err(|_| HandshakeError::Internal {
        reason: crate::error::Internal::Encoding,
    })?;
    out.push(Emit::Message(bytes));
    Ok(())
}
