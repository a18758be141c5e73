//! The TLS 1.3 keying material exporter (RFC 8446 §7.5), from the
//! exporter_master_secret.

use super::hkdf::SecretBytes;
use crate::key_schedule::ExportError;

/// Labels the TLS 1.2 exporter refuses ([`crate::key_schedule`]'s
/// `export_keying_material`: RFC 5705 §6's four and RFC 7627's), refused
/// here too so that a label an application may use does not depend on the
/// version negotiated. In TLS 1.3 they could not collide with the key
/// schedule (the exporter derives from its own secret), so this is a rule
/// of keel's API, not of RFC 8446.
pub(crate) const RESERVED_LABELS: [&[u8]; 5] = [
    b"client finished",
    b"server finished",
    b"master secret",
    b"key expansion",
    b"extended master secret",
];

/// The exporter_master_secret (RFC 8446 §7.1). Zeroized on drop; `Debug`
/// never shows it. [`as_bytes`](Self::as_bytes) is for a key log
/// (`EXPORTER_SECRET`).
pub struct ExporterSecret(SecretBytes);

impl ExporterSecret {
    pub(crate) fn new(secret: SecretBytes) -> Self {
        Self(secret)
    }

    /// `TLS-Exporter(label, context_value, key_length)` (RFC 8446 §7.5),
    /// `output.len()` bytes:
    ///
    /// ```text
    /// TLS-Exporter(label, context_value, key_length) =
    ///     HKDF-Expand-Label(Derive-Secret(Secret, label, ""),
    ///                       "exporter", Hash(context_value), key_length)
    /// ```
    ///
    /// RFC 8446 §7.5: "providing no context computes the same value as
    /// providing an empty context"; the context is always hashed, so
    /// `None` and `Some(&[])` give the same output (unlike TLS 1.2's
    /// exporter, where they differ).
    ///
    /// Refused: a label of the TLS 1.2 key schedule ([`ExportError::ReservedLabel`]);
    /// an empty label or one over 249 bytes, which the HkdfLabel structure
    /// cannot carry, and an output over 255 × Hash.length bytes, which HKDF
    /// cannot produce ([`ExportError::PrfFailed`]: the key derivation
    /// refused).
    pub fn export(
        &self,
        label: &[u8],
        context: Option<&[u8]>,
        output: &mut [u8],
    ) -> Result<(), ExportError> {
        if RESERVED_LABELS.contains(&label) {
            return Err(ExportError::ReservedLabel);
        }
        let hash = self.0.hash();
        let empty = hash.hash(&[]);
        let context_hash = hash.hash(context.unwrap_or_default());
        self.0
            .derive_secret(label, empty.as_ref())
            .and_then(|secret| secret.expand_label_into(b"exporter", context_hash.as_ref(), output))
            .map_err(|_| ExportError::PrfFailed)
    }

    /// The secret itself, for a key log. Whoever copies it out is
    /// responsible for that copy.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_slice()
    }
}

impl core::fmt::Debug for ExporterSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ExporterSecret")
            .field("hash", &self.0.hash())
            .finish_non_exhaustive()
    }
}
