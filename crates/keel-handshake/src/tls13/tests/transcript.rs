//! The TLS 1.3 transcript: RFC 8448's messages hash to the RFC's
//! transcript hashes through it, the binder hash of §4's truncated
//! ClientHello, the HelloRetryRequest rule of RFC 8446 §4.4.1 written out
//! by hand, and the refusals.

use super::vectors::Section;
use crate::tls13::{EarlySecret, SuiteHash, Transcript13};
use crate::transcript::TranscriptError;

const LIMIT: usize = 4096;

#[test]
fn rfc8448_simple_handshake_hashes_at_each_point() {
    let v = Section::load("simple");
    let mut transcript = Transcript13::new(LIMIT);
    transcript.add(v.get("client_hello")).unwrap();
    assert_eq!(transcript.hash_algorithm(), None);
    assert!(format!("{transcript:?}").contains("buffered_len: 196"));
    assert_eq!(
        transcript.current_hash().unwrap_err(),
        TranscriptError::NotStarted
    );
    // The client learns the hash from the ServerHello, already added.
    transcript.add(v.get("server_hello")).unwrap();
    transcript.start(SuiteHash::Sha256).unwrap();
    assert_eq!(transcript.hash_algorithm(), Some(SuiteHash::Sha256));
    let hello_hash = transcript.current_hash().unwrap();
    assert_eq!(hello_hash.as_ref(), v.get("hash_client_hello_server_hello"));
    // Asking does not consume: the same answer twice.
    assert_eq!(
        transcript.current_hash().unwrap().as_ref(),
        hello_hash.as_ref()
    );
    for message in [
        "encrypted_extensions",
        "certificate",
        "certificate_verify",
        "server_finished",
    ] {
        transcript.add(v.get(message)).unwrap();
    }
    assert_eq!(
        transcript.current_hash().unwrap().as_ref(),
        v.get("hash_client_hello_server_finished")
    );
    transcript.add(v.get("client_finished")).unwrap();
    assert_eq!(
        transcript.current_hash().unwrap().as_ref(),
        v.get("hash_client_hello_client_finished")
    );
    // No message bytes are kept after the start, whatever the bound.
    assert!(format!("{transcript:?}").contains("buffered_len: 0"));
}

#[test]
fn rfc8448_resumed_binder_hash_and_handshake_secret() {
    let v = Section::load("resumed");
    let mut transcript = Transcript13::new(LIMIT);
    // Before anything is added, the binder covers the truncated
    // ClientHello alone, under the PSK's hash.
    let binder_hash = transcript
        .hash_with_partial(SuiteHash::Sha256, v.get("truncated_client_hello"))
        .unwrap();
    assert_eq!(binder_hash.as_ref(), v.get("binder_hash"));
    transcript.add(v.get("client_hello")).unwrap();
    transcript.start(SuiteHash::Sha256).unwrap();
    transcript.add(v.get("server_hello")).unwrap();
    // The hash feeds the key schedule straight to the RFC's secrets.
    let handshake = EarlySecret::with_psk(
        &crate::tls13::Psk::from_bytes(SuiteHash::Sha256, v.get("psk")).unwrap(),
    )
    .unwrap()
    .into_handshake_secret(v.get("shared_secret"))
    .unwrap();
    let secret = handshake
        .client_handshake_traffic_secret(transcript.current_hash().unwrap().as_ref())
        .unwrap();
    assert_eq!(secret.as_bytes(), v.get("client_handshake_traffic_secret"));
}

#[test]
fn hello_retry_request_replaces_client_hello1_with_message_hash() {
    let client_hello1 = b"\x01\x00\x00\x03abc".as_slice();
    let hello_retry_request = b"\x02\x00\x00\x02hr".as_slice();
    let client_hello2 = b"\x01\x00\x00\x04abcd".as_slice();
    for (hash, len) in [(SuiteHash::Sha256, 32u8), (SuiteHash::Sha384, 48)] {
        let mut transcript = Transcript13::new(LIMIT);
        transcript.add(client_hello1).unwrap();
        transcript.start_after_hello_retry_request(hash).unwrap();
        transcript.add(hello_retry_request).unwrap();

        // RFC 8446 §4.4.1, by hand: 254 || 00 00 || Hash.length ||
        // Hash(ClientHello1), then the messages after it.
        let mut by_hand = vec![254, 0, 0, len];
        by_hand.extend_from_slice(hash.hash(client_hello1).as_ref());
        by_hand.extend_from_slice(hello_retry_request);
        // A binder in ClientHello2 covers ClientHello1 (as message_hash),
        // the HelloRetryRequest and the truncated ClientHello2.
        let truncated = &client_hello2[..6];
        let mut with_truncated = by_hand.clone();
        with_truncated.extend_from_slice(truncated);
        assert_eq!(
            transcript
                .hash_with_partial(hash, truncated)
                .unwrap()
                .as_ref(),
            hash.hash(&with_truncated).as_ref()
        );
        transcript.add(client_hello2).unwrap();
        by_hand.extend_from_slice(client_hello2);
        assert_eq!(
            transcript.current_hash().unwrap().as_ref(),
            hash.hash(&by_hand).as_ref()
        );
    }
}

#[test]
fn refusals() {
    let mut transcript = Transcript13::new(8);
    transcript.add(&[1; 5]).unwrap();
    assert_eq!(
        transcript.add(&[2; 4]).unwrap_err(),
        TranscriptError::TooLarge {
            limit: 8,
            attempted: 9
        }
    );
    // The refused message was not added.
    let mut expected = Transcript13::new(8);
    expected.add(&[1; 5]).unwrap();
    expected.start(SuiteHash::Sha256).unwrap();
    transcript.start(SuiteHash::Sha256).unwrap();
    assert_eq!(
        transcript.current_hash().unwrap().as_ref(),
        expected.current_hash().unwrap().as_ref()
    );
    // Once started, the bound no longer applies: nothing is kept.
    transcript.add(&[3; 100]).unwrap();

    assert_eq!(
        transcript.start(SuiteHash::Sha256).unwrap_err(),
        TranscriptError::AlreadyStarted
    );
    assert_eq!(
        transcript
            .start_after_hello_retry_request(SuiteHash::Sha256)
            .unwrap_err(),
        TranscriptError::AlreadyStarted
    );
    // A binder under another hash than the transcript's.
    assert_eq!(
        transcript
            .hash_with_partial(SuiteHash::Sha384, b"partial")
            .unwrap_err(),
        TranscriptError::AlreadyStarted
    );
}
