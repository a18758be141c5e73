//! A tamper harness: every record of a full handshake (with and without
//! client authentication) is dropped, duplicated, swapped with the next,
//! truncated or bit-flipped in flight, one case at a time, and each case
//! must end cleanly.
//!
//! The pump moves whole flights (everything a side has written) from one
//! connection to the other, and applies one mutation to the record with a
//! chosen index (counted over both directions, in the order records are
//! sent). It runs until neither side has anything to send. Then one of
//! three things must be true:
//!
//! - **completed**: both sides are established, agree on the session, and
//!   data flows both ways;
//! - **stalled**: nobody failed, and at least one side is still waiting
//!   for bytes that will not come; for each such side `transport_closed()`
//!   then reports `Truncated` (and keeps reporting it);
//! - **failed**: exactly one side failed with an error of its own, whose
//!   fatal alert reached the other side as `AlertReceived` with the same
//!   description; both errors are sticky.
//!
//! On top of that invariant, each class of mutation has the outcome it
//! must have (see [`check_class`]): a flipped bit in a protected record is
//! `bad_record_mac`; a duplicated or reordered plaintext handshake message
//! is `unexpected_message`; a duplicated ChangeCipherSpec or protected
//! record is `bad_record_mac`; a stream that ends stalls; and so on. Run
//! with `--nocapture` for the table of what happened in every case.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::panic::{AssertUnwindSafe, catch_unwind};

use keel_handshake::{Connection, HandshakeError};
use keel_record::RecordError;
use keel_wire::framing::RecordHeader;
use keel_wire::registry::{AlertDescription, ContentType};
use support::{Side, assert_sticky, connections, content_type, describe_record, split_records};

/// Where a bit is flipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// The record header's content type (bit 0).
    Type,
    /// The record header's version, minor byte (bit 0): {03,03} -> {03,02}.
    Version,
    /// The record header's length, low byte (bit 0): one byte more or less.
    Length,
    /// The first byte of the body (bit 0): a handshake type, or the start
    /// of an explicit nonce.
    BodyFirst,
    /// The middle of the body (bit 4).
    BodyMiddle,
    /// The last byte of the body (bit 7): a protected record's tag.
    BodyLast,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mutation {
    /// The record never arrives; the rest of the stream does.
    Drop,
    /// The record arrives twice in a row.
    Duplicate,
    /// The record and the next one of the same flight arrive swapped.
    SwapWithNext,
    /// The record's last byte is lost; the rest of the stream follows.
    LoseLastByte,
    /// The stream ends one byte before the record's end.
    EndMidRecord,
    /// The stream ends after the record's header.
    EndAfterHeader,
    /// The stream ends at the record boundary before the record.
    EndBefore,
    /// One bit flips.
    Flip(Position),
}

impl Mutation {
    const ALL: [Mutation; 13] = [
        Mutation::Drop,
        Mutation::Duplicate,
        Mutation::SwapWithNext,
        Mutation::LoseLastByte,
        Mutation::EndMidRecord,
        Mutation::EndAfterHeader,
        Mutation::EndBefore,
        Mutation::Flip(Position::Type),
        Mutation::Flip(Position::Version),
        Mutation::Flip(Position::Length),
        Mutation::Flip(Position::BodyFirst),
        Mutation::Flip(Position::BodyMiddle),
        Mutation::Flip(Position::BodyLast),
    ];

    fn short(self) -> &'static str {
        match self {
            Mutation::Drop => "drop",
            Mutation::Duplicate => "dup",
            Mutation::SwapWithNext => "swap",
            Mutation::LoseLastByte => "lose1",
            Mutation::EndMidRecord => "endMid",
            Mutation::EndAfterHeader => "endHdr",
            Mutation::EndBefore => "endBef",
            Mutation::Flip(Position::Type) => "fType",
            Mutation::Flip(Position::Version) => "fVers",
            Mutation::Flip(Position::Length) => "fLen",
            Mutation::Flip(Position::BodyFirst) => "fBody0",
            Mutation::Flip(Position::BodyMiddle) => "fBodyM",
            Mutation::Flip(Position::BodyLast) => "fBodyZ",
        }
    }

    /// Whether the mutation means something for this record.
    fn applies_to(self, record: &RecordInfo) -> bool {
        match self {
            Mutation::SwapWithNext => !record.last_in_flight,
            // A one-byte body has one position.
            Mutation::Flip(Position::BodyMiddle | Position::BodyLast) => record.body_len > 1,
            _ => true,
        }
    }
}

/// A record of the reference handshake.
#[derive(Debug, Clone)]
struct RecordInfo {
    index: usize,
    /// Who receives it.
    to: Side,
    content_type: ContentType,
    /// Sent after its sender's ChangeCipherSpec.
    protected: bool,
    /// The first record its receiver gets (sent before any version is
    /// settled).
    first_towards: bool,
    last_in_flight: bool,
    body_len: usize,
    description: String,
}

/// Applies one mutation to one record in flight, and logs every record.
struct Tamperer {
    target: usize,
    mutation: Option<Mutation>,
    next_index: usize,
    applied: bool,
    /// A receiver whose incoming stream has ended.
    ended: Option<Side>,
    /// Every record seen, as sent (for the reference run).
    log: Vec<RecordInfo>,
    sealed: [bool; 2],
}

impl Tamperer {
    fn new(target: usize, mutation: Option<Mutation>) -> Self {
        Self {
            target,
            mutation,
            next_index: 0,
            applied: false,
            ended: None,
            log: Vec::new(),
            sealed: [false, false],
        }
    }

    /// The bytes `to` receives for a flight of `records`.
    fn flight(&mut self, to: Side, records: Vec<Vec<u8>>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut held: Option<Vec<u8>> = None;
        let count = records.len();
        let from = usize::from(to == Side::Client);
        for (position, record) in records.into_iter().enumerate() {
            let index = self.next_index;
            self.next_index += 1;
            let ct = content_type(&record);
            let protected = self.sealed[from];
            self.log.push(RecordInfo {
                index,
                to,
                content_type: ct,
                protected,
                first_towards: !self.log.iter().any(|r| r.to == to),
                last_in_flight: position + 1 == count,
                body_len: record.len() - RecordHeader::LEN,
                description: describe_record(&record, protected),
            });
            if ct == ContentType::CHANGE_CIPHER_SPEC {
                self.sealed[from] = true;
            }
            if self.ended == Some(to) {
                continue;
            }
            let mutation = match self.mutation {
                Some(mutation) if index == self.target => mutation,
                _ => {
                    out.extend_from_slice(&record);
                    if let Some(held) = held.take() {
                        out.extend_from_slice(&held);
                    }
                    continue;
                }
            };
            self.applied = true;
            let len = record.len();
            match mutation {
                Mutation::Drop => {}
                Mutation::Duplicate => {
                    out.extend_from_slice(&record);
                    out.extend_from_slice(&record);
                }
                Mutation::SwapWithNext => held = Some(record),
                Mutation::LoseLastByte => out.extend_from_slice(&record[..len - 1]),
                Mutation::EndMidRecord => {
                    out.extend_from_slice(&record[..len - 1]);
                    self.ended = Some(to);
                }
                Mutation::EndAfterHeader => {
                    out.extend_from_slice(&record[..RecordHeader::LEN]);
                    self.ended = Some(to);
                }
                Mutation::EndBefore => self.ended = Some(to),
                Mutation::Flip(position) => {
                    let body = len - RecordHeader::LEN;
                    let (at, bit) = match position {
                        Position::Type => (0, 0x01),
                        Position::Version => (2, 0x01),
                        Position::Length => (4, 0x01),
                        Position::BodyFirst => (RecordHeader::LEN, 0x01),
                        Position::BodyMiddle => (RecordHeader::LEN + body / 2, 0x10),
                        Position::BodyLast => (len - 1, 0x80),
                    };
                    let mut flipped = record;
                    flipped[at] ^= bit;
                    out.extend_from_slice(&flipped);
                }
            }
        }
        assert!(held.is_none(), "a swap needs a next record in the flight");
        out
    }
}

fn conn<'a>(
    client: &'a mut Connection,
    server: &'a mut Connection,
    side: Side,
) -> &'a mut Connection {
    match side {
        Side::Client => client,
        Side::Server => server,
    }
}

/// Moves flights both ways, through `tamperer`, until neither side has
/// anything to send. Errors stay in the connections.
fn pump(client: &mut Connection, server: &mut Connection, tamperer: &mut Tamperer) {
    for _ in 0..32 {
        let mut moved = false;
        for from in Side::BOTH {
            let mut bytes = Vec::new();
            conn(client, server, from).take_tls(&mut bytes);
            if bytes.is_empty() {
                continue;
            }
            moved = true;
            let to = from.peer();
            let out = tamperer.flight(to, split_records(&bytes));
            if !out.is_empty()
                && let Ok(accepted) = conn(client, server, to).read_tls(&out)
            {
                assert_eq!(accepted, out.len(), "no back-pressure in a handshake");
            }
        }
        if !moved {
            return;
        }
    }
    panic!("the pump did not settle");
}

/// How a case ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Completed,
    /// These sides were still handshaking.
    Stalled(Vec<Side>),
    /// This side failed with this error; the other received its alert.
    Failed(Side, HandshakeError),
    /// Both sides failed on their own (client's error, server's error),
    /// each sending its fatal alert: a side had already sent a flight when
    /// it failed, and its peer refused that flight before the alert came.
    BothFailed(HandshakeError, HandshakeError),
}

/// Runs one case and checks the invariant every case must keep.
fn run_case(client_auth: bool, target: usize, mutation: Mutation) -> Outcome {
    let (mut client, mut server) = connections(client_auth, None);
    let mut tamperer = Tamperer::new(target, Some(mutation));
    pump(&mut client, &mut server, &mut tamperer);
    assert!(tamperer.applied, "the mutation was applied");

    match (client.error().cloned(), server.error().cloned()) {
        (None, None) => {
            if client.session().is_some() && server.session().is_some() {
                let (c, s) = (client.session().unwrap(), server.session().unwrap());
                assert_eq!(c.cipher_suite, s.cipher_suite);
                assert_eq!(c.group, s.group);
                for (from, message) in [(Side::Client, &b"ping"[..]), (Side::Server, b"pong")] {
                    conn(&mut client, &mut server, from).write(message).unwrap();
                    pump(&mut client, &mut server, &mut tamperer);
                    let mut buf = [0u8; 8];
                    let n = conn(&mut client, &mut server, from.peer())
                        .read(&mut buf)
                        .unwrap();
                    assert_eq!(&buf[..n], message);
                }
                return Outcome::Completed;
            }
            let mut waiting = Vec::new();
            for side in Side::BOTH {
                let c = conn(&mut client, &mut server, side);
                if c.is_handshaking() {
                    waiting.push(side);
                    assert_eq!(c.transport_closed(), Err(HandshakeError::Truncated));
                    assert_sticky(c, &HandshakeError::Truncated);
                }
            }
            Outcome::Stalled(waiting)
        }
        (Some(c), Some(s)) => {
            let (side, err, heard) = match (&c, &s) {
                (_, HandshakeError::AlertReceived { .. }) => (Side::Client, c.clone(), s.clone()),
                (HandshakeError::AlertReceived { .. }, _) => (Side::Server, s.clone(), c.clone()),
                _ => {
                    assert!(c.alert().is_some() && s.alert().is_some(), "{c:?}, {s:?}");
                    assert_sticky(&mut client, &c);
                    assert_sticky(&mut server, &s);
                    return Outcome::BothFailed(c, s);
                }
            };
            assert!(
                !matches!(err, HandshakeError::AlertReceived { .. }),
                "an alert nobody sent: client {c:?}, server {s:?}"
            );
            let alert = err
                .alert()
                .unwrap_or_else(|| panic!("{err:?} sends no alert"));
            assert_eq!(
                heard,
                HandshakeError::AlertReceived { description: alert },
                "the {} failed with {err:?}",
                side
            );
            assert_sticky(conn(&mut client, &mut server, side), &err);
            assert_sticky(conn(&mut client, &mut server, side.peer()), &heard);
            Outcome::Failed(side, err)
        }
        (c, s) => panic!("one side failed and the other never heard: client {c:?}, server {s:?}"),
    }
}

fn is_unexpected(err: &HandshakeError) -> bool {
    matches!(err, HandshakeError::UnexpectedMessage { .. })
}

fn is_bad_record_mac(err: &HandshakeError) -> bool {
    *err == HandshakeError::Record {
        source: RecordError::BadRecordMac,
    }
}

/// The outcome each class of mutation must have, beyond the invariant.
fn check_class(
    record: &RecordInfo,
    next: Option<&RecordInfo>,
    mutation: Mutation,
    outcome: &Outcome,
) {
    // The receiver failed on its own with an error `pred` accepts.
    let receiver_failed = |pred: fn(&HandshakeError) -> bool| match outcome {
        Outcome::Failed(side, err) => *side == record.to && pred(err),
        Outcome::BothFailed(c, s) => pred(match record.to {
            Side::Client => c,
            Side::Server => s,
        }),
        _ => false,
    };
    // Someone failed with an error `pred` accepts.
    let someone_failed = |pred: fn(&HandshakeError) -> bool| match outcome {
        Outcome::Failed(_, err) => pred(err),
        Outcome::BothFailed(c, s) => pred(c) || pred(s),
        _ => false,
    };
    let plaintext_handshake =
        |r: &RecordInfo| !r.protected && r.content_type == ContentType::HANDSHAKE;
    let plaintext = |r: &RecordInfo| !r.protected;
    let stalled = matches!(outcome, Outcome::Stalled(waiting) if waiting.contains(&record.to));
    let ok = match mutation {
        // The stream ends: the receiver waits, and then hears of a
        // truncation.
        Mutation::EndBefore | Mutation::EndAfterHeader | Mutation::EndMidRecord => stalled,
        // The last record of a flight lost: nothing more comes.
        Mutation::Drop | Mutation::LoseLastByte if record.last_in_flight => stalled,
        // A plaintext handshake message missing: the next one is early at
        // the receiver, or, for an optional message (CertificateRequest),
        // the receiver's answer is wrong at the sender.
        Mutation::Drop if plaintext_handshake(record) => someone_failed(is_unexpected),
        // The ClientHello record again: it says {03,01}, and by then the
        // server has settled on TLS 1.2, so the record layer refuses it.
        Mutation::Duplicate if record.index == 0 => receiver_failed(|err| {
            matches!(
                err,
                HandshakeError::Record {
                    source: RecordError::BadVersion { .. }
                }
            )
        }),
        // A plaintext handshake message again: it is not expected now.
        Mutation::Duplicate if plaintext_handshake(record) => receiver_failed(is_unexpected),
        // A ChangeCipherSpec or protected record again: the second one is
        // read as protected, or replayed.
        Mutation::Duplicate => receiver_failed(is_bad_record_mac),
        // Two plaintext messages in the wrong order.
        Mutation::SwapWithNext if plaintext(record) && next.is_some_and(plaintext) => {
            receiver_failed(is_unexpected)
        }
        // Protected records do not survive a flipped bit in their body or
        // in their type (authenticated as additional data).
        Mutation::Flip(
            Position::Type | Position::BodyFirst | Position::BodyMiddle | Position::BodyLast,
        ) if record.protected => receiver_failed(is_bad_record_mac),
        // Any {03,XX} is accepted before the version is settled (RFC 5246
        // Appendix E.1), and the record header is not in the transcript;
        // after it, only {03,03}.
        Mutation::Flip(Position::Version) if record.first_towards => *outcome == Outcome::Completed,
        Mutation::Flip(Position::Version) => receiver_failed(|err| {
            matches!(
                err,
                HandshakeError::Record {
                    source: RecordError::BadVersion { .. }
                }
            )
        }),
        // A changed handshake body changes the transcript (with the
        // extended master secret, the keys too), if nothing refuses it
        // sooner: never a completed handshake. A flip in a length field
        // can leave the receiver waiting for the rest of a message.
        Mutation::Flip(Position::BodyFirst | Position::BodyMiddle | Position::BodyLast) => {
            *outcome != Outcome::Completed
        }
        // Other cases (a lost byte mid-flight, a changed length, a
        // plaintext record's type, a dropped or moved ChangeCipherSpec
        // that leaves a protected record to be read as plaintext): the
        // invariant only. What happens is in the table.
        _ => true,
    };
    assert!(
        ok,
        "record {} ({} to the {}), {mutation:?}: {outcome:?}",
        record.index, record.description, record.to
    );
}

fn short_alert(alert: AlertDescription) -> String {
    match alert {
        AlertDescription::UNEXPECTED_MESSAGE => "UM".into(),
        AlertDescription::BAD_RECORD_MAC => "BRM".into(),
        AlertDescription::DECRYPT_ERROR => "DCE".into(),
        AlertDescription::DECODE_ERROR => "DEC".into(),
        AlertDescription::HANDSHAKE_FAILURE => "HSF".into(),
        AlertDescription::ILLEGAL_PARAMETER => "ILP".into(),
        AlertDescription::BAD_CERTIFICATE => "BC".into(),
        AlertDescription::PROTOCOL_VERSION => "PV".into(),
        AlertDescription::RECORD_OVERFLOW => "OVF".into(),
        AlertDescription::UNSUPPORTED_EXTENSION => "UEX".into(),
        AlertDescription::INTERNAL_ERROR => "INT".into(),
        other => format!("a{}", other.get()),
    }
}

fn cell(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Completed => "ok".into(),
        Outcome::Stalled(_) => "stall".into(),
        Outcome::BothFailed(c, s) => format!(
            "C{}S{}",
            short_alert(c.alert().unwrap()),
            short_alert(s.alert().unwrap())
        ),
        Outcome::Failed(side, err) => format!(
            "{}:{}",
            match side {
                Side::Client => "C",
                Side::Server => "S",
            },
            err.alert().map_or_else(|| "?".into(), short_alert)
        ),
    }
}

/// The records of a clean handshake.
fn reference(client_auth: bool) -> Vec<RecordInfo> {
    let (mut client, mut server) = connections(client_auth, None);
    let mut tamperer = Tamperer::new(usize::MAX, None);
    pump(&mut client, &mut server, &mut tamperer);
    assert!(client.session().is_some() && server.session().is_some());
    tamperer.log
}

fn tamper_every_record(client_auth: bool) -> (usize, Vec<String>) {
    let records = reference(client_auth);
    let mut table = format!(
        "{} — {} records\n{:>3} {:<24}",
        if client_auth {
            "with client authentication"
        } else {
            "without client authentication"
        },
        records.len(),
        "#",
        "record"
    );
    for mutation in Mutation::ALL {
        table.push_str(&format!(" {:>7}", mutation.short()));
    }
    table.push('\n');
    let mut cases = 0;
    let mut failures = Vec::new();
    for record in &records {
        let next = records
            .get(record.index + 1)
            .filter(|_| !record.last_in_flight);
        table.push_str(&format!(
            "{:>3} {:<24}",
            record.index,
            format!("{} -> {}", record.description, record.to)
        ));
        for mutation in Mutation::ALL {
            if !mutation.applies_to(record) {
                table.push_str(&format!(" {:>7}", "-"));
                continue;
            }
            cases += 1;
            let result = catch_unwind(AssertUnwindSafe(|| {
                let outcome = run_case(client_auth, record.index, mutation);
                check_class(record, next, mutation, &outcome);
                outcome
            }));
            let text = match result {
                Ok(outcome) => cell(&outcome),
                Err(panic) => {
                    let message = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                        .unwrap_or_default();
                    failures.push(format!(
                        "auth={client_auth} record {} ({}), {mutation:?}: {message}",
                        record.index, record.description
                    ));
                    "FAIL".into()
                }
            };
            table.push_str(&format!(" {text:>7}"));
        }
        table.push('\n');
    }
    println!("{table}");
    (cases, failures)
}

#[test]
fn every_mutation_of_every_record_ends_with_the_right_alert_on_the_right_side() {
    let mut cases = 0;
    let mut failures = Vec::new();
    for client_auth in [false, true] {
        let (n, f) = tamper_every_record(client_auth);
        cases += n;
        failures.extend(f);
    }
    println!(
        "{cases} cases. C:X / S:X: the client / server failed and sent fatal alert X, \
         which the other side received; stall: nobody failed, the side(s) still \
         handshaking report Truncated when the transport closes; ok: the handshake \
         completed and data flowed. A * after a record type: protected. UM \
         unexpected_message, BRM bad_record_mac, DEC decode_error, DCE decrypt_error, \
         ILP illegal_parameter, PV protocol_version, OVF record_overflow, HSF \
         handshake_failure, BC bad_certificate."
    );
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
