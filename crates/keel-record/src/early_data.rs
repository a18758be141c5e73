//! The 0-RTT records a server that rejected the client's early data skips
//! (RFC 8446 §4.2.10), within a bound.
//!
//! The decoder asks this module about each record while skipping is on;
//! the handshake turns it on ([`RecordDecoder::skip_rejected_early_data`](crate::RecordDecoder::skip_rejected_early_data))
//! and the records themselves turn it off. Two small fields, copied: no
//! allocation.

use keel_wire::registry::ContentType;

use crate::limits::MAX_SKIPPED_EARLY_DATA;

/// Which records a server that rejected the client's early data skips,
/// by how it answered the ClientHello (RFC 8446 §4.2.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EarlyDataSkip {
    /// It answered with a ServerHello: "The server then skips past early
    /// data by attempting to deprotect received records using the
    /// handshake traffic key, discarding records which fail deprotection".
    /// application_data records that fail to open under the installed TLS
    /// 1.3 opener are dropped; the first that opens is "the start of the
    /// client's second flight" and ends the skipping.
    Undecryptable,
    /// It answered with a HelloRetryRequest: "The server then ignores
    /// early data by skipping all records with an external content type of
    /// "application_data"". There is no key to try yet: such records are
    /// dropped unread, while no opener is installed. The first handshake
    /// record (ClientHello2) ends the skipping.
    ApplicationData,
}

/// What [`Skipping::before_open`] says of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unread {
    /// Early data: dropped unread.
    Drop,
    /// Read as usual; skipping goes on.
    Read,
    /// Read as usual, and skipping ends: ClientHello2 has come.
    ReadAndStop,
}

/// Skipping in progress: which records, and how many more bytes of them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Skipping {
    what: EarlyDataSkip,
    /// Bytes of whole records (header included) that may still be dropped.
    remaining: usize,
}

impl Skipping {
    /// Skipping `what`, with the whole bound ahead.
    pub(crate) fn new(what: EarlyDataSkip) -> Self {
        Self {
            what,
            remaining: MAX_SKIPPED_EARLY_DATA,
        }
    }

    /// Whether records are skipped unread (the HelloRetryRequest case).
    pub(crate) fn skips_unread(&self) -> bool {
        self.what == EarlyDataSkip::ApplicationData
    }

    /// What to do with a record before it is opened, while no opener is
    /// installed.
    pub(crate) fn before_open(&mut self, content_type: ContentType, record_len: usize) -> Unread {
        if !self.skips_unread() {
            return Unread::Read;
        }
        match content_type {
            ContentType::APPLICATION_DATA if self.charge(record_len) => Unread::Drop,
            ContentType::HANDSHAKE => Unread::ReadAndStop,
            _ => Unread::Read,
        }
    }

    /// A record failed to open under a TLS 1.3 opener: whether it is early
    /// data to drop.
    pub(crate) fn drops_undecryptable(&mut self, record_len: usize) -> bool {
        self.what == EarlyDataSkip::Undecryptable && self.charge(record_len)
    }

    /// Takes `record_len` bytes from what may still be dropped. Past the
    /// bound the record is not dropped, and the usual rules answer it: a
    /// record that fails to open is bad_record_mac, unprotected
    /// application data is unexpected_message.
    fn charge(&mut self, record_len: usize) -> bool {
        match self.remaining.checked_sub(record_len) {
            Some(left) => {
                self.remaining = left;
                true
            }
            None => false,
        }
    }
}
