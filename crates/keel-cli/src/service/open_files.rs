//! The open-file limit: `keel serve` and `keel proxy` raise their soft
//! RLIMIT_NOFILE to the hard limit at start-up, as Go's runtime and
//! HAProxy do, and say when `--max-connections` cannot fit under it.
//!
//! Why raise it: systemd (since v240) starts services with a soft limit of
//! 1,024 and a hard limit of 524,288, and asks programs that need more
//! descriptors to raise the soft limit themselves; the soft limit stays low
//! only to protect programs that use select(2), which keel does not. A
//! proxy needs two descriptors per connection (the client and the
//! upstream), so at 1,024 it would start failing accepts at about 500
//! connections, half its default `--max-connections`. The hard limit is
//! the operator's: keel never asks for more (that needs CAP_SYS_RESOURCE),
//! and an operator who wants a lower ceiling sets the hard limit
//! (`LimitNOFILE=` in a systemd unit, `ulimit -Hn` in a shell).

/// The process's open-file limit after [`raise_to_hard_limit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OpenFileLimit {
    /// The soft limit before it was raised.
    pub(crate) before: Option<u64>,
    /// The soft limit now: what the process may open. `None` is unlimited.
    pub(crate) now: Option<u64>,
}

/// Raises the soft open-file limit to the hard one, and returns the limit
/// before and after. A failure to raise leaves the limit as it was: the
/// process still runs, and [`OpenFileLimit::shortfall`] reports what that
/// costs.
#[cfg(unix)]
pub(crate) fn raise_to_hard_limit() -> OpenFileLimit {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

    let limit = getrlimit(Resource::Nofile);
    let before = limit.current;
    // An unlimited hard limit (macOS reports one) cannot be given to the
    // soft limit there: the kernel wants OPEN_MAX at most. Linux's hard
    // limit is always a number (fs.nr_open at most).
    let Some(hard) = limit.maximum else {
        return OpenFileLimit {
            before,
            now: before,
        };
    };
    if before.is_some_and(|soft| soft >= hard) {
        return OpenFileLimit {
            before,
            now: before,
        };
    }
    let raised = Rlimit {
        current: Some(hard),
        maximum: Some(hard),
    };
    match setrlimit(Resource::Nofile, raised) {
        Ok(()) => OpenFileLimit {
            before,
            now: Some(hard),
        },
        Err(_) => OpenFileLimit {
            before,
            now: before,
        },
    }
}

/// Elsewhere the limit is not a per-process number keel can read.
#[cfg(not(unix))]
pub(crate) fn raise_to_hard_limit() -> OpenFileLimit {
    OpenFileLimit {
        before: None,
        now: None,
    }
}

/// Raises the limit as [`raise_to_hard_limit`] does, logs the limit, and
/// warns when `connections` of `per_connection` descriptors each do not
/// fit under it: the accepts past the limit would fail, and the log says
/// what to change rather than leaving an operator with "Too many open
/// files".
pub(crate) fn raise_and_log(connections: usize, per_connection: u64) -> OpenFileLimit {
    let limit = raise_to_hard_limit();
    let connections = u64::try_from(connections).unwrap_or(u64::MAX);
    tracing::debug!(before = ?limit.before, now = ?limit.now, "open-file limit");
    if let (Some(short), Some(now)) = (limit.shortfall(connections, per_connection), limit.now) {
        tracing::warn!(
            limit = now,
            max_connections = connections,
            short,
            "the open-file limit is too low for --max-connections: raise the hard limit \
             (LimitNOFILE= in a systemd unit, ulimit -Hn in a shell) or lower --max-connections"
        );
    }
    limit
}

/// Descriptors a service holds besides its connections: the standard
/// streams, the listening sockets, the runtime's epoll and wake-up
/// descriptors, the signal pipe and a metrics scrape, with room to spare.
pub(crate) const SPARE_DESCRIPTORS: u64 = 64;

impl OpenFileLimit {
    /// How many descriptors short the limit is for `connections` at once
    /// of `per_connection` descriptors each, or `None` when they fit.
    pub(crate) fn shortfall(&self, connections: u64, per_connection: u64) -> Option<u64> {
        let needed = connections
            .saturating_mul(per_connection)
            .saturating_add(SPARE_DESCRIPTORS);
        let limit = self.now?;
        needed.checked_sub(limit).filter(|short| *short > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_needs_two_descriptors_per_connection_and_some_spare() {
        let limit = OpenFileLimit {
            before: Some(1024),
            now: Some(20_000),
        };
        assert_eq!(limit.shortfall(9_968, 2), None);
        assert_eq!(limit.shortfall(10_000, 2), Some(64));
        let unlimited = OpenFileLimit {
            before: None,
            now: None,
        };
        assert_eq!(unlimited.shortfall(u64::MAX, 2), None);
    }

    #[cfg(unix)]
    #[test]
    fn the_soft_limit_reaches_the_hard_one() {
        let limit = raise_to_hard_limit();
        let now = rustix::process::getrlimit(rustix::process::Resource::Nofile);
        assert_eq!(limit.now, now.current);
        if now.maximum.is_some() {
            assert_eq!(now.current, now.maximum);
        }
    }
}
