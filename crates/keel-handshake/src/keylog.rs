//! Key logging: secrets handed to a user's [`KeyLog`] so that tools like
//! Wireshark can decrypt a capture, in the NSS key log format.
//!
//! The format is a text file of lines `<label> <client_random> <secret>`,
//! the last two in hex; TLS 1.2 logs one line per connection, labelled
//! [`CLIENT_RANDOM`], with the master secret. This crate does no IO: a
//! `KeyLog` that writes a file (the `SSLKEYLOGFILE` convention) belongs to
//! the CLI. Logging secrets defeats the confidentiality of the connections
//! logged; [`NoKeyLog`] is the default.

use core::fmt::Debug;

use data_encoding::HEXLOWER;

/// The NSS key log label for a TLS 1.2 (or earlier) master secret.
pub const CLIENT_RANDOM: &str = "CLIENT_RANDOM";

/// Where a connection reports its secrets when the user asks for it.
///
/// Implementations are shared between connections, and so between threads;
/// `log` cannot fail, so an implementation that writes somewhere handles
/// its own errors.
pub trait KeyLog: Send + Sync + Debug {
    /// Records one secret: `label` (such as [`CLIENT_RANDOM`]) names it,
    /// `client_random` (the ClientHello's random) identifies the
    /// connection. [`nss_line`] formats the three as one line.
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]);

    /// Whether [`log`](Self::log) wants secrets with this label; when it
    /// does not, the connection does not even format them.
    fn will_log(&self, _label: &str) -> bool {
        true
    }
}

/// One line of an NSS key log, without the line break:
/// `<label> <client_random in hex> <secret in hex>`, with lowercase hex
/// digits as NSS and OpenSSL write them. The line holds the secret: the
/// caller disposes of it.
#[must_use]
pub fn nss_line(label: &str, client_random: &[u8; 32], secret: &[u8]) -> String {
    let mut line =
        String::with_capacity(label.len() + 2 + 2 * client_random.len() + 2 * secret.len());
    line.push_str(label);
    line.push(' ');
    HEXLOWER.encode_append(client_random, &mut line);
    line.push(' ');
    HEXLOWER.encode_append(secret, &mut line);
    line
}

/// A key log that logs nothing: the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoKeyLog;

impl KeyLog for NoKeyLog {
    fn log(&self, _label: &str, _client_random: &[u8; 32], _secret: &[u8]) {}

    fn will_log(&self, _label: &str) -> bool {
        false
    }
}
