//! How a connection answers alerts and records that break a rule: a
//! malformed ChangeCipherSpec, an alert of no known level, a warning-level
//! copy of an always-fatal alert, application data (even an empty record)
//! before the handshake is complete; and that nothing is written after
//! keel's own close_notify.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use keel_handshake::{HandshakeError, IllegalParameter, Limits, MessageKind, Repeated};
use keel_record::RecordError;
use keel_wire::registry::{AlertDescription, AlertLevel, ContentType};
use support::{Injection, Pair, Side, plaintext_record};

fn alert(level: u8, description: AlertDescription) -> Vec<u8> {
    plaintext_record(ContentType::ALERT, &[level, description.get()])
}

/// A server waiting for the ClientHello.
fn fresh_server() -> Pair {
    Pair::new(false)
}

#[test]
fn a_change_cipher_spec_that_is_not_the_byte_1_is_unexpected_message() {
    for body in [&[2u8][..], &[1, 1], &[0]] {
        let mut pair = fresh_server();
        let err = pair
            .server
            .read_tls(&plaintext_record(ContentType::CHANGE_CIPHER_SPEC, body))
            .unwrap_err();
        assert_eq!(
            err,
            HandshakeError::Record {
                source: RecordError::BadChangeCipherSpec
            }
        );
        assert_eq!(err.alert(), Some(AlertDescription::UNEXPECTED_MESSAGE));
        pair.assert_failure_reaches_peer(Side::Server, &err);
    }
}

#[test]
fn an_alert_of_no_known_level_is_an_illegal_parameter() {
    for level in [0u8, 3, 255] {
        let mut pair = fresh_server();
        let err = pair
            .server
            .read_tls(&alert(level, AlertDescription::USER_CANCELED))
            .unwrap_err();
        assert_eq!(
            err,
            HandshakeError::IllegalParameter {
                reason: IllegalParameter::UnknownAlertLevel { level }
            }
        );
        pair.assert_failure_reaches_peer(Side::Server, &err);
    }
}

/// RFC 5246 §7.2.2 calls these always fatal: sent as a warning, they still
/// end the connection (no alert is sent back for a peer's fatal alert).
#[test]
fn a_warning_copy_of_an_always_fatal_alert_is_fatal() {
    for description in [
        AlertDescription::UNEXPECTED_MESSAGE,
        AlertDescription::HANDSHAKE_FAILURE,
        AlertDescription::DECODE_ERROR,
        AlertDescription::INTERNAL_ERROR,
    ] {
        let mut pair = fresh_server();
        let err = pair
            .server
            .read_tls(&alert(AlertLevel::WARNING.get(), description))
            .unwrap_err();
        assert_eq!(err, HandshakeError::AlertReceived { description });
        assert!(pair.server.pending_tls().is_empty(), "nothing answers it");
    }
}

#[test]
fn other_warnings_are_survived_up_to_the_limit() {
    let max = Limits::default().max_in_a_row;
    assert_eq!(max, 4, "as many as BoringSSL allows");
    let mut pair = fresh_server();
    let warning = alert(AlertLevel::WARNING.get(), AlertDescription::USER_CANCELED);
    for _ in 0..max {
        pair.server.read_tls(&warning).unwrap();
    }
    assert_eq!(
        pair.server.read_tls(&warning),
        Err(HandshakeError::TooMany {
            what: Repeated::WarningAlerts
        })
    );
}

/// Between the client's ChangeCipherSpec and its Finished, an empty
/// application-data record is as out of place as a full one (BoGo's
/// AppDataAfterChangeCipherSpec-Empty).
#[test]
fn an_empty_application_data_record_before_finished_is_unexpected() {
    for side in Side::BOTH {
        let mut pair = Pair::new(false);
        // The server after the client's ChangeCipherSpec; the client after
        // the server's.
        let received = match side {
            Side::Server => 3,
            Side::Client => 5,
        };
        pair.advance(side, received).unwrap();
        assert!(pair.protected_towards(side) && pair.conn(side).is_handshaking());
        let err = pair
            .inject(side, &Injection::ApplicationData(Vec::new()), true)
            .unwrap_err();
        assert_eq!(
            err,
            HandshakeError::UnexpectedMessage {
                expected: "Finished",
                got: MessageKind::ApplicationData,
            },
            "{side}"
        );
        pair.assert_failure_reaches_peer(side, &err);
    }
}

/// RFC 5246 §7.2.1: after keel's own close_notify, nothing more is written,
/// not even the fatal alert of a failure that follows.
#[test]
fn nothing_is_written_after_our_close_notify() {
    let mut pair = Pair::new(false);
    pair.finish().unwrap();
    pair.assert_established();
    pair.server.close();
    let closed = pair.server.pending_tls().to_vec();
    // A renegotiation attempt: no warning no_renegotiation now.
    pair.collect(Side::Server);
    let hello = Injection::Handshake(support::sample_message(
        keel_wire::registry::HandshakeType::CLIENT_HELLO,
    ));
    pair.inject(Side::Server, &hello, true).unwrap();
    assert!(
        pair.server.pending_tls().is_empty(),
        "no warning after close_notify"
    );
    // A record that does not authenticate: failed, and silent.
    let err = pair
        .server
        .read_tls(&[0x17, 0x03, 0x03, 0x00, 0x20, 0xde, 0xad, 0xbe, 0xef])
        .and_then(|_| pair.server.read_tls(&[0u8; 0x1c]))
        .unwrap_err();
    assert_eq!(err.alert(), Some(AlertDescription::BAD_RECORD_MAC));
    assert!(
        pair.server.pending_tls().is_empty(),
        "no fatal alert after close_notify"
    );
    assert!(!closed.is_empty());
}
