//! RFC 5246 §6, the record protocol, on whole connections: the keys each
//! side seals with (§6.3 key calculation, from the logged master secret),
//! the sequence number each new connection state starts at (§6.1), what a
//! connection puts on the wire (§6, §6.2.1), and the fatal alerts it sends
//! for a record of an undefined type (§6) or one that fails decryption
//! (§6.2.3.3). Traced from `docs/rfc/rfc5246.md`.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use keel_handshake::HandshakeError;
use keel_record::RecordError;
use keel_record::limits::MAX_PLAINTEXT;
use keel_wire::framing::RecordHeader;
use keel_wire::registry::{AlertDescription, ContentType};
use support::{Pair, Side, content_type, plaintext_record};

/// A pair after a whole conversation: the handshake, 40,000 bytes from the
/// client (three records), a short answer, close_notify both ways.
fn conversation() -> Pair {
    let mut pair = Pair::new(false);
    pair.finish().unwrap();
    pair.assert_established();
    let data = vec![0x61; 40_000];
    assert_eq!(pair.client.write(&data).unwrap(), data.len());
    pair.finish().unwrap();
    let mut buf = vec![0u8; data.len()];
    assert_eq!(pair.server.read(&mut buf).unwrap(), data.len());
    assert_eq!(pair.server.write(b"pong").unwrap(), 4);
    pair.client.close();
    pair.finish().unwrap();
    assert!(pair.server.peer_closed() && pair.client.peer_closed());
    for side in Side::BOTH {
        pair.collect(side);
    }
    pair
}

/// Every record `side` sent, as (type, plaintext): plaintext records as
/// they are, protected ones opened in wire order from sequence number 0.
fn plaintexts(pair: &mut Pair, side: Side) -> Vec<(ContentType, Vec<u8>)> {
    let sent = pair.sent(side).to_vec();
    let ccs = sent
        .iter()
        .position(|r| content_type(r) == ContentType::CHANGE_CIPHER_SPEC)
        .unwrap();
    let mut out: Vec<_> = sent[..=ccs]
        .iter()
        .map(|r| (content_type(r), r[RecordHeader::LEN..].to_vec()))
        .collect();
    out.extend(pair.open_sent(side));
    out
}

/// RFC 5246 §6: "Implementations MUST NOT send record types not defined in
/// this document unless negotiated by some extension". Over a whole
/// conversation, both sides send only change_cipher_spec, alert, handshake
/// and application_data records, and each type where it belongs.
#[test]
fn a_connection_sends_only_the_record_types_rfc_5246_defines() {
    let mut pair = conversation();
    for side in Side::BOTH {
        let records = plaintexts(&mut pair, side);
        let types: Vec<u8> = records.iter().map(|(t, _)| t.get()).collect();
        assert!(
            types.iter().all(|t| (20..=23).contains(t)),
            "the {side} sent {types:?}"
        );
        // Handshake, then CCS and Finished, then data, then close_notify.
        assert_eq!(types.first(), Some(&22), "{side}");
        assert!(types.contains(&20) && types.contains(&23), "{side}");
        assert_eq!(types.last(), Some(&21), "{side}");
    }
}

/// RFC 5246 §6.1: "The sequence number MUST be set to zero whenever a
/// connection state is made the active state", and "the first record
/// transmitted under a particular connection state MUST use sequence
/// number 0"; §6.2.1: records "MUST be delivered to the network in the
/// same order as they are protected". Each side's records after its
/// ChangeCipherSpec open, in wire order, under an opener that starts at 0
/// (the sequence number is in the additional data, so any other start, or
/// any other order, fails), whatever the other direction has sent: read
/// and write states count separately. And the receiving side accepted
/// them, so its read state also started at 0.
#[test]
fn each_direction_protects_from_sequence_number_zero_in_wire_order() {
    let mut pair = conversation();
    for side in Side::BOTH {
        let opened = pair.open_sent(side);
        // Finished first, close_notify last.
        assert_eq!(opened.first().unwrap().0, ContentType::HANDSHAKE, "{side}");
        assert_eq!(opened.first().unwrap().1[0], 20, "{side}: Finished");
        assert_eq!(opened.last().unwrap().0, ContentType::ALERT, "{side}");
    }
    // The client sent Finished, three data records and close_notify; the
    // server its Finished, one data record and close_notify.
    assert_eq!(pair.open_sent(Side::Client).len(), 5);
    assert_eq!(pair.open_sent(Side::Server).len(), 3);

    // Not vacuous: the client's second protected record does not open as
    // the first of a connection state.
    let keys = pair.traffic_keys(Side::Client);
    let sent = pair.sent(Side::Client).to_vec();
    let ccs = sent
        .iter()
        .position(|r| content_type(r) == ContentType::CHANGE_CIPHER_SPEC)
        .unwrap();
    let second = &sent[ccs + 2];
    let header = RecordHeader::peek(second).unwrap();
    let mut body = second[RecordHeader::LEN..].to_vec();
    let mut opener = keel_record::RecordOpener::new(&keys).unwrap();
    assert_eq!(
        opener
            .open_in_place(header.content_type, header.version, &mut body)
            .unwrap_err(),
        RecordError::BadRecordMac
    );
}

/// RFC 5246 §6.2.1: "Implementations MUST NOT send zero-length fragments
/// of Handshake, Alert, or ChangeCipherSpec content types". No record a
/// connection sends of those types is empty, protected or not.
#[test]
fn a_connection_never_sends_an_empty_handshake_alert_or_ccs_fragment() {
    let mut pair = conversation();
    for side in Side::BOTH {
        for (t, plaintext) in plaintexts(&mut pair, side) {
            if t != ContentType::APPLICATION_DATA {
                assert!(!plaintext.is_empty(), "the {side} sent an empty {t}");
            }
        }
    }
}

/// RFC 5246 §6.2.1: "The length MUST NOT exceed 2^14". A 40,000-byte write
/// leaves as records of 2^14, 2^14 and the rest; no record either side
/// sends carries more.
#[test]
fn a_connection_fragments_writes_into_records_of_at_most_2_14_bytes() {
    let mut pair = conversation();
    let data: Vec<usize> = plaintexts(&mut pair, Side::Client)
        .iter()
        .filter(|(t, _)| *t == ContentType::APPLICATION_DATA)
        .map(|(_, p)| p.len())
        .collect();
    assert_eq!(
        data,
        [MAX_PLAINTEXT, MAX_PLAINTEXT, 40_000 - 2 * MAX_PLAINTEXT]
    );
    for side in Side::BOTH {
        for (t, plaintext) in plaintexts(&mut pair, side) {
            assert!(plaintext.len() <= MAX_PLAINTEXT, "{side}: {t}");
        }
    }
}

/// RFC 5246 §6: "If a TLS implementation receives an unexpected record
/// type, it MUST send an unexpected_message alert". A record of a type
/// keel does not know, or of heartbeat (never negotiated), during the
/// handshake or after it: the receiver fails with unexpected_message and
/// the peer hears it as a fatal alert.
#[test]
fn a_record_of_an_undefined_type_gets_a_fatal_unexpected_message() {
    for t in [24u8, 25, 0, 255] {
        // During the handshake: a server waiting for the ClientHello.
        let mut pair = Pair::new(false);
        let err = pair
            .server
            .read_tls(&plaintext_record(ContentType::new(t), &[1, 2, 3]))
            .unwrap_err();
        assert_eq!(
            err,
            HandshakeError::Record {
                source: RecordError::UnexpectedContentType {
                    content_type: ContentType::new(t)
                }
            }
        );
        assert_eq!(err.alert(), Some(AlertDescription::UNEXPECTED_MESSAGE));
        pair.assert_failure_reaches_peer(Side::Server, &err);

        // After it, with records protected: the same, the alert sealed.
        let mut pair = Pair::new(false);
        pair.finish().unwrap();
        let err = pair
            .client
            .read_tls(&plaintext_record(ContentType::new(t), &[0; 40]))
            .unwrap_err();
        assert_eq!(err.alert(), Some(AlertDescription::UNEXPECTED_MESSAGE));
        pair.assert_failure_reaches_peer(Side::Client, &err);
    }
}

/// RFC 5246 §6.2.3.3: "If the decryption fails, a fatal bad_record_mac
/// alert MUST be generated". A data record with one bit flipped, in its
/// explicit nonce, its ciphertext or its tag, is refused with
/// bad_record_mac, and the sender hears it as a fatal alert.
#[test]
fn a_record_that_fails_decryption_gets_a_fatal_bad_record_mac() {
    for at in [RecordHeader::LEN, RecordHeader::LEN + 10, usize::MAX] {
        let mut pair = Pair::new(false);
        pair.finish().unwrap();
        assert_eq!(pair.client.write(b"attack at dawn").unwrap(), 14);
        let mut record = Vec::new();
        pair.client.take_tls(&mut record);
        let at = at.min(record.len() - 1);
        record[at] ^= 0x01;
        let err = pair.server.read_tls(&record).unwrap_err();
        assert_eq!(
            err,
            HandshakeError::Record {
                source: RecordError::BadRecordMac
            }
        );
        assert_eq!(err.alert(), Some(AlertDescription::BAD_RECORD_MAC));
        let mut buf = [0u8; 32];
        assert_eq!(
            pair.server.read(&mut buf).unwrap_err(),
            err,
            "nothing released"
        );
        pair.assert_failure_reaches_peer(Side::Server, &err);
    }
}
