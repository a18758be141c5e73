//! The in-memory TLS connection: bytes from the peer in
//! (`receive_tls`), bytes for the peer out (`data_to_send`), plaintext in
//! (`write`) and out (`read`). No sockets, no threads, no clock of its
//! own: the caller moves the bytes, as with `ssl.SSLObject` and its
//! `MemoryBIO`s.

use keel::Error;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::config::{ClientConfig, ServerConfig};
use crate::errors;
use crate::session::Session;

/// The largest `read` served at once: a buffer this size is kept per
/// connection, so a huge `max` does not allocate a huge buffer.
const MAX_READ: usize = 64 * 1024;

/// What ClientConnection and ServerConnection share; not made directly.
///
/// receive_tls(data): bytes received from the peer. Raises a TLSError
/// subclass when they break the protocol (the alert for the peer is then
/// in data_to_send()); the connection stays failed. Everything given is
/// taken: bytes the connection cannot hold yet (while unread plaintext
/// fills it) are kept and processed as `read` makes room.
///
/// data_to_send() -> bytes: TLS bytes to send to the peer now (b"" when
/// there are none). Call it after every other method.
///
/// read(max=16384) -> bytes: up to `max` bytes of plaintext. b"" when the
/// peer has closed the connection with close_notify (end of data); raises
/// WantReadError when none has arrived yet.
///
/// write(data) -> int: plaintext to send; returns how many bytes were
/// taken (all of them once the handshake is complete; before that, up to
/// 64 KiB are held and sent when it completes).
#[pyclass(module = "keel", subclass)]
pub(crate) struct Connection {
    conn: Side,
    /// TLS bytes given to `receive_tls` that the connection could not take
    /// yet (back-pressure: its plaintext buffer is full).
    backlog: Vec<u8>,
    /// TLS bytes to send, moved out of the connection when a large write
    /// needed its room.
    outgoing: Vec<u8>,
    /// Where `read` copies plaintext before it becomes a `bytes`.
    scratch: Vec<u8>,
}

/// The keel connection, by side.
enum Side {
    Client(keel::ClientConnection),
    Server(keel::ServerConnection),
}

impl Side {
    fn get(&mut self) -> &mut keel::Connection {
        match self {
            Self::Client(c) => c,
            Self::Server(s) => s,
        }
    }

    fn get_ref(&self) -> &keel::Connection {
        match self {
            Self::Client(c) => c,
            Self::Server(s) => s,
        }
    }
}

impl Connection {
    fn new(conn: Side) -> Self {
        Self {
            conn,
            backlog: Vec::new(),
            outgoing: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Offers `data` (after any backlog) to the connection; keeps what it
    /// cannot take yet.
    fn receive(&mut self, data: &[u8]) -> Result<(), Error> {
        if !self.backlog.is_empty() {
            self.backlog.extend_from_slice(data);
            return self.drain_backlog();
        }
        let conn = self.conn.get();
        let mut rest = data;
        while !rest.is_empty() {
            let taken = conn.read_tls(rest)?;
            if taken == 0 {
                self.backlog.extend_from_slice(rest);
                break;
            }
            rest = rest.get(taken..).unwrap_or_default();
        }
        Ok(())
    }

    /// Offers the backlog again, after a read made room.
    fn drain_backlog(&mut self) -> Result<(), Error> {
        let conn = self.conn.get();
        let mut offered = 0;
        let result = loop {
            let Some(rest) = self.backlog.get(offered..).filter(|r| !r.is_empty()) else {
                break Ok(());
            };
            match conn.read_tls(rest) {
                Ok(0) => break Ok(()),
                Ok(taken) => offered += taken,
                Err(err) => break Err(err),
            }
        };
        self.backlog.drain(..offered);
        result
    }

    /// Writes all of `data` it can: the connection's outgoing buffer is
    /// moved out whenever it fills, so only the limit on data held before
    /// the handshake completes stops a write short.
    fn write_all(&mut self, data: &[u8]) -> Result<usize, Error> {
        let conn = self.conn.get();
        let mut written = 0;
        while let Some(rest) = data.get(written..).filter(|r| !r.is_empty()) {
            let n = conn.write(rest)?;
            written += n;
            if n < rest.len() {
                let pending = conn.pending_tls();
                if pending.is_empty() {
                    break;
                }
                self.outgoing.extend_from_slice(pending);
                let len = pending.len();
                conn.consume_tls(len);
            }
        }
        Ok(written)
    }
}

fn py_err(err: &Error) -> PyErr {
    errors::to_py(err)
}

#[pymethods]
impl Connection {
    /// Processes bytes received from the peer.
    fn receive_tls(&mut self, py: Python<'_>, data: &[u8]) -> PyResult<()> {
        let this = &mut *self;
        py.detach(|| this.receive(data)).map_err(|e| py_err(&e))
    }

    /// TLS bytes to send to the peer now; b"" when there are none.
    fn data_to_send<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let conn = self.conn.get();
        if self.outgoing.is_empty() {
            let pending = conn.pending_tls();
            let bytes = PyBytes::new(py, pending);
            let len = pending.len();
            conn.consume_tls(len);
            return bytes;
        }
        self.outgoing.extend_from_slice(conn.pending_tls());
        let len = conn.pending_tls().len();
        conn.consume_tls(len);
        let bytes = PyBytes::new(py, &self.outgoing);
        self.outgoing.clear();
        bytes
    }

    /// Up to `max` bytes of plaintext from the peer; b"" at the end of its
    /// data; WantReadError when none has arrived yet.
    #[pyo3(signature = (max = 16384))]
    fn read<'py>(&mut self, py: Python<'py>, max: usize) -> PyResult<Bound<'py, PyBytes>> {
        let want = max.min(MAX_READ);
        if self.scratch.len() < want {
            self.scratch.resize(want, 0);
        }
        let buf = self.scratch.get_mut(..want).unwrap_or_default();
        let result = self.conn.get().read(buf);
        let n = match result {
            Ok(n) => n,
            Err(err) => return Err(py_err(&err)),
        };
        let bytes = PyBytes::new(py, self.scratch.get(..n).unwrap_or_default());
        // Room was made: TLS bytes held back can go in now. A failure
        // there is kept by the connection and raised by the next call;
        // the data read now is not lost to it.
        if !self.backlog.is_empty() {
            let _ = self.drain_backlog();
        }
        Ok(bytes)
    }

    /// Sends plaintext; returns how many bytes were taken.
    fn write(&mut self, py: Python<'_>, data: &[u8]) -> PyResult<usize> {
        let this = &mut *self;
        py.detach(|| this.write_all(data)).map_err(|e| py_err(&e))
    }

    /// Sends close_notify (then in data_to_send()); nothing can be written
    /// afterwards.
    fn close(&mut self) {
        self.conn.get().close();
    }

    /// Tells the connection the transport has ended. Raises ProtocolError
    /// if the peer had not sent close_notify: its data may have been cut
    /// short (truncation).
    fn transport_closed(&mut self) -> PyResult<()> {
        self.conn.get().transport_closed().map_err(|e| py_err(&e))
    }

    /// Keying material for `label` and an optional `context`, as TLS
    /// exporters define it (keel's handshake crate implements them): both
    /// ends get the same `length` bytes.
    #[pyo3(signature = (label, length, context = None))]
    fn export_keying_material<'py>(
        &self,
        py: Python<'py>,
        label: &[u8],
        length: usize,
        context: Option<&[u8]>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let mut out = vec![0u8; length];
        self.conn
            .get_ref()
            .export_keying_material(&mut out, label, context)
            .map_err(|e| py_err(&e))?;
        Ok(PyBytes::new(py, &out))
    }

    /// Whether the handshake has completed.
    #[getter]
    fn handshake_complete(&self) -> bool {
        self.conn.get_ref().session().is_some()
    }

    /// What the handshake negotiated, once it has completed; else None.
    #[getter]
    fn session(&self, py: Python<'_>) -> Option<Session> {
        self.conn.get_ref().session().map(|s| Session::new(py, s))
    }

    /// Whether the peer has sent close_notify.
    #[getter]
    fn peer_closed(&self) -> bool {
        self.conn.get_ref().peer_closed()
    }

    /// TLS bytes taken by receive_tls and not yet processed, because
    /// unread plaintext fills the connection: an event loop can stop
    /// reading from the socket while this grows, and read plaintext.
    #[getter]
    fn tls_backlog(&self) -> usize {
        self.backlog.len()
    }
}

/// A client connection to `server_hostname` (a DNS name or an IP
/// address; the server's certificate must be valid for it). The
/// ClientHello is in data_to_send() at once.
#[pyclass(module = "keel", extends = Connection)]
pub(crate) struct ClientConnection;

#[pymethods]
impl ClientConnection {
    #[new]
    fn new(config: &ClientConfig, server_hostname: &str) -> PyResult<(Self, Connection)> {
        let conn =
            keel::ClientConnection::new(&config.inner, server_hostname).map_err(|e| py_err(&e))?;
        Ok((Self, Connection::new(Side::Client(conn))))
    }
}

/// A server connection, waiting for a client's ClientHello.
#[pyclass(module = "keel", extends = Connection)]
pub(crate) struct ServerConnection;

#[pymethods]
impl ServerConnection {
    #[new]
    fn new(config: &ServerConfig) -> (Self, Connection) {
        let conn = keel::ServerConnection::new(&config.inner);
        (Self, Connection::new(Side::Server(conn)))
    }
}
