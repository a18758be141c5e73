//! AEAD record protection with the three ciphers keel negotiates, through
//! aws-lc-rs: TLS 1.2's (RFC 5246 §6.2.3.3) and TLS 1.3's (RFC 8446 §5.2,
//! §5.3). keel builds nonces, additional data and TLS 1.3's inner
//! plaintext; it never implements a cipher.

mod open;
mod seal;

pub use open::RecordOpener;
pub use seal::RecordSealer;

use aws_lc_rs::aead::{
    AES_128_GCM, AES_256_GCM, Aad, Algorithm, CHACHA20_POLY1305, LessSafeKey, UnboundKey,
};
use keel_wire::registry::{CipherSuite, ContentType, ProtocolVersion};
use zeroize::Zeroize;

use crate::error::RecordError;

/// The record ciphers of keel's six TLS 1.2 suites and three TLS 1.3 suites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AeadAlgorithm {
    /// AES-128-GCM (RFC 5288).
    Aes128Gcm,
    /// AES-256-GCM (RFC 5288).
    Aes256Gcm,
    /// ChaCha20-Poly1305 (RFC 7905).
    ChaCha20Poly1305,
}

/// The authentication tag length of every algorithm here. It is all the
/// AEAD adds to what it encrypts: RFC 8446 §5.2 forbids a TLS 1.3 AEAD an
/// expansion over 255 bytes, and these three expand by 16.
pub const TAG_LEN: usize = 16;

impl AeadAlgorithm {
    /// The record cipher of one of keel's TLS 1.2 suites; `None` for any
    /// other suite, the TLS 1.3 ones included (see
    /// [`for_tls13_suite`](Self::for_tls13_suite)): a TLS 1.3 suite names no
    /// key exchange and so is never a TLS 1.2 suite.
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

    /// The record cipher of one of the TLS 1.3 suites (RFC 8446 §B.4):
    /// TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
    /// TLS_CHACHA20_POLY1305_SHA256; `None` for any other suite, the CCM
    /// ones (which keel does not offer) and every TLS 1.2 suite included.
    #[must_use]
    pub fn for_tls13_suite(suite: CipherSuite) -> Option<Self> {
        match suite {
            CipherSuite::TLS_AES_128_GCM_SHA256 => Some(Self::Aes128Gcm),
            CipherSuite::TLS_AES_256_GCM_SHA384 => Some(Self::Aes256Gcm),
            CipherSuite::TLS_CHACHA20_POLY1305_SHA256 => Some(Self::ChaCha20Poly1305),
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

    /// `iv_length` in TLS 1.3: 12 bytes for every algorithm here, GCM
    /// included (RFC 8446 §5.3: max(8 bytes, N_MIN), and N_MIN is 12 for
    /// all three). The key schedule derives this many bytes of write IV.
    #[must_use]
    pub const fn tls13_iv_len(self) -> usize {
        NONCE_LEN
    }

    /// `record_iv_length`: bytes of explicit nonce carried in each TLS 1.2
    /// record (TLS 1.3 records carry none).
    #[must_use]
    pub const fn explicit_nonce_len(self) -> usize {
        match self {
            Self::Aes128Gcm | Self::Aes256Gcm => 8,
            Self::ChaCha20Poly1305 => 0,
        }
    }

    /// Bytes a protected TLS 1.2 record adds to its plaintext: 24 or 16,
    /// far below the 1024 RFC 5246 §6.2.3.3 allows an AEAD cipher. (A TLS
    /// 1.3 record adds the tag and the content type byte:
    /// [`RecordSealer::overhead`] says what a record adds in either
    /// version.)
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
    /// power of two. TLS 1.3 replaces the key before then with a KeyUpdate
    /// (see [`RecordSealer::key_update_due`]); TLS 1.2 cannot, so the
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

/// The bytes of every AEAD nonce here (RFC 5116 §3.2's N_MIN = N_MAX for
/// all three algorithms). RFC 8446 §5.3 bars an AEAD whose N_MAX is under
/// 8 bytes, since the nonce must hold the 64-bit sequence number; none of
/// these is one, and no other algorithm can be named.
const NONCE_LEN: usize = 12;

/// Which version's record protection a key is used with. The two differ in
/// the nonce, the additional data and what the ciphertext holds; a key is
/// made for one of them ([`TrafficKeys::new`] or [`TrafficKeys::new_tls13`])
/// and the sealer, opener, writer and decoder built on it follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordProtection {
    /// TLS 1.2 (RFC 5246 §6.2.3.3): additional data of sequence number and
    /// header, an explicit nonce in GCM records (RFC 5288), the record's
    /// type in its header.
    Tls12,
    /// TLS 1.3 (RFC 8446 §5.2, §5.3): the sequence number XORed into the IV,
    /// the header as additional data, the real content type inside the
    /// ciphertext behind an outer application_data type.
    Tls13,
}

impl core::fmt::Display for RecordProtection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Tls12 => "TLS 1.2",
            Self::Tls13 => "TLS 1.3",
        })
    }
}

/// One direction's write key and IV, as the key schedule derived them
/// (RFC 5246 §6.3; RFC 8446 §7.3), for one version's record protection.
/// Zeroized on drop; `Debug` shows only the algorithm and the version.
#[derive(Clone)]
pub struct TrafficKeys {
    algorithm: AeadAlgorithm,
    protection: RecordProtection,
    key: [u8; 32],
    iv: [u8; NONCE_LEN],
}

impl TrafficKeys {
    /// TLS 1.2 keys: checks the lengths against the algorithm (the IV is
    /// [`fixed_iv_len`](AeadAlgorithm::fixed_iv_len) bytes) and copies the
    /// material.
    pub fn new(algorithm: AeadAlgorithm, key: &[u8], iv: &[u8]) -> Result<Self, RecordError> {
        Self::with_protection(RecordProtection::Tls12, algorithm, key, iv)
    }

    /// TLS 1.3 keys (RFC 8446 §7.3: `[sender]_write_key` and
    /// `[sender]_write_iv`): the IV is 12 bytes for every algorithm
    /// ([`tls13_iv_len`](AeadAlgorithm::tls13_iv_len)). Sealers and openers
    /// made from them protect records as RFC 8446 §5.2 says.
    pub fn new_tls13(algorithm: AeadAlgorithm, key: &[u8], iv: &[u8]) -> Result<Self, RecordError> {
        Self::with_protection(RecordProtection::Tls13, algorithm, key, iv)
    }

    fn with_protection(
        protection: RecordProtection,
        algorithm: AeadAlgorithm,
        key: &[u8],
        iv: &[u8],
    ) -> Result<Self, RecordError> {
        let iv_len = match protection {
            RecordProtection::Tls12 => algorithm.fixed_iv_len(),
            RecordProtection::Tls13 => algorithm.tls13_iv_len(),
        };
        check_len("key", algorithm.key_len(), key.len())?;
        check_len("IV", iv_len, iv.len())?;
        let mut keys = Self {
            algorithm,
            protection,
            key: [0; 32],
            iv: [0; NONCE_LEN],
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

    /// The version's record protection these keys are for.
    #[must_use]
    pub fn protection(&self) -> RecordProtection {
        self.protection
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
            .field("protection", &self.protection)
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

/// The per-record nonce of either version. TLS 1.3 uses one construction
/// for every suite (RFC 8446 §5.3), the one RFC 7905 §2 gave
/// ChaCha20-Poly1305 in TLS 1.2.
fn record_nonce(
    protection: RecordProtection,
    algorithm: AeadAlgorithm,
    iv: &[u8; NONCE_LEN],
    explicit: [u8; 8],
    seq: u64,
) -> [u8; NONCE_LEN] {
    match protection {
        RecordProtection::Tls12 => nonce(algorithm, iv, explicit, seq),
        RecordProtection::Tls13 => xor_nonce(iv, seq),
    }
}

/// The TLS 1.2 per-record nonce, as each suite's specification defines it
/// (RFC 5288 §3, RFC 7905 §2), which RFC 5246 §6.2.3.3 leaves to them. The
/// implicit part is the write IV from the key block, as RFC 5246 §6.2.3.3
/// asks.
fn nonce(
    algorithm: AeadAlgorithm,
    iv: &[u8; NONCE_LEN],
    explicit: [u8; 8],
    seq: u64,
) -> [u8; NONCE_LEN] {
    match algorithm {
        // GCMNonce = salt (4 bytes, from the key block) || nonce_explicit (8
        // bytes, carried in the record).
        AeadAlgorithm::Aes128Gcm | AeadAlgorithm::Aes256Gcm => {
            let mut nonce = [0u8; NONCE_LEN];
            let (salt, rest) = nonce.split_at_mut(4);
            salt.copy_from_slice(iv.get(..4).unwrap_or_default());
            rest.copy_from_slice(&explicit);
            nonce
        }
        AeadAlgorithm::ChaCha20Poly1305 => xor_nonce(iv, seq),
    }
}

/// RFC 8446 §5.3 (and RFC 7905 §2): "The 64-bit record sequence number is
/// encoded in network byte order and padded to the left with zeros to
/// iv_length. The padded sequence number is XORed with either the static
/// client_write_iv or server_write_iv".
fn xor_nonce(iv: &[u8; NONCE_LEN], seq: u64) -> [u8; NONCE_LEN] {
    let mut padded = [0u8; NONCE_LEN];
    let (_, low) = padded.split_at_mut(NONCE_LEN - 8);
    low.copy_from_slice(&seq.to_be_bytes());
    let mut nonce = [0u8; NONCE_LEN];
    for ((out, iv), seq) in nonce.iter_mut().zip(iv).zip(padded) {
        *out = iv ^ seq;
    }
    nonce
}

/// One record's additional data, in a fixed array so that building it
/// allocates nothing.
enum AdditionalData {
    Tls12([u8; 13]),
    Tls13([u8; 5]),
}

impl AdditionalData {
    /// additional_data = seq_num + TLSCompressed.type +
    /// TLSCompressed.version + TLSCompressed.length (RFC 5246 §6.2.3.3),
    /// the length being the plaintext's.
    fn tls12(
        seq: u64,
        content_type: ContentType,
        version: ProtocolVersion,
        plaintext_len: usize,
    ) -> Self {
        let [s0, s1, s2, s3, s4, s5, s6, s7] = seq.to_be_bytes();
        let [v0, v1] = version.get().to_be_bytes();
        let [l0, l1] = length_bytes(plaintext_len);
        Self::Tls12([
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
        ])
    }

    /// RFC 8446 §5.2: additional_data = TLSCiphertext.opaque_type ||
    /// TLSCiphertext.legacy_record_version || TLSCiphertext.length, the
    /// record header as it is on the wire, the length being the
    /// ciphertext's (tag included). No sequence number: it is in the
    /// nonce.
    fn tls13(content_type: ContentType, version: ProtocolVersion, ciphertext_len: usize) -> Self {
        let [v0, v1] = version.get().to_be_bytes();
        let [l0, l1] = length_bytes(ciphertext_len);
        Self::Tls13([content_type.get(), v0, v1, l0, l1])
    }

    fn aad(&self) -> Aad<&[u8]> {
        Aad::from(match self {
            Self::Tls12(bytes) => bytes.as_slice(),
            Self::Tls13(bytes) => bytes.as_slice(),
        })
    }
}

/// A record length as its two header bytes. Callers pass lengths bounded
/// by the record size (< 2^16).
fn length_bytes(len: usize) -> [u8; 2] {
    u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes()
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tls13_tests;
