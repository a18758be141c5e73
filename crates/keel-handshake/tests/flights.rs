//! Flight boundaries. Each side sends its flight and waits for the other's
//! (RFC 5246 §7.3): when a peer's flight ends it is our turn, and the peer
//! cannot have seen our answer yet. Handshake bytes that arrive with the
//! last message of a flight — the start of the next message, or a whole
//! one — are refused with unexpected_message, as BoringSSL refuses them,
//! instead of being held and processed under a later state.

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
use keel_wire::framing::RecordHeader;
use keel_wire::registry::{AlertDescription, ContentType};
use support::{SERVER_NAME, client_config, plaintext_alerts, server_config, split_records};

fn client() -> Connection {
    Connection::client(
        Arc::new(client_config(false, None)),
        ServerName::parse(SERVER_NAME).unwrap(),
    )
    .unwrap()
}

/// The handshake records in `bytes` joined into one record, with `extra`
/// after them.
fn one_record_with(bytes: &[u8], extra: &[u8]) -> Vec<u8> {
    let mut body: Vec<u8> = split_records(bytes)
        .iter()
        .filter(|r| support::content_type(r) == ContentType::HANDSHAKE)
        .flat_map(|r| r[RecordHeader::LEN..].to_vec())
        .collect();
    body.extend_from_slice(extra);
    support::plaintext_record(ContentType::HANDSHAKE, &body)
}

fn assert_refused(result: Result<usize, HandshakeError>, conn: &Connection) {
    assert_eq!(result.unwrap_err(), HandshakeError::ExcessHandshakeData);
    assert_eq!(
        plaintext_alerts(conn.pending_tls())
            .last()
            .map(|a| a.description),
        Some(AlertDescription::UNEXPECTED_MESSAGE)
    );
}

#[test]
fn a_server_refuses_the_next_flight_pipelined_with_the_client_hello() {
    // The first byte of a ClientKeyExchange, and a whole (empty) one.
    for extra in [&[16u8][..], &[16, 0, 0, 0]] {
        let mut client = client();
        let mut hello = Vec::new();
        client.take_tls(&mut hello);
        let mut server = Connection::server(Arc::new(server_config(false)));
        let result = server.read_tls(&one_record_with(&hello, extra));
        assert_refused(result, &server);
        assert!(
            !split_records(server.pending_tls())
                .iter()
                .any(|r| support::content_type(r) == ContentType::HANDSHAKE),
            "no flight goes out"
        );
    }
}

#[test]
fn a_client_refuses_data_after_the_server_hello_done() {
    let mut client = client();
    let mut server = Connection::server(Arc::new(server_config(false)));
    let mut hello = Vec::new();
    client.take_tls(&mut hello);
    server.read_tls(&hello).unwrap();
    let mut flight = Vec::new();
    server.take_tls(&mut flight);
    // The start of a NewSessionTicket after the ServerHelloDone.
    let result = client.read_tls(&one_record_with(&flight, &[4]));
    assert_refused(result, &client);
}

#[test]
fn a_flight_split_over_records_is_not_excess() {
    // Message boundaries inside a flight may fall anywhere: one record per
    // byte still completes.
    let mut client = client();
    let mut server = Connection::server(Arc::new(server_config(false)));
    let mut hello = Vec::new();
    client.take_tls(&mut hello);
    let body = &split_records(&hello)[0][RecordHeader::LEN..];
    for byte in body {
        server
            .read_tls(&support::plaintext_record(ContentType::HANDSHAKE, &[*byte]))
            .unwrap();
    }
    support::pump(&mut client, &mut server).unwrap();
    assert!(client.session().is_some() && server.session().is_some());
}
