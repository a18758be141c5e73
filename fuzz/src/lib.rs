//! What the fuzz targets share: a deterministic world (seeded randomness, a
//! fixed clock, a committed Ed25519 PKI), keel configurations built from one
//! variant byte, and [`pair`]: a keel client and server joined in memory,
//! with one handshake message replaced or one record injected on the way.
//!
//! Determinism is the point: with the same variant, a client and a server
//! built here produce the same bytes on every run, so a recorded flight of
//! one side is a valid flight for a fresh peer of the other side. The seed
//! corpora (see `src/bin/seeds.rs`) are those recorded flights, which lets
//! the fuzzer start from complete handshakes instead of from nothing.

#![forbid(unsafe_code)]
// A panic is how a fuzz target reports a broken invariant.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

pub mod configs;
pub mod det;
pub mod invariants;
pub mod levels;
pub mod pair;
pub mod records;
pub mod wire;

pub use configs::Variant;
