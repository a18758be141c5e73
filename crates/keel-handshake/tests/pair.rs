//! A keel client and a keel server talking to each other in memory.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use keel_handshake::{
    ClientHandshakeConfig, Connection, GROUPS, HandshakeError, Limits, ServerCertificates,
    ServerHandshakeConfig, SystemClock, SystemRng,
};
use keel_pki::{CertifiedKey, ServerCertVerifier, ServerName, TrustStore};
use keel_wire::registry::{AlertDescription, CipherSuite, NamedGroup};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

struct Pki {
    root_der: keel_pki::CertificateDer<'static>,
    server: Arc<CertifiedKey>,
}

fn pki() -> Pki {
    let mut ca = CertificateParams::default();
    ca.distinguished_name
        .push(DnType::CommonName, "keel pair test CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let ca_key = KeyPair::generate().unwrap();
    let root = ca.self_signed(&ca_key).unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_cert = leaf
        .signed_by(&leaf_key, &Issuer::from_params(&ca, &ca_key))
        .unwrap();
    let server = CertifiedKey::from_pem(
        format!("{}{}", leaf_cert.pem(), root.pem()).as_bytes(),
        leaf_key.serialize_pem().as_bytes(),
    )
    .unwrap();
    Pki {
        root_der: root.der().clone(),
        server: Arc::new(server),
    }
}

fn client_config(pki: &Pki) -> ClientHandshakeConfig {
    let roots = TrustStore::from_der_certificates([pki.root_der.clone()]).unwrap();
    ClientHandshakeConfig {
        versions: keel_handshake::Versions::Tls12Only,
        verifier: Arc::new(ServerCertVerifier::new(roots)),
        suites: keel_handshake::policy::SUITES.to_vec(),
        groups: GROUPS.to_vec(),
        signature_schemes: keel_handshake::policy::SIGNATURE_SCHEMES.to_vec(),
        alpn: vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        client_certificates: vec![],
        request_ocsp: false,
        rng: Arc::new(SystemRng),
        clock: Arc::new(SystemClock),
        key_log: None,
        limits: Limits::default(),
        session_store: None,
        resumption_context: keel_handshake::ResumptionContext::builder(
            keel_handshake::Side::Client,
        )
        .build(),
        peer_keys: Arc::default(),
    }
}

fn server_config(pki: &Pki) -> ServerHandshakeConfig {
    ServerHandshakeConfig {
        versions: keel_handshake::Versions::Tls12Only,
        certificates: ServerCertificates {
            default: vec![pki.server.clone()],
            by_name: vec![],
        },
        client_verifier: None,
        suites: keel_handshake::policy::SUITES.to_vec(),
        groups: GROUPS.to_vec(),
        signature_schemes: keel_handshake::policy::SIGNATURE_SCHEMES.to_vec(),
        alpn: vec![b"http/1.1".to_vec(), b"h2".to_vec()],
        rng: Arc::new(SystemRng),
        clock: Arc::new(SystemClock),
        key_log: None,
        limits: Limits::default(),
        session_cache: None,
        ticket_keys: None,
        resumption_context: keel_handshake::ResumptionContext::builder(
            keel_handshake::Side::Server,
        )
        .build(),
        peer_keys: Arc::default(),
    }
}

/// Moves bytes both ways until neither side has anything to send.
fn pump(client: &mut Connection, server: &mut Connection) -> Result<(), HandshakeError> {
    for _ in 0..20 {
        let mut moved = false;
        let mut bytes = Vec::new();
        client.take_tls(&mut bytes);
        if !bytes.is_empty() {
            moved = true;
            server.read_tls(&bytes)?;
        }
        let mut bytes = Vec::new();
        server.take_tls(&mut bytes);
        if !bytes.is_empty() {
            moved = true;
            client.read_tls(&bytes)?;
        }
        if !moved {
            return Ok(());
        }
    }
    panic!("handshake did not settle");
}

#[test]
fn a_full_handshake_then_data_both_ways_then_close() {
    let pki = pki();
    let mut client = Connection::client(
        Arc::new(client_config(&pki)),
        ServerName::parse("localhost").unwrap(),
    )
    .unwrap();
    let mut server = Connection::server(Arc::new(server_config(&pki)));
    pump(&mut client, &mut server).unwrap();

    let c = client.session().expect("client established").clone();
    let s = server.session().expect("server established").clone();
    assert_eq!(
        c.cipher_suite,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    );
    assert_eq!(c.cipher_suite, s.cipher_suite);
    assert_eq!(c.group, NamedGroup::X25519);
    assert_eq!(
        c.alpn.as_deref(),
        Some(&b"http/1.1"[..]),
        "the server's preference wins"
    );
    assert_eq!(s.server_name.as_deref(), Some("localhost"));
    assert!(c.extended_master_secret && s.extended_master_secret);
    assert_eq!(c.peer_certificates.len(), 2);

    assert_eq!(client.write(b"GET / HTTP/1.1\r\n\r\n").unwrap(), 18);
    pump(&mut client, &mut server).unwrap();
    let mut buf = [0u8; 64];
    let n = server.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"GET / HTTP/1.1\r\n\r\n");
    server.write(b"HTTP/1.1 200 OK\r\n\r\n").unwrap();
    server.close();
    pump(&mut client, &mut server).unwrap();
    let n = client.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"HTTP/1.1 200 OK\r\n\r\n");
    assert!(client.peer_closed(), "close_notify received");
    assert!(server.peer_closed(), "close_notify answered");
    client.transport_closed().unwrap();
}

#[test]
fn a_server_without_a_name_match_or_default_says_unrecognized_name() {
    let pki = pki();
    let mut config = server_config(&pki);
    config.certificates = ServerCertificates {
        default: vec![],
        by_name: vec![("other.example".into(), vec![pki.server.clone()])],
    };
    let mut client = Connection::client(
        Arc::new(client_config(&pki)),
        ServerName::parse("localhost").unwrap(),
    )
    .unwrap();
    let mut server = Connection::server(Arc::new(config));
    let err = pump(&mut client, &mut server).unwrap_err();
    assert!(
        matches!(err, HandshakeError::UnrecognizedName { .. }),
        "{err:?}"
    );
    // The alert reaches the client.
    let mut bytes = Vec::new();
    server.take_tls(&mut bytes);
    let client_err = client.read_tls(&bytes).unwrap_err();
    assert_eq!(
        client_err,
        HandshakeError::AlertReceived {
            description: AlertDescription::UNRECOGNIZED_NAME
        }
    );
}

#[test]
fn the_zero_copy_level_decrypts_in_the_callers_buffer_and_seals_in_place() {
    let pki = pki();
    let mut client = Connection::client(
        Arc::new(client_config(&pki)),
        ServerName::parse("localhost").unwrap(),
    )
    .unwrap();
    let mut server = Connection::server(Arc::new(server_config(&pki)));
    pump(&mut client, &mut server).unwrap();

    // The client seals three records straight into its own send buffer,
    // then two more from bytes held elsewhere, in one pass each.
    let mut wire = Vec::new();
    for (i, size) in [1usize, 1000, 16384].into_iter().enumerate() {
        let mut buf = vec![0u8; size + 64];
        let window = client.plaintext_window(buf.len()).unwrap();
        assert!(window.len() >= size);
        buf[window.start..window.start + size].fill(b'a' + i as u8);
        let len = client.seal_in_place(&mut buf, size).unwrap();
        wire.extend_from_slice(&buf[..len]);
    }
    for (byte, size) in [(b'd', 16384usize), (b'e', 5)] {
        let plaintext = vec![byte; size];
        let mut out = vec![0u8; size + 29 + 7];
        assert!(client.plaintext_window(out.len()).unwrap().len() >= size);
        let len = client.seal_from(&plaintext, &mut out).unwrap();
        assert_eq!(len, size + 29, "header, explicit nonce and tag around it");
        wire.extend_from_slice(&out[..len]);
    }
    // More than a record's worth: refused, and the connection has failed
    // (as for every error; its fatal alert is queued).
    let mut out = vec![0u8; 20000];
    let err = client.seal_from(&[0u8; 16385], &mut out).unwrap_err();
    assert!(
        matches!(
            err,
            HandshakeError::Record {
                source: keel_record::RecordError::RecordOverflow {
                    length: 16385,
                    limit: 16384
                }
            }
        ),
        "{err:?}"
    );
    assert_eq!(client.seal_from(b"x", &mut out).unwrap_err(), err);

    // The server lends its receive buffer, arriving in two pieces.
    let mut rx = wire[..700].to_vec();
    let mut got = Vec::new();
    let mut offered = 700;
    loop {
        let base = rx.as_ptr_range();
        let read = server.read_tls_in_place(&mut rx).unwrap();
        let consumed = read.consumed;
        if let Some(plaintext) = read.plaintext {
            let range = plaintext.as_ptr_range();
            assert!(
                base.start <= range.start && range.end <= base.end,
                "plaintext lies in the caller's buffer"
            );
            got.push((plaintext[0], plaintext.len()));
        } else if consumed == 0 {
            if offered == wire.len() {
                break;
            }
            rx.extend_from_slice(&wire[offered..]);
            offered = wire.len();
            continue;
        }
        rx.drain(..consumed);
    }
    assert_eq!(
        got,
        [
            (b'a', 1),
            (b'b', 1000),
            (b'c', 16384),
            (b'd', 16384),
            (b'e', 5)
        ]
    );
}

/// A client certificate (client-auth EKU) issued by a fresh CA named `ca_name`.
fn client_identity(ca_name: &str) -> (keel_pki::CertificateDer<'static>, Arc<CertifiedKey>) {
    let mut ca = CertificateParams::default();
    ca.distinguished_name.push(DnType::CommonName, ca_name);
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let ca_key = KeyPair::generate().unwrap();
    let root = ca.self_signed(&ca_key).unwrap();
    let mut leaf = CertificateParams::default();
    leaf.distinguished_name
        .push(DnType::CommonName, format!("client of {ca_name}"));
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let key = KeyPair::generate().unwrap();
    let cert = leaf
        .signed_by(&key, &Issuer::from_params(&ca, &ca_key))
        .unwrap();
    let certified =
        CertifiedKey::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap();
    (root.der().clone(), Arc::new(certified))
}

#[test]
fn a_client_picks_the_certificate_whose_issuer_the_server_names() {
    let pki = pki();
    let (_, wrong) = client_identity("a CA the server does not trust");
    let (trusted_root, right) = client_identity("the server's client CA");
    let mut client_config = client_config(&pki);
    client_config.client_certificates = vec![wrong, right.clone()];
    let mut server_config = server_config(&pki);
    let roots = TrustStore::from_der_certificates([trusted_root]).unwrap();
    server_config.client_verifier = Some(Arc::new(keel_pki::ClientCertVerifier::new(
        roots,
        keel_pki::ClientAuth::Required,
    )));

    let mut client = Connection::client(
        Arc::new(client_config),
        ServerName::parse("localhost").unwrap(),
    )
    .unwrap();
    let mut server = Connection::server(Arc::new(server_config));
    pump(&mut client, &mut server).unwrap();
    let session = server.session().expect("client authenticated");
    assert_eq!(session.peer_certificates.first(), Some(right.leaf()));
}

#[test]
fn both_ends_export_the_same_keying_material() {
    let pki = pki();
    let mut client = Connection::client(
        Arc::new(client_config(&pki)),
        ServerName::parse("localhost").unwrap(),
    )
    .unwrap();
    let mut server = Connection::server(Arc::new(server_config(&pki)));
    let mut early = [0u8; 16];
    let err = client
        .export_keying_material(&mut early, b"EXPERIMENTAL-x", None)
        .unwrap_err();
    assert_eq!(
        err,
        HandshakeError::Exporter { reason: None },
        "not before the handshake"
    );
    pump(&mut client, &mut server).unwrap();

    let export = |conn: &Connection, label: &[u8], context: Option<&[u8]>| {
        let mut out = [0u8; 48];
        conn.export_keying_material(&mut out, label, context)
            .unwrap();
        out
    };
    let c = export(&client, b"EXPERIMENTAL-keel", None);
    assert_eq!(
        c,
        export(&server, b"EXPERIMENTAL-keel", None),
        "both ends agree"
    );
    assert_ne!(
        c,
        export(&client, b"EXPERIMENTAL-other", None),
        "the label matters"
    );
    assert_ne!(
        c,
        export(&client, b"EXPERIMENTAL-keel", Some(b"")),
        "no context differs from an empty one"
    );
    assert_ne!(
        export(&client, b"EXPERIMENTAL-keel", Some(b"a")),
        export(&client, b"EXPERIMENTAL-keel", Some(b"b"))
    );
    assert_eq!(
        export(&client, b"EXPERIMENTAL-keel", Some(b"ctx")),
        export(&server, b"EXPERIMENTAL-keel", Some(b"ctx"))
    );
    let mut out = [0u8; 12];
    let err = client
        .export_keying_material(&mut out, b"key expansion", None)
        .unwrap_err();
    assert!(
        matches!(err, HandshakeError::Exporter { reason: Some(_) }),
        "TLS's own labels are refused: {err:?}"
    );
}
