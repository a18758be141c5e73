//! A keel connection over a blocking TCP socket, driven the simple way:
//! write what keel has queued, read what the socket has, repeat.

use std::io::{self, Read, Write};
use std::net::TcpStream;

use keel::hazmat::handshake::{Connection, HandshakeError};

/// Why a connection stopped.
#[derive(Debug)]
pub(crate) enum Failure {
    /// keel failed (its alert was sent).
    Tls(HandshakeError),
    /// The socket failed.
    Io(io::Error),
    /// A check of the runner's expectations failed.
    Check(String),
}

impl From<HandshakeError> for Failure {
    fn from(error: HandshakeError) -> Self {
        Self::Tls(error)
    }
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Self::Io(error)
    }
}

/// One TLS connection on one socket.
pub(crate) struct Tls {
    pub(crate) conn: Connection,
    sock: TcpStream,
    /// Bytes read from the socket that keel has not taken yet.
    pending: Vec<u8>,
    /// The socket reached end of file.
    pub(crate) eof: bool,
}

impl Tls {
    pub(crate) fn new(conn: Connection, sock: TcpStream) -> Self {
        Self {
            conn,
            sock,
            pending: Vec::new(),
            eof: false,
        }
    }

    /// Sends whatever keel has queued (including a fatal alert after an
    /// error).
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        let mut out = Vec::new();
        self.conn.take_tls(&mut out);
        if !out.is_empty() {
            self.sock.write_all(&out)?;
        }
        Ok(())
    }

    /// Reads once from the socket and offers keel everything pending.
    /// Returns false at end of file.
    fn fill(&mut self) -> Result<bool, Failure> {
        let mut buf = [0u8; 16 * 1024];
        let n = self.sock.read(&mut buf)?;
        if n == 0 {
            self.eof = true;
            return Ok(false);
        }
        self.pending
            .extend_from_slice(buf.get(..n).unwrap_or_default());
        self.offer()?;
        Ok(true)
    }

    fn offer(&mut self) -> Result<(), Failure> {
        let taken = self.conn.read_tls(&self.pending);
        let taken = self.after(taken)?;
        self.pending.drain(..taken);
        Ok(())
    }

    /// Flushes the alert of a failed call before reporting it.
    fn after<T>(&mut self, result: Result<T, HandshakeError>) -> Result<T, Failure> {
        match result {
            Ok(value) => Ok(value),
            Err(error) => {
                let _ = self.flush();
                Err(Failure::Tls(error))
            }
        }
    }

    /// Runs the handshake to its end.
    pub(crate) fn handshake(&mut self) -> Result<(), Failure> {
        loop {
            self.flush()?;
            if !self.conn.is_handshaking() {
                break;
            }
            if !self.fill()? {
                let closed = self.conn.transport_closed();
                self.after(closed)?;
            }
        }
        self.flush()?;
        Ok(())
    }

    /// Reads plaintext: `Ok(0)` once the peer sent close_notify or the
    /// socket ended (see [`Tls::eof`]).
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> Result<usize, Failure> {
        loop {
            let read = self.conn.read(buf);
            let n = self.after(read)?;
            // keel answers a close_notify with its own; reading may also
            // have queued an alert.
            self.flush()?;
            if n > 0 || self.conn.peer_closed() || self.eof {
                return Ok(n);
            }
            if !self.pending.is_empty() {
                let before = self.pending.len();
                self.offer()?;
                if self.pending.len() < before {
                    continue;
                }
            }
            self.fill()?;
        }
    }

    /// Writes all of `data` as application data.
    pub(crate) fn write_all(&mut self, mut data: &[u8]) -> Result<(), Failure> {
        while !data.is_empty() {
            let written = self.conn.write(data);
            let n = self.after(written)?;
            data = data.get(n..).unwrap_or_default();
            self.flush()?;
        }
        Ok(())
    }

    /// Sends a TLS 1.3 KeyUpdate that does not ask the peer for one (RFC
    /// 8446 §4.6.3), and from then on writes under the next key.
    pub(crate) fn update_keys(&mut self) -> Result<(), Failure> {
        let updated = self.conn.update_keys(false);
        self.after(updated)?;
        self.flush()?;
        Ok(())
    }

    /// Sends close_notify.
    pub(crate) fn close(&mut self) -> Result<(), Failure> {
        self.conn.close();
        self.flush()?;
        Ok(())
    }

    /// After a failure or the end: stop writing, read until the runner
    /// closes (so that it sees the alert rather than a reset), then drop.
    pub(crate) fn finish(mut self) {
        let _ = self.flush();
        let _ = self.sock.shutdown(std::net::Shutdown::Write);
        let _ = self
            .sock
            .set_read_timeout(Some(std::time::Duration::from_secs(5)));
        let mut sink = [0u8; 4096];
        while matches!(self.sock.read(&mut sink), Ok(n) if n > 0) {}
    }
}
