// The summary line is the doc comment on `pub mod tokio` in `lib.rs`; this
// text follows it. Links spell out `crate::tokio::` because rustdoc resolves
// them from `lib.rs` when a module has both.
//!
//! [`TlsConnector`](crate::tokio::TlsConnector) and
//! [`TlsAcceptor`](crate::tokio::TlsAcceptor) run the handshake over any
//! `AsyncRead + AsyncWrite` transport and give a
//! [`TlsStream`](crate::tokio::TlsStream), which is itself
//! `AsyncRead + AsyncWrite`.
//!
//! Everything is poll-based: no task is spawned, no timer is used, and
//! every `Pending` comes from the transport (whose waker is then
//! registered). Time-outs are the caller's business
//! (`tokio::time::timeout` around a handshake, say).
//!
//! # Errors
//!
//! The handshake futures and the stream report errors as [`std::io::Error`],
//! the tokio convention. A TLS failure is an `io::Error` whose inner error is
//! the [`crate::Error`]; recover it with
//! `err.get_ref().and_then(|e| e.downcast_ref::<keel::Error>())` (or
//! `into_inner` and `downcast`). Its [`kind`](std::io::Error::kind) says
//! what sort of failure it was:
//!
//! - [`UnexpectedEof`](std::io::ErrorKind::UnexpectedEof): the transport
//!   ended without the peer's close_notify, so the data may be cut short
//!   ([`HandshakeError::Truncated`](crate::HandshakeError::Truncated)), or
//!   the peer sent close_notify before the handshake completed
//!   ([`HandshakeError::ClosedDuringHandshake`](crate::HandshakeError::ClosedDuringHandshake));
//! - [`BrokenPipe`](std::io::ErrorKind::BrokenPipe): writing after
//!   `shutdown` ([`HandshakeError::Closed`](crate::HandshakeError::Closed));
//! - [`InvalidInput`](std::io::ErrorKind::InvalidInput): a server name
//!   that is neither a DNS name nor an IP address;
//! - [`InvalidData`](std::io::ErrorKind::InvalidData): every other TLS
//!   failure (a refused certificate, an alert from the peer, a record that
//!   does not authenticate, ...).
//!
//! Any other error is the transport's own, passed through unchanged. TLS
//! errors are sticky, as in [`Connection`](crate::Connection): once one is
//! returned, every later read or write returns it again. The fatal alert
//! that reports a failure to the peer is sent (best effort) before the
//! error is returned.
//!
//! # Example
//!
//! A client and a server over an in-memory pipe:
//!
//! ```
//! use keel::tokio::{TlsAcceptor, TlsConnector};
//! use keel::{ClientConfig, ServerConfig};
//! use keel::pki::{CertifiedKey, TrustStore};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let (ca_pem, chain_pem, key_pem) = doc_certificates();
//! let connector = TlsConnector::from(
//!     ClientConfig::builder()
//!         .with_root_certificates(TrustStore::from_pem(ca_pem.as_bytes())?)
//!         .build()?,
//! );
//! let acceptor = TlsAcceptor::from(
//!     ServerConfig::builder()
//!         .with_certificate(CertifiedKey::from_pem(chain_pem.as_bytes(), key_pem.as_bytes())?)
//!         .build()?,
//! );
//!
//! let (client_io, server_io) = tokio::io::duplex(4096);
//! let (client, server) = tokio::join!(
//!     connector.connect("localhost", client_io),
//!     acceptor.accept(server_io),
//! );
//! let (mut client, mut server) = (client?, server?);
//! assert!(client.session().is_some());
//!
//! client.write_all(b"hello").await?;
//! client.shutdown().await?; // sends close_notify
//! let mut received = Vec::new();
//! server.read_to_end(&mut received).await?; // ends at the close_notify
//! assert_eq!(received, b"hello");
//! # Ok(())
//! # }
//! # fn doc_certificates() -> (String, String, String) {
//! #     use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
//! #     let mut ca = CertificateParams::default();
//! #     ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
//! #     ca.key_usages = vec![KeyUsagePurpose::KeyCertSign];
//! #     let ca_key = KeyPair::generate().unwrap();
//! #     let root = ca.self_signed(&ca_key).unwrap();
//! #     let leaf = CertificateParams::new(vec!["localhost".into()]).unwrap();
//! #     let key = KeyPair::generate().unwrap();
//! #     let cert = leaf.signed_by(&key, &Issuer::from_params(&ca, &ca_key)).unwrap();
//! #     (root.pem(), cert.pem(), key.serialize_pem())
//! # }
//! ```

mod stream;

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use ::tokio::io::{AsyncRead, AsyncWrite};

use crate::config::{ClientConfig, ServerConfig};
use crate::connection::{ClientConnection, ServerConnection};
use crate::error::Error;

use stream::Side;
pub use stream::TlsStream;

/// Opens client connections: runs the client's handshake over a transport.
/// Cheap to clone; one connector serves any number of connections.
#[derive(Debug, Clone)]
pub struct TlsConnector {
    config: ClientConfig,
}

impl TlsConnector {
    /// A connector with this configuration (the config, a reference to it
    /// or an `Arc` holding one).
    #[must_use]
    pub fn new(config: impl AsRef<ClientConfig>) -> Self {
        Self {
            config: config.as_ref().clone(),
        }
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Runs a client handshake with `server_name` (a DNS name or an IP
    /// address; the certificate is checked against it) over `io`. The
    /// future completes once the handshake has, and the client's last
    /// flight is written and flushed; it fails with an `io::Error` carrying
    /// the [`crate::Error`] (see the [module documentation](self)).
    pub fn connect<IO>(&self, server_name: impl crate::IntoServerName, io: IO) -> Connect<IO>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let handshake = match ClientConnection::new(&self.config, server_name) {
            Ok(connection) => Handshake::new(Side::Client(connection), io),
            Err(err) => Handshake::failed(to_io(err)),
        };
        Connect { handshake }
    }
}

impl From<Arc<ClientConfig>> for TlsConnector {
    fn from(config: Arc<ClientConfig>) -> Self {
        Self::new(config)
    }
}

impl From<ClientConfig> for TlsConnector {
    fn from(config: ClientConfig) -> Self {
        Self { config }
    }
}

/// Accepts server connections: runs the server's handshake over a
/// transport. Cheap to clone; one acceptor serves any number of
/// connections.
#[derive(Debug, Clone)]
pub struct TlsAcceptor {
    config: ServerConfig,
}

impl TlsAcceptor {
    /// An acceptor with this configuration (the config, a reference to it
    /// or an `Arc` holding one).
    #[must_use]
    pub fn new(config: impl AsRef<ServerConfig>) -> Self {
        Self {
            config: config.as_ref().clone(),
        }
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Runs a server handshake over `io`. The future completes once the
    /// handshake has, and the server's last flight is written and flushed;
    /// it fails with an `io::Error` carrying the [`crate::Error`] (see the
    /// [module documentation](self)).
    pub fn accept<IO>(&self, io: IO) -> Accept<IO>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let connection = ServerConnection::new(&self.config);
        Accept {
            handshake: Handshake::new(Side::Server(connection), io),
        }
    }
}

impl From<Arc<ServerConfig>> for TlsAcceptor {
    fn from(config: Arc<ServerConfig>) -> Self {
        Self::new(config)
    }
}

impl From<ServerConfig> for TlsAcceptor {
    fn from(config: ServerConfig) -> Self {
        Self { config }
    }
}

/// The client handshake, from [`TlsConnector::connect`]: resolves to the
/// established stream.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Connect<IO> {
    handshake: Handshake<IO>,
}

impl<IO: AsyncRead + AsyncWrite + Unpin> Future for Connect<IO> {
    type Output = io::Result<TlsStream<IO>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().handshake.poll(cx)
    }
}

/// The server handshake, from [`TlsAcceptor::accept`]: resolves to the
/// established stream.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Accept<IO> {
    handshake: Handshake<IO>,
}

impl<IO: AsyncRead + AsyncWrite + Unpin> Future for Accept<IO> {
    type Output = io::Result<TlsStream<IO>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().handshake.poll(cx)
    }
}

/// What both handshake futures share: the stream being set up, or the
/// error to report at the first poll.
#[derive(Debug)]
struct Handshake<IO> {
    stream: Option<TlsStream<IO>>,
    error: Option<io::Error>,
}

impl<IO: AsyncRead + AsyncWrite + Unpin> Handshake<IO> {
    fn new(side: Side, io: IO) -> Self {
        Self {
            stream: Some(TlsStream::new(side, io)),
            error: None,
        }
    }

    fn failed(error: io::Error) -> Self {
        Self {
            stream: None,
            error: Some(error),
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<TlsStream<IO>>> {
        if let Some(error) = self.error.take() {
            return Poll::Ready(Err(error));
        }
        let Some(stream) = self.stream.as_mut() else {
            return Poll::Ready(Err(io::Error::other(
                "handshake future polled after it completed",
            )));
        };
        let result = match stream.poll_handshake(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(result) => result,
        };
        let stream = self.stream.take();
        Poll::Ready(result.and_then(|()| {
            stream.ok_or_else(|| io::Error::other("handshake future polled after it completed"))
        }))
    }
}

/// A keel error as an `io::Error` carrying it, of the kind the module
/// documentation lists (the blocking [`crate::Stream`] uses the same).
fn to_io(err: Error) -> io::Error {
    io::Error::from(err)
}
