//! curl (built on OpenSSL) fetching a page from a keel server over TLS
//! 1.3: `--tlsv1.3 --tls-max 1.3` with a forced suite and group, which
//! both sides must report; and curl held to TLS 1.2 against a keel server
//! that speaks TLS 1.3 only, which keel refuses with protocol_version.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::process::Command;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use keel::registry::{AlertDescription, CipherSuite, NamedGroup, ProtocolVersion};
use keel::{ServerConfig, ServerConnection, SessionInfo, Versions};

use crate::harness::{
    HOST, IO_TIMEOUT, Peer, PeerOutput, TempDir, deadline, handshake_error, pki, server_config,
};

/// The page the keel server answers every request with.
const PAGE: &str = "hello from keel over TLS 1.3\n";

/// What the keel HTTP server saw: its session and the request's head.
#[derive(Debug)]
struct Served {
    session: SessionInfo,
    request: String,
}

/// A keel HTTPS server for one request: it runs the handshake, reads the
/// request's head, answers [`PAGE`] and closes with close_notify.
fn http_server(
    config: ServerConfig,
    deadline: Instant,
) -> (SocketAddr, mpsc::Receiver<io::Result<Served>>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(serve_one_request(&listener, config, deadline));
    });
    (addr, rx)
}

fn serve_one_request(
    listener: &TcpListener,
    config: ServerConfig,
    deadline: Instant,
) -> io::Result<Served> {
    let tcp = loop {
        match listener.accept() {
            Ok((tcp, _)) => break tcp,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e),
        }
    };
    tcp.set_nonblocking(false)?;
    tcp.set_read_timeout(Some(IO_TIMEOUT))?;
    tcp.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut stream = keel::Stream::new(ServerConnection::new(config), tcp);
    stream.handshake()?;
    let session = stream.connection().session().cloned().unwrap();
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        request.extend_from_slice(&buf[..n]);
    }
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{PAGE}",
        PAGE.len()
    );
    stream.write_all(response.as_bytes())?;
    stream.close()?;
    Ok(Served {
        session,
        request: String::from_utf8_lossy(&request).into_owned(),
    })
}

/// Runs curl against the keel server at `addr` with `extra` arguments,
/// trusting the test roots; returns what it printed (`-v`: the TLS details
/// on stderr) and how it ended.
fn curl(dir: &TempDir, addr: SocketAddr, extra: &[&str], deadline: Instant) -> PeerOutput {
    let roots = dir.write("roots.pem", &pki().server_roots_pem);
    let mut command = Command::new("curl");
    command
        .current_dir(dir.path())
        .args(["-q", "-sS", "-v", "--max-time", "5", "--noproxy", "*"])
        .arg("--resolve")
        .arg(format!("{HOST}:{}:127.0.0.1", addr.port()))
        .arg("--cacert")
        .arg(&roots)
        .args(["--write-out", "\nstatus=%{http_code}\n"])
        .args(extra)
        .arg(format!("https://{HOST}:{}/", addr.port()));
    Peer::spawn("curl", command).finish(deadline)
}

#[test]
fn curl_gets_a_page_from_keel_over_tls13() {
    let deadline = deadline();
    let dir = TempDir::new("t13-curl");
    let config = server_config()
        .with_versions(Versions::Tls13AndTls12)
        .with_alpn(["http/1.1"])
        .build()
        .unwrap();
    let (addr, served) = http_server(config, deadline);
    let out = curl(
        &dir,
        addr,
        &[
            "--tlsv1.3",
            "--tls-max",
            "1.3",
            "--tls13-ciphers",
            "TLS_CHACHA20_POLY1305_SHA256",
            "--curves",
            "P-384",
        ],
        deadline,
    );
    let served = served
        .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        .unwrap()
        .unwrap_or_else(|e| panic!("keel server failed: {e}\n{out}"));
    let session = &served.session;
    assert_eq!(session.version, ProtocolVersion::TLS_V1_3, "{session:?}");
    assert_eq!(
        session.cipher_suite,
        CipherSuite::TLS_CHACHA20_POLY1305_SHA256
    );
    assert_eq!(session.group, NamedGroup::SECP384R1);
    assert_eq!(session.alpn.as_deref(), Some(&b"http/1.1"[..]));
    assert_eq!(session.server_name.as_deref(), Some(HOST));
    assert!(
        served.request.starts_with("GET / HTTP/1.1\r\n"),
        "{served:?}"
    );

    out.assert_success();
    out.assert_printed("SSL connection using TLSv1.3 / TLS_CHACHA20_POLY1305_SHA256");
    out.assert_printed("ALPN: server accepted http/1.1");
    out.assert_printed("SSL certificate verify ok.");
    assert_eq!(out.stdout, format!("{PAGE}\nstatus=200\n"), "{out}");
}

/// A keel server that speaks TLS 1.3 only refuses a client that stops at
/// TLS 1.2 (RFC 8446 §4.2.1: protocol_version), and curl reports that
/// alert.
#[test]
fn curl_held_to_tls12_is_refused_by_a_tls13_only_keel_server() {
    let deadline = deadline();
    let dir = TempDir::new("t13-curl-refused");
    let config = server_config()
        .with_versions(Versions::Tls13Only)
        .build()
        .unwrap();
    let (addr, served) = http_server(config, deadline);
    let out = curl(&dir, addr, &["--tlsv1.2", "--tls-max", "1.2"], deadline);
    let err = served
        .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        .unwrap()
        .err()
        .unwrap_or_else(|| panic!("keel served a TLS 1.2 client\n{out}"));
    assert_eq!(
        handshake_error(&err).alert(),
        Some(AlertDescription::PROTOCOL_VERSION),
        "{err:?}"
    );
    // curl's exit code 35: the TLS handshake failed.
    assert_eq!(out.status.and_then(|s| s.code()), Some(35), "{out}");
    out.assert_printed("alert protocol version");
}
