//! TLS 1.3 between a keel client and a keel server: the full handshake
//! (RFC 8446 §2), HelloRetryRequest (§4.1.4), client authentication
//! (§4.4.2), KeyUpdate (§4.6.3), the exporter (§7.5) and version
//! negotiation with the downgrade sentinel (§4.1.3).

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use keel_handshake::{
    ClientHandshakeConfig, Connection, HandshakeError, ServerHandshakeConfig, Versions,
};
use keel_wire::registry::{CipherSuite, NamedGroup, ProtocolVersion};
use support::{
    GROUPS13, all_suites, client_config, client_config13, connect, pump, server_config,
    server_config13,
};

fn client13(versions: Versions, groups: &[NamedGroup]) -> ClientHandshakeConfig {
    client_config13(versions, groups)
}

fn server13(versions: Versions, groups: &[NamedGroup]) -> ServerHandshakeConfig {
    server_config13(versions, groups)
}

const DEFAULT_GROUPS: [NamedGroup; 4] = GROUPS13;

/// Sends `data` from `from` to `to` and returns what `to` reads.
fn exchange(from: &mut Connection, to: &mut Connection, data: &[u8]) -> Vec<u8> {
    assert_eq!(from.write(data).unwrap(), data.len());
    let mut bytes = Vec::new();
    from.take_tls(&mut bytes);
    to.read_tls(&bytes).unwrap();
    let mut out = vec![0; data.len() + 16];
    let n = to.read(&mut out).unwrap();
    out.truncate(n);
    out
}

#[test]
fn a_full_handshake_negotiates_tls13_with_the_hybrid_group() {
    let (mut client, mut server) = connect(
        client13(Versions::Tls13AndTls12, &DEFAULT_GROUPS),
        server13(Versions::Tls13AndTls12, &DEFAULT_GROUPS),
    );
    pump(&mut client, &mut server).unwrap();
    for conn in [&client, &server] {
        let session = conn.session().expect("established");
        assert_eq!(session.version, ProtocolVersion::TLS_V1_3);
        assert_eq!(session.cipher_suite, CipherSuite::TLS_AES_128_GCM_SHA256);
        assert_eq!(session.group, NamedGroup::X25519MLKEM768);
        assert!(!session.hello_retry_request);
    }
    assert_eq!(exchange(&mut client, &mut server, b"ping"), b"ping");
    assert_eq!(exchange(&mut server, &mut client, b"pong"), b"pong");
    // RFC 8446 §7.5: both sides export the same bytes.
    let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
    client
        .export_keying_material(&mut a, b"EXPERIMENTAL test", Some(b"ctx"))
        .unwrap();
    server
        .export_keying_material(&mut b, b"EXPERIMENTAL test", Some(b"ctx"))
        .unwrap();
    assert_eq!(a, b);
}

#[test]
fn a_missing_share_costs_a_hello_retry_request() {
    // The client shares X25519 only; the server takes P-256 alone.
    let (mut client, mut server) = connect(
        client13(
            Versions::Tls13AndTls12,
            &[NamedGroup::X25519, NamedGroup::SECP256R1],
        ),
        server13(Versions::Tls13AndTls12, &[NamedGroup::SECP256R1]),
    );
    pump(&mut client, &mut server).unwrap();
    for conn in [&client, &server] {
        let session = conn.session().expect("established");
        assert_eq!(session.version, ProtocolVersion::TLS_V1_3);
        assert_eq!(session.group, NamedGroup::SECP256R1);
        // Both sides can tell the round trip happened.
        assert!(session.hello_retry_request);
    }
    assert_eq!(
        exchange(&mut client, &mut server, b"after retry"),
        b"after retry"
    );
}

#[test]
fn client_authentication_in_tls13() {
    let mut client = client13(Versions::Tls13AndTls12, &DEFAULT_GROUPS);
    client.client_certificates = client_config(true, None).client_certificates;
    let mut server = server_config(true);
    server.versions = Versions::Tls13AndTls12;
    server.suites = all_suites();
    let (mut client, mut server) = connect(client, server);
    pump(&mut client, &mut server).unwrap();
    let session = server.session().expect("established");
    assert_eq!(session.version, ProtocolVersion::TLS_V1_3);
    assert!(!session.peer_certificates.is_empty());
    assert!(session.client_signature_scheme.is_some());
}

#[test]
fn a_tls12_server_is_used_by_a_client_offering_both() {
    let (mut client, mut server) = connect(
        client13(Versions::Tls13AndTls12, &DEFAULT_GROUPS),
        server13(Versions::Tls12Only, &[NamedGroup::X25519]),
    );
    pump(&mut client, &mut server).unwrap();
    assert_eq!(client.session().unwrap().version, ProtocolVersion::TLS_V1_2);
}

#[test]
fn a_tls13_only_client_refuses_a_tls12_server() {
    let (mut client, mut server) = connect(
        client13(Versions::Tls13Only, &DEFAULT_GROUPS),
        server13(Versions::Tls12Only, &[NamedGroup::X25519]),
    );
    let err = pump(&mut client, &mut server).unwrap_err();
    assert!(
        matches!(err, HandshakeError::ProtocolVersion { .. }),
        "{err}"
    );
}

#[test]
fn a_tls12_only_client_gets_tls12_from_a_tls13_server() {
    let (mut client, mut server) = connect(
        client13(Versions::Tls12Only, &DEFAULT_GROUPS),
        server13(Versions::Tls13AndTls12, &DEFAULT_GROUPS),
    );
    pump(&mut client, &mut server).unwrap();
    assert_eq!(server.session().unwrap().version, ProtocolVersion::TLS_V1_2);
}
