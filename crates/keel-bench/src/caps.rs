//! What the cryptography alone allows on this machine: aws-lc-rs called
//! directly, with no TLS around it, for the operations a full handshake
//! cannot avoid and for one 16 KiB record. The goals are stated
//! against these: full handshakes at >= 90 % of the crypto cap, bulk data
//! at >= 0.9 of the raw cipher.
//!
//! A full handshake's cap counts its public-key operations only, as the
//! issue does ("one signature, one key agreement"): the server signs its
//! ServerKeyExchange and does one X25519 exchange (a key pair and an
//! agreement); the client verifies two signatures (the leaf's, by the
//! root, which is ECDSA P-256 for both leaves here, and the
//! ServerKeyExchange's, by the leaf's key) and does one X25519 exchange.
//! Hashing, the PRF and the record keys are left out, so no TLS stack can
//! reach a cap; the gap to it is what the protocol costs.

use std::hint::black_box;
use std::time::{Duration, Instant};

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::agreement::{self, EphemeralPrivateKey, UnparsedPublicKey as PeerPublic, X25519};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    self, ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair, ParsedPublicKey, RsaKeyPair,
};

use crate::pki::pki;
use crate::scenario::Aead;

/// One record's worth of plaintext.
const RECORD: usize = 16 * 1024;

/// Seconds per operation: the fastest of five samples of `budget / 5`.
/// A cap is an upper bound, so the best sample is the right one (the
/// machine's noise only ever slows an operation down); it also makes the
/// caps steadier from run to run than a single sample was (+-10 %).
fn seconds_per(budget: Duration, mut op: impl FnMut()) -> f64 {
    // A few runs first, so that lazily built tables are built.
    for _ in 0..10 {
        op();
    }
    let sample = budget / 5;
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed() < sample {
            for _ in 0..10 {
                op();
            }
            n += 10;
        }
        best = best.min(start.elapsed().as_secs_f64() / n as f64);
    }
    best
}

/// The caps, per second.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    /// Full handshakes, ECDSA P-256 server / client.
    pub ecdsa_server: f64,
    /// See `ecdsa_server`.
    pub ecdsa_client: f64,
    /// Full handshakes, RSA-2048 server / client.
    pub rsa_server: f64,
    /// See `rsa_server`.
    pub rsa_client: f64,
    /// MB/s sealing and opening one 16 KiB record in place, per AEAD in
    /// the order of [`Aead::ALL`].
    pub seal: [f64; 3],
    /// See `seal`.
    pub open: [f64; 3],
}

/// Measures every cap, each operation for `budget`.
///
/// # Panics
///
/// If aws-lc-rs refuses the benchmark's own keys (a broken build).
#[must_use]
#[allow(clippy::expect_used)]
pub fn measure(budget: Duration) -> Caps {
    let rng = SystemRandom::new();
    let message = [0x42u8; 100];

    let ecdsa = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &pki().ecdsa.key)
        .expect("ECDSA leaf key");
    let ecdsa_signature = ecdsa.sign(&rng, &message).expect("ECDSA signature");
    let ecdsa_public = ParsedPublicKey::new(
        &signature::ECDSA_P256_SHA256_ASN1,
        ecdsa.public_key().as_ref(),
    )
    .expect("ECDSA public key");
    let rsa = RsaKeyPair::from_pkcs8(&pki().rsa.key).expect("RSA leaf key");
    let mut rsa_signature = vec![0u8; rsa.public_modulus_len()];
    rsa.sign(
        &signature::RSA_PKCS1_SHA256,
        &rng,
        &message,
        &mut rsa_signature,
    )
    .expect("RSA signature");
    let rsa_public = ParsedPublicKey::new(
        &signature::RSA_PKCS1_2048_8192_SHA256,
        rsa.public_key().as_ref(),
    )
    .expect("RSA public key");
    let peer = EphemeralPrivateKey::generate(&X25519, &rng)
        .and_then(|k| k.compute_public_key())
        .expect("X25519 key");
    let peer = peer.as_ref().to_vec();

    let ecdsa_sign = seconds_per(budget, || {
        black_box(ecdsa.sign(&rng, &message).expect("sign"));
    });
    let ecdsa_verify = seconds_per(budget, || {
        ecdsa_public
            .verify_sig(&message, ecdsa_signature.as_ref())
            .expect("verify");
    });
    let mut out = vec![0u8; rsa.public_modulus_len()];
    let rsa_sign = seconds_per(budget, || {
        rsa.sign(&signature::RSA_PKCS1_SHA256, &rng, &message, &mut out)
            .expect("sign");
    });
    let rsa_verify = seconds_per(budget, || {
        rsa_public
            .verify_sig(&message, &rsa_signature)
            .expect("verify");
    });
    // One side's X25519 exchange: a key pair, its public key to send, the
    // agreement with the peer's.
    let x25519 = seconds_per(budget, || {
        let key = EphemeralPrivateKey::generate(&X25519, &rng).expect("key");
        black_box(key.compute_public_key().expect("public"));
        agreement::agree_ephemeral(key, PeerPublic::new(&X25519, &peer), (), |secret| {
            black_box(secret.len());
            Ok(())
        })
        .expect("agree");
    });

    let mut seal = [0.0; 3];
    let mut open = [0.0; 3];
    for (i, aead) in Aead::ALL.into_iter().enumerate() {
        let (s, o) = record_cipher(aead, budget);
        if let (Some(s_slot), Some(o_slot)) = (seal.get_mut(i), open.get_mut(i)) {
            *s_slot = s;
            *o_slot = o;
        }
    }

    Caps {
        ecdsa_server: 1.0 / (ecdsa_sign + x25519),
        ecdsa_client: 1.0 / (2.0 * ecdsa_verify + x25519),
        rsa_server: 1.0 / (rsa_sign + x25519),
        rsa_client: 1.0 / (rsa_verify + ecdsa_verify + x25519),
        seal,
        open,
    }
}

/// MB/s sealing and opening one record in place with the bare AEAD.
#[allow(clippy::expect_used)]
fn record_cipher(aead: Aead, budget: Duration) -> (f64, f64) {
    let algorithm = match aead {
        Aead::Aes128Gcm => &aws_lc_rs::aead::AES_128_GCM,
        Aead::Aes256Gcm => &aws_lc_rs::aead::AES_256_GCM,
        Aead::ChaCha20Poly1305 => &aws_lc_rs::aead::CHACHA20_POLY1305,
    };
    let key = vec![7u8; algorithm.key_len()];
    let key = LessSafeKey::new(UnboundKey::new(algorithm, &key).expect("AEAD key"));
    let mut buf = vec![0x5au8; RECORD];
    let mut counter = 0u64;
    let seal = seconds_per(budget, || {
        counter += 1;
        let mut nonce = [0u8; 12];
        nonce
            .get_mut(4..)
            .unwrap_or_default()
            .copy_from_slice(&counter.to_be_bytes());
        let tag = key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from([0u8; 13]),
                &mut buf,
            )
            .expect("seal");
        black_box(tag.as_ref());
    });
    // Opening needs a sealed record each time, and opening in place
    // consumes it: time sealing and opening together, then take the
    // sealing off (a benchmark may reuse a nonce; nothing here is secret).
    let nonce = [1u8; 12];
    let mut record = vec![0x5au8; RECORD + 16];
    let seal_and_open = seconds_per(budget, || {
        let (plaintext, tag_out) = record.split_at_mut(RECORD);
        let tag = key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from([0u8; 13]),
                plaintext,
            )
            .expect("seal");
        tag_out.copy_from_slice(tag.as_ref());
        black_box(
            key.open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from([0u8; 13]),
                &mut record,
            )
            .expect("open")
            .len(),
        );
    });
    let open = (seal_and_open - seal).max(1e-12);
    let mb = RECORD as f64 / 1e6;
    (mb / seal, mb / open)
}
