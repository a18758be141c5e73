//! ClientHello, ServerHello and their shared parts (RFC 5246 §7.4.1), the
//! same in TLS 1.3 (RFC 8446 §4.1.2, §4.1.3) apart from extensions.

use binrw::binrw;

use crate::extensions::{ClientExtension, Extensions, ServerExtension};
use crate::registry::{CipherSuite, CompressionMethod, ProtocolVersion};
use crate::vec::{Field, List, Opaque};

/// The 32-byte hello random (RFC 5246 §7.4.1.2).
#[binrw]
#[brw(big)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Random(pub [u8; 32]);

impl Random {
    /// The random of every HelloRetryRequest (RFC 8446 §4.1.3): SHA-256 of
    /// "HelloRetryRequest". A ServerHello carrying it is a
    /// HelloRetryRequest.
    pub const HELLO_RETRY_REQUEST: Self = Self([
        0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8,
        0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8,
        0x33, 0x9c,
    ]);

    /// The last eight bytes of a ServerHello.random from a server that
    /// supports TLS 1.3 and negotiated TLS 1.2 (RFC 8446 §4.1.3):
    /// "DOWNGRD" and 0x01.
    pub const DOWNGRADE_TLS12: [u8; 8] = *b"DOWNGRD\x01";

    /// The same, for a server that negotiated TLS 1.1 or below: "DOWNGRD"
    /// and 0x00.
    pub const DOWNGRADE_TLS11: [u8; 8] = *b"DOWNGRD\x00";

    /// Whether the last eight bytes are one of the downgrade sentinels of
    /// RFC 8446 §4.1.3.
    #[must_use]
    pub fn has_downgrade_sentinel(&self) -> bool {
        let tail = self.0.get(24..).unwrap_or_default();
        tail == Self::DOWNGRADE_TLS12 || tail == Self::DOWNGRADE_TLS11
    }
}

impl core::fmt::Debug for Random {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&crate::vec::Hex(&self.0), f)
    }
}

/// `opaque SessionID<0..32>` (RFC 5246 §7.4.1.2).
pub type SessionId = Opaque<1, 0, 32>;

/// The ClientHello (RFC 5246 §7.4.1.2).
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientHello {
    /// The highest version the client supports.
    pub client_version: ProtocolVersion,
    /// 32 bytes of client randomness.
    pub random: Random,
    /// A session to resume, or empty.
    #[brw(args_raw = Field("ClientHello.session_id"))]
    pub session_id: SessionId,
    /// `CipherSuite cipher_suites<2..2^16-2>`, in client preference order.
    #[brw(args_raw = Field("ClientHello.cipher_suites"))]
    pub cipher_suites: List<CipherSuite, 2, 2, 0xfffe>,
    /// `CompressionMethod compression_methods<1..2^8-1>`.
    #[brw(args_raw = Field("ClientHello.compression_methods"))]
    pub compression_methods: List<CompressionMethod, 1, 1, 0xff>,
    /// The optional extensions block.
    pub extensions: Extensions<ClientExtension>,
}

/// The ServerHello (RFC 5246 §7.4.1.3).
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerHello {
    /// The version the server selected.
    pub server_version: ProtocolVersion,
    /// 32 bytes of server randomness.
    pub random: Random,
    /// The session's identifier; for a resumption, the client's.
    #[brw(args_raw = Field("ServerHello.session_id"))]
    pub session_id: SessionId,
    /// The suite the server selected.
    pub cipher_suite: CipherSuite,
    /// The compression method the server selected.
    pub compression_method: CompressionMethod,
    /// The optional extensions block.
    pub extensions: Extensions<ServerExtension>,
}

/// HelloRequest (RFC 5246 §7.4.1.1): an empty body.
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct HelloRequest;

/// ServerHelloDone (RFC 5246 §7.4.5): an empty body.
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ServerHelloDone;

impl_codec! {
    ClientHello => "ClientHello",
    ServerHello => "ServerHello",
    HelloRequest => "HelloRequest",
    ServerHelloDone => "ServerHelloDone",
}
