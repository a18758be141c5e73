//! Extensions of a TLS 1.3 CertificateRequest (RFC 8446 §4.3.2).

use binrw::io::{Read, Seek, Write};
use binrw::{BinRead, BinResult, BinWrite, Endian, binrw};

use super::permitted::ExtensionContext;
use super::{ExtensionCodec, RawExtension};
use crate::handshake::DistinguishedName;
use crate::registry::{ExtensionType, SignatureScheme};
use crate::vec::{Field, List, Opaque};

/// One filter of oid_filters (RFC 8446 §4.2.5): a certificate extension's
/// OID and the DER values the client's certificate must carry for it.
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OidFilter {
    /// `opaque certificate_extension_oid<1..2^8-1>`, DER without tag and
    /// length.
    #[brw(args_raw = Field("OIDFilter.certificate_extension_oid"))]
    pub certificate_extension_oid: Opaque<1, 1, 0xff>,
    /// `opaque certificate_extension_values<0..2^16-1>`.
    #[brw(args_raw = Field("OIDFilter.certificate_extension_values"))]
    pub certificate_extension_values: Opaque<2, 0, 0xffff>,
}

impl crate::vec::ListItem for OidFilter {
    const FIXED_SIZE: Option<usize> = None;
}

/// A CertificateRequest extension. The list must hold at least one
/// (`Extension extensions<2..2^16-1>`); that signature_algorithms is among
/// them is the handshake's check (RFC 8446 §4.3.2, missing_extension).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CertificateRequestExtension {
    /// signature_algorithms (RFC 8446 §4.2.3): `<2..2^16-2>`.
    SignatureAlgorithms(List<SignatureScheme, 2, 2, 0xfffe>),
    /// signature_algorithms_cert (RFC 8446 §4.2.3): `<2..2^16-2>`.
    SignatureAlgorithmsCert(List<SignatureScheme, 2, 2, 0xfffe>),
    /// certificate_authorities (RFC 8446 §4.2.4): `<3..2^16-1>`.
    CertificateAuthorities(List<DistinguishedName, 2, 3, 0xffff>),
    /// oid_filters (RFC 8446 §4.2.5): `OIDFilter filters<0..2^16-1>`.
    OidFilters(List<OidFilter, 2, 0, 0xffff>),
    /// status_request (RFC 8446 §4.4.2.1): empty; the server asks for the
    /// client's OCSP response.
    StatusRequest,
    /// signed_certificate_timestamp (RFC 6962, RFC 8446 §4.4.2): empty.
    SignedCertificateTimestamp,
    /// Any other extension, kept with its bytes.
    Unknown(RawExtension),
}

impl ExtensionCodec for CertificateRequestExtension {
    const LIST: &'static str = "CertificateRequest.extensions";
    const CONTEXT: Option<ExtensionContext> = Some(ExtensionContext::CertificateRequest);
    const MIN_LEN: usize = 2;

    fn extension_type(&self) -> ExtensionType {
        match self {
            Self::SignatureAlgorithms(_) => ExtensionType::SIGNATURE_ALGORITHMS,
            Self::SignatureAlgorithmsCert(_) => ExtensionType::SIGNATURE_ALGORITHMS_CERT,
            Self::CertificateAuthorities(_) => ExtensionType::CERTIFICATE_AUTHORITIES,
            Self::OidFilters(_) => ExtensionType::OID_FILTERS,
            Self::StatusRequest => ExtensionType::STATUS_REQUEST,
            Self::SignedCertificateTimestamp => ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP,
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
            ExtensionType::SIGNATURE_ALGORITHMS => Self::SignatureAlgorithms(List::read_options(
                body,
                big,
                Field("signature_algorithms.supported_signature_algorithms"),
            )?),
            ExtensionType::SIGNATURE_ALGORITHMS_CERT => {
                Self::SignatureAlgorithmsCert(List::read_options(
                    body,
                    big,
                    Field("signature_algorithms_cert.supported_signature_algorithms"),
                )?)
            }
            ExtensionType::CERTIFICATE_AUTHORITIES => Self::CertificateAuthorities(
                List::read_options(body, big, Field("certificate_authorities.authorities"))?,
            ),
            ExtensionType::OID_FILTERS => {
                Self::OidFilters(List::read_options(body, big, Field("oid_filters.filters"))?)
            }
            ExtensionType::STATUS_REQUEST => Self::StatusRequest,
            ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP => Self::SignedCertificateTimestamp,
            _ => Self::Unknown(RawExtension::read(ext_type, body, len)?),
        })
    }

    fn write_body<W: Write + Seek>(&self, writer: &mut W) -> BinResult<()> {
        let big = Endian::Big;
        match self {
            Self::SignatureAlgorithms(schemes) => schemes.write_options(
                writer,
                big,
                Field("signature_algorithms.supported_signature_algorithms"),
            ),
            Self::SignatureAlgorithmsCert(schemes) => schemes.write_options(
                writer,
                big,
                Field("signature_algorithms_cert.supported_signature_algorithms"),
            ),
            Self::CertificateAuthorities(authorities) => {
                authorities.write_options(writer, big, Field("certificate_authorities.authorities"))
            }
            Self::OidFilters(filters) => {
                filters.write_options(writer, big, Field("oid_filters.filters"))
            }
            Self::StatusRequest | Self::SignedCertificateTimestamp => Ok(()),
            Self::Unknown(raw) => raw.write(writer),
        }
    }
}

impl From<RawExtension> for CertificateRequestExtension {
    fn from(raw: RawExtension) -> Self {
        Self::Unknown(raw)
    }
}
