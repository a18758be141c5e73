//! Writes the seed corpora, one directory per fuzz target, under the
//! directory given (default `seeds`): the real flights captured from
//! openssl, curl, Python and GnuTLS (keel-wire's test data), and every
//! message and record of deterministic keel handshakes in each variant.
//! Generated, not committed, so that they always match the code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use keel::provider::KeyLog;
use keel::sessions::StoredSession;
use keel::{ClientConnection, ServerConnection};
use keel_fuzz::Variant;
use keel_fuzz::configs::{
    SERVER_NAME, Stores, client_builder, client_config, pki, server_builder, server_config,
};
use keel_fuzz::invariants::drain_plaintext;
use keel_fuzz::pair::{self, Side, Tamper, stores_for};
use keel_fuzz::records::{
    content_type, is_hello_retry_request, messages, selects_tls13, split_records,
};
use keel_fuzz::wire::{Structure, selector};
use keel_handshake::tls13::{SuiteHash, Tls13Suite, TrafficSecret};
use keel_record::{AeadAlgorithm, RecordOpener, TrafficKeys};
use keel_wire::registry::{CipherSuite, ContentType, ProtocolVersion};

/// Seeds by target, deduplicated.
#[derive(Default)]
struct Corpus(BTreeMap<&'static str, BTreeMap<Vec<u8>, String>>);

impl Corpus {
    fn add(&mut self, target: &'static str, name: &str, bytes: Vec<u8>) {
        let entries = self.0.entry(target).or_default();
        let n = entries.len();
        entries
            .entry(bytes)
            .or_insert_with(|| format!("{name}-{n:04}"));
    }

    fn write(&self, root: &Path) {
        for (target, entries) in &self.0 {
            let dir = root.join(target);
            std::fs::create_dir_all(&dir).unwrap();
            for (bytes, name) in entries {
                std::fs::write(dir.join(name), bytes).unwrap();
            }
            println!("{target}: {} seeds", entries.len());
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "seeds".into()));
    let mut corpus = Corpus::default();
    captures(&mut corpus);
    handshakes(&mut corpus);
    protected_records(&mut corpus);
    pki_inputs(&mut corpus);
    corpus.write(&root);
}

/// The real peers' flights.
fn captures(corpus: &mut Corpus) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/keel-wire/tests/data/captures");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .collect();
    names.sort();
    for path in names {
        let bytes = std::fs::read(&path).unwrap();
        let name = path
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .replace('.', "-");
        corpus.add("record_plaintext", &name, [&[0, 0][..], &bytes].concat());
        corpus.add("record_plaintext", &name, [&[1, 7][..], &bytes].concat());
        let target = if name.ends_with("c2s") {
            "server"
        } else {
            "client"
        };
        corpus.add(target, &name, [&[0, 0][..], &bytes].concat());
        wire_seeds(corpus, &name, &bytes, name.starts_with("tls13"));
    }
}

/// Every handshake message, alert and ChangeCipherSpec in a plaintext
/// flight, for the wire target: whole, and as a body of its own type; in a
/// TLS 1.3 flight (`tls13`) also whole as TLS 1.3 reads it.
fn wire_seeds(corpus: &mut Corpus, name: &str, flight: &[u8], tls13: bool) {
    let mut stream = Vec::new();
    for record in split_records(flight) {
        let body = record.get(5..).unwrap_or_default();
        match content_type(record) {
            Some(ContentType::HANDSHAKE) => stream.extend_from_slice(body),
            Some(ContentType::ALERT) => corpus.add(
                "wire",
                name,
                [&[selector(Structure::Alert)][..], body].concat(),
            ),
            Some(ContentType::CHANGE_CIPHER_SPEC) => {
                corpus.add(
                    "wire",
                    name,
                    [&[selector(Structure::ChangeCipherSpec)][..], body].concat(),
                );
            }
            _ => {}
        }
        corpus.add(
            "wire",
            name,
            [
                &[selector(Structure::Headers)][..],
                record.get(..9).unwrap_or(record),
            ]
            .concat(),
        );
    }
    for message in messages(&stream).unwrap_or_default() {
        corpus.add(
            "wire",
            name,
            [&[selector(Structure::Handshake)][..], message].concat(),
        );
        // TLS 1.3 hellos (a ClientHello with key_share, perhaps
        // pre_shared_key), read as TLS 1.3 reads them; a HelloRetryRequest
        // also as a body of its own.
        if tls13 {
            corpus.add(
                "wire",
                name,
                [&[selector(Structure::Handshake13)][..], message].concat(),
            );
            if is_hello_retry_request(message) {
                corpus.add(
                    "wire",
                    name,
                    [&[selector(Structure::HelloRetryRequest)][..], &message[4..]].concat(),
                );
                continue;
            }
        }
        let structure = match message[0] {
            1 => Structure::ClientHello,
            2 => Structure::ServerHello,
            4 => Structure::NewSessionTicket,
            11 => Structure::Certificate,
            12 => Structure::ServerKeyExchange,
            13 => Structure::CertificateRequest,
            15 => Structure::CertificateVerify,
            16 => Structure::ClientKeyExchange,
            20 => Structure::Finished,
            22 => Structure::CertificateStatus,
            _ => continue,
        };
        corpus.add(
            "wire",
            name,
            [&[selector(structure)][..], &message[4..]].concat(),
        );
    }
}

/// Deterministic keel handshakes in every variant: each message (to be
/// replaced) and each record (to be injected again) of the conversation,
/// and each side's whole output, which a fresh peer of the other side
/// (holding the same sessions, for a resumption) accepts as a complete
/// handshake. TLS 1.3's resumptions give the server target a ClientHello
/// with pre_shared_key and its binder to start from.
fn handshakes(corpus: &mut Corpus) {
    for variant in Variant::all() {
        let v = variant.to_byte();
        let run = pair::run(variant, Tamper::None);
        assert!(run.completed, "{variant:?}: the clean handshake failed");
        assert_eq!(
            run.resumed, variant.resume,
            "{variant:?}: resumed or not as asked"
        );
        let from_server = || {
            run.messages
                .iter()
                .filter(|(side, _)| *side == Side::Server)
                .map(|(_, m)| m)
        };
        let tls13 = from_server().any(|m| selects_tls13(m));
        assert_eq!(tls13, !variant.tls12, "{variant:?}: the version asked for");
        assert_eq!(
            from_server().any(|m| is_hello_retry_request(m)),
            tls13 && variant.retry,
            "{variant:?}: a HelloRetryRequest when asked for"
        );
        let name = format!("keel-v{v:02}");
        for (i, (_, message)) in run.messages.iter().enumerate() {
            let tamper = Tamper::Replace {
                index: i,
                bytes: message.clone(),
            };
            corpus.add(
                "handshake_mutate",
                &name,
                [&[v][..], &tamper.to_input()].concat(),
            );
        }
        for (i, (_, record)) in run.records.iter().enumerate().take(128) {
            let tamper = Tamper::Inject {
                index: i,
                bytes: record.clone(),
            };
            corpus.add(
                "handshake_mutate",
                &name,
                [&[v][..], &tamper.to_input()].concat(),
            );
        }
        replays_complete(variant, &run);
        // The whole output of one side, for a lone peer of the other.
        corpus.add("server", &name, [&[v, 0][..], &run.client_bytes].concat());
        corpus.add("server", &name, [&[v, 61][..], &run.client_bytes].concat());
        corpus.add("client", &name, [&[v, 0][..], &run.server_bytes].concat());
        corpus.add("client", &name, [&[v, 61][..], &run.server_bytes].concat());
        let client_flight: Vec<u8> = run
            .records
            .iter()
            .filter(|(side, r)| {
                *side == Side::Client && content_type(r) != Some(ContentType::APPLICATION_DATA)
            })
            .flat_map(|(_, r)| r.clone())
            .collect();
        wire_seeds(corpus, &name, &client_flight, tls13);
        if tls13 {
            protected13(corpus, variant, &name);
        }
        for (_, message) in &run.messages {
            corpus.add(
                "wire",
                &name,
                [&[selector(Structure::Handshake)][..], message].concat(),
            );
            if tls13 {
                corpus.add(
                    "wire",
                    &name,
                    [&[selector(Structure::Handshake13)][..], message].concat(),
                );
            }
        }
        if variant.tickets {
            let stores = Stores::new();
            let run = pair::run_with(variant, &stores, Tamper::None);
            for session in stores.cache.export() {
                corpus.add("sessions", &name, [&[0][..], &session].concat());
                corpus.add("sessions", &name, [&[1][..], &session].concat());
            }
            for (_, message) in &run.messages {
                if message[0] == 4 {
                    // NewSessionTicket: type, length(3), lifetime(4), ticket length(2), ticket.
                    corpus.add("sessions", &name, [&[2][..], &message[10..]].concat());
                }
            }
            // TLS 1.3's NewSessionTicket is protected: its ticket is taken
            // from the session the client kept.
            for (_, entry) in stores.client.export() {
                corpus.add("sessions", &name, [&[0][..], &entry].concat());
                if let Ok(session) = StoredSession::from_bytes(&entry) {
                    corpus.add("sessions", &name, [&[2][..], &session.ticket].concat());
                }
            }
        }
    }
}

/// Every secret both sides of a handshake logged, by label.
#[derive(Debug, Default)]
struct Secrets(Mutex<Vec<(String, Vec<u8>)>>);

impl KeyLog for Secrets {
    fn log(&self, label: &str, _client_random: &[u8; 32], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push((label.to_owned(), secret.to_vec()));
    }
}

impl Secrets {
    /// The record keys of the secret logged under `label`, for
    /// TLS_AES_128_GCM_SHA256 (the suite keel prefers).
    fn keys(&self, label: &str) -> Option<TrafficKeys> {
        let secrets = self.0.lock().unwrap();
        let (_, secret) = secrets.iter().find(|(l, _)| l == label)?;
        let secret = TrafficSecret::from_bytes(SuiteHash::Sha256, secret).unwrap();
        let material = secret.traffic_keys(Tls13Suite::Aes128GcmSha256).unwrap();
        Some(
            TrafficKeys::new_tls13(AeadAlgorithm::Aes128Gcm, material.key(), material.iv())
                .unwrap(),
        )
    }
}

/// TLS 1.3's protected handshake messages (EncryptedExtensions,
/// Certificate, CertificateRequest, CertificateVerify, Finished,
/// NewSessionTicket), for the wire target: a handshake of `variant` whose
/// sides log their secrets, its protected records opened.
fn protected13(corpus: &mut Corpus, variant: Variant, name: &str) {
    let secrets = Arc::new(Secrets::default());
    let stores = stores_for(variant);
    let client_config = client_builder(variant, &stores)
        .with_key_log(Arc::clone(&secrets) as Arc<dyn KeyLog>)
        .build()
        .unwrap();
    let server_config = server_builder(variant, &stores)
        .with_key_log(Arc::clone(&secrets) as Arc<dyn KeyLog>)
        .build()
        .unwrap();
    let mut client = ClientConnection::new(client_config, SERVER_NAME).unwrap();
    let mut server = ServerConnection::new(server_config);
    let mut sent: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    for _ in 0..16 {
        let (mut to_server, mut to_client) = (Vec::new(), Vec::new());
        client.write_tls(&mut to_server);
        server.write_tls(&mut to_client);
        if to_server.is_empty() && to_client.is_empty() {
            break;
        }
        for (conn, bytes) in [(&mut *server, &to_server), (&mut *client, &to_client)] {
            let mut rest = &bytes[..];
            while !rest.is_empty() {
                let n = conn.read_tls(rest).unwrap();
                drain_plaintext(conn);
                rest = &rest[n..];
            }
        }
        sent[0].extend_from_slice(&to_server);
        sent[1].extend_from_slice(&to_client);
    }
    let suite = client.session().expect("established").cipher_suite;
    assert_eq!(suite, CipherSuite::TLS_AES_128_GCM_SHA256, "{variant:?}");
    for (bytes, sender) in sent.iter().zip(["CLIENT", "SERVER"]) {
        let mut labels = [
            format!("{sender}_HANDSHAKE_TRAFFIC_SECRET"),
            format!("{sender}_TRAFFIC_SECRET_0"),
        ]
        .into_iter();
        let mut opener: Option<RecordOpener> = None;
        for record in split_records(bytes) {
            if content_type(record) != Some(ContentType::APPLICATION_DATA) {
                continue;
            }
            // Each record opens under the sender's handshake keys, then,
            // once one does not, under its application keys.
            let plaintext = loop {
                let mut body = record[5..].to_vec();
                if let Some(opened) = opener.as_mut().and_then(|o| {
                    o.open_record_in_place(
                        ContentType::APPLICATION_DATA,
                        ProtocolVersion::TLS_V1_2,
                        &mut body,
                    )
                    .ok()
                    .map(|(inner, plaintext)| (inner, plaintext.to_vec()))
                }) {
                    break opened;
                }
                let label = labels.next().expect("a record under no logged key");
                opener = Some(RecordOpener::new(&secrets.keys(&label).unwrap()).unwrap());
            };
            let (ContentType::HANDSHAKE, body) = plaintext else {
                continue;
            };
            for message in messages(&body).unwrap_or_default() {
                corpus.add(
                    "wire",
                    name,
                    [&[selector(Structure::Handshake13)][..], message].concat(),
                );
                let structure = match message[0] {
                    4 => Structure::NewSessionTicket13,
                    8 => Structure::EncryptedExtensions,
                    11 => Structure::Certificate13,
                    13 => Structure::CertificateRequest13,
                    15 => Structure::CertificateVerify,
                    _ => continue,
                };
                corpus.add(
                    "wire",
                    name,
                    [&[selector(structure)][..], &message[4..]].concat(),
                );
            }
        }
    }
}

/// The promise the client and server seeds rest on: a fresh keel client
/// fed only the recorded server output completes its handshake and reads
/// the server's data, and the same for a fresh server; both start from
/// the stores the fuzz targets give them.
fn replays_complete(variant: Variant, run: &pair::Run) {
    let stores = stores_for(variant);
    let mut client = ClientConnection::new(client_config(variant, &stores), SERVER_NAME).unwrap();
    let mut server = ServerConnection::new(server_config(variant, &stores));
    for (name, conn, input, expected) in [
        (
            "client",
            &mut *client,
            &run.server_bytes,
            &b"pong from the server"[..],
        ),
        (
            "server",
            &mut *server,
            &run.client_bytes,
            &b"ping from the client"[..],
        ),
    ] {
        let mut rest = &input[..];
        while !rest.is_empty() {
            match conn.read_tls(rest) {
                Ok(n) if n > 0 => rest = &rest[n..],
                Ok(_) => panic!("{variant:?}: a lone {name} stalled"),
                Err(e) => {
                    panic!("{variant:?}: a lone {name} fed the recorded peer output failed: {e}")
                }
            }
        }
        assert!(
            !conn.is_handshaking(),
            "{variant:?}: a lone {name} did not complete"
        );
        let mut buf = [0u8; 64];
        // Nothing waiting is no data at all (a session that carried none).
        let n = match conn.read(&mut buf) {
            Ok(n) => n,
            Err(keel::Error::WouldBlock) => 0,
            Err(e) => panic!("{variant:?}: a lone {name} could not read: {e}"),
        };
        assert_eq!(
            &buf[..n],
            expected,
            "{variant:?}: a lone {name} read other data"
        );
    }
}

/// Records in the clear for the protected target: a content type, a
/// two-byte length, the plaintext.
fn protected_records(corpus: &mut Corpus) {
    let record = |ct: u8, body: &[u8]| {
        let len = u16::try_from(body.len()).unwrap().to_be_bytes();
        [&[ct][..], &len, body].concat()
    };
    let finished = [20, 0, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    // Selectors 0-2: the three AEADs with TLS 1.2 records; 3-5: with TLS
    // 1.3 records.
    for algorithm in 0u8..6 {
        let streams = [
            record(22, &finished),
            [record(22, &finished[..6]), record(22, &finished[6..])].concat(),
            [record(23, b"GET / HTTP/1.1\r\n\r\n"), record(21, &[1, 0])].concat(),
            [record(23, &[]), record(23, b"x"), record(21, &[2, 20])].concat(),
            [record(22, &[0, 0, 0, 0]), record(23, &vec![0x61; 16384])].concat(),
            record(20, &[1]),
        ];
        for stream in streams {
            corpus.add(
                "record_protected",
                "records",
                [&[algorithm, 0][..], &stream].concat(),
            );
        }
    }
}

/// Certificates and keys, PEM and DER.
fn pki_inputs(corpus: &mut Corpus) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let read = |name: &str| std::fs::read(data.join(name)).unwrap();
    let fixture = pki();
    corpus.add(
        "pki",
        "pem",
        [&[0][..], &read("server.pem"), &read("ca.pem")].concat(),
    );
    corpus.add("pki", "pem", [&[0][..], &read("client.pem")].concat());
    corpus.add(
        "pki",
        "der",
        [&[0][..], fixture.server.leaf().as_ref()].concat(),
    );
    corpus.add("pki", "key", [&[1][..], &read("server.key")].concat());
    corpus.add("pki", "key", [&[1][..], &read("client.key")].concat());
    corpus.add("pki", "chain", [&[2][..], &read("server.pem")].concat());
    corpus.add("pki", "roots", [&[3][..], &read("ca.pem")].concat());
}
