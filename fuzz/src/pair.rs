//! A keel client and server joined in memory, with one handshake message
//! replaced or one record slipped in on the way: the structure-aware
//! driver, which reaches every state of both machines from a valid,
//! repeatable handshake.

use std::collections::HashMap;
use std::ops::DerefMut;
use std::sync::{Mutex, OnceLock};

use keel::{ClientConnection, Connection, Error, ServerConnection};
use keel_wire::registry::ContentType;

use crate::configs::{SERVER_NAME, Stores, Variant, client_config, pki, server_config};
use crate::invariants::{check_failed, drain_plaintext};
use crate::records::{content_type, frame, messages, selects_tls13, split_records};

/// What to do to the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tamper {
    /// Nothing: a clean handshake.
    None,
    /// Replace the `index`-th plaintext handshake message (counted over
    /// both directions, from 0) with these bytes (a whole message, header
    /// included, or anything else).
    Replace {
        /// Which message.
        index: usize,
        /// What goes instead.
        bytes: Vec<u8>,
    },
    /// Put these raw bytes in front of the `index`-th record (counted over
    /// both directions, from 0), towards the same receiver.
    Inject {
        /// Before which record.
        index: usize,
        /// What goes in.
        bytes: Vec<u8>,
    },
}

impl Tamper {
    /// Reads a tamper from a fuzz input: the first byte's top bit picks
    /// injection, its low seven bits the index; the rest is the payload.
    pub fn from_input(data: &[u8]) -> Self {
        let Some((&first, payload)) = data.split_first() else {
            return Self::None;
        };
        let index = usize::from(first & 0x7f);
        let bytes = payload.to_vec();
        if first & 0x80 == 0 {
            Self::Replace { index, bytes }
        } else {
            Self::Inject { index, bytes }
        }
    }

    /// The inverse of [`from_input`](Self::from_input).
    pub fn to_input(&self) -> Vec<u8> {
        match self {
            Self::None => Vec::new(),
            Self::Replace { index, bytes } => [&[(*index as u8) & 0x7f], &bytes[..]].concat(),
            Self::Inject { index, bytes } => [&[0x80 | (*index as u8) & 0x7f], &bytes[..]].concat(),
        }
    }
}

/// Which end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The client.
    Client,
    /// The server.
    Server,
}

/// What a run saw.
#[derive(Debug, Default)]
pub struct Run {
    /// Every plaintext handshake message as sent (before any tampering),
    /// with its sender.
    pub messages: Vec<(Side, Vec<u8>)>,
    /// Every record as sent (before any tampering), with its sender.
    pub records: Vec<(Side, Vec<u8>)>,
    /// Everything the client wrote, and everything the server wrote.
    pub client_bytes: Vec<u8>,
    /// See `client_bytes`.
    pub server_bytes: Vec<u8>,
    /// Both handshakes completed and data crossed both ways.
    pub completed: bool,
    /// The client's view: the handshake resumed a session.
    pub resumed: bool,
}

/// The man in the middle.
struct Interceptor {
    tamper: Tamper,
    ccs_sent: [bool; 2],
    /// The server chose TLS 1.3: handshake records are plaintext whatever
    /// came before them (protected ones say application_data, RFC 8446
    /// §5.2), so a hello after a middlebox ChangeCipherSpec is still one
    /// to replace.
    tls13: bool,
    message_index: usize,
    record_index: usize,
    /// A message was replaced by different bytes.
    modified: bool,
    /// Bytes were injected.
    injected: bool,
}

impl Interceptor {
    /// Whether anything was changed or added so far.
    fn tampered(&self) -> bool {
        self.modified || self.injected
    }

    fn pass(&mut self, from: Side, bytes: &[u8], run: &mut Run) -> Vec<u8> {
        let side = usize::from(from == Side::Server);
        let mut out = Vec::with_capacity(bytes.len());
        for record in split_records(bytes) {
            run.records.push((from, record.to_vec()));
            if let Tamper::Inject { index, bytes } = &self.tamper {
                if *index == self.record_index {
                    out.extend_from_slice(bytes);
                    self.injected = true;
                }
            }
            self.record_index += 1;
            let ct = content_type(record);
            if ct == Some(ContentType::CHANGE_CIPHER_SPEC) {
                self.ccs_sent[side] = true;
            }
            let plaintext_handshake =
                ct == Some(ContentType::HANDSHAKE) && (self.tls13 || !self.ccs_sent[side]);
            let split = record.get(5..).and_then(messages);
            match split {
                Some(list) if plaintext_handshake => {
                    let mut body = Vec::new();
                    let mut replaced = false;
                    for message in list {
                        if from == Side::Server && selects_tls13(message) {
                            self.tls13 = true;
                        }
                        run.messages.push((from, message.to_vec()));
                        match &self.tamper {
                            Tamper::Replace { index, bytes } if *index == self.message_index => {
                                body.extend_from_slice(bytes);
                                replaced = true;
                                self.modified |= without_hello_requests(bytes) != message;
                            }
                            _ => body.extend_from_slice(message),
                        }
                        self.message_index += 1;
                    }
                    if replaced {
                        out.extend_from_slice(&frame(ContentType::HANDSHAKE, &body));
                    } else {
                        out.extend_from_slice(record);
                    }
                }
                _ => out.extend_from_slice(record),
            }
        }
        out
    }
}

/// `bytes` without the HelloRequests among its messages: RFC 5246
/// §7.4.1.1 keeps them out of the transcript and has a client ignore them
/// while it negotiates, so adding one changes nothing a handshake checks.
fn without_hello_requests(bytes: &[u8]) -> Vec<u8> {
    match messages(bytes) {
        Some(list) => list
            .into_iter()
            .filter(|m| *m != [0, 0, 0, 0])
            .flatten()
            .copied()
            .collect(),
        None => bytes.to_vec(),
    }
}

/// One end and what it has done.
struct End {
    conn: Box<dyn DerefMut<Target = Connection>>,
    sent: Vec<u8>,
    error: Option<Error>,
}

impl End {
    fn take_output(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        self.conn.write_tls(&mut out);
        self.sent.extend_from_slice(&out);
        out
    }

    fn receive(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while !rest.is_empty() && self.error.is_none() {
            match self.conn.read_tls(rest) {
                Ok(0) => {
                    drain_plaintext(&mut self.conn);
                    if self.conn.read_tls(rest).ok() == Some(0) {
                        break;
                    }
                }
                Ok(n) => rest = rest.get(n..).unwrap_or_default(),
                Err(e) => self.error = Some(e),
            }
        }
    }
}

/// Moves bytes both ways until neither side has anything to say; returns
/// whether anything moved at all.
fn pump(client: &mut End, server: &mut End, mitm: &mut Interceptor, run: &mut Run) -> bool {
    let mut moved = false;
    for _ in 0..64 {
        let from_client = client.take_output();
        let to_server = mitm.pass(Side::Client, &from_client, run);
        server.receive(&to_server);
        let from_server = server.take_output();
        let to_client = mitm.pass(Side::Server, &from_server, run);
        client.receive(&to_client);
        if to_server.is_empty() && to_client.is_empty() {
            break;
        }
        moved = true;
    }
    moved
}

/// Sends `data` from one end; the other must receive exactly it, or —
/// only when the conversation was tampered with — fail (stickily, with
/// its alert). Receiving something else without failing is never right.
fn exchange(
    from: &mut End,
    to: &mut End,
    data: &[u8],
    mitm: &mut Interceptor,
    run: &mut Run,
    from_side: Side,
) {
    assert_eq!(from.conn.write(data).unwrap(), data.len());
    let bytes = from.take_output();
    let passed = mitm.pass(from_side, &bytes, run);
    to.receive(&passed);
    if let Some(error) = to.error.clone() {
        assert!(
            mitm.tampered(),
            "application data after a clean handshake failed: {error}"
        );
        let _ = to.take_output();
        check_failed(&mut to.conn, &error, &to.sent);
        return;
    }
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = to.conn.read(&mut buf) {
        if n == 0 {
            break;
        }
        received.extend_from_slice(&buf[..n]);
    }
    if !mitm.tampered() {
        assert_eq!(received, data, "application data arrived changed");
    } else {
        // An injected partial record may hold the real one back.
        assert!(
            received.is_empty() || received == data,
            "application data arrived changed"
        );
    }
}

/// Runs one handshake of `variant` with `tamper` applied, checks every
/// invariant, and says what happened. `stores` carries sessions between
/// calls.
pub fn run_with(variant: Variant, stores: &Stores, tamper: Tamper) -> Run {
    let mut run = Run::default();
    let client = ClientConnection::new(client_config(variant, stores), SERVER_NAME).unwrap();
    let server = ServerConnection::new(server_config(variant, stores));
    let mut client = End {
        conn: Box::new(client),
        sent: Vec::new(),
        error: None,
    };
    let mut server = End {
        conn: Box::new(server),
        sent: Vec::new(),
        error: None,
    };
    let mut mitm = Interceptor {
        tamper,
        ccs_sent: [false; 2],
        tls13: false,
        message_index: 0,
        record_index: 0,
        modified: false,
        injected: false,
    };
    pump(&mut client, &mut server, &mut mitm, &mut run);

    for end in [&mut client, &mut server] {
        if let Some(error) = end.error.clone() {
            let _ = end.take_output();
            check_failed(&mut end.conn, &error, &end.sent);
        }
    }
    let done = |end: &End| end.error.is_none() && !end.conn.is_handshaking();
    if done(&client) && done(&server) {
        assert!(
            !mitm.modified,
            "both sides completed a handshake in which a message was changed ({:?})",
            mitm.tamper
        );
        check_identities(variant, &client.conn, &server.conn);
        run.resumed = client.conn.session().is_some_and(|s| s.resumed);
        exchange(
            &mut client,
            &mut server,
            b"ping from the client",
            &mut mitm,
            &mut run,
            Side::Client,
        );
        if server.error.is_none() {
            exchange(
                &mut server,
                &mut client,
                b"pong from the server",
                &mut mitm,
                &mut run,
                Side::Server,
            );
        }
        run.completed = client.error.is_none() && server.error.is_none();
    }
    run.client_bytes = client.sent;
    run.server_bytes = server.sent;
    run
}

/// A completed handshake authenticated the real certificates: a tampered
/// one cannot verify.
fn check_identities(variant: Variant, client: &Connection, server: &Connection) {
    let pki = pki();
    let seen_by_client = client
        .session()
        .map(|s| s.peer_certificates.first().cloned());
    if let Some(Some(leaf)) = seen_by_client {
        assert_eq!(
            &leaf,
            pki.server.leaf(),
            "the client accepted another server leaf"
        );
    }
    if variant.client_auth {
        let seen_by_server = server
            .session()
            .map(|s| s.peer_certificates.first().cloned());
        if let Some(Some(leaf)) = seen_by_server {
            assert_eq!(
                &leaf,
                pki.client.leaf(),
                "the server accepted another client leaf"
            );
        }
    }
}

/// A handshake of `variant` (resumed, for `variant.resume`) with `tamper`
/// applied, from the stores it starts from ([`stores_for`]).
pub fn run(variant: Variant, tamper: Tamper) -> Run {
    run_with(variant, &stores_for(variant), tamper)
}

/// The session stores a connection of `variant` starts from: empty, or for
/// `variant.resume` as a first, clean handshake leaves them (the client's
/// sessions, the server's cache; the ticket keys come from a fixed
/// master), so that the next handshake resumes. Every input gets its own
/// copy; the first handshake runs once per variant and process, and is the
/// same every time, as every handshake here is.
pub fn stores_for(variant: Variant) -> Stores {
    type Filled = (Vec<(String, Vec<u8>)>, Vec<Vec<u8>>);
    static FILLED: OnceLock<Mutex<HashMap<u8, Filled>>> = OnceLock::new();
    let stores = Stores::new();
    if !variant.resume {
        return stores;
    }
    let (sessions, cache) = FILLED
        .get_or_init(Mutex::default)
        .lock()
        .unwrap()
        .entry(variant.to_byte())
        .or_insert_with(|| {
            let first = Stores::new();
            let run = run_with(variant, &first, Tamper::None);
            assert!(run.completed, "the clean first handshake failed");
            (first.client.export(), first.cache.export())
        })
        .clone();
    for (server_name, entry) in &sessions {
        stores.client.import(server_name, entry).unwrap();
    }
    for entry in &cache {
        stores.cache.import(entry).unwrap();
    }
    stores
}
