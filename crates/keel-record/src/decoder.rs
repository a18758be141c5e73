//! The receive side in place: records decoded and decrypted in the caller's
//! buffer, application data handed out as a slice of it.

use keel_wire::framing::RecordHeader;
use keel_wire::registry::ContentType;
use keel_wire::{Alert, Codec};

use crate::aead::{RecordOpener, RecordProtection, TAG_LEN};
use crate::deframe::{VersionCheck, judge_header};
use crate::early_data::{EarlyDataSkip, Skipping, Unread};
use crate::error::RecordError;
use crate::joiner::HandshakeJoiner;
use crate::limits::{
    DEFAULT_MAX_HANDSHAKE_MESSAGE, HEADER_LEN, MAX_CIPHERTEXT, MAX_CIPHERTEXT_TLS13,
    MAX_CONSECUTIVE_EMPTY_RECORDS, MAX_CONSECUTIVE_MIDDLEBOX_CCS, MAX_PLAINTEXT,
    MIN_RECORD_SIZE_LIMIT,
};

/// What the peer sent, as [`RecordDecoder::decode`] hands it out.
///
/// Two lifetimes, because the two kinds of payload live in two places:
/// handshake messages are reassembled inside the decoder (`'d`), while
/// application data stays where it arrived, in the caller's buffer (`'b`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received<'d, 'b> {
    /// One whole handshake message, 4-byte header included, ready for
    /// `keel_wire::HandshakeMessage::decode`. Borrowed from the decoder.
    Handshake(&'d [u8]),
    /// A ChangeCipherSpec (its single byte was checked).
    ChangeCipherSpec,
    /// An alert.
    Alert(Alert),
    /// Application data, never empty: a sub-slice of the caller's buffer,
    /// decrypted in place (in TLS 1.3 without its type byte and padding).
    ApplicationData(&'b [u8]),
}

/// The outcome of one [`RecordDecoder::decode`] call.
///
/// Both outcomes say how many bytes at the start of the buffer were
/// consumed; the caller drops exactly those before the next call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoded<'d, 'b> {
    /// Something to act on.
    Item {
        /// Bytes consumed from the start of the buffer, the record that
        /// carried `item` included. Zero when `item` is a handshake message
        /// that was already waiting in the decoder.
        consumed: usize,
        /// What the peer sent.
        item: Received<'d, 'b>,
    },
    /// Nothing to hand out until more bytes arrive.
    NeedMore {
        /// Bytes consumed from the start of the buffer: whole records that
        /// carried nothing to hand out by themselves (pieces of a handshake
        /// message, empty application data, TLS 1.3's middlebox
        /// change_cipher_spec).
        consumed: usize,
        /// How many more bytes, beyond the end of the buffer, complete the
        /// next record; `None` while its 5-byte header is incomplete.
        needed: Option<usize>,
    },
}

impl Decoded<'_, '_> {
    /// Bytes consumed from the start of the buffer, whatever the outcome.
    #[must_use]
    pub fn consumed(&self) -> usize {
        match *self {
            Self::Item { consumed, .. } | Self::NeedMore { consumed, .. } => consumed,
        }
    }
}

/// The receive half of the record layer, in place: the caller owns the
/// receive buffer and lends it to [`decode`](Self::decode), which deframes
/// the records at its start, checks them, decrypts protected ones where they
/// lie, and hands out what they carried. Application data is never copied;
/// handshake messages are copied into the decoder, which reassembles them
/// across records.
///
/// This is all the receive side's state and rules;
/// [`RecordReader`](crate::RecordReader) is this decoder plus a buffer of
/// its own.
///
/// It knows no handshake states: the caller says when the version is
/// negotiated ([`set_version_negotiated`](Self::set_version_negotiated)) and
/// when to start decrypting ([`install_opener`](Self::install_opener), after
/// a ChangeCipherSpec in TLS 1.2, at each key change in TLS 1.3). Errors are
/// sticky.
///
/// The rules follow the installed opener's
/// [`RecordProtection`](crate::RecordProtection). With a TLS 1.3 opener
/// (RFC 8446 §5): every record must be an application_data record,
/// decrypted to find its real type (handshake, alert, application data),
/// but for the unencrypted change_cipher_spec that middleboxes expect,
/// dropped while [`set_middlebox_ccs_allowed`](Self::set_middlebox_ccs_allowed)
/// says so; handshake messages may not have another record between their
/// fragments; keys change only on a record boundary.
///
/// A receive loop; a buffer of
/// [`MAX_RECORD_LEN`](crate::limits::MAX_RECORD_LEN) bytes holds any
/// record:
///
/// ```
/// use keel_record::{Decoded, Received, RecordDecoder, RecordError};
///
/// fn on_bytes(
///     decoder: &mut RecordDecoder,
///     buf: &mut Vec<u8>,
/// ) -> Result<(), RecordError> {
///     let mut start = 0;
///     loop {
///         let decoded = decoder.decode(&mut buf[start..])?;
///         start += decoded.consumed();
///         match decoded {
///             Decoded::Item { item: Received::ApplicationData(data), .. } => {
///                 // `data` points into `buf`: use it before it is dropped.
///                 let _ = data;
///             }
///             Decoded::Item { .. } => { /* handshake, alert, CCS */ }
///             Decoded::NeedMore { .. } => break,
///         }
///     }
///     // Drop what was consumed; keep the partial record for later.
///     buf.drain(..start);
///     Ok(())
/// }
/// # let mut decoder = RecordDecoder::new();
/// # let mut buf = vec![22, 3, 3, 0, 4, 14, 0, 0, 0, 22, 3];
/// # on_bytes(&mut decoder, &mut buf).unwrap();
/// # assert_eq!(buf, [22, 3]);
/// ```
#[derive(Debug)]
pub struct RecordDecoder {
    opener: Option<RecordOpener>,
    versions: VersionCheck,
    max_plaintext: usize,
    joiner: HandshakeJoiner,
    empty_run: usize,
    /// Whether TLS 1.3's unencrypted change_cipher_spec is dropped now.
    middlebox_ccs_allowed: bool,
    /// Consecutive change_cipher_spec records dropped.
    ccs_run: usize,
    /// Whether application data may come now; while it may not, even an
    /// empty application-data record is handed out, for the caller to
    /// refuse.
    application_data_expected: bool,
    /// Rejected 0-RTT records being skipped, if any (RFC 8446 §4.2.10).
    early_data: Option<Skipping>,
    failed: Option<RecordError>,
}

impl Default for RecordDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl RecordDecoder {
    /// A decoder for a new connection: no keys, any `{03,XX}` version.
    #[must_use]
    pub fn new() -> Self {
        Self {
            opener: None,
            versions: VersionCheck::Unnegotiated,
            max_plaintext: MAX_PLAINTEXT,
            joiner: HandshakeJoiner::new(DEFAULT_MAX_HANDSHAKE_MESSAGE),
            empty_run: 0,
            middlebox_ccs_allowed: false,
            ccs_run: 0,
            application_data_expected: true,
            early_data: None,
            failed: None,
        }
    }

    /// Whether an unencrypted change_cipher_spec record holding the single
    /// byte 1 is dropped unread (by default it is not). RFC 8446 §5: a TLS
    /// 1.3 implementation "may receive an unencrypted record of type
    /// change_cipher_spec consisting of the single byte value 0x01 at any
    /// time after the first ClientHello message has been sent or received
    /// and before the peer's Finished message has been received and MUST
    /// simply drop it without further processing" (the middlebox
    /// compatibility of RFC 8446 Appendix D.4).
    ///
    /// The handshake turns this on once TLS 1.3 is in play (a client
    /// offering TLS 1.3 after sending its ClientHello, a server after
    /// receiving one it answers with TLS 1.3) and off when it receives the
    /// peer's Finished, or when TLS 1.2 is negotiated instead. While it is
    /// on, any other change_cipher_spec is refused
    /// ([`RecordError::BadChangeCipherSpec`]), and more than
    /// [`MAX_CONSECUTIVE_MIDDLEBOX_CCS`] in a row too. Once it is off, with a
    /// TLS 1.3 opener installed, every change_cipher_spec is refused
    /// ([`RecordError::UnexpectedContentType`]); with no opener, or a TLS 1.2
    /// one, a change_cipher_spec is handed out as TLS 1.2 has it.
    pub fn set_middlebox_ccs_allowed(&mut self, allowed: bool) {
        self.middlebox_ccs_allowed = allowed;
    }

    /// Whether application data may come now (by default it may). A
    /// connection says no until its handshake is complete: then an empty
    /// application-data record, which is otherwise counted and dropped
    /// (RFC 5246 §6.2.1 allows them), is handed out like any other, so that
    /// it is refused as out of place (between ChangeCipherSpec and
    /// Finished, say) rather than silently swallowed.
    pub fn set_application_data_expected(&mut self, expected: bool) {
        self.application_data_expected = expected;
    }

    /// From now on, records must carry exactly `{03,03}`: TLS 1.2's
    /// version, and TLS 1.3's legacy_record_version on every record after
    /// the ClientHello (RFC 8446 §5.1), so a TLS 1.3 connection calls this
    /// too, once the ServerHello is in.
    pub fn set_version_negotiated(&mut self) {
        self.versions = VersionCheck::Tls12;
    }

    /// The installed opener, for tests of the key limit.
    #[cfg(any(test, feature = "testing"))]
    pub fn opener_mut(&mut self) -> Option<&mut RecordOpener> {
        self.opener.as_mut()
    }

    /// Decrypt every later record with `opener`, whose sequence number
    /// starts at zero (RFC 8446 §5.3), and apply the rules of its
    /// [`RecordProtection`](crate::RecordProtection).
    ///
    /// Refused while any handshake bytes are buffered (see
    /// [`has_buffered_handshake`](Self::has_buffered_handshake)): keys
    /// change only on a message boundary, and in TLS 1.3 on a record
    /// boundary too (RFC 8446 §5.1), so the message that changed the keys
    /// must have been the last thing in its record. The decoder never reads
    /// past the record that completes a message before handing it out, so
    /// the record after it is still undecrypted in the caller's buffer. The
    /// error is [`RecordError::InterleavedHandshake`] for a TLS 1.2 opener,
    /// [`RecordError::KeyChangeNotOnRecordBoundary`] for a TLS 1.3 one;
    /// both send unexpected_message.
    pub fn install_opener(&mut self, opener: RecordOpener) -> Result<(), RecordError> {
        self.check_failed()?;
        if !self.joiner.is_empty() {
            let err = match opener.protection() {
                RecordProtection::Tls12 => RecordError::InterleavedHandshake {
                    content_type: ContentType::CHANGE_CIPHER_SPEC,
                },
                RecordProtection::Tls13 => RecordError::KeyChangeNotOnRecordBoundary,
            };
            return Err(self.fail(err));
        }
        self.opener = Some(opener);
        // Skipping was for the key it was asked under (or for none).
        self.early_data = None;
        Ok(())
    }

    /// Skip the client's rejected 0-RTT records from now on: a server
    /// calls this when the ClientHello carried early_data, which keel never
    /// accepts (RFC 8446 §4.2.10), after installing the client's handshake
    /// opener for [`EarlyDataSkip::Undecryptable`] (its answer was a
    /// ServerHello) or before any opener for
    /// [`EarlyDataSkip::ApplicationData`] (a HelloRetryRequest).
    ///
    /// Skipped records are consumed like any other, and hand out nothing.
    /// The records themselves end the skipping: the first one that opens
    /// under the installed opener, or the first handshake record when
    /// there is none; so does installing an opener. At most
    /// [`MAX_SKIPPED_EARLY_DATA`](crate::limits::MAX_SKIPPED_EARLY_DATA)
    /// bytes of records are skipped; a record past that bound meets the
    /// usual rules (one that does not open is
    /// [`RecordError::BadRecordMac`]). Nothing else is skipped: a record of
    /// another outer type, or under another protection, is judged as ever.
    pub fn skip_rejected_early_data(&mut self, what: EarlyDataSkip) {
        self.early_data = Some(Skipping::new(what));
    }

    /// Whether rejected 0-RTT records are being skipped now (see
    /// [`skip_rejected_early_data`](Self::skip_rejected_early_data)).
    #[must_use]
    pub fn is_skipping_early_data(&self) -> bool {
        self.early_data.is_some()
    }

    /// Whether records are being decrypted.
    #[must_use]
    pub fn is_protected(&self) -> bool {
        self.opener.is_some()
    }

    /// The largest plaintext the peer may send: 2^14, or less when this
    /// side advertised a record size limit (RFC 8449 §4). Clamped to
    /// 64..=2^14. In TLS 1.3 this is the content's limit: a record's
    /// TLSInnerPlaintext (content, type byte and padding) may be one byte
    /// more (RFC 8446 §5.2's 2^14 + 1; RFC 8449 §4 counts the type and
    /// padding in a TLS 1.3 limit, so a handshake passes its limit minus
    /// one).
    pub fn set_max_plaintext(&mut self, limit: usize) {
        self.max_plaintext = limit.clamp(MIN_RECORD_SIZE_LIMIT, MAX_PLAINTEXT);
    }

    /// The largest handshake message body accepted.
    pub fn set_max_handshake_message(&mut self, limit: usize) {
        self.joiner = HandshakeJoiner::new(limit);
    }

    /// Frees the handshake reassembly buffer when it holds nothing.
    pub fn release_buffers(&mut self) {
        self.joiner.release_buffer();
    }

    /// Whether a handshake message is partly received.
    #[must_use]
    pub fn has_partial_handshake(&self) -> bool {
        self.joiner.has_partial()
    }

    /// Whether any handshake bytes are buffered beyond the messages already
    /// returned: a whole message not yet read, or part of one.
    ///
    /// A handshake checks this after the message that changes keys (RFC
    /// 8446 §5.1: it must end its record; [`install_opener`](Self::install_opener)
    /// refuses to change keys otherwise) and at the end of each of the
    /// peer's flights.
    #[must_use]
    pub fn has_buffered_handshake(&self) -> bool {
        !self.joiner.is_empty()
    }

    /// The next thing the peer sent, from the records at the start of `buf`.
    ///
    /// - A whole handshake message already waiting in the decoder (several
    ///   can arrive in one record) comes first, with nothing consumed.
    /// - Otherwise records are read from the start of `buf`, one after the
    ///   other, until one carries something to hand out
    ///   ([`Decoded::Item`]) or the next is incomplete
    ///   ([`Decoded::NeedMore`]). Records that carry nothing by themselves
    ///   (a piece of a handshake message, empty application data) are
    ///   consumed on the way, so one call never stops short of an item
    ///   while `buf` holds a whole record.
    ///
    /// The contract: the caller drops the first
    /// [`consumed`](Decoded::consumed) bytes of its buffer before the next
    /// call, in both outcomes. Those bytes have been decrypted in place and
    /// must not be passed in again (a protected record read twice fails
    /// authentication, as a replay). Bytes after them are untouched: a
    /// partial record stays as it arrived, and the caller appends to it.
    /// Application data is a sub-slice of `buf`, so the caller uses it
    /// before it drops those bytes.
    ///
    /// Each record is checked against the rules [`RecordError`] lists,
    /// the same ones [`RecordReader`](crate::RecordReader) applies (it is
    /// built on this). After an error, every call returns the same error.
    pub fn decode<'b>(&mut self, buf: &'b mut [u8]) -> Result<Decoded<'_, 'b>, RecordError> {
        self.check_failed()?;
        let (consumed, next) = match self.absorb(buf) {
            Ok(found) => found,
            Err(err) => return Err(self.fail(err)),
        };
        let item = match next {
            Next::NeedMore(needed) => return Ok(Decoded::NeedMore { consumed, needed }),
            Next::Handshake => match self.joiner.pop() {
                Some(message) => Received::Handshake(message),
                // `absorb` saw a whole message: not reached.
                None => {
                    return Ok(Decoded::NeedMore {
                        consumed,
                        needed: None,
                    });
                }
            },
            Next::Other(item) => item,
        };
        Ok(Decoded::Item { consumed, item })
    }

    /// Reads records from the start of `buf` until one carries something
    /// (or a handshake message is ready in the joiner), or the next record
    /// is incomplete. Returns the bytes consumed and what was found; the
    /// result borrows `buf` only, so callers can act on the decoder after.
    fn absorb<'b>(&mut self, buf: &'b mut [u8]) -> Result<(usize, Next<'b>), RecordError> {
        let mut rest = buf;
        let mut consumed = 0;
        loop {
            if self.joiner.has_complete() {
                return Ok((consumed, Next::Handshake));
            }
            let max_fragment = self.max_fragment(rest.first().copied().map(ContentType::new));
            let Some(header) = judge_header(rest, self.versions, max_fragment)? else {
                return Ok((consumed, Next::NeedMore(None)));
            };
            let record_len = HEADER_LEN + usize::from(header.length);
            let available = rest.len();
            let Some((record, tail)) = core::mem::take(&mut rest).split_at_mut_checked(record_len)
            else {
                return Ok((consumed, Next::NeedMore(Some(record_len - available))));
            };
            rest = tail;
            consumed += record_len;
            if self.drops_unread(header.content_type, record_len) {
                continue;
            }
            let body = record.get_mut(HEADER_LEN..).unwrap_or_default();
            let opened = match self.open(header, body) {
                Ok(opened) => opened,
                Err(RecordError::BadRecordMac) if self.drops_undecryptable(record_len) => continue,
                Err(err) => return Err(err),
            };
            // RFC 8446 §4.2.10: "Once a record is deprotected successfully,
            // it is treated as the start of the client's second flight".
            if opened.sealed_by == Some(RecordProtection::Tls13) {
                self.early_data = None;
            }
            if let Some(item) = self.dispatch(opened)? {
                return Ok((consumed, Next::Other(item)));
            }
        }
    }

    /// RFC 8446 §4.2.10, after a HelloRetryRequest: whether this record,
    /// not yet opened, is rejected early data to drop ("skipping all
    /// records with an external content type of "application_data"", while
    /// no key is installed); ClientHello2's record ends the skipping.
    fn drops_unread(&mut self, content_type: ContentType, record_len: usize) -> bool {
        if self.opener.is_some() {
            return false;
        }
        let Some(skipping) = self.early_data.as_mut() else {
            return false;
        };
        match skipping.before_open(content_type, record_len) {
            Unread::Drop => true,
            Unread::Read => false,
            Unread::ReadAndStop => {
                self.early_data = None;
                false
            }
        }
    }

    /// RFC 8446 §4.2.10, after a ServerHello: whether a record that failed
    /// to open under the TLS 1.3 handshake key is rejected early data to
    /// drop ("discarding records which fail deprotection").
    fn drops_undecryptable(&mut self, record_len: usize) -> bool {
        self.protection() == Some(RecordProtection::Tls13)
            && self
                .early_data
                .as_mut()
                .is_some_and(|skipping| skipping.drops_undecryptable(record_len))
    }

    /// The longest fragment a record of `content_type` (if its first byte
    /// is in) may carry now.
    fn max_fragment(&self, content_type: Option<ContentType>) -> usize {
        // RFC 5246 §6.2.3: 2^14 + 2048 once records are protected;
        // RFC 8446 §5.2: 2^14 + 256 in TLS 1.3; RFC 5246 §6.2.1: 2^14
        // (or a record size limit) before.
        match self.protection() {
            // RFC 8446 §4.2.10: the 0-RTT records skipped unread after a
            // HelloRetryRequest are protected ones, as long as TLS 1.3
            // protection makes them.
            None if content_type == Some(ContentType::APPLICATION_DATA)
                && self.early_data.is_some_and(|s| s.skips_unread()) =>
            {
                MAX_CIPHERTEXT_TLS13
            }
            None => self.max_plaintext,
            Some(RecordProtection::Tls12) => MAX_CIPHERTEXT,
            Some(RecordProtection::Tls13) => MAX_CIPHERTEXT_TLS13,
        }
    }

    /// The protection of the installed opener, if any.
    fn protection(&self) -> Option<RecordProtection> {
        self.opener.as_ref().map(RecordOpener::protection)
    }

    /// Decrypts one record's body as the installed opener says, and checks
    /// the plaintext's length.
    fn open<'b>(
        &mut self,
        header: RecordHeader,
        body: &'b mut [u8],
    ) -> Result<Opened<'b>, RecordError> {
        let Some(opener) = self.opener.as_mut() else {
            return Ok(Opened::plain(header.content_type, body));
        };
        match opener.protection() {
            RecordProtection::Tls12 => {
                let plaintext = opener.open_in_place(header.content_type, header.version, body)?;
                // RFC 5246 §6.2.2: with null compression the decrypted
                // fragment is the plaintext, held to the 2^14 of
                // RFC 5246 §6.2.1, inside TLSCompressed's 2^14 + 1024.
                if plaintext.len() > self.max_plaintext {
                    return Err(RecordError::RecordOverflow {
                        length: plaintext.len(),
                        limit: self.max_plaintext,
                    });
                }
                Ok(Opened {
                    content_type: header.content_type,
                    plaintext,
                    sealed_by: Some(RecordProtection::Tls12),
                })
            }
            // RFC 8446 §5: only application_data records are protected;
            // anything else came unencrypted and `dispatch` judges it (the
            // middlebox change_cipher_spec, or a refusal).
            RecordProtection::Tls13 if header.content_type != ContentType::APPLICATION_DATA => {
                Ok(Opened::plain(header.content_type, body))
            }
            RecordProtection::Tls13 => {
                // The TLSInnerPlaintext is the ciphertext less its tag (a
                // record too short for a tag fails to open first).
                let inner_len = body.len().saturating_sub(TAG_LEN);
                let (content_type, plaintext) =
                    opener.open_record_in_place(header.content_type, header.version, body)?;
                // RFC 8446 §5.4: "the full encoded TLSInnerPlaintext MUST NOT
                // exceed 2^14 + 1 octets"; a record size limit lowers it
                // (RFC 8449 §4).
                let limit = self.max_plaintext + 1;
                if inner_len > limit {
                    return Err(RecordError::RecordOverflow {
                        length: inner_len,
                        limit,
                    });
                }
                Ok(Opened {
                    content_type,
                    plaintext,
                    sealed_by: Some(RecordProtection::Tls13),
                })
            }
        }
    }

    /// Applies the rules for one record's plaintext; `Ok(None)` when the
    /// record carries nothing to hand out by itself.
    fn dispatch<'b>(
        &mut self,
        opened: Opened<'b>,
    ) -> Result<Option<Received<'static, 'b>>, RecordError> {
        let Opened {
            content_type,
            plaintext,
            sealed_by,
        } = opened;
        let tls13_keys = self.protection() == Some(RecordProtection::Tls13);
        // RFC 5246 §6.2.1 lets a handshake message span records; RFC 8446
        // §5.1: "if a handshake message is split over two or more records,
        // there MUST NOT be any other records between them".
        if content_type != ContentType::HANDSHAKE && !self.joiner.is_empty() {
            return Err(RecordError::InterleavedHandshake { content_type });
        }
        if content_type == ContentType::CHANGE_CIPHER_SPEC
            && sealed_by.is_none()
            && (self.middlebox_ccs_allowed || tls13_keys)
        {
            self.drop_middlebox_ccs(plaintext)?;
            return Ok(None);
        }
        if tls13_keys && sealed_by.is_none() {
            // RFC 8446 §5: once keys are in use, every record but the
            // change_cipher_spec above is protected.
            return Err(RecordError::UnexpectedContentType { content_type });
        }
        if sealed_by == Some(RecordProtection::Tls13) {
            // RFC 8446 §5: "An implementation ... which receives a protected
            // change_cipher_spec record MUST abort the handshake with an
            // unexpected_message alert".
            if content_type == ContentType::CHANGE_CIPHER_SPEC {
                return Err(RecordError::UnexpectedContentType { content_type });
            }
            // RFC 8446 §5.4: no empty handshake or alert content.
            if plaintext.is_empty() && content_type != ContentType::APPLICATION_DATA {
                return Err(RecordError::EmptyProtectedContent { content_type });
            }
        }
        // RFC 5246 §6.2.1: peers must not send these empty; refused.
        if plaintext.is_empty() && content_type != ContentType::APPLICATION_DATA {
            return Err(RecordError::EmptyRecord { content_type });
        }
        match content_type {
            ContentType::HANDSHAKE => {
                self.carried_something();
                self.joiner.push(plaintext)?;
                Ok(None)
            }
            ContentType::CHANGE_CIPHER_SPEC => {
                self.carried_something();
                if plaintext == [1] {
                    Ok(Some(Received::ChangeCipherSpec))
                } else {
                    Err(RecordError::BadChangeCipherSpec)
                }
            }
            ContentType::ALERT => {
                self.carried_something();
                // RFC 5246 §6.2.1 lets records coalesce messages, but an
                // alert record holding anything but one alert is refused, as
                // TLS 1.3 (RFC 8446 §5.1) and every major stack do.
                match Alert::decode(plaintext) {
                    Ok(alert) if plaintext.len() == 2 => Ok(Some(Received::Alert(alert))),
                    _ => Err(RecordError::AlertLength {
                        length: plaintext.len(),
                    }),
                }
            }
            ContentType::APPLICATION_DATA => {
                if self.opener.is_none() {
                    return Err(RecordError::UnprotectedApplicationData);
                }
                if plaintext.is_empty() && self.application_data_expected {
                    self.empty_run += 1;
                    if self.empty_run > MAX_CONSECUTIVE_EMPTY_RECORDS {
                        return Err(RecordError::TooManyEmptyRecords {
                            limit: MAX_CONSECUTIVE_EMPTY_RECORDS,
                        });
                    }
                    return Ok(None);
                }
                self.carried_something();
                Ok(Some(Received::ApplicationData(plaintext)))
            }
            // deframe admits only the four types above; a TLS 1.3 record's
            // inner type can be any non-zero byte (RFC 8446 §5: an
            // unexpected record type is unexpected_message).
            other => Err(RecordError::UnexpectedContentType {
                content_type: other,
            }),
        }
    }

    /// RFC 8446 §5: the unencrypted change_cipher_spec of a TLS 1.3
    /// handshake, dropped if it is the single byte 1 and may come now.
    fn drop_middlebox_ccs(&mut self, plaintext: &[u8]) -> Result<(), RecordError> {
        // "An implementation which receives any other change_cipher_spec
        // value ... MUST abort the handshake with an unexpected_message
        // alert."
        if plaintext != [1] {
            return Err(RecordError::BadChangeCipherSpec);
        }
        // After the peer's Finished it is no longer one to drop.
        if !self.middlebox_ccs_allowed {
            return Err(RecordError::UnexpectedContentType {
                content_type: ContentType::CHANGE_CIPHER_SPEC,
            });
        }
        self.ccs_run += 1;
        if self.ccs_run > MAX_CONSECUTIVE_MIDDLEBOX_CCS {
            return Err(RecordError::TooManyChangeCipherSpecs {
                limit: MAX_CONSECUTIVE_MIDDLEBOX_CCS,
            });
        }
        Ok(())
    }

    /// A record carried something: runs of records that carry nothing
    /// start again. (Empty application data and dropped change_cipher_spec
    /// records do not reset each other's count, so alternating them does
    /// not escape either bound.)
    fn carried_something(&mut self) {
        self.empty_run = 0;
        self.ccs_run = 0;
    }

    fn check_failed(&self) -> Result<(), RecordError> {
        self.failed.clone().map_or(Ok(()), Err)
    }

    fn fail(&mut self, err: RecordError) -> RecordError {
        self.failed = Some(err.clone());
        err
    }
}

/// One record's contents after [`RecordDecoder::open`].
struct Opened<'b> {
    /// The real type: the header's, or in TLS 1.3 the inner one.
    content_type: ContentType,
    plaintext: &'b [u8],
    /// How the record was protected; `None` when it came unencrypted.
    sealed_by: Option<RecordProtection>,
}

impl<'b> Opened<'b> {
    fn plain(content_type: ContentType, body: &'b [u8]) -> Self {
        Self {
            content_type,
            plaintext: body,
            sealed_by: None,
        }
    }
}

/// What [`RecordDecoder::absorb`] stopped at.
enum Next<'b> {
    /// A whole handshake message is ready in the joiner.
    Handshake,
    /// A CCS, an alert or application data.
    Other(Received<'static, 'b>),
    /// The next record is incomplete.
    NeedMore(Option<usize>),
}
