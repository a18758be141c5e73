//! Every configurable limit, each tested, and the configured sources of
//! randomness, time and key logging: a handshake replayed with the same RNG
//! and clock produces the same bytes.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::{Arc, Mutex};

use keel_handshake::keylog::KeyLog;
use keel_handshake::{Clock, Connection, HandshakeError, Rng, RngFailed, ServerCertificates};
use keel_pki::{CertError, CertifiedKey, ServerCertVerifier, ServerName, TrustStore, UnixTime};
use keel_record::RecordError;
use keel_wire::registry::{AlertDescription, NamedGroup};
use support::{SERVER_NAME, client_config, pump, server_config};

/// Runs a handshake that fails on `failing`'s side; checks the error and
/// that the other side receives the alert.
fn fails(client: &mut Connection, server: &mut Connection) -> HandshakeError {
    let err = pump(client, server).unwrap_err();
    let alert = err.alert().expect("a fatal alert is sent");
    let (mut to_client, mut to_server) = (Vec::new(), Vec::new());
    server.take_tls(&mut to_client);
    client.take_tls(&mut to_server);
    let peer_err = if client.error().is_some() {
        server.read_tls(&to_server)
    } else {
        client.read_tls(&to_client)
    };
    assert_eq!(
        peer_err.unwrap_err(),
        HandshakeError::AlertReceived { description: alert }
    );
    err
}

fn connections(
    client: keel_handshake::ClientHandshakeConfig,
    server: keel_handshake::ServerHandshakeConfig,
) -> (Connection, Connection) {
    (
        Connection::client(Arc::new(client), ServerName::parse(SERVER_NAME).unwrap()).unwrap(),
        Connection::server(Arc::new(server)),
    )
}

#[test]
fn the_largest_handshake_message_is_enforced_from_its_header() {
    let mut server = server_config(false);
    server.limits.max_handshake_message = 64;
    let (mut c, mut s) = connections(client_config(false, None), server);
    let err = fails(&mut c, &mut s);
    assert!(
        matches!(
            err,
            HandshakeError::Record {
                source: RecordError::HandshakeTooLarge { limit: 64, .. }
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.alert(), Some(AlertDescription::ILLEGAL_PARAMETER));
}

#[test]
fn the_longest_certificate_chain_is_enforced() {
    let mut client = client_config(false, None);
    client.limits.max_chain_len = 1;
    let (mut c, mut s) = connections(client, server_config(false));
    let err = fails(&mut c, &mut s);
    assert_eq!(
        err,
        HandshakeError::Certificate {
            source: CertError::PathTooLong
        }
    );
    assert_eq!(err.alert(), Some(AlertDescription::BAD_CERTIFICATE));
}

#[test]
fn the_transcript_is_bounded() {
    let mut server = server_config(true);
    server.limits.max_transcript = 300;
    let (mut c, mut s) = connections(client_config(true, None), server);
    let err = fails(&mut c, &mut s);
    assert!(matches!(err, HandshakeError::Transcript { .. }), "{err:?}");
}

#[test]
fn received_plaintext_is_bounded_and_reading_releases_it() {
    let mut client = client_config(false, None);
    client.limits.max_buffered_plaintext = 4096;
    let (mut c, mut s) = connections(client, server_config(false));
    pump(&mut c, &mut s).unwrap();
    let data: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
    // The server's outgoing buffer is bounded too: write, drain, repeat.
    let mut sent = 0;
    let mut wire = Vec::new();
    while sent < data.len() {
        let n = s.write(&data[sent..]).unwrap();
        assert!(n > 0, "an emptied outgoing buffer takes more");
        sent += n;
        s.take_tls(&mut wire);
    }

    let mut received = Vec::new();
    let mut offered = 0;
    let mut saw_back_pressure = false;
    while received.len() < data.len() {
        let taken = c.read_tls(&wire[offered..]).unwrap();
        if offered + taken < wire.len() {
            saw_back_pressure = true;
            assert!(!c.wants_read(), "a full connection says so");
        }
        offered += taken;
        let mut buf = [0u8; 1024];
        loop {
            let n = c.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            assert!(n <= 4096);
            received.extend_from_slice(&buf[..n]);
        }
    }
    assert!(
        saw_back_pressure,
        "100 kB cannot fit a 4 KiB plaintext buffer at once"
    );
    assert_eq!(received, data);
}

#[test]
fn writes_are_bounded_before_and_after_the_handshake() {
    let mut client = client_config(false, None);
    client.limits.max_pending_writes = 1000;
    client.limits.max_buffered_plaintext = 8192;
    let (mut c, mut s) = connections(client, server_config(false));
    assert_eq!(
        c.write(&[7; 5000]).unwrap(),
        1000,
        "held before the handshake, up to the limit"
    );
    pump(&mut c, &mut s).unwrap();
    let mut buf = [0u8; 2000];
    assert_eq!(s.read(&mut buf).unwrap(), 1000);
    let accepted = c.write(&[8; 100_000]).unwrap();
    assert!(
        accepted <= 8192,
        "outgoing bytes are bounded: accepted {accepted}"
    );
    assert!(accepted > 0);
}

/// xorshift64*: deterministic, for replays only.
#[derive(Debug)]
struct SeededRng(Mutex<u64>);

impl Rng for SeededRng {
    fn fill(&self, buf: &mut [u8]) -> Result<(), RngFailed> {
        let mut state = self.0.lock().unwrap();
        for byte in buf {
            *state ^= *state >> 12;
            *state ^= *state << 25;
            *state ^= *state >> 27;
            *byte = (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8;
        }
        Ok(())
    }
}

#[derive(Debug)]
struct FixedClock;

impl Clock for FixedClock {
    fn now(&self) -> UnixTime {
        UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_780_272_000))
    }
}

#[derive(Debug, Default)]
struct Lines(Mutex<Vec<String>>);

impl KeyLog for Lines {
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push(keel_handshake::keylog::nss_line(
                label,
                client_random,
                secret,
            ));
    }
}

/// One handshake and one exchange with seeded randomness and a fixed clock,
/// with an Ed25519 server key (deterministic signatures); returns every
/// byte each side sent and the key-log lines of both sides.
fn seeded_run(
    seed: u64,
    ed25519: &(keel_pki::CertificateDer<'static>, Arc<CertifiedKey>),
) -> (Vec<u8>, Vec<u8>, Vec<String>, Vec<String>) {
    let (client_log, server_log) = (Arc::new(Lines::default()), Arc::new(Lines::default()));
    let mut client = client_config(false, Some(client_log.clone() as Arc<dyn KeyLog>));
    client.rng = Arc::new(SeededRng(Mutex::new(seed)));
    client.clock = Arc::new(FixedClock);
    client.verifier = Arc::new(ServerCertVerifier::new(
        TrustStore::from_der_certificates([ed25519.0.clone()]).unwrap(),
    ));
    let mut server = server_config(false);
    server.rng = Arc::new(SeededRng(Mutex::new(seed ^ 0xdead_beef)));
    server.clock = Arc::new(FixedClock);
    server.key_log = Some(server_log.clone());
    server.certificates = ServerCertificates {
        default: vec![ed25519.1.clone()],
        by_name: vec![],
    };
    server.groups = vec![NamedGroup::X25519];
    let (mut c, mut s) = connections(client, server);

    let (mut client_bytes, mut server_bytes) = (Vec::new(), Vec::new());
    c.write(b"deterministic").unwrap();
    for _ in 0..10 {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        c.take_tls(&mut a);
        s.take_tls(&mut b);
        if a.is_empty() && b.is_empty() {
            break;
        }
        client_bytes.extend_from_slice(&a);
        server_bytes.extend_from_slice(&b);
        s.read_tls(&a).unwrap();
        c.read_tls(&b).unwrap();
    }
    assert!(c.session().is_some() && s.session().is_some());
    let client_lines = client_log.0.lock().unwrap().clone();
    let server_lines = server_log.0.lock().unwrap().clone();
    (client_bytes, server_bytes, client_lines, server_lines)
}

fn ed25519_identity() -> (keel_pki::CertificateDer<'static>, Arc<CertifiedKey>) {
    use rcgen::{
        BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose, PKCS_ED25519,
    };
    let mut ca = CertificateParams::default();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let ca_key = KeyPair::generate_for(&PKCS_ED25519).unwrap();
    let root = ca.self_signed(&ca_key).unwrap();
    let leaf = CertificateParams::new(vec![SERVER_NAME.to_owned()]).unwrap();
    let key = KeyPair::generate_for(&PKCS_ED25519).unwrap();
    let cert = leaf
        .signed_by(&key, &Issuer::from_params(&ca, &ca_key))
        .unwrap();
    let certified =
        CertifiedKey::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap();
    (root.der().clone(), Arc::new(certified))
}

#[test]
fn randomness_and_time_come_from_the_config_so_a_seeded_handshake_replays_byte_for_byte() {
    let identity = ed25519_identity();
    let first = seeded_run(42, &identity);
    let second = seeded_run(42, &identity);
    assert_eq!(first.0, second.0, "client bytes replay exactly");
    assert_eq!(first.1, second.1, "server bytes replay exactly");
    let other = seeded_run(43, &identity);
    assert_ne!(first.0, other.0, "another seed, another handshake");

    // Key logging: one NSS line per side, the same master secret on both.
    assert_eq!(first.2.len(), 1);
    assert_eq!(first.2, first.3, "client and server log the same secret");
    let fields: Vec<&str> = first.2[0].split(' ').collect();
    assert_eq!(
        (fields[0], fields[1].len(), fields[2].len()),
        ("CLIENT_RANDOM", 64, 96)
    );
}

#[test]
fn nothing_is_logged_unless_a_key_log_is_installed() {
    // The connections of `support` have no key log; a run completes and
    // there is nowhere anything could have gone. This test pins the
    // default of the configs.
    assert!(client_config(false, None).key_log.is_none());
    assert!(server_config(false).key_log.is_none());
}
