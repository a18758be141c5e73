//! `openssl s_client` → keel server: every suite (keel holds both an ECDSA
//! and an RSA certificate and must pick the one the suite needs), over a
//! group keel forces; client authentication required, with and
//! without a client certificate. The keel server echoes one line with a
//! prefix, then closes with close_notify.

use keel::HandshakeError;
use keel::pki::{CertError, ClientAuth};
use keel::registry::AlertDescription;

use crate::harness::{
    ALPN, ECDHE_ECDSA_AES128_GCM, ECDHE_ECDSA_AES256_GCM, ECDHE_ECDSA_CHACHA20,
    ECDHE_RSA_AES128_GCM, ECDHE_RSA_AES256_GCM, ECDHE_RSA_CHACHA20, ECHO_PREFIX, Group, HOST,
    KeelServer, P256, P384, Suite, TempDir, X25519, assert_session, deadline, handshake_error, pki,
    server_config,
};
use crate::openssl::s_client;

/// The s_client arguments of a TLS 1.2 client that offers one suite,
/// checks keel's certificate and name, and offers ALPN. It offers all three
/// of keel's groups: in TLS 1.2 the groups a client offers also bound the
/// curves of the ECDSA certificates it accepts (RFC 8422 §5.1), and OpenSSL
/// enforces that; the tests force a group on keel's side instead.
fn s_client_args(dir: &TempDir, suite: Suite) -> Vec<String> {
    s_client_args_for(dir, suite.openssl, "X25519:P-256:P-384")
}

/// The same with any cipher and group lists.
fn s_client_args_for(dir: &TempDir, ciphers: &str, groups: &str) -> Vec<String> {
    let roots = dir.write("roots.pem", &pki().server_roots_pem);
    [
        "-tls1_2",
        "-cipher",
        ciphers,
        "-groups",
        groups,
        "-CAfile",
        roots.to_str().unwrap(),
        "-verify_return_error",
        "-verify_hostname",
        HOST,
        "-servername",
        HOST,
        "-alpn",
        ALPN,
    ]
    .map(str::to_owned)
    .to_vec()
}

fn s_client_to_keel(test: &str, suite: Suite, group: Group, client_auth: bool) {
    let deadline = deadline();
    let dir = TempDir::new(test);
    let pki = pki();
    let mut config = server_config().with_groups(&[group.keel]);
    if client_auth {
        config = config.with_client_auth(pki.client_roots(), ClientAuth::Required);
    }
    let server = KeelServer::start(config.build().unwrap(), deadline);

    let mut args = s_client_args(&dir, suite);
    if client_auth {
        let (cert, key) = pki.client.write(&dir, "client");
        args.extend(["-cert".into(), cert.to_str().unwrap().into()]);
        args.extend(["-key".into(), key.to_str().unwrap().into()]);
    }
    let mut client = s_client(&dir, server.addr, &args, None);
    // s_client sends its stdin once the handshake is done; stdin stays open
    // so that it is keel's close_notify that ends the session. 32 KiB: more
    // than one record each way.
    let line = format!(
        "hello from s_client over {} {}",
        suite.openssl,
        "0123456789abcdef".repeat(2048)
    );
    client.send(format!("{line}\n").as_bytes());

    let outcome = server
        .outcome(deadline)
        .unwrap_or_else(|e| panic!("keel server failed: {e}\n{}", client.finish(deadline)));
    let out = client.finish(deadline);
    assert_session(&outcome.session, suite, Some(group), Some(ALPN));
    assert_eq!(outcome.session.server_name.as_deref(), Some(HOST));
    assert_eq!(
        String::from_utf8_lossy(&outcome.received).trim_end(),
        line,
        "what keel received"
    );
    if client_auth {
        assert_eq!(
            outcome.session.peer_certificates.first(),
            Some(&pki.client.cert_der)
        );
    } else {
        assert!(outcome.session.peer_certificates.is_empty());
    }

    out.assert_printed(&format!("{ECHO_PREFIX}{line}"));
    out.assert_printed(&format!("New, TLSv1.2, Cipher is {}", suite.openssl));
    out.assert_printed("Verify return code: 0 (ok)");
    out.assert_printed(&format!("Verified peername: {HOST}"));
    out.assert_printed("Extended master secret: yes");
    out.assert_printed(&format!("ALPN protocol: {ALPN}"));
    out.assert_printed("Secure Renegotiation IS supported");
    out.assert_success();
}

#[test]
fn ecdhe_ecdsa_aes128_gcm() {
    s_client_to_keel("s-ecdsa-aes128", ECDHE_ECDSA_AES128_GCM, X25519, false);
}

#[test]
fn ecdhe_ecdsa_aes256_gcm() {
    s_client_to_keel("s-ecdsa-aes256", ECDHE_ECDSA_AES256_GCM, P256, false);
}

#[test]
fn ecdhe_ecdsa_chacha20_poly1305() {
    s_client_to_keel("s-ecdsa-chacha", ECDHE_ECDSA_CHACHA20, P384, false);
}

#[test]
fn ecdhe_rsa_aes128_gcm() {
    s_client_to_keel("s-rsa-aes128", ECDHE_RSA_AES128_GCM, P384, false);
}

#[test]
fn ecdhe_rsa_aes256_gcm() {
    s_client_to_keel("s-rsa-aes256", ECDHE_RSA_AES256_GCM, X25519, false);
}

#[test]
fn ecdhe_rsa_chacha20_poly1305() {
    s_client_to_keel("s-rsa-chacha", ECDHE_RSA_CHACHA20, P256, false);
}

#[test]
fn client_certificate_required_and_presented() {
    s_client_to_keel("s-client-auth", ECDHE_RSA_AES128_GCM, X25519, true);
}

/// keel requires a client certificate and s_client has none: keel refuses
/// with handshake_failure.
#[test]
fn client_certificate_required_but_absent() {
    let deadline = deadline();
    let dir = TempDir::new("s-client-auth-absent");
    let config = server_config()
        .with_client_auth(pki().client_roots(), ClientAuth::Required)
        .build()
        .unwrap();
    let server = KeelServer::start(config, deadline);
    let args = s_client_args(&dir, ECDHE_ECDSA_AES128_GCM);
    let mut client = s_client(&dir, server.addr, &args, None);

    let err = match server.outcome(deadline) {
        Ok(_) => panic!(
            "keel served a client without a certificate\n{}",
            client.finish(deadline)
        ),
        Err(err) => err,
    };
    let out = client.finish(deadline);
    let error = handshake_error(&err);
    assert_eq!(
        *error,
        HandshakeError::Certificate {
            source: CertError::NoCertificate
        },
        "{out}"
    );
    assert_eq!(error.alert(), Some(AlertDescription::HANDSHAKE_FAILURE));
    out.assert_printed("SSL alert number 40");
}

/// In TLS 1.2 the groups a client offers also bound the curve of an ECDSA
/// server certificate (RFC 8422 §5.1.1, §5.3: "The public key MUST use a
/// curve and point format supported by the client"). A client offering
/// X25519 only, and an ECDSA and an RSA suite, can only be served with the
/// RSA certificate; OpenSSL refuses a P-256 one (illegal_parameter, "wrong
/// curve").
#[test]
fn ecdsa_certificate_only_on_a_curve_the_client_offers() {
    let deadline = deadline();
    let dir = TempDir::new("s-ecdsa-curve");
    let server = KeelServer::start(server_config().build().unwrap(), deadline);
    let ciphers = format!(
        "{}:{}",
        ECDHE_ECDSA_AES128_GCM.openssl, ECDHE_RSA_AES128_GCM.openssl
    );
    let args = s_client_args_for(&dir, &ciphers, X25519.openssl);
    let mut client = s_client(&dir, server.addr, &args, None);
    client.send(b"hello\n");

    let outcome = server
        .outcome(deadline)
        .unwrap_or_else(|e| panic!("keel server failed: {e}\n{}", client.finish(deadline)));
    let out = client.finish(deadline);
    assert_session(
        &outcome.session,
        ECDHE_RSA_AES128_GCM,
        Some(X25519),
        Some(ALPN),
    );
    out.assert_printed(&format!(
        "New, TLSv1.2, Cipher is {}",
        ECDHE_RSA_AES128_GCM.openssl
    ));
    out.assert_success();
}

/// A client that offers TLS 1.3 (OpenSSL's default: supported_versions
/// lists 1.3 and 1.2, and the TLS 1.3 suites come first) is answered with
/// TLS 1.2 by a keel server held to TLS 1.2, and the session works: such a
/// server writes no downgrade sentinel (RFC 8446 §4.1.3), which OpenSSL
/// would refuse.
#[test]
fn a_tls12_only_server_answers_a_client_offering_tls_1_3_with_tls_1_2() {
    let deadline = deadline();
    let dir = TempDir::new("s-client-tls13");
    let server = KeelServer::start(
        server_config()
            .with_versions(keel::Versions::Tls12Only)
            .build()
            .unwrap(),
        deadline,
    );
    // s_client_args with its "-tls1_2" removed: the version range is
    // OpenSSL's default, TLS 1.2 to TLS 1.3.
    let args: Vec<String> =
        s_client_args_for(&dir, ECDHE_ECDSA_AES128_GCM.openssl, "X25519:P-256:P-384")
            .into_iter()
            .filter(|a| a != "-tls1_2")
            .collect();
    let mut client = s_client(&dir, server.addr, &args, None);
    let line = "hello from a TLS 1.3-capable client";
    client.send(format!("{line}\n").as_bytes());
    let outcome = server
        .outcome(deadline)
        .unwrap_or_else(|e| panic!("keel server failed: {e}\n{}", client.finish(deadline)));
    let out = client.finish(deadline);
    assert_eq!(
        outcome.session.version,
        keel::registry::ProtocolVersion::TLS_V1_2
    );
    assert_eq!(String::from_utf8_lossy(&outcome.received).trim_end(), line);
    out.assert_printed("TLSv1.2");
}
