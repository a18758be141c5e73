//! Sessions kept for resumption: TLS 1.2 sessions by session ID (RFC 5246
//! §7.3) or ticket, with the extended master secret of RFC 7627, and TLS
//! 1.3 resumption PSKs from tickets (RFC 8446 §4.6.1): what one session is
//! ([`StoredSession`]), its serialised form for crossing process and fleet
//! boundaries ([`StoredSession::to_bytes`], [`StoredSession::from_bytes`],
//! in `encoding.rs`), and the two bounded stores a configuration uses
//! (`store.rs`): a server's [`ServerSessionCache`] by session ID and a
//! client's [`ClientSessionStore`] by resumption context and server name.
//!
//! Every session carries the [`ResumptionContext`] of the configuration
//! that admitted its peer, and is resumed only under the same context.
//!
//! Nothing here reads a clock: every call that asks "is this session still
//! fresh?" takes the time as an argument, in seconds since the Unix epoch.
//! The stores are shared between connections behind a `Mutex`; each
//! configuration owns its own, so there is no global state.
//!
//! The serialised form carries the master secret in clear. Whoever stores
//! or ships it (a disk, a fleet cache) is responsible for protecting it.

mod encoding;
mod store;

pub use store::{ClientSessionStore, DEFAULT_BYTES_PER_ENTRY, ServerSessionCache};

use keel_pki::CertificateDer;
use keel_wire::registry::{CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};
use snafu::Snafu;
use zeroize::Zeroize;

use crate::resumption_context::ResumptionContext;

// The serialised form's magic and version are keel-wire's
// (`keel_wire::session`). Version 3 added the resumption context; earlier
// sessions cannot say which policy admitted their peer and are refused.
// Version 4 added the client's signature scheme and the stapled OCSP
// response, so that a resumed session reports what the full handshake saw.
// Version 5 moved the format onto keel-wire's codec, with TLS-style length
// prefixes.
/// The length of a TLS 1.2 master secret.
pub(crate) const MASTER_SECRET_LEN: usize = 48;
/// A session ID is 1..=32 bytes (RFC 5246 §7.4.1.2; an empty one means
/// "not resumable" and is never stored).
const MAX_SESSION_ID_LEN: usize = 32;
/// A ticket is `opaque ticket<0..2^16-1>` (RFC 5077 §3.3).
const MAX_TICKET_LEN: usize = 0xffff;
/// At most this many peer certificates are kept.
const MAX_CERTIFICATES: usize = 10;
/// At most this many bytes per peer certificate.
const MAX_CERTIFICATE_LEN: usize = 64 * 1024;
/// A server name is 1..=255 bytes of UTF-8 (RFC 6066 §3 host names).
const MAX_SERVER_NAME_LEN: usize = 255;
/// An ALPN protocol name is 1..=255 bytes (RFC 7301 §3.1).
const MAX_ALPN_LEN: usize = 255;
/// An OCSP response is `opaque OCSPResponse<1..2^24-1>` (RFC 6066 §8).
const MAX_OCSP_LEN: usize = 0xff_ffff;

/// Everything needed to resume a session: a TLS 1.2 session by ID or
/// ticket (RFC 5246 §7.3; the extended master secret per RFC 7627), or a
/// TLS 1.3 ticket's PSK (RFC 8446 §4.6.1).
///
/// The secret is zeroized when the value is dropped and never shown
/// by `Debug`. `Clone` copies it: every copy is deliberate, and each copy
/// zeroizes itself in turn.
pub struct StoredSession {
    /// TLS 1.2 or TLS 1.3: which handshake resumes the session.
    pub version: ProtocolVersion,
    /// The policy under which the peer was admitted: the session is resumed
    /// only under a configuration with the same context.
    pub context: ResumptionContext,
    /// The session ID, 1..=32 bytes.
    pub session_id: Vec<u8>,
    /// The negotiated cipher suite, one of [`SUITES`](crate::policy::SUITES)
    /// (TLS 1.2) or [`TLS13_SUITES`](crate::policy::TLS13_SUITES).
    pub cipher_suite: CipherSuite,
    /// The key-exchange group of the full handshake, one of
    /// [`GROUPS`](crate::kx::GROUPS) (or, in TLS 1.3, X25519MLKEM768).
    pub group: NamedGroup,
    /// The scheme of the server's signature in the full handshake, one of
    /// [`SIGNATURE_SCHEMES`](crate::policy::SIGNATURE_SCHEMES).
    pub signature_scheme: SignatureScheme,
    /// TLS 1.2: the session's master secret (48 bytes). TLS 1.3: the
    /// ticket's PSK, Hash.length bytes for the suite's hash.
    pub secret: Vec<u8>,
    /// Whether the master secret is an extended one (RFC 7627).
    pub extended_master_secret: bool,
    /// The SNI name the session was made under.
    pub server_name: Option<String>,
    /// The ALPN protocol negotiated, if any.
    pub alpn: Option<Vec<u8>>,
    /// The peer's certificate chain, leaf first.
    pub peer_certificates: Vec<CertificateDer<'static>>,
    /// When the session was made, in seconds since the Unix epoch.
    pub created: u64,
    /// The session ticket the server issued for it (RFC 5077), which a
    /// client offers in place of the ID; empty: none. A server's cache
    /// keeps this empty.
    pub ticket: Vec<u8>,
    /// When the client stops offering the ticket, in seconds since the
    /// Unix epoch: its arrival plus the server's lifetime hint (RFC 5077
    /// §3.3); 0: the server gave no hint.
    pub ticket_expires: u64,
    /// TLS 1.3: the ticket's `ticket_age_add`, added to its age in the
    /// client's offer (RFC 8446 §4.2.11.1); 0 in TLS 1.2.
    pub ticket_age_add: u32,
    /// The scheme of the client's CertificateVerify in the full handshake,
    /// when the client authenticated (kept by servers), one of
    /// [`SIGNATURE_SCHEMES`](crate::policy::SIGNATURE_SCHEMES).
    pub client_signature_scheme: Option<SignatureScheme>,
    /// The OCSP response the server stapled in the full handshake (kept by
    /// clients; RFC 6066 §8).
    pub ocsp_response: Option<Vec<u8>>,
}

/// Why serialised session bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, Snafu)]
#[non_exhaustive]
pub enum SessionDecodeError {
    /// The bytes do not start with the session magic `KEELSES`.
    #[snafu(display("not a serialised keel session (bad magic)"))]
    BadMagic,
    /// The format version is not one this code reads.
    #[snafu(display("unsupported serialised session version"))]
    UnsupportedVersion,
    /// The bytes ended inside a field.
    #[snafu(display("serialised session truncated in {field}"))]
    Truncated {
        /// The field being read.
        field: &'static str,
    },
    /// Bytes follow a complete session.
    #[snafu(display("trailing bytes after a serialised session"))]
    TrailingBytes,
    /// A field holds a value outside its limits.
    #[snafu(display("invalid {field} in a serialised session"))]
    Invalid {
        /// The field that was wrong.
        field: &'static str,
    },
}

/// Why a session could not be serialised: a field outside the limits
/// [`StoredSession::from_bytes`] enforces.
#[derive(Debug, Clone, PartialEq, Eq, Snafu)]
#[snafu(display("{field} is outside what a serialised session may hold"))]
pub struct SessionEncodeError {
    /// The first field found outside its limits.
    pub field: &'static str,
}

impl StoredSession {
    /// Whether the session is outside its lifetime at `now`: more than
    /// `lifetime` seconds old, or stamped more than `lifetime` seconds in
    /// the future (a clock that cannot be trusted).
    pub(crate) fn is_expired(&self, now: u64, lifetime: u64) -> bool {
        now.abs_diff(self.created) > lifetime
    }
}

impl Clone for StoredSession {
    fn clone(&self) -> Self {
        // Copying the master secret is deliberate: the copy zeroizes itself
        // on drop like the original.
        Self {
            version: self.version,
            context: self.context,
            session_id: self.session_id.clone(),
            cipher_suite: self.cipher_suite,
            group: self.group,
            signature_scheme: self.signature_scheme,
            secret: self.secret.clone(),
            extended_master_secret: self.extended_master_secret,
            server_name: self.server_name.clone(),
            alpn: self.alpn.clone(),
            peer_certificates: self.peer_certificates.clone(),
            created: self.created,
            ticket: self.ticket.clone(),
            ticket_expires: self.ticket_expires,
            ticket_age_add: self.ticket_age_add,
            client_signature_scheme: self.client_signature_scheme,
            ocsp_response: self.ocsp_response.clone(),
        }
    }
}

impl Drop for StoredSession {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

impl core::fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StoredSession")
            .field("version", &self.version)
            .field("context", &self.context)
            .field("session_id_len", &self.session_id.len())
            .field("cipher_suite", &self.cipher_suite)
            .field("group", &self.group)
            .field("signature_scheme", &self.signature_scheme)
            .field("extended_master_secret", &self.extended_master_secret)
            .field("server_name", &self.server_name)
            .field("alpn", &self.alpn.as_deref().map(String::from_utf8_lossy))
            .field("peer_certificates", &self.peer_certificates.len())
            .field("created", &self.created)
            .field("ticket_len", &self.ticket.len())
            .field("ticket_expires", &self.ticket_expires)
            .field("client_signature_scheme", &self.client_signature_scheme)
            .field(
                "ocsp_response_len",
                &self.ocsp_response.as_ref().map(Vec::len),
            )
            .finish_non_exhaustive()
    }
}
