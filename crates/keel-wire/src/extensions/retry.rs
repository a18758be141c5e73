//! Extensions of a HelloRetryRequest (RFC 8446 §4.1.4).

use binrw::io::{Read, Seek, Write};
use binrw::{BinRead, BinResult, BinWrite, Endian};

use super::permitted::ExtensionContext;
use super::{ExtensionCodec, RawExtension, read_value};
use crate::registry::{ExtensionType, NamedGroup, ProtocolVersion};
use crate::vec::{Field, Opaque};

/// A HelloRetryRequest extension. RFC 8446 §4.2 allows key_share, cookie
/// and supported_versions here; the decoder refuses the others it
/// recognises, and keeps unrecognised ones for the handshake to refuse as
/// unsolicited.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HelloRetryExtension {
    /// key_share (RFC 8446 §4.2.8): the group the client should send a
    /// share for, `NamedGroup selected_group`.
    KeyShare(NamedGroup),
    /// cookie (RFC 8446 §4.2.2): `opaque cookie<1..2^16-1>`, to be echoed.
    Cookie(Opaque<2, 1, 0xffff>),
    /// supported_versions (RFC 8446 §4.2.1): the version the server chose.
    SupportedVersions(ProtocolVersion),
    /// Any other extension, kept with its bytes.
    Unknown(RawExtension),
}

impl ExtensionCodec for HelloRetryExtension {
    const LIST: &'static str = "HelloRetryRequest.extensions";
    const CONTEXT: Option<ExtensionContext> = Some(ExtensionContext::HelloRetryRequest);

    fn extension_type(&self) -> ExtensionType {
        match self {
            Self::KeyShare(_) => ExtensionType::KEY_SHARE,
            Self::Cookie(_) => ExtensionType::COOKIE,
            Self::SupportedVersions(_) => ExtensionType::SUPPORTED_VERSIONS,
            Self::Unknown(raw) => raw.ext_type,
        }
    }

    fn read_body<R: Read + Seek>(
        ext_type: ExtensionType,
        body: &mut R,
        len: usize,
    ) -> BinResult<Self> {
        Ok(match ext_type {
            ExtensionType::KEY_SHARE => Self::KeyShare(read_value(body)?),
            ExtensionType::COOKIE => Self::Cookie(Opaque::read_options(
                body,
                Endian::Big,
                Field("cookie.cookie"),
            )?),
            ExtensionType::SUPPORTED_VERSIONS => Self::SupportedVersions(read_value(body)?),
            _ => Self::Unknown(RawExtension::read(ext_type, body, len)?),
        })
    }

    fn write_body<W: Write + Seek>(&self, writer: &mut W) -> BinResult<()> {
        let big = Endian::Big;
        match self {
            Self::KeyShare(group) => group.write_options(writer, big, ()),
            Self::Cookie(cookie) => cookie.write_options(writer, big, Field("cookie.cookie")),
            Self::SupportedVersions(version) => version.write_options(writer, big, ()),
            Self::Unknown(raw) => raw.write(writer),
        }
    }
}

impl From<RawExtension> for HelloRetryExtension {
    fn from(raw: RawExtension) -> Self {
        Self::Unknown(raw)
    }
}
