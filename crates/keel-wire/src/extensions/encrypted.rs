//! Extensions of EncryptedExtensions (RFC 8446 §4.3.1): the server's answers
//! that need no key exchange, sent under the handshake keys.

use binrw::io::{Read, Seek, Write};
use binrw::{BinRead, BinResult, BinWrite, Endian};

use super::bodies::{ProtocolName, read_single_protocol, write_single_protocol};
use super::permitted::ExtensionContext;
use super::{ExtensionCodec, RawExtension, read_value};
use crate::registry::{ExtensionType, MaxFragmentLength, NamedGroup};
use crate::vec::{Field, List};

/// An EncryptedExtensions extension. RFC 8446 §4.2's table is applied
/// while decoding (illegal_parameter); an allowed extension keel does not
/// model is kept for the handshake to refuse as unsolicited.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EncryptedExtension {
    /// server_name acknowledged (RFC 6066 §3): empty.
    ServerName,
    /// max_fragment_length accepted (RFC 6066 §4).
    MaxFragmentLength(MaxFragmentLength),
    /// supported_groups (RFC 8446 §4.2.7): the server's groups, for the
    /// client's next connection; `NamedGroup named_group_list<2..2^16-1>`.
    SupportedGroups(List<NamedGroup, 2, 2, 0xffff>),
    /// The protocol the server selected (RFC 7301 §3.1): a
    /// protocol_name_list holding exactly one name.
    Alpn(ProtocolName),
    /// early_data (RFC 8446 §4.2.10): empty; the server accepted early
    /// data. keel's client never offers it, so this is always refused.
    EarlyData,
    /// record_size_limit (RFC 8449 §4).
    RecordSizeLimit(u16),
    /// Any other extension, kept with its bytes.
    Unknown(RawExtension),
}

impl ExtensionCodec for EncryptedExtension {
    const LIST: &'static str = "EncryptedExtensions.extensions";
    const CONTEXT: Option<ExtensionContext> = Some(ExtensionContext::EncryptedExtensions);

    fn extension_type(&self) -> ExtensionType {
        match self {
            Self::ServerName => ExtensionType::SERVER_NAME,
            Self::MaxFragmentLength(_) => ExtensionType::MAX_FRAGMENT_LENGTH,
            Self::SupportedGroups(_) => ExtensionType::SUPPORTED_GROUPS,
            Self::Alpn(_) => ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION,
            Self::EarlyData => ExtensionType::EARLY_DATA,
            Self::RecordSizeLimit(_) => ExtensionType::RECORD_SIZE_LIMIT,
            Self::Unknown(raw) => raw.ext_type,
        }
    }

    fn read_body<R: Read + Seek>(
        ext_type: ExtensionType,
        body: &mut R,
        len: usize,
    ) -> BinResult<Self> {
        Ok(match ext_type {
            ExtensionType::SERVER_NAME => Self::ServerName,
            ExtensionType::MAX_FRAGMENT_LENGTH => Self::MaxFragmentLength(read_value(body)?),
            ExtensionType::SUPPORTED_GROUPS => Self::SupportedGroups(List::read_options(
                body,
                Endian::Big,
                Field("supported_groups.named_group_list"),
            )?),
            ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION => {
                Self::Alpn(read_single_protocol(body)?)
            }
            ExtensionType::EARLY_DATA => Self::EarlyData,
            ExtensionType::RECORD_SIZE_LIMIT => Self::RecordSizeLimit(read_value(body)?),
            _ => Self::Unknown(RawExtension::read(ext_type, body, len)?),
        })
    }

    fn write_body<W: Write + Seek>(&self, writer: &mut W) -> BinResult<()> {
        let big = Endian::Big;
        match self {
            Self::ServerName | Self::EarlyData => Ok(()),
            Self::MaxFragmentLength(code) => code.write_options(writer, big, ()),
            Self::SupportedGroups(groups) => {
                groups.write_options(writer, big, Field("supported_groups.named_group_list"))
            }
            Self::Alpn(name) => write_single_protocol(writer, name),
            Self::RecordSizeLimit(limit) => limit.write_options(writer, big, ()),
            Self::Unknown(raw) => raw.write(writer),
        }
    }
}

impl From<RawExtension> for EncryptedExtension {
    fn from(raw: RawExtension) -> Self {
        Self::Unknown(raw)
    }
}
