//! Session tickets (RFC 5077) with OpenSSL as the client: `s_client
//! -sess_out` takes a ticket from one keel server, and `s_client -sess_in`
//! presents it to another keel server that shares nothing with the first
//! but the ticket master secret, as two machines of a fleet would. Each
//! server runs on a controlled clock, so the test can put the second
//! connection after a key rotation, or two.

use std::sync::Arc;
use std::time::Duration;

use keel::hazmat::ConfigOverrides;
use keel::provider::{Clock, UnixTime};
use keel::sessions::TicketKeys;

use crate::harness::{ECDHE_ECDSA_AES128_GCM, KeelServer, TempDir, deadline, server_config};
use crate::openssl::s_client;

const HOUR: u64 = 3600;
/// The start of a rotation period (periods are multiples of an hour).
const T0: u64 = 1_795_000_000 / HOUR * HOUR;

/// A clock stopped at one second.
#[derive(Debug)]
struct FixedClock(u64);

impl Clock for FixedClock {
    fn now(&self) -> UnixTime {
        UnixTime::since_unix_epoch(Duration::from_secs(self.0))
    }
}

/// One keel server with its own ticket keys from `master`, at `now`.
fn ticket_server(master: &[u8], now: u64) -> KeelServer {
    let keys = Arc::new(
        TicketKeys::new(
            master,
            std::time::Duration::from_secs(HOUR),
            std::time::Duration::from_secs(HOUR),
        )
        .unwrap(),
    );
    let config = server_config()
        .with_session_tickets(keys)
        .with_clock(Arc::new(FixedClock(now)))
        .build()
        .unwrap();
    KeelServer::start(config, deadline())
}

/// Runs s_client against `server` with `-sess_out` or `-sess_in` on
/// `session`; returns whether keel resumed, and what s_client printed.
fn s_client_once(
    dir: &TempDir,
    server: &KeelServer,
    session_flag: &str,
    session: &str,
) -> (bool, String) {
    let deadline = deadline();
    let roots = dir.write("roots.pem", &crate::harness::pki().server_roots_pem);
    let args = [
        "-tls1_2",
        "-cipher",
        ECDHE_ECDSA_AES128_GCM.openssl,
        "-CAfile",
        roots.to_str().unwrap(),
        "-verify_return_error",
        "-servername",
        crate::harness::HOST,
        session_flag,
        session,
    ];
    let mut client = s_client(dir, server.addr, &args, None);
    client.send(b"ticket test\n");
    let outcome = server
        .outcome(deadline)
        .unwrap_or_else(|e| panic!("keel server failed: {e}\n{}", client.finish(deadline)));
    let out = client.finish(deadline);
    (outcome.session.resumed, out.text())
}

/// Server A issues a ticket at `issued`; server B, with keys from
/// `master_b`, is offered it at `presented`.
fn fleet(test: &str, master_b: &[u8], issued: u64, presented: u64) -> (bool, String) {
    let dir = TempDir::new(test);
    let session = dir.path().join("session.pem");
    let session = session.to_str().unwrap();
    let master_a = [0x11; 32];

    let (resumed, out) = s_client_once(
        &dir,
        &ticket_server(&master_a, issued),
        "-sess_out",
        session,
    );
    assert!(!resumed);
    assert!(out.contains("New, TLSv1.2"), "{out}");
    // RFC 5077 §3.3: the hint is the ticket lifetime keel was given.
    assert!(
        out.contains("TLS session ticket lifetime hint: 3600"),
        "{out}"
    );

    s_client_once(
        &dir,
        &ticket_server(master_b, presented),
        "-sess_in",
        session,
    )
}

#[test]
fn a_ticket_from_one_server_resumes_on_another_across_a_rotation() {
    // Issued five seconds before the rotation, presented five after.
    let (resumed, out) = fleet("t-fleet", &[0x11; 32], T0 + HOUR - 5, T0 + HOUR + 5);
    assert!(resumed, "keel did not resume\n{out}");
    assert!(out.contains("Reused, TLSv1.2"), "{out}");
}

#[test]
fn a_ticket_two_periods_old_is_a_full_handshake() {
    let (resumed, out) = fleet("t-stale", &[0x11; 32], T0 + 5, T0 + 2 * HOUR + 5);
    assert!(!resumed);
    assert!(out.contains("New, TLSv1.2"), "{out}");
}

#[test]
fn a_ticket_from_a_foreign_master_is_a_full_handshake() {
    let (resumed, out) = fleet("t-foreign", &[0x22; 32], T0 + 5, T0 + 10);
    assert!(!resumed);
    assert!(out.contains("New, TLSv1.2"), "{out}");
}
