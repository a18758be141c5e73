//! `Connection::update_keys` through the facade (RFC 8446 §4.6.3): on a
//! TLS 1.3 connection a KeyUpdate goes out, the peer answers one that asks
//! for it, and data keeps flowing both ways; on a TLS 1.2 connection, or
//! before the handshake, it is refused with `Closed`.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod pki_support;

use keel::{
    ClientConfig, ClientConnection, Connection, Error, HandshakeError, ServerConfig,
    ServerConnection, Versions,
};
use pki_support::{KeyType, Usage, ca};

fn pair(versions: Versions) -> (ClientConnection, ServerConnection) {
    let client = ClientConfig::builder()
        .with_root_certificates(ca().trust_store())
        .with_versions(versions)
        .build()
        .unwrap();
    let server = ServerConfig::builder()
        .with_certificate(ca().leaf(KeyType::EcdsaP256, &["localhost"], Usage::Server))
        .with_versions(versions)
        .build()
        .unwrap();
    (
        ClientConnection::new(client, "localhost").unwrap(),
        ServerConnection::new(server),
    )
}

/// Moves every pending byte from `from` to `to`; returns how many.
fn transfer(from: &mut Connection, to: &mut Connection) -> usize {
    let mut bytes = Vec::new();
    from.write_tls(&mut bytes);
    let mut offered = &bytes[..];
    while !offered.is_empty() {
        let taken = to.read_tls(offered).unwrap();
        assert!(taken > 0, "the receiver is full");
        offered = &offered[taken..];
    }
    bytes.len()
}

fn handshake(client: &mut Connection, server: &mut Connection) {
    while client.is_handshaking() || server.is_handshaking() {
        let moved = transfer(client, server) + transfer(server, client);
        assert!(moved > 0, "the handshake stalled");
    }
}

/// Writes `data` at `from` and reads it at `to`.
fn send(from: &mut Connection, to: &mut Connection, data: &[u8]) {
    from.write(data).unwrap();
    transfer(from, to);
    let mut buf = vec![0; data.len()];
    assert_eq!(to.read(&mut buf), Ok(data.len()));
    assert_eq!(buf, data);
}

/// The bytes `from` has waiting for its peer.
fn pending(from: &Connection) -> usize {
    from.pending_tls().len()
}

#[test]
fn a_key_update_that_asks_for_one_back_keeps_data_flowing() {
    let (mut client, mut server) = pair(Versions::Tls13Only);
    handshake(&mut client, &mut server);
    send(&mut client, &mut server, b"before");
    send(&mut server, &mut client, b"before, answered");

    client.update_keys(true).unwrap();
    assert!(pending(&client) > 0, "the KeyUpdate is waiting to be sent");
    transfer(&mut client, &mut server);
    assert_eq!(server.read(&mut [0; 8]), Err(Error::WouldBlock));
    // RFC 8446 §4.6.3: the server's answer goes before its next data, not
    // at once.
    assert_eq!(pending(&server), 0, "no answer before the server writes");
    send(&mut client, &mut server, b"after, under new keys");
    // The answering KeyUpdate, then the data under the server's new keys.
    send(&mut server, &mut client, b"after, answered under new keys");
    // The client was asked nothing: it does not answer the answer.
    assert_eq!(pending(&client), 0);

    server.update_keys(false).unwrap();
    transfer(&mut server, &mut client);
    assert_eq!(client.read(&mut [0; 8]), Err(Error::WouldBlock));
    assert_eq!(pending(&client), 0, "an update without a request");
    send(&mut server, &mut client, b"once more");
    send(&mut client, &mut server, b"and back");
}

#[test]
fn tls12_cannot_update_its_keys() {
    let (mut client, mut server) = pair(Versions::Tls12Only);
    let closed = Err(Error::Tls {
        source: HandshakeError::Closed,
    });
    assert_eq!(client.update_keys(false), closed, "before the handshake");
    handshake(&mut client, &mut server);
    assert_eq!(client.update_keys(true), closed);
    assert_eq!(server.update_keys(false), closed);
    // The refusal is not fatal: the connection goes on.
    send(&mut client, &mut server, b"still fine");
}
