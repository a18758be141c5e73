//! TLS 1.3 with OpenSSL, both ways: every TLS 1.3 suite, each group, a
//! HelloRetryRequest forced with `-groups`, client authentication, and the
//! RFC 8446 §7.5 exporter against `-keymatexport`.

use std::io::Write;

use keel::Versions;
use keel::pki::ClientAuth;
use keel::registry::{CipherSuite, NamedGroup, ProtocolVersion};

use crate::harness::{
    ALPN, ECHO_PREFIX, EXPORT_LABEL, EXPORT_LEN, HOST, KeelServer, KeyType, TempDir, client_config,
    deadline, keel_close, keel_connect, pki, read_line, server_config,
};
use crate::openssl::{s_client, s_server};

/// One TLS 1.3 suite: keel's name and OpenSSL's (which is the RFC's).
pub(crate) struct Suite13 {
    pub(crate) keel: CipherSuite,
    pub(crate) openssl: &'static str,
}

pub(crate) const AES128: Suite13 = Suite13 {
    keel: CipherSuite::TLS_AES_128_GCM_SHA256,
    openssl: "TLS_AES_128_GCM_SHA256",
};
pub(crate) const AES256: Suite13 = Suite13 {
    keel: CipherSuite::TLS_AES_256_GCM_SHA384,
    openssl: "TLS_AES_256_GCM_SHA384",
};
pub(crate) const CHACHA: Suite13 = Suite13 {
    keel: CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
    openssl: "TLS_CHACHA20_POLY1305_SHA256",
};

/// A case: the suite, OpenSSL's `-groups`, keel's groups and the group
/// expected.
struct Case {
    suite: Suite13,
    openssl_groups: &'static str,
    keel_groups: &'static [NamedGroup],
    group: NamedGroup,
    client_auth: bool,
}

const ALL_GROUPS: &[NamedGroup] = &[
    NamedGroup::X25519MLKEM768,
    NamedGroup::X25519,
    NamedGroup::SECP256R1,
    NamedGroup::SECP384R1,
];

/// openssl s_client -tls1_3 → keel server (TLS 1.3 and 1.2 enabled).
fn s_client_to_keel(test: &str, case: &Case) {
    let deadline = deadline();
    let dir = TempDir::new(test);
    let pki = pki();
    let mut config = server_config()
        .with_versions(Versions::Tls13AndTls12)
        .with_groups(case.keel_groups);
    if case.client_auth {
        config = config.with_client_auth(pki.client_roots(), ClientAuth::Required);
    }
    let server = KeelServer::start(config.build().unwrap(), deadline);
    let roots = dir.write("roots.pem", &pki.server_roots_pem);
    let len = EXPORT_LEN.to_string();
    let mut args: Vec<String> = [
        "-tls1_3",
        "-ciphersuites",
        case.suite.openssl,
        "-groups",
        case.openssl_groups,
        "-CAfile",
        roots.to_str().unwrap(),
        "-verify_return_error",
        "-verify_hostname",
        HOST,
        "-servername",
        HOST,
        "-alpn",
        ALPN,
        "-keymatexport",
        EXPORT_LABEL,
        "-keymatexportlen",
        &len,
    ]
    .map(str::to_owned)
    .to_vec();
    if case.client_auth {
        let (cert, key) = pki.client.write(&dir, "client");
        args.extend(["-cert".into(), cert.to_str().unwrap().into()]);
        args.extend(["-key".into(), key.to_str().unwrap().into()]);
    }
    let mut client = s_client(&dir, server.addr, &args, None);
    let line = format!("hello over TLS 1.3 {}", "0123456789abcdef".repeat(2048));
    client.send(format!("{line}\n").as_bytes());
    let outcome = server
        .outcome(deadline)
        .unwrap_or_else(|e| panic!("keel server failed: {e}\n{}", client.finish(deadline)));
    let out = client.finish(deadline);
    let session = &outcome.session;
    assert_eq!(session.version, ProtocolVersion::TLS_V1_3, "{session:?}");
    assert_eq!(session.cipher_suite, case.suite.keel, "{session:?}");
    assert_eq!(session.group, case.group, "{session:?}");
    assert_eq!(session.alpn.as_deref(), Some(ALPN.as_bytes()));
    assert_eq!(session.server_name.as_deref(), Some(HOST));
    assert_eq!(
        String::from_utf8_lossy(&outcome.received).trim_end(),
        line,
        "what keel received"
    );
    if case.client_auth {
        assert_eq!(
            session.peer_certificates.first(),
            Some(&pki.client.cert_der)
        );
    }
    let hex: String = outcome
        .exported
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    out.assert_printed(&format!("{ECHO_PREFIX}{line}"));
    out.assert_printed(&format!("New, TLSv1.3, Cipher is {}", case.suite.openssl));
    out.assert_printed("Verify return code: 0 (ok)");
    out.assert_printed(&format!("ALPN protocol: {ALPN}"));
    out.assert_printed(&format!("Keying material: {hex}"));
    out.assert_success();
}

/// keel client (TLS 1.3 only) → openssl s_server -tls1_3 -rev.
fn keel_to_s_server(test: &str, case: &Case) {
    let deadline = deadline();
    let dir = TempDir::new(test);
    let pki = pki();
    let (cert, key) = pki.server(KeyType::Ecdsa).write(&dir, "server");
    let client_ca = dir.write("client-ca.pem", &pki.client_ca_pem);
    let mut args = vec![
        "-tls1_3",
        "-cert",
        cert.to_str().unwrap(),
        "-key",
        key.to_str().unwrap(),
        "-ciphersuites",
        case.suite.openssl,
        "-groups",
        case.openssl_groups,
        "-alpn",
        ALPN,
        "-rev",
    ];
    if case.client_auth {
        args.extend([
            "-Verify",
            "1",
            "-verify_return_error",
            "-CAfile",
            client_ca.to_str().unwrap(),
        ]);
    }
    let mut server = s_server(&dir, &args, None, deadline);
    let mut config = client_config()
        .with_versions(Versions::Tls13Only)
        .with_groups(case.keel_groups);
    if case.client_auth {
        config = config.with_client_certificate(pki.client.certified_key());
    }
    let mut stream = keel_connect(config.build().unwrap(), server.addr, HOST)
        .unwrap_or_else(|e| panic!("handshake failed: {e}\n{}", server.peer.finish(deadline)));
    let session = stream.connection().session().unwrap().clone();
    assert_eq!(session.version, ProtocolVersion::TLS_V1_3, "{session:?}");
    assert_eq!(session.cipher_suite, case.suite.keel, "{session:?}");
    assert_eq!(session.group, case.group, "{session:?}");
    assert_eq!(session.alpn.as_deref(), Some(ALPN.as_bytes()));
    let line = format!("keel 1.3 {}", "0123456789abcdef".repeat(600));
    stream.write_all(format!("{line}\n").as_bytes()).unwrap();
    let reply = read_line(&mut stream).unwrap();
    let reversed: String = line.chars().rev().collect();
    assert_eq!(String::from_utf8_lossy(&reply).trim_end(), reversed);
    keel_close(stream);
    let out = server.peer.finish(deadline);
    out.assert_printed("Protocol version: TLSv1.3");
    out.assert_printed(&format!("Ciphersuite: {}", case.suite.openssl));
    if case.client_auth {
        out.assert_printed("Verification: OK");
    }
    out.assert_success();
}

#[test]
fn s_client_aes128_x25519() {
    s_client_to_keel(
        "t13-s-aes128",
        &Case {
            suite: AES128,
            openssl_groups: "X25519:P-256:P-384",
            keel_groups: ALL_GROUPS,
            group: NamedGroup::X25519,
            client_auth: false,
        },
    );
}

#[test]
fn s_client_aes256_p256() {
    s_client_to_keel(
        "t13-s-aes256",
        &Case {
            suite: AES256,
            openssl_groups: "P-256",
            keel_groups: ALL_GROUPS,
            group: NamedGroup::SECP256R1,
            client_auth: false,
        },
    );
}

/// OpenSSL shares X25519 only; keel serves P-384 alone: a
/// HelloRetryRequest asks for a P-384 share.
#[test]
fn s_client_chacha_hello_retry_request_for_p384() {
    s_client_to_keel(
        "t13-s-hrr",
        &Case {
            suite: CHACHA,
            openssl_groups: "X25519:P-384",
            keel_groups: &[NamedGroup::SECP384R1],
            group: NamedGroup::SECP384R1,
            client_auth: false,
        },
    );
}

#[test]
fn s_client_with_a_client_certificate() {
    s_client_to_keel(
        "t13-s-client-auth",
        &Case {
            suite: AES128,
            openssl_groups: "X25519",
            keel_groups: ALL_GROUPS,
            group: NamedGroup::X25519,
            client_auth: true,
        },
    );
}

#[test]
fn keel_client_aes128_x25519() {
    keel_to_s_server(
        "t13-c-aes128",
        &Case {
            suite: AES128,
            openssl_groups: "X25519:P-256",
            keel_groups: ALL_GROUPS,
            group: NamedGroup::X25519,
            client_auth: false,
        },
    );
}

#[test]
fn keel_client_aes256_p256() {
    keel_to_s_server(
        "t13-c-aes256",
        &Case {
            suite: AES256,
            openssl_groups: "P-256",
            keel_groups: &[NamedGroup::SECP256R1],
            group: NamedGroup::SECP256R1,
            client_auth: false,
        },
    );
}

/// keel shares X25519MLKEM768 and X25519; OpenSSL 3.0 takes P-384 only and
/// asks for it with a HelloRetryRequest.
#[test]
fn keel_client_chacha_after_a_hello_retry_request() {
    keel_to_s_server(
        "t13-c-hrr",
        &Case {
            suite: CHACHA,
            openssl_groups: "P-384",
            keel_groups: ALL_GROUPS,
            group: NamedGroup::SECP384R1,
            client_auth: false,
        },
    );
}

#[test]
fn keel_client_with_a_client_certificate() {
    keel_to_s_server(
        "t13-c-client-auth",
        &Case {
            suite: AES128,
            openssl_groups: "X25519",
            keel_groups: ALL_GROUPS,
            group: NamedGroup::X25519,
            client_auth: true,
        },
    );
}

/// RFC 8446 §7.5: a keel client exports what `openssl s_server` prints
/// (`-rev` prints no keying material, so this server echoes nothing).
#[test]
fn keel_client_exports_what_s_server_exports() {
    let deadline = deadline();
    let dir = TempDir::new("t13-exporter");
    let (cert, key) = pki().server(KeyType::Ecdsa).write(&dir, "server");
    let label = "EXPERIMENTAL-keel-tls13";
    let args = [
        "-tls1_3",
        "-cert",
        cert.to_str().unwrap(),
        "-key",
        key.to_str().unwrap(),
        "-keymatexport",
        label,
        "-keymatexportlen",
        "32",
    ];
    let mut server = s_server(&dir, &args, None, deadline);
    let config = client_config().with_versions(Versions::Tls13Only);
    let stream = keel_connect(config.build().unwrap(), server.addr, HOST)
        .unwrap_or_else(|e| panic!("handshake failed: {e}\n{}", server.peer.finish(deadline)));
    let mut exported = [0u8; 32];
    stream
        .connection()
        .export_keying_material(&mut exported, label.as_bytes(), None)
        .unwrap();
    keel_close(stream);
    let out = server.peer.finish(deadline);
    out.assert_printed("CIPHER is TLS_AES_128_GCM_SHA256");
    out.assert_printed(&format!(
        "Keying material: {}",
        data_encoding::HEXUPPER.encode(&exported)
    ));
}
