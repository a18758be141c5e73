//! What a client accepts in a ServerHello's extensions (RFC 5246
//! §7.4.1.4): only what it offered. supported_groups it did offer, and some
//! servers echo it although RFC 8422 gives it no meaning there: it is
//! ignored. An extension it did not offer is unsupported_extension.

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
use keel_wire::extensions::RawExtension;
use keel_wire::framing::RecordHeader;
use keel_wire::registry::{AlertDescription, ContentType, ExtensionType};
use keel_wire::{Codec, Extensions, HandshakeMessage, ServerExtension};
use support::{SERVER_NAME, client_config, plaintext_alerts, server_config, split_records};

/// The client's answer to the server's ServerHello with `extra` added to
/// its extensions.
fn client_reads_server_hello_with(
    extra: ServerExtension,
) -> (Result<usize, HandshakeError>, Connection) {
    let mut client = Connection::client(
        Arc::new(client_config(false, None)),
        ServerName::parse(SERVER_NAME).unwrap(),
    )
    .unwrap();
    let mut server = Connection::server(Arc::new(server_config(false)));
    let mut hello = Vec::new();
    client.take_tls(&mut hello);
    server.read_tls(&hello).unwrap();
    let mut flight = Vec::new();
    server.take_tls(&mut flight);
    let record = &split_records(&flight)[0];
    let HandshakeMessage::ServerHello(mut server_hello) =
        HandshakeMessage::decode(&record[RecordHeader::LEN..]).unwrap()
    else {
        panic!("the first record is not the ServerHello");
    };
    let Extensions::Present(extensions) = &mut server_hello.extensions else {
        panic!("a ServerHello without extensions");
    };
    extensions.push(extra);
    let changed = support::plaintext_record(
        ContentType::HANDSHAKE,
        &HandshakeMessage::ServerHello(server_hello)
            .encode()
            .unwrap(),
    );
    (client.read_tls(&changed), client)
}

#[test]
fn an_echoed_supported_groups_is_ignored() {
    let (result, client) = client_reads_server_hello_with(ServerExtension::Unknown(RawExtension {
        ext_type: ExtensionType::SUPPORTED_GROUPS,
        data: vec![0, 2, 0, 29],
    }));
    assert!(result.is_ok(), "{result:?}");
    assert!(plaintext_alerts(client.pending_tls()).is_empty());
}

#[test]
fn an_extension_the_client_did_not_offer_is_unsupported_extension() {
    let unknown = ExtensionType::new(0x1234);
    let (result, client) = client_reads_server_hello_with(ServerExtension::Unknown(RawExtension {
        ext_type: unknown,
        data: Vec::new(),
    }));
    assert_eq!(
        result.unwrap_err(),
        HandshakeError::UnsolicitedExtension { extension: unknown }
    );
    assert_eq!(
        plaintext_alerts(client.pending_tls())
            .last()
            .map(|a| a.description),
        Some(AlertDescription::UNSUPPORTED_EXTENSION)
    );
}
