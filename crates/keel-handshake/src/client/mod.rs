//! The client state machine.

mod hello;
mod server_flight;

use std::sync::Arc;

use keel_pki::ServerName;
use keel_wire::HandshakeMessage;
use keel_wire::registry::HandshakeType;

use hello::ExpectServerHello;
pub(crate) use hello::start;
use server_flight::{
    ExpectCertificate, ExpectCertificateRequestOrDone, ExpectCertificateStatus,
    ExpectChangeCipherSpec, ExpectFinished, ExpectNewSessionTicket, ExpectServerHelloDone,
    ExpectServerKeyExchange,
};

use crate::config::ClientHandshakeConfig;
use crate::error::{HandshakeError, MessageKind};
use crate::machine::Emit;

/// Where a client handshake is. Each state holds only what is valid in it,
/// and a transition consumes the state and returns the next.
///
/// ```text
/// Client                                               Server
///
/// ClientHello                  -------->
///                                                 ServerHello
///                                                Certificate
///                                          [CertificateStatus]
///                                           ServerKeyExchange
///                                         [CertificateRequest]
///                              <--------      ServerHelloDone
/// [Certificate]
/// ClientKeyExchange
/// [CertificateVerify]
/// ChangeCipherSpec
/// Finished                     -------->
///                                          [NewSessionTicket]
///                                            ChangeCipherSpec
///                              <--------             Finished
/// Application Data             <------->     Application Data
/// ```
/// (RFC 5246 §7.3, with the ECDHE messages of RFC 8422 and the optional
/// CertificateStatus of RFC 6066 §8: only after the server acknowledged the
/// client's status_request, and even then it may be absent.
/// NewSessionTicket (RFC 5077 §3.3) comes when the ServerHello carried
/// session_ticket; resuming, the server's [NewSessionTicket],
/// ChangeCipherSpec and Finished follow the ServerHello directly, then the
/// client's ChangeCipherSpec and Finished.)
#[derive(Debug)]
pub(crate) enum ClientState {
    ExpectServerHello(Box<ExpectServerHello>),
    ExpectCertificate(Box<ExpectCertificate>),
    ExpectCertificateStatus(Box<ExpectCertificateStatus>),
    ExpectServerKeyExchange(Box<ExpectServerKeyExchange>),
    ExpectCertificateRequestOrDone(Box<ExpectCertificateRequestOrDone>),
    ExpectServerHelloDone(Box<ExpectServerHelloDone>),
    ExpectNewSessionTicket(Box<ExpectNewSessionTicket>),
    ExpectChangeCipherSpec(Box<ExpectChangeCipherSpec>),
    ExpectFinished(Box<ExpectFinished>),
    Established,
    /// The server chose TLS 1.3: the TLS 1.3 machine goes on from here
    /// (the connection takes it out at once).
    Tls13(Box<crate::client13::ClientState13>),
}

/// What every client state knows.
#[derive(Debug, Clone)]
pub(crate) struct ClientContext {
    pub(crate) config: Arc<ClientHandshakeConfig>,
    pub(crate) server_name: ServerName,
    pub(crate) client_random: [u8; 32],
}

impl ClientState {
    /// The state's name, for errors and tests.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::ExpectServerHello(_) => "ServerHello",
            Self::ExpectCertificate(_) => "Certificate",
            Self::ExpectCertificateStatus(_) => "CertificateStatus or ServerKeyExchange",
            Self::ExpectServerKeyExchange(_) => "ServerKeyExchange",
            Self::ExpectCertificateRequestOrDone(_) => "CertificateRequest or ServerHelloDone",
            Self::ExpectServerHelloDone(_) => "ServerHelloDone",
            Self::ExpectNewSessionTicket(_) => "NewSessionTicket",
            Self::ExpectChangeCipherSpec(_) => "ChangeCipherSpec",
            Self::ExpectFinished(_) => "Finished",
            Self::Established => "application data",
            Self::Tls13(state) => state.name(),
        }
    }

    /// Whether a handshake message of type `t` may come now: asked of the
    /// header, before the body is decoded, so that a message out of place
    /// is unexpected_message whatever its body holds. Exactly the types
    /// [`handle`](Self::handle) takes in this state, and HelloRequest,
    /// which is ignored while negotiating (RFC 5246 §7.4.1.1).
    pub(crate) fn accepts(&self, t: HandshakeType) -> bool {
        use HandshakeType as T;
        // RFC 5246 §7.4: messages come in the order the RFC gives, except a
        // HelloRequest, which a client ignores mid-handshake.
        if t == T::HELLO_REQUEST {
            return !matches!(self, Self::Established);
        }
        match self {
            Self::ExpectServerHello(_) => t == T::SERVER_HELLO,
            Self::ExpectCertificate(_) => t == T::CERTIFICATE,
            Self::ExpectCertificateStatus(_) => {
                t == T::CERTIFICATE_STATUS || t == T::SERVER_KEY_EXCHANGE
            }
            Self::ExpectServerKeyExchange(_) => t == T::SERVER_KEY_EXCHANGE,
            Self::ExpectCertificateRequestOrDone(_) => {
                t == T::CERTIFICATE_REQUEST || t == T::SERVER_HELLO_DONE
            }
            Self::ExpectServerHelloDone(_) => t == T::SERVER_HELLO_DONE,
            Self::ExpectNewSessionTicket(_) => t == T::NEW_SESSION_TICKET,
            Self::ExpectFinished(_) => t == T::FINISHED,
            Self::ExpectChangeCipherSpec(_) | Self::Established => false,
            Self::Tls13(state) => state.accepts(t),
        }
    }

    /// Handles one handshake message (`raw` is its encoding, header
    /// included, for the transcript).
    pub(crate) fn handle(
        self,
        raw: &[u8],
        message: HandshakeMessage,
        out: &mut Vec<Emit>,
    ) -> Result<Self, HandshakeError> {
        use HandshakeMessage as M;
        // RFC 5246 §7.4.1.1: a HelloRequest received while negotiating is
        // ignored, and it is not part of the transcript.
        if matches!(message, M::HelloRequest(_)) && !matches!(self, Self::Established) {
            return Ok(self);
        }
        match (self, message) {
            (Self::ExpectServerHello(s), M::ServerHello(m)) => s.handle(raw, &m, out),
            (Self::ExpectServerHello(s), M::HelloRetryRequest(m)) => s.handle_retry(raw, &m, out),
            (Self::ExpectCertificate(s), M::Certificate(m)) => s.handle(raw, m),
            (Self::ExpectCertificateStatus(s), M::CertificateStatus(m)) => s.handle_status(raw, &m),
            (Self::ExpectCertificateStatus(s), M::ServerKeyExchange(m)) => {
                s.handle_key_exchange(raw, &m)
            }
            (Self::ExpectServerKeyExchange(s), M::ServerKeyExchange(m)) => s.handle(raw, &m),
            (Self::ExpectCertificateRequestOrDone(s), M::CertificateRequest(m)) => {
                s.handle_request(raw, m)
            }
            (Self::ExpectCertificateRequestOrDone(s), M::ServerHelloDone(_)) => {
                s.handle_done(raw, out)
            }
            (Self::ExpectServerHelloDone(s), M::ServerHelloDone(_)) => s.handle(raw, out),
            (Self::ExpectNewSessionTicket(s), M::NewSessionTicket(m)) => s.handle(raw, m),
            (Self::ExpectFinished(s), M::Finished(m)) => s.handle(raw, &m, out),
            (state, message) => Err(HandshakeError::UnexpectedMessage {
                expected: state.name(),
                got: MessageKind::Handshake(message.handshake_type()),
            }),
        }
    }

    /// Handles a ChangeCipherSpec: legal only right before the server's
    /// Finished (an early one is the CVE-2014-0224 attack).
    pub(crate) fn handle_change_cipher_spec(
        self,
        out: &mut Vec<Emit>,
    ) -> Result<Self, HandshakeError> {
        match self {
            Self::ExpectChangeCipherSpec(s) => Ok(s.handle(out)),
            state => Err(HandshakeError::UnexpectedMessage {
                expected: state.name(),
                got: MessageKind::ChangeCipherSpec,
            }),
        }
    }
}
