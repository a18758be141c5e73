//! Resumption by session ID (RFC 5246 §7.3): a full handshake stores the
//! session on both sides once the peer's Finished has verified; the next
//! connection to the same name resumes it with the abbreviated handshake;
//! anything that does not fit falls back to a full handshake; a session
//! used by a connection that fails is forgotten (RFC 5246 §7.2).

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;

use keel_handshake::sessions::{ClientSessionStore, ServerSessionCache, StoredSession};
use keel_handshake::{ClientHandshakeConfig, Connection, ServerHandshakeConfig};
use keel_pki::ServerName;
use support::{SERVER_NAME, client_config, pump, server_config};

struct Stores {
    client: Arc<ClientSessionStore>,
    server: Arc<ServerSessionCache>,
}

fn stores() -> Stores {
    Stores {
        client: Arc::new(ClientSessionStore::new(
            16,
            std::time::Duration::from_secs(3600),
        )),
        server: Arc::new(ServerSessionCache::new(
            16,
            std::time::Duration::from_secs(3600),
        )),
    }
}

fn configs(stores: &Stores) -> (ClientHandshakeConfig, ServerHandshakeConfig) {
    let mut client = client_config(false, None);
    client.session_store = Some(Arc::clone(&stores.client));
    let mut server = server_config(false);
    server.session_cache = Some(Arc::clone(&stores.server));
    (client, server)
}

fn connect(
    client: ClientHandshakeConfig,
    server: ServerHandshakeConfig,
) -> (Connection, Connection) {
    (
        Connection::client(Arc::new(client), ServerName::parse(SERVER_NAME).unwrap()).unwrap(),
        Connection::server(Arc::new(server)),
    )
}

fn full_then_resumed(stores: &Stores) -> (Connection, Connection) {
    let (c, s) = configs(stores);
    let (mut client, mut server) = connect(c, s);
    pump(&mut client, &mut server).unwrap();
    assert!(!client.session().unwrap().resumed && !server.session().unwrap().resumed);
    assert_eq!(
        (stores.client.len(), stores.server.len()),
        (1, 1),
        "both sides stored the session"
    );
    let (c, s) = configs(stores);
    let (mut client, mut server) = connect(c, s);
    pump(&mut client, &mut server).unwrap();
    (client, server)
}

fn exchange(client: &mut Connection, server: &mut Connection) {
    client.write(b"ping").unwrap();
    pump(client, server).unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(server.read(&mut buf).unwrap(), 4);
    server.write(b"pong").unwrap();
    pump(client, server).unwrap();
    assert_eq!(client.read(&mut buf).unwrap(), 4);
    assert_eq!(&buf[..4], b"pong");
}

#[test]
fn a_second_connection_resumes_with_the_abbreviated_handshake() {
    let stores = stores();
    let (mut client, mut server) = full_then_resumed(&stores);
    let (c, s) = (
        client.session().unwrap().clone(),
        server.session().unwrap().clone(),
    );
    assert!(c.resumed && s.resumed, "both sides resumed");
    assert_eq!(c.cipher_suite, s.cipher_suite);
    assert_eq!(
        c.peer_certificates.len(),
        2,
        "the server's chain comes from the stored session"
    );
    exchange(&mut client, &mut server);
    // Both ends still derive the same keying material.
    let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
    client
        .export_keying_material(&mut a, b"EXPERIMENTAL-r", None)
        .unwrap();
    server
        .export_keying_material(&mut b, b"EXPERIMENTAL-r", None)
        .unwrap();
    assert_eq!(a, b);
}

#[test]
fn sessions_are_stored_only_after_the_peers_finished() {
    let stores = stores();
    let (c, s) = configs(&stores);
    let (mut client, mut server) = connect(c, s);
    // ClientHello in, the server's flight out and in, then the client's
    // final flight is never delivered.
    let mut bytes = Vec::new();
    client.take_tls(&mut bytes);
    server.read_tls(&bytes).unwrap();
    let mut bytes = Vec::new();
    server.take_tls(&mut bytes);
    client.read_tls(&bytes).unwrap();
    assert!(
        client.wants_write(),
        "the client's Finished is ready but not sent"
    );
    assert_eq!((stores.client.len(), stores.server.len()), (0, 0));
}

#[test]
fn a_client_no_longer_offering_the_suite_makes_a_full_handshake() {
    let stores = stores();
    let (c, s) = configs(&stores);
    let (mut client, mut server) = connect(c, s);
    pump(&mut client, &mut server).unwrap();
    let used = client.session().unwrap().cipher_suite;
    let (mut c, s) = configs(&stores);
    c.suites.retain(|suite| *suite != used);
    let (mut client, mut server) = connect(c, s);
    pump(&mut client, &mut server).unwrap();
    assert!(!client.session().unwrap().resumed);
    assert_ne!(client.session().unwrap().cipher_suite, used);
}

#[test]
fn a_cached_session_for_another_server_name_is_not_resumed() {
    let stores = stores();
    let (c, s) = configs(&stores);
    let (mut client, mut server) = connect(c, s);
    pump(&mut client, &mut server).unwrap();
    // Rewrite the server's entry as if it had been made under another SNI.
    let entry = stores.server.export().pop().unwrap();
    let mut stored = StoredSession::from_bytes(&entry).unwrap();
    stored.server_name = Some("other.example".to_owned());
    stores.server.remove(&stored.session_id.clone());
    stores.server.insert(stored);
    let (c, s) = configs(&stores);
    let (mut client, mut server) = connect(c, s);
    pump(&mut client, &mut server).unwrap();
    assert!(!client.session().unwrap().resumed && !server.session().unwrap().resumed);
}

/// RFC 7627 §5.3: a session without the extended master secret is never
/// resumed, whichever side holds it (only an imported entry can be one).
#[test]
fn a_session_without_extended_master_secret_is_not_resumed() {
    for downgraded_side in ["server", "client"] {
        let stores = stores();
        let (c, s) = configs(&stores);
        let (mut client, mut server) = connect(c, s);
        pump(&mut client, &mut server).unwrap();
        if downgraded_side == "server" {
            let mut stored = StoredSession::from_bytes(&stores.server.export()[0]).unwrap();
            stored.extended_master_secret = false;
            stores.server.insert(stored);
        } else {
            let (name, bytes) = stores.client.export().pop().unwrap();
            let mut stored = StoredSession::from_bytes(&bytes).unwrap();
            stored.extended_master_secret = false;
            stores.client.insert(&name, stored);
        }
        let (c, s) = configs(&stores);
        let (mut client, mut server) = connect(c, s);
        pump(&mut client, &mut server).unwrap();
        assert!(
            !client.session().unwrap().resumed && !server.session().unwrap().resumed,
            "{downgraded_side}'s non-EMS session was resumed"
        );
        assert!(client.session().unwrap().extended_master_secret);
    }
}

#[test]
fn an_expired_session_falls_back_to_a_full_handshake() {
    let stores = Stores {
        client: Arc::new(ClientSessionStore::new(
            16,
            std::time::Duration::from_secs(3600),
        )),
        server: Arc::new(ServerSessionCache::new(
            16,
            std::time::Duration::from_secs(0),
        )),
    };
    let (c, s) = configs(&stores);
    let (mut client, mut server) = connect(c, s);
    pump(&mut client, &mut server).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (c, s) = configs(&stores);
    let (mut client, mut server) = connect(c, s);
    pump(&mut client, &mut server).unwrap();
    assert!(
        !client.session().unwrap().resumed,
        "the server's entry had expired"
    );
}

#[test]
fn a_session_used_by_a_failed_connection_is_forgotten() {
    let stores = stores();
    let (mut client, mut server) = full_then_resumed(&stores);
    assert!(server.session().unwrap().resumed);
    // A fatal error on the resumed connection: garbage where a record
    // should be.
    assert!(
        server
            .read_tls(&[0x17, 0x03, 0x03, 0x00, 0x20, 0xde, 0xad])
            .is_ok()
    );
    let err = server.read_tls(&[0u8; 0x20]).unwrap_err();
    assert_eq!(
        err.alert(),
        Some(keel_wire::registry::AlertDescription::BAD_RECORD_MAC)
    );
    assert_eq!(stores.server.len(), 0, "the server forgot the session");
    let mut alert = Vec::new();
    server.take_tls(&mut alert);
    assert!(client.read_tls(&alert).is_err());
    assert_eq!(stores.client.len(), 0, "the client forgot it too");
}

/// A fatal alert record in the clear, as anyone on the path can send one.
const FATAL_ALERT: [u8; 7] = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28];

/// The content types of the records in `bytes`.
fn record_types(bytes: &[u8]) -> Vec<u8> {
    support::split_records(bytes)
        .iter()
        .map(|record| record[0])
        .collect()
}

/// RFC 5246 §7.2 forgets a session whose connection ends in a fatal alert,
/// but only a peer that proved it knows the session (its Finished verified)
/// can make a store forget it: a session ID is sent in the clear, so anyone
/// who saw it could otherwise evict the victim's session.
/// A full handshake that stores the session on both sides, then a second
/// client's ClientHello offering it, delivered to a second server: returns
/// that client, that server, and the server's resuming flight (taken, not
/// delivered).
fn offered_again(stores: &Stores) -> (Connection, Connection, Vec<u8>) {
    let (c, s) = configs(stores);
    let (mut client, mut server) = connect(c, s);
    pump(&mut client, &mut server).unwrap();
    let (c, s) = configs(stores);
    let (mut client, mut server) = connect(c, s);
    let mut hello = Vec::new();
    client.take_tls(&mut hello);
    server.read_tls(&hello).unwrap();
    let mut flight = Vec::new();
    server.take_tls(&mut flight);
    (client, server, flight)
}

#[test]
fn a_session_id_seen_on_the_wire_cannot_make_the_server_forget_the_session() {
    let stores = stores();
    // A ClientHello offering the session ID, replayed by someone who does
    // not know the master secret; the server starts resuming...
    let (_replayer, mut server, flight) = offered_again(&stores);
    assert_eq!(
        record_types(&flight),
        [22, 20, 22],
        "ServerHello, ChangeCipherSpec, Finished: the server resumes"
    );
    // ... and is answered with a fatal alert instead of a Finished.
    assert!(server.read_tls(&FATAL_ALERT).is_err());
    assert_eq!(stores.server.len(), 1, "the server kept the session");
    let (c, s) = configs(&stores);
    let (mut client, mut server) = connect(c, s);
    pump(&mut client, &mut server).unwrap();
    assert!(server.session().unwrap().resumed);
}

#[test]
fn a_server_that_cannot_finish_cannot_make_the_client_forget_the_session() {
    let stores = stores();
    // The resuming flight with its Finished damaged, as a server that only
    // echoes the session ID it saw would send it.
    let (mut client, _server, mut flight) = offered_again(&stores);
    let last = flight.len() - 1;
    flight[last] ^= 0x01;
    let err = client.read_tls(&flight).unwrap_err();
    assert_eq!(
        err.alert(),
        Some(keel_wire::registry::AlertDescription::BAD_RECORD_MAC)
    );
    assert_eq!(stores.client.len(), 1, "the client kept the session");
}

#[test]
fn a_failing_connection_forgets_only_the_session_it_used() {
    let stores = stores();
    let (mut old_client, _old_server) = full_then_resumed(&stores);
    assert!(old_client.session().unwrap().resumed);
    // A newer session replaces it in the client's store: a server that
    // does not know the old one makes a full handshake.
    let fresh = Stores {
        client: Arc::clone(&stores.client),
        server: Arc::new(ServerSessionCache::new(
            16,
            std::time::Duration::from_secs(3600),
        )),
    };
    let (c, s) = configs(&fresh);
    let (mut client, mut server) = connect(c, s);
    pump(&mut client, &mut server).unwrap();
    assert!(!client.session().unwrap().resumed);
    let newer = stores.client.export();
    assert_eq!(newer.len(), 1);
    // The old connection now fails: it forgets its own session, which is
    // no longer there, and not the newer one.
    assert!(old_client.read_tls(&FATAL_ALERT).is_err());
    assert_eq!(stores.client.export(), newer, "the newer session survived");
}

/// ALPACA: a resumed session keeps its application protocol. A server
/// that resumes it with another one is refused.
#[test]
fn a_client_refuses_a_resumption_with_another_alpn_protocol() {
    let stores = stores();
    let alpn_configs = |server_alpn: &[u8]| {
        let (mut c, mut s) = configs(&stores);
        c.alpn = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        s.alpn = vec![server_alpn.to_vec()];
        (c, s)
    };
    let (c, s) = alpn_configs(b"h2");
    let (mut client, mut server) = connect(c, s);
    pump(&mut client, &mut server).unwrap();
    assert_eq!(client.session().unwrap().alpn.as_deref(), Some(&b"h2"[..]));
    // The server's entry rewritten as if made for http/1.1, which the
    // server now prefers: it resumes with http/1.1.
    let mut stored = StoredSession::from_bytes(&stores.server.export()[0]).unwrap();
    stored.alpn = Some(b"http/1.1".to_vec());
    stores.server.insert(stored);
    let (c, s) = alpn_configs(b"http/1.1");
    let (mut client, mut server) = connect(c, s);
    let err = pump(&mut client, &mut server).unwrap_err();
    assert_eq!(
        client.error(),
        Some(&err),
        "the client refused the resumption"
    );
    assert_eq!(
        err.alert(),
        Some(keel_wire::registry::AlertDescription::ILLEGAL_PARAMETER)
    );
}

/// A resumed session reports what the full handshake established: the
/// client the server's stapled OCSP response (RFC 6066 §8), the server the
/// scheme of the client's CertificateVerify. Neither is sent again in an
/// abbreviated handshake.
#[test]
fn a_resumed_session_reports_the_staple_and_the_client_scheme_of_the_full_handshake() {
    const RESPONSE: &[u8] = &[0x30, 0x03, 0x0a, 0x01, 0x00];
    let stores = stores();
    let configs = || {
        let mut client = client_config(true, None);
        client.session_store = Some(Arc::clone(&stores.client));
        client.request_ocsp = true;
        let mut server = server_config(true);
        server.session_cache = Some(Arc::clone(&stores.server));
        let key = keel_pki::CertifiedKey::clone(&support::pki().server)
            .with_ocsp_response(RESPONSE.to_vec());
        server.certificates.default = vec![Arc::new(key)];
        (client, server)
    };
    let mut full_scheme = None;
    for resumed in [false, true] {
        let (c, s) = configs();
        let (mut client, mut server) = connect(c, s);
        pump(&mut client, &mut server).unwrap();
        let (client, server) = (client.session().unwrap(), server.session().unwrap());
        assert_eq!((client.resumed, server.resumed), (resumed, resumed));
        assert_eq!(client.ocsp_response.as_deref(), Some(RESPONSE));
        assert_eq!(server.ocsp_response, None);
        assert!(server.client_signature_scheme.is_some());
        if resumed {
            assert_eq!(server.client_signature_scheme, full_scheme);
        }
        full_scheme = server.client_signature_scheme;
    }
}
