//! The three TLS 1.3 cipher suites keel negotiates, and the hash each one
//! names for the key schedule and the transcript (RFC 8446 §B.4).

use aws_lc_rs::{digest, hkdf, hmac};
use keel_wire::registry::CipherSuite;

/// The longest hash of keel's TLS 1.3 suites: SHA-384's 48 bytes.
pub const MAX_HASH_LEN: usize = 48;

/// The hash a TLS 1.3 suite uses for HKDF, HMAC and the transcript
/// (RFC 8446 §7.1: "Hash" is the suite's hash algorithm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SuiteHash {
    /// SHA-256: TLS_AES_128_GCM_SHA256 and TLS_CHACHA20_POLY1305_SHA256.
    Sha256,
    /// SHA-384: TLS_AES_256_GCM_SHA384.
    Sha384,
}

impl SuiteHash {
    /// The hash of one of keel's three TLS 1.3 suites; `None` for any other
    /// suite, TLS 1.2 ones included.
    #[must_use]
    pub fn for_suite(suite: CipherSuite) -> Option<Self> {
        Tls13Suite::from_cipher_suite(suite).map(Tls13Suite::hash)
    }

    /// The length of a hash, and so of every secret derived under it
    /// (RFC 8446 §7.1: "Hash.length"): 32 or 48 bytes.
    #[must_use]
    pub const fn hash_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
        }
    }

    /// The digest algorithm, for the transcript hash.
    #[must_use]
    pub fn digest_algorithm(self) -> &'static digest::Algorithm {
        match self {
            Self::Sha256 => &digest::SHA256,
            Self::Sha384 => &digest::SHA384,
        }
    }

    /// `Hash(data)`, in one step.
    #[must_use]
    pub fn hash(self, data: &[u8]) -> digest::Digest {
        digest::digest(self.digest_algorithm(), data)
    }

    pub(crate) fn hmac_algorithm(self) -> hmac::Algorithm {
        match self {
            Self::Sha256 => hmac::HMAC_SHA256,
            Self::Sha384 => hmac::HMAC_SHA384,
        }
    }

    pub(crate) fn hkdf_algorithm(self) -> hkdf::Algorithm {
        match self {
            Self::Sha256 => hkdf::HKDF_SHA256,
            Self::Sha384 => hkdf::HKDF_SHA384,
        }
    }
}

/// A TLS 1.3 cipher suite keel negotiates (RFC 8446 §9.1 makes the first
/// mandatory; keel adds the other two and no CCM suite). Parsed once from
/// the wire value, it carries its hash and AEAD key length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tls13Suite {
    /// TLS_AES_128_GCM_SHA256 (0x1301).
    Aes128GcmSha256,
    /// TLS_AES_256_GCM_SHA384 (0x1302).
    Aes256GcmSha384,
    /// TLS_CHACHA20_POLY1305_SHA256 (0x1303).
    ChaCha20Poly1305Sha256,
}

impl Tls13Suite {
    /// Every suite, in keel's default preference order.
    pub const ALL: [Self; 3] = [
        Self::Aes128GcmSha256,
        Self::Aes256GcmSha384,
        Self::ChaCha20Poly1305Sha256,
    ];

    /// The suite for a wire value; `None` for a suite keel does not
    /// negotiate in TLS 1.3.
    #[must_use]
    pub fn from_cipher_suite(suite: CipherSuite) -> Option<Self> {
        match suite {
            CipherSuite::TLS_AES_128_GCM_SHA256 => Some(Self::Aes128GcmSha256),
            CipherSuite::TLS_AES_256_GCM_SHA384 => Some(Self::Aes256GcmSha384),
            CipherSuite::TLS_CHACHA20_POLY1305_SHA256 => Some(Self::ChaCha20Poly1305Sha256),
            _ => None,
        }
    }

    /// The wire value.
    #[must_use]
    pub fn cipher_suite(self) -> CipherSuite {
        match self {
            Self::Aes128GcmSha256 => CipherSuite::TLS_AES_128_GCM_SHA256,
            Self::Aes256GcmSha384 => CipherSuite::TLS_AES_256_GCM_SHA384,
            Self::ChaCha20Poly1305Sha256 => CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
        }
    }

    /// The suite's hash (the suffix of its name).
    #[must_use]
    pub const fn hash(self) -> SuiteHash {
        match self {
            Self::Aes128GcmSha256 | Self::ChaCha20Poly1305Sha256 => SuiteHash::Sha256,
            Self::Aes256GcmSha384 => SuiteHash::Sha384,
        }
    }

    /// The AEAD key length (RFC 8446 §7.3 "key_length"): 16 bytes for
    /// AES-128-GCM, 32 for AES-256-GCM (RFC 5116 §5.1, §5.2) and
    /// ChaCha20-Poly1305 (RFC 8439 §2.8).
    #[must_use]
    pub const fn key_len(self) -> usize {
        match self {
            Self::Aes128GcmSha256 => 16,
            Self::Aes256GcmSha384 | Self::ChaCha20Poly1305Sha256 => 32,
        }
    }
}
