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
use keel_wire::registry::SignatureScheme;
use rustls_pki_types::CertificateDer;

use crate::load_error::SignError;
use crate::recent::Recent;
use crate::signature::{peer_key, verify_with};

/// The parsed keys of the last few peers' leaves, by the leaf's exact
/// bytes and the signature scheme. Shared by the connections of one
/// configuration; bounded, oldest first out.
#[derive(Default)]
pub struct PeerKeys {
    /// By exact leaf bytes and scheme.
    entries: Recent<(Vec<u8>, SignatureScheme), Arc<ParsedPublicKey>>,
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

impl core::fmt::Debug for PeerKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PeerKeys")
            .field("entries", &self.entries.len())
            .finish()
    }
}
