//! The policy a session was admitted under, as a digest every stored
//! session and every ticket carries.
//!
//! A resumed handshake authenticates nobody: it proves that both sides
//! hold the master secret of an earlier session, and reuses that session's
//! verdict on the peer (RFC 5246 §7.3). The verdict is only as good as the
//! policy that reached it, so a session may be resumed only under the same
//! policy (RFC 5246 Appendix F.1.4; OpenSSL's `sid_ctx` serves the same
//! purpose). A configuration states its policy as a [`ResumptionContext`];
//! a server resumes a session only when its context is the one the session
//! was made under, and a client keeps and offers sessions per context.
//! Anything else is a full handshake, never an error.
//!
//! The context is a SHA-256 digest of labelled fields, so that it can be
//! compared and stored cheaply and says nothing about what went into it.
//! The `keel` facade feeds it the side, the client-authentication mode, the
//! trust roots, the certificate checks, the client's own certificates and
//! an identifier the operator may set; a configuration built by hand
//! (`keel::hazmat`) must feed it whatever its own verifier depends on.

use aws_lc_rs::digest::{Context, SHA256};

/// Which side a context belongs to: a client's sessions and a server's are
/// never the same policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// A client's configuration.
    Client,
    /// A server's configuration.
    Server,
}

/// The digest of the policy that admits a peer: sessions made under one
/// context are resumed only under the same one.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResumptionContext([u8; 32]);

impl ResumptionContext {
    /// The length of a context in bytes.
    pub const LEN: usize = 32;

    /// Starts a context for `side`; add every field the configuration's
    /// verdict on a peer depends on, then [`build`](ContextBuilder::build).
    #[must_use]
    pub fn builder(side: Side) -> ContextBuilder {
        let mut context = Context::new(&SHA256);
        context.update(DOMAIN);
        context.update(match side {
            Side::Client => b"client",
            Side::Server => b"server",
        });
        ContextBuilder { context }
    }

    /// A context from its bytes (as [`as_bytes`](Self::as_bytes) gave
    /// them, or read back from a serialised session).
    #[must_use]
    pub const fn from_bytes(bytes: [u8; Self::LEN]) -> Self {
        Self(bytes)
    }

    /// The digest.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; Self::LEN] {
        &self.0
    }
}

impl core::fmt::Debug for ResumptionContext {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Eight bytes tell contexts apart in a log; the digest hides nothing.
        let head = self.0.get(..8).unwrap_or_default();
        write!(
            f,
            "ResumptionContext({}..)",
            data_encoding::HEXLOWER.encode_display(head)
        )
    }
}

/// Separates these digests from any other SHA-256 keel computes.
const DOMAIN: &[u8] = b"keel resumption context v1\0";

/// Builds a [`ResumptionContext`] from labelled fields.
pub struct ContextBuilder {
    context: Context,
}

impl core::fmt::Debug for ContextBuilder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ContextBuilder").finish_non_exhaustive()
    }
}

impl ContextBuilder {
    /// Adds one field. Each field is length-prefixed with its label, so
    /// that no two different sequences of fields give the same digest.
    #[must_use]
    pub fn field(mut self, label: &str, value: &[u8]) -> Self {
        for part in [label.as_bytes(), value] {
            self.context.update(&(part.len() as u64).to_be_bytes());
            self.context.update(part);
        }
        self
    }

    /// The context.
    #[must_use]
    pub fn build(self) -> ResumptionContext {
        let digest = self.context.finish();
        let mut bytes = [0u8; ResumptionContext::LEN];
        // SHA-256 gives exactly 32 bytes.
        for (byte, digested) in bytes.iter_mut().zip(digest.as_ref()) {
            *byte = *digested;
        }
        ResumptionContext(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_differ_by_side_field_and_value() {
        let base = || ResumptionContext::builder(Side::Server).field("mode", b"required");
        let same = base().build();
        assert_eq!(same, base().build(), "the digest is deterministic");
        assert_ne!(
            same,
            ResumptionContext::builder(Side::Client)
                .field("mode", b"required")
                .build()
        );
        assert_ne!(same, base().field("id", b"").build());
        // Length prefixes: moving a byte from the label to the value is a
        // different context.
        assert_ne!(
            ResumptionContext::builder(Side::Server)
                .field("ab", b"c")
                .build(),
            ResumptionContext::builder(Side::Server)
                .field("a", b"bc")
                .build()
        );
    }

    #[test]
    fn debug_shows_the_first_eight_bytes_in_hex() {
        let mut bytes = [0xff; ResumptionContext::LEN];
        bytes[..8].copy_from_slice(&[0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]);
        assert_eq!(
            format!("{:?}", ResumptionContext::from_bytes(bytes)),
            "ResumptionContext(0123456789abcdef..)"
        );
    }
}
