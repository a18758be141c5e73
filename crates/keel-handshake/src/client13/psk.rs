//! A TLS 1.3 client's side of resumption (RFC 8446 §4.2.11, §4.6.1): the
//! ticket it offers with its binder, and the tickets it keeps from
//! NewSessionTicket.
//!
//! A ticket is offered once (RFC 8446 Appendix C.4: reusing one lets an
//! observer link connections): it leaves the store when offered, and the
//! resumed connection brings the next one.

use std::sync::Arc;

use keel_pki::CertificateDer;
use keel_wire::extensions::{OfferedPsks, PskBinderEntry, PskIdentity};
use keel_wire::handshake::{ClientHello, NewSessionTicket13};
use keel_wire::registry::{NamedGroup, ProtocolVersion, SignatureScheme};
use keel_wire::vec::{List, Opaque};
use keel_wire::{ClientExtension, Codec, Extensions, HandshakeMessage};

use crate::config::ClientHandshakeConfig;
use crate::error::{HandshakeError, IllegalParameter, Internal};
use crate::machine;
use crate::resumption_context::ResumptionContext;
use crate::sessions::{ClientSessionStore, StoredSession};
use crate::tls13::{EarlySecret, Psk, ResumptionMasterSecret, Tls13Suite, Transcript13};

/// RFC 8446 §4.6.1: a ticket lives at most seven days.
const MAX_TICKET_LIFETIME: u32 = 604_800;

/// The session a ClientHello offers, and its suite.
#[derive(Debug)]
pub(crate) struct OfferedSession {
    pub(crate) session: StoredSession,
    pub(crate) suite: Tls13Suite,
}

impl OfferedSession {
    /// The Early Secret of the PSK (RFC 8446 §7.1).
    pub(crate) fn early_secret(&self) -> Result<EarlySecret, HandshakeError> {
        let psk = Psk::from_bytes(self.suite.hash(), &self.session.secret)?;
        Ok(EarlySecret::with_psk(&psk)?)
    }
}

/// The TLS 1.3 session kept for this server under this configuration's
/// resumption context, if its ticket is still within its lifetime and its
/// suite is one this client offers. It leaves the store here: a ticket is
/// offered once.
pub(crate) fn take(
    config: &ClientHandshakeConfig,
    server_name: &str,
    now: u64,
) -> Option<OfferedSession> {
    let store = config.session_store.as_ref()?;
    let (session, seq) = store.get_entry(&config.resumption_context, server_name, now)?;
    if session.version != ProtocolVersion::TLS_V1_3 {
        return None;
    }
    store.forget(server_name, &config.resumption_context, seq);
    let suite = Tls13Suite::from_cipher_suite(session.cipher_suite)
        .filter(|_| config.suites.contains(&session.cipher_suite))?;
    (now < session.ticket_expires && !session.ticket.is_empty())
        .then_some(OfferedSession { session, suite })
}

/// The pre_shared_key extension for `offered`, with a binder of zeros to
/// be replaced by [`bind`] (RFC 8446 §4.2.11.1: the age is the ticket's in
/// milliseconds plus its ticket_age_add, modulo 2^32).
pub(crate) fn extension(offered: &OfferedSession, now: u64) -> ClientExtension {
    let age_ms = now
        .saturating_sub(offered.session.created)
        .saturating_mul(1000);
    #[allow(clippy::cast_possible_truncation)] // modulo 2^32, as the RFC says
    let obfuscated_ticket_age = (age_ms as u32).wrapping_add(offered.session.ticket_age_add);
    ClientExtension::PreSharedKey(OfferedPsks {
        identities: List(vec![PskIdentity {
            identity: Opaque(offered.session.ticket.clone()),
            obfuscated_ticket_age,
        }]),
        binders: List(vec![PskBinderEntry(vec![
            0;
            offered.suite.hash().hash_len()
        ])]),
    })
}

/// Computes the binder of the ClientHello's pre_shared_key (its last
/// extension) over the transcript so far and the hello truncated before
/// its binders (RFC 8446 §4.2.11.2), writes it in, and returns the
/// hello's encoding.
pub(crate) fn bind(
    hello: &mut ClientHello,
    earlier: &Transcript13,
    offered: &OfferedSession,
) -> Result<Vec<u8>, HandshakeError> {
    let encode = |hello: &ClientHello| {
        HandshakeMessage::ClientHello(hello.clone())
            .encode()
            .map_err(|_| HandshakeError::Internal {
                reason: Internal::Encoding,
            })
    };
    let broken = || HandshakeError::Internal {
        reason: Internal::BrokenInvariant,
    };
    let unbound = encode(hello)?;
    let Extensions::Present(extensions) = &mut hello.extensions else {
        return Err(broken());
    };
    let Some(ClientExtension::PreSharedKey(psks)) = extensions.last_mut() else {
        return Err(broken());
    };
    let truncated = unbound
        .len()
        .checked_sub(psks.binders_len())
        .and_then(|end| unbound.get(..end))
        .ok_or_else(broken)?;
    let hash = earlier.hash_with_partial(offered.suite.hash(), truncated)?;
    let binder = offered
        .early_secret()?
        .resumption_binder_key()?
        .finished_key()?
        .verify_data(hash.as_ref())?;
    psks.binders = List(vec![PskBinderEntry(binder.as_bytes().to_vec())]);
    encode(hello)
}

/// The ServerHello's pre_shared_key (RFC 8446 §4.2.11): an answer to a
/// pre_shared_key the ClientHello did not carry is unsupported_extension
/// (RFC 8446 §4.2); the index must be that of the one identity offered,
/// and the suite's hash the PSK's.
pub(crate) fn accepted(
    offered: Option<OfferedSession>,
    index: u16,
    suite: Tls13Suite,
) -> Result<OfferedSession, HandshakeError> {
    let offered = offered.ok_or(HandshakeError::UnsolicitedExtension {
        extension: keel_wire::registry::ExtensionType::PRE_SHARED_KEY,
    })?;
    if index != 0 {
        return Err(HandshakeError::IllegalParameter {
            reason: IllegalParameter::PskNotOffered { index },
        });
    }
    if offered.suite.hash() != suite.hash() {
        return Err(HandshakeError::IllegalParameter {
            reason: IllegalParameter::PskHashMismatch,
        });
    }
    Ok(offered)
}

/// What an established client keeps to turn NewSessionTickets into stored
/// sessions: the resumption secret and what the handshake established.
pub(crate) struct TicketReceiver {
    pub(crate) store: Arc<ClientSessionStore>,
    pub(crate) clock: Arc<dyn crate::random::Clock>,
    pub(crate) server_name: String,
    pub(crate) context: ResumptionContext,
    pub(crate) resumption: ResumptionMasterSecret,
    pub(crate) suite: Tls13Suite,
    pub(crate) group: NamedGroup,
    pub(crate) scheme: SignatureScheme,
    pub(crate) sni: Option<String>,
    pub(crate) alpn: Option<Vec<u8>>,
    pub(crate) chain: Vec<CertificateDer<'static>>,
    pub(crate) ocsp_response: Option<Vec<u8>>,
}

impl core::fmt::Debug for TicketReceiver {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TicketReceiver")
            .field("server_name", &self.server_name)
            .field("suite", &self.suite)
            .finish_non_exhaustive()
    }
}

impl TicketReceiver {
    /// RFC 8446 §4.6.1: keeps the ticket's PSK, derived from the
    /// resumption secret and the ticket's nonce, for the next connection to
    /// this server (replacing the one kept). A lifetime of zero means "do
    /// not use"; one over seven days is illegal_parameter. Its extensions
    /// are ignored: early_data's only use is 0-RTT, which keel never sends.
    pub(crate) fn receive(&self, ticket: &NewSessionTicket13) -> Result<(), HandshakeError> {
        if ticket.ticket_lifetime > MAX_TICKET_LIFETIME {
            return Err(HandshakeError::IllegalParameter {
                reason: IllegalParameter::TicketLifetimeTooLong {
                    seconds: ticket.ticket_lifetime,
                },
            });
        }
        if ticket.ticket_lifetime == 0 {
            return Ok(());
        }
        let psk = self.resumption.ticket_psk(ticket.ticket_nonce.as_slice())?;
        let now = machine::now_secs(self.clock.as_ref());
        let session = StoredSession {
            version: ProtocolVersion::TLS_V1_3,
            context: self.context,
            session_id: Vec::new(),
            cipher_suite: self.suite.cipher_suite(),
            group: self.group,
            signature_scheme: self.scheme,
            secret: psk.as_bytes().to_vec(),
            extended_master_secret: true,
            server_name: self.sni.clone(),
            alpn: self.alpn.clone(),
            peer_certificates: self.chain.clone(),
            created: now,
            ticket: ticket.ticket.to_vec(),
            ticket_expires: now.saturating_add(u64::from(ticket.ticket_lifetime)),
            ticket_age_add: ticket.ticket_age_add,
            client_signature_scheme: None,
            ocsp_response: self.ocsp_response.clone(),
        };
        self.store.insert_entry(&self.server_name, session);
        Ok(())
    }
}
