//! The copy loop: both directions of one proxied connection, driven by one
//! future in one task, with an idle timer that any byte moving resets.
//!
//! One task rather than two keeps the TLS stream whole (no split, no lock)
//! and makes the end simple: whichever direction ends first ends the loop,
//! since TLS 1.2 has no half-close. A direction reads only when nothing it
//! read before is waiting, writes until nothing is, and flushes before it
//! waits for more, so nothing sits in the TLS stream unsent while the
//! proxy waits.
//!
//! Memory: a direction reads into the stack and writes straight on; only
//! what the writer does not take at once is kept, on the heap, until it
//! is written. After [`QUIET`] without a byte moving, the connection's
//! buffers are released (`release`), so that an idle connection holds
//! little more than its keys and sockets; they come back with the next
//! bytes.

use std::future::{Future, poll_fn};
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

/// How much a direction reads at once: one TLS record's worth of
/// plaintext.
pub(crate) const BUFFER: usize = 16 * 1024;

/// How long nothing moves before a connection's buffers are released.
/// Long enough that a connection in use keeps them between bursts (taking
/// them back costs allocations and, for the TLS send buffer, zeroing),
/// short enough that idle connections do not hold them.
pub(crate) const QUIET: Duration = Duration::from_secs(1);

/// How a connection's copying ended.
#[derive(Debug)]
pub(crate) enum End {
    /// The client's stream ended (its close_notify); everything it sent
    /// before was written to the upstream.
    ClientClosed,
    /// The upstream's stream ended; everything it sent was written to the
    /// client and flushed.
    UpstreamClosed,
    /// No byte moved either way for the idle timeout.
    Idle,
    /// `stop` completed first (the shutdown deadline passed).
    Stopped,
    /// Reading from or writing to the client failed.
    Client(io::Error),
    /// Reading from or writing to the upstream failed.
    Upstream(io::Error),
}

/// Bytes copied each way.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Totals {
    pub(crate) to_upstream: u64,
    pub(crate) to_client: u64,
    /// Bytes from the upstream were still held by the proxy when the copy
    /// ended: in the buffer, or written to the client's stream but not
    /// flushed. Bytes handed to the socket count as delivered; what the
    /// kernel does with them after that is out of the proxy's sight.
    pub(crate) undelivered: bool,
}

/// Copies between `client` and `upstream` until one ends, one fails,
/// nothing moves for `idle`, or `stop` completes. `client_closed` says whether the client has
/// ended its stream (read its close_notify) while data it sent before is
/// still on its way: from then on nothing is written to it.
///
/// With `half_close` (TLS 1.3, RFC 8446 §6.1: close_notify closes the
/// sender's direction only), the client's end is passed on as the end of
/// the upstream's input, and the upstream's answer still goes to the
/// client until the upstream ends too; that is then `ClientClosed`.
///
/// After [`QUIET`] without a byte moving, `release` is called with the
/// client to free its buffers, and the copy's own are freed.
pub(crate) async fn copy<C, U>(
    client: &mut C,
    upstream: &mut U,
    idle: Duration,
    half_close: bool,
    client_closed: impl Fn(&C) -> bool,
    mut release: impl FnMut(&mut C),
    stop: impl Future<Output = ()>,
) -> (End, Totals)
where
    C: AsyncRead + AsyncWrite + Unpin,
    U: AsyncRead + AsyncWrite + Unpin,
{
    let mut up = Pipe::new();
    let mut down = Pipe::new();
    // One timer: first for the quiet point, then for the rest of the idle
    // timeout.
    let quiet = QUIET.min(idle);
    let mut last_moved = Instant::now();
    let mut released = false;
    let timer = tokio::time::sleep(quiet);
    tokio::pin!(timer);
    tokio::pin!(stop);
    // TLS 1.3: the client has ended, and whether the upstream was told.
    let (mut client_done, mut upstream_told) = (false, false);
    let end = poll_fn(|cx| {
        if stop.as_mut().poll(cx).is_ready() {
            return Poll::Ready(End::Stopped);
        }
        let mut moved = false;
        if !client_done {
            match up.poll_copy(cx, client, upstream, &mut moved) {
                Poll::Ready(Ok(())) if half_close => client_done = true,
                Poll::Ready(Ok(())) => return Poll::Ready(End::ClientClosed),
                Poll::Ready(Err(Failed::Read(e))) => return Poll::Ready(End::Client(e)),
                Poll::Ready(Err(Failed::Write(e))) => return Poll::Ready(End::Upstream(e)),
                Poll::Pending => {}
            }
        }
        if client_done && !upstream_told {
            match Pin::new(&mut *upstream).poll_shutdown(cx) {
                Poll::Ready(Ok(())) => upstream_told = true,
                Poll::Ready(Err(e)) => return Poll::Ready(End::Upstream(e)),
                Poll::Pending => {}
            }
        }
        // After the client's close_notify nothing may be sent to it in
        // TLS 1.2 (RFC 5246 §7.2.1: pending writes are discarded); the
        // client's last bytes still go up, and then the loop ends.
        if !client_closed(client) {
            match down.poll_copy(cx, upstream, client, &mut moved) {
                Poll::Ready(Ok(())) if client_done => return Poll::Ready(End::ClientClosed),
                Poll::Ready(Ok(())) => return Poll::Ready(End::UpstreamClosed),
                Poll::Ready(Err(Failed::Read(e))) => return Poll::Ready(End::Upstream(e)),
                Poll::Ready(Err(Failed::Write(e))) => return Poll::Ready(End::Client(e)),
                Poll::Pending => {}
            }
        }
        if moved {
            last_moved = Instant::now();
            released = false;
            timer.as_mut().reset(last_moved + quiet);
        }
        loop {
            match timer.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(()) if released || quiet >= idle => return Poll::Ready(End::Idle),
                Poll::Ready(()) => {
                    release(client);
                    up.release();
                    down.release();
                    released = true;
                    timer.as_mut().reset(last_moved + idle);
                }
            }
        }
    })
    .await;
    let totals = Totals {
        to_upstream: up.copied,
        to_client: down.copied,
        undelivered: down.start < down.backlog.len() || down.unflushed,
    };
    (end, totals)
}

/// Which end of a direction failed.
enum Failed {
    Read(io::Error),
    Write(io::Error),
}

/// One direction: bytes read from one side and written to the other.
struct Pipe {
    /// Bytes read that the writer did not take at once:
    /// `backlog[start..]` waits to be written. Empty otherwise, and freed
    /// by [`Pipe::release`].
    backlog: Vec<u8>,
    start: usize,
    /// The reader has reported its end.
    ended: bool,
    /// Bytes were written since the writer was last flushed.
    unflushed: bool,
    /// Bytes written so far.
    copied: u64,
}

impl Pipe {
    fn new() -> Self {
        Self {
            backlog: Vec::new(),
            start: 0,
            ended: false,
            unflushed: false,
            copied: 0,
        }
    }

    /// Frees the backlog's memory when nothing waits in it.
    fn release(&mut self) {
        if self.start >= self.backlog.len() {
            self.backlog = Vec::new();
            self.start = 0;
        }
    }

    /// Copies until the reader ends and everything is written and flushed
    /// (`Ready(Ok)`), something fails, or neither side can go on now
    /// (`Pending`, with both wakers that matter registered). Sets `moved`
    /// when a byte was read or written.
    fn poll_copy<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        reader: &mut R,
        writer: &mut W,
        moved: &mut bool,
    ) -> Poll<Result<(), Failed>>
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        loop {
            while self.start < self.backlog.len() {
                let backlog = std::mem::take(&mut self.backlog);
                let waiting = backlog.get(self.start..).unwrap_or_default();
                let written = self.poll_write(cx, writer, waiting, moved);
                self.backlog = backlog;
                match written {
                    Poll::Ready(Ok(n)) => self.start += n,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
            }
            // Kept for the next time the writer lags, until released.
            self.backlog.clear();
            self.start = 0;
            if self.ended {
                return match Pin::new(&mut *writer).poll_flush(cx) {
                    Poll::Ready(Ok(())) => {
                        self.unflushed = false;
                        Poll::Ready(Ok(()))
                    }
                    Poll::Ready(Err(e)) => Poll::Ready(Err(Failed::Write(e))),
                    Poll::Pending => Poll::Pending,
                };
            }
            let mut storage = [MaybeUninit::<u8>::uninit(); BUFFER];
            let mut read = ReadBuf::uninit(&mut storage);
            match Pin::new(&mut *reader).poll_read(cx, &mut read) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(Failed::Read(e))),
                Poll::Pending => {
                    // Nothing to read for now: make sure what was written
                    // is on its way before waiting.
                    if self.unflushed {
                        match Pin::new(&mut *writer).poll_flush(cx) {
                            Poll::Ready(Ok(())) => self.unflushed = false,
                            Poll::Ready(Err(e)) => return Poll::Ready(Err(Failed::Write(e))),
                            Poll::Pending => {}
                        }
                    }
                    return Poll::Pending;
                }
            }
            let mut data = read.filled();
            if data.is_empty() {
                self.ended = true;
                continue;
            }
            *moved = true;
            // Straight on to the writer; what it does not take now waits.
            while !data.is_empty() {
                match self.poll_write(cx, writer, data, moved) {
                    Poll::Ready(Ok(n)) => data = data.get(n..).unwrap_or_default(),
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {
                        self.backlog.extend_from_slice(data);
                        return Poll::Pending;
                    }
                }
            }
        }
    }

    /// One write of `data`: how many bytes the writer took (at least one).
    fn poll_write<W: AsyncWrite + Unpin>(
        &mut self,
        cx: &mut Context<'_>,
        writer: &mut W,
        data: &[u8],
        moved: &mut bool,
    ) -> Poll<Result<usize, Failed>> {
        match Pin::new(writer).poll_write(cx, data) {
            Poll::Ready(Ok(0)) => Poll::Ready(Err(Failed::Write(io::ErrorKind::WriteZero.into()))),
            Poll::Ready(Ok(n)) => {
                self.copied += n as u64;
                self.unflushed = true;
                *moved = true;
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(Failed::Write(e))),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};

    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::{BUFFER, End, QUIET, copy};

    /// After `QUIET` without traffic the client's buffers are released,
    /// once; traffic after that flows as before, and another quiet spell
    /// releases them again.
    #[tokio::test]
    async fn a_quiet_connection_releases_its_buffers_once_per_quiet_spell() {
        let releases = Arc::new(AtomicUsize::new(0));
        let (mut client, client_side) = duplex(1024);
        let (mut upstream, upstream_side) = duplex(1024);
        let counted = Arc::clone(&releases);
        let proxy = tokio::spawn(async move {
            let (mut client_side, mut upstream_side) = (client_side, upstream_side);
            copy(
                &mut client_side,
                &mut upstream_side,
                Duration::from_secs(10),
                false,
                |_| false,
                move |_| {
                    counted.fetch_add(1, Ordering::SeqCst);
                },
                std::future::pending(),
            )
            .await
        });
        for round in 1..=2 {
            client.write_all(b"ping").await.unwrap();
            let mut got = [0; 4];
            upstream.read_exact(&mut got).await.unwrap();
            assert_eq!(releases.load(Ordering::SeqCst), round - 1, "not while busy");
            tokio::time::sleep(QUIET + Duration::from_millis(300)).await;
            assert_eq!(releases.load(Ordering::SeqCst), round, "once when quiet");
        }
        upstream.shutdown().await.unwrap();
        let (end, totals) = proxy.await.unwrap();
        assert!(matches!(end, End::UpstreamClosed), "{end:?}");
        assert_eq!(totals.to_upstream, 8);
    }

    /// A copy between two in-memory pipes, running: the client's and the
    /// upstream's ends, and the copy's task.
    fn spawn_copy(
        idle: Duration,
        half_close: bool,
    ) -> (
        tokio::io::DuplexStream,
        tokio::io::DuplexStream,
        tokio::task::JoinHandle<(End, super::Totals)>,
    ) {
        let (client, mut client_side) = duplex(1024);
        let (upstream, mut upstream_side) = duplex(1024);
        let proxy = tokio::spawn(async move {
            copy(
                &mut client_side,
                &mut upstream_side,
                idle,
                half_close,
                |_| false,
                |_| {},
                std::future::pending(),
            )
            .await
        });
        (client, upstream, proxy)
    }

    /// A pattern that shows a lost, repeated or reordered byte.
    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    #[tokio::test]
    async fn bytes_go_both_ways_unchanged_and_upstream_end_ends_it() {
        let (mut client, mut upstream, proxy) = spawn_copy(Duration::from_secs(10), false);
        let data = pattern(5 * BUFFER + 7);
        let expected = data.clone();
        let peer = tokio::spawn(async move {
            // The upstream echoes everything, then ends.
            let mut got = vec![0; expected.len()];
            upstream.read_exact(&mut got).await.unwrap();
            assert_eq!(got, expected);
            upstream.write_all(&got).await.unwrap();
            upstream.shutdown().await.unwrap();
        });
        let (mut read_half, mut write_half) = tokio::io::split(&mut client);
        let (written, echoed) = tokio::join!(write_half.write_all(&data), async {
            let mut echoed = Vec::new();
            read_half.read_to_end(&mut echoed).await.map(|_| echoed)
        });
        written.unwrap();
        assert_eq!(echoed.unwrap(), data);
        peer.await.unwrap();
        let (end, totals) = proxy.await.unwrap();
        assert!(matches!(end, End::UpstreamClosed), "{end:?}");
        assert_eq!(totals.to_upstream, data.len() as u64);
        assert_eq!(totals.to_client, data.len() as u64);
    }

    #[tokio::test]
    async fn the_clients_end_is_reported_after_its_last_bytes_went_up() {
        let (mut client, mut upstream, proxy) = spawn_copy(Duration::from_secs(10), false);
        client.write_all(b"last words").await.unwrap();
        client.shutdown().await.unwrap();
        let (end, totals) = proxy.await.unwrap();
        assert!(matches!(end, End::ClientClosed), "{end:?}");
        assert_eq!(totals.to_upstream, 10);
        let mut got = [0; 10];
        upstream.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"last words");
    }

    /// TLS 1.3's half-close: the client's end goes on to the upstream as
    /// the end of its input, and the upstream's answer still reaches the
    /// client before the copy ends.
    #[tokio::test]
    async fn with_half_close_the_answer_to_a_closed_client_still_arrives() {
        let (mut client, mut upstream, proxy) = spawn_copy(Duration::from_secs(10), true);
        client.write_all(b"question").await.unwrap();
        client.shutdown().await.unwrap();
        // The upstream reads to its end, then answers and ends.
        let mut asked = Vec::new();
        upstream.read_to_end(&mut asked).await.unwrap();
        assert_eq!(asked, b"question");
        upstream.write_all(b"answer").await.unwrap();
        upstream.shutdown().await.unwrap();
        let mut answer = Vec::new();
        client.read_to_end(&mut answer).await.unwrap();
        assert_eq!(answer, b"answer");
        let (end, totals) = proxy.await.unwrap();
        assert!(matches!(end, End::ClientClosed), "{end:?}");
        assert_eq!((totals.to_upstream, totals.to_client), (8, 6));
    }

    #[tokio::test]
    async fn silence_both_ways_is_an_idle_end_and_traffic_is_not() {
        let (mut client, mut upstream, proxy) = spawn_copy(Duration::from_millis(400), false);
        // Traffic every 200 ms keeps it alive well past the 400 ms timeout.
        for _ in 0..4 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            client.write_all(b"x").await.unwrap();
            let mut got = [0; 1];
            upstream.read_exact(&mut got).await.unwrap();
        }
        assert!(!proxy.is_finished());
        let (end, totals) = proxy.await.unwrap();
        assert!(matches!(end, End::Idle), "{end:?}");
        assert_eq!(totals.to_upstream, 4);
    }
}
