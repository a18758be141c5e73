//! The TLS 1.2 key schedule: the PRF (RFC 5246 §5), the extended master
//! secret (RFC 7627 §4), key expansion (RFC 5246 §6.3) and the Finished
//! `verify_data` (RFC 5246 §7.4.9).
//!
//! keel writes no crypto of its own: the PRF is aws-lc-rs's `tls_prf`, and
//! the comparison of `verify_data` is aws-lc-rs's constant-time one. This
//! module chooses the PRF hash, the labels, the seeds and the lengths, and
//! cuts the outputs into the keys the record layer takes.
//!
//! ```text
//! pre_master_secret (ECDHE, from the caller)
//!   -> master_secret = PRF(pms, "extended master secret", session_hash)[0..47]
//!        -> key_block  = PRF(ms, "key expansion", server_random + client_random)
//!        -> verify_data = PRF(ms, finished_label, Hash(handshake_messages))[0..11]
//! ```

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::{digest, tls_prf};
use keel_record::{AeadAlgorithm, RecordError, TrafficKeys};
use keel_wire::registry::CipherSuite;
use snafu::{ResultExt, Snafu};
use zeroize::Zeroize;

/// Length of a TLS 1.2 master secret (RFC 5246 §8.1).
pub const MASTER_SECRET_LEN: usize = 48;

/// Length of Finished `verify_data` for every suite keel knows (RFC 5246
/// §7.4.9: "verify_data_length ... defaults to 12"; none of keel's suites
/// specifies another).
pub const VERIFY_DATA_LEN: usize = 12;

/// Length of `ClientHello.random` and `ServerHello.random`.
pub const RANDOM_LEN: usize = 32;

/// The longest key block of keel's suites: ChaCha20-Poly1305's two 32-byte
/// keys and two 12-byte IVs.
const MAX_KEY_BLOCK_LEN: usize = 2 * 32 + 2 * 12;

/// Why a key-schedule computation failed. None of these can be caused by a
/// peer's bytes alone: they mean the PRF refused its input or the caller
/// passed material of the wrong size.
#[derive(Debug, Clone, PartialEq, Eq, Snafu)]
#[non_exhaustive]
pub enum KeyScheduleError {
    /// aws-lc-rs's TLS PRF (TLS 1.2) or HMAC (TLS 1.3's HKDF-Extract)
    /// refused to compute (an empty secret, for one).
    #[snafu(display("the key derivation failed while deriving the {derivation}"))]
    Prf {
        /// What was being derived: "extended master secret", "key block",
        /// "verify_data", "PRF output" or "HKDF-Extract output".
        derivation: &'static str,
    },
    /// An input or output of the wrong length: a handshake hash whose length
    /// is not the PRF hash's, or a master secret that is not 48 bytes.
    #[snafu(display("{what} is {actual} bytes, expected {expected}"))]
    BadLength {
        /// Which value.
        what: &'static str,
        /// The length required.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// The record layer refused the expanded keys.
    #[snafu(display("the record layer refused the expanded keys"))]
    TrafficKeys {
        /// The record layer's reason.
        source: RecordError,
    },
}

/// The hash of the TLS 1.2 PRF, and of the handshake transcript, for a
/// suite (RFC 5246 §5: the suite names it; RFC 5289 §3.2 for the AES-GCM
/// suites, RFC 7905 §2 for ChaCha20-Poly1305).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrfHash {
    /// P_SHA256: the AES-128-GCM and ChaCha20-Poly1305 suites.
    Sha256,
    /// P_SHA384: the AES-256-GCM suites.
    Sha384,
}

impl PrfHash {
    /// The PRF hash of one of keel's six suites; `None` for any other suite.
    #[must_use]
    pub fn for_suite(suite: CipherSuite) -> Option<Self> {
        // RFC 7627 §6.2: the session hash is this hash, so SHA-256 or
        // SHA-384, never MD5 or SHA-1.
        match suite {
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
            | CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
            | CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
            | CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => Some(Self::Sha256),
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
            | CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => Some(Self::Sha384),
            _ => None,
        }
    }

    /// The digest algorithm, for hashing the transcript.
    #[must_use]
    pub fn digest_algorithm(self) -> &'static digest::Algorithm {
        match self {
            Self::Sha256 => &digest::SHA256,
            Self::Sha384 => &digest::SHA384,
        }
    }

    /// The length of a handshake hash under this PRF: 32 or 48 bytes.
    #[must_use]
    pub const fn hash_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
        }
    }

    /// `PRF(secret, label, seed)`, as many bytes as `output` holds (RFC 5246
    /// §5). Every derivation in keel goes through here. `output` receives
    /// secret material: the caller zeroizes it when it holds a secret.
    pub fn prf(
        self,
        secret: &[u8],
        label: &[u8],
        seed: &[u8],
        output: &mut [u8],
    ) -> Result<(), KeyScheduleError> {
        self.prf_named("PRF output", secret, label, seed, output)
    }

    fn prf_named(
        self,
        derivation: &'static str,
        secret: &[u8],
        label: &[u8],
        seed: &[u8],
        output: &mut [u8],
    ) -> Result<(), KeyScheduleError> {
        // aws-lc-rs copies the secret into a buffer it zeroizes on drop, and
        // returns the output in another such buffer, so the only copy left
        // behind is the one the caller asked for in `output`.
        let derived = tls_prf::Secret::new(self.tls_prf(), secret)
            .and_then(|secret| secret.derive(label, seed, output.len()))
            .map_err(|_| KeyScheduleError::Prf { derivation })?;
        check_len(derivation, output.len(), derived.as_ref().len())?;
        output.copy_from_slice(derived.as_ref());
        Ok(())
    }

    fn tls_prf(self) -> &'static tls_prf::Algorithm {
        match self {
            Self::Sha256 => &tls_prf::P_SHA256,
            Self::Sha384 => &tls_prf::P_SHA384,
        }
    }
}

/// The 48-byte master secret of a session. Zeroized on drop; `Debug` never
/// shows it. It has no `Clone` and no `PartialEq`, so that a copy or a
/// variable-time comparison is always written out deliberately, through
/// [`as_bytes`](Self::as_bytes) and [`from_bytes`](Self::from_bytes).
pub struct MasterSecret([u8; MASTER_SECRET_LEN]);

impl MasterSecret {
    /// The extended master secret (RFC 7627 §4), which keel always uses
    /// (RFC 7627 §5.1: keel always agrees on the extension, and has no other
    /// derivation):
    ///
    /// ```text
    /// master_secret = PRF(pre_master_secret, "extended master secret",
    ///                     session_hash)[0..47];
    /// ```
    ///
    /// `session_hash` is the transcript hash "from the first handshake
    /// message (ClientHello) up to and including the ClientKeyExchange
    /// message" (RFC 7627 §3), under the same hash as the PRF; another
    /// length is refused.
    ///
    /// `pre_master_secret` is the ECDHE shared secret (RFC 8422 §5.10),
    /// computed elsewhere. It is only read here: **the caller zeroizes it**
    /// as soon as this returns.
    pub fn extended(
        prf: PrfHash,
        pre_master_secret: &[u8],
        session_hash: &[u8],
    ) -> Result<Self, KeyScheduleError> {
        check_len("session hash", prf.hash_len(), session_hash.len())?;
        let mut secret = Self([0; MASTER_SECRET_LEN]);
        prf.prf_named(
            "extended master secret",
            pre_master_secret,
            b"extended master secret",
            session_hash,
            &mut secret.0,
        )?;
        Ok(secret)
    }

    /// A master secret kept from an earlier connection (a resumed session)
    /// or given by a test. It must be exactly 48 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyScheduleError> {
        check_len("master secret", MASTER_SECRET_LEN, bytes.len())?;
        let mut secret = Self([0; MASTER_SECRET_LEN]);
        secret.0.copy_from_slice(bytes);
        Ok(secret)
    }

    /// The secret itself, for a session store or a key log. Whoever copies
    /// it out is responsible for that copy.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; MASTER_SECRET_LEN] {
        &self.0
    }
}

impl Drop for MasterSecret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl core::fmt::Debug for MasterSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MasterSecret").finish_non_exhaustive()
    }
}

/// Key expansion (RFC 5246 §6.3) for an AEAD suite: returns the client's
/// write keys and the server's write keys, in that order.
///
/// ```text
/// key_block = PRF(SecurityParameters.master_secret, "key expansion",
///                 SecurityParameters.server_random +
///                 SecurityParameters.client_random);
/// ```
///
/// cut into `client_write_MAC_key`, `server_write_MAC_key`,
/// `client_write_key`, `server_write_key`, `client_write_IV`,
/// `server_write_IV`. The AEAD suites have `mac_key_length` 0
/// (RFC 5246 §6.2.3.3: no MAC key is used), so the block is the four keys
/// and IVs only. The IV is the implicit part of each record's nonce, taken
/// from the key block as RFC 5246 §6.2.3.3 recommends: the 4-byte GCM salt
/// (RFC 5288 §3) or the 12-byte ChaCha20-Poly1305 IV (RFC 7905 §2). The
/// client seals with the first keys and the server with the second.
///
/// `prf` must be the suite's ([`PrfHash::for_suite`]) and `algorithm` its
/// record cipher ([`AeadAlgorithm::for_suite`]).
pub fn key_block(
    master_secret: &MasterSecret,
    prf: PrfHash,
    algorithm: AeadAlgorithm,
    client_random: &[u8; RANDOM_LEN],
    server_random: &[u8; RANDOM_LEN],
) -> Result<(TrafficKeys, TrafficKeys), KeyScheduleError> {
    // Note the order: server_random first (it is client_random first in the
    // master secret of RFC 5246 §8.1, a classic source of mistakes).
    let mut seed = [0u8; 2 * RANDOM_LEN];
    let (server_part, client_part) = seed.split_at_mut(RANDOM_LEN);
    server_part.copy_from_slice(server_random);
    client_part.copy_from_slice(client_random);

    let (key_len, iv_len) = (algorithm.key_len(), algorithm.fixed_iv_len());
    let needed = block_len_needed(key_len, iv_len);
    let mut block = [0u8; MAX_KEY_BLOCK_LEN];
    let result = block
        .get_mut(..needed)
        .ok_or(KeyScheduleError::BadLength {
            what: "key block",
            expected: needed,
            actual: MAX_KEY_BLOCK_LEN,
        })
        .and_then(|block| {
            prf.prf_named(
                "key block",
                &master_secret.0,
                b"key expansion",
                &seed,
                block,
            )?;
            split_key_block(algorithm, block, key_len, iv_len)
        });
    // The traffic keys hold their own copies; this one goes now.
    block.zeroize();
    result
}

/// Finished `verify_data` (RFC 5246 §7.4.9):
///
/// ```text
/// verify_data = PRF(master_secret, finished_label,
///                   Hash(handshake_messages))[0..verify_data_length-1];
/// ```
///
/// `handshake_hash` covers every handshake message of this handshake up to
/// but not including the Finished being computed (the client's Finished is
/// included in the hash for the server's), under the PRF's hash; another
/// length is refused.
pub fn verify_data(
    master_secret: &MasterSecret,
    prf: PrfHash,
    sender: Sender,
    handshake_hash: &[u8],
) -> Result<[u8; VERIFY_DATA_LEN], KeyScheduleError> {
    check_len("handshake hash", prf.hash_len(), handshake_hash.len())?;
    let mut out = [0u8; VERIFY_DATA_LEN];
    prf.prf_named(
        "verify_data",
        &master_secret.0,
        sender.finished_label(),
        handshake_hash,
        &mut out,
    )?;
    Ok(out)
}

/// Whether the peer's `verify_data` is the one computed, in constant time
/// for a given length. A `received` of another length never matches.
#[must_use]
pub fn verify_data_matches(expected: &[u8; VERIFY_DATA_LEN], received: &[u8]) -> bool {
    verify_slices_are_equal(expected, received).is_ok()
}

/// Labels the TLS key schedule itself uses, which an exporter must never be
/// asked for: RFC 5705 §6 reserves the first four, and "extended master
/// secret" (RFC 7627) is as much the key schedule's.
const RESERVED_LABELS: [&[u8]; 5] = [
    b"client finished",
    b"server finished",
    b"master secret",
    b"key expansion",
    b"extended master secret",
];

/// Why keying material could not be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Snafu)]
#[non_exhaustive]
pub enum ExportError {
    /// The label is one the TLS key schedule itself uses.
    #[snafu(display("exporter label collides with a TLS key-schedule label"))]
    ReservedLabel,
    /// The context is longer than its 16-bit length prefix allows.
    #[snafu(display("exporter context of {len} bytes exceeds 65535"))]
    ContextTooLong {
        /// The context's length.
        len: usize,
    },
    /// The PRF failed.
    #[snafu(display("the PRF failed"))]
    PrfFailed,
}

/// Keying material exporter (RFC 5705 §4):
/// `PRF(master_secret, label, client_random + server_random [+ context_length
/// (uint16) + context])`, truncated to `output.len()`. "No context" and an
/// empty context are different inputs and give different output.
pub fn export_keying_material(
    master: &MasterSecret,
    prf: PrfHash,
    client_random: &[u8; RANDOM_LEN],
    server_random: &[u8; RANDOM_LEN],
    label: &[u8],
    context: Option<&[u8]>,
    output: &mut [u8],
) -> Result<(), ExportError> {
    if RESERVED_LABELS.contains(&label) {
        return Err(ExportError::ReservedLabel);
    }
    let mut seed = Vec::with_capacity(2 * RANDOM_LEN + 2 + context.map_or(0, <[u8]>::len));
    seed.extend_from_slice(client_random);
    seed.extend_from_slice(server_random);
    if let Some(context) = context {
        let len = u16::try_from(context.len())
            .map_err(|_| ExportError::ContextTooLong { len: context.len() })?;
        seed.extend_from_slice(&len.to_be_bytes());
        seed.extend_from_slice(context);
    }
    prf.prf_named(
        "exported keying material",
        master.as_bytes(),
        label,
        &seed,
        output,
    )
    .map_err(|_| ExportError::PrfFailed)
}

/// Which side sent a Finished message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sender {
    /// The client: label "client finished".
    Client,
    /// The server: label "server finished".
    Server,
}

impl Sender {
    /// RFC 5246 §7.4.9: "For Finished messages sent by the client, the
    /// string 'client finished'. For Finished messages sent by the server,
    /// the string 'server finished'."
    fn finished_label(self) -> &'static [u8] {
        match self {
            Self::Client => b"client finished",
            Self::Server => b"server finished",
        }
    }
}

fn block_len_needed(key_len: usize, iv_len: usize) -> usize {
    2 * key_len + 2 * iv_len
}

/// Cuts a key block into client and server keys: client_write_key,
/// server_write_key, client_write_IV, server_write_IV.
fn split_key_block(
    algorithm: AeadAlgorithm,
    block: &[u8],
    key_len: usize,
    iv_len: usize,
) -> Result<(TrafficKeys, TrafficKeys), KeyScheduleError> {
    let mut rest = block;
    let client_key = take(&mut rest, key_len)?;
    let server_key = take(&mut rest, key_len)?;
    let client_iv = take(&mut rest, iv_len)?;
    let server_iv = take(&mut rest, iv_len)?;
    check_len("key block remainder", 0, rest.len())?;
    let client = TrafficKeys::new(algorithm, client_key, client_iv).context(TrafficKeysSnafu)?;
    let server = TrafficKeys::new(algorithm, server_key, server_iv).context(TrafficKeysSnafu)?;
    Ok((client, server))
}

fn take<'a>(rest: &mut &'a [u8], len: usize) -> Result<&'a [u8], KeyScheduleError> {
    let (head, tail) = rest
        .split_at_checked(len)
        .ok_or(KeyScheduleError::BadLength {
            what: "key block",
            expected: len,
            actual: rest.len(),
        })?;
    *rest = tail;
    Ok(head)
}

fn check_len(what: &'static str, expected: usize, actual: usize) -> Result<(), KeyScheduleError> {
    if expected == actual {
        Ok(())
    } else {
        Err(KeyScheduleError::BadLength {
            what,
            expected,
            actual,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prf_hash_for_every_suite() {
        let sha256 = [
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ];
        let sha384 = [
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        ];
        for suite in sha256 {
            assert_eq!(PrfHash::for_suite(suite), Some(PrfHash::Sha256), "{suite}");
        }
        for suite in sha384 {
            assert_eq!(PrfHash::for_suite(suite), Some(PrfHash::Sha384), "{suite}");
        }
        // A suite keel does not negotiate (TLS_RSA_WITH_AES_128_GCM_SHA256).
        assert_eq!(PrfHash::for_suite(CipherSuite::new(0x009c)), None);
    }

    #[test]
    fn hash_len_matches_digest() {
        for prf in [PrfHash::Sha256, PrfHash::Sha384] {
            assert_eq!(prf.hash_len(), prf.digest_algorithm().output_len());
        }
    }

    #[test]
    fn key_block_lengths_per_algorithm() {
        // RFC 5246 §6.3 with mac_key_length 0: 2 * key + 2 * IV.
        for (algorithm, len) in [
            (AeadAlgorithm::Aes128Gcm, 40),
            (AeadAlgorithm::Aes256Gcm, 72),
            (AeadAlgorithm::ChaCha20Poly1305, 88),
        ] {
            let needed = block_len_needed(algorithm.key_len(), algorithm.fixed_iv_len());
            assert_eq!(needed, len);
            assert!(needed <= MAX_KEY_BLOCK_LEN);
        }
    }
}
