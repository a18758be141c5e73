//! The running hash of the handshake messages (RFC 5246 §7.4.9
//! `Hash(handshake_messages)`, RFC 7627 §3 `session_hash`).
//!
//! The ClientHello is sent or received before the suite, and so the hash,
//! is known: until [`Transcript::start`] the transcript keeps the message
//! bytes, and `start` replays them into the hash. From then on each message
//! is hashed as it is added, and the bytes are kept only when asked for at
//! creation ([`Transcript::retaining_messages`]): a TLS 1.2
//! CertificateVerify signs the messages themselves, not their hash
//! (RFC 5246 §7.4.8). The bytes kept are bounded, so a peer cannot make them
//! grow without limit.

use aws_lc_rs::digest;
use snafu::Snafu;

use crate::key_schedule::PrfHash;

/// Why the transcript refused an operation.
#[derive(Debug, Clone, PartialEq, Eq, Snafu)]
#[non_exhaustive]
pub enum TranscriptError {
    /// Keeping this message would take the kept bytes past the bound.
    #[snafu(display(
        "handshake transcript would grow to {attempted} bytes, over the limit of {limit}"
    ))]
    TooLarge {
        /// The bound given at creation.
        limit: usize,
        /// The size the kept bytes would have reached.
        attempted: usize,
    },
    /// A hash was asked for before the hash algorithm was chosen.
    #[snafu(display("the handshake hash was asked for before the suite was chosen"))]
    NotStarted,
    /// [`Transcript::start`] was called a second time.
    #[snafu(display("the handshake hash was already started"))]
    AlreadyStarted,
}

/// The handshake transcript: every handshake message of one handshake, in
/// the order sent and received, each whole with its 4-byte header (RFC 5246
/// §7.4.9: "All of the data from all messages in this handshake (not
/// including any HelloRequest messages) up to, but not including, this
/// message ... only data visible at the handshake layer").
#[derive(Clone)]
pub struct Transcript {
    /// `None` until the suite is chosen.
    hash: Option<(PrfHash, digest::Context)>,
    /// Every message added so far while `hash` is `None` or `retain` is
    /// set; empty otherwise.
    kept: Vec<u8>,
    retain: bool,
    max_kept: usize,
}

impl Transcript {
    /// A transcript that keeps message bytes only until the hash is chosen.
    /// `max_kept` bounds the bytes kept (all messages up to the
    /// ServerHello, on either side).
    #[must_use]
    pub fn new(max_kept: usize) -> Self {
        Self {
            hash: None,
            kept: Vec::new(),
            retain: false,
            max_kept,
        }
    }

    /// A transcript that also keeps every message after the hash is
    /// chosen, for a CertificateVerify (RFC 5246 §7.4.8), until
    /// [`discard_messages`](Self::discard_messages). `max_kept` bounds the
    /// bytes kept over the whole handshake.
    #[must_use]
    pub fn retaining_messages(max_kept: usize) -> Self {
        Self {
            retain: true,
            ..Self::new(max_kept)
        }
    }

    /// Adds one whole handshake message, header included. On error nothing
    /// is added.
    pub fn add(&mut self, message: &[u8]) -> Result<(), TranscriptError> {
        if self.keeps_messages() {
            let attempted = self.kept.len().saturating_add(message.len());
            if attempted > self.max_kept {
                return Err(TranscriptError::TooLarge {
                    limit: self.max_kept,
                    attempted,
                });
            }
            self.kept.extend_from_slice(message);
        }
        if let Some((_, context)) = &mut self.hash {
            context.update(message);
        }
        Ok(())
    }

    /// Chooses the hash, the negotiated suite's PRF hash (RFC 5246 §7.4.9),
    /// and hashes the messages kept so far. Unless messages are retained,
    /// their bytes are released.
    pub fn start(&mut self, hash: PrfHash) -> Result<(), TranscriptError> {
        if self.hash.is_some() {
            return Err(TranscriptError::AlreadyStarted);
        }
        let mut context = digest::Context::new(hash.digest_algorithm());
        context.update(&self.kept);
        self.hash = Some((hash, context));
        if !self.retain {
            self.kept = Vec::new();
        }
        Ok(())
    }

    /// The hash chosen by [`start`](Self::start), if any.
    #[must_use]
    pub fn hash_algorithm(&self) -> Option<PrfHash> {
        self.hash.as_ref().map(|(hash, _)| *hash)
    }

    /// The hash of every message added so far; the transcript goes on.
    pub fn current_hash(&self) -> Result<digest::Digest, TranscriptError> {
        let (_, context) = self.hash.as_ref().ok_or(TranscriptError::NotStarted)?;
        Ok(context.clone().finish())
    }

    /// Every message added so far, concatenated, while the transcript
    /// keeps them: before [`start`](Self::start), and after it for a
    /// transcript made by [`retaining_messages`](Self::retaining_messages)
    /// until [`discard_messages`](Self::discard_messages). `None` otherwise.
    ///
    /// For a CertificateVerify, take this before adding the
    /// CertificateVerify itself (RFC 5246 §7.4.8: "up to, but not including,
    /// this message").
    #[must_use]
    pub fn messages(&self) -> Option<&[u8]> {
        self.keeps_messages().then_some(self.kept.as_slice())
    }

    /// Stops keeping message bytes once the hash is chosen, and frees those
    /// kept: for when no CertificateVerify will be sent or received (a
    /// client not asked for a certificate, a server whose client sent
    /// none). Before [`start`](Self::start) the bytes stay until `start`,
    /// which needs them.
    pub fn discard_messages(&mut self) {
        self.retain = false;
        if self.hash.is_some() {
            self.kept = Vec::new();
        }
    }

    fn keeps_messages(&self) -> bool {
        self.hash.is_none() || self.retain
    }
}

impl core::fmt::Debug for Transcript {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Transcript")
            .field("hash", &self.hash_algorithm())
            .field("kept_len", &self.kept.len())
            .field("retain", &self.retain)
            .field("max_kept", &self.max_kept)
            .finish()
    }
}
