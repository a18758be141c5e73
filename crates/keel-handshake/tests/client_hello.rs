//! What a server makes of a ClientHello's SNI and extension list: a
//! host_name is validated as a DNS name (RFC 6066 §3) and refused with
//! unrecognized_name when it is not one; a valid one is normalised
//! (lowercase, no trailing dot) and that form chooses the certificate, is
//! reported, and keys resumption. Two extensions of one type, even of a
//! type keel does not know, are refused by the codec (RFC 5246 §7.4.1.4).

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;

use keel_handshake::sessions::{ClientSessionStore, ServerSessionCache};
use keel_handshake::{Connection, HandshakeError, ServerCertificates, ServerHandshakeConfig};
use keel_pki::ServerName;
use keel_wire::extensions::RawExtension;
use keel_wire::extensions::ServerNameList;
use keel_wire::registry::{AlertDescription, ExtensionType};
use keel_wire::{ClientExtension, DecodeErrorKind};
use support::{
    SERVER_NAME, client_config, pump, rewrite_client_hello, server_config, split_records,
};

fn with_host_name(name: &[u8]) -> impl FnOnce(&mut Vec<ClientExtension>) + '_ {
    move |extensions| {
        for extension in extensions.iter_mut() {
            if let ClientExtension::ServerName(ServerNameList(list)) = extension {
                list.0[0].name.0 = name.to_vec();
            }
        }
    }
}

fn client(config: keel_handshake::ClientHandshakeConfig) -> Connection {
    Connection::client(Arc::new(config), ServerName::parse(SERVER_NAME).unwrap()).unwrap()
}

#[test]
fn an_sni_that_is_not_a_dns_host_name_is_refused() {
    for name in [
        &b"exa mple.com"[..],
        b"bad\x00name.example",
        b"tab\tname",
        b"192.0.2.1",
        b"2001:db8::1",
        b"\xff\xfe.example",
        b"a..b",
        b"-leading.example",
        b"trailing-.example",
        b"two.dots..",
    ] {
        let mut client = client(client_config(false, None));
        let mut server = Connection::server(Arc::new(server_config(false)));
        let hello = rewrite_client_hello(&mut client, with_host_name(name));
        let err = server.read_tls(&hello).unwrap_err();
        assert_eq!(
            err,
            HandshakeError::SniNotAHostName {
                name: String::from_utf8_lossy(name).into_owned()
            },
            "{name:?}"
        );
        assert_eq!(err.alert(), Some(AlertDescription::UNRECOGNIZED_NAME));
        let alerts = support::plaintext_alerts(server.pending_tls());
        assert_eq!(
            alerts.last().map(|a| a.description),
            Some(AlertDescription::UNRECOGNIZED_NAME)
        );
    }
}

/// A server that knows `localhost` only by name (no default certificate).
fn named_server(cache: &Arc<ServerSessionCache>) -> ServerHandshakeConfig {
    let mut config = server_config(false);
    let keys = std::mem::take(&mut config.certificates.default);
    config.certificates = ServerCertificates {
        default: vec![],
        by_name: vec![("localhost".to_owned(), keys)],
    };
    config.session_cache = Some(Arc::clone(cache));
    config
}

#[test]
fn a_valid_sni_is_normalised_for_certificates_reports_and_resumption() {
    let cache = Arc::new(ServerSessionCache::new(
        8,
        std::time::Duration::from_secs(3600),
    ));
    let store = Arc::new(ClientSessionStore::new(
        8,
        std::time::Duration::from_secs(3600),
    ));
    let mut config = client_config(false, None);
    config.session_store = Some(Arc::clone(&store));
    let mut client = client(config.clone());
    let mut server = Connection::server(Arc::new(named_server(&cache)));
    let hello = rewrite_client_hello(&mut client, with_host_name(b"LocalHost."));
    server.read_tls(&hello).unwrap();
    let mut flight = Vec::new();
    server.take_tls(&mut flight);
    assert!(
        server.error().is_none() && !flight.is_empty(),
        "the certificate for localhost was found"
    );

    // A full handshake (unchanged ClientHello) stores the session under
    // the normalised name...
    let mut client = support::client_config(false, None);
    client.session_store = Some(Arc::clone(&store));
    let mut client = self::client(client);
    let mut server = Connection::server(Arc::new(named_server(&cache)));
    pump(&mut client, &mut server).unwrap();
    assert_eq!(
        server.session().unwrap().server_name.as_deref(),
        Some("localhost")
    );
    // ... and a ClientHello naming it in capitals resumes it.
    let mut client = self::client(config);
    let mut server = Connection::server(Arc::new(named_server(&cache)));
    let hello = rewrite_client_hello(&mut client, with_host_name(b"LOCALHOST"));
    server.read_tls(&hello).unwrap();
    let mut flight = Vec::new();
    server.take_tls(&mut flight);
    let types: Vec<u8> = split_records(&flight).iter().map(|r| r[0]).collect();
    assert_eq!(types, [22, 20, 22], "the server resumed: {types:?}");
}

#[test]
fn two_extensions_of_one_unknown_type_are_refused() {
    let mut client = client(client_config(false, None));
    let mut server = Connection::server(Arc::new(server_config(false)));
    // compress_certificate (RFC 8879), which a TLS 1.2 keel does not
    // model, twice.
    let hello = rewrite_client_hello(&mut client, |extensions| {
        for _ in 0..2 {
            extensions.push(ClientExtension::Unknown(RawExtension {
                ext_type: ExtensionType::new(27),
                data: vec![2, 0, 1],
            }));
        }
    });
    let err = server.read_tls(&hello).unwrap_err();
    let HandshakeError::Decode { source, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(source.kind, DecodeErrorKind::Duplicate { value: 27 });
    assert_eq!(err.alert(), Some(AlertDescription::DECODE_ERROR));
}

/// RFC 8422 §5.3: an ECDSA certificate's key must be on a curve the
/// client's supported_groups lists. A server whose only certificate is on
/// another curve says so, rather than "no cipher suite in common".
#[test]
fn a_certificate_on_a_curve_the_client_leaves_out_is_named() {
    let mut config = client_config(false, None);
    config.groups = vec![
        keel_wire::registry::NamedGroup::X25519,
        keel_wire::registry::NamedGroup::SECP384R1,
    ];
    let mut client = client(config);
    let mut server = Connection::server(Arc::new(server_config(false)));
    let err = pump(&mut client, &mut server).unwrap_err();
    assert_eq!(
        server.error(),
        Some(&HandshakeError::CertificateCurveNotShared {
            curve: keel_wire::registry::NamedGroup::SECP256R1
        }),
        "{err:?}"
    );
    assert_eq!(
        support::plaintext_alerts(server.pending_tls())
            .last()
            .map(|a| a.description),
        Some(AlertDescription::HANDSHAKE_FAILURE)
    );
}
