//! `keel serve`, started as the real binary, answering real clients: curl,
//! `openssl s_client`, Python `ssl` and `gnutls-cli`; and its startup
//! refusals. Everything on 127.0.0.1 with ports the kernel picks; every
//! child is killed when its guard drops, also when a test fails.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

#[path = "process.rs"]
mod process;
#[path = "silent_clients.rs"]
mod silent_clients;

/// A temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("keel-serve-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `keel serve`, killed on drop; its stderr (the log) is kept.
struct Server {
    child: Child,
    addr: SocketAddr,
    ca: PathBuf,
    stdout_lines: Vec<String>,
    stderr: mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(dir: &TempDir, extra: &[&str]) -> Self {
        let ca = dir.0.join("ca.pem");
        let mut child = Command::new(env!("CARGO_BIN_EXE_keel"))
            .args(["serve", "--listen", "127.0.0.1:0", "--ca-out"])
            .arg(&ca)
            .args(extra)
            .current_dir(&dir.0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (line_tx, line_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = line_tx.send(line);
            }
        });
        let stderr = child.stderr.take().unwrap();
        let (err_tx, err_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = err_tx.send(line);
            }
        });
        let mut stdout_lines = Vec::new();
        let addr = loop {
            let line = line_rx
                .recv_timeout(Duration::from_secs(15))
                .expect("keel serve did not start listening");
            stdout_lines.push(line.clone());
            if let Some(addr) = line.strip_prefix("keel serve: listening on ") {
                break addr.parse().unwrap();
            }
        };
        Self {
            child,
            addr,
            ca,
            stdout_lines,
            stderr: err_rx,
        }
    }

    fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Sends SIGTERM, as a service manager stopping the server does.
    fn terminate(&self) {
        process::terminate(&self.child);
    }

    /// Waits for a log line containing `needle`; returns the log up to it.
    fn wait_for_log(&self, needle: &str) -> String {
        let mut lines = Vec::new();
        loop {
            let Ok(line) = self.stderr.recv_timeout(Duration::from_secs(10)) else {
                panic!("no log line with {needle:?} in:\n{}", lines.join("\n"));
            };
            let found = line.contains(needle);
            lines.push(line);
            if found {
                return lines.join("\n");
            }
        }
    }

    /// Waits for the server to exit, for `bound` at most.
    fn exit_status(&mut self, bound: Duration) -> std::process::ExitStatus {
        process::exit_status(&mut self.child, bound)
    }

    /// A keel client trusting the server's throwaway CA, connected and
    /// through the handshake.
    async fn keel_client(&self) -> keel::tokio::TlsStream<tokio::net::TcpStream> {
        let roots = keel::pki::TrustStore::from_pem(&std::fs::read(&self.ca).unwrap()).unwrap();
        let config = keel::ClientConfig::builder()
            .with_root_certificates(roots)
            .build()
            .unwrap();
        let tcp = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        keel::tokio::TlsConnector::from(config)
            .connect("localhost", tcp)
            .await
            .unwrap()
    }

    /// Log lines so far (waiting briefly for late ones).
    fn log(&self) -> String {
        let mut lines = Vec::new();
        while let Ok(line) = self.stderr.recv_timeout(Duration::from_millis(300)) {
            lines.push(line);
        }
        lines.join("\n")
    }
}

fn run(mut command: Command, stdin: &[u8]) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let (tx, rx) = mpsc::channel();
    let id = child.id();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(15)) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
            panic!("client did not finish in time");
        }
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn curl(server: &Server, extra: &[&str]) -> Output {
    let mut command = Command::new("curl");
    command
        .args(["-q", "-sS", "--max-time", "10", "--noproxy", "*"])
        .arg("--resolve")
        .arg(format!("localhost:{}:127.0.0.1", server.port()))
        .arg("--cacert")
        .arg(&server.ca)
        .args(extra)
        .arg(format!("https://localhost:{}/", server.port()));
    run(command, b"")
}

#[test]
fn curl_gets_the_session_page_from_the_throwaway_certificate() {
    let dir = TempDir::new("curl");
    // No --alpn: keel serve selects http/1.1 from curl's h2,http/1.1.
    let server = Server::start(&dir, &[]);
    // The README's promise: the exact curl command is printed.
    assert!(
        server
            .stdout_lines
            .iter()
            .any(|l| l.contains("curl --cacert")
                && l.contains(&format!("https://localhost:{}/", server.port()))),
        "{:?}",
        server.stdout_lines
    );
    // TLS 1.3 by default; TLS 1.2 (with EMS) for a client that has
    // nothing newer.
    for (extra, expected) in [
        (
            &[][..],
            [
                "protocol: TLSv1.3",
                "ems: n/a (TLS 1.3)",
                "cipher: TLS_AES_128_GCM_SHA256",
                "group: x25519",
            ],
        ),
        (
            &["--tls-max", "1.2"][..],
            [
                "protocol: TLSv1.2",
                "ems: yes",
                "cipher: TLS_ECDHE_ECDSA_WITH_",
                "group: x25519",
            ],
        ),
    ] {
        let output = curl(&server, extra);
        let page = text(&output);
        assert!(output.status.success(), "{page}");
        for line in expected.iter().chain(&["sni: localhost", "alpn: http/1.1"]) {
            assert!(page.contains(line), "missing {line:?} in\n{page}");
        }
    }
    let log = server.log();
    assert!(
        log.contains("outcome=\"ok\"") || log.contains("outcome=ok"),
        "{log}"
    );
    assert!(log.contains("version=\"TLSv1.3\""), "{log}");
    assert!(
        log.contains("sni=localhost") || log.contains("sni=\"localhost\""),
        "{log}"
    );
}

#[test]
fn openssl_s_client_gets_the_page_and_close_notify() {
    let dir = TempDir::new("s-client");
    let server = Server::start(&dir, &[]);
    let mut command = Command::new("openssl");
    command
        .args(["s_client", "-connect"])
        .arg(format!("127.0.0.1:{}", server.port()))
        // -ign_eof: wait for keel's response and close_notify after stdin ends.
        .args([
            "-ign_eof",
            "-servername",
            "localhost",
            "-verify_hostname",
            "localhost",
            "-verify_return_error",
            "-CAfile",
        ])
        .arg(&server.ca);
    let mut tls12 = Command::new("openssl");
    tls12.args(command.get_args()).arg("-tls1_2");
    let output = run(command, b"GET / HTTP/1.0\r\n\r\n");
    let out = text(&output);
    assert!(out.contains("protocol: TLSv1.3"), "{out}");
    assert!(out.contains("New, TLSv1.3"), "{out}");
    assert!(out.contains("Verify return code: 0 (ok)"), "{out}");
    // Held to TLS 1.2, s_client gets it with the extended master secret.
    let output = run(tls12, b"GET / HTTP/1.0\r\n\r\n");
    let out = text(&output);
    assert!(out.contains("protocol: TLSv1.2"), "{out}");
    assert!(out.contains("Extended master secret: yes"), "{out}");
}

#[test]
fn python_ssl_sees_a_clean_close_after_a_bare_lf_request() {
    let dir = TempDir::new("python");
    let server = Server::start(&dir, &[]);
    // suppress_ragged_eofs=False: a connection closed without close_notify
    // raises, so this also checks that keel serve sends it. The request's
    // lines end in a bare LF (RFC 9112 §2.2 lets a server accept that):
    // it is answered at once, not at the request timeout.
    let script = format!(
        "import socket, ssl\n\
         ctx = ssl.create_default_context(cafile={ca:?})\n\
         ctx.maximum_version = ssl.TLSVersion.TLSv1_2\n\
         s = socket.create_connection(('127.0.0.1', {port}), timeout=10)\n\
         t = ctx.wrap_socket(s, server_hostname='localhost', suppress_ragged_eofs=False)\n\
         t.sendall(b'GET / HTTP/1.0\\n\\n')\n\
         data = b''\n\
         while True:\n\
         \x20   chunk = t.recv(4096)\n\
         \x20   if not chunk: break\n\
         \x20   data += chunk\n\
         print(t.version(), t.cipher()[0])\n\
         print(data.decode())\n",
        ca = server.ca.to_str().unwrap(),
        port = server.port()
    );
    let mut command = Command::new("python3");
    command.arg("-c").arg(script);
    let output = run(command, b"");
    let out = text(&output);
    assert!(output.status.success(), "{out}");
    assert!(out.contains("TLSv1.2 ECDHE-ECDSA-"), "{out}");
    assert!(
        out.contains("HTTP/1.1 200 OK") && out.contains("protocol: TLSv1.2"),
        "{out}"
    );
}

#[test]
fn gnutls_cli_gets_the_page() {
    let dir = TempDir::new("gnutls");
    let server = Server::start(&dir, &[]);
    let mut command = Command::new("gnutls-cli");
    command
        .arg("--port")
        .arg(server.port().to_string())
        .arg("--x509cafile")
        .arg(&server.ca)
        .args([
            "--sni-hostname",
            "localhost",
            "--verify-hostname",
            "localhost",
            "127.0.0.1",
        ]);
    let output = run(command, b"GET / HTTP/1.0\r\n\r\n");
    let out = text(&output);
    assert!(out.contains("protocol: TLSv1.3"), "{out}");
}

#[test]
fn a_bad_client_does_not_affect_another_and_a_silent_one_times_out() {
    let dir = TempDir::new("isolation");
    let server = Server::start(&dir, &["--request-timeout", "1"]);
    // Garbage instead of a ClientHello.
    let mut garbage = TcpStream::connect(server.addr).unwrap();
    garbage.write_all(b"NOT TLS AT ALL\r\n\r\n").unwrap();
    // A client that completes the handshake and then says nothing.
    let mut command = Command::new("openssl");
    command
        .args(["s_client", "-connect"])
        .arg(format!("127.0.0.1:{}", server.port()))
        .args(["-servername", "localhost", "-CAfile"])
        .arg(&server.ca);
    let silent = command
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // A good client is served meanwhile.
    let output = curl(&server, &[]);
    assert!(output.status.success(), "{}", text(&output));
    let mut rest = Vec::new();
    garbage
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = garbage.read_to_end(&mut rest);
    assert!(
        !rest.is_empty(),
        "the garbage client gets an alert before the close"
    );
    std::thread::sleep(Duration::from_millis(1500));
    let log = server.log();
    drop(silent);
    assert!(log.contains("handshake failed"), "{log}");
    assert!(log.contains("request timed out"), "{log}");
}

/// An `http://` URL pointed at the TLS port: the log says it was plain
/// HTTP, not an opaque record-type error.
#[test]
fn plain_http_on_the_tls_port_is_named_in_the_log() {
    let dir = TempDir::new("plain-http");
    let server = Server::start(&dir, &[]);
    let mut plain = TcpStream::connect(server.addr).unwrap();
    plain
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    plain
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut rest = Vec::new();
    let _ = plain.read_to_end(&mut rest);
    let log = server.log();
    assert!(log.contains("plain HTTP, not TLS"), "{log}");
}

fn serve_fails(dir: &TempDir, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_keel"))
        .arg("serve")
        .args(args)
        .current_dir(&dir.0)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn openssl_key(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let status = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
        ])
        .arg(&path)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    path
}

#[test]
fn startup_refusals_say_what_is_wrong() {
    let dir = TempDir::new("refusals");
    let err = serve_fails(
        &dir,
        &[
            "--listen",
            "127.0.0.1:0",
            "--cert",
            "missing.pem",
            "--key",
            "missing.key",
        ],
    );
    assert!(err.starts_with("error: cannot read missing.pem"), "{err}");

    // A key that does not match the certificate.
    let ca_out = dir.0.join("ca.pem");
    let server = Server::start(&dir, &[]);
    drop(server);
    let other_key = openssl_key(&dir.0, "other.key");
    let err = serve_fails(
        &dir,
        &[
            "--listen",
            "127.0.0.1:0",
            "--cert",
            ca_out.to_str().unwrap(),
            "--key",
            other_key.to_str().unwrap(),
        ],
    );
    assert!(
        err.starts_with("error: ") && err.contains("does not match"),
        "{err}"
    );

    // A port in use.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let err = serve_fails(&dir, &["--listen", &addr]);
    assert!(
        err.starts_with(&format!("error: cannot listen on {addr}")),
        "{err}"
    );
}

#[test]
fn help_lists_every_option() {
    let output = Command::new(env!("CARGO_BIN_EXE_keel"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    for option in [
        "--listen",
        "--cert",
        "--key",
        "--ca-out",
        "--client-ca",
        "--client-auth",
        "--alpn",
        "--ocsp",
        "--ticket-key",
        "--no-tickets",
        "--max-connections",
        "--max-handshakes",
        "--handshake-timeout",
        "--request-timeout",
        "--log-level",
        "--backlog",
        "--shutdown-timeout",
        "curl --cacert keel-serve-ca.pem https://localhost:8443/",
    ] {
        assert!(help.contains(option), "--help lacks {option}\n{help}");
    }
}

/// A client CA and a client certificate issued by it, written as PEM files.
fn client_identity(dir: &TempDir) -> (PathBuf, PathBuf, PathBuf) {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let mut ca = CertificateParams::default();
    ca.distinguished_name
        .push(DnType::CommonName, "keel serve test client CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let mut leaf = CertificateParams::default();
    leaf.distinguished_name
        .push(DnType::CommonName, "keel serve test client");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let key = KeyPair::generate().unwrap();
    let cert = leaf
        .signed_by(&key, &Issuer::from_params(&ca, &ca_key))
        .unwrap();
    let (ca_path, cert_path, key_path) = (
        dir.0.join("client-ca.pem"),
        dir.0.join("client.pem"),
        dir.0.join("client.key"),
    );
    std::fs::write(&ca_path, ca_cert.pem()).unwrap();
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    (ca_path, cert_path, key_path)
}

#[test]
fn client_certificates_are_required_and_shown() {
    let dir = TempDir::new("client-auth");
    let (client_ca, cert, key) = client_identity(&dir);
    let server = Server::start(
        &dir,
        &[
            "--client-ca",
            client_ca.to_str().unwrap(),
            "--client-auth",
            "required",
        ],
    );
    let output = curl(
        &server,
        &[
            "--cert",
            cert.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ],
    );
    let page = text(&output);
    assert!(output.status.success(), "{page}");
    assert!(
        page.contains("client certificate: CN=keel serve test client"),
        "{page}"
    );
    // Without a certificate the handshake is refused.
    let output = curl(&server, &[]);
    assert!(!output.status.success(), "{}", text(&output));
    assert!(server.log().contains("handshake failed"));
}

/// `openssl s_client -reconnect`: one full handshake, then five that try
/// to resume it; returns what s_client printed.
fn s_client_reconnect(server: &Server) -> String {
    let mut command = Command::new("openssl");
    command
        .args(["s_client", "-tls1_2", "-reconnect", "-connect"])
        .arg(format!("127.0.0.1:{}", server.port()))
        .args(["-servername", "localhost", "-CAfile"])
        .arg(&server.ca);
    text(&run(command, b""))
}

#[test]
fn openssl_s_client_resumes_its_session_by_id() {
    let dir = TempDir::new("reconnect");
    let server = Server::start(&dir, &["--request-timeout", "2"]);
    let out = s_client_reconnect(&server);
    // -reconnect: one full handshake, then five that resume it.
    assert_eq!(out.matches("Reused, TLSv1.2").count(), 5, "{out}");
}

/// `openssl s_client` at `version` (`-tls1_3`, `-tls1_2`) asking for the
/// page, saving its session to `file` (`-sess_out`) or offering the one
/// saved there (`-sess_in`); returns what s_client printed and the page.
fn page_with_session(server: &Server, version: &str, flag: &str, file: &Path) -> String {
    let mut command = Command::new("openssl");
    command
        .args(["s_client", version, "-ign_eof", "-connect"])
        .arg(format!("127.0.0.1:{}", server.port()))
        .args(["-servername", "localhost", "-CAfile"])
        .arg(&server.ca)
        .arg(flag)
        .arg(file);
    text(&run(command, b"GET / HTTP/1.0\r\n\r\n"))
}

#[test]
fn a_session_saved_by_one_s_client_is_resumed_by_another() {
    // Two separate OpenSSL processes: the first saves its session to a
    // file (-sess_out), the second offers it (-sess_in), and keel serve
    // finds it in its cache. keel's page says whether it resumed.
    let dir = TempDir::new("sess-in-out");
    let server = Server::start(&dir, &[]);
    let session_file = dir.0.join("session.pem");
    let page_via = |flag: &str| page_with_session(&server, "-tls1_2", flag, &session_file);
    let first = page_via("-sess_out");
    assert!(first.contains("New, TLSv1.2"), "{first}");
    assert!(first.contains("resumed: no"), "{first}");
    assert!(session_file.exists(), "s_client saved no session");
    let second = page_via("-sess_in");
    assert!(second.contains("Reused, TLSv1.2"), "{second}");
    assert!(second.contains("resumed: yes"), "{second}");
}

#[test]
fn two_servers_sharing_a_ticket_key_resume_each_others_sessions() {
    // Two keel serve processes, like two machines behind a load balancer:
    // they share nothing but the ticket key file. s_client takes a ticket
    // from the first and presents it to the second.
    let (dir_a, dir_b) = (TempDir::new("ticket-a"), TempDir::new("ticket-b"));
    let key_file = dir_a.0.join("ticket.key");
    std::fs::write(&key_file, [0x6b; 32]).unwrap();
    let key_arg = ["--ticket-key", key_file.to_str().unwrap()];
    let (a, b) = (
        Server::start(&dir_a, &key_arg),
        Server::start(&dir_b, &key_arg),
    );
    let session_file = dir_a.0.join("session.pem");
    let page_via =
        |server: &Server, flag: &str| page_with_session(server, "-tls1_2", flag, &session_file);
    let first = page_via(&a, "-sess_out");
    assert!(first.contains("resumed: no"), "{first}");
    assert!(
        first.contains("TLS session ticket lifetime hint: 3600"),
        "{first}"
    );
    let second = page_via(&b, "-sess_in");
    assert!(second.contains("Reused, TLSv1.2"), "{second}");
    assert!(second.contains("resumed: yes"), "{second}");

    // A key file of the wrong size is refused at startup.
    std::fs::write(&key_file, [0x6b; 16]).unwrap();
    let message = serve_fails(&dir_a, &key_arg);
    assert!(message.contains("--ticket-key"), "{message}");
    assert!(message.contains("32..=1024 bytes, not 16"), "{message}");
}

#[test]
fn openssl_s_client_reconnects_by_ticket() {
    // With --ticket-key, s_client -reconnect resumes from tickets.
    let dir = TempDir::new("reconnect-ticket");
    let key_file = dir.0.join("ticket.key");
    std::fs::write(&key_file, [0x5c; 48]).unwrap();
    let server = Server::start(
        &dir,
        &[
            "--ticket-key",
            key_file.to_str().unwrap(),
            "--request-timeout",
            "2",
        ],
    );
    let out = s_client_reconnect(&server);
    assert_eq!(out.matches("Reused, TLSv1.2").count(), 5, "{out}");
    assert!(out.contains("TLS session ticket:"), "{out}");
}

/// Without --ticket-key, keel serve seals tickets under a secret of its
/// own: a client that resumes only by ticket (every TLS 1.3 client) is
/// resumed, in both versions.
#[test]
fn tickets_are_issued_without_a_ticket_key() {
    let dir = TempDir::new("default-tickets");
    let server = Server::start(&dir, &[]);
    for (version, name) in [("-tls1_3", "TLSv1.3"), ("-tls1_2", "TLSv1.2")] {
        let session_file = dir.0.join(format!("session{version}.pem"));
        let first = page_with_session(&server, version, "-sess_out", &session_file);
        assert!(first.contains(&format!("New, {name}")), "{first}");
        assert!(
            first.contains("TLS session ticket lifetime hint: 3600"),
            "{first}"
        );
        let second = page_with_session(&server, version, "-sess_in", &session_file);
        assert!(second.contains(&format!("Reused, {name}")), "{second}");
        assert!(second.contains("resumed: yes"), "{second}");
    }
}

/// With --no-tickets nothing is sealed: TLS 1.2 gets no ticket and resumes
/// by session ID, and TLS 1.3's ticket only names an entry of the session
/// cache, so it resumes once and no more.
#[test]
fn no_tickets_leaves_resumption_to_the_session_cache() {
    let dir = TempDir::new("no-tickets");
    let server = Server::start(&dir, &["--no-tickets"]);
    let session_file = dir.0.join("session12.pem");
    let first = page_with_session(&server, "-tls1_2", "-sess_out", &session_file);
    assert!(!first.contains("TLS session ticket"), "{first}");
    let second = page_with_session(&server, "-tls1_2", "-sess_in", &session_file);
    assert!(second.contains("Reused, TLSv1.2"), "{second}");

    let session_file = dir.0.join("session13.pem");
    let first = page_with_session(&server, "-tls1_3", "-sess_out", &session_file);
    assert!(first.contains("New, TLSv1.3"), "{first}");
    let second = page_with_session(&server, "-tls1_3", "-sess_in", &session_file);
    assert!(second.contains("Reused, TLSv1.3"), "{second}");
    let third = page_with_session(&server, "-tls1_3", "-sess_in", &session_file);
    assert!(third.contains("New, TLSv1.3"), "{third}");

    // --no-tickets and --ticket-key contradict each other.
    let message = serve_fails(&dir, &["--no-tickets", "--ticket-key", "ticket.key"]);
    assert!(message.contains("cannot be used with"), "{message}");
}

/// `--backlog 0` is a usage error naming the option, before anything is
/// bound.
#[test]
fn a_backlog_of_zero_is_refused() {
    let dir = TempDir::new("backlog");
    let message = serve_fails(&dir, &["--listen", "127.0.0.1:0", "--backlog", "0"]);
    assert!(
        message.contains("invalid value '0' for '--backlog <N>'"),
        "{message}"
    );
    let server = Server::start(&dir, &["--backlog", "1"]);
    let output = curl(&server, &[]);
    assert!(output.status.success(), "{}", text(&output));
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// SIGTERM while a client is connected: the port closes at once, the
/// client still gets its page and close_notify, and the server exits 0.
#[test]
fn on_sigterm_an_open_client_finishes_and_new_ones_are_refused() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = TempDir::new("sigterm-finish");
    let mut server = Server::start(&dir, &[]);
    runtime().block_on(async {
        let mut tls = server.keel_client().await;
        server.terminate();
        server.wait_for_log("no longer accepting");
        let refused = TcpStream::connect(server.addr);
        assert!(refused.is_err(), "a new connection was accepted");
        tls.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
        let mut page = Vec::new();
        tls.read_to_end(&mut page).await.unwrap();
        assert!(tls.connection().peer_closed(), "no close_notify");
        let page = String::from_utf8_lossy(&page);
        assert!(page.starts_with("HTTP/1.1 200 OK"), "{page}");
    });
    let status = server.exit_status(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "{status:?}");
    let log = server.log();
    assert!(log.contains("shut down") && log.contains("cut=0"), "{log}");
}

/// SIGTERM while a client sits idle: at --shutdown-timeout the client
/// gets close_notify, and the server exits 0 and says it cut one.
#[test]
fn on_sigterm_an_idle_client_gets_close_notify_at_the_deadline() {
    use tokio::io::AsyncReadExt;
    let dir = TempDir::new("sigterm-idle");
    let mut server = Server::start(&dir, &["--shutdown-timeout", "1"]);
    let waited = runtime().block_on(async {
        let mut tls = server.keel_client().await;
        server.terminate();
        let signalled = std::time::Instant::now();
        let mut rest = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), tls.read_to_end(&mut rest))
            .await
            .expect("the server did not close")
            .expect("the stream ended without close_notify");
        assert!(tls.connection().peer_closed());
        assert!(rest.is_empty(), "{rest:?}");
        signalled.elapsed()
    });
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    let status = server.exit_status(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "{status:?}");
    let log = server.log();
    assert!(log.contains("cut at the shutdown deadline"), "{log}");
    assert!(log.contains("open=1") && log.contains("cut=1"), "{log}");
}

/// Thousands of connections that never send a byte: they count against
/// --max-handshakes, whose oldest are closed as new ones arrive, and take
/// no --max-connections slot, so a real client that connects after them
/// gets its page within seconds, not after their 60 s handshake timeout.
#[test]
fn silent_connections_do_not_delay_a_real_client() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    const MAX_HANDSHAKES: usize = 32;
    let count = silent_clients::silent_count(3_000);
    let dir = TempDir::new("silent");
    let server = Server::start(
        &dir,
        &[
            "--handshake-timeout",
            "60",
            "--max-connections",
            "4",
            "--max-handshakes",
            &MAX_HANDSHAKES.to_string(),
            // One warning per evicted connection would be thousands.
            "--log-level",
            "error",
        ],
    );
    runtime().block_on(async {
        let silent = silent_clients::open_silent(server.addr, count, MAX_HANDSHAKES).await;
        let opened = silent.len();
        let started = std::time::Instant::now();
        let served = tokio::time::timeout(Duration::from_secs(5), async {
            let mut tls = server.keel_client().await;
            tls.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
            let mut page = Vec::new();
            tls.read_to_end(&mut page).await.unwrap();
            page
        })
        .await;
        eprintln!("the real client: {:?} after connecting", started.elapsed());
        let page = served.unwrap_or_else(|_| {
            panic!("a real client was not served within 5 s behind {opened} silent connections")
        });
        let page = String::from_utf8_lossy(&page);
        assert!(page.starts_with("HTTP/1.1 200 OK"), "{page}");
        assert_eq!(opened, count, "not every silent connection was accepted");
        drop(silent);
    });
}
