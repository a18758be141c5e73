//! The upstream connection as the copy loop sees it: every byte written to
//! it or read from it is added to the process's counters as it moves, so
//! that a scrape sees the traffic of long connections before they end.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::metrics::ProxyMetrics;

/// An upstream stream that counts its bytes in `metrics`.
pub(crate) struct Counted<'a, T> {
    inner: &'a mut T,
    metrics: &'a ProxyMetrics,
}

impl<'a, T> Counted<'a, T> {
    pub(crate) fn new(inner: &'a mut T, metrics: &'a ProxyMetrics) -> Self {
        Self { inner, metrics }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Counted<'_, T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut *this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = result {
            let read = buf.filled().len().saturating_sub(before);
            this.metrics.received_from_upstream(read as u64);
        }
        result
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Counted<'_, T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut *this.inner).poll_write(cx, data);
        if let Poll::Ready(Ok(written)) = result {
            this.metrics.sent_upstream(written as u64);
        }
        result
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};

    use super::Counted;
    use crate::proxy::metrics::ProxyMetrics;

    #[tokio::test]
    async fn bytes_each_way_are_counted_as_they_move() {
        let metrics = ProxyMetrics::default();
        let (mut upstream, mut far_end) = duplex(64);
        let mut counted = Counted::new(&mut upstream, &metrics);
        counted.write_all(b"request").await.unwrap();
        far_end.write_all(b"the answer").await.unwrap();
        let mut answer = [0u8; 10];
        counted.read_exact(&mut answer).await.unwrap();
        let text = metrics.render();
        assert!(
            text.contains("\nkeel_proxy_client_to_upstream_bytes_total 7\n"),
            "{text}"
        );
        assert!(
            text.contains("\nkeel_proxy_upstream_to_client_bytes_total 10\n"),
            "{text}"
        );
    }
}
