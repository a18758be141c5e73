//! One proxied connection: the handshake, the upstream connection, the
//! copy both ways, the close; and its one log line. Its failures stay its
//! own.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use keel::tokio::TlsStream;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::timeout;

use super::Settings;
use super::copy::{self, End, Totals};
use super::counting::Counted;
use super::error::ConnError;
use super::metrics::ProxyMetrics;
use super::proxy_protocol;
use crate::service::handshakes::{HANDSHAKE_EVICTED, HandshakeEnd, Handshaking, Slot};
use crate::service::listen::Deadline;
use crate::service::{alert_of, describe, is_truncation};

/// How long sending close_notify to the client may take (a client that
/// reads nothing would hold it forever).
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long, after close_notify, what the client still sends is read and
/// dropped before the socket is closed. Closing a socket with unread data
/// makes the kernel send a reset, which can destroy the last bytes sent to
/// the client before it reads them; a client that answers close_notify and
/// closes ends this wait at once.
const LINGER: Duration = Duration::from_secs(2);

/// Proxies one client and logs one line about it.
///
/// Each phase's future is boxed: it is on the heap only while it runs, and
/// the task itself stays small. An idle connection then holds the relay's
/// state alone, not also room for the handshake's (see `copy` on memory).
pub(crate) async fn proxy_one(
    settings: &Settings,
    tcp: TcpStream,
    peer: SocketAddr,
    handshaking: Handshaking,
    mut deadline: Deadline,
) {
    let started = Instant::now();
    let _open = settings.metrics.connection_opened();
    // Small writes (an interactive protocol) should not wait for Nagle.
    let _ = tcp.set_nodelay(true);
    // The relay's future is made (and the stream moved into it) before
    // anything else is awaited, so that this future keeps no room for the
    // stream itself. The slot is held until the relay has ended.
    let handshake = handshake(settings, tcp, peer, started, handshaking, &mut deadline);
    let (relay, _slot) = match Box::pin(handshake).await {
        Some((tls, slot)) => (
            Box::pin(relay(settings, tls, peer, started, deadline)),
            slot,
        ),
        None => return,
    };
    relay.await;
}

/// The handshake phase (see `service::handshakes`), within its timeout and
/// the shutdown deadline; a failure is logged here.
async fn handshake(
    settings: &Settings,
    tcp: TcpStream,
    peer: SocketAddr,
    started: Instant,
    handshaking: Handshaking,
    deadline: &mut Deadline,
) -> Option<(TlsStream<TcpStream>, Slot)> {
    let limit = settings.timeouts.handshake;
    let ms = || started.elapsed().as_millis();
    // The configuration in use when the client's first byte arrives; a
    // reload during the handshake does not change it.
    let accept = |tcp| {
        let acceptor = settings.tls.acceptor();
        async move { acceptor.accept(tcp).await }
    };
    match handshaking.run(tcp, limit, deadline, accept).await {
        HandshakeEnd::Done(Ok(tls), slot) => Some((tls, slot)),
        HandshakeEnd::Done(Err(e), _) => {
            settings.metrics.handshake_failed(alert_of(&e));
            tracing::warn!(%peer, ms = ms(), outcome = "handshake failed", error = %describe(&e));
            None
        }
        HandshakeEnd::TimedOut => {
            settings.metrics.handshake_failed(None);
            tracing::warn!(%peer, ms = ms(), outcome = "handshake timed out");
            None
        }
        HandshakeEnd::Evicted => {
            settings.metrics.handshake_evicted();
            tracing::warn!(%peer, ms = ms(), outcome = HANDSHAKE_EVICTED);
            None
        }
        HandshakeEnd::Cut => {
            tracing::warn!(%peer, ms = ms(), outcome = "handshake cut at the shutdown deadline");
            None
        }
    }
}

/// After the handshake: the upstream connection, the copy both ways, the
/// close, and the connection's log line.
async fn relay(
    settings: &Settings,
    mut tls: TlsStream<TcpStream>,
    peer: SocketAddr,
    started: Instant,
    mut deadline: Deadline,
) {
    let mut line = Line {
        peer,
        sni: String::new(),
        version: String::new(),
        suite: String::new(),
        upstream: String::new(),
        totals: Totals::default(),
        started,
        metrics: &settings.metrics,
    };
    if let Some(session) = tls.session() {
        settings.metrics.handshake_completed(session);
        line.sni = session.server_name.clone().unwrap_or_default();
        line.version = session.version.to_string();
        line.suite = session.cipher_suite.to_string();
    }
    let sni = (!line.sni.is_empty()).then_some(line.sni.as_str());
    let Some(target) = settings.routes.upstream_for(sni) else {
        let _ = Box::pin(close_client(tls)).await;
        line.log(Err(ConnError::NoRoute {
            sni: line.sni.clone(),
        }));
        return;
    };
    line.upstream = target.to_owned();

    let connect = timeout(settings.timeouts.handshake, TcpStream::connect(target)).await;
    let mut upstream = match connect {
        Ok(Ok(upstream)) => upstream,
        Ok(Err(source)) => {
            // The client is told cleanly that there is nothing more.
            let _ = Box::pin(close_client(tls)).await;
            line.log(Err(ConnError::UpstreamConnect {
                upstream: target.to_owned(),
                source,
            }));
            return;
        }
        Err(_) => {
            let _ = Box::pin(close_client(tls)).await;
            line.log(Err(ConnError::UpstreamTimeout {
                upstream: target.to_owned(),
                after: settings.timeouts.handshake,
            }));
            return;
        }
    };
    let _ = upstream.set_nodelay(true);
    if let Some(version) = settings.proxy_protocol {
        let sent = proxy_protocol::send_header(&mut upstream, version, peer, &tls).await;
        if let Err(source) = sent {
            drop(upstream);
            let _ = Box::pin(close_client(tls)).await;
            line.log(Err(ConnError::ProxyHeader { source }));
            return;
        }
    }
    if let Ok(addr) = upstream.peer_addr() {
        line.upstream = addr.to_string();
    }

    let idle = settings.timeouts.idle;
    // RFC 8446 §6.1: a TLS 1.3 client's close_notify ends its direction
    // only, so the upstream's answer still reaches it.
    let half_close = tls
        .connection()
        .session()
        .is_some_and(|s| s.version == keel::registry::ProtocolVersion::TLS_V1_3);
    let mut counted = Counted::new(&mut upstream, &settings.metrics);
    let (end, totals) = copy::copy(
        &mut tls,
        &mut counted,
        idle,
        half_close,
        |tls| !half_close && tls.connection().peer_closed(),
        TlsStream::release_buffers,
        deadline.passed(),
    )
    .await;
    line.totals = totals;
    let result = match end {
        End::ClientClosed => {
            // Everything the client sent is with the upstream (and, in
            // TLS 1.3, everything the upstream answered is with the
            // client): tell it there is no more, answer the close_notify,
            // close both.
            let _ = upstream.shutdown().await;
            drop(upstream);
            match timeout(CLOSE_TIMEOUT, tls.shutdown()).await {
                Ok(Ok(())) => Ok("client close_notify"),
                Ok(Err(source)) => Err(ConnError::AnswerClose { source }),
                Err(_) => Err(ConnError::AnswerCloseTimeout),
            }
        }
        End::UpstreamClosed => {
            // Everything the upstream sent is written and flushed.
            drop(upstream);
            Box::pin(close_client(tls))
                .await
                .map(|()| "upstream closed")
        }
        End::Idle => {
            drop(upstream);
            let _ = Box::pin(close_client(tls)).await;
            Err(ConnError::Idle { after: idle })
        }
        End::Stopped => {
            drop(upstream);
            let _ = Box::pin(close_client(tls)).await;
            Err(ConnError::Cut)
        }
        // Many clients end without close_notify once they have what they
        // wanted; when everything was delivered to them, nothing was lost,
        // and that is no failure of the connection.
        End::Client(source) if is_truncation(&source) && !totals.undelivered => {
            Ok("client closed without close_notify")
        }
        // Without close_notify: the client must not take a cut-short
        // stream for a complete one.
        End::Client(source) => Err(ConnError::Client { source }),
        End::Upstream(source) => Err(ConnError::Upstream { source }),
    };
    line.log(result);
}

/// Sends close_notify and closes, then reads and drops what the client
/// still sends until it closes too, or for [`LINGER`] at most.
async fn close_client(mut tls: TlsStream<TcpStream>) -> Result<(), ConnError> {
    match timeout(CLOSE_TIMEOUT, tls.shutdown()).await {
        Ok(Ok(())) => {}
        Ok(Err(source)) => return Err(ConnError::SendClose { source }),
        Err(_) => return Err(ConnError::SendCloseTimeout),
    }
    // Nothing more is taken from the client: its bytes are only drained so
    // that closing does not reset the connection.
    let mut tcp = tls.into_inner();
    // tokio's copy reads through a buffer of its own on the heap, for the
    // linger only: an array here would be part of every connection's
    // future, idle ones too.
    let _ = timeout(LINGER, tokio::io::copy(&mut tcp, &mut tokio::io::sink())).await;
    Ok(())
}

/// The connection's log line, filled in as it goes.
struct Line<'a> {
    peer: SocketAddr,
    sni: String,
    version: String,
    suite: String,
    upstream: String,
    totals: Totals,
    started: Instant,
    /// Where the line's outcome is counted too.
    metrics: &'a ProxyMetrics,
}

impl Line<'_> {
    /// Logs the line: how the connection ended, or its outcome and error.
    fn log(&self, result: Result<&'static str, ConnError>) {
        self.metrics.connection_ended(&result);
        let Self {
            peer,
            sni,
            version,
            suite,
            upstream,
            totals,
            started,
            metrics: _,
        } = self;
        let ms = started.elapsed().as_millis();
        let (to_upstream, to_client) = (totals.to_upstream, totals.to_client);
        match result {
            Ok(end) => tracing::info!(
                %peer, sni, version, suite, upstream, to_upstream, to_client, ms, outcome = "ok", end
            ),
            Err(e) => {
                let (outcome, error) = (e.outcome(), e.to_string());
                tracing::warn!(
                    %peer, sni, version, suite, upstream, to_upstream, to_client, ms, outcome, error
                );
            }
        }
    }
}
