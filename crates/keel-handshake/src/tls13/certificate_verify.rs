//! What a TLS 1.3 CertificateVerify signs (RFC 8446 §4.4.3): not the
//! transcript itself, as TLS 1.2 does, but its hash behind a fixed prefix
//! and a context string naming the signer, so that a signature made for
//! one role or protocol version cannot be replayed as another.

/// Who signs a CertificateVerify, which picks the context string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer {
    /// The server's CertificateVerify.
    Server,
    /// The client's CertificateVerify.
    Client,
}

/// 64 bytes of 0x20: RFC 8446 §4.4.3 puts them first "to prevent a
/// chosen-prefix attack" across signature uses.
const PREFIX: [u8; 64] = [0x20; 64];

impl Signer {
    /// The context string of RFC 8446 §4.4.3.
    #[must_use]
    pub const fn context(self) -> &'static [u8] {
        match self {
            Self::Server => b"TLS 1.3, server CertificateVerify",
            Self::Client => b"TLS 1.3, client CertificateVerify",
        }
    }
}

/// The content `signer` signs over `transcript_hash` (the hash of the
/// handshake up to and including the Certificate), RFC 8446 §4.4.3: the
/// 64-byte prefix, the context string, a zero byte, the hash.
#[must_use]
pub fn signed_content(signer: Signer, transcript_hash: &[u8]) -> Vec<u8> {
    let context = signer.context();
    let mut content = Vec::with_capacity(PREFIX.len() + context.len() + 1 + transcript_hash.len());
    content.extend_from_slice(&PREFIX);
    content.extend_from_slice(context);
    content.push(0);
    content.extend_from_slice(transcript_hash);
    content
}
