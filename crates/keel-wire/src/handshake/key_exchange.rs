//! ECDHE key exchange messages (RFC 8422 §5.4, §5.7) and the signature
//! structure they share with CertificateVerify.

use binrw::io::{Read, Seek};
use binrw::{BinResult, Endian, binrw};

use crate::codec::read_only;
use crate::registry::{EcCurveType, NamedGroup, SignatureScheme};
use crate::vec::{Field, Opaque};

/// `digitally-signed` in TLS 1.2 (RFC 5246 §4.7): the scheme, then
/// `opaque signature<0..2^16-1>`.
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DigitallySigned {
    /// The signature algorithm (a TLS 1.2 SignatureAndHashAlgorithm pair).
    pub scheme: SignatureScheme,
    /// The signature bytes.
    #[brw(args_raw = Field("DigitallySigned.signature"))]
    pub signature: Opaque<2, 0, 0xffff>,
}

/// `ServerECDHParams` (RFC 8422 §5.4) with a named curve: the part of the
/// ServerKeyExchange that the signature covers.
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerEcdhParams {
    // RFC 8422 §5.4: the explicit curve forms are deprecated; only
    // named_curve can be decoded.
    #[br(temp, parse_with = read_named_curve_type)]
    #[bw(calc = EcCurveType::NAMED_CURVE)]
    curve_type: EcCurveType,
    /// The group of the ephemeral key.
    pub named_group: NamedGroup,
    /// The server's ephemeral public key, `opaque point <1..2^8-1>`.
    #[brw(args_raw = Field("ServerKeyExchange.public"))]
    pub public: Opaque<1, 1, 0xff>,
}

/// ServerKeyExchange for the ECDHE key exchanges (RFC 8422 §5.4), the only
/// ones keel negotiates.
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerKeyExchange {
    /// The ephemeral key and its group.
    pub params: ServerEcdhParams,
    /// The server's signature over both randoms and `params`.
    pub signed: DigitallySigned,
}

/// ClientKeyExchange for ECDHE (RFC 8422 §5.7): the client's ephemeral
/// public key, `opaque point <1..2^8-1>`.
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientKeyExchange {
    /// The client's ephemeral public key.
    #[brw(args_raw = Field("ClientKeyExchange.public"))]
    pub public: Opaque<1, 1, 0xff>,
}

fn read_named_curve_type<R: Read + Seek>(
    reader: &mut R,
    _: Endian,
    (): (),
) -> BinResult<EcCurveType> {
    read_only(
        reader,
        EcCurveType::NAMED_CURVE,
        "ServerKeyExchange.curve_type",
    )
}

impl_codec! {
    DigitallySigned => "DigitallySigned",
    ServerEcdhParams => "ServerECDHParams",
    ServerKeyExchange => "ServerKeyExchange",
    ClientKeyExchange => "ClientKeyExchange",
}
