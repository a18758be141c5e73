//! Finished and NewSessionTicket: the messages that close a handshake.

use binrw::binrw;

use crate::vec::{Field, Opaque};

/// Finished (RFC 5246 §7.4.9). Every suite keel knows uses the default
/// `verify_data_length` of 12, so the codec requires exactly 12 bytes.
#[binrw]
#[brw(big)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Finished {
    /// PRF(master_secret, finished_label, Hash(handshake_messages))[0..11].
    pub verify_data: [u8; 12],
}

impl core::fmt::Debug for Finished {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Finished")
            .field("verify_data", &crate::vec::Hex(&self.verify_data))
            .finish()
    }
}

/// NewSessionTicket (RFC 5077 §3.3).
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NewSessionTicket {
    /// Seconds the client may keep the ticket; 0 means unspecified.
    pub ticket_lifetime_hint: u32,
    /// The opaque ticket, `opaque ticket<0..2^16-1>`.
    #[brw(args_raw = Field("NewSessionTicket.ticket"))]
    pub ticket: Opaque<2, 0, 0xffff>,
}

impl_codec! {
    Finished => "Finished",
    NewSessionTicket => "NewSessionTicket",
}
