//! Go's crypto/tls, an implementation that shares no code with OpenSSL or
//! GnuTLS: keel client → Go server and Go client → keel server, with Go on
//! its defaults (it offers TLS 1.3 and X25519MLKEM768 first) and keel held
//! to TLS 1.2 here, so that both must settle on TLS 1.2 and X25519;
//! session tickets both ways; and a refusal each way. The peer is
//! `go/peer/main.go`, see [`crate::go_peer`].

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use keel::HandshakeError;
use keel::pki::CertError;
use keel::registry::AlertDescription;
use keel::sessions::{ClientSessionStore, TicketKeys};

use crate::go_peer::{GO_ECHO_PREFIX, Report, go_client, go_peer, go_server};
use crate::harness::{
    ALPN, ECDHE_ECDSA_AES128_GCM, ECDHE_RSA_AES128_GCM, ECHO_PREFIX, HOST, KeelServer, KeyType,
    Suite, TempDir, X25519, assert_session, client_config, deadline, handshake_error, keel_close,
    keel_connect, pki, read_line, server_config,
};

/// keel's client and server builders held to TLS 1.2.
fn client12() -> keel::ClientConfigBuilder {
    client_config().with_versions(keel::Versions::Tls12Only)
}

fn server12() -> keel::ServerConfigBuilder {
    server_config().with_versions(keel::Versions::Tls12Only)
}

/// A line longer than a record (16 KiB), so that data crosses in several
/// records each way.
fn long_line(from: &str) -> String {
    format!("hello from {from} {}", "0123456789abcdef".repeat(2048))
}

// --- keel client → Go server --------------------------------------------------

/// A keel client against the Go server holding a certificate of `suite`'s
/// key type. Go's server picks the suite by its own preference, AES-128-GCM
/// first on a machine with AES instructions.
fn keel_client_to_go_server(test: &str, suite: Suite, go_suite: &str) {
    go_peer();
    let deadline = deadline();
    let dir = TempDir::new(test);
    let identity = pki().server(suite.key);
    let mut server = go_server(&dir, identity, 1, &[], deadline);

    let config = client12().build().unwrap();
    let mut stream = keel_connect(config, server.addr, HOST)
        .unwrap_or_else(|e| panic!("handshake failed: {e}\n{}", server.peer.kill()));
    let session = stream.connection().session().unwrap().clone();
    assert_session(&session, suite, Some(X25519), Some(ALPN));
    assert_eq!(session.peer_certificates.first(), Some(&identity.cert_der));

    let line = long_line("keel");
    stream.write_all(format!("{line}\n").as_bytes()).unwrap();
    let reply = read_line(&mut stream).unwrap();
    assert_eq!(
        String::from_utf8(reply).unwrap(),
        format!("{GO_ECHO_PREFIX}{line}\n"),
        "the Go server's answer"
    );
    keel_close(stream);

    let out = server.peer.finish(deadline);
    let reports = Report::connections(&out);
    assert_eq!(reports.len(), 1, "{out}");
    reports[0].assert_negotiated(go_suite, false);
    assert_eq!(reports[0].get("received"), line, "what Go received");
    out.assert_success();
}

#[test]
fn keel_client_to_go_server_ecdsa() {
    keel_client_to_go_server(
        "go-c-ecdsa",
        ECDHE_ECDSA_AES128_GCM,
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    );
}

#[test]
fn keel_client_to_go_server_rsa() {
    keel_client_to_go_server(
        "go-c-rsa",
        ECDHE_RSA_AES128_GCM,
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    );
}

/// Go's server issues a ticket (it does by default); the keel client keeps
/// it and its second connection resumes with it.
#[test]
fn keel_client_resumes_by_ticket_with_go_server() {
    go_peer();
    let deadline = deadline();
    let dir = TempDir::new("go-c-resume");
    let mut server = go_server(&dir, &pki().ecdsa_server, 2, &[], deadline);
    let store = Arc::new(ClientSessionStore::new(8, Duration::from_secs(3600)));
    let config = client12().with_session_resumption(store).build().unwrap();

    for (index, resumed) in [false, true].into_iter().enumerate() {
        let mut stream = keel_connect(config.clone(), server.addr, HOST)
            .unwrap_or_else(|e| panic!("handshake {}: {e}\n{}", index + 1, server.peer.kill()));
        let session = stream.connection().session().unwrap().clone();
        assert_eq!(session.resumed, resumed, "connection {}", index + 1);
        assert_eq!(session.cipher_suite, ECDHE_ECDSA_AES128_GCM.keel);
        stream.write_all(b"ticket\n").unwrap();
        let reply = read_line(&mut stream).unwrap();
        assert_eq!(reply, format!("{GO_ECHO_PREFIX}ticket\n").as_bytes());
        keel_close(stream);
    }

    let out = server.peer.finish(deadline);
    let reports = Report::connections(&out);
    assert_eq!(reports.len(), 2, "{out}");
    reports[0].assert_negotiated("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", false);
    reports[1].assert_negotiated("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", true);
    out.assert_success();
}

// --- Go client → keel server --------------------------------------------------

/// The keel server, holding an ECDSA and an RSA certificate, picks an ECDSA
/// suite for Go (Go's client accepts either).
#[test]
fn go_client_to_keel_server() {
    go_peer();
    let deadline = deadline();
    let dir = TempDir::new("go-s");
    let server = KeelServer::start(server12().build().unwrap(), deadline);
    let line = long_line("Go");
    let mut client = go_client(&dir, server.addr, &pki().server_roots_pem, 1, &line, &[]);

    let outcome = server
        .outcome(deadline)
        .unwrap_or_else(|e| panic!("keel server failed: {e}\n{}", client.finish(deadline)));
    let out = client.finish(deadline);
    assert_session(
        &outcome.session,
        ECDHE_ECDSA_AES128_GCM,
        Some(X25519),
        Some(ALPN),
    );
    assert_eq!(outcome.session.server_name.as_deref(), Some(HOST));
    assert!(!outcome.session.resumed);
    assert_eq!(
        String::from_utf8(outcome.received).unwrap(),
        format!("{line}\n"),
        "what keel received"
    );

    let reports = Report::connections(&out);
    assert_eq!(reports.len(), 1, "{out}");
    reports[0].assert_negotiated("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", false);
    assert_eq!(reports[0].get("reply"), format!("{ECHO_PREFIX}{line}"));
    out.assert_success();
}

/// Two connections of one Go client to one keel server; returns whether
/// keel resumed each, and Go's reports.
fn go_client_twice(test: &str, config: keel::ServerConfig) -> ([bool; 2], Vec<Report>) {
    go_peer();
    let deadline = deadline();
    let dir = TempDir::new(test);
    let server = KeelServer::serving(config, 2, deadline);
    let mut client = go_client(&dir, server.addr, &pki().server_roots_pem, 2, "again", &[]);
    let mut resumed = [false; 2];
    for (index, resumed) in resumed.iter_mut().enumerate() {
        let outcome = server.outcome(deadline).unwrap_or_else(|e| {
            panic!(
                "keel server, connection {}: {e}\n{}",
                index + 1,
                client.finish(deadline)
            )
        });
        assert_eq!(outcome.received, b"again\n");
        *resumed = outcome.session.resumed;
    }
    let out = client.finish(deadline);
    out.assert_success();
    let reports = Report::connections(&out);
    assert_eq!(reports.len(), 2, "{out}");
    for report in &reports {
        assert_eq!(report.get("reply"), format!("{ECHO_PREFIX}again"));
    }
    (resumed, reports)
}

/// Go's client resumes TLS 1.2 sessions only with tickets (RFC 5077): a
/// keel server with ticket keys gives it one, and its second connection is
/// an abbreviated handshake, on both sides' account.
#[test]
fn go_client_resumes_by_ticket_with_keel_server() {
    let keys = TicketKeys::new(
        &[0x5a; 32],
        Duration::from_secs(3600),
        Duration::from_secs(3600),
    )
    .unwrap();
    let config = server12()
        .with_session_tickets(Arc::new(keys))
        .build()
        .unwrap();
    let (resumed, reports) = go_client_twice("go-s-ticket", config);
    assert_eq!(resumed, [false, true], "keel's account");
    reports[0].assert_negotiated("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", false);
    reports[1].assert_negotiated("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", true);
}

/// Without ticket keys keel issues no ticket, and Go, which does not offer
/// session IDs for resumption, runs a full handshake every time.
#[test]
fn go_client_without_a_ticket_runs_full_handshakes() {
    let (resumed, reports) = go_client_twice("go-s-no-ticket", server12().build().unwrap());
    assert_eq!(resumed, [false, false], "keel's account");
    reports[0].assert_negotiated("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", false);
    reports[1].assert_negotiated("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", false);
}

// --- Refusals -----------------------------------------------------------------

/// A Go client trusting only a root that did not issue keel's certificate
/// refuses it and says so with a bad_certificate alert, which keel reports
/// as the alert it received.
#[test]
fn go_client_refuses_keel_certificate_from_unknown_root() {
    go_peer();
    let deadline = deadline();
    let dir = TempDir::new("go-s-unknown-root");
    let server = KeelServer::start(server12().build().unwrap(), deadline);
    let mut client = go_client(
        &dir,
        server.addr,
        &pki().untrusted_root_pem,
        1,
        "never",
        &[],
    );

    let result = server.outcome(deadline);
    let out = client.finish(deadline);
    let err = result
        .err()
        .unwrap_or_else(|| panic!("keel's handshake completed\n{out}"));
    assert_eq!(
        *handshake_error(&err),
        HandshakeError::AlertReceived {
            description: AlertDescription::BAD_CERTIFICATE
        },
        "{out}"
    );
    let reports = Report::connections(&out);
    assert_eq!(reports.len(), 1, "{out}");
    assert_eq!(
        reports[0].get("error"),
        "tls: failed to verify certificate: x509: certificate signed by unknown authority"
    );
    assert_eq!(out.status.and_then(|s| s.code()), Some(1), "{out}");
}

/// A keel client asking for another name refuses Go's certificate with
/// bad_certificate, and Go's server reports that alert.
#[test]
fn keel_client_refuses_go_server_certificate_for_another_name() {
    go_peer();
    let deadline = deadline();
    let dir = TempDir::new("go-c-wrong-name");
    let mut server = go_server(&dir, pki().server(KeyType::Ecdsa), 1, &[], deadline);

    let result = keel_connect(client12().build().unwrap(), server.addr, "wrong.example");
    let out = server.peer.finish(deadline);
    let err = result
        .err()
        .unwrap_or_else(|| panic!("keel accepted a certificate for another name\n{out}"));
    let error = handshake_error(&err);
    match error {
        HandshakeError::Certificate {
            source: CertError::HostnameMismatch { expected, .. },
        } => assert_eq!(expected, "wrong.example"),
        other => panic!("expected a hostname mismatch, got {other:?}\n{out}"),
    }
    assert_eq!(error.alert(), Some(AlertDescription::BAD_CERTIFICATE));
    let reports = Report::connections(&out);
    assert_eq!(reports.len(), 1, "{out}");
    assert_eq!(
        reports[0].get("error"),
        "remote error: tls: bad certificate"
    );
    assert_eq!(out.status.and_then(|s| s.code()), Some(1), "{out}");
}
