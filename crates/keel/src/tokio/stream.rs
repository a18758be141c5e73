//! [`TlsStream`]: a connection over an async transport, and the handshake
//! loop the connector and acceptor futures run.

use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use keel_handshake::{HandshakeError, SessionInfo};

use super::to_io;
use crate::connection::{ClientConnection, Connection, ServerConnection};
use crate::error::Error;

/// How many bytes are read from the transport at once: one whole protected
/// record. They are read into the stack and handed to the connection at
/// once, so that a stream holds no receive buffer of its own between
/// reads: an idle stream costs no more than its connection.
const RECEIVE_BUFFER: usize = 5 + keel_record::limits::MAX_CIPHERTEXT;

/// Which side of the connection a stream is.
#[derive(Debug)]
pub(super) enum Side {
    Client(ClientConnection),
    Server(ServerConnection),
}

impl Side {
    fn get(&self) -> &Connection {
        match self {
            Self::Client(connection) => connection,
            Self::Server(connection) => connection,
        }
    }

    fn get_mut(&mut self) -> &mut Connection {
        match self {
            Self::Client(connection) => connection,
            Self::Server(connection) => connection,
        }
    }
}

/// What one step of receiving did.
enum Received {
    /// Bytes were handed to the connection.
    Bytes,
    /// The transport has ended, after the peer's close_notify (without it
    /// the step fails with the truncation error).
    End,
}

/// A TLS connection over an async transport, established: made by
/// [`TlsConnector::connect`](super::TlsConnector::connect) or
/// [`TlsAcceptor::accept`](super::TlsAcceptor::accept).
///
/// Reading returns decrypted data, and `Ok(0)` (end of stream) once the
/// peer has sent close_notify; a transport that ends without it is an
/// [`UnexpectedEof`](io::ErrorKind::UnexpectedEof) error carrying
/// [`HandshakeError::Truncated`]. Writing encrypts; as with any buffered
/// writer, call `flush` (or `shutdown`) to be sure the data has reached the
/// transport. `shutdown` sends close_notify, flushes, and shuts the
/// transport down; nothing can be written after it. Errors are described
/// in the [module documentation](super).
///
/// The read and write halves may be driven from different tasks (through
/// `tokio::io::split`, say).
#[derive(Debug)]
pub struct TlsStream<IO> {
    io: IO,
    side: Side,
    /// Bytes read from the transport that the connection did not take
    /// (back-pressure): `unread[unread_start..]`, offered again before the
    /// transport is read again. Empty, and unallocated, otherwise.
    unread: Vec<u8>,
    unread_start: usize,
    /// The transport has reported its end.
    transport_ended: bool,
    /// Bytes were written to the transport since it was last flushed.
    unflushed: bool,
    /// `close` was called by `poll_shutdown`.
    closing: bool,
    /// The waker of the last write-side call that returned `Pending`. The
    /// read side also sends (alerts, the answer to close_notify, data a
    /// write left behind); a transport keeps one waker for writing, so when
    /// the read side is told `Pending` it has taken that place, and wakes
    /// the writer to register again.
    writer: Option<Waker>,
}

impl<IO> TlsStream<IO> {
    pub(super) fn new(side: Side, io: IO) -> Self {
        Self {
            io,
            side,
            unread: Vec::new(),
            unread_start: 0,
            transport_ended: false,
            unflushed: false,
            closing: false,
            writer: None,
        }
    }

    /// The negotiated session: version, suite, group, signature scheme,
    /// ALPN, SNI, peer certificates. Always there once the handshake
    /// future has completed.
    #[must_use]
    pub fn session(&self) -> Option<&SessionInfo> {
        self.side.get().session()
    }

    /// The connection underneath (whether the peer has sent close_notify,
    /// the error it failed with, ...).
    #[must_use]
    pub fn connection(&self) -> &Connection {
        self.side.get()
    }

    /// TLS 1.3 only: queues a KeyUpdate replacing this side's sending
    /// keys, and with `ask_peer` asks the peer to replace its own (see
    /// [`Connection::update_keys`]). It goes out with the next write or
    /// flush.
    pub fn update_keys(&mut self, ask_peer: bool) -> Result<(), Error> {
        self.side.get_mut().update_keys(ask_peer)
    }

    /// Frees the memory of the buffers that hold nothing now (see
    /// [`Connection::release_buffers`]): for a stream that has gone quiet.
    /// The stream keeps no receive buffer of its own between reads.
    pub fn release_buffers(&mut self) {
        self.side.get_mut().release_buffers();
        if !self.has_unread() {
            self.unread = Vec::new();
            self.unread_start = 0;
        }
    }

    /// Whether bytes read from the transport wait for the connection.
    fn has_unread(&self) -> bool {
        self.unread_start < self.unread.len()
    }

    /// The transport.
    #[must_use]
    pub fn get_ref(&self) -> &IO {
        &self.io
    }

    /// The transport, mutably. Reading or writing it directly corrupts the
    /// TLS stream.
    pub fn get_mut(&mut self) -> &mut IO {
        &mut self.io
    }

    /// Gives back the transport. TLS bytes not yet sent or not yet
    /// processed are dropped: call `shutdown` first to end the stream
    /// cleanly.
    pub fn into_inner(self) -> IO {
        self.io
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> TlsStream<IO> {
    /// Drives the handshake: sends what is pending and reads what comes,
    /// until the handshake is complete and the last flight is flushed.
    ///
    /// Reading goes on while a write is blocked, so that a peer that stops
    /// reading to report a failure (a refused certificate, say) is heard
    /// rather than waited on. A write error is reported after reading
    /// whatever the peer sent before it went away, since a fatal alert
    /// there explains the failure better.
    pub(super) fn poll_handshake(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut write_error = None;
        loop {
            if let Some(err) = self.side.get().error() {
                return Poll::Ready(Err(self.fail(cx, err)));
            }
            let write_blocked = if write_error.is_none() {
                match self.poll_send_tls(cx, false) {
                    Poll::Pending => true,
                    Poll::Ready(Ok(())) => false,
                    Poll::Ready(Err(err)) => {
                        write_error = Some(err);
                        false
                    }
                }
            } else {
                false
            };
            if !self.side.get().is_handshaking() {
                return match (write_error, write_blocked) {
                    (Some(err), _) => Poll::Ready(Err(err)),
                    (None, true) => Poll::Pending,
                    (None, false) => Poll::Ready(Ok(())),
                };
            }
            match self.poll_receive(cx) {
                Poll::Ready(Ok(Received::Bytes)) => {}
                Poll::Ready(Ok(Received::End)) => {
                    // The transport ended after a close_notify, which the
                    // connection reports as a failure during a handshake;
                    // the top of the loop says which.
                    let err = self.side.get().error().unwrap_or(Error::Tls {
                        source: HandshakeError::ClosedDuringHandshake,
                    });
                    return Poll::Ready(Err(to_io(err)));
                }
                Poll::Ready(Err(err)) => {
                    let explains = matches!(
                        self.side.get().error(),
                        Some(Error::Tls { source }) if source != HandshakeError::Truncated
                    );
                    return Poll::Ready(Err(match write_error {
                        Some(write_error) if !explains => write_error,
                        _ => err,
                    }));
                }
                Poll::Pending => {
                    return match write_error {
                        Some(err) => Poll::Ready(Err(err)),
                        None => Poll::Pending,
                    };
                }
            }
        }
    }

    /// Writes every pending TLS byte to the transport, then flushes it if
    /// `flush` is set or anything was written since the last flush.
    fn poll_send_tls(&mut self, cx: &mut Context<'_>, flush: bool) -> Poll<io::Result<()>> {
        loop {
            let pending = self.side.get().pending_tls();
            if pending.is_empty() {
                break;
            }
            let written = match Pin::new(&mut self.io).poll_write(cx, pending) {
                Poll::Ready(Ok(written)) => written,
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Pending => return Poll::Pending,
            };
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.unflushed = true;
            self.side.get_mut().consume_tls(written);
        }
        if flush || self.unflushed {
            match Pin::new(&mut self.io).poll_flush(cx) {
                Poll::Ready(Ok(())) => self.unflushed = false,
                other => return other,
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Sends what is pending without waiting for the transport: for the
    /// read side, which must not stall on writing. Errors are left for the
    /// write side to report.
    fn send_best_effort(&mut self, cx: &mut Context<'_>) {
        if !self.side.get().wants_write() && !self.unflushed {
            return;
        }
        if self.poll_send_tls(cx, false).is_pending() {
            // The transport now holds this task's waker for writing, in
            // place of the writer's: let the writer register again.
            if let Some(writer) = self.writer.take()
                && !writer.will_wake(cx.waker())
            {
                writer.wake();
            }
        }
    }

    /// Remembers the waker of a write-side call that returns `Pending`.
    fn park_writer(&mut self, cx: &Context<'_>) {
        match &self.writer {
            Some(writer) if writer.will_wake(cx.waker()) => {}
            _ => self.writer = Some(cx.waker().clone()),
        }
    }

    /// Reports a TLS failure: sends the fatal alert waiting for the peer
    /// (best effort), then gives the error.
    fn fail(&mut self, cx: &mut Context<'_>, err: Error) -> io::Error {
        self.send_best_effort(cx);
        to_io(err)
    }

    /// One step of receiving: offers the connection the bytes it did not
    /// take last time, or, when there are none, reads the transport once
    /// and offers what came. `Pending` only when the transport is.
    fn poll_receive(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Received>> {
        if self.has_unread() {
            let unread = std::mem::take(&mut self.unread);
            let offered = unread.get(self.unread_start..).unwrap_or_default();
            let taken = match self.offer(cx, offered) {
                Ok(taken) => taken,
                Err(err) => return Poll::Ready(Err(err)),
            };
            self.unread_start += taken;
            if self.unread_start < unread.len() {
                self.unread = unread;
            } else {
                self.unread_start = 0;
            }
            return Poll::Ready(Ok(Received::Bytes));
        }
        if self.transport_ended {
            return Poll::Ready(Ok(Received::End));
        }
        let mut storage = [MaybeUninit::<u8>::uninit(); RECEIVE_BUFFER];
        let mut buf = ReadBuf::uninit(&mut storage);
        match Pin::new(&mut self.io).poll_read(cx, &mut buf) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
            Poll::Pending => return Poll::Pending,
        }
        let read = buf.filled();
        if read.is_empty() {
            self.transport_ended = true;
            return Poll::Ready(match self.side.get_mut().transport_closed() {
                Ok(()) => Ok(Received::End),
                Err(err) => Err(self.fail(cx, err)),
            });
        }
        let taken = match self.offer(cx, read) {
            Ok(taken) => taken,
            Err(err) => return Poll::Ready(Err(err)),
        };
        if let Some(rest) = read.get(taken..).filter(|rest| !rest.is_empty()) {
            self.unread = rest.to_vec();
            self.unread_start = 0;
        }
        Poll::Ready(Ok(Received::Bytes))
    }

    /// Hands `bytes` to the connection; how many it took. Taking none is
    /// an error: the connection holds all it may, and yet its reader has
    /// nothing to read, so it could never make progress.
    fn offer(&mut self, cx: &mut Context<'_>, bytes: &[u8]) -> io::Result<usize> {
        match self.side.get_mut().read_tls(bytes) {
            Ok(0) => Err(io::Error::other(
                "the TLS connection took no bytes while holding no plaintext",
            )),
            Ok(taken) => Ok(taken),
            Err(err) => Err(self.fail(cx, err)),
        }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncRead for TlsStream<IO> {
    /// Returns decrypted data; at the end of the peer's data (its
    /// close_notify), returns with nothing read. Before reading the
    /// transport, sends what is pending without waiting for it.
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        loop {
            match this.side.get_mut().read(buf.initialize_unfilled()) {
                Ok(0) => {
                    // The end of the peer's data; our close_notify
                    // answering it is on its way.
                    this.send_best_effort(cx);
                    return Poll::Ready(Ok(()));
                }
                Ok(read) => {
                    buf.advance(read);
                    return Poll::Ready(Ok(()));
                }
                Err(crate::Error::WouldBlock) => {}
                Err(err) => return Poll::Ready(Err(this.fail(cx, err))),
            }
            if !this.has_unread() {
                // About to wait for the peer: first send what it may be
                // waiting for.
                this.send_best_effort(cx);
            }
            match this.poll_receive(cx) {
                Poll::Ready(Ok(Received::Bytes)) => {}
                Poll::Ready(Ok(Received::End)) => {
                    // Only after close_notify, which the next turn would
                    // report; say so here rather than loop.
                    return Poll::Ready(match this.side.get().error() {
                        Some(err) => Err(to_io(err)),
                        None => Ok(()),
                    });
                }
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncWrite for TlsStream<IO> {
    /// Encrypts as much of `data` as the connection takes (it holds a
    /// bounded amount waiting to be sent), then sends what it can without
    /// waiting; `Pending` only when the connection is full and the
    /// transport cannot take more.
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let mut made_room = false;
        loop {
            let accepted = match this.side.get_mut().write(data) {
                Ok(accepted) => accepted,
                Err(err) => return Poll::Ready(Err(this.fail(cx, err))),
            };
            match this.poll_send_tls(cx, false) {
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Pending if accepted == 0 => {
                    this.park_writer(cx);
                    return Poll::Pending;
                }
                Poll::Pending => return Poll::Ready(Ok(accepted)),
                Poll::Ready(Ok(())) if accepted > 0 || made_room => {
                    return Poll::Ready(Ok(accepted));
                }
                // Everything was sent: the connection has room now.
                Poll::Ready(Ok(())) => made_room = true,
            }
        }
    }

    /// Sends every pending TLS byte and flushes the transport.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let result = this.poll_send_tls(cx, true);
        if result.is_pending() {
            this.park_writer(cx);
        }
        result
    }

    /// Sends close_notify, flushes, and shuts the transport down. When the
    /// peer has already closed (its close_notify was read), errors from a
    /// transport it has left are ignored.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.closing {
            this.closing = true;
            this.side.get_mut().close();
        }
        let result = match this.poll_send_tls(cx, true) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.io).poll_shutdown(cx),
            other => other,
        };
        match result {
            Poll::Pending => {
                this.park_writer(cx);
                Poll::Pending
            }
            Poll::Ready(Err(err)) if this.side.get().peer_closed() && peer_gone(&err) => {
                Poll::Ready(Ok(()))
            }
            ready => ready,
        }
    }
}

/// Whether a transport error says the peer has gone away.
fn peer_gone(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset | io::ErrorKind::NotConnected
    )
}
