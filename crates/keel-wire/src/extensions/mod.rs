//! Extensions (RFC 5246 §7.4.1.4, RFC 8446 §4.2), typed.
//!
//! The same extension type has different bodies in different messages
//! (ALPN: a list offered, one chosen; key_share: the client's shares, the
//! server's one, the group a HelloRetryRequest asks for), so each list has
//! its own enum: [`ClientExtension`] and [`ServerExtension`] for the hellos
//! of both versions, and for TLS 1.3's messages [`HelloRetryExtension`],
//! [`EncryptedExtension`], [`CertificateExtension`] (per certificate entry),
//! [`CertificateRequestExtension`] and [`NewSessionTicketExtension`]. Any
//! other extension is kept as its type and raw bytes, so it survives a
//! round trip.
//!
//! Which extension may appear in which TLS 1.3 message (RFC 8446 §4.2's
//! table) is [`permitted`]; the TLS 1.3-only lists apply it while decoding.
//!
//! The list is read by hand rather than through binrw's enum magic: read the
//! type and length, window the body, decode the body by type, and require
//! the body to be consumed exactly. A malformed *known* extension is an
//! error, never silently demoted to "unknown".

mod bodies;
mod client;
mod encrypted;
mod entry;
mod key_share;
mod permitted;
mod psk;
mod request;
mod retry;
mod server;
mod ticket;

use binrw::io::{Read, Seek, SeekFrom, TakeSeekExt, Write};
use binrw::{BinRead, BinResult, BinWrite, Endian};

pub use bodies::{
    CertificateStatusRequest, ProtocolName, ResponderId, ServerName, ServerNameList,
    SignedCertificateTimestamp,
};
pub use client::ClientExtension;
pub use encrypted::EncryptedExtension;
pub use entry::CertificateExtension;
pub use key_share::{KeyShareEntry, KeyShareList};
pub use permitted::{ExtensionContext, first_not_permitted, permitted};
pub use psk::{OfferedPsks, PskBinderEntry, PskIdentity};
pub use request::{CertificateRequestExtension, OidFilter};
pub use retry::HelloRetryExtension;
pub use server::ServerExtension;
pub use ticket::NewSessionTicketExtension;

use crate::error::{DecodeErrorKind, EncodeError, decode_err, encode_err, is_truncation, to_usize};
use crate::registry::ExtensionType;
use crate::vec::{Field, check_encoded_len, read_prefix, write_prefix};

/// The optional extensions block that ends a ClientHello or ServerHello.
///
/// RFC 5246 §7.4.1.2 lets a hello end right after its compression methods;
/// that is [`Extensions::Absent`], which is different on the wire from an
/// empty block (`00 00`), [`Extensions::Present`] with no items. Dereferences
/// to the list of extensions (empty when absent).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Extensions<E> {
    /// No extensions block at all.
    Absent,
    /// An extensions block, possibly empty.
    Present(Vec<E>),
}

impl<E> Default for Extensions<E> {
    fn default() -> Self {
        Self::Present(Vec::new())
    }
}

impl<E> core::ops::Deref for Extensions<E> {
    type Target = [E];
    fn deref(&self) -> &[E] {
        match self {
            Self::Absent => &[],
            Self::Present(items) => items,
        }
    }
}

impl<E> From<Vec<E>> for Extensions<E> {
    fn from(items: Vec<E>) -> Self {
        Self::Present(items)
    }
}

/// One list's extension enum: how to read and write a body by type. Every
/// such enum keeps what it does not decode as a [`RawExtension`], made with
/// `From`.
pub trait ExtensionCodec: Sized + From<RawExtension> {
    /// The list's name in errors, e.g. `ClientHello.extensions`.
    const LIST: &'static str;

    /// For a list that only TLS 1.3 has, the message it belongs to: the
    /// decoder then refuses an extension RFC 8446 §4.2 does not allow
    /// there. `None` for the hello lists, which serve both versions; the
    /// handshake checks those with [`permitted`] once the version is known.
    const CONTEXT: Option<ExtensionContext> = None;

    /// An extension that may only come last in the list.
    const MUST_BE_LAST: Option<ExtensionType> = None;

    /// Extensions that mean something only in TLS 1.3. In a list whose
    /// supported_versions does not offer TLS 1.3 they are kept raw, and
    /// [`MUST_BE_LAST`](Self::MUST_BE_LAST) does not apply: RFC 8446
    /// §4.2.1 has a server negotiate such a hello as RFC 5246 specifies,
    /// where these extensions are unknown and ignored (RFC 5246 §7.4.1.4),
    /// whatever their bodies hold.
    const TLS13_ONLY: &'static [ExtensionType] = &[];

    /// The list's smallest length in bytes.
    const MIN_LEN: usize = 0;

    /// The list's largest length in bytes.
    const MAX_LEN: usize = 0xffff;

    /// The extension's type on the wire.
    fn extension_type(&self) -> ExtensionType;

    /// Reads the body of an extension of type `ext_type` from `body`, which
    /// is limited to the extension's declared length. The caller checks
    /// that the body was consumed exactly.
    fn read_body<R: Read + Seek>(
        ext_type: ExtensionType,
        body: &mut R,
        len: usize,
    ) -> BinResult<Self>;

    /// Writes the body (without type and length).
    fn write_body<W: Write + Seek>(&self, writer: &mut W) -> BinResult<()>;
}

/// The name used in errors about one extension's body.
fn body_field(ext_type: ExtensionType) -> &'static str {
    ext_type.name().unwrap_or("extension")
}

impl<E: ExtensionCodec> BinRead for Extensions<E> {
    type Args<'a> = ();

    fn read_options<R: Read + Seek>(reader: &mut R, _: Endian, (): ()) -> BinResult<Self> {
        // Absent when the hello ends here (its body is windowed exactly).
        let start = reader.stream_position()?;
        let mut probe = [0u8; 1];
        if reader.read(&mut probe)? == 0 {
            return Ok(Self::Absent);
        }
        reader.seek(SeekFrom::Start(start))?;
        read_items(reader).map(Self::Present)
    }
}

/// A TLS 1.3 message's extensions block, which is never optional:
/// `Extension extensions<MIN..MAX>` with the bounds of `E`
/// ([`ExtensionCodec::MIN_LEN`], [`ExtensionCodec::MAX_LEN`]).
/// Dereferences to the list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExtensionList<E>(pub Vec<E>);

impl<E> Default for ExtensionList<E> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<E> core::ops::Deref for ExtensionList<E> {
    type Target = [E];
    fn deref(&self) -> &[E] {
        &self.0
    }
}

impl<E> From<Vec<E>> for ExtensionList<E> {
    fn from(items: Vec<E>) -> Self {
        Self(items)
    }
}

impl<E: ExtensionCodec> BinRead for ExtensionList<E> {
    type Args<'a> = ();

    fn read_options<R: Read + Seek>(reader: &mut R, _: Endian, (): ()) -> BinResult<Self> {
        read_items(reader).map(Self)
    }
}

impl<E: ExtensionCodec> BinWrite for ExtensionList<E> {
    type Args<'a> = ();

    fn write_options<W: Write + Seek>(&self, writer: &mut W, _: Endian, (): ()) -> BinResult<()> {
        write_items(writer, &self.0)
    }
}

/// Reads a length-prefixed extension list: each body decoded by type and
/// consumed exactly, then the list-wide rules (no duplicates; RFC 8446
/// §4.2's placement table for TLS 1.3 messages; an extension that must be
/// last).
fn read_items<E: ExtensionCodec, R: Read + Seek>(reader: &mut R) -> BinResult<Vec<E>> {
    let field = Field(E::LIST);
    let (len, start) = read_prefix::<R, 2, 0, 0xffff>(reader, field)?;
    if len < E::MIN_LEN {
        return Err(decode_err(
            DecodeErrorKind::TooShort {
                len,
                min: E::MIN_LEN,
            },
            E::LIST,
            start,
        ));
    }
    if len > E::MAX_LEN {
        return Err(decode_err(
            DecodeErrorKind::TooLong {
                len,
                max: E::MAX_LEN,
            },
            E::LIST,
            start,
        ));
    }
    let offers_tls13 = !E::TLS13_ONLY.is_empty() && offers_tls13(reader, len)?;
    let mut window = reader.take_seek(len as u64);
    // Every extension takes at least its 4-byte header; sized for the
    // usual count so that decoding a hello does not regrow these.
    let expected = (len / 4).min(16);
    let mut items = Vec::with_capacity(expected);
    let mut seen: Vec<(u16, u64)> = Vec::with_capacity(expected);
    while window.limit() > 0 {
        let at = window.stream_position()?;
        let header = <[u8; 4]>::read_options(&mut window, Endian::Big, ());
        let [t0, t1, l0, l1] = match header {
            Ok(bytes) => bytes,
            Err(err) if is_truncation(&err) => {
                return Err(decode_err(
                    DecodeErrorKind::LengthMismatch { declared: len },
                    E::LIST,
                    start,
                ));
            }
            Err(err) => return Err(err),
        };
        let ext_type = ExtensionType::new(u16::from_be_bytes([t0, t1]));
        let body_len = usize::from(u16::from_be_bytes([l0, l1]));
        let name = body_field(ext_type);
        seen.push((ext_type.get(), at));

        // RFC 8446 §4.2: "If an implementation receives an extension which
        // it recognizes and which is not specified for the message in
        // which it appears, it MUST abort the handshake with an
        // illegal_parameter alert." Checked before the body is read, so
        // the error names the placement, not a body that means nothing here.
        if let Some(context) = E::CONTEXT
            && !permitted::permitted(ext_type, context)
        {
            return Err(decode_err(
                DecodeErrorKind::NotPermitted {
                    value: ext_type.get(),
                },
                E::LIST,
                at,
            ));
        }
        if body_len as u64 > window.limit() {
            return Err(decode_err(
                DecodeErrorKind::LengthMismatch { declared: body_len },
                name,
                at,
            ));
        }
        let mut body = (&mut window).take_seek(body_len as u64);
        let read = if !offers_tls13 && E::TLS13_ONLY.contains(&ext_type) {
            RawExtension::read(ext_type, &mut body, body_len).map(E::from)
        } else {
            E::read_body(ext_type, &mut body, body_len)
        };
        let item = match read {
            Ok(item) => item,
            Err(err) if is_truncation(&err) => {
                return Err(decode_err(
                    DecodeErrorKind::LengthMismatch { declared: body_len },
                    name,
                    at,
                ));
            }
            Err(err) => return Err(err),
        };
        if body.limit() > 0 {
            let pos = body.stream_position()?;
            let count = to_usize(body.limit());
            return Err(decode_err(
                DecodeErrorKind::TrailingBytes { count },
                name,
                pos,
            ));
        }
        items.push(item);
    }
    // RFC 8446 §4.2.11: "The "pre_shared_key" extension MUST be the last
    // extension in the ClientHello ... Servers MUST check that it is the
    // last extension and otherwise fail the handshake with an
    // illegal_parameter alert."
    if let Some(last_only) = E::MUST_BE_LAST
        && (offers_tls13 || !E::TLS13_ONLY.contains(&last_only))
        && let Some(&(_, at)) = seen
            .iter()
            .rev()
            .skip(1)
            .find(|(ext_type, _)| *ext_type == last_only.get())
    {
        return Err(decode_err(
            DecodeErrorKind::NotLast {
                value: last_only.get(),
            },
            E::LIST,
            at,
        ));
    }
    reject_duplicates(seen, E::LIST)?;
    Ok(items)
}

/// Whether the extension list of `len` bytes at the reader's position has a
/// supported_versions that lists TLS 1.3. A look ahead: the reader is put
/// back where it was, and a list too malformed to tell says no (the real
/// pass then reports what is wrong with it).
fn offers_tls13<R: Read + Seek>(reader: &mut R, len: usize) -> BinResult<bool> {
    let start = reader.stream_position()?;
    let end = start + len as u64;
    let mut found = false;
    let mut at = start;
    while at + 4 <= end {
        let mut header = [0u8; 4];
        if reader.read_exact(&mut header).is_err() {
            break;
        }
        let [t0, t1, l0, l1] = header;
        let body_len = u64::from(u16::from_be_bytes([l0, l1]));
        if ExtensionType::new(u16::from_be_bytes([t0, t1])) == ExtensionType::SUPPORTED_VERSIONS {
            // `ProtocolVersion versions<2..254>`: a one-byte length, pairs.
            // Read on the stack: every ClientHello passes through here.
            let mut buf = [0u8; 255];
            let body = buf
                .get_mut(..usize::try_from(body_len.min(255)).unwrap_or(255))
                .unwrap_or_default();
            if reader.read_exact(body).is_ok() {
                found = body
                    .get(1..)
                    .unwrap_or_default()
                    .chunks_exact(2)
                    .any(|pair| pair == [0x03, 0x04]);
            }
            break;
        }
        at += 4 + body_len;
        reader.seek(SeekFrom::Start(at))?;
    }
    reader.seek(SeekFrom::Start(start))?;
    Ok(found)
}

/// RFC 5246 §7.4.1.4: "There MUST NOT be more than one extension of the
/// same type." Sorting keeps this O(n log n) for hostile lists of thousands
/// of empty extensions; the error points at the second occurrence.
fn reject_duplicates(mut seen: Vec<(u16, u64)>, field: &'static str) -> BinResult<()> {
    seen.sort_unstable();
    for pair in seen.windows(2) {
        if let [(first, _), (second, at)] = pair
            && first == second
        {
            return Err(decode_err(
                DecodeErrorKind::Duplicate { value: *second },
                field,
                *at,
            ));
        }
    }
    Ok(())
}

impl<E: ExtensionCodec> BinWrite for Extensions<E> {
    type Args<'a> = ();

    fn write_options<W: Write + Seek>(&self, writer: &mut W, _: Endian, (): ()) -> BinResult<()> {
        match self {
            Self::Absent => Ok(()),
            Self::Present(items) => write_items(writer, items),
        }
    }
}

/// Writes a length-prefixed extension list, refusing one outside the
/// list's bounds rather than truncating a length.
fn write_items<E: ExtensionCodec, W: Write + Seek>(writer: &mut W, items: &[E]) -> BinResult<()> {
    let list_start = writer.stream_position()?;
    write_prefix::<W, 2>(writer, 0)?;
    for item in items {
        item.extension_type()
            .write_options(writer, Endian::Big, ())?;
        let body_start = writer.stream_position()?;
        write_prefix::<W, 2>(writer, 0)?;
        item.write_body(writer)?;
        patch_u16(writer, body_start, Field(body_field(item.extension_type())))?;
    }
    let len = to_usize(writer.stream_position()?.saturating_sub(list_start)).saturating_sub(2);
    if !(E::MIN_LEN..=E::MAX_LEN).contains(&len) {
        return Err(encode_err(
            EncodeError {
                field: E::LIST,
                len,
                min: E::MIN_LEN,
                max: E::MAX_LEN,
            },
            list_start,
        ));
    }
    patch_u16(writer, list_start, Field(E::LIST))
}

/// Rewrites the 2-byte length prefix at `prefix_pos` with the number of
/// bytes written after it, and returns to the end.
fn patch_u16<W: Write + Seek>(writer: &mut W, prefix_pos: u64, field: Field) -> BinResult<()> {
    let end = writer.stream_position()?;
    let len = to_usize(end.saturating_sub(prefix_pos)).saturating_sub(2);
    check_encoded_len::<0, 0xffff>(len, field, prefix_pos)?;
    writer.seek(SeekFrom::Start(prefix_pos))?;
    write_prefix::<W, 2>(writer, len)?;
    writer.seek(SeekFrom::Start(end))?;
    Ok(())
}

/// An extension keel does not model in the list it appears in: its type
/// and body, kept so that the list re-encodes to the same bytes and the
/// handshake can decide (ignore it in a ClientHello, refuse it as
/// unsolicited elsewhere).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RawExtension {
    /// The extension type.
    pub ext_type: ExtensionType,
    /// The body bytes.
    pub data: Vec<u8>,
}

impl RawExtension {
    /// An extension of `ext_type` with body `data`.
    #[must_use]
    pub fn new(ext_type: ExtensionType, data: Vec<u8>) -> Self {
        Self { ext_type, data }
    }

    fn read<R: Read>(ext_type: ExtensionType, body: &mut R, len: usize) -> BinResult<Self> {
        let data = read_rest(body, len)?;
        Ok(Self { ext_type, data })
    }

    fn write<W: Write>(&self, writer: &mut W) -> BinResult<()> {
        Ok(writer.write_all(&self.data)?)
    }
}

/// Reads every remaining byte of an extension body.
fn read_rest<R: Read>(body: &mut R, len: usize) -> BinResult<Vec<u8>> {
    let mut bytes = Vec::with_capacity(len);
    body.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Reads a fixed-size value that must fill the whole body.
fn read_value<T: for<'a> BinRead<Args<'a> = ()>, R: Read + Seek>(body: &mut R) -> BinResult<T> {
    T::read_options(body, Endian::Big, ())
}

#[cfg(test)]
mod tests;
