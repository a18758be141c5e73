//! keel for Python: the CPython extension module `keel._keel`, which the
//! `keel` package (python/keel) re-exports.
//!
//! - `config`: `ClientConfig` and `ServerConfig`, built once and shared by
//!   many connections.
//! - `connection`: `ClientConnection` and `ServerConnection`, the
//!   in-memory TLS object (bytes in, bytes out), shaped like
//!   `ssl.SSLObject` with its two `ssl.MemoryBIO`s folded in.
//! - `session`: the `Session` view of a completed handshake.
//! - `errors`: the exception hierarchy, and how keel's errors map onto it.
//!
//! The GIL is released while keel works on bytes (the handshake's
//! cryptography, sealing and opening records): nothing in keel touches a
//! Python object, and the bytes it reads are owned by immutable `bytes`
//! objects the call holds.

use pyo3::prelude::*;

mod config;
mod connection;
mod errors;
mod session;

/// The native half of the `keel` package.
#[pymodule]
fn _keel(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<config::ClientConfig>()?;
    m.add_class::<config::ServerConfig>()?;
    m.add_class::<connection::Connection>()?;
    m.add_class::<connection::ClientConnection>()?;
    m.add_class::<connection::ServerConnection>()?;
    m.add_class::<session::Session>()?;
    Ok(())
}
