//! keel-record: the TLS 1.2 record layer (RFC 5246 §6).
//!
//! It turns a byte stream into protected records and back, and nothing
//! else: it knows no handshake states. The handshake tells it when the
//! version is negotiated and when keys change.
//!
//! Two levels:
//! - **In place, no copies** — [`deframe`] finds a record in the caller's
//!   buffer and judges its header ("need more bytes" is `Ok(None)`,
//!   "invalid" is an error); [`RecordOpener::open_in_place`] decrypts it
//!   there and hands out the plaintext as a sub-slice;
//!   [`RecordSealer::seal_in_place`] seals plaintext the caller wrote
//!   straight into its send buffer. No allocation per record.
//! - **Buffered** — [`RecordReader`] (feed bytes in any pieces; take out
//!   whole handshake messages, alerts, ChangeCipherSpec and application
//!   data) and [`RecordWriter`] (frame, fragment and seal into a `Vec`).
//!   Steady-state use allocates nothing once buffers have grown.
//!
//! Protection is AEAD only: AES-128-GCM and AES-256-GCM (RFC 5288) and
//! ChaCha20-Poly1305 (RFC 7905), through aws-lc-rs. Keys come in from the
//! handshake's key schedule ([`TrafficKeys`]); they are zeroized on drop
//! and never printed. Sans-IO: no sockets, clocks or randomness here.
//!
//! Every error is a [`RecordError`] with the alert it sends
//! ([`RecordError::alert`]); the reader and writer stay failed after one.

#![forbid(unsafe_code)]

mod aead;
mod deframe;
mod error;
mod joiner;
pub mod limits;
mod reader;
mod writer;

pub use aead::{AeadAlgorithm, RecordOpener, RecordSealer, TAG_LEN, TrafficKeys};
pub use deframe::{VersionCheck, deframe};
pub use error::RecordError;
pub use joiner::HandshakeJoiner;
pub use reader::{Incoming, RecordReader};
pub use writer::{RECORD_VERSION, RecordWriter};

#[cfg(test)]
mod kat_tests;
