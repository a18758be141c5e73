//! AEAD record protection (RFC 5246 §6.2.3.3) with the three ciphers keel
//! negotiates, through aws-lc-rs. keel builds nonces and additional data;
//! it never implements a cipher.

mod open;
mod seal;

pub use open::RecordOpener;
pub use seal::RecordSealer;

use aws_lc_rs::aead::{
    AES_128_GCM, AES_256_GCM, Algorithm, CHACHA20_POLY1305, LessSafeKey, UnboundKey,
};
use keel_wire::registry::{CipherSuite, ContentType, ProtocolVersion};
use zeroize::Zeroize;

use crate::error::RecordError;

/// The record ciphers of keel's six suites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AeadAlgorithm {
    /// AES-128-GCM (RFC 5288).
    Aes128Gcm,
    /// AES-256-GCM (RFC 5288).
    Aes256Gcm,
    /// ChaCha20-Poly1305 (RFC 7905).
    ChaCha20Poly1305,
}

/// The authentication tag length of every algorithm here.
pub const TAG_LEN: usize = 16;

impl AeadAlgorithm {
    /// The record cipher of one of keel's suites; `None` for any other suite.
    #[must_use]
    pub fn for_suite(suite: CipherSuite) -> Option<Self> {
        match suite {
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
            | CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => Some(Self::Aes128Gcm),
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
            | CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => Some(Self::Aes256Gcm),
            CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
            | CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => {
                Some(Self::ChaCha20Poly1305)
            }
            _ => None,
        }
    }

    /// `enc_key_length`: bytes of write key.
    #[must_use]
    pub const fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm => 16,
            Self::Aes256Gcm | Self::ChaCha20Poly1305 => 32,
        }
    }

    /// `fixed_iv_length`: bytes of write IV from the key block. GCM takes a
    /// 4-byte salt (RFC 5288 §3); ChaCha20-Poly1305 a 12-byte IV (RFC 7905
    /// §2).
    #[must_use]
    pub const fn fixed_iv_len(self) -> usize {
        match self {
            Self::Aes128Gcm | Self::Aes256Gcm => 4,
            Self::ChaCha20Poly1305 => 12,
        }
    }

    /// `record_iv_length`: bytes of explicit nonce carried in each record.
    #[must_use]
    pub const fn explicit_nonce_len(self) -> usize {
        match self {
            Self::Aes128Gcm | Self::Aes256Gcm => 8,
            Self::ChaCha20Poly1305 => 0,
        }
    }

    /// Bytes a protected record adds to its plaintext: 24 or 16, far below
    /// the 1024 RFC 5246 §6.2.3.3 allows an AEAD cipher.
    #[must_use]
    pub const fn overhead(self) -> usize {
        self.explicit_nonce_len() + TAG_LEN
    }

    /// How many records one key may protect.
    ///
    /// AES-GCM: 2^24 records. RFC 8446 §5.5 (citing the CFRG analysis of
    /// AEAD usage limits, draft-irtf-cfrg-aead-limits) puts the safe limit
    /// for AES-GCM at 2^24.5 full-size records per key, keeping the
    /// authenticated-encryption advantage near 2^-57; keel rounds down to a
    /// power of two. TLS 1.3 rekeys at that point; TLS 1.2 cannot, so the
    /// connection must end.
    ///
    /// ChaCha20-Poly1305 has no such limit below the 64-bit sequence number
    /// (RFC 8446 §5.5), so only the sequence number bounds it.
    #[must_use]
    pub const fn record_limit(self) -> u64 {
        match self {
            Self::Aes128Gcm | Self::Aes256Gcm => 1 << 24,
            Self::ChaCha20Poly1305 => u64::MAX,
        }
    }

    fn aws_lc(self) -> &'static Algorithm {
        match self {
            Self::Aes128Gcm => &AES_128_GCM,
            Self::Aes256Gcm => &AES_256_GCM,
            Self::ChaCha20Poly1305 => &CHACHA20_POLY1305,
        }
    }
}

/// One direction's write key and IV, as the key schedule derived them
/// (RFC 5246 §6.3). Zeroized on drop; `Debug` shows only the algorithm.
#[derive(Clone)]
pub struct TrafficKeys {
    algorithm: AeadAlgorithm,
    key: [u8; 32],
    iv: [u8; 12],
}

impl TrafficKeys {
    /// Checks the lengths against the algorithm and copies the material.
    pub fn new(algorithm: AeadAlgorithm, key: &[u8], iv: &[u8]) -> Result<Self, RecordError> {
        check_len("key", algorithm.key_len(), key.len())?;
        check_len("IV", algorithm.fixed_iv_len(), iv.len())?;
        let mut keys = Self {
            algorithm,
            key: [0; 32],
            iv: [0; 12],
        };
        keys.key
            .get_mut(..key.len())
            .unwrap_or_default()
            .copy_from_slice(key);
        keys.iv
            .get_mut(..iv.len())
            .unwrap_or_default()
            .copy_from_slice(iv);
        Ok(keys)
    }

    /// The algorithm these keys are for.
    #[must_use]
    pub fn algorithm(&self) -> AeadAlgorithm {
        self.algorithm
    }

    fn aead_key(&self) -> Result<LessSafeKey, RecordError> {
        let key = self.key.get(..self.algorithm.key_len()).unwrap_or_default();
        UnboundKey::new(self.algorithm.aws_lc(), key)
            .map(LessSafeKey::new)
            .map_err(|_| RecordError::BadKeyMaterial {
                what: "key",
                expected: self.algorithm.key_len(),
                actual: key.len(),
            })
    }
}

impl Drop for TrafficKeys {
    fn drop(&mut self) {
        self.key.zeroize();
        self.iv.zeroize();
    }
}

impl core::fmt::Debug for TrafficKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TrafficKeys")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

fn check_len(what: &'static str, expected: usize, actual: usize) -> Result<(), RecordError> {
    if expected == actual {
        Ok(())
    } else {
        Err(RecordError::BadKeyMaterial {
            what,
            expected,
            actual,
        })
    }
}

/// The per-record nonce, as each suite's specification defines it (RFC 5288
/// §3, RFC 7905 §2), which RFC 5246 §6.2.3.3 leaves to them. The implicit
/// part is the write IV from the key block, as RFC 5246 §6.2.3.3 asks.
fn nonce(algorithm: AeadAlgorithm, iv: &[u8; 12], explicit: [u8; 8], seq: u64) -> [u8; 12] {
    let mut nonce = [0u8; 12];
    match algorithm {
        // GCMNonce = salt (4 bytes, from the key block) || nonce_explicit (8
        // bytes, carried in the record).
        AeadAlgorithm::Aes128Gcm | AeadAlgorithm::Aes256Gcm => {
            let (salt, rest) = nonce.split_at_mut(4);
            salt.copy_from_slice(iv.get(..4).unwrap_or_default());
            rest.copy_from_slice(&explicit);
        }
        // The 64-bit sequence number, big-endian, left-padded to 12 bytes
        // and XORed with the 12-byte IV.
        AeadAlgorithm::ChaCha20Poly1305 => {
            let padded = {
                let mut padded = [0u8; 12];
                padded
                    .get_mut(4..)
                    .unwrap_or_default()
                    .copy_from_slice(&seq.to_be_bytes());
                padded
            };
            for ((out, iv), seq) in nonce.iter_mut().zip(iv).zip(padded) {
                *out = iv ^ seq;
            }
        }
    }
    nonce
}

/// additional_data = seq_num + TLSCompressed.type + TLSCompressed.version +
/// TLSCompressed.length (RFC 5246 §6.2.3.3), the length being the
/// plaintext's.
fn additional_data(
    seq: u64,
    content_type: ContentType,
    version: ProtocolVersion,
    len: usize,
) -> [u8; 13] {
    let [s0, s1, s2, s3, s4, s5, s6, s7] = seq.to_be_bytes();
    let [v0, v1] = version.get().to_be_bytes();
    // Callers pass plaintext lengths bounded by the record size (< 2^16).
    let [l0, l1] = u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes();
    [
        s0,
        s1,
        s2,
        s3,
        s4,
        s5,
        s6,
        s7,
        content_type.get(),
        v0,
        v1,
        l0,
        l1,
    ]
}

#[cfg(test)]
mod tests;
