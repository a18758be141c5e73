//! Timing each side's calls apart, as rustls's own bench tool does: a
//! slow side cannot hide behind a fast one.

use std::time::{Duration, Instant};

/// Time spent inside each side's calls.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// The client's (or the sender's) share.
    pub client: Duration,
    /// The server's (or the receiver's) share.
    pub server: Duration,
}

impl Split {
    /// Adds another split.
    pub fn add(&mut self, other: Split) {
        self.client += other.client;
        self.server += other.server;
    }
}

/// Runs `f`, adding the time it took to `total`.
pub fn timed<T>(total: &mut Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let result = f();
    *total += start.elapsed();
    result
}

/// Runs `once` until both sides have spent at least `budget` in total or
/// `max` iterations ran; returns the summed split and the iterations.
pub fn repeat(budget: Duration, max: u64, mut once: impl FnMut() -> Split) -> (Split, u64) {
    let mut total = Split::default();
    let mut n = 0;
    while n < max && total.client + total.server < budget {
        total.add(once());
        n += 1;
    }
    (total, n)
}

/// The median of `values` (the mean of the middle two for an even count).
#[must_use]
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => sorted.get(n / 2).copied().unwrap_or_default(),
        _ => {
            let hi = sorted.get(n / 2).copied().unwrap_or_default();
            let lo = sorted.get(n / 2 - 1).copied().unwrap_or_default();
            (hi + lo) / 2.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn medians() {
        assert!((median(&[3.0, 1.0, 2.0]) - 2.0).abs() < 1e-9);
        assert!((median(&[4.0, 1.0, 2.0, 3.0]) - 2.5).abs() < 1e-9);
        assert!(median(&[]).abs() < 1e-9);
    }
}
