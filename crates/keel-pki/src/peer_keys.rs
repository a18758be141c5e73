//! Peers' public keys, parsed once per leaf rather than in every handshake.
//!
//! A client connecting again to the same server (or a server seeing the
//! same client certificate) checks a fresh signature with the same key
//! each time. Parsing that key from the certificate — the certificate with
//! x509-parser, then the key into aws-lc, and for RSA the Montgomery
//! constants aws-lc derives on first use — was 3 % of a client's full
//! RSA-2048 handshake. The signature itself is checked on every call.

use std::sync::Arc;

use aws_lc_rs::signature::ParsedPublicKey;
use keel_wire::registry::{NamedGroup, SignatureScheme};
use rustls_pki_types::CertificateDer;

use crate::load_error::SignError;
use crate::load_reasons::PeerKeyProblem;
use crate::recent::Recent;
use crate::signature::{check_tls13_scheme, peer_key, verify_with};
use crate::signing::PublicKeyType;

/// The parsed keys of the last few peers' leaves, by the leaf's exact
/// bytes and the signature scheme, and what each leaf allows its key to be
/// used for. Shared by the connections of one configuration; bounded,
/// oldest first out.
#[derive(Default)]
pub struct PeerKeys {
    /// By exact leaf bytes and scheme.
    entries: Recent<(Vec<u8>, SignatureScheme), Arc<ParsedPublicKey>>,
    /// By exact leaf bytes.
    uses: Recent<Vec<u8>, LeafKeyUse>,
}

/// What a peer's leaf certificate says about the key it carries, for the
/// handshake's own checks (which run whatever verifier is installed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeafKeyUse {
    /// The curve of an ECDSA key, as a TLS group; `None` for other keys
    /// (and for curves keel has no group for).
    pub ecdsa_curve: Option<NamedGroup>,
    /// Whether the key may make signatures: the leaf has no keyUsage
    /// extension, or one that asserts digitalSignature (RFC 5280
    /// §4.2.1.3).
    pub may_sign: bool,
}

impl PeerKeys {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Exactly [`verify_signature`](crate::verify_signature), with the key
    /// parsed only the first time a leaf and scheme are seen.
    ///
    /// # Errors
    ///
    /// As [`verify_signature`](crate::verify_signature).
    pub fn verify_signature(
        &self,
        leaf: &CertificateDer<'_>,
        scheme: SignatureScheme,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SignError> {
        let key = self.key(leaf, scheme)?;
        verify_with(&key, scheme, message, signature)
    }

    /// Exactly [`verify_signature_tls13`](crate::verify_signature_tls13),
    /// with the key parsed only the first time a leaf and scheme are seen.
    ///
    /// # Errors
    ///
    /// As [`verify_signature_tls13`](crate::verify_signature_tls13).
    pub fn verify_signature_tls13(
        &self,
        leaf: &CertificateDer<'_>,
        scheme: SignatureScheme,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SignError> {
        check_tls13_scheme(scheme, self.leaf_key_use(leaf)?.ecdsa_curve)?;
        self.verify_signature(leaf, scheme, message, signature)
    }

    /// What `leaf` allows its key to be used for, remembered or read now.
    ///
    /// # Errors
    ///
    /// [`SignError::BadPeerKey`] when the leaf does not parse or its
    /// keyUsage extension is malformed.
    pub fn leaf_key_use(&self, leaf: &CertificateDer<'_>) -> Result<LeafKeyUse, SignError> {
        let leaf = leaf.as_ref();
        self.uses
            .get_or_make(|l| l == leaf, || Ok((leaf.to_vec(), read_key_use(leaf)?)))
    }

    /// The checked key, remembered or parsed now. Only keys that passed
    /// every check are remembered; a refused key is refused again, and
    /// parsed again, each time.
    fn key(
        &self,
        leaf: &CertificateDer<'_>,
        scheme: SignatureScheme,
    ) -> Result<Arc<ParsedPublicKey>, SignError> {
        let leaf = leaf.as_ref();
        self.entries.get_or_make(
            |(l, s)| *s == scheme && l == leaf,
            || {
                let key = peer_key(&CertificateDer::from(leaf), scheme)?;
                Ok(((leaf.to_vec(), scheme), Arc::new(key)))
            },
        )
    }
}

/// Reads a leaf's key type and keyUsage.
/// The curve of `leaf`'s key when it is an ECDSA key.
pub(crate) fn leaf_ecdsa_curve(leaf: &CertificateDer<'_>) -> Result<Option<NamedGroup>, SignError> {
    read_key_use(leaf).map(|key_use| key_use.ecdsa_curve)
}

fn read_key_use(leaf: &[u8]) -> Result<LeafKeyUse, SignError> {
    let bad = |reason| SignError::BadPeerKey { reason };
    let (_, certificate) =
        x509_parser::parse_x509_certificate(leaf).map_err(|_| bad(PeerKeyProblem::Unparsable))?;
    let ecdsa_curve = match PublicKeyType::of_spki(certificate.public_key()) {
        Ok(PublicKeyType::EcdsaP256) => Some(NamedGroup::SECP256R1),
        Ok(PublicKeyType::EcdsaP384) => Some(NamedGroup::SECP384R1),
        _ => None,
    };
    let may_sign = match certificate.key_usage() {
        Ok(None) => true,
        Ok(Some(usage)) => usage.value.digital_signature(),
        Err(_) => return Err(bad(PeerKeyProblem::MalformedKeyUsage)),
    };
    Ok(LeafKeyUse {
        ecdsa_curve,
        may_sign,
    })
}

impl core::fmt::Debug for PeerKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PeerKeys")
            .field("entries", &self.entries.len())
            .finish()
    }
}
