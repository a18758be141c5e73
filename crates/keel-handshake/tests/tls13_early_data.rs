//! A keel server and a client that sends 0-RTT data keel never accepts
//! (RFC 8446 §4.2.10): after a ServerHello the early records, which do not
//! open under the client's handshake key, are skipped until the client's
//! Finished opens; after a HelloRetryRequest its application_data records
//! are skipped until ClientHello2. Either way the handshake completes, no
//! early data reaches the application, and EncryptedExtensions says
//! nothing of early_data. Past the bound, or without early_data in the
//! ClientHello, an undecryptable record is bad_record_mac; a ClientHello2
//! that keeps early_data is illegal_parameter (RFC 8446 §4.1.2).

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use keel_handshake::{Connection, HandshakeError, IllegalParameter};
use keel_record::limits::MAX_SKIPPED_EARLY_DATA;
use keel_record::{AeadAlgorithm, RecordError, RecordSealer, TrafficKeys};
use keel_wire::extensions::EncryptedExtension;
use keel_wire::registry::{AlertDescription, ContentType, NamedGroup, ProtocolVersion};
use support::raw_client13::RawClient13;
use support::{GROUPS13, last_alert, plaintext_record, server_config13, take};

/// 2^14 bytes of early data in one record, as a client seals them: header,
/// content, inner type, tag.
const FULL_RECORD: usize = 5 + (1 << 14) + 1 + 16;

/// A TLS 1.3 server with the default groups, or only `groups`.
fn tls13_server(groups: Option<&[NamedGroup]>) -> Connection {
    let mut config = server_config13(keel_handshake::Versions::Tls13AndTls12, &GROUPS13);
    if let Some(groups) = groups {
        config.groups = groups.to_vec();
    }
    Connection::server(std::sync::Arc::new(config))
}

/// `count` records of 0-RTT data, each `record_len` bytes on the wire,
/// sealed under a key the server does not have (as the client's
/// client_early_traffic_secret is, to a server that derived none).
fn early_records(count: usize, record_len: usize) -> Vec<u8> {
    let keys = TrafficKeys::new_tls13(AeadAlgorithm::Aes128Gcm, &[0xe0; 16], &[0x0e; 12]).unwrap();
    let mut sealer = RecordSealer::new(&keys).unwrap();
    let mut out = Vec::new();
    for _ in 0..count {
        let mut record = vec![0u8; record_len];
        let padding = record_len - sealer.overhead();
        let len = sealer
            .seal_in_place_with_padding(ContentType::APPLICATION_DATA, &mut record, 0, padding)
            .unwrap();
        assert_eq!(len, record_len);
        out.extend_from_slice(&record);
    }
    out
}

/// The middlebox change_cipher_spec a client sends right after a
/// ClientHello that offers early data (RFC 8446 Appendix D.4).
fn ccs() -> Vec<u8> {
    plaintext_record(ContentType::CHANGE_CIPHER_SPEC, &[1])
}

fn join(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Hands `bytes` to `conn` until it has taken them all.
fn deliver(conn: &mut Connection, mut bytes: &[u8]) -> Result<(), HandshakeError> {
    while !bytes.is_empty() {
        let taken = conn.read_tls(bytes)?;
        assert!(taken > 0, "the connection takes more bytes");
        bytes = &bytes[taken..];
    }
    Ok(())
}

/// Finishes the handshake from the server's flight, with `early_after`
/// (more 0-RTT records, sent before the client heard the server) ahead of
/// the client's Finished; then data goes both ways, and the server's
/// EncryptedExtensions carried no early_data.
fn complete(server: &mut Connection, client: &mut RawClient13, early_after: &[u8]) {
    let heard = client.receive(&take(server));
    assert!(heard.alerts.is_empty(), "{:?}", heard.alerts);
    assert!(
        !client
            .encrypted_extensions()
            .extensions
            .0
            .contains(&EncryptedExtension::EarlyData),
        "keel never accepts early data"
    );
    deliver(server, &join(&[early_after, &heard.reply])).unwrap();
    let session = server.session().expect("the server is established");
    assert_eq!(session.version, ProtocolVersion::TLS_V1_3);

    deliver(server, &client.seal(b"ping")).unwrap();
    let mut buf = [0u8; 64];
    let n = server.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"ping", "only the 1-RTT data reaches the server");
    assert_eq!(server.read(&mut buf).unwrap(), 0);
    server.write(b"pong").unwrap();
    assert_eq!(client.receive(&take(server)).data, b"pong");
}

/// `server` failed with `err`, whose alert went out sealed after the
/// server's flight: the client opens it there.
fn assert_refused_after_flight(
    server: &mut Connection,
    client: &mut RawClient13,
    err: &HandshakeError,
) {
    assert_eq!(server.error(), Some(err));
    let heard = client.receive(&take(server));
    assert_eq!(heard.alerts, [err.alert().unwrap()]);
}

// --- After a ServerHello ------------------------------------------------------

#[test]
fn early_data_after_a_server_hello_is_skipped_and_the_handshake_completes() {
    let mut server = tls13_server(None);
    let mut client = RawClient13::new(true);
    let hello = client.client_hello();
    deliver(
        &mut server,
        &join(&[&hello, &ccs(), &early_records(3, 500)]),
    )
    .unwrap();
    // More early data, sent before the client saw the server's flight.
    complete(&mut server, &mut client, &early_records(2, 1_000));
}

#[test]
fn early_data_in_pieces_of_any_size_is_skipped() {
    let mut server = tls13_server(None);
    let mut client = RawClient13::new(true);
    let stream = join(&[&client.client_hello(), &early_records(4, 300)]);
    for piece in stream.chunks(7) {
        deliver(&mut server, piece).unwrap();
    }
    complete(&mut server, &mut client, &[]);
}

#[test]
fn early_data_up_to_the_bound_is_skipped() {
    // A full record of 2^14 bytes of early data, and what is left of the
    // bound in another record: exactly the bound.
    let rest = MAX_SKIPPED_EARLY_DATA - FULL_RECORD;
    let mut server = tls13_server(None);
    let mut client = RawClient13::new(true);
    let hello = client.client_hello();
    deliver(
        &mut server,
        &join(&[
            &hello,
            &early_records(1, FULL_RECORD),
            &early_records(1, rest),
        ]),
    )
    .unwrap();
    complete(&mut server, &mut client, &[]);
}

#[test]
fn early_data_past_the_bound_is_bad_record_mac() {
    let mut server = tls13_server(None);
    let mut client = RawClient13::new(true);
    let hello = client.client_hello();
    let err = deliver(
        &mut server,
        &join(&[
            &hello,
            &early_records(1, FULL_RECORD),
            &early_records(1, MAX_SKIPPED_EARLY_DATA - FULL_RECORD + 1),
        ]),
    )
    .unwrap_err();
    let expected = HandshakeError::Record {
        source: RecordError::BadRecordMac,
    };
    assert_eq!(err, expected);
    assert_eq!(err.alert(), Some(AlertDescription::BAD_RECORD_MAC));
    assert_refused_after_flight(&mut server, &mut client, &expected);
}

#[test]
fn early_data_after_the_clients_finished_is_bad_record_mac() {
    // The first record that opens is the client's next flight: skipping
    // ends there, and a record that does not open after it is refused.
    let mut server = tls13_server(None);
    let mut client = RawClient13::new(true);
    let hello = client.client_hello();
    deliver(&mut server, &join(&[&hello, &early_records(1, 100)])).unwrap();
    let heard = client.receive(&take(&mut server));
    let err = deliver(&mut server, &join(&[&heard.reply, &early_records(1, 100)])).unwrap_err();
    let expected = HandshakeError::Record {
        source: RecordError::BadRecordMac,
    };
    assert_eq!(err, expected);
    assert_refused_after_flight(&mut server, &mut client, &expected);
}

#[test]
fn without_early_data_an_undecryptable_record_is_bad_record_mac_at_once() {
    let mut server = tls13_server(None);
    let mut client = RawClient13::new(false);
    let hello = client.client_hello();
    let err = deliver(&mut server, &join(&[&hello, &early_records(1, 100)])).unwrap_err();
    let expected = HandshakeError::Record {
        source: RecordError::BadRecordMac,
    };
    assert_eq!(err, expected);
    assert_eq!(err.alert(), Some(AlertDescription::BAD_RECORD_MAC));
    assert_refused_after_flight(&mut server, &mut client, &expected);
}

// --- After a HelloRetryRequest ------------------------------------------------

/// A server that wants P-384, for which the client sent no share.
fn retrying_server() -> Connection {
    tls13_server(Some(&[NamedGroup::SECP384R1]))
}

#[test]
fn early_data_after_a_hello_retry_request_is_skipped_until_client_hello2() {
    let mut server = retrying_server();
    let mut client = RawClient13::new(true);
    let hello = client.client_hello();
    // A full-size early record among them: 2^14 bytes of early data are
    // longer than a plaintext record may be, and are skipped all the same.
    deliver(
        &mut server,
        &join(&[
            &hello,
            &ccs(),
            &early_records(1, FULL_RECORD),
            &early_records(2, 100),
        ]),
    )
    .unwrap();
    let retry = client.receive(&take(&mut server));
    assert!(retry.alerts.is_empty(), "{:?}", retry.alerts);
    deliver(&mut server, &retry.reply).unwrap();
    complete(&mut server, &mut client, &[]);
    assert_eq!(server.session().unwrap().group, NamedGroup::SECP384R1);
}

#[test]
fn early_data_after_a_hello_retry_request_past_the_bound_is_refused() {
    let mut server = retrying_server();
    let mut client = RawClient13::new(true);
    let hello = client.client_hello();
    let err = deliver(
        &mut server,
        &join(&[
            &hello,
            &early_records(1, FULL_RECORD),
            &early_records(1, MAX_SKIPPED_EARLY_DATA - FULL_RECORD + 1),
        ]),
    )
    .unwrap_err();
    // No key to try: past the bound it is application data before the
    // handshake, as it would be without early_data.
    let expected = HandshakeError::Record {
        source: RecordError::UnprotectedApplicationData,
    };
    assert_eq!(err, expected);
    assert_eq!(server.error(), Some(&expected));
    assert_eq!(
        last_alert(&server),
        Some(AlertDescription::UNEXPECTED_MESSAGE)
    );
}

#[test]
fn without_early_data_application_data_after_a_hello_retry_request_is_refused() {
    let mut server = retrying_server();
    let mut client = RawClient13::new(false);
    let hello = client.client_hello();
    let err = deliver(&mut server, &join(&[&hello, &early_records(1, 100)])).unwrap_err();
    let expected = HandshakeError::Record {
        source: RecordError::UnprotectedApplicationData,
    };
    assert_eq!(err, expected);
    assert_eq!(
        last_alert(&server),
        Some(AlertDescription::UNEXPECTED_MESSAGE)
    );
}

#[test]
fn early_data_after_client_hello2_is_bad_record_mac() {
    // A client may not send early data after a HelloRetryRequest: nothing
    // is skipped once ClientHello2 is in.
    let mut server = retrying_server();
    let mut client = RawClient13::new(true);
    let hello = client.client_hello();
    deliver(&mut server, &hello).unwrap();
    let retry = client.receive(&take(&mut server));
    let err = deliver(&mut server, &join(&[&retry.reply, &early_records(1, 100)])).unwrap_err();
    let expected = HandshakeError::Record {
        source: RecordError::BadRecordMac,
    };
    assert_eq!(err, expected);
    assert_refused_after_flight(&mut server, &mut client, &expected);
}

#[test]
fn a_client_hello2_that_keeps_early_data_is_illegal_parameter() {
    let mut server = retrying_server();
    let mut client = RawClient13::new(true);
    client.early_data_after_retry = true;
    let hello = client.client_hello();
    deliver(&mut server, &join(&[&hello, &early_records(1, 100)])).unwrap();
    let retry = client.receive(&take(&mut server));
    let err = deliver(&mut server, &retry.reply).unwrap_err();
    let expected = HandshakeError::IllegalParameter {
        reason: IllegalParameter::EarlyDataAfterRetry,
    };
    assert_eq!(err, expected);
    assert_eq!(err.alert(), Some(AlertDescription::ILLEGAL_PARAMETER));
    assert_eq!(server.error(), Some(&expected));
    // The server has no keys yet: its alert goes out in plaintext.
    assert_eq!(
        last_alert(&server),
        Some(AlertDescription::ILLEGAL_PARAMETER)
    );
}
