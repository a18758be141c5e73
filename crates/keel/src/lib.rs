//! keel: a TLS 1.2 client and server you can read, test and audit layer by
//! layer.
//!
//! - TLS 1.2 only; ECDHE with AES-GCM or ChaCha20-Poly1305 only; the
//!   Extended Master Secret is required. A peer that cannot meet this gets a
//!   precise alert and a precise error, never a weaker session.
//! - Certificate chain and hostname validation always run and cannot be
//!   turned off; hooks can only add checks.
//! - Sans-IO: connections take and give bytes; the caller moves them. Two
//!   levels: a buffered one ([`Connection::read_tls`],
//!   [`Connection::read`], [`Connection::write`]) built on a zero-copy one
//!   in which the caller lends its buffers ([`Connection::read_tls_in_place`]
//!   decrypts records where they lie; [`Connection::seal_in_place`] seals
//!   plaintext written straight into the send buffer, and
//!   [`Connection::seal_from`] seals it from the application's own buffer
//!   into the send buffer in one pass). A blocking
//!   [`Stream`] adapter is included.
//!
//! Coming from rustls: the names mean what they mean there. `read_tls`
//! takes the peer's bytes in and `write_tls` hands the bytes to send out
//! (keel takes a slice and fills a `Vec` instead of `io::Read` and
//! `io::Write`: the caller moves the bytes). [`Connection::read`] follows
//! `std::io::Read` as rustls's reader does: `Ok(0)` only at the end of the
//! peer's data (close_notify), and [`Error::WouldBlock`] while nothing has
//! arrived yet. [`Connection::write`] buffers plaintext, sent once the
//! handshake completes. A configuration is a cheap handle (clone it into
//! each connection); a server name may be a string or rustls-pki-types'
//! `ServerName`.
//!
//! A client and a server talking in memory:
//!
//! ```
//! use std::sync::Arc;
//! use keel::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};
//! use keel::pki::{CertifiedKey, TrustStore};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let (ca_pem, chain_pem, key_pem) = doc_certificates();
//! // A private PKI: the client trusts its own root.
//! let client_config = ClientConfig::builder()
//!     .with_root_certificates(TrustStore::from_pem(ca_pem.as_bytes())?)
//!     .build()?;
//! let server_config = ServerConfig::builder()
//!     .with_certificate(CertifiedKey::from_pem(chain_pem.as_bytes(), key_pem.as_bytes())?)
//!     .build()?;
//!
//! let mut client = ClientConnection::new(client_config, "localhost")?;
//! let mut server = ServerConnection::new(server_config);
//! client.write(b"hello")?; // held until the handshake completes
//!
//! // Move bytes until both sides are quiet.
//! let mut wire = Vec::new();
//! while client.wants_write() || server.wants_write() {
//!     client.write_tls(&mut wire);
//!     server.read_tls(&wire)?;
//!     wire.clear();
//!     server.write_tls(&mut wire);
//!     client.read_tls(&wire)?;
//!     wire.clear();
//! }
//!
//! let mut buf = [0u8; 5];
//! assert_eq!(server.read(&mut buf)?, 5);
//! assert_eq!(&buf, b"hello");
//! let session = client.session().expect("established");
//! // TLS 1.3 by default.
//! assert_eq!(session.version.to_string(), "TLSv1.3");
//! assert_eq!(session.cipher_suite.to_string(), "TLS_AES_128_GCM_SHA256");
//! # Ok(())
//! # }
//! # fn doc_certificates() -> (String, String, String) {
//! #     use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
//! #     let mut ca = CertificateParams::default();
//! #     ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
//! #     ca.key_usages = vec![KeyUsagePurpose::KeyCertSign];
//! #     let ca_key = KeyPair::generate().unwrap();
//! #     let root = ca.self_signed(&ca_key).unwrap();
//! #     let leaf = CertificateParams::new(vec!["localhost".into()]).unwrap();
//! #     let key = KeyPair::generate().unwrap();
//! #     let cert = leaf.signed_by(&key, &Issuer::from_params(&ca, &ca_key)).unwrap();
//! #     (root.pem(), cert.pem(), key.serialize_pem())
//! # }
//! ```

#![forbid(unsafe_code)]

mod config;
mod connection;
mod error;
mod server_name;
mod stream;

pub use config::{ClientConfig, ClientConfigBuilder, ServerConfig, ServerConfigBuilder};
pub use connection::{ClientConnection, Connection, ServerConnection};
pub use error::{ConfigError, Error};
pub use keel_handshake::{
    HandshakeError, Limits, ReadInPlace, ResumptionContext, SessionInfo, Versions,
};
pub use server_name::IntoServerName;
pub use stream::Stream;

/// Every type a [`HandshakeError`] or a [`ConfigError`] can hold, so that
/// an error can be matched and explained without reaching into
/// [`hazmat`].
pub mod errors {
    pub use keel_handshake::{IllegalParameter, Internal, MessageKind, Repeated};
    pub use keel_pki::{
        CertError, CertificateParseError, ExpectedUsage, InvalidServerName, KeyRejection,
        LoadError, PeerKeyProblem, SignError, SystemStoreProblem, TrustAnchorError, UnsupportedKey,
    };
    pub use keel_record::{HttpRequestKind, RecordError};
    pub use keel_wire::{DecodeError, DecodeErrorKind};
}

/// The largest record on the wire (header and 2^14 + 2048 bytes of
/// ciphertext, RFC 5246 §6.2.3): a buffer of this size holds any one
/// record, for callers of the zero-copy API
/// ([`Connection::read_tls_in_place`]).
pub const MAX_RECORD_LEN: usize = keel_record::limits::MAX_RECORD_LEN;

/// Async TLS over tokio: a connector, an acceptor and an `AsyncRead +
/// AsyncWrite` stream (feature `tokio`).
#[cfg(feature = "tokio")]
pub mod tokio;

/// Certificates, keys, trust stores and the certificate checks a user may
/// add.
pub mod pki {
    /// The rule that picks a server certificate by the client's name.
    pub use keel_handshake::entry_selects;
    pub use keel_pki::{
        CertError, CertificateCheck, CertificateDer, CertifiedKey, ClientAuth, ExpectedUsage,
        InvalidServerName, LoadError, PolicyRejection, PrivateKeyDer, ServerName, TrustStore,
        VerifiedChain, load_certificates, load_certificates_file, load_private_key,
        load_private_key_file,
    };
}

/// Session resumption by ID and by ticket: the stores a client and a server
/// keep sessions in, their serialised form, and the keys that seal tickets.
pub mod sessions {
    pub use keel_handshake::sessions::{
        ClientSessionStore, ServerSessionCache, SessionDecodeError, SessionEncodeError,
        StoredSession,
    };
    pub use keel_handshake::tickets::{TicketKeyError, TicketKeys};
}

/// Protocol registries, for reading a [`SessionInfo`].
pub mod registry {
    pub use keel_wire::registry::{
        AlertDescription, CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme,
    };
}

/// Traits to supply randomness, time and key logging. A configuration
/// uses the system's randomness and clock; replacing them is
/// [`hazmat::ConfigOverrides`]'s business.
pub mod provider {
    pub use keel_handshake::keylog::{KeyLog, NoKeyLog, nss_line};
    pub use keel_handshake::{Clock, Rng, RngFailed, SystemClock, SystemRng};
    /// What a [`Clock`] returns.
    pub use keel_pki::UnixTime;
}

/// The layers under the facade, for protocol experts and test harnesses.
///
/// **Using these directly can disable protection.** In particular,
/// `keel_handshake::Connection` accepts any certificate verifier through
/// its configuration: a verifier that accepts everything turns off
/// certificate and hostname validation entirely. Nothing outside this
/// module can do that. Prefer [`ClientConfig`] and [`ServerConfig`].
///
/// [`ConfigOverrides`](hazmat::ConfigOverrides) replaces a configuration's
/// randomness and clock: **a predictable random source gives up forward
/// secrecy and, with a shared ticket master, lets anyone forge tickets; a
/// fixed clock accepts expired certificates.**
pub mod hazmat {
    pub use crate::config::ConfigOverrides;
    pub use keel_handshake as handshake;
    pub use keel_pki as pki;
    pub use keel_record as record;
    pub use keel_wire as wire;
}
