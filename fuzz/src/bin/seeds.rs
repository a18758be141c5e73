//! Writes the seed corpora, one directory per fuzz target, under the
//! directory given (default `seeds`): the real flights captured from
//! openssl, curl, Python and GnuTLS (keel-wire's test data), and every
//! message and record of deterministic keel handshakes in each variant.
//! Generated, not committed, so that they always match the code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use keel::{ClientConnection, ServerConnection};
use keel_fuzz::Variant;
use keel_fuzz::configs::{SERVER_NAME, Stores, client_config, pki, server_config};
use keel_fuzz::pair::{self, Side, Tamper};
use keel_fuzz::records::{content_type, messages, split_records};
use keel_fuzz::wire::{Structure, selector};
use keel_wire::handshake::Random;
use keel_wire::registry::ContentType;

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
        wire_seeds(corpus, &name, &bytes);
    }
}

/// Every handshake message, alert and ChangeCipherSpec in a plaintext
/// flight, for the wire target: whole, and as a body of its own type.
fn wire_seeds(corpus: &mut Corpus, name: &str, flight: &[u8]) {
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
        // TLS 1.3 captures' hellos, read as TLS 1.3 reads them; a
        // HelloRetryRequest also as a body of its own.
        if name.starts_with("tls13") {
            corpus.add(
                "wire",
                name,
                [&[selector(Structure::Handshake13)][..], message].concat(),
            );
            if message[0] == 2 && message.get(6..38) == Some(&Random::HELLO_RETRY_REQUEST.0[..]) {
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
/// accepts as a complete handshake.
fn handshakes(corpus: &mut Corpus) {
    for variant in Variant::all() {
        let v = variant.to_byte();
        let run = pair::run(variant, Tamper::None);
        assert!(run.completed, "{variant:?}: the clean handshake failed");
        assert_eq!(
            run.resumed, variant.resume,
            "{variant:?}: resumed or not as asked"
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
        if !variant.resume {
            replays_complete(variant, &run);
            // The whole output of one side, for a lone peer of the other.
            corpus.add("server", &name, [&[v, 0][..], &run.client_bytes].concat());
            corpus.add("server", &name, [&[v, 61][..], &run.client_bytes].concat());
            corpus.add("client", &name, [&[v, 0][..], &run.server_bytes].concat());
            corpus.add("client", &name, [&[v, 61][..], &run.server_bytes].concat());
        }
        let client_flight: Vec<u8> = run
            .records
            .iter()
            .filter(|(side, r)| {
                *side == Side::Client && content_type(r) != Some(ContentType::APPLICATION_DATA)
            })
            .flat_map(|(_, r)| r.clone())
            .collect();
        wire_seeds(corpus, &name, &client_flight);
        for (_, message) in &run.messages {
            corpus.add(
                "wire",
                &name,
                [&[selector(Structure::Handshake)][..], message].concat(),
            );
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
        }
    }
}

/// The promise the client and server seeds rest on: a fresh keel client
/// fed only the recorded server output completes its handshake and reads
/// the server's data, and the same for a fresh server.
fn replays_complete(variant: Variant, run: &pair::Run) {
    let stores = Stores::new();
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
    for algorithm in 0u8..3 {
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
