//! TLS 1.3 with Go's crypto/tls, an implementation that shares no code
//! with OpenSSL or GnuTLS and, on its defaults, offers the hybrid
//! post-quantum group X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem) first:
//! Go client → keel server and keel client → Go server, each side
//! reporting TLS 1.3 and X25519MLKEM768 (Go's `ConnectionState().CurveID`);
//! session tickets both ways; and a KeyUpdate from keel that asks Go to
//! update too. Go runs with `-min-version 1.3`, so it refuses anything
//! less. The peer is `go/peer/main.go`, see [`crate::go_peer`].

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keel::registry::{CipherSuite, NamedGroup, ProtocolVersion};
use keel::sessions::{ClientSessionStore, TicketKeys};
use keel::{ClientConnection, SessionInfo, Versions};

use crate::go_peer::{GO_ECHO_PREFIX, Report, go_client, go_peer, go_server};
use crate::harness::{
    ALPN, ECHO_PREFIX, HOST, IO_TIMEOUT, KeelServer, KeyType, TempDir, client_config, deadline,
    keel_close, keel_connect, pki, read_line, server_config,
};

/// Go's name for the hybrid group.
const GO_HYBRID: &str = "X25519MLKEM768";

/// The suite both sides are held to: keel offers or accepts this one only.
const SUITE: CipherSuite = CipherSuite::TLS_AES_256_GCM_SHA384;
const GO_SUITE: &str = "TLS_AES_256_GCM_SHA384";

fn assert_keel_session(session: &SessionInfo, resumed: bool) {
    assert_eq!(session.version, ProtocolVersion::TLS_V1_3, "{session:?}");
    assert_eq!(session.cipher_suite, SUITE, "{session:?}");
    assert_eq!(session.group, NamedGroup::X25519MLKEM768, "{session:?}");
    assert_eq!(session.alpn.as_deref(), Some(ALPN.as_bytes()));
    assert_eq!(session.resumed, resumed, "{session:?}");
}

fn tls13_server_config() -> keel::ServerConfigBuilder {
    server_config()
        .with_versions(Versions::Tls13AndTls12)
        .with_cipher_suites(&[SUITE])
}

fn tls13_client_config() -> keel::ClientConfigBuilder {
    client_config()
        .with_versions(Versions::Tls13Only)
        .with_cipher_suites(&[SUITE])
}

// --- Go client → keel server --------------------------------------------------

/// One Go client making `connections` connections (sharing its ticket
/// cache) to a keel server with `config`; checks keel's account of each
/// and returns Go's reports.
fn go_client_to_keel(test: &str, config: keel::ServerConfig, resumed: &[bool]) -> Vec<Report> {
    go_peer();
    let deadline = deadline();
    let dir = TempDir::new(test);
    let server = KeelServer::serving(config, resumed.len(), deadline);
    let mut client = go_client(
        &dir,
        server.addr,
        &pki().server_roots_pem,
        resumed.len(),
        "hello from Go over TLS 1.3",
        &["-min-version", "1.3"],
    );
    for (index, &resumed) in resumed.iter().enumerate() {
        let outcome = server.outcome(deadline).unwrap_or_else(|e| {
            panic!(
                "keel server, connection {}: {e}\n{}",
                index + 1,
                client.finish(deadline)
            )
        });
        assert_keel_session(&outcome.session, resumed);
        assert_eq!(outcome.session.server_name.as_deref(), Some(HOST));
        assert_eq!(outcome.received, b"hello from Go over TLS 1.3\n");
    }
    let out = client.finish(deadline);
    out.assert_success();
    let reports = Report::connections(&out);
    assert_eq!(reports.len(), resumed.len(), "{out}");
    for (report, &resumed) in reports.iter().zip(resumed) {
        report.assert_negotiated_as("TLS 1.3", GO_SUITE, GO_HYBRID, resumed);
        assert_eq!(
            report.get("reply"),
            format!("{ECHO_PREFIX}hello from Go over TLS 1.3")
        );
    }
    reports
}

#[test]
fn go_client_to_keel_server_over_x25519mlkem768() {
    go_client_to_keel("g13-go-s", tls13_server_config().build().unwrap(), &[false]);
}

/// keel's ticket (sealed under its ticket keys) resumes Go's second
/// connection; the resumed handshake runs X25519MLKEM768 again
/// (psk_dhe_ke).
#[test]
fn go_client_resumes_a_tls13_ticket_with_keel_server() {
    let keys = TicketKeys::new(
        &[0x6b; 32],
        Duration::from_secs(3600),
        Duration::from_secs(3600),
    )
    .unwrap();
    let config = tls13_server_config()
        .with_session_tickets(Arc::new(keys))
        .build()
        .unwrap();
    go_client_to_keel("g13-go-s-ticket", config, &[false, true]);
}

// --- keel client → Go server --------------------------------------------------

#[test]
fn keel_client_to_go_server_over_x25519mlkem768() {
    go_peer();
    let deadline = deadline();
    let dir = TempDir::new("g13-go-c");
    let identity = pki().server(KeyType::Ecdsa);
    let mut server = go_server(&dir, identity, 1, &["-min-version", "1.3"], deadline);
    let config = tls13_client_config().build().unwrap();
    let mut stream = keel_connect(config, server.addr, HOST)
        .unwrap_or_else(|e| panic!("handshake failed: {e}\n{}", server.peer.kill()));
    assert_keel_session(stream.connection().session().unwrap(), false);
    assert_eq!(
        stream
            .connection()
            .session()
            .unwrap()
            .peer_certificates
            .first(),
        Some(&identity.cert_der)
    );
    stream.write_all(b"hello from keel\n").unwrap();
    let reply = read_line(&mut stream).unwrap();
    assert_eq!(
        reply,
        format!("{GO_ECHO_PREFIX}hello from keel\n").as_bytes()
    );
    keel_close(stream);

    let out = server.peer.finish(deadline);
    out.assert_success();
    let reports = Report::connections(&out);
    assert_eq!(reports.len(), 1, "{out}");
    reports[0].assert_negotiated_as("TLS 1.3", GO_SUITE, GO_HYBRID, false);
    assert_eq!(reports[0].get("received"), "hello from keel");
}

/// Go's server issues a ticket after the handshake; the keel client keeps
/// it and resumes with it on its second connection.
#[test]
fn keel_client_resumes_with_a_go_server_ticket() {
    go_peer();
    let deadline = deadline();
    let dir = TempDir::new("g13-go-c-ticket");
    let mut server = go_server(
        &dir,
        pki().server(KeyType::Ecdsa),
        2,
        &["-min-version", "1.3"],
        deadline,
    );
    let store = Arc::new(ClientSessionStore::new(8, Duration::from_secs(3600)));
    let config = tls13_client_config()
        .with_session_resumption(store)
        .build()
        .unwrap();
    for resumed in [false, true] {
        let mut stream = keel_connect(config.clone(), server.addr, HOST)
            .unwrap_or_else(|e| panic!("handshake failed: {e}\n{}", server.peer.kill()));
        assert_keel_session(stream.connection().session().unwrap(), resumed);
        // Go's ticket comes after the handshake: reading the answer reads
        // it too.
        stream.write_all(b"ticket\n").unwrap();
        let reply = read_line(&mut stream).unwrap();
        assert_eq!(reply, format!("{GO_ECHO_PREFIX}ticket\n").as_bytes());
        keel_close(stream);
    }
    let out = server.peer.finish(deadline);
    out.assert_success();
    let reports = Report::connections(&out);
    assert_eq!(reports.len(), 2, "{out}");
    reports[0].assert_negotiated_as("TLS 1.3", GO_SUITE, GO_HYBRID, false);
    reports[1].assert_negotiated_as("TLS 1.3", GO_SUITE, GO_HYBRID, true);
}

/// keel sends a KeyUpdate asking Go to update too (RFC 8446 §4.6.3); Go
/// reads the line after it under keel's new keys, answers with a
/// KeyUpdate of its own and echoes under its new keys, which keel reads.
/// Go reports no KeyUpdate, so the test counts them on the wire: a
/// protected KeyUpdate is the only record of 22 bytes (a 5-byte message,
/// its content type and a 16-byte tag).
#[test]
fn go_server_answers_a_keel_key_update() {
    go_peer();
    let deadline = deadline();
    let dir = TempDir::new("g13-go-c-key-update");
    let mut server = go_server(
        &dir,
        pki().server(KeyType::Ecdsa),
        1,
        &["-min-version", "1.3"],
        deadline,
    );
    let tap = Tap::connect(server.addr);
    let (sent, received) = (Arc::clone(&tap.sent), Arc::clone(&tap.received));
    let connection = ClientConnection::new(tls13_client_config().build().unwrap(), HOST).unwrap();
    let mut stream = keel::Stream::new(connection, tap);
    stream
        .handshake()
        .unwrap_or_else(|e| panic!("handshake failed: {e}\n{}", server.peer.kill()));
    stream.update_keys(true).unwrap();
    stream.write_all(b"after keel's key update\n").unwrap();
    let reply =
        read_line(&mut stream).unwrap_or_else(|e| panic!("{e}\n{}", server.peer.snapshot()));
    assert_eq!(
        reply,
        format!("{GO_ECHO_PREFIX}after keel's key update\n").as_bytes()
    );
    stream.close().unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).unwrap();
    let out = server.peer.finish(deadline);
    out.assert_success();
    let reports = Report::connections(&out);
    assert_eq!(reports.len(), 1, "{out}");
    reports[0].assert_negotiated_as("TLS 1.3", GO_SUITE, GO_HYBRID, false);
    assert_eq!(reports[0].get("received"), "after keel's key update");
    assert_eq!(key_update_records(&sent.lock().unwrap()), 1, "keel's");
    assert_eq!(
        key_update_records(&received.lock().unwrap()),
        1,
        "Go's answer"
    );
}

/// A TCP connection that keeps a copy of every byte written and read.
struct Tap {
    tcp: TcpStream,
    sent: Arc<Mutex<Vec<u8>>>,
    received: Arc<Mutex<Vec<u8>>>,
}

impl Tap {
    fn connect(addr: std::net::SocketAddr) -> Self {
        let tcp = TcpStream::connect_timeout(&addr, IO_TIMEOUT).unwrap();
        tcp.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        tcp.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
        Self {
            tcp,
            sent: Arc::default(),
            received: Arc::default(),
        }
    }
}

impl Read for Tap {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.tcp.read(buf)?;
        self.received.lock().unwrap().extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

impl Write for Tap {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = self.tcp.write(data)?;
        self.sent.lock().unwrap().extend_from_slice(&data[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

/// How many protected records of a KeyUpdate's size a byte stream of TLS
/// records holds: application_data records (TLS 1.3's outer type for
/// everything protected) of 22 bytes.
fn key_update_records(mut bytes: &[u8]) -> usize {
    let mut count = 0;
    while let [kind, _, _, high, low, rest @ ..] = bytes {
        let len = usize::from(u16::from_be_bytes([*high, *low]));
        if *kind == 23 && len == 22 {
            count += 1;
        }
        bytes = &rest[len.min(rest.len())..];
    }
    count
}
