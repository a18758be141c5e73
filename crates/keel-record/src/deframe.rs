//! Deframing: where does the next record end, and is its header acceptable?

use keel_wire::framing::RecordHeader;
use keel_wire::registry::{ContentType, ProtocolVersion};

use crate::error::{HttpRequestKind, RecordError};
use crate::limits::HEADER_LEN;

/// Which record versions are acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionCheck {
    /// Before the version is negotiated: any `{03,XX}`. RFC 5246 Appendix
    /// E.1: a server must accept any such record version on the records
    /// carrying the ClientHello (clients commonly send `{03,01}` there).
    Unnegotiated,
    /// After: exactly TLS 1.2, `{03,03}`.
    Tls12,
}

impl VersionCheck {
    fn accepts(self, version: ProtocolVersion) -> bool {
        match self {
            Self::Unnegotiated => version.major() == 3,
            Self::Tls12 => version == ProtocolVersion::TLS_V1_2,
        }
    }
}

/// Finds the record at the start of `buf`.
///
/// - `Ok(None)`: need more bytes. Nothing is wrong yet.
/// - `Ok(Some(header))`: a whole record of `HEADER_LEN + header.length`
///   bytes is at the start of `buf`.
/// - `Err(_)`: the bytes can never become a valid record. The header is
///   judged as soon as its five bytes are there, without waiting for the
///   body.
///
/// `max_fragment` is the largest fragment accepted: 2^14 for plaintext
/// records, 2^14 + 2048 for protected ones (RFC 5246 §6.2.1, §6.2.3), or
/// less under a negotiated record size limit.
pub fn deframe(
    buf: &[u8],
    versions: VersionCheck,
    max_fragment: usize,
) -> Result<Option<RecordHeader>, RecordError> {
    let Some(header) = judge_header(buf, versions, max_fragment)? else {
        return Ok(None);
    };
    if buf.len() < HEADER_LEN + usize::from(header.length) {
        return Ok(None);
    }
    Ok(Some(header))
}

/// The header at the start of `buf`, judged as [`deframe`] judges it, as
/// soon as its five bytes are there, whether or not the body has arrived:
/// `Ok(None)` only while the header itself is incomplete.
pub(crate) fn judge_header(
    buf: &[u8],
    versions: VersionCheck,
    max_fragment: usize,
) -> Result<Option<RecordHeader>, RecordError> {
    let Some(header) = RecordHeader::peek(buf) else {
        return Ok(None);
    };
    let content_type = header.content_type;
    // RFC 5246 §6: an unexpected record type is answered with
    // unexpected_message (RecordError::alert).
    if !matches!(
        content_type,
        ContentType::CHANGE_CIPHER_SPEC
            | ContentType::ALERT
            | ContentType::HANDSHAKE
            | ContentType::APPLICATION_DATA
    ) {
        // Before any version is agreed this may be the connection's first
        // record: a plaintext HTTP request is named as one.
        if versions == VersionCheck::Unnegotiated
            && let Some(request) = buf.get(..HEADER_LEN).and_then(HttpRequestKind::recognise)
        {
            return Err(RecordError::HttpRequest { request });
        }
        // Heartbeat (RFC 6520) is never negotiated by keel, so it is as
        // unexpected as any unknown type.
        return Err(RecordError::UnexpectedContentType { content_type });
    }
    if !versions.accepts(header.version) {
        return Err(RecordError::BadVersion {
            version: header.version,
        });
    }
    let length = usize::from(header.length);
    // RFC 5246 §6.2.1 (2^14 plaintext) and RFC 5246 §6.2.3 (2^14 + 2048
    // protected): record_overflow, judged from the header alone.
    if length > max_fragment {
        return Err(RecordError::RecordOverflow {
            length,
            limit: max_fragment,
        });
    }
    Ok(Some(header))
}
