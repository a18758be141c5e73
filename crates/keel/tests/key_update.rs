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

mod conn_support;
mod pki_support;

use conn_support::{handshake, pair, send, transfer};
use keel::{Connection, Error, HandshakeError, Versions};

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
