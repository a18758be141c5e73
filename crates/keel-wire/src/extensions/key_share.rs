//! key_share (RFC 8446 §4.2.8): the (EC)DHE and hybrid shares.

use binrw::io::{Read, Seek, Write};
use binrw::{BinRead, BinResult, BinWrite, Endian, binrw};

use super::bodies::first_repeated;
use crate::error::{DecodeErrorKind, decode_err};
use crate::registry::NamedGroup;
use crate::vec::{Field, List, Opaque};

/// One key share: `NamedGroup group; opaque key_exchange<1..2^16-1>`.
/// The key's format is the group's (RFC 8446 §4.2.8.2 for the NIST curves
/// and X25519, draft-ietf-tls-ecdhe-mlkem for the hybrids); the codec only
/// frames it and the key exchange checks it.
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyShareEntry {
    /// The group the key belongs to.
    pub group: NamedGroup,
    /// The public key (or, for a hybrid server share, the ciphertext).
    #[brw(args_raw = Field("KeyShareEntry.key_exchange"))]
    pub key_exchange: Opaque<2, 1, 0xffff>,
}

impl crate::vec::ListItem for KeyShareEntry {
    const FIXED_SIZE: Option<usize> = None;
}

/// The body of a ClientHello key_share: `KeyShareEntry
/// client_shares<0..2^16-1>`, in the client's order of preference. Empty is
/// allowed: a client may ask the server to choose with a HelloRetryRequest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct KeyShareList(pub List<KeyShareEntry, 2, 0, 0xffff>);

impl KeyShareList {
    /// The share for `group`, if the client sent one.
    #[must_use]
    pub fn find(&self, group: NamedGroup) -> Option<&KeyShareEntry> {
        self.0.iter().find(|entry| entry.group == group)
    }
}

impl BinRead for KeyShareList {
    type Args<'a> = ();

    fn read_options<R: Read + Seek>(reader: &mut R, endian: Endian, (): ()) -> BinResult<Self> {
        let start = reader.stream_position()?;
        let list: List<KeyShareEntry, 2, 0, 0xffff> =
            List::read_options(reader, endian, Field("key_share.client_shares"))?;
        // RFC 8446 §4.2.8: "Clients MUST NOT offer multiple KeyShareEntry
        // values for the same group. ... Servers MAY check for violations
        // of these rules and abort the handshake with an illegal_parameter
        // alert if one is violated." keel checks.
        let groups = list.iter().map(|entry| entry.group.get()).collect();
        if let Some(value) = first_repeated(groups) {
            return Err(decode_err(
                DecodeErrorKind::DuplicateKeyShare { value },
                "key_share.client_shares",
                start,
            ));
        }
        Ok(Self(list))
    }
}

impl BinWrite for KeyShareList {
    type Args<'a> = ();

    fn write_options<W: Write + Seek>(
        &self,
        writer: &mut W,
        endian: Endian,
        (): (),
    ) -> BinResult<()> {
        self.0
            .write_options(writer, endian, Field("key_share.client_shares"))
    }
}
