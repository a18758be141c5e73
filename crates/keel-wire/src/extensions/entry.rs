//! Extensions of one CertificateEntry in a TLS 1.3 Certificate (RFC 8446
//! §4.4.2).

use binrw::io::{Read, Seek, Write};
use binrw::{BinRead, BinResult, BinWrite, Endian};

use super::bodies::SignedCertificateTimestamp;
use super::permitted::ExtensionContext;
use super::{ExtensionCodec, RawExtension, read_value};
use crate::handshake::CertificateStatus;
use crate::registry::ExtensionType;
use crate::vec::{Field, List};

/// A CertificateEntry extension: per certificate, what TLS 1.2 sent in
/// messages of their own.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CertificateExtension {
    /// status_request (RFC 8446 §4.4.2.1): a stapled OCSP response, in the
    /// body TLS 1.2 sent as a CertificateStatus message.
    StatusRequest(CertificateStatus),
    /// signed_certificate_timestamp (RFC 6962 §3.3, RFC 8446 §4.4.2):
    /// `SerializedSCT sct_list<1..2^16-1>`.
    SignedCertificateTimestamp(List<SignedCertificateTimestamp, 2, 1, 0xffff>),
    /// Any other extension, kept with its bytes.
    Unknown(RawExtension),
}

impl ExtensionCodec for CertificateExtension {
    const LIST: &'static str = "CertificateEntry.extensions";
    const CONTEXT: Option<ExtensionContext> = Some(ExtensionContext::Certificate);

    fn extension_type(&self) -> ExtensionType {
        match self {
            Self::StatusRequest(_) => ExtensionType::STATUS_REQUEST,
            Self::SignedCertificateTimestamp(_) => ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP,
            Self::Unknown(raw) => raw.ext_type,
        }
    }

    fn read_body<R: Read + Seek>(
        ext_type: ExtensionType,
        body: &mut R,
        len: usize,
    ) -> BinResult<Self> {
        Ok(match ext_type {
            ExtensionType::STATUS_REQUEST => Self::StatusRequest(read_value(body)?),
            ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP => {
                Self::SignedCertificateTimestamp(List::read_options(
                    body,
                    Endian::Big,
                    Field("signed_certificate_timestamp.sct_list"),
                )?)
            }
            _ => Self::Unknown(RawExtension::read(ext_type, body, len)?),
        })
    }

    fn write_body<W: Write + Seek>(&self, writer: &mut W) -> BinResult<()> {
        let big = Endian::Big;
        match self {
            Self::StatusRequest(status) => status.write_options(writer, big, ()),
            Self::SignedCertificateTimestamp(list) => {
                list.write_options(writer, big, Field("signed_certificate_timestamp.sct_list"))
            }
            Self::Unknown(raw) => raw.write(writer),
        }
    }
}

impl From<RawExtension> for CertificateExtension {
    fn from(raw: RawExtension) -> Self {
        Self::Unknown(raw)
    }
}
