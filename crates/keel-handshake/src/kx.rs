//! ECDHE (RFC 8422): ephemeral keys from the configured RNG, and the key
//! agreement, through aws-lc-rs.

use aws_lc_rs::agreement::{self, ECDH_P256, ECDH_P384, PrivateKey, UnparsedPublicKey, X25519};
use keel_wire::registry::NamedGroup;
use zeroize::Zeroizing;

use crate::error::{HandshakeError, IllegalParameter, Internal};
use crate::random::Rng;

/// The groups keel implements, in its default preference order: named
/// curves only (RFC 8422 §5.9 recommends the ANSI X9.62, FIPS 186-4 and
/// SEC 2 curves, and RFC 8032's).
pub const GROUPS: [NamedGroup; 3] = [
    NamedGroup::X25519,
    NamedGroup::SECP256R1,
    NamedGroup::SECP384R1,
];

/// An ephemeral key pair for one handshake.
pub(crate) struct EphemeralKey {
    group: NamedGroup,
    private: PrivateKey,
    public: Vec<u8>,
}

impl core::fmt::Debug for EphemeralKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EphemeralKey")
            .field("group", &self.group)
            .finish_non_exhaustive()
    }
}

fn algorithm(group: NamedGroup) -> Option<(&'static agreement::Algorithm, usize, usize)> {
    // (algorithm, private scalar length, encoded public key length)
    match group {
        NamedGroup::X25519 => Some((&X25519, 32, 32)),
        // RFC 8422 §5.4.1: uncompressed points only, 0x04 || x || y.
        // RFC 8422 §5.1.2: uncompressed is supported for every curve, and
        // no other format (RFC 8422 §5.2: whatever the server lists).
        NamedGroup::SECP256R1 => Some((&ECDH_P256, 32, 65)),
        NamedGroup::SECP384R1 => Some((&ECDH_P384, 48, 97)),
        _ => None,
    }
}

impl EphemeralKey {
    /// Generates a key for `group` from the configured RNG. A NIST-curve
    /// scalar outside the group order is drawn again (probability below
    /// 2^-32 per draw).
    pub(crate) fn generate(group: NamedGroup, rng: &dyn Rng) -> Result<Self, HandshakeError> {
        let (alg, scalar_len, _) = algorithm(group).ok_or(HandshakeError::NoSharedGroup)?;
        for _ in 0..8 {
            let mut scalar = Zeroizing::new(vec![0u8; scalar_len]);
            rng.fill(&mut scalar)
                .map_err(|_| HandshakeError::Internal {
                    reason: Internal::RandomSource,
                })?;
            if let Ok(private) = PrivateKey::from_private_key(alg, &scalar) {
                let public = private
                    .compute_public_key()
                    .map_err(|_| HandshakeError::Internal {
                        reason: Internal::KeyGeneration,
                    })?
                    .as_ref()
                    .to_vec();
                return Ok(Self {
                    group,
                    private,
                    public,
                });
            }
        }
        Err(HandshakeError::Internal {
            reason: Internal::KeyGeneration,
        })
    }

    pub(crate) fn public(&self) -> &[u8] {
        &self.public
    }

    /// The pre-master secret with the peer's public key. The point must be
    /// the exact encoding for the group (uncompressed for the NIST curves);
    /// aws-lc-rs checks that it is on the curve and that an X25519 result
    /// is not all zeros (RFC 8422 §5.11: the peer's NIST-curve key is
    /// validated, an all-zero X25519 secret aborts; RFC 8422 §5.10: the
    /// NIST-curve secret is the whole x-coordinate, leading zeros kept, and
    /// an all-zero X25519 result ends the handshake). The ECPoint holds
    /// only these ephemeral ECDH keys, never an EdDSA key (RFC 8422 §5.4).
    ///
    /// TLS 1.3's key shares use this too, and RFC 8446 §7.4.2 asks the
    /// same: X25519 computed as RFC 7748 does it (aws-lc-rs's), its output
    /// used raw and refused when all zeros, the NIST-curve secret the whole
    /// fixed-length x-coordinate. The secret is returned exactly as
    /// aws-lc-rs gives it, never trimmed.
    pub(crate) fn agree(self, peer: &[u8]) -> Result<Zeroizing<Vec<u8>>, HandshakeError> {
        let bad_point = HandshakeError::IllegalParameter {
            reason: IllegalParameter::BadKeySharePoint,
        };
        let (alg, _, public_len) = algorithm(self.group).ok_or(HandshakeError::NoSharedGroup)?;
        let uncompressed = self.group == NamedGroup::X25519 || peer.first() == Some(&0x04);
        if peer.len() != public_len || !uncompressed {
            return Err(bad_point);
        }
        agreement::agree(
            &self.private,
            UnparsedPublicKey::new(alg, peer),
            bad_point,
            |secret| Ok(Zeroizing::new(secret.to_vec())),
        )
    }
}

/// Whether keel implements `group`.
pub(crate) fn is_supported(group: NamedGroup) -> bool {
    algorithm(group).is_some()
}
