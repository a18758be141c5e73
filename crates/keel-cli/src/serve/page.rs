//! The page `keel serve` answers with: what was negotiated, in words.

use keel::SessionInfo;

/// The body of the 200 response.
pub(crate) fn describe(session: &SessionInfo) -> String {
    let alpn = session.alpn.as_deref().map_or_else(
        || "(none)".to_owned(),
        |p| String::from_utf8_lossy(p).into_owned(),
    );
    let client = session
        .peer_certificates
        .first()
        .map_or_else(|| "(none)".to_owned(), |der| subject(der.as_ref()));
    format!(
        "keel serve: TLS session\n\
         protocol: {}\n\
         cipher: {}\n\
         group: {}\n\
         signature: {}\n\
         alpn: {}\n\
         sni: {}\n\
         ems: {}\n\
         resumed: {}\n\
         client certificate: {}\n",
        session.version,
        session.cipher_suite,
        session.group,
        session.signature_scheme,
        alpn,
        session.server_name.as_deref().unwrap_or("(none)"),
        // RFC 7627 is TLS 1.2's: TLS 1.3's key schedule covers the whole
        // handshake by construction.
        if session.version == keel::registry::ProtocolVersion::TLS_V1_3 {
            "n/a (TLS 1.3)"
        } else if session.extended_master_secret {
            "yes"
        } else {
            "no"
        },
        if session.resumed { "yes" } else { "no" },
        client,
    )
}

/// A certificate's subject, for the page and the log.
pub(crate) fn subject(der: &[u8]) -> String {
    use x509_parser::prelude::FromDer;
    x509_parser::certificate::X509Certificate::from_der(der).map_or_else(
        |_| "(unparsable certificate)".to_owned(),
        |(_, cert)| cert.subject().to_string(),
    )
}

/// The complete HTTP/1.1 response.
pub(crate) fn response(body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}
