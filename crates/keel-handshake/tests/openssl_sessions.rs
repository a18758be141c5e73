//! The key schedule against real OpenSSL sessions: the six captured TLS 1.2
//! connections of `keel-record/tests/data/sessions` (one per suite, all with
//! the extended master secret; see that directory's README), with the
//! master secret from each session's key log.
//!
//! For each session: read both directions through the record layer in the
//! order the handshake interleaves them, feed every handshake message to a
//! `Transcript` that starts buffering (the suite is not known at the
//! ClientHello), expand the keys with `key_block` and decrypt each side's
//! Finished with them, then check that `verify_data` over the transcript
//! gives the Finished OpenSSL sent, for the client and for the server. The
//! rest of each direction is decrypted too, to its close_notify. This
//! checks PRF selection, key expansion, transcript hashing and the Finished
//! computation; the extended master secret itself needs the ECDHE secret,
//! which is not logged (`key_schedule.rs` checks it from its definition).

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use keel_handshake::key_schedule::{
    MasterSecret, PrfHash, Sender, key_block, verify_data, verify_data_matches,
};
use keel_handshake::keylog::{CLIENT_RANDOM, nss_line};
use keel_handshake::transcript::Transcript;
use keel_record::{AeadAlgorithm, Incoming, RecordOpener, RecordReader, TrafficKeys};
use keel_wire::registry::{AlertDescription, CipherSuite, HandshakeType};
use keel_wire::{Codec, HandshakeMessage};

const SESSIONS: [(&str, CipherSuite, PrfHash); 6] = [
    (
        "ecdhe_ecdsa_aes128_gcm_sha256",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        PrfHash::Sha256,
    ),
    (
        "ecdhe_ecdsa_aes256_gcm_sha384",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        PrfHash::Sha384,
    ),
    (
        "ecdhe_ecdsa_chacha20_poly1305",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        PrfHash::Sha256,
    ),
    (
        "ecdhe_rsa_aes128_gcm_sha256",
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        PrfHash::Sha256,
    ),
    (
        "ecdhe_rsa_aes256_gcm_sha384",
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        PrfHash::Sha384,
    ),
    (
        "ecdhe_rsa_chacha20_poly1305",
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        PrfHash::Sha256,
    ),
];

/// Application-data bytes each direction carried (the README's
/// conversation).
const CLIENT_DATA_LEN: usize = 20028;
const SERVER_DATA_LEN: usize = 40035;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../keel-record/tests/data/sessions")
}

fn hex(text: &str) -> Vec<u8> {
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(text.as_bytes())
        .unwrap()
}

/// One direction of a session, read as a connection reads it.
struct Direction {
    name: &'static str,
    reader: RecordReader,
}

impl Direction {
    fn open(session: &str, direction: &'static str) -> Self {
        let path = data_dir().join(format!("{session}.{direction}.bin"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        let mut reader = RecordReader::new();
        reader.feed(&bytes);
        Self {
            name: direction,
            reader,
        }
    }

    /// The next handshake message, checked to be of `expected` type, added
    /// to the transcript (unless it is a Finished, which the caller adds
    /// after checking it) and decoded.
    fn handshake(
        &mut self,
        expected: HandshakeType,
        transcript: &mut Transcript,
    ) -> HandshakeMessage {
        let incoming = self.reader.next_incoming().unwrap();
        let Some(Incoming::Handshake(bytes)) = incoming else {
            panic!("{}: expected {expected}, got {incoming:?}", self.name)
        };
        assert_eq!(
            HandshakeType::new(bytes[0]),
            expected,
            "{}: message order",
            self.name
        );
        let message = HandshakeMessage::decode(bytes).unwrap();
        if expected != HandshakeType::FINISHED {
            transcript.add(bytes).unwrap();
        }
        message
    }

    /// The ChangeCipherSpec, after which the reader decrypts with `keys`.
    fn change_cipher_spec(&mut self, keys: &TrafficKeys) {
        let incoming = self.reader.next_incoming().unwrap();
        assert_eq!(
            incoming,
            Some(Incoming::ChangeCipherSpec),
            "{}: expected ChangeCipherSpec",
            self.name
        );
        self.reader
            .install_opener(RecordOpener::new(keys).unwrap())
            .unwrap();
    }

    /// The decrypted Finished, with the bytes that go into the transcript.
    fn finished(&mut self) -> ([u8; 12], Vec<u8>) {
        let incoming = self.reader.next_incoming().unwrap();
        let Some(Incoming::Handshake(bytes)) = incoming else {
            panic!("{}: expected Finished, got {incoming:?}", self.name)
        };
        let HandshakeMessage::Finished(finished) = HandshakeMessage::decode(bytes).unwrap() else {
            panic!("{}: expected Finished", self.name)
        };
        (finished.verify_data, bytes.to_vec())
    }

    /// Decrypts the rest: application data, then a close_notify, then
    /// nothing. Returns the application-data length.
    fn rest(&mut self) -> usize {
        let mut data = 0;
        loop {
            match self.reader.next_incoming().unwrap() {
                Some(Incoming::ApplicationData(bytes)) => data += bytes.len(),
                Some(Incoming::Alert(alert)) => {
                    assert_eq!(alert.description, AlertDescription::CLOSE_NOTIFY);
                    assert_eq!(self.reader.next_incoming().unwrap(), None);
                    assert_eq!(self.reader.buffered_len(), 0);
                    return data;
                }
                other => panic!("{}: unexpected {other:?}", self.name),
            }
        }
    }
}

struct KeyLogLine {
    client_random: Vec<u8>,
    master_secret: MasterSecret,
    line: String,
}

fn key_log(session: &str) -> KeyLogLine {
    let text = std::fs::read_to_string(data_dir().join(format!("{session}.keylog"))).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines.len(), 1, "{session}: one key log line");
    let fields: Vec<&str> = lines[0].split(' ').collect();
    assert_eq!(fields.len(), 3);
    assert_eq!(fields[0], CLIENT_RANDOM);
    KeyLogLine {
        client_random: hex(fields[1]),
        master_secret: MasterSecret::from_bytes(&hex(fields[2])).unwrap(),
        line: lines[0].to_owned(),
    }
}

/// Walks one session's handshake and checks both Finished messages, then
/// decrypts the rest of both directions.
fn check_session(session: &'static str, suite: CipherSuite, prf: PrfHash) {
    let keylog = key_log(session);
    let master = &keylog.master_secret;
    let mut c2s = Direction::open(session, "c2s");
    let mut s2c = Direction::open(session, "s2c");
    // A bound far above these handshakes (under 2 KiB up to the ServerHello)
    // and retention, to compare the bytes kept with the hash.
    let mut transcript = Transcript::retaining_messages(64 * 1024);

    // ClientHello: the hash is not chosen yet, so the transcript buffers.
    let HandshakeMessage::ClientHello(client_hello) =
        c2s.handshake(HandshakeType::CLIENT_HELLO, &mut transcript)
    else {
        unreachable!()
    };
    let client_random = client_hello.random.0;
    assert_eq!(keylog.client_random, client_random, "{session}: key log");
    // The line keel would write for this session is the one OpenSSL wrote.
    assert_eq!(
        nss_line(CLIENT_RANDOM, &client_random, master.as_bytes()),
        keylog.line
    );

    let HandshakeMessage::ServerHello(server_hello) =
        s2c.handshake(HandshakeType::SERVER_HELLO, &mut transcript)
    else {
        unreachable!()
    };
    assert_eq!(server_hello.cipher_suite, suite, "{session}: suite");
    let server_random = server_hello.random.0;
    assert_eq!(PrfHash::for_suite(suite), Some(prf), "{session}: PRF hash");
    // The suite is known: the hash starts over the buffered messages.
    transcript.start(prf).unwrap();
    let algorithm = AeadAlgorithm::for_suite(suite).unwrap();
    let (client_keys, server_keys) =
        key_block(master, prf, algorithm, &client_random, &server_random).unwrap();

    for expected in [
        HandshakeType::CERTIFICATE,
        HandshakeType::SERVER_KEY_EXCHANGE,
        HandshakeType::SERVER_HELLO_DONE,
    ] {
        s2c.handshake(expected, &mut transcript);
    }
    c2s.handshake(HandshakeType::CLIENT_KEY_EXCHANGE, &mut transcript);

    // Client Finished: decrypted with the client write keys of our key
    // block, over ClientHello..ClientKeyExchange.
    c2s.change_cipher_spec(&client_keys);
    let (client_finished, client_finished_bytes) = c2s.finished();
    let hash = transcript.current_hash().unwrap();
    assert_eq!(
        hash.as_ref(),
        aws_lc_rs::digest::digest(prf.digest_algorithm(), transcript.messages().unwrap()).as_ref(),
        "{session}: retained bytes and hash agree"
    );
    let expected_client = verify_data(master, prf, Sender::Client, hash.as_ref()).unwrap();
    assert_eq!(
        expected_client, client_finished,
        "{session}: client verify_data"
    );
    assert!(verify_data_matches(&expected_client, &client_finished));
    transcript.add(&client_finished_bytes).unwrap();

    // Server Finished: the NewSessionTicket before the server's CCS is part
    // of the transcript it covers, as is the client's Finished.
    s2c.handshake(HandshakeType::NEW_SESSION_TICKET, &mut transcript);
    s2c.change_cipher_spec(&server_keys);
    let (server_finished, _) = s2c.finished();
    let hash = transcript.current_hash().unwrap();
    let expected_server = verify_data(master, prf, Sender::Server, hash.as_ref()).unwrap();
    assert_eq!(
        expected_server, server_finished,
        "{session}: server verify_data"
    );
    assert!(verify_data_matches(&expected_server, &server_finished));
    // The wrong label or the wrong hash would not have matched.
    assert!(!verify_data_matches(
        &verify_data(master, prf, Sender::Client, hash.as_ref()).unwrap(),
        &server_finished
    ));

    assert_eq!(c2s.rest(), CLIENT_DATA_LEN, "{session}: client data");
    assert_eq!(s2c.rest(), SERVER_DATA_LEN, "{session}: server data");
}

#[test]
fn finished_messages_of_every_suite_match_openssl() {
    let mut checked = Vec::new();
    for (session, suite, prf) in SESSIONS {
        check_session(session, suite, prf);
        checked.push(session);
    }
    assert_eq!(checked.len(), 6);
    // Every suite keel supports was covered, with both PRF hashes.
    let suites: std::collections::BTreeSet<u16> =
        SESSIONS.iter().map(|(_, suite, _)| suite.get()).collect();
    assert_eq!(suites.len(), 6);
    assert!(SESSIONS.iter().any(|(_, _, prf)| *prf == PrfHash::Sha384));
    assert!(SESSIONS.iter().any(|(_, _, prf)| *prf == PrfHash::Sha256));
}

/// A wrong key block (here: the randoms swapped, the classic mistake) does
/// not decrypt the Finished: the session test above really depends on the
/// key expansion.
#[test]
fn swapped_randoms_do_not_decrypt() {
    let (session, suite, prf) = SESSIONS[0];
    let keylog = key_log(session);
    let mut c2s = Direction::open(session, "c2s");
    let mut s2c = Direction::open(session, "s2c");
    let mut transcript = Transcript::new(64 * 1024);
    let HandshakeMessage::ClientHello(client_hello) =
        c2s.handshake(HandshakeType::CLIENT_HELLO, &mut transcript)
    else {
        unreachable!()
    };
    let HandshakeMessage::ServerHello(server_hello) =
        s2c.handshake(HandshakeType::SERVER_HELLO, &mut transcript)
    else {
        unreachable!()
    };
    let (client_keys, _) = key_block(
        &keylog.master_secret,
        prf,
        AeadAlgorithm::for_suite(suite).unwrap(),
        &server_hello.random.0,
        &client_hello.random.0,
    )
    .unwrap();
    c2s.handshake(HandshakeType::CLIENT_KEY_EXCHANGE, &mut transcript);
    c2s.change_cipher_spec(&client_keys);
    let err = c2s.reader.next_incoming().unwrap_err();
    assert_eq!(err, keel_record::RecordError::BadRecordMac);
}
