//! Peers' public keys, parsed once per leaf rather than in every handshake.
//!
//! A client connecting again to the same server (or a server seeing the
//! same client certificate) checks a fresh signature with the same key
//! each time. Parsing that key from the certificate — the certificate with
//! x509-parser, then the key into aws-lc, and for RSA the Montgomery
//! constants aws-lc derives on first use — was 3 % of a client's full
//! RSA-2048 handshake. The signature itself is checked on every call.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use aws_lc_rs::signature::ParsedPublicKey;
use keel_wire::registry::SignatureScheme;
use rustls_pki_types::CertificateDer;

use crate::load_error::SignError;
use crate::signature::{peer_key, verify_with};

/// How many leaves' keys are remembered.
const ENTRIES: usize = 32;

/// The parsed keys of the last few peers' leaves, by the leaf's exact
/// bytes and the signature scheme. Shared by the connections of one
/// configuration; bounded, oldest first out.
#[derive(Default)]
pub struct PeerKeys {
    entries: Mutex<VecDeque<PeerKey>>,
}

struct PeerKey {
    leaf: Vec<u8>,
    scheme: SignatureScheme,
    key: Arc<ParsedPublicKey>,
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
        if let Ok(entries) = self.entries.lock()
            && let Some(entry) = entries
                .iter()
                .find(|e| e.scheme == scheme && e.leaf == leaf)
        {
            return Ok(Arc::clone(&entry.key));
        }
        // Parsed outside the lock: other connections need not wait for it.
        let key = Arc::new(peer_key(&CertificateDer::from(leaf), scheme)?);
        // A poisoned lock only loses the remembering.
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= ENTRIES {
                entries.pop_front();
            }
            entries.push_back(PeerKey {
                leaf: leaf.to_vec(),
                scheme,
                key: Arc::clone(&key),
            });
        }
        Ok(key)
    }
}

impl core::fmt::Debug for PeerKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let len = self.entries.lock().map_or(0, |e| e.len());
        f.debug_struct("PeerKeys").field("entries", &len).finish()
    }
}
