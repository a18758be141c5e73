//! OCSP stapling (RFC 6066 §8) against OpenSSL, both ways:
//!
//! - `openssl s_client -status` → a keel server given an OCSP response:
//!   s_client prints the stapled response; without one, it prints that
//!   none was sent.
//! - a keel client asking for a staple → `openssl s_server -status_file`:
//!   a `CertificateCheck` hook sees the response; a keel client that does
//!   not ask gets none.
//!
//! The OCSP response is a real one, made per test with the openssl CLI as
//! `tools/capture/capture.py` makes its own: a throwaway CA, a `localhost`
//! leaf, an index saying the leaf is valid, and `openssl ocsp` answering a
//! request for it with a response signed by the CA. Everything lives in a
//! temp dir of the test's own; peers listen on 127.0.0.1 on ports the
//! kernel picks, are killed when dropped, and every wait has a deadline
//! (see `interop.rs` and its `harness`).

// A panic in a test is a failed test: unwrapping, panicking and indexing
// are how these tests say so.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

// Shared with `interop.rs`; this binary uses only part of them.
#[allow(dead_code)]
#[path = "interop/harness.rs"]
mod harness;
#[allow(dead_code)]
#[path = "interop/openssl.rs"]
mod openssl;

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use keel::pki::{CertificateCheck, CertifiedKey, PolicyRejection, TrustStore, VerifiedChain};
use keel::{ClientConfig, ServerConfig};

use harness::{ECHO_PREFIX, HOST, KeelServer, Peer, TempDir, deadline, keel_close, keel_connect};
use openssl::{s_client, s_server};

const OPENSSL_CNF: &str = "\
[req]
distinguished_name = dn
[dn]
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:http://127.0.0.1:9/ocsp
";

/// The files of a throwaway PKI with an OCSP response for its leaf.
struct OcspPki {
    ca: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
    /// The DER OCSPResponse ("successful", the leaf "good").
    response: PathBuf,
}

impl OcspPki {
    fn ca_roots(&self) -> TrustStore {
        TrustStore::from_pem(&std::fs::read(&self.ca).unwrap()).unwrap()
    }

    fn certified_key(&self) -> CertifiedKey {
        CertifiedKey::from_pem(
            &std::fs::read(&self.server_cert).unwrap(),
            &std::fs::read(&self.server_key).unwrap(),
        )
        .unwrap()
    }

    fn response_der(&self) -> Vec<u8> {
        std::fs::read(&self.response).unwrap()
    }
}

/// Runs one openssl command in `dir` and returns what it printed; it must
/// succeed before `deadline`.
fn openssl_cli(dir: &TempDir, args: &[&str], deadline: Instant) -> String {
    let mut command = Command::new("openssl");
    command.current_dir(dir.path()).args(args);
    let mut peer = Peer::spawn(&format!("openssl {}", args[0]), command);
    let out = peer.finish(deadline);
    out.assert_success();
    out.text()
}

/// Makes the CA, the leaf (serial 0x1001) and the OCSP response in `dir`.
fn make_pki(dir: &TempDir, deadline: Instant) -> OcspPki {
    dir.write("openssl.cnf", OPENSSL_CNF);
    let run = |args: &[&str]| openssl_cli(dir, args, deadline);
    let ec = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
    run(&[&["genpkey"][..], &ec, &["-out", "ca.key"]].concat());
    run(&[
        "req",
        "-config",
        "openssl.cnf",
        "-x509",
        "-new",
        "-key",
        "ca.key",
        "-sha256",
        "-days",
        "2",
        "-set_serial",
        "0x1000",
        "-subj",
        "/CN=keel OCSP test CA",
        "-extensions",
        "v3_ca",
        "-out",
        "ca.pem",
    ]);
    run(&[&["genpkey"][..], &ec, &["-out", "server.key"]].concat());
    run(&[
        "req",
        "-config",
        "openssl.cnf",
        "-new",
        "-key",
        "server.key",
        "-subj",
        "/CN=localhost",
        "-out",
        "server.csr",
    ]);
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-set_serial",
        "0x1001",
        "-days",
        "2",
        "-sha256",
        "-extfile",
        "openssl.cnf",
        "-extensions",
        "server",
        "-out",
        "server.pem",
    ]);
    // The responder's database: serial 1001 is valid ("V"; the expiry
    // column is not checked by `openssl ocsp`).
    dir.write(
        "index.txt",
        "V\t491231235959Z\t\t1001\tunknown\t/CN=localhost\n",
    );
    run(&[
        "ocsp",
        "-issuer",
        "ca.pem",
        "-cert",
        "server.pem",
        "-no_nonce",
        "-reqout",
        "ocsp-req.der",
    ]);
    run(&[
        "ocsp",
        "-index",
        "index.txt",
        "-CA",
        "ca.pem",
        "-rsigner",
        "ca.pem",
        "-rkey",
        "ca.key",
        "-reqin",
        "ocsp-req.der",
        "-ndays",
        "1",
        "-respout",
        "ocsp-resp.der",
    ]);
    let text = run(&[
        "ocsp",
        "-respin",
        "ocsp-resp.der",
        "-resp_text",
        "-noverify",
    ]);
    assert!(text.contains("Cert Status: good"), "{text}");
    OcspPki {
        ca: dir.path().join("ca.pem"),
        server_cert: dir.path().join("server.pem"),
        server_key: dir.path().join("server.key"),
        response: dir.path().join("ocsp-resp.der"),
    }
}

/// Runs `s_client -status` against a keel server (stapling `response` if
/// given) and returns what s_client printed.
fn s_client_status_to_keel(test: &str, staple: bool) -> harness::PeerOutput {
    let deadline = deadline();
    let dir = TempDir::new(test);
    let pki = make_pki(&dir, deadline);
    let mut builder = ServerConfig::builder().with_certificate(pki.certified_key());
    if staple {
        builder = builder.with_ocsp_response(pki.response_der());
    }
    let server = KeelServer::start(builder.build().unwrap(), deadline);
    let ca = pki.ca.to_str().unwrap();
    let args = [
        "-tls1_2",
        "-status",
        "-CAfile",
        ca,
        "-verify_return_error",
        "-verify_hostname",
        HOST,
        "-servername",
        HOST,
    ];
    let mut client = s_client(&dir, server.addr, &args, None);
    let line = "hello from s_client -status";
    client.send(format!("{line}\n").as_bytes());
    let outcome = server
        .outcome(deadline)
        .unwrap_or_else(|e| panic!("keel server failed: {e}\n{}", client.finish(deadline)));
    assert_eq!(String::from_utf8_lossy(&outcome.received).trim_end(), line);
    let out = client.finish(deadline);
    out.assert_printed(&format!("{ECHO_PREFIX}{line}"));
    out.assert_printed("Verify return code: 0 (ok)");
    out.assert_success();
    out
}

#[test]
fn s_client_sees_the_response_keel_staples() {
    let out = s_client_status_to_keel("ocsp-s-client-staple", true);
    out.assert_printed("OCSP response:");
    out.assert_printed("OCSP Response Status: successful (0x0)");
    out.assert_printed("Cert Status: good");
}

#[test]
fn s_client_sees_no_response_from_keel_without_one() {
    let out = s_client_status_to_keel("ocsp-s-client-none", false);
    out.assert_printed("OCSP response: no response sent");
    assert!(!out.text().contains("Response Status"), "{out}");
}

/// A hook that records the OCSP response of every chain it is shown.
#[derive(Debug, Default)]
struct Seen(Mutex<Vec<Option<Vec<u8>>>>);

impl CertificateCheck for Seen {
    fn check(&self, chain: &VerifiedChain) -> Result<(), PolicyRejection> {
        self.0.lock().unwrap().push(chain.ocsp_response.clone());
        Ok(())
    }
}

/// A keel client (asking for a staple when `request`) against `s_server
/// -status_file`; returns what its hook saw and the response s_server had.
fn keel_client_to_s_server_status(test: &str, request: bool) -> (Vec<Option<Vec<u8>>>, Vec<u8>) {
    let deadline = deadline();
    let dir = TempDir::new(test);
    let pki = make_pki(&dir, deadline);
    let args = [
        "-tls1_2",
        "-cert",
        pki.server_cert.to_str().unwrap(),
        "-key",
        pki.server_key.to_str().unwrap(),
        "-status_file",
        pki.response.to_str().unwrap(),
        "-rev",
    ];
    let mut server = s_server(&dir, &args, None, deadline);
    let seen = Arc::new(Seen::default());
    let mut config = ClientConfig::builder()
        .with_root_certificates(pki.ca_roots())
        .with_certificate_check(Arc::clone(&seen) as Arc<dyn CertificateCheck>);
    if request {
        config = config.with_ocsp_stapling();
    }
    let mut stream = keel_connect(config.build().unwrap(), server.addr, HOST)
        .unwrap_or_else(|e| panic!("handshake failed: {e}\n{}", server.peer.finish(deadline)));
    stream.write_all(b"keel\n").unwrap();
    let reply = harness::read_line(&mut stream).unwrap();
    assert_eq!(String::from_utf8_lossy(&reply).trim_end(), "leek");
    keel_close(stream);
    let out = server.peer.finish(deadline);
    out.assert_printed("CONNECTION CLOSED");
    out.assert_success();
    let responses = seen.0.lock().unwrap().clone();
    (responses, pki.response_der())
}

#[test]
fn keel_client_hook_sees_the_response_s_server_staples() {
    let (seen, response) = keel_client_to_s_server_status("ocsp-keel-client-staple", true);
    // Verified exactly once, with the response.
    assert_eq!(seen, vec![Some(response)]);
}

#[test]
fn keel_client_not_asking_gets_no_response() {
    let (seen, _) = keel_client_to_s_server_status("ocsp-keel-client-none", false);
    assert_eq!(seen, vec![None]);
}

/// `with_ocsp_response` needs a certificate to apply to, and a response
/// the CertificateStatus message can carry.
#[test]
fn the_builder_refuses_responses_that_cannot_be_stapled() {
    use keel::ConfigError;
    let key = || harness::pki().ecdsa_server.certified_key();
    let refused = |builder: keel::ServerConfigBuilder| builder.build().err();
    assert_eq!(
        refused(
            ServerConfig::builder()
                .with_ocsp_response(vec![0x30])
                .with_certificate(key())
        ),
        Some(ConfigError::OcspResponseWithoutCertificate)
    );
    assert_eq!(
        refused(
            ServerConfig::builder()
                .with_certificate(key())
                .with_ocsp_response(Vec::new())
        ),
        Some(ConfigError::InvalidOcspResponse)
    );
    assert_eq!(
        refused(
            ServerConfig::builder()
                .with_certificate_for("example.com", key())
                .with_ocsp_response(vec![0u8; 1 << 24])
        ),
        Some(ConfigError::InvalidOcspResponse)
    );
    assert!(
        ServerConfig::builder()
            .with_certificate_for("example.com", key())
            .with_ocsp_response(vec![0x30])
            .build()
            .is_ok()
    );
}
