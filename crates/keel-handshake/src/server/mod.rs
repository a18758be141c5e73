//! The server state machine.

mod client_flight;
mod hello;

use std::sync::Arc;

use keel_wire::HandshakeMessage;
use keel_wire::registry::HandshakeType;

use client_flight::{
    ExpectCertificate, ExpectCertificateVerify, ExpectChangeCipherSpec, ExpectClientKeyExchange,
    ExpectFinished,
};
pub(crate) use hello::ExpectClientHello;
pub(crate) use hello::{authorities, choose_alpn, host_name};

use crate::config::ServerHandshakeConfig;
use crate::error::{HandshakeError, MessageKind};
use crate::machine::Emit;

/// Where a server handshake is. Each state holds only what is valid in it,
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
/// (RFC 5246 §7.3, with the ECDHE messages of RFC 8422 and the
/// CertificateStatus of RFC 6066 §8, sent when the client asked for it and
/// the chosen key carries an OCSP response.
/// NewSessionTicket (RFC 5077 §3.3) comes when the ServerHello carried
/// session_ticket; resuming, the server's [NewSessionTicket],
/// ChangeCipherSpec and Finished follow the ServerHello directly, then the
/// client's ChangeCipherSpec and Finished.)
#[derive(Debug)]
pub(crate) enum ServerState {
    ExpectClientHello(Box<ExpectClientHello>),
    ExpectCertificate(Box<ExpectCertificate>),
    ExpectClientKeyExchange(Box<ExpectClientKeyExchange>),
    ExpectCertificateVerify(Box<ExpectCertificateVerify>),
    ExpectChangeCipherSpec(Box<ExpectChangeCipherSpec>),
    ExpectFinished(Box<ExpectFinished>),
    Established,
    /// The client offered TLS 1.3 and the server speaks it: the TLS 1.3
    /// machine goes on from here (the connection takes it out at once).
    Tls13(Box<crate::server13::ServerState13>),
}

impl ServerState {
    pub(crate) fn new(config: Arc<ServerHandshakeConfig>) -> Self {
        Self::ExpectClientHello(Box::new(ExpectClientHello::new(config)))
    }

    /// The state's name, for errors and tests.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::ExpectClientHello(_) => "ClientHello",
            Self::ExpectCertificate(_) => "Certificate",
            Self::ExpectClientKeyExchange(_) => "ClientKeyExchange",
            Self::ExpectCertificateVerify(_) => "CertificateVerify",
            Self::ExpectChangeCipherSpec(_) => "ChangeCipherSpec",
            Self::ExpectFinished(_) => "Finished",
            Self::Established => "application data",
            Self::Tls13(state) => state.name(),
        }
    }

    /// Whether a handshake message of type `t` may come now: asked of the
    /// header, before the body is decoded, so that a message out of place
    /// is unexpected_message whatever its body holds. Exactly the types
    /// [`handle`](Self::handle) takes in this state.
    pub(crate) fn accepts(&self, t: HandshakeType) -> bool {
        use HandshakeType as T;
        // RFC 5246 §7.4: only the next message in the RFC's order.
        // RFC 5246 §7.4.7: the ClientKeyExchange comes right after the
        // client's Certificate when one was requested, else first.
        // RFC 5246 §7.4.8: the CertificateVerify right after it, when the
        // client sent a certificate.
        match self {
            Self::ExpectClientHello(_) => t == T::CLIENT_HELLO,
            Self::ExpectCertificate(_) => t == T::CERTIFICATE,
            Self::ExpectClientKeyExchange(_) => t == T::CLIENT_KEY_EXCHANGE,
            Self::ExpectCertificateVerify(_) => t == T::CERTIFICATE_VERIFY,
            Self::ExpectFinished(_) => t == T::FINISHED,
            Self::ExpectChangeCipherSpec(_) | Self::Established => false,
            Self::Tls13(state) => state.accepts(t),
        }
    }

    /// Handles one handshake message (`raw` includes the header).
    pub(crate) fn handle(
        self,
        raw: &[u8],
        message: HandshakeMessage,
        out: &mut Vec<Emit>,
    ) -> Result<Self, HandshakeError> {
        use HandshakeMessage as M;
        match (self, message) {
            (Self::ExpectClientHello(s), M::ClientHello(m)) => (*s).handle(raw, &m, out),
            (Self::ExpectCertificate(s), M::Certificate(m)) => s.handle(raw, m),
            (Self::ExpectClientKeyExchange(s), M::ClientKeyExchange(m)) => s.handle(raw, &m, out),
            (Self::ExpectCertificateVerify(s), M::CertificateVerify(m)) => s.handle(raw, &m),
            (Self::ExpectFinished(s), M::Finished(m)) => s.handle(raw, &m, out),
            (state, message) => Err(HandshakeError::UnexpectedMessage {
                expected: state.name(),
                got: MessageKind::Handshake(message.handshake_type()),
            }),
        }
    }

    /// Handles a ChangeCipherSpec: legal only right before the client's
    /// Finished.
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
