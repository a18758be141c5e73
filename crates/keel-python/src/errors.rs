//! The exceptions keel raises in Python, and which keel error becomes
//! which.
//!
//! ```text
//! Exception
//! ├── keel.TLSError            a connection failed; .alert names the alert
//! │   ├── keel.CertificateError   the peer's certificate was refused
//! │   ├── keel.AlertReceived      the peer ended the handshake with an alert
//! │   ├── keel.ProtocolError      anything else the peer got wrong
//! │   └── keel.WantReadError      no data yet: not a failure
//! └── ValueError
//!     └── keel.ConfigError     a configuration that cannot work
//! ```

use keel::HandshakeError;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::{PyErr, create_exception};

create_exception!(
    keel,
    TLSError,
    PyException,
    "A TLS connection failed. `alert` is the name of the alert sent to the \
     peer (or, for AlertReceived, received from it), or None. The \
     connection stays failed: every later call raises the same error."
);
create_exception!(
    keel,
    CertificateError,
    TLSError,
    "The peer's certificate was refused: untrusted, expired, for another \
     name, or unusable for TLS."
);
create_exception!(
    keel,
    AlertReceived,
    TLSError,
    "The peer sent a fatal alert; `alert` is its name."
);
create_exception!(
    keel,
    ProtocolError,
    TLSError,
    "The peer broke the protocol or cannot meet keel's policy (no common \
     version, suite or group; malformed or out-of-place messages; a \
     connection cut without close_notify)."
);
create_exception!(
    keel,
    WantReadError,
    TLSError,
    "No application data yet: give the connection more of the peer's \
     bytes (receive_tls) first. Not a failure."
);
create_exception!(
    keel,
    ConfigError,
    PyValueError,
    "A configuration keel cannot build: a certificate or key that does not \
     load, a key that does not match its certificate, an empty or invalid \
     option."
);

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("TLSError", py.get_type::<TLSError>())?;
    m.add("CertificateError", py.get_type::<CertificateError>())?;
    m.add("AlertReceived", py.get_type::<AlertReceived>())?;
    m.add("ProtocolError", py.get_type::<ProtocolError>())?;
    m.add("WantReadError", py.get_type::<WantReadError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    Ok(())
}

/// The Python exception for a keel error, with `alert` set.
pub(crate) fn to_py(err: &keel::Error) -> PyErr {
    let message = err.to_string();
    let (exc, alert) = match err {
        keel::Error::WouldBlock => (WantReadError::new_err(message), None),
        keel::Error::Config { .. } | keel::Error::ServerName { .. } => {
            return ConfigError::new_err(message);
        }
        keel::Error::Tls { source } => classify(source, message),
        // keel::Error is non_exhaustive: a kind added later is still a
        // TLS failure.
        _ => (ProtocolError::new_err(message), None),
    };
    Python::attach(|py| {
        let _ = exc.value(py).setattr("alert", alert);
    });
    exc
}

/// The exception class for a failed connection and the alert to report.
fn classify(err: &HandshakeError, message: String) -> (PyErr, Option<&'static str>) {
    match err {
        HandshakeError::AlertReceived { description } => {
            (AlertReceived::new_err(message), description.name())
        }
        HandshakeError::Certificate { .. }
        | HandshakeError::CertificateMayNotSign
        | HandshakeError::EmptyServerCertificate
        | HandshakeError::CertificateRequired => (
            CertificateError::new_err(message),
            err.alert().and_then(|a| a.name()),
        ),
        _ => (
            ProtocolError::new_err(message),
            err.alert().and_then(|a| a.name()),
        ),
    }
}

/// A configuration error as `keel.ConfigError`, with what was being
/// loaded.
pub(crate) fn config(what: &str, err: impl std::fmt::Display) -> PyErr {
    ConfigError::new_err(format!("{what}: {err}"))
}
