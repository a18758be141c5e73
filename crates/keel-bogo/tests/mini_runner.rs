//! The shim under a runner of our own: the BoGo protocol (port, shim id,
//! the echo exchange, resumption over several connections, exit 89) with
//! keel and a real `openssl` on the runner's side, for a handful of the
//! runner's flag sets. BoringSSL's runner cannot be fetched here; this is
//! what proves the adapter speaks its protocol.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod runner;

use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::Arc;

use keel::sessions::{ClientSessionStore, ServerSessionCache};
use keel::{ClientConfig, ClientConnection, ServerConfig, ServerConnection, Stream};
use runner::{Files, OpensslServer, Peer, Runner, exchange, pki, splice};

fn flags(parts: &[&[String]]) -> Vec<String> {
    parts.iter().flat_map(|p| p.iter().cloned()).collect()
}

fn words(text: &[&str]) -> Vec<String> {
    text.iter().map(|s| (*s).to_owned()).collect()
}

/// The runner's keel server. Like BoringSSL's runner it keeps sessions,
/// so a full handshake leaves the shim's client something to resume.
fn keel_server(alpn: &[&str]) -> ServerConfig {
    let cache = Arc::new(ServerSessionCache::new(
        4,
        std::time::Duration::from_secs(3600),
    ));
    let mut builder = ServerConfig::builder()
        .with_certificate(pki().certified_key())
        .with_session_cache(cache);
    if !alpn.is_empty() {
        builder = builder.with_alpn(alpn.iter().copied());
    }
    builder.build().unwrap()
}

fn keel_client(alpn: &[&str], store: Option<Arc<ClientSessionStore>>) -> ClientConfig {
    let mut builder = ClientConfig::builder().with_root_certificates(pki().roots());
    if !alpn.is_empty() {
        builder = builder.with_alpn(alpn.iter().copied());
    }
    if let Some(store) = store {
        builder = builder.with_session_resumption(store);
    }
    builder.build().unwrap()
}

/// The shim as a client, keel as the runner's server; the shim verifies
/// the runner's chain against `-trust-cert` (with `-verify-peer`) and
/// offers ALPN, and the runner checks the echo.
#[test]
fn shim_client_against_a_keel_server() {
    let files = Files::new("client");
    let mut runner = Runner::new();
    let mut shim = runner.start(
        &files,
        &flags(&[
            &files.trust(),
            &words(&[
                "-verify-peer",
                "-advertise-alpn",
                "\u{2}h2\u{8}http/1.1",
                "-expect-alpn",
                "http/1.1",
            ]),
        ]),
    );
    let sock = runner.accept(&mut shim);
    let mut tls = Stream::new(ServerConnection::new(keel_server(&["http/1.1"])), sock);
    tls.handshake().unwrap();
    assert_eq!(
        tls.connection().session().unwrap().alpn.as_deref(),
        Some(&b"http/1.1"[..])
    );
    exchange(&mut tls, false);
    tls.close().unwrap();
    drop(tls);
    let exit = shim.wait();
    assert_eq!(exit.code, Some(0), "{exit:?}");
    assert_eq!(exit.stderr, "", "a passing shim prints nothing on stderr");
}

/// The shim as a server writing first, keel as the runner's client, which
/// ends with close_notify as `-check-close-notify` requires.
#[test]
fn shim_server_writes_first() {
    let files = Files::new("server");
    let mut runner = Runner::new();
    let mut shim = runner.start(
        &files,
        &flags(&[
            &words(&["-server", "-shim-writes-first"]),
            &files.credential(),
        ]),
    );
    let sock = runner.accept(&mut shim);
    let client = ClientConnection::new(keel_client(&[], None), "test").unwrap();
    let mut tls = Stream::new(client, sock);
    exchange(&mut tls, true);
    tls.close().unwrap();
    drop(tls);
    let exit = shim.wait();
    assert_eq!(exit.code, Some(0), "{exit:?}");
}

/// `-resume-count 2`: three connections, each with the id prefix; the
/// runner's client resumes on the second and third (the shim checks it
/// resumed too), then a test where the runner refuses to resume and the
/// shim was told so with `-expect-session-miss`.
#[test]
fn resumption_across_connections() {
    let files = Files::new("resume");
    for (expect_miss, resume_on_runner) in [(false, true), (true, false)] {
        let mut runner = Runner::new();
        let mut args = flags(&[
            &words(&["-server", "-resume-count", "2"]),
            &files.credential(),
        ]);
        if expect_miss {
            args.push("-expect-session-miss".to_owned());
        }
        let mut shim = runner.start(&files, &args);
        let store = Arc::new(ClientSessionStore::new(
            4,
            std::time::Duration::from_secs(3600),
        ));
        for index in 0..3 {
            let sock = runner.accept(&mut shim);
            // The runner offers its session again only when it resumes.
            let config = keel_client(
                &[],
                (resume_on_runner || index == 0).then(|| Arc::clone(&store)),
            );
            let mut tls = Stream::new(ClientConnection::new(config, "test").unwrap(), sock);
            exchange(&mut tls, false);
            let resumed = tls.connection().session().unwrap().resumed;
            assert_eq!(resumed, index > 0 && resume_on_runner, "connection {index}");
            tls.close().unwrap();
        }
        let exit = shim.wait();
        assert_eq!(exit.code, Some(0), "expect_miss={expect_miss}: {exit:?}");
    }
}

/// The signature flags: the shim as a server requiring a client
/// certificate, accepting only ECDSA P-256 (`-verify-prefs 1027`) and
/// checking the client signed with it; then a shim client accepting only
/// RSA-PSS from an ECDSA server, which has nothing to sign with and says
/// so with a handshake_failure alert.
#[test]
fn signature_preferences() {
    let files = Files::new("sigalgs");
    let mut runner = Runner::new();
    let mut shim = runner.start(
        &files,
        &flags(&[
            &words(&[
                "-server",
                "-require-any-client-certificate",
                "-verify-prefs",
                "1027",
                "-expect-peer-signature-algorithm",
                "1027",
            ]),
            &files.credential(),
        ]),
    );
    let sock = runner.accept(&mut shim);
    let config = ClientConfig::builder()
        .with_root_certificates(pki().roots())
        .with_client_certificate(pki().certified_key())
        .build()
        .unwrap();
    let mut tls = Stream::new(ClientConnection::new(config, "test").unwrap(), sock);
    exchange(&mut tls, false);
    tls.close().unwrap();
    drop(tls);
    let exit = shim.wait();
    assert_eq!(exit.code, Some(0), "{exit:?}");

    let mut shim = runner.start(&files, &words(&["-verify-prefs", "2052"]));
    let sock = runner.accept(&mut shim);
    let mut tls = Stream::new(ServerConnection::new(keel_server(&[])), sock);
    assert!(tls.handshake().is_err());
    drop(tls);
    let exit = shim.wait();
    assert_eq!(exit.code, Some(1), "{exit:?}");
    assert!(
        exit.stderr.contains(":SSLV3_ALERT_HANDSHAKE_FAILURE:"),
        "{exit:?}"
    );
}

/// A check that fails is exit 1 with the reason on stderr: the runner's
/// server selects no ALPN but the shim expected one.
#[test]
fn a_failed_expectation_exits_1() {
    let files = Files::new("alpn-mismatch");
    let mut runner = Runner::new();
    let mut shim = runner.start(
        &files,
        &words(&["-advertise-alpn", "\u{2}h2", "-expect-alpn", "h2"]),
    );
    let sock = runner.accept(&mut shim);
    let mut tls = Stream::new(ServerConnection::new(keel_server(&[])), sock);
    let _ = tls.handshake();
    // The runner closes its side, as BoringSSL's does once a test is over;
    // the shim drains the socket until then.
    drop(tls);
    let exit = shim.wait();
    assert_eq!(exit.code, Some(1), "{exit:?}");
    assert!(exit.stderr.contains("ALPN None, expected Some"), "{exit:?}");
}

/// The exporter (RFC 5705): the shim writes the exported bytes first and
/// the runner compares them with its own.
#[test]
fn exported_keying_material_reaches_the_runner() {
    let files = Files::new("exporter");
    let mut runner = Runner::new();
    let mut shim = runner.start(
        &files,
        &words(&[
            "-export-keying-material",
            "40",
            "-export-label",
            "EXPERIMENTAL-bogo",
            "-export-context",
            "ctx",
            "-use-export-context",
        ]),
    );
    let sock = runner.accept(&mut shim);
    let mut tls = Stream::new(ServerConnection::new(keel_server(&[])), sock);
    tls.handshake().unwrap();
    let mut expected = [0u8; 40];
    tls.connection()
        .export_keying_material(&mut expected, b"EXPERIMENTAL-bogo", Some(b"ctx"))
        .unwrap();
    let mut got = [0u8; 40];
    std::io::Read::read_exact(&mut tls, &mut got).unwrap();
    assert_eq!(got, expected);
    exchange(&mut tls, false);
    tls.close().unwrap();
    drop(tls);
    assert_eq!(shim.wait().code, Some(0));
}

/// A real OpenSSL server as the runner's peer, spliced onto the shim's
/// socket: the shim verifies its chain for the name `test` and echoes
/// what s_server sends; s_server's `Q` then closes the socket without
/// close_notify, which BoringSSL's shim (and so keel's) accepts at the end
/// of the echo unless `-check-close-notify` is given.
#[test]
fn shim_client_against_openssl() {
    let files = Files::new("openssl");
    let (cert, key) = (files.path("cert.pem"), files.path("key.pem"));
    let mut server = OpensslServer::start(&["-cert", &cert, "-key", &key]);
    let mut runner = Runner::new();
    let mut shim = runner.start(
        &files,
        &flags(&[
            &files.trust(),
            &words(&["-verify-peer", "-host-name", "test"]),
        ]),
    );
    let sock = runner.accept(&mut shim);
    let upstream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    let relay = splice(sock, upstream);
    server.send(&[0x42; 32]);
    server.wait_for(|out| out.windows(32).any(|w| w == [0xbd; 32]).then_some(()));
    server.send(b"Q\n");
    let exit = shim.wait();
    assert_eq!(exit.code, Some(0), "{exit:?}");
    relay.join().unwrap();
}

/// A client offering only TLS 1.1 (openssl s_client) against the shim as
/// server: keel refuses, and the shim names the failure as BoringSSL
/// would, for the runner's expected-error match.
#[test]
fn a_refused_version_is_named_for_the_runner() {
    let files = Files::new("tls11");
    let mut runner = Runner::new();
    let mut shim = runner.start(&files, &flags(&[&words(&["-server"]), &files.credential()]));
    let sock = runner.accept(&mut shim);
    let front = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = front.local_addr().unwrap().port();
    let _client = Peer(
        Command::new("openssl")
            .args([
                "s_client",
                "-connect",
                &format!("127.0.0.1:{port}"),
                "-tls1_1",
                "-cipher",
                "DEFAULT@SECLEVEL=0",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let (from_client, _) = front.accept().unwrap();
    let relay = splice(from_client, sock);
    let exit = shim.wait();
    assert_eq!(exit.code, Some(1), "{exit:?}");
    assert!(exit.stderr.contains(":UNSUPPORTED_PROTOCOL:"), "{exit:?}");
    drop(_client);
    relay.join().unwrap();
}

/// Flags keel does not implement are exit 89 before any connection, so
/// the runner counts the test as unimplemented; so are features keel
/// refuses. `-is-handshaker-supported` is answered `No`.
#[test]
fn unknown_and_refused_flags_exit_89() {
    let files = Files::new("unimplemented");
    for args in [
        words(&["-dtls"]),
        words(&["-some-flag-from-the-future"]),
        words(&["-max-version", "770"]),
        words(&["-curves", "25"]),
        words(&["-renegotiate-freely"]),
    ] {
        let mut runner = Runner::new();
        let mut shim = runner.start(&files, &args);
        let exit = shim.wait();
        assert_eq!(exit.code, Some(89), "{args:?}: {exit:?}");
    }
    let output = Command::new(env!("CARGO_BIN_EXE_keel-bogo"))
        .arg("-is-handshaker-supported")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(output.stdout, b"No\n");
}
