//! A TLS 1.3 session recorded with seeded random sources and a fixed clock
//! replays byte for byte: every random value a connection uses (randoms,
//! session IDs, (EC)DHE keys, ticket nonces, ticket_age_add) comes from
//! its configuration's `Rng`, every time from its `Clock`, and keel's
//! output depends on nothing else. (TLS 1.2's replay is in `limits.rs`.)
//!
//! A session here is a full handshake, data both ways and a second
//! connection that resumes with the ticket of the first (RFC 8446 §2.2).
//! It is recorded between a live client and server; then a lone client fed
//! only the recorded server bytes, and a lone server fed only the recorded
//! client bytes, must write exactly the recorded bytes of their own side.
//!
//! Two things make a TLS 1.3 session repeatable that a default one is not:
//! an Ed25519 server key (ECDSA signatures take a random nonce of their
//! own), and X25519 rather than X25519MLKEM768 (aws-lc-rs makes ML-KEM
//! keys and encapsulations from its own generator; see
//! `keel_handshake::tls13::key_share`).

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use keel_handshake::keylog::{self, KeyLog};
use keel_handshake::sessions::ClientSessionStore;
use keel_handshake::tickets::TicketKeys;
use keel_handshake::{
    ClientHandshakeConfig, Clock, Connection, HandshakeError, ServerCertificates,
    ServerHandshakeConfig, Versions,
};
use keel_pki::{CertifiedKey, ServerName, UnixTime};
use keel_wire::framing::RecordHeader;
use keel_wire::registry::{NamedGroup, ProtocolVersion};
use support::{
    AcceptsAnything, RecordingRng, SERVER_NAME, client_config13, ed25519_server_key,
    server_config13, split_records,
};

/// 2026-06-01, inside the test certificate's validity.
#[derive(Debug)]
struct FixedClock;

impl Clock for FixedClock {
    fn now(&self) -> UnixTime {
        UnixTime::since_unix_epoch(Duration::from_secs(1_780_272_000))
    }
}

/// NSS key-log lines, in the order they were logged.
#[derive(Debug, Default)]
struct Lines(Mutex<Vec<String>>);

impl KeyLog for Lines {
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push(keylog::nss_line(label, client_random, secret));
    }
}

/// What each side wrote on each connection of a session, and what the two
/// logged.
#[derive(Debug, Default, PartialEq, Eq)]
struct Recording {
    /// Per connection: (everything the client wrote, everything the server
    /// wrote).
    connections: Vec<(Vec<u8>, Vec<u8>)>,
    /// Both sides' key-log lines.
    key_log: Vec<String>,
}

/// The configurations of one session: TLS 1.3 preferred, X25519, the
/// client keeping tickets and the server sealing them, everything random
/// from a generator seeded with `seed`, and both logging into `log`.
fn configs(
    seed: u64,
    server_key: &Arc<CertifiedKey>,
    log: &Arc<Lines>,
) -> (Arc<ClientHandshakeConfig>, Arc<ServerHandshakeConfig>) {
    let groups = [NamedGroup::X25519, NamedGroup::SECP256R1];
    let mut client = client_config13(Versions::Tls13AndTls12, &groups);
    client.rng = Arc::new(RecordingRng::new(seed));
    client.clock = Arc::new(FixedClock);
    client.key_log = Some(Arc::clone(log) as Arc<dyn KeyLog>);
    // The self-signed Ed25519 leaf is nobody's CA: the chain is not what
    // this test is about.
    client.verifier = Arc::new(AcceptsAnything);
    client.session_store = Some(Arc::new(ClientSessionStore::new(
        4,
        Duration::from_secs(3600),
    )));
    let mut server = server_config13(Versions::Tls13AndTls12, &groups);
    server.rng = Arc::new(RecordingRng::new(seed ^ 0x5eed_5eed));
    server.clock = Arc::new(FixedClock);
    server.key_log = Some(Arc::clone(log) as Arc<dyn KeyLog>);
    server.certificates = ServerCertificates {
        default: vec![Arc::clone(server_key)],
        by_name: vec![],
    };
    server.ticket_keys = Some(Arc::new(
        TicketKeys::new(
            &[0x5a; 32],
            Duration::from_secs(7200),
            Duration::from_secs(3600),
        )
        .unwrap(),
    ));
    (Arc::new(client), Arc::new(server))
}

/// One end: its connection, what it wrote, what it read, and whether it
/// has sent its data yet.
struct End {
    conn: Connection,
    wrote: Vec<u8>,
    read: Vec<u8>,
    data: &'static [u8],
    data_sent: bool,
}

impl End {
    fn new(conn: Connection, data: &'static [u8]) -> Self {
        Self {
            conn,
            wrote: Vec::new(),
            read: Vec::new(),
            data,
            data_sent: false,
        }
    }

    /// Takes `bytes` from the peer, all of them; then, the first time the
    /// handshake is found complete, writes this end's data (the same rule
    /// live and in a replay, so the data takes the same place in the
    /// output).
    fn receive(&mut self, mut bytes: &[u8]) -> Result<(), HandshakeError> {
        while !bytes.is_empty() {
            let n = self.conn.read_tls(bytes)?;
            bytes = &bytes[n..];
            let mut buf = [0u8; 256];
            while let Ok(n @ 1..) = self.conn.read(&mut buf) {
                self.read.extend_from_slice(&buf[..n]);
            }
            if !self.conn.is_handshaking() && !self.data_sent {
                self.conn.write(self.data).unwrap();
                self.data_sent = true;
            }
        }
        Ok(())
    }

    /// Everything written since the last call, kept in `wrote` too.
    fn take(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        self.conn.take_tls(&mut out);
        self.wrote.extend_from_slice(&out);
        out
    }
}

const PING: &[u8] = b"ping from the client";
const PONG: &[u8] = b"pong from the server";

fn client_connection(config: &Arc<ClientHandshakeConfig>) -> End {
    let conn =
        Connection::client(Arc::clone(config), ServerName::parse(SERVER_NAME).unwrap()).unwrap();
    End::new(conn, PING)
}

fn server_connection(config: &Arc<ServerHandshakeConfig>) -> End {
    End::new(Connection::server(Arc::clone(config)), PONG)
}

/// What a connection of the session must be: TLS 1.3, resumed on the
/// second connection, the data across.
fn check(end: &End, index: usize, expected_data: &[u8]) -> Result<(), String> {
    let session = end
        .conn
        .session()
        .ok_or_else(|| format!("connection {index}: not established"))?;
    if session.version != ProtocolVersion::TLS_V1_3
        || session.resumed != (index == 1)
        || end.read != expected_data
    {
        return Err(format!(
            "connection {index}: {:?}, resumed {}, read {:?}",
            session.version, session.resumed, end.read
        ));
    }
    Ok(())
}

/// A session between a live client and server seeded with `seed`.
fn record(seed: u64, server_key: &Arc<CertifiedKey>) -> Recording {
    let log = Arc::new(Lines::default());
    let (client_config, server_config) = configs(seed, server_key, &log);
    let mut recording = Recording::default();
    for index in 0..2 {
        let mut client = client_connection(&client_config);
        let mut server = server_connection(&server_config);
        loop {
            let to_server = client.take();
            server.receive(&to_server).unwrap();
            let to_client = server.take();
            client.receive(&to_client).unwrap();
            if to_server.is_empty() && to_client.is_empty() {
                break;
            }
        }
        check(&client, index, PONG).unwrap();
        check(&server, index, PING).unwrap();
        recording.connections.push((client.wrote, server.wrote));
    }
    recording.key_log = log.0.lock().unwrap().clone();
    recording
}

/// A lone client seeded with `seed`, fed each connection's recorded server
/// bytes one record at a time: what it wrote, per connection, or what
/// went wrong.
fn replay_client(
    seed: u64,
    server_key: &Arc<CertifiedKey>,
    recording: &Recording,
) -> Result<Vec<Vec<u8>>, String> {
    let log = Arc::new(Lines::default());
    let (client_config, _) = configs(seed, server_key, &log);
    let mut wrote = Vec::new();
    for (index, (_, server_bytes)) in recording.connections.iter().enumerate() {
        let mut client = client_connection(&client_config);
        client.take();
        for record in split_records(server_bytes) {
            client.receive(&record).map_err(|e| format!("{e:?}"))?;
            client.take();
        }
        check(&client, index, PONG)?;
        wrote.push(client.wrote);
    }
    Ok(wrote)
}

/// The same for a lone server fed the recorded client bytes.
fn replay_server(
    seed: u64,
    server_key: &Arc<CertifiedKey>,
    recording: &Recording,
) -> Result<Vec<Vec<u8>>, String> {
    let log = Arc::new(Lines::default());
    let (_, server_config) = configs(seed, server_key, &log);
    let mut wrote = Vec::new();
    for (index, (client_bytes, _)) in recording.connections.iter().enumerate() {
        let mut server = server_connection(&server_config);
        for record in split_records(client_bytes) {
            server.receive(&record).map_err(|e| format!("{e:?}"))?;
            server.take();
        }
        check(&server, index, PING)?;
        wrote.push(server.wrote);
    }
    Ok(wrote)
}

fn side(recording: &Recording, client: bool) -> Vec<Vec<u8>> {
    recording
        .connections
        .iter()
        .map(|(c, s)| if client { c.clone() } else { s.clone() })
        .collect()
}

#[test]
fn a_seeded_tls13_session_full_and_resumed_records_the_same_bytes_every_time() {
    let server_key = ed25519_server_key();
    let first = record(42, &server_key);
    let second = record(42, &server_key);
    assert_eq!(first.connections.len(), 2);
    for (index, (a, b)) in first
        .connections
        .iter()
        .zip(&second.connections)
        .enumerate()
    {
        assert_eq!(a.0, b.0, "connection {index}: client bytes replay exactly");
        assert_eq!(a.1, b.1, "connection {index}: server bytes replay exactly");
    }
    // RFC 8446 §7.1: five secrets per connection, logged by both sides.
    assert_eq!(first.key_log.len(), 2 * 2 * 5);
    assert_eq!(first.key_log, second.key_log, "the same secrets");
    // (RecordingRng sets the low bit of its seed: 42 and 43 are one seed.)
    let other = record(44, &server_key);
    assert_ne!(
        first.connections[0].0, other.connections[0].0,
        "another seed, another session"
    );
}

#[test]
fn a_lone_side_fed_the_recorded_peer_writes_the_recorded_bytes() {
    let server_key = ed25519_server_key();
    let recording = record(7, &server_key);
    assert_eq!(
        replay_client(7, &server_key, &recording).unwrap(),
        side(&recording, true),
        "the client's side of the session"
    );
    assert_eq!(
        replay_server(7, &server_key, &recording).unwrap(),
        side(&recording, false),
        "the server's side of the session"
    );
}

/// The replay is exact: one byte changed in any record the server sent,
/// plaintext or protected, and the lone client does not reproduce the
/// session (a handshake message changes the transcript the Finished
/// messages cover; a protected record no longer authenticates).
#[test]
fn one_changed_byte_in_the_recording_breaks_the_replay() {
    let server_key = ed25519_server_key();
    let recording = record(9, &server_key);
    let expected = side(&recording, true);
    for (index, (_, server_bytes)) in recording.connections.iter().enumerate() {
        let mut offset = 0;
        for record in split_records(server_bytes) {
            // The record's last byte: in a protected record its tag, in a
            // plaintext one its content.
            let at = offset + record.len() - 1;
            offset += record.len();
            assert!(record.len() > RecordHeader::LEN);
            let mut changed = Recording {
                connections: recording.connections.clone(),
                key_log: Vec::new(),
            };
            changed.connections[index].1[at] ^= 0x01;
            let replayed = replay_client(9, &server_key, &changed);
            assert!(
                replayed.as_ref() != Ok(&expected),
                "connection {index}: a changed byte at {at} replays as the recording"
            );
        }
    }
}
