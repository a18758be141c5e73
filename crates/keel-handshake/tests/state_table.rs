//! Every (state, message) pair, both sides: a message that is not a legal
//! next message gets a fatal `unexpected_message`, with exactly the RFC's
//! exceptions.
//!
//! A real handshake between a keel client and a keel server is driven one
//! record at a time (keel writes each handshake message in a record of its
//! own) to each state of each side, with and without client
//! authentication, and with session tickets for the client's
//! NewSessionTicket state. There, on a fresh handshake each time, one well-formed
//! message is put in front of the side: every handshake type keel models,
//! an unknown type (99), a ChangeCipherSpec and application data.
//!
//! What the table asserts, per cell:
//!
//! - **Illegal message** (`UM`): `HandshakeError::UnexpectedMessage`
//!   naming the state and the message, a fatal `unexpected_message` alert
//!   that reaches the peer as `AlertReceived`, and a sticky error. The one
//!   variation: plaintext application data before any keys is refused by
//!   the record layer (`Record { UnprotectedApplicationData }`), with the
//!   same `unexpected_message` alert.
//! - **States after the peer's ChangeCipherSpec** (the receiver expects
//!   protected records) get two rows. *plaintext*: the message in a
//!   plaintext record, which cannot authenticate: `Record { BadRecordMac }`
//!   and a fatal `bad_record_mac` (`BRM`) — a refusal by the record layer
//!   before the state machine sees anything. *sealed*: the message sealed
//!   under the peer's real keys at the next sequence number (taken from a
//!   key log), so that the state machine itself must refuse it: the same
//!   `UM` assertions as above.
//! - **HelloRequest at a client before the handshake completes** (`ign`,
//!   RFC 5246 §7.4.1.1): no error, nothing sent, and the handshake then
//!   completes with Finished messages that verify on both sides — so the
//!   HelloRequest was not hashed — and data flows.
//! - **After the handshake**, a HelloRequest at a client or a ClientHello
//!   at a server (`warn`, RFC 5246 §7.2.2): a warning `no_renegotiation`
//!   is sent, the connection carries on, data flows. Application data
//!   (`data`) is delivered. More than `Limits::max_in_a_row` renegotiation
//!   attempts end the connection with `TooMany` (separate tests).
//! - **The legal next message** (marked `*`): a fake one is not
//!   `unexpected_message` (it is accepted, or refused for its content); the
//!   table shows which.
//!
//! Run with `--nocapture` to see the table.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use keel_handshake::{HandshakeError, Limits, MessageKind};
use keel_record::RecordError;
use keel_wire::registry::{AlertDescription, AlertLevel, ContentType, HandshakeType};
use support::{HANDSHAKE_TYPES, Injection, Pair, Side, sample_message};

/// A column of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Msg {
    Handshake(HandshakeType),
    ChangeCipherSpec,
    ApplicationData,
}

impl Msg {
    fn all() -> Vec<Msg> {
        let mut all: Vec<Msg> = HANDSHAKE_TYPES.iter().map(|&t| Msg::Handshake(t)).collect();
        all.push(Msg::ChangeCipherSpec);
        all.push(Msg::ApplicationData);
        all
    }

    fn injection(self) -> Injection {
        match self {
            Msg::Handshake(t) => Injection::Handshake(sample_message(t)),
            Msg::ChangeCipherSpec => Injection::ChangeCipherSpec,
            Msg::ApplicationData => Injection::ApplicationData(b"injected data".to_vec()),
        }
    }

    fn kind(self) -> MessageKind {
        match self {
            Msg::Handshake(t) => MessageKind::Handshake(t),
            Msg::ChangeCipherSpec => MessageKind::ChangeCipherSpec,
            Msg::ApplicationData => MessageKind::ApplicationData,
        }
    }

    fn short(self) -> &'static str {
        match self {
            Msg::ChangeCipherSpec => "CCS",
            Msg::ApplicationData => "AD",
            Msg::Handshake(t) => match t {
                HandshakeType::HELLO_REQUEST => "HR",
                HandshakeType::CLIENT_HELLO => "CH",
                HandshakeType::SERVER_HELLO => "SH",
                HandshakeType::NEW_SESSION_TICKET => "NST",
                HandshakeType::CERTIFICATE => "Cert",
                HandshakeType::SERVER_KEY_EXCHANGE => "SKE",
                HandshakeType::CERTIFICATE_REQUEST => "CR",
                HandshakeType::SERVER_HELLO_DONE => "SHD",
                HandshakeType::CERTIFICATE_VERIFY => "CV",
                HandshakeType::CLIENT_KEY_EXCHANGE => "CKE",
                HandshakeType::FINISHED => "Fin",
                HandshakeType::CERTIFICATE_STATUS => "CS",
                _ => "t99",
            },
        }
    }
}

/// A state of one side, reached after it has received `received` records
/// from its peer.
#[derive(Debug, Clone, Copy)]
struct State {
    side: Side,
    client_auth: bool,
    /// Session tickets on: the server's last flight starts with a
    /// NewSessionTicket (RFC 5077 §3.3).
    tickets: bool,
    received: usize,
    /// The name keel gives the state in `UnexpectedMessage::expected`.
    name: &'static str,
    /// The legal next messages.
    legal: &'static [Msg],
}

impl State {
    /// The peer's ChangeCipherSpec has arrived: records are protected.
    fn protected(&self) -> bool {
        matches!(self.name, "Finished" | "application data")
    }

    fn established(&self) -> bool {
        self.name == "application data"
    }

    fn label(&self) -> String {
        format!(
            "{}{}{} {}",
            self.side,
            if self.client_auth { "+auth" } else { "" },
            if self.tickets { "+ticket" } else { "" },
            self.name
        )
    }
}

const fn hs(t: HandshakeType) -> Msg {
    Msg::Handshake(t)
}

fn states() -> Vec<State> {
    use HandshakeType as T;
    let state = |side, client_auth, received, name, legal| State {
        side,
        client_auth,
        tickets: false,
        received,
        name,
        legal,
    };
    // With tickets, the client waits for the NewSessionTicket between its
    // Finished and the server's ChangeCipherSpec.
    let ticket_state = |received, name, legal| State {
        side: Side::Client,
        client_auth: false,
        tickets: true,
        received,
        name,
        legal,
    };
    const NST: &[Msg] = &[hs(T::NEW_SESSION_TICKET)];
    const SH: &[Msg] = &[hs(T::SERVER_HELLO)];
    const CERT: &[Msg] = &[hs(T::CERTIFICATE)];
    const SKE: &[Msg] = &[hs(T::SERVER_KEY_EXCHANGE)];
    const CR_OR_SHD: &[Msg] = &[hs(T::CERTIFICATE_REQUEST), hs(T::SERVER_HELLO_DONE)];
    const SHD: &[Msg] = &[hs(T::SERVER_HELLO_DONE)];
    const CCS: &[Msg] = &[Msg::ChangeCipherSpec];
    const FIN: &[Msg] = &[hs(T::FINISHED)];
    const DATA: &[Msg] = &[Msg::ApplicationData];
    const CH: &[Msg] = &[hs(T::CLIENT_HELLO)];
    const CKE: &[Msg] = &[hs(T::CLIENT_KEY_EXCHANGE)];
    const CV: &[Msg] = &[hs(T::CERTIFICATE_VERIFY)];
    let (c, s) = (Side::Client, Side::Server);
    vec![
        state(c, false, 0, "ServerHello", SH),
        state(c, false, 1, "Certificate", CERT),
        state(c, false, 2, "ServerKeyExchange", SKE),
        state(
            c,
            false,
            3,
            "CertificateRequest or ServerHelloDone",
            CR_OR_SHD,
        ),
        state(c, false, 4, "ChangeCipherSpec", CCS),
        state(c, false, 5, "Finished", FIN),
        state(c, false, 6, "application data", DATA),
        state(c, true, 0, "ServerHello", SH),
        state(c, true, 1, "Certificate", CERT),
        state(c, true, 2, "ServerKeyExchange", SKE),
        state(
            c,
            true,
            3,
            "CertificateRequest or ServerHelloDone",
            CR_OR_SHD,
        ),
        state(c, true, 4, "ServerHelloDone", SHD),
        state(c, true, 5, "ChangeCipherSpec", CCS),
        state(c, true, 6, "Finished", FIN),
        state(c, true, 7, "application data", DATA),
        state(s, false, 0, "ClientHello", CH),
        state(s, false, 1, "ClientKeyExchange", CKE),
        state(s, false, 2, "ChangeCipherSpec", CCS),
        state(s, false, 3, "Finished", FIN),
        state(s, false, 4, "application data", DATA),
        state(s, true, 0, "ClientHello", CH),
        state(s, true, 1, "Certificate", CERT),
        state(s, true, 2, "ClientKeyExchange", CKE),
        state(s, true, 3, "CertificateVerify", CV),
        state(s, true, 4, "ChangeCipherSpec", CCS),
        state(s, true, 5, "Finished", FIN),
        state(s, true, 6, "application data", DATA),
        ticket_state(4, "NewSessionTicket", NST),
        ticket_state(5, "ChangeCipherSpec", CCS),
    ]
}

/// A pair with `state.side` in `state`, checked.
fn reach(state: &State) -> Pair {
    let mut pair = Pair::with_tickets(state.client_auth, state.tickets);
    pair.advance(state.side, state.received).unwrap();
    let side = state.side;
    assert_eq!(pair.conn(side).error(), None, "{}", state.label());
    assert_eq!(
        pair.conn(side).is_handshaking(),
        !state.established(),
        "{}",
        state.label()
    );
    assert_eq!(
        pair.protected_towards(side),
        state.protected(),
        "{}",
        state.label()
    );
    // The record the real peer sends next is one the table calls legal.
    let protected = state.protected();
    if let Some(next) = pair.next_for(side)
        && !protected
    {
        let next = match support::content_type(next) {
            ContentType::CHANGE_CIPHER_SPEC => Msg::ChangeCipherSpec,
            _ => hs(HandshakeType::new(next[5])),
        };
        assert!(
            state.legal.contains(&next),
            "{}: the peer sends {next:?}",
            state.label()
        );
    }
    pair
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
        AlertDescription::CERTIFICATE_REQUIRED => "CRQ".into(),
        AlertDescription::UNSUPPORTED_EXTENSION => "UEX".into(),
        AlertDescription::PROTOCOL_VERSION => "PV".into(),
        other => format!("a{}", other.get()),
    }
}

/// Injects `msg` into `state` on a fresh handshake, checks the outcome and
/// returns the table cell.
fn run_cell(state: &State, msg: Msg, sealed: bool) -> String {
    let mut pair = reach(state);
    let side = state.side;
    let at = format!(
        "{} <- {msg:?}{}",
        state.label(),
        if sealed { " (sealed)" } else { "" }
    );
    let result = pair.inject(side, &msg.injection(), sealed);

    // Before the peer's ChangeCipherSpec nothing can be protected; after
    // it, a plaintext record cannot authenticate.
    if state.protected() && !sealed {
        let err = result.expect_err(&at);
        assert_eq!(
            err,
            HandshakeError::Record {
                source: RecordError::BadRecordMac
            },
            "{at}"
        );
        pair.assert_failure_reaches_peer(side, &err);
        return "BRM".into();
    }

    let hello_request = msg == hs(HandshakeType::HELLO_REQUEST);
    if side == Side::Client && hello_request && !state.established() {
        // RFC 5246 §7.4.1.1: ignored while negotiating, and not hashed.
        result.unwrap_or_else(|err| panic!("{at}: {err:?}"));
        assert!(pair.conn(side).pending_tls().is_empty(), "{at}: no answer");
        assert!(pair.conn(side).is_handshaking(), "{at}");
        pair.finish()
            .unwrap_or_else(|err| panic!("{at}: then {err:?}"));
        pair.assert_established();
        pair.assert_data_flows();
        return "ign".into();
    }

    let renegotiation = match side {
        Side::Client => hello_request,
        Side::Server => msg == hs(HandshakeType::CLIENT_HELLO),
    };
    if state.established() && renegotiation {
        // RFC 5246 §7.2.2: a warning no_renegotiation, and on we go.
        result.unwrap_or_else(|err| panic!("{at}: {err:?}"));
        let sent = pair.open_sent(side);
        assert_eq!(
            sent.last().unwrap(),
            &(
                ContentType::ALERT,
                vec![
                    AlertLevel::WARNING.get(),
                    AlertDescription::NO_RENEGOTIATION.get()
                ]
            ),
            "{at}"
        );
        pair.finish().unwrap();
        pair.assert_established();
        pair.assert_data_flows();
        return "warn".into();
    }
    if state.established() && msg == Msg::ApplicationData {
        result.unwrap_or_else(|err| panic!("{at}: {err:?}"));
        let mut buf = [0u8; 64];
        let n = pair.conn(side).read(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"injected data", "{at}");
        pair.assert_data_flows();
        return "data".into();
    }

    if state.legal.contains(&msg) {
        // A fake of the expected message: refused for what it says, if at
        // all, never as unexpected.
        return match result {
            Ok(()) => "*ok".into(),
            Err(err) => {
                assert!(
                    !matches!(err, HandshakeError::UnexpectedMessage { .. }),
                    "{at}: {err:?}"
                );
                pair.assert_failure_reaches_peer(side, &err);
                format!("*{}", short_alert(err.alert().unwrap()))
            }
        };
    }

    // Everything else: unexpected_message.
    let err = result.expect_err(&at);
    let named = match &err {
        HandshakeError::UnexpectedMessage { expected, got } => {
            assert_eq!(*got, msg.kind(), "{at}");
            assert_eq!(*expected, state.name, "{at}");
            "UM"
        }
        // TLS 1.2 has no unprotected application data: the record layer
        // refuses it first, with the same alert.
        HandshakeError::Record {
            source: RecordError::UnprotectedApplicationData,
        } if msg == Msg::ApplicationData && !sealed => "UM'",
        other => panic!("{at}: expected unexpected_message, got {other:?}"),
    };
    assert_eq!(
        err.alert(),
        Some(AlertDescription::UNEXPECTED_MESSAGE),
        "{at}"
    );
    pair.assert_failure_reaches_peer(side, &err);
    named.into()
}

#[test]
fn every_state_and_message_pair_on_both_sides() {
    let columns = Msg::all();
    let mut rows = Vec::new();
    for state in states() {
        let variants: &[bool] = if state.protected() {
            &[false, true]
        } else {
            &[false]
        };
        for &sealed in variants {
            let cells: Vec<String> = columns
                .iter()
                .map(|&msg| run_cell(&state, msg, sealed))
                .collect();
            let mut label = state.label();
            if state.protected() {
                label.push_str(if sealed { " (sealed)" } else { " (plaintext)" });
            }
            rows.push((label, cells));
        }
    }

    let width = rows.iter().map(|(l, _)| l.len()).max().unwrap();
    let mut table = format!("{:width$} |", "state \\ message");
    for msg in &columns {
        table.push_str(&format!(" {:>5}", msg.short()));
    }
    table.push('\n');
    for (label, cells) in &rows {
        table.push_str(&format!("{label:width$} |"));
        for cell in cells {
            table.push_str(&format!(" {cell:>5}"));
        }
        table.push('\n');
    }
    println!("{table}");
    println!(
        "UM: UnexpectedMessage + fatal unexpected_message; UM': the record layer's \
         UnprotectedApplicationData + fatal unexpected_message; BRM: bad_record_mac \
         (plaintext record where protected ones are expected); ign: ignored, handshake \
         completes; warn: warning no_renegotiation, connection goes on; data: delivered; \
         *: the legal next message (a fake one), with the alert it got or ok."
    );
    let cells: usize = rows.iter().map(|(_, c)| c.len()).sum();
    println!("{} rows, {cells} cells", rows.len());
}

/// More renegotiation attempts in a row than `max_in_a_row` end the
/// connection; application data in between resets the count.
fn renegotiation_flood(side: Side) {
    let (client_auth, received, msg) = match side {
        Side::Client => (false, 6, HandshakeType::HELLO_REQUEST),
        Side::Server => (false, 4, HandshakeType::CLIENT_HELLO),
    };
    let mut pair = Pair::new(client_auth);
    pair.advance(side, received).unwrap();
    pair.finish().unwrap();
    pair.assert_established();
    let max = Limits::default().max_in_a_row;
    let injection = Injection::Handshake(sample_message(msg));

    // `max` attempts, then data from the peer: fine, and again.
    for _ in 0..2 {
        for _ in 0..max {
            pair.inject(side, &injection, true).unwrap();
        }
        pair.finish().unwrap();
        pair.assert_data_flows();
    }

    // One more than `max` in a row: the end.
    for _ in 0..max {
        pair.inject(side, &injection, true).unwrap();
    }
    let err = pair.inject(side, &injection, true).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::TooMany {
            what: keel_handshake::Repeated::RenegotiationAttempts
        }
    );
    assert_eq!(err.alert(), Some(AlertDescription::UNEXPECTED_MESSAGE));
    let sent = pair.open_sent(side);
    let warning = vec![
        AlertLevel::WARNING.get(),
        AlertDescription::NO_RENEGOTIATION.get(),
    ];
    let fatal = vec![
        AlertLevel::FATAL.get(),
        AlertDescription::UNEXPECTED_MESSAGE.get(),
    ];
    let tail: Vec<&Vec<u8>> = sent.iter().rev().take(max + 1).map(|(_, p)| p).collect();
    assert_eq!(tail[0], &fatal);
    assert!(tail[1..].iter().all(|p| **p == warning));
    // The peer takes the warnings (no more than its own limit) and then
    // the fatal alert.
    pair.assert_failure_reaches_peer(side, &err);
}

#[test]
fn a_flood_of_hello_requests_ends_a_client_connection() {
    renegotiation_flood(Side::Client);
}

#[test]
fn a_flood_of_client_hellos_ends_a_server_connection() {
    renegotiation_flood(Side::Server);
}

/// Warning alerts and ignored HelloRequests, alternating, while a client
/// waits for the ServerHello. Neither makes any progress: an ignored
/// HelloRequest is a renegotiation request the client turns down, and a
/// warning is survivable only a few times in a row (`Limits::max_in_a_row`:
/// "renegotiation attempts, warning alerts or empty records in a row").
/// So the run must end with `TooMany`, as a run of warnings alone does.
#[test]
fn warnings_and_ignored_hello_requests_mid_handshake_are_still_in_a_row() {
    let max = Limits::default().max_in_a_row;
    let warning = support::plaintext_record(
        ContentType::ALERT,
        &[
            AlertLevel::WARNING.get(),
            AlertDescription::USER_CANCELED.get(),
        ],
    );
    let hello_request = Injection::Handshake(sample_message(HandshakeType::HELLO_REQUEST));

    // Warnings alone: the (max + 1)th ends it.
    let mut pair = Pair::new(false);
    for _ in 0..max {
        pair.client.read_tls(&warning).unwrap();
    }
    assert_eq!(
        pair.client.read_tls(&warning),
        Err(HandshakeError::TooMany {
            what: keel_handshake::Repeated::WarningAlerts
        })
    );

    // Interleaved with HelloRequests the client ignores.
    let mut pair = Pair::new(false);
    let mut result = Ok(());
    for _ in 0..=max {
        result = pair
            .inject(Side::Client, &hello_request, false)
            .and_then(|()| pair.client.read_tls(&warning).map(|_| ()));
        if result.is_err() {
            break;
        }
    }
    assert!(
        matches!(result, Err(HandshakeError::TooMany { .. })),
        "{} warning alerts and as many HelloRequests, alternating, are taken: {result:?}",
        max + 1
    );
}

/// RFC 5246 §7.4: whether a message may come is judged from its header,
/// before its body is decoded. In every state, a message of every type
/// whose body parses as nothing (one byte, 0xff) is `unexpected_message`
/// unless the state takes that type, and `decode_error` if it does.
#[test]
fn a_misplaced_message_is_unexpected_whatever_its_body() {
    for state in states() {
        let sealed = state.protected();
        for t in HANDSHAKE_TYPES {
            let mut pair = reach(&state);
            let side = state.side;
            let raw = vec![t.get(), 0, 0, 1, 0xff];
            let err = pair
                .inject(side, &Injection::RawHandshake(raw), sealed)
                .unwrap_err();
            let at = format!("{} <- {t} with a broken body", state.label());
            let hello_request = t == HandshakeType::HELLO_REQUEST;
            let takes = state.legal.contains(&hs(t))
                || (side == Side::Client && hello_request)
                || (side == Side::Server
                    && state.established()
                    && t == HandshakeType::CLIENT_HELLO);
            if takes {
                assert!(
                    matches!(err, HandshakeError::Decode { .. }),
                    "{at}: {err:?}"
                );
                assert_eq!(err.alert(), Some(AlertDescription::DECODE_ERROR), "{at}");
            } else {
                assert_eq!(
                    err,
                    HandshakeError::UnexpectedMessage {
                        expected: state.name,
                        got: MessageKind::Handshake(t),
                    },
                    "{at}"
                );
            }
            pair.assert_failure_reaches_peer(side, &err);
        }
    }
}
