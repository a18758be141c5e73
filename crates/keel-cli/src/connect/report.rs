//! What `keel connect` tells the person after the handshake, on stderr: the
//! server's chain (indented blocks, read with x509-parser) and the session
//! as `key: value` lines for scripts.

use std::io::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;

use keel::SessionInfo;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;

/// Prints the chain and the session summary to stderr.
pub(super) fn print(peer: &SocketAddr, session: &SessionInfo, key_log: Option<&Path>) {
    let text = render(peer, session, key_log);
    // Nothing sensible is left to do if stderr itself is gone.
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

fn render(peer: &SocketAddr, session: &SessionInfo, key_log: Option<&Path>) -> String {
    let mut out = String::new();
    for (index, der) in session.peer_certificates.iter().enumerate() {
        out.push_str(&format!("certificate {index}:\n"));
        out.push_str(&describe_certificate(der));
    }
    let none = || "none".to_owned();
    let alpn = session
        .alpn
        .as_deref()
        .map_or_else(none, |p| String::from_utf8_lossy(p).into_owned());
    let sni = session.server_name.clone().unwrap_or_else(none);
    let lines = [
        ("certificates", session.peer_certificates.len().to_string()),
        ("peer", peer.to_string()),
        ("protocol", session.version.to_string()),
        ("cipher", session.cipher_suite.to_string()),
        ("group", session.group.to_string()),
        ("signature", session.signature_scheme.to_string()),
        ("alpn", alpn),
        ("sni", sni),
        ("ems", yes_no(session.extended_master_secret)),
        ("resumed", yes_no(session.resumed)),
    ];
    for (key, value) in lines {
        out.push_str(&format!("{key}: {value}\n"));
    }
    if let Some(path) = key_log {
        out.push_str(&format!("keylog: {}\n", path.display()));
    }
    out
}

fn yes_no(flag: bool) -> String {
    if flag { "yes" } else { "no" }.to_owned()
}

/// One certificate as indented lines: subject, issuer, names, validity.
fn describe_certificate(der: &[u8]) -> String {
    let cert = match X509Certificate::from_der(der) {
        Ok((_, cert)) => cert,
        Err(err) => return format!("  (cannot be parsed: {err})\n"),
    };
    let names = names(&cert);
    let validity = cert.validity();
    let lines = [
        ("subject", name_or_empty(cert.subject().to_string())),
        ("issuer", name_or_empty(cert.issuer().to_string())),
        (
            "names",
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            },
        ),
        ("not before", rfc3339(validity.not_before.timestamp())),
        ("not after", rfc3339(validity.not_after.timestamp())),
    ];
    let mut out = String::new();
    for (key, value) in lines {
        out.push_str(&format!("  {key}: {value}\n"));
    }
    out
}

fn name_or_empty(name: String) -> String {
    if name.is_empty() {
        "(empty)".to_owned()
    } else {
        name
    }
}

/// The subjectAltName entries, written as OpenSSL does (`DNS:`, `IP:`, ...).
fn names(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    san.value
        .general_names
        .iter()
        .map(|name| match name {
            GeneralName::DNSName(dns) => format!("DNS:{dns}"),
            GeneralName::IPAddress(bytes) => format!("IP:{}", ip_text(bytes)),
            GeneralName::RFC822Name(email) => format!("email:{email}"),
            GeneralName::URI(uri) => format!("URI:{uri}"),
            GeneralName::DirectoryName(dn) => format!("DirName:{dn}"),
            _ => "(other name)".to_owned(),
        })
        .collect()
}

fn ip_text(bytes: &[u8]) -> String {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        return Ipv4Addr::from(v4).to_string();
    }
    if let Ok(v6) = <[u8; 16]>::try_from(bytes) {
        return Ipv6Addr::from(v6).to_string();
    }
    format!("(invalid, {} bytes)", bytes.len())
}

/// Seconds since the Unix epoch as an RFC 3339 UTC timestamp. A time
/// RFC 3339 cannot write (outside the years 0000 to 9999) is given as its
/// number of seconds instead.
fn rfc3339(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|time| time.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("Unix time {secs}"))
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(rfc3339(253_402_300_799), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn times_rfc3339_cannot_write_are_seconds() {
        assert_eq!(rfc3339(253_402_300_800), "Unix time 253402300800");
        assert_eq!(rfc3339(-62_167_219_201), "Unix time -62167219201");
        assert_eq!(rfc3339(i64::MIN), "Unix time -9223372036854775808");
    }
}
