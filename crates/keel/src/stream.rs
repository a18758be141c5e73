//! A blocking adapter: a connection over any `Read + Write` transport.

use std::io::{self, Read, Write};
use std::ops::DerefMut;

use crate::connection::Connection;
use crate::error::Error;

/// A TLS stream over a blocking transport (a `TcpStream`, say). Reading and
/// writing drive the handshake as needed. A TLS failure is an `io::Error`
/// whose inner error is a [`crate::Error`], of the same kind the tokio
/// adapter gives (`UnexpectedEof` for a truncation, `BrokenPipe` after
/// close, `InvalidInput` for the caller's mistakes, `InvalidData`
/// otherwise; see `impl From<Error> for io::Error`); the alert that reports
/// it to the peer is sent first.
#[derive(Debug)]
pub struct Stream<C, T> {
    connection: C,
    transport: T,
}

impl<C: DerefMut<Target = Connection>, T: Read + Write> Stream<C, T> {
    /// Wraps a connection and its transport.
    pub fn new(connection: C, transport: T) -> Self {
        Self {
            connection,
            transport,
        }
    }

    /// The connection (for its session, say).
    pub fn connection(&self) -> &C {
        &self.connection
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Runs the handshake to completion.
    pub fn handshake(&mut self) -> io::Result<()> {
        while self.connection.is_handshaking() {
            self.flush_tls()?;
            self.read_some_tls()?;
        }
        self.flush_tls()?;
        self.check()
    }

    /// Sends close_notify and flushes it.
    pub fn close(&mut self) -> io::Result<()> {
        self.connection.close();
        self.flush_tls()
    }

    /// TLS 1.3 only: sends a KeyUpdate now, replacing this side's sending
    /// keys, and with `ask_peer` asks the peer to replace its own (see
    /// [`Connection::update_keys`]).
    pub fn update_keys(&mut self, ask_peer: bool) -> io::Result<()> {
        self.connection.update_keys(ask_peer).map_err(to_io)?;
        self.flush_tls()
    }

    /// Gives back the connection and the transport.
    pub fn into_parts(self) -> (C, T) {
        (self.connection, self.transport)
    }

    fn check(&self) -> io::Result<()> {
        match self.connection.error() {
            Some(err) => Err(to_io(err)),
            None => Ok(()),
        }
    }

    /// Writes every pending TLS byte to the transport.
    fn flush_tls(&mut self) -> io::Result<()> {
        while self.connection.wants_write() {
            let n = self.transport.write(self.connection.pending_tls())?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            self.connection.consume_tls(n);
        }
        self.transport.flush()
    }

    /// Reads once from the transport into the connection. The transport's
    /// end is reported to the connection (a truncation error without
    /// close_notify).
    fn read_some_tls(&mut self) -> io::Result<()> {
        let mut buf = [0u8; 16 * 1024 + 512];
        let n = self.transport.read(&mut buf)?;
        if n == 0 {
            return self
                .connection
                .transport_closed()
                .map_err(|err| self.fail(err));
        }
        let mut offered = buf.get(..n).unwrap_or_default();
        while !offered.is_empty() {
            let taken = self
                .connection
                .read_tls(offered)
                .map_err(|err| self.fail(err))?;
            offered = offered.get(taken..).unwrap_or_default();
            if taken == 0 {
                // Full: the application must read first. Keep nothing
                // behind the connection's back; this cannot happen while
                // the caller is inside `read`, which drains plaintext first.
                return Err(io::Error::other("connection buffer full"));
            }
        }
        Ok(())
    }

    /// Sends the fatal alert that is waiting, then reports the error.
    fn fail(&mut self, err: Error) -> io::Error {
        let _ = self.flush_tls();
        to_io(err)
    }
}

fn to_io(err: Error) -> io::Error {
    io::Error::from(err)
}

impl<C: DerefMut<Target = Connection>, T: Read + Write> Read for Stream<C, T> {
    /// Returns decrypted data; `Ok(0)` after the peer's close_notify. A
    /// transport that ends without close_notify is an error (truncation).
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match self.connection.read(buf) {
                Ok(0) => {
                    // The end of the peer's data; our close_notify
                    // answering it goes out.
                    self.flush_tls()?;
                    return Ok(0);
                }
                Ok(n) => return Ok(n),
                Err(Error::WouldBlock) => {}
                Err(err) => return Err(to_io(err)),
            }
            self.flush_tls()?;
            self.read_some_tls()?;
        }
    }
}

impl<C: DerefMut<Target = Connection>, T: Read + Write> Write for Stream<C, T> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.connection.is_handshaking() {
            self.handshake()?;
        }
        let n = self.connection.write(data).map_err(to_io)?;
        self.flush_tls()?;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_tls()
    }
}
