//! The buffered receive side: bytes in, typed record contents out.

use core::ops::Range;

use keel_wire::registry::ContentType;
use keel_wire::{Alert, Codec};

use crate::aead::RecordOpener;
use crate::deframe::{VersionCheck, deframe};
use crate::error::RecordError;
use crate::joiner::HandshakeJoiner;
use crate::limits::{
    DEFAULT_MAX_HANDSHAKE_MESSAGE, HEADER_LEN, MAX_CIPHERTEXT, MAX_CONSECUTIVE_EMPTY_RECORDS,
    MAX_PLAINTEXT,
};

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
/// a ChangeCipherSpec). Errors are sticky.
#[derive(Debug)]
pub struct RecordReader {
    buf: Vec<u8>,
    /// Bytes before this offset are consumed.
    start: usize,
    opener: Option<RecordOpener>,
    versions: VersionCheck,
    max_plaintext: usize,
    joiner: HandshakeJoiner,
    empty_run: usize,
    failed: Option<RecordError>,
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
            opener: None,
            versions: VersionCheck::Unnegotiated,
            max_plaintext: MAX_PLAINTEXT,
            joiner: HandshakeJoiner::new(DEFAULT_MAX_HANDSHAKE_MESSAGE),
            empty_run: 0,
            failed: None,
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
        self.versions = VersionCheck::Tls12;
    }

    /// Decrypt every later record with `opener`. Refused in the middle of a
    /// fragmented handshake message: keys change only on a message
    /// boundary.
    pub fn install_opener(&mut self, opener: RecordOpener) -> Result<(), RecordError> {
        self.check_failed()?;
        if !self.joiner.is_empty() {
            return Err(self.fail(RecordError::InterleavedHandshake {
                content_type: ContentType::CHANGE_CIPHER_SPEC,
            }));
        }
        self.opener = Some(opener);
        Ok(())
    }

    /// Whether records are being decrypted.
    #[must_use]
    pub fn is_protected(&self) -> bool {
        self.opener.is_some()
    }

    /// The largest plaintext the peer may send: 2^14, or less when this
    /// side advertised a record size limit (RFC 8449 §4). Clamped to
    /// 64..=2^14.
    pub fn set_max_plaintext(&mut self, limit: usize) {
        self.max_plaintext = limit.clamp(crate::limits::MIN_RECORD_SIZE_LIMIT, MAX_PLAINTEXT);
    }

    /// The largest handshake message body accepted.
    pub fn set_max_handshake_message(&mut self, limit: usize) {
        self.joiner = HandshakeJoiner::new(limit);
    }

    /// Whether a handshake message is partly received.
    #[must_use]
    pub fn has_partial_handshake(&self) -> bool {
        self.joiner.has_partial()
    }

    /// The next thing the peer sent, or `Ok(None)` when more bytes are
    /// needed.
    pub fn next_incoming(&mut self) -> Result<Option<Incoming<'_>>, RecordError> {
        self.check_failed()?;
        loop {
            if self.joiner.has_complete() {
                return Ok(self.joiner.pop().map(Incoming::Handshake));
            }
            let Some((content_type, range)) = self.next_record().map_err(|e| self.fail(e))? else {
                return Ok(None);
            };
            match self.dispatch(content_type, range.clone()) {
                Ok(Step::Continue) => {}
                Ok(Step::ChangeCipherSpec) => return Ok(Some(Incoming::ChangeCipherSpec)),
                Ok(Step::Alert(alert)) => return Ok(Some(Incoming::Alert(alert))),
                Ok(Step::ApplicationData) => {
                    return Ok(self.buf.get(range).map(Incoming::ApplicationData));
                }
                Err(err) => return Err(self.fail(err)),
            }
        }
    }

    /// Deframes and opens the next record; returns its type and where its
    /// plaintext lies in `self.buf`.
    fn next_record(&mut self) -> Result<Option<(ContentType, Range<usize>)>, RecordError> {
        let max_fragment = if self.opener.is_some() {
            MAX_CIPHERTEXT
        } else {
            self.max_plaintext
        };
        let pending = self.buf.get(self.start..).unwrap_or_default();
        let Some(header) = deframe(pending, self.versions, max_fragment)? else {
            return Ok(None);
        };
        let body_start = self.start + HEADER_LEN;
        let body_end = body_start + usize::from(header.length);
        self.start = body_end;
        let Some(opener) = self.opener.as_mut() else {
            return Ok(Some((header.content_type, body_start..body_end)));
        };
        let explicit = opener.algorithm().explicit_nonce_len();
        let fragment = self.buf.get_mut(body_start..body_end).unwrap_or_default();
        let plaintext_len = opener
            .open_in_place(header.content_type, header.version, fragment)?
            .len();
        if plaintext_len > self.max_plaintext {
            return Err(RecordError::RecordOverflow {
                length: plaintext_len,
                limit: self.max_plaintext,
            });
        }
        // The opener leaves the plaintext right after the explicit nonce.
        let plain_start = body_start + explicit;
        Ok(Some((
            header.content_type,
            plain_start..plain_start + plaintext_len,
        )))
    }

    fn dispatch(
        &mut self,
        content_type: ContentType,
        range: Range<usize>,
    ) -> Result<Step, RecordError> {
        let plaintext = self.buf.get(range).unwrap_or_default();
        if content_type != ContentType::HANDSHAKE && !self.joiner.is_empty() {
            return Err(RecordError::InterleavedHandshake { content_type });
        }
        if plaintext.is_empty() && content_type != ContentType::APPLICATION_DATA {
            return Err(RecordError::EmptyRecord { content_type });
        }
        match content_type {
            ContentType::HANDSHAKE => {
                self.empty_run = 0;
                self.joiner.push(plaintext)?;
                Ok(Step::Continue)
            }
            ContentType::CHANGE_CIPHER_SPEC => {
                self.empty_run = 0;
                if plaintext == [1] {
                    Ok(Step::ChangeCipherSpec)
                } else {
                    Err(RecordError::BadChangeCipherSpec)
                }
            }
            ContentType::ALERT => {
                self.empty_run = 0;
                // RFC 5246 §6.2.1 lets records coalesce messages, but an
                // alert record holding anything but one alert is refused, as
                // TLS 1.3 (RFC 8446 §5.1) and every major stack do.
                match Alert::decode(plaintext) {
                    Ok(alert) if plaintext.len() == 2 => Ok(Step::Alert(alert)),
                    _ => Err(RecordError::AlertLength {
                        length: plaintext.len(),
                    }),
                }
            }
            ContentType::APPLICATION_DATA => {
                if self.opener.is_none() {
                    return Err(RecordError::UnprotectedApplicationData);
                }
                if plaintext.is_empty() {
                    self.empty_run += 1;
                    if self.empty_run > MAX_CONSECUTIVE_EMPTY_RECORDS {
                        return Err(RecordError::TooManyEmptyRecords {
                            limit: MAX_CONSECUTIVE_EMPTY_RECORDS,
                        });
                    }
                    return Ok(Step::Continue);
                }
                self.empty_run = 0;
                Ok(Step::ApplicationData)
            }
            // deframe admits only the four types above.
            other => Err(RecordError::UnexpectedContentType {
                content_type: other,
            }),
        }
    }

    fn check_failed(&self) -> Result<(), RecordError> {
        self.failed.clone().map_or(Ok(()), Err)
    }

    fn fail(&mut self, err: RecordError) -> RecordError {
        self.failed = Some(err.clone());
        err
    }
}

/// What one record produced.
enum Step {
    Continue,
    ChangeCipherSpec,
    Alert(Alert),
    ApplicationData,
}
