//! `keel::tokio` end to end: handshakes, bulk data both ways, close_notify,
//! truncation and handshake failures over `tokio::io::duplex` with a
//! 64-byte buffer (so that every read and write of the transport is
//! partial and back-pressure is constant), then many clients at once over
//! loopback TCP.
//!
//! Every test is bounded in time: a hang is a failure, not a stuck run.

#![cfg(feature = "tokio")]
// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod pki_support;

use std::future::Future;
use std::io::ErrorKind;
use std::time::Duration;

use keel::pki::CertError;
use keel::registry::{AlertDescription, ProtocolVersion};
use keel::tokio::{TlsAcceptor, TlsConnector, TlsStream};
use keel::{ClientConfig, Error, HandshakeError, ServerConfig};
use pki_support::{KeyType, Usage, ca, other_ca};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream};
use tokio::net::{TcpListener, TcpStream};

/// The duplex buffer: far smaller than a record.
const PIPE: usize = 64;

/// Runs `future`, failing the test if it takes longer than `seconds`.
async fn bounded<F: Future>(seconds: u64, future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(seconds), future)
        .await
        .expect("timed out")
}

fn client_config_trusting(ca: &pki_support::Ca) -> ClientConfig {
    ClientConfig::builder()
        .with_root_certificates(ca.trust_store())
        .with_alpn(["echo"])
        .build()
        .unwrap()
}

fn connector() -> TlsConnector {
    TlsConnector::from(client_config_trusting(ca()))
}

fn acceptor() -> TlsAcceptor {
    let key = ca().leaf(
        KeyType::EcdsaP256,
        &["localhost", "127.0.0.1"],
        Usage::Server,
    );
    TlsAcceptor::new(
        ServerConfig::builder()
            .with_certificate(key)
            .with_alpn(["echo"])
            .build()
            .unwrap(),
    )
}

/// The keel error inside an `io::Error`.
fn keel_error(err: &std::io::Error) -> &Error {
    err.get_ref()
        .and_then(|inner| inner.downcast_ref::<Error>())
        .unwrap_or_else(|| panic!("no keel error inside {err:?}"))
}

/// A handshake over a fresh 64-byte duplex, both sides at once.
async fn duplex_pair() -> (TlsStream<DuplexStream>, TlsStream<DuplexStream>) {
    let (client_io, server_io) = tokio::io::duplex(PIPE);
    let connector = connector();
    let acceptor = acceptor();
    let (client, server) = tokio::join!(
        connector.connect("localhost", client_io),
        acceptor.accept(server_io),
    );
    (client.unwrap(), server.unwrap())
}

fn pattern(len: usize, seed: usize) -> Vec<u8> {
    (0..len).map(|i| ((i + seed) % 251) as u8).collect()
}

/// Writes `data` and flushes.
async fn send_all<W: AsyncWrite + Unpin>(mut writer: W, data: Vec<u8>) -> W {
    writer.write_all(&data).await.unwrap();
    writer.flush().await.unwrap();
    writer
}

/// Reads exactly `expected.len()` bytes, in odd-sized pieces, and checks
/// them.
async fn receive_exactly<R: AsyncRead + Unpin>(mut reader: R, expected: Vec<u8>) -> R {
    let mut received = Vec::with_capacity(expected.len());
    let mut buf = vec![0; 1000];
    while received.len() < expected.len() {
        let want = buf.len().min(expected.len() - received.len());
        let n = reader.read(&mut buf[..want]).await.unwrap();
        assert_ne!(n, 0, "end of stream after {} bytes", received.len());
        received.extend_from_slice(&buf[..n]);
    }
    assert!(received == expected, "data arrived damaged");
    reader
}

// --- Over a 64-byte duplex ----------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn duplex_handshake_bulk_both_ways_and_close_notify() {
    bounded(60, async {
        let (client, server) = duplex_pair().await;

        // The session is readable on both sides, and they agree.
        let client_session = client.session().unwrap().clone();
        let server_session = server.session().unwrap().clone();
        assert_eq!(client_session.version, ProtocolVersion::TLS_V1_3);
        assert_eq!(client_session.cipher_suite, server_session.cipher_suite);
        assert_eq!(client_session.group, server_session.group);
        assert_eq!(client_session.alpn.as_deref(), Some(&b"echo"[..]));
        assert_eq!(server_session.alpn.as_deref(), Some(&b"echo"[..]));
        assert_eq!(server_session.server_name.as_deref(), Some("localhost"));
        assert!(!client_session.peer_certificates.is_empty());
        assert!(server_session.peer_certificates.is_empty());

        // 1 MiB each way at once, each half driven by a task of its own.
        const LEN: usize = 1024 * 1024;
        let (client_read, client_write) = tokio::io::split(client);
        let (server_read, server_write) = tokio::io::split(server);
        let up = tokio::spawn(send_all(client_write, pattern(LEN, 0)));
        let down = tokio::spawn(send_all(server_write, pattern(LEN, 7)));
        let at_server = tokio::spawn(receive_exactly(server_read, pattern(LEN, 0)));
        let at_client = tokio::spawn(receive_exactly(client_read, pattern(LEN, 7)));
        let mut client = at_client.await.unwrap().unsplit(up.await.unwrap());
        let mut server = at_server.await.unwrap().unsplit(down.await.unwrap());

        // The client's shutdown sends close_notify: the server's read ends
        // cleanly.
        client.shutdown().await.unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(server.read(&mut buf).await.unwrap(), 0);
        assert!(server.connection().peer_closed());
        // Still the end, every time.
        assert_eq!(server.read(&mut buf).await.unwrap(), 0);
        // Nothing can be written after shutdown.
        let err = client.write_all(b"late").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe);
        assert_eq!(
            *keel_error(&err),
            Error::Tls {
                source: HandshakeError::Closed
            }
        );

        // The server answers with its close_notify: the client's end.
        server.shutdown().await.unwrap();
        assert_eq!(client.read(&mut buf).await.unwrap(), 0);
        assert!(client.connection().peer_closed());
    })
    .await;
}

#[tokio::test]
async fn duplex_small_writes_and_reads_interleaved_in_one_task() {
    bounded(30, async {
        let (mut client, mut server) = duplex_pair().await;
        // Ping-pong from one task; the pipe holds 64 bytes, so each
        // message moves only while its reader reads.
        for round in 0..50usize {
            let message = pattern(1 + round * 37, round);
            let mut echo = vec![0; message.len()];
            let (sent, received) = tokio::join!(
                async {
                    client.write_all(&message).await?;
                    client.flush().await
                },
                server.read_exact(&mut echo),
            );
            sent.unwrap();
            received.unwrap();
            let mut back = vec![0; message.len()];
            let (sent, received) = tokio::join!(
                async {
                    server.write_all(&echo).await?;
                    server.flush().await
                },
                client.read_exact(&mut back),
            );
            sent.unwrap();
            received.unwrap();
            assert!(back == message, "round {round} damaged");
        }
        let mut rest = Vec::new();
        let (closed, read) = tokio::join!(client.shutdown(), server.read_to_end(&mut rest));
        closed.unwrap();
        assert_eq!(read.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn duplex_truncation_without_close_notify() {
    bounded(30, async {
        let (mut client, mut server) = duplex_pair().await;
        server.write_all(b"partial").await.unwrap();
        server.flush().await.unwrap();
        // Gone without close_notify.
        drop(server);

        let mut buf = [0u8; 7];
        client.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"partial");
        let err = client.read(&mut [0; 16]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
        assert_eq!(
            *keel_error(&err),
            Error::Tls {
                source: HandshakeError::Truncated
            }
        );
        // Sticky.
        let err = client.read(&mut [0; 16]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
        assert!(client.connection().error().is_some());
    })
    .await;
}

#[tokio::test]
async fn duplex_untrusted_root_fails_both_handshakes() {
    bounded(30, async {
        let (client_io, server_io) = tokio::io::duplex(PIPE);
        let connector = TlsConnector::from(client_config_trusting(other_ca()));
        let acceptor = acceptor();
        let (client, server) = tokio::join!(
            connector.connect("localhost", client_io),
            acceptor.accept(server_io),
        );

        let err = client.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(
            *keel_error(&err),
            Error::Tls {
                source: HandshakeError::Certificate {
                    source: CertError::UnknownIssuer
                }
            }
        );
        // The client's alert reached the server.
        let err = server.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(
            *keel_error(&err),
            Error::Tls {
                source: HandshakeError::AlertReceived {
                    description: AlertDescription::UNKNOWN_CA
                }
            }
        );
        // The keel error can also be taken out by value.
        let inner = err.into_inner().unwrap().downcast::<Error>().unwrap();
        assert!(matches!(*inner, Error::Tls { .. }));
    })
    .await;
}

#[tokio::test]
async fn invalid_server_name_fails_the_connect_future() {
    let (client_io, _server_io) = tokio::io::duplex(PIPE);
    let err = connector()
        .connect("not a name!", client_io)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(matches!(keel_error(&err), Error::ServerName { .. }));
}

#[tokio::test]
async fn transport_ending_mid_handshake_is_truncation() {
    bounded(30, async {
        let (client_io, server_io) = tokio::io::duplex(PIPE);
        // A "server" that reads a little of the ClientHello and hangs up.
        let server = tokio::spawn(async move {
            let mut server_io = server_io;
            let mut buf = [0u8; 10];
            server_io.read_exact(&mut buf).await.unwrap();
        });
        let err = connector()
            .connect("localhost", client_io)
            .await
            .unwrap_err();
        server.await.unwrap();
        // Either the write of the ClientHello failed (the pipe is gone)
        // or the read saw the end: both are errors, never a hang.
        assert!(
            matches!(err.kind(), ErrorKind::UnexpectedEof | ErrorKind::BrokenPipe),
            "{err:?}"
        );
    })
    .await;
}

// --- Over loopback TCP ---------------------------------------------------------------

/// Echoes until the client's close_notify, then closes in turn.
async fn echo(acceptor: TlsAcceptor, socket: TcpStream) -> usize {
    let mut stream = acceptor.accept(socket).await.unwrap();
    assert_eq!(
        stream.session().unwrap().alpn.as_deref(),
        Some(&b"echo"[..])
    );
    let mut buf = vec![0; 16 * 1024];
    let mut echoed = 0;
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        stream.write_all(&buf[..n]).await.unwrap();
        echoed += n;
    }
    stream.shutdown().await.unwrap();
    echoed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tcp_twenty_concurrent_clients_echo() {
    const CLIENTS: usize = 20;
    const LEN: usize = 200 * 1024;
    bounded(30, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();

        // One acceptor task; a task per connection.
        let acceptor = acceptor();
        let server = tokio::spawn(async move {
            let mut connections = Vec::new();
            for _ in 0..CLIENTS {
                let (socket, _) = listener.accept().await.unwrap();
                connections.push(tokio::spawn(echo(acceptor.clone(), socket)));
            }
            let mut total = 0;
            for connection in connections {
                total += connection.await.unwrap();
            }
            total
        });

        let connector = connector();
        let clients: Vec<_> = (0..CLIENTS)
            .map(|index| {
                let connector = connector.clone();
                tokio::spawn(async move {
                    let socket = TcpStream::connect(address).await.unwrap();
                    let stream = connector.connect("127.0.0.1", socket).await.unwrap();
                    assert_eq!(
                        stream.session().unwrap().alpn.as_deref(),
                        Some(&b"echo"[..])
                    );
                    let message = pattern(LEN, index);
                    let (reader, writer) = tokio::io::split(stream);
                    let (reader, writer) = tokio::join!(
                        receive_exactly(reader, message.clone()),
                        send_all(writer, message),
                    );
                    let mut stream = reader.unsplit(writer);
                    stream.shutdown().await.unwrap();
                    assert_eq!(stream.read(&mut [0; 16]).await.unwrap(), 0);
                })
            })
            .collect();
        for client in clients {
            client.await.unwrap();
        }
        assert_eq!(server.await.unwrap(), CLIENTS * LEN);
    })
    .await;
}

/// A server whose Finished and close_notify reach the client in one read
/// (it answers and closes at once): the client's handshake succeeds, and
/// the stream then reads a clean end. The server is driven by hand so that
/// both records go out in one write.
#[tokio::test]
async fn finished_and_close_notify_in_one_read_complete_the_handshake() {
    bounded(10, async {
        let (client_io, mut server_io) = tokio::io::duplex(64 * 1024);
        let key = ca().leaf(KeyType::EcdsaP256, &["localhost"], Usage::Server);
        let config = ServerConfig::builder()
            .with_certificate(key)
            .build()
            .unwrap();
        let server = tokio::spawn(async move {
            let mut server = keel::ServerConnection::new(config);
            let mut buf = vec![0u8; 32 * 1024];
            while server.is_handshaking() {
                // Hold the server's last flight back until the close is
                // queued behind it.
                if server.wants_write() && server.session().is_none() {
                    let mut out = Vec::new();
                    server.write_tls(&mut out);
                    server_io.write_all(&out).await.unwrap();
                }
                let n = server_io.read(&mut buf).await.unwrap();
                assert!(n > 0, "client closed early");
                server.read_tls(&buf[..n]).unwrap();
            }
            server.close();
            let mut out = Vec::new();
            server.write_tls(&mut out);
            server_io.write_all(&out).await.unwrap();
            server_io
        });
        let mut client = connector().connect("localhost", client_io).await.unwrap();
        assert!(client.session().is_some());
        let mut rest = Vec::new();
        assert_eq!(
            client.read_to_end(&mut rest).await.unwrap(),
            0,
            "a clean end after the handshake"
        );
        drop(server.await.unwrap());
    })
    .await;
}

/// A server that answers the ClientHello with close_notify and closes its
/// write side: the handshake fails with the core's error, not a private
/// one of the adapter's, and does not wait.
#[tokio::test]
async fn an_early_close_notify_fails_the_handshake() {
    bounded(10, async {
        let (client_io, mut server_io) = tokio::io::duplex(PIPE);
        let server = tokio::spawn(async move {
            let mut hello = [0u8; 16];
            server_io.read_exact(&mut hello).await.unwrap();
            server_io
                .write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00])
                .await
                .unwrap();
            server_io.shutdown().await.unwrap();
            // Keep reading (the rest of the ClientHello, the answering
            // close_notify) until the client is gone.
            let mut rest = Vec::new();
            let _ = server_io.read_to_end(&mut rest).await;
        });
        let config = ClientConfig::builder()
            .with_root_certificates(ca().trust_store())
            .build()
            .unwrap();
        let err = TlsConnector::from(config)
            .connect("localhost", client_io)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
        assert_eq!(
            err.get_ref().and_then(|e| e.downcast_ref::<Error>()),
            Some(&Error::Tls {
                source: HandshakeError::ClosedDuringHandshake
            })
        );
        server.await.unwrap();
    })
    .await;
}
