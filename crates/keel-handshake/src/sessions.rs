//! Sessions kept for resumption by session ID (RFC 5246 §7.3), with the
//! extended master secret of RFC 7627: what one session is
//! ([`StoredSession`]), its serialised form for crossing process and fleet
//! boundaries ([`StoredSession::to_bytes`], [`StoredSession::from_bytes`]),
//! and the two bounded stores a configuration owns: a server's
//! [`ServerSessionCache`] by session ID and a client's
//! [`ClientSessionStore`] by server name.
//!
//! Nothing here reads a clock: every call that asks "is this session still
//! fresh?" takes the time as an argument, in seconds since the Unix epoch.
//! The stores are shared between connections behind a `Mutex`; each
//! configuration owns its own, so there is no global state.
//!
//! The serialised form carries the master secret in clear. Whoever stores
//! or ships it (a disk, a fleet cache) is responsible for protecting it.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use keel_pki::CertificateDer;
use keel_wire::registry::{CipherSuite, NamedGroup, SignatureScheme};
use snafu::Snafu;
use zeroize::{Zeroize, Zeroizing};

use crate::kx::GROUPS;
use crate::policy::{SIGNATURE_SCHEMES, SUITES};

/// The first seven bytes of every serialised session.
const MAGIC: &[u8; 7] = b"KEELSES";
/// The one format version this code reads and writes (the eighth byte).
const VERSION: u8 = 2;
/// The length of a TLS 1.2 master secret.
const MASTER_SECRET_LEN: usize = 48;
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

/// Everything needed to resume a TLS 1.2 session by ID (RFC 5246 §7.3;
/// the extended master secret per RFC 7627).
///
/// The master secret is zeroized when the value is dropped and never shown
/// by `Debug`. `Clone` copies it: every copy is deliberate, and each copy
/// zeroizes itself in turn.
pub struct StoredSession {
    /// The session ID, 1..=32 bytes.
    pub session_id: Vec<u8>,
    /// The negotiated cipher suite, one of [`SUITES`].
    pub cipher_suite: CipherSuite,
    /// The ECDHE group of the full handshake, one of [`GROUPS`].
    pub group: NamedGroup,
    /// The scheme of the server's key-exchange signature in the full
    /// handshake, one of [`SIGNATURE_SCHEMES`].
    pub signature_scheme: SignatureScheme,
    /// The session's master secret.
    pub master_secret: [u8; MASTER_SECRET_LEN],
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

impl StoredSession {
    /// The session serialised in keel's versioned binary format, for a
    /// session store outside this process. It holds the master secret in
    /// clear; the caller is responsible for the copy it gets.
    ///
    /// All integers are big-endian:
    ///
    /// ```text
    /// "KEELSES" 0x01                       magic and version
    /// u32 length, session_id               1..=32 bytes
    /// u16 cipher_suite                     one of policy::SUITES
    /// u16 group                            one of GROUPS
    /// u16 signature_scheme                 one of policy::SIGNATURE_SCHEMES
    /// [48] master_secret
    /// u8 extended_master_secret            0 or 1
    /// u64 created
    /// u8 present (0 or 1) [u32 length, server_name]   1..=255 bytes UTF-8
    /// u8 present (0 or 1) [u32 length, alpn]          1..=255 bytes
    /// u32 count, count × (u32 length, certificate)    <= 10 of 1..=65536 bytes
    /// u32 length, ticket                   0..=65535 bytes
    /// u64 ticket_expires
    /// ```
    ///
    /// The session ID may be empty only when there is a ticket (a server
    /// that issues tickets need not cache the session).
    ///
    /// A session outside these limits still encodes, but
    /// [`from_bytes`](Self::from_bytes) refuses the result.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        // Sized up front so that the vector never reallocates and leaves a
        // stray copy of the master secret in freed memory.
        let mut out = Vec::with_capacity(self.encoded_len());
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        put_bytes(&mut out, &self.session_id);
        out.extend_from_slice(&self.cipher_suite.get().to_be_bytes());
        out.extend_from_slice(&self.group.get().to_be_bytes());
        out.extend_from_slice(&self.signature_scheme.get().to_be_bytes());
        out.extend_from_slice(&self.master_secret);
        out.push(u8::from(self.extended_master_secret));
        out.extend_from_slice(&self.created.to_be_bytes());
        put_optional(&mut out, self.server_name.as_deref().map(str::as_bytes));
        put_optional(&mut out, self.alpn.as_deref());
        put_len(&mut out, self.peer_certificates.len());
        for cert in &self.peer_certificates {
            put_bytes(&mut out, cert.as_ref());
        }
        put_bytes(&mut out, &self.ticket);
        out.extend_from_slice(&self.ticket_expires.to_be_bytes());
        out
    }

    /// A session from the bytes [`to_bytes`](Self::to_bytes) made, checked
    /// strictly: the magic and version, every length against its limit
    /// before it is used, the suite against [`SUITES`], the server name as
    /// UTF-8, and no bytes after the end. Every accepted input re-encodes to
    /// the same bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SessionDecodeError> {
        let mut r = Reader { rest: bytes };
        if r.take(MAGIC.len(), "magic")? != MAGIC {
            return Err(SessionDecodeError::BadMagic);
        }
        if r.u8("version")? != VERSION {
            return Err(SessionDecodeError::UnsupportedVersion);
        }
        let session_id = r.up_to("session_id", MAX_SESSION_ID_LEN)?.to_vec();
        let cipher_suite = CipherSuite::new(r.u16("cipher_suite")?);
        if !SUITES.contains(&cipher_suite) {
            return Err(SessionDecodeError::Invalid {
                field: "cipher_suite",
            });
        }
        let group = NamedGroup::new(r.u16("group")?);
        if !GROUPS.contains(&group) {
            return Err(SessionDecodeError::Invalid { field: "group" });
        }
        let signature_scheme = SignatureScheme::new(r.u16("signature_scheme")?);
        if !SIGNATURE_SCHEMES.contains(&signature_scheme) {
            return Err(SessionDecodeError::Invalid {
                field: "signature_scheme",
            });
        }
        let mut master_secret = Zeroizing::new([0u8; MASTER_SECRET_LEN]);
        for (dst, src) in master_secret
            .iter_mut()
            .zip(r.take(MASTER_SECRET_LEN, "master_secret")?)
        {
            *dst = *src;
        }
        let extended_master_secret = r.flag("extended_master_secret")?;
        let created = r.u64("created")?;
        let server_name =
            match r.optional("server_name", MAX_SERVER_NAME_LEN)? {
                None => None,
                Some(name) => Some(String::from_utf8(name.to_vec()).map_err(|_| {
                    SessionDecodeError::Invalid {
                        field: "server_name",
                    }
                })?),
            };
        let alpn = r.optional("alpn", MAX_ALPN_LEN)?.map(<[u8]>::to_vec);
        let count = r.len("certificates")?;
        if count > MAX_CERTIFICATES {
            return Err(SessionDecodeError::Invalid {
                field: "certificates",
            });
        }
        let mut peer_certificates = Vec::with_capacity(count);
        for _ in 0..count {
            let der = r.bounded("certificate", MAX_CERTIFICATE_LEN)?;
            peer_certificates.push(CertificateDer::from(der.to_vec()));
        }
        let ticket = r.up_to("ticket", MAX_TICKET_LEN)?.to_vec();
        if session_id.is_empty() && ticket.is_empty() {
            return Err(SessionDecodeError::Invalid {
                field: "session_id",
            });
        }
        let ticket_expires = r.u64("ticket_expires")?;
        if !r.rest.is_empty() {
            return Err(SessionDecodeError::TrailingBytes);
        }
        Ok(Self {
            session_id,
            cipher_suite,
            group,
            signature_scheme,
            master_secret: *master_secret,
            extended_master_secret,
            server_name,
            alpn,
            peer_certificates,
            created,
            ticket,
            ticket_expires,
        })
    }

    /// Whether [`from_bytes`](Self::from_bytes) would accept this session's
    /// encoding: the stores keep only sessions they can export.
    fn is_storable(&self) -> bool {
        let in_range = |len: usize, max: usize| (1..=max).contains(&len);
        self.session_id.len() <= MAX_SESSION_ID_LEN
            && self.ticket.len() <= MAX_TICKET_LEN
            && !(self.session_id.is_empty() && self.ticket.is_empty())
            && SUITES.contains(&self.cipher_suite)
            && GROUPS.contains(&self.group)
            && SIGNATURE_SCHEMES.contains(&self.signature_scheme)
            && self
                .server_name
                .as_ref()
                .is_none_or(|n| in_range(n.len(), MAX_SERVER_NAME_LEN))
            && self
                .alpn
                .as_ref()
                .is_none_or(|a| in_range(a.len(), MAX_ALPN_LEN))
            && self.peer_certificates.len() <= MAX_CERTIFICATES
            && self
                .peer_certificates
                .iter()
                .all(|c| in_range(c.len(), MAX_CERTIFICATE_LEN))
    }

    /// Whether the session is outside its lifetime at `now`: more than
    /// `lifetime` seconds old, or stamped more than `lifetime` seconds in
    /// the future (a clock that cannot be trusted).
    fn is_expired(&self, now: u64, lifetime: u64) -> bool {
        now.abs_diff(self.created) > lifetime
    }

    fn encoded_len(&self) -> usize {
        let optional = |len: Option<usize>| 1 + len.map_or(0, |l| 4 + l);
        MAGIC.len()
            + 1
            + 4
            + self.session_id.len()
            + 2
            + 2
            + 2
            + MASTER_SECRET_LEN
            + 1
            + 8
            + optional(self.server_name.as_ref().map(String::len))
            + optional(self.alpn.as_ref().map(Vec::len))
            + 4
            + self
                .peer_certificates
                .iter()
                .map(|c| 4 + c.len())
                .sum::<usize>()
            + 4
            + self.ticket.len()
            + 8
    }
}

impl Clone for StoredSession {
    fn clone(&self) -> Self {
        // Copying the master secret is deliberate: the copy zeroizes itself
        // on drop like the original.
        Self {
            session_id: self.session_id.clone(),
            cipher_suite: self.cipher_suite,
            group: self.group,
            signature_scheme: self.signature_scheme,
            master_secret: self.master_secret,
            extended_master_secret: self.extended_master_secret,
            server_name: self.server_name.clone(),
            alpn: self.alpn.clone(),
            peer_certificates: self.peer_certificates.clone(),
            created: self.created,
            ticket: self.ticket.clone(),
            ticket_expires: self.ticket_expires,
        }
    }
}

impl Drop for StoredSession {
    fn drop(&mut self) {
        self.master_secret.zeroize();
    }
}

impl core::fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StoredSession")
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
            .finish_non_exhaustive()
    }
}

fn put_len(out: &mut Vec<u8>, len: usize) {
    // A length past u32 cannot occur for a storable session; saturating
    // makes it one `from_bytes` refuses rather than a wrapped one.
    out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_len(out, bytes.len());
    out.extend_from_slice(bytes);
}

fn put_optional(out: &mut Vec<u8>, bytes: Option<&[u8]>) {
    match bytes {
        None => out.push(0),
        Some(bytes) => {
            out.push(1);
            put_bytes(out, bytes);
        }
    }
}

/// A cursor over serialised session bytes; every read is bounds-checked.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], SessionDecodeError> {
        let (head, tail) = self
            .rest
            .split_at_checked(n)
            .ok_or(SessionDecodeError::Truncated { field })?;
        self.rest = tail;
        Ok(head)
    }

    fn array<const N: usize>(
        &mut self,
        field: &'static str,
    ) -> Result<[u8; N], SessionDecodeError> {
        <[u8; N]>::try_from(self.take(N, field)?)
            .map_err(|_| SessionDecodeError::Truncated { field })
    }

    fn u8(&mut self, field: &'static str) -> Result<u8, SessionDecodeError> {
        Ok(u8::from_be_bytes(self.array(field)?))
    }

    fn u16(&mut self, field: &'static str) -> Result<u16, SessionDecodeError> {
        Ok(u16::from_be_bytes(self.array(field)?))
    }

    fn u64(&mut self, field: &'static str) -> Result<u64, SessionDecodeError> {
        Ok(u64::from_be_bytes(self.array(field)?))
    }

    fn len(&mut self, field: &'static str) -> Result<usize, SessionDecodeError> {
        let len = u32::from_be_bytes(self.array(field)?);
        usize::try_from(len).map_err(|_| SessionDecodeError::Invalid { field })
    }

    fn flag(&mut self, field: &'static str) -> Result<bool, SessionDecodeError> {
        match self.u8(field)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(SessionDecodeError::Invalid { field }),
        }
    }

    /// A u32-length-prefixed field of 1..=`max` bytes.
    fn bounded(&mut self, field: &'static str, max: usize) -> Result<&'a [u8], SessionDecodeError> {
        let len = self.len(field)?;
        if !(1..=max).contains(&len) {
            return Err(SessionDecodeError::Invalid { field });
        }
        self.take(len, field)
    }

    /// A u32-length-prefixed field of 0..=`max` bytes.
    fn up_to(&mut self, field: &'static str, max: usize) -> Result<&'a [u8], SessionDecodeError> {
        let len = self.len(field)?;
        if len > max {
            return Err(SessionDecodeError::Invalid { field });
        }
        self.take(len, field)
    }

    /// A presence flag, then a bounded field if present.
    fn optional(
        &mut self,
        field: &'static str,
        max: usize,
    ) -> Result<Option<&'a [u8]>, SessionDecodeError> {
        if self.flag(field)? {
            self.bounded(field, max).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// One stored session and its place in the eviction order.
struct Entry {
    /// `(created, insertion sequence)`: the key into `Store::by_age`.
    age: (u64, u64),
    session: StoredSession,
}

/// The map behind both stores, oldest entries first in `by_age`.
struct Store<K> {
    entries: BTreeMap<K, Entry>,
    by_age: BTreeMap<(u64, u64), K>,
    next_seq: u64,
}

impl<K: Ord> Store<K> {
    fn remove<Q: Ord + ?Sized>(&mut self, key: &Q)
    where
        K: Borrow<Q>,
    {
        if let Some(entry) = self.entries.remove(key) {
            self.by_age.remove(&entry.age);
        }
    }
}

/// A bounded, thread-safe map of sessions, evicting the oldest (by
/// `created`, then by insertion) when full.
struct Bounded<K> {
    store: Mutex<Store<K>>,
    max_entries: usize,
    lifetime: u64,
}

impl<K: Ord + Clone> Bounded<K> {
    fn new(max_entries: usize, lifetime: u64) -> Self {
        Self {
            store: Mutex::new(Store {
                entries: BTreeMap::new(),
                by_age: BTreeMap::new(),
                next_seq: 0,
            }),
            max_entries,
            lifetime,
        }
    }

    /// The store, even after a panic elsewhere poisoned the lock: every
    /// update below leaves the two maps consistent before it can panic.
    fn lock(&self) -> MutexGuard<'_, Store<K>> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn insert(&self, key: K, session: StoredSession) {
        if self.max_entries == 0 || !session.is_storable() {
            return;
        }
        let mut store = self.lock();
        store.remove(&key);
        let age = (session.created, store.next_seq);
        store.next_seq = store.next_seq.wrapping_add(1);
        store.by_age.insert(age, key.clone());
        store.entries.insert(key, Entry { age, session });
        while store.entries.len() > self.max_entries {
            let Some((_, oldest)) = store.by_age.pop_first() else {
                break;
            };
            store.entries.remove(&oldest);
        }
    }

    fn get<Q: Ord + ?Sized>(&self, key: &Q, now: u64) -> Option<StoredSession>
    where
        K: Borrow<Q>,
    {
        let mut store = self.lock();
        let entry = store.entries.get(key)?;
        if entry.session.is_expired(now, self.lifetime) {
            store.remove(key);
            return None;
        }
        Some(entry.session.clone())
    }

    fn remove<Q: Ord + ?Sized>(&self, key: &Q)
    where
        K: Borrow<Q>,
    {
        self.lock().remove(key);
    }

    fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Every entry serialised, oldest first (so that importing them in
    /// order rebuilds the same eviction order).
    fn export(&self) -> Vec<(K, Vec<u8>)> {
        let store = self.lock();
        store
            .by_age
            .values()
            .filter_map(|key| {
                let entry = store.entries.get(key)?;
                Some((key.clone(), entry.session.to_bytes()))
            })
            .collect()
    }
}

impl<K> Bounded<K> {
    /// `Debug` for the public stores: counts and limits, never a session.
    fn debug(&self, name: &str, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let entries = self
            .store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entries
            .len();
        f.debug_struct(name)
            .field("entries", &entries)
            .field("max_entries", &self.max_entries)
            .field("lifetime_secs", &self.lifetime)
            .finish()
    }
}

/// A server's cache of sessions by session ID, bounded by `max_entries`
/// and `lifetime` (seconds). Inserting into a full cache evicts the oldest
/// entry (by `created`, then by insertion); `get` returns `None` for an
/// entry outside its lifetime at `now`, and removes it.
///
/// Thread-safe: connections share it through an `Arc`. Each server
/// configuration owns its own cache.
pub struct ServerSessionCache {
    inner: Bounded<Vec<u8>>,
}

impl core::fmt::Debug for ServerSessionCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.inner.debug("ServerSessionCache", f)
    }
}

impl ServerSessionCache {
    /// A cache of at most `max_entries` sessions (none at all if 0), each
    /// usable for `lifetime_secs` seconds after it was made.
    #[must_use]
    pub fn new(max_entries: usize, lifetime_secs: u64) -> Self {
        Self {
            inner: Bounded::new(max_entries, lifetime_secs),
        }
    }

    /// Keeps `session` under its session ID, replacing any entry with that
    /// ID and evicting the oldest if the cache is full. A session whose
    /// encoding [`StoredSession::from_bytes`] would refuse (an empty or
    /// over-long session ID, a suite keel does not negotiate, ...) is not
    /// kept.
    pub fn insert(&self, session: StoredSession) {
        self.inner.insert(session.session_id.clone(), session);
    }

    /// A copy of the session with this ID, if there is one and it is within
    /// its lifetime at `now` (seconds since the Unix epoch). An expired
    /// entry is removed.
    #[must_use]
    pub fn get(&self, session_id: &[u8], now: u64) -> Option<StoredSession> {
        self.inner.get(session_id, now)
    }

    /// Forgets the session with this ID (after a fatal alert, RFC 5246
    /// §7.2.2).
    pub fn remove(&self, session_id: &[u8]) {
        self.inner.remove(session_id);
    }

    /// How many sessions the cache holds, expired ones not yet removed
    /// included.
    #[must_use]
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether the cache holds no session.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every entry serialised with [`StoredSession::to_bytes`], oldest
    /// first, for sharing across a fleet or keeping across a restart. The
    /// bytes hold master secrets in clear.
    #[must_use]
    pub fn export(&self) -> Vec<Vec<u8>> {
        self.inner
            .export()
            .into_iter()
            .map(|(_, bytes)| bytes)
            .collect()
    }

    /// Decodes one exported entry and inserts it.
    pub fn import(&self, entry: &[u8]) -> Result<(), SessionDecodeError> {
        self.insert(StoredSession::from_bytes(entry)?);
        Ok(())
    }
}

/// A client's sessions by server name: one per name, bounded by
/// `max_entries` (evicting the oldest by `created`, then by insertion) and
/// by `lifetime` (seconds), like [`ServerSessionCache`].
///
/// Thread-safe: connections share it through an `Arc`. Each client
/// configuration owns its own store.
pub struct ClientSessionStore {
    inner: Bounded<String>,
}

impl core::fmt::Debug for ClientSessionStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.inner.debug("ClientSessionStore", f)
    }
}

impl ClientSessionStore {
    /// A store of at most `max_entries` sessions (none at all if 0), each
    /// usable for `lifetime_secs` seconds after it was made.
    #[must_use]
    pub fn new(max_entries: usize, lifetime_secs: u64) -> Self {
        Self {
            inner: Bounded::new(max_entries, lifetime_secs),
        }
    }

    /// Keeps `session` for `server_name`, replacing the one kept for that
    /// name and evicting the oldest if the store is full. A session whose
    /// encoding [`StoredSession::from_bytes`] would refuse is not kept.
    pub fn insert(&self, server_name: &str, session: StoredSession) {
        self.inner.insert(server_name.to_owned(), session);
    }

    /// A copy of the session kept for `server_name`, if there is one and it
    /// is within its lifetime at `now` (seconds since the Unix epoch). An
    /// expired entry is removed.
    #[must_use]
    pub fn get(&self, server_name: &str, now: u64) -> Option<StoredSession> {
        self.inner.get(server_name, now)
    }

    /// Forgets the session kept for `server_name`.
    pub fn remove(&self, server_name: &str) {
        self.inner.remove(server_name);
    }

    /// How many sessions the store holds, expired ones not yet removed
    /// included.
    #[must_use]
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether the store holds no session.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every entry as its server name and its session serialised with
    /// [`StoredSession::to_bytes`], oldest first. The bytes hold master
    /// secrets in clear.
    #[must_use]
    pub fn export(&self) -> Vec<(String, Vec<u8>)> {
        self.inner.export()
    }

    /// Decodes one exported session and inserts it for `server_name`.
    pub fn import(&self, server_name: &str, entry: &[u8]) -> Result<(), SessionDecodeError> {
        self.insert(server_name, StoredSession::from_bytes(entry)?);
        Ok(())
    }
}
