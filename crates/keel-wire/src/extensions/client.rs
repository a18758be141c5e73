//! Extensions a client sends in its ClientHello.

use binrw::io::{Read, Seek, Write};
use binrw::{BinRead, BinResult, BinWrite, Endian};

use super::bodies::{
    CertificateStatusRequest, ProtocolName, ServerNameList, read_padding, read_renegotiation_info,
    write_padding, write_renegotiation_info,
};
use super::key_share::KeyShareList;
use super::psk::OfferedPsks;
use super::{ExtensionCodec, RawExtension, read_rest, read_value};
use crate::handshake::DistinguishedName;
use crate::registry::{
    EcPointFormat, ExtensionType, MaxFragmentLength, NamedGroup, ProtocolVersion,
    PskKeyExchangeMode, SignatureScheme,
};
use crate::vec::{Field, List, Opaque};

/// A ClientHello extension. Extensions keel does not model are kept as
/// [`ClientExtension::Unknown`] with their bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClientExtension {
    /// server_name (RFC 6066 §3).
    ServerName(ServerNameList),
    /// max_fragment_length (RFC 6066 §4).
    MaxFragmentLength(MaxFragmentLength),
    /// status_request (RFC 6066 §8).
    StatusRequest(CertificateStatusRequest),
    /// supported_groups (RFC 8422 §5.1.1): `NamedGroup named_group_list<2..2^16-1>`,
    /// sent with ec_point_formats by a client proposing ECC suites (RFC 8422 §5.1).
    SupportedGroups(List<NamedGroup, 2, 2, 0xffff>),
    /// ec_point_formats (RFC 8422 §5.1.2): `ECPointFormat ec_point_format_list<1..2^8-1>`.
    EcPointFormats(List<EcPointFormat, 1, 1, 0xff>),
    /// signature_algorithms (RFC 5246 §7.4.1.4.1): `<2..2^16-2>`.
    SignatureAlgorithms(List<SignatureScheme, 2, 2, 0xfffe>),
    /// application_layer_protocol_negotiation (RFC 7301 §3.1):
    /// `ProtocolName protocol_name_list<2..2^16-1>`.
    Alpn(List<ProtocolName, 2, 2, 0xffff>),
    /// signed_certificate_timestamp (RFC 6962 §3.3.1): empty in a ClientHello.
    SignedCertificateTimestamp,
    /// padding (RFC 7685): this many zero bytes.
    Padding(u16),
    /// encrypt_then_mac (RFC 7366): empty.
    EncryptThenMac,
    /// extended_master_secret (RFC 7627 §5.1): empty.
    ExtendedMasterSecret,
    /// session_ticket (RFC 5077 §3.2): empty, or a ticket to resume with.
    SessionTicket(Vec<u8>),
    /// record_size_limit (RFC 8449 §4): the largest record the client will
    /// accept. The codec keeps any value; limits below 64 are the
    /// handshake's to refuse.
    RecordSizeLimit(u16),
    /// renegotiation_info (RFC 5746 §3.2).
    RenegotiationInfo(Opaque<1, 0, 255>),
    /// supported_versions (RFC 8446 §4.2.1): `ProtocolVersion versions<2..254>`.
    SupportedVersions(List<ProtocolVersion, 1, 2, 254>),
    /// key_share (RFC 8446 §4.2.8): the client's shares.
    KeyShare(KeyShareList),
    /// pre_shared_key (RFC 8446 §4.2.11): identities and binders. The
    /// decoder requires it to be the last extension.
    PreSharedKey(OfferedPsks),
    /// psk_key_exchange_modes (RFC 8446 §4.2.9):
    /// `PskKeyExchangeMode ke_modes<1..255>`.
    PskKeyExchangeModes(List<PskKeyExchangeMode, 1, 1, 255>),
    /// early_data (RFC 8446 §4.2.10): empty in a ClientHello. Parsed so
    /// that the handshake can refuse the early data.
    EarlyData,
    /// cookie (RFC 8446 §4.2.2): `opaque cookie<1..2^16-1>`, echoed from a
    /// HelloRetryRequest.
    Cookie(Opaque<2, 1, 0xffff>),
    /// certificate_authorities (RFC 8446 §4.2.4):
    /// `DistinguishedName authorities<3..2^16-1>`.
    CertificateAuthorities(List<DistinguishedName, 2, 3, 0xffff>),
    /// post_handshake_auth (RFC 8446 §4.2.6): empty.
    PostHandshakeAuth,
    /// signature_algorithms_cert (RFC 8446 §4.2.3): the schemes the client
    /// accepts in certificates, `<2..2^16-2>`.
    SignatureAlgorithmsCert(List<SignatureScheme, 2, 2, 0xfffe>),
    /// Any other extension, kept with its bytes.
    Unknown(RawExtension),
}

impl ExtensionCodec for ClientExtension {
    const LIST: &'static str = "ClientHello.extensions";
    const MUST_BE_LAST: Option<ExtensionType> = Some(ExtensionType::PRE_SHARED_KEY);
    const TLS13_ONLY: &'static [ExtensionType] = &[
        ExtensionType::KEY_SHARE,
        ExtensionType::PRE_SHARED_KEY,
        ExtensionType::PSK_KEY_EXCHANGE_MODES,
        ExtensionType::EARLY_DATA,
        ExtensionType::COOKIE,
        ExtensionType::POST_HANDSHAKE_AUTH,
    ];

    fn extension_type(&self) -> ExtensionType {
        match self {
            Self::ServerName(_) => ExtensionType::SERVER_NAME,
            Self::MaxFragmentLength(_) => ExtensionType::MAX_FRAGMENT_LENGTH,
            Self::StatusRequest(_) => ExtensionType::STATUS_REQUEST,
            Self::SupportedGroups(_) => ExtensionType::SUPPORTED_GROUPS,
            Self::EcPointFormats(_) => ExtensionType::EC_POINT_FORMATS,
            Self::SignatureAlgorithms(_) => ExtensionType::SIGNATURE_ALGORITHMS,
            Self::Alpn(_) => ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION,
            Self::SignedCertificateTimestamp => ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP,
            Self::Padding(_) => ExtensionType::PADDING,
            Self::EncryptThenMac => ExtensionType::ENCRYPT_THEN_MAC,
            Self::ExtendedMasterSecret => ExtensionType::EXTENDED_MASTER_SECRET,
            Self::SessionTicket(_) => ExtensionType::SESSION_TICKET,
            Self::RecordSizeLimit(_) => ExtensionType::RECORD_SIZE_LIMIT,
            Self::RenegotiationInfo(_) => ExtensionType::RENEGOTIATION_INFO,
            Self::SupportedVersions(_) => ExtensionType::SUPPORTED_VERSIONS,
            Self::KeyShare(_) => ExtensionType::KEY_SHARE,
            Self::PreSharedKey(_) => ExtensionType::PRE_SHARED_KEY,
            Self::PskKeyExchangeModes(_) => ExtensionType::PSK_KEY_EXCHANGE_MODES,
            Self::EarlyData => ExtensionType::EARLY_DATA,
            Self::Cookie(_) => ExtensionType::COOKIE,
            Self::CertificateAuthorities(_) => ExtensionType::CERTIFICATE_AUTHORITIES,
            Self::PostHandshakeAuth => ExtensionType::POST_HANDSHAKE_AUTH,
            Self::SignatureAlgorithmsCert(_) => ExtensionType::SIGNATURE_ALGORITHMS_CERT,
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
            ExtensionType::SERVER_NAME => Self::ServerName(read_value(body)?),
            ExtensionType::MAX_FRAGMENT_LENGTH => Self::MaxFragmentLength(read_value(body)?),
            ExtensionType::STATUS_REQUEST => Self::StatusRequest(read_value(body)?),
            ExtensionType::SUPPORTED_GROUPS => Self::SupportedGroups(List::read_options(
                body,
                big,
                Field("supported_groups.named_group_list"),
            )?),
            ExtensionType::EC_POINT_FORMATS => Self::EcPointFormats(List::read_options(
                body,
                big,
                Field("ec_point_formats.ec_point_format_list"),
            )?),
            ExtensionType::SIGNATURE_ALGORITHMS => Self::SignatureAlgorithms(List::read_options(
                body,
                big,
                Field("signature_algorithms.supported_signature_algorithms"),
            )?),
            ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION => {
                Self::Alpn(List::read_options(
                    body,
                    big,
                    Field("application_layer_protocol_negotiation.protocol_name_list"),
                )?)
            }
            ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP => Self::SignedCertificateTimestamp,
            ExtensionType::PADDING => Self::Padding(read_padding(body)?),
            ExtensionType::ENCRYPT_THEN_MAC => Self::EncryptThenMac,
            ExtensionType::EXTENDED_MASTER_SECRET => Self::ExtendedMasterSecret,
            ExtensionType::SESSION_TICKET => Self::SessionTicket(read_rest(body, len)?),
            ExtensionType::RECORD_SIZE_LIMIT => Self::RecordSizeLimit(read_value(body)?),
            ExtensionType::RENEGOTIATION_INFO => {
                Self::RenegotiationInfo(read_renegotiation_info(body)?)
            }
            ExtensionType::SUPPORTED_VERSIONS => Self::SupportedVersions(List::read_options(
                body,
                big,
                Field("supported_versions.versions"),
            )?),
            ExtensionType::KEY_SHARE => Self::KeyShare(read_value(body)?),
            ExtensionType::PRE_SHARED_KEY => Self::PreSharedKey(read_value(body)?),
            ExtensionType::PSK_KEY_EXCHANGE_MODES => Self::PskKeyExchangeModes(List::read_options(
                body,
                big,
                Field("psk_key_exchange_modes.ke_modes"),
            )?),
            ExtensionType::EARLY_DATA => Self::EarlyData,
            ExtensionType::COOKIE => {
                Self::Cookie(Opaque::read_options(body, big, Field("cookie.cookie"))?)
            }
            ExtensionType::CERTIFICATE_AUTHORITIES => Self::CertificateAuthorities(
                List::read_options(body, big, Field("certificate_authorities.authorities"))?,
            ),
            ExtensionType::POST_HANDSHAKE_AUTH => Self::PostHandshakeAuth,
            ExtensionType::SIGNATURE_ALGORITHMS_CERT => {
                Self::SignatureAlgorithmsCert(List::read_options(
                    body,
                    big,
                    Field("signature_algorithms_cert.supported_signature_algorithms"),
                )?)
            }
            _ => Self::Unknown(RawExtension::read(ext_type, body, len)?),
        })
    }

    fn write_body<W: Write + Seek>(&self, writer: &mut W) -> BinResult<()> {
        let big = Endian::Big;
        match self {
            Self::ServerName(list) => list.write_options(writer, big, ()),
            Self::MaxFragmentLength(code) => code.write_options(writer, big, ()),
            Self::StatusRequest(request) => request.write_options(writer, big, ()),
            Self::SupportedGroups(groups) => {
                groups.write_options(writer, big, Field("supported_groups.named_group_list"))
            }
            Self::EcPointFormats(formats) => {
                formats.write_options(writer, big, Field("ec_point_formats.ec_point_format_list"))
            }
            Self::SignatureAlgorithms(schemes) => schemes.write_options(
                writer,
                big,
                Field("signature_algorithms.supported_signature_algorithms"),
            ),
            Self::Alpn(protocols) => protocols.write_options(
                writer,
                big,
                Field("application_layer_protocol_negotiation.protocol_name_list"),
            ),
            Self::SignedCertificateTimestamp
            | Self::EncryptThenMac
            | Self::ExtendedMasterSecret
            | Self::EarlyData
            | Self::PostHandshakeAuth => Ok(()),
            Self::Padding(len) => write_padding(writer, *len),
            Self::SessionTicket(data) => Ok(writer.write_all(data)?),
            Self::Unknown(raw) => raw.write(writer),
            Self::RecordSizeLimit(limit) => limit.write_options(writer, big, ()),
            Self::RenegotiationInfo(info) => write_renegotiation_info(writer, info),
            Self::SupportedVersions(versions) => {
                versions.write_options(writer, big, Field("supported_versions.versions"))
            }
            Self::KeyShare(shares) => shares.write_options(writer, big, ()),
            Self::PreSharedKey(offered) => offered.write_options(writer, big, ()),
            Self::PskKeyExchangeModes(modes) => {
                modes.write_options(writer, big, Field("psk_key_exchange_modes.ke_modes"))
            }
            Self::Cookie(cookie) => cookie.write_options(writer, big, Field("cookie.cookie")),
            Self::CertificateAuthorities(authorities) => {
                authorities.write_options(writer, big, Field("certificate_authorities.authorities"))
            }
            Self::SignatureAlgorithmsCert(schemes) => schemes.write_options(
                writer,
                big,
                Field("signature_algorithms_cert.supported_signature_algorithms"),
            ),
        }
    }
}

impl From<RawExtension> for ClientExtension {
    fn from(raw: RawExtension) -> Self {
        Self::Unknown(raw)
    }
}
