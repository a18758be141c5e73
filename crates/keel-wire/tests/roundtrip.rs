//! Round trips, both ways, for every message type:
//! `decode(encode(m)) == m` for every message `m` the strategies build, and
//! `encode(decode(b)) == b` for every input `b` the decoder accepts
//! (probed with mutated encodings), and no input makes a decoder panic.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use keel_wire::handshake::{
    Certificate, CertificateRequest, CertificateStatus, CertificateVerify, ClientHello,
    ClientKeyExchange, Finished, HelloRequest, NewSessionTicket, ServerHello, ServerHelloDone,
    ServerKeyExchange,
};
use keel_wire::{Alert, ChangeCipherSpec, Codec, HandshakeMessage};
use proptest::prelude::*;

/// `decode(encode(m)) == m`, and the bytes survive a second trip.
fn round_trip<T: Codec + PartialEq + std::fmt::Debug>(message: &T) -> Result<(), TestCaseError> {
    let bytes = message
        .encode()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let decoded = T::decode(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&decoded, message);
    prop_assert_eq!(decoded.encode().unwrap(), bytes);
    Ok(())
}

/// If the decoder accepts `bytes`, re-encoding gives exactly `bytes`.
fn accepted_rebuilds<T: Codec + std::fmt::Debug>(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(message) = T::decode(bytes) {
        let rebuilt = message
            .encode()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(rebuilt, bytes, "accepted {:?}", message);
    }
    Ok(())
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, bit: u8 },
    Set { at: usize, value: u8 },
    Truncate { at: usize },
    Insert { at: usize, value: u8 },
    Remove { at: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, value)| Mutation::Set { at, value }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, value)| Mutation::Insert { at, value }),
        any::<usize>().prop_map(|at| Mutation::Remove { at }),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len();
        match *m {
            Mutation::Flip { at, bit } if len > 0 => bytes[at % len] ^= 1 << bit,
            Mutation::Set { at, value } if len > 0 => bytes[at % len] = value,
            Mutation::Truncate { at } => bytes.truncate(at % (len + 1)),
            Mutation::Insert { at, value } => bytes.insert(at % (len + 1), value),
            Mutation::Remove { at } if len > 0 => {
                bytes.remove(at % len);
            }
            _ => {}
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn client_hello_round_trips(m in client_hello()) { round_trip(&m)?; }

    #[test]
    fn server_hello_round_trips(m in server_hello()) { round_trip(&m)?; }

    #[test]
    fn certificate_round_trips(m in certificate()) { round_trip(&m)?; }

    #[test]
    fn certificate_request_round_trips(m in certificate_request()) { round_trip(&m)?; }

    #[test]
    fn server_key_exchange_round_trips(m in server_key_exchange()) { round_trip(&m)?; }

    #[test]
    fn alert_round_trips(m in alert()) { round_trip(&m)?; }

    #[test]
    fn handshake_message_round_trips(m in handshake_message()) { round_trip(&m)?; }

    #[test]
    fn framed_body_matches_standalone_body(m in handshake_message()) {
        // The 4-byte header frames exactly the standalone encoding.
        let framed = m.encode().unwrap();
        let body = &framed[4..];
        prop_assert_eq!(framed[0], m.handshake_type().get());
        prop_assert_eq!(
            usize::from(framed[1]) << 16 | usize::from(framed[2]) << 8 | usize::from(framed[3]),
            body.len()
        );
        prop_assert_eq!(HandshakeMessage::decode_body(m.handshake_type(), body).unwrap(), m);
    }

    #[test]
    fn accepted_mutants_rebuild_exactly(
        m in handshake_message(),
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let bytes = mutate(m.encode().unwrap(), &mutations);
        accepted_rebuilds::<HandshakeMessage>(&bytes)?;
        accepted_rebuilds::<ClientHello>(bytes.get(4..).unwrap_or_default())?;
        accepted_rebuilds::<ServerHello>(bytes.get(4..).unwrap_or_default())?;
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_accepted_ones_rebuild(
        bytes in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        accepted_rebuilds::<HandshakeMessage>(&bytes)?;
        accepted_rebuilds::<ClientHello>(&bytes)?;
        accepted_rebuilds::<ServerHello>(&bytes)?;
        accepted_rebuilds::<Certificate>(&bytes)?;
        accepted_rebuilds::<CertificateRequest>(&bytes)?;
        accepted_rebuilds::<CertificateVerify>(&bytes)?;
        accepted_rebuilds::<CertificateStatus>(&bytes)?;
        accepted_rebuilds::<ServerKeyExchange>(&bytes)?;
        accepted_rebuilds::<ClientKeyExchange>(&bytes)?;
        accepted_rebuilds::<NewSessionTicket>(&bytes)?;
        accepted_rebuilds::<Finished>(&bytes)?;
        accepted_rebuilds::<HelloRequest>(&bytes)?;
        accepted_rebuilds::<ServerHelloDone>(&bytes)?;
        accepted_rebuilds::<Alert>(&bytes)?;
        accepted_rebuilds::<ChangeCipherSpec>(&bytes)?;
    }
}
