//! Tests of the TLS 1.3 building blocks: the RFC 8448 traces, the
//! properties the traces do not cover, and the refusals.

mod key_schedule;
mod key_share;
mod rfc8448;
mod transcript;
mod vectors;
