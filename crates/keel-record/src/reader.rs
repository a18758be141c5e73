//! The buffered receive side: bytes in, typed record contents out.

use keel_wire::Alert;

use crate::aead::RecordOpener;
use crate::decoder::{Decoded, Received, RecordDecoder};
use crate::early_data::EarlyDataSkip;
use crate::error::RecordError;

/// What a record carried, after opening and reassembly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incoming<'a> {
    /// One whole handshake message, 4-byte header included, ready for
    /// `keel_wire::HandshakeMessage::decode`.
    Handshake(&'a [u8]),
    /// A ChangeCipherSpec (its single byte was checked).
    ChangeCipherSpec,
    /// An alert.
    Alert(Alert),
    /// Application data, never empty.
    ApplicationData(&'a [u8]),
}

/// The receive half of the record layer, buffered: the caller feeds bytes as
/// they arrive, in pieces of any size, and takes out handshake messages,
/// alerts, ChangeCipherSpecs and application data.
///
/// It knows no handshake states: the caller says when the version is
/// negotiated ([`set_version_negotiated`](Self::set_version_negotiated)) and
/// when to start decrypting ([`install_opener`](Self::install_opener), after
/// a ChangeCipherSpec in TLS 1.2, at each key change in TLS 1.3). Errors are
/// sticky.
///
/// A [`RecordDecoder`] decoding in a buffer of the reader's own: every rule
/// is the decoder's, and records are decrypted in place in that buffer.
#[derive(Debug)]
pub struct RecordReader {
    buf: Vec<u8>,
    /// Bytes before this offset are consumed.
    start: usize,
    decoder: RecordDecoder,
}

impl Default for RecordReader {
    fn default() -> Self {
        Self::new()
    }
}

impl RecordReader {
    /// A reader for a new connection: no keys, any `{03,XX}` version.
    #[must_use]
    pub fn new() -> Self {
        Self {
            buf: Vec::new(),
            start: 0,
            decoder: RecordDecoder::new(),
        }
    }

    /// Appends received bytes. Never fails: bytes are judged when
    /// [`next_incoming`](Self::next_incoming) reads them.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        } else if self.start > 0 && self.buf.capacity() - self.buf.len() < bytes.len() {
            // Move the unread tail to the front only when the buffer would
            // otherwise grow.
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes fed but not yet read as records.
    #[must_use]
    pub fn buffered_len(&self) -> usize {
        self.buf.len() - self.start
    }

    /// From now on, records must carry exactly `{03,03}`.
    pub fn set_version_negotiated(&mut self) {
        self.decoder.set_version_negotiated();
    }

    /// Decrypt every later record with `opener`. Refused while handshake
    /// bytes are buffered: keys change only on a message boundary (and in
    /// TLS 1.3 a record boundary; see [`RecordDecoder::install_opener`]).
    pub fn install_opener(&mut self, opener: RecordOpener) -> Result<(), RecordError> {
        self.decoder.install_opener(opener)
    }

    /// Skip the client's rejected 0-RTT records from now on (see
    /// [`RecordDecoder::skip_rejected_early_data`]).
    pub fn skip_rejected_early_data(&mut self, what: EarlyDataSkip) {
        self.decoder.skip_rejected_early_data(what);
    }

    /// Whether records are being decrypted.
    #[must_use]
    pub fn is_protected(&self) -> bool {
        self.decoder.is_protected()
    }

    /// The largest plaintext the peer may send: 2^14, or less when this
    /// side advertised a record size limit (RFC 8449 §4). Clamped to
    /// 64..=2^14.
    pub fn set_max_plaintext(&mut self, limit: usize) {
        self.decoder.set_max_plaintext(limit);
    }

    /// The largest handshake message body accepted.
    pub fn set_max_handshake_message(&mut self, limit: usize) {
        self.decoder.set_max_handshake_message(limit);
    }

    /// Whether a handshake message is partly received.
    #[must_use]
    pub fn has_partial_handshake(&self) -> bool {
        self.decoder.has_partial_handshake()
    }

    /// Whether any handshake bytes are buffered beyond the messages already
    /// returned (see [`RecordDecoder::has_buffered_handshake`]).
    #[must_use]
    pub fn has_buffered_handshake(&self) -> bool {
        self.decoder.has_buffered_handshake()
    }

    /// Whether TLS 1.3's unencrypted change_cipher_spec is dropped now (see
    /// [`RecordDecoder::set_middlebox_ccs_allowed`]).
    pub fn set_middlebox_ccs_allowed(&mut self, allowed: bool) {
        self.decoder.set_middlebox_ccs_allowed(allowed);
    }

    /// The next thing the peer sent, or `Ok(None)` when more bytes are
    /// needed.
    pub fn next_incoming(&mut self) -> Result<Option<Incoming<'_>>, RecordError> {
        let pending = self.buf.get_mut(self.start..).unwrap_or_default();
        let decoded = self.decoder.decode(pending)?;
        self.start += decoded.consumed();
        Ok(match decoded {
            Decoded::NeedMore { .. } => None,
            Decoded::Item { item, .. } => Some(match item {
                Received::Handshake(message) => Incoming::Handshake(message),
                Received::ChangeCipherSpec => Incoming::ChangeCipherSpec,
                Received::Alert(alert) => Incoming::Alert(alert),
                Received::ApplicationData(data) => Incoming::ApplicationData(data),
            }),
        })
    }
}
