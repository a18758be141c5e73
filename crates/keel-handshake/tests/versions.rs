//! Which versions a keel server agrees to, and what a keel client's first
//! record says.
//!
//! - RFC 8446 §4.2.1: a ClientHello with supported_versions is judged by
//!   that list alone, never by legacy_version.
//! - RFC 7507 §3: a client that signals a fallback (TLS_FALLBACK_SCSV) to a
//!   version below TLS 1.2 is refused with inappropriate_fallback.
//! - RFC 5246 Appendix E.1, RFC 8446 §5.1: a client's records before the
//!   ServerHello say {03,01}; after it, {03,03}.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;

use keel_handshake::{Connection, HandshakeError};
use keel_pki::ServerName;
use keel_wire::ClientExtension;
use keel_wire::handshake::ClientHello;
use keel_wire::registry::{AlertDescription, CipherSuite, ProtocolVersion};
use keel_wire::vec::List;
use support::{
    SERVER_NAME, client_config, last_alert, pump, rewrite_whole_client_hello, server_config,
    split_records,
};

fn client() -> Connection {
    Connection::client(
        Arc::new(client_config(false, None)),
        ServerName::parse(SERVER_NAME).unwrap(),
    )
    .unwrap()
}

/// A server's answer to the client's ClientHello changed by `change`.
fn serve(change: impl FnOnce(&mut ClientHello)) -> (Result<usize, HandshakeError>, Connection) {
    let mut server = Connection::server(Arc::new(server_config(false)));
    let hello = rewrite_whole_client_hello(&mut client(), change);
    (server.read_tls(&hello), server)
}

fn supported_versions(hello: &mut ClientHello, versions: &[ProtocolVersion]) {
    let keel_wire::Extensions::Present(extensions) = &mut hello.extensions else {
        panic!("no extensions");
    };
    extensions.push(ClientExtension::SupportedVersions(List(versions.to_vec())));
}

#[test]
fn supported_versions_without_tls12_is_protocol_version_whatever_legacy_version_says() {
    for versions in [
        &[ProtocolVersion::new(0x1111)][..],
        &[ProtocolVersion::TLS_V1_1],
        &[ProtocolVersion::TLS_V1_3],
    ] {
        let (result, server) = serve(|hello| supported_versions(hello, versions));
        assert!(
            matches!(result, Err(HandshakeError::ProtocolVersion { .. })),
            "{versions:?}: {result:?}"
        );
        assert_eq!(
            last_alert(&server),
            Some(AlertDescription::PROTOCOL_VERSION)
        );
    }
}

#[test]
fn supported_versions_with_tls12_is_served_even_under_an_old_legacy_version() {
    let (result, server) = serve(|hello| {
        hello.client_version = ProtocolVersion::TLS_V1_0;
        supported_versions(
            hello,
            &[ProtocolVersion::TLS_V1_3, ProtocolVersion::TLS_V1_2],
        );
    });
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(last_alert(&server), None);
    assert!(!server.pending_tls().is_empty(), "the server answered");
}

#[test]
fn a_fallback_below_tls12_is_inappropriate_fallback() {
    let fallback = |hello: &mut ClientHello| {
        hello.client_version = ProtocolVersion::TLS_V1_1;
        hello.cipher_suites.0.push(CipherSuite::TLS_FALLBACK_SCSV);
    };
    let (result, server) = serve(fallback);
    assert_eq!(
        result.unwrap_err(),
        HandshakeError::InappropriateFallback {
            version: ProtocolVersion::TLS_V1_1
        }
    );
    assert_eq!(
        last_alert(&server),
        Some(AlertDescription::INAPPROPRIATE_FALLBACK)
    );
    // RFC 7507 §3: the alert's record carries the client's version, here
    // {03,02}, so that the falling-back client reads it as an answer at its
    // own version: exactly the seven bytes of one fatal alert record.
    assert_eq!(
        server.pending_tls(),
        [0x15, 0x03, 0x02, 0x00, 0x02, 0x02, 0x56]
    );

    // Without the signal it is only an old client.
    let (result, server) = serve(|hello| hello.client_version = ProtocolVersion::TLS_V1_1);
    assert!(matches!(
        result,
        Err(HandshakeError::ProtocolVersion { .. })
    ));
    assert_eq!(
        last_alert(&server),
        Some(AlertDescription::PROTOCOL_VERSION)
    );

    // RFC 7507 §3: the signal at the server's own highest version is no
    // fallback.
    let (result, _) = serve(|hello| hello.cipher_suites.0.push(CipherSuite::TLS_FALLBACK_SCSV));
    assert!(result.is_ok(), "{result:?}");
}

#[test]
fn a_clients_first_record_says_tls10_and_later_ones_tls12() {
    let mut client = client();
    let mut server = Connection::server(Arc::new(server_config(false)));
    let mut hello = Vec::new();
    client.take_tls(&mut hello);
    let records = split_records(&hello);
    assert_eq!(records.len(), 1);
    assert_eq!(&records[0][1..3], &[3, 1], "the ClientHello record");

    server.read_tls(&hello).unwrap();
    let mut flight = Vec::new();
    server.take_tls(&mut flight);
    assert!(
        split_records(&flight).iter().all(|r| r[1..3] == [3, 3]),
        "a server always says TLS 1.2"
    );
    client.read_tls(&flight).unwrap();
    let mut second = Vec::new();
    client.take_tls(&mut second);
    let records = split_records(&second);
    assert!(!records.is_empty());
    assert!(
        records.iter().all(|r| r[1..3] == [3, 3]),
        "after the ServerHello"
    );
    server.read_tls(&second).unwrap();
    pump(&mut client, &mut server).unwrap();
    assert!(client.session().is_some() && server.session().is_some());
}
