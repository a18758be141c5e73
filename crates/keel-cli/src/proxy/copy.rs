//! The copy loop: both directions of one proxied connection, driven by one
//! future in one task, each through a fixed-size buffer, with an idle
//! timer that any byte moving resets.
//!
//! One task rather than two keeps the TLS stream whole (no split, no lock)
//! and makes the end simple: whichever direction ends first ends the loop,
//! since TLS 1.2 has no half-close. A direction reads only when its buffer
//! is empty, writes until it is, and flushes before it waits for more, so
//! nothing sits in the TLS stream unsent while the proxy waits.

use std::future::{Future, poll_fn};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

/// Size of each direction's buffer: one TLS record's worth of plaintext.
pub(crate) const BUFFER: usize = 16 * 1024;

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

/// Copies between `client` and `upstream` until one ends, one fails, or
/// nothing moves for `idle`. `client_closed` says whether the client has
/// ended its stream (read its close_notify) while data it sent before is
/// still on its way: from then on nothing is written to it.
///
/// With `half_close` (TLS 1.3, RFC 8446 §6.1: close_notify closes the
/// sender's direction only), the client's end is passed on as the end of
/// the upstream's input, and the upstream's answer still goes to the
/// client until the upstream ends too; that is then `ClientClosed`.
pub(crate) async fn copy<C, U>(
    client: &mut C,
    upstream: &mut U,
    idle: Duration,
    half_close: bool,
    client_closed: impl Fn(&C) -> bool,
) -> (End, Totals)
where
    C: AsyncRead + AsyncWrite + Unpin,
    U: AsyncRead + AsyncWrite + Unpin,
{
    let mut up = Pipe::new();
    let mut down = Pipe::new();
    let timer = tokio::time::sleep(idle);
    tokio::pin!(timer);
    // TLS 1.3: the client has ended, and whether the upstream was told.
    let (mut client_done, mut upstream_told) = (false, false);
    let end = poll_fn(|cx| {
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
            timer.as_mut().reset(Instant::now() + idle);
        }
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(End::Idle),
            Poll::Pending => Poll::Pending,
        }
    })
    .await;
    let totals = Totals {
        to_upstream: up.copied,
        to_client: down.copied,
        undelivered: down.start < down.end || down.unflushed,
    };
    (end, totals)
}

/// Which end of a direction failed.
enum Failed {
    Read(io::Error),
    Write(io::Error),
}

/// One direction: bytes read from one side, not yet written to the other.
struct Pipe {
    buf: Box<[u8]>,
    /// `buf[start..end]` is waiting to be written.
    start: usize,
    end: usize,
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
            buf: vec![0; BUFFER].into_boxed_slice(),
            start: 0,
            end: 0,
            ended: false,
            unflushed: false,
            copied: 0,
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
            if self.start >= self.end && !self.ended {
                let mut read = ReadBuf::new(&mut self.buf);
                match Pin::new(&mut *reader).poll_read(cx, &mut read) {
                    Poll::Ready(Ok(())) => {
                        let n = read.filled().len();
                        self.start = 0;
                        self.end = n;
                        if n == 0 {
                            self.ended = true;
                        } else {
                            *moved = true;
                        }
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(Failed::Read(e))),
                    Poll::Pending => {
                        // Nothing to read for now: make sure what was
                        // written is on its way before waiting.
                        if self.unflushed {
                            match Pin::new(&mut *writer).poll_flush(cx) {
                                Poll::Ready(Ok(())) => self.unflushed = false,
                                Poll::Ready(Err(e)) => {
                                    return Poll::Ready(Err(Failed::Write(e)));
                                }
                                Poll::Pending => {}
                            }
                        }
                        return Poll::Pending;
                    }
                }
            }
            while self.start < self.end {
                let waiting = self.buf.get(self.start..self.end).unwrap_or_default();
                match Pin::new(&mut *writer).poll_write(cx, waiting) {
                    Poll::Ready(Ok(0)) => {
                        return Poll::Ready(Err(Failed::Write(io::ErrorKind::WriteZero.into())));
                    }
                    Poll::Ready(Ok(n)) => {
                        self.start += n;
                        self.copied += n as u64;
                        self.unflushed = true;
                        *moved = true;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(Failed::Write(e))),
                    Poll::Pending => return Poll::Pending,
                }
            }
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
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};

    use super::{BUFFER, End, copy};

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
