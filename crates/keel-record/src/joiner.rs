//! Handshake message reassembly (RFC 5246 §6.2.1: "multiple client
//! messages of the same ContentType MAY be coalesced into a single
//! TLSPlaintext record, or a single message MAY be fragmented across several
//! records").

use keel_wire::framing::HandshakeHeader;

use crate::error::RecordError;

/// Joins handshake record payloads into whole messages (header included),
/// and splits records that carry several.
#[derive(Debug)]
pub struct HandshakeJoiner {
    buf: Vec<u8>,
    /// Bytes before this offset have been handed out.
    start: usize,
    max_message: usize,
}

impl HandshakeJoiner {
    /// A joiner refusing messages with bodies over `max_message` bytes.
    #[must_use]
    pub fn new(max_message: usize) -> Self {
        Self {
            buf: Vec::new(),
            start: 0,
            max_message,
        }
    }

    /// Frees the buffer when it holds nothing (an idle connection's
    /// handshake is long over); the next record allocates it again.
    pub fn release_buffer(&mut self) {
        if self.start == self.buf.len() {
            self.buf = Vec::new();
            self.start = 0;
        }
    }

    /// Appends a handshake record's plaintext.
    ///
    /// A message whose declared length is over the limit is refused as soon
    /// as its header is complete, before its body is buffered.
    pub fn push(&mut self, fragment: &[u8]) -> Result<(), RecordError> {
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        self.buf.extend_from_slice(fragment);
        // Every complete header in the buffer is checked, not only the
        // first: a record may carry a small message and the start of a huge
        // one.
        let mut at = self.start;
        while let Some(header) = self.buf.get(at..).and_then(HandshakeHeader::peek) {
            let length = header.body_len();
            if length > self.max_message {
                return Err(RecordError::HandshakeTooLarge {
                    length,
                    limit: self.max_message,
                });
            }
            at += HandshakeHeader::LEN + length;
        }
        Ok(())
    }

    /// The next whole message, header included, if one is buffered.
    pub fn pop(&mut self) -> Option<&[u8]> {
        let len = self.complete_len()?;
        let message = self.buf.get(self.start..self.start + len)?;
        self.start += len;
        Some(message)
    }

    /// Whether a whole message is ready.
    #[must_use]
    pub fn has_complete(&self) -> bool {
        self.complete_len().is_some()
    }

    /// Whether part of a message is buffered: the next record must then be
    /// a handshake record, and keys must not change.
    #[must_use]
    pub fn has_partial(&self) -> bool {
        self.start < self.buf.len() && !self.has_complete()
    }

    /// Whether nothing at all is buffered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.start == self.buf.len()
    }

    fn complete_len(&self) -> Option<usize> {
        let pending = self.buf.get(self.start..)?;
        let header = HandshakeHeader::peek(pending)?;
        let len = HandshakeHeader::LEN + header.body_len();
        (pending.len() >= len).then_some(len)
    }
}
