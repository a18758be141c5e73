//! keel client → `openssl s_server`: every suite, with the certificate of
//! its key type, over a group the server forces; and client
//! authentication. `s_server -rev` answers each line reversed, so data
//! crosses both ways.

use std::io::Write;

use crate::harness::{
    ALPN, ECDHE_ECDSA_AES128_GCM, ECDHE_ECDSA_AES256_GCM, ECDHE_ECDSA_CHACHA20,
    ECDHE_RSA_AES128_GCM, ECDHE_RSA_AES256_GCM, ECDHE_RSA_CHACHA20, Group, HOST, P256, P384, Suite,
    TempDir, X25519, assert_session, client_config, deadline, keel_close, keel_connect, pki,
    read_line,
};
use crate::openssl::s_server;

/// Runs one keel client against `s_server -rev`; with `client_auth`, the
/// server requires a client certificate and keel presents one.
fn keel_client_to_s_server(test: &str, suite: Suite, group: Group, client_auth: bool) {
    let deadline = deadline();
    let dir = TempDir::new(test);
    let pki = pki();
    let (cert, key) = pki.server(suite.key).write(&dir, "server");
    let client_ca = dir.write("client-ca.pem", &pki.client_ca_pem);
    let alpn = format!("{ALPN},http/1.1");
    let mut args = vec![
        "-tls1_2",
        "-cert",
        cert.to_str().unwrap(),
        "-key",
        key.to_str().unwrap(),
        "-cipher",
        suite.openssl,
        "-groups",
        group.openssl,
        "-alpn",
        &alpn,
        "-rev",
    ];
    if client_auth {
        args.extend([
            "-Verify",
            "1",
            "-verify_return_error",
            "-CAfile",
            client_ca.to_str().unwrap(),
        ]);
    }
    let mut server = s_server(&dir, &args, None, deadline);

    let mut config = client_config();
    if client_auth {
        config = config.with_client_certificate(pki.client.certified_key());
    }
    let mut stream = keel_connect(config.build().unwrap(), server.addr, HOST)
        .unwrap_or_else(|e| panic!("handshake failed: {e}\n{}", server.peer.finish(deadline)));

    let session = stream.connection().session().unwrap().clone();
    assert_session(&session, suite, Some(group), Some(ALPN));
    assert_eq!(
        session.peer_certificates.first(),
        Some(&pki.server(suite.key).cert_der)
    );

    // A long line (s_server reads lines of up to 16 KiB), answered reversed.
    let line = format!("keel {} {}", suite.openssl, "0123456789abcdef".repeat(600));
    stream.write_all(format!("{line}\n").as_bytes()).unwrap();
    let reply = read_line(&mut stream).unwrap();
    let reversed: String = line.chars().rev().collect();
    assert_eq!(
        String::from_utf8_lossy(&reply).trim_end(),
        reversed,
        "s_server's answer"
    );
    keel_close(stream);

    let out = server.peer.finish(deadline);
    out.assert_printed("Protocol version: TLSv1.2");
    out.assert_printed(&format!("Ciphersuite: {}", suite.openssl));
    out.assert_printed(&format!("ALPN protocols selected: {ALPN}"));
    out.assert_printed("CONNECTION CLOSED");
    if client_auth {
        out.assert_printed("Peer certificate: CN = keel interop client");
        out.assert_printed("Verification: OK");
    } else {
        out.assert_printed("No peer certificate");
    }
    out.assert_success();
}

#[test]
fn ecdhe_ecdsa_aes128_gcm() {
    keel_client_to_s_server("c-ecdsa-aes128", ECDHE_ECDSA_AES128_GCM, P256, false);
}

#[test]
fn ecdhe_ecdsa_aes256_gcm() {
    keel_client_to_s_server("c-ecdsa-aes256", ECDHE_ECDSA_AES256_GCM, P384, false);
}

#[test]
fn ecdhe_ecdsa_chacha20_poly1305() {
    keel_client_to_s_server("c-ecdsa-chacha", ECDHE_ECDSA_CHACHA20, X25519, false);
}

#[test]
fn ecdhe_rsa_aes128_gcm() {
    keel_client_to_s_server("c-rsa-aes128", ECDHE_RSA_AES128_GCM, X25519, false);
}

#[test]
fn ecdhe_rsa_aes256_gcm() {
    keel_client_to_s_server("c-rsa-aes256", ECDHE_RSA_AES256_GCM, P256, false);
}

#[test]
fn ecdhe_rsa_chacha20_poly1305() {
    keel_client_to_s_server("c-rsa-chacha", ECDHE_RSA_CHACHA20, P384, false);
}

#[test]
fn client_certificate_required_and_presented() {
    // s_server accepts only client keys on the curves it offers itself
    // (OpenSSL's check): P-256, the curve of keel's client key.
    keel_client_to_s_server("c-client-auth", ECDHE_ECDSA_AES128_GCM, P256, true);
}
