//! The `--metrics` endpoint: plain HTTP/1.x, one request per connection.
//!
//! A scraper sends `GET /metrics`; the answer is the rendered text with
//! `Connection: close`, and the connection ends. Anything else gets 404,
//! a request line that is not HTTP/1.x gets 400. The request head is read
//! with a size bound and the whole exchange with a time bound, and only a
//! few scrapes are served at once, so that the endpoint cannot be made to
//! hold memory or sockets. Request bodies are never read: no request this
//! endpoint answers has one.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use super::exposition::CONTENT_TYPE;
use crate::serve::conn::{ends_headers, read_request};

/// How long one exchange (read the head, write the answer) may take.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(5);

/// Scrapes served at once; more wait to be accepted.
const MAX_SCRAPES: usize = 8;

/// Answers scrapes on `listener` for as long as the process runs, with
/// the text `render` makes at the time of each request.
pub(crate) async fn serve<F>(listener: TcpListener, render: F)
where
    F: Fn() -> String + Send + Sync + 'static,
{
    let render = Arc::new(render);
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_SCRAPES));
    loop {
        // The semaphore is never closed, so acquiring only waits.
        let Ok(permit) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let tcp = match listener.accept().await {
            Ok((tcp, _)) => tcp,
            Err(e) => {
                tracing::warn!(error = %e, "metrics: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let render = Arc::clone(&render);
        tokio::spawn(async move {
            // A scraper too slow to finish in time is dropped, unanswered.
            let _ = tokio::time::timeout(EXCHANGE_TIMEOUT, answer(tcp, &*render)).await;
            drop(permit);
        });
    }
}

/// Reads one request head, writes the answer, closes.
async fn answer(mut tcp: TcpStream, render: &(dyn Fn() -> String + Send + Sync)) {
    // The head is read as `keel serve` reads its requests: up to the
    // blank line, within a size bound.
    let Ok(head) = read_request(&mut tcp).await else {
        return;
    };
    let response = match route(&head) {
        Route::Metrics if ends_headers(&head) => Response::ok(render()),
        Route::NotFound if ends_headers(&head) => Response::status("404 Not Found"),
        _ => Response::status("400 Bad Request"),
    };
    if tcp.write_all(&response.bytes()).await.is_ok() {
        let _ = tcp.shutdown().await;
    }
}

/// What a request asks for.
#[derive(Debug, PartialEq, Eq)]
enum Route {
    Metrics,
    NotFound,
    BadRequest,
}

/// Reads the request line, `METHOD SP TARGET SP HTTP/1.x` (RFC 9112 §3).
fn route(head: &[u8]) -> Route {
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let Ok(line) = std::str::from_utf8(line) else {
        return Route::BadRequest;
    };
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Route::BadRequest;
    };
    if method.is_empty() || !matches!(version, "HTTP/1.0" | "HTTP/1.1") {
        return Route::BadRequest;
    }
    // A query string (some scrapers add one) does not change the answer.
    let path = target.split_once('?').map_or(target, |(path, _)| path);
    if method == "GET" && path == "/metrics" {
        Route::Metrics
    } else {
        Route::NotFound
    }
}

/// An answer, always closing the connection.
struct Response {
    status: &'static str,
    content_type: &'static str,
    body: String,
}

impl Response {
    fn ok(body: String) -> Self {
        Self {
            status: "200 OK",
            content_type: CONTENT_TYPE,
            body,
        }
    }

    /// A status with its reason phrase as the body.
    fn status(status: &'static str) -> Self {
        Self {
            status,
            content_type: "text/plain; charset=utf-8",
            body: format!("{status}\n"),
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let Self {
            status,
            content_type,
            body,
        } = self;
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::{Route, route};

    #[test]
    fn only_get_metrics_is_routed_to_the_metrics() {
        let cases: [(&[u8], Route); 10] = [
            (b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", Route::Metrics),
            (b"GET /metrics HTTP/1.0\r\n\r\n", Route::Metrics),
            (b"GET /metrics?name[]=x HTTP/1.1\n\n", Route::Metrics),
            (b"GET / HTTP/1.1\r\n\r\n", Route::NotFound),
            (b"GET /metrics/ HTTP/1.1\r\n\r\n", Route::NotFound),
            (b"POST /metrics HTTP/1.1\r\n\r\n", Route::NotFound),
            (b"HEAD /metrics HTTP/1.1\r\n\r\n", Route::NotFound),
            (b"GET /metrics\r\n\r\n", Route::BadRequest),
            (b"GET /metrics HTTP/2.0\r\n\r\n", Route::BadRequest),
            (b"GET  /metrics HTTP/1.1\r\n\r\n", Route::BadRequest),
        ];
        for (head, expected) in cases {
            assert_eq!(route(head), expected, "{}", String::from_utf8_lossy(head));
        }
    }
}
