//! Every (state, message) pair of TLS 1.3, both sides: a message that is
//! not a legal next message gets a fatal `unexpected_message` (RFC 8446
//! §4: "A peer which receives a handshake message in an unexpected order
//! MUST abort the handshake with an "unexpected_message" alert"), with
//! exactly the RFC's exceptions.
//!
//! A real handshake between a keel client and a keel server (TLS 1.3 and
//! TLS 1.2 enabled, TLS 1.3 negotiated) is driven one record at a time
//! (keel writes each handshake message in a record of its own) to each
//! state of each side: a full handshake, one with client authentication,
//! one with a HelloRetryRequest, and a resumption with a ticket from a
//! first handshake. There, on a fresh handshake each time, one
//! well-formed message is put in front of the side, protected as the peer
//! would protect its next record: plaintext before the ServerHello, under
//! the peer's handshake traffic keys until the Finished messages, under
//! its first application traffic keys after (the secrets come from both
//! sides' key logs, the sequence number from the records already
//! delivered). The columns: every handshake type TLS 1.3 has, the TLS 1.2
//! types it dropped, an unknown type (99) and message_hash (254, which
//! exists only inside the transcript), the HelloRetryRequest, the
//! middlebox ChangeCipherSpec (plaintext, always) and application data.
//!
//! [`TABLE`] is the expected matrix, written out; the test runs every
//! cell, checks it as its code says, and compares. Per cell:
//!
//! - `UM`: `HandshakeError::UnexpectedMessage` naming the state and the
//!   message, the fatal `unexpected_message` alert as the last record the
//!   side wrote (opened with its own keys when protected), the peer
//!   failing with `AlertReceived` for it, and the error sticky on both
//!   (`assert_sticky`). (A client that fails before the ServerHello can
//!   only send its alert in plaintext, and the server, which reads under
//!   the handshake keys once it has sent its ServerHello, fails on it as
//!   an unexpected record, RFC 8446 §5.)
//! - `UMr`: the same alert, refused by the record layer before the state
//!   machine sees anything: plaintext application data before any keys
//!   (`UnprotectedApplicationData`), a ChangeCipherSpec after the peer's
//!   Finished (`UnexpectedContentType`; RFC 8446 §5: the middlebox one is
//!   dropped only "before the peer's Finished message has been received").
//! - `drop`: the middlebox ChangeCipherSpec (RFC 8446 §5, Appendix D.4)
//!   dropped: nothing sent, and the handshake then completes and data
//!   flows.
//! - `ign`: a HelloRequest at a client that has not yet heard which
//!   version the server picked, ignored as TLS 1.2 has it (RFC 5246
//!   §7.4.1.1); the handshake then completes (TLS 1.3) and data flows.
//! - `data`: application data delivered once established; data then
//!   flows both ways (the peer's later records re-sealed behind it).
//! - `*…`: a legal next message. A fake one (the samples of
//!   `support::samples13`) is never `unexpected_message`: `*ok` when it is
//!   taken (a NewSessionTicket or a KeyUpdate after the handshake go on:
//!   data flows after the ticket; the KeyUpdate, which asks for an update,
//!   is answered with a KeyUpdate and the peer's next-generation keys are
//!   read), otherwise `*` and the alert it is refused with for its content
//!   (`ILP` illegal_parameter, `DEC` decode_error, `DCE` decrypt_error,
//!   `CRQ` certificate_required, ...), with the same alert, peer and
//!   stickiness checks as `UM`. That the real next message proceeds is
//!   checked when each state is reached: the peer's next record, opened,
//!   is a message the row marks legal.
//!
//! Run with `--nocapture` to see the table as it ran.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use keel_handshake::keylog::KeyLog;
use keel_handshake::sessions::ClientSessionStore;
use keel_handshake::tickets::TicketKeys;
use keel_handshake::{HandshakeError, MessageKind, Versions};
use keel_record::RecordError;
use keel_wire::registry::{
    AlertDescription, ContentType, HandshakeType, KeyUpdateRequest, NamedGroup, ProtocolVersion,
};
use keel_wire::{Codec, HandshakeMessage};
use support::pair13::{Epoch, Pair13};
use support::samples13::{HANDSHAKE_TYPES13, sample_hello_retry_request, sample_message13};
use support::tls13::Secrets;
use support::{
    GROUPS13, Injection, Side, client_config, client_config13, server_config, server_config13,
};

/// The expected outcome of every cell; the codes are those of the module
/// documentation. Rows are states (`side[+setup] name`, the name keel gives
/// the state in `UnexpectedMessage::expected`); `+auth` is a handshake with
/// client authentication, `+retry` one with a HelloRetryRequest, `+psk` a
/// resumption. The first client and server rows are the states in which
/// the version is not yet known (the TLS 1.2 machine's first state, with
/// TLS 1.3 offered or enabled).
///
/// Cells worth a word: a client refuses a ChangeCipherSpec before the
/// ServerHello (`UM`), although RFC 8446 §5 has one dropped "at any time
/// after the first ClientHello message has been sent": no server sends it
/// there (Appendix D.4: "immediately after its first handshake message"),
/// the version is not known yet, and BoringSSL and rustls refuse it too.
/// A client before the ServerHello ignores a HelloRequest (`ign`), as TLS
/// 1.2 has it; once TLS 1.3 is chosen a HelloRequest is no message at all
/// (`UM`). A post-handshake CertificateRequest is `UM` (RFC 8446 §4.6.2:
/// keel never sends post_handshake_auth), and so is EndOfEarlyData
/// everywhere (§4.5: keel accepts no early data).
const TABLE: &str = r"
state \ message                                  |   HR   CH   SH  HRR  NST EoED   EE Cert  SKE   CR  SHD   CV  CKE  Fin   CS   KU  t99   MH  CCS   AD
client ServerHello                               |  ign   UM *ILP *ILP   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM  UMr
client+retry ServerHello after HelloRetryRequest |   UM   UM *ILP   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM drop  UMr
client EncryptedExtensions                       |   UM   UM   UM   UM   UM   UM  *ok   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM drop   UM
client CertificateRequest or Certificate         |   UM   UM   UM   UM   UM   UM   UM *DEC   UM  *ok   UM   UM   UM   UM   UM   UM   UM   UM drop   UM
client+auth CertificateRequest or Certificate    |   UM   UM   UM   UM   UM   UM   UM *DEC   UM  *ok   UM   UM   UM   UM   UM   UM   UM   UM drop   UM
client+auth Certificate                          |   UM   UM   UM   UM   UM   UM   UM *DEC   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM drop   UM
client CertificateVerify                         |   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM *DCE   UM   UM   UM   UM   UM   UM drop   UM
client Finished                                  |   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM *DCE   UM   UM   UM   UM drop   UM
client application data                          |   UM   UM   UM   UM  *ok   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM  *ok   UM   UM  UMr data
client+psk EncryptedExtensions                   |   UM   UM   UM   UM   UM   UM  *ok   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM drop   UM
client+psk Finished                              |   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM *DCE   UM   UM   UM   UM drop   UM
client+psk application data                      |   UM   UM   UM   UM  *ok   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM  *ok   UM   UM  UMr data
server ClientHello                               |   UM  *ok   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM  UMr
server+retry ClientHello after HelloRetryRequest |   UM *ILP   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM drop  UMr
server+auth Certificate                          |   UM   UM   UM   UM   UM   UM   UM *CRQ   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM drop   UM
server+auth CertificateVerify                    |   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM *DCE   UM   UM   UM   UM   UM   UM drop   UM
server+auth Finished                             |   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM *DCE   UM   UM   UM   UM drop   UM
server Finished                                  |   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM *DCE   UM   UM   UM   UM drop   UM
server application data                          |   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM  *ok   UM   UM  UMr data
server+psk Finished                              |   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM *DCE   UM   UM   UM   UM drop   UM
server+psk application data                      |   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM   UM  *ok   UM   UM  UMr data
";

/// A column of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Msg {
    Handshake(HandshakeType),
    HelloRetryRequest,
    ChangeCipherSpec,
    ApplicationData,
}

impl Msg {
    /// The columns: handshake types in type order, the HelloRetryRequest
    /// beside the ServerHello whose type it shares.
    fn all() -> Vec<Msg> {
        let mut all = Vec::new();
        for t in HANDSHAKE_TYPES13 {
            all.push(Msg::Handshake(t));
            if t == HandshakeType::SERVER_HELLO {
                all.push(Msg::HelloRetryRequest);
            }
        }
        all.push(Msg::ChangeCipherSpec);
        all.push(Msg::ApplicationData);
        all
    }

    fn injection(self) -> Injection {
        match self {
            Msg::Handshake(t) => Injection::Handshake(sample_message13(t)),
            Msg::HelloRetryRequest => Injection::Handshake(sample_hello_retry_request()),
            Msg::ChangeCipherSpec => Injection::ChangeCipherSpec,
            Msg::ApplicationData => Injection::ApplicationData(b"injected data".to_vec()),
        }
    }

    fn kind(self) -> MessageKind {
        match self {
            Msg::Handshake(t) => MessageKind::Handshake(t),
            Msg::HelloRetryRequest => MessageKind::Handshake(HandshakeType::SERVER_HELLO),
            Msg::ChangeCipherSpec => MessageKind::ChangeCipherSpec,
            Msg::ApplicationData => MessageKind::ApplicationData,
        }
    }

    fn short(self) -> &'static str {
        match self {
            Msg::HelloRetryRequest => "HRR",
            Msg::ChangeCipherSpec => "CCS",
            Msg::ApplicationData => "AD",
            Msg::Handshake(t) => match t {
                HandshakeType::HELLO_REQUEST => "HR",
                HandshakeType::CLIENT_HELLO => "CH",
                HandshakeType::SERVER_HELLO => "SH",
                HandshakeType::NEW_SESSION_TICKET => "NST",
                HandshakeType::END_OF_EARLY_DATA => "EoED",
                HandshakeType::ENCRYPTED_EXTENSIONS => "EE",
                HandshakeType::CERTIFICATE => "Cert",
                HandshakeType::SERVER_KEY_EXCHANGE => "SKE",
                HandshakeType::CERTIFICATE_REQUEST => "CR",
                HandshakeType::SERVER_HELLO_DONE => "SHD",
                HandshakeType::CERTIFICATE_VERIFY => "CV",
                HandshakeType::CLIENT_KEY_EXCHANGE => "CKE",
                HandshakeType::FINISHED => "Fin",
                HandshakeType::CERTIFICATE_STATUS => "CS",
                HandshakeType::KEY_UPDATE => "KU",
                HandshakeType::MESSAGE_HASH => "MH",
                _ => "t99",
            },
        }
    }
}

/// How the pair is configured, and what happened before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setup {
    /// A full handshake; the client keeps sessions and the server issues
    /// tickets (RFC 8446 §4.6.1), so NewSessionTickets follow it.
    Full,
    /// The same, the server requiring a client certificate.
    ClientAuth,
    /// The same, the server wanting a P-384 share the client did not send
    /// (RFC 8446 §4.1.4: a HelloRetryRequest).
    Retry,
    /// A resumption with the ticket of a first, full handshake (RFC 8446
    /// §2.2): no certificates, psk_dhe_ke.
    Resumed,
}

impl Setup {
    fn tag(self) -> &'static str {
        match self {
            Setup::Full => "",
            Setup::ClientAuth => "+auth",
            Setup::Retry => "+retry",
            Setup::Resumed => "+psk",
        }
    }
}

/// A state of one side, reached after it has received `received` records
/// from its peer.
#[derive(Debug, Clone, Copy)]
struct State {
    side: Side,
    setup: Setup,
    received: usize,
    /// The name keel gives the state in `UnexpectedMessage::expected`.
    name: &'static str,
    /// The keys the peer's next record is protected under.
    epoch: Epoch,
}

impl State {
    fn label(&self) -> String {
        format!("{}{} {}", self.side, self.setup.tag(), self.name)
    }

    fn established(&self) -> bool {
        self.name == "application data"
    }
}

fn states() -> Vec<State> {
    use Epoch::{Application, Handshake, Plaintext};
    use Setup::{ClientAuth, Full, Resumed, Retry};
    let (c, s) = (Side::Client, Side::Server);
    let state = |side, setup, received, name, epoch| State {
        side,
        setup,
        received,
        name,
        epoch,
    };
    // The server's records: ServerHello, its middlebox ChangeCipherSpec,
    // then EncryptedExtensions, [CertificateRequest], Certificate,
    // CertificateVerify, Finished (no certificate messages when resuming),
    // and after the client's Finished the tickets. The client's:
    // ClientHello, its ChangeCipherSpec, [Certificate, CertificateVerify],
    // Finished. After a HelloRetryRequest both sides' ChangeCipherSpecs
    // come right after it.
    vec![
        state(c, Full, 0, "ServerHello", Plaintext),
        state(
            c,
            Retry,
            2,
            "ServerHello after HelloRetryRequest",
            Plaintext,
        ),
        state(c, Full, 2, "EncryptedExtensions", Handshake),
        state(c, Full, 3, "CertificateRequest or Certificate", Handshake),
        state(
            c,
            ClientAuth,
            3,
            "CertificateRequest or Certificate",
            Handshake,
        ),
        state(c, ClientAuth, 4, "Certificate", Handshake),
        state(c, Full, 4, "CertificateVerify", Handshake),
        state(c, Full, 5, "Finished", Handshake),
        state(c, Full, 6, "application data", Application),
        state(c, Resumed, 2, "EncryptedExtensions", Handshake),
        state(c, Resumed, 3, "Finished", Handshake),
        state(c, Resumed, 4, "application data", Application),
        state(s, Full, 0, "ClientHello", Plaintext),
        state(
            s,
            Retry,
            2,
            "ClientHello after HelloRetryRequest",
            Plaintext,
        ),
        state(s, ClientAuth, 2, "Certificate", Handshake),
        state(s, ClientAuth, 3, "CertificateVerify", Handshake),
        state(s, ClientAuth, 4, "Finished", Handshake),
        state(s, Full, 2, "Finished", Handshake),
        state(s, Full, 3, "application data", Application),
        state(s, Resumed, 2, "Finished", Handshake),
        state(s, Resumed, 3, "application data", Application),
    ]
}

/// A fresh pair for `setup`, the client's ClientHello queued.
fn pair(setup: Setup) -> Pair13 {
    let secrets = Arc::new(Secrets::default());
    let mut client = client_config13(Versions::Tls13AndTls12, &GROUPS13);
    client.key_log = Some(Arc::clone(&secrets) as Arc<dyn KeyLog>);
    client.session_store = Some(Arc::new(ClientSessionStore::new(
        4,
        Duration::from_secs(3600),
    )));
    let mut server = server_config13(Versions::Tls13AndTls12, &GROUPS13);
    server.key_log = Some(Arc::clone(&secrets) as Arc<dyn KeyLog>);
    server.ticket_keys = Some(Arc::new(
        TicketKeys::new(
            &[0x77; 32],
            Duration::from_secs(3600),
            Duration::from_secs(3600),
        )
        .unwrap(),
    ));
    match setup {
        Setup::ClientAuth => {
            client.client_certificates = client_config(true, None).client_certificates;
            server.client_verifier = server_config(true).client_verifier;
        }
        Setup::Retry => server.groups = vec![NamedGroup::SECP384R1],
        Setup::Full | Setup::Resumed => {}
    }
    let (client, server) = (Arc::new(client), Arc::new(server));
    if setup == Setup::Resumed {
        // The first handshake leaves a ticket in the client's store.
        let mut first = Pair13::new(
            Arc::clone(&client),
            Arc::clone(&server),
            Arc::clone(&secrets),
        );
        first.finish().unwrap();
        first.assert_established();
        assert!(!first.client.session().unwrap().resumed);
    }
    Pair13::new(client, server, secrets)
}

/// A column of a row of [`TABLE`]: the expected code.
fn expected(state: &State, msg: Msg) -> String {
    let columns = Msg::all();
    let index = columns.iter().position(|m| *m == msg).unwrap();
    let label = state.label();
    let row = TABLE
        .lines()
        .find_map(|line| {
            let (name, cells) = line.split_once('|')?;
            (name.trim() == label).then_some(cells)
        })
        .unwrap_or_else(|| panic!("no row for {label} in TABLE"));
    row.split_whitespace()
        .nth(index)
        .unwrap_or_else(|| panic!("{label}: no cell for {msg:?}"))
        .to_owned()
}

/// Whether the table lets `msg` proceed in `state`.
fn takes(state: &State, msg: Msg) -> bool {
    let cell = expected(state, msg);
    cell.starts_with('*') || matches!(cell.as_str(), "ign" | "data" | "drop")
}

/// A pair with `state.side` in `state`, checked: no error, handshaking or
/// not as the state says, and the record the real peer sends next is one
/// the table lets proceed.
fn reach(state: &State) -> Pair13 {
    let mut pair = pair(state.setup);
    pair.advance(state.side, state.received).unwrap();
    let side = state.side;
    let label = state.label();
    assert_eq!(pair.conn(side).error(), None, "{label}");
    assert_eq!(
        pair.conn(side).is_handshaking(),
        !state.established(),
        "{label}"
    );
    if let Some((content_type, body)) = pair.next_for(side) {
        let next = match content_type {
            ContentType::HANDSHAKE => {
                match HandshakeMessage::decode_in(ProtocolVersion::TLS_V1_3, &body) {
                    Ok(HandshakeMessage::HelloRetryRequest(_)) => Msg::HelloRetryRequest,
                    _ => Msg::Handshake(HandshakeType::new(body[0])),
                }
            }
            ContentType::CHANGE_CIPHER_SPEC => Msg::ChangeCipherSpec,
            _ => Msg::ApplicationData,
        };
        assert!(takes(state, next), "{label}: the peer sends {next:?} next");
    }
    if state.setup == Setup::Resumed {
        // RFC 8446 §2.2: a resumption has no certificate messages.
        let server_sent = pair.open_sent(Side::Server);
        assert!(
            !server_sent
                .iter()
                .any(|(ct, body)| *ct == ContentType::HANDSHAKE
                    && body[0] == HandshakeType::CERTIFICATE.get()),
            "{label}: the server resumed"
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
        AlertDescription::MISSING_EXTENSION => "MEX".into(),
        AlertDescription::PROTOCOL_VERSION => "PV".into(),
        other => format!("a{}", other.get()),
    }
}

/// Puts `msg` in front of `state` on a fresh handshake, checks the
/// outcome and returns its code.
fn run_cell(state: &State, msg: Msg) -> String {
    let mut pair = reach(state);
    let side = state.side;
    let at = format!("{} <- {msg:?}", state.label());
    // The middlebox ChangeCipherSpec is a plaintext record whatever the
    // keys (RFC 8446 §5).
    let epoch = match msg {
        Msg::ChangeCipherSpec => Epoch::Plaintext,
        _ => state.epoch,
    };
    let result = pair.inject(side, &msg.injection(), epoch);

    let err = match result {
        Ok(()) => return proceeded(&mut pair, state, msg, &at),
        Err(err) => err,
    };
    let code = match &err {
        HandshakeError::UnexpectedMessage { expected, got } => {
            assert_eq!(*got, msg.kind(), "{at}");
            assert_eq!(*expected, state.name, "{at}");
            "UM".to_owned()
        }
        HandshakeError::Record {
            source:
                RecordError::UnprotectedApplicationData | RecordError::UnexpectedContentType { .. },
        } => "UMr".to_owned(),
        // Refused for what it says, with the alert for that.
        other => format!("*{}", short_alert(other.alert().unwrap())),
    };
    if !code.starts_with('*') {
        assert_eq!(
            err.alert(),
            Some(AlertDescription::UNEXPECTED_MESSAGE),
            "{at}"
        );
    }
    pair.assert_failure_reaches_peer(side, &err);
    code
}

/// `msg` was taken without an error: what that means, checked.
fn proceeded(pair: &mut Pair13, state: &State, msg: Msg, at: &str) -> String {
    let side = state.side;
    match msg {
        // Dropped or ignored: nothing said, and the handshake completes
        // as if it had not come.
        Msg::ChangeCipherSpec | Msg::Handshake(HandshakeType::HELLO_REQUEST) => {
            assert!(pair.conn(side).pending_tls().is_empty(), "{at}: no answer");
            pair.finish()
                .unwrap_or_else(|err| panic!("{at}: then {err:?}"));
            pair.assert_established();
            assert_eq!(
                pair.client.session().unwrap().version,
                ProtocolVersion::TLS_V1_3
            );
            pair.assert_data_flows();
            if msg == Msg::ChangeCipherSpec {
                "drop".into()
            } else {
                "ign".into()
            }
        }
        Msg::ApplicationData => {
            let mut buf = [0u8; 64];
            let n = pair.conn(side).read(&mut buf).unwrap();
            assert_eq!(&buf[..n], b"injected data", "{at}");
            pair.finish().unwrap();
            pair.assert_data_flows();
            "data".into()
        }
        // RFC 8446 §4.6.3: update_requested is answered with a KeyUpdate
        // (update_not_requested) under the old key "prior to sending its
        // next Application Data record" -- keel sends it then, so that a
        // flood of requests gets one answer -- and the peer's records are
        // read under its next key from then on.
        Msg::Handshake(HandshakeType::KEY_UPDATE) => {
            let answer = HandshakeMessage::KeyUpdate(keel_wire::handshake::KeyUpdate {
                request_update: KeyUpdateRequest::UPDATE_NOT_REQUESTED,
            });
            let answer = (ContentType::HANDSHAKE, answer.encode().unwrap());
            assert_ne!(pair.open_sent(side).last(), Some(&answer), "{at}: not yet");
            pair.conn(side).write(b"reply").unwrap();
            let sent = pair.open_sent(side);
            assert_eq!(
                sent[sent.len() - 2..],
                [answer, (ContentType::APPLICATION_DATA, b"reply".to_vec())],
                "{at}: the answer, then the data under the next key"
            );
            let record = pair.sealed_after_key_update(side, b"after the update");
            pair.conn(side).read_tls(&record).unwrap();
            let mut buf = [0u8; 64];
            let n = pair.conn(side).read(&mut buf).unwrap();
            assert_eq!(&buf[..n], b"after the update", "{at}");
            "*ok".into()
        }
        // RFC 8446 §4.6.1: a ticket for later; the connection goes on.
        Msg::Handshake(HandshakeType::NEW_SESSION_TICKET) if state.established() => {
            pair.finish().unwrap();
            pair.assert_data_flows();
            "*ok".into()
        }
        // A legal next message, taken: the handshake is somewhere else now,
        // which the real flight, following, cannot show.
        _ => {
            assert_eq!(pair.conn(side).error(), None, "{at}");
            "*ok".into()
        }
    }
}

/// The table as it ran, in [`TABLE`]'s layout.
fn render(rows: &[(String, Vec<String>)]) -> String {
    let width = rows.iter().map(|(l, _)| l.len()).max().unwrap();
    let mut table = format!("{:width$} |", "state \\ message");
    for msg in Msg::all() {
        table.push_str(&format!(" {:>4}", msg.short()));
    }
    table.push('\n');
    for (label, cells) in rows {
        table.push_str(&format!("{label:width$} |"));
        for cell in cells {
            table.push_str(&format!(" {cell:>4}"));
        }
        table.push('\n');
    }
    table
}

#[test]
fn every_state_and_message_pair_on_both_sides() {
    let columns = Msg::all();
    let header = TABLE.lines().find(|l| l.contains('|')).unwrap_or_default();
    let names: Vec<&str> = header
        .split_once('|')
        .map(|(_, h)| h.split_whitespace().collect())
        .unwrap_or_default();
    let shorts: Vec<&str> = columns.iter().map(|m| m.short()).collect();
    let mut rows = Vec::new();
    let mut wrong = Vec::new();
    for state in states() {
        let cells: Vec<String> = columns
            .iter()
            .map(|&msg| {
                let got = run_cell(&state, msg);
                let want = expected(&state, msg);
                if got != want {
                    wrong.push(format!(
                        "{} <- {}: {got}, not {want}",
                        state.label(),
                        msg.short()
                    ));
                }
                got
            })
            .collect();
        rows.push((state.label(), cells));
    }
    let table = render(&rows);
    println!("{table}");
    let cells: usize = rows.iter().map(|(_, c)| c.len()).sum();
    println!("{} rows, {cells} cells", rows.len());
    assert_eq!(names, shorts, "TABLE's columns");
    assert!(
        wrong.is_empty(),
        "cells that differ from TABLE:\n{}\nas run:\n{table}",
        wrong.join("\n")
    );
}

/// RFC 8446 §4: whether a message may come now is judged from its header,
/// before its body is decoded. In every state, a message of every type
/// whose body parses as nothing (one byte, 0xff) is `unexpected_message`
/// unless the state takes that type, and `decode_error` if it does; but a
/// Finished, whose verify_data runs to the end of the message, which is
/// then a verify_data of the wrong length: `decrypt_error`, as BoringSSL
/// and rustls answer it (RFC 8446 §4.4.4).
#[test]
fn a_misplaced_message_is_unexpected_whatever_its_body() {
    for state in states() {
        for t in HANDSHAKE_TYPES13 {
            let mut pair = reach(&state);
            let side = state.side;
            let raw = vec![t.get(), 0, 0, 1, 0xff];
            let err = pair
                .inject(side, &Injection::RawHandshake(raw), state.epoch)
                .unwrap_err();
            let at = format!("{} <- {t} with a broken body", state.label());
            let taken = takes(&state, Msg::Handshake(t))
                || (t == HandshakeType::SERVER_HELLO && takes(&state, Msg::HelloRetryRequest));
            if taken && t == HandshakeType::FINISHED {
                assert_eq!(err, HandshakeError::BadFinished, "{at}");
                assert_eq!(err.alert(), Some(AlertDescription::DECRYPT_ERROR), "{at}");
            } else if taken {
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

/// RFC 8446 §5: once records are protected, a plaintext handshake record
/// (here the state's own next message) is refused by the record layer,
/// and so is a protected ChangeCipherSpec ("An implementation which
/// receives ... a protected change_cipher_spec record MUST abort the
/// handshake with an "unexpected_message" alert").
#[test]
fn under_keys_a_plaintext_handshake_record_and_a_protected_change_cipher_spec_are_refused() {
    for state in states().iter().filter(|s| s.epoch != Epoch::Plaintext) {
        let legal = Msg::all()
            .into_iter()
            .find(|&m| matches!(m, Msg::Handshake(_)) && takes(state, m))
            .unwrap();
        for (injection, epoch, content_type) in [
            (legal.injection(), Epoch::Plaintext, ContentType::HANDSHAKE),
            (
                Injection::ChangeCipherSpec,
                state.epoch,
                ContentType::CHANGE_CIPHER_SPEC,
            ),
        ] {
            let mut pair = reach(state);
            let err = pair
                .inject(state.side, &injection, epoch)
                .expect_err(&format!("{} <- {content_type} ({epoch:?})", state.label()));
            assert_eq!(
                err,
                HandshakeError::Record {
                    source: RecordError::UnexpectedContentType { content_type }
                },
                "{} <- {content_type} ({epoch:?})",
                state.label()
            );
            assert_eq!(err.alert(), Some(AlertDescription::UNEXPECTED_MESSAGE));
            pair.assert_failure_reaches_peer(state.side, &err);
        }
    }
}
