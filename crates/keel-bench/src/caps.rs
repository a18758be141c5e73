//! What the cryptography alone allows on this machine: aws-lc-rs called
//! directly, with no TLS around it, for the operations a full handshake
//! cannot avoid and for one 16 KiB record. The goals are stated
//! against these: full handshakes at >= 90 % of the crypto cap, bulk data
//! at >= 0.9 of the raw cipher.
//!
//! A full handshake's cap counts its public-key operations only, as the
//! issue does ("one signature, one key agreement"): the server makes one
//! signature (TLS 1.2's ServerKeyExchange, TLS 1.3's CertificateVerify;
//! with the RSA leaf, rsa_pss_rsae_sha512 in both versions, the first
//! choice of both libraries) and one X25519 exchange (a key pair and an
//! agreement); the client verifies two signatures (the leaf's, by the
//! root, which is ECDSA P-256 for both leaves here, and the server's, by
//! the leaf's key) and does one X25519 exchange. With X25519MLKEM768
//! (TLS 1.3), the server also encapsulates to the client's ML-KEM-768
//! key, and the client makes that key and decapsulates. Hashing, the key
//! schedule and the record keys are left out, so no TLS stack can reach a
//! cap; the gap to it is what the protocol costs. Resumed handshakes have
//! no cap.

use std::hint::black_box;
use std::time::{Duration, Instant};

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::agreement::{self, EphemeralPrivateKey, UnparsedPublicKey as PeerPublic, X25519};
use aws_lc_rs::kem::{Ciphertext, DecapsulationKey, EncapsulationKey, ML_KEM_768};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    self, ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair, ParsedPublicKey, RsaKeyPair,
};

use crate::pki::{KeyKind, pki};
use crate::scenario::{Aead, Group, Setup};

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

/// What each operation costs alone, and the caps made from them.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    /// Seconds per ECDSA P-256 signature.
    ecdsa_sign: f64,
    /// Seconds per ECDSA P-256 verification.
    ecdsa_verify: f64,
    /// Seconds per RSA-2048 PSS signature (SHA-512).
    rsa_sign: f64,
    /// Seconds per RSA-2048 PSS verification (SHA-512).
    rsa_verify: f64,
    /// Seconds per X25519 exchange (key pair, public key, agreement).
    x25519: f64,
    /// Seconds per ML-KEM-768 encapsulation to a peer's key (the server's
    /// half of the hybrid).
    mlkem_encapsulate: f64,
    /// Seconds per ML-KEM-768 key pair, its public key and one
    /// decapsulation (the client's half).
    mlkem_decapsulate: f64,
    /// MB/s sealing one 16 KiB record in place, per AEAD in the order of
    /// [`Aead::ALL`].
    pub seal: [f64; 3],
    /// MB/s opening one, the same way.
    pub open: [f64; 3],
}

impl Caps {
    /// The full handshakes per second the public-key operations allow
    /// under `setup`, (client, server); `None` for a resumed handshake.
    #[must_use]
    pub fn handshake(&self, setup: Setup) -> Option<(f64, f64)> {
        if setup.resumption.is_some() {
            return None;
        }
        let (server_sign, server_verify) = match setup.key {
            KeyKind::EcdsaP256 => (self.ecdsa_sign, self.ecdsa_verify),
            KeyKind::Rsa2048 => (self.rsa_sign, self.rsa_verify),
        };
        let (client_kx, server_kx) = match setup.group {
            Group::X25519 => (self.x25519, self.x25519),
            Group::X25519MlKem768 => (
                self.x25519 + self.mlkem_decapsulate,
                self.x25519 + self.mlkem_encapsulate,
            ),
        };
        // The root is ECDSA P-256 whatever the leaf.
        let client = self.ecdsa_verify + server_verify + client_kx;
        let server = server_sign + server_kx;
        Some((1.0 / client, 1.0 / server))
    }

    /// MB/s sealing (`send`) or opening one record with `aead` alone.
    #[must_use]
    pub fn record(&self, aead: Aead, send: bool) -> Option<f64> {
        let i = Aead::ALL.iter().position(|a| *a == aead)?;
        if send {
            self.seal.get(i).copied()
        } else {
            self.open.get(i).copied()
        }
    }
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
        &signature::RSA_PSS_SHA512,
        &rng,
        &message,
        &mut rsa_signature,
    )
    .expect("RSA signature");
    let rsa_public = ParsedPublicKey::new(
        &signature::RSA_PSS_2048_8192_SHA512,
        rsa.public_key().as_ref(),
    )
    .expect("RSA public key");
    let peer = EphemeralPrivateKey::generate(&X25519, &rng)
        .and_then(|k| k.compute_public_key())
        .expect("X25519 key");
    let peer = peer.as_ref().to_vec();
    let mlkem_peer = DecapsulationKey::generate(&ML_KEM_768)
        .and_then(|k| k.encapsulation_key())
        .and_then(|k| k.key_bytes())
        .expect("ML-KEM key");
    let mlkem_peer = mlkem_peer.as_ref().to_vec();

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
        rsa.sign(&signature::RSA_PSS_SHA512, &rng, &message, &mut out)
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
    // The server's ML-KEM half: take the client's key, encapsulate.
    let mlkem_encapsulate = seconds_per(budget, || {
        let key = EncapsulationKey::new(&ML_KEM_768, &mlkem_peer).expect("ML-KEM key");
        black_box(key.encapsulate().expect("encapsulate"));
    });
    // The client's: a key pair, its public key to send, one
    // decapsulation. The ciphertext was made for another key: ML-KEM
    // decapsulates in constant time, a mismatch included (FIPS 203's
    // implicit rejection), so it costs what the server's would.
    let (ciphertext, _) = EncapsulationKey::new(&ML_KEM_768, &mlkem_peer)
        .expect("ML-KEM key")
        .encapsulate()
        .expect("encapsulate");
    let mlkem_decapsulate = seconds_per(budget, || {
        let key = DecapsulationKey::generate(&ML_KEM_768).expect("ML-KEM key");
        black_box(
            key.encapsulation_key()
                .and_then(|k| k.key_bytes())
                .expect("public"),
        );
        black_box(
            key.decapsulate(Ciphertext::from(ciphertext.as_ref()))
                .expect("decapsulate"),
        );
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
        ecdsa_sign,
        ecdsa_verify,
        rsa_sign,
        rsa_verify,
        x25519,
        mlkem_encapsulate,
        mlkem_decapsulate,
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
