//! record_size_limit (RFC 8449), negotiated both ways and applied by the
//! record layer to protected records.

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
use support::{SERVER_NAME, client_config, pump, server_config};

fn pair(client_limit: u16, server_limit: u16) -> (Connection, Connection) {
    let mut client = client_config(false, None);
    client.limits.record_size_limit = client_limit;
    let mut server = server_config(false);
    server.limits.record_size_limit = server_limit;
    (
        Connection::client(Arc::new(client), ServerName::parse(SERVER_NAME).unwrap()).unwrap(),
        Connection::server(Arc::new(server)),
    )
}

/// The application-data record lengths in `wire` (protected: plaintext +
/// 24 bytes of explicit nonce and tag with AES-GCM).
fn data_record_lengths(mut wire: &[u8]) -> Vec<usize> {
    let mut lengths = Vec::new();
    while let Some(header) = RecordHeader::peek(wire) {
        let len = usize::from(header.length);
        if header.content_type == ContentType::APPLICATION_DATA {
            lengths.push(len);
        }
        wire = &wire[RecordHeader::LEN + len..];
    }
    lengths
}

fn send(from: &mut Connection, to: &mut Connection, data: &[u8]) -> Vec<usize> {
    assert_eq!(from.write(data).unwrap(), data.len());
    let mut wire = Vec::new();
    from.take_tls(&mut wire);
    // read_tls takes what fits (back-pressure): offer the rest as the
    // application reads.
    let mut offered = 0;
    let mut got = Vec::new();
    let mut buf = vec![0u8; 4096];
    while got.len() < data.len() {
        offered += to.read_tls(&wire[offered..]).unwrap();
        loop {
            let n = to.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
    }
    assert_eq!(got, data);
    data_record_lengths(&wire)
}

#[test]
fn each_side_sends_records_no_larger_than_the_peer_accepts() {
    let (mut client, mut server) = pair(512, 1024);
    pump(&mut client, &mut server).unwrap();
    let data: Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
    // The client writes under the server's limit, and the other way round.
    let to_server = send(&mut client, &mut server, &data);
    assert!(
        to_server.iter().all(|&len| len <= 1024 + 24),
        "{to_server:?}"
    );
    assert_eq!(to_server.len(), 5, "5000 bytes in records of 1024");
    let to_client = send(&mut server, &mut client, &data);
    assert!(
        to_client.iter().all(|&len| len <= 512 + 24),
        "{to_client:?}"
    );
    assert_eq!(to_client.len(), 10, "5000 bytes in records of 512");
}

#[test]
fn the_default_is_the_protocol_limit() {
    let (mut client, mut server) = pair(16384, 16384);
    pump(&mut client, &mut server).unwrap();
    let lengths = send(&mut client, &mut server, &[7u8; 40_000]);
    assert_eq!(lengths, [16384 + 24, 16384 + 24, 7232 + 24]);
}

#[test]
fn a_limit_above_two_to_the_fourteen_means_two_to_the_fourteen() {
    let (mut client, mut server) = pair(u16::MAX, u16::MAX);
    pump(&mut client, &mut server).unwrap();
    let lengths = send(&mut server, &mut client, &[7u8; 20_000]);
    assert_eq!(lengths[0], 16384 + 24);
}

#[test]
fn a_limit_below_64_is_an_illegal_parameter() {
    let (mut client, mut server) = pair(63, 16384);
    let err = pump(&mut client, &mut server).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::IllegalParameter {
            reason: keel_handshake::IllegalParameter::RecordSizeLimitTooSmall { value: 63 }
        }
    );
    let mut alert = Vec::new();
    server.take_tls(&mut alert);
    assert_eq!(
        client.read_tls(&alert).unwrap_err(),
        HandshakeError::AlertReceived {
            description: AlertDescription::ILLEGAL_PARAMETER
        }
    );
}
