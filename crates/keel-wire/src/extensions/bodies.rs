//! Extension bodies with structure of their own.

use binrw::io::{Read, Seek, Write};
use binrw::{BinRead, BinResult, BinWrite, Endian, binrw};

use crate::error::{DecodeErrorKind, decode_err};
use crate::registry::{CertificateStatusType, ServerNameType};
use crate::vec::{Field, List, Opaque, read_opaque, write_opaque};

/// One entry of a server_name list (RFC 6066 §3).
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerName {
    /// The kind of name; only `host_name` is defined.
    pub name_type: ServerNameType,
    /// The name's bytes: for `host_name`, an ASCII DNS name without a
    /// trailing dot. Whether it is a valid DNS name is the handshake's
    /// question; the codec only frames it.
    #[brw(args_raw = Field("ServerName.name"))]
    pub name: Opaque<2, 1, 0xffff>,
}

impl crate::vec::ListItem for ServerName {
    const FIXED_SIZE: Option<usize> = None;
}

/// The body of a ClientHello server_name extension (RFC 6066 §3):
/// `ServerName server_name_list<1..2^16-1>`, at most one name per type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerNameList(pub List<ServerName, 2, 1, 0xffff>);

impl ServerNameList {
    /// The first `host_name`, if any.
    #[must_use]
    pub fn host_name(&self) -> Option<&[u8]> {
        self.0
            .iter()
            .find(|name| name.name_type == ServerNameType::HOST_NAME)
            .map(|name| name.name.as_slice())
    }
}

impl BinRead for ServerNameList {
    type Args<'a> = ();

    fn read_options<R: Read + Seek>(reader: &mut R, endian: Endian, (): ()) -> BinResult<Self> {
        let start = reader.stream_position()?;
        let list: List<ServerName, 2, 1, 0xffff> =
            List::read_options(reader, endian, Field("server_name.server_name_list"))?;
        // RFC 6066 §3: "The ServerNameList MUST NOT contain more than one
        // name of the same name_type."
        let types = list.iter().map(|name: &ServerName| name.name_type.get());
        if let Some(value) = first_repeated(types.collect()) {
            return Err(decode_err(
                DecodeErrorKind::Duplicate {
                    value: u16::from(value),
                },
                "server_name.server_name_list",
                start,
            ));
        }
        Ok(Self(list))
    }
}

impl BinWrite for ServerNameList {
    type Args<'a> = ();

    fn write_options<W: Write + Seek>(
        &self,
        writer: &mut W,
        endian: Endian,
        (): (),
    ) -> BinResult<()> {
        self.0
            .write_options(writer, endian, Field("server_name.server_name_list"))
    }
}

opaque_item! {
    /// An ALPN protocol name (RFC 7301 §3.1): `opaque ProtocolName<1..2^8-1>`.
    ProtocolName, 1, 1, 0xff, "ProtocolName"
}

opaque_item! {
    /// An OCSP responder identifier in a status_request (RFC 6066 §8):
    /// `opaque ResponderID<1..2^16-1>`.
    ResponderId, 2, 1, 0xffff, "ResponderID"
}

opaque_item! {
    /// One serialized SCT (RFC 6962 §3.3): `opaque SerializedSCT<1..2^16-1>`.
    SignedCertificateTimestamp, 2, 1, 0xffff, "SerializedSCT"
}

/// The body of a ClientHello status_request extension (RFC 6066 §8).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CertificateStatusRequest {
    /// `status_type = ocsp`: an OCSPStatusRequest.
    Ocsp {
        /// `ResponderID responder_id_list<0..2^16-1>`.
        responder_ids: List<ResponderId, 2, 0, 0xffff>,
        /// DER-encoded OCSP request extensions, `opaque <0..2^16-1>`.
        request_extensions: Opaque<2, 0, 0xffff>,
    },
    /// Another status type, kept as raw bytes so that it round-trips.
    Other {
        /// The status type.
        status_type: CertificateStatusType,
        /// The request body.
        data: Vec<u8>,
    },
}

impl BinRead for CertificateStatusRequest {
    type Args<'a> = ();

    fn read_options<R: Read + Seek>(reader: &mut R, endian: Endian, (): ()) -> BinResult<Self> {
        let status_type = CertificateStatusType::read_options(reader, endian, ())?;
        if status_type == CertificateStatusType::OCSP {
            let responder_ids =
                List::read_options(reader, endian, Field("status_request.responder_id_list"))?;
            let request_extensions =
                Opaque::read_options(reader, endian, Field("status_request.request_extensions"))?;
            Ok(Self::Ocsp {
                responder_ids,
                request_extensions,
            })
        } else {
            // The body is windowed to the extension, so "the rest" is bounded.
            let mut data = Vec::new();
            reader.read_to_end(&mut data)?;
            Ok(Self::Other { status_type, data })
        }
    }
}

impl BinWrite for CertificateStatusRequest {
    type Args<'a> = ();

    fn write_options<W: Write + Seek>(
        &self,
        writer: &mut W,
        endian: Endian,
        (): (),
    ) -> BinResult<()> {
        match self {
            Self::Ocsp {
                responder_ids,
                request_extensions,
            } => {
                CertificateStatusType::OCSP.write_options(writer, endian, ())?;
                responder_ids.write_options(
                    writer,
                    endian,
                    Field("status_request.responder_id_list"),
                )?;
                request_extensions.write_options(
                    writer,
                    endian,
                    Field("status_request.request_extensions"),
                )
            }
            Self::Other { status_type, data } => {
                status_type.write_options(writer, endian, ())?;
                writer.write_all(data)?;
                Ok(())
            }
        }
    }
}

/// The smallest value that occurs more than once, if any. Sorting keeps
/// this O(n log n) for hostile lists.
pub(super) fn first_repeated<T: Ord + Copy>(mut values: Vec<T>) -> Option<T> {
    values.sort_unstable();
    values.windows(2).find_map(|pair| match pair {
        [a, b] if a == b => Some(*a),
        _ => None,
    })
}

/// Reads the RFC 7685 padding body: any number of bytes, all zero.
pub(super) fn read_padding<R: Read + Seek>(body: &mut R) -> BinResult<u16> {
    let start = body.stream_position()?;
    let mut bytes = Vec::new();
    body.read_to_end(&mut bytes)?;
    // RFC 7685 §3: "The client MUST fill the padding extension completely
    // with zero bytes."
    if let Some(index) = bytes.iter().position(|&byte| byte != 0) {
        let value = u32::from(bytes.get(index).copied().unwrap_or_default());
        return Err(decode_err(
            DecodeErrorKind::InvalidValue { value },
            "padding",
            start + index as u64,
        ));
    }
    // The body is windowed by a 16-bit length, so this cannot saturate.
    Ok(u16::try_from(bytes.len()).unwrap_or(u16::MAX))
}

pub(super) fn write_padding<W: Write>(writer: &mut W, len: u16) -> BinResult<()> {
    writer.write_all(&vec![0u8; usize::from(len)])?;
    Ok(())
}

/// Reads `opaque renegotiated_connection<0..255>` (RFC 5746 §3.2).
pub(super) fn read_renegotiation_info<R: Read + Seek>(
    body: &mut R,
) -> BinResult<Opaque<1, 0, 255>> {
    read_opaque::<R, 1, 0, 255>(body, Field("renegotiation_info.renegotiated_connection"))
        .map(Opaque)
}

pub(super) fn write_renegotiation_info<W: Write + Seek>(
    writer: &mut W,
    value: &Opaque<1, 0, 255>,
) -> BinResult<()> {
    write_opaque::<W, 1, 0, 255>(
        writer,
        value,
        Field("renegotiation_info.renegotiated_connection"),
    )
}

/// Reads a server's ALPN answer: a protocol_name_list with exactly one
/// name (RFC 7301 §3.1: the server's list "MUST contain exactly one
/// ProtocolName"), in a TLS 1.2 ServerHello or a TLS 1.3
/// EncryptedExtensions.
pub(super) fn read_single_protocol<R: Read + Seek>(body: &mut R) -> BinResult<ProtocolName> {
    let start = body.stream_position()?;
    let list: List<ProtocolName, 2, 2, 0xffff> = List::read_options(
        body,
        Endian::Big,
        Field("application_layer_protocol_negotiation.protocol_name_list"),
    )?;
    let mut names = list.0.into_iter();
    match (names.next(), names.len()) {
        (Some(name), 0) => Ok(name),
        (first, rest) => Err(decode_err(
            DecodeErrorKind::NotExactlyOne {
                count: usize::from(first.is_some()) + rest,
            },
            "application_layer_protocol_negotiation.protocol_name_list",
            start,
        )),
    }
}

pub(super) fn write_single_protocol<W: Write + Seek>(
    writer: &mut W,
    name: &ProtocolName,
) -> BinResult<()> {
    let list: List<ProtocolName, 2, 2, 0xffff> = List(vec![name.clone()]);
    list.write_options(
        writer,
        Endian::Big,
        Field("application_layer_protocol_negotiation.protocol_name_list"),
    )
}
