//! Peers keel must refuse, and peers that refuse keel.
//!
//! Each case checks three things a user would see: keel's error, the alert
//! keel queued for it (`HandshakeError::alert`), and that the OpenSSL peer
//! received that alert ("SSL alert number N" in its error output). When the
//! peer is the one that refuses, keel's error is `AlertReceived` with the
//! peer's alert and keel sends none.

use std::path::Path;
use std::time::Instant;

use keel::pki::{CertError, ClientAuth, TrustStore};
use keel::registry::{AlertDescription, ProtocolVersion};
use keel::{ClientConfig, HandshakeError};

use crate::harness::{
    HOST, KeelServer, KeyType, PeerOutput, TempDir, client_config, deadline, handshake_error,
    keel_connect, pki, server_config,
};
use crate::openssl::{no_ems_conf, s_client, s_server};

/// The arguments that make OpenSSL 3 speak TLS 1.1 and nothing newer (its
/// default security level forbids TLS 1.1).
const TLS11_ONLY: [&str; 3] = ["-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"];

// --- keel as client, against s_server ---------------------------------------

/// Starts `s_server` with the server certificate of `key` and `args`,
/// connects a keel client built from `config` asking for `name`, and
/// returns keel's handshake error and what s_server printed.
fn keel_client_fails(
    dir: &TempDir,
    key: KeyType,
    args: &[&str],
    openssl_conf: Option<&Path>,
    config: ClientConfig,
    name: &str,
) -> (HandshakeError, PeerOutput) {
    let deadline = deadline();
    let (cert, cert_key) = pki().server(key).write(dir, "server");
    let mut all_args = vec![
        "-cert",
        cert.to_str().unwrap(),
        "-key",
        cert_key.to_str().unwrap(),
    ];
    all_args.extend_from_slice(args);
    let mut server = s_server(dir, &all_args, openssl_conf, deadline);
    let result = keel_connect(config, server.addr, name);
    let out = server.peer.finish(deadline);
    match result {
        Ok(stream) => panic!(
            "keel completed a handshake it must refuse: {:?}\n{out}",
            stream.connection().session()
        ),
        Err(err) => (handshake_error(&err).clone(), out),
    }
}

fn default_client() -> ClientConfig {
    client_config().build().unwrap()
}

/// An RSA-keyed s_server run with `args` finds none of keel's suites
/// acceptable: OpenSSL answers the ClientHello with handshake_failure ("no
/// shared cipher"), which keel reports as the alert it received, sending
/// none of its own.
fn assert_no_shared_cipher(test: &str, args: &[&str]) {
    let dir = TempDir::new(test);
    let (error, out) = keel_client_fails(&dir, KeyType::Rsa, args, None, default_client(), HOST);
    assert_eq!(
        error,
        HandshakeError::AlertReceived {
            description: AlertDescription::HANDSHAKE_FAILURE
        },
        "{out}"
    );
    assert_eq!(error.alert(), None);
    out.assert_printed("no shared cipher");
}

/// A TLS 1.1-only server finds no version it shares with keel, whose
/// supported_versions lists TLS 1.3 and TLS 1.2 (RFC 8446 §4.2.1): OpenSSL
/// refuses the ClientHello with protocol_version ("unsupported protocol")
/// before keel sees a TLS 1.1 ServerHello.
#[test]
fn client_refused_by_tls11_only_server() {
    let dir = TempDir::new("r-c-tls11");
    let (error, out) = keel_client_fails(
        &dir,
        KeyType::Rsa,
        &TLS11_ONLY,
        None,
        default_client(),
        HOST,
    );
    assert_eq!(
        error,
        HandshakeError::AlertReceived {
            description: AlertDescription::PROTOCOL_VERSION
        },
        "{out}"
    );
    assert_eq!(error.alert(), None);
    out.assert_printed("unsupported protocol");
}

#[test]
fn client_refused_by_cbc_only_server() {
    assert_no_shared_cipher("r-c-cbc", &["-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA"]);
}

#[test]
fn client_refused_by_rsa_key_exchange_only_server() {
    assert_no_shared_cipher("r-c-rsa-kx", &["-tls1_2", "-cipher", "AES128-GCM-SHA256"]);
}

/// A server that does not echo the Extended Master Secret extension: keel
/// refuses its ServerHello.
#[test]
fn client_refuses_server_without_ems() {
    let dir = TempDir::new("r-c-no-ems");
    let conf = no_ems_conf(&dir);
    let (error, out) = keel_client_fails(
        &dir,
        KeyType::Ecdsa,
        &["-tls1_2"],
        Some(&conf),
        default_client(),
        HOST,
    );
    assert_eq!(error, HandshakeError::NoExtendedMasterSecret, "{out}");
    assert_eq!(error.alert(), Some(AlertDescription::HANDSHAKE_FAILURE));
    out.assert_printed("SSL alert number 40");
}

#[test]
fn client_refuses_wrong_hostname() {
    let dir = TempDir::new("r-c-hostname");
    let (error, out) = keel_client_fails(
        &dir,
        KeyType::Ecdsa,
        &["-tls1_2"],
        None,
        default_client(),
        "wrong.example",
    );
    match &error {
        HandshakeError::Certificate {
            source:
                CertError::HostnameMismatch {
                    expected,
                    presented,
                },
        } => {
            assert_eq!(expected, "wrong.example");
            assert!(presented.iter().any(|n| n == HOST), "{presented:?}");
        }
        other => panic!("expected a hostname mismatch, got {other:?}\n{out}"),
    }
    assert_eq!(error.alert(), Some(AlertDescription::BAD_CERTIFICATE));
    out.assert_printed("SSL alert number 42");
}

#[test]
fn client_refuses_untrusted_root() {
    let dir = TempDir::new("r-c-untrusted");
    let deadline = deadline();
    let pki = pki();
    let (cert, key) = pki.untrusted_server.write(&dir, "server");
    let mut server = s_server(
        &dir,
        &[
            "-tls1_2",
            "-cert",
            cert.to_str().unwrap(),
            "-key",
            key.to_str().unwrap(),
        ],
        None,
        deadline,
    );
    let result = keel_connect(default_client(), server.addr, HOST);
    let out = server.peer.finish(deadline);
    let err = result
        .err()
        .unwrap_or_else(|| panic!("keel trusted an unknown root\n{out}"));
    let error = handshake_error(&err);
    assert_eq!(
        *error,
        HandshakeError::Certificate {
            source: CertError::UnknownIssuer
        },
        "{out}"
    );
    assert_eq!(error.alert(), Some(AlertDescription::UNKNOWN_CA));
    out.assert_printed("SSL alert number 48");
}

/// s_server requires a client certificate and names no CAs (it verifies
/// against the client CA, `-verifyCAfile`); keel presents one from a root
/// s_server does not know, and s_server refuses it.
#[test]
fn client_certificate_refused_by_server() {
    let dir = TempDir::new("r-c-client-cert");
    let pki = pki();
    let client_ca = dir.write("client-ca.pem", &pki.client_ca_pem);
    let config = client_config()
        .with_client_certificate(pki.untrusted_client.certified_key())
        .build()
        .unwrap();
    let (error, out) = keel_client_fails(
        &dir,
        KeyType::Ecdsa,
        &[
            "-tls1_2",
            "-groups",
            "P-256",
            "-Verify",
            "1",
            "-verify_return_error",
            "-verifyCAfile",
            client_ca.to_str().unwrap(),
        ],
        None,
        config,
        HOST,
    );
    assert_eq!(
        error,
        HandshakeError::AlertReceived {
            description: AlertDescription::UNKNOWN_CA
        },
        "{out}"
    );
    out.assert_printed("unable to get local issuer certificate");
}

/// s_server asks for a certificate issued under the client CA (it names
/// the CA in its CertificateRequest); keel's only certificate is from
/// another root, so keel sends none (RFC 5246 §7.4.6) and s_server, which
/// requires one, refuses.
#[test]
fn client_certificate_withheld_from_server_naming_other_cas() {
    let dir = TempDir::new("r-c-client-cert-names");
    let pki = pki();
    let client_ca = dir.write("client-ca.pem", &pki.client_ca_pem);
    let config = client_config()
        .with_client_certificate(pki.untrusted_client.certified_key())
        .build()
        .unwrap();
    let (error, out) = keel_client_fails(
        &dir,
        KeyType::Ecdsa,
        &[
            "-tls1_2",
            "-Verify",
            "1",
            "-verify_return_error",
            "-CAfile",
            client_ca.to_str().unwrap(),
        ],
        None,
        config,
        HOST,
    );
    assert_eq!(
        error,
        HandshakeError::AlertReceived {
            description: AlertDescription::HANDSHAKE_FAILURE
        },
        "{out}"
    );
    out.assert_printed("peer did not return a certificate");
}

/// s_server requires a client certificate and keel has none to give.
#[test]
fn client_without_certificate_refused_by_server() {
    let dir = TempDir::new("r-c-no-client-cert");
    let client_ca = dir.write("client-ca.pem", &pki().client_ca_pem);
    let (error, out) = keel_client_fails(
        &dir,
        KeyType::Ecdsa,
        &[
            "-tls1_2",
            "-Verify",
            "1",
            "-verify_return_error",
            "-CAfile",
            client_ca.to_str().unwrap(),
        ],
        None,
        default_client(),
        HOST,
    );
    assert_eq!(
        error,
        HandshakeError::AlertReceived {
            description: AlertDescription::HANDSHAKE_FAILURE
        },
        "{out}"
    );
    out.assert_printed("peer did not return a certificate");
}

// --- keel as server, against s_client ---------------------------------------

/// Starts a keel server (both certificates; with `client_auth`, requiring
/// a client certificate from the client CA), connects s_client with `args`
/// and returns keel's handshake error and what s_client printed.
fn keel_server_fails(
    dir: &TempDir,
    args: &[&str],
    openssl_conf: Option<&Path>,
    client_auth: bool,
) -> (HandshakeError, PeerOutput) {
    let deadline: Instant = deadline();
    let mut config = server_config();
    if client_auth {
        config = config.with_client_auth(pki().client_roots(), ClientAuth::Required);
    }
    let server = KeelServer::start(config.build().unwrap(), deadline);
    let mut client = s_client(dir, server.addr, args, openssl_conf);
    let result = server.outcome(deadline);
    let out = client.finish(deadline);
    match result {
        Ok(outcome) => panic!(
            "keel completed a handshake it must refuse: {:?}\n{out}",
            outcome.session
        ),
        Err(err) => (handshake_error(&err).clone(), out),
    }
}

#[test]
fn server_refuses_tls11_only_client() {
    let dir = TempDir::new("r-s-tls11");
    let (error, out) = keel_server_fails(&dir, &TLS11_ONLY, None, false);
    assert_eq!(
        error,
        HandshakeError::ProtocolVersion {
            version: ProtocolVersion::TLS_V1_1
        },
        "{out}"
    );
    assert_eq!(error.alert(), Some(AlertDescription::PROTOCOL_VERSION));
    out.assert_printed("SSL alert number 70");
}

#[test]
fn server_refuses_cbc_only_client() {
    let dir = TempDir::new("r-s-cbc");
    let (error, out) = keel_server_fails(
        &dir,
        &["-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA"],
        None,
        false,
    );
    assert_eq!(error, HandshakeError::NoSharedCipherSuite, "{out}");
    assert_eq!(error.alert(), Some(AlertDescription::HANDSHAKE_FAILURE));
    out.assert_printed("SSL alert number 40");
}

#[test]
fn server_refuses_rsa_key_exchange_only_client() {
    let dir = TempDir::new("r-s-rsa-kx");
    let (error, out) = keel_server_fails(
        &dir,
        &["-tls1_2", "-cipher", "AES128-GCM-SHA256"],
        None,
        false,
    );
    assert_eq!(error, HandshakeError::NoSharedCipherSuite, "{out}");
    assert_eq!(error.alert(), Some(AlertDescription::HANDSHAKE_FAILURE));
    out.assert_printed("SSL alert number 40");
}

#[test]
fn server_refuses_client_without_ems() {
    let dir = TempDir::new("r-s-no-ems");
    let conf = no_ems_conf(&dir);
    let (error, out) = keel_server_fails(&dir, &["-tls1_2"], Some(&conf), false);
    assert_eq!(error, HandshakeError::NoExtendedMasterSecret, "{out}");
    assert_eq!(error.alert(), Some(AlertDescription::HANDSHAKE_FAILURE));
    out.assert_printed("SSL alert number 40");
}

/// A client certificate from a root keel's server does not trust.
#[test]
fn server_refuses_untrusted_client_certificate() {
    let dir = TempDir::new("r-s-untrusted-client");
    let (cert, key) = pki().untrusted_client.write(&dir, "client");
    let (error, out) = keel_server_fails(
        &dir,
        &[
            "-tls1_2",
            "-cert",
            cert.to_str().unwrap(),
            "-key",
            key.to_str().unwrap(),
        ],
        None,
        true,
    );
    assert_eq!(
        error,
        HandshakeError::Certificate {
            source: CertError::UnknownIssuer
        },
        "{out}"
    );
    assert_eq!(error.alert(), Some(AlertDescription::UNKNOWN_CA));
    out.assert_printed("SSL alert number 48");
}

/// s_client does not trust keel's root.
#[test]
fn server_refused_by_client_not_trusting_it() {
    let dir = TempDir::new("r-s-client-distrusts");
    let roots = dir.write("roots.pem", &pki().untrusted_root_pem);
    let (error, out) = keel_server_fails(
        &dir,
        &[
            "-tls1_2",
            "-CAfile",
            roots.to_str().unwrap(),
            "-verify_return_error",
        ],
        None,
        false,
    );
    assert_eq!(
        error,
        HandshakeError::AlertReceived {
            description: AlertDescription::UNKNOWN_CA
        },
        "{out}"
    );
    out.assert_printed("verify error:num=20:unable to get local issuer certificate");
}

/// s_client asks for a name keel's certificate does not hold; OpenSSL
/// reports that with bad_certificate.
#[test]
fn server_refused_by_client_for_wrong_hostname() {
    let dir = TempDir::new("r-s-client-hostname");
    let roots = dir.write("roots.pem", &pki().server_roots_pem);
    let (error, out) = keel_server_fails(
        &dir,
        &[
            "-tls1_2",
            "-CAfile",
            roots.to_str().unwrap(),
            "-verify_return_error",
            "-verify_hostname",
            "wrong.example",
        ],
        None,
        false,
    );
    assert_eq!(
        error,
        HandshakeError::AlertReceived {
            description: AlertDescription::BAD_CERTIFICATE
        },
        "{out}"
    );
    out.assert_printed("verify error:num=62:hostname mismatch");
}

/// Trusting the right root is what made the refusals above fail: the same
/// keel client accepts the same s_server once the root is in its store.
#[test]
fn client_accepts_untrusted_root_once_trusted() {
    let dir = TempDir::new("r-c-root-added");
    let deadline = deadline();
    let pki = pki();
    let (cert, key) = pki.untrusted_server.write(&dir, "server");
    let mut server = s_server(
        &dir,
        &[
            "-tls1_2",
            "-cert",
            cert.to_str().unwrap(),
            "-key",
            key.to_str().unwrap(),
        ],
        None,
        deadline,
    );
    let config = ClientConfig::builder()
        .with_root_certificates(TrustStore::from_pem(pki.untrusted_root_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let result = keel_connect(config, server.addr, HOST);
    let stream = result.unwrap_or_else(|e| panic!("{e}\n{}", server.peer.finish(deadline)));
    crate::harness::keel_close(stream);
    server.peer.finish(deadline);
}
