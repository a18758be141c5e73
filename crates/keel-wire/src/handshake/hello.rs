//! ClientHello, ServerHello and their shared parts (RFC 5246 §7.4.1).

use binrw::binrw;

use crate::extensions::{ClientExtension, Extensions, ServerExtension};
use crate::registry::{CipherSuite, CompressionMethod, ProtocolVersion};
use crate::vec::{Field, List, Opaque};

/// The 32-byte hello random (RFC 5246 §7.4.1.2).
#[binrw]
#[brw(big)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Random(pub [u8; 32]);

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
