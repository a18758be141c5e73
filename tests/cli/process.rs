//! Stopping a service under test as a service manager does: SIGTERM, then
//! a bounded wait for it to exit. Shared by the `keel serve` and `keel
//! proxy` suites.

use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

/// Sends SIGTERM to `child`.
pub(crate) fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -TERM {} failed", child.id());
}

/// Waits for `child` to exit, for `bound` at most (the child is left for
/// its guard to kill if it does not).
pub(crate) fn exit_status(child: &mut Child, bound: Duration) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(started.elapsed() < bound, "still running after {bound:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
