//! An established TLS 1.3 connection: KeyUpdate both ways and its bound
//! (RFC 8446 §4.6.3), alerts as RFC 8446 §6 reads them, no renegotiation,
//! and the exporter (§7.5).

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use keel_handshake::{Connection, HandshakeError, Repeated};
use keel_wire::registry::AlertDescription;
use support::{established13, pump, split_records, take};

/// `from` writes `data`; `to` reads it back.
fn send(from: &mut Connection, to: &mut Connection, data: &[u8]) -> Vec<u8> {
    assert_eq!(from.write(data).unwrap(), data.len());
    let bytes = take(from);
    to.read_tls(&bytes).unwrap();
    let mut out = vec![0; data.len() + 1];
    let n = to.read(&mut out).unwrap();
    out.truncate(n);
    out
}

#[test]
fn a_key_update_changes_keys_and_data_still_flows() {
    let (mut client, mut server) = established13();
    client.update_keys(false).unwrap();
    assert_eq!(
        send(&mut client, &mut server, b"under new keys"),
        b"under new keys"
    );
    // The server did not answer: it was not asked.
    assert!(take(&mut server).is_empty());
    assert_eq!(
        send(&mut server, &mut client, b"old server keys"),
        b"old server keys"
    );
}

/// RFC 8446 §4.6.3: the answer goes "prior to sending its next
/// Application Data record", once for however many requests came before:
/// the client's next write sends one KeyUpdate, then its data under the new
/// keys.
#[test]
fn a_requested_key_update_is_answered_once_before_the_next_data() {
    let (mut client, mut server) = established13();
    for _ in 0..3 {
        server.update_keys(true).unwrap();
        client.read_tls(&take(&mut server)).unwrap();
    }
    assert!(take(&mut client).is_empty(), "nothing is sent before data");
    client.write(b"both updated").unwrap();
    let records = split_records(&take(&mut client));
    // One KeyUpdate (22 bytes on the wire, as the AEADs' tags make it),
    // then the data.
    assert_eq!(records.len(), 2, "one KeyUpdate, then the data");
    assert_eq!(records[0].len(), 5 + 5 + 1 + 16);
    server.read_tls(&records.concat()).unwrap();
    let mut buf = [0u8; 32];
    assert_eq!(server.read(&mut buf).unwrap(), 12);
    assert_eq!(send(&mut server, &mut client, b"and back"), b"and back");
}

#[test]
fn a_key_update_flood_ends_the_connection() {
    let (mut client, mut server) = established13();
    let mut flood = Vec::new();
    for _ in 0..40 {
        server.update_keys(true).unwrap();
        server.take_tls(&mut flood);
    }
    let err = client.read_tls(&flood).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::TooMany {
            what: Repeated::PostHandshakeMessages
        }
    );
    assert_eq!(err.alert(), Some(AlertDescription::UNEXPECTED_MESSAGE));
    // The server reads the alert (protected) and fails with it.
    let err = server.read_tls(&take(&mut client)).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::AlertReceived {
            description: AlertDescription::UNEXPECTED_MESSAGE
        }
    );
}

/// The bound is on KeyUpdates without data between them: with data both
/// ways in every round, any number goes through.
#[test]
fn data_between_key_updates_resets_the_bound() {
    let (mut client, mut server) = established13();
    for round in 0..50 {
        server.update_keys(true).unwrap();
        let data = format!("round {round}");
        assert_eq!(
            send(&mut server, &mut client, data.as_bytes()),
            data.as_bytes()
        );
        // The client's answer, then its data, under its new keys.
        assert_eq!(
            send(&mut client, &mut server, data.as_bytes()),
            data.as_bytes()
        );
    }
}

#[test]
fn key_update_is_refused_in_tls12_and_before_the_handshake() {
    let (mut client, mut server) = support::connections(false, None);
    assert_eq!(client.update_keys(false), Err(HandshakeError::Closed));
    pump(&mut client, &mut server).unwrap();
    assert_eq!(client.update_keys(false), Err(HandshakeError::Closed));
}

/// RFC 8446 §6.1: close_notify closes the sender's write side only. The
/// side that receives it may go on sending (a half-close: the client sent
/// its request and closed; the server answers), and closes when it is
/// done; TLS 1.2's answer-at-once (RFC 5246 §7.2.1) is not TLS 1.3's.
#[test]
fn close_notify_closes_one_direction() {
    let (mut client, mut server) = established13();
    client.write(b"request").unwrap();
    client.close();
    assert_eq!(client.write(b"more"), Err(HandshakeError::Closed));
    server.read_tls(&take(&mut client)).unwrap();
    assert!(server.peer_closed());
    let mut buf = [0u8; 16];
    assert_eq!(server.read(&mut buf).unwrap(), 7);
    // Nothing went back yet: no close_notify of the server's own.
    assert!(take(&mut server).is_empty());
    server.write(b"answer").unwrap();
    server.close();
    client.read_tls(&take(&mut server)).unwrap();
    assert_eq!(client.read(&mut buf).unwrap(), 6);
    assert_eq!(&buf[..6], b"answer");
    assert!(client.peer_closed());
}
