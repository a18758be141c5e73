//! The connection at its key's record limit (AES-GCM keys protect 2^24
//! records; TLS 1.2 cannot change keys): the last sequence number goes to
//! close_notify, so the peer sees a clean close, never a truncation.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use keel_pki::ServerName;
use keel_record::RecordError;
use keel_wire::registry::CipherSuite;

use super::Connection;
use crate::error::HandshakeError;

#[path = "../tests/support/mod.rs"]
mod support;

/// The record limit of an AES-GCM key in keel.
const LIMIT: u64 = 1 << 24;

/// A client and server that completed a handshake over AES-128-GCM.
fn established() -> (Connection, Connection) {
    let mut client = support::client_config(false, None);
    client.suites = vec![CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256];
    let mut client = Connection::client(
        Arc::new(client),
        ServerName::parse(support::SERVER_NAME).unwrap(),
    )
    .unwrap();
    let mut server = Connection::server(Arc::new(support::server_config(false)));
    support::pump(&mut client, &mut server).unwrap();
    assert!(client.session().is_some() && server.session().is_some());
    (client, server)
}

/// Moves the client's sealer and the server's opener to `seq`, as if
/// `seq` records had been sent.
fn skip_to(client: &mut Connection, server: &mut Connection, seq: u64) {
    client.writer.sealer_mut().unwrap().set_sequence(seq);
    server.decoder.opener_mut().unwrap().set_sequence(seq);
}

fn limit_reached() -> HandshakeError {
    HandshakeError::Record {
        source: RecordError::KeyLimitReached { limit: LIMIT },
    }
}

#[test]
fn at_the_key_limit_the_connection_closes_with_close_notify() {
    let (mut client, mut server) = established();
    // Two numbers left: one for data, one held back for close_notify.
    skip_to(&mut client, &mut server, LIMIT - 2);
    assert_eq!(client.write(&[7; 100]), Ok(100));
    assert_eq!(client.write(b"more"), Err(limit_reached()));
    assert_eq!(client.write(b"more"), Err(HandshakeError::Closed));
    assert_eq!(client.error(), None, "the limit is not a failure");

    let mut bytes = Vec::new();
    client.take_tls(&mut bytes);
    server.read_tls(&bytes).unwrap();
    let mut buf = [0u8; 200];
    assert_eq!(server.read(&mut buf), Ok(100));
    assert!(
        server.peer_closed(),
        "the peer saw close_notify, not a truncation"
    );
    assert_eq!(server.error(), None);
    // The client still reads the server's answer.
    let mut bytes = Vec::new();
    server.take_tls(&mut bytes);
    client.read_tls(&bytes).unwrap();
    assert!(client.peer_closed());
}

#[test]
fn a_write_larger_than_what_the_key_may_still_seal_is_taken_in_part() {
    let (mut client, mut server) = established();
    skip_to(&mut client, &mut server, LIMIT - 2);
    assert_eq!(client.write(&[1; 20_000]), Ok(16_384));
    assert_eq!(client.write(&[1; 10]), Err(limit_reached()));
    let mut bytes = Vec::new();
    client.take_tls(&mut bytes);
    server.read_tls(&bytes).unwrap();
    let mut buf = vec![0u8; 20_000];
    assert_eq!(server.read(&mut buf), Ok(16_384));
    assert!(server.peer_closed());
}

#[test]
fn the_zero_copy_seal_closes_at_the_limit_too() {
    let (mut client, mut server) = established();
    skip_to(&mut client, &mut server, LIMIT - 1);
    let mut out = vec![0u8; 200];
    assert_eq!(client.seal_from(b"late", &mut out), Err(limit_reached()));
    assert_eq!(client.error(), None);
    let mut bytes = Vec::new();
    client.take_tls(&mut bytes);
    server.read_tls(&bytes).unwrap();
    assert!(server.peer_closed());
    assert_eq!(server.error(), None);
}

/// RFC 8446 §5.5: a TLS 1.3 connection replaces its key with a KeyUpdate
/// before the key nears its limit, on both write paths, and data goes on
/// flowing under the new key (whose sequence starts again at zero).
#[test]
fn tls13_updates_its_key_before_the_limit() {
    let (mut client, mut server) = support::established13();
    // Near the limit: the next write sends a KeyUpdate first.
    skip_to(&mut client, &mut server, LIMIT - 10);
    assert!(client.writer.key_update_due());
    assert_eq!(client.write(b"near the limit"), Ok(14));
    assert!(!client.writer.key_update_due(), "a new key");
    assert_eq!(
        client.writer.sealer_mut().unwrap().records_remaining(),
        LIMIT - 1
    );
    let mut bytes = Vec::new();
    client.take_tls(&mut bytes);
    server.read_tls(&bytes).unwrap();
    let mut out = [0u8; 32];
    assert_eq!(server.read(&mut out), Ok(14));
    assert_eq!(&out[..14], b"near the limit");

    // The zero-copy path does the same.
    skip_to(&mut client, &mut server, LIMIT - 10);
    let mut record = vec![0u8; 256];
    let n = client.seal_from(b"zero copy", &mut record).unwrap();
    let mut bytes = Vec::new();
    client.take_tls(&mut bytes);
    bytes.extend_from_slice(&record[..n]);
    server.read_tls(&bytes).unwrap();
    assert_eq!(server.read(&mut out), Ok(9));
}

/// Writes `data` at `from` and reads it all at `to`.
fn send(from: &mut Connection, to: &mut Connection, data: &[u8]) {
    assert_eq!(from.write(data), Ok(data.len()));
    let mut bytes = Vec::new();
    from.take_tls(&mut bytes);
    assert_eq!(to.read_tls(&bytes), Ok(bytes.len()));
    let mut got = vec![0u8; data.len()];
    let mut n = 0;
    while n < data.len() {
        let read = to.read(&mut got[n..]).unwrap();
        assert!(read > 0, "data went missing");
        n += read;
    }
    assert_eq!(got, data);
}

#[test]
fn released_buffers_are_freed_only_when_empty_and_come_back() {
    for (mut client, mut server) in [support::established13(), established()] {
        let record = vec![0x42u8; 16 * 1024];
        send(&mut client, &mut server, &record);
        assert!(server.rx.capacity() > 0 && server.plaintext.capacity() > 0);
        assert!(client.outgoing.capacity() > 0);

        // A record received and not yet read keeps its buffers.
        assert_eq!(client.write(b"unread"), Ok(6));
        let mut bytes = Vec::new();
        client.take_tls(&mut bytes);
        server.read_tls(&bytes).unwrap();
        server.release_buffers();
        assert!(server.rx.capacity() > 0, "plaintext waiting");
        let mut out = [0u8; 8];
        assert_eq!(server.read(&mut out), Ok(6));

        // Empty: all freed, on both sides.
        for conn in [&mut client, &mut server] {
            conn.release_buffers();
            assert_eq!(conn.rx.capacity(), 0);
            assert_eq!(conn.plaintext.capacity(), 0);
            assert_eq!(conn.outgoing.capacity(), 0);
            assert_eq!(conn.pending_writes.capacity(), 0);
        }
        // And the connection goes on, both ways.
        send(&mut client, &mut server, &record);
        send(&mut server, &mut client, b"still here");
    }
}

/// One read collects the plaintext of several records, which the
/// buffered level reads from where each was decrypted.
#[test]
fn one_read_spans_records_decrypted_in_place() {
    for (mut client, mut server) in [support::established13(), established()] {
        let mut wire = Vec::new();
        for part in [&b"ab"[..], b"", b"cde", b"f"] {
            assert_eq!(client.write(part), Ok(part.len()));
            client.take_tls(&mut wire);
        }
        assert_eq!(server.read_tls(&wire), Ok(wire.len()));
        let mut out = [0u8; 4];
        assert_eq!(server.read(&mut out), Ok(4));
        assert_eq!(&out, b"abcd");
        assert_eq!(server.read(&mut out), Ok(2));
        assert_eq!(&out[..2], b"ef");
        assert_eq!(server.read(&mut out), Ok(0));
    }
}

/// A peer sending one byte per record cannot make the receive buffer grow
/// past its limits: the record overheads count against the plaintext
/// limit and at most `MAX_HELD_RECORDS` records wait, so the connection
/// pushes back, and every byte still arrives in order.
#[test]
fn tiny_records_push_back_before_the_buffer_grows() {
    use super::{MAX_BUFFERED_TLS, MAX_HELD_RECORDS};
    for (mut client, mut server) in [support::established13(), established()] {
        let data: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let mut wire = Vec::new();
        for byte in &data {
            assert_eq!(client.write(std::slice::from_ref(byte)), Ok(1));
            client.take_tls(&mut wire);
        }
        let mut offered = 0;
        let mut received = Vec::new();
        let mut pushed_back = false;
        while received.len() < data.len() {
            offered += server.read_tls(&wire[offered..]).unwrap();
            assert!(server.plaintext.len() <= MAX_HELD_RECORDS);
            let bound = server.limits.max_buffered_plaintext + 2 * MAX_BUFFERED_TLS;
            assert!(server.rx.len() <= bound, "{} bytes held", server.rx.len());
            if !server.wants_read() {
                pushed_back = true;
            }
            let mut out = [0u8; 700];
            let n = server.read(&mut out).unwrap();
            received.extend_from_slice(&out[..n]);
        }
        assert!(pushed_back, "5,000 records cannot all wait at once");
        assert_eq!(received, data);
        assert_eq!(offered, wire.len());
    }
}

/// A record that fails to open fails the connection for good, but the
/// application data that arrived before it is still read, then the error.
#[test]
fn data_before_a_bad_record_is_read_then_the_error() {
    for (mut client, mut server) in [support::established13(), established()] {
        let mut wire = Vec::new();
        assert_eq!(client.write(b"delivered"), Ok(9));
        client.take_tls(&mut wire);
        let good = wire.len();
        assert_eq!(client.write(b"tampered"), Ok(8));
        client.take_tls(&mut wire);
        *wire.last_mut().unwrap() ^= 1;
        let err = server.read_tls(&wire).unwrap_err();
        assert!(matches!(err, HandshakeError::Record { .. }), "{err:?}");
        assert!(wire.len() > good);
        let mut out = [0u8; 32];
        assert_eq!(server.read(&mut out), Ok(9));
        assert_eq!(&out[..9], b"delivered");
        assert_eq!(server.read(&mut out), Err(err.clone()));
        assert_eq!(server.read_tls(b"more"), Err(err));
    }
}
