//! Length-prefixed vectors (RFC 5246 §4.3): `opaque x<MIN..MAX>` and
//! `T x<MIN..MAX>`, with a 1, 2 or 3-byte length prefix counting bytes.
//!
//! These two generic types are the only place in keel-wire that reads a
//! length prefix. Reading checks the RFC bounds *before* allocating, limits
//! the reader to exactly the declared window, and requires the items to fill
//! that window exactly. Writing writes a placeholder prefix, the items, then
//! patches the prefix with the number of bytes actually written, so there is
//! no separate size computation that could drift from the encoder; a length
//! outside the bounds is an [`EncodeError`], never a silent truncation.

use binrw::io::{Read, Seek, SeekFrom, TakeSeekExt, Write};
use binrw::{BinRead, BinResult, BinWrite, Endian};

use crate::error::{DecodeErrorKind, EncodeError, decode_err, encode_err, is_truncation, to_usize};

/// The name of the field being read or written (`Message.field`), passed to
/// vector types as their binrw argument so that errors can name it.
/// Deliberately not `Default`: binrw then refuses to compile a vector field
/// that forgot to name itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field(pub &'static str);

/// Items with a fixed encoded size. A vector of them must have a byte length
/// that is a multiple of the size.
pub trait FixedSize {
    /// The encoded size of one item, in bytes.
    const SIZE: usize;
}

impl FixedSize for u8 {
    const SIZE: usize = 1;
}

impl FixedSize for u16 {
    const SIZE: usize = 2;
}

/// Items of a [`List`]: anything with a binrw codec that needs no
/// arguments, with an optional fixed size for the multiple-of-size check.
pub trait ListItem: for<'a> BinRead<Args<'a> = ()> + for<'a> BinWrite<Args<'a> = ()> {
    /// `Some(n)` when every item encodes to exactly `n` bytes.
    const FIXED_SIZE: Option<usize>;
}

impl<T: FixedSize + for<'a> BinRead<Args<'a> = ()> + for<'a> BinWrite<Args<'a> = ()>> ListItem
    for T
{
    const FIXED_SIZE: Option<usize> = Some(T::SIZE);
}

/// `opaque data<MIN..MAX>` with a `W`-byte length prefix.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Opaque<const W: usize, const MIN: usize, const MAX: usize>(pub Vec<u8>);

/// `T items<MIN..MAX>` with a `W`-byte length prefix; the bounds count bytes,
/// as in the RFCs, not items.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct List<T, const W: usize, const MIN: usize, const MAX: usize>(pub Vec<T>);

impl<T, const W: usize, const MIN: usize, const MAX: usize> Default for List<T, W, MIN, MAX> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<const W: usize, const MIN: usize, const MAX: usize> Opaque<W, MIN, MAX> {
    /// Compile-time check, evaluated when the type is used, that the bounds
    /// fit the prefix width.
    const BOUNDS_FIT: () = assert!(W >= 1 && W <= 3 && MIN <= MAX && MAX < 1 << (8 * W));

    /// The bytes.
    #[must_use]
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }
}

impl<T, const W: usize, const MIN: usize, const MAX: usize> List<T, W, MIN, MAX> {
    const BOUNDS_FIT: () = assert!(W >= 1 && W <= 3 && MIN <= MAX && MAX < 1 << (8 * W));

    /// The items.
    #[must_use]
    pub fn as_slice(&self) -> &[T] {
        &self.0
    }
}

impl<const W: usize, const MIN: usize, const MAX: usize> core::ops::Deref for Opaque<W, MIN, MAX> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl<T, const W: usize, const MIN: usize, const MAX: usize> core::ops::Deref
    for List<T, W, MIN, MAX>
{
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<const W: usize, const MIN: usize, const MAX: usize> From<Vec<u8>> for Opaque<W, MIN, MAX> {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl<const W: usize, const MIN: usize, const MAX: usize> From<&[u8]> for Opaque<W, MIN, MAX> {
    fn from(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl<T, const W: usize, const MIN: usize, const MAX: usize> From<Vec<T>> for List<T, W, MIN, MAX> {
    fn from(items: Vec<T>) -> Self {
        Self(items)
    }
}

impl<const W: usize, const MIN: usize, const MAX: usize> core::fmt::Debug for Opaque<W, MIN, MAX> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&Hex(&self.0), f)
    }
}

impl<T: core::fmt::Debug, const W: usize, const MIN: usize, const MAX: usize> core::fmt::Debug
    for List<T, W, MIN, MAX>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(&self.0).finish()
    }
}

impl<const W: usize, const MIN: usize, const MAX: usize> BinRead for Opaque<W, MIN, MAX> {
    type Args<'a> = Field;

    fn read_options<R: Read + Seek>(reader: &mut R, _: Endian, field: Field) -> BinResult<Self> {
        let () = Self::BOUNDS_FIT;
        read_opaque::<R, W, MIN, MAX>(reader, field).map(Self)
    }
}

impl<const W: usize, const MIN: usize, const MAX: usize> BinWrite for Opaque<W, MIN, MAX> {
    type Args<'a> = Field;

    fn write_options<W2: Write + Seek>(
        &self,
        writer: &mut W2,
        _: Endian,
        field: Field,
    ) -> BinResult<()> {
        let () = Self::BOUNDS_FIT;
        write_opaque::<W2, W, MIN, MAX>(writer, &self.0, field)
    }
}

impl<T: ListItem, const W: usize, const MIN: usize, const MAX: usize> BinRead
    for List<T, W, MIN, MAX>
{
    type Args<'a> = Field;

    fn read_options<R: Read + Seek>(reader: &mut R, _: Endian, field: Field) -> BinResult<Self> {
        let () = Self::BOUNDS_FIT;
        let (len, start) = read_prefix::<R, W, MIN, MAX>(reader, field)?;
        if let Some(size) = T::FIXED_SIZE
            && size > 1
            && len % size != 0
        {
            return Err(decode_err(
                DecodeErrorKind::Misaligned {
                    len,
                    item_size: size,
                },
                field.0,
                start,
            ));
        }
        let mismatch = || {
            decode_err(
                DecodeErrorKind::LengthMismatch { declared: len },
                field.0,
                start,
            )
        };
        let mut window = reader.take_seek(len as u64);
        // Capacity from the item size and the declared length, which is
        // bounded by MAX; never from an unchecked count.
        let mut items = Vec::with_capacity(T::FIXED_SIZE.map_or(0, |size| len / size.max(1)));
        while window.limit() > 0 {
            match T::read_options(&mut window, Endian::Big, ()) {
                Ok(item) => items.push(item),
                // An item that runs past the window, or a window that runs
                // past the end of the input: the prefix lied.
                Err(err) if is_truncation(&err) => return Err(mismatch()),
                Err(err) => return Err(err),
            }
        }
        Ok(Self(items))
    }
}

impl<T: ListItem, const W: usize, const MIN: usize, const MAX: usize> BinWrite
    for List<T, W, MIN, MAX>
{
    type Args<'a> = Field;

    fn write_options<W2: Write + Seek>(
        &self,
        writer: &mut W2,
        _: Endian,
        field: Field,
    ) -> BinResult<()> {
        let () = Self::BOUNDS_FIT;
        let prefix_pos = writer.stream_position()?;
        write_prefix::<W2, W>(writer, 0)?;
        for item in &self.0 {
            item.write_options(writer, Endian::Big, ())?;
        }
        let end = writer.stream_position()?;
        let len = to_usize(end.saturating_sub(prefix_pos)).saturating_sub(W);
        check_encoded_len::<MIN, MAX>(len, field, prefix_pos)?;
        writer.seek(SeekFrom::Start(prefix_pos))?;
        write_prefix::<W2, W>(writer, len)?;
        writer.seek(SeekFrom::Start(end))?;
        Ok(())
    }
}

/// Reads `opaque x<MIN..MAX>` with a `W`-byte prefix.
pub(crate) fn read_opaque<R: Read + Seek, const W: usize, const MIN: usize, const MAX: usize>(
    reader: &mut R,
    field: Field,
) -> BinResult<Vec<u8>> {
    let (len, start) = read_prefix::<R, W, MIN, MAX>(reader, field)?;
    // Read through `take` rather than reserving `len` up front: a hostile
    // prefix of 0xFFFFFF on a six-byte input must not allocate 16 MiB.
    let mut bytes = Vec::new();
    let got = reader.take(len as u64).read_to_end(&mut bytes)?;
    if got != len {
        return Err(decode_err(
            DecodeErrorKind::LengthMismatch { declared: len },
            field.0,
            start,
        ));
    }
    Ok(bytes)
}

/// Writes `opaque x<MIN..MAX>` with a `W`-byte prefix.
pub(crate) fn write_opaque<W2: Write + Seek, const W: usize, const MIN: usize, const MAX: usize>(
    writer: &mut W2,
    bytes: &[u8],
    field: Field,
) -> BinResult<()> {
    let pos = writer.stream_position()?;
    check_encoded_len::<MIN, MAX>(bytes.len(), field, pos)?;
    write_prefix::<W2, W>(writer, bytes.len())?;
    writer.write_all(bytes)?;
    Ok(())
}

/// Reads a `W`-byte big-endian length and checks it against the bounds.
/// Returns the length and the offset of the prefix (where errors point).
pub(crate) fn read_prefix<R: Read + Seek, const W: usize, const MIN: usize, const MAX: usize>(
    reader: &mut R,
    field: Field,
) -> BinResult<(usize, u64)> {
    let start = reader.stream_position()?;
    let mut buf = [0u8; 4];
    let prefix = buf.get_mut(4 - W..).unwrap_or_default();
    if let Err(err) = reader.read_exact(prefix) {
        return Err(if err.kind() == std::io::ErrorKind::UnexpectedEof {
            decode_err(DecodeErrorKind::Truncated, field.0, start)
        } else {
            err.into()
        });
    }
    let len = to_usize(u64::from(u32::from_be_bytes(buf)));
    if len < MIN {
        return Err(decode_err(
            DecodeErrorKind::TooShort { len, min: MIN },
            field.0,
            start,
        ));
    }
    if len > MAX {
        return Err(decode_err(
            DecodeErrorKind::TooLong { len, max: MAX },
            field.0,
            start,
        ));
    }
    Ok((len, start))
}

pub(crate) fn write_prefix<W2: Write, const W: usize>(
    writer: &mut W2,
    len: usize,
) -> BinResult<()> {
    // Callers have checked `len <= MAX < 2^(8W)`, so the dropped high bytes
    // are zero.
    let bytes = u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes();
    writer.write_all(bytes.get(4 - W..).unwrap_or_default())?;
    Ok(())
}

pub(crate) fn check_encoded_len<const MIN: usize, const MAX: usize>(
    len: usize,
    field: Field,
    pos: u64,
) -> BinResult<()> {
    if (MIN..=MAX).contains(&len) {
        Ok(())
    } else {
        Err(encode_err(
            EncodeError {
                field: field.0,
                len,
                min: MIN,
                max: MAX,
            },
            pos,
        ))
    }
}

/// Defines a named `opaque` item type, usable as a [`List`] item: e.g.
/// `opaque ASN.1Cert<1..2^24-1>` as `CertificateDer`.
macro_rules! opaque_item {
    ($(#[$meta:meta])* $name:ident, $width:literal, $min:expr, $max:expr, $field:literal) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, Default)]
        pub struct $name(pub Vec<u8>);

        impl $name {
            /// The bytes.
            #[must_use]
            pub fn as_slice(&self) -> &[u8] {
                &self.0
            }
        }

        impl ::core::ops::Deref for $name {
            type Target = [u8];
            fn deref(&self) -> &[u8] {
                &self.0
            }
        }

        impl From<Vec<u8>> for $name {
            fn from(bytes: Vec<u8>) -> Self {
                Self(bytes)
            }
        }

        impl From<&[u8]> for $name {
            fn from(bytes: &[u8]) -> Self {
                Self(bytes.to_vec())
            }
        }

        impl ::core::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Debug::fmt(&$crate::vec::Hex(&self.0), f)
            }
        }

        impl $crate::vec::ListItem for $name {
            const FIXED_SIZE: Option<usize> = None;
        }

        impl ::binrw::BinRead for $name {
            type Args<'a> = ();

            fn read_options<R: ::binrw::io::Read + ::binrw::io::Seek>(
                reader: &mut R,
                _: ::binrw::Endian,
                (): (),
            ) -> ::binrw::BinResult<Self> {
                $crate::vec::read_opaque::<R, $width, { $min }, { $max }>(
                    reader,
                    $crate::vec::Field($field),
                )
                .map(Self)
            }
        }

        impl ::binrw::BinWrite for $name {
            type Args<'a> = ();

            fn write_options<W: ::binrw::io::Write + ::binrw::io::Seek>(
                &self,
                writer: &mut W,
                _: ::binrw::Endian,
                (): (),
            ) -> ::binrw::BinResult<()> {
                $crate::vec::write_opaque::<W, $width, { $min }, { $max }>(
                    writer,
                    &self.0,
                    $crate::vec::Field($field),
                )
            }
        }
    };
}

/// Shows bytes as `0x` followed by lowercase hex.
pub(crate) struct Hex<'a>(pub(crate) &'a [u8]);

impl core::fmt::Debug for Hex<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "0x{}", data_encoding::HEXLOWER.encode_display(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::Hex;

    #[test]
    fn hex_is_0x_and_lowercase_digits() {
        assert_eq!(
            format!("{:?}", Hex(&[0x00, 0x0a, 0xbc, 0xff])),
            "0x000abcff"
        );
        assert_eq!(format!("{:?}", Hex(&[])), "0x");
    }
}
