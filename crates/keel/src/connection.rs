//! Client and server connections, driven with plain buffers.

use std::sync::Arc;

use crate::IntoServerName;
use keel_handshake::{ReadInPlace, SessionInfo};

use crate::config::{ClientConfig, ServerConfig};
use crate::error::Error;

/// What client and server connections share: bytes in and out, plaintext
/// in and out, the negotiated session. Sans-IO: the caller moves the bytes.
///
/// Errors are sticky: after one, every call returns it again, and the fatal
/// alert that reports it to the peer is waiting in
/// [`pending_tls`](Self::pending_tls).
#[derive(Debug)]
pub struct Connection {
    inner: keel_handshake::Connection,
}

impl Connection {
    /// Feeds bytes received from the peer. Returns how many were taken:
    /// fewer than given when the connection is full (read plaintext, then
    /// offer the rest again).
    pub fn read_tls(&mut self, bytes: &[u8]) -> Result<usize, Error> {
        Ok(self.inner.read_tls(bytes)?)
    }

    /// The zero-copy level: processes records at the start of the caller's
    /// receive buffer, decrypting in place; application data comes back as
    /// a slice of `buf`. Drop `consumed` bytes from the front of the
    /// buffer before the next call. Do not mix with
    /// [`read_tls`](Self::read_tls) on one connection.
    pub fn read_tls_in_place<'b>(&mut self, buf: &'b mut [u8]) -> Result<ReadInPlace<'b>, Error> {
        Ok(self.inner.read_tls_in_place(buf)?)
    }

    /// Where to write plaintext in a send buffer of `buf_len` bytes for
    /// [`seal_in_place`](Self::seal_in_place); `None` before the handshake
    /// completes.
    #[must_use]
    pub fn plaintext_window(&self, buf_len: usize) -> Option<core::ops::Range<usize>> {
        self.inner.plaintext_window(buf_len)
    }

    /// The zero-copy send path: seals the plaintext written at
    /// [`plaintext_window`](Self::plaintext_window) into one record in
    /// `buf`; returns the record's length. Send it after
    /// [`pending_tls`](Self::pending_tls) is empty.
    pub fn seal_in_place(&mut self, buf: &mut [u8], plaintext_len: usize) -> Result<usize, Error> {
        Ok(self.inner.seal_in_place(buf, plaintext_len)?)
    }

    /// The zero-copy send path for bytes the application already holds:
    /// seals `plaintext` into one record at the start of `out`, the cipher
    /// reading the application's bytes and writing the record in one pass;
    /// returns the record's length. `plaintext` may be as long as
    /// [`plaintext_window`](Self::plaintext_window) allows for
    /// `out.len()`. Send it after [`pending_tls`](Self::pending_tls) is
    /// empty.
    pub fn seal_from(&mut self, plaintext: &[u8], out: &mut [u8]) -> Result<usize, Error> {
        Ok(self.inner.seal_from(plaintext, out)?)
    }

    /// Bytes waiting to be sent to the peer.
    #[must_use]
    pub fn pending_tls(&self) -> &[u8] {
        self.inner.pending_tls()
    }

    /// Marks `n` bytes of [`pending_tls`](Self::pending_tls) as sent.
    pub fn consume_tls(&mut self, n: usize) {
        self.inner.consume_tls(n);
    }

    /// Moves every pending byte to `out`.
    pub fn write_tls(&mut self, out: &mut Vec<u8>) {
        self.inner.take_tls(out);
    }

    /// Frees the memory of the connection's buffers that hold nothing now
    /// (received and decrypted bytes, bytes to send, handshake
    /// reassembly); they are allocated again as bytes come and go. For a
    /// connection that has gone quiet — an idle keep-alive or proxied
    /// connection then costs little more than its keys — not for calling
    /// between records: a connection in steady use allocates nothing per
    /// record only while it keeps its buffers.
    pub fn release_buffers(&mut self) {
        self.inner.release_buffers();
    }

    /// Whether bytes are waiting to be sent.
    #[must_use]
    pub fn wants_write(&self) -> bool {
        self.inner.wants_write()
    }

    /// Whether the connection can take more received bytes.
    #[must_use]
    pub fn wants_read(&self) -> bool {
        self.inner.wants_read()
    }

    /// Reads decrypted application data, with the meanings of
    /// `std::io::Read` (and of rustls's reader): `Ok(n)`, `n > 0`: data;
    /// `Ok(0)`: the end of the peer's data (it sent close_notify, and
    /// everything before it has been read), or an empty `buf`;
    /// `Err(`[`Error::WouldBlock`]`)`: nothing yet, give the connection more
    /// of the peer's bytes ([`read_tls`](Self::read_tls)). A transport that
    /// ended without close_notify is an error (truncation), never `Ok(0)`.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        if n > 0 || self.inner.peer_closed() {
            Ok(n)
        } else {
            Err(Error::WouldBlock)
        }
    }

    /// Writes application data. Before the handshake completes it is held
    /// and sent when it does. Returns how much was taken (less when full).
    pub fn write(&mut self, data: &[u8]) -> Result<usize, Error> {
        Ok(self.inner.write(data)?)
    }

    /// Sends close_notify; nothing can be written afterwards.
    pub fn close(&mut self) {
        self.inner.close();
    }

    /// Tells the connection the transport ended. Without the peer's
    /// close_notify first, the data may have been cut short, and this
    /// returns the truncation error.
    pub fn transport_closed(&mut self) -> Result<(), Error> {
        Ok(self.inner.transport_closed()?)
    }

    /// Keying material exporter (RFC 5705): fills `output` with key material
    /// for `label` and an optional `context`, bound to this session; both
    /// ends get the same bytes. Available once the handshake is complete.
    pub fn export_keying_material(
        &self,
        output: &mut [u8],
        label: &[u8],
        context: Option<&[u8]>,
    ) -> Result<(), Error> {
        Ok(self.inner.export_keying_material(output, label, context)?)
    }

    /// TLS 1.3 only (RFC 8446 §4.6.3): replaces this side's sending keys
    /// now with a KeyUpdate, queued in [`pending_tls`](Self::pending_tls);
    /// with `ask_peer`, the peer is asked to replace its sending keys too,
    /// and answers with a KeyUpdate of its own. keel also does this by
    /// itself before a key nears its limit, so calling it is only needed
    /// to limit what one key protects sooner. Fails with
    /// [`HandshakeError::Closed`](crate::HandshakeError::Closed) before
    /// the handshake completes, after close_notify, or on a TLS 1.2
    /// connection, which cannot change keys.
    pub fn update_keys(&mut self, ask_peer: bool) -> Result<(), Error> {
        Ok(self.inner.update_keys(ask_peer)?)
    }

    /// Whether the handshake is still running.
    #[must_use]
    pub fn is_handshaking(&self) -> bool {
        self.inner.is_handshaking()
    }

    /// The negotiated session, once the handshake is complete: version,
    /// suite, group, signature scheme, ALPN, SNI, peer certificates, EMS.
    #[must_use]
    pub fn session(&self) -> Option<&SessionInfo> {
        self.inner.session()
    }

    /// Whether the peer sent close_notify: the end of its data. In TLS 1.2
    /// keel has answered with its own already (RFC 5246 §7.2.1); in TLS 1.3
    /// it closes the peer's direction only (RFC 8446 §6.1): this side may
    /// still write, and calls [`close`](Self::close) when it is done.
    #[must_use]
    pub fn peer_closed(&self) -> bool {
        self.inner.peer_closed()
    }

    /// The error the connection failed with, if any.
    #[must_use]
    pub fn error(&self) -> Option<Error> {
        self.inner.error().cloned().map(Error::from)
    }
}

/// A client connection.
#[derive(Debug)]
pub struct ClientConnection {
    connection: Connection,
}

impl ClientConnection {
    /// Starts a handshake with `server_name` (a DNS name or an IP address,
    /// as a string, a [`crate::pki::ServerName`] or rustls-pki-types'
    /// `ServerName`; the certificate is checked against it). The
    /// ClientHello is ready in [`pending_tls`](Connection::pending_tls) at
    /// once. `config` is the configuration, a reference to it, or an `Arc`
    /// holding one.
    pub fn new(
        config: impl AsRef<ClientConfig>,
        server_name: impl IntoServerName,
    ) -> Result<Self, Error> {
        let name = server_name.into_server_name()?;
        let inner = keel_handshake::Connection::client(Arc::clone(&config.as_ref().inner), name)?;
        Ok(Self {
            connection: Connection { inner },
        })
    }
}

/// A server connection.
#[derive(Debug)]
pub struct ServerConnection {
    connection: Connection,
}

impl ServerConnection {
    /// A connection waiting for a client's ClientHello. `config` is the
    /// configuration, a reference to it, or an `Arc` holding one.
    #[must_use]
    pub fn new(config: impl AsRef<ServerConfig>) -> Self {
        let inner = keel_handshake::Connection::server(Arc::clone(&config.as_ref().inner));
        Self {
            connection: Connection { inner },
        }
    }
}

macro_rules! deref_to_connection {
    ($($ty:ty),*) => {$(
        impl core::ops::Deref for $ty {
            type Target = Connection;
            fn deref(&self) -> &Connection {
                &self.connection
            }
        }

        impl core::ops::DerefMut for $ty {
            fn deref_mut(&mut self) -> &mut Connection {
                &mut self.connection
            }
        }
    )*};
}

deref_to_connection!(ClientConnection, ServerConnection);
