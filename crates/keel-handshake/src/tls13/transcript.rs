//! The TLS 1.3 transcript hash (RFC 8446 §4.4.1): the running hash of the
//! handshake messages under the suite's hash, with the HelloRetryRequest
//! rule and the truncated ClientHello of PSK binders.
//!
//! The first ClientHello goes out (or comes in) before the suite, and so
//! the hash, is known: until [`Transcript13::start`] (or
//! [`start_after_hello_retry_request`](Transcript13::start_after_hello_retry_request))
//! the transcript keeps the message bytes, bounded; from then on it keeps
//! only the hash state. Unlike TLS 1.2, no message bytes are needed later:
//! a TLS 1.3 CertificateVerify signs the transcript hash (RFC 8446 §4.4.3).

use aws_lc_rs::digest;

use super::suite::SuiteHash;
use crate::transcript::TranscriptError;

/// The handshake type of the synthetic message that stands for
/// ClientHello1 after a HelloRetryRequest (RFC 8446 §4.4.1, §4: message_hash).
const MESSAGE_HASH: u8 = 254;

/// The TLS 1.3 handshake transcript: every handshake message, each whole
/// with its 4-byte header, in the order sent and received (RFC 8446
/// §4.4.1).
#[derive(Clone)]
pub struct Transcript13 {
    state: State,
    max_buffered: usize,
    /// Started by [`Self::start_after_hello_retry_request`].
    after_retry: bool,
}

#[derive(Clone)]
enum State {
    /// The messages so far, until the hash is chosen.
    Buffering(Vec<u8>),
    /// The hash chosen, and its state over every message so far.
    Hashing(SuiteHash, digest::Context),
}

impl Transcript13 {
    /// An empty transcript. `max_buffered` bounds the bytes kept until the
    /// hash is chosen (the ClientHello, and for a server nothing else).
    #[must_use]
    pub fn new(max_buffered: usize) -> Self {
        Self {
            state: State::Buffering(Vec::new()),
            max_buffered,
            after_retry: false,
        }
    }

    /// Adds one whole handshake message, header included. On error (the
    /// bound on buffered bytes) nothing is added.
    pub fn add(&mut self, message: &[u8]) -> Result<(), TranscriptError> {
        match &mut self.state {
            State::Buffering(kept) => {
                let attempted = kept.len().saturating_add(message.len());
                if attempted > self.max_buffered {
                    return Err(TranscriptError::TooLarge {
                        limit: self.max_buffered,
                        attempted,
                    });
                }
                kept.extend_from_slice(message);
            }
            State::Hashing(_, context) => context.update(message),
        }
        Ok(())
    }

    /// Chooses the hash, the negotiated suite's, and hashes the messages
    /// kept so far, whose bytes are then released.
    pub fn start(&mut self, hash: SuiteHash) -> Result<(), TranscriptError> {
        let kept = self.buffered()?;
        let mut context = digest::Context::new(hash.digest_algorithm());
        context.update(kept);
        self.state = State::Hashing(hash, context);
        Ok(())
    }

    /// Chooses the hash when the server answers ClientHello1 with a
    /// HelloRetryRequest: the messages kept so far, which must be exactly
    /// ClientHello1, are replaced by the synthetic message RFC 8446 §4.4.1
    /// prescribes,
    ///
    /// ```text
    /// Transcript-Hash(ClientHello1, HelloRetryRequest, ... Mn) =
    ///     Hash(message_hash ||        /* Handshake type */
    ///          00 00 Hash.length  ||  /* Handshake message length (bytes) */
    ///          Hash(ClientHello1) ||  /* Hash of ClientHello1 */
    ///          HelloRetryRequest  || ... || Mn)
    /// ```
    ///
    /// and the caller then adds the HelloRetryRequest, ClientHello2 and the
    /// rest as usual.
    pub fn start_after_hello_retry_request(
        &mut self,
        hash: SuiteHash,
    ) -> Result<(), TranscriptError> {
        let client_hello1 = hash.hash(self.buffered()?);
        let mut context = digest::Context::new(hash.digest_algorithm());
        // The 4-byte handshake header: type, then Hash.length as a uint24.
        let header: [u8; 4] = match hash {
            SuiteHash::Sha256 => [MESSAGE_HASH, 0, 0, 32],
            SuiteHash::Sha384 => [MESSAGE_HASH, 0, 0, 48],
        };
        context.update(&header);
        context.update(client_hello1.as_ref());
        self.state = State::Hashing(hash, context);
        self.after_retry = true;
        Ok(())
    }

    /// Whether the handshake went through a HelloRetryRequest.
    #[must_use]
    pub fn after_hello_retry_request(&self) -> bool {
        self.after_retry
    }

    /// The hash chosen, if any.
    #[must_use]
    pub fn hash_algorithm(&self) -> Option<SuiteHash> {
        match &self.state {
            State::Buffering(_) => None,
            State::Hashing(hash, _) => Some(*hash),
        }
    }

    /// `Transcript-Hash` of every message added so far; the transcript goes
    /// on (the hash state is cloned, not finished).
    pub fn current_hash(&self) -> Result<digest::Digest, TranscriptError> {
        match &self.state {
            State::Buffering(_) => Err(TranscriptError::NotStarted),
            State::Hashing(_, context) => Ok(context.clone().finish()),
        }
    }

    /// The transcript hash of the messages so far followed by `partial`,
    /// without adding it: for a PSK binder, `partial` is the ClientHello
    /// being built, truncated before its binders list (RFC 8446 §4.2.11.2:
    /// "Transcript-Hash(Truncate(ClientHello1))", or after a
    /// HelloRetryRequest "Transcript-Hash(ClientHello1, HelloRetryRequest,
    /// Truncate(ClientHello2))").
    ///
    /// `hash` is the PSK's hash. Before the hash is chosen it is used as
    /// is; after, it must be the transcript's (RFC 8446 §4.2.11: a PSK is
    /// offered after a HelloRetryRequest only with the suite's hash), and
    /// another is [`TranscriptError::AlreadyStarted`].
    pub fn hash_with_partial(
        &self,
        hash: SuiteHash,
        partial: &[u8],
    ) -> Result<digest::Digest, TranscriptError> {
        match &self.state {
            State::Buffering(kept) => {
                let mut context = digest::Context::new(hash.digest_algorithm());
                context.update(kept);
                context.update(partial);
                Ok(context.finish())
            }
            State::Hashing(chosen, context) if *chosen == hash => {
                let mut context = context.clone();
                context.update(partial);
                Ok(context.finish())
            }
            State::Hashing(..) => Err(TranscriptError::AlreadyStarted),
        }
    }

    fn buffered(&self) -> Result<&[u8], TranscriptError> {
        match &self.state {
            State::Buffering(kept) => Ok(kept),
            State::Hashing(..) => Err(TranscriptError::AlreadyStarted),
        }
    }
}

impl core::fmt::Debug for Transcript13 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let buffered = match &self.state {
            State::Buffering(kept) => kept.len(),
            State::Hashing(..) => 0,
        };
        f.debug_struct("Transcript13")
            .field("hash", &self.hash_algorithm())
            .field("buffered_len", &buffered)
            .field("max_buffered", &self.max_buffered)
            .finish()
    }
}
