//! The TLS 1.3 server state machine: from a ClientHello that offers TLS
//! 1.3 (handed over by the TLS 1.2 machine's first state, which reads every
//! ClientHello) to the established connection.

mod client_flight;
pub(crate) mod hello;
mod psk;

use keel_wire::HandshakeMessage;
use keel_wire::registry::HandshakeType;

use client_flight::{ExpectCertificate, ExpectCertificateVerify, ExpectFinished};
use hello::ExpectClientHello2;

use crate::error::{HandshakeError, MessageKind};
use crate::machine::Emit;
use crate::machine13::Traffic13;

/// Where a TLS 1.3 server handshake is. Each state holds only what is
/// valid in it, and a transition consumes the state and returns the next.
///
/// ```text
/// Client                                               Server
///
/// ClientHello
/// + key_share                  -------->
///                              <--------      HelloRetryRequest
///                                                   + key_share
/// ClientHello
/// + key_share                  -------->
///                                                   ServerHello
///                                                   + key_share
///                                         {EncryptedExtensions}
///                                         {CertificateRequest*}
///                                                {Certificate}
///                                          {CertificateVerify}
///                              <--------             {Finished}
/// {Certificate*}
/// {CertificateVerify*}
/// {Finished}                   -------->
/// [Application Data]           <------->     [Application Data]
/// ```
/// (RFC 8446 §2 and §4.1.4: the HelloRetryRequest round only when the
/// client sent no share for the group the server chose; the client's
/// CertificateVerify only after a non-empty Certificate.)
#[derive(Debug)]
pub(crate) enum ServerState13 {
    ExpectClientHello2(Box<ExpectClientHello2>),
    ExpectCertificate(Box<ExpectCertificate>),
    ExpectCertificateVerify(Box<ExpectCertificateVerify>),
    ExpectFinished(Box<ExpectFinished>),
    /// The handshake is over: only KeyUpdate may come (RFC 8446 §4.6).
    Established(Box<Traffic13>),
}

impl ServerState13 {
    /// The state's name, for errors and tests.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::ExpectClientHello2(_) => "ClientHello after HelloRetryRequest",
            Self::ExpectCertificate(_) => "Certificate",
            Self::ExpectCertificateVerify(_) => "CertificateVerify",
            Self::ExpectFinished(_) => "Finished",
            Self::Established(_) => "application data",
        }
    }

    /// Whether a handshake message of type `t` may come now, judged from
    /// its header before its body is decoded. EndOfEarlyData never: keel
    /// accepts no early data (RFC 8446 §4.5).
    pub(crate) fn accepts(&self, t: HandshakeType) -> bool {
        use HandshakeType as T;
        match self {
            Self::ExpectClientHello2(_) => t == T::CLIENT_HELLO,
            Self::ExpectCertificate(_) => t == T::CERTIFICATE,
            Self::ExpectCertificateVerify(_) => t == T::CERTIFICATE_VERIFY,
            Self::ExpectFinished(_) => t == T::FINISHED,
            Self::Established(_) => t == T::KEY_UPDATE,
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
            (Self::ExpectClientHello2(s), M::ClientHello(m)) => s.handle(raw, &m, out),
            (Self::ExpectCertificate(s), M::Certificate13(m)) => s.handle(raw, m),
            (Self::ExpectCertificateVerify(s), M::CertificateVerify(m)) => s.handle(raw, &m),
            (Self::ExpectFinished(s), M::Finished13(m)) => s.handle(raw, &m, out),
            (Self::Established(s), M::KeyUpdate(m)) => Ok(Self::Established(Box::new(
                s.on_key_update(&m, may_send, out)?,
            ))),
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
            Self::Established(s) => Ok(Self::Established(Box::new(s.update_ours(request, out)?))),
            state => Ok(state),
        }
    }
}
