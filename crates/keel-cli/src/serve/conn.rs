//! One connection: handshake, one request, the session page,
//! close_notify. Its failures stay its own.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use keel::SessionInfo;
use keel::tokio::TlsStream;
use snafu::ResultExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use super::error::{
    CloseSnafu, ConnError, CutSnafu, RequestSnafu, RequestTimeoutSnafu, RespondSnafu,
};
use super::{Timeouts, page};
use crate::service::describe;
use crate::service::handshakes::{HANDSHAKE_EVICTED, HandshakeEnd, Handshaking};
use crate::service::listen::Deadline;

/// The most request bytes read: the headers of any sane request.
const MAX_REQUEST: usize = 16 * 1024;

/// Serves one client and logs one line about it.
pub(crate) async fn serve_one(
    acceptor: keel::tokio::TlsAcceptor,
    tcp: TcpStream,
    peer: SocketAddr,
    timeouts: Timeouts,
    handshaking: Handshaking,
    mut deadline: Deadline,
) {
    let started = Instant::now();
    let ms = || started.elapsed().as_millis();
    let handshake = handshaking
        .run(tcp, timeouts.handshake, &mut deadline, |tcp| {
            acceptor.accept(tcp)
        })
        .await;
    // Held until the connection ends.
    let (mut tls, _slot) = match handshake {
        HandshakeEnd::Done(Ok(tls), slot) => (tls, slot),
        HandshakeEnd::Done(Err(e), _) => {
            tracing::warn!(%peer, ms = ms(), outcome = "handshake failed", error = %describe(&e));
            return;
        }
        HandshakeEnd::TimedOut => {
            tracing::warn!(%peer, ms = ms(), outcome = "handshake timed out");
            return;
        }
        HandshakeEnd::Evicted => {
            tracing::warn!(%peer, ms = ms(), outcome = HANDSHAKE_EVICTED);
            return;
        }
        HandshakeEnd::Cut => {
            tracing::warn!(%peer, ms = ms(), outcome = "handshake cut at the shutdown deadline");
            return;
        }
    };
    let Some(session) = tls.session().cloned() else {
        tracing::warn!(%peer, outcome = "no session after the handshake");
        return;
    };
    let sni = session.server_name.clone().unwrap_or_default();
    let version = session.version.to_string();
    let suite = session.cipher_suite.to_string();
    let alpn = session
        .alpn
        .as_deref()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .unwrap_or_default();

    let outcome = tokio::select! {
        outcome = respond(&mut tls, &session, timeouts.request) => outcome,
        () = deadline.passed() => close_at_deadline(&mut tls).await,
    };
    let ms = started.elapsed().as_millis();
    match outcome {
        Ok(()) => tracing::info!(%peer, sni, version, suite, alpn, ms, outcome = "ok"),
        Err(e) => {
            let error = e.to_string();
            tracing::warn!(%peer, sni, version, suite, alpn, ms, outcome = "failed", error);
        }
    }
}

/// Reads the request, answers with the page, sends close_notify and
/// closes.
async fn respond(
    tls: &mut TlsStream<TcpStream>,
    session: &SessionInfo,
    request_timeout: Duration,
) -> Result<(), ConnError> {
    let Ok(read) = timeout(request_timeout, read_request(tls)).await else {
        return RequestTimeoutSnafu.fail();
    };
    read.context(RequestSnafu)?;
    let response = page::response(&page::describe(session));
    tls.write_all(&response).await.context(RespondSnafu)?;
    // shutdown sends close_notify, then closes the socket.
    tls.shutdown().await.context(CloseSnafu)
}

/// Sends close_notify and closes, the response unsent: the service is
/// shutting down and this client has had its time.
async fn close_at_deadline(tls: &mut TlsStream<TcpStream>) -> Result<(), ConnError> {
    tls.shutdown().await.context(CloseSnafu)?;
    CutSnafu.fail()
}

/// Reads up to the blank line that ends the request's headers, at most
/// [`MAX_REQUEST`] bytes, or until the client closes.
pub(crate) async fn read_request<S: AsyncReadExt + Unpin>(tls: &mut S) -> std::io::Result<Vec<u8>> {
    let mut request = Vec::new();
    let mut buf = [0u8; 2048];
    while request.len() < MAX_REQUEST && !ends_headers(&request) {
        let n = tls.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        request.extend_from_slice(buf.get(..n).unwrap_or_default());
    }
    Ok(request)
}

/// Whether `request` holds the empty line that ends the headers. RFC 9112
/// §2.2 lets a recipient take a bare LF as a line end, so `\n\n` (what
/// `printf 'GET / HTTP/1.0\n\n'` sends) ends them as `\r\n\r\n` does.
pub(crate) fn ends_headers(request: &[u8]) -> bool {
    request.windows(2).any(|w| w == b"\n\n") || request.windows(3).any(|w| w == b"\n\r\n")
}

#[cfg(test)]
mod tests {
    use super::ends_headers;

    #[test]
    fn headers_end_at_an_empty_line_with_crlf_or_bare_lf() {
        for done in [
            &b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..],
            b"GET / HTTP/1.0\n\n",
            b"GET / HTTP/1.0\r\n\n",
            b"GET / HTTP/1.0\nHost: x\n\r\n",
        ] {
            assert!(ends_headers(done), "{done:?}");
        }
        for partial in [
            &b"GET / HTTP/1.1\r\nHost: x\r\n"[..],
            b"GET / HTTP/1.0\n",
            b"",
        ] {
            assert!(!ends_headers(partial), "{partial:?}");
        }
    }
}
