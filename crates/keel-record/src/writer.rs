//! The buffered send side: messages and data in, records out.

use core::ops::Range;

use keel_wire::Alert;
use keel_wire::registry::{ContentType, ProtocolVersion};

use crate::aead::{RecordProtection, RecordSealer};
use crate::error::RecordError;
use crate::limits::{HEADER_LEN, MAX_PLAINTEXT, MIN_RECORD_SIZE_LIMIT};
use crate::sink::RecordSink;

/// The record version keel writes once the version is negotiated, and on
/// every protected record.
pub const RECORD_VERSION: ProtocolVersion = ProtocolVersion::TLS_V1_2;

/// The record version of a client's records before the ServerHello. RFC
/// 5246 Appendix E.1 lets a client send any `{03,XX}` there; `{03,01}` is
/// what deployed clients send (RFC 8446 §5.1 names it for the initial
/// ClientHello), because some servers and middleboxes refuse a first
/// record with a newer version.
pub const HELLO_RECORD_VERSION: ProtocolVersion = ProtocolVersion::TLS_V1_0;

/// The send half of the record layer, buffered: frames handshake messages,
/// ChangeCipherSpec, alerts and application data into records of at most
/// the fragment limit, sealed once a sealer is installed, appended to a
/// caller's [`RecordSink`] (a `Vec`, or a send buffer of its own). Errors
/// are sticky; a failed write leaves the caller's buffer as it was.
///
/// Records are sealed as the installed sealer's
/// [`RecordProtection`](crate::RecordProtection) says. With a TLS 1.3
/// sealer every record goes out as application_data with its real type
/// inside (RFC 8446 §5.2), except the middlebox change_cipher_spec, which
/// is never encrypted (RFC 8446 §5).
#[derive(Debug)]
pub struct RecordWriter {
    sealer: Option<RecordSealer>,
    max_fragment: usize,
    /// The version in the header of plaintext records.
    plaintext_version: ProtocolVersion,
    failed: Option<RecordError>,
}

impl Default for RecordWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl RecordWriter {
    /// A writer for a new connection: plaintext records of up to 2^14 bytes.
    #[must_use]
    pub fn new() -> Self {
        Self {
            sealer: None,
            max_fragment: MAX_PLAINTEXT,
            plaintext_version: RECORD_VERSION,
            failed: None,
        }
    }

    /// A writer for a client's new connection: plaintext records carry
    /// [`HELLO_RECORD_VERSION`] until
    /// [`version_negotiated`](Self::version_negotiated) is called.
    #[must_use]
    pub fn for_client_hello() -> Self {
        Self {
            plaintext_version: HELLO_RECORD_VERSION,
            ..Self::new()
        }
    }

    /// The version is agreed (the ServerHello arrived): every later record
    /// carries [`RECORD_VERSION`].
    pub fn version_negotiated(&mut self) {
        self.plaintext_version = RECORD_VERSION;
    }

    /// Plaintext records written from now on carry `version`: for the one
    /// alert that answers a ClientHello at the client's own version (RFC
    /// 7507 §3's inappropriate_fallback). Sealed records are unaffected.
    pub fn answer_at_version(&mut self, version: ProtocolVersion) {
        self.plaintext_version = version;
    }

    /// Seal every later record with `sealer` (in TLS 1.2 after sending
    /// ChangeCipherSpec; in TLS 1.3 at each key change, RFC 8446 §7.3). Its
    /// sequence number starts at zero (RFC 8446 §5.3).
    pub fn install_sealer(&mut self, sealer: RecordSealer) {
        self.sealer = Some(sealer);
    }

    /// Whether records are being sealed.
    #[must_use]
    pub fn is_protected(&self) -> bool {
        self.sealer.is_some()
    }

    /// The sealer, for callers that seal in their own buffers.
    #[must_use]
    pub fn sealer(&self) -> Option<&RecordSealer> {
        self.sealer.as_ref()
    }

    /// Limit each record's plaintext to `limit` bytes: the peer's
    /// record_size_limit (RFC 8449 §4: in TLS 1.2 it counts plaintext only).
    /// Clamped to 64..=2^14: never above the protocol's limit, whatever the
    /// peer advertised.
    pub fn set_max_fragment(&mut self, limit: usize) {
        self.max_fragment = limit.clamp(MIN_RECORD_SIZE_LIMIT, MAX_PLAINTEXT);
    }

    /// The plaintext limit per record.
    #[must_use]
    pub fn max_fragment(&self) -> usize {
        self.max_fragment
    }

    /// Frames one encoded handshake message (header included), split over
    /// as many records as it needs.
    pub fn write_handshake(
        &mut self,
        message: &[u8],
        out: &mut (impl RecordSink + ?Sized),
    ) -> Result<(), RecordError> {
        self.write(ContentType::HANDSHAKE, message, out)
    }

    /// Writes a ChangeCipherSpec record. In TLS 1.2 the caller installs the
    /// new sealer afterwards: this record itself goes out under the old
    /// state. With a TLS 1.3 sealer installed it goes out unencrypted, as
    /// the middlebox compatibility record of RFC 8446 §5 and Appendix D.4
    /// must (a client sends it right before its second flight, a server
    /// right after its ServerHello), and uses no sequence number.
    pub fn write_change_cipher_spec(
        &mut self,
        out: &mut (impl RecordSink + ?Sized),
    ) -> Result<(), RecordError> {
        self.write(ContentType::CHANGE_CIPHER_SPEC, &[1], out)
    }

    /// Writes one alert.
    pub fn write_alert(
        &mut self,
        alert: Alert,
        out: &mut (impl RecordSink + ?Sized),
    ) -> Result<(), RecordError> {
        // RFC 5246 §7.2: level, then description. RFC 5246 §7.2.2: this is
        // how a fatal alert goes out before the connection is closed.
        self.write(
            ContentType::ALERT,
            &[alert.level.get(), alert.description.get()],
            out,
        )
    }

    /// Writes application data as sealed records of at most the fragment
    /// limit. Refused before a sealer is installed: TLS 1.2 has no
    /// unprotected application data.
    pub fn write_application_data(
        &mut self,
        data: &[u8],
        out: &mut (impl RecordSink + ?Sized),
    ) -> Result<(), RecordError> {
        if self.sealer.is_none() {
            return Err(RecordError::UnprotectedApplicationData);
        }
        self.write(ContentType::APPLICATION_DATA, data, out)
    }

    /// Where [`seal_in_place`](Self::seal_in_place) wants the plaintext in
    /// a send buffer of `buf_len` bytes: from the sealer's
    /// [`prefix_len`](RecordSealer::prefix_len), as many bytes as both the
    /// fragment limit and the room left for the tag allow. The caller
    /// writes up to that many bytes there and seals them with their real
    /// length. `None` before a sealer is installed, or when `buf_len`
    /// cannot hold even an empty record.
    #[must_use]
    pub fn plaintext_window(&self, buf_len: usize) -> Option<Range<usize>> {
        let sealer = self.sealer.as_ref()?;
        let room = buf_len.checked_sub(sealer.overhead())?;
        let start = sealer.prefix_len();
        Some(start..start + room.min(self.max_fragment))
    }

    /// Seals `plaintext_len` bytes already placed at
    /// `buf[sealer.prefix_len()..]` into a record in `buf` (see
    /// [`RecordSealer::seal_in_place`]); for callers that want no copy at
    /// all. Respects the fragment limit.
    pub fn seal_in_place(
        &mut self,
        content_type: ContentType,
        buf: &mut [u8],
        plaintext_len: usize,
    ) -> Result<usize, RecordError> {
        self.check_failed()?;
        check_fragment(content_type, plaintext_len, self.max_fragment)?;
        let Some(sealer) = self.sealer.as_mut() else {
            return Err(RecordError::UnprotectedApplicationData);
        };
        let result = sealer.seal_in_place(content_type, RECORD_VERSION, buf, plaintext_len);
        result.map_err(|err| self.fail(err))
    }

    /// Seals `plaintext` (at most the fragment limit) from the caller's
    /// buffer into one record at the start of `out` and returns the
    /// record's length (see [`RecordSealer::seal_from`]): for callers that
    /// keep their own send buffer and want the application's bytes read
    /// once. `out` needs [`RecordSealer::overhead`] bytes more than the
    /// plaintext.
    pub fn seal_from(
        &mut self,
        content_type: ContentType,
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<usize, RecordError> {
        self.check_failed()?;
        check_fragment(content_type, plaintext.len(), self.max_fragment)?;
        let Some(sealer) = self.sealer.as_mut() else {
            return Err(RecordError::UnprotectedApplicationData);
        };
        let result = sealer.seal_from(content_type, RECORD_VERSION, plaintext, out);
        result.map_err(|err| self.fail(err))
    }

    /// Whether the installed TLS 1.3 key should be replaced now with a
    /// KeyUpdate (see [`RecordSealer::key_update_due`]); `false` before a
    /// sealer is installed and for TLS 1.2, which cannot replace keys.
    #[must_use]
    pub fn key_update_due(&self) -> bool {
        self.sealer
            .as_ref()
            .is_some_and(RecordSealer::key_update_due)
    }

    /// How many more bytes of application data the installed key may seal,
    /// the record held back for the closing alert aside; `None` before a
    /// sealer is installed. (AES-GCM keys have a record limit; a write
    /// larger than this is refused whole, before anything is sealed.)
    #[must_use]
    pub fn data_bytes_remaining(&self) -> Option<usize> {
        let records = self.sealer.as_ref()?.records_remaining().saturating_sub(1);
        Some(
            usize::try_from(records)
                .unwrap_or(usize::MAX)
                .saturating_mul(self.max_fragment),
        )
    }

    /// Whether `records` more application-data records fit under the
    /// installed key's limit, the closing alert's record held back
    /// ([`RecordError::KeyLimitReached`] if not).
    pub fn check_data_room(&self, records: u64) -> Result<(), RecordError> {
        self.sealer
            .as_ref()
            .map_or(Ok(()), |sealer| sealer.check_room(records))
    }

    /// The installed sealer, for tests of the key limit.
    #[cfg(any(test, feature = "testing"))]
    pub fn sealer_mut(&mut self) -> Option<&mut RecordSealer> {
        self.sealer.as_mut()
    }

    // RFC 5246 §6: every caller above passes one of the four types RFC 5246
    // defines; the writer sends no other.
    fn write(
        &mut self,
        content_type: ContentType,
        data: &[u8],
        out: &mut (impl RecordSink + ?Sized),
    ) -> Result<(), RecordError> {
        self.check_failed()?;
        let original_len = out.written();
        let sealer = self.sealer_for(content_type);
        let sealed = sealer.is_some();
        let overhead = sealer.map_or(HEADER_LEN, RecordSealer::overhead);
        let records = data.len().div_ceil(self.max_fragment);
        // All or nothing: a write that would run past the key's limit is
        // refused before any record takes a sequence number (the alert
        // that closes the connection may still use the last one).
        if content_type != ContentType::ALERT
            && let Some(sealer) = sealer
        {
            sealer.check_room(u64::try_from(records).unwrap_or(u64::MAX))?;
        }
        out.reserve(data.len() + records * overhead);
        // RFC 5246 §6.2.1: fragments of at most 2^14 bytes (max_fragment is
        // clamped to it), and none at all for no data, so never an empty
        // handshake, alert or change_cipher_spec fragment; RFC 8446 §5.4
        // forbids empty handshake and alert content in TLS 1.3, padded or
        // not, and this is what keeps it out. Records are
        // appended in the order they are sealed, which is the order they
        // reach the network.
        for chunk in data.chunks(self.max_fragment) {
            if let Err(err) = self.write_record(content_type, chunk, overhead, sealed, out) {
                // Nothing half-written reaches the caller.
                out.truncate_to(original_len);
                return Err(self.fail(err));
            }
        }
        Ok(())
    }

    /// The sealer a record of `content_type` goes out under: the installed
    /// one, except for TLS 1.3's change_cipher_spec, which goes out
    /// unencrypted: RFC 8446 §5 has a receiver drop only an unencrypted one
    /// and refuse a protected one.
    fn sealer_for(&self, content_type: ContentType) -> Option<&RecordSealer> {
        self.sealer.as_ref().filter(|sealer| {
            content_type != ContentType::CHANGE_CIPHER_SPEC
                || sealer.protection() != RecordProtection::Tls13
        })
    }

    /// Appends one record of `overhead + chunk.len()` bytes, sealed if
    /// `sealed`.
    fn write_record(
        &mut self,
        content_type: ContentType,
        chunk: &[u8],
        overhead: usize,
        sealed: bool,
        out: &mut (impl RecordSink + ?Sized),
    ) -> Result<(), RecordError> {
        let needed = overhead + chunk.len();
        let record = out.extend(needed);
        if record.len() != needed {
            // A sink that does not give what was asked for.
            return Err(RecordError::BufferTooSmall {
                needed,
                actual: record.len(),
            });
        }
        match self.sealer.as_mut().filter(|_| sealed) {
            Some(sealer) => {
                // The cipher reads the chunk where it is and writes the
                // whole record into its room: one pass, no copy first.
                sealer.seal_from(content_type, RECORD_VERSION, chunk, record)?;
            }
            None => {
                // chunk.len() <= max_fragment <= 2^14.
                let length =
                    u16::try_from(chunk.len()).map_err(|_| RecordError::RecordOverflow {
                        length: chunk.len(),
                        limit: self.max_fragment,
                    })?;
                let header = keel_wire::framing::RecordHeader {
                    content_type,
                    version: self.plaintext_version,
                    length,
                };
                let (header_out, body) = record.split_at_mut(HEADER_LEN);
                header_out.copy_from_slice(&header.to_bytes());
                body.copy_from_slice(chunk);
            }
        }
        Ok(())
    }

    fn check_failed(&self) -> Result<(), RecordError> {
        self.failed.clone().map_or(Ok(()), Err)
    }

    /// Makes `err` sticky, unless it is the key's record limit: that is
    /// refused before anything is sealed, and the closing alert can still
    /// be written.
    fn fail(&mut self, err: RecordError) -> RecordError {
        if !matches!(err, RecordError::KeyLimitReached { .. }) {
            self.failed = Some(err.clone());
        }
        err
    }
}

/// What the zero-copy paths may seal, checked before anything is written:
/// no more than the fragment limit, and no empty record but application
/// data (RFC 5246 §6.2.1: "Implementations MUST NOT send zero-length
/// fragments of Handshake, Alert, or ChangeCipherSpec content types";
/// RFC 8446 §5.4 says the same of handshake and alert content). A refused
/// call leaves the writer as it was: the mistake is the caller's, and
/// nothing was sent.
fn check_fragment(
    content_type: ContentType,
    len: usize,
    max_fragment: usize,
) -> Result<(), RecordError> {
    if len > max_fragment {
        return Err(RecordError::RecordOverflow {
            length: len,
            limit: max_fragment,
        });
    }
    if len == 0 && content_type != ContentType::APPLICATION_DATA {
        return Err(RecordError::EmptyRecord { content_type });
    }
    Ok(())
}
