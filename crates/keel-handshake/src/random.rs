//! Randomness and time, which come in through the configuration (the core
//! is sans-IO): tests can make both deterministic.

use core::fmt::Debug;

use keel_pki::UnixTime;

/// A source of cryptographically secure random bytes: hello randoms,
/// session ids, ECDHE private keys.
pub trait Rng: Send + Sync + Debug {
    /// Fills `buf`, or fails (a failure aborts the handshake with
    /// internal_error; keel never proceeds with unfilled randomness).
    fn fill(&self, buf: &mut [u8]) -> Result<(), RngFailed>;
}

/// The random source failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RngFailed;

/// The operating system's generator, through aws-lc-rs.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemRng;

impl Rng for SystemRng {
    fn fill(&self, buf: &mut [u8]) -> Result<(), RngFailed> {
        aws_lc_rs::rand::fill(buf).map_err(|_| RngFailed)
    }
}

/// The current time, for certificate validity.
pub trait Clock: Send + Sync + Debug {
    /// Now.
    fn now(&self) -> UnixTime;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixTime {
        UnixTime::now()
    }
}
