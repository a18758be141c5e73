//! Every error keel returns says its own words once: no error's Display
//! repeats the Display of its `source()`, so that printing the chain (as
//! anyhow's `{:#}` or `keel`'s CLI do) says each thing once, and causes
//! stay typed in the chain rather than flattened into a sentence.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::error::Error as _;

use keel::pki::{CertifiedKey, LoadError, TrustStore};
use keel::sessions::TicketKeys;
use keel::{ClientConfig, ClientConnection, Error, ServerConfig, ServerConnection};

/// Asserts that no error in `err`'s chain repeats its cause's text, and
/// returns the chain's texts.
fn said_once(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut texts = vec![err.to_string()];
    let mut current = err;
    while let Some(cause) = current.source() {
        let (outer, inner) = (current.to_string(), cause.to_string());
        assert!(
            !outer.contains(&inner),
            "{outer:?} repeats its cause {inner:?}"
        );
        texts.push(inner);
        current = cause;
    }
    texts
}

#[test]
fn a_file_that_cannot_be_read_keeps_the_system_error_as_its_cause() {
    let err = keel::pki::load_certificates_file("/nonexistent/chain.pem").unwrap_err();
    assert!(matches!(err, LoadError::Io { .. }), "{err:?}");
    let texts = said_once(&err);
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts[1].contains("No such file"), "{texts:?}");

    let err = TicketKeys::from_file(
        "/nonexistent/ticket.key",
        std::time::Duration::from_secs(3600),
        std::time::Duration::from_secs(3600),
    )
    .unwrap_err();
    let texts = said_once(&err);
    assert_eq!(texts.len(), 2, "{texts:?}");
}

#[test]
fn a_certificate_that_does_not_parse_keeps_the_parsers_error() {
    let garbage = b"-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n";
    let err = TrustStore::from_pem(garbage).unwrap_err();
    assert!(
        matches!(err, LoadError::InvalidCertificate { index: 0, .. }),
        "{err:?}"
    );
    let texts = said_once(&err);
    assert!(
        texts.len() >= 2,
        "the parser's error is in the chain: {texts:?}"
    );
    let err = CertifiedKey::from_pem(garbage, garbage).unwrap_err();
    said_once(&err);
}

#[test]
fn connection_errors_say_each_layer_once() {
    // A record layer refusal under the facade's Error.
    let (cert, key) = rcgen_pem();
    let server = ServerConfig::builder()
        .with_certificate(CertifiedKey::from_pem(cert.as_bytes(), key.as_bytes()).unwrap())
        .build()
        .unwrap();
    let mut connection = ServerConnection::new(server);
    let err = connection
        .read_tls(&[0x17, 0x03, 0x03, 0x00, 0x01, 0x00])
        .unwrap_err();
    assert!(matches!(err, Error::Tls { .. }));
    said_once(&err);
    // A malformed handshake message: the decoder's field and offset are
    // the cause.
    let mut connection =
        ClientConnection::new(ClientConfig::builder().build().unwrap(), "example.com").unwrap();
    let err = connection
        .read_tls(&[0x16, 0x03, 0x03, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00])
        .unwrap_err();
    let texts = said_once(&err);
    assert_eq!(texts[0], "malformed server_hello", "{texts:?}");
    assert!(
        texts.len() >= 2,
        "the decoder's error is the cause: {texts:?}"
    );
    assert!(err.source().is_some());
}

/// A self-signed certificate and key for "localhost".
fn rcgen_pem() -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    (cert.pem(), key.serialize_pem())
}

/// The types an error holds are reachable outside `keel::hazmat`: a user
/// matching on a `HandshakeError` names them from `keel::errors`.
#[test]
fn the_types_inside_errors_are_reachable_outside_hazmat() {
    use keel::errors::{CertError, DecodeError, ExpectedUsage, RecordError, SignError};
    fn explain(error: &keel::HandshakeError) -> &'static str {
        match error {
            keel::HandshakeError::Decode { source, .. } => {
                let _: &DecodeError = source;
                "decode"
            }
            keel::HandshakeError::Record { source } => match source {
                RecordError::BadRecordMac => "bad record mac",
                _ => "record",
            },
            keel::HandshakeError::Certificate {
                source: CertError::WrongUsage { usage, .. },
            } => match usage {
                ExpectedUsage::ServerAuth => "server usage",
                _ => "usage",
            },
            keel::HandshakeError::Signature { source } => {
                let _: &SignError = source;
                "signature"
            }
            _ => "other",
        }
    }
    let mac = keel::HandshakeError::Record {
        source: RecordError::BadRecordMac,
    };
    assert_eq!(explain(&mac), "bad record mac");
    // A buffer of this size holds any one record (RFC 5246 §6.2.3).
    assert_eq!(keel::MAX_RECORD_LEN, 5 + (1 << 14) + 2048);
    let line = keel::provider::nss_line("CLIENT_RANDOM", &[0; 32], &[1; 48]);
    assert!(line.starts_with("CLIENT_RANDOM 0000"), "{line}");
}

/// A client names its server as rustls and tokio-rustls users do, with
/// rustls-pki-types' `ServerName`, or as a string; a name that is neither
/// a DNS name nor an IP address is refused before anything is sent.
#[test]
fn a_client_takes_the_ecosystems_server_name_or_a_string() {
    let config = keel::ClientConfig::builder().build().unwrap();
    let names: [rustls_pki_types::ServerName<'static>; 2] = [
        rustls_pki_types::ServerName::try_from("example.com").unwrap(),
        rustls_pki_types::ServerName::try_from("192.0.2.1").unwrap(),
    ];
    for name in names {
        let client = keel::ClientConnection::new(config.clone(), name.clone()).unwrap();
        assert!(
            !client.pending_tls().is_empty(),
            "{name:?}: a ClientHello is queued"
        );
    }
    assert!(keel::ClientConnection::new(config.clone(), "example.com").is_ok());
    assert!(keel::ClientConnection::new(config.clone(), String::from("example.com")).is_ok());
    assert!(matches!(
        keel::ClientConnection::new(config, "not a name!"),
        Err(keel::Error::ServerName { .. })
    ));
}

/// `Connection::read` means what `std::io::Read` (and rustls's reader)
/// mean: data, or `Ok(0)` at the end of the peer's data only; "nothing yet"
/// is `Error::WouldBlock`, never an `Ok(0)` a caller could take for the end.
#[test]
fn read_says_end_of_data_only_after_close_notify() {
    use keel::pki::{CertifiedKey, TrustStore};
    let ca = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::default();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign];
    let ca_cert = ca_params.self_signed(&ca).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let mut leaf = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    leaf.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    let leaf_cert = leaf
        .signed_by(&leaf_key, &rcgen::Issuer::from_params(&ca_params, &ca))
        .unwrap();
    let client_config = keel::ClientConfig::builder()
        .with_root_certificates(TrustStore::from_pem(ca_cert.pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let server_config = keel::ServerConfig::builder()
        .with_certificate(
            CertifiedKey::from_pem(
                leaf_cert.pem().as_bytes(),
                leaf_key.serialize_pem().as_bytes(),
            )
            .unwrap(),
        )
        .build()
        .unwrap();
    let mut client = keel::ClientConnection::new(&client_config, "localhost").unwrap();
    let mut server = keel::ServerConnection::new(&server_config);
    let pump = |client: &mut keel::ClientConnection, server: &mut keel::ServerConnection| {
        let mut wire = Vec::new();
        while client.wants_write() || server.wants_write() {
            client.write_tls(&mut wire);
            server.read_tls(&wire).unwrap();
            wire.clear();
            server.write_tls(&mut wire);
            client.read_tls(&wire).unwrap();
            wire.clear();
        }
    };
    let mut buf = [0u8; 16];
    // Before the handshake, and after it with nothing sent: not the end.
    assert_eq!(server.read(&mut buf), Err(keel::Error::WouldBlock));
    pump(&mut client, &mut server);
    assert_eq!(server.read(&mut buf), Err(keel::Error::WouldBlock));
    client.write(b"hello").unwrap();
    pump(&mut client, &mut server);
    assert_eq!(server.read(&mut buf), Ok(5));
    assert_eq!(server.read(&mut buf), Err(keel::Error::WouldBlock));
    // close_notify: now, and only now, the end.
    client.close();
    pump(&mut client, &mut server);
    assert_eq!(server.read(&mut buf), Ok(0));
    // An empty buffer reads nothing, whatever the state.
    assert_eq!(client.read(&mut []), Ok(0));
    let io: std::io::Error = keel::Error::WouldBlock.into();
    assert_eq!(io.kind(), std::io::ErrorKind::WouldBlock);
}
