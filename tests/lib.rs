//! keel's cross-crate test suites, in one test-only crate (`keel-tests`,
//! never published). Each crate keeps its own unit, property and
//! state-machine tests; what lives here exercises keel as a whole, through
//! its public API, against real peers:
//!
//! - `interop.rs` (with `interop/`): keel against `openssl s_server` /
//!   `s_client` and `gnutls-serv` / `gnutls-cli` on 127.0.0.1, both sides,
//!   every suite, client authentication, resumption, tickets, the exporter
//!   and the refusals;
//! - `ocsp_interop.rs`: stapled OCSP responses with OpenSSL on either side;
//! - `pairs.rs` (with `pair_support/`): a keel client against a keel server
//!   over every suite, key type, group and client-authentication mode, and
//!   the facade's behaviour around them;
//! - `resumption_policy.rs`: what a session may be resumed under.
//!
//! - `cli/`: the `keel` command's end-to-end tests (serve, connect, proxy,
//!   inspect) against curl, Python `ssl`, OpenSSL and keel itself. They are
//!   built as keel-cli's tests (its manifest points here), because cargo
//!   hands the path of the `keel` binary only to its own package's tests.
