//! What a client connection accepts as the name of its server: a string, a
//! `keel::pki::ServerName`, or rustls-pki-types' `ServerName`, the type
//! rustls and tokio-rustls take, so that code written for them passes its
//! names unchanged.

use keel_pki::{InvalidServerName, ServerName};

/// A server's name, as [`ClientConnection::new`](crate::ClientConnection::new)
/// and `TlsConnector::connect` take it: a DNS name or an IP address; the
/// certificate is checked against it. Implemented for `&str`, `String`,
/// [`ServerName`](crate::pki::ServerName) and rustls-pki-types'
/// `ServerName<'_>`.
pub trait IntoServerName {
    /// The validated name.
    ///
    /// # Errors
    ///
    /// [`InvalidServerName`] when it is neither a DNS name nor an IP
    /// address.
    fn into_server_name(self) -> Result<ServerName, InvalidServerName>;
}

impl IntoServerName for &str {
    fn into_server_name(self) -> Result<ServerName, InvalidServerName> {
        ServerName::parse(self)
    }
}

impl IntoServerName for &String {
    fn into_server_name(self) -> Result<ServerName, InvalidServerName> {
        ServerName::parse(self)
    }
}

impl IntoServerName for String {
    fn into_server_name(self) -> Result<ServerName, InvalidServerName> {
        ServerName::parse(&self)
    }
}

impl IntoServerName for ServerName {
    fn into_server_name(self) -> Result<ServerName, InvalidServerName> {
        Ok(self)
    }
}

/// rustls-pki-types has already validated the name; keel parses its text
/// form again, so that both kinds of name reach the verifier the same way.
impl IntoServerName for rustls_pki_types::ServerName<'_> {
    fn into_server_name(self) -> Result<ServerName, InvalidServerName> {
        ServerName::parse(&self.to_str())
    }
}

impl IntoServerName for &rustls_pki_types::ServerName<'_> {
    fn into_server_name(self) -> Result<ServerName, InvalidServerName> {
        ServerName::parse(&self.to_str())
    }
}
