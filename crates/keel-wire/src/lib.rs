//! keel-wire: every TLS 1.2 and TLS 1.3 wire structure as a strict,
//! round-tripping codec. No crypto, no IO, no state.
//!
//! This crate answers one question: *are these bytes a valid message?*
//! Whether a valid message is acceptable *now* is the handshake's question.
//!
//! - [`registry`]: protocol enums as open newtypes (unknown values survive).
//! - [`vec`](mod@vec): the length-prefixed vectors of RFC 5246 §4.3, with RFC bounds.
//! - [`framing`]: record and handshake headers, hand-written for speed.
//! - [`Alert`], [`ChangeCipherSpec`], [`handshake`] messages of both
//!   versions and typed [`extensions`]; every one implements [`Codec`].
//!   Where TLS 1.3 gives a handshake type another body, the caller says
//!   which version it reads ([`HandshakeMessage::decode_in`]).
//! - [`session`]: keel's own serialised session, the plaintext of its
//!   session tickets, under the same strict codec.
//!
//! Decoding is strict: a length that disagrees with its content, trailing
//! bytes, a vector outside its bounds, an odd length for 2-byte items, a
//! duplicated extension, an extension RFC 8446 §4.2 places elsewhere, a
//! pre_shared_key that is not last — each is a [`DecodeError`] naming the
//! field and the byte offset, and the alert to send
//! ([`DecodeError::alert`]). No input makes the decoder panic. Encoding is the exact
//! inverse: `encode(decode(b)) == b` for every accepted `b`.
//!
//! ```
//! use keel_wire::{Codec, DecodeErrorKind, HandshakeMessage};
//! use keel_wire::registry::CipherSuite;
//!
//! // A minimal ClientHello: header, version, random, empty session id, one
//! // suite, null compression, no extensions.
//! let mut bytes = vec![1, 0, 0, 41, 3, 3];
//! bytes.extend_from_slice(&[0x5a; 32]);
//! bytes.extend_from_slice(&[0, 0, 2, 0xc0, 0x2b, 1, 0]);
//!
//! let HandshakeMessage::ClientHello(hello) = HandshakeMessage::decode(&bytes)? else {
//!     unreachable!("type 1 is a ClientHello");
//! };
//! assert_eq!(hello.cipher_suites[0], CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
//! assert_eq!(HandshakeMessage::ClientHello(hello).encode()?, bytes);
//!
//! // One byte more in the suite list's length, and the decoder says where.
//! bytes[40] = 3;
//! let err = HandshakeMessage::decode(&bytes).unwrap_err();
//! assert_eq!(err.kind, DecodeErrorKind::Misaligned { len: 3, item_size: 2 });
//! assert_eq!(err.to_string(), "ClientHello.cipher_suites: odd length 3 at offset 39");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

#[macro_use]
mod codec;
pub mod registry;
#[macro_use]
pub mod vec;

mod alert;
mod error;
pub mod extensions;
pub mod framing;
pub mod handshake;
pub mod session;

pub use alert::{Alert, ChangeCipherSpec};
pub use codec::Codec;
pub use error::{DecodeError, DecodeErrorKind, EncodeError};
pub use extensions::{ClientExtension, ExtensionList, Extensions, ServerExtension};
pub use handshake::HandshakeMessage;
