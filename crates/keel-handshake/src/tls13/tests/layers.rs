//! The TLS 1.3 layers together on RFC 8448 §3's trace: the key share and
//! key schedule derive the keys, keel-record opens the RFC's protected
//! records with them, and keel-wire decodes what comes out — the server's
//! EncryptedExtensions, Certificate, CertificateVerify and Finished, which
//! no capture can show (they travel encrypted) — and the Finished values
//! verify. Each layer has its own known-answer tests; this one shows that
//! their interfaces fit: key lengths, IVs, content types, message framing.

use keel_record::{AeadAlgorithm, Incoming, RecordOpener, RecordReader, TrafficKeys};
use keel_wire::registry::{CipherSuite, NamedGroup, ProtocolVersion};
use keel_wire::{Codec, HandshakeMessage};

use super::FixedRng;
use super::vectors::Section;
use crate::tls13::{ClientKeyShare, EarlySecret, SuiteHash, Tls13Suite, TrafficSecret};

/// The record of RFC 8448 §3 named `name`, from keel-record's copy of the
/// trace.
fn record(name: &str) -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../keel-record/tests/data/rfc8448/simple_1rtt.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let found = json["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no record {name}"));
    data_encoding::HEXLOWER
        .decode(found["record"].as_str().unwrap().as_bytes())
        .unwrap()
}

/// A reader that opens records under the keys `secret` gives.
fn reader(secret: &TrafficSecret) -> RecordReader {
    let material = secret.traffic_keys(Tls13Suite::Aes128GcmSha256).unwrap();
    let algorithm = AeadAlgorithm::for_tls13_suite(CipherSuite::TLS_AES_128_GCM_SHA256).unwrap();
    let keys = TrafficKeys::new_tls13(algorithm, material.key(), material.iv()).unwrap();
    let mut reader = RecordReader::new();
    reader.set_version_negotiated();
    reader
        .install_opener(RecordOpener::new(&keys).unwrap())
        .unwrap();
    reader
}

/// Every handshake message `reader` hands out for `bytes`.
fn messages(reader: &mut RecordReader, bytes: &[u8]) -> Vec<Vec<u8>> {
    reader.feed(bytes);
    let mut out = Vec::new();
    while let Some(incoming) = reader.next_incoming().unwrap() {
        match incoming {
            Incoming::Handshake(message) => out.push(message.to_vec()),
            other => panic!("unexpected {other:?}"),
        }
    }
    out
}

#[test]
fn the_layers_open_and_decode_rfc_8448s_encrypted_flights() {
    let v = Section::load("simple");
    let hash = |names: &[&str]| SuiteHash::Sha256.hash(&v.concat(names)).as_ref().to_vec();

    // The client's X25519 key from the RFC, through the configured Rng.
    let share = ClientKeyShare::generate(
        NamedGroup::X25519,
        &FixedRng::new(v.get("client_x25519_private")),
    )
    .unwrap();
    assert_eq!(share.public(), v.get("client_x25519_public"));
    let shared = share.complete(v.get("server_x25519_public")).unwrap();

    let handshake = EarlySecret::without_psk(SuiteHash::Sha256)
        .unwrap()
        .into_handshake_secret(shared.as_bytes())
        .unwrap();
    let hello_hash = hash(&["client_hello", "server_hello"]);
    let server_hs = handshake
        .server_handshake_traffic_secret(&hello_hash)
        .unwrap();
    let client_hs = handshake
        .client_handshake_traffic_secret(&hello_hash)
        .unwrap();

    // The server's encrypted flight opens under the derived keys, and
    // keel-wire reads each message of it as TLS 1.3 defines them.
    let flight = messages(&mut reader(&server_hs), &record("server_handshake_flight"));
    let names = [
        "encrypted_extensions",
        "certificate",
        "certificate_verify",
        "server_finished",
    ];
    assert_eq!(flight.len(), names.len());
    for (message, name) in flight.iter().zip(names) {
        assert_eq!(message.as_slice(), v.get(name), "{name}");
        let decoded = HandshakeMessage::decode_in(ProtocolVersion::TLS_V1_3, message).unwrap();
        assert_eq!(&decoded.encode().unwrap(), message, "{name} round trip");
        let expected = match name {
            "encrypted_extensions" => matches!(decoded, HandshakeMessage::EncryptedExtensions(_)),
            "certificate" => matches!(&decoded, HandshakeMessage::Certificate13(c)
                if c.certificate_request_context.is_empty() && c.certificate_list.len() == 1),
            "certificate_verify" => matches!(decoded, HandshakeMessage::CertificateVerify(_)),
            _ => matches!(&decoded, HandshakeMessage::Finished13(f) if f.verify_data.len() == 32),
        };
        assert!(expected, "{name}: {decoded:?}");
    }

    // The server's Finished verifies over the transcript up to its
    // CertificateVerify; the client's over the one up to the server's
    // Finished, and its record opens under the client's handshake keys.
    let HandshakeMessage::Finished13(server_finished) =
        HandshakeMessage::decode_in(ProtocolVersion::TLS_V1_3, &flight[3]).unwrap()
    else {
        unreachable!("checked above");
    };
    let up_to_verify = hash(&[
        "client_hello",
        "server_hello",
        "encrypted_extensions",
        "certificate",
        "certificate_verify",
    ]);
    assert!(
        server_hs
            .finished_key()
            .unwrap()
            .verify(&up_to_verify, &server_finished.verify_data)
            .unwrap()
    );
    let client_flight = messages(&mut reader(&client_hs), &record("client_finished"));
    assert_eq!(client_flight, vec![v.get("client_finished").to_vec()]);

    // Application data opens under the application keys the master secret
    // gives.
    let master = handshake.into_master_secret().unwrap();
    let up_to_finished = hash(&[
        "client_hello",
        "server_hello",
        "encrypted_extensions",
        "certificate",
        "certificate_verify",
        "server_finished",
    ]);
    let client_ap = master
        .client_application_traffic_secret(&up_to_finished)
        .unwrap();
    let mut server_side = reader(&client_ap);
    server_side.feed(&record("client_application_data"));
    let Some(Incoming::ApplicationData(data)) = server_side.next_incoming().unwrap() else {
        panic!("no application data");
    };
    assert_eq!(data.len(), 50);
}
