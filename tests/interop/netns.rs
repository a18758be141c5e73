//! Running one test inside a private network namespace.
//!
//! Some peers cannot be confined to 127.0.0.1 (`gnutls-serv` binds every
//! interface). A test that starts one calls [`in_private_netns`] with its
//! own name and its body:
//!
//! 1. Outside (the normal run), the test re-executes this very test binary
//!    as `unshare --net -- sh -c 'ip link set lo up && exec "$0" "$@"'
//!    <binary> <test name> --exact --nocapture --test-threads=1`, with
//!    [`INSIDE`] set in its environment. `unshare --net` gives the process a
//!    new network namespace that holds only a loopback interface, down;
//!    `ip` brings it up; `exec` replaces the shell, so the test binary is
//!    the process `unshare` started. It is the leader of a new process
//!    group, and the outer test kills the whole group (the peers it started
//!    too) if it outlives its deadline or the outer test panics. The outer
//!    test passes if the inner run exits successfully *and* reports exactly
//!    one passed test, so a misspelt name (zero tests run) fails.
//! 2. Inside, [`INSIDE`] is set: the same test first checks that it is
//!    really in a namespace with loopback only (`/proc/self/net/dev` is per
//!    namespace), then runs its body, which starts the peer and keel in
//!    that namespace. Nothing in it is reachable from outside, and nothing
//!    outside can take its ports.
//!
//! Where `unshare --net` is not permitted (an unprivileged user without user
//! namespaces, a restrictive container) or `ip` is missing, the test fails
//! and says why: a peer that cannot be started is not a pass. Whoever knows
//! their machine cannot make namespaces and accepts the gap sets
//! [`SKIP`]; the test then prints that it was skipped. The check runs once
//! per process.

use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::harness::Peer;

/// Set in the environment of the re-executed test binary.
pub(crate) const INSIDE: &str = "KEEL_INTEROP_INSIDE_NETNS";

/// Set (to anything) to skip, knowingly, the tests that need a private
/// network namespace on a machine that cannot make one.
pub(crate) const SKIP: &str = "KEEL_SKIP_NETNS_TESTS";

/// How long the inner run may take, the peers' own deadlines included.
const INNER_BUDGET: Duration = Duration::from_secs(18);

/// The shell step run by `unshare`: loopback up, then the test binary.
const SCRIPT: &str = r#"ip link set lo up && exec "$0" "$@""#;

/// Runs `body` in a private network namespace (see the module docs).
/// `test` is the test's full name as the harness lists it, without the
/// crate name: `gnutls::keel_client_ecdsa`.
pub(crate) fn in_private_netns(test: &str, body: impl FnOnce()) {
    if std::env::var_os(INSIDE).is_some() {
        assert_only_loopback();
        body();
        return;
    }
    if let Err(reason) = netns_available() {
        if std::env::var_os(SKIP).is_some() {
            eprintln!("SKIPPED {test} ({SKIP} is set): no private network namespace: {reason}");
            return;
        }
        panic!(
            "{test} needs a private network namespace (unshare --net, and ip from iproute2; \
             root or user namespaces) and cannot make one: {reason}. \
             Set {SKIP}=1 to skip it knowingly."
        );
    }
    let exe = std::env::current_exe().unwrap();
    let mut command = Command::new("unshare");
    command
        .args(["--net", "--", "sh", "-c", SCRIPT])
        .arg(exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(INSIDE, "1");
    let mut inner = Peer::spawn_group_leader("test binary in a private network namespace", command);
    let out = inner.finish(Instant::now() + INNER_BUDGET);
    out.assert_success();
    out.assert_printed("test result: ok. 1 passed");
}

/// Whether this process can make a network namespace and bring its
/// loopback up; checked once.
fn netns_available() -> Result<(), String> {
    static AVAILABLE: OnceLock<Result<(), String>> = OnceLock::new();
    AVAILABLE
        .get_or_init(|| {
            let output = Command::new("unshare")
                .args(["--net", "--", "ip", "link", "set", "lo", "up"])
                .stdin(Stdio::null())
                .output()
                .map_err(|e| format!("cannot run `unshare`: {e}"))?;
            if output.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "`unshare --net -- ip link set lo up` failed ({}): {}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr).trim()
                ))
            }
        })
        .clone()
}

/// Panics unless this process's network namespace has nothing but `lo`.
fn assert_only_loopback() {
    let dev = std::fs::read_to_string("/proc/self/net/dev").unwrap();
    let interfaces: Vec<&str> = dev
        .lines()
        .skip(2)
        .filter_map(|line| line.split(':').next())
        .map(str::trim)
        .collect();
    assert_eq!(
        interfaces,
        ["lo"],
        "{INSIDE} is set but this is not a private network namespace"
    );
}
