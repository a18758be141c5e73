//! The public face of every message type: decode exactly these bytes,
//! encode to bytes. binrw stays behind this trait.

use binrw::io::{Cursor, Read, Seek};
use binrw::{BinRead, BinResult, BinWrite, Endian};

use crate::error::{
    DecodeError, DecodeErrorKind, EncodeError, decode_err, encode_from_binrw, from_binrw, to_usize,
};

/// A TLS structure that can be decoded from, and encoded to, its exact wire
/// bytes.
///
/// `decode` is strict: the input must be exactly one structure, with no
/// trailing bytes. For every accepted input `b`, `encode(decode(b)) == b`.
pub trait Codec: Sized {
    /// The structure's name as used in errors (`ClientHello`).
    const NAME: &'static str;

    /// Decodes exactly `bytes`. Offsets in errors count from the start of
    /// `bytes`.
    fn decode(bytes: &[u8]) -> Result<Self, DecodeError>;

    /// Appends the encoding to `out`. On error, `out` is left as it was.
    fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), EncodeError>;

    /// Encodes into a new buffer.
    fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode_into(&mut out)?;
        Ok(out)
    }
}

/// Reads one `T` from `bytes[start..]`, requiring it to end exactly at the
/// end of `bytes`. Offsets stay relative to the start of `bytes`.
pub(crate) fn decode_exact<T>(
    bytes: &[u8],
    start: usize,
    name: &'static str,
) -> Result<T, DecodeError>
where
    T: for<'a> BinRead<Args<'a> = ()>,
{
    let mut cursor = Cursor::new(bytes);
    cursor.set_position(start as u64);
    let value = T::read_options(&mut cursor, Endian::Big, ())
        .map_err(|err| from_binrw(&err, name, bytes.len()))?;
    let end = to_usize(cursor.position());
    if end != bytes.len() {
        return Err(DecodeError {
            kind: DecodeErrorKind::TrailingBytes {
                count: bytes.len().saturating_sub(end),
            },
            field: name,
            offset: end,
        });
    }
    Ok(value)
}

/// Appends the encoding of `value` to `out`, restoring `out` on error.
pub(crate) fn encode_append<T>(
    value: &T,
    out: &mut Vec<u8>,
    name: &'static str,
) -> Result<(), EncodeError>
where
    T: for<'a> BinWrite<Args<'a> = ()>,
{
    let start = out.len();
    let mut cursor = Cursor::new(&mut *out);
    cursor.set_position(start as u64);
    let result = value.write_options(&mut cursor, Endian::Big, ());
    if let Err(err) = result {
        out.truncate(start);
        return Err(encode_from_binrw(&err, name));
    }
    Ok(())
}

/// Reads a `u8`-backed value that the structure allows only one value of
/// (a ChangeCipherSpec byte, a curve type, a status type); anything else is
/// [`DecodeErrorKind::InvalidValue`] at the value's offset.
pub(crate) fn read_only<T, R>(reader: &mut R, expected: T, field: &'static str) -> BinResult<T>
where
    T: for<'a> BinRead<Args<'a> = ()> + PartialEq + Into<u8>,
    R: Read + Seek,
{
    let pos = reader.stream_position()?;
    let value = T::read_options(reader, Endian::Big, ())?;
    if value == expected {
        Ok(value)
    } else {
        let value = u32::from(value.into());
        Err(decode_err(
            DecodeErrorKind::InvalidValue { value },
            field,
            pos,
        ))
    }
}

/// Implements [`Codec`] for binrw types that need no arguments.
macro_rules! impl_codec {
    ($($ty:ty => $name:literal),* $(,)?) => {$(
        impl $crate::codec::Codec for $ty {
            const NAME: &'static str = $name;

            fn decode(bytes: &[u8]) -> Result<Self, $crate::DecodeError> {
                $crate::codec::decode_exact(bytes, 0, $name)
            }

            fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), $crate::EncodeError> {
                $crate::codec::encode_append(self, out, $name)
            }
        }
    )*};
}
