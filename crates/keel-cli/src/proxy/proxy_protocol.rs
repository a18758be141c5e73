//! The PROXY protocol header (HAProxy's specification, versions 1 and 2):
//! written to the upstream before any of the client's bytes, so that the
//! backend learns the client's address, and in version 2 what the TLS
//! handshake negotiated.
//!
//! Version 1 is one text line:
//!
//! ```text
//! PROXY TCP4 192.0.2.7 198.51.100.1 51234 8443\r\n
//! ```
//!
//! Version 2 is binary:
//!
//! ```text
//! signature (12) | 0x21 | family | length (2, big-endian)
//! | source address | destination address | source port | destination port
//! | TLVs: type (1) | length (2) | value
//! ```
//!
//! with the TLVs ALPN, AUTHORITY (the SNI name) and SSL (client flags, the
//! verify result, and the TLS version and cipher as sub-TLVs). The cipher
//! is named as OpenSSL names it (`ECDHE-RSA-AES128-GCM-SHA256`;
//! `TLS_AES_128_GCM_SHA256` in TLS 1.3), which is what HAProxy itself
//! writes, and the version as OpenSSL does (`TLSv1.3`).
//!
//! The source is the client (the accepted socket's peer), the destination
//! the address the client connected to (the accepted socket's own). An
//! IPv4-mapped IPv6 address counts as IPv4; when one side is IPv4 and the
//! other IPv6, both are written as IPv6.

use std::io;
use std::net::{IpAddr, SocketAddr};

use keel::SessionInfo;
use keel::registry::CipherSuite;
use keel::tokio::TlsStream;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Which version of the header to send (`--proxy-protocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Version {
    /// The text line: addresses and ports only.
    V1,
    /// The binary header, with the TLS session's ALPN, SNI, version and
    /// cipher.
    V2,
}

/// Writes the header for one connection to `upstream`: `client` is the
/// accepted socket's peer, and `tls` the client's connection, its
/// handshake complete.
///
/// The header goes to a socket just connected, whose send buffer is empty,
/// so the write completes at once; it needs no timeout of its own.
pub(crate) async fn send_header(
    upstream: &mut TcpStream,
    version: Version,
    client: SocketAddr,
    tls: &TlsStream<TcpStream>,
) -> io::Result<()> {
    let local = tls.get_ref().local_addr()?;
    let facts = tls
        .session()
        .map(TlsFacts::from_session)
        .unwrap_or_default();
    let bytes = header(version, Addresses::new(client, local), &facts);
    upstream.write_all(&bytes).await
}

/// The header's bytes.
pub(crate) fn header(version: Version, addresses: Addresses, tls: &TlsFacts) -> Vec<u8> {
    match version {
        Version::V1 => v1(addresses),
        Version::V2 => v2(addresses, tls),
    }
}

/// The two ends of the client's connection, in one family: both IPv4
/// (IPv4-mapped IPv6 counts as IPv4), or both IPv6 (an IPv4 side mapped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Addresses {
    source: SocketAddr,
    destination: SocketAddr,
}

impl Addresses {
    /// The client's address (`source`) and the address it connected to
    /// (`destination`).
    pub(crate) fn new(source: SocketAddr, destination: SocketAddr) -> Self {
        let canonical = |a: SocketAddr| SocketAddr::new(a.ip().to_canonical(), a.port());
        let (source, destination) = (canonical(source), canonical(destination));
        if source.is_ipv4() == destination.is_ipv4() {
            return Self {
                source,
                destination,
            };
        }
        let mapped = |a: SocketAddr| match a.ip() {
            IpAddr::V4(v4) => SocketAddr::new(IpAddr::V6(v4.to_ipv6_mapped()), a.port()),
            IpAddr::V6(_) => a,
        };
        Self {
            source: mapped(source),
            destination: mapped(destination),
        }
    }

    fn is_ipv4(self) -> bool {
        self.source.is_ipv4()
    }
}

/// What version 2 tells the backend about the TLS session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TlsFacts {
    /// The negotiated ALPN protocol.
    alpn: Option<Short>,
    /// The SNI name the client asked for.
    authority: Option<Short>,
    /// `TLSv1.3` or `TLSv1.2`.
    version: Option<Short>,
    /// The cipher suite's OpenSSL name.
    cipher: Option<Short>,
    /// Whether the client authenticated with a certificate.
    client_certificate: ClientCertificate,
}

/// Whether, and when, the client presented a certificate (which keel has
/// verified: a handshake with a certificate that fails verification does
/// not complete).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum ClientCertificate {
    /// It did not.
    #[default]
    None,
    /// In this connection's handshake.
    ThisConnection,
    /// In the full handshake of the session this connection resumed.
    EarlierConnection,
}

impl TlsFacts {
    /// The facts from the server connection's session.
    pub(crate) fn from_session(session: &SessionInfo) -> Self {
        let client_certificate = match (session.peer_certificates.is_empty(), session.resumed) {
            (true, _) => ClientCertificate::None,
            (false, false) => ClientCertificate::ThisConnection,
            (false, true) => ClientCertificate::EarlierConnection,
        };
        Self::new(
            session.alpn.as_deref(),
            session.server_name.as_deref(),
            session.version.name(),
            openssl_cipher_name(session.cipher_suite),
            client_certificate,
        )
    }

    /// The facts from their parts. A value longer than 255 bytes is left
    /// out: none can be (an ALPN protocol name has a one-byte length on
    /// the wire, a DNS name has at most 253 bytes, and the names are
    /// keel's own),
    /// and HAProxy refuses an AUTHORITY longer than that.
    pub(crate) fn new(
        alpn: Option<&[u8]>,
        authority: Option<&str>,
        version: Option<&str>,
        cipher: Option<&str>,
        client_certificate: ClientCertificate,
    ) -> Self {
        Self {
            alpn: alpn.and_then(Short::new),
            authority: authority.map(str::as_bytes).and_then(Short::new),
            version: version.map(str::as_bytes).and_then(Short::new),
            cipher: cipher.map(str::as_bytes).and_then(Short::new),
            client_certificate,
        }
    }
}

/// OpenSSL's name for a suite keel negotiates, as `SSL_CIPHER_get_name`
/// gives it and HAProxy writes it; the IANA name for any other. TLS 1.3's
/// suites have the same name in both.
fn openssl_cipher_name(suite: CipherSuite) -> Option<&'static str> {
    let name = match suite {
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => "ECDHE-ECDSA-AES128-GCM-SHA256",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => "ECDHE-ECDSA-AES256-GCM-SHA384",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => {
            "ECDHE-ECDSA-CHACHA20-POLY1305"
        }
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => "ECDHE-RSA-AES128-GCM-SHA256",
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => "ECDHE-RSA-AES256-GCM-SHA384",
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => "ECDHE-RSA-CHACHA20-POLY1305",
        CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256 => "AES128-GCM-SHA256",
        other => return other.name(),
    };
    Some(name)
}

/// Bytes known to be at most 255 long, so that every length built from
/// them fits its field: a TLV holds at most 255 bytes, the SSL TLV five
/// and two sub-TLVs of at most 258, the whole header four TLVs more than
/// its 36 address bytes, far below 65,535.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Short {
    bytes: Vec<u8>,
    len: u8,
}

impl Short {
    fn new(bytes: &[u8]) -> Option<Self> {
        let len = u8::try_from(bytes.len()).ok()?;
        Some(Self {
            bytes: bytes.to_vec(),
            len,
        })
    }
}

/// Version 1: `PROXY TCP4|TCP6 src dst sport dport\r\n`.
fn v1(addresses: Addresses) -> Vec<u8> {
    let Addresses {
        source,
        destination,
    } = addresses;
    let protocol = if addresses.is_ipv4() { "TCP4" } else { "TCP6" };
    let (src, dst, sport, dport) = (
        source.ip(),
        destination.ip(),
        source.port(),
        destination.port(),
    );
    format!("PROXY {protocol} {src} {dst} {sport} {dport}\r\n").into_bytes()
}

/// The twelve bytes that start every version 2 header.
pub(crate) const SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";
/// Version 2, command PROXY.
const VERSION_2_PROXY: u8 = 0x21;
/// TCP over IPv4.
const TCP_OVER_IPV4: u8 = 0x11;
/// TCP over IPv6.
const TCP_OVER_IPV6: u8 = 0x21;

/// The TLV types keel writes.
const PP2_TYPE_ALPN: u8 = 0x01;
const PP2_TYPE_AUTHORITY: u8 = 0x02;
const PP2_TYPE_SSL: u8 = 0x20;
const PP2_SUBTYPE_SSL_VERSION: u8 = 0x21;
const PP2_SUBTYPE_SSL_CIPHER: u8 = 0x23;

/// The SSL TLV's client flags.
const PP2_CLIENT_SSL: u8 = 0x01;
const PP2_CLIENT_CERT_CONN: u8 = 0x02;
const PP2_CLIENT_CERT_SESS: u8 = 0x04;

/// Version 2: the fixed part, the addresses, then the TLVs in HAProxy's
/// order (ALPN, AUTHORITY, SSL).
fn v2(addresses: Addresses, tls: &TlsFacts) -> Vec<u8> {
    let mut body: Vec<u8> = Vec::with_capacity(64);
    // The address block's size counts towards the length, as the TLVs do.
    let (family, mut length) = if addresses.is_ipv4() {
        (TCP_OVER_IPV4, 12)
    } else {
        (TCP_OVER_IPV6, 36)
    };
    let Addresses {
        source,
        destination,
    } = addresses;
    for ip in [source.ip(), destination.ip()] {
        match ip {
            IpAddr::V4(v4) => body.extend_from_slice(&v4.octets()),
            IpAddr::V6(v6) => body.extend_from_slice(&v6.octets()),
        }
    }
    for port in [source.port(), destination.port()] {
        body.extend_from_slice(&port.to_be_bytes());
    }
    if let Some(alpn) = &tls.alpn {
        length += put_tlv(&mut body, PP2_TYPE_ALPN, alpn);
    }
    if let Some(authority) = &tls.authority {
        length += put_tlv(&mut body, PP2_TYPE_AUTHORITY, authority);
    }
    length += put_ssl_tlv(&mut body, tls);

    let mut header = Vec::with_capacity(16 + body.len());
    header.extend_from_slice(&SIGNATURE);
    header.push(VERSION_2_PROXY);
    header.push(family);
    header.extend_from_slice(&length.to_be_bytes());
    header.extend_from_slice(&body);
    header
}

/// Appends a TLV and returns its size.
fn put_tlv(out: &mut Vec<u8>, kind: u8, value: &Short) -> u16 {
    out.extend_from_slice(&[kind, 0, value.len]);
    out.extend_from_slice(&value.bytes);
    3 + u16::from(value.len)
}

/// Appends the SSL TLV (type, length, client flags, verify, sub-TLVs) and
/// returns its size.
fn put_ssl_tlv(out: &mut Vec<u8>, tls: &TlsFacts) -> u16 {
    let client = PP2_CLIENT_SSL
        | match tls.client_certificate {
            ClientCertificate::None => 0,
            ClientCertificate::ThisConnection => PP2_CLIENT_CERT_CONN | PP2_CLIENT_CERT_SESS,
            ClientCertificate::EarlierConnection => PP2_CLIENT_CERT_SESS,
        };
    // Zero: no certificate, or one that verified (keel completes no
    // handshake with a certificate that did not).
    let verify = 0u32;
    let mut subs = Vec::new();
    let mut value_len = 5;
    if let Some(version) = &tls.version {
        value_len += put_tlv(&mut subs, PP2_SUBTYPE_SSL_VERSION, version);
    }
    if let Some(cipher) = &tls.cipher {
        value_len += put_tlv(&mut subs, PP2_SUBTYPE_SSL_CIPHER, cipher);
    }
    out.push(PP2_TYPE_SSL);
    out.extend_from_slice(&value_len.to_be_bytes());
    out.push(client);
    out.extend_from_slice(&verify.to_be_bytes());
    out.extend_from_slice(&subs);
    3 + value_len
}

#[cfg(test)]
mod tests;
