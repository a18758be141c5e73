//! `keel proxy`, started as the real binary, between real clients
//! (`openssl s_client`, keel's own tokio client) and an upstream served by
//! this test: echo, one line then close, or a burst then close. Also its
//! startup refusals, `--help`, and a load check: 200 clients at once, each
//! sending and getting back 256 KiB, within a memory bound. The PROXY
//! protocol header (`--proxy-protocol`) is in `proxy/proxy_protocol.rs`,
//! read by HAProxy; the metrics endpoint in `proxy/metrics.rs`; several
//! certificates, routing by SNI and reloading on SIGHUP in
//! `proxy/sni.rs`; 10,000 connections that never send a byte, and a real
//! client served behind them, in `proxy/silent.rs`; holding 10,000
//! connections at once and a burst of 2,000 handshakes in `proxy/load.rs`.
//!
//! Hermetic: everything on 127.0.0.1 with ports the kernel picks;
//! certificates made per test (rcgen) in a temporary directory removed on
//! drop; every child killed when its guard drops, also when a test fails;
//! a deadline on every wait.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use keel::ClientConfig;
use keel::pki::{CertifiedKey, TrustStore};
use keel::tokio::{TlsConnector, TlsStream};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[path = "process.rs"]
mod process;
#[path = "silent_clients.rs"]
mod silent_clients;

/// How long any one wait may take.
const DEADLINE: Duration = Duration::from_secs(15);

// ---------------------------------------------------------------------
// Guards: a temporary directory, certificates
// ---------------------------------------------------------------------

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "keel-proxy-test-{name}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn file(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A CA, a server certificate for localhost and 127.0.0.1, a client
/// certificate and a stray key, as PEM files in a temporary directory.
struct Pki {
    dir: TempDir,
}

impl Pki {
    fn new(name: &str) -> Self {
        let dir = TempDir::new(name);
        let mut ca = CertificateParams::default();
        ca.distinguished_name
            .push(DnType::CommonName, "keel proxy test CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::from_params(&ca, &ca_key);

        let mut server = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        server
            .subject_alt_names
            .push(SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()));
        server
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_key = KeyPair::generate().unwrap();
        let server_cert = server.signed_by(&server_key, &issuer).unwrap();

        let mut client = CertificateParams::new(Vec::<String>::new()).unwrap();
        client
            .distinguished_name
            .push(DnType::CommonName, "keel proxy test client");
        client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let client_key = KeyPair::generate().unwrap();
        let client_cert = client.signed_by(&client_key, &issuer).unwrap();

        let stray_key = KeyPair::generate().unwrap();
        for (name, pem) in [
            ("ca.pem", ca_cert.pem()),
            ("server.pem", server_cert.pem()),
            ("server.key", server_key.serialize_pem()),
            ("client.pem", client_cert.pem()),
            ("client.key", client_key.serialize_pem()),
            ("stray.key", stray_key.serialize_pem()),
        ] {
            std::fs::write(dir.0.join(name), pem).unwrap();
        }
        Self { dir }
    }

    fn file(&self, name: &str) -> String {
        self.dir.file(name)
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.dir.0.join(name)).unwrap()
    }

    /// A keel client trusting the CA, presenting the client certificate
    /// if `with_certificate`.
    fn connector(&self, with_certificate: bool) -> TlsConnector {
        let mut builder = ClientConfig::builder()
            .with_root_certificates(TrustStore::from_pem(&self.read("ca.pem")).unwrap());
        if with_certificate {
            builder = builder.with_client_certificate(
                CertifiedKey::from_pem(&self.read("client.pem"), &self.read("client.key")).unwrap(),
            );
        }
        TlsConnector::from(builder.build().unwrap())
    }
}

// ---------------------------------------------------------------------
// The upstream
// ---------------------------------------------------------------------

/// What the upstream does with each connection.
#[derive(Debug, Clone, Copy)]
enum Behaviour {
    /// Echo everything until the client ends, then end.
    Echo,
    /// Read one line, send it back, close.
    OneLine,
    /// Send this many bytes of a pattern at once, then close.
    Burst(usize),
    /// Send this tag and a newline first, then as `OneLine`: the tag says
    /// which upstream a connection reached.
    Tagged(&'static str),
}

/// A plain-TCP upstream on 127.0.0.1, a thread per connection; stops
/// accepting when dropped.
struct Upstream {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Upstream {
    fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        thread::spawn(move || {
            for conn in listener.incoming() {
                if stopped.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                thread::spawn(move || serve_upstream(conn, behaviour));
            }
        });
        Self { addr, stop }
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so that it sees the flag.
        let _ = std::net::TcpStream::connect(self.addr);
    }
}

fn serve_upstream(mut conn: std::net::TcpStream, behaviour: Behaviour) {
    conn.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    match behaviour {
        Behaviour::Tagged(tag) => {
            if conn.write_all(format!("{tag}\n").as_bytes()).is_ok() {
                serve_upstream(conn, Behaviour::OneLine);
            }
        }
        Behaviour::Echo => {
            let mut buf = [0u8; 16 * 1024];
            while let Ok(n) = conn.read(&mut buf) {
                if n == 0 || conn.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            let _ = conn.shutdown(Shutdown::Write);
        }
        Behaviour::OneLine => {
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_ok() {
                let _ = conn.write_all(line.as_bytes());
            }
            let _ = conn.shutdown(Shutdown::Both);
        }
        Behaviour::Burst(len) => {
            let _ = conn.write_all(&pattern(len, 7));
            let _ = conn.shutdown(Shutdown::Write);
            // Stay until the proxy has gone, so that nothing is reset.
            let mut sink = [0u8; 4096];
            while matches!(conn.read(&mut sink), Ok(n) if n > 0) {}
        }
    }
}

/// Bytes in a pattern that differs per `seed` and shows a lost, repeated
/// or reordered byte.
fn pattern(len: usize, seed: usize) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 31 + seed * 101 + i / 251) % 253) as u8)
        .collect()
}

/// A port on 127.0.0.1 with nothing listening (bound, then released).
fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

// ---------------------------------------------------------------------
// The proxy
// ---------------------------------------------------------------------

/// A running `keel proxy`, killed on drop; its stderr (the log) is kept.
struct Proxy {
    child: Child,
    addr: SocketAddr,
    /// The `--metrics` address, when it was given.
    metrics: Option<SocketAddr>,
    stderr: mpsc::Receiver<String>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proxy {
    fn start(pki: &Pki, upstream: SocketAddr, extra: &[&str]) -> Self {
        Self::start_as(
            Command::new(env!("CARGO_BIN_EXE_keel")),
            pki,
            upstream,
            extra,
        )
    }

    /// Starts the proxy with `keel`, a command that runs the keel binary
    /// (through a wrapper such as `prlimit` that execs it, so that the
    /// child's id is still the proxy's).
    fn start_as(keel: Command, pki: &Pki, upstream: SocketAddr, extra: &[&str]) -> Self {
        let upstream = upstream.to_string();
        let (cert, key) = (pki.file("server.pem"), pki.file("server.key"));
        let mut args = vec!["--upstream", &upstream, "--cert", &cert, "--key", &key];
        args.extend(extra);
        Self::spawn(keel, &args)
    }

    /// `keel proxy --listen 127.0.0.1:0` with these arguments, once it
    /// says it is listening.
    fn start_with(args: &[&str]) -> Self {
        Self::spawn(Command::new(env!("CARGO_BIN_EXE_keel")), args)
    }

    fn spawn(mut keel: Command, args: &[&str]) -> Self {
        let mut child = keel
            .args(["proxy", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (line_tx, line_rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = line_tx.send(line);
            }
        });
        let stderr = child.stderr.take().unwrap();
        let (err_tx, err_rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = err_tx.send(line);
            }
        });
        let mut proxy = Self {
            child,
            addr: "127.0.0.1:0".parse().unwrap(),
            metrics: None,
            stderr: err_rx,
        };
        proxy.addr = loop {
            let line = line_rx
                .recv_timeout(DEADLINE)
                .expect("keel proxy did not start listening");
            if let Some(addr) = line.strip_prefix("keel proxy: metrics on ") {
                proxy.metrics = Some(addr.parse().unwrap());
            }
            if let Some(addr) = line.strip_prefix("keel proxy: listening on ") {
                break addr.parse().unwrap();
            }
        };
        proxy
    }

    /// Waits for `count` per-connection log lines (those with an
    /// outcome) and returns them with every other line seen meanwhile.
    fn connection_lines(&self, count: usize) -> Vec<String> {
        let deadline = Instant::now() + DEADLINE;
        let mut lines = Vec::new();
        let mut found = 0;
        while found < count {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) => {
                    if line.contains("outcome") {
                        found += 1;
                    }
                    lines.push(line);
                }
                Err(_) => panic!(
                    "only {found} of {count} connection lines came:\n{}",
                    lines.join("\n")
                ),
            }
        }
        lines
    }

    /// Sends SIGTERM, as a service manager stopping the proxy does.
    fn terminate(&self) {
        process::terminate(&self.child);
    }

    /// Waits for the proxy to exit, for `bound` at most; returns its exit
    /// status and the log lines not read yet.
    fn exit(&mut self, bound: Duration) -> (std::process::ExitStatus, String) {
        let status = process::exit_status(&mut self.child, bound);
        // The process is gone: its stderr ends, and the thread reading it
        // hangs up once it has passed on the last line.
        let mut log = Vec::new();
        while let Ok(line) = self.stderr.recv_timeout(DEADLINE) {
            log.push(line);
        }
        (status, log.join("\n"))
    }

    /// The one connection line, after waiting for it.
    fn one_line(&self) -> String {
        let lines = self.connection_lines(1);
        lines.into_iter().find(|l| l.contains("outcome")).unwrap()
    }
}

/// Whether a log line has `field` with `value`, quoted or not.
fn has(line: &str, field: &str, value: &str) -> bool {
    line.contains(&format!("{field}={value}")) || line.contains(&format!("{field}=\"{value}\""))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A keel client connected through the proxy, handshake done.
async fn connect(connector: &TlsConnector, proxy: SocketAddr) -> TlsStream<tokio::net::TcpStream> {
    let tcp = tokio::net::TcpStream::connect(proxy).await.unwrap();
    connector.connect("localhost", tcp).await.unwrap()
}

/// Reads until the end of the stream, which must be a close_notify (a
/// transport ending without it is an error).
async fn read_to_close_notify(tls: &mut TlsStream<tokio::net::TcpStream>) -> Vec<u8> {
    let mut rest = Vec::new();
    tokio::time::timeout(DEADLINE, tls.read_to_end(&mut rest))
        .await
        .expect("the proxy did not close")
        .expect("the stream ended without close_notify");
    assert!(tls.connection().peer_closed());
    rest
}

fn run_with_deadline(mut command: Command, stdin: &[u8]) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let (tx, rx) = mpsc::channel();
    let id = child.id();
    thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(DEADLINE) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
            panic!("client did not finish in time");
        }
    }
}

// ---------------------------------------------------------------------
// Behaviour
// ---------------------------------------------------------------------

#[test]
fn openssl_s_client_gets_its_line_back_then_close_notify() {
    let pki = Pki::new("s-client");
    let upstream = Upstream::start(Behaviour::OneLine);
    let proxy = Proxy::start(&pki, upstream.addr, &[]);
    let mut command = Command::new("openssl");
    command
        .args(["s_client", "-connect"])
        .arg(proxy.addr.to_string())
        // -ign_eof: after stdin ends, wait for the echo and the close.
        .args([
            "-ign_eof",
            "-servername",
            "localhost",
            "-verify_hostname",
            "localhost",
            "-verify_return_error",
            "-CAfile",
        ])
        .arg(pki.file("ca.pem"));
    let line = "through the proxy and back, byte for byte: \u{e9}\u{1f980}\n";
    let output = run_with_deadline(command, line.as_bytes());
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(out.contains(line), "{out}");
    assert!(out.contains("Verify return code: 0 (ok)"), "{out}");
    assert!(output.status.success(), "{out}");
    let log = proxy.one_line();
    assert!(has(&log, "outcome", "ok"), "{log}");
    assert!(has(&log, "end", "upstream closed"), "{log}");
    assert!(has(&log, "sni", "localhost"), "{log}");
    assert!(has(&log, "version", "TLSv1.3"), "{log}");
    assert!(has(&log, "suite", "TLS_AES_128_GCM_SHA256"), "{log}");
    assert!(has(&log, "upstream", &upstream.addr.to_string()), "{log}");
    let len = line.len().to_string();
    assert!(has(&log, "to_upstream", &len), "{log}");
    assert!(has(&log, "to_client", &len), "{log}");
}

#[test]
fn a_client_close_notify_is_answered_and_ends_the_connection() {
    let pki = Pki::new("close-notify");
    let upstream = Upstream::start(Behaviour::Echo);
    let proxy = Proxy::start(&pki, upstream.addr, &[]);
    let connector = pki.connector(false);
    runtime().block_on(async {
        let mut tls = connect(&connector, proxy.addr).await;
        tls.write_all(b"hello, upstream").await.unwrap();
        tls.flush().await.unwrap();
        let mut echo = [0u8; 15];
        tls.read_exact(&mut echo).await.unwrap();
        assert_eq!(&echo, b"hello, upstream");
        tls.shutdown().await.unwrap();
        assert!(read_to_close_notify(&mut tls).await.is_empty());
    });
    let log = proxy.one_line();
    assert!(has(&log, "outcome", "ok"), "{log}");
    assert!(has(&log, "end", "client close_notify"), "{log}");
    assert!(has(&log, "to_upstream", "15"), "{log}");
    assert!(has(&log, "to_client", "15"), "{log}");
}

/// RFC 8446 §6.1: a TLS 1.3 client that sends its request and closes its
/// direction at once (as gnutls-cli does at the end of its input) still
/// gets the upstream's whole answer, then close_notify.
#[test]
fn a_tls13_client_that_closes_first_still_gets_the_answer() {
    let pki = Pki::new("half-close");
    let upstream = Upstream::start(Behaviour::Echo);
    let proxy = Proxy::start(&pki, upstream.addr, &[]);
    let connector = pki.connector(false);
    runtime().block_on(async {
        let mut tls = connect(&connector, proxy.addr).await;
        assert_eq!(
            tls.connection().session().unwrap().version,
            keel::registry::ProtocolVersion::TLS_V1_3
        );
        tls.write_all(b"asked, then closed").await.unwrap();
        tls.shutdown().await.unwrap();
        assert_eq!(read_to_close_notify(&mut tls).await, b"asked, then closed");
    });
    let log = proxy.one_line();
    assert!(has(&log, "outcome", "ok"), "{log}");
    assert!(has(&log, "end", "client close_notify"), "{log}");
    assert!(has(&log, "to_client", "18"), "{log}");
}

#[test]
fn everything_the_upstream_sent_arrives_before_close_notify() {
    let pki = Pki::new("burst");
    let len = 3 * 1024 * 1024 + 17;
    let upstream = Upstream::start(Behaviour::Burst(len));
    let proxy = Proxy::start(&pki, upstream.addr, &[]);
    let connector = pki.connector(false);
    let got = runtime().block_on(async {
        let mut tls = connect(&connector, proxy.addr).await;
        read_to_close_notify(&mut tls).await
    });
    assert_eq!(got.len(), len);
    assert!(got == pattern(len, 7), "the bytes were altered");
    let log = proxy.one_line();
    assert!(has(&log, "outcome", "ok"), "{log}");
    assert!(has(&log, "to_client", &len.to_string()), "{log}");
}

#[test]
fn an_unreachable_upstream_gets_the_client_a_clean_close() {
    let pki = Pki::new("unreachable");
    let nowhere = closed_port();
    let proxy = Proxy::start(&pki, nowhere, &[]);
    let connector = pki.connector(false);
    runtime().block_on(async {
        let tcp = tokio::net::TcpStream::connect(proxy.addr).await.unwrap();
        match connector.connect("localhost", tcp).await {
            Ok(mut tls) => assert!(read_to_close_notify(&mut tls).await.is_empty()),
            // The proxy's close_notify follows its Finished at once (the
            // refusal is immediate on loopback). When both arrive in one
            // read, keel's tokio adapter reports the close_notify as
            // `Closed` during the handshake, rather than completing the
            // handshake and then reading the end of the stream. Either
            // way, the client saw close_notify and not a truncation.
            Err(e) => assert!(
                matches!(
                    e.get_ref().and_then(|e| e.downcast_ref::<keel::Error>()),
                    Some(keel::Error::Tls {
                        source: keel::HandshakeError::Closed
                    })
                ),
                "{e:?}"
            ),
        }
    });
    let log = proxy.one_line();
    assert!(has(&log, "outcome", "upstream unreachable"), "{log}");
    assert!(
        log.contains(&format!("cannot connect to {nowhere}")) && log.contains("refused"),
        "{log}"
    );
}

#[test]
fn an_idle_connection_is_closed() {
    let pki = Pki::new("idle");
    let upstream = Upstream::start(Behaviour::Echo);
    let proxy = Proxy::start(&pki, upstream.addr, &["--idle-timeout", "1"]);
    let connector = pki.connector(false);
    let quiet = runtime().block_on(async {
        let mut tls = connect(&connector, proxy.addr).await;
        // Traffic at half the timeout keeps the connection open...
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            tls.write_all(b"ping").await.unwrap();
            tls.flush().await.unwrap();
            let mut echo = [0u8; 4];
            tls.read_exact(&mut echo).await.unwrap();
        }
        // ... and silence ends it.
        let quiet = Instant::now();
        assert!(read_to_close_notify(&mut tls).await.is_empty());
        quiet.elapsed()
    });
    assert!(
        quiet >= Duration::from_millis(900) && quiet < Duration::from_secs(5),
        "{quiet:?}"
    );
    let log = proxy.one_line();
    assert!(has(&log, "outcome", "idle timeout"), "{log}");
    assert!(has(&log, "to_upstream", "12"), "{log}");
}

#[test]
fn a_client_that_never_completes_the_handshake_times_out() {
    let pki = Pki::new("handshake-timeout");
    let upstream = Upstream::start(Behaviour::Echo);
    let proxy = Proxy::start(&pki, upstream.addr, &["--handshake-timeout", "1"]);
    let mut silent = std::net::TcpStream::connect(proxy.addr).unwrap();
    silent.set_read_timeout(Some(DEADLINE)).unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let _ = silent.read_to_end(&mut rest);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    let log = proxy.one_line();
    assert!(has(&log, "outcome", "handshake timed out"), "{log}");
}

#[test]
fn max_connections_holds_the_next_client_until_one_ends() {
    let pki = Pki::new("max-connections");
    let upstream = Upstream::start(Behaviour::Echo);
    let proxy = Proxy::start(&pki, upstream.addr, &["--max-connections", "1"]);
    let connector = pki.connector(false);
    runtime().block_on(async {
        let mut first = connect(&connector, proxy.addr).await;
        // The second is accepted by the kernel, not by the proxy: its
        // handshake waits for the first connection to end.
        let tcp = tokio::net::TcpStream::connect(proxy.addr).await.unwrap();
        let second = tokio::spawn({
            let connector = connector.clone();
            async move { connector.connect("localhost", tcp).await }
        });
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(!second.is_finished(), "served beyond --max-connections");
        first.shutdown().await.unwrap();
        read_to_close_notify(&mut first).await;
        let mut second = tokio::time::timeout(DEADLINE, second)
            .await
            .expect("the second client was never served")
            .unwrap()
            .unwrap();
        second.write_all(b"my turn").await.unwrap();
        second.flush().await.unwrap();
        let mut echo = [0u8; 7];
        second.read_exact(&mut echo).await.unwrap();
        assert_eq!(&echo, b"my turn");
    });
}

#[test]
fn with_client_ca_only_a_client_with_a_certificate_gets_through() {
    let pki = Pki::new("client-ca");
    let upstream = Upstream::start(Behaviour::Echo);
    let proxy = Proxy::start(&pki, upstream.addr, &["--client-ca", &pki.file("ca.pem")]);
    runtime().block_on(async {
        let tcp = tokio::net::TcpStream::connect(proxy.addr).await.unwrap();
        let refused = pki.connector(false).connect("localhost", tcp).await;
        // TLS 1.2: the client learns of the refusal on its first read at
        // the latest.
        if let Ok(mut tls) = refused {
            let mut buf = [0u8; 1];
            assert!(tls.read(&mut buf).await.is_err());
        }
        let mut tls = connect(&pki.connector(true), proxy.addr).await;
        tls.write_all(b"mutual").await.unwrap();
        tls.flush().await.unwrap();
        let mut echo = [0u8; 6];
        tls.read_exact(&mut echo).await.unwrap();
        assert_eq!(&echo, b"mutual");
        tls.shutdown().await.unwrap();
        read_to_close_notify(&mut tls).await;
    });
    let log = proxy.connection_lines(2).join("\n");
    assert!(log.contains("handshake failed"), "{log}");
    assert!(
        log.contains("outcome=\"ok\"") || log.contains("outcome=ok"),
        "{log}"
    );
}

/// A client speaking plain HTTP to the proxy's TLS port: the connection
/// line says so, instead of an opaque record-type error.
#[test]
fn plain_http_to_the_proxy_is_named_in_the_log() {
    let pki = Pki::new("plain-http");
    let upstream = Upstream::start(Behaviour::Echo);
    let proxy = Proxy::start(&pki, upstream.addr, &[]);
    let mut plain = std::net::TcpStream::connect(proxy.addr).unwrap();
    plain
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    plain.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut rest = Vec::new();
    let _ = plain.read_to_end(&mut rest);
    let log = proxy.connection_lines(1).join("\n");
    assert!(log.contains("plain HTTP, not TLS"), "{log}");
}

/// `openssl s_client` at `version` sending one line through the proxy to
/// a one-line upstream, saving its session to `file` (`-sess_out`) or
/// offering the one saved there (`-sess_in`); returns what it printed.
fn line_with_session(proxy: &Proxy, pki: &Pki, version: &str, flag: &str, file: &str) -> String {
    let mut command = Command::new("openssl");
    command
        .args(["s_client", version, "-ign_eof", "-connect"])
        .arg(proxy.addr.to_string())
        .args(["-servername", "localhost", "-CAfile"])
        .arg(pki.file("ca.pem"))
        .args([flag, file]);
    let output = run_with_deadline(command, b"resume me\n");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// keel proxy issues tickets without being given a key, so clients that
/// resume only by ticket are resumed, in both versions; with --no-tickets
/// a client gets nothing to resume with (the proxy keeps no session
/// cache either).
#[test]
fn clients_resume_by_ticket_unless_tickets_are_off() {
    let pki = Pki::new("tickets");
    let upstream = Upstream::start(Behaviour::OneLine);
    for (extra, resumed) in [(&[][..], "Reused"), (&["--no-tickets"][..], "New")] {
        // A fresh proxy each time: a ticket of the first must not reach
        // the second.
        let proxy = Proxy::start(&pki, upstream.addr, extra);
        for (version, name) in [("-tls1_3", "TLSv1.3"), ("-tls1_2", "TLSv1.2")] {
            let file = pki.file(&format!("session{version}{}.pem", extra.len()));
            let first = line_with_session(&proxy, &pki, version, "-sess_out", &file);
            assert!(first.contains(&format!("New, {name}")), "{first}");
            assert!(first.contains("resume me"), "{first}");
            assert_eq!(
                first.contains("TLS session ticket lifetime hint: 3600"),
                resumed == "Reused",
                "{extra:?}: {first}"
            );
            if resumed == "New" {
                // Neither a ticket nor a session ID: s_client has nothing
                // to save, and nothing to resume with.
                assert!(!std::path::Path::new(&file).exists(), "{first}");
                continue;
            }
            let second = line_with_session(&proxy, &pki, version, "-sess_in", &file);
            assert!(
                second.contains(&format!("{resumed}, {name}")),
                "{extra:?}: {second}"
            );
            assert!(second.contains("resume me"), "{second}");
        }
    }
}

/// SIGTERM while a client is connected: the port closes at once, the
/// client's exchange goes on to its end, and the proxy exits 0.
#[test]
fn on_sigterm_an_open_client_finishes_and_new_ones_are_refused() {
    let pki = Pki::new("sigterm-finish");
    let upstream = Upstream::start(Behaviour::Echo);
    let mut proxy = Proxy::start(&pki, upstream.addr, &[]);
    let connector = pki.connector(false);
    runtime().block_on(async {
        let mut tls = connect(&connector, proxy.addr).await;
        tls.write_all(b"before").await.unwrap();
        let mut echo = [0u8; 6];
        tls.read_exact(&mut echo).await.unwrap();
        proxy.terminate();
        // The accept loop logs once it has closed the port.
        let deadline = Instant::now() + DEADLINE;
        while !proxy
            .stderr
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("no shutdown line")
            .contains("no longer accepting")
        {}
        let refused = std::net::TcpStream::connect(proxy.addr);
        assert!(refused.is_err(), "a new connection was accepted");
        tls.write_all(b"after").await.unwrap();
        let mut echo = [0u8; 5];
        tls.read_exact(&mut echo).await.unwrap();
        assert_eq!(&echo, b"after");
        tls.shutdown().await.unwrap();
        assert!(read_to_close_notify(&mut tls).await.is_empty());
    });
    let (status, log) = proxy.exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "{status:?}\n{log}");
    assert!(has(&log, "end", "client close_notify"), "{log}");
    assert!(log.contains("cut=0"), "{log}");
}

/// SIGTERM while a client sits idle: at --shutdown-timeout the client
/// gets close_notify, and the proxy exits 0 and says it cut one.
#[test]
fn on_sigterm_an_idle_client_gets_close_notify_at_the_deadline() {
    let pki = Pki::new("sigterm-idle");
    let upstream = Upstream::start(Behaviour::Echo);
    let mut proxy = Proxy::start(&pki, upstream.addr, &["--shutdown-timeout", "1"]);
    let connector = pki.connector(false);
    let waited = runtime().block_on(async {
        let mut tls = connect(&connector, proxy.addr).await;
        tls.write_all(b"ping").await.unwrap();
        let mut echo = [0u8; 4];
        tls.read_exact(&mut echo).await.unwrap();
        proxy.terminate();
        let signalled = Instant::now();
        assert!(read_to_close_notify(&mut tls).await.is_empty());
        signalled.elapsed()
    });
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    let (status, log) = proxy.exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "{status:?}\n{log}");
    assert!(has(&log, "outcome", "cut at shutdown"), "{log}");
    assert!(has(&log, "to_upstream", "4"), "{log}");
    assert!(log.contains("open=1") && log.contains("cut=1"), "{log}");
}

/// `--backlog 0` is a usage error naming the option.
#[test]
fn a_backlog_of_zero_is_refused() {
    let output = Command::new(env!("CARGO_BIN_EXE_keel"))
        .args([
            "proxy",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            "127.0.0.1:9",
        ])
        .args(["--cert", "c.pem", "--key", "k.pem", "--backlog", "0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("invalid value '0' for '--backlog <N>'"),
        "{err}"
    );
}

// ---------------------------------------------------------------------
// Startup
// ---------------------------------------------------------------------

fn proxy_fails(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_keel"))
        .arg("proxy")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let err = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    err
}

#[test]
fn startup_refusals_say_what_is_wrong() {
    let pki = Pki::new("refusals");
    let upstream = "127.0.0.1:9".to_owned();
    let (cert, key) = (pki.file("server.pem"), pki.file("server.key"));
    let base = |cert: &str, key: &str, listen: &str| -> Vec<String> {
        [
            "--listen",
            listen,
            "--upstream",
            &upstream,
            "--cert",
            cert,
            "--key",
            key,
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let refuse =
        |args: Vec<String>| proxy_fails(&args.iter().map(String::as_str).collect::<Vec<_>>());

    let missing = pki.file("missing.pem");
    let err = refuse(base(&missing, &key, "127.0.0.1:0"));
    assert!(
        err.starts_with(&format!("error: cannot read {missing}")),
        "{err}"
    );

    let err = refuse(base(&cert, &pki.file("stray.key"), "127.0.0.1:0"));
    assert!(
        err.starts_with("error: ") && err.contains("does not match"),
        "{err}"
    );

    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let err = refuse(base(&cert, &key, &addr));
    assert!(
        err.starts_with(&format!("error: cannot listen on {addr}")),
        "{err}"
    );

    let mut args = base(&cert, &key, "127.0.0.1:0");
    args.extend(["--client-ca".to_owned(), missing.clone()]);
    let err = refuse(args);
    assert!(
        err.starts_with(&format!("error: cannot read {missing}")),
        "{err}"
    );

    // A malformed --upstream is a usage error, named by clap.
    let output = Command::new(env!("CARGO_BIN_EXE_keel"))
        .args(["proxy", "--listen", "127.0.0.1:0", "--upstream", "no-port"])
        .args(["--cert", &cert, "--key", &key])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("is not HOST:PORT"), "{err}");
}

#[test]
fn help_lists_every_option_and_an_example() {
    let output = Command::new(env!("CARGO_BIN_EXE_keel"))
        .args(["proxy", "--help"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for option in [
        "--listen",
        "--upstream",
        "--cert",
        "--key",
        "--client-ca",
        "--ticket-key",
        "--no-tickets",
        "--max-connections",
        "--max-handshakes",
        "--idle-timeout",
        "--handshake-timeout",
        "--proxy-protocol",
        "--log-level",
        "--backlog",
        "--shutdown-timeout",
        "--metrics",
        "--route",
        "NAME=HOST:PORT",
        "--cert-dir",
        "SIGHUP",
        "unrecognized_name",
        "Clients speak TLS 1.3 to the proxy, or TLS 1.2 when they cannot",
        "keel_proxy_handshake_failures_total",
        "keel_proxy_handshakes_evicted_total",
        "Example:",
        "keel proxy --listen 0.0.0.0:8443 --upstream 127.0.0.1:8080",
        "close_notify",
    ] {
        assert!(help.contains(option), "--help lacks {option}\n{help}");
    }
}

// ---------------------------------------------------------------------
// The load check
// ---------------------------------------------------------------------

/// Clients at once.
const CLIENTS: usize = 200;
/// Bytes each client sends and gets back.
const PER_CLIENT: usize = 256 * 1024;
/// The most the proxy may hold in memory (peak resident set), with 200
/// connections open at once. Per busy connection the proxy holds at most
/// a backlog of one 16 KiB read per direction (what the writer did not
/// take yet), the TLS stream's unread bytes (one record, ~17 KiB) and
/// the connection's bounded plaintext buffers (64 KiB each way at most),
/// so under 256 KiB: 200 × 256 KiB = 50 MiB at worst, plus the binary and
/// the runtime (about 9 MiB idle). Measured (debug build, 2 cores): a
/// peak of 28 to 40 MiB. The bound leaves room for allocator slack but
/// not for a buffer that grows with the data: a proxy that queued each
/// client's 256 KiB both ways would need 100 MiB more.
const MEMORY_BOUND_KIB: u64 = 100 * 1024;

fn peak_rss_kib(pid: u32) -> u64 {
    status_kib(pid, "VmHWM:")
}

/// A memory figure of `/proc/PID/status` (`VmHWM:`, `VmRSS:`), in KiB.
fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"))
}

#[test]
fn two_hundred_clients_at_once_lose_nothing_within_a_memory_bound() {
    let pki = Pki::new("load");
    let upstream = Upstream::start(Behaviour::Echo);
    let proxy = Proxy::start(&pki, upstream.addr, &["--log-level", "info"]);
    let connector = pki.connector(false);
    let idle_rss = peak_rss_kib(proxy.child.id());
    let started = Instant::now();
    let runtime = runtime();
    runtime.block_on(async {
        // A client that sends garbage and one that goes away mid-handshake
        // run alongside; their failures are their own.
        let mut garbage = tokio::net::TcpStream::connect(proxy.addr).await.unwrap();
        garbage.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
        drop(tokio::net::TcpStream::connect(proxy.addr).await.unwrap());

        let mut clients = tokio::task::JoinSet::new();
        for id in 0..CLIENTS {
            let connector = connector.clone();
            let addr = proxy.addr;
            clients.spawn(async move {
                let mut tls = connect(&connector, addr).await;
                let sent = pattern(PER_CLIENT, id);
                let mut echoed = vec![0u8; PER_CLIENT];
                let (mut reader, mut writer) = tokio::io::split(tls);
                let (written, read) = tokio::join!(
                    async {
                        writer.write_all(&sent).await?;
                        writer.flush().await
                    },
                    reader.read_exact(&mut echoed)
                );
                written.unwrap();
                read.unwrap();
                assert!(echoed == sent, "client {id}: the bytes came back altered");
                tls = reader.unsplit(writer);
                tls.shutdown().await.unwrap();
                assert!(read_to_close_notify(&mut tls).await.is_empty());
                id
            });
        }
        let all = tokio::time::timeout(Duration::from_secs(60), async {
            let mut done = 0;
            while let Some(result) = clients.join_next().await {
                result.unwrap();
                done += 1;
            }
            done
        })
        .await
        .expect("the clients did not finish within 60 s");
        assert_eq!(all, CLIENTS);
    });
    let elapsed = started.elapsed();
    let peak = peak_rss_kib(proxy.child.id());
    let lines = proxy.connection_lines(CLIENTS + 2);
    let log: Vec<&String> = lines.iter().filter(|l| l.contains("outcome")).collect();
    let ok = log
        .iter()
        .filter(|l| {
            has(l, "outcome", "ok")
                && has(l, "to_upstream", &PER_CLIENT.to_string())
                && has(l, "to_client", &PER_CLIENT.to_string())
        })
        .count();
    assert_eq!(ok, CLIENTS, "{}", lines.join("\n"));
    eprintln!(
        "{CLIENTS} clients x {PER_CLIENT} bytes each way in {elapsed:?}; \
         proxy peak RSS {peak} KiB (idle {idle_rss} KiB)"
    );
    assert!(
        peak < MEMORY_BOUND_KIB,
        "peak RSS {peak} KiB over the bound of {MEMORY_BOUND_KIB} KiB"
    );
}

/// The resident memory of the proxy's process now, in KiB.
fn rss_kib(pid: u32) -> u64 {
    status_kib(pid, "VmRSS:")
}

/// Connections that echo once and then stay open and silent.
const IDLE_CLIENTS: usize = 400;
/// The most an idle connection may add to the proxy's resident memory.
/// Measured (2 cores): about 11 KiB in the debug build the tests run,
/// whose futures are larger, and 6.7 KiB in a release build
/// (docs/PERFORMANCE.md); before keel's proxy released its buffers when
/// quiet, a connection held 40 KiB.
const IDLE_BOUND_KIB: u64 = 16;

/// One echo of 100 bytes through the proxy.
async fn echo_once(connector: &TlsConnector, addr: SocketAddr) -> TlsStream<tokio::net::TcpStream> {
    let mut tls = connect(connector, addr).await;
    tls.write_all(&[0x61; 100]).await.unwrap();
    tls.flush().await.unwrap();
    let mut echoed = [0u8; 100];
    tls.read_exact(&mut echoed).await.unwrap();
    tls
}

#[test]
fn an_idle_connection_costs_a_few_kib() {
    let pki = Pki::new("idle");
    let upstream = Upstream::start(Behaviour::Echo);
    let proxy = Proxy::start(&pki, upstream.addr, &["--log-level", "warn"]);
    let connector = pki.connector(false);
    let pid = proxy.child.id();
    let runtime = runtime();
    runtime.block_on(async {
        // Warm-up: what the process sets up once (keys, RNG, allocator
        // arenas) is not per connection.
        for _ in 0..50 {
            let mut tls = echo_once(&connector, proxy.addr).await;
            tls.shutdown().await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let before = rss_kib(pid);
        let mut open = Vec::with_capacity(IDLE_CLIENTS);
        for _ in 0..IDLE_CLIENTS {
            open.push(echo_once(&connector, proxy.addr).await);
        }
        // Past the proxy's quiet second, when it releases their buffers.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let after = rss_kib(pid);
        let per_connection = after.saturating_sub(before) / IDLE_CLIENTS as u64;
        eprintln!(
            "{IDLE_CLIENTS} idle connections: proxy RSS {before} -> {after} KiB, \
             {per_connection} KiB each"
        );
        assert!(
            per_connection <= IDLE_BOUND_KIB,
            "an idle connection holds {per_connection} KiB, over {IDLE_BOUND_KIB} KiB"
        );
        drop(open);
    });
}

// ---------------------------------------------------------------------
// --proxy-protocol, against HAProxy
// ---------------------------------------------------------------------

#[path = "proxy/proxy_protocol.rs"]
mod proxy_protocol;

// ---------------------------------------------------------------------
// Metrics: the `--metrics` endpoint and what it counts
// ---------------------------------------------------------------------

#[path = "proxy/metrics.rs"]
mod metrics;

// ---------------------------------------------------------------------
// Certificates chosen by SNI, --route, reloading on SIGHUP
// ---------------------------------------------------------------------

#[path = "proxy/sni.rs"]
mod sni;

// ---------------------------------------------------------------------
// Silent clients: connections that never send a byte
// ---------------------------------------------------------------------

#[path = "proxy/silent.rs"]
mod silent;

// ---------------------------------------------------------------------
// Scale: 10,000 connections held at once, 2,000 handshakes in a burst
// ---------------------------------------------------------------------

#[path = "proxy/load.rs"]
mod load;
