//! Handshake messages (RFC 5246 §7.4, RFC 8446 §4), one module per group, and
//! [`HandshakeMessage`], which frames any of them with its 4-byte header.

mod certificate;
mod finished;
mod hello;
mod key_exchange;
mod tls13;

pub use certificate::{
    Certificate, CertificateDer, CertificateRequest, CertificateStatus, CertificateVerify,
    DistinguishedName,
};
pub use finished::{Finished, NewSessionTicket};
pub use hello::{ClientHello, HelloRequest, Random, ServerHello, ServerHelloDone, SessionId};
pub use key_exchange::{ClientKeyExchange, DigitallySigned, ServerEcdhParams, ServerKeyExchange};
pub use tls13::{
    Certificate13, CertificateEntry, CertificateRequest13, EncryptedExtensions, EndOfEarlyData,
    Finished13, HelloRetryRequest, KeyUpdate, NewSessionTicket13,
};

use crate::codec::{Codec, decode_exact, encode_append};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::framing::HandshakeHeader;
use crate::registry::{HandshakeType, ProtocolVersion};

/// A complete handshake message: header and typed body.
///
/// TLS 1.2 and TLS 1.3 give some types different bodies (Certificate,
/// CertificateRequest, NewSessionTicket, Finished), so decoding needs the
/// version: [`Codec::decode`] and [`HandshakeMessage::decode_body`] read
/// TLS 1.2's messages, [`HandshakeMessage::decode_in`] and
/// [`HandshakeMessage::decode_body_in`] either version's. The hellos are the
/// same in both; a ServerHello carrying the HelloRetryRequest random is a
/// [`HandshakeMessage::HelloRetryRequest`] in both, because a client learns
/// the version from it.
///
/// A type that does not exist in the version being read (a
/// ServerKeyExchange in TLS 1.3, a KeyUpdate in TLS 1.2), DTLS messages and
/// future types decode as [`HandshakeMessage::Unknown`] with their body, so
/// the state machine can name them in its `unexpected_message` error and
/// the bytes still round-trip.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HandshakeMessage {
    /// hello_request (0).
    HelloRequest(HelloRequest),
    /// client_hello (1).
    ClientHello(ClientHello),
    /// server_hello (2).
    ServerHello(ServerHello),
    /// new_session_ticket (4).
    NewSessionTicket(NewSessionTicket),
    /// certificate (11).
    Certificate(Certificate),
    /// server_key_exchange (12), ECDHE form.
    ServerKeyExchange(ServerKeyExchange),
    /// certificate_request (13).
    CertificateRequest(CertificateRequest),
    /// server_hello_done (14).
    ServerHelloDone(ServerHelloDone),
    /// certificate_verify (15).
    CertificateVerify(CertificateVerify),
    /// client_key_exchange (16), ECDHE form.
    ClientKeyExchange(ClientKeyExchange),
    /// finished (20).
    Finished(Finished),
    /// certificate_status (22).
    CertificateStatus(CertificateStatus),
    /// hello_retry_request: a server_hello (2) with the special random (TLS
    /// 1.3).
    HelloRetryRequest(HelloRetryRequest),
    /// encrypted_extensions (8, TLS 1.3).
    EncryptedExtensions(EncryptedExtensions),
    /// certificate (11), TLS 1.3 form.
    Certificate13(Certificate13),
    /// certificate_request (13), TLS 1.3 form.
    CertificateRequest13(CertificateRequest13),
    /// new_session_ticket (4), TLS 1.3 form.
    NewSessionTicket13(NewSessionTicket13),
    /// finished (20), TLS 1.3 form.
    Finished13(Finished13),
    /// key_update (24, TLS 1.3).
    KeyUpdate(KeyUpdate),
    /// end_of_early_data (5, TLS 1.3).
    EndOfEarlyData(EndOfEarlyData),
    /// Any other type, with its raw body.
    Unknown {
        /// The message type.
        handshake_type: HandshakeType,
        /// The body bytes.
        body: Vec<u8>,
    },
}

impl HandshakeMessage {
    /// The message's type.
    #[must_use]
    pub fn handshake_type(&self) -> HandshakeType {
        match self {
            Self::HelloRequest(_) => HandshakeType::HELLO_REQUEST,
            Self::ClientHello(_) => HandshakeType::CLIENT_HELLO,
            Self::ServerHello(_) => HandshakeType::SERVER_HELLO,
            Self::NewSessionTicket(_) => HandshakeType::NEW_SESSION_TICKET,
            Self::Certificate(_) => HandshakeType::CERTIFICATE,
            Self::ServerKeyExchange(_) => HandshakeType::SERVER_KEY_EXCHANGE,
            Self::CertificateRequest(_) => HandshakeType::CERTIFICATE_REQUEST,
            Self::ServerHelloDone(_) => HandshakeType::SERVER_HELLO_DONE,
            Self::CertificateVerify(_) => HandshakeType::CERTIFICATE_VERIFY,
            Self::ClientKeyExchange(_) => HandshakeType::CLIENT_KEY_EXCHANGE,
            Self::Finished(_) => HandshakeType::FINISHED,
            Self::CertificateStatus(_) => HandshakeType::CERTIFICATE_STATUS,
            Self::HelloRetryRequest(_) => HandshakeType::SERVER_HELLO,
            Self::EncryptedExtensions(_) => HandshakeType::ENCRYPTED_EXTENSIONS,
            Self::Certificate13(_) => HandshakeType::CERTIFICATE,
            Self::CertificateRequest13(_) => HandshakeType::CERTIFICATE_REQUEST,
            Self::NewSessionTicket13(_) => HandshakeType::NEW_SESSION_TICKET,
            Self::Finished13(_) => HandshakeType::FINISHED,
            Self::KeyUpdate(_) => HandshakeType::KEY_UPDATE,
            Self::EndOfEarlyData(_) => HandshakeType::END_OF_EARLY_DATA,
            Self::Unknown { handshake_type, .. } => *handshake_type,
        }
    }

    /// Decodes a TLS 1.2 body of the given type, e.g. one reassembled by
    /// the record layer. Offsets in errors count from the start of `body`.
    pub fn decode_body(handshake_type: HandshakeType, body: &[u8]) -> Result<Self, DecodeError> {
        decode_body_at(Set::Tls12, handshake_type, body, 0)
    }

    /// Decodes a body of the given type as `version` defines it: TLS 1.3's
    /// messages for [`ProtocolVersion::TLS_V1_3`], TLS 1.2's for any other.
    pub fn decode_body_in(
        version: ProtocolVersion,
        handshake_type: HandshakeType,
        body: &[u8],
    ) -> Result<Self, DecodeError> {
        decode_body_at(Set::of(version), handshake_type, body, 0)
    }

    /// Decodes one whole message, header included, as `version` defines
    /// it (see [`HandshakeMessage::decode_body_in`]).
    pub fn decode_in(version: ProtocolVersion, bytes: &[u8]) -> Result<Self, DecodeError> {
        decode_framed(Set::of(version), bytes)
    }
}

/// Which version's messages a decoder reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Set {
    Tls12,
    Tls13,
}

impl Set {
    fn of(version: ProtocolVersion) -> Self {
        if version == ProtocolVersion::TLS_V1_3 {
            Self::Tls13
        } else {
            Self::Tls12
        }
    }
}

/// Decodes the body that starts at `bytes[start..]` and runs to the end.
fn decode_body_at(
    set: Set,
    handshake_type: HandshakeType,
    bytes: &[u8],
    start: usize,
) -> Result<HandshakeMessage, DecodeError> {
    use HandshakeMessage as M;
    if set == Set::Tls13 {
        return decode_tls13_body(handshake_type, bytes, start);
    }
    Ok(match handshake_type {
        HandshakeType::HELLO_REQUEST => {
            M::HelloRequest(decode_exact(bytes, start, "HelloRequest")?)
        }
        HandshakeType::CLIENT_HELLO => M::ClientHello(decode_exact(bytes, start, "ClientHello")?),
        HandshakeType::SERVER_HELLO => decode_server_hello(bytes, start)?,
        HandshakeType::NEW_SESSION_TICKET => {
            M::NewSessionTicket(decode_exact(bytes, start, "NewSessionTicket")?)
        }
        HandshakeType::CERTIFICATE => M::Certificate(decode_exact(bytes, start, "Certificate")?),
        HandshakeType::SERVER_KEY_EXCHANGE => {
            M::ServerKeyExchange(decode_exact(bytes, start, "ServerKeyExchange")?)
        }
        HandshakeType::CERTIFICATE_REQUEST => {
            M::CertificateRequest(decode_exact(bytes, start, "CertificateRequest")?)
        }
        HandshakeType::SERVER_HELLO_DONE => {
            M::ServerHelloDone(decode_exact(bytes, start, "ServerHelloDone")?)
        }
        HandshakeType::CERTIFICATE_VERIFY => {
            M::CertificateVerify(decode_exact(bytes, start, "CertificateVerify")?)
        }
        HandshakeType::CLIENT_KEY_EXCHANGE => {
            M::ClientKeyExchange(decode_exact(bytes, start, "ClientKeyExchange")?)
        }
        HandshakeType::FINISHED => M::Finished(decode_exact(bytes, start, "Finished")?),
        HandshakeType::CERTIFICATE_STATUS => {
            M::CertificateStatus(decode_exact(bytes, start, "CertificateStatus")?)
        }
        _ => M::Unknown {
            handshake_type,
            body: bytes.get(start..).unwrap_or_default().to_vec(),
        },
    })
}

/// TLS 1.3's message set (RFC 8446 §4): the types TLS 1.2 alone has
/// (hello_request, server_key_exchange, server_hello_done,
/// client_key_exchange, certificate_status) are not messages here.
fn decode_tls13_body(
    handshake_type: HandshakeType,
    bytes: &[u8],
    start: usize,
) -> Result<HandshakeMessage, DecodeError> {
    use HandshakeMessage as M;
    Ok(match handshake_type {
        HandshakeType::CLIENT_HELLO => M::ClientHello(decode_exact(bytes, start, "ClientHello")?),
        HandshakeType::SERVER_HELLO => decode_server_hello(bytes, start)?,
        HandshakeType::NEW_SESSION_TICKET => {
            M::NewSessionTicket13(decode_exact(bytes, start, "NewSessionTicket")?)
        }
        HandshakeType::END_OF_EARLY_DATA => {
            M::EndOfEarlyData(decode_exact(bytes, start, "EndOfEarlyData")?)
        }
        HandshakeType::ENCRYPTED_EXTENSIONS => {
            M::EncryptedExtensions(decode_exact(bytes, start, "EncryptedExtensions")?)
        }
        HandshakeType::CERTIFICATE => M::Certificate13(decode_exact(bytes, start, "Certificate")?),
        HandshakeType::CERTIFICATE_REQUEST => {
            M::CertificateRequest13(decode_exact(bytes, start, "CertificateRequest")?)
        }
        HandshakeType::CERTIFICATE_VERIFY => {
            M::CertificateVerify(decode_exact(bytes, start, "CertificateVerify")?)
        }
        HandshakeType::FINISHED => M::Finished13(decode_exact(bytes, start, "Finished")?),
        HandshakeType::KEY_UPDATE => M::KeyUpdate(decode_exact(bytes, start, "KeyUpdate")?),
        _ => M::Unknown {
            handshake_type,
            body: bytes.get(start..).unwrap_or_default().to_vec(),
        },
    })
}

/// A ServerHello, or a HelloRetryRequest when its random is the special
/// one (RFC 8446 §4.1.3). The random follows the 2-byte version.
fn decode_server_hello(bytes: &[u8], start: usize) -> Result<HandshakeMessage, DecodeError> {
    let random = bytes.get(start + 2..start + 34);
    if random == Some(Random::HELLO_RETRY_REQUEST.0.as_slice()) {
        Ok(HandshakeMessage::HelloRetryRequest(decode_exact(
            bytes,
            start,
            "HelloRetryRequest",
        )?))
    } else {
        Ok(HandshakeMessage::ServerHello(decode_exact(
            bytes,
            start,
            "ServerHello",
        )?))
    }
}

/// Decodes one whole message, header included. Offsets in errors count
/// from the start of the header.
fn decode_framed(set: Set, bytes: &[u8]) -> Result<HandshakeMessage, DecodeError> {
    let Some(header) = HandshakeHeader::peek(bytes) else {
        return Err(DecodeError {
            kind: DecodeErrorKind::Truncated,
            field: "Handshake.header",
            offset: bytes.len(),
        });
    };
    // RFC 5246 §7.4.1.2: the message must fill exactly its declared
    // length (and each body its fields): anything else is decode_error.
    let available = bytes.len().saturating_sub(HandshakeHeader::LEN);
    let declared = header.body_len();
    if declared > available {
        return Err(DecodeError {
            kind: DecodeErrorKind::LengthMismatch { declared },
            field: "Handshake.length",
            offset: 1,
        });
    }
    if declared < available {
        return Err(DecodeError {
            kind: DecodeErrorKind::TrailingBytes {
                count: available - declared,
            },
            field: "Handshake",
            offset: HandshakeHeader::LEN + declared,
        });
    }
    decode_body_at(set, header.handshake_type, bytes, HandshakeHeader::LEN)
}

impl Codec for HandshakeMessage {
    const NAME: &'static str = "Handshake";

    /// Decodes one whole TLS 1.2 message, header included. Offsets in
    /// errors count from the start of the header.
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        decode_framed(Set::Tls12, bytes)
    }

    fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        out.extend_from_slice(&[0; HandshakeHeader::LEN]);
        let body = match self {
            Self::HelloRequest(m) => encode_append(m, out, "HelloRequest"),
            Self::ClientHello(m) => encode_append(m, out, "ClientHello"),
            Self::ServerHello(m) => encode_append(m, out, "ServerHello"),
            Self::NewSessionTicket(m) => encode_append(m, out, "NewSessionTicket"),
            Self::Certificate(m) => encode_append(m, out, "Certificate"),
            Self::ServerKeyExchange(m) => encode_append(m, out, "ServerKeyExchange"),
            Self::CertificateRequest(m) => encode_append(m, out, "CertificateRequest"),
            Self::ServerHelloDone(m) => encode_append(m, out, "ServerHelloDone"),
            Self::CertificateVerify(m) => encode_append(m, out, "CertificateVerify"),
            Self::ClientKeyExchange(m) => encode_append(m, out, "ClientKeyExchange"),
            Self::Finished(m) => encode_append(m, out, "Finished"),
            Self::CertificateStatus(m) => encode_append(m, out, "CertificateStatus"),
            Self::HelloRetryRequest(m) => encode_append(m, out, "HelloRetryRequest"),
            Self::EncryptedExtensions(m) => encode_append(m, out, "EncryptedExtensions"),
            Self::Certificate13(m) => encode_append(m, out, "Certificate"),
            Self::CertificateRequest13(m) => encode_append(m, out, "CertificateRequest"),
            Self::NewSessionTicket13(m) => encode_append(m, out, "NewSessionTicket"),
            Self::Finished13(m) => encode_append(m, out, "Finished"),
            Self::KeyUpdate(m) => encode_append(m, out, "KeyUpdate"),
            Self::EndOfEarlyData(m) => encode_append(m, out, "EndOfEarlyData"),
            Self::Unknown { body, .. } => {
                out.extend_from_slice(body);
                Ok(())
            }
        };
        let body_len = out.len().saturating_sub(start + HandshakeHeader::LEN);
        let header = body.and_then(|()| {
            HandshakeHeader::new(self.handshake_type(), body_len).ok_or(EncodeError {
                field: "Handshake.length",
                len: body_len,
                min: 0,
                max: HandshakeHeader::MAX_BODY,
            })
        });
        match header {
            Ok(header) => {
                if let Some(slot) = out.get_mut(start..start + HandshakeHeader::LEN) {
                    slot.copy_from_slice(&header.to_bytes());
                }
                Ok(())
            }
            Err(err) => {
                out.truncate(start);
                Err(err)
            }
        }
    }

    /// Encodes into a buffer sized for the message up front: grown from
    /// empty, the cursor reallocated it five to eight times per message
    /// (each a copy), which showed in handshake profiles.
    fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(self.encoded_len_hint());
        self.encode_into(&mut out)?;
        Ok(out)
    }
}

impl HandshakeMessage {
    /// A capacity that holds the encoded message in the usual case: exact
    /// for a Certificate's bytes, generous for the small messages. Only a
    /// hint; encoding grows the buffer if it is short.
    fn encoded_len_hint(&self) -> usize {
        /// Larger than any hello, key exchange or Finished keel sends.
        const SMALL_MESSAGE: usize = 512;
        match self {
            Self::Certificate(m) => m
                .certificate_list
                .as_slice()
                .iter()
                .map(|cert| cert.as_slice().len() + 3)
                .sum::<usize>()
                .saturating_add(HandshakeHeader::LEN + 3),
            Self::Certificate13(m) => m
                .certificate_list
                .as_slice()
                .iter()
                .map(|entry| entry.cert_data.len() + 5)
                .sum::<usize>()
                .saturating_add(HandshakeHeader::LEN + 4 + m.certificate_request_context.len()),
            Self::Unknown { body, .. } => body.len().saturating_add(HandshakeHeader::LEN),
            _ => SMALL_MESSAGE,
        }
    }
}

#[cfg(test)]
mod tests;
