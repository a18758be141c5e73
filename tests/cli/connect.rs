//! `keel connect`, run as a user runs it: the real binary against
//! `openssl s_server -tls1_2` on 127.0.0.1, with certificates made for each
//! test (rcgen) in a temporary directory.
//!
//! Hermetic: loopback only, an ephemeral port read from s_server's `ACCEPT`
//! line, every child killed and every directory removed by a guard's Drop
//! (also when a test fails), and a deadline on every wait.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// How long any one child may run, or s_server may take to start.
const DEADLINE: Duration = Duration::from_secs(8);

// ---------------------------------------------------------------------
// Guards: a temporary directory and a child process
// ---------------------------------------------------------------------

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let path = std::env::temp_dir().join(format!(
            "keel-connect-test-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process killed (and reaped) when dropped.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Collects everything a pipe yields, on a thread of its own.
fn collect(mut pipe: impl Read + Send + 'static) -> Arc<Mutex<Vec<u8>>> {
    let sink = Arc::new(Mutex::new(Vec::new()));
    let writer = Arc::clone(&sink);
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            writer.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    sink
}

fn text(sink: &Arc<Mutex<Vec<u8>>>) -> String {
    String::from_utf8_lossy(&sink.lock().unwrap()).into_owned()
}

// ---------------------------------------------------------------------
// Certificates
// ---------------------------------------------------------------------

/// A CA, a server certificate and a client certificate, as PEM files.
struct Pki {
    dir: TempDir,
}

impl Pki {
    /// A CA `keel test CA` issuing a server certificate for `server_names`
    /// (DNS names or IP addresses) and a client certificate.
    fn new(server_names: &[&str]) -> Self {
        let dir = TempDir::new();
        let mut ca = CertificateParams::default();
        ca.distinguished_name
            .push(DnType::CommonName, "keel test CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::from_params(&ca, &ca_key);

        let names: Vec<String> = server_names.iter().map(|n| (*n).to_owned()).collect();
        let mut server = CertificateParams::new(names).unwrap();
        server
            .distinguished_name
            .push(DnType::CommonName, server_names[0]);
        server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_key = KeyPair::generate().unwrap();
        let server_cert = server.signed_by(&server_key, &issuer).unwrap();

        let mut client = CertificateParams::new(Vec::<String>::new()).unwrap();
        client
            .distinguished_name
            .push(DnType::CommonName, "keel test client");
        client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let client_key = KeyPair::generate().unwrap();
        let client_cert = client.signed_by(&client_key, &issuer).unwrap();

        for (name, pem) in [
            ("ca.pem", ca_cert.pem()),
            ("server.pem", server_cert.pem()),
            ("server.key", server_key.serialize_pem()),
            ("client.pem", client_cert.pem()),
            ("client.key", client_key.serialize_pem()),
        ] {
            std::fs::write(dir.path(name), pem).unwrap();
        }
        Self { dir }
    }

    fn file(&self, name: &str) -> String {
        self.dir.path(name).to_str().unwrap().to_owned()
    }
}

// ---------------------------------------------------------------------
// openssl s_server
// ---------------------------------------------------------------------

/// A running `openssl s_server`; killed when dropped.
struct Server {
    port: u16,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    // Held open: s_server without -www stops at the end of its stdin.
    _stdin: ChildStdin,
    _child: ChildGuard,
}

impl Server {
    /// Starts `openssl s_server -tls1_2` with the PKI's server certificate,
    /// on an ephemeral loopback port, plus `extra` arguments.
    fn start(pki: &Pki, extra: &[&str]) -> Self {
        let mut child = ChildGuard(
            Command::new("openssl")
                .args(["s_server", "-tls1_2", "-accept", "127.0.0.1:0"])
                .args(["-cert", &pki.file("server.pem")])
                .args(["-key", &pki.file("server.key")])
                .args(extra)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("openssl s_server (is the openssl CLI installed?)"),
        );
        let stdin = child.0.stdin.take().unwrap();
        let stderr = collect(child.0.stderr.take().unwrap());

        // The first lines tell the port; the rest is kept for assertions.
        let (port_tx, port_rx) = mpsc::channel();
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let lines_out = Arc::clone(&stdout);
        let mut reader = BufReader::new(child.0.stdout.take().unwrap());
        thread::spawn(move || {
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                if let Some(port) = line
                    .trim()
                    .strip_prefix("ACCEPT 127.0.0.1:")
                    .and_then(|p| p.parse::<u16>().ok())
                {
                    let _ = port_tx.send(port);
                }
                lines_out.lock().unwrap().extend_from_slice(line.as_bytes());
                line.clear();
            }
        });
        let port = port_rx.recv_timeout(DEADLINE).unwrap_or_else(|_| {
            panic!(
                "s_server printed no ACCEPT line; stderr:\n{}",
                text(&stderr)
            )
        });
        Self {
            port,
            stdout,
            stderr,
            _stdin: stdin,
            _child: child,
        }
    }

    /// `openssl s_server -www`: answers each request with a status page.
    fn www(pki: &Pki, extra: &[&str]) -> Self {
        let mut args = vec!["-www"];
        args.extend_from_slice(extra);
        Self::start(pki, &args)
    }

    fn target(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Waits until s_server's stdout holds `needle`.
    fn wait_for_output(&self, needle: &str) -> bool {
        let start = Instant::now();
        while start.elapsed() < DEADLINE {
            if text(&self.stdout).contains(needle) {
                return true;
            }
            thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

// ---------------------------------------------------------------------
// A proxy that cuts the server's bytes and pauses between the pieces
// ---------------------------------------------------------------------

/// Listens on an ephemeral loopback port, takes one connection and relays
/// it to `upstream`. Every chunk from the server is cut in three, with a
/// pause longer than keel's socket read timeout between the pieces, so
/// records arrive split across timed-out reads. Both directions stop at the
/// deadline at the latest.
fn trickling_proxy(upstream: u16) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    thread::spawn(move || {
        let start = Instant::now();
        let client = loop {
            match listener.accept() {
                Ok((client, _)) => break client,
                Err(_) if start.elapsed() < DEADLINE => thread::sleep(Duration::from_millis(5)),
                Err(_) => return,
            }
        };
        client.set_nonblocking(false).unwrap();
        let server = TcpStream::connect(("127.0.0.1", upstream)).unwrap();
        for socket in [&client, &server] {
            socket.set_read_timeout(Some(DEADLINE)).unwrap();
        }
        let (mut client_in, mut server_out) =
            (client.try_clone().unwrap(), server.try_clone().unwrap());
        thread::spawn(move || {
            let _ = std::io::copy(&mut client_in, &mut server_out);
            let _ = server_out.shutdown(Shutdown::Write);
        });
        let (mut server_in, mut client_out) = (server, client);
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n) = server_in.read(&mut buf) {
            if n == 0 {
                break;
            }
            let third = n.div_ceil(3);
            for piece in buf[..n].chunks(third) {
                if client_out.write_all(piece).is_err() {
                    return;
                }
                thread::sleep(Duration::from_millis(60));
            }
        }
        let _ = client_out.shutdown(Shutdown::Write);
    });
    port
}

// ---------------------------------------------------------------------
// The keel binary
// ---------------------------------------------------------------------

struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Run {
    fn assert_success(&self) {
        assert!(
            self.status.success(),
            "keel failed: {:?}\nstderr:\n{}",
            self.status,
            self.stderr
        );
    }

    /// Expects exit status 1 and exactly one `error: ` line on stderr,
    /// which it returns.
    fn error_line(&self) -> String {
        assert_eq!(
            self.status.code(),
            Some(1),
            "exit status; stderr:\n{}",
            self.stderr
        );
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one stderr line, got {:?}", self.stderr);
        assert!(lines[0].starts_with("error: "), "{:?}", self.stderr);
        lines[0].to_owned()
    }

    /// The `key: value` lines of the session summary.
    fn session(&self, key: &str) -> Option<String> {
        let prefix = format!("{key}: ");
        self.stderr
            .lines()
            .find_map(|line| line.strip_prefix(&prefix).map(str::to_owned))
    }
}

/// Runs `keel ARGS` with `stdin` and `env`, and without an inherited
/// `SSLKEYLOGFILE`; kills it after the deadline. With `hold_stdin`, stdin
/// stays open until keel exits.
fn keel_with(args: &[&str], stdin: &[u8], env: &[(&str, &Path)], hold_stdin: bool) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_keel"));
    command
        .args(args)
        .env_remove("SSLKEYLOGFILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = ChildGuard(command.spawn().expect("start keel"));
    let stdout = collect(child.0.stdout.take().unwrap());
    let stderr = collect(child.0.stderr.take().unwrap());
    // Dropping stdin ends it. keel may exit before reading it all.
    let mut input = child.0.stdin.take().unwrap();
    let _ = input.write_all(stdin);
    let held = hold_stdin.then_some(input);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "keel {args:?} did not finish in time; stderr:\n{}",
            text(&stderr)
        );
        thread::sleep(Duration::from_millis(10));
    };
    drop(held);
    // The pipes close with the process; give the readers a moment.
    let drained = Instant::now();
    while Arc::strong_count(&stdout) > 1 || Arc::strong_count(&stderr) > 1 {
        if drained.elapsed() > Duration::from_secs(2) {
            break;
        }
        thread::sleep(Duration::from_millis(5));
    }
    Run {
        status,
        stdout: text(&stdout),
        stderr: text(&stderr),
    }
}

fn keel(args: &[&str], stdin: &[u8]) -> Run {
    keel_with(args, stdin, &[], false)
}

const GET: &[u8] = b"GET / HTTP/1.0\r\n\r\n";

// ---------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------

#[test]
fn prints_the_session_and_the_page() {
    let pki = Pki::new(&["localhost"]);
    let server = Server::www(&pki, &[]);
    let target = server.target();
    let ca = pki.file("ca.pem");
    let run = keel(
        &["connect", &target, "--servername", "localhost", "--ca", &ca],
        GET,
    );
    run.assert_success();
    assert_eq!(run.session("protocol").as_deref(), Some("TLSv1.2"));
    let cipher = run.session("cipher").unwrap();
    assert!(cipher.starts_with("TLS_ECDHE_"), "{cipher}");
    assert_eq!(run.session("ems").as_deref(), Some("yes"));
    assert_eq!(run.session("resumed").as_deref(), Some("no"));
    assert_eq!(run.session("sni").as_deref(), Some("localhost"));
    assert_eq!(run.session("alpn").as_deref(), Some("none"));
    assert_eq!(run.session("peer").as_deref(), Some(target.as_str()));
    assert_eq!(run.session("certificates").as_deref(), Some("1"));
    for key in ["group", "signature"] {
        assert!(run.session(key).is_some(), "no {key} line:\n{}", run.stderr);
    }
    // The chain: one indented block per certificate.
    assert!(run.stderr.contains("certificate 0:\n"), "{}", run.stderr);
    assert!(run.stderr.contains("  subject: CN=localhost\n"));
    assert!(run.stderr.contains("  issuer: CN=keel test CA\n"));
    assert!(run.stderr.contains("  names: DNS:localhost\n"));
    assert!(run.stderr.contains("  not before: "));
    assert!(run.stderr.contains("  not after: "));
    // s_server's status page, on stdout.
    assert!(run.stdout.starts_with("HTTP/1.0 200 ok"), "{}", run.stdout);
    assert!(run.stdout.contains("Ciphers supported in s_server binary"));
    assert!(run.stdout.contains("no client certificate available"));
}

#[test]
fn an_ip_address_sends_no_sni_and_is_checked_against_the_certificate() {
    let pki = Pki::new(&["localhost", "127.0.0.1"]);
    let server = Server::www(&pki, &[]);
    let ca = pki.file("ca.pem");
    let run = keel(&["connect", &server.target(), "--ca", &ca], GET);
    run.assert_success();
    assert_eq!(run.session("sni").as_deref(), Some("none"));
    assert!(
        run.stderr
            .contains("  names: DNS:localhost, IP:127.0.0.1\n")
    );
    assert!(run.stdout.starts_with("HTTP/1.0 200 ok"));

    // Without the IP address in the certificate, the same fails.
    let pki = Pki::new(&["localhost"]);
    let server = Server::www(&pki, &[]);
    let ca = pki.file("ca.pem");
    let run = keel(&["connect", &server.target(), "--ca", &ca], GET);
    assert_eq!(
        run.error_line(),
        "error: certificate verify failed: certificate is not valid for 127.0.0.1; \
         it is valid for localhost"
    );
}

#[test]
fn a_wrong_name_is_refused() {
    let pki = Pki::new(&["wrong.example"]);
    let server = Server::www(&pki, &[]);
    let ca = pki.file("ca.pem");
    let run = keel(
        &[
            "connect",
            &server.target(),
            "--servername",
            "localhost",
            "--ca",
            &ca,
        ],
        GET,
    );
    assert_eq!(
        run.error_line(),
        "error: certificate verify failed: certificate is not valid for localhost; \
         it is valid for wrong.example"
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn an_untrusted_ca_is_refused_by_the_default_roots() {
    let pki = Pki::new(&["localhost"]);
    let server = Server::www(&pki, &[]);
    let run = keel(
        &["connect", &server.target(), "--servername", "localhost"],
        GET,
    );
    let line = run.error_line();
    assert!(
        line.starts_with("error: certificate verify failed: "),
        "{line}"
    );
    assert!(line.contains("issuer is not trusted"), "{line}");
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn a_client_certificate_is_presented_when_asked_for() {
    let pki = Pki::new(&["localhost"]);
    let ca = pki.file("ca.pem");
    let server = Server::www(&pki, &["-Verify", "1", "-CAfile", &ca]);
    let (cert, key) = (pki.file("client.pem"), pki.file("client.key"));
    let run = keel(
        &[
            "connect",
            &server.target(),
            "--servername",
            "localhost",
            "--ca",
            &ca,
            "--cert",
            &cert,
            "--key",
            &key,
        ],
        GET,
    );
    run.assert_success();
    assert!(run.stdout.contains("Client certificate"), "{}", run.stdout);
    assert!(run.stdout.contains("keel test client"), "{}", run.stdout);

    // Without one, the server refuses the handshake, and keel says so.
    let run = keel(
        &[
            "connect",
            &server.target(),
            "--servername",
            "localhost",
            "--ca",
            &ca,
        ],
        GET,
    );
    let line = run.error_line();
    assert!(line.contains("alert"), "{line}");
}

#[test]
fn alpn_is_offered_and_reported() {
    let pki = Pki::new(&["localhost"]);
    let server = Server::www(&pki, &["-alpn", "http/1.1"]);
    let ca = pki.file("ca.pem");
    let run = keel(
        &[
            "connect",
            &server.target(),
            "--servername",
            "localhost",
            "--ca",
            &ca,
            "--alpn",
            "h2,http/1.1",
        ],
        GET,
    );
    run.assert_success();
    assert_eq!(run.session("alpn").as_deref(), Some("http/1.1"));
}

#[test]
fn records_split_across_read_timeouts_arrive_whole() {
    let pki = Pki::new(&["localhost"]);
    let server = Server::www(&pki, &[]);
    let proxy = format!("127.0.0.1:{}", trickling_proxy(server.port));
    let ca = pki.file("ca.pem");
    // stdin stays open, so keel keeps polling the socket with its short
    // read timeout while the pieces trickle in.
    let run = keel_with(
        &["connect", &proxy, "--servername", "localhost", "--ca", &ca],
        GET,
        &[],
        true,
    );
    run.assert_success();
    assert!(run.stdout.starts_with("HTTP/1.0 200 ok"), "{}", run.stdout);
    assert!(
        run.stdout.ends_with("</BODY></HTML>\r\n\r\n"),
        "{:?}",
        run.stdout
    );
}

#[test]
fn sslkeylogfile_gets_a_client_random_line() {
    let pki = Pki::new(&["localhost"]);
    let server = Server::www(&pki, &[]);
    let ca = pki.file("ca.pem");
    let log = pki.dir.path("keys.log");
    // Appended to, never truncated.
    std::fs::write(&log, "# earlier line\n").unwrap();
    let run = keel_with(
        &[
            "connect",
            &server.target(),
            "--servername",
            "localhost",
            "--ca",
            &ca,
        ],
        GET,
        &[("SSLKEYLOGFILE", &log)],
        false,
    );
    run.assert_success();
    let logged = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = logged.lines().collect();
    assert_eq!(lines.len(), 2, "{logged}");
    assert_eq!(lines[0], "# earlier line");
    let fields: Vec<&str> = lines[1].split(' ').collect();
    assert_eq!(fields.len(), 3, "{logged}");
    assert_eq!(fields[0], "CLIENT_RANDOM");
    assert_eq!(fields[1].len(), 64, "client random, hex");
    assert_eq!(fields[2].len(), 96, "master secret, hex");
    assert!(fields[1..].iter().all(|f| {
        f.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    }));
    assert!(logged.ends_with('\n'));
    assert_eq!(
        run.session("keylog").as_deref(),
        Some(log.to_str().unwrap())
    );
}

#[test]
fn close_on_eof_sends_stdin_then_close_notify() {
    let pki = Pki::new(&["localhost"]);
    // Without -www, s_server prints what it receives.
    let server = Server::start(&pki, &[]);
    let ca = pki.file("ca.pem");
    let run = keel(
        &[
            "connect",
            &server.target(),
            "--servername",
            "localhost",
            "--ca",
            &ca,
            "--close-on-eof",
        ],
        b"hello from keel\n",
    );
    run.assert_success();
    assert!(
        server.wait_for_output("hello from keel"),
        "s_server stdout:\n{}\nstderr:\n{}",
        text(&server.stdout),
        text(&server.stderr)
    );
}

#[test]
fn reconnect_resumes_the_first_session() {
    let pki = Pki::new(&["localhost"]);
    // s_server keeps sessions in its process-wide cache; `-no_ticket` keeps
    // it on session IDs.
    let server = Server::www(&pki, &["-no_ticket"]);
    let target = server.target();
    let ca = pki.file("ca.pem");
    let run = keel(
        &[
            "connect",
            &target,
            "--servername",
            "localhost",
            "--ca",
            &ca,
            "--reconnect",
            "3",
        ],
        GET,
    );
    run.assert_success();
    // One summary per connection, in order: a full handshake, then three
    // abbreviated ones.
    let resumed: Vec<&str> = run
        .stderr
        .lines()
        .filter_map(|line| line.strip_prefix("resumed: "))
        .collect();
    assert_eq!(resumed, ["no", "yes", "yes", "yes"], "{}", run.stderr);
    // Each resumed summary still shows the chain the first one verified.
    assert_eq!(run.stderr.matches("certificate 0:").count(), 4);
    // The last connection carried the request, and s_server's page says
    // that it served a resumed session.
    assert!(run.stdout.contains("Reused, TLSv1.2"), "{}", run.stdout);
}

#[test]
fn without_reconnect_nothing_is_resumed_or_kept() {
    // Two separate runs share nothing: keel connect keeps no state between
    // processes, so the second run's handshake is a full one.
    let pki = Pki::new(&["localhost"]);
    let server = Server::www(&pki, &["-no_ticket"]);
    let target = server.target();
    let ca = pki.file("ca.pem");
    for _ in 0..2 {
        let run = keel(
            &["connect", &target, "--servername", "localhost", "--ca", &ca],
            GET,
        );
        run.assert_success();
        assert_eq!(run.session("resumed").as_deref(), Some("no"));
        assert!(run.stdout.contains("New, TLSv1.2"), "{}", run.stdout);
    }
}

#[test]
fn connection_refused_is_one_error_line() {
    // A port that was free a moment ago: nothing listens on it.
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let target = format!("127.0.0.1:{port}");
    let run = keel(&["connect", &target], b"");
    let line = run.error_line();
    assert!(
        line.starts_with(&format!("error: cannot connect to {target}: ")),
        "{line}"
    );
    assert!(line.to_lowercase().contains("refused"), "{line}");
}

#[test]
fn bad_arguments_and_files_are_one_error_line() {
    let dir = TempDir::new();
    let missing = dir.path("missing.pem");
    let missing = missing.to_str().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (
            &["connect", "127.0.0.1:1", "--cert", missing],
            "error: --cert needs --key",
        ),
        (
            &["connect", "127.0.0.1:1", "--key", missing],
            "error: --key needs --cert",
        ),
        (
            &["connect", "127.0.0.1"],
            "error: \"127.0.0.1\" is not HOST:PORT",
        ),
        (
            &["connect", "127.0.0.1:1", "--ca", missing],
            "error: --ca: cannot read ",
        ),
        (
            &[
                "connect",
                "127.0.0.1:1",
                "--cert",
                missing,
                "--key",
                missing,
            ],
            "error: --cert: cannot read ",
        ),
    ];
    for (args, start) in cases {
        let run = keel(args, b"");
        let line = run.error_line();
        assert!(line.starts_with(start), "{args:?}: {line}");
    }
}

#[test]
fn ca_system_reads_ssl_cert_file_and_names_what_failed() {
    let dir = TempDir::new();
    let missing = dir.path("missing.pem");
    let empty = dir.path("empty");
    std::fs::create_dir(&empty).unwrap();
    let run = keel_with(
        &["connect", "127.0.0.1:1", "--ca", "system"],
        b"",
        &[("SSL_CERT_FILE", &missing), ("SSL_CERT_DIR", &empty)],
        false,
    );
    let line = run.error_line();
    assert!(
        line.starts_with("error: --ca system: no CA certificate could be loaded"),
        "{line}"
    );
    assert!(line.contains(missing.to_str().unwrap()), "{line}");
}

#[test]
fn help_lists_every_option() {
    let run = keel(&["connect", "--help"], b"");
    run.assert_success();
    for needle in [
        "HOST:PORT",
        "--servername <NAME>",
        "--ca <CA.pem|system>",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "--alpn <LIST>",
        "--cert <CHAIN.pem>",
        "--key <KEY.pem>",
        "--close-on-eof",
        "--reconnect <N>",
        "SSLKEYLOGFILE",
        "Examples:",
        "keel connect ",
    ] {
        assert!(
            run.stdout.contains(needle),
            "{needle} missing:\n{}",
            run.stdout
        );
    }
}

/// A server that answers the ClientHello with close_notify and half-closes,
/// keeping its socket open: keel connect fails at once with one error line,
/// rather than reading an ended stream forever.
#[test]
fn a_close_notify_instead_of_a_server_hello_is_one_error_line() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (done, wait) = mpsc::channel::<()>();
    let server = thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut hello = [0u8; 1024];
        let _ = socket.read(&mut hello).unwrap();
        socket
            .write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00])
            .unwrap();
        socket.shutdown(Shutdown::Write).unwrap();
        let _ = wait.recv_timeout(DEADLINE * 2);
    });
    let run = keel(&["connect", &format!("127.0.0.1:{port}")], b"");
    done.send(()).unwrap();
    server.join().unwrap();
    assert_eq!(
        run.error_line(),
        "error: the server closed the connection during the TLS handshake \
         (is it a TLS 1.2 server?)"
    );
}
