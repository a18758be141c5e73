//! keel-record: the TLS 1.2 and TLS 1.3 record layer (RFC 5246 §6, RFC
//! 8446 §5).
//!
//! It turns a byte stream into protected records and back, and nothing
//! else: it knows no handshake states. The handshake tells it when the
//! version is negotiated and when keys change.
//!
//! Two levels, the second built on the first:
//! - **In place, no copies** — [`RecordDecoder::decode`] is lent the
//!   caller's receive buffer: it deframes the records at its start, checks
//!   them, decrypts protected ones where they lie, and hands out
//!   application data as a sub-slice of that buffer, saying how many bytes
//!   to drop ([`Decoded`]); handshake messages are reassembled inside the
//!   decoder, the one copy on the receive side. On the send side
//!   [`RecordWriter::seal_in_place`] seals plaintext the caller wrote
//!   straight into its send buffer, at the place
//!   [`RecordWriter::plaintext_window`] gives. Below them, [`deframe`],
//!   [`RecordOpener::open_in_place`] and [`RecordSealer::seal_in_place`]
//!   work on single records. No allocation per record.
//! - **Buffered** — [`RecordReader`] (feed bytes in any pieces; take out
//!   whole handshake messages, alerts, ChangeCipherSpec and application
//!   data) is a [`RecordDecoder`] with a buffer of its own, so both levels
//!   apply the same rules; [`RecordWriter`] frames, fragments and seals
//!   into a `Vec`. Steady-state use allocates nothing once buffers have
//!   grown.
//!
//! Protection is AEAD only: AES-128-GCM and AES-256-GCM (RFC 5288) and
//! ChaCha20-Poly1305 (RFC 7905), through aws-lc-rs. Keys come in from the
//! handshake's key schedule ([`TrafficKeys`]); they are zeroized on drop
//! and never printed. Sans-IO: no sockets, clocks or randomness here.
//!
//! Each key is made for one version's protection ([`RecordProtection`]),
//! and everything built on it follows: with TLS 1.3 keys
//! ([`TrafficKeys::new_tls13`]) records carry their real type inside the
//! ciphertext behind an outer application_data type, the nonce is the IV
//! XORed with the sequence number, and the header is the additional data
//! (RFC 8446 §5.2, §5.3). What the handshake drives in TLS 1.3: a new
//! opener or sealer at each key change, its sequence number from zero
//! ([`RecordDecoder::install_opener`] refuses a change while handshake
//! bytes are buffered, RFC 8446 §5.1); the middlebox change_cipher_spec
//! switch ([`RecordDecoder::set_middlebox_ccs_allowed`]); and a KeyUpdate
//! when [`RecordWriter::key_update_due`] says so (RFC 8446 §5.5). A server
//! that rejects the client's 0-RTT data has the decoder skip it
//! ([`RecordDecoder::skip_rejected_early_data`], RFC 8446 §4.2.10).
//!
//! Every error is a [`RecordError`] with the alert it sends
//! ([`RecordError::alert`]); the decoder, reader and writer stay failed
//! after one.

#![forbid(unsafe_code)]

mod aead;
mod decoder;
mod deframe;
mod early_data;
mod error;
mod joiner;
pub mod limits;
mod reader;
mod sink;
mod writer;

pub use aead::{AeadAlgorithm, RecordOpener, RecordProtection, RecordSealer, TAG_LEN, TrafficKeys};
pub use decoder::{Decoded, Received, RecordDecoder};
pub use deframe::{VersionCheck, deframe};
pub use early_data::EarlyDataSkip;
pub use error::{HttpRequestKind, RecordError};
pub use joiner::HandshakeJoiner;
pub use reader::{Incoming, RecordReader};
pub use sink::RecordSink;
pub use writer::{HELLO_RECORD_VERSION, RECORD_VERSION, RecordWriter};

#[cfg(test)]
mod kat_tests;
