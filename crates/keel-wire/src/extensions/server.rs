//! Extensions a server sends in its ServerHello, TLS 1.2 or TLS 1.3.

use binrw::io::{Read, Seek, Write};
use binrw::{BinRead, BinResult, BinWrite, Endian};

use super::bodies::{
    ProtocolName, SignedCertificateTimestamp, read_renegotiation_info, read_single_protocol,
    write_renegotiation_info, write_single_protocol,
};
use super::key_share::KeyShareEntry;
use super::{ExtensionCodec, RawExtension, read_value};
use crate::registry::{EcPointFormat, ExtensionType, MaxFragmentLength, ProtocolVersion};
use crate::vec::{Field, List, Opaque};

/// A ServerHello extension. Extensions keel does not model are kept as
/// [`ServerExtension::Unknown`] with their bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServerExtension {
    /// server_name acknowledged (RFC 6066 §3): empty.
    ServerName,
    /// max_fragment_length accepted (RFC 6066 §4).
    MaxFragmentLength(MaxFragmentLength),
    /// status_request acknowledged (RFC 6066 §8): empty; the response comes
    /// in a CertificateStatus message.
    StatusRequest,
    /// ec_point_formats (RFC 8422 §5.2).
    EcPointFormats(List<EcPointFormat, 1, 1, 0xff>),
    /// The protocol the server selected (RFC 7301 §3.1): a
    /// protocol_name_list holding exactly one name.
    Alpn(ProtocolName),
    /// signed_certificate_timestamp (RFC 6962 §3.3):
    /// `SerializedSCT sct_list<1..2^16-1>`.
    SignedCertificateTimestamp(List<SignedCertificateTimestamp, 2, 1, 0xffff>),
    /// encrypt_then_mac (RFC 7366): empty.
    EncryptThenMac,
    /// extended_master_secret (RFC 7627 §5.1): empty.
    ExtendedMasterSecret,
    /// session_ticket (RFC 5077 §3.2): empty; the server will send a
    /// NewSessionTicket.
    SessionTicket,
    /// record_size_limit (RFC 8449 §4).
    RecordSizeLimit(u16),
    /// renegotiation_info (RFC 5746 §3.2).
    RenegotiationInfo(Opaque<1, 0, 255>),
    /// supported_versions (RFC 8446 §4.2.1): the selected version. Only a
    /// TLS 1.3 server sends it.
    SupportedVersions(ProtocolVersion),
    /// key_share (RFC 8446 §4.2.8): the server's one share.
    KeyShare(KeyShareEntry),
    /// pre_shared_key (RFC 8446 §4.2.11): the index of the identity the
    /// server chose.
    PreSharedKey(u16),
    /// Any other extension, kept with its bytes.
    Unknown(RawExtension),
}

impl ExtensionCodec for ServerExtension {
    const LIST: &'static str = "ServerHello.extensions";

    fn extension_type(&self) -> ExtensionType {
        match self {
            Self::ServerName => ExtensionType::SERVER_NAME,
            Self::MaxFragmentLength(_) => ExtensionType::MAX_FRAGMENT_LENGTH,
            Self::StatusRequest => ExtensionType::STATUS_REQUEST,
            Self::EcPointFormats(_) => ExtensionType::EC_POINT_FORMATS,
            Self::Alpn(_) => ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION,
            Self::SignedCertificateTimestamp(_) => ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP,
            Self::EncryptThenMac => ExtensionType::ENCRYPT_THEN_MAC,
            Self::ExtendedMasterSecret => ExtensionType::EXTENDED_MASTER_SECRET,
            Self::SessionTicket => ExtensionType::SESSION_TICKET,
            Self::RecordSizeLimit(_) => ExtensionType::RECORD_SIZE_LIMIT,
            Self::RenegotiationInfo(_) => ExtensionType::RENEGOTIATION_INFO,
            Self::SupportedVersions(_) => ExtensionType::SUPPORTED_VERSIONS,
            Self::KeyShare(_) => ExtensionType::KEY_SHARE,
            Self::PreSharedKey(_) => ExtensionType::PRE_SHARED_KEY,
            Self::Unknown(raw) => raw.ext_type,
        }
    }

    fn read_body<R: Read + Seek>(
        ext_type: ExtensionType,
        body: &mut R,
        len: usize,
    ) -> BinResult<Self> {
        let big = Endian::Big;
        Ok(match ext_type {
            ExtensionType::SERVER_NAME => Self::ServerName,
            ExtensionType::MAX_FRAGMENT_LENGTH => Self::MaxFragmentLength(read_value(body)?),
            ExtensionType::STATUS_REQUEST => Self::StatusRequest,
            ExtensionType::EC_POINT_FORMATS => Self::EcPointFormats(List::read_options(
                body,
                big,
                Field("ec_point_formats.ec_point_format_list"),
            )?),
            ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION => {
                Self::Alpn(read_single_protocol(body)?)
            }
            ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP => Self::SignedCertificateTimestamp(
                List::read_options(body, big, Field("signed_certificate_timestamp.sct_list"))?,
            ),
            ExtensionType::ENCRYPT_THEN_MAC => Self::EncryptThenMac,
            ExtensionType::EXTENDED_MASTER_SECRET => Self::ExtendedMasterSecret,
            ExtensionType::SESSION_TICKET => Self::SessionTicket,
            ExtensionType::RECORD_SIZE_LIMIT => Self::RecordSizeLimit(read_value(body)?),
            ExtensionType::RENEGOTIATION_INFO => {
                Self::RenegotiationInfo(read_renegotiation_info(body)?)
            }
            ExtensionType::SUPPORTED_VERSIONS => Self::SupportedVersions(read_value(body)?),
            ExtensionType::KEY_SHARE => Self::KeyShare(read_value(body)?),
            ExtensionType::PRE_SHARED_KEY => Self::PreSharedKey(read_value(body)?),
            _ => Self::Unknown(RawExtension::read(ext_type, body, len)?),
        })
    }

    fn write_body<W: Write + Seek>(&self, writer: &mut W) -> BinResult<()> {
        let big = Endian::Big;
        match self {
            Self::ServerName
            | Self::StatusRequest
            | Self::EncryptThenMac
            | Self::ExtendedMasterSecret
            | Self::SessionTicket => Ok(()),
            Self::MaxFragmentLength(code) => code.write_options(writer, big, ()),
            Self::EcPointFormats(formats) => {
                formats.write_options(writer, big, Field("ec_point_formats.ec_point_format_list"))
            }
            Self::Alpn(name) => write_single_protocol(writer, name),
            Self::SignedCertificateTimestamp(list) => {
                list.write_options(writer, big, Field("signed_certificate_timestamp.sct_list"))
            }
            Self::RecordSizeLimit(limit) => limit.write_options(writer, big, ()),
            Self::RenegotiationInfo(info) => write_renegotiation_info(writer, info),
            Self::SupportedVersions(version) => version.write_options(writer, big, ()),
            Self::KeyShare(entry) => entry.write_options(writer, big, ()),
            Self::PreSharedKey(index) => index.write_options(writer, big, ()),
            Self::Unknown(raw) => raw.write(writer),
        }
    }
}

impl From<RawExtension> for ServerExtension {
    fn from(raw: RawExtension) -> Self {
        Self::Unknown(raw)
    }
}
