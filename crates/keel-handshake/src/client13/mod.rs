//! The TLS 1.3 client state machine: from the ServerHello (or
//! HelloRetryRequest) that selected TLS 1.3 to the established connection.
//! The ClientHello, which offers both versions, is the TLS 1.2 machine's
//! first state; the first answer decides which machine goes on.

pub(crate) mod hello;
pub(crate) mod psk;
mod server_flight;

use keel_wire::HandshakeMessage;
use keel_wire::registry::HandshakeType;

use hello::ExpectServerHelloAfterRetry;
use server_flight::{
    ExpectCertificate, ExpectCertificateVerify, ExpectEncryptedExtensions, ExpectFinished,
};

use crate::error::{HandshakeError, MessageKind};
use crate::machine::Emit;
use crate::machine13::Traffic13;

/// Where a TLS 1.3 client handshake is. Each state holds only what is
/// valid in it, and a transition consumes the state and returns the next.
///
/// ```text
/// Client                                               Server
///
/// ClientHello
/// + key_share                  -------->
///                              <--------      HelloRetryRequest
/// [ChangeCipherSpec]                                + key_share
/// ClientHello
/// + key_share                  -------->
///                                                   ServerHello
///                                                   + key_share
///                                            [ChangeCipherSpec]
///                                         {EncryptedExtensions}
///                                         {CertificateRequest*}
///                                                {Certificate}
///                                          {CertificateVerify}
///                              <--------             {Finished}
/// [ChangeCipherSpec]
/// {Certificate*}
/// {CertificateVerify*}
/// {Finished}                   -------->
/// [Application Data]           <------->     [Application Data]
/// ```
/// (RFC 8446 §2 and §4.1.4: the HelloRetryRequest round only when the
/// server asks for another key share; {} are protected under the
/// handshake keys, [] under the application keys; the middlebox
/// ChangeCipherSpecs of Appendix D.4 are sent once and dropped on
/// receipt.)
#[derive(Debug)]
pub(crate) enum ClientState13 {
    ExpectServerHelloAfterRetry(Box<ExpectServerHelloAfterRetry>),
    ExpectEncryptedExtensions(Box<ExpectEncryptedExtensions>),
    ExpectCertificateOrRequest(Box<ExpectCertificate>),
    ExpectCertificate(Box<ExpectCertificate>),
    ExpectCertificateVerify(Box<ExpectCertificateVerify>),
    ExpectFinished(Box<ExpectFinished>),
    /// The handshake is over: KeyUpdate and NewSessionTicket may come;
    /// tickets are kept when the configuration has a session store.
    Established(Box<Traffic13>, Option<Box<psk::TicketReceiver>>),
}

impl ClientState13 {
    /// The state's name, for errors and tests.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::ExpectServerHelloAfterRetry(_) => "ServerHello after HelloRetryRequest",
            Self::ExpectEncryptedExtensions(_) => "EncryptedExtensions",
            Self::ExpectCertificateOrRequest(_) => "CertificateRequest or Certificate",
            Self::ExpectCertificate(_) => "Certificate",
            Self::ExpectCertificateVerify(_) => "CertificateVerify",
            Self::ExpectFinished(_) => "Finished",
            Self::Established(..) => "application data",
        }
    }

    /// Whether a handshake message of type `t` may come now, judged from
    /// its header before its body is decoded (RFC 8446 §4: a message out
    /// of order is unexpected_message). Once established, only
    /// NewSessionTicket and KeyUpdate (RFC 8446 §4.6); a post-handshake
    /// CertificateRequest is refused, since keel never offers
    /// post_handshake_auth (RFC 8446 §4.6.2).
    pub(crate) fn accepts(&self, t: HandshakeType) -> bool {
        use HandshakeType as T;
        match self {
            Self::ExpectServerHelloAfterRetry(_) => t == T::SERVER_HELLO,
            Self::ExpectEncryptedExtensions(_) => t == T::ENCRYPTED_EXTENSIONS,
            Self::ExpectCertificateOrRequest(_) => {
                t == T::CERTIFICATE_REQUEST || t == T::CERTIFICATE
            }
            Self::ExpectCertificate(_) => t == T::CERTIFICATE,
            Self::ExpectCertificateVerify(_) => t == T::CERTIFICATE_VERIFY,
            Self::ExpectFinished(_) => t == T::FINISHED,
            Self::Established(..) => t == T::NEW_SESSION_TICKET || t == T::KEY_UPDATE,
        }
    }

    /// Handles one handshake message (`raw` includes the header).
    /// `may_send` is false once this side sent close_notify.
    pub(crate) fn handle(
        self,
        raw: &[u8],
        message: HandshakeMessage,
        may_send: bool,
        out: &mut Vec<Emit>,
    ) -> Result<Self, HandshakeError> {
        use HandshakeMessage as M;
        match (self, message) {
            (Self::ExpectServerHelloAfterRetry(s), M::ServerHello(m)) => s.handle(raw, &m, out),
            (Self::ExpectEncryptedExtensions(s), M::EncryptedExtensions(m)) => {
                s.handle(raw, &m, out)
            }
            (Self::ExpectCertificateOrRequest(s), M::CertificateRequest13(m)) => {
                s.handle_request(raw, &m)
            }
            (
                Self::ExpectCertificateOrRequest(s) | Self::ExpectCertificate(s),
                M::Certificate13(m),
            ) => s.handle(raw, m),
            (Self::ExpectCertificateVerify(s), M::CertificateVerify(m)) => s.handle(raw, &m),
            (Self::ExpectFinished(s), M::Finished13(m)) => s.handle(raw, &m, out),
            // RFC 8446 §4.6.1: a ticket for the next connection, kept if
            // there is a store to keep it in.
            (Self::Established(s, tickets), M::NewSessionTicket13(m)) => {
                if let Some(receiver) = &tickets {
                    receiver.receive(&m)?;
                }
                Ok(Self::Established(s, tickets))
            }
            (Self::Established(s, tickets), M::KeyUpdate(m)) => Ok(Self::Established(
                Box::new(s.on_key_update(&m, may_send, out)?),
                tickets,
            )),
            // A second HelloRetryRequest (RFC 8446 §4.1.4) and anything
            // else out of place.
            (state, message) => Err(HandshakeError::UnexpectedMessage {
                expected: state.name(),
                got: MessageKind::Handshake(message.handshake_type()),
            }),
        }
    }

    /// Sends a KeyUpdate and changes this side's keys, when established.
    pub(crate) fn update_keys(
        self,
        request: keel_wire::registry::KeyUpdateRequest,
        out: &mut Vec<Emit>,
    ) -> Result<Self, HandshakeError> {
        match self {
            Self::Established(s, tickets) => Ok(Self::Established(
                Box::new(s.update_ours(request, out)?),
                tickets,
            )),
            state => Ok(state),
        }
    }
}
