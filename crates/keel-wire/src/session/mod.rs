//! keel's serialised session: not a TLS message, but keel's own structure
//! for the state a session is resumed from: a TLS 1.2 session (by ID or
//! ticket) or a TLS 1.3 resumption PSK. It is the plaintext
//! inside keel's session tickets (RFC 5077 §4 leaves a ticket's contents to
//! the server that issues it) and the form in which session stores are
//! exported and imported. A ticket comes back from the network, so its
//! contents get the same strict codec as every message here.
//!
//! ```text
//! "KEELSES" 0x06                             magic and format version
//! ProtocolVersion version                    0x0303 or 0x0304
//! opaque context[32]                         the resumption context
//! opaque session_id<0..32>
//! CipherSuite cipher_suite
//! NamedGroup group
//! SignatureScheme signature_scheme
//! opaque secret<32..48>                     TLS 1.2: the master secret
//!                                            (48); TLS 1.3: the ticket's
//!                                            PSK (Hash.length)
//! uint8 extended_master_secret               0 or 1
//! uint64 created                             seconds since the Unix epoch
//! uint8 present; opaque server_name<1..255>  when present is 1
//! uint8 present; opaque alpn<1..255>         when present is 1
//! uint8 count; count × opaque certificate<1..2^24-1>
//! opaque ticket<0..2^16-1>
//! uint64 ticket_expires
//! uint32 ticket_age_add                      TLS 1.3; 0 in TLS 1.2
//! uint8 present; SignatureScheme client_signature_scheme
//! uint8 present; opaque ocsp_response<1..2^24-1>
//! ```
//!
//! The codec checks the shape: the magic and version, every length against
//! the bounds above, presence flags and booleans that are 0 or 1, no
//! trailing bytes. Which suites, groups and sizes keel accepts, and that the
//! server name is UTF-8, are keel-handshake's checks. There are no nested
//! length windows, so input that ends inside a field is always reported as
//! that field's `Truncated` or `LengthMismatch`.

use binrw::io::{Read, Seek, Write};
use binrw::{BinRead, BinResult, BinWrite, Endian, binrw};
use zeroize::Zeroize;

use crate::codec::read_only;
use crate::error::{DecodeErrorKind, EncodeError, decode_err, encode_err};
use crate::registry::{CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};
use crate::vec::{Field, Opaque};

/// The first seven bytes of every serialised session.
pub const SESSION_MAGIC: [u8; 7] = *b"KEELSES";
/// The one format version this code reads and writes. Version 5 moved the
/// format onto this codec (1–3 byte length prefixes instead of 4-byte ones);
/// version 6 added the protocol version, TLS 1.3's PSK in place of the
/// fixed 48-byte master secret, and the ticket's age offset.
pub const SESSION_VERSION: u8 = 6;

opaque_item! {
    /// One certificate of the peer's chain, DER: `opaque certificate<1..2^24-1>`.
    SessionCertificate, 3, 1, 0xff_ffff, "Session.certificates"
}

/// The secret a session resumes from: a TLS 1.2 master secret (RFC 5246
/// §8.1, 48 bytes) or a TLS 1.3 ticket's PSK (RFC 8446 §4.6.1, the suite's
/// Hash.length: 32 or 48). Zeroized when dropped and never shown by
/// `Debug`.
#[binrw]
#[brw(big)]
#[derive(Clone, PartialEq, Eq)]
pub struct SessionSecret(#[brw(args_raw = Field("Session.secret"))] pub Opaque<1, 32, 48>);

impl Drop for SessionSecret {
    fn drop(&mut self) {
        self.0.0.zeroize();
    }
}

impl core::fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SessionSecret(..)")
    }
}

/// A serialised session (format [`SESSION_VERSION`]); see the module docs
/// for the layout.
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionState {
    #[br(temp, parse_with = read_magic)]
    #[bw(calc = SESSION_MAGIC)]
    magic: [u8; 7],
    #[br(temp, parse_with = read_version)]
    #[bw(calc = SESSION_VERSION)]
    version: u8,
    /// The protocol version of the session: TLS 1.2 or TLS 1.3 (which
    /// versions keel accepts is keel-handshake's check).
    pub protocol_version: ProtocolVersion,
    /// The resumption context of the configuration that admitted the peer.
    pub context: [u8; 32],
    /// The session ID; empty when only a ticket identifies the session.
    #[brw(args_raw = Field("Session.session_id"))]
    pub session_id: Opaque<1, 0, 32>,
    /// The negotiated cipher suite.
    pub cipher_suite: CipherSuite,
    /// The ECDHE group of the full handshake.
    pub group: NamedGroup,
    /// The scheme of the server's key-exchange signature.
    pub signature_scheme: SignatureScheme,
    /// The master secret (TLS 1.2) or the PSK (TLS 1.3).
    pub secret: SessionSecret,
    /// Whether the master secret is an extended one (RFC 7627).
    #[br(parse_with = read_flag, args_raw = Field("Session.extended_master_secret"))]
    #[bw(map = |ems: &bool| u8::from(*ems))]
    pub extended_master_secret: bool,
    /// When the session was made.
    pub created: u64,
    /// The SNI name the session was made under.
    #[br(parse_with = read_optional, args_raw = Field("Session.server_name"))]
    #[bw(write_with = write_optional, args_raw = Field("Session.server_name"))]
    pub server_name: Option<Opaque<1, 1, 0xff>>,
    /// The ALPN protocol negotiated.
    #[br(parse_with = read_optional, args_raw = Field("Session.alpn"))]
    #[bw(write_with = write_optional, args_raw = Field("Session.alpn"))]
    pub alpn: Option<Opaque<1, 1, 0xff>>,
    /// The peer's certificate chain, leaf first; at most 255 entries.
    #[br(parse_with = read_certificates)]
    #[bw(write_with = write_certificates)]
    pub certificates: Vec<SessionCertificate>,
    /// The ticket the server issued for the session (client side).
    #[brw(args_raw = Field("Session.ticket"))]
    pub ticket: Opaque<2, 0, 0xffff>,
    /// When the client stops offering the ticket; 0: no hint.
    pub ticket_expires: u64,
    /// TLS 1.3: the ticket's `ticket_age_add` (RFC 8446 §4.6.1); 0 in
    /// TLS 1.2.
    pub ticket_age_add: u32,
    /// The scheme of the client's CertificateVerify, when it authenticated.
    #[br(parse_with = read_optional_scheme)]
    #[bw(write_with = write_optional_scheme)]
    pub client_signature_scheme: Option<SignatureScheme>,
    /// The OCSP response stapled in the full handshake (RFC 6066 §8).
    #[br(parse_with = read_optional, args_raw = Field("Session.ocsp_response"))]
    #[bw(write_with = write_optional, args_raw = Field("Session.ocsp_response"))]
    pub ocsp_response: Option<Opaque<3, 1, 0xff_ffff>>,
}

impl SessionState {
    /// The exact length of the encoding, so that a caller can size its
    /// buffer once and leave no reallocated copy of the master secret
    /// behind.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        let optional =
            |width: usize, bytes: Option<&[u8]>| 1 + bytes.map_or(0, |b| width + b.len());
        SESSION_MAGIC.len()
            + 1
            + 2
            + 32
            + 1
            + self.session_id.len()
            + 2
            + 2
            + 2
            + 1
            + self.secret.0.len()
            + 1
            + 8
            + optional(1, self.server_name.as_deref())
            + optional(1, self.alpn.as_deref())
            + 1
            + self.certificates.iter().map(|c| 3 + c.len()).sum::<usize>()
            + 2
            + self.ticket.len()
            + 8
            + 4
            + 1
            + self.client_signature_scheme.map_or(0, |_| 2)
            + optional(3, self.ocsp_response.as_deref())
    }
}

fn read_magic<R: Read + Seek>(reader: &mut R, _: Endian, (): ()) -> BinResult<[u8; 7]> {
    let pos = reader.stream_position()?;
    let magic = <[u8; 7]>::read_options(reader, Endian::Big, ())?;
    if magic == SESSION_MAGIC {
        Ok(magic)
    } else {
        // The first byte that differs, as the value.
        let value = magic
            .iter()
            .zip(SESSION_MAGIC)
            .find(|(got, want)| *got != want)
            .map_or(0, |(got, _)| u32::from(*got));
        Err(decode_err(
            DecodeErrorKind::InvalidValue { value },
            "Session.magic",
            pos,
        ))
    }
}

fn read_version<R: Read + Seek>(reader: &mut R, _: Endian, (): ()) -> BinResult<u8> {
    read_only(reader, SESSION_VERSION, "Session.version")
}

/// A `uint8` that must be 0 or 1.
fn read_flag<R: Read + Seek>(reader: &mut R, _: Endian, field: Field) -> BinResult<bool> {
    let pos = reader.stream_position()?;
    match u8::read_options(reader, Endian::Big, ())? {
        0 => Ok(false),
        1 => Ok(true),
        value => Err(decode_err(
            DecodeErrorKind::InvalidValue {
                value: u32::from(value),
            },
            field.0,
            pos,
        )),
    }
}

fn read_optional<R: Read + Seek, const W: usize, const MIN: usize, const MAX: usize>(
    reader: &mut R,
    endian: Endian,
    field: Field,
) -> BinResult<Option<Opaque<W, MIN, MAX>>> {
    if read_flag(reader, endian, field)? {
        Opaque::read_options(reader, endian, field).map(Some)
    } else {
        Ok(None)
    }
}

fn write_optional<W2: Write + Seek, const W: usize, const MIN: usize, const MAX: usize>(
    value: &Option<Opaque<W, MIN, MAX>>,
    writer: &mut W2,
    endian: Endian,
    field: Field,
) -> BinResult<()> {
    match value {
        None => 0u8.write_options(writer, endian, ()),
        Some(bytes) => {
            1u8.write_options(writer, endian, ())?;
            bytes.write_options(writer, endian, field)
        }
    }
}

fn read_optional_scheme<R: Read + Seek>(
    reader: &mut R,
    endian: Endian,
    (): (),
) -> BinResult<Option<SignatureScheme>> {
    if read_flag(reader, endian, Field("Session.client_signature_scheme"))? {
        SignatureScheme::read_options(reader, endian, ()).map(Some)
    } else {
        Ok(None)
    }
}

fn write_optional_scheme<W2: Write + Seek>(
    value: &Option<SignatureScheme>,
    writer: &mut W2,
    endian: Endian,
    (): (),
) -> BinResult<()> {
    match value {
        None => 0u8.write_options(writer, endian, ()),
        Some(scheme) => {
            1u8.write_options(writer, endian, ())?;
            scheme.write_options(writer, endian, ())
        }
    }
}

fn read_certificates<R: Read + Seek>(
    reader: &mut R,
    endian: Endian,
    (): (),
) -> BinResult<Vec<SessionCertificate>> {
    let count = u8::read_options(reader, endian, ())?;
    (0..count)
        .map(|_| SessionCertificate::read_options(reader, endian, ()))
        .collect()
}

fn write_certificates<W2: Write + Seek>(
    certificates: &Vec<SessionCertificate>,
    writer: &mut W2,
    endian: Endian,
    (): (),
) -> BinResult<()> {
    let pos = writer.stream_position()?;
    let count = u8::try_from(certificates.len()).map_err(|_| {
        encode_err(
            EncodeError {
                field: "Session.certificates",
                len: certificates.len(),
                min: 0,
                max: 0xff,
            },
            pos,
        )
    })?;
    count.write_options(writer, endian, ())?;
    for certificate in certificates {
        certificate.write_options(writer, endian, ())?;
    }
    Ok(())
}

impl_codec! {
    SessionState => "Session",
}

#[cfg(test)]
mod tests;
