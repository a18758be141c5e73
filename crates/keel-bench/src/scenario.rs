//! What is measured: the scenarios of `keel-bench compare`, the same for
//! both libraries.

use crate::pki::KeyKind;

/// How a resumed handshake finds its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resumption {
    /// The server's session cache (RFC 5246 §7.3).
    SessionId,
    /// A ticket the server sealed (RFC 5077); the server caches nothing.
    Ticket,
}

/// The AEAD of a bulk transfer (ECDHE-ECDSA suites).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aead {
    /// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256.
    Aes128Gcm,
    /// TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384.
    Aes256Gcm,
    /// TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256.
    ChaCha20Poly1305,
}

impl Aead {
    /// All three.
    pub const ALL: [Aead; 3] = [Aead::Aes128Gcm, Aead::Aes256Gcm, Aead::ChaCha20Poly1305];

    /// A short name for scenario lines.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Aes128Gcm => "aes128gcm",
            Self::Aes256Gcm => "aes256gcm",
            Self::ChaCha20Poly1305 => "chacha20",
        }
    }
}

/// Which of keel's APIs moves the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// `write`/`write_tls` and `read_tls`/`read` (rustls has only this).
    Buffered,
    /// `seal_from` and `read_tls_in_place`: keel's zero-copy level.
    ZeroCopy,
}

/// The size of one bulk write, and of one read.
pub const WRITE_SIZE: usize = 1 << 20;
/// See [`WRITE_SIZE`].
pub const READ_SIZE: usize = 16 * 1024;

/// The key of a full handshake scenario's server.
#[must_use]
pub fn key_name(kind: KeyKind) -> &'static str {
    match kind {
        KeyKind::EcdsaP256 => "ecdsa_p256",
        KeyKind::Rsa2048 => "rsa2048",
    }
}
