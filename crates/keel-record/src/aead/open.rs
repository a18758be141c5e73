//! Opening: a protected record decrypted in place.

use aws_lc_rs::aead::{LessSafeKey, Nonce};
use keel_wire::registry::{ContentType, ProtocolVersion};
use zeroize::Zeroize;

use super::{AdditionalData, AeadAlgorithm, RecordProtection, TAG_LEN, TrafficKeys, record_nonce};
use crate::error::RecordError;

/// Authenticates and decrypts incoming records under one read key, with its
/// own sequence number. In place, no allocation. It protects as its
/// [`TrafficKeys`] say: TLS 1.2 or TLS 1.3 ([`RecordProtection`]).
pub struct RecordOpener {
    key: LessSafeKey,
    algorithm: AeadAlgorithm,
    protection: RecordProtection,
    iv: [u8; 12],
    seq: u64,
}

impl RecordOpener {
    /// An opener starting at sequence number 0 (RFC 5246 §6.1: a read state
    /// made active starts at zero; RFC 8446 §5.3: "Each sequence number is
    /// set to zero at the beginning of a connection and whenever the key is
    /// changed"). A key change is a new opener.
    pub fn new(keys: &TrafficKeys) -> Result<Self, RecordError> {
        Ok(Self {
            key: keys.aead_key()?,
            algorithm: keys.algorithm,
            protection: keys.protection,
            iv: keys.iv,
            seq: 0,
        })
    }

    /// The algorithm.
    #[must_use]
    pub fn algorithm(&self) -> AeadAlgorithm {
        self.algorithm
    }

    /// The version's record protection, from the keys.
    #[must_use]
    pub fn protection(&self) -> RecordProtection {
        self.protection
    }

    /// The sequence number the next record must have been sealed with.
    #[must_use]
    pub fn sequence(&self) -> u64 {
        self.seq
    }

    /// Authenticates and decrypts a TLS 1.2 record's `fragment` (its body:
    /// explicit nonce, ciphertext, tag) in place and returns the plaintext,
    /// a sub-slice of `fragment`.
    ///
    /// The GCM explicit nonce is read from the record, never assumed to be
    /// the sequence number: RFC 5288 lets the sender choose it, and OpenSSL
    /// does not use the sequence number. The sequence number still enters
    /// the additional data, so a replayed or reordered record fails. On
    /// failure nothing is released: the error carries no plaintext, and the
    /// fragment's contents are unspecified.
    ///
    /// A TLS 1.3 opener refuses ([`RecordError::WrongProtection`]), before
    /// using a sequence number: a TLS 1.3 record's real type is inside it,
    /// and a plaintext handed out without it could be taken for the wrong
    /// kind of message. [`open_record_in_place`](Self::open_record_in_place)
    /// opens records of both versions.
    pub fn open_in_place<'a>(
        &mut self,
        content_type: ContentType,
        version: ProtocolVersion,
        fragment: &'a mut [u8],
    ) -> Result<&'a mut [u8], RecordError> {
        match self.protection {
            RecordProtection::Tls12 => self.open_tls12(content_type, version, fragment),
            RecordProtection::Tls13 => Err(RecordError::WrongProtection {
                protection: self.protection,
            }),
        }
    }

    /// Authenticates and decrypts a record whose header carried
    /// `content_type` and `version` and whose body is `fragment`, in place,
    /// and returns the type of what it carries with its plaintext, a
    /// sub-slice of `fragment`.
    ///
    /// - TLS 1.2: as [`open_in_place`](Self::open_in_place); the type is the
    ///   header's.
    /// - TLS 1.3 (RFC 8446 §5.2, §5.4): the header must say
    ///   application_data (anything else was never protected:
    ///   [`RecordError::UnexpectedContentType`]). After decryption the
    ///   TLSInnerPlaintext is `content || type || zeros`: the zeros are
    ///   padding, the last non-zero byte is the real type, and the plaintext
    ///   returned is the content alone. A plaintext of nothing but zeros
    ///   names no type ([`RecordError::MissingContentType`]). The content
    ///   type is whatever the peer put there, known to TLS or not: what may
    ///   come is the caller's question.
    ///
    /// Limits on the plaintext's length are the caller's to apply (the
    /// [`RecordDecoder`](crate::RecordDecoder) applies RFC 8446 §5.2's and
    /// any record size limit).
    pub fn open_record_in_place<'a>(
        &mut self,
        content_type: ContentType,
        version: ProtocolVersion,
        fragment: &'a mut [u8],
    ) -> Result<(ContentType, &'a mut [u8]), RecordError> {
        match self.protection {
            RecordProtection::Tls12 => {
                let plaintext = self.open_tls12(content_type, version, fragment)?;
                Ok((content_type, plaintext))
            }
            RecordProtection::Tls13 => self.open_tls13(content_type, version, fragment),
        }
    }

    fn open_tls12<'a>(
        &mut self,
        content_type: ContentType,
        version: ProtocolVersion,
        fragment: &'a mut [u8],
    ) -> Result<&'a mut [u8], RecordError> {
        self.check_sequence()?;
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
        let additional = AdditionalData::tls12(self.seq, content_type, version, plaintext_len);
        self.decrypt(explicit_nonce, &additional, sealed)
    }

    fn open_tls13<'a>(
        &mut self,
        content_type: ContentType,
        version: ProtocolVersion,
        fragment: &'a mut [u8],
    ) -> Result<(ContentType, &'a mut [u8]), RecordError> {
        // RFC 8446 §5.2: "The outer opaque_type field of a TLSCiphertext
        // record is always set to the value 23 (application_data)".
        if content_type != ContentType::APPLICATION_DATA {
            return Err(RecordError::UnexpectedContentType { content_type });
        }
        self.check_sequence()?;
        if fragment.len() < TAG_LEN {
            // Too short to hold a tag: it cannot authenticate.
            return Err(RecordError::BadRecordMac);
        }
        let additional = AdditionalData::tls13(content_type, version, fragment.len());
        let inner = self.decrypt([0; 8], &additional, fragment)?;
        // RFC 8446 §5.4: "the receiving implementation scans the field from
        // the end toward the beginning until it finds a non-zero octet. This
        // non-zero octet is the content type of the message."
        let Some((type_at, &inner_type)) = inner.iter().enumerate().rfind(|&(_, b)| *b != 0) else {
            // RFC 8446 §5.4: "If a receiving implementation does not find a
            // non-zero octet in the cleartext, it MUST terminate the
            // connection with an "unexpected_message" alert."
            return Err(RecordError::MissingContentType);
        };
        // `type_at` is an index into `inner`, so the split is in range.
        let (content, _type_and_padding) = inner.split_at_mut(type_at);
        Ok((ContentType::new(inner_type), content))
    }

    /// RFC 5246 §6.1 and RFC 8446 §5.3: the sequence number must not wrap.
    fn check_sequence(&self) -> Result<(), RecordError> {
        if self.seq == u64::MAX {
            Err(RecordError::SequenceExhausted)
        } else {
            Ok(())
        }
    }

    /// The AEAD call both versions share, on `sealed` (ciphertext and
    /// tag), and the sequence number moved on when it authenticates.
    fn decrypt<'a>(
        &mut self,
        explicit_nonce: [u8; 8],
        additional: &AdditionalData,
        sealed: &'a mut [u8],
    ) -> Result<&'a mut [u8], RecordError> {
        let nonce = Nonce::assume_unique_for_key(record_nonce(
            self.protection,
            self.algorithm,
            &self.iv,
            explicit_nonce,
            self.seq,
        ));
        let plaintext = self
            .key
            .open_in_place(nonce, additional.aad(), sealed)
            // RFC 5246 §6.2.3.3 and RFC 8446 §5.2: decryption failure is
            // bad_record_mac.
            .map_err(|_| RecordError::BadRecordMac)?;
        // RFC 5246 §6.1, RFC 8446 §5.3: the sequence number moves on with
        // every record read.
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
            .field("protection", &self.protection)
            .field("sequence", &self.seq)
            .finish_non_exhaustive()
    }
}
