//! Certificate, CertificateRequest, CertificateVerify and CertificateStatus.

use binrw::io::{Read, Seek};
use binrw::{BinResult, Endian, binrw};

use crate::codec::read_only;
use crate::handshake::key_exchange::DigitallySigned;
use crate::registry::{CertificateStatusType, ClientCertificateType, SignatureScheme};
use crate::vec::{Field, List, Opaque};

opaque_item! {
    /// One DER certificate: `opaque ASN.1Cert<1..2^24-1>` (RFC 5246 §7.4.2).
    CertificateDer, 3, 1, 0xff_ffff, "Certificate.certificate_list"
}

opaque_item! {
    /// A DER distinguished name: `opaque DistinguishedName<1..2^16-1>`
    /// (RFC 5246 §7.4.4).
    DistinguishedName, 2, 1, 0xffff, "CertificateRequest.certificate_authorities"
}

/// Certificate (RFC 5246 §7.4.2): the sender's chain, leaf first. A client
/// without a suitable certificate sends an empty list.
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Certificate {
    /// `ASN.1Cert certificate_list<0..2^24-1>`.
    #[brw(args_raw = Field("Certificate.certificate_list"))]
    pub certificate_list: List<CertificateDer, 3, 0, 0xff_ffff>,
}

/// CertificateRequest, TLS 1.2 form (RFC 5246 §7.4.4).
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertificateRequest {
    /// `ClientCertificateType certificate_types<1..2^8-1>`.
    #[brw(args_raw = Field("CertificateRequest.certificate_types"))]
    pub certificate_types: List<ClientCertificateType, 1, 1, 0xff>,
    /// `SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>`.
    #[brw(args_raw = Field("CertificateRequest.supported_signature_algorithms"))]
    pub supported_signature_algorithms: List<SignatureScheme, 2, 2, 0xfffe>,
    /// `DistinguishedName certificate_authorities<0..2^16-1>`.
    #[brw(args_raw = Field("CertificateRequest.certificate_authorities"))]
    pub certificate_authorities: List<DistinguishedName, 2, 0, 0xffff>,
}

/// CertificateVerify (RFC 5246 §7.4.8): the client's signature over the
/// handshake so far.
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertificateVerify {
    /// The signature and its scheme.
    pub signed: DigitallySigned,
}

/// CertificateStatus (RFC 6066 §8): a stapled OCSP response. Only the
/// `ocsp` status type is defined for this message in TLS 1.2; any other is
/// malformed.
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertificateStatus {
    #[br(temp, parse_with = read_ocsp_status_type)]
    #[bw(calc = CertificateStatusType::OCSP)]
    status_type: CertificateStatusType,
    /// The DER OCSPResponse, `opaque OCSPResponse<1..2^24-1>`.
    #[brw(args_raw = Field("CertificateStatus.response"))]
    pub response: Opaque<3, 1, 0xff_ffff>,
}

impl CertificateStatus {
    /// A CertificateStatus carrying a DER OCSP response.
    #[must_use]
    pub fn ocsp(response: Vec<u8>) -> Self {
        Self {
            response: Opaque(response),
        }
    }
}

fn read_ocsp_status_type<R: Read + Seek>(
    reader: &mut R,
    _: Endian,
    (): (),
) -> BinResult<CertificateStatusType> {
    read_only(
        reader,
        CertificateStatusType::OCSP,
        "CertificateStatus.status_type",
    )
}

impl_codec! {
    Certificate => "Certificate",
    CertificateRequest => "CertificateRequest",
    CertificateVerify => "CertificateVerify",
    CertificateStatus => "CertificateStatus",
}
