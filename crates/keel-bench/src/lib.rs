//! keel-bench: keel measured side by side with rustls 0.23 on the same
//! machine, in the same process, with the same protocol version (each
//! scenario names its own: TLS 1.2 or TLS 1.3), certificates, suites,
//! groups and crypto library (aws-lc-rs), over the same in-memory
//! transport.
//! `cargo run --release -p keel-bench -- compare [--quick]` prints one line
//! per scenario; `cargo bench -p keel-bench` runs keel's side alone under
//! criterion, for profiling. docs/PERFORMANCE.md has the figures.

#![allow(clippy::panic)]

pub mod caps;
pub mod cli;
pub mod keel_side;
pub mod pki;
pub mod rustls_side;
pub mod scenario;
pub mod timing;
