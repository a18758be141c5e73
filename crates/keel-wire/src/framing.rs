//! The two fixed-size framing headers, hand-written over byte slices.
//!
//! They are read for every record and every handshake message, so they stay
//! off binrw (see `BINRW.md`): no allocation, no reader, no error boxing.
//! They only split bytes; whether a header is acceptable (version, length
//! limits) is decided by the record layer and the handshake.

use crate::registry::{ContentType, HandshakeType, ProtocolVersion};

/// `TLSPlaintext`/`TLSCiphertext` header (RFC 5246 §6.2.1): type, version,
/// 16-bit length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordHeader {
    /// The record's content type.
    pub content_type: ContentType,
    /// The record-layer version field.
    pub version: ProtocolVersion,
    /// The length of the record's fragment, in bytes.
    pub length: u16,
}

impl RecordHeader {
    /// Encoded size of the header.
    pub const LEN: usize = 5;

    /// Reads a header from the start of `bytes`; `None` when fewer than
    /// [`Self::LEN`] bytes are available (need more, not invalid).
    #[must_use]
    pub fn peek(bytes: &[u8]) -> Option<Self> {
        let &[content_type, major, minor, len_hi, len_lo, ..] = bytes else {
            return None;
        };
        Some(Self {
            content_type: ContentType::new(content_type),
            version: ProtocolVersion::new(u16::from_be_bytes([major, minor])),
            length: u16::from_be_bytes([len_hi, len_lo]),
        })
    }

    /// The header's five bytes.
    #[must_use]
    pub fn to_bytes(self) -> [u8; Self::LEN] {
        let [major, minor] = self.version.get().to_be_bytes();
        let [len_hi, len_lo] = self.length.to_be_bytes();
        [self.content_type.get(), major, minor, len_hi, len_lo]
    }
}

/// Handshake message header (RFC 5246 §7.4): type and 24-bit body length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HandshakeHeader {
    /// The message type.
    pub handshake_type: HandshakeType,
    /// The body length; always below 2^24.
    length: u32,
}

impl HandshakeHeader {
    /// Encoded size of the header.
    pub const LEN: usize = 4;

    /// The largest body a 24-bit length can describe.
    pub const MAX_BODY: usize = (1 << 24) - 1;

    /// A header for a body of `length` bytes; `None` if the length does not
    /// fit in 24 bits.
    #[must_use]
    pub fn new(handshake_type: HandshakeType, length: usize) -> Option<Self> {
        if length > Self::MAX_BODY {
            return None;
        }
        let length = u32::try_from(length).ok()?;
        Some(Self {
            handshake_type,
            length,
        })
    }

    /// Reads a header from the start of `bytes`; `None` when fewer than
    /// [`Self::LEN`] bytes are available. RFC 5246 §7.4.1.2: the body must
    /// then be exactly this long, which decoding checks.
    #[must_use]
    pub fn peek(bytes: &[u8]) -> Option<Self> {
        let &[handshake_type, b0, b1, b2, ..] = bytes else {
            return None;
        };
        Some(Self {
            handshake_type: HandshakeType::new(handshake_type),
            length: u32::from_be_bytes([0, b0, b1, b2]),
        })
    }

    /// The body length in bytes.
    #[must_use]
    pub fn body_len(self) -> usize {
        // A u32 below 2^24 fits in usize on every platform Rust supports
        // with std (16-bit targets have no std).
        usize::try_from(self.length).unwrap_or(usize::MAX)
    }

    /// The header's four bytes.
    #[must_use]
    pub fn to_bytes(self) -> [u8; Self::LEN] {
        let [_, b0, b1, b2] = self.length.to_be_bytes();
        [self.handshake_type.get(), b0, b1, b2]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_header_needs_five_bytes_and_round_trips() {
        assert_eq!(RecordHeader::peek(&[22, 3, 3, 0]), None);
        let header = RecordHeader::peek(&[22, 3, 1, 0x02, 0x00, 0xff]).unwrap();
        assert_eq!(header.content_type, ContentType::HANDSHAKE);
        assert_eq!(header.version, ProtocolVersion::TLS_V1_0);
        assert_eq!(header.length, 512);
        assert_eq!(header.to_bytes(), [22, 3, 1, 0x02, 0x00]);
    }

    #[test]
    fn handshake_header_is_24_bit() {
        assert_eq!(HandshakeHeader::peek(&[1, 0, 0]), None);
        let header = HandshakeHeader::peek(&[1, 0x01, 0x02, 0x03]).unwrap();
        assert_eq!(header.handshake_type, HandshakeType::CLIENT_HELLO);
        assert_eq!(header.body_len(), 0x010203);
        assert_eq!(header.to_bytes(), [1, 1, 2, 3]);
        assert!(HandshakeHeader::new(HandshakeType::CERTIFICATE, 1 << 24).is_none());
        let max = HandshakeHeader::new(HandshakeType::CERTIFICATE, (1 << 24) - 1).unwrap();
        assert_eq!(max.to_bytes(), [11, 0xff, 0xff, 0xff]);
    }
}
