//! GnuTLS: keel client → `gnutls-serv --echo` (in a private network
//! namespace, see [`crate::netns`]: gnutls-serv listens on every
//! interface), and `gnutls-cli` → keel server; an ECDSA and an RSA suite
//! each way.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::harness::{
    ALPN, ECDHE_ECDSA_AES256_GCM, ECDHE_ECDSA_CHACHA20, ECDHE_RSA_AES128_GCM, ECDHE_RSA_CHACHA20,
    ECHO_PREFIX, HOST, KeelServer, KeyType, Peer, Suite, TempDir, assert_session, client_config,
    deadline, keel_close, keel_connect, pki, read_line, server_config,
};
use crate::netns::in_private_netns;

/// A GnuTLS priority string allowing TLS 1.2 with exactly this suite's key
/// exchange and cipher.
fn priority(suite: Suite) -> String {
    format!(
        "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:-CIPHER-ALL:{}",
        suite.gnutls
    )
}

/// The description GnuTLS prints for a session of this suite, minus the
/// group and signature parts: `(TLS1.2-X.509)` and the cipher.
fn gnutls_cipher(suite: Suite) -> &'static str {
    suite
        .gnutls
        .rsplit(":+")
        .next()
        .unwrap()
        .trim_start_matches('+')
}

/// This test's name as the test harness lists it.
fn test_name(function: &str) -> String {
    let module = module_path!().split_once("::").unwrap().1;
    format!("{module}::{function}")
}

// --- keel client → gnutls-serv, in a private network namespace ---------------

/// Whether something listens on TCP `port` in this network namespace
/// (`/proc/net/tcp` is per namespace; state 0A is LISTEN).
fn listening(port: u16) -> bool {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let local = format!(":{port:04X}");
    table.lines().skip(1).any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        fields.get(1).is_some_and(|addr| addr.ends_with(&local)) && fields.get(3) == Some(&"0A")
    })
}

/// Starts `gnutls-serv --echo` with the certificate of type `key` and the
/// GnuTLS `priority` string, on a free port: a port the kernel handed out
/// and released, retried if the server fails to bind it. Ready once its
/// socket is in LISTEN state.
pub(crate) fn gnutls_serv(
    dir: &TempDir,
    key: KeyType,
    priority: &str,
    deadline: Instant,
) -> (Peer, SocketAddr) {
    let (cert, key) = pki().server(key).write(dir, "server");
    let mut last = String::new();
    for _ in 0..3 {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // stdbuf: gnutls-serv prints through stdio, fully buffered on a pipe.
        let mut command = Command::new("stdbuf");
        command
            .current_dir(dir.path())
            .args(["-oL", "-eL", "gnutls-serv"]);
        command
            .args([
                "--echo",
                "--disable-client-cert",
                "--port",
                &port.to_string(),
            ])
            .args(["--priority", priority, "--alpn", ALPN])
            .arg("--x509certfile")
            .arg(&cert)
            .arg("--x509keyfile")
            .arg(&key);
        let mut peer = Peer::spawn("gnutls-serv", command);
        loop {
            if listening(port) {
                return (peer, SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
            }
            if peer.has_exited() || Instant::now() >= deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let out = peer.finish(deadline);
        assert!(
            out.text().contains("bind") || out.text().contains("in use"),
            "gnutls-serv did not start\n{out}"
        );
        last = out.to_string();
    }
    panic!("gnutls-serv could not bind a port\n{last}")
}

fn keel_client_to_gnutls_serv(test: &str, suite: Suite) {
    let deadline = deadline();
    let dir = TempDir::new(test);
    let (mut server, addr) = gnutls_serv(&dir, suite.key, &priority(suite), deadline);

    let config = client_config().build().unwrap();
    let mut stream = keel_connect(config, addr, HOST)
        .unwrap_or_else(|e| panic!("handshake failed: {e}\n{}", server.kill()));
    let session = stream.connection().session().unwrap().clone();
    assert_session(&session, suite, None, Some(ALPN));

    let line = format!("keel to gnutls-serv over {}", suite.openssl);
    stream.write_all(format!("{line}\n").as_bytes()).unwrap();
    let reply = read_line(&mut stream).unwrap();
    assert_eq!(String::from_utf8_lossy(&reply).trim_end(), line, "echo");
    keel_close(stream);

    // gnutls-serv serves forever: stop it and read what it saw.
    let out = server.kill();
    out.assert_printed("- Version: TLS1.2");
    out.assert_printed(&format!("- Cipher: {}", gnutls_cipher(suite)));
    out.assert_printed("- Options: extended master secret, safe renegotiation");
}

#[test]
fn keel_client_to_gnutls_serv_ecdsa() {
    in_private_netns(&test_name("keel_client_to_gnutls_serv_ecdsa"), || {
        keel_client_to_gnutls_serv("g-c-ecdsa", ECDHE_ECDSA_AES256_GCM);
    });
}

#[test]
fn keel_client_to_gnutls_serv_rsa() {
    in_private_netns(&test_name("keel_client_to_gnutls_serv_rsa"), || {
        keel_client_to_gnutls_serv("g-c-rsa", ECDHE_RSA_CHACHA20);
    });
}

// --- gnutls-cli → keel server, on 127.0.0.1 ----------------------------------

fn gnutls_cli_to_keel(test: &str, suite: Suite) {
    let deadline = deadline();
    let dir = TempDir::new(test);
    let roots = dir.write("roots.pem", &pki().server_roots_pem);
    let server = KeelServer::start(server_config().build().unwrap(), deadline);

    let mut command = Command::new("gnutls-cli");
    command
        .current_dir(dir.path())
        .args(["--port", &server.addr.port().to_string()])
        .args(["--priority", &priority(suite), "--alpn", ALPN])
        .args(["--sni-hostname", HOST, "--verify-hostname", HOST])
        .arg("--x509cafile")
        .arg(&roots)
        .arg(server.addr.ip().to_string());
    let mut client = Peer::spawn("gnutls-cli", command);
    // Sent once the handshake is done; stdin stays open so that keel's
    // close_notify ends the session.
    let line = format!("hello from gnutls-cli over {}", suite.openssl);
    client.send(format!("{line}\n").as_bytes());

    let outcome = server
        .outcome(deadline)
        .unwrap_or_else(|e| panic!("keel server failed: {e}\n{}", client.finish(deadline)));
    let out = client.finish(deadline);
    assert_session(&outcome.session, suite, None, Some(ALPN));
    assert_eq!(outcome.session.server_name.as_deref(), Some(HOST));
    assert_eq!(
        String::from_utf8_lossy(&outcome.received).trim_end(),
        line,
        "what keel received"
    );

    out.assert_printed(&format!("{ECHO_PREFIX}{line}"));
    out.assert_printed("- Status: The certificate is trusted.");
    out.assert_printed("(TLS1.2-X.509)");
    out.assert_printed(&format!("-({})", gnutls_cipher(suite)));
    out.assert_printed("- Options: extended master secret, safe renegotiation");
    out.assert_printed("- Peer has closed the GnuTLS connection");
    out.assert_success();
}

#[test]
fn gnutls_cli_to_keel_server_ecdsa() {
    gnutls_cli_to_keel("g-s-ecdsa", ECDHE_ECDSA_CHACHA20);
}

#[test]
fn gnutls_cli_to_keel_server_rsa() {
    gnutls_cli_to_keel("g-s-rsa", ECDHE_RSA_AES128_GCM);
}
