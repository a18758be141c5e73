//! keel-handshake: the TLS 1.2 client and server state machines, the key
//! schedule and the negotiation policy.

#![forbid(unsafe_code)]

pub mod key_schedule;
pub mod keylog;
pub mod transcript;
