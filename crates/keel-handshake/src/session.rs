//! What was negotiated, readable once the handshake completes.

use keel_pki::CertificateDer;
use keel_wire::registry::{CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};

/// The negotiated session.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionInfo {
    /// Always TLS 1.2.
    pub version: ProtocolVersion,
    /// The cipher suite.
    pub cipher_suite: CipherSuite,
    /// The ECDHE group.
    pub group: NamedGroup,
    /// The scheme of the server's key-exchange signature.
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
    /// requires it.
    pub extended_master_secret: bool,
    /// Whether this was an abbreviated handshake resuming an earlier session
    /// (RFC 5246 §7.3).
    pub resumed: bool,
}
