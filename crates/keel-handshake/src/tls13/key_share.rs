//! TLS 1.3 key shares (RFC 8446 §4.2.8) for keel's groups: the hybrid
//! X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem) and the (EC)DHE groups
//! X25519, secp256r1 and secp384r1.
//!
//! The client makes a [`ClientKeyShare`] per group it offers and, once the
//! ServerHello names one, completes that one with the server's share. The
//! server answers a client's share in one step with [`server_key_share`].
//! Both ends get the same [`SharedSecret`], the IKM of the Handshake Secret
//! ([`EarlySecret::into_handshake_secret`](super::EarlySecret::into_handshake_secret)).
//!
//! The (EC)DHE shares are those of TLS 1.2 (RFC 8446 §4.2.8.2: the raw
//! X25519 key, or the uncompressed point `04 || x || y`), and so are the
//! keys, made as for TLS 1.2 ECDHE from the configured [`Rng`]. The
//! ML-KEM half cannot be: aws-lc-rs 1.19 generates ML-KEM keys and encapsulates
//! only from aws-lc's own generator (its `kem` module takes no seed or
//! randomness, and the raw decapsulation key it accepts is the expanded
//! 2400-byte form, from which it will not give back the encapsulation key).
//! A test Rng therefore fixes the X25519 half of a hybrid share but not the
//! ML-KEM half: hybrid shares, their secrets and every secret after them
//! differ from run to run, and tests of X25519MLKEM768 check agreement and
//! lengths, not fixed bytes.

use aws_lc_rs::kem::{Ciphertext, DecapsulationKey, EncapsulationKey, ML_KEM_768};
use keel_wire::registry::NamedGroup;
use zeroize::Zeroizing;

use crate::error::{HandshakeError, IllegalParameter, Internal};
use crate::kx::EphemeralKey;
use crate::random::Rng;

/// The groups keel offers and accepts in TLS 1.3, in its default
/// preference order: the post-quantum hybrid first, then the TLS 1.2 curves.
pub const KEY_SHARE_GROUPS: [NamedGroup; 4] = [
    NamedGroup::X25519MLKEM768,
    NamedGroup::X25519,
    NamedGroup::SECP256R1,
    NamedGroup::SECP384R1,
];

/// ML-KEM-768's encapsulation key (FIPS 203 §8, Table 3: 384·k + 32).
pub const MLKEM768_ENCAPSULATION_KEY_LEN: usize = 1184;
/// ML-KEM-768's ciphertext (FIPS 203 §8, Table 3: 32·(du·k + dv)).
pub const MLKEM768_CIPHERTEXT_LEN: usize = 1088;
/// An X25519 public key (RFC 7748 §6.1).
pub const X25519_SHARE_LEN: usize = 32;
/// The client's X25519MLKEM768 share: encapsulation key, then X25519 key.
pub const HYBRID_CLIENT_SHARE_LEN: usize = MLKEM768_ENCAPSULATION_KEY_LEN + X25519_SHARE_LEN;
/// The server's X25519MLKEM768 share: ciphertext, then X25519 key.
pub const HYBRID_SERVER_SHARE_LEN: usize = MLKEM768_CIPHERTEXT_LEN + X25519_SHARE_LEN;

/// The shared secret of a key exchange: the (EC)DHE secret, or for
/// X25519MLKEM768 the ML-KEM shared secret followed by the X25519 one
/// (64 bytes). Zeroized on drop; `Debug` never shows it.
///
/// The (EC)DHE secret is the agreement's output as it is
/// (RFC 8446 §7.4.2): the NIST-curve x-coordinate at its full length,
/// leading zeros kept, and the X25519 output raw, an all-zero one having
/// been refused (see `kx::EphemeralKey::agree`).
pub struct SharedSecret(Zeroizing<Vec<u8>>);

impl SharedSecret {
    /// The secret, for the key schedule.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl core::fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SharedSecret")
            .field("len", &self.0.len())
            .finish_non_exhaustive()
    }
}

/// A client's key share for one group: its private half, kept until the
/// ServerHello, and the `key_exchange` bytes it sends.
pub struct ClientKeyShare {
    group: NamedGroup,
    public: Vec<u8>,
    private: ClientPrivate,
}

enum ClientPrivate {
    Ecdhe(EphemeralKey),
    Hybrid {
        mlkem: DecapsulationKey,
        x25519: EphemeralKey,
    },
}

impl ClientKeyShare {
    /// A fresh share for `group`, one of [`KEY_SHARE_GROUPS`]; another group
    /// is [`HandshakeError::NoSharedGroup`]. The (EC)DHE key (and the X25519
    /// half of a hybrid) comes from `rng`; the ML-KEM key from aws-lc's
    /// generator (see the module documentation).
    pub fn generate(group: NamedGroup, rng: &dyn Rng) -> Result<Self, HandshakeError> {
        if group == NamedGroup::X25519MLKEM768 {
            let mlkem = DecapsulationKey::generate(&ML_KEM_768).map_err(|_| key_generation())?;
            let x25519 = EphemeralKey::generate(NamedGroup::X25519, rng)?;
            let encapsulation_key = mlkem
                .encapsulation_key()
                .and_then(|key| key.key_bytes())
                .map_err(|_| key_generation())?;
            // draft-ietf-tls-ecdhe-mlkem: "the client's share is the
            // concatenation of the ML-KEM encapsulation key and the X25519
            // ephemeral share", ML-KEM first for X25519MLKEM768.
            let mut public = Vec::with_capacity(HYBRID_CLIENT_SHARE_LEN);
            public.extend_from_slice(encapsulation_key.as_ref());
            public.extend_from_slice(x25519.public());
            Ok(Self {
                group,
                public,
                private: ClientPrivate::Hybrid { mlkem, x25519 },
            })
        } else {
            let key = EphemeralKey::generate(group, rng)?;
            Ok(Self {
                group,
                public: key.public().to_vec(),
                private: ClientPrivate::Ecdhe(key),
            })
        }
    }

    /// The group of this share.
    #[must_use]
    pub fn group(&self) -> NamedGroup {
        self.group
    }

    /// The `key_exchange` bytes of the KeyShareEntry (RFC 8446 §4.2.8).
    #[must_use]
    pub fn public(&self) -> &[u8] {
        &self.public
    }

    /// The shared secret, from the server's `key_exchange` for this group.
    /// A share of the wrong length, an invalid point, or an X25519 result of
    /// all zeros is illegal_parameter (RFC 8446 §4.2.8.2; RFC 7748 §6.1;
    /// draft-ietf-tls-ecdhe-mlkem: the ciphertext length is checked).
    pub fn complete(self, server_share: &[u8]) -> Result<SharedSecret, HandshakeError> {
        match self.private {
            ClientPrivate::Ecdhe(key) => key.agree(server_share).map(SharedSecret),
            ClientPrivate::Hybrid { mlkem, x25519 } => {
                let (ciphertext, x25519_share) = split_exact(
                    server_share,
                    MLKEM768_CIPHERTEXT_LEN,
                    HYBRID_SERVER_SHARE_LEN,
                )?;
                // ML-KEM decapsulation rejects implicitly (FIPS 203 §6.3):
                // a tampered ciphertext gives an unrelated secret, and the
                // handshake fails at the server's Finished. It fails
                // outright only on a ciphertext of the wrong length, which
                // split_exact has ruled out.
                let mlkem_secret = mlkem
                    .decapsulate(Ciphertext::from(ciphertext))
                    .map_err(|_| bad_share())?;
                let x25519_secret = x25519.agree(x25519_share)?;
                Ok(hybrid_secret(mlkem_secret.as_ref(), &x25519_secret))
            }
        }
    }
}

impl core::fmt::Debug for ClientKeyShare {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientKeyShare")
            .field("group", &self.group)
            .finish_non_exhaustive()
    }
}

/// The server's side of a key exchange: from the client's `key_exchange`
/// for `group`, the server's `key_exchange` and the shared secret.
///
/// For X25519MLKEM768 the server encapsulates to the client's ML-KEM key
/// (aws-lc-rs makes FIPS 203 §7.2's modulus check as it encapsulates; a
/// malformed key is illegal_parameter) and answers with the ciphertext
/// followed by its own X25519 share (draft-ietf-tls-ecdhe-mlkem). The
/// share's length and its ML-KEM key are checked before keel makes its
/// X25519 key. For the (EC)DHE groups it is TLS 1.2's exchange with a key
/// from `rng`.
pub fn server_key_share(
    group: NamedGroup,
    client_share: &[u8],
    rng: &dyn Rng,
) -> Result<(Vec<u8>, SharedSecret), HandshakeError> {
    if group == NamedGroup::X25519MLKEM768 {
        let (encapsulation_key, x25519_share) = split_exact(
            client_share,
            MLKEM768_ENCAPSULATION_KEY_LEN,
            HYBRID_CLIENT_SHARE_LEN,
        )?;
        // draft-ietf-tls-ecdhe-mlkem: the server MUST check the client's
        // encapsulation key (FIPS 203 §7.2, the modulus check) and abort
        // with illegal_parameter if it fails. aws-lc-rs 1.19 makes the
        // check when encapsulating, not when taking the bytes, so either
        // step refusing is the peer's key. The peer's share is judged
        // whole before keel makes a key of its own.
        let (ciphertext, mlkem_secret) = EncapsulationKey::new(&ML_KEM_768, encapsulation_key)
            .ok()
            .and_then(|key| key.encapsulate().ok())
            .ok_or_else(bad_share)?;
        let x25519 = EphemeralKey::generate(NamedGroup::X25519, rng)?;
        let mut server_share = Vec::with_capacity(HYBRID_SERVER_SHARE_LEN);
        server_share.extend_from_slice(ciphertext.as_ref());
        server_share.extend_from_slice(x25519.public());
        let x25519_secret = x25519.agree(x25519_share)?;
        Ok((
            server_share,
            hybrid_secret(mlkem_secret.as_ref(), &x25519_secret),
        ))
    } else {
        let key = EphemeralKey::generate(group, rng)?;
        let server_share = key.public().to_vec();
        let secret = key.agree(client_share)?;
        Ok((server_share, SharedSecret(secret)))
    }
}

/// draft-ietf-tls-ecdhe-mlkem: the shared secret is the ML-KEM shared
/// secret followed by the X25519 one, for X25519MLKEM768 (ML-KEM first).
fn hybrid_secret(mlkem: &[u8], x25519: &[u8]) -> SharedSecret {
    let mut secret = Zeroizing::new(Vec::with_capacity(mlkem.len() + x25519.len()));
    secret.extend_from_slice(mlkem);
    secret.extend_from_slice(x25519);
    SharedSecret(secret)
}

/// `share` cut at `at`, if it is exactly `len` bytes long.
fn split_exact(share: &[u8], at: usize, len: usize) -> Result<(&[u8], &[u8]), HandshakeError> {
    share
        .split_at_checked(at)
        .filter(|_| share.len() == len)
        .ok_or_else(bad_share)
}

fn bad_share() -> HandshakeError {
    HandshakeError::IllegalParameter {
        reason: IllegalParameter::BadKeySharePoint,
    }
}

fn key_generation() -> HandshakeError {
    HandshakeError::Internal {
        reason: Internal::KeyGeneration,
    }
}
