//! Known answers from real OpenSSL sessions (`tests/data/sessions`, see its
//! README): for each of keel's six suites, expand the session keys from the
//! logged master secret with aws-lc-rs's TLS 1.2 PRF, decrypt every record
//! of both directions with the record layer, and re-seal every plaintext
//! with the captured explicit nonce to reproduce the captured bytes.
//!
//! A unit test rather than an integration test only because re-sealing a
//! GCM record with OpenSSL's explicit nonce needs the sealer's private
//! nonce-choosing seam.

use std::path::PathBuf;

use aws_lc_rs::tls_prf::{P_SHA256, P_SHA384, Secret};
use keel_wire::handshake::Random;
use keel_wire::registry::{AlertDescription, CipherSuite, ContentType, HandshakeType};
use keel_wire::{Codec, HandshakeMessage};

use crate::aead::{AeadAlgorithm, RecordOpener, RecordSealer, TrafficKeys};
use crate::limits::HEADER_LEN;
use crate::limits::MAX_RECORD_LEN;
use crate::{Decoded, Incoming, Received, RecordDecoder, RecordReader, VersionCheck, deframe};

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/sessions")
}

fn hex(text: &str) -> Vec<u8> {
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(text.as_bytes())
        .unwrap()
}

struct Session {
    c2s: Vec<u8>,
    s2c: Vec<u8>,
    master_secret: Vec<u8>,
    client_random: Random,
    server_random: Random,
    suite: CipherSuite,
}

impl Session {
    fn load(name: &'static str) -> Self {
        let read = |ext: &str| std::fs::read(data_dir().join(format!("{name}.{ext}"))).unwrap();
        let (c2s, s2c) = (read("c2s.bin"), read("s2c.bin"));
        let keylog = String::from_utf8(read("keylog")).unwrap();
        let line = keylog
            .lines()
            .find(|l| l.starts_with("CLIENT_RANDOM "))
            .unwrap();
        let fields: Vec<&str> = line.split(' ').collect();
        let HandshakeMessage::ClientHello(client_hello) = first_message(&c2s) else {
            panic!()
        };
        let HandshakeMessage::ServerHello(server_hello) = first_message(&s2c) else {
            panic!()
        };
        assert_eq!(
            hex(fields[1]),
            client_hello.random.0,
            "{name}: key log is for this session"
        );
        Self {
            c2s,
            s2c,
            master_secret: hex(fields[2]),
            client_random: client_hello.random,
            server_random: server_hello.random,
            suite: server_hello.cipher_suite,
        }
    }

    /// RFC 5246 §6.3: key_block = PRF(master_secret, "key expansion",
    /// server_random + client_random), cut into client_write_key,
    /// server_write_key, client_write_IV, server_write_IV.
    fn keys(&self) -> (TrafficKeys, TrafficKeys) {
        let algorithm = AeadAlgorithm::for_suite(self.suite).unwrap();
        // RFC 5288 §3 / RFC 7905: the SHA-384 suites use P_SHA384.
        let prf = if algorithm == AeadAlgorithm::Aes256Gcm {
            &P_SHA384
        } else {
            &P_SHA256
        };
        let (k, iv) = (algorithm.key_len(), algorithm.fixed_iv_len());
        let seed = [self.server_random.0, self.client_random.0].concat();
        let block = Secret::new(prf, &self.master_secret)
            .unwrap()
            .derive(b"key expansion", &seed, 2 * k + 2 * iv)
            .unwrap();
        let block = block.as_ref();
        let client = TrafficKeys::new(algorithm, &block[..k], &block[2 * k..2 * k + iv]).unwrap();
        let server = TrafficKeys::new(algorithm, &block[k..2 * k], &block[2 * k + iv..]).unwrap();
        (client, server)
    }
}

fn first_message(stream: &[u8]) -> HandshakeMessage {
    let mut reader = RecordReader::new();
    reader.feed(stream);
    let Some(Incoming::Handshake(m)) = reader.next_incoming().unwrap() else {
        panic!()
    };
    HandshakeMessage::decode(m).unwrap()
}

/// What one direction carried after its ChangeCipherSpec.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Protected {
    finished_len: usize,
    data: Vec<usize>,
    alert: Option<AlertDescription>,
}

/// Reads a whole direction through the buffered reader, switching to the
/// given keys at the ChangeCipherSpec, as a connection would.
fn read_direction(
    stream: &[u8],
    keys: &TrafficKeys,
    piece: usize,
) -> (Vec<HandshakeType>, Protected) {
    let mut reader = RecordReader::new();
    let mut pieces = stream.chunks(piece);
    let mut plain = Vec::new();
    let mut protected = Protected {
        finished_len: 0,
        data: Vec::new(),
        alert: None,
    };
    let mut after_ccs = false;
    loop {
        let Some(item) = reader.next_incoming().unwrap() else {
            // Need more bytes: deliver the next piece, as a socket would.
            match pieces.next() {
                Some(piece) => {
                    reader.feed(piece);
                    continue;
                }
                None => break,
            }
        };
        match item {
            Incoming::Handshake(m) if !after_ccs => {
                plain.push(HandshakeMessage::decode(m).unwrap().handshake_type());
            }
            Incoming::Handshake(m) => {
                let HandshakeMessage::Finished(_) = HandshakeMessage::decode(m).unwrap() else {
                    panic!()
                };
                protected.finished_len = m.len();
            }
            Incoming::ChangeCipherSpec => {
                after_ccs = true;
                reader.set_version_negotiated();
                reader
                    .install_opener(RecordOpener::new(keys).unwrap())
                    .unwrap();
            }
            Incoming::ApplicationData(d) => protected.data.push(d.len()),
            Incoming::Alert(a) => protected.alert = Some(a.description),
        }
    }
    assert_eq!(reader.buffered_len(), 0);
    (plain, protected)
}

/// [`read_direction`] through the in-place decoder, in a receive buffer of
/// the largest record's size that the "socket" fills with as much as fits,
/// up to `piece` bytes at a time.
fn read_direction_in_place(
    stream: &[u8],
    keys: &TrafficKeys,
    piece: usize,
) -> (Vec<HandshakeType>, Protected) {
    let mut decoder = RecordDecoder::new();
    let mut buf = vec![0u8; MAX_RECORD_LEN];
    let (mut filled, mut rest) = (0, stream);
    let mut plain = Vec::new();
    let mut protected = Protected {
        finished_len: 0,
        data: Vec::new(),
        alert: None,
    };
    let mut after_ccs = false;
    loop {
        let decoded = decoder.decode(&mut buf[..filled]).unwrap();
        let consumed = decoded.consumed();
        match decoded {
            Decoded::NeedMore { .. } if rest.is_empty() => break,
            Decoded::NeedMore { .. } => {
                buf.copy_within(consumed..filled, 0);
                filled -= consumed;
                let n = piece.min(buf.len() - filled).min(rest.len());
                buf[filled..filled + n].copy_from_slice(&rest[..n]);
                filled += n;
                rest = &rest[n..];
                continue;
            }
            Decoded::Item { item, .. } => match item {
                Received::Handshake(m) if !after_ccs => {
                    plain.push(HandshakeMessage::decode(m).unwrap().handshake_type());
                }
                Received::Handshake(m) => {
                    let HandshakeMessage::Finished(_) = HandshakeMessage::decode(m).unwrap() else {
                        panic!()
                    };
                    protected.finished_len = m.len();
                }
                Received::ChangeCipherSpec => {
                    after_ccs = true;
                    decoder.set_version_negotiated();
                    decoder
                        .install_opener(RecordOpener::new(keys).unwrap())
                        .unwrap();
                }
                Received::ApplicationData(d) => protected.data.push(d.len()),
                Received::Alert(a) => protected.alert = Some(a.description),
            },
        }
        buf.copy_within(consumed..filled, 0);
        filled -= consumed;
    }
    assert_eq!(filled, 0);
    (plain, protected)
}

/// Opens every protected record with the record layer, re-seals its
/// plaintext with the record's own explicit nonce, and compares bytes.
/// Returns how many records were checked.
fn reseal_direction(stream: &[u8], keys: &TrafficKeys) -> usize {
    let mut rest = stream;
    let mut protected = false;
    let mut opener = RecordOpener::new(keys).unwrap();
    let mut sealer = RecordSealer::new(keys).unwrap();
    let mut checked = 0;
    while let Some(header) = deframe(rest, VersionCheck::Unnegotiated, 1 << 15).unwrap() {
        let len = HEADER_LEN + usize::from(header.length);
        let original = &rest[..len];
        if protected {
            let mut fragment = original[HEADER_LEN..].to_vec();
            let explicit_len = opener.algorithm().explicit_nonce_len();
            let mut explicit = [0u8; 8];
            explicit[..explicit_len].copy_from_slice(&fragment[..explicit_len]);
            let plaintext = opener
                .open_in_place(header.content_type, header.version, &mut fragment)
                .unwrap()
                .to_vec();

            let mut buf = vec![0; sealer.overhead() + plaintext.len()];
            let prefix = sealer.prefix_len();
            buf[prefix..prefix + plaintext.len()].copy_from_slice(&plaintext);
            let sealed = sealer
                .seal_with_explicit_nonce(
                    header.content_type,
                    header.version,
                    &mut buf,
                    plaintext.len(),
                    explicit,
                )
                .unwrap();
            assert_eq!(
                &buf[..sealed],
                original,
                "record {checked} re-seals to the same bytes"
            );
            checked += 1;
        }
        if header.content_type == ContentType::CHANGE_CIPHER_SPEC {
            protected = true;
        }
        rest = &rest[len..];
    }
    assert!(rest.is_empty());
    checked
}

const SESSIONS: [&str; 6] = [
    "ecdhe_ecdsa_aes128_gcm_sha256",
    "ecdhe_ecdsa_aes256_gcm_sha384",
    "ecdhe_ecdsa_chacha20_poly1305",
    "ecdhe_rsa_aes128_gcm_sha256",
    "ecdhe_rsa_aes256_gcm_sha384",
    "ecdhe_rsa_chacha20_poly1305",
];

#[test]
fn openssl_sessions_decrypt_with_the_record_layer() {
    use HandshakeType as T;
    for name in SESSIONS {
        let session = Session::load(name);
        let (client, server) = session.keys();
        let algorithm = client.algorithm();
        assert_eq!(
            name.contains("chacha"),
            algorithm == AeadAlgorithm::ChaCha20Poly1305,
            "{name}: {}",
            session.suite
        );

        // Odd-sized pieces, and one byte at a time, must read the same.
        let one_byte = read_direction(&session.c2s, &client, 1);
        let (plain, protected) = read_direction(&session.c2s, &client, 1000);
        assert_eq!(one_byte, (plain.clone(), protected.clone()), "{name}");
        for piece in [1, 1000, usize::MAX] {
            assert_eq!(
                read_direction_in_place(&session.c2s, &client, piece),
                (plain.clone(), protected.clone()),
                "{name}: in place, pieces of {piece}"
            );
        }
        assert_eq!(plain, [T::CLIENT_HELLO, T::CLIENT_KEY_EXCHANGE], "{name}");
        assert_eq!(
            protected,
            Protected {
                finished_len: 16,
                data: vec![27, 1, 8192, 8192, 3616],
                alert: Some(AlertDescription::CLOSE_NOTIFY)
            },
            "{name} client to server"
        );

        let one_byte = read_direction(&session.s2c, &server, 1);
        let (plain, protected) = read_direction(&session.s2c, &server, 1337);
        assert_eq!(one_byte, (plain.clone(), protected.clone()), "{name}");
        for piece in [1, 1337, usize::MAX] {
            assert_eq!(
                read_direction_in_place(&session.s2c, &server, piece),
                (plain.clone(), protected.clone()),
                "{name}: in place, pieces of {piece}"
            );
        }
        assert_eq!(
            plain,
            [
                T::SERVER_HELLO,
                T::CERTIFICATE,
                T::SERVER_KEY_EXCHANGE,
                T::SERVER_HELLO_DONE,
                T::NEW_SESSION_TICKET
            ],
            "{name}"
        );
        assert_eq!(
            protected,
            Protected {
                finished_len: 16,
                data: vec![27, 16384, 16384, 7232, 8],
                alert: Some(AlertDescription::CLOSE_NOTIFY)
            },
            "{name} server to client"
        );
    }
}

#[test]
fn openssl_records_reseal_byte_for_byte() {
    for name in SESSIONS {
        let session = Session::load(name);
        let (client, server) = session.keys();
        // Finished, five data records, close_notify: seven each way.
        assert_eq!(reseal_direction(&session.c2s, &client), 7, "{name}");
        assert_eq!(reseal_direction(&session.s2c, &server), 7, "{name}");
    }
}

#[test]
fn openssl_gcm_explicit_nonces_are_not_the_sequence_number() {
    // The reader must take the nonce from the record: OpenSSL starts at a
    // random value. Check the capture really shows that, or the KAT above
    // would prove nothing about it.
    let session = Session::load("ecdhe_rsa_aes128_gcm_sha256");
    let mut rest = session.c2s.as_slice();
    let mut after_ccs = false;
    while let Some(header) = deframe(rest, VersionCheck::Unnegotiated, 1 << 15).unwrap() {
        let len = HEADER_LEN + usize::from(header.length);
        if after_ccs {
            assert_ne!(rest[HEADER_LEN..HEADER_LEN + 8], [0u8; 8]);
            return;
        }
        after_ccs = header.content_type == ContentType::CHANGE_CIPHER_SPEC;
        rest = &rest[len..];
    }
    panic!("no protected record");
}

#[test]
fn aws_lc_tls_prf_matches_the_published_vectors() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/tls12-prf-vectors.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut checked = Vec::new();
    for vector in json["vectors"].as_array().unwrap() {
        let field = |k: &str| vector[k].as_str().unwrap();
        let algorithm = match field("hash") {
            "SHA-256" => &P_SHA256,
            "SHA-384" => &P_SHA384,
            "SHA-512" => &aws_lc_rs::tls_prf::P_SHA512,
            // aws-lc-rs offers no P_SHA224, and no TLS 1.2 suite uses it.
            "SHA-224" => continue,
            other => panic!("unexpected hash {other}"),
        };
        let length = usize::try_from(vector["length"].as_u64().unwrap()).unwrap();
        let output = Secret::new(algorithm, &hex(field("secret")))
            .unwrap()
            .derive(field("label").as_bytes(), &hex(field("seed")), length)
            .unwrap();
        assert_eq!(output.as_ref(), hex(field("output")), "{}", field("hash"));
        checked.push(field("hash").to_owned());
    }
    checked.sort();
    assert_eq!(checked, ["SHA-256", "SHA-384", "SHA-512"]);
}
