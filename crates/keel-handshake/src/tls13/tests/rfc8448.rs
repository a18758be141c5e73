//! The TLS 1.3 key schedule against RFC 8448's traces: §3 "Simple 1-RTT
//! Handshake" value by value, and §4 "Resumed 0-RTT Handshake" from the
//! ticket's PSK through the binder to the application secrets (its 0-RTT
//! values aside: keel sends no early data). The vectors are in
//! `testdata/rfc8448.txt`.

use super::vectors::Section;
use crate::tls13::hkdf::SecretBytes;
use crate::tls13::{EarlySecret, Psk, SuiteHash, Tls13Suite, TrafficKeyMaterial};

const SUITE: Tls13Suite = Tls13Suite::Aes128GcmSha256;
const HASH: SuiteHash = SuiteHash::Sha256;

fn hash(v: &Section, messages: &[&str]) -> Vec<u8> {
    HASH.hash(&v.concat(messages)).as_ref().to_vec()
}

fn assert_keys(v: &Section, keys: &TrafficKeyMaterial, key: &str, iv: &str) {
    assert_eq!(keys.key(), v.get(key), "{key}");
    assert_eq!(keys.iv().as_slice(), v.get(iv), "{iv}");
}

/// The transcribed messages hash to the transcript hashes the RFC prints,
/// so the message bytes the other tests use are the RFC's.
#[test]
fn simple_transcript_hashes_match_the_trace() {
    let v = Section::load("simple");
    assert_eq!(HASH.hash(&[]).as_ref(), v.get("empty_hash"));
    assert_eq!(
        hash(&v, &["client_hello", "server_hello"]),
        v.get("hash_client_hello_server_hello")
    );
    assert_eq!(
        hash(
            &v,
            &[
                "client_hello",
                "server_hello",
                "encrypted_extensions",
                "certificate",
                "certificate_verify",
                "server_finished"
            ]
        ),
        v.get("hash_client_hello_server_finished")
    );
    assert_eq!(
        hash(
            &v,
            &[
                "client_hello",
                "server_hello",
                "encrypted_extensions",
                "certificate",
                "certificate_verify",
                "server_finished",
                "client_finished"
            ]
        ),
        v.get("hash_client_hello_client_finished")
    );
}

#[test]
fn simple_one_rtt_handshake_every_secret() {
    let v = Section::load("simple");
    let hello_hash = v.get("hash_client_hello_server_hello");
    let server_finished_hash = v.get("hash_client_hello_server_finished");

    let early = EarlySecret::without_psk(HASH).unwrap();
    assert_eq!(early.test_bytes(), v.get("early_secret"));
    let derived = SecretBytes::from_slice(HASH, "early", early.test_bytes())
        .unwrap()
        .derived()
        .unwrap();
    assert_eq!(derived.as_slice(), v.get("derived_for_handshake"));

    let handshake = early.into_handshake_secret(v.get("shared_secret")).unwrap();
    assert_eq!(handshake.test_bytes(), v.get("handshake_secret"));
    let client_hs = handshake
        .client_handshake_traffic_secret(hello_hash)
        .unwrap();
    let server_hs = handshake
        .server_handshake_traffic_secret(hello_hash)
        .unwrap();
    assert_eq!(
        client_hs.as_bytes(),
        v.get("client_handshake_traffic_secret")
    );
    assert_eq!(
        server_hs.as_bytes(),
        v.get("server_handshake_traffic_secret")
    );
    let derived = SecretBytes::from_slice(HASH, "handshake", handshake.test_bytes())
        .unwrap()
        .derived()
        .unwrap();
    assert_eq!(derived.as_slice(), v.get("derived_for_master"));

    assert_keys(
        &v,
        &server_hs.traffic_keys(SUITE).unwrap(),
        "server_handshake_key",
        "server_handshake_iv",
    );
    assert_keys(
        &v,
        &client_hs.traffic_keys(SUITE).unwrap(),
        "client_handshake_key",
        "client_handshake_iv",
    );

    // Finished: the server's covers ClientHello..CertificateVerify, the
    // client's ClientHello..server Finished.
    let server_finished_key = server_hs.finished_key().unwrap();
    assert_eq!(server_finished_key.as_bytes(), v.get("server_finished_key"));
    let cv_hash = hash(
        &v,
        &[
            "client_hello",
            "server_hello",
            "encrypted_extensions",
            "certificate",
            "certificate_verify",
        ],
    );
    let server_verify = server_finished_key.verify_data(&cv_hash).unwrap();
    assert_eq!(server_verify.as_bytes(), v.get("server_verify_data"));
    assert_eq!(
        &v.get("server_finished")[4..],
        v.get("server_verify_data"),
        "the Finished message carries verify_data"
    );
    assert!(
        server_finished_key
            .verify(&cv_hash, v.get("server_verify_data"))
            .unwrap()
    );
    let client_finished_key = client_hs.finished_key().unwrap();
    assert_eq!(client_finished_key.as_bytes(), v.get("client_finished_key"));
    let client_verify = client_finished_key
        .verify_data(server_finished_hash)
        .unwrap();
    assert_eq!(client_verify.as_bytes(), v.get("client_verify_data"));
    assert_eq!(&v.get("client_finished")[4..], v.get("client_verify_data"));

    let master = handshake.into_master_secret().unwrap();
    assert_eq!(master.test_bytes(), v.get("master_secret"));
    let client_ap = master
        .client_application_traffic_secret(server_finished_hash)
        .unwrap();
    let server_ap = master
        .server_application_traffic_secret(server_finished_hash)
        .unwrap();
    let exporter = master.exporter_master_secret(server_finished_hash).unwrap();
    assert_eq!(
        client_ap.as_bytes(),
        v.get("client_application_traffic_secret")
    );
    assert_eq!(
        server_ap.as_bytes(),
        v.get("server_application_traffic_secret")
    );
    assert_eq!(exporter.as_bytes(), v.get("exporter_master_secret"));
    assert_keys(
        &v,
        &server_ap.traffic_keys(SUITE).unwrap(),
        "server_application_key",
        "server_application_iv",
    );
    assert_keys(
        &v,
        &client_ap.traffic_keys(SUITE).unwrap(),
        "client_application_key",
        "client_application_iv",
    );

    let resumption = master
        .into_resumption_master_secret(v.get("hash_client_hello_client_finished"))
        .unwrap();
    assert_eq!(resumption.test_bytes(), v.get("resumption_master_secret"));
    let psk = resumption.ticket_psk(v.get("ticket_nonce")).unwrap();
    assert_eq!(psk.as_bytes(), v.get("ticket_psk"));
}

#[test]
fn resumed_handshake_psk_binder_and_secrets() {
    let simple = Section::load("simple");
    let v = Section::load("resumed");
    // §4 resumes with the ticket §3 issued.
    assert_eq!(v.get("psk"), simple.get("ticket_psk"));

    let psk = Psk::from_bytes(HASH, v.get("psk")).unwrap();
    let early = EarlySecret::with_psk(&psk).unwrap();
    assert_eq!(early.test_bytes(), v.get("early_secret"));

    // The binder, over the ClientHello up to its binders list.
    let binder_key = early.resumption_binder_key().unwrap();
    assert_eq!(binder_key.test_bytes(), v.get("binder_key"));
    let binder_hash = HASH.hash(v.get("truncated_client_hello"));
    assert_eq!(binder_hash.as_ref(), v.get("binder_hash"));
    let binder_finished = binder_key.finished_key().unwrap();
    assert_eq!(binder_finished.as_bytes(), v.get("binder_finished_key"));
    let binder = binder_finished.verify_data(binder_hash.as_ref()).unwrap();
    assert_eq!(binder.as_bytes(), v.get("binder"));
    assert!(
        binder_finished
            .verify(binder_hash.as_ref(), v.get("binder"))
            .unwrap()
    );
    // The ClientHello sent is the prefix, then the binders list: a 2-byte
    // length, then each binder with a 1-byte length.
    let mut sent = v.get("truncated_client_hello").to_vec();
    sent.extend_from_slice(&[0x00, 0x21, 0x20]);
    sent.extend_from_slice(binder.as_bytes());
    assert_eq!(sent, v.get("client_hello"));

    let derived = SecretBytes::from_slice(HASH, "early", early.test_bytes())
        .unwrap()
        .derived()
        .unwrap();
    assert_eq!(derived.as_slice(), v.get("derived_for_handshake"));
    let handshake = early.into_handshake_secret(v.get("shared_secret")).unwrap();
    assert_eq!(handshake.test_bytes(), v.get("handshake_secret"));
    let hello_hash = hash(&v, &["client_hello", "server_hello"]);
    let client_hs = handshake
        .client_handshake_traffic_secret(&hello_hash)
        .unwrap();
    let server_hs = handshake
        .server_handshake_traffic_secret(&hello_hash)
        .unwrap();
    assert_eq!(
        client_hs.as_bytes(),
        v.get("client_handshake_traffic_secret")
    );
    assert_eq!(
        server_hs.as_bytes(),
        v.get("server_handshake_traffic_secret")
    );
    assert_keys(
        &v,
        &server_hs.traffic_keys(SUITE).unwrap(),
        "server_handshake_key",
        "server_handshake_iv",
    );
    // A resumed handshake has no Certificate: the server's Finished covers
    // ClientHello..EncryptedExtensions.
    let ee_hash = hash(
        &v,
        &["client_hello", "server_hello", "encrypted_extensions"],
    );
    let server_verify = server_hs
        .finished_key()
        .unwrap()
        .verify_data(&ee_hash)
        .unwrap();
    assert_eq!(server_verify.as_bytes(), v.get("server_verify_data"));
    assert_eq!(&v.get("server_finished")[4..], v.get("server_verify_data"));

    let derived = SecretBytes::from_slice(HASH, "handshake", handshake.test_bytes())
        .unwrap()
        .derived()
        .unwrap();
    assert_eq!(derived.as_slice(), v.get("derived_for_master"));
    let master = handshake.into_master_secret().unwrap();
    assert_eq!(master.test_bytes(), v.get("master_secret"));
    let finished_hash = hash(
        &v,
        &[
            "client_hello",
            "server_hello",
            "encrypted_extensions",
            "server_finished",
        ],
    );
    let client_ap = master
        .client_application_traffic_secret(&finished_hash)
        .unwrap();
    let server_ap = master
        .server_application_traffic_secret(&finished_hash)
        .unwrap();
    let exporter = master.exporter_master_secret(&finished_hash).unwrap();
    assert_eq!(
        client_ap.as_bytes(),
        v.get("client_application_traffic_secret")
    );
    assert_eq!(
        server_ap.as_bytes(),
        v.get("server_application_traffic_secret")
    );
    assert_eq!(exporter.as_bytes(), v.get("exporter_master_secret"));
    assert_keys(
        &v,
        &server_ap.traffic_keys(SUITE).unwrap(),
        "server_application_key",
        "server_application_iv",
    );
}
