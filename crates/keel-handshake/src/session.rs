//! What was negotiated, readable once the handshake completes.

use keel_pki::CertificateDer;
use keel_wire::registry::{CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};

/// The negotiated session.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionInfo {
    /// TLS 1.3 or TLS 1.2.
    pub version: ProtocolVersion,
    /// The cipher suite.
    pub cipher_suite: CipherSuite,
    /// The key-exchange group (X25519MLKEM768 only in TLS 1.3).
    pub group: NamedGroup,
    /// The scheme of the server's signature: its ServerKeyExchange in TLS
    /// 1.2, its CertificateVerify in TLS 1.3 (after a resumption, the full
    /// handshake's).
    pub signature_scheme: SignatureScheme,
    /// The scheme of the client's CertificateVerify signature, when the
    /// client authenticated; `None` otherwise. After a resumption, the
    /// scheme of the full handshake, as the server kept it (a client
    /// reports `None`: it signed nothing this time).
    pub client_signature_scheme: Option<SignatureScheme>,
    /// The ALPN protocol, if one was negotiated.
    pub alpn: Option<Vec<u8>>,
    /// The SNI name (the client's request; the name the server was asked
    /// for).
    pub server_name: Option<String>,
    /// The OCSP response the server stapled (RFC 6066 §8), as a client
    /// received it (after a resumption, the one of the full handshake);
    /// `None` on a server, or when none was stapled.
    pub ocsp_response: Option<Vec<u8>>,
    /// The peer's certificate chain, leaf first (empty for a server whose
    /// client sent none).
    pub peer_certificates: Vec<CertificateDer<'static>>,
    /// Whether the extended master secret was used: always true, since keel
    /// requires it in TLS 1.2 (TLS 1.3's key schedule has its properties
    /// by construction, and reports true too).
    pub extended_master_secret: bool,
    /// Whether this was an abbreviated handshake resuming an earlier session
    /// (RFC 5246 §7.3), or in TLS 1.3 one with a ticket's PSK (RFC 8446
    /// §2.2).
    pub resumed: bool,
    /// Whether the server answered the first ClientHello with a
    /// HelloRetryRequest (RFC 8446 §4.1.4), which costs a round trip: the
    /// client's first key share was for a group the server would not use.
    /// Always false in TLS 1.2.
    pub hello_retry_request: bool,
}
