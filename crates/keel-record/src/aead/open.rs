//! Opening: a protected record decrypted in place.

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce};
use keel_wire::registry::{ContentType, ProtocolVersion};
use zeroize::Zeroize;

use super::{AeadAlgorithm, TAG_LEN, TrafficKeys, additional_data, nonce};
use crate::error::RecordError;

/// Authenticates and decrypts incoming records under one read key, with its
/// own sequence number. In place, no allocation.
pub struct RecordOpener {
    key: LessSafeKey,
    algorithm: AeadAlgorithm,
    iv: [u8; 12],
    seq: u64,
}

impl RecordOpener {
    /// An opener starting at sequence number 0 (RFC 5246 §6.1: a read state
    /// made active starts at zero).
    pub fn new(keys: &TrafficKeys) -> Result<Self, RecordError> {
        Ok(Self {
            key: keys.aead_key()?,
            algorithm: keys.algorithm,
            iv: keys.iv,
            seq: 0,
        })
    }

    /// The algorithm.
    #[must_use]
    pub fn algorithm(&self) -> AeadAlgorithm {
        self.algorithm
    }

    /// The sequence number the next record must have been sealed with.
    #[must_use]
    pub fn sequence(&self) -> u64 {
        self.seq
    }

    /// Authenticates and decrypts `fragment` (a record's body: explicit
    /// nonce, ciphertext, tag) in place and returns the plaintext, a
    /// sub-slice of `fragment`.
    ///
    /// The GCM explicit nonce is read from the record, never assumed to be
    /// the sequence number: RFC 5288 lets the sender choose it, and OpenSSL
    /// does not use the sequence number. The sequence number still enters
    /// the additional data, so a replayed or reordered record fails. On
    /// failure nothing is released: the error carries no plaintext, and the
    /// fragment's contents are unspecified.
    pub fn open_in_place<'a>(
        &mut self,
        content_type: ContentType,
        version: ProtocolVersion,
        fragment: &'a mut [u8],
    ) -> Result<&'a mut [u8], RecordError> {
        if self.seq == u64::MAX {
            return Err(RecordError::SequenceExhausted);
        }
        let explicit_len = self.algorithm.explicit_nonce_len();
        let Some(plaintext_len) = fragment.len().checked_sub(explicit_len + TAG_LEN) else {
            // Too short to hold a tag: it cannot authenticate.
            return Err(RecordError::BadRecordMac);
        };
        let (explicit, sealed) = fragment.split_at_mut(explicit_len);
        let mut explicit_nonce = [0u8; 8];
        explicit_nonce
            .get_mut(..explicit.len())
            .unwrap_or_default()
            .copy_from_slice(explicit);
        let nonce =
            Nonce::assume_unique_for_key(nonce(self.algorithm, &self.iv, explicit_nonce, self.seq));
        let aad = additional_data(self.seq, content_type, version, plaintext_len);
        let plaintext = self
            .key
            .open_in_place(nonce, Aad::from(aad), sealed)
            // RFC 5246 §6.2.3.3: decryption failure is bad_record_mac.
            .map_err(|_| RecordError::BadRecordMac)?;
        // RFC 5246 §6.1: the read state is updated for every record.
        self.seq += 1;
        Ok(plaintext)
    }
}

impl RecordOpener {
    /// Moves the sequence number, for tests of exhaustion and of the key
    /// limit.
    #[cfg(any(test, feature = "testing"))]
    pub fn set_sequence(&mut self, seq: u64) {
        self.seq = seq;
    }
}

impl Drop for RecordOpener {
    fn drop(&mut self) {
        self.iv.zeroize();
    }
}

impl core::fmt::Debug for RecordOpener {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RecordOpener")
            .field("algorithm", &self.algorithm)
            .field("sequence", &self.seq)
            .finish_non_exhaustive()
    }
}
