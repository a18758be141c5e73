//! Alert and ChangeCipherSpec: the two tiny non-handshake protocols.

use binrw::io::{Read, Seek, Write};
use binrw::{BinRead, BinResult, BinWrite, Endian, binrw};

use crate::codec::read_only;
use crate::registry::{AlertDescription, AlertLevel};

/// An alert message (RFC 5246 §7.2). Exactly two bytes. RFC 5246 §7.2.2:
/// on an error keel sends one, fatal, before it closes.
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Alert {
    /// Warning or fatal.
    pub level: AlertLevel,
    /// What happened.
    pub description: AlertDescription,
}

/// The ChangeCipherSpec message (RFC 5246 §7.1): a single byte of value 1.
/// Any other byte is malformed, so the type carries no data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ChangeCipherSpec;

impl BinRead for ChangeCipherSpec {
    type Args<'a> = ();

    fn read_options<R: Read + Seek>(reader: &mut R, _: Endian, (): ()) -> BinResult<Self> {
        read_only(reader, 1u8, "ChangeCipherSpec.type").map(|_| Self)
    }
}

impl BinWrite for ChangeCipherSpec {
    type Args<'a> = ();

    fn write_options<W: Write + Seek>(
        &self,
        writer: &mut W,
        endian: Endian,
        (): (),
    ) -> BinResult<()> {
        1u8.write_options(writer, endian, ())
    }
}

impl_codec! {
    Alert => "Alert",
    ChangeCipherSpec => "ChangeCipherSpec",
}
