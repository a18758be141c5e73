//! Sealing: plaintext in place into a protected record.

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce};
use keel_wire::framing::RecordHeader;
use keel_wire::registry::{ContentType, ProtocolVersion};
use zeroize::Zeroize;

use super::{AeadAlgorithm, TAG_LEN, TrafficKeys, additional_data, nonce};
use crate::error::RecordError;
use crate::limits::HEADER_LEN;

/// Protects outgoing records under one write key, with its own sequence
/// number. Works in place: the caller puts the plaintext at
/// [`prefix_len`](Self::prefix_len) in a buffer with
/// [`TAG_LEN`](super::TAG_LEN) spare bytes after it, and gets back a whole
/// record in that buffer. No allocation.
pub struct RecordSealer {
    key: LessSafeKey,
    algorithm: AeadAlgorithm,
    iv: [u8; 12],
    seq: u64,
    limit: u64,
}

impl RecordSealer {
    /// A sealer starting at sequence number 0 (RFC 5246 §6.1: each
    /// connection state's sequence number starts at zero).
    pub fn new(keys: &TrafficKeys) -> Result<Self, RecordError> {
        Ok(Self {
            key: keys.aead_key()?,
            algorithm: keys.algorithm,
            iv: keys.iv,
            seq: 0,
            limit: keys.algorithm.record_limit(),
        })
    }

    /// The algorithm.
    #[must_use]
    pub fn algorithm(&self) -> AeadAlgorithm {
        self.algorithm
    }

    /// Where the plaintext starts in a record buffer: header, then explicit
    /// nonce.
    #[must_use]
    pub fn prefix_len(&self) -> usize {
        HEADER_LEN + self.algorithm.explicit_nonce_len()
    }

    /// Bytes a record adds around its plaintext.
    #[must_use]
    pub fn overhead(&self) -> usize {
        self.prefix_len() + TAG_LEN
    }

    /// The sequence number of the next record.
    #[must_use]
    pub fn sequence(&self) -> u64 {
        self.seq
    }

    /// Records this key may still protect, the closing alert included.
    #[must_use]
    pub fn records_remaining(&self) -> u64 {
        self.limit.saturating_sub(self.seq)
    }

    /// Seals the `plaintext_len` bytes at `buf[prefix_len..]` into a record
    /// occupying `buf[..overhead + plaintext_len]` and returns its length.
    ///
    /// The explicit nonce keel sends is the sequence number (RFC 5288 §3
    /// allows any unique value; the sequence number is unique by
    /// construction). The last record a key may protect is kept for an
    /// alert, so that a connection at its limit can still close cleanly.
    pub fn seal_in_place(
        &mut self,
        content_type: ContentType,
        version: ProtocolVersion,
        buf: &mut [u8],
        plaintext_len: usize,
    ) -> Result<usize, RecordError> {
        let explicit = self.seq.to_be_bytes();
        self.seal_with_explicit_nonce(content_type, version, buf, plaintext_len, explicit)
    }

    /// Seals `plaintext` into a record written to `out[..overhead +
    /// plaintext.len()]` and returns its length; `plaintext` is left as it
    /// is. The cipher reads the caller's bytes and writes the record's, so
    /// nothing is copied first: this is how the buffered writer turns an
    /// application's bytes into a record in one pass over them. Same
    /// nonces, limits and errors as [`seal_in_place`](Self::seal_in_place).
    pub fn seal_from(
        &mut self,
        content_type: ContentType,
        version: ProtocolVersion,
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<usize, RecordError> {
        let explicit = self.seq.to_be_bytes();
        self.seal(
            content_type,
            version,
            out,
            Plaintext::From(plaintext),
            explicit,
        )
    }

    /// [`seal_in_place`](Self::seal_in_place) with a given GCM explicit
    /// nonce. Private: choosing nonces is how nonces get reused. The
    /// known-answer tests use it to reproduce OpenSSL's records, whose
    /// explicit nonces start at a random value.
    pub(crate) fn seal_with_explicit_nonce(
        &mut self,
        content_type: ContentType,
        version: ProtocolVersion,
        buf: &mut [u8],
        plaintext_len: usize,
        explicit: [u8; 8],
    ) -> Result<usize, RecordError> {
        self.seal(
            content_type,
            version,
            buf,
            Plaintext::InPlace(plaintext_len),
            explicit,
        )
    }

    /// The one sealing routine: checks, the AEAD call, header and nonce.
    /// Nothing is written and no sequence number is used unless the whole
    /// record fits in `buf`.
    fn seal(
        &mut self,
        content_type: ContentType,
        version: ProtocolVersion,
        buf: &mut [u8],
        input: Plaintext<'_>,
        explicit: [u8; 8],
    ) -> Result<usize, RecordError> {
        let plaintext_len = match input {
            Plaintext::InPlace(len) => len,
            Plaintext::From(bytes) => bytes.len(),
        };
        let prefix = self.prefix_len();
        let fragment_len = plaintext_len + self.algorithm.overhead();
        let record_len = HEADER_LEN + fragment_len;
        let Some(record) = buf.get_mut(..record_len) else {
            return Err(RecordError::BufferTooSmall {
                needed: record_len,
                actual: buf.len(),
            });
        };
        self.check_limit(content_type)?;
        // Fragment lengths stay below 2^16: the plaintext is bounded by the
        // callers (at most 2^14 + 2048 even for a misbehaving one) and the
        // overhead is 24 bytes.
        let length = u16::try_from(fragment_len).map_err(|_| RecordError::RecordOverflow {
            length: fragment_len,
            limit: usize::from(u16::MAX),
        })?;

        let seq = self.seq;
        let (head, body) = record.split_at_mut(prefix);
        let (ciphertext, tag_out) = body.split_at_mut(plaintext_len);
        let aad = Aad::from(additional_data(seq, content_type, version, plaintext_len));
        let nonce = Nonce::assume_unique_for_key(nonce(self.algorithm, &self.iv, explicit, seq));
        let sealed = match input {
            Plaintext::InPlace(_) => self
                .key
                .seal_in_place_separate_tag(nonce, aad, ciphertext)
                .map(|tag| tag_out.copy_from_slice(tag.as_ref())),
            // No extra plaintext: `tag_out` is exactly the tag's room.
            Plaintext::From(bytes) => {
                self.key
                    .seal_out_of_place_scatter(nonce, aad, bytes, ciphertext, &[], tag_out)
            }
        };
        sealed.map_err(|_| RecordError::CipherFailure)?;

        let header = RecordHeader {
            content_type,
            version,
            length,
        };
        let (header_out, explicit_out) = head.split_at_mut(HEADER_LEN);
        header_out.copy_from_slice(&header.to_bytes());
        explicit_out.copy_from_slice(explicit.get(..explicit_out.len()).unwrap_or_default());

        // RFC 5246 §6.1: the write state is updated for every record.
        self.seq = seq + 1;
        Ok(record_len)
    }

    fn check_limit(&self, content_type: ContentType) -> Result<(), RecordError> {
        // One sequence number is held back for the closing alert.
        let last_for_data = self.limit.saturating_sub(1);
        let allowed = if content_type == ContentType::ALERT {
            self.limit
        } else {
            last_for_data
        };
        if self.seq < allowed {
            Ok(())
        } else if self.limit == u64::MAX {
            Err(RecordError::SequenceExhausted)
        } else {
            Err(RecordError::KeyLimitReached { limit: self.limit })
        }
    }

    /// Refuses, before anything is sealed, `records` more records of a
    /// type other than alert that would run into the record held back for
    /// the closing alert.
    pub(crate) fn check_room(&self, records: u64) -> Result<(), RecordError> {
        if records <= self.records_remaining().saturating_sub(1) {
            Ok(())
        } else if self.limit == u64::MAX {
            Err(RecordError::SequenceExhausted)
        } else {
            Err(RecordError::KeyLimitReached { limit: self.limit })
        }
    }

    /// Moves the sequence number, for tests of the limits (2^24 real
    /// records would take too long). Only forward, so that no nonce is
    /// ever used twice.
    #[cfg(any(test, feature = "testing"))]
    pub fn set_sequence(&mut self, seq: u64) {
        self.seq = self.seq.max(seq);
    }
}

/// Where the plaintext of a record comes from.
#[derive(Clone, Copy)]
enum Plaintext<'a> {
    /// Already in the record buffer, this many bytes at the prefix.
    InPlace(usize),
    /// In the caller's own buffer.
    From(&'a [u8]),
}

impl Drop for RecordSealer {
    fn drop(&mut self) {
        self.iv.zeroize();
    }
}

impl core::fmt::Debug for RecordSealer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RecordSealer")
            .field("algorithm", &self.algorithm)
            .field("sequence", &self.seq)
            .finish_non_exhaustive()
    }
}
