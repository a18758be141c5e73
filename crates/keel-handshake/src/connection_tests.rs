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
        assert!(server.rx.capacity() > 0 && server.received.capacity() > 0);
        assert!(client.outgoing.capacity() > 0);

        // A record received and not yet read keeps its buffers.
        assert_eq!(client.write(b"unread"), Ok(6));
        let mut bytes = Vec::new();
        client.take_tls(&mut bytes);
        server.read_tls(&bytes).unwrap();
        server.release_buffers();
        assert!(server.received.capacity() > 0, "plaintext waiting");
        let mut out = [0u8; 8];
        assert_eq!(server.read(&mut out), Ok(6));

        // Empty: all freed, on both sides.
        for conn in [&mut client, &mut server] {
            conn.release_buffers();
            assert_eq!(conn.rx.capacity(), 0);
            assert_eq!(conn.received.capacity(), 0);
            assert_eq!(conn.outgoing.capacity(), 0);
            assert_eq!(conn.pending_writes.capacity(), 0);
        }
        // And the connection goes on, both ways.
        send(&mut client, &mut server, &record);
        send(&mut server, &mut client, b"still here");
    }
}

/// The plaintext queue's first byte is placed away from the copy offsets
/// that glibc's `rep movsb` makes slow, and the bytes read are exactly
/// the data, whatever the placement.
#[test]
fn queued_plaintext_is_placed_off_the_slow_copy_offsets() {
    use super::queue_plaintext;
    let source: Vec<u8> = (0..16384u32).map(|i| (i % 251) as u8).collect();
    for wanted in [0usize, 5, 13, 63, 64, 1000] {
        let mut received = Vec::with_capacity(4096 + 64 + 64);
        let dst = received.as_ptr() as usize;
        // A source offset that puts the destination `wanted` bytes past it,
        // modulo a page.
        let offset = (0..4096)
            .find(|o| dst.wrapping_sub(source.as_ptr() as usize + o) % 4096 == wanted)
            .unwrap();
        let data = &source[offset..offset + 4096];
        let mut start = 0;
        queue_plaintext(&mut received, &mut start, data);
        let expected_pad = if (1..64).contains(&wanted) {
            64 - wanted
        } else {
            0
        };
        assert_eq!(start, expected_pad, "{wanted} bytes past");
        assert_eq!(&received[start..], data);
        // A second record appends after the first, unpadded.
        queue_plaintext(&mut received, &mut start, b"more");
        assert_eq!(&received[start + 4096..], b"more");
    }
    // Small records are not worth placing.
    let (mut received, mut start) = (Vec::new(), 0);
    queue_plaintext(&mut received, &mut start, b"small");
    assert_eq!((start, received.as_slice()), (0, &b"small"[..]));
}
