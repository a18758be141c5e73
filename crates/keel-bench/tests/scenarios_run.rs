//! Every scenario of `keel-bench compare` runs for both libraries and does
//! what it claims: handshakes complete (resumed ones really resume, which
//! `handshake` asserts), bulk data arrives whole through each API, and
//! both sides' time is counted.

#![allow(clippy::unwrap_used, clippy::panic)]

use keel_bench::pki::KeyKind;
use keel_bench::scenario::{Aead, Api, Resumption};
use keel_bench::{keel_side, rustls_side};

#[test]
fn handshake_scenarios_complete_for_both_libraries() {
    for kind in [KeyKind::EcdsaP256, KeyKind::Rsa2048] {
        let split = keel_side::handshake(&keel_side::configs(kind, Aead::Aes128Gcm, None), false);
        assert!(!split.client.is_zero() && !split.server.is_zero());
        let split =
            rustls_side::handshake(&rustls_side::configs(kind, Aead::Aes128Gcm, None), false);
        assert!(!split.client.is_zero() && !split.server.is_zero());
    }
    for by in [Resumption::SessionId, Resumption::Ticket] {
        let keel = keel_side::configs(KeyKind::EcdsaP256, Aead::Aes128Gcm, Some(by));
        keel_side::handshake(&keel, false);
        keel_side::handshake(&keel, true);
        keel_side::handshake(&keel, true);
        let rustls = rustls_side::configs(KeyKind::EcdsaP256, Aead::Aes128Gcm, Some(by));
        rustls_side::handshake(&rustls, false);
        rustls_side::handshake(&rustls, true);
        rustls_side::handshake(&rustls, true);
    }
}

#[test]
fn bulk_data_arrives_through_every_api() {
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    for aead in Aead::ALL {
        for api in [Api::Buffered, Api::ZeroCopy] {
            let mut pair = keel_side::Bulk::new(aead, api);
            // `once` asserts the byte count; twice, so sequence numbers move.
            pair.once(&data);
            pair.once(&data);
        }
        let mut pair = rustls_side::Bulk::new(aead);
        pair.once(&data);
        pair.once(&data);
    }
}
