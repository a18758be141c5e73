//! What a state machine tells the connection to do, and helpers both sides
//! share.

use keel_record::{EarlyDataSkip, TrafficKeys};
use keel_wire::{Codec, HandshakeMessage};

use crate::error::{HandshakeError, IllegalParameter, Internal};
use crate::key_schedule::{self, MasterSecret, PrfHash, Sender};
use crate::keylog::{self, KeyLog};
use crate::session::SessionInfo;
use crate::transcript::Transcript;

/// One instruction from a state machine to its connection, in order.
#[derive(Debug)]
pub(crate) enum Emit {
    /// Send this encoded handshake message (already in the transcript).
    Message(Vec<u8>),
    /// Send ChangeCipherSpec.
    ChangeCipherSpec,
    /// Protect everything sent from now on with these keys.
    WriteKeys(TrafficKeys),
    /// Open everything received from now on with these keys.
    ReadKeys(TrafficKeys),
    /// Records must carry TLS 1.2 from now on (TLS 1.3's
    /// legacy_record_version too, RFC 8446 §5.1).
    VersionNegotiated,
    /// Whether a TLS 1.3 middlebox-compatibility ChangeCipherSpec may come
    /// now, to be dropped (RFC 8446 §5, Appendix D.4).
    MiddleboxCcs(bool),
    /// The peer asked for a KeyUpdate (RFC 8446 §4.6.3): one is sent before
    /// this side's next application data.
    KeyUpdateOwed,
    /// The ClientHello offered early data, which a server rejects: skip
    /// the 0-RTT records that follow it (RFC 8446 §4.2.10), those that do
    /// not open under the keys just installed (after a ServerHello) or
    /// those of type application_data (after a HelloRetryRequest).
    SkipEarlyData(EarlyDataSkip),
    /// record_size_limit was negotiated (RFC 8449): protected records sent
    /// carry at most `send` bytes of plaintext, and protected records
    /// received at most `receive`. Applied as keys are installed, since
    /// unprotected handshake records are not subject to it (§4).
    RecordSizeLimit { send: usize, receive: usize },
    /// This connection stored or resumed this session: forget it if the
    /// connection fails (RFC 5246 §7.2).
    SessionInUse(SessionHandle),
    /// The handshake is complete; the secrets are kept for the exporter.
    Established(Box<SessionInfo>, Box<SessionSecrets>),
}

/// What the connection keeps after the handshake for exports: RFC 5705's
/// inputs in TLS 1.2, the exporter master secret in TLS 1.3 (RFC 8446
/// §7.5). Secrets zeroize themselves on drop.
#[derive(Debug)]
pub(crate) enum SessionSecrets {
    Tls12 {
        master: MasterSecret,
        prf: PrfHash,
        client_random: [u8; 32],
        server_random: [u8; 32],
    },
    Tls13(crate::tls13::ExporterSecret),
}

/// Encodes a message, adds it to the transcript and queues it.
pub(crate) fn send(
    message: HandshakeMessage,
    transcript: &mut Transcript,
    out: &mut Vec<Emit>,
) -> Result<(), HandshakeError> {
    let bytes = message.encode().map_err(|_| HandshakeError::Internal {
        reason: Internal::Encoding,
    })?;
    transcript.add(&bytes)?;
    out.push(Emit::Message(bytes));
    Ok(())
}

/// The Finished message for `sender` over the transcript so far.
pub(crate) fn finished(
    master: &MasterSecret,
    prf: PrfHash,
    sender: Sender,
    transcript: &Transcript,
) -> Result<HandshakeMessage, HandshakeError> {
    let hash = transcript.current_hash()?;
    let verify_data = key_schedule::verify_data(master, prf, sender, hash.as_ref())?;
    Ok(HandshakeMessage::Finished(keel_wire::handshake::Finished {
        verify_data,
    }))
}

/// Checks a peer's Finished in constant time: a mismatch is BadFinished,
/// decrypt_error (RFC 5246 §7.4.9: recipients must verify it).
pub(crate) fn check_finished(
    master: &MasterSecret,
    prf: PrfHash,
    sender: Sender,
    transcript: &Transcript,
    received: &[u8; 12],
) -> Result<(), HandshakeError> {
    let hash = transcript.current_hash()?;
    let expected = key_schedule::verify_data(master, prf, sender, hash.as_ref())?;
    if key_schedule::verify_data_matches(&expected, received) {
        Ok(())
    } else {
        Err(HandshakeError::BadFinished)
    }
}

/// Logs the master secret if a key log is installed.
pub(crate) fn log_master(
    key_log: Option<&dyn KeyLog>,
    client_random: &[u8; 32],
    master: &MasterSecret,
) {
    if let Some(log) = key_log
        && log.will_log(keylog::CLIENT_RANDOM)
    {
        log.log(keylog::CLIENT_RANDOM, client_random, master.as_bytes());
    }
}

/// 32 random bytes from the configured RNG.
pub(crate) fn random(rng: &dyn crate::random::Rng) -> Result<[u8; 32], HandshakeError> {
    let mut random = [0u8; 32];
    rng.fill(&mut random)
        .map_err(|_| HandshakeError::Internal {
            reason: Internal::RandomSource,
        })?;
    Ok(random)
}

/// The bytes a ServerKeyExchange signature covers (RFC 8422 §5.4):
/// client_random + server_random + ServerECDHParams, which RFC 8422 §2.1
/// has signed with the key of the server's certificate.
pub(crate) fn kx_signed_message(
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    params: &keel_wire::handshake::ServerEcdhParams,
) -> Result<Vec<u8>, HandshakeError> {
    let mut message = Vec::with_capacity(64 + 4 + params.public.len());
    message.extend_from_slice(client_random);
    message.extend_from_slice(server_random);
    params
        .encode_into(&mut message)
        .map_err(|_| HandshakeError::Internal {
            reason: Internal::Encoding,
        })?;
    Ok(message)
}

/// A peer's record_size_limit (RFC 8449 §4): below 64 is illegal; above
/// TLS 1.2's 2^14 means "no limit beyond the protocol's".
pub(crate) fn peer_record_size_limit(value: u16) -> Result<usize, HandshakeError> {
    if value < 64 {
        return Err(HandshakeError::IllegalParameter {
            reason: IllegalParameter::RecordSizeLimitTooSmall { value },
        });
    }
    Ok(usize::from(value).min(1 << 14))
}

/// The stored session this connection uses, so that a fatal error can
/// forget it (RFC 5246 §7.2.2: "any connection ... terminated with a fatal
/// alert MUST NOT be resumed"). A connection holds one only once the peer
/// proved it knows the session's master secret (its Finished verified):
/// before that, anyone who saw a session ID could make the store forget it.
/// It forgets exactly the entry it used, never a newer one stored under the
/// same key since. RFC 5077 §3.2: this is also how a client deletes a
/// ticket the server accepted (its Finished verified) when the handshake
/// then fails.
#[derive(Debug, Clone)]
pub(crate) enum SessionHandle {
    /// A server's cache entry: its session ID and sequence number.
    Server {
        cache: std::sync::Arc<crate::sessions::ServerSessionCache>,
        session_id: Vec<u8>,
        seq: u64,
    },
    /// A client's store entry: its name, context and sequence number.
    Client {
        store: std::sync::Arc<crate::sessions::ClientSessionStore>,
        server_name: String,
        context: crate::ResumptionContext,
        seq: u64,
    },
}

impl SessionHandle {
    pub(crate) fn forget(&self) {
        match self {
            Self::Server {
                cache,
                session_id,
                seq,
            } => cache.forget(session_id, *seq),
            Self::Client {
                store,
                server_name,
                context,
                seq,
            } => store.forget(server_name, context, *seq),
        }
    }
}

/// Seconds since the Unix epoch, for session lifetimes.
pub(crate) fn now_secs(clock: &dyn crate::random::Clock) -> u64 {
    clock.now().as_secs()
}
