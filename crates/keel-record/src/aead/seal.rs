//! Sealing: plaintext in place into a protected record.

use aws_lc_rs::aead::{LessSafeKey, Nonce};
use keel_wire::framing::RecordHeader;
use keel_wire::registry::{ContentType, ProtocolVersion};
use zeroize::Zeroize;

use super::{AdditionalData, AeadAlgorithm, RecordProtection, TAG_LEN, TrafficKeys, record_nonce};
use crate::error::RecordError;
use crate::limits::{HEADER_LEN, KEY_UPDATE_MARGIN, MAX_INNER_PLAINTEXT};
use crate::writer::RECORD_VERSION;

/// Protects outgoing records under one write key, with its own sequence
/// number. Works in place: the caller puts the plaintext at
/// [`prefix_len`](Self::prefix_len) in a buffer with room for the rest of
/// [`overhead`](Self::overhead) after it, and gets back a whole record in
/// that buffer. No allocation. It protects as its [`TrafficKeys`] say: TLS
/// 1.2 or TLS 1.3 ([`RecordProtection`]).
pub struct RecordSealer {
    key: LessSafeKey,
    algorithm: AeadAlgorithm,
    protection: RecordProtection,
    iv: [u8; 12],
    seq: u64,
    limit: u64,
}

impl RecordSealer {
    /// A sealer starting at sequence number 0 (RFC 5246 §6.1: each
    /// connection state's sequence number starts at zero; RFC 8446 §5.3:
    /// "Each sequence number is set to zero at the beginning of a
    /// connection and whenever the key is changed"). A key change is a new
    /// sealer.
    pub fn new(keys: &TrafficKeys) -> Result<Self, RecordError> {
        Ok(Self {
            key: keys.aead_key()?,
            algorithm: keys.algorithm,
            protection: keys.protection,
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

    /// The version's record protection, from the keys.
    #[must_use]
    pub fn protection(&self) -> RecordProtection {
        self.protection
    }

    /// Where the plaintext starts in a record buffer: after the header, and
    /// in TLS 1.2 GCM records after the explicit nonce.
    #[must_use]
    pub fn prefix_len(&self) -> usize {
        match self.protection {
            RecordProtection::Tls12 => HEADER_LEN + self.algorithm.explicit_nonce_len(),
            RecordProtection::Tls13 => HEADER_LEN,
        }
    }

    /// Bytes a record adds around its plaintext: the prefix and the tag,
    /// and in TLS 1.3 the content type byte inside the ciphertext
    /// (RFC 8446 §5.2). Padding, if any is asked for, comes on top.
    #[must_use]
    pub fn overhead(&self) -> usize {
        match self.protection {
            RecordProtection::Tls12 => self.prefix_len() + TAG_LEN,
            RecordProtection::Tls13 => self.prefix_len() + 1 + TAG_LEN,
        }
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

    /// Whether a TLS 1.3 connection should replace this key now: fewer than
    /// [`KEY_UPDATE_MARGIN`] records are left before its
    /// [`record_limit`](AeadAlgorithm::record_limit). RFC 8446 §5.5 bounds
    /// what one key may protect; TLS 1.3 replaces the key before then with
    /// a KeyUpdate (RFC 8446 §4.6.3), sealed under this key, after which
    /// the new key's sealer starts again from zero. Past the limit itself this sealer refuses
    /// every record but an alert ([`RecordError::KeyLimitReached`]), so a
    /// connection that ignores the signal stops rather than wears out its
    /// key.
    ///
    /// Always `false` for TLS 1.2, which has no way to replace a key: there
    /// the limit ends the connection.
    #[must_use]
    pub fn key_update_due(&self) -> bool {
        self.protection == RecordProtection::Tls13 && self.records_remaining() <= KEY_UPDATE_MARGIN
    }

    /// Seals the `plaintext_len` bytes at `buf[prefix_len..]` into a record
    /// occupying `buf[..overhead + plaintext_len]` and returns its length.
    ///
    /// TLS 1.2: the record's header carries `content_type` and `version`;
    /// the explicit nonce keel sends is the sequence number (RFC 5288 §3
    /// allows any unique value; the sequence number is unique by
    /// construction).
    ///
    /// TLS 1.3 (RFC 8446 §5.2): `content_type` goes inside the ciphertext,
    /// right after the plaintext, with no padding; the header says
    /// application_data and `{03,03}` whatever `version` is
    /// (legacy_record_version is fixed). The plaintext and its type byte
    /// must fit the 2^14 + 1 bytes of a TLSInnerPlaintext.
    ///
    /// The last record a key may protect is kept for an alert, so that a
    /// connection at its limit can still close cleanly.
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

    /// [`seal_in_place`](Self::seal_in_place) for TLS 1.3 with `padding`
    /// zero bytes after the content type (RFC 8446 §5.4: padding hides a
    /// record's true length; keel sends none unless asked). The buffer
    /// needs `overhead + plaintext_len + padding` bytes; the plaintext,
    /// type byte and padding together must fit 2^14 + 1 bytes
    /// ([`RecordError::RecordOverflow`] otherwise, before anything is
    /// sealed). A TLS 1.2 sealer has no padding to add and refuses
    /// ([`RecordError::WrongProtection`]).
    pub fn seal_in_place_with_padding(
        &mut self,
        content_type: ContentType,
        buf: &mut [u8],
        plaintext_len: usize,
        padding: usize,
    ) -> Result<usize, RecordError> {
        if self.protection != RecordProtection::Tls13 {
            return Err(RecordError::WrongProtection {
                protection: self.protection,
            });
        }
        self.seal(
            content_type,
            RECORD_VERSION,
            buf,
            Plaintext::InPlace {
                len: plaintext_len,
                padding,
            },
            [0; 8],
        )
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
            Plaintext::InPlace {
                len: plaintext_len,
                padding: 0,
            },
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
        let (plaintext_len, padding) = match input {
            Plaintext::InPlace { len, padding } => (len, padding),
            Plaintext::From(bytes) => (bytes.len(), 0),
        };
        // RFC 8446 §5.2: the receiver takes the last non-zero byte for the
        // type, so a type of 0 would turn the content's own last byte into
        // one.
        if self.protection == RecordProtection::Tls13 && content_type.get() == 0 {
            return Err(RecordError::ZeroContentType);
        }
        let shape = self.shape(plaintext_len, padding)?;
        let record_len = HEADER_LEN + shape.fragment_len;
        let Some(record) = buf.get_mut(..record_len) else {
            return Err(RecordError::BufferTooSmall {
                needed: record_len,
                actual: buf.len(),
            });
        };
        self.check_limit(content_type)?;
        // Fragment lengths stay below 2^16: the plaintext is bounded by the
        // callers (at most 2^14 + 2048 even for a misbehaving one, 2^14 + 1
        // with its type in TLS 1.3) and the overhead is 24 bytes at most.
        let length =
            u16::try_from(shape.fragment_len).map_err(|_| RecordError::RecordOverflow {
                length: shape.fragment_len,
                limit: usize::from(u16::MAX),
            })?;

        let seq = self.seq;
        let (header, additional) = match self.protection {
            RecordProtection::Tls12 => (
                RecordHeader {
                    content_type,
                    version,
                    length,
                },
                AdditionalData::tls12(seq, content_type, version, plaintext_len),
            ),
            // RFC 8446 §5.2: opaque_type is always application_data and
            // legacy_record_version always {03,03}; the header is the
            // additional data.
            RecordProtection::Tls13 => {
                let header = RecordHeader {
                    content_type: ContentType::APPLICATION_DATA,
                    version: RECORD_VERSION,
                    length,
                };
                let additional =
                    AdditionalData::tls13(header.content_type, header.version, shape.fragment_len);
                (header, additional)
            }
        };
        let nonce = Nonce::assume_unique_for_key(record_nonce(
            self.protection,
            self.algorithm,
            &self.iv,
            explicit,
            seq,
        ));
        let prefix = self.prefix_len();
        let (head, body) = record.split_at_mut(prefix);
        // In place, everything encrypted is already in the buffer; from the
        // caller's bytes, the buffer receives their ciphertext first and
        // the rest after it.
        let encrypted_in_buffer = match input {
            Plaintext::InPlace { .. } => shape.inner_len,
            Plaintext::From(_) => plaintext_len,
        };
        let (ciphertext, tag_out) = body.split_at_mut(encrypted_in_buffer);
        let sealed = match input {
            Plaintext::InPlace { .. } => {
                if self.protection == RecordProtection::Tls13 {
                    // RFC 8446 §5.2: TLSInnerPlaintext = content ||
                    // ContentType type || uint8 zeros[length_of_padding].
                    // `ciphertext` is the inner plaintext's room, longer
                    // than the content by the type byte and the padding.
                    // RFC 8446 §5.4: the padding must be zeros, and the
                    // caller's buffer may hold anything there, so it is
                    // cleared here rather than trusted.
                    let (_, type_and_padding) = ciphertext.split_at_mut(plaintext_len);
                    type_and_padding.fill(0);
                    if let Some(type_byte) = type_and_padding.first_mut() {
                        *type_byte = content_type.get();
                    }
                }
                self.key
                    .seal_in_place_separate_tag(nonce, additional.aad(), ciphertext)
                    .map(|tag| tag_out.copy_from_slice(tag.as_ref()))
            }
            // The cipher reads the caller's bytes and writes the record's.
            // In TLS 1.3 the content type byte is the one extra plaintext
            // byte, encrypted into the first byte of `tag_out`, before the
            // tag; in TLS 1.2 there is none and `tag_out` is exactly the
            // tag's room.
            Plaintext::From(bytes) => {
                let type_byte = [content_type.get()];
                let extra: &[u8] = match self.protection {
                    RecordProtection::Tls12 => &[],
                    RecordProtection::Tls13 => &type_byte,
                };
                self.key.seal_out_of_place_scatter(
                    nonce,
                    additional.aad(),
                    bytes,
                    ciphertext,
                    extra,
                    tag_out,
                )
            }
        };
        sealed.map_err(|_| RecordError::CipherFailure)?;

        let (header_out, explicit_out) = head.split_at_mut(HEADER_LEN);
        header_out.copy_from_slice(&header.to_bytes());
        explicit_out.copy_from_slice(explicit.get(..explicit_out.len()).unwrap_or_default());

        // RFC 5246 §6.1, RFC 8446 §5.3: the sequence number moves on with
        // every record written.
        self.seq = seq + 1;
        Ok(record_len)
    }

    /// The sizes of a record for `plaintext_len` bytes and `padding`:
    /// refused when TLS 1.3's inner plaintext would exceed 2^14 + 1 bytes
    /// (RFC 8446 §5.2, §5.4).
    fn shape(&self, plaintext_len: usize, padding: usize) -> Result<Shape, RecordError> {
        match self.protection {
            RecordProtection::Tls12 => Ok(Shape {
                inner_len: plaintext_len,
                fragment_len: plaintext_len + self.algorithm.overhead(),
            }),
            RecordProtection::Tls13 => {
                let inner_len = plaintext_len.saturating_add(1).saturating_add(padding);
                if inner_len > MAX_INNER_PLAINTEXT {
                    return Err(RecordError::RecordOverflow {
                        length: inner_len,
                        limit: MAX_INNER_PLAINTEXT,
                    });
                }
                Ok(Shape {
                    inner_len,
                    fragment_len: inner_len + TAG_LEN,
                })
            }
        }
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
    /// Already in the record buffer, `len` bytes at the prefix; in TLS 1.3
    /// followed by the type byte and `padding` zeros.
    InPlace { len: usize, padding: usize },
    /// In the caller's own buffer; never padded.
    From(&'a [u8]),
}

/// The lengths of one record being sealed.
struct Shape {
    /// What is encrypted: the plaintext, and in TLS 1.3 its type byte and
    /// padding.
    inner_len: usize,
    /// The record's body: explicit nonce (TLS 1.2 GCM), ciphertext, tag.
    fragment_len: usize,
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
            .field("protection", &self.protection)
            .field("sequence", &self.seq)
            .finish_non_exhaustive()
    }
}
