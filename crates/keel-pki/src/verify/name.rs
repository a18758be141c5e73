//! The name a client asked for: a DNS name or an IP address.

use std::net::IpAddr;

use rustls_pki_types::ServerName as PkiServerName;
use snafu::Snafu;

/// The server a client wants to reach, parsed once: a DNS name (validated
/// as one, with any trailing dot removed) or an IPv4/IPv6 address.
///
/// Hostname validation checks the certificate against exactly this; the
/// handshake sends it as SNI when it is a DNS name (RFC 6066 §3 forbids
/// literal IP addresses in SNI).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerName {
    name: PkiServerName<'static>,
    text: String,
}

/// A string that is neither a valid DNS name nor an IP address.
#[derive(Debug, Clone, PartialEq, Eq, Snafu)]
#[snafu(display("{input:?} is neither a valid DNS name nor an IP address"))]
pub struct InvalidServerName {
    /// What was given.
    pub input: String,
}

impl ServerName {
    /// Parses a DNS name (`example.com`, `example.com.`) or an IP address
    /// (`192.0.2.1`, `2001:db8::1`, or `[2001:db8::1]` as in URLs).
    pub fn parse(input: &str) -> Result<Self, InvalidServerName> {
        let err = || InvalidServerName {
            input: input.to_owned(),
        };
        let unbracketed = input.strip_prefix('[').and_then(|s| s.strip_suffix(']'));
        if let Some(inner) = unbracketed {
            let ip: std::net::Ipv6Addr = inner.parse().map_err(|_| err())?;
            return Ok(Self::from_ip(IpAddr::V6(ip)));
        }
        if let Ok(ip) = input.parse::<IpAddr>() {
            return Ok(Self::from_ip(ip));
        }
        // A fully qualified name's trailing dot names the same host; SNI
        // and certificates carry names without it (RFC 6066 §3).
        let dns = input.strip_suffix('.').unwrap_or(input);
        if dns.is_empty() || dns.ends_with('.') {
            return Err(err());
        }
        let name = PkiServerName::try_from(dns.to_owned()).map_err(|_| err())?;
        match name {
            PkiServerName::DnsName(_) => Ok(Self {
                name,
                text: dns.to_ascii_lowercase(),
            }),
            // The IP forms were handled above; anything else is refused.
            _ => Err(err()),
        }
    }

    fn from_ip(ip: IpAddr) -> Self {
        Self {
            name: PkiServerName::IpAddress(ip.into()),
            text: ip.to_string(),
        }
    }

    /// The DNS name to send as SNI, or `None` for an IP address.
    #[must_use]
    pub fn sni(&self) -> Option<&str> {
        match self.name {
            PkiServerName::DnsName(_) => Some(&self.text),
            _ => None,
        }
    }

    /// Whether this is an IP address.
    #[must_use]
    pub fn is_ip(&self) -> bool {
        matches!(self.name, PkiServerName::IpAddress(_))
    }

    pub(crate) fn as_pki(&self) -> &PkiServerName<'static> {
        &self.name
    }
}

impl core::fmt::Display for ServerName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.text)
    }
}

impl core::str::FromStr for ServerName {
    type Err = InvalidServerName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}
