//! Session ticket protection (RFC 5077 §4, its recommended construction
//! adapted to an AEAD): the server seals a [`StoredSession`] into an opaque
//! ticket that only servers holding the same master secret can open.
//!
//! Rotation needs no coordination between servers. Time is cut into
//! periods of `rotation_secs`; the key of period `p` is derived with HKDF
//! (RFC 5869, SHA-256) from the operator's master secret and `p`. Every
//! server sharing the master seals with the same key during a period, and
//! each still opens tickets of the previous period, so a ticket survives
//! one rotation. The ticket lifetime is therefore capped at one period.
//!
//! A ticket is `key_name[16] || nonce[12] || AES-256-GCM(session) || tag`,
//! with the key name as additional data. The key name is derived alongside
//! the key, so it says which period sealed the ticket without revealing
//! anything about the master. Nonces are random (from the configuration's
//! [`Rng`]); with 96-bit random nonces one key may seal 2^32 tickets
//! before the collision bound of NIST SP 800-38D §8.3 is reached, far more
//! than a server issues in a period.
//!
//! Opening fails silently (`None`): a ticket that does not decrypt, comes
//! from an unknown period, or holds an expired session makes the server
//! fall back to a full handshake (RFC 5077 §3.4), never an alert.
//!
//! RFC 5077 §5.2, RFC 5077 §5.7: the ticket is encrypted and integrity
//! protected with AES-256-GCM under a 256-bit key. RFC 5077 §5.5: the keys
//! come from a master of at least 256 bits, serve tickets only (their HKDF
//! salt is their own) and change every period.
//!
//! The AEAD is aws-lc-rs's, called here rather than through keel-record:
//! a ticket is a sealed blob under a key of its own, with none of the
//! record layer's framing, sequence numbers or nonce rules.
//!
//! The server state machine seals after the client's Finished has verified
//! and opens when a ClientHello offers a ticket (`server/hello.rs`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::hkdf::{HKDF_SHA256, KeyType, Salt};
use snafu::Snafu;
use zeroize::{Zeroize, Zeroizing};

use crate::random::Rng;
use crate::sessions::StoredSession;

/// Bytes of a ticket key name (RFC 5077 §4 uses 16).
pub const KEY_NAME_LEN: usize = 16;
/// Bytes of the AES-256-GCM key.
const KEY_LEN: usize = 32;
/// Bytes of the AES-GCM tag.
const TAG_LEN: usize = 16;
/// The shortest master secret accepted: 256 bits.
pub const MIN_MASTER_LEN: usize = 32;
/// The longest master secret accepted (a file of this size is a mistake).
pub const MAX_MASTER_LEN: usize = 1024;
/// HKDF salt: separates these keys from anything else derived from the
/// same master.
const HKDF_SALT: &[u8] = b"keel tls1.2 session ticket keys v1";

/// Why ticket keys could not be set up.
#[derive(Debug, Snafu)]
#[non_exhaustive]
pub enum TicketKeyError {
    /// The master secret is shorter than 32 or longer than 1024 bytes.
    #[snafu(display(
        "a ticket master secret must be {MIN_MASTER_LEN}..={MAX_MASTER_LEN} bytes, not {len}"
    ))]
    MasterLength {
        /// The length given.
        len: usize,
    },
    /// The rotation period is under a second, or the lifetime is under a
    /// second or longer than one period (a ticket must still open after
    /// one rotation).
    #[snafu(display(
        "ticket lifetime ({} s) must be 1 s ..= the rotation period ({} s)",
        lifetime.as_secs(),
        rotation.as_secs()
    ))]
    Periods {
        /// The rotation period.
        rotation: Duration,
        /// The ticket lifetime.
        lifetime: Duration,
    },
    /// The random source failed while making a master secret.
    #[snafu(display("the random source failed while making a ticket master secret"))]
    Random,
    /// The master secret's file could not be read.
    #[snafu(display("cannot read the ticket master secret {}", path.display()))]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

/// Ticket keys derived from an operator's master secret. The master is
/// zeroized on drop and never shown by `Debug`. The keys derived for the
/// current and the previous period are kept (in aws-lc-rs key objects) for
/// as long as the `TicketKeys` lives: they are what it exists to use.
pub struct TicketKeys {
    master: Zeroizing<Vec<u8>>,
    rotation_secs: u64,
    lifetime_secs: u64,
    /// The keys of the periods last used (at most [`CACHED_PERIODS`]):
    /// deriving a key costs about as much as sealing a ticket, and every
    /// ticket of a period uses the same one.
    cache: Mutex<Vec<(u64, Arc<PeriodKey>)>>,
}

/// Periods whose keys stay derived: the current one and the previous one,
/// whose tickets still open.
const CACHED_PERIODS: usize = 2;

impl core::fmt::Debug for TicketKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TicketKeys")
            .field("master", &"<redacted>")
            .field("rotation_secs", &self.rotation_secs)
            .field("lifetime_secs", &self.lifetime_secs)
            .finish()
    }
}

/// One period's key name and key.
struct PeriodKey {
    name: [u8; KEY_NAME_LEN],
    key: LessSafeKey,
}

/// The HKDF output length, as aws-lc-rs wants it said.
struct OutputLen(usize);

impl KeyType for OutputLen {
    fn len(&self) -> usize {
        self.0
    }
}

impl TicketKeys {
    /// Keys from `master` (32..=1024 secret bytes, the same on every
    /// server that should open the others' tickets), rotated every
    /// `rotation`, sealing sessions that stay valid for `lifetime` (at most
    /// one period). Both count in whole seconds, as tickets are stamped.
    pub fn new(
        master: &[u8],
        rotation: Duration,
        lifetime: Duration,
    ) -> Result<Self, TicketKeyError> {
        if !(MIN_MASTER_LEN..=MAX_MASTER_LEN).contains(&master.len()) {
            return MasterLengthSnafu { len: master.len() }.fail();
        }
        let (rotation_secs, lifetime_secs) = (rotation.as_secs(), lifetime.as_secs());
        if rotation_secs == 0 || lifetime_secs == 0 || lifetime_secs > rotation_secs {
            return PeriodsSnafu { rotation, lifetime }.fail();
        }
        Ok(Self {
            master: Zeroizing::new(master.to_vec()),
            rotation_secs,
            lifetime_secs,
            cache: Mutex::new(Vec::with_capacity(CACHED_PERIODS + 1)),
        })
    }

    /// Keys from the master secret in the file at `path` (its whole
    /// contents, 32..=1024 bytes: `head -c 32 /dev/urandom > ticket.key`),
    /// as [`new`](Self::new). This does IO; it is a convenience for
    /// programs that keep the master on disk, as every server of a fleet
    /// can.
    pub fn from_file(
        path: impl AsRef<std::path::Path>,
        rotation: Duration,
        lifetime: Duration,
    ) -> Result<Self, TicketKeyError> {
        let path = path.as_ref();
        let master =
            Zeroizing::new(std::fs::read(path).map_err(|source| TicketKeyError::Read {
                path: path.to_owned(),
                source,
            })?);
        Self::new(&master, rotation, lifetime)
    }

    /// Keys from a fresh master secret of [`MIN_MASTER_LEN`] bytes drawn
    /// from `rng`, as [`new`](Self::new). The master lives only in this
    /// value: tickets it seals open nowhere else and not after it is
    /// dropped, so a server that restarts or runs beside others resumes
    /// only the sessions it issued itself since it started.
    pub fn random(
        rng: &dyn Rng,
        rotation: Duration,
        lifetime: Duration,
    ) -> Result<Self, TicketKeyError> {
        let mut master = Zeroizing::new([0u8; MIN_MASTER_LEN]);
        rng.fill(master.as_mut_slice())
            .map_err(|_| TicketKeyError::Random)?;
        Self::new(master.as_slice(), rotation, lifetime)
    }

    /// How long a ticket stays valid: the lifetime hint sent in
    /// NewSessionTicket (RFC 5077 §3.3).
    #[must_use]
    pub fn lifetime(&self) -> Duration {
        Duration::from_secs(self.lifetime_secs)
    }

    /// Seals `session` at time `now` (seconds since the Unix epoch) under
    /// the current period's key. `None` when the session cannot be serialised
    /// (a field outside [`StoredSession::to_bytes`]'s limits) or the random
    /// source or the cipher fails; the server then simply issues no ticket.
    pub fn seal(&self, session: &StoredSession, now: u64, rng: &dyn Rng) -> Option<Vec<u8>> {
        let period = self.period_key(now / self.rotation_secs)?;
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill(&mut nonce).ok()?;
        let plain = Zeroizing::new(session.to_bytes().ok()?);
        let mut ticket = Vec::with_capacity(KEY_NAME_LEN + NONCE_LEN + plain.len() + TAG_LEN);
        ticket.extend_from_slice(&period.name);
        ticket.extend_from_slice(&nonce);
        let body_start = ticket.len();
        ticket.extend_from_slice(&plain);
        let mut body = ticket.split_off(body_start);
        let sealed = period.key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(period.name),
            &mut body,
        );
        if sealed.is_err() {
            body.zeroize();
            return None;
        }
        ticket.append(&mut body);
        Some(ticket)
    }

    /// Opens `ticket` at time `now`: the session inside, if the ticket was
    /// sealed in this period or the previous one by a server with the same
    /// master, is intact, and its session has not expired. Anything else is
    /// `None` (the server falls back to a full handshake).
    #[must_use]
    pub fn open(&self, ticket: &[u8], now: u64) -> Option<StoredSession> {
        let (name, rest) = ticket.split_first_chunk::<KEY_NAME_LEN>()?;
        let (nonce, sealed) = rest.split_first_chunk::<NONCE_LEN>()?;
        if sealed.len() < TAG_LEN {
            return None;
        }
        let current = now / self.rotation_secs;
        let period = [Some(current), current.checked_sub(1)]
            .into_iter()
            .flatten()
            .filter_map(|p| self.period_key(p))
            .find(|key| key.name == *name)?;
        let mut body = Zeroizing::new(sealed.to_vec());
        let plain = period
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(*nonce),
                Aad::from(period.name),
                &mut body,
            )
            .ok()?;
        let session = StoredSession::from_bytes(plain).ok()?;
        // Sessions from the future are as suspect as expired ones: a clock
        // skew this large between servers means something is wrong.
        let age = now.checked_sub(session.created)?;
        (age < self.lifetime_secs).then_some(session)
    }

    /// The key of `period`, from the cache or freshly derived (and then
    /// cached, the oldest period leaving).
    fn period_key(&self, period: u64) -> Option<Arc<PeriodKey>> {
        let Ok(mut cache) = self.cache.lock() else {
            // A poisoned cache is only a lost optimisation.
            return self.derive(period).map(Arc::new);
        };
        if let Some((_, key)) = cache.iter().find(|(p, _)| *p == period) {
            return Some(Arc::clone(key));
        }
        let key = Arc::new(self.derive(period)?);
        cache.push((period, Arc::clone(&key)));
        if cache.len() > CACHED_PERIODS {
            cache.sort_by_key(|(p, _)| core::cmp::Reverse(*p));
            cache.truncate(CACHED_PERIODS);
        }
        Some(key)
    }

    /// The key name and key of `period`: HKDF-SHA256 with the fixed salt,
    /// the master as input keying material, and the period number
    /// (big-endian u64) as info.
    fn derive(&self, period: u64) -> Option<PeriodKey> {
        let prk = Salt::new(HKDF_SHA256, HKDF_SALT).extract(&self.master);
        let info = period.to_be_bytes();
        let info = [info.as_slice()];
        let okm = prk.expand(&info, OutputLen(KEY_NAME_LEN + KEY_LEN)).ok()?;
        let mut bytes = Zeroizing::new([0u8; KEY_NAME_LEN + KEY_LEN]);
        okm.fill(bytes.as_mut_slice()).ok()?;
        let (name, key) = bytes.split_first_chunk::<KEY_NAME_LEN>()?;
        let key = UnboundKey::new(&AES_256_GCM, key).ok()?;
        Some(PeriodKey {
            name: *name,
            key: LessSafeKey::new(key),
        })
    }
}

#[cfg(test)]
#[path = "tickets_tests.rs"]
mod tests;
