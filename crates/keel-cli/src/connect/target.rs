//! `HOST:PORT`: parsing, name resolution and the TCP connection.

use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use snafu::ResultExt;

use super::error::{ConnectError, ConnectSnafu, NoAddressSnafu, ResolveSnafu, TargetSnafu};

/// Where to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Target {
    /// The target as given, for messages.
    pub(super) text: String,
    /// The host without brackets: a DNS name or an IP address. It is also
    /// the server name unless `--servername` says otherwise.
    pub(super) host: String,
    /// The port.
    pub(super) port: u16,
}

impl Target {
    /// Parses `HOST:PORT`, `[IPv6]:PORT`.
    pub(super) fn parse(text: &str) -> Result<Self, ConnectError> {
        let fail = |reason| {
            TargetSnafu {
                target: text,
                reason,
            }
            .fail()
        };
        let Some((host, port)) = text.rsplit_once(':') else {
            return fail("the port is missing");
        };
        let host = match host.strip_prefix('[') {
            Some(rest) => match rest.strip_suffix(']') {
                Some(inner) if inner.parse::<std::net::Ipv6Addr>().is_ok() => inner,
                _ => return fail("brackets must hold an IPv6 address"),
            },
            None if host.contains(':') => {
                return fail("write an IPv6 address in brackets: [::1]:443");
            }
            None => host,
        };
        if host.is_empty() {
            return fail("the host is missing");
        }
        let port = match port.parse::<u16>() {
            Ok(0) | Err(_) => return fail("the port must be a number from 1 to 65535"),
            Ok(port) => port,
        };
        Ok(Self {
            text: text.to_owned(),
            host: host.to_owned(),
            port,
        })
    }

    /// Resolves the host and connects to the first address that answers,
    /// giving each `timeout`. Returns the socket and the address used.
    pub(super) fn connect(
        &self,
        timeout: Duration,
    ) -> Result<(TcpStream, SocketAddr), ConnectError> {
        let addresses: Vec<SocketAddr> = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .context(ResolveSnafu { host: &self.host })?
            .collect();
        if addresses.is_empty() {
            return NoAddressSnafu { host: &self.host }.fail();
        }
        let mut failures = Vec::new();
        for address in &addresses {
            match TcpStream::connect_timeout(address, timeout) {
                Ok(tcp) => return Ok((tcp, *address)),
                Err(err) => failures.push((address, describe(&err, timeout))),
            }
        }
        // The address is worth naming unless the target already is it.
        let reason = match failures.as_slice() {
            [(address, why)] if address.to_string() == self.text => why.clone(),
            _ => failures
                .iter()
                .map(|(address, why)| format!("{address}: {why}"))
                .collect::<Vec<_>>()
                .join("; "),
        };
        ConnectSnafu {
            target: &self.text,
            reason,
        }
        .fail()
    }
}

fn describe(err: &io::Error, timeout: Duration) -> String {
    match err.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
            format!("no answer within {} s", timeout.as_secs())
        }
        _ => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::Target;

    #[test]
    fn targets_parse() {
        let t = Target::parse("example.com:443").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("example.com", 443));
        let t = Target::parse("[::1]:8443").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", 8443));
        let t = Target::parse("127.0.0.1:1").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("127.0.0.1", 1));
        for bad in [
            "example.com",
            "example.com:",
            ":443",
            "example.com:0",
            "example.com:65536",
            "example.com:https",
            "::1:443",
            "[example.com]:443",
            "[::1:443",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }
}
