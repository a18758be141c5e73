//! A close_notify before the handshake completes ends the handshake with an
//! error, in the core and so in every adapter: there is no session, and it
//! is not the clean end of a stream. (RFC 5246 §7.2.1: the answer is a
//! close_notify of our own.) Every test is bounded in time: the blocking
//! `Stream` used to spin on such a peer.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod pki_support;

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use keel::{
    ClientConfig, ClientConnection, Error, HandshakeError, ServerConfig, ServerConnection, Stream,
};
use pki_support::{KeyType, Usage, ca};

/// close_notify as a plaintext warning alert record.
const CLOSE_NOTIFY: [u8; 7] = [0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00];

fn closed_during_handshake() -> Error {
    Error::Tls {
        source: HandshakeError::ClosedDuringHandshake,
    }
}

fn client_config() -> ClientConfig {
    ClientConfig::builder()
        .with_root_certificates(ca().trust_store())
        .build()
        .unwrap()
}

#[test]
fn a_client_answers_an_early_close_notify_and_fails() {
    let mut client = ClientConnection::new(client_config(), "localhost").unwrap();
    let mut hello = Vec::new();
    client.write_tls(&mut hello);
    assert_eq!(
        client.read_tls(&CLOSE_NOTIFY),
        Err(closed_during_handshake())
    );
    assert!(!client.is_handshaking());
    assert!(client.session().is_none());
    // Sticky, and never the clean end of the stream.
    assert_eq!(client.read(&mut [0; 8]), Err(closed_during_handshake()));
    assert_eq!(client.write(b"data"), Err(closed_during_handshake()));
    // The answer is a close_notify of its own, and no fatal alert.
    let mut answer = Vec::new();
    client.write_tls(&mut answer);
    assert_eq!(answer, CLOSE_NOTIFY);
}

#[test]
fn a_server_answers_an_early_close_notify_and_fails() {
    let server_config = ServerConfig::builder()
        .with_certificate(ca().leaf(KeyType::EcdsaP256, &["localhost"], Usage::Server))
        .build()
        .unwrap();
    let mut server = ServerConnection::new(server_config);
    assert_eq!(
        server.read_tls(&CLOSE_NOTIFY),
        Err(closed_during_handshake())
    );
    assert!(!server.is_handshaking());
}

/// A server that reads the ClientHello, answers with close_notify, shuts
/// down its write side and keeps the socket open until the test is done.
fn closing_server() -> (
    std::net::SocketAddr,
    mpsc::Sender<()>,
    thread::JoinHandle<()>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let (done, wait) = mpsc::channel::<()>();
    let server = thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut hello = [0u8; 1024];
        let _ = socket.read(&mut hello).unwrap();
        socket.write_all(&CLOSE_NOTIFY).unwrap();
        socket.shutdown(Shutdown::Write).unwrap();
        let _ = wait.recv_timeout(Duration::from_secs(30));
    });
    (address, done, server)
}

/// Runs `f` on a thread and fails if it has not returned in 10 seconds.
fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || sender.send(f()).unwrap());
    receiver
        .recv_timeout(Duration::from_secs(10))
        .expect("the stream did not return: it waits or spins on a closed peer")
}

fn tls_error(err: &std::io::Error) -> Option<&Error> {
    err.get_ref().and_then(|e| e.downcast_ref::<Error>())
}

#[test]
fn a_blocking_stream_handshake_fails_on_an_early_close_notify() {
    let (address, done, server) = closing_server();
    let err = bounded(move || {
        let socket = TcpStream::connect(address).unwrap();
        let client = ClientConnection::new(client_config(), "localhost").unwrap();
        Stream::new(client, socket).handshake().unwrap_err()
    });
    // As the tokio adapter says it.
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
    assert_eq!(tls_error(&err), Some(&closed_during_handshake()));
    done.send(()).unwrap();
    server.join().unwrap();
}

#[test]
fn a_blocking_stream_read_is_not_a_clean_end_after_an_early_close_notify() {
    let (address, done, server) = closing_server();
    let err = bounded(move || {
        let socket = TcpStream::connect(address).unwrap();
        let client = ClientConnection::new(client_config(), "localhost").unwrap();
        let mut stream = Stream::new(client, socket);
        stream.flush().unwrap();
        stream.read(&mut [0; 64]).unwrap_err()
    });
    assert_eq!(tls_error(&err), Some(&closed_during_handshake()));
    done.send(()).unwrap();
    server.join().unwrap();
}
