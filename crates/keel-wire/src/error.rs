//! Decode and encode errors: what was wrong, in which field, at which byte.
//!
//! binrw's own error type never leaves this crate: every reader in keel-wire
//! raises a [`DecodeError`] as binrw's "custom" error, and
//! [`from_binrw`] unwraps it again at the crate boundary.

use snafu::Snafu;

use crate::registry::AlertDescription;

/// A message could not be decoded. `field` names the structure and field as
/// `Message.field`; `offset` is the byte offset from the start of the input
/// that was handed to the decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError {
    /// What was wrong.
    pub kind: DecodeErrorKind,
    /// Where: the structure and field, e.g. `ClientHello.cipher_suites`.
    pub field: &'static str,
    /// The byte offset of the offending field in the decoder's input.
    pub offset: usize,
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: {} at offset {}", self.field, self.kind, self.offset)
    }
}

impl std::error::Error for DecodeError {}

/// The kinds of malformed input keel-wire rejects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Snafu)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input ended inside this field.
    #[snafu(display("truncated"))]
    Truncated,
    /// A length prefix promised more bytes than its enclosing structure
    /// holds, or its contents did not fill exactly the promised length.
    #[snafu(display("length {declared} does not match its contents"))]
    LengthMismatch {
        /// The length the prefix declared.
        declared: usize,
    },
    /// Bytes were left over after a structure that must end its input.
    #[snafu(display("{count} trailing bytes"))]
    TrailingBytes {
        /// How many bytes were left.
        count: usize,
    },
    /// A vector shorter than the RFC allows (e.g. an empty list that must
    /// hold at least one entry).
    #[snafu(display("length {len} below minimum {min}"))]
    TooShort {
        /// The length found, in bytes.
        len: usize,
        /// The smallest length allowed.
        min: usize,
    },
    /// A vector longer than the RFC allows.
    #[snafu(display("length {len} above maximum {max}"))]
    TooLong {
        /// The length found, in bytes.
        len: usize,
        /// The largest length allowed.
        max: usize,
    },
    /// A vector of fixed-size items whose byte length is not a multiple of
    /// the item size (an odd length for 2-byte items).
    #[snafu(display("{}", describe_misaligned(*len, *item_size)))]
    Misaligned {
        /// The length found, in bytes.
        len: usize,
        /// The size of one item.
        item_size: usize,
    },
    /// The same extension (or server name type) appeared twice in one list.
    #[snafu(display("duplicate entry of type {value:#06x}"))]
    Duplicate {
        /// The repeated type value.
        value: u16,
    },
    /// A value the structure cannot hold at all (not merely one keel would
    /// refuse to negotiate): e.g. an explicit curve, a ChangeCipherSpec byte
    /// other than 1, non-zero padding.
    #[snafu(display("invalid value {value:#x}"))]
    InvalidValue {
        /// The value found.
        value: u32,
    },
    /// A list that must hold exactly one entry held another number.
    #[snafu(display("{count} entries where exactly one is required"))]
    NotExactlyOne {
        /// How many entries there were.
        count: usize,
    },
    /// An extension RFC 8446 §4.2 does not allow in this TLS 1.3 message.
    #[snafu(display("extension {value:#06x} is not allowed in this message"))]
    NotPermitted {
        /// The extension type.
        value: u16,
    },
    /// An entry that must end its list did not (RFC 8446 §4.2.11:
    /// pre_shared_key ends the ClientHello).
    #[snafu(display("extension {value:#06x} is not the last one"))]
    NotLast {
        /// The extension type.
        value: u16,
    },
    /// Two key shares for the same group (RFC 8446 §4.2.8).
    #[snafu(display("two key shares for group {value:#06x}"))]
    DuplicateKeyShare {
        /// The group.
        value: u16,
    },
}

impl DecodeError {
    /// The alert a receiver sends for this error.
    ///
    /// RFC 8446 names illegal_parameter for three well-formed but forbidden
    /// arrangements: an extension in a message that may not carry it
    /// (§4.2), a pre_shared_key that is not last (§4.2.11) and two shares
    /// for one group (§4.2.8). Everything else is a message that does not
    /// match its format: decode_error (RFC 5246 §7.2.2, RFC 8446 §6.2).
    #[must_use]
    pub fn alert(&self) -> AlertDescription {
        match self.kind {
            DecodeErrorKind::NotPermitted { .. }
            | DecodeErrorKind::NotLast { .. }
            | DecodeErrorKind::DuplicateKeyShare { .. } => AlertDescription::ILLEGAL_PARAMETER,
            _ => AlertDescription::DECODE_ERROR,
        }
    }
}

fn describe_misaligned(len: usize, item_size: usize) -> String {
    if item_size == 2 {
        format!("odd length {len}")
    } else {
        format!("length {len} is not a multiple of {item_size}")
    }
}

/// A message could not be encoded because a value does not fit the wire
/// format (e.g. a vector longer than its length prefix allows). keel never
/// truncates a length silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Snafu)]
#[snafu(display("{field}: length {len} outside {min}..={max}"))]
pub struct EncodeError {
    /// The structure and field, e.g. `ClientHello.cipher_suites`.
    pub field: &'static str,
    /// The encoded length of the field's contents, in bytes.
    pub len: usize,
    /// The smallest length the field allows.
    pub min: usize,
    /// The largest length the field allows.
    pub max: usize,
}

/// Builds a binrw error carrying a keel [`DecodeError`].
pub(crate) fn decode_err(kind: DecodeErrorKind, field: &'static str, offset: u64) -> binrw::Error {
    binrw::Error::Custom {
        pos: offset,
        err: Box::new(DecodeError {
            kind,
            field,
            offset: to_usize(offset),
        }),
    }
}

/// Builds a binrw error carrying a keel [`EncodeError`].
pub(crate) fn encode_err(err: EncodeError, pos: u64) -> binrw::Error {
    binrw::Error::Custom {
        pos,
        err: Box::new(err),
    }
}

/// Whether a reader ran out of input: an end-of-file from a fixed-size read,
/// or a keel reader's own [`DecodeErrorKind::Truncated`]. Inside a window
/// (a length-prefixed vector or extension body) this means the window's
/// declared length is what was wrong.
pub(crate) fn is_truncation(err: &binrw::Error) -> bool {
    err.is_eof()
        || err
            .custom_err::<DecodeError>()
            .is_some_and(|keel| keel.kind == DecodeErrorKind::Truncated)
}

/// Converts a binrw error from a decoder back into keel's own error.
///
/// Every reader in this crate raises [`DecodeError`]s; the only other error
/// that can reach here is an end-of-input inside a fixed-size field (a
/// `u16`, an array), which becomes [`DecodeErrorKind::Truncated`] at the end
/// of the input, attributed to `message`.
pub(crate) fn from_binrw(
    err: &binrw::Error,
    message: &'static str,
    input_len: usize,
) -> DecodeError {
    if let Some(keel) = err.custom_err::<DecodeError>() {
        return *keel;
    }
    let kind = if err.is_eof() {
        DecodeErrorKind::Truncated
    } else {
        // Not reachable with this crate's readers (they raise DecodeError or
        // EOF only), but a wrong answer here must still be an error.
        DecodeErrorKind::InvalidValue { value: 0 }
    };
    DecodeError {
        kind,
        field: message,
        offset: input_len,
    }
}

/// Converts a binrw error from an encoder back into keel's own error.
pub(crate) fn encode_from_binrw(err: &binrw::Error, message: &'static str) -> EncodeError {
    if let Some(keel) = err.custom_err::<EncodeError>() {
        return *keel;
    }
    // Writing to a Vec cannot fail for IO reasons; keep a typed answer anyway.
    EncodeError {
        field: message,
        len: 0,
        min: 0,
        max: 0,
    }
}

pub(crate) fn to_usize(pos: u64) -> usize {
    usize::try_from(pos).unwrap_or(usize::MAX)
}
