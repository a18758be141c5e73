//! TLS 1.3 with GnuTLS, both ways, with priority strings that allow TLS
//! 1.3 only and force one cipher and one group: keel client →
//! `gnutls-serv --echo` (in a private network namespace, see
//! [`crate::netns`]) and `gnutls-cli` → keel server, each asserting the
//! version, suite, group and signature both sides report; and
//! `gnutls-cli --resume` resuming with a keel server's ticket.

use std::io::Write;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use keel::Versions;
use keel::registry::{CipherSuite, NamedGroup, ProtocolVersion};
use keel::sessions::TicketKeys;

use crate::gnutls::gnutls_serv;
use crate::handshake_server::HandshakeServer;
use crate::harness::{
    ALPN, ECHO_PREFIX, HOST, KeelServer, KeyType, Peer, TempDir, client_config, deadline,
    keel_close, keel_connect, pki, read_line, server_config,
};
use crate::netns::in_private_netns;

/// A TLS 1.3 case: what GnuTLS is limited to, and what both sides must
/// report.
struct Case {
    /// GnuTLS's cipher name, which is also its last part of the session
    /// description.
    cipher: &'static str,
    suite: CipherSuite,
    /// GnuTLS's group name, as in its priority strings (after `GROUP-`)
    /// and in its session description (after `ECDHE-`).
    group: &'static str,
    keel_group: NamedGroup,
    key: KeyType,
}

impl Case {
    /// TLS 1.3 only, this cipher only, this group only.
    fn priority(&self) -> String {
        format!(
            "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+{}:-GROUP-ALL:+GROUP-{}",
            self.cipher, self.group
        )
    }

    /// The start of GnuTLS's description of the session, up to the
    /// signature, and its end.
    fn description(&self) -> (String, String) {
        (
            format!("- Description: (TLS1.3-X.509)-(ECDHE-{})-(", self.group),
            format!(")-({})", self.cipher),
        )
    }

    /// The signature scheme's name in keel (TLS 1.3 signs with ECDSA or
    /// RSA-PSS, never PKCS#1 v1.5) and in GnuTLS.
    fn signature(&self) -> (&'static str, &'static str) {
        match self.key {
            KeyType::Ecdsa => ("ecdsa_secp256r1_sha256", "ECDSA-SECP256R1-SHA256"),
            KeyType::Rsa => ("rsa_pss_rsae_", "RSA-PSS-RSAE-"),
        }
    }

    fn assert_keel_session(&self, session: &keel::SessionInfo) {
        assert_eq!(session.version, ProtocolVersion::TLS_V1_3, "{session:?}");
        assert_eq!(session.cipher_suite, self.suite, "{session:?}");
        assert_eq!(session.group, self.keel_group, "{session:?}");
        assert_eq!(session.alpn.as_deref(), Some(ALPN.as_bytes()));
        let scheme = session.signature_scheme.to_string();
        assert!(
            scheme.starts_with(self.signature().0),
            "signature scheme {scheme}"
        );
    }

    /// Asserts GnuTLS's description of the session: version, group,
    /// signature and cipher.
    fn assert_gnutls_description(&self, text: &str) {
        let (start, end) = self.description();
        let line = text
            .lines()
            .find(|l| l.starts_with(&start))
            .unwrap_or_else(|| panic!("no {start:?} in\n{text}"));
        assert!(line.ends_with(&end), "{line}");
        assert!(
            line.contains(&format!("-({}", self.signature().1)),
            "{line}"
        );
    }
}

/// ECDSA, ChaCha20-Poly1305, P-384: keel's client shares X25519MLKEM768
/// and X25519 first, so gnutls-serv asks for P-384 with a
/// HelloRetryRequest.
const ECDSA_CHACHA_P384: Case = Case {
    cipher: "CHACHA20-POLY1305",
    suite: CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
    group: "SECP384R1",
    keel_group: NamedGroup::SECP384R1,
    key: KeyType::Ecdsa,
};
const RSA_AES256_X25519: Case = Case {
    cipher: "AES-256-GCM",
    suite: CipherSuite::TLS_AES_256_GCM_SHA384,
    group: "X25519",
    keel_group: NamedGroup::X25519,
    key: KeyType::Rsa,
};
const ECDSA_AES128_P256: Case = Case {
    cipher: "AES-128-GCM",
    suite: CipherSuite::TLS_AES_128_GCM_SHA256,
    group: "SECP256R1",
    keel_group: NamedGroup::SECP256R1,
    key: KeyType::Ecdsa,
};

/// This test's name as the test harness lists it.
fn test_name(function: &str) -> String {
    let module = module_path!().split_once("::").unwrap().1;
    format!("{module}::{function}")
}

// --- keel client → gnutls-serv, in a private network namespace ---------------

fn keel_client_to_gnutls_serv(test: &str, case: &Case) {
    let deadline = deadline();
    let dir = TempDir::new(test);
    let (mut server, addr) = gnutls_serv(&dir, case.key, &case.priority(), deadline);
    let config = client_config()
        .with_versions(Versions::Tls13Only)
        .build()
        .unwrap();
    let mut stream = keel_connect(config, addr, HOST)
        .unwrap_or_else(|e| panic!("handshake failed: {e}\n{}", server.kill()));
    case.assert_keel_session(stream.connection().session().unwrap());

    let line = format!("keel to gnutls-serv over TLS 1.3 and {}", case.cipher);
    stream.write_all(format!("{line}\n").as_bytes()).unwrap();
    let reply = read_line(&mut stream).unwrap();
    assert_eq!(String::from_utf8_lossy(&reply).trim_end(), line, "echo");
    keel_close(stream);

    // gnutls-serv serves forever: stop it and read what it saw.
    let out = server.kill();
    out.assert_printed("- Version: TLS1.3");
    out.assert_printed(&format!("- Cipher: {}", case.cipher));
    case.assert_gnutls_description(&out.stdout);
}

#[test]
fn keel_client_to_gnutls_serv_after_a_hello_retry_request() {
    in_private_netns(
        &test_name("keel_client_to_gnutls_serv_after_a_hello_retry_request"),
        || keel_client_to_gnutls_serv("g13-c-hrr", &ECDSA_CHACHA_P384),
    );
}

#[test]
fn keel_client_to_gnutls_serv_rsa() {
    in_private_netns(&test_name("keel_client_to_gnutls_serv_rsa"), || {
        keel_client_to_gnutls_serv("g13-c-rsa", &RSA_AES256_X25519);
    });
}

// --- gnutls-cli → keel server, on 127.0.0.1 ----------------------------------

/// `gnutls-cli` with `priority`, trusting the test roots, against `port`
/// on 127.0.0.1, with `extra` arguments.
fn gnutls_cli(dir: &TempDir, port: u16, priority: &str, extra: &[&str]) -> Peer {
    let roots = dir.write("roots.pem", &pki().server_roots_pem);
    let mut command = Command::new("gnutls-cli");
    command
        .current_dir(dir.path())
        .args(["--port", &port.to_string()])
        .args(["--priority", priority, "--alpn", ALPN])
        .args(["--sni-hostname", HOST, "--verify-hostname", HOST])
        .arg("--x509cafile")
        .arg(&roots)
        .args(extra)
        .arg("127.0.0.1");
    Peer::spawn("gnutls-cli", command)
}

/// The keel server holds an ECDSA and an RSA certificate; `key` is the
/// only one it may use (its TLS 1.3 suite and group choices are forced by
/// GnuTLS's priority string).
fn gnutls_cli_to_keel(test: &str, case: &Case) {
    let deadline = deadline();
    let dir = TempDir::new(test);
    let config = server_config()
        .with_versions(Versions::Tls13AndTls12)
        .build()
        .unwrap();
    let server = KeelServer::start(config, deadline);
    let mut client = gnutls_cli(&dir, server.addr.port(), &case.priority(), &[]);
    let line = format!("gnutls-cli to keel over TLS 1.3 and {}", case.cipher);
    client.send(format!("{line}\n").as_bytes());

    let outcome = server
        .outcome(deadline)
        .unwrap_or_else(|e| panic!("keel server failed: {e}\n{}", client.finish(deadline)));
    let out = client.finish(deadline);
    case.assert_keel_session(&outcome.session);
    assert_eq!(outcome.session.server_name.as_deref(), Some(HOST));
    assert_eq!(
        String::from_utf8_lossy(&outcome.received).trim_end(),
        line,
        "what keel received"
    );
    out.assert_printed(&format!("{ECHO_PREFIX}{line}"));
    out.assert_printed("- Status: The certificate is trusted.");
    case.assert_gnutls_description(&out.stdout);
    out.assert_printed("- Peer has closed the GnuTLS connection");
    out.assert_success();
}

#[test]
fn gnutls_cli_to_keel_server_aes128_p256() {
    gnutls_cli_to_keel("g13-s-aes128", &ECDSA_AES128_P256);
}

#[test]
fn gnutls_cli_to_keel_server_chacha_p384() {
    gnutls_cli_to_keel("g13-s-chacha", &ECDSA_CHACHA_P384);
}

/// `gnutls-cli --resume` waits for the keel server's ticket, reconnects
/// and offers it, and keel resumes: both say so.
#[test]
fn gnutls_cli_resumes_with_a_keel_ticket() {
    let deadline = deadline();
    let dir = TempDir::new("g13-s-resume");
    let keys = TicketKeys::new(
        &[0x47; 32],
        Duration::from_secs(3600),
        Duration::from_secs(3600),
    )
    .unwrap();
    let config = server_config()
        .with_versions(Versions::Tls13AndTls12)
        .with_session_tickets(Arc::new(keys))
        .build()
        .unwrap();
    let server = HandshakeServer::start(config, 2, deadline);
    let case = Case {
        key: KeyType::Ecdsa,
        ..RSA_AES256_X25519
    };
    let mut client = gnutls_cli(&dir, server.addr.port(), &case.priority(), &["--resume"]);
    let mut resumed = Vec::new();
    for index in 0..2 {
        let session = server
            .next(deadline)
            .unwrap_or_else(|e| panic!("handshake {}: {e}\n{}", index + 1, client.snapshot()));
        assert_eq!(session.version, ProtocolVersion::TLS_V1_3);
        assert_eq!(session.cipher_suite, case.suite);
        assert_eq!(session.group, case.keel_group);
        resumed.push(session.resumed);
    }
    client.close_stdin();
    let out = client.finish(deadline);
    assert_eq!(resumed, [false, true], "keel's account\n{out}");
    out.assert_printed("- Resume Handshake was completed");
    out.assert_printed("*** This is a resumed session");
    let (start, end) = case.description();
    let description = format!("{start}{}{end}", case.signature().1);
    assert_eq!(
        out.stdout.matches(&description).count(),
        1,
        "the full handshake\n{out}"
    );
    // GnuTLS describes a resumed session by its version and cipher alone,
    // with no key exchange or signature.
    let resumed_description = format!("- Description: (TLS1.3-X.509)--({})", case.cipher);
    out.assert_printed(&resumed_description);
    out.assert_success();
}
