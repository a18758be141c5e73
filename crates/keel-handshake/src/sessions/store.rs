//! The two bounded stores behind resumption by ID: a server's
//! [`ServerSessionCache`] by session ID and a client's
//! [`ClientSessionStore`] by server name and resumption context.
//!
//! Both are bounded three ways: by entries, by the bytes their sessions
//! take (a session keeps its peer's whole chain, up to 640 KiB), and by
//! lifetime. Every entry gets a sequence number when it is inserted; a
//! connection that used an entry forgets exactly that entry if it fails,
//! never a newer one stored under the same key since.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::{SessionDecodeError, StoredSession};
use crate::resumption_context::ResumptionContext;

/// The byte budget per entry a store gets unless told otherwise: room for
/// a session with a typical certificate chain (leaf and one or two
/// intermediates), so that a store of small sessions is bounded by its
/// entries, and one of huge chains by its bytes.
pub const DEFAULT_BYTES_PER_ENTRY: usize = 8 * 1024;

/// One stored session and its place in the eviction order.
struct Entry {
    /// `(created, insertion sequence)`: the key into `Store::by_age`. The
    /// sequence alone identifies the entry for as long as the store lives.
    age: (u64, u64),
    /// What the session counts against the byte budget.
    bytes: usize,
    session: StoredSession,
}

/// The map behind both stores, oldest entries first in `by_age`.
struct Store<K> {
    entries: BTreeMap<K, Entry>,
    by_age: BTreeMap<(u64, u64), K>,
    next_seq: u64,
    bytes: usize,
}

impl<K: Ord> Store<K> {
    fn remove(&mut self, key: &K) {
        if let Some(entry) = self.entries.remove(key) {
            self.by_age.remove(&entry.age);
            self.bytes = self.bytes.saturating_sub(entry.bytes);
        }
    }

    fn remove_oldest(&mut self) -> bool {
        let Some((_, oldest)) = self.by_age.pop_first() else {
            return false;
        };
        if let Some(entry) = self.entries.remove(&oldest) {
            self.bytes = self.bytes.saturating_sub(entry.bytes);
        }
        true
    }
}

/// A bounded, thread-safe map of sessions, evicting the oldest (by
/// `created`, then by insertion) when full.
struct Bounded<K> {
    store: Mutex<Store<K>>,
    max_entries: usize,
    max_bytes: usize,
    lifetime: u64,
}

impl<K: Ord + Clone> Bounded<K> {
    fn new(max_entries: usize, lifetime: u64) -> Self {
        Self {
            store: Mutex::new(Store {
                entries: BTreeMap::new(),
                by_age: BTreeMap::new(),
                next_seq: 0,
                bytes: 0,
            }),
            max_entries,
            max_bytes: max_entries.saturating_mul(DEFAULT_BYTES_PER_ENTRY),
            lifetime,
        }
    }

    /// The store, even after a panic elsewhere poisoned the lock: every
    /// update below leaves the two maps consistent before it can panic.
    fn lock(&self) -> MutexGuard<'_, Store<K>> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Inserts `session` under `key`, replacing what was there; returns the
    /// entry's sequence number, or `None` when it is not kept (a session
    /// that would not export, or one larger than the whole budget).
    fn insert(&self, key: K, session: StoredSession) -> Option<u64> {
        let bytes = session.encoded_len();
        if self.max_entries == 0 || bytes > self.max_bytes || session.check().is_err() {
            return None;
        }
        let mut store = self.lock();
        store.remove(&key);
        let seq = store.next_seq;
        let age = (session.created, seq);
        store.next_seq = store.next_seq.wrapping_add(1);
        store.by_age.insert(age, key.clone());
        store.entries.insert(
            key,
            Entry {
                age,
                bytes,
                session,
            },
        );
        store.bytes = store.bytes.saturating_add(bytes);
        while store.entries.len() > self.max_entries || store.bytes > self.max_bytes {
            if !store.remove_oldest() {
                break;
            }
        }
        // The new entry may itself be the oldest (an imported session made
        // long ago), and gone already.
        store
            .entries
            .values()
            .any(|e| e.age.1 == seq)
            .then_some(seq)
    }

    /// A copy of the entry under `key` and its sequence number, if it is
    /// within its lifetime at `now`; an expired entry is removed.
    fn get(&self, key: &K, now: u64) -> Option<(StoredSession, u64)> {
        let mut store = self.lock();
        let entry = store.entries.get(key)?;
        if entry.session.is_expired(now, self.lifetime) {
            store.remove(key);
            return None;
        }
        Some((entry.session.clone(), entry.age.1))
    }

    fn remove(&self, key: &K) {
        self.lock().remove(key);
    }

    /// Removes the entry under `key` only if it is the one inserted with
    /// sequence number `seq`.
    fn forget(&self, key: &K, seq: u64) {
        let mut store = self.lock();
        if store.entries.get(key).is_some_and(|e| e.age.1 == seq) {
            store.remove(key);
        }
    }

    fn remove_where(&self, matches: impl Fn(&K) -> bool) {
        let mut store = self.lock();
        let keys: Vec<K> = store
            .entries
            .keys()
            .filter(|k| matches(k))
            .cloned()
            .collect();
        for key in &keys {
            store.remove(key);
        }
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
                // Every kept session passed `check` on the way in.
                let bytes = entry.session.to_bytes().ok()?;
                Some((key.clone(), bytes))
            })
            .collect()
    }
}

impl<K> Bounded<K> {
    /// `Debug` for the public stores: counts and limits, never a session.
    fn debug(&self, name: &str, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct(name)
            .field("entries", &store.entries.len())
            .field("bytes", &store.bytes)
            .field("max_entries", &self.max_entries)
            .field("max_bytes", &self.max_bytes)
            .field("lifetime_secs", &self.lifetime)
            .finish()
    }
}

/// What the two stores have in common: construction, bounds, size and
/// `Debug` (counts and limits, never a session).
macro_rules! bounded_store {
    ($store:ident, $noun:literal) => {
        impl $store {
            #[doc = concat!("A ", $noun, " of at most `max_entries` sessions (none at all if 0),")]
            /// each usable for `lifetime` after it was made (in whole
            /// seconds: sessions are stamped with seconds since the Unix
            /// epoch), together at most `max_entries` ×
            /// [`DEFAULT_BYTES_PER_ENTRY`] bytes.
            #[must_use]
            pub fn new(max_entries: usize, lifetime: core::time::Duration) -> Self {
                Self {
                    inner: Bounded::new(max_entries, lifetime.as_secs()),
                }
            }

            #[doc = concat!("The same ", $noun, " holding at most `max_bytes` of sessions (as")]
            /// their serialised length counts them); a session larger than
            /// that is never kept.
            #[must_use]
            pub fn with_max_bytes(mut self, max_bytes: usize) -> Self {
                self.inner.max_bytes = max_bytes;
                self
            }

            #[doc = concat!("How many sessions the ", $noun, " holds, expired ones not yet")]
            /// removed included.
            #[must_use]
            pub fn len(&self) -> usize {
                self.inner.len()
            }

            /// How long a session stays usable after it was made, in
            /// seconds.
            #[must_use]
            pub fn lifetime_secs(&self) -> u64 {
                self.inner.lifetime
            }

            #[doc = concat!("Whether the ", $noun, " holds no session.")]
            #[must_use]
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }
        }

        impl core::fmt::Debug for $store {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                self.inner.debug(stringify!($store), f)
            }
        }
    };
}

bounded_store!(ServerSessionCache, "cache");
bounded_store!(ClientSessionStore, "store");

/// A server's cache of sessions by session ID, bounded by `max_entries`,
/// by bytes (8 KiB per entry unless [`with_max_bytes`](Self::with_max_bytes)
/// says otherwise) and by `lifetime` (seconds). Inserting into a full cache
/// evicts the oldest entries (by `created`, then by insertion); `get`
/// returns `None` for an entry outside its lifetime at `now`, and removes
/// it.
///
/// Thread-safe: connections share it through an `Arc`. Configurations may
/// share one: each session is resumed only under the
/// [`ResumptionContext`] it was made under.
pub struct ServerSessionCache {
    inner: Bounded<Vec<u8>>,
}

impl ServerSessionCache {
    /// Keeps `session` under its session ID, replacing any entry with that
    /// ID and evicting the oldest while the cache is over a bound. A
    /// session whose encoding [`StoredSession::from_bytes`] would refuse
    /// (an empty or over-long session ID, a suite keel does not negotiate,
    /// ...) is not kept.
    pub fn insert(&self, session: StoredSession) {
        self.insert_entry(session);
    }

    /// A copy of the session with this ID, if there is one and it is within
    /// its lifetime at `now` (seconds since the Unix epoch). An expired
    /// entry is removed.
    #[must_use]
    pub fn get(&self, session_id: &[u8], now: u64) -> Option<StoredSession> {
        self.get_entry(session_id, now).map(|(session, _)| session)
    }

    /// Forgets the session with this ID.
    pub fn remove(&self, session_id: &[u8]) {
        self.inner.remove(&session_id.to_vec());
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

    pub(crate) fn insert_entry(&self, session: StoredSession) -> Option<u64> {
        self.inner.insert(session.session_id.clone(), session)
    }

    pub(crate) fn get_entry(&self, session_id: &[u8], now: u64) -> Option<(StoredSession, u64)> {
        self.inner.get(&session_id.to_vec(), now)
    }

    /// Forgets the entry with this ID if it is still the one inserted as
    /// `seq`.
    pub(crate) fn forget(&self, session_id: &[u8], seq: u64) {
        self.inner.forget(&session_id.to_vec(), seq);
    }
}

/// A client's sessions: one per server name and [`ResumptionContext`],
/// bounded by `max_entries`, by bytes and by `lifetime` (seconds), like
/// [`ServerSessionCache`].
///
/// Keying by context lets configurations share a store safely: a session
/// one configuration's roots, checks and client certificates admitted is
/// offered only by a configuration with the same ones, and never skips a
/// stricter configuration's verification.
///
/// Thread-safe: connections share it through an `Arc`.
pub struct ClientSessionStore {
    inner: Bounded<(String, ResumptionContext)>,
}

impl ClientSessionStore {
    /// Keeps `session` for `server_name` under the session's own context,
    /// replacing the one kept for that name and context and evicting the
    /// oldest while the store is over a bound. A session whose encoding
    /// [`StoredSession::from_bytes`] would refuse is not kept.
    pub fn insert(&self, server_name: &str, session: StoredSession) {
        self.insert_entry(server_name, session);
    }

    /// A copy of the session kept for `server_name` under `context`, if
    /// there is one and it is within its lifetime at `now` (seconds since
    /// the Unix epoch). An expired entry is removed.
    #[must_use]
    pub fn get(
        &self,
        context: &ResumptionContext,
        server_name: &str,
        now: u64,
    ) -> Option<StoredSession> {
        self.get_entry(context, server_name, now)
            .map(|(session, _)| session)
    }

    /// Forgets every session kept for `server_name`, under any context.
    pub fn remove(&self, server_name: &str) {
        self.inner.remove_where(|(name, _)| name == server_name);
    }

    /// Every entry as its server name and its session serialised with
    /// [`StoredSession::to_bytes`] (which carries its context), oldest
    /// first. The bytes hold master secrets in clear.
    #[must_use]
    pub fn export(&self) -> Vec<(String, Vec<u8>)> {
        self.inner
            .export()
            .into_iter()
            .map(|((name, _), bytes)| (name, bytes))
            .collect()
    }

    /// Decodes one exported session and inserts it for `server_name`.
    pub fn import(&self, server_name: &str, entry: &[u8]) -> Result<(), SessionDecodeError> {
        self.insert(server_name, StoredSession::from_bytes(entry)?);
        Ok(())
    }

    pub(crate) fn insert_entry(&self, server_name: &str, session: StoredSession) -> Option<u64> {
        self.inner
            .insert((server_name.to_owned(), session.context), session)
    }

    pub(crate) fn get_entry(
        &self,
        context: &ResumptionContext,
        server_name: &str,
        now: u64,
    ) -> Option<(StoredSession, u64)> {
        self.inner.get(&(server_name.to_owned(), *context), now)
    }

    /// Forgets the entry for this name and context if it is still the one
    /// inserted as `seq`.
    pub(crate) fn forget(&self, server_name: &str, context: &ResumptionContext, seq: u64) {
        self.inner.forget(&(server_name.to_owned(), *context), seq);
    }
}
