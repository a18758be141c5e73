//! The TLS 1.3 handshake messages (RFC 8446 §4) that differ from TLS 1.2's:
//! HelloRetryRequest, EncryptedExtensions, the 1.3 forms of Certificate,
//! CertificateRequest, NewSessionTicket and Finished, KeyUpdate and
//! EndOfEarlyData. ClientHello, ServerHello and CertificateVerify keep
//! their TLS 1.2 layout.

use binrw::io::{Read, Seek, Write};
use binrw::{BinRead, BinResult, BinWrite, Endian, binrw};

use crate::error::{DecodeErrorKind, decode_err};
use crate::extensions::{
    CertificateExtension, CertificateRequestExtension, EncryptedExtension, ExtensionList,
    HelloRetryExtension, NewSessionTicketExtension,
};
use crate::handshake::hello::{Random, SessionId};
use crate::registry::{CipherSuite, CompressionMethod, KeyUpdateRequest, ProtocolVersion};
use crate::vec::{Field, List, Opaque};

/// HelloRetryRequest (RFC 8446 §4.1.4): a ServerHello whose random is the
/// fixed [`Random::HELLO_RETRY_REQUEST`], asking the client for a second
/// ClientHello. The codec writes that random and reads nothing else as one.
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HelloRetryRequest {
    /// `legacy_version`: 0x0303; the real one is in supported_versions.
    pub legacy_version: ProtocolVersion,
    #[br(temp, parse_with = read_retry_random)]
    #[bw(calc = Random::HELLO_RETRY_REQUEST)]
    random: Random,
    /// `legacy_session_id_echo`: the client's session ID, echoed.
    #[brw(args_raw = Field("HelloRetryRequest.legacy_session_id_echo"))]
    pub legacy_session_id_echo: SessionId,
    /// The suite the server chose.
    pub cipher_suite: CipherSuite,
    /// `legacy_compression_method`: 0.
    pub legacy_compression_method: CompressionMethod,
    /// key_share, cookie and supported_versions.
    pub extensions: ExtensionList<HelloRetryExtension>,
}

fn read_retry_random<R: Read + Seek>(reader: &mut R, _: Endian, (): ()) -> BinResult<Random> {
    let pos = reader.stream_position()?;
    let random = Random::read_options(reader, Endian::Big, ())?;
    if random == Random::HELLO_RETRY_REQUEST {
        Ok(random)
    } else {
        Err(decode_err(
            DecodeErrorKind::InvalidValue {
                value: u32::from(random.0.first().copied().unwrap_or_default()),
            },
            "HelloRetryRequest.random",
            pos,
        ))
    }
}

/// EncryptedExtensions (RFC 8446 §4.3.1): `Extension
/// extensions<0..2^16-1>`, the first message under the handshake keys.
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct EncryptedExtensions {
    /// The server's answers to the client's extensions.
    pub extensions: ExtensionList<EncryptedExtension>,
}

/// One certificate of a TLS 1.3 Certificate (RFC 8446 §4.4.2), with its own
/// extensions (a stapled OCSP response, SCTs).
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertificateEntry {
    /// `opaque cert_data<1..2^24-1>`: one DER X.509 certificate (keel
    /// negotiates no other certificate type).
    #[brw(args_raw = Field("CertificateEntry.cert_data"))]
    pub cert_data: Opaque<3, 1, 0xff_ffff>,
    /// `Extension extensions<0..2^16-1>`.
    pub extensions: ExtensionList<CertificateExtension>,
}

impl crate::vec::ListItem for CertificateEntry {
    const FIXED_SIZE: Option<usize> = None;
}

/// Certificate, TLS 1.3 form (RFC 8446 §4.4.2).
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Certificate13 {
    /// `opaque certificate_request_context<0..2^8-1>`: empty in a server's
    /// Certificate, the CertificateRequest's context in a client's.
    #[brw(args_raw = Field("Certificate.certificate_request_context"))]
    pub certificate_request_context: Opaque<1, 0, 0xff>,
    /// `CertificateEntry certificate_list<0..2^24-1>`, leaf first.
    #[brw(args_raw = Field("Certificate.certificate_list"))]
    pub certificate_list: List<CertificateEntry, 3, 0, 0xff_ffff>,
}

/// CertificateRequest, TLS 1.3 form (RFC 8446 §4.3.2).
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CertificateRequest13 {
    /// `opaque certificate_request_context<0..2^8-1>`, echoed in the
    /// client's Certificate.
    #[brw(args_raw = Field("CertificateRequest.certificate_request_context"))]
    pub certificate_request_context: Opaque<1, 0, 0xff>,
    /// `Extension extensions<2..2^16-1>`.
    pub extensions: ExtensionList<CertificateRequestExtension>,
}

/// NewSessionTicket, TLS 1.3 form (RFC 8446 §4.6.1).
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NewSessionTicket13 {
    /// Seconds the ticket may be used for, at most 604800 (seven days;
    /// the handshake checks).
    pub ticket_lifetime: u32,
    /// Added to the ticket's age in the client's pre_shared_key, so that
    /// the age is not visible on the wire.
    pub ticket_age_add: u32,
    /// `opaque ticket_nonce<0..255>`: makes each ticket's PSK unique.
    #[brw(args_raw = Field("NewSessionTicket.ticket_nonce"))]
    pub ticket_nonce: Opaque<1, 0, 0xff>,
    /// `opaque ticket<1..2^16-1>`: the identity to offer.
    #[brw(args_raw = Field("NewSessionTicket.ticket"))]
    pub ticket: Opaque<2, 1, 0xffff>,
    /// `Extension extensions<0..2^16-2>`.
    pub extensions: ExtensionList<NewSessionTicketExtension>,
}

/// Finished, TLS 1.3 form (RFC 8446 §4.4.4): an HMAC as long as the
/// suite's hash. The codec keeps every byte; that the length is the hash's
/// is the handshake's check, since only it knows the suite.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Finished13 {
    /// `opaque verify_data[Hash.length]`.
    pub verify_data: Vec<u8>,
}

impl core::fmt::Debug for Finished13 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Finished")
            .field("verify_data", &crate::vec::Hex(&self.verify_data))
            .finish()
    }
}

impl BinRead for Finished13 {
    type Args<'a> = ();

    fn read_options<R: Read + Seek>(reader: &mut R, _: Endian, (): ()) -> BinResult<Self> {
        // The message body is windowed exactly, so "the rest" is bounded
        // by the handshake header's 24-bit length.
        let mut verify_data = Vec::new();
        reader.read_to_end(&mut verify_data)?;
        Ok(Self { verify_data })
    }
}

impl BinWrite for Finished13 {
    type Args<'a> = ();

    fn write_options<W: Write + Seek>(&self, writer: &mut W, _: Endian, (): ()) -> BinResult<()> {
        writer.write_all(&self.verify_data)?;
        Ok(())
    }
}

/// KeyUpdate (RFC 8446 §4.6.3): the sender has switched to its next
/// traffic key, and may ask for the receiver's to follow.
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyUpdate {
    /// Whether the receiver must answer with its own KeyUpdate. Values
    /// other than 0 and 1 are refused.
    #[br(parse_with = read_key_update_request)]
    pub request_update: KeyUpdateRequest,
}

fn read_key_update_request<R: Read + Seek>(
    reader: &mut R,
    _: Endian,
    (): (),
) -> BinResult<KeyUpdateRequest> {
    let pos = reader.stream_position()?;
    let value = KeyUpdateRequest::read_options(reader, Endian::Big, ())?;
    if value.is_known() {
        Ok(value)
    } else {
        // RFC 8446 §4.6.3 defines only these two values; anything else
        // is not a KeyUpdate at all.
        Err(decode_err(
            DecodeErrorKind::InvalidValue {
                value: u32::from(value.get()),
            },
            "KeyUpdate.request_update",
            pos,
        ))
    }
}

/// EndOfEarlyData (RFC 8446 §4.5): an empty body. keel never accepts early
/// data, so it never expects this message; it is decoded so that the
/// handshake can name it when refusing it.
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct EndOfEarlyData;

impl_codec! {
    HelloRetryRequest => "HelloRetryRequest",
    EncryptedExtensions => "EncryptedExtensions",
    Certificate13 => "Certificate",
    CertificateRequest13 => "CertificateRequest",
    NewSessionTicket13 => "NewSessionTicket",
    Finished13 => "Finished",
    KeyUpdate => "KeyUpdate",
    EndOfEarlyData => "EndOfEarlyData",
}
