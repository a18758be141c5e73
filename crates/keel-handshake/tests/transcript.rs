//! The handshake transcript: buffering before the hash is chosen, the bound
//! on kept bytes, and retention for CertificateVerify.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use aws_lc_rs::digest;
use keel_handshake::key_schedule::PrfHash;
use keel_handshake::transcript::{Transcript, TranscriptError};

/// Three handshake-message-shaped pieces of different sizes.
fn messages() -> Vec<Vec<u8>> {
    vec![
        [&[1u8, 0, 0, 5][..], b"hello"].concat(),
        [&[2u8, 0, 0, 3][..], b"abc"].concat(),
        [&[11u8, 0, 1, 0][..], &[0x5a; 256]].concat(),
    ]
}

fn hash_of(prf: PrfHash, data: &[u8]) -> Vec<u8> {
    digest::digest(prf.digest_algorithm(), data)
        .as_ref()
        .to_vec()
}

#[test]
fn buffering_then_start_equals_hashing_directly() {
    let all = messages().concat();
    for prf in [PrfHash::Sha256, PrfHash::Sha384] {
        for started_after in 0..=3 {
            let mut transcript = Transcript::new(1 << 16);
            for (i, message) in messages().iter().enumerate() {
                if i == started_after {
                    transcript.start(prf).unwrap();
                }
                transcript.add(message).unwrap();
            }
            if started_after == 3 {
                transcript.start(prf).unwrap();
            }
            let hash = transcript.current_hash().unwrap();
            assert_eq!(hash.as_ref(), hash_of(prf, &all), "{prf:?} {started_after}");
            assert_eq!(hash.as_ref().len(), prf.hash_len());
            assert_eq!(transcript.hash_algorithm(), Some(prf));
        }
    }
}

#[test]
fn current_hash_does_not_consume() {
    let [first, second, third] = <[Vec<u8>; 3]>::try_from(messages()).unwrap();
    let mut transcript = Transcript::new(1024);
    transcript.add(&first).unwrap();
    transcript.start(PrfHash::Sha256).unwrap();
    let once = transcript.current_hash().unwrap();
    let twice = transcript.current_hash().unwrap();
    assert_eq!(once.as_ref(), twice.as_ref());
    assert_eq!(once.as_ref(), hash_of(PrfHash::Sha256, &first));

    transcript.add(&second).unwrap();
    transcript.add(&third).unwrap();
    assert_eq!(
        transcript.current_hash().unwrap().as_ref(),
        hash_of(PrfHash::Sha256, &[first, second, third].concat())
    );
}

#[test]
fn hash_before_start_and_second_start_are_refused() {
    let mut transcript = Transcript::new(1024);
    transcript.add(b"\x01\x00\x00\x00").unwrap();
    assert_eq!(
        transcript.current_hash().unwrap_err(),
        TranscriptError::NotStarted
    );
    assert_eq!(transcript.hash_algorithm(), None);
    transcript.start(PrfHash::Sha384).unwrap();
    assert_eq!(
        transcript.start(PrfHash::Sha256).unwrap_err(),
        TranscriptError::AlreadyStarted
    );
    // The refused start changed nothing.
    assert_eq!(transcript.hash_algorithm(), Some(PrfHash::Sha384));
    assert_eq!(
        transcript.current_hash().unwrap().as_ref(),
        hash_of(PrfHash::Sha384, b"\x01\x00\x00\x00")
    );
}

#[test]
fn bound_on_buffered_bytes() {
    let mut transcript = Transcript::new(100);
    transcript.add(&[0; 60]).unwrap();
    assert_eq!(
        transcript.add(&[1; 41]).unwrap_err(),
        TranscriptError::TooLarge {
            limit: 100,
            attempted: 101
        }
    );
    // Nothing of the refused message was added; exactly the limit is fine.
    assert_eq!(transcript.messages().unwrap(), [0; 60]);
    transcript.add(&[2; 40]).unwrap();
    assert_eq!(transcript.messages().unwrap().len(), 100);
    assert!(transcript.add(&[3]).is_err());

    transcript.start(PrfHash::Sha256).unwrap();
    assert_eq!(
        transcript.current_hash().unwrap().as_ref(),
        hash_of(PrfHash::Sha256, &[[0; 60].as_slice(), &[2; 40]].concat())
    );
    // Once hashing without retention, nothing is kept, so nothing is bounded.
    transcript.add(&[4; 1000]).unwrap();
    assert_eq!(transcript.messages(), None);
}

#[test]
fn bound_applies_across_the_handshake_when_retaining() {
    let mut transcript = Transcript::retaining_messages(100);
    transcript.add(&[0; 50]).unwrap();
    transcript.start(PrfHash::Sha256).unwrap();
    transcript.add(&[1; 50]).unwrap();
    assert_eq!(
        transcript.add(&[2]).unwrap_err(),
        TranscriptError::TooLarge {
            limit: 100,
            attempted: 101
        }
    );
    // The refused message was not hashed either.
    assert_eq!(
        transcript.current_hash().unwrap().as_ref(),
        hash_of(PrfHash::Sha256, &[[0; 50].as_slice(), &[1; 50]].concat())
    );
}

#[test]
fn messages_are_released_at_start_unless_retained() {
    let all = messages().concat();

    let mut plain = Transcript::new(1024);
    for message in messages() {
        plain.add(&message).unwrap();
    }
    // Before the hash is chosen, the buffer is the transcript.
    assert_eq!(plain.messages(), Some(all.as_slice()));
    plain.start(PrfHash::Sha256).unwrap();
    assert_eq!(plain.messages(), None);

    let mut retaining = Transcript::retaining_messages(1024);
    let [first, rest @ ..] = <[Vec<u8>; 3]>::try_from(messages()).unwrap();
    retaining.add(&first).unwrap();
    retaining.start(PrfHash::Sha256).unwrap();
    for message in &rest {
        retaining.add(message).unwrap();
    }
    assert_eq!(retaining.messages(), Some(all.as_slice()));
    assert_eq!(
        retaining.current_hash().unwrap().as_ref(),
        hash_of(PrfHash::Sha256, &all)
    );
}

#[test]
fn retention_can_be_dropped() {
    let [first, second, third] = <[Vec<u8>; 3]>::try_from(messages()).unwrap();
    let mut transcript = Transcript::retaining_messages(1024);
    transcript.add(&first).unwrap();
    transcript.start(PrfHash::Sha384).unwrap();
    transcript.add(&second).unwrap();
    assert!(transcript.messages().is_some());
    transcript.discard_messages();
    assert_eq!(transcript.messages(), None);
    // The hash goes on, and the bound no longer applies to bytes not kept.
    transcript.add(&third).unwrap();
    transcript.add(&[9; 2048]).unwrap();
    assert_eq!(
        transcript.current_hash().unwrap().as_ref(),
        hash_of(
            PrfHash::Sha384,
            &[first, second, third, vec![9; 2048]].concat()
        )
    );
}

#[test]
fn discarding_before_start_keeps_what_start_needs() {
    let [first, second, _] = <[Vec<u8>; 3]>::try_from(messages()).unwrap();
    let mut transcript = Transcript::retaining_messages(1024);
    transcript.add(&first).unwrap();
    transcript.discard_messages();
    // Still needed to start the hash.
    assert_eq!(transcript.messages(), Some(first.as_slice()));
    transcript.start(PrfHash::Sha256).unwrap();
    assert_eq!(transcript.messages(), None);
    transcript.add(&second).unwrap();
    assert_eq!(
        transcript.current_hash().unwrap().as_ref(),
        hash_of(PrfHash::Sha256, &[first, second].concat())
    );
}

#[test]
fn debug_shows_sizes_not_bytes() {
    let mut transcript = Transcript::new(64);
    transcript.add(b"\x01\x00\x00\x02hi").unwrap();
    assert_eq!(
        format!("{transcript:?}"),
        "Transcript { hash: None, kept_len: 6, retain: false, max_kept: 64 }"
    );
}
