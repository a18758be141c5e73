//! pre_shared_key in a ClientHello (RFC 8446 §4.2.11): the identities
//! offered and their binders.

use binrw::binrw;

use crate::vec::{Field, List, Opaque};

/// One offered identity: `opaque identity<1..2^16-1>; uint32
/// obfuscated_ticket_age`. For a resumption PSK the identity is the ticket.
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PskIdentity {
    /// The ticket (or an external PSK's label).
    #[brw(args_raw = Field("PskIdentity.identity"))]
    pub identity: Opaque<2, 1, 0xffff>,
    /// The ticket's age in milliseconds plus its `ticket_age_add`, modulo
    /// 2^32 (RFC 8446 §4.2.11.1).
    pub obfuscated_ticket_age: u32,
}

impl crate::vec::ListItem for PskIdentity {
    const FIXED_SIZE: Option<usize> = None;
}

opaque_item! {
    /// One binder: `opaque PskBinderEntry<32..255>`, an HMAC over the
    /// ClientHello up to the binders (RFC 8446 §4.2.11.2).
    PskBinderEntry, 1, 32, 255, "OfferedPsks.binders"
}

/// The ClientHello form of pre_shared_key: `PskIdentity
/// identities<7..2^16-1>; PskBinderEntry binders<33..2^16-1>`.
///
/// That there is one binder per identity, and that each binder is right,
/// is the handshake's to check: it knows the keys.
#[binrw]
#[brw(big)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OfferedPsks {
    /// The identities, in the client's order of preference.
    #[brw(args_raw = Field("OfferedPsks.identities"))]
    pub identities: List<PskIdentity, 2, 7, 0xffff>,
    /// One HMAC per identity, in the same order.
    #[brw(args_raw = Field("OfferedPsks.binders"))]
    pub binders: List<PskBinderEntry, 2, 33, 0xffff>,
}

impl OfferedPsks {
    /// The encoded length of the binders list, prefix included: what RFC
    /// 8446 §4.2.11.2 cuts off the end of the ClientHello before hashing
    /// it for the binders ("the binders list ... is not included"). The
    /// pre_shared_key extension is last, so these are the hello's last
    /// bytes.
    #[must_use]
    pub fn binders_len(&self) -> usize {
        2 + self
            .binders
            .iter()
            .map(|binder| 1 + binder.len())
            .sum::<usize>()
    }
}
