//! Hello extensions (RFC 5246 §7.4.1.4), typed.
//!
//! The same extension type has different bodies in a ClientHello and a
//! ServerHello (ALPN: a list offered, one chosen; server_name: a list of
//! names, or empty), so each side has its own enum: [`ClientExtension`] and
//! [`ServerExtension`]. Any other extension is kept as its type and raw
//! bytes, so it survives a round trip.
//!
//! The list is read by hand rather than through binrw's enum magic: read the
//! type and length, window the body, decode the body by type, and require
//! the body to be consumed exactly. A malformed *known* extension is an
//! error, never silently demoted to "unknown".

mod bodies;
mod client;
mod server;

use binrw::io::{Read, Seek, SeekFrom, TakeSeekExt, Write};
use binrw::{BinRead, BinResult, BinWrite, Endian};

pub use bodies::{
    CertificateStatusRequest, ProtocolName, ResponderId, ServerName, ServerNameList,
    SignedCertificateTimestamp,
};
pub use client::ClientExtension;
pub use server::ServerExtension;

use crate::error::{DecodeErrorKind, decode_err, is_truncation, to_usize};
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

/// One side's extension enum: how to read and write a body by type.
pub trait ExtensionCodec: Sized {
    /// The list's name in errors, e.g. `ClientHello.extensions`.
    const LIST: &'static str;

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

        let field = Field(E::LIST);
        let (len, _) = read_prefix::<R, 2, 0, 0xffff>(reader, field)?;
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

            if body_len as u64 > window.limit() {
                return Err(decode_err(
                    DecodeErrorKind::LengthMismatch { declared: body_len },
                    name,
                    at,
                ));
            }
            let mut body = (&mut window).take_seek(body_len as u64);
            let item = match E::read_body(ext_type, &mut body, body_len) {
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
        reject_duplicates(seen, E::LIST)?;
        Ok(Self::Present(items))
    }
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
        let Self::Present(items) = self else {
            return Ok(());
        };
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
        patch_u16(writer, list_start, Field(E::LIST))
    }
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
