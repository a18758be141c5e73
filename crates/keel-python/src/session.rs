//! `Session`: what a completed handshake negotiated.

use keel::SessionInfo;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// What the handshake negotiated, read-only. Names are the IANA
/// registries' (`TLS_AES_128_GCM_SHA256`, `X25519MLKEM768`); `version` is
/// "TLSv1.3" or "TLSv1.2", as `ssl.SSLObject.version()` says it.
#[pyclass(module = "keel", frozen, get_all)]
pub(crate) struct Session {
    /// "TLSv1.3" or "TLSv1.2".
    version: String,
    /// The cipher suite's IANA name.
    cipher: String,
    /// The key-exchange group's IANA name.
    group: String,
    /// The application protocol agreed by ALPN, or None.
    alpn_protocol: Option<String>,
    /// The server name the client sent (SNI), or None.
    server_name: Option<String>,
    /// The peer's certificate chain, DER, leaf first (empty for a client
    /// that sent none).
    peer_certificates: Vec<Py<PyBytes>>,
    /// Whether the session was resumed rather than negotiated afresh.
    resumed: bool,
    /// Whether the handshake needed a HelloRetryRequest (TLS 1.3).
    hello_retry_request: bool,
}

#[pymethods]
impl Session {
    fn __repr__(&self) -> String {
        format!(
            "<keel.Session {} {} {} resumed={}>",
            self.version,
            self.cipher,
            self.group,
            if self.resumed { "True" } else { "False" }
        )
    }
}

impl Session {
    pub(crate) fn new(py: Python<'_>, info: &SessionInfo) -> Self {
        Self {
            version: info.version.to_string(),
            cipher: info.cipher_suite.to_string(),
            group: info.group.to_string(),
            alpn_protocol: info
                .alpn
                .as_ref()
                .map(|p| String::from_utf8_lossy(p).into_owned()),
            server_name: info.server_name.clone(),
            peer_certificates: info
                .peer_certificates
                .iter()
                .map(|c| PyBytes::new(py, c.as_ref()).unbind())
                .collect(),
            resumed: info.resumed,
            hello_retry_request: info.hello_retry_request,
        }
    }
}
