//! Randomness and time that repeat from run to run.

use std::sync::Mutex;

use keel::provider::{Clock, Rng, RngFailed, UnixTime};

/// A moment inside the committed certificates' validity (2027-01-15).
pub const NOW_SECS: u64 = 1_800_000_000;

/// xorshift64*: deterministic bytes. For fuzzing and replays only: every
/// connection built with one sees the same "random" values.
#[derive(Debug)]
pub struct SeededRng(Mutex<u64>);

impl SeededRng {
    /// A generator starting from `seed` (not 0: xorshift would stay at 0).
    pub fn new(seed: u64) -> Self {
        Self(Mutex::new(seed | 1))
    }
}

impl Rng for SeededRng {
    fn fill(&self, buf: &mut [u8]) -> Result<(), RngFailed> {
        let mut state = self.0.lock().map_err(|_| RngFailed)?;
        for byte in buf {
            *state ^= *state >> 12;
            *state ^= *state << 25;
            *state ^= *state >> 27;
            *byte = (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8;
        }
        Ok(())
    }
}

/// A clock that always says [`NOW_SECS`].
#[derive(Debug, Clone, Copy)]
pub struct FixedClock;

impl Clock for FixedClock {
    fn now(&self) -> UnixTime {
        UnixTime::since_unix_epoch(std::time::Duration::from_secs(NOW_SECS))
    }
}
