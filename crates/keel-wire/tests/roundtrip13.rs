//! Round trips for TLS 1.3's messages, read as TLS 1.3 defines them:
//! `decode_in(1.3, encode(m)) == m` for every message the strategies
//! build, `encode(decode_in(1.3, b)) == b` for every accepted input, and no
//! input makes a decoder panic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::tls13::*;
use keel_wire::handshake::{
    Certificate13, CertificateRequest13, EncryptedExtensions, EndOfEarlyData, Finished13,
    HelloRetryRequest, KeyUpdate, NewSessionTicket13,
};
use keel_wire::registry::ProtocolVersion;
use keel_wire::{Codec, HandshakeMessage};
use proptest::prelude::*;

const TLS13: ProtocolVersion = ProtocolVersion::TLS_V1_3;

fn round_trip(message: &HandshakeMessage) -> Result<(), TestCaseError> {
    let bytes = message
        .encode()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let decoded = HandshakeMessage::decode_in(TLS13, &bytes)
        .map_err(|e| TestCaseError::fail(format!("{e} in {message:?}")))?;
    prop_assert_eq!(&decoded, message);
    prop_assert_eq!(decoded.encode().unwrap(), bytes);
    Ok(())
}

fn accepted_rebuilds<T: Codec + std::fmt::Debug>(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(message) = T::decode(bytes) {
        prop_assert_eq!(message.encode().unwrap(), bytes, "accepted {:?}", message);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn tls13_messages_round_trip(m in handshake_message13()) { round_trip(&m)?; }

    #[test]
    fn tls13_framed_body_matches_standalone_body(m in handshake_message13()) {
        let framed = m.encode().unwrap();
        prop_assert_eq!(framed[0], m.handshake_type().get());
        prop_assert_eq!(
            HandshakeMessage::decode_body_in(TLS13, m.handshake_type(), &framed[4..]).unwrap(),
            m
        );
    }

    #[test]
    fn tls13_accepted_mutants_rebuild_exactly(
        m in handshake_message13(),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..4),
    ) {
        let mut bytes = m.encode().unwrap();
        for (at, value) in flips {
            let len = bytes.len();
            bytes[at % len] = value;
        }
        if let Ok(message) = HandshakeMessage::decode_in(TLS13, &bytes) {
            prop_assert_eq!(message.encode().unwrap(), bytes);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_in_tls13_decoders(
        bytes in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        if let Ok(message) = HandshakeMessage::decode_in(TLS13, &bytes) {
            prop_assert_eq!(message.encode().unwrap(), bytes.clone());
        }
        accepted_rebuilds::<HelloRetryRequest>(&bytes)?;
        accepted_rebuilds::<EncryptedExtensions>(&bytes)?;
        accepted_rebuilds::<Certificate13>(&bytes)?;
        accepted_rebuilds::<CertificateRequest13>(&bytes)?;
        accepted_rebuilds::<NewSessionTicket13>(&bytes)?;
        accepted_rebuilds::<Finished13>(&bytes)?;
        accepted_rebuilds::<KeyUpdate>(&bytes)?;
        accepted_rebuilds::<EndOfEarlyData>(&bytes)?;
    }
}
