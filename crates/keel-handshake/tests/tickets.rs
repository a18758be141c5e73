//! Resumption by session ticket (RFC 5077) between a keel client and a
//! keel server that caches nothing: the ticket carries the session. The
//! client asks for a ticket, stores it with the session once the server's
//! Finished has verified, offers it with a session ID of its own, and
//! keeps the fresh ticket the server sends on resumption. A ticket that
//! does not open, or whose lifetime hint has passed, means a full
//! handshake.

// A panic in a test is a failed test, not a crash in front of a peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use keel_handshake::sessions::{ClientSessionStore, StoredSession};
use keel_handshake::tickets::TicketKeys;
use keel_handshake::{
    ClientHandshakeConfig, Clock, Connection, HandshakeError, MessageKind, ServerHandshakeConfig,
};
use keel_pki::{ServerName, UnixTime};
use keel_wire::registry::{AlertDescription, ContentType};
use support::{SERVER_NAME, client_config, pump, server_config};

const HOUR: u64 = 3600;
const T0: u64 = 1_795_000_000 / HOUR * HOUR;

#[derive(Debug)]
struct FixedClock(u64);

impl Clock for FixedClock {
    fn now(&self) -> UnixTime {
        UnixTime::since_unix_epoch(Duration::from_secs(self.0))
    }
}

/// The client's store and the server's ticket keys (lifetime: 600 s).
struct Fleet {
    store: Arc<ClientSessionStore>,
    keys: Arc<TicketKeys>,
}

fn new_fleet() -> Fleet {
    Fleet {
        store: Arc::new(ClientSessionStore::new(
            16,
            std::time::Duration::from_secs(24 * HOUR),
        )),
        keys: Arc::new(
            TicketKeys::new(
                &[0x33; 32],
                std::time::Duration::from_secs(HOUR),
                std::time::Duration::from_secs(600),
            )
            .unwrap(),
        ),
    }
}

/// Configs at `client_now` and `server_now`: tickets only, no cache.
fn configs(
    fleet: &Fleet,
    client_now: u64,
    server_now: u64,
) -> (ClientHandshakeConfig, ServerHandshakeConfig) {
    let mut client = client_config(false, None);
    client.session_store = Some(Arc::clone(&fleet.store));
    client.clock = Arc::new(FixedClock(client_now));
    let mut server = server_config(false);
    server.ticket_keys = Some(Arc::clone(&fleet.keys));
    server.clock = Arc::new(FixedClock(server_now));
    (client, server)
}

/// One handshake; returns (client resumed, server resumed), after checking
/// that application data crosses.
fn handshake(fleet: &Fleet, client_now: u64, server_now: u64) -> (bool, bool) {
    let (c, s) = configs(fleet, client_now, server_now);
    let mut client =
        Connection::client(Arc::new(c), ServerName::parse(SERVER_NAME).unwrap()).unwrap();
    let mut server = Connection::server(Arc::new(s));
    pump(&mut client, &mut server).unwrap();
    client.write(b"ping").unwrap();
    pump(&mut client, &mut server).unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(server.read(&mut buf).unwrap(), 4);
    (
        client.session().unwrap().resumed,
        server.session().unwrap().resumed,
    )
}

fn stored(fleet: &Fleet, now: u64) -> StoredSession {
    fleet
        .store
        .get(&support::client_context(), SERVER_NAME, now)
        .expect("a stored session")
}

#[test]
fn a_ticket_resumes_without_a_server_cache_and_is_replaced() {
    let fleet = new_fleet();
    assert_eq!(handshake(&fleet, T0, T0), (false, false));
    let first = stored(&fleet, T0);
    assert!(!first.ticket.is_empty(), "the client kept the ticket");
    // RFC 5077 §3.3: the lifetime hint, counted from arrival.
    assert_eq!(first.ticket_expires, T0 + 600);

    assert_eq!(handshake(&fleet, T0 + 60, T0 + 60), (true, true));
    let second = stored(&fleet, T0 + 60);
    assert_ne!(second.ticket, first.ticket, "a fresh ticket replaced it");
    // The session keeps its creation time, so the fresh ticket's hint is
    // what is left of its lifetime: it expires when the first one would.
    assert_eq!(second.ticket_expires, T0 + 600);
    // The session itself is the same one.
    assert_eq!(second.secret, first.secret);
    assert_eq!(second.created, T0);
}

#[test]
fn a_ticket_the_server_cannot_open_means_a_full_handshake() {
    let fleet = new_fleet();
    handshake(&fleet, T0, T0);
    // Corrupt the ticket in the client's store.
    let mut session = stored(&fleet, T0);
    let last = session.ticket.len() - 1;
    session.ticket[last] ^= 1;
    fleet.store.insert(SERVER_NAME, session);
    assert_eq!(handshake(&fleet, T0 + 1, T0 + 1), (false, false));
    // The full handshake brought a new, good ticket.
    assert_eq!(handshake(&fleet, T0 + 2, T0 + 2), (true, true));
}

#[test]
fn a_ticket_past_its_lifetime_hint_is_not_offered() {
    let fleet = new_fleet();
    handshake(&fleet, T0, T0);
    // The server would still open it (its clock says 10 s), but the
    // client's clock is past the hint: it does not offer the ticket.
    assert_eq!(handshake(&fleet, T0 + 601, T0 + 10), (false, false));
}

#[test]
fn a_ticket_past_the_servers_lifetime_means_a_full_handshake() {
    let fleet = new_fleet();
    handshake(&fleet, T0, T0);
    assert_eq!(handshake(&fleet, T0 + 10, T0 + 601), (false, false));
}

#[test]
fn stored_sessions_with_tickets_survive_serialisation() {
    let fleet = new_fleet();
    handshake(&fleet, T0, T0);
    let exported = fleet.store.export();
    let restored = new_fleet();
    for (name, bytes) in &exported {
        restored.store.import(name, bytes).unwrap();
    }
    // A new client process with the restored store resumes by ticket.
    let fleet = Fleet {
        store: restored.store,
        keys: fleet.keys,
    };
    assert_eq!(handshake(&fleet, T0 + 5, T0 + 5), (true, true));
}

#[test]
fn a_promised_ticket_that_never_comes_is_unexpected_message() {
    // The server's ServerHello carries session_ticket, so its last flight
    // must start with NewSessionTicket (RFC 5077 §3.3). Dropping that
    // message leaves the client looking at a ChangeCipherSpec instead.
    let fleet = new_fleet();
    let (c, s) = configs(&fleet, T0, T0);
    let mut client =
        Connection::client(Arc::new(c), ServerName::parse(SERVER_NAME).unwrap()).unwrap();
    let mut server = Connection::server(Arc::new(s));
    // ClientHello → server's first flight → client's second flight.
    let mut bytes = Vec::new();
    client.take_tls(&mut bytes);
    server.read_tls(&bytes).unwrap();
    bytes.clear();
    server.take_tls(&mut bytes);
    client.read_tls(&bytes).unwrap();
    bytes.clear();
    client.take_tls(&mut bytes);
    server.read_tls(&bytes).unwrap();
    bytes.clear();
    // The server's last flight: NewSessionTicket, ChangeCipherSpec, Finished.
    server.take_tls(&mut bytes);
    let records = support::split_records(&bytes);
    assert_eq!(
        support::content_type(&records[0]),
        ContentType::HANDSHAKE,
        "the ticket comes first"
    );
    assert_eq!(
        support::content_type(&records[1]),
        ContentType::CHANGE_CIPHER_SPEC
    );
    let without_ticket: Vec<u8> = records[1..].concat();
    let err = client.read_tls(&without_ticket).unwrap_err();
    assert_eq!(
        err,
        HandshakeError::UnexpectedMessage {
            expected: "NewSessionTicket",
            got: MessageKind::ChangeCipherSpec,
        }
    );
    assert_eq!(err.alert(), Some(AlertDescription::UNEXPECTED_MESSAGE));
    // Sticky: the connection stays failed, and nothing was stored.
    assert_eq!(client.error(), Some(&err));
    assert!(fleet.store.is_empty());
}

/// RFC 5077 §3.4: a client presenting a ticket MAY send a session ID. One
/// that sends none (as some clients do) is still resumed; it learns so from
/// the messages after the ServerHello, not from an echo.
#[test]
fn a_ticket_offered_with_an_empty_session_id_is_resumed() {
    let fleet = new_fleet();
    assert_eq!(handshake(&fleet, T0, T0), (false, false));
    let (c, s) = configs(&fleet, T0 + 60, T0 + 60);
    let mut client =
        Connection::client(Arc::new(c), ServerName::parse(SERVER_NAME).unwrap()).unwrap();
    let mut server = Connection::server(Arc::new(s));
    let hello = support::rewrite_whole_client_hello(&mut client, |hello| {
        hello.session_id.0.clear();
    });
    server.read_tls(&hello).unwrap();
    let mut flight = Vec::new();
    server.take_tls(&mut flight);
    let types: Vec<ContentType> = support::split_records(&flight)
        .iter()
        .map(|r| support::content_type(r))
        .collect();
    // ServerHello and NewSessionTicket, then ChangeCipherSpec and the
    // protected Finished: the abbreviated handshake.
    assert_eq!(
        types,
        [
            ContentType::HANDSHAKE,
            ContentType::HANDSHAKE,
            ContentType::CHANGE_CIPHER_SPEC,
            ContentType::HANDSHAKE
        ]
    );
}

/// A session sealed into a ticket is not also kept in the server's cache:
/// the client carries it. A client without tickets is still cached.
#[test]
fn a_server_that_issues_a_ticket_does_not_also_cache_the_session() {
    let cached = |tickets: bool| {
        let fleet = new_fleet();
        let (c, mut s) = configs(&fleet, T0, T0);
        let cache = Arc::new(keel_handshake::sessions::ServerSessionCache::new(
            16,
            std::time::Duration::from_secs(HOUR),
        ));
        s.session_cache = Some(Arc::clone(&cache));
        if !tickets {
            s.ticket_keys = None;
        }
        let mut client =
            Connection::client(Arc::new(c), ServerName::parse(SERVER_NAME).unwrap()).unwrap();
        let mut server = Connection::server(Arc::new(s));
        pump(&mut client, &mut server).unwrap();
        assert!(server.session().is_some());
        cache.len()
    };
    assert_eq!(cached(true), 0);
    assert_eq!(cached(false), 1);
}
