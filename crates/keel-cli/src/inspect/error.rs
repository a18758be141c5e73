//! Why `keel inspect` stopped. Each error is printed as one line,
//! `error: ` followed by its Display, and every offset in it is a byte offset
//! in the input.

use keel_record::RecordError;
use keel_wire::DecodeError;
use snafu::Snafu;

/// Everything that ends an inspection early.
#[derive(Debug, Snafu)]
#[snafu(visibility(pub(super)))]
pub(crate) enum InspectError {
    /// The input could not be read.
    #[snafu(display("{name}: {source}"))]
    Read {
        /// The file name as given, or `stdin`.
        name: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// Standard output could not be written.
    #[snafu(display("cannot write output: {source}"))]
    Write {
        /// What the system said.
        source: std::io::Error,
    },
    /// The record layer refused a record (type, version, length, or a
    /// record out of place).
    #[snafu(display("record at offset {offset}: {source}"))]
    Record {
        /// Offset of the record header.
        offset: usize,
        /// keel-record's reason.
        source: RecordError,
    },
    /// A message did not decode. Its offset has been moved from the
    /// message to the input.
    #[snafu(display("{error}"))]
    Decode {
        /// keel-wire's error, with `offset` counted from the input's start.
        error: DecodeError,
    },
    /// The input ends before a record header is complete.
    #[snafu(display(
        "input ends inside a record header at offset {offset} (needs {needed} more bytes)"
    ))]
    CutHeader {
        /// Offset of the partial header.
        offset: usize,
        /// Bytes missing from the header.
        needed: usize,
    },
    /// The input ends before a record's fragment is complete.
    #[snafu(display("input ends inside a record at offset {offset} (needs {needed} more bytes)"))]
    CutRecord {
        /// Offset of the record header.
        offset: usize,
        /// Bytes missing from the fragment.
        needed: usize,
    },
    /// The input ends before a handshake message split across records is
    /// complete.
    #[snafu(display("input ends inside a handshake message at offset {offset} ({detail})"))]
    CutMessage {
        /// Offset of the message's first byte.
        offset: usize,
        /// The message type and how much is missing, as far as known.
        detail: String,
    },
    /// `--roundtrip`: a message re-encoded to other bytes.
    #[snafu(display("{name} at offset {offset} does not rebuild to the same bytes"))]
    Rebuild {
        /// The message type's registry name.
        name: String,
        /// Offset of the message's first byte.
        offset: usize,
    },
}
