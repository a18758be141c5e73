//! The Finished MAC (RFC 8446 §4.4.4), which also makes PSK binders
//! (RFC 8446 §4.2.11.2).

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::hmac;

use super::hkdf::{SecretBytes, check_len};
use super::suite::{MAX_HASH_LEN, SuiteHash};
use crate::key_schedule::KeyScheduleError;

/// `finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length)`
/// (RFC 8446 §4.4.4), from a handshake traffic secret
/// ([`TrafficSecret::finished_key`](super::key_schedule::TrafficSecret::finished_key))
/// or a binder key
/// ([`BinderKey::finished_key`](super::key_schedule::BinderKey::finished_key)).
/// Zeroized on drop; `Debug` never shows it.
pub struct FinishedKey(SecretBytes);

impl FinishedKey {
    pub(crate) fn from_base_key(base_key: &SecretBytes) -> Result<Self, KeyScheduleError> {
        base_key.expand_label(b"finished", &[]).map(Self)
    }

    /// `verify_data = HMAC(finished_key, Transcript-Hash(Handshake Context,
    /// Certificate*, CertificateVerify*))` (RFC 8446 §4.4.4), given that
    /// transcript hash; for a binder, the hash of the truncated ClientHello.
    /// A hash of another length than the suite's is refused.
    pub fn verify_data(&self, transcript_hash: &[u8]) -> Result<VerifyData, KeyScheduleError> {
        let hash = self.0.hash();
        check_len("transcript hash", hash.hash_len(), transcript_hash.len())?;
        let key = hmac::Key::new(hash.hmac_algorithm(), self.0.as_slice());
        let tag = hmac::sign(&key, transcript_hash);
        let mut data = VerifyData {
            hash,
            bytes: [0; MAX_HASH_LEN],
        };
        // HMAC's output is Hash.length bytes; `as_bytes` shows that many.
        for (out, byte) in data.bytes.iter_mut().zip(tag.as_ref()) {
            *out = *byte;
        }
        Ok(data)
    }

    /// Whether `received` is the `verify_data` (or binder) for
    /// `transcript_hash`, compared in constant time (RFC 8446 §4.4.4:
    /// "Recipients of Finished messages MUST verify that the contents are
    /// correct"). A `received` of another length never matches.
    pub fn verify(
        &self,
        transcript_hash: &[u8],
        received: &[u8],
    ) -> Result<bool, KeyScheduleError> {
        let expected = self.verify_data(transcript_hash)?;
        Ok(verify_slices_are_equal(expected.as_bytes(), received).is_ok())
    }

    /// The key itself, for tests against published traces.
    #[cfg(test)]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_slice()
    }
}

impl core::fmt::Debug for FinishedKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FinishedKey")
            .field("hash", &self.0.hash())
            .finish_non_exhaustive()
    }
}

/// The `verify_data` of a Finished message, or a PSK binder: Hash.length
/// bytes, public once sent (it travels encrypted in a Finished, in clear in
/// a binder). No `PartialEq`: a received value is checked with
/// [`FinishedKey::verify`], in constant time.
#[derive(Clone, Copy)]
pub struct VerifyData {
    hash: SuiteHash,
    bytes: [u8; MAX_HASH_LEN],
}

impl VerifyData {
    /// The bytes to put in the Finished message or the binders list.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        let (bytes, _) = self.bytes.split_at(self.hash.hash_len());
        bytes
    }
}

impl core::fmt::Debug for VerifyData {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("VerifyData")
            .field(&format_args!(
                "{}",
                data_encoding::HEXLOWER.encode_display(self.as_bytes())
            ))
            .finish()
    }
}
