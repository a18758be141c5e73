//! Ticket sealing: round trips, rotation across independent servers with a
//! controlled clock, and every way a ticket must fail to open.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use keel_wire::registry::{CipherSuite, NamedGroup, SignatureScheme};

use super::{KEY_NAME_LEN, TicketKeyError, TicketKeys};
use crate::random::{Rng, RngFailed};
use crate::sessions::StoredSession;

/// Distinct bytes on every call, from a counter: deterministic, and no
/// two nonces repeat within a test.
#[derive(Debug, Default)]
struct CountingRng(std::sync::atomic::AtomicU64);

impl Rng for CountingRng {
    fn fill(&self, buf: &mut [u8]) -> Result<(), RngFailed> {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        for (i, byte) in buf.iter_mut().enumerate() {
            *byte = n.to_be_bytes()[i % 8] ^ u8::try_from(i).unwrap();
        }
        Ok(())
    }
}

#[derive(Debug)]
struct BrokenRng;

impl Rng for BrokenRng {
    fn fill(&self, _: &mut [u8]) -> Result<(), RngFailed> {
        Err(RngFailed)
    }
}

const MASTER: [u8; 32] = [0x5a; 32];
const HOUR: u64 = 3600;
/// A day boundary, so that periods of one hour start exactly here.
const T0: u64 = 1_795_000_000 / HOUR * HOUR;

fn session(created: u64) -> StoredSession {
    StoredSession {
        version: keel_wire::registry::ProtocolVersion::TLS_V1_2,
        context: crate::ResumptionContext::from_bytes([3; 32]),
        session_id: vec![7; 32],
        cipher_suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        group: NamedGroup::X25519,
        signature_scheme: SignatureScheme::ECDSA_SECP256R1_SHA256,
        secret: vec![0x42; 48],
        extended_master_secret: true,
        server_name: Some("example.com".to_owned()),
        alpn: Some(b"h2".to_vec()),
        peer_certificates: Vec::new(),
        created,
        ticket: Vec::new(),
        ticket_expires: 0,
        ticket_age_add: 0,
        client_signature_scheme: None,
        ocsp_response: None,
    }
}

fn keys(master: &[u8]) -> TicketKeys {
    TicketKeys::new(
        master,
        std::time::Duration::from_secs(HOUR),
        std::time::Duration::from_secs(HOUR),
    )
    .unwrap()
}

#[test]
fn a_sealed_session_opens_whole() {
    let keys = keys(&MASTER);
    let ticket = keys
        .seal(&session(T0), T0, &CountingRng::default())
        .unwrap();
    let opened = keys.open(&ticket, T0 + 10).unwrap();
    assert_eq!(opened.to_bytes().unwrap(), session(T0).to_bytes().unwrap());
    // The master secret is not in the ticket in clear.
    assert!(!ticket.windows(48).any(|w| w == [0x42; 48]));
}

#[test]
fn two_servers_sharing_a_master_open_each_others_tickets_across_a_rotation() {
    // Two independent configurations, as on two machines: nothing shared
    // but the master bytes and the clock's idea of the period.
    let (a, b) = (keys(&MASTER), keys(MASTER.as_ref()));
    let rng = CountingRng::default();
    let late = T0 + HOUR - 5; // five seconds before the rotation
    let from_a = a.seal(&session(late), late, &rng).unwrap();
    // b opens it in the same period and, after the rotation, in the next.
    assert!(b.open(&from_a, late + 1).is_some());
    let after = T0 + HOUR + 1;
    assert!(b.open(&from_a, after).is_some(), "lost at the rotation");
    // Sealed in the new period, the key name differs.
    let from_b = b.seal(&session(after), after, &rng).unwrap();
    assert_ne!(from_a[..KEY_NAME_LEN], from_b[..KEY_NAME_LEN]);
    assert!(a.open(&from_b, after).is_some());
    // Two periods on, the first ticket's key is gone.
    assert!(a.open(&from_a, T0 + 2 * HOUR + 1).is_none());
}

#[test]
fn a_different_master_cannot_open_a_ticket() {
    let ticket = keys(&MASTER)
        .seal(&session(T0), T0, &CountingRng::default())
        .unwrap();
    assert!(keys(&[0x5b; 32]).open(&ticket, T0).is_none());
}

#[test]
fn an_expired_or_future_session_does_not_open() {
    let keys = TicketKeys::new(
        &MASTER,
        std::time::Duration::from_secs(HOUR),
        std::time::Duration::from_secs(600),
    )
    .unwrap();
    let rng = CountingRng::default();
    let ticket = keys.seal(&session(T0), T0, &rng).unwrap();
    assert!(keys.open(&ticket, T0 + 599).is_some());
    assert!(keys.open(&ticket, T0 + 600).is_none());
    // Created after "now": a clock that ran backwards.
    let future = keys.seal(&session(T0 + 100), T0, &rng).unwrap();
    assert!(keys.open(&future, T0 + 50).is_none());
}

#[test]
fn every_flipped_bit_and_every_truncation_is_refused() {
    let keys = keys(&MASTER);
    let ticket = keys
        .seal(&session(T0), T0, &CountingRng::default())
        .unwrap();
    for i in 0..ticket.len() {
        for bit in [0x01, 0x80] {
            let mut bad = ticket.clone();
            bad[i] ^= bit;
            assert!(keys.open(&bad, T0).is_none(), "byte {i} bit {bit:#x}");
        }
    }
    for len in 0..ticket.len() {
        assert!(keys.open(&ticket[..len], T0).is_none(), "length {len}");
    }
    let mut longer = ticket.clone();
    longer.push(0);
    assert!(keys.open(&longer, T0).is_none());
}

#[test]
fn nonces_differ_between_tickets() {
    let keys = keys(&MASTER);
    let rng = CountingRng::default();
    let one = keys.seal(&session(T0), T0, &rng).unwrap();
    let two = keys.seal(&session(T0), T0, &rng).unwrap();
    assert_eq!(one[..KEY_NAME_LEN], two[..KEY_NAME_LEN]);
    assert_ne!(one, two);
}

#[test]
fn a_failing_random_source_issues_no_ticket() {
    assert!(keys(&MASTER).seal(&session(T0), T0, &BrokenRng).is_none());
}

/// Two servers that each drew their own master open only their own
/// tickets; a broken random source gives no keys at all rather than a
/// predictable master.
#[test]
fn random_masters_open_only_their_own_tickets() {
    let hour = std::time::Duration::from_secs(HOUR);
    let rng = CountingRng::default();
    let (a, b) = (
        TicketKeys::random(&rng, hour, hour).unwrap(),
        TicketKeys::random(&rng, hour, hour).unwrap(),
    );
    let ticket = a.seal(&session(T0), T0, &rng).unwrap();
    assert!(a.open(&ticket, T0 + 1).is_some());
    assert!(b.open(&ticket, T0 + 1).is_none());
    assert!(matches!(
        TicketKeys::random(&BrokenRng, hour, hour),
        Err(TicketKeyError::Random)
    ));
}

#[test]
fn bad_parameters_are_refused() {
    assert!(matches!(
        TicketKeys::new(
            &[1; 31],
            std::time::Duration::from_secs(HOUR),
            std::time::Duration::from_secs(HOUR)
        )
        .unwrap_err(),
        TicketKeyError::MasterLength { len: 31 }
    ));
    assert!(
        TicketKeys::new(
            &[1; 1025],
            std::time::Duration::from_secs(HOUR),
            std::time::Duration::from_secs(HOUR)
        )
        .is_err()
    );
    for (rotation, lifetime) in [(0, 0), (HOUR, 0), (HOUR, HOUR + 1)] {
        let err = TicketKeys::new(
            &MASTER,
            std::time::Duration::from_secs(rotation),
            std::time::Duration::from_secs(lifetime),
        )
        .unwrap_err();
        assert!(
            matches!(err, TicketKeyError::Periods { rotation: r, lifetime: l }
                if r.as_secs() == rotation && l.as_secs() == lifetime),
            "{err:?}"
        );
    }
    // The master never appears in Debug output.
    let shown = format!("{:?}", keys(&MASTER));
    assert!(
        shown.contains("redacted") && !shown.contains("90"),
        "{shown}"
    );
}

#[test]
fn keys_load_from_a_file_and_match_keys_from_the_same_bytes() {
    let dir = std::env::temp_dir().join(format!("keel-ticket-key-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ticket.key");
    std::fs::write(&path, MASTER).unwrap();
    let from_file = TicketKeys::from_file(
        &path,
        std::time::Duration::from_secs(HOUR),
        std::time::Duration::from_secs(HOUR),
    )
    .unwrap();
    let ticket = keys(&MASTER)
        .seal(&session(T0), T0, &CountingRng::default())
        .unwrap();
    assert!(from_file.open(&ticket, T0).is_some());
    std::fs::write(&path, [1u8; 8]).unwrap();
    assert!(matches!(
        TicketKeys::from_file(
            &path,
            std::time::Duration::from_secs(HOUR),
            std::time::Duration::from_secs(HOUR)
        )
        .unwrap_err(),
        TicketKeyError::MasterLength { len: 8 }
    ));
    let missing = dir.join("missing.key");
    let err = TicketKeys::from_file(
        &missing,
        std::time::Duration::from_secs(HOUR),
        std::time::Duration::from_secs(HOUR),
    )
    .unwrap_err();
    // The system's own error is kept, as the source, and not repeated.
    assert!(matches!(err, TicketKeyError::Read { ref path, ref source }
        if *path == missing && source.kind() == std::io::ErrorKind::NotFound));
    assert_eq!(
        err.to_string(),
        format!("cannot read the ticket master secret {}", missing.display())
    );
    assert!(std::error::Error::source(&err).is_some());
    std::fs::remove_dir_all(&dir).unwrap();
}
