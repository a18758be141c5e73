//! Extensions of a TLS 1.3 NewSessionTicket (RFC 8446 §4.6.1).

use binrw::io::{Read, Seek, Write};
use binrw::{BinResult, BinWrite, Endian};

use super::permitted::ExtensionContext;
use super::{ExtensionCodec, RawExtension, read_value};
use crate::registry::ExtensionType;

/// A NewSessionTicket extension. Only early_data is defined here; keel's
/// server never sends it and keel's client never uses it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NewSessionTicketExtension {
    /// early_data (RFC 8446 §4.2.10): `uint32 max_early_data_size`.
    EarlyData(u32),
    /// Any other extension, kept with its bytes.
    Unknown(RawExtension),
}

impl ExtensionCodec for NewSessionTicketExtension {
    const LIST: &'static str = "NewSessionTicket.extensions";
    const CONTEXT: Option<ExtensionContext> = Some(ExtensionContext::NewSessionTicket);
    /// `Extension extensions<0..2^16-2>`.
    const MAX_LEN: usize = 0xfffe;

    fn extension_type(&self) -> ExtensionType {
        match self {
            Self::EarlyData(_) => ExtensionType::EARLY_DATA,
            Self::Unknown(raw) => raw.ext_type,
        }
    }

    fn read_body<R: Read + Seek>(
        ext_type: ExtensionType,
        body: &mut R,
        len: usize,
    ) -> BinResult<Self> {
        Ok(match ext_type {
            ExtensionType::EARLY_DATA => Self::EarlyData(read_value(body)?),
            _ => Self::Unknown(RawExtension::read(ext_type, body, len)?),
        })
    }

    fn write_body<W: Write + Seek>(&self, writer: &mut W) -> BinResult<()> {
        match self {
            Self::EarlyData(size) => size.write_options(writer, Endian::Big, ()),
            Self::Unknown(raw) => raw.write(writer),
        }
    }
}

impl From<RawExtension> for NewSessionTicketExtension {
    fn from(raw: RawExtension) -> Self {
        Self::Unknown(raw)
    }
}
