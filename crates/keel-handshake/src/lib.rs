//! keel-handshake: the TLS 1.2 client and server state machines, the key
//! schedule and the negotiation policy; in [`tls13`], the TLS 1.3 key
//! schedule, transcript and key shares the 1.3 state machines build on.
//!
//! Sans-IO like every layer below the facade: a [`Connection`] takes bytes
//! and plaintext and gives bytes and plaintext; time and randomness come in
//! through its configuration ([`Clock`], [`Rng`]). Certificate validation
//! comes in as a verifier the state machine is given: the `keel` facade
//! always installs keel-pki's, and only `keel::hazmat` can pass another.

#![forbid(unsafe_code)]

// The shared test harness (tests/support), which unit tests use too, names
// this crate by its name.
#[cfg(test)]
extern crate self as keel_handshake;

mod client;
mod client13;
mod config;
mod connection;
mod error;
pub mod key_schedule;
pub mod keylog;
mod kx;
mod machine;
mod machine13;
pub mod policy;
mod random;
mod resumption_context;
mod send_buffer;
mod server;
mod server13;
mod session;
pub mod sessions;
pub mod tickets;
pub mod tls13;
pub mod transcript;
mod verifier;

pub use config::{
    ClientHandshakeConfig, Limits, ServerCertificates, ServerHandshakeConfig, Versions,
    entry_selects,
};
pub use connection::{Connection, ReadInPlace};
pub use error::{HandshakeError, IllegalParameter, Internal, MessageKind, Repeated};
pub use kx::GROUPS;
pub use random::{Clock, Rng, RngFailed, SystemClock, SystemRng};
pub use resumption_context::{ContextBuilder, ResumptionContext, Side};
pub use session::SessionInfo;
pub use verifier::{ClientCertificateVerifier, ServerCertificateVerifier};
